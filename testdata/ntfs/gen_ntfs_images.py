#!/usr/bin/env python3
"""Generate NTFS test images with mkntfs + an ntfs-3g read-write mount.

Every image comes with a manifest written from the data this script put on
it (never by reading the image back with ntkit):

  <image>.manifest.tsv   kind  path  size  sha256  extra
    kind   dir | file | ads (path:stream) | reparse (raw $REPARSE_POINT value)
    path   absolute, '/'-separated, UTF-8
    size   bytes of the stream (0 for dirs; length of the reparse buffer)
    sha256 of the stream ('-' for dirs)
    extra  comma-separated key=value facts: compressed, sparse, resident,
           dos=SHORT~1.TXT, links=N, symlink=TARGET, junction=TARGET,
           fragmented, ...
  '#' lines carry parameters (cluster size, deleted files).

Also written:
  images.tsv            name  image  cluster  manifest   (one line per image)
  lznt1-units.tsv       raw  unit_size  plain  (for libntfs/tests/test_lznt1.c)
  lznt1-units/          raw clusters of compressed units + source slices
  STAMP                 hash of this script; a rerun with the same script and
                        existing outputs does nothing.

Needs root, /dev/fuse, mkntfs, ntfs-3g, ntfsinfo. Exits 0 after writing
"status.txt" = "ok" or "skip: <why>" so that dependent tests can skip
cleanly when the machine cannot mount FUSE.

Usage: gen_ntfs_images.py OUTDIR [--force] [--only NAME...]
"""
import argparse
import contextlib
import hashlib
import os
import random
import shutil
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ntfs3g  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


# --------------------------------------------------------------------------
# manifest


class Manifest:
    def __init__(self, params):
        self.params = params
        self.rows = {}      # (kind, path) -> [size, sha, extra dict]
        self.comments = []

    def dir(self, path, **extra):
        self.rows[("dir", path)] = [0, "-", extra]

    def data(self, kind, path, data, **extra):
        self.rows[(kind, path)] = [len(data), hashlib.sha256(data).hexdigest(), extra]

    def sized(self, kind, path, size, sha, **extra):
        self.rows[(kind, path)] = [size, sha, extra]

    def extra(self, kind, path, **extra):
        self.rows[(kind, path)][2].update(extra)

    def write(self, fname):
        with open(fname, "w", encoding="utf-8") as f:
            for k, v in self.params.items():
                f.write("# %s=%s\n" % (k, v))
            for c in self.comments:
                f.write("# %s\n" % c)
            for (kind, path) in sorted(self.rows):
                size, sha, extra = self.rows[(kind, path)]
                ex = ",".join(k if v is True else "%s=%s" % (k, v)
                              for k, v in sorted(extra.items())) or "-"
                f.write("%s\t%s\t%d\t%s\t%s\n" % (kind, path, size, sha, ex))


# --------------------------------------------------------------------------
# mounting


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, **kw)


def mkntfs(img, size, cluster, sector=512, label="ntkit"):
    with open(img, "wb") as f:
        f.truncate(size)
    run("mkntfs", "-F", "-q", "-Q", "-c", str(cluster), "-s", str(sector),
        "-L", label, img)


def mounted(img, opts="streams_interface=windows,compression"):
    return ntfs3g.mounted(img, opts, prefix="ntkit-gen-")


# --------------------------------------------------------------------------
# data


def rand_bytes(seed, n):
    return random.Random(seed).randbytes(n)


WORDS = ("the of and to in is was that for on with as by at from this have not are "
         "registry volume cluster record attribute stream index journal sector "
         "compression window boundary offset header signature parser kernel driver "
         "Windows NTFS hive value key node leaf root parent child entry table bitmap "
         "security descriptor timestamp reparse junction symlink sparse resident "
         "allocation extent fragment unit chunk literal match displacement length").split()


def text_bytes(seed, n):
    """Deterministic text-like data: compressible, but not trivially."""
    r = random.Random(seed)
    out = []
    size = 0
    line = 0
    while size < n:
        line += 1
        words = [r.choice(WORDS) for _ in range(r.randint(4, 14))]
        if r.random() < 0.3:
            words.insert(r.randint(0, len(words)), "%d" % r.randint(0, 1 << 20))
        s = ("%06d " % line + " ".join(words) + ".\n").encode()
        out.append(s)
        size += len(s)
    return b"".join(out)[:n]


def sha(data):
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------
# reparse buffers (REPARSE_DATA_BUFFER, MS-FSCC 2.1.2)

TAG_SYMLINK = 0xA000000C
TAG_MOUNT_POINT = 0xA0000003


def symlink_buffer(target, relative):
    if relative:
        subst = target
    else:
        subst = "\\??\\" + target
    s = subst.encode("utf-16-le")
    p = target.encode("utf-16-le")
    body = struct.pack("<HHHHI", 0, len(s), len(s), len(p), 1 if relative else 0) + s + p
    return struct.pack("<IHH", TAG_SYMLINK, len(body), 0) + body


def junction_buffer(target):
    s = ("\\??\\" + target).encode("utf-16-le")
    p = target.encode("utf-16-le")
    # Both names NUL-terminated; lengths exclude the terminator.
    body = (struct.pack("<HHHH", 0, len(s), len(s) + 2, len(p)) +
            s + b"\0\0" + p + b"\0\0")
    return struct.pack("<IHH", TAG_MOUNT_POINT, len(body), 0) + body


# --------------------------------------------------------------------------
# the feature tree (used at every cluster size)


class Writer:
    def __init__(self, mnt, man):
        self.mnt = mnt
        self.man = man
        self.kept = {}   # source data of files under /compressed

    def p(self, path):
        return self.mnt + path

    def mkdir(self, path, **extra):
        os.mkdir(self.p(path))
        self.man.dir(path, **extra)

    def file(self, path, data, **extra):
        with open(self.p(path), "wb") as f:
            f.write(data)
        self.man.data("file", path, data, **extra)
        if path.startswith("/compressed/"):
            self.kept[path] = data

    def ads(self, path, stream, data, **extra):
        with open(self.p(path) + ":" + stream, "wb") as f:
            f.write(data)
        self.man.data("ads", path + ":" + stream, data, **extra)

    def attrib(self, path):
        v = os.getxattr(self.p(path), "system.ntfs_attrib_be", follow_symlinks=False)
        return int.from_bytes(v, "big")


def feature_tree(w, cluster, seed):
    man = w.man
    # Sizes around the resident limit (~700 bytes in a 1 KiB record) and
    # around cluster and unit edges.
    w.mkdir("/sizes")
    for n in (0, 1, 2, 100, 511, 512, 513, 600, 650, 700, 720, 750, 800, 1023,
              1024, 1025, 4095, 4096, 4097, 65535, 65536, 65537, 200000):
        w.file("/sizes/size-%07d.bin" % n, rand_bytes(seed * 1000 + n, n))
    w.file("/sizes/random-3MiB.bin", rand_bytes(seed + 7, 3 << 20))
    w.file("/empty-file", b"")
    w.mkdir("/empty-dir")
    w.file("/hello.txt", b"Hello, NTFS!\n")

    # Sparse: data at 0, 6 MiB and the end, holes between.
    path = "/sparse.bin"
    a = rand_bytes(seed + 11, 4096)
    b = rand_bytes(seed + 12, 5000)
    c = b"end!"
    total = 8 << 20
    with open(w.p(path), "wb") as f:
        f.write(a)
        f.seek(6 << 20)
        f.write(b)
        f.truncate(total - len(c))
        f.seek(total - len(c))
        f.write(c)
    img = bytearray(total)
    img[0:len(a)] = a
    img[6 << 20:(6 << 20) + len(b)] = b
    img[total - len(c):] = c
    man.data("file", path, bytes(img))
    if w.attrib(path) & 0x200:
        man.extra("file", path, sparse=True)

    # LZNT1 compression (ntfs-3g compresses only with clusters <= 4 KiB).
    w.mkdir("/compressed")
    os.setxattr(w.p("/compressed"), "system.ntfs_attrib_be", (0x810).to_bytes(4, "big"))
    comp = []
    w.file("/compressed/text.txt", text_bytes(seed + 21, (1536 << 10) + 1234))
    comp.append("/compressed/text.txt")
    w.file("/compressed/random.bin", rand_bytes(seed + 22, 300000))
    comp.append("/compressed/random.bin")
    mixed = (text_bytes(seed + 23, 100000) + bytes(200000) + rand_bytes(seed + 24, 70000) +
             text_bytes(seed + 25, 33333))
    w.file("/compressed/mixed.bin", mixed)
    comp.append("/compressed/mixed.bin")
    w.file("/compressed/small.txt", b"tiny compressed-directory file\n")
    w.file("/compressed/zeros.bin", bytes(300000))
    comp.append("/compressed/zeros.bin")
    w.mkdir("/compressed/sub")
    w.file("/compressed/sub/nested.txt", text_bytes(seed + 26, 150000))
    comp.append("/compressed/sub/nested.txt")
    w.ads("/compressed/text.txt", "notes", text_bytes(seed + 27, 90000))
    for path in ["/compressed", "/compressed/sub"]:
        if w.attrib(path) & 0x800:
            man.extra("dir", path, compressed=True)
    for path in comp + ["/compressed/small.txt"]:
        if w.attrib(path) & 0x800:
            man.extra("file", path, compressed=True)

    # Alternate data streams, on files and on a directory.
    w.file("/ads-host.txt", b"main stream\n")
    w.ads("/ads-host.txt", "small", b"a small resident stream\n")
    w.ads("/ads-host.txt", "big", rand_bytes(seed + 31, 100000))
    w.ads("/ads-host.txt", "empty", b"")
    w.ads("/ads-host.txt", "Zone.Identifier", b"[ZoneTransfer]\r\nZoneId=3\r\n")
    w.mkdir("/ads-dir")
    w.ads("/ads-dir", "dirstream", b"stream on a directory\n")
    w.file("/ads-dir/inner.txt", b"inner\n")

    # Hard links: three names in two directories.
    w.mkdir("/links")
    w.mkdir("/links/other")
    data = b"one file, three names\n"
    w.file("/links/original.txt", data)
    os.link(w.p("/links/original.txt"), w.p("/links/hard1.txt"))
    os.link(w.p("/links/original.txt"), w.p("/links/other/hard2.txt"))
    for path in ("/links/original.txt", "/links/hard1.txt", "/links/other/hard2.txt"):
        man.data("file", path, data, links=3)

    # Reparse points: relative and absolute symlinks, a junction. Plain
    # `ln -s` would make an Interix file instead, so the raw buffer is set.
    w.mkdir("/docs")
    w.file("/docs/readme.txt", b"read me\n")
    reparse = [
        ("/links/rel-link.txt", symlink_buffer("..\\docs\\readme.txt", True), False,
         "symlink", "..\\docs\\readme.txt"),
        ("/links/abs-link.txt", symlink_buffer("C:\\docs\\readme.txt", False), False,
         "symlink", "C:\\docs\\readme.txt"),
        ("/links/dir-link", symlink_buffer("..\\docs", True), True, "symlink", "..\\docs"),
        ("/links/junction", junction_buffer("C:\\docs"), True, "junction", "C:\\docs"),
    ]
    for path, buf, is_dir, kind, target in reparse:
        if is_dir:
            os.mkdir(w.p(path))
        else:
            open(w.p(path), "wb").close()
        os.setxattr(w.p(path), "system.ntfs_reparse_data", buf, follow_symlinks=False)
        extra = {kind: target}
        if is_dir:
            extra["dir"] = True
        man.data("reparse", path, buf, **extra)

    # DOS 8.3 names on a file and a directory.
    w.file("/Long File Name Document.txt", b"has a short name\n",
           dos="LONGFI~1.TXT")
    os.setxattr(w.p("/Long File Name Document.txt"), "system.ntfs_dos_name", b"LONGFI~1.TXT")
    w.mkdir("/Long Directory Name", dos="LONGDI~1")
    os.setxattr(w.p("/Long Directory Name"), "system.ntfs_dos_name", b"LONGDI~1")
    w.file("/Long Directory Name/inside.txt", b"inside\n")

    # Unicode names: accents, Cyrillic, CJK, emoji (surrogate pairs),
    # combining marks (NFD), U+1E9E, a 255-UTF-16-unit name.
    w.mkdir("/unicode")
    names = ["café.txt", "Привет мир.txt", "日本語のファイル.txt", "中文目录",
             "😀 smile.txt", "e\u0301\u0301-combining.txt", "\u1e9e-capital-sharp-s.txt",
             "Ωmega-Ελληνικά.txt", "x" * 251 + ".txt"]
    for i, name in enumerate(names):
        if name == "中文目录":
            w.mkdir("/unicode/" + name)
            w.file("/unicode/%s/文件.txt" % name, "内容\n".encode())
        else:
            w.file("/unicode/" + name, ("name %d: %s\n" % (i, name)).encode())
    long_emoji = "🎉" * 127 + "x"  # 254 + 1 = 255 UTF-16 units
    w.file("/unicode/" + long_emoji, b"255 units with surrogates\n")

    # Names that differ only in case (POSIX namespace).
    w.mkdir("/case")
    w.file("/case/README.TXT", b"upper\n")
    w.file("/case/readme.txt", b"lower\n")

    # 40 levels of nesting.
    path = "/deep"
    w.mkdir(path)
    for i in range(1, 41):
        path += "/d%02d" % i
        w.mkdir(path)
    w.file(path + "/leaf.txt", b"forty levels down\n")

    # A directory big enough for an $INDEX_ALLOCATION B-tree.
    w.mkdir("/many")
    for i in range(200):
        w.file("/many/entry-%04d.txt" % i, ("%d\n" % i).encode())

    # A deleted file (for `ls -d` style features; not listed as present).
    dead = rand_bytes(seed + 41, 20000)
    with open(w.p("/deleted.bin"), "wb") as f:
        f.write(dead)
    os.unlink(w.p("/deleted.bin"))
    man.comments.append("deleted\t/deleted.bin\t%d\t%s" % (len(dead), sha(dead)))


def bigdir_tree(w, count):
    w.mkdir("/bigdir")
    empty = sha(b"")
    d = w.p("/bigdir")
    for i in range(count):
        name = "f%05d.txt" % i
        os.close(os.open(d + "/" + name, os.O_CREAT | os.O_WRONLY, 0o644))
        w.man.sized("file", "/bigdir/" + name, 0, empty)
    w.file("/README.txt", b"50,000 empty files in /bigdir\n")


def fragmented_tree(w, cluster, seed, holes):
    """A file scattered over `holes` one-cluster gaps: the run list no longer
    fits the base MFT record, so it gets an $ATTRIBUTE_LIST."""
    st = os.statvfs(w.mnt)
    free = st.f_bavail * st.f_frsize // cluster
    keep = 2 * holes + 64
    filler = w.p("/filler.bin")
    with open(filler, "wb") as f:
        chunk = bytes(1 << 20)
        left = (free - keep) * cluster
        while left > 0:
            n = min(left, len(chunk))
            f.write(chunk[:n])
            left -= n
    os.mkdir(w.p("/pad"))
    small = []
    block = b"\xa5" * cluster
    i = 0
    while True:
        path = w.p("/pad/p%05d" % i)
        try:
            with open(path, "wb") as f:
                f.write(block)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(path)
            break
        small.append(path)
        i += 1
        if i > 4 * holes + 1000:
            break
    for path in small[::2]:
        os.unlink(path)
    n_holes = len(small[::2])
    target = rand_bytes(seed + 51, (n_holes - 8) * cluster - 1000)
    w.file("/fragmented.bin", target, fragmented=True)
    os.unlink(filler)
    for path in small[1::2]:
        os.unlink(path)
    os.rmdir(w.p("/pad"))
    w.file("/after.txt", b"written after the filler was deleted\n")


# --------------------------------------------------------------------------
# LZNT1 units for the decoder test


def parse_runlist(img, path):
    """Run list of the unnamed $DATA attribute, from ntfsinfo (ntfs-3g)."""
    out = run("ntfsinfo", "-v", "-F", path, img).stdout.decode("utf-8", "replace")
    runs = []
    unit_shift = None
    in_data = False
    unnamed = False
    in_runs = False
    for line in out.splitlines():
        s = line.strip()
        if s.startswith("Dumping attribute"):
            in_data = "$DATA (0x80)" in s
            in_runs = False
            unnamed = False
            continue
        if not in_data:
            continue
        if s.startswith("Name length:"):
            unnamed = s.split()[2] == "0"
        elif s.startswith("Compression unit:") and unnamed:
            # Only the first extent (lowest VCN 0) carries it.
            unit_shift = max(unit_shift or 0, int(s.split()[2]))
        elif s.startswith("Runlist:") and unnamed:
            in_runs = True
        elif in_runs:
            parts = s.split()
            if len(parts) == 3 and parts[0].startswith("0x"):
                if parts[1] == "<RL_NOT_MAPPED>":
                    continue  # described by another extent's record
                vcn = int(parts[0], 16)
                lcn = None if parts[1] == "<HOLE>" else int(parts[1], 16)
                runs.append((vcn, lcn, int(parts[2], 16)))
            else:
                in_runs = False
    return unit_shift, runs


def extract_units(img, cluster, mnt_files, outdir, prefix, lines):
    """For every compressed file: the raw clusters of each compressed unit and
    the source bytes it must expand to."""
    count = 0
    with open(img, "rb") as f:
        for path, data in mnt_files:
            shift, runs = parse_runlist(img, path)
            if not shift or not runs:
                continue
            upc = 1 << shift
            unit = upc * cluster
            vmap = {}
            for vcn, lcn, length in runs:
                for k in range(length):
                    vmap[vcn + k] = None if lcn is None else lcn + k
            nunits = (len(data) + unit - 1) // unit
            for u in range(nunits):
                lcns = [vmap.get(u * upc + k) for k in range(upc)]
                alloc = [l for l in lcns if l is not None]
                if not alloc or len(alloc) == upc:
                    continue  # sparse (zeros) or stored uncompressed
                # The allocated clusters come first in a compressed unit.
                assert all(l is not None for l in lcns[:len(alloc)])
                raw = b""
                for l in alloc:
                    f.seek(l * cluster)
                    raw += f.read(cluster)
                base = "%s-%s-u%03d" % (prefix, hashlib.md5(path.encode()).hexdigest()[:8], u)
                with open(os.path.join(outdir, base + ".raw"), "wb") as o:
                    o.write(raw)
                with open(os.path.join(outdir, base + ".plain"), "wb") as o:
                    o.write(data[u * unit:(u + 1) * unit])
                lines.append("lznt1-units/%s.raw\t%d\tlznt1-units/%s.plain\t# %s unit %d\n"
                             % (base, unit, base, path, u))
                count += 1
    return count


# --------------------------------------------------------------------------


IMAGES = [
    # name, size, cluster, kind, sector
    ("feat-4k", 96 << 20, 4096, "features", 512),
    ("feat-512", 96 << 20, 512, "features", 512),
    ("feat-64k", 160 << 20, 65536, "features", 512),
    # 4Kn disk: 4096-byte sectors, so mkntfs makes 4 KiB MFT records with
    # one update sequence entry each (Windows does the same on 4Kn drives)
    ("feat-4kn", 96 << 20, 4096, "features", 4096),
    ("bigdir-4k", 64 << 20, 4096, "bigdir", 512),
    ("frag-4k", 24 << 20, 4096, "fragmented", 512),
]


def build(outdir, name, size, cluster, kind, sector, unit_lines):
    img = os.path.join(outdir, name + ".img")
    man = Manifest({"image": name + ".img", "cluster": cluster, "sector": sector,
                    "kind": kind, "generator": "testdata/ntfs/gen_ntfs_images.py"})
    mkntfs(img, size, cluster, sector, label=name)
    seed = {"features": 1000, "bigdir": 2000, "fragmented": 3000}[kind] + cluster + (sector != 512)
    with mounted(img) as mnt:
        w = Writer(mnt, man)
        man.dir("/")
        if kind == "features":
            feature_tree(w, cluster, seed)
        elif kind == "bigdir":
            bigdir_tree(w, 50000)
        else:
            fragmented_tree(w, cluster, seed, holes=1600)
        comp = [(p, w.kept[p]) for (k, p), row in sorted(man.rows.items())
                if k == "file" and "compressed" in row[2] and p in w.kept]
    man.write(img + ".manifest.tsv")
    if comp:
        units_dir = os.path.join(outdir, "lznt1-units")
        os.makedirs(units_dir, exist_ok=True)
        n = extract_units(img, cluster, comp, units_dir, name, unit_lines)
        print("%s: %d compressed units extracted" % (name, n))
    return img


def script_hash():
    h = hashlib.sha256()
    with open(os.path.abspath(__file__), "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def can_generate():
    if os.geteuid() != 0:
        return "not root (ntfs-3g read-write mount of an image file needs root)"
    if not os.path.exists("/dev/fuse"):
        return "no /dev/fuse"
    for tool in ("mkntfs", "ntfs-3g", "ntfsinfo", "umount"):
        if not shutil.which(tool):
            return "%s not installed" % tool
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    out = os.path.abspath(args.outdir)
    os.makedirs(out, exist_ok=True)
    stamp = os.path.join(out, "STAMP")
    status = os.path.join(out, "status.txt")
    want = script_hash()
    if not args.force and os.path.exists(stamp) and open(stamp).read().strip() == want \
            and all(os.path.exists(os.path.join(out, n + ".img.manifest.tsv"))
                    for n, *_ in IMAGES):
        print("images up to date in", out)
        return 0
    why = can_generate()
    if why:
        with open(status, "w") as f:
            f.write("skip: %s\n" % why)
        print("cannot generate images:", why)
        return 0
    t0 = time.time()
    for n in ("STAMP", "status.txt", "images.tsv", "lznt1-units.tsv"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(out, n))
    shutil.rmtree(os.path.join(out, "lznt1-units"), ignore_errors=True)
    unit_lines = []
    rows = []
    for name, size, cluster, kind, sector in IMAGES:
        t = time.time()
        img = build(out, name, size, cluster, kind, sector, unit_lines)
        rows.append("%s\t%s\t%d\t%s\n" % (name, os.path.basename(img), cluster,
                                            os.path.basename(img) + ".manifest.tsv"))
        print("%s: %.1f s" % (name, time.time() - t))
    with open(os.path.join(out, "images.tsv"), "w") as f:
        f.writelines(rows)
    with open(os.path.join(out, "lznt1-units.tsv"), "w") as f:
        f.write("# raw_file\tunit_size\tplain_file (made by gen_ntfs_images.py)\n")
        f.writelines(unit_lines)
    with open(status, "w") as f:
        f.write("ok\n")
    with open(stamp, "w") as f:
        f.write(want + "\n")
    print("generated in %.1f s" % (time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
