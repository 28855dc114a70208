/* Tests of the WOF reparse data and chunk table logic (libntfs/src/wof.c).
 *
 * Oracle: streams built here byte by byte from the layout in wof.h (the
 * WOF reparse format documented by Windows' FILE_PROVIDER_EXTERNAL_INFO_V1
 * and the chunk table as Windows writes it), with chunks that are stored
 * raw or hand-made XPRESS/LZX (bench/wof_handmade.c) whose plaintext is
 * known. Whole wimlib-compressed files are checked in bench/wof_diff.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../bench/wof_handmade.c"
#include "lzx.h"
#include "ntcore/endian.h"
#include "ntcore/status.h"
#include "wof.h"

static void put_reparse(uint8_t *p, uint32_t ver, uint32_t prov, uint32_t pver, uint32_t algo)
{
    nt_put_le32(p, ver);
    nt_put_le32(p + 4, prov);
    nt_put_le32(p + 8, pver);
    nt_put_le32(p + 12, algo);
}

static void test_parse_reparse(void **state)
{
    uint8_t d[24];
    ntfs_wof_info info;
    nt_diag diag;
    (void)state;

    static const uint32_t sizes[4] = {4096, 32768, 8192, 16384};
    for (uint32_t a = 0; a < 4; a++) {
        put_reparse(d, 1, 2, 1, a);
        assert_int_equal(ntfs_wof_parse_reparse(d, 16, &info, NULL), NT_OK);
        assert_int_equal(info.algorithm, a);
        assert_int_equal(info.chunk_size, sizes[a]);
        assert_int_equal(info.provider, NTFS_WOF_PROVIDER_FILE);
    }
    /* The whole $REPARSE_POINT value: tag, length, reserved, data. */
    nt_put_le32(d, NTFS_WOF_REPARSE_TAG);
    nt_put_le16(d + 4, 16);
    nt_put_le16(d + 6, 0);
    put_reparse(d + 8, 1, 2, 1, NTFS_WOF_LZX);
    assert_int_equal(ntfs_wof_parse_reparse(d, 24, &info, NULL), NT_OK);
    assert_int_equal(info.chunk_size, 32768);
    nt_put_le16(d + 4, 8);
    assert_int_equal(ntfs_wof_parse_reparse(d, 24, &info, &diag), NT_ERR_CORRUPT);
    assert_non_null(diag.rule);
    assert_int_equal(ntfs_wof_parse_reparse(d, 23, &info, NULL), NT_ERR_CORRUPT);

    put_reparse(d, 1, 2, 1, 0);
    assert_int_equal(ntfs_wof_parse_reparse(d, 15, &info, &diag), NT_ERR_CORRUPT);
    assert_int_equal(diag.status, NT_ERR_CORRUPT);
    put_reparse(d, 2, 2, 1, 0);
    assert_int_equal(ntfs_wof_parse_reparse(d, 16, &info, NULL), NT_ERR_UNSUPPORTED);
    put_reparse(d, 1, NTFS_WOF_PROVIDER_WIM, 1, 0);
    assert_int_equal(ntfs_wof_parse_reparse(d, 16, &info, NULL), NT_ERR_UNSUPPORTED);
    put_reparse(d, 1, 2, 2, 0);
    assert_int_equal(ntfs_wof_parse_reparse(d, 16, &info, NULL), NT_ERR_UNSUPPORTED);
    put_reparse(d, 1, 2, 1, 4);
    assert_int_equal(ntfs_wof_parse_reparse(d, 16, &info, NULL), NT_ERR_UNSUPPORTED);
    assert_int_equal(info.chunk_size, 0);
    assert_int_equal(ntfs_wof_parse_reparse(NULL, 16, &info, NULL), NT_ERR_INVALID);
}

static void test_table_size(void **state)
{
    (void)state;
    assert_int_equal(ntfs_wof_table_size(0, 4096), 0);
    assert_int_equal(ntfs_wof_table_size(1, 4096), 0);
    assert_int_equal(ntfs_wof_table_size(4096, 4096), 0);
    assert_int_equal(ntfs_wof_table_size(4097, 4096), 4);
    assert_int_equal(ntfs_wof_table_size(100000, 32768), 3 * 4);
    assert_int_equal(ntfs_wof_table_size(0xffffffffull, 4096), (0x100000ull - 1) * 4);
    /* 4 GiB and up: 8-byte entries. */
    assert_int_equal(ntfs_wof_table_size(0x100000000ull, 4096), (0x100000ull - 1) * 8);
    assert_int_equal(ntfs_wof_table_size(0x100000001ull, 32768), 0x20000ull * 8);
    assert_int_equal(ntfs_wof_table_size(5, 0), 0);
}

static void test_entries(void **state)
{
    ntfs_wof_info info = {1, 2, 1, NTFS_WOF_XPRESS4K, 4096};
    ntfs_wof_stream s;
    uint64_t off;
    size_t len;
    (void)state;

    assert_int_equal(ntfs_wof_stream_init(&s, &info, 4 * 4096 + 1, 12 + 5 * 100, NULL), NT_OK);
    assert_int_equal(s.n_chunks, 5);
    assert_int_equal(s.table_size, 16);
    assert_int_equal(ntfs_wof_chunk_entries(&s, 0, &off, &len), NT_OK);
    assert_int_equal(off, 0);
    assert_int_equal(len, 4);
    assert_int_equal(ntfs_wof_chunk_entries(&s, 2, &off, &len), NT_OK);
    assert_int_equal(off, 4);
    assert_int_equal(len, 8);
    assert_int_equal(ntfs_wof_chunk_entries(&s, 4, &off, &len), NT_OK);
    assert_int_equal(off, 12);
    assert_int_equal(len, 4);
    assert_int_equal(ntfs_wof_chunk_entries(&s, 5, &off, &len), NT_ERR_RANGE);

    /* One chunk: no entries at all. */
    assert_int_equal(ntfs_wof_stream_init(&s, &info, 10, 10, NULL), NT_OK);
    assert_int_equal(ntfs_wof_chunk_entries(&s, 0, &off, &len), NT_OK);
    assert_int_equal(len, 0);

    /* Empty file: no chunks. */
    assert_int_equal(ntfs_wof_stream_init(&s, &info, 0, 0, NULL), NT_OK);
    assert_int_equal(s.n_chunks, 0);
    assert_int_equal(ntfs_wof_chunk_entries(&s, 0, &off, &len), NT_ERR_RANGE);

    /* Stream shorter than the table, or than one byte per chunk. */
    nt_diag d;
    assert_int_equal(ntfs_wof_stream_init(&s, &info, 4 * 4096 + 1, 15, &d), NT_ERR_CORRUPT);
    assert_non_null(d.rule);
    assert_int_equal(ntfs_wof_stream_init(&s, &info, 4 * 4096 + 1, 16 + 4, NULL), NT_ERR_CORRUPT);
    assert_int_equal(ntfs_wof_stream_init(&s, &info, 4 * 4096 + 1, 16 + 5, NULL), NT_OK);
    info.algorithm = 9;
    assert_int_equal(ntfs_wof_stream_init(&s, &info, 100, 100, NULL), NT_ERR_UNSUPPORTED);
}

/* A three-chunk XPRESS4K file: chunk 0 hand-made XPRESS, chunk 1 stored
 * raw, chunk 2 (the 1000-byte tail) hand-made XPRESS. */
static void test_stream_roundtrip(void **state)
{
    ntfs_wof_info info = {1, 2, 1, NTFS_WOF_XPRESS4K, 4096};
    uint8_t file[4096 * 2 + 1000], stream[16384], out[4096];
    hm_xpress x0, x2;
    ntfs_wof_stream s;
    ntfs_wof_chunk c;
    (void)state;

    hm_xpress_begin(&x0, HM_XP_SKEWED, 8192, 4096);
    hm_xpress_literals(&x0, "chunk zero: ");
    hm_xpress_match(&x0, 4096 - 12, 12);
    size_t n0 = hm_xpress_end(&x0);
    hm_xpress_begin(&x2, HM_XP_FLAT, 8192, 1000);
    hm_xpress_literals(&x2, "tail");
    hm_xpress_match(&x2, 996, 1);
    size_t n2 = hm_xpress_end(&x2);
    assert_true(n0 < 4096 && n2 < 1000);

    memcpy(file, x0.plain.data, 4096);
    for (int i = 0; i < 4096; i++)
        file[4096 + i] = (uint8_t)(i * 37 + 1);
    memcpy(file + 8192, x2.plain.data, 1000);

    size_t table = 8, pos = table;
    memcpy(stream + pos, x0.w.buf, n0);
    pos += n0;
    nt_put_le32(stream, (uint32_t)(pos - table));
    memcpy(stream + pos, file + 4096, 4096);
    pos += 4096;
    nt_put_le32(stream + 4, (uint32_t)(pos - table));
    memcpy(stream + pos, x2.w.buf, n2);
    pos += n2;

    assert_int_equal(ntfs_wof_stream_init(&s, &info, sizeof(file), pos, NULL), NT_OK);
    assert_int_equal(s.table_size, table);
    for (uint64_t i = 0; i < 3; i++) {
        assert_int_equal(ntfs_wof_locate_chunk_in_table(&s, stream, table, i, &c, NULL), NT_OK);
        assert_int_equal(c.index, i);
        assert_int_equal(c.file_offset, i * 4096);
        assert_int_equal(c.stored, i == 1);
        assert_int_equal(c.uncompressed_len, i == 2 ? 1000 : 4096);
        assert_int_equal(c.compressed_len, i == 0 ? n0 : i == 1 ? 4096 : n2);
        assert_int_equal(ntfs_wof_decompress_chunk(&s, &c, stream + c.offset, c.compressed_len, out,
                                                   sizeof(out), NULL, NULL),
                         NT_OK);
        assert_memory_equal(out, file + c.file_offset, c.uncompressed_len);
    }
    /* Parameter checks of decompress_chunk. */
    assert_int_equal(
        ntfs_wof_decompress_chunk(&s, &c, stream + c.offset, c.compressed_len - 1, out, 4096, NULL, NULL),
        NT_ERR_INVALID);
    assert_int_equal(
        ntfs_wof_decompress_chunk(&s, &c, stream + c.offset, c.compressed_len, out, 999, NULL, NULL),
        NT_ERR_INVALID);
    /* A damaged chunk: diag names the chunk's stream offset. */
    nt_diag d;
    memset(stream + c.offset + 256, 0xff, 16);
    assert_int_equal(
        ntfs_wof_decompress_chunk(&s, &c, stream + c.offset, c.compressed_len, out, 4096, NULL, &d),
        NT_ERR_CORRUPT);
    assert_int_equal(d.offset, c.offset);
    assert_non_null(d.rule);
    hm_xpress_free(&x0);
    hm_xpress_free(&x2);
}

/* Two chunks decoded as a pair (what the read path does for a read that
 * covers both): the same bytes as one at a time; a damaged chunk fails
 * with its own stream offset, the first one in chunk order when both are
 * damaged, and never spoils its partner's output. */
static void test_chunk_pair(void **state)
{
    ntfs_wof_info info = {1, 2, 1, NTFS_WOF_XPRESS4K, 4096};
    uint8_t stream[16384], stored[3 * 4096], out0[4096], out1[4096];
    hm_xpress x0, x1;
    ntfs_wof_stream s;
    ntfs_wof_chunk c0, c1, c2;
    nt_diag d;
    void *ws;
    (void)state;

    assert_int_equal(ntfs_wof_pair_workspace_size(NTFS_WOF_LZX), 0);
    assert_true(ntfs_wof_pair_workspace_size(NTFS_WOF_XPRESS16K) >= 10240);
    ws = malloc(ntfs_wof_pair_workspace_size(NTFS_WOF_XPRESS4K));
    assert_non_null(ws);
    hm_xpress_begin(&x0, HM_XP_SKEWED, 8192, 4096);
    hm_xpress_literals(&x0, "chunk zero: ");
    hm_xpress_match(&x0, 4096 - 12, 12);
    size_t n0 = hm_xpress_end(&x0);
    hm_xpress_begin(&x1, HM_XP_FLAT, 8192, 4096);
    hm_xpress_literals(&x1, "the other chunk, flat code");
    hm_xpress_match(&x1, 4096 - 26, 7);
    size_t n1 = hm_xpress_end(&x1);
    assert_true(n0 < 4096 && n1 < 4096);

    /* Chunks: x0, x1, then a stored one. */
    size_t table = 8, pos = table;
    memcpy(stream + pos, x0.w.buf, n0);
    pos += n0;
    nt_put_le32(stream, (uint32_t)(pos - table));
    memcpy(stream + pos, x1.w.buf, n1);
    pos += n1;
    nt_put_le32(stream + 4, (uint32_t)(pos - table));
    for (int i = 0; i < 4096; i++)
        stored[i] = (uint8_t)(i * 37 + 1);
    memcpy(stream + pos, stored, 4096);
    pos += 4096;
    assert_int_equal(ntfs_wof_stream_init(&s, &info, 3 * 4096, pos, NULL), NT_OK);
    assert_int_equal(ntfs_wof_locate_chunk_in_table(&s, stream, table, 0, &c0, NULL), NT_OK);
    assert_int_equal(ntfs_wof_locate_chunk_in_table(&s, stream, table, 1, &c1, NULL), NT_OK);
    assert_int_equal(ntfs_wof_locate_chunk_in_table(&s, stream, table, 2, &c2, NULL), NT_OK);

    const ntfs_wof_chunk *cc[2] = {&c0, &c1};
    const uint8_t *src[2] = {stream + c0.offset, stream + c1.offset};
    uint8_t *dst[2] = {out0, out1};
    assert_int_equal(ntfs_wof_decompress_chunk_pair(&s, cc, src, dst, ws, NULL), NT_OK);
    assert_memory_equal(out0, x0.plain.data, 4096);
    assert_memory_equal(out1, x1.plain.data, 4096);

    /* A stored partner goes through the single path. */
    const ntfs_wof_chunk *cs[2] = {&c1, &c2};
    const uint8_t *ss[2] = {stream + c1.offset, stream + c2.offset};
    memset(out0, 0, sizeof out0);
    memset(out1, 0, sizeof out1);
    assert_int_equal(ntfs_wof_decompress_chunk_pair(&s, cs, ss, dst, ws, NULL), NT_OK);
    assert_memory_equal(out0, x1.plain.data, 4096);
    assert_memory_equal(out1, stored, 4096);

    /* No workspace, or an algorithm without a pair decoder. */
    assert_int_equal(ntfs_wof_decompress_chunk_pair(&s, cc, src, dst, NULL, NULL), NT_ERR_INVALID);
    ntfs_wof_stream lzx = s;
    lzx.algorithm = NTFS_WOF_LZX;
    assert_int_equal(ntfs_wof_decompress_chunk_pair(&lzx, cc, src, dst, ws, NULL), NT_ERR_INVALID);

    /* The second chunk damaged: its offset; the first still decoded. */
    memset(stream + c1.offset + 256, 0xff, 16);
    memset(out0, 0, sizeof out0);
    assert_int_equal(ntfs_wof_decompress_chunk_pair(&s, cc, src, dst, ws, &d), NT_ERR_CORRUPT);
    assert_int_equal(d.offset, c1.offset);
    assert_non_null(d.rule);
    assert_memory_equal(out0, x0.plain.data, 4096);

    /* Both damaged: the first one is reported. */
    memset(stream + c0.offset + 256, 0xff, 16);
    assert_int_equal(ntfs_wof_decompress_chunk_pair(&s, cc, src, dst, ws, &d), NT_ERR_CORRUPT);
    assert_int_equal(d.offset, c0.offset);

    /* Only the first damaged: the second still decoded in full. */
    memcpy(stream + c1.offset, x1.w.buf, n1);
    memset(out1, 0, sizeof out1);
    assert_int_equal(ntfs_wof_decompress_chunk_pair(&s, cc, src, dst, ws, &d), NT_ERR_CORRUPT);
    assert_int_equal(d.offset, c0.offset);
    assert_memory_equal(out1, x1.plain.data, 4096);

    hm_xpress_free(&x0);
    hm_xpress_free(&x1);
    free(ws);
}

static void test_lzx_chunk(void **state)
{
    ntfs_wof_info info = {1, 2, 1, NTFS_WOF_LZX, 32768};
    uint8_t out[4000];
    ntfs_wof_stream s;
    ntfs_wof_chunk c;
    hm_lzx z;
    (void)state;

    hm_lzx_begin(&z, 8192, 4000);
    hm_lzx_default_codes(&z, 0);
    hm_lzx_block(&z, 0, 4000);
    hm_lzx_literals(&z, "lzx!");
    hm_lzx_match_until(&z, 4000, 4);
    size_t n = hm_lzx_end(&z);
    assert_true(n < 4000);
    assert_int_equal(ntfs_wof_stream_init(&s, &info, 4000, n, NULL), NT_OK);
    assert_int_equal(ntfs_wof_locate_chunk(&s, 0, NULL, 0, &c, NULL), NT_OK);
    assert_false(c.stored);
    assert_int_equal(ntfs_wof_workspace_size(NTFS_WOF_LZX), ntfs_lzx_workspace_size());
    assert_int_equal(ntfs_wof_workspace_size(NTFS_WOF_XPRESS4K), 0);
    assert_int_equal(ntfs_wof_decompress_chunk(&s, &c, z.w.buf, n, out, 4000, NULL, NULL), NT_ERR_INVALID);
    void *ws = aligned_alloc(16, (ntfs_lzx_workspace_size() + 15) / 16 * 16);
    assert_int_equal(ntfs_wof_decompress_chunk(&s, &c, z.w.buf, n, out, 4000, ws, NULL), NT_OK);
    assert_memory_equal(out, z.plain.data, 4000);
    free(ws);
    hm_lzx_free(&z);
}

/* Broken tables: each gives NT_ERR_CORRUPT with the entry's offset. */
static void test_bad_tables(void **state)
{
    ntfs_wof_info info = {1, 2, 1, NTFS_WOF_XPRESS8K, 8192};
    uint8_t table[12];
    ntfs_wof_stream s;
    ntfs_wof_chunk c;
    nt_diag d;
    (void)state;

    /* 4 chunks (8192 * 3 + 10 bytes), data area 1000 bytes. */
    assert_int_equal(ntfs_wof_stream_init(&s, &info, 8192 * 3 + 10, 12 + 1000, NULL), NT_OK);

    nt_put_le32(table, 300);
    nt_put_le32(table + 4, 200); /* decreasing */
    nt_put_le32(table + 8, 900);
    assert_int_equal(ntfs_wof_locate_chunk_in_table(&s, table, 12, 0, &c, NULL), NT_OK);
    assert_int_equal(c.compressed_len, 300);
    assert_int_equal(ntfs_wof_locate_chunk_in_table(&s, table, 12, 1, &c, &d), NT_ERR_CORRUPT);
    assert_int_equal(d.offset, 0);
    assert_non_null(d.rule);

    nt_put_le32(table + 4, 1001); /* past the stream */
    assert_int_equal(ntfs_wof_locate_chunk_in_table(&s, table, 12, 1, &c, &d), NT_ERR_CORRUPT);
    assert_int_equal(d.offset, 4);

    nt_put_le32(table + 4, 300); /* empty chunk */
    assert_int_equal(ntfs_wof_locate_chunk_in_table(&s, table, 12, 1, &c, NULL), NT_ERR_CORRUPT);

    /* Last chunk (10 bytes uncompressed) stored in 100 bytes: too large. */
    assert_int_equal(ntfs_wof_locate_chunk_in_table(&s, table, 12, 3, &c, NULL), NT_ERR_CORRUPT);
    nt_put_le32(table + 8, 990);
    assert_int_equal(ntfs_wof_locate_chunk_in_table(&s, table, 12, 3, &c, NULL), NT_OK);
    assert_true(c.stored);
    assert_int_equal(c.uncompressed_len, 10);
    nt_put_le32(table + 8, 995);
    assert_int_equal(ntfs_wof_locate_chunk_in_table(&s, table, 12, 3, &c, NULL), NT_OK);
    assert_false(c.stored);

    /* Table too short, wrong entry slice, index out of range. */
    assert_int_equal(ntfs_wof_locate_chunk_in_table(&s, table, 11, 0, &c, NULL), NT_ERR_INVALID);
    assert_int_equal(ntfs_wof_locate_chunk(&s, 1, table, 4, &c, NULL), NT_ERR_INVALID);
    assert_int_equal(ntfs_wof_locate_chunk(&s, 4, table, 0, &c, NULL), NT_ERR_RANGE);

    /* A chunk larger than its uncompressed size (8192). */
    assert_int_equal(ntfs_wof_stream_init(&s, &info, 8192 * 3 + 10, 12 + 100000, NULL), NT_OK);
    nt_put_le32(table, 8193);
    assert_int_equal(ntfs_wof_locate_chunk_in_table(&s, table, 12, 0, &c, NULL), NT_ERR_CORRUPT);
    nt_put_le32(table, 8192);
    assert_int_equal(ntfs_wof_locate_chunk_in_table(&s, table, 12, 0, &c, NULL), NT_OK);
    assert_true(c.stored);
}

/* Files of 4 GiB and more use 8-byte entries (table logic only). */
static void test_large_file(void **state)
{
    ntfs_wof_info info = {1, 2, 1, NTFS_WOF_LZX, 32768};
    uint64_t size = 0x100000000ull + 5, n = size / 32768 + 1;
    ntfs_wof_stream s;
    ntfs_wof_chunk c;
    uint8_t e[16];
    uint64_t off;
    size_t len;
    (void)state;

    assert_int_equal(ntfs_wof_stream_init(&s, &info, size, (n - 1) * 8 + 0x200000000ull, NULL), NT_OK);
    assert_int_equal(s.entry_size, 8);
    assert_int_equal(s.n_chunks, n);
    assert_int_equal(ntfs_wof_chunk_entries(&s, n - 2, &off, &len), NT_OK);
    assert_int_equal(off, (n - 3) * 8);
    assert_int_equal(len, 16);
    nt_put_le64(e, 0x123456789ull);
    nt_put_le64(e + 8, 0x123456789ull + 30000);
    assert_int_equal(ntfs_wof_locate_chunk(&s, n - 2, e, 16, &c, NULL), NT_OK);
    assert_int_equal(c.offset, s.table_size + 0x123456789ull);
    assert_int_equal(c.compressed_len, 30000);
    assert_int_equal(c.file_offset, (n - 2) * 32768);
    nt_put_le64(e + 8, 0xffffffffffffffffull);
    assert_int_equal(ntfs_wof_locate_chunk(&s, n - 2, e, 16, &c, NULL), NT_ERR_CORRUPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_reparse), cmocka_unit_test(test_table_size),
        cmocka_unit_test(test_entries),       cmocka_unit_test(test_stream_roundtrip),
        cmocka_unit_test(test_chunk_pair),    cmocka_unit_test(test_lzx_chunk),
        cmocka_unit_test(test_bad_tables),    cmocka_unit_test(test_large_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
