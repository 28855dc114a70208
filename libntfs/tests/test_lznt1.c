/* Tests of the LZNT1 decoder (libntfs/src/lznt1.c).
 *
 * Oracles:
 *  - hand-made chunks whose expected output is written out by hand;
 *  - a chunk builder that records, token by token, the bytes each token
 *    stands for (so long streams can be checked without trusting the
 *    decoder's own position/split logic);
 *  - a deliberately simple byte-at-a-time reference decoder for
 *    differential fuzzing of malformed input;
 *  - real compression units written by ntfs-3g on a generated image
 *    (testdata/ntfs/gen_ntfs_images.py extracts the raw clusters and the
 *    matching slice of the source file). That test runs when
 *    $NTKIT_LZNT1_UNITS names the units list and skips otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lznt1.h"
#include "ntcore/status.h"
#include "test_support.h"

#define CHUNK 4096u

/* ---- builders ---------------------------------------------------------- */

/* A compressed-chunk builder: the test chooses every token; `plain`
 * collects the bytes those tokens mean by the format's definition. */
typedef struct chunk_builder {
    uint8_t data[2 + 2 * CHUNK + CHUNK / 8 + 16];
    size_t len;          /* bytes of data written, header included */
    size_t flag_at;      /* position of the current flag byte */
    unsigned nbits;      /* tokens in the current group */
    uint8_t plain[CHUNK + 64];
    size_t plain_len;
} chunk_builder;

static void cb_init(chunk_builder *b)
{
    memset(b, 0, sizeof(*b));
    b->len = 2;          /* header written by cb_finish */
    b->nbits = 8;        /* forces a new flag byte on the first token */
}

static void cb_slot(chunk_builder *b)
{
    if (b->nbits == 8) {
        b->flag_at = b->len++;
        b->data[b->flag_at] = 0;
        b->nbits = 0;
    }
}

static void cb_literal(chunk_builder *b, uint8_t c)
{
    cb_slot(b);
    b->nbits++;
    b->data[b->len++] = c;
    b->plain[b->plain_len++] = c;
}

static void cb_literals(chunk_builder *b, const char *s)
{
    while (*s)
        cb_literal(b, (uint8_t)*s++);
}

/* Displacement bits at chunk position pos: the smallest n >= 4 with
 * 2^n >= pos (MS-XCA 2.5: the length field shrinks as the chunk grows). */
static unsigned disp_bits(size_t pos)
{
    unsigned n = 4;
    while (((size_t)1 << n) < pos)
        n++;
    return n;
}

static void cb_raw_token(chunk_builder *b, uint16_t tok)
{
    cb_slot(b);
    b->data[b->flag_at] |= (uint8_t)(1u << b->nbits);
    b->nbits++;
    b->data[b->len++] = (uint8_t)tok;
    b->data[b->len++] = (uint8_t)(tok >> 8);
}

static void cb_match(chunk_builder *b, size_t disp, size_t len)
{
    size_t pos = b->plain_len;
    unsigned db = disp_bits(pos);
    unsigned lb = 16 - db;
    assert_true(disp >= 1 && disp <= pos && disp <= ((size_t)1 << db));
    assert_true(len >= 3 && len <= ((size_t)1 << lb) + 2);
    cb_raw_token(b, (uint16_t)(((disp - 1) << lb) | (len - 3)));
    for (size_t i = 0; i < len; i++, b->plain_len++)
        b->plain[b->plain_len] = b->plain[b->plain_len - disp];
}

/* Writes the header: compressed chunk of the data so far. */
static void cb_finish(chunk_builder *b)
{
    size_t dl = b->len - 2;
    assert_true(dl >= 1 && dl <= CHUNK);
    uint16_t h = (uint16_t)(0xb000u | (dl - 1));
    b->data[0] = (uint8_t)h;
    b->data[1] = (uint8_t)(h >> 8);
}

/* A stream of several chunks, with optional terminator. */
typedef struct stream {
    uint8_t *buf;
    size_t len, cap;
} stream;

static void st_put(stream *s, const void *p, size_t n)
{
    if (s->len + n > s->cap) {
        s->cap = (s->len + n) * 2 + 64;
        s->buf = realloc(s->buf, s->cap);
        assert_non_null(s->buf);
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
}

static void st_stored(stream *s, const uint8_t *p, size_t n)
{
    uint8_t h[2];
    uint16_t v = (uint16_t)(0x3000u | (n - 1));
    h[0] = (uint8_t)v;
    h[1] = (uint8_t)(v >> 8);
    st_put(s, h, 2);
    st_put(s, p, n);
}

/* Runs the decoder into an exactly-sized heap buffer (so ASan sees any
 * write past dst_len). */
static int decode(const uint8_t *src, size_t n, size_t dst_len, uint8_t **out, size_t *out_len)
{
    uint8_t *dst = malloc(dst_len ? dst_len : 1);
    assert_non_null(dst);
    memset(dst, 0xcc, dst_len);
    /* An exact-size copy of src, too. */
    uint8_t *in = malloc(n ? n : 1);
    assert_non_null(in);
    if (n)
        memcpy(in, src, n);
    *out_len = (size_t)-1;
    int rc = ntfs_lznt1_decompress_unit(in, n, dst, dst_len, out_len);
    free(in);
    *out = dst;
    return rc;
}

/* ---- reference decoder (simple, slow, for differential checks) -------- */

static int ref_decode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, size_t *olen)
{
    size_t in = 0, out = 0, slot = 0;
    size_t nslots = (cap + CHUNK - 1) / CHUNK;
    *olen = 0;
    while (n - in >= 2) {
        unsigned h = (unsigned)src[in] | ((unsigned)src[in + 1] << 8);
        if (h == 0 || slot >= nslots)
            break;
        size_t dl = (h & 0xfffu) + 1;
        if (dl > n - in - 2)
            return NT_ERR_CORRUPT;
        size_t cs = slot * CHUNK;
        size_t ce = cs + CHUNK < cap ? cs + CHUNK : cap;
        while (out < cs)
            dst[out++] = 0;
        size_t p = in + 2, e = in + 2 + dl;
        if (!(h & 0x8000u)) {
            if (dl > ce - cs)
                return NT_ERR_CORRUPT;
            for (size_t i = 0; i < dl; i++)
                dst[out++] = src[p + i];
        } else {
            while (p < e) {
                unsigned f = src[p++];
                for (unsigned bit = 0; bit < 8 && p < e; bit++) {
                    if (!((f >> bit) & 1)) {
                        if (out >= ce)
                            return NT_ERR_CORRUPT;
                        dst[out++] = src[p++];
                        continue;
                    }
                    if (e - p < 2)
                        return NT_ERR_CORRUPT;
                    unsigned t = (unsigned)src[p] | ((unsigned)src[p + 1] << 8);
                    p += 2;
                    size_t pos = out - cs;
                    unsigned db = disp_bits(pos);
                    size_t d = (t >> (16 - db)) + 1;
                    size_t l = (t & ((1u << (16 - db)) - 1)) + 3;
                    if (d > pos || l > ce - out)
                        return NT_ERR_CORRUPT;
                    for (size_t k = 0; k < l; k++, out++)
                        dst[out] = dst[out - d];
                }
            }
        }
        in = e;
        slot++;
        *olen = out;
    }
    *olen = out;
    return NT_OK;
}

/* ---- hand-made chunks -------------------------------------------------- */

static void test_empty_and_terminator(void **state)
{
    (void)state;
    uint8_t *out;
    size_t olen;
    assert_int_equal(decode(NULL, 0, 4096, &out, &olen), NT_OK);
    assert_int_equal(olen, 0);
    free(out);
    const uint8_t zero[4] = {0, 0, 0xff, 0xff};
    assert_int_equal(decode(zero, sizeof(zero), 4096, &out, &olen), NT_OK);
    assert_int_equal(olen, 0);
    free(out);
    /* One stray byte: fewer than 2 bytes cannot be a header. */
    assert_int_equal(decode(zero, 1, 4096, &out, &olen), NT_OK);
    assert_int_equal(olen, 0);
    free(out);
}

static void test_invalid_args(void **state)
{
    (void)state;
    uint8_t b[8] = {0};
    size_t olen;
    assert_int_equal(ntfs_lznt1_decompress_unit(b, 8, b, 8, NULL), NT_ERR_INVALID);
    assert_int_equal(ntfs_lznt1_decompress_unit(NULL, 8, b, 8, &olen), NT_ERR_INVALID);
    assert_int_equal(ntfs_lznt1_decompress_unit(b, 8, NULL, 8, &olen), NT_ERR_INVALID);
}

static void test_stored_chunk(void **state)
{
    (void)state;
    uint8_t plain[CHUNK];
    for (size_t i = 0; i < CHUNK; i++)
        plain[i] = (uint8_t)(i * 7 + 3);
    /* ntfs-3g writes stored chunks as header 0x3fff. */
    uint8_t src[2 + CHUNK + 2];
    src[0] = 0xff;
    src[1] = 0x3f;
    memcpy(src + 2, plain, CHUNK);
    src[2 + CHUNK] = 0;
    src[3 + CHUNK] = 0;
    uint8_t *out;
    size_t olen;
    assert_int_equal(decode(src, sizeof(src), 65536, &out, &olen), NT_OK);
    assert_int_equal(olen, CHUNK);
    assert_memory_equal(out, plain, CHUNK);
    free(out);
}

static void test_literals_only(void **state)
{
    (void)state;
    /* Header b00a: compressed, 11 data bytes = flag 00 + 8 literals,
     * flag 00 + "9". Spelled out by hand. */
    const uint8_t src[] = {0x0a, 0xb0, 0x00, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
                           0x00, '9', 0x00, 0x00};
    uint8_t *out;
    size_t olen;
    assert_int_equal(decode(src, sizeof(src), 4096, &out, &olen), NT_OK);
    assert_int_equal(olen, 9);
    assert_memory_equal(out, "abcdefgh9", 9);
    free(out);

    /* 3584 literals (448 groups): exercises the 8-literal fast path up to
     * the end of the input, where the per-token checks take over. */
    chunk_builder *b = malloc(sizeof(*b));
    cb_init(b);
    for (size_t i = 0; i < 3584 - 5; i++)
        cb_literal(b, (uint8_t)(i ^ (i >> 8)));
    cb_finish(b);
    assert_int_equal(decode(b->data, b->len, 65536, &out, &olen), NT_OK);
    assert_int_equal(olen, b->plain_len);
    assert_memory_equal(out, b->plain, olen);
    free(out);
    free(b);
}

static void test_hand_tokens(void **state)
{
    (void)state;
    uint8_t *out;
    size_t olen;
    /* "abc" then token 0x2003 at position 3: 4 displacement bits,
     * disp = 2+1 = 3, len = 3+3 = 6 -> "abcabcabc". */
    const uint8_t s1[] = {0x05, 0xb0, 0x08, 'a', 'b', 'c', 0x03, 0x20};
    assert_int_equal(decode(s1, sizeof(s1), 4096, &out, &olen), NT_OK);
    assert_int_equal(olen, 9);
    assert_memory_equal(out, "abcabcabc", 9);
    free(out);

    /* Run of one byte: "x" then disp 1 len 4095 = token 0x0ffc. */
    const uint8_t s2[] = {0x03, 0xb0, 0x02, 'x', 0xfc, 0x0f};
    assert_int_equal(decode(s2, sizeof(s2), 4096, &out, &olen), NT_OK);
    assert_int_equal(olen, 4096);
    for (size_t i = 0; i < 4096; i++)
        assert_int_equal(out[i], 'x');
    free(out);
}

/* The same token bits mean different things 16 and 17 bytes in. */
static void test_split_changes_with_position(void **state)
{
    (void)state;
    uint8_t *out;
    size_t olen;
    /* 16 literals, then 0x1003 with 4 disp bits: disp 2, len 6. */
    const uint8_t a[] = {0x14, 0xb0, 0x00, '0', '1', '2', '3', '4', '5', '6', '7',
                         0x00, '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', 0x01, 0x03, 0x10};
    assert_int_equal(decode(a, sizeof(a), 4096, &out, &olen), NT_OK);
    assert_int_equal(olen, 22);
    assert_memory_equal(out, "0123456789abcdefefefef", 22);
    free(out);
    /* 17 literals, then 0x1003 with 5 disp bits: disp 3, len 6. */
    const uint8_t b[] = {0x15, 0xb0, 0x00, '0', '1', '2', '3', '4', '5', '6', '7',
                         0x00, '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', 0x02, 'g', 0x03, 0x10};
    assert_int_equal(decode(b, sizeof(b), 4096, &out, &olen), NT_OK);
    assert_int_equal(olen, 23);
    assert_memory_equal(out, "0123456789abcdefgefgefg", 23);
    free(out);
}

/* Fills a chunk up to position `to` with pseudo-random literals and short
 * matches (few literals, so 4 KiB of output fits in one chunk). */
static void fill_to(chunk_builder *b, size_t to, uint32_t *x)
{
    while (b->plain_len < to) {
        *x = *x * 1103515245u + 12345u;
        size_t pos = b->plain_len, left = to - pos;
        size_t maxd = (size_t)1 << disp_bits(pos);
        if (pos < 8 || left < 3 || (*x >> 28) == 0) {
            cb_literal(b, (uint8_t)(*x >> 16));
            continue;
        }
        size_t d = 1 + (*x >> 8) % (pos < maxd ? pos : maxd);
        size_t l = 3 + (*x >> 4) % 8;
        if (l > left)
            l = left;
        cb_match(b, d, l);
    }
}

/* Matches at every split boundary (16/17, 32/33, ..., 2048/2049) with
 * the largest displacement and length allowed there. */
static void test_split_boundaries(void **state)
{
    (void)state;
    chunk_builder *b = malloc(sizeof(*b));
    cb_init(b);
    uint32_t x = 12345;
    for (size_t target = 16; target <= 2048; target *= 2) {
        fill_to(b, target, &x);
        /* At exactly target: 2^db == target, maximal displacement. */
        unsigned db = disp_bits(b->plain_len);
        cb_match(b, (size_t)1 << db, 3);
        /* Now past the boundary: one more displacement bit. */
        assert_int_equal(disp_bits(b->plain_len), db + 1);
        cb_match(b, b->plain_len, 5);
    }
    /* Longest match allowed with 12 displacement bits: 18 bytes. */
    fill_to(b, 4096 - 2 - 18 - 14, &x);
    cb_match(b, b->plain_len - 1, 18);
    cb_match(b, 4000, 14);
    assert_int_equal(b->plain_len, 4096 - 2);
    cb_literals(b, "!?");
    cb_finish(b);
    uint8_t *out;
    size_t olen;
    assert_int_equal(decode(b->data, b->len, 4096, &out, &olen), NT_OK);
    assert_int_equal(olen, 4096);
    assert_memory_equal(out, b->plain, 4096);
    free(out);
    free(b);
}

/* Overlapping matches of every small displacement and many lengths, and
 * long non-overlapping ones, in one chunk: exercises the word copy, the
 * byte loop and the doubling copy. */
static void test_overlapping_matches(void **state)
{
    (void)state;
    for (size_t disp = 1; disp <= 20; disp++) {
        for (size_t len = 3; len <= 200; len += (len < 40 ? 1 : 37)) {
            chunk_builder *b = malloc(sizeof(*b));
            cb_init(b);
            for (size_t i = 0; i < disp; i++)
                cb_literal(b, (uint8_t)('A' + i));
            /* Split long lengths into allowed pieces. */
            size_t left = len;
            while (left) {
                size_t maxl = ((size_t)1 << (16 - disp_bits(b->plain_len))) + 2;
                size_t l = left < maxl ? left : maxl;
                if (l < 3) {
                    cb_literal(b, b->plain[b->plain_len - disp]);
                    left--;
                    continue;
                }
                cb_match(b, disp, l);
                left -= l;
            }
            cb_literals(b, "end");
            cb_finish(b);
            /* Check the builder's meaning against the definition too:
             * the output is periodic with period disp. */
            for (size_t i = disp; i < disp + len; i++)
                assert_int_equal(b->plain[i], 'A' + (i % disp));
            /* dst exactly as long as the output: no room for overshoot. */
            uint8_t *out;
            size_t olen;
            assert_int_equal(decode(b->data, b->len, b->plain_len, &out, &olen), NT_OK);
            assert_int_equal(olen, b->plain_len);
            assert_memory_equal(out, b->plain, olen);
            free(out);
            /* And with a full unit buffer (overshoot allowed). */
            assert_int_equal(decode(b->data, b->len, 65536, &out, &olen), NT_OK);
            assert_int_equal(olen, b->plain_len);
            assert_memory_equal(out, b->plain, olen);
            free(out);
            free(b);
        }
    }
}

static void test_long_matches(void **state)
{
    (void)state;
    chunk_builder *b = malloc(sizeof(*b));
    cb_init(b);
    cb_literals(b, "The quick brown fox jumps over the lazy dog. ");
    /* At position 45, 6 displacement bits: len up to 1025. */
    cb_match(b, 45, 1025);
    /* At position 1070, 11 displacement bits: len up to 34. */
    cb_match(b, 1000, 34);
    cb_match(b, 17, 30);
    cb_literals(b, "tail");
    cb_finish(b);
    uint8_t *out;
    size_t olen;
    assert_int_equal(decode(b->data, b->len, 65536, &out, &olen), NT_OK);
    assert_int_equal(olen, b->plain_len);
    assert_memory_equal(out, b->plain, olen);
    for (size_t i = 45; i < 45 + 1025; i++)
        assert_int_equal(out[i], out[i % 45]);
    free(out);
    free(b);
}

/* Several chunks: a short compressed chunk is zero-padded to 4 KiB before
 * the next one; stored and compressed chunks mix; the last chunk's end
 * is the output length. */
static void test_multiple_chunks(void **state)
{
    (void)state;
    stream s = {0};
    chunk_builder *b = malloc(sizeof(*b));
    cb_init(b);
    cb_literals(b, "hello, ");
    cb_match(b, 7, 100);
    cb_finish(b);
    size_t short_len = b->plain_len;
    uint8_t first[CHUNK];
    memcpy(first, b->plain, short_len);
    st_put(&s, b->data, b->len);

    uint8_t second[CHUNK];
    for (size_t i = 0; i < CHUNK; i++)
        second[i] = (uint8_t)(i * 31);
    st_stored(&s, second, CHUNK);

    cb_init(b);
    cb_literals(b, "third");
    cb_finish(b);
    st_put(&s, b->data, b->len);
    st_put(&s, "\0\0garbage", 9);

    uint8_t *out;
    size_t olen;
    assert_int_equal(decode(s.buf, s.len, 65536, &out, &olen), NT_OK);
    assert_int_equal(olen, 2 * CHUNK + 5);
    assert_memory_equal(out, first, short_len);
    for (size_t i = short_len; i < CHUNK; i++)
        assert_int_equal(out[i], 0);
    assert_memory_equal(out + CHUNK, second, CHUNK);
    assert_memory_equal(out + 2 * CHUNK, "third", 5);
    free(out);
    free(s.buf);
    free(b);
}

/* Once every 4 KiB slot of dst is filled, further bytes are slack. */
static void test_stops_when_unit_full(void **state)
{
    (void)state;
    stream s = {0};
    uint8_t data[CHUNK];
    memset(data, 'q', sizeof(data));
    st_stored(&s, data, CHUNK);
    st_stored(&s, data, CHUNK);
    st_put(&s, "\xff\xff\xff\xff", 4); /* would be a broken header */
    uint8_t *out;
    size_t olen;
    assert_int_equal(decode(s.buf, s.len, 2 * CHUNK, &out, &olen), NT_OK);
    assert_int_equal(olen, 2 * CHUNK);
    free(out);
    free(s.buf);
}

/* ---- malformed input --------------------------------------------------- */

static void expect_corrupt(const uint8_t *src, size_t n, size_t cap, size_t want_offset,
                           const char *rule_part)
{
    uint8_t *dst = malloc(cap ? cap : 1);
    uint8_t *in = malloc(n);
    memcpy(in, src, n);
    size_t olen = (size_t)-1;
    nt_diag d;
    assert_int_equal(ntfs_lznt1_decompress_unit_diag(in, n, dst, cap, &olen, &d), NT_ERR_CORRUPT);
    assert_true(olen <= cap);
    assert_int_equal(d.status, NT_ERR_CORRUPT);
    assert_int_equal(d.offset, want_offset);
    assert_non_null(d.rule);
    if (!strstr(d.rule, rule_part))
        fail_msg("rule '%s' does not mention '%s'", d.rule, rule_part);
    free(in);
    free(dst);
}

static void test_malformed(void **state)
{
    (void)state;
    /* Back-reference as the first token: nothing to refer to. */
    const uint8_t a[] = {0x02, 0xb0, 0x01, 0x00, 0x00};
    expect_corrupt(a, sizeof(a), 4096, 3, "before the start");
    /* Displacement 4 at position 3. */
    const uint8_t b[] = {0x05, 0xb0, 0x08, 'a', 'b', 'c', 0x00, 0x30};
    expect_corrupt(b, sizeof(b), 4096, 6, "before the start");
    /* Chunk claims 0x100 data bytes but the unit ends. */
    const uint8_t c[] = {0xff, 0xb0, 0x00, 'a', 'b'};
    expect_corrupt(c, sizeof(c), 4096, 0, "past the end");
    /* Second chunk runs past the end. */
    const uint8_t c2[] = {0x01, 0xb0, 0x00, 'a', 0x10, 0xb0, 0x00};
    expect_corrupt(c2, sizeof(c2), 8192, 4, "past the end");
    /* Truncated token: flag says match, one byte left in the chunk. */
    const uint8_t d[] = {0x02, 0xb0, 0x02, 'a', 0x01};
    expect_corrupt(d, sizeof(d), 4096, 4, "truncated");
    /* Output overflow: run of 100 into a 50-byte buffer. */
    const uint8_t e[] = {0x03, 0xb0, 0x02, 'x', 0x60, 0x00};
    expect_corrupt(e, sizeof(e), 50, 4, "overflows");
    /* Literal overflow of a tiny buffer. */
    const uint8_t f[] = {0x03, 0xb0, 0x00, 'x', 'y', 'z'};
    expect_corrupt(f, sizeof(f), 2, 5, "overflows");
    /* Stored chunk larger than the buffer. */
    uint8_t g[2 + 64];
    memset(g, 'g', sizeof(g));
    g[0] = 0x3f;
    g[1] = 0x30;
    expect_corrupt(g, sizeof(g), 32, 0, "overflows");
    /* A chunk expanding past 4096 bytes: "x" + run 4095 + one literal. */
    const uint8_t h[] = {0x04, 0xb0, 0x02, 'x', 0xfc, 0x0f, 'y'};
    expect_corrupt(h, sizeof(h), 65536, 6, "past 4096");
    /* Match running past 4096 at the end of a chunk. */
    const uint8_t i[] = {0x05, 0xb0, 0x06, 'x', 0xfc, 0x0f, 0x01, 0x00};
    expect_corrupt(i, sizeof(i), 65536, 6, "past 4096");
}

static uint32_t xorshift(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* Random and mutated inputs: the decoder agrees with the reference on
 * status and output, and never touches memory outside its buffers (ASan
 * builds check that: dst is sized exactly). */
static void test_differential_fuzz(void **state)
{
    (void)state;
    uint32_t x = 0x9e3779b9u;
#define RND() xorshift(&x)
    /* A valid seed stream built from several chunks. */
    stream seed = {0};
    chunk_builder *b = malloc(sizeof(*b));
    for (int c = 0; c < 3; c++) {
        cb_init(b);
        cb_literals(b, "seed-data-");
        while (b->plain_len < 3000) {
            if (RND() % 3 == 0) {
                cb_literal(b, (uint8_t)RND());
            } else {
                size_t pos = b->plain_len;
                size_t maxd = (size_t)1 << disp_bits(pos);
                size_t d = 1 + RND() % (pos < maxd ? pos : maxd);
                size_t maxl = ((size_t)1 << (16 - disp_bits(pos))) + 2;
                size_t l = 3 + RND() % (maxl - 2 < 40 ? maxl - 2 : 40);
                cb_match(b, d, l);
            }
        }
        cb_finish(b);
        st_put(&seed, b->data, b->len);
    }
    free(b);

    uint8_t *buf = malloc(seed.len + 64);
    uint8_t *ref = malloc(65536);
    for (int iter = 0; iter < 3000; iter++) {
        size_t n;
        if (iter % 4 == 0) {
            n = RND() % 300;
            for (size_t i = 0; i < n; i++)
                buf[i] = (uint8_t)RND();
            if (n >= 2)
                buf[1] |= 0x80; /* mostly compressed chunks */
        } else {
            n = seed.len;
            memcpy(buf, seed.buf, n);
            int flips = 1 + (int)(RND() % 4);
            for (int k = 0; k < flips; k++) {
                size_t at = RND() % n;
                buf[at] ^= (uint8_t)(1u << (RND() % 8));
            }
            if (RND() % 4 == 0)
                n = RND() % n;
        }
        size_t cap = (RND() % 2) ? 65536 : 1 + RND() % 9000;
        uint8_t *out;
        size_t olen, rlen;
        int rc = decode(buf, n, cap, &out, &olen);
        int rrc = ref_decode(buf, n, ref, cap, &rlen);
        assert_int_equal(rc, rrc);
        assert_true(olen <= cap);
        if (rc == NT_OK) {
            assert_int_equal(olen, rlen);
            assert_memory_equal(out, ref, olen);
        }
        free(out);
    }
    free(ref);
    free(buf);
    free(seed.buf);
#undef RND
}

/* ---- real units written by ntfs-3g ------------------------------------- */

/* The units list (TSV, one line per compression unit):
 *   raw_file  unit_size  plain_file
 * raw_file holds the unit's allocated clusters as read from the image;
 * plain_file the matching bytes of the source file (shorter than
 * unit_size for the last unit). */
static void test_ntfs3g_units(void **state)
{
    (void)state;
    const char *list = getenv("NTKIT_LZNT1_UNITS");
    if (!list || !*list)
        skip();
    FILE *f = fopen(list, "r");
    if (!f)
        skip();
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", list);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        strcpy(dir, ".");

    char line[8192];
    size_t units = 0, compressed_bytes = 0, plain_bytes = 0;
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char raw_name[2048], plain_name[2048];
        size_t unit_size;
        if (sscanf(line, "%2047s %zu %2047s", raw_name, &unit_size, plain_name) != 3)
            fail_msg("bad units line: %s", line);
        char path[6200];
        size_t raw_len, plain_len;
        snprintf(path, sizeof(path), "%s/%s", dir, raw_name);
        uint8_t *raw = test_read_file(path, &raw_len);
        if (!raw)
            fail_msg("cannot read %s", path);
        snprintf(path, sizeof(path), "%s/%s", dir, plain_name);
        uint8_t *plain = test_read_file(path, &plain_len);
        if (!plain)
            fail_msg("cannot read %s", path);
        assert_true(plain_len <= unit_size);

        uint8_t *out;
        size_t olen;
        int rc = decode(raw, raw_len, unit_size, &out, &olen);
        if (rc != NT_OK)
            fail_msg("%s: status %d", raw_name, rc);
        if (olen < plain_len)
            fail_msg("%s: produced %zu bytes, file has %zu", raw_name, olen, plain_len);
        if (memcmp(out, plain, plain_len) != 0)
            fail_msg("%s: output differs from the source file", raw_name);
        for (size_t i = plain_len; i < olen; i++)
            if (out[i] != 0)
                fail_msg("%s: nonzero byte past end of file at %zu", raw_name, i);
        /* The oracle decoder agrees, too. */
        uint8_t *ref = malloc(unit_size);
        size_t rlen;
        assert_int_equal(ref_decode(raw, raw_len, ref, unit_size, &rlen), NT_OK);
        assert_int_equal(rlen, olen);
        free(ref);
        units++;
        compressed_bytes += raw_len;
        plain_bytes += plain_len;
        free(out);
        free(raw);
        free(plain);
    }
    fclose(f);
    print_message("ntfs-3g units: %zu (%zu compressed bytes -> %zu bytes)\n", units,
                  compressed_bytes, plain_bytes);
    assert_true(units > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_terminator),
        cmocka_unit_test(test_invalid_args),
        cmocka_unit_test(test_stored_chunk),
        cmocka_unit_test(test_literals_only),
        cmocka_unit_test(test_hand_tokens),
        cmocka_unit_test(test_split_changes_with_position),
        cmocka_unit_test(test_split_boundaries),
        cmocka_unit_test(test_overlapping_matches),
        cmocka_unit_test(test_long_matches),
        cmocka_unit_test(test_multiple_chunks),
        cmocka_unit_test(test_stops_when_unit_full),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_differential_fuzz),
        cmocka_unit_test(test_ntfs3g_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
