#!/bin/bash
# fuse_bench.sh - ntkitfs vs `ntfs-3g -o ro` on the same image, in one run.
#
# usage: bench/fuse_bench.sh NTKITFS [CACHE_DIR]
#   env: FILES=100000 SMALL=10000 BIG_MIB=512 (smaller values for a quick try)
#
# Builds (once, cached in CACHE_DIR) an NTFS image with mkntfs + ntfs-3g:
#   /big.bin      BIG_MIB MiB of pseudo-random bytes (contiguous)
#   /packed/text  BIG_MIB MiB of text in an LZNT1-compressed directory
#   /tree/dNNN/fNNNNN  FILES small files in directories of 1,000
# then times, for each file system (remounted before every task so the
# mount starts with a cold kernel cache; the image file itself stays in the
# host page cache, as in a warm-disk run):
#   seq      cat /big.bin > /dev/null
#   stat     find /tree -type f -exec stat {} + > /dev/null
#   small    cat of the first SMALL files of /tree, by their names (the
#            list is written before the run: the task times reading files;
#            walking the tree is what `stat` times)
#   lznt1    cat /packed/text > /dev/null
# Time = wall clock of the client; CPU = client user+sys plus the FUSE
# daemon's user+sys (from /proc/PID/stat before unmount). The verdict uses
# wall time. Targets: seq >= 1x, stat >= 1.5x, small >= 1.5x, lznt1 >= 4x.
# Needs root, /dev/fuse, mkntfs, ntfs-3g, python3.
#
# FLOOR=path/to/fuse_floor (bench/fuse_floor.c; the bench_fuse target sets
# it): also times the `small` task on a libfuse daemon that does no work at
# all, and prints how far ntfs-3g is from that floor: no single-threaded
# libfuse daemon answering LOOKUP + READ per file can beat it by more.
#
# Comparing two ntkitfs configurations instead (e.g. the threading modes):
#   A_OPTS="-o ..."  options of the first (ntkitfs) mount
#   B=ntkitfs B_OPTS="-o mt"  the second mount is ntkitfs with B_OPTS
#   (columns then read A / B; the targets still apply to the ratio B/A).
set -u
NTKITFS=${1:?usage: fuse_bench.sh NTKITFS [CACHE_DIR]}
NTKITFS=$(readlink -f "$NTKITFS")
CACHE=${2:-/var/tmp/ntkitfs-bench}
FILES=${FILES:-100000}
SMALL=${SMALL:-10000}
BIG_MIB=${BIG_MIB:-512}
A_OPTS=${A_OPTS:-}
B=${B:-ntfs-3g}
B_OPTS=${B_OPTS:-}
FLOOR=${FLOOR:-}
IMG=$CACHE/bench-$FILES-$BIG_MIB.img
MNT=$(mktemp -d /tmp/ntkitfs-bench-XXXXXX)
TICK=$(getconf CLK_TCK)

cleanup() {
    mountpoint -q "$MNT" && fusermount3 -u "$MNT"
    rmdir "$MNT" 2>/dev/null
}
trap cleanup EXIT INT TERM

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in mkntfs ntfs-3g fusermount3 python3; do
    command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
mkdir -p "$CACHE"

make_image() {
    echo "building $IMG (once) ..."
    local tmp=$IMG.tmp
    rm -f "$tmp"
    truncate -s $(( BIG_MIB * 2 + 256 + FILES / 100 ))M "$tmp"
    mkntfs -q -F -f -c 4096 -L bench "$tmp" >/dev/null 2>&1 || return 1
    ntfs-3g -o streams_interface=windows,compression,big_writes "$tmp" "$MNT" || return 1
    python3 - "$MNT" "$FILES" "$BIG_MIB" <<'EOF' || { fusermount3 -u "$MNT"; return 1; }
import hashlib, os, struct, sys
m, files, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(m + "/big.bin", "wb") as f:
    block = b"".join(hashlib.sha512(b"%d" % i).digest() for i in range(16384))  # 1 MiB
    for i in range(big):
        f.write(block[i % 4096:] + block[:i % 4096])
os.makedirs(m + "/packed")
os.setxattr(m + "/packed", "system.ntfs_attrib_be", struct.pack(">I", 0x810))
with open(m + "/packed/text", "w") as f:
    line, n, target = 0, 0, big << 20
    while n < target:
        chunk = "".join("%08d the quick brown fox jumps over the lazy dog %d\n" % (line + k, (line + k) * 7919 % 100003)
                        for k in range(20000))
        line += 20000
        chunk = chunk[: target - n]
        f.write(chunk)
        n += len(chunk)
for i in range(files):
    d = m + "/tree/d%03d" % (i // 1000)
    if i % 1000 == 0:
        os.makedirs(d)
    with open(d + "/f%06d" % i, "w") as f:
        f.write("small file %d\n" % i * (1 + i % 7))
EOF
    fusermount3 -u "$MNT" || return 1
    mv "$tmp" "$IMG"
}
[ -f "$IMG" ] || make_image || { echo "FAIL: could not build the image"; rm -f "$IMG.tmp"; exit 1; }
cat "$IMG" > /dev/null # the image in the host page cache for both
# The small files' paths as the generator names them (tree/dNNN/fNNNNNN).
SMALL_LIST=$CACHE/small-$SMALL.list
awk -v n="$SMALL" 'BEGIN { for (i = 0; i < n; i++) printf "tree/d%03d/f%06d\n", int(i / 1000), i }' > "$SMALL_LIST"

DAEMON_PID=
do_mount() { # fs [options]
    if [ "$1" = ntkitfs ]; then
        # shellcheck disable=SC2086 # options are words
        "$NTKITFS" "$IMG" "$MNT" ${2:-} || return 1
    elif [ "$1" = floor ]; then
        "$FLOOR" "$MNT" || return 1
        DAEMON_PID=$(pgrep -n -f "^$FLOOR $MNT\$")
        return 0
    else
        ntfs-3g -o ro "$IMG" "$MNT" || return 1
    fi
    DAEMON_PID=$(pgrep -n -f "^[^ ]*$1 .*$IMG $MNT" || pgrep -n -f "$1.*$MNT")
}
daemon_cpu() { # user+sys ticks of the daemon
    awk '{print $14 + $15}' /proc/$DAEMON_PID/stat 2>/dev/null || echo 0
}

# run_task fs task [options] -> sets WALL CPU
run_task() {
    local fs=$1 task=$2
    do_mount "$fs" "${3:-}" || { echo "FAIL: mount $fs"; exit 1; }
    local c0; c0=$(daemon_cpu)
    local out
    out=$( { /usr/bin/time -f "%e %U %S" bash -c "
        cd '$MNT' || exit 1
        case $task in
          seq)   cat big.bin > /dev/null ;;
          lznt1) cat packed/text > /dev/null ;;
          stat)  find tree -type f -exec stat {} + > /dev/null ;;
          small) xargs cat < '$SMALL_LIST' > /dev/null ;;
        esac" ; } 2>&1 >/dev/null | tail -1)
    local c1; c1=$(daemon_cpu)
    fusermount3 -u "$MNT"
    sleep 0.2
    WALL=$(echo "$out" | awk '{print $1}')
    CPU=$(echo "$out $c0 $c1 $TICK" | awk '{printf "%.2f", $2 + $3 + ($5 - $4) / $6}')
}

printf "image: %s (%d files, %d MiB big files)\n" "$IMG" "$FILES" "$BIG_MIB"
if [ "$B" = ntkitfs ]; then
    printf "A = ntkitfs %s, B = ntkitfs %s\n" "${A_OPTS:-(defaults)}" "${B_OPTS:-(defaults)}"
    printf "%-7s %12s %12s %12s %12s %8s %6s %s\n" task A_s B_s A_cpu B_cpu ratio need verdict
else
    printf "%-7s %12s %12s %12s %12s %8s %6s %s\n" task ntkitfs_s ntfs3g_s ntkitfs_cpu ntfs3g_cpu ratio need verdict
fi
RESULT=0
TABLE=""
for spec in seq:1 stat:1.5 small:1.5 lznt1:4; do
    task=${spec%%:*} need=${spec##*:}
    best_a=999999 best_b=999999 cpu_a=0 cpu_b=0
    for rep in 1 2 3; do
        run_task ntkitfs "$task" "$A_OPTS"; a=$WALL; ca=$CPU
        run_task "$B" "$task" "$B_OPTS"; b=$WALL; cb=$CPU
        if awk "BEGIN{exit !($a < $best_a)}"; then best_a=$a; cpu_a=$ca; fi
        if awk "BEGIN{exit !($b < $best_b)}"; then best_b=$b; cpu_b=$cb; fi
    done
    ratio=$(awk "BEGIN{printf \"%.2f\", $best_b / ($best_a > 0 ? $best_a : 0.001)}")
    [ "$task" = small ] && { small_a=$best_a; small_b=$best_b; }
    if [ "$B" = ntkitfs ]; then # two ntkitfs configurations: no target, only which is faster
        verdict=$(awk "BEGIN{print ($ratio >= 1) ? \"A faster\" : \"B faster\"}")
        need=-
    else
        verdict=$(awk "BEGIN{print ($ratio >= $need) ? \"PASS\" : \"FAIL\"}")
        [ "$verdict" = PASS ] || RESULT=1
    fi
    line=$(printf "%-7s %12s %12s %12s %12s %8s %6s %s" "$task" "$best_a" "$best_b" "$cpu_a" "$cpu_b" "${ratio}x" "${need}x" "$verdict")
    echo "$line"
    TABLE="$TABLE$line"$'\n'
done
if [ -n "$FLOOR" ] && [ "$B" != ntkitfs ]; then
    # The floor: same client, same two requests per file, no work behind them.
    best_f=999999 cpu_f=0
    for rep in 1 2 3; do
        run_task floor small; f=$WALL
        if awk "BEGIN{exit !($f < $best_f)}"; then best_f=$f; cpu_f=$CPU; fi
    done
    printf "%-7s %12s %12s %12s %12s %8s %6s %s\n" small-floor "$best_f" "$small_b" "$cpu_f" "-" \
        "$(awk "BEGIN{printf \"%.2fx\", $small_b / ($best_f > 0 ? $best_f : 0.001)}")" - \
        "(do-nothing daemon: ntfs-3g time / floor time; ntkitfs is $(awk "BEGIN{printf \"%.2f\", $small_a / ($best_f > 0 ? $best_f : 0.001)}")x the floor)"
fi
if [ "$B" = ntkitfs ]; then
    echo "(best of 3 runs; seconds; ratio = B time / A time; cpu = client + daemon)"
else
    echo "(best of 3 runs; seconds; ratio = ntfs-3g time / ntkitfs time; cpu = client + daemon)"
fi
exit $RESULT
