/* Security cells ("sk"): a ring of shared, reference-counted
 * self-relative security descriptors. Only the descriptor is returned; the
 * ring links and counts matter to a writer, not to a reader. */
#include "internal.h"

#define SK_DESC_SIZE 16

int nthive_key_security(const nthive_key *key, const uint8_t **sd, size_t *len)
{
    uint32_t off = nt_le32(key->nk + NK_SECURITY), size, dlen;
    const uint8_t *p;
    int r;

    if (off == NTHIVE_NO_CELL)
        return NT_ERR_NOT_FOUND;
    r = hive_cell(key->hive, off, key->nk + NK_SECURITY, "security offset points outside the hive data", &p,
                  &size);
    if (r)
        return r;
    if (size < SK_MIN || nt_le16(p) != SIG('s', 'k'))
        return hive_fail(key->hive, NT_ERR_CORRUPT, off, "security cell has no \"sk\" record");
    dlen = nt_le32(p + SK_DESC_SIZE);
    if (dlen > size - SK_MIN)
        return hive_fail(key->hive, NT_ERR_CORRUPT, off, "security descriptor runs past the end of its cell");
    *sd = p + SK_MIN;
    *len = dlen;
    return NT_OK;
}
