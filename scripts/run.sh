#!/usr/bin/env bash
# The README's main command: builds EdgeMonitor and runs it on the embedded default
# configuration (every built-in profile, console LED view where no LED hardware exists).
#   scripts/run.sh                 the daemon (`edgemonitor run`, console LED view), Ctrl-C stops it
#   scripts/run.sh check           one full check, a table and an exit code
#   scripts/run.sh --isolated ...  the same inside a fresh network namespace with no route
#                                  out: every probe fails at once and nothing leaves the box
set -euo pipefail
cd "$(dirname "$0")/.."
isolated=0
if [ "${1:-}" = "--isolated" ]; then isolated=1; shift; fi
[ $# -gt 0 ] || set -- run
# The daemon keeps status.json and its MQTT spool in a state directory: a local one here.
if [ "$1" = "run" ] && [[ " $* " != *" --state-dir "* ]]; then
  set -- "$@" --state-dir "${STATE_DIRECTORY:-$PWD/.edgemonitor-state}"
fi
# Only what running needs; the machine's own services (time sync, a broker) are left alone.
scripts/install-deps.sh --run
dotnet build src/EdgeMonitor -c Release --verbosity quiet -warnaserror >/dev/null
bin=(dotnet "src/EdgeMonitor/bin/Release/net10.0/edgemonitor.dll")
if [ $isolated -eq 1 ]; then
  ns="edgemonitor-try-$$"
  ip netns add "$ns"
  trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" "${bin[@]}" "$@"
else
  exec "${bin[@]}" "$@"
fi
