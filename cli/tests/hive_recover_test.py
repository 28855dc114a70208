#!/usr/bin/python3
"""`ntkit hive recover --json` against expectations that do not come from
ntkit:

  generated  the deleted.hiv that testdata/hive/gen_hives.py writes, with
             deleted.recover.jsonl: what the generator deleted (big data
             complete, partial and lost; values in deleted keys' lists, in
             the slack of a deleted key's list and of a live key's list; an
             orphan nobody references). hivex, when present, checks that
             the live tree is deleted.manifest.jsonl (the edits are sound).
  shared     yarp's Deleted*/Realloc*/Remnant*/SlackHive hives: the records
             testdata/hive/EXPECTATIONS.md lists, and the facts behind each
             one re-read from the bytes by the small reader below (so the
             table cannot drift from the files).

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
        else:
            facts = facts and k123["vlist"] >= b.size  # the list pointer is broken
        check(facts, name + ": the bytes hold what EXPECTATIONS.md says")
        got = recover(path)
        check(keys(got) == [("456", True)], name + ": deleted key 456 " + str(keys(got)))
        check(values(got) == sorted([("456", "v", "list", "complete", UTF16("123456")),
                                     (v2_owner[0], "v2", v2_owner[1], "complete", UTF16("456"))]),
              name + ": values v (in 456's list) and v2 (owner %s) %s" % (v2_owner[1], values(got)))

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
    # size 0x1000); ntkit scans the hive bins data only.
    path = os.path.join(Y, "RemnantsHive")
    b = Bins(path)
    raw = open(path, "rb").read()
    check(b.size == 0x1000 and raw[4096 + 0x1000:4096 + 0x1002] == b"vk" and b"vk" not in b.b,
          "RemnantsHive: the bytes hold what EXPECTATIONS.md says")
    check(recover(path) == [], "RemnantsHive: nothing inside the hive bins data")

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


if mode == "generated":
    generated(where)
else:
    shared(where)
print("%d failures" % fails)
sys.exit(1 if fails else 0)
