#!/usr/bin/env python3
"""Boot tests of ntkit's UEFI application (boot/src) under QEMU + OVMF.

  boot_test.py prepare --work DIR --shared DIR --ntkit PATH|- --generator DIR
      Builds, once per build (cached by a stamp), the NTFS volume the boot
      tests read, in DIR/ntfs.img:
        \\Windows\\System32\\config\\SYSTEM  the real Windows 7 SYSTEM hive from
                                         the shared test data (regipy/SYSTEM.xz),
                                         or a generated one when that is absent
        \\ntkit\\corrupt.hiv              a small generated SYSTEM-like hive
                                         whose ComputerName\\ComputerName key
                                         cell has a broken "nk" signature
        \\ntkit\\broken-record.hiv        the intact small hive, but its MFT
                                         record's update sequence is broken
      and DIR/expected.json: what the application must print, from the
      oracles - `ntkit hive get` and hivex (python3-hivex) - on the very
      files copied onto the volume (checked back with ntfscat).

  boot_test.py run LAYOUT --work DIR --efi BOOTX64.EFI --qemu PATH
                   --ovmf-code FILE --ovmf-vars FILE
      Boots one layout and checks the serial log:
        gpt      one GPT disk: ESP (FAT), MSR, an NTFS recovery partition
                 without the hive, the NTFS volume; config file on the ESP
                 names the key and value
        bare     the ESP (QEMU vvfat) as one disk, the raw NTFS volume as a
                 second disk; no config file (the application's defaults)
        corrupt  like bare, reading \\ntkit\\corrupt.hiv: the application must
                 print FAIL with the damaged cell's offset and still power
                 the machine off by itself
        broken_record  like bare, reading \\ntkit\\broken-record.hiv, whose MFT
                 record fails its update-sequence check: FAIL must name the
                 record number and an offset inside the record

Exit status: 0 pass, 1 fail, 77 skipped (a tool or the fixture is missing).
"""
import argparse
import contextlib
import hashlib
import json
import lzma
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77
HIVE_PATH = "\\Windows\\System32\\config\\SYSTEM"
CORRUPT_PATH = "\\ntkit\\corrupt.hiv"
BROKEN_RECORD_PATH = "\\ntkit\\broken-record.hiv"
# What each layout looks up (key below CurrentControlSet, value): bare and
# corrupt use the application's defaults, gpt names another value (in a key
# whose name has a space) in the ESP's config file.
CCS_KEY = "Control\\ComputerName\\ComputerName"
VALUE = "ComputerName"
LOOKUPS = {
    "bare": (CCS_KEY, VALUE),
    "gpt": ("Control\\Session Manager\\Environment", "PROCESSOR_ARCHITECTURE"),
}
SHARED_HIVE = os.path.join("hives", "regipy", "SYSTEM.xz")
GENERATED_NAME = "NTKIT-GENERATED"


def log(msg):
    print(msg, flush=True)


def skip(msg):
    log("SKIP: " + msg)
    sys.exit(SKIP)


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def escape(text):
    """The application's escaping of printed values (main.c print_escaped):
    printable ASCII except '\\' as is, every other code point as \\u{hex}."""
    return "".join(c if 0x20 <= ord(c) < 0x7F and c != "\\" else "\\u{%x}" % ord(c) for c in text)


# ------------------------------------------------------------- hives ---

def generated_system_hive(generator_dir, path, computer_name):
    """A SYSTEM-like hive written by the project's hive generator
    (testdata/hive/regf_writer.py): Select\\Current = 1 and
    ControlSet001\\Control\\ComputerName\\ComputerName\\ComputerName."""
    sys.path.insert(0, generator_dir)
    sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
    try:
        from regf_writer import Hive, Key, Value  # noqa: E402
    except ImportError:
        return False
    ft = 132223104000000000  # 2020-01-01
    name = Key("ComputerName", ft, values=[
        Value("ComputerName", 1, (computer_name + "\0").encode("utf-16-le"))])
    env = Key("Environment", ft, values=[
        Value("OS", 1, "Windows_NT\0".encode("utf-16-le")),
        Value("PROCESSOR_ARCHITECTURE", 1, "AMD64\0".encode("utf-16-le"))])
    tree = Key("ROOT", ft, subkeys=[
        Key("Select", ft, values=[Value("Current", 4, (1).to_bytes(4, "little")),
                                  Value("Default", 4, (1).to_bytes(4, "little"))]),
        Key("ControlSet001", ft, subkeys=[
            Key("Control", ft, subkeys=[
                Key("ComputerName", ft, subkeys=[name]),
                Key("Session Manager", ft, subkeys=[env])]),
            Key("Services", ft)]),
    ])
    Hive(tree, minor=5, timestamp=ft, file_name="\\??\\C:\\ntkit\\SYSTEM").write(path)
    return True


def hivex_lookup(path, key_path, value_name):
    """(select_current, value text) from hivex, or None without python3-hivex."""
    try:
        import hivex
    except ImportError:
        return None
    h = hivex.Hivex(path)
    node = h.root()
    sel = h.node_get_child(node, "Select")
    current = h.value_dword(h.node_get_value(sel, "Current"))
    for part in ("ControlSet%03d\\%s" % (current, key_path)).split("\\"):
        node = h.node_get_child(node, part)
        if node is None:
            raise RuntimeError("hivex: no key %s" % part)
    return current, h.value_string(h.node_get_value(node, value_name))


def hivex_node_offset(path, key_path):
    """File offset of the nk cell (its size field) of `key_path`: hivex's
    node handles are file offsets."""
    import hivex
    h = hivex.Hivex(path)
    node = h.root()
    for part in key_path.split("\\"):
        node = h.node_get_child(node, part)
    return node


def ntkit_lookup(ntkit, path, key_path, value_name):
    """(select_current, value text) from `ntkit hive get`, or None when the
    command is not there."""
    if not ntkit or ntkit == "-" or not os.path.exists(ntkit):
        return None
    r = subprocess.run([ntkit, "hive", "get", path, "Select", "Current"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        log("ntkit hive get Select Current: rc %d %s" % (r.returncode, r.stderr.decode(errors="replace")))
        return None
    current = int(r.stdout.split()[0])
    r = subprocess.run([ntkit, "hive", "get", path, "ControlSet%03d\\%s" % (current, key_path), value_name],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise RuntimeError("ntkit hive get failed: %s" % r.stderr.decode(errors="replace"))
    out = r.stdout.decode("utf-8")
    return current, out[:-1] if out.endswith("\n") else out


# ------------------------------------------------------------ volume ---

@contextlib.contextmanager
def mounted(img):
    """Read-write ntfs-3g mount of an image file (needs root and FUSE)."""
    mnt = tempfile.mkdtemp(prefix="ntkit-boot-")
    proc = subprocess.Popen(["ntfs-3g", "-o", "no_detach", img, mnt],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 20
        while not os.path.ismount(mnt):
            if proc.poll() is not None:  # the machine cannot mount FUSE here
                skip("ntfs-3g cannot mount the image: " + proc.stderr.read().decode(errors="replace").strip())
            if time.time() > deadline:
                raise RuntimeError("ntfs-3g mount timed out")
            time.sleep(0.05)
        yield mnt
    finally:
        if os.path.ismount(mnt):
            subprocess.run(["umount", mnt], stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.rmdir(mnt)


def build_volume(img, files):
    """mkntfs + an ntfs-3g mount; `files` maps NTFS paths to host files."""
    total = sum(os.path.getsize(src) for src in files.values())
    size_mib = max(16, (total >> 20) + 12)
    with open(img, "wb") as f:
        f.truncate(size_mib << 20)
    run("mkntfs", "-F", "-Q", "-q", "-L", "NTKITBOOT", img)
    with mounted(img) as mnt:
        for ntfs_path, src in files.items():
            dst = os.path.join(mnt, *ntfs_path.strip("\\").split("\\"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
    # Read every file back with ntfs-3g's ntfscat: the image holds what the
    # oracles were asked about.
    for ntfs_path, src in files.items():
        got = run("ntfscat", img, ntfs_path.replace("\\", "/")).stdout
        if hashlib.sha256(got).hexdigest() != sha256_file(src):
            raise RuntimeError("ntfscat %s differs from %s" % (ntfs_path, src))


def break_mft_record(img, ntfs_path):
    """Breaks the update-sequence check of the MFT record of `ntfs_path`:
    the last two bytes of its first sector no longer match the record's
    update sequence number. The record is found by scanning the image for
    "FILE" records holding the name, and its number is checked against
    ntfs-3g's ntfsinfo. Returns (record number, byte offset on the volume)."""
    name = ntfs_path.rsplit("\\", 1)[1].encode("utf-16-le")
    info = run("ntfsinfo", "-F", ntfs_path.replace("\\", "/"), img).stdout.decode(errors="replace")
    m = re.search(r"Dumping Inode (\d+)", info)
    if not m:
        raise RuntimeError("ntfsinfo did not report the inode of %s" % ntfs_path)
    inode = int(m.group(1))
    with open(img, "r+b") as f:
        data = f.read()
        hits = [off for off in range(0, len(data), 1024)
                if data[off:off + 4] == b"FILE" and name in data[off:off + 1024]]
        if len(hits) != 1 or struct.unpack_from("<I", data, hits[0] + 0x2C)[0] != inode:
            raise RuntimeError("MFT record of %s: found %r, ntfsinfo says %d" % (ntfs_path, hits, inode))
        off = hits[0]
        f.seek(off + 510)
        f.write(bytes(b ^ 0xFF for b in data[off + 510:off + 512]))
    return inode, off


def prepare(args):
    work = args.work
    os.makedirs(work, exist_ok=True)
    status = os.path.join(work, "expected.json")
    for tool in ("mkntfs", "ntfs-3g", "ntfscat", "umount"):
        if not shutil.which(tool):
            skip("%s not found (Debian package ntfs-3g)" % tool)
    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        skip("an ntfs-3g read-write mount of an image needs root and /dev/fuse")

    shared = os.path.join(args.shared, SHARED_HIVE)
    gen = os.path.join(args.generator, "regf_writer.py")
    me = sha256_file(os.path.abspath(__file__))
    ident = {
        "script": me,
        "shared": [shared, os.path.getsize(shared), os.path.getmtime(shared)] if os.path.exists(shared) else None,
        "generator": sha256_file(gen) if os.path.exists(gen) else None,
        "ntkit": [args.ntkit, os.path.getmtime(args.ntkit)] if os.path.exists(args.ntkit) else None,
    }
    stamp = os.path.join(work, "stamp.json")
    if os.path.exists(stamp) and os.path.exists(status) and os.path.exists(os.path.join(work, "ntfs.img")):
        with open(stamp) as f:
            if json.load(f) == ident:
                log("boot disks up to date in %s" % work)
                return 0

    for old in (stamp, status):  # never leave a half-made fixture looking valid
        if os.path.exists(old):
            os.unlink(old)
    system = os.path.join(work, "SYSTEM")
    small = os.path.join(work, "small.hiv")
    corrupt = os.path.join(work, "corrupt.hiv")
    if not generated_system_hive(args.generator, small, GENERATED_NAME):
        skip("the hive generator %s is missing" % gen)
    if os.path.exists(shared):
        with lzma.open(shared) as src, open(system, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        source = "shared test data: " + SHARED_HIVE
    else:
        shutil.copyfile(small, system)
        source = "generated by testdata/hive/regf_writer.py (shared test data absent)"
    log("SYSTEM hive: %s (%d bytes)" % (source, os.path.getsize(system)))

    # The oracles, on the exact bytes that go onto the volume.
    lookups, oracles, hx = {}, None, None
    for layout, (key, value) in sorted(LOOKUPS.items()):
        hx = hivex_lookup(system, key, value)
        nk = ntkit_lookup(args.ntkit, system, key, value)
        if hx is None and nk is None:
            skip("no oracle: neither `ntkit hive get` nor python3-hivex is available")
        if hx is not None and nk is not None and hx != nk:
            log("FAIL: the oracles disagree on %s\\%s: hivex %r, ntkit hive get %r" % (key, value, hx, nk))
            return 1
        current, text = hx if hx is not None else nk
        oracles = [o for o, r in (("ntkit hive get", nk), ("hivex", hx)) if r is not None]
        log("expected for %s (%s): Select\\Current = %d, %s\\%s = %r"
            % (layout, " and ".join(oracles), current, key, value, text))
        lookups[layout] = {"select_current": current, "key": "ControlSet%03d\\%s" % (current, key),
                           "ccs_key": key, "value_name": value, "value": text}

    # The damaged copy: overwrite the "nk" signature of the key that holds
    # the value; its offset comes from hivex, not from the code under test.
    if hx is None:
        skip("python3-hivex is needed to place the corruption")
    bad_key = "ControlSet001\\" + CCS_KEY
    bad_off = hivex_node_offset(small, bad_key)
    data = bytearray(open(small, "rb").read())
    if data[bad_off + 4:bad_off + 6] != b"nk":
        raise RuntimeError("no nk signature at hivex's offset 0x%x" % bad_off)
    data[bad_off + 4:bad_off + 6] = b"NK"
    with open(corrupt, "wb") as f:
        f.write(data)

    img = os.path.join(work, "ntfs.img")
    build_volume(img, {HIVE_PATH: system, CORRUPT_PATH: corrupt, BROKEN_RECORD_PATH: small})
    rec_no, rec_off = break_mft_record(img, BROKEN_RECORD_PATH)
    expected = {
        "source": source,
        "oracles": oracles,
        "lookups": lookups,
        "corrupt_key_offset": bad_off,
        "corrupt_key": bad_key,
        "broken_record": rec_no,
        "broken_record_offset": rec_off,
    }
    with open(status, "w") as f:
        json.dump(expected, f, indent=1)
    with open(stamp, "w") as f:
        json.dump(ident, f)
    log("wrote %s (%d MiB) and %s" % (img, os.path.getsize(img) >> 20, status))
    return 0


# -------------------------------------------------------------- boot ---

def make_esp_dir(esp, efi, config):
    os.makedirs(os.path.join(esp, "EFI", "BOOT"))
    shutil.copyfile(efi, os.path.join(esp, "EFI", "BOOT", "BOOTX64.EFI"))
    if config is not None:
        with open(os.path.join(esp, "ntkit-boot.cfg"), "w") as f:
            f.write(config)


def make_gpt_disk(path, rundir, efi, config, ntfs_img):
    """A GPT disk laid out as Windows does, with the recovery partition
    before the Windows one so that the application must pass over an NTFS
    volume without the hive: 1 ESP (8 MiB FAT), 2 MSR (1 MiB, no file
    system), 3 recovery (8 MiB NTFS, label RECOVERY), 4 the NTFS volume."""
    for tool in ("sfdisk", "mkfs.vfat", "mmd", "mcopy", "mkntfs"):
        if not shutil.which(tool):
            skip("%s not found (Debian packages fdisk, dosfstools, mtools, ntfs-3g)" % tool)
    esp = os.path.join(rundir, "esp.img")
    run("mkfs.vfat", "-n", "NTKITESP", "-C", esp, str(8 * 1024))
    run("mmd", "-i", esp, "::/EFI", "::/EFI/BOOT")
    run("mcopy", "-i", esp, efi, "::/EFI/BOOT/BOOTX64.EFI")
    cfg = os.path.join(rundir, "ntkit-boot.cfg")
    with open(cfg, "w") as f:
        f.write(config)
    run("mcopy", "-i", esp, cfg, "::/ntkit-boot.cfg")
    recovery = os.path.join(rundir, "recovery.img")
    with open(recovery, "wb") as f:
        f.truncate(8 << 20)
    run("mkntfs", "-F", "-Q", "-q", "-L", "RECOVERY", recovery)

    parts = [  # (image or None, sectors, type GUID, name)
        (esp, None, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI system partition"),
        (None, 2048, "E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "Microsoft reserved partition"),
        (recovery, None, "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", "Recovery"),
        (ntfs_img, None, "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "Windows"),
    ]
    script = "label: gpt\n"
    start, layout = 2048, []
    for img, sectors, guid, name in parts:
        sectors = sectors or os.path.getsize(img) // 512
        script += 'start=%d, size=%d, type=%s, name="%s"\n' % (start, sectors, guid, name)
        layout.append((img, start))
        start += sectors
    with open(path, "wb") as f:
        f.truncate((start + 2048) * 512)  # room for the backup GPT
    run("sfdisk", "--no-reread", "--no-tell-kernel", "-q", path, input=script.encode())
    with open(path, "r+b") as disk:
        for img, first in layout:
            if img:
                disk.seek(first * 512)
                with open(img, "rb") as f:
                    shutil.copyfileobj(f, disk, 1 << 20)


def boot(args, rundir, drives):
    vars_copy = os.path.join(rundir, "vars.fd")
    shutil.copyfile(args.ovmf_vars, vars_copy)
    serial = os.path.join(rundir, "serial.log")
    cmd = [args.qemu, "-machine", "q35,accel=tcg", "-m", "256", "-smp", "1",
           "-display", "none", "-vga", "none", "-nodefaults", "-no-user-config", "-net", "none",
           "-serial", "file:" + serial,
           "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + args.ovmf_code,
           "-drive", "if=pflash,format=raw,unit=1,file=" + vars_copy]
    for d in drives:
        cmd += ["-drive", "if=virtio,format=raw,readonly=on,file=" + d]
    log("$ " + " ".join(cmd))
    t0 = time.time()
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        rc = r.returncode
        if r.stdout:
            log(r.stdout.decode(errors="replace"))
    except subprocess.TimeoutExpired:
        rc = "timeout (120 s)"
    log("qemu exited: %s after %.1f s" % (rc, time.time() - t0))
    raw = open(serial, "rb").read().decode("latin-1") if os.path.exists(serial) else ""
    text = re.sub(r"\x1b\[[0-9;?=]*[a-zA-Z]", "", raw).replace("\r", "")
    lines = [ln[ln.index("NTKIT-BOOT: ") + 12:] for ln in text.split("\n") if "NTKIT-BOOT: " in ln]
    for ln in lines:
        log("  | " + ln)
    return rc, lines


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what):
        log("%s: %s" % ("ok  " if ok else "FAIL", what))
        if ok:
            self.passed += 1
        else:
            self.failed += 1

    def finish(self):
        log("%d passed, %d failed" % (self.passed, self.failed))
        return 0 if self.failed == 0 else 1


def run_layout(args):
    for tool in (args.qemu, args.ovmf_code, args.ovmf_vars, args.efi):
        if not os.path.exists(tool):
            skip("%s not found" % tool)
    status = os.path.join(args.work, "expected.json")
    img = os.path.join(args.work, "ntfs.img")
    if not os.path.exists(status) or not os.path.exists(img):
        skip("no boot disks (the boot_disks fixture was skipped)")
    with open(status) as f:
        exp = json.load(f)
    rundir = os.path.join(args.work, "run-" + args.layout)
    shutil.rmtree(rundir, ignore_errors=True)
    os.makedirs(rundir)

    if args.layout == "gpt":
        config = ("# ntkit boot test (GPT layout)\nhive = %s\nkey = CurrentControlSet\\%s\nvalue = %s\nheap = 48\n"
                  % ((HIVE_PATH,) + LOOKUPS["gpt"]))
        disk = os.path.join(rundir, "gpt.img")
        make_gpt_disk(disk, rundir, args.efi, config, img)
        drives = [disk]
    else:
        esp = os.path.join(rundir, "esp")
        config = {"bare": None, "corrupt": "hive = %s\n" % CORRUPT_PATH,
                  "broken_record": "hive = %s\n" % BROKEN_RECORD_PATH}[args.layout]
        make_esp_dir(esp, args.efi, config)
        drives = ["fat:" + esp, img]

    rc, lines = boot(args, rundir, drives)
    c = Checks()
    c.check(rc == 0, "the VM powered itself off (qemu exit status 0)")
    c.check(any(ln.startswith("ntkit UEFI reader") for ln in lines), "the application started")
    if args.layout == "corrupt":
        fails = [ln for ln in lines if ln.startswith("FAIL: ")]
        c.check(len(fails) == 1 and "PASS" not in lines, "exactly one FAIL line and no PASS")
        off = exp["corrupt_key_offset"]
        offs = [int(m, 16) for ln in fails for m in re.findall(r"offset 0x([0-9a-f]+)", ln)]
        c.check(any(off <= o < off + 8 for o in offs),
                "the FAIL line names the damaged nk cell of %s at file offset 0x%x (hivex)"
                % (exp["corrupt_key"], off))
        return c.finish()
    if args.layout == "broken_record":
        fails = [ln for ln in lines if ln.startswith("FAIL: ")]
        c.check(len(fails) == 1 and "PASS" not in lines, "exactly one FAIL line and no PASS")
        rec, off = exp["broken_record"], exp["broken_record_offset"]
        c.check(any("(MFT record %d)" % rec in ln for ln in fails),
                "the FAIL line names MFT record %d (ntfsinfo)" % rec)
        offs = [int(m, 16) for ln in fails for m in re.findall(r"offset 0x([0-9a-f]+)", ln)]
        c.check(any(off <= o < off + 1024 for o in offs),
                "the FAIL line's offset lies in that record, at 0x%x..0x%x on the volume" % (off, off + 1023))
        return c.finish()

    c.check("PASS" in lines, "the application printed PASS")
    c.check(not any(ln.startswith("FAIL") for ln in lines), "no FAIL line")
    want_kind = "partition" if args.layout == "gpt" else "disk"
    c.check(any(re.match(r"handle \d+: %s, .*: NTFS boot sector$" % want_kind, ln) for ln in lines),
            "the NTFS volume was found on a BlockIo %s handle" % want_kind)
    if args.layout == "gpt":
        c.check(any(re.match(r"handle \d+: partition, .*the ESP we booted from, skipped$", ln) for ln in lines),
                "the ESP partition was skipped")
        c.check(any(ln.startswith("config (ntkit-boot.cfg)") for ln in lines), "the ESP's config file was read")
        mounts = [i for i, ln in enumerate(lines) if ln.startswith("mounted NTFS")]
        c.check(len(mounts) == 2 and "label 'RECOVERY'" in lines[mounts[0]]
                and lines[mounts[0] + 1] == "no %s on this volume, trying the next one" % HIVE_PATH
                and "label 'NTKITBOOT'" in lines[mounts[1]],
                "the recovery partition (NTFS, no hive) was mounted and passed over")
    else:
        c.check(any(ln.startswith("config (defaults)") for ln in lines), "no config file: defaults")
    look = exp["lookups"][args.layout]
    c.check("Select\\Current = %d" % look["select_current"] in lines,
            "Select\\Current = %d (%s)" % (look["select_current"], " and ".join(exp["oracles"])))
    c.check("key = %s" % look["key"] in lines, "key %s" % look["key"])
    want = "value = " + escape(look["value"])
    c.check(want in lines, "%s (%s)" % (want, " and ".join(exp["oracles"])))
    heap = [ln for ln in lines if ln.startswith("heap: peak ")]
    c.check(len(heap) == 1 and "0 bytes still in use, 0 bad frees" in heap[0],
            "heap report present, everything freed")
    c.check(any(ln.startswith("time: ") for ln in lines), "time report present")
    return c.finish()


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--work", required=True)
    p.add_argument("--shared", required=True)
    p.add_argument("--ntkit", default="-")
    p.add_argument("--generator", required=True)
    r = sub.add_parser("run")
    r.add_argument("layout", choices=("gpt", "bare", "corrupt", "broken_record"))
    r.add_argument("--work", required=True)
    r.add_argument("--efi", required=True)
    r.add_argument("--qemu", required=True)
    r.add_argument("--ovmf-code", required=True)
    r.add_argument("--ovmf-vars", required=True)
    args = ap.parse_args()
    if args.cmd == "prepare":
        return prepare(args)
    return run_layout(args)


if __name__ == "__main__":
    sys.exit(main())
