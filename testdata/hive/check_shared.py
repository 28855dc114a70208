#!/usr/bin/python3
"""Checks `ntkit hive export --format jsonl` on one hive of the shared set.

Usage: check_shared.py SHARED_HIVES_DIR RELPATH NTKIT EXPECTATIONS.md

RELPATH is a file under SHARED_HIVES_DIR (the shared testdata's hives/
folder); a .xz file is decompressed into a temporary directory first.

 * When hivex (python3-hivex) reads the whole hive, ntkit must exit 0 and
   print exactly hivex's dump, record by record, in order.
 * Otherwise EXPECTATIONS.md must have a row for the file. Its "hivex"
   column is checked against what hivex really does (so the table stays
   true), and its "ntkit must" column says what ntkit must do:
     reject            exit 3, no records
     equal-or-partial  exit 0 and equal to hivex's dump, or exit 3 and the
                       records printed are a subsequence of hivex's dump
     partial ...       exit in `exit=` (default 3); the records hivex
                       printed before failing are a subsequence of ntkit's
                       output; every key ntkit prints is a key regfexport
                       prints, or hivex prints (also with
                       HIVEX_OPEN_UNSAFE), or a key of the `superset=` hive
                       (the clean hive the damaged one was made from), or
                       has a U+FFFD in its path (a name no oracle can
                       decode); with `extra=ok` other keys are allowed
                       (the oracles give up long before the damage ends)
     reject-or-repaired  exit 3 and no records, or (the reader goes past
                       the invalid base block) the same records as hivex
                       reads from a copy whose base block is repaired: hive
                       bins size = extent of the hbin chain, checksum
                       recomputed
     regf ...          exit 0 and, reduced to what regfexport shows (see
                       regf_oracle.py), equal to regfexport's records;
                       values named in `omit=` may be left out
Exit status: 0 pass, 1 fail, 77 skip.
"""
import lzma
import os
import re
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hivetest as t  # noqa: E402
import regf_oracle as ro  # noqa: E402


def read_expectations(md):
    """Rows of the table in EXPECTATIONS.md: {file: (hivex, must)}."""
    rows = {}
    with open(md, encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 4 or not cells[0].startswith("`"):
                continue
            rows[cells[0].strip("`")] = (cells[1], cells[3].strip("`"))
    return rows


def parse_must(text):
    words = text.split()
    kind = words[0]
    opts = {}
    for w in words[1:]:
        if "=" in w:
            k, v = w.split("=", 1)
            opts[k] = v
    return kind, opts


def hivex_dump(path, unsafe=False):
    """(status, records): status 'ok', 'open-fails' or 'walk-fails'; records
    are what hivex produced before failing. `unsafe` is HIVEX_OPEN_UNSAFE:
    hivex skips damaged parts where it can."""
    import hivex
    import oracle_dump as od
    try:
        h = hivex.Hivex(path, unsafe=unsafe)
    except Exception:
        return "open-fails", []
    out = []
    try:
        for r in od.records(h, h.root(), ""):
            out.append(r)
    except Exception:
        return "walk-fails", out
    return "ok", out


def is_subsequence(small, big):
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    shared, rel, ntkit, md = argv[1:]
    src = os.path.join(shared, rel)
    if not os.path.isdir(shared) or not os.path.exists(src):
        t.skip("shared test data not present (%s)" % src)
    t.need_hivex()
    t.need_ntkit_hive(ntkit)
    name = rel[:-3] if rel.endswith(".xz") else rel
    with tempfile.TemporaryDirectory(prefix="ntkit-shared-") as tmp:
        path = src
        if rel.endswith(".xz"):
            path = os.path.join(tmp, os.path.basename(name))
            with lzma.open(src) as fin, open(path, "wb") as fout:
                while True:
                    chunk = fin.read(1 << 20)
                    if not chunk:
                        break
                    fout.write(chunk)
        status, oracle = hivex_dump(path)
        rc, out, err = t.ntkit_export(ntkit, path, timeout=120)
        got = t.parse_jsonl(out, "ntkit export")
        print("%s: hivex %s (%d keys, %d values); ntkit exit %d (%d keys, %d values)"
              % (name, status, *t.counts(oracle), rc, *t.counts(got)))
        if rc not in (0, 1, 2, 3, 4):
            t.fail("ntkit died (exit %d): %s" % (rc, err.strip()[-800:]))

        rows = read_expectations(md)
        if status == "ok" and name not in rows:
            diff = t.first_difference(got, oracle, "ntkit", "hivex")
            if rc != 0:
                t.fail("hivex reads the hive, ntkit exit %d: %s%s"
                       % (rc, err.strip()[:500], "\n" + diff if diff else ""))
            if diff:
                t.fail("ntkit differs from hivex: " + diff)
            print("ntkit equals hivex")
            return 0
        if name not in rows:
            t.fail("hivex %s on this file and EXPECTATIONS.md has no row for it" % status)
        doc_hivex, must = rows[name]
        if not doc_hivex.startswith(status):
            t.fail("EXPECTATIONS.md says hivex %r, but hivex now gives %s" % (doc_hivex, status))
        kind, opts = parse_must(must)
        print("expectation: " + must)

        if kind == "reject":
            if rc != 3 or got:
                t.fail("must be rejected (exit 3, no records); got exit %d and %d records (stderr: %s)"
                       % (rc, len(got), err.strip()[:300]))
        elif kind == "equal-or-partial":
            if rc == 0:
                diff = t.first_difference(got, oracle, "ntkit", "hivex")
                if diff:
                    t.fail("exit 0 but not equal to hivex: " + diff)
            elif rc == 3:
                if not is_subsequence(got, oracle):
                    t.fail("exit 3 and the records are not all in hivex's dump")
            else:
                t.fail("exit %d (want 0 or 3): %s" % (rc, err.strip()[:300]))
        elif kind == "reject-or-repaired":
            if rc == 3 and not got:
                print("rejected")
            else:
                # ntkit read past the invalid base block: it must read what
                # hivex reads from a copy whose base block is repaired the
                # way a recovering reader sees it: the hive bins size set to
                # the extent of the chain of "hbin" headers (the effective
                # size) and the checksum recomputed.
                fixed = os.path.join(tmp, "repaired-base-block")
                with open(path, "rb") as f:
                    data = bytearray(f.read())
                end = 4096
                while end + 32 <= len(data) and data[end:end + 4] == b"hbin":
                    size = int.from_bytes(data[end + 8:end + 12], "little")
                    if size < 4096 or size % 4096:
                        break
                    end += size
                data[40:44] = (end - 4096).to_bytes(4, "little")
                csum = 0
                for i in range(0, 508, 4):
                    csum ^= int.from_bytes(data[i:i + 4], "little")
                csum = {0: 1, 0xFFFFFFFF: 0xFFFFFFFE}.get(csum, csum)
                data[508:512] = csum.to_bytes(4, "little")
                with open(fixed, "wb") as f:
                    f.write(data)
                st, fixed_recs = hivex_dump(fixed)
                if st != "ok":
                    t.fail("ntkit exit %d with %d records, and hivex cannot read even the "
                           "repaired copy (%s)" % (rc, len(got), st))
                diff = t.first_difference(got, fixed_recs, "ntkit", "hivex(repaired copy)")
                if diff:
                    t.fail("ntkit read the hive despite its invalid base block, but differs from hivex "
                           "on the repaired copy: " + diff)
                print("ntkit reads past the invalid base block and equals hivex on the repaired copy")
        elif kind == "partial":
            allowed = [int(x) for x in opts.get("exit", "3").split(",")]
            if rc not in allowed:
                t.fail("exit %d, want one of %s (stderr: %s)" % (rc, allowed, err.strip()[:300]))
            if not is_subsequence(oracle, got):
                missing = next((r for r in oracle if r not in got), None)
                t.fail("ntkit lost records hivex read before failing, e.g. %s" % (t.short(missing) if missing else "(order)"))
            rc2, regf, _ = ro.run(path)
            known = {r["key"] for r in regf if "value" not in r} | {""}
            for recs in (oracle, hivex_dump(path, unsafe=True)[1]):
                known |= {r["key"] for r in ro.reduce_export(recs) if "value" not in r}
            if "superset" in opts:
                sup = opts["superset"]
                sup_path = os.path.join(shared, sup)
                st2, sup_recs = hivex_dump(sup_path)
                known |= {r["key"] for r in ro.reduce_export(sup_recs) if "value" not in r}
            unknown = [r["key"] for r in ro.reduce_export(got)
                       if "value" not in r and r["key"] not in known and "\ufffd" not in r["key"]]
            if unknown and opts.get("extra") != "ok":
                t.fail("ntkit prints %d keys no oracle knows, e.g. %r" % (len(unknown), unknown[0]))
            if unknown:
                print("%d keys beyond what the oracles read (allowed by extra=ok)" % len(unknown))
        elif kind == "regf":
            if rc != 0:
                t.fail("exit %d, want 0 (stderr: %s)" % (rc, err.strip()[:300]))
            rc2, regf, rerr = ro.run(path)
            omit = set(opts.get("omit", "").split(",")) - {""}
            mine = ro.reduce_export(got)
            ok, why = ro.same(regf, mine)
            if not ok and omit:
                trimmed = [r for r in regf if not ("value" in r and r["value"] in omit)]
                ok, why2 = ro.same(trimmed, mine)
            if not ok:
                t.fail("differs from regfexport: " + why)
        else:
            t.fail("unknown expectation %r in EXPECTATIONS.md" % must)
        print("ntkit meets the expectation")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
