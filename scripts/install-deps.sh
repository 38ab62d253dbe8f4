#!/usr/bin/env bash
# Installs the Debian packages EdgeMonitor's build, tests and lab need (idempotent).
# Real servers for the tests: mosquitto, chronyd, nginx, dnsmasq, openssl; nftables and
# iproute2 for namespaces; gcc and linux-libc-dev for the GPIO struct-layout check;
# libmosquitto1 for MQTT at run time; openssh-server (a real sshd for the ssh probe) and
# iptables (string-match SNI filtering in a namespace) for the probe tests; zlib1g-dev (with
# gcc as linker) for the NativeAOT publish.
set -euo pipefail
pkgs=(mosquitto mosquitto-clients libmosquitto1 libmosquitto-dev chrony dnsmasq-base nginx-light
      nftables iproute2 linux-libc-dev gcc libc6-dev openssl procps ca-certificates
      openssh-server iptables zlib1g-dev)
pkgs+=(jq perl) # the firewall lab (scripts/lab)
pkgs+=(ipset) # allowlist tests: the sets the iptables output matches
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "install-deps: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The distribution's services are not what the tests use: the tests start their own
# instances on loopback. Stop the packaged daemons so they hold no ports.
for svc in mosquitto chrony nginx; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done
