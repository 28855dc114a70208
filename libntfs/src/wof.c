/* wof.c - WOF (Windows 10 system compression) reparse data and the chunk
 * table of the WofCompressedData stream. Layout notes are in wof.h.
 *
 * Everything is computed in 64 bits from untrusted sizes and entries, and
 * every offset is checked against the stream before it is used. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wof.h"
#include "lzx.h"
#include "xpress_huffman.h"
#include "ntcore/endian.h"
#include "ntcore/mem.h"

static int fail(nt_diag *diag, uint64_t offset, const char *rule)
{
    if (diag)
        return nt_diag_set(diag, NT_ERR_CORRUPT, offset, rule);
    return NT_ERR_CORRUPT;
}

uint32_t ntfs_wof_chunk_size(uint32_t algorithm)
{
    switch (algorithm) {
    case NTFS_WOF_XPRESS4K:
        return 4096;
    case NTFS_WOF_LZX:
        return 32768;
    case NTFS_WOF_XPRESS8K:
        return 8192;
    case NTFS_WOF_XPRESS16K:
        return 16384;
    default:
        return 0;
    }
}

int ntfs_wof_parse_reparse(const uint8_t *data, size_t len, ntfs_wof_info *out, nt_diag *diag)
{
    size_t base = 0;

    if (!data || !out)
        return NT_ERR_INVALID;
    nt_memset(out, 0, sizeof(*out));
    /* A whole $REPARSE_POINT value starts with the tag; the data alone
     * starts with the WOF version (1), so the two cannot be confused. */
    if (len >= 8 && nt_le32(data) == NTFS_WOF_REPARSE_TAG) {
        if (nt_le16(data + 4) < 16)
            return fail(diag, 4, "WOF reparse point: data length below 16");
        base = 8;
    }
    if (len < base + 16)
        return fail(diag, len, "WOF reparse data: shorter than 16 bytes");
    out->wof_version = nt_le32(data + base);
    out->provider = nt_le32(data + base + 4);
    out->provider_version = nt_le32(data + base + 8);
    out->algorithm = nt_le32(data + base + 12);
    if (out->wof_version != 1 || out->provider != NTFS_WOF_PROVIDER_FILE || out->provider_version != 1)
        return NT_ERR_UNSUPPORTED;
    out->chunk_size = ntfs_wof_chunk_size(out->algorithm);
    return out->chunk_size ? NT_OK : NT_ERR_UNSUPPORTED;
}

static uint64_t chunk_count(uint64_t uncompressed_size, uint32_t chunk_size)
{
    return uncompressed_size / chunk_size + (uncompressed_size % chunk_size != 0);
}

static uint32_t entry_size(uint64_t uncompressed_size)
{
    return uncompressed_size > UINT32_MAX ? 8u : 4u;
}

uint64_t ntfs_wof_table_size(uint64_t uncompressed_size, uint32_t chunk_size)
{
    uint64_t n;

    if (chunk_size == 0 || uncompressed_size == 0)
        return 0;
    n = chunk_count(uncompressed_size, chunk_size);
    return (n - 1) * entry_size(uncompressed_size);
}

int ntfs_wof_stream_init(ntfs_wof_stream *s, const ntfs_wof_info *info, uint64_t uncompressed_size,
                         uint64_t stream_size, nt_diag *diag)
{
    uint32_t cs;

    if (!s || !info)
        return NT_ERR_INVALID;
    nt_memset(s, 0, sizeof(*s));
    cs = ntfs_wof_chunk_size(info->algorithm);
    if (cs == 0)
        return NT_ERR_UNSUPPORTED;
    s->uncompressed_size = uncompressed_size;
    s->stream_size = stream_size;
    s->chunk_size = cs;
    s->algorithm = info->algorithm;
    s->entry_size = entry_size(uncompressed_size);
    s->n_chunks = uncompressed_size ? chunk_count(uncompressed_size, cs) : 0;
    s->table_size = ntfs_wof_table_size(uncompressed_size, cs);
    if (stream_size < s->table_size || stream_size - s->table_size < s->n_chunks)
        return fail(diag, stream_size, "WofCompressedData: shorter than its chunk table and chunks");
    return NT_OK;
}

int ntfs_wof_chunk_entries(const ntfs_wof_stream *s, uint64_t index, uint64_t *table_offset, size_t *len)
{
    if (!s || !table_offset || !len)
        return NT_ERR_INVALID;
    if (index >= s->n_chunks)
        return NT_ERR_RANGE;
    *table_offset = index ? (index - 1) * s->entry_size : 0;
    *len = (size_t)s->entry_size * ((index > 0) + (index + 1 < s->n_chunks));
    return NT_OK;
}

static uint64_t load_entry(const uint8_t *p, uint32_t size)
{
    return size == 8 ? nt_le64(p) : nt_le32(p);
}

int ntfs_wof_locate_chunk(const ntfs_wof_stream *s, uint64_t index, const uint8_t *entries,
                          size_t entries_len, ntfs_wof_chunk *out, nt_diag *diag)
{
    uint64_t toff, start = 0, end, data_size, ulen, first_entry;
    size_t need;
    int rc;

    if (!out)
        return NT_ERR_INVALID;
    rc = ntfs_wof_chunk_entries(s, index, &toff, &need);
    if (rc)
        return rc;
    if (entries_len != need || (need && !entries))
        return NT_ERR_INVALID;
    data_size = s->stream_size - s->table_size; /* stream_init checked the order */
    first_entry = toff;
    if (index > 0) {
        start = load_entry(entries, s->entry_size);
        entries += s->entry_size;
    }
    if (index + 1 < s->n_chunks) {
        end = load_entry(entries, s->entry_size);
        if (end > data_size)
            return fail(diag, toff + (index > 0 ? s->entry_size : 0),
                        "WOF chunk table: chunk offset past the end of the stream");
    } else {
        end = data_size;
    }
    if (start > end)
        return fail(diag, first_entry, "WOF chunk table: chunk offsets decrease");
    ulen = s->uncompressed_size - index * s->chunk_size;
    if (ulen > s->chunk_size)
        ulen = s->chunk_size;
    if (end == start)
        return fail(diag, first_entry, "WOF chunk table: empty chunk");
    if (end - start > ulen)
        return fail(diag, first_entry, "WOF chunk table: chunk larger than its uncompressed size");

    out->index = index;
    out->offset = s->table_size + start;
    out->file_offset = index * s->chunk_size;
    out->compressed_len = (uint32_t)(end - start);
    out->uncompressed_len = (uint32_t)ulen;
    out->stored = end - start == ulen;
    return NT_OK;
}

int ntfs_wof_locate_chunk_in_table(const ntfs_wof_stream *s, const uint8_t *table, size_t table_len,
                                   uint64_t index, ntfs_wof_chunk *out, nt_diag *diag)
{
    uint64_t toff;
    size_t need;
    int rc;

    if (!s || (!table && table_len))
        return NT_ERR_INVALID;
    rc = ntfs_wof_chunk_entries(s, index, &toff, &need);
    if (rc)
        return rc;
    if (table_len < s->table_size)
        return NT_ERR_INVALID;
    return ntfs_wof_locate_chunk(s, index, need ? table + toff : table, need, out, diag);
}

size_t ntfs_wof_workspace_size(uint32_t algorithm)
{
    return algorithm == NTFS_WOF_LZX ? ntfs_lzx_workspace_size() : 0;
}

int ntfs_wof_decompress_chunk(const ntfs_wof_stream *s, const ntfs_wof_chunk *c, const uint8_t *src,
                              size_t src_len, uint8_t *dst, size_t dst_len, void *workspace, nt_diag *diag)
{
    int rc;

    if (!s || !c || !src || !dst || src_len != c->compressed_len || dst_len < c->uncompressed_len)
        return NT_ERR_INVALID;
    if (c->stored) {
        nt_memcpy(dst, src, c->uncompressed_len);
        return NT_OK;
    }
    switch (s->algorithm) {
    case NTFS_WOF_XPRESS4K:
    case NTFS_WOF_XPRESS8K:
    case NTFS_WOF_XPRESS16K:
        rc = ntfs_xpress_huffman_decompress(src, src_len, dst, c->uncompressed_len);
        if (rc == NT_ERR_CORRUPT)
            return fail(diag, c->offset, "WOF chunk: XPRESS-Huffman data does not decode");
        return rc;
    case NTFS_WOF_LZX:
        if (!workspace)
            return NT_ERR_INVALID;
        rc = ntfs_lzx_decompress(workspace, src, src_len, dst, c->uncompressed_len);
        if (rc == NT_ERR_CORRUPT)
            return fail(diag, c->offset, "WOF chunk: LZX data does not decode");
        return rc;
    default:
        return NT_ERR_UNSUPPORTED;
    }
}

size_t ntfs_wof_pair_workspace_size(uint32_t algorithm)
{
    switch (algorithm) {
    case NTFS_WOF_XPRESS4K:
    case NTFS_WOF_XPRESS8K:
    case NTFS_WOF_XPRESS16K:
        return sizeof(ntfs_xpress_pair_workspace);
    default:
        return 0;
    }
}

int ntfs_wof_decompress_chunk_pair(const ntfs_wof_stream *s, const ntfs_wof_chunk *const c[2],
                                   const uint8_t *const src[2], uint8_t *const dst[2], void *pair_workspace,
                                   nt_diag *diag)
{
    int rc[2];

    if (!s || !c || !src || !dst || !c[0] || !c[1] || !src[0] || !src[1] || !dst[0] || !dst[1] ||
        !pair_workspace || ntfs_wof_pair_workspace_size(s->algorithm) == 0)
        return NT_ERR_INVALID;
    if (c[0]->stored || c[1]->stored) {
        for (unsigned i = 0; i < 2; i++) {
            int r = ntfs_wof_decompress_chunk(s, c[i], src[i], c[i]->compressed_len, dst[i],
                                              c[i]->uncompressed_len, 0, diag);
            if (r)
                return r;
        }
        return NT_OK;
    }
    ntfs_xpress_huffman_decompress_pair(pair_workspace, src[0], c[0]->compressed_len, dst[0],
                                        c[0]->uncompressed_len, src[1], c[1]->compressed_len, dst[1],
                                        c[1]->uncompressed_len, rc);
    for (unsigned i = 0; i < 2; i++) {
        if (rc[i] == NT_ERR_CORRUPT)
            return fail(diag, c[i]->offset, "WOF chunk: XPRESS-Huffman data does not decode");
        if (rc[i])
            return rc[i];
    }
    return NT_OK;
}
