/* ntfs.h - libntfs, a read-only NTFS parser (freestanding C11).
 *
 * The volume is read through the caller's read callback and every byte of
 * memory comes from the caller's allocator (see ntcore/allocator.h). Nothing
 * here touches libc, the OS or global state. Every structure read from the
 * volume is untrusted: functions return NT_ERR_CORRUPT and record a
 * diagnostic (ntfs_diag) naming the byte offset on the volume, the MFT record
 * and the rule that was broken.
 *
 * Object model (all handles are opaque and allocated with the config's
 * allocator; each must be released by its close function):
 *
 *   ntfs_volume  one mounted volume: geometry, $MFT runs, $UpCase, caches
 *   ntfs_file    one MFT base record (a file or a directory)
 *   ntfs_stream  one attribute's data ($DATA unnamed or named, or any other
 *                attribute type), readable at any offset
 *   ntfs_dir     an iterator over a directory's $I30 index, collation order
 *
 * A file or stream handle keeps a pointer to its volume: close them before
 * ntfs_unmount. Handles of one volume must not be used from several threads
 * at once unless the config supplies lock/unlock callbacks; then every
 * public function holds the lock while it runs.
 *
 * File references: the 64-bit value NTFS stores (record number in the low
 * 48 bits, sequence number in the high 16). Functions that take a reference
 * check the sequence number unless it is 0.
 *
 * Status codes (ntcore/status.h): NT_OK, NT_END (iterator done), and the
 * negative NT_ERR_* codes. Every function below may also return NT_ERR_IO
 * when the read callback fails, and NT_ERR_NOMEM when the allocator returns
 * NULL; after NT_ERR_NOMEM every object is unchanged and usable. */
#ifndef NTFS_H
#define NTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntcore/allocator.h"
#include "ntcore/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest name in UTF-8 bytes: 255 UTF-16 units, at most 3 bytes each. */
#define NTFS_NAME_MAX 765

/* Well-known MFT record numbers. */
#define NTFS_REC_MFT 0
#define NTFS_REC_MFTMIRR 1
#define NTFS_REC_LOGFILE 2
#define NTFS_REC_VOLUME 3
#define NTFS_REC_ATTRDEF 4
#define NTFS_REC_ROOT 5
#define NTFS_REC_BITMAP 6
#define NTFS_REC_BOOT 7
#define NTFS_REC_BADCLUS 8
#define NTFS_REC_SECURE 9
#define NTFS_REC_UPCASE 10
#define NTFS_REC_EXTEND 11

/* Reference helpers. */
#define NTFS_REF_RECORD(ref) ((uint64_t)((ref) & 0xFFFFFFFFFFFFull))
#define NTFS_REF_SEQ(ref) ((uint16_t)((ref) >> 48))

/* Attribute type codes (uint32_t on disk). Macros, not an enum: 0xFFFFFFFF
 * does not fit in the int an enumeration constant must be (C11 6.7.2.2p2). */
#define NTFS_AT_STANDARD_INFORMATION 0x10u
#define NTFS_AT_ATTRIBUTE_LIST 0x20u
#define NTFS_AT_FILE_NAME 0x30u
#define NTFS_AT_OBJECT_ID 0x40u
#define NTFS_AT_SECURITY_DESCRIPTOR 0x50u
#define NTFS_AT_VOLUME_NAME 0x60u
#define NTFS_AT_VOLUME_INFORMATION 0x70u
#define NTFS_AT_DATA 0x80u
#define NTFS_AT_INDEX_ROOT 0x90u
#define NTFS_AT_INDEX_ALLOCATION 0xA0u
#define NTFS_AT_BITMAP 0xB0u
#define NTFS_AT_REPARSE_POINT 0xC0u
#define NTFS_AT_EA_INFORMATION 0xD0u
#define NTFS_AT_EA 0xE0u
#define NTFS_AT_LOGGED_UTILITY_STREAM 0x100u
#define NTFS_AT_END 0xFFFFFFFFu /* end marker of a record's attributes */

/* File attribute flags ($STANDARD_INFORMATION / $FILE_NAME). */
enum ntfs_file_attr {
    NTFS_FA_READONLY = 0x0001,
    NTFS_FA_HIDDEN = 0x0002,
    NTFS_FA_SYSTEM = 0x0004,
    NTFS_FA_DIRECTORY = 0x0010,
    NTFS_FA_ARCHIVE = 0x0020,
    NTFS_FA_DEVICE = 0x0040,
    NTFS_FA_NORMAL = 0x0080,
    NTFS_FA_TEMPORARY = 0x0100,
    NTFS_FA_SPARSE = 0x0200,
    NTFS_FA_REPARSE = 0x0400,
    NTFS_FA_COMPRESSED = 0x0800,
    NTFS_FA_OFFLINE = 0x1000,
    NTFS_FA_NOT_INDEXED = 0x2000,
    NTFS_FA_ENCRYPTED = 0x4000,
    NTFS_FA_DUP_DIRECTORY = 0x10000000 /* $FILE_NAME copies: has an $I30 index */
};

/* $FILE_NAME namespaces. */
enum ntfs_namespace {
    NTFS_NS_POSIX = 0,
    NTFS_NS_WIN32 = 1,
    NTFS_NS_DOS = 2,
    NTFS_NS_WIN32_DOS = 3
};

/* Reparse tags decoded by ntfs_readlink. */
#define NTFS_REPARSE_TAG_MOUNT_POINT 0xA0000003u
#define NTFS_REPARSE_TAG_SYMLINK 0xA000000Cu

typedef struct ntfs_config {
    /* Passed to read, lock, unlock and parallel. */
    void *ctx;
    /* Reads `len` bytes at byte `offset` of the volume into `buf`. Returns 0
     * (NT_OK) when all bytes were read, anything else is an I/O error. */
    int (*read)(void *ctx, uint64_t offset, void *buf, size_t len);
    /* Where every allocation comes from (copied at mount). */
    nt_allocator allocator;
    /* Size of the volume in bytes, or 0 when unknown. Needed to find the
     * backup boot sector (the volume's last sector) when the primary one is
     * damaged. */
    uint64_t volume_size;
    /* Cache sizes; 0 picks the default. MFT records (default 64), index
     * blocks (default 16), decompressed compression units (default 4). */
    size_t mft_cache_records;
    size_t index_cache_blocks;
    size_t cu_cache_units;
    /* Optional (both NULL or both set): make one volume safe to share
     * between threads. */
    void (*lock)(void *ctx);
    void (*unlock)(void *ctx);
    /* Optional (parallel NULL and parallel_width 0, or parallel set and
     * parallel_width >= 1): lets a read decode independent pieces on
     * several CPUs. parallel(ctx, n, job, arg) must run job(arg, i) once
     * for every i in 0..n-1, in any order and possibly concurrently, and
     * return when all have run. The jobs only decode into disjoint memory
     * the library prepared; they never call back into libntfs, the
     * allocator or `read`, and the calling thread keeps the volume lock
     * until parallel returns. parallel_width is how many jobs can run at
     * once (e.g. the CPU count); the library makes a few jobs per unit
     * (at most 16 per call) so that uneven ones balance. When NULL,
     * everything runs on the caller's thread. Used for WOF reads that
     * cover several whole chunks (ntfs_stream_read); a WOF stream then
     * holds a staging buffer of up to 1 MiB and a 10-14 KiB workspace
     * per job, allocated on first use. */
    void (*parallel)(void *ctx, size_t n, void (*job)(void *arg, size_t i), void *arg);
    unsigned parallel_width;
} ntfs_config;

typedef struct ntfs_volume ntfs_volume;
typedef struct ntfs_file ntfs_file;
typedef struct ntfs_stream ntfs_stream;
typedef struct ntfs_dir ntfs_dir;

/* ---- volume ------------------------------------------------------------ */

/* Mounts a volume: validates the boot sector (falling back to the backup
 * boot sector at the end of the volume when config->volume_size is set),
 * reads $MFT's own run list (with $MFTMirr as fallback for the first
 * records) and loads $UpCase. `*out` receives a handle to pass to
 * ntfs_unmount. `config` is copied.
 * Errors: NT_ERR_INVALID (missing callback, only one of lock/unlock, or
 * parallel without parallel_width or the reverse),
 * NT_ERR_CORRUPT (no usable boot sector or $MFT, more than 2^32 clusters,
 * or a volume larger than config->volume_size when that is set; `diag`,
 * when not NULL, receives the diagnostic),
 * NT_ERR_UNSUPPORTED (a valid but unsupported geometry), NT_ERR_IO,
 * NT_ERR_NOMEM. */
int ntfs_mount(const ntfs_config *config, ntfs_volume **out, nt_diag *diag);

/* Releases the volume and its caches. Close files and streams first.
 * NULL is ignored. */
void ntfs_unmount(ntfs_volume *vol);

/* The last failure recorded on this volume (status NT_OK when none). The
 * pointer stays valid until ntfs_unmount. */
const nt_diag *ntfs_diag(const ntfs_volume *vol);

typedef struct ntfs_volume_info {
    char label[NTFS_NAME_MAX + 1]; /* UTF-8, NUL-terminated; "" when none */
    uint64_t serial;
    uint8_t major, minor;          /* NTFS version, e.g. 3.1 */
    uint16_t flags;                /* $VOLUME_INFORMATION flags */
    bool dirty;                    /* flags & 1 */
    uint32_t bytes_per_sector;
    uint32_t cluster_size;
    uint32_t mft_record_size;
    uint32_t index_block_size;
    uint64_t total_sectors;        /* from the boot sector */
    uint64_t total_clusters;
    uint64_t free_clusters;        /* counted in $Bitmap; UINT64_MAX if unread */
    uint64_t mft_lcn, mftmirr_lcn;
    uint64_t mft_size;             /* bytes of $MFT:$DATA */
    bool used_backup_boot;         /* the primary boot sector was damaged */
} ntfs_volume_info;

/* Fills `info`. Reads $Volume and counts free clusters in $Bitmap (skipped,
 * leaving UINT64_MAX, when `count_free` is false).
 * Errors: NT_ERR_CORRUPT (damaged $Volume or $Bitmap), NT_ERR_IO,
 * NT_ERR_NOMEM. */
int ntfs_volume_get_info(ntfs_volume *vol, bool count_free, ntfs_volume_info *info);

/* ---- files ------------------------------------------------------------- */

/* Opens the file whose base record is the one `ref` names (sequence checked
 * unless 0). The root directory is NTFS_REC_ROOT.
 * Errors: NT_ERR_NOT_FOUND (record not in use, an extension record, stale
 * sequence number, past the end of $MFT), NT_ERR_CORRUPT (bad record, with
 * the record number in the diagnostic), NT_ERR_IO, NT_ERR_NOMEM. */
int ntfs_open_ref(ntfs_volume *vol, uint64_t ref, ntfs_file **out);

/* Opens a file by path: UTF-8, components separated by '/' or '\\', from
 * the root (a leading separator is optional; "" and "/" are the root).
 * Components are matched case-insensitively with the volume's $UpCase
 * table, preferring an exact-case match (POSIX-namespace names that differ
 * only in case), and DOS 8.3 names match too. "." and ".." are honoured.
 * Errors: NT_ERR_NOT_FOUND (a component is missing or not a directory),
 * NT_ERR_INVALID (malformed UTF-8 or a component longer than 255 units),
 * NT_ERR_LIMIT (more than 4096 components), NT_ERR_CORRUPT, NT_ERR_IO,
 * NT_ERR_NOMEM. */
int ntfs_open_path(ntfs_volume *vol, const char *path, ntfs_file **out);

/* Closes a file handle. NULL is ignored. */
void ntfs_close(ntfs_file *f);

typedef struct ntfs_stat {
    uint64_t ref;              /* record number | sequence << 48 */
    uint16_t link_count;       /* from the record header */
    bool is_dir;               /* the record has an $I30 index */
    uint32_t file_attributes;  /* from $STANDARD_INFORMATION (NTFS_FA_*) */
    /* FILETIMEs (100 ns since 1601) from $STANDARD_INFORMATION. */
    uint64_t ctime, mtime, mft_mtime, atime;
    uint32_t owner_id, security_id; /* 0 when the volume is NTFS 1.2 */
    uint64_t size;             /* unnamed $DATA: data size (0 for dirs) */
    uint64_t alloc_size;       /* its allocated size (0 when resident) */
    uint64_t init_size;        /* its initialized (valid data) size */
    uint32_t reparse_tag;      /* 0 when the file has no reparse point */
    bool has_attribute_list;
} ntfs_stat;

/* Fills `st` from the base record and, for the sizes, the first extent of
 * the unnamed $DATA (which may live in an extension record).
 * Errors: NT_ERR_CORRUPT, NT_ERR_IO, NT_ERR_NOMEM. */
int ntfs_file_stat(ntfs_file *f, ntfs_stat *st);

typedef struct ntfs_name {
    uint64_t parent_ref;
    uint8_t name_space;        /* NTFS_NS_* */
    uint32_t flags;            /* file attribute flags of this copy */
    uint64_t ctime, mtime, mft_mtime, atime; /* this $FILE_NAME's times */
    uint64_t alloc_size, size; /* as recorded in this $FILE_NAME */
    size_t name_len;           /* bytes of UTF-8, without the NUL */
    char name[NTFS_NAME_MAX + 1];
} ntfs_name;

/* Iterates the file's $FILE_NAME attributes (hard links, DOS 8.3 names)
 * across the base and extension records. Set `*cursor` to 0 before the
 * first call. Returns NT_OK with `name` filled, NT_END when done, or
 * NT_ERR_CORRUPT / NT_ERR_IO / NT_ERR_NOMEM. */
int ntfs_file_next_name(ntfs_file *f, size_t *cursor, ntfs_name *name);

typedef struct ntfs_attr_info {
    uint32_t type;             /* NTFS_AT_* */
    uint16_t id;               /* attribute instance id */
    uint16_t flags;            /* 0x00FF compressed, 0x4000 encrypted, 0x8000 sparse */
    bool resident;
    uint64_t lowest_vcn;       /* this extent (non-resident only) */
    uint64_t size;             /* value / data size (of the first extent) */
    uint64_t alloc_size;
    uint64_t record;           /* MFT record that holds this attribute */
    size_t name_len;           /* UTF-8 bytes; 0 for unnamed */
    char name[NTFS_NAME_MAX + 1];
} ntfs_attr_info;

/* Iterates every attribute record of the file (through $ATTRIBUTE_LIST when
 * present; each extent of a non-resident attribute is reported). Set
 * `*cursor` to 0 before the first call. Returns NT_OK, NT_END, or an error.
 * Named $DATA attributes with lowest_vcn 0 are the alternate data streams. */
int ntfs_file_next_attr(ntfs_file *f, size_t *cursor, ntfs_attr_info *info);

/* ---- streams ----------------------------------------------------------- */

/* Opens the attribute of `type` with `name` (UTF-8, NULL or "" for the
 * unnamed one; matched case-insensitively) as a stream, assembling its run
 * list across every extent. $DATA is NTFS_AT_DATA. The stream keeps its own
 * copy of the run list (or resident value): the file may be closed first.
 * WOF ("Compact OS") files are read decompressed: when the file has a
 * reparse point with tag 0x80000017 whose data is a version-1 file-provider
 * header (XPRESS4K/8K/16K or LZX) and a `WofCompressedData` stream, its
 * unnamed $DATA stream has the unnamed $DATA's size (the uncompressed
 * size) and reads decompress chunks of WofCompressedData (which stays
 * readable by name, as stored). Such a stream holds one chunk buffer, the
 * LZX workspace, a 4 KiB table window and up to 4 cached chunks (chunks
 * are 4, 8, 16 or 32 KiB); reads of many whole chunks add, on first use, a
 * staging buffer of up to 1 MiB and a 10-14 KiB workspace per decoding job
 * (see ntfs_config.parallel). All are freed by ntfs_stream_close. WIM-backed
 * files, unknown versions or algorithms, or files without a
 * WofCompressedData stream read as stored. For such a stream
 * ntfs_stream_get_info/get_run describe where the data is stored: the
 * WofCompressedData stream (see ntfs_stream_get_info). A WofCompressedData stream
 * shorter than its chunk table makes this open fail with NT_ERR_CORRUPT.
 * Errors: NT_ERR_NOT_FOUND, NT_ERR_INVALID (bad UTF-8 name), NT_ERR_CORRUPT
 * (bad run list, extents that do not fit together, runs outside the
 * volume), NT_ERR_UNSUPPORTED (compression with clusters over 4 KiB),
 * NT_ERR_IO, NT_ERR_NOMEM. */
int ntfs_stream_open(ntfs_file *f, uint32_t type, const char *name, ntfs_stream **out);

/* Closes a stream. NULL is ignored. */
void ntfs_stream_close(ntfs_stream *s);

/* The stream's data size in bytes. */
uint64_t ntfs_stream_size(const ntfs_stream *s);

typedef struct ntfs_stream_info {
    uint64_t size, alloc_size, init_size;
    bool resident, compressed, sparse, encrypted;
    uint32_t compression_unit; /* bytes, 0 when not compressed */
    size_t run_count;
    /* WOF ("Compact OS") file read decompressed (see ntfs_stream_open):
     * wof is true and wof_algorithm is 0 XPRESS4K, 1 LZX, 2 XPRESS8K or
     * 3 XPRESS16K; otherwise false and 0. */
    bool wof;
    uint32_t wof_algorithm;
} ntfs_stream_info;

/* Fills `info` with the stream's sizes and flags.
 * For the unnamed $DATA of a WOF file (info->wof) the sizes and runs tell
 * where the data is stored, which is the WofCompressedData stream: size
 * and init_size are the uncompressed (logical) size that reads return,
 * alloc_size is WofCompressedData's allocated size, compressed is true,
 * compression_unit is the WOF chunk size (4, 8, 16 or 32 KiB), resident,
 * sparse and run_count are WofCompressedData's, and ntfs_stream_get_run
 * returns WofCompressedData's runs. As with LZNT1, a cluster of those runs
 * holds compressed bytes: byte offsets in the stream do not map onto them.
 * The unnamed $DATA itself (usually sparse, with no clusters) is not
 * described. */
void ntfs_stream_get_info(const ntfs_stream *s, ntfs_stream_info *info);

typedef struct ntfs_run {
    uint64_t vcn;
    int64_t lcn;               /* -1 for a sparse run */
    uint64_t length;           /* clusters */
} ntfs_run;

/* Returns NT_OK and the `index`-th data run of a non-resident stream, or
 * NT_END past the last one (and for resident streams). For a WOF file's
 * unnamed $DATA these are the runs of its WofCompressedData stream (see
 * ntfs_stream_get_info). */
int ntfs_stream_get_run(const ntfs_stream *s, size_t index, ntfs_run *run);

/* Reads up to `len` bytes at `offset` into `buf`, like pread: `*got`
 * receives the count, which is short only at the end of the stream (0 at
 * or past it). Sparse runs and bytes past the initialized size read as
 * zeros; LZNT1 compressed units are decompressed (through a bounded
 * cache). Uncompressed runs are read straight into `buf`. Encrypted
 * streams return their raw (encrypted) bytes. WOF chunks (see
 * ntfs_stream_open) a read covers whole are decompressed straight into
 * `buf`, the partial ones at its ends through the stream's chunk cache.
 * Errors: NT_ERR_CORRUPT (bad compressed unit, missing run; for WOF a
 * chunk table entry out of order or past the stream, or a chunk that does
 * not decode: the diagnostic's offset is then the offset in the
 * WofCompressedData stream),
 * NT_ERR_UNSUPPORTED (compressed stream without a decoder), NT_ERR_IO,
 * NT_ERR_NOMEM. */
int ntfs_stream_read(ntfs_stream *s, uint64_t offset, void *buf, size_t len, size_t *got);

/* ---- directories ------------------------------------------------------- */

typedef struct ntfs_dirent {
    uint64_t ref;              /* the entry's file reference */
    uint64_t parent_ref;
    uint8_t name_space;        /* NTFS_NS_*; DOS-only entries are skipped */
    uint32_t flags;            /* file attributes of the index copy */
    bool is_dir;               /* flags & NTFS_FA_DUP_DIRECTORY */
    uint64_t ctime, mtime, mft_mtime, atime; /* index copy (may be stale) */
    uint64_t size, alloc_size; /* index copy (may be stale) */
    uint32_t reparse_tag;      /* index copy; 0 unless flags & NTFS_FA_REPARSE */
    size_t name_len;           /* UTF-8 bytes */
    char name[NTFS_NAME_MAX + 1];
} ntfs_dirent;

/* Opens an iterator over a directory's $I30 index.
 * Errors: NT_ERR_NOT_FOUND (not a directory), NT_ERR_CORRUPT, NT_ERR_IO,
 * NT_ERR_NOMEM. */
int ntfs_dir_open(ntfs_file *dir, ntfs_dir **out);

/* Returns the next entry in collation order (NT_OK), or NT_END. DOS-only
 * 8.3 duplicates are not returned (see ntfs_file_next_name). Everything in
 * `ent` comes from the $FILE_NAME copy inside the $I30 index entry: no MFT
 * record is read, so listing is cheap, but the sizes, times and flags are
 * the copy Windows last wrote to the index and may be stale; open the file
 * (ntfs_open_ref + ntfs_file_stat) for current values. Index blocks
 * are visited at most once and the tree depth is limited, so a looping
 * index ends with NT_ERR_CORRUPT instead of hanging. */
int ntfs_dir_next(ntfs_dir *d, ntfs_dirent *ent);

/* Closes a directory iterator. NULL is ignored. */
void ntfs_dir_close(ntfs_dir *d);

/* Looks `name` (UTF-8, one component) up in directory `dir`, as
 * ntfs_open_path does for each component. `*ref` receives the file
 * reference. Errors: NT_ERR_NOT_FOUND, NT_ERR_INVALID, NT_ERR_CORRUPT,
 * NT_ERR_IO, NT_ERR_NOMEM. */
int ntfs_dir_lookup(ntfs_file *dir, const char *name, size_t name_len, uint64_t *ref);

/* ---- reparse points ---------------------------------------------------- */

typedef struct ntfs_reparse {
    uint32_t tag;
    bool relative;             /* symlink flag 1 (SYMLINK_FLAG_RELATIVE) */
    /* For symlinks and junctions: the print name (or, when empty, the
     * substitute name without its \??\ prefix), UTF-8, NUL-terminated. */
    size_t target_len;
    char target[4 * NTFS_NAME_MAX + 1];
    size_t substitute_len;
    char substitute[4 * NTFS_NAME_MAX + 1];
    /* The raw reparse data after the 8-byte header (all tags). */
    size_t data_len;
    uint8_t data[16384];
} ntfs_reparse;

/* Reads the file's $REPARSE_POINT. Symbolic links and junctions are
 * decoded; other tags leave target empty and carry the raw data.
 * Errors: NT_ERR_NOT_FOUND (no reparse point), NT_ERR_CORRUPT (lengths
 * outside the attribute), NT_ERR_IO, NT_ERR_NOMEM. */
int ntfs_readlink(ntfs_file *f, ntfs_reparse *rp);

/* ---- security ---------------------------------------------------------- */

/* Copies the file's self-relative security descriptor into `buf` (`cap`
 * bytes): from its $SECURITY_DESCRIPTOR attribute, or through its security
 * id in $Secure:$SII / $SDS. `*len` receives the descriptor's size.
 * Errors: NT_ERR_NOT_FOUND (none), NT_ERR_RANGE (cap too small; *len says
 * how much is needed), NT_ERR_CORRUPT, NT_ERR_IO, NT_ERR_NOMEM. */
int ntfs_file_security(ntfs_file *f, void *buf, size_t cap, size_t *len);

/* Formats the owner SID of a self-relative security descriptor as
 * "S-1-5-21-...". Errors: NT_ERR_CORRUPT (owner outside the descriptor or
 * malformed SID), NT_ERR_NOT_FOUND (no owner), NT_ERR_RANGE (cap too
 * small; out holds a NUL-terminated prefix when cap > 0). */
int ntfs_sd_owner_string(const void *sd, size_t sd_len, char *out, size_t cap);

/* Formats a SID (`len` bytes available at `sid`) as a string.
 * Errors: NT_ERR_CORRUPT, NT_ERR_RANGE as above. */
int ntfs_sid_to_string(const void *sid, size_t len, char *out, size_t cap);

/* ---- quotas ------------------------------------------------------------ */

/* A quota control entry of $Extend\$Quota:$Q (NTFS 3.x). */
typedef struct ntfs_quota {
    uint32_t owner_id;      /* as in ntfs_stat.owner_id; 1 = the defaults */
    uint32_t version, flags;
    uint64_t bytes_used;    /* bytes charged to this owner */
    uint64_t change_time;   /* FILETIME of the last change */
    uint64_t threshold;     /* warning level; UINT64_MAX = none */
    uint64_t limit;         /* hard limit; UINT64_MAX = none */
    uint64_t exceeded_time; /* FILETIME the threshold was passed, or 0 */
    size_t sid_len;         /* owner SID (0 for the defaults entry) */
    uint8_t sid[68];
} ntfs_quota;

/* Looks up the quota entry of `owner_id` (a file's ntfs_stat.owner_id).
 * Errors: NT_ERR_NOT_FOUND (no $Quota, or no entry for the owner: quotas
 * never tracked that owner), NT_ERR_CORRUPT, NT_ERR_IO, NT_ERR_NOMEM. */
int ntfs_quota_get(ntfs_volume *v, uint32_t owner_id, ntfs_quota *q);

#ifdef __cplusplus
}
#endif
#endif
