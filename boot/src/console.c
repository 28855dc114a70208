/* console.c - see console.h. */
#include "console.h"

#include <stdarg.h>
#include <stdint.h>

#include "format.h"

static EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *con_out;

void con_init(EFI_SYSTEM_TABLE *st)
{
    con_out = st->ConOut;
}

/* Decodes one UTF-8 sequence at s[0..len); returns its length (>= 1) and
 * the code point, or U+FFFD for anything malformed. */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned need;
    uint32_t c = s[0], min;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0)
        need = 1, c &= 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
        need = 2, c &= 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
        need = 3, c &= 0x07, min = 0x10000;
    else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len <= need) {
        *cp = 0xFFFD;
        return 1;
    }
    for (unsigned i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *cp = c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) ? 0xFFFD : c;
    return need + 1;
}

void con_write(const char *utf8, size_t len)
{
    CHAR16 buf[130]; /* room for a "\r\n" pair and the NUL */
    size_t n = 0, i = 0;
    const unsigned char *s = (const unsigned char *)utf8;

    if (!con_out)
        return;
    while (i < len) {
        uint32_t cp;
        i += utf8_next(s + i, len - i, &cp);
        if (cp == '\n')
            buf[n++] = '\r';
        buf[n++] = cp > 0xFFFF || cp == 0xFFFD ? '?' : (CHAR16)cp;
        if (n >= 127 || i >= len) {
            buf[n] = 0;
            con_out->OutputString(con_out, buf);
            n = 0;
        }
    }
}

void con_printf(const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    size_t n = fmt_vformat(line, sizeof line, fmt, ap);
    va_end(ap);
    con_write(line, n);
}
