#!/bin/bash
# `ntkit ntfs deleted`, `cat --mft`, `timeline` and `sddl` on an image made
# here with mkntfs + a read-write ntfs-3g mount (ntfs-3g leaves the records
# of deleted files behind). Oracles: sleuthkit's fls -r -d -p (deleted
# records and their paths), icat (contents), blkls/blkstat are not needed:
# the reallocation warning is checked on a file whose clusters are surely
# reused (the volume is filled after its deletion) and on one whose are not.
# Needs root, /dev/fuse, mkntfs, ntfs-3g, fls, icat: exit 77 (skip) otherwise.
set -u
NTKIT=$1
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
for t in mkntfs ntfs-3g fls icat python3; do
    command -v $t >/dev/null || { echo "skip: $t missing"; exit 77; }
done
[ "$(id -u)" = 0 ] && [ -c /dev/fuse ] || { echo "skip: needs root and /dev/fuse"; exit 77; }

rm -rf "$WORK" && mkdir -p "$WORK/mnt" || exit 1
IMG=$WORK/img
fail=0
bad() { echo "FAIL: $*"; fail=1; }

truncate -s 16M "$IMG" && mkntfs -q -F -f -c 4096 "$IMG" >/dev/null 2>&1 || { echo "skip: mkntfs failed"; exit 77; }
ntfs-3g -o no_detach "$IMG" "$WORK/mnt" >"$WORK/ntfs3g.log" 2>&1 &
pid=$!
for _ in $(seq 50); do mountpoint -q "$WORK/mnt" && break; sleep 0.1; done
mountpoint -q "$WORK/mnt" || { echo "skip: ntfs-3g mount failed"; cat "$WORK/ntfs3g.log"; exit 77; }
M=$WORK/mnt
mkdir -p "$M/dir1/sub" "$M/keepdir"
echo hello > "$M/dir1/a.txt"
head -c 20000 /dev/urandom > "$M/dir1/sub/big.bin"
echo keep > "$M/keep.txt"
echo "in a live dir" > "$M/keepdir/gone-in-live.txt"
echo grow > "$M/grow.bin"
head -c 9000 /dev/urandom > "$WORK/gone.orig"
cp "$WORK/gone.orig" "$M/gone.bin"
# No file is created after reused.bin is deleted, so its record stays.
head -c 40000 /dev/urandom > "$M/reused.bin"
sync
rm "$M/reused.bin"
# Fill the free space by growing a live file (no new MFT record, so
# reused.bin's record stays): reused.bin's clusters now belong to grow.bin.
dd if=/dev/zero of="$M/grow.bin" bs=4096 seek=1 count=$(( $(stat -f -c %a "$M") - 16 )) \
    conv=notrunc status=none 2>/dev/null
sync
rm "$M/gone.bin" "$M/keepdir/gone-in-live.txt" "$M/dir1/a.txt"
rm -r "$M/dir1/sub"
umount "$M"
wait $pid

# 1. deleted: the set of (record, path) equals fls -r -d -p's, leaving out
#    fls's "$OrphanFiles/OrphanFile-N" entries (records without any name).
"$NTKIT" ntfs deleted "$IMG" > "$WORK/ours.txt" || bad "ntkit deleted exit $?"
fls -r -d -p "$IMG" > "$WORK/fls.txt" || bad "fls failed"
awk -F'\t' '{split($1,a,"-"); print a[1] "\t" $5}' "$WORK/ours.txt" | sort > "$WORK/ours.set"
sed -n 's/^[^ ]* \* \([0-9]*\)[-0-9]*:\t\(.*\)$/\1\t\2/p' "$WORK/fls.txt" |
    grep -v $'\t\\$OrphanFiles/OrphanFile-' | sort > "$WORK/fls.set"
if ! diff "$WORK/fls.set" "$WORK/ours.set"; then bad "deleted list differs from fls -r -d -p"; fi
[ "$(wc -l < "$WORK/ours.set")" -ge 5 ] || bad "expected at least 5 deleted records"
grep -q $'\tdir1/sub/big.bin$' "$WORK/ours.set" || bad "dir1/sub/big.bin not listed with its full path"
"$NTKIT" ntfs deleted "$IMG" --json | python3 -c '
import json, sys
d = [json.loads(l) for l in sys.stdin]  # one object per line
g = [e for e in d if e["path"] == "gone.bin"]
assert len(g) == 1 and g[0]["size"] == 9000 and g[0]["type"] == "file", g
' || bad "deleted --json"

# 2. cat --mft: same bytes as icat for every deleted file; gone.bin equals
#    what was written; the warning only for reused.bin.
while IFS=$'\t' read -r rec path; do
    [ "${path##*/}" = sub ] && continue
    "$NTKIT" ntfs cat "$IMG" --mft "$rec" > "$WORK/cat.out" 2> "$WORK/cat.err" || bad "cat --mft $rec exit $?"
    icat "$IMG" "$rec" > "$WORK/icat.out" 2>/dev/null
    cmp -s "$WORK/cat.out" "$WORK/icat.out" || bad "cat --mft $rec ($path) differs from icat"
    if [ "$path" = reused.bin ]; then
        grep -q "allocated again" "$WORK/cat.err" || bad "no reallocation warning for reused.bin"
    elif grep -q "allocated again" "$WORK/cat.err"; then
        bad "reallocation warning for $path"
    fi
    if [ "$path" = gone.bin ]; then
        cmp -s "$WORK/cat.out" "$WORK/gone.orig" || bad "gone.bin content"
    fi
done < "$WORK/ours.set"
grep -q $'\treused.bin$' "$WORK/ours.set" || bad "reused.bin not listed"
"$NTKIT" ntfs cat "$IMG" --mft 99999 >/dev/null 2>&1; [ $? = 1 ] || bad "cat --mft past the end: exit code"

# 3. timeline: same entries as fls -r -m / (normalisations in the script).
python3 "$HERE/ntfs_forensic_body.py" "$NTKIT" "$IMG" || bad "timeline differs from fls -m"

# 4. sddl: a file made by ntfs-3g without ownership mapping gets
#    owner Administrators, group Administrators, full access for Everyone
#    (ntfs-3g's documented default descriptor).
s=$("$NTKIT" ntfs sddl "$IMG" /keep.txt) || bad "sddl exit $?"
[ "$s" = "O:BAG:BAD:(A;OICI;FA;;;WD)" ] || bad "sddl /keep.txt: $s"
s=$("$NTKIT" ntfs sddl "$IMG" /keep.txt --json) || bad "sddl --json exit $?"
[ "$s" = '{"path":"/keep.txt","sddl":"O:BAG:BAD:(A;OICI;FA;;;WD)"}' ] || bad "sddl --json /keep.txt: $s"
"$NTKIT" ntfs sddl "$IMG" /nope >/dev/null 2>&1; [ $? = 1 ] || bad "sddl of a missing file: exit code"
"$NTKIT" ntfs sddl "$IMG" >/dev/null 2>&1; [ $? = 2 ] || bad "sddl without PATH: exit code"

# 5. usn: ntfs-3g keeps no change journal: "not found" (exit 1), no output.
out=$("$NTKIT" ntfs usn "$IMG" 2>/dev/null); rc=$?
[ $rc = 1 ] && [ -z "$out" ] || bad "usn without a journal: exit $rc"

[ $fail = 0 ] && echo "ok" && rm -rf "$WORK"
exit $fail
