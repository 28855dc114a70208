/* ntcore/list_alloc.h - a first-fit free-list allocator kept inside the heap
 * itself (the C counterpart of the linked-list-allocator crate).
 *
 * Free memory forms "holes"; each hole starts with a small record {size,
 * next} stored in the hole, and the holes are chained in address order.
 * Allocation takes the first hole that fits (splitting off front padding for
 * alignment and the unused tail as new holes); free puts the block back at
 * its place in the chain and merges it with an adjacent hole on either side.
 * Both are O(number of holes). There is no header in front of a block and
 * no bookkeeping outside the heap but this struct: suited to heaps too small
 * to spare a bitmap.
 *
 * Every block and hole is a multiple of NT_LISTHEAP_UNIT bytes (two
 * pointers: 16 on 64-bit) and aligned to it, so the smallest block is 16
 * bytes and a request is rounded up to the next multiple of 16.
 *
 * Misuse is detected in every build, cheaply, because free walks the chain
 * anyway: a pointer outside the heap or off the unit grid, or a block that
 * overlaps a hole (double free, wrong size) is not freed and counts in
 * `bad_frees`. The hole records live in the heap, so a buffer overrun in the
 * caller's code can damage them: every hole is checked (inside the heap,
 * on the grid, sane size, above the previous one) before it is followed, so
 * a damaged chain makes alloc return NULL and free reject the block instead
 * of reading or writing outside the heap; nt_listheap_check reports it.
 * Not thread-safe. */
#ifndef NTCORE_LIST_ALLOC_H
#define NTCORE_LIST_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "ntcore/allocator.h"
#include "ntcore/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size and alignment granule of blocks and holes. */
#define NT_LISTHEAP_UNIT (2 * sizeof(void *))

struct nt_listheap_hole; /* private: lives inside the heap */

/* The allocator's state; the caller owns it. Fields are private. */
typedef struct nt_listheap {
    uintptr_t start, end;          /* usable range, unit-aligned */
    struct nt_listheap_hole *first; /* lowest hole, or NULL when full */
    size_t used;                   /* bytes in blocks (rounded) */
    size_t peak;
    size_t holes;
    size_t bad_frees;
} nt_listheap;

typedef struct nt_listheap_stats {
    size_t capacity;     /* usable bytes (the heap trimmed to the unit grid) */
    size_t used;         /* bytes in blocks, requests rounded up to the unit */
    size_t peak;         /* highest `used` since init */
    size_t free_bytes;   /* capacity - used */
    size_t holes;        /* number of holes */
    size_t largest_hole; /* bytes in the largest hole */
    size_t bad_frees;    /* frees/reallocs rejected as foreign, double or overlapping */
} nt_listheap_stats;

/* Sets up `h` over `heap` (bytes long). The caller keeps ownership of the
 * memory, which must outlive `h`. The start is rounded up and the end down
 * to NT_LISTHEAP_UNIT. Returns NT_OK, or NT_ERR_INVALID when h or heap is
 * NULL or less than one unit remains after trimming (h is then unchanged). */
int nt_listheap_init(nt_listheap *h, void *heap, size_t bytes);

/* Returns the nt_allocator vtable (alloc, free, realloc) over `h`. */
nt_allocator nt_listheap_allocator(nt_listheap *h);

/* First-fit allocation of `size` bytes (0 counts as 1) at a multiple of
 * `align` (a power of two; 0 counts as 1). Returns NULL when no hole fits or
 * align is not a power of two. O(holes). */
void *nt_listheap_alloc(nt_listheap *h, size_t size, size_t align);

/* Returns a block to the free chain, merging with neighbouring holes. `size`
 * is the allocation's size; align is not needed. NULL is ignored; a rejected
 * block (see above) counts in bad_frees. O(holes). */
void nt_listheap_free(nt_listheap *h, void *ptr, size_t size, size_t align);

/* Resizes a block: shrinking (in units) returns the tail to the chain and
 * keeps ptr; growing takes the hole right after the block when it is large
 * enough and keeps ptr; otherwise allocates a new block, copies
 * min(old_size, new_size) bytes and frees the old one. Returns NULL when
 * nothing fits (the old block is untouched) or the block is rejected
 * (counted in bad_frees). ptr NULL acts as nt_listheap_alloc. */
void *nt_listheap_realloc(nt_listheap *h, void *ptr, size_t old_size, size_t new_size, size_t align);

/* Fills `out`. O(holes). */
void nt_listheap_get_stats(const nt_listheap *h, nt_listheap_stats *out);

/* Verifies the chain: holes inside the heap, unit-aligned, in increasing
 * address order, never adjacent (always merged), their count and total size
 * agreeing with the counters. Returns NT_OK, NT_ERR_CORRUPT, or
 * NT_ERR_INVALID for a NULL h. O(holes), bounded even on a cyclic chain. */
int nt_listheap_check(const nt_listheap *h);

#ifdef __cplusplus
}
#endif
#endif
