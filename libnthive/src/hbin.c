/* Hive bins: "hbin" headers that cut the hive data into 4096-byte multiples.
 * Every cell lies inside one bin; a bin is found by walking back from a
 * cell in 4096-byte steps to the nearest header that claims it. */
#include "internal.h"

#define HBIN_OFFSET 4
#define HBIN_SIZE 8

/* Whether a well-formed bin header that fits in the data starts at `pos`;
 * its size goes to *size. */
static bool bin_header_ok(const nthive *h, uint32_t pos, uint32_t *size)
{
    const uint8_t *p;
    uint32_t sz;

    if (pos % 4096 != 0 || (uint64_t)pos + HBIN_HEADER > h->bins_size)
        return false;
    p = h->bins + pos;
    if (nt_memcmp(p, "hbin", 4) != 0 || nt_le32(p + HBIN_OFFSET) != pos)
        return false;
    sz = nt_le32(p + HBIN_SIZE);
    if (sz < 4096 || sz % 4096 != 0 || (uint64_t)pos + sz > h->bins_size)
        return false;
    *size = sz;
    return true;
}

void hive_scan_bins(nthive *h, uint32_t avail)
{
    uint32_t pos = 0, size, declared = h->bins_size;

    h->first_bad_bin = NTHIVE_NO_CELL;
    /* One step per bin or per 4096 bytes: bounded by the data size. */
    while ((uint64_t)pos + HBIN_HEADER <= h->bins_size) {
        if (bin_header_ok(h, pos, &size)) {
            if (size > h->max_bin)
                h->max_bin = size;
            pos += size;
        } else {
            if (h->bad_bins++ == 0)
                h->first_bad_bin = pos;
            pos += 4096;
        }
    }
    /* A header that undercounts (yarp's EffectiveSizeHive): well-formed
     * bins that continue the chain right after the declared end belong to
     * the hive. Remnants of older bins further on are only ever read if a
     * cell refers to them. */
    if (pos == declared && declared < avail) {
        h->bins_size = avail;
        while ((uint64_t)pos + HBIN_HEADER <= avail && bin_header_ok(h, pos, &size)) {
            if (size > h->max_bin)
                h->max_bin = size;
            pos += size;
        }
        h->bins_size = pos;
    }
    if (h->max_bin == 0)
        h->max_bin = 4096;
}

size_t nthive_bin_index_size(const nthive *h)
{
    return ((size_t)h->bins_size + 4095) / 4096 * 8;
}

int nthive_set_bin_index(nthive *h, void *buf, size_t size)
{
    uint32_t *idx = (uint32_t *)buf, pages, pos = 0, sz, p;

    if (!h || !buf || (uintptr_t)buf % 4 != 0 || size < nthive_bin_index_size(h))
        return NT_ERR_INVALID;
    pages = (uint32_t)(nthive_bin_index_size(h) / 8);
    for (p = 0; p < pages; p++)
        idx[2 * p] = NTHIVE_NO_CELL, idx[2 * p + 1] = 0;
    /* The same chain as the open-time scan: a well-formed bin covers its
     * pages; a page without one stays NTHIVE_NO_CELL. One step per bin or
     * page: bounded by the data size. */
    while ((uint64_t)pos + HBIN_HEADER <= h->bins_size) {
        if (bin_header_ok(h, pos, &sz)) {
            for (p = pos / 4096; p < (pos + sz) / 4096 && p < pages; p++)
                idx[2 * p] = pos, idx[2 * p + 1] = sz;
            pos += sz;
        } else {
            pos += 4096;
        }
    }
    h->bin_index = idx;
    h->bin_index_pages = pages;
    return NT_OK;
}

int hive_find_bin(nthive *h, uint32_t off, uint32_t *start, uint32_t *size)
{
    uint32_t pos = off & ~4095u, steps = h->max_bin / 4096, sz, slot;

    if (h->bin_index) {
        uint32_t page = off / 4096;
        if (page < h->bin_index_pages && h->bin_index[2 * page] != NTHIVE_NO_CELL) {
            *start = h->bin_index[2 * page];
            *size = h->bin_index[2 * page + 1];
            return NT_OK;
        }
        return hive_fail(h, NT_ERR_CORRUPT, off, "cell is not inside a valid hive bin");
    }
    for (slot = 0; slot < NTHIVE_BIN_CACHE; slot++) {
        if (h->bin_size[slot] && off >= h->bin_start[slot] && off - h->bin_start[slot] < h->bin_size[slot]) {
            *start = h->bin_start[slot];
            *size = h->bin_size[slot];
            return NT_OK;
        }
    }
    for (uint32_t i = 0; i < steps; i++) {
        if (bin_header_ok(h, pos, &sz) && off - pos < sz) {
            slot = h->bin_next++ % NTHIVE_BIN_CACHE;
            h->bin_start[slot] = *start = pos;
            h->bin_size[slot] = *size = sz;
            return NT_OK;
        }
        if (pos == 0)
            break;
        pos -= 4096;
    }
    return hive_fail(h, NT_ERR_CORRUPT, off, "cell is not inside a valid hive bin");
}
