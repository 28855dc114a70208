#!/usr/bin/env python3
"""Compares `ntkit ntfs timeline IMAGE` with `fls -r -m / IMAGE` (sleuthkit).

Both are body files (MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime).
Each line is reduced to (name, record, is-$FILE_NAME, atime, mtime, ctime,
crtime) and the two sets must be equal. Normalisations, each for a reason:
  - inode "REC-TYPE-ID" -> REC, plus whether TYPE is 48 ($FILE_NAME line):
    ntkit does not number attribute ids;
  - mode, UID, GID and size are dropped: fls puts the security id in UID,
    a "-/" type for unallocated entries, and for $FILE_NAME lines the size
    of the attribute, not of the file;
  - fls lines for named streams ("name:stream") count as the file's own
    line: ntkit writes one $STANDARD_INFORMATION line per name (the times
    are the same); fls also lists a directory's streams a second time
    under "dir/.:stream" when it recurses into it: that is the directory;
  - a FILETIME of 0 is 0 ("no time") in ntkit; fls 4.x writes it as
    3373865674 (its 32-bit conversion wraps): mapped to 0;
  - fls's virtual "$OrphanFiles" directory is dropped;
  - fls lines whose inode names no attribute ("16" instead of "16-128-1")
    and whose times are all 0 are dropped: fls writes them for records
    without a $STANDARD_INFORMATION (mkntfs's extension record of $MFT),
    where ntkit writes only the $FILE_NAME line;
  - fls "$OrphanFiles/OrphanFile-N" lines (records without any name) are
    dropped: ntkit lists only records that hold a name;
  - fls lines for deleted names whose record has been reused since (fls
    finds them in directory index slack; the record holds another file)
    are dropped: ntkit reads names from MFT records only;
  - ntkit's $FILE_NAME lines of a record whose $FILE_NAME lives in an
    extension record, as istat's attribute list shows ("Type: 48-N  MFT
    Entry: M" with M another record), are not expected from fls: sleuthkit
    4.11 loads no $FILE_NAME from extension records (istat lists none under
    "Attributes" either), so fls writes no such line.
Exit 77 when an input is missing (skip)."""
import os
import subprocess
import sys


def norm(lines, peer):
    out = set()
    for line in lines:
        f = line.rstrip("\n").split("|")
        if len(f) != 11:
            continue
        name = f[1]
        fn = " ($FILE_NAME)" in name
        deleted = name.endswith(" (deleted)")
        base = name.replace(" (deleted)", "").replace(" ($FILE_NAME)", "")
        if peer:
            if "/$OrphanFiles/OrphanFile-" in base:
                continue
            if base == "/$OrphanFiles":
                continue
            if not fn and "-" not in f[2] and all(t in ("0", "3373865674") for t in f[7:11]):
                continue
            head, _, leaf = base.rpartition("/")
            if ":" in leaf and not fn:
                leaf = leaf.split(":", 1)[0]
                base = head if leaf == "." else head + "/" + leaf
            f[7:11] = ["0" if t == "3373865674" else t for t in f[7:11]]
        rec = int(f[2].split("-")[0])
        out.add((base, rec, fn, deleted, f[7], f[8], f[9], f[10]))
    return out


def main():
    ntkit, image = sys.argv[1], sys.argv[2]
    extra = sys.argv[3:]  # e.g. --offset 65536 / -o 128 pairs: ntkit args first, then '--', fls args
    if not os.path.exists(image):
        print("skip: no image", image)
        return 77
    if "--" in extra:
        i = extra.index("--")
        nk_args, fls_args = extra[:i], extra[i + 1:]
    else:
        nk_args, fls_args = extra, []
    ours = subprocess.run([ntkit, "ntfs", "timeline", image] + nk_args, capture_output=True,
                          text=True, errors="replace")
    if ours.returncode != 0:
        print("ntkit failed", ours.returncode, ours.stderr)
        return 1
    peer = subprocess.run(["fls", "-r", "-m", "/"] + fls_args + [image], capture_output=True,
                          text=True, errors="replace")
    if peer.returncode != 0:
        print("fls failed", peer.stderr)
        return 1
    a = norm(ours.stdout.splitlines(), False)
    b = norm(peer.stdout.splitlines(), True)
    # Deleted names fls found in index slack whose record holds another file.
    ours_recs = {(x[0], x[1]) for x in a}
    b = {x for x in b if not (x[3] and (x[0], x[1]) not in ours_recs and x[1] in {y[1] for y in a if not y[3]})}
    # $FILE_NAME lines sleuthkit cannot write (see above), per istat.
    for rec in sorted({x[1] for x in a - b if x[2]}):
        st = subprocess.run(["istat"] + fls_args + [image, str(rec)], capture_output=True,
                            text=True, errors="replace").stdout
        if any(l.startswith("Type: 48-") and "MFT Entry: " in l and
               int(l.split("MFT Entry:")[1].split()[0]) != rec for l in st.splitlines()):
            a = {x for x in a if not (x[1] == rec and x[2] and x not in b)}
    if a != b:
        for x in sorted(a - b)[:30]:
            print("only ntkit:", x)
        for x in sorted(b - a)[:30]:
            print("only fls:  ", x)
        print(len(a - b), "lines only in ntkit,", len(b - a), "only in fls")
        return 1
    print(len(a), "timeline entries match fls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
