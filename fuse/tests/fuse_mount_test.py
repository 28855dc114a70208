#!/usr/bin/env python3
"""Real-mount tests of ntkitfs, with an `ntfs-3g -o ro` mount as the oracle.

usage: fuse_mount_test.py NTKITFS FIXDIR CHECK [ARGS...]

CHECK is one of
  tree IMAGE_SPEC         mount IMAGE_SPEC with ntkitfs and FIXDIR/feat.img with
                          ntfs-3g; compare every name, type, size, mtime/atime,
                          sha256, symlink target, user.* xattr, hard-link group;
                          the image's sha256 is unchanged afterwards
  erofs                   every write-type call fails with EROFS
  concurrent [OPTS]       8 threads read different files at random offsets
                          (OPTS e.g. "mt" for the multi-threaded loop)
  damaged                 a broken MFT record gives EIO and a log line; the rest works
  errors                  not-NTFS image, bad partition, bad mountpoint: non-zero exit
  streams                 -o streams=windows exposes file:stream like ntfs-3g
  sysfiles                -o show_sys_files shows $MFT (size as ntfs-3g's)
  signals                 SIGTERM and SIGINT unmount cleanly
  options                 uid/gid/umask/fmask/dmask as ntfs-3g applies them
  dtype                   readdir's d_type (also without READDIRPLUS) is never
                          DT_UNKNOWN and matches lstat; the symlinks equal
                          `find -type l` on ntfs-3g
  xattrs                  system.ntfs_acl and system.ntfs_object_id equal
                          ntfs-3g's; system.ntfs_sddl of a descriptor the
                          fixture built from known SDDL gives that text back
  prefill                 small files opened by name on a fresh mount (LOOKUP,
                          so their data is stored into the page cache) read as
                          on ntfs-3g, with and without -o noprefill; SIGTERM
                          while a reader opens files by name ends the daemon
                          and the mount every time
  wof                     WOF files of FIXDIR/wof.img read as their plaintexts,
                          st_blocks = ntfs-3g's st_blocks of FILE:WofCompressedData
  shared GZNAME TESTDATA CACHE   a real Windows image (.gz, possibly a disk)
                          against ntfs-3g on its extracted volume

Exit 0 pass, 1 fail, 77 skip (no root, no /dev/fuse, missing tools or data).
Every mount is undone on exit, also when a check fails halfway.
"""
import ctypes
import ctypes.util
import errno
import hashlib
import os
import random
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
MOUNTS = []
PROCS = []
TMPDIRS = []


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def skip(msg):
    print("SKIP:", msg)
    sys.exit(SKIP)


def cleanup():
    for m in reversed(MOUNTS):
        if is_mounted(m):
            subprocess.run(["fusermount3", "-u", "-z", m], stderr=subprocess.DEVNULL)
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.wait()
    for d in TMPDIRS:
        shutil.rmtree(d, ignore_errors=True)


def is_mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mounts") as f:
        for line in f:
            if line.split()[1].replace("\\040", " ") == path:
                return True
    return False


def mkdtemp():
    d = tempfile.mkdtemp(prefix="ntkitfs-test-")
    TMPDIRS.append(d)
    return d


def wait_mounted(m, proc=None, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if is_mounted(m):
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def mount_ntkitfs(spec, opts=None, foreground=False):
    m = mkdtemp()
    cmd = [NTKITFS, spec, m] + (["-o", opts] if opts else [])
    MOUNTS.append(m)
    if foreground:
        p = subprocess.Popen(cmd + ["-f"], stderr=subprocess.PIPE, text=True)
        PROCS.append(p)
        if not wait_mounted(m, p):
            fail("ntkitfs -f %s did not mount: %s" % (spec, p.stderr.read() if p.poll() is not None else "timeout"))
        return m, p
    r = subprocess.run(cmd, stderr=subprocess.PIPE, text=True, timeout=300)
    if r.returncode != 0 or not is_mounted(m):
        fail("ntkitfs %s failed (%d): %s" % (spec, r.returncode, r.stderr.strip()))
    return m


def mount_ntfs3g(img, opts="ro"):
    m = mkdtemp()
    MOUNTS.append(m)
    r = subprocess.run(["ntfs-3g", "-o", opts, img, m], stderr=subprocess.PIPE, text=True, timeout=300)
    if r.returncode != 0:
        fail("ntfs-3g %s failed: %s" % (img, r.stderr.strip()))
    return m


def umount(m):
    subprocess.run(["fusermount3", "-u", m], check=True)
    end = time.time() + 10
    while is_mounted(m) and time.time() < end:
        time.sleep(0.05)


def sha256_file(path, chunk=1 << 20):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def link_in_volume(root, relpath, target):
    """Where a symlink points, as a path inside the volume (or the raw
    target when it leaves the volume)."""
    if target.startswith(root + "/.NTFS-3G/"):
        # ntfs-3g: /mnt/.NTFS-3G/C:/x = drive C: = (we assume) this volume
        rest = target[len(root) + len("/.NTFS-3G/"):]
        rest = rest.split("/", 1)[1] if "/" in rest else ""
        return os.path.normpath("/" + rest.lstrip("/"))
    if target == root or target.startswith(root + "/"):
        return os.path.normpath("/" + target[len(root):].lstrip("/"))
    if target.startswith("/"):
        return "OUTSIDE:" + target
    return os.path.normpath(os.path.join("/", os.path.dirname(relpath), target))


def snapshot(root, with_xattrs=True, with_hash=True):
    """path -> facts, walking without following symlinks."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in sorted(dirnames + filenames):
            p = os.path.join(dirpath, name)
            rel = "/" + os.path.relpath(p, root)
            st = os.lstat(p)
            facts = {"ino": st.st_ino, "mtime": st.st_mtime_ns, "atime": st.st_atime_ns}
            if stat.S_ISLNK(st.st_mode):
                facts["type"] = "link"
                facts["target"] = link_in_volume(root, rel, os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                facts["type"] = "dir"
            else:
                facts["type"] = "file"
                facts["size"] = st.st_size
                if with_hash:
                    facts["sha256"] = sha256_file(p)
            if with_xattrs and not stat.S_ISLNK(st.st_mode):
                xs = {}
                for x in os.listxattr(p, follow_symlinks=False):
                    if x.startswith("user."):
                        xs[x] = hashlib.sha256(os.getxattr(p, x, follow_symlinks=False)).hexdigest()
                facts["xattrs"] = xs
            out[rel] = facts
    return out


def link_groups(snap):
    by_ino = {}
    for path, f in snap.items():
        if f["type"] == "file":
            by_ino.setdefault(f["ino"], set()).add(path)
    return sorted(sorted(g) for g in by_ino.values() if len(g) > 1)


def compare_snapshots(mine, ref, what):
    problems = []
    for p in sorted(set(mine) | set(ref)):
        if p not in mine:
            problems.append("missing in ntkitfs: %s" % p)
            continue
        if p not in ref:
            problems.append("extra in ntkitfs: %s" % p)
            continue
        a, b = mine[p], ref[p]
        for k in ("type", "size", "sha256", "target", "xattrs", "mtime", "atime"):
            if a.get(k) != b.get(k):
                problems.append("%s: %s differs: ntkitfs %r, ntfs-3g %r" % (p, k, a.get(k), b.get(k)))
    if link_groups(mine) != link_groups(ref):
        problems.append("hard-link groups differ: %r vs %r" % (link_groups(mine), link_groups(ref)))
    if problems:
        for x in problems[:40]:
            print("  " + x)
        fail("%s: %d differences with ntfs-3g" % (what, len(problems)))
    print("%s: %d entries identical to ntfs-3g (%d hard-link groups)" % (what, len(mine), len(link_groups(ref))))


def image_file(spec):
    """The file a spec names (PATH@N -> PATH)."""
    if os.path.exists(spec):
        return spec
    return spec.rsplit("@", 1)[0]


# ---- checks ---------------------------------------------------------------


def check_tree(spec):
    feat = os.path.join(FIXDIR, "feat.img")
    spec = spec if os.path.isabs(spec) else os.path.join(FIXDIR, spec)
    before = sha256_file(image_file(spec))
    ref = mount_ntfs3g(feat, "ro,streams_interface=xattr")
    mine = mount_ntkitfs(spec)
    a, b = snapshot(mine), snapshot(ref)
    compare_snapshots(a, b, os.path.basename(spec))
    # the hard links of the fixture: three names, one inode = the MFT record
    ino = {os.stat(mine + p).st_ino for p in ("/dir1/linked.txt", "/dir2/link2.txt", "/link3.txt")}
    if len(ino) != 1 or ino != {os.stat(ref + "/dir1/linked.txt").st_ino}:
        fail("hard links do not share the MFT record number as inode: %r" % ino)
    if os.stat(mine + "/dir1/linked.txt").st_nlink != 3:
        fail("link count of /dir1/linked.txt is not 3")
    # block counts follow the allocated size: the sparse file is mostly a hole
    sb = os.stat(mine + "/sparse.bin")
    if not (0 < sb.st_blocks * 512 < 8 << 20) or sb.st_size != 64 << 20:
        fail("sparse.bin: size %d blocks %d" % (sb.st_size, sb.st_blocks))
    if os.stat(mine + "/packed/text.txt").st_blocks * 512 >= os.stat(mine + "/packed/text.txt").st_size // 2:
        fail("compressed file reports uncompressed block count")
    umount(mine)
    umount(ref)
    if sha256_file(image_file(spec)) != before:
        fail("image changed during the mount")
    print("image unchanged (sha256 %s)" % before[:16])


def check_erofs():
    feat = os.path.join(FIXDIR, "feat.img")
    before = sha256_file(feat)
    m = mount_ntkitfs(feat)
    attempts = {
        "open(O_WRONLY)": lambda: os.open(m + "/neighbour.txt", os.O_WRONLY),
        "open(O_RDWR)": lambda: os.open(m + "/neighbour.txt", os.O_RDWR),
        "create": lambda: os.open(m + "/new.txt", os.O_CREAT | os.O_WRONLY, 0o644),
        "mkdir": lambda: os.mkdir(m + "/newdir"),
        "rmdir": lambda: os.rmdir(m + "/dir2"),
        "unlink": lambda: os.unlink(m + "/neighbour.txt"),
        "rename": lambda: os.rename(m + "/neighbour.txt", m + "/renamed.txt"),
        "link": lambda: os.link(m + "/neighbour.txt", m + "/dir1/l"),
        "symlink": lambda: os.symlink("x", m + "/sl"),
        "chmod": lambda: os.chmod(m + "/neighbour.txt", 0o600),
        "chown": lambda: os.chown(m + "/neighbour.txt", 1, 1),
        "truncate": lambda: os.truncate(m + "/neighbour.txt", 0),
        "utime": lambda: os.utime(m + "/neighbour.txt", (1, 1)),
        "setxattr": lambda: os.setxattr(m + "/neighbour.txt", "user.x", b"1"),
        "removexattr": lambda: os.removexattr(m + "/ads.txt", "user.alpha"),
    }
    for what, fn in attempts.items():
        try:
            r = fn()
            if isinstance(r, int):
                os.close(r)
            fail("%s succeeded on a read-only mount" % what)
        except OSError as e:
            if e.errno != errno.EROFS:
                fail("%s gave %s, not EROFS" % (what, errno.errorcode.get(e.errno, e.errno)))
    umount(m)
    if sha256_file(feat) != before:
        fail("image changed")
    print("%d write attempts all failed with EROFS; image unchanged" % len(attempts))


def check_concurrent(opts=None):
    feat = os.path.join(FIXDIR, "feat.img")
    ref = mount_ntfs3g(feat)
    files = ["/big.bin", "/sparse.bin", "/packed/text.txt", "/packed/mixed.bin", "/dir1/size-65537.bin",
             "/dir1/size-4097.bin", "/ads.txt", "/many/f0123.txt"]
    want = {f: open(ref + f, "rb").read() for f in files}
    umount(ref)
    m = mount_ntkitfs(feat, opts)
    errors = []

    def reader(path, seed):
        rnd = random.Random(seed)
        data = want[path]
        try:
            with open(m + path, "rb", buffering=0) as fh:
                for _ in range(200):
                    off = rnd.randrange(0, max(1, len(data)))
                    n = rnd.choice([1, 511, 4096, 65536, 131072, 1 << 20])
                    got = os.pread(fh.fileno(), n, off)
                    if got != data[off:off + n]:
                        errors.append("%s at %d+%d" % (path, off, n))
                        return
            if sha256_file(m + path) != hashlib.sha256(data).hexdigest():
                errors.append("%s whole-file hash" % path)
        except OSError as e:
            errors.append("%s: %s" % (path, e))

    threads = [threading.Thread(target=reader, args=(f, i)) for i, f in enumerate(files)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    umount(m)
    if errors:
        fail("concurrent readers got wrong data: %s" % "; ".join(errors[:5]))
    print("8 concurrent readers x 200 random reads (%s): all equal to ntfs-3g's bytes" % (opts or "default"))


def check_damaged():
    damaged = os.path.join(FIXDIR, "damaged.img")
    m, p = mount_ntkitfs(damaged, foreground=True)
    try:
        open(m + "/victim.txt", "rb").read()
        fail("reading a file with a broken MFT record succeeded")
    except OSError as e:
        if e.errno != errno.EIO:
            fail("broken record gave %s, not EIO" % errno.errorcode.get(e.errno, e.errno))
    if open(m + "/neighbour.txt").read() != "still readable\n":
        fail("the rest of the volume stopped working")
    names = os.listdir(m)
    if "big.bin" not in names:
        fail("listing the root failed after the error")
    umount(m)
    p.wait(timeout=30)
    log = p.stderr.read()
    rec = open(os.path.join(FIXDIR, "victim.txt")).read().strip()
    if ("record %s" % rec) not in log:
        fail("no log line naming record %s; stderr was: %r" % (rec, log))
    print("damaged record: EIO + log line (%s); neighbours fine" % log.strip().splitlines()[0])


def expect_fail(cmd, what, needle=None):
    r = subprocess.run(cmd, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, timeout=120)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    if r.returncode == 0:
        fail("%s: exit status 0" % what)
    if not lines or (needle and needle not in r.stderr):
        fail("%s: expected an error mentioning %r, got %r" % (what, needle, r.stderr))
    print("%s: exit %d, %r" % (what, r.returncode, lines[0]))


def check_errors():
    d = mkdtemp()
    m = mkdtemp()
    MOUNTS.append(m)
    junk = os.path.join(d, "junk.img")
    with open(junk, "wb") as f:
        f.write(os.urandom(1 << 20))
    expect_fail([NTKITFS, junk, m], "random bytes", "not an NTFS volume")
    zeros = os.path.join(d, "zeros.img")
    with open(zeros, "wb") as f:
        f.truncate(4 << 20)
    expect_fail([NTKITFS, zeros, m], "zero-filled image", "not an NTFS volume")
    expect_fail([NTKITFS, os.path.join(d, "missing.img"), m], "missing image", "cannot open")
    mbr = os.path.join(FIXDIR, "disk-mbr.img")
    expect_fail([NTKITFS, mbr + "@1", m], "non-NTFS partition", "not an NTFS volume")
    expect_fail([NTKITFS, mbr + "@9", m], "missing partition", "no partition 9")
    # a volume whose boot sector and backup are both destroyed
    broken = os.path.join(d, "broken.img")
    shutil.copyfile(os.path.join(FIXDIR, "feat.img"), broken)
    size = os.path.getsize(broken)
    with open(broken, "r+b") as f:
        f.seek(11)
        f.write(b"\0" * 80)
        f.seek(size - 512 + 11)
        f.write(b"\0" * 80)
    expect_fail([NTKITFS, broken, m], "destroyed boot sectors", "cannot mount")
    truncated = os.path.join(d, "trunc.img.gz")
    with open(os.path.join(FIXDIR, "disk-gpt.img.gz"), "rb") as f:
        data = f.read()
    with open(truncated, "wb") as f:
        f.write(data[:1500])
    expect_fail([NTKITFS, truncated, m], "truncated gzip image", "gzip")
    feat = os.path.join(FIXDIR, "feat.img")
    expect_fail([NTKITFS, feat, os.path.join(d, "no-such-dir")], "missing mountpoint", "no-such-dir")
    expect_fail([NTKITFS, feat, junk], "mountpoint is a file", "mountpoint")
    if any(is_mounted(x) for x in (m,)):
        fail("something stayed mounted")


def check_streams():
    feat = os.path.join(FIXDIR, "feat.img")
    ref = mount_ntfs3g(feat, "ro,streams_interface=windows")
    m = mount_ntkitfs(feat, "streams=windows")
    for p in ("/ads.txt:alpha", "/ads.txt:beta", "/dir2:dirstream"):
        a = open(m + p, "rb").read()
        b = open(ref + p, "rb").read()
        if a != b:
            fail("%s differs from ntfs-3g" % p)
        if os.stat(m + p).st_size != len(b):
            fail("%s: stat size" % p)
    if os.listxattr(m + "/ads.txt"):
        fail("streams=windows should not list user.* xattrs")
    try:
        open(m + "/ads.txt:nosuch", "rb")
        fail("a missing stream opened")
    except FileNotFoundError:
        pass
    # xattrs readable in both modes
    attrib = os.getxattr(m + "/packed/text.txt", "system.ntfs_attrib")
    if attrib != os.getxattr(ref + "/packed/text.txt", "system.ntfs_attrib"):
        fail("system.ntfs_attrib differs from ntfs-3g")
    if not struct.unpack("<I", attrib)[0] & 0x800:
        fail("compressed flag missing from system.ntfs_attrib")
    for x in ("system.ntfs_dos_name",):
        if os.getxattr(m + "/A long file name.text", x) != os.getxattr(ref + "/A long file name.text", x):
            fail("%s differs" % x)
    rp_mine = os.getxattr(m + "/dir2/rel-link", "system.ntfs_reparse_data", follow_symlinks=False)
    rp_ref = os.getxattr(ref + "/dir2/rel-link", "system.ntfs_reparse_data", follow_symlinks=False)
    if rp_mine != rp_ref:
        fail("system.ntfs_reparse_data differs")
    sid = os.getxattr(m + "/neighbour.txt", "system.ntfs_owner_sid").decode()
    if not sid.startswith("S-1-"):
        fail("owner SID %r" % sid)
    print("file:stream reads equal ntfs-3g's; attrib, DOS name, reparse data equal; owner %s" % sid)


def check_sysfiles():
    feat = os.path.join(FIXDIR, "feat.img")
    m = mount_ntkitfs(feat)
    if "$MFT" in os.listdir(m):
        fail("$MFT visible without show_sys_files")
    umount(m)
    ref = mount_ntfs3g(feat, "ro,show_sys_files")
    m = mount_ntkitfs(feat, "show_sys_files")
    mine = set(os.listdir(m))
    theirs = set(os.listdir(ref))
    for name in ("$MFT", "$MFTMirr", "$LogFile", "$Bitmap", "$Boot", "$UpCase"):
        if name not in mine:
            fail("%s missing with show_sys_files (have %s)" % (name, sorted(mine)))
        if name in theirs and os.stat(m + "/" + name).st_size != os.stat(ref + "/" + name).st_size:
            fail("%s size differs from ntfs-3g" % name)
    if sha256_file(m + "/$Boot") != sha256_file(ref + "/$Boot"):
        fail("$Boot contents differ")
    print("show_sys_files: %d entries in the root, system files as ntfs-3g shows them" % len(mine))


def check_signals():
    feat = os.path.join(FIXDIR, "feat.img")
    for sig in (signal.SIGTERM, signal.SIGINT):
        m, p = mount_ntkitfs(feat, foreground=True)
        os.listdir(m)
        p.send_signal(sig)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            fail("ntkitfs did not exit on %s" % sig.name)
        if is_mounted(m):
            fail("mount left behind after %s" % sig.name)
        print("%s: exit %d, unmounted" % (sig.name, p.returncode))
    # fusermount3 -u of a daemonised mount ends the daemon
    m = mount_ntkitfs(feat)
    before = subprocess.run(["pgrep", "-f", "ntkitfs %s %s" % (feat, m)], stdout=subprocess.PIPE, text=True)
    pids = [int(x) for x in before.stdout.split()]
    umount(m)
    end = time.time() + 10
    while time.time() < end and any(os.path.exists("/proc/%d" % pid) for pid in pids):
        time.sleep(0.05)
    if any(os.path.exists("/proc/%d" % pid) for pid in pids):
        fail("daemon still running after fusermount3 -u")
    print("fusermount3 -u: daemon exited")


def small_files(root, limit=4096):
    """Relative paths of the regular files of at most `limit` bytes."""
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for n in sorted(files):
            p = os.path.join(d, n)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode) and st.st_size <= limit:
                out.append(os.path.relpath(p, root))
    return out


def check_prefill():
    feat = os.path.join(FIXDIR, "feat.img")
    ref = mount_ntfs3g(feat, "ro")
    names = small_files(ref)
    if len(names) < 600:
        fail("fixture has only %d small files" % len(names))
    want = {n: open(os.path.join(ref, n), "rb").read() for n in names}
    for opts in (None, "noprefill"):
        # by name, never listing a directory first: every open is a LOOKUP
        mine = mount_ntkitfs(feat, opts)
        for n in names:
            got = open(os.path.join(mine, n), "rb").read()
            if got != want[n]:
                fail("%s (%s): %d bytes differ from ntfs-3g's %d" % (n, opts or "prefill", len(got), len(want[n])))
            if os.stat(os.path.join(mine, n)).st_size != len(want[n]):
                fail("%s: size changed after the read" % n)
        umount(mine)
        print("%s: %d small files read by name, equal to ntfs-3g" % (opts or "default (prefill)", len(names)))
    umount(ref)
    # A store may wait for a READ: the daemon must still end promptly when
    # stopped in the middle of opens, and leave no mount behind.
    many = [n for n in names if n.startswith("many" + os.sep)]
    rng = random.Random(7)
    for i in range(8):
        m, p = mount_ntkitfs(feat, foreground=True)
        stop = threading.Event()

        def reader():
            while not stop.is_set():
                for n in many:
                    try:
                        with open(os.path.join(m, n), "rb") as f:
                            f.read()
                    except OSError:
                        return
        t = threading.Thread(target=reader, daemon=True)
        t.start()
        time.sleep(rng.uniform(0.05, 0.4))
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            fail("run %d: ntkitfs did not exit within 15 s of SIGTERM while files were being read" % i)
        stop.set()
        t.join(timeout=15)
        if t.is_alive():
            fail("run %d: the reader hangs after the daemon exited" % i)
        if is_mounted(m):
            fail("run %d: mount left behind" % i)
    print("SIGTERM during reads by name: 8 of 8 runs ended cleanly")


def check_options():
    feat = os.path.join(FIXDIR, "feat.img")
    opts = "uid=1234,gid=4321,fmask=0133,dmask=0022"
    ref = mount_ntfs3g(feat, "ro," + opts)
    m = mount_ntkitfs(feat, opts)
    for p in ("/neighbour.txt", "/dir1", "/dir1/sub/deeper/note.txt"):
        a, b = os.stat(m + p), os.stat(ref + p)
        if (a.st_uid, a.st_gid, stat.S_IMODE(a.st_mode)) != (b.st_uid, b.st_gid, stat.S_IMODE(b.st_mode)):
            fail("%s: uid/gid/mode %r vs ntfs-3g %r" % (p, (a.st_uid, a.st_gid, oct(a.st_mode)),
                                                      (b.st_uid, b.st_gid, oct(b.st_mode))))
    umount(m)
    umount(ref)
    ref = mount_ntfs3g(feat, "ro,umask=027")
    m = mount_ntkitfs(feat, "umask=027")
    for p in ("/neighbour.txt", "/dir1"):
        if stat.S_IMODE(os.stat(m + p).st_mode) != stat.S_IMODE(os.stat(ref + p).st_mode):
            fail("umask: %s mode %o vs %o" % (p, os.stat(m + p).st_mode, os.stat(ref + p).st_mode))
    print("uid/gid/fmask/dmask/umask: same owners and modes as ntfs-3g")


def check_shared(gzname, testdata, cache):
    src = os.path.join(testdata, "ntfs", gzname)
    if not os.path.exists(src):
        skip("%s not present" % src)
    os.makedirs(cache, exist_ok=True)
    # extract the bare volume once (ntfs-3g needs it without the MBR)
    vol = os.path.join(cache, gzname + ".volume")
    if not os.path.exists(vol):
        tmp = vol + ".tmp"
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            z = subprocess.Popen(["gzip", "-dc"], stdin=fin, stdout=subprocess.PIPE)
            first = z.stdout.read(512)
            skip_bytes = 0 if first[3:11] == b"NTFS    " else 65536  # msuhanov disks: volume at sector 128
            data = first
            pos = 0
            chunk = 1 << 20
            while True:
                if not data:
                    data = z.stdout.read(chunk)
                    if not data:
                        break
                if pos + len(data) <= skip_bytes:
                    pos += len(data)
                    data = b""
                    continue
                if pos < skip_bytes:
                    data = data[skip_bytes - pos:]
                    pos = skip_bytes
                if data.count(0) == len(data):
                    fout.seek(len(data), 1)
                else:
                    fout.write(data)
                pos += len(data)
                data = b""
            fout.truncate()
            z.wait()
        os.rename(tmp, vol)
    before = sha256_file(src)
    ref = mount_ntfs3g(vol, "ro,streams_interface=xattr")
    mine = mount_ntkitfs(src)
    compare_snapshots(snapshot(mine), snapshot(ref), gzname)
    umount(mine)
    umount(ref)
    if sha256_file(src) != before:
        fail("image changed")


class Dirent(ctypes.Structure):
    _fields_ = [("d_ino", ctypes.c_uint64), ("d_off", ctypes.c_int64), ("d_reclen", ctypes.c_ushort),
                ("d_type", ctypes.c_ubyte), ("d_name", ctypes.c_char * 256)]


LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
LIBC.opendir.restype = ctypes.c_void_p
LIBC.opendir.argtypes = [ctypes.c_char_p]
LIBC.readdir.restype = ctypes.POINTER(Dirent)
LIBC.readdir.argtypes = [ctypes.c_void_p]
LIBC.closedir.argtypes = [ctypes.c_void_p]
DT_NAMES = {0: "unknown", 4: "dir", 8: "file", 10: "link"}


def d_types(path):
    """name -> d_type as readdir(3) returns it (glibc on x86-64/arm64 layout)."""
    d = LIBC.opendir(os.fsencode(path))
    if not d:
        fail("opendir %s: errno %d" % (path, ctypes.get_errno()))
    out = {}
    try:
        while True:
            e = LIBC.readdir(d)
            if not e:
                break
            name = os.fsdecode(e.contents.d_name)
            if name not in (".", ".."):
                out[name] = e.contents.d_type
    finally:
        LIBC.closedir(d)
    return out


def find_links(root):
    r = subprocess.run(["find", root, "-type", "l"], stdout=subprocess.PIPE, text=True, check=True)
    return sorted(os.path.relpath(p, root) for p in r.stdout.split())


def check_dtype():
    feat = os.path.join(FIXDIR, "feat.img")
    ref = mount_ntfs3g(feat, "ro")
    want_links = find_links(ref)
    if len(want_links) < 3:
        fail("ntfs-3g shows %d symlinks, the fixture has 3" % len(want_links))
    for opts in ("readdirplus=no", None):
        m = mount_ntkitfs(feat, opts)
        seen, wrong = 0, []
        for dirpath, dirnames, filenames in os.walk(m):
            for name, t in d_types(dirpath).items():
                st = os.lstat(os.path.join(dirpath, name))
                real = 10 if stat.S_ISLNK(st.st_mode) else 4 if stat.S_ISDIR(st.st_mode) else 8
                seen += 1
                if t != real:
                    wrong.append("%s: d_type %s, lstat %s" % (os.path.join(dirpath, name)[len(m):],
                                                              DT_NAMES.get(t, t), DT_NAMES[real]))
        if wrong:
            fail("-o %s: %d d_type mismatches: %s" % (opts, len(wrong), "; ".join(wrong[:5])))
        got_links = find_links(m)
        if got_links != want_links:
            fail("-o %s: find -type l differs: ntkitfs %r, ntfs-3g %r" % (opts, got_links, want_links))
        umount(m)
        print("-o %s: %d entries, d_type = lstat type; symlinks %s as ntfs-3g" % (opts, seen, want_links))
    umount(ref)


def details():
    out = {}
    with open(os.path.join(FIXDIR, "details.txt")) as f:
        for line in f:
            k, v = line.rstrip("\n").split(" ", 1)
            out[k] = v
    return out


def getx(path, name):
    try:
        return os.getxattr(path, name, follow_symlinks=False)
    except OSError as e:
        if e.errno == errno.ENODATA:
            return None
        raise


def check_xattrs():
    feat = os.path.join(FIXDIR, "feat.img")
    want = details()
    ref = mount_ntfs3g(feat, "ro")
    m = mount_ntkitfs(feat)
    compared = 0
    for dirpath, dirnames, filenames in os.walk(ref):
        for name in dirnames + filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), ref)
            for x in ("system.ntfs_acl", "system.ntfs_object_id"):
                a, b = getx(os.path.join(m, rel), x), getx(os.path.join(ref, rel), x)
                if a != b:
                    fail("%s %s: ntkitfs %r, ntfs-3g %r" % (rel, x, a and a.hex(), b and b.hex()))
                compared += 1
            sddl = getx(os.path.join(m, rel), "system.ntfs_sddl")
            if sddl is None or not sddl.startswith(b"O:"):
                fail("%s: system.ntfs_sddl %r does not start with the owner" % (rel, sddl))
    path, oid = want["object_id"].split(" ", 1)
    got = getx(m + path, "system.ntfs_object_id")
    if got is None or got[:16].hex() != oid:
        fail("%s: object id %r, the fixture set %s" % (path, got and got.hex(), oid))
    if getx(m + "/big.bin", "system.ntfs_object_id") is not None:
        fail("/big.bin has no object id, but the xattr is there")
    path, sddl = want["sddl"].split(" ", 1)
    got = getx(m + path, "system.ntfs_sddl")
    if got is None or got.decode() != sddl:
        fail("%s: system.ntfs_sddl %r, built from %r" % (path, got, sddl))
    umount(m)
    umount(ref)
    print("%d system.ntfs_acl/object_id values equal to ntfs-3g's; SDDL %s as built" % (compared, sddl))


def check_wof():
    img = os.path.join(FIXDIR, "wof.img")
    plain = os.path.join(FIXDIR, "plain")
    names = sorted(os.listdir(plain))
    if len(names) < 8:
        fail("the fixture wrote %d WOF files" % len(names))
    ref = mount_ntfs3g(img, "ro,streams_interface=windows")
    stored = {n: os.stat(os.path.join(ref, n + ":WofCompressedData")) for n in names}
    umount(ref)
    m = mount_ntkitfs(img)
    for n in names:
        st = os.lstat(os.path.join(m, n))
        want = open(os.path.join(plain, n), "rb").read()
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(want):
            fail("%s: mode %o size %d, want a file of %d bytes" % (n, st.st_mode, st.st_size, len(want)))
        if sha256_file(os.path.join(m, n)) != hashlib.sha256(want).hexdigest():
            fail("%s: content differs from its plaintext" % n)
        if st.st_blocks != stored[n].st_blocks:
            fail("%s: st_blocks %d, ntfs-3g's WofCompressedData %d" % (n, st.st_blocks, stored[n].st_blocks))
    umount(m)
    print("%d WOF files (%s chunks): content = plaintext, st_blocks = WofCompressedData's (e.g. %s: %d of %d)"
          % (len(names), details().get("wof_chunks"), names[0], stored[names[0]].st_blocks,
             (os.path.getsize(os.path.join(plain, names[0])) + 511) // 512))


def main():
    global NTKITFS, FIXDIR
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    NTKITFS, FIXDIR, check = sys.argv[1], sys.argv[2], sys.argv[3]
    args = sys.argv[4:]
    if os.geteuid() != 0:
        skip("needs root for ntfs-3g and fuse mounts")
    try:
        os.close(os.open("/dev/fuse", os.O_RDWR))
    except OSError as e:
        skip("/dev/fuse unusable: %s" % e)
    for tool in ("ntfs-3g", "fusermount3"):
        if not shutil.which(tool):
            skip("%s missing" % tool)
    if check != "shared":
        try:
            status = open(os.path.join(FIXDIR, "status.txt")).read().strip()
        except OSError:
            skip("fixtures not generated")
        if status != "ok":
            skip("fixtures: " + status)
    try:
        if check == "tree":
            check_tree(args[0])
        elif check == "erofs":
            check_erofs()
        elif check == "concurrent":
            check_concurrent(args[0] if args else None)
        elif check == "damaged":
            check_damaged()
        elif check == "errors":
            check_errors()
        elif check == "streams":
            check_streams()
        elif check == "sysfiles":
            check_sysfiles()
        elif check == "signals":
            check_signals()
        elif check == "options":
            check_options()
        elif check == "dtype":
            check_dtype()
        elif check == "xattrs":
            check_xattrs()
        elif check == "wof":
            check_wof()
        elif check == "prefill":
            check_prefill()
        elif check == "shared":
            check_shared(args[0], args[1], args[2])
        else:
            print("unknown check", check)
            return 2
    finally:
        cleanup()
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
