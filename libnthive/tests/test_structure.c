/* Keys and subkey lists: li, lf, lh, ri over leaves, ri->ri rejected,
 * lookups (binary search, unsorted fallback, Windows case folding incl.
 * non-ASCII), compressed and UTF-16 names, paths, class names, security. */
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

/* A root with `n` children named k000..k(n-1) (sorted), listed by `sig`;
 * for "ri" the children are split into leaves of `leaf` entries. */
static uint8_t *tree(hb *b, const char *sig, const char *leaf_sig, uint32_t n, uint32_t leaf, size_t *size,
                     uint32_t *kids)
{
    char name[16];
    hb_init(b, 5);
    uint32_t root = hb_nk_ascii(b, HB_NONE, "ROOT");
    for (uint32_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "k%03u", i);
        kids[i] = hb_nk_ascii(b, root, name);
    }
    if (strcmp(sig, "ri") != 0) {
        hb_set_subkeys(b, root, hb_list(b, sig, kids, (uint16_t)n), n);
    } else {
        uint32_t leaves[64], nl = 0;
        for (uint32_t i = 0; i < n; i += leaf)
            leaves[nl++] = hb_list(b, leaf_sig, kids + i, (uint16_t)(n - i < leaf ? n - i : leaf));
        hb_set_subkeys(b, root, hb_list(b, "ri", leaves, (uint16_t)nl), n);
    }
    return hb_finish(b, root, size);
}

static void check_tree(uint8_t *f, size_t size, uint32_t n, const uint32_t *kids)
{
    nthive h;
    nthive_key root, k;
    nthive_subkey_iter it;
    char name[16], got[16];
    size_t len;
    uint32_t i = 0;
    int r;

    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    assert_int_equal(nthive_subkeys(&root, &it), NT_OK);
    while ((r = nthive_subkey_next(&it, &k)) == NT_OK) {
        nthive_name nm;
        assert_true(i < n);
        assert_int_equal(k.offset, kids[i]);
        nthive_key_name(&k, &nm);
        nthive_name_to_utf8(&nm, got, sizeof got, &len);
        snprintf(name, sizeof name, "k%03u", i);
        assert_string_equal(got, name);
        i++;
    }
    assert_int_equal(r, NT_END);
    assert_int_equal(i, n);
    assert_int_equal(nthive_subkey_next(&it, &k), NT_END);
    for (i = 0; i < n; i++) {
        snprintf(name, sizeof name, "K%03u", i);
        assert_int_equal(nthive_key_subkey(&root, name, strlen(name), &k), NT_OK);
        assert_int_equal(k.offset, kids[i]);
    }
    assert_int_equal(nthive_key_subkey(&root, "k", 1, &k), NT_ERR_NOT_FOUND);
    assert_int_equal(nthive_key_subkey(&root, "k9999", 5, &k), NT_ERR_NOT_FOUND);
    assert_int_equal(nthive_key_subkey(&root, "\xFF", 1, &k), NT_ERR_INVALID);
}

static void test_every_list_kind(void **state)
{
    static const char *const sigs[] = {"li", "lf", "lh"};
    uint32_t kids[200];
    size_t size;
    hb b;
    (void)state;
    for (int s = 0; s < 3; s++) {
        uint8_t *f = tree(&b, sigs[s], NULL, 37, 0, &size, kids);
        check_tree(f, size, 37, kids);
        hb_free(&b);
        /* ri over leaves of this kind, uneven leaf sizes */
        f = tree(&b, "ri", sigs[s], 150, 16, &size, kids);
        check_tree(f, size, 150, kids);
        hb_free(&b);
    }
}

static void test_ri_to_ri_rejected(void **state)
{
    uint32_t kids[4];
    size_t size, keys, errs;
    hb b;
    nthive h;
    nthive_key root, k;
    nthive_subkey_iter it;
    (void)state;
    hb_init(&b, 5);
    uint32_t root_off = hb_nk_ascii(&b, HB_NONE, "ROOT");
    kids[0] = hb_nk_ascii(&b, root_off, "a");
    kids[1] = hb_nk_ascii(&b, root_off, "b");
    uint32_t leaf = hb_list(&b, "lh", kids, 1);
    uint32_t leaf2 = hb_list(&b, "lh", kids + 1, 1);
    uint32_t inner = hb_list(&b, "ri", &leaf, 1);
    uint32_t outer_entries[2] = {inner, leaf2};
    hb_set_subkeys(&b, root_off, hb_list(&b, "ri", outer_entries, 2), 2);
    uint8_t *f = hb_finish(&b, root_off, &size);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    assert_int_equal(nthive_subkeys(&root, &it), NT_OK);
    /* the nested ri is an error; the walk goes on to the next leaf */
    assert_int_equal(nthive_subkey_next(&it, &k), NT_ERR_CORRUPT);
    assert_int_equal(nthive_diag(&h)->offset, 4096 + inner);
    assert_int_equal(nthive_subkey_next(&it, &k), NT_OK);
    assert_int_equal(k.offset, kids[1]);
    assert_int_equal(nthive_subkey_next(&it, &k), NT_END);
    keys = hb_walk_everything(&h, NULL, &errs);
    assert_int_equal(keys, 2);
    assert_int_equal(errs, 1);
    hb_free(&b);
}

static void test_unsorted_and_bad_entries(void **state)
{
    uint32_t kids[5];
    size_t size;
    hb b;
    nthive h;
    nthive_key root, k;
    nthive_subkey_iter it;
    (void)state;
    hb_init(&b, 5);
    uint32_t root_off = hb_nk_ascii(&b, HB_NONE, "ROOT");
    /* Out of order on purpose (WrongOrderHive-like). */
    kids[0] = hb_nk_ascii(&b, root_off, "zeta");
    kids[1] = hb_nk_ascii(&b, root_off, "alpha");
    kids[2] = 0x7FFFFFF8; /* outside the data */
    kids[3] = hb_nk_ascii(&b, root_off, "mid");
    kids[4] = hb_nk_ascii(&b, root_off, "beta");
    uint32_t list = hb_list(&b, "lf", kids, 5);
    hb_set_subkeys(&b, root_off, list, 5);
    uint8_t *f = hb_finish(&b, root_off, &size);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    for (int i = 0; i < 5; i++) {
        static const char *const names[] = {"ZETA", "Alpha", NULL, "mId", "beta"};
        if (!names[i])
            continue;
        assert_int_equal(nthive_key_subkey(&root, names[i], strlen(names[i]), &k), NT_OK);
        assert_int_equal(k.offset, kids[i]);
    }
    assert_int_equal(nthive_key_subkey(&root, "gamma", 5, &k), NT_ERR_NOT_FOUND);
    /* Iteration reports the bad entry where it is and goes on. */
    assert_int_equal(nthive_subkeys(&root, &it), NT_OK);
    assert_int_equal(nthive_subkey_next(&it, &k), NT_OK);
    assert_int_equal(nthive_subkey_next(&it, &k), NT_OK);
    assert_int_equal(nthive_subkey_next(&it, &k), NT_ERR_CORRUPT);
    assert_int_equal(nthive_diag(&h)->offset, 4096 + list + 4 + 4 + 2 * 8);
    assert_string_equal(nthive_diag(&h)->rule, "lf entry points outside the hive data");
    assert_int_equal(nthive_subkey_next(&it, &k), NT_OK);
    assert_int_equal(nthive_subkey_next(&it, &k), NT_OK);
    assert_int_equal(nthive_subkey_next(&it, &k), NT_END);
    hb_free(&b);
}

static size_t utf16(uint8_t *out, const uint16_t *u, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[2 * i] = (uint8_t)u[i], out[2 * i + 1] = (uint8_t)(u[i] >> 8);
    return 2 * n;
}

static void test_names_and_case_folding(void **state)
{
    size_t size;
    hb b;
    nthive h;
    nthive_key root, k;
    nthive_name nm;
    char out[64];
    size_t len;
    uint8_t w[64];
    uint32_t kids[6];
    (void)state;
    hb_init(&b, 5);
    uint32_t root_off = hb_nk_ascii(&b, HB_NONE, "ROOT");
    /* Not sorted: lookups take the verified linear path too. */
    kids[0] = hb_nk(&b, root_off,
                    "Stra\xDF"
                    "e",
                    6, 1);                          /* Latin-1 */
    kids[1] = hb_nk(&b, root_off, "a\\b\0c", 5, 1); /* '\' and NUL */
    kids[2] = hb_nk(&b, root_off, w, (uint16_t)utf16(w, (const uint16_t[]){0x434, 0x43E, 0x43C}, 3), 0);
    kids[3] = hb_nk(&b, root_off, w, (uint16_t)utf16(w, (const uint16_t[]){0x3C3, 0x3C0}, 2), 0);
    kids[4] = hb_nk(&b, root_off, w, (uint16_t)utf16(w, (const uint16_t[]){0xFF41, 0xD801, 0xDC00}, 3), 0);
    kids[5] = hb_nk(&b, root_off, w, (uint16_t)utf16(w, (const uint16_t[]){'x', 0xDC00}, 2), 0);
    hb_set_subkeys(&b, root_off, hb_list(&b, "lh", kids, 6), 6);
    uint8_t *f = hb_finish(&b, root_off, &size);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    /* ß has no single-unit capital: it matches itself only. */
    assert_int_equal(nthive_key_subkey(&root,
                                       "STRA\xC3\x9F"
                                       "E",
                                       7, &k),
                     NT_OK);
    assert_int_equal(k.offset, kids[0]);
    assert_int_equal(nthive_key_subkey(&root, "STRASSE", 7, &k), NT_ERR_NOT_FOUND);
    assert_int_equal(nthive_key_subkey(&root, "A\\B\0C", 5, &k), NT_OK);
    assert_int_equal(k.offset, kids[1]);
    /* Cyrillic ДОМ, Greek ΣΠ (and final sigma folds to Σ too) */
    assert_int_equal(nthive_key_subkey(&root, "\xD0\x94\xD0\x9E\xD0\x9C", 6, &k), NT_OK);
    assert_int_equal(k.offset, kids[2]);
    assert_int_equal(nthive_key_subkey(&root, "\xCE\xA3\xCE\xA0", 4, &k), NT_OK);
    assert_int_equal(k.offset, kids[3]);
    assert_int_equal(nthive_key_subkey(&root, "\xCF\x82\xCF\x80", 4, &k), NT_OK);
    assert_int_equal(k.offset, kids[3]);
    /* fullwidth Ａ + U+10400 (a surrogate pair, never folded) */
    assert_int_equal(nthive_key_subkey(&root, "\xEF\xBC\xA1\xF0\x90\x90\x80", 7, &k), NT_OK);
    assert_int_equal(k.offset, kids[4]);
    assert_int_equal(nthive_key_subkey(&root, "\xEF\xBC\xA1\xF0\x90\x90\xA8", 7, &k), NT_ERR_NOT_FOUND);
    /* names convert: Latin-1 to UTF-8, lone surrogate to U+FFFD */
    assert_int_equal(nthive_key_at(&h, kids[0], &k), NT_OK);
    nthive_key_name(&k, &nm);
    assert_true(nm.latin1);
    assert_int_equal(nthive_name_to_utf8(&nm, out, sizeof out, &len), NT_OK);
    assert_string_equal(out, "Stra\xC3\x9F"
                             "e");
    assert_int_equal(nthive_key_at(&h, kids[1], &k), NT_OK);
    nthive_key_name(&k, &nm);
    assert_int_equal(nthive_name_to_utf8(&nm, out, sizeof out, &len), NT_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(out, "a\\b\0c", 5);
    assert_int_equal(nthive_key_at(&h, kids[5], &k), NT_OK);
    nthive_key_name(&k, &nm);
    assert_false(nm.latin1);
    assert_int_equal(nthive_name_to_utf8(&nm, out, sizeof out, &len), NT_OK);
    assert_string_equal(out, "x\xEF\xBF\xBD");
    hb_free(&b);
}

static void test_paths_class_security(void **state)
{
    size_t size, len;
    hb b;
    nthive h;
    nthive_key root, k;
    nthive_name cls;
    const uint8_t *sd;
    uint8_t w[16];
    char out[32];
    (void)state;
    hb_init(&b, 3);
    uint32_t r = hb_nk_ascii(&b, HB_NONE, "ROOT");
    uint32_t a = hb_nk_ascii(&b, r, "ControlSet001");
    uint32_t s = hb_nk_ascii(&b, a, "Services");
    uint32_t t = hb_nk_ascii(&b, s, "Tcpip");
    hb_set_subkeys(&b, r, hb_list(&b, "lf", &a, 1), 1);
    hb_set_subkeys(&b, a, hb_list(&b, "lf", &s, 1), 1);
    hb_set_subkeys(&b, s, hb_list(&b, "lh", &t, 1), 1);
    /* class name "Cls" (UTF-16) and an sk with a 20-byte descriptor */
    uint32_t cl = hb_cell(&b, w, (uint32_t)utf16(w, (const uint16_t[]){'C', 'l', 's'}, 3));
    hb_put32(&b, t, 48, cl);
    hb_put16(&b, t, 74, 6);
    uint8_t skp[40] = {'s', 'k'};
    skp[16] = 20;
    for (int i = 0; i < 20; i++)
        skp[20 + i] = (uint8_t)(0xA0 + i);
    uint32_t sk = hb_cell(&b, skp, sizeof skp);
    hb_put32(&b, t, 44, sk);
    uint8_t *f = hb_finish(&b, r, &size);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    /* With a '\\' in the path, '/' is part of a name; with only '/', it
     * separates where no name holds it. */
    const char *p = "controlset001\\SERVICES/tcpip";
    assert_int_equal(nthive_key_open(&root, p, strlen(p), &k), NT_ERR_NOT_FOUND);
    p = "controlset001/SERVICES/tcpip";
    assert_int_equal(nthive_key_open(&root, p, strlen(p), &k), NT_OK);
    assert_int_equal(k.offset, t);
    p = "\\ControlSet001\\\\Services\\";
    assert_int_equal(nthive_key_open(&root, p, strlen(p), &k), NT_OK);
    assert_int_equal(k.offset, s);
    assert_int_equal(nthive_key_open(&root, "", 0, &k), NT_OK);
    assert_int_equal(k.offset, r);
    p = "ControlSet001\\Nope";
    assert_int_equal(nthive_key_open(&root, p, strlen(p), &k), NT_ERR_NOT_FOUND);
    p = "ControlSet001\\Services\\Tcpip";
    assert_int_equal(nthive_key_open(&root, p, strlen(p), &k), NT_OK);
    assert_int_equal(nthive_key_class(&k, &cls), NT_OK);
    assert_int_equal(nthive_name_to_utf8(&cls, out, sizeof out, &len), NT_OK);
    assert_string_equal(out, "Cls");
    assert_int_equal(nthive_key_security(&k, &sd, &len), NT_OK);
    assert_int_equal(len, 20);
    assert_int_equal(sd[0], 0xA0);
    assert_int_equal(sd[19], 0xB3);
    assert_int_equal(nthive_key_class(&root, &cls), NT_ERR_NOT_FOUND);
    assert_int_equal(nthive_key_security(&root, &sd, &len), NT_ERR_NOT_FOUND);
    /* a descriptor longer than its cell, a class longer than its cell */
    hb_payload(&b, sk)[16] = 25; /* the cell has 24 bytes after the header */
    assert_int_equal(nthive_key_security(&k, &sd, &len), NT_ERR_CORRUPT);
    hb_put16(&b, t, 74, 13); /* the class cell holds 12 */
    assert_int_equal(nthive_key_class(&k, &cls), NT_ERR_CORRUPT);
    hb_free(&b);
}

static void test_bad_cells(void **state)
{
    size_t size;
    hb b;
    nthive h;
    nthive_key k;
    (void)state;
    hb_init(&b, 5);
    uint32_t r = hb_nk_ascii(&b, HB_NONE, "ROOT");
    uint32_t fr = hb_free_cell(&b, 100);
    uint32_t big = hb_nk_ascii(&b, r, "x");
    uint8_t *f = hb_finish(&b, r, &size);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_key_at(&h, r, &k), NT_OK);
    assert_int_equal(nthive_key_at(&h, r + 4, &k), NT_ERR_CORRUPT); /* misaligned */
    assert_int_equal(nthive_key_at(&h, fr, &k), NT_ERR_CORRUPT);    /* free cell */
    assert_string_equal(nthive_diag(&h)->rule, "cell is free (positive size) but referenced");
    assert_int_equal(nthive_key_at(&h, 0, &k), NT_ERR_CORRUPT); /* bin header */
    assert_int_equal(nthive_key_at(&h, 0xFFFFFFF8u, &k), NT_ERR_CORRUPT);
    /* a cell claiming to run past its bin */
    uint8_t *cell = f + 4096 + big;
    uint32_t orig;
    memcpy(&orig, cell, 4);
    uint32_t huge = (uint32_t) - (int32_t)8192;
    memcpy(cell, &huge, 4);
    assert_int_equal(nthive_key_at(&h, big, &k), NT_ERR_CORRUPT);
    assert_string_equal(nthive_diag(&h)->rule, "cell runs past the end of its hive bin");
    memcpy(cell, &orig, 4);
    /* a name longer than its cell */
    cell[4 + 72] = 200;
    assert_int_equal(nthive_key_at(&h, big, &k), NT_ERR_CORRUPT);
    assert_string_equal(nthive_diag(&h)->rule, "key name runs past the end of its cell");
    hb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_list_kind),          cmocka_unit_test(test_ri_to_ri_rejected),
        cmocka_unit_test(test_unsorted_and_bad_entries), cmocka_unit_test(test_names_and_case_folding),
        cmocka_unit_test(test_paths_class_security),     cmocka_unit_test(test_bad_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
