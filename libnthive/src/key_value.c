/* Key values ("vk" cells) and the value list (an array of vk offsets). */
#include "internal.h"

int nthive_values(const nthive_key *key, nthive_value_iter *it)
{
    nthive *h = key->hive;
    uint32_t count = nt_le32(key->nk + NK_VALUE_COUNT);
    uint32_t off = nt_le32(key->nk + NK_VALUE_LIST), size;
    const uint8_t *p;
    int r;

    nt_memset(it, 0, sizeof *it);
    it->hive = h;
    if (count == 0)
        return NT_OK;
    r = hive_cell_fast(h, off, key->nk + NK_VALUE_LIST, "value list offset points outside the hive data", &p,
                       &size);
    if (r)
        return r;
    if (count > size / 4)
        return hive_fail(h, NT_ERR_CORRUPT, off, "value list cell is shorter than the key's value count");
    it->list = p;
    it->list_offset = off;
    it->count = count;
    return NT_OK;
}

static int value_from_cell(nthive *h, const uint8_t *field, nthive_value *v)
{
    const uint8_t *p;
    uint32_t size, off = nt_le32(field);
    int r = hive_cell_fast(h, off, field, "value list entry points outside the hive data", &p, &size);

    if (r)
        return r;
    if (size < VK_MIN || nt_le16(p) != SIG('v', 'k'))
        return hive_fail(h, NT_ERR_CORRUPT, off, "value cell has no \"vk\" record");
    if (nt_le16(p + VK_NAME_LEN) > size - VK_MIN)
        return hive_fail(h, NT_ERR_CORRUPT, off, "value name runs past the end of its cell");
    v->hive = h;
    v->offset = off;
    v->size = size;
    v->vk = p;
    return NT_OK;
}

int nthive_value_next(nthive_value_iter *it, nthive_value *value)
{
    if (!it->list || it->index >= it->count) {
        it->list = 0;
        return NT_END;
    }
    return value_from_cell(it->hive, it->list + 4 * (size_t)it->index++, value);
}

int nthive_key_value(const nthive_key *key, const char *name, size_t len, nthive_value *value)
{
    nthive_value_iter it;
    nthive_value v;
    hive_query q;
    int r, prepared = hive_query_init(&q, name, len);

    if (prepared < 0)
        return NT_ERR_INVALID;
    r = nthive_values(key, &it);
    if (r)
        return r;
    /* Value lists are not sorted: a linear scan, skipping bad cells. */
    while ((r = nthive_value_next(&it, &v)) != NT_END) {
        nthive_name n;
        if (r)
            continue;
        nthive_value_name(&v, &n);
        if (prepared ? hive_name_eq_query(&n, &q) : nthive_name_cmp_utf8(&n, name, len) == 0) {
            *value = v;
            return NT_OK;
        }
    }
    return NT_ERR_NOT_FOUND;
}

void nthive_value_name(const nthive_value *value, nthive_name *name)
{
    name->data = value->vk + VK_MIN;
    name->len = nt_le16(value->vk + VK_NAME_LEN);
    name->latin1 = (nt_le16(value->vk + VK_FLAGS) & NTHIVE_VALUE_COMP_NAME) != 0;
}

uint32_t nthive_value_type(const nthive_value *value)
{
    return nt_le32(value->vk + VK_TYPE);
}

uint16_t nthive_value_flags(const nthive_value *value)
{
    return nt_le16(value->vk + VK_FLAGS);
}
