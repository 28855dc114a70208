#!/usr/bin/env python3
"""ntkit ntfs against The Sleuth Kit on the shared real Windows images.

For every image in $NTKIT_SHARED_TESTDATA/ntfs (gzip, decompressed once into
the cache directory): mount, walk the whole tree with `ntkit ntfs ls -R -a
--json`, and check
  - the set of directory, file and stream paths equals `fls -r -p -u`'s;
  - every $DATA stream fls lists has the same sha256 through
    `ntkit ntfs cat PATH[:STREAM]` as through `icat`;
  - `ntkit ntfs stat` reports the $STANDARD_INFORMATION times, owner SID,
    object ID, link count and $FILE_NAME names istat does;
  - `ntkit ntfs info` reports the serial number and cluster size fsstat does.
Images TSK cannot read (2 MiB clusters, TSK 4.11) are walked and every stream
read through ntkit, and compared with ntfs-3g's ntfsls/ntfscat instead.
Exit 77 (skip) when the shared data or the peer tools are absent.

usage: ntfs_compare.py NTKIT SHARED_TESTDATA CACHE_DIR
       ntfs_compare.py --prepare SHARED_TESTDATA CACHE_DIR   (decompress only)
"""
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

POOL = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))

SKIP = 77
# (file, volume offset in bytes, readable by TSK 4.11, compare the contents
# of NTFS metadata files too). lastaccess and si-vs-fn come from the same
# Windows build as ptrn: their metadata files add run time, not coverage.
IMAGES = [
    ("colinfinck-testfs1.gz", 0, True, True),
    ("ntfs-ptrn.raw.gz", 65536, True, True),
    ("ntfs-lastaccess.raw.gz", 65536, True, False),
    ("ntfs-si-vs-fn.raw.gz", 65536, True, False),
    ("ntfs-2m.raw.gz", 65536, False, True),
]
# ntfscat returns $MFT and $MFTMirr with the update sequence fixups applied
# (ntfs-3g's in-memory records); ntkit and icat return the bytes on disk.
NTFS3G_FIXED_UP = {"/$MFT", "/$MFTMirr"}
# $BadClus:$Bad is a sparse stream as large as the volume: hashing 1 GiB of
# zeros twice per image adds seconds and tests nothing the sparse files don't.
SKIP_CONTENT = {"$BadClus:$Bad"}

failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL: " + msg)


def decompress(src, dst):
    """gunzip keeping zero blocks sparse (the images are 1 GiB disks)."""
    if os.path.exists(dst) and os.path.getmtime(dst) >= os.path.getmtime(src):
        return
    tmp = dst + ".tmp"
    if shutil.which("gzip") and shutil.which("cp"):
        with open(src, "rb") as fi:
            g = subprocess.Popen(["gzip", "-dc"], stdin=fi, stdout=subprocess.PIPE)
            subprocess.run(["cp", "--sparse=always", "/dev/stdin", tmp], stdin=g.stdout, check=True)
            g.stdout.close()
            if g.wait() != 0:
                raise RuntimeError("gzip -dc %s failed" % src)
    else:
        zero = bytes(65536)
        with gzip.open(src, "rb") as fi, open(tmp, "wb") as fo:
            while True:
                b = fi.read(65536)
                if not b:
                    break
                if b == zero[: len(b)]:
                    fo.seek(len(b), 1)
                else:
                    fo.write(b)
            fo.truncate()
    os.replace(tmp, dst)


def sha_of(cmd):
    h = hashlib.sha256()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for chunk in iter(lambda: p.stdout.read(1 << 20), b""):
        h.update(chunk)
    err = p.stderr.read().decode(errors="replace")
    return p.wait(), h.hexdigest(), err


def ntkit_walk(ntkit, img, off):
    r = subprocess.run([ntkit, "ntfs", "ls", img, "/", "-R", "-a", "--json", "--offset", str(off)],
                       capture_output=True)
    if r.returncode != 0:
        fail("%s: ntkit ls -R exited %d: %s" % (img, r.returncode, r.stderr.decode(errors="replace")))
    entries = []
    for line in r.stdout.decode().splitlines():
        e = json.loads(line)
        for k in ("path", "type", "size", "mft"):
            if k not in e:
                fail("%s: json entry without %s: %s" % (img, k, line))
        entries.append(e)
    return entries


def istat_and_stat(ntkit, img, off, so, ino, path):
    ist = subprocess.run(["istat"] + so + [img, ino], capture_output=True, text=True,
                         env=dict(os.environ, TZ="UTC")).stdout
    st = subprocess.run([ntkit, "ntfs", "stat", img, "/" + path, "--json", "--offset", str(off)],
                        capture_output=True, text=True).stdout
    return ist, json.loads(st or "{}")


def tsk_time(t):
    """'2019-03-03 12:35:01.668805500 (UTC)' -> '2019-03-03T12:35:01.6688055Z'"""
    m = re.match(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\.(\d{7})", t)
    return m and "%sT%s.%sZ" % m.groups()


def compare_istat(img, path, ist, st):
    if not st:
        fail("%s: ntkit stat %s failed" % (img, path))
        return
    si = ist.split("$FILE_NAME Attribute Values:")[0]
    for label, key in (("Created", "created"), ("File Modified", "modified"),
                       ("MFT Modified", "mft_modified"), ("Accessed", "accessed")):
        m = re.search("^" + label + r":\t(.*)$", si, re.M)
        # FILETIME 0 (mkntfs leaves $MFT's times at 0): TSK prints it as 2076.
        if st.get(key, "").startswith("1601-01-01T00:00:00.0000000"):
            continue
        if m and tsk_time(m.group(1)) and tsk_time(m.group(1)) != st.get(key):
            fail("%s: %s %s: istat %s, ntkit %s" % (img, path, key, m.group(1), st.get(key)))
    m = re.search(r"Security ID: \d+\s+\((S-[\d-]+)\)", ist)
    if m and st.get("owner") != m.group(1):
        fail("%s: %s owner: istat %s, ntkit %s" % (img, path, m.group(1), st.get("owner")))
    # $OBJECT_ID: istat prints the object GUID in the same form
    m = re.search(r"^Object Id: ([0-9a-f-]{36})$", ist, re.M)
    if (m.group(1) if m else None) != st.get("object_id"):
        fail("%s: %s object id: istat %s, ntkit %s" % (img, path, m and m.group(1), st.get("object_id")))
    m = re.search(r"^Links: (\d+)", ist, re.M)
    if m and st.get("links") != int(m.group(1)):
        fail("%s: %s links: istat %s, ntkit %s" % (img, path, m.group(1), st.get("links")))
    theirs = sorted(re.findall(r"^Name: (.*)$", ist, re.M))
    ours = sorted(n["name"] for n in st.get("names", []))
    if theirs and theirs != ours:
        fail("%s: %s $FILE_NAMEs: istat %s, ntkit %s" % (img, path, theirs, ours))


def check_tsk(ntkit, img, off, meta):
    so = ["-o", str(off // 512)] if off else []
    fls = subprocess.run(["fls", "-r", "-p", "-u"] + so + [img], capture_output=True, text=True)
    if fls.returncode != 0:
        fail("%s: fls failed: %s" % (img, fls.stderr))
        return
    tsk_paths, tsk_data = set(), {}
    for line in fls.stdout.splitlines():
        m = re.match(r"^(\S+) (\S+):\t(.*)$", line)
        if not m or m.group(1).startswith("V/V") or m.group(1).startswith("-"):
            continue
        kind, addr, path = m.groups()
        base = path.split(":", 1)[0]
        tsk_paths.add(base)
        parts = addr.split("-")
        if kind.startswith("r") and len(parts) == 3 and parts[1] == "128":
            tsk_paths.add(path)
            tsk_data[path] = addr
    entries = ntkit_walk(ntkit, img, off)
    ours = set()
    for e in entries:
        p = e["path"].lstrip("/")
        ours.add(p + (":" + e["stream"] if "stream" in e else ""))
    # fls lists a file under its stream names only when it has no unnamed
    # $DATA; ntkit lists every file: compare on names, with bases added.
    ours_b = ours | {p.split(":", 1)[0] for p in ours}
    for p in sorted(tsk_paths - ours_b):
        fail("%s: fls lists %r, ntkit does not" % (img, p))
    for p in sorted(ours_b - tsk_paths):
        fail("%s: ntkit lists %r, fls does not" % (img, p))
    n = 0
    jobs = []
    for path, addr in sorted(tsk_data.items()):
        if path in SKIP_CONTENT or (not meta and path.startswith("$")):
            continue
        jobs.append((path, POOL.submit(sha_of, ["icat"] + so + [img, addr]),
                     POOL.submit(sha_of, [ntkit, "ntfs", "cat", img, "/" + path, "--offset", str(off)])))
    for path, j1, j2 in jobs:
        rc1, h1, e1 = j1.result()
        rc2, h2, e2 = j2.result()
        if rc2 != 0:
            fail("%s: ntkit cat %s exited %d: %s" % (img, path, rc2, e2.strip()))
        elif rc1 == 0 and h1 != h2:
            fail("%s: %s: icat sha256 %s, ntkit %s" % (img, path, h1, h2))
        n += 1
    # istat: $STANDARD_INFORMATION times, owner SID, link count, $FILE_NAMEs.
    inodes = {}
    for path, addr in tsk_data.items():
        if ":" not in path:
            inodes.setdefault(addr.split("-")[0], path)
    jobs = [(ino, path, POOL.submit(istat_and_stat, ntkit, img, off, so, ino, path))
            for ino, path in sorted(inodes.items())]
    for ino, path, j in jobs:
        compare_istat(img, path, *j.result())
    fs = subprocess.run(["fsstat"] + so + [img], capture_output=True, text=True).stdout
    info = json.loads(subprocess.run([ntkit, "ntfs", "info", img, "--json", "--offset", str(off)],
                                     capture_output=True, text=True).stdout or "{}")
    m = re.search(r"Volume Serial Number: (\S+)", fs)
    if not m or info.get("serial") != m.group(1).upper():
        fail("%s: serial %r, fsstat %r" % (img, info.get("serial"), m and m.group(1)))
    m = re.search(r"Cluster Size: (\d+)", fs)
    if not m or info.get("cluster_size") != int(m.group(1)):
        fail("%s: cluster size %r, fsstat %r" % (img, info.get("cluster_size"), m and m.group(1)))
    print("%s: %d paths, %d streams compared with fls/icat" % (os.path.basename(img), len(tsk_paths), n))


def check_ntfsinfo(ntkit, img, off, vol):
    """Label, version, cluster size and free clusters against ntfsinfo -m."""
    if not shutil.which("ntfsinfo"):
        return
    theirs = subprocess.run(["ntfsinfo", "-m", "-f", vol], capture_output=True, text=True).stdout
    info = json.loads(subprocess.run([ntkit, "ntfs", "info", img, "--json", "--offset", str(off)],
                                     capture_output=True, text=True).stdout or "{}")
    want = {
        "label": r"Volume Name: (.*)",
        "version": r"Volume Version: (\S+)",
        "cluster_size": r"Cluster Size: (\d+)",
        "total_clusters": r"Volume Size in Clusters: (\d+)",
        "free_clusters": r"Free Clusters: (\d+)",
    }
    for key, rx in want.items():
        m = re.search(rx, theirs)
        if not m:
            continue
        val = m.group(1).strip()
        if str(info.get(key)) != val:
            fail("%s: %s %r, ntfsinfo %r" % (img, key, info.get(key), val))


def check_ntfs3g(ntkit, img, off, cache):
    """TSK cannot read it: compare with ntfs-3g on the extracted volume."""
    vol = img + ".vol"
    if not os.path.exists(vol):
        dd = subprocess.Popen(["dd", "if=" + img, "bs=65536", "skip=%d" % (off // 65536), "status=none"],
                              stdout=subprocess.PIPE)
        subprocess.run(["cp", "--sparse=always", "/dev/stdin", vol + ".tmp"], stdin=dd.stdout, check=True)
        dd.stdout.close()
        dd.wait()
        os.replace(vol + ".tmp", vol)
    entries = ntkit_walk(ntkit, img, off)
    r = subprocess.run(["ntfsls", "-f", "-R", "-p", "/", "-a", "-s", vol], capture_output=True, text=True)
    theirs = set()
    cur = ""
    for line in r.stdout.splitlines():
        if line.endswith(":") and line.startswith("/"):
            cur = line[:-1].rstrip("/")
            continue
        if line.strip() and line.strip() not in (".", ".."):
            theirs.add(cur + "/" + line.strip())
    check_ntfsinfo(ntkit, img, off, vol)
    ours = {e["path"] for e in entries if "stream" not in e}
    if r.returncode == 0 and theirs:
        for p in sorted(theirs - ours):
            fail("%s: ntfsls lists %r, ntkit does not" % (img, p))
        for p in sorted(ours - theirs):
            fail("%s: ntkit lists %r, ntfsls does not" % (img, p))
    n = 0
    for e in entries:
        if e["type"] != "file":
            continue
        p = e["path"] + (":" + e["stream"] if "stream" in e else "")
        if p.lstrip("/") in SKIP_CONTENT:
            continue
        rc2, h2, e2 = sha_of([ntkit, "ntfs", "cat", img, p, "--offset", str(off)])
        cmd = ["ntfscat", "-f"] + (["-n", e["stream"]] if "stream" in e else []) + [vol, e["path"]]
        rc1, h1, _ = sha_of(cmd)
        if rc2 == 1 and "stream" not in e:
            st = json.loads(subprocess.run([ntkit, "ntfs", "stat", img, e["path"], "--json", "--offset",
                                            str(off)], capture_output=True, text=True).stdout or "{}")
            if not any(a["type_code"] == 128 and a["name"] == "" for a in st.get("attrs", [{}])):
                continue  # no unnamed $DATA (e.g. $Secure); ntfscat shows another stream
        if p in NTFS3G_FIXED_UP:
            continue
        if rc2 != 0:
            fail("%s: ntkit cat %s exited %d: %s" % (img, p, rc2, e2.strip()))
            continue
        if rc1 == 0 and h1 != h2:
            fail("%s: %s: ntfscat sha256 %s, ntkit %s" % (img, p, h1, h2))
        n += 1
    print("%s: %d entries, %d streams compared with ntfsls/ntfscat" % (os.path.basename(img), len(entries), n))


def main():
    ntkit, shared, cache = sys.argv[1:4]
    prepare = ntkit == "--prepare"
    src_dir = os.path.join(shared, "ntfs")
    if not os.path.isdir(src_dir):
        print("shared test data absent: skipping")
        return SKIP
    for tool in ("fls", "icat", "fsstat", "istat"):
        if not prepare and not shutil.which(tool):
            print("%s (sleuthkit) not installed: skipping" % tool)
            return SKIP
    os.makedirs(cache, exist_ok=True)
    seen = 0
    for name, off, tsk, meta in IMAGES:
        src = os.path.join(src_dir, name)
        if not os.path.exists(src):
            continue
        img = os.path.join(cache, name[:-3])
        decompress(src, img)
        seen += 1
        if prepare:
            continue
        if tsk:
            check_tsk(ntkit, img, off, meta)
            if off == 0:
                check_ntfsinfo(ntkit, img, off, img)
        elif shutil.which("ntfsls") and shutil.which("ntfscat"):
            check_ntfs3g(ntkit, img, off, cache)
    if not seen:
        return SKIP
    print("%d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
