/* Unit tests of libntfs's on-disk structure decoders, on hand-built buffers:
 * boot sector encodings, update sequence fixups, run lists, attribute
 * headers, attribute list entries and index entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "test_support.h"

/* ---- boot sector ---- */

static void make_boot(uint8_t *bs, uint16_t bps, uint8_t spc, uint64_t sectors, int8_t mft_rec, int8_t idx)
{
    memset(bs, 0, 512);
    bs[0] = 0xEB;
    bs[1] = 0x52;
    bs[2] = 0x90;
    memcpy(bs + 3, "NTFS    ", 8);
    nt_put_le16(bs + 0x0B, bps);
    bs[0x0D] = spc;
    bs[0x15] = 0xF8;
    nt_put_le64(bs + 0x28, sectors);
    nt_put_le64(bs + 0x30, 4);
    nt_put_le64(bs + 0x38, 2);
    bs[0x40] = (uint8_t)mft_rec;
    bs[0x44] = (uint8_t)idx;
    nt_put_le64(bs + 0x48, 0x1122334455667788ull);
    bs[0x1FE] = 0x55;
    bs[0x1FF] = 0xAA;
}

static void boot_plain(void **state)
{
    uint8_t bs[512];
    ntfs_geometry g;
    const char *rule = NULL;
    (void)state;
    make_boot(bs, 512, 8, 2097151, -10, 1);
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_OK);
    assert_int_equal(g.cluster_size, 4096);
    assert_int_equal(g.cluster_shift, 12);
    assert_int_equal(g.mft_record_size, 1024);   /* -10: 2^10 bytes */
    assert_int_equal(g.index_block_size, 4096);  /* +1: one cluster */
    assert_int_equal(g.total_clusters, 2097151 / 8);
    assert_true(g.serial == 0x1122334455667788ull);
}

static void boot_negative_cluster_shift(void **state)
{
    uint8_t bs[512];
    ntfs_geometry g;
    const char *rule = NULL;
    (void)state;
    /* 0xF4 = 2^(256-244) = 4096 sectors of 512 bytes: 2 MiB clusters, as
     * Windows writes them (ntfs-2m image). */
    make_boot(bs, 512, 0xF4, 4096u * 600, -10, -12);
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_OK);
    assert_int_equal(g.cluster_size, 2u << 20);
    assert_int_equal(g.cluster_shift, 21);
    assert_int_equal(g.total_clusters, 600);
    assert_int_equal(g.index_block_size, 4096);
    /* 0x80 = 128 sectors (64 KiB) is the largest plain value. */
    make_boot(bs, 512, 0x80, 128u * 100, -10, -12);
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_OK);
    assert_int_equal(g.cluster_size, 65536);
    /* 0xF3: 4 MiB clusters, over the 2 MiB NTFS maximum. */
    make_boot(bs, 512, 0xF3, 8192u * 100, -10, -12);
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_ERR_CORRUPT);
    assert_non_null(rule);
}

static void boot_rejects(void **state)
{
    uint8_t bs[512];
    ntfs_geometry g;
    const char *rule;
    (void)state;
    make_boot(bs, 200, 8, 100000, -10, 1);     /* sector size below 256 */
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_ERR_CORRUPT);
    make_boot(bs, 8192, 1, 100000, -13, 1);    /* above 4096 */
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_ERR_CORRUPT);
    make_boot(bs, 768, 1, 100000, -10, 1);     /* not a power of two */
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_ERR_CORRUPT);
    make_boot(bs, 4096, 1, 100000, -12, 1);    /* 4 KiB sectors are fine */
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_OK);
    assert_int_equal(g.mft_record_size, 4096);
    make_boot(bs, 512, 3, 100000, -10, 1);     /* 3 sectors per cluster */
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_ERR_CORRUPT);
    make_boot(bs, 512, 8, 100000, 0, 1);       /* record size 0 */
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_ERR_CORRUPT);
    make_boot(bs, 512, 8, 100000, -20, 1);     /* 1 MiB records */
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_ERR_CORRUPT);
    make_boot(bs, 512, 8, 100000, 3, 1);       /* 3 clusters: not a power of 2 */
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_ERR_CORRUPT);
    make_boot(bs, 512, 8, 0, -10, 1);          /* no sectors */
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_ERR_CORRUPT);
    make_boot(bs, 512, 8, 16, -10, 1);         /* $MFT (LCN 4) past the end */
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_ERR_CORRUPT);
    make_boot(bs, 512, 8, 100000, -10, 1);
    bs[3] = 'X';                               /* OEM id */
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_ERR_CORRUPT);
    make_boot(bs, 512, 8, 100000, -10, 1);
    bs[0x1FF] = 0;                             /* end marker */
    assert_int_equal(ntfs_boot_sector_parse(bs, &g, &rule), NT_ERR_CORRUPT);
}

/* ---- fixups ---- */

static void make_record(uint8_t *rec, size_t size, uint16_t usn)
{
    size_t i;
    memset(rec, 0, size);
    memcpy(rec, "FILE", 4);
    nt_put_le16(rec + 4, 0x30);
    nt_put_le16(rec + 6, (uint16_t)(size / 512 + 1));
    nt_put_le16(rec + 0x30, usn);
    for (i = 1; i <= size / 512; i++) {
        /* the real tail bytes go to the array, the USN to the tail */
        nt_put_le16(rec + 0x30 + 2 * i, (uint16_t)(0xA000 + i));
        nt_put_le16(rec + i * 512 - 2, usn);
    }
}

static void fixup_restores_tails(void **state)
{
    uint8_t rec[1024];
    const char *rule;
    size_t where;
    (void)state;
    make_record(rec, sizeof rec, 0x0007);
    assert_int_equal(ntfs_fixup_apply(rec, sizeof rec, &rule, &where), NT_OK);
    assert_int_equal(nt_le16(rec + 510), 0xA001);
    assert_int_equal(nt_le16(rec + 1022), 0xA002);
    /* 4 KiB records still use a 512-byte stride: 9 array entries. */
    {
        uint8_t big[4096];
        make_record(big, sizeof big, 0x1234);
        assert_int_equal(ntfs_fixup_apply(big, sizeof big, &rule, &where), NT_OK);
        assert_int_equal(nt_le16(big + 4094), 0xA008);
    }
}

static void fixup_torn_sector(void **state)
{
    uint8_t rec[1024];
    const char *rule = NULL;
    size_t where = 0;
    (void)state;
    make_record(rec, sizeof rec, 0x0007);
    nt_put_le16(rec + 1022, 0x0008); /* second sector written by another update */
    assert_int_equal(ntfs_fixup_apply(rec, sizeof rec, &rule, &where), NT_ERR_CORRUPT);
    assert_int_equal(where, 1022);
    assert_non_null(strstr(rule, "torn"));
    make_record(rec, sizeof rec, 0x0007);
    nt_put_le16(rec + 6, 2);         /* count does not match 1024 bytes */
    assert_int_equal(ntfs_fixup_apply(rec, sizeof rec, &rule, &where), NT_ERR_CORRUPT);
    make_record(rec, sizeof rec, 0x0007);
    nt_put_le16(rec + 4, 0x1F1);     /* odd offset */
    assert_int_equal(ntfs_fixup_apply(rec, sizeof rec, &rule, &where), NT_ERR_CORRUPT);
    make_record(rec, sizeof rec, 0x0007);
    nt_put_le16(rec + 4, 0x1FC);     /* array runs past the first sector */
    assert_int_equal(ntfs_fixup_apply(rec, sizeof rec, &rule, &where), NT_ERR_CORRUPT);
}

/* ---- run lists ---- */

static void runs_decode_cases(void **state)
{
    test_allocator ta;
    ntfs_runlist rl = {0};
    const char *rule;
    size_t where;
    (void)state;
    test_allocator_init(&ta);
    {
        /* 0x18 clusters at 0x5634, a 8-cluster hole, 0x10 clusters at
         * 0x5634 - 0x34 (negative delta), end. */
        const uint8_t r[] = {0x21, 0x18, 0x34, 0x56, 0x01, 0x08, 0x11, 0x10, 0xCC, 0x00};
        assert_int_equal(ntfs_runs_decode(r, sizeof r, 0, 0x18 + 8 + 0x10 - 1, 100000, &rl, &ta.iface,
                                          &rule, &where), NT_OK);
        assert_int_equal(rl.count, 3);
        assert_int_equal(rl.runs[0].lcn, 0x5634);
        assert_int_equal(rl.runs[0].length, 0x18);
        assert_true(rl.runs[1].lcn < 0);
        assert_int_equal(rl.runs[1].vcn, 0x18);
        assert_int_equal(rl.runs[2].lcn, 0x5634 - 0x34);
        assert_int_equal(ntfs_runs_find(&rl, 0), 0);
        assert_int_equal(ntfs_runs_find(&rl, 0x18 + 7), 1);
        assert_int_equal(ntfs_runs_find(&rl, 0x18 + 8 + 0x0F), 2);
        assert_int_equal(ntfs_runs_find(&rl, 0x18 + 8 + 0x10), 3);
        ntfs_runlist_free(&rl, &ta.iface);
    }
    {
        const uint8_t r[] = {0x21, 0x10, 0x00, 0x01, 0x00};
        /* runs end before the highest VCN */
        assert_int_equal(ntfs_runs_decode(r, sizeof r, 0, 0x20, 100000, &rl, &ta.iface, &rule, &where),
                         NT_ERR_CORRUPT);
        /* run outside a volume of 0x100 clusters */
        assert_int_equal(ntfs_runs_decode(r, sizeof r, 0, 0x0F, 0x100, &rl, &ta.iface, &rule, &where),
                         NT_ERR_CORRUPT);
        assert_int_equal(rl.count, 0);
    }
    {
        const uint8_t neg[] = {0x11, 0x04, 0xF0, 0x00};    /* LCN -16 */
        const uint8_t zero[] = {0x11, 0x00, 0x10, 0x00};   /* length 0 */
        const uint8_t wide[] = {0x19, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0}; /* 9-byte length */
        const uint8_t cut[] = {0x33, 0x10, 0x00};          /* pair truncated */
        assert_int_equal(ntfs_runs_decode(neg, sizeof neg, 0, 3, 100, &rl, &ta.iface, &rule, &where),
                         NT_ERR_CORRUPT);
        assert_int_equal(ntfs_runs_decode(zero, sizeof zero, 0, 0, 100, &rl, &ta.iface, &rule, &where),
                         NT_ERR_CORRUPT);
        assert_int_equal(ntfs_runs_decode(wide, sizeof wide, 0, 0, 100, &rl, &ta.iface, &rule, &where),
                         NT_ERR_CORRUPT);
        assert_int_equal(ntfs_runs_decode(cut, sizeof cut, 0, 0x0F, 100, &rl, &ta.iface, &rule, &where),
                         NT_ERR_CORRUPT);
    }
    {
        /* An empty attribute stores highest VCN -1. */
        const uint8_t r[] = {0x00};
        assert_int_equal(ntfs_runs_decode(r, sizeof r, 0, UINT64_MAX, 100, &rl, &ta.iface, &rule, &where),
                         NT_OK);
        assert_int_equal(rl.count, 0);
    }
    {
        /* Allocation failure leaves the list as it was. */
        const uint8_t r[] = {0x11, 0x01, 0x05, 0x01, 0x01, 0x11, 0x01, 0x05, 0x00};
        ntfs_runlist_free(&rl, &ta.iface);
        ta.fail_at = (long)ta.total_allocs;
        assert_int_equal(ntfs_runs_decode(r, sizeof r, 0, 2, 100, &rl, &ta.iface, &rule, &where),
                         NT_ERR_NOMEM);
        assert_int_equal(rl.count, 0);
        ta.fail_at = -1;
        assert_int_equal(ntfs_runs_decode(r, sizeof r, 0, 2, 100, &rl, &ta.iface, &rule, &where), NT_OK);
        assert_int_equal(rl.count, 3);
        ntfs_runlist_free(&rl, &ta.iface);
    }
    assert_int_equal(ta.live_blocks, 0);
    assert_int_equal(ta.bad_frees, 0);
    test_allocator_destroy(&ta);
}

/* ---- attributes ---- */

static void attr_walk_bounds(void **state)
{
    uint8_t rec[1024];
    ntfs_attr at;
    const char *rule;
    size_t used = 0x38 + 0x20 + 8;
    (void)state;
    memset(rec, 0, sizeof rec);
    /* resident $DATA "ab" named "x" at 0x38, then the end marker */
    nt_put_le32(rec + 0x38, NTFS_AT_DATA);
    nt_put_le32(rec + 0x38 + 4, 0x20);
    rec[0x38 + 9] = 1;                 /* name length */
    nt_put_le16(rec + 0x38 + 10, 0x18);
    nt_put_le16(rec + 0x38 + 14, 3);   /* id */
    nt_put_le32(rec + 0x38 + 16, 2);   /* value length */
    nt_put_le16(rec + 0x38 + 20, 0x1A);
    rec[0x38 + 0x18] = 'x';
    rec[0x38 + 0x1A] = 'a';
    rec[0x38 + 0x1B] = 'b';
    nt_put_le32(rec + 0x58, NTFS_AT_END);
    assert_int_equal(ntfs_attr_parse(rec, used, 0x38, &at, &rule), NT_OK);
    assert_int_equal(at.type, NTFS_AT_DATA);
    assert_true(at.resident);
    assert_int_equal(at.value_len, 2);
    assert_memory_equal(at.value, "ab", 2);
    assert_int_equal(at.id, 3);
    assert_int_equal(ntfs_attr_parse(rec, used, 0x58, &at, &rule), NT_END);
    /* the walk reaches the end of the bytes in use without a marker */
    assert_int_equal(ntfs_attr_parse(rec, 0x58, 0x58, &at, &rule), NT_ERR_CORRUPT);
    /* value past the attribute */
    nt_put_le32(rec + 0x38 + 16, 9);
    assert_int_equal(ntfs_attr_parse(rec, used, 0x38, &at, &rule), NT_ERR_CORRUPT);
    nt_put_le32(rec + 0x38 + 16, 2);
    /* length past the bytes in use, zero, unaligned */
    nt_put_le32(rec + 0x38 + 4, 0x400);
    assert_int_equal(ntfs_attr_parse(rec, used, 0x38, &at, &rule), NT_ERR_CORRUPT);
    nt_put_le32(rec + 0x38 + 4, 0);
    assert_int_equal(ntfs_attr_parse(rec, used, 0x38, &at, &rule), NT_ERR_CORRUPT);
    nt_put_le32(rec + 0x38 + 4, 0x1C);
    assert_int_equal(ntfs_attr_parse(rec, used, 0x38, &at, &rule), NT_ERR_CORRUPT);
    nt_put_le32(rec + 0x38 + 4, 0x20);
    /* name outside the attribute */
    rec[0x38 + 9] = 20;
    assert_int_equal(ntfs_attr_parse(rec, used, 0x38, &at, &rule), NT_ERR_CORRUPT);
    rec[0x38 + 9] = 1;
    /* a non-resident header must be 64 bytes */
    rec[0x38 + 8] = 1;
    assert_int_equal(ntfs_attr_parse(rec, used, 0x38, &at, &rule), NT_ERR_CORRUPT);
}

static void alist_entry_bounds(void **state)
{
    uint8_t l[64];
    ntfs_alist_entry e;
    const char *rule;
    (void)state;
    memset(l, 0, sizeof l);
    nt_put_le32(l, NTFS_AT_DATA);
    nt_put_le16(l + 4, 0x20);
    l[6] = 1;
    l[7] = 0x1A;
    nt_put_le64(l + 8, 77);
    nt_put_le64(l + 16, 40 | (3ull << 48));
    nt_put_le16(l + 24, 5);
    l[0x1A] = 'S';
    assert_int_equal(ntfs_alist_entry_parse(l, 0x20, 0, &e, &rule), NT_OK);
    assert_int_equal(e.lowest_vcn, 77);
    assert_int_equal(NTFS_REF_RECORD(e.ref), 40);
    assert_int_equal(e.id, 5);
    assert_int_equal(ntfs_alist_entry_parse(l, 0x1F, 0, &e, &rule), NT_ERR_CORRUPT); /* past list */
    nt_put_le16(l + 4, 0x10);
    assert_int_equal(ntfs_alist_entry_parse(l, 0x20, 0, &e, &rule), NT_ERR_CORRUPT); /* too short */
    nt_put_le16(l + 4, 0x20);
    l[6] = 9;
    assert_int_equal(ntfs_alist_entry_parse(l, 0x20, 0, &e, &rule), NT_ERR_CORRUPT); /* name outside */
}

/* ---- index entries ---- */

static void index_entry_bounds(void **state)
{
    uint8_t n[128];
    ntfs_index_entry e;
    const char *rule;
    (void)state;
    memset(n, 0, sizeof n);
    /* entry with a 0x44-byte key and a child VCN: 16 + 0x48 + 8 = 0x60 */
    nt_put_le64(n, 70 | (1ull << 48));
    nt_put_le16(n + 8, 0x60);
    nt_put_le16(n + 10, 0x44);
    nt_put_le16(n + 12, 1);
    nt_put_le64(n + 0x58, 9);
    /* last entry, also with a child */
    nt_put_le16(n + 0x60 + 8, 0x18);
    nt_put_le16(n + 0x60 + 12, 3);
    nt_put_le64(n + 0x60 + 0x10, 4);
    assert_int_equal(ntfs_index_entry_parse(n, 0x78, 0, &e, &rule), NT_OK);
    assert_int_equal(NTFS_REF_RECORD(e.ref), 70);
    assert_int_equal(e.child_vcn, 9);
    assert_int_equal(e.key_len, 0x44);
    assert_int_equal(ntfs_index_entry_parse(n, 0x78, 0x60, &e, &rule), NT_OK);
    assert_int_equal(e.flags & 2, 2);
    assert_int_equal(e.child_vcn, 4);
    assert_int_equal(ntfs_index_entry_parse(n, 0x70, 0x60, &e, &rule), NT_ERR_CORRUPT); /* past node */
    nt_put_le16(n + 10, 0x50);  /* key longer than the entry minus the VCN */
    assert_int_equal(ntfs_index_entry_parse(n, 0x78, 0, &e, &rule), NT_ERR_CORRUPT);
    nt_put_le16(n + 10, 0x44);
    nt_put_le16(n + 8, 0x0C);   /* shorter than a header */
    assert_int_equal(ntfs_index_entry_parse(n, 0x78, 0, &e, &rule), NT_ERR_CORRUPT);
    nt_put_le16(n + 8, 0x5C);   /* unaligned */
    assert_int_equal(ntfs_index_entry_parse(n, 0x78, 0, &e, &rule), NT_ERR_CORRUPT);
    nt_put_le16(n + 8, 0x10);   /* child flag without room for the VCN */
    nt_put_le16(n + 10, 0);
    assert_int_equal(ntfs_index_entry_parse(n, 0x78, 0, &e, &rule), NT_ERR_CORRUPT);
}

/* ---- SIDs ---- */

static void sid_strings(void **state)
{
    /* S-1-5-21-1-2-3-1001 and a descriptor whose owner is it */
    uint8_t sid[28] = {1, 5, 0, 0, 0, 0, 0, 5};
    uint8_t sd[20 + 28];
    char s[64];
    (void)state;
    nt_put_le32(sid + 8, 21);
    nt_put_le32(sid + 12, 1);
    nt_put_le32(sid + 16, 2);
    nt_put_le32(sid + 20, 3);
    nt_put_le32(sid + 24, 1001);
    assert_int_equal(ntfs_sid_to_string(sid, sizeof sid, s, sizeof s), NT_OK);
    assert_string_equal(s, "S-1-5-21-1-2-3-1001");
    assert_int_equal(ntfs_sid_to_string(sid, 20, s, sizeof s), NT_ERR_CORRUPT); /* cut */
    assert_int_equal(ntfs_sid_to_string(sid, sizeof sid, s, 8), NT_ERR_RANGE);
    assert_int_equal(strlen(s), 7);
    memset(sd, 0, sizeof sd);
    sd[0] = 1;
    nt_put_le32(sd + 4, 20);
    memcpy(sd + 20, sid, sizeof sid);
    assert_int_equal(ntfs_sd_owner_string(sd, sizeof sd, s, sizeof s), NT_OK);
    assert_string_equal(s, "S-1-5-21-1-2-3-1001");
    nt_put_le32(sd + 4, 200);
    assert_int_equal(ntfs_sd_owner_string(sd, sizeof sd, s, sizeof s), NT_ERR_CORRUPT);
    nt_put_le32(sd + 4, 0);
    assert_int_equal(ntfs_sd_owner_string(sd, sizeof sd, s, sizeof s), NT_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(boot_plain),
        cmocka_unit_test(boot_negative_cluster_shift),
        cmocka_unit_test(boot_rejects),
        cmocka_unit_test(fixup_restores_tails),
        cmocka_unit_test(fixup_torn_sector),
        cmocka_unit_test(runs_decode_cases),
        cmocka_unit_test(attr_walk_bounds),
        cmocka_unit_test(alist_entry_bounds),
        cmocka_unit_test(index_entry_bounds),
        cmocka_unit_test(sid_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
