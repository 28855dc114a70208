#!/usr/bin/env bash
# ntkit ntfs: exit codes, help, error lines, path rules, and facts about the
# shared images that SOURCES.md states (labels, timestamps, file contents).
# usage: ntfs_usage.sh NTKIT SHARED_TESTDATA CACHE_DIR  (exit 77 when the data is absent)
# CACHE_DIR holds the decompressed shared images (ntfs_compare.py --prepare).
set -u
ntkit=${1:?ntkit}
shared=${2:-}
cache=${3:-}
fails=0
check() { # check DESC EXPECTED_EXIT CMD...
    local desc=$1 want=$2; shift 2
    "$@" >/tmp/ntfs_usage.$$.out 2>/tmp/ntfs_usage.$$.err
    local got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: $desc: exit $got, expected $want"; cat /tmp/ntfs_usage.$$.err; fails=$((fails + 1))
    fi
}
contains() { # contains DESC FILE REGEX
    if ! grep -Eq -- "$3" "$2"; then echo "FAIL: $1: no /$3/ in:"; head -20 "$2"; fails=$((fails + 1)); fi
}
out=/tmp/ntfs_usage.$$.out err=/tmp/ntfs_usage.$$.err
work=$(mktemp -d)
trap 'rm -rf "$work" /tmp/ntfs_usage.$$.*' EXIT

check "no subcommand" 2 "$ntkit" ntfs
for sub in info ls cat stat; do
    check "$sub --help" 0 "$ntkit" ntfs $sub --help
    contains "$sub --help shows an example" $out "example"
done
check "unknown subcommand" 2 "$ntkit" ntfs frobnicate
check "unknown option" 2 "$ntkit" ntfs ls x --bogus
check "cat without path" 2 "$ntkit" ntfs cat x
check "missing image" 1 "$ntkit" ntfs info "$work/nope.img"
head -c 1048576 /dev/zero >"$work/zero.img"
check "not NTFS" 3 "$ntkit" ntfs info "$work/zero.img"
contains "error names the file and the rule" $err "zero.img.*boot sector"

src=$shared/ntfs/colinfinck-testfs1.gz
[ -f "$src" ] || { echo "shared test data absent: skipping the image checks"; exit 77; }
img=$work/testfs1
gzip -dc "$src" >"$img"
check "info" 0 "$ntkit" ntfs info "$img"
contains "label from SOURCES.md" $out "label: +mylabel$"
contains "512-byte clusters" $out "cluster size: +512$"
check "cat resident file" 0 "$ntkit" ntfs cat "$img" /file-with-12345
[ "$(cat $out)" = 12345 ] || { echo "FAIL: file-with-12345 content"; fails=$((fails + 1)); }
check "case-insensitive, backslashes" 0 "$ntkit" ntfs cat "$img" 'FILE-WITH-12345'
check "backslash path" 0 "$ntkit" ntfs stat "$img" '\many_subdirs\512'
check "not found" 1 "$ntkit" ntfs cat "$img" /no/such/file
check "no such stream" 1 "$ntkit" ntfs cat "$img" /file-with-12345:nostream
check "cat a file below a file" 1 "$ntkit" ntfs cat "$img" /file-with-12345/x
check "sparse file" 0 "$ntkit" ntfs cat "$img" /sparse-file
[ "$(stat -c %s $out)" = 500005 ] || { echo "FAIL: sparse-file size"; fails=$((fails + 1)); }
check "ls subdir" 0 "$ntkit" ntfs ls "$img" /many_subdirs
[ "$(wc -l <$out)" = 512 ] || { echo "FAIL: many_subdirs has 512 entries, got $(wc -l <$out)"; fails=$((fails + 1)); }
check "stat json" 0 "$ntkit" ntfs stat "$img" /empty-file --json
contains "empty-file mtime from SOURCES.md (2021-01-01 13:37 CET)" $out '"modified":"2021-01-01T12:37:00'
check "heap too small" 4 "$ntkit" ntfs ls "$img" --heap 64K
contains "out of memory names --heap" $err "--heap"
# A damaged image: the root directory's record overwritten.
cp "$img" "$work/bad.img"
mft=$(( $("$ntkit" ntfs info "$img" --json | sed -E 's/.*"mft_lcn":([0-9]+).*/\1/') * 512 ))
printf 'XXXXXXXX' | dd of="$work/bad.img" bs=1 seek=$((mft + 5 * 1024)) conv=notrunc status=none
check "corrupt root record" 3 "$ntkit" ntfs ls "$work/bad.img"
contains "corrupt error has offset, record and rule" $err "0x[0-9a-f]+ \\(MFT record 5\\): .*signature"
# Truncated image: the volume is cut in half.
head -c 1048576 "$img" >"$work/short.img"
"$ntkit" ntfs ls "$work/short.img" -R >/dev/null 2>"$err"; rc=$?
case $rc in 0|3|4) ;; *) echo "FAIL: truncated image exit $rc"; fails=$((fails + 1)) ;; esac

for pair in "ntfs-lastaccess.raw.gz:/test/1.txt:accessed.:.2019-03-03T12:37:55" \
            "ntfs-si-vs-fn.raw.gz:/test/test.txt:modified.:.2015-11-03"; do
    IFS=: read -r f p key val <<<"$pair"
    [ -f "$shared/ntfs/$f" ] || continue
    im=$cache/${f%.gz}
    if [ ! -f "$im" ]; then
        gzip -dc "$shared/ntfs/$f" | cp --sparse=always /dev/stdin "$work/img"
        im=$work/img
    fi
    check "stat $f $p" 0 "$ntkit" ntfs stat "$im" "$p" --json --offset 65536
    contains "$f: \$STANDARD_INFORMATION time from SOURCES.md" $out "\"${key%.}\":\"${val#.}"
    rm -f "$work/img"
done
echo "$fails failures"
[ $fails = 0 ]
