/* Tests of the LZX decoder (libntfs/src/lzx.c).
 *
 * Oracle: hand-made chunks (bench/wof_handmade.c): the test picks every
 * block, code and token, and a byte-at-a-time model records the output
 * (with the E8 translation undone by a separate, plain implementation);
 * bench/wof_diff.c checks the same streams against wimlib's decoder.
 * Plus hand-written E8 cases with the expected bytes written out,
 * malformed streams, every truncation and random flips (ASan/UBSan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../bench/wof_handmade.c"
#include "lzx.h"
#include "ntcore/status.h"

static void *ws;

static int setup(void **state)
{
    (void)state;
    ws = aligned_alloc(NTFS_LZX_WORKSPACE_ALIGN, (ntfs_lzx_workspace_size() + 15) / 16 * 16);
    return ws ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(ws);
    return 0;
}

/* Verbatim + aligned + uncompressed blocks, repeat offsets, long matches,
 * code-length deltas between blocks, optional pretree runs. */
static size_t build_sample(hm_lzx *z, int variant)
{
    uint8_t raw[777];
    uint32_t r[3] = {4, 100, 2};

    hm_lzx_begin(z, 1 << 17, 32768);
    z->use_runs = variant & 1;
    hm_lzx_default_codes(z, 0);
    hm_lzx_block(z, variant >= 2, 2000);
    hm_lzx_literals(z, "LZX hand-made block one: ");
    hm_lzx_match(z, 2, 4);
    hm_lzx_match(z, 9, 1);
    hm_lzx_match(z, 257, 3);
    hm_lzx_match(z, 20, 29);
    hm_lzx_repeat(z, 5, 0);
    hm_lzx_repeat(z, 6, 1);
    hm_lzx_repeat(z, 7, 2);
    while (z->plain.len < 1500)
        hm_lzx_literal(z, (uint8_t)(z->plain.len * 13));
    hm_lzx_match(z, 100, 1200);
    hm_lzx_match_until(z, 2000, 1000);
    hm_lzx_default_codes(z, 1);
    hm_lzx_block(z, variant < 2, 3000);
    hm_lzx_literals(z, "eeeee second block");
    hm_lzx_match_until(z, 5000, 1999);
    for (unsigned i = 0; i < sizeof(raw); i++)
        raw[i] = (uint8_t)(i * 31 + 5);
    hm_lzx_uncompressed(z, raw, sizeof(raw), r);
    hm_lzx_default_codes(z, 0);
    hm_lzx_block(z, 0, 1000);
    hm_lzx_repeat(z, 10, 0);
    hm_lzx_repeat(z, 10, 1);
    hm_lzx_match_until(z, 5777 + 1000, 5000);
    return hm_lzx_end(z);
}

static void decode_ok(const uint8_t *src, size_t n, const uint8_t *expect, size_t len)
{
    uint8_t *out = malloc(len + 1);
    assert_int_equal(ntfs_lzx_decompress(ws, src, n, out, len), NT_OK);
    assert_memory_equal(out, expect, len);
    free(out);
}

static void test_blocks(void **state)
{
    (void)state;
    for (int v = 0; v < 4; v++) {
        hm_lzx z;
        size_t n = build_sample(&z, v);
        uint8_t *expect = hm_lzx_expected(&z);
        decode_ok(z.w.buf, n, expect, z.plain.len);
        free(expect);
        hm_lzx_free(&z);
    }
}

/* Every explicit offset slot, in verbatim and aligned blocks. */
static void test_all_slots(void **state)
{
    (void)state;
    for (int aligned = 0; aligned < 2; aligned++) {
        hm_lzx z;
        hm_lzx_begin(&z, 1 << 17, 32768);
        hm_lzx_default_codes(&z, 0);
        hm_lzx_block(&z, aligned, 32768);
        while (z.plain.len < 26000)
            hm_lzx_literal(&z, (uint8_t)(z.plain.len * 7 + (z.plain.len >> 8)));
        for (unsigned slot = 3; slot < 30 && z.plain.len < 32768 - 300; slot++) {
            uint32_t lo = hm_lzx_base(slot), hi = lo + (1u << hm_lzx_extra(slot)) - 1;
            hm_lzx_match(&z, 2 + slot, lo - 2);
            if (hi - 2 <= z.plain.len) /* slot 29's top needs a longer history */
                hm_lzx_match(&z, 9 + slot, hi - 2);
        }
        hm_lzx_match_until(&z, 32768, 3);
        size_t n = hm_lzx_end(&z);
        uint8_t *expect = hm_lzx_expected(&z);
        decode_ok(z.w.buf, n, expect, z.plain.len);
        free(expect);
        hm_lzx_free(&z);
    }
}

/* E8 translation, expected bytes written out by hand. The chunk is one
 * uncompressed block of 32 bytes; E8 at 2: target 100 -> 98; E8 at 7:
 * -3 -> 11999997; E8 at 12: -20 (< -12) stays; E8 at 17: 12000000
 * stays; E8 at 22 (>= 32 - 10) stays. */
static void test_e8(void **state)
{
    uint8_t data[32] = {0x90, 0x90, 0xe8, 100,  0,    0,    0,    0xe8, 0xfd, 0xff, 0xff,
                        0xff, 0xe8, 0xec, 0xff, 0xff, 0xff, 0xe8, 0x00, 0x1b, 0xb7, 0x00,
                        0xe8, 1,    0,    0,    0,    0x90, 0x90, 0x90, 0x90, 0x90};
    uint8_t expect[32];
    uint32_t r[3] = {1, 1, 1};
    hm_lzx z;
    (void)state;

    memcpy(expect, data, 32);
    expect[3] = 98;                     /* 100 - 2 */
    expect[8] = 0xfd, expect[9] = 0x1a; /* -3 + 12000000 = 11999997 = 0x00b71afd */
    expect[10] = 0xb7, expect[11] = 0x00;
    hm_lzx_begin(&z, 4096, 64);
    hm_lzx_uncompressed(&z, data, 32, r);
    size_t n = hm_lzx_end(&z);
    decode_ok(z.w.buf, n, expect, 32);
    hm_lzx_free(&z);

    /* Ten bytes or fewer: never translated. */
    hm_lzx_begin(&z, 4096, 64);
    hm_lzx_uncompressed(&z, data + 2, 10, r);
    n = hm_lzx_end(&z);
    decode_ok(z.w.buf, n, data + 2, 10);
    hm_lzx_free(&z);
}

static void test_bad_arguments(void **state)
{
    uint8_t src[64] = {0}, dst[16];
    (void)state;
    assert_int_equal(ntfs_lzx_decompress(ws, src, sizeof(src), dst, 0), NT_OK);
    assert_int_equal(ntfs_lzx_decompress(NULL, src, sizeof(src), dst, 4), NT_ERR_INVALID);
    assert_int_equal(ntfs_lzx_decompress((uint8_t *)ws + 1, src, sizeof(src), dst, 4), NT_ERR_INVALID);
    assert_int_equal(ntfs_lzx_decompress(ws, NULL, 4, dst, 4), NT_ERR_INVALID);
    assert_int_equal(ntfs_lzx_decompress(ws, src, sizeof(src), NULL, 4), NT_ERR_INVALID);
    assert_int_equal(ntfs_lzx_decompress(ws, src, sizeof(src), dst, 32769), NT_ERR_UNSUPPORTED);
    assert_true(ntfs_lzx_workspace_size() < 32768);
}

static void test_malformed(void **state)
{
    uint8_t dst[4096];
    uint32_t r[3] = {1, 1, 1};
    hm_lzx z;
    size_t n;
    (void)state;

    /* Block types 0 and 4..7. */
    for (unsigned t = 0; t < 8; t++) {
        if (t >= 1 && t <= 3)
            continue;
        hm_lzx_begin(&z, 4096, 64);
        hm_put(&z.w, t, 3);
        hm_put(&z.w, 1, 1);
        for (int i = 0; i < 50; i++)
            hm_put(&z.w, 0x5a5a, 16);
        n = hm_lzx_end(&z);
        assert_int_equal(ntfs_lzx_decompress(ws, z.w.buf, n, dst, 100), NT_ERR_CORRUPT);
        hm_lzx_free(&z);
    }

    /* Block size 0, and a block larger than the rest of the chunk. */
    hm_lzx_begin(&z, 4096, 64);
    hm_put(&z.w, 3, 3);
    hm_put(&z.w, 0, 1);
    hm_put(&z.w, 0, 16);
    for (int i = 0; i < 20; i++)
        hm_put(&z.w, 0x1111, 16);
    n = hm_lzx_end(&z);
    assert_int_equal(ntfs_lzx_decompress(ws, z.w.buf, n, dst, 100), NT_ERR_CORRUPT);
    hm_lzx_free(&z);
    hm_lzx_begin(&z, 4096, 256);
    hm_lzx_uncompressed(&z, (const uint8_t *)"0123456789abcdefghij", 20, r);
    n = hm_lzx_end(&z);
    assert_int_equal(ntfs_lzx_decompress(ws, z.w.buf, n, dst, 19), NT_ERR_CORRUPT);
    assert_int_equal(ntfs_lzx_decompress(ws, z.w.buf, n, dst, 20), NT_OK);
    /* ... and a chunk longer than its blocks: the next header is missing. */
    assert_int_equal(ntfs_lzx_decompress(ws, z.w.buf, n, dst, 21), NT_ERR_CORRUPT);
    hm_lzx_free(&z);

    /* A recent offset of 0 in an uncompressed block. */
    uint32_t r0[3] = {1, 0, 1};
    hm_lzx_begin(&z, 4096, 64);
    hm_lzx_uncompressed(&z, (const uint8_t *)"abcd", 4, r0);
    n = hm_lzx_end(&z);
    assert_int_equal(ntfs_lzx_decompress(ws, z.w.buf, n, dst, 4), NT_ERR_CORRUPT);
    hm_lzx_free(&z);

    /* A match before the chunk start; a match crossing its block's end. */
    hm_lzx_begin(&z, 4096, 64);
    hm_lzx_default_codes(&z, 0);
    hm_lzx_block(&z, 0, 10);
    hm_lzx_literals(&z, "ab");
    hm_lzx_match(&z, 3, 5);
    n = hm_lzx_end(&z);
    assert_int_equal(ntfs_lzx_decompress(ws, z.w.buf, n, dst, 10), NT_ERR_CORRUPT);
    hm_lzx_free(&z);
    hm_lzx_begin(&z, 4096, 64);
    hm_lzx_default_codes(&z, 0);
    hm_lzx_block(&z, 0, 6);
    hm_lzx_literals(&z, "abcd");
    hm_lzx_match(&z, 4, 2); /* ends at 8 > 6 */
    n = hm_lzx_end(&z);
    assert_int_equal(ntfs_lzx_decompress(ws, z.w.buf, n, dst, 8), NT_ERR_CORRUPT);
    hm_lzx_free(&z);

    /* An oversubscribed pretree (all 20 symbols 1 bit). */
    hm_lzx_begin(&z, 4096, 64);
    hm_put(&z.w, 1, 3);
    hm_put(&z.w, 1, 1);
    for (int i = 0; i < 20; i++)
        hm_put(&z.w, 1, 4);
    for (int i = 0; i < 40; i++)
        hm_put(&z.w, 0, 16);
    n = hm_lzx_end(&z);
    assert_int_equal(ntfs_lzx_decompress(ws, z.w.buf, n, dst, 100), NT_ERR_CORRUPT);
    hm_lzx_free(&z);
}

static void test_truncations(void **state)
{
    (void)state;
    for (int v = 0; v < 4; v += 3) {
        hm_lzx z;
        size_t n = build_sample(&z, v);
        uint8_t *expect = hm_lzx_expected(&z), *out = malloc(z.plain.len);
        for (size_t cut = 0; cut < n; cut++) {
            uint8_t *c = malloc(cut + 1);
            memcpy(c, z.w.buf, cut);
            int rc = ntfs_lzx_decompress(ws, c, cut, out, z.plain.len);
            assert_true(rc == NT_OK || rc == NT_ERR_CORRUPT);
            if (rc == NT_OK)
                assert_memory_equal(out, expect, z.plain.len);
            if (cut + 4 < n)
                assert_int_equal(rc, NT_ERR_CORRUPT);
            free(c);
        }
        free(out);
        free(expect);
        hm_lzx_free(&z);
    }
}

static void test_random_flips(void **state)
{
    uint64_t r = 99;
    (void)state;
    for (int v = 0; v < 4; v++) {
        hm_lzx z;
        size_t n = build_sample(&z, v);
        uint8_t *c = malloc(n), *out = malloc(z.plain.len);
        for (int t = 0; t < 1500; t++) {
            memcpy(c, z.w.buf, n);
            for (int k = 0; k < 1 + t % 4; k++) {
                r = r * 6364136223846793005ull + 1442695040888963407ull;
                c[(r >> 33) % n] ^= (uint8_t)(1u << ((r >> 20) % 8));
            }
            int rc = ntfs_lzx_decompress(ws, c, n, out, z.plain.len);
            assert_true(rc == NT_OK || rc == NT_ERR_CORRUPT);
        }
        free(c);
        free(out);
        hm_lzx_free(&z);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks),       cmocka_unit_test(test_all_slots),
        cmocka_unit_test(test_e8),           cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_malformed),    cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_random_flips),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
