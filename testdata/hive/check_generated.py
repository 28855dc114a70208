#!/usr/bin/python3
"""Checks one generated hive against its manifest, through one reader.

Usage: check_generated.py CHECK GEN_DIR HIVE [NTKIT]

GEN_DIR holds HIVE.hiv and HIVE.manifest.jsonl written by gen_hives.py.
Every comparison is in order (depth-first pre-order, values in on-disk
order, subkeys in list order), record by record, on parsed JSON.

CHECK is one of
  hivex      hivex's dump (oracle_dump.py) equals the manifest: proves the
             generator wrote what it meant, as an independent reader sees it
  regfexport regfexport reads the hive without error; its keys, value names,
             types and sizes equal the manifest reduced to what regfexport
             can show (see regf_oracle.py for its known faults)
  export     `ntkit hive export HIVE --format jsonl` exits 0 and equals the
             manifest
  subtree    `ntkit hive export HIVE KEY --format jsonl` for a few keys,
             spelled in another case, equals that part of the manifest
             (paths stay relative to the root, spelled as stored); a
             missing key exits 1
  reg        `ntkit hive export HIVE --format reg`, merged by
             `hivexregedit --merge` into a fresh hive, dumps (hivex) to the
             manifest, timestamps aside (the merge sets its own)
  get        `ntkit hive get HIVE KEY VALUE` prints the decoded value the
             manifest's bytes stand for (see expected_get below)
  slash      a key whose name holds '/' is found by export KEY and get

Exit status: 0 pass, 1 fail, 77 skip (tool missing, or ntkit without the
hive command).
"""
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hivetest as t  # noqa: E402

# Keys exported on their own by the subtree check: (hive, spelling to ask
# for, stored spelling).
SUBTREES = {
    "features": [("LISTS\\RI-MIXED", "lists\\ri-mixed"),
                 ("Names", "names"),
                 ("bigdata", "bigdata"),
                 ("names\\latin1 \xc4\xd6\xdc\xdf\u0178\xe0", "names\\latin1 \xe4\xf6\xfc\xdf\xff\xc0"),
                 ("NAMES\\\u03b5\u039b\u039b\u0397\u039d\u0399\u039a\u0386 \u043a\u0418\u0420\u0418\u041b\u041b\u0418\u0426\u0410 \u4e2d\u6587",
                  "names\\\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u041a\u0438\u0440\u0438\u043b\u043b\u0438\u0446\u0430 \u4e2d\u6587"),
                 ("names\\\uff46\uff35\uff2c\uff2c\uff37\uff29\uff24\uff34\uff28", "names\\\uff26\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48"),
                 ("names\\PAIR \U0001F600 \U0001D11E \U00010428", "names\\pair \U0001F600 \U0001D11E \U00010428")],
    "v13": [("RI-LI", "ri-li"), ("lf default\\\xc9T\xc9", "lf default\\\xe9t\xe9")],
    "bulk": [("MANY RI\\ITEM00001", "many ri\\Item00001"),
             ("many lh\\K10006", "many lh\\k10006"),
             ("\\".join("LEVEL%03d" % i for i in range(1, 513)),
              "\\".join("level%03d" % i for i in range(1, 513)))],
}

MISSING_KEYS = ["no such key", "lists\\no such key", "lists\\li\\alpha\\deeper"]


def manifest(gen_dir, hive):
    return t.load_jsonl(os.path.join(gen_dir, hive + ".manifest.jsonl"))


def check_hivex(gen_dir, hive, hive_path, _ntkit):
    t.need_hivex()
    got = t.oracle_dump(hive_path)
    diff = t.first_difference(got, manifest(gen_dir, hive), "hivex", "manifest")
    if diff:
        t.fail("hivex does not read what the generator wrote: " + diff)
    print("hivex dump equals the manifest: %d keys, %d values" % t.counts(got))


def check_regfexport(gen_dir, hive, hive_path, _ntkit):
    t.need_tool("regfexport")
    import regf_oracle as ro
    rc, recs, err = ro.run(hive_path)
    if rc != 0:
        t.fail("regfexport exit %d: %s" % (rc, err.strip()[:500]))
    want = ro.reduce_export(manifest(gen_dir, hive))
    ok, why = ro.same(recs, want)
    keys = sum(1 for r in recs if "value" not in r)
    wkeys = sum(1 for r in want if "value" not in r)
    if keys != wkeys or len(recs) - keys != len(want) - wkeys:
        t.fail("regfexport counts %d keys / %d values, manifest %d / %d"
               % (keys, len(recs) - keys, wkeys, len(want) - wkeys))
    if not ok:
        t.fail("regfexport disagrees with the manifest: " + why)
    print("regfexport agrees: %d keys, %d values" % (keys, len(recs) - keys))


def check_export(gen_dir, hive, hive_path, ntkit):
    t.need_ntkit_hive(ntkit)
    rc, out, err = t.ntkit_export(ntkit, hive_path)
    got = t.parse_jsonl(out, "ntkit export")
    diff = t.first_difference(got, manifest(gen_dir, hive), "ntkit", "manifest")
    if rc != 0:
        t.fail("ntkit hive export exit %d (stderr: %s)%s"
               % (rc, err.strip()[:500], "\n" + diff if diff else ""))
    if diff:
        t.fail("ntkit export differs from the manifest: " + diff)
    print("ntkit export equals the manifest: %d keys, %d values" % t.counts(got))


def check_subtree(gen_dir, hive, hive_path, ntkit):
    t.need_ntkit_hive(ntkit)
    man = manifest(gen_dir, hive)
    failures = []
    for asked, stored in SUBTREES.get(hive, []):
        want = [r for r in man if r["key"] == stored or r["key"].startswith(stored + "\\")]
        rc, out, err = t.ntkit_export(ntkit, hive_path, asked)
        got = t.parse_jsonl(out, "ntkit export %r" % asked)
        diff = t.first_difference(got, want, "ntkit", "manifest")
        if rc != 0 or diff:
            failures.append("export %r: exit %d%s %s" % (asked[:80], rc, (" (" + err.strip()[:200] + ")") if rc else "", diff or ""))
        else:
            print("export %r: %d records equal" % (asked[:80], len(got)))
    if hive == "features":
        for missing in MISSING_KEYS:
            rc, out, err = t.ntkit_export(ntkit, hive_path, missing)
            if rc != 1 or out.strip():
                failures.append("export of missing key %r: exit %d (want 1), %d bytes on stdout"
                                % (missing, rc, len(out)))
            else:
                print("export %r: exit 1, nothing printed" % missing)
    if failures:
        t.fail("\n".join(failures))


def check_reg(gen_dir, hive, hive_path, ntkit):
    t.need_ntkit_hive(ntkit)
    t.need_hivex()
    t.need_tool("hivexregedit")
    rc, out, err = t.ntkit_export(ntkit, hive_path, fmt="reg")
    if rc != 0:
        t.fail("ntkit hive export --format reg exit %d: %s" % (rc, err.strip()[:500]))
    with tempfile.TemporaryDirectory(prefix="ntkit-reg-") as tmp:
        reg = os.path.join(tmp, hive + ".reg")
        with open(reg, "wb") as f:
            f.write(out)
        text = out.decode("utf-16") if out[:2] == b"\xff\xfe" else out.decode("utf-8", errors="replace")
        first_key = next((ln.strip() for ln in text.splitlines() if ln.strip().startswith("[")), None)
        if first_key is None or not first_key.endswith("]"):
            t.fail("no [key] line in the .reg output")
        prefix = first_key[1:-1]  # the root key's path: maps to the new hive's root
        merged = os.path.join(tmp, "merged.hiv")
        shutil.copy(os.path.join(gen_dir, "empty.hiv"), merged)
        rc, mout, merr = t.run(["hivexregedit", "--merge", "--prefix", prefix, merged, reg], timeout=300)
        if rc != 0:
            t.fail("hivexregedit --merge --prefix %r exit %d: %s" % (prefix, rc, merr.strip()[:800]))
        got = t.oracle_dump(merged)

    def untimed(recs):
        return [{k: v for k, v in r.items() if k != "last_written"} for r in recs]
    diff = t.first_difference(untimed(got), untimed(manifest(gen_dir, hive)), "merged", "manifest")
    if diff:
        t.fail("the .reg export, merged by hivexregedit, does not give the hive back: " + diff)
    print("reg export merged by hivexregedit equals the manifest: %d keys, %d values" % t.counts(got))


# ------------------------------------------------------------------ get ---

GETS = {
    # (key, value): shown by `ntkit hive get`
    "features": [("", "RootDword"), ("", ""), ("names", None), ("types", "sz"),
                 ("types", "sz no terminator"), ("types", "sz odd length"), ("types", "link"),
                 ("types", "sz garbage after nul"), ("types", "expand sz"),
                 ("types", "dword"), ("types", "dword big endian"), ("types", "qword"),
                 ("types", "multi sz"), ("types", "multi sz empty strings"),
                 ("types", "multi sz no final terminator"), ("types", "multi sz no terminator at all"),
                 ("types", "dword short"), ("types", "qword short"), ("types", "binary 0"),
                 ("types", "binary 256"), ("types", "devprop type 0xffff0012"),
                 ("types", "binary 5"), ("types", "none"), ("names", "latin1 \xe4\xf6\xfc\xdf\xff"),
                 ("names", "pair \U0001F600 \U0001D11E"), ("NAMES\\mixed case", "no such value"),
                 ("names\\no such key", "x"),
                 ("lists\\ri-mixed\\hotel", "v"), ("bigdata", "16345")],
    "bulk": [("many lh\\k05000", "n"), ("many ri\\item10000_", "")],
}


def utf16_text(data):
    """A REG_SZ as text: up to the first NUL unit; an odd last byte dropped."""
    units = len(data) // 2
    s = data[:units * 2].decode("utf-16-le", errors="surrogatepass")
    return s.split("\0", 1)[0]


def hexdump_c(data):
    """`hexdump -v -C` without its final offset-only line: offset, 16 bytes
    in two groups of 8, then the printable ASCII between bars."""
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off:off + 16]
        cells = ["%02x" % b for b in chunk] + ["  "] * (16 - len(chunk))
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append("%08x  %s  %s  |%s|" % (off, " ".join(cells[:8]), " ".join(cells[8:]), text))
    return "\n".join(lines)


def expected_get(vtype, data):
    """The renderings of a value accepted from `ntkit hive get` (the output
    must equal one of them, after removing one final newline), following
    `ntkit hive get --help`:
      REG_SZ, REG_EXPAND_SZ, REG_LINK: the text up to the first NUL;
      REG_DWORD, REG_DWORD_BIG_ENDIAN of 4 bytes: "N (0xXXXXXXXX)";
      REG_QWORD of 8 bytes: "N (0x" 16 hex digits ")";
      REG_MULTI_SZ: one string per line. Two readings are accepted: Windows'
        (the list ends at the first empty string) and "every string, empty
        ones too, trailing NULs ignored" (what nthive.h documents);
      anything else, numbers of the wrong size included: hexdump -C lines.
    Empty data prints nothing."""
    if vtype in (1, 2, 6):
        return {utf16_text(data)}
    if vtype in (4, 5) and len(data) == 4:
        n = int.from_bytes(data, "little" if vtype == 4 else "big")
        return {"%d (0x%08x)" % (n, n)}
    if vtype == 11 and len(data) == 8:
        n = int.from_bytes(data, "little")
        return {"%d (0x%016x)" % (n, n)}
    if vtype == 7:
        text = data[:len(data) // 2 * 2].decode("utf-16-le", errors="surrogatepass")
        parts = text.split("\0")
        windows = []
        for p in parts:
            if p == "":
                break
            windows.append(p)
        every = list(parts)
        while every and every[-1] == "":
            every.pop()
        return {"\n".join(windows), "\n".join(every)}
    return {hexdump_c(data)}


def check_get(gen_dir, hive, hive_path, ntkit):
    t.need_ntkit_hive(ntkit)
    man = manifest(gen_dir, hive)
    values = {(r["key"], r["value"]): r for r in man if "value" in r}
    failures = []
    for key, name in GETS.get(hive, []):
        if name is not None and (key, name) not in values:  # must be "not found"
            rc, out, err = t.run([ntkit, "hive", "get", hive_path, key, name])
            if rc != 1 or out:
                failures.append("get %r %r: exit %d, %d bytes out; want exit 1 (not found)"
                                % (key, name, rc, len(out)))
            else:
                print("get %r %r: exit 1" % (key, name))
            continue
        # no VALUE argument: the key's default value
        r = values[(key, name if name is not None else "")]
        data = bytes.fromhex(r["data"])
        args = [key] + ([name] if name is not None else [])
        rc, out, err = t.run([ntkit, "hive", "get", hive_path] + args)
        text = out.decode("utf-8", errors="surrogateescape")
        if text.endswith("\n"):
            text = text[:-1]
        accepted = expected_get(r["type"], data)
        if rc != 0 or text not in accepted:
            failures.append("get %r %r (type %d): exit %d, printed %r; accepted: %s"
                            % (key, (name or "")[:40], r["type"], rc, text[:200],
                               " | ".join(repr(a[:80]) for a in sorted(accepted))))
        else:
            print("get %r %r: ok" % (key, (name or "")[:40]))
    if failures:
        t.fail("\n".join(failures))


def check_slash(gen_dir, hive, hive_path, ntkit):
    """'/' is an ordinary character in key names (MIME types under
    Classes\\MIME\\Database\\Content Type), not a path separator: the key
    names\\application/x-slash must be reachable by export KEY and get."""
    t.need_ntkit_hive(ntkit)
    man = manifest(gen_dir, hive)
    stored = "names\\application/x-slash"
    want = [r for r in man if r["key"] == stored]
    failures = []
    rc, out, err = t.ntkit_export(ntkit, hive_path, "NAMES\\Application/X-Slash")
    diff = t.first_difference(t.parse_jsonl(out, "export"), want, "ntkit", "manifest")
    if rc != 0 or diff:
        failures.append("export %r: exit %d %s %s" % (stored, rc, err.strip()[:200], diff or ""))
    rc, out, err = t.run([ntkit, "hive", "get", hive_path, stored, "Extension"])
    if rc != 0 or out.decode("utf-8", "replace").rstrip("\n") != ".slash":
        failures.append("get %r Extension: exit %d, printed %r %s" % (stored, rc, out[:80], err.strip()[:200]))
    if failures:
        t.fail("\n".join(failures))
    print("key names with '/' are found")


CHECKS = {"hivex": check_hivex, "regfexport": check_regfexport, "export": check_export,
          "subtree": check_subtree, "reg": check_reg, "get": check_get,
          "slash": check_slash}


def main(argv):
    if len(argv) not in (4, 5) or argv[1] not in CHECKS:
        sys.stderr.write(__doc__)
        return 2
    check, gen_dir, hive = argv[1], argv[2], argv[3]
    ntkit = argv[4] if len(argv) == 5 else ""
    hive_path = os.path.join(gen_dir, hive + ".hiv")
    if not os.path.exists(hive_path):
        t.fail("%s missing: the hive_fixtures target (gen_hives.py) did not run" % hive_path)
    CHECKS[check](gen_dir, hive, hive_path, ntkit)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
