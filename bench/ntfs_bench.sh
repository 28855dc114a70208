#!/usr/bin/env bash
# ntfs_bench.sh NTKIT [WORKDIR]
#
# One run, one generated image (bench/ntfs_mkimage.py: mkntfs + ntfs-3g,
# ~1.4 GiB sparse, built in WORKDIR or a temporary directory; an existing
# WORKDIR/bench.img is reused), held in the page cache:
#   * `ntkit ntfs cat` of a 512 MiB contiguous file against `cat IMAGE`
#     (throughput), `icat` and `ntfscat`;
#   * the same for a 512 MiB LZNT1-compressed text-like file;
#   * listing a 100,000-entry directory against `ntfsls` and `fls`;
#   * `ntkit ntfs ls -l -R` of the volume against `fls -r -l`;
#   * peak RSS of each ntkit command (/usr/bin/time -v).
# Every reader's output is checked (sha256 of the file contents, entry
# counts) before it is timed. Prints times, ratios and PASS/FAIL for the
# targets: cat >= 90 % of `cat IMAGE` throughput and >= 2x icat and ntfscat;
# LZNT1 >= 1.5x icat; directory listing at least as fast as ntfsls and
# >= 50x fls; ls -l -R >= 10x fls -r -l.
# Exit status 0 when everything could be measured (whatever the verdicts),
# 1 when a reader gave wrong output, 77 when a tool or root is missing.
set -euo pipefail
ntkit=${1:?usage: ntfs_bench.sh NTKIT [WORKDIR]}
work=${2:-}
here=$(cd "$(dirname "$0")" && pwd)

for tool in hyperfine icat fls ntfscat ntfsls mkntfs ntfs-3g python3 sha256sum /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "ntfs_bench: $tool not installed"; exit 77; }
done
"$ntkit" --help | grep -q ntfs || { echo "ntfs_bench: $ntkit has no ntfs command"; exit 77; }

if [ -z "$work" ]; then
    work=$(mktemp -d "${TMPDIR:-/tmp}/ntkit-ntfs-bench.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
img=$work/bench.img
if [ ! -f "$img.sha256" ]; then
    [ "$(id -u)" = 0 ] || { echo "ntfs_bench: building the image needs root (ntfs-3g mount)"; exit 77; }
    [ -e /dev/fuse ] || { echo "ntfs_bench: no /dev/fuse"; exit 77; }
    python3 "$here/ntfs_mkimage.py" "$img"
fi
img_size=$(stat -c %s "$img")
big_size=$(awk -F'\t' '$1 == "/big.bin" { print $2 }' "$img.sha256")
big_sha=$(awk -F'\t' '$1 == "/big.bin" { print $3 }' "$img.sha256")
txt_size=$(awk -F'\t' '$1 == "/compressed/text.bin" { print $2 }' "$img.sha256")
txt_sha=$(awk -F'\t' '$1 == "/compressed/text.bin" { print $3 }' "$img.sha256")

# Metadata addresses for the sleuthkit tools, from fls itself.
addr() { # DIR_INODE NAME -> inode-type-id of NAME's unnamed $DATA (or dir)
    fls "$img" ${1:+"$1"} | awk -F'\t' -v n="$2" '$2 == n { split($1, a, " "); sub(":", "", a[2]); print a[2]; exit }'
}
big_addr=$(addr "" big.bin)
comp_dir=$(addr "" compressed); comp_dir=${comp_dir%%-*}
txt_addr=$(addr "$comp_dir" text.bin)
dir_inode=$(addr "" dir100k); dir_inode=${dir_inode%%-*}
echo "image: $img ($((img_size >> 20)) MiB), big.bin $big_addr, text.bin $txt_addr, dir100k $dir_inode"
runs=$(ntfsinfo -v -F /big.bin "$img" 2>/dev/null | awk '/Total runs/ { print $3 }')
echo "big.bin: $((big_size >> 20)) MiB in ${runs:-?} runs; text.bin: $((txt_size >> 20)) MiB, LZNT1"

# Warm the page cache, then check that every reader gives the right bytes.
cat "$img" > /dev/null
check() { # NAME WANT_SHA CMD...
    local name=$1 want=$2; shift 2
    local got
    got=$("$@" | sha256sum | cut -d' ' -f1)
    if [ "$got" != "$want" ]; then echo "ntfs_bench: $name gives wrong data ($got)"; exit 1; fi
}
check "ntkit cat big.bin" "$big_sha" "$ntkit" ntfs cat "$img" /big.bin
check "icat big.bin" "$big_sha" icat "$img" "$big_addr"
check "ntfscat big.bin" "$big_sha" ntfscat "$img" /big.bin
check "ntkit cat text.bin" "$txt_sha" "$ntkit" ntfs cat "$img" /compressed/text.bin
check "icat text.bin" "$txt_sha" icat "$img" "$txt_addr"
check "ntfscat text.bin" "$txt_sha" ntfscat "$img" /compressed/text.bin
n_ntkit=$("$ntkit" ntfs ls "$img" /dir100k | wc -l)
n_ntfsls=$(ntfsls -p /dir100k "$img" | grep -cvx -e . -e ..)  # ntfsls prints "." too
n_fls=$(fls "$img" "$dir_inode" | wc -l)
echo "dir100k entries: ntkit $n_ntkit, ntfsls $n_ntfsls, fls $n_fls"
[ "$n_ntkit" = "$n_ntfsls" ] && [ "$n_ntkit" = "$n_fls" ] || { echo "ntfs_bench: listings differ"; exit 1; }
n_lr=$("$ntkit" ntfs ls "$img" -l -R | wc -l)
echo "ntkit ls -l -R: $n_lr lines"

j=$work/json; mkdir -p "$j"
hf() { hyperfine --style basic --export-json "$@"; }
echo; echo "== 512 MiB contiguous file (output to /dev/null)"
hf "$j/cat.json" --warmup 1 --runs 5 \
    -n "cat IMAGE" "cat '$img' > /dev/null" \
    -n "ntkit" "'$ntkit' ntfs cat '$img' /big.bin > /dev/null" \
    -n "icat" "icat '$img' $big_addr > /dev/null" \
    -n "ntfscat" "ntfscat '$img' /big.bin > /dev/null"
echo; echo "== 512 MiB LZNT1-compressed file"
hf "$j/lznt1.json" --warmup 1 --runs 3 \
    -n "ntkit" "'$ntkit' ntfs cat '$img' /compressed/text.bin > /dev/null" \
    -n "icat" "icat '$img' $txt_addr > /dev/null" \
    -n "ntfscat" "ntfscat '$img' /compressed/text.bin > /dev/null"
echo; echo "== list a 100,000-entry directory"
hf "$j/dir.json" --warmup 3 --runs 20 \
    -n "ntkit" "'$ntkit' ntfs ls '$img' /dir100k > /dev/null" \
    -n "ntfsls" "ntfsls -p /dir100k '$img' > /dev/null"
hf "$j/dir_fls.json" --runs 2 -n "fls" "fls '$img' $dir_inode > /dev/null"
echo; echo "== ls -l -R of the volume"
hf "$j/lr.json" --warmup 1 --runs 3 -n "ntkit" "'$ntkit' ntfs ls '$img' -l -R > /dev/null"
hf "$j/lr_fls.json" --runs 2 -n "fls" "fls -r -l '$img' > /dev/null"

rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }'; }
rss_cat=$(rss "$ntkit" ntfs cat "$img" /big.bin)
rss_lz=$(rss "$ntkit" ntfs cat "$img" /compressed/text.bin)
rss_dir=$(rss "$ntkit" ntfs ls "$img" /dir100k)
rss_lr=$(rss "$ntkit" ntfs ls "$img" -l -R)
rss_icat=$(rss icat "$img" "$big_addr")
rss_fls=$(rss fls -r -l "$img")

python3 - "$j" "$img_size" "$big_size" "$txt_size" "$rss_cat" "$rss_lz" "$rss_dir" "$rss_lr" \
          "$rss_icat" "$rss_fls" <<'PY'
import json, os, sys
j = sys.argv[1]
img_size, big, txt = (int(x) for x in sys.argv[2:5])
rss = dict(zip(["cat", "lznt1", "dir", "lsR", "icat", "fls"], (int(x) for x in sys.argv[5:11])))
def load(name):
    return {r["command"]: r for r in json.load(open(os.path.join(j, name)))["results"]}
cat, lz, d = load("cat.json"), load("lznt1.json"), load("dir.json")
d.update(load("dir_fls.json"))
lr = load("lr.json"); lr.update(load("lr_fls.json"))
def med(g, k): return g[k]["median"]
def cpu(g, k): return g[k]["user"] + g[k]["system"]
def verdict(ok): return "PASS" if ok else "FAIL"
def table(title, g, size=None):
    print(title)
    for k in g:
        extra = ""
        if size:
            s = img_size if k == "cat IMAGE" else size
            extra = "  %7.0f MB/s" % (s / med(g, k) / 1e6)
        print("  %-10s median %8.3f s  (min %8.3f, cpu %8.3f s)%s"
              % (k, med(g, k), g[k]["min"], cpu(g, k), extra))
print()
print("Results (wall-clock medians; a busy machine inflates them, the cpu column")
print("is user+system)")
table("512 MiB contiguous file:", cat, big)
table("512 MiB LZNT1 file:", lz, txt)
table("list /dir100k (100,000 entries):", d)
table("ls -l -R of the volume:", lr)
print()
tp_cat = img_size / med(cat, "cat IMAGE")
tp_nt = big / med(cat, "ntkit")
checks = [
    ("cat throughput %.0f MB/s vs cat IMAGE %.0f MB/s = %.0f%% (target >= 90%%)"
     % (tp_nt / 1e6, tp_cat / 1e6, 100 * tp_nt / tp_cat), tp_nt >= 0.9 * tp_cat),
    ("cat vs icat %.1fx (target >= 2x)" % (med(cat, "icat") / med(cat, "ntkit")),
     med(cat, "icat") >= 2 * med(cat, "ntkit")),
    ("cat vs ntfscat %.1fx (target >= 2x)" % (med(cat, "ntfscat") / med(cat, "ntkit")),
     med(cat, "ntfscat") >= 2 * med(cat, "ntkit")),
    ("LZNT1 vs icat %.1fx (target >= 1.5x); vs ntfscat %.1fx"
     % (med(lz, "icat") / med(lz, "ntkit"), med(lz, "ntfscat") / med(lz, "ntkit")),
     med(lz, "icat") >= 1.5 * med(lz, "ntkit")),
    ("dir listing vs ntfsls %.2fx (target >= 1x)" % (med(d, "ntfsls") / med(d, "ntkit")),
     med(d, "ntfsls") >= med(d, "ntkit")),
    ("dir listing vs fls %.0fx (target >= 50x)" % (med(d, "fls") / med(d, "ntkit")),
     med(d, "fls") >= 50 * med(d, "ntkit")),
    ("ls -l -R vs fls -r -l %.0fx (target >= 10x)" % (med(lr, "fls") / med(lr, "ntkit")),
     med(lr, "fls") >= 10 * med(lr, "ntkit")),
]
for text, ok in checks:
    print("%s  %s" % (verdict(ok), text))
print()
print("peak RSS: ntkit cat %.1f MiB, ntkit cat LZNT1 %.1f MiB, ntkit ls dir %.1f MiB, "
      "ntkit ls -l -R %.1f MiB; icat %.1f MiB, fls -r -l %.1f MiB"
      % tuple(rss[k] / 1024 for k in ("cat", "lznt1", "dir", "lsR", "icat", "fls")))
PY
