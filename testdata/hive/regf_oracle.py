#!/usr/bin/python3
"""The second oracle: libregf's `regfexport`, reduced to what it is good for.

Usage: regf_oracle.py HIVE      prints the reduced records as JSON lines

regfexport prints a text report (key paths, value names, libyal type labels,
data sizes, hex dumps). This module runs it and keeps, in its order:
  {"key": PATH}                                         per key
  {"key": PATH, "value": NAME, "type": N, "size": BYTES} per value
PATH is relative to the root key as in ntkit's export. The value data is not
compared: regfexport prints strings decoded and binary data as hex dumps.

regfexport is wrong in two known ways, so `reduce_export()` maps ntkit or
hivex records into regfexport's view before comparing:
  * names are cut at the first NUL (libregf treats counted names as C
    strings): hivex/special has `zero\\0key`, regfexport prints `zero`;
  * compressed (one byte per character) names are decoded as windows-1252,
    not ISO-8859-1 as Windows stores them: byte 0x80 becomes U+20AC instead
    of U+0080. The reduction maps U+0080..U+009F through windows-1252;
  * for REG_SZ / REG_EXPAND_SZ data that is not a whole NUL-terminated UTF-16
    string, "Data size" is not the stored size: libregf scans for a
    terminator, past the declared length into the cell's slack (the
    generated `types\sz no terminator`, 26 bytes, is reported as 28 and
    printed with two slack bytes), or stops at the first NUL (`sz garbage
    after nul`, 21 bytes, reported as 12). Such sizes are not compared
    ("size": None in the reduced records).
A value libregf flags prints an extra line "Is corrupted" after its name
(System_Delta's tombstone values); the parser drops the line and marks the
record "corrupted": True.
"""
import json
import re
import subprocess
import sys

REG_TYPES = {
    "REG_NONE": 0, "REG_SZ": 1, "REG_EXPAND_SZ": 2, "REG_BINARY": 3,
    "REG_DWORD_LITTLE_ENDIAN": 4, "REG_DWORD_BIG_ENDIAN": 5, "REG_LINK": 6,
    "REG_MULTI_SZ": 7, "REG_RESOURCE_LIST": 8, "REG_FULL_RESOURCE_DESCRIPTOR": 9,
    "REG_RESOURCE_REQUIREMENTS_LIST": 10, "REG_QWORD_LITTLE_ENDIAN": 11,
}


def _cp1252_char(ch):
    o = ord(ch)
    if 0x80 <= o <= 0x9F:
        try:
            return bytes([o]).decode("cp1252")
        except UnicodeDecodeError:
            return ch  # 0x81 0x8D 0x8F 0x90 0x9D: undefined in windows-1252
    return ch


def regf_name(name):
    """A name as regfexport prints it: cut at NUL, C1 range as windows-1252."""
    name = name.split("\0", 1)[0]
    return "".join(_cp1252_char(c) for c in name)


def regf_path(path):
    return "\\".join(regf_name(c) for c in path.split("\\")) if path else ""


def _whole_utf16z(data):
    """True when data is UTF-16 text whose first NUL unit is its last unit."""
    if len(data) < 2 or len(data) % 2:
        return False
    for i in range(0, len(data) - 2, 2):
        if data[i] == 0 and data[i + 1] == 0:
            return False
    return data[-2:] == b"\0\0"


def same(regf_records, reduced):
    """Compares regfexport's records with reduced ones, in order; a reduced
    size of None matches any size. Returns (True, None) or (False, text)."""
    if len(regf_records) != len(reduced):
        pass  # report the first difference below, then the counts
    for i, (a, b) in enumerate(zip(regf_records, reduced)):
        a = {k: v for k, v in a.items() if k != "corrupted"}
        bb = dict(b)
        if bb.get("size", 0) is None:
            bb["size"] = a.get("size")
        if a != bb:
            return False, "record %d: regfexport %r, expected %r" % (i, a, b)
    if len(regf_records) != len(reduced):
        return False, "regfexport gave %d records, expected %d" % (len(regf_records), len(reduced))
    return True, None


def reduce_export(records):
    """ntkit/hivex export records -> regfexport's view of them."""
    out = []
    for r in records:
        if "value" in r:
            name = regf_name(r["value"]) if r["value"] != "" else "(default)"
            data = bytes.fromhex(r["data"])
            size = len(data)
            if r["type"] in (1, 2) and not _whole_utf16z(data):
                size = None
            out.append({"key": regf_path(r["key"]), "value": name,
                        "type": r["type"], "size": size})
        else:
            out.append({"key": regf_path(r["key"])})
    return out


def parse(text):
    """Parses regfexport's report. Multi-line names (CR/LF inside a name)
    are joined back: continuation lines run until the next field label."""
    out = []
    lines = text.split("\n")
    i = 0
    root_prefix = None
    n = len(lines)
    while i < n:
        line = lines[i]
        if line.startswith("Key path: "):
            path = line[len("Key path: "):]
            i += 1
            while i < n and not lines[i].startswith("Key: "):
                path += "\n" + lines[i]
                i += 1
            if root_prefix is None:
                root_prefix = path
                rel = ""
            elif path.startswith(root_prefix + "\\"):
                rel = path[len(root_prefix) + 1:]
            else:
                rel = path
            out.append({"key": rel})
            cur = rel
            continue
        m = re.match(r"Value: \d+ (.*)$", line, re.S)
        if m:
            name = m.group(1)
            i += 1
            corrupted = False
            while i < n and not lines[i].startswith("Type: "):
                if lines[i] == "Is corrupted":  # libregf's flag line, not part of the name
                    corrupted = True
                else:
                    name += "\n" + lines[i]
                i += 1
            tline = lines[i] if i < n else ""
            t = re.search(r"\((REG_[A-Z_]+)\)\s*$", tline)
            u = re.search(r"unknown: 0x([0-9a-fA-F]+)", tline)
            vtype = REG_TYPES.get(t.group(1), -1) if t else (int(u.group(1), 16) if u else -1)
            size = -1
            if i + 1 < n and lines[i + 1].startswith("Data size: "):
                size = int(lines[i + 1][len("Data size: "):])
            rec = {"key": cur, "value": name, "type": vtype, "size": size}
            if corrupted:
                rec["corrupted"] = True
            out.append(rec)
            i += 1
            continue
        i += 1
    return out


def run(hive, timeout=120):
    """Runs regfexport; returns (exit status, records, stderr text)."""
    p = subprocess.run(["regfexport", hive], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    text = p.stdout.decode("utf-8", errors="surrogateescape")
    return p.returncode, parse(text), p.stderr.decode("utf-8", errors="replace")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write("usage: regf_oracle.py HIVE\n")
        sys.exit(2)
    rc, recs, err = run(sys.argv[1])
    for r in recs:
        print(json.dumps(r, ensure_ascii=False))
    sys.stderr.write(err)
    sys.exit(rc)
