/* format.c - see format.h. */
#include "format.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct out {
    char *buf;
    size_t cap, len;
} out;

static void put(out *o, char c)
{
    if (o->len + 1 < o->cap)
        o->buf[o->len++] = c;
}

static void put_pad(out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

static void put_number(out *o, uint64_t v, unsigned base, bool upper, bool neg, int width, char pad)
{
    char tmp[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    if (neg && pad == '0')
        put(o, '-');
    put_pad(o, pad, width - n - (neg ? 1 : 0));
    if (neg && pad != '0')
        put(o, '-');
    while (n)
        put(o, tmp[--n]);
}

size_t fmt_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    out o = {buf, cap, 0};

    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        p++;
        char pad = ' ';
        bool left = false;
        int width = 0, longs = 0;
        for (; *p == '0' || *p == '-'; p++) {
            if (*p == '0')
                pad = '0';
            else
                left = true;
        }
        for (; *p >= '0' && *p <= '9' && width < 64; p++)
            width = width * 10 + (*p - '0');
        /* 'l' alone is `long` (32 bits on this LLP64 target); ll and z are 64. */
        for (; *p == 'l' || *p == 'z'; p++)
            longs += *p == 'z' ? 2 : 1;
        switch (*p) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            int n = 0;
            if (!s)
                s = "(null)";
            while (s[n])
                n++;
            if (!left)
                put_pad(&o, ' ', width - n);
            for (int i = 0; i < n; i++)
                put(&o, s[i]);
            if (left)
                put_pad(&o, ' ', width - n);
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case 'd': {
            int64_t v = longs >= 2 ? va_arg(ap, int64_t) : longs ? va_arg(ap, long) : va_arg(ap, int);
            put_number(&o, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 10, false, v < 0, width, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = longs >= 2 ? va_arg(ap, uint64_t)
                         : longs    ? va_arg(ap, unsigned long)
                                    : va_arg(ap, unsigned);
            put_number(&o, v, *p == 'u' ? 10 : 16, *p == 'X', false, width, pad);
            break;
        }
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_number(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, false, false, 16, '0');
            break;
        case '%':
            put(&o, '%');
            break;
        case '\0':
            p--; /* a lone '%' at the end */
            break;
        default:
            put(&o, '%');
            put(&o, *p);
            break;
        }
    }
    if (cap)
        buf[o.len] = '\0';
    return o.len;
}

size_t fmt_format(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = fmt_vformat(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}
