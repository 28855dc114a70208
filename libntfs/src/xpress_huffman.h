/* xpress_huffman.h - the XPRESS-Huffman ("LZ77+Huffman", [MS-XCA] 2.1/2.2)
 * decoder that Windows 10 "Compact OS" (WOF) uses for XPRESS4K, XPRESS8K
 * and XPRESS16K chunks, and the canonical-Huffman and bit-reader pieces it
 * shares with the LZX decoder (lzx.c).
 *
 * Chunk layout:
 *   bytes 0..255   512 code lengths, 4 bits each: byte i holds symbol 2i in
 *                  its low nibble and symbol 2i+1 in its high nibble
 *                  (0 = symbol unused, otherwise 1..15).
 *   bytes 256..    a bit stream of little-endian 16-bit words, each read
 *                  from its most significant bit down, interleaved with
 *                  whole bytes that extend long match lengths.
 * Symbols 0..255 are literals. Symbol 256 + (k << 4 | l) is a match whose
 * offset has k bits below its leading 1 (offset = 1 << k | next k bits) and
 * whose length is l + 3; l == 15 means the length continues in the byte
 * stream: one byte b (length = 15 + b + 3) and, when b == 255, a u16 that
 * is the length - 3 (and, when that u16 is 0, a u32 that is).
 * The bytes are taken at the position of the next 16-bit word that a
 * reader holding between 16 and 31 not-yet-consumed bits would load (the
 * reader in [MS-XCA] keeps at least 16 bits and loads one word at a time).
 *
 * Private to libntfs (not part of the public API). Freestanding. */
#ifndef NTFS_XPRESS_HUFFMAN_H
#define NTFS_XPRESS_HUFFMAN_H

#include <stddef.h>
#include <stdint.h>

#include "ntcore/endian.h"
#include "ntcore/mem.h"
#include "ntcore/status.h"

/* Largest chunk one Huffman table covers ([MS-XCA]: a new table every
 * 64 KiB). WOF chunks are 4, 8 or 16 KiB. */
#define NTFS_XPRESS_MAX_CHUNK 65536u

/* Decompresses one XPRESS-Huffman chunk whose uncompressed size is exactly
 * dst_len bytes (1..NTFS_XPRESS_MAX_CHUNK; 0 returns NT_OK at once).
 *
 * src/src_len: the compressed chunk (table + bit stream). Bytes after the
 *   end of the data (the end-of-data symbol Windows appends, padding) are
 *   ignored.
 * dst: receives exactly dst_len bytes. Uses about 6.3 KiB of stack (the
 *   decode table lives there; < 8 KiB for UEFI) and no heap.
 *
 * Returns
 *   NT_OK               dst holds the chunk;
 *   NT_ERR_CORRUPT      src_len < 256, an oversubscribed code-length table,
 *                       a bit pattern that is no code, a match before the
 *                       start of the chunk or past dst_len, or a stream
 *                       that needs bits or bytes past src_len;
 *   NT_ERR_UNSUPPORTED  dst_len > NTFS_XPRESS_MAX_CHUNK;
 *   NT_ERR_INVALID      src or dst is NULL with a nonzero length.
 * On failure dst holds scratch data. Never reads src past src_len nor
 * writes dst past dst_len; time is linear in src_len + dst_len. */
int ntfs_xpress_huffman_decompress(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len);

/* Scratch for ntfs_xpress_huffman_decompress_pair: the two chunks'
 * decode tables (about 10 KiB, too much for a UEFI stack). Any alignment
 * of uint16_t. */
typedef struct ntfs_xpress_pair_workspace {
    uint16_t table[2][1u << 11];
    uint16_t sorted[2][512];
} ntfs_xpress_pair_workspace;

/* Decompresses two independent XPRESS-Huffman chunks at once, one symbol
 * step of each in turn, so that the two serial chains of table lookups
 * overlap (about what a second core would give, on one). Each chunk is
 * checked exactly as ntfs_xpress_huffman_decompress checks it, and
 * rc[0]/rc[1] receive what that function would return for chunk 0 and
 * chunk 1. A failure of one chunk stops only that chunk: the other is
 * still decoded in full and its rc is its own. dst0 and dst1 must not
 * overlap each other nor the sources. */
void ntfs_xpress_huffman_decompress_pair(ntfs_xpress_pair_workspace *ws, const uint8_t *src0, size_t src0_len,
                                         uint8_t *dst0, size_t dst0_len, const uint8_t *src1, size_t src1_len,
                                         uint8_t *dst1, size_t dst1_len, int rc[2]);

/* ---- shared with lzx.c ---------------------------------------------------
 *
 * Canonical Huffman decoding: codes are assigned in order of (length,
 * symbol), read most significant bit first. A primary table indexed by the
 * next `table_bits` bits of the stream gives (symbol << 6 | length) for
 * every code of at most table_bits bits; entry 0 means "longer code or no
 * code", resolved by walking the per-length first-code/count arrays (long
 * codes are rare by construction, so that walk costs little). Incomplete
 * codes are accepted: their unused bit patterns decode to an error. */

#define NTFS_HUFF_MAX_LEN 16u
/* Table entries are (symbol << 6 | length): the length sits in the bits an
 * x86 shift instruction uses as its count, so the entry can feed the
 * shift directly. */
#define NTFS_HUFF_SYM_SHIFT 6u

/* The hot loops keep the bit reader in locals: a byte store through the
 * output pointer may alias anything reached through a pointer, so state
 * behind pointers would be reloaded after every byte. Forcing the small
 * helpers inline keeps their state's address from escaping. */
#if defined(__GNUC__) || defined(__clang__)
#define NTFS_HOT_INLINE static inline __attribute__((always_inline))
#else
#define NTFS_HOT_INLINE static inline
#endif

typedef struct ntfs_huffman {
    uint16_t *table;  /* 1 << table_bits entries, caller-provided */
    uint16_t *sorted; /* nsyms entries: symbols by (length, symbol) */
    unsigned table_bits;
    unsigned max_len;                      /* longest length allowed in this code */
    uint32_t first[NTFS_HUFF_MAX_LEN + 2]; /* first code of each length */
    uint16_t count[NTFS_HUFF_MAX_LEN + 2]; /* codes of each length */
    uint16_t base[NTFS_HUFF_MAX_LEN + 2];  /* index in sorted of the first one */
} ntfs_huffman;

/* Builds h's tables from lens[0..nsyms) (0 = unused symbol; every length
 * below 32, nsyms <= 1024). h->table,
 * h->sorted, h->table_bits (<= 12) and h->max_len (<= 16) must be set.
 * Returns NT_OK, or NT_ERR_CORRUPT when a length exceeds max_len or the
 * lengths oversubscribe the code space. */
int ntfs_huffman_build(ntfs_huffman *h, const uint8_t *lens, unsigned nsyms);

/* Resolves a code longer than table_bits. `bits` holds the next max_len
 * bits of the stream right-aligned. Returns (symbol << 6 | length), or 0
 * when no code matches. */
unsigned ntfs_huffman_decode_long(const ntfs_huffman *h, uint32_t bits);

/* The bit reader both formats use: 16-bit little-endian words consumed
 * most significant bit first, held left-aligned in a 64-bit buffer.
 * Reading past the end supplies zero words ("virtual" words) so that the
 * hot loops need no per-symbol input check; a decoder checks
 * ntfs_bits_overrun() before it reports success, so a stream that really
 * needed those bits is rejected. */
typedef struct ntfs_bits {
    uint64_t buf;        /* next bit is bit 63; bits past `avail` are 0 */
    unsigned avail;      /* bits held (real and virtual) */
    unsigned virt;       /* zero words loaded past the end */
    const uint8_t *next; /* next word to load; never past end */
    const uint8_t *end;
} ntfs_bits;

NTFS_HOT_INLINE void ntfs_bits_init(ntfs_bits *b, const uint8_t *p, const uint8_t *end)
{
    b->buf = 0;
    b->avail = 0;
    b->virt = 0;
    b->next = p;
    b->end = end;
}

/* Makes sure the buffer holds at least 32 bits (two 16-bit codes, or a
 * code and up to 16 extra bits). Cheap when it already does: the hot
 * loops call it once per symbol pair. */
NTFS_HOT_INLINE void ntfs_bits_refill(ntfs_bits *b)
{
    if (b->avail >= 32)
        return;
    if ((size_t)(b->end - b->next) >= 4) {
        uint64_t v = (uint64_t)nt_le16(b->next) << 16 | nt_le16(b->next + 2);
        b->buf |= v << (32 - b->avail);
        b->avail += 32;
        b->next += 4;
        return;
    }
    while (b->avail < 32) {
        if ((size_t)(b->end - b->next) >= 2) {
            b->buf |= (uint64_t)nt_le16(b->next) << (48 - b->avail);
            b->next += 2;
        } else {
            b->virt++;
        }
        b->avail += 16;
    }
}

/* The next n (0..32) bits, not consumed. Needs avail >= n. */
NTFS_HOT_INLINE uint32_t ntfs_bits_peek(const ntfs_bits *b, unsigned n)
{
    return (uint32_t)((b->buf >> 1) >> (63 - n));
}

NTFS_HOT_INLINE void ntfs_bits_skip(ntfs_bits *b, unsigned n)
{
    b->buf <<= n;
    b->avail -= n;
}

/* Reads n (0..32) bits, refilling first when needed. */
NTFS_HOT_INLINE uint32_t ntfs_bits_read(ntfs_bits *b, unsigned n)
{
    uint32_t v;
    if (b->avail < n)
        ntfs_bits_refill(b);
    v = ntfs_bits_peek(b, n);
    ntfs_bits_skip(b, n);
    return v;
}

/* True when bits of virtual (past-the-end) words have been consumed. */
NTFS_HOT_INLINE int ntfs_bits_overrun(const ntfs_bits *b)
{
    return b->avail < b->virt * 16u;
}

/* Decodes one symbol with h, whose primary table is `table` with
 * `table_bits` bits (pass a constant: shifts by constants are cheaper, and
 * a table pointer held in a local is not reloaded after output stores).
 * Needs avail >= h->max_len (refill first). Returns the symbol, or -1 for
 * a bit pattern that is no code. */
NTFS_HOT_INLINE int ntfs_huffman_decode(const uint16_t *table, unsigned table_bits, const ntfs_huffman *h,
                                        ntfs_bits *b)
{
    unsigned e = table[ntfs_bits_peek(b, table_bits)];
    if (e == 0) {
        e = ntfs_huffman_decode_long(h, ntfs_bits_peek(b, h->max_len));
        if (e == 0)
            return -1;
    }
    ntfs_bits_skip(b, e & 63u);
    return (int)(e >> NTFS_HUFF_SYM_SHIFT);
}

/* LZ77 match copy shared by both decoders: copies len bytes from
 * out - offset to out and returns out + len. The caller has checked that
 * out - offset is inside the output and out + len <= end. When at least
 * 8 (16) bytes of dst follow the match it copies in 8-byte (16-byte) steps
 * and may write up to 7 (15) bytes past out + len (scratch that later
 * output overwrites). */
NTFS_HOT_INLINE uint8_t *ntfs_lz_copy(uint8_t *out, size_t offset, size_t len, uint8_t *end)
{
    const uint8_t *src = out - offset;
    uint8_t *stop = out + len;
    uint64_t w;

    if ((size_t)(end - stop) >= 16 && offset >= 16) {
        /* Most matches are shorter than 16 bytes: one step, and a loop
         * exit the branch predictor gets right. */
        do {
            uint64_t w2[2];
            nt_memcpy(w2, src, 16);
            nt_memcpy(out, w2, 16);
            out += 16;
            src += 16;
        } while (out < stop);
        return stop;
    }
    if ((size_t)(end - stop) >= 8) {
        if (offset >= 8) {
            do {
                nt_memcpy(&w, src, 8);
                nt_memcpy(out, &w, 8);
                out += 8;
                src += 8;
            } while (out < stop);
            return stop;
        }
        if (offset == 1) {
            w = 0x0101010101010101ull * *src;
            do {
                nt_memcpy(out, &w, 8);
                out += 8;
            } while (out < stop);
            return stop;
        }
        /* Period 2..7: lay down the first 8 bytes one at a time, then
         * repeat them at a stride that is a multiple of the period. */
        for (unsigned i = 0; i < 8; i++)
            out[i] = src[i];
        nt_memcpy(&w, out, 8);
        size_t step = 8 - 8 % offset;
        for (out += step; out < stop; out += step)
            nt_memcpy(out, &w, 8);
        return stop;
    }
    while (out < stop)
        *out++ = *src++;
    return stop;
}

#endif
