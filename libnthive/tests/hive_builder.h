/* A tiny in-memory hive writer for tests: cells are appended to 4096-byte
 * bins (larger bins for larger cells), fields are patched afterwards, and
 * hb_finish() writes the base block with a correct checksum. It is written
 * from the format description, independently of the parser. */
#ifndef HIVE_BUILDER_H
#define HIVE_BUILDER_H

#include <stddef.h>
#include <stdint.h>

typedef struct hb {
    uint8_t *buf; /* whole file, base block first */
    size_t cap;
    uint32_t used; /* bytes of hive-bins data written */
    uint32_t bin;  /* start of the current bin */
    uint32_t minor;
} hb;

#define HB_NONE 0xFFFFFFFFu

/* Little-endian fields, written and read independently of libntcore. */
static inline void hb_w16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}
static inline void hb_w32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}
static inline uint32_t hb_r32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void hb_w64(uint8_t *p, uint64_t v)
{
    hb_w32(p, (uint32_t)v);
    hb_w32(p + 4, (uint32_t)(v >> 32));
}

/* Writes a base block's (or log header's) checksum at byte 508: the XOR of
 * its first 127 dwords, 0 written as 1 and ~0 as ~1 (from the format). */
void hb_fix_checksum(uint8_t *base_block);

void hb_init(hb *b, uint32_t minor);
void hb_free(hb *b);
/* Appends an allocated cell holding `len` payload bytes (may be NULL =
 * zeros); returns its cell offset. */
uint32_t hb_cell(hb *b, const void *payload, uint32_t len);
/* Appends a free cell of `len` payload bytes. */
uint32_t hb_free_cell(hb *b, uint32_t len);
/* Pointer to the payload of the cell at `off`. */
uint8_t *hb_payload(hb *b, uint32_t off);

/* Key node with a name given as bytes: Latin-1 when `latin1`, else UTF-16LE
 * bytes. Counts and lists are 0/none; link them with hb_link_*. */
/* An nk record (cell payload, no size field) at p: no subkeys, values,
 * security or class; flags KEY_COMP_NAME when latin1, KEY_HIVE_ENTRY when
 * parent is HB_NONE. hb_nk allocates a cell and writes one there. */
void hb_nk_record(uint8_t *p, uint32_t parent, const void *name, uint16_t name_len, int latin1);
uint32_t hb_nk(hb *b, uint32_t parent, const void *name, uint16_t name_len, int latin1);
uint32_t hb_nk_ascii(hb *b, uint32_t parent, const char *name);
/* Subkey list with signature `sig` ("li", "lf", "lh", "ri"). */
uint32_t hb_list(hb *b, const char *sig, const uint32_t *offs, uint16_t n);
void hb_set_subkeys(hb *b, uint32_t nk, uint32_t list, uint32_t count);
/* Value: name as ASCII (compressed), data stored inline (<= 4 bytes and
 * `inline_ok`), in one cell, or as big data when minor >= 4 and len > 16344. */
uint32_t hb_vk(hb *b, const char *name, uint32_t type, const void *data, uint32_t len, int inline_ok);
uint32_t hb_vk_name(hb *b, const void *name, uint16_t name_len, int latin1, uint32_t type, const void *data,
                    uint32_t len, int inline_ok);
void hb_set_values(hb *b, uint32_t nk, const uint32_t *vks, uint32_t n);
/* Writes the base block; returns the file and its size. */
uint8_t *hb_finish(hb *b, uint32_t root, size_t *size);

void hb_put32(hb *b, uint32_t cell, uint32_t field, uint32_t v);
void hb_put16(hb *b, uint32_t cell, uint32_t field, uint16_t v);

#endif

/* Test helper: opens nothing, just walks everything reachable from the root
 * of an open hive (keys, names, classes, security, values, data through
 * every accessor, lookups of each name) and returns the number of keys
 * reached; `errors` (may be NULL) counts the errors met. Never fails. */
#include "nthive.h"
size_t hb_walk_everything(nthive *h, size_t *values, size_t *errors);
