/* The first-fit free-list allocator: see ntcore/list_alloc.h. */
#include "ntcore/list_alloc.h"

#include <stdbool.h>

#include "ntcore/mem.h"
#include "ntcore/status.h"

#define UNIT NT_LISTHEAP_UNIT

/* A hole's record, stored at the hole's first byte. */
struct nt_listheap_hole {
    size_t size; /* bytes in the hole, a multiple of UNIT */
    struct nt_listheap_hole *next;
};
typedef struct nt_listheap_hole hole;

_Static_assert(sizeof(hole) <= UNIT, "a hole record fits in the smallest hole");

/* A chain longer than this is cyclic (every hole is at least a unit). */
static inline size_t max_holes(const nt_listheap *h)
{
    return (h->end - h->start) / UNIT + 1;
}

/* Is c a plausible hole above `floor` (the end of the previous hole)? Checks
 * the address before reading the record, so a chain damaged by a stray
 * write in the caller's code is never followed out of the heap, and the
 * strictly increasing addresses rule out cycles. */
static inline bool hole_ok(const nt_listheap *h, const hole *c, uintptr_t floor)
{
    uintptr_t a = (uintptr_t)c;
    return a >= floor && a >= h->start && a < h->end && !(a & (UNIT - 1)) && c->size >= UNIT &&
           !(c->size & (UNIT - 1)) && c->size <= h->end - a;
}

/* Bytes a request really takes, or 0 on overflow. */
static inline size_t round_size(size_t size)
{
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - (UNIT - 1))
        return 0;
    return (size + UNIT - 1) & ~(size_t)(UNIT - 1);
}

static inline void note_used(nt_listheap *h, size_t add)
{
    h->used += add;
    if (h->used > h->peak)
        h->peak = h->used;
}

int nt_listheap_init(nt_listheap *h, void *heap, size_t bytes)
{
    if (!h || !heap)
        return NT_ERR_INVALID;
    uintptr_t b = (uintptr_t)heap;
    if (bytes > UINTPTR_MAX - b)
        bytes = UINTPTR_MAX - b;
    uintptr_t s = (b + UNIT - 1) & ~(uintptr_t)(UNIT - 1);
    uintptr_t e = (b + bytes) & ~(uintptr_t)(UNIT - 1);
    if (s < b || e <= s)
        return NT_ERR_INVALID;
    nt_memset(h, 0, sizeof *h);
    h->start = s;
    h->end = e;
    h->first = (hole *)s;
    h->first->size = e - s;
    h->first->next = 0;
    h->holes = 1;
    return NT_OK;
}

void *nt_listheap_alloc(nt_listheap *h, size_t size, size_t align)
{
    size_t need = round_size(size);
    if (align == 0)
        align = 1;
    if ((align & (align - 1)) || need == 0)
        return 0;
    if (align < UNIT)
        align = UNIT;

    hole **link = &h->first;
    uintptr_t floor = 0;
    size_t guard = max_holes(h);
    for (hole *c = h->first; c && guard; link = &c->next, c = c->next, guard--) {
        if (!hole_ok(h, c, floor))
            return 0; /* damaged chain: see nt_listheap_check */
        uintptr_t a = (uintptr_t)c, hend = a + c->size;
        floor = hend + 1; /* holes are never adjacent */
        uintptr_t s = (a + align - 1) & ~(uintptr_t)(align - 1);
        /* s - a is a multiple of UNIT, so front padding can hold a hole */
        if (s < a || s >= hend || hend - s < need)
            continue;
        uintptr_t be = s + need;
        hole *next = c->next;
        if (be < hend) { /* the tail becomes a hole */
            hole *t = (hole *)be;
            t->size = hend - be;
            t->next = next;
            next = t;
            h->holes++;
        }
        if (s > a) { /* the front padding stays a hole */
            c->size = s - a;
            c->next = next;
        } else {
            *link = next;
            h->holes--;
        }
        note_used(h, need);
        return (void *)s;
    }
    return 0;
}

/* Finds where block [p, p+need) sits in the chain: *prev is the last hole
 * below it (NULL if none), *next the first above. Rejects (and counts) a
 * block outside the heap, off the grid, or overlapping a hole. */
static bool locate(nt_listheap *h, uintptr_t p, size_t need, hole **prev, hole **next)
{
    hole *pv = 0, *c = h->first;
    size_t guard = max_holes(h);

    if (need == 0 || p < h->start || p >= h->end || (p & (UNIT - 1)) || need > h->end - p)
        goto bad;
    uintptr_t floor = 0;
    while (c && guard--) {
        if (!hole_ok(h, c, floor))
            goto bad; /* damaged chain */
        if ((uintptr_t)c >= p)
            break;
        floor = (uintptr_t)c + c->size + 1;
        pv = c;
        c = c->next;
    }
    if (pv && (uintptr_t)pv + pv->size > p)
        goto bad;
    if (c && (uintptr_t)c < p + need)
        goto bad;
    *prev = pv;
    *next = c;
    return true;
bad:
    h->bad_frees++;
    return false;
}

/* Turns [p, p+len) into free space between prev and next, merging. */
static void insert_hole(nt_listheap *h, uintptr_t p, size_t len, hole *prev, hole *next)
{
    hole *node;
    if (prev && (uintptr_t)prev + prev->size == p) {
        prev->size += len;
        node = prev;
    } else {
        node = (hole *)p;
        node->size = len;
        node->next = next;
        if (prev)
            prev->next = node;
        else
            h->first = node;
        h->holes++;
    }
    if (next && (uintptr_t)node + node->size == (uintptr_t)next) {
        node->size += next->size;
        node->next = next->next;
        h->holes--;
    }
}

void nt_listheap_free(nt_listheap *h, void *ptr, size_t size, size_t align)
{
    hole *prev, *next;
    size_t need = round_size(size);

    (void)align;
    if (!ptr || !locate(h, (uintptr_t)ptr, need, &prev, &next))
        return;
    insert_hole(h, (uintptr_t)ptr, need, prev, next);
    h->used -= need;
}

void *nt_listheap_realloc(nt_listheap *h, void *ptr, size_t old_size, size_t new_size, size_t align)
{
    hole *prev, *next;

    if (!ptr)
        return nt_listheap_alloc(h, new_size, align);
    size_t have = round_size(old_size), want = round_size(new_size);
    if (want == 0)
        return 0;
    uintptr_t p = (uintptr_t)ptr;
    if (!locate(h, p, have, &prev, &next))
        return 0;
    if (want == have)
        return ptr;
    if (want < have) { /* shrink: the tail goes back to the chain */
        insert_hole(h, p + want, have - want, prev, next);
        h->used -= have - want;
        return ptr;
    }
    size_t extra = want - have;
    if (next && (uintptr_t)next == p + have && next->size >= extra) { /* grow in place */
        hole *after = next->next;
        if (next->size > extra) {
            hole *t = (hole *)(p + want);
            t->size = next->size - extra;
            t->next = after;
            after = t;
        } else {
            h->holes--;
        }
        if (prev)
            prev->next = after;
        else
            h->first = after;
        note_used(h, extra);
        return ptr;
    }
    void *q = nt_listheap_alloc(h, new_size, align);
    if (!q)
        return 0;
    nt_memcpy(q, ptr, old_size < new_size ? old_size : new_size);
    /* the chain changed: find the old block's neighbours again */
    if (locate(h, p, have, &prev, &next)) {
        insert_hole(h, p, have, prev, next);
        h->used -= have;
    }
    return q;
}

static void *cb_alloc(void *ctx, size_t size, size_t align)
{
    return nt_listheap_alloc(ctx, size, align);
}

static void cb_free(void *ctx, void *ptr, size_t size, size_t align)
{
    nt_listheap_free(ctx, ptr, size, align);
}

static void *cb_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size, size_t align)
{
    return nt_listheap_realloc(ctx, ptr, old_size, new_size, align);
}

nt_allocator nt_listheap_allocator(nt_listheap *h)
{
    nt_allocator a = {h, cb_alloc, cb_free, cb_realloc};
    return a;
}

void nt_listheap_get_stats(const nt_listheap *h, nt_listheap_stats *out)
{
    size_t largest = 0, guard = max_holes(h);
    uintptr_t floor = 0;
    for (const hole *c = h->first; c && guard && hole_ok(h, c, floor); c = c->next, guard--) {
        if (c->size > largest)
            largest = c->size;
        floor = (uintptr_t)c + c->size + 1;
    }
    out->capacity = h->end - h->start;
    out->used = h->used;
    out->peak = h->peak;
    out->free_bytes = out->capacity - h->used;
    out->holes = h->holes;
    out->largest_hole = largest;
    out->bad_frees = h->bad_frees;
}

int nt_listheap_check(const nt_listheap *h)
{
    if (!h)
        return NT_ERR_INVALID;
    size_t guard = max_holes(h), count = 0, total = 0;
    uintptr_t last_end = 0;
    for (const hole *c = h->first; c; c = c->next) {
        uintptr_t a = (uintptr_t)c;
        if (!guard--)
            return NT_ERR_CORRUPT; /* cycle */
        if (a < h->start || a >= h->end || (a & (UNIT - 1)) || c->size == 0 || (c->size & (UNIT - 1)) ||
            c->size > h->end - a)
            return NT_ERR_CORRUPT;
        if (count && a <= last_end)
            return NT_ERR_CORRUPT; /* out of order, overlapping or unmerged */
        last_end = a + c->size;
        total += c->size;
        count++;
    }
    if (count != h->holes || h->used > h->end - h->start || total != h->end - h->start - h->used ||
        h->peak < h->used)
        return NT_ERR_CORRUPT;
    return NT_OK;
}
