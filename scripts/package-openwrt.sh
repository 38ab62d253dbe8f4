#!/usr/bin/env bash
# Builds an OpenWrt package (edgemonitor_VERSION_ARCH.ipk, the opkg format: a gzip tar of
# debian-binary, control.tar.gz and data.tar.gz) from a musl NativeAOT binary.
#
#   scripts/package-openwrt.sh [--binary PATH] [--arch OPKG_ARCH] [--out DIR]
#
#   --binary PATH     a linux-musl-* build from publish.sh. Default: artifacts/publish/linux-musl-arm64/edgemonitor
#   --arch OPKG_ARCH  the device's package architecture (`opkg print-architecture` on the device,
#                     e.g. aarch64_cortex-a53, aarch64_generic, x86_64). Default from the binary:
#                     aarch64 -> aarch64_generic, x86_64 -> x86_64.
#   --out DIR         default: artifacts/packages
#
# Installs /usr/bin/edgemonitor, /etc/init.d/edgemonitor (the procd script,
# scripts/openwrt/edgemonitor.init) and /etc/edgemonitor/edgemonitor.json (a conffile: kept on
# upgrade). Depends on libopenssl3 (TLS probes; MQTT is compiled in). On the device:
#   opkg install /tmp/edgemonitor_*.ipk      # enables and starts the service
#   /etc/init.d/edgemonitor reload           # after editing the config
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=packaging/common.sh
. "$repo/scripts/packaging/common.sh"

binary="$repo/artifacts/publish/linux-musl-arm64/edgemonitor"
out="$repo/artifacts/packages"
arch=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --arch) arch="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package-openwrt.sh: unknown argument '$1'" >&2; exit 64 ;;
  esac
done
[ -f "$binary" ] || { echo "package-openwrt.sh: no binary at $binary: run ./publish.sh --rid linux-musl-arm64 (or another linux-musl-* RID) first" >&2; exit 66; }
if ! readelf -l "$binary" 2>/dev/null | grep -q 'ld-musl'; then
  echo "package-openwrt.sh: warning: $binary is not a musl build; OpenWrt needs a linux-musl-* RID (packaging anyway)" >&2
fi
if [ -z "$arch" ]; then
  case "$(elf_machine "$binary")" in
    aarch64) arch=aarch64_generic ;;
    x86_64) arch=x86_64 ;;
    *) echo "package-openwrt.sh: give --arch (the device's opkg architecture) for this binary" >&2; exit 64 ;;
  esac
fi
version="$(binary_version "$binary")"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

work="$(mktemp -d "${TMPDIR:-/tmp}/edgemonitor-ipk.XXXXXX")"
trap 'rm -rf "$work"' EXIT
umask 022
data="$work/data" ctl="$work/control"
install -D -m 0755 "$binary" "$data/usr/bin/edgemonitor"
install -D -m 0755 "$(init_file)" "$data/etc/init.d/edgemonitor"
# No /usr/share/doc on the device: the config points at the README of the source.
config_text | sed -e 's#systemctl reload edgemonitor#/etc/init.d/edgemonitor reload#' \
    -e "s#$doc_dir/README.md (\"Configuration\"), man edgemonitor#README.md (\"Configuration\") of the EdgeMonitor source#" \
  | install -D -m 0644 /dev/stdin "$data/etc/edgemonitor/edgemonitor.json"

install -d "$ctl"
size=$(du -sb "$data" | cut -f1)
cat >"$ctl/control" <<EOF
Package: edgemonitor
Version: $version-1
Depends: libc, libopenssl3
Source: https://example.org/edgemonitor
SourceName: edgemonitor
License: MIT
Section: net
Architecture: $arch
Installed-Size: $size
Description: Site firewall checks for cloud-managed network devices (CloudTrax,
 Disruptive Technologies): reason codes, LEDs, MQTT.
EOF
echo /etc/edgemonitor/edgemonitor.json >"$ctl/conffiles"
# IPKG_INSTROOT is set when the package goes into a firmware image: enable only, start on boot.
cat >"$ctl/postinst" <<'EOF'
#!/bin/sh
[ -n "$IPKG_INSTROOT" ] && { "$IPKG_INSTROOT/etc/init.d/edgemonitor" enable 2>/dev/null || true; exit 0; }
/etc/init.d/edgemonitor enable
/etc/init.d/edgemonitor restart
exit 0
EOF
cat >"$ctl/prerm" <<'EOF'
#!/bin/sh
[ -n "$IPKG_INSTROOT" ] && exit 0
/etc/init.d/edgemonitor stop 2>/dev/null
/etc/init.d/edgemonitor disable 2>/dev/null
exit 0
EOF
chmod 0755 "$ctl/postinst" "$ctl/prerm"
echo "2.0" >"$work/debian-binary"

# Reproducible tars: fixed owner, order and time (the last commit's).
mtime="@$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)"
tgz() { tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" -C "$1" -cf - . | gzip -9n >"$2"; }
tgz "$data" "$work/data.tar.gz"
tgz "$ctl" "$work/control.tar.gz"
ipk="$out/edgemonitor_${version}-1_${arch}.ipk"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" -C "$work" -cf - ./debian-binary ./data.tar.gz ./control.tar.gz \
  | gzip -9n >"$ipk"
echo "package-openwrt.sh: $ipk ($(stat -c %s "$ipk") bytes)"
