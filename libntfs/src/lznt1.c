/* lznt1.c - LZNT1 decompression of one NTFS compression unit.
 *
 * Layout notes are in lznt1.h. Speed matters here (reading a compressed
 * file is this loop), so the bounds checks are arranged per token, not per
 * byte: a flag group with 17 input bytes ahead needs no input checks at
 * all, a literal checks one output pointer, and a match checks its
 * displacement and length once and is then copied in 16- or 8-byte steps
 * when it does not overlap itself within a step and dst has room for the
 * overshoot. */
#include <stddef.h>
#include <stdint.h>

#include "lznt1.h"
#include "ntcore/endian.h"
#include "ntcore/mem.h"

#define HDR_COMPRESSED 0x8000u
#define HDR_SIZE_MASK 0x0fffu

/* Largest input of one flag group: the flag byte and 8 two-byte tokens. */
#define GROUP_MAX 17

/* Unaligned 8-byte copy; compilers turn it into one load and one store. */
static inline void copy8(uint8_t *d, const uint8_t *s)
{
    uint64_t w;
    nt_memcpy(&w, s, 8);
    nt_memcpy(d, &w, 8);
}

/* Copies a match of len bytes from op - disp to op. The caller checked
 * that op - disp lies inside the chunk and op + len <= the chunk limit.
 * dend is the end of dst: word copies may overshoot op + len by up to 7
 * bytes, but never past dend. */
static inline void copy_match(uint8_t *op, size_t disp, size_t len, const uint8_t *dend)
{
    const uint8_t *m = op - disp;

    if (disp >= 16 && (size_t)(dend - op) >= len + 15) {
        /* Most matches are at most 18 bytes: one or two 16-byte steps.
         * Each read ends at or before the bytes written before it. */
        uint8_t *end = op + len;
        copy8(op, m);
        copy8(op + 8, m + 8);
        op += 16;
        m += 16;
        while (op < end) {
            copy8(op, m);
            copy8(op + 8, m + 8);
            op += 16;
            m += 16;
        }
        return;
    }
    if (disp >= 8 && (size_t)(dend - op) >= len + 7) {
        /* Each word read ends at or before the word written before it. */
        uint8_t *end = op + len;
        do {
            copy8(op, m);
            op += 8;
            m += 8;
        } while (op < end);
        return;
    }
    if (disp == 1) {
        /* A run of one byte value: the most common overlapping match. */
        nt_memset(op, *m, len);
        return;
    }
    if (len <= 32) {
        /* Short overlapping match: byte order is what makes it right. */
        for (size_t i = 0; i < len; i++)
            op[i] = m[i];
        return;
    }
    /* Long overlapping match: [m, op) repeats with period disp, and after
     * each copy the repeated span doubles, so copy it in growing pieces
     * that never overlap. */
    while (len > 0) {
        size_t span = (size_t)(op - m);
        if (span > len)
            span = len;
        nt_memcpy(op, m, span);
        op += span;
        len -= span;
    }
}

static int corrupt(nt_diag *diag, size_t offset, const char *rule)
{
    if (diag)
        nt_diag_set(diag, NT_ERR_CORRUPT, (uint64_t)offset, rule);
    return NT_ERR_CORRUPT;
}

/* Where tokens split into (displacement bits, length bits): (4, 12)
 * until the output is 16 bytes into the chunk, then (5, 11) until 32, ...
 * up to (12, 4). lim is the chunk position at which the split moves next. */
typedef struct token_split {
    size_t lim;
    unsigned shift, mask;
} token_split;

static const char *const rule_before_start = "LZNT1 back-reference points before the start of its chunk";

/* What overflowing [cstart, climit) breaks: the 4 KiB chunk or, for the
 * last chunk of a short buffer, the buffer. */
static const char *overflow_rule(const uint8_t *cstart, const uint8_t *climit)
{
    return climit == cstart + NTFS_LZNT1_CHUNK_SIZE ? "LZNT1 chunk expands past 4096 bytes"
                                                    : "LZNT1 output overflows the compression unit buffer";
}

/* Copies the back-reference whose token `tok` comes at output *op (the
 * fast and the careful path share this). Returns NULL, or the rule the
 * token breaks (nothing copied). */
static inline const char *back_reference(unsigned tok, uint8_t **op, uint8_t *cstart, uint8_t *climit,
                                         const uint8_t *dend, token_split *sp)
{
    size_t pos = (size_t)(*op - cstart);
    while (pos > sp->lim) {
        sp->lim <<= 1;
        sp->shift--;
        sp->mask >>= 1;
    }
    size_t disp = (size_t)(tok >> sp->shift) + 1;
    size_t len = (size_t)(tok & sp->mask) + 3;
    if (disp > pos)
        return rule_before_start;
    if (len > (size_t)(climit - *op))
        return overflow_rule(cstart, climit);
    copy_match(*op, disp, len, dend);
    *op += len;
    return 0;
}

/* Decodes the data of one compressed chunk, [ip, iend), into [cstart,
 * climit). On success *op_end is the end of the chunk's output. On error
 * *op_end is how far it got and *bad the offending input position. */
static int decode_chunk(const uint8_t *ip, const uint8_t *iend, uint8_t *cstart, uint8_t *climit,
                        const uint8_t *dend, uint8_t **op_end, const uint8_t **bad, const char **rule)
{
    uint8_t *op = cstart;
    token_split sp = {16, 12, 0x0fffu};
    const char *broken = 0;

    while (ip < iend) {
        unsigned flags = *ip++;

        if (iend - ip >= GROUP_MAX - 1) {
            /* Fast path: the whole group is inside the input. */
            if (flags == 0 && climit - op >= 8) {
                copy8(op, ip);
                op += 8;
                ip += 8;
                continue;
            }
            for (int i = 0; i < 8; i++, flags >>= 1) {
                if (!(flags & 1)) {
                    if (op >= climit)
                        goto overflow;
                    *op++ = *ip++;
                    continue;
                }
                broken = back_reference(nt_le16(ip), &op, cstart, climit, dend, &sp);
                if (broken)
                    goto fail;
                ip += 2;
            }
            continue;
        }

        /* Slow path near the end of the chunk: check input per token. */
        for (int i = 0; i < 8 && ip < iend; i++, flags >>= 1) {
            if (!(flags & 1)) {
                if (op >= climit)
                    goto overflow;
                *op++ = *ip++;
                continue;
            }
            if (iend - ip < 2) {
                broken = "LZNT1 back-reference token truncated by the end of its chunk";
                goto fail;
            }
            broken = back_reference(nt_le16(ip), &op, cstart, climit, dend, &sp);
            if (broken)
                goto fail;
            ip += 2;
        }
    }
    *op_end = op;
    return NT_OK;

overflow:
    broken = overflow_rule(cstart, climit);
fail:
    *bad = ip;
    *rule = broken;
    *op_end = op;
    return NT_ERR_CORRUPT;
}

int ntfs_lznt1_decompress_unit_diag(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len,
                                    size_t *out_len, nt_diag *diag)
{
    if (!out_len || (!src && src_len) || (!dst && dst_len))
        return NT_ERR_INVALID;
    *out_len = 0;
    if (diag)
        nt_diag_clear(diag);

    const uint8_t *dend = dst_len ? dst + dst_len : dst;
    size_t in = 0;       /* offset of the next chunk header in src */
    size_t produced = 0; /* end of the output so far */
    size_t chunk = 0;    /* index of the next chunk = its 4 KiB slot */

    /* Each pass consumes at least 3 input bytes, and at most
     * dst_len / 4096 + 1 passes fit in dst: the loop is bounded. */
    while (src_len - in >= 2) {
        unsigned hdr = nt_le16(src + in);
        if (hdr == 0)
            break;
        if (chunk >= dst_len / NTFS_LZNT1_CHUNK_SIZE + (dst_len % NTFS_LZNT1_CHUNK_SIZE != 0))
            break; /* every slot filled: the rest is slack */

        size_t data_len = (size_t)(hdr & HDR_SIZE_MASK) + 1;
        if (data_len > src_len - in - 2) {
            *out_len = produced;
            return corrupt(diag, in, "LZNT1 chunk runs past the end of the compression unit");
        }

        size_t cstart = chunk * NTFS_LZNT1_CHUNK_SIZE;
        /* A short chunk before this one leaves a gap that reads as zeros. */
        if (cstart > produced) {
            nt_memset(dst + produced, 0, cstart - produced);
            produced = cstart;
        }
        size_t room = dst_len - cstart;
        if (room > NTFS_LZNT1_CHUNK_SIZE)
            room = NTFS_LZNT1_CHUNK_SIZE;

        const uint8_t *data = src + in + 2;
        if (!(hdr & HDR_COMPRESSED)) {
            /* Stored chunk: the data is the output. */
            if (data_len > room) {
                *out_len = produced;
                return corrupt(diag, in, "LZNT1 stored chunk overflows the compression unit buffer");
            }
            nt_memcpy(dst + cstart, data, data_len);
            produced = cstart + data_len;
        } else {
            uint8_t *op_end = dst + cstart;
            const uint8_t *bad = data;
            const char *rule = 0;
            int rc = decode_chunk(data, data + data_len, dst + cstart, dst + cstart + room, dend, &op_end,
                                  &bad, &rule);
            produced = (size_t)(op_end - dst);
            if (rc != NT_OK) {
                *out_len = produced;
                return corrupt(diag, (size_t)(bad - src), rule);
            }
        }
        in += 2 + data_len;
        chunk++;
        *out_len = produced;
    }
    *out_len = produced;
    return NT_OK;
}

int ntfs_lznt1_decompress_unit(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len,
                               size_t *out_len)
{
    return ntfs_lznt1_decompress_unit_diag(src, src_len, dst, dst_len, out_len, 0);
}
