#!/usr/bin/env python3
"""`ntkit ntfs cat` on WOF ("Compact OS") compressed files.

Builds an NTFS image with mkntfs and an ntfs-3g read-write mount, and
writes WOF files into it as Windows lays them out: a sparse unnamed $DATA
whose size is the uncompressed size, a `WofCompressedData` stream (chunk
offset table + chunks compressed by wimlib, the compressor Windows' format
was reverse-engineered with; a chunk is stored raw when compression does
not shrink it), and a reparse point with tag 0x80000017 carrying
WOF_EXTERNAL_INFO {1, 2} + FILE_PROVIDER_EXTERNAL_INFO_V1 {1, algorithm}.

Oracles: the plaintext each file was made from (sha256), written by this
script, never output of ntkit; and libfsntfs (python3-libfsntfs) for the
files it can read. Damaged chunk tables and chunks must give
exit 3 with an error line.

usage: ntfs_wof_test.py NTKIT WORKDIR     (exit 77 = skipped)
WORKDIR keeps wof.img and plain/<name> (the plaintexts) for
libntfs/tests/test_wof_read.c.
"""
import ctypes
import ctypes.util
import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "ntfs"))
import ntfs3g  # noqa: E402

SKIP = 77
WOF_TAG = 0x80000017
# algorithm: (name, chunk size, wimlib compression type)
ALGOS = {0: ("xpress4k", 4096, 1), 1: ("lzx", 32768, 2),
         2: ("xpress8k", 8192, 1), 3: ("xpress16k", 16384, 1)}
SIZES = [0, 1, 4095, 4096, 4097, (1 << 20) + 123]
# Several 1 MiB read batches (XPRESS4K and LZX): test_wof_read reads them
# across batch boundaries, and cat reads them with and without threads.
BIG_SIZE = (3 << 20) + 99
THREADS = ("1", "4")


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


class Wimlib:
    def __init__(self):
        name = ctypes.util.find_library("wim") or "libwim.so.15"
        try:
            self.lib = ctypes.CDLL(name)
        except OSError:
            skip("libwim (wimlib) not found")
        self.lib.wimlib_create_compressor.argtypes = [
            ctypes.c_int, ctypes.c_size_t, ctypes.c_uint, ctypes.POINTER(ctypes.c_void_p)]
        self.lib.wimlib_compress.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
        self.lib.wimlib_compress.restype = ctypes.c_size_t
        self.lib.wimlib_free_compressor.argtypes = [ctypes.c_void_p]
        self.comps = {}

    def compress(self, ctype, chunk_size, data):
        key = (ctype, chunk_size)
        if key not in self.comps:
            c = ctypes.c_void_p()
            rc = self.lib.wimlib_create_compressor(ctype, chunk_size, 0, ctypes.byref(c))
            if rc:
                raise RuntimeError("wimlib_create_compressor: %d" % rc)
            self.comps[key] = c
        out = ctypes.create_string_buffer(len(data))
        # Room for len - 1 bytes: 0 back means "does not shrink": stored raw.
        n = self.lib.wimlib_compress(data, len(data), out, len(data) - 1, self.comps[key])
        return out.raw[:n] if n else data


def wof_stream(wim, algo, data):
    """WofCompressedData bytes for `data`: chunk table, then chunks."""
    _, cs, ctype = ALGOS[algo]
    chunks = [wim.compress(ctype, cs, data[i:i + cs]) for i in range(0, len(data), cs)]
    fmt = "<I" if len(data) < (1 << 32) else "<Q"
    table, off = b"", 0
    for c in chunks[:-1]:
        off += len(c)
        table += struct.pack(fmt, off)
    return table + b"".join(chunks), chunks


def reparse(algo, wof_version=1, provider=2, prov_version=1):
    body = struct.pack("<IIII", wof_version, provider, prov_version, algo)
    return struct.pack("<IHH", WOF_TAG, len(body), 0) + body


def plaintext(seed, n):
    """Half text-like (compresses), half random (stored raw) chunks."""
    rng = random.Random(seed)
    words = [b"registry", b"hive", b"NTFS", b"cluster", b"\x00\x00", b"Windows ",
             b"chunk", b"\r\n", b"System32", b"0123456789"]
    out = bytearray()
    while len(out) < n:
        if (len(out) // 6000) % 2 == 0:
            out += b"".join(rng.choice(words) for _ in range(64))
        else:
            out += rng.randbytes(1000)
    return bytes(out[:n])


def mount(img, mnt):
    return ntfs3g.mount(img, mnt, "streams_interface=windows")


def unmount(proc, mnt):
    ntfs3g.unmount(proc, mnt)


def put_wof(mnt, name, size, stream, rp):
    path = os.path.join(mnt, name)
    with open(path, "wb") as f:
        f.truncate(size)  # sparse unnamed $DATA, data size = uncompressed size
    with open(path + ":WofCompressedData", "wb") as f:
        f.write(stream)
    os.setxattr(path, "system.ntfs_reparse_data", rp)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    ntkit, work = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        skip("not root (an ntfs-3g read-write mount of an image needs root)")
    if not os.path.exists("/dev/fuse"):
        skip("no /dev/fuse")
    for tool in ("mkntfs", "ntfs-3g", "umount"):
        if not shutil.which(tool):
            skip(tool + " not installed")
    wim = Wimlib()

    os.makedirs(work, exist_ok=True)
    img = os.path.join(work, "wof.img")
    with open(img, "wb") as f:
        f.truncate(48 << 20)
    subprocess.run(["mkntfs", "-F", "-q", "-Q", "-L", "wof", img], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    # The plaintexts stay next to the image for libntfs's test_wof_read.
    plain = os.path.join(work, "plain")
    os.makedirs(plain, exist_ok=True)
    expect = {}  # path -> sha256 of the plaintext
    bad = {}     # path -> why it must fail
    mnt = tempfile.mkdtemp(prefix="ntkit-wof-")
    proc = mount(img, mnt)
    try:
        for algo, (aname, cs, _) in ALGOS.items():
            for size in SIZES:
                data = plaintext(algo * 1000 + size, size)
                stream, chunks = wof_stream(wim, algo, data)
                if size > cs and not any(len(c) < cs for c in chunks):
                    raise RuntimeError("wimlib compressed no chunk of " + aname)
                name = "%s_%d" % (aname, size)
                put_wof(mnt, name, size, stream, reparse(algo))
                with open(os.path.join(plain, name), "wb") as f:
                    f.write(data)
                expect["/" + name] = hashlib.sha256(data).hexdigest()
        for algo in (0, 1):
            aname, cs, _ = ALGOS[algo]
            data = plaintext(algo * 1000 + BIG_SIZE, BIG_SIZE)
            stream, _ = wof_stream(wim, algo, data)
            name = "%s_%d" % (aname, BIG_SIZE)
            put_wof(mnt, name, BIG_SIZE, stream, reparse(algo))
            with open(os.path.join(plain, name), "wb") as f:
                f.write(data)
            expect["/" + name] = hashlib.sha256(data).hexdigest()
        # Damage (XPRESS4K and LZX, 5 chunks and more).
        for algo in (0, 1):
            aname, cs, _ = ALGOS[algo]
            data = plaintext(77 + algo, 5 * cs + 99)
            stream, chunks = wof_stream(wim, algo, data)
            tsize = 4 * (len(chunks) - 1)
            # First table entry far past the end of the stream.
            s = bytearray(stream)
            s[0:4] = struct.pack("<I", 0x7FFFFFF0)
            put_wof(mnt, aname + "_table_past_end", len(data), bytes(s), reparse(algo))
            bad["/" + aname + "_table_past_end"] = "chunk offset past the stream"
            # Entries that decrease.
            s = bytearray(stream)
            s[4:8] = struct.pack("<I", 1)
            put_wof(mnt, aname + "_table_decreasing", len(data), bytes(s), reparse(algo))
            bad["/" + aname + "_table_decreasing"] = "chunk offsets decrease"
            # A stream too short for its own table.
            put_wof(mnt, aname + "_truncated", len(data), stream[:tsize - 1], reparse(algo))
            bad["/" + aname + "_truncated"] = "stream shorter than its table"
            # A compressed chunk overwritten with garbage of the same length.
            start = tsize
            for c in chunks:
                if len(c) < cs:
                    break
                start += len(c)
            s = bytearray(stream)
            rng = random.Random(algo)
            for i in range(start, start + len(c)):
                s[i] = rng.randrange(256) | 0x80
            put_wof(mnt, aname + "_garbage_chunk", len(data), bytes(s), reparse(algo))
            bad["/" + aname + "_garbage_chunk"] = "chunk that does not decode"
        # The WIM-backed provider is not decoded: the file reads as stored
        # (its sparse unnamed $DATA: zeros).
        data = plaintext(5, 10000)
        stream, _ = wof_stream(wim, 0, data)
        put_wof(mnt, "wim_provider", len(data), stream, reparse(0, provider=1))
        expect["/wim_provider"] = hashlib.sha256(bytes(len(data))).hexdigest()
    finally:
        unmount(proc, mnt)
        os.rmdir(mnt)

    # Whole chunks are read in batches decoded on several threads: every
    # file is read with one thread (NTKIT_THREADS=1) and with four.
    failures = 0
    for threads in THREADS:
        env = dict(os.environ, NTKIT_THREADS=threads)
        for path, digest in sorted(expect.items()):
            r = subprocess.run([ntkit, "ntfs", "cat", img, path], capture_output=True, timeout=120, env=env)
            got = hashlib.sha256(r.stdout).hexdigest()
            if r.returncode != 0 or got != digest:
                failures += 1
                print("FAIL %s (threads %s): exit %d, sha256 %s, want %s; stderr: %s"
                      % (path, threads, r.returncode, got, digest, r.stderr.decode(errors="replace").strip()))
            else:
                print("ok   %s (threads %s, %d bytes)" % (path, threads, len(r.stdout)))
        for path, why in sorted(bad.items()):
            r = subprocess.run([ntkit, "ntfs", "cat", img, path], capture_output=True, timeout=120, env=env)
            err = r.stderr.decode(errors="replace").strip()
            if r.returncode != 3 or not err.startswith("ntkit:"):
                failures += 1
                print("FAIL %s (%s, threads %s): exit %d (want 3), stderr %r"
                      % (path, why, threads, r.returncode, err))
            else:
                print("ok   %s (threads %s) -> exit 3: %s" % (path, threads, err.splitlines()[-1]))
    failures += compare_libfsntfs(img, expect)
    print("%d failure(s)" % failures)
    return 1 if failures else 0


# Run by Debian's python3, which has pyfsntfs (python3-libfsntfs): the
# sha256 of each file as libfsntfs reads it, or null when it cannot.
FSNTFS_READER = r'''
import hashlib, json, sys
import pyfsntfs
v = pyfsntfs.volume()
v.open(sys.argv[1])
out = {}
for path in sys.argv[2:]:
    try:
        f = v.get_file_entry_by_path(path.replace("/", "\\"))
        n = f.get_size()
        out[path] = hashlib.sha256(f.read_buffer(n) if n else b"").hexdigest()
    except Exception:
        out[path] = None
print(json.dumps(out))
'''


def compare_libfsntfs(img, expect):
    """The second oracle: where libfsntfs reads a WOF file, its bytes must
    be ntkit's (which equal the plaintext, checked above). libfsntfs
    20200921 fails on larger WOF files (measured: from about 100 XPRESS4K
    or 32 LZX chunks), so only a floor on the files it reads is required."""
    py = "/usr/bin/python3"
    if not os.path.exists(py) or subprocess.run([py, "-c", "import pyfsntfs"], capture_output=True).returncode:
        print("skip libfsntfs comparison: python3-libfsntfs not installed")
        return 0
    paths = sorted(p for p in expect if p != "/wim_provider")
    r = subprocess.run([py, "-c", FSNTFS_READER, img] + paths, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        print("FAIL libfsntfs reader: %s" % r.stderr.strip())
        return 1
    got = json.loads(r.stdout)
    read = [p for p in paths if got.get(p)]
    failures = 0
    for p in read:
        if got[p] != expect[p]:
            failures += 1
            print("FAIL %s: libfsntfs reads sha256 %s, ntkit and the plaintext %s" % (p, got[p], expect[p]))
    # Every algorithm has files libfsntfs 20200921 reads (4 KiB to 1 MiB).
    algos = {p.split("_")[0] for p in read}
    if len(read) < 8 or len(algos) < 4:
        failures += 1
        print("FAIL libfsntfs read only %d files (%s): the comparison would prove nothing" % (len(read), sorted(algos)))
    print("libfsntfs: %d of %d WOF files read, all equal to ntkit's" % (len(read), len(paths))
          if not failures else "libfsntfs: %d mismatch(es)" % failures)
    return failures


if __name__ == "__main__":
    sys.exit(main())
