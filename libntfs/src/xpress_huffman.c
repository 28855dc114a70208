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
    uint16_t next[NTFS_HUFF_MAX_LEN + 2];
    const unsigned tb = h->table_bits, maxl = h->max_len;
    int32_t left = 1;
    uint32_t code = 0;
    unsigned idx = 0, len, s;
    size_t pos = 0, size = (size_t)1 << tb;

    for (len = 0; len <= NTFS_HUFF_MAX_LEN + 1; len++)
        h->count[len] = 0;
    for (s = 0; s < nsyms; s++) {
        if (lens[s] > maxl)
            return NT_ERR_CORRUPT;
        h->count[lens[s]]++;
    }
    /* Kraft: the lengths may leave code space unused, never overuse it. */
    for (len = 1; len <= maxl; len++) {
        left = left * 2 - h->count[len];
        if (left < 0)
            return NT_ERR_CORRUPT;
    }
    for (len = 1; len <= maxl; len++) {
        h->first[len] = code;
        h->base[len] = (uint16_t)idx;
        next[len] = (uint16_t)idx;
        idx += h->count[len];
        code = (code + h->count[len]) << 1;
    }
    for (s = 0; s < nsyms; s++)
        if (lens[s])
            h->sorted[next[lens[s]]++] = (uint16_t)s;

    /* Codes of up to table_bits bits, in canonical order, cover a prefix
     * of the table; the rest (long codes, unused space) stays 0. */
    for (len = 1; len <= tb && len <= maxl; len++) {
        size_t n = (size_t)1 << (tb - len);
        for (unsigned j = 0; j < h->count[len]; j++) {
            uint16_t e = (uint16_t)(h->sorted[h->base[len] + j] << 5 | len);
            uint16_t *t = h->table + pos;
            if (n >= 4) {
                uint64_t w = 0x0001000100010001ull * e;
                for (size_t k = 0; k < n; k += 4)
                    nt_memcpy(t + k, &w, 8);
            } else {
                for (size_t k = 0; k < n; k++)
                    t[k] = e;
            }
            pos += n;
        }
    }
    if (pos < size)
        nt_memset(h->table + pos, 0, (size - pos) * sizeof(uint16_t));
    return NT_OK;
}

unsigned ntfs_huffman_decode_long(const ntfs_huffman *h, uint32_t bits)
{
    for (unsigned len = h->table_bits + 1; len <= h->max_len; len++) {
        uint32_t d = (bits >> (h->max_len - len)) - h->first[len];
        if (d < h->count[len])
            return (unsigned)h->sorted[h->base[len] + d] << 5 | len;
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

        ntfs_bits_refill(&b); /* 48+ bits: two symbols of <= 15 bits each */
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
        /* A match; 16+ bits are left, enough for the offset bits. */
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
