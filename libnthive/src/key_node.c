/* Key nodes ("nk" cells). */
#include "internal.h"

int hive_key_from_cell(nthive *h, uint32_t off, const uint8_t *field, const char *outside, nthive_key *key)
{
    const uint8_t *p;
    uint32_t size;
    int r = hive_cell_fast(h, off, field, outside, &p, &size);

    if (r)
        return r;
    if (size < NK_MIN)
        return hive_fail(h, NT_ERR_CORRUPT, off, "key node cell is too small for an nk record");
    if (nt_le16(p) != SIG('n', 'k'))
        return hive_fail(h, NT_ERR_CORRUPT, off, "key node has no \"nk\" signature");
    if (nt_le16(p + NK_NAME_LEN) > size - NK_MIN)
        return hive_fail(h, NT_ERR_CORRUPT, off, "key name runs past the end of its cell");
    key->hive = h;
    key->offset = off;
    key->size = size;
    key->nk = p;
    return NT_OK;
}

int nthive_key_at(nthive *h, uint32_t offset, nthive_key *key)
{
    return hive_key_from_cell(h, offset, 0, "key offset points outside the hive data", key);
}

int nthive_root(nthive *h, nthive_key *key)
{
    return hive_key_from_cell(h, nt_le32(h->file + 36), h->file + 36,
                              "root key offset points outside the hive data", key);
}

void nthive_key_name(const nthive_key *key, nthive_name *name)
{
    uint16_t flags = nt_le16(key->nk + NK_FLAGS);
    name->data = key->nk + NK_MIN;
    name->len = nt_le16(key->nk + NK_NAME_LEN);
    name->latin1 = (flags & NTHIVE_KEY_COMP_NAME) != 0;
}

uint16_t nthive_key_flags(const nthive_key *key)
{
    return nt_le16(key->nk + NK_FLAGS);
}

uint64_t nthive_key_last_written(const nthive_key *key)
{
    return nt_le64(key->nk + NK_LAST_WRITTEN);
}

uint32_t nthive_key_access_bits(const nthive_key *key)
{
    return nt_le32(key->nk + NK_ACCESS_BITS);
}

uint32_t nthive_key_parent_offset(const nthive_key *key)
{
    return nt_le32(key->nk + NK_PARENT);
}

uint32_t nthive_key_subkey_count(const nthive_key *key)
{
    return nt_le32(key->nk + NK_SUBKEY_COUNT);
}

uint32_t nthive_key_value_count(const nthive_key *key)
{
    return nt_le32(key->nk + NK_VALUE_COUNT);
}

int nthive_key_class(const nthive_key *key, nthive_name *class_name)
{
    uint32_t off = nt_le32(key->nk + NK_CLASS), size;
    uint16_t len = nt_le16(key->nk + NK_CLASS_LEN);
    const uint8_t *p;
    int r;

    if (off == NTHIVE_NO_CELL || len == 0)
        return NT_ERR_NOT_FOUND;
    r = hive_cell(key->hive, off, key->nk + NK_CLASS, "class name offset points outside the hive data", &p,
                  &size);
    if (r)
        return r;
    if (len > size)
        return hive_fail(key->hive, NT_ERR_CORRUPT, off, "class name is longer than its cell");
    class_name->data = p;
    class_name->len = len;
    class_name->latin1 = false;
    return NT_OK;
}
