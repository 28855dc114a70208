#!/usr/bin/env python3
"""`ntkit ntfs` as a product: whole disks, gzip, extract, find, exit codes.

  ntfs_product.py make WORK            builds the fixture (needs root, /dev/fuse,
                                       mkntfs, ntfs-3g, sfdisk, sgdisk, gzip)
  ntfs_product.py disks NTKIT WORK     MBR (extended + logical) and GPT disks,
                                       plain and gzipped: info vs sfdisk -J,
                                       ls -R vs fls -r -o, cat vs icat -o, @N,
                                       --offset, a GPT with a damaged primary
  ntfs_product.py extract NTKIT WORK   extraction vs the manifest (sha256,
                                       times, holes, streams, links), hostile
                                       names, write errors, progress
  ntfs_product.py find NTKIT WORK      find vs filters of the manifest
  ntfs_product.py errors NTKIT WORK    every error path: exit code + one line

The manifest is written by `make` from what it put on the volume through an
ntfs-3g mount (never read back with ntkit): WORK/vol.manifest.json maps each
path to kind (file/dir/symlink), size, sha256, mtime/atime (ns), link
target, streams {name: sha256} and hard-link group. Exit 77 = skip.
"""
import fnmatch
import gzip
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "testdata", "ntfs"))
SKIP = 77
VOL_SIZE = 24 << 20
SECTOR = 512
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL: " + msg)


def sha(b):
    return hashlib.sha256(b).hexdigest()


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def finish():
    print("%d failures" % failures)
    return 1 if failures else 0


# --------------------------------------------------------------------------
# make


# 2020-01-01T00:00:00Z plus a day per entry, with a sub-second part that
# NTFS keeps (100 ns units).
BASE_NS = 1577836800 * 10**9


def make(work):
    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        print("skip: needs root and /dev/fuse")
        return SKIP
    for t in ("mkntfs", "ntfs-3g", "sfdisk", "sgdisk", "gzip"):
        if not shutil.which(t):
            print("skip: %s missing" % t)
            return SKIP
    import gen_ntfs_images as gen
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    vol = os.path.join(work, "vol.img")
    gen.mkntfs(vol, VOL_SIZE, 4096, label="prodvol")
    man = {}
    order = []  # paths in creation order (times are set in reverse)

    def add(path, **kw):
        man[path] = kw
        order.append(path)

    with gen.mounted(vol) as mnt:
        def p(path):
            return mnt + path

        def mkdir(path):
            os.mkdir(p(path))
            add(path, kind="dir", size=0)

        def wfile(path, data, **kw):
            with open(p(path), "wb") as f:
                f.write(data)
            add(path, kind="file", size=len(data), sha=sha(data), **kw)

        wfile("/hello.txt", b"Hello, NTFS!\n")
        mkdir("/docs")
        wfile("/docs/readme.txt", b"read me\n")
        wfile("/docs/Report.DOC", gen.rand_bytes(5, 3000))
        mkdir("/docs/sub")
        wfile("/docs/sub/deep.txt", b"deeper\n")
        mkdir("/data")
        wfile("/data/random-300k.bin", gen.rand_bytes(1, 300000))
        wfile("/data/small.bin", gen.rand_bytes(2, 1000))
        wfile("/data/empty.bin", b"")
        wfile("/data/exactly-100k.bin", gen.rand_bytes(3, 100 * 1024))
        # sparse: data at 0, 6 MiB and the end
        a, b, c = gen.rand_bytes(11, 4096), gen.rand_bytes(12, 5000), b"end!"
        total = 8 << 20
        with open(p("/sparse.bin"), "wb") as f:
            f.write(a)
            f.seek(6 << 20)
            f.write(b)
            f.truncate(total - len(c))
            f.seek(total - len(c))
            f.write(c)
        img = bytearray(total)
        img[0:4096] = a
        img[6 << 20:(6 << 20) + 5000] = b
        img[total - 4:] = c
        add("/sparse.bin", kind="file", size=total, sha=sha(bytes(img)), sparse=True)
        # LZNT1 with a run of zeros in the middle
        mkdir("/compressed")
        os.setxattr(p("/compressed"), "system.ntfs_attrib_be", (0x810).to_bytes(4, "big"))
        wfile("/compressed/text.txt", gen.text_bytes(21, 200000))
        wfile("/compressed/zeros-mid.bin",
              gen.text_bytes(22, 70000) + bytes(256 << 10) + gen.text_bytes(23, 50000))
        # alternate data streams, on a file and on a directory
        wfile("/ads-host.txt", b"main stream\n")
        streams = {"small": b"a small resident stream\n", "big": gen.rand_bytes(31, 100000)}
        for n, d in streams.items():
            with open(p("/ads-host.txt") + ":" + n, "wb") as f:
                f.write(d)
        man["/ads-host.txt"]["streams"] = {n: sha(d) for n, d in streams.items()}
        with open(p("/docs") + ":dirstream", "wb") as f:
            f.write(b"stream on a directory\n")
        man["/docs"]["streams"] = {"dirstream": sha(b"stream on a directory\n")}
        # hard links
        mkdir("/links")
        mkdir("/links/other")
        data = b"one file, three names\n"
        wfile("/links/original.txt", data, group=1)
        for q in ("/links/hard1.txt", "/links/other/hard2.txt"):
            os.link(p("/links/original.txt"), p(q))
            add(q, kind="file", size=len(data), sha=sha(data), group=1)
        # symlinks and a junction (raw reparse buffers), expected targets
        for q, buf, is_dir, want in [
            ("/links/rel-link.txt", gen.symlink_buffer("..\\docs\\readme.txt", True), False,
             "../docs/readme.txt"),
            ("/links/abs-link.txt", gen.symlink_buffer("C:\\docs\\readme.txt", False), False,
             "../docs/readme.txt"),
            ("/links/dir-link", gen.symlink_buffer("..\\docs", True), True, "../docs"),
            ("/links/junction", gen.junction_buffer("C:\\docs"), True, "../docs"),
            ("/root-junction", gen.junction_buffer("C:\\data"), True, "data"),
        ]:
            if is_dir:
                os.mkdir(p(q))
            else:
                open(p(q), "wb").close()
            os.setxattr(p(q), "system.ntfs_reparse_data", buf, follow_symlinks=False)
            man[q] = {"kind": "symlink", "size": 0, "target": want}
        # unicode and case
        mkdir("/unicode")
        for n in ("café.txt", "日本語.txt", "Привет.TXT", "😀 smile.txt"):
            wfile("/unicode/" + n, n.encode() + b"\n")
        # nesting
        q = "/deep"
        mkdir(q)
        for i in range(1, 11):
            q += "/d%02d" % i
            mkdir(q)
        wfile(q + "/leaf.txt", b"ten levels down\n")
        # names the hostile copy renames (same UTF-16 length)
        mkdir("/evil")
        wfile("/evil/EVILNAME01", b"would be ../evil/ab\n")
        wfile("/evil/zz", b"would be ..\n")
        wfile("/evil/q0q", b"would hold a NUL\n")
        wfile("/evil/ok.txt", b"harmless\n")
        # times last, children before parents
        for i, q in enumerate(order):
            man[q]["mtime"] = BASE_NS + i * 86400 * 10**9 + (i * 1234567 % 10**7) * 100
            man[q]["atime"] = man[q]["mtime"] + 3600 * 10**9
        for q in reversed(order):
            os.utime(p(q), ns=(man[q]["atime"], man[q]["mtime"]), follow_symlinks=False)
        # hard links share one inode: the last utime (the first name) wins
        for q in order:
            if man[q].get("group"):
                man[q]["mtime"] = man["/links/original.txt"]["mtime"]
                man[q]["atime"] = man["/links/original.txt"]["atime"]
        os.sync()
    with open(os.path.join(work, "vol.manifest.json"), "w") as f:
        json.dump(man, f, indent=0, sort_keys=True)
    vol_sectors = VOL_SIZE // SECTOR

    # MBR: 1 Linux primary, an extended partition holding logical 5 (NTFS)
    # and logical 6 (Linux).
    mbr = os.path.join(work, "mbr.img")
    lstart = 12288
    ext_size = (lstart - 10240) + vol_sectors + 2048 + 4096
    with open(mbr, "wb") as f:
        f.truncate((10240 + ext_size + 2048) * SECTOR)
    script = ("label: dos\nunit: sectors\n"
              "start=2048, size=8192, type=83\n"
              "start=10240, size=%d, type=5\n"
              "start=%d, size=%d, type=7\n"
              "start=%d, size=4096, type=83\n" % (ext_size, lstart, vol_sectors,
                                                   lstart + vol_sectors + 2048))
    r = run(["sfdisk", "-q", mbr], input=script.encode())
    if r.returncode:
        print("sfdisk failed: " + r.stderr.decode())
        return 1
    # GPT: an EFI system partition, then the NTFS volume as partition 2.
    gpt = os.path.join(work, "gpt.img")
    gstart = 10240
    with open(gpt, "wb") as f:
        f.truncate((gstart + vol_sectors + 2048) * SECTOR)
    r = run(["sgdisk", "-n", "1:2048:+4M", "-t", "1:EF00", "-n",
             "2:%d:%d" % (gstart, gstart + vol_sectors - 1), "-t", "2:0700", "-c", "2:prodvol", gpt])
    if r.returncode:
        print("sgdisk failed: " + r.stderr.decode() + r.stdout.decode())
        return 1
    with open(vol, "rb") as f:
        volbytes = f.read()
    for disk, start in ((mbr, lstart), (gpt, gstart)):
        with open(disk, "r+b") as f:
            f.seek(start * SECTOR)
            f.write(volbytes)
    # a GPT whose primary header is damaged (CRC field): the backup must do
    bad = os.path.join(work, "gpt-badprimary.img")
    shutil.copyfile(gpt, bad)
    with open(bad, "r+b") as f:
        f.seek(SECTOR + 16)
        f.write(b"\xde\xad\xbe\xef")
    for d in (mbr, gpt, bad):
        subprocess.run(["gzip", "-1", "-k", "-f", d], check=True)
    # the hostile copy of the volume: three names rewritten in place
    hostile = bytearray(volbytes)
    n = 0
    for old, new in (("EVILNAME01", "../evil/ab"), ("zz", ".."), ("q0q", "q\0q")):
        o, w = old.encode("utf-16-le"), new.encode("utf-16-le")
        for ns in range(4):
            pat = bytes([len(old), ns]) + o
            k = hostile.count(pat)
            hostile = hostile.replace(pat, bytes([len(old), ns]) + w)
            n += k
    with open(os.path.join(work, "hostile.img"), "wb") as f:
        f.write(hostile)
    with open(os.path.join(work, "layout.json"), "w") as f:
        json.dump({"mbr_start": lstart, "gpt_start": gstart, "hostile_patches": n}, f)
    with open(os.path.join(work, "status.txt"), "w") as f:
        f.write("ok\n")
    print("fixture ready in %s (%d hostile name copies patched)" % (work, n))
    return 0


def load(work):
    try:
        with open(os.path.join(work, "status.txt")) as f:
            if f.read().strip() != "ok":
                raise OSError
        with open(os.path.join(work, "vol.manifest.json")) as f:
            man = json.load(f)
        with open(os.path.join(work, "layout.json")) as f:
            lay = json.load(f)
    except OSError:
        print("skip: no fixture (ntfs_product_image skipped)")
        sys.exit(SKIP)
    return man, lay


# --------------------------------------------------------------------------
# disks


def fls_paths(img, sectors):
    """{path: inode address} of the allocated, non-system files fls sees."""
    r = run(["fls", "-r", "-p", "-u", "-o", str(sectors), img])
    out = {}
    for line in r.stdout.decode("utf-8", "surrogateescape").splitlines():
        head, _, name = line.partition("\t")
        if not name or head.startswith("V") or name.startswith("$") or ":" in name.split("/")[-1]:
            continue
        out["/" + name] = head.split()[-1].rstrip(":")
    return out


def ls_paths(ntkit, spec, extra=()):
    r = run([ntkit, "ntfs", "ls", spec, "-R", *extra])
    if r.returncode:
        fail("ls -R %s %s: exit %d: %s" % (spec, " ".join(extra), r.returncode, r.stderr.decode()))
        return set()
    return {l.rstrip("/") for l in r.stdout.decode("utf-8", "surrogateescape").splitlines()}


def disks(ntkit, work):
    man, lay = load(work)
    for t in ("fls", "icat", "sfdisk"):
        if not shutil.which(t):
            print("skip: %s missing" % t)
            return SKIP
    for name, start, part in (("mbr", lay["mbr_start"], 5), ("gpt", lay["gpt_start"], 2)):
        plain = os.path.join(work, name + ".img")
        # info: the partitions as sfdisk reads them
        sf = json.loads(run(["sfdisk", "-J", plain]).stdout)["partitiontable"]["partitions"]
        want = {}
        for e in sf:
            num = int(e["node"][len(plain):])
            want[num] = (e["start"] * SECTOR, e["size"] * SECTOR, e["type"])
        for spec in (plain, plain + ".gz"):
            r = run([ntkit, "ntfs", "info", spec, "--json"])
            if r.returncode:
                fail("info --json %s: exit %d %s" % (spec, r.returncode, r.stderr.decode()))
                continue
            info = json.loads(r.stdout)
            got = {q["number"]: q for q in info.get("partitions", [])}
            if set(got) != set(want):
                fail("%s: partitions %s, sfdisk says %s" % (spec, sorted(got), sorted(want)))
            for num, (off, size, typ) in want.items():
                q = got.get(num)
                if not q:
                    continue
                if (q["offset"], q["size"]) != (off, size):
                    fail("%s: partition %d at %d+%d, sfdisk says %d+%d" %
                         (spec, num, q["offset"], q["size"], off, size))
                if name == "mbr" and int(q["type"].split()[0], 16) != int(typ, 16):
                    fail("%s: partition %d type %s, sfdisk says %s" % (spec, num, q["type"], typ))
                if name == "gpt" and typ.upper() == "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7" and \
                        q["type"] != "Microsoft basic data":
                    fail("%s: partition %d type %s" % (spec, num, q["type"]))
                if q["ntfs"] != (num == part) or q["in_use"] != (num == part):
                    fail("%s: partition %d ntfs/in_use flags wrong: %s" % (spec, num, q))
            if info.get("partition") != part or info.get("volume_offset") != start * SECTOR or \
                    info.get("label") != "prodvol" or info.get("partition_table") != name:
                fail("%s: info says partition %s at %s, label %s" %
                     (spec, info.get("partition"), info.get("volume_offset"), info.get("label")))
            r = run([ntkit, "ntfs", "info", spec])
            text = r.stdout.decode()
            if "partition table:    %s" % name.upper() not in text or "label:              prodvol" not in text:
                fail("%s: text info lacks the table or the label:\n%s" % (spec, text))
        # ls -R = fls -r -o; cat = icat -o
        fls = fls_paths(plain, start)
        for spec, extra in ((plain, ()), (plain + ".gz", ()), ("%s@%d" % (plain, part), ()),
                            ("%s.gz@%d" % (plain, part), ()), (plain, ("--offset", str(start * SECTOR)))):
            got = ls_paths(ntkit, spec, extra)
            if got != set(fls):
                fail("%s %s: ls -R differs from fls -r -o %d: only ntkit %s, only fls %s" %
                     (spec, extra, start, sorted(got - set(fls))[:5], sorted(set(fls) - got)[:5]))
        for path, m in sorted(man.items()):
            if m["kind"] != "file" or path not in fls:
                continue
            ic = run(["icat", "-o", str(start), plain, fls[path]]).stdout
            # every file from the plain disk; from the gzip one, a few (each
            # run inflates the image up to the file again)
            gz = path in ("/sparse.bin", "/compressed/text.txt", "/data/random-300k.bin")
            for spec in (plain, plain + ".gz") if gz else (plain,):
                r = run([ntkit, "ntfs", "cat", spec, path])
                if r.returncode or r.stdout != ic or sha(ic) != m["sha"]:
                    fail("%s: cat %s differs from icat -o (exit %d)" % (spec, path, r.returncode))
        missing = [q for q, m in man.items() if m["kind"] == "file" and q not in fls]
        if missing:
            fail("%s: fls does not list %s" % (name, missing[:5]))
        # @N: a non-NTFS partition, a missing one, @N with --offset
        for spec, code in (("%s@1" % plain, 3), ("%s@9" % plain, 1), ("%s.gz@9" % plain, 1)):
            r = run([ntkit, "ntfs", "ls", spec])
            if r.returncode != code or r.stderr.decode().count("\n") != 1:
                fail("ls %s: exit %d (want %d), stderr %r" % (spec, r.returncode, code, r.stderr))
        r = run([ntkit, "ntfs", "ls", "%s@%d" % (plain, part), "--offset", "0"])
        if r.returncode != 2 or r.stderr.decode().count("\n") != 1:
            fail("@N with --offset: exit %d, stderr %r" % (r.returncode, r.stderr))
    # a gzip GPT disk whose primary header is damaged: the backup is used
    for spec in ("gpt-badprimary.img", "gpt-badprimary.img.gz"):
        got = ls_paths(ntkit, os.path.join(work, spec))
        want = {q for q in fls_paths(os.path.join(work, "gpt.img"), lay["gpt_start"])}
        if got != want:
            fail("%s: ls -R through the backup GPT header differs" % spec)
    return finish()


# --------------------------------------------------------------------------
# extract


def check_tree(out, man, what, times=True, streams=True):
    # times first: reading a file updates its atime (relatime, old atime)
    for path, m in sorted(man.items()):
        try:
            st = os.lstat(out + path)
        except OSError:
            fail("%s: %s missing" % (what, path))
            continue
        if times and m["kind"] != "symlink" and (st.st_mtime_ns != m["mtime"] or st.st_atime_ns != m["atime"]):
            fail("%s: %s times mtime %d atime %d, manifest %d %d" %
                 (what, path, st.st_mtime_ns, st.st_atime_ns, m["mtime"], m["atime"]))
    for path, m in sorted(man.items()):
        dst = out + path
        if not os.path.lexists(dst):
            continue
        if m["kind"] == "symlink":
            if not os.path.islink(dst) or os.readlink(dst) != m["target"]:
                fail("%s: %s should be a symlink to %s, is %s" %
                     (what, path, m["target"], os.readlink(dst) if os.path.islink(dst) else "not a link"))
            continue
        if m["kind"] == "dir":
            if not os.path.isdir(dst) or os.path.islink(dst):
                fail("%s: %s is not a directory" % (what, path))
        else:
            with open(dst, "rb") as f:
                data = f.read()
            if len(data) != m["size"] or sha(data) != m["sha"]:
                fail("%s: %s content differs (%d bytes)" % (what, path, len(data)))
        if streams:
            for n, h in m.get("streams", {}).items():
                try:
                    with open(dst + ":" + n, "rb") as f:
                        if sha(f.read()) != h:
                            fail("%s: stream %s:%s content differs" % (what, path, n))
                except OSError:
                    fail("%s: stream file %s:%s missing" % (what, path, n))


def extract(ntkit, work):
    man, lay = load(work)
    vol = os.path.join(work, "vol.img")
    tmp = tempfile.mkdtemp(prefix="ntkit-extract-", dir=work)
    evil = {q for q in man if q.startswith("/evil/")}
    # the whole volume, with streams and JSON
    out = os.path.join(tmp, "all")
    r = run([ntkit, "ntfs", "extract", vol, out, "--streams", "--json"])
    if r.returncode or r.stderr:
        fail("extract: exit %d, stderr %r" % (r.returncode, r.stderr))
    check_tree(out, man, "extract")
    # the JSON: one object per entry
    seen = {}
    for line in r.stdout.decode().splitlines():
        o = json.loads(line)
        seen[o["path"]] = o  # streams as PATH:STREAM
    for path, m in man.items():
        o = seen.get(path)
        if not o:
            fail("extract --json: no object for %s" % path)
            continue
        kind = {"hardlink": "file"}.get(o["type"], o["type"])
        if kind != m["kind"] or o["dest"] != out + path or (kind == "file" and o["size"] != m["size"]):
            fail("extract --json: %s: %s" % (path, o))
        for n in m.get("streams", {}):
            if path + ":" + n not in seen:
                fail("extract --json: no object for stream %s:%s" % (path, n))
    # sparse holes kept
    sp = out + "/sparse.bin"
    st = os.stat(sp)
    if st.st_blocks * 512 > 256 << 10:
        fail("sparse.bin: %d bytes allocated for 9 KiB of data" % (st.st_blocks * 512))
    with open(sp, "rb") as f:
        fd = f.fileno()
        if os.lseek(fd, 0, os.SEEK_HOLE) >= st.st_size or os.lseek(fd, 8192, os.SEEK_DATA) < (6 << 20) - 4096:
            fail("sparse.bin: no hole between the data at 0 and at 6 MiB")
    st = os.stat(out + "/compressed/zeros-mid.bin")
    if st.st_blocks * 512 > man["/compressed/zeros-mid.bin"]["size"] - (128 << 10):
        fail("compressed zeros-mid.bin: its 256 KiB of zeros were written (%d bytes allocated)" %
             (st.st_blocks * 512))
    # hard links share an inode
    inos = {os.stat(out + q).st_ino for q, m in man.items() if m.get("group") == 1}
    if len(inos) != 1:
        fail("hard links: %d inodes for one file" % len(inos))
    # a subtree, a file into a directory, a file to a new name
    sub = os.path.join(tmp, "docs")
    r = run([ntkit, "ntfs", "extract", vol, "/DOCS", sub])
    if r.returncode:
        fail("extract /DOCS: exit %d %r" % (r.returncode, r.stderr))
    check_tree(sub, {q[5:]: m for q, m in man.items() if q.startswith("/docs/")}, "subtree", streams=False)
    if os.path.exists(os.path.join(sub, "docs")):
        fail("extract /DOCS DEST: wrote DEST/docs instead of into DEST")
    r = run([ntkit, "ntfs", "extract", vol, "/ads-host.txt", tmp, "--streams"])
    check_tree(tmp, {"/ads-host.txt": man["/ads-host.txt"]}, "file into a directory")
    r = run([ntkit, "ntfs", "extract", vol, "/data/small.bin", os.path.join(tmp, "renamed.bin")])
    check_tree(tmp, {"/renamed.bin": man["/data/small.bin"]}, "file to a new name")
    # from the gzipped MBR disk, without streams
    out = os.path.join(tmp, "gz")
    r = run([ntkit, "ntfs", "extract", os.path.join(work, "mbr.img.gz"), out])
    if r.returncode:
        fail("extract mbr.img.gz: exit %d %r" % (r.returncode, r.stderr))
    check_tree(out, man, "extract from mbr.img.gz", streams=False)
    if any(":" in n for _, _, files in os.walk(out) for n in files):
        fail("extract without --streams wrote stream files")
    # progress: silent when piped, on with --progress
    r = run([ntkit, "ntfs", "extract", vol, "/data", os.path.join(tmp, "p1")])
    if r.stderr:
        fail("extract to a pipe printed progress: %r" % r.stderr[:200])
    r = run([ntkit, "ntfs", "extract", vol, "/data", os.path.join(tmp, "p2"), "--progress"])
    if b"files" not in r.stderr or b"/s" not in r.stderr:
        fail("extract --progress: no progress line: %r" % r.stderr[:200])
    # hostile names: refused, everything else extracted, nothing outside
    if lay["hostile_patches"] < 3:
        fail("fixture: only %d hostile names patched" % lay["hostile_patches"])
    box = os.path.join(tmp, "box")
    os.makedirs(box)
    out = os.path.join(box, "x", "y")
    r = run([ntkit, "ntfs", "extract", os.path.join(work, "hostile.img"), out])
    lines = r.stderr.decode().splitlines()
    refused = [l for l in lines if "refusing" in l]
    if r.returncode != 3 or len(refused) != 3 or len(lines) != 3:
        fail("hostile names: exit %d, stderr %r" % (r.returncode, lines))
    if sorted(os.listdir(box)) != ["x"] or sorted(os.listdir(os.path.join(box, "x"))) != ["y"] or \
            os.path.exists(os.path.join(box, "evil")):
        fail("hostile names: something was written outside DEST: %s" % os.listdir(box))
    if sorted(os.listdir(os.path.join(out, "evil"))) != ["ok.txt"]:
        fail("hostile names: evil/ holds %s" % os.listdir(os.path.join(out, "evil")))
    check_tree(out, {q: m for q, m in man.items() if not q.startswith("/evil")}, "hostile image",
               streams=False)
    # a write error on DEST: 4, and files beyond the size limit are reported
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
    r = subprocess.run([ntkit, "ntfs", "extract", vol, "/data", os.path.join(tmp, "lim")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit)
    lines = r.stderr.decode().splitlines()
    if r.returncode != 4 or not lines or not all("lim/" in l and "too large" in l for l in lines):
        fail("write error (RLIMIT_FSIZE): exit %d, stderr %r" % (r.returncode, lines))
    if os.path.exists(os.path.join(tmp, "lim", "random-300k.bin")) or \
            not os.path.exists(os.path.join(tmp, "lim", "small.bin")):
        fail("write error: the failed file was left behind or the small one not written")
    shutil.rmtree(tmp)
    return finish()


# --------------------------------------------------------------------------
# find


def name_of(path):
    return path.rsplit("/", 1)[-1]


def find(ntkit, work):
    man, lay = load(work)
    vol = os.path.join(work, "vol.img")
    ceil = lambda n, u: (n + u - 1) // u
    kinds = {"file": "f", "dir": "d", "symlink": "l"}
    # In the volume's tree only: links are not followed.
    def t_ns(s):
        return int(s) * 10**9
    d10, d20 = BASE_NS + 10 * 86400 * 10**9, BASE_NS + 20 * 86400 * 10**9
    cases = [
        (["-name", "*.txt"], lambda q, m: fnmatch.fnmatchcase(name_of(q).lower(), "*.txt")),
        (["-iname", "README*"], lambda q, m: name_of(q).lower().startswith("readme")),
        (["-cname", "*.TXT"], lambda q, m: fnmatch.fnmatchcase(name_of(q), "*.TXT")),
        (["-name", "привет.*"], lambda q, m: name_of(q) == "Привет.TXT"),
        (["-name", "[a-c]*", "-type", "f"], lambda q, m: m["kind"] == "file" and name_of(q)[0].lower() in "abc"),
        (["-type", "d"], lambda q, m: m["kind"] == "dir"),
        (["-type", "l"], lambda q, m: m["kind"] == "symlink"),
        (["-type", "f", "-size", "+100k"], lambda q, m: m["kind"] == "file" and ceil(m["size"], 1024) > 100),
        (["-type", "f", "-size", "100k"], lambda q, m: m["kind"] == "file" and ceil(m["size"], 1024) == 100),
        (["-type", "f", "-size", "-1k"], lambda q, m: m["kind"] == "file" and m["size"] == 0),
        (["-type", "f", "-size", "1000c"], lambda q, m: m["kind"] == "file" and m["size"] == 1000),
        (["-type", "f", "-newer", "2020-01-11", "-older", "2020-01-21T00:00:00"],
         lambda q, m: m["kind"] == "file" and d10 < m["mtime"] < d20),
        (["/docs", "-type", "f"], lambda q, m: m["kind"] == "file" and q.startswith("/docs/")),
    ]
    for args, pred in cases:
        want = sorted(q for q, m in man.items() if pred(q, m))
        for spec in (vol, os.path.join(work, "gpt.img.gz")):
            r = run([ntkit, "ntfs", "find", spec, *args])
            got = sorted(r.stdout.decode().splitlines())
            if r.returncode or got != want:
                fail("find %s: exit %d, only ntkit %s, only manifest %s" %
                     (" ".join(args), r.returncode, sorted(set(got) - set(want)), sorted(set(want) - set(got))))
    # --json: type, size, mtime of every match
    r = run([ntkit, "ntfs", "find", vol, "--json"])
    got = {}
    for line in r.stdout.decode().splitlines():
        o = json.loads(line)
        got[o["path"]] = o
    if set(got) != set(man):
        fail("find --json: paths differ: %s / %s" % (sorted(set(got) - set(man))[:5], sorted(set(man) - set(got))[:5]))
    for q, m in man.items():
        o = got.get(q)
        if not o:
            continue
        if kinds[m["kind"]] != {"file": "f", "dir": "d", "symlink": "l"}.get(o["type"]) or \
                (m["kind"] == "file" and o["size"] != m["size"]) or not isinstance(o["mft"], int):
            fail("find --json %s: %s" % (q, o))
        if m["kind"] != "symlink":
            s, frac = divmod(m["mtime"], 10**9)
            import time
            want = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%07dZ" % (frac // 100)
            if o["mtime"] != want:
                fail("find --json %s: mtime %s, manifest %s" % (q, o["mtime"], want))
    # a file as PATH is tested itself
    r = run([ntkit, "ntfs", "find", vol, "/hello.txt", "-name", "*.TXT"])
    if r.stdout.decode() != "/hello.txt\n":
        fail("find on a file: %r" % r.stdout)
    return finish()


# --------------------------------------------------------------------------
# errors


def errors(ntkit, work):
    man, lay = load(work)
    vol = os.path.join(work, "vol.img")
    tmp = tempfile.mkdtemp(prefix="ntkit-errors-", dir=work)
    zeros = os.path.join(tmp, "zeros.img")
    with open(zeros, "wb") as f:
        f.write(bytes(1 << 20))
    # the root directory's MFT record overwritten
    damaged = os.path.join(tmp, "damaged.img")
    shutil.copyfile(vol, damaged)
    info = json.loads(run([ntkit, "ntfs", "info", vol, "--json"]).stdout)
    with open(damaged, "r+b") as f:
        f.seek(info["mft_lcn"] * info["cluster_size"] + 5 * info["mft_record_size"])
        f.write(b"XXXXXXXX")
    gz_bad = os.path.join(tmp, "trunc.img.gz")
    with open(os.path.join(work, "mbr.img.gz"), "rb") as f:
        head = f.read(40000)
    with open(gz_bad, "wb") as f:
        f.write(head)
    blocker = os.path.join(tmp, "file")
    open(blocker, "w").close()
    missing = os.path.join(tmp, "missing.img")
    cmds = {  # subcommand: arguments after IMAGE for a normal run
        "info": [], "ls": [], "cat": ["/hello.txt"], "stat": ["/hello.txt"], "find": [],
        "extract": [os.path.join(tmp, "out")], "deleted": [], "timeline": [], "usn": [],
        "sddl": ["/hello.txt"],
    }
    cases = []
    for sub, rest in cmds.items():
        cases.append((sub + " missing image", 1, [sub, missing] + rest))
        cases.append((sub + " not NTFS", 3, [sub, zeros] + rest))
        cases.append((sub + " unknown option", 2, [sub, vol] + rest + ["--bogus"]))
        cases.append((sub + " no image", 2, [sub]))
        cases.append((sub + " truncated gzip", 3, [sub, gz_bad] + rest))
        cases.append((sub + " @N and --offset", 2, [sub, vol + "@1", "--offset", "0"] + rest))
    for sub in ("ls", "cat", "stat", "find", "sddl"):
        cases.append((sub + " bad path", 1, [sub, vol, "/no/such/file"]))
    cases += [
        ("extract bad path", 1, ["extract", vol, "/no/such", os.path.join(tmp, "o2")]),
        ("cat no such stream", 1, ["cat", vol, "/ads-host.txt:nope"]),
        ("cat a directory", 1, ["cat", vol, "/docs"]),
        ("ls damaged root", 3, ["ls", damaged]),
        ("find damaged root", 3, ["find", damaged]),
        ("extract damaged root", 3, ["extract", damaged, os.path.join(tmp, "o3")]),
        ("stat damaged root", 3, ["stat", damaged, "/hello.txt"]),
        ("extract write error", 4, ["extract", vol, "/docs", os.path.join(blocker, "sub")]),
        ("extract file onto a device", 4, ["extract", vol, "/hello.txt", "/dev/null"]),
        ("ls partition of a bare volume", 1, ["ls", vol + "@2"]),
        ("find bad -type", 2, ["find", vol, "-type", "x"]),
        ("find bad -size", 2, ["find", vol, "-size", "12q"]),
        ("find bad date", 2, ["find", vol, "-newer", "yesterday"]),
        ("info with a path", 2, ["info", vol, "/x"]),
        ("cat --mft with a path", 2, ["cat", vol, "/x", "--mft", "5"]),
        ("cat --mft past the end", 1, ["cat", vol, "--mft", "999999"]),
        ("--heap too small", 2, ["ls", vol, "--heap", "1K"]),
        ("--offset past the end", 3, ["ls", vol, "--offset", str(1 << 40)]),
        ("directory as image", 2, ["ls", tmp]),
    ]
    for desc, code, args in cases:
        r = run([ntkit, "ntfs", *args])
        err = r.stderr.decode("utf-8", "replace")
        if r.returncode != code or err.count("\n") != 1 or not err.startswith("ntkit"):
            fail("%s: exit %d (want %d), stderr %r" % (desc, r.returncode, code, err))
    # every subcommand has --help with an example
    for sub in cmds:
        r = run([ntkit, "ntfs", sub, "--help"])
        if r.returncode or b"example" not in r.stdout:
            fail("%s --help: exit %d, no example" % (sub, r.returncode))
    shutil.rmtree(tmp)
    return finish()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        return make(sys.argv[2])
    if len(sys.argv) != 4 or sys.argv[1] not in ("disks", "extract", "find", "errors"):
        print(__doc__)
        return 2
    if not sys.argv[2]:
        print("skip: ntkit without the ntfs command")
        return SKIP
    return globals()[sys.argv[1]](sys.argv[2], sys.argv[3])


if __name__ == "__main__":
    sys.exit(main())
