/* Decoders for value data by type. Data from real hives breaks the rules
 * often: strings without terminator, with odd length or with garbage after
 * the NUL; MULTI_SZ lists without the final empty string. */
#include "internal.h"
#include "ntcore/utf16.h"

size_t nthive_string_units(const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    size_t units = len / 2, i;
    for (i = 0; i < units; i++)
        if (p[2 * i] == 0 && p[2 * i + 1] == 0)
            break;
    return i;
}

int nthive_string_to_utf8(const void *data, size_t len, char *buf, size_t cap, size_t *out)
{
    return nt_utf16le_to_utf8(data, nthive_string_units(data, len), buf, cap, out, 0);
}

void nthive_multi_sz_init(nthive_multi_sz *it, const void *data, size_t len)
{
    it->data = (const uint8_t *)data;
    it->units = len / 2;
    it->pos = 0;
}

static bool unit_is_nul(const nthive_multi_sz *it, size_t i)
{
    return it->data[2 * i] == 0 && it->data[2 * i + 1] == 0;
}

int nthive_multi_sz_next(nthive_multi_sz *it, const uint8_t **str, size_t *units)
{
    size_t i, start = it->pos;

    /* The list ends where only terminators remain. */
    for (i = start; i < it->units && unit_is_nul(it, i); i++)
        ;
    if (i >= it->units) {
        it->pos = it->units;
        return NT_END;
    }
    for (i = start; i < it->units && !unit_is_nul(it, i); i++)
        ;
    *str = it->data + 2 * start;
    *units = i - start;
    it->pos = i < it->units ? i + 1 : i;
    return NT_OK;
}

int nthive_decode_dword(const void *data, size_t len, uint32_t *out)
{
    if (len != 4)
        return NT_ERR_CORRUPT;
    *out = nt_le32(data);
    return NT_OK;
}

int nthive_decode_dword_be(const void *data, size_t len, uint32_t *out)
{
    if (len != 4)
        return NT_ERR_CORRUPT;
    *out = nt_be32(data);
    return NT_OK;
}

int nthive_decode_qword(const void *data, size_t len, uint64_t *out)
{
    if (len != 8)
        return NT_ERR_CORRUPT;
    *out = nt_le64(data);
    return NT_OK;
}
