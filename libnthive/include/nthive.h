/* nthive.h - libnthive: a read-only parser for Windows registry hives (regf).
 *
 * This header is the manual. Read it top to bottom once.
 *
 * Model
 * -----
 * The caller maps or reads a whole primary hive file into memory and hands
 * the bytes to nthive_open(). The library never copies them and never
 * allocates on the read path: keys, values and names are small structs the
 * caller owns that point into the caller's buffer, which must stay valid and
 * unchanged while any of them is in use. Only the tree walker (nthive_walk_*)
 * allocates, through the caller's nt_allocator, for its bounded stack and
 * its visited-set.
 *
 * Supported: format versions 1.3, 1.4, 1.5 and 1.6 (1.6 layered-key
 * semantics are not interpreted: a differencing hive reads as the tree it
 * stores). Versions 1.1/1.2 (NT 3.x) and transaction logs are rejected with
 * NT_ERR_UNSUPPORTED. Logs are not replayed: a dirty hive reads as its
 * primary file says.
 *
 * Every byte of the hive is untrusted. Each access checks bounds; a broken
 * rule returns NT_ERR_CORRUPT (or NT_ERR_LIMIT for a safety limit) and
 * records the hive's last diagnostic (nthive_diag): status, the *file*
 * offset of the offending structure (hive-bin offsets + 4096), and a static
 * string naming the rule. A bad key or value does not poison the hive:
 * every other key stays readable, and the iterators step past bad entries.
 *
 * Offsets
 * -------
 * "Cell offsets" (nthive_key.offset, nthive_value.offset, ...) are relative
 * to the start of the hive-bins data, as on disk; file offset = cell offset
 * + NTHIVE_BINS_START. Diagnostics use file offsets.
 *
 * Threads: a nthive and everything derived from it belong to one thread at
 * a time (lookups update a small bin cache and the diagnostic).
 *
 * Cost: no pre-scan of cells. Finding a cell's bin walks back from the cell
 * in 4096-byte steps to the bin header (one step in real hives, whose bins
 * are a page or a few); a cache of the last 8 bins makes repeated lookups
 * in the same bins free, so crafted huge bins cannot make a walk slow by
 * alternating between them.
 *
 * Example
 * -------
 *     nthive h;
 *     nthive_key root, tcpip;
 *     nthive_value v;
 *     char text[256];
 *     const uint8_t *d;
 *     size_t len;
 *     if (nthive_open(&h, map, map_size) != NT_OK) {
 *         const nt_diag *e = nthive_diag(&h);    // e->offset, e->rule
 *         ...
 *     }
 *     if (nthive_root(&h, &root) == NT_OK &&
 *         nthive_key_open(&root, "ControlSet001\\Services\\Tcpip", 28, &tcpip) == NT_OK &&
 *         nthive_key_value(&tcpip, "ImagePath", 9, &v) == NT_OK &&
 *         nthive_value_data(&v, &d, &len) == NT_OK)
 *         nthive_string_to_utf8(d, len, text, sizeof text, &len);
 */
#ifndef NTHIVE_H
#define NTHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntcore/allocator.h"
#include "ntcore/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* File offset of the first hive bin: the base block is 4096 bytes. */
#define NTHIVE_BINS_START 4096u
/* Marker for "no cell" in offset fields. */
#define NTHIVE_NO_CELL 0xFFFFFFFFu
/* Largest payload of one big-data segment (versions 1.4 and later). */
#define NTHIVE_DB_SEGMENT 16344u
/* Bins remembered by a hive, so that lookups alternating between a few
 * large bins do not walk back to their headers each time. */
#define NTHIVE_BIN_CACHE 8u
/* Default depth limit of the walker; Windows itself stops at 512 levels. */
#define NTHIVE_WALK_DEFAULT_DEPTH 1024u

/* Value types. Any other number is legal and is read as raw bytes. */
enum {
    NTHIVE_REG_NONE = 0,
    NTHIVE_REG_SZ = 1,
    NTHIVE_REG_EXPAND_SZ = 2,
    NTHIVE_REG_BINARY = 3,
    NTHIVE_REG_DWORD = 4,
    NTHIVE_REG_DWORD_BIG_ENDIAN = 5,
    NTHIVE_REG_LINK = 6,
    NTHIVE_REG_MULTI_SZ = 7,
    NTHIVE_REG_RESOURCE_LIST = 8,
    NTHIVE_REG_FULL_RESOURCE_DESCRIPTOR = 9,
    NTHIVE_REG_RESOURCE_REQUIREMENTS_LIST = 10,
    NTHIVE_REG_QWORD = 11,
};

/* Key node (nk) flags, as stored. */
enum {
    NTHIVE_KEY_VOLATILE = 0x0001,
    NTHIVE_KEY_HIVE_EXIT = 0x0002,
    NTHIVE_KEY_HIVE_ENTRY = 0x0004, /* the root key */
    NTHIVE_KEY_NO_DELETE = 0x0008,
    NTHIVE_KEY_SYM_LINK = 0x0010,
    NTHIVE_KEY_COMP_NAME = 0x0020, /* name stored as Latin-1 bytes */
    NTHIVE_KEY_PREDEF_HANDLE = 0x0040,
    NTHIVE_KEY_VIRTUAL_SOURCE = 0x0080,
    NTHIVE_KEY_VIRTUAL_TARGET = 0x0100,
    NTHIVE_KEY_VIRTUAL_STORE = 0x0200,
};

/* Key value (vk) flags, as stored. */
enum {
    NTHIVE_VALUE_COMP_NAME = 0x0001, /* name stored as Latin-1 bytes */
    NTHIVE_VALUE_TOMBSTONE = 0x0002, /* v1.6 layered key: deleted value */
};

/* An open hive. The caller owns it (stack, static or heap); all fields are
 * private: use the functions below. */
typedef struct nthive {
    const uint8_t *file; /* the caller's buffer */
    size_t file_size;
    const uint8_t *bins;    /* file + 4096 */
    uint32_t bins_size;     /* usable hive-bins bytes */
    uint32_t max_bin;       /* largest well-formed bin, bounds bin lookups */
    uint32_t bad_bins;      /* bin headers that failed their checks */
    uint32_t first_bad_bin; /* cell offset of the first one */
    uint32_t minor;
    uint32_t bin_start[NTHIVE_BIN_CACHE]; /* bins found last (round robin) */
    uint32_t bin_size[NTHIVE_BIN_CACHE];
    uint32_t bin_next;
    const uint32_t *bin_index; /* optional: (start, size) per 4096-byte page */
    uint32_t bin_index_pages;
    nt_diag diag;
} nthive;

/* The base block (header) as stored, plus the verdicts derived from it. */
typedef struct nthive_info {
    uint32_t seq_primary, seq_secondary;
    bool dirty;         /* sequence numbers differ: a log was not applied */
    uint64_t timestamp; /* FILETIME of the last write */
    uint32_t major, minor;
    uint32_t file_type;   /* 0 = primary file */
    uint32_t file_format; /* 1 = direct memory load */
    uint32_t root_offset; /* cell offset of the root key */
    uint32_t hbins_size;  /* hive-bins data size declared in the header */
    uint32_t usable_size; /* what the file actually holds of it */
    uint32_t clustering_factor;
    uint32_t flags;           /* Windows 10 base-block flags (0x90) */
    const uint8_t *file_name; /* 64 bytes of UTF-16LE, NUL-padded (view) */
    size_t file_name_units;   /* units up to the first NUL */
    uint32_t checksum_stored;
    uint32_t checksum_computed;
    bool checksum_ok;
    uint32_t bad_bins;      /* hbin headers that failed their checks */
    uint32_t first_bad_bin; /* cell offset of the first, if any */
    bool truncated;         /* the file is shorter than the header says */
} nthive_info;

/* A name as stored: Latin-1 bytes (compressed) or UTF-16LE code units. A
 * view into the hive; NULs and '\' may occur inside; never terminated. */
typedef struct nthive_name {
    const uint8_t *data;
    size_t len;  /* in bytes */
    bool latin1; /* true: one byte per character; false: UTF-16LE */
} nthive_name;

/* A key (nk cell). Plain data: copy it freely while the hive lives. */
typedef struct nthive_key {
    nthive *hive;
    uint32_t offset;   /* cell offset of the nk */
    uint32_t size;     /* cell payload bytes */
    const uint8_t *nk; /* cell payload */
} nthive_key;

/* A value (vk cell). Plain data like nthive_key. */
typedef struct nthive_value {
    nthive *hive;
    uint32_t offset;
    uint32_t size;
    const uint8_t *vk;
} nthive_value;

/* Iterator over a key's subkey list (li, lf, lh, or ri over leaves). */
typedef struct nthive_subkey_iter {
    nthive *hive;
    const uint8_t *list; /* top list payload (NULL when done) */
    uint32_t list_offset;
    uint32_t count, index; /* entries of the top list */
    uint16_t kind;         /* signature of the top list */
    const uint8_t *leaf;   /* current leaf under an ri (or NULL) */
    uint32_t leaf_offset;
    uint32_t leaf_count, leaf_index;
    uint16_t leaf_kind;
} nthive_subkey_iter;

/* Iterator over a key's value list. */
typedef struct nthive_value_iter {
    nthive *hive;
    const uint8_t *list;
    uint32_t list_offset;
    uint32_t count, index;
} nthive_value_iter;

/* Iterator over the pieces of one value's data: one piece for inline and
 * ordinary data, one per segment for big data (db). */
typedef struct nthive_data_iter {
    nthive *hive;
    const uint8_t *single;   /* the only piece, when not big data */
    const uint8_t *segments; /* db segment list payload */
    uint32_t segments_offset;
    uint32_t count, index;
    uint32_t remaining; /* bytes still to deliver */
} nthive_data_iter;

/* Iterator over the strings of REG_MULTI_SZ data. */
typedef struct nthive_multi_sz {
    const uint8_t *data;
    size_t units, pos;
} nthive_multi_sz;

/* ---- opening ---------------------------------------------------------- */

/* Opens the hive held in `data` (`size` bytes: the whole file). Checks the
 * base block (signature, version, file type and format) and scans the hbin
 * headers once; it does not validate cells up front. A checksum mismatch,
 * differing sequence numbers (dirty), a header size larger than the file
 * (truncation), trailing bytes after the declared hive-bins data and bad
 * hbin headers are reported by nthive_get_info() and are not fatal.
 * `h` is filled in; `data` must outlive it. Nothing to close.
 * Returns NT_OK, or:
 *   NT_ERR_INVALID     h or data is NULL;
 *   NT_ERR_CORRUPT     shorter than a base block, or no "regf" signature;
 *   NT_ERR_UNSUPPORTED major version not 1, minor 1/2 (NT 3.x) or above 6,
 *                      a transaction log (file type != 0), or a file
 *                      format other than 1.
 * On failure nthive_diag(h) says which rule failed. */
int nthive_open(nthive *h, const void *data, size_t size);

/* The last diagnostic recorded on the hive (status NT_OK when none). */
const nt_diag *nthive_diag(const nthive *h);

/* Fills `info` with the base-block fields and verdicts. Cannot fail on an
 * open hive. */
void nthive_get_info(const nthive *h, nthive_info *info);

/* Bytes of the optional bin index of this hive: 8 per 4096 bytes of
 * hive-bins data (25 KiB for a 12 MiB hive). 0 when there are no bins. */
size_t nthive_bin_index_size(const nthive *h);

/* Gives the hive an index of its bins in `buf` (`size` bytes, at least
 * nthive_bin_index_size(h), 4-byte aligned), filled here from one pass over
 * the bin headers. From then on, finding the bin of a cell is one table
 * read instead of a walk back to the bin header: lookups and walks get
 * faster; results do not change for well-formed hives. The caller owns
 * `buf`; it must stay valid and unchanged while `h` is used, and
 * nthive_open() on `h` forgets it. Without an index, the hive works as
 * described under "Cost" above.
 * Returns NT_OK, or NT_ERR_INVALID (NULL, misaligned or too small: the hive
 * then goes on without an index). */
int nthive_set_bin_index(nthive *h, void *buf, size_t size);

/* Computes the base-block checksum over the first 508 bytes of `base`:
 * XOR of 127 little-endian dwords, with 0 mapped to 1 and 0xFFFFFFFF to
 * 0xFFFFFFFE as Windows does. */
uint32_t nthive_base_block_checksum(const void *base);

/* ---- keys -------------------------------------------------------------- */

/* Opens the root key named by the base block.
 * Returns NT_OK or NT_ERR_CORRUPT (see nthive_key_at). */
int nthive_root(nthive *h, nthive_key *key);

/* Opens the key whose nk cell is at cell offset `offset`. Checks the cell
 * (allocated, 8-aligned, inside one bin), the "nk" signature, the fixed
 * fields' size and that the name fits in the cell.
 * Returns NT_OK or NT_ERR_CORRUPT. */
int nthive_key_at(nthive *h, uint32_t offset, nthive_key *key);

/* The key's name (a view). The root's name is whatever Windows stored
 * (often "ROOT", "CMI-CreateHive{...}" or similar). */
void nthive_key_name(const nthive_key *key, nthive_name *name);

/* Stored fields. last_written is a FILETIME (100 ns since 1601-01-01). */
uint16_t nthive_key_flags(const nthive_key *key);
uint64_t nthive_key_last_written(const nthive_key *key);
uint32_t nthive_key_parent_offset(const nthive_key *key);
uint32_t nthive_key_subkey_count(const nthive_key *key);
uint32_t nthive_key_value_count(const nthive_key *key);
/* The nk "access bits" dword (v1.6 layered-key bits live in byte 1). */
uint32_t nthive_key_access_bits(const nthive_key *key);

/* The key's class name as a UTF-16LE view (name->latin1 is false).
 * Returns NT_OK, NT_ERR_NOT_FOUND when the key has none, or NT_ERR_CORRUPT
 * when the class cell is bad or shorter than the stored length. */
int nthive_key_class(const nthive_key *key, nthive_name *class_name);

/* The key's security descriptor: the raw self-relative
 * SECURITY_DESCRIPTOR bytes from its sk cell (a view).
 * Returns NT_OK, NT_ERR_NOT_FOUND when the key has no sk offset, or
 * NT_ERR_CORRUPT (bad cell, no "sk" signature, descriptor past the cell). */
int nthive_key_security(const nthive_key *key, const uint8_t **sd, size_t *len);

/* ---- subkeys ----------------------------------------------------------- */

/* Starts iterating the key's subkeys in on-disk list order. A key with a
 * subkey count of 0 yields nothing (its list offset is not looked at).
 * Returns NT_OK, or NT_ERR_CORRUPT when the list cell is bad, has an unknown
 * signature, or its entries run past the cell (the iterator then yields
 * nothing). Volatile subkeys are never on disk and are ignored. */
int nthive_subkeys(const nthive_key *key, nthive_subkey_iter *it);

/* Yields the next subkey into `child`. Returns NT_OK, NT_END when done, or
 * NT_ERR_CORRUPT for a bad entry (an entry pointing to a bad nk, an ri
 * entry pointing to a bad leaf or to another ri). After an error the
 * iterator has moved past the bad entry (or leaf): call again to go on. */
int nthive_subkey_next(nthive_subkey_iter *it, nthive_key *child);

/* Finds the direct subkey called `name` (`len` bytes of UTF-8, not
 * terminated), comparing as Windows does: UTF-16 code units upcased with
 * nthive_upcase(). Uses binary search over the sorted list (through an ri's
 * leaves) and, when that misses, a linear scan, so unsorted lists still
 * work. Returns NT_OK, NT_ERR_NOT_FOUND, NT_ERR_INVALID (name is not valid
 * UTF-8), or NT_ERR_CORRUPT when the list itself is bad. Bad entries met
 * during the scan are skipped. */
int nthive_key_subkey(const nthive_key *key, const char *name, size_t len, nthive_key *child);

/* Opens `path` (UTF-8, `len` bytes) below `from`, each component looked up
 * as nthive_key_subkey does; empty components are ignored (so leading and
 * doubled separators are fine); an empty path gives `from` itself.
 * Separators: key names may contain '/' (MIME types, URLs) but never '\'.
 *  - A path holding a '\' is split at '\' only: "Content Type\a/b" opens
 *    the subkey "a/b" of "Content Type".
 *  - A path with only '/' is ambiguous. At each level the longest piece
 *    that may be one name is tried first, as written ("a/b/c", then "a/b",
 *    then "a"; at most 16 slashes inside one name), and '/' separates only
 *    where the longer name does not exist. When the rest of the path then
 *    fails, the 32 most recent levels that had a shorter alternative are
 *    revisited (backtracking). Lookups are capped at 17 per component plus
 *    256 (NT_ERR_LIMIT beyond). Write '\' to avoid the search.
 * Returns NT_OK, NT_ERR_NOT_FOUND, NT_ERR_INVALID (bad UTF-8),
 * NT_ERR_CORRUPT (a list on the way is bad, and no other reading of the
 * path resolved), or NT_ERR_LIMIT (more than 4096 components, or the
 * lookup cap above; diag says which). */
int nthive_key_open(const nthive_key *from, const char *path, size_t len, nthive_key *out);

/* As nthive_key_open, and also hands back the key of every level reached:
 * trail[0] is the subkey of `from`, trail[*depth - 1] the key the path
 * names (*depth is 0 when the path names `from`). `cap` entries of `trail`
 * are available; one per component always suffices (count the '\' and '/'
 * of the path, plus one). Use it to spell a path as stored.
 * Returns what nthive_key_open returns, or NT_ERR_RANGE when `cap` is too
 * small; *depth is meaningful only on NT_OK. */
int nthive_key_resolve(const nthive_key *from, const char *path, size_t len, nthive_key *trail, size_t cap,
                       size_t *depth);

/* ---- values ------------------------------------------------------------ */

/* Starts iterating the key's values in value-list order.
 * Returns NT_OK, or NT_ERR_CORRUPT when the value list cell is bad or
 * shorter than the key's value count (the iterator then yields nothing). */
int nthive_values(const nthive_key *key, nthive_value_iter *it);

/* Yields the next value. Returns NT_OK, NT_END, or NT_ERR_CORRUPT for a bad
 * vk (the iterator has moved past it: call again to go on). */
int nthive_value_next(nthive_value_iter *it, nthive_value *value);

/* Finds the value called `name` (UTF-8, `len` bytes; len 0 = the default
 * value), case-insensitively as Windows does. Returns NT_OK,
 * NT_ERR_NOT_FOUND, NT_ERR_INVALID (bad UTF-8) or NT_ERR_CORRUPT (bad value
 * list; bad vk cells are skipped). */
int nthive_key_value(const nthive_key *key, const char *name, size_t len, nthive_value *value);

/* The value's name (a view); an empty name is the key's default value. */
void nthive_value_name(const nthive_value *value, nthive_name *name);
uint32_t nthive_value_type(const nthive_value *value);
uint16_t nthive_value_flags(const nthive_value *value);
/* The data size the vk declares (without the inline bit). */
uint32_t nthive_value_data_size(const nthive_value *value);

/* True when the data is stored as big data (db): version >= 1.4, larger
 * than 16344 bytes, in a "db" cell. Such data has no single view. */
bool nthive_value_is_big(const nthive_value *value);

/* Zero-copy view of the value's data: inline (<= 4 bytes inside the vk),
 * or in its data cell. Empty data gives *len 0 (and a non-NULL pointer).
 * Returns NT_OK, NT_ERR_UNSUPPORTED when the data is big data (use
 * nthive_value_read or nthive_value_segments), or NT_ERR_CORRUPT (inline
 * size over 4, bad data cell, data larger than its cell, bad db record). */
int nthive_value_data(const nthive_value *value, const uint8_t **data, size_t *len);

/* Starts iterating the pieces of the value's data (works for every kind of
 * data). Returns NT_OK or NT_ERR_CORRUPT as nthive_value_data, plus, for big
 * data, a segment count that cannot hold the size or a bad segment list. */
int nthive_value_segments(const nthive_value *value, nthive_data_iter *it);

/* Yields the next piece (a view). Returns NT_OK, NT_END, or NT_ERR_CORRUPT
 * when a segment cell is bad or too small (iteration then stops). */
int nthive_data_next(nthive_data_iter *it, const uint8_t **piece, size_t *len);

/* Copies the whole value data into `buf` (capacity `cap`). `*len` (may be
 * NULL) receives the data size. Returns NT_OK, NT_ERR_RANGE when cap is
 * smaller than the data (nothing useful in buf; *len says what is needed),
 * or NT_ERR_CORRUPT. */
int nthive_value_read(const nthive_value *value, void *buf, size_t cap, size_t *len);

/* ---- names --------------------------------------------------------------- */

/* Number of UTF-16 code units in the name (an odd trailing byte of a UTF-16
 * name is ignored). */
size_t nthive_name_units(const nthive_name *name);

/* The code unit at `i` (< nthive_name_units). */
uint16_t nthive_name_unit(const nthive_name *name, size_t i);

/* Converts the name to UTF-8 into `buf` (capacity `cap`), with a NUL after
 * it when there is room. Latin-1 names map byte for byte to U+0000-U+00FF;
 * unpaired surrogates become U+FFFD; NULs inside the name are kept. `*out`
 * (may be NULL) receives the full UTF-8 length. Returns NT_OK or
 * NT_ERR_RANGE (buf holds a prefix cut at a character boundary). */
int nthive_name_to_utf8(const nthive_name *name, char *buf, size_t cap, size_t *out);

/* Compares the name with `utf8` (`len` bytes) as Windows compares key
 * names. Returns 0 when equal, <0 / >0 for the sort order, or INT_MIN when
 * `utf8` is not valid UTF-8. */
int nthive_name_cmp_utf8(const nthive_name *name, const char *utf8, size_t len);

/* Compares two names as Windows does (upcased code units, shorter prefix
 * first). */
int nthive_name_cmp(const nthive_name *a, const nthive_name *b);

/* Windows' upcase mapping for one UTF-16 code unit, from a compact built-in
 * set of ranges (no 128 KiB table): the simple Unicode uppercase mappings
 * of ASCII, Latin-1 (incl. U+00B5 -> U+039C, U+00FF -> U+0178), Latin
 * Extended-A/B and Additional, the IPA letters that have capitals, Greek
 * and Coptic (final sigma -> U+03A3), the plain rows of Greek Extended,
 * Cyrillic and its supplement, Armenian, Glagolitic, Coptic, Cyrillic and
 * Latin Extended-B/D blocks at U+A640/U+A722, Roman numerals, circled
 * letters and fullwidth Latin.
 * Limits: letters without a one-unit capital (U+00DF, U+0149, ...) and
 * U+0131 map to themselves; the Greek Extended rows with iota subscripts,
 * Georgian, Cherokee and Deseret are left unchanged; surrogates never
 * change (Windows upcases code units, not code points). A hive sorted by a
 * Windows release whose table differs in these corners still reads: the
 * lookups fall back to a linear scan. */
uint16_t nthive_upcase(uint16_t c);

/* The lh hash of a name: h = h * 37 + upcase(unit) over its code units. */
uint32_t nthive_name_hash(const nthive_name *name);

/* ---- value data decoders ---------------------------------------------- */
/* These work on any bytes (a view, or a buffer from nthive_value_read). */

/* Number of UTF-16 units of REG_SZ-style data up to (not including) the
 * first NUL unit, or all units when there is none; an odd trailing byte is
 * ignored. Garbage after the terminator is thus never returned. */
size_t nthive_string_units(const void *data, size_t len);

/* Converts REG_SZ / REG_EXPAND_SZ / REG_LINK data to UTF-8 (up to the first
 * NUL, tolerating a missing terminator and odd length; unpaired surrogates
 * become U+FFFD), with a NUL after it when there is room. `*out` (may be
 * NULL) receives the full UTF-8 length. Returns NT_OK or NT_ERR_RANGE. */
int nthive_string_to_utf8(const void *data, size_t len, char *buf, size_t cap, size_t *out);

/* Starts iterating REG_MULTI_SZ data. */
void nthive_multi_sz_init(nthive_multi_sz *it, const void *data, size_t len);

/* Yields the next string as UTF-16LE (a view of `units` code units, without
 * its terminator). Strings are separated by NUL units; an empty string in
 * the middle is yielded as an empty string; the list ends where only NUL
 * units (or nothing) remain, so a missing final terminator is fine and
 * trailing padding is ignored. Returns NT_OK or NT_END. */
int nthive_multi_sz_next(nthive_multi_sz *it, const uint8_t **str, size_t *units);

/* REG_DWORD (little-endian), REG_DWORD_BIG_ENDIAN and REG_QWORD decoders.
 * Return NT_OK, or NT_ERR_CORRUPT when `len` is not exactly 4 (8). */
int nthive_decode_dword(const void *data, size_t len, uint32_t *out);
int nthive_decode_dword_be(const void *data, size_t len, uint32_t *out);
int nthive_decode_qword(const void *data, size_t len, uint64_t *out);

/* ---- walking a tree ------------------------------------------------------ */

typedef struct nthive_walk_frame {
    nthive_subkey_iter it;
    int pending;          /* error from starting this key's list */
    nt_diag pending_diag; /* ... and its diagnostic */
} nthive_walk_frame;

/* A depth-first, pre-order walk with an explicit stack (no recursion) and a
 * visited-set of key cells, so cyclic or shared subkey references cannot
 * loop or blow up. Fields are private. */
typedef struct nthive_walk {
    nthive *hive;
    const nt_allocator *alloc;
    nthive_walk_frame *frames;
    uint32_t max_depth, depth;
    uint8_t *visited;
    size_t visited_bytes;
    nthive_key start;
    bool started;
} nthive_walk;

/* Prepares a walk of the subtree under `start` (start included), at most
 * `max_depth` levels below it (0 means NTHIVE_WALK_DEFAULT_DEPTH).
 * Allocates max_depth frames (~100 bytes each) and a bitmap of one bit per
 * 8 bytes of hive-bins data through `alloc`; release them with
 * nthive_walk_free. Returns NT_OK, NT_ERR_INVALID or NT_ERR_NOMEM (nothing
 * is then held). */
int nthive_walk_init(nthive_walk *w, const nthive_key *start, uint32_t max_depth, const nt_allocator *alloc);

/* Yields the next key in pre-order (each key before its subkeys, subkeys in
 * list order) and its depth (0 = start). Returns NT_OK, NT_END when done,
 * or an error for a damaged part of the tree, after which the walk has
 * skipped that part and may be continued:
 *   NT_ERR_CORRUPT  a bad subkey list or entry (diag says where), or a key
 *                   reached a second time (cycle or shared subtree: the
 *                   second occurrence is skipped);
 *   NT_ERR_LIMIT    a key deeper than max_depth (its subtree is skipped). */
int nthive_walk_next(nthive_walk *w, nthive_key *key, uint32_t *depth);

/* Releases what nthive_walk_init allocated. Safe to call twice. */
void nthive_walk_free(nthive_walk *w);

#ifdef __cplusplus
}
#endif
#endif
