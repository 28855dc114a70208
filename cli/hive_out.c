/* A large output buffer for `ntkit hive` and the hand-written encoders that
 * fill it (JSON strings, hex, timestamps): the export writes tens of MB, and
 * one stdio call per byte or field was most of its run time. */
#include <stdlib.h>
#include <string.h>

#include "hive_cli.h"

#define HIVE_OUT_CAP ((size_t)256 << 10)

void hive_out_init(hive_out *o, FILE *f)
{
    o->f = f;
    o->cap = f ? HIVE_OUT_CAP : 256;
    o->len = 0;
    o->error = false;
    o->buf = malloc(o->cap);
    if (!o->buf)
        abort();
}

void hive_out_flush(hive_out *o)
{
    if (!o->f) {
        /* A memory-only buffer grows instead. */
        o->cap *= 2;
        o->buf = realloc(o->buf, o->cap);
        if (!o->buf)
            abort();
        return;
    }
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
        o->error = true;
    o->len = 0;
}

int hive_out_fini(hive_out *o)
{
    if (o->f)
        hive_out_flush(o);
    free(o->buf);
    o->buf = NULL;
    if (o->f && fflush(o->f))
        o->error = true;
    return o->error ? -1 : 0;
}

void hive_out_write(hive_out *o, const void *p, size_t n)
{
    const char *s = p;
    while (n) {
        size_t room = o->cap - o->len, k;
        if (!room) {
            hive_out_flush(o);
            room = o->cap - o->len;
        }
        k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
    }
}

/* Bytes that a JSON string cannot hold as they are. */
static bool json_special(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\' || c == 0x7F;
}

void hive_out_json_body(hive_out *o, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;
    while (i < len) {
        size_t run = i;
        while (run < len && !json_special((unsigned char)s[run]))
            run++;
        hive_out_write(o, s + i, run - i);
        if (run == len)
            break;
        {
            unsigned char c = (unsigned char)s[run];
            char e[6] = {'\\', 0, 0, 0, 0, 0};
            size_t n = 2;
            switch (c) {
            case '"':
                e[1] = '"';
                break;
            case '\\':
                e[1] = '\\';
                break;
            case '\n':
                e[1] = 'n';
                break;
            case '\r':
                e[1] = 'r';
                break;
            case '\t':
                e[1] = 't';
                break;
            default: /* \u00XX, as hive_json_string writes it */
                e[1] = 'u', e[2] = '0', e[3] = '0', e[4] = hex[c >> 4], e[5] = hex[c & 15];
                n = 6;
            }
            hive_out_write(o, e, n);
        }
        i = run + 1;
    }
}

void hive_out_hex(hive_out *o, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    while (n) {
        size_t room, k;
        char *d;
        if (o->cap - o->len < 2)
            hive_out_flush(o);
        room = (o->cap - o->len) / 2;
        k = n < room ? n : room;
        d = o->buf + o->len;
        for (size_t i = 0; i < k; i++) {
            d[2 * i] = digits[p[i] >> 4];
            d[2 * i + 1] = digits[p[i] & 15];
        }
        o->len += 2 * k;
        p += k;
        n -= k;
    }
}

void hive_out_uint(hive_out *o, uint64_t v)
{
    char t[24];
    size_t n = sizeof t;
    do {
        t[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    hive_out_write(o, t + n, sizeof t - n);
}

/* Digits of v, zero-padded to `width`, written backwards from `end`. */
static void digits_at(char *end, uint64_t v, int width)
{
    while (width-- > 0) {
        *--end = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Days since 1970-01-01 to a proleptic Gregorian date (400-year eras of
 * 146097 days, years starting in March). */
static void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

size_t hive_time_text(uint64_t ft, char *buf)
{
    uint64_t secs = ft / 10000000u, frac = ft % 10000000u;
    int64_t days = (int64_t)(secs / 86400) - 134774; /* 1601 -> 1970 */
    unsigned sod = (unsigned)(secs % 86400), m, d;
    int64_t y;
    civil(days, &y, &m, &d);
    /* A FILETIME spans years 1601..60056: four or five digits. */
    size_t yl = y >= 10000 ? 5 : 4, n = 0;
    digits_at(buf + yl, (uint64_t)y, (int)yl);
    n = yl;
    buf[n++] = '-';
    digits_at(buf + n + 2, m, 2);
    n += 2;
    buf[n++] = '-';
    digits_at(buf + n + 2, d, 2);
    n += 2;
    buf[n++] = 'T';
    digits_at(buf + n + 2, sod / 3600, 2);
    n += 2;
    buf[n++] = ':';
    digits_at(buf + n + 2, sod / 60 % 60, 2);
    n += 2;
    buf[n++] = ':';
    digits_at(buf + n + 2, sod % 60, 2);
    n += 2;
    buf[n++] = '.';
    digits_at(buf + n + 7, frac, 7);
    n += 7;
    buf[n++] = 'Z';
    buf[n] = 0;
    return n;
}
