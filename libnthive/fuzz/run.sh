#!/usr/bin/env bash
# Builds the libnthive fuzz target with clang (libFuzzer + ASan + UBSan) in
# a temporary directory and runs it for SECONDS on a corpus seeded from the
# shared hives (dirty ones packed with their logs) and from hives and logs
# made by make_seeds.c. The target drives open/walk, log replay and the
# deleted-record scan (fuzz_hive.c).
# usage: libnthive/fuzz/run.sh [SECONDS]      (default 60)
# Crashes are kept in $NTKIT_FUZZ_ARTIFACTS (default ./fuzz-artifacts).
set -euo pipefail
secs=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
shared=${NTKIT_SHARED_TESTDATA:-$src/../shared/testdata}
artifacts=${NTKIT_FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}
command -v clang >/dev/null || { echo "run.sh: clang not found, skipping"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$artifacts"
flags=(-std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
       -I"$src/libnthive/include" -I"$src/libntcore/include")
clang "${flags[@]}" -o "$work/fuzz_hive" "$here/fuzz_hive.c" "$src"/libnthive/src/*.c \
      "$src"/libntcore/src/*.c
# Seeds: small shared hives (big ones slow every iteration down).
if [ -d "$shared/hives" ]; then
    find "$shared/hives" -type f ! -name '*.md' ! -name '*.xz' -size -600k | while read -r f; do
        cp "$f" "$work/corpus/$(echo "$f" | md5sum | cut -c1-16)"
    done
fi
# Dirty primaries packed with their logs ("primary SPLIT log1 SPLIT log2",
# as fuzz_hive.c splits them): yarp's small dirty hives.
split=$'\nNTKIT-LOG\n'
if [ -d "$shared/hives/yarp" ]; then
    for d in NewDirtyHive1 NewDirtyHive2 OldDirtyHive BadLogHive1 BadLogHive2 BadLogHive3 BadBaseBlockHive; do
        dd="$shared/hives/yarp/$d"
        [ -d "$dd" ] || continue
        prim=$(find "$dd" -maxdepth 1 -type f ! -name '*.LOG*' ! -name 'Recovered*' | head -1)
        [ -n "$prim" ] || continue
        { cat "$prim"; for l in "$dd"/*.LOG1 "$dd"/*.LOG2; do
              [ -f "$l" ] && { printf '%s' "$split"; cat "$l"; }; done; } > "$work/corpus/yarp-$d"
    done
fi
# Generated seeds (make_seeds.c, on the unit tests' hive builder): a hive
# with every structure, one with a deleted key and big value, and dirty
# primaries with new- and old-format logs.
cc -std=c11 -I"$src/libnthive/tests" -I"$src/libnthive/include" -I"$src/libntcore/include" \
   -o "$work/make_seeds" "$here/make_seeds.c" "$src/libnthive/tests/hive_builder.c" "$src"/libnthive/src/*.c \
   "$src"/libntcore/src/*.c && "$work/make_seeds" "$work/corpus"
echo "fuzzing libnthive for $secs s with $(ls "$work/corpus" | wc -l) seeds"
"$work/fuzz_hive" -max_total_time="$secs" -max_len=1048576 -timeout=30 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "$work/corpus"
