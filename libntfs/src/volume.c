/* volume.c - mounting: boot sector (with the backup copy as fallback),
 * $MFT's own run list, $UpCase, the caches; and $Volume / $Bitmap for the
 * volume information. */
#include "internal.h"

#define DEFAULT_RECORDS 64
#define DEFAULT_BLOCKS 16

static int read_boot(ntfs_volume *v, uint8_t *bs)
{
    static const uint32_t sector_sizes[] = {512, 1024, 2048, 4096};
    const char *rule = 0, *first_rule;
    int rc;
    size_t i;

    rc = ntfs_dev_read(v, 0, bs, 512);
    if (rc == NT_OK) {
        rc = ntfs_boot_sector_parse(bs, &v->g, &rule);
        if (rc == NT_OK)
            return NT_OK;
    }
    first_rule = rule ? rule : "boot sector: unreadable";
    /* The backup boot sector is the last sector of the volume. */
    for (i = 0; v->cfg.volume_size && i < sizeof sector_sizes / sizeof sector_sizes[0]; i++) {
        uint32_t ss = sector_sizes[i];
        if (v->cfg.volume_size < 2u * ss)
            continue;
        if (ntfs_dev_read(v, v->cfg.volume_size - ss, bs, 512) != NT_OK)
            continue;
        if (ntfs_boot_sector_parse(bs, &v->g, &rule) == NT_OK && v->g.bytes_per_sector == ss) {
            v->used_backup_boot = true;
            nt_diag_clear(&v->diag);
            return NT_OK;
        }
    }
    return ntfs_fail(v, NT_ERR_CORRUPT, 0, NT_DIAG_NO_RECORD, first_rule);
}

/* Reads $MFT's record 0 directly, then $MFT:$DATA from it. */
static int load_mft(ntfs_volume *v)
{
    uint32_t rs = v->g.mft_record_size;
    uint8_t *rec = nt_alloc(&v->a, rs, 16);
    uint64_t dev = v->g.mft_lcn << v->g.cluster_shift;
    const char *rule;
    size_t used, off;
    ntfs_attr at;
    ntfs_file *f;
    int rc;

    if (!rec)
        return NT_ERR_NOMEM;
    rc = ntfs_dev_read(v, dev, rec, rs);
    if (rc == NT_OK)
        rc = ntfs_record_check(v, rec, 0, dev, &used);
    if (rc == NT_ERR_CORRUPT) {
        dev = v->g.mftmirr_lcn << v->g.cluster_shift;
        rc = ntfs_dev_read(v, dev, rec, rs);
        if (rc == NT_OK)
            rc = ntfs_record_check(v, rec, 0, dev, &used);
    }
    if (rc)
        goto out;
    off = nt_le16(rec + 0x14);
    while ((rc = ntfs_attr_parse(rec, used, off, &at, &rule)) == NT_OK) {
        if (at.type == NTFS_AT_DATA && at.name_len == 0 && !at.resident && at.lowest_vcn == 0)
            break;
        off += at.length;
    }
    if (rc) {
        rc = ntfs_fail(v, NT_ERR_CORRUPT, dev, 0,
                       rc == NT_END ? "$MFT: record 0 has no non-resident $DATA" : rule);
        goto out;
    }
    rc = ntfs_data_add_extent(v, &v->mft, &at, 0);
    if (rc)
        goto out;
    if (v->mft.cu_size || v->mft.data_size / rs < 16) {
        rc = ntfs_fail(v, NT_ERR_CORRUPT, dev, 0, "$MFT: compressed or fewer than 16 records");
        goto out;
    }
    /* A fragmented $MFT keeps the rest of its runs in extension records,
     * which the first extent must be able to reach. */
    rc = ntfs_open_ref_nolock(v, 0, &f);
    if (rc)
        goto out;
    if (f->alist) {
        ntfs_data full;
        rc = ntfs_data_load(f, NTFS_AT_DATA, 0, 0, &full);
        if (rc == NT_OK) {
            ntfs_data_free(v, &v->mft);
            v->mft = full;
        }
    }
    ntfs_file_free(f);
out:
    nt_free(&v->a, rec, rs, 16);
    return rc;
}

void ntfs_unmount(ntfs_volume *v)
{
    if (!v)
        return;
    ntfs_cache_free(&v->rec_cache, &v->a);
    ntfs_cache_free(&v->idx_cache, &v->a);
    ntfs_cache_free(&v->cu_cache, &v->a);
    nt_free(&v->a, v->cu_in, 65536, 16);
    nt_free(&v->a, v->rec_batch, v->rec_batch_len, 16);
    if (v->upcase)
        nt_free(&v->a, v->upcase, 2 * v->upcase_len, _Alignof(uint16_t));
    ntfs_data_free(v, &v->mft);
    {
        nt_allocator a = v->a;
        NT_DELETE(&a, v, ntfs_volume);
    }
}

int ntfs_mount(const ntfs_config *cfg, ntfs_volume **out, nt_diag *diag)
{
    ntfs_volume *v;
    uint8_t bs[512];
    size_t n;
    int rc;

    *out = 0;
    if (diag)
        nt_diag_clear(diag);
    if (!cfg || !cfg->read || !cfg->allocator.alloc || !cfg->allocator.free ||
        (!cfg->lock) != (!cfg->unlock) || (!cfg->parallel) != (!cfg->parallel_width))
        return NT_ERR_INVALID;
    v = NT_NEW(&cfg->allocator, ntfs_volume);
    if (!v)
        return NT_ERR_NOMEM;
    nt_memset(v, 0, sizeof *v);
    v->cfg = *cfg;
    v->a = cfg->allocator;
    nt_diag_clear(&v->diag);
    nt_list_init(&v->rec_cache.lru);
    nt_list_init(&v->idx_cache.lru);
    nt_list_init(&v->cu_cache.lru);
    v->mirror_records = 4;

    rc = read_boot(v, bs);
    if (rc)
        goto fail;
    if (cfg->volume_size && v->g.total_sectors > cfg->volume_size / v->g.bytes_per_sector) {
        rc = ntfs_fail(v, NT_ERR_CORRUPT, 0x28, NT_DIAG_NO_RECORD,
                       "boot sector: volume larger than the image (truncated?)");
        goto fail;
    }
    n = cfg->mft_cache_records ? cfg->mft_cache_records : DEFAULT_RECORDS;
    rc = ntfs_cache_init(&v->rec_cache, n < 2 ? 2 : n, v->g.mft_record_size, &v->a);
    if (rc)
        goto fail;
    n = cfg->index_cache_blocks ? cfg->index_cache_blocks : DEFAULT_BLOCKS;
    rc = ntfs_cache_init(&v->idx_cache, n < 2 ? 2 : n, v->g.index_block_size, &v->a);
    if (rc)
        goto fail;
    rc = load_mft(v);
    if (rc)
        goto fail;
    rc = ntfs_upcase_load(v);
    if (rc == NT_ERR_NOMEM)
        goto fail;
    /* A damaged $UpCase leaves ASCII-only case folding; the diagnostic
     * stays for the caller to see. */
    *out = v;
    return NT_OK;
fail:
    if (diag)
        *diag = v->diag;
    if (diag && rc != NT_ERR_NOMEM && diag->status == NT_OK)
        diag->status = rc;
    ntfs_unmount(v);
    return rc;
}

const nt_diag *ntfs_diag(const ntfs_volume *v)
{
    return &v->diag;
}

static int count_free(ntfs_volume *v, uint64_t *free_out)
{
    ntfs_file *f;
    ntfs_data d;
    uint8_t *buf;
    uint64_t pos = 0, bits = v->g.total_clusters, zeros = 0;
    int rc;

    rc = ntfs_open_ref_nolock(v, NTFS_REC_BITMAP, &f);
    if (rc)
        return rc;
    rc = ntfs_data_load(f, NTFS_AT_DATA, 0, 0, &d);
    ntfs_file_free(f);
    if (rc)
        return rc;
    buf = nt_alloc(&v->a, 4096, 16);
    if (!buf) {
        ntfs_data_free(v, &d);
        return NT_ERR_NOMEM;
    }
    if (d.data_size * 8 < bits)
        rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, NTFS_REC_BITMAP,
                       "$Bitmap: smaller than the cluster count");
    while (rc == NT_OK && pos * 8 < bits) {
        size_t got, i;
        rc = ntfs_data_read(v, &d, 0, pos, buf, 4096, &got);
        if (rc || got == 0)
            break;
        for (i = 0; i < got && (pos + i) * 8 < bits; i++) {
            uint8_t b = buf[i];
            unsigned nb = (unsigned)((bits - (pos + i) * 8) < 8 ? bits - (pos + i) * 8 : 8);
            if (nb < 8)
                b |= (uint8_t)(0xFFu << nb); /* bits past the last cluster */
            b = (uint8_t)~b;
            while (b) {
                zeros++;
                b &= (uint8_t)(b - 1);
            }
        }
        pos += got;
    }
    nt_free(&v->a, buf, 4096, 16);
    ntfs_data_free(v, &d);
    *free_out = rc ? UINT64_MAX : zeros;
    return rc;
}

int ntfs_volume_get_info(ntfs_volume *v, bool want_free, ntfs_volume_info *info)
{
    ntfs_attr_iter it;
    ntfs_attr at;
    ntfs_file *f;
    int rc;

    nt_memset(info, 0, sizeof *info);
    ntfs_lock(v);
    info->serial = v->g.serial;
    info->bytes_per_sector = v->g.bytes_per_sector;
    info->cluster_size = v->g.cluster_size;
    info->mft_record_size = v->g.mft_record_size;
    info->index_block_size = v->g.index_block_size;
    info->total_sectors = v->g.total_sectors;
    info->total_clusters = v->g.total_clusters;
    info->free_clusters = UINT64_MAX;
    info->mft_lcn = v->g.mft_lcn;
    info->mftmirr_lcn = v->g.mftmirr_lcn;
    info->mft_size = v->mft.data_size;
    info->used_backup_boot = v->used_backup_boot;
    rc = ntfs_open_ref_nolock(v, NTFS_REC_VOLUME, &f);
    if (rc)
        goto out;
    ntfs_attr_iter_init(&it, f);
    while ((rc = ntfs_attr_iter_next(&it, &at)) == NT_OK) {
        if (!at.resident)
            continue;
        if (at.type == NTFS_AT_VOLUME_NAME)
            nt_utf16le_to_utf8(at.value, at.value_len / 2, info->label, sizeof info->label, 0, 0);
        else if (at.type == NTFS_AT_VOLUME_INFORMATION && at.value_len >= 12) {
            info->major = at.value[8];
            info->minor = at.value[9];
            info->flags = nt_le16(at.value + 10);
            info->dirty = info->flags & 1;
        }
    }
    ntfs_file_free(f);
    if (rc == NT_END)
        rc = NT_OK;
    if (rc == NT_OK && want_free)
        rc = count_free(v, &info->free_clusters);
out:
    ntfs_unlock(v);
    return rc;
}
