#!/usr/bin/env bash
# wof_read_bench.sh NTKIT WOF_PEER_READ [WORKDIR]
#
# Reading a 256 MiB WOF ("Compact OS") file out of an NTFS image, XPRESS4K
# and LZX, `ntkit ntfs cat IMG /x4k > /dev/null` against its peer: no tool
# here reads WOF files out of an NTFS image (sleuthkit, ntfs-3g without a
# plugin and 7-Zip return zeros; libfsntfs 20200921 fails on large ones),
# so the peer is wof_peer_read (bench/wof_peer_read.c), a reader built on
# wimlib's decompressors -- the reference for these formats -- that does the
# least work a reader can: it reads the file's WofCompressedData stream,
# extracted beforehand to a host file with sleuthkit's icat (IMG INODE-128-N),
# with one pread per 1 MiB of output and decodes it chunk by chunk into a
# 1 MiB buffer written to /dev/null. ntkit does more: it reads the image
# (boot sector, $MFT, index lookup, run lists) and decodes through libntfs.
#
# The image is built once and kept in WORKDIR (default
# /var/tmp/ntkit-wofbench; delete it to rebuild): mkntfs + an ntfs-3g
# read-write mount, as cli/tests/ntfs_wof_test.py does (its wimlib and WOF
# helpers are imported), holding /x4k (XPRESS4K) and /lzx (LZX), each
# 256 MiB of real files under /usr (as bench/wof_bench.c's corpus),
# compressed with wimlib, a chunk stored raw when it does not shrink. The
# manifest keeps the plaintext's and the stored stream's sha256.
#
# Every reader's output is checked once (sha256 against the manifest),
# then the readers are timed alternately, best of 5, wall time and CPU time
# (user + sys of the process). Printed per format: the peer, ntkit with its
# default threads (NTKIT_THREADS unset: online CPUs, at most 8) and with
# NTKIT_THREADS=1; ratios are peer time / ntkit time (above 1: ntkit
# faster); the verdict is on wall time against 1.5.
# Exit 0 when everything was measured (whatever the verdicts), 1 when a
# reader gave wrong output, 77 when a tool or root is missing.
set -euo pipefail
ntkit=${1:?usage: wof_read_bench.sh NTKIT WOF_PEER_READ [WORKDIR]}
peer=${2:?usage: wof_read_bench.sh NTKIT WOF_PEER_READ [WORKDIR]}
work=${3:-/var/tmp/ntkit-wofbench}
here=$(cd "$(dirname "$0")" && pwd)

py=/usr/bin/python3
[ -x "$py" ] || py=python3
for tool in icat fls mkntfs ntfs-3g "$py"; do
    command -v "$tool" >/dev/null || { echo "wof_read_bench: $tool not installed"; exit 77; }
done
[ -x "$peer" ] || { echo "wof_read_bench: $peer is not built"; exit 77; }
mkdir -p "$work"
work=$(cd "$work" && pwd)

exec "$py" - "$ntkit" "$peer" "$work" "$here/../cli/tests" <<'PY'
import hashlib
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ntkit, peer, work, tests = sys.argv[1:5]
sys.path.insert(0, tests)
SIZE = 256 << 20
FILES = {"x4k": (0, 4096, 1), "lzx": (1, 32768, 2)}  # name: (WOF algorithm, chunk, wimlib type)
img = os.path.join(work, "wofread.img")
manifest_path = os.path.join(work, "manifest.json")


def corpus(n):
    """n bytes of regular files under /usr in name order (depth <= 4),
    the directories bench/wof_bench.c takes its corpus from."""
    out = bytearray()

    def walk(d, depth):
        if depth > 4 or len(out) >= n:
            return
        try:
            names = sorted(os.listdir(d))
        except OSError:
            return
        for name in names:
            if len(out) >= n:
                return
            p = os.path.join(d, name)
            if os.path.islink(p):
                continue
            if os.path.isdir(p):
                walk(p, depth + 1)
            elif os.path.isfile(p):
                try:
                    with open(p, "rb") as f:
                        out.extend(f.read(n - len(out)))
                except OSError:
                    pass

    for d in ("/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/share", "/usr/lib"):
        walk(d, 0)
    if len(out) < n:
        raise SystemExit("wof_read_bench: less than %d bytes of files under /usr" % n)
    return bytes(out[:n])


def wof_stream(wim, ctype, cs, data):
    """WofCompressedData: the chunk offset table (u32), then the chunks."""
    chunks = [wim.compress(ctype, cs, data[i:i + cs]) for i in range(0, len(data), cs)]
    offs, off = [], 0
    for c in chunks[:-1]:
        off += len(c)
        offs.append(off)
    return struct.pack("<%dI" % len(offs), *offs) + b"".join(chunks), chunks


def build():
    if os.geteuid() != 0:
        print("wof_read_bench: not root (building the image needs an ntfs-3g read-write mount)")
        sys.exit(77)
    import ntfs_wof_test as wt  # wimlib through ctypes, WOF reparse data, ntfs-3g mount
    wim = wt.Wimlib()
    print("building %s (once) ..." % img, flush=True)
    data = corpus(SIZE)
    with open(img + ".tmp", "wb") as f:
        f.truncate(SIZE * 2 + (64 << 20))
    subprocess.run(["mkntfs", "-F", "-q", "-Q", "-L", "wofread", img + ".tmp"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    man = {"plain_sha256": hashlib.sha256(data).hexdigest(), "size": SIZE, "files": {}}
    mnt = tempfile.mkdtemp(prefix="ntkit-wofread-")
    proc = wt.mount(img + ".tmp", mnt)
    try:
        for name, (algo, cs, ctype) in FILES.items():
            stream, chunks = wof_stream(wim, ctype, cs, data)
            stored = sum(1 for c in chunks if len(c) == cs)
            wt.put_wof(mnt, name, SIZE, stream, wt.reparse(algo))
            man["files"][name] = {"algorithm": algo, "stream_size": len(stream),
                                  "stream_sha256": hashlib.sha256(stream).hexdigest(),
                                  "chunks": len(chunks), "stored_chunks": stored}
            print("  /%s: %d chunks (%d stored raw), stream %.1f MiB"
                  % (name, len(chunks), stored, len(stream) / 2**20), flush=True)
    finally:
        wt.unmount(proc, mnt)
        os.rmdir(mnt)
    os.rename(img + ".tmp", img)
    with open(manifest_path, "w") as f:
        json.dump(man, f, indent=1)


def sha256_of(cmd, env=None):
    h = hashlib.sha256()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    for block in iter(lambda: p.stdout.read(1 << 20), b""):
        h.update(block)
    if p.wait() != 0:
        raise SystemExit("wof_read_bench: %s exited %d" % (" ".join(cmd), p.returncode))
    return h.hexdigest()


def timed(cmd, env):
    """(wall, cpu) seconds of one run with stdout to /dev/null."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null:
        rc = subprocess.run(cmd, stdout=null, env=env).returncode
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if rc != 0:
        raise SystemExit("wof_read_bench: %s exited %d" % (" ".join(cmd), rc))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


if not (os.path.exists(img) and os.path.exists(manifest_path)):
    build()
with open(manifest_path) as f:
    man = json.load(f)

# The stored streams' attribute ids (sleuthkit's fls lists them as
# "r/r 64-128-4:\tx4k:WofCompressedData"), extracted by icat, not ntkit.
attr = {}
for line in subprocess.run(["fls", img], capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split("\t")
    if len(parts) == 2 and parts[1].endswith(":WofCompressedData") and parts[1].split(":")[0] in FILES:
        attr[parts[1].split(":")[0]] = parts[0].split()[-1].rstrip(":")
env_default = {k: v for k, v in os.environ.items() if k != "NTKIT_THREADS"}
env_one = dict(env_default, NTKIT_THREADS="1")
wrong = 0
readers = {}
for name in FILES:
    info = man["files"][name]
    wcd = os.path.join(work, name + ".wcd")
    if not os.path.exists(wcd):
        with open(wcd + ".tmp", "wb") as out:
            subprocess.run(["icat", img, attr[name]], stdout=out, check=True)
        os.rename(wcd + ".tmp", wcd)
    with open(wcd, "rb") as f:
        if hashlib.sha256(f.read()).hexdigest() != info["stream_sha256"]:
            raise SystemExit("wof_read_bench: icat's %s stream differs from the one written" % name)
    readers[name] = [
        ("peer (wimlib)", [peer, wcd, name, str(man["size"])], env_default),
        ("ntkit", [ntkit, "ntfs", "cat", img, "/" + name], env_default),
        ("ntkit threads=1", [ntkit, "ntfs", "cat", img, "/" + name], env_one),
    ]
    for label, cmd, env in readers[name]:
        got = sha256_of(cmd, env)
        ok = got == man["plain_sha256"]
        wrong += not ok
        print("check %-4s %-16s %s" % (name, label, "ok" if ok else "WRONG OUTPUT " + got), flush=True)
if wrong:
    sys.exit(1)

load = os.getloadavg()[0]
print("cpus online %d, load %.2f before timing; best of 5, alternating" % (os.cpu_count(), load))
for name in FILES:
    best = {}
    for _ in range(5):
        for label, cmd, env in readers[name]:
            w, c = timed(cmd, env)
            bw, bc = best.get(label, (w, c))
            best[label] = (min(bw, w), min(bc, c))
    pw, pc = best["peer (wimlib)"]
    mib = man["size"] / 2**20
    info = man["files"][name]
    print("%s: 256 MiB, stream %.1f MiB, %d of %d chunks stored raw"
          % (name, info["stream_size"] / 2**20, info["stored_chunks"], info["chunks"]))
    for label, _, _ in readers[name]:
        w, c = best[label]
        line = "  %-16s wall %6.3f s (%6.0f MiB/s)  cpu %6.3f s" % (label, w, mib / w, c)
        if label != "peer (wimlib)":
            line += "   wall ratio %.2fx  cpu ratio %.2fx" % (pw / w, pc / c)
            if label == "ntkit":
                line += "  %s (wall >= 1.5)" % ("PASS" if pw / w >= 1.5 else "FAIL")
        print(line, flush=True)
print("load %.2f after timing" % os.getloadavg()[0])
PY
