#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs every test.
# Tests start their own real servers on loopback and in network namespaces they create
# (root needed for namespaces and nftables; tests that need root skip themselves without it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dotnet restore EdgeMonitor.sln --verbosity quiet
dotnet build EdgeMonitor.sln --no-restore --verbosity quiet -warnaserror
dotnet test tests/EdgeMonitor.Tests --no-build --verbosity quiet --logger "console;verbosity=normal" "$@"
