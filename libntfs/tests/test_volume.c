/* libntfs on a real image (colinfinck-testfs1 from the shared test data,
 * made by mkntfs + ntfs-3g, facts from its SOURCES.md entry): mount, lookup,
 * listing order, stream reads; then damage (truncation, byte flips in MFT
 * records, index blocks and run lists, index loops) and allocation failure
 * at every allocation point: data or an error, never a crash, a hang, a
 * leak or an unusable object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ntfs.h"
#include "ntcore/endian.h"
#include "ntcore/utf16.h"
#include "test_support.h"

typedef struct patch {
    size_t off;
    uint8_t val;
} patch;

typedef struct mem_image {
    const uint8_t *data;
    size_t size;
    size_t claimed;            /* volume size told to the library; 0 = size */
    const patch *patches;      /* bytes changed on read (damage without a copy) */
    size_t npatches;
} mem_image;

static uint8_t *g_image;
static size_t g_size;

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

static int setup(void **state)
{
    const char *dir = test_shared_dir();
    char path[4096];
    (void)state;
    if (!dir)
        return 0;
    snprintf(path, sizeof path, "%s/ntfs/colinfinck-testfs1.gz", dir);
    g_image = test_read_file(path, &g_size);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(g_image);
    return 0;
}

static void need_image(void)
{
    if (!g_image)
        skip();
}

static int mount(mem_image *m, test_allocator *ta, ntfs_volume **v)
{
    ntfs_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ctx = m;
    cfg.read = mem_read;
    cfg.allocator = ta->iface;
    cfg.volume_size = m->claimed ? m->claimed : m->size;
    cfg.mft_cache_records = 8;
    cfg.index_cache_blocks = 4;
    return ntfs_mount(&cfg, v, NULL);
}

/* Walks the tree (explicit stack, bounded), reads every $DATA stream, stats,
 * names, reparse points and security. With `retry`, an operation that fails
 * with NT_ERR_NOMEM is repeated once with allocation failures switched off
 * and must then give the same result as a clean run would. Returns the
 * number of entries seen, or -1 on an unexpected status. */
static long walk(ntfs_volume *v, test_allocator *ta, bool retry, bool deep)
{
    uint64_t stack[64];
    size_t n = 0;
    long seen = 0;
    static uint8_t buf[65536];
    stack[n++] = NTFS_REC_ROOT;
    while (n) {
        uint64_t ref = stack[--n];
        ntfs_file *dir = NULL;
        ntfs_dir *it = NULL;
        ntfs_dirent de;
        int rc;
        rc = ntfs_open_ref(v, ref, &dir);
        if (rc == NT_ERR_NOMEM && retry) {
            ta->fail_at = -1;
            rc = ntfs_open_ref(v, ref, &dir);
        }
        if (rc)
            continue;
        rc = ntfs_dir_open(dir, &it);
        if (rc == NT_ERR_NOMEM && retry) {
            ta->fail_at = -1;
            rc = ntfs_dir_open(dir, &it);
        }
        if (rc) {
            ntfs_close(dir);
            continue;
        }
        for (int guard = 0; guard < 5000; guard++) {
            ntfs_file *f = NULL;
            ntfs_stream *s = NULL;
            ntfs_stat st;
            size_t cur = 0, got;
            ntfs_attr_info ai;
            ntfs_name nm;
            rc = ntfs_dir_next(it, &de);
            if (rc == NT_ERR_NOMEM && retry) {
                ta->fail_at = -1;
                rc = ntfs_dir_next(it, &de);
            }
            if (rc != NT_OK)
                break;
            seen++;
            rc = ntfs_open_ref(v, de.ref, &f);
            if (rc == NT_ERR_NOMEM && retry) {
                ta->fail_at = -1;
                rc = ntfs_open_ref(v, de.ref, &f);
            }
            if (rc != NT_OK)
                continue;
            rc = ntfs_file_stat(f, &st);
            if (rc == NT_ERR_NOMEM && retry) {
                ta->fail_at = -1;
                rc = ntfs_file_stat(f, &st);
            }
            if (rc == NT_OK && st.is_dir && !st.reparse_tag && n < 64 &&
                NTFS_REF_RECORD(de.ref) != NTFS_REF_RECORD(ref) && NTFS_REF_RECORD(de.ref) >= 16 &&
                (deep || strcmp(de.name, "many_subdirs") != 0))
                stack[n++] = de.ref;
            while (ntfs_file_next_name(f, &cur, &nm) == NT_OK)
                ;
            cur = 0;
            while (ntfs_file_next_attr(f, &cur, &ai) == NT_OK) {
                if (ai.type != NTFS_AT_DATA || ai.lowest_vcn != 0)
                    continue;
                if (ntfs_stream_open(f, NTFS_AT_DATA, ai.name, &s) != NT_OK)
                    continue;
                for (uint64_t off = 0; off < ntfs_stream_size(s) && off < (4u << 20); off += got)
                    if (ntfs_stream_read(s, off, buf, sizeof buf, &got) != NT_OK || got == 0)
                        break;
                ntfs_stream_close(s);
            }
            if (st.reparse_tag) {
                static ntfs_reparse rp;
                ntfs_readlink(f, &rp);
            }
            {
                size_t len;
                char sid[128];
                if (ntfs_file_security(f, buf, sizeof buf, &len) == NT_OK)
                    ntfs_sd_owner_string(buf, len, sid, sizeof sid);
            }
            ntfs_close(f);
        }
        ntfs_dir_close(it);
        ntfs_close(dir);
    }
    return seen;
}

static void facts_from_sources(void **state)
{
    test_allocator ta;
    mem_image m;
    ntfs_volume *v;
    ntfs_volume_info vi;
    ntfs_file *f;
    ntfs_stream *s;
    ntfs_stat st;
    uint8_t buf[16];
    size_t got;
    (void)state;
    need_image();
    m.data = g_image;
    m.claimed = 0;
    m.patches = NULL;
    m.npatches = 0;
    m.size = g_size;
    test_allocator_init(&ta);
    assert_int_equal(mount(&m, &ta, &v), NT_OK);
    assert_int_equal(ntfs_volume_get_info(v, true, &vi), NT_OK);
    assert_string_equal(vi.label, "mylabel");
    assert_int_equal(vi.cluster_size, 512);
    assert_int_equal(vi.major, 3);
    assert_int_equal(vi.minor, 1);
    /* resident file, looked up in another case and with backslashes */
    assert_int_equal(ntfs_open_path(v, "\\FILE-with-12345", &f), NT_OK);
    assert_int_equal(ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s), NT_OK);
    assert_int_equal(ntfs_stream_read(s, 0, buf, sizeof buf, &got), NT_OK);
    assert_int_equal(got, 5);
    assert_memory_equal(buf, "12345", 5);
    assert_int_equal(ntfs_stream_read(s, 5, buf, sizeof buf, &got), NT_OK);
    assert_int_equal(got, 0);
    ntfs_stream_close(s);
    ntfs_close(f);
    /* sparse-file: 5 bytes, a hole to 500000, 5 bytes */
    assert_int_equal(ntfs_open_path(v, "/sparse-file", &f), NT_OK);
    assert_int_equal(ntfs_file_stat(f, &st), NT_OK);
    assert_int_equal(st.size, 500005);
    assert_true(st.file_attributes & NTFS_FA_SPARSE);
    assert_int_equal(ntfs_stream_open(f, NTFS_AT_DATA, "", &s), NT_OK);
    assert_int_equal(ntfs_stream_read(s, 250000, buf, sizeof buf, &got), NT_OK);
    assert_int_equal(got, sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(ntfs_stream_read(s, 499998, buf, sizeof buf, &got), NT_OK);
    assert_int_equal(got, 7);
    ntfs_stream_close(s);
    ntfs_close(f);
    /* empty-file: mtime 2021-01-01 13:37 (CET) = 12:37 UTC */
    assert_int_equal(ntfs_open_path(v, "empty-file", &f), NT_OK);
    assert_int_equal(ntfs_file_stat(f, &st), NT_OK);
    assert_int_equal(st.size, 0);
    assert_true(st.mtime / 10000000u - 11644473600ull == 1609504620ull);
    ntfs_close(f);
    assert_int_equal(ntfs_open_path(v, "/no-such", &f), NT_ERR_NOT_FOUND);
    assert_int_equal(ntfs_open_path(v, "/empty-file/x", &f), NT_ERR_NOT_FOUND);
    assert_int_equal(ntfs_open_path(v, "/many_subdirs/../many_subdirs/./77", &f), NT_OK);
    ntfs_close(f);
    ntfs_unmount(v);
    assert_int_equal(ta.live_blocks, 0);
    assert_int_equal(ta.bad_frees, 0);
    test_allocator_destroy(&ta);
}

/* many_subdirs/1..512 come back once each, in $UpCase collation order. */
static void listing_in_collation_order(void **state)
{
    test_allocator ta;
    mem_image m = {g_image, g_size, 0, NULL, 0};
    ntfs_volume *v;
    ntfs_file *d;
    ntfs_dir *it;
    ntfs_dirent de;
    char prev[NTFS_NAME_MAX + 1] = "";
    unsigned char seen[513] = {0};
    int n = 0, rc;
    (void)state;
    need_image();
    test_allocator_init(&ta);
    assert_int_equal(mount(&m, &ta, &v), NT_OK);
    assert_int_equal(ntfs_open_path(v, "/MANY_SUBDIRS", &d), NT_OK);
    assert_int_equal(ntfs_dir_open(d, &it), NT_OK);
    while ((rc = ntfs_dir_next(it, &de)) == NT_OK) {
        int num = atoi(de.name);
        assert_true(num >= 1 && num <= 512);
        assert_false(seen[num]);
        seen[num] = 1;
        assert_true(de.is_dir);
        assert_true(strcmp(prev, de.name) < 0); /* digits: byte order = collation */
        strcpy(prev, de.name);
        n++;
    }
    assert_int_equal(rc, NT_END);
    assert_int_equal(n, 512);
    assert_int_equal(ntfs_dir_next(it, &de), NT_END);
    ntfs_dir_close(it);
    {
        uint64_t ref;
        assert_int_equal(ntfs_dir_lookup(d, "300", 3, &ref), NT_OK);
        assert_int_equal(ntfs_dir_lookup(d, "513", 3, &ref), NT_ERR_NOT_FOUND);
    }
    ntfs_close(d);
    ntfs_unmount(v);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
}

/* Every allocation of a mount + walk fails in turn: the call reports
 * NT_ERR_NOMEM, nothing leaks, and the same handle works once memory is
 * back. */
static void nomem_at_every_allocation(void **state)
{
    mem_image m = {g_image, g_size, 0, NULL, 0};
    test_allocator ta;
    ntfs_volume *v;
    size_t total;
    long clean;
    (void)state;
    need_image();
    test_allocator_init(&ta);
    assert_int_equal(mount(&m, &ta, &v), NT_OK);
    clean = walk(v, &ta, false, false);
    ntfs_unmount(v);
    total = ta.total_allocs;
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
    assert_true(clean > 5);
    for (size_t i = 0; i < total; i++) {
        int rc;
        test_allocator_init(&ta);
        ta.fail_at = (long)i;
        rc = mount(&m, &ta, &v);
        if (rc == NT_OK) {
            long got = walk(v, &ta, true, false);
            assert_int_equal(got, clean); /* every failure was retried */
            ntfs_unmount(v);
        } else {
            assert_int_equal(rc, NT_ERR_NOMEM);
        }
        assert_int_equal(ta.live_blocks, 0);
        assert_int_equal(ta.bad_frees, 0);
        test_allocator_destroy(&ta);
    }
}

static uint32_t rng(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Offsets of structures worth damaging: MFT records and INDX blocks. */
static size_t find_sigs(const uint8_t *img, size_t size, const char *sig, size_t *out, size_t max)
{
    size_t n = 0;
    for (size_t off = 0; off + 512 <= size && n < max; off += 512)
        if (!memcmp(img + off, sig, 4))
            out[n++] = off;
    return n;
}

static void damaged_images(void **state)
{
    static size_t recs[4096], indx[256];
    size_t nrec, nindx;
    uint32_t seed = 0x5eed1234;
    uint8_t *img;
    (void)state;
    need_image();
    nrec = find_sigs(g_image, g_size, "FILE", recs, 4096);
    nindx = find_sigs(g_image, g_size, "INDX", indx, 256);
    assert_true(nrec > 60 && nindx > 0);
    img = malloc(g_size);
    assert_non_null(img);
    for (int iter = 0; iter < 400; iter++) {
        test_allocator ta;
        mem_image m = {img, g_size, 0, NULL, 0};
        ntfs_volume *v;
        int kind = iter % 5, flips = 1 + (int)(rng(&seed) % 8);
        memcpy(img, g_image, g_size);
        for (int k = 0; k < flips; k++) {
            size_t base, span;
            if (kind == 0) {                      /* any MFT record, anywhere in it */
                base = recs[rng(&seed) % nrec];
                span = 1024;
            } else if (kind == 1) {               /* attribute headers and run lists */
                base = recs[rng(&seed) % nrec] + 0x38;
                span = 400;
            } else if (kind == 2) {               /* index blocks */
                base = indx[rng(&seed) % nindx];
                span = 4096;
            } else if (kind == 3) {               /* anywhere */
                base = 0;
                span = g_size;
            } else {                              /* absurd sizes: high bytes of 64-bit fields */
                base = recs[rng(&seed) % nrec] + 0x38;
                span = 400;
                img[base + rng(&seed) % span] = 0x7F;
                continue;
            }
            img[base + rng(&seed) % span] ^= (uint8_t)(1u << (rng(&seed) % 8));
        }
        if (iter % 7 == 3) {
            m.size = rng(&seed) % g_size;         /* truncated image */
            m.claimed = iter % 2 ? g_size : 0;    /* reads past the end fail */
        }
        test_allocator_init(&ta);
        if (mount(&m, &ta, &v) == NT_OK) {
            walk(v, &ta, false, iter % 10 == 0);
            ntfs_unmount(v);
        }
        assert_int_equal(ta.live_blocks, 0);
        assert_int_equal(ta.bad_frees, 0);
        assert_true(ta.peak_bytes < (32u << 20));
        test_allocator_destroy(&ta);
    }
    free(img);
}

/* An index whose child pointers all lead back to one block must end with
 * NT_ERR_CORRUPT, not loop. */
static void index_loop(void **state)
{
    uint8_t *img;
    size_t indx[256], n;
    test_allocator ta;
    mem_image m;
    ntfs_volume *v;
    ntfs_file *d;
    ntfs_dir *it;
    ntfs_dirent de;
    int rc, count = 0, patched = 0;
    (void)state;
    need_image();
    img = malloc(g_size);
    assert_non_null(img);
    memcpy(img, g_image, g_size);
    n = find_sigs(img, g_size, "INDX", indx, 256);
    /* In every block, point each child VCN at the block itself (skipping the
     * 512-byte sector tails that hold the update sequence number). */
    for (size_t b = 0; b < n; b++) {
        uint8_t *blk = img + indx[b];
        uint64_t vcn = nt_le64(blk + 16);
        size_t off = 0x18 + nt_le32(blk + 0x18), end = 0x18 + nt_le32(blk + 0x1C);
        while (off + 16 <= end && off + 16 <= 4096) {
            uint16_t len = nt_le16(blk + off + 8), flags = nt_le16(blk + off + 12);
            size_t at = off + len - 8;
            if (len < 16 || off + len > 4096)
                break;
            if ((flags & 1) && at % 512 < 504) {
                nt_put_le64(blk + at, vcn);
                patched++;
            }
            if (flags & 2)
                break;
            off += len;
        }
    }
    m.data = img;
    m.claimed = 0;
    m.patches = NULL;
    m.npatches = 0;
    m.size = g_size;
    test_allocator_init(&ta);
    assert_int_equal(mount(&m, &ta, &v), NT_OK);
    assert_int_equal(ntfs_open_path(v, "/many_subdirs", &d), NT_OK);
    assert_int_equal(ntfs_dir_open(d, &it), NT_OK);
    while ((rc = ntfs_dir_next(it, &de)) == NT_OK)
        assert_true(++count < 10000);
    assert_true(patched > 0);
    assert_int_equal(rc, NT_ERR_CORRUPT);
    assert_int_equal(ntfs_diag(v)->status, NT_ERR_CORRUPT);
    assert_int_equal(ntfs_diag(v)->record, NTFS_REF_RECORD(0) + 68);
    ntfs_dir_close(it);
    ntfs_close(d);
    ntfs_unmount(v);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
    free(img);
}

/* The primary boot sector destroyed: the backup at the end is used. */
static void backup_boot_sector(void **state)
{
    uint8_t *img;
    test_allocator ta;
    mem_image m;
    ntfs_volume *v;
    ntfs_volume_info vi;
    nt_diag d;
    ntfs_config cfg;
    (void)state;
    need_image();
    img = malloc(g_size);
    assert_non_null(img);
    memcpy(img, g_image, g_size);
    memset(img, 0, 512);
    m.data = img;
    m.claimed = 0;
    m.patches = NULL;
    m.npatches = 0;
    m.size = g_size;
    test_allocator_init(&ta);
    assert_int_equal(mount(&m, &ta, &v), NT_OK);
    assert_int_equal(ntfs_volume_get_info(v, false, &vi), NT_OK);
    assert_true(vi.used_backup_boot);
    assert_string_equal(vi.label, "mylabel");
    ntfs_unmount(v);
    /* without the volume size there is nothing to fall back on */
    memset(&cfg, 0, sizeof cfg);
    cfg.ctx = &m;
    cfg.read = mem_read;
    cfg.allocator = ta.iface;
    assert_int_equal(ntfs_mount(&cfg, &v, &d), NT_ERR_CORRUPT);
    assert_int_equal(d.status, NT_ERR_CORRUPT);
    assert_non_null(d.rule);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
    free(img);
}

/* $MFT records 0 and 3 damaged: the copies in $MFTMirr are used. */
static void mft_mirror_fallback(void **state)
{
    uint8_t *img;
    test_allocator ta;
    mem_image m;
    ntfs_volume *v;
    ntfs_volume_info vi;
    uint64_t mft;
    (void)state;
    need_image();
    img = malloc(g_size);
    assert_non_null(img);
    memcpy(img, g_image, g_size);
    mft = nt_le64(img + 0x30) * 512; /* 512-byte clusters */
    memcpy(img + mft, "XXXX", 4);
    memcpy(img + mft + 3 * 1024, "XXXX", 4);
    m.data = img;
    m.claimed = 0;
    m.patches = NULL;
    m.npatches = 0;
    m.size = g_size;
    test_allocator_init(&ta);
    assert_int_equal(mount(&m, &ta, &v), NT_OK);
    assert_int_equal(ntfs_volume_get_info(v, false, &vi), NT_OK);
    assert_string_equal(vi.label, "mylabel");
    ntfs_unmount(v);
    /* the root (record 5) has no mirror copy */
    memcpy(img + mft + 5 * 1024, "XXXX", 4);
    assert_int_equal(mount(&m, &ta, &v), NT_OK);
    {
        ntfs_file *f;
        assert_int_equal(ntfs_open_path(v, "/empty-file", &f), NT_ERR_CORRUPT);
        assert_int_equal(ntfs_diag(v)->record, 5);
        assert_true(ntfs_diag(v)->offset == mft + 5 * 1024);
    }
    ntfs_unmount(v);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
    free(img);
}

/* A broken attribute is reported at its own byte on the volume (record
 * start + attribute offset), not at the start of its record. */
static void attribute_diag_offset(void **state)
{
    uint8_t *img;
    test_allocator ta;
    mem_image m;
    ntfs_volume *v;
    ntfs_file *f;
    uint64_t mft, rec;
    size_t a1, a2;
    (void)state;
    need_image();
    img = malloc(g_size);
    assert_non_null(img);
    memcpy(img, g_image, g_size);
    mft = nt_le64(img + 0x30) * 512; /* 512-byte clusters, $MFT contiguous here */
    rec = mft + 5 * 1024;            /* the root directory */
    a1 = nt_le16(img + rec + 0x14);
    a2 = a1 + nt_le32(img + rec + a1 + 4);
    assert_true(a2 + 8 < 510);       /* stays clear of the fixup tail */
    img[rec + a2 + 4] = 3;           /* second attribute: unaligned length */
    m.data = img;
    m.claimed = 0;
    m.patches = NULL;
    m.npatches = 0;
    m.size = g_size;
    test_allocator_init(&ta);
    assert_int_equal(mount(&m, &ta, &v), NT_OK);
    assert_int_equal(ntfs_open_path(v, "/empty-file", &f), NT_ERR_CORRUPT);
    assert_int_equal(ntfs_diag(v)->record, 5);
    assert_true(ntfs_diag(v)->offset == rec + a2);
    ntfs_unmount(v);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
    free(img);
}

static int locks;
static void count_lock(void *ctx)
{
    (void)ctx;
    assert_int_equal(locks, 0); /* never taken twice (no recursion) */
    locks++;
}
static void count_unlock(void *ctx)
{
    (void)ctx;
    assert_int_equal(locks, 1);
    locks--;
}

/* With lock callbacks every public call takes the lock once and drops it. */
static void lock_callbacks_balanced(void **state)
{
    mem_image m = {g_image, g_size, 0, NULL, 0};
    test_allocator ta;
    ntfs_config cfg;
    ntfs_volume *v;
    (void)state;
    need_image();
    test_allocator_init(&ta);
    memset(&cfg, 0, sizeof cfg);
    cfg.ctx = &m;
    cfg.read = mem_read;
    cfg.allocator = ta.iface;
    cfg.lock = count_lock;
    cfg.unlock = count_unlock;
    assert_int_equal(ntfs_mount(&cfg, &v, NULL), NT_OK);
    assert_true(walk(v, &ta, false, true) > 500);
    assert_int_equal(locks, 0);
    ntfs_unmount(v);
    cfg.unlock = NULL; /* one without the other is a caller error */
    assert_int_equal(ntfs_mount(&cfg, &v, NULL), NT_ERR_INVALID);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
}

/* ---- images generated by testdata/ntfs (mkntfs + ntfs-3g): compressed
 * files, attribute lists, hard links, reparse points ---- */

static uint8_t *gen_image(const char *name, size_t *size)
{
    const char *dir = getenv("NTKIT_NTFS_GEN_DIR");
    char path[4096];
    if (!dir || !*dir)
        return NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return test_read_file(path, size);
}

/* Damage by overlay (the images are tens of MiB) and allocation failure at
 * evenly spread points, on one generated image. */
static void damage_generated(const char *name, int rounds, size_t nomem_points)
{
    size_t size, nrec;
    uint8_t *img = gen_image(name, &size);
    static size_t recs[8192];
    patch patches[16];
    uint32_t seed = 0xC0FFEEu;
    test_allocator ta;
    ntfs_volume *v;
    size_t total;
    long clean;
    if (!img)
        skip();
    nrec = find_sigs(img, size, "FILE", recs, 8192);
    assert_true(nrec > 30);
    {
        mem_image m = {img, size, 0, NULL, 0};
        test_allocator_init(&ta);
        assert_int_equal(mount(&m, &ta, &v), NT_OK);
        clean = walk(v, &ta, false, true);
        ntfs_unmount(v);
        total = ta.total_allocs;
        assert_int_equal(ta.live_blocks, 0);
        test_allocator_destroy(&ta);
        assert_true(clean > 3);
        for (size_t k = 0; k < nomem_points; k++) {
            size_t i = total * k / nomem_points;
            int rc;
            test_allocator_init(&ta);
            ta.fail_at = (long)i;
            rc = mount(&m, &ta, &v);
            if (rc == NT_OK) {
                assert_int_equal(walk(v, &ta, true, true), clean);
                ntfs_unmount(v);
            } else {
                assert_int_equal(rc, NT_ERR_NOMEM);
            }
            assert_int_equal(ta.live_blocks, 0);
            assert_int_equal(ta.bad_frees, 0);
            test_allocator_destroy(&ta);
        }
    }
    for (int iter = 0; iter < rounds; iter++) {
        mem_image m = {img, size, 0, patches, 0};
        int n = 1 + (int)(rng(&seed) % 12);
        for (int k = 0; k < n; k++) {
            size_t base = recs[rng(&seed) % nrec];
            patches[k].off = base + (iter % 2 ? 0x38 + rng(&seed) % 512 : rng(&seed) % 1024);
            patches[k].val = (uint8_t)(iter % 3 ? img[patches[k].off] ^ (1u << (rng(&seed) % 8))
                                                : rng(&seed));
        }
        m.npatches = (size_t)n;
        test_allocator_init(&ta);
        if (mount(&m, &ta, &v) == NT_OK) {
            walk(v, &ta, false, true);
            ntfs_unmount(v);
        }
        assert_int_equal(ta.live_blocks, 0);
        assert_int_equal(ta.bad_frees, 0);
        assert_true(ta.peak_bytes < (64u << 20));
        test_allocator_destroy(&ta);
    }
    free(img);
}

/* frag-4k: a file in 1,500+ runs with a non-resident $ATTRIBUTE_LIST and
 * $DATA extents in extension records. */
static void generated_fragmented(void **state)
{
    (void)state;
    damage_generated("frag-4k.img", 150, 60);
}

/* feat-4k: LZNT1-compressed files, sparse files, ADS, hard links,
 * symlinks and junctions, DOS names. */
static void generated_features(void **state)
{
    (void)state;
    damage_generated("feat-4k.img", 100, 40);
}

/* Lists /MANY_SUBDIRS (512 entries) with the given cache sizes into
 * names/refs; returns the count. */
static int list_many(mem_image *m, size_t recs, size_t blocks, char (*names)[8], uint64_t *refs)
{
    test_allocator ta;
    ntfs_config cfg;
    ntfs_volume *v;
    ntfs_file *d;
    ntfs_dir *it;
    ntfs_dirent de;
    int n = 0, rc;

    test_allocator_init(&ta);
    memset(&cfg, 0, sizeof cfg);
    cfg.ctx = m;
    cfg.read = mem_read;
    cfg.allocator = ta.iface;
    cfg.mft_cache_records = recs;
    cfg.index_cache_blocks = blocks;
    assert_int_equal(ntfs_mount(&cfg, &v, NULL), NT_OK);
    assert_int_equal(ntfs_open_path(v, "/MANY_SUBDIRS", &d), NT_OK);
    assert_int_equal(ntfs_dir_open(d, &it), NT_OK);
    while ((rc = ntfs_dir_next(it, &de)) == NT_OK && n < 600) {
        assert_true(de.name_len < 8);
        memcpy(names[n], de.name, de.name_len + 1);
        refs[n++] = de.ref;
    }
    assert_int_equal(rc, NT_END);
    ntfs_dir_close(it);
    ntfs_close(d);
    ntfs_unmount(v);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
    return n;
}

/* Index prefetch and MFT record read-ahead only change how the volume is
 * read: the listing is the same with caches too small for them and with
 * large ones, and a damaged record inside a read-ahead window is reported
 * with its own record number while its neighbours open. */
static void read_ahead_changes_nothing_but_reads(void **state)
{
    static char names[2][600][8];
    static uint64_t refs[2][600];
    static const size_t sizes[][2] = {{2, 2}, {8, 4}, {64, 16}, {1024, 256}};
    mem_image m = {g_image, g_size, 0, NULL, 0};
    static size_t recs[4096];
    size_t nrec, bad_off = 0;
    uint64_t bad_rec;
    patch p;
    int n0;
    (void)state;
    need_image();
    n0 = list_many(&m, 2, 2, names[0], refs[0]);
    assert_int_equal(n0, 512);
    for (size_t k = 1; k < sizeof sizes / sizeof sizes[0]; k++) {
        assert_int_equal(list_many(&m, sizes[k][0], sizes[k][1], names[1], refs[1]), n0);
        assert_memory_equal(names[0], names[1], sizeof names[0]);
        assert_memory_equal(refs[0], refs[1], sizeof refs[0]);
    }
    /* Break the signature of the 100th entry's record (FILE header field
     * 0x2C holds the record number in NTFS 3.1). */
    bad_rec = NTFS_REF_RECORD(refs[0][100]);
    nrec = find_sigs(g_image, g_size, "FILE", recs, 4096);
    for (size_t i = 0; i < nrec; i++)
        if (nt_le32(g_image + recs[i] + 0x2C) == bad_rec)
            bad_off = recs[i];
    assert_true(bad_off != 0);
    p.off = bad_off;
    p.val = 'X';
    m.patches = &p;
    m.npatches = 1;
    {
        test_allocator ta;
        ntfs_config cfg;
        ntfs_volume *v;
        int bad = 0;

        test_allocator_init(&ta);
        memset(&cfg, 0, sizeof cfg);
        cfg.ctx = &m;
        cfg.read = mem_read;
        cfg.allocator = ta.iface;
        cfg.mft_cache_records = 64; /* read-ahead windows of 32 records */
        assert_int_equal(ntfs_mount(&cfg, &v, NULL), NT_OK);
        for (int i = 0; i < n0; i++) {
            ntfs_file *f;
            int rc = ntfs_open_ref(v, refs[0][i], &f);
            if (NTFS_REF_RECORD(refs[0][i]) == bad_rec) {
                assert_int_equal(rc, NT_ERR_CORRUPT);
                assert_int_equal(ntfs_diag(v)->record, bad_rec);
                assert_int_equal(ntfs_diag(v)->offset, bad_off);
                bad++;
            } else {
                assert_int_equal(rc, NT_OK);
                ntfs_close(f);
            }
        }
        assert_int_equal(bad, 1);
        ntfs_unmount(v);
        assert_int_equal(ta.live_blocks, 0);
        test_allocator_destroy(&ta);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(facts_from_sources),
        cmocka_unit_test(listing_in_collation_order),
        cmocka_unit_test(nomem_at_every_allocation),
        cmocka_unit_test(damaged_images),
        cmocka_unit_test(index_loop),
        cmocka_unit_test(backup_boot_sector),
        cmocka_unit_test(mft_mirror_fallback),
        cmocka_unit_test(attribute_diag_offset),
        cmocka_unit_test(lock_callbacks_balanced),
        cmocka_unit_test(read_ahead_changes_nothing_but_reads),
        cmocka_unit_test(generated_fragmented),
        cmocka_unit_test(generated_features),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
