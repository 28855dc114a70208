#!/usr/bin/env python3
"""Runs `allocbench --quick --json` and checks the shape of its output: one
well-formed JSON object per allocator x workload x heap, with exactly the
documented keys and sane values. Timings are not checked: benchmarks are not
timed tests."""
import json
import subprocess
import sys

EXPECTED_ROWS = {
    ("W1", 16 << 20),
    ("W2", 256 << 10), ("W2", 16 << 20),
    ("W3", 256 << 10), ("W3", 16 << 20),
    ("W4", 64 << 10), ("W4", 256 << 10), ("W4", 1 << 20),
    ("W6", 1 << 20), ("W6", 16 << 20),
}
ALLOCATORS = {"chunk", "list", "malloc"}
KEYS = {"allocator", "workload", "heap_bytes", "alloc_ok", "alloc_fail", "free",
        "ticks_per_ns", "util_first_fail", "meta_bytes"}
DIST_KEYS = {"n", "p50", "mean", "p99", "max"}


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_dist(where, d):
    if not isinstance(d, dict) or set(d) != DIST_KEYS:
        fail(f"{where}: expected keys {sorted(DIST_KEYS)}, got {d!r}")
    if not is_num(d["n"]) or d["n"] < 0:
        fail(f"{where}: n must be a count, got {d['n']!r}")
    timed = [d[k] for k in ("p50", "mean", "p99", "max")]
    if all(v is None for v in timed):
        return
    if not all(is_num(v) and v >= 0 for v in timed):
        fail(f"{where}: timings must all be numbers or all null, got {d!r}")
    if d["n"] == 0:
        fail(f"{where}: timings without samples")
    if not d["p50"] <= d["p99"] <= d["max"]:
        fail(f"{where}: expected p50 <= p99 <= max, got {d!r}")


def main():
    exe = sys.argv[1]
    out = subprocess.run([exe, "--quick", "--json"], capture_output=True, text=True, timeout=240)
    if out.returncode != 0:
        fail(f"allocbench exited {out.returncode}: {out.stderr}")
    lines = [l for l in out.stdout.split("\n") if l.strip()]
    seen = set()
    for i, line in enumerate(lines, 1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            fail(f"line {i} is not JSON ({e}): {line[:120]}")
        if not isinstance(obj, dict) or set(obj) != KEYS:
            fail(f"line {i}: expected exactly keys {sorted(KEYS)}, got {sorted(obj) if isinstance(obj, dict) else obj!r}")
        a, w, h = obj["allocator"], obj["workload"], obj["heap_bytes"]
        if a not in ALLOCATORS:
            fail(f"line {i}: unknown allocator {a!r}")
        if (w, h) not in EXPECTED_ROWS:
            fail(f"line {i}: unexpected workload/heap {w} {h}")
        if (a, w, h) in seen:
            fail(f"line {i}: duplicate row {a} {w} {h}")
        seen.add((a, w, h))
        for k in ("alloc_ok", "alloc_fail", "free"):
            check_dist(f"line {i} {a} {w} {h} {k}", obj[k])
        if not is_num(obj["ticks_per_ns"]) or obj["ticks_per_ns"] <= 0:
            fail(f"line {i}: ticks_per_ns must be positive")
        u = obj["util_first_fail"]
        if a == "malloc":
            if u is not None:
                fail(f"line {i}: util_first_fail must be null for malloc")
        elif not (is_num(u) and 0 <= u <= 1):
            fail(f"line {i}: util_first_fail must be in [0, 1], got {u!r}")
        m = obj["meta_bytes"]
        if a == "malloc":
            if m is not None:
                fail(f"line {i}: meta_bytes must be null for malloc (unknown)")
        elif not (isinstance(m, int) and m > 0):
            fail(f"line {i}: meta_bytes must be a positive integer, got {m!r}")
        if obj["alloc_ok"]["n"] == 0:
            fail(f"line {i}: no successful allocation at all")
    missing = {(a, w, h) for a in ALLOCATORS for (w, h) in EXPECTED_ROWS} - seen
    if missing:
        fail(f"missing rows: {sorted(missing)}")
    print(f"ok: {len(lines)} rows, {len(ALLOCATORS)} allocators x {len(EXPECTED_ROWS)} workload/heap pairs")


if __name__ == "__main__":
    main()
