#!/usr/bin/env python3
"""Build the NTFS benchmark image (mkntfs + ntfs-3g, needs root and FUSE).

  ntfs_mkimage.py IMAGE [--mib N] [--files N]

Contents (4 KiB clusters):
  /big.bin              N MiB (default 512) of random bytes, written in one
                        sequential pass on an empty volume: contiguous
  /compressed/text.bin  N MiB of text-like data in an LZNT1-compressed
                        directory (compressible, not trivially: ~40 %)
  /dir100k/             100,000 empty files (names only)
Prints `path<TAB>size<TAB>sha256` of the two data files to IMAGE.sha256
(computed from the bytes written, for a sanity check of every reader).
"""
import argparse
import hashlib
import os
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "testdata", "ntfs"))
from gen_ntfs_images import mkntfs, mounted, text_bytes  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image")
    ap.add_argument("--mib", type=int, default=512)
    ap.add_argument("--files", type=int, default=100000)
    a = ap.parse_args()
    n = a.mib << 20
    # Room for both files (the compressed one takes ~40 %), 1 KiB per MFT
    # record, the log file and some slack.
    size = 2 * n + a.files * 1536 + (256 << 20)
    t0 = time.time()
    mkntfs(a.image, size, 4096, label="ntkit-bench")
    sums = []
    with mounted(a.image) as mnt:
        # Random data: one pass, 8 MiB writes.
        h = hashlib.sha256()
        with open(mnt + "/big.bin", "wb") as f:
            left = n
            while left:
                b = os.urandom(min(left, 8 << 20))
                f.write(b)
                h.update(b)
                left -= len(b)
        sums.append(("/big.bin", n, h.hexdigest()))
        print("big.bin written: %.1f s" % (time.time() - t0), flush=True)

        os.mkdir(mnt + "/compressed")
        os.setxattr(mnt + "/compressed", "system.ntfs_attrib_be", (0x810).to_bytes(4, "big"))
        # An 8 MiB text block repeated: LZNT1 works on 4 KiB chunks, so the
        # repetition does not make the data any easier to compress.
        block = text_bytes(4242, 8 << 20)
        h = hashlib.sha256()
        with open(mnt + "/compressed/text.bin", "wb") as f:
            left = n
            while left:
                b = block[:min(left, len(block))]
                f.write(b)
                h.update(b)
                left -= len(b)
        sums.append(("/compressed/text.bin", n, h.hexdigest()))
        attr = int.from_bytes(os.getxattr(mnt + "/compressed/text.bin",
                                          "system.ntfs_attrib_be"), "big")
        if not attr & 0x800:
            sys.exit("text.bin was not compressed (attributes 0x%x)" % attr)
        print("compressed/text.bin written: %.1f s" % (time.time() - t0), flush=True)

        os.mkdir(mnt + "/dir100k")
        d = mnt + "/dir100k/"
        for i in range(a.files):
            os.close(os.open(d + "file-%06d.txt" % i, os.O_CREAT | os.O_WRONLY, 0o644))
        print("dir100k: %d files: %.1f s" % (a.files, time.time() - t0), flush=True)
    with open(a.image + ".sha256", "w") as f:
        for p, sz, s in sums:
            f.write("%s\t%d\t%s\n" % (p, sz, s))
    print("image %s (%d MiB) built in %.1f s" % (a.image, size >> 20, time.time() - t0))


if __name__ == "__main__":
    main()
