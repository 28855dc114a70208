/* ntcore/mem.h - the four memory functions a freestanding build may use.
 *
 * <string.h> is not a freestanding header, so the libraries never include it.
 * Compilers emit calls to memcpy/memmove/memset/memcmp anyway; the platform
 * (libc on a host, the application in UEFI) supplies them. Declaring them
 * here is what C11 7.1.4 allows; the builtins let the compiler inline small
 * fixed-size copies. */
#ifndef NTCORE_MEM_H
#define NTCORE_MEM_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#if defined(__GNUC__) || defined(__clang__)
#define nt_memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define nt_memmove(d, s, n) __builtin_memmove((d), (s), (n))
#define nt_memset(d, c, n) __builtin_memset((d), (c), (n))
#define nt_memcmp(a, b, n) __builtin_memcmp((a), (b), (n))
#else
#define nt_memcpy memcpy
#define nt_memmove memmove
#define nt_memset memset
#define nt_memcmp memcmp
#endif

#endif
