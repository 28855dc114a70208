/* Base block rules: signature, versions, file type, checksum and dirty
 * verdicts, truncation and understated sizes. Hives come from the test
 * builder; expected verdicts follow from how each one was made. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hive_builder.h"
#include "nthive.h"

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Re-seals the header after an edit, with the XOR rule written out here. */
static void reseal(uint8_t *f)
{
    uint32_t x = 0;
    for (int i = 0; i < 127; i++)
        x ^= get32(f + 4 * i);
    put32(f + 508, x == 0 ? 1 : x == 0xFFFFFFFFu ? 0xFFFFFFFEu : x);
}

static uint8_t *small_hive(hb *b, uint32_t minor, size_t *size)
{
    hb_init(b, minor);
    uint32_t root = hb_nk_ascii(b, HB_NONE, "ROOT");
    uint32_t kid = hb_nk_ascii(b, root, "Kid");
    hb_set_subkeys(b, root, hb_list(b, "lh", &kid, 1), 1);
    return hb_finish(b, root, size);
}

static void test_clean_hive(void **state)
{
    hb b;
    size_t size;
    uint8_t *f = small_hive(&b, 5, &size);
    nthive h;
    nthive_info in;
    (void)state;
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    nthive_get_info(&h, &in);
    assert_true(in.checksum_ok);
    assert_false(in.dirty);
    assert_false(in.truncated);
    assert_int_equal(in.major, 1);
    assert_int_equal(in.minor, 5);
    assert_int_equal(in.bad_bins, 0);
    assert_int_equal(in.usable_size, size - 4096);
    assert_int_equal(hb_walk_everything(&h, NULL, NULL), 2);
    hb_free(&b);
}

static void test_versions(void **state)
{
    static const struct {
        uint32_t major, minor;
        int want;
    } cases[] = {
        {1, 0, NT_ERR_UNSUPPORTED},
        {1, 1, NT_ERR_UNSUPPORTED},
        {1, 2, NT_ERR_UNSUPPORTED},
        {1, 3, NT_OK},
        {1, 4, NT_OK},
        {1, 5, NT_OK},
        {1, 6, NT_OK},
        {1, 7, NT_ERR_UNSUPPORTED},
        {2, 5, NT_ERR_UNSUPPORTED},
        {0, 5, NT_ERR_UNSUPPORTED},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hb b;
        size_t size;
        uint8_t *f = small_hive(&b, 5, &size);
        nthive h;
        put32(f + 20, cases[i].major);
        put32(f + 24, cases[i].minor);
        reseal(f);
        assert_int_equal(nthive_open(&h, f, size), cases[i].want);
        if (cases[i].want == NT_ERR_UNSUPPORTED) {
            assert_int_equal(nthive_diag(&h)->status, NT_ERR_UNSUPPORTED);
            assert_non_null(nthive_diag(&h)->rule);
        }
        hb_free(&b);
    }
}

static void test_not_a_primary_hive(void **state)
{
    hb b;
    size_t size;
    uint8_t *f = small_hive(&b, 3, &size);
    nthive h;
    (void)state;
    assert_int_equal(nthive_open(&h, f, 4095), NT_ERR_CORRUPT);
    assert_int_equal(nthive_open(&h, NULL, size), NT_ERR_INVALID);
    put32(f + 28, 1); /* old-style log */
    assert_int_equal(nthive_open(&h, f, size), NT_ERR_UNSUPPORTED);
    put32(f + 28, 6); /* new-style log */
    assert_int_equal(nthive_open(&h, f, size), NT_ERR_UNSUPPORTED);
    put32(f + 28, 0);
    put32(f + 32, 2); /* file format */
    assert_int_equal(nthive_open(&h, f, size), NT_ERR_UNSUPPORTED);
    put32(f + 32, 1);
    memcpy(f, "hbin", 4);
    assert_int_equal(nthive_open(&h, f, size), NT_ERR_CORRUPT);
    assert_int_equal(nthive_diag(&h)->offset, 0);
    hb_free(&b);
}

static void test_checksum_and_dirty(void **state)
{
    hb b;
    size_t size;
    uint8_t *f = small_hive(&b, 5, &size);
    nthive h;
    nthive_info in;
    (void)state;
    /* A mismatch is reported, not fatal. */
    f[100] ^= 0x55;
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    nthive_get_info(&h, &in);
    assert_false(in.checksum_ok);
    assert_int_equal(in.checksum_stored, get32(f + 508));
    assert_int_equal(hb_walk_everything(&h, NULL, NULL), 2);
    /* Sequence numbers that differ mean dirty. */
    f[100] ^= 0x55;
    put32(f + 4, 7);
    put32(f + 8, 6);
    reseal(f);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    nthive_get_info(&h, &in);
    assert_true(in.checksum_ok);
    assert_true(in.dirty);
    assert_int_equal(in.seq_primary, 7);
    assert_int_equal(in.seq_secondary, 6);
    hb_free(&b);
}

static void test_checksum_special_values(void **state)
{
    uint8_t base[512];
    (void)state;
    /* XOR 0 is stored as 1. */
    memset(base, 0, sizeof base);
    assert_int_equal(nthive_base_block_checksum(base), 1);
    put32(base + 40, 0x12345678);
    put32(base + 80, 0x12345678);
    assert_int_equal(nthive_base_block_checksum(base), 1);
    /* XOR 0xFFFFFFFF is stored as 0xFFFFFFFE. */
    put32(base + 80, 0xEDCBA987);
    assert_int_equal(nthive_base_block_checksum(base), 0xFFFFFFFEu);
    /* Any other value as is; dword 127 (the checksum itself) is excluded. */
    memset(base, 0, sizeof base);
    put32(base + 0, 0x11);
    put32(base + 504, 0x22);
    put32(base + 508, 0x44);
    assert_int_equal(nthive_base_block_checksum(base), 0x33);
}

static void test_truncated_and_understated(void **state)
{
    hb b;
    nthive h;
    nthive_info in;
    size_t size, keys, errs;
    (void)state;
    /* Two bins: the child's nk and list in the second one. */
    hb_init(&b, 3);
    uint32_t root = hb_nk_ascii(&b, HB_NONE, "ROOT");
    hb_free_cell(&b, 4000);
    uint32_t kid = hb_nk_ascii(&b, root, "Kid");
    hb_set_subkeys(&b, root, hb_list(&b, "li", &kid, 1), 1);
    uint8_t *f = hb_finish(&b, root, &size);
    assert_true(kid >= 4096);
    /* Cut in the middle of the second bin: the root opens, its list is
     * outside the data, the walk reports that and stops. */
    assert_int_equal(nthive_open(&h, f, 4096 + 4096 + 100), NT_OK);
    nthive_get_info(&h, &in);
    assert_true(in.truncated);
    assert_int_equal(in.usable_size, 4096 + 100);
    keys = hb_walk_everything(&h, NULL, &errs);
    assert_int_equal(keys, 1);
    assert_true(errs >= 1);
    /* A header that understates the bins: the well-formed bins that follow
     * still count, so the whole tree is there. */
    put32(f + 40, 4096);
    reseal(f);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    nthive_get_info(&h, &in);
    assert_int_equal(in.hbins_size, 4096);
    assert_int_equal(in.usable_size, size - 4096);
    keys = hb_walk_everything(&h, NULL, &errs);
    assert_int_equal(keys, 2);
    assert_int_equal(errs, 0);
    /* A broken bin header: its cells are unreachable, reported. */
    put32(f + 40, (uint32_t)size - 4096);
    reseal(f);
    memcpy(f + 4096 + (kid & ~4095u), "XXXX", 4);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    nthive_get_info(&h, &in);
    assert_true(in.bad_bins >= 1);
    assert_int_equal(in.first_bad_bin, kid & ~4095u);
    keys = hb_walk_everything(&h, NULL, &errs);
    assert_int_equal(keys, 1);
    assert_true(errs >= 1);
    hb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_hive),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_not_a_primary_hive),
        cmocka_unit_test(test_checksum_and_dirty),
        cmocka_unit_test(test_checksum_special_values),
        cmocka_unit_test(test_truncated_and_understated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
