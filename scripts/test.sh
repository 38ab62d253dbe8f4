#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs every test.
# Tests start their own real servers on loopback and in network namespaces they create
# (root needed for namespaces and nftables; tests that need root skip themselves without it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
# Test context only: the tests start their own mosquitto, chronyd and nginx on loopback and in
# namespaces; the distribution's instances (started by their packages) must not hold the ports.
# scripts/run.sh never does this.
for svc in mosquitto chrony nginx; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done
dotnet restore EdgeMonitor.sln --verbosity quiet
dotnet build EdgeMonitor.sln --no-restore --verbosity quiet -warnaserror
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test tests/EdgeMonitor.Tests --no-build --verbosity quiet --logger "console;verbosity=normal" "$@" | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One plain closing line for CI: "N passed, N failed, N skipped".
count() { local n; n=$(grep -oE "^ +$1: +[0-9]+" "$log" | grep -oE '[0-9]+$' | tail -1); echo "${n:-0}"; }
echo "$(count Passed) passed, $(count Failed) failed, $(count Skipped) skipped"
exit "$rc"
