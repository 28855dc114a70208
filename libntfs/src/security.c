/* security.c - security descriptors: a file's own $SECURITY_DESCRIPTOR
 * (NTFS 1.2) or the shared copy in $Secure:$SDS found through $SII by the
 * security id in $STANDARD_INFORMATION (NTFS 3.x); SID formatting. */
#include "internal.h"

#define SD_MAX (1u << 20)

static const uint8_t sii_name[8] = {'$', 0, 'S', 0, 'I', 0, 'I', 0};
static const uint8_t sds_name[8] = {'$', 0, 'S', 0, 'D', 0, 'S', 0};

static int sii_cmp(void *ctx, const ntfs_index_entry *e)
{
    uint32_t want = *(const uint32_t *)ctx, have;

    if (e->key_len < 4)
        return 1;
    have = nt_le32(e->key);
    return want < have ? -1 : want > have ? 1 : 0;
}

static int copy_out(ntfs_volume *v, ntfs_data *d, uint64_t off, uint64_t len, void *buf, size_t cap,
                    size_t *out_len)
{
    size_t got;
    int rc;

    *out_len = (size_t)len;
    if (len > cap)
        return NT_ERR_RANGE;
    rc = ntfs_data_read(v, d, 0, off, buf, (size_t)len, &got);
    if (rc == NT_OK && got != len)
        rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, d->record,
                       "security descriptor: past the end of its stream");
    return rc;
}

int ntfs_file_security(ntfs_file *f, void *buf, size_t cap, size_t *len)
{
    ntfs_volume *v = f->vol;
    ntfs_attr_iter it;
    ntfs_attr at;
    uint32_t sec_id = 0;
    ntfs_data d;
    ntfs_file *secure = 0;
    uint8_t entry[64];
    size_t elen = 0;
    int rc;

    *len = 0;
    ntfs_lock(v);
    rc = ntfs_data_load(f, NTFS_AT_SECURITY_DESCRIPTOR, 0, 0, &d);
    if (rc == NT_OK) {
        if (d.data_size > SD_MAX)
            rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, f->recno,
                           "$SECURITY_DESCRIPTOR: absurd size");
        else
            rc = copy_out(v, &d, 0, d.data_size, buf, cap, len);
        ntfs_data_free(v, &d);
        goto out;
    }
    if (rc != NT_ERR_NOT_FOUND)
        goto out;
    ntfs_attr_iter_init(&it, f);
    while ((rc = ntfs_attr_iter_next(&it, &at)) == NT_OK)
        if (at.type == NTFS_AT_STANDARD_INFORMATION && at.resident && at.value_len >= 0x38) {
            sec_id = nt_le32(at.value + 0x34);
            break;
        }
    if (rc != NT_OK && rc != NT_END)
        goto out;
    rc = NT_ERR_NOT_FOUND;
    if (!sec_id)
        goto out;
    rc = ntfs_open_ref_nolock(v, NTFS_REC_SECURE, &secure);
    if (rc)
        goto out;
    rc = ntfs_index_find(secure, sii_name, 4, sii_cmp, &sec_id, entry, sizeof entry, &elen);
    if (rc == NT_OK) {
        ntfs_index_entry e;
        const char *rule;
        uint64_t sds_off;
        uint32_t sds_len;
        size_t n = elen < sizeof entry ? elen : sizeof entry;
        uint8_t hdr[20];
        size_t got;

        rc = ntfs_index_entry_parse(entry, n, 0, &e, &rule);
        if (rc == NT_OK && ((size_t)e.data_off + e.data_len > n || e.data_len < 20))
            rc = NT_ERR_CORRUPT, rule = "$SII entry: data outside the entry";
        if (rc) {
            rc = ntfs_fail(v, rc, NT_DIAG_NO_OFFSET, NTFS_REC_SECURE, rule);
            goto out;
        }
        sds_off = nt_le64(entry + e.data_off + 8);
        sds_len = nt_le32(entry + e.data_off + 16);
        rc = ntfs_data_load(secure, NTFS_AT_DATA, sds_name, 4, &d);
        if (rc)
            goto out;
        rc = ntfs_data_read(v, &d, 0, sds_off, hdr, sizeof hdr, &got);
        if (rc == NT_OK && (got != sizeof hdr || nt_le32(hdr + 4) != sec_id || sds_len < 20 ||
                            sds_len > SD_MAX || nt_le32(hdr + 16) != sds_len))
            rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, NTFS_REC_SECURE,
                           "$SDS: entry header does not match $SII");
        if (rc == NT_OK)
            rc = copy_out(v, &d, sds_off + 20, sds_len - 20, buf, cap, len);
        ntfs_data_free(v, &d);
    }
out:
    if (secure)
        ntfs_file_free(secure);
    ntfs_unlock(v);
    return rc;
}

static int put(char *out, size_t cap, size_t *pos, const char *s)
{
    while (*s) {
        if (*pos + 1 >= cap) {
            if (cap)
                out[cap - 1] = 0;
            return NT_ERR_RANGE;
        }
        out[(*pos)++] = *s++;
    }
    out[*pos] = 0;
    return NT_OK;
}

static int put_u64(char *out, size_t cap, size_t *pos, uint64_t x)
{
    char tmp[24];
    size_t n = sizeof tmp - 1;

    tmp[n] = 0;
    do {
        tmp[--n] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    return put(out, cap, pos, tmp + n);
}

int ntfs_sid_to_string(const void *vsid, size_t len, char *out, size_t cap)
{
    const uint8_t *sid = vsid;
    uint64_t auth = 0;
    size_t pos = 0, i, count;
    int rc;

    if (cap)
        out[0] = 0;
    if (len < 8 || sid[0] != 1)
        return NT_ERR_CORRUPT;
    count = sid[1];
    if (count > 15 || 8 + 4 * count > len)
        return NT_ERR_CORRUPT;
    for (i = 0; i < 6; i++)
        auth = (auth << 8) | sid[2 + i];
    rc = put(out, cap, &pos, "S-1-");
    if (rc == NT_OK)
        rc = put_u64(out, cap, &pos, auth);
    for (i = 0; rc == NT_OK && i < count; i++) {
        rc = put(out, cap, &pos, "-");
        if (rc == NT_OK)
            rc = put_u64(out, cap, &pos, nt_le32(sid + 8 + 4 * i));
    }
    return rc;
}

int ntfs_sd_owner_string(const void *vsd, size_t sd_len, char *out, size_t cap)
{
    const uint8_t *sd = vsd;
    uint32_t off;

    if (cap)
        out[0] = 0;
    if (sd_len < 20 || sd[0] != 1)
        return NT_ERR_CORRUPT;
    off = nt_le32(sd + 4);
    if (off == 0)
        return NT_ERR_NOT_FOUND;
    if (off >= sd_len)
        return NT_ERR_CORRUPT;
    return ntfs_sid_to_string(sd + off, sd_len - off, out, cap);
}
