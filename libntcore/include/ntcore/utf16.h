/* ntcore/utf16.h - UTF-16LE <-> UTF-8 conversion and Windows-style
 * case-insensitive comparison. NT stores names as UTF-16LE code units that
 * need not be valid UTF-16 (unpaired surrogates occur), so the decoders
 * replace what cannot be encoded and say how often they did. */
#ifndef NTCORE_UTF16_H
#define NTCORE_UTF16_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Converts `units` UTF-16LE code units at `src` (any alignment) to UTF-8.
 * Unpaired surrogates become U+FFFD; `*replaced` (may be NULL) receives how
 * many. Writes at most `cap` bytes to `dst` and a terminating NUL when there
 * is room after the text (NULs inside the name are kept). `*out_len` (may be
 * NULL) always receives the full UTF-8 length, without the terminator.
 * Returns NT_OK, or NT_ERR_RANGE when the text did not fit (dst then holds a
 * prefix cut at a character boundary). */
int nt_utf16le_to_utf8(const void *src, size_t units, char *dst, size_t cap,
                       size_t *out_len, size_t *replaced);

/* The UTF-8 length nt_utf16le_to_utf8 would produce, without the NUL. */
size_t nt_utf16le_utf8_len(const void *src, size_t units);

/* Converts ISO-8859-1 bytes (the registry's "compressed" names) to UTF-8,
 * with the same buffer rules as nt_utf16le_to_utf8. */
int nt_latin1_to_utf8(const void *src, size_t len, char *dst, size_t cap, size_t *out_len);

/* Converts `len` bytes of UTF-8 to UTF-16LE code units written as bytes at
 * `dst` (room for `cap_units` units). `*out_units` (may be NULL) receives the
 * number of units the whole text needs. Returns NT_OK, NT_ERR_RANGE when it
 * did not fit, or NT_ERR_INVALID for malformed UTF-8 (overlong forms,
 * surrogates, values over U+10FFFF, truncated sequences). */
int nt_utf8_to_utf16le(const char *src, size_t len, void *dst, size_t cap_units,
                       size_t *out_units);

/* Upcases one UTF-16 code unit with a caller-supplied table (NTFS $UpCase, or
 * a hive parser's own): units at or past `table_len` are returned unchanged.
 * With `table` NULL only a-z are upcased. */
static inline uint16_t nt_upcase_unit(uint16_t c, const uint16_t *table, size_t table_len)
{
    if (table)
        return c < table_len ? table[c] : c;
    return (c >= 'a' && c <= 'z') ? (uint16_t)(c - 32) : c;
}

/* Compares two UTF-16LE strings (any alignment) code unit by code unit after
 * upcasing each unit with `table` (see nt_upcase_unit), as Windows does for
 * registry keys and NTFS index collation. Returns <0, 0 or >0; a proper
 * prefix sorts first. */
int nt_utf16le_casecmp(const void *a, size_t a_units, const void *b, size_t b_units,
                       const uint16_t *table, size_t table_len);

/* The same comparison with `a` given as ISO-8859-1 bytes (each byte one code
 * unit), for compressed registry names. */
int nt_latin1_utf16le_casecmp(const void *a, size_t a_len, const void *b, size_t b_units,
                              const uint16_t *table, size_t table_len);

#ifdef __cplusplus
}
#endif
#endif
