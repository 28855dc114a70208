/* stream.c - an attribute's data as one byte stream: resident values,
 * run lists assembled from every extent, sparse runs, the initialized
 * size, and LZNT1 compression units. */
#include "internal.h"
#include "wof_stream.h"

#if defined(__has_include)
#if __has_include("lznt1.h")
#include "lznt1.h"
#define NTFS_HAVE_LZNT1 1
#endif
#endif

#define CU_MAX 65536u

void ntfs_data_free(ntfs_volume *v, ntfs_data *d)
{
    nt_free(&v->a, d->value, d->value_len, 8);
    ntfs_runlist_free(&d->rl, &v->a);
    nt_memset(d, 0, sizeof *d);
}

int ntfs_data_add_extent(ntfs_volume *v, ntfs_data *d, const ntfs_attr *at, uint64_t recno)
{
    uint64_t dev = ntfs_record_pos(v, recno, at->off); /* the attribute on the volume */
    const char *rule;
    size_t where;
    int rc;

    if (!d->loaded) {
        d->type = at->type;
        d->flags = at->flags;
        d->resident = at->resident;
        d->record = recno;
        if (at->resident) {
            d->value = nt_alloc(&v->a, at->value_len, 8);
            if (!d->value)
                return NT_ERR_NOMEM;
            d->value_len = at->value_len;
            nt_memcpy(d->value, at->value, at->value_len);
            d->data_size = d->init_size = d->alloc_size = at->value_len;
            d->loaded = true;
            return NT_OK;
        }
        if (at->lowest_vcn != 0)
            return ntfs_fail(v, NT_ERR_CORRUPT, dev, recno,
                             "attribute: first extent does not start at VCN 0");
        d->data_size = at->data_size;
        d->alloc_size = at->alloc_size;
        d->init_size = at->init_size < at->data_size ? at->init_size : at->data_size;
        if (d->data_size > ((uint64_t)1 << 62))
            return ntfs_fail(v, NT_ERR_CORRUPT, dev, recno, "attribute: absurd data size");
        d->cu_size = 0;
        if ((at->flags & 0x00FF) && at->cu_shift) {
            if (at->cu_shift > 16 || ((uint64_t)v->g.cluster_size << at->cu_shift) > CU_MAX)
                return ntfs_fail(v, NT_ERR_UNSUPPORTED, dev, recno,
                                 "attribute: compression unit larger than 64 KiB");
            d->cu_size = v->g.cluster_size << at->cu_shift;
        }
        d->next_vcn = 0;
    } else if (at->resident || d->resident || at->lowest_vcn != d->next_vcn) {
        return ntfs_fail(v, NT_ERR_CORRUPT, dev, recno, "attribute: extents do not continue each other");
    }
    if (at->highest_vcn != UINT64_MAX && at->highest_vcn >= (UINT64_MAX >> (v->g.cluster_shift + 1)))
        return ntfs_fail(v, NT_ERR_CORRUPT, dev, recno, "attribute: absurd highest VCN");
    rc = ntfs_runs_decode(at->runs, at->runs_len, at->lowest_vcn, at->highest_vcn, v->g.total_clusters,
                          &d->rl, &v->a, &rule, &where);
    if (rc == NT_ERR_CORRUPT)
        return ntfs_fail(v, rc, dev, recno, rule);
    if (rc)
        return rc;
    d->next_vcn = at->highest_vcn + 1;
    d->loaded = true;
    return NT_OK;
}

int ntfs_data_load(ntfs_file *f, uint32_t type, const uint8_t *name, size_t name_len, ntfs_data *d)
{
    ntfs_volume *v = f->vol;
    ntfs_attr_iter it;
    ntfs_attr at;
    int rc;

    nt_memset(d, 0, sizeof *d);
    ntfs_attr_iter_init(&it, f);
    while ((rc = ntfs_attr_iter_next(&it, &at)) == NT_OK) {
        if (at.type != type || at.name_len != name_len)
            continue;
        if (name_len && ntfs_name_cmp(v, at.name, at.name_len, name, name_len) != 0)
            continue;
        if (!d->loaded && !at.resident && at.lowest_vcn != 0)
            continue; /* a stray later extent before the first one */
        rc = ntfs_data_add_extent(v, d, &at, it.recno);
        if (rc)
            break;
        if (d->resident)
            break;
    }
    if (rc == NT_END)
        rc = d->loaded ? NT_OK : NT_ERR_NOT_FOUND;
    if (rc == NT_OK && !d->resident && d->data_size > (d->next_vcn << v->g.cluster_shift) &&
        d->init_size > (d->next_vcn << v->g.cluster_shift))
        rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, f->recno,
                       "attribute: run list shorter than the initialized size");
    if (rc)
        ntfs_data_free(v, d);
    return rc;
}

/* Reads a byte range that lies inside the runs, without compression. */
static int read_plain(ntfs_volume *v, ntfs_data *d, uint64_t pos, uint8_t *buf, size_t len)
{
    unsigned cs = v->g.cluster_shift;

    while (len) {
        size_t idx = ntfs_runs_find(&d->rl, pos >> cs);
        const ntfs_run *r;
        uint64_t in_run, avail;
        size_t n;

        if (idx >= d->rl.count)
            return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, d->record,
                             "stream: no data run maps this offset");
        r = &d->rl.runs[idx];
        in_run = pos - (r->vcn << cs);
        avail = (r->length << cs) - in_run;
        n = avail < len ? (size_t)avail : len;
        if (r->lcn < 0) {
            nt_memset(buf, 0, n);
        } else {
            int rc = ntfs_dev_read(v, ((uint64_t)r->lcn << cs) + in_run, buf, n);
            if (rc)
                return rc;
        }
        buf += n;
        pos += n;
        len -= n;
    }
    return NT_OK;
}

/* Decodes compression unit `cu` into a cache slot; *slot receives it. */
static int load_unit(ntfs_volume *v, ntfs_data *d, uint64_t sid, uint64_t cu, const uint8_t **out,
                     bool *plain)
{
    unsigned cs = v->g.cluster_shift;
    uint64_t per = d->cu_size >> cs, vcn = cu * per, alloc = 0, sparse = 0, c;
    ntfs_cache_slot *s;

    /* Count allocated and sparse clusters in the unit. */
    for (c = vcn; c < vcn + per;) {
        size_t idx = ntfs_runs_find(&d->rl, c);
        const ntfs_run *r;
        uint64_t n;
        if (idx >= d->rl.count) {
            /* Units past the run list's end read as zeros (tail of file). */
            sparse += vcn + per - c;
            break;
        }
        r = &d->rl.runs[idx];
        n = r->vcn + r->length - c;
        if (n > vcn + per - c)
            n = vcn + per - c;
        if (r->lcn < 0)
            sparse += n;
        else if (sparse)
            return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, d->record,
                             "compressed stream: allocated clusters after a hole in a unit");
        else
            alloc += n;
        c += n;
    }
    *plain = false;
    if (alloc == per) {
        *plain = true; /* stored uncompressed */
        return NT_OK;
    }
    if (alloc == 0) {
        *out = 0; /* all zeros */
        return NT_OK;
    }
#ifdef NTFS_HAVE_LZNT1
    {
        size_t out_len = 0;
        int rc;
        s = ntfs_cache_get(&v->cu_cache, sid, cu);
        if (s) {
            *out = s->buf;
            return NT_OK;
        }
        if (!v->cu_cache.slots) {
            size_t n = v->cfg.cu_cache_units ? v->cfg.cu_cache_units : 4;
            rc = ntfs_cache_init(&v->cu_cache, n, CU_MAX, &v->a);
            if (rc) {
                ntfs_cache_free(&v->cu_cache, &v->a);
                return rc;
            }
        }
        if (!v->cu_in) {
            v->cu_in = nt_alloc(&v->a, CU_MAX, 16);
            if (!v->cu_in)
                return NT_ERR_NOMEM;
        }
        rc = read_plain(v, d, vcn << cs, v->cu_in, (size_t)(alloc << cs));
        if (rc)
            return rc;
        s = ntfs_cache_victim(&v->cu_cache);
        rc = ntfs_lznt1_decompress_unit(v->cu_in, (size_t)(alloc << cs), s->buf, d->cu_size, &out_len);
        if (rc)
            return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, d->record,
                             "compressed stream: LZNT1 unit does not decode");
        if (out_len < d->cu_size)
            nt_memset(s->buf + out_len, 0, d->cu_size - out_len);
        s->key1 = sid;
        s->key2 = cu;
        s->valid = true;
        *out = s->buf;
        return NT_OK;
    }
#else
    (void)s;
    (void)sid;
    return ntfs_fail(v, NT_ERR_UNSUPPORTED, NT_DIAG_NO_OFFSET, d->record,
                     "compressed stream: no LZNT1 decoder built in");
#endif
}

int ntfs_data_read(ntfs_volume *v, ntfs_data *d, uint64_t sid, uint64_t off, void *vbuf, size_t len,
                   size_t *got)
{
    uint8_t *buf = vbuf;
    uint64_t end;
    int rc;

    *got = 0;
    if (off >= d->data_size)
        return NT_OK;
    if (len > d->data_size - off)
        len = (size_t)(d->data_size - off);
    end = off + len;
    if (d->resident) {
        nt_memcpy(buf, d->value + off, len);
        *got = len;
        return NT_OK;
    }
    /* Bytes past the initialized size are zeros whatever is on disk. */
    if (end > d->init_size) {
        uint64_t z0 = off > d->init_size ? off : d->init_size;
        nt_memset(buf + (z0 - off), 0, (size_t)(end - z0));
        end = z0;
    }
    if (!d->cu_size) {
        rc = read_plain(v, d, off, buf, (size_t)(end - off));
        if (rc)
            return rc;
        *got = len;
        return NT_OK;
    }
    while (off < end) {
        uint64_t cu = off / d->cu_size, in_cu = off % d->cu_size;
        size_t n = (size_t)(d->cu_size - in_cu);
        const uint8_t *unit = 0;
        bool plain;
        if (n > end - off)
            n = (size_t)(end - off);
        rc = load_unit(v, d, sid, cu, &unit, &plain);
        if (rc)
            return rc;
        if (plain)
            rc = read_plain(v, d, off, buf, n);
        else if (unit)
            nt_memcpy(buf, unit + in_cu, n);
        else
            nt_memset(buf, 0, n);
        if (rc)
            return rc;
        buf += n;
        off += n;
    }
    *got = len;
    return NT_OK;
}

/* ---- public stream API ---- */

/* A stream plus its WOF reader (NULL unless the unnamed $DATA of a WOF
 * file): every ntfs_stream is allocated as one of these. */
typedef struct stream_box {
    ntfs_stream s;
    ntfs_wof_reader *wof;
} stream_box;

static stream_box *box_of(ntfs_stream *s)
{
    return nt_container_of(s, stream_box, s);
}

/* The WOF reader of a stream, or NULL. */
static const ntfs_wof_reader *wof_of(const ntfs_stream *s)
{
    return ((const stream_box *)((const char *)s - offsetof(stream_box, s)))->wof;
}

int ntfs_stream_open(ntfs_file *f, uint32_t type, const char *name, ntfs_stream **out)
{
    ntfs_volume *v = f->vol;
    uint8_t name16[2 * 255];
    size_t units = 0, len = 0;
    ntfs_stream *s;
    stream_box *box;
    int rc;

    *out = 0;
    if (name)
        while (name[len])
            len++;
    if (len) {
        rc = nt_utf8_to_utf16le(name, len, name16, 255, &units);
        if (rc)
            return rc == NT_ERR_RANGE ? NT_ERR_NOT_FOUND : NT_ERR_INVALID;
    }
    ntfs_lock(v);
    box = NT_NEW(&v->a, stream_box);
    if (!box) {
        ntfs_unlock(v);
        return NT_ERR_NOMEM;
    }
    s = &box->s;
    box->wof = 0;
    rc = ntfs_data_load(f, type, name16, units, &s->d);
    if (rc == NT_OK && type == NTFS_AT_DATA && units == 0) {
        rc = ntfs_wof_reader_open(f, &s->d, &box->wof);
        if (rc)
            ntfs_data_free(v, &s->d);
    }
    if (rc) {
        NT_DELETE(&v->a, box, stream_box);
        ntfs_unlock(v);
        return rc;
    }
    s->vol = v;
    s->id = ++v->next_stream_id;
    *out = s;
    ntfs_unlock(v);
    return NT_OK;
}

void ntfs_stream_close(ntfs_stream *s)
{
    ntfs_volume *v;

    if (!s)
        return;
    v = s->vol;
    ntfs_lock(v);
    if (v->cu_cache.slots)
        ntfs_cache_drop(&v->cu_cache, s->id);
    ntfs_wof_reader_close(v, box_of(s)->wof);
    ntfs_data_free(v, &s->d);
    NT_DELETE(&v->a, box_of(s), stream_box);
    ntfs_unlock(v);
}

uint64_t ntfs_stream_size(const ntfs_stream *s)
{
    return s->d.data_size;
}

/* The data whose runs describe where the stream is stored: for a WOF
 * file, its WofCompressedData stream (ntfs.h, ntfs_stream_get_info). */
static const ntfs_data *stored_of(const ntfs_stream *s)
{
    const ntfs_wof_reader *w = wof_of(s);
    return w ? ntfs_wof_reader_stored(w) : &s->d;
}

void ntfs_stream_get_info(const ntfs_stream *s, ntfs_stream_info *info)
{
    const ntfs_wof_reader *w = wof_of(s);
    const ntfs_data *d = stored_of(s);

    info->size = s->d.data_size;
    info->alloc_size = d->alloc_size;
    info->init_size = w ? s->d.data_size : s->d.init_size;
    info->resident = d->resident;
    info->compressed = w || (d->flags & 0x00FF) != 0;
    info->sparse = (d->flags & 0x8000) != 0;
    info->encrypted = (d->flags & 0x4000) != 0;
    info->compression_unit = w ? ntfs_wof_reader_chunk_size(w) : d->cu_size;
    info->run_count = d->rl.count;
    info->wof = w != 0;
    info->wof_algorithm = w ? ntfs_wof_reader_algorithm(w) : 0;
}

int ntfs_stream_get_run(const ntfs_stream *s, size_t index, ntfs_run *run)
{
    const ntfs_data *d = stored_of(s);

    if (index >= d->rl.count)
        return NT_END;
    *run = d->rl.runs[index];
    return NT_OK;
}

int ntfs_stream_read(ntfs_stream *s, uint64_t offset, void *buf, size_t len, size_t *got)
{
    int rc;

    ntfs_lock(s->vol);
    if (box_of(s)->wof)
        rc = ntfs_wof_reader_read(s->vol, box_of(s)->wof, s->id, offset, buf, len, got);
    else
        rc = ntfs_data_read(s->vol, &s->d, s->id, offset, buf, len, got);
    ntfs_unlock(s->vol);
    return rc;
}
