/* A depth-first pre-order walk of a key tree: an explicit stack of subkey
 * iterators (depth-limited) and a bitmap of visited key cells, so that the
 * on-disk graph - which corruption can make cyclic or shared - is walked in
 * bounded time and memory, without recursion. */
#include "internal.h"

int nthive_walk_init(nthive_walk *w, const nthive_key *start, uint32_t max_depth, const nt_allocator *alloc)
{
    size_t bits;

    if (!w || !start || !alloc)
        return NT_ERR_INVALID;
    nt_memset(w, 0, sizeof *w);
    if (max_depth == 0)
        max_depth = NTHIVE_WALK_DEFAULT_DEPTH;
    w->hive = start->hive;
    w->alloc = alloc;
    w->max_depth = max_depth;
    w->start = *start;
    w->frames = (nthive_walk_frame *)nt_alloc_array(alloc, max_depth, sizeof(nthive_walk_frame),
                                                    _Alignof(nthive_walk_frame));
    if (!w->frames)
        return NT_ERR_NOMEM;
    /* Key cells are 8-aligned: one bit per 8 bytes of hive data. */
    bits = (size_t)w->hive->bins_size / 8 + 1;
    w->visited_bytes = (bits + 7) / 8;
    w->visited = (uint8_t *)nt_alloc(alloc, w->visited_bytes, 1);
    if (!w->visited) {
        nt_free(alloc, w->frames, (size_t)max_depth * sizeof(nthive_walk_frame), _Alignof(nthive_walk_frame));
        w->frames = 0;
        return NT_ERR_NOMEM;
    }
    nt_memset(w->visited, 0, w->visited_bytes);
    return NT_OK;
}

void nthive_walk_free(nthive_walk *w)
{
    if (!w || !w->alloc)
        return;
    nt_free(w->alloc, w->frames, (size_t)w->max_depth * sizeof(nthive_walk_frame),
            _Alignof(nthive_walk_frame));
    nt_free(w->alloc, w->visited, w->visited_bytes, 1);
    w->frames = 0;
    w->visited = 0;
    w->alloc = 0;
}

/* Marks a key cell visited; returns false when it already was. */
static bool visit(nthive_walk *w, uint32_t off)
{
    size_t bit = off / 8;
    uint8_t mask = (uint8_t)(1u << (bit % 8));
    if (bit / 8 >= w->visited_bytes)
        return false;
    if (w->visited[bit / 8] & mask)
        return false;
    w->visited[bit / 8] |= mask;
    return true;
}

/* Pushes a frame for `key` (its list errors are kept to report later). */
static void push(nthive_walk *w, const nthive_key *key)
{
    nthive_walk_frame *f = &w->frames[w->depth++];
    f->pending = nthive_subkeys(key, &f->it);
    if (f->pending)
        f->pending_diag = w->hive->diag;
}

int nthive_walk_next(nthive_walk *w, nthive_key *key, uint32_t *depth)
{
    nthive *h;
    nthive_key child;

    if (!w || !w->frames)
        return NT_ERR_INVALID;
    h = w->hive;
    if (!w->started) {
        w->started = true;
        visit(w, w->start.offset);
        push(w, &w->start);
        *key = w->start;
        *depth = 0;
        return NT_OK;
    }
    while (w->depth > 0) {
        nthive_walk_frame *f = &w->frames[w->depth - 1];
        int r;
        if (f->pending) {
            /* The list of the key just yielded failed: report it now. */
            r = f->pending;
            f->pending = 0;
            h->diag = f->pending_diag;
            return r;
        }
        r = nthive_subkey_next(&f->it, &child);
        if (r == NT_END) {
            w->depth--;
            continue;
        }
        if (r)
            return r;
        if (!visit(w, child.offset))
            return hive_fail(h, NT_ERR_CORRUPT, child.offset,
                             "key is reached a second time (subkey cycle or shared subtree)");
        if (w->depth >= w->max_depth)
            return hive_fail(h, NT_ERR_LIMIT, child.offset, "key tree is deeper than the walk limit");
        push(w, &child);
        *key = child;
        *depth = w->depth - 1;
        return NT_OK;
    }
    return NT_END;
}
