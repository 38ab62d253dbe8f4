#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs every test.
# Tests start their own real servers on loopback and in network namespaces they create
# (root needed for namespaces and nftables; tests that need root skip themselves without it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
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
