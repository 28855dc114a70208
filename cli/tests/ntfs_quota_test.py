#!/usr/bin/env python3
"""`ntkit ntfs stat` shows the owner's quota entry where quotas track the
file. Windows volumes hold the defaults entry (owner id 1) and the
Administrators entry (owner id 0x100, S-1-5-32-544) in $Extend\\$Quota:$Q,
both without warning level or limit, even when quotas are off (files then
carry owner id 0). The test takes a copy of a Windows 10 image from the
shared test data (msuhanov's ntfs-lastaccess: an MBR disk, the volume at
sector 128), finds /test/1.txt with sleuthkit's ifind, sets the owner id in
its $STANDARD_INFORMATION by hand (parsing the MFT record itself, from the
format), and checks that stat reports the Administrators entry for 0x100,
none for an owner id $Quota does not know, and that istat reads the owner id
that was written.

usage: ntfs_quota_test.py NTKIT SHARED_TESTDATA_DIR"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SKIP = 77
SECTOR_OFFSET = 128  # the partition's first sector (SOURCES.md)
ntkit = sys.argv[1]
shared = sys.argv[2] if len(sys.argv) > 2 else ""
fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        fails += 1


def si_owner_offset(img, base, recno):
    """Byte offset in the image of the owner id in a record's $STANDARD_INFORMATION."""
    with open(img, "rb") as f:
        f.seek(base)
        boot = f.read(512)
        bps = struct.unpack_from("<H", boot, 11)[0]
        cluster = bps * boot[13]
        mft_lcn = struct.unpack_from("<Q", boot, 0x30)[0]
        c = struct.unpack_from("<b", boot, 0x40)[0]
        recsize = c * cluster if c > 0 else 1 << -c
        # Records below 16 sit in the first, contiguous run of $MFT; past
        # that the test relies on the image's $MFT being contiguous, which
        # a freshly formatted 256 MiB volume's is (checked by istat below).
        rec_off = base + mft_lcn * cluster + recno * recsize
        f.seek(rec_off)
        rec = f.read(recsize)
    assert rec[:4] == b"FILE", "record %d at %d" % (recno, rec_off)
    a = struct.unpack_from("<H", rec, 0x14)[0]
    while a + 8 <= len(rec):
        atype, alen = struct.unpack_from("<II", rec, a)
        if atype == 0xFFFFFFFF:
            break
        if atype == 0x10:
            vlen, voff = struct.unpack_from("<IH", rec, a + 0x10)
            assert vlen >= 0x48, "NTFS 3.x $STANDARD_INFORMATION"
            off = a + voff + 0x30
            # The update sequence number sits in the last two bytes of every
            # sector; the field must not overlap one.
            assert off % bps < bps - 6
            return rec_off + off
        a += alen
    raise RuntimeError("no $STANDARD_INFORMATION in record %d" % recno)


def main():
    src = os.path.join(shared, "ntfs", "ntfs-lastaccess.raw.gz")
    if not shared or not os.path.exists(src):
        print("SKIP: shared test data (ntfs-lastaccess.raw.gz) not present")
        sys.exit(SKIP)
    if not all(shutil.which(t) for t in ("ifind", "istat")):
        print("SKIP: sleuthkit not installed")
        sys.exit(SKIP)
    with tempfile.TemporaryDirectory() as tmp:
        img = os.path.join(tmp, "q.img")
        with gzip.open(src, "rb") as g, open(img, "wb") as f:
            shutil.copyfileobj(g, f, 1 << 20)
        o = str(SECTOR_OFFSET)
        recno = int(subprocess.run(["ifind", "-o", o, "-n", "/test/1.txt", img], capture_output=True,
                                   text=True, check=True).stdout.split("-")[0])
        at = si_owner_offset(img, SECTOR_OFFSET * 512, recno)
        for owner, want in ((0x100, {"bytes_used": 0, "threshold": None, "limit": None}), (0x1234, None)):
            with open(img, "r+b") as f:
                f.seek(at)
                f.write(struct.pack("<I", owner))
            i = subprocess.run(["istat", "-o", o, img, str(recno)], capture_output=True, text=True)
            check("Owner ID: %d" % owner in i.stdout, "istat reads the owner id %#x that was written" % owner)
            r = subprocess.run([ntkit, "ntfs", "stat", img, "/test/1.txt", "--json"], capture_output=True)
            st = json.loads(r.stdout) if r.returncode == 0 else {}
            check(st.get("owner_id") == owner, "stat --json: owner_id %#x" % owner)
            check(st.get("quota") == want, "stat --json: quota of owner %#x is %r (got %r)"
                  % (owner, want, st.get("quota")))
            t = subprocess.run([ntkit, "ntfs", "stat", img, "/test/1.txt"], capture_output=True, text=True)
            lines = [ln for ln in t.stdout.splitlines() if ln.startswith("quota:")]
            if want:
                check(lines == ["quota:         0 bytes used by owner %d (warning at none, limit none)" % owner],
                      "stat: one quota line for owner %#x (%r)" % (owner, lines))
            else:
                check(not lines, "stat: no quota line for an owner $Quota does not know")
    sys.exit(1 if fails else 0)


main()
