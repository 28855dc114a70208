/* attribute_list.c - $ATTRIBUTE_LIST: where each attribute of a file that
 * outgrew its base record lives (type, name, lowest VCN, record, id). */
#include "internal.h"

int ntfs_alist_entry_parse(const uint8_t *list, size_t len, size_t off, ntfs_alist_entry *e,
                           const char **rule)
{
    const uint8_t *p = list + off;
    uint8_t name_off;

    if (off > len || len - off < 0x1A) {
        *rule = "attribute list: entry header past the end of the list";
        return NT_ERR_CORRUPT;
    }
    e->type = nt_le32(p);
    e->length = nt_le16(p + 4);
    e->name_len = p[6];
    name_off = p[7];
    e->lowest_vcn = nt_le64(p + 8);
    e->ref = nt_le64(p + 16);
    e->id = nt_le16(p + 24);
    if (e->length < 0x1A || e->length > len - off) {
        *rule = "attribute list: entry length too small or past the end";
        return NT_ERR_CORRUPT;
    }
    if (e->name_len && ((size_t)name_off + 2u * e->name_len > e->length || name_off < 0x1A)) {
        *rule = "attribute list: entry name outside the entry";
        return NT_ERR_CORRUPT;
    }
    e->name = p + name_off;
    return NT_OK;
}
