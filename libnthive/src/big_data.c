/* Value data: inline in the vk (up to 4 bytes), in one data cell, or - from
 * version 1.4 on, above 16344 bytes - as big data: a "db" record pointing to
 * a list of segment cells holding 16344 bytes each (the last one the rest).
 * Version 1.3 has no big data: there, data starting with "db" is just
 * data. */
#include "internal.h"

#define INLINE_BIT 0x80000000u

uint32_t nthive_value_data_size(const nthive_value *value)
{
    return nt_le32(value->vk + VK_DATA_SIZE) & ~INLINE_BIT;
}

/* Where the data is: *single for one piece, or *db for a db record. */
static int locate(const nthive_value *v, const uint8_t **single, uint32_t *len, const uint8_t **db,
                  uint32_t *db_off)
{
    nthive *h = v->hive;
    uint32_t raw = nt_le32(v->vk + VK_DATA_SIZE), size = raw & ~INLINE_BIT;
    uint32_t off = nt_le32(v->vk + VK_DATA_OFFSET), cell_size;
    const uint8_t *p;
    int r;

    *single = 0;
    *db = 0;
    *len = size;
    if (raw & INLINE_BIT) {
        if (size > 4)
            return hive_fail(h, NT_ERR_CORRUPT, v->offset, "inline value data is longer than 4 bytes");
        *single = v->vk + VK_DATA_OFFSET;
        return NT_OK;
    }
    if (size == 0) {
        *single = v->vk + VK_DATA_OFFSET;
        return NT_OK;
    }
    if (off == NTHIVE_NO_CELL && (nt_le16(v->vk + VK_FLAGS) & NTHIVE_VALUE_TOMBSTONE)) {
        *single = v->vk + VK_DATA_OFFSET; /* a v1.6 tombstone has no data */
        *len = 0;
        return NT_OK;
    }
    r = hive_cell_fast(h, off, v->vk + VK_DATA_OFFSET, "value data offset points outside the hive data", &p,
                       &cell_size);
    if (r)
        return r;
    /* Real hives also keep large data in one cell; trust "db" only where
     * the format allows it and the cell could not hold the data itself. */
    if (h->minor >= 4 && size > NTHIVE_DB_SEGMENT && cell_size >= 8 && nt_le16(p) == SIG('d', 'b') &&
        cell_size < size) {
        *db = p;
        *db_off = off;
        return NT_OK;
    }
    if (size > cell_size)
        return hive_fail(h, NT_ERR_CORRUPT, off, "value data is larger than its cell");
    *single = p;
    return NT_OK;
}

bool nthive_value_is_big(const nthive_value *value)
{
    const uint8_t *single, *db;
    uint32_t off, len;
    return locate(value, &single, &len, &db, &off) == NT_OK && db != 0;
}

int nthive_value_data(const nthive_value *value, const uint8_t **data, size_t *len)
{
    const uint8_t *single, *db;
    uint32_t off, n;
    int r = locate(value, &single, &n, &db, &off);

    if (r)
        return r;
    if (db)
        return NT_ERR_UNSUPPORTED;
    *data = single;
    *len = n;
    return NT_OK;
}

int nthive_value_segments(const nthive_value *value, nthive_data_iter *it)
{
    nthive *h = value->hive;
    const uint8_t *single, *db, *list;
    uint32_t off = 0, size, count, list_off, list_size;
    int r;

    nt_memset(it, 0, sizeof *it);
    it->hive = h;
    r = locate(value, &single, &size, &db, &off);
    if (r)
        return r;
    if (!db) {
        it->single = single;
        it->remaining = size;
        return NT_OK;
    }
    count = nt_le16(db + DB_COUNT);
    list_off = nt_le32(db + DB_LIST);
    if (count == 0 || (uint64_t)count * NTHIVE_DB_SEGMENT < size)
        return hive_fail(h, NT_ERR_CORRUPT, off, "big data segment count cannot hold the value size");
    r = hive_cell(h, list_off, db + DB_LIST, "big data segment list points outside the hive data", &list,
                  &list_size);
    if (r)
        return r;
    if (count > list_size / 4)
        return hive_fail(h, NT_ERR_CORRUPT, list_off,
                         "big data segment list is shorter than its segment count");
    it->segments = list;
    it->segments_offset = list_off;
    it->count = count;
    it->remaining = size;
    return NT_OK;
}

int nthive_data_next(nthive_data_iter *it, const uint8_t **piece, size_t *len)
{
    const uint8_t *p, *field;
    uint32_t off, size, want;
    int r;

    if (it->single) {
        *piece = it->single;
        *len = it->remaining;
        it->single = 0;
        it->remaining = 0;
        return NT_OK;
    }
    if (!it->segments || it->remaining == 0 || it->index >= it->count) {
        it->segments = 0;
        return NT_END;
    }
    field = it->segments + 4 * (size_t)it->index++;
    off = nt_le32(field);
    want = it->remaining < NTHIVE_DB_SEGMENT ? it->remaining : NTHIVE_DB_SEGMENT;
    r = hive_cell_fast(it->hive, off, field, "big data segment points outside the hive data", &p, &size);
    if (r == NT_OK && size < want)
        r = hive_fail(it->hive, NT_ERR_CORRUPT, off, "big data segment cell is too small");
    if (r) {
        it->segments = 0;
        return r;
    }
    it->remaining -= want;
    *piece = p;
    *len = want;
    return NT_OK;
}

int nthive_value_read(const nthive_value *value, void *buf, size_t cap, size_t *len)
{
    nthive_data_iter it;
    const uint8_t *piece;
    size_t n, done = 0;
    int r = nthive_value_segments(value, &it);

    if (r)
        return r;
    if (len)
        *len = it.remaining;
    if (cap < it.remaining)
        return NT_ERR_RANGE;
    while ((r = nthive_data_next(&it, &piece, &n)) == NT_OK) {
        nt_memcpy((uint8_t *)buf + done, piece, n);
        done += n;
    }
    return r == NT_END ? NT_OK : r;
}
