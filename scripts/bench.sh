#!/usr/bin/env bash
# Footprint benchmark, one run: edgemonitor (the NativeAOT binary) and
# prometheus-blackbox-exporter side by side, probing the same loopback targets (TCP, TLS, HTTP,
# DNS on nginx, dnsmasq and a TCP listener, all on 127.0.0.1) at the same rate for a bounded time.
#
#   scripts/bench.sh [--binary PATH] [--duration S] [--interval S] [--mix tcp=12,tls=12,http=6,dns=6] [--out FILE] [--env NAME=VALUE]...
#
# Defaults: the net10.0 linux-x64 NativeAOT binary from ./publish.sh (published when
# missing), 180 s under load, 36 probes every 5 s (a third TLS), the table written to
# artifacts/bench/footprint.md and every sample to footprint.csv beside it. Needs root: the
# Debian packages, and nftables counters that count each tool's probes at its own servers.
# Everything it starts is killed on exit (the Python driver's finally, and the trap here).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
binary="$repo/artifacts/publish/linux-x64/edgemonitor"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
printf '%s\n' "${args[@]}" | grep -q -- '^--out$' || { mkdir -p "$repo/artifacts/bench"; args+=(--out "$repo/artifacts/bench/footprint.md"); }

need=()
for p in prometheus-blackbox-exporter nginx-light dnsmasq-base openssl curl python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "bench.sh: installing ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian package starts its own exporter on :9115; the bench runs its own on loopback.
if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus-blackbox-exporter 2>/dev/null; then
  systemctl stop prometheus-blackbox-exporter || true
fi
if [ ! -x "$binary" ]; then
  "$repo/publish.sh" --rid linux-x64 --out "$repo/artifacts/publish"
fi

PYTHONDONTWRITEBYTECODE=1 python3 "$repo/scripts/bench/bench.py" --binary "$binary" "${args[@]}" &
driver=$!
trap 'kill -TERM $driver 2>/dev/null || true; wait $driver 2>/dev/null || true' EXIT INT TERM
wait $driver
