/* ntcore/endian.h - loads of little- and big-endian integers from unaligned
 * bytes. On-disk structures are read through these, never by casting a byte
 * pointer to a struct: that is undefined for misaligned data, and hive and
 * NTFS offsets come from untrusted input. Compilers turn each into one load. */
#ifndef NTCORE_ENDIAN_H
#define NTCORE_ENDIAN_H

#include <stdint.h>

static inline uint16_t nt_le16(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint16_t)(b[0] | (b[1] << 8));
}

static inline uint32_t nt_le32(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static inline uint64_t nt_le64(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint64_t)nt_le32(b) | ((uint64_t)nt_le32(b + 4) << 32);
}

static inline uint16_t nt_be16(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint16_t)((b[0] << 8) | b[1]);
}

static inline uint32_t nt_be32(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | (uint32_t)b[3];
}

static inline uint64_t nt_be64(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return ((uint64_t)nt_be32(b) << 32) | (uint64_t)nt_be32(b + 4);
}

/* Little-endian stores, for building structures in tests and tools. */
static inline void nt_put_le16(void *p, uint16_t v)
{
    uint8_t *b = (uint8_t *)p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}

static inline void nt_put_le32(void *p, uint32_t v)
{
    nt_put_le16(p, (uint16_t)v);
    nt_put_le16((uint8_t *)p + 2, (uint16_t)(v >> 16));
}

static inline void nt_put_le64(void *p, uint64_t v)
{
    nt_put_le32(p, (uint32_t)v);
    nt_put_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

/* Signed loads (two's complement, as every on-disk NT format uses). */
static inline int32_t nt_le32s(const void *p)
{
    uint32_t u = nt_le32(p);
    return u <= INT32_MAX ? (int32_t)u : (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

#endif
