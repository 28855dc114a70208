/* Lookup of names that differ only in case (POSIX-namespace twins) in a
 * hand-built $I30 index whose twins sit in different nodes.
 *
 * $I30 collation (as ntfs-3g's ntfs_file_values_compar and Windows order
 * it): upcased names first, then, for equal upcased names, the UTF-16 units
 * as they are. So "ABC" (0x41...) sorts before "abc" (0x61...), and in a
 * B+ tree "ABC" may live in the child node left of "abc". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "test_support.h"

#define CLUSTER 4096u
#define BLOCK 4096u
#define RECSZ 1024u

static uint8_t g_disk[4 * CLUSTER]; /* clusters 1 and 2 hold VCN 0 and 1 */

static int disk_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    (void)ctx;
    if (off > sizeof g_disk || len > sizeof g_disk - off)
        return -1;
    memcpy(buf, g_disk + off, len);
    return 0;
}

static void put16(uint8_t *p, uint16_t x) { p[0] = (uint8_t)x; p[1] = (uint8_t)(x >> 8); }
static void put32(uint8_t *p, uint32_t x) { put16(p, (uint16_t)x); put16(p + 2, (uint16_t)(x >> 16)); }
static void put64(uint8_t *p, uint64_t x) { put32(p, (uint32_t)x); put32(p + 4, (uint32_t)(x >> 32)); }

/* Writes an $I30 entry for ASCII `name` (NULL: the end entry) at p; returns
 * its length. child: VCN of the subnode, or UINT64_MAX for none. */
static size_t put_entry(uint8_t *p, const char *name, uint64_t ref, uint64_t child)
{
    size_t n = name ? strlen(name) : 0;
    size_t key = name ? 0x42 + 2 * n : 0;
    size_t len = (16 + key + 7) & ~(size_t)7;
    uint16_t flags = (name ? 0 : 2) | (child != UINT64_MAX ? 1 : 0);

    if (child != UINT64_MAX)
        len += 8;
    memset(p, 0, len);
    put64(p, ref);
    put16(p + 8, (uint16_t)len);
    put16(p + 10, (uint16_t)key);
    put16(p + 12, flags);
    if (name) {
        put64(p + 16, NTFS_REC_ROOT | (uint64_t)5 << 48); /* parent */
        p[16 + 0x40] = (uint8_t)n;
        p[16 + 0x41] = NTFS_NS_POSIX;
        for (size_t i = 0; i < n; i++)
            put16(p + 16 + 0x42 + 2 * i, (uint8_t)name[i]);
    }
    if (child != UINT64_MAX)
        put64(p + len - 8, child);
    return len;
}

/* An INDX block at VCN `vcn` (one cluster) with the given entries; the
 * update sequence array is valid (USN 1, the sector tails hold it). */
static void put_block(uint64_t vcn, const char *name, uint64_t ref)
{
    uint8_t *b = g_disk + (1 + vcn) * CLUSTER;
    size_t off = 0x40, eoff;

    memset(b, 0, BLOCK);
    memcpy(b, "INDX", 4);
    put16(b + 4, 0x28);          /* USA offset */
    put16(b + 6, BLOCK / 512 + 1);
    put64(b + 16, vcn);
    off = 0x18 + 0x40;           /* entries after header + USA */
    eoff = off - 0x18;
    if (name)
        off += put_entry(b + off, name, ref, UINT64_MAX);
    off += put_entry(b + off, NULL, 0, UINT64_MAX);
    put32(b + 0x18, (uint32_t)eoff);
    put32(b + 0x18 + 4, (uint32_t)(off - 0x18));
    put32(b + 0x18 + 8, BLOCK - 0x18);
    put16(b + 0x28, 1); /* USN */
    for (size_t s = 0; s < BLOCK / 512; s++) {
        put16(b + 0x2A + 2 * s, nt_le16(b + 512 * s + 510));
        put16(b + 512 * s + 510, 1);
    }
}

/* The directory's base record (already fixed up): $INDEX_ROOT with
 * [root_name -> child VCN 0, end -> child VCN 1], and $INDEX_ALLOCATION of
 * two clusters at LCN 1. */
static size_t build_dir(uint8_t *rec, const char *root_name, uint64_t root_ref)
{
    size_t off = 0x38, a, v, e;

    memset(rec, 0, RECSZ);
    memcpy(rec, "FILE", 4);
    put16(rec + 0x14, (uint16_t)off);
    put16(rec + 0x16, 3); /* in use, directory */
    /* $INDEX_ROOT "$I30", resident */
    a = off;
    put32(rec + a, NTFS_AT_INDEX_ROOT);
    rec[a + 9] = 4;
    put16(rec + a + 10, 0x18);
    memcpy(rec + a + 0x18, ntfs_i30_name, 8);
    v = 0x20;
    put16(rec + a + 20, (uint16_t)v);
    put32(rec + a + v, NTFS_AT_FILE_NAME);
    put32(rec + a + v + 4, 1); /* filename collation */
    put32(rec + a + v + 8, BLOCK);
    rec[a + v + 12] = 1;       /* clusters per index block */
    e = a + v + 32;
    e += put_entry(rec + e, root_name, root_ref, 0);
    e += put_entry(rec + e, NULL, 0, 1);
    put32(rec + a + v + 16, 16);                        /* entries offset */
    put32(rec + a + v + 20, (uint32_t)(e - (a + v + 16))); /* bytes in use */
    put32(rec + a + v + 24, (uint32_t)(e - (a + v + 16)));
    rec[a + v + 28] = 1;                                /* large index */
    put32(rec + a + 16, (uint32_t)(e - (a + v)));       /* value length */
    put32(rec + a + 4, (uint32_t)((e - a + 7) & ~(size_t)7));
    off = a + nt_le32(rec + a + 4);
    /* $INDEX_ALLOCATION "$I30": VCN 0-1 at LCN 1 */
    a = off;
    put32(rec + a, NTFS_AT_INDEX_ALLOCATION);
    put32(rec + a + 4, 0x50);
    rec[a + 8] = 1;
    rec[a + 9] = 4;
    put16(rec + a + 10, 0x40);
    put64(rec + a + 24, 1);           /* highest VCN */
    put16(rec + a + 32, 0x48);        /* runs */
    put64(rec + a + 40, 2 * CLUSTER);
    put64(rec + a + 48, 2 * CLUSTER);
    put64(rec + a + 56, 2 * CLUSTER);
    memcpy(rec + a + 0x40, ntfs_i30_name, 8);
    rec[a + 0x48] = 0x11; rec[a + 0x49] = 2; rec[a + 0x4A] = 1; /* 2 clusters at LCN 1 */
    off = a + 0x50;
    put32(rec + off, NTFS_AT_END);
    return off + 8;
}

typedef struct fixture {
    test_allocator ta;
    ntfs_volume v;
    ntfs_file f;
    uint8_t rec[RECSZ];
} fixture;

static void setup_volume(fixture *x, const char *root_name, uint64_t root_ref)
{
    test_allocator_init(&x->ta);
    memset(&x->v, 0, sizeof x->v);
    x->v.cfg.read = disk_read;
    x->v.a = x->ta.iface;
    x->v.g.cluster_size = CLUSTER;
    x->v.g.cluster_shift = 12;
    x->v.g.index_block_size = BLOCK;
    x->v.g.mft_record_size = RECSZ;
    x->v.g.total_clusters = sizeof g_disk / CLUSTER;
    assert_int_equal(ntfs_cache_init(&x->v.idx_cache, 4, BLOCK, &x->v.a), NT_OK);
    memset(&x->f, 0, sizeof x->f);
    x->f.vol = &x->v;
    x->f.recno = 40;
    x->f.rec = x->rec;
    x->f.used = build_dir(x->rec, root_name, root_ref);
}

static void teardown_volume(fixture *x)
{
    ntfs_cache_free(&x->v.idx_cache, &x->v.a);
    assert_int_equal(x->ta.live_blocks, 0);
    assert_int_equal(x->ta.bad_frees, 0);
    test_allocator_destroy(&x->ta);
}

static uint64_t lookup(fixture *x, const char *name, int *rc)
{
    uint64_t ref = 0;
    *rc = ntfs_dir_lookup(&x->f, name, strlen(name), &ref);
    return ref;
}

/* "abc" in the root, its twin "ABC" in the child left of it. */
static void exact_twin_in_left_child(void **state)
{
    fixture x;
    int rc;
    (void)state;

    put_block(0, "ABC", 101);
    put_block(1, "zzz", 102);
    setup_volume(&x, "abc", 100);
    assert_int_equal(lookup(&x, "ABC", &rc), 101);
    assert_int_equal(rc, NT_OK);
    assert_int_equal(lookup(&x, "abc", &rc), 100);
    assert_int_equal(rc, NT_OK);
    /* A third spelling matches one of the twins case-insensitively. */
    lookup(&x, "Abc", &rc);
    assert_int_equal(rc, NT_OK);
    assert_true(lookup(&x, "aBc", &rc) == 100 || lookup(&x, "aBc", &rc) == 101);
    assert_int_equal(lookup(&x, "zzz", &rc), 102);
    lookup(&x, "abd", &rc);
    assert_int_equal(rc, NT_ERR_NOT_FOUND);
    teardown_volume(&x);
}

/* "ABC" in the root, its twin "abc" in the child right of it (the end
 * entry's child). */
static void exact_twin_in_right_child(void **state)
{
    fixture x;
    int rc;
    (void)state;

    put_block(0, "AAA", 103);
    put_block(1, "abc", 104);
    setup_volume(&x, "ABC", 105);
    assert_int_equal(lookup(&x, "abc", &rc), 104);
    assert_int_equal(rc, NT_OK);
    assert_int_equal(lookup(&x, "ABC", &rc), 105);
    assert_int_equal(rc, NT_OK);
    assert_int_equal(lookup(&x, "aaa", &rc), 103);
    assert_int_equal(rc, NT_OK);
    lookup(&x, "aBC", &rc);
    assert_int_equal(rc, NT_OK);
    teardown_volume(&x);
}

/* Only one spelling exists, in a child: a differently-cased query finds it. */
static void case_insensitive_in_child(void **state)
{
    fixture x;
    int rc;
    (void)state;

    put_block(0, "Mmm", 106);
    put_block(1, "zzz", 107);
    setup_volume(&x, "nnn", 108);
    assert_int_equal(lookup(&x, "MMM", &rc), 106);
    assert_int_equal(rc, NT_OK);
    assert_int_equal(lookup(&x, "mmm", &rc), 106);
    assert_int_equal(rc, NT_OK);
    assert_int_equal(lookup(&x, "NNN", &rc), 108);
    assert_int_equal(rc, NT_OK);
    teardown_volume(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_twin_in_left_child),
        cmocka_unit_test(exact_twin_in_right_child),
        cmocka_unit_test(case_insensitive_in_child),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
