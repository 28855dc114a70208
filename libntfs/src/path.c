/* path.c - resolving "/dir/file" (or "\\dir\\file") from the root
 * directory, one $I30 lookup per component. */
#include "internal.h"

/* The parent directory named by the file's first $FILE_NAME. */
static int parent_of(ntfs_file *f, uint64_t *ref)
{
    ntfs_attr_iter it;
    ntfs_attr at;
    int rc;

    ntfs_attr_iter_init(&it, f);
    while ((rc = ntfs_attr_iter_next(&it, &at)) == NT_OK) {
        if (at.type == NTFS_AT_FILE_NAME && at.resident && at.value_len >= 8) {
            *ref = nt_le64(at.value);
            return NT_OK;
        }
    }
    return rc == NT_END ? NT_ERR_NOT_FOUND : rc;
}

int ntfs_open_path(ntfs_volume *v, const char *path, ntfs_file **out)
{
    ntfs_file *cur = 0;
    size_t i = 0, n = 0;
    int rc;

    *out = 0;
    if (!path)
        return NT_ERR_INVALID;
    ntfs_lock(v);
    rc = ntfs_open_ref_nolock(v, NTFS_REC_ROOT, &cur);
    while (rc == NT_OK && path[i]) {
        size_t start, len, units;
        uint8_t name16[2 * 255];
        uint64_t ref = 0;
        ntfs_file *next;

        while (path[i] == '/' || path[i] == '\\')
            i++;
        start = i;
        while (path[i] && path[i] != '/' && path[i] != '\\')
            i++;
        len = i - start;
        if (len == 0)
            break;
        if (++n > NTFS_MAX_PATH_COMPONENTS) {
            rc = NT_ERR_LIMIT;
            break;
        }
        if (len == 1 && path[start] == '.')
            continue;
        if (!(nt_le16(cur->rec + 0x16) & 2)) {
            rc = ntfs_fail(v, NT_ERR_NOT_FOUND, NT_DIAG_NO_OFFSET, cur->recno,
                           "path: a component before the last is not a directory");
            break;
        }
        if (len == 2 && path[start] == '.' && path[start + 1] == '.') {
            if (cur->recno == NTFS_REC_ROOT)
                continue;
            rc = parent_of(cur, &ref);
        } else {
            rc = nt_utf8_to_utf16le(path + start, len, name16, 255, &units);
            if (rc == NT_ERR_RANGE || rc == NT_ERR_INVALID) {
                rc = NT_ERR_INVALID;
                break;
            }
            rc = ntfs_dir_lookup_nolock(cur, name16, units, &ref);
            if (rc == NT_ERR_NOT_FOUND)
                ntfs_fail(v, rc, NT_DIAG_NO_OFFSET, cur->recno, "path: no such name in the directory");
        }
        if (rc)
            break;
        rc = ntfs_open_ref_nolock(v, ref, &next);
        if (rc)
            break;
        ntfs_file_free(cur);
        cur = next;
    }
    if (rc && cur) {
        ntfs_file_free(cur);
        cur = 0;
    }
    *out = cur;
    ntfs_unlock(v);
    return rc;
}
