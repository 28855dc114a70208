/* The bitmap chunk allocator: init validation, the static initialiser,
 * filling to the last chunk, alignments, every realloc path, the O(1)
 * rejects, misuse detection, and a randomised run checked against a shadow
 * model of the heap (which chunk is whose, and what every byte holds). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntcore/chunk_alloc.h"
#include "ntcore/status.h"

/* ---- helpers ---- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s; /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(2685821657736338717);
}

/* An arena aligned to 64 KiB, so tests can pick the base alignment. */
typedef struct arena {
    unsigned char *mem;
    uint64_t *map;
    size_t map_bytes;
} arena;

static unsigned char *arena_new(arena *a, size_t bytes, size_t offset)
{
    void *p = NULL;
    assert_int_equal(posix_memalign(&p, 65536, bytes + offset + 65536), 0);
    a->mem = p;
    a->map_bytes = 0;
    a->map = NULL;
    return a->mem + offset;
}

static void arena_free(arena *a)
{
    free(a->mem);
    free(a->map);
}

/* Sets up a heap of `bytes` at `offset` from a 64 KiB boundary. */
static unsigned char *heap_new(nt_chunk_heap *h, arena *a, size_t bytes, size_t offset, size_t chunk)
{
    unsigned char *base = arena_new(a, bytes, offset);
    a->map_bytes = nt_chunk_bitmap_bytes(bytes, chunk);
    assert_true(a->map_bytes > 0);
    a->map = malloc(a->map_bytes);
    assert_non_null(a->map);
    memset(a->map, 0xFF, a->map_bytes); /* init must clear it */
    assert_int_equal(nt_chunk_init(h, base, bytes, a->map, a->map_bytes, chunk), NT_OK);
    return base;
}

static size_t ceil_div(size_t a, size_t b)
{
    return (a + b - 1) / b;
}

/* ---- init ---- */

static void bitmap_size_covers_level0_and_both_trees(void **state)
{
    (void)state;
    /* 1 MiB / 16 B = 65536 chunks: 1024 level-0 words, and two trees of
     * 16 level-1 words + 1 level-2 word */
    assert_int_equal(nt_chunk_bitmap_bytes(1 << 20, 16), 8 * (1024 + 2 * (16 + 1)));
    assert_int_equal(nt_chunk_bitmap_bytes(1 << 20, 0), 8 * (1024 + 2 * (16 + 1)));
    /* 1000 chunks: 16 + 2 x (1 + 1) words */
    assert_int_equal(nt_chunk_bitmap_bytes(16000, 16), 8 * 20);
    /* a trailing partial chunk is not counted */
    assert_int_equal(nt_chunk_bitmap_bytes(16000 + 15, 16), 8 * 20);
    assert_int_equal(NT_CHUNK_BITMAP_BYTES(1 << 20, 16), 8 * (1024 + 2 * (16 + 1)));
    assert_int_equal(nt_chunk_bitmap_bytes(1 << 20, 24), 0);
    assert_int_equal(nt_chunk_bitmap_bytes(8, 16), 0);
    /* bookkeeping at 16 B chunks stays under 1% of the heap */
    assert_true(nt_chunk_bitmap_bytes(16 << 20, 16) * 100 < (16 << 20));
}

static void init_rejects_bad_arguments(void **state)
{
    (void)state;
    arena a;
    unsigned char *base = arena_new(&a, 4096, 0);
    uint64_t map[64];
    nt_chunk_heap h, before;
    memset(&h, 0x5A, sizeof h);
    before = h;

    assert_int_equal(nt_chunk_init(NULL, base, 4096, map, sizeof map, 16), NT_ERR_INVALID);
    assert_int_equal(nt_chunk_init(&h, NULL, 4096, map, sizeof map, 16), NT_ERR_INVALID);
    assert_int_equal(nt_chunk_init(&h, base, 4096, NULL, sizeof map, 16), NT_ERR_INVALID);
    /* chunk sizes: not a power of two, too small, too large */
    assert_int_equal(nt_chunk_init(&h, base, 4096, map, sizeof map, 24), NT_ERR_INVALID);
    assert_int_equal(nt_chunk_init(&h, base, 4096, map, sizeof map, 4), NT_ERR_INVALID);
    assert_int_equal(nt_chunk_init(&h, base, 4096, map, sizeof map, 1 << 17), NT_ERR_INVALID);
    /* heap not aligned to the chunk size */
    assert_int_equal(nt_chunk_init(&h, base + 8, 4000, map, sizeof map, 16), NT_ERR_INVALID);
    assert_int_equal(nt_chunk_init(&h, base + 64, 4000, map, sizeof map, 128), NT_ERR_INVALID);
    /* bitmap not 8-aligned */
    assert_int_equal(nt_chunk_init(&h, base, 4096, (char *)map + 4, sizeof map - 8, 16), NT_ERR_INVALID);
    /* heap smaller than a chunk */
    assert_int_equal(nt_chunk_init(&h, base, 15, map, sizeof map, 16), NT_ERR_INVALID);
    assert_int_equal(nt_chunk_init(&h, base, 0, map, sizeof map, 16), NT_ERR_INVALID);
    /* bitmap too small: 4096/16 = 256 chunks need 4 + 2 x (1 + 1) words */
    assert_int_equal(nt_chunk_init(&h, base, 4096, map, 8 * 7, 16), NT_ERR_RANGE);
    /* bitmap inside the heap */
    assert_int_equal(nt_chunk_init(&h, base, 4096, base + 1024, 64, 16), NT_ERR_INVALID);
    assert_memory_equal(&h, &before, sizeof h); /* untouched on error */

    assert_int_equal(nt_chunk_init(&h, base, 4096, map, 8 * 8, 16), NT_OK);
    /* the heap may live right after its bitmap (carved from one region) */
    assert_int_equal(nt_chunk_init(&h, base + 64, 4096 - 64, base, 64, 16), NT_OK);
    assert_int_equal(nt_chunk_check(&h), NT_OK);
    arena_free(&a);
}

/* ---- the static initialiser: a zero-filled bitmap is an empty heap ---- */

#define STATIC_HEAP 8192
static _Alignas(4096) unsigned char static_arena[STATIC_HEAP];
static uint64_t static_map[NT_CHUNK_BITMAP_BYTES(STATIC_HEAP, 16) / 8];
static nt_chunk_heap static_heap = NT_CHUNK_HEAP_INIT(static_arena, sizeof static_arena, static_map, 4);

static void zero_filled_bitmap_is_an_empty_allocator(void **state)
{
    (void)state;
    nt_chunk_stats st;
    assert_int_equal(nt_chunk_check(&static_heap), NT_OK);
    nt_chunk_get_stats(&static_heap, &st);
    assert_int_equal(st.chunk_size, 16);
    assert_int_equal(st.capacity, STATIC_HEAP);
    assert_int_equal(st.used, 0);
    assert_int_equal(st.free_chunks, STATIC_HEAP / 16);
    assert_int_equal(st.largest_free_run, STATIC_HEAP / 16);

    /* it behaves exactly as a heap set up by nt_chunk_init */
    nt_allocator al = nt_chunk_allocator(&static_heap);
    void *whole = nt_alloc(&al, STATIC_HEAP, 4096);
    assert_ptr_equal(whole, static_arena);
    assert_null(nt_alloc(&al, 1, 1));
    nt_free(&al, whole, STATIC_HEAP, 4096);
    size_t n = 0;
    while (nt_alloc(&al, 16, 16))
        n++;
    assert_int_equal(n, STATIC_HEAP / 16);
    assert_int_equal(nt_chunk_check(&static_heap), NT_OK);
    nt_chunk_reset(&static_heap);
    nt_chunk_get_stats(&static_heap, &st);
    assert_int_equal(st.used, 0);
    assert_int_equal(st.peak, 0);
    assert_int_equal(st.largest_free_run, STATIC_HEAP / 16);

    /* and reset leaves a zero-filled bitmap behind */
    for (size_t i = 0; i < sizeof static_map / 8; i++)
        assert_int_equal(static_map[i], 0);
}

/* ---- filling ---- */

static void fill_to_the_last_chunk(void **state)
{
    (void)state;
    /* chunk counts around word and summary boundaries */
    static const size_t counts[] = {1, 63, 64, 65, 1000, 4095, 4096, 4097, 64 * 64 * 64 + 3};
    static const size_t chunks[] = {8, 16, 256};
    for (size_t ci = 0; ci < sizeof chunks / sizeof *chunks; ci++) {
        for (size_t k = 0; k < sizeof counts / sizeof *counts; k++) {
            size_t cs = chunks[ci], n = counts[k], bytes = n * cs + cs - 1;
            if (bytes > (64u << 20))
                continue;
            nt_chunk_heap h;
            arena a;
            unsigned char *base = heap_new(&h, &a, bytes, 0, cs);
            unsigned char *seen = calloc(n, 1);
            assert_non_null(seen);
            size_t got = 0;
            void *p;
            while ((p = nt_chunk_alloc(&h, cs, 1)) != NULL) {
                size_t off = (size_t)((unsigned char *)p - base);
                assert_true(off % cs == 0 && off / cs < n);
                assert_int_equal(seen[off / cs], 0);
                seen[off / cs] = 1;
                memset(p, 0x77, cs); /* writable to the last byte */
                got++;
            }
            assert_int_equal(got, n);
            nt_chunk_stats st;
            nt_chunk_get_stats(&h, &st);
            assert_int_equal(st.used, st.capacity);
            assert_int_equal(st.free_chunks, 0);
            assert_int_equal(st.largest_free_run, 0);
            assert_int_equal(nt_chunk_check(&h), NT_OK);
            /* a hole in the middle is found again */
            size_t mid = n / 2;
            nt_chunk_free(&h, base + mid * cs, cs, 1);
            assert_ptr_equal(nt_chunk_alloc(&h, 1, 1), base + mid * cs);
            /* one allocation of the whole heap, and not a byte more */
            nt_chunk_reset(&h);
            assert_null(nt_chunk_alloc(&h, n * cs + 1, 1));
            assert_ptr_equal(nt_chunk_alloc(&h, n * cs, 1), base);
            assert_int_equal(nt_chunk_check(&h), NT_OK);
            free(seen);
            arena_free(&a);
        }
    }
}

static void bad_sizes_and_alignments_return_null(void **state)
{
    (void)state;
    nt_chunk_heap h;
    arena a;
    heap_new(&h, &a, 4096, 0, 16);
    assert_null(nt_chunk_alloc(&h, SIZE_MAX, 1));
    assert_null(nt_chunk_alloc(&h, SIZE_MAX - 3, 8));
    assert_null(nt_chunk_alloc(&h, 16, 3));
    assert_null(nt_chunk_alloc(&h, 16, 48));
    void *p = nt_chunk_alloc(&h, 0, 0); /* size 0 and align 0 count as 1 */
    assert_non_null(p);
    nt_chunk_stats st;
    nt_chunk_get_stats(&h, &st);
    assert_int_equal(st.used, 16);
    arena_free(&a);
}

/* ---- alignment ---- */

static void alignments_up_to_4k(void **state)
{
    (void)state;
    /* heap bases that are only 16-, 256- and 4096-aligned */
    static const size_t offsets[] = {16, 256 + 16, 4096, 48};
    for (size_t o = 0; o < sizeof offsets / sizeof *offsets; o++) {
        nt_chunk_heap h;
        arena a;
        size_t bytes = 256 * 1024;
        unsigned char *base = heap_new(&h, &a, bytes, offsets[o], 16);
        for (size_t align = 1; align <= 4096; align <<= 1) {
            void *ps[8];
            for (int i = 0; i < 8; i++) {
                size_t size = 1 + (size_t)i * 37;
                ps[i] = nt_chunk_alloc(&h, size, align);
                assert_non_null(ps[i]);
                assert_int_equal((uintptr_t)ps[i] % align, 0);
                assert_true((unsigned char *)ps[i] >= base &&
                            (unsigned char *)ps[i] + size <= base + bytes);
                memset(ps[i], 0x11, size);
            }
            for (int i = 0; i < 8; i += 2)
                nt_chunk_free(&h, ps[i], 1 + (size_t)i * 37, align);
        }
        assert_int_equal(nt_chunk_check(&h), NT_OK);
        /* an 8 KiB alignment works too when the heap has such an address */
        void *p = nt_chunk_alloc(&h, 100, 8192);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 8192, 0);
        arena_free(&a);
    }
}

static void aligned_request_fails_only_when_no_aligned_start_fits(void **state)
{
    (void)state;
    nt_chunk_heap h;
    arena a;
    /* 4096 bytes at a 4096 boundary + 16: the only 4096-aligned address is
     * past the end, so a 4096-aligned request must fail, a 16-aligned not */
    heap_new(&h, &a, 4096 - 16, 16, 16);
    assert_null(nt_chunk_alloc(&h, 16, 4096));
    void *p = nt_chunk_alloc(&h, 16, 2048);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 2048, 0);
    /* that block splits the heap into two runs of 127 chunks */
    assert_null(nt_chunk_alloc(&h, 128 * 16, 16));
    assert_non_null(nt_chunk_alloc(&h, 127 * 16, 16));
    assert_non_null(nt_chunk_alloc(&h, 127 * 16, 16));
    assert_int_equal(nt_chunk_check(&h), NT_OK);
    arena_free(&a);
}

/* ---- realloc ---- */

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7);
}

static bool has_pattern(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 7))
            return false;
    return true;
}

static void realloc_every_path(void **state)
{
    (void)state;
    nt_chunk_heap h;
    arena a;
    nt_chunk_stats st;
    unsigned char *base = heap_new(&h, &a, 1024, 0, 16); /* 64 chunks */
    nt_allocator al = nt_chunk_allocator(&h);

    /* NULL acts as alloc */
    unsigned char *p = nt_realloc(&al, NULL, 0, 100, 8);
    assert_ptr_equal(p, base);
    fill_pattern(p, 100, 1);
    /* same chunk count: same pointer, nothing changes */
    assert_ptr_equal(nt_chunk_realloc(&h, p, 100, 112, 8), p);
    nt_chunk_get_stats(&h, &st);
    assert_int_equal(st.used, 112);
    /* shrink in place: the tail chunks become free */
    assert_ptr_equal(nt_chunk_realloc(&h, p, 112, 40, 8), p);
    assert_true(has_pattern(p, 40, 1));
    nt_chunk_get_stats(&h, &st);
    assert_int_equal(st.used, 48);
    assert_int_equal(st.free_chunks, 61);
    assert_int_equal(st.largest_free_run, 61);
    unsigned char *q = nt_chunk_alloc(&h, 16, 16); /* next-fit: at the hint, chunk 7 */
    assert_ptr_equal(q, base + 112);
    nt_chunk_free(&h, q, 16, 16);
    /* grow in place: the following chunks are free */
    assert_ptr_equal(nt_chunk_realloc(&h, p, 40, 300, 8), p);
    assert_true(has_pattern(p, 40, 1));
    fill_pattern(p, 300, 2);
    nt_chunk_get_stats(&h, &st);
    assert_int_equal(st.used, 304);
    /* grow by moving: a block sits right after */
    q = nt_chunk_alloc(&h, 16, 1);
    assert_ptr_equal(q, base + 304);
    unsigned char *r = nt_chunk_realloc(&h, p, 300, 500, 8);
    assert_non_null(r);
    assert_ptr_not_equal(r, p);
    assert_true(r >= q + 16);
    assert_true(has_pattern(r, 300, 2));
    nt_chunk_get_stats(&h, &st);
    assert_int_equal(st.used, 512 + 16); /* the old 19 chunks were freed */
    assert_ptr_equal(nt_chunk_alloc(&h, 304, 1), base); /* old place is free */
    assert_int_equal(nt_chunk_check(&h), NT_OK);
    /* failure leaves the old block intact: 1024 - 304 - 16 - 512 = 192 free */
    fill_pattern(r, 500, 3);
    nt_chunk_get_stats(&h, &st);
    assert_null(nt_chunk_realloc(&h, r, 500, 1000, 8));
    assert_true(has_pattern(r, 500, 3));
    nt_chunk_stats st2;
    nt_chunk_get_stats(&h, &st2);
    assert_memory_equal(&st, &st2, sizeof st);
    /* grow in place up to the heap end, but not past it */
    nt_chunk_reset(&h);
    p = nt_chunk_alloc(&h, 1000, 16);
    assert_ptr_equal(p, base);
    assert_ptr_equal(nt_chunk_realloc(&h, p, 1000, 1024, 16), p);
    assert_null(nt_chunk_realloc(&h, p, 1024, 1025, 16));
    assert_int_equal(nt_chunk_check(&h), NT_OK);
    /* the vtable's realloc is the in-place one */
    nt_chunk_reset(&h);
    p = nt_alloc(&al, 32, 16);
    assert_ptr_equal(nt_realloc(&al, p, 32, 64, 16), p);
    arena_free(&a);
}

/* ---- O(1) rejects ---- */

static void rejects_without_scanning(void **state)
{
    (void)state;
    nt_chunk_heap h;
    arena a;
    unsigned char *base = heap_new(&h, &a, 64 * 64 * 16, 0, 16); /* 4096 chunks */

    /* fill the heap with one-chunk blocks, then free every other one */
    for (size_t i = 0; i < 4096; i++)
        assert_ptr_equal(nt_chunk_alloc(&h, 16, 1), base + 16 * i);
    assert_null(nt_chunk_alloc(&h, 16, 1));
    for (size_t i = 0; i < 4096; i += 2)
        nt_chunk_free(&h, base + 16 * i, 16, 1);
    /* a two-chunk request cannot fit anywhere */
    assert_null(nt_chunk_alloc(&h, 32, 1));
    assert_int_equal(nt_chunk_check(&h), NT_OK);

    /* Proof that later rejects do not read the bitmap: clear bits behind
     * the allocator's back so that a scan would find room. */
    uint64_t saved = h.map[10];
    h.map[10] = 0;
    assert_null(nt_chunk_alloc(&h, 32, 1)); /* >= the largest-run bound */
    assert_null(nt_chunk_alloc(&h, 1000, 1));
    h.map[10] = saved;

    /* a free that makes a longer run lifts the bound */
    nt_chunk_free(&h, base + 16 * 1, 16, 1);
    void *p = nt_chunk_alloc(&h, 48, 1);
    assert_ptr_equal(p, base);
    assert_int_equal(nt_chunk_check(&h), NT_OK);

    /* more chunks than are free: rejected before any scan */
    nt_chunk_reset(&h);
    assert_non_null(nt_chunk_alloc(&h, 4095 * 16, 1));
    h.map[0] = 0; /* pretend 64 chunks are free; the count says 1 */
    assert_null(nt_chunk_alloc(&h, 32, 1));
    assert_int_equal(nt_chunk_check(&h), NT_ERR_CORRUPT); /* and check sees it */
    arena_free(&a);
}

/* ---- misuse ---- */

static void foreign_pointers_are_rejected(void **state)
{
    (void)state;
    nt_chunk_heap h;
    arena a;
    nt_chunk_stats st;
    unsigned char *base = heap_new(&h, &a, 4096, 0, 16);
    unsigned char *p = nt_chunk_alloc(&h, 64, 16);
    unsigned char outside[32];

    nt_chunk_free(&h, outside, 32, 1);
    nt_chunk_free(&h, base + 4096, 16, 1); /* one past the end */
    nt_chunk_free(&h, p + 8, 16, 1);       /* not on a chunk boundary */
    nt_chunk_free(&h, base + 4096 - 16, 32, 1); /* runs past the end */
    assert_null(nt_chunk_realloc(&h, outside, 32, 64, 1));
    nt_chunk_get_stats(&h, &st);
    assert_int_equal(st.bad_frees, 5);
    assert_int_equal(st.used, 64);
    nt_chunk_free(&h, NULL, 16, 1); /* ignored, not counted */
    nt_chunk_get_stats(&h, &st);
    assert_int_equal(st.bad_frees, 5);
    assert_int_equal(nt_chunk_check(&h), NT_OK);
    arena_free(&a);
}

static void debug_build_detects_double_free(void **state)
{
    (void)state;
#ifndef NT_DEBUG
    skip(); /* the check exists only when the library is built with NT_DEBUG */
#else
    nt_chunk_heap h;
    arena a;
    nt_chunk_stats st;
    heap_new(&h, &a, 4096, 0, 16);
    unsigned char *p = nt_chunk_alloc(&h, 64, 16);
    unsigned char *q = nt_chunk_alloc(&h, 32, 16);
    nt_chunk_free(&h, p, 64, 16);
    for (int i = 0; i < 64; i++)
        assert_int_equal(p[i], 0xDD); /* poisoned */
    nt_chunk_free(&h, p, 64, 16); /* double free */
    nt_chunk_free(&h, q, 64, 16); /* larger than allocated */
    assert_null(nt_chunk_realloc(&h, p, 64, 128, 16));
    nt_chunk_get_stats(&h, &st);
    assert_int_equal(st.bad_frees, 3);
    assert_int_equal(st.used, 32); /* q still allocated, counters intact */
    assert_int_equal(nt_chunk_check(&h), NT_OK);
    nt_chunk_free(&h, q, 32, 16);
    nt_chunk_get_stats(&h, &st);
    assert_int_equal(st.used, 0);
    arena_free(&a);
#endif
}

/* ---- a bitmap overwritten by a stray write ---- */

/* The bitmap is the caller's memory: if something scribbles over it, the
 * allocator must still stay inside the heap and the bitmap, terminate, and
 * nt_chunk_check must say so. (ASan/UBSan builds check the "inside".) */
static void overwritten_bitmap_is_detected_and_survived(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        nt_chunk_heap h;
        arena a;
        uint64_t rng = seed;
        size_t bytes = 64 * 1024 + 16 * (size_t)(seed % 7);
        unsigned char *base = heap_new(&h, &a, bytes, 16, 16);
        for (size_t i = 0; i < a.map_bytes / 8; i++)
            a.map[i] = rng_next(&rng) & rng_next(&rng); /* about a quarter of the bits set */
        if (seed % 3 == 0)
            h.used = h.nchunks + 5; /* counters garbled too */
        assert_int_equal(nt_chunk_check(&h), NT_ERR_CORRUPT);
        void *kept[64] = {0};
        size_t sizes[64] = {0};
        for (int op = 0; op < 400; op++) {
            size_t i = (size_t)(rng_next(&rng) % 64);
            if (kept[i]) {
                if (rng_next(&rng) & 1) {
                    nt_chunk_free(&h, kept[i], sizes[i], 16);
                    kept[i] = NULL;
                } else {
                    size_t ns = 1 + (size_t)(rng_next(&rng) % 3000);
                    void *q = nt_chunk_realloc(&h, kept[i], sizes[i], ns, 16);
                    if (q) {
                        kept[i] = q;
                        sizes[i] = ns;
                    }
                }
            } else {
                size_t size = 1 + (size_t)(rng_next(&rng) % 3000), align = (size_t)1 << (rng_next(&rng) % 13);
                unsigned char *p = nt_chunk_alloc(&h, size, align);
                if (p) {
                    assert_true(p >= base && p + size <= base + bytes);
                    assert_int_equal((uintptr_t)p % align, 0);
                    kept[i] = p;
                    sizes[i] = size;
                }
            }
        }
        nt_chunk_stats st;
        nt_chunk_get_stats(&h, &st); /* terminates, stays in bounds */
        assert_true(st.largest_free_run <= h.nchunks);
        arena_free(&a);
    }
}

/* ---- randomised run against a shadow model ---- */

typedef struct live {
    unsigned char *p;
    size_t size, align;
    unsigned seed;
} live;

typedef struct model {
    unsigned char *base;
    size_t cs, nchunks;
    unsigned char *owner; /* chunk -> in use? */
    live *v;
    size_t n, cap;
    size_t used_chunks;
    size_t peak_chunks; /* highest used_chunks, counting realloc's moment with both blocks */
} model;

/* What the randomised runs went through, so the test can prove it reached
 * the failure and in-place paths rather than passing vacuously. */
static size_t n_alloc_fail, n_realloc_fail, n_realloc_same, n_realloc_moved;

static void model_mark(model *m, const live *l, unsigned char val)
{
    size_t first = (size_t)(l->p - m->base) / m->cs, cnt = ceil_div(l->size ? l->size : 1, m->cs);
    for (size_t i = first; i < first + cnt; i++) {
        assert_true(i < m->nchunks);
        assert_int_equal(m->owner[i], !val); /* no overlap, no double release */
        m->owner[i] = val;
    }
    if (val) {
        m->used_chunks += cnt;
        if (m->used_chunks > m->peak_chunks)
            m->peak_chunks = m->used_chunks;
    } else {
        m->used_chunks -= cnt;
    }
}

/* Is there any run of `cnt` free chunks whose address is align-aligned? */
static bool model_fits(const model *m, size_t cnt, size_t align)
{
    size_t run = 0;
    for (size_t i = 0; i < m->nchunks; i++) {
        run = m->owner[i] ? 0 : run + 1;
        if (run >= cnt) {
            size_t start = i + 1 - cnt;
            if ((uintptr_t)(m->base + start * m->cs) % align == 0)
                return true;
            /* a later start in the same run may be aligned: keep going */
        }
    }
    return false;
}

static size_t model_largest_run(const model *m)
{
    size_t run = 0, best = 0;
    for (size_t i = 0; i < m->nchunks; i++) {
        run = m->owner[i] ? 0 : run + 1;
        if (run > best)
            best = run;
    }
    return best;
}

static void model_check_stats(const model *m, const nt_chunk_heap *h)
{
    nt_chunk_stats st;
    nt_chunk_get_stats(h, &st);
    assert_int_equal(st.used, m->used_chunks * m->cs);
    assert_int_equal(st.free_chunks, m->nchunks - m->used_chunks);
    assert_int_equal(st.largest_free_run, model_largest_run(m));
    assert_int_equal(st.capacity, m->nchunks * m->cs);
    assert_int_equal(st.peak, m->peak_chunks * m->cs);
    assert_int_equal(st.bad_frees, 0);
    assert_int_equal(nt_chunk_check(h), NT_OK);
}

static size_t random_size(uint64_t *rng)
{
    uint64_t r = rng_next(rng);
    switch (r % 8) {
    case 0: return 1 + (size_t)(rng_next(rng) % 16);
    case 1: case 2: case 3: return 1 + (size_t)(rng_next(rng) % 128);
    case 4: case 5: return 1 + (size_t)(rng_next(rng) % 1024);
    case 6: return 1 + (size_t)(rng_next(rng) % 4096);
    default: return 1 + (size_t)(rng_next(rng) % 20000);
    }
}

static void random_run(uint64_t seed, size_t heap_bytes, size_t offset, size_t cs, int ops)
{
    nt_chunk_heap h;
    arena a;
    model m = {0};
    uint64_t rng = seed * 0x9E3779B97F4A7C15ull + 1;
    m.base = heap_new(&h, &a, heap_bytes, offset, cs);
    m.cs = cs;
    m.nchunks = heap_bytes / cs;
    m.owner = calloc(m.nchunks, 1);
    m.cap = 4096;
    m.v = malloc(m.cap * sizeof *m.v);
    assert_true(m.owner && m.v);
    nt_allocator al = nt_chunk_allocator(&h);

    for (int op = 0; op < ops; op++) {
        uint64_t r = rng_next(&rng) % 100;
        if (r < 50 || m.n == 0) { /* allocate */
            size_t size = random_size(&rng);
            size_t align = (size_t)1 << (rng_next(&rng) % 13);
            unsigned char *p = nt_alloc(&al, size, align);
            if (!p) {
                /* a failure is only allowed when nothing fits */
                n_alloc_fail++;
                assert_false(model_fits(&m, ceil_div(size, cs), align));
                continue;
            }
            assert_int_equal((uintptr_t)p % align, 0);
            assert_true(p >= m.base && p + size <= m.base + m.nchunks * cs);
            if (m.n == m.cap) {
                m.cap *= 2;
                m.v = realloc(m.v, m.cap * sizeof *m.v);
                assert_non_null(m.v);
            }
            live l = {p, size, align, (unsigned)rng_next(&rng)};
            model_mark(&m, &l, 1);
            fill_pattern(p, size, l.seed);
            m.v[m.n++] = l;
        } else if (r < 85) { /* free a random block */
            size_t i = (size_t)(rng_next(&rng) % m.n);
            live l = m.v[i];
            assert_true(has_pattern(l.p, l.size, l.seed));
            nt_free(&al, l.p, l.size, l.align);
            model_mark(&m, &l, 0);
            m.v[i] = m.v[--m.n];
        } else { /* realloc a random block */
            size_t i = (size_t)(rng_next(&rng) % m.n);
            live l = m.v[i];
            size_t nsize = random_size(&rng);
            assert_true(has_pattern(l.p, l.size, l.seed));
            size_t with_old = m.used_chunks;
            model_mark(&m, &l, 0);
            unsigned char *q = nt_realloc(&al, l.p, l.size, nsize, l.align);
            if (q && q != l.p && with_old + ceil_div(nsize, cs) > m.peak_chunks)
                m.peak_chunks = with_old + ceil_div(nsize, cs); /* new block taken before the old is freed */
            if (!q) {
                /* failed: old block intact; nothing else could have fitted
                 * (the in-place and moved cases both need a free run) */
                n_realloc_fail++;
                model_mark(&m, &l, 1);
                assert_true(has_pattern(l.p, l.size, l.seed));
                assert_true(ceil_div(nsize, cs) > ceil_div(l.size, cs));
                assert_false(model_fits(&m, ceil_div(nsize, cs), l.align));
                continue;
            }
            assert_int_equal((uintptr_t)q % l.align, 0);
            if (q == l.p)
                n_realloc_same++;
            else
                n_realloc_moved++;
            size_t keep = l.size < nsize ? l.size : nsize;
            assert_true(has_pattern(q, keep, l.seed));
            l.p = q;
            l.size = nsize;
            model_mark(&m, &l, 1);
            fill_pattern(q, nsize, l.seed);
            m.v[i] = l;
        }
        if (op % 97 == 0)
            model_check_stats(&m, &h);
    }
    for (size_t i = 0; i < m.n; i++)
        assert_true(has_pattern(m.v[i].p, m.v[i].size, m.v[i].seed));
    model_check_stats(&m, &h);
    while (m.n) {
        live l = m.v[--m.n];
        nt_free(&al, l.p, l.size, l.align);
        model_mark(&m, &l, 0);
    }
    model_check_stats(&m, &h);
    free(m.owner);
    free(m.v);
    arena_free(&a);
}

static void randomised_against_shadow_model(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        /* small heaps run full often (failure paths, bounds); larger ones
         * exercise summaries; odd sizes and bases exercise the edges */
        random_run(seed, 64 * 1024, 16, 16, 3000);
        random_run(seed + 1000, 16 * 1024 + 48, 4096, 16, 2000);
        if (seed % 4 == 0) {
            random_run(seed + 2000, 1 << 20, 0, 16, 4000);
            random_run(seed + 3000, 200 * 1024, 64, 64, 3000);
            random_run(seed + 4000, 40 * 1024 + 8, 8, 8, 3000);
        }
    }
    print_message("alloc failures %zu, realloc failures %zu, in place %zu, moved %zu\n", n_alloc_fail,
                  n_realloc_fail, n_realloc_same, n_realloc_moved);
    assert_true(n_alloc_fail > 100 && n_realloc_fail > 100 && n_realloc_same > 100 && n_realloc_moved > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bitmap_size_covers_level0_and_both_trees),
        cmocka_unit_test(init_rejects_bad_arguments),
        cmocka_unit_test(zero_filled_bitmap_is_an_empty_allocator),
        cmocka_unit_test(fill_to_the_last_chunk),
        cmocka_unit_test(bad_sizes_and_alignments_return_null),
        cmocka_unit_test(alignments_up_to_4k),
        cmocka_unit_test(aligned_request_fails_only_when_no_aligned_start_fits),
        cmocka_unit_test(realloc_every_path),
        cmocka_unit_test(rejects_without_scanning),
        cmocka_unit_test(foreign_pointers_are_rejected),
        cmocka_unit_test(debug_build_detects_double_free),
        cmocka_unit_test(overwritten_bitmap_is_detected_and_survived),
        cmocka_unit_test(randomised_against_shadow_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
