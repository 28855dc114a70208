/* Transaction log replay: old ("DIRT" dirty vector) and new ("HvLE"
 * entries) formats, applied to a copy of a dirty primary.
 *
 * One routine does both passes: a dry run that validates the logs and
 * works out the result size, then the same walk writing into the caller's
 * buffer. Every write is checked against the size found by the dry run. */
#include "nthive_forensic.h"
#include "ntcore/endian.h"
#include "ntcore/mem.h"

#define BASE 4096u
#define LOG_BASE 512u /* logs keep only the first sector of a base block */
#define BB_SEQ1 4
#define BB_SEQ2 8
#define BB_MAJOR 20
#define BB_MINOR 24
#define BB_TYPE 28
#define BB_FORMAT 32
#define BB_HBINS 40
#define BB_CHECKSUM 508
#define ENTRY_HEADER 40u
#define DIRT_SIG 512u
#define MAX_ENTRIES 1000000u /* bound on entries visited per log */

typedef struct replay {
    const uint8_t *hive;
    size_t hive_size;
    const nthive_log *logs;
    size_t nlogs;
    uint8_t *out; /* NULL in the dry run */
    size_t cap;
    size_t need;
    uint32_t cur_bins; /* hive bins size the data at hand covers: what the
                          primary declares, at most what its file holds */
    nthive_replay_report *rep;
} replay;

/* A base block whose fixed fields and checksum hold; `type_ok` lists the
 * file types accepted. */
static bool base_ok(const uint8_t *b, size_t size, bool log)
{
    uint32_t type, minor, hbins;
    if (size < LOG_BASE || nt_memcmp(b, "regf", 4) != 0)
        return false;
    type = nt_le32(b + BB_TYPE);
    minor = nt_le32(b + BB_MINOR);
    hbins = nt_le32(b + BB_HBINS);
    if (nt_le32(b + BB_MAJOR) != 1 || minor < 3 || minor > 6 || nt_le32(b + BB_FORMAT) != 1)
        return false;
    if (log ? !(type == 1 || type == 2 || type == 6) : type != 0)
        return false;
    if (hbins % 4096 != 0 || hbins > NTHIVE_REPLAY_MAX_BINS)
        return false;
    return nt_le32(b + BB_CHECKSUM) == nthive_base_block_checksum(b);
}

unsigned nthive_dirty(const void *data, size_t size)
{
    const uint8_t *b = (const uint8_t *)data;
    unsigned why = 0;
    if (!b || size < LOG_BASE || nt_memcmp(b, "regf", 4) != 0)
        return NTHIVE_DIRTY_BASE;
    if (nt_le32(b + BB_SEQ1) != nt_le32(b + BB_SEQ2))
        why |= NTHIVE_DIRTY_SEQUENCE;
    if (nt_le32(b + BB_CHECKSUM) != nthive_base_block_checksum(b))
        why |= NTHIVE_DIRTY_CHECKSUM;
    if (!base_ok(b, size, false))
        why |= NTHIVE_DIRTY_BASE;
    return why;
}

uint32_t nthive_log_format(const void *data, size_t size, uint32_t *seq)
{
    const uint8_t *b = (const uint8_t *)data;
    uint32_t type;
    if (!b || size < LOG_BASE || nt_memcmp(b, "regf", 4) != 0)
        return NTHIVE_LOG_NONE;
    if (seq)
        *seq = nt_le32(b + BB_SEQ1);
    type = nt_le32(b + BB_TYPE);
    if ((type == 1 || type == 2) && size >= DIRT_SIG + 4 && nt_memcmp(b + DIRT_SIG, "DIRT", 4) == 0)
        return NTHIVE_LOG_OLD;
    if (type == 6 && (size < DIRT_SIG + 4 || nt_memcmp(b + DIRT_SIG, "HvLE", 4) == 0))
        return NTHIVE_LOG_NEW;
    return NTHIVE_LOG_NONE;
}

static int log_fail(replay *r, size_t i, int status, uint64_t off, const char *rule)
{
    if (r->rep->log_diag[i].status == NT_OK)
        nt_diag_set(&r->rep->log_diag[i], status, off, rule);
    return status;
}

/* Writes `len` bytes at file offset `off` of the result. */
static void put(replay *r, size_t off, const void *src, size_t len)
{
    if (off + len > r->need)
        r->need = off + len;
    if (r->out && off + len <= r->cap)
        nt_memcpy(r->out + off, src, len);
}

/* ---- old format ------------------------------------------------------------ */

/* Checks (and in the write pass applies) an old-format log. */
static int old_log(replay *r, size_t i, bool write)
{
    const uint8_t *l = (const uint8_t *)r->logs[i].data;
    size_t size = r->logs[i].size, vec_bytes, pages_at, k = 0;
    uint32_t bins = nt_le32(l + BB_HBINS);

    if (size < DIRT_SIG + 4 || nt_memcmp(l + DIRT_SIG, "DIRT", 4) != 0)
        return log_fail(r, i, NT_ERR_CORRUPT, DIRT_SIG, "old-format log has no \"DIRT\" dirty vector");
    /* One bit per 512-byte page of the hive bins data. */
    vec_bytes = bins / 512 / 8;
    if (DIRT_SIG + 4 + vec_bytes > size)
        return log_fail(r, i, NT_ERR_CORRUPT, DIRT_SIG, "dirty vector runs past the end of the log");
    pages_at = (DIRT_SIG + 4 + vec_bytes + 511) & ~(size_t)511;
    /* A hive grows by whole new bins, and new bins are dirty: a log whose
     * hive bins size is larger than the data at hand must hold the page
     * at its new end. This also bounds the result by the log's size. */
    if (bins > r->cur_bins && !(l[DIRT_SIG + 4 + (bins / 512 - 1) / 8] & (1u << ((bins / 512 - 1) % 8))))
        return log_fail(r, i, NT_ERR_CORRUPT, BB_HBINS, "log grows the hive past the dirty pages it holds");
    for (size_t bit = 0; bit < (size_t)bins / 512; bit++) {
        if (!(l[DIRT_SIG + 4 + bit / 8] & (1u << (bit % 8))))
            continue;
        if (pages_at + (k + 1) * 512 > size)
            return log_fail(r, i, NT_ERR_CORRUPT, pages_at + k * 512,
                            "dirty page runs past the end of the log");
        if (write)
            put(r, BASE + bit * 512, l + pages_at + k * 512, 512);
        k++;
    }
    if (write) {
        r->rep->pages = (uint32_t)k;
        r->rep->entries = 1;
    }
    return NT_OK;
}

/* ---- new format ------------------------------------------------------------ */

/* A log's position in its chain of entries. */
typedef struct cursor {
    size_t pos;
    bool dead;
    uint32_t seq; /* of the entry at pos, when checked */
    uint32_t visited;
} cursor;

/* Validates the entry at c->pos of log i; on success c->seq is its
 * sequence number. An invalid entry ends the log's chain. */
static bool entry_ok(replay *r, size_t i, cursor *c)
{
    const uint8_t *l = (const uint8_t *)r->logs[i].data, *e;
    size_t size = r->logs[i].size, esize, refs_end, data_off;
    uint32_t count, bins;

    if (c->dead)
        return false;
    if (c->visited++ >= MAX_ENTRIES || c->pos + ENTRY_HEADER > size) {
        c->dead = true; /* the natural end of the log */
        return false;
    }
    e = l + c->pos;
    if (nt_memcmp(e, "HvLE", 4) != 0) {
        c->dead = true; /* unused space after the last entry */
        return false;
    }
    esize = nt_le32(e + 4);
    count = nt_le32(e + 20);
    bins = nt_le32(e + 16);
    c->dead = true;
    if (esize < ENTRY_HEADER || esize % 512 != 0 || esize > size - c->pos)
        return log_fail(r, i, NT_ERR_CORRUPT, c->pos, "log entry size is not a 512 multiple inside the log"),
               false;
    if (bins % 4096 != 0 || bins > NTHIVE_REPLAY_MAX_BINS)
        return log_fail(r, i, NT_ERR_CORRUPT, c->pos + 16, "log entry hive bins size is not a 4096 multiple"),
               false;
    if (count > (esize - ENTRY_HEADER) / 8)
        return log_fail(r, i, NT_ERR_CORRUPT, c->pos + 20, "log entry page count does not fit in the entry"),
               false;
    if (nthive_marvin32(e, 32, NTHIVE_MARVIN32_SEED) != nt_le64(e + 32))
        return log_fail(r, i, NT_ERR_CORRUPT, c->pos + 32, "log entry header hash (Marvin32) mismatch"),
               false;
    if (nthive_marvin32(e + ENTRY_HEADER, esize - ENTRY_HEADER, NTHIVE_MARVIN32_SEED) != nt_le64(e + 24))
        return log_fail(r, i, NT_ERR_CORRUPT, c->pos + 24, "log entry data hash (Marvin32) mismatch"), false;
    refs_end = ENTRY_HEADER + (size_t)count * 8;
    data_off = refs_end;
    for (uint32_t k = 0; k < count; k++) {
        uint32_t off = nt_le32(e + ENTRY_HEADER + 8 * k), len = nt_le32(e + ENTRY_HEADER + 8 * k + 4);
        if ((uint64_t)off + len > bins)
            return log_fail(r, i, NT_ERR_CORRUPT, c->pos + ENTRY_HEADER + 8 * k,
                            "dirty page reference lies past the entry's hive bins size"),
                   false;
        if (len > esize - data_off)
            return log_fail(r, i, NT_ERR_CORRUPT, c->pos + ENTRY_HEADER + 8 * k,
                            "dirty page runs past the end of its log entry"),
                   false;
        data_off += len;
    }
    c->dead = false;
    c->seq = nt_le32(e + 12);
    return true;
}

/* An entry that grows the hive bins size must write the page at the new
 * end (new bins are dirty as a whole; Windows' logs do so): otherwise the
 * result would grow by data no log holds. Then the size becomes current. */
static bool entry_grows_ok(replay *r, size_t i, const cursor *c)
{
    const uint8_t *e = (const uint8_t *)r->logs[i].data + c->pos;
    uint32_t count = nt_le32(e + 20), bins = nt_le32(e + 16), top = 0;
    for (uint32_t k = 0; k < count; k++) {
        uint32_t end = nt_le32(e + ENTRY_HEADER + 8 * k) + nt_le32(e + ENTRY_HEADER + 8 * k + 4);
        top = end > top ? end : top;
    }
    if (bins > r->cur_bins && top < bins) {
        log_fail(r, i, NT_ERR_CORRUPT, c->pos + 16, "log entry grows the hive past the pages it writes");
        return false;
    }
    r->cur_bins = bins;
    return true;
}

static void apply_entry(replay *r, size_t i, const cursor *c)
{
    const uint8_t *e = (const uint8_t *)r->logs[i].data + c->pos;
    uint32_t count = nt_le32(e + 20);
    size_t data_off = ENTRY_HEADER + (size_t)count * 8;
    for (uint32_t k = 0; k < count; k++) {
        uint32_t off = nt_le32(e + ENTRY_HEADER + 8 * k), len = nt_le32(e + ENTRY_HEADER + 8 * k + 4);
        put(r, BASE + (size_t)off, e + data_off, len);
        data_off += len;
    }
    r->rep->pages += count;
}

/* Applies the entries of all new-format logs in sequence order from
 * `start` (or from the lowest first entry when start_any). */
static void new_logs(replay *r, const bool *use, uint32_t start, bool start_any, uint32_t *bins_out)
{
    cursor c[NTHIVE_MAX_LOGS];
    uint32_t expect = start;
    bool any = false;

    for (size_t i = 0; i < r->nlogs; i++) {
        c[i].pos = LOG_BASE;
        c[i].dead = !use[i];
        c[i].visited = 0;
        if (!c[i].dead && entry_ok(r, i, &c[i]) && start_any && (!any || c[i].seq < expect)) {
            expect = c[i].seq;
            any = true;
        }
    }
    /* Each round applies one entry or stops; each cursor only moves
     * forward, so the rounds are bounded by the entries of all logs. */
    for (;;) {
        size_t found = r->nlogs;
        for (size_t i = 0; i < r->nlogs; i++) {
            while (!c[i].dead && c[i].seq < expect) {
                c[i].pos += nt_le32((const uint8_t *)r->logs[i].data + c[i].pos + 4);
                entry_ok(r, i, &c[i]);
            }
            if (!c[i].dead && c[i].seq == expect && found == r->nlogs)
                found = i;
        }
        if (found == r->nlogs && r->rep->entries == 0) {
            /* The logs start after the primary's sequence number (a copy
             * of the primary older than the logs): begin with the oldest
             * entry that is newer than the primary. */
            uint32_t low = UINT32_MAX;
            for (size_t i = 0; i < r->nlogs; i++)
                if (!c[i].dead && c[i].seq > expect && c[i].seq < low) {
                    low = c[i].seq;
                    found = i;
                }
            expect = low;
        }
        if (found == r->nlogs)
            break;
        if (!entry_grows_ok(r, found, &c[found])) {
            r->rep->stopped_early = true;
            break;
        }
        apply_entry(r, found, &c[found]);
        if (r->rep->entries == 0)
            r->rep->first_seq = expect;
        r->rep->entries++;
        r->rep->last_seq = expect;
        r->rep->logs_applied |= 1u << found;
        *bins_out = nt_le32((const uint8_t *)r->logs[found].data + c[found].pos + 16);
        c[found].pos += nt_le32((const uint8_t *)r->logs[found].data + c[found].pos + 4);
        entry_ok(r, found, &c[found]);
        if (expect == UINT32_MAX)
            break;
        expect++;
    }
    /* Stopped by an invalid entry rather than by the end of the logs? */
    for (size_t i = 0; i < r->nlogs; i++)
        if (use[i] && r->rep->log_diag[i].status != NT_OK && r->rep->entries)
            r->rep->stopped_early = true;
}

/* ---- driver ------------------------------------------------------------------ */

static void set_u32(replay *r, size_t off, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(r, off, b, 4);
}

static int run(replay *r)
{
    nthive_replay_report *rep = r->rep;
    bool primary_ok, use[NTHIVE_MAX_LOGS] = {false};
    uint32_t pseq1 = 0, pseq2 = 0, bins = 0, fmt_best = NTHIVE_LOG_NONE;
    size_t best_old = r->nlogs, base_log = r->nlogs, i;
    uint32_t best_seq = 0;

    nt_memset(rep, 0, sizeof *rep);
    nt_diag_clear(&rep->diag);
    for (i = 0; i < NTHIVE_MAX_LOGS; i++)
        nt_diag_clear(&rep->log_diag[i]);
    rep->dirty = nthive_dirty(r->hive, r->hive_size);
    primary_ok = !(rep->dirty & NTHIVE_DIRTY_BASE);
    if (primary_ok) {
        pseq1 = nt_le32(r->hive + BB_SEQ1);
        pseq2 = nt_le32(r->hive + BB_SEQ2);
        bins = nt_le32(r->hive + BB_HBINS);
    }
    rep->old_bins_size = bins;
    {
        size_t avail = r->hive_size > BASE ? (r->hive_size - BASE) & ~(size_t)4095 : 0;
        if (avail > NTHIVE_REPLAY_MAX_BINS)
            avail = NTHIVE_REPLAY_MAX_BINS;
        r->cur_bins = primary_ok && bins < avail ? bins : (uint32_t)avail;
    }
    r->need = r->hive_size > BASE ? r->hive_size : BASE;
    if (rep->dirty == 0) {
        rep->new_bins_size = bins;
        rep->final_seq = pseq1;
        return NT_OK;
    }

    /* Which logs can be used at all. */
    for (i = 0; i < r->nlogs; i++) {
        const uint8_t *l = (const uint8_t *)r->logs[i].data;
        size_t size = r->logs[i].size;
        uint32_t fmt, lseq;
        if (!l || size == 0) {
            log_fail(r, i, NT_ERR_NOT_FOUND, NT_DIAG_NO_OFFSET, "log file is empty");
            continue;
        }
        fmt = nthive_log_format(l, size, &lseq);
        if (fmt == NTHIVE_LOG_NONE) {
            log_fail(r, i, NT_ERR_CORRUPT, 0, "not a transaction log (no log base block and body)");
            continue;
        }
        if (!base_ok(l, size, true)) {
            log_fail(r, i, NT_ERR_CORRUPT, 0, "log base block is invalid (checksum or fields)");
            continue;
        }
        if (fmt == NTHIVE_LOG_OLD && nt_le32(l + BB_SEQ1) != nt_le32(l + BB_SEQ2)) {
            log_fail(r, i, NT_ERR_CORRUPT, BB_SEQ1,
                     "old-format log sequence numbers differ (log incomplete)");
            continue;
        }
        if (primary_ok && lseq < pseq2) {
            log_fail(r, i, NT_ERR_NOT_FOUND, BB_SEQ1, "log is older than the primary (already applied)");
            continue;
        }
        use[i] = true;
        if (base_log == r->nlogs || lseq > best_seq) {
            base_log = i;
            best_seq = lseq;
        }
    }
    /* The newer format wins when both kinds are present: Windows 8.1+
     * leaves old logs behind only from an earlier life of the hive. */
    for (i = 0; i < r->nlogs; i++)
        if (use[i] && nthive_log_format(r->logs[i].data, r->logs[i].size, 0) == NTHIVE_LOG_NEW)
            fmt_best = NTHIVE_LOG_NEW;
    if (fmt_best != NTHIVE_LOG_NEW) {
        best_seq = 0;
        for (i = 0; i < r->nlogs; i++) {
            uint32_t s = use[i] ? nt_le32((const uint8_t *)r->logs[i].data + BB_SEQ1) : 0;
            if (use[i] && old_log(r, i, false) == NT_OK && (best_old == r->nlogs || s > best_seq)) {
                best_old = i;
                best_seq = s;
            } else if (use[i]) {
                use[i] = false;
            }
        }
        if (best_old == r->nlogs)
            goto none;
        fmt_best = NTHIVE_LOG_OLD;
        base_log = best_old;
    }

    /* The base block: the primary's, or the log's copy of it. */
    if (!primary_ok) {
        const uint8_t *l = (const uint8_t *)r->logs[base_log].data;
        uint8_t zero[64] = {0};
        put(r, 0, l, LOG_BASE);
        for (size_t o = LOG_BASE; o < BASE; o += sizeof zero)
            put(r, o, zero, sizeof zero);
        set_u32(r, BB_TYPE, 0);
        bins = nt_le32(l + BB_HBINS);
        pseq1 = pseq2 = nt_le32(l + BB_SEQ1);
        rep->base_recovered = true;
    }

    if (fmt_best == NTHIVE_LOG_OLD) {
        const uint8_t *l = (const uint8_t *)r->logs[best_old].data;
        old_log(r, best_old, true);
        bins = nt_le32(l + BB_HBINS);
        rep->logs_applied = 1u << best_old;
        rep->first_seq = rep->last_seq = nt_le32(l + BB_SEQ1);
        rep->final_seq = rep->last_seq > pseq1 ? rep->last_seq : pseq1;
    } else {
        new_logs(r, use, pseq2, !primary_ok, &bins);
        if (rep->entries == 0)
            goto none;
        rep->final_seq = rep->last_seq + 1;
    }
    rep->format = fmt_best;
    rep->new_bins_size = bins;
    if ((size_t)BASE + bins > r->need)
        r->need = (size_t)BASE + bins;
    set_u32(r, BB_SEQ1, rep->final_seq);
    set_u32(r, BB_SEQ2, rep->final_seq);
    set_u32(r, BB_HBINS, bins);
    if (r->out) {
        uint32_t sum = nthive_base_block_checksum(r->out);
        set_u32(r, BB_CHECKSUM, sum);
    }
    return NT_OK;

none:
    rep->logs_applied = 0;
    rep->entries = rep->pages = 0;
    rep->new_bins_size = rep->old_bins_size;
    if (!primary_ok)
        return nt_diag_set(&rep->diag, NT_ERR_CORRUPT, 0,
                           "primary base block is invalid and no log can replace it");
    return nt_diag_set(&rep->diag, NT_ERR_NOT_FOUND, NT_DIAG_NO_OFFSET,
                       "hive is dirty and no log could be applied");
}

int nthive_replay_size(const void *hive, size_t hive_size, const nthive_log *logs, size_t nlogs, size_t *size,
                       nthive_replay_report *rep)
{
    nthive_replay_report local;
    replay r = {(const uint8_t *)hive, hive_size, logs, nlogs, 0, 0, 0, 0, rep ? rep : &local};
    int st;
    if (!hive || !size || (nlogs && !logs) || nlogs > NTHIVE_MAX_LOGS)
        return NT_ERR_INVALID;
    st = run(&r);
    *size = r.need;
    return st;
}

int nthive_replay(const void *hive, size_t hive_size, const nthive_log *logs, size_t nlogs, void *out,
                  size_t cap, size_t *out_size, nthive_replay_report *rep)
{
    nthive_replay_report local;
    size_t need;
    int st;
    replay r;

    if (!out || !out_size)
        return NT_ERR_INVALID;
    st = nthive_replay_size(hive, hive_size, logs, nlogs, &need, rep ? rep : &local);
    if (st == NT_ERR_INVALID)
        return st;
    if (cap < need)
        return NT_ERR_RANGE;
    nt_memcpy(out, hive, hive_size);
    if (need > hive_size)
        nt_memset((uint8_t *)out + hive_size, 0, need - hive_size);
    r = (replay){(const uint8_t *)hive, hive_size, logs, nlogs, (uint8_t *)out, cap, 0, 0,
                 rep ? rep : &local};
    st = run(&r);
    *out_size = need;
    return st;
}

int nthive_replay_alloc(const void *hive, size_t hive_size, const nthive_log *logs, size_t nlogs,
                        const nt_allocator *alloc, uint8_t **out, size_t *out_size, nthive_replay_report *rep)
{
    size_t need, got;
    uint8_t *buf;
    int st;

    if (!alloc || !alloc->alloc || !alloc->free || !out || !out_size)
        return NT_ERR_INVALID;
    *out = 0;
    st = nthive_replay_size(hive, hive_size, logs, nlogs, &need, rep);
    if (st != NT_OK && st != NT_ERR_NOT_FOUND)
        return st;
    buf = (uint8_t *)nt_alloc(alloc, need, 8);
    if (!buf)
        return NT_ERR_NOMEM;
    st = nthive_replay(hive, hive_size, logs, nlogs, buf, need, &got, rep);
    if (st != NT_OK && st != NT_ERR_NOT_FOUND) {
        nt_free(alloc, buf, need, 8);
        return st;
    }
    *out = buf;
    *out_size = got;
    return st;
}
