/* Reads of WOF (Compact OS) files through ntfs_stream_read at odd offsets
 * and lengths (the partial-chunk cache path the CLI's aligned reads do not
 * take), reads of many whole chunks (batches, decoded through a parallel
 * hook that runs its jobs in reverse order so ordering bugs show), damaged
 * chunks inside batches, and allocation failures at every point of open
 * and read.
 *
 * Oracle: the image and plaintexts cli/tests/ntfs_wof_test.py writes
 * (files made with ntfs-3g, chunks compressed by wimlib). The directory
 * comes from $NTKIT_WOF_DIR; the test skips without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ntfs.h"
#include "test_support.h"
#include "wof.h"

static const char *const files[] = {"xpress4k_1048699", "xpress8k_1048699", "xpress16k_1048699",
                                    "lzx_1048699",      "lzx_4097",         "xpress4k_4095",
                                    "xpress4k_3145827", "lzx_3145827"};

typedef struct image {
    uint8_t *data;
    size_t size;
} image;

static int img_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    image *im = ctx;
    if (off > im->size || len > im->size - off)
        return -1;
    memcpy(buf, im->data + off, len);
    return 0;
}

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static const char *wof_dir(void)
{
    const char *d = getenv("NTKIT_WOF_DIR");
    return d && *d ? d : NULL;
}

static int load_image(image *im)
{
    char *p;
    if (!wof_dir())
        return -1;
    p = path_in(wof_dir(), "wof.img");
    im->data = test_read_file(p, &im->size);
    free(p);
    return im->data ? 0 : -1;
}

/* The parallel hook of the tests: runs every job, last one first, and
 * counts the calls and jobs. */
static size_t hook_calls, hook_jobs;

static void reverse_parallel(void *ctx, size_t n, void (*job)(void *arg, size_t i), void *arg)
{
    (void)ctx;
    hook_calls++;
    hook_jobs += n;
    while (n--)
        job(arg, n);
}

/* Mounts with the reverse-order hook of `width` jobs (0: no hook). */
static int mount_width(image *im, test_allocator *ta, unsigned width, ntfs_volume **v)
{
    ntfs_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ctx = im;
    cfg.read = img_read;
    cfg.allocator = ta->iface;
    cfg.volume_size = im->size;
    if (width) {
        cfg.parallel = reverse_parallel;
        cfg.parallel_width = width;
    }
    return ntfs_mount(&cfg, v, NULL);
}

static int mount_with(image *im, test_allocator *ta, ntfs_volume **v)
{
    return mount_width(im, ta, 0, v);
}

/* Unaligned reads of every test file compared with its plaintext, with
 * the parallel hook of `width` jobs (0: none). Long reads cover batches
 * of whole chunks and cross from one batch into the next. */
static void unaligned_reads(unsigned width)
{
    image im;
    test_allocator ta;
    ntfs_volume *v;

    if (load_image(&im))
        skip();
    test_allocator_init(&ta);
    hook_calls = hook_jobs = 0;
    assert_int_equal(mount_width(&im, &ta, width, &v), NT_OK);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *pp = path_in(wof_dir(), "plain"), *plainp = path_in(pp, files[i]);
        char vpath[64];
        size_t psize, got;
        uint8_t *plain = test_read_file(plainp, &psize), *buf;
        ntfs_file *f;
        ntfs_stream *s;
        uint64_t off;
        unsigned step = 0;

        assert_non_null(plain);
        snprintf(vpath, sizeof vpath, "/%s", files[i]);
        assert_int_equal(ntfs_open_path(v, vpath, &f), NT_OK);
        assert_int_equal(ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s), NT_OK);
        ntfs_close(f);
        assert_int_equal(ntfs_stream_size(s), psize);
        buf = malloc(psize + 1);
        assert_non_null(buf);
        /* Odd lengths walk the file: reads start and end inside chunks,
         * span several, and repeat (cache hits) or jump back. */
        static const size_t lens[] = {1,     7,      4095,    4097,    8191,  16385, 32767,
                                      32769, 100000, 1052689, 2097149, 65536, 300001};
        for (off = 0; off < psize; step++) {
            size_t len = lens[step % (sizeof lens / sizeof lens[0])];
            assert_int_equal(ntfs_stream_read(s, off, buf, len, &got), NT_OK);
            assert_int_equal(got, len < psize - off ? len : psize - off);
            assert_memory_equal(buf, plain + off, got);
            if (step % 5 == 4 && off > 3000)
                off -= 3000; /* back into a chunk read before */
            else
                off += got;
        }
        /* The rest of the file in one read from offsets at, just before
         * and just after chunk boundaries: several batches in a row. */
        static const uint64_t starts[] = {0, 1, 4095, 4096, 98309, 1048576 + 32767};
        for (size_t k = 0; k < sizeof starts / sizeof starts[0] && starts[k] < psize; k++) {
            memset(buf, 0xA5, psize);
            assert_int_equal(ntfs_stream_read(s, starts[k], buf, psize + 1, &got), NT_OK);
            assert_int_equal(got, psize - starts[k]);
            assert_memory_equal(buf, plain + starts[k], got);
        }
        assert_int_equal(ntfs_stream_read(s, psize, buf, 10, &got), NT_OK);
        assert_int_equal(got, 0);
        ntfs_stream_close(s);
        free(buf);
        free(plain);
        free(plainp);
        free(pp);
    }
    ntfs_unmount(v);
    assert_int_equal(ta.live_blocks, 0);
    assert_int_equal(ta.bad_frees, 0);
    test_allocator_destroy(&ta);
    free(im.data);
    /* Batches went through the hook, split into several jobs (a few per
     * unit of width, so even a width of 1 makes several). */
    if (width > 0) {
        assert_true(hook_calls > 0);
        assert_true(hook_jobs > hook_calls);
    } else {
        assert_int_equal(hook_calls, 0);
    }
}

/* ntfs_mount refuses a parallel hook without a width and the reverse
 * (before it reads anything). */
static void test_parallel_config(void **state)
{
    image im = {NULL, 0};
    test_allocator ta;
    ntfs_config cfg;
    ntfs_volume *v = (ntfs_volume *)&cfg;
    (void)state;

    test_allocator_init(&ta);
    memset(&cfg, 0, sizeof cfg);
    cfg.ctx = &im;
    cfg.read = img_read;
    cfg.allocator = ta.iface;
    cfg.parallel = reverse_parallel;
    assert_int_equal(ntfs_mount(&cfg, &v, NULL), NT_ERR_INVALID);
    assert_null(v);
    cfg.parallel = NULL;
    cfg.parallel_width = 2;
    assert_int_equal(ntfs_mount(&cfg, &v, NULL), NT_ERR_INVALID);
    assert_null(v);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
}

static void test_unaligned_reads(void **state)
{
    (void)state;
    unaligned_reads(0);
}

static void test_unaligned_reads_parallel(void **state)
{
    (void)state;
    unaligned_reads(1);
    unaligned_reads(3);
    unaligned_reads(16);
}

/* Open + one unaligned read of `name` with allocation n failed, for
 * every n: NT_ERR_NOMEM (or success), never a leak or a wrong byte. The
 * read covers several whole chunks (a batch, whose staging buffer and
 * per-job workspaces, and an XPRESS file's pair buffers, are allocated on
 * first use: when they cannot be, the read still succeeds, with fewer
 * jobs or one chunk at a time). `width`: the parallel hook's. */
static void nomem_file(const char *name, unsigned width)
{
    enum { READ_LEN = 200000 };
    image im;
    char *pp, *plainp;
    size_t psize;
    uint8_t *plain, *buf;
    char vpath[64];

    if (load_image(&im))
        skip();
    buf = malloc(READ_LEN);
    assert_non_null(buf);
    pp = path_in(wof_dir(), "plain");
    plainp = path_in(pp, name);
    snprintf(vpath, sizeof vpath, "/%s", name);
    plain = test_read_file(plainp, &psize);
    assert_non_null(plain);
    for (long n = 0;; n++) {
        test_allocator ta;
        ntfs_volume *v = NULL;
        ntfs_file *f;
        ntfs_stream *s;
        size_t got = 0;
        int rc;

        test_allocator_init(&ta);
        ta.fail_at = n;
        rc = mount_width(&im, &ta, width, &v);
        if (rc == NT_OK) {
            rc = ntfs_open_path(v, vpath, &f);
            if (rc == NT_OK) {
                rc = ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s);
                ntfs_close(f);
                if (rc == NT_OK) {
                    rc = ntfs_stream_read(s, 12345, buf, READ_LEN, &got);
                    if (rc == NT_OK) {
                        assert_int_equal(got, READ_LEN);
                        assert_memory_equal(buf, plain + 12345, READ_LEN);
                    }
                    ntfs_stream_close(s);
                }
            }
            ntfs_unmount(v);
        }
        assert_true(rc == NT_OK || rc == NT_ERR_NOMEM);
        assert_int_equal(ta.live_blocks, 0);
        assert_int_equal(ta.bad_frees, 0);
        test_allocator_destroy(&ta);
        if (ta.failures == 0) {
            assert_int_equal(rc, NT_OK);
            break;
        }
        assert_true(n < 10000);
    }
    free(buf);
    free(plain);
    free(plainp);
    free(pp);
    free(im.data);
}

static void test_nomem(void **state)
{
    (void)state;
    nomem_file("lzx_1048699", 0);
    nomem_file("xpress4k_1048699", 0);
    nomem_file("lzx_1048699", 3);
    nomem_file("xpress4k_1048699", 3);
}

/* The image offset of byte `pos` of a WOF file's stored data (its
 * WofCompressedData stream), through the runs ntfs_stream_get_run gives. */
static uint64_t stored_image_offset(const ntfs_stream *s, uint32_t cluster, uint64_t pos)
{
    ntfs_run r;

    for (size_t k = 0; ntfs_stream_get_run(s, k, &r) == NT_OK; k++) {
        uint64_t start = r.vcn * cluster, n = r.length * cluster;
        if (pos >= start && pos - start < n) {
            assert_true(r.lcn >= 0);
            return (uint64_t)r.lcn * cluster + (pos - start);
        }
    }
    fail_msg("stored byte %llu is in no run", (unsigned long long)pos);
    return 0;
}

typedef struct damage_case {
    const char *name;
    uint32_t algorithm;
    uint64_t hints[2]; /* damage the first compressed chunk at or after each */
    size_t nhints;
} damage_case;

/* Damages the chunks of one case in a copy of the image and reads the
 * file with and without the reverse-order hook. A read covering the
 * damaged chunks, whatever batch and job they fall in and in whatever
 * order the jobs run, must fail as reading the lowest damaged chunk alone
 * does (NT_ERR_CORRUPT, the chunk's offset in the stream, the file's
 * record, the same rule), and the chunks before it must read right. */
static void damaged_case(const damage_case *dc)
{
    image im, bad;
    test_allocator ta;
    ntfs_volume *v;
    ntfs_volume_info vi;
    ntfs_file *f;
    ntfs_stream *s, *wcd;
    ntfs_stat st;
    ntfs_wof_info wi;
    ntfs_wof_stream geo;
    ntfs_wof_chunk dmg[2];
    char vpath[64], *pp, *plainp;
    uint8_t *stored, *plain, *buf, *out;
    size_t psize, got, wsize;
    uint64_t recno;
    void *ws;

    if (load_image(&im))
        skip();
    pp = path_in(wof_dir(), "plain");
    plainp = path_in(pp, dc->name);
    plain = test_read_file(plainp, &psize);
    assert_non_null(plain);
    snprintf(vpath, sizeof vpath, "/%s", dc->name);

    /* The clean file: its stored stream, geometry and record. */
    test_allocator_init(&ta);
    assert_int_equal(mount_with(&im, &ta, &v), NT_OK);
    assert_int_equal(ntfs_volume_get_info(v, false, &vi), NT_OK);
    assert_int_equal(ntfs_open_path(v, vpath, &f), NT_OK);
    assert_int_equal(ntfs_file_stat(f, &st), NT_OK);
    recno = NTFS_REF_RECORD(st.ref);
    assert_int_equal(ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s), NT_OK);
    assert_int_equal(ntfs_stream_open(f, NTFS_AT_DATA, NTFS_WOF_STREAM_NAME, &wcd), NT_OK);
    ntfs_close(f);
    stored = malloc((size_t)ntfs_stream_size(wcd));
    assert_non_null(stored);
    assert_int_equal(ntfs_stream_read(wcd, 0, stored, (size_t)ntfs_stream_size(wcd), &got), NT_OK);
    assert_int_equal(got, ntfs_stream_size(wcd));
    memset(&wi, 0, sizeof wi);
    wi.algorithm = dc->algorithm;
    assert_int_equal(ntfs_wof_stream_init(&geo, &wi, psize, got, NULL), NT_OK);

    /* Damage: XPRESS code lengths all 1 (an over-full Huffman code), an
     * LZX block of type 7; the decoder must reject the chunk alone. */
    bad.size = im.size;
    bad.data = malloc(im.size);
    assert_non_null(bad.data);
    memcpy(bad.data, im.data, im.size);
    wsize = (ntfs_wof_workspace_size(dc->algorithm) + 16) / 16 * 16;
    ws = aligned_alloc(16, wsize);
    out = malloc(geo.chunk_size);
    assert_non_null(ws);
    assert_non_null(out);
    for (size_t h = 0; h < dc->nhints; h++) {
        ntfs_wof_chunk *c = &dmg[h];
        uint64_t k = dc->hints[h];
        for (;; k++) {
            assert_true(k < geo.n_chunks && k < dc->hints[h] + 20);
            assert_int_equal(ntfs_wof_locate_chunk_in_table(&geo, stored, (size_t)geo.table_size, k, c, NULL),
                             NT_OK);
            if (!c->stored)
                break;
        }
        memset(stored + c->offset, dc->algorithm == NTFS_WOF_LZX ? 0xFF : 0x11, c->compressed_len);
        assert_int_equal(ntfs_wof_decompress_chunk(&geo, c, stored + c->offset, c->compressed_len, out,
                                                   geo.chunk_size, ws, NULL),
                         NT_ERR_CORRUPT);
        for (uint32_t b = 0; b < c->compressed_len; b++)
            bad.data[stored_image_offset(s, vi.cluster_size, c->offset + b)] = stored[c->offset + b];
    }
    if (dc->nhints == 2)
        assert_true(dmg[0].index < dmg[1].index);
    ntfs_stream_close(s);
    ntfs_stream_close(wcd);
    ntfs_unmount(v);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);

    buf = malloc(psize);
    assert_non_null(buf);
    for (unsigned width = 0; width <= 3; width += 3) {
        const ntfs_wof_chunk *low = &dmg[0];
        nt_diag alone, d;
        int rc;
        /* Reads that cover the lowest damaged chunk: the whole file, from
         * odd offsets a few chunks before it, and one ending just past it. */
        const uint64_t from[] = {0,
                                 low->file_offset - (low->index > 3 ? 3 : low->index) * geo.chunk_size + 17,
                                 low->file_offset > 5000 ? low->file_offset - 5000 : 0};
        const uint64_t to[] = {psize, psize, low->file_offset + low->uncompressed_len};

        test_allocator_init(&ta);
        assert_int_equal(mount_width(&bad, &ta, width, &v), NT_OK);
        assert_int_equal(ntfs_open_path(v, vpath, &f), NT_OK);
        assert_int_equal(ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s), NT_OK);
        ntfs_close(f);

        /* The damaged chunk alone: one chunk, no batch. */
        rc = ntfs_stream_read(s, low->file_offset, buf, low->uncompressed_len, &got);
        assert_int_equal(rc, NT_ERR_CORRUPT);
        alone = *ntfs_diag(v);
        assert_int_equal(alone.status, NT_ERR_CORRUPT);
        assert_int_equal(alone.offset, low->offset);
        assert_int_equal(alone.record, recno);
        assert_non_null(alone.rule);

        for (size_t k = 0; k < sizeof from / sizeof from[0]; k++) {
            nt_diag other;
            /* Another failure first, so a stale diagnostic cannot pass. */
            if (dc->nhints == 2) {
                rc = ntfs_stream_read(s, dmg[1].file_offset, buf, dmg[1].uncompressed_len, &got);
                assert_int_equal(rc, NT_ERR_CORRUPT);
                other = *ntfs_diag(v);
                assert_int_equal(other.offset, dmg[1].offset);
            }
            rc = ntfs_stream_read(s, from[k], buf, (size_t)(to[k] - from[k]), &got);
            assert_int_equal(rc, NT_ERR_CORRUPT);
            d = *ntfs_diag(v);
            assert_int_equal(d.status, alone.status);
            assert_int_equal(d.offset, alone.offset);
            assert_int_equal(d.record, alone.record);
            assert_string_equal(d.rule, alone.rule);
        }
        /* Everything before the damage reads right, in one batched read. */
        assert_int_equal(ntfs_stream_read(s, 0, buf, (size_t)low->file_offset, &got), NT_OK);
        assert_int_equal(got, low->file_offset);
        assert_memory_equal(buf, plain, got);

        ntfs_stream_close(s);
        ntfs_unmount(v);
        assert_int_equal(ta.live_blocks, 0);
        assert_int_equal(ta.bad_frees, 0);
        test_allocator_destroy(&ta);
    }
    free(buf);
    free(out);
    free(ws);
    free(bad.data);
    free(stored);
    free(plain);
    free(plainp);
    free(pp);
    free(im.data);
}

/* Batches are 1 MiB of output (256 XPRESS4K or 32 LZX chunks); with a
 * width of 3 wof_stream.c makes 12 jobs, shrinking towards the batch's
 * end: in the second batch of an XPRESS4K file chunks 256+[0, 40),
 * [40, 78), [78, 112), [112, 142), ... [192, 212) ..., of an LZX file
 * 32+[0, 6), [6, 10), [10, 14), [14, 18), ... [24, 27) .... A damaged
 * chunk in the middle of a batch; damaged chunks in two jobs (the later
 * job runs first: the hook reverses them) and in two batches. */
static void test_damaged_batches(void **state)
{
    static const damage_case cases[] = {
        {"xpress4k_3145827", NTFS_WOF_XPRESS4K, {256 + 127, 0}, 1},
        {"xpress4k_3145827", NTFS_WOF_XPRESS4K, {256 + 100, 256 + 200}, 2},
        {"xpress4k_3145827", NTFS_WOF_XPRESS4K, {3, 700}, 2},
        {"lzx_3145827", NTFS_WOF_LZX, {32 + 15, 0}, 1},
        {"lzx_3145827", NTFS_WOF_LZX, {32 + 12, 32 + 25}, 2},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        damaged_case(&cases[i]);
}

/* ntfs_stream_get_info/get_run on a WOF file describe its stored data
 * (ntfs.h): the bytes of the clusters get_run names, read straight from
 * the image, are the WofCompressedData stream, and decoding them chunk by
 * chunk gives the plaintext. */
static void test_stored_runs(void **state)
{
    static const struct {
        const char *prefix;
        uint32_t algorithm, chunk;
    } algos[] = {{"xpress4k", NTFS_WOF_XPRESS4K, 4096},
                 {"xpress8k", NTFS_WOF_XPRESS8K, 8192},
                 {"xpress16k", NTFS_WOF_XPRESS16K, 16384},
                 {"lzx", NTFS_WOF_LZX, 32768}};
    image im;
    test_allocator ta;
    ntfs_volume *v;
    ntfs_volume_info vi;
    (void)state;

    if (load_image(&im))
        skip();
    test_allocator_init(&ta);
    assert_int_equal(mount_with(&im, &ta, &v), NT_OK);
    assert_int_equal(ntfs_volume_get_info(v, false, &vi), NT_OK);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *pp = path_in(wof_dir(), "plain"), *plainp = path_in(pp, files[i]);
        char vpath[64];
        size_t psize, a;
        uint8_t *plain = test_read_file(plainp, &psize), *stored, *out;
        ntfs_file *f;
        ntfs_stream *s, *wcd;
        ntfs_stream_info si;
        ntfs_run r;
        uint64_t wcd_size, pos = 0;
        ntfs_wof_info wi;
        ntfs_wof_stream geo;

        assert_non_null(plain);
        for (a = 0; strncmp(files[i], algos[a].prefix, strlen(algos[a].prefix)) ||
                    files[i][strlen(algos[a].prefix)] != '_';
             a++)
            assert_true(a + 1 < sizeof algos / sizeof algos[0]);
        snprintf(vpath, sizeof vpath, "/%s", files[i]);
        assert_int_equal(ntfs_open_path(v, vpath, &f), NT_OK);
        assert_int_equal(ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s), NT_OK);
        assert_int_equal(ntfs_stream_open(f, NTFS_AT_DATA, NTFS_WOF_STREAM_NAME, &wcd), NT_OK);
        ntfs_close(f);
        wcd_size = ntfs_stream_size(wcd);
        ntfs_stream_close(wcd);

        ntfs_stream_get_info(s, &si);
        assert_true(si.wof);
        assert_int_equal(si.wof_algorithm, algos[a].algorithm);
        assert_true(si.compressed);
        assert_int_equal(si.compression_unit, algos[a].chunk);
        assert_int_equal(si.size, psize);
        assert_int_equal(si.init_size, psize);
        if (si.resident) { /* a small WofCompressedData lives in the record */
            assert_int_equal(ntfs_stream_get_run(s, 0, &r), NT_END);
            ntfs_stream_close(s);
            free(plain);
            free(plainp);
            free(pp);
            continue;
        }
        assert_true(si.alloc_size >= wcd_size);
        assert_int_equal(si.alloc_size % vi.cluster_size, 0);

        /* Gather WofCompressedData from the runs' clusters. */
        stored = calloc(1, (size_t)si.alloc_size + 1);
        assert_non_null(stored);
        for (size_t k = 0; ntfs_stream_get_run(s, k, &r) == NT_OK; k++) {
            assert_true(k < si.run_count);
            assert_int_equal(r.vcn * vi.cluster_size, pos);
            if (r.lcn >= 0) {
                uint64_t at = (uint64_t)r.lcn * vi.cluster_size, n = r.length * vi.cluster_size;
                assert_true(at + n <= im.size);
                memcpy(stored + pos, im.data + at, (size_t)n);
            }
            pos += r.length * vi.cluster_size;
        }
        assert_int_equal(pos, si.alloc_size);

        /* Decode it with the reparse point's geometry (4-byte entries). */
        memset(&wi, 0, sizeof wi);
        wi.algorithm = algos[a].algorithm;
        assert_int_equal(ntfs_wof_stream_init(&geo, &wi, psize, wcd_size, NULL), NT_OK);
        out = malloc(algos[a].chunk);
        void *ws = aligned_alloc(16, (ntfs_wof_workspace_size(wi.algorithm) + 16) / 16 * 16);
        assert_non_null(out);
        for (uint64_t c = 0; c < geo.n_chunks; c++) {
            ntfs_wof_chunk ch;
            assert_int_equal(
                ntfs_wof_locate_chunk_in_table(&geo, stored, (size_t)geo.table_size, c, &ch, NULL), NT_OK);
            assert_int_equal(ntfs_wof_decompress_chunk(&geo, &ch, stored + ch.offset, ch.compressed_len, out,
                                                       algos[a].chunk, ws, NULL),
                             NT_OK);
            assert_memory_equal(out, plain + ch.file_offset, ch.uncompressed_len);
        }
        free(ws);
        free(out);
        free(stored);
        ntfs_stream_close(s);
        free(plain);
        free(plainp);
        free(pp);
    }
    ntfs_unmount(v);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
    free(im.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parallel_config), cmocka_unit_test(test_stored_runs),
        cmocka_unit_test(test_unaligned_reads), cmocka_unit_test(test_unaligned_reads_parallel),
        cmocka_unit_test(test_damaged_batches), cmocka_unit_test(test_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
