#!/usr/bin/env python3
"""Build the ntkitfs test images once per build (a ctest fixture).

OUTDIR/feat.img      mkntfs volume filled through an ntfs-3g read-write mount:
                     dirs, files around the resident limit, a 20 MiB file,
                     ADS (file and directory), hard links, a relative symlink,
                     an absolute symlink and a junction (reparse points set
                     with system.ntfs_reparse_data), sparse and LZNT1
                     compressed files, a DOS name, Unicode names, 600 files
                     in one directory.
OUTDIR/damaged.img   feat.img with the MFT record of /victim.txt broken.
OUTDIR/disk-mbr.img  an MBR disk (sfdisk): partition 1 FAT-typed filler,
                     extended 2 with logical 5 holding feat.img's volume.
OUTDIR/disk-gpt.img.gz a GPT disk (sfdisk) with the volume in partition 2,
                     gzip-compressed.
OUTDIR/wof.img       a small volume with one WOF ("Compact OS") file per
                     algorithm (WofCompressedData chunks compressed by
                     wimlib through ctypes when libwim is there, else stored
                     raw), plain/<name> holding each file's plaintext.
OUTDIR/details.txt   what the details check expects: the object id and the
                     SDDL of the security descriptor set on feat.img files.
OUTDIR/status.txt    "ok" or "skip: why" (tests exit 77 on skip).

Needs root, a usable /dev/fuse, mkntfs, ntfs-3g, sfdisk, gzip.
"""
import ctypes
import ctypes.util
import hashlib
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

STAMP_VERSION = "3"


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def skip(outdir, why):
    with open(os.path.join(outdir, "status.txt"), "w") as f:
        f.write("skip: %s\n" % why)
    print("skip:", why)
    sys.exit(0)


def reparse_link(tag, substitute, printname, flags=None):
    sub = substitute.encode("utf-16-le")
    prn = printname.encode("utf-16-le")
    if tag == 0xA000000C:
        body = struct.pack("<HHHHI", 0, len(sub), len(sub), len(prn), flags) + sub + prn
    else:  # mount point: both names NUL-terminated
        body = struct.pack("<HHHH", 0, len(sub), len(sub) + 2, len(prn)) + sub + b"\0\0" + prn + b"\0\0"
    return struct.pack("<IHH", tag, len(body), 0) + body


def sid(rev_auth, *subs):
    return struct.pack("<BB", 1, len(subs)) + struct.pack(">Q", rev_auth)[2:] + b"".join(
        struct.pack("<I", x) for x in subs)


def ace(kind, flags, mask, who):
    return struct.pack("<BBHI", kind, flags, 8 + len(who), mask) + who


# A security descriptor built from its SDDL form (the oracle of the
# system.ntfs_sddl xattr): owner BA, group SY, a protected auto-inherited
# DACL with an allow FA for SY, an inheritable allow 0x1200a9 for BU and a
# deny WRITE_DAC for Everyone.
KNOWN_SDDL = "O:BAG:SYD:PAI(A;;FA;;;SY)(A;OICI;0x1200a9;;;BU)(D;;WD;;;WD)"


def known_sd():
    owner, group = sid(5, 32, 544), sid(5, 18)
    aces = (ace(0, 0, 0x1F01FF, sid(5, 18)) + ace(0, 0x03, 0x1200A9, sid(5, 32, 545)) +
            ace(1, 0, 0x40000, sid(1, 0)))
    dacl = struct.pack("<BBHHH", 2, 0, 8 + len(aces), 3, 0) + aces
    control = 0x8000 | 0x1000 | 0x0400 | 0x0004  # self-relative, P, AI, DACL present
    head = 20
    return (struct.pack("<BBHIIII", 1, 0, control, head, head + len(owner), 0,
                        head + len(owner) + len(group)) + owner + group + dacl)


KNOWN_OBJECT_ID = bytes(range(0x40, 0x50))

WOF_TAG = 0x80000017
# algorithm: (name, chunk size, wimlib compression type)
WOF_ALGOS = {0: ("xpress4k", 4096, 1), 1: ("lzx", 32768, 2), 2: ("xpress8k", 8192, 1),
             3: ("xpress16k", 16384, 1)}


class Compressor:
    """wimlib's XPRESS/LZX chunk compressors, or None (chunks stored raw)."""

    def __init__(self):
        self.lib, self.comps = None, {}
        name = ctypes.util.find_library("wim")
        try:
            self.lib = ctypes.CDLL(name or "libwim.so.15")
        except OSError:
            return
        self.lib.wimlib_create_compressor.argtypes = [
            ctypes.c_int, ctypes.c_size_t, ctypes.c_uint, ctypes.POINTER(ctypes.c_void_p)]
        self.lib.wimlib_compress.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
        self.lib.wimlib_compress.restype = ctypes.c_size_t

    def chunk(self, ctype, size, data):
        if not self.lib:
            return data
        if (ctype, size) not in self.comps:
            c = ctypes.c_void_p()
            if self.lib.wimlib_create_compressor(ctype, size, 0, ctypes.byref(c)):
                return data
            self.comps[(ctype, size)] = c
        out = ctypes.create_string_buffer(len(data))
        n = self.lib.wimlib_compress(data, len(data), out, len(data) - 1, self.comps[(ctype, size)])
        return out.raw[:n] if n else data  # 0: does not shrink, stored raw


def wof_plaintext(seed, n):
    rng = random.Random(seed)
    words = [b"registry ", b"hive ", b"NTFS ", b"\x00\x00\x00\x00", b"Windows\r\n", b"System32 "]
    out = bytearray()
    while len(out) < n:
        if (len(out) // 5000) % 3 == 2:
            out += rng.randbytes(700)
        else:
            out += b"".join(rng.choice(words) for _ in range(50))
    return bytes(out[:n])


def put_wof(comp, m, name, algo, data):
    """Lays a WOF file out as Windows does: sparse unnamed $DATA of the
    uncompressed size, WofCompressedData (chunk table + chunks), then the
    reparse point (ntfs-3g cannot open the file after that)."""
    _, cs, ctype = WOF_ALGOS[algo]
    chunks = [comp.chunk(ctype, cs, data[i:i + cs]) for i in range(0, len(data), cs)]
    table, off = b"", 0
    for c in chunks[:-1]:
        off += len(c)
        table += struct.pack("<I", off)
    path = os.path.join(m, name)
    with open(path, "wb") as f:
        f.truncate(len(data))
    with open(path + ":WofCompressedData", "wb") as f:
        f.write(table + b"".join(chunks))
    body = struct.pack("<IIII", 1, 2, 1, algo)
    os.setxattr(path, "system.ntfs_reparse_data", struct.pack("<IHH", WOF_TAG, len(body), 0) + body)


def make_wof_image(outdir):
    img = os.path.join(outdir, "wof.img")
    plain = os.path.join(outdir, "plain")
    os.makedirs(plain, exist_ok=True)
    with open(img, "wb") as f:
        f.truncate(24 << 20)
    run("mkntfs", "-q", "-F", "-f", "-c", "4096", "-L", "ntkitfs-wof", img)
    comp = Compressor()
    mnt = tempfile.mkdtemp(prefix="ntkitfs-gen-")
    try:
        run("ntfs-3g", "-o", "streams_interface=windows", img, mnt)
        try:
            for algo, (aname, cs, _) in WOF_ALGOS.items():
                for size in (300000 + algo * 777, 3 * cs):
                    name = "%s_%d" % (aname, size)
                    data = wof_plaintext(size, size)
                    put_wof(comp, mnt, name, algo, data)
                    with open(os.path.join(plain, name), "wb") as f:
                        f.write(data)
        finally:
            subprocess.run(["fusermount3", "-u", mnt])
    finally:
        os.rmdir(mnt)
    return "wimlib" if comp.lib else "raw"


def populate(m):
    os.makedirs(f"{m}/dir1/sub/deeper")
    os.makedirs(f"{m}/dir2")
    for n in (0, 1, 400, 700, 1024, 4095, 4096, 4097, 65537):
        with open(f"{m}/dir1/size-{n}.bin", "wb") as f:
            f.write(hashlib.sha256(str(n).encode()).digest() * (n // 32) + b"x" * (n % 32))
    # a 20 MiB file of deterministic pseudo-random bytes
    with open(f"{m}/big.bin", "wb") as f:
        h = b"seed"
        for _ in range(20 * 1024 * 1024 // 4096):
            h = hashlib.sha256(h).digest()
            f.write(h * 128)
    with open(f"{m}/dir1/sub/deeper/note.txt", "w") as f:
        f.write("deep file\n")
    with open(f"{m}/victim.txt", "w") as f:
        f.write("this record will be damaged\n")
    with open(f"{m}/neighbour.txt", "w") as f:
        f.write("still readable\n")
    # ADS on a file and on a directory (windows stream interface)
    with open(f"{m}/ads.txt", "w") as f:
        f.write("main stream\n")
    with open(f"{m}/ads.txt:alpha", "w") as f:
        f.write("alpha stream\n")
    with open(f"{m}/ads.txt:beta", "wb") as f:
        f.write(bytes(range(256)) * 20)
    with open(f"{m}/dir2:dirstream", "w") as f:
        f.write("a stream on a directory\n")
    # hard links
    with open(f"{m}/dir1/linked.txt", "w") as f:
        f.write("one file, three names\n")
    os.link(f"{m}/dir1/linked.txt", f"{m}/dir2/link2.txt")
    os.link(f"{m}/dir1/linked.txt", f"{m}/link3.txt")
    # sparse: data, a 48 MiB hole, data
    with open(f"{m}/sparse.bin", "wb") as f:
        f.write(b"head" * 1024)
        f.seek(48 << 20)
        f.write(b"tail" * 1024)
        f.truncate(64 << 20)
    # LZNT1: files created in a compressed directory inherit the flag
    os.makedirs(f"{m}/packed")
    os.setxattr(f"{m}/packed", "system.ntfs_attrib_be", struct.pack(">I", 0x810))
    with open(f"{m}/packed/text.txt", "w") as f:
        for i in range(60000):
            f.write("line %d of a compressible text file\n" % i)
    with open(f"{m}/packed/mixed.bin", "wb") as f:
        h = b"mix"
        for i in range(300):
            h = hashlib.sha256(h).digest()
            f.write((h * 64) if i % 3 else b"\0" * 2048)
    # reparse points: relative symlink, absolute symlink, junction
    open(f"{m}/dir2/rel-link", "w").close()
    os.setxattr(f"{m}/dir2/rel-link", "system.ntfs_reparse_data",
                reparse_link(0xA000000C, "..\\dir1\\linked.txt", "..\\dir1\\linked.txt", 1))
    open(f"{m}/dir2/abs-link", "w").close()
    os.setxattr(f"{m}/dir2/abs-link", "system.ntfs_reparse_data",
                reparse_link(0xA000000C, "\\??\\C:\\dir1\\sub", "C:\\dir1\\sub", 0))
    os.makedirs(f"{m}/junction")
    os.setxattr(f"{m}/junction", "system.ntfs_reparse_data",
                reparse_link(0xA0000003, "\\??\\C:\\dir1", "C:\\dir1"))
    # DOS name and Unicode names
    with open(f"{m}/A long file name.text", "w") as f:
        f.write("dos\n")
    os.setxattr(f"{m}/A long file name.text", "system.ntfs_dos_name", b"ALONGF~1.TXT")
    for name in ("caf\u00e9.txt", "\u043f\u0440\u0438\u0432\u0435\u0442", "\u6f22\u5b57", "emoji-\U0001F600.txt"):
        with open(f"{m}/dir1/{name}", "w") as f:
            f.write(name + "\n")
    # an object id and a security descriptor with a known SDDL form
    os.setxattr(f"{m}/neighbour.txt", "system.ntfs_object_id", KNOWN_OBJECT_ID)
    os.setxattr(f"{m}/dir1/size-1.bin", "system.ntfs_acl", known_sd())
    os.makedirs(f"{m}/many")
    for i in range(600):
        with open(f"{m}/many/f{i:04d}.txt", "w") as f:
            f.write("file %d\n" % i)


def mft_record_offset(img, rec):
    with open(img, "rb") as f:
        bs = f.read(512)
    bps = struct.unpack_from("<H", bs, 11)[0]
    spc = bs[13]
    cs = bps * (spc if spc <= 0x80 else 1 << (256 - spc))
    mft_lcn = struct.unpack_from("<Q", bs, 0x30)[0]
    crs = struct.unpack_from("<b", bs, 0x40)[0]
    rsize = crs * cs if crs > 0 else 1 << (-crs)
    return mft_lcn * cs + rec * rsize


def main():
    outdir = os.path.abspath(sys.argv[1])
    os.makedirs(outdir, exist_ok=True)
    stamp = os.path.join(outdir, "STAMP")
    me = hashlib.sha256(open(__file__, "rb").read()).hexdigest() + STAMP_VERSION
    if os.path.exists(stamp) and open(stamp).read() == me:
        print("fixtures up to date")
        return
    if os.geteuid() != 0:
        skip(outdir, "needs root")
    try:
        os.close(os.open("/dev/fuse", os.O_RDWR))
    except OSError as e:
        skip(outdir, "/dev/fuse unusable: %s" % e)
    for tool in ("mkntfs", "ntfs-3g", "sfdisk", "gzip", "fusermount3"):
        if not shutil.which(tool):
            skip(outdir, "%s not installed" % tool)

    feat = os.path.join(outdir, "feat.img")
    size = 96 << 20
    with open(feat, "wb") as f:
        f.truncate(size)
    run("mkntfs", "-q", "-F", "-f", "-c", "4096", "-L", "ntkitfs-test", feat)
    mnt = tempfile.mkdtemp(prefix="ntkitfs-gen-")
    try:
        run("ntfs-3g", "-o", "streams_interface=windows,compression", feat, mnt)
        try:
            populate(mnt)
            victim = os.stat(f"{mnt}/victim.txt").st_ino
        finally:
            subprocess.run(["fusermount3", "-u", mnt])
    finally:
        os.rmdir(mnt)

    # damaged copy: break the FILE signature and fixup of /victim.txt
    damaged = os.path.join(outdir, "damaged.img")
    shutil.copyfile(feat, damaged)
    off = mft_record_offset(damaged, victim)
    with open(damaged, "r+b") as f:
        f.seek(off)
        assert f.read(4) == b"FILE", "victim record not found"
        f.seek(off)
        f.write(b"BAAD\xff\xff")
    with open(os.path.join(outdir, "victim.txt"), "w") as f:
        f.write("%d\n" % victim)

    # MBR disk: primary 1 (FAT16 filler, 1 MiB), extended 2, logical 5 = volume
    vol_sectors = size // 512
    mbr = os.path.join(outdir, "disk-mbr.img")
    start5 = 2048 + 2048 + 2048
    total = start5 + vol_sectors + 2048
    with open(mbr, "wb") as f:
        f.truncate(total * 512)
    script = ("label: dos\n"
              "start=2048, size=2048, type=6\n"
              "start=4096, size=%d, type=5\n"
              "start=%d, size=%d, type=7\n") % (total - 4096 - 1024, start5, vol_sectors)
    run("sfdisk", "-q", mbr, input=script.encode())
    run("dd", "if=" + feat, "of=" + mbr, "bs=512", "seek=%d" % start5, "conv=notrunc,sparse")

    # GPT disk: partition 1 = EFI filler, 2 = the volume; then gzip
    gpt = os.path.join(outdir, "disk-gpt.img")
    gstart = 4096
    gtotal = gstart + vol_sectors + 4096
    with open(gpt, "wb") as f:
        f.truncate(gtotal * 512)
    script = ("label: gpt\n"
              "start=2048, size=2048, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n"
              "start=%d, size=%d, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n") % (gstart, vol_sectors)
    run("sfdisk", "-q", gpt, input=script.encode())
    run("dd", "if=" + feat, "of=" + gpt, "bs=512", "seek=%d" % gstart, "conv=notrunc,sparse")
    with open(gpt + ".gz", "wb") as out:
        subprocess.run(["gzip", "-c", "-6", gpt], check=True, stdout=out)
    os.unlink(gpt)

    wof_kind = make_wof_image(outdir)
    with open(os.path.join(outdir, "details.txt"), "w") as f:
        f.write("object_id /neighbour.txt %s\n" % KNOWN_OBJECT_ID.hex())
        f.write("sddl /dir1/size-1.bin %s\n" % KNOWN_SDDL)
        f.write("wof_chunks %s\n" % wof_kind)

    with open(os.path.join(outdir, "status.txt"), "w") as f:
        f.write("ok\n")
    with open(stamp, "w") as f:
        f.write(me)
    print("fixtures written to", outdir)


if __name__ == "__main__":
    main()
