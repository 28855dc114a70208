/* Lookups by name and by path: lh hashes and lf hints that are right (the
 * fast path), wrong (must never hide a key), lists beyond the scan size,
 * the optional bin index, and '/' inside key names (path resolution with
 * backtracking, nthive_key_resolve's trail). Hashes and hints are written
 * here from the format description (h = h * 37 + upcase(unit)). */
#include <ctype.h>
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

static uint32_t ascii_hash(const char *s)
{
    uint32_t h = 0;
    for (; *s; s++)
        h = h * 37 + (uint32_t)toupper((unsigned char)*s);
    return h;
}

/* Fills the hash (lh) or hint (lf) of entry i of a list with `name`. */
static void set_hint(hb *b, uint32_t list, const char *sig, uint32_t i, const char *name)
{
    uint8_t *p = hb_payload(b, list) + 4 + 8 * i + 4;
    if (!strcmp(sig, "lh")) {
        uint32_t h = ascii_hash(name);
        memcpy(p, &h, 4); /* little-endian host, as hive_builder assumes */
    } else {
        memset(p, 0, 4);
        memcpy(p, name, strlen(name) < 4 ? strlen(name) : 4);
    }
}

/* Root with n sorted children "key0000".., in one lh or lf leaf with right
 * hints except where `wrong` says. */
static uint8_t *hinted(hb *b, const char *sig, uint32_t n, uint32_t *kids, size_t *size, uint32_t wrong)
{
    char name[16];
    hb_init(b, 5);
    uint32_t root = hb_nk_ascii(b, HB_NONE, "ROOT");
    for (uint32_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "key%04u", i);
        kids[i] = hb_nk_ascii(b, root, name);
    }
    uint32_t list = hb_list(b, sig, kids, (uint16_t)n);
    for (uint32_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "key%04u", i);
        set_hint(b, list, sig, i, i == wrong ? "ZZZZ-wrong" : name);
    }
    hb_set_subkeys(b, root, list, n);
    return hb_finish(b, root, size);
}

static void find_all(uint8_t *f, size_t size, uint32_t n, const uint32_t *kids, bool with_index)
{
    nthive h;
    nthive_key root, k;
    char name[16];
    void *idx = NULL;
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    if (with_index) {
        idx = malloc(nthive_bin_index_size(&h));
        assert_int_equal(nthive_set_bin_index(&h, idx, nthive_bin_index_size(&h)), NT_OK);
    }
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    for (uint32_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "KEY%04u", i);
        assert_int_equal(nthive_key_subkey(&root, name, strlen(name), &k), NT_OK);
        assert_int_equal(k.offset, kids[i]);
    }
    assert_int_equal(nthive_key_subkey(&root, "key", 3, &k), NT_ERR_NOT_FOUND);
    assert_int_equal(nthive_key_subkey(&root, "key00000", 8, &k), NT_ERR_NOT_FOUND);
    free(idx);
}

/* Right hints, one wrong hint (first, middle, last), small and large
 * leaves, lh and lf, with and without a bin index. */
static void test_hints(void **state)
{
    static const uint32_t sizes[] = {3, 20, 300};
    static const char *const sigs[] = {"lh", "lf"};
    uint32_t kids[300];
    (void)state;
    for (size_t s = 0; s < 2; s++) {
        for (size_t z = 0; z < 3; z++) {
            uint32_t n = sizes[z], wrongs[] = {HB_NONE, 0, n / 2, n - 1};
            for (size_t w = 0; w < 4; w++) {
                hb b;
                size_t size;
                uint8_t *f = hinted(&b, sigs[s], n, kids, &size, wrongs[w]);
                find_all(f, size, n, kids, false);
                find_all(f, size, n, kids, true);
                hb_free(&b);
            }
        }
    }
}

/* A hash that matches the query but belongs to another name must not be
 * taken for it. */
static void test_hash_collision(void **state)
{
    hb b;
    size_t size;
    nthive h;
    nthive_key root, k;
    uint32_t kids[2];
    (void)state;
    hb_init(&b, 5);
    uint32_t root_off = hb_nk_ascii(&b, HB_NONE, "ROOT");
    kids[0] = hb_nk_ascii(&b, root_off, "Alpha");
    kids[1] = hb_nk_ascii(&b, root_off, "Beta");
    uint32_t list = hb_list(&b, "lh", kids, 2);
    set_hint(&b, list, "lh", 0, "Beta"); /* Alpha's entry claims Beta's hash */
    set_hint(&b, list, "lh", 1, "Beta");
    hb_set_subkeys(&b, root_off, list, 2);
    uint8_t *f = hb_finish(&b, root_off, &size);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    assert_int_equal(nthive_key_subkey(&root, "beta", 4, &k), NT_OK);
    assert_int_equal(k.offset, kids[1]);
    assert_int_equal(nthive_key_subkey(&root, "alpha", 5, &k), NT_OK);
    assert_int_equal(k.offset, kids[0]);
    hb_free(&b);
}

/* The bin index: a too-small or misaligned buffer is refused; the index
 * gives the same keys as the walk-back search, and a cell outside any
 * valid bin is still rejected. */
static void test_bin_index(void **state)
{
    hb b;
    size_t size;
    nthive h;
    nthive_key root, k;
    uint32_t kids[300];
    uint64_t buf[64];
    (void)state;
    uint8_t *f = hinted(&b, "lh", 300, kids, &size, HB_NONE);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    size_t need = nthive_bin_index_size(&h);
    assert_true(need > 0 && need <= sizeof buf);
    assert_int_equal(nthive_set_bin_index(&h, buf, need - 1), NT_ERR_INVALID);
    assert_int_equal(nthive_set_bin_index(&h, (uint8_t *)buf + 1, need), NT_ERR_INVALID);
    assert_int_equal(nthive_set_bin_index(&h, buf, need), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    /* Break the first bin's header: its cells are no longer in a bin. */
    memcpy(f + 4096, "hbxx", 4);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_set_bin_index(&h, buf, need), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_ERR_CORRUPT);
    assert_non_null(strstr(nthive_diag(&h)->rule, "hive bin"));
    assert_int_equal(nthive_key_at(&h, kids[0], &k), NT_ERR_CORRUPT);
    hb_free(&b);
}

/* ROOT: "a/b" (a leaf), "a" -> "b" -> "c", "x" -> "y/z", "m/n" -> "o". */
static uint8_t *slashes(hb *b, size_t *size, uint32_t *o)
{
    hb_init(b, 5);
    uint32_t root = hb_nk_ascii(b, HB_NONE, "ROOT");
    o[0] = hb_nk_ascii(b, root, "a");
    o[1] = hb_nk_ascii(b, root, "a/b");
    o[2] = hb_nk_ascii(b, o[0], "b");
    o[3] = hb_nk_ascii(b, o[2], "c");
    o[4] = hb_nk_ascii(b, root, "m/n");
    o[5] = hb_nk_ascii(b, o[4], "o");
    o[6] = hb_nk_ascii(b, root, "x");
    o[7] = hb_nk_ascii(b, o[6], "y/z");
    hb_set_subkeys(b, root, hb_list(b, "lh", (uint32_t[]){o[0], o[1], o[4], o[6]}, 4), 4);
    hb_set_subkeys(b, o[0], hb_list(b, "lh", &o[2], 1), 1);
    hb_set_subkeys(b, o[2], hb_list(b, "lh", &o[3], 1), 1);
    hb_set_subkeys(b, o[4], hb_list(b, "lh", &o[5], 1), 1);
    hb_set_subkeys(b, o[6], hb_list(b, "lh", &o[7], 1), 1);
    return hb_finish(b, root, size);
}

static int open_path(nthive_key *root, const char *p, uint32_t *off)
{
    nthive_key k;
    int r = nthive_key_open(root, p, strlen(p), &k);
    *off = r == NT_OK ? k.offset : HB_NONE;
    return r;
}

static void test_slash_paths(void **state)
{
    hb b;
    size_t size, depth;
    nthive h;
    nthive_key root, trail[8];
    uint32_t o[8], off;
    (void)state;
    uint8_t *f = slashes(&b, &size, o);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    /* Only '/': the literal name wins, '/' separates where it must. */
    assert_int_equal(open_path(&root, "a/b", &off), NT_OK);
    assert_int_equal(off, o[1]);
    assert_int_equal(open_path(&root, "A/B/C", &off), NT_OK); /* "a/b" has no "c": back to "a" */
    assert_int_equal(off, o[3]);
    assert_int_equal(open_path(&root, "/m/n/o/", &off), NT_OK);
    assert_int_equal(off, o[5]);
    assert_int_equal(open_path(&root, "x/y/z", &off), NT_OK);
    assert_int_equal(off, o[7]);
    assert_int_equal(open_path(&root, "a/b/d", &off), NT_ERR_NOT_FOUND);
    assert_int_equal(open_path(&root, "m", &off), NT_ERR_NOT_FOUND);
    /* A '\' makes '/' part of the names. */
    assert_int_equal(open_path(&root, "a\\b", &off), NT_OK);
    assert_int_equal(off, o[2]);
    assert_int_equal(open_path(&root, "\\a/b", &off), NT_OK);
    assert_int_equal(off, o[1]);
    assert_int_equal(open_path(&root, "x\\y/z", &off), NT_OK);
    assert_int_equal(off, o[7]);
    assert_int_equal(open_path(&root, "a\\b/c", &off), NT_ERR_NOT_FOUND);
    assert_int_equal(open_path(&root, "m/n\\o", &off), NT_OK);
    assert_int_equal(off, o[5]);
    assert_int_equal(open_path(&root, "a/\xff", &off), NT_ERR_INVALID);
    /* The trail spells each level. */
    assert_int_equal(nthive_key_resolve(&root, "a/b/c", 5, trail, 8, &depth), NT_OK);
    assert_int_equal(depth, 3);
    assert_int_equal(trail[0].offset, o[0]);
    assert_int_equal(trail[1].offset, o[2]);
    assert_int_equal(trail[2].offset, o[3]);
    assert_int_equal(nthive_key_resolve(&root, "a/b/c", 5, trail, 2, &depth), NT_ERR_RANGE);
    assert_int_equal(nthive_key_resolve(&root, "", 0, trail, 0, &depth), NT_OK);
    assert_int_equal(depth, 0);
    /* 5000 components are over the limit, in either spelling. */
    char *p = malloc(2 * 5000);
    for (int i = 0; i < 5000; i++)
        p[2 * i] = 'a', p[2 * i + 1] = '/';
    assert_int_equal(nthive_key_open(&root, p, 2 * 5000, &trail[0]), NT_ERR_LIMIT);
    for (int i = 0; i < 5000; i++)
        p[2 * i + 1] = '\\';
    assert_int_equal(nthive_key_open(&root, p, 2 * 5000, &trail[0]), NT_ERR_LIMIT);
    free(p);
    hb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hints),
        cmocka_unit_test(test_hash_collision),
        cmocka_unit_test(test_bin_index),
        cmocka_unit_test(test_slash_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
