/* lzx.c - LZX chunk decoder for WOF (the WIM form of LZX, 32 KiB window).
 *
 * Layout notes are in lzx.h. The Huffman tables and bit reader are the
 * ones in xpress_huffman.c. All tables live in the caller's workspace, so
 * the decoder allocates nothing and keeps a small stack frame (it also
 * runs in UEFI). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lzx.h"
#include "xpress_huffman.h"
#include "ntcore/endian.h"
#include "ntcore/mem.h"

#define LZX_NUM_CHARS 256u
#define LZX_NUM_SLOTS 30u                                  /* 32 KiB window */
#define LZX_MAIN_SYMS (LZX_NUM_CHARS + 8u * LZX_NUM_SLOTS) /* 496 */
#define LZX_LEN_SYMS 249u
#define LZX_PRE_SYMS 20u
#define LZX_ALIGNED_SYMS 8u
#define LZX_MIN_MATCH 2u
#define LZX_E8_FILE_SIZE 12000000
/* A pretree run may go past the end of the lengths it belongs to (by up
 * to 50); the reference decoders let it spill into the next entries, so
 * the length arrays have room for that. */
#define LZX_LENS_SLACK 64u

#define MAIN_TABLE_BITS 12u
#define LEN_TABLE_BITS 10u
#define PRE_TABLE_BITS 8u
#define ALIGNED_TABLE_BITS 7u

enum { LZX_VERBATIM = 1, LZX_ALIGNED = 2, LZX_UNCOMPRESSED = 3 };

typedef struct lzx_workspace {
    uint16_t main_table[1u << MAIN_TABLE_BITS];
    uint16_t len_table[1u << LEN_TABLE_BITS];
    uint16_t pre_table[1u << PRE_TABLE_BITS];
    uint16_t aligned_table[1u << ALIGNED_TABLE_BITS];
    uint16_t main_sorted[LZX_MAIN_SYMS];
    uint16_t len_sorted[LZX_LEN_SYMS];
    uint16_t pre_sorted[LZX_PRE_SYMS];
    uint16_t aligned_sorted[LZX_ALIGNED_SYMS];
    ntfs_huffman main, len, pre, aligned;
    /* Code lengths persist from block to block within a chunk (deltas). */
    uint8_t main_lens[LZX_MAIN_SYMS + LZX_LENS_SLACK];
    uint8_t len_lens[LZX_LEN_SYMS + LZX_LENS_SLACK];
    uint8_t pre_lens[LZX_PRE_SYMS];
    uint8_t aligned_lens[LZX_ALIGNED_SYMS];
} lzx_workspace;

/* Offset slot s covers offsets base[s] .. base[s] + 2^extra[s] - 1 (before
 * the adjustment of 2); slots 0-2 are the recent offsets R0-R2. */
static const uint16_t slot_base[LZX_NUM_SLOTS] = {
    0,   1,   2,   3,   4,   6,    8,    12,   16,   24,   32,   48,   64,    96,    128,
    192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576};
static const uint8_t slot_extra[LZX_NUM_SLOTS] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                                  6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

size_t ntfs_lzx_workspace_size(void)
{
    return sizeof(lzx_workspace);
}

static void set_code(ntfs_huffman *h, uint16_t *table, uint16_t *sorted, unsigned table_bits,
                     unsigned max_len)
{
    h->table = table;
    h->sorted = sorted;
    h->table_bits = table_bits;
    h->max_len = max_len;
}

/* Reads a pretree and, through it, updates lens[0..n). Runs may write up
 * to `cap` entries from lens (the spill the reference decoders allow). */
static int read_lens(lzx_workspace *w, ntfs_bits *b, uint8_t *lens, unsigned n, unsigned cap)
{
    unsigned i = 0;

    for (unsigned k = 0; k < LZX_PRE_SYMS; k++)
        w->pre_lens[k] = (uint8_t)ntfs_bits_read(b, 4);
    if (ntfs_huffman_build(&w->pre, w->pre_lens, LZX_PRE_SYMS))
        return NT_ERR_CORRUPT;

    while (i < n) {
        unsigned run;
        uint8_t v;
        int sym;

        ntfs_bits_refill(b); /* 32+ bits: symbol and run bits */
        sym = ntfs_huffman_decode(w->pre_table, PRE_TABLE_BITS, &w->pre, b);
        if (sym < 0)
            return NT_ERR_CORRUPT;
        if (sym < 17) {
            lens[i] = (uint8_t)((lens[i] + 17u - (unsigned)sym) % 17u);
            i++;
            continue;
        }
        if (sym == 17) {
            run = 4 + ntfs_bits_read(b, 4);
            v = 0;
        } else if (sym == 18) {
            run = 20 + ntfs_bits_read(b, 5);
            v = 0;
        } else {
            run = 4 + ntfs_bits_read(b, 1);
            ntfs_bits_refill(b);
            sym = ntfs_huffman_decode(w->pre_table, PRE_TABLE_BITS, &w->pre, b);
            if (sym < 0 || sym > 17)
                return NT_ERR_CORRUPT;
            v = (uint8_t)((lens[i] + 17u - (unsigned)sym) % 17u);
        }
        while (run-- && i < cap)
            lens[i++] = v;
    }
    return NT_OK;
}

/* Decodes the symbols of a verbatim or aligned block into out..block_end.
 * The bit reader, tables and recent offsets are copied into locals for the
 * loop (see NTFS_HOT_INLINE) and written back at the end. */
static int decode_block(lzx_workspace *w, ntfs_bits *bp, bool aligned, uint8_t *dst, uint8_t *out,
                        uint8_t *block_end, uint8_t *out_end, uint32_t *R)
{
    const unsigned min_aligned_slot = aligned ? 8 : LZX_NUM_SLOTS; /* slots with 3+ extra bits */
    const uint16_t *const main_t = w->main_table, *const len_t = w->len_table;
    const uint16_t *const aligned_t = w->aligned_table;
    const ntfs_huffman *const main_h = &w->main, *const len_h = &w->len, *const aligned_h = &w->aligned;
    uint32_t r0 = R[0], r1 = R[1], r2 = R[2];
    ntfs_bits b = *bp;

    while (out < block_end) {
        unsigned len, slot;
        size_t off;
        int sym;

        ntfs_bits_refill(&b); /* 32+ bits: two 16-bit symbols */
        sym = ntfs_huffman_decode(main_t, MAIN_TABLE_BITS, main_h, &b);
        if (sym < (int)LZX_NUM_CHARS) {
            if (sym < 0)
                return NT_ERR_CORRUPT;
            *out++ = (uint8_t)sym;
            if (out == block_end)
                break;
            sym = ntfs_huffman_decode(main_t, MAIN_TABLE_BITS, main_h, &b);
            if (sym < (int)LZX_NUM_CHARS) {
                if (sym < 0)
                    return NT_ERR_CORRUPT;
                *out++ = (uint8_t)sym;
                continue;
            }
        }
        /* A match. */
        sym -= (int)LZX_NUM_CHARS;
        len = (unsigned)sym & 7u;
        slot = (unsigned)sym >> 3;
        if (len == 7) {
            if (b.avail < 16)
                ntfs_bits_refill(&b);
            int l = ntfs_huffman_decode(len_t, LEN_TABLE_BITS, len_h, &b);
            if (l < 0)
                return NT_ERR_CORRUPT;
            len += (unsigned)l;
        }
        len += LZX_MIN_MATCH;

        if (slot == 0) {
            off = r0;
        } else if (slot < 3) {
            /* Not a true LRU: using R1 or R2 swaps it with R0. */
            if (slot == 1) {
                off = r1;
                r1 = r0;
            } else {
                off = r2;
                r2 = r0;
            }
            r0 = (uint32_t)off;
        } else {
            unsigned extra = slot_extra[slot];
            if (b.avail < 17)
                ntfs_bits_refill(&b);
            off = slot_base[slot];
            if (slot >= min_aligned_slot) {
                int a;
                off += (size_t)ntfs_bits_peek(&b, extra - 3) << 3;
                ntfs_bits_skip(&b, extra - 3);
                a = ntfs_huffman_decode(aligned_t, ALIGNED_TABLE_BITS, aligned_h, &b);
                if (a < 0)
                    return NT_ERR_CORRUPT;
                off += (unsigned)a;
            } else {
                off += ntfs_bits_peek(&b, extra);
                ntfs_bits_skip(&b, extra);
            }
            off -= 2;
            r2 = r1;
            r1 = r0;
            r0 = (uint32_t)off;
        }
        if (off > (size_t)(out - dst) || len > (size_t)(block_end - out))
            return NT_ERR_CORRUPT;
        out = ntfs_lz_copy(out, off, len, out_end);
    }
    *bp = b;
    R[0] = r0;
    R[1] = r1;
    R[2] = r2;
    return NT_OK;
}

/* Undoes the translation of the CALL whose E8 opcode is at d[i]. */
static inline void undo_e8_at(uint8_t *d, size_t i)
{
    int32_t target = nt_le32s(d + i + 1);
    int32_t pos = (int32_t)i;
    if (target >= 0) {
        if (target < LZX_E8_FILE_SIZE)
            nt_put_le32(d + i + 1, (uint32_t)(target - pos));
    } else if (target >= -pos) {
        nt_put_le32(d + i + 1, (uint32_t)(target + LZX_E8_FILE_SIZE));
    }
}

/* Turns the absolute CALL targets the compressor stored back into relative
 * ones: an E8 byte at position i < n - 10 is followed by a 32-bit target
 * (and the scan resumes after it). */
static void undo_e8(uint8_t *d, size_t n)
{
    size_t i = 0, lim;

    if (n <= 10)
        return;
    lim = n - 10;
    /* Eight bytes at a time: a byte of x ^ E8E8.. is zero where d has an
     * E8; the lowest flag of the zero-byte test is exact (only flags above
     * a true zero byte can be false), so it gives the next E8 directly. */
    while (i + 8 <= lim) {
        const uint64_t x = nt_le64(d + i) ^ 0xe8e8e8e8e8e8e8e8ull;
        const uint64_t m = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
        if (m == 0) {
            i += 8;
            continue;
        }
        i += (size_t)__builtin_ctzll(m) >> 3;
        undo_e8_at(d, i);
        i += 5;
    }
    for (; i < lim; i++) {
        if (d[i] == 0xe8) {
            undo_e8_at(d, i);
            i += 4;
        }
    }
}

/* An uncompressed block: its header starts at the next 16-bit boundary of
 * the bit stream (a whole word later when already on one). Reads R0-R2 and
 * the raw bytes, and restarts the bit reader after them. */
static int uncompressed_block(ntfs_bits *b, const uint8_t *src, size_t src_len, uint8_t *out, size_t size,
                              uint32_t *R)
{
    size_t loaded = (size_t)(b->next - src) + 2u * b->virt; /* end of the loaded words */
    size_t held = 2u * ((b->avail + 15u) >> 4);             /* words not fully consumed */
    size_t p = loaded - held + 2u;

    if (p > src_len || src_len - p < 12 || src_len - p - 12 < size)
        return NT_ERR_CORRUPT;
    R[0] = nt_le32(src + p);
    R[1] = nt_le32(src + p + 4);
    R[2] = nt_le32(src + p + 8);
    if (R[0] == 0 || R[1] == 0 || R[2] == 0)
        return NT_ERR_CORRUPT;
    p += 12;
    nt_memcpy(out, src + p, size);
    p += size + (size & 1u);
    if (p > src_len)
        p = src_len; /* a missing pad byte at the very end is harmless */
    ntfs_bits_init(b, src + p, src + src_len);
    return NT_OK;
}

int ntfs_lzx_decompress(void *workspace, const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len)
{
    lzx_workspace *w = workspace;
    uint32_t R[3] = {1, 1, 1};
    bool may_have_e8 = false;
    uint8_t *out = dst, *const out_end = dst + dst_len;
    ntfs_bits b;
    int rc;

    if (dst_len == 0)
        return NT_OK;
    if (!w || ((uintptr_t)w & (NTFS_LZX_WORKSPACE_ALIGN - 1)) || !dst || (!src && src_len))
        return NT_ERR_INVALID;
    if (dst_len > NTFS_LZX_MAX_CHUNK)
        return NT_ERR_UNSUPPORTED;

    set_code(&w->main, w->main_table, w->main_sorted, MAIN_TABLE_BITS, 16);
    set_code(&w->len, w->len_table, w->len_sorted, LEN_TABLE_BITS, 16);
    set_code(&w->pre, w->pre_table, w->pre_sorted, PRE_TABLE_BITS, 15);
    set_code(&w->aligned, w->aligned_table, w->aligned_sorted, ALIGNED_TABLE_BITS, 7);
    nt_memset(w->main_lens, 0, sizeof(w->main_lens));
    nt_memset(w->len_lens, 0, sizeof(w->len_lens));

    ntfs_bits_init(&b, src, src + src_len);
    while (out < out_end) {
        unsigned type;
        size_t size;

        /* Each header consumes real bits, so this bounds the block count. */
        ntfs_bits_refill(&b);
        if (ntfs_bits_overrun(&b))
            return NT_ERR_CORRUPT;
        type = ntfs_bits_read(&b, 3);
        size = ntfs_bits_read(&b, 1) ? 32768u : ntfs_bits_read(&b, 16);
        if (size == 0 || size > (size_t)(out_end - out))
            return NT_ERR_CORRUPT;

        switch (type) {
        case LZX_ALIGNED:
            for (unsigned k = 0; k < LZX_ALIGNED_SYMS; k++)
                w->aligned_lens[k] = (uint8_t)ntfs_bits_read(&b, 3);
            if (ntfs_huffman_build(&w->aligned, w->aligned_lens, LZX_ALIGNED_SYMS))
                return NT_ERR_CORRUPT;
            /* fall through - the rest is a verbatim block header */
        case LZX_VERBATIM:
            rc = read_lens(w, &b, w->main_lens, LZX_NUM_CHARS, LZX_MAIN_SYMS + LZX_LENS_SLACK);
            if (!rc)
                rc = read_lens(w, &b, w->main_lens + LZX_NUM_CHARS, LZX_MAIN_SYMS - LZX_NUM_CHARS,
                               LZX_MAIN_SYMS - LZX_NUM_CHARS + LZX_LENS_SLACK);
            if (!rc)
                rc = ntfs_huffman_build(&w->main, w->main_lens, LZX_MAIN_SYMS);
            if (!rc)
                rc = read_lens(w, &b, w->len_lens, LZX_LEN_SYMS, LZX_LEN_SYMS + LZX_LENS_SLACK);
            if (!rc)
                rc = ntfs_huffman_build(&w->len, w->len_lens, LZX_LEN_SYMS);
            if (!rc)
                rc = decode_block(w, &b, type == LZX_ALIGNED, dst, out, out + size, out_end, R);
            if (rc)
                return NT_ERR_CORRUPT;
            /* 0xE8 bytes enter the output only as literals (or raw). */
            if (w->main_lens[0xe8])
                may_have_e8 = true;
            break;
        case LZX_UNCOMPRESSED:
            if (uncompressed_block(&b, src, src_len, out, size, R))
                return NT_ERR_CORRUPT;
            may_have_e8 = true;
            break;
        default:
            return NT_ERR_CORRUPT;
        }
        out += size;
    }
    if (ntfs_bits_overrun(&b))
        return NT_ERR_CORRUPT;
    if (may_have_e8)
        undo_e8(dst, dst_len);
    return NT_OK;
}
