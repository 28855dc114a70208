/* Reads of WOF (Compact OS) files through ntfs_stream_read at odd offsets
 * and lengths (the partial-chunk cache path the CLI's aligned reads do not
 * take), and allocation failures at every point of open and read.
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
                                    "lzx_1048699",      "lzx_4097",         "xpress4k_4095"};

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

static int mount_with(image *im, test_allocator *ta, ntfs_volume **v)
{
    ntfs_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ctx = im;
    cfg.read = img_read;
    cfg.allocator = ta->iface;
    cfg.volume_size = im->size;
    return ntfs_mount(&cfg, v, NULL);
}

/* Unaligned reads of every test file compared with its plaintext. */
static void test_unaligned_reads(void **state)
{
    image im;
    test_allocator ta;
    ntfs_volume *v;
    (void)state;

    if (load_image(&im))
        skip();
    test_allocator_init(&ta);
    assert_int_equal(mount_with(&im, &ta, &v), NT_OK);
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
        static const size_t lens[] = {1, 7, 4095, 4097, 8191, 16385, 32767, 32769, 100000};
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
}

/* Open + one unaligned read of `name` with allocation n failed, for
 * every n: NT_ERR_NOMEM (or success), never a leak or a wrong byte. The
 * read covers several whole chunks (an XPRESS file decodes them in
 * pairs, whose buffers are allocated on first use: when they cannot be,
 * the read still succeeds, one chunk at a time). */
static void nomem_file(const char *name)
{
    image im;
    char *pp, *plainp;
    size_t psize;
    uint8_t *plain, buf[70000];
    char vpath[64];

    if (load_image(&im))
        skip();
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
        rc = mount_with(&im, &ta, &v);
        if (rc == NT_OK) {
            rc = ntfs_open_path(v, vpath, &f);
            if (rc == NT_OK) {
                rc = ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s);
                ntfs_close(f);
                if (rc == NT_OK) {
                    rc = ntfs_stream_read(s, 12345, buf, sizeof buf, &got);
                    if (rc == NT_OK) {
                        assert_int_equal(got, sizeof buf);
                        assert_memory_equal(buf, plain + 12345, sizeof buf);
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
    free(plain);
    free(plainp);
    free(pp);
    free(im.data);
}

static void test_nomem(void **state)
{
    (void)state;
    nomem_file("lzx_1048699");
    nomem_file("xpress4k_1048699");
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
        cmocka_unit_test(test_stored_runs),
        cmocka_unit_test(test_unaligned_reads),
        cmocka_unit_test(test_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
