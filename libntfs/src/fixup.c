/* fixup.c - update sequence arrays ("fixups") of multi-sector records.
 *
 * The last two bytes of every 512-byte stride of a FILE or INDX record are
 * replaced on disk by the update sequence number; the originals sit in the
 * array. A stride whose tail does not hold the number was torn by an
 * interrupted write. The stride is 512 bytes whatever the sector size. */
#include "internal.h"

int ntfs_fixup_apply(uint8_t *rec, size_t size, const char **rule, size_t *where)
{
    uint16_t usa_ofs = nt_le16(rec + 4);
    uint16_t usa_count = nt_le16(rec + 6);
    uint16_t usn;
    size_t i;

    *where = 4;
    if (size < 512 || size % 512) {
        *rule = "record size is not a multiple of 512";
        return NT_ERR_CORRUPT;
    }
    if (usa_ofs & 1 || usa_ofs < 8) {
        *rule = "update sequence array offset is odd or inside the header";
        return NT_ERR_CORRUPT;
    }
    if ((size_t)usa_count != size / 512 + 1) {
        *where = 6;
        *rule = "update sequence array count does not match the record size";
        return NT_ERR_CORRUPT;
    }
    if ((size_t)usa_ofs + 2u * usa_count > 512 - 2) {
        *rule = "update sequence array extends past the first sector";
        return NT_ERR_CORRUPT;
    }
    usn = nt_le16(rec + usa_ofs);
    for (i = 1; i < usa_count; i++) {
        uint8_t *tail = rec + i * 512 - 2;
        if (nt_le16(tail) != usn) {
            *where = i * 512 - 2;
            *rule = "torn write: sector tail does not match the update sequence number";
            return NT_ERR_CORRUPT;
        }
        tail[0] = rec[usa_ofs + 2 * i];
        tail[1] = rec[usa_ofs + 2 * i + 1];
    }
    return NT_OK;
}
