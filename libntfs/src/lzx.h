/* lzx.h - the LZX decoder for WOF "LZX" chunks (32 KiB), in the form WIM
 * files and Windows 10 system compression use: each chunk is decoded on
 * its own with a 32 KiB window, recent offsets start at 1, 1, 1, and x86
 * CALL (E8) translation is always undone with a file size of 12000000.
 *
 * Stream layout: a bit stream of little-endian 16-bit words read from the
 * most significant bit down, made of blocks until the chunk is full:
 *   3 bits  block type: 1 verbatim, 2 aligned offset, 3 uncompressed
 *   1 bit   1 = block size 32768, 0 = a 16-bit block size follows
 *   aligned blocks: 8 x 3-bit lengths of the aligned offset code
 *   verbatim/aligned: the main code lengths (256 literals, then 8 length
 *     headers x 30 offset slots) and the 249 length-code lengths, each
 *     part sent as 20 x 4-bit pretree lengths followed by pretree symbols
 *     that change the previous block's lengths (0-16: delta mod 17; 17/18:
 *     runs of zeros; 19: a short run of one delta); then the symbols.
 *   uncompressed: padding to the next 16-bit boundary (16 bits when already
 *     there), R0 R1 R2 as u32, the raw bytes, one pad byte if odd.
 * A block never ends inside a match.
 *
 * Private to libntfs (not part of the public API). Freestanding. */
#ifndef NTFS_LZX_H
#define NTFS_LZX_H

#include <stddef.h>
#include <stdint.h>

#include "ntcore/status.h"

/* The WOF LZX chunk size, and the most one call decodes. */
#define NTFS_LZX_MAX_CHUNK 32768u

/* Alignment the workspace needs. */
#define NTFS_LZX_WORKSPACE_ALIGN 16u

/* Bytes of workspace ntfs_lzx_decompress needs (about 15 KiB): the caller
 * allocates it once (through its nt_allocator, aligned to
 * NTFS_LZX_WORKSPACE_ALIGN) and may reuse it for any number of chunks,
 * but not for two chunks at the same time. Its contents need no setup. */
size_t ntfs_lzx_workspace_size(void);

/* Decompresses one LZX chunk whose uncompressed size is exactly dst_len
 * bytes (1..NTFS_LZX_MAX_CHUNK; 0 returns NT_OK at once).
 *
 * workspace: ntfs_lzx_workspace_size() bytes, aligned as above; scratch.
 * src/src_len: the compressed chunk. Trailing bytes are ignored.
 * dst: receives exactly dst_len bytes. Stack use is < 1 KiB.
 *
 * Returns
 *   NT_OK               dst holds the chunk;
 *   NT_ERR_CORRUPT      a bad block type, a zero or too large block size,
 *                       an oversubscribed code, a bit pattern that is no
 *                       code, a match before the chunk start or past its
 *                       block, a recent offset of 0 in an uncompressed
 *                       block, or a stream that needs bits or bytes past
 *                       src_len;
 *   NT_ERR_UNSUPPORTED  dst_len > NTFS_LZX_MAX_CHUNK;
 *   NT_ERR_INVALID      workspace is NULL or misaligned, or src/dst is NULL
 *                       with a nonzero length.
 * On failure dst holds scratch data. Never reads src past src_len nor
 * writes dst past dst_len; time is linear in src_len + dst_len. */
int ntfs_lzx_decompress(void *workspace, const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len);

#endif
