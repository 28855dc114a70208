/* format.h - a small printf for the UEFI application (there is no libc).
 *
 * Conversions: %s (NULL prints "(null)"), %c, %d %u %x %X with the length
 * modifiers l (long: 32 bits on this target), ll and z (64 bits), %p, and
 * %%. Flags: '0' and a field width ("%08llx"), '-' for left
 * alignment of %s. Anything else is copied as is. */
#ifndef NTKIT_BOOT_FORMAT_H
#define NTKIT_BOOT_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Formats into buf (cap bytes, always NUL-terminated when cap > 0) and
 * returns the number of characters written, without the NUL (output that
 * does not fit is cut). */
size_t fmt_vformat(char *buf, size_t cap, const char *fmt, va_list ap);
size_t fmt_format(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
