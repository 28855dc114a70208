/* Subkey lists: leaves "li" (offsets), "lf" (offset + 4-character hint),
 * "lh" (offset + name hash), and the index root "ri" whose entries point to
 * leaves only. */
#include <limits.h>

#include "internal.h"

#define NK_SUBKEY_COUNT 20
#define NK_SUBKEY_LIST 28

int hive_is_leaf_sig(uint16_t s)
{
    return s == SIG('l', 'i') || s == SIG('l', 'f') || s == SIG('l', 'h');
}

static uint32_t entry_size(uint16_t sig)
{
    return (sig == SIG('l', 'i') || sig == SIG('r', 'i')) ? 4 : 8;
}

static const uint8_t *entry_field(const uint8_t *list, uint16_t sig, uint32_t i)
{
    return list + 4 + (size_t)i * entry_size(sig);
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
    int r = hive_cell(h, off, field, outside, &p, &size);

    if (r)
        return r;
    if (size < 4)
        return hive_fail(h, NT_ERR_CORRUPT, off, "subkey list cell is too small");
    s = nt_le16(p);
    if (!hive_is_leaf_sig(s) && s != SIG('r', 'i'))
        return hive_fail(h, NT_ERR_CORRUPT, off, "subkey list has no li/lf/lh/ri signature");
    n = nt_le16(p + 2);
    if ((uint64_t)n * entry_size(s) > size - 4)
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

/* Compares entry i of a leaf with the wanted name. */
static int cmp_entry(nthive *h, const uint8_t *list, uint16_t sig, uint32_t i, const char *name, size_t len,
                     nthive_key *k, int *cmp)
{
    nthive_name n;
    const uint8_t *f = entry_field(list, sig, i);
    int r = hive_key_from_cell(h, nt_le32(f), f, entry_outside(sig), k);
    if (r)
        return r;
    nthive_key_name(k, &n);
    *cmp = nthive_name_cmp_utf8(&n, name, len);
    return NT_OK;
}

/* Binary search in one sorted leaf. NT_ERR_NOT_FOUND also when an entry is
 * bad: the linear scan then decides. */
static int search_leaf(nthive *h, const uint8_t *list, uint16_t sig, uint32_t count, const char *name,
                       size_t len, nthive_key *child)
{
    uint32_t lo = 0, hi = count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c;
        if (cmp_entry(h, list, sig, mid, name, len, child, &c))
            return NT_ERR_NOT_FOUND;
        if (c == 0)
            return NT_OK;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NT_ERR_NOT_FOUND;
}

static int search_sorted(const nthive_subkey_iter *it, const char *name, size_t len, nthive_key *child)
{
    nthive *h = it->hive;
    if (it->kind != SIG('r', 'i'))
        return search_leaf(h, it->list, it->kind, it->count, name, len, child);
    /* ri: the first leaf whose last entry is not below the name. */
    for (uint32_t i = 0; i < it->count; i++) {
        const uint8_t *leaf;
        uint16_t sig;
        uint32_t n;
        int c;
        if (load_list(h, entry_field(it->list, it->kind, i), "ri entry points outside the hive data", &leaf,
                      &sig, &n) ||
            !hive_is_leaf_sig(sig) || n == 0)
            continue;
        if (cmp_entry(h, leaf, sig, n - 1, name, len, child, &c))
            return NT_ERR_NOT_FOUND;
        if (c >= 0)
            return search_leaf(h, leaf, sig, n, name, len, child);
    }
    return NT_ERR_NOT_FOUND;
}

int nthive_key_subkey(const nthive_key *key, const char *name, size_t len, nthive_key *child)
{
    nthive_subkey_iter it;
    unit_src s;
    uint16_t u;
    nthive_key k;
    int r;

    unit_src_utf8(&s, name, len);
    while ((r = unit_next(&s, &u)) > 0)
        ;
    if (r < 0)
        return NT_ERR_INVALID;
    r = nthive_subkeys(key, &it);
    if (r)
        return r;
    if (!it.list)
        return NT_ERR_NOT_FOUND;
    if (search_sorted(&it, name, len, child) == NT_OK)
        return NT_OK;
    /* Lists written by other tools need not be sorted: verify by a full
     * scan before saying "not found". */
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
