/* Windows' upcase mapping of UTF-16 code units, and the name comparisons
 * built on it. Windows compares registry names by upcasing each UTF-16 code
 * unit (never whole code points) and comparing the numbers; subkey lists
 * are sorted that way. The mapping here is a compact set of ranges instead
 * of a 128 KiB table: the simple Unicode uppercase mappings of the BMP
 * scripts that occur in names. */
#include <limits.h>

#include "internal.h"

/* Ranges where lowercase letters sit at a fixed distance from their
 * capitals. */
static const struct {
    uint16_t first, last;
    int16_t delta;
} shifted[] = {
    {0x0061, 0x007A, -32},                          /* ASCII */
    {0x00E0, 0x00F6, -32},                          /* Latin-1 */
    {0x00F8, 0x00FE, -32},  {0x0256, 0x0257, -205}, /* IPA letters with capitals */
    {0x028A, 0x028B, -217}, {0x037B, 0x037D, 130},  /* Greek */
    {0x03AD, 0x03AF, -37},  {0x03B1, 0x03C1, -32},  {0x03C3, 0x03CB, -32},
    {0x03CD, 0x03CE, -63},  {0x0430, 0x044F, -32}, /* Cyrillic */
    {0x0450, 0x045F, -80},  {0x0561, 0x0586, -48}, /* Armenian */
    {0x1F00, 0x1F07, 8},                           /* Greek Extended: the plain letter rows */
    {0x1F10, 0x1F15, 8},    {0x1F20, 0x1F27, 8},    {0x1F30, 0x1F37, 8},
    {0x1F40, 0x1F45, 8},    {0x1F60, 0x1F67, 8},    {0x2170, 0x217F, -16}, /* Roman numerals */
    {0x24D0, 0x24E9, -26},                                                 /* circled letters */
    {0x2C30, 0x2C5E, -48},                                                 /* Glagolitic */
    {0xFF41, 0xFF5A, -32},                                                 /* fullwidth Latin */
};

/* Ranges of alternating capital/small pairs; `odd` says whether the small
 * letter is the odd code point. */
static const struct {
    uint16_t first, last;
    uint8_t odd;
} paired[] = {
    {0x0100, 0x012F, 1}, {0x0132, 0x0137, 1}, {0x0139, 0x0148, 0}, {0x014A, 0x0177, 1}, {0x0179, 0x017E, 0},
    {0x0182, 0x0185, 1}, {0x01A0, 0x01A5, 1}, {0x01B3, 0x01B6, 0}, {0x01CD, 0x01DC, 0}, {0x01DE, 0x01EF, 1},
    {0x01F8, 0x021F, 1}, {0x0222, 0x0233, 1}, {0x0246, 0x024F, 1}, {0x0370, 0x0373, 1}, {0x03D8, 0x03EF, 1},
    {0x0460, 0x0481, 1}, {0x048A, 0x04BF, 1}, {0x04C1, 0x04CE, 0}, {0x04D0, 0x052F, 1}, {0x1E00, 0x1E95, 1},
    {0x1EA0, 0x1EFF, 1}, {0x2C80, 0x2CE3, 1}, {0xA640, 0xA66D, 1}, {0xA680, 0xA69B, 1}, {0xA722, 0xA72F, 1},
    {0xA732, 0xA76F, 1},
};

/* Single letters whose capitals sit elsewhere. */
static const struct {
    uint16_t small, capital;
} single[] = {
    {0x00B5, 0x039C}, {0x00FF, 0x0178}, {0x0180, 0x0243}, {0x0188, 0x0187}, {0x018C, 0x018B},
    {0x0192, 0x0191}, {0x0195, 0x01F6}, {0x0199, 0x0198}, {0x019A, 0x023D}, {0x019E, 0x0220},
    {0x01A8, 0x01A7}, {0x01AD, 0x01AC}, {0x01B0, 0x01AF}, {0x01B9, 0x01B8}, {0x01BD, 0x01BC},
    {0x01BF, 0x01F7}, {0x01C6, 0x01C4}, {0x01C9, 0x01C7}, {0x01CC, 0x01CA}, {0x01DD, 0x018E},
    {0x01F3, 0x01F1}, {0x01F5, 0x01F4}, {0x023C, 0x023B}, {0x0242, 0x0241}, {0x0253, 0x0181},
    {0x0254, 0x0186}, {0x0259, 0x018F}, {0x025B, 0x0190}, {0x0260, 0x0193}, {0x0263, 0x0194},
    {0x0268, 0x0197}, {0x0269, 0x0196}, {0x026F, 0x019C}, {0x0272, 0x019D}, {0x0275, 0x019F},
    {0x0280, 0x01A6}, {0x0283, 0x01A9}, {0x0288, 0x01AE}, {0x0289, 0x0244}, {0x028C, 0x0245},
    {0x0292, 0x01B7}, {0x0377, 0x0376}, {0x03AC, 0x0386}, {0x03C2, 0x03A3}, {0x03CC, 0x038C},
    {0x03D7, 0x03CF}, {0x03F2, 0x03F9}, {0x03F3, 0x037F}, {0x03F8, 0x03F7}, {0x03FB, 0x03FA},
    {0x04CF, 0x04C0}, {0x1D79, 0xA77D}, {0x1D7D, 0x2C63}, {0x214E, 0x2132}, {0x2184, 0x2183},
    {0x2C61, 0x2C60}, {0x2C65, 0x023A}, {0x2C66, 0x023E}, {0x2C68, 0x2C67}, {0x2C6A, 0x2C69},
    {0x2C6C, 0x2C6B}, {0x2C73, 0x2C72}, {0x2C76, 0x2C75},
};

uint16_t nthive_upcase(uint16_t c)
{
    size_t i;

    if (c < 0x61)
        return c;
    if (c <= 0x7A)
        return (uint16_t)(c - 32);
    if (c < 0xB5)
        return c;
    for (i = 0; i < sizeof shifted / sizeof shifted[0]; i++)
        if (c >= shifted[i].first && c <= shifted[i].last)
            return (uint16_t)(c + shifted[i].delta);
    for (i = 0; i < sizeof paired / sizeof paired[0]; i++)
        if (c >= paired[i].first && c <= paired[i].last)
            return (uint16_t)((c & 1u) == paired[i].odd ? c - 1 : c);
    for (i = 0; i < sizeof single / sizeof single[0]; i++)
        if (c == single[i].small)
            return single[i].capital;
    return c;
}

void unit_src_name(unit_src *s, const nthive_name *n)
{
    s->p = n->data;
    s->len = n->latin1 ? n->len : n->len & ~(size_t)1;
    s->pos = 0;
    s->kind = n->latin1 ? 0 : 1;
    s->pending = 0;
}

void unit_src_utf8(unit_src *s, const char *p, size_t len)
{
    s->p = (const uint8_t *)p;
    s->len = len;
    s->pos = 0;
    s->kind = 2;
    s->pending = 0;
}

/* Decodes one UTF-8 sequence into a code point, or returns UINT32_MAX. */
static uint32_t utf8_decode(const uint8_t *s, size_t len, size_t *pos)
{
    uint32_t c = s[*pos], min;
    size_t n, k;

    if (c < 0x80) {
        *pos += 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1, c &= 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2, c &= 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3, c &= 0x07, min = 0x10000;
    } else {
        return UINT32_MAX;
    }
    if (len - *pos <= n)
        return UINT32_MAX;
    for (k = 1; k <= n; k++) {
        if ((s[*pos + k] & 0xC0) != 0x80)
            return UINT32_MAX;
        c = (c << 6) | (s[*pos + k] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return UINT32_MAX;
    *pos += n + 1;
    return c;
}

int unit_next(unit_src *s, uint16_t *u)
{
    uint32_t c;

    if (s->pending) {
        *u = s->pending;
        s->pending = 0;
        return 1;
    }
    if (s->pos >= s->len)
        return 0;
    switch (s->kind) {
    case 0:
        *u = s->p[s->pos++];
        return 1;
    case 1:
        *u = nt_le16(s->p + s->pos);
        s->pos += 2;
        return 1;
    default:
        c = utf8_decode(s->p, s->len, &s->pos);
        if (c == UINT32_MAX)
            return -1;
        if (c >= 0x10000) {
            *u = (uint16_t)(0xD800 + ((c - 0x10000) >> 10));
            s->pending = (uint16_t)(0xDC00 + ((c - 0x10000) & 0x3FF));
        } else {
            *u = (uint16_t)c;
        }
        return 1;
    }
}

int unit_cmp(unit_src *a, unit_src *b)
{
    /* Bounded by the shorter source: each step consumes input. */
    for (;;) {
        uint16_t ua = 0, ub = 0;
        int ra = unit_next(a, &ua), rb = unit_next(b, &ub);
        if (ra < 0 || rb < 0)
            return INT_MIN;
        if (!ra || !rb)
            return ra - rb;
        ua = nthive_upcase(ua);
        ub = nthive_upcase(ub);
        if (ua != ub)
            return ua < ub ? -1 : 1;
    }
}

int nthive_name_cmp_utf8(const nthive_name *name, const char *utf8, size_t len)
{
    unit_src a, b;
    unit_src_name(&a, name);
    unit_src_utf8(&b, utf8, len);
    return unit_cmp(&a, &b);
}

int nthive_name_cmp(const nthive_name *x, const nthive_name *y)
{
    unit_src a, b;
    unit_src_name(&a, x);
    unit_src_name(&b, y);
    return unit_cmp(&a, &b);
}

int hive_query_init(hive_query *q, const char *utf8, size_t len)
{
    const uint8_t *p = (const uint8_t *)utf8;
    size_t i = 0;
    uint32_t n = 0, h = 0;

    /* ASCII first (most names), then the general loop from where it
     * stopped. Each step consumes input: bounded by len. */
    for (; i < len && p[i] < 0x80; i++) {
        uint16_t u = hive_upcase(p[i]);
        if (n < HIVE_QUERY_MAX)
            q->u[n] = u;
        n++;
        h = h * 37 + u;
    }
    while (i < len) {
        uint32_t c = p[i];
        uint16_t u[2];
        int k = 1;
        if (c < 0x80) {
            i++;
            u[0] = hive_upcase((uint16_t)c);
        } else {
            c = utf8_decode(p, len, &i);
            if (c == UINT32_MAX)
                return -1;
            if (c >= 0x10000) {
                u[0] = (uint16_t)(0xD800 + ((c - 0x10000) >> 10));
                u[1] = (uint16_t)(0xDC00 + ((c - 0x10000) & 0x3FF));
                k = 2;
            } else {
                u[0] = hive_upcase((uint16_t)c);
            }
        }
        for (int j = 0; j < k; j++) {
            if (n < HIVE_QUERY_MAX)
                q->u[n] = u[j];
            n++;
            h = h * 37 + u[j];
        }
    }
    q->n = n;
    q->hash = h;
    return n <= HIVE_QUERY_MAX;
}

bool hive_utf8_valid(const char *utf8, size_t len)
{
    const uint8_t *p = (const uint8_t *)utf8;
    size_t i = 0;
    while (i < len) {
        if (p[i] < 0x80)
            i++;
        else if (utf8_decode(p, len, &i) == UINT32_MAX)
            return false;
    }
    return true;
}

uint32_t nthive_name_hash(const nthive_name *name)
{
    unit_src s;
    uint16_t u;
    uint32_t h = 0;

    unit_src_name(&s, name);
    while (unit_next(&s, &u) > 0)
        h = h * 37 + nthive_upcase(u);
    return h;
}

size_t nthive_name_units(const nthive_name *name)
{
    return name->latin1 ? name->len : name->len / 2;
}

uint16_t nthive_name_unit(const nthive_name *name, size_t i)
{
    return name->latin1 ? name->data[i] : nt_le16(name->data + 2 * i);
}
