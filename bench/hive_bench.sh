#!/usr/bin/env bash
# hive_bench.sh NTKIT HIVE_WALK SHARED_HIVES_DIR [HIVE]
#
# One run, one hive (default: the largest primary hive in SHARED_HIVES_DIR,
# decompressed into a temporary directory):
#   * whole-process time of `ntkit hive export HIVE --format jsonl` against
#     `hivexml HIVE` and `regfexport HIVE` (hyperfine, output to /dev/null),
#     with ratios;
#   * peak RSS of the ntkit export (/usr/bin/time -v);
#   * hive_walk: in-process walk throughput and 4-level lookup rate.
# Prints PASS/FAIL per target: export >= 3x faster than hivexml and >= 50x
# faster than regfexport, peak RSS <= hive size + 4 MiB, walk >= 500 MB/s,
# lookups >= 1,000,000/s. Exit status 0 when everything could be measured
# (whatever the verdicts), 77 when the data or a peer is missing.
set -euo pipefail
ntkit=$1 walk=$2 shared=$3 hive=${4:-}

for tool in hyperfine hivexml regfexport /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "hive_bench: $tool not installed"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -z "$hive" ]; then
    [ -d "$shared" ] || { echo "hive_bench: no shared test data at $shared"; exit 77; }
    best="" best_size=0
    # Primary hives only: logs (.LOG*, .log*) are not hives.
    while IFS= read -r -d '' f; do
        case "$f" in *.LOG*|*.log*|*/SOURCES.md) continue ;; esac
        if [[ $f == *.xz ]]; then
            size=$(xz --robot --list "$f" | awk '$1 == "totals" { print $5 }')
        else
            size=$(stat -c %s "$f")
        fi
        if [ "$size" -gt "$best_size" ]; then best=$f best_size=$size; fi
    done < <(find "$shared" -type f -print0)
    [ -n "$best" ] || { echo "hive_bench: no hive found in $shared"; exit 77; }
    name=$(basename "${best%.xz}")
    hive=$tmp/$name
    if [[ $best == *.xz ]]; then xz -dc "$best" > "$hive"; else cp "$best" "$hive"; fi
    echo "hive: ${best#$shared/} ($best_size bytes)"
else
    echo "hive: $hive ($(stat -c %s "$hive") bytes)"
fi
size=$(stat -c %s "$hive")

# Sanity: every tool must read the hive, or the timing means nothing.
"$ntkit" hive export "$hive" --format jsonl > "$tmp/ntkit.jsonl" || { echo "hive_bench: ntkit export failed"; exit 1; }
hivexml "$hive" > /dev/null || { echo "hive_bench: hivexml failed"; exit 1; }

hyperfine --style basic --warmup 1 --export-json "$tmp/fast.json" \
    --runs 10 -n ntkit "'$ntkit' hive export '$hive' --format jsonl" \
    -n hivexml "hivexml '$hive'"
# regfexport takes tens of seconds on a 12 MiB hive: two runs.
hyperfine --style basic --export-json "$tmp/slow.json" \
    --runs 2 -n regfexport "regfexport '$hive'"

/usr/bin/time -v "$ntkit" hive export "$hive" --format jsonl > /dev/null 2> "$tmp/time.txt"
rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/time.txt")

python3 - "$tmp/fast.json" "$tmp/slow.json" "$rss_kb" "$size" <<'PY'
import json, sys
fast = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
slow = {r["command"]: r for r in json.load(open(sys.argv[2]))["results"]}
rss_kb, size = int(sys.argv[3]), int(sys.argv[4])
t = {"ntkit": fast["ntkit"]["median"], "hivexml": fast["hivexml"]["median"],
     "regfexport": slow["regfexport"]["median"]}
def verdict(ok): return "PASS" if ok else "FAIL"
print()
cpu = {}
for k, src in (("ntkit", fast), ("hivexml", fast), ("regfexport", slow)):
    cpu[k] = src[k]["user"] + src[k]["system"]
print("export, output to /dev/null (verdicts use the median wall time; CPU =")
print("user + system, mean, which a busy machine disturbs less):")
for k in ("ntkit", "hivexml", "regfexport"):
    print("  %-10s wall %9.3f s   cpu %9.3f s   cpu ratio %7.1fx" % (k, t[k], cpu[k], cpu[k] / cpu["ntkit"]))
r1, r2 = t["hivexml"] / t["ntkit"], t["regfexport"] / t["ntkit"]
print("ratio hivexml/ntkit    %8.1fx (target >= 3x):  %s" % (r1, verdict(r1 >= 3)))
print("ratio regfexport/ntkit %8.1fx (target >= 50x): %s" % (r2, verdict(r2 >= 50)))
limit = size + 4 * 1024 * 1024
print("peak RSS of ntkit export %.1f MiB, hive %.1f MiB + 4 MiB = %.1f MiB: %s"
      % (rss_kb / 1024, size / 2**20, limit / 2**20, verdict(rss_kb * 1024 <= limit)))
PY
echo
"$walk" "$hive" 5
