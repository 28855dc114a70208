/* wof_handmade.c - hand-made XPRESS-Huffman and LZX streams for the WOF
 * decoder tests, written from the format descriptions ([MS-XCA] 2.1/2.2;
 * the LZX of WIM/WOF) with a deliberately simple encoder: the test picks
 * every token and a byte-at-a-time model records what it stands for.
 *
 * Included (#include "…/bench/wof_handmade.c") by the cmocka tests
 * libntfs/tests/test_xpress.c and test_lzx.c, which compare the decoders
 * with the recorded bytes, and by bench/wof_diff.c, which also feeds the
 * same streams to wimlib's decompressors so the encoder's reading of the
 * formats is itself checked against the reference implementation.
 * Hosted code (libc). Everything is static: each includer uses a subset. */
#ifndef WOF_HANDMADE_C
#define WOF_HANDMADE_C

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define HM_UNUSED __attribute__((unused))
#else
#define HM_UNUSED
#endif

/* ---- bit writer ---------------------------------------------------------
 * Bits go into 16-bit little-endian words, most significant bit first.
 * Whole bytes may be interleaved (XPRESS long lengths): a word's slot in
 * the output is reserved before any byte that a reader holding 16..31
 * bits would read after that word, which is where such a reader finds
 * the byte. */
typedef struct hm_bits {
    uint8_t *buf;
    size_t cap, len; /* bytes laid out (slots included) */
    size_t *slots;   /* output position of each 16-bit word */
    size_t nslots, slots_cap;
    uint64_t nbits; /* bits written */
    uint32_t cur;   /* bits of the word being filled */
} hm_bits;

static HM_UNUSED void hm_init(hm_bits *w, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->cap = cap;
    w->buf = calloc(1, cap);
    w->slots_cap = cap / 2 + 8;
    w->slots = calloc(w->slots_cap, sizeof(size_t));
}

static HM_UNUSED void hm_free(hm_bits *w)
{
    free(w->buf);
    free(w->slots);
}

static HM_UNUSED void hm_reserve(hm_bits *w, size_t nwords)
{
    while (w->nslots < nwords && w->nslots < w->slots_cap && w->len + 2 <= w->cap) {
        w->slots[w->nslots++] = w->len;
        w->len += 2;
    }
}

static HM_UNUSED void hm_store_word(hm_bits *w, size_t index, uint16_t v)
{
    hm_reserve(w, index + 1);
    if (index < w->nslots) {
        w->buf[w->slots[index]] = (uint8_t)v;
        w->buf[w->slots[index] + 1] = (uint8_t)(v >> 8);
    }
}

static HM_UNUSED void hm_put(hm_bits *w, uint32_t value, unsigned n)
{
    for (unsigned i = n; i-- > 0;) {
        w->cur = (w->cur << 1) | ((value >> i) & 1u);
        w->nbits++;
        if (w->nbits % 16 == 0) {
            hm_store_word(w, (size_t)(w->nbits / 16 - 1), (uint16_t)w->cur);
            w->cur = 0;
        }
    }
}

/* A byte read by a lazy reader after the bits written so far. */
static HM_UNUSED void hm_byte(hm_bits *w, uint8_t b)
{
    hm_reserve(w, (size_t)((w->nbits + 15) / 16 + 1));
    if (w->len < w->cap)
        w->buf[w->len++] = b;
}

/* Pads the last word with zero bits and lays out every word written. */
static HM_UNUSED void hm_flush(hm_bits *w)
{
    if (w->nbits % 16)
        hm_put(w, 0, 16 - (unsigned)(w->nbits % 16));
    hm_reserve(w, (size_t)(w->nbits / 16));
}

/* Canonical Huffman codes: by (length, symbol), most significant bit first. */
static HM_UNUSED void hm_canonical(const uint8_t *lens, unsigned n, uint32_t *codes)
{
    uint32_t count[32] = {0}, next[32] = {0}, code = 0;
    for (unsigned s = 0; s < n; s++)
        count[lens[s]]++;
    count[0] = 0;
    for (unsigned l = 1; l < 32; l++) {
        code = (code + count[l - 1]) << 1;
        next[l] = code;
    }
    for (unsigned s = 0; s < n; s++)
        codes[s] = lens[s] ? next[lens[s]]++ : 0;
}

/* ---- plaintext model ------------------------------------------------- */
typedef struct hm_plain {
    uint8_t *data;
    size_t len, cap;
} hm_plain;

static HM_UNUSED void hm_plain_literal(hm_plain *p, uint8_t b)
{
    if (p->len < p->cap)
        p->data[p->len++] = b;
}

static HM_UNUSED void hm_plain_match(hm_plain *p, size_t len, size_t off)
{
    for (size_t i = 0; i < len && p->len < p->cap && off <= p->len; i++, p->len++)
        p->data[p->len] = p->data[p->len - off];
}

/* ---- XPRESS-Huffman --------------------------------------------------- */
typedef struct hm_xpress {
    hm_bits w;
    hm_plain plain;
    uint8_t lens[512];
    uint32_t codes[512];
} hm_xpress;

enum { HM_XP_FLAT, HM_XP_SKEWED, HM_XP_DEEP };

/* Three complete codes: every symbol 9 bits; a skewed one up to 11 bits
 * (the decoder's primary table size); a deep one with 14- and 15-bit
 * codes (the decoder's long-code path). */
static HM_UNUSED void hm_xpress_lens(uint8_t *lens, int kind)
{
    unsigned s;
    switch (kind) {
    case HM_XP_FLAT:
        memset(lens, 9, 512);
        break;
    case HM_XP_SKEWED:
        /* 'a' 1 bit, 'b' 2 bits, two 10-bit and 508 11-bit symbols. */
        memset(lens, 11, 512);
        lens['a'] = 1;
        lens['b'] = 2;
        lens['c'] = 10;
        lens[256 + 0x00] = 10;
        break;
    default:
        /* 'a'..'f' 1..6 bits, six 14-bit and 500 15-bit symbols. */
        memset(lens, 15, 512);
        for (s = 0; s < 6; s++)
            lens['a' + s] = (uint8_t)(s + 1);
        lens['g'] = lens['h'] = lens['i'] = 14;
        lens[256] = lens[257] = lens[256 + 0x1f] = 14;
        break;
    }
}

static HM_UNUSED void hm_xpress_begin(hm_xpress *x, int kind, size_t cap, size_t plain_cap)
{
    memset(x, 0, sizeof(*x));
    hm_init(&x->w, cap);
    x->plain.data = calloc(1, plain_cap + 1);
    x->plain.cap = plain_cap;
    hm_xpress_lens(x->lens, kind);
    hm_canonical(x->lens, 512, x->codes);
    for (unsigned i = 0; i < 256; i++)
        x->w.buf[i] = (uint8_t)(x->lens[2 * i] | x->lens[2 * i + 1] << 4);
    x->w.len = 256;
}

static HM_UNUSED void hm_xpress_literal(hm_xpress *x, uint8_t b)
{
    hm_put(&x->w, x->codes[b], x->lens[b]);
    hm_plain_literal(&x->plain, b);
}

static HM_UNUSED void hm_xpress_literals(hm_xpress *x, const char *s)
{
    while (*s)
        hm_xpress_literal(x, (uint8_t)*s++);
}

/* len >= 3, 1 <= off <= 65535. */
static HM_UNUSED void hm_xpress_match(hm_xpress *x, size_t len, size_t off)
{
    unsigned k = 0;
    size_t l = len - 3;
    unsigned hdr = l < 15 ? (unsigned)l : 15u;
    while (((size_t)2 << k) <= off)
        k++;
    unsigned sym = 256 + (k << 4 | hdr);
    hm_put(&x->w, x->codes[sym], x->lens[sym]);
    if (hdr == 15) {
        if (l - 15 < 255) {
            hm_byte(&x->w, (uint8_t)(l - 15));
        } else {
            hm_byte(&x->w, 255);
            hm_byte(&x->w, (uint8_t)l);
            hm_byte(&x->w, (uint8_t)(l >> 8));
        }
    }
    hm_put(&x->w, (uint32_t)(off - ((size_t)1 << k)), k);
    hm_plain_match(&x->plain, len, off);
}

/* Ends the chunk the way Windows does: the end-of-data symbol 256, then
 * the last word. Returns the stream length. */
static HM_UNUSED size_t hm_xpress_end(hm_xpress *x)
{
    hm_put(&x->w, x->codes[256], x->lens[256]);
    hm_flush(&x->w);
    return x->w.len;
}

static HM_UNUSED void hm_xpress_free(hm_xpress *x)
{
    hm_free(&x->w);
    free(x->plain.data);
}

/* ---- LZX (WIM/WOF form: 32 KiB window, 30 offset slots) ---------------- */
#define HM_LZX_MAIN 496
#define HM_LZX_LEN 249

typedef struct hm_lzx {
    hm_bits w;
    hm_plain plain;
    uint8_t main_prev[HM_LZX_MAIN], len_prev[HM_LZX_LEN]; /* lengths the reader holds */
    uint8_t main_lens[HM_LZX_MAIN], len_lens[HM_LZX_LEN], aligned_lens[8], pre_lens[20];
    uint32_t main_codes[HM_LZX_MAIN], len_codes[HM_LZX_LEN], aligned_codes[8], pre_codes[20];
    uint32_t R[3];
    int aligned;
    int use_runs; /* send zero runs and same-delta runs with pretree 17/18/19 */
} hm_lzx;

static HM_UNUSED unsigned hm_lzx_extra(unsigned slot)
{
    return slot < 4 ? 0 : slot / 2 - 1;
}

static HM_UNUSED uint32_t hm_lzx_base(unsigned slot)
{
    uint32_t b = 0;
    for (unsigned s = 0; s < slot; s++)
        b += (uint32_t)1 << hm_lzx_extra(s);
    return b;
}

static HM_UNUSED void hm_lzx_begin(hm_lzx *z, size_t cap, size_t plain_cap)
{
    memset(z, 0, sizeof(*z));
    hm_init(&z->w, cap);
    z->plain.data = calloc(1, plain_cap + 1);
    z->plain.cap = plain_cap;
    z->R[0] = z->R[1] = z->R[2] = 1;
    /* Pretree: 12 symbols of 4 bits, 8 of 5 (complete). */
    for (unsigned i = 0; i < 20; i++)
        z->pre_lens[i] = i < 12 ? 4 : 5;
    hm_canonical(z->pre_lens, 20, z->pre_codes);
}

/* Default codes (all complete): literals 9 bits; match symbols 10/9/8/7
 * bits in groups of 128/64/32/16; length symbol 0 5 bits, others 8;
 * aligned symbols 3 bits. `variant` rotates the literal lengths so that
 * consecutive blocks send nonzero deltas. */
static HM_UNUSED void hm_lzx_default_codes(hm_lzx *z, unsigned variant)
{
    for (unsigned s = 0; s < 256; s++)
        z->main_lens[s] = 9;
    for (unsigned s = 0; s < 240; s++)
        z->main_lens[256 + s] = s < 128 ? 10 : s < 192 ? 9 : s < 224 ? 8 : 7;
    if (variant & 1) {
        /* 'e' 5 bits (16/512 instead of 1/512); 30 literals go to 10 bits
         * to pay the 15/512 back. */
        z->main_lens['e'] = 5;
        for (unsigned s = 0xe0; s < 0xfe; s++)
            z->main_lens[s] = 10;
    }
    z->len_lens[0] = 5;
    for (unsigned s = 1; s < HM_LZX_LEN; s++)
        z->len_lens[s] = 8;
    for (unsigned s = 0; s < 8; s++)
        z->aligned_lens[s] = 3;
}

static HM_UNUSED void hm_lzx_send_lens(hm_lzx *z, uint8_t *prev, const uint8_t *lens, unsigned n)
{
    for (unsigned i = 0; i < 20; i++)
        hm_put(&z->w, z->pre_lens[i], 4);
    unsigned i = 0;
    while (i < n) {
        if (z->use_runs && lens[i] == 0) {
            unsigned run = 0;
            while (i + run < n && lens[i + run] == 0 && run < 51)
                run++;
            if (run >= 20) {
                hm_put(&z->w, z->pre_codes[18], z->pre_lens[18]);
                hm_put(&z->w, run - 20, 5);
                memset(prev + i, 0, run);
                i += run;
                continue;
            }
            if (run >= 4) {
                hm_put(&z->w, z->pre_codes[17], z->pre_lens[17]);
                hm_put(&z->w, run - 4, 4);
                memset(prev + i, 0, run);
                i += run;
                continue;
            }
        }
        if (z->use_runs && i + 4 <= n) {
            /* 19: 4 or 5 entries that all take the first one's delta. */
            unsigned d = (prev[i] + 17u - lens[i]) % 17u, run = 1;
            while (run < 5 && i + run < n && lens[i + run] == lens[i] && prev[i + run] == prev[i])
                run++;
            if (run >= 4) {
                hm_put(&z->w, z->pre_codes[19], z->pre_lens[19]);
                hm_put(&z->w, run - 4, 1);
                hm_put(&z->w, z->pre_codes[d], z->pre_lens[d]);
                memset(prev + i, lens[i], run);
                i += run;
                continue;
            }
        }
        unsigned d = (prev[i] + 17u - lens[i]) % 17u;
        hm_put(&z->w, z->pre_codes[d], z->pre_lens[d]);
        prev[i] = lens[i];
        i++;
    }
}

/* Starts a verbatim (aligned = 0) or aligned offset block of `size`
 * output bytes with the codes in z->*_lens. */
static HM_UNUSED void hm_lzx_block(hm_lzx *z, int aligned, unsigned size)
{
    hm_put(&z->w, aligned ? 2 : 1, 3);
    if (size == 32768) {
        hm_put(&z->w, 1, 1);
    } else {
        hm_put(&z->w, 0, 1);
        hm_put(&z->w, size, 16);
    }
    if (aligned) {
        for (unsigned i = 0; i < 8; i++)
            hm_put(&z->w, z->aligned_lens[i], 3);
    }
    hm_lzx_send_lens(z, z->main_prev, z->main_lens, 256);
    hm_lzx_send_lens(z, z->main_prev + 256, z->main_lens + 256, HM_LZX_MAIN - 256);
    hm_lzx_send_lens(z, z->len_prev, z->len_lens, HM_LZX_LEN);
    hm_canonical(z->main_lens, HM_LZX_MAIN, z->main_codes);
    hm_canonical(z->len_lens, HM_LZX_LEN, z->len_codes);
    hm_canonical(z->aligned_lens, 8, z->aligned_codes);
    z->aligned = aligned;
}

static HM_UNUSED void hm_lzx_literal(hm_lzx *z, uint8_t b)
{
    hm_put(&z->w, z->main_codes[b], z->main_lens[b]);
    hm_plain_literal(&z->plain, b);
}

static HM_UNUSED void hm_lzx_literals(hm_lzx *z, const char *s)
{
    while (*s)
        hm_lzx_literal(z, (uint8_t)*s++);
}

static HM_UNUSED void hm_lzx_match_sym(hm_lzx *z, size_t len, unsigned slot)
{
    unsigned hdr = len - 2 < 7 ? (unsigned)(len - 2) : 7u;
    unsigned sym = 256 + slot * 8 + hdr;
    hm_put(&z->w, z->main_codes[sym], z->main_lens[sym]);
    if (hdr == 7)
        hm_put(&z->w, z->len_codes[len - 9], z->len_lens[len - 9]);
}

/* A match with an explicit offset (2 <= len <= 257, 1 <= off <= 32765). */
static HM_UNUSED void hm_lzx_match(hm_lzx *z, size_t len, size_t off)
{
    uint32_t f = (uint32_t)off + 2;
    unsigned slot = 3;
    while (slot + 1 < 30 && hm_lzx_base(slot + 1) <= f)
        slot++;
    uint32_t extra_v = f - hm_lzx_base(slot);
    unsigned extra = hm_lzx_extra(slot);
    hm_lzx_match_sym(z, len, slot);
    if (z->aligned && extra >= 3) {
        hm_put(&z->w, extra_v >> 3, extra - 3);
        hm_put(&z->w, z->aligned_codes[extra_v & 7], z->aligned_lens[extra_v & 7]);
    } else {
        hm_put(&z->w, extra_v, extra);
    }
    z->R[2] = z->R[1];
    z->R[1] = z->R[0];
    z->R[0] = (uint32_t)off;
    hm_plain_match(&z->plain, len, off);
}

/* Matches at offset off (literals for a 1-byte tail) until the output is
 * `end` bytes long. */
static HM_UNUSED void hm_lzx_match_until(hm_lzx *z, size_t end, size_t off)
{
    while (z->plain.len < end) {
        size_t len = end - z->plain.len;
        if (len > 257)
            len = len - 257 >= 2 ? 257 : len - 2;
        if (len < 2)
            hm_lzx_literal(z, z->plain.data[z->plain.len - off]);
        else
            hm_lzx_match(z, len, off);
    }
}

/* A match with recent offset R[i] (i = 0..2). */
static HM_UNUSED void hm_lzx_repeat(hm_lzx *z, size_t len, unsigned i)
{
    uint32_t off = z->R[i];
    hm_lzx_match_sym(z, len, i);
    z->R[i] = z->R[0];
    z->R[0] = off;
    hm_plain_match(&z->plain, len, off);
}

/* An uncompressed block holding data[0..size) with recent offsets r. */
static HM_UNUSED void hm_lzx_uncompressed(hm_lzx *z, const uint8_t *data, unsigned size, const uint32_t r[3])
{
    hm_put(&z->w, 3, 3);
    if (size == 32768) {
        hm_put(&z->w, 1, 1);
    } else {
        hm_put(&z->w, 0, 1);
        hm_put(&z->w, size, 16);
    }
    /* To the next 16-bit boundary; a whole word when already on one. */
    hm_put(&z->w, 0, 16 - (unsigned)(z->w.nbits % 16));
    hm_flush(&z->w);
    for (unsigned i = 0; i < 3; i++) {
        z->R[i] = r[i];
        for (unsigned k = 0; k < 4; k++)
            if (z->w.len < z->w.cap)
                z->w.buf[z->w.len++] = (uint8_t)(r[i] >> (8 * k));
    }
    for (unsigned i = 0; i < size; i++) {
        if (z->w.len < z->w.cap)
            z->w.buf[z->w.len++] = data[i];
        hm_plain_literal(&z->plain, data[i]);
    }
    if ((size & 1) && z->w.len < z->w.cap)
        z->w.buf[z->w.len++] = 0;
    /* The bit stream restarts after the raw bytes. */
    z->w.nslots = 0;
    z->w.nbits = 0;
    z->w.cur = 0;
}

/* What an LZX decoder must output for the tokens so far: the model's
 * bytes with the E8 translation undone (written from the format text:
 * an E8 byte at i < n - 10 is followed by a 32-bit absolute target t;
 * 0 <= t < 12000000 becomes t - i, -i <= t < 0 becomes t + 12000000;
 * scanning resumes after the 4 target bytes). Returns a malloc'd copy. */
static HM_UNUSED uint8_t *hm_lzx_expected(const hm_lzx *z)
{
    size_t n = z->plain.len;
    uint8_t *d = malloc(n + 1);
    memcpy(d, z->plain.data, n);
    for (size_t i = 0; n > 10 && i < n - 10; i++) {
        if (d[i] != 0xe8)
            continue;
        uint32_t u = (uint32_t)d[i + 1] | (uint32_t)d[i + 2] << 8 | (uint32_t)d[i + 3] << 16 |
                     (uint32_t)d[i + 4] << 24;
        int64_t t = u >= 0x80000000u ? (int64_t)u - 0x100000000ll : (int64_t)u, r = t;
        if (t >= 0 && t < 12000000)
            r = t - (int64_t)i;
        else if (t < 0 && t >= -(int64_t)i)
            r = t + 12000000;
        for (int k = 0; k < 4; k++)
            d[i + 1 + k] = (uint8_t)((uint64_t)r >> (8 * k));
        i += 4;
    }
    return d;
}

static HM_UNUSED size_t hm_lzx_end(hm_lzx *z)
{
    hm_flush(&z->w);
    return z->w.len;
}

static HM_UNUSED void hm_lzx_free(hm_lzx *z)
{
    hm_free(&z->w);
    free(z->plain.data);
}

#endif
