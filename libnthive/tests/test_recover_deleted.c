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
#include "ntcore/allocator.h"

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

/* ---- remnants past the hive bins data -------------------------------------------- */

/* malloc aligns for every alignment the library asks for (at most 8). */
static void *t_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    assert_true(align <= 16);
    return malloc(size ? size : 1);
}

static void t_free(void *ctx, void *p, size_t size, size_t align)
{
    (void)ctx, (void)size, (void)align;
    free(p);
}

/* Fails the allocation numbered *ctx (counting down), succeeds otherwise. */
static void *t_alloc_fail(void *ctx, size_t size, size_t align)
{
    int *left = (int *)ctx;
    if ((*left)-- == 0)
        return NULL;
    return t_alloc(NULL, size, align);
}

static const nt_allocator sys_allocator = {NULL, t_alloc, t_free, NULL};

/* Writes a cell (size field `raw`) at tail offset `at` of `t` (cell
 * offsets relative to the hive bins data at t + 4096). */
static uint8_t *tcell(uint8_t *t, uint32_t at, int32_t raw)
{
    hb_w32(t + BASE + at, (uint32_t)raw);
    return t + BASE + at + 4;
}

static void t_nk(uint8_t *p, uint32_t parent, const char *name, uint32_t nvalues, uint32_t list)
{
    hb_nk_record(p, parent, name, (uint16_t)strlen(name), 1);
    hb_w32(p + 36, nvalues);
    hb_w32(p + 40, list);
}

static void t_vk(uint8_t *p, const char *name, uint32_t type, uint32_t size, uint32_t data)
{
    size_t n = strlen(name);
    memcpy(p, "vk", 2);
    hb_w16(p + 2, (uint16_t)n);
    hb_w32(p + 4, size);
    hb_w32(p + 8, data);
    hb_w32(p + 12, type);
    hb_w16(p + 16, 1);
    memcpy(p + 20, name, n);
}

typedef struct tailed {
    uint8_t *file;
    size_t size;
    uint32_t bins; /* declared hive bins size */
    uint32_t root, nk, list, vk, data, bare, loose;
} tailed;

/* A small live hive (root -> live) whose file goes on past the declared
 * hive bins data with three pages:
 *   1. no header: a vk signature at the page start (the default value,
 *      REG_DWORD 7 inline; its size field would lie in the last bin), as
 *      in yarp's RemnantsHive, and at +0x100 a cell (size -0x68) holding
 *      nk "loose" with a bogus parent;
 *   2. an hbin (not continuing the chain of bins, which would make it part
 *      of the hive) holding an allocated nk "gone" (parent = root) whose
 *      value list (allocated) names vk "tv", in a free cell, with REG_SZ
 *      data "hi" in an allocated cell;
 *   3. garbage with signatures in implausible places: "vk" with unknown
 *      flags, "nk" with a zero time, a cell-form vk whose size field runs
 *      past the buffer, one with unaligned data, an "hbin" with a bad
 *      size, and a vk whose name is cut by the end of the buffer. */
static void build_tailed(tailed *t, int relocate)
{
    hb b;
    uint32_t live, subs[1], l, T, B;
    uint8_t *p;
    hb_init(&b, 5);
    t->root = hb_nk_ascii(&b, HB_NONE, "ROOT");
    live = hb_nk_ascii(&b, t->root, "live");
    subs[0] = live;
    l = hb_list(&b, "li", subs, 1);
    hb_set_subkeys(&b, t->root, l, 1);
    t->file = hb_finish(&b, t->root, &t->size);
    t->bins = T = (uint32_t)(t->size - BASE);
    t->file = realloc(t->file, t->size + 3 * 4096);
    memset(t->file + t->size, 0, 3 * 4096);
    t->size += 3 * 4096;
    /* Page 1: unframed. */
    t->bare = T;
    t_vk(t->file + BASE + t->bare, "", 4, 0x80000004u, 7);
    t->loose = T + 0x100;
    t_nk(tcell(t->file, t->loose, -0x68), 0x12345678u, "loose", 0, HB_NONE);
    /* Page 2: a remnant bin. Its header says where it lay in its own hive
     * (here, or 0x40000 with `relocate`); references inside it are
     * relative to that. */
    B = T + 4096;
    {
        uint32_t orig = relocate ? 0x40000u : B, d = orig - B;
        p = t->file + BASE + B;
        memcpy(p, "hbin", 4);
        hb_w32(p + 4, orig);
        hb_w32(p + 8, 4096);
        t->nk = B + 32;
        t->list = B + 32 + 88;
        t->vk = t->list + 16;
        t->data = t->vk + 32;
        t_nk(tcell(t->file, t->nk, -88), t->root, "gone", 1, t->list + d);
        hb_w32(tcell(t->file, t->list, -16), t->vk + d);
        t_vk(tcell(t->file, t->vk, 32), "tv", 1, 6, t->data + d);
        memcpy(tcell(t->file, t->data, -16), "h\0i\0\0\0", 6);
        tcell(t->file, t->data + 16, (int32_t)(B + 4096 - (t->data + 16)));
    }
    /* Page 3: garbage. */
    p = t->file + BASE + T + 8192;
    t_vk(p + 0, "x", 1, 0x80000002u, 0);
    hb_w16(p + 16, 0xFFFF); /* unknown vk flags */
    t_nk(tcell(t->file, T + 8192 + 64, -0x60), 0, "zero", 0, HB_NONE);
    hb_w64(p + 64 + 4 + 4, 0); /* time 0 */
    t_vk(tcell(t->file, T + 8192 + 200, -0x7FFFFF00), "far", 1, 0x80000001u, 0);
    t_vk(tcell(t->file, T + 8192 + 256, -32), "bad", 1, 12, 0x13); /* unaligned data */
    memcpy(p + 1024, "hbin", 4);
    hb_w32(p + 1024 + 8, 100); /* not a multiple of 4096 (and not at a page) */
    p = tcell(t->file, T + 3 * 4096 - 24, -64);
    t_vk(p, "", 1, 0x80000001u, 0);
    hb_w16(p + 2, 10); /* its name would run 10 bytes past the buffer */
}

/* Every record of the scan, with the checks all of them must pass. */
static int scan_all(nthive *h, const nthive_reach *reach, nthive_deleted *out, int max)
{
    nthive_deleted_iter it;
    nthive_deleted d;
    int n = 0;
    nthive_deleted_init(&it, h);
    nthive_deleted_set_reach(&it, reach);
    while (nthive_deleted_next(&it, &d) == NT_OK) {
        assert_true(n < max);
        out[n++] = d;
    }
    return n;
}

static const nthive_deleted *find_rec(const nthive_deleted *r, int n, uint32_t off)
{
    for (int i = 0; i < n; i++)
        if (r[i].offset == off)
            return &r[i];
    return NULL;
}

static void name_is(const nthive_name *n, const char *want)
{
    char buf[64];
    assert_int_equal(nthive_name_to_utf8(n, buf, sizeof buf, NULL), NT_OK);
    assert_string_equal(buf, want);
}

static void test_remnant_tail(void **state)
{
    (void)state;
    for (int relocate = 0; relocate < 2; relocate++) {
        tailed t;
        nthive h;
        nthive_deleted r[16];
        const nthive_deleted *d;
        nthive_value v;
        nthive_name n;
        nthive_deleted_data dd;
        const uint8_t *piece;
        size_t len;
        bool complete;
        char path[64];
        int count;
        build_tailed(&t, relocate);
        assert_int_equal(nthive_open(&h, t.file, t.size), NT_OK);
        count = scan_all(&h, NULL, r, 16);
        /* Exactly: the bare vk and loose (page 1), gone and tv (page 2). */
        assert_int_equal(count, 4);
        for (int i = 0; i < count; i++)
            assert_int_equal(r[i].found, NTHIVE_FOUND_REMNANT);
        d = find_rec(r, count, t.nk);
        assert_non_null(d);
        assert_int_equal(d->kind, NTHIVE_DELETED_KEY);
        nthive_key_name(&d->key, &n);
        name_is(&n, "gone");
        assert_int_equal(nthive_deleted_key_path(&d->key, path, sizeof path, &len, &complete), NT_OK);
        assert_string_equal(path, "gone");
        /* Its parent is the root here; in a bin that lay elsewhere, a
         * reference out of the bin means a cell of that other hive. */
        assert_int_equal(complete, !relocate);
        /* Its value list and value lie in the tail (moved by the header's
         * offset when the bin was relocated). */
        assert_int_equal(nthive_deleted_key_value(&d->key, 0, &v), NT_OK);
        assert_int_equal(v.offset, t.vk);
        nthive_value_name(&v, &n);
        name_is(&n, "tv");
        nthive_deleted_data_init(&v, &dd);
        assert_int_equal(dd.state, NTHIVE_DATA_COMPLETE);
        assert_int_equal(nthive_deleted_data_next(&dd, &piece, &len), NT_OK);
        assert_int_equal(len, 6);
        assert_memory_equal(piece, "h\0i\0\0\0", 6);
        assert_int_equal(nthive_deleted_value_data(&v, &piece, &len), NT_OK);
        assert_memory_equal(piece, "h\0i\0\0\0", 6);
        assert_int_equal(nthive_deleted_key_value(&d->key, 1, &v), NT_END);
        d = find_rec(r, count, t.vk);
        assert_non_null(d);
        assert_int_equal(d->kind, NTHIVE_DELETED_VALUE);
        /* The bare vk: offset 4 bytes before its signature. */
        d = find_rec(r, count, t.bare - 4);
        assert_non_null(d);
        assert_int_equal(d->kind, NTHIVE_DELETED_VALUE);
        assert_ptr_equal(d->value.vk, t.file + BASE + t.bare);
        assert_int_equal(nthive_value_type(&d->value), 4);
        nthive_value_name(&d->value, &n);
        assert_int_equal(n.len, 0);
        nthive_deleted_data_init(&d->value, &dd);
        assert_int_equal(dd.state, NTHIVE_DATA_COMPLETE);
        assert_int_equal(nthive_deleted_data_next(&dd, &piece, &len), NT_OK);
        assert_int_equal(len, 4);
        assert_memory_equal(piece, "\x07\0\0\0", 4);
        d = find_rec(r, count, t.loose);
        assert_non_null(d);
        nthive_key_name(&d->key, &n);
        name_is(&n, "loose");
        assert_int_equal(nthive_deleted_key_path(&d->key, path, sizeof path, &len, &complete), NT_OK);
        assert_string_equal(path, "loose");
        assert_false(complete);
        /* The live tree reads as before: the tail is not part of it. */
        {
            size_t values, errors;
            assert_int_equal(hb_walk_everything(&h, &values, &errors), 2);
            assert_int_equal(errors, 0);
        }
        /* The declared size alone (the file cut there): nothing. */
        assert_int_equal(nthive_open(&h, t.file, BASE + (size_t)t.bins), NT_OK);
        assert_int_equal(scan_all(&h, NULL, r, 16), 0);
        free(t.file);
    }
}

/* The tailed file cut at every length from the end of the hive bins data
 * on, and with its tail's bytes flipped: every record reported lies
 * wholly in the buffer (ASan checks every read), and the scan ends. */
static void test_remnant_truncated(void **state)
{
    tailed t;
    (void)state;
    build_tailed(&t, 1);
    for (size_t cut = BASE + t.bins; cut <= t.size; cut += cut < BASE + t.bins + 600 ? 1 : 7) {
        uint8_t *copy = malloc(cut);
        nthive h;
        nthive_deleted r[16];
        int n;
        memcpy(copy, t.file, cut);
        if (cut % 5 == 0 && cut > BASE + t.bins)
            copy[BASE + t.bins + (cut * 7919) % (cut - BASE - t.bins)] ^= 0x5A;
        assert_int_equal(nthive_open(&h, copy, cut), NT_OK);
        n = scan_all(&h, NULL, r, 16);
        for (int i = 0; i < n; i++) {
            const uint8_t *rec = r[i].kind == NTHIVE_DELETED_KEY ? r[i].key.nk : r[i].value.vk;
            uint32_t avail = r[i].kind == NTHIVE_DELETED_KEY ? r[i].key.size : r[i].value.size;
            nthive_deleted_data dd;
            const uint8_t *piece;
            size_t len;
            char path[64];
            bool complete;
            nthive_value v;
            assert_true(rec + avail <= copy + cut);
            assert_int_equal(r[i].found, NTHIVE_FOUND_REMNANT);
            if (r[i].kind == NTHIVE_DELETED_KEY) {
                nthive_deleted_key_path(&r[i].key, path, sizeof path, &len, &complete);
                for (uint32_t j = 0; j < 4 && nthive_deleted_key_value(&r[i].key, j, &v) == NT_OK; j++) {
                    nthive_deleted_data_init(&v, &dd);
                    while (nthive_deleted_data_next(&dd, &piece, &len) == NT_OK)
                        assert_true(!piece || piece + len <= copy + cut);
                }
            } else {
                nthive_deleted_data_init(&r[i].value, &dd);
                while (nthive_deleted_data_next(&dd, &piece, &len) == NT_OK)
                    assert_true(!piece || piece + len <= copy + cut);
                if (nthive_deleted_value_data(&r[i].value, &piece, &len) == NT_OK)
                    assert_true(piece + len <= copy + cut);
            }
        }
        /* Cut inside "gone" (record at page 2 + 36, 80 bytes): not there. */
        if (cut < BASE + t.bins + 4096 + 36 + 80)
            assert_null(find_rec(r, n, t.nk));
        free(copy);
    }
    free(t.file);
}

/* ---- allocated records the live tree does not reach -------------------------- */

typedef struct leaky {
    uint8_t *file;
    size_t size;
    uint32_t root, keep, leak, lv, lv_data, keep_v, gone;
} leaky;

/* root -> keep (value "kv"); "leak" (parent root, allocated, listed by
 * no one) has value "lv" (REG_BINARY, 8 bytes in an allocated cell) and
 * a class name; "gone" is a deleted (free) key whose list names keep's
 * live value. */
static void build_leaky(leaky *t)
{
    hb b;
    uint32_t subs[1], l, cls, gl;
    static const uint16_t cname[] = {'c', 'l'};
    hb_init(&b, 5);
    t->root = hb_nk_ascii(&b, HB_NONE, "ROOT");
    t->keep = hb_nk_ascii(&b, t->root, "keep");
    subs[0] = t->keep;
    l = hb_list(&b, "lf", subs, 1);
    hb_set_subkeys(&b, t->root, l, 1);
    t->keep_v = hb_vk(&b, "kv", 4, "\1\0\0\0", 4, 1);
    hb_set_values(&b, t->keep, &t->keep_v, 1);
    t->leak = hb_nk_ascii(&b, t->root, "leak");
    t->lv = hb_vk(&b, "lv", 3, "ABCDEFGH", 8, 1);
    hb_set_values(&b, t->leak, &t->lv, 1);
    t->lv_data = hb_r32(hb_payload(&b, t->lv) + 8);
    cls = hb_cell(&b, cname, 4);
    hb_put32(&b, t->leak, 48, cls);
    hb_put16(&b, t->leak, 74, 4);
    t->gone = hb_nk_ascii(&b, t->root, "gone");
    gl = hb_cell(&b, &t->keep_v, 4);
    hb_put32(&b, t->gone, 36, 1);
    hb_put32(&b, t->gone, 40, gl);
    t->file = hb_finish(&b, t->root, &t->size);
    free_cell(t->file, t->gone);
    free_cell(t->file, gl);
}

static void test_unreferenced(void **state)
{
    leaky t;
    nthive h;
    nthive_reach reach;
    nthive_deleted r[16];
    const nthive_deleted *d;
    nthive_value v;
    nthive_deleted_data dd;
    const uint8_t *piece;
    size_t len;
    char path[32];
    bool complete;
    int n;
    (void)state;
    build_leaky(&t);
    assert_int_equal(nthive_open(&h, t.file, t.size), NT_OK);
    /* Without a reach map: only the free key. */
    n = scan_all(&h, NULL, r, 16);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].offset, t.gone);
    assert_int_equal(nthive_reach_build(&reach, &h, &sys_allocator), NT_OK);
    assert_int_equal(reach.keys, 2);
    assert_int_equal(reach.broken, 0);
    assert_true(nthive_reach_has(&reach, t.root) && nthive_reach_has(&reach, t.keep));
    assert_true(nthive_reach_has(&reach, t.keep_v));
    assert_false(nthive_reach_has(&reach, t.leak) || nthive_reach_has(&reach, t.lv));
    n = scan_all(&h, &reach, r, 16);
    assert_int_equal(n, 3);
    d = find_rec(r, n, t.leak);
    assert_non_null(d);
    assert_int_equal(d->kind, NTHIVE_DELETED_KEY);
    assert_int_equal(d->found, NTHIVE_FOUND_UNREFERENCED);
    assert_int_equal(nthive_deleted_key_path(&d->key, path, sizeof path, &len, &complete), NT_OK);
    assert_string_equal(path, "leak");
    assert_true(complete);
    assert_int_equal(nthive_deleted_key_value(&d->key, 0, &v), NT_OK);
    assert_int_equal(v.offset, t.lv);
    /* Its data is in an allocated cell nothing live uses: complete with
     * the map, and the record reads as live without one. */
    assert_int_equal(nthive_deleted_data_init_reach(&v, &reach, &dd), NT_OK);
    assert_true(dd.unreferenced);
    assert_false(dd.record_reused);
    assert_int_equal(dd.state, NTHIVE_DATA_COMPLETE);
    assert_int_equal(nthive_deleted_data_next(&dd, &piece, &len), NT_OK);
    assert_int_equal(len, 8);
    assert_memory_equal(piece, "ABCDEFGH", 8);
    nthive_deleted_data_init(&v, &dd);
    assert_true(dd.record_reused);
    d = find_rec(r, n, t.lv);
    assert_non_null(d);
    assert_int_equal(d->found, NTHIVE_FOUND_UNREFERENCED);
    /* The free key lists keep's live value: reused, map or not. */
    d = find_rec(r, n, t.gone);
    assert_non_null(d);
    assert_int_equal(d->found, NTHIVE_FOUND_FREE_CELL);
    assert_int_equal(nthive_deleted_key_value(&d->key, 0, &v), NT_OK);
    assert_int_equal(nthive_deleted_data_init_reach(&v, &reach, &dd), NT_OK);
    assert_true(dd.record_reused);
    assert_int_equal(dd.state, NTHIVE_DATA_LOST);
    /* The data of an unreferenced value taken by a live cell is lost:
     * point lv's data at keep's value cell. */
    hb_w32(t.file + BASE + t.lv + 4 + 8, t.keep_v);
    hb_w32(t.file + BASE + t.lv + 4 + 4, 8);
    {
        nthive_value lv = {&h, t.lv, 28, t.file + BASE + t.lv + 4};
        assert_int_equal(nthive_deleted_data_init_reach(&lv, &reach, &dd), NT_OK);
        assert_true(dd.unreferenced);
        assert_int_equal(dd.state, NTHIVE_DATA_LOST);
    }
    nthive_reach_free(&reach);
    nthive_reach_free(&reach); /* twice is harmless */
    /* Allocation failures: NT_ERR_NOMEM, nothing held. */
    for (int fail = 0; fail < 4; fail++) {
        int left = fail;
        nt_allocator a = {&left, t_alloc_fail, t_free, NULL};
        int st = nthive_reach_build(&reach, &h, &a);
        assert_true(st == NT_OK || st == NT_ERR_NOMEM);
        if (st == NT_ERR_NOMEM)
            assert_null(reach.bits);
        nthive_reach_free(&reach);
    }
    assert_int_equal(nthive_reach_build(NULL, &h, &sys_allocator), NT_ERR_INVALID);
    free(t.file);
}

/* A hive with every structure that references a cell: class names (one
 * holding bytes that look like a vk record), security cells, big data,
 * an ri over lf and lh leaves, value data that holds a whole nk record
 * and a vk record. The live tree reaches every allocated cell: no record
 * is unreferenced. */
static void test_clean_reaches_all(void **state)
{
    hb b;
    uint32_t root, k[6], lf, lh, ri, leaves[2], vals[4], sk, cls;
    uint8_t fake[160], *big, *file;
    size_t size;
    nthive h;
    nthive_reach reach;
    nthive_deleted r[4];
    (void)state;
    hb_init(&b, 5);
    root = hb_nk_ascii(&b, HB_NONE, "ROOT");
    for (int i = 0; i < 6; i++) {
        char name[3] = {'k', (char)('0' + i), 0};
        k[i] = hb_nk_ascii(&b, root, name);
    }
    lf = hb_list(&b, "lf", k, 3);
    lh = hb_list(&b, "lh", k + 3, 3);
    leaves[0] = lf, leaves[1] = lh;
    ri = hb_list(&b, "ri", leaves, 2);
    hb_set_subkeys(&b, root, ri, 6);
    memset(fake, 0, sizeof fake);
    t_nk(fake, root, "fake", 0, HB_NONE);
    vals[0] = hb_vk(&b, "nk-like", 3, fake, 100, 0);
    t_vk(fake, "fakevalue", 4, 0x80000004u, 1);
    vals[1] = hb_vk(&b, "vk-like", 3, fake, 40, 0);
    big = calloc(1, 40000);
    memcpy(big, "nk", 2);
    vals[2] = hb_vk(&b, "big", 3, big, 40000, 0);
    vals[3] = hb_vk(&b, "dw", 4, "\2\0\0\0", 4, 1);
    hb_set_values(&b, k[1], vals, 4);
    sk = hb_cell(&b, "sk\0\0", 4);
    for (int i = 0; i < 6; i++)
        hb_put32(&b, k[i], 44, sk);
    hb_put32(&b, root, 44, sk);
    t_vk(fake, "classy", 1, 0x80000000u, 0);
    cls = hb_cell(&b, fake, 32);
    hb_put32(&b, k[4], 48, cls);
    hb_put16(&b, k[4], 74, 32);
    file = hb_finish(&b, root, &size);
    assert_int_equal(nthive_open(&h, file, size), NT_OK);
    assert_int_equal(nthive_reach_build(&reach, &h, &sys_allocator), NT_OK);
    assert_int_equal(reach.keys, 7);
    assert_int_equal(reach.broken, 0);
    assert_int_equal(scan_all(&h, &reach, r, 4), 0);
    nthive_reach_free(&reach);
    free(big);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recover_generated), cmocka_unit_test(test_layer_bits),
        cmocka_unit_test(test_recover_damaged),   cmocka_unit_test(test_remnant_tail),
        cmocka_unit_test(test_remnant_truncated), cmocka_unit_test(test_unreferenced),
        cmocka_unit_test(test_clean_reaches_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
