/* wof.h - Windows 10 "Compact OS" (Windows Overlay Filter, WOF) system
 * compression: the reparse point that marks a file as compressed, and the
 * chunk table of its `WofCompressedData` stream, as pure functions over
 * memory so the file-read path can wire them in with a few calls.
 *
 * A WOF-compressed file has:
 *  - a $REPARSE_POINT with tag NTFS_WOF_REPARSE_TAG (0x80000017) whose
 *    16 data bytes are: u32 WOF version (1), u32 provider (2 = file
 *    provider; 1 = the WIM-backed provider, whose data lives in a WIM
 *    file), u32 file-provider version (1), u32 algorithm (0 XPRESS4K,
 *    1 LZX with 32 KiB chunks, 2 XPRESS8K, 3 XPRESS16K);
 *  - an unnamed $DATA that is sparse/empty but whose size is the
 *    uncompressed file size;
 *  - a named $DATA stream `WofCompressedData`: a chunk offset table, then
 *    the chunks. The file is cut into chunks of chunk_size bytes (the last
 *    one shorter); the table has n_chunks - 1 little-endian entries (u32
 *    when the uncompressed size is below 4 GiB, else u64), entry i being
 *    the offset of chunk i + 1 from the end of the table (chunk 0 starts
 *    right there). A chunk runs to the next chunk's start, the last to the
 *    end of the stream. A chunk whose stored size equals its uncompressed
 *    size is stored raw; otherwise it is one XPRESS-Huffman or LZX chunk.
 *
 * Typical use (read chunk i of a file):
 *   ntfs_wof_parse_reparse(reparse_data, len, &info, NULL);
 *   ntfs_wof_stream_init(&s, &info, data_size, wof_stream_size, NULL);
 *   ntfs_wof_chunk_entries(&s, i, &off, &n);    read n table bytes at off
 *   ntfs_wof_locate_chunk(&s, i, table_bytes, n, &c, NULL);
 *   read c.compressed_len bytes at c.offset of the stream, then
 *   ntfs_wof_decompress_chunk(&s, &c, chunk_bytes, c.compressed_len,
 *                             out, c.uncompressed_len, workspace, NULL);
 *
 * Private to libntfs (not part of the public API). Freestanding. Every
 * function fills an optional nt_diag (may be NULL) on NT_ERR_CORRUPT with
 * the byte offset (in the reparse data, or in the WofCompressedData
 * stream) and a static rule string; record is left NT_DIAG_NO_RECORD. */
#ifndef NTFS_WOF_H
#define NTFS_WOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntcore/status.h"

#define NTFS_WOF_REPARSE_TAG 0x80000017u
#define NTFS_WOF_PROVIDER_WIM 1u
#define NTFS_WOF_PROVIDER_FILE 2u

/* The named $DATA stream holding the chunks (as UTF-8/ASCII). */
#define NTFS_WOF_STREAM_NAME "WofCompressedData"

typedef enum ntfs_wof_algorithm {
    NTFS_WOF_XPRESS4K = 0,
    NTFS_WOF_LZX = 1,
    NTFS_WOF_XPRESS8K = 2,
    NTFS_WOF_XPRESS16K = 3
} ntfs_wof_algorithm;

/* What the reparse point says. */
typedef struct ntfs_wof_info {
    uint32_t wof_version;      /* 1 */
    uint32_t provider;         /* NTFS_WOF_PROVIDER_FILE */
    uint32_t provider_version; /* 1 */
    uint32_t algorithm;        /* ntfs_wof_algorithm */
    uint32_t chunk_size;       /* 4096, 32768, 8192 or 16384 */
} ntfs_wof_info;

/* Parses WOF reparse data. `data` is either the reparse data after the
 * 8-byte reparse header (as ntfs_reparse.data holds it: 16 bytes) or the
 * whole $REPARSE_POINT value starting with the tag 0x80000017 (24 bytes);
 * bytes after the 16 that matter are ignored.
 * Returns
 *   NT_OK               *out filled;
 *   NT_ERR_CORRUPT      fewer than 16 bytes (or a whole value whose tag
 *                       is WOF but whose data length is below 16);
 *   NT_ERR_UNSUPPORTED  another WOF version, the WIM-backed provider or
 *                       another provider, another file-provider version,
 *                       or an algorithm above 3 (*out still filled with
 *                       what was read, chunk_size 0);
 *   NT_ERR_INVALID      data or out is NULL. */
int ntfs_wof_parse_reparse(const uint8_t *data, size_t len, ntfs_wof_info *out, nt_diag *diag);

/* Chunk size of an algorithm, 0 for an unknown one. */
uint32_t ntfs_wof_chunk_size(uint32_t algorithm);

/* Geometry of one WofCompressedData stream. */
typedef struct ntfs_wof_stream {
    uint64_t uncompressed_size; /* the unnamed $DATA's size */
    uint64_t stream_size;       /* the WofCompressedData stream's size */
    uint64_t n_chunks;          /* ceil(uncompressed_size / chunk_size) */
    uint64_t table_size;        /* bytes of chunk table at the stream start */
    uint32_t chunk_size;
    uint32_t entry_size; /* 4 or 8 */
    uint32_t algorithm;
} ntfs_wof_stream;

/* Bytes of chunk table for a file of uncompressed_size bytes cut into
 * chunk_size chunks: (n_chunks - 1) * entry size, 0 for an empty file
 * or a chunk_size of 0. */
uint64_t ntfs_wof_table_size(uint64_t uncompressed_size, uint32_t chunk_size);

/* Fills *s from the reparse info and the two sizes.
 * Returns
 *   NT_OK               ready;
 *   NT_ERR_CORRUPT      the stream is shorter than its chunk table plus
 *                       one byte per chunk;
 *   NT_ERR_UNSUPPORTED  info->algorithm is unknown;
 *   NT_ERR_INVALID      s or info is NULL. */
int ntfs_wof_stream_init(ntfs_wof_stream *s, const ntfs_wof_info *info, uint64_t uncompressed_size,
                         uint64_t stream_size, nt_diag *diag);

/* Where chunk `index` is. */
typedef struct ntfs_wof_chunk {
    uint64_t index;
    uint64_t offset;           /* of its bytes in the WofCompressedData stream */
    uint64_t file_offset;      /* of its first byte in the uncompressed file */
    uint32_t compressed_len;   /* bytes stored */
    uint32_t uncompressed_len; /* chunk_size, less for the last chunk */
    bool stored;               /* compressed_len == uncompressed_len: raw */
} ntfs_wof_chunk;

/* The table bytes needed to locate chunk `index`: *len bytes at stream
 * offset *table_offset (the entries for chunks index and index + 1 that
 * exist; *len is 0 for a one-chunk file).
 * Returns NT_OK, NT_ERR_RANGE (index >= n_chunks) or NT_ERR_INVALID. */
int ntfs_wof_chunk_entries(const ntfs_wof_stream *s, uint64_t index, uint64_t *table_offset, size_t *len);

/* Locates chunk `index` from the table bytes ntfs_wof_chunk_entries named
 * (`entries`, `entries_len` must be exactly that many bytes).
 * Returns
 *   NT_OK           *out filled;
 *   NT_ERR_CORRUPT  the chunk's start lies past its end or past the
 *                   stream, it is empty, or it is larger than its
 *                   uncompressed size;
 *   NT_ERR_RANGE    index >= n_chunks;
 *   NT_ERR_INVALID  a NULL pointer, or entries_len is not what
 *                   ntfs_wof_chunk_entries gives. */
int ntfs_wof_locate_chunk(const ntfs_wof_stream *s, uint64_t index, const uint8_t *entries,
                          size_t entries_len, ntfs_wof_chunk *out, nt_diag *diag);

/* As ntfs_wof_locate_chunk, with the whole table in memory
 * (table_len >= s->table_size, else NT_ERR_INVALID). */
int ntfs_wof_locate_chunk_in_table(const ntfs_wof_stream *s, const uint8_t *table, size_t table_len,
                                   uint64_t index, ntfs_wof_chunk *out, nt_diag *diag);

/* Workspace bytes ntfs_wof_decompress_chunk needs for `algorithm`
 * (ntfs_lzx_workspace_size() for LZX, 0 for XPRESS), to be aligned to 16. */
size_t ntfs_wof_workspace_size(uint32_t algorithm);

/* Decompresses chunk c from its stored bytes (src, src_len ==
 * c->compressed_len) into dst (dst_len >= c->uncompressed_len; exactly
 * c->uncompressed_len bytes are written). Stored chunks are copied.
 * workspace: ntfs_wof_workspace_size(s->algorithm) bytes (NULL when 0).
 * Returns
 *   NT_OK               done;
 *   NT_ERR_CORRUPT      the chunk does not decode (diag offset: the
 *                       chunk's stream offset);
 *   NT_ERR_UNSUPPORTED  unknown algorithm;
 *   NT_ERR_INVALID      NULL pointers, src_len != c->compressed_len,
 *                       dst_len too small, or no workspace for LZX. */
int ntfs_wof_decompress_chunk(const ntfs_wof_stream *s, const ntfs_wof_chunk *c, const uint8_t *src,
                              size_t src_len, uint8_t *dst, size_t dst_len, void *workspace, nt_diag *diag);

/* Scratch bytes ntfs_wof_decompress_chunk_pair needs for `algorithm`
 * (about 10 KiB for the XPRESS ones, aligned to 2), 0 when the algorithm
 * has no pair decoder (LZX). */
size_t ntfs_wof_pair_workspace_size(uint32_t algorithm);

/* Decompresses two chunks of one XPRESS stream (typically consecutive
 * ones a read covers whole) in one interleaved pass, which is faster than
 * two calls of ntfs_wof_decompress_chunk on an out-of-order CPU. c[i],
 * src[i], dst[i] are as for ntfs_wof_decompress_chunk (src_len implied:
 * c[i]->compressed_len; dst[i] receives c[i]->uncompressed_len bytes);
 * the two outputs must not overlap. pair_workspace:
 * ntfs_wof_pair_workspace_size(s->algorithm) bytes.
 * Returns what the two single calls made in order would: the first
 * chunk's error if it fails (diag names it), else the second's, else
 * NT_OK. Each chunk is checked as by the single call and a failure in one
 * never touches the other's output; NT_ERR_INVALID also for LZX or a
 * NULL pointer. */
int ntfs_wof_decompress_chunk_pair(const ntfs_wof_stream *s, const ntfs_wof_chunk *const c[2],
                                   const uint8_t *const src[2], uint8_t *const dst[2], void *pair_workspace,
                                   nt_diag *diag);

#endif
