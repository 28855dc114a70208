/* The base block: the 4096-byte header of a primary hive file. */
#include "internal.h"

/* Field offsets in the base block. */
#define BB_SIGNATURE 0
#define BB_SEQ1 4
#define BB_SEQ2 8
#define BB_TIMESTAMP 12
#define BB_MAJOR 20
#define BB_MINOR 24
#define BB_TYPE 28
#define BB_FORMAT 32
#define BB_ROOT 36
#define BB_HBINS_SIZE 40
#define BB_CLUSTERING 44
#define BB_FILE_NAME 48
#define BB_FILE_NAME_LEN 64
#define BB_FLAGS 144
#define BB_CHECKSUM 508

uint32_t nthive_base_block_checksum(const void *base)
{
    const uint8_t *b = (const uint8_t *)base;
    uint32_t x = 0;
    for (unsigned i = 0; i < 127; i++)
        x ^= nt_le32(b + 4 * i);
    /* Windows keeps 0 and -1 free for "never computed" markers. */
    if (x == 0xFFFFFFFFu)
        x = 0xFFFFFFFEu;
    else if (x == 0)
        x = 1;
    return x;
}

int nthive_open(nthive *h, const void *data, size_t size)
{
    const uint8_t *b = (const uint8_t *)data;
    uint32_t major, minor, declared, avail;

    if (!h)
        return NT_ERR_INVALID;
    nt_memset(h, 0, sizeof *h);
    nt_diag_clear(&h->diag);
    if (!data)
        return nt_diag_set(&h->diag, NT_ERR_INVALID, NT_DIAG_NO_OFFSET, "no hive data given");
    if (size < NTHIVE_BINS_START)
        return nt_diag_set(&h->diag, NT_ERR_CORRUPT, size, "file is shorter than a 4096-byte base block");
    if (nt_memcmp(b, "regf", 4) != 0)
        return nt_diag_set(&h->diag, NT_ERR_CORRUPT, 0, "base block signature is not \"regf\"");
    major = nt_le32(b + BB_MAJOR);
    minor = nt_le32(b + BB_MINOR);
    if (major != 1)
        return nt_diag_set(&h->diag, NT_ERR_UNSUPPORTED, BB_MAJOR,
                           "unsupported hive format major version (only 1 is known)");
    if (minor < 3)
        return nt_diag_set(&h->diag, NT_ERR_UNSUPPORTED, BB_MINOR,
                           "unsupported hive format version 1.0-1.2 (NT 3.x layout)");
    if (minor > 6)
        return nt_diag_set(&h->diag, NT_ERR_UNSUPPORTED, BB_MINOR,
                           "unsupported hive format minor version (newer than 1.6)");
    if (nt_le32(b + BB_TYPE) != 0)
        return nt_diag_set(&h->diag, NT_ERR_UNSUPPORTED, BB_TYPE,
                           "file type is not a primary hive (a transaction log?)");
    if (nt_le32(b + BB_FORMAT) != 1)
        return nt_diag_set(&h->diag, NT_ERR_UNSUPPORTED, BB_FORMAT,
                           "file format is not 1 (direct memory load)");

    h->file = b;
    h->file_size = size;
    h->bins = b + NTHIVE_BINS_START;
    h->minor = minor;
    /* The header's size wins over a longer file (remnant data after it); a
     * shorter file is a truncated hive and is read as far as it goes. */
    declared = nt_le32(b + BB_HBINS_SIZE);
    avail = size - NTHIVE_BINS_START > 0x7FFFF000u ? 0x7FFFF000u : (uint32_t)(size - NTHIVE_BINS_START);
    h->bins_size = declared < avail ? declared : avail;
    hive_scan_bins(h, avail);
    return NT_OK;
}

const nt_diag *nthive_diag(const nthive *h)
{
    return &h->diag;
}

void nthive_get_info(const nthive *h, nthive_info *info)
{
    const uint8_t *b = h->file;
    size_t n = 0;

    nt_memset(info, 0, sizeof *info);
    info->seq_primary = nt_le32(b + BB_SEQ1);
    info->seq_secondary = nt_le32(b + BB_SEQ2);
    info->dirty = info->seq_primary != info->seq_secondary;
    info->timestamp = nt_le64(b + BB_TIMESTAMP);
    info->major = nt_le32(b + BB_MAJOR);
    info->minor = nt_le32(b + BB_MINOR);
    info->file_type = nt_le32(b + BB_TYPE);
    info->file_format = nt_le32(b + BB_FORMAT);
    info->root_offset = nt_le32(b + BB_ROOT);
    info->hbins_size = nt_le32(b + BB_HBINS_SIZE);
    info->usable_size = h->bins_size;
    info->clustering_factor = nt_le32(b + BB_CLUSTERING);
    info->flags = nt_le32(b + BB_FLAGS);
    info->file_name = b + BB_FILE_NAME;
    while (n < BB_FILE_NAME_LEN / 2 && nt_le16(b + BB_FILE_NAME + 2 * n) != 0)
        n++;
    info->file_name_units = n;
    info->checksum_stored = nt_le32(b + BB_CHECKSUM);
    info->checksum_computed = nthive_base_block_checksum(b);
    info->checksum_ok = info->checksum_stored == info->checksum_computed;
    info->bad_bins = h->bad_bins;
    info->first_bad_bin = h->first_bad_bin;
    info->truncated = (uint64_t)h->file_size - NTHIVE_BINS_START < info->hbins_size;
}
