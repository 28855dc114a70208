/* Deleted files whose attributes live in extension records: frag-4k.img
 * (testdata/ntfs generator) holds /fragmented.bin, a base record with a
 * non-resident $ATTRIBUTE_LIST, its $FILE_NAME and $DATA extents in
 * extension records. An overlay clears the in-use flags of the base and
 * extension records (a deleted file whose records were not reused yet):
 * ntfs_mft_read_entry must report the name and size that live in the
 * extension records and ntfs_mft_open_record must read the same bytes as
 * the live file. Then the list is made hostile (records in use by another
 * file, naming another base, with a far sequence number, the base itself,
 * out of range, the same record twice): those records are never read as
 * the deleted file's, under ASan a clean error or a shorter view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ntcore/endian.h"
#include "ntfs.h"
#include "ntfs_forensic.h"
#include "test_support.h"

#define MAX_PATCHES 64

typedef struct patch {
    size_t off;
    uint8_t val;
} patch;

typedef struct mem_image {
    const uint8_t *data;
    size_t size;
    patch patches[MAX_PATCHES];
    size_t npatches;
} mem_image;

static uint8_t *g_img;
static size_t g_size;
static uint8_t *g_live; /* /fragmented.bin read from the intact image */
static size_t g_live_len;
static uint64_t g_base;    /* its base record */
static uint64_t g_ext[16]; /* its extension records */
static size_t g_next;
static int64_t g_alist_lcn; /* first cluster of its attribute list */
static size_t g_alist_len;
static uint32_t g_cluster;

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    mem_image *m = ctx;
    if (off > m->size || len > m->size - off)
        return -1;
    memcpy(buf, m->data + off, len);
    for (size_t i = 0; i < m->npatches; i++)
        if (m->patches[i].off >= off && m->patches[i].off - off < len)
            ((uint8_t *)buf)[m->patches[i].off - off] = m->patches[i].val;
    return 0;
}

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void put(mem_image *m, size_t off, uint8_t val)
{
    assert_true(m->npatches < MAX_PATCHES);
    m->patches[m->npatches].off = off;
    m->patches[m->npatches].val = val;
    m->npatches++;
}

static void put_le(mem_image *m, size_t off, uint64_t val, int bytes)
{
    for (int i = 0; i < bytes; i++)
        put(m, off + (size_t)i, (uint8_t)(val >> (8 * i)));
}

static int mount(mem_image *m, test_allocator *ta, ntfs_volume **v)
{
    ntfs_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ctx = m;
    cfg.read = mem_read;
    cfg.allocator = ta->iface;
    cfg.volume_size = m->size;
    cfg.mft_cache_records = 16;
    cfg.index_cache_blocks = 4;
    return ntfs_mount(&cfg, v, NULL);
}

/* Image offset of MFT record `recno` (FILE header field 0x2C, NTFS 3.1). */
static size_t record_off(uint64_t recno)
{
    for (size_t off = 0; off + 1024 <= g_size; off += 512)
        if (!memcmp(g_img + off, "FILE", 4) && nt_le32(g_img + off + 0x2C) == recno)
            return off;
    fail_msg("record %llu not found", (unsigned long long)recno);
    return 0;
}

static uint8_t *read_all(ntfs_stream *s, size_t *len)
{
    uint64_t size = ntfs_stream_size(s);
    uint8_t *buf = malloc(size ? size : 1);
    size_t got = 0, done = 0;
    assert_non_null(buf);
    while (done < size) {
        assert_int_equal(ntfs_stream_read(s, done, buf + done, size - done, &got), NT_OK);
        assert_true(got > 0);
        done += got;
    }
    *len = done;
    return buf;
}

static int setup(void **state)
{
    const char *dir = getenv("NTKIT_NTFS_GEN_DIR");
    char path[4096];
    mem_image m;
    test_allocator ta;
    ntfs_volume *v;
    ntfs_file *f;
    ntfs_stream *s;
    ntfs_attr_info ai;
    size_t cur = 0;
    (void)state;
    if (!dir || !*dir)
        return 0;
    snprintf(path, sizeof path, "%s/frag-4k.img", dir);
    g_img = test_read_file(path, &g_size);
    if (!g_img)
        return 0;
    memset(&m, 0, sizeof m);
    m.data = g_img;
    m.size = g_size;
    test_allocator_init(&ta);
    if (mount(&m, &ta, &v) != NT_OK || ntfs_open_path(v, "/fragmented.bin", &f) != NT_OK)
        return -1;
    {
        ntfs_volume_info vi;
        if (ntfs_volume_get_info(v, false, &vi) != NT_OK)
            return -1;
        g_cluster = vi.cluster_size;
    }
    while (ntfs_file_next_attr(f, &cur, &ai) == NT_OK) {
        bool seen = false;
        if (ai.type == NTFS_AT_STANDARD_INFORMATION)
            g_base = ai.record;
        for (size_t i = 0; i < g_next; i++)
            seen |= g_ext[i] == ai.record;
        if (!seen && g_next < 16 && ai.type != NTFS_AT_STANDARD_INFORMATION)
            g_ext[g_next++] = ai.record;
    }
    /* Drop the base if it was taken for an extension. */
    for (size_t i = 0; i < g_next; i++)
        if (g_ext[i] == g_base)
            g_ext[i--] = g_ext[--g_next];
    /* The list is not among its own entries: find its first cluster by its
     * first entry ($STANDARD_INFORMATION of the base record, VCN 0). */
    for (size_t off = 0; off + g_cluster <= g_size; off += g_cluster)
        if (nt_le32(g_img + off) == NTFS_AT_STANDARD_INFORMATION && nt_le16(g_img + off + 4) >= 26 &&
            nt_le64(g_img + off + 8) == 0 && (nt_le64(g_img + off + 16) & 0xFFFFFFFFFFFFull) == g_base) {
            g_alist_lcn = (int64_t)(off / g_cluster);
            g_alist_len = g_cluster;
        }
    if (ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s) != NT_OK)
        return -1;
    g_live = read_all(s, &g_live_len);
    ntfs_stream_close(s);
    ntfs_close(f);
    ntfs_unmount(v);
    test_allocator_destroy(&ta);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(g_img);
    free(g_live);
    return 0;
}

/* The overlay that deletes /fragmented.bin: in-use flags cleared. */
static void delete_file(mem_image *m)
{
    memset(m, 0, sizeof *m);
    m->data = g_img;
    m->size = g_size;
    put(m, record_off(g_base) + 0x16, g_img[record_off(g_base) + 0x16] & ~1u);
    for (size_t i = 0; i < g_next; i++)
        put(m, record_off(g_ext[i]) + 0x16, g_img[record_off(g_ext[i]) + 0x16] & ~1u);
}

static void need_image(void)
{
    if (!g_img)
        skip();
    assert_true(g_next >= 2);
    assert_true(g_alist_lcn > 0 && g_alist_len >= 32);
}

static void deleted_file_reads_through_its_extension_records(void **state)
{
    mem_image m;
    test_allocator ta;
    ntfs_volume *v;
    ntfs_mft_entry e;
    ntfs_file *f;
    ntfs_stream *s;
    size_t len;
    uint8_t *data;
    (void)state;
    need_image();
    delete_file(&m);
    test_allocator_init(&ta);
    assert_int_equal(mount(&m, &ta, &v), NT_OK);
    assert_int_equal(ntfs_mft_read_entry(v, g_base, &e), NT_OK);
    assert_false(e.in_use);
    assert_true(e.has_data);
    assert_int_equal(e.size, g_live_len);
    assert_int_equal(e.name_count, 1); /* its only $FILE_NAME is in an extension */
    assert_string_equal(e.names[0].name, "fragmented.bin");
    assert_int_equal(ntfs_mft_open_record(v, g_base, &f), NT_OK);
    assert_int_equal(ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s), NT_OK);
    data = read_all(s, &len);
    assert_int_equal(len, g_live_len);
    assert_memory_equal(data, g_live, len);
    free(data);
    ntfs_stream_close(s);
    ntfs_close(f);
    /* The live open path still refuses the record. */
    assert_int_equal(ntfs_open_ref(v, g_base, &f), NT_ERR_NOT_FOUND);
    ntfs_unmount(v);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
}

/* Opens the deleted file with `m` and checks it does not read as the
 * intact file (one of its extents is gone) and that everything ends. */
static void expect_partial(mem_image *m)
{
    test_allocator ta;
    ntfs_volume *v;
    ntfs_mft_entry e;
    ntfs_file *f;
    ntfs_stream *s = NULL;
    ntfs_attr_info ai;
    ntfs_name nm;
    size_t cur = 0;
    int n = 0, rc;

    test_allocator_init(&ta);
    assert_int_equal(mount(m, &ta, &v), NT_OK);
    rc = ntfs_mft_read_entry(v, g_base, &e);
    assert_true(rc == NT_OK || rc == NT_ERR_CORRUPT);
    rc = ntfs_mft_open_record(v, g_base, &f);
    if (rc == NT_OK) {
        while ((rc = ntfs_file_next_attr(f, &cur, &ai)) == NT_OK)
            assert_true(++n < 10000);
        cur = 0;
        while ((rc = ntfs_file_next_name(f, &cur, &nm)) == NT_OK)
            assert_true(++n < 20000);
        rc = ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s);
        if (rc == NT_OK) {
            size_t len;
            uint8_t *data = read_all(s, &len);
            assert_false(len == g_live_len && !memcmp(data, g_live, len));
            free(data);
            ntfs_stream_close(s);
        } else {
            assert_int_equal(rc, NT_ERR_CORRUPT);
        }
        ntfs_close(f);
    } else {
        assert_int_equal(rc, NT_ERR_CORRUPT);
    }
    ntfs_unmount(v);
    assert_int_equal(ta.live_blocks, 0);
    assert_int_equal(ta.bad_frees, 0);
    test_allocator_destroy(&ta);
}

/* Extension records that now belong to someone else are passed over. */
static void reused_extension_records_are_not_read(void **state)
{
    mem_image m;
    size_t x;
    (void)state;
    need_image();
    /* Record in use again (by whatever file: its flag alone says so). */
    delete_file(&m);
    x = record_off(g_ext[1]);
    for (size_t i = 0; i < m.npatches; i++)
        if (m.patches[i].off == x + 0x16)
            m.patches[i] = m.patches[--m.npatches];
    expect_partial(&m);
    /* Free, but its base reference names another record. */
    delete_file(&m);
    put_le(&m, x + 0x20, g_base + 1, 4);
    expect_partial(&m);
    /* Free, names this base, but a sequence number two ahead (reused and
     * freed again). */
    delete_file(&m);
    put_le(&m, x + 0x10, nt_le16(g_img + x + 0x10) + 2u, 2);
    expect_partial(&m);
    /* The base reference's sequence number is two behind the base's. */
    delete_file(&m);
    put_le(&m, x + 0x26, nt_le16(g_img + x + 0x26) - 2u, 2);
    expect_partial(&m);
}

/* Attribute list entries (26+ bytes: type, length, name length, name
 * offset, lowest VCN, reference, id) pointing where they should not. */
static void hostile_attribute_lists(void **state)
{
    const uint8_t *al;
    uint64_t targets[4];
    (void)state;
    need_image();
    al = g_img + (size_t)g_alist_lcn * g_cluster;
    targets[0] = g_base;            /* itself */
    targets[1] = 0;                 /* $MFT, in use */
    targets[2] = (uint64_t)1 << 40; /* out of range */
    targets[3] = g_ext[0] | ((uint64_t)nt_le16(g_img + record_off(g_ext[0]) + 0x10) << 48);
    for (size_t t = 0; t < 4; t++) {
        mem_image m;
        size_t off = 0, hits = 0;
        delete_file(&m);
        /* Every entry naming the second extension record now names the
         * target instead (for t == 3: the first one twice over). */
        while (off + 26 <= g_alist_len && hits < 8) {
            uint16_t elen = nt_le16(al + off + 4);
            if (elen < 26)
                break;
            if ((nt_le64(al + off + 16) & 0xFFFFFFFFFFFFull) == g_ext[1]) {
                put_le(&m, (size_t)g_alist_lcn * g_cluster + off + 16, targets[t], 8);
                hits++;
            }
            off += elen;
        }
        assert_true(hits > 0);
        expect_partial(&m);
    }
    /* Garbage list: every byte of the first 512 flipped. */
    {
        mem_image m;
        delete_file(&m);
        for (size_t i = 0; i < 48; i++)
            put(&m, (size_t)g_alist_lcn * g_cluster + i * 7, (uint8_t)~al[i * 7]);
        expect_partial(&m);
    }
}

/* Random byte damage to the deleted file's records and list: any status
 * but a crash, a hang, a leak or a bad free (ASan/UBSan in CI). */
static void random_damage(void **state)
{
    uint32_t seed = 0x5EEDu;
    (void)state;
    need_image();
    for (int iter = 0; iter < 300; iter++) {
        mem_image m;
        test_allocator ta;
        ntfs_volume *v;
        ntfs_mft_entry e;
        ntfs_file *f;
        int n;
        delete_file(&m);
        n = 1 + (int)(xorshift(&seed) % 8);
        for (int k = 0; k < n; k++) {
            uint32_t r = xorshift(&seed);
            size_t off = r % 3 == 0   ? (size_t)g_alist_lcn * g_cluster + xorshift(&seed) % 512
                         : r % 3 == 1 ? record_off(g_base) + xorshift(&seed) % 1024
                                      : record_off(g_ext[xorshift(&seed) % g_next]) + xorshift(&seed) % 1024;
            put(&m, off, (uint8_t)xorshift(&seed));
        }
        test_allocator_init(&ta);
        if (mount(&m, &ta, &v) == NT_OK) {
            (void)ntfs_mft_read_entry(v, g_base, &e);
            if (ntfs_mft_open_record(v, g_base, &f) == NT_OK) {
                ntfs_stream *s;
                ntfs_attr_info ai;
                size_t cur = 0;
                int guard = 0;
                while (ntfs_file_next_attr(f, &cur, &ai) == NT_OK)
                    assert_true(++guard < 10000);
                if (ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s) == NT_OK) {
                    static uint8_t buf[65536];
                    size_t got;
                    for (uint64_t off = 0; off < ntfs_stream_size(s) && off < (1u << 20); off += sizeof buf)
                        if (ntfs_stream_read(s, off, buf, sizeof buf, &got) != NT_OK)
                            break;
                    ntfs_stream_close(s);
                }
                ntfs_close(f);
            }
            ntfs_unmount(v);
        }
        assert_int_equal(ta.live_blocks, 0);
        assert_int_equal(ta.bad_frees, 0);
        test_allocator_destroy(&ta);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deleted_file_reads_through_its_extension_records),
        cmocka_unit_test(reused_extension_records_are_not_read),
        cmocka_unit_test(hostile_attribute_lists),
        cmocka_unit_test(random_damage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
