/* mft_scan.c - MFT records read whatever their in-use flag (deleted files).
 *
 * A record slot is decoded from its own bytes first. When it carries an
 * $ATTRIBUTE_LIST, its extension records are followed too, but for a
 * deleted file only those that are still free and still name it as their
 * base (file.c, deleted_extension_ok): once a file is deleted the records
 * its list names may belong to someone else. */
#include "internal.h"
#include "ntfs_forensic.h"

uint64_t ntfs_mft_record_count(ntfs_volume *v)
{
    return v->mft.data_size / v->g.mft_record_size;
}

/* Loads the slot: NT_ERR_NOT_FOUND when it never held a record. */
static int load_raw(ntfs_volume *v, uint64_t recno, const uint8_t **rec, size_t *used)
{
    uint8_t sig[4];
    size_t got;
    int rc;

    if (recno >= ntfs_mft_record_count(v))
        return NT_ERR_NOT_FOUND;
    /* A cached record has checked out already (a scan's misses read the
     * following records ahead): no peek, no read. */
    if (ntfs_cache_get(&v->rec_cache, recno, 0))
        return ntfs_record_load(v, recno, rec, used);
    /* Peek at the signature first, so empty slots leave no diagnostic. */
    rc = ntfs_data_read(v, &v->mft, 0, recno * v->g.mft_record_size, sig, 4, &got);
    if (rc)
        return rc;
    if (got != 4 || (nt_memcmp(sig, "FILE", 4) && nt_memcmp(sig, "BAAD", 4)))
        return NT_ERR_NOT_FOUND;
    return ntfs_record_load(v, recno, rec, used);
}

static void get_fn(const ntfs_attr *at, ntfs_mft_fn *fn)
{
    const uint8_t *p = at->value;
    size_t units = p[0x40];

    fn->parent_ref = nt_le64(p);
    fn->crtime = nt_le64(p + 0x08);
    fn->mtime = nt_le64(p + 0x10);
    fn->ctime = nt_le64(p + 0x18);
    fn->atime = nt_le64(p + 0x20);
    fn->size = nt_le64(p + 0x30);
    fn->name_space = p[0x41];
    nt_utf16le_to_utf8(p + 0x42, units, fn->name, sizeof fn->name, NULL, NULL);
}

/* Takes what the entry reports from one attribute (first SI, first
 * unnamed $DATA, names up to NTFS_MFT_ENTRY_NAMES). */
static void take_attr(ntfs_mft_entry *e, const ntfs_attr *at)
{
    if (at->type == NTFS_AT_STANDARD_INFORMATION && at->resident && !e->has_si &&
        at->value_len >= 0x24) {
        e->has_si = true;
        e->si_crtime = nt_le64(at->value);
        e->si_mtime = nt_le64(at->value + 8);
        e->si_ctime = nt_le64(at->value + 16);
        e->si_atime = nt_le64(at->value + 24);
        e->file_attributes = nt_le32(at->value + 32);
    } else if (at->type == NTFS_AT_FILE_NAME && at->resident && at->value_len >= 0x42 &&
               (size_t)0x42 + 2 * (size_t)at->value[0x40] <= at->value_len &&
               e->name_count < NTFS_MFT_ENTRY_NAMES) {
        get_fn(at, &e->names[e->name_count++]);
    } else if (at->type == NTFS_AT_DATA && at->name_len == 0 && !e->has_data &&
               (at->resident || at->lowest_vcn == 0)) {
        e->has_data = true;
        e->size = at->resident ? at->value_len : at->data_size;
    }
}

/* Opens base record `recno` in any state, its attribute list loaded; a
 * deleted file's list that no longer reads is dropped (base record only). */
static int open_record_nolock(ntfs_volume *v, uint64_t recno, ntfs_file **out)
{
    const uint8_t *rec;
    size_t used;
    ntfs_file *f;
    int rc;

    *out = NULL;
    rc = load_raw(v, recno, &rec, &used);
    if (rc == NT_OK && NTFS_REF_RECORD(nt_le64(rec + 0x20)) != 0)
        rc = NT_ERR_NOT_FOUND;
    if (rc)
        return rc;
    rc = ntfs_file_new(v, recno, rec, used, &f);
    if (rc)
        return rc;
    rc = ntfs_file_load_alist(f);
    if (rc && f->deleted && rc != NT_ERR_NOMEM) {
        /* The list's clusters may have been reused since. */
        nt_free(&v->a, f->alist, f->alist_len, 8);
        f->alist = NULL;
        f->alist_len = 0;
        rc = NT_OK;
    }
    if (rc) {
        ntfs_file_free(f);
        return rc;
    }
    *out = f;
    return NT_OK;
}

/* Adds what the extension records of `recno` hold (its attribute list). */
static int take_extensions(ntfs_volume *v, uint64_t recno, ntfs_mft_entry *e)
{
    ntfs_attr_iter it;
    ntfs_file *f;
    ntfs_attr at;
    int rc;

    rc = open_record_nolock(v, recno, &f);
    if (rc)
        return rc;
    ntfs_attr_iter_init(&it, f);
    while ((rc = ntfs_attr_iter_next(&it, &at)) == NT_OK)
        if (it.recno != recno)
            take_attr(e, &at);
    ntfs_file_free(f);
    return rc == NT_END ? NT_OK : rc;
}

int ntfs_mft_read_entry(ntfs_volume *v, uint64_t recno, ntfs_mft_entry *e)
{
    const uint8_t *rec;
    size_t used, off;
    unsigned guard;
    uint16_t flags;
    bool has_alist = false;
    int rc;

    nt_memset(e, 0, sizeof *e);
    ntfs_lock(v);
    rc = load_raw(v, recno, &rec, &used);
    if (rc)
        goto out;
    flags = nt_le16(rec + 0x16);
    e->recno = recno;
    e->seq = nt_le16(rec + 0x10);
    e->link_count = nt_le16(rec + 0x12);
    e->in_use = flags & 1;
    e->is_dir = (flags & 2) != 0;
    e->is_base = NTFS_REF_RECORD(nt_le64(rec + 0x20)) == 0;
    off = nt_le16(rec + 0x14);
    /* Each attribute is at least 16 bytes: the walk ends within a record. */
    for (guard = 0; guard < 65536; guard++) {
        ntfs_attr at;
        const char *rule;

        rc = ntfs_attr_parse(rec, used, off, &at, &rule);
        if (rc == NT_END) {
            rc = NT_OK;
            break;
        }
        if (rc) {
            rc = ntfs_fail(v, rc, NT_DIAG_NO_OFFSET, recno, rule);
            break;
        }
        if (at.type == NTFS_AT_ATTRIBUTE_LIST)
            has_alist = true;
        take_attr(e, &at);
        off += at.length;
    }
    /* Rare (fragmented files, many links): only then a second pass through
     * the list. What the base record holds stands if that pass fails. */
    if (rc == NT_OK && has_alist && e->is_base) {
        int xrc = take_extensions(v, recno, e);
        if (xrc == NT_ERR_NOMEM)
            rc = xrc;
    }
out:
    ntfs_unlock(v);
    return rc;
}

int ntfs_mft_open_record(ntfs_volume *v, uint64_t recno, ntfs_file **out)
{
    int rc;

    ntfs_lock(v);
    rc = open_record_nolock(v, recno, out);
    ntfs_unlock(v);
    return rc;
}

int ntfs_clusters_in_use(ntfs_volume *v, uint64_t lcn, uint64_t count, uint64_t *in_use)
{
    ntfs_file *bm = NULL;
    ntfs_data d;
    uint8_t buf[512];
    uint64_t c = lcn, end, n = 0;
    int rc;

    *in_use = 0;
    if (lcn > v->g.total_clusters || count > v->g.total_clusters - lcn)
        return NT_ERR_RANGE;
    end = lcn + count;
    ntfs_lock(v);
    rc = ntfs_open_ref_nolock(v, NTFS_REC_BITMAP, &bm);
    if (rc == NT_OK) {
        nt_memset(&d, 0, sizeof d);
        rc = ntfs_data_load(bm, NTFS_AT_DATA, NULL, 0, &d);
        /* One 512-byte block of bitmap covers 4096 clusters. */
        while (rc == NT_OK && c < end) {
            uint64_t first = c / 8;
            size_t want = sizeof buf, got = 0;

            if ((end - 1) / 8 - first + 1 < want)
                want = (size_t)((end - 1) / 8 - first + 1);
            rc = ntfs_data_read(v, &d, 0, first, buf, want, &got);
            if (rc == NT_OK && got != want)
                rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, NTFS_REC_BITMAP,
                               "$Bitmap: shorter than the volume's clusters");
            for (; rc == NT_OK && c < end && c / 8 < first + want; c++)
                n += (buf[c / 8 - first] >> (c % 8)) & 1;
        }
        ntfs_data_free(v, &d);
        ntfs_file_free(bm);
    }
    ntfs_unlock(v);
    *in_use = n;
    return rc;
}
