/* xpress_huffman.c - XPRESS-Huffman chunk decoder (WOF XPRESS4K/8K/16K)
 * and the canonical Huffman tables shared with lzx.c.
 *
 * Layout notes are in xpress_huffman.h. Speed: one refill of the 64-bit
 * bit buffer (48+ bits) covers two literals, or a symbol and the offset
 * bits of a match, so the hot loop checks input bounds once per refill and
 * output bounds once per symbol. */
#include <stddef.h>
#include <stdint.h>

#include "xpress_huffman.h"
#include "ntcore/endian.h"
#include "ntcore/mem.h"

#define XPRESS_TABLE_BITS 11u
#define XPRESS_MAX_LEN 15u
#define XPRESS_NUM_SYMS 512u

int ntfs_huffman_build(ntfs_huffman *h, const uint8_t *lens, unsigned nsyms)
{
    uint16_t next_idx[NTFS_HUFF_MAX_LEN + 2];
    const unsigned tb = h->table_bits, maxl = h->max_len;
    uint16_t *const t = h->table;
    int32_t left = 1;
    uint32_t code = 0;
    unsigned idx = 0, len, s;
    size_t covered = 0, size = (size_t)1 << tb;

    /* Four histograms, so that runs of equal lengths do not serialise on
     * one counter in memory. */
    uint16_t hist[4][32];
    nt_memset(hist, 0, sizeof(hist));
    for (s = 0; s + 4 <= nsyms; s += 4) {
        hist[0][lens[s] & 31u]++;
        hist[1][lens[s + 1] & 31u]++;
        hist[2][lens[s + 2] & 31u]++;
        hist[3][lens[s + 3] & 31u]++;
    }
    for (; s < nsyms; s++)
        hist[0][lens[s] & 31u]++;
    for (len = 0; len < 32; len++) {
        unsigned c = (unsigned)hist[0][len] + hist[1][len] + hist[2][len] + hist[3][len];
        if (len > maxl && c)
            return NT_ERR_CORRUPT;
        if (len <= NTFS_HUFF_MAX_LEN + 1)
            h->count[len] = (uint16_t)c;
    }
    /* Kraft: the lengths may leave code space unused, never overuse it. */
    for (len = 1; len <= maxl; len++) {
        left = left * 2 - h->count[len];
        if (left < 0)
            return NT_ERR_CORRUPT;
    }
    /* Counting sort by length, unused symbols first, so that each length's
     * codes are consecutive in `sorted` (the long-code walk needs that). */
    idx = nsyms;
    for (len = 1; len <= maxl; len++)
        idx -= h->count[len];
    next_idx[0] = 0;
    for (len = 1; len <= maxl; len++) {
        h->first[len] = code;
        h->base[len] = (uint16_t)idx;
        next_idx[len] = (uint16_t)idx;
        idx += h->count[len];
        code = (code + h->count[len]) << 1;
    }
    for (s = 0; s < nsyms; s++)
        h->sorted[next_idx[lens[s]]++] = (uint16_t)s;

    /* Codes of up to table_bits bits, in code order, fill the table from
     * the start: a code of length len covers 2^(table_bits - len) entries,
     * the same count for every code of that length (predictable loops). */
    uint16_t *p = t;
    for (len = 1; len <= tb && len <= maxl; len++) {
        const uint16_t *sym = h->sorted + h->base[len];
        const unsigned cnt = h->count[len], shift = tb - len;
        if (shift >= 2) {
            const size_t n = (size_t)1 << shift;
            for (unsigned j = 0; j < cnt; j++, p += n) {
                uint64_t w = 0x0001000100010001ull * (uint16_t)(sym[j] << NTFS_HUFF_SYM_SHIFT | len);
                for (size_t k = 0; k < n; k += 4)
                    nt_memcpy(p + k, &w, 8);
            }
        } else if (shift == 1) {
            for (unsigned j = 0; j < cnt; j++, p += 2)
                p[0] = p[1] = (uint16_t)(sym[j] << NTFS_HUFF_SYM_SHIFT | len);
        } else {
            for (unsigned j = 0; j < cnt; j++)
                *p++ = (uint16_t)(sym[j] << NTFS_HUFF_SYM_SHIFT | len);
        }
    }
    covered = (size_t)(p - t);
    /* Codes of up to table_bits bits cover a prefix of the table; the
     * rest (long codes, unused space) reads 0. */
    if (covered < size)
        nt_memset(t + covered, 0, (size - covered) * sizeof(uint16_t));
    return NT_OK;
}

unsigned ntfs_huffman_decode_long(const ntfs_huffman *h, uint32_t bits)
{
    for (unsigned len = h->table_bits + 1; len <= h->max_len; len++) {
        uint32_t d = (bits >> (h->max_len - len)) - h->first[len];
        if (d < h->count[len])
            return (unsigned)h->sorted[h->base[len] + d] << NTFS_HUFF_SYM_SHIFT | len;
    }
    return 0;
}

/* A match with length nibble 15 continues in the byte stream, at the
 * position of the next word a lazy [MS-XCA] reader would load: one that
 * holds 16..31 bits. Hand back the words read ahead of that, then read the
 * extra length bytes there. Returns the match length - 3, or -1. */
NTFS_HOT_INLINE int32_t read_long_length(ntfs_bits *b)
{
    unsigned lazy = 16u + (b->avail & 15u);
    unsigned extra = (b->avail - lazy) >> 4;
    size_t left;
    uint32_t v;

    if (extra <= b->virt) {
        b->virt -= extra;
    } else {
        b->next -= 2u * (extra - b->virt);
        b->virt = 0;
    }
    b->avail = lazy;
    b->buf &= ~(UINT64_MAX >> lazy);
    if (b->virt)
        return -1; /* the lazy reader itself ran past the end */

    left = (size_t)(b->end - b->next);
    if (left < 1)
        return -1;
    v = *b->next++;
    if (v < 255)
        return (int32_t)(v + 15);
    if (left < 3)
        return -1;
    v = nt_le16(b->next);
    b->next += 2;
    if (v != 0)
        return (int32_t)v;
    if (left < 7)
        return -1;
    v = nt_le32(b->next);
    b->next += 4;
    return v > NTFS_XPRESS_MAX_CHUNK ? -1 : (int32_t)v;
}

int ntfs_xpress_huffman_decompress(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len)
{
    uint8_t lens[XPRESS_NUM_SYMS];
    uint16_t table[1u << XPRESS_TABLE_BITS];
    uint16_t sorted[XPRESS_NUM_SYMS];
    ntfs_huffman h;
    ntfs_bits b;
    uint8_t *out = dst, *const out_end = dst + dst_len;

    if (dst_len == 0)
        return NT_OK;
    if (!dst || (!src && src_len))
        return NT_ERR_INVALID;
    if (dst_len > NTFS_XPRESS_MAX_CHUNK)
        return NT_ERR_UNSUPPORTED;
    if (src_len < 256)
        return NT_ERR_CORRUPT;

    for (unsigned i = 0; i < 256; i++) {
        lens[2 * i] = src[i] & 15u;
        lens[2 * i + 1] = src[i] >> 4;
    }
    h.table = table;
    h.sorted = sorted;
    h.table_bits = XPRESS_TABLE_BITS;
    h.max_len = XPRESS_MAX_LEN;
    if (ntfs_huffman_build(&h, lens, XPRESS_NUM_SYMS))
        return NT_ERR_CORRUPT;

    ntfs_bits_init(&b, src + 256, src + src_len);
    for (;;) {
        int sym;
        unsigned len, k;
        size_t offset;

        ntfs_bits_refill(&b); /* 32+ bits: two symbols of <= 15 bits each */
        sym = ntfs_huffman_decode(table, XPRESS_TABLE_BITS, &h, &b);
        if (sym < 256) {
            if (sym < 0)
                return NT_ERR_CORRUPT;
            *out++ = (uint8_t)sym;
            if (out == out_end)
                break;
            sym = ntfs_huffman_decode(table, XPRESS_TABLE_BITS, &h, &b);
            if (sym < 256) {
                if (sym < 0)
                    return NT_ERR_CORRUPT;
                *out++ = (uint8_t)sym;
                if (out == out_end)
                    break;
                continue;
            }
        }
        /* A match: the offset bits (and the lazy reader position for the
         * length bytes) need 16+ bits in the buffer. */
        if (b.avail < 16)
            ntfs_bits_refill(&b);
        sym -= 256;
        len = (unsigned)sym & 15u;
        k = (unsigned)sym >> 4;
        if (len == 15) {
            int32_t l = read_long_length(&b);
            if (l < 0)
                return NT_ERR_CORRUPT;
            len = (unsigned)l;
        }
        len += 3;
        offset = ((size_t)1 << k) | ntfs_bits_peek(&b, k);
        ntfs_bits_skip(&b, k);
        if (offset > (size_t)(out - dst) || len > (size_t)(out_end - out))
            return NT_ERR_CORRUPT;
        out = ntfs_lz_copy(out, offset, len, out_end);
        if (out == out_end)
            break;
    }
    return ntfs_bits_overrun(&b) ? NT_ERR_CORRUPT : NT_OK;
}
