/* The bitmap chunk allocator: see ntcore/chunk_alloc.h for the design. */
#include "ntcore/chunk_alloc.h"

#include <stdbool.h>

#include "ntcore/mem.h"
#include "ntcore/status.h"

#define ALL_ONES UINT64_MAX
/* How far (in bitmap words, each side) free() follows a freed run to keep
 * the largest-run bound exact; past that the bound is dropped. */
#define BOUND_WALK_WORDS 4

static inline unsigned ctz64(uint64_t v)
{
    return (unsigned)__builtin_ctzll(v);
}

static inline unsigned clz64(uint64_t v)
{
    return (unsigned)__builtin_clzll(v);
}

/* Bits at and above `count % 64` of the last word of a level with `count`
 * bits: they describe nothing, so loads report them as used/full. The
 * stored bits stay zero (so a zero-filled bitmap is valid). */
/* Portable bit count (no libgcc helper: the library is freestanding). */
static inline unsigned popcount64(uint64_t v)
{
    v = v - ((v >> 1) & UINT64_C(0x5555555555555555));
    v = (v & UINT64_C(0x3333333333333333)) + ((v >> 2) & UINT64_C(0x3333333333333333));
    v = (v + (v >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
    return (unsigned)((v * UINT64_C(0x0101010101010101)) >> 56);
}

static inline uint64_t tail_mask(size_t count)
{
    return (count & 63) ? ALL_ONES << (count & 63) : 0;
}

/* Mask of `cnt` bits (1..64) starting at bit `b`. */
static inline uint64_t bit_run(unsigned b, unsigned cnt)
{
    return (cnt >= 64 ? ALL_ONES : ((UINT64_C(1) << cnt) - 1)) << b;
}

/* Two summary trees share one shape (n1 level-1 words, n2 level-2 words):
 * tree FULL marks level-0 words that are all ones, tree BUSY marks level-0
 * words that are not all zeros. A clear bit in FULL means "has a free
 * chunk", a clear bit in BUSY means "64 free chunks": the first finds any
 * room, the second finds room for large requests while skipping the small
 * gaps (alignment padding, leftovers) that fill a fragmented heap. Both are
 * all zeros for an empty heap. */
enum { FULL = 0, BUSY = 1 };

static inline uint64_t *tree1(const nt_chunk_heap *h, int t)
{
    return h->map + h->n0 + (size_t)t * (h->n1 + h->n2);
}

static inline uint64_t *tree2(const nt_chunk_heap *h, int t)
{
    return tree1(h, t) + h->n1;
}

static inline uint64_t l0_word(const nt_chunk_heap *h, size_t w)
{
    uint64_t v = h->map[w];
    return w + 1 == h->n0 ? v | tail_mask(h->nchunks) : v;
}

static inline uint64_t l1_word(const nt_chunk_heap *h, int t, size_t k)
{
    uint64_t v = tree1(h, t)[k];
    return k + 1 == h->n1 ? v | tail_mask(h->n0) : v;
}

static inline uint64_t l2_word(const nt_chunk_heap *h, int t, size_t m)
{
    uint64_t v = tree2(h, t)[m];
    return m + 1 == h->n2 ? v | tail_mask(h->n1) : v;
}

/* Sets the tree-t bit of level-0 word w (and level 2 when that fills a
 * level-1 word). */
static inline void tree_set(nt_chunk_heap *h, int t, size_t w)
{
    size_t k = w >> 6;
    tree1(h, t)[k] |= UINT64_C(1) << (w & 63);
    if (l1_word(h, t, k) == ALL_ONES)
        tree2(h, t)[k >> 6] |= UINT64_C(1) << (k & 63);
}

static inline void tree_clear(nt_chunk_heap *h, int t, size_t w)
{
    size_t k = w >> 6;
    tree1(h, t)[k] &= ~(UINT64_C(1) << (w & 63));
    tree2(h, t)[k >> 6] &= ~(UINT64_C(1) << (k & 63));
}

/* First level-1 index >= k whose tree-t word is not all ones, or n1.
 * Level 2 is small: a linear scan of it is cheap. */
static size_t next_open_l1(const nt_chunk_heap *h, int t, size_t k)
{
    while (k < h->n1) {
        size_t m = k >> 6;
        uint64_t open = ~l2_word(h, t, m) & (ALL_ONES << (k & 63));
        if (open)
            return (m << 6) + ctz64(open);
        k = (m + 1) << 6;
    }
    return h->n1;
}

/* First level-0 word >= w whose tree-t bit is clear (FULL: not full; BUSY:
 * empty), or n0. */
static size_t next_open_word(const nt_chunk_heap *h, int t, size_t w)
{
    while (w < h->n0) {
        size_t k = w >> 6;
        uint64_t open = ~l1_word(h, t, k) & (ALL_ONES << (w & 63));
        if (open)
            return (k << 6) + ctz64(open);
        k = next_open_l1(h, t, k + 1);
        if (k >= h->n1)
            break;
        w = k << 6;
    }
    return h->n0;
}

/* First free chunk >= pos, or nchunks. Every round advances by at least a
 * word, so an inconsistent (overwritten) summary costs time, never safety. */
static size_t next_free(const nt_chunk_heap *h, size_t pos)
{
    while (pos < h->nchunks) {
        size_t w = pos >> 6;
        uint64_t free_bits = ~l0_word(h, w) & (ALL_ONES << (pos & 63));
        if (free_bits)
            return (w << 6) + ctz64(free_bits);
        w = next_open_word(h, FULL, w + 1);
        if (w >= h->n0)
            break;
        pos = w << 6;
    }
    return h->nchunks;
}

/* First used chunk in [pos, limit), or limit (limit <= nchunks). */
static size_t next_used(const nt_chunk_heap *h, size_t pos, size_t limit)
{
    while (pos < limit) {
        size_t w = pos >> 6;
        uint64_t used = l0_word(h, w) & (ALL_ONES << (pos & 63));
        if (used) {
            size_t at = (w << 6) + ctz64(used);
            return at < limit ? at : limit;
        }
        pos = (w + 1) << 6;
    }
    return limit;
}

static void set_range(nt_chunk_heap *h, size_t s, size_t n)
{
    size_t e = s + n;
    while (s < e) {
        size_t w = s >> 6;
        unsigned b = (unsigned)(s & 63);
        unsigned cnt = (e - s < 64 - (size_t)b) ? (unsigned)(e - s) : 64 - b;
        if (h->map[w] == 0)
            tree_set(h, BUSY, w);
        h->map[w] |= bit_run(b, cnt);
        if (l0_word(h, w) == ALL_ONES)
            tree_set(h, FULL, w);
        s += cnt;
    }
}

static void clear_range(nt_chunk_heap *h, size_t s, size_t n)
{
    size_t e = s + n;
    while (s < e) {
        size_t w = s >> 6;
        unsigned b = (unsigned)(s & 63);
        unsigned cnt = (e - s < 64 - (size_t)b) ? (unsigned)(e - s) : 64 - b;
        h->map[w] &= ~bit_run(b, cnt);
        tree_clear(h, FULL, w);
        if (h->map[w] == 0)
            tree_clear(h, BUSY, w);
        s += cnt;
    }
}

#ifdef NT_DEBUG
static bool range_all_used(const nt_chunk_heap *h, size_t s, size_t n)
{
    size_t e = s + n;
    while (s < e) {
        size_t w = s >> 6;
        unsigned b = (unsigned)(s & 63);
        unsigned cnt = (e - s < 64 - (size_t)b) ? (unsigned)(e - s) : 64 - b;
        uint64_t m = bit_run(b, cnt);
        if ((h->map[w] & m) != m)
            return false;
        s += cnt;
    }
    return true;
}
#endif

/* Chunks needed for `size` bytes, or 0 when that does not fit in size_t. */
static inline size_t chunks_for(const nt_chunk_heap *h, size_t size)
{
    size_t cs = (size_t)1 << h->shift;
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - (cs - 1))
        return 0;
    return (size + cs - 1) >> h->shift;
}

/* Requests of at least this many chunks must contain a whole free level-0
 * word, so they search through the "busy" tree. */
#define LARGE_RUN 128

/* Bits i of a word at which n (1..64) set bits of f start and stay inside
 * the word: log2(n) shift-and-AND steps. */
static inline uint64_t run_starts(uint64_t f, size_t n)
{
    uint64_t x = f;
    size_t len = 1;
    while (len < n) {
        size_t step = len < n - len ? len : n - len;
        x &= x >> step;
        len += step;
    }
    return x;
}

/* Bits of level-0 word w whose chunk index i has (i & amask) == phase. */
static inline uint64_t aligned_bits(size_t w, size_t amask, size_t phase)
{
    if (amask == 0)
        return ALL_ONES;
    size_t first = (phase - (w << 6)) & amask;
    if (first >= 64)
        return 0;
    if (amask >= 63)
        return UINT64_C(1) << first;
    /* ALL_ONES / (2^A - 1) has a bit every A positions from bit 0 */
    return (ALL_ONES / ((UINT64_C(1) << (amask + 1)) - 1)) << first;
}

/* Search for requests under LARGE_RUN chunks, a word at a time: runs inside
 * a word are found with run_starts, runs across word boundaries by carrying
 * the free top bits into the next word, and full words are skipped through
 * the "full" tree. Next-fit from the hint, wrapping once. Returns the start
 * or SIZE_MAX. Cost: O(words that are not full + full words / 64). */
static size_t find_small(const nt_chunk_heap *h, size_t n, size_t amask, size_t phase)
{
    size_t hint = h->hint < h->nchunks ? h->hint : 0;

    for (int pass = 0; pass < 2; pass++) {
        size_t pos = pass ? 0 : hint;
        size_t w = pos >> 6, carry = 0, cstart = 0;
        uint64_t below = pass ? 0 : bit_run(0, (unsigned)(pos & 63)); /* before the hint */
        while (w < h->n0) {
            /* the second pass ends where the first began, once no run
             * started before the hint is still open */
            if (pass && (w << 6) >= hint && carry == 0)
                break;
            uint64_t u = l0_word(h, w) | below;
            below = 0;
            if (u == ALL_ONES) {
                carry = 0;
                w = next_open_word(h, FULL, w + 1);
                continue;
            }
            if (u == 0) { /* a wholly free word extends (or starts) a run */
                if (!carry)
                    cstart = w << 6;
                carry += 64;
                size_t s = cstart + ((phase - cstart) & amask);
                if (s + n <= cstart + carry)
                    return s;
                w++;
                continue;
            }
            if (carry) { /* the run from earlier words ends in this one */
                size_t len = carry + ctz64(u);
                size_t s = cstart + ((phase - cstart) & amask);
                if (s + n <= cstart + len)
                    return s;
                carry = 0;
            }
            if (n <= 64) {
                uint64_t x = run_starts(~u, n) & aligned_bits(w, amask, phase);
                if (x)
                    return (w << 6) + ctz64(x);
            }
            unsigned top = clz64(u); /* free bits at the top run on into the next word */
            if (top) {
                carry = top;
                cstart = (w << 6) + 64 - top;
            }
            w++;
        }
    }
    return SIZE_MAX;
}

/* First level-0 word >= w that starts m (>= 1) consecutive wholly free
 * words, or n0: the small search again, one level up, over the "busy"
 * tree's level-1 bits (a clear bit = an empty word), skipping level-1 words
 * with no empty word through its level 2. */
static size_t next_empty_words(const nt_chunk_heap *h, size_t m, size_t w)
{
    size_t k = w >> 6, carry = 0, cstart = 0;
    uint64_t below = bit_run(0, (unsigned)(w & 63));

    while (k < h->n1) {
        uint64_t u = l1_word(h, BUSY, k) | below;
        below = 0;
        if (u == ALL_ONES) {
            carry = 0;
            k = next_open_l1(h, BUSY, k + 1);
            continue;
        }
        if (u == 0) {
            if (!carry)
                cstart = k << 6;
            carry += 64;
            if (carry >= m)
                return cstart;
            k++;
            continue;
        }
        if (carry) {
            if (carry + ctz64(u) >= m)
                return cstart;
            carry = 0;
        }
        if (m <= 64) {
            uint64_t x = run_starts(~u, m);
            if (x)
                return (k << 6) + ctz64(x);
        }
        unsigned top = clz64(u);
        if (top) {
            carry = top;
            cstart = (k << 6) + 64 - top;
        }
        k++;
    }
    return h->n0;
}

/* Search for requests of LARGE_RUN chunks or more. A free run of n chunks
 * holds at least m = (n - 63) / 64 wholly free words, so jump to the next
 * m empty words through the "busy" tree, back up to where their run
 * starts, and measure the run. Runs too short to hold m empty words are
 * never visited. Next-fit from the hint, wrapping once. Returns the start
 * or SIZE_MAX; on failure *largest is an upper bound on the longest free
 * run. */
static size_t find_large(const nt_chunk_heap *h, size_t n, size_t amask, size_t phase, size_t *largest)
{
    size_t m = (n - 63) / 64;
    size_t best = 64 * m + 62; /* the longest run with fewer than m empty words */
    size_t hint = h->hint < h->nchunks ? h->hint : 0;

    for (int pass = 0; pass < 2; pass++) {
        size_t pos = pass ? 0 : hint;
        size_t stop = pass ? hint : h->nchunks;
        while (pos < stop) {
            size_t w = next_empty_words(h, m, (pos + 63) >> 6);
            if (w >= h->n0)
                break;
            size_t z = w << 6;
            if (w > 0 && z > pos) { /* back up to where the run starts */
                uint64_t prev = l0_word(h, w - 1);
                size_t back = prev ? clz64(prev) : 64;
                z = (z - back > pos) ? z - back : pos;
            }
            if (z >= stop)
                break;
            size_t s = z + ((phase - z) & amask);
            size_t limit = h->nchunks;
            bool fits = s < h->nchunks && n <= h->nchunks - s;
            if (fits)
                limit = s + n;
            size_t e = next_used(h, z, limit);
            if (fits && e == limit)
                return s;
            if (e - z > best)
                best = e - z;
            pos = e + 1; /* e is a used chunk (or the end) */
        }
    }
    *largest = best;
    return SIZE_MAX;
}

/* Free-run length around the just-freed [s, s+n), following at most
 * BOUND_WALK_WORDS words each way; SIZE_MAX when the run goes further. */
static size_t run_around(const nt_chunk_heap *h, size_t s, size_t n)
{
    size_t len = n;
    size_t i = s;
    int steps = 0;

    while (i > 0) { /* left: free chunks just below i */
        size_t w = (i - 1) >> 6;
        unsigned top = (unsigned)((i - 1) & 63);
        uint64_t used = l0_word(h, w) & bit_run(0, top + 1);
        if (used) {
            len += top - (63 - clz64(used));
            break;
        }
        len += top + 1;
        i = w << 6;
        if (++steps > BOUND_WALK_WORDS)
            return SIZE_MAX;
    }
    i = s + n;
    steps = 0;
    while (i < h->nchunks) { /* right */
        size_t w = i >> 6;
        uint64_t used = l0_word(h, w) & (ALL_ONES << (i & 63));
        if (used) {
            len += (w << 6) + ctz64(used) - i;
            break;
        }
        len += 64 - (i & 63);
        i = (w + 1) << 6;
        if (++steps > BOUND_WALK_WORDS)
            return SIZE_MAX;
    }
    return len;
}

size_t nt_chunk_bitmap_bytes(size_t heap_bytes, size_t chunk_size)
{
    if (chunk_size == 0)
        chunk_size = NT_CHUNK_DEFAULT_SIZE;
    if (chunk_size & (chunk_size - 1))
        return 0;
    size_t n = heap_bytes / chunk_size;
    if (n == 0)
        return 0;
    return 8 * NT_CHUNK_MAP_WORDS_(n);
}

int nt_chunk_init(nt_chunk_heap *h, void *heap, size_t heap_bytes, void *bitmap, size_t bitmap_bytes,
                  size_t chunk_size)
{
    if (!h || !heap || !bitmap)
        return NT_ERR_INVALID;
    if (chunk_size == 0)
        chunk_size = NT_CHUNK_DEFAULT_SIZE;
    if (chunk_size < 8 || chunk_size > 65536 || (chunk_size & (chunk_size - 1)))
        return NT_ERR_INVALID;
    if (((uintptr_t)heap & (chunk_size - 1)) || ((uintptr_t)bitmap & 7))
        return NT_ERR_INVALID;
    size_t n = heap_bytes / chunk_size;
    if (n == 0)
        return NT_ERR_INVALID;
    size_t need = nt_chunk_bitmap_bytes(heap_bytes, chunk_size);
    if (bitmap_bytes < need)
        return NT_ERR_RANGE;
    uintptr_t hb = (uintptr_t)heap, he = hb + n * chunk_size;
    uintptr_t mb = (uintptr_t)bitmap, me = mb + need;
    if (hb < me && mb < he)
        return NT_ERR_INVALID;

    unsigned shift = 0;
    while (((size_t)1 << shift) < chunk_size)
        shift++;
    nt_memset(h, 0, sizeof *h);
    h->base = heap;
    h->map = bitmap;
    h->nchunks = n;
    h->n0 = NT_CHUNK_W_(n);
    h->n1 = NT_CHUNK_W_(h->n0);
    h->n2 = NT_CHUNK_W_(h->n1);
    h->shift = shift;
    nt_memset(bitmap, 0, need);
    return NT_OK;
}

void *nt_chunk_alloc(nt_chunk_heap *h, size_t size, size_t align)
{
    size_t n = chunks_for(h, size);
    size_t free_chunks = h->nchunks - h->used;

    if (align == 0)
        align = 1;
    if ((align & (align - 1)) || n == 0)
        return 0;
    /* The O(1) rejects: not enough free chunks, or no run that long. */
    if (n > free_chunks || (h->fail_from && n >= h->fail_from))
        return 0;

    size_t amask = 0, phase = 0;
    if ((align >> h->shift) > 1) {
        /* start chunks whose address is a multiple of align */
        amask = (align >> h->shift) - 1;
        phase = ((size_t)(-(uintptr_t)h->base) & (align - 1)) >> h->shift;
    }
    size_t s;
    if (n < LARGE_RUN) {
        s = find_small(h, n, amask, phase);
        if (s == SIZE_MAX) {
            /* every run is shorter than n + amask: a longer one would
             * hold an aligned start with n chunks after it */
            h->fail_from = n + amask;
            return 0;
        }
    } else {
        size_t largest = 0;
        s = find_large(h, n, amask, phase, &largest);
        if (s == SIZE_MAX) {
            h->fail_from = largest + 1;
            return 0;
        }
    }
    set_range(h, s, n);
    h->used += n;
    if (h->used > h->peak)
        h->peak = h->used;
    if (h->used == h->nchunks)
        h->fail_from = 1; /* full: no run at all */
    h->hint = s + n < h->nchunks ? s + n : 0;
    return h->base + (s << h->shift);
}

/* Maps a block back to its chunk range; false (and counted) if foreign. */
static bool block_range(nt_chunk_heap *h, const void *ptr, size_t size, size_t *s, size_t *n)
{
    uintptr_t p = (uintptr_t)ptr, b = (uintptr_t)h->base;
    size_t cnt = chunks_for(h, size);

    if (p < b || ((p - b) & (((size_t)1 << h->shift) - 1)) || cnt == 0)
        goto bad;
    size_t first = (p - b) >> h->shift;
    if (first >= h->nchunks || cnt > h->nchunks - first)
        goto bad;
#ifdef NT_DEBUG
    if (!range_all_used(h, first, cnt))
        goto bad;
#endif
    *s = first;
    *n = cnt;
    return true;
bad:
    h->bad_frees++;
    return false;
}

/* Clears [s, s+n) and keeps the counters and the run bound right. */
static void release(nt_chunk_heap *h, size_t s, size_t n)
{
#ifdef NT_DEBUG
    nt_memset(h->base + (s << h->shift), 0xDD, n << h->shift);
#endif
    clear_range(h, s, n);
    h->used -= n;
    if (h->fail_from) {
        size_t run = run_around(h, s, n);
        if (run == SIZE_MAX)
            h->fail_from = 0;
        else if (run >= h->fail_from)
            h->fail_from = run + 1;
    }
}

void nt_chunk_free(nt_chunk_heap *h, void *ptr, size_t size, size_t align)
{
    size_t s, n;

    (void)align;
    if (!ptr || !block_range(h, ptr, size, &s, &n))
        return;
    release(h, s, n);
}

void *nt_chunk_realloc(nt_chunk_heap *h, void *ptr, size_t old_size, size_t new_size, size_t align)
{
    size_t s, n;

    if (!ptr)
        return nt_chunk_alloc(h, new_size, align);
    size_t want = chunks_for(h, new_size);
    if (want == 0)
        return 0;
    if (!block_range(h, ptr, old_size, &s, &n))
        return 0;
    if (want == n)
        return ptr;
    if (want < n) { /* shrink in place */
        release(h, s + want, n - want);
        return ptr;
    }
    size_t extra = want - n;
    if (extra <= h->nchunks - h->used && n <= h->nchunks - s && want <= h->nchunks - s &&
        next_used(h, s + n, s + want) == s + want) { /* grow in place */
        set_range(h, s + n, extra);
        h->used += extra;
        if (h->used > h->peak)
            h->peak = h->used;
        if (h->used == h->nchunks)
            h->fail_from = 1;
        return ptr;
    }
    void *p = nt_chunk_alloc(h, new_size, align);
    if (!p)
        return 0;
    nt_memcpy(p, ptr, old_size < new_size ? old_size : new_size);
    release(h, s, n);
    return p;
}

static void *cb_alloc(void *ctx, size_t size, size_t align)
{
    return nt_chunk_alloc(ctx, size, align);
}

static void cb_free(void *ctx, void *ptr, size_t size, size_t align)
{
    nt_chunk_free(ctx, ptr, size, align);
}

static void *cb_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size, size_t align)
{
    return nt_chunk_realloc(ctx, ptr, old_size, new_size, align);
}

nt_allocator nt_chunk_allocator(nt_chunk_heap *h)
{
    nt_allocator a = {h, cb_alloc, cb_free, cb_realloc};
    return a;
}

/* Longest run of free chunks in the heap: one linear pass. */
static size_t largest_free_run(const nt_chunk_heap *h)
{
    size_t best = 0, pos = 0;
    while (pos < h->nchunks) {
        size_t z = next_free(h, pos);
        if (z >= h->nchunks)
            break;
        size_t e = next_used(h, z, h->nchunks);
        if (e - z > best)
            best = e - z;
        pos = e + 1;
    }
    return best;
}

void nt_chunk_get_stats(const nt_chunk_heap *h, nt_chunk_stats *out)
{
    size_t cs = (size_t)1 << h->shift;
    out->chunk_size = cs;
    out->capacity = h->nchunks << h->shift;
    out->used = h->used << h->shift;
    out->peak = h->peak << h->shift;
    out->free_chunks = h->nchunks - h->used;
    out->largest_free_run = largest_free_run(h);
    out->bad_frees = h->bad_frees;
}

void nt_chunk_reset(nt_chunk_heap *h)
{
    nt_memset(h->map, 0, (h->n0 + 2 * (h->n1 + h->n2)) * sizeof(uint64_t));
    h->used = 0;
    h->peak = 0;
    h->hint = 0;
    h->fail_from = 0;
    h->bad_frees = 0;
}

int nt_chunk_check(const nt_chunk_heap *h)
{
    if (!h)
        return NT_ERR_INVALID;
    if (h->nchunks == 0)
        return h->used == 0 ? NT_OK : NT_ERR_CORRUPT;
    if (!h->map || !h->base || h->shift > 16 || ((uintptr_t)h->base & (((size_t)1 << h->shift) - 1)))
        return NT_ERR_CORRUPT;
    if (h->n0 != NT_CHUNK_W_(h->nchunks) || h->n1 != NT_CHUNK_W_(h->n0) || h->n2 != NT_CHUNK_W_(h->n1))
        return NT_ERR_CORRUPT;
    if (h->used > h->nchunks || h->peak < h->used || h->peak > h->nchunks || h->hint >= h->nchunks)
        return NT_ERR_CORRUPT;

    size_t count = 0;
    for (size_t w = 0; w < h->n0; w++) {
        if (w + 1 == h->n0 && (h->map[w] & tail_mask(h->nchunks)))
            return NT_ERR_CORRUPT; /* a bit past the last chunk */
        count += popcount64(h->map[w]);
        bool full = l0_word(h, w) == ALL_ONES, busy = h->map[w] != 0;
        if (full != (bool)((tree1(h, FULL)[w >> 6] >> (w & 63)) & 1) ||
            busy != (bool)((tree1(h, BUSY)[w >> 6] >> (w & 63)) & 1))
            return NT_ERR_CORRUPT;
    }
    for (int t = FULL; t <= BUSY; t++) {
        if ((tree1(h, t)[h->n1 - 1] & tail_mask(h->n0)) || (tree2(h, t)[h->n2 - 1] & tail_mask(h->n1)))
            return NT_ERR_CORRUPT;
        for (size_t k = 0; k < h->n1; k++) {
            bool all = l1_word(h, t, k) == ALL_ONES;
            if (all != (bool)((tree2(h, t)[k >> 6] >> (k & 63)) & 1))
                return NT_ERR_CORRUPT;
        }
    }
    if (count != h->used)
        return NT_ERR_CORRUPT;
    if (h->fail_from && largest_free_run(h) >= h->fail_from)
        return NT_ERR_CORRUPT;
    return NT_OK;
}
