#!/usr/bin/python3
"""Compares `ntkit hive export --format jsonl` with python3-hivex on every
hive in the shared test data.

For each hive hivex reads completely, ntkit must exit 0 and produce exactly
the records hivex gives (same keys, values, types, raw data, timestamps, in
the same order). For hives hivex rejects, ntkit must still exit with 0, 3
(partial: damage reported) or 4/3 for non-hives, never crash, and report
damage on stderr when it exits 3.

usage: hive_oracle.py NTKIT SHARED_TESTDATA [MAX_BYTES]
MAX_BYTES (optional) skips hives larger than that once decompressed (the
sanitizer build uses it to stay fast).
Exit 77 (skip) when the shared data or hivex is missing."""
import datetime
import json
import lzma
import os
import subprocess
import sys
import tempfile

try:
    import hivex
except ImportError:
    print("python3-hivex is not installed")
    sys.exit(77)

ntkit, shared = sys.argv[1], sys.argv[2]
max_bytes = int(sys.argv[3]) if len(sys.argv) > 3 else None
hives_dir = os.path.join(shared, "hives")
if not os.path.isdir(hives_dir):
    print("no shared hives at", hives_dir)
    sys.exit(77)


def filetime(ft):
    secs, frac = divmod(ft, 10**7)
    t = datetime.datetime(1601, 1, 1) + datetime.timedelta(seconds=secs)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%07dZ" % frac


def hivex_records(path):
    """Records as hivex sees them, or None when hivex fails anywhere."""
    try:
        h = hivex.Hivex(path)
        out = []
        stack = [(h.root(), "")]
        seen = set()
        while stack:
            node, p = stack.pop()
            if node in seen:
                return None  # hivex itself would report a loop
            seen.add(node)
            out.append({"key": p, "last_written": filetime(h.node_timestamp(node))})
            for v in h.node_values(node):
                t, data = h.value_value(v)
                out.append({"key": p, "value": h.value_key(v), "type": t, "data": data.hex()})
            children = h.node_children(node)
            for c in reversed(children):
                name = h.node_name(c)
                stack.append((c, name if p == "" else p + "\\" + name))
        return out
    except Exception:
        return None


def shared_hives():
    for root, _, files in os.walk(hives_dir):
        for f in sorted(files):
            low = f.lower()
            if f == "SOURCES.md" or ".log" in low:
                continue
            yield os.path.join(root, f)


failures = 0
compared = 0
with tempfile.TemporaryDirectory() as tmp:
    for src in sorted(shared_hives()):
        rel = os.path.relpath(src, hives_dir)
        path = src
        if src.endswith(".xz"):
            path = os.path.join(tmp, "hive")
            with lzma.open(src) as fin, open(path, "wb") as fout:
                fout.write(fin.read())
        if max_bytes and os.path.getsize(path) > max_bytes:
            print(f"skip {rel}: larger than {max_bytes} bytes")
            continue
        # --no-logs: hivex reads the primary file as it is.
        run = subprocess.run([ntkit, "hive", "export", "--no-logs", "--format", "jsonl", path],
                             capture_output=True, timeout=120)
        if run.returncode not in (0, 1, 3, 4) or run.returncode < 0:
            print(f"FAIL {rel}: ntkit exit {run.returncode}: {run.stderr[:300]!r}")
            failures += 1
            continue
        if run.returncode == 3 and not run.stderr.strip():
            print(f"FAIL {rel}: exit 3 without a damage report")
            failures += 1
        ours = [json.loads(line) for line in run.stdout.decode("utf-8", "surrogateescape").splitlines()]
        ref = hivex_records(path)
        if ref is None:
            print(f"info {rel}: hivex fails; ntkit exit {run.returncode}, "
                  f"{sum('last_written' in r for r in ours)} keys, "
                  f"{sum('value' in r for r in ours)} values")
            continue
        compared += 1
        if run.returncode != 0:
            print(f"FAIL {rel}: hivex reads it all but ntkit exits {run.returncode}: "
                  f"{run.stderr[:300]!r}")
            failures += 1
            continue
        if ours != ref:
            failures += 1
            nk = sum('last_written' in r for r in ref)
            nv = len(ref) - nk
            print(f"FAIL {rel}: records differ (hivex {nk} keys {nv} values, ntkit "
                  f"{sum('last_written' in r for r in ours)} keys "
                  f"{sum('value' in r for r in ours)} values)")
            for a, b in zip(ours, ref):
                if a != b:
                    print("  ntkit:", str(a)[:200])
                    print("  hivex:", str(b)[:200])
                    break
        else:
            print(f"ok   {rel}: {len(ref)} records identical")
print(f"{compared} hives compared with hivex, {failures} failures")
sys.exit(1 if failures else 0)
