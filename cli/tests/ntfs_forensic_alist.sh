#!/bin/bash
# A deleted file whose name and $DATA extents live in extension records
# (an $ATTRIBUTE_LIST): testdata/ntfs's frag-4k.img holds /fragmented.bin
# so, with its manifest. A copy gets the in-use flags of the file's base and
# extension records cleared (as a deletion does before the records are
# reused). Then `ntkit ntfs cat --mft N` must give the manifest's sha256 and
# icat's bytes on the intact image, `deleted` must list the file with the
# manifest's size and `timeline` must name it; on the intact image
# `timeline` must match fls -r -m. Clusters stay marked in
# $Bitmap here, so the "allocated again" warning is expected on stderr.
# Skips (77) when the generated image or sleuthkit is missing.
set -u
NTKIT=$1
GEN=$2
WORK=$3
SRC=$GEN/frag-4k.img
MAN=$GEN/frag-4k.img.manifest.tsv
for t in icat python3 sha256sum; do
    command -v $t >/dev/null || { echo "skip: $t missing"; exit 77; }
done
[ -f "$SRC" ] && [ -f "$MAN" ] || { echo "skip: $SRC not generated"; exit 77; }
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
fail=0
bad() { echo "FAIL: $*"; fail=1; }

want_sha=$(awk -F'\t' '$2 == "/fragmented.bin" {print $4}' "$MAN")
want_size=$(awk -F'\t' '$2 == "/fragmented.bin" {print $3}' "$MAN")
[ -n "$want_sha" ] || { echo "FAIL: /fragmented.bin not in the manifest"; exit 1; }
# Base and extension records from the intact image's stat (every record
# an attribute of the file lives in).
"$NTKIT" ntfs stat "$SRC" /fragmented.bin --json > "$WORK/stat.json" || bad "stat exit $?"
read -r base recs < <(python3 -c '
import json, sys
st = json.load(open(sys.argv[1]))
base = st["mft"]
recs = sorted({a["record"] for a in st["attrs"]})
assert len(recs) >= 3, recs
print(base, " ".join(map(str, recs)))
' "$WORK/stat.json") || { bad "stat --json: no attribute records"; exit 1; }
cp "$SRC" "$WORK/img" || exit 1
python3 - "$WORK/img" $recs <<'PY' || bad "patching the copy"
import struct, sys
path, recs = sys.argv[1], set(int(x) for x in sys.argv[2:])
with open(path, "r+b") as f:
    data = bytearray(f.read())
    done = set()
    for off in range(0, len(data) - 1024, 512):
        if data[off:off + 4] == b"FILE":
            n = struct.unpack_from("<I", data, off + 0x2C)[0]
            if n in recs and n not in done:
                flags = struct.unpack_from("<H", data, off + 0x16)[0]
                assert flags & 1, (n, flags)
                struct.pack_into("<H", data, off + 0x16, flags & ~1)
                done.add(n)
    assert done == recs, (done, recs)
    f.seek(0)
    f.write(data)
PY

got=$("$NTKIT" ntfs cat "$WORK/img" --mft "$base" 2> "$WORK/cat.err" | sha256sum | cut -d' ' -f1)
[ "$got" = "$want_sha" ] || { bad "cat --mft $base: sha256 $got, manifest $want_sha"; cat "$WORK/cat.err"; }
oracle=$(icat "$SRC" "$base" | sha256sum | cut -d' ' -f1)
[ "$got" = "$oracle" ] || bad "cat --mft $base differs from icat of the intact image"
"$NTKIT" ntfs deleted "$WORK/img" --json > "$WORK/deleted.json" || bad "deleted exit $?"
python3 - "$WORK/deleted.json" "$base" "$want_size" <<'PY' || bad "deleted --json"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
mine = [r for r in rows if r["record"] == int(sys.argv[2])]
assert len(mine) == 1, mine
assert mine[0]["path"] == "fragmented.bin", mine
assert mine[0]["size"] == int(sys.argv[3]), mine
assert mine[0]["type"] == "file", mine
PY
"$NTKIT" ntfs timeline "$WORK/img" > "$WORK/body.txt" || bad "timeline exit $?"
grep -q "^0|/fragmented.bin (deleted)|$base-128|r/rrwxrwxrwx|0|0|$want_size|" "$WORK/body.txt" ||
    bad "timeline: no deleted /fragmented.bin line with its size"
grep -q "^0|/fragmented.bin (\$FILE_NAME) (deleted)|$base-48|" "$WORK/body.txt" ||
    bad "timeline: no \$FILE_NAME line for /fragmented.bin (its name is in an extension record)"

# The intact image: timeline (names from extension records included) vs
# fls -r -m /, normalised as ntfs_forensic_body.py explains.
if command -v fls >/dev/null && command -v istat >/dev/null; then
    python3 "$(dirname "$0")/ntfs_forensic_body.py" "$NTKIT" "$SRC" || bad "timeline of the intact image vs fls -m"
fi

[ $fail = 0 ] && echo "ok" && rm -rf "$WORK"
exit $fail
