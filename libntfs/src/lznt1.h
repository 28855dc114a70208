/* lznt1.h - the LZNT1 decoder NTFS uses for compressed $DATA attributes.
 *
 * A compressed NTFS stream is cut into compression units (normally 16
 * clusters, 64 KiB with 4 KiB clusters). A unit whose clusters are not all
 * allocated holds LZNT1 data: a sequence of chunks, each of which expands
 * to (at most) 4096 bytes of the unit.
 *
 * Chunk layout (all little-endian):
 *   header  u16  bits 0-11  chunk data size - 1 (the chunk spans
 *                           header + (bits & 0xfff) + 1 bytes)
 *                bits 12-14 signature (3 when written by Windows/ntfs-3g;
 *                           not checked, as Windows does not check it)
 *                bit  15    1 = compressed, 0 = stored as-is
 *   data         compressed: groups of one flag byte and up to 8 tokens;
 *                flag bit i (LSB first) 0 = literal byte, 1 = a u16
 *                back-reference whose split between displacement and
 *                length depends on how far into the chunk the output is
 *                (4 displacement bits at the start, up to 12 near 4 KiB).
 * A zero header ends the unit.
 *
 * Private to libntfs (not part of the public API). Freestanding. */
#ifndef NTFS_LZNT1_H
#define NTFS_LZNT1_H

#include <stddef.h>
#include <stdint.h>

#include "ntcore/status.h"

/* Bytes one LZNT1 chunk expands to (the "sub-block" of ntfs-3g). */
#define NTFS_LZNT1_CHUNK_SIZE 4096u

/* Decompresses the LZNT1 chunks of one compression unit.
 *
 * src/src_len: the raw bytes of the unit's allocated clusters. Decoding
 *   stops at a zero chunk header, when fewer than 2 bytes are left, or when
 *   every 4 KiB slot of dst has been filled (bytes after that are slack).
 * dst/dst_len: the output buffer (normally the unit size, 16 clusters).
 *   Chunk k lands at dst + k * 4096. A chunk that expands to less than
 *   4096 bytes and is followed by another chunk is zero-padded up to the
 *   next chunk, as Windows and ntfs-3g do.
 * *out_len: set to the bytes produced (end of the last chunk's output),
 *   also on error (the bytes decoded so far are then valid).
 *
 * Nothing after *out_len is zero-filled: the caller fills the tail of the
 * unit. Bytes of dst beyond *out_len may be overwritten with scratch data
 * (the decoder copies matches in 8- or 16-byte steps and may run up to
 * 15 bytes past a match's end while it stays inside dst_len).
 *
 * Returns
 *   NT_OK           success;
 *   NT_ERR_CORRUPT  malformed input: a chunk runs past src_len, a token is
 *                   truncated, a back-reference points before the start of
 *                   its chunk, a chunk expands past 4096 bytes, or the
 *                   output would overflow dst_len;
 *   NT_ERR_INVALID  out_len is NULL, or src/dst is NULL with a nonzero
 *                   length.
 * Never reads src past src_len nor writes dst past dst_len; runs in time
 * linear in src_len + dst_len. */
int ntfs_lznt1_decompress_unit(const uint8_t *src, size_t src_len, uint8_t *dst,
                               size_t dst_len, size_t *out_len);

/* As ntfs_lznt1_decompress_unit, and on NT_ERR_CORRUPT also fills *diag
 * (when diag is not NULL) with the byte offset in src of the broken chunk
 * header or token and a static string naming the rule. diag->record is
 * left as NT_DIAG_NO_RECORD: the caller adds the MFT record and turns the
 * offset into a volume offset if it wants to. */
int ntfs_lznt1_decompress_unit_diag(const uint8_t *src, size_t src_len, uint8_t *dst,
                                    size_t dst_len, size_t *out_len, nt_diag *diag);

#endif
