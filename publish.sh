#!/usr/bin/env bash
# Trimmed NativeAOT builds of edgemonitor (net10.0): one self-contained native binary per runtime.
#
#   ./publish.sh [--rid RID]... [--out DIR] [-- ARGS...]
#
#   --rid RID   runtime identifier, repeatable. Default: linux-x64 linux-arm64.
#   --out DIR   where binaries go, DIR/RID/edgemonitor. Default: artifacts/publish.
#   -- ARGS...  passed on to `dotnet publish` (e.g. -p:StackTraceSupport=false)
#
# Prints each binary's architecture, size and SHA-256. Exit 0 only when every RID built.
# linux-arm64 on an x64 host is a cross build: the IL compiler runs here and clang + lld link
# against the Debian arm64 cross glibc (scripts/install-deps.sh installs clang, lld,
# gcc-aarch64-linux-gnu, libc6-dev-arm64-cross). A RID whose NativeAOT packs the NuGet feeds do
# not serve fails at restore, in seconds, naming them: today linux-arm (32-bit Pi OS) lacks
# Microsoft.NETCore.App.Runtime.NativeAOT.linux-arm and runtime.linux-arm.Microsoft.DotNet.ILCompiler,
# linux-musl-x64/-arm64 (OpenWrt) lack runtime.linux-musl-*.Microsoft.DotNet.ILCompiler and
# Microsoft.NETCore.App.Runtime.NativeAOT.linux-musl-*.
set -euo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")"

rids=()
extra=()
out=artifacts/publish
usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rid) [ $# -ge 2 ] || { usage >&2; exit 64; }; rids+=("$2"); shift 2 ;;
    --rid=*) rids+=("${1#*=}"); shift ;;
    --out|-o) [ $# -ge 2 ] || { usage >&2; exit 64; }; out="$2"; shift 2 ;;
    --out=*) out="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "publish.sh: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
  esac
done
[ ${#rids[@]} -gt 0 ] || rids=(linux-x64 linux-arm64)
# A relative --out is relative to where the script was called from.
case "$out" in /*) ;; artifacts/publish) out="$PWD/$out" ;; *) out="$caller_dir/$out" ;; esac
mkdir -p "$out"
out="$(cd "$out" && pwd)"

command -v dotnet >/dev/null || { echo "publish.sh: the .NET SDK (dotnet) is not on PATH" >&2; exit 69; }
# NativeAOT links with clang (preferred) or gcc and needs zlib's headers/library.
if ! command -v clang >/dev/null && ! command -v gcc >/dev/null; then
  echo "publish.sh: NativeAOT needs a C toolchain as linker (clang or gcc) and zlib1g-dev: run scripts/install-deps.sh" >&2
  exit 69
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Intermediate files in their own artifacts tree: a publish never rewrites the obj/ of the
# normal build (or of a test run going on beside it).
work="$(mktemp -d "${TMPDIR:-/tmp}/edgemonitor-publish.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The cross toolchain for a RID whose CPU is not this machine's: clang and lld link, the Debian
# cross glibc (/usr/<triple>) supplies crt files and libc. Empty output: nothing missing.
host_arch=$(uname -m)
cross_missing() {
  local triple
  case "$1" in
    linux-arm64) triple=aarch64-linux-gnu ;;
    linux-x64) triple=x86_64-linux-gnu ;;
    *) return 0 ;; # other RIDs stop at restore here (no packs), before a link is tried
  esac
  [ "${triple%%-*}" = "$host_arch" ] && return 0
  command -v clang >/dev/null || echo clang
  command -v ld.lld >/dev/null || echo lld
  [ -f "/usr/$triple/lib/crt1.o" ] || echo "libc6-dev-${1#linux-}-cross (gcc-$triple)"
}
elf_arch() { readelf -h "$1" 2>/dev/null | sed -n 's/^ *Machine: *//p' | sed 's/Advanced Micro Devices //'; }

declare -a summary=()
failed=0
for rid in "${rids[@]}"; do
  dest="$out/$rid"
  log="$work/$rid.log"
  echo "publish.sh: $rid ..." >&2
  # Restore first: a RID the feeds have no NativeAOT packs for fails here in seconds.
  if ! dotnet restore src/EdgeMonitor/EdgeMonitor.csproj -r "$rid" --artifacts-path "$work/build-$rid" \
       -nologo >"$log" 2>&1; then
    failed=1
    # NU1101: no such package in any feed; NU1102: package known but not that version; NU1103: only prereleases.
    missing=$(sed -nE 's/.*NU110[123]: Unable to find package ([A-Za-z0-9_.-]*[A-Za-z0-9_-])(\.| with version (\([^)]*\)))?.*/\1 \3/p' "$log" \
              | sed 's/ *$//' | sort -u || true)
    if [ -n "$missing" ]; then
      echo "publish.sh: $rid FAILED: packs missing from the NuGet feeds:" >&2
      while IFS= read -r m; do echo "  - $m" >&2; done <<<"$missing"
      echo "  (NativeAOT for $rid needs the ILCompiler and runtime packs for that RID: add a feed that has them)" >&2
    else
      echo "publish.sh: $rid FAILED at restore; last lines of the log:" >&2
      tail -20 "$log" >&2
    fi
    summary+=("$(printf '%-18s %-8s %10s  %s' "$rid" - - "FAILED: packs missing (see above)")")
    continue
  fi
  cross=()
  if [ "$(cross_missing "$rid" | head -c1)" != "" ]; then
    failed=1
    echo "publish.sh: $rid FAILED: the cross toolchain is missing: $(cross_missing "$rid" | paste -sd' ')" >&2
    echo "  (scripts/install-deps.sh installs it)" >&2
    summary+=("$(printf '%-18s %-8s %10s  %s' "$rid" - - "FAILED: no cross toolchain")")
    continue
  fi
  case "$rid" in linux-arm64) [ "$host_arch" = aarch64 ] || cross=(-p:CppCompilerAndLinker=clang -p:LinkerFlavor=lld) ;; esac
  if dotnet publish src/EdgeMonitor/EdgeMonitor.csproj -c Release -r "$rid" "${cross[@]}" \
       --artifacts-path "$work/build-$rid" -o "$dest" -nologo -clp:NoSummary "${extra[@]}" >"$log" 2>&1; then
    bin="$dest/edgemonitor"
    size=$(stat -c %s "$bin")
    sha=$(sha256sum "$bin" | cut -d' ' -f1)
    # The IL2104 warning Serilog carries is expected; surface any other warning.
    grep -E 'warning [A-Z]+[0-9]+' "$log" | grep -v IL2104 | sort -u >&2 || true
    summary+=("$(printf '%-18s %-8s %10s  %s  %s' "$rid" "$(elf_arch "$bin")" "$size" "$sha" "$bin")")
  else
    failed=1
    echo "publish.sh: $rid FAILED; last lines of the build log:" >&2
    grep -E 'error|Error' "$log" | sort -u | tail -20 >&2 || tail -20 "$log" >&2
    summary+=("$(printf '%-18s %-8s %10s  %s' "$rid" - - "FAILED (see above)")")
  fi
done

printf '%-18s %-8s %10s  %-64s  %s\n' RID ARCH BYTES SHA-256 BINARY
printf '%s\n' "${summary[@]}"
exit $failed
