#!/usr/bin/env bash
# Manual install of a published edgemonitor binary on a systemd machine (no package manager):
# the binary, the config, the unit, the system user, the tmpfiles rule that lets it drive the
# LEDs and GPIO lines, the README and the man page; then enables and starts the unit.
#
#   sudo scripts/install.sh [--binary PATH] [--prefix DIR] [--root DIR] [--no-start]
#
#   --binary PATH  default: artifacts/publish/<this machine's RID>/edgemonitor (from ./publish.sh)
#   --prefix DIR   the binary goes to DIR/bin, the README and man page under DIR/share.
#                  Default: /usr/local
#   --root DIR     stage into DIR instead of / (image builds; no user, no systemctl)
#   --no-start     install and enable, but do not start now
#
# An existing /etc/edgemonitor/edgemonitor.json is kept (the new default is written beside it
# as edgemonitor.json.new). Remove: systemctl disable --now edgemonitor; delete the files listed.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=packaging/common.sh
. "$repo/scripts/packaging/common.sh"

case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  armv7l|armv6l) rid=linux-arm ;;
  *) rid=unknown ;;
esac
ldd --version 2>&1 | grep -qi musl && rid="linux-musl-${rid#linux-}"
binary="$repo/artifacts/publish/$rid/edgemonitor"
prefix=/usr/local
root=""
start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --binary|--prefix|--root)
      [ $# -ge 2 ] || { echo "install.sh: $1 needs a value (--help)" >&2; exit 64; }
      case "$1" in
        --binary) binary="$2" ;;
        --prefix) prefix="$2" ;;
        --root) root="$(mkdir -p "$2" && cd "$2" && pwd)" ;;
      esac
      shift 2 ;;
    --no-start) start=0; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1'" >&2; exit 64 ;;
  esac
done
[ -f "$binary" ] || { echo "install.sh: no binary at $binary: run ./publish.sh --rid $rid first (or give --binary)" >&2; exit 66; }
if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (or with --root DIR to stage)" >&2; exit 77
fi

bin="$prefix/bin/edgemonitor"
# The unit's Documentation= and the config's header name the README where this install puts it.
doc_dir="$prefix/share/doc/edgemonitor"
user="$(unit_user)"
umask 022
install -D -m 0755 "$binary" "$root$bin"
echo "install.sh: $root$bin"
conf="$root/etc/edgemonitor/edgemonitor.json"
if [ -e "$conf" ]; then
  config_text | install -D -m 0644 /dev/stdin "$conf.new"
  echo "install.sh: kept $conf (new default: $conf.new)"
else
  config_text | install -D -m 0644 /dev/stdin "$conf"
  echo "install.sh: $conf"
fi
# /etc/systemd/system: a local install, not a package's /lib/systemd/system.
unit_text "$bin" | sed "s#^Documentation=file:///usr/share/doc/edgemonitor/#Documentation=file://$doc_dir/#" | install -D -m 0644 /dev/stdin "$root/etc/systemd/system/edgemonitor.service"
echo "install.sh: $root/etc/systemd/system/edgemonitor.service"
sysusers_text | install -D -m 0644 /dev/stdin "$root/etc/sysusers.d/edgemonitor.conf"
echo "install.sh: $root/etc/sysusers.d/edgemonitor.conf"
tmpfiles_text | install -D -m 0644 /dev/stdin "$root/etc/tmpfiles.d/edgemonitor.conf"
echo "install.sh: $root/etc/tmpfiles.d/edgemonitor.conf"
install -D -m 0644 "$repo/README.md" "$root$doc_dir/README.md"
echo "install.sh: $root$doc_dir/README.md"
gzip -9n <"$repo/scripts/packaging/edgemonitor.1" | install -D -m 0644 /dev/stdin "$root$prefix/share/man/man1/edgemonitor.1.gz"
echo "install.sh: $root$prefix/share/man/man1/edgemonitor.1.gz"

[ -z "$root" ] || { echo "install.sh: staged into $root (user and unit are set up on first boot by systemd)"; exit 0; }

if command -v systemd-sysusers >/dev/null 2>&1; then
  systemd-sysusers edgemonitor.conf
elif ! getent passwd "$user" >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/edgemonitor --no-create-home --shell /usr/sbin/nologin "$user"
fi
if getent group gpio >/dev/null && ! id -nG "$user" | grep -qw gpio; then
  usermod -a -G gpio "$user"
fi
echo "install.sh: user $user"
# The groups exist now: hand the LED and GPIO files to them (udev rules may already have).
if command -v systemd-tmpfiles >/dev/null 2>&1; then
  systemd-tmpfiles --create edgemonitor.conf || echo "install.sh: systemd-tmpfiles reported errors (see above); the LEDs may stay root-only until reboot" >&2
fi

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if [ $start -eq 1 ]; then
    systemctl enable --now edgemonitor.service
    echo "install.sh: enabled and started: systemctl status edgemonitor"
  else
    systemctl enable edgemonitor.service
    echo "install.sh: enabled; start with: systemctl start edgemonitor"
  fi
else
  echo "install.sh: systemd is not running here; unit installed but not enabled (systemctl enable --now edgemonitor on the target)"
fi
