#!/usr/bin/env bash
# Trimmed NativeAOT builds of edgemonitor: one self-contained native binary per runtime.
#
#   ./publish.sh [--rid RID]... [--framework TFM] [--out DIR]
#
#   --rid RID        runtime identifier, repeatable. Default: linux-arm64 linux-arm linux-x64
#                    linux-musl-arm64 linux-musl-x64 (OpenWrt uses musl).
#   --framework TFM  target framework. Default: net10.0. (This build machine's NuGet mirror only
#                    has the net9.0 linux-x64 NativeAOT packs: ./publish.sh --rid linux-x64 --framework net9.0)
#   --out DIR        where binaries go, DIR/RID/edgemonitor. Default: artifacts/publish.
#   -- ARGS...       passed on to `dotnet publish` (e.g. -p:StackTraceSupport=false)
#
# Prints each binary's size and SHA-256. A RID whose packs are not in the configured NuGet feeds
# fails with the names of the missing packs; the other RIDs are still built. Exit 0 only when
# every RID built. Cross-builds (arm, arm64, musl on an x64 host) also need the cross toolchain
# NativeAOT documents (clang, lld and a target sysroot); that is a machine set-up, not a flag here.
set -euo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")"

rids=()
extra=()
framework=net10.0
out=artifacts/publish
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rid) [ $# -ge 2 ] || { usage >&2; exit 64; }; rids+=("$2"); shift 2 ;;
    --rid=*) rids+=("${1#*=}"); shift ;;
    --framework|-f) [ $# -ge 2 ] || { usage >&2; exit 64; }; framework="$2"; shift 2 ;;
    --framework=*) framework="${1#*=}"; shift ;;
    --out|-o) [ $# -ge 2 ] || { usage >&2; exit 64; }; out="$2"; shift 2 ;;
    --out=*) out="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "publish.sh: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
  esac
done
[ ${#rids[@]} -gt 0 ] || rids=(linux-arm64 linux-arm linux-x64 linux-musl-arm64 linux-musl-x64)
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

declare -a summary=()
failed=0
for rid in "${rids[@]}"; do
  dest="$out/$rid"
  log="$work/$rid.log"
  echo "publish.sh: $rid ($framework) ..." >&2
  if dotnet publish src/EdgeMonitor/EdgeMonitor.csproj -c Release -f "$framework" -r "$rid" \
       -p:EdgeMonitorAotFramework="$framework" --artifacts-path "$work/build-$rid" -o "$dest" \
       -nologo -clp:NoSummary "${extra[@]}" >"$log" 2>&1; then
    bin="$dest/edgemonitor"
    size=$(stat -c %s "$bin")
    sha=$(sha256sum "$bin" | cut -d' ' -f1)
    # The IL2104 warning Serilog carries is expected; surface any other warning.
    grep -E 'warning [A-Z]+[0-9]+' "$log" | grep -v IL2104 | sort -u >&2 || true
    summary+=("$(printf '%-18s %10s  %s  %s' "$rid" "$size" "$sha" "$bin")")
  else
    failed=1
    # NU1101: no such package in any feed; NU1102: package known but not that version; NU1103: only prereleases.
    missing=$(sed -nE 's/.*NU110[123]: Unable to find package ([A-Za-z0-9_.-]*[A-Za-z0-9_-])(\.| with version (\([^)]*\)))?.*/\1 \3/p' "$log" \
              | sed 's/ *$//' | sort -u || true)
    if [ -n "$missing" ]; then
      echo "publish.sh: $rid ($framework) FAILED: packs missing from the NuGet feeds:" >&2
      while IFS= read -r m; do echo "  - $m" >&2; done <<<"$missing"
      echo "  (NativeAOT for $rid/$framework needs the ILCompiler and runtime packs for that RID;" >&2
      echo "   add a feed that has them, or pick another --framework/--rid)" >&2
    else
      echo "publish.sh: $rid ($framework) FAILED; last lines of the build log:" >&2
      grep -E 'error|Error' "$log" | sort -u | tail -20 >&2 || tail -20 "$log" >&2
    fi
    summary+=("$(printf '%-18s %10s  %s' "$rid" "-" "FAILED (see above)")")
  fi
done

printf '%-18s %10s  %-64s  %s\n' RID BYTES SHA-256 BINARY
printf '%s\n' "${summary[@]}"
exit $failed
