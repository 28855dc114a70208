#!/usr/bin/python3
"""`ntkit hive export --format reg` against hivex's own tools.

Usage: hive_roundtrip.py NTKIT GEN_DIR SHARED_TESTDATA

1. Round trip: ntkit's .reg of a hive, merged by `hivexregedit --merge` into
   a fresh empty hive, exported again by ntkit, gives the same text. Where
   the hive holds names whose sibling order hivex's writer decides
   differently (it sorts new subkeys its own way, e.g. fullwidth letters),
   the text must be the same key blocks in another order, and the test says
   so; nothing else may differ.
2. Peer export: `hivexregedit --export HIVE '\\'` and ntkit's .reg describe
   the same keys and each key the same values (name, type, bytes), once
   both are parsed and sorted: hivexregedit sorts keys and values by name,
   writes every string as hex(1), wraps long hex lines and prints names as
   Latin-1 bytes when they fit; ntkit keeps the hive's order, writes plain
   REG_SZ as "text", hex(3) as hex:, and UTF-8.

Hives: the generated ones made for .reg (regsafe, v13) and the shared hives
hivex reads whose names a .reg file can carry (no NUL inside a name: hivex
cuts names at NUL). Exit 0 pass, 1 fail, 77 skip (hivex tools missing).
"""
import os
import shutil
import subprocess
import sys
import tempfile

if len(sys.argv) != 4:
    print(__doc__)
    sys.exit(2)
NTKIT, GEN, SHARED = sys.argv[1:]
H = os.path.join(SHARED, "hives")
for tool in ("hivexregedit",):
    if not shutil.which(tool):
        print("SKIP: %s not installed" % tool)
        sys.exit(77)
if not os.path.exists(NTKIT):
    print("SKIP: no ntkit binary")
    sys.exit(77)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)
    return cond


def ntkit_reg(hive):
    # --no-logs: hivex reads the primary file as it is.
    p = subprocess.run([NTKIT, "hive", "export", "--no-logs", "--format", "reg", hive], capture_output=True,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def blocks(text):
    """The .reg text as [key line + its value lines] blocks (header kept
    apart)."""
    out, cur = [], None
    for line in text.split(b"\n"):
        if line.startswith(b"["):
            cur = [line]
            out.append(cur)
        elif cur is not None and line:
            cur.append(line)
    return out


# ---- a small .reg reader (the test's own) -----------------------------------

def unquote(s, i):
    """Reads a "quoted" string at s[i] (\\\\ and \\" escapes); returns (text, next i)."""
    assert s[i] == '"'
    out, i = [], i + 1
    while s[i] != '"':
        if s[i] == "\\":
            i += 1
        out.append(s[i])
        i += 1
    return "".join(out), i + 1


def parse_data(d):
    """(type, bytes) of the right-hand side of a value line."""
    if d.startswith('"'):
        text, _ = unquote(d, 0)
        return 1, (text + "\0").encode("utf-16-le")
    if d.startswith("dword:"):
        return 4, int(d[6:], 16).to_bytes(4, "little")
    if d.startswith("hex:"):
        t, rest = 3, d[4:]
    elif d.startswith("hex("):
        close = d.index(")")
        t, rest = int(d[4:close], 16), d[close + 2:]
    else:
        raise ValueError("unknown value syntax: %r" % d[:40])
    rest = rest.replace(" ", "")
    return t, bytes(int(x, 16) for x in rest.split(",") if x)


def decode_line(b):
    """A line as text: UTF-8, or Latin-1 where it is not valid UTF-8
    (hivexregedit, in Perl, prints a string whose characters all fit in a
    byte as Latin-1 bytes, any other string as UTF-8)."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("latin-1")


def parse_value(line):
    """(name, type, bytes) of a value line; IndexError when the line stops
    inside a quoted string (a name or string holding a newline goes on on
    the next line)."""
    if line.startswith("@="):
        name, rest = "", line[2:]
    else:
        name, i = unquote(line, 0)
        if line[i] != "=":
            raise ValueError("no '=' after the value name: %r" % line[:60])
        rest = line[i + 1:]
    t, data = parse_data(rest)
    return name, t, data


def parse_reg(raw):
    """[(key, [(value name, type, bytes)])] in file order. Lines ending in
    ',\\' continue on the next line (hivexregedit wraps hex); a key line
    without its ']' or a value line that stops inside quotes goes on after
    a newline that belongs to a name (both tools write such names raw)."""
    keys, cur = [], None
    for line in map(decode_line, raw.split(b"\n")):
        if cur is not None:
            line = cur + line
            cur = None
        if line.endswith(",\\") and not line.startswith("["):
            cur = line[:-1]
            continue
        if not line or line.startswith("Windows Registry Editor"):
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                cur = line + "\n"
                continue
            keys.append((line[1:-1], []))
            continue
        try:
            keys[-1][1].append(parse_value(line))
        except IndexError:
            cur = line + "\n"
    if cur is not None:
        raise ValueError("the file ends inside a record: %r" % cur[:60])
    return keys


# ---- 1. round trip -------------------------------------------------------------

ROUND = [os.path.join(GEN, "regsafe.hiv"), os.path.join(GEN, "v13.hiv")] + [
    os.path.join(H, r) for r in ("nt-hive/testhive", "yarp/StringValuesHive", "yarp/MultiSzHive",
                                 "yarp/UnicodeHive", "python-registry/UNICODE_TESTS", "plaso/regf/SAM",
                                 "plaso/regf/NTUSER.DAT", "regipy/BCD", "regipy/SAM", "regipy/SECURITY")]
EMPTY = os.path.join(GEN, "empty.hiv")
if not os.path.exists(EMPTY):
    EMPTY = os.path.join(H, "hivex", "minimal")
done = 0
with tempfile.TemporaryDirectory(prefix="ntkit-roundtrip-") as tmp:
    for hive in ROUND:
        if not os.path.exists(hive) or not os.path.exists(EMPTY):
            print("skip (absent):", hive)
            continue
        rc, first, err = ntkit_reg(hive)
        if not check(rc == 0 and first.startswith(b"Windows Registry Editor Version 5.00\n"),
                     "%s: export --format reg exit %d %s" % (hive, rc, err[:200])):
            continue
        reg, merged = os.path.join(tmp, "a.reg"), os.path.join(tmp, "merged.hiv")
        with open(reg, "wb") as f:
            f.write(first)
        shutil.copyfile(EMPTY, merged)
        os.chmod(merged, 0o644)
        m = subprocess.run(["hivexregedit", "--merge", "--prefix", "\\", merged, reg], capture_output=True,
                           timeout=300)
        if not check(m.returncode == 0, "%s: hivexregedit --merge: %s" % (hive, m.stderr[:300])):
            continue
        rc, second, err = ntkit_reg(merged)
        check(rc == 0, "%s: export of the merged hive exit %d %s" % (hive, rc, err[:200]))
        if first == second:
            print("round trip, same text: %s (%d bytes)" % (hive, len(first)))
        else:
            a, b = blocks(first), blocks(second)
            if check(sorted(a) == sorted(b), "%s: the text after the round trip differs" % hive):
                moved = sum(1 for x, y in zip(a, b) if x != y)
                print("round trip, same key blocks, %d in another sibling order (hivex sorts new subkeys"
                      " its own way): %s" % (moved, hive))
        done += 1
check(done >= 2, "round trips ran (generated hives built?)")

# ---- 2. hivexregedit --export vs ntkit ----------------------------------------

PEER = ROUND + [os.path.join(GEN, "features.hiv")]
compared = 0
for hive in PEER:
    if not os.path.exists(hive):
        continue
    p = subprocess.run(["hivexregedit", "--export", hive, "\\"], capture_output=True, timeout=300)
    if p.returncode != 0:
        print("hivexregedit cannot export %s (%s): not compared" % (hive, p.stderr[:120]))
        continue
    rc, ours, err = ntkit_reg(hive)
    check(rc == 0, "%s: ntkit export exit %d %s" % (hive, rc, err[:200]))
    try:
        want, got = parse_reg(p.stdout), parse_reg(ours)
    except (ValueError, IndexError, AssertionError) as e:
        check(False, "%s: a .reg file did not parse: %s" % (hive, e))
        continue
    # hivexregedit sorts keys and values by name (Perl's sort); ntkit keeps
    # the hive's order. Compare per key, values sorted by name.
    got_keys, want_keys = dict(got), dict(want)
    check(len(got_keys) == len(got), "%s: ntkit wrote a key twice" % hive)
    if set(got_keys) != set(want_keys):
        only_g, only_w = sorted(set(got_keys) - set(want_keys)), sorted(set(want_keys) - set(got_keys))
        check(False, "%s: keys differ from hivexregedit's: only ntkit %r, only hivexregedit %r (%d vs %d keys)"
              % (hive, only_g[:3], only_w[:3], len(got_keys), len(want_keys)))
        continue
    bad = [(k, sorted(got_keys[k]), sorted(want_keys[k])) for k, _ in got
           if sorted(got_keys[k]) != sorted(want_keys[k])]
    check(not bad, "%s: values differ from hivexregedit's in %d keys, first %r: %r vs %r"
          % (hive, len(bad), *(bad[0] if bad else ("", "", ""))))
    if not bad:
        print("same keys and values as hivexregedit --export: %s (%d keys, %d values)"
              % (hive, len(got), sum(len(v) for _, v in got)))
    compared += 1
check(compared >= 3, "hivexregedit comparisons ran")
print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
