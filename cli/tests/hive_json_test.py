#!/usr/bin/python3
"""--json across `ntkit hive`: every subcommand that prints records prints
valid JSON lines, checked against python3-hivex where it reads the hive:
  - get --json: data (hex) equals hivex's bytes, text/strings/number its
    decoding, for every value of nt-hive/testhive and UNICODE_TESTS;
  - ls -l --json on yarp/System_Delta (a 1.6 differencing hive): the layer
    fields equal those of `ntkit hive layers --all --json`, tombstone values
    included, and every subkey hivex lists under the root is there;
  - info, ls, find, export, recover, layers: each line parses.
Usage: hive_json_test.py NTKIT SHARED_TESTDATA. Exit 0 pass, 1 fail, 77 skip.
"""
import json
import os
import struct
import subprocess
import sys

try:
    import hivex
except ImportError:
    print("SKIP: python3-hivex not available")
    sys.exit(77)
NTKIT, SHARED = sys.argv[1:3]
H = os.path.join(SHARED, "hives")
testhive = os.path.join(H, "nt-hive", "testhive")
if not os.path.exists(testhive):
    print("SKIP: shared hives absent")
    sys.exit(77)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)
    return cond


def run(*args):
    return subprocess.run([NTKIT, "hive", *args], capture_output=True, timeout=120)


def jsonl(r, what):
    try:
        return [json.loads(x) for x in r.stdout.decode("utf-8").split("\n") if x]
    except ValueError as e:
        check(False, "%s: not JSON lines: %s" % (what, e))
        return []


def walk(h):
    stack = [(h.root(), "")]
    while stack:
        node, p = stack.pop()
        yield node, p
        for c in reversed(h.node_children(node)):
            stack.append((c, (p + "\\" if p else "") + h.node_name(c)))


# ---- get --json against hivex
n = 0
for rel in ("nt-hive/testhive", "python-registry/UNICODE_TESTS"):
    path = os.path.join(H, rel)
    h = hivex.Hivex(path)
    for node, p in walk(h):
        for v in h.node_values(node):
            name = h.value_key(v)
            t, data = h.value_value(v)
            r = run("get", "--json", "--no-logs", path, p or "\\", *([name] if name else []))
            recs = jsonl(r, "get --json %s %s" % (p, name))
            if not check(r.returncode == 0 and len(recs) == 1, "get --json %s\\%s: one object" % (p, name)):
                continue
            o = recs[0]
            check(o["key"] == p and o["value"] == name and o["type"] == t and o["size"] == len(data)
                  and bytes.fromhex(o["data"]) == data, "get --json %s\\%s: key, value, type, data" % (p, name))
            if t in (1, 2):
                check(o.get("text") == h.value_string(v), "get --json %s\\%s: text" % (p, name))
            elif t == 7:
                want = h.value_multiple_strings(v)
                while want and want[-1] == "":
                    want.pop()
                check(o.get("strings") == want, "get --json %s\\%s: strings" % (p, name))
            elif t == 4 and len(data) == 4:
                check(o.get("number") == struct.unpack("<I", data)[0], "get --json %s\\%s: number" % (p, name))
            n += 1
check(n >= 20, "get --json compared on enough values (%d)" % n)

# ---- layers in ls -l --json (System_Delta)
delta = os.path.join(H, "yarp", "System_Delta")
if os.path.exists(delta):
    ls = jsonl(run("ls", "-R", "-l", "--json", "--no-logs", delta), "ls -R -l --json System_Delta")
    lay = jsonl(run("layers", "--all", "--json", "--no-logs", delta), "layers --all --json")
    keys_ls = {o["key"]: (o["layer"], o["inherit_class"]) for o in ls if "last_written" in o and o["key"]}
    keys_lay = {o["key"]: (o["layer"], o["inherit_class"]) for o in lay if "value" not in o and o["key"]}
    check(keys_ls and keys_ls == keys_lay, "ls -l --json layer fields == layers --all --json (%d keys)"
          % len(keys_ls))
    kinds = {x for x, _ in keys_ls.values()}
    check("supersede-local" in kinds and any(ic for _, ic in keys_ls.values()),
          "System_Delta shows supersede-local and inherit-class keys")
    tomb_ls = {(o["key"], o["value"]) for o in ls if o.get("layer") == "tombstone" and "value" in o}
    tomb_lay = {(o["key"], o["value"]) for o in lay if "value" in o}
    check(tomb_ls and tomb_ls == tomb_lay, "tombstone values: ls -l --json == layers --json (%d)" % len(tomb_ls))
    hd = hivex.Hivex(delta)
    direct = {hd.node_name(c) for c in hd.node_children(hd.root())}
    check(direct <= set(keys_ls), "every direct subkey of the root is listed with its layer")

# ---- every record-printing subcommand prints JSON lines
for args in (["info", "--json"], ["ls", "--json"], ["ls", "-R", "-l", "--json"], ["find", "--json"],
             ["export", "--json"], ["recover", "--json"], ["layers", "--json", "--all"]):
    target = [testhive, "*"] if args[0] == "find" else [testhive]
    if args[0] == "recover":
        target = [os.path.join(H, "yarp", "DeletedDataHive")]
    r = run(*args, *target)
    recs = jsonl(r, " ".join(args))
    check(r.returncode == 0 and recs and all(isinstance(o, dict) for o in recs),
          "%s: exit 0 and JSON objects (%d)" % (" ".join(args), len(recs)))
print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
