/* mft_record.c - FILE records of the master file table, and the small
 * bounded LRU caches the volume keeps (records, index blocks, compression
 * units). */
#include "internal.h"

uint64_t ntfs_record_pos(const ntfs_volume *v, uint64_t recno, size_t at)
{
    uint64_t off, vcn;
    size_t idx;

    if (!v->g.mft_record_size || recno >= v->mft.data_size / v->g.mft_record_size ||
        at >= v->g.mft_record_size)
        return NT_DIAG_NO_OFFSET;
    off = recno * v->g.mft_record_size + at; /* a record may straddle runs */
    vcn = off >> v->g.cluster_shift;
    idx = ntfs_runs_find(&v->mft.rl, vcn);
    if (idx >= v->mft.rl.count || v->mft.rl.runs[idx].lcn < 0)
        return NT_DIAG_NO_OFFSET;
    return ((uint64_t)v->mft.rl.runs[idx].lcn << v->g.cluster_shift) +
           (off - (v->mft.rl.runs[idx].vcn << v->g.cluster_shift));
}

/* Where record `recno` starts on the volume, or NT_DIAG_NO_OFFSET. */
static uint64_t record_offset(const ntfs_volume *v, uint64_t recno)
{
    return ntfs_record_pos(v, recno, 0);
}

int ntfs_fail(ntfs_volume *v, int status, uint64_t offset, uint64_t record, const char *rule)
{
    /* Without a finer position, a record's failure points at the record. */
    if (offset == NT_DIAG_NO_OFFSET && record != NT_DIAG_NO_RECORD)
        offset = record_offset(v, record);
    nt_diag_set(&v->diag, status, offset, rule);
    v->diag.record = record;
    return status;
}

int ntfs_dev_read(ntfs_volume *v, uint64_t off, void *buf, size_t len)
{
    if (v->cfg.read(v->cfg.ctx, off, buf, len) != 0)
        return ntfs_fail(v, NT_ERR_IO, off, NT_DIAG_NO_RECORD, "read callback failed");
    return NT_OK;
}

int ntfs_cache_init(ntfs_cache *c, size_t count, size_t buf_size, const nt_allocator *a)
{
    size_t i;

    nt_list_init(&c->lru);
    c->count = 0;
    c->gen = 0;
    c->buf_size = buf_size;
    c->cap = count;
    c->slots = nt_alloc_array(a, count, sizeof(ntfs_cache_slot), _Alignof(ntfs_cache_slot));
    if (!c->slots)
        return NT_ERR_NOMEM;
    for (i = 0; i < count; i++) {
        ntfs_cache_slot *s = &c->slots[i];
        s->valid = false;
        s->buf = nt_alloc(a, buf_size, 16);
        if (!s->buf) {
            ntfs_cache_free(c, a);
            return NT_ERR_NOMEM;
        }
        c->count++;
        nt_list_insert_tail(&c->lru, &s->lru);
    }
    return NT_OK;
}

void ntfs_cache_free(ntfs_cache *c, const nt_allocator *a)
{
    size_t i;

    if (!c->slots)
        return;
    for (i = 0; i < c->count; i++)
        nt_free(a, c->slots[i].buf, c->buf_size, 16);
    nt_free(a, c->slots, c->cap * sizeof(ntfs_cache_slot), _Alignof(ntfs_cache_slot));
    c->slots = 0;
    c->count = c->cap = 0;
    nt_list_init(&c->lru);
}

ntfs_cache_slot *ntfs_cache_get(ntfs_cache *c, uint64_t k1, uint64_t k2)
{
    nt_list_entry *e;

    nt_list_for_each(e, &c->lru) {
        ntfs_cache_slot *s = nt_container_of(e, ntfs_cache_slot, lru);
        if (s->valid && s->key1 == k1 && s->key2 == k2) {
            nt_list_remove(e);
            nt_list_insert_head(&c->lru, e);
            return s;
        }
    }
    return 0;
}

ntfs_cache_slot *ntfs_cache_victim(ntfs_cache *c)
{
    nt_list_entry *e = nt_list_remove_tail(&c->lru);
    ntfs_cache_slot *s = nt_container_of(e, ntfs_cache_slot, lru);

    nt_list_insert_head(&c->lru, e);
    s->valid = false;
    c->gen++;
    return s;
}

void ntfs_cache_drop(ntfs_cache *c, uint64_t k1)
{
    size_t i;

    c->gen++;
    for (i = 0; i < c->count; i++)
        if (c->slots[i].key1 == k1)
            c->slots[i].valid = false;
}

static uint64_t at_off(uint64_t base, uint64_t delta)
{
    return base == NT_DIAG_NO_OFFSET ? base : base + delta;
}

int ntfs_record_check(ntfs_volume *v, uint8_t *rec, uint64_t recno, uint64_t dev_off, size_t *used)
{
    size_t size = v->g.mft_record_size, where;
    const char *rule;
    uint16_t aoff;
    uint32_t bytes_used, bytes_alloc;

    if (nt_memcmp(rec, "FILE", 4))
        return ntfs_fail(v, NT_ERR_CORRUPT, dev_off, recno,
                         nt_memcmp(rec, "BAAD", 4) ? "MFT record: signature is not FILE"
                                                   : "MFT record: marked BAAD by chkdsk");
    if (ntfs_fixup_apply(rec, size, &rule, &where))
        return ntfs_fail(v, NT_ERR_CORRUPT, at_off(dev_off, where), recno, rule);
    aoff = nt_le16(rec + 0x14);
    bytes_used = nt_le32(rec + 0x18);
    bytes_alloc = nt_le32(rec + 0x1C);
    if (bytes_alloc != size)
        return ntfs_fail(v, NT_ERR_CORRUPT, at_off(dev_off, 0x1C), recno,
                         "MFT record: allocated size differs from the record size");
    if (bytes_used > size || bytes_used < 0x18 + 8)
        return ntfs_fail(v, NT_ERR_CORRUPT, at_off(dev_off, 0x18), recno,
                         "MFT record: bytes in use outside the record");
    if (aoff < 0x18 || aoff % 8 || (uint32_t)aoff + 4 > bytes_used)
        return ntfs_fail(v, NT_ERR_CORRUPT, at_off(dev_off, 0x14), recno,
                         "MFT record: first attribute offset outside the bytes in use");
    *used = bytes_used;
    return NT_OK;
}

/* Reads a record's raw bytes from $MFT (or $MFTMirr) and checks it. */
static int record_read(ntfs_volume *v, uint64_t recno, uint8_t *buf, size_t *used)
{
    uint64_t size = v->g.mft_record_size, off;
    size_t got;
    int rc;

    if (recno >= v->mft.data_size / size)
        return ntfs_fail(v, NT_ERR_NOT_FOUND, NT_DIAG_NO_OFFSET, recno,
                         "MFT record number past the end of $MFT");
    off = recno * size;
    rc = ntfs_data_read(v, &v->mft, 0, off, buf, size, &got);
    if (rc == NT_OK && got != size)
        rc = ntfs_fail(v, NT_ERR_CORRUPT, off, recno, "MFT record: $MFT data ends inside it");
    if (rc == NT_OK)
        rc = ntfs_record_check(v, buf, recno, record_offset(v, recno), used);
    if (rc == NT_ERR_CORRUPT && recno < v->mirror_records) {
        /* The first records have a copy in $MFTMirr. */
        nt_diag saved = v->diag;
        uint64_t dev = (v->g.mftmirr_lcn << v->g.cluster_shift) + recno * size;
        if (ntfs_dev_read(v, dev, buf, size) == NT_OK &&
            ntfs_record_check(v, buf, recno, dev, used) == NT_OK)
            return NT_OK;
        v->diag = saved;
    }
    return rc;
}

/* Listings with -l, recursive walks and scans load records in ascending,
 * nearly contiguous order (files created together sit together in $MFT).
 * When a miss lands shortly after the previous miss, read `recno` and the
 * records after it in one call, up to half the record cache (the other half
 * keeps directories and extension records; at most 64), and cache those that check
 * out. Isolated misses (lookups) still read one record. Records that fail
 * their checks are not cached: the one-record path reports them (and tries
 * $MFTMirr). It leaves the diagnostics as they were. */
static void record_read_ahead(ntfs_volume *v, uint64_t recno)
{
    uint64_t size = v->g.mft_record_size, total = v->mft.data_size / size, last = v->rec_last_miss;
    size_t n = v->rec_cache.count / 2 < 64 ? v->rec_cache.count / 2 : 64, i, got; /* 64: `cached` */
    nt_diag saved;

    v->rec_last_miss = recno;
    if (recno <= last || recno - last > n || recno >= total)
        return;
    if (n > total - recno)
        n = (size_t)(total - recno);
    if (n < 2)
        return;
    if (!v->rec_batch) {
        v->rec_batch = nt_alloc(&v->a, n * size, 16);
        if (!v->rec_batch)
            return; /* one record per read, as before */
        v->rec_batch_len = n * size;
    }
    if (n * size > v->rec_batch_len)
        n = v->rec_batch_len / size;
    saved = v->diag;
    if (ntfs_data_read(v, &v->mft, 0, recno * size, v->rec_batch, n * size, &got) == NT_OK) {
        uint64_t cached = 0;
        nt_list_entry *e;

        n = got / size;
        /* One pass over the cache for the records it already holds. */
        nt_list_for_each(e, &v->rec_cache.lru) {
            ntfs_cache_slot *s = nt_container_of(e, ntfs_cache_slot, lru);
            if (s->valid && s->key1 >= recno && s->key1 - recno < n)
                cached |= (uint64_t)1 << (s->key1 - recno);
        }
        /* Later records first, so the wanted one ends most recent. */
        for (i = n; i-- > 0;) {
            uint8_t *b = v->rec_batch + i * size;
            size_t used;
            ntfs_cache_slot *s;

            if (cached & ((uint64_t)1 << i))
                continue;
            if (ntfs_record_check(v, b, recno + i, record_offset(v, recno + i), &used) != NT_OK)
                continue;
            s = ntfs_cache_victim(&v->rec_cache);
            nt_memcpy(s->buf, b, size);
            s->key1 = recno + i;
            s->key2 = 0;
            s->valid = true;
        }
    }
    v->diag = saved;
}

int ntfs_record_load(ntfs_volume *v, uint64_t recno, const uint8_t **rec, size_t *used)
{
    ntfs_cache_slot *s = ntfs_cache_get(&v->rec_cache, recno, 0);
    int rc;

    if (!s) {
        record_read_ahead(v, recno);
        s = ntfs_cache_get(&v->rec_cache, recno, 0);
    }
    if (s) {
        *rec = s->buf;
        *used = nt_le32(s->buf + 0x18);
        return NT_OK;
    }
    s = ntfs_cache_victim(&v->rec_cache);
    rc = record_read(v, recno, s->buf, used);
    if (rc)
        return rc;
    s->key1 = recno;
    s->key2 = 0;
    s->valid = true;
    *rec = s->buf;
    return NT_OK;
}
