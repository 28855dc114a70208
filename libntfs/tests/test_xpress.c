/* Tests of the XPRESS-Huffman decoder (libntfs/src/xpress_huffman.c).
 *
 * Oracle: hand-made chunks (bench/wof_handmade.c), whose encoder is
 * written from [MS-XCA] and records the bytes each token stands for; the
 * same streams are checked against wimlib's decoder by bench/wof_diff.c.
 * Plus hand-written malformed chunks, every truncation and random byte
 * flips of valid chunks (run under ASan/UBSan for the hard check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../bench/wof_handmade.c"
#include "ntcore/status.h"
#include "xpress_huffman.h"

/* A chunk with literals, short and long matches, overlapping copies. */
static size_t build_sample(hm_xpress *x, int kind)
{
    hm_xpress_begin(x, kind, 1 << 17, 65536);
    hm_xpress_literals(x, "abcabcabcdefghij");
    hm_xpress_match(x, 3, 3);
    hm_xpress_match(x, 17, 1);
    hm_xpress_match(x, 18, 2);
    hm_xpress_literal(x, 'g');
    hm_xpress_match(x, 100, 7);
    hm_xpress_match(x, 272, 5);
    hm_xpress_match(x, 3000, 33);
    for (int i = 0; i < 300; i++)
        hm_xpress_literal(x, (uint8_t)(i * 7));
    hm_xpress_match(x, 40, 400);
    hm_xpress_literals(x, "aaaaaabbbbccd");
    return hm_xpress_end(x);
}

static void decode_ok(const uint8_t *src, size_t n, const uint8_t *plain, size_t len)
{
    uint8_t *out = malloc(len + 1);
    assert_int_equal(ntfs_xpress_huffman_decompress(src, n, out, len), NT_OK);
    assert_memory_equal(out, plain, len);
    free(out);
}

static void test_code_shapes(void **state)
{
    (void)state;
    for (int kind = HM_XP_FLAT; kind <= HM_XP_DEEP; kind++) {
        hm_xpress x;
        size_t n = build_sample(&x, kind);
        decode_ok(x.w.buf, n, x.plain.data, x.plain.len);
        hm_xpress_free(&x);
    }
}

static void test_single_literal(void **state)
{
    hm_xpress x;
    (void)state;
    hm_xpress_begin(&x, HM_XP_FLAT, 4096, 16);
    hm_xpress_literal(&x, 'Z');
    size_t n = hm_xpress_end(&x);
    assert_int_equal(x.plain.len, 1);
    decode_ok(x.w.buf, n, x.plain.data, 1);
    hm_xpress_free(&x);
}

/* Every (offset bits, length nibble) pair, and lengths around the byte
 * and u16 escapes. */
static void test_all_match_symbols(void **state)
{
    hm_xpress x;
    (void)state;
    hm_xpress_begin(&x, HM_XP_SKEWED, 1 << 18, 65536);
    for (int i = 0; i < 40000 && x.plain.len < 40000; i++)
        hm_xpress_literal(&x, (uint8_t)(i * 131 + (i >> 5)));
    for (unsigned k = 0; k < 15; k++)
        for (size_t len = 3; len <= 18; len++)
            hm_xpress_match(&x, len, ((size_t)1 << k) + (k ? 1 : 0) * (x.plain.len % ((size_t)1 << k)));
    static const size_t longs[] = {18, 19, 200, 269, 270, 271, 272, 1000, 4000};
    for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++)
        hm_xpress_match(&x, longs[i], 1 + i * 3);
    size_t n = hm_xpress_end(&x);
    decode_ok(x.w.buf, n, x.plain.data, x.plain.len);
    hm_xpress_free(&x);
}

/* [MS-XCA]: a u16 length of 0 means a u32 length follows. */
static void test_u32_length(void **state)
{
    hm_xpress x;
    (void)state;
    hm_xpress_begin(&x, HM_XP_FLAT, 1 << 17, 65536);
    hm_xpress_literals(&x, "xy");
    /* match: offset 2 (k = 1), length nibble 15, then 255, 0, u32 */
    unsigned sym = 256 + (1u << 4 | 15u);
    hm_put(&x.w, x.codes[sym], x.lens[sym]);
    size_t l = 5000 - 3;
    hm_byte(&x.w, 255);
    hm_byte(&x.w, 0);
    hm_byte(&x.w, 0);
    for (int k = 0; k < 4; k++)
        hm_byte(&x.w, (uint8_t)(l >> (8 * k)));
    hm_put(&x.w, 0, 1);
    hm_plain_match(&x.plain, 5000, 2);
    size_t n = hm_xpress_end(&x);
    decode_ok(x.w.buf, n, x.plain.data, x.plain.len);
    hm_xpress_free(&x);
}

static void test_bad_arguments(void **state)
{
    uint8_t src[300] = {0}, dst[16];
    (void)state;
    assert_int_equal(ntfs_xpress_huffman_decompress(src, sizeof(src), dst, 0), NT_OK);
    assert_int_equal(ntfs_xpress_huffman_decompress(NULL, 10, dst, 4), NT_ERR_INVALID);
    assert_int_equal(ntfs_xpress_huffman_decompress(src, sizeof(src), NULL, 4), NT_ERR_INVALID);
    assert_int_equal(ntfs_xpress_huffman_decompress(src, sizeof(src), dst, 65537), NT_ERR_UNSUPPORTED);
    assert_int_equal(ntfs_xpress_huffman_decompress(src, 255, dst, 4), NT_ERR_CORRUPT);
}

static void test_malformed(void **state)
{
    uint8_t src[512], dst[64];
    hm_xpress x;
    (void)state;

    /* Every symbol 1 bit long: oversubscribed. */
    memset(src, 0x11, sizeof(src));
    assert_int_equal(ntfs_xpress_huffman_decompress(src, sizeof(src), dst, 8), NT_ERR_CORRUPT);

    /* All lengths 0: an empty code decodes nothing. */
    memset(src, 0, sizeof(src));
    assert_int_equal(ntfs_xpress_huffman_decompress(src, sizeof(src), dst, 8), NT_ERR_CORRUPT);

    /* Incomplete code: only 'a' (code 0); the bit pattern 1 is no code. */
    memset(src, 0, sizeof(src));
    src['a' / 2] = 0x10; /* 'a' is odd: high nibble */
    memset(src + 256, 0xff, 256);
    assert_int_equal(ntfs_xpress_huffman_decompress(src, sizeof(src), dst, 8), NT_ERR_CORRUPT);
    memset(src + 256, 0x00, 256);
    assert_int_equal(ntfs_xpress_huffman_decompress(src, sizeof(src), dst, 64), NT_OK);
    for (int i = 0; i < 64; i++)
        assert_int_equal(dst[i], 'a');

    /* A match reaching before the start of the chunk. */
    hm_xpress_begin(&x, HM_XP_FLAT, 4096, 64);
    hm_xpress_literals(&x, "ab");
    x.plain.len = 0; /* the model refuses such a match; write it anyway */
    hm_xpress_match(&x, 3, 4);
    size_t n = hm_xpress_end(&x);
    assert_int_equal(ntfs_xpress_huffman_decompress(x.w.buf, n, dst, 5), NT_ERR_CORRUPT);
    hm_xpress_free(&x);

    /* A match running past dst_len. */
    hm_xpress_begin(&x, HM_XP_FLAT, 4096, 64);
    hm_xpress_literals(&x, "abcd");
    hm_xpress_match(&x, 10, 4);
    n = hm_xpress_end(&x);
    assert_int_equal(ntfs_xpress_huffman_decompress(x.w.buf, n, dst, 13), NT_ERR_CORRUPT);
    assert_int_equal(ntfs_xpress_huffman_decompress(x.w.buf, n, dst, 14), NT_OK);
    assert_memory_equal(dst, "abcdabcdabcdab", 14);
    hm_xpress_free(&x);

    /* Output longer than the stream: needs bits that are not there. */
    hm_xpress_begin(&x, HM_XP_FLAT, 4096, 64);
    hm_xpress_literals(&x, "abcd");
    hm_flush(&x.w);
    assert_int_equal(ntfs_xpress_huffman_decompress(x.w.buf, x.w.len, dst, 4), NT_OK);
    assert_int_equal(ntfs_xpress_huffman_decompress(x.w.buf, x.w.len, dst, 30), NT_ERR_CORRUPT);
    hm_xpress_free(&x);
}

/* Every truncation: a clean error, or (when only padding was cut) the
 * right bytes; never a read past the end (ASan). */
static void test_truncations(void **state)
{
    (void)state;
    for (int kind = HM_XP_FLAT; kind <= HM_XP_DEEP; kind++) {
        hm_xpress x;
        size_t n = build_sample(&x, kind);
        uint8_t *out = malloc(x.plain.len);
        for (size_t cut = 0; cut < n; cut++) {
            uint8_t *c = malloc(cut + 1);
            memcpy(c, x.w.buf, cut);
            int rc = ntfs_xpress_huffman_decompress(c, cut, out, x.plain.len);
            assert_true(rc == NT_OK || rc == NT_ERR_CORRUPT);
            if (rc == NT_OK)
                assert_memory_equal(out, x.plain.data, x.plain.len);
            if (cut < n - 8)
                assert_int_equal(rc, NT_ERR_CORRUPT);
            free(c);
        }
        free(out);
        hm_xpress_free(&x);
    }
}

static void test_random_flips(void **state)
{
    uint64_t r = 12345;
    (void)state;
    for (int kind = HM_XP_FLAT; kind <= HM_XP_DEEP; kind++) {
        hm_xpress x;
        size_t n = build_sample(&x, kind);
        uint8_t *c = malloc(n), *out = malloc(x.plain.len);
        for (int t = 0; t < 3000; t++) {
            memcpy(c, x.w.buf, n);
            for (int k = 0; k < 1 + t % 4; k++) {
                r = r * 6364136223846793005ull + 1442695040888963407ull;
                c[(r >> 33) % n] ^= (uint8_t)(1u << ((r >> 20) % 8));
            }
            int rc = ntfs_xpress_huffman_decompress(c, n, out, x.plain.len);
            assert_true(rc == NT_OK || rc == NT_ERR_CORRUPT);
        }
        free(c);
        free(out);
        hm_xpress_free(&x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_shapes),       cmocka_unit_test(test_single_literal),
        cmocka_unit_test(test_all_match_symbols), cmocka_unit_test(test_u32_length),
        cmocka_unit_test(test_bad_arguments),     cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_truncations),       cmocka_unit_test(test_random_flips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
