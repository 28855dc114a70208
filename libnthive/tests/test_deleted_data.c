/* Data and owners of recovered values: big data deleted whole, with a
 * segment reused, with its segment list reused; a value record reused; the
 * owner map (deleted key's list, its slack, a live key's list slack, no
 * owner), with allocation failure injected at every allocation. Hives are
 * built with the test builder, cells freed as Windows frees them. */
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
#define SEG 16344u

/* Marks a cell free (positive size), or allocated again (negative). */
static void set_state(uint8_t *file, uint32_t off, int allocated)
{
    int32_t size = (int32_t)hb_r32(file + BASE + off);
    uint32_t abs = (uint32_t)(size < 0 ? -size : size);
    hb_w32(file + BASE + off, allocated ? 0u - abs : abs);
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)((i * 31) ^ (i >> 7) ^ (i >> 13));
}

typedef struct built {
    hb b;
    uint8_t *file;
    size_t size;
    uint32_t root, live, gone, v_live_slack, v_gone_list, v_gone_slack, v_orphan, v_old, old_list;
    uint32_t segs[4], seglist;
} built;

/* root -> live (values: "d" dword, "big" 50000 bytes deleted: its vk
 * offset stays in the list slack), gone (deleted; values "a", "b" - "b"
 * was deleted first: slack of gone's list), and a vk nobody lists. */
static void build(built *t)
{
    static uint8_t big[50000];
    uint32_t kids[2], vl[2], vg[2], db;
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = pattern(i);
    hb_init(&t->b, 5);
    t->root = hb_nk_ascii(&t->b, HB_NONE, "ROOT");
    t->live = kids[0] = hb_nk_ascii(&t->b, t->root, "live");
    t->gone = kids[1] = hb_nk_ascii(&t->b, t->root, "gone");
    hb_set_subkeys(&t->b, t->root, hb_list(&t->b, "lh", kids, 2), 2);
    vl[0] = hb_vk(&t->b, "d", 4, "\1\2\3\4", 4, 1);
    vl[1] = t->v_live_slack = hb_vk(&t->b, "big", 3, big, sizeof big, 0);
    hb_set_values(&t->b, t->live, vl, 2);
    vg[0] = t->v_gone_list = hb_vk(&t->b, "a", 4, "\5\6\7\10", 4, 1);
    vg[1] = t->v_gone_slack = hb_vk(&t->b, "b", 1, "b\0\0\0", 4, 0);
    hb_set_values(&t->b, t->gone, vg, 2);
    t->v_orphan = hb_vk(&t->b, "orphan", 3, "xyzzy", 5, 0);
    /* live's list before it moved: [d, old], freed below with "old". */
    t->v_old = hb_vk(&t->b, "old", 4, "\11\12\13\14", 4, 1);
    {
        uint8_t entries[8];
        hb_w32(entries, vl[0]);
        hb_w32(entries + 4, t->v_old);
        t->old_list = hb_cell(&t->b, entries, 8);
    }
    t->file = hb_finish(&t->b, t->root, &t->size);
    /* Delete live\big: count 2 -> 1, cells freed. */
    db = hb_r32(hb_payload(&t->b, t->v_live_slack) + 8);
    t->seglist = hb_r32(hb_payload(&t->b, db) + 4);
    for (int i = 0; i < 4; i++) {
        t->segs[i] = hb_r32(hb_payload(&t->b, t->seglist) + 4 * i);
        set_state(t->file, t->segs[i], 0);
    }
    set_state(t->file, t->seglist, 0);
    set_state(t->file, db, 0);
    set_state(t->file, t->v_live_slack, 0);
    hb_put32(&t->b, t->live, 36, 1);
    /* Delete gone\b, then gone: root lists only live. */
    set_state(t->file, hb_r32(hb_payload(&t->b, t->v_gone_slack) + 8), 0);
    set_state(t->file, t->v_gone_slack, 0);
    hb_put32(&t->b, t->gone, 36, 1);
    set_state(t->file, t->v_gone_list, 0);
    set_state(t->file, hb_r32(hb_payload(&t->b, t->gone) + 40), 0);
    set_state(t->file, t->gone, 0);
    hb_put32(&t->b, t->root, 20, 1);
    /* The orphan: freed, listed nowhere. */
    set_state(t->file, hb_r32(hb_payload(&t->b, t->v_orphan) + 8), 0);
    set_state(t->file, t->v_orphan, 0);
    set_state(t->file, t->old_list, 0);
    set_state(t->file, t->v_old, 0);
}

/* The recovered value at cell `off`, from the scan. */
static void find_value(nthive *h, uint32_t off, nthive_value *v)
{
    nthive_deleted_iter it;
    nthive_deleted d;
    nthive_deleted_init(&it, h);
    while (nthive_deleted_next(&it, &d) == NT_OK)
        if (d.kind == NTHIVE_DELETED_VALUE && d.offset == off) {
            *v = d.value;
            return;
        }
    fail_msg("value at 0x%x not recovered", off);
}

/* Reads the data; checks the pieces against the pattern and returns the
 * bytes lost. */
static size_t read_all(const nthive_value *v, nthive_deleted_data *dd)
{
    const uint8_t *piece;
    size_t len, at = 0, lost = 0;
    assert_int_equal(nthive_deleted_data_init(v, dd), NT_OK);
    while (nthive_deleted_data_next(dd, &piece, &len) == NT_OK) {
        if (piece) {
            for (size_t i = 0; i < len; i++)
                assert_int_equal(piece[i], pattern(at + i));
        } else {
            lost += len;
        }
        at += len;
    }
    assert_int_equal(at, dd->length);
    return lost;
}

static void test_big_data(void **state)
{
    built t;
    nthive h;
    nthive_value v;
    nthive_deleted_data dd;
    (void)state;
    build(&t);
    assert_int_equal(nthive_open(&h, t.file, t.size), NT_OK);
    find_value(&h, t.v_live_slack, &v);
    /* Old API: big data unsupported. */
    {
        const uint8_t *d;
        size_t n;
        assert_int_equal(nthive_deleted_value_data(&v, &d, &n), NT_ERR_UNSUPPORTED);
    }
    assert_int_equal(read_all(&v, &dd), 0);
    assert_int_equal(dd.state, NTHIVE_DATA_COMPLETE);
    assert_int_equal(dd.size, 50000);
    assert_int_equal(dd.segments, 4);
    assert_int_equal(dd.segments_ok, 4);
    assert_int_equal(dd.recovered, 50000);
    /* Segment 2 reallocated: partial, its 16344 bytes lost. */
    set_state(t.file, t.segs[2], 1);
    assert_int_equal(read_all(&v, &dd), SEG);
    assert_int_equal(dd.state, NTHIVE_DATA_PARTIAL);
    assert_int_equal(dd.segments_ok, 3);
    assert_int_equal(dd.recovered, 50000 - SEG);
    /* The last (short) segment too. */
    set_state(t.file, t.segs[3], 1);
    assert_int_equal(read_all(&v, &dd), SEG + (50000 - 3 * SEG));
    set_state(t.file, t.segs[2], 0);
    set_state(t.file, t.segs[3], 0);
    /* Segment list reallocated: lost, nothing to read. */
    set_state(t.file, t.seglist, 1);
    assert_int_equal(read_all(&v, &dd), 0);
    assert_int_equal(dd.state, NTHIVE_DATA_LOST);
    assert_int_equal(dd.length, 0);
    set_state(t.file, t.seglist, 0);
    /* A segment offset that points outside the data: that segment lost. */
    hb_w32(hb_payload(&t.b, t.seglist) + 4, 0x7FFFFFF8u);
    assert_int_equal(read_all(&v, &dd), SEG);
    assert_int_equal(dd.state, NTHIVE_DATA_PARTIAL);
    hb_w32(hb_payload(&t.b, t.seglist) + 4, t.segs[1]);
    /* A wrong segment count: not this value's db. */
    hb_payload(&t.b, hb_r32(hb_payload(&t.b, t.v_live_slack) + 8))[2] = 9;
    read_all(&v, &dd);
    assert_int_equal(dd.state, NTHIVE_DATA_LOST);
    free(t.file);
}

static void test_small_data_and_reuse(void **state)
{
    built t;
    nthive h;
    nthive_value v;
    nthive_deleted_data dd;
    const uint8_t *piece;
    size_t len;
    uint32_t data;
    (void)state;
    build(&t);
    assert_int_equal(nthive_open(&h, t.file, t.size), NT_OK);
    find_value(&h, t.v_orphan, &v);
    assert_int_equal(nthive_deleted_data_init(&v, &dd), NT_OK);
    assert_int_equal(dd.state, NTHIVE_DATA_COMPLETE);
    assert_int_equal(nthive_deleted_data_next(&dd, &piece, &len), NT_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(piece, "xyzzy", 5);
    assert_int_equal(nthive_deleted_data_next(&dd, &piece, &len), NT_END);
    /* Its data cell allocated again: lost (the old API still reads it). */
    data = hb_r32(hb_payload(&t.b, t.v_orphan) + 8);
    set_state(t.file, data, 1);
    nthive_deleted_data_init(&v, &dd);
    assert_int_equal(dd.state, NTHIVE_DATA_LOST);
    assert_false(dd.record_reused);
    /* The vk's own cell allocated again: the record is someone else's. */
    set_state(t.file, t.v_orphan, 1);
    nthive_deleted_data_init(&v, &dd);
    assert_true(dd.record_reused);
    assert_int_equal(dd.state, NTHIVE_DATA_LOST);
    free(t.file);
}

/* Allocation failure at every allocation of the map build. */
static int fail_at, calls;
static void *fail_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx, (void)align;
    return ++calls == fail_at ? NULL : malloc(size);
}
static void fail_free(void *ctx, void *p, size_t size, size_t align)
{
    (void)ctx, (void)size, (void)align;
    free(p);
}

static void test_owners(void **state)
{
    built t;
    nthive h;
    nthive_owner_map m;
    nthive_key k;
    nthive_name n;
    char name[16];
    uint32_t how, others;
    nt_allocator a = {NULL, NULL, NULL, NULL};
    (void)state;
    build(&t);
    assert_int_equal(nthive_open(&h, t.file, t.size), NT_OK);
    assert_int_equal(nthive_owner_map_build(&m, &h, &a), NT_ERR_INVALID);
    a = (nt_allocator){NULL, fail_alloc, fail_free, NULL};
    calls = 0, fail_at = 0;
    assert_int_equal(nthive_owner_map_build(&m, &h, &a), NT_OK);
    assert_false(m.truncated);
    /* live\big: in the slack of live's list. */
    assert_int_equal(nthive_value_owner(&m, t.v_live_slack, &k, &how, &others), NT_OK);
    assert_int_equal(how, NTHIVE_OWNER_LIVE_SLACK);
    assert_int_equal(k.offset, t.live);
    /* gone\a: in gone's list; gone\b: in its slack. */
    assert_int_equal(nthive_value_owner(&m, t.v_gone_list, &k, &how, NULL), NT_OK);
    assert_int_equal(how, NTHIVE_OWNER_DELETED_LIST);
    nthive_key_name(&k, &n);
    assert_int_equal(nthive_name_to_utf8(&n, name, sizeof name, NULL), NT_OK);
    assert_string_equal(name, "gone");
    assert_int_equal(nthive_value_owner(&m, t.v_gone_slack, &k, &how, NULL), NT_OK);
    assert_int_equal(how, NTHIVE_OWNER_DELETED_SLACK);
    assert_int_equal(k.offset, t.gone);
    /* live\\old: in a freed copy of live's list, next to live\\d. */
    assert_int_equal(nthive_value_owner(&m, t.v_old, &k, &how, NULL), NT_OK);
    assert_int_equal(how, NTHIVE_OWNER_OLD_LIST);
    assert_int_equal(k.offset, t.live);
    /* A value live lists now is nobody's deleted value. */
    assert_int_equal(
        nthive_value_owner(&m, hb_r32(hb_payload(&t.b, hb_r32(hb_payload(&t.b, t.live) + 40))), &k, &how, NULL),
        NT_ERR_NOT_FOUND);
    /* The orphan: nobody. */
    assert_int_equal(nthive_value_owner(&m, t.v_orphan, &k, &how, NULL), NT_ERR_NOT_FOUND);
    assert_int_equal(how, NTHIVE_OWNER_NONE);
    nthive_owner_map_free(&m);
    free(t.file);
}

static void test_owner_map_nomem(void **state)
{
    built t;
    nthive h;
    nthive_owner_map m;
    nt_allocator a = {NULL, fail_alloc, fail_free, NULL};
    int total;
    (void)state;
    build(&t);
    assert_int_equal(nthive_open(&h, t.file, t.size), NT_OK);
    calls = 0, fail_at = 0;
    assert_int_equal(nthive_owner_map_build(&m, &h, &a), NT_OK);
    nthive_owner_map_free(&m);
    total = calls;
    assert_true(total >= 1);
    for (fail_at = 1; fail_at <= total; fail_at++) {
        calls = 0;
        assert_int_equal(nthive_owner_map_build(&m, &h, &a), NT_ERR_NOMEM);
        assert_int_equal(m.count, 0);
        nthive_owner_map_free(&m);
    }
    free(t.file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_big_data),
        cmocka_unit_test(test_small_data_and_reuse),
        cmocka_unit_test(test_owners),
        cmocka_unit_test(test_owner_map_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
