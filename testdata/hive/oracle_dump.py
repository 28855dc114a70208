#!/usr/bin/python3
"""Canonical JSON-lines dump of a registry hive, read with hivex (the oracle).

Usage: oracle_dump.py HIVE [KEY]      (KEY relative to the root, '\\'-joined)

Prints exactly the format of `ntkit hive export HIVE [KEY] --format jsonl`:
  {"key": PATH, "last_written": "YYYY-MM-DDTHH:MM:SS.fffffffZ"}   per key
  {"key": PATH, "value": NAME, "type": N, "data": "HEX"}          per value
PATH is relative to the root key (root = ""), components joined with '\\';
NAME is "" for the default value; N is the type as an unsigned 32-bit number;
HEX is the raw data, lowercase. Order: depth-first pre-order; a key's line,
then its values in on-disk order, then its subkeys in subkey-list order
(hivex returns both in on-disk order), so two dumps compare line by line
with no sorting. Compare parsed JSON objects, not text: JSON allows several
spellings of one string.

Exit status: 0 ok, 1 KEY not found, 3 hivex could not open or walk the hive
(message on stderr; partial output may have been printed), 2 usage.
Needs the python3-hivex bindings (Debian: /usr/bin/python3).
"""
import json
import sys

try:
    import hivex
except ImportError:  # the caller turns this into a skip
    sys.stderr.write("oracle_dump: python module 'hivex' not available\n")
    sys.exit(77)

DAYS_1601_TO_1970 = 134774


def civil_from_days(z):
    """Proleptic Gregorian (year, month, day) of day `z` counted from 1970-01-01.

    Worked out by hand (era arithmetic) instead of datetime so that FILETIMEs
    past year 9999 still format, with a wider year, instead of raising."""
    z += 719468  # shift the epoch to 0000-03-01
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (1 if m <= 2 else 0)
    return y, m, d


def filetime_str(ft):
    """FILETIME (100 ns ticks since 1601-01-01 UTC) as ISO 8601 with 7 digits."""
    ft &= 0xFFFFFFFFFFFFFFFF  # hivex hands back a signed 64-bit number
    secs, frac = divmod(ft, 10_000_000)
    days, rem = divmod(secs, 86400)
    y, mo, d = civil_from_days(days - DAYS_1601_TO_1970)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%07dZ" % (
        y, mo, d, rem // 3600, rem % 3600 // 60, rem % 60, frac)


def records(h, start, start_path):
    """Yields the export records of the subtree at `start`, in export order.

    Iterative (explicit stack): hives nest up to 512 levels."""
    stack = [(start, start_path)]
    while stack:
        node, path = stack.pop()
        yield {"key": path, "last_written": filetime_str(h.node_timestamp(node))}
        for v in h.node_values(node):
            vtype, data = h.value_value(v)
            yield {"key": path, "value": h.value_key(v),
                   "type": vtype & 0xFFFFFFFF, "data": data.hex()}
        children = h.node_children(node)
        for child in reversed(children):
            name = h.node_name(child)
            stack.append((child, name if path == "" else path + "\\" + name))


def find_key(h, path):
    """Walks `path` ('\\'-separated, case-insensitive as hivex compares)."""
    node = h.root()
    if path == "":
        return node
    for comp in path.split("\\"):
        node = h.node_get_child(node, comp)
        if node is None:
            return None
    return node


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write("usage: oracle_dump.py HIVE [KEY]\n")
        return 2
    try:
        h = hivex.Hivex(argv[1])
    except Exception as e:  # hivex raises RuntimeError with errno text
        sys.stderr.write("oracle_dump: hivex cannot open %s: %s\n" % (argv[1], e))
        return 3
    key = argv[2] if len(argv) == 3 else ""
    key = key.strip("\\")
    try:
        node = find_key(h, key)
        if node is None:
            sys.stderr.write("oracle_dump: key not found: %s\n" % key)
            return 1
        out = sys.stdout
        for rec in records(h, node, key):
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    except Exception as e:
        sys.stderr.write("oracle_dump: hivex failed walking %s: %s\n" % (argv[1], e))
        return 3
    return 0


if __name__ == "__main__":
    sys.stdout.reconfigure(encoding="utf-8", errors="strict")
    sys.exit(main(sys.argv))
