/* wof_stream.c - the unnamed $DATA of a WOF ("Compact OS") file, read
 * through its WofCompressedData stream: chunk table entries come through
 * a small window, chunks are decompressed into the caller's buffer when
 * the read covers them whole, else into a few cached chunk buffers.
 *
 * A read covering several whole chunks batches them: their stored bytes
 * are contiguous in the stream, so one read fetches up to BATCH_BYTES of
 * output's worth into a staging buffer, and the batch is decoded in
 * groups of consecutive chunks, each with its own workspace, through the
 * config's parallel hook when there is one (the chunks are independent). */
#include "wof_stream.h"

#include "wof.h"

/* Bytes of chunk table read at a time (a multiple of 8). */
#define TABLE_WINDOW 4096u
/* Uncompressed bytes one batch covers at most (a multiple of every chunk
 * size): bounds the staging buffer, which holds the batch's stored bytes
 * and a chunk never stores more than it decodes to. */
#define BATCH_BYTES ((size_t)1 << 20)
/* Decoding groups (jobs) of one batch: JOBS_PER_WIDTH per unit of the
 * config's parallel_width, MAX_GROUPS at most. */
#define JOBS_PER_WIDTH 4u
#define MAX_GROUPS 16u
/* No failed chunk in a group. */
#define NO_FAILURE ((size_t)-1)
/* A WOF reparse value: tag, length, reserved, then 16 bytes that matter. */
#define WOF_REPARSE_MAX 64u

typedef struct wof_slot {
    uint64_t chunk;
    uint64_t used; /* tick of the last use; 0 = empty */
    uint8_t *buf;
} wof_slot;

struct ntfs_wof_reader {
    ntfs_data wcd;       /* the WofCompressedData stream */
    ntfs_wof_stream geo; /* chunk geometry */
    uint64_t record;     /* base record, for diagnostics */
    uint8_t *in;         /* one chunk's stored bytes */
    uint8_t *in2;        /* the second chunk's of a pair (NULL until used) */
    void *pair_ws;       /* pair decoder scratch (NULL until used) */
    size_t pair_ws_size; /* its size; 0 = no pair decoder */
    bool pair_nomem;     /* the pair buffers could not be had: decode singly */
    void *workspace;     /* LZX scratch, NULL for XPRESS */
    size_t workspace_size;
    uint8_t *table;     /* TABLE_WINDOW bytes of chunk table */
    uint64_t table_off; /* stream offset of table[0] */
    size_t table_len;   /* valid bytes in table (0 = empty) */
    uint64_t tick;
    wof_slot slots[NTFS_WOF_CACHE_CHUNKS];
    /* Batches, allocated on first use and kept until close. Memory: a
     * staging buffer of min(n_chunks, BATCH_BYTES / chunk_size) chunks
     * (<= 1 MiB), as many chunk descriptors (<= 256 * 40 bytes), and per
     * decoding group beyond the first a 14 KiB LZX workspace (LZX) or per
     * group the ~10 KiB XPRESS pair workspace, for at most MAX_GROUPS
     * groups (JOBS_PER_WIDTH * parallel_width, capped; 1 group without
     * the hook): under 1.3 MiB in all. When staging cannot be had, reads
     * take the chunk-at-a-time path, which needs none of it; when group
     * workspaces cannot, fewer groups are made. */
    uint8_t *stage;
    ntfs_wof_chunk *bchunks;
    size_t batch_max;             /* chunks per batch; 0 = not allocated yet */
    bool batch_nomem;             /* staging could not be had: no batches */
    uint64_t no_batch_end;        /* chunks below this one are read one at a time */
    unsigned groups;              /* group workspaces ready */
    bool groups_nomem;            /* no more group workspaces can be had */
    void *group_ws[MAX_GROUPS];   /* LZX workspaces ([0] is `workspace`) */
    void *group_pair[MAX_GROUPS]; /* XPRESS pair workspaces (may be NULL) */
};

/* Copies a wof.c diagnostic into the volume's, with the file's record. */
static int wof_fail(ntfs_volume *v, ntfs_wof_reader *r, int rc, const nt_diag *d)
{
    if (rc == NT_ERR_CORRUPT && d->rule)
        return ntfs_fail(v, rc, d->offset, r->record, d->rule);
    return rc;
}

/* Reads the reparse point's WOF header. NT_OK with *is_wof set when it is
 * a usable file-provider header. */
static int read_wof_reparse(ntfs_file *f, ntfs_wof_info *info, bool *is_wof)
{
    ntfs_volume *v = f->vol;
    uint8_t buf[WOF_REPARSE_MAX];
    ntfs_data d;
    size_t got = 0, len;
    int rc;

    *is_wof = false;
    rc = ntfs_data_load(f, NTFS_AT_REPARSE_POINT, 0, 0, &d);
    if (rc == NT_ERR_NOT_FOUND)
        return NT_OK;
    if (rc)
        return rc;
    len = d.data_size < sizeof buf ? (size_t)d.data_size : sizeof buf;
    rc = ntfs_data_read(v, &d, 0, 0, buf, len, &got);
    ntfs_data_free(v, &d);
    if (rc)
        return rc;
    if (got < 8 || nt_le32(buf) != NTFS_WOF_REPARSE_TAG)
        return NT_OK;
    /* A damaged or foreign header (WIM provider, other versions) is not
     * ours to decode: the stream then reads as stored. */
    if (ntfs_wof_parse_reparse(buf, got, info, 0) == NT_OK)
        *is_wof = true;
    return NT_OK;
}

const ntfs_data *ntfs_wof_reader_stored(const ntfs_wof_reader *r)
{
    return &r->wcd;
}

uint32_t ntfs_wof_reader_algorithm(const ntfs_wof_reader *r)
{
    return r->geo.algorithm;
}

uint32_t ntfs_wof_reader_chunk_size(const ntfs_wof_reader *r)
{
    return r->geo.chunk_size;
}

void ntfs_wof_reader_close(ntfs_volume *v, ntfs_wof_reader *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; i < NTFS_WOF_CACHE_CHUNKS; i++)
        nt_free(&v->a, r->slots[i].buf, r->geo.chunk_size, 16);
    nt_free(&v->a, r->table, TABLE_WINDOW, 8);
    nt_free(&v->a, r->workspace, r->workspace_size, 16);
    nt_free(&v->a, r->in, r->geo.chunk_size, 16);
    nt_free(&v->a, r->in2, r->geo.chunk_size, 16);
    nt_free(&v->a, r->pair_ws, r->pair_ws_size, 16);
    nt_free(&v->a, r->stage, r->batch_max * r->geo.chunk_size, 16);
    nt_free(&v->a, r->bchunks, r->batch_max * sizeof *r->bchunks, _Alignof(ntfs_wof_chunk));
    for (i = 0; i < r->groups; i++) {
        if (i > 0)
            nt_free(&v->a, r->group_ws[i], r->workspace_size, 16);
        nt_free(&v->a, r->group_pair[i], r->pair_ws_size, 16);
    }
    ntfs_data_free(v, &r->wcd);
    NT_DELETE(&v->a, r, ntfs_wof_reader);
}

int ntfs_wof_reader_open(ntfs_file *f, const ntfs_data *unnamed, ntfs_wof_reader **out)
{
    static const char wcd_name[] = NTFS_WOF_STREAM_NAME;
    ntfs_volume *v = f->vol;
    uint8_t name16[2 * (sizeof wcd_name - 1)];
    ntfs_wof_reader *r;
    ntfs_wof_info info;
    nt_diag diag;
    bool is_wof;
    size_t i;
    int rc;

    *out = 0;
    rc = read_wof_reparse(f, &info, &is_wof);
    if (rc || !is_wof)
        return rc;
    for (i = 0; i + 1 < sizeof wcd_name; i++)
        nt_put_le16(name16 + 2 * i, (uint16_t)wcd_name[i]);
    r = NT_NEW(&v->a, ntfs_wof_reader);
    if (!r)
        return NT_ERR_NOMEM;
    nt_memset(r, 0, sizeof *r);
    r->record = f->recno;
    rc = ntfs_data_load(f, NTFS_AT_DATA, name16, sizeof wcd_name - 1, &r->wcd);
    if (rc) {
        NT_DELETE(&v->a, r, ntfs_wof_reader);
        return rc == NT_ERR_NOT_FOUND ? NT_OK : rc;
    }
    nt_diag_clear(&diag);
    rc = ntfs_wof_stream_init(&r->geo, &info, unnamed->data_size, r->wcd.data_size, &diag);
    if (rc) {
        rc = wof_fail(v, r, rc, &diag);
        r->geo.chunk_size = 0; /* nothing allocated with it yet */
        ntfs_wof_reader_close(v, r);
        return rc;
    }
    r->workspace_size = ntfs_wof_workspace_size(info.algorithm);
    r->pair_ws_size = ntfs_wof_pair_workspace_size(info.algorithm);
    r->in = nt_alloc(&v->a, r->geo.chunk_size, 16);
    r->table = nt_alloc(&v->a, TABLE_WINDOW, 8);
    if (r->workspace_size)
        r->workspace = nt_alloc(&v->a, r->workspace_size, 16);
    if (!r->in || !r->table || (r->workspace_size && !r->workspace)) {
        ntfs_wof_reader_close(v, r);
        return NT_ERR_NOMEM;
    }
    *out = r;
    return NT_OK;
}

/* Reads stream bytes [off, off + len) of WofCompressedData. */
static int wcd_read(ntfs_volume *v, ntfs_wof_reader *r, uint64_t sid, uint64_t off, uint8_t *buf, size_t len)
{
    size_t got = 0;
    int rc = ntfs_data_read(v, &r->wcd, sid, off, buf, len, &got);

    if (rc)
        return rc;
    if (got != len) /* stream_init and locate_chunk keep reads inside */
        return ntfs_fail(v, NT_ERR_CORRUPT, off, r->record, "WofCompressedData: short read");
    return NT_OK;
}

/* Locates chunk `index`, reading its table entries through the window;
 * a corrupt table is described in *diag, not reported. */
static int locate_diag(ntfs_volume *v, ntfs_wof_reader *r, uint64_t sid, uint64_t index, ntfs_wof_chunk *c,
                       nt_diag *diag)
{
    uint64_t toff;
    size_t need;
    int rc;

    nt_diag_clear(diag);
    rc = ntfs_wof_chunk_entries(&r->geo, index, &toff, &need);
    if (rc)
        return rc;
    if (need && (toff < r->table_off || toff + need > r->table_off + r->table_len)) {
        uint64_t left = r->geo.table_size - toff;
        size_t n = left < TABLE_WINDOW ? (size_t)left : TABLE_WINDOW;
        r->table_len = 0;
        rc = wcd_read(v, r, sid, toff, r->table, n);
        if (rc)
            return rc;
        r->table_off = toff;
        r->table_len = n;
    }
    return ntfs_wof_locate_chunk(&r->geo, index, need ? r->table + (toff - r->table_off) : 0, need, c, diag);
}

/* locate_diag, reporting a corrupt table on the volume. */
static int locate(ntfs_volume *v, ntfs_wof_reader *r, uint64_t sid, uint64_t index, ntfs_wof_chunk *c)
{
    nt_diag diag;
    int rc = locate_diag(v, r, sid, index, c, &diag);

    return wof_fail(v, r, rc, &diag);
}

/* Reads chunk c's stored bytes and decodes them into dst. */
static int decode(ntfs_volume *v, ntfs_wof_reader *r, uint64_t sid, const ntfs_wof_chunk *c, uint8_t *dst)
{
    nt_diag diag;
    int rc;

    if (c->stored)
        return wcd_read(v, r, sid, c->offset, dst, c->uncompressed_len);
    rc = wcd_read(v, r, sid, c->offset, r->in, c->compressed_len);
    if (rc)
        return rc;
    nt_diag_clear(&diag);
    rc = ntfs_wof_decompress_chunk(&r->geo, c, r->in, c->compressed_len, dst, c->uncompressed_len,
                                   r->workspace, &diag);
    return wof_fail(v, r, rc, &diag);
}

/* The pair decoder's buffers, allocated on first use. false when the
 * algorithm has none or memory is short (chunks are then decoded one at a
 * time, which needs nothing more: a read never fails for want of them). */
static bool pair_ready(ntfs_volume *v, ntfs_wof_reader *r)
{
    if (r->pair_ws)
        return true;
    if (!r->pair_ws_size || r->pair_nomem)
        return false;
    r->in2 = nt_alloc(&v->a, r->geo.chunk_size, 16);
    r->pair_ws = r->in2 ? nt_alloc(&v->a, r->pair_ws_size, 16) : 0;
    if (!r->pair_ws) {
        nt_free(&v->a, r->in2, r->geo.chunk_size, 16);
        r->in2 = 0;
        r->pair_nomem = true;
        return false;
    }
    return true;
}

/* Decodes chunks c0 and c1 (both compressed) into dst0 and dst1 with the
 * pair decoder. Errors come in chunk order, as two decode() calls give. */
static int decode_pair(ntfs_volume *v, ntfs_wof_reader *r, uint64_t sid, const ntfs_wof_chunk *c0,
                       const ntfs_wof_chunk *c1, uint8_t *dst0, uint8_t *dst1)
{
    const ntfs_wof_chunk *c[2] = {c0, c1};
    const uint8_t *src[2] = {r->in, r->in2};
    uint8_t *dst[2] = {dst0, dst1};
    nt_diag diag;
    int rc;

    rc = wcd_read(v, r, sid, c0->offset, r->in, c0->compressed_len);
    if (rc)
        return rc;
    nt_diag_clear(&diag);
    rc = wcd_read(v, r, sid, c1->offset, r->in2, c1->compressed_len);
    if (rc) {
        /* Chunk c0 first, as the single path would have decoded it. */
        int rc0 = ntfs_wof_decompress_chunk(&r->geo, c0, r->in, c0->compressed_len, dst0,
                                            c0->uncompressed_len, r->workspace, &diag);
        return rc0 ? wof_fail(v, r, rc0, &diag) : rc;
    }
    rc = ntfs_wof_decompress_chunk_pair(&r->geo, c, src, dst, r->pair_ws, &diag);
    return wof_fail(v, r, rc, &diag);
}

/* The cached copy of chunk c, decoding it into the least recently used
 * slot when absent. */
static int cached_chunk(ntfs_volume *v, ntfs_wof_reader *r, uint64_t sid, const ntfs_wof_chunk *c,
                        const uint8_t **out)
{
    wof_slot *victim = &r->slots[0];
    size_t i;
    int rc;

    for (i = 0; i < NTFS_WOF_CACHE_CHUNKS; i++) {
        wof_slot *s = &r->slots[i];
        if (s->used && s->chunk == c->index) {
            s->used = ++r->tick;
            *out = s->buf;
            return NT_OK;
        }
        if (s->used < victim->used)
            victim = s;
    }
    if (!victim->buf) {
        victim->buf = nt_alloc(&v->a, r->geo.chunk_size, 16);
        if (!victim->buf)
            return NT_ERR_NOMEM;
    }
    victim->used = 0; /* invalid until decoded */
    rc = decode(v, r, sid, c, victim->buf);
    if (rc)
        return rc;
    victim->chunk = c->index;
    victim->used = ++r->tick;
    *out = victim->buf;
    return NT_OK;
}

/* ---- batches ---------------------------------------------------------- */

/* One batch being decoded: what the jobs share (read-only) and what each
 * group reports. A group decodes its chunks in order and stops at its
 * first failure, so the lowest failing group holds the lowest failing
 * chunk of the batch. */
typedef struct wof_batch {
    const ntfs_wof_stream *geo;
    const ntfs_wof_chunk *chunks;
    const uint8_t *stage; /* stored bytes of chunks[0] onwards */
    uint8_t *dst;         /* output of chunks[0] onwards */
    size_t n, groups;
    bool even; /* groups start at even indexes (XPRESS pairs) */
    struct {
        void *ws, *pair_ws;
        size_t failed; /* index in chunks, NO_FAILURE when all decoded */
        int rc;
        nt_diag diag;
    } g[MAX_GROUPS];
} wof_batch;

/* Where group `gi` starts: n - n * ((groups - gi) / groups)^2, so groups
 * shrink linearly towards the end of the batch and the CPUs that finish
 * early find small jobs left rather than wait for a big one. Rounded to
 * even indexes for XPRESS so pairs are not split (a group may be empty). */
static size_t group_start(const wof_batch *b, size_t gi)
{
    size_t left = b->groups - gi, at;

    if (gi == b->groups)
        return b->n;
    at = b->n - b->n * left * left / (b->groups * b->groups);
    return b->even ? at & ~(size_t)1 : at;
}

/* A job: decodes one group. Touches only its group's slot, its
 * workspaces and its chunks' output; calls nothing that reports. */
static void batch_job(void *arg, size_t gi)
{
    wof_batch *b = arg;
    size_t i = group_start(b, gi), end = group_start(b, gi + 1);
    uint64_t base_off = b->chunks[0].offset, base_file = b->chunks[0].file_offset;

    b->g[gi].failed = NO_FAILURE;
    while (i < end) {
        const ntfs_wof_chunk *c = &b->chunks[i];
        const uint8_t *src = b->stage + (c->offset - base_off);
        uint8_t *dst = b->dst + (c->file_offset - base_file);
        int rc;

        nt_diag_clear(&b->g[gi].diag);
        if (c->stored) {
            nt_memcpy(dst, src, c->uncompressed_len);
            i++;
            continue;
        }
        if (b->g[gi].pair_ws && i + 1 < end && !c[1].stored) {
            const ntfs_wof_chunk *cp[2] = {c, c + 1};
            const uint8_t *sp[2] = {src, b->stage + (c[1].offset - base_off)};
            uint8_t *dp[2] = {dst, b->dst + (c[1].file_offset - base_file)};
            rc = ntfs_wof_decompress_chunk_pair(b->geo, cp, sp, dp, b->g[gi].pair_ws, &b->g[gi].diag);
            if (rc == NT_OK) {
                i += 2;
                continue;
            }
            /* Which of the two failed: the first, decoded alone, says. */
            nt_diag_clear(&b->g[gi].diag);
            rc = ntfs_wof_decompress_chunk(b->geo, c, src, c->compressed_len, dst, c->uncompressed_len,
                                           b->g[gi].ws, &b->g[gi].diag);
            if (rc == NT_OK) {
                i++;
                continue; /* the second fails again, alone */
            }
        } else {
            rc = ntfs_wof_decompress_chunk(b->geo, c, src, c->compressed_len, dst, c->uncompressed_len,
                                           b->g[gi].ws, &b->g[gi].diag);
        }
        if (rc) {
            b->g[gi].failed = i;
            b->g[gi].rc = rc;
            return;
        }
        i++;
    }
}

/* The staging buffer and chunk descriptors, allocated on first use.
 * false when they cannot be had (then never retried). */
static bool batch_ready(ntfs_volume *v, ntfs_wof_reader *r)
{
    size_t max;

    if (r->batch_max)
        return true;
    if (r->batch_nomem)
        return false;
    max = BATCH_BYTES / r->geo.chunk_size;
    if (r->geo.n_chunks < max)
        max = (size_t)r->geo.n_chunks;
    r->stage = nt_alloc(&v->a, max * r->geo.chunk_size, 16);
    r->bchunks = r->stage ? nt_alloc(&v->a, max * sizeof *r->bchunks, _Alignof(ntfs_wof_chunk)) : 0;
    if (!r->bchunks) {
        nt_free(&v->a, r->stage, max * r->geo.chunk_size, 16);
        r->stage = 0;
        r->batch_nomem = true;
        return false;
    }
    r->batch_max = max;
    return true;
}

/* Makes up to `want` groups' workspaces ready; returns how many are
 * (at least 1: group 0 has the reader's LZX workspace and decodes XPRESS
 * chunks singly when it gets no pair workspace). */
static unsigned groups_ready(ntfs_volume *v, ntfs_wof_reader *r, unsigned want)
{
    while (r->groups < want && !r->groups_nomem) {
        unsigned k = r->groups;
        void *ws = k == 0 ? r->workspace : 0, *pair = 0;
        if (r->workspace_size && !ws)
            ws = nt_alloc(&v->a, r->workspace_size, 16);
        if (r->pair_ws_size)
            pair = nt_alloc(&v->a, r->pair_ws_size, 16);
        if ((r->workspace_size && !ws) || (r->pair_ws_size && !pair)) {
            if (k > 0)
                nt_free(&v->a, ws, r->workspace_size, 16);
            nt_free(&v->a, pair, r->pair_ws_size, 16);
            r->groups_nomem = true;
            break;
        }
        r->group_ws[k] = ws;
        r->group_pair[k] = pair;
        r->groups++;
    }
    return r->groups ? r->groups : 1;
}

/* Reads and decodes a batch of whole chunks starting with c0 (located)
 * into dst, which has room for `room` bytes. *done receives the bytes
 * produced: 0 when no batch was made (fewer than two chunks, no memory,
 * or the stream could not be read in one go), and the caller then reads
 * chunk c0 the usual way. Errors: as decode() would give for the lowest
 * failing chunk. */
static int read_batch(ntfs_volume *v, ntfs_wof_reader *r, uint64_t sid, const ntfs_wof_chunk *c0,
                      uint8_t *dst, size_t room, size_t *done)
{
    uint64_t size = r->geo.uncompressed_size, start, end;
    size_t n = 1, out, gi;
    unsigned want = 1;
    wof_batch b;
    nt_diag diag;
    int rc;

    *done = 0;
    if (c0->index < r->no_batch_end || !batch_ready(v, r))
        return NT_OK;
    r->bchunks[0] = *c0;
    out = c0->uncompressed_len;
    while (n < r->batch_max && c0->index + n < r->geo.n_chunks) {
        ntfs_wof_chunk *c = &r->bchunks[n], *prev = c - 1;
        uint64_t at = (c0->index + n) * r->geo.chunk_size;
        uint64_t ulen = size - at < r->geo.chunk_size ? size - at : r->geo.chunk_size;
        /* A chunk the table does not place is left to the caller's loop,
         * which reports it once the chunks before it are done. */
        if (ulen > room - out || locate_diag(v, r, sid, c0->index + n, c, &diag) != NT_OK ||
            c->offset != prev->offset + prev->compressed_len)
            break;
        out += c->uncompressed_len;
        n++;
    }
    if (n < 2)
        return NT_OK;
    start = c0->offset;
    end = r->bchunks[n - 1].offset + r->bchunks[n - 1].compressed_len;
    if (wcd_read(v, r, sid, start, r->stage, (size_t)(end - start)) != NT_OK) {
        /* One chunk at a time tells which one cannot be read. */
        r->no_batch_end = c0->index + n;
        return NT_OK;
    }

    /* A few jobs per CPU, so chunks that decode slower (or a CPU taken by
     * something else) do not leave the others idle at the batch's end. */
    if (v->cfg.parallel)
        want = v->cfg.parallel_width < MAX_GROUPS / JOBS_PER_WIDTH ? v->cfg.parallel_width * JOBS_PER_WIDTH
                                                                   : MAX_GROUPS;
    /* XPRESS groups of at least two chunks, so each can pair. */
    if (want > (r->pair_ws_size ? n / 2 : n))
        want = (unsigned)(r->pair_ws_size ? n / 2 : n);
    if (want < 1)
        want = 1;
    b.geo = &r->geo;
    b.chunks = r->bchunks;
    b.stage = r->stage;
    b.dst = dst;
    b.n = n;
    b.even = r->pair_ws_size != 0;
    b.groups = groups_ready(v, r, want);
    if (b.groups > want)
        b.groups = want;
    for (gi = 0; gi < b.groups; gi++) {
        b.g[gi].ws = r->groups ? r->group_ws[gi] : r->workspace;
        b.g[gi].pair_ws = r->groups ? r->group_pair[gi] : 0;
    }
    if (b.groups > 1)
        v->cfg.parallel(v->cfg.ctx, b.groups, batch_job, &b);
    else
        batch_job(&b, 0);
    for (gi = 0; gi < b.groups; gi++) {
        if (b.g[gi].failed == NO_FAILURE)
            continue;
        rc = b.g[gi].rc;
        return wof_fail(v, r, rc, &b.g[gi].diag);
    }
    *done = out;
    return NT_OK;
}

int ntfs_wof_reader_read(ntfs_volume *v, ntfs_wof_reader *r, uint64_t sid, uint64_t off, void *vbuf,
                         size_t len, size_t *got)
{
    uint8_t *buf = vbuf;
    uint64_t size = r->geo.uncompressed_size;
    size_t done = 0;
    int rc;

    *got = 0;
    if (off >= size)
        return NT_OK;
    if (len > size - off)
        len = (size_t)(size - off);
    while (done < len) {
        uint64_t pos = off + done;
        uint64_t index = pos / r->geo.chunk_size;
        size_t in_chunk = (size_t)(pos % r->geo.chunk_size), n;
        ntfs_wof_chunk c;

        rc = locate(v, r, sid, index, &c);
        if (rc)
            return rc;
        n = c.uncompressed_len - in_chunk;
        if (n > len - done)
            n = len - done;
        if (in_chunk == 0 && n == c.uncompressed_len) {
            ntfs_wof_chunk c1;
            size_t batched;
            rc = read_batch(v, r, sid, &c, buf + done, len - done, &batched);
            if (rc)
                return rc;
            if (batched) {
                done += batched;
                continue;
            }
            /* Two whole compressed chunks in a row: decode them as a pair.
             * Anything unusual about the second (out of the read, stored,
             * not locatable) leaves it to the next turn of the loop, which
             * reports its errors as before. */
            uint64_t next_len = size - (index + 1) * r->geo.chunk_size; /* valid when it exists */
            if (!c.stored && index + 1 < r->geo.n_chunks &&
                (next_len < r->geo.chunk_size ? next_len : r->geo.chunk_size) <= len - done - n &&
                pair_ready(v, r) && locate(v, r, sid, index + 1, &c1) == NT_OK && !c1.stored) {
                rc = decode_pair(v, r, sid, &c, &c1, buf + done, buf + done + n);
                if (rc)
                    return rc;
                done += n + c1.uncompressed_len;
                continue;
            }
            rc = decode(v, r, sid, &c, buf + done); /* straight to the caller */
        } else {
            const uint8_t *chunk = 0;
            rc = cached_chunk(v, r, sid, &c, &chunk);
            if (rc == NT_OK)
                nt_memcpy(buf + done, chunk + in_chunk, n);
        }
        if (rc)
            return rc;
        done += n;
    }
    *got = len;
    return NT_OK;
}
