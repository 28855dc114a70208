#!/usr/bin/python3
"""`ntkit hive recover --json` against expectations that do not come from
ntkit:

  generated  the deleted.hiv that testdata/hive/gen_hives.py writes, with
             deleted.recover.jsonl: what the generator deleted (big data
             complete, partial and lost; values in deleted keys' lists, in
             the slack of a deleted key's list and of a live key's list; an
             orphan nobody references). hivex, when present, checks that
             the live tree is deleted.manifest.jsonl (the edits are sound).
  shared     yarp's Deleted*/Realloc*/Remnant*/SlackHive/HealedHive hives:
             the records testdata/hive/EXPECTATIONS.md lists, and the facts
             behind each one re-read from the bytes by the small reader
             below (so the table cannot drift from the files); and on every
             shared hive, the allocated key/value cells the live tree does
             not reach (an independent reachability walk below) are exactly
             the "unreferenced" records, and every "remnant" record lies
             past the declared hive bins data.

usage: hive_recover_test.py NTKIT generated GEN_DIR
       hive_recover_test.py NTKIT shared SHARED_TESTDATA
Exit 77 when the inputs are absent."""
import json
import os
import struct
import subprocess
import sys

ntkit, mode, where = sys.argv[1], sys.argv[2], sys.argv[3]
fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        fails += 1


def recover(path):
    r = subprocess.run([ntkit, "hive", "recover", "--json", path], capture_output=True, timeout=120)
    check(r.returncode == 0, "recover %s exits 0 (%s)" % (os.path.basename(path), r.stderr.decode()[:200]))
    return [json.loads(x) for x in r.stdout.splitlines()]


# ---- an independent reader of the few structures the checks need ----------

class Bins:
    def __init__(self, path):
        d = open(path, "rb").read()
        self.size = struct.unpack_from("<I", d, 40)[0]
        self.b = d[4096:4096 + self.size]

    def u32(self, off):
        return struct.unpack_from("<I", self.b, off)[0]

    def cell(self, off):
        """(size, allocated) of the cell whose size field is at off."""
        raw = struct.unpack_from("<i", self.b, off)[0]
        return abs(raw), raw < 0

    def chain(self, off):
        """The cell of the current chain that contains `off`: (start, size,
        allocated)."""
        pos = off & ~4095
        while self.b[pos:pos + 4] != b"hbin":
            pos -= 4096
        c = pos + 32
        while True:
            size, alloc = self.cell(c)
            if c <= off < c + size:
                return c, size, alloc
            c += size

    def nk(self, off):
        p = off + 4
        assert self.b[p:p + 2] == b"nk", hex(off)
        n = struct.unpack_from("<H", self.b, p + 72)[0]
        flags = struct.unpack_from("<H", self.b, p + 2)[0]
        name = self.b[p + 76:p + 76 + n]
        return {"name": name.decode("latin-1" if flags & 0x20 else "utf-16-le"),
                "parent": self.u32(p + 16), "vcount": self.u32(p + 36), "vlist": self.u32(p + 40)}

    def vk(self, off):
        p = off + 4
        assert self.b[p:p + 2] == b"vk", hex(off)
        n, size, data, vtype, flags = struct.unpack_from("<HIIIH", self.b, p + 2)
        name = self.b[p + 20:p + 20 + n]
        return {"name": name.decode("latin-1" if flags & 1 else "utf-16-le"), "size": size,
                "data": data, "type": vtype}

    def list_slot(self, vlist, i):
        return self.u32(vlist + 4 + 4 * i)


def free_at(b, off):
    """The record at cell offset `off` lies in unallocated space."""
    return not b.chain(off)[2]


def live_cells(path):
    """An independent reading of what the live tree of a hive reaches:
    returns (bins, cells, reached) where cells maps the cell offset of
    every cell of every well-formed bin to (size, allocated)."""
    d = open(path, "rb").read()
    if d[:4] != b"regf" or len(d) < 4096:
        return None
    declared = struct.unpack_from("<I", d, 40)[0]
    minor = struct.unpack_from("<I", d, 24)[0]
    root = struct.unpack_from("<I", d, 36)[0]
    if struct.unpack_from("<I", d, 28)[0] != 0:
        return None  # a log
    avail = min(len(d) - 4096, 0x7FFFF000)
    b = d[4096:]

    def u32(o):
        return struct.unpack_from("<I", b, o)[0]

    def u16(o):
        return struct.unpack_from("<H", b, o)[0]

    def binsz(pos, limit):
        if pos % 4096 or pos + 32 > limit or b[pos:pos + 4] != b"hbin" or u32(pos + 4) != pos:
            return 0
        sz = u32(pos + 8)
        return sz if sz >= 4096 and sz % 4096 == 0 and pos + sz <= limit else 0

    size = min(declared, avail)
    bins, pos = [], 0
    while pos + 32 <= size:
        sz = binsz(pos, size)
        if sz:
            bins.append((pos, sz))
            pos += sz
        else:
            pos += 4096
    # A base block that undercounts: bins continuing the chain right after
    # the declared end belong to the hive (yarp's EffectiveSizeHive).
    if pos == declared and declared < avail:
        while True:
            sz = binsz(pos, avail)
            if not sz:
                break
            bins.append((pos, sz))
            pos += sz
        size = pos
    cells = {}
    for pos, sz in bins:
        c = pos + 32
        while c + 4 <= pos + sz:
            raw = struct.unpack_from("<i", b, c)[0]
            n = abs(raw)
            if n < 8 or n % 8 or c + n > pos + sz:
                break
            cells[c] = (n, raw < 0)
            c += n

    def ok(o):
        return o in cells and cells[o][1]

    reach, stack = set(), [root]
    while stack:
        k = stack.pop()
        if k in reach or not ok(k) or b[k + 4:k + 6] != b"nk" or cells[k][0] < 80 \
                or u16(k + 4 + 72) > cells[k][0] - 80:
            continue
        reach.add(k)
        p = k + 4
        for o in (u32(p + 44), u32(p + 48)):  # security, class name
            if ok(o):
                reach.add(o)
        sl = u32(p + 28)
        if ok(sl):
            reach.add(sl)
            leaves = [sl]
            if b[sl + 4:sl + 6] == b"ri":
                leaves = [u32(sl + 8 + 4 * i) for i in range(u16(sl + 6)) if 12 + 4 * i <= cells[sl][0]]
                reach.update(x for x in leaves if ok(x))
            for x in leaves:
                if ok(x) and b[x + 4:x + 6] in (b"li", b"lf", b"lh"):
                    step = 4 if b[x + 4:x + 6] == b"li" else 8
                    n = u16(x + 6)
                    if 8 + step * n <= cells[x][0]:
                        stack.extend(u32(x + 8 + step * i) for i in range(n))
        vc, vl = u32(p + 36), u32(p + 40)
        if ok(vl):
            reach.add(vl)
            for i in range(min(vc, (cells[vl][0] - 4) // 4)):
                v = u32(vl + 4 + 4 * i)
                if not ok(v) or b[v + 4:v + 6] != b"vk":
                    continue
                reach.add(v)
                ds, do = u32(v + 8), u32(v + 12)
                if ds & 0x80000000 or ds == 0 or not ok(do):
                    continue
                reach.add(do)
                if minor >= 4 and ds > 16344 and b[do + 4:do + 6] == b"db":
                    lst = u32(do + 8)
                    if ok(lst):
                        reach.add(lst)
                        for j in range(u16(do + 6)):
                            if 8 + 4 * j <= cells[lst][0] and ok(u32(lst + 4 + 4 * j)):
                                reach.add(u32(lst + 4 + 4 * j))
    return b, cells, reach


def unreferenced(path):
    """Allocated cells of the bins' chains that hold a key or value record
    (nk: a name, a time between 1980 and 2200; vk: known flags) which
    nothing the live tree reaches references: (keys, values)."""
    r = live_cells(path)
    if r is None:
        return None
    b, cells, reach = r
    keys, values = set(), set()
    for c, (n, alloc) in cells.items():
        if not alloc or c in reach:
            continue
        sig = b[c + 4:c + 6]
        if sig == b"nk" and n >= 80:
            nl = struct.unpack_from("<H", b, c + 4 + 72)[0]
            t = struct.unpack_from("<Q", b, c + 8)[0]
            if 0 < nl <= n - 80 and 119600064000000000 <= t <= 1890000000000000000:
                keys.add(c)
        elif sig == b"vk" and n >= 24:
            nl, flags = struct.unpack_from("<H", b, c + 6)[0], struct.unpack_from("<H", b, c + 20)[0]
            if nl <= n - 24 and flags & ~3 == 0:
                values.add(c)
    return keys, values


# ---- generated ---------------------------------------------------------------

def generated(gen):
    hive = os.path.join(gen, "deleted.hiv")
    if not os.path.exists(hive):
        print("no generated deleted.hiv (run the hive_fixtures target)")
        sys.exit(77)
    expect = [json.loads(x) for x in open(os.path.join(gen, "deleted.recover.jsonl"), encoding="utf-8")]
    got = recover(hive)
    got_values = {(r["key"], r["value"]): r for r in got if "value" in r}
    got_keys = {r["key"]: r for r in got if "last_written" in r}
    want_values = [e for e in expect if "value" in e]
    want_keys = [e["key"] for e in expect if e.get("deleted_key")]
    for e in want_values:
        g = got_values.get((e["key"], e["value"]))
        what = "generated %s\\%s" % (e["key"], e["value"])
        if not g:
            check(False, what + ": recovered")
            continue
        check(g["type"] == e["type"], what + ": type")
        check(g["owner"] == e["owner"], what + ": owner %s (expected %s)" % (g["owner"], e["owner"]))
        check(g["data_state"] == e["data_state"],
              what + ": data_state %s (expected %s)" % (g["data_state"], e["data_state"]))
        check(g["data"] == e["data"], what + ": data bytes equal the generator's")
        check(g.get("data_lost") == e.get("data_lost"), what + ": lost ranges %s" % g.get("data_lost"))
        if e["owner"] != "unknown":
            check(g["path_complete"], what + ": full path")
    check(len(got_values) == len(want_values) and len([r for r in got if "value" in r]) == len(want_values),
          "generated: exactly the %d deleted values (got %d)" % (len(want_values), len(got_values)))
    check(sorted(got_keys) == sorted(want_keys) and all(got_keys[k]["path_complete"] for k in got_keys),
          "generated: deleted keys %s, full paths" % sorted(got_keys))
    # No generated hive (class names, security, big data, ri lists, ...)
    # has a record the live tree does not reach, or bytes past its bins.
    for f in sorted(os.listdir(gen)):
        if f.endswith(".hiv"):
            path = os.path.join(gen, f)
            recs = got if f == "deleted.hiv" else recover(path)
            odd = [r for r in recs if r["found"] in ("unreferenced", "remnant")]
            check(unreferenced(path) == (set(), set()) and odd == [],
                  "generated %s: no unreferenced or remnant records %s" % (f, odd[:3]))
    # The live tree after the edits is what the manifest says (hivex).
    try:
        import hivex
    except ImportError:
        print("skip hivex check of the live tree (no python3-hivex)")
        return
    h = hivex.Hivex(hive)
    out, stack = [], [(h.root(), "")]
    while stack:
        n, p = stack.pop()
        out.append({"key": p})
        for v in h.node_values(n):
            t, d = h.value_value(v)
            out.append({"key": p, "value": h.value_key(v), "type": t, "data": d.hex()})
        for c in reversed(h.node_children(n)):
            stack.append((c, h.node_name(c) if not p else p + "\\" + h.node_name(c)))
    man = [json.loads(x) for x in open(os.path.join(gen, "deleted.manifest.jsonl"), encoding="utf-8")]
    for m in man:
        m.pop("last_written", None)
    check(out == man, "generated: hivex reads the live tree the manifest states")


# ---- shared (yarp) -------------------------------------------------------------

UTF16 = lambda s: (s + "\0").encode("utf-16-le").hex()  # noqa: E731


def shared(root):
    Y = os.path.join(root, "hives", "yarp")
    if not os.path.isdir(Y):
        print("no shared hives")
        sys.exit(77)

    def values(recs):
        return sorted((r["key"], r["value"], r["owner"], r["data_state"], r["data"]) for r in recs
                      if "value" in r and r.get("record") != "reused")

    def keys(recs):
        return sorted((r["key"], r["path_complete"]) for r in recs if "last_written" in r)

    # DeletedDataHive: key 456 (nk in the free cell 0x218) lists vk "v"
    # (free cell 0x2c8) whose data cell 0x160 is free; vk "v2" at 0x188 lies
    # in the free cell 0x160 and slot 1 of live key 123's value list (0x290,
    # count 1) still holds 0x188.
    for name, v2_owner in (("DeletedDataHive", ("123", "live-list-slack")),
                           ("DeletedDataHiveTruncated", ("", "unknown"))):
        path = os.path.join(Y, name)
        b = Bins(path)
        k456, v, v2, k123 = b.nk(0x230), b.vk(0x2c8), b.vk(0x188), b.nk(0x1b0)
        facts = (k456["name"] == "456" and k456["vcount"] == 1 and b.list_slot(k456["vlist"], 0) == 0x2c8
                 and free_at(b, 0x230) and free_at(b, 0x2c8) and free_at(b, 0x188)
                 and v["name"] == "v" and v["data"] == 0x160 and free_at(b, 0x160)
                 and b.b[0x164:0x164 + v["size"]].hex() == UTF16("123456")
                 and v2["name"] == "v2" and free_at(b, v2["data"])
                 and b.b[v2["data"] + 4:v2["data"] + 4 + v2["size"]].hex() == UTF16("456")
                 and k123["name"] == "123" and k123["vcount"] == 1)
        if name == "DeletedDataHive":
            facts = facts and k123["vlist"] == 0x290 and b.list_slot(0x290, 1) == 0x188
        want = [("456", "v", "list", "complete", UTF16("123456")),
                (v2_owner[0], "v2", v2_owner[1], "complete", UTF16("456"))]
        if name == "DeletedDataHive":
            facts = facts and k123["vlist"] == 0x290 and b.list_slot(0x290, 0) == 0x140
            facts = facts and b.list_slot(0x290, 1) == 0x188
        else:
            # The list pointer is broken, so key 123's live value "v1" (vk
            # 0x140, allocated, data "123" in an allocated cell) is
            # reached by nothing: an unreferenced record.
            v1 = b.vk(0x140)
            facts = facts and k123["vlist"] >= b.size and not free_at(b, 0x140) and v1["name"] == "v1"
            facts = facts and not free_at(b, v1["data"])
            facts = facts and b.b[v1["data"] + 4:v1["data"] + 4 + v1["size"]].hex() == UTF16("123")
            want.append(("", "v1", "unknown", "complete", UTF16("123")))
        check(facts, name + ": the bytes hold what EXPECTATIONS.md says")
        got = recover(path)
        check(keys(got) == [("456", True)], name + ": deleted key 456 " + str(keys(got)))
        check(values(got) == sorted(want),
              name + ": values v (in 456's list) and v2 (owner %s) %s" % (v2_owner[1], values(got)))
        check(all(r["found"] == "unreferenced" for r in got if r.get("value") == "v1"),
              name + ": v1, if there, is unreferenced")

    # Deleted trees: four keys; the chain reaches the root (by the base
    # block's root offset even without the HIVE_ENTRY flag), or stops
    # below 3 whose parent cell holds no nk.
    tree = ["1\\2\\3", "1\\2\\3\\4", "1\\2\\3\\4\\5", "1\\2\\3\\4\\New Key #1"]
    for name, want in (("DeletedTreeHive", [(k, True) for k in tree]),
                       ("DeletedTreeNoRootFlagHive", [(k, True) for k in tree]),
                       ("DeletedTreePartialPathHive", [(k[4:], False) for k in tree])):
        path = os.path.join(Y, name)
        b = Bins(path)
        k3 = b.nk(0x2a0)
        parent_ok = b.b[k3["parent"] + 4:k3["parent"] + 6] == b"nk"
        check(k3["name"] == "3" and free_at(b, 0x2a0) and parent_ok == (name != "DeletedTreePartialPathHive"),
              name + ": key 3 is free and its parent cell %s an nk" % ("holds" if parent_ok else "is not"))
        got = recover(path)
        check(keys(got) == sorted(want) and values(got) == [], name + ": keys " + str(keys(got)))

    # ReallocValueHive: deleted key 2 (0x2e8) lists 0x340, an allocated vk
    # that live key 1 lists now (record reused); the free vk at 0x2c8 (the
    # default value, REG_SZ "2222") is referenced by no list.
    path = os.path.join(Y, "ReallocValueHive")
    b = Bins(path)
    k1, k2, old = b.nk(0x268), b.nk(0x2e8), b.vk(0x2c8)
    check(k2["name"] == "2" and free_at(b, 0x2e8) and b.list_slot(k2["vlist"], 0) == 0x340
          and not free_at(b, 0x340) and b.chain(0x340)[0] == 0x340 and b.list_slot(k1["vlist"], 0) == 0x340
          and old["name"] == "" and free_at(b, 0x2c8) and free_at(b, old["data"])
          and b.b[old["data"] + 4:old["data"] + 4 + old["size"]].hex() == UTF16("2222"),
          "ReallocValueHive: the bytes hold what EXPECTATIONS.md says")
    got = recover(path)
    reused = [r for r in got if r.get("record") == "reused"]
    check(keys(got) == [("2", True)] and len(reused) == 1 and reused[0]["offset"] == 0x340
          and reused[0]["key"] == "2", "ReallocValueHive: key 2, its value record reused")
    check(values(got) == [("", "", "unknown", "complete", UTF16("2222"))],
          "ReallocValueHive: the old vk, owner unknown " + str(values(got)))

    # ReallocValueDataHive: deleted key 2 lists the free vk 0x2c8, whose
    # data offset 0x258 is an allocated cell (live key 1's data "1111"):
    # the data is lost, not "1111".
    path = os.path.join(Y, "ReallocValueDataHive")
    b = Bins(path)
    k2, v = b.nk(0x2e8), b.vk(0x2c8)
    check(b.list_slot(k2["vlist"], 0) == 0x2c8 and free_at(b, 0x2c8) and v["data"] == 0x258
          and not free_at(b, 0x258), "ReallocValueDataHive: the bytes hold what EXPECTATIONS.md says")
    got = recover(path)
    check(keys(got) == [("2", True)] and values(got) == [("2", "", "list", "lost", None)],
          "ReallocValueDataHive: key 2's value, data lost " + str(values(got)))

    # RemnantData: one free vk (0x168, a REG_BINARY with empty inline data)
    # that no key's list or list slack references; the free cell 0x258
    # holds [0x350, 0x268, 0x168], a freed copy of the value list of live
    # key 3 (nk 0x4c8), whose list now starts 0x350, 0x268.
    path = os.path.join(Y, "RemnantData")
    b = Bins(path)
    v, k3 = b.vk(0x168), b.nk(0x4c8)
    live3 = [b.list_slot(k3["vlist"], i) for i in range(k3["vcount"])]
    check(free_at(b, 0x168) and v["size"] == 0x80000000 and v["type"] == 3 and free_at(b, 0x258)
          and [b.list_slot(0x258, i) for i in range(3)] == [0x350, 0x268, 0x168]
          and k3["name"] == "3" and live3[:2] == [0x350, 0x268] and 0x168 not in live3,
          "RemnantData: the bytes hold what EXPECTATIONS.md says")
    got = recover(path)
    check(keys(got) == [] and values(got) == [("3", v["name"], "old-list", "complete", "")],
          "RemnantData: one value, from an old copy of key 3's list " + str(values(got)))

    # RemnantsHive: the only record is a vk past the hive bins data (bins
    # size 0x1000), its signature at cell offset 0x1000 (a page start, no
    # size field before it): the default value, REG_DWORD 1 inline.
    path = os.path.join(Y, "RemnantsHive")
    b = Bins(path)
    raw = open(path, "rb").read()
    tail = raw[4096 + 0x1000:]
    n, size, data, vtype, flags = struct.unpack_from("<HIIIH", tail, 2)
    check(b.size == 0x1000 and tail[:2] == b"vk" and b"vk" not in b.b and b"nk" not in tail
          and tail.count(b"vk") == 1 and n == 0 and size == 0x80000004 and data == 1 and vtype == 4,
          "RemnantsHive: the bytes hold what EXPECTATIONS.md says")
    got = recover(path)
    check(len(got) == 1 and values(got) == [("", "", "unknown", "complete", "01000000")]
          and got[0]["type"] == 4 and got[0]["found"] == "remnant",
          "RemnantsHive: the remnant default value, REG_DWORD 1 " + str(got))

    # HealedHive: the root's list (lf 0x378, count 3) names aaaa, bbbb and
    # dddd; nk "cccc" at 0x2c8 is still allocated but only the slack after
    # the count points at it. It lists vk "123" (0x168, allocated), REG_SZ
    # "test" in the allocated cell 0x140, which no live value uses.
    path = os.path.join(Y, "HealedHive")
    b = Bins(path)
    hroot = struct.unpack_from("<I", open(path, "rb").read(), 36)[0]
    rl = b.u32(hroot + 4 + 28)
    kc, v = b.nk(0x2c8), b.vk(0x168)
    check(b.u32(hroot + 4 + 20) == 3 and b.b[rl + 4:rl + 6] == b"lf" and b.u32(rl + 4) & 0xFFFF0000 == 0x30000
          and 0x2c8 not in [b.u32(rl + 8 + 8 * i) for i in range(3)] and b.u32(rl + 8 + 8 * 3) == 0x2c8
          and kc["name"] == "cccc" and kc["parent"] == hroot and not free_at(b, 0x2c8)
          and kc["vcount"] == 1 and b.list_slot(kc["vlist"], 0) == 0x168 and not free_at(b, 0x168)
          and v["name"] == "123" and v["type"] == 1 and v["data"] == 0x140 and not free_at(b, 0x140)
          and b.b[0x144:0x144 + v["size"]].hex() == UTF16("test"),
          "HealedHive: the bytes hold what EXPECTATIONS.md says")
    got = recover(path)
    check(keys(got) == [("cccc", True)] and values(got) == [("cccc", "123", "list", "complete", UTF16("test"))]
          and all(r["found"] == "unreferenced" for r in got),
          "HealedHive: allocated, unreferenced key cccc and its value " + str(got))

    # SlackHive: the free nk 0x76e38 "New Key #1" whose parent 0x32180 is
    # live key 2119 under key_with_many_subkeys; the "SLCK" slack is no record.
    path = os.path.join(Y, "SlackHive")
    b = Bins(path)
    k = b.nk(0x76e38)
    check(k["name"] == "New Key #1" and free_at(b, 0x76e38) and k["parent"] == 0x32180
          and b.nk(0x32180)["name"] == "2119" and not free_at(b, 0x32180),
          "SlackHive: the bytes hold what EXPECTATIONS.md says")
    got = recover(path)
    check(keys(got) == [("key_with_many_subkeys\\2119\\New Key #1", True)] and values(got) == [],
          "SlackHive: one deleted key " + str(keys(got)))

    # Every shared primary: "unreferenced" records are exactly the allocated
    # records the reachability walk above does not reach (values: those and
    # the ones unreferenced keys list), and "remnant" records lie past the
    # hive bins data. Dirty primaries are left out: ntkit reads them with
    # their logs applied.
    H = os.path.join(root, "hives")
    n = 0
    for dp, _, fn in sorted(os.walk(H)):
        for f in sorted(fn):
            path = os.path.join(dp, f)
            if f.endswith((".md", ".xz")):
                continue
            raw = open(path, "rb").read(512)
            if len(raw) < 512 or raw[:4] != b"regf" or raw[4:8] != raw[8:12]:
                continue
            u = unreferenced(path)
            if u is None:
                continue
            r = subprocess.run([ntkit, "hive", "recover", "--json", path], capture_output=True, timeout=300)
            if r.returncode != 0:
                continue  # not readable as a hive (checked by the hive_shared tests)
            n += 1
            recs = [json.loads(x) for x in r.stdout.splitlines()]
            name = os.path.relpath(path, H)
            gk = {x["offset"] for x in recs if "last_written" in x and x["found"] == "unreferenced"}
            gv = {x["offset"] for x in recs if "value" in x and x["found"] == "unreferenced"}
            b = Bins(path)
            listed = set()
            for k in u[0]:
                vl, vc = b.u32(k + 4 + 40), b.u32(k + 4 + 36)
                listed.update(b.u32(vl + 4 + 4 * i) for i in range(vc) if vl + 8 + 4 * i <= len(b.b))
            check(gk == u[0] and u[1] <= gv <= u[1] | listed,
                  "%s: unreferenced keys %s values %s (walk: %s %s)"
                  % (name, sorted(map(hex, gk))[:6], sorted(map(hex, gv))[:6], sorted(map(hex, u[0]))[:6],
                     sorted(map(hex, u[1]))[:6]))
            whole = open(path, "rb").read()
            # (a value listed by a remnant key carries the key's "found")
            rem = [x for x in recs if x["found"] == "remnant" and ("last_written" in x or x["owner"] != "list")]
            check(all(x["offset"] + 4 >= b.size and whole[4096 + x["offset"] + 4:4096 + x["offset"] + 6]
                      in (b"nk", b"vk") for x in rem),
                  "%s: %d remnant records, all past the hive bins data (0x%x)" % (name, len(rem), b.size))
    check(n > 50, "unreferenced/remnant checked on %d shared hives" % n)


if mode == "generated":
    generated(where)
else:
    shared(where)
print("%d failures" % fails)
sys.exit(1 if fails else 0)
