#!/usr/bin/env python3
"""Writes ntkit's generated test hives and their manifests.

Usage: gen_hives.py OUTDIR

For each hive NAME it writes into OUTDIR:
  NAME.hiv            the hive
  NAME.manifest.jsonl every key and value the generator wrote, in the export
                      format of `ntkit hive export --format jsonl` and in its
                      order (depth-first pre-order, values in on-disk order,
                      subkeys in list order)
  NAME.manifest.json  facts about the hive: version, structure counts, key
                      and value totals, class names and security descriptors
                      per key, which list layout each key got
and OUTDIR/hives.stamp when everything was written.

Hives:
  features  v1.5: every list kind (li, lf, lh, ri over each and mixed),
            big data at 16343/16344/16345 bytes and far beyond, name edge
            cases, every value type, class names, several security cells
  v13       v1.3: no big data, so long values live in one cell, and value
            data that literally starts with "db"
  bulk      v1.5: 10,007 keys in one lh leaf, 11,000 keys in an ri of lh
            leaves, a chain of keys 512 levels deep
  regsafe   features without the names and sizes .reg files cannot carry
  empty     v1.5: the root key alone (a fresh hive to merge .reg files into)
"""
import datetime
import json
import os
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from regf_writer import (DEFAULT_SD, Hive, Key, Name, Value, sid,  # noqa: E402
                         self_relative_sd)
from regf_writer import BIG_DATA_SEGMENT, NONE  # noqa: E402

EPOCH = datetime.datetime(1601, 1, 1)


def filetime(year, month, day, hour=0, minute=0, second=0, ticks=0):
    """FILETIME of a UTC date plus `ticks` 100-ns units."""
    delta = datetime.datetime(year, month, day, hour, minute, second) - EPOCH
    return (delta.days * 86400 + delta.seconds) * 10_000_000 + ticks


def filetime_str(ft):
    """The export format's timestamp (independent of the oracle's code)."""
    whole = EPOCH + datetime.timedelta(seconds=ft // 10_000_000)
    return whole.strftime("%Y-%m-%dT%H:%M:%S") + ".%07dZ" % (ft % 10_000_000)


def pattern(n, seed=0):
    """n bytes that never repeat with a period of 8, 16 or 16344, so data cut
    or shifted at a cell or segment edge shows up."""
    return bytes(((i * 31) ^ (i >> 7) ^ (i >> 13) ^ seed) & 0xFF for i in range(n))


def utf16z(s):
    return s.encode("utf-16-le") + b"\0\0"


def utf16(s):
    return s.encode("utf-16-le")


class Clock:
    """Hands out distinct timestamps with changing sub-second digits."""

    def __init__(self, start):
        self.t = start

    def __call__(self):
        self.t += 10_000_019 * 37 + 1234567
        return self.t


# ------------------------------------------------------------- features ---

def features_hive():
    tick = Clock(filetime(2024, 5, 6, 7, 8, 9, 1234567))

    def leafy(names):
        return [Key(n, tick(), values=[Value("v", 4, i.to_bytes(4, "little"))])
                for i, n in enumerate(names)]

    mixed_case = ["alpha", "Bravo", "charlie", "DELTA", "echo", "_under", "Zulu",
                  "a1", "A2", "foxtrot", "Golf", "hotel"]
    lists = Key("lists", tick(), subkeys=[
        Key("li", tick(), lists="li", subkeys=leafy(mixed_case[:5])),
        Key("lf", tick(), lists="lf", subkeys=leafy(mixed_case[:7])),
        Key("lh", tick(), lists="lh", subkeys=leafy(mixed_case)),
        Key("ri-li", tick(), lists=("ri", "li", 5), subkeys=leafy(mixed_case)),
        Key("ri-lf", tick(), lists=("ri", "lf", 4), subkeys=leafy(mixed_case)),
        Key("ri-lh", tick(), lists=("ri", "lh", 3), subkeys=leafy(mixed_case)),
        Key("ri-mixed", tick(), lists=("ri", ["li", "lf", "lh"], 2), subkeys=leafy(mixed_case)),
        Key("ri-one-leaf", tick(), lists=("ri", "lh", 100), subkeys=leafy(mixed_case[:3])),
    ])

    names = Key("names", tick(), values=[
        Value("", 1, utf16z("default value of names")),
        Value("back\\slash value", 1, utf16z("value names may hold a backslash")),
        Value("nul\0in value name", 4, b"\x01\0\0\0"),
        Value("nul\0utf16 \u20ac", 4, b"\x02\0\0\0"),
        Value("latin1 \xe4\xf6\xfc\xdf\xff", 4, b"\x03\0\0\0"),
        Value("c1 controls \x80\x9f\x85", 4, b"\x04\0\0\0"),
        Value("ascii as utf16", 4, b"\x05\0\0\0", encoding="utf16"),
        Value("\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u4e2d\u6587", 4, b"\x06\0\0\0"),
        Value("pair \U0001F600 \U0001D11E", 4, b"\x07\0\0\0"),
        Value("new\r\nline", 4, b"\x08\0\0\0"),
        Value("V" * 16383, 4, b"\x09\0\0\0"),
        Value("w" * 300 + "\u00e9", 4, b"\x0a\0\0\0", encoding="utf16"),
    ], subkeys=[
        Key("latin1 \xe4\xf6\xfc\xdf\xff\xc0", tick()),
        Key("c1 controls \x80\x9f\x85", tick()),
        Key("ascii as utf16", tick(), encoding="utf16"),
        Key("\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u041a\u0438\u0440\u0438\u043b\u043b\u0438\u0446\u0430 \u4e2d\u6587", tick()),
        Key("\uff26\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48", tick()),
        Key("pair \U0001F600 \U0001D11E \U00010428", tick()),
        Key("nul\0inside", tick(), values=[Value("x", 4, b"\x0b\0\0\0")]),
        Key("nul\0utf16 \u20ac", tick()),
        Key("back\\slash", tick()),
        Key("new\r\nline", tick()),
        Key("tab\tquote\"apos'", tick()),
        Key("application/x-slash", tick(), values=[Value("Extension", 1, utf16z(".slash"))]),
        Key("K" * 255, tick()),
        Key("\u00e9" * 255, tick(), encoding="utf16"),
        Key("MiXeD CaSe", tick(), subkeys=[Key("Child", tick())]),
    ])

    sz = [
        ("sz", 1, utf16z("hello, world")),
        ("sz no terminator", 1, utf16("no terminator")),
        ("sz odd length", 1, utf16("odd") + b"!"),
        ("sz garbage after nul", 1, utf16z("short") + b"GARBAGE\xff\xfe"),
        ("sz empty", 1, b""),
        ("sz only nul", 1, b"\0\0"),
        ("sz non-bmp", 1, utf16z("pair \U0001F600")),
        ("expand sz", 2, utf16z("%SystemRoot%\\system32")),
        ("expand sz odd", 2, b"%\0x"),
        ("link", 6, utf16("\\Registry\\Machine\\Software\\Target")),
        ("multi sz", 7, utf16("one\0two\0three\0\0")),
        ("multi sz empty strings", 7, utf16("a\0\0b\0\0\0")),
        ("multi sz no final terminator", 7, utf16("a\0b\0")),
        ("multi sz no terminator at all", 7, utf16("a\0b")),
        ("multi sz empty list", 7, b"\0\0"),
        ("multi sz zero bytes", 7, b""),
    ]
    numbers = [
        ("none", 0, b"\x01\x02\x03"),
        ("none empty", 0, b""),
        ("binary 0", 3, b""),
        ("binary 1", 3, b"\xab"),
        ("binary 4", 3, b"\xde\xad\xbe\xef"),
        ("binary 5", 3, b"\x01\x02\x03\x04\x05"),
        ("binary 256", 3, bytes(range(256))),
        ("dword", 4, (0x12345678).to_bytes(4, "little")),
        ("dword short", 4, b"\x01\x02\x03"),
        ("dword long", 4, bytes(range(1, 9))),
        ("dword empty", 4, b""),
        ("dword big endian", 5, (0x12345678).to_bytes(4, "big")),
        ("qword", 11, (0x0123456789ABCDEF).to_bytes(8, "little")),
        ("qword short", 11, b"\x01\x02\x03\x04"),
        ("resource list", 8, pattern(48, 8)),
        ("full resource descriptor", 9, pattern(36, 9)),
        ("resource requirements list", 10, pattern(72, 10)),
        ("type 12", 12, b"\x0c"),
        ("type 0x1000", 0x1000, pattern(6, 1)),
        ("type 0x7fffffff", 0x7FFFFFFF, b"x"),
        ("type 0x80000000", 0x80000000, pattern(12, 2)),
        ("devprop type 0xffff0012", 0xFFFF0012, utf16z("devprop string")),
        ("type 0xffffffff", 0xFFFFFFFF, b""),
    ]
    types = Key("types", tick(), values=[Value(n, t, d) for n, t, d in sz + numbers] + [
        Value("small data in a cell", 3, b"\x11\x22\x33", storage="cell"),
        Value("4 bytes in a cell", 4, b"\x44\x33\x22\x11", storage="cell"),
        Value("empty in a cell", 1, b"", storage="cell"),
    ])

    big = Key("bigdata", tick(), values=[
        Value("16343", 3, pattern(16343, 1)),
        Value("16344", 3, pattern(16344, 2)),
        Value("16345", 3, pattern(16345, 3)),
        Value("32688 two full segments", 3, pattern(16344 * 2, 4)),
        Value("32689", 3, pattern(16344 * 2 + 1, 5)),
        Value("100000", 3, pattern(100000, 6)),
        Value("1048577", 3, pattern(1048577, 7)),
        Value("multi sz 16426", 7, utf16("".join("string %04d\0" % i for i in range(684)) + "x" * 4 + "\0\0")),
        Value("starts with db", 3, b"db\x02\x00\x20\x00\x00\x00" + pattern(92, 8)),
        Value("sz 20000", 1, utf16z("S" * 9999)),
    ])

    classes = Key("classes", tick(), subkeys=[
        Key("JD", tick(), class_name="5d2a8c1f"),
        Key("Skew1", tick(), class_name="Klasse \u00e4\u20ac \U0001F600"),
        Key("long class", tick(), class_name="c" * 500),
    ])

    sd_admins_only = self_relative_sd(sid(5, 32, 544), sid(5, 18),
                                      [(0, 0x02, 0x000F003F, sid(5, 32, 544))])
    sd_users_read = self_relative_sd(sid(5, 18), sid(5, 18),
                                     [(0, 0x02, 0x000F003F, sid(5, 18)),
                                      (0, 0x02, 0x00020019, sid(5, 32, 545))])
    security = Key("security", tick(), subkeys=[
        Key("admins only", tick(), security=1),
        Key("users read", tick(), security=2),
        Key("again admins", tick(), security=1),
    ])

    times = Key("timestamps", tick(), subkeys=[
        Key("zero", 0),
        Key("one tick", 1),
        Key("1970", filetime(1970, 1, 1)),
        Key("max 9999", filetime(9999, 12, 31, 23, 59, 59, 9999999)),
        Key("volatile fields set", tick(), volatile_junk=True),
    ])

    root = Key("ROOT_ntkit_features", tick(), values=[
        Value("", 1, utf16z("root default")),
        Value("RootDword", 4, b"\x2a\0\0\0"),
    ], subkeys=[lists, names, types, big, classes, security, times])

    # A deleted key and value in free cells: readers walking the tree must
    # not report them.
    stale_nk = b"nk" + b"\x20\x00" + b"\0" * 68 + (11).to_bytes(2, "little") + b"\0\0" + b"deleted_key"
    stale_vk = b"vk" + (13).to_bytes(2, "little") + (0x80000004).to_bytes(4, "little") + \
        b"\x01\0\0\0" + b"\x04\0\0\0" + b"\x01\0\0\0" + b"deleted_value"
    return Hive(root, minor=5, timestamp=tick(), file_name="\\??\\C:\\ntkit\\features.hiv",
                security=(DEFAULT_SD, sd_admins_only, sd_users_read),
                sequence=(7, 7), stale_cells=(stale_nk, stale_vk))


# ------------------------------------------------------------------ v13 ---

def v13_hive():
    tick = Clock(filetime(2009, 7, 14, 1, 2, 3, 7654321))
    dbish = b"db\x02\x00\x20\x00\x00\x00"  # looks like a db header
    root = Key("ROOT_ntkit_v13", tick(), values=[
        Value("db small", 3, dbish + pattern(40, 1)),
        Value("db 16344", 3, dbish + pattern(16344 - 8, 2)),
        Value("db 16345", 3, dbish + pattern(16345 - 8, 3)),
        Value("db 40000", 3, b"db" + pattern(40000 - 2, 4)),
        Value("not db 70000", 3, pattern(70000, 5)),
        Value("sz 30000", 1, utf16z("L" * 14999)),
        Value("", 4, b"\x13\0\0\0"),
    ], subkeys=[
        Key("lf default", tick(), subkeys=[Key(n, tick()) for n in ("b", "A", "c", "\xe9t\xe9")]),
        Key("li", tick(), lists="li", subkeys=[Key(n, tick()) for n in ("one", "two", "three")]),
        Key("ri-lf", tick(), lists=("ri", "lf", 2), subkeys=[Key("k%d" % i, tick()) for i in range(7)]),
        Key("ri-li", tick(), lists=("ri", "li", 3), subkeys=[Key("K%d" % i, tick()) for i in range(7)]),
        Key("utf16 \u0416", tick(), class_name="cls", values=[
            Value("\u0416 value", 1, utf16z("\u0416")),
            Value("multi", 7, utf16("x\0\0y\0")),
        ]),
    ])
    return Hive(root, minor=3, timestamp=tick(), file_name="\\??\\C:\\ntkit\\v13.hiv")


# ----------------------------------------------------------------- bulk ---

def bulk_hive():
    tick = Clock(filetime(2021, 3, 4, 5, 6, 7, 1111111))
    many_lh = [Key("k%05d" % i, tick(),
                   values=[Value("n", 4, i.to_bytes(4, "little"))] if i % 100 == 0 else [])
               for i in range(10007)]
    # mixed case so that list order depends on case-insensitive sorting
    many_ri = [Key(("Item%05d" if i % 2 else "item%05d_") % i, tick(),
                   values=[Value("", 1, utf16z(str(i)))] if i % 250 == 0 else [])
               for i in range(11000)]
    deepest = Key("level512", tick(), values=[Value("depth", 4, (512).to_bytes(4, "little"))])
    chain = deepest
    for level in range(511, 0, -1):
        chain = Key("level%03d" % level, tick(), subkeys=[chain])
    root = Key("ROOT_ntkit_bulk", tick(), subkeys=[
        Key("many lh", tick(), lists="lh", subkeys=many_lh),
        Key("many ri", tick(), lists=("ri", "lh", 1000), subkeys=many_ri),
        chain,
    ])
    return Hive(root, minor=5, timestamp=tick(), file_name="\\??\\C:\\ntkit\\bulk.hiv")


REG_UNSAFE_CHARS = "\\\0\r\n"
REG_MAX_VALUE = 512 * 1024


def regsafe_hive():
    """The features hive minus what a .reg file or hivexregedit --merge
    cannot carry, for the export --format reg round trip: key names with
    '\\' (the path separator), NUL, CR or LF; value names with NUL, CR or
    LF; values over 512 KiB (hivex's writer fails on them with ERANGE)."""
    hive = features_hive()
    stack = [hive.root]
    while stack:
        key = stack.pop()
        key.subkeys = [k for k in key.subkeys
                       if not any(c in k.name.text for c in REG_UNSAFE_CHARS)]
        key.values = [v for v in key.values
                      if not any(c in v.name.text for c in REG_UNSAFE_CHARS[1:])
                      and len(v.data) <= REG_MAX_VALUE]
        stack.extend(key.subkeys)
    hive.root.name = Name("ROOT_ntkit_regsafe")
    hive.file_name = "\\??\\C:\\ntkit\\regsafe.hiv"
    return hive


def empty_hive():
    return Hive(Key("ROOT", filetime(2020, 1, 1)), minor=5, timestamp=filetime(2020, 1, 1),
                file_name="\\??\\C:\\ntkit\\empty.hiv")



# -------------------------------------------------------------- deleted ---

class _Deleter:
    """Deletes from a written hive the way Windows does: the cells of what
    is deleted are freed (their size made positive, contents left), list
    entries after a removed one move down and the last slot keeps its old
    entry as slack, counts drop, and an emptied value list is freed. It
    works on the offsets the writer recorded (Key.cells), never by reading
    the hive back."""

    def __init__(self, data):
        self.b = bytearray(data)

    def u32(self, off):
        return struct.unpack_from("<I", self.b, 4096 + off)[0]

    def put32(self, off, v):
        struct.pack_into("<I", self.b, 4096 + off, v)

    def free(self, off):
        size = struct.unpack_from("<i", self.b, 4096 + off)[0]
        assert size < 0, "cell 0x%x is not allocated" % off
        struct.pack_into("<i", self.b, 4096 + off, -size)

    def reuse(self, off, filler):
        """A later allocation takes the freed cell and overwrites it."""
        size = struct.unpack_from("<i", self.b, 4096 + off)[0]
        assert size > 0
        struct.pack_into("<i", self.b, 4096 + off, -size)
        self.b[4096 + off + 4:4096 + off + size] = (filler * size)[:size - 4]

    def free_value_cells(self, vk, data):
        self.free(vk)
        if data is None:
            return
        if data[0] == "cell":
            self.free(data[1])
        else:
            _, db, seglist, segs = data
            for c in [db, seglist] + list(segs):
                self.free(c)

    def remove_value(self, key, index):
        nk = key.cells["nk"] + 4
        vlist = key.cells["vlist"]
        count = self.u32(nk + 36)
        entries = [self.u32(vlist + 4 + 4 * i) for i in range(count)]
        del entries[index]
        for i, e in enumerate(entries):
            self.put32(vlist + 4 + 4 * i, e)
        self.put32(nk + 36, count - 1)
        if count == 1:
            self.free(vlist)
            self.put32(nk + 40, NONE)
        vk, data = key.cells["vk"][index]
        self.free_value_cells(vk, data)
        del key.cells["vk"][index]
        return key.values.pop(index)

    def delete_tree(self, parent, child):
        """Removes `child` from `parent`'s (single leaf) list and frees the
        cells of its whole subtree."""
        kind, lst, subs = parent.cells["lists"][1], parent.cells["lists"][2], parent.cells["lists"][3]
        width = 4 if kind == "li" else 8
        count = struct.unpack_from("<H", self.b, 4096 + lst + 6)[0]
        entries = [bytes(self.b[4096 + lst + 8 + width * i:4096 + lst + 8 + width * (i + 1)])
                   for i in range(count)]
        idx = [i for i, e in enumerate(entries)
               if struct.unpack_from("<I", e)[0] == child.cells["nk"]][0]
        del entries[idx]
        for i, e in enumerate(entries):
            self.b[4096 + lst + 8 + width * i:4096 + lst + 8 + width * (i + 1)] = e
        struct.pack_into("<H", self.b, 4096 + lst + 6, count - 1)
        self.put32(parent.cells["nk"] + 4 + 20, self.u32(parent.cells["nk"] + 4 + 20) - 1)
        parent.subkeys.remove(child)
        stack = [child]
        while stack:
            k = stack.pop()
            self.free(k.cells["nk"])
            if k.values:
                self.free(k.cells["vlist"])
            for vk, data in k.cells["vk"]:
                self.free_value_cells(vk, data)
            if k.cells["lists"] is not None:
                self.free(k.cells["lists"][2])
            stack.extend(k.subkeys)


def deleted_hive():
    """A version 1.5 hive, then deletions as Windows makes them. Returns the
    hive (its tree is the live tree afterwards), the file bytes and the
    records `ntkit hive recover --json` must find: every deleted value with
    its owner and data state, every deleted key."""
    tick = Clock(filetime(2023, 8, 9, 10, 11, 12, 3456789))
    dword = (0x11223344).to_bytes(4, "little")
    keep = Key("keep", tick(), values=[Value("live small", 4, dword), Value("gone big", 3, pattern(40000, 11))])
    partial = Key("partial", tick(), values=[Value("live", 4, dword), Value("half big", 3, pattern(50000, 12))])
    lost = Key("lostbig", tick(), values=[Value("x", 4, dword), Value("lost big", 3, pattern(20000, 13))])
    child = Key("child", tick(), values=[Value("c", 4, b"\x07\0\0\0")])
    gone = Key("gonekey", tick(), values=[Value("big in deleted key", 3, pattern(30000, 14)),
                                          Value("small", 1, utf16z("small string"))], subkeys=[child])
    slacker = Key("slacker", tick(), values=[Value("a", 4, dword), Value("b", 1, utf16z("bee"))])
    keep2 = Key("keep2", tick(), values=[Value("nobody", 1, utf16z("no owner")), Value("stay", 4, dword)])
    root = Key("ROOT_ntkit_deleted", tick(), subkeys=[keep, partial, lost, gone, slacker, keep2])
    hive = Hive(root, minor=5, timestamp=tick(), file_name="\\??\\C:\\ntkit\\deleted.hiv")
    ed = _Deleter(hive.build())
    expect = []

    def value_rec(key, v, owner, state="complete", lost_ranges=None):
        rec = {"key": key, "value": v.name.text, "type": v.vtype, "owner": owner, "data_state": state}
        data = bytearray(v.data)
        for off, n in lost_ranges or []:
            data[off:off + n] = bytes(n)
        rec["data"] = None if state == "lost" else data.hex()
        if lost_ranges:
            rec["data_lost"] = [list(r) for r in lost_ranges]
        return rec

    # A big value deleted from a live key: its vk offset stays in the slack
    # of the key's value list.
    expect.append(value_rec("keep", ed.remove_value(keep, 1), "live-list-slack"))
    # The same, then a later allocation takes the second segment's cell.
    segs = partial.cells["vk"][1][1][3]
    expect.append(value_rec("partial", ed.remove_value(partial, 1), "live-list-slack", "partial",
                            [(BIG_DATA_SEGMENT, BIG_DATA_SEGMENT)]))
    ed.reuse(segs[1], b"REUSED!!")
    # ... and one whose segment list cell was taken: nothing to read.
    seglist = lost.cells["vk"][1][1][2]
    expect.append(value_rec("lostbig", ed.remove_value(lost, 1), "live-list-slack", "lost"))
    ed.reuse(seglist, b"LIST")
    # A deleted subtree: keys, and values found through their key's list.
    for v in gone.values:
        expect.append(value_rec("gonekey", v, "list"))
    expect.append(value_rec("gonekey\\child", child.values[0], "list"))
    expect.append({"key": "gonekey", "deleted_key": True})
    expect.append({"key": "gonekey\\child", "deleted_key": True})
    ed.delete_tree(root, gone)
    # A value deleted from a key that was deleted later: in the slack of
    # the deleted key's list.
    expect.append(value_rec("slacker", ed.remove_value(slacker, 1), "list-slack"))
    expect.append(value_rec("slacker", slacker.values[0], "list"))
    expect.append({"key": "slacker", "deleted_key": True})
    ed.delete_tree(root, slacker)
    # A value deleted from the front of a list: the entry after it moves
    # over its offset, so no list references it any more.
    expect.append(value_rec("", ed.remove_value(keep2, 0), "unknown"))
    return hive, bytes(ed.b), expect


# ------------------------------------------------------------- manifest ---

def export_records(hive):
    """The export records of the whole hive, from the tree the writer used."""
    for key, path in hive.walk():
        yield {"key": path, "last_written": filetime_str(key.last_written)}
        for v in key.values:
            yield {"key": path, "value": v.name.text, "type": v.vtype, "data": v.data.hex()}


def facts(hive, name, size):
    keys = values = 0
    per_key = []
    for key, path in hive.walk():
        keys += 1
        values += len(key.values)
        info = {}
        if key.class_name is not None:
            info["class_name"] = key.class_name
        if key.security:
            info["security_index"] = key.security
        if key.lists is not None:
            info["lists"] = key.lists if isinstance(key.lists, str) else list(key.lists)
        if key.name.encoding == "utf16" and all(ord(c) < 0x100 for c in key.name.text):
            info["name_forced_utf16"] = True
        if key.volatile_junk:
            info["volatile_fields_set"] = True
        if info:
            info["key"] = path
            per_key.append(info)
    return {
        "hive": name,
        "version": "1.%d" % hive.minor,
        "size": size,
        "keys": keys,
        "values": values,
        "root_name": hive.root.name.text,
        "structures": hive.structures,
        "security_descriptors": [sd.hex() for sd in hive.security],
        "keys_with_details": per_key,
    }


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: gen_hives.py OUTDIR\n")
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    stamp = os.path.join(out, "hives.stamp")
    if os.path.exists(stamp):
        os.unlink(stamp)
    for name, make in (("features", features_hive), ("v13", v13_hive),
                       ("bulk", bulk_hive), ("regsafe", regsafe_hive),
                       ("empty", empty_hive)):
        hive = make()
        data = hive.write(os.path.join(out, name + ".hiv"))
        with open(os.path.join(out, name + ".manifest.jsonl"), "w", encoding="utf-8") as f:
            for rec in export_records(hive):
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        with open(os.path.join(out, name + ".manifest.json"), "w", encoding="utf-8") as f:
            json.dump(facts(hive, name, len(data)), f, ensure_ascii=False, indent=1)
            f.write("\n")
    # The deleted-records hive: live tree manifest + what recovery must find.
    hive, data, expect = deleted_hive()
    with open(os.path.join(out, "deleted.hiv"), "wb") as f:
        f.write(data)
    with open(os.path.join(out, "deleted.manifest.jsonl"), "w", encoding="utf-8") as f:
        for rec in export_records(hive):
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    with open(os.path.join(out, "deleted.recover.jsonl"), "w", encoding="utf-8") as f:
        for rec in expect:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    with open(stamp, "w") as f:
        f.write("ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
