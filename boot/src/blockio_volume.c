/* blockio_volume.c - see blockio_volume.h. */
#include "blockio_volume.h"

#include "ntcore/mem.h"

/* Largest single ReadBlocks straight into the caller's buffer: firmware
 * drivers split big transfers themselves, but a bound keeps each call
 * short. */
#define DIRECT_MAX (4u << 20)

bool blockio_volume_init(blockio_volume *v, EFI_BLOCK_IO_PROTOCOL *bio, void *bounce, size_t bounce_size)
{
    const EFI_BLOCK_IO_MEDIA *m = bio->Media;
    uint32_t bs = m->BlockSize;
    uint32_t align = m->IoAlign > 1 ? m->IoAlign : 1;

    if (!m->MediaPresent || bs == 0 || (bs & (bs - 1)) != 0 || bounce_size < bs)
        return false;
    if ((align & (align - 1)) != 0 || ((uintptr_t)bounce & (align - 1)) != 0)
        return false;
    if (m->LastBlock >= UINT64_MAX / bs)
        return false;
    nt_memset(v, 0, sizeof *v);
    v->bio = bio;
    v->media_id = m->MediaId;
    v->block_size = bs;
    v->io_align = align;
    v->size = (m->LastBlock + 1) * (uint64_t)bs;
    v->bounce = bounce;
    v->bounce_size = bounce_size / bs * bs;
    return true;
}

static int read_blocks(blockio_volume *v, uint64_t lba, size_t bytes, void *buf)
{
    EFI_STATUS st = v->bio->ReadBlocks(v->bio, v->media_id, lba, bytes, buf);
    v->block_reads++;
    if (EFI_ERROR(st)) {
        v->last_error = st;
        return -1;
    }
    return 0;
}

int blockio_volume_read(void *ctx, uint64_t offset, void *buf, size_t len)
{
    blockio_volume *v = ctx;
    uint8_t *out = buf;
    const uint64_t bs = v->block_size;

    v->calls++;
    if (offset > v->size || len > v->size - offset)
        return -1;
    while (len) {
        uint64_t lba = offset / bs;
        size_t skip = (size_t)(offset % bs);

        if (skip == 0 && len >= bs && ((uintptr_t)out & (v->io_align - 1)) == 0) {
            /* Whole blocks into an aligned destination: no bounce. */
            size_t n = len < DIRECT_MAX ? len : DIRECT_MAX;
            n -= n % bs;
            if (read_blocks(v, lba, n, out) != 0)
                return -1;
            out += n;
            offset += n;
            len -= n;
            v->bytes += n;
            continue;
        }
        /* The blocks covering [offset, offset + len), as many as fit. */
        size_t want = skip + len;
        size_t n = want < v->bounce_size ? (size_t)((want + bs - 1) / bs * bs) : v->bounce_size;
        if (read_blocks(v, lba, n, v->bounce) != 0)
            return -1;
        size_t got = n - skip < len ? n - skip : len;
        nt_memcpy(out, v->bounce + skip, got);
        out += got;
        offset += got;
        len -= got;
        v->bytes += got;
    }
    return 0;
}
