#!/usr/bin/env python3
"""`ntkit ntfs stat` on WOF ("Compact OS") files labels what it shows.

Uses the image ntfs_wof_test.py leaves in WORKDIR (fixture ntfs_wof_image):
files named ALGO_SIZE, whose reparse point the generator wrote with that
algorithm. For each, `stat` must name the algorithm (text and --json), give
the chunk size the format fixes for it, and say that the run list is the
WofCompressedData stream's; the clusters of those runs must be the ones
sleuthkit's istat lists for the $DATA attribute named WofCompressedData.
A file without WOF compression must carry no WOF label.

usage: ntfs_forensic_wof_stat.py NTKIT WORKDIR     (exit 77 = skipped)
"""
import json
import os
import re
import shutil
import subprocess
import sys

# Chunk sizes of the WOF algorithms (FILE_PROVIDER_EXTERNAL_INFO_V1).
CHUNK = {"xpress4k": 4096, "lzx": 32768, "xpress8k": 8192, "xpress16k": 16384}


def istat_wcd_clusters(img, mft):
    out = subprocess.run(["istat", img, str(mft)], capture_output=True, text=True,
                         check=True).stdout
    clusters, inside = [], False
    for line in out.splitlines():
        if line.startswith("Type:"):
            inside = "Name: WofCompressedData" in line
            continue
        if inside and re.fullmatch(r"[0-9 ]+", line.strip() or "x"):
            clusters += [int(x) for x in line.split()]
    return clusters


def main():
    ntkit, work = sys.argv[1], sys.argv[2]
    img = os.path.join(work, "wof.img")
    plain = os.path.join(work, "plain")
    if not os.path.isfile(img) or not os.path.isdir(plain):
        print("SKIP: no WOF image in %s (ntfs_cli_wof did not run)" % work)
        return 77
    have_istat = shutil.which("istat") is not None
    fails, checked = [], 0
    for name in sorted(os.listdir(plain)):
        m = re.fullmatch(r"([a-z0-9]+)_(\d+)", name)
        if not m or m.group(1) not in CHUNK or int(m.group(2)) == 0:
            continue
        algo = m.group(1)
        text = subprocess.run([ntkit, "ntfs", "stat", img, "/" + name], capture_output=True,
                              text=True).stdout
        want = "WOF:           %s, %d-byte chunks" % (algo.upper(), CHUNK[algo])
        if want not in text:
            fails.append("%s: text lacks %r" % (name, want))
        if not re.search(r"^data runs: +\d+ of \$DATA:WofCompressedData$", text, re.M):
            fails.append("%s: run list not labelled as WofCompressedData's" % name)
        st = json.loads(subprocess.run([ntkit, "ntfs", "stat", img, "/" + name, "--json"],
                                       capture_output=True, text=True, check=True).stdout)
        if (st.get("wof"), st.get("wof_algorithm"), st.get("wof_chunk_size"),
                st.get("runs_stream")) != (True, algo.upper(), CHUNK[algo], "WofCompressedData"):
            fails.append("%s: json %r" % (name, {k: st.get(k) for k in
                                                 ("wof", "wof_algorithm", "wof_chunk_size",
                                                  "runs_stream")}))
        if have_istat:
            ours = [r["lcn"] + i for r in st["runs"] if r["lcn"] >= 0 for i in range(r["length"])]
            theirs = istat_wcd_clusters(img, st["mft"])
            # Tiny files keep WofCompressedData resident: no runs on either side.
            if ours != theirs or (int(m.group(2)) > 65536 and not theirs):
                fails.append("%s: runs %d clusters, istat's WofCompressedData %d" %
                             (name, len(ours), len(theirs)))
        checked += 1
    # A plain file of the same volume: no label.
    st = json.loads(subprocess.run([ntkit, "ntfs", "stat", img, "/wim_provider", "--json"],
                                   capture_output=True, text=True, check=True).stdout)
    if st.get("wof") is not False or "wof_algorithm" in st or st.get("runs_stream") != "":
        fails.append("wim_provider (not read as WOF): %r" % st.get("wof"))
    if checked < 8:
        fails.append("only %d WOF files checked" % checked)
    for f in fails:
        print("FAIL: " + f)
    if not fails:
        print("ok: %d WOF files" % checked)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
