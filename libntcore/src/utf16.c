/* UTF-16LE <-> UTF-8 conversion and case-insensitive comparison. */
#include "ntcore/utf16.h"

#include "ntcore/endian.h"
#include "ntcore/status.h"

/* Reads the code point starting at unit i, advancing *i past it. Unpaired
 * surrogates decode as U+FFFD and set *bad. */
static uint32_t next_code_point(const uint8_t *s, size_t units, size_t *i, int *bad)
{
    uint32_t c = nt_le16(s + 2 * *i);
    *i += 1;
    *bad = 0;
    if (c >= 0xD800 && c <= 0xDBFF) {
        if (*i < units) {
            uint32_t lo = nt_le16(s + 2 * *i);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                *i += 1;
                return 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
            }
        }
        *bad = 1;
        return 0xFFFD;
    }
    if (c >= 0xDC00 && c <= 0xDFFF) {
        *bad = 1;
        return 0xFFFD;
    }
    return c;
}

static size_t utf8_width(uint32_t c)
{
    return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

static void put_utf8(char *d, uint32_t c, size_t w)
{
    uint8_t *o = (uint8_t *)d;
    switch (w) {
    case 1: o[0] = (uint8_t)c; break;
    case 2:
        o[0] = (uint8_t)(0xC0 | (c >> 6));
        o[1] = (uint8_t)(0x80 | (c & 0x3F));
        break;
    case 3:
        o[0] = (uint8_t)(0xE0 | (c >> 12));
        o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (c & 0x3F));
        break;
    default:
        o[0] = (uint8_t)(0xF0 | (c >> 18));
        o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
        o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        o[3] = (uint8_t)(0x80 | (c & 0x3F));
        break;
    }
}

int nt_utf16le_to_utf8(const void *src, size_t units, char *dst, size_t cap,
                       size_t *out_len, size_t *replaced)
{
    const uint8_t *s = (const uint8_t *)src;
    size_t i = 0, len = 0, written = 0, nbad = 0;
    int fits = 1, bad;

    while (i < units) {
        uint32_t c;
        size_t w;
        /* ASCII fast path: the common case in both formats. */
        if (s[2 * i + 1] == 0 && s[2 * i] < 0x80) {
            if (fits && written < cap)
                dst[written++] = (char)s[2 * i];
            else
                fits = 0;
            len++;
            i++;
            continue;
        }
        c = next_code_point(s, units, &i, &bad);
        nbad += (size_t)bad;
        w = utf8_width(c);
        if (fits && cap - written >= w) {
            put_utf8(dst + written, c, w);
            written += w;
        } else {
            fits = 0;
        }
        len += w;
    }
    if (written < cap)
        dst[written] = '\0';
    if (out_len)
        *out_len = len;
    if (replaced)
        *replaced = nbad;
    return fits ? NT_OK : NT_ERR_RANGE;
}

size_t nt_utf16le_utf8_len(const void *src, size_t units)
{
    const uint8_t *s = (const uint8_t *)src;
    size_t i = 0, len = 0;
    int bad;

    while (i < units)
        len += utf8_width(next_code_point(s, units, &i, &bad));
    return len;
}

int nt_latin1_to_utf8(const void *src, size_t n, char *dst, size_t cap, size_t *out_len)
{
    const uint8_t *s = (const uint8_t *)src;
    size_t i, len = 0, written = 0;
    int fits = 1;

    for (i = 0; i < n; i++) {
        size_t w = s[i] < 0x80 ? 1 : 2;
        if (fits && cap - written >= w) {
            put_utf8(dst + written, s[i], w);
            written += w;
        } else {
            fits = 0;
        }
        len += w;
    }
    if (written < cap)
        dst[written] = '\0';
    if (out_len)
        *out_len = len;
    return fits ? NT_OK : NT_ERR_RANGE;
}

/* Decodes one UTF-8 sequence; returns the code point or UINT32_MAX when the
 * sequence is malformed. */
static uint32_t next_utf8(const uint8_t *s, size_t len, size_t *i)
{
    uint32_t c = s[*i], min;
    size_t n, k;

    if (c < 0x80) {
        *i += 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        c &= 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        c &= 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        c &= 0x07;
        min = 0x10000;
    } else {
        return UINT32_MAX;
    }
    if (len - *i <= n)
        return UINT32_MAX;
    for (k = 1; k <= n; k++) {
        uint8_t b = s[*i + k];
        if ((b & 0xC0) != 0x80)
            return UINT32_MAX;
        c = (c << 6) | (b & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return UINT32_MAX;
    *i += n + 1;
    return c;
}

int nt_utf8_to_utf16le(const char *src, size_t len, void *dst, size_t cap_units, size_t *out_units)
{
    const uint8_t *s = (const uint8_t *)src;
    uint8_t *d = (uint8_t *)dst;
    size_t i = 0, units = 0;
    int fits = 1;

    while (i < len) {
        uint32_t c = next_utf8(s, len, &i);
        if (c == UINT32_MAX) {
            if (out_units)
                *out_units = units;
            return NT_ERR_INVALID;
        }
        if (c >= 0x10000) {
            if (fits && cap_units - units >= 2) {
                nt_put_le16(d + 2 * units, (uint16_t)(0xD800 + ((c - 0x10000) >> 10)));
                nt_put_le16(d + 2 * units + 2, (uint16_t)(0xDC00 + ((c - 0x10000) & 0x3FF)));
            } else {
                fits = 0;
            }
            units += 2;
        } else {
            if (fits && units < cap_units)
                nt_put_le16(d + 2 * units, (uint16_t)c);
            else
                fits = 0;
            units += 1;
        }
    }
    if (out_units)
        *out_units = units;
    return fits ? NT_OK : NT_ERR_RANGE;
}

int nt_utf16le_casecmp(const void *a, size_t a_units, const void *b, size_t b_units,
                       const uint16_t *table, size_t table_len)
{
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    size_t n = a_units < b_units ? a_units : b_units, i;

    for (i = 0; i < n; i++) {
        uint16_t cx = nt_upcase_unit(nt_le16(x + 2 * i), table, table_len);
        uint16_t cy = nt_upcase_unit(nt_le16(y + 2 * i), table, table_len);
        if (cx != cy)
            return cx < cy ? -1 : 1;
    }
    return a_units < b_units ? -1 : a_units > b_units ? 1 : 0;
}

int nt_latin1_utf16le_casecmp(const void *a, size_t a_len, const void *b, size_t b_units,
                              const uint16_t *table, size_t table_len)
{
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    size_t n = a_len < b_units ? a_len : b_units, i;

    for (i = 0; i < n; i++) {
        uint16_t cx = nt_upcase_unit(x[i], table, table_len);
        uint16_t cy = nt_upcase_unit(nt_le16(y + 2 * i), table, table_len);
        if (cx != cy)
            return cx < cy ? -1 : 1;
    }
    return a_len < b_units ? -1 : a_len > b_units ? 1 : 0;
}
