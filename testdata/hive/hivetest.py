"""Helpers shared by the hive test drivers: running ntkit and the oracles,
loading JSON-lines dumps, comparing record lists with a readable first
difference. Exit status 77 means "skip" to ctest (SKIP_RETURN_CODE)."""
import json
import os
import shutil
import subprocess
import sys

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


def fail(why):
    print("FAIL: " + why)
    sys.exit(1)


def have_hivex():
    try:
        import hivex  # noqa: F401
        return True
    except ImportError:
        return False


def need_hivex():
    if not have_hivex():
        skip("python3 module 'hivex' (Debian python3-hivex) not available to %s" % sys.executable)


def need_tool(name):
    path = shutil.which(name)
    if not path:
        skip("%s not installed" % name)
    return path


def need_ntkit_hive(ntkit):
    """Skips unless `ntkit` exists and was built with the hive command."""
    if not ntkit or not os.path.exists(ntkit):
        skip("ntkit binary not built (NTKIT_BUILD_CLI=OFF?)")
    p = subprocess.run([ntkit, "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not any(line.strip().startswith("hive ") for line in p.stdout.decode(errors="replace").splitlines()):
        skip("ntkit was built without the hive command")


def parse_jsonl(data, what):
    """Parses JSON lines (bytes). Fails the test on invalid UTF-8 or JSON:
    the export must be valid JSON lines."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("%s is not valid UTF-8: %s (at %r)" % (what, e, data[max(0, e.start - 40):e.start + 10]))
    out = []
    for n, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        try:
            out.append(json.loads(line))
        except ValueError as e:
            fail("%s line %d is not JSON (%s): %r" % (what, n, e, line[:200]))
    return out


def load_jsonl(path):
    with open(path, "rb") as f:
        return parse_jsonl(f.read(), path)


def run(cmd, timeout=120, stdin=None):
    """Runs a command; returns (exit status, stdout bytes, stderr text)."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, stdin=stdin)
    except subprocess.TimeoutExpired:
        fail("timed out after %d s: %s" % (timeout, " ".join(cmd)))
    return p.returncode, p.stdout, p.stderr.decode("utf-8", errors="replace")


def ntkit_export(ntkit, hive, key=None, fmt="jsonl", timeout=120):
    # --no-logs: the peers read the primary file as it is, so ntkit must too
    # (logs beside a dirty hive are applied by default).
    cmd = [ntkit, "hive", "export", "--no-logs", hive] + ([key] if key is not None else []) + ["--format", fmt]
    return run(cmd, timeout=timeout)


def oracle_dump(hive, key=None):
    """hivex's dump, in-process (same code as oracle_dump.py)."""
    sys.path.insert(0, HERE)
    import oracle_dump as od
    import hivex
    h = hivex.Hivex(hive)
    node = od.find_key(h, key or "")
    if node is None:
        return None
    return list(od.records(h, node, (key or "").strip("\\")))


def short(rec, width=120):
    """A record for a message, with long strings cut."""
    def cut(v):
        if isinstance(v, str) and len(v) > width:
            return v[:width] + "...(%d chars)" % len(v)
        return v
    return "{" + ", ".join("%s: %s" % (k, json.dumps(cut(v), ensure_ascii=True)) for k, v in rec.items()) + "}"


def first_difference(got, want, got_name, want_name):
    """None when the lists are equal, else a message naming the first
    record that differs and the lengths."""
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return ("record %d differs:\n  %s: %s\n  %s: %s\n(%s: %d records, %s: %d records)"
                    % (i + 1, got_name, short(g), want_name, short(w),
                       got_name, len(got), want_name, len(want)))
    if len(got) != len(want):
        n = min(len(got), len(want))
        extra = got[n] if len(got) > n else want[n]
        who = got_name if len(got) > n else want_name
        return ("%s has %d records, %s has %d; first extra record (in %s): %s"
                % (got_name, len(got), want_name, len(want), who, short(extra)))
    return None


def counts(records):
    keys = sum(1 for r in records if "value" not in r)
    return keys, len(records) - keys
