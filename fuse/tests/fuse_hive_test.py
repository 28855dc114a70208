#!/usr/bin/python3
"""ntkitfs --hive HIVE MNT compared with python3-hivex (the oracle).

usage: fuse_hive_test.py NTKITFS HIVE
Every key whose name is a POSIX file name is a directory, every value a file
whose bytes are the value data ("@" = default value); a value named like a
subkey is hidden by it. Exit 0 pass, 1 fail, 77 skip.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77


def posix_ok(name):
    return name not in ("", ".", "..") and "/" not in name and "\0" not in name


def main():
    ntkitfs, hive = sys.argv[1], sys.argv[2]
    try:
        import hivex
    except ImportError:
        print("SKIP: python3-hivex missing")
        return SKIP
    if not os.path.exists(hive):
        print("SKIP: %s absent" % hive)
        return SKIP
    if os.geteuid() != 0 or not shutil.which("fusermount3"):
        print("SKIP: needs root and fusermount3")
        return SKIP
    try:
        os.close(os.open("/dev/fuse", os.O_RDWR))
    except OSError as e:
        print("SKIP: /dev/fuse: %s" % e)
        return SKIP
    try:
        h = hivex.Hivex(hive)
    except Exception as e:
        print("SKIP: hivex cannot open it either: %s" % e)
        return SKIP
    mnt = tempfile.mkdtemp(prefix="ntkitfs-hive-")
    r = subprocess.run([ntkitfs, "--hive", hive, mnt], stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        os.rmdir(mnt)
        print("FAIL: mount: %s" % r.stderr.strip())
        return 1
    problems = []
    keys = values = 0
    try:
        stack = [(h.root(), mnt)]
        while stack and len(problems) < 20:
            node, path = stack.pop()
            keys += 1
            children = {}
            for c in h.node_children(node):
                name = h.node_name(c)
                if posix_ok(name):
                    children[name] = c
            seen_files = {}
            for v in h.node_values(node):
                name = h.value_key(v) or "@"
                if not posix_ok(name) or name in children:
                    continue
                seen_files[name] = h.value_value(v)[1]
            listed = set(os.listdir(path))
            want = set(children) | set(seen_files)
            if listed != want:
                problems.append("%s: listing differs: extra %s, missing %s" %
                                (path, sorted(listed - want)[:5], sorted(want - listed)[:5]))
            for name, data in seen_files.items():
                values += 1
                with open(os.path.join(path, name), "rb") as f:
                    got = f.read()
                if got != data:
                    problems.append("%s/%s: %d bytes, hivex %d" % (path, name, len(got), len(data)))
            for name, c in children.items():
                stack.append((c, os.path.join(path, name)))
        try:
            open(os.path.join(mnt, "new"), "w")
            problems.append("create succeeded")
        except OSError:
            pass
    finally:
        subprocess.run(["fusermount3", "-u", mnt])
        time.sleep(0.1)
        os.rmdir(mnt)
    for p in problems:
        print("  " + p)
    if problems:
        print("FAIL: %d differences with hivex" % len(problems))
        return 1
    print("PASS: %d keys, %d values equal to hivex" % (keys, values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
