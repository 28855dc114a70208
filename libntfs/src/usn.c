/* usn.c - change journal records ($Extend\$UsnJrnl:$J), versions 2-4.
 *
 * Every record starts with RecordLength u32, MajorVersion u16, MinorVersion
 * u16. v2 has 64-bit file references, v3 128-bit ones (FILE_ID_128) with
 * the same fields after them; v4 (range tracking) has no time and no name
 * but a list of 16-byte extents. */
#include "internal.h"
#include "ntfs_forensic.h"

static int usn_bad(nt_diag *d, int st, size_t where, const char *rule)
{
    if (d) {
        d->status = st;
        d->offset = where;
        d->record = NT_DIAG_NO_RECORD;
        d->rule = rule;
    }
    return st;
}

int ntfs_usn_record_parse(const void *vbuf, size_t len, ntfs_usn_record *r, nt_diag *d)
{
    const uint8_t *p = vbuf;
    size_t hdr, base;
    uint32_t rl;

    if (!p || !r)
        return NT_ERR_INVALID;
    nt_memset(r, 0, sizeof *r);
    if (d)
        nt_diag_clear(d);
    if (len < 8)
        return usn_bad(d, NT_ERR_CORRUPT, 0, "USN record: shorter than its 8-byte header");
    rl = nt_le32(p);
    r->length = rl;
    r->major = nt_le16(p + 4);
    r->minor = nt_le16(p + 6);
    if (r->major == 2)
        hdr = 60;
    else if (r->major == 3)
        hdr = 76;
    else if (r->major == 4)
        hdr = 64;
    else
        return usn_bad(d, NT_ERR_UNSUPPORTED, 4, "USN record: major version is not 2, 3 or 4");
    if (rl % 8 || rl < hdr)
        return usn_bad(d, NT_ERR_CORRUPT, 0, "USN record: length not a multiple of 8 or below the header");
    if (rl > len)
        return usn_bad(d, NT_ERR_CORRUPT, 0, "USN record: length past the end of the data");
    if (r->major == 2) {
        r->file_ref = nt_le64(p + 8);
        r->parent_ref = nt_le64(p + 16);
        base = 24;
    } else {
        r->file_ref = nt_le64(p + 8);
        r->file_ref_hi = nt_le64(p + 16);
        r->parent_ref = nt_le64(p + 24);
        r->parent_ref_hi = nt_le64(p + 32);
        base = 40;
    }
    r->usn = (int64_t)nt_le64(p + base);
    if (r->major == 4) {
        uint16_t n = nt_le16(p + 60), esz = nt_le16(p + 62);
        r->reason = nt_le32(p + 48);
        r->source_info = nt_le32(p + 52);
        r->extents = n;
        if (n && (esz < 16 || (size_t)n * esz > rl - 64))
            return usn_bad(d, NT_ERR_CORRUPT, 60, "USN record v4: extents past the record");
        return NT_OK;
    }
    r->timestamp = nt_le64(p + base + 8);
    r->reason = nt_le32(p + base + 16);
    r->source_info = nt_le32(p + base + 20);
    r->security_id = nt_le32(p + base + 24);
    r->file_attributes = nt_le32(p + base + 28);
    {
        size_t nlen = nt_le16(p + base + 32), noff = nt_le16(p + base + 34);
        if (nlen % 2 || noff < hdr || noff > rl || nlen > rl - noff)
            return usn_bad(d, NT_ERR_CORRUPT, base + 32, "USN record: file name outside the record");
        r->name = p + noff;
        r->name_units = nlen / 2;
    }
    return NT_OK;
}

static const struct {
    uint32_t bit;
    const char *name;
} usn_reasons[] = {
    {0x00000001u, "DATA_OVERWRITE"},
    {0x00000002u, "DATA_EXTEND"},
    {0x00000004u, "DATA_TRUNCATION"},
    {0x00000010u, "NAMED_DATA_OVERWRITE"},
    {0x00000020u, "NAMED_DATA_EXTEND"},
    {0x00000040u, "NAMED_DATA_TRUNCATION"},
    {0x00000100u, "FILE_CREATE"},
    {0x00000200u, "FILE_DELETE"},
    {0x00000400u, "EA_CHANGE"},
    {0x00000800u, "SECURITY_CHANGE"},
    {0x00001000u, "RENAME_OLD_NAME"},
    {0x00002000u, "RENAME_NEW_NAME"},
    {0x00004000u, "INDEXABLE_CHANGE"},
    {0x00008000u, "BASIC_INFO_CHANGE"},
    {0x00010000u, "HARD_LINK_CHANGE"},
    {0x00020000u, "COMPRESSION_CHANGE"},
    {0x00040000u, "ENCRYPTION_CHANGE"},
    {0x00080000u, "OBJECT_ID_CHANGE"},
    {0x00100000u, "REPARSE_POINT_CHANGE"},
    {0x00200000u, "STREAM_CHANGE"},
    {0x00400000u, "TRANSACTED_CHANGE"},
    {0x00800000u, "INTEGRITY_CHANGE"},
    {0x01000000u, "DESIRED_STORAGE_CLASS_CHANGE"},
    {0x80000000u, "CLOSE"},
};

const char *ntfs_usn_reason_name(uint32_t bit)
{
    size_t i;

    for (i = 0; i < sizeof usn_reasons / sizeof usn_reasons[0]; i++)
        if (usn_reasons[i].bit == bit)
            return usn_reasons[i].name;
    return NULL;
}

static int rs_put(char *out, size_t cap, size_t *pos, const char *s)
{
    for (; *s; s++) {
        if (*pos + 1 >= cap) {
            if (cap)
                out[cap - 1] = 0;
            return NT_ERR_RANGE;
        }
        out[(*pos)++] = *s;
    }
    out[*pos] = 0;
    return NT_OK;
}

int ntfs_usn_reasons_string(uint32_t reason, char *out, size_t cap)
{
    size_t pos = 0;
    unsigned b;
    int rc = NT_OK;

    if (cap)
        out[0] = 0;
    else
        return NT_ERR_RANGE;
    for (b = 0; b < 32 && rc == NT_OK; b++) {
        uint32_t bit = (uint32_t)1 << b;
        const char *n;
        char hex[11];
        unsigned k;

        if (!(reason & bit))
            continue;
        if (pos)
            rc = rs_put(out, cap, &pos, "|");
        n = ntfs_usn_reason_name(bit);
        if (!n) {
            hex[0] = '0';
            hex[1] = 'x';
            for (k = 0; k < 8; k++)
                hex[2 + k] = "0123456789abcdef"[(bit >> (28 - 4 * k)) & 15];
            hex[10] = 0;
            n = hex;
        }
        if (rc == NT_OK)
            rc = rs_put(out, cap, &pos, n);
    }
    return rc;
}
