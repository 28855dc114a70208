#!/usr/bin/env bash
# Quick start, part 1: set everything up and run the main job on a bundled
# sample. Today that is the allocator benchmark's summary table.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh" "$here/build"
exec "$here/build/bench/allocbench" --quick
