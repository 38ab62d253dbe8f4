#!/usr/bin/env bash
# Builds edgemonitor_VERSION_ARCH.deb with dpkg-deb from a published NativeAOT binary, then
# checks it with lintian (installed on demand; --no-lintian skips it).
#
#   scripts/package-deb.sh [--binary PATH] [--out DIR] [--no-lintian]
#
#   --binary PATH  the glibc binary from publish.sh (linux-x64, linux-arm64 or linux-arm).
#                  Default: artifacts/publish/linux-x64/edgemonitor.
#   --out DIR      default: artifacts/packages
#
# The package: /usr/bin/edgemonitor; the unit (systemd/edgemonitor.service); the system user and
# the gpio group the unit asks for (sysusers.d; addgroup/adduser where systemd-sysusers is
# missing); the tmpfiles.d rule that gives gpio the LED and GPIO files; README.md and the man
# page (the unit's Documentation= and the conffile point at them); /etc/edgemonitor/edgemonitor.json
# as a conffile; the unit enabled and started on install (not in a chroot: no /run/systemd/system).
# Depends: libssl3 (TLS probes load it at run time), ca-certificates (the trust store).
# MQTT is MQTTnet, compiled into the binary: no MQTT library to depend on.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=packaging/common.sh
. "$repo/scripts/packaging/common.sh"

binary="$repo/artifacts/publish/linux-x64/edgemonitor"
out="$repo/artifacts/packages"
lint=1
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-lintian) lint=0; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package-deb.sh: unknown argument '$1'" >&2; exit 64 ;;
  esac
done
[ -f "$binary" ] || { echo "package-deb.sh: no binary at $binary: run ./publish.sh first (e.g. ./publish.sh --rid linux-x64)" >&2; exit 66; }
if file -b "$binary" 2>/dev/null | grep -q musl || readelf -l "$binary" 2>/dev/null | grep -q 'ld-musl'; then
  echo "package-deb.sh: $binary is a musl build; Debian needs a linux-* (glibc) RID" >&2; exit 65
fi
case "$(elf_machine "$binary")" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  arm) arch=armhf ;;
  *) echo "package-deb.sh: cannot tell the architecture of $binary" >&2; exit 65 ;;
esac
version="$(binary_version "$binary")"
debver="${version}-1"
user="$(unit_user)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

root="$(mktemp -d "${TMPDIR:-/tmp}/edgemonitor-deb.XXXXXX")"
trap 'rm -rf "$root"' EXIT
umask 022
chmod 0755 "$root"
install -D -m 0755 "$binary" "$root/usr/bin/edgemonitor"
unit_text /usr/bin/edgemonitor | install -D -m 0644 /dev/stdin "$root/lib/systemd/system/edgemonitor.service"
sysusers_text | install -D -m 0644 /dev/stdin "$root/usr/lib/sysusers.d/edgemonitor.conf"
tmpfiles_text | install -D -m 0644 /dev/stdin "$root/usr/lib/tmpfiles.d/edgemonitor.conf"
config_text | install -D -m 0644 /dev/stdin "$root/etc/edgemonitor/edgemonitor.json"

gzip -9n <"$repo/scripts/packaging/edgemonitor.1" | install -D -m 0644 /dev/stdin "$root/usr/share/man/man1/edgemonitor.1.gz"
doc="$root$doc_dir"
install -d "$doc"
install -m 0644 "$repo/README.md" "$doc/README.md"
cat >"$doc/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: edgemonitor
Comment: A native-AOT .NET program: the .NET runtime (MIT) is linked into the binary.

Files: *
Copyright: 2026 EdgeMonitor contributors
License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy of this
 software and associated documentation files (the "Software"), to deal in the Software
 without restriction, including without limitation the rights to use, copy, modify, merge,
 publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
 to whom the Software is furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in all copies or
 substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.
EOF
# The changelog's date is the last commit's, so the same tree gives the same package.
when="$(git -C "$repo" log -1 --format=%aD 2>/dev/null || date -R)"
printf 'edgemonitor (%s) unstable; urgency=medium\n\n  * Package built by scripts/package-deb.sh.\n\n -- EdgeMonitor maintainers <maintainers@example.org>  %s\n' \
  "$debver" "$when" | gzip -9n >"$doc/changelog.Debian.gz"
chmod 0644 "$doc"/*

install -d "$root/DEBIAN"
for s in postinst prerm postrm; do
  sed -e "s/@USER@/$user/g" -e "s#@CONF@#edgemonitor.conf#g" "$repo/scripts/packaging/debian/$s" >"$root/DEBIAN/$s"
  chmod 0755 "$root/DEBIAN/$s"
done
echo /etc/edgemonitor/edgemonitor.json >"$root/DEBIAN/conffiles"
(cd "$root" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: edgemonitor
Version: $debver
Architecture: $arch
Maintainer: EdgeMonitor maintainers <maintainers@example.org>
Installed-Size: $installed_kb
Depends: libc6 (>= 2.34), libssl3 | libssl3t64, ca-certificates, adduser
Section: net
Priority: optional
Description: site firewall checks for cloud-managed network devices
 EdgeMonitor runs on a small box on a site network and proves, continuously,
 that the firewall lets through every endpoint CloudTrax and Disruptive
 Technologies devices need. It says why an endpoint fails (DNS, TCP drop or
 reset, TLS interception, block page, NTP), shows the answer on LEDs and
 reports it over MQTT.
EOF
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

deb="$out/edgemonitor_${debver}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "package-deb.sh: $deb ($(stat -c %s "$deb") bytes)"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p' | head -3 >&2

if [ $lint -eq 1 ]; then
  if ! command -v lintian >/dev/null; then
    echo "package-deb.sh: installing lintian" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lintian >/dev/null 2>&1 \
      || { echo "package-deb.sh: lintian not available; package not checked" >&2; exit 0; }
  fi
  echo "package-deb.sh: lintian:"
  # Errors fail the build; warnings and info are printed for the record.
  lintian --display-info --fail-on error "$deb" || { echo "package-deb.sh: lintian reported errors" >&2; exit 1; }
  echo "package-deb.sh: lintian: no errors"
fi
