#!/usr/bin/env bash
# Builds the libnthive fuzz target with clang (libFuzzer + ASan + UBSan) in
# a temporary directory and runs it for SECONDS on a corpus seeded from the
# shared hives and from hives made by the unit tests' builder.
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
# Seeds from the test builder: a hive with every structure.
cat > "$work/seed.c" <<'SEED'
#include <stdio.h>
#include <stdlib.h>
#include "hive_builder.h"
int main(int argc, char **argv) {
    hb b; size_t size; uint32_t kids[3], leaves[2], vks[3];
    unsigned char big[20000] = {1};
    hb_init(&b, 5);
    uint32_t r = hb_nk_ascii(&b, HB_NONE, "ROOT");
    kids[0] = hb_nk_ascii(&b, r, "a"); kids[1] = hb_nk_ascii(&b, r, "b"); kids[2] = hb_nk_ascii(&b, r, "c");
    leaves[0] = hb_list(&b, "lh", kids, 2); leaves[1] = hb_list(&b, "lf", kids + 2, 1);
    hb_set_subkeys(&b, r, hb_list(&b, "ri", leaves, 2), 3);
    vks[0] = hb_vk(&b, "s", 1, "x\0y\0\0\0", 6, 0);
    vks[1] = hb_vk(&b, "d", 4, "\1\2\3\4", 4, 1);
    vks[2] = hb_vk(&b, "big", 3, big, sizeof big, 0);
    hb_set_values(&b, r, vks, 3);
    unsigned char *f = hb_finish(&b, r, &size);
    FILE *o = fopen(argc > 1 ? argv[1] : "seed.hive", "wb");
    fwrite(f, 1, size, o); fclose(o); return 0;
}
SEED
cc -std=c11 -I"$src/libnthive/tests" -I"$src/libnthive/include" -I"$src/libntcore/include" \
   -o "$work/seed" "$work/seed.c" "$src/libnthive/tests/hive_builder.c" "$src"/libnthive/src/*.c \
   "$src"/libntcore/src/*.c && "$work/seed" "$work/corpus/builder-seed"
echo "fuzzing libnthive for $secs s with $(ls "$work/corpus" | wc -l) seeds"
"$work/fuzz_hive" -max_total_time="$secs" -max_len=1048576 -timeout=30 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "$work/corpus"
