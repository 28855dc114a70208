/* upcase.c - $UpCase: the volume's table for case-insensitive names. */
#include "internal.h"

#define UPCASE_UNITS 65536u

int ntfs_upcase_load(ntfs_volume *v)
{
    ntfs_file *f;
    ntfs_data d;
    size_t got, i;
    uint8_t *raw;
    int rc;

    rc = ntfs_open_ref_nolock(v, NTFS_REC_UPCASE, &f);
    if (rc)
        return rc;
    rc = ntfs_data_load(f, NTFS_AT_DATA, 0, 0, &d);
    if (rc) {
        ntfs_file_free(f);
        return rc;
    }
    if (d.data_size != 2 * UPCASE_UNITS) {
        ntfs_data_free(v, &d);
        ntfs_file_free(f);
        return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, NTFS_REC_UPCASE,
                         "$UpCase is not 65536 entries");
    }
    v->upcase = nt_alloc_array(&v->a, UPCASE_UNITS, sizeof(uint16_t), _Alignof(uint16_t));
    if (!v->upcase) {
        ntfs_data_free(v, &d);
        ntfs_file_free(f);
        return NT_ERR_NOMEM;
    }
    raw = (uint8_t *)v->upcase;
    rc = ntfs_data_read(v, &d, 0, 0, raw, 2 * UPCASE_UNITS, &got);
    ntfs_data_free(v, &d);
    ntfs_file_free(f);
    if (rc) {
        nt_free(&v->a, v->upcase, 2 * UPCASE_UNITS, _Alignof(uint16_t));
        v->upcase = 0;
        return rc;
    }
    /* In place from little-endian bytes to host units. */
    for (i = 0; i < UPCASE_UNITS; i++)
        v->upcase[i] = nt_le16(raw + 2 * i);
    v->upcase_len = UPCASE_UNITS;
    return NT_OK;
}

int ntfs_name_cmp(const ntfs_volume *v, const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    return nt_utf16le_casecmp(a, an, b, bn, v->upcase, v->upcase_len);
}
