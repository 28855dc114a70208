#!/usr/bin/python3
"""Behaviour of `ntkit hive` on the shared hives, checked against
python3-hivex and hivexregedit:

- exit codes: usage 2, missing key/value 1, corrupt 3, --help 0 with examples;
- `get` decodes strings, MULTI_SZ, DWORD and QWORD as hivex does, and
  `get --raw` gives hivex's raw bytes, for every value of nt-hive's testhive
  (SZ, EXPAND_SZ, MULTI_SZ, DWORD, DWORD_BE, QWORD, BINARY, big data);
- paths are case-insensitive and accept '/';
- error lines name the file, the hex offset and the rule;
- `export --format reg` merged by hivexregedit into an empty hive gives
  back the same values (type and bytes).

usage: hive_cli_test.py NTKIT SHARED_TESTDATA   (exit 77 = skipped)"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

try:
    import hivex
except ImportError:
    print("python3-hivex is not installed")
    sys.exit(77)

ntkit, shared = sys.argv[1], sys.argv[2]
H = os.path.join(shared, "hives")
if not os.path.isdir(H):
    print("no shared hives")
    sys.exit(77)
failures = []


def run(*args):
    return subprocess.run([ntkit, "hive", *args], capture_output=True, timeout=120)


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


# --- usage and help
check(run().returncode == 2, "no subcommand -> 2")
check(run("frobnicate").returncode == 2, "unknown subcommand -> 2")
check(run("ls").returncode == 2, "ls without HIVE -> 2")
check(run("get", "x").returncode == 2, "get without KEY -> 2")
check(run("export", "--format", "xml", "x").returncode == 2, "bad format -> 2")
for sub in ("info", "ls", "get", "export"):
    r = run(sub, "--help")
    check(r.returncode == 0 and b"example" in r.stdout, f"{sub} --help has examples")

testhive = os.path.join(H, "nt-hive", "testhive")
special = os.path.join(H, "hivex", "special")

# --- lookups
r = run("ls", testhive, "no-such-key")
check(r.returncode == 1, "missing key -> 1")
r = run("get", testhive, "data-test", "no-such-value")
check(r.returncode == 1, "missing value -> 1")
a = run("ls", testhive, "SUBPATH-TEST")
b = run("ls", testhive, "subpath-test")
check(a.returncode == 0 and a.stdout == b.stdout and a.stdout, "ls is case-insensitive")
h = hivex.Hivex(testhive)
node = h.root()
for comp in ["subpath-test"]:
    node = h.node_get_child(node, comp)
deep = []
n = node
while h.node_children(n):
    n = h.node_children(n)[0]
    deep.append(h.node_name(n))
if deep:
    slash = run("ls", testhive, "subpath-test/" + "/".join(deep[:-1]))
    back = run("ls", testhive, "SubPath-Test\\" + "\\".join(x.upper() for x in deep[:-1]))
    check(slash.returncode == 0 and slash.stdout == back.stdout and deep[-1].encode() in slash.stdout,
          "nested path with '/' and upper case")

# --- get: every value of testhive against hivex
def walk(h):
    stack = [(h.root(), "")]
    while stack:
        node, p = stack.pop()
        yield node, p
        for c in reversed(h.node_children(node)):  # pre-order, list order
            stack.append((c, (p + "\\" if p else "") + h.node_name(c)))


count = 0
for node, path in walk(h):
    for v in h.node_values(node):
        name = h.value_key(v)
        t, data = h.value_value(v)
        args = [testhive, path or "\\"] + ([name] if name else [])
        raw = run("get", "--raw", *args)
        check(raw.returncode == 0 and raw.stdout == data, f"get --raw {path}\\{name}")
        out = run("get", *args)
        check(out.returncode == 0, f"get {path}\\{name} exit 0")
        text = out.stdout.decode("utf-8", "replace")
        if t in (1, 2):
            check(text == h.value_string(v) + "\n", f"REG_SZ text {path}\\{name}")
        elif t == 7:
            want = h.value_multiple_strings(v)
            while want and want[-1] == "":  # hivex reports the final terminator as ""
                want.pop()
            check(text.splitlines() == want, f"MULTI_SZ lines {path}\\{name}")
        elif t == 4 and len(data) == 4:
            d = struct.unpack("<I", data)[0]
            check(text.startswith(f"{d} (0x{d:08x})"), f"DWORD {path}\\{name}")
        elif t == 5 and len(data) == 4:
            d = struct.unpack(">I", data)[0]
            check(text.startswith(f"{d} (0x{d:08x})"), f"DWORD_BE {path}\\{name}")
        elif t == 11 and len(data) == 8:
            d = struct.unpack("<Q", data)[0]
            check(text.startswith(f"{d} (0x{d:016x})"), f"QWORD {path}\\{name}")
        else:
            check(text.startswith("00000000  ") or not data, f"hex dump {path}\\{name}")
        count += 1
check(count >= 10, "testhive has its values")

# --- ls -R / --json and export of a subtree, against hivex's tree
import json
all_keys = [p for _, p in walk(h) if p]
r = run("ls", "-R", testhive)
check(r.returncode == 0 and len(r.stdout.splitlines()) == len(all_keys), "ls -R lists every key")
r = run("ls", "-R", "-l", "--json", testhive)
recs = [json.loads(x) for x in r.stdout.splitlines()]
check(r.returncode == 0 and sum("last_written" in x for x in recs) == len(all_keys) + 1
      and sum("value" in x for x in recs) == count, "ls -R -l --json: every key and value")
direct = sorted(h.node_name(c) for c in h.node_children(h.root()))
r = run("ls", testhive)
check(sorted(x.rstrip("\\") for x in r.stdout.decode().splitlines()) == direct, "ls lists direct subkeys")
r = run("export", testhive, "SUBPATH-test")
recs = [json.loads(x) for x in r.stdout.splitlines()]
sub = [p for _, p in walk(h) if p == "subpath-test" or p.startswith("subpath-test\\")]
check(r.returncode == 0 and [x["key"] for x in recs if "last_written" in x] == sub,
      "export KEY: paths relative to the root, spelled as stored, pre-order")
r = run("ls", "-l", special)
check(b"zero\\x00key" in r.stdout, "ls escapes a NUL inside a name")

# --- info verdicts against the base-block facts in SOURCES.md
r = run("info", "--json", os.path.join(H, "regipy", "SECURITY"))
check(r.returncode == 0 and b'"dirty": true' in r.stdout and b'"checksum_ok": true' in r.stdout,
      "SECURITY is dirty with a good checksum")
r = run("info", "--json", testhive)
check(r.returncode == 0 and b'"dirty": false' in r.stdout and b'"keys": 528' in r.stdout
      and b'"values": 12' in r.stdout, "testhive info counts (hivexml: 528 keys, 12 values)")
r = run("info", os.path.join(H, "yarp", "GarbageHive"))
check(b"MISMATCH" in r.stdout, "GarbageHive checksum mismatch reported, not fatal")

# --- errors: one line each, file + hex offset + rule
line = re.compile(rb"^ntkit: .+: (corrupt|unsupported) hive at 0x[0-9a-f]+: .+$")
# (--no-logs: its logs beside it would recover the base block)
r = run("info", "--no-logs", os.path.join(H, "yarp", "BadBaseBlockHive", "BadBaseBlockHive"))
check(r.returncode == 3 and line.match(r.stderr.strip()) and b"1.0-1.2" in r.stderr,
      "version 1.1 rejected as unsupported")
r = run("export", os.path.join(H, "yarp", "TruncatedHive"))
errs = r.stderr.strip().splitlines()
check(r.returncode == 3 and errs and all(line.match(e) for e in errs) and b'{"key": ""' in r.stdout,
      "truncated hive: partial output, exit 3, one line per damage")
r = run("info", os.path.join(H, "plaso", "ntuser.dat.LOG"))
check(r.returncode == 3, "a 1 KiB log is not a hive")

# --- a 600-level chain written by hivex: the walk goes all the way down,
# --depth stops quietly; a key listed twice (yarp BadListHive) is reported
# once and the walk goes on
with tempfile.TemporaryDirectory() as tmp:
    deep = os.path.join(tmp, "deep")
    shutil.copyfile(os.path.join(H, "hivex", "minimal"), deep)
    os.chmod(deep, 0o644)
    hw = hivex.Hivex(deep, write=True)
    n = hw.root()
    for i in range(600):
        n = hw.node_add_child(n, "k%d" % i)
    hw.commit(deep)
    del hw
    r = run("export", deep)
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and len(lines) == 601 and
          json.loads(lines[-1])["key"] == "\\".join("k%d" % i for i in range(600)),
          "600-level chain exported whole")
    r = run("ls", "-R", "--depth", "3", deep)
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 3 and not r.stderr, "--depth 3")
    r = run("get", deep, "/".join("K%d" % i for i in range(600)))
    check(r.returncode == 1 and b"default value" in r.stderr, "600-level path opens")
r = run("export", os.path.join(H, "yarp", "BadListHive"))
check(r.returncode == 3 and r.stderr.count(b"reached a second time") == 1 and
      len(r.stdout.splitlines()) == 6, "BadListHive: duplicate reported, 6 distinct keys")

# --- .reg export merged back by hivexregedit
if shutil.which("hivexregedit"):
    with tempfile.TemporaryDirectory() as tmp:
        for rel in ("nt-hive/testhive", "yarp/StringValuesHive", "yarp/MultiSzHive",
                    "python-registry/UNICODE_TESTS", "plaso/regf/SAM", "regipy/BCD"):
            src = os.path.join(H, rel)
            reg = run("export", "--format", "reg", src)
            check(reg.returncode == 0 and reg.stdout.startswith(b"Windows Registry Editor Version 5.00\n"),
                  f"reg export {rel}")
            target = os.path.join(tmp, "merged")
            shutil.copyfile(os.path.join(H, "hivex", "minimal"), target)
            os.chmod(target, 0o644)
            regfile = os.path.join(tmp, "x.reg")
            with open(regfile, "wb") as f:
                f.write(reg.stdout)
            m = subprocess.run(["hivexregedit", "--merge", target, regfile], capture_output=True)
            check(m.returncode == 0, f"hivexregedit --merge accepts {rel}: {m.stderr[:200]!r}")

            def values(path):
                hx = hivex.Hivex(path)
                out = set()
                for node, p in walk(hx):
                    for v in hx.node_values(node):
                        out.add((p, hx.value_key(v), *hx.value_value(v)))
                return out
            check(values(src) == values(target), f"values survive reg export + merge: {rel}")

print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
