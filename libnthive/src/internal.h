/* Private helpers shared by the libnthive sources. */
#ifndef NTHIVE_INTERNAL_H
#define NTHIVE_INTERNAL_H

#include "nthive.h"
#include "ntcore/endian.h"
#include "ntcore/mem.h"

/* Two-byte signatures as little-endian 16-bit numbers. */
#define SIG(a, b) ((uint16_t)((uint8_t)(a) | ((uint8_t)(b) << 8)))

#define NK_MIN 76u /* fixed part of a key node */
#define VK_MIN 20u /* fixed part of a key value */
#define SK_MIN 20u /* fixed part of a security cell */
#define HBIN_HEADER 32u

/* Records a corruption at cell offset `cell_off` (converted to a file
 * offset) and returns `status`. */
static inline int hive_fail(nthive *h, int status, uint32_t cell_off, const char *rule)
{
    return nt_diag_set(&h->diag, status, (uint64_t)cell_off + NTHIVE_BINS_START, rule);
}

/* cell.c: the payload of the allocated cell at `off` (after its size
 * field). `field` (in the hive buffer, or NULL) is where `off` was read
 * from: a reference that leads nowhere is reported there, with the rule
 * `outside`. Other failures are reported at the cell. */
int hive_cell(nthive *h, uint32_t off, const uint8_t *field, const char *outside, const uint8_t **payload,
              uint32_t *size);

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

#endif
