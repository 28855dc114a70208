/* Deleted keys and values: a generated hive whose key and value cells are
 * marked free after the fact, layered-key bits, and damaged hives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hive_builder.h"
#include "nthive.h"
#include "nthive_forensic.h"

#define BASE 4096u

/* Marks the allocated cell at `off` free, as Windows does on delete. */
static void free_cell(uint8_t *file, uint32_t off)
{
    uint8_t *p = file + BASE + off;
    int32_t size = (int32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
    uint32_t pos = (uint32_t)(size < 0 ? -size : size);
    p[0] = (uint8_t)pos, p[1] = (uint8_t)(pos >> 8), p[2] = (uint8_t)(pos >> 16), p[3] = (uint8_t)(pos >> 24);
}

typedef struct built {
    uint8_t *file;
    size_t size;
    uint32_t gone, child, val, orphan;
} built;

/* root -> keep, gone -> gone\child; "gone" has value "val" (REG_SZ
 * "hello"); "keep" had value "old" (deleted alone). Then "gone" (with its
 * subtree and value) and "old" are deleted. */
static void build(built *t, uint32_t minor)
{
    hb b;
    uint32_t root, keep, subs[2], list, list2, vals[1], old;
    static const uint8_t hello[] = {'h', 0, 'e', 0, 'l', 0, 'l', 0, 'o', 0, 0, 0};
    hb_init(&b, minor);
    root = hb_nk_ascii(&b, HB_NONE, "ROOT");
    keep = hb_nk_ascii(&b, root, "keep");
    t->gone = hb_nk_ascii(&b, root, "gone");
    t->child = hb_nk_ascii(&b, t->gone, "child");
    subs[0] = t->gone, subs[1] = keep;
    list = hb_list(&b, "li", subs, 2);
    hb_set_subkeys(&b, root, list, 2);
    list2 = hb_list(&b, "li", &t->child, 1);
    hb_set_subkeys(&b, t->gone, list2, 1);
    t->val = vals[0] = hb_vk(&b, "val", 1, hello, sizeof hello, 0);
    hb_set_values(&b, t->gone, vals, 1);
    t->orphan = old = hb_vk(&b, "old", 4, "\x2a\0\0\0", 4, 1);
    hb_set_values(&b, keep, &old, 1);
    t->file = hb_finish(&b, root, &t->size);
    /* Delete: the root lists only "keep" (the stale entry stays in the
     * list's slack), keep has no values; cells go free. */
    memcpy(hb_payload(&b, list) + 4, &keep, 4);
    hb_put32(&b, root, 20, 1);
    hb_put32(&b, keep, 36, 0);
    free_cell(t->file, t->gone);
    free_cell(t->file, t->child);
    free_cell(t->file, list2);
    free_cell(t->file, t->val);
    free_cell(t->file, old);
}

static void test_recover_generated(void **state)
{
    built t;
    nthive h;
    nthive_deleted_iter it;
    nthive_deleted d;
    int keys = 0, values = 0, rounds = 0;
    bool saw_gone = false, saw_child = false, saw_val = false, saw_orphan = false;
    (void)state;
    build(&t, 5);
    assert_int_equal(nthive_open(&h, t.file, t.size), NT_OK);
    nthive_deleted_init(&it, &h);
    while (nthive_deleted_next(&it, &d) == NT_OK) {
        assert_true(rounds++ < 1000);
        if (d.kind == NTHIVE_DELETED_KEY) {
            char path[128];
            size_t len;
            bool complete;
            keys++;
            assert_int_equal(nthive_deleted_key_path(&d.key, path, sizeof path, &len, &complete), NT_OK);
            assert_true(complete);
            if (d.offset == t.gone) {
                nthive_value v;
                const uint8_t *data;
                size_t dl;
                nthive_name n;
                char name[16];
                saw_gone = true;
                assert_string_equal(path, "gone");
                assert_int_equal(d.found, NTHIVE_FOUND_FREE_CELL);
                assert_int_equal(nthive_deleted_key_value(&d.key, 0, &v), NT_OK);
                assert_int_equal(v.offset, t.val);
                nthive_value_name(&v, &n);
                assert_int_equal(nthive_name_to_utf8(&n, name, sizeof name, NULL), NT_OK);
                assert_string_equal(name, "val");
                assert_int_equal(nthive_deleted_value_data(&v, &data, &dl), NT_OK);
                assert_int_equal(dl, 12);
                assert_memory_equal(data, "h\0e\0l\0l\0o\0\0\0", 12);
                assert_int_equal(nthive_deleted_key_value(&d.key, 1, &v), NT_END);
            } else if (d.offset == t.child) {
                saw_child = true;
                assert_string_equal(path, "gone\\child");
            }
        } else {
            const uint8_t *data;
            size_t dl;
            values++;
            if (d.offset == t.val)
                saw_val = true;
            if (d.offset == t.orphan) {
                saw_orphan = true;
                assert_int_equal(nthive_deleted_value_data(&d.value, &data, &dl), NT_OK);
                assert_int_equal(dl, 4);
                assert_memory_equal(data, "\x2a\0\0\0", 4);
                assert_int_equal(nthive_value_type(&d.value), 4);
            }
        }
    }
    /* Exactly the deleted records: live "ROOT" and "keep" are not listed. */
    assert_true(saw_gone && saw_child && saw_val && saw_orphan);
    assert_int_equal(keys, 2);
    assert_int_equal(values, 2);
    free(t.file);
}

static void test_layer_bits(void **state)
{
    hb b;
    uint32_t root, k[4], list, vk;
    size_t size;
    uint8_t *file;
    nthive h;
    nthive_key key;
    nthive_value v;
    nthive_value_iter vi;
    nthive_layer l;
    static const uint8_t bits[4] = {0x00, 0x40, 0x80, 0xC1};
    (void)state;
    for (int minor = 5; minor <= 6; minor++) {
        hb_init(&b, (uint32_t)minor);
        root = hb_nk_ascii(&b, HB_NONE, "ROOT");
        for (int i = 0; i < 4; i++) {
            char name[2] = {(char)('a' + i), 0};
            k[i] = hb_nk_ascii(&b, root, name);
            hb_put32(&b, k[i], 12, (uint32_t)bits[i] << 8);
        }
        list = hb_list(&b, "li", k, 4);
        hb_set_subkeys(&b, root, list, 4);
        vk = hb_vk(&b, "dead", 1, "", 0, 1);
        hb_put16(&b, vk, 16, 0x3); /* compressed name + tombstone */
        hb_put32(&b, vk, 4, 0);
        hb_put32(&b, vk, 8, 0xFFFFFFFFu);
        hb_set_values(&b, k[1], &vk, 1);
        file = hb_finish(&b, root, &size);
        assert_int_equal(nthive_open(&h, file, size), NT_OK);
        for (int i = 0; i < 4; i++) {
            assert_int_equal(nthive_key_at(&h, k[i], &key), NT_OK);
            nthive_key_layer(&key, &l);
            if (minor < 6) {
                assert_int_equal(l.semantics, NTHIVE_LAYER_NONE);
                assert_false(l.inherit_class);
            } else {
                assert_int_equal(l.semantics, (unsigned)(bits[i] >> 6));
                assert_int_equal(l.inherit_class, i == 3);
            }
        }
        assert_string_equal(nthive_layer_name(NTHIVE_LAYER_TOMBSTONE), "tombstone");
        assert_string_equal(nthive_layer_name(NTHIVE_LAYER_SUPERSEDE_TREE), "supersede-tree");
        assert_int_equal(nthive_key_at(&h, k[1], &key), NT_OK);
        assert_int_equal(nthive_values(&key, &vi), NT_OK);
        assert_int_equal(nthive_value_next(&vi, &v), NT_OK);
        assert_int_equal(nthive_value_is_tombstone(&v), minor == 6);
        free(file);
    }
}

/* Byte flips and truncations: the scan and the path builder stay inside
 * the data (ASan/UBSan) and end. */
static void test_recover_damaged(void **state)
{
    built t;
    (void)state;
    build(&t, 5);
    for (size_t pos = BASE; pos < t.size; pos += 5) {
        uint8_t *copy = malloc(t.size);
        nthive h;
        nthive_deleted_iter it;
        nthive_deleted d;
        size_t cut = pos % 3 == 0 ? pos : t.size;
        int rounds = 0;
        memcpy(copy, t.file, t.size);
        copy[pos] ^= (uint8_t)(0x80 | pos);
        if (nthive_open(&h, copy, cut) != NT_OK) {
            free(copy);
            continue;
        }
        nthive_deleted_init(&it, &h);
        while (nthive_deleted_next(&it, &d) == NT_OK) {
            char path[64];
            size_t len;
            bool complete;
            nthive_value v;
            const uint8_t *data;
            size_t dl;
            assert_true(rounds++ < 10000);
            if (d.kind == NTHIVE_DELETED_KEY) {
                nthive_deleted_key_path(&d.key, path, sizeof path, &len, &complete);
                for (uint32_t i = 0; i < 4 && nthive_deleted_key_value(&d.key, i, &v) == NT_OK; i++)
                    nthive_deleted_value_data(&v, &data, &dl);
            } else {
                nthive_deleted_value_data(&d.value, &data, &dl);
            }
        }
        free(copy);
    }
    free(t.file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recover_generated),
        cmocka_unit_test(test_layer_bits),
        cmocka_unit_test(test_recover_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
