/* Private helpers shared by the libnthive sources. */
#ifndef NTHIVE_INTERNAL_H
#define NTHIVE_INTERNAL_H

#include "nthive.h"
#include "ntcore/endian.h"
#include "ntcore/mem.h"

/* Everything declared below is the library's own: hidden, so that neither
 * the shared library exports it nor position-independent code reaches it
 * through the GOT (which would make the objects need _GLOBAL_OFFSET_TABLE_,
 * a symbol a freestanding link does not provide). */
#pragma GCC visibility push(hidden)

/* Two-byte signatures as little-endian 16-bit numbers. */
#define SIG(a, b) ((uint16_t)((uint8_t)(a) | ((uint8_t)(b) << 8)))

#define NK_MIN 76u /* fixed part of a key node */
#define VK_MIN 20u /* fixed part of a key value */
/* Field offsets of the records, from the start of the cell payload
 * (after the 4-byte cell size): key node (nk), key value (vk), big data
 * (db). */
#define NK_FLAGS 2
#define NK_LAST_WRITTEN 4
#define NK_ACCESS_BITS 12
#define NK_PARENT 16
#define NK_SUBKEY_COUNT 20
#define NK_SUBKEY_LIST 28
#define NK_VALUE_COUNT 36
#define NK_VALUE_LIST 40
#define NK_SECURITY 44
#define NK_CLASS 48
#define NK_NAME_LEN 72
#define NK_CLASS_LEN 74
#define VK_NAME_LEN 2
#define VK_DATA_SIZE 4
#define VK_DATA_OFFSET 8
#define VK_TYPE 12
#define VK_FLAGS 16
#define DB_COUNT 2
#define DB_LIST 4
#define SK_MIN 20u /* fixed part of a security cell */
#define HBIN_HEADER 32u

/* Records a corruption at cell offset `cell_off` (converted to a file
 * offset) and returns `status`. */
static inline int hive_fail(nthive *h, int status, uint32_t cell_off, const char *rule)
{
    return nt_diag_set(&h->diag, status, (uint64_t)cell_off + NTHIVE_BINS_START, rule);
}

/* Cell offsets up to which the caller's buffer holds bytes: the hive bins
 * data and any remnant tail after it (forensic scans only; the live tree
 * is read within bins_size). Kept below 4 GiB so offsets stay uint32. */
static inline uint32_t hive_extent(const nthive *h)
{
    size_t n = h->file_size - NTHIVE_BINS_START;
    return n > 0xFFFFF000u ? 0xFFFFF000u : (uint32_t)n;
}

/* cell.c: the payload of the allocated cell at `off` (after its size
 * field). `field` (in the hive buffer, or NULL) is where `off` was read
 * from: a reference that leads nowhere is reported there, with the rule
 * `outside`. Other failures are reported at the cell. */
int hive_cell(nthive *h, uint32_t off, const uint8_t *field, const char *outside, const uint8_t **payload,
              uint32_t *size);

/* The common case of hive_cell, inline: a hive with a bin index and a
 * well-formed allocated cell. Anything else (and every error) goes through
 * hive_cell, which records the diagnostic. */
static inline int hive_cell_fast(nthive *h, uint32_t off, const uint8_t *field, const char *outside,
                                 const uint8_t **payload, uint32_t *size)
{
    if (h->bin_index && off % 8 == 0 && off / 4096 < h->bin_index_pages) {
        uint32_t start = h->bin_index[2 * (off / 4096)], end = start + h->bin_index[2 * (off / 4096) + 1];
        if (start != NTHIVE_NO_CELL && off - start >= HBIN_HEADER && end - off >= 8) {
            uint32_t len = 0u - nt_le32(h->bins + off);
            if (len >= 8 && len % 8 == 0 && len <= end - off) {
                *payload = h->bins + off + 4;
                *size = len - 4;
                return NT_OK;
            }
        }
    }
    return hive_cell(h, off, field, outside, payload, size);
}

/* hbin.c: finds the bin holding cell offset `off`. */
int hive_find_bin(nthive *h, uint32_t off, uint32_t *start, uint32_t *size);
/* hbin.c: the open-time scan of bin headers. */
void hive_scan_bins(nthive *h, uint32_t avail);

/* key_node.c */
int hive_key_from_cell(nthive *h, uint32_t off, const uint8_t *field, const char *outside, nthive_key *key);

/* upcase.c: compare helpers over code-unit sources. */
typedef struct unit_src {
    const uint8_t *p;
    size_t len;       /* bytes */
    size_t pos;       /* bytes consumed */
    int kind;         /* 0 Latin-1, 1 UTF-16LE, 2 UTF-8 */
    uint16_t pending; /* low surrogate owed by UTF-8 decoding, or 0 */
} unit_src;

/* Next code unit; returns 1 and sets *u, 0 at the end, -1 on bad UTF-8. */
int unit_next(unit_src *s, uint16_t *u);
void unit_src_name(unit_src *s, const nthive_name *n);
void unit_src_utf8(unit_src *s, const char *p, size_t len);
/* Upcased comparison; returns <0, 0, >0, or INT_MIN for bad UTF-8. */
int unit_cmp(unit_src *a, unit_src *b);

/* subkey_list.c */
int hive_is_leaf_sig(uint16_t sig);
/* Bytes per entry of a subkey list: 4 for li and ri, 8 for lf and lh (offset + hash). */
uint32_t hive_list_entry_size(uint16_t sig);

/* Windows' upcase with the ASCII cases inline (names are mostly ASCII). */
static inline uint16_t hive_upcase(uint16_t c)
{
    if (c < 0x61)
        return c;
    if (c <= 0x7A)
        return (uint16_t)(c - 32);
    if (c < 0xB5)
        return c;
    return nthive_upcase(c);
}

/* A name being looked up, converted once: its upcased UTF-16 units and its
 * lh hash. Windows limits names to 255 characters; longer queries take the
 * slow path (UTF-8 compared directly). */
#define HIVE_QUERY_MAX 256u
typedef struct hive_query {
    uint16_t u[HIVE_QUERY_MAX];
    uint32_t n;    /* units */
    uint32_t hash; /* h = h * 37 + unit */
} hive_query;

/* upcase.c: prepares `q`. Returns 1, 0 when the name is longer than
 * HIVE_QUERY_MAX units (q unusable), or -1 for bad UTF-8. */
int hive_query_init(hive_query *q, const char *utf8, size_t len);
/* upcase.c: whether `len` bytes are valid UTF-8 (no surrogates). */
bool hive_utf8_valid(const char *utf8, size_t len);
/* Compares a stored name with the query as Windows orders names (upcased
 * units, a prefix first). Inline: the inner loop of every lookup. */
static inline int hive_name_cmp_query(const nthive_name *name, const hive_query *q)
{
    const uint8_t *d = name->data;
    size_t units = name->latin1 ? name->len : name->len / 2, m = units < q->n ? units : q->n, i;

    if (name->latin1) {
        for (i = 0; i < m; i++) {
            uint16_t a = hive_upcase(d[i]);
            if (a != q->u[i])
                return a < q->u[i] ? -1 : 1;
        }
    } else {
        for (i = 0; i < m; i++) {
            uint16_t a = hive_upcase(nt_le16(d + 2 * i));
            if (a != q->u[i])
                return a < q->u[i] ? -1 : 1;
        }
    }
    return units < q->n ? -1 : units > q->n;
}

/* Whether a stored name equals the query (length checked first). */
static inline bool hive_name_eq_query(const nthive_name *name, const hive_query *q)
{
    size_t units = name->latin1 ? name->len : name->len / 2;
    return units == q->n && hive_name_cmp_query(name, q) == 0;
}

/* subkey_list.c: nthive_key_subkey with a prepared query. */
int hive_subkey_query(const nthive_key *key, const hive_query *q, nthive_key *child);

#pragma GCC visibility pop

#endif
