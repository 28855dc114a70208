#!/bin/bash
# `ntkit ntfs timeline` vs `fls -r -m /` on the real Windows images (the
# copies ntfs_shared_images decompressed into the build directory), and
# the same timeline read straight from the .gz (MBR found by ntkit itself).
# Exit 77 when the images or sleuthkit are absent.
set -u
NTKIT=$1
SHARED=$2
CACHE=$3
HERE=$(cd "$(dirname "$0")" && pwd)
command -v fls >/dev/null || { echo "skip: fls missing"; exit 77; }
[ -d "$SHARED/ntfs" ] || { echo "skip: no shared test data"; exit 77; }
fail=0
seen=0
# image, ntkit offset, fls sector offset (ntfs-2m.raw: TSK cannot read it)
for spec in "colinfinck-testfs1 0 0" "ntfs-ptrn.raw 65536 128" "ntfs-lastaccess.raw 65536 128" \
            "ntfs-si-vs-fn.raw 65536 128"; do
    set -- $spec
    img=$CACHE/$1
    [ -f "$img" ] || continue
    seen=$((seen + 1))
    echo "== $1"
    python3 "$HERE/ntfs_forensic_body.py" "$NTKIT" "$img" --offset "$2" -- -o "$3" || fail=1
    if [ -f "$SHARED/ntfs/$1.gz" ]; then
        cmp -s <("$NTKIT" ntfs timeline "$SHARED/ntfs/$1.gz") <("$NTKIT" ntfs timeline "$img" --offset "$2") ||
            { echo "FAIL: timeline of $1.gz differs from the decompressed image"; fail=1; }
    fi
done
[ $seen -gt 0 ] || { echo "skip: no decompressed images in $CACHE"; exit 77; }
# SOURCES.md: /test/test.txt of ntfs-si-vs-fn has $FILE_NAME times of
# 2014-12-12 and $STANDARD_INFORMATION times of 2015-11-03.
if [ -f "$CACHE/ntfs-si-vs-fn.raw" ]; then
    "$NTKIT" ntfs timeline "$CACHE/ntfs-si-vs-fn.raw" --offset 65536 > "$CACHE/sivsfn.body"
    si=$(grep -F '|/test/test.txt|' "$CACHE/sivsfn.body" | cut -d'|' -f9)
    fn=$(grep -F '|/test/test.txt ($FILE_NAME)|' "$CACHE/sivsfn.body" | cut -d'|' -f9)
    [ "$(date -u -d @"${si:-0}" +%F)" = 2015-11-03 ] || { echo "FAIL: SI mtime of test.txt: $si"; fail=1; }
    [ "$(date -u -d @"${fn:-0}" +%F)" = 2014-12-12 ] || { echo "FAIL: FN mtime of test.txt: $fn"; fail=1; }
fi
exit $fail
