#!/usr/bin/env python3
"""Differential tests for NTFS images: the generator's manifest, sleuthkit
(fls/icat), ntfs-3g's ntfsprogs (ntfsls/ntfscat) and `ntkit ntfs`.

  ntfs_compare.py selfcheck GENDIR NAME
      The generated image NAME agrees with its manifest according to the
      oracles (fls -r -p names, icat contents, icat of $REPARSE_POINT).
      Proves the generator and the oracles before ntkit is involved.

  ntfs_compare.py ntkit NTKIT GENDIR NAME
      `ntkit ntfs ls -R --json` and `ntkit ntfs cat` on NAME agree with the
      manifest (every file, directory and stream: type, size, sha256) and
      with fls/icat (names, MFT numbers, contents).

  ntfs_compare.py shared NTKIT SHARED_DIR CACHE_DIR FILE.gz
      A real Windows image: every directory listing equals fls's, every
      file's and stream's content equals icat's. Disk images with an MBR
      (volume at byte 65536) use --offset 65536 / fls -o 128. Images TSK
      cannot read (2 MiB clusters) use ntfsls/ntfscat on the extracted
      volume instead.

Exit 0 = pass, 1 = fail, 77 = skipped (missing data, tool or command).
"""
import fcntl
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
HUGE = 64 << 20   # streams larger than this are compared by size only
MAX_REPORT = 40


class Failures:
    def __init__(self):
        self.items = []

    def add(self, msg):
        self.items.append(msg)

    def done(self, what):
        if self.items:
            for m in self.items[:MAX_REPORT]:
                print("FAIL:", m)
            if len(self.items) > MAX_REPORT:
                print("... and %d more failures" % (len(self.items) - MAX_REPORT))
            print("%s: %d failures" % (what, len(self.items)))
            return 1
        print("%s: ok" % what)
        return 0


def skip(msg):
    print("SKIP:", msg)
    sys.exit(SKIP)


def need_tools(*tools):
    for t in tools:
        if not shutil.which(t):
            skip("%s is not installed" % t)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def run(cmd, check=True):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode,
                                                 p.stderr.decode("utf-8", "replace")[:500]))
    return p


# --------------------------------------------------------------------------
# manifest


def read_manifest(path):
    rows = {}
    params = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                if "=" in line and "\t" not in line:
                    k, v = line[1:].strip().split("=", 1)
                    params[k] = v
                continue
            kind, p, size, digest, extra = line.split("\t")
            ex = {}
            if extra != "-":
                for item in extra.split(","):
                    k, _, v = item.partition("=")
                    ex[k] = v if _ else True
            rows[p] = (kind, int(size), digest, ex)
    return params, rows


def gen_image(gendir, name):
    status = os.path.join(gendir, "status.txt")
    if not os.path.exists(status):
        skip("no generated images in %s (run the ntfs_generate_images fixture)" % gendir)
    st = open(status).read().strip()
    if st != "ok":
        skip("images were not generated: %s" % st)
    img = os.path.join(gendir, name + ".img")
    params, rows = read_manifest(img + ".manifest.tsv")
    return img, params, rows


def sampled(rows, lean=False):
    """Entries whose content is checked: all, except in /bigdir (every
    1000th) and, when `lean`, in /many (every 10th: these 200 tiny files
    are there for the index B-tree, not for their data, and each check
    costs one ntkit process). Names and sizes are compared in full."""
    out = []
    for p in sorted(rows):
        n = p.rsplit("/", 1)[1]
        if p.startswith("/bigdir/"):
            if not (n[1:6].isdigit() and int(n[1:6]) % 1000 == 0):
                continue
        if lean and p.startswith("/many/") and n.startswith("entry-"):
            if not (n[6:10].isdigit() and int(n[6:10]) % 10 == 0):
                continue
        out.append(p)
    return out


# --------------------------------------------------------------------------
# sleuthkit


def fls_entries(img, sector_offset=0, system=False):
    """{path: (type, inode_addr)} from `fls -r -p -u`; paths absolute, ADS as
    path:stream. The virtual $OrphanFiles is left out, and so are the root
    metafiles ($MFT, $Extend/...) unless `system`."""
    cmd = ["fls", "-r", "-p", "-u"]
    if sector_offset:
        cmd += ["-o", str(sector_offset)]
    # fls takes seconds on a 50,000-entry directory: keep its output next
    # to the image while the image is unchanged.
    cache = img + ".fls-o%d.txt" % sector_offset
    st = os.stat(img)
    key = "# %d %d\n" % (st.st_size, st.st_mtime_ns)
    raw = None
    # Tests of one image run in parallel: the first runs fls, the others
    # wait for its result.
    with open(cache + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(cache, "rb") as f:
                if f.readline().decode() == key:
                    raw = f.read()
        except OSError:
            pass
        if raw is None:
            raw = run(cmd + [img]).stdout
            try:
                with open(cache + ".%d" % os.getpid(), "wb") as f:
                    f.write(key.encode() + raw)
                os.replace(cache + ".%d" % os.getpid(), cache)
            except OSError:
                pass
    out = raw.decode("utf-8", "surrogateescape")
    ents = {}
    for line in out.splitlines():
        head, _, name = line.partition("\t")
        if not name:
            continue
        parts = head.split()
        typ = parts[0]
        addr = parts[-1].rstrip(":")
        if typ.startswith("V") or name.startswith("$OrphanFiles"):
            continue
        if name.startswith("$") and not system:
            continue
        if "/.:" in name:
            continue  # fls repeats a directory's streams as dir/.:stream
        ents["/" + name] = (typ, addr)
    return ents


def icat(img, addr, sector_offset=0):
    cmd = ["icat"]
    if sector_offset:
        cmd += ["-o", str(sector_offset)]
    return run(cmd + [img, addr]).stdout


def base_addr(addr):
    return addr.split("-")[0]


class TskContents:
    """Contents of files by their path, as sleuthkit reads them: one
    `tsk_recover -a` run for all default streams (an icat process costs
    ~40 ms, too much for hundreds of files), icat for named streams,
    reparse buffers and names tsk_recover cannot write (longer than 255
    bytes in UTF-8)."""

    def __init__(self, img, fls, sector_offset=0, bulk=True):
        self.img = img
        self.fls = fls
        self.off = sector_offset
        self.dir = None
        if bulk and shutil.which("tsk_recover"):
            self.dir = tempfile.mkdtemp(prefix="ntkit-tsk-")
            cmd = ["tsk_recover", "-a"]
            if sector_offset:
                cmd += ["-o", str(sector_offset)]
            run(cmd + [img, self.dir], check=False)

    def close(self):
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def get(self, path, reparse=False):
        typ, addr = self.fls[path]
        if reparse:
            return icat(self.img, base_addr(addr) + "-192", self.off)
        if self.dir and ":" not in path.rsplit("/", 1)[-1]:
            local = self.dir + path
            try:
                if os.path.isfile(local) and not os.path.islink(local):
                    with open(local, "rb") as f:
                        return f.read()
            except OSError:
                pass
        return icat(self.img, addr, self.off)


# --------------------------------------------------------------------------
# ntkit


def ntkit_has_ntfs(ntkit):
    if not ntkit or not os.path.exists(ntkit):
        return False
    p = subprocess.run([ntkit, "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return b"ntfs" in p.stdout


def ntkit_ls(ntkit, img, offset=0):
    cmd = [ntkit, "ntfs", "ls", img, "/", "-R", "-a", "--json"]
    if offset:
        cmd += ["--offset", str(offset)]
    p = run(cmd, check=False)
    ents = {}
    bad = []
    for line in p.stdout.decode("utf-8", "surrogateescape").splitlines():
        if not line.strip():
            continue
        try:
            o = json.loads(line)
        except ValueError:
            bad.append(line)
            continue
        key = o.get("path")
        if isinstance(key, str) and o.get("stream"):
            key += ":" + o["stream"]   # -a lists named streams as extra objects
        if key in ents:
            bad.append("duplicate entry " + line)
        ents[key] = o
    return p.returncode, ents, bad, p.stderr.decode("utf-8", "replace")


def ntkit_cat(ntkit, img, path, offset=0):
    cmd = [ntkit, "ntfs", "cat", img, path]
    if offset:
        cmd += ["--offset", str(offset)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace").strip()


def ntkit_stat(ntkit, img, path, offset=0):
    cmd = [ntkit, "ntfs", "stat", img, path, "--json"]
    if offset:
        cmd += ["--offset", str(offset)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        return None
    try:
        return json.loads(p.stdout.decode("utf-8", "surrogateescape"))
    except ValueError:
        return None


def stat_fact_problem(st, fact, ex):
    """Compares one manifest fact with `stat --json`; None when it agrees or
    stat does not report that field."""
    if fact in ("symlink", "junction"):
        if st.get("type") != "symlink":
            return "type %r, expected 'symlink'" % st.get("type")
        tag = {"symlink": 0xA000000C, "junction": 0xA0000003}[fact]
        if "reparse_tag" in st and st["reparse_tag"] != tag:
            return "reparse_tag 0x%x, expected 0x%x" % (st["reparse_tag"], tag)
        if "reparse_target" in st and st["reparse_target"] != ex[fact]:
            return "reparse_target %r, expected %r" % (st["reparse_target"], ex[fact])
        relative = fact == "symlink" and not ex[fact][1:3] == ":\\"
        if "reparse_relative" in st and st["reparse_relative"] != relative:
            return "reparse_relative %r, expected %r" % (st["reparse_relative"], relative)
    elif fact == "dos":
        if "names" in st:
            dos = [n.get("name") for n in st["names"] if n.get("namespace") == "DOS"]
            if dos != [ex["dos"]]:
                return "DOS names %r, expected [%r]" % (dos, ex["dos"])
    elif fact in ("compressed", "sparse"):
        if fact in st and st[fact] != (fact in ex):
            return "%s %r, expected %r" % (fact, st[fact], fact in ex)
    elif fact == "fragmented":
        if "attribute_list" in st and st["attribute_list"] is not True:
            return "attribute_list %r for the fragmented file" % st["attribute_list"]
        if "runs" in st and len(st["runs"]) < 100:
            return "only %d runs for the fragmented file" % len(st["runs"])
    elif fact == "links":
        if "links" in st and str(st["links"]) != ex["links"]:
            return "links %r, expected %s" % (st["links"], ex["links"])
    return None


def user_entries(ents):
    """ntkit entries of the user namespace (metafiles at the root left out,
    as for fls)."""
    out = {}
    for p, o in ents.items():
        if not isinstance(p, str) or p == "/":
            continue
        first = p.lstrip("/").split("/", 1)[0]
        if first.startswith("$"):
            continue
        out[p] = o
    return out


def fls_type(typ):
    t = typ.split("/")[-1]
    return {"r": "file", "d": "dir", "l": "symlink"}.get(t, t)


# --------------------------------------------------------------------------
# modes


def cmd_selfcheck(gendir, name):
    need_tools("fls", "icat")
    img, params, rows = gen_image(gendir, name)
    fail = Failures()
    fls = fls_entries(img)
    want = {p for p in rows if p != "/"}
    for p in sorted(want - set(fls)):
        fail.add("%s: in the manifest, not in fls" % p)
    for p in sorted(set(fls) - want):
        fail.add("%s: in fls, not in the manifest" % p)
    paths = sampled(rows)
    tsk = TskContents(img, fls, bulk=len(rows) < 5000)
    for p in paths:
        kind, size, digest, ex = rows[p]
        if p not in fls or kind == "dir":
            continue
        typ, addr = fls[p]
        want_type = "dir" if kind == "reparse" and ex.get("dir") else \
            "dir" if kind == "dir" else "file"
        if kind != "ads" and fls_type(typ) != want_type:
            fail.add("%s: fls type %s, manifest %s" % (p, typ, want_type))
        data = tsk.get(p, reparse=(kind == "reparse"))
        if len(data) != size or sha(data) != digest:
            fail.add("%s: icat gives %d bytes sha %s, manifest %d %s"
                     % (p, len(data), sha(data)[:16], size, digest[:16]))
    # Hard links share one MFT record.
    groups = {}
    for p, (kind, size, digest, ex) in rows.items():
        if "links" in ex and p in fls:
            groups.setdefault(digest, set()).add(base_addr(fls[p][1]))
    for d, addrs in groups.items():
        if len(addrs) != 1:
            fail.add("hard links with content %s have records %s" % (d[:16], sorted(addrs)))
    tsk.close()
    return fail.done("selfcheck %s (%d entries)" % (name, len(want)))


def cmd_ntkit(ntkit, gendir, name):
    need_tools("fls", "icat")
    if not ntkit_has_ntfs(ntkit):
        skip("%s has no 'ntfs' command yet" % ntkit)
    img, params, rows = gen_image(gendir, name)
    fail = Failures()
    t0 = time.time()
    rc, ents, bad, err = ntkit_ls(ntkit, img)
    t_ls = time.time() - t0
    if rc != 0:
        fail.add("ntkit ntfs ls -R exited %d: %s" % (rc, err[:300]))
    for line in bad[:5]:
        fail.add("ls --json printed a line that is not JSON: %r" % line[:200])
    ents = user_entries(ents)
    streams = {p: o for p, o in ents.items() if ":" in p.rsplit("/", 1)[-1]}
    ents = {p: o for p, o in ents.items() if p not in streams}
    fls = fls_entries(img)

    # 1. names: ntkit == manifest (files, dirs, reparse points)
    want = {p for p, r in rows.items() if p != "/" and r[0] != "ads"}
    for p in sorted(want - set(ents)):
        fail.add("%s: in the manifest, missing from ntkit ls -R" % p)
    for p in sorted(set(ents) - want):
        fail.add("%s: listed by ntkit, not in the manifest" % p)
    # `ls -a` lists named streams: they must be the manifest's
    want_ads = {p for p, r in rows.items() if r[0] == "ads"}
    for p in sorted(want_ads - set(streams)):
        fail.add("%s: stream in the manifest, missing from ntkit ls -R -a" % p)
    for p in sorted(set(streams) - want_ads):
        fail.add("%s: stream listed by ntkit, not in the manifest" % p)
    for p in sorted(want_ads & set(streams)):
        if streams[p].get("size") != rows[p][1]:
            fail.add("%s: ntkit stream size %r, manifest %d" % (p, streams[p].get("size"), rows[p][1]))

    # 2. types, sizes, MFT numbers: ntkit == manifest and == fls
    for p in sorted(want & set(ents)):
        kind, size, digest, ex = rows[p]
        o = ents[p]
        if kind == "dir":
            exp = "dir"
        elif kind == "reparse":
            exp = "symlink"
        else:
            exp = "file"
        if o.get("type") != exp:
            fail.add("%s: ntkit type %r, expected %r" % (p, o.get("type"), exp))
        if kind == "file" and o.get("size") != size:
            fail.add("%s: ntkit size %r, manifest %d" % (p, o.get("size"), size))
        if p in fls:
            if str(o.get("mft")) != base_addr(fls[p][1]):
                fail.add("%s: ntkit mft %r, fls %s" % (p, o.get("mft"), fls[p][1]))

    # 3. contents: every file and stream (bigdir and /many sampled)
    for p in sampled(rows, lean=True):
        kind, size, digest, ex = rows[p]
        if kind not in ("file", "ads"):
            continue
        rc, data, err = ntkit_cat(ntkit, img, p)
        if rc != 0:
            fail.add("%s: ntkit ntfs cat exited %d: %s" % (p, rc, err[:200]))
            continue
        if len(data) != size or sha(data) != digest:
            fail.add("%s: ntkit cat gives %d bytes sha %s, manifest %d %s"
                     % (p, len(data), sha(data)[:16], size, digest[:16]))
            # and what does the oracle say?
            if p in fls:
                ref = icat(img, fls[p][1])
                if ref != data:
                    fail.add("%s: ntkit cat differs from icat %s" % (p, fls[p][1]))

    # 4. what stat --json says about the special entries, against the facts
    #    the generator recorded (checked only where stat reports the field)
    for p in sorted(rows):
        kind, size, digest, ex = rows[p]
        facts = {k for k in ex if k in ("symlink", "junction", "dos", "compressed",
                                        "sparse", "fragmented", "links")}
        if kind == "file" and p.startswith("/compressed/"):
            facts.add("compressed")  # checked both ways: set or not set
        if not facts:
            continue
        st = ntkit_stat(ntkit, img, p)
        if st is None:
            fail.add("%s: ntkit ntfs stat --json failed" % p)
            continue
        for k in sorted(facts):
            problem = stat_fact_problem(st, k, ex)
            if problem:
                fail.add("%s: stat: %s" % (p, problem))

    # 5. errors a user sees
    rc, data, err = ntkit_cat(ntkit, img, "/no/such/file")
    if rc != 1:
        fail.add("cat of a missing path exited %d, expected 1 (not found)" % rc)
    rc, data, err = ntkit_cat(ntkit, img, "/hello.txt:nosuchstream") if "/hello.txt" in rows \
        else (1, b"", "")
    if rc != 1:
        fail.add("cat of a missing stream exited %d, expected 1 (not found)" % rc)
    print("ntkit ls -R: %d entries in %.2f s" % (len(ents), t_ls))
    return fail.done("ntkit vs manifest+fls/icat %s (%d entries)" % (name, len(want)))


# --------------------------------------------------------------------------
# real images


def shared_image(shared_dir, cache, gzname):
    """Decompresses FILE.gz (once, sparse) into the cache directory."""
    src = os.path.join(shared_dir, "ntfs", gzname)
    if not os.path.exists(src):
        skip("%s is absent" % src)
    os.makedirs(cache, exist_ok=True)
    out = os.path.join(cache, gzname[:-3])
    stamp = out + ".src"
    st = os.stat(src)
    key = "%s %d %d" % (src, st.st_size, int(st.st_mtime))
    if os.path.exists(out) and os.path.exists(stamp) and open(stamp).read() == key:
        return out
    tmp = out + ".tmp"
    zero = bytes(1 << 16)
    with gzip.open(src, "rb") as f, open(tmp, "wb") as o:
        while True:
            b = f.read(1 << 16)
            if not b:
                break
            if b == zero[:len(b)]:
                o.seek(len(b), 1)  # keep the copy sparse
            else:
                o.write(b)
        o.truncate()
    os.replace(tmp, out)
    with open(stamp, "w") as f:
        f.write(key)
    return out


def volume_offset(img):
    """0 for a bare volume, else the byte offset of the first NTFS partition
    found in the MBR."""
    with open(img, "rb") as f:
        head = f.read(512)
    if head[3:11] == b"NTFS    ":
        return 0
    if head[510:512] != b"\x55\xaa":
        return 0
    for i in range(4):
        e = head[446 + 16 * i:462 + 16 * i]
        if e[4] in (0x07,):
            return int.from_bytes(e[8:12], "little") * 512
    return 0


def extract_volume(img, offset):
    out = img + ".vol"
    if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(img):
        return out
    zero = bytes(1 << 16)
    with open(img, "rb") as f, open(out + ".tmp", "wb") as o:
        f.seek(offset)
        while True:
            b = f.read(1 << 16)
            if not b:
                break
            if b == zero[:len(b)]:
                o.seek(len(b), 1)
            else:
                o.write(b)
        o.truncate()
    os.replace(out + ".tmp", out)
    return out


def ntfsls_entries(vol):
    """{path: type} from ntfs-3g's ntfsls -R -F (a fallback oracle for
    images sleuthkit cannot read)."""
    out = run(["ntfsls", "-f", "-R", "-F", "-a", "-s", vol]).stdout.decode("utf-8", "surrogateescape")
    ents = {}
    cur = "/"
    for line in out.splitlines():
        if not line:
            continue
        if line.endswith(":") and line.startswith("/"):
            cur = line[:-1]
            if not cur.endswith("/"):
                cur += "/"
            continue
        if line in (".", "..", "./", "../"):
            continue
        typ = "file"
        name = line
        if name.endswith("/"):
            typ = "dir"
            name = name[:-1]
        ents[cur + name] = typ
    return ents


def icat_short_read(img, off, path, data, ref):
    """sleuthkit's icat stops at a stream's initialized size (valid data
    length); NTFS reads the rest as zeros. When icat's bytes are a prefix
    of ntkit's, the rest is zeros and ntfs-3g's ntfscat (a second oracle)
    gives exactly ntkit's bytes, that is agreement. Returns the reason, or
    None."""
    if len(ref) >= len(data) or data[:len(ref)] != ref or data[len(ref):].count(0) != len(data) - len(ref):
        return None
    if not shutil.which("ntfscat"):
        return None
    vol = extract_volume(img, off) if off else img
    host, _, stream = path.partition(":")
    cmd = ["ntfscat", "-f"] + (["-n", stream] if stream else []) + [vol, host]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode == 0 and p.stdout == data:
        return ("icat stops after %d bytes (initialized size); ntfscat and ntkit give %d"
                % (len(ref), len(data)))
    return None


def cmd_shared(ntkit, shared_dir, cache, gzname):
    if not ntkit_has_ntfs(ntkit):
        skip("%s has no 'ntfs' command yet" % ntkit)
    if not os.path.isdir(shared_dir):
        skip("shared test data %s is absent" % shared_dir)
    img = shared_image(shared_dir, cache, gzname)
    off = volume_offset(img)
    fail = Failures()
    rc, ents, bad, err = ntkit_ls(ntkit, img, off)
    if rc != 0:
        fail.add("ntkit ntfs ls -R exited %d: %s" % (rc, err[:300]))
    for line in bad[:5]:
        fail.add("ls --json printed a line that is not JSON: %r" % line[:200])
    ents.pop("/", None)
    streams = {p: o for p, o in ents.items() if ":" in p.rsplit("/", 1)[-1]}
    files = {p: o for p, o in ents.items() if p not in streams}

    tsk = shutil.which("fls") and run(["fls", "-o", str(off // 512), img], check=False).returncode == 0
    checked = 0
    if tsk:
        oracle = "fls/icat"
        # System files included: ntkit ls -a shows them.
        fls = fls_entries(img, off // 512, system=True)
        fls_names = {p for p in fls if ":" not in p.rsplit("/", 1)[-1]}
        # Only $DATA streams (type 128); fls also shows index streams such
        # as $Secure:$SDH. A name fls shows only through a stream (a file
        # with no unnamed $DATA, e.g. $Secure) is still a name.
        fls_streams = {p for p in set(fls) - fls_names if fls[p][1].split("-")[1:2] == ["128"]}
        fls_names |= {p.rsplit(":", 1)[0] for p in set(fls) - fls_names}
        for p in sorted(fls_names - set(files)):
            fail.add("%s: listed by fls, not by ntkit" % p)
        for p in sorted(set(files) - fls_names):
            fail.add("%s: listed by ntkit, not by fls" % p)
        for p in sorted(fls_streams - set(streams)):
            fail.add("%s: stream listed by fls, not by ntkit ls -a" % p)
        for p in sorted(set(streams) - fls_streams):
            fail.add("%s: stream listed by ntkit ls -a, not by fls" % p)
        for p in sorted(fls_names & set(files)):
            o = files[p]
            if p not in fls:
                continue
            typ, addr = fls[p]
            if fls_type(typ) != o.get("type") and o.get("type") != "symlink":
                fail.add("%s: ntkit type %r, fls %s" % (p, o.get("type"), typ))
            if str(o.get("mft")) != base_addr(addr):
                fail.add("%s: ntkit mft %r, fls %s" % (p, o.get("mft"), addr))
        # contents of every file and $DATA stream fls lists
        for p in sorted(fls):
            typ, addr = fls[p]
            is_stream = ":" in p.rsplit("/", 1)[-1]
            if is_stream and p not in fls_streams:
                continue
            if not is_stream and fls_type(typ) != "file":
                continue
            listed = streams.get(p) if is_stream else files.get(p)
            if listed is not None and listed.get("size", 0) > HUGE:
                # e.g. $BadClus:$Bad, sparse over the whole volume: sizes only
                if listed.get("mft") != int(base_addr(addr)):
                    fail.add("%s: ntkit mft %r, fls %s" % (p, listed.get("mft"), addr))
                continue
            ref = icat(img, addr, off // 512)
            rc, data, err = ntkit_cat(ntkit, img, p, off)
            checked += 1
            if rc != 0:
                fail.add("%s: ntkit ntfs cat exited %d: %s" % (p, rc, err[:200]))
            elif data != ref:
                why = icat_short_read(img, off, p, data, ref)
                if why:
                    print("note: %s: %s" % (p, why))
                    ref = data
                else:
                    fail.add("%s: ntkit cat gives %d bytes sha %s, icat %d %s"
                             % (p, len(data), sha(data)[:16], len(ref), sha(ref)[:16]))
            if listed is not None and listed.get("size") != len(ref):
                fail.add("%s: ntkit ls size %r, icat %d bytes" % (p, listed.get("size"), len(ref)))
    else:
        # sleuthkit 4.11 cannot read this volume (e.g. 2 MiB clusters):
        # ntfs-3g's ntfsprogs on the extracted volume are the oracle.
        need_tools("ntfsls", "ntfscat")
        oracle = "ntfsls/ntfscat"
        vol = extract_volume(img, off) if off else img
        ref_ents = ntfsls_entries(vol)
        for p in sorted(set(ref_ents) - set(files)):
            fail.add("%s: listed by ntfsls, not by ntkit" % p)
        for p in sorted(set(files) - set(ref_ents)):
            fail.add("%s: listed by ntkit, not by ntfsls" % p)
        for p in sorted(set(ref_ents) & set(files)):
            if ref_ents[p] != files[p].get("type") and files[p].get("type") != "symlink":
                fail.add("%s: ntkit type %r, ntfsls %s" % (p, files[p].get("type"), ref_ents[p]))
            if ref_ents[p] != "file":
                continue
            refp = run(["ntfscat", "-f", vol, p], check=False)
            if refp.returncode != 0:
                # no unnamed $DATA (e.g. $Extend/$ObjId): nothing to compare
                print("note: %s: ntfscat: %s" % (p, refp.stderr.decode("utf-8", "replace").strip()[:120]))
                continue
            ref = refp.stdout
            rc, data, err = ntkit_cat(ntkit, img, p, off)
            checked += 1
            if rc == 1:
                # ntfscat falls back to the first named stream when there
                # is no unnamed $DATA ($Secure -> $SDS); ntkit says "not
                # found". Agreement if that stream's bytes match.
                named = [q for q in streams if q.startswith(p + ":")]
                alt = [q for q in named if ntkit_cat(ntkit, img, q, off)[1] == ref]
                if alt:
                    print("note: %s: no unnamed $DATA; ntfscat printed %s" % (p, alt[0]))
                    continue
            if rc != 0:
                fail.add("%s: ntkit ntfs cat exited %d: %s" % (p, rc, err[:200]))
            elif data != ref:
                diff = [i for i in range(min(len(data), len(ref))) if data[i] != ref[i]] \
                    if len(data) == len(ref) and len(data) <= HUGE else None
                if p in ("/$MFT", "/$MFTMirr") and diff and all(i % 512 >= 510 for i in diff):
                    # ntfscat applies the update-sequence fixups of MFT
                    # records; ntkit (like icat) prints the raw clusters.
                    print("note: %s: differs from ntfscat only in %d update-sequence slots"
                          % (p, len(diff)))
                    continue
                fail.add("%s: ntkit cat gives %d bytes, ntfscat %d" % (p, len(data), len(ref)))
        # ntfsls does not list named streams: check the ones ntkit lists.
        for p in sorted(streams):
            if streams[p].get("size", 0) > HUGE:
                continue
            host, _, name = p.rpartition(":")
            refp = run(["ntfscat", "-f", "-n", name, vol, host], check=False)
            rc, data, err = ntkit_cat(ntkit, img, p, off)
            checked += 1
            if refp.returncode != 0:
                fail.add("%s: listed by ntkit, ntfscat -n cannot read it" % p)
            elif rc != 0 or data != refp.stdout:
                fail.add("%s: ntkit cat (exit %d) gives %d bytes, ntfscat %d"
                         % (p, rc, len(data), len(refp.stdout)))
    print("%s: offset %d, %d entries, %d streams read, oracle %s"
          % (gzname, off, len(files), checked, oracle))
    return fail.done("ntkit vs %s on %s" % (oracle, gzname))


def main(argv):
    if len(argv) >= 3 and argv[0] == "selfcheck":
        return cmd_selfcheck(argv[1], argv[2])
    if len(argv) >= 4 and argv[0] == "ntkit":
        return cmd_ntkit(argv[1], argv[2], argv[3])
    if len(argv) >= 5 and argv[0] == "shared":
        return cmd_shared(argv[1], argv[2], argv[3], argv[4])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
