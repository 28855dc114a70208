#!/usr/bin/env bash
# Builds the libntfs libFuzzer target with clang and runs it for SECONDS
# (default 60) over a seed corpus of small images: one made here with mkntfs
# (plus a few files when ntfs-3g can mount it) and colinfinck-testfs1 from
# the shared test data when present. Crashes land in the output directory.
# usage: libntfs/fuzz/run.sh [SECONDS] [BUILD_DIR]
set -euo pipefail
secs=${1:-60}
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$here/build-fuzz-ntfs}
cmake -S "$here" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DNTKIT_FUZZ=ON -DNTKIT_BUILD_TESTS=OFF -DNTKIT_BUILD_HIVE=OFF -DNTKIT_BUILD_CLI=OFF \
      -DNTKIT_BUILD_FUSE=OFF -DNTKIT_BUILD_BOOT=OFF -DNTKIT_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target fuzz_ntfs -j"$(nproc)" >/dev/null
corpus=$build/fuzz-corpus-1m
out=$build/fuzz-out
mkdir -p "$corpus" "$out"
if [ ! -s "$corpus/seed-mkntfs.img" ] && command -v mkntfs >/dev/null; then
    img=$corpus/seed-mkntfs.img
    truncate -s 1100K "$img"   # small inputs keep libFuzzer fast
    mkntfs -q -F -f -c 512 -L seed "$img" >/dev/null 2>&1 || rm -f "$img"
    mnt=$(mktemp -d)
    if [ -f "$img" ] && command -v ntfs-3g >/dev/null &&
       ntfs-3g -o streams_interface=windows "$img" "$mnt" 2>/dev/null; then
        echo hello >"$mnt/a.txt"; echo ads >"$mnt/a.txt:s"; mkdir -p "$mnt/d/e"
        for i in $(seq 1 40); do echo $i >"$mnt/d/f$i"; done
        head -c 20000 /dev/zero >"$mnt/d/e/zero"; ln "$mnt/a.txt" "$mnt/d/link"
        # WOF files of every algorithm (wimlib's compressors, through the
        # WOF test's helpers) so the fuzzer reaches the chunk table and the
        # XPRESS-Huffman and LZX decoders.
        /usr/bin/python3 - "$here/cli/tests" "$mnt" <<'PY' 2>/dev/null || true
import sys
sys.path.insert(0, sys.argv[1])
import ntfs_wof_test as w
wim = w.Wimlib()
for algo in sorted(w.ALGOS):
    data = w.plaintext(algo, 70000)  # several chunks: batched reads
    stream, _ = w.wof_stream(wim, algo, data)
    w.put_wof(sys.argv[2], "wof%d" % algo, len(data), stream, w.reparse(algo))
PY
        umount "$mnt"
    fi
    rmdir "$mnt"
fi
shared=${NTKIT_SHARED_TESTDATA:-$here/../shared/testdata}
if [ -f "$shared/ntfs/colinfinck-testfs1.gz" ] && [ ! -s "$corpus/seed-testfs1.img" ]; then
    # 2 MiB: truncated to -max_len by libFuzzer, which exercises short images
    gzip -dc "$shared/ntfs/colinfinck-testfs1.gz" >"$corpus/seed-testfs1.img"
fi
cd "$out"
exec "$build/libntfs/fuzz_ntfs" "$corpus" -max_total_time="$secs" -max_len=1200000 \
     -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
