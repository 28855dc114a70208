/* Marvin32: the keyed hash that protects new-format ("HvLE") log entries.
 * Written from the published description of the algorithm: two 32-bit
 * state words seeded from a 64-bit key, one mixing round per dword of
 * input, a 0x80-terminated final dword and two more rounds. */
#include "nthive_forensic.h"
#include "ntcore/endian.h"

static uint32_t rotl32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32u - n));
}

static void mix(uint32_t *lo, uint32_t *hi)
{
    *hi ^= *lo;
    *lo = rotl32(*lo, 20) + *hi;
    *hi = rotl32(*hi, 9) ^ *lo;
    *lo = rotl32(*lo, 27) + *hi;
    *hi = rotl32(*hi, 19);
}

uint64_t nthive_marvin32(const void *data, size_t len, uint64_t seed)
{
    const uint8_t *p = (const uint8_t *)data;
    uint32_t lo = (uint32_t)seed, hi = (uint32_t)(seed >> 32), last = 0x80;

    for (; len >= 4; len -= 4, p += 4) {
        lo += nt_le32(p);
        mix(&lo, &hi);
    }
    /* The 0-3 bytes left, then the 0x80 marker, as one little-endian dword. */
    for (size_t i = len; i > 0; i--)
        last = (last << 8) | p[i - 1];
    lo += last;
    mix(&lo, &hi);
    mix(&lo, &hi);
    return ((uint64_t)hi << 32) | lo;
}
