/* xpress_huffman.c - XPRESS-Huffman chunk decoder (WOF XPRESS4K/8K/16K)
 * and the canonical Huffman tables shared with lzx.c.
 *
 * Layout notes are in xpress_huffman.h. Speed: one refill of the 64-bit
 * bit buffer (48+ bits) covers two literals, or a symbol and the offset
 * bits of a match, so the hot loop checks input bounds once per refill and
 * output bounds once per symbol. The pair decoder runs two chunks' loops
 * in lockstep so that their dependency chains overlap. */
#include <stddef.h>
#include <stdint.h>

#include "xpress_huffman.h"
#include "ntcore/endian.h"
#include "ntcore/mem.h"

#define XPRESS_TABLE_BITS 11u
#define XPRESS_MAX_LEN 15u
#define XPRESS_NUM_SYMS 512u

/* Fills n (a power of two) table entries from p with e, in the widest
 * stores n allows (n is one of a few constants at each call site). */
NTFS_HOT_INLINE void fill_entries(uint16_t *p, size_t n, uint16_t e)
{
    const uint64_t w = 0x0001000100010001ull * e;
    if (n == 1) {
        *p = e;
    } else if (n == 2) {
        const uint32_t v = (uint32_t)w;
        nt_memcpy(p, &v, 4);
    } else if (n == 4) {
        nt_memcpy(p, &w, 8);
    } else {
        for (size_t k = 0; k < n; k += 8) {
            nt_memcpy(p + k, &w, 8);
            nt_memcpy(p + k + 4, &w, 8);
        }
    }
}

int ntfs_huffman_build(ntfs_huffman *h, const uint8_t *lens, unsigned nsyms)
{
    /* The symbols are split into four consecutive blocks (the last one
     * takes the remainder), each with its own histogram and its own
     * counting-sort cursors: four independent chains of
     * load-increment-store instead of one, which a run of equal lengths
     * would otherwise serialise through memory. */
    uint16_t hist[4][32], next_idx[4][32];
    const unsigned q = nsyms / 4;
    const unsigned tb = h->table_bits, maxl = h->max_len;
    uint16_t *const t = h->table;
    int32_t left = 1;
    uint32_t code = 0;
    unsigned idx, len, s, c;
    size_t covered, size = (size_t)1 << tb;

    nt_memset(hist, 0, sizeof(hist));
    for (s = 0; s < q; s++) {
        hist[0][lens[s] & 31u]++;
        hist[1][lens[q + s] & 31u]++;
        hist[2][lens[2 * q + s] & 31u]++;
        hist[3][lens[3 * q + s] & 31u]++;
    }
    for (s = 4 * q; s < nsyms; s++)
        hist[3][lens[s] & 31u]++;
    for (len = 0; len < 32; len++) {
        c = (unsigned)hist[0][len] + hist[1][len] + hist[2][len] + hist[3][len];
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
     * codes are consecutive in `sorted` (the long-code walk needs that);
     * within a length, block 0's symbols come first, then block 1's... */
    idx = nsyms;
    for (len = 1; len <= maxl; len++)
        idx -= h->count[len];
    for (len = 0; len <= maxl; len++) {
        unsigned i = len ? idx : 0;
        if (len) {
            h->first[len] = code;
            h->base[len] = (uint16_t)idx;
            idx += h->count[len];
            code = (code + h->count[len]) << 1;
        }
        for (unsigned k = 0; k < 4; k++) {
            next_idx[k][len] = (uint16_t)i;
            i += hist[k][len];
        }
    }
    for (s = 0; s < q; s++) {
        h->sorted[next_idx[0][lens[s]]++] = (uint16_t)s;
        h->sorted[next_idx[1][lens[q + s]]++] = (uint16_t)(q + s);
        h->sorted[next_idx[2][lens[2 * q + s]]++] = (uint16_t)(2 * q + s);
        h->sorted[next_idx[3][lens[3 * q + s]]++] = (uint16_t)(3 * q + s);
    }
    for (s = 4 * q; s < nsyms; s++)
        h->sorted[next_idx[3][lens[s]]++] = (uint16_t)s;

    /* Codes of up to table_bits bits, in code order, fill the table from
     * the start: a code of length len covers 2^(table_bits - len) entries,
     * the same count for every code of that length (predictable loops,
     * one or two stores per code for the common lengths). */
    uint16_t *p = t;
    for (len = 1; len <= tb && len <= maxl; len++) {
        const uint16_t *sym = h->sorted + h->base[len];
        const unsigned cnt = h->count[len], shift = tb - len;
        const size_t n = (size_t)1 << shift;
        unsigned j;
#define FILL_LEN(N)                                                                                          \
    for (j = 0; j < cnt; j++, p += (N))                                                                      \
        fill_entries(p, (N), (uint16_t)(sym[j] << NTFS_HUFF_SYM_SHIFT | len));
        switch (shift) {
        case 0:
            FILL_LEN(1)
            break;
        case 1:
            FILL_LEN(2)
            break;
        case 2:
            FILL_LEN(4)
            break;
        case 3:
            FILL_LEN(8)
            break;
        case 4:
            FILL_LEN(16)
            break;
        default:
            FILL_LEN(n)
            break;
        }
#undef FILL_LEN
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

/* One decoder's state in the hot loops (kept in locals: see
 * NTFS_HOT_INLINE in xpress_huffman.h). */
typedef struct xpress_cursor {
    ntfs_bits b;
    uint8_t *out, *start, *end;
    const uint16_t *table;
    const ntfs_huffman *h;
} xpress_cursor;

enum { XP_MORE = 0, XP_DONE = 1, XP_BAD = 2 };

/* Builds the decode table of one chunk and readies its cursor. */
static int xpress_begin(xpress_cursor *c, ntfs_huffman *h, uint16_t *table, uint16_t *sorted,
                        const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len)
{
    uint8_t lens[XPRESS_NUM_SYMS];

    if (src_len < 256)
        return NT_ERR_CORRUPT;
    for (unsigned i = 0; i < 256; i++) {
        lens[2 * i] = src[i] & 15u;
        lens[2 * i + 1] = src[i] >> 4;
    }
    h->table = table;
    h->sorted = sorted;
    h->table_bits = XPRESS_TABLE_BITS;
    h->max_len = XPRESS_MAX_LEN;
    if (ntfs_huffman_build(h, lens, XPRESS_NUM_SYMS))
        return NT_ERR_CORRUPT;
    ntfs_bits_init(&c->b, src + 256, src + src_len);
    c->out = c->start = dst;
    c->end = dst + dst_len;
    c->table = table;
    c->h = h;
    return NT_OK;
}

/* Decodes up to two literals or one match: XP_MORE, XP_DONE (the output
 * is full) or XP_BAD. Every write stays inside [start, end). */
NTFS_HOT_INLINE int xpress_step(xpress_cursor *c)
{
    int sym;
    unsigned len, k;
    size_t offset;

    ntfs_bits_refill(&c->b); /* 32+ bits: two symbols of <= 15 bits each */
    sym = ntfs_huffman_decode(c->table, XPRESS_TABLE_BITS, c->h, &c->b);
    if (sym < 256) {
        if (sym < 0)
            return XP_BAD;
        *c->out++ = (uint8_t)sym;
        if (c->out == c->end)
            return XP_DONE;
        sym = ntfs_huffman_decode(c->table, XPRESS_TABLE_BITS, c->h, &c->b);
        if (sym < 256) {
            if (sym < 0)
                return XP_BAD;
            *c->out++ = (uint8_t)sym;
            return c->out == c->end ? XP_DONE : XP_MORE;
        }
    }
    /* A match: the offset bits (and the lazy reader position for the
     * length bytes) need 16+ bits in the buffer. */
    if (c->b.avail < 16)
        ntfs_bits_refill(&c->b);
    sym -= 256;
    len = (unsigned)sym & 15u;
    k = (unsigned)sym >> 4;
    if (len == 15) {
        int32_t l = read_long_length(&c->b);
        if (l < 0)
            return XP_BAD;
        len = (unsigned)l;
    }
    len += 3;
    offset = ((size_t)1 << k) | ntfs_bits_peek(&c->b, k);
    ntfs_bits_skip(&c->b, k);
    if (offset > (size_t)(c->out - c->start) || len > (size_t)(c->end - c->out))
        return XP_BAD;
    c->out = ntfs_lz_copy(c->out, offset, len, c->end);
    return c->out == c->end ? XP_DONE : XP_MORE;
}

/* Runs one cursor to its end (state XP_MORE) and gives its status. */
static int xpress_finish(xpress_cursor *cur, int state)
{
    xpress_cursor c = *cur;

    while (state == XP_MORE)
        state = xpress_step(&c);
    if (state == XP_BAD || ntfs_bits_overrun(&c.b))
        return NT_ERR_CORRUPT;
    return NT_OK;
}

int ntfs_xpress_huffman_decompress(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len)
{
    uint16_t table[1u << XPRESS_TABLE_BITS];
    uint16_t sorted[XPRESS_NUM_SYMS];
    ntfs_huffman h;
    xpress_cursor c;

    if (dst_len == 0)
        return NT_OK;
    if (!dst || (!src && src_len))
        return NT_ERR_INVALID;
    if (dst_len > NTFS_XPRESS_MAX_CHUNK)
        return NT_ERR_UNSUPPORTED;
    if (xpress_begin(&c, &h, table, sorted, src, src_len, dst, dst_len))
        return NT_ERR_CORRUPT;
    return xpress_finish(&c, XP_MORE);
}

/* Checks one chunk's arguments as the single-chunk decoder does:
 * NT_OK to decode, NT_END for an empty chunk, else an error. */
static int xpress_args(const uint8_t *src, size_t src_len, const uint8_t *dst, size_t dst_len)
{
    if (dst_len == 0)
        return NT_END;
    if (!dst || (!src && src_len))
        return NT_ERR_INVALID;
    if (dst_len > NTFS_XPRESS_MAX_CHUNK)
        return NT_ERR_UNSUPPORTED;
    return NT_OK;
}

void ntfs_xpress_huffman_decompress_pair(ntfs_xpress_pair_workspace *ws, const uint8_t *src0, size_t src0_len,
                                         uint8_t *dst0, size_t dst0_len, const uint8_t *src1, size_t src1_len,
                                         uint8_t *dst1, size_t dst1_len, int rc[2])
{
    ntfs_huffman h0, h1;
    xpress_cursor a, b;
    int sa, sb;

    rc[0] = xpress_args(src0, src0_len, dst0, dst0_len);
    rc[1] = xpress_args(src1, src1_len, dst1, dst1_len);
    if (rc[0] == NT_OK)
        rc[0] = xpress_begin(&a, &h0, ws->table[0], ws->sorted[0], src0, src0_len, dst0, dst0_len);
    if (rc[1] == NT_OK)
        rc[1] = xpress_begin(&b, &h1, ws->table[1], ws->sorted[1], src1, src1_len, dst1, dst1_len);
    if (rc[0] == NT_END)
        rc[0] = NT_OK;
    else if (rc[0] == NT_OK && rc[1] != NT_OK)
        rc[0] = xpress_finish(&a, XP_MORE);
    if (rc[1] == NT_END) {
        rc[1] = NT_OK;
        return;
    }
    if (rc[1] != NT_OK)
        return;
    if (rc[0] != NT_OK || dst0_len == 0) {
        rc[1] = xpress_finish(&b, XP_MORE);
        return;
    }
    /* Both chunks live: one step of each per iteration, so the two
     * independent lookup chains overlap in the out-of-order core. The
     * cursors share nothing; whichever stops first leaves the other to
     * run alone. */
    {
        xpress_cursor x = a, y = b;
        do {
            sa = xpress_step(&x);
            sb = xpress_step(&y);
        } while ((sa | sb) == XP_MORE);
        a = x;
        b = y;
    }
    rc[0] = xpress_finish(&a, sa);
    rc[1] = xpress_finish(&b, sb);
}

_Static_assert(sizeof(((ntfs_xpress_pair_workspace *)0)->table[0]) == sizeof(uint16_t) << XPRESS_TABLE_BITS,
               "pair workspace table size");
_Static_assert(sizeof(((ntfs_xpress_pair_workspace *)0)->sorted[0]) == sizeof(uint16_t) * XPRESS_NUM_SYMS,
               "pair workspace sorted size");
