"""regf_writer: builds registry hive files (regf v1.x) from a key tree.

Test-fixture code, written from the format description (Suhanov's regf
specification): base block, hive bins, cells, nk/vk/sk/li/lf/lh/ri/db
records. It writes exactly what it is told - including things Windows would
not write, such as a 10,000-entry lh list or a UTF-16 name that could have
been compressed - so tests can aim at every reader path. It never reads
hives; the manifest a generator writes next to a hive comes from the same
tree, so the tree is the statement of intent that readers are checked
against.

All cell offsets are relative to the start of the hive bins (file offset
4096), as in the format.
"""
import struct

BASE_BLOCK_SIZE = 4096
HBIN_HEADER_SIZE = 32
BIG_DATA_SEGMENT = 16344  # bytes of data per db segment (all but the last)
NONE = 0xFFFFFFFF
SLACK = b"SLACK!" * (BIG_DATA_SEGMENT // 6 + 1)  # filler for unused cell space

# nk flags
KEY_HIVE_EXIT = 0x0002
KEY_HIVE_ENTRY = 0x0004
KEY_NO_DELETE = 0x0008
KEY_COMP_NAME = 0x0020
# vk flags
VALUE_COMP_NAME = 0x0001


# ---------------------------------------------------------------- names ---

def upcase_unit(u):
    """Upcases one UTF-16 code unit the way Windows' table does for the
    characters the generators use: the simple Unicode uppercase mapping when
    it is a single BMP character, else unchanged. Surrogate halves stay as
    they are (Windows upcases code units, not code points)."""
    if 0xD800 <= u <= 0xDFFF:
        return u
    up = chr(u).upper()
    if len(up) == 1 and ord(up) <= 0xFFFF:
        return ord(up)
    return u


class Name:
    """A key or value name as stored: compressed (one byte per code unit,
    ISO-8859-1) or UTF-16LE. `text` is the decoded name a reader must
    report."""

    def __init__(self, text, encoding=None):
        self.text = text
        if encoding is None:
            encoding = "latin1" if all(ord(c) < 0x100 for c in text) else "utf16"
        if encoding not in ("latin1", "utf16"):
            raise ValueError(encoding)
        self.encoding = encoding
        if encoding == "latin1":
            self.raw = text.encode("latin-1")
            self.units = list(self.raw)
        else:
            self.raw = text.encode("utf-16-le")
            self.units = list(struct.unpack("<%dH" % (len(self.raw) // 2), self.raw))
        if len(self.raw) > 0xFFFF:
            raise ValueError("name too long")

    @property
    def compressed(self):
        return self.encoding == "latin1"

    def upcased(self):
        return tuple(upcase_unit(u) for u in self.units)

    def lh_hash(self):
        """The lh hash: h = h * 37 + upcase(unit) over UTF-16 code units
        (a compressed name's bytes are its code units), modulo 2^32."""
        h = 0
        for u in self.units:
            h = (h * 37 + upcase_unit(u)) & 0xFFFFFFFF
        return h

    def lf_hint(self):
        """The lf hint: the first four characters; units that do not fit a
        byte become 0 (readers use the hint only as a shortcut)."""
        b = bytes(u if u < 0x100 else 0 for u in self.units[:4])
        return b.ljust(4, b"\0")


# ----------------------------------------------------------------- tree ---

class Value:
    """A value. `storage` forces a layout: None (what Windows does: inline
    when <= 4 bytes, db when the hive is v1.4+ and data > 16344 bytes, else
    one cell), "cell" (always one data cell, even in v1.5), "empty-none"
    (length 0 with data offset 0xFFFFFFFF instead of the inline form)."""

    def __init__(self, name, vtype, data, encoding=None, storage=None):
        self.name = name if isinstance(name, Name) else Name(name, encoding)
        self.vtype = vtype & 0xFFFFFFFF
        self.data = bytes(data)
        self.storage = storage


class Key:
    """A key. `lists` chooses the subkey list layout:
      "li" | "lf" | "lh"          one leaf of that kind
      ("ri", kind, per_leaf)      an ri over leaves of `kind` holding
                                  `per_leaf` entries each (kind may be a
                                  list, cycled through, to mix leaf kinds)
      None                        lf for v1.3, lh for v1.5
    Subkeys are written sorted the way Windows sorts them (by upcased UTF-16
    code units); `subkeys_in_order()` gives that order."""

    def __init__(self, name, last_written, values=(), subkeys=(), encoding=None,
                 lists=None, class_name=None, security=0, volatile_junk=False,
                 flags=0):
        self.name = name if isinstance(name, Name) else Name(name, encoding)
        self.last_written = last_written
        self.values = list(values)
        self.subkeys = list(subkeys)
        self.lists = lists
        self.class_name = class_name  # str (stored UTF-16LE) or None
        self.security = security      # index into the hive's security list
        self.volatile_junk = volatile_junk
        self.flags = flags

    def subkeys_in_order(self):
        return sorted(self.subkeys, key=lambda k: k.name.upcased())


# --------------------------------------------------------------- layout ---

class _Bins:
    """Allocates cells into hive bins, in file order. A cell never crosses
    a bin; a cell too big for a 4 KiB bin gets a bin of its own size,
    rounded up to 4 KiB, as Windows does."""

    def __init__(self, bin_timestamp):
        self.bins = []      # [offset, size]
        self.cells = {}     # offset -> (allocated size, bytearray payload)
        self.free = []      # (offset, size) of free cells (bin tails, stale)
        self.cursor = 0
        self.end = 0
        self.bin_timestamp = bin_timestamp

    def _new_bin(self, need):
        if self.cursor < self.end:
            self.free.append((self.cursor, self.end - self.cursor))
        size = max(4096, -(-(need + HBIN_HEADER_SIZE) // 4096) * 4096)
        self.bins.append([self.end, size])
        self.cursor = self.end + HBIN_HEADER_SIZE
        self.end += size

    def alloc(self, payload_len):
        """Returns the offset of a new allocated cell with room for
        `payload_len` bytes (cell size = 4 + payload, rounded up to 8)."""
        size = (4 + payload_len + 7) & ~7
        if self.cursor + size > self.end:
            self._new_bin(size)
        off = self.cursor
        self.cursor += size
        self.cells[off] = (size, None)
        return off

    def alloc_free(self, payload):
        """A free (unallocated) cell holding stale bytes: readers must not
        report what is in it."""
        size = (4 + len(payload) + 7) & ~7
        if self.cursor + size > self.end:
            self._new_bin(size)
        off = self.cursor
        self.cursor += size
        self.free.append((off, size, bytes(payload)))
        return off

    def fill(self, off, payload, slack=False):
        """Writes a cell's payload; with `slack`, the rest of the cell gets
        stale-looking bytes instead of zeros."""
        size, old = self.cells[off]
        if slack:
            payload = bytes(payload) + SLACK[:max(0, size - 4 - len(payload))]
        if old is not None:
            raise AssertionError("cell filled twice")
        if 4 + len(payload) > size:
            raise AssertionError("payload larger than its cell")
        self.cells[off] = (size, bytes(payload))

    def finish(self):
        if self.cursor < self.end:
            self.free.append((self.cursor, self.end - self.cursor))
            self.cursor = self.end
        out = bytearray(self.end)
        for i, (boff, bsize) in enumerate(self.bins):
            struct.pack_into("<4sIIQQI", out, boff, b"hbin", boff, bsize, 0,
                             self.bin_timestamp if i == 0 else 0, 0)
        for off, (size, payload) in self.cells.items():
            if payload is None:
                raise AssertionError("cell at 0x%x never filled" % off)
            struct.pack_into("<i", out, off, -size)
            out[off + 4:off + 4 + len(payload)] = payload
        for f in self.free:
            off, size = f[0], f[1]
            struct.pack_into("<i", out, off, size)
            if len(f) == 3:
                out[off + 4:off + 4 + len(f[2])] = f[2]
        return bytes(out)


def self_relative_sd(owner_sid, group_sid, aces):
    """A self-relative SECURITY_DESCRIPTOR: owner, group and a DACL.
    `aces` is a list of (ace_type, ace_flags, access_mask, sid bytes)."""
    acl_body = b""
    for ace_type, ace_flags, mask, sid in aces:
        ace = struct.pack("<BBHI", ace_type, ace_flags, 8 + len(sid), mask) + sid
        acl_body += ace
    acl = struct.pack("<BBHHH", 2, 0, 8 + len(acl_body), len(aces), 0) + acl_body
    header_len = 20
    owner_off = header_len
    group_off = owner_off + len(owner_sid)
    dacl_off = group_off + len(group_sid)
    control = 0x8004  # SE_SELF_RELATIVE | SE_DACL_PRESENT
    return (struct.pack("<BBHIIII", 1, 0, control, owner_off, group_off, 0, dacl_off)
            + owner_sid + group_sid + acl)


def sid(authority, *subs):
    return struct.pack("<BB", 1, len(subs)) + authority.to_bytes(6, "big") + \
        struct.pack("<%dI" % len(subs), *subs)


DEFAULT_SD = self_relative_sd(
    sid(5, 32, 544), sid(5, 18),
    [(0, 0x02, 0x000F003F, sid(5, 32, 544)),   # Administrators: full, inherited to containers
     (0, 0x02, 0x000F003F, sid(5, 18)),        # SYSTEM: full
     (0, 0x02, 0x00020019, sid(1, 0))])        # Everyone: read


class Hive:
    """A hive to write: version 1.`minor`, a root Key, security descriptors
    (list of self-relative SD bytes; Key.security indexes it)."""

    def __init__(self, root, minor=5, timestamp=0, file_name="ntkit\\generated.hiv",
                 security=(DEFAULT_SD,), sequence=(1, 1), stale_cells=()):
        self.root = root
        self.minor = minor
        self.timestamp = timestamp
        self.file_name = file_name
        self.security = list(security)
        self.sequence = sequence
        self.stale_cells = list(stale_cells)  # payloads of free cells to plant
        self.structures = {}                  # what was written, for the manifest

    # -- walking ----------------------------------------------------------
    def walk(self):
        """(key, path) in export order: depth-first pre-order, subkeys in
        list order. Iterative: trees nest 512 levels deep."""
        stack = [(self.root, "")]
        while stack:
            key, path = stack.pop()
            yield key, path
            for sub in reversed(key.subkeys_in_order()):
                stack.append((sub, sub.name.text if path == "" else path + "\\" + sub.name.text))

    def _uses_big_data(self, value):
        return value.storage is None and self.minor >= 4 and len(value.data) > BIG_DATA_SEGMENT

    # -- writing ----------------------------------------------------------
    def build(self):
        bins = _Bins(self.timestamp)
        counts = {"nk": 0, "vk": 0, "sk": 0, "li": 0, "lf": 0, "lh": 0, "ri": 0,
                  "db": 0, "inline": 0, "class": 0}
        sk_refs = [0] * len(self.security)
        keys = list(self.walk())
        for key, _ in keys:
            sk_refs[key.security] += 1

        sk_offs = [bins.alloc(20 + len(sd)) for sd in self.security]
        counts["sk"] = len(sk_offs)

        # Pass 1: allocate every cell, in pre-order, remembering offsets.
        lay = {}
        for key, _ in keys:
            L = lay[id(key)] = {}
            L["nk"] = bins.alloc(76 + len(key.name.raw))
            counts["nk"] += 1
            if key.class_name is not None:
                L["class"] = bins.alloc(len(key.class_name.encode("utf-16-le")))
                counts["class"] += 1
            if key.values:
                L["vlist"] = bins.alloc(4 * len(key.values))
            L["vk"] = []
            for v in key.values:
                vk = bins.alloc(20 + len(v.name.raw))
                counts["vk"] += 1
                data = None
                n = len(v.data)
                if v.storage == "empty-none" or (v.storage is None and n == 0):
                    pass
                elif v.storage is None and n <= 4:
                    counts["inline"] += 1
                elif self._uses_big_data(v):
                    nseg = -(-n // BIG_DATA_SEGMENT)
                    db = bins.alloc(8)
                    seglist = bins.alloc(4 * nseg)
                    # Windows gives every segment, the last one too, a full
                    # 16344-byte cell (and hivex relies on that).
                    segs = [bins.alloc(BIG_DATA_SEGMENT) for i in range(nseg)]
                    data = ("db", db, seglist, segs)
                    counts["db"] += 1
                else:
                    data = ("cell", bins.alloc(n))
                L["vk"].append((vk, data))
            L["lists"] = self._alloc_lists(bins, key, counts)
        for stale in self.stale_cells:
            bins.alloc_free(stale)
        # Where each key's cells went, for generators that edit the result
        # afterwards (deleting keys and values as Windows does).
        for key, _ in keys:
            key.cells = lay[id(key)]

        # Pass 2: fill the cells now that every offset is known.
        for i, sd in enumerate(self.security):
            flink = sk_offs[(i + 1) % len(sk_offs)]
            blink = sk_offs[(i - 1) % len(sk_offs)]
            bins.fill(sk_offs[i], struct.pack("<2sHIIII", b"sk", 0, flink, blink,
                                              sk_refs[i], len(sd)) + sd)
        parent_of = {}
        for key, _ in keys:
            for sub in key.subkeys:
                parent_of[id(sub)] = lay[id(key)]["nk"]
        for key, _ in keys:
            self._fill_key(bins, key, lay[id(key)], parent_of.get(id(key)), sk_offs,
                           lambda k: lay[id(k)]["nk"])

        data = bins.finish()
        self.structures = counts
        self.structures["hbins"] = len(bins.bins)
        self.structures["free_cells"] = len(bins.free)
        return self._base_block(lay[id(self.root)]["nk"], len(data)) + data

    def _alloc_lists(self, bins, key, counts):
        subs = key.subkeys_in_order()
        if not subs:
            return None
        spec = key.lists or ("lf" if self.minor < 5 else "lh")
        if isinstance(spec, str):
            counts[spec] += 1
            return ("leaf", spec, bins.alloc(4 + 8 * len(subs) if spec != "li" else 4 + 4 * len(subs)), subs)
        _, kinds, per_leaf = spec
        if isinstance(kinds, str):
            kinds = [kinds]
        leaves = []
        for i in range(0, len(subs), per_leaf):
            kind = kinds[(i // per_leaf) % len(kinds)]
            chunk = subs[i:i + per_leaf]
            size = 4 + (4 if kind == "li" else 8) * len(chunk)
            leaves.append((kind, bins.alloc(size), chunk))
            counts[kind] += 1
        counts["ri"] += 1
        ri = bins.alloc(4 + 4 * len(leaves))
        return ("ri", ri, leaves)

    @staticmethod
    def _leaf_bytes(kind, chunk, nk_of):
        out = struct.pack("<2sH", kind.encode(), len(chunk))
        for sub in chunk:
            off = nk_of(sub)
            if kind == "li":
                out += struct.pack("<I", off)
            elif kind == "lf":
                out += struct.pack("<I", off) + sub.name.lf_hint()
            else:
                out += struct.pack("<II", off, sub.name.lh_hash())
        return out

    def _fill_key(self, bins, key, L, parent_nk, sk_offs, nk_of):
        lists = L["lists"]
        list_off = NONE
        if lists is not None:
            if lists[0] == "leaf":
                _, kind, off, subs = lists
                bins.fill(off, self._leaf_bytes(kind, subs, nk_of))
                list_off = off
            else:
                _, ri, leaves = lists
                for kind, off, chunk in leaves:
                    bins.fill(off, self._leaf_bytes(kind, chunk, nk_of))
                bins.fill(ri, struct.pack("<2sH", b"ri", len(leaves)) +
                          b"".join(struct.pack("<I", off) for _, off, _ in leaves))
                list_off = ri

        # values
        for v, (vk, data) in zip(key.values, L["vk"]):
            n = len(v.data)
            if data is None:
                if v.storage == "empty-none":
                    size_field, off_field = 0, NONE
                elif n == 0:
                    size_field, off_field = 0x80000000, 0
                else:  # inline: the bytes live in the offset field
                    size_field = 0x80000000 | n
                    off_field = struct.unpack("<I", v.data.ljust(4, b"\0"))[0]
            elif data[0] == "cell":
                bins.fill(data[1], v.data, slack=True)
                size_field, off_field = n, data[1]
            else:
                _, db, seglist, segs = data
                for i, seg in enumerate(segs):
                    chunk = v.data[i * BIG_DATA_SEGMENT:(i + 1) * BIG_DATA_SEGMENT]
                    # slack after the data: stale bytes a reader must not return
                    bins.fill(seg, chunk + SLACK[:BIG_DATA_SEGMENT - len(chunk)])
                bins.fill(seglist, struct.pack("<%dI" % len(segs), *segs))
                bins.fill(db, struct.pack("<2sHI", b"db", len(segs), seglist))
                size_field, off_field = n, db
            flags = VALUE_COMP_NAME if v.name.compressed else 0
            bins.fill(vk, struct.pack("<2sHIIIHH", b"vk", len(v.name.raw), size_field,
                                      off_field, v.vtype, flags, 0) + v.name.raw)
        if key.values:
            bins.fill(L["vlist"], struct.pack("<%dI" % len(key.values), *[vk for vk, _ in L["vk"]]))

        class_off, class_len = NONE, 0
        if key.class_name is not None:
            raw = key.class_name.encode("utf-16-le")
            bins.fill(L["class"], raw)
            class_off, class_len = L["class"], len(raw)

        flags = key.flags | (KEY_COMP_NAME if key.name.compressed else 0)
        if parent_nk is None:
            flags |= KEY_HIVE_ENTRY | KEY_NO_DELETE
        subs = key.subkeys
        max_sub_name = max((len(s.name.units) * 2 for s in subs), default=0)
        max_sub_class = max((len(s.class_name) * 2 for s in subs if s.class_name), default=0)
        max_val_name = max((len(v.name.units) * 2 for v in key.values), default=0)
        max_val_data = max((len(v.data) for v in key.values), default=0)
        vol_count, vol_list = (2, 0x80000020) if key.volatile_junk else (0, NONE)
        nk = struct.pack(
            "<2sHQIIIIIIIIIIIIIIIHH", b"nk", flags, key.last_written, 0,
            parent_nk if parent_nk is not None else NONE,
            len(subs), vol_count, list_off, vol_list,
            len(key.values), L["vlist"] if key.values else NONE,
            sk_offs[key.security], class_off,
            max_sub_name, max_sub_class, max_val_name, max_val_data, 0,
            len(key.name.raw), class_len) + key.name.raw
        assert len(nk) == 76 + len(key.name.raw)
        bins.fill(L["nk"], nk)

    def _base_block(self, root_off, bins_size):
        bb = bytearray(BASE_BLOCK_SIZE)
        name = self.file_name.encode("utf-16-le")[-64:]
        struct.pack_into("<4sIIQIIIIIII", bb, 0, b"regf", self.sequence[0],
                         self.sequence[1], self.timestamp, 1, self.minor, 0, 1,
                         root_off, bins_size, 1)
        bb[48:48 + len(name)] = name
        csum = 0
        for (dw,) in struct.iter_unpack("<I", bytes(bb[:508])):
            csum ^= dw
        if csum == 0:
            csum = 1
        elif csum == 0xFFFFFFFF:
            csum = 0xFFFFFFFE
        struct.pack_into("<I", bb, 508, csum)
        return bytes(bb)

    def write(self, path):
        data = self.build()
        with open(path, "wb") as f:
            f.write(data)
        return data
