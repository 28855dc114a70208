/* boot_sector.c - the NTFS boot sector (BIOS parameter block). */
#include "internal.h"

static bool is_pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

/* Record and index block sizes share one encoding: a positive byte counts
 * clusters, a negative one is -log2(bytes). */
static int decode_block_size(int8_t v, uint32_t cluster_size, uint32_t *out)
{
    uint64_t size;

    if (v > 0)
        size = (uint64_t)(uint8_t)v * cluster_size;
    else if (v < 0 && v >= -31)
        size = (uint64_t)1 << (unsigned)(-v);
    else
        return -1;
    if (!is_pow2(size) || size < 512 || size > 65536)
        return -1;
    *out = (uint32_t)size;
    return 0;
}

int ntfs_boot_sector_parse(const uint8_t *bs, ntfs_geometry *g, const char **rule)
{
    uint32_t bps, spc;
    uint8_t spc_byte = bs[0x0D];

    if (nt_memcmp(bs + 3, "NTFS    ", 8)) {
        *rule = "boot sector: OEM id is not \"NTFS    \"";
        return NT_ERR_CORRUPT;
    }
    if (bs[0x1FE] != 0x55 || bs[0x1FF] != 0xAA) {
        *rule = "boot sector: missing 0x55AA end marker";
        return NT_ERR_CORRUPT;
    }
    bps = nt_le16(bs + 0x0B);
    if (bps < 256 || bps > 4096 || !is_pow2(bps)) {
        *rule = "boot sector: bytes per sector not a power of two in 256..4096";
        return NT_ERR_CORRUPT;
    }
    /* Values over 0x80 are a negative shift: 0xF4 means 2^12 sectors. */
    if (spc_byte <= 0x80) {
        spc = spc_byte;
        if (!is_pow2(spc)) {
            *rule = "boot sector: sectors per cluster not a power of two";
            return NT_ERR_CORRUPT;
        }
    } else {
        unsigned shift = 256u - spc_byte;
        if (shift > 20) {
            *rule = "boot sector: sectors per cluster shift too large";
            return NT_ERR_CORRUPT;
        }
        spc = 1u << shift;
    }
    if ((uint64_t)spc * bps > (2u << 20)) {
        *rule = "boot sector: cluster larger than 2 MiB";
        return NT_ERR_CORRUPT;
    }
    g->bytes_per_sector = bps;
    g->cluster_size = spc * bps;
    g->cluster_shift = 0;
    while ((1u << g->cluster_shift) < g->cluster_size)
        g->cluster_shift++;
    g->total_sectors = nt_le64(bs + 0x28);
    if (g->total_sectors == 0 || g->total_sectors > (UINT64_MAX >> 13)) {
        *rule = "boot sector: total sectors is 0 or absurd";
        return NT_ERR_CORRUPT;
    }
    g->total_clusters = g->total_sectors / spc;
    if (g->total_clusters == 0) {
        *rule = "boot sector: volume smaller than one cluster";
        return NT_ERR_CORRUPT;
    }
    /* Windows addresses at most 2^32 - 1 clusters; the cap also bounds
     * every walk over $Bitmap. */
    if (g->total_clusters > 0xFFFFFFFFull) {
        *rule = "boot sector: more than 2^32 clusters";
        return NT_ERR_CORRUPT;
    }
    if (decode_block_size((int8_t)bs[0x40], g->cluster_size, &g->mft_record_size)) {
        *rule = "boot sector: bad MFT record size encoding";
        return NT_ERR_CORRUPT;
    }
    if (decode_block_size((int8_t)bs[0x44], g->cluster_size, &g->index_block_size)) {
        *rule = "boot sector: bad index block size encoding";
        return NT_ERR_CORRUPT;
    }
    if (g->mft_record_size < bps && g->mft_record_size < 1024) {
        *rule = "boot sector: MFT record smaller than a sector";
        return NT_ERR_CORRUPT;
    }
    g->mft_lcn = nt_le64(bs + 0x30);
    g->mftmirr_lcn = nt_le64(bs + 0x38);
    if (g->mft_lcn >= g->total_clusters || g->mftmirr_lcn >= g->total_clusters) {
        *rule = "boot sector: $MFT or $MFTMirr cluster outside the volume";
        return NT_ERR_CORRUPT;
    }
    g->serial = nt_le64(bs + 0x48);
    return NT_OK;
}
