/* Subkey lists: leaves "li" (offsets), "lf" (offset + 4-character hint),
 * "lh" (offset + name hash), and the index root "ri" whose entries point to
 * leaves only. */
#include <limits.h>

#include "internal.h"

int hive_is_leaf_sig(uint16_t s)
{
    return s == SIG('l', 'i') || s == SIG('l', 'f') || s == SIG('l', 'h');
}

uint32_t hive_list_entry_size(uint16_t sig)
{
    return (sig == SIG('l', 'i') || sig == SIG('r', 'i')) ? 4 : 8;
}

static const uint8_t *entry_field(const uint8_t *list, uint16_t sig, uint32_t i)
{
    return list + 4 + (size_t)i * hive_list_entry_size(sig);
}

static const char *entry_outside(uint16_t sig)
{
    switch (sig) {
    case SIG('l', 'i'):
        return "li entry points outside the hive data";
    case SIG('l', 'f'):
        return "lf entry points outside the hive data";
    case SIG('l', 'h'):
        return "lh entry points outside the hive data";
    default:
        return "ri entry points outside the hive data";
    }
}

/* Loads a list cell and checks that its entries fit. */
static int load_list(nthive *h, const uint8_t *field, const char *outside, const uint8_t **list,
                     uint16_t *sig, uint32_t *count)
{
    const uint8_t *p;
    uint32_t size, n;
    uint16_t s;
    uint32_t off = nt_le32(field);
    int r = hive_cell_fast(h, off, field, outside, &p, &size);

    if (r)
        return r;
    if (size < 4)
        return hive_fail(h, NT_ERR_CORRUPT, off, "subkey list cell is too small");
    s = nt_le16(p);
    if (!hive_is_leaf_sig(s) && s != SIG('r', 'i'))
        return hive_fail(h, NT_ERR_CORRUPT, off, "subkey list has no li/lf/lh/ri signature");
    n = nt_le16(p + 2);
    if ((uint64_t)n * hive_list_entry_size(s) > size - 4)
        return hive_fail(h, NT_ERR_CORRUPT, off, "subkey list entries run past the end of its cell");
    *list = p;
    *sig = s;
    *count = n;
    return NT_OK;
}

int nthive_subkeys(const nthive_key *key, nthive_subkey_iter *it)
{
    nthive *h = key->hive;
    uint32_t off = nt_le32(key->nk + NK_SUBKEY_LIST);
    int r;

    nt_memset(it, 0, sizeof *it);
    it->hive = h;
    if (nt_le32(key->nk + NK_SUBKEY_COUNT) == 0)
        return NT_OK;
    r = load_list(h, key->nk + NK_SUBKEY_LIST, "subkey list offset points outside the hive data", &it->list,
                  &it->kind, &it->count);
    if (r) {
        it->list = 0;
        return r;
    }
    it->list_offset = off;
    return NT_OK;
}

int nthive_subkey_next(nthive_subkey_iter *it, nthive_key *child)
{
    nthive *h = it->hive;
    uint32_t off, n;
    uint16_t sig;
    const uint8_t *p, *f;
    int r;

    /* Each pass consumes an entry of the leaf or of the ri: bounded. */
    while (it->list) {
        if (it->kind != SIG('r', 'i')) {
            if (it->index >= it->count)
                break;
            f = entry_field(it->list, it->kind, it->index++);
            return hive_key_from_cell(h, nt_le32(f), f, entry_outside(it->kind), child);
        }
        if (it->leaf && it->leaf_index < it->leaf_count) {
            f = entry_field(it->leaf, it->leaf_kind, it->leaf_index++);
            return hive_key_from_cell(h, nt_le32(f), f, entry_outside(it->leaf_kind), child);
        }
        if (it->index >= it->count)
            break;
        f = entry_field(it->list, it->kind, it->index++);
        off = nt_le32(f);
        it->leaf = 0;
        r = load_list(h, f, entry_outside(it->kind), &p, &sig, &n);
        if (r)
            return r;
        if (sig == SIG('r', 'i'))
            return hive_fail(h, NT_ERR_CORRUPT, off, "ri entry points to another ri, not a leaf");
        it->leaf = p;
        it->leaf_offset = off;
        it->leaf_kind = sig;
        it->leaf_count = n;
        it->leaf_index = 0;
    }
    it->list = 0;
    return NT_END;
}

/* ---- lookup by name ----------------------------------------------------
 * Fast path: binary search over the sorted list (through an ri's leaves),
 * comparing upcased units with a query converted once; small lh/lf leaves
 * are scanned instead, rejecting entries by their hash or name hint without
 * touching the nk. The fast path only ever returns a key whose name it has
 * compared in full; when it misses (unsorted list, wrong hash or hint, bad
 * cells) a linear scan with full name compares decides, so damaged lists
 * and wrong hints cannot hide a key. */

/* Leaves up to this size are scanned by hash or hint: cheaper than a
 * binary search's nk visits. */
#define SCAN_MAX 128u

static int leaf_key(nthive *h, const uint8_t *list, uint16_t sig, uint32_t i, nthive_key *k)
{
    const uint8_t *f = entry_field(list, sig, i);
    return hive_key_from_cell(h, nt_le32(f), f, entry_outside(sig), k);
}

static int key_cmp(const nthive_key *k, const hive_query *q)
{
    nthive_name n;
    nthive_key_name(k, &n);
    return hive_name_cmp_query(&n, q);
}

static bool key_eq(const nthive_key *k, const hive_query *q)
{
    nthive_name n;
    nthive_key_name(k, &n);
    return hive_name_eq_query(&n, q);
}

/* Whether an lf hint (the name's first four characters, zero-padded) may
 * belong to the query. Only ASCII against ASCII rejects: the hint byte of
 * a non-ASCII character is not the character, and no non-ASCII character
 * upcases to ASCII. */
static bool hint_may_match(const uint8_t *hint, const hive_query *q)
{
    for (uint32_t j = 0; j < 4 && j < q->n; j++) {
        uint8_t b = hint[j];
        if (b != 0 && b < 0x80 && q->u[j] < 0x80 && hive_upcase(b) != q->u[j])
            return false;
    }
    return true;
}

static int leaf_find(nthive *h, const uint8_t *list, uint16_t sig, uint32_t count, const hive_query *q,
                     nthive_key *child)
{
    uint32_t lo = 0, hi = count;

    if (count <= SCAN_MAX && sig != SIG('l', 'i')) {
        for (uint32_t i = 0; i < count; i++) {
            const uint8_t *e = entry_field(list, sig, i);
            if (sig == SIG('l', 'h') ? nt_le32(e + 4) != q->hash : !hint_may_match(e + 4, q))
                continue;
            if (leaf_key(h, list, sig, i, child) == NT_OK && key_eq(child, q))
                return NT_OK;
        }
        return NT_ERR_NOT_FOUND;
    }
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c;
        if (leaf_key(h, list, sig, mid, child))
            return NT_ERR_NOT_FOUND;
        c = key_cmp(child, q);
        if (c == 0)
            return NT_OK;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NT_ERR_NOT_FOUND;
}

/* Loads leaf i of an ri (a leaf with at least one entry). */
static int ri_leaf(nthive *h, const uint8_t *ri, uint32_t i, const uint8_t **leaf, uint16_t *sig, uint32_t *n)
{
    if (load_list(h, entry_field(ri, SIG('r', 'i'), i), "ri entry points outside the hive data", leaf, sig,
                  n))
        return NT_ERR_CORRUPT;
    return hive_is_leaf_sig(*sig) && *n > 0 ? NT_OK : NT_ERR_CORRUPT;
}

static int search_sorted(const nthive_subkey_iter *it, const hive_query *q, nthive_key *child)
{
    nthive *h = it->hive;
    const uint8_t *leaf;
    uint16_t sig;
    uint32_t n, lo = 0, hi = it->count;

    if (it->kind != SIG('r', 'i'))
        return leaf_find(h, it->list, it->kind, it->count, q, child);
    /* The first leaf whose last entry is not below the name. */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ri_leaf(h, it->list, mid, &leaf, &sig, &n) || leaf_key(h, leaf, sig, n - 1, child))
            return NT_ERR_NOT_FOUND;
        if (key_cmp(child, q) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == it->count || ri_leaf(h, it->list, lo, &leaf, &sig, &n))
        return NT_ERR_NOT_FOUND;
    return leaf_find(h, leaf, sig, n, q, child);
}

int hive_subkey_query(const nthive_key *key, const hive_query *q, nthive_key *child)
{
    nthive_subkey_iter it;
    nthive_key k;
    int r = nthive_subkeys(key, &it);

    if (r)
        return r;
    if (!it.list)
        return NT_ERR_NOT_FOUND;
    if (search_sorted(&it, q, child) == NT_OK)
        return NT_OK;
    /* Unsorted lists, wrong hints, bad entries: a full scan decides. */
    while ((r = nthive_subkey_next(&it, &k)) != NT_END) {
        if (r == NT_OK && key_eq(&k, q)) {
            *child = k;
            return NT_OK;
        }
    }
    return NT_ERR_NOT_FOUND;
}

int nthive_key_subkey(const nthive_key *key, const char *name, size_t len, nthive_key *child)
{
    hive_query q;
    nthive_subkey_iter it;
    nthive_key k;
    int r = hive_query_init(&q, name, len);

    if (r < 0)
        return NT_ERR_INVALID;
    if (r > 0)
        return hive_subkey_query(key, &q, child);
    /* Longer than any name Windows writes: compare the UTF-8 directly. */
    r = nthive_subkeys(key, &it);
    if (r)
        return r;
    while ((r = nthive_subkey_next(&it, &k)) != NT_END) {
        nthive_name n;
        if (r)
            continue;
        nthive_key_name(&k, &n);
        if (nthive_name_cmp_utf8(&n, name, len) == 0) {
            *child = k;
            return NT_OK;
        }
    }
    return NT_ERR_NOT_FOUND;
}
