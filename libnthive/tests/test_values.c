/* Values: inline data, data cells, big data around the 16344-byte
 * boundary, version 1.3's literal "db", value lookup, damaged values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hive_builder.h"
#include "nthive.h"

/* A pattern that tells every byte position apart. */
static uint8_t *pattern(uint32_t n, uint8_t seed)
{
    uint8_t *p = malloc(n + 1);
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + (i >> 8) + seed);
    return p;
}

/* Reads the value back through every accessor and compares. */
static void expect_data(nthive_value *v, const uint8_t *want, uint32_t n, bool big)
{
    uint8_t *buf = malloc(n + 16);
    const uint8_t *view, *piece;
    size_t len, total = 0, pieces = 0;
    nthive_data_iter it;

    assert_int_equal(nthive_value_data_size(v), n);
    assert_int_equal(nthive_value_is_big(v), big);
    assert_int_equal(nthive_value_read(v, buf, n + 16, &len), NT_OK);
    assert_int_equal(len, n);
    assert_memory_equal(buf, want, n);
    if (n > 0)
        assert_int_equal(nthive_value_read(v, buf, n - 1, &len), NT_ERR_RANGE);
    if (big) {
        assert_int_equal(nthive_value_data(v, &view, &len), NT_ERR_UNSUPPORTED);
    } else {
        assert_int_equal(nthive_value_data(v, &view, &len), NT_OK);
        assert_int_equal(len, n);
        assert_memory_equal(view, want, n);
    }
    assert_int_equal(nthive_value_segments(v, &it), NT_OK);
    while (nthive_data_next(&it, &piece, &len) == NT_OK) {
        assert_memory_equal(piece, want + total, len);
        if (big)
            assert_true(len <= 16344);
        total += len;
        pieces++;
    }
    assert_int_equal(total, n);
    if (big)
        assert_int_equal(pieces, (n + 16343) / 16344);
    free(buf);
}

static void test_sizes(uint32_t minor)
{
    static const uint32_t sizes[] = {0, 1, 3, 4, 5, 100, 16343, 16344, 16345, 16344 * 2, 40000};
    uint32_t vks[2 * sizeof sizes / sizeof sizes[0]], n = 0;
    uint8_t *data[sizeof sizes / sizeof sizes[0]];
    size_t size;
    hb b;
    nthive h;
    nthive_key root;
    nthive_value_iter it;
    nthive_value v;
    char name[16];

    hb_init(&b, minor);
    uint32_t r = hb_nk_ascii(&b, HB_NONE, "ROOT");
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        data[i] = pattern(sizes[i], (uint8_t)i);
        snprintf(name, sizeof name, "c%zu", i);
        vks[n++] = hb_vk(&b, name, 3, data[i], sizes[i], 0); /* in a cell (or db) */
        snprintf(name, sizeof name, "i%zu", i);
        vks[n++] = hb_vk(&b, name, 3, data[i], sizes[i], 1); /* inline when <= 4 */
    }
    hb_set_values(&b, r, vks, n);
    uint8_t *f = hb_finish(&b, r, &size);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    assert_int_equal(nthive_values(&root, &it), NT_OK);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        bool big = minor >= 4 && sizes[i] > 16344;
        assert_int_equal(nthive_value_next(&it, &v), NT_OK);
        expect_data(&v, data[i], sizes[i], big);
        assert_int_equal(nthive_value_next(&it, &v), NT_OK);
        expect_data(&v, data[i], sizes[i], big);
        free(data[i]);
    }
    assert_int_equal(nthive_value_next(&it, &v), NT_END);
    hb_free(&b);
}

static void test_data_sizes_v13(void **state)
{
    (void)state;
    test_sizes(3);
}

static void test_data_sizes_v15(void **state)
{
    (void)state;
    test_sizes(5);
}

static void test_v13_literal_db(void **state)
{
    /* 20000 bytes that start with "db" and look like a db record: in
     * version 1.3 they are data; the same bytes in 1.5 are still data when
     * the cell holds them whole. */
    uint8_t *d = pattern(20000, 1);
    uint32_t minors[] = {3, 5};
    d[0] = 'd', d[1] = 'b', d[2] = 2, d[3] = 0;
    for (int m = 0; m < 2; m++) {
        hb b;
        size_t size;
        nthive h;
        nthive_key root;
        nthive_value v;
        hb_init(&b, 3); /* written as one cell */
        uint32_t r = hb_nk_ascii(&b, HB_NONE, "ROOT");
        uint32_t vk = hb_vk(&b, "lit", 3, d, 20000, 0);
        hb_set_values(&b, r, &vk, 1);
        uint8_t *f = hb_finish(&b, r, &size);
        f[24] = (uint8_t)minors[m];
        assert_int_equal(nthive_open(&h, f, size), NT_OK);
        assert_int_equal(nthive_root(&h, &root), NT_OK);
        assert_int_equal(nthive_key_value(&root, "LIT", 3, &v), NT_OK);
        expect_data(&v, d, 20000, false);
        hb_free(&b);
    }
    (void)state;
    free(d);
}

static void test_lookup_and_default(void **state)
{
    hb b;
    size_t size, len;
    nthive h;
    nthive_key root;
    nthive_value v;
    nthive_name nm;
    uint32_t one = 1, two = 2, three = 3, vks[3];
    (void)state;
    hb_init(&b, 5);
    uint32_t r = hb_nk_ascii(&b, HB_NONE, "ROOT");
    vks[0] = hb_vk(&b, "Zed", 4, &one, 4, 1);
    vks[1] = hb_vk(&b, "", 4, &two, 4, 1);
    vks[2] = hb_vk_name(&b, "\xC4pfel", 5, 1, 11, &three, 4, 0);
    hb_set_values(&b, r, vks, 3);
    uint8_t *f = hb_finish(&b, r, &size);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    assert_int_equal(nthive_key_value(&root, "", 0, &v), NT_OK);
    assert_int_equal(v.offset, vks[1]);
    nthive_value_name(&v, &nm);
    assert_int_equal(nm.len, 0);
    assert_int_equal(nthive_key_value(&root, "zED", 3, &v), NT_OK);
    assert_int_equal(v.offset, vks[0]);
    assert_int_equal(nthive_value_type(&v), 4);
    assert_int_equal(nthive_key_value(&root, "\xC3\xA4PFEL", 6, &v), NT_OK);
    assert_int_equal(v.offset, vks[2]);
    assert_int_equal(nthive_value_type(&v), 11);
    assert_true(nthive_value_flags(&v) & NTHIVE_VALUE_COMP_NAME);
    assert_int_equal(nthive_key_value(&root, "nope", 4, &v), NT_ERR_NOT_FOUND);
    assert_int_equal(nthive_key_value(&root, "\xC3", 1, &v), NT_ERR_INVALID);
    (void)len;
    hb_free(&b);
}

static void test_damaged_values(void **state)
{
    hb b;
    size_t size, len;
    nthive h;
    nthive_key root;
    nthive_value_iter it;
    nthive_value v;
    const uint8_t *d;
    uint8_t buf[64];
    uint8_t *big = pattern(40000, 3);
    uint32_t vks[5];
    (void)state;
    hb_init(&b, 5);
    uint32_t r = hb_nk_ascii(&b, HB_NONE, "ROOT");
    vks[0] = hb_vk(&b, "inline5", 3, "abcd", 4, 1);
    vks[1] = hb_vk(&b, "toolong", 3, "abcdefgh", 8, 0);
    vks[2] = 0x10; /* inside the bin header */
    vks[3] = hb_vk(&b, "big", 3, big, 40000, 0);
    vks[4] = hb_vk(&b, "tomb", 1, "", 0, 0);
    hb_set_values(&b, r, vks, 5);
    uint8_t *f = hb_finish(&b, r, &size);
    /* inline bit with 5 bytes; data larger than its cell; a db whose
     * segment count cannot hold the size; a v1.6 tombstone */
    hb_put32(&b, vks[0], 4, 0x80000005u);
    hb_put32(&b, vks[1], 4, 64);
    uint32_t db = *(uint32_t *)(hb_payload(&b, vks[3]) + 8);
    hb_payload(&b, db)[2] = 2;
    hb_put32(&b, vks[4], 4, 10);
    hb_put32(&b, vks[4], 8, 0xFFFFFFFFu);
    hb_put16(&b, vks[4], 16, 3);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    assert_int_equal(nthive_values(&root, &it), NT_OK);
    assert_int_equal(nthive_value_next(&it, &v), NT_OK);
    assert_int_equal(nthive_value_data(&v, &d, &len), NT_ERR_CORRUPT);
    assert_int_equal(nthive_value_read(&v, buf, sizeof buf, &len), NT_ERR_CORRUPT);
    assert_int_equal(nthive_value_next(&it, &v), NT_OK);
    assert_int_equal(nthive_value_data(&v, &d, &len), NT_ERR_CORRUPT);
    assert_string_equal(nthive_diag(&h)->rule, "value data is larger than its cell");
    assert_int_equal(nthive_value_next(&it, &v), NT_ERR_CORRUPT);
    assert_int_equal(nthive_value_next(&it, &v), NT_OK);
    assert_int_equal(nthive_value_read(&v, buf, sizeof buf, &len), NT_ERR_CORRUPT);
    assert_int_equal(nthive_value_next(&it, &v), NT_OK);
    assert_int_equal(nthive_value_data(&v, &d, &len), NT_OK);
    assert_int_equal(len, 0);
    assert_int_equal(nthive_value_next(&it, &v), NT_END);
    /* a value count larger than the list */
    hb_put32(&b, r, 36, 1000);
    assert_int_equal(nthive_values(&root, &it), NT_ERR_CORRUPT);
    free(big);
    hb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_sizes_v13), cmocka_unit_test(test_data_sizes_v15),
        cmocka_unit_test(test_v13_literal_db), cmocka_unit_test(test_lookup_and_default),
        cmocka_unit_test(test_damaged_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
