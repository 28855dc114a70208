#!/usr/bin/python3
"""`ntkit hive find` against an oracle of its own: the tree of the same
hive, read by python3-hivex (mode `hivex`) or from the manifest the
generator wrote (mode `manifest`, no peer needed: runs in the sanitizer
pass), with the same glob applied by Python's fnmatch on lowercased text
(independent of ntkit's matcher, which folds with Windows' upcase table).
The patterns stay clear of the letters where lower() and Windows' upcase
disagree (final sigma, dotted I, ...).

Usage: hive_find_test.py hivex NTKIT GEN_DIR SHARED_TESTDATA
       hive_find_test.py manifest NTKIT GEN_DIR

Rules checked (from `ntkit hive find --help`):
  - keys below the start are matched by their own name (the root's name is
    never matched; a start KEY given on the command line is);
  - a value is reported once: by its name ("value") when that matches and
    value names are searched, else by the first matching string of its
    data ("data": REG_SZ/REG_EXPAND_SZ/REG_LINK up to the first NUL,
    REG_MULTI_SZ element by element);
  - --json records {key, value, type, data, match}, one per line (split at
    '\n' only: JSON may carry U+2028 raw); text lines 'KEY\\',
    'KEY\\  VALUE', 'KEY\\  VALUE = DATA';
  - exit 0 on a match, 1 on none, 1 for a missing KEY, 2 for usage errors,
    3 when the hive is damaged (the search goes on).
Exit 0 pass, 1 fail, 77 skip.
"""
import fnmatch
import json
import os
import subprocess
import sys

if len(sys.argv) < 4 or sys.argv[1] not in ("hivex", "manifest"):
    print(__doc__)
    sys.exit(2)
MODE, NTKIT, GEN = sys.argv[1:4]
SHARED = sys.argv[4] if len(sys.argv) > 4 else "/nonexistent"
H = os.path.join(SHARED, "hives")
if MODE == "hivex":
    try:
        import hivex
    except ImportError:
        print("SKIP: python3-hivex not available to", sys.executable)
        sys.exit(77)
if not os.path.exists(NTKIT):
    print("SKIP: no ntkit binary")
    sys.exit(77)
if not os.path.isdir(GEN):
    print("SKIP: no generated hives in", GEN, "(testdata/hive.cmake needs python3)")
    sys.exit(77)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


def run(*args):
    return subprocess.run([NTKIT, "hive", "find", *args], capture_output=True, timeout=120)


# ---- the oracle ------------------------------------------------------------

def utf16_text(units_bytes):
    return units_bytes.decode("utf-16-le", "replace")


def strings_of(t, data):
    """The strings of string-typed data, as ntkit's help describes them."""
    data = data[:len(data) & ~1]
    units = [data[i:i + 2] for i in range(0, len(data), 2)]
    if t in (1, 2, 6):
        if b"\0\0" in units:
            units = units[:units.index(b"\0\0")]
        return [utf16_text(b"".join(units))]
    if t == 7:
        while units and units[-1] == b"\0\0":
            units.pop()
        out, cur = [], []
        for u in units:
            if u == b"\0\0":
                out.append(utf16_text(b"".join(cur)))
                cur = []
            else:
                cur.append(u)
        if units:
            out.append(utf16_text(b"".join(cur)))
        return out
    return None


def load_manifest(path):
    """The same tree from GEN_DIR/NAME.manifest.jsonl (pre-order records:
    a key, then its values). A key's name is its path after its parent's,
    the parent being the nearest key before it whose path is a prefix."""
    out, stack = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if "value" in r:
                out[-1][2].append((r["value"], r["type"], strings_of(r["type"], bytes.fromhex(r["data"]))))
                continue
            p = r["key"]
            while stack and not (stack[-1] == "" or p.startswith(stack[-1] + "\\")):
                stack.pop()
            name = p if not stack or stack[-1] == "" else p[len(stack[-1]) + 1:]
            stack.append(p)
            out.append((p, name, []))
    return out


def load(path):
    """[(key path, key name, [(value name, type, strings or None)])] in
    pre-order, list order; the root's path is ""."""
    h = hivex.Hivex(path)
    out = []
    stack = [(h.root(), "")]
    while stack:
        node, p = stack.pop()
        vals = []
        for v in h.node_values(node):
            t, data = h.value_value(v)
            vals.append((h.value_key(v), t, strings_of(t, data)))
        out.append((p, h.node_name(node), vals))
        for c in reversed(h.node_children(node)):
            stack.append((c, (p + "\\" if p else "") + h.node_name(c)))
    return out


def expect(tree, pattern, start="", keys=True, values=True, data=True):
    pat = pattern.lower()

    def m(s):
        return fnmatch.fnmatchcase(s.lower(), pat)
    recs = []
    for path, name, vals in tree:
        if start and path != start and not path.startswith(start + "\\"):
            continue
        if keys and path and m(name):
            recs.append({"key": path, "value": None, "type": None, "data": None, "match": "key"})
        for vname, t, strs in vals:
            if values and m(vname):
                recs.append({"key": path, "value": vname, "type": t, "data": None, "match": "value"})
            elif data and strs is not None:
                hit = next((s for s in strs if m(s)), None)
                if hit is not None:
                    recs.append({"key": path, "value": vname, "type": t, "data": hit, "match": "data"})
    return recs


def text_line(r):
    def esc(s):
        return "".join("\\x%02x" % ord(c) if ord(c) < 0x20 or ord(c) == 0x7F else c for c in s)
    line = esc(r["key"]) + "\\"
    if r["value"] is not None:
        line += "  " + (esc(r["value"]) if r["value"] else "(default)")
    if r["data"] is not None:
        line += " = " + esc(r["data"])
    return line


def key_of(r):
    return json.dumps(r, sort_keys=True)


# ---- comparisons -------------------------------------------------------------

PATTERNS = ["*", "*a*", "?", "[a-c]*", "*[!a-z0-9 ]*", "*\u00e4*", "*\u03bb\u03bb*", "item0001?",
            "*e?t*", "[]]*", "*.dll", "*\\*", "k1000[0-9]", "*[q-s]?"]
MODES = [[], ["--keys"], ["--values"], ["--data"], ["--keys", "--data"]]


def compare(label, path, tree, pattern, mode, start="", ask=None, text=False):
    want = expect(tree, pattern, start, keys=not mode or "--keys" in mode,
                  values=not mode or "--values" in mode, data=not mode or "--data" in mode)
    args = ["--no-logs", *mode, path, pattern] + ([ask if ask is not None else start] if start else [])
    r = run("--json", *args)
    what = "%s find %s %r %s" % (label, " ".join(mode), pattern, start)
    try:
        got = [json.loads(x) for x in r.stdout.decode("utf-8").split("\n") if x]
    except ValueError as e:
        check(False, "%s: output is not JSON lines (%s)" % (what, e))
        return
    for x in want:
        kinds[x["match"]] = kinds.get(x["match"], 0) + 1
    check(r.returncode == (0 if want else 1), "%s: exit %d, expected %d (%s)"
          % (what, r.returncode, 0 if want else 1, r.stderr[:200]))
    if sorted(map(key_of, got)) != sorted(map(key_of, want)):
        g, w = set(map(key_of, got)), set(map(key_of, want))
        check(False, "%s: %d records, oracle %d; only ntkit: %s; only oracle: %s"
              % (what, len(got), len(want), sorted(g - w)[:2], sorted(w - g)[:2]))
    elif got != want:
        check(False, "%s: same records, another order (expected pre-order, values in list order)" % what)
    if text:
        t = run(*args)
        check(t.returncode == r.returncode and t.stdout.decode("utf-8").split("\n")[:-1] == [text_line(x) for x in want],
              "%s: text lines" % what)


total = 0
kinds = {}
if MODE == "hivex":
    hives = [("generated " + n, os.path.join(GEN, n + ".hiv")) for n in ("features", "v13", "regsafe", "bulk")]
    hives += [("shared " + n, os.path.join(H, n)) for n in
              ("nt-hive/testhive", "hivex/special", "yarp/UnicodeHive", "yarp/MultiSzHive",
               "yarp/StringValuesHive", "yarp/BigDataHive", "plaso/regf/SAM")]
else:
    hives = [("generated " + n, os.path.join(GEN, n + ".hiv")) for n in ("features", "v13")]
    PATTERNS = PATTERNS[:8]
for label, path in hives:
    if not os.path.exists(path):
        print("skip (absent):", path)
        continue
    tree = load(path) if MODE == "hivex" else load_manifest(path[:-4] + ".manifest.jsonl")
    for pattern in PATTERNS:
        for mode in MODES:
            compare(label, path, tree, pattern, mode, text=(label == "generated features" and mode == []))
            total += 1
    # A subtree: the first key below the root that has subkeys, asked for
    # in upper case.
    sub = next((p for p, _, _ in tree if p and "\\" not in p and any(q.startswith(p + "\\") for q, _, _ in tree)),
               None)
    if sub:
        for pattern in ("*", "*a*", "?"):
            compare(label, path, tree, pattern, [], start=sub, ask=sub.upper())
            total += 1
print("%d comparisons with the %s + fnmatch oracle" % (total, MODE))
print("matches compared:", kinds)
check(total >= 80, "enough comparisons ran (generated hives built?)")
check(all(kinds.get(k, 0) >= 50 for k in ("key", "value", "data")), "every kind of match was compared")

# ---- IMAGE::PATH: the bundled sample image and the values its manifest lists
SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "sample")
if MODE == "manifest" and os.path.exists(os.path.join(SAMPLE, "sample-ntfs.json")):
    img = os.path.join(SAMPLE, "sample-ntfs.img.gz")
    with open(os.path.join(SAMPLE, "sample-ntfs.json"), encoding="utf-8") as f:
        sample = json.load(f)

    def literal(s):
        # No escape character in a glob: the special ones go into a set.
        return "".join("[%s]" % c if c in "*?[" else c for c in s)
    seen = 0
    for r in sample["registry"]:
        spec = img + "::" + sample["hives"][r["hive"]]["path"]
        got = run("--json", "--values", spec, literal(r["value"]), r["key"])
        recs = [json.loads(x) for x in got.stdout.decode("utf-8").split("\n") if x]
        check(got.returncode == 0 and any(x["key"] == r["key"] and x["value"] == r["value"] for x in recs),
              "IMAGE::PATH find --values %s\\%s" % (r["key"], r["value"]))
        if r["type"] == "REG_SZ":
            got = run("--json", "--data", spec, literal(r["data"].upper()))
            recs = [json.loads(x) for x in got.stdout.decode("utf-8").split("\n") if x]
            check(got.returncode == 0 and {"key": r["key"], "value": r["value"], "type": 1, "data": r["data"],
                                           "match": "data"} in recs,
                  "IMAGE::PATH find --data %r (upper case)" % r["data"])
        seen += 1
    check(seen >= 3, "the sample's registry values were searched")
    r = run(img + "::/Windows/System32/config/NOPE", "*")
    check(r.returncode == 1 and b"NOPE" in r.stderr, "IMAGE::PATH to no file -> 1, named")

# ---- exit codes and errors -------------------------------------------------
features = os.path.join(GEN, "features.hiv")
if os.path.exists(features):
    r = run(features, "no such name anywhere \u2603")
    check(r.returncode == 1 and not r.stdout, "no match -> exit 1, nothing printed")
    r = run(features, "*", "no such key")
    check(r.returncode == 1 and b"no key" in r.stderr, "missing KEY -> exit 1 with a message")
    check(run(features).returncode == 2, "no PATTERN -> 2")
    check(run("--bogus", features, "*").returncode == 2, "unknown option -> 2")
    check(run(features, "*", "a", "b").returncode == 2, "too many arguments -> 2")
    check(run(features, b"\xff*".decode("latin-1").encode("latin-1")).returncode in (1, 2),
          "odd bytes in PATTERN do not crash")
    r = subprocess.run([NTKIT, "hive", "find", features, b"\xff\xfe"], capture_output=True)
    check(r.returncode == 2 and b"UTF-8" in r.stderr, "invalid UTF-8 PATTERN -> 2")
    r = run("--depth", "0", features, "*")
    check(r.returncode == 2, "--depth 0 -> 2")
    r = run("--help")
    check(r.returncode == 0 and b"example" in r.stdout, "--help with examples")
r = run(os.path.join(SHARED, "no", "such", "file"), "*")
check(r.returncode == 1 and b"no/such/file" in r.stderr, "missing HIVE -> 1, named")
bad = os.path.join(H, "yarp", "BadListHive")
if os.path.exists(bad):
    r = run("--no-logs", bad, "*")
    check(r.returncode == 3 and r.stdout and b"BadListHive" in r.stderr and len(r.stderr.splitlines()) >= 1,
          "damaged hive -> 3, matches still printed, damage named on stderr")
for junk in ("yarp/GarbageHive", "yarp/TruncatedHive", "yarp/SqliteFragment"):
    p = os.path.join(H, junk)
    if os.path.exists(p):
        r = run("--no-logs", p, "*")
        check(r.returncode in (0, 1, 3) and len(r.stderr.splitlines()) <= 50, "%s: 0, 1 or 3, no crash" % junk)

print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
