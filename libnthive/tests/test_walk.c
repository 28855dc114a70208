/* The tree walker: pre-order in list order, cycles and shared subtrees
 * reached once, deep chains (600 levels) with the default limit, a small
 * depth limit, and allocation failures at every allocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hive_builder.h"
#include "nthive.h"
#include "test_support.h"

/* A chain ROOT -> n1 -> n2 ... of `depth` keys below the root. */
static uint8_t *chain(hb *b, uint32_t depth, size_t *size, uint32_t *last)
{
    hb_init(b, 5);
    uint32_t root = hb_nk_ascii(b, HB_NONE, "ROOT"), parent = root;
    for (uint32_t i = 0; i < depth; i++) {
        uint32_t k = hb_nk_ascii(b, parent, "n");
        hb_set_subkeys(b, parent, hb_list(b, "lh", &k, 1), 1);
        parent = k;
    }
    *last = parent;
    return hb_finish(b, root, size);
}

static void test_preorder(void **state)
{
    hb b;
    size_t size;
    nthive h;
    nthive_key root, k;
    nthive_walk w;
    test_allocator ta;
    uint32_t depth, kids[3], grand[2];
    (void)state;
    hb_init(&b, 5);
    uint32_t r = hb_nk_ascii(&b, HB_NONE, "ROOT");
    kids[0] = hb_nk_ascii(&b, r, "a");
    kids[1] = hb_nk_ascii(&b, r, "b");
    kids[2] = hb_nk_ascii(&b, r, "c");
    grand[0] = hb_nk_ascii(&b, kids[1], "b1");
    grand[1] = hb_nk_ascii(&b, kids[1], "b2");
    hb_set_subkeys(&b, r, hb_list(&b, "lf", kids, 3), 3);
    hb_set_subkeys(&b, kids[1], hb_list(&b, "li", grand, 2), 2);
    uint8_t *f = hb_finish(&b, r, &size);
    const uint32_t want[] = {r, kids[0], kids[1], grand[0], grand[1], kids[2]};
    const uint32_t want_depth[] = {0, 1, 1, 2, 2, 1};
    test_allocator_init(&ta);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    assert_int_equal(nthive_walk_init(&w, &root, 0, &ta.iface), NT_OK);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(nthive_walk_next(&w, &k, &depth), NT_OK);
        assert_int_equal(k.offset, want[i]);
        assert_int_equal(depth, want_depth[i]);
    }
    assert_int_equal(nthive_walk_next(&w, &k, &depth), NT_END);
    assert_int_equal(nthive_walk_next(&w, &k, &depth), NT_END);
    nthive_walk_free(&w);
    nthive_walk_free(&w);
    assert_int_equal(ta.live_blocks, 0);
    assert_int_equal(ta.bad_frees, 0);
    test_allocator_destroy(&ta);
    hb_free(&b);
}

static void test_cycles_and_sharing(void **state)
{
    hb b;
    size_t size;
    nthive h;
    nthive_key root, k;
    nthive_walk w;
    test_allocator ta;
    uint32_t depth, n = 0, errors = 0;
    int r;
    (void)state;
    hb_init(&b, 5);
    uint32_t rt = hb_nk_ascii(&b, HB_NONE, "ROOT");
    uint32_t a = hb_nk_ascii(&b, rt, "a");
    uint32_t s = hb_nk_ascii(&b, a, "shared");
    uint32_t top[2] = {a, s};   /* s under root and under a */
    uint32_t back[2] = {s, rt}; /* a lists s and the root: a cycle */
    hb_set_subkeys(&b, rt, hb_list(&b, "lh", top, 2), 2);
    hb_set_subkeys(&b, a, hb_list(&b, "lh", back, 2), 2);
    hb_set_subkeys(&b, s, hb_list(&b, "li", &a, 1), 1); /* and s lists a */
    uint8_t *f = hb_finish(&b, rt, &size);
    test_allocator_init(&ta);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    assert_int_equal(nthive_walk_init(&w, &root, 0, &ta.iface), NT_OK);
    while ((r = nthive_walk_next(&w, &k, &depth)) != NT_END) {
        assert_true(n + errors < 100);
        if (r == NT_OK) {
            n++;
        } else {
            assert_int_equal(r, NT_ERR_CORRUPT);
            errors++;
        }
    }
    assert_int_equal(n, 3);      /* each key once */
    assert_int_equal(errors, 3); /* root again, s again, a again */
    nthive_walk_free(&w);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
    hb_free(&b);
}

static void test_deep_chain(void **state)
{
    hb b;
    size_t size;
    nthive h;
    nthive_key root, k;
    nthive_walk w;
    test_allocator ta;
    uint32_t depth, last, n = 0, max = 0;
    int r;
    (void)state;
    uint8_t *f = chain(&b, 600, &size, &last);
    test_allocator_init(&ta);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    assert_int_equal(nthive_walk_init(&w, &root, 0, &ta.iface), NT_OK);
    while ((r = nthive_walk_next(&w, &k, &depth)) == NT_OK) {
        n++;
        if (depth > max)
            max = depth;
    }
    assert_int_equal(r, NT_END);
    assert_int_equal(n, 601);
    assert_int_equal(max, 600);
    assert_int_equal(k.offset, last);
    nthive_walk_free(&w);
    /* a limit of 10 levels: keys up to depth 9, then one LIMIT report */
    assert_int_equal(nthive_walk_init(&w, &root, 10, &ta.iface), NT_OK);
    n = 0;
    uint32_t limits = 0;
    while ((r = nthive_walk_next(&w, &k, &depth)) != NT_END) {
        if (r == NT_OK)
            n++;
        else {
            assert_int_equal(r, NT_ERR_LIMIT);
            limits++;
        }
    }
    assert_int_equal(n, 10);
    assert_int_equal(limits, 1);
    nthive_walk_free(&w);
    /* a path 600 levels deep opens too */
    char *path = malloc(2 * 600 + 1);
    for (int i = 0; i < 600; i++)
        path[2 * i] = 'N', path[2 * i + 1] = '\\';
    assert_int_equal(nthive_key_open(&root, path, 2 * 600, &k), NT_OK);
    assert_int_equal(k.offset, last);
    free(path);
    test_allocator_destroy(&ta);
    hb_free(&b);
}

static void test_allocation_failures(void **state)
{
    hb b;
    size_t size;
    nthive h;
    nthive_key root, k;
    nthive_walk w;
    uint32_t last, depth;
    (void)state;
    uint8_t *f = chain(&b, 5, &size, &last);
    assert_int_equal(nthive_open(&h, f, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    for (long fail = 0; fail < 2; fail++) {
        test_allocator ta;
        test_allocator_init(&ta);
        ta.fail_at = fail;
        assert_int_equal(nthive_walk_init(&w, &root, 0, &ta.iface), NT_ERR_NOMEM);
        assert_int_equal(ta.failures, 1);
        assert_int_equal(ta.live_blocks, 0);
        assert_int_equal(nthive_walk_next(&w, &k, &depth), NT_ERR_INVALID);
        nthive_walk_free(&w);
        test_allocator_destroy(&ta);
    }
    /* The hive stays usable after a failed init. */
    assert_int_equal(nthive_key_at(&h, last, &k), NT_OK);
    hb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preorder),
        cmocka_unit_test(test_cycles_and_sharing),
        cmocka_unit_test(test_deep_chain),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
