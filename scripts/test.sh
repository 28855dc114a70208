#!/usr/bin/env bash
# Quick start, part 2: set everything up and run the whole test suite.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh" "$here/build"
cd "$here/build"
ctest --output-on-failure -j"$(nproc)" "$@"
