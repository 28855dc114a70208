/* Cells: a signed 32-bit size (negative = allocated) followed by the
 * payload, 8-byte aligned, never crossing the end of its bin. */
#include "internal.h"

int hive_cell(nthive *h, uint32_t off, const uint8_t *field, const char *outside, const uint8_t **payload,
              uint32_t *size)
{
    uint32_t raw, len, bin_start, bin_size;
    int r;

    if (off == NTHIVE_NO_CELL || (uint64_t)off + 8 > h->bins_size)
        return field ? nt_diag_set(&h->diag, NT_ERR_CORRUPT, (uint64_t)(field - h->file), outside)
                     : hive_fail(h, NT_ERR_CORRUPT, off, outside);
    if (off % 8 != 0)
        return hive_fail(h, NT_ERR_CORRUPT, off, "cell offset is not 8-byte aligned");
    r = hive_find_bin(h, off, &bin_start, &bin_size);
    if (r)
        return r;
    if (off - bin_start < HBIN_HEADER)
        return hive_fail(h, NT_ERR_CORRUPT, off, "cell offset points into a hive bin header");
    raw = nt_le32(h->bins + off);
    if (!(raw & 0x80000000u))
        return hive_fail(h, NT_ERR_CORRUPT, off, "cell is free (positive size) but referenced");
    len = 0u - raw;
    if (len < 8 || len % 8 != 0)
        return hive_fail(h, NT_ERR_CORRUPT, off, "cell size is not a multiple of 8");
    if (len > bin_start + bin_size - off)
        return hive_fail(h, NT_ERR_CORRUPT, off, "cell runs past the end of its hive bin");
    *payload = h->bins + off + 4;
    *size = len - 4;
    return NT_OK;
}
