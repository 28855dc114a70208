/* nthive_forensic.h - libnthive forensics: dirty hives and their transaction
 * logs, deleted keys and values, layered keys (format 1.6).
 *
 * Same model as nthive.h: freestanding, the caller owns every buffer and
 * struct, every byte of input is untrusted, errors are nt_status codes and
 * a diagnostic (status, file offset, static rule) says where and why.
 *
 * Transaction logs
 * ----------------
 * Windows writes changes to a log before the primary file. A primary whose
 * two sequence numbers differ, or whose base block checksum is wrong, was
 * not written completely: it is "dirty", and the logs beside it (HIVE.LOG,
 * HIVE.LOG1, HIVE.LOG2) hold what is missing. Two log formats exist:
 *   - old (Windows XP to 8.0, file type 1 or 2): a 512-byte copy of the base
 *     block, then a "DIRT" dirty vector (one bit per 512-byte page of the
 *     hive bins data) and the dirty pages, in bit order, from the next
 *     512-byte boundary on;
 *   - new (Windows 8.1 on, file type 6): a 512-byte base block, then "HvLE"
 *     log entries, each with a sequence number, the hive bins size at that
 *     point, a list of (offset, size) dirty page references and the pages,
 *     protected by two Marvin32 hashes.
 * nthive_replay() applies the logs to a copy of the primary in a buffer the
 * caller supplies: the primary is never modified.
 *
 * Deleted keys and values
 * -----------------------
 * Deleting a key or value only marks its cells free. nthive_deleted_*
 * scans the free cells (and the slack after the records and list items of
 * allocated cells) for nk and vk records that still parse. Two more places
 * hold records the live tree no longer shows:
 *   - remnants: bytes of the caller's buffer past the hive bins data the
 *     base block declares (a hive that shrank, a file copied with its old
 *     tail): the scan reads them too, never past the buffer;
 *   - unreferenced allocated cells: an nk or vk whose cell is still
 *     allocated but that nothing reachable from the root references (a
 *     hive Windows "healed" by dropping a broken key from its parent's
 *     list, an interrupted rename). Finding them needs a map of what the
 *     live tree reaches (nthive_reach_build), which allocates.
 *
 * Layered keys
 * ------------
 * A version 1.6 differencing hive (a container's layer over a base hive)
 * marks keys with layer semantics in byte 1 of the nk access bits, and
 * deleted values with the vk tombstone flag. nthive_key_layer() decodes
 * them; a reader of such a hive should not show tombstones as keys.
 */
#ifndef NTHIVE_FORENSIC_H
#define NTHIVE_FORENSIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nthive.h"
#include "ntcore/allocator.h"
#include "ntcore/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Seed of the Marvin32 hashes of new-format log entries. */
#define NTHIVE_MARVIN32_SEED 0x82EF4D887A4E55C5ull
/* The largest hive bins size a replay accepts (as nthive_open). */
#define NTHIVE_REPLAY_MAX_BINS 0x7FFFF000u
/* Logs accepted by one replay (LOG, LOG1, LOG2 and a spare). */
#define NTHIVE_MAX_LOGS 4u

/* ---- dirty hives ---------------------------------------------------------- */

/* Why a primary is dirty (bits of nthive_dirty()'s result). */
enum {
    NTHIVE_DIRTY_SEQUENCE = 0x1, /* sequence numbers differ */
    NTHIVE_DIRTY_CHECKSUM = 0x2, /* base block checksum is wrong */
    NTHIVE_DIRTY_BASE = 0x4,     /* base block unusable: signature, version,
                                    type or format wrong (needs a log) */
};

/* Inspects the primary's base block (`size` bytes at `data`) and returns a
 * mask of NTHIVE_DIRTY_* bits, 0 when the hive is clean. A file shorter
 * than 512 bytes gives NTHIVE_DIRTY_BASE. Never fails. */
unsigned nthive_dirty(const void *data, size_t size);

/* Marvin32 (the 64-bit form: high state word << 32 | low) of `len` bytes
 * with `seed`, as the new log format uses it. */
uint64_t nthive_marvin32(const void *data, size_t len, uint64_t seed);

/* ---- log replay ----------------------------------------------------------- */

/* Log formats. */
enum {
    NTHIVE_LOG_NONE = 0,
    NTHIVE_LOG_OLD = 1, /* "DIRT" dirty vector + pages */
    NTHIVE_LOG_NEW = 2, /* "HvLE" entries */
};

/* One log file as the caller read it (any order; empty files are fine). */
typedef struct nthive_log {
    const void *data;
    size_t size;
} nthive_log;

/* What a replay did, or why it did not. */
typedef struct nthive_replay_report {
    unsigned dirty;          /* nthive_dirty() of the primary */
    uint32_t format;         /* NTHIVE_LOG_* that was applied */
    uint32_t logs_applied;   /* bit i: logs[i] contributed */
    uint32_t entries;        /* log entries applied (new format), or 1 */
    uint32_t pages;          /* dirty pages (old: 512 bytes) or page
                                references (new) written */
    uint32_t first_seq;      /* sequence number of the first entry applied */
    uint32_t last_seq;       /* ... and of the last */
    uint32_t final_seq;      /* both sequence numbers of the result */
    uint32_t old_bins_size;  /* hive bins size before ... */
    uint32_t new_bins_size;  /* ... and after */
    bool base_recovered;     /* the base block came from a log */
    bool stopped_early;      /* an invalid entry ended the replay */
    nt_diag log_diag[NTHIVE_MAX_LOGS]; /* per log: why it was not (fully)
                                          used; status NT_OK when it was */
    nt_diag diag;            /* the replay's own failure, if any */
} nthive_replay_report;

/* Computes the buffer size a replay of `hive` with `logs` needs (the
 * primary's size or 4096 + the largest hive bins size a usable log
 * declares, whichever is larger) into *size. Validates as nthive_replay
 * does and fills `rep` (may be NULL) the same way.
 * Returns what nthive_replay would return (NT_ERR_RANGE never). */
int nthive_replay_size(const void *hive, size_t hive_size, const nthive_log *logs, size_t nlogs, size_t *size,
                       nthive_replay_report *rep);

/* Replays the logs into a copy of the primary: copies `hive` to `out`
 * (capacity `cap`, which must not overlap `hive` or the logs), applies the
 * usable logs, sets both sequence numbers to the final one, the hive bins
 * size to what the logs say, and recomputes the checksum. *out_size gets
 * the size of the result (4096 + hive bins size, at least the primary's
 * size). Logs whose base block is bad, that do not belong to this primary
 * (older than it), or that are not logs are skipped and say why in
 * rep->log_diag. New-format entries from all logs are applied in sequence
 * order starting at the primary's secondary sequence number, and the
 * replay stops at the first invalid entry (bad signature, size or hash).
 * A primary with an unusable base block gets the base block of the newest
 * usable log (rep->base_recovered).
 * Returns NT_OK (something was applied, or the hive was clean and is copied
 * unchanged with format NTHIVE_LOG_NONE), or:
 *   NT_ERR_INVALID   NULL pointers, nlogs > NTHIVE_MAX_LOGS;
 *   NT_ERR_RANGE     cap is too small (see nthive_replay_size);
 *   NT_ERR_NOT_FOUND the hive is dirty and no log could be applied
 *                    (out then holds the unchanged primary copy);
 *   NT_ERR_CORRUPT   the primary is not a hive and no log can repair its
 *                    base block.
 * rep (may be NULL) says what was applied. */
int nthive_replay(const void *hive, size_t hive_size, const nthive_log *logs, size_t nlogs, void *out, size_t cap,
                  size_t *out_size, nthive_replay_report *rep);

/* nthive_replay into a buffer of exactly the needed size from `alloc`
 * (alignment 8). On NT_OK or NT_ERR_NOT_FOUND *out holds it (release with
 * nt_free(alloc, *out, *out_size, 8)); otherwise nothing is held.
 * Returns what nthive_replay returns, NT_ERR_NOMEM, or NT_ERR_INVALID
 * (also for an allocator without alloc/free). */
int nthive_replay_alloc(const void *hive, size_t hive_size, const nthive_log *logs, size_t nlogs,
                        const nt_allocator *alloc, uint8_t **out, size_t *out_size, nthive_replay_report *rep);

/* Classifies a file as a log: NTHIVE_LOG_OLD or NTHIVE_LOG_NEW when it
 * has a "regf" base block with a log file type and the matching body
 * ("DIRT" at 512, or an "HvLE" entry at 512 / nothing), else
 * NTHIVE_LOG_NONE. `seq` (may be NULL) gets its primary sequence number. */
uint32_t nthive_log_format(const void *data, size_t size, uint32_t *seq);

/* ---- deleted keys and values ------------------------------------------------ */

enum {
    NTHIVE_DELETED_KEY = 1,
    NTHIVE_DELETED_VALUE = 2,
};

/* Where a recovered record was found. */
enum {
    NTHIVE_FOUND_FREE_CELL = 1,    /* in an unallocated cell */
    NTHIVE_FOUND_SLACK = 2,        /* after the record in an allocated cell */
    NTHIVE_FOUND_REMNANT = 3,      /* in the buffer past the hive bins data
                                      (see nthive_deleted_next) */
    NTHIVE_FOUND_UNREFERENCED = 4, /* the record of an allocated cell that
                                      the live tree does not reach (only
                                      with nthive_deleted_set_reach) */
};

/* A recovered record. key/value are views like the ones nthive.h hands
 * out (use nthive_key_name, nthive_key_last_written, nthive_value_name,
 * nthive_value_type, ...), but their cells are not live: read their
 * data with nthive_deleted_value_data or nthive_deleted_data_init, never
 * nthive_value_data. */
typedef struct nthive_deleted {
    int kind;          /* NTHIVE_DELETED_KEY or _VALUE */
    int found;         /* NTHIVE_FOUND_* */
    uint32_t offset;   /* cell offset of the record's size field (the
                          record starts at offset + 4; for a remnant
                          record without a size field, 4 bytes before
                          its signature) */
    nthive_key key;    /* kind == KEY */
    nthive_value value;/* kind == VALUE */
} nthive_deleted;

/* What the live tree reaches: one bit per 8-byte cell position of the
 * hive bins data. Fields are read-only for the caller. */
typedef struct nthive_reach {
    nthive *hive;
    const nt_allocator *alloc;
    uint8_t *bits;     /* (hive bins size / 8 + 1) bits */
    size_t bytes;
    uint32_t keys;     /* key cells reached */
    uint32_t cells;    /* cells reached in all */
    uint32_t broken;   /* references of reached cells that could not be
                          followed (corrupt cells): what lies behind them
                          reads as unreferenced */
} nthive_reach;

/* Walks the live tree from the root and marks every cell it references:
 * key nodes, subkey lists (li, lf, lh, ri and its leaves), value lists,
 * values, value data (big data: the db record, its segment list and the
 * segments), class names and security cells. Only allocated cells are
 * followed; each key is entered once (a visited bit), so a cyclic or
 * shared graph costs nothing extra. The walk keeps its pending keys on a
 * stack from `alloc` (at most one entry per key cell) besides the bitmap.
 * The hive's diagnostic is left as it was.
 * Returns NT_OK (also when the root is unreadable: then nothing is
 * reached and `broken` is 1), NT_ERR_NOMEM (nothing held; *r may be
 * freed), or NT_ERR_INVALID (NULL arguments, allocator without
 * alloc/free). */
int nthive_reach_build(nthive_reach *r, nthive *h, const nt_allocator *alloc);

/* Releases the bitmap. Safe on a zeroed or failed map. */
void nthive_reach_free(nthive_reach *r);

/* Whether the live tree references the cell at `cell_offset`. */
bool nthive_reach_has(const nthive_reach *r, uint32_t cell_offset);

/* Scanner state; fields are private. */
typedef struct nthive_deleted_iter {
    nthive *hive;
    uint32_t bin, bin_end; /* current bin */
    uint32_t cell, cell_end; /* current cell */
    uint32_t pos;          /* next candidate (cell offset) */
    uint32_t steps;        /* bound on the work done */
    bool done;
    /* added with remnant and unreferenced records */
    const nthive_reach *reach; /* NULL: no unreferenced records */
    uint32_t tail_end;         /* end of the buffer (cell offsets) */
    uint8_t phase;             /* 0 hive bins data, 1 remnant tail */
    bool head;                 /* the record at `cell` is next */
    bool bare;                 /* ... and it has no size field */
    bool framed;               /* the tail cell lies in an hbin */
} nthive_deleted_iter;

/* Starts a scan of the whole hive bins data of an open hive, then of the
 * bytes of its buffer past the hive bins data, if any. */
void nthive_deleted_init(nthive_deleted_iter *it, nthive *h);

/* Makes the scan also yield the records of allocated cells that `r`
 * (built over the same hive, and kept alive during the scan) does not
 * reach, as NTHIVE_FOUND_UNREFERENCED. Call after nthive_deleted_init,
 * before the first nthive_deleted_next; NULL turns it off. */
void nthive_deleted_set_reach(nthive_deleted_iter *it, const nthive_reach *r);

/* Yields the next record that parses: a key (nk with a name that fits and
 * a plausible time) or a value (vk with a name that fits and known flags)
 * that is not part of a live allocated cell:
 *   - in the hive bins data: in free cells (FREE_CELL), in the slack of
 *     allocated cells (SLACK), and with a reach map the records of
 *     allocated cells the live tree does not reach (UNREFERENCED);
 *   - past it, when the buffer is longer than the hive bins data
 *     (REMNANT): where an "hbin" header frames the bytes, every cell of
 *     that bin (allocated ones too: nothing there is live) as above;
 *     elsewhere, records at 8-byte aligned cell boundaries whose size
 *     field is plausible (a multiple of 8 that fits in the buffer), and a
 *     record whose signature starts a 4096-byte page or the tail itself
 *     (its size field was cut off). Records there must also look sane
 *     (inline data of at most 4 bytes, aligned data offsets).
 * Every position is looked at once, so the scan is linear in the buffer
 * size; nothing past the buffer is read. Returns NT_OK or NT_END. */
int nthive_deleted_next(nthive_deleted_iter *it, nthive_deleted *out);

/* The data of a recovered value, read from its (probably free) cell: a
 * view of inline data, or of the data cell when it lies inside the
 * buffer and is large enough (whether the cell is still unallocated is not
 * checked here: nthive_deleted_data_init does). Returns NT_OK,
 * NT_ERR_UNSUPPORTED for big data (db: use nthive_deleted_data_init), or
 * NT_ERR_CORRUPT when the data cell is gone (offset outside the
 * data, cell smaller than the data, or overwritten by a cell boundary). */
int nthive_deleted_value_data(const nthive_value *v, const uint8_t **data, size_t *len);

/* How much of a recovered value's data survives. */
enum {
    NTHIVE_DATA_COMPLETE = 0, /* every byte, from unallocated cells (or
                                 inline in the vk) */
    NTHIVE_DATA_PARTIAL = 1,  /* big data with some segments gone */
    NTHIVE_DATA_LOST = 2,     /* nothing: data cell, db record or segment
                                 list gone, reused or implausible */
};

/* Reader of a recovered value's data, big data (db) included. Fields
 * above the line are the result of nthive_deleted_data_init; the rest is
 * private.
 * The rules, from the format: a deleted value's cells were freed with it,
 * so data is trusted only where its bytes still lie in unallocated cells
 * of the current cell chain of one bin (an allocated cell over them means
 * they were reused). Big data needs its "db" record and segment list to
 * be unallocated, the segment count to be exactly ceil(size / 16344) and
 * the size to fit in the hive; then each segment is checked alone.
 * Cells past the hive bins data (remnants) count as unallocated whatever
 * their size field says: nothing there is live; they must lie wholly in
 * the buffer. */
typedef struct nthive_deleted_data {
    int state;            /* NTHIVE_DATA_* */
    uint32_t size;        /* the vk's data size */
    uint32_t length;      /* bytes nthive_deleted_data_next yields: size,
                             or 0 when lost */
    uint32_t recovered;   /* bytes of those that come from the hive */
    uint32_t segments;    /* big data: segments listed (0: not big data) */
    uint32_t segments_ok; /* ... of which survive */
    bool record_reused;   /* the vk's own cell is allocated again (a
                             deleted key's list points at a live record):
                             name, type and data are not this value's;
                             state is LOST */
    bool unreferenced;    /* the vk's cell is allocated but the live
                             tree does not reach it (reach map given):
                             its data may lie in allocated cells the
                             live tree does not reach either */
    /* ---- */
    nthive *hive;
    const uint8_t *single;
    uint32_t list, index, remaining;
    const nthive_reach *reach;
} nthive_deleted_data;

/* Judges the data of a recovered value `v` (from nthive_deleted_next or
 * nthive_deleted_key_value) and prepares to read it. Never fails: what
 * cannot be read is reported as NTHIVE_DATA_LOST. Returns NT_OK. */
int nthive_deleted_data_init(const nthive_value *v, nthive_deleted_data *d);

/* As nthive_deleted_data_init, with the live tree's reach map `r` (may be
 * NULL: then the same). A vk whose cell is allocated is judged by it:
 * reached means the record is live (record_reused, LOST, as without a
 * map); not reached means an unreferenced record (d->unreferenced), whose
 * data cells count when they are unallocated or allocated and not
 * reached. `r` must outlive the reads of `d`. Returns NT_OK. */
int nthive_deleted_data_init_reach(const nthive_value *v, const nthive_reach *r, nthive_deleted_data *d);

/* Next piece of the data, in order: a view of `*len` bytes into the hive
 * buffer, or *piece == NULL for `*len` bytes of a lost segment (a reader
 * shows them as unknown, e.g. zeros plus the range). Returns NT_OK or
 * NT_END. */
int nthive_deleted_data_next(nthive_deleted_data *d, const uint8_t **piece, size_t *len);

/* Who a recovered value belonged to. */
enum {
    NTHIVE_OWNER_NONE = 0,          /* no key references it */
    NTHIVE_OWNER_DELETED_LIST = 1,  /* in a deleted key's value list */
    NTHIVE_OWNER_DELETED_SLACK = 2, /* in the slack of a deleted key's value
                                       list (past its value count) */
    NTHIVE_OWNER_LIVE_SLACK = 3,    /* in the slack of a live key's value
                                       list: deleted from that key */
    NTHIVE_OWNER_OLD_LIST = 4,      /* in a freed copy of a live key's value
                                       list (a free cell whose leading
                                       dwords all point at vk records, one
                                       of them in the key's list now):
                                       Windows moves a growing list to a
                                       new cell and frees the old one */
};

/* One reference from a value list to a vk cell. */
typedef struct nthive_owner_ref {
    uint32_t value; /* vk cell offset */
    uint32_t key;   /* nk cell offset of the key whose list holds it */
    uint32_t how;   /* NTHIVE_OWNER_* */
} nthive_owner_ref;

/* The value-list references of a hive, sorted by value then `how`. */
typedef struct nthive_owner_map {
    nthive *hive;
    const nt_allocator *alloc;
    nthive_owner_ref *refs;
    size_t count, cap;
    bool truncated; /* the bound (hive bins size / 8 + 4096 references) was
                       reached: some references were left out */
} nthive_owner_map;

/* Collects, with memory from `alloc`, every reference to a vk record from
 * the value list of a deleted key of the hive bins data (what
 * nthive_deleted_next finds there, remnants left out) - its entries and
 * the slack after them - from the value list of every allocated nk cell
 * ("live" keys: the slack, and the counted entries, which serve only to
 * match freed copies of the list) and from free cells that look like
 * freed copies of a live key's list, so that a recovered value whose
 * owner key is gone can be attributed. Entries of slack and freed lists
 * count only when they point at a "vk" signature; at most 1024 such
 * entries per list.
 * Returns NT_OK, NT_ERR_NOMEM (the map is then empty but may be freed) or
 * NT_ERR_INVALID (NULL arguments, allocator without alloc/free). */
int nthive_owner_map_build(nthive_owner_map *m, nthive *h, const nt_allocator *alloc);

/* Releases the map's memory. */
void nthive_owner_map_free(nthive_owner_map *m);

/* The best owner of the vk cell at `value_off`: a deleted key that lists
 * it, else one whose list slack holds it, else a live key whose list slack
 * holds it, else a live key an old copy of whose list holds it (the
 * lowest key offset on ties). A value a live key lists now has no owner
 * here (it is not deleted). *owner gets the key
 * (a view as nthive_deleted_key_path takes), *how NTHIVE_OWNER_*; *others
 * (may be NULL) how many other references to it there are. Returns NT_OK or
 * NT_ERR_NOT_FOUND (how = NTHIVE_OWNER_NONE). */
int nthive_value_owner(const nthive_owner_map *m, uint32_t value_off, nthive_key *owner, uint32_t *how,
                       uint32_t *others);

/* Builds the best path of a recovered (or live) key from its parent chain:
 * the names of the ancestors below the root and its own, '\' separated,
 * UTF-8, into `buf` (capacity `cap`, NUL added when there is room);
 * *len gets the full length, *complete whether the chain reached the root.
 * A chain that breaks (bad parent, loop, > 512 levels) gives the part that
 * was found, without the unknown top. Returns NT_OK or NT_ERR_RANGE (buf
 * too small: *len says what is needed). */
int nthive_deleted_key_path(const nthive_key *key, char *buf, size_t cap, size_t *len, bool *complete);

/* Iterates the value list of a recovered key (cells may be free). Returns
 * NT_OK and a value in *value, NT_END, or NT_ERR_CORRUPT (list gone; then
 * iteration stops). `index` counts from 0. */
int nthive_deleted_key_value(const nthive_key *key, uint32_t index, nthive_value *value);

/* ---- layered keys (version 1.6) --------------------------------------------- */

/* Layer semantics of a key. */
enum {
    NTHIVE_LAYER_NONE = 0,            /* ordinary key */
    NTHIVE_LAYER_TOMBSTONE = 1,       /* the key is deleted in this layer */
    NTHIVE_LAYER_SUPERSEDE_LOCAL = 2, /* hides the lower layers' values */
    NTHIVE_LAYER_SUPERSEDE_TREE = 3,  /* hides the lower layers' subtree */
};

typedef struct nthive_layer {
    unsigned semantics; /* NTHIVE_LAYER_* */
    bool inherit_class; /* the class name comes from the lower layer */
    bool layered_hive;  /* the base block says the hive has layered keys */
} nthive_layer;

/* Decodes the layer bits of `key` (byte 1 of the access bits dword). In a
 * hive below version 1.6 everything reads NONE / false, whatever the byte
 * holds. Cannot fail. */
void nthive_key_layer(const nthive_key *key, nthive_layer *layer);

/* True when `value` is a layered-key tombstone: version 1.6 and vk flag
 * NTHIVE_VALUE_TOMBSTONE. */
bool nthive_value_is_tombstone(const nthive_value *value);

/* Name of a layer semantics value ("none", "tombstone", "supersede-local",
 * "supersede-tree"). */
const char *nthive_layer_name(unsigned semantics);

#ifdef __cplusplus
}
#endif
#endif
