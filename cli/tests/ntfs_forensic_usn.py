#!/usr/bin/env python3
"""`ntkit ntfs usn --json` on a change journal built here.

ntfs-3g refuses to create files in $Extend (EPERM, also with
show_sys_files), so the journal is made in two steps:
  1. on a read-write ntfs-3g mount (streams_interface=windows) of a fresh
     mkntfs image, a file /usnjrnl0 gets a stream $J - a sparse head of
     HEAD bytes (written past the end, so ntfs-3g leaves a hole) followed
     by USN records - and a stream $Max;
  2. after the unmount, bytes of two MFT records are patched (update
     sequence fixups undone and redone): $Extend's index entry "$Reparse"
     becomes "$UsnJrnl" (same length, same place in the collation order)
     pointing at the new file's record, and that file's $FILE_NAME gets
     the name $UsnJrnl and $Extend as its parent. ($Reparse is then gone
     from the index and /usnjrnl0 stays in the root index: neither matters
     to a reader of the journal.)
The records are written by this script's own USN_RECORD_V2 / V3 writer,
from Microsoft's documented layouts (winioctl.h USN_RECORD_V2/V3: fields,
8-byte aligned RecordLength, records never across a 4 KiB page, Usn =
byte offset in $J); it writes a manifest of the records, and the test
compares `ntkit ntfs usn --json` with it, and with libfsntfs's
fsntfsinfo -U (usn, reasons, name, references) for the records that
version decodes (v2 only: it stops at the first v3).

usage: ntfs_forensic_usn.py NTKIT WORKDIR   (exit 77 = skipped)
"""
import datetime
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "testdata", "ntfs"))
import ntfs3g  # noqa: E402

SKIP = 77
HEAD = 3 * 65536           # sparse head of $J
PAGE = 4096
REASONS = {  # winioctl.h USN_REASON_*
    0x1: "DATA_OVERWRITE", 0x2: "DATA_EXTEND", 0x4: "DATA_TRUNCATION",
    0x100: "FILE_CREATE", 0x200: "FILE_DELETE", 0x800: "SECURITY_CHANGE",
    0x1000: "RENAME_OLD_NAME", 0x2000: "RENAME_NEW_NAME", 0x8000: "BASIC_INFO_CHANGE",
    0x80000000: "CLOSE",
}
EPOCH_DIFF = 11644473600   # seconds from 1601 to 1970


def usn_record(version, usn, file_ref, parent_ref, stamp, reason, attrs, name, sec_id=0,
               source=0):
    """One USN_RECORD_V2 or _V3, padded to a multiple of 8."""
    n = name.encode("utf-16-le")
    if version == 2:
        head = struct.pack("<IHHQQqqIIIIHH", 0, 2, 0, file_ref, parent_ref, usn, stamp,
                           reason, source, sec_id, attrs, len(n), 60)
        assert len(head) == 60
    else:
        # FILE_ID_128: the 64-bit reference in the low half.
        head = struct.pack("<IHH16s16sqqIIIIHH", 0, 3, 0, struct.pack("<QQ", file_ref, 0),
                           struct.pack("<QQ", parent_ref, 0), usn, stamp, reason, source,
                           sec_id, attrs, len(n), 76)
        assert len(head) == 76
    rec = head + n
    rec += b"\0" * (-len(rec) % 8)
    return struct.pack("<I", len(rec)) + rec[4:]


def build_journal():
    """Returns (bytes of $J after the head, manifest rows)."""
    events = [
        # version, file rec, file seq, parent rec, parent seq, reason, attrs, name
        (2, 64, 1, 5, 5, 0x100, 0x20, "report.docx"),
        (2, 64, 1, 5, 5, 0x100 | 0x2, 0x20, "report.docx"),
        (2, 64, 1, 5, 5, 0x100 | 0x2 | 0x80000000, 0x20, "report.docx"),
        (2, 65, 2, 5, 5, 0x1000, 0x20, "old name.txt"),
        (2, 65, 2, 5, 5, 0x2000, 0x20, "new name \u00e9\u4e2d.txt"),
        (3, 66, 7, 64, 1, 0x200 | 0x80000000, 0x10, "gone-dir"),
        (2, 67, 1, 5, 5, 0x8000 | 0x800 | 0x80000000, 0x2020, "x" * 200),
    ]
    # Enough records to cross a page boundary: the writer pads the page.
    for i in range(60):
        events.append((2 if i % 5 else 3, 100 + i, 1, 5, 5, 0x100 | 0x80000000, 0x20,
                       "file%03d.bin" % i))
    out = bytearray()
    rows = []
    stamp = (1700000000 + EPOCH_DIFF) * 10**7 + 1234567
    for k, (ver, fr, fs, pr, ps, reason, attrs, name) in enumerate(events):
        usn = HEAD + len(out)
        rec = usn_record(ver, usn, fr | fs << 48, pr | ps << 48, stamp, reason, attrs, name)
        if len(out) // PAGE != (len(out) + len(rec) - 1) // PAGE:
            out += b"\0" * (-len(out) % PAGE)
            usn = HEAD + len(out)
            rec = usn_record(ver, usn, fr | fs << 48, pr | ps << 48, stamp, reason, attrs, name)
        out += rec
        rows.append({"usn": usn, "version": ver, "filetime": stamp, "file_record": fr,
                     "file_sequence": fs, "parent_record": pr, "parent_sequence": ps,
                     "reason": sorted(v for b, v in REASONS.items() if reason & b),
                     "attributes": attrs, "name": name})
        stamp += 10**7 * (k + 1) + 31
    return bytes(out), rows


def fixup(rec, undo):
    """Undoes (undo=True) or redoes the update sequence of a FILE record."""
    usa_off, usa_count = struct.unpack_from("<HH", rec, 4)
    usn = rec[usa_off:usa_off + 2]
    for i in range(1, usa_count):
        end = i * 512 - 2
        if undo:
            assert rec[end:end + 2] == usn, "torn record"
            rec[end:end + 2] = rec[usa_off + 2 * i:usa_off + 2 * i + 2]
        else:
            rec[usa_off + 2 * i:usa_off + 2 * i + 2] = rec[end:end + 2]
            rec[end:end + 2] = usn


def find_record(img, recno):
    for off in range(0, len(img) - 1024, 512):
        if img[off:off + 4] == b"FILE" and struct.unpack_from("<I", img, off + 0x2C)[0] == recno:
            return off
    raise RuntimeError("MFT record %d not found" % recno)


def attrs_of(rec):
    off = struct.unpack_from("<H", rec, 0x14)[0]
    while off + 8 <= len(rec):
        typ, length = struct.unpack_from("<II", rec, off)
        if typ == 0xFFFFFFFF or length == 0:
            return
        yield typ, off, length
        off += length


def patch_image(path, src_rec):
    with open(path, "r+b") as f:
        img = bytearray(f.read())
        ext_off = find_record(img, 11)
        src_off = find_record(img, src_rec)
        ext = bytearray(img[ext_off:ext_off + 1024])
        src = bytearray(img[src_off:src_off + 1024])
        fixup(ext, True)
        fixup(src, True)
        ext_seq = struct.unpack_from("<H", ext, 0x10)[0]
        src_seq = struct.unpack_from("<H", src, 0x10)[0]
        old, new = "$Reparse".encode("utf-16-le"), "$UsnJrnl".encode("utf-16-le")
        # $Extend's $INDEX_ROOT ($I30): the entry whose key names $Reparse.
        pos = ext.find(old)
        assert pos > 0 and ext.find(old, pos + 1) < 0, "one $Reparse key expected"
        entry = pos - 0x42 - 0x10   # entry header (16) + $FILE_NAME up to the name
        assert struct.unpack_from("<Q", ext, entry + 0x10)[0] & 0xFFFFFFFFFFFF == 11
        ext[pos:pos + len(new)] = new
        struct.pack_into("<Q", ext, entry, src_rec | src_seq << 48)
        # The file's own $FILE_NAME: name and parent.
        for typ, off, _ in attrs_of(src):
            if typ == 0x30:
                val = off + struct.unpack_from("<H", src, off + 0x14)[0]
                assert src[val + 0x40] == 8, "source name must have 8 characters"
                struct.pack_into("<Q", src, val, 11 | ext_seq << 48)
                src[val + 0x42:val + 0x42 + 16] = new
        fixup(ext, False)
        fixup(src, False)
        img[ext_off:ext_off + 1024] = ext
        img[src_off:src_off + 1024] = src
        f.seek(0)
        f.write(img)


def filetime_iso(ft):
    secs, frac = divmod(ft, 10**7)
    t = datetime.datetime(1601, 1, 1) + datetime.timedelta(seconds=secs)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%07dZ" % frac


def main():
    ntkit, work = sys.argv[1], sys.argv[2]
    for tool in ("mkntfs", "ntfs-3g"):
        if not shutil.which(tool):
            print("SKIP: %s missing" % tool)
            return SKIP
    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        print("SKIP: needs root and /dev/fuse")
        return SKIP
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    img = os.path.join(work, "usn.img")
    with open(img, "wb") as f:
        f.truncate(16 << 20)
    subprocess.run(["mkntfs", "-q", "-F", "-f", "-c", "4096", img], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal, rows = build_journal()
    mnt = tempfile.mkdtemp(prefix="ntkit-usn-")
    proc = ntfs3g.mount(img, mnt)
    try:
        p = os.path.join(mnt, "usnjrnl0")
        open(p, "wb").close()
        fd = os.open(p + ":$J", os.O_WRONLY | os.O_CREAT)
        os.pwrite(fd, journal, HEAD)
        os.close(fd)
        with open(p + ":$Max", "wb") as f:   # USN_JOURNAL_DATA-like header
            f.write(struct.pack("<QQQQ", 32 << 20, 8 << 20, 0x01d7000000000000, 0))
        src_rec = os.stat(p).st_ino
    finally:
        ntfs3g.unmount(proc, mnt)
        os.rmdir(mnt)
    patch_image(img, src_rec)
    with open(os.path.join(work, "manifest.json"), "w") as f:
        json.dump(rows, f, indent=1)

    fails = []
    info = subprocess.run([ntkit, "ntfs", "stat", img, "/$Extend/$UsnJrnl", "--json"],
                          capture_output=True, text=True)
    if info.returncode:
        print("FAIL: stat /$Extend/$UsnJrnl: %s" % info.stderr.strip())
        return 1
    st = json.loads(info.stdout)
    jstreams = [a for a in st["attrs"] if a["type"] == "$DATA" and a["name"] == "$J"]
    if not jstreams or jstreams[0]["size"] != HEAD + len(journal):
        fails.append("$J stream missing or of the wrong size: %r" % jstreams)
    run = subprocess.run([ntkit, "ntfs", "usn", img, "--json"], capture_output=True, text=True)
    if run.returncode:
        fails.append("usn --json exit %d: %s" % (run.returncode, run.stderr.strip()))
    got = [json.loads(line) for line in run.stdout.splitlines()]
    if len(got) != len(rows):
        fails.append("%d records, manifest %d" % (len(got), len(rows)))
    for g, w in zip(got, rows):
        want = {"usn": w["usn"], "version": w["version"], "time": filetime_iso(w["filetime"]),
                "file_record": w["file_record"], "file_sequence": w["file_sequence"],
                "parent_record": w["parent_record"], "parent_sequence": w["parent_sequence"],
                "attributes": w["attributes"], "name": w["name"]}
        have = {k: g.get(k) for k in want}
        if have != want or sorted(g["reason"].split("|")) != w["reason"]:
            fails.append("record at usn %d: %r, manifest %r %r" % (w["usn"], g, want, w["reason"]))
            if len(fails) > 5:
                break
    text = subprocess.run([ntkit, "ntfs", "usn", img], capture_output=True, text=True).stdout
    if len(text.splitlines()) != len(rows):
        fails.append("text output: %d lines" % len(text.splitlines()))
    # libfsntfs finds the journal through $Extend too, and decodes version 2
    # records only: it stops at the first v3 ("unsupported major version").
    # The records it prints must be ours.
    if shutil.which("fsntfsinfo"):
        fs = subprocess.run(["fsntfsinfo", "-U", img], capture_output=True, text=True).stdout
        theirs = []
        for block in fs.split("USN record:")[1:]:
            kv = {}
            for line in block.splitlines():
                if ":" in line and line.startswith("\t") and not line.startswith("\t\t"):
                    k, v = line.split(":", 1)
                    kv[k.strip()] = v.strip()
            theirs.append((int(kv["Update sequence number"]),
                           int(kv["Update reason flags"], 16), kv["Name"],
                           kv["File reference"], kv["Parent file reference"]))
        first_v3 = next(i for i, w in enumerate(rows) if w["version"] == 3)
        if len(theirs) != first_v3:
            fails.append("fsntfsinfo -U printed %d records, expected the %d before the first v3"
                         % (len(theirs), first_v3))
        for t, g in zip(theirs, got):
            mine = (g["usn"], sum(b for b, v in REASONS.items() if v in g["reason"].split("|")),
                    g["name"], "%d-%d" % (g["file_record"], g["file_sequence"]),
                    "%d-%d" % (g["parent_record"], g["parent_sequence"]))
            if mine != t:
                fails.append("fsntfsinfo -U: %r, ntkit %r" % (t, mine))
    for f in fails:
        print("FAIL: " + f)
    if not fails:
        print("ok: %d records (v2 and v3) after a %d-byte sparse head" % (len(rows), HEAD))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
