#!/usr/bin/env bash
# Installs the Debian packages EdgeMonitor needs (idempotent). Installs packages only: it never
# stops, starts or reconfigures a service of this machine.
#
#   scripts/install-deps.sh --run    what running it needs (scripts/run.sh): TLS, CA certificates,
#                                    iproute2 for `run.sh --isolated` (MQTT is MQTTnet, compiled in)
#   scripts/install-deps.sh [--test] everything the build, the tests and the lab need (scripts/test.sh)
#
# The test set (on top of the run set): real servers for the tests (mosquitto, chronyd, nginx,
# dnsmasq, openssl, openssh-server), nftables/iptables for namespaces, gcc and linux-libc-dev for
# the GPIO struct-layout check, jq and perl for the firewall lab, lintian for the .deb checks;
# the NativeAOT toolchain (clang, lld, zlib1g-dev) with the linux-arm64 cross link
# (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross), qemu-user to run the arm64 binary, and the arm64
# shared libraries that binary loads at run time, through Debian multiarch (dpkg
# --add-architecture arm64): `qemu-aarch64 -L / edgemonitor` then finds them where a Pi has them.
set -euo pipefail
what=test
case "${1:-}" in
  --run) what=run ;;
  --test|"") ;;
  *) echo "install-deps.sh: unknown argument '$1' (--run or --test)" >&2; exit 64 ;;
esac
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

pkgs=(libssl3 ca-certificates iproute2)
if [ $what = test ]; then
  pkgs+=(mosquitto mosquitto-clients chrony dnsmasq-base nginx-light
         nftables linux-libc-dev gcc libc6-dev openssl procps openssh-server iptables zlib1g-dev
         jq perl lintian file binutils ipset)
  pkgs+=(clang lld gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)
  pkgs+=(libc6:arm64 libssl3:arm64)
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "install-deps: dpkg --add-architecture arm64 (the arm64 binary's run-time libraries)"
    "${sudo_cmd[@]}" dpkg --add-architecture arm64
  fi
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
