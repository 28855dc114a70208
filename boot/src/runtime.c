/* runtime.c - the four memory functions every freestanding build needs.
 *
 * There is no libc in the UEFI application: compilers emit calls to memcpy,
 * memmove, memset and memcmp (ntcore/mem.h maps nt_memcpy & co. to the
 * builtins, which become these calls for anything but tiny copies), so the
 * embedder supplies them. Word-sized steps when both pointers allow it:
 * hives are copied out of the bounce buffer byte stream megabytes at a time,
 * and under QEMU's software emulation every instruction counts.
 *
 * Compiled with -ffreestanding, which stops clang from recognising these
 * loops as memcpy/memset idioms and calling itself. */
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

typedef uint64_t __attribute__((may_alias, aligned(1))) word_t;

/* Forward copy, word by word; also right for overlapping blocks with dst
 * below src, since every word is read before anything past it is written. */
static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
    for (; n >= 8; n -= 8, d += 8, s += 8)
        *(word_t *)d = *(const word_t *)s;
    while (n--)
        *d++ = *s++;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    copy_forward(dst, src, n);
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (d == s || n == 0)
        return dst;
    if ((uintptr_t)d < (uintptr_t)s || (uintptr_t)d >= (uintptr_t)s + n) {
        copy_forward(d, s, n); /* no overlap that a forward copy breaks */
        return dst;
    }
    /* dst overlaps the tail of src: copy backwards. */
    d += n;
    s += n;
    for (; n >= 8; n -= 8) {
        d -= 8;
        s -= 8;
        *(word_t *)d = *(const word_t *)s;
    }
    while (n--)
        *--d = *--s;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    uint64_t w = (uint64_t)(unsigned char)c * 0x0101010101010101ull;

    for (; n >= 8; n -= 8, d += 8)
        *(word_t *)d = w;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}
