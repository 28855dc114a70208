/* quota.c - disk quota entries: $Extend\$Quota's $Q view index maps an
 * owner id (the one in a file's $STANDARD_INFORMATION, NTFS 3.x) to a quota
 * control entry with the bytes that owner uses, its warning threshold and
 * its limit. Volumes where quotas were never enabled still carry the file
 * with only the default entry (owner id 1); owner ids of users start at
 * 0x100. */
#include "internal.h"

static const uint8_t quota_name[12] = {'$', 0, 'Q', 0, 'u', 0, 'o', 0, 't', 0, 'a', 0};
static const uint8_t q_index[4] = {'$', 0, 'Q', 0};

/* Quota control entry, the data of a $Q entry: version, flags, bytes used,
 * change time, threshold, limit, exceeded time, then the owner's SID. */
#define QCE_FIXED 48

/* $Q is collated as unsigned 32-bit integers (COLLATION_NTOFS_ULONG). */
static int owner_cmp(void *ctx, const ntfs_index_entry *e)
{
    uint32_t want = *(const uint32_t *)ctx, have;

    if (e->key_len < 4)
        return 1;
    have = nt_le32(e->key);
    return want < have ? -1 : want > have ? 1 : 0;
}

int ntfs_quota_get(ntfs_volume *v, uint32_t owner_id, ntfs_quota *q)
{
    ntfs_file *extend = 0, *quota = 0;
    uint8_t entry[256];
    size_t elen = 0, n;
    uint64_t ref;
    ntfs_index_entry e;
    const char *rule = 0;
    const uint8_t *d;
    int rc;

    nt_memset(q, 0, sizeof *q);
    ntfs_lock(v);
    rc = ntfs_open_ref_nolock(v, NTFS_REC_EXTEND, &extend);
    if (rc == NT_OK)
        rc = ntfs_dir_lookup_nolock(extend, quota_name, 6, &ref);
    if (rc == NT_OK)
        rc = ntfs_open_ref_nolock(v, ref, &quota);
    if (rc == NT_OK)
        rc = ntfs_index_find(quota, q_index, 2, owner_cmp, &owner_id, entry, sizeof entry, &elen);
    if (rc != NT_OK)
        goto out;
    n = elen < sizeof entry ? elen : sizeof entry;
    rc = ntfs_index_entry_parse(entry, n, 0, &e, &rule);
    if (rc == NT_OK && ((size_t)e.data_off + e.data_len > n || e.data_len < QCE_FIXED))
        rc = NT_ERR_CORRUPT, rule = "$Quota:$Q entry: control entry outside the entry or too short";
    if (rc) {
        rc = ntfs_fail(v, rc, NT_DIAG_NO_OFFSET, NTFS_REF_RECORD(ref), rule);
        goto out;
    }
    d = entry + e.data_off;
    q->owner_id = owner_id;
    q->version = nt_le32(d);
    q->flags = nt_le32(d + 4);
    q->bytes_used = nt_le64(d + 8);
    q->change_time = nt_le64(d + 16);
    q->threshold = nt_le64(d + 24);
    q->limit = nt_le64(d + 32);
    q->exceeded_time = nt_le64(d + 40);
    q->sid_len = e.data_len - QCE_FIXED;
    if (q->sid_len > sizeof q->sid)
        q->sid_len = sizeof q->sid;
    nt_memcpy(q->sid, d + QCE_FIXED, q->sid_len);
out:
    if (quota)
        ntfs_file_free(quota);
    if (extend)
        ntfs_file_free(extend);
    ntfs_unlock(v);
    return rc;
}
