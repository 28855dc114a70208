#!/usr/bin/env python3
"""Builds the bundled sample: a small NTFS volume that looks like the start of
a Windows system disk, for the README's quick start and the hive-in-image
tests.

    make_sample.py OUTDIR [--hives-only]

writes OUTDIR/sample-ntfs.img.gz (gzip of a 4 MiB NTFS volume, made with
mkntfs and filled through an ntfs-3g read-write mount) and
OUTDIR/sample-ntfs.json, the manifest: every file and stream with its size
and sha256, every directory, and every registry value written into the two
hives (key, value, type, data), so tests check what they read against what
was put there. With --hives-only it writes only OUTDIR/SYSTEM and
OUTDIR/SOFTWARE (no root needed).

Needs root, /dev/fuse, mkntfs and ntfs-3g (Debian: ntfs-3g). The hives are
written with testdata/hive/regf_writer.py. The committed image was made by
this script; rerunning it gives the same files and hives (NTFS timestamps and
the volume serial differ).
"""
import gzip
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hive"))
import regf_writer as rw  # noqa: E402
sys.path.insert(0, os.path.join(HERE, "..", "ntfs"))
import ntfs3g  # noqa: E402

IMAGE = "sample-ntfs.img"
VOLUME_BYTES = 4 << 20
CONFIG = "Windows/System32/config"

REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_MULTI_SZ, REG_QWORD = 1, 2, 3, 4, 7, 11
TYPE_NAMES = {1: "REG_SZ", 2: "REG_EXPAND_SZ", 3: "REG_BINARY", 4: "REG_DWORD", 7: "REG_MULTI_SZ",
              11: "REG_QWORD"}

# 2024-03-01T12:00:00Z as a FILETIME; keys are a few seconds apart.
T0 = (1709294400 + 11644473600) * 10000000


def encode(vtype, v):
    """The bytes Windows stores for a value of this type."""
    if vtype in (REG_SZ, REG_EXPAND_SZ):
        return (v + "\0").encode("utf-16-le")
    if vtype == REG_MULTI_SZ:
        return "".join(s + "\0" for s in v).encode("utf-16-le") + b"\0\0"
    if vtype == REG_DWORD:
        return struct.pack("<I", v)
    if vtype == REG_QWORD:
        return struct.pack("<Q", v)
    return bytes(v)


def service(name, start, stype, image, display, extra=()):
    vals = [("DisplayName", REG_SZ, display), ("ErrorControl", REG_DWORD, 1),
            ("ImagePath", REG_EXPAND_SZ, image), ("Start", REG_DWORD, start),
            ("Type", REG_DWORD, stype)]
    return (name, vals + list(extra), [])


# (name, [(value, type, data)], [subkeys]) -- the statement of intent.
SYSTEM_TREE = ("ROOT", [], [
    ("Select", [("Current", REG_DWORD, 1), ("Default", REG_DWORD, 1), ("Failed", REG_DWORD, 0),
                ("LastKnownGood", REG_DWORD, 1)], []),
    ("ControlSet001", [], [
        ("Control", [("SystemBootDevice", REG_SZ, "multi(0)disk(0)rdisk(0)partition(1)")], [
            ("ComputerName", [], [
                ("ComputerName", [("ComputerName", REG_SZ, "NTKIT-SAMPLE")], []),
            ]),
            ("TimeZoneInformation", [("Bias", REG_DWORD, 0xFFFFFFC4),
                                     ("TimeZoneKeyName", REG_SZ, "W. Europe Standard Time")], []),
            ("Session Manager", [("BootExecute", REG_MULTI_SZ, ["autocheck autochk *"])], [
                ("Environment", [("Path", REG_EXPAND_SZ,
                                  "%SystemRoot%\\system32;%SystemRoot%;%SystemRoot%\\System32\\Wbem"),
                                 ("NUMBER_OF_PROCESSORS", REG_SZ, "2")], []),
            ]),
        ]),
        ("Services", [], [
            service("Dhcp", 2, 0x20, "%SystemRoot%\\system32\\svchost.exe -k LocalServiceNetworkRestricted -p",
                    "@%SystemRoot%\\system32\\dhcpcore.dll,-100",
                    [("DependOnService", REG_MULTI_SZ, ["NSI", "Tdx", "Afd"]),
                     ("ObjectName", REG_SZ, "NT Authority\\LocalService")]),
            service("EventLog", 2, 0x20, "%SystemRoot%\\System32\\svchost.exe -k LocalServiceNetworkRestricted -p",
                    "@%SystemRoot%\\system32\\wevtsvc.dll,-200",
                    [("FailureActions", REG_BINARY,
                      bytes.fromhex("805101000000000000000000030000001400000001000000"
                                    "60ea00000100000060ea00000000000000000000"))]),
            ("Tcpip", [("DisplayName", REG_SZ, "TCP/IP Protocol Driver"),
                       ("ImagePath", REG_EXPAND_SZ, "System32\\drivers\\tcpip.sys"),
                       ("Start", REG_DWORD, 0), ("Type", REG_DWORD, 1)], [
                ("Parameters", [("Domain", REG_SZ, ""), ("Hostname", REG_SZ, "NTKIT-SAMPLE"),
                                ("SearchList", REG_SZ, "example.org")], []),
            ]),
            service("W32Time", 3, 0x20, "%SystemRoot%\\system32\\svchost.exe -k LocalService",
                    "@%SystemRoot%\\system32\\w32time.dll,-200",
                    [("RequiredPrivileges", REG_MULTI_SZ,
                      ["SeAuditPrivilege", "SeChangeNotifyPrivilege", "SeSystemTimePrivilege"])]),
        ]),
    ]),
    ("MountedDevices", [("\\DosDevices\\C:", REG_BINARY, bytes.fromhex("44 4d 49 4f 3a 49 44 3a 0f 5e 7c 21"
                                                                      " 3a 88 4b 46 9c 0e 21 fa 1b 3e 53 a9"))],
     []),
    ("Setup", [("SystemSetupInProgress", REG_DWORD, 0), ("CmdLine", REG_SZ, "oobe\\windeploy.exe")], []),
])

SOFTWARE_TREE = ("ROOT", [], [
    ("Microsoft", [], [
        ("Windows", [], [
            ("CurrentVersion", [("CommonFilesDir", REG_SZ, "C:\\Program Files\\Common Files"),
                                ("ProgramFilesDir", REG_SZ, "C:\\Program Files")], [
                ("Run", [("SecurityHealth", REG_EXPAND_SZ, "%windir%\\system32\\SecurityHealthSystray.exe")],
                 []),
            ]),
        ]),
        ("Windows NT", [], [
            ("CurrentVersion", [
                ("CurrentBuild", REG_SZ, "19045"),
                ("CurrentBuildNumber", REG_SZ, "19045"),
                ("CurrentMajorVersionNumber", REG_DWORD, 10),
                ("CurrentMinorVersionNumber", REG_DWORD, 0),
                ("DisplayVersion", REG_SZ, "22H2"),
                ("EditionID", REG_SZ, "Professional"),
                ("InstallDate", REG_DWORD, 1709294400),
                ("InstallTime", REG_QWORD, T0),
                ("ProductName", REG_SZ, "Windows 10 Pro"),
                ("RegisteredOwner", REG_SZ, "ntkit"),
                ("SystemRoot", REG_SZ, "C:\\Windows"),
            ], []),
        ]),
    ]),
    ("Policies", [], []),
])


def build_key(node, counter):
    name, values, subs = node
    counter[0] += 1
    return rw.Key(name, T0 + counter[0] * 10000000,
                  values=[rw.Value(v, t, encode(t, d)) for v, t, d in values],
                  subkeys=[build_key(s, counter) for s in subs])


def manifest_values(node, path, out, hive):
    name, values, subs = node
    for v, t, d in values:
        rec = {"hive": hive, "key": path, "value": v, "type": TYPE_NAMES[t], "data_hex": encode(t, d).hex()}
        rec["data"] = d.hex() if isinstance(d, (bytes, bytearray)) else d
        out.append(rec)
    for s in subs:
        manifest_values(s, s[0] if not path else path + "\\" + s[0], out, hive)


def write_hives(outdir):
    hives = {}
    for fname, tree, inner in (("SYSTEM", SYSTEM_TREE, "\\SystemRoot\\System32\\Config\\SYSTEM"),
                               ("SOFTWARE", SOFTWARE_TREE, "\\SystemRoot\\System32\\Config\\SOFTWARE")):
        hive = rw.Hive(build_key(tree, [0]), minor=5, timestamp=T0, file_name=inner, sequence=(7, 7))
        hives[fname] = hive.write(os.path.join(outdir, fname))
    return hives


# ---------------------------------------------------------------- image ---

def mounted(img):
    return ntfs3g.mounted(img, "streams_interface=windows", prefix="ntkit-sample-")


def text(s):
    return s.replace("\n", "\r\n").encode("utf-8")


def ordinary_files():
    """(path, bytes, {stream: bytes}) of the files beside the hives."""
    return [
        ("Windows/win.ini", text("; for 16-bit app support\n[fonts]\n[extensions]\n[mci extensions]\n[files]\n"
                                 "[Mail]\nMAPI=1\n"), {}),
        ("Windows/System32/drivers/etc/hosts",
         text("# Copyright (c) 1993-2009 Microsoft Corp.\n#\n# localhost name resolution is handled within DNS"
              " itself.\n#\t127.0.0.1       localhost\n#\t::1             localhost\n"), {}),
        ("Users/Public/Documents/readme.txt",
         text("This volume was made by testdata/sample/make_sample.py for ntkit's quick start.\n"
              "Try: ntkit ntfs cat sample-ntfs.img.gz '/Users/Public/Documents/readme.txt:Zone.Identifier'\n"),
         {"Zone.Identifier": text("[ZoneTransfer]\nZoneId=3\nHostUrl=https://example.org/readme.txt\n")}),
        ("Users/Public/Pictures/Sample Pictures/desktop.ini",
         text("[.ShellClassInfo]\nLocalizedResourceName=@%SystemRoot%\\system32\\shell32.dll,-21779\n"), {}),
        ("Users/ntkit/Desktop/notes.txt", text("hive: SYSTEM, SOFTWARE in /Windows/System32/config\n"), {}),
    ]


def sha(b):
    return hashlib.sha256(b).hexdigest()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = os.path.abspath(args[0])
    os.makedirs(outdir, exist_ok=True)
    if "--hives-only" in sys.argv:
        write_hives(outdir)
        return 0
    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        print("make_sample.py: needs root and /dev/fuse (ntfs-3g read-write mount)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        hives = write_hives(tmp)
        img = os.path.join(tmp, IMAGE)
        with open(img, "wb") as f:
            f.truncate(VOLUME_BYTES)
        subprocess.run(["mkntfs", "-F", "-q", "-Q", "-c", "4096", "-L", "NTKIT-SAMPLE", img], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        files, dirs = [], set()
        with mounted(img) as mnt:
            entries = ordinary_files() + [(CONFIG + "/" + n, d, {}) for n, d in sorted(hives.items())]
            for path, data, streams in entries:
                full = os.path.join(mnt, path)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "wb") as f:
                    f.write(data)
                files.append({"path": "/" + path, "size": len(data), "sha256": sha(data)})
                for sname, sdata in streams.items():
                    with open(full + ":" + sname, "wb") as f:
                        f.write(sdata)
                    files.append({"path": "/" + path, "stream": sname, "size": len(sdata), "sha256": sha(sdata)})
                parts = path.split("/")[:-1]
                for i in range(1, len(parts) + 1):
                    dirs.add("/" + "/".join(parts[:i]))
        raw = open(img, "rb").read()
        gz_path = os.path.join(outdir, IMAGE + ".gz")
        with open(gz_path, "wb") as f:
            # mtime 0 and no name: the .gz depends on the image alone.
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as g:
                g.write(raw)
    values = []
    manifest_values(SYSTEM_TREE, "", values, "SYSTEM")
    manifest_values(SOFTWARE_TREE, "", values, "SOFTWARE")
    man = {
        "image": IMAGE + ".gz",
        "volume_bytes": VOLUME_BYTES,
        "volume_sha256": sha(raw),
        "label": "NTKIT-SAMPLE",
        "generator": "testdata/sample/make_sample.py",
        "dirs": sorted(dirs),
        "files": sorted(files, key=lambda r: (r["path"], r.get("stream", ""))),
        "hives": {n: {"path": "/" + CONFIG + "/" + n, "size": len(d), "sha256": sha(d)}
                  for n, d in sorted(hives.items())},
        "registry": values,
    }
    with open(os.path.join(outdir, "sample-ntfs.json"), "w") as f:
        json.dump(man, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote %s (%d bytes) and sample-ntfs.json" % (gz_path, os.path.getsize(gz_path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
