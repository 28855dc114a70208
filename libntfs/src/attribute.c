/* attribute.c - attribute records inside an MFT record: the common header,
 * then either a resident value or a non-resident run list. */
#include "internal.h"

int ntfs_attr_parse(const uint8_t *rec, size_t used, size_t off, ntfs_attr *at, const char **rule)
{
    const uint8_t *h;
    uint32_t len;
    uint16_t name_off;

    if (off > used || used - off < 4) {
        *rule = "attribute: walk runs past the bytes in use without an end marker";
        return NT_ERR_CORRUPT;
    }
    h = rec + off;
    at->hdr = h;
    at->off = off;
    at->type = nt_le32(h);
    if (at->type == NTFS_AT_END)
        return NT_END;
    if (used - off < 16) {
        *rule = "attribute: header runs past the bytes in use";
        return NT_ERR_CORRUPT;
    }
    len = nt_le32(h + 4);
    if (len < 16 || len % 8 || len > used - off) {
        *rule = "attribute: length is too small, unaligned or past the record";
        return NT_ERR_CORRUPT;
    }
    at->length = len;
    at->resident = h[8] == 0;
    at->name_len = h[9];
    name_off = nt_le16(h + 10);
    at->flags = nt_le16(h + 12);
    at->id = nt_le16(h + 14);
    if (at->name_len && ((size_t)name_off + 2u * at->name_len > len || name_off < 16)) {
        *rule = "attribute: name outside the attribute";
        return NT_ERR_CORRUPT;
    }
    at->name = h + name_off;
    if (at->resident) {
        uint16_t voff;
        if (len < 24) {
            *rule = "attribute: resident header too short";
            return NT_ERR_CORRUPT;
        }
        at->value_len = nt_le32(h + 16);
        voff = nt_le16(h + 20);
        if (voff > len || at->value_len > len - voff) {
            *rule = "attribute: resident value outside the attribute";
            return NT_ERR_CORRUPT;
        }
        at->value = h + voff;
        at->lowest_vcn = at->highest_vcn = 0;
        at->runs = 0;
        at->runs_len = 0;
        at->cu_shift = 0;
        at->alloc_size = at->data_size = at->init_size = at->value_len;
    } else {
        uint16_t roff;
        if (len < 64) {
            *rule = "attribute: non-resident header too short";
            return NT_ERR_CORRUPT;
        }
        at->lowest_vcn = nt_le64(h + 16);
        at->highest_vcn = nt_le64(h + 24);
        roff = nt_le16(h + 32);
        at->cu_shift = h[34];
        at->alloc_size = nt_le64(h + 40);
        at->data_size = nt_le64(h + 48);
        at->init_size = nt_le64(h + 56);
        if (roff < 64 || roff > len) {
            *rule = "attribute: run list offset outside the attribute";
            return NT_ERR_CORRUPT;
        }
        at->runs = h + roff;
        at->runs_len = len - roff;
        at->value = 0;
        at->value_len = 0;
    }
    return NT_OK;
}
