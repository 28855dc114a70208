/* reparse.c - $REPARSE_POINT: symbolic links and junctions (mount points)
 * decoded to UTF-8 targets; other tags are passed on raw. */
#include "internal.h"

#define REPARSE_MAX (16384 + 8)

/* Converts a name inside the path buffer, checking it lies within. */
static int path_name(const uint8_t *pb, size_t pb_len, uint16_t off, uint16_t len, char *out,
                     size_t cap, size_t *out_len)
{
    if (off % 2 || len % 2 || off > pb_len || len > pb_len - off)
        return NT_ERR_CORRUPT;
    nt_utf16le_to_utf8(pb + off, len / 2u, out, cap, out_len, 0);
    if (*out_len >= cap)
        *out_len = cap - 1; /* truncated at a character boundary */
    while (*out_len && out[*out_len - 1] == 0)
        (*out_len)--;       /* junction names carry NUL terminators */
    out[*out_len] = 0;
    return NT_OK;
}

int ntfs_readlink(ntfs_file *f, ntfs_reparse *rp)
{
    ntfs_volume *v = f->vol;
    ntfs_data d;
    uint8_t *buf = 0;
    size_t got = 0, len;
    int rc;

    nt_memset(rp, 0, offsetof(ntfs_reparse, data));
    ntfs_lock(v);
    rc = ntfs_data_load(f, NTFS_AT_REPARSE_POINT, 0, 0, &d);
    if (rc)
        goto out;
    if (d.data_size < 8 || d.data_size > REPARSE_MAX) {
        ntfs_data_free(v, &d);
        rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, f->recno,
                       "$REPARSE_POINT: size outside 8..16392");
        goto out;
    }
    len = (size_t)d.data_size;
    buf = nt_alloc(&v->a, len, 8);
    if (!buf) {
        ntfs_data_free(v, &d);
        rc = NT_ERR_NOMEM;
        goto out;
    }
    rc = ntfs_data_read(v, &d, 0, 0, buf, len, &got);
    ntfs_data_free(v, &d);
    if (rc)
        goto out;
    rp->tag = nt_le32(buf);
    rp->data_len = nt_le16(buf + 4);
    if (rp->data_len > len - 8) {
        rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, f->recno,
                       "$REPARSE_POINT: data length past the attribute");
        goto out;
    }
    nt_memcpy(rp->data, buf + 8, rp->data_len);
    if (rp->tag == NTFS_REPARSE_TAG_SYMLINK || rp->tag == NTFS_REPARSE_TAG_MOUNT_POINT) {
        const uint8_t *p = rp->data;
        size_t hdr = rp->tag == NTFS_REPARSE_TAG_SYMLINK ? 12 : 8;
        if (rp->data_len < hdr) {
            rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, f->recno,
                           "reparse point: link header truncated");
            goto out;
        }
        if (hdr == 12)
            rp->relative = nt_le32(p + 8) & 1;
        if (path_name(p + hdr, rp->data_len - hdr, nt_le16(p), nt_le16(p + 2), rp->substitute,
                      sizeof rp->substitute, &rp->substitute_len) ||
            path_name(p + hdr, rp->data_len - hdr, nt_le16(p + 4), nt_le16(p + 6), rp->target,
                      sizeof rp->target, &rp->target_len)) {
            rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, f->recno,
                           "reparse point: name outside the path buffer");
            goto out;
        }
        if (rp->target_len == 0) {
            /* No print name: the substitute name without the NT prefix. */
            const char *s = rp->substitute;
            size_t n = rp->substitute_len;
            if (n >= 4 && s[0] == '\\' && s[1] == '?' && s[2] == '?' && s[3] == '\\') {
                s += 4;
                n -= 4;
            }
            nt_memcpy(rp->target, s, n);
            rp->target[n] = 0;
            rp->target_len = n;
        }
    }
out:
    if (buf)
        nt_free(&v->a, buf, len, 8);
    ntfs_unlock(v);
    return rc;
}
