#!/usr/bin/python3
"""`ntkit hive replay / recover / layers` on the shared hives, against
independent oracles:
 - yarp's ground truth: the hive after Windows itself replayed the logs
   (NewDirtyHive1/RecoveredHive_Windows10, OldDirtyHive/RecoveredHive_Windows7),
   read by python3-hivex, must equal our replayed hive read by hivex;
 - regipy's test suite documents the dirty pages its replay recovers:
   315 for SYSTEM_B (LOG1 + LOG2) and 132 for transactions_NTUSER.DAT;
 - yarp's BadLogHive1-3 logs must not be applied (bad checksums, bad vector);
 - EXPECTATIONS.md: System_Delta's three tombstone values are
   ExistingPageFiles, 6005BT and displayname;
 - the deleted records yarp's DeletedTreeHive documents: a whole subtree
   whose paths still chain up to the root.
usage: hive_forensic_test.py NTKIT SHARED_TESTDATA   (exit 77: data absent)"""
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile

ntkit, shared = sys.argv[1], sys.argv[2]
H = os.path.join(shared, "hives")
if not os.path.isdir(H):
    print("no shared hives")
    sys.exit(77)
try:
    import hivex
except ImportError:
    print("python3-hivex missing")
    sys.exit(77)

fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        fails += 1


def run(*args):
    return subprocess.run([ntkit, "hive", *args], capture_output=True, timeout=120)


def records(path):
    h = hivex.Hivex(path)
    out, stack = [], [(h.root(), "")]
    while stack:
        n, p = stack.pop()
        out.append((p, h.node_timestamp(n)))
        for v in h.node_values(n):
            t, d = h.value_value(v)
            out.append((p, h.value_key(v), t, d.hex()))
        for c in reversed(h.node_children(n)):
            name = h.node_name(c)
            stack.append((c, name if not p else p + "\\" + name))
    return out


with tempfile.TemporaryDirectory() as tmp:
    Y = os.path.join(H, "yarp")
    for hive, truth in (("NewDirtyHive1/NewDirtyHive", "NewDirtyHive1/RecoveredHive_Windows10"),
                        ("NewDirtyHive2/NewDirtyHive", "NewDirtyHive1/RecoveredHive_Windows10"),
                        ("OldDirtyHive/OldDirtyHive", "OldDirtyHive/RecoveredHive_Windows7"),
                        ("BadBaseBlockHive/BadBaseBlockHive", "OldDirtyHive/RecoveredHive_Windows7")):
        out = os.path.join(tmp, "out")
        r = run("replay", os.path.join(Y, hive), out)
        check(r.returncode == 0, f"replay {hive} exits 0 ({r.stderr.decode().strip()[:200]})")
        if r.returncode == 0:
            check(records(out) == records(os.path.join(Y, truth)),
                  f"replayed {hive} equals Windows' {truth} (hivex)")
            info = run("info", "--json", "--no-logs", out)
            j = json.loads(info.stdout)
            check(not j["dirty"] and j["checksum_ok"], f"replayed {hive}: clean, checksum ok")
    # Reading through --log equals reading the replayed file.
    r = run("export", "--format", "jsonl", "--log", os.path.join(Y, "NewDirtyHive1/NewDirtyHive.LOG1"),
            "--log", os.path.join(Y, "NewDirtyHive1/NewDirtyHive.LOG2"), os.path.join(Y, "NewDirtyHive1/NewDirtyHive"))
    vals = [json.loads(x) for x in r.stdout.splitlines() if b'"value"' in x]
    truth = [x for x in records(os.path.join(Y, "NewDirtyHive1/RecoveredHive_Windows10")) if len(x) == 4]
    check(r.returncode == 0 and len(vals) == len(truth), "export --log: the values of the replayed hive")
    r = run("info", "--logs", os.path.join(Y, "NewDirtyHive1/NewDirtyHive"))
    check(b"replayed from NewDirtyHive.LOG1 NewDirtyHive.LOG2" in r.stdout and b"final sequence 6" in r.stdout,
          "info --logs says replayed, from which logs, final sequence")
    r = run("info", os.path.join(Y, "NewDirtyHive1/NewDirtyHive"))
    check(b"replayed from NewDirtyHive.LOG1 NewDirtyHive.LOG2" in r.stdout,
          "info without options: logs beside the hive are applied by default")
    r = run("info", "--no-logs", os.path.join(Y, "NewDirtyHive1/NewDirtyHive"))
    check(b"dirty, not replayed: --no-logs given" in r.stdout, "info --no-logs says not replayed and why")
    r = run("info", os.path.join(Y, "BadLogHive1/BadLogHive"))
    check(b"dirty, not replayed: " in r.stdout, "info on a hive whose logs are bad says not replayed and why")
    # Case-insensitive pick-up of the log names beside a copy.
    d = os.path.join(tmp, "case")
    os.mkdir(d)
    shutil.copy(os.path.join(Y, "OldDirtyHive/OldDirtyHive"), os.path.join(d, "SYSTEM"))
    shutil.copy(os.path.join(Y, "OldDirtyHive/OldDirtyHive.LOG1"), os.path.join(d, "system.log1"))
    r = run("replay", os.path.join(d, "SYSTEM"), os.path.join(d, "out"))
    check(r.returncode == 0 and b"system.log1" in r.stderr, "logs found beside the hive, any case")
    for n in ("BadLogHive1", "BadLogHive2", "BadLogHive3"):
        r = run("replay", os.path.join(Y, n, "BadLogHive"), os.path.join(tmp, "bad"))
        check(r.returncode == 3 and not os.path.exists(os.path.join(tmp, "bad")),
              f"{n}: invalid logs are not applied (exit 3)")
    # regipy: documented dirty page counts.
    R = os.path.join(H, "regipy")
    for hive, logs, pages in (("SYSTEM_B.xz", ["SYSTEM_B.LOG1.xz", "SYSTEM_B.LOG2.xz"], 315),
                              ("transactions_NTUSER.DAT", ["transactions_ntuser.dat.log1.xz",
                                                           "transactions_ntuser.dat.log2"], 132)):
        paths = []
        for f in [hive] + logs:
            dst = os.path.join(tmp, f[:-3] if f.endswith(".xz") else f)
            if f.endswith(".xz"):
                with lzma.open(os.path.join(R, f)) as a, open(dst, "wb") as b:
                    b.write(a.read())
            else:
                shutil.copy(os.path.join(R, f), dst)
            paths.append(dst)
        r = run("replay", paths[0], os.path.join(tmp, "rout"))
        m = re.search(rb"(\d+) pages", r.stderr)
        check(r.returncode == 0 and m and int(m.group(1)) == pages,
              f"regipy {hive}: {pages} dirty pages as regipy's tests document ({r.stderr.decode().strip()[:160]})")
        for p in paths:
            os.unlink(p)
    # Layered keys: the tombstone values EXPECTATIONS.md names.
    r = run("layers", "--json", os.path.join(Y, "System_Delta"))
    tomb = sorted(json.loads(x)["value"] for x in r.stdout.splitlines() if b'"value"' in x)
    check(r.returncode == 0 and tomb == sorted(["ExistingPageFiles", "6005BT", "displayname"]),
          f"System_Delta tombstone values {tomb}")
    # Deleted tree: every recovered key of DeletedTreeHive chains to the root
    # and none of them is a live key (hivex's view).
    r = run("recover", "--json", os.path.join(Y, "DeletedTreeHive"))
    keys = [json.loads(x) for x in r.stdout.splitlines()]
    live = {x[0].lower() for x in records(os.path.join(Y, "DeletedTreeHive")) if len(x) == 2}
    dk = [k for k in keys if "last_written" in k]
    check(r.returncode == 0 and len(dk) >= 3 and all(k["path_complete"] for k in dk)
          and not any(k["key"].lower() in live for k in dk), f"DeletedTreeHive: {len(dk)} deleted keys, full paths")
    # Every shared hive: recover and layers never crash.
    for root, _, files in os.walk(H):
        for f in files:
            if f.endswith(".xz") or f == "SOURCES.md":
                continue
            for cmd in (("recover", "--json"), ("layers",)):
                r = run(*cmd, os.path.join(root, f))
                if r.returncode not in (0, 1, 3, 4):
                    check(False, f"{cmd[0]} {f}: exit {r.returncode}")
print(f"{fails} failures")
sys.exit(1 if fails else 0)
