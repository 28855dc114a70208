/* Deleted keys and values: nk and vk records left in free cells and in the
 * slack after the record of an allocated cell (old list items, records of
 * a larger cell that was reused), in allocated cells the live tree does not
 * reach (with a reach map, below), and in the caller's buffer
 * past the hive bins data (remnants). Nothing here trusts an allocation
 * state: every read is bounded by the buffer (hive_extent), every walk by
 * a count. */
#include "internal.h"
#include "nthive_forensic.h"

#define MAX_PARENTS 512u
/* FILETIMEs of 1980 and 2200: a deleted nk with a time outside is noise. */
#define FT_MIN 119600064000000000ull
#define FT_MAX 1890000000000000000ull

void nthive_deleted_init(nthive_deleted_iter *it, nthive *h)
{
    nt_memset(it, 0, sizeof *it);
    it->hive = h;
    it->tail_end = hive_extent(h);
}

void nthive_deleted_set_reach(nthive_deleted_iter *it, const nthive_reach *r)
{
    it->reach = r && r->hive == it->hive ? r : 0;
}

/* A well-formed bin header at `pos`; its size in *size. */
static bool bin_at(const nthive *h, uint32_t pos, uint32_t *size)
{
    const uint8_t *p;
    uint32_t sz;
    if ((uint64_t)pos + HBIN_HEADER > h->bins_size)
        return false;
    p = h->bins + pos;
    sz = nt_le32(p + 8);
    if (nt_memcmp(p, "hbin", 4) != 0 || nt_le32(p + 4) != pos || sz < 4096 || sz % 4096 ||
        (uint64_t)pos + sz > h->bins_size)
        return false;
    *size = sz;
    return true;
}

/* Length of the record at the start of an allocated cell's payload, so
 * that the slack after it can be scanned; 0 when unknown (scan none). */
static uint32_t record_len(const uint8_t *p, uint32_t avail)
{
    uint16_t sig;
    if (avail < 4)
        return avail;
    sig = nt_le16(p);
    if (sig == SIG('n', 'k') && avail >= NK_MIN)
        return NK_MIN + nt_le16(p + NK_NAME_LEN);
    if (sig == SIG('v', 'k') && avail >= VK_MIN)
        return VK_MIN + nt_le16(p + VK_NAME_LEN);
    if (sig == SIG('l', 'f') || sig == SIG('l', 'h'))
        return 4 + 8u * nt_le16(p + 2);
    if (sig == SIG('l', 'i') || sig == SIG('r', 'i'))
        return 4 + 4u * nt_le16(p + 2);
    return avail; /* data, sk, db, value lists: no slack scan */
}

/* Checks the record that starts at cell offset `rec` with `avail` bytes
 * (the caller made sure they lie in the buffer). `strict` adds the checks
 * for records no cell chain frames (remnant bytes): sane inline data and
 * data offsets. */
static bool record_ok(nthive *h, uint32_t rec, uint32_t avail, bool strict, nthive_deleted *out)
{
    const uint8_t *r = h->bins + rec;
    if (avail < 4 || rec < 4)
        return false;
    if (nt_le16(r) == SIG('n', 'k') && avail >= NK_MIN) {
        uint16_t len = nt_le16(r + NK_NAME_LEN);
        uint64_t t = nt_le64(r + 4);
        if (len == 0 || len > avail - NK_MIN || t < FT_MIN || t > FT_MAX)
            return false;
        out->kind = NTHIVE_DELETED_KEY;
        out->key = (nthive_key){h, rec - 4, avail, r};
        return true;
    }
    if (nt_le16(r) == SIG('v', 'k') && avail >= VK_MIN) {
        uint16_t len = nt_le16(r + VK_NAME_LEN);
        uint32_t size = nt_le32(r + VK_DATA_SIZE), off = nt_le32(r + VK_DATA_OFFSET);
        if (len > avail - VK_MIN || (nt_le16(r + VK_FLAGS) & ~3u) != 0)
            return false;
        if (strict &&
            (size & 0x80000000u ? (size & 0x7FFFFFFFu) > 4 : size != 0 && (off % 8 || off == NTHIVE_NO_CELL)))
            return false;
        out->kind = NTHIVE_DELETED_VALUE;
        out->value = (nthive_value){h, rec - 4, avail, r};
        return true;
    }
    return false;
}

/* Tries a record whose size field is at `p` and that may extend to `end`. */
static bool try_record(nthive *h, uint32_t p, uint32_t end, bool strict, nthive_deleted *out)
{
    if ((uint64_t)p + 4 + 4 > end)
        return false;
    return record_ok(h, p + 4, end - p - 4, strict, out);
}

/* An "hbin" header in the remnant tail at `pos` (a multiple of 4096 bytes
 * into the hive bins data) with a plausible size; the bin is cut at the
 * end of the buffer. Its offset field is not trusted: a remnant may come
 * from another layout. */
static bool tail_bin_at(const nthive *h, uint32_t pos, uint32_t end, uint32_t *bin_end)
{
    const uint8_t *p;
    uint32_t sz;
    if (pos % 4096 || (uint64_t)pos + HBIN_HEADER > end)
        return false;
    p = h->bins + pos;
    sz = nt_le32(p + 8);
    if (nt_memcmp(p, "hbin", 4) != 0 || sz < 4096 || sz % 4096)
        return false;
    *bin_end = sz > end - pos ? end : pos + sz;
    return true;
}

/* Enters the next cell of the bin ending at it->bin_end: sets `cell_end`,
 * and `pos` to the first candidate (the whole of a free cell, the slack of
 * an allocated one). Returns the cell's raw size, or 0 when the chain is
 * broken (then the rest of the bin is one free region). */
static int32_t enter_cell(nthive_deleted_iter *it)
{
    nthive *h = it->hive;
    int32_t raw = (int32_t)nt_le32(h->bins + it->cell);
    uint32_t len = raw < 0 ? 0u - (uint32_t)raw : (uint32_t)raw;
    if (len < 8 || len % 8 || len > it->bin_end - it->cell) {
        it->pos = it->cell;
        it->cell_end = it->bin_end;
        return 0;
    }
    it->cell_end = it->cell + len;
    if (raw > 0) {
        it->pos = it->cell;
    } else {
        uint32_t rl = record_len(h->bins + it->cell + 4, len - 4);
        uint64_t slack = ((uint64_t)it->cell + 4 + rl + 7) & ~(uint64_t)7;
        it->pos = slack > it->cell_end ? it->cell_end : (uint32_t)slack;
        if (it->pos == it->cell)
            it->pos += 8;
    }
    return raw;
}

/* The remnant tail: the next region after it->bin_end, framed by an hbin
 * header or one unframed page. Returns false at the end of the buffer. */
static bool next_tail_region(nthive_deleted_iter *it)
{
    nthive *h = it->hive;
    uint32_t p = it->bin_end, start = (h->bins_size + 7u) & ~7u, end;

    if (p >= it->tail_end || it->tail_end - p < 8)
        return false;
    it->bin = p;
    if (tail_bin_at(h, p, it->tail_end, &end)) {
        it->framed = true;
        it->bin_end = end;
        it->cell = it->cell_end = it->pos = p + HBIN_HEADER;
        return true;
    }
    end = (p / 4096 + 1) * 4096;
    it->framed = false;
    it->bin_end = it->cell_end = end > it->tail_end || end < p ? it->tail_end : end;
    it->cell = it->pos = p;
    /* A record whose size field was cut off can start a page (or the tail). */
    it->head = it->bare = p % 4096 == 0 || p == start;
    return true;
}

int nthive_deleted_next(nthive_deleted_iter *it, nthive_deleted *out)
{
    nthive *h = it->hive;

    /* Every step moves `pos`, `cell` or `bin` forward, or clears `head`:
     * bounded by the buffer. */
    while (!it->done) {
        if (it->head) {
            /* The record at the start of an allocated cell (unreferenced,
             * or any cell of the tail), or a bare record in the tail. */
            bool ok;
            uint32_t c = it->cell;
            it->head = false;
            if (it->bare)
                ok = record_ok(h, c, it->tail_end - c, true, out);
            else
                ok = try_record(h, c, it->cell_end, it->phase && !it->framed, out);
            if (ok) {
                out->offset = it->bare ? c - 4 : c;
                out->found = it->phase ? NTHIVE_FOUND_REMNANT : NTHIVE_FOUND_UNREFERENCED;
                it->bare = false;
                return NT_OK;
            }
            it->bare = false;
            continue;
        }
        if (it->pos < it->cell_end) {
            uint32_t p = it->pos;
            it->pos += 8;
            if (it->phase == 0 || it->framed) {
                if (try_record(h, p, it->cell_end, false, out)) {
                    out->offset = p;
                    out->found = it->phase                                  ? NTHIVE_FOUND_REMNANT
                                 : (int32_t)nt_le32(h->bins + it->cell) > 0 ? NTHIVE_FOUND_FREE_CELL
                                                                            : NTHIVE_FOUND_SLACK;
                    return NT_OK;
                }
            } else if ((uint64_t)p + 8 <= it->tail_end) {
                /* Unframed remnant bytes: a cell boundary needs a size
                 * field that fits; the record may run past the page. */
                int32_t raw = (int32_t)nt_le32(h->bins + p);
                uint32_t len = raw < 0 ? 0u - (uint32_t)raw : (uint32_t)raw;
                if (len >= 8 && len % 8 == 0 && len <= it->tail_end - p &&
                    try_record(h, p, p + len, true, out)) {
                    out->offset = p;
                    out->found = NTHIVE_FOUND_REMNANT;
                    return NT_OK;
                }
            }
            continue;
        }
        if (it->phase == 1) {
            if (it->framed && it->cell_end < it->bin_end && it->bin_end - it->cell_end >= 8) {
                /* Next cell of a remnant bin: nothing here is live, so an
                 * allocated cell's own record counts too. */
                it->cell = it->cell_end;
                if (enter_cell(it) < 0)
                    it->head = true;
            } else if (!next_tail_region(it)) {
                it->done = true;
            }
            continue;
        }
        /* Next cell, or next bin. */
        if (it->cell_end == 0 || it->cell_end >= it->bin_end) {
            uint32_t size;
            uint32_t next = it->bin_end; /* 0 at the start */
            it->steps++;
            /* Skip 4096-byte pages until a well-formed bin header. */
            while ((uint64_t)next + HBIN_HEADER <= h->bins_size && !bin_at(h, next, &size))
                next += 4096;
            if ((uint64_t)next + HBIN_HEADER > h->bins_size) {
                /* The hive bins data is done: on to the remnant tail. */
                it->phase = 1;
                it->framed = false;
                it->bin_end = it->cell_end = it->pos = (h->bins_size + 7u) & ~7u;
                if (!next_tail_region(it))
                    it->done = true;
                continue;
            }
            it->bin = next;
            it->bin_end = next + size;
            it->cell = next + HBIN_HEADER;
        } else {
            it->cell = it->cell_end;
        }
        if (enter_cell(it) < 0 && it->reach && !nthive_reach_has(it->reach, it->cell))
            it->head = true;
    }
    return NT_END;
}

/* Pages a remnant record's bin header is looked for behind it. */
#define REMNANT_FRAME_PAGES 256u

/* A reference `ref` read from a record at `holder`, as a cell offset of
 * this buffer. Inside the hive bins data it is what it says. A remnant
 * bin keeps the offset it had in its own hive in its header: when that
 * differs from where it lies now (the tail of another hive, or of this
 * one before it was reorganised), references into the same bin are moved
 * by the difference, and references elsewhere lead to bytes that are not
 * the ones meant (NTHIVE_NO_CELL). The header is looked for at most
 * REMNANT_FRAME_PAGES pages back; unframed remnants are taken as is. */
static uint32_t remnant_ref(const nthive *h, uint32_t holder, uint32_t ref)
{
    uint32_t page = holder & ~4095u, end, orig;
    if (holder < h->bins_size || ref == NTHIVE_NO_CELL)
        return ref;
    for (uint32_t i = 0; i < REMNANT_FRAME_PAGES && page >= h->bins_size; i++, page -= 4096) {
        if (tail_bin_at(h, page, hive_extent(h), &end) && holder < end) {
            orig = nt_le32(h->bins + page + 4);
            if (orig == page)
                return ref;
            return ref >= orig && ref - orig < end - page ? ref - orig + page : NTHIVE_NO_CELL;
        }
        if (page < 4096)
            break;
    }
    return ref;
}

/* The nk at `off` whatever its cell's state: bounded by the buffer (a
 * remnant key's parent may be a remnant too). */
static bool any_key(nthive *h, uint32_t off, nthive_key *key)
{
    const uint8_t *r;
    uint32_t avail;
    if (off == NTHIVE_NO_CELL || off % 8 || (uint64_t)off + 4 + NK_MIN > hive_extent(h))
        return false;
    r = h->bins + off + 4;
    avail = hive_extent(h) - off - 4;
    if (nt_le16(r) != SIG('n', 'k') || nt_le16(r + NK_NAME_LEN) > avail - NK_MIN)
        return false;
    *key = (nthive_key){h, off, avail, r};
    return true;
}

int nthive_deleted_key_path(const nthive_key *key, char *buf, size_t cap, size_t *len, bool *complete)
{
    nthive *h = key->hive;
    uint32_t chain[MAX_PARENTS], n = 0, root = nt_le32(h->file + 36);
    nthive_key cur = *key;
    size_t total = 0;
    int st = NT_OK;

    *complete = false;
    /* Up the parent chain: stops at the root, a bad parent or a loop. */
    for (;;) {
        uint32_t parent;
        nthive_key next;
        bool seen = false;
        if (cur.offset == root || (nthive_key_flags(&cur) & NTHIVE_KEY_HIVE_ENTRY)) {
            *complete = true;
            break;
        }
        if (n == MAX_PARENTS)
            break;
        chain[n++] = cur.offset;
        parent = remnant_ref(h, cur.offset, nt_le32(cur.nk + NK_PARENT));
        for (uint32_t i = 0; i < n; i++)
            seen |= chain[i] == parent;
        if (seen || !any_key(h, parent, &next))
            break;
        cur = next;
    }
    /* Top down: names joined with '\'. */
    for (uint32_t i = n; i-- > 0;) {
        nthive_key k;
        nthive_name name;
        size_t ulen = 0;
        /* The key itself may be a bare remnant record (offset not 8-aligned). */
        if (i == 0)
            k = *key;
        else
            any_key(h, chain[i], &k);
        nthive_key_name(&k, &name);
        if (total && total < cap)
            buf[total] = '\\';
        if (total)
            total++;
        nthive_name_to_utf8(&name, total < cap ? buf + total : 0, total < cap ? cap - total : 0, &ulen);
        total += ulen;
    }
    if (total < cap)
        buf[total] = 0;
    else
        st = NT_ERR_RANGE;
    *len = total;
    return st;
}

int nthive_deleted_key_value(const nthive_key *key, uint32_t index, nthive_value *value)
{
    nthive *h = key->hive;
    uint32_t count = nt_le32(key->nk + NK_VALUE_COUNT), off, avail;
    uint32_t list = remnant_ref(h, key->offset, nt_le32(key->nk + NK_VALUE_LIST)), extent = hive_extent(h);
    const uint8_t *r;

    if (index >= count)
        return NT_END;
    if (list == NTHIVE_NO_CELL || list % 8 || (uint64_t)list + 4 + 4 * (uint64_t)count > extent)
        return hive_fail(h, NT_ERR_CORRUPT, list, "deleted key's value list is gone");
    off = remnant_ref(h, list, nt_le32(h->bins + list + 4 + 4 * index));
    if (off == NTHIVE_NO_CELL || off % 8 || (uint64_t)off + 4 + VK_MIN > extent)
        return hive_fail(h, NT_ERR_CORRUPT, list, "deleted key's value list entry points outside the data");
    r = h->bins + off + 4;
    avail = extent - off - 4;
    if (nt_le16(r) != SIG('v', 'k') || nt_le16(r + VK_NAME_LEN) > avail - VK_MIN)
        return hive_fail(h, NT_ERR_CORRUPT, off, "deleted key's value cell holds no vk record");
    *value = (nthive_value){h, off, avail, r};
    return NT_OK;
}

int nthive_deleted_value_data(const nthive_value *v, const uint8_t **data, size_t *len)
{
    nthive *h = v->hive;
    uint32_t raw = nt_le32(v->vk + VK_DATA_SIZE), size = raw & 0x7FFFFFFFu;
    uint32_t off = remnant_ref(h, v->offset, nt_le32(v->vk + VK_DATA_OFFSET)), cell;
    const uint8_t *p;

    if (raw & 0x80000000u) {
        if (size > 4)
            return hive_fail(h, NT_ERR_CORRUPT, v->offset, "inline value data is longer than 4 bytes");
        *data = v->vk + VK_DATA_OFFSET;
        *len = size;
        return NT_OK;
    }
    if (size == 0 || off == NTHIVE_NO_CELL) {
        *data = v->vk + VK_DATA_OFFSET;
        *len = 0;
        return size == 0 ? NT_OK : hive_fail(h, NT_ERR_CORRUPT, v->offset, "deleted value has no data cell");
    }
    if (off % 8 || (uint64_t)off + 4 + (size < 8 ? size : 8) > hive_extent(h))
        return hive_fail(h, NT_ERR_CORRUPT, v->offset, "deleted value data lies outside the hive data");
    p = h->bins + off;
    if (h->minor >= 4 && size > NTHIVE_DB_SEGMENT && nt_le16(p + 4) == SIG('d', 'b'))
        return NT_ERR_UNSUPPORTED;
    if ((uint64_t)off + 4 + size > hive_extent(h))
        return hive_fail(h, NT_ERR_CORRUPT, v->offset, "deleted value data lies outside the hive data");
    cell = nt_le32(p);
    cell = (int32_t)cell < 0 ? 0u - cell : cell;
    if (cell < 8 || cell - 4 < size)
        return hive_fail(h, NT_ERR_CORRUPT, off, "deleted value data cell is smaller than the data");
    *data = p + 4;
    *len = size;
    return NT_OK;
}

/* ---- data of recovered values ------------------------------------------------ */

#define MAX_SLACK_REFS 1024u
/* Internal: a live key's own (counted) list entry. Kept in the map so that
 * freed copies of that list can be matched to the key; never an owner. */
#define OWNER_LIVE_LIST 5u

/* Whether the bytes [off, off + len) of the hive bins data lie inside one
 * bin and only in unallocated cells of that bin's current cell chain: a
 * deleted record's cells were freed with it, and an allocated cell over
 * them means they were reused. The walk is bounded by the bin. */
static bool unallocated(nthive *h, uint32_t off, uint32_t len)
{
    uint32_t start, size, pos, end;
    uint64_t stop = (uint64_t)off + len;

    if (stop > h->bins_size || hive_find_bin(h, off, &start, &size) != NT_OK)
        return false;
    end = start + size;
    if (stop > end || off < start + HBIN_HEADER)
        return false;
    for (pos = start + HBIN_HEADER; pos < stop;) {
        int32_t raw = (int32_t)nt_le32(h->bins + pos);
        uint32_t cl = raw < 0 ? 0u - (uint32_t)raw : (uint32_t)raw;
        if (cl < 8 || cl % 8 || cl > end - pos)
            return false; /* broken chain: nothing can be vouched for */
        if (raw < 0 && (uint64_t)pos + cl > off)
            return false;
        pos += cl;
    }
    return true;
}

/* Whether an allocated cell begins at `off` in its bin's current chain:
 * then the record there is live, whatever deleted key still lists it. */
static bool allocated_cell_at(nthive *h, uint32_t off)
{
    uint32_t start, size, pos, end;

    if (off % 8 || (uint64_t)off + 8 > h->bins_size || hive_find_bin(h, off, &start, &size) != NT_OK)
        return false;
    end = start + size;
    for (pos = start + HBIN_HEADER; pos < off;) {
        int32_t raw = (int32_t)nt_le32(h->bins + pos);
        uint32_t cl = raw < 0 ? 0u - (uint32_t)raw : (uint32_t)raw;
        if (cl < 8 || cl % 8 || cl > end - pos)
            return false;
        pos += cl;
    }
    return pos == off && (int32_t)nt_le32(h->bins + off) < 0;
}

/* Whether the cell at `off` holds `want` payload bytes of a recovered
 * record that nothing live has taken: in the hive bins data, bytes in
 * unallocated cells of the current chain (`sized`: and the cell's own
 * size field, positive as a freed cell keeps it, covers them); past it
 * (remnants) any bytes inside the buffer; for an unreferenced record
 * (`reach`), also an allocated cell the live tree does not reach. */
static bool stale_cell(nthive *h, const nthive_reach *reach, uint32_t off, uint32_t want, bool sized)
{
    uint32_t cell, len, extent = hive_extent(h);
    if (off == NTHIVE_NO_CELL || off % 8 || (uint64_t)off + 4 + want > extent || (uint64_t)off + 8 > extent)
        return false;
    cell = nt_le32(h->bins + off);
    len = (int32_t)cell < 0 ? 0u - cell : cell;
    if (off >= h->bins_size)
        return !sized || len >= 4 + (uint64_t)want;
    if (unallocated(h, off, 4 + want))
        return !sized || ((int32_t)cell > 0 && len >= 4 + (uint64_t)want);
    return reach && (int32_t)cell < 0 && len >= 4 + (uint64_t)want && (uint64_t)off + len <= h->bins_size &&
           !nthive_reach_has(reach, off) && allocated_cell_at(h, off);
}

/* Offset of surviving big data segment `i` (`want` bytes), or NO_CELL. */
static uint32_t segment_at(nthive *h, const nthive_reach *reach, uint32_t list, uint32_t i, uint32_t want)
{
    uint32_t seg = remnant_ref(h, list, nt_le32(h->bins + list + 4 + 4 * (size_t)i));
    return stale_cell(h, reach, seg, want, true) ? seg : NTHIVE_NO_CELL;
}

int nthive_deleted_data_init_reach(const nthive_value *v, const nthive_reach *r, nthive_deleted_data *d)
{
    nthive *h = v->hive;
    uint32_t raw = nt_le32(v->vk + VK_DATA_SIZE), size = raw & 0x7FFFFFFFu;
    uint32_t off = remnant_ref(h, v->offset, nt_le32(v->vk + VK_DATA_OFFSET)), count, list;

    nt_memset(d, 0, sizeof *d);
    d->hive = h;
    d->size = size;
    d->list = NTHIVE_NO_CELL;
    d->state = NTHIVE_DATA_LOST;
    if (r && r->hive != h)
        r = 0;
    if (allocated_cell_at(h, v->offset)) {
        if (!r || nthive_reach_has(r, v->offset)) {
            d->record_reused = true;
            return NT_OK;
        }
        d->unreferenced = true;
    }
    /* Only an unreferenced record may take its data from allocated cells. */
    d->reach = d->unreferenced ? r : 0;
    if (raw & 0x80000000u || size == 0) {
        if (size > 4)
            return NT_OK;
        d->single = v->vk + VK_DATA_OFFSET;
    } else if (off == NTHIVE_NO_CELL || off % 8 || size > hive_extent(h) ||
               (uint64_t)off + 4 + 8 > hive_extent(h)) {
        return NT_OK;
    } else if (h->minor >= 4 && size > NTHIVE_DB_SEGMENT && nt_le16(h->bins + off + 4) == SIG('d', 'b')) {
        count = nt_le16(h->bins + off + 4 + DB_COUNT);
        list = remnant_ref(h, off, nt_le32(h->bins + off + 4 + DB_LIST));
        if (count != (size + NTHIVE_DB_SEGMENT - 1) / NTHIVE_DB_SEGMENT ||
            !stale_cell(h, d->reach, off, 8, false) || !stale_cell(h, d->reach, list, 4 * count, false))
            return NT_OK;
        d->segments = count;
        for (uint32_t i = 0, left = size; i < count; i++) {
            uint32_t want = left < NTHIVE_DB_SEGMENT ? left : NTHIVE_DB_SEGMENT;
            if (segment_at(h, d->reach, list, i, want) != NTHIVE_NO_CELL) {
                d->segments_ok++;
                d->recovered += want;
            }
            left -= want;
        }
        if (d->segments_ok == 0)
            return NT_OK;
        d->list = list;
        d->remaining = size;
        d->length = size;
        d->state = d->segments_ok == count ? NTHIVE_DATA_COMPLETE : NTHIVE_DATA_PARTIAL;
        return NT_OK;
    } else {
        if (!stale_cell(h, d->reach, off, size, true))
            return NT_OK;
        d->single = h->bins + off + 4;
    }
    d->remaining = d->length = d->recovered = size;
    d->state = NTHIVE_DATA_COMPLETE;
    return NT_OK;
}

int nthive_deleted_data_init(const nthive_value *v, nthive_deleted_data *d)
{
    return nthive_deleted_data_init_reach(v, 0, d);
}

int nthive_deleted_data_next(nthive_deleted_data *d, const uint8_t **piece, size_t *len)
{
    uint32_t want, seg;

    if (d->remaining == 0)
        return NT_END;
    if (d->single) {
        *piece = d->single;
        *len = d->remaining;
        d->remaining = 0;
        return NT_OK;
    }
    if (d->list == NTHIVE_NO_CELL || d->index >= d->segments)
        return NT_END;
    want = d->remaining < NTHIVE_DB_SEGMENT ? d->remaining : NTHIVE_DB_SEGMENT;
    seg = segment_at(d->hive, d->reach, d->list, d->index++, want);
    *piece = seg == NTHIVE_NO_CELL ? 0 : d->hive->bins + seg + 4;
    *len = want;
    d->remaining -= want;
    return NT_OK;
}

/* ---- what the live tree reaches ------------------------------------------------ */

/* A bitmap of every cell referenced from the root down (keys, their
 * lists, values, data, class names, security cells), so that an
 * allocated nk or vk cell outside it can be reported as unreferenced.
 * Each key is entered once (its bit), and pending keys sit on an explicit
 * stack that holds each key at most once: bounded time and memory on any
 * graph corruption can build. */

typedef struct reach_walk {
    nthive_reach *r;
    uint32_t *stack;
    size_t depth, cap;
    bool nomem;
} reach_walk;

bool nthive_reach_has(const nthive_reach *r, uint32_t off)
{
    size_t bit = off / 8;
    return r && r->bits && off % 8 == 0 && bit / 8 < r->bytes && (r->bits[bit / 8] >> (bit % 8)) & 1;
}

/* Sets the bit of the cell at `off`; false when it was set already. */
static bool mark(nthive_reach *r, uint32_t off)
{
    size_t bit = off / 8;
    uint8_t m = (uint8_t)(1u << (bit % 8));
    if (off % 8 || bit / 8 >= r->bytes || (r->bits[bit / 8] & m))
        return false;
    r->bits[bit / 8] |= m;
    r->cells++;
    return true;
}

/* The allocated cell at `off`, marked; NULL (and counted as broken when
 * `must`) when there is none. */
static const uint8_t *cell_of(nthive_reach *r, uint32_t off, uint32_t *size, bool must)
{
    const uint8_t *p;
    if (off == NTHIVE_NO_CELL ||
        hive_cell(r->hive, off, 0, "reference outside the hive data", &p, size) != NT_OK) {
        r->broken += must;
        return 0;
    }
    mark(r, off);
    return p;
}

/* Queues the key at `off` unless it was reached before. */
static void push_key(reach_walk *w, uint32_t off)
{
    nthive_reach *r = w->r;
    nthive_key k;
    if (nthive_reach_has(r, off))
        return;
    if (hive_key_from_cell(r->hive, off, 0, "subkey outside the hive data", &k) != NT_OK) {
        r->broken++;
        return;
    }
    mark(r, off);
    r->keys++;
    if (w->depth == w->cap) {
        /* Every key is pushed once: a key cell takes at least 80 bytes. */
        size_t cap = w->cap ? 2 * w->cap : 64, bound = r->hive->bins_size / 80 + 1;
        uint32_t *p;
        if (cap > bound)
            cap = bound;
        if (cap <= w->cap) {
            w->nomem = true; /* cannot happen: the bound counts every key */
            return;
        }
        p = (uint32_t *)nt_realloc(r->alloc, w->stack, w->cap * sizeof *p, cap * sizeof *p,
                                   _Alignof(uint32_t));
        if (!p) {
            w->nomem = true;
            return;
        }
        w->stack = p;
        w->cap = cap;
    }
    w->stack[w->depth++] = off;
}

/* A leaf list (li, lf, lh) at `off`: marks it and queues its keys. */
static void leaf(reach_walk *w, uint32_t off, const uint8_t *p, uint32_t size)
{
    uint16_t sig = nt_le16(p), n = nt_le16(p + 2);
    uint32_t step = hive_list_entry_size(sig);
    (void)off;
    if (!hive_is_leaf_sig(sig) || 4 + (uint64_t)step * n > size) {
        w->r->broken++;
        return;
    }
    for (uint32_t i = 0; i < n && !w->nomem; i++)
        push_key(w, nt_le32(p + 4 + step * i));
}

static void subkeys(reach_walk *w, const uint8_t *nk)
{
    uint32_t off = nt_le32(nk + NK_SUBKEY_LIST), size;
    const uint8_t *p;
    if (nt_le32(nk + NK_SUBKEY_COUNT) == 0 && off == NTHIVE_NO_CELL)
        return;
    p = cell_of(w->r, off, &size, nt_le32(nk + NK_SUBKEY_COUNT) != 0);
    if (!p || size < 4)
        return;
    if (nt_le16(p) == SIG('r', 'i')) {
        uint16_t n = nt_le16(p + 2);
        if (4 + 4 * (uint64_t)n > size) {
            w->r->broken++;
            return;
        }
        /* Windows never nests ri lists: an ri entry must be a leaf. */
        for (uint32_t i = 0; i < n && !w->nomem; i++) {
            uint32_t lo = nt_le32(p + 4 + 4 * i), ls;
            const uint8_t *l = cell_of(w->r, lo, &ls, true);
            if (l && ls >= 4)
                leaf(w, lo, l, ls);
        }
        return;
    }
    leaf(w, off, p, size);
}

/* A value's data: one cell, or (1.4 on, more than one segment's worth) a
 * db record, its segment list and the segments. */
static void data(nthive_reach *r, const uint8_t *vk)
{
    uint32_t raw = nt_le32(vk + VK_DATA_SIZE), len = raw & 0x7FFFFFFFu, off = nt_le32(vk + VK_DATA_OFFSET),
             size;
    const uint8_t *p;
    if (raw & 0x80000000u || len == 0)
        return;
    p = cell_of(r, off, &size, true);
    if (!p || r->hive->minor < 4 || len <= NTHIVE_DB_SEGMENT || size < 8 || nt_le16(p) != SIG('d', 'b'))
        return;
    {
        uint16_t n = nt_le16(p + DB_COUNT);
        uint32_t lo = nt_le32(p + DB_LIST), ls;
        const uint8_t *l = cell_of(r, lo, &ls, true);
        if (!l)
            return;
        for (uint32_t i = 0; i < n && 4 * (uint64_t)i + 4 <= ls; i++)
            cell_of(r, nt_le32(l + 4 * i), &size, true);
    }
}

static void values(nthive_reach *r, const uint8_t *nk)
{
    uint32_t count = nt_le32(nk + NK_VALUE_COUNT), off = nt_le32(nk + NK_VALUE_LIST), size;
    const uint8_t *p;
    if (count == 0 && off == NTHIVE_NO_CELL)
        return;
    p = cell_of(r, off, &size, count != 0);
    if (!p)
        return;
    if (count > size / 4) {
        r->broken++;
        count = size / 4;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint32_t vo = nt_le32(p + 4 * i), vs;
        const uint8_t *v = cell_of(r, vo, &vs, true);
        if (!v)
            continue;
        if (vs < VK_MIN || nt_le16(v) != SIG('v', 'k')) {
            r->broken++;
            continue;
        }
        data(r, v);
    }
}

int nthive_reach_build(nthive_reach *r, nthive *h, const nt_allocator *alloc)
{
    reach_walk w = {r, 0, 0, 0, false};
    nt_diag saved;
    uint32_t root;

    if (!r || !h || !alloc || !alloc->alloc || !alloc->free)
        return NT_ERR_INVALID;
    nt_memset(r, 0, sizeof *r);
    r->hive = h;
    r->alloc = alloc;
    r->bytes = ((size_t)h->bins_size / 8 + 1 + 7) / 8;
    r->bits = (uint8_t *)nt_alloc(alloc, r->bytes, 1);
    if (!r->bits) {
        r->bytes = 0;
        return NT_ERR_NOMEM;
    }
    nt_memset(r->bits, 0, r->bytes);
    saved = h->diag;
    root = nt_le32(h->file + 36);
    push_key(&w, root);
    if (!nthive_reach_has(r, root))
        r->broken = 1;
    while (w.depth && !w.nomem) {
        nthive_key k;
        uint32_t off = w.stack[--w.depth], size;
        /* Pushed keys were checked: this cannot fail. */
        if (hive_key_from_cell(h, off, 0, "key outside the hive data", &k) != NT_OK)
            continue;
        if (nt_le32(k.nk + NK_SECURITY) != NTHIVE_NO_CELL)
            cell_of(r, nt_le32(k.nk + NK_SECURITY), &size, true);
        if (nt_le32(k.nk + NK_CLASS) != NTHIVE_NO_CELL)
            cell_of(r, nt_le32(k.nk + NK_CLASS), &size, false);
        values(r, k.nk);
        subkeys(&w, k.nk);
    }
    if (w.stack)
        nt_free(alloc, w.stack, w.cap * sizeof *w.stack, _Alignof(uint32_t));
    h->diag = saved;
    if (w.nomem) {
        nthive_reach_free(r);
        return NT_ERR_NOMEM;
    }
    return NT_OK;
}

void nthive_reach_free(nthive_reach *r)
{
    if (r && r->bits && r->alloc)
        nt_free(r->alloc, r->bits, r->bytes, 1);
    if (r) {
        r->bits = 0;
        r->bytes = 0;
    }
}

/* ---- owners of recovered values -------------------------------------------------- */

/* Whether `off` is the cell of a vk record (any allocation state). */
static bool vk_at(const nthive *h, uint32_t off)
{
    return off != NTHIVE_NO_CELL && off % 8 == 0 && (uint64_t)off + 4 + VK_MIN <= h->bins_size &&
           nt_le16(h->bins + off + 4) == SIG('v', 'k');
}

static bool owner_add(nthive_owner_map *m, uint32_t value, uint32_t key, uint32_t how)
{
    size_t bound = m->hive->bins_size / 8 + 4096;
    if (m->count == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 256;
        nthive_owner_ref *p;
        if (m->cap >= bound) {
            m->truncated = true;
            return false;
        }
        if (cap > bound)
            cap = bound;
        p = (nthive_owner_ref *)nt_realloc(m->alloc, m->refs, m->cap * sizeof *p, cap * sizeof *p,
                                           _Alignof(nthive_owner_ref));
        if (!p)
            return false;
        m->refs = p;
        m->cap = cap;
    }
    m->refs[m->count++] = (nthive_owner_ref){value, key, how};
    return true;
}

/* Adds the references of the value list of the nk at `key_off`:
 * entries below the count as `in_list` (0: skip them), slack entries
 * after them as `in_slack`. Returns false when memory ran out. */
static bool owner_list(nthive_owner_map *m, uint32_t key_off, const uint8_t *nk, uint32_t in_list,
                       uint32_t in_slack)
{
    nthive *h = m->hive;
    uint32_t count = nt_le32(nk + NK_VALUE_COUNT), list = nt_le32(nk + NK_VALUE_LIST), cell, slots;

    if (list == NTHIVE_NO_CELL || list % 8 || (uint64_t)list + 8 > h->bins_size)
        return true;
    cell = nt_le32(h->bins + list);
    cell = (int32_t)cell < 0 ? 0u - cell : cell;
    /* The list cell bounds the slots; a broken size field bounds nothing,
     * so then only the counted entries that lie in the data are read. */
    slots = cell >= 8 && (uint64_t)list + cell <= h->bins_size ? (cell - 4) / 4 : 0;
    if (slots < count)
        slots = (uint64_t)list + 4 + 4 * (uint64_t)count <= h->bins_size ? count : 0;
    if (slots > count + MAX_SLACK_REFS)
        slots = count + MAX_SLACK_REFS;
    for (uint32_t i = 0; i < slots; i++) {
        uint32_t v = nt_le32(h->bins + list + 4 + 4 * (size_t)i), how = i < count ? in_list : in_slack;
        if (how && vk_at(h, v) && !owner_add(m, v, key_off, how))
            return !m->truncated ? false : true;
    }
    return true;
}

/* The live key whose counted list holds vk `v`, among the first `n`
 * (sorted) references; NTHIVE_NO_CELL when none. */
static uint32_t live_owner(const nthive_owner_map *m, size_t n, uint32_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->refs[mid].value < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < n && m->refs[lo].value == v; lo++)
        if (m->refs[lo].how == OWNER_LIVE_LIST)
            return m->refs[lo].key;
    return NTHIVE_NO_CELL;
}

static void sort_refs(nthive_owner_ref *r, size_t n);

/* Freed copies of value lists: Windows moves a list that grows to a new
 * cell and frees the old one, so a free cell whose leading dwords all
 * point at vk records, one of which a live key lists now, was that key's
 * list; its other entries are values the key had. */
static bool old_lists(nthive_owner_map *m)
{
    nthive *h = m->hive;
    size_t sorted = m->count;
    uint32_t pos = 0, size;

    while ((uint64_t)pos + HBIN_HEADER <= h->bins_size) {
        if (!bin_at(h, pos, &size)) {
            pos += 4096;
            continue;
        }
        for (uint32_t c = pos + HBIN_HEADER; c + 8 <= pos + size;) {
            int32_t raw = (int32_t)nt_le32(h->bins + c);
            uint32_t cl = raw < 0 ? 0u - (uint32_t)raw : (uint32_t)raw, n = 0, key = NTHIVE_NO_CELL;
            if (cl < 8 || cl % 8 || cl > pos + size - c)
                break;
            if (raw > 0) {
                while (n < (cl - 4) / 4 && n < MAX_SLACK_REFS && vk_at(h, nt_le32(h->bins + c + 4 + 4 * n)))
                    n++;
                for (uint32_t i = 0; i < n && key == NTHIVE_NO_CELL; i++)
                    key = live_owner(m, sorted, nt_le32(h->bins + c + 4 + 4 * i));
                for (uint32_t i = 0; key != NTHIVE_NO_CELL && i < n; i++) {
                    uint32_t v = nt_le32(h->bins + c + 4 + 4 * i);
                    if (live_owner(m, sorted, v) == NTHIVE_NO_CELL &&
                        !owner_add(m, v, key, NTHIVE_OWNER_OLD_LIST))
                        return m->truncated;
                }
            }
            c += cl;
        }
        pos += size;
    }
    sort_refs(m->refs, m->count);
    return true;
}

/* Orders by value, then how, then key. */
static bool ref_less(const nthive_owner_ref *a, const nthive_owner_ref *b)
{
    if (a->value != b->value)
        return a->value < b->value;
    if (a->how != b->how)
        return a->how < b->how;
    return a->key < b->key;
}

/* Heap sort: no recursion, no extra memory. */
static void sift(nthive_owner_ref *r, size_t i, size_t n)
{
    for (;;) {
        size_t c = 2 * i + 1;
        nthive_owner_ref t;
        if (c >= n)
            return;
        if (c + 1 < n && ref_less(&r[c], &r[c + 1]))
            c++;
        if (!ref_less(&r[i], &r[c]))
            return;
        t = r[i], r[i] = r[c], r[c] = t;
        i = c;
    }
}

static void sort_refs(nthive_owner_ref *r, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift(r, i, n);
    for (size_t end = n; end-- > 1;) {
        nthive_owner_ref t = r[0];
        r[0] = r[end], r[end] = t;
        sift(r, 0, end);
    }
}

int nthive_owner_map_build(nthive_owner_map *m, nthive *h, const nt_allocator *alloc)
{
    nthive_deleted_iter it;
    nthive_deleted d;
    uint32_t pos = 0, size;
    bool ok = true;

    if (!m || !h || !alloc || !alloc->alloc || !alloc->free)
        return NT_ERR_INVALID;
    nt_memset(m, 0, sizeof *m);
    m->hive = h;
    m->alloc = alloc;
    /* Deleted keys: their lists and the slack after them. */
    nthive_deleted_init(&it, h);
    /* (Not remnant keys: their list offsets may name cells of another
     * layout; their values are read through nthive_deleted_key_value.) */
    while (ok && nthive_deleted_next(&it, &d) == NT_OK)
        if (d.kind == NTHIVE_DELETED_KEY && d.found != NTHIVE_FOUND_REMNANT)
            ok = owner_list(m, d.offset, d.key.nk, NTHIVE_OWNER_DELETED_LIST, NTHIVE_OWNER_DELETED_SLACK);
    /* Live keys: every allocated nk cell, bin by bin. */
    while (ok && (uint64_t)pos + HBIN_HEADER <= h->bins_size) {
        if (!bin_at(h, pos, &size)) {
            pos += 4096;
            continue;
        }
        for (uint32_t c = pos + HBIN_HEADER; ok && c + 8 <= pos + size;) {
            int32_t raw = (int32_t)nt_le32(h->bins + c);
            uint32_t cl = raw < 0 ? 0u - (uint32_t)raw : (uint32_t)raw;
            if (cl < 8 || cl % 8 || cl > pos + size - c)
                break;
            if (raw < 0 && cl >= 4 + NK_MIN && nt_le16(h->bins + c + 4) == SIG('n', 'k'))
                ok = owner_list(m, c, h->bins + c + 4, OWNER_LIVE_LIST, NTHIVE_OWNER_LIVE_SLACK);
            c += cl;
        }
        pos += size;
    }
    if (ok) {
        sort_refs(m->refs, m->count);
        ok = old_lists(m);
    }
    if (!ok) {
        nthive_owner_map_free(m);
        m->hive = h;
        m->alloc = alloc;
        return NT_ERR_NOMEM;
    }
    sort_refs(m->refs, m->count);
    return NT_OK;
}

void nthive_owner_map_free(nthive_owner_map *m)
{
    if (m->refs)
        nt_free(m->alloc, m->refs, m->cap * sizeof *m->refs, _Alignof(nthive_owner_ref));
    m->refs = 0;
    m->count = m->cap = 0;
}

int nthive_value_owner(const nthive_owner_map *m, uint32_t value_off, nthive_key *owner, uint32_t *how,
                       uint32_t *others)
{
    size_t lo = 0, hi = m->count, n = 0;
    *how = NTHIVE_OWNER_NONE;
    if (others)
        *others = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->refs[mid].value < value_off)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* A live list entry sorts last and is no owner of a deleted value. */
    if (lo == m->count || m->refs[lo].value != value_off || m->refs[lo].how == OWNER_LIVE_LIST ||
        !any_key(m->hive, m->refs[lo].key, owner))
        return NT_ERR_NOT_FOUND;
    *how = m->refs[lo].how;
    while (lo + n + 1 < m->count && m->refs[lo + n + 1].value == value_off &&
           m->refs[lo + n + 1].how != OWNER_LIVE_LIST)
        n++;
    if (others)
        *others = (uint32_t)n;
    return NT_OK;
}
