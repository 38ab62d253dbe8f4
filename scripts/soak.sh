#!/usr/bin/env bash
# Soak benchmark (not a test): the daemon for an hour (default) on faults that come and go,
# sampling RSS, RssAnon, threads and fds. Everything runs in a network namespace of its own
# with only a loopback: nothing leaves the machine. Needs root (namespace, nftables).
#
#   scripts/soak.sh [--binary PATH] [--peer PATH] [--duration S] [--out DIR] [soak.py options...]
#
# Defaults: artifacts/publish/linux-x64/edgemonitor (./publish.sh --rid linux-x64 when
# missing), 3600 s, results in artifacts/soak/ (soak.csv, soak.json, soak.svg, daemon.log).
# --peer PATH runs a second binary beside it on the same targets and faults (peer.log), both
# sampled and drawn; --env / --peer-env NAME=VALUE set each one's environment; --store-reload S
# makes .NET reload its trust store every S s (a private copy, touched); `--help-all` for the rest.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
binary="$repo/artifacts/publish/linux-x64/edgemonitor"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --help-all) exec python3 "$repo/scripts/bench/soak.py" --help ;;
    *) args+=("$1"); shift ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "soak.sh: needs root (network namespace, nftables)" >&2; exit 77; }
printf '%s\n' "${args[@]}" | grep -q -- '^--out$' || args+=(--out "$repo/artifacts/soak")
for c in nginx dnsmasq mosquitto nft openssl python3; do
  command -v "$c" >/dev/null || { echo "soak.sh: $c missing: run scripts/install-deps.sh" >&2; exit 69; }
done
[ -x "$binary" ] || "$repo/publish.sh" --rid linux-x64 --out "$repo/artifacts/publish"
ns="emsoak$$"
ip netns add "$ns"
trap 'ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; ip netns del "$ns" 2>/dev/null || true' EXIT INT TERM
PYTHONDONTWRITEBYTECODE=1 ip netns exec "$ns" python3 "$repo/scripts/bench/soak.py" --binary "$binary" "${args[@]}"
