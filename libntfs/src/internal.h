/* internal.h - shared between libntfs's source files; not installed. */
#ifndef NTFS_INTERNAL_H
#define NTFS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntcore/allocator.h"
#include "ntcore/endian.h"
#include "ntcore/list.h"
#include "ntcore/mem.h"
#include "ntcore/status.h"
#include "ntcore/utf16.h"
#include "ntfs.h"

/* Everything declared below is the library's own: hidden, so that neither
 * the shared library exports it nor position-independent code reaches it
 * through the GOT (which would make the objects need _GLOBAL_OFFSET_TABLE_,
 * a symbol a freestanding link does not provide). */
#pragma GCC visibility push(hidden)

/* Safety limits (each protects against a loop or an unbounded allocation). */
#define NTFS_MAX_INDEX_DEPTH 32          /* B-tree levels */
#define NTFS_MAX_ATTR_LIST (4u << 20)    /* bytes of $ATTRIBUTE_LIST */
#define NTFS_MAX_PATH_COMPONENTS 4096
#define NTFS_MAX_RESIDENT (1u << 16)     /* a resident value never exceeds a record */

/* ---- boot_sector.c ---- */
typedef struct ntfs_geometry {
    uint32_t bytes_per_sector;
    uint32_t cluster_size;
    uint32_t cluster_shift;
    uint32_t mft_record_size;
    uint32_t index_block_size;
    uint64_t total_sectors;
    uint64_t total_clusters;
    uint64_t mft_lcn;
    uint64_t mftmirr_lcn;
    uint64_t serial;
} ntfs_geometry;

/* Validates a 512-byte boot sector and decodes it. NT_OK or NT_ERR_CORRUPT
 * with *rule naming the broken rule. */
int ntfs_boot_sector_parse(const uint8_t *bs, ntfs_geometry *g, const char **rule);

/* ---- fixup.c ---- */
/* Checks and removes the update sequence array of a multi-sector record of
 * `size` bytes in place. NT_OK or NT_ERR_CORRUPT (*rule set, *where = byte
 * offset inside the record). */
int ntfs_fixup_apply(uint8_t *rec, size_t size, const char **rule, size_t *where);

/* ---- data_runs.c ---- */
typedef struct ntfs_runlist {
    ntfs_run *runs;
    size_t count, cap;
} ntfs_runlist;

/* Decodes a mapping-pairs array of `len` bytes starting at VCN `vcn`,
 * appending to `rl`. Every run must lie inside `total_clusters`; the
 * decoded runs must end exactly at `highest_vcn + 1`. */
int ntfs_runs_decode(const uint8_t *p, size_t len, uint64_t vcn, uint64_t highest_vcn,
                     uint64_t total_clusters, ntfs_runlist *rl, const nt_allocator *a,
                     const char **rule, size_t *where);
void ntfs_runlist_free(ntfs_runlist *rl, const nt_allocator *a);
/* Index of the run holding `vcn`, or rl->count when none. */
size_t ntfs_runs_find(const ntfs_runlist *rl, uint64_t vcn);

/* ---- attribute.c ---- */
typedef struct ntfs_attr {
    const uint8_t *hdr;        /* the attribute record inside its MFT record */
    size_t off;                /* its byte offset in that record */
    uint32_t type;
    uint32_t length;
    bool resident;
    uint8_t name_len;          /* UTF-16 units */
    const uint8_t *name;       /* UTF-16LE */
    uint16_t flags;
    uint16_t id;
    /* resident */
    const uint8_t *value;
    uint32_t value_len;
    /* non-resident */
    uint64_t lowest_vcn, highest_vcn;
    const uint8_t *runs;
    uint32_t runs_len;
    uint8_t cu_shift;
    uint64_t alloc_size, data_size, init_size;
} ntfs_attr;

/* Parses the attribute at `off` in a fixed-up record of `used` valid bytes.
 * NT_OK, NT_END at the end marker, NT_ERR_CORRUPT (*rule). */
int ntfs_attr_parse(const uint8_t *rec, size_t used, size_t off, ntfs_attr *at, const char **rule);

/* ---- the volume ---- */
typedef struct ntfs_cache_slot {
    nt_list_entry lru;         /* most recently used first */
    bool valid;
    uint64_t key1, key2;
    uint8_t *buf;
} ntfs_cache_slot;

typedef struct ntfs_cache {
    ntfs_cache_slot *slots;
    size_t cap;                /* slots allocated */
    size_t count;              /* slots with a buffer */
    size_t buf_size;
    nt_list_entry lru;
    uint64_t gen;              /* bumped whenever a slot may change its contents */
} ntfs_cache;

/* An assembled attribute value: resident bytes or a run list. */
typedef struct ntfs_data {
    uint32_t type;
    uint16_t flags;
    bool resident;
    uint8_t *value;            /* resident copy (allocated) */
    size_t value_len;
    ntfs_runlist rl;
    uint64_t data_size, init_size, alloc_size;
    uint32_t cu_size;          /* bytes per compression unit; 0 = none */
    uint64_t next_vcn;         /* where the next extent must start */
    bool loaded;               /* the first extent was seen */
    uint64_t record;           /* base record, for diagnostics */
} ntfs_data;

struct ntfs_volume {
    ntfs_config cfg;
    nt_allocator a;
    nt_diag diag;
    ntfs_geometry g;
    bool used_backup_boot;
    uint32_t mirror_records;   /* records readable from $MFTMirr */
    ntfs_data mft;             /* $MFT:$DATA */
    uint16_t *upcase;          /* $UpCase, or NULL (ASCII only) */
    size_t upcase_len;
    ntfs_cache rec_cache;      /* key1 = record number */
    ntfs_cache idx_cache;      /* key1 = stream id, key2 = block vcn */
    ntfs_cache cu_cache;       /* key1 = stream id, key2 = unit index */
    uint64_t next_stream_id;
    uint8_t *cu_in;            /* compressed input of one unit (lazy) */
    /* MFT record read-ahead (mft_record.c): a miss near the previous miss
     * reads the following records too, up to half the record cache, in
     * one read into rec_batch (allocated on first use). */
    uint8_t *rec_batch;
    size_t rec_batch_len;
    uint64_t rec_last_miss;
};

struct ntfs_file {
    ntfs_volume *vol;
    uint64_t recno;
    uint16_t seq;
    uint8_t *rec;              /* private copy of the base record */
    size_t used;               /* valid bytes of rec */
    uint8_t *alist;            /* $ATTRIBUTE_LIST value or NULL */
    size_t alist_len;
    bool deleted;              /* base record not in use (mft_scan.c): see file.c */
};

struct ntfs_stream {
    ntfs_volume *vol;
    ntfs_data d;
    uint64_t id;               /* cache key */
};

/* Volume byte offset of byte `off` of MFT record `recno` (through $MFT's
 * run list), or NT_DIAG_NO_OFFSET when it cannot be mapped. Diagnostics of
 * a broken attribute point at the attribute with it. */
uint64_t ntfs_record_pos(const ntfs_volume *v, uint64_t recno, size_t off);

/* Records a corruption (or other failure) with its record number. */
int ntfs_fail(ntfs_volume *v, int status, uint64_t offset, uint64_t record, const char *rule);

/* Calls the read callback; NT_ERR_IO with a diagnostic on failure. */
int ntfs_dev_read(ntfs_volume *v, uint64_t off, void *buf, size_t len);

/* ---- mft_record.c ---- */
int ntfs_cache_init(ntfs_cache *c, size_t count, size_t buf_size, const nt_allocator *a);
void ntfs_cache_free(ntfs_cache *c, const nt_allocator *a);
/* Finds (key1, key2); returns the slot or NULL. A hit becomes most recent. */
ntfs_cache_slot *ntfs_cache_get(ntfs_cache *c, uint64_t k1, uint64_t k2);
/* The least recently used slot, invalidated and made most recent. */
ntfs_cache_slot *ntfs_cache_victim(ntfs_cache *c);
/* Invalidates every slot whose key1 matches. */
void ntfs_cache_drop(ntfs_cache *c, uint64_t k1);

/* Validates the header of a fixed-up record; *used receives bytes in use. */
int ntfs_record_check(ntfs_volume *v, uint8_t *rec, uint64_t recno, uint64_t dev_off, size_t *used);
/* Loads record `recno` through the cache. The returned buffer stays valid
 * until the next cache operation. */
int ntfs_record_load(ntfs_volume *v, uint64_t recno, const uint8_t **rec, size_t *used);

int ntfs_open_ref_nolock(ntfs_volume *v, uint64_t ref, ntfs_file **out);
/* Loads f->alist from the base record's $ATTRIBUTE_LIST, if it has one. */
int ntfs_file_load_alist(ntfs_file *f);

/* ---- attribute_list.c / file.c ---- */
typedef struct ntfs_attr_iter {
    ntfs_file *f;
    size_t pos;                /* offset in the base record or the list */
    const uint8_t *rec;        /* record of the current attribute */
    size_t used;
    uint64_t recno;
} ntfs_attr_iter;

void ntfs_attr_iter_init(ntfs_attr_iter *it, ntfs_file *f);
/* Next attribute of the file (NT_OK), NT_END, or an error. `at` points into
 * it->rec, valid until the next cache operation. */
int ntfs_attr_iter_next(ntfs_attr_iter *it, ntfs_attr *at);
/* Parses an attribute list value; entry at `off`. */
typedef struct ntfs_alist_entry {
    uint32_t type;
    uint16_t length;
    uint8_t name_len;
    const uint8_t *name;
    uint64_t lowest_vcn;
    uint64_t ref;
    uint16_t id;
} ntfs_alist_entry;
int ntfs_alist_entry_parse(const uint8_t *list, size_t len, size_t off, ntfs_alist_entry *e,
                           const char **rule);

/* ---- stream.c ---- */
/* Assembles attribute `type` / `name` (UTF-16LE, name_len units) of `f`. */
int ntfs_data_load(ntfs_file *f, uint32_t type, const uint8_t *name, size_t name_len, ntfs_data *d);
/* Fills d from one attribute extent with lowest VCN 0 (or a resident value). */
int ntfs_data_add_extent(ntfs_volume *v, ntfs_data *d, const ntfs_attr *at, uint64_t recno);
void ntfs_data_free(ntfs_volume *v, ntfs_data *d);
/* Reads bytes of an assembled attribute (no caching of data; compressed
 * units use the volume's cu cache keyed by `sid`). */
int ntfs_data_read(ntfs_volume *v, ntfs_data *d, uint64_t sid, uint64_t off, void *buf, size_t len,
                   size_t *got);

/* ---- upcase.c ---- */
int ntfs_upcase_load(ntfs_volume *v);
/* Compares UTF-16LE names with the volume's upcase table. */
int ntfs_name_cmp(const ntfs_volume *v, const uint8_t *a, size_t an, const uint8_t *b, size_t bn);

/* ---- index.c ---- */
typedef struct ntfs_index_entry {
    uint64_t ref;              /* file reference ($I30) */
    uint16_t data_off, data_len; /* view indexes ($SII) */
    uint16_t length, key_len, flags;
    const uint8_t *key;
    const uint8_t *entry;
    uint64_t child_vcn;        /* when flags & 1 */
} ntfs_index_entry;

/* Compares a search key with an entry's key: <0 go left, 0 found, >0 right. */
typedef int (*ntfs_index_cmp)(void *ctx, const ntfs_index_entry *e);

/* Finds an entry in the index named `iname` (UTF-16LE) of `f` with `cmp`;
 * copies it (up to cap bytes) to `out`. */
int ntfs_index_find(ntfs_file *f, const uint8_t *iname, size_t iname_len, ntfs_index_cmp cmp,
                    void *ctx, uint8_t *out, size_t cap, size_t *out_len);

/* Parses an index entry at `off` in [base, base+end). */
int ntfs_index_entry_parse(const uint8_t *base, size_t end, size_t off, ntfs_index_entry *e,
                           const char **rule);

/* Looks a UTF-16LE name up in a directory's $I30 (exact case preferred). */
int ntfs_dir_lookup_nolock(ntfs_file *dir, const uint8_t *name16, size_t units, uint64_t *ref);
/* A handle over a copy of MFT record `recno` (`rec`, `used` bytes in use),
 * in use or not (ntfs_file.deleted); the attribute list is not loaded. */
int ntfs_file_new(ntfs_volume *v, uint64_t recno, const uint8_t *rec, size_t used, ntfs_file **out);
/* Frees a file handle without taking the lock. */
void ntfs_file_free(ntfs_file *f);

/* Locking helpers used by every public function. */
static inline void ntfs_lock(ntfs_volume *v)
{
    if (v->cfg.lock)
        v->cfg.lock(v->cfg.ctx);
}
static inline void ntfs_unlock(ntfs_volume *v)
{
    if (v->cfg.unlock)
        v->cfg.unlock(v->cfg.ctx);
}

/* UTF-16LE name of $I30. */
extern const uint8_t ntfs_i30_name[8];

#pragma GCC visibility pop

#endif
