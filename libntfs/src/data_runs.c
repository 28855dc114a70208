/* data_runs.c - mapping pairs: the compressed run list of a non-resident
 * attribute. Each pair is a header byte (low nibble: bytes of the length,
 * high nibble: bytes of the signed LCN delta; no delta = sparse run),
 * then the length and the delta, little-endian. */
#include "internal.h"

void ntfs_runlist_free(ntfs_runlist *rl, const nt_allocator *a)
{
    nt_free(a, rl->runs, rl->cap * sizeof(ntfs_run), _Alignof(ntfs_run));
    rl->runs = 0;
    rl->count = rl->cap = 0;
}

static int runlist_push(ntfs_runlist *rl, const nt_allocator *a, size_t floor, uint64_t vcn,
                        int64_t lcn, uint64_t len)
{
    /* Adjacent sparse runs, and contiguous allocated ones, are merged (only
     * runs of this call, so a failure can drop them again). */
    if (rl->count > floor) {
        ntfs_run *last = &rl->runs[rl->count - 1];
        if (last->vcn + last->length == vcn &&
            ((last->lcn < 0 && lcn < 0) ||
             (last->lcn >= 0 && lcn >= 0 && (uint64_t)last->lcn + last->length == (uint64_t)lcn))) {
            last->length += len;
            return NT_OK;
        }
    }
    if (rl->count == rl->cap) {
        size_t ncap = rl->cap ? rl->cap * 2 : 8;
        ntfs_run *n;
        if (ncap > SIZE_MAX / sizeof(ntfs_run))
            return NT_ERR_NOMEM;
        n = nt_realloc(a, rl->runs, rl->cap * sizeof(ntfs_run), ncap * sizeof(ntfs_run),
                       _Alignof(ntfs_run));
        if (!n)
            return NT_ERR_NOMEM;
        rl->runs = n;
        rl->cap = ncap;
    }
    rl->runs[rl->count++] = (ntfs_run){vcn, lcn, len};
    return NT_OK;
}

int ntfs_runs_decode(const uint8_t *p, size_t len, uint64_t vcn, uint64_t highest_vcn,
                     uint64_t total_clusters, ntfs_runlist *rl, const nt_allocator *a,
                     const char **rule, size_t *where)
{
    size_t pos = 0, old_count = rl->count;
    int64_t lcn = 0;
    uint64_t end = highest_vcn + 1; /* an empty attribute stores -1 */
    int rc;

    if (vcn > end) {
        *where = 0;
        *rule = "run list: highest VCN below lowest VCN";
        return NT_ERR_CORRUPT;
    }
    /* Each pair takes at least two bytes, so the loop is bounded by len. */
    while (pos < len && p[pos]) {
        unsigned lsz = p[pos] & 0x0F, osz = p[pos] >> 4;
        uint64_t rlen = 0;
        int64_t delta = 0;
        unsigned i;

        *where = pos;
        if (lsz == 0 || lsz > 8 || osz > 8) {
            *rule = "run list: bad length/offset field sizes";
            goto bad;
        }
        if (pos + 1 + lsz + osz > len) {
            *rule = "run list: pair runs past the attribute";
            goto bad;
        }
        for (i = 0; i < lsz; i++)
            rlen |= (uint64_t)p[pos + 1 + i] << (8 * i);
        if (rlen == 0 || rlen > (1ull << 62)) {
            *rule = "run list: zero or negative run length";
            goto bad;
        }
        if (osz) {
            uint64_t u = 0;
            for (i = 0; i < osz; i++)
                u |= (uint64_t)p[pos + 1 + lsz + i] << (8 * i);
            if (osz < 8 && (u >> (8 * osz - 1)) & 1)
                u |= ~0ull << (8 * osz); /* sign-extend */
            delta = (int64_t)u;
            if ((delta > 0 && lcn > INT64_MAX - delta) || (delta < 0 && lcn < INT64_MIN - delta)) {
                *rule = "run list: LCN overflows";
                goto bad;
            }
            lcn += delta;
            if (lcn < 0 || (uint64_t)lcn >= total_clusters || rlen > total_clusters - (uint64_t)lcn) {
                *rule = "run list: run outside the volume";
                goto bad;
            }
        }
        if (rlen > end - vcn) {
            *rule = "run list: runs extend past the highest VCN";
            goto bad;
        }
        rc = runlist_push(rl, a, old_count, vcn, osz ? lcn : -1, rlen);
        if (rc) {
            rl->count = old_count;
            return rc;
        }
        vcn += rlen;
        pos += 1 + lsz + osz;
    }
    if (vcn != end) {
        *where = pos;
        *rule = "run list: runs end before the highest VCN";
        goto bad;
    }
    return NT_OK;
bad:
    rl->count = old_count;
    return NT_ERR_CORRUPT;
}

size_t ntfs_runs_find(const ntfs_runlist *rl, uint64_t vcn)
{
    size_t lo = 0, hi = rl->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const ntfs_run *r = &rl->runs[mid];
        if (vcn < r->vcn)
            hi = mid;
        else if (vcn - r->vcn >= r->length)
            lo = mid + 1;
        else
            return mid;
    }
    return rl->count;
}
