/* index.c - B+ tree indexes: $INDEX_ROOT (in the record) and INDX blocks of
 * $INDEX_ALLOCATION, walked in collation order for directories ($I30) and
 * searched by key (filenames, or the security ids of $Secure:$SII). */
#include "internal.h"

const uint8_t ntfs_i30_name[8] = {'$', 0, 'I', 0, '3', 0, '0', 0};

#define ROOT_VCN UINT64_MAX

typedef struct index_ctx {
    ntfs_file *f;
    uint8_t *root;             /* copy of the $INDEX_ROOT value */
    size_t root_len;
    ntfs_data alloc;           /* $INDEX_ALLOCATION (alloc.loaded) */
    uint32_t block_size;
    unsigned vcn_shift;
    uint64_t key1;             /* index cache key of this index */
    uint8_t *visited;          /* one bit per block */
    size_t visited_len;
    uint8_t *batch;            /* prefetch buffer of a directory walk */
    size_t batch_len;
} index_ctx;

struct ix_level {
    uint64_t vcn;
    size_t off;                /* next entry, from the node's entry area */
    bool descended;            /* its child subtree was walked */
};

struct ntfs_dir {
    index_ctx ix;
    size_t depth;
    struct ix_level stack[NTFS_MAX_INDEX_DEPTH];
    /* The node of the last call, reused while the index cache has not
     * replaced a buffer since (idx_cache.gen unchanged): most calls then
     * skip the cache lookup and the node header checks. */
    const uint8_t *node_base;
    size_t node_off, node_end;
    uint64_t node_vcn, node_gen;
    size_t leaf_depth;         /* depth of the first leaf seen (0: none yet) */
};

int ntfs_index_entry_parse(const uint8_t *base, size_t end, size_t off, ntfs_index_entry *e,
                           const char **rule)
{
    const uint8_t *p = base + off;
    size_t room;

    if (off > end || end - off < 16) {
        *rule = "index entry: header past the end of the node";
        return NT_ERR_CORRUPT;
    }
    e->entry = p;
    e->ref = nt_le64(p);
    e->data_off = nt_le16(p);
    e->data_len = nt_le16(p + 2);
    e->length = nt_le16(p + 8);
    e->key_len = nt_le16(p + 10);
    e->flags = nt_le16(p + 12);
    if (e->length < 16 || e->length % 8 || e->length > end - off) {
        *rule = "index entry: length too small, unaligned or past the node";
        return NT_ERR_CORRUPT;
    }
    room = e->length - 16u;
    if (e->flags & 1) {
        if (room < 8) {
            *rule = "index entry: no room for the child VCN";
            return NT_ERR_CORRUPT;
        }
        room -= 8;
        e->child_vcn = nt_le64(p + e->length - 8);
    } else {
        e->child_vcn = 0;
    }
    if (!(e->flags & 2) && e->key_len > room) {
        *rule = "index entry: key longer than the entry";
        return NT_ERR_CORRUPT;
    }
    if (e->flags & 2)
        e->key_len = 0;
    e->key = p + 16;
    return NT_OK;
}

static void ix_free(ntfs_volume *v, index_ctx *ix)
{
    nt_free(&v->a, ix->root, ix->root_len, 8);
    nt_free(&v->a, ix->visited, ix->visited_len, 1);
    nt_free(&v->a, ix->batch, ix->batch_len, 8);
    if (ix->alloc.loaded)
        ntfs_data_free(v, &ix->alloc);
    nt_memset(ix, 0, sizeof *ix);
}

static int ix_open(ntfs_file *f, const uint8_t *iname, size_t iname_len, index_ctx *ix)
{
    ntfs_volume *v = f->vol;
    ntfs_data root;
    uint32_t bs;
    int rc;

    nt_memset(ix, 0, sizeof *ix);
    ix->f = f;
    rc = ntfs_data_load(f, NTFS_AT_INDEX_ROOT, iname, iname_len, &root);
    if (rc)
        return rc;
    if (!root.resident || root.value_len < 32) {
        ntfs_data_free(v, &root);
        return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, f->recno,
                         "$INDEX_ROOT: not resident or too short");
    }
    /* Keep the value; the data wrapper goes. */
    ix->root = root.value;
    ix->root_len = root.value_len;
    root.value = 0;
    root.value_len = 0;
    ntfs_data_free(v, &root);
    bs = nt_le32(ix->root + 8);
    {
        /* Cache key: the record and a hash of the index name ($I30, $SII,
         * $SDH, $O... of one record must not share blocks). */
        uint32_t h = 0;
        size_t i;
        for (i = 0; i < 2 * iname_len; i++)
            h = h * 31u + iname[i];
        ix->key1 = (f->recno << 16) ^ (h & 0xFFFFu);
    }
    rc = ntfs_data_load(f, NTFS_AT_INDEX_ALLOCATION, iname, iname_len, &ix->alloc);
    if (rc == NT_ERR_NOT_FOUND)
        return NT_OK; /* a small index lives in the root alone */
    if (rc) {
        ix_free(v, ix);
        return rc;
    }
    if (bs != v->g.index_block_size || ix->alloc.resident || ix->alloc.cu_size) {
        ix_free(v, ix);
        return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, f->recno,
                         "$INDEX_ROOT: block size or $INDEX_ALLOCATION form is wrong");
    }
    ix->block_size = bs;
    ix->vcn_shift = bs >= v->g.cluster_size ? v->g.cluster_shift : 9;
    if (ix->alloc.data_size / bs > (v->g.total_clusters << v->g.cluster_shift) / bs) {
        ix_free(v, ix);
        return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, f->recno,
                         "$INDEX_ALLOCATION: larger than the volume");
    }
    return NT_OK;
}

/* Checks a raw block read at stream offset `pos`: signature, fixups, VCN. */
static int ix_block_check(ntfs_volume *v, index_ctx *ix, uint8_t *buf, uint64_t vcn, uint64_t pos,
                          bool report)
{
    const char *rule;
    size_t where;
    uint64_t rec = ix->f->recno;

    if (nt_memcmp(buf, "INDX", 4))
        return report ? ntfs_fail(v, NT_ERR_CORRUPT, pos, rec, "index block: signature is not INDX")
                      : NT_ERR_CORRUPT;
    if (ntfs_fixup_apply(buf, ix->block_size, &rule, &where))
        return report ? ntfs_fail(v, NT_ERR_CORRUPT, pos + where, rec, rule) : NT_ERR_CORRUPT;
    if (nt_le64(buf + 16) != vcn)
        return report ? ntfs_fail(v, NT_ERR_CORRUPT, pos + 16, rec,
                                  "index block: VCN field does not match its position")
                      : NT_ERR_CORRUPT;
    return NT_OK;
}

/* Caches the checked block at stream offset `pos` (vcn `vcn`) from `b`.
 * Blocks that do not check out are left out: the walk reports them if it
 * ever gets there. Returns whether it cached the block. */
static bool ix_cache_put(ntfs_volume *v, index_ctx *ix, uint8_t *b, uint64_t vcn, uint64_t pos)
{
    ntfs_cache_slot *s;

    if (ix_block_check(v, ix, b, vcn, pos, false))
        return false;
    s = ntfs_cache_victim(&v->idx_cache);
    nt_memcpy(s->buf, b, ix->block_size);
    s->key1 = ix->key1;
    s->key2 = vcn;
    s->valid = true;
    return true;
}

/* Before a directory walk descends from a node into the child of the entry
 * at `off`, it reads that child and the children of the entries after it,
 * up to half the index cache (the other half keeps the path back up). The
 * children of one node are scattered over a small stretch of the disk
 * (splits put new blocks at the end), so they are sorted by position and
 * neighbours (gaps of up to 2 blocks) are read in one call. Only blocks
 * that are asked for get cached; nothing is reported here (the walk's own
 * read of a block that failed reports it). */
#define PREFETCH_MAX 64
#define PREFETCH_GAP 2

static void ix_prefetch_children(ntfs_volume *v, index_ctx *ix, const uint8_t *base, size_t end, size_t off)
{
    uint64_t want[PREFETCH_MAX];
    size_t n = 0, cap = v->idx_cache.count / 2, i, j;
    nt_diag saved = v->diag;

    if (cap > PREFETCH_MAX)
        cap = PREFETCH_MAX;
    if (cap < 2 || !ix->alloc.loaded)
        return;
    /* Only when the next child is missing: the ones after it may still be
     * waiting in the cache from the previous batch. */
    {
        ntfs_index_entry e;
        const char *rule;
        if (ntfs_index_entry_parse(base, end, off, &e, &rule) || !(e.flags & 1) ||
            ntfs_cache_get(&v->idx_cache, ix->key1, e.child_vcn))
            return;
    }
    while (n < cap) {
        ntfs_index_entry e;
        const char *rule;
        uint64_t pos;

        if (ntfs_index_entry_parse(base, end, off, &e, &rule))
            break;
        pos = e.child_vcn << ix->vcn_shift;
        if ((e.flags & 1) && e.child_vcn <= (ix->alloc.data_size >> ix->vcn_shift) &&
            pos + ix->block_size <= ix->alloc.data_size &&
            !ntfs_cache_get(&v->idx_cache, ix->key1, e.child_vcn))
            want[n++] = e.child_vcn;
        if (e.flags & 2)
            break;
        off += e.length;
    }
    if (n < 2)
        return; /* the walk reads a single block itself */
    if (!ix->batch) {
        ix->batch_len = cap * ix->block_size;
        ix->batch = nt_alloc(&v->a, ix->batch_len, 8);
        if (!ix->batch) {
            ix->batch_len = 0;
            return;
        }
    }
    for (i = 1; i < n; i++) /* insertion sort: n is small */
        for (j = i; j > 0 && want[j - 1] > want[j]; j--) {
            uint64_t t = want[j];
            want[j] = want[j - 1];
            want[j - 1] = t;
        }
    for (i = 0; i < n;) {
        uint64_t first = want[i] << ix->vcn_shift, last = first;
        size_t k = i + 1, got;

        while (k < n) {
            uint64_t p = want[k] << ix->vcn_shift;
            if (p == last) { /* the same child twice (damaged node) */
                k++;
                continue;
            }
            if (p - last > (uint64_t)(PREFETCH_GAP + 1) * ix->block_size ||
                p + ix->block_size - first > ix->batch_len)
                break;
            last = p;
            k++;
        }
        if (ntfs_data_read(v, &ix->alloc, 0, first, ix->batch, (size_t)(last - first) + ix->block_size,
                           &got) == NT_OK) {
            for (j = i; j < k; j++) {
                uint64_t p = want[j] << ix->vcn_shift;
                if (p + ix->block_size <= first + got && (j == i || want[j] != want[j - 1]))
                    ix_cache_put(v, ix, ix->batch + (p - first), want[j], p);
            }
        }
        i = k;
    }
    v->diag = saved;
}

/* Entry area of a node: base + [off, end). For blocks, the buffer comes from
 * the index cache and stays valid until the next cache operation. */
static int ix_node(ntfs_volume *v, index_ctx *ix, uint64_t vcn, const uint8_t **base, size_t *off,
                   size_t *end)
{
    const uint8_t *hdr;
    size_t avail;
    uint32_t eoff, elen;
    uint64_t rec = ix->f->recno;

    if (vcn == ROOT_VCN) {
        hdr = ix->root + 16;
        avail = ix->root_len - 16;
    } else {
        ntfs_cache_slot *s;
        uint64_t pos;
        size_t got;
        int rc;

        if (!ix->alloc.loaded)
            return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, rec,
                             "index: child block without $INDEX_ALLOCATION");
        if (vcn > (ix->alloc.data_size >> ix->vcn_shift) ||
            (vcn << ix->vcn_shift) + ix->block_size > ix->alloc.data_size)
            return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, rec,
                             "index: child VCN outside $INDEX_ALLOCATION");
        pos = vcn << ix->vcn_shift;
        s = ntfs_cache_get(&v->idx_cache, ix->key1, vcn);
        if (!s) {
            s = ntfs_cache_victim(&v->idx_cache);
            rc = ntfs_data_read(v, &ix->alloc, 0, pos, s->buf, ix->block_size, &got);
            if (rc)
                return rc;
            rc = ix_block_check(v, ix, s->buf, vcn, pos, true);
            if (rc)
                return rc;
            s->key1 = ix->key1;
            s->key2 = vcn;
            s->valid = true;
        }
        hdr = s->buf + 0x18;
        avail = ix->block_size - 0x18;
    }
    eoff = nt_le32(hdr);
    elen = nt_le32(hdr + 4);
    if (eoff < 16 || eoff > elen || elen > avail)
        return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, rec,
                         "index node: entry area outside the node");
    *base = hdr;
    *off = eoff;
    *end = elen;
    return NT_OK;
}

/* Marks a block visited; a second visit means the tree loops. */
static int ix_visit(ntfs_volume *v, index_ctx *ix, uint64_t vcn)
{
    uint64_t blk = (vcn << ix->vcn_shift) / ix->block_size;

    if (!ix->visited) {
        size_t blocks = (size_t)(ix->alloc.data_size / ix->block_size);
        ix->visited_len = blocks / 8 + 1;
        ix->visited = nt_alloc(&v->a, ix->visited_len, 1);
        if (!ix->visited) {
            ix->visited_len = 0;
            return NT_ERR_NOMEM;
        }
        nt_memset(ix->visited, 0, ix->visited_len);
    }
    if (blk / 8 >= ix->visited_len)
        return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, ix->f->recno,
                         "index: child VCN outside $INDEX_ALLOCATION");
    if (ix->visited[blk / 8] & (1u << (blk % 8)))
        return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, ix->f->recno,
                         "index: a block is referenced twice (loop)");
    ix->visited[blk / 8] |= (uint8_t)(1u << (blk % 8));
    return NT_OK;
}

int ntfs_index_find(ntfs_file *f, const uint8_t *iname, size_t iname_len, ntfs_index_cmp cmp,
                    void *ctx, uint8_t *out, size_t cap, size_t *out_len)
{
    ntfs_volume *v = f->vol;
    uint64_t vcn = ROOT_VCN;
    index_ctx ix;
    size_t depth;
    int rc;

    rc = ix_open(f, iname, iname_len, &ix);
    if (rc)
        return rc;
    rc = NT_ERR_NOT_FOUND;
    for (depth = 0; depth < NTFS_MAX_INDEX_DEPTH; depth++) {
        const uint8_t *base;
        size_t off, end;
        ntfs_index_entry e;
        const char *rule;
        bool descend = false;

        rc = ix_node(v, &ix, vcn, &base, &off, &end);
        if (rc)
            break;
        for (;;) {
            int c;
            rc = ntfs_index_entry_parse(base, end, off, &e, &rule);
            if (rc) {
                rc = ntfs_fail(v, rc, NT_DIAG_NO_OFFSET, f->recno, rule);
                break;
            }
            c = (e.flags & 2) ? -1 : cmp(ctx, &e);
            if (c == 0) {
                size_t n = e.length < cap ? e.length : cap;
                if (out)
                    nt_memcpy(out, e.entry, n);
                if (out_len)
                    *out_len = e.length;
                rc = NT_OK;
                break;
            }
            if (c < 0) {
                if (e.flags & 1) {
                    vcn = e.child_vcn;
                    descend = true;
                    rc = NT_OK;
                } else {
                    rc = NT_ERR_NOT_FOUND;
                }
                break;
            }
            off += e.length;
        }
        if (!descend)
            break;
    }
    if (depth == NTFS_MAX_INDEX_DEPTH)
        rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, f->recno, "index: tree too deep (loop)");
    ix_free(v, &ix);
    return rc;
}

/* ---- directories ---- */

int ntfs_dir_open(ntfs_file *dir, ntfs_dir **out)
{
    ntfs_volume *v = dir->vol;
    ntfs_dir *d;
    int rc;

    *out = 0;
    ntfs_lock(v);
    if (!(nt_le16(dir->rec + 0x16) & 2)) {
        ntfs_unlock(v);
        return ntfs_fail(v, NT_ERR_NOT_FOUND, NT_DIAG_NO_OFFSET, dir->recno, "not a directory");
    }
    d = NT_NEW(&v->a, ntfs_dir);
    if (!d) {
        ntfs_unlock(v);
        return NT_ERR_NOMEM;
    }
    rc = ix_open(dir, ntfs_i30_name, 4, &d->ix);
    if (rc) {
        NT_DELETE(&v->a, d, ntfs_dir);
        ntfs_unlock(v);
        return rc;
    }
    d->node_base = 0;
    d->leaf_depth = 0;
    d->depth = 1;
    d->stack[0].vcn = ROOT_VCN;
    d->stack[0].off = SIZE_MAX; /* first entry, filled on first use */
    d->stack[0].descended = false;
    *out = d;
    ntfs_unlock(v);
    return NT_OK;
}

void ntfs_dir_close(ntfs_dir *d)
{
    ntfs_volume *v;

    if (!d)
        return;
    v = d->ix.f->vol;
    ntfs_lock(v);
    ix_free(v, &d->ix);
    NT_DELETE(&v->a, d, ntfs_dir);
    ntfs_unlock(v);
}

/* Copies the leading ASCII units of a UTF-16LE name as bytes, four units a
 * step; returns how many it copied (units when the name is all ASCII, the
 * common case: then the result equals nt_utf16le_to_utf8's). */
static size_t ascii_name(const uint8_t *s, size_t units, char *dst)
{
    size_t i = 0;

    for (; i + 4 <= units; i += 4) {
        uint64_t w = nt_le64(s + 2 * i);
        if (w & 0xFF80FF80FF80FF80ull)
            break;
        dst[i] = (char)w;
        dst[i + 1] = (char)(w >> 16);
        dst[i + 2] = (char)(w >> 32);
        dst[i + 3] = (char)(w >> 48);
    }
    for (; i < units; i++) {
        if (s[2 * i + 1] || s[2 * i] >= 0x80)
            return i;
        dst[i] = (char)s[2 * i];
    }
    return i;
}

static int fill_dirent(ntfs_volume *v, uint64_t recno, const ntfs_index_entry *e, ntfs_dirent *ent)
{
    const uint8_t *k = e->key;

    if (e->key_len < 0x42 || 0x42u + 2u * k[0x40] > e->key_len)
        return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, recno,
                         "$I30 entry: key is not a $FILE_NAME");
    ent->ref = e->ref;
    ent->parent_ref = nt_le64(k);
    ent->ctime = nt_le64(k + 8);
    ent->mtime = nt_le64(k + 16);
    ent->mft_mtime = nt_le64(k + 24);
    ent->atime = nt_le64(k + 32);
    ent->alloc_size = nt_le64(k + 40);
    ent->size = nt_le64(k + 48);
    ent->flags = nt_le32(k + 56);
    ent->is_dir = (ent->flags & NTFS_FA_DUP_DIRECTORY) != 0;
    /* 0x3C holds the reparse tag for reparse points, the EA size otherwise. */
    ent->reparse_tag = (ent->flags & NTFS_FA_REPARSE) ? nt_le32(k + 60) : 0;
    ent->name_space = k[0x41];
    if (ascii_name(k + 0x42, k[0x40], ent->name) == k[0x40]) {
        ent->name[k[0x40]] = 0;
        ent->name_len = k[0x40];
    } else {
        nt_utf16le_to_utf8(k + 0x42, k[0x40], ent->name, sizeof ent->name, &ent->name_len, 0);
    }
    return NT_OK;
}

int ntfs_dir_next(ntfs_dir *d, ntfs_dirent *ent)
{
    ntfs_volume *v = d->ix.f->vol;
    uint64_t recno = d->ix.f->recno;
    int rc = NT_OK;

    ntfs_lock(v);
    while (d->depth) {
        struct ix_level *top = &d->stack[d->depth - 1];
        const uint8_t *base;
        size_t off, end;
        ntfs_index_entry e;
        const char *rule;

        if (d->node_base && d->node_vcn == top->vcn && d->node_gen == v->idx_cache.gen) {
            base = d->node_base;
            off = d->node_off;
            end = d->node_end;
        } else {
            uint64_t gen = v->idx_cache.gen;
            size_t i;

            rc = ix_node(v, &d->ix, top->vcn, &base, &off, &end);
            if (rc)
                break;
            if (v->idx_cache.gen != gen) {
                /* Blocks came in: make the ancestors most recent again, so
                 * prefetched children never evict the path back up. */
                for (i = d->depth - 1; i-- > 1;)
                    ntfs_cache_get(&v->idx_cache, d->ix.key1, d->stack[i].vcn);
            }
            d->node_base = base;
            d->node_off = off;
            d->node_end = end;
            d->node_vcn = top->vcn;
            d->node_gen = v->idx_cache.gen;
        }
        if (top->off == SIZE_MAX) {
            top->off = off;
            if (!d->leaf_depth && !(base[12] & 1)) /* node header: no children */
                d->leaf_depth = d->depth;
        }
        rc = ntfs_index_entry_parse(base, end, top->off, &e, &rule);
        if (rc) {
            rc = ntfs_fail(v, rc, NT_DIAG_NO_OFFSET, recno, rule);
            break;
        }
        if ((e.flags & 1) && !top->descended) {
            top->descended = true;
            if (d->depth == NTFS_MAX_INDEX_DEPTH) {
                rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, recno,
                               "index: tree too deep (loop)");
                break;
            }
            if (!d->ix.alloc.loaded) {
                rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, recno,
                               "index: child block without $INDEX_ALLOCATION");
                break;
            }
            rc = ix_visit(v, &d->ix, e.child_vcn);
            if (rc) {
                top->descended = false; /* retry after NOMEM */
                break;
            }
            if (d->leaf_depth == d->depth + 1) {
                /* The children are leaves: each is read once, so read them
                 * ahead (interior nodes are few and read one by one). */
                size_t i;
                /* The path back up becomes most recent, so the children
                 * replace older blocks, not it. */
                for (i = 1; i < d->depth; i++)
                    ntfs_cache_get(&v->idx_cache, d->ix.key1, d->stack[i].vcn);
                ix_prefetch_children(v, &d->ix, base, end, top->off);
            }
            d->stack[d->depth].vcn = e.child_vcn;
            d->stack[d->depth].off = SIZE_MAX;
            d->stack[d->depth].descended = false;
            d->depth++;
            continue;
        }
        if (e.flags & 2) {
            d->depth--;
            continue;
        }
        rc = fill_dirent(v, recno, &e, ent);
        if (rc)
            break;
        top->off += e.length;
        top->descended = false;
        if (ent->name_space == NTFS_NS_DOS || NTFS_REF_RECORD(ent->ref) == recno)
            continue; /* 8.3 alias of a listed name; the directory itself (".") */
        ntfs_unlock(v);
        return NT_OK;
    }
    if (rc == NT_OK)
        rc = NT_END;
    ntfs_unlock(v);
    return rc;
}

typedef struct name_key {
    ntfs_volume *v;
    const uint8_t *name;
    size_t units;
    uint64_t candidate;
    bool have_candidate;
} name_key;

static int name_cmp(void *ctx, const ntfs_index_entry *e)
{
    name_key *k = ctx;
    size_t units;
    int c;

    if (e->key_len < 0x42 || 0x42u + 2u * e->key[0x40] > e->key_len)
        return 1; /* unreadable key: step over it */
    units = e->key[0x40];
    c = ntfs_name_cmp(k->v, k->name, k->units, e->key + 0x42, units);
    if (c)
        return c;
    /* Same name up to case (POSIX names may differ only in case): remember
     * the first such entry for a case-insensitive match, and keep looking
     * for the exact one. $I30 collation orders such twins by their UTF-16
     * units, so the exact name lies left of a larger twin (possibly in its
     * child node) and right of a smaller one. */
    if (!k->have_candidate) {
        k->candidate = e->ref;
        k->have_candidate = true;
    }
    if (units != k->units) /* equal upcased names of different lengths: not ordered */
        return 1;
    for (size_t i = 0; i < units; i++) {
        uint16_t a = nt_le16(k->name + 2 * i), b = nt_le16(e->key + 0x42 + 2 * i);
        if (a != b)
            return a < b ? -1 : 1;
    }
    return 0;
}

int ntfs_dir_lookup_nolock(ntfs_file *dir, const uint8_t *name16, size_t units, uint64_t *ref)
{
    name_key k = {dir->vol, name16, units, 0, false};
    uint8_t entry[16];
    int rc;

    if (!(nt_le16(dir->rec + 0x16) & 2))
        return NT_ERR_NOT_FOUND;
    rc = ntfs_index_find(dir, ntfs_i30_name, 4, name_cmp, &k, entry, sizeof entry, 0);
    if (rc == NT_OK) {
        *ref = nt_le64(entry);
        return NT_OK;
    }
    if (rc == NT_ERR_NOT_FOUND && k.have_candidate) {
        *ref = k.candidate;
        return NT_OK;
    }
    return rc;
}

int ntfs_dir_lookup(ntfs_file *dir, const char *name, size_t name_len, uint64_t *ref)
{
    uint8_t name16[2 * 255];
    size_t units;
    int rc;

    rc = nt_utf8_to_utf16le(name, name_len, name16, 255, &units);
    if (rc == NT_ERR_RANGE)
        return NT_ERR_NOT_FOUND;
    if (rc)
        return NT_ERR_INVALID;
    ntfs_lock(dir->vol);
    rc = ntfs_dir_lookup_nolock(dir, name16, units, ref);
    ntfs_unlock(dir->vol);
    return rc;
}
