/* blockio_volume.h - a volume on an EFI_BLOCK_IO_PROTOCOL as libntfs's read
 * callback (ntfs_config.read).
 *
 * Block I/O reads whole blocks, of the current MediaId, into buffers aligned
 * to Media->IoAlign. libntfs asks for byte ranges into buffers of any
 * alignment, so the callback reads the blocks that cover a range into a
 * page-aligned bounce buffer and copies the wanted bytes out; the middle of
 * a large, block-aligned request into a suitably aligned buffer goes
 * straight into the caller's buffer instead (no second copy of file data).
 * The bounce buffer belongs to the caller. */
#ifndef NTKIT_BOOT_BLOCKIO_VOLUME_H
#define NTKIT_BOOT_BLOCKIO_VOLUME_H

#include <stddef.h>
#include <stdint.h>

#include "efi.h"

typedef struct blockio_volume {
    EFI_BLOCK_IO_PROTOCOL *bio;
    uint32_t media_id;
    uint32_t block_size;
    uint32_t io_align; /* 1 when the device accepts any alignment */
    uint64_t size;     /* bytes: (LastBlock + 1) * BlockSize */
    uint8_t *bounce;
    size_t bounce_size; /* a whole number of blocks */
    /* statistics */
    uint64_t calls;        /* read callbacks */
    uint64_t block_reads;  /* ReadBlocks calls */
    uint64_t bytes;        /* bytes delivered to libntfs */
    EFI_STATUS last_error; /* status of the last failed ReadBlocks */
} blockio_volume;

/* Sets `v` up over `bio` with `bounce` (page-aligned, `bounce_size` bytes)
 * as the bounce buffer. Returns false when there is no media, the block
 * size is 0 or not a power of two, the bounce buffer holds no whole block
 * or is not aligned to IoAlign. */
bool blockio_volume_init(blockio_volume *v, EFI_BLOCK_IO_PROTOCOL *bio, void *bounce, size_t bounce_size);

/* ntfs_config.read: reads `len` bytes at byte `offset` of the volume into
 * `buf`. Returns 0, or -1 when the range runs past the end of the media or
 * ReadBlocks fails (v->last_error then holds the firmware's status). */
int blockio_volume_read(void *ctx, uint64_t offset, void *buf, size_t len);

#endif
