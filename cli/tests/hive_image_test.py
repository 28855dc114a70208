#!/usr/bin/env python3
"""Hives read straight out of NTFS images: `ntkit hive ... IMAGE::PATH`.

usage: hive_image_test.py MODE NTKIT SAMPLE_DIR [SHARED_TESTDATA | NTKITFS [SHARED_TESTDATA]]

MODE
  sample  the bundled sample (testdata/sample): every registry value in its
          manifest read back (export; `get` for each type), the
          hive bytes equal the manifest's sha256 (through `hive replay` of a
          clean hive, which copies it), a gzip-compressed host hive reads like
          the plain one, and the error paths: missing image (exit 1), missing
          path inside it (1), a directory (2), not NTFS (3), a damaged MFT
          record (3, with the record number) and a truncated .gz image.
  oracle  sleuthkit's `icat` extracts the hive and `ntkit hive export` of
          IMAGE::PATH equals the export of that copy byte for byte, on the
          sample and on a generated image (mkntfs + ntfs-3g, root only) that
          holds dirty hives with their logs (names in another case), a hive
          in an LZNT1-compressed directory and one written interleaved with
          another file; the logs beside
          IMAGE::PATH are picked up and the result equals the replay of the
          host copies (`hive replay` byte-identical, export identical,
          `info` names the logs).
  fuse    `ntkitfs --hive IMAGE::PATH MNT` shows the keys `ntkit hive ls -R`
          prints, and values hold the bytes `hive get --raw` prints; a dirty
          hive is mounted with its logs applied (shared data).
Exit 77 when a tool, root or the data is missing.
"""
import gzip
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "ntfs"))
import ntfs3g  # noqa: E402

mode, ntkit, sample_dir = sys.argv[1], sys.argv[2], sys.argv[3]
extra = sys.argv[4] if len(sys.argv) > 4 else ""
MAN = json.load(open(os.path.join(sample_dir, "sample-ntfs.json")))
SAMPLE = os.path.join(sample_dir, MAN["image"])
CONFIG = "/Windows/System32/config"
fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        fails += 1


def hive(*args):
    return subprocess.run([ntkit, "hive", *args], capture_output=True, timeout=120)


def skip(why):
    print("skip: " + why)
    sys.exit(77)


def one_line_error(r, *needles):
    lines = r.stderr.decode("utf-8", "replace").strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("ntkit: ") and all(n in lines[0] for n in needles)


def expected_text(rec):
    """What `ntkit hive get` prints for a manifest record (`get --help`):
    strings as text, DWORD/QWORD as "N (0x...)", MULTI_SZ one per line."""
    t, d = rec["type"], rec["data"]
    if t in ("REG_SZ", "REG_EXPAND_SZ"):
        return d + "\n"
    if t == "REG_DWORD":
        return "%d (0x%08x)\n" % (d, d)
    if t == "REG_QWORD":
        return "%d (0x%016x)\n" % (d, d)
    if t == "REG_MULTI_SZ":
        return "".join(s + "\n" for s in d)
    return None  # binary: checked with --raw only


# ------------------------------------------------------------------ sample


def mft_record_of(raw, name):
    """(byte offset, record number) of the MFT record whose $FILE_NAME is
    `name`, found from the boot sector: $MFT starts at mft_lcn * cluster
    size and records are 1 KiB (mkntfs' default) and contiguous early on."""
    bps = struct.unpack_from("<H", raw, 11)[0]
    spc = raw[13]
    cluster = bps * spc
    mft = struct.unpack_from("<Q", raw, 48)[0] * cluster
    for n in range(16, 256):
        off = mft + n * 1024
        rec = raw[off:off + 1024]
        if rec[:4] != b"FILE":
            continue
        a = struct.unpack_from("<H", rec, 20)[0]  # first attribute
        while a + 16 <= len(rec):
            atype, alen = struct.unpack_from("<II", rec, a)
            if atype == 0xFFFFFFFF or alen < 16 or a + alen > len(rec):
                break
            if atype == 0x30:  # $FILE_NAME (always resident)
                v = a + struct.unpack_from("<H", rec, a + 20)[0]
                nlen = rec[v + 64]
                if rec[v + 66:v + 66 + 2 * nlen].decode("utf-16-le", "replace") == name:
                    return off, n
            a += alen
    return None, None


def test_sample(tmp):
    img = SAMPLE
    # Every value the generator wrote: the export of each hive holds exactly
    # the manifest's values (type and bytes) ...
    codes = {"REG_SZ": 1, "REG_EXPAND_SZ": 2, "REG_BINARY": 3, "REG_DWORD": 4, "REG_MULTI_SZ": 7, "REG_QWORD": 11}
    for name, h in MAN["hives"].items():
        r = hive("export", "--format", "jsonl", img + "::" + h["path"])
        got = sorted((x["key"], x["value"], x["type"], x["data"]) for x in
                     (json.loads(ln) for ln in r.stdout.decode().splitlines()) if "value" in x)
        want = sorted((m["key"], m["value"], codes[m["type"]], m["data_hex"]) for m in MAN["registry"]
                      if m["hive"] == name)
        check(r.returncode == 0 and got == want and len(want) > 5,
              "%s: export of IMAGE::PATH has the manifest's %d values" % (name, len(want)))
    # ... and `get` by path prints each type as `get --help` says (the
    # first value of each type and hive: every call inflates the image).
    seen = set()
    for rec in MAN["registry"]:
        if (rec["hive"], rec["type"]) in seen:
            continue
        seen.add((rec["hive"], rec["type"]))
        spec = "%s::%s/%s" % (img, CONFIG, rec["hive"])
        want = expected_text(rec)
        r = hive("get", *(["--raw"] if want is None else []), spec, rec["key"], rec["value"])
        if want is None:
            ok = r.stdout == bytes.fromhex(rec["data_hex"])
        else:
            ok = r.stdout.decode("utf-8") == want
        check(r.returncode == 0 and ok, "get %s %s\\%s %s (got %r)" % (rec["hive"], rec["key"], rec["value"],
                                                                     rec["type"], r.stdout[:80]))
    # Windows-style spelling: '\' and another case resolve the same file.
    r = hive("get", img + "::\\windows\\SYSTEM32\\Config\\system", "Select", "Current")
    check(r.returncode == 0 and r.stdout == b"1 (0x00000001)\n", "IMAGE::\\windows\\SYSTEM32\\Config\\system")
    # The bytes: a clean hive is copied unchanged by replay.
    for name, h in MAN["hives"].items():
        out = os.path.join(tmp, name)
        r = hive("replay", img + "::" + h["path"], out)
        data = open(out, "rb").read() if os.path.exists(out) else b""
        check(r.returncode == 0 and hashlib.sha256(data).hexdigest() == h["sha256"] and len(data) == h["size"],
              "%s read out of the image has the manifest's size and sha256" % name)
        # The same hive gzip-compressed on the host reads the same.
        with gzip.open(out + ".gz", "wb") as g:
            g.write(data)
        a = hive("export", "--format", "jsonl", out)
        b = hive("export", "--format", "jsonl", out + ".gz")
        c = hive("export", "--format", "jsonl", img + "::" + h["path"])
        check(a.returncode == 0 and a.stdout and a.stdout == b.stdout == c.stdout,
              "%s: export of host file, host .gz and IMAGE::PATH identical" % name)
    # Errors: one line naming the spec, and the exit code.
    spec = os.path.join(tmp, "missing.img") + "::" + CONFIG + "/SYSTEM"
    r = hive("ls", spec)
    check(r.returncode == 1 and one_line_error(r, spec, "no image file"), "missing image: exit 1, one line")
    spec = img + "::" + CONFIG + "/NOSUCHHIVE"
    r = hive("info", spec)
    check(r.returncode == 1 and one_line_error(r, spec, "no such file"), "missing path in the image: exit 1")
    r = hive("get", img + "::/Windows/NoDir/SYSTEM", "Select", "Current")
    check(r.returncode == 1 and one_line_error(r, "no such file"), "missing directory in the image: exit 1")
    spec = img + "::" + CONFIG
    r = hive("ls", spec)
    check(r.returncode == 2 and one_line_error(r, spec, "is a directory"), "a directory in the image: exit 2")
    notntfs = os.path.join(tmp, "notntfs.img")
    with open(notntfs, "wb") as f:
        f.write(b"\x00" * 65536)
    spec = notntfs + "::" + CONFIG + "/SYSTEM"
    r = hive("export", spec)
    check(r.returncode == 3 and one_line_error(r, spec, "not an NTFS volume"), "not NTFS: exit 3")
    raw = gzip.open(img).read()
    off, recno = mft_record_of(raw, "SYSTEM")
    check(off is not None, "found the SYSTEM hive's MFT record in the sample")
    if off is not None:
        bad = bytearray(raw)
        bad[off + 510] ^= 0xFF  # the first sector's update-sequence slot: a torn record
        damaged = os.path.join(tmp, "damaged.img")
        open(damaged, "wb").write(bad)
        spec = damaged + "::" + CONFIG + "/SYSTEM"
        r = hive("get", spec, "Select", "Current")
        check(r.returncode == 3 and one_line_error(r, spec, "MFT record %d" % recno) and re.search(
            rb" at 0x[0-9a-f]+", r.stderr), "damaged MFT record: exit 3, offset and record number (%r)"
              % r.stderr[:200])
        r = hive("get", damaged + "::" + CONFIG + "/SOFTWARE", "Microsoft\\Windows NT\\CurrentVersion",
                 "ProductName")
        check(r.returncode == 0 and r.stdout == b"Windows 10 Pro\n", "the other hive of that image still reads")
    trunc = os.path.join(tmp, "truncated.img.gz")
    open(trunc, "wb").write(open(img, "rb").read()[:20000])
    spec = trunc + "::" + CONFIG + "/SYSTEM"
    r = hive("ls", spec)
    check(r.returncode in (3, 4) and one_line_error(r, spec), "truncated .gz image: exit 3/4, one line (%d %r)"
          % (r.returncode, r.stderr[:200]))
    # IMAGE@N on a bare volume: there is no partition table.
    r = hive("ls", img + "@2::" + CONFIG + "/SYSTEM")
    check(r.returncode == 1 and one_line_error(r, "partition"), "IMAGE@2 of a bare volume: exit 1")


# ------------------------------------------------------------------ oracle


def need(*tools):
    for t in tools:
        if not shutil.which(t):
            skip(t + " not installed")


def icat(image, path, out):
    """Extracts `path` with sleuthkit: ifind -n finds the inode, icat reads."""
    r = subprocess.run(["ifind", "-n", path, image], capture_output=True, timeout=60)
    inode = r.stdout.decode().strip()
    if r.returncode != 0 or not inode.isdigit():
        raise RuntimeError("ifind -n %s: %r %r" % (path, r.stdout, r.stderr))
    with open(out, "wb") as f:
        subprocess.run(["icat", image, inode], stdout=f, check=True, timeout=60)


def same_as_icat(image, spec_image, path, tmp, what):
    host = os.path.join(tmp, "icat-" + os.path.basename(path))
    icat(image, path, host)
    a = hive("export", "--no-logs", "--format", "jsonl", host)
    b = hive("export", "--no-logs", "--format", "jsonl", spec_image + "::" + path)
    check(a.returncode == 0 and len(a.stdout) > 0 and a.stdout == b.stdout,
          "%s: export of IMAGE::%s == export of icat's copy (%d / %d bytes)" % (what, path, len(a.stdout),
                                                                               len(b.stdout)))
    return host


def ntfs3g_rw(img):
    return ntfs3g.mounted(img, "compression", prefix="ntkit-hive-image-")


def test_oracle(tmp):
    need("icat", "ifind")
    raw = os.path.join(tmp, "sample.img")
    with gzip.open(SAMPLE) as g, open(raw, "wb") as f:
        f.write(g.read())
    for name, h in MAN["hives"].items():
        same_as_icat(raw, SAMPLE, h["path"], tmp, "sample " + name)
    shared = os.path.join(extra, "hives") if extra else ""
    if not shared or not os.path.isdir(shared):
        print("no shared hives: generated-image part skipped")
        return
    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        print("not root or no /dev/fuse: generated-image part skipped")
        return
    need("mkntfs", "ntfs-3g")
    y = os.path.join(shared, "yarp")
    img = os.path.join(tmp, "gen.img")
    with open(img, "wb") as f:
        f.truncate(16 << 20)
    subprocess.run(["mkntfs", "-F", "-q", "-Q", "-c", "4096", img], check=True, capture_output=True)
    host = os.path.join(tmp, "host")
    os.makedirs(os.path.join(host, "new"))
    os.makedirs(os.path.join(host, "old"))
    # Host copies with the names the image gets: the replay oracle.
    for src, dst in (("NewDirtyHive1/NewDirtyHive", "new/SYSTEM"), ("NewDirtyHive1/NewDirtyHive.LOG1",
                                                                    "new/SYSTEM.LOG1"),
                     ("NewDirtyHive1/NewDirtyHive.LOG2", "new/system.log2"),
                     ("OldDirtyHive/OldDirtyHive", "old/SOFTWARE"), ("OldDirtyHive/OldDirtyHive.LOG1",
                                                                    "old/Software.Log1")):
        shutil.copy(os.path.join(y, src), os.path.join(host, dst))
    big = os.path.join(shared, "plaso", "NTUSER-RunTests.DAT")
    with ntfs3g_rw(img) as mnt:
        cfg = os.path.join(mnt, "Windows", "System32", "config")
        os.makedirs(cfg)
        for f in ("SYSTEM", "SYSTEM.LOG1", "system.log2"):
            shutil.copy(os.path.join(host, "new", f), os.path.join(cfg, f))
        os.makedirs(os.path.join(mnt, "old"))
        for f in ("SOFTWARE", "Software.Log1"):
            shutil.copy(os.path.join(host, "old", f), os.path.join(mnt, "old", f))
        if os.path.exists(big):
            # LZNT1: files created in a compressed directory are compressed.
            comp = os.path.join(mnt, "Users", "comp")
            os.makedirs(comp)
            os.setxattr(comp, "system.ntfs_attrib_be", (0x810).to_bytes(4, "big"))
            shutil.copy(big, os.path.join(comp, "NTUSER.DAT"))
            # Fragmented: interleave two growing files.
            frag = os.path.join(mnt, "Users", "frag")
            os.makedirs(frag)
            data = open(big, "rb").read()
            with open(os.path.join(frag, "NTUSER.DAT"), "wb") as a, open(os.path.join(frag, "filler"), "wb") as b:
                for i in range(0, len(data), 8192):
                    a.write(data[i:i + 8192])
                    a.flush()
                    os.fsync(a.fileno())
                    b.write(b"\xAA" * 8192)
                    b.flush()
                    os.fsync(b.fileno())
    for p in (CONFIG + "/SYSTEM", "/old/SOFTWARE"):
        same_as_icat(img, img, p, tmp, "generated")
    if os.path.exists(big):
        for p in ("/Users/comp/NTUSER.DAT", "/Users/frag/NTUSER.DAT"):
            c = same_as_icat(img, img, p, tmp, "generated")
            check(open(c, "rb").read() == open(big, "rb").read(), "icat's copy of %s is the original" % p)
        r = subprocess.run(["istat", img, subprocess.run(["ifind", "-n", "/Users/comp/NTUSER.DAT", img],
                                                         capture_output=True).stdout.decode().strip()],
                           capture_output=True)
        check(b"Compressed" in r.stdout or b"compressed" in r.stdout.lower(), "the copy under /Users/comp is "
              "stored compressed (istat)")
    # Logs beside IMAGE::PATH: picked up, names in any case, result equals
    # the replay of the host copies.
    for inner, hostp, logs in ((CONFIG + "/SYSTEM", "new/SYSTEM", ["SYSTEM.LOG1", "system.log2"]),
                               ("/old/SOFTWARE", "old/SOFTWARE", ["Software.Log1"])):
        spec = img + "::" + inner
        a = os.path.join(tmp, "img-replay")
        b = os.path.join(tmp, "host-replay")
        ra = hive("replay", spec, a)
        rb = hive("replay", os.path.join(host, hostp), b)
        check(ra.returncode == 0 and rb.returncode == 0 and open(a, "rb").read() == open(b, "rb").read(),
              "replay %s inside the image == replay of the host copies (%r)" % (inner, ra.stderr[:200]))
        ea = hive("export", "--format", "jsonl", spec)
        eb = hive("export", "--format", "jsonl", os.path.join(host, hostp))
        en = hive("export", "--no-logs", "--format", "jsonl", spec)
        check(ea.returncode == 0 and ea.stdout == eb.stdout and ea.stdout != en.stdout,
              "export %s: logs applied by default, as beside a host file; --no-logs differs" % inner)
        info = hive("info", spec)
        text = info.stdout.decode("utf-8", "replace")
        check(info.returncode == 0 and "replayed from " + " ".join(logs) in text,
              "info %s names the logs found in the image: %s" % (inner,
                                                                  [ln for ln in text.splitlines() if "logs:" in ln]))
        info = hive("info", "--no-logs", spec)
        check("dirty, not replayed: --no-logs given" in info.stdout.decode(), "info --no-logs %s" % inner)
    # yarp's ground truth: Windows' own replay of NewDirtyHive.
    truth = os.path.join(y, "NewDirtyHive1", "RecoveredHive_Windows10")
    ea = hive("export", "--format", "jsonl", img + "::" + CONFIG + "/SYSTEM")
    et = hive("export", "--format", "jsonl", truth)
    strip = lambda out: [json.loads(x) for x in out.decode().splitlines() if "value" in json.loads(x)]
    check(ea.returncode == 0 and strip(ea.stdout) == strip(et.stdout),
          "values of SYSTEM in the image, logs applied == Windows' recovered hive")


# -------------------------------------------------------------------- fuse


def test_fuse(tmp):
    ntkitfs = extra
    if not ntkitfs or not os.path.exists(ntkitfs):
        skip("ntkitfs not built")
    if not os.path.exists("/dev/fuse") or not shutil.which("fusermount3"):
        skip("no /dev/fuse or fusermount3")
    for name, h in MAN["hives"].items():
        spec = SAMPLE + "::" + h["path"]
        mnt = os.path.join(tmp, "mnt-" + name)
        os.mkdir(mnt)
        r = subprocess.run([ntkitfs, "--hive", spec, mnt], capture_output=True, timeout=60)
        if r.returncode != 0:
            check(False, "ntkitfs --hive %s: exit %d %r" % (spec, r.returncode, r.stderr[:200]))
            continue
        try:
            keys = []
            for root, dirs, files in os.walk(mnt):
                rel = os.path.relpath(root, mnt)
                if rel != ".":
                    keys.append(rel.replace("/", "\\"))
            ls = hive("ls", "-R", spec)
            want = [ln[:-1] for ln in ls.stdout.decode().splitlines()]
            check(ls.returncode == 0 and sorted(keys) == sorted(want) and len(want) > 3,
                  "%s: the mount's directories are the keys of `hive ls -R` (%d)" % (name, len(want)))
            for rec in MAN["registry"]:
                if rec["hive"] != name:
                    continue
                p = os.path.join(mnt, *rec["key"].split("\\"), rec["value"])
                got = open(p, "rb").read() if os.path.exists(p) else None
                check(got == bytes.fromhex(rec["data_hex"]), "%s: file %s\\%s holds the value's bytes"
                      % (name, rec["key"], rec["value"]))
        finally:
            subprocess.run(["fusermount3", "-u", mnt], capture_output=True)
    # A dirty hive with its logs: mounted replayed, as `ntkit hive` reads it.
    y = os.path.join(sys.argv[5], "hives", "yarp", "NewDirtyHive1") if len(sys.argv) > 5 else ""
    if y and os.path.isdir(y):
        d = os.path.join(tmp, "dirty")
        os.mkdir(d)
        for f in ("NewDirtyHive", "NewDirtyHive.LOG1", "NewDirtyHive.LOG2"):
            shutil.copy(os.path.join(y, f), os.path.join(d, f.replace("NewDirtyHive", "NTUSER.DAT")))
        spec = os.path.join(d, "NTUSER.DAT")
        mnt = os.path.join(tmp, "mnt-dirty")
        os.mkdir(mnt)
        r = subprocess.run([ntkitfs, "--hive", spec, mnt], capture_output=True, timeout=60)
        if r.returncode != 0:
            check(False, "ntkitfs --hive dirty hive: exit %d %r" % (r.returncode, r.stderr[:200]))
        else:
            try:
                keys = sorted(os.path.relpath(root, mnt).replace("/", "\\") for root, _, _ in os.walk(mnt)
                              if root != mnt)
                ls = hive("ls", "-R", spec)
                nolog = hive("ls", "-R", "--no-logs", spec)
                want = sorted(ln[:-1] for ln in ls.stdout.decode().splitlines())
                check(ls.returncode == 0 and keys == want and ls.stdout != nolog.stdout and b"replayed" in r.stderr,
                      "ntkitfs --hive on a dirty hive: logs applied, keys == `hive ls -R` (%d)" % len(want))
            finally:
                subprocess.run(["fusermount3", "-u", mnt], capture_output=True)
        # --no-logs: the primary as it is, as `ntkit hive --no-logs` reads it.
        r = subprocess.run([ntkitfs, "--hive", spec, mnt, "--no-logs"], capture_output=True, timeout=60)
        if r.returncode != 0:
            check(False, "ntkitfs --hive --no-logs: exit %d %r" % (r.returncode, r.stderr[:200]))
        else:
            try:
                keys = sorted(os.path.relpath(root, mnt).replace("/", "\\") for root, _, _ in os.walk(mnt)
                              if root != mnt)
                nolog = hive("ls", "-R", "--no-logs", spec)
                want = sorted(ln[:-1] for ln in nolog.stdout.decode().splitlines())
                check(nolog.returncode == 0 and keys == want and b"replayed" not in r.stderr,
                      "ntkitfs --hive --no-logs on a dirty hive: the primary's keys (%d)" % len(want))
            finally:
                subprocess.run(["fusermount3", "-u", mnt], capture_output=True)
    mnt = os.path.join(tmp, "mnt-missing")
    os.mkdir(mnt)
    r = subprocess.run([ntkitfs, "--hive", SAMPLE + "::/nope", mnt], capture_output=True, timeout=60)
    check(r.returncode != 0 and b"no such file in the image" in r.stderr and not os.path.ismount(mnt),
          "ntkitfs --hive IMAGE::/nope: one-line error, nothing mounted")


if not os.path.exists(SAMPLE):
    skip("no sample image " + SAMPLE)
with tempfile.TemporaryDirectory() as tmp:
    {"sample": test_sample, "oracle": test_oracle, "fuse": test_fuse}[mode](tmp)
print("%d failure(s)" % fails)
sys.exit(1 if fails else 0)
