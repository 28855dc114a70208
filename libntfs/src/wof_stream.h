/* wof_stream.h - reading a WOF ("Compact OS") compressed file's unnamed
 * $DATA transparently: the bytes come from decompressed chunks of its
 * `WofCompressedData` stream (layout in wof.h). Private to libntfs.
 *
 * stream.c calls ntfs_wof_reader_open when the unnamed $DATA is opened;
 * a file that is not a WOF file-provider file gets no reader and reads as
 * stored. The caller holds the volume lock around every call. */
#ifndef NTFS_WOF_STREAM_H
#define NTFS_WOF_STREAM_H

#include "internal.h"

/* Decompressed chunks each reader keeps (the partial chunks at the two
 * ends of a read; whole chunks are decompressed straight into the
 * caller's buffer: in batches of up to 1 MiB whose stored bytes are read
 * at once and which are decoded in groups, through the config's parallel
 * hook when set, two consecutive XPRESS chunks at a time). */
#define NTFS_WOF_CACHE_CHUNKS 4u

typedef struct ntfs_wof_reader ntfs_wof_reader;

/* Checks whether `f` is a WOF-compressed file whose unnamed $DATA is
 * `unnamed` (already loaded): a $REPARSE_POINT with tag 0x80000017 whose
 * data is a valid version-1 file-provider header with a known algorithm,
 * and a named $DATA `WofCompressedData`. If so, *out receives a reader
 * (buffers and the LZX workspace allocated through the volume's
 * allocator); otherwise *out is NULL and NT_OK is returned (no reparse
 * point, another tag, the WIM provider, an unknown version or algorithm,
 * a header shorter than 16 bytes, or no WofCompressedData stream).
 * Errors: NT_ERR_CORRUPT (the WofCompressedData stream is too short for
 * its chunk table, an unreadable $REPARSE_POINT), NT_ERR_IO,
 * NT_ERR_NOMEM. */
int ntfs_wof_reader_open(ntfs_file *f, const ntfs_data *unnamed, ntfs_wof_reader **out);

/* The WofCompressedData stream a reader decodes (its sizes and runs are
 * what ntfs_stream_get_info/get_run report for a WOF file). */
const ntfs_data *ntfs_wof_reader_stored(const ntfs_wof_reader *r);

/* The reader's algorithm (ntfs_wof_algorithm) and chunk size. */
uint32_t ntfs_wof_reader_algorithm(const ntfs_wof_reader *r);
uint32_t ntfs_wof_reader_chunk_size(const ntfs_wof_reader *r);

/* Frees a reader and its buffers. NULL is ignored. */
void ntfs_wof_reader_close(ntfs_volume *v, ntfs_wof_reader *r);

/* Reads up to len uncompressed bytes at `off` (pread-like: *got is short
 * only at the end; 0 at or past it). When several chunks fail, the error
 * is the lowest one's, as reading them in order would give. `sid` keys the volume's LZNT1 cache
 * should the WofCompressedData stream itself be NTFS-compressed.
 * Errors: NT_ERR_CORRUPT (a chunk table entry out of order or out of the
 * stream, a chunk that does not decode; the volume diagnostic carries
 * the offset in the WofCompressedData stream), NT_ERR_IO, NT_ERR_NOMEM. */
int ntfs_wof_reader_read(ntfs_volume *v, ntfs_wof_reader *r, uint64_t sid, uint64_t off, void *buf,
                         size_t len, size_t *got);

#endif
