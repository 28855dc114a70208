/* The first-fit list allocator: init, filling, alignment, coalescing, every
 * realloc path, misuse detection, and a randomised run checked against a
 * shadow model of the heap. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ntcore/list_alloc.h"
#include "ntcore/status.h"

#define U NT_LISTHEAP_UNIT

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s; /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(2685821657736338717);
}

static unsigned char *region_new(size_t bytes, size_t offset, void **mem)
{
    assert_int_equal(posix_memalign(mem, 65536, bytes + offset + 65536), 0);
    return (unsigned char *)*mem + offset;
}

static size_t round_unit(size_t n)
{
    return n ? (n + U - 1) / U * U : U;
}

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 13);
}

static bool has_pattern(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 13))
            return false;
    return true;
}

static void init_trims_to_the_unit_grid(void **state)
{
    (void)state;
    void *mem;
    unsigned char *base = region_new(4096, 0, &mem);
    nt_listheap h, before;
    nt_listheap_stats st;
    memset(&h, 0x5A, sizeof h);
    before = h;

    assert_int_equal(nt_listheap_init(NULL, base, 4096), NT_ERR_INVALID);
    assert_int_equal(nt_listheap_init(&h, NULL, 4096), NT_ERR_INVALID);
    assert_int_equal(nt_listheap_init(&h, base, U - 1), NT_ERR_INVALID);
    assert_int_equal(nt_listheap_init(&h, base + 1, U), NT_ERR_INVALID); /* nothing left after trimming */
    assert_int_equal(nt_listheap_init(&h, base, 0), NT_ERR_INVALID);
    assert_memory_equal(&h, &before, sizeof h);

    /* start rounded up, end rounded down */
    assert_int_equal(nt_listheap_init(&h, base + 3, 4000), NT_OK);
    nt_listheap_get_stats(&h, &st);
    assert_int_equal(st.capacity, (4003 / U) * U - U);
    assert_int_equal(st.used, 0);
    assert_int_equal(st.holes, 1);
    assert_int_equal(st.largest_hole, st.capacity);
    void *p = nt_listheap_alloc(&h, 1, 1);
    assert_ptr_equal(p, base + U);
    assert_int_equal(nt_listheap_check(&h), NT_OK);
    free(mem);
}

static void fill_to_the_last_unit(void **state)
{
    (void)state;
    static const size_t sizes[] = {U, 3 * U, 1000 * U + 7 * U};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        void *mem;
        size_t bytes = sizes[k];
        unsigned char *base = region_new(bytes, 0, &mem);
        nt_listheap h;
        nt_listheap_stats st;
        assert_int_equal(nt_listheap_init(&h, base, bytes), NT_OK);
        size_t n = 0;
        unsigned char *p;
        while ((p = nt_listheap_alloc(&h, 1, 1)) != NULL) {
            assert_ptr_equal(p, base + n * U); /* first fit, address order */
            memset(p, 0x42, U);
            n++;
        }
        assert_int_equal(n, bytes / U);
        nt_listheap_get_stats(&h, &st);
        assert_int_equal(st.used, st.capacity);
        assert_int_equal(st.holes, 0);
        assert_int_equal(st.free_bytes, 0);
        assert_int_equal(nt_listheap_check(&h), NT_OK);
        /* a freed unit is the next allocation */
        nt_listheap_free(&h, base + (n / 2) * U, 1, 1);
        assert_ptr_equal(nt_listheap_alloc(&h, U, 1), base + (n / 2) * U);
        /* free everything in a scrambled order: all of it merges back */
        for (size_t i = 0; i < n; i += 2)
            nt_listheap_free(&h, base + i * U, U, 1);
        for (size_t i = n; i-- > 0;)
            if (i % 2)
                nt_listheap_free(&h, base + i * U, U, 1);
        nt_listheap_get_stats(&h, &st);
        assert_int_equal(st.used, 0);
        assert_int_equal(st.holes, 1);
        assert_int_equal(st.largest_hole, st.capacity);
        assert_int_equal(st.bad_frees, 0);
        assert_int_equal(nt_listheap_check(&h), NT_OK);
        /* the whole heap in one block, not a byte more */
        assert_null(nt_listheap_alloc(&h, bytes + 1, 1));
        assert_ptr_equal(nt_listheap_alloc(&h, bytes, 1), base);
        free(mem);
    }
}

static void alignments_up_to_4k(void **state)
{
    (void)state;
    void *mem;
    size_t bytes = 256 * 1024;
    unsigned char *base = region_new(bytes, 48, &mem);
    nt_listheap h;
    assert_int_equal(nt_listheap_init(&h, base, bytes), NT_OK);
    for (size_t align = 1; align <= 4096; align <<= 1) {
        void *ps[8];
        for (int i = 0; i < 8; i++) {
            size_t size = 1 + (size_t)i * 37;
            ps[i] = nt_listheap_alloc(&h, size, align);
            assert_non_null(ps[i]);
            assert_int_equal((uintptr_t)ps[i] % align, 0);
            assert_int_equal((uintptr_t)ps[i] % U, 0);
            memset(ps[i], 0x11, size);
        }
        for (int i = 0; i < 8; i += 2)
            nt_listheap_free(&h, ps[i], 1 + (size_t)i * 37, align);
        assert_int_equal(nt_listheap_check(&h), NT_OK);
    }
    assert_null(nt_listheap_alloc(&h, 16, 24)); /* not a power of two */
    assert_null(nt_listheap_alloc(&h, SIZE_MAX, 1));
    free(mem);
}

static void realloc_every_path(void **state)
{
    (void)state;
    void *mem;
    unsigned char *base = region_new(1024, 0, &mem);
    nt_listheap h;
    nt_listheap_stats st, st2;
    assert_int_equal(nt_listheap_init(&h, base, 1024), NT_OK);
    nt_allocator al = nt_listheap_allocator(&h);

    unsigned char *p = nt_realloc(&al, NULL, 0, 100, 8); /* NULL acts as alloc */
    assert_ptr_equal(p, base);
    fill_pattern(p, 100, 1);
    assert_ptr_equal(nt_listheap_realloc(&h, p, 100, 112, 8), p); /* same units */
    /* shrink in place: the tail is a hole merged with the rest */
    assert_ptr_equal(nt_listheap_realloc(&h, p, 112, 40, 8), p);
    assert_true(has_pattern(p, 40, 1));
    nt_listheap_get_stats(&h, &st);
    assert_int_equal(st.used, 48);
    assert_int_equal(st.holes, 1);
    assert_ptr_equal(nt_listheap_alloc(&h, 16, 16), base + 48);
    nt_listheap_free(&h, base + 48, 16, 16);
    /* grow in place into the hole after the block */
    assert_ptr_equal(nt_listheap_realloc(&h, p, 40, 300, 8), p);
    assert_true(has_pattern(p, 40, 1));
    fill_pattern(p, 300, 2);
    /* grow by moving: a block sits right after */
    unsigned char *q = nt_listheap_alloc(&h, 16, 1);
    assert_ptr_equal(q, base + 304);
    unsigned char *r = nt_listheap_realloc(&h, p, 300, 500, 8);
    assert_ptr_equal(r, base + 320);
    assert_true(has_pattern(r, 300, 2));
    nt_listheap_get_stats(&h, &st);
    assert_int_equal(st.used, 512 + 16);
    assert_ptr_equal(nt_listheap_alloc(&h, 304, 1), base); /* the old place is free again */
    /* failure leaves the old block intact */
    fill_pattern(r, 500, 3);
    nt_listheap_get_stats(&h, &st);
    assert_null(nt_listheap_realloc(&h, r, 500, 1000, 8));
    assert_true(has_pattern(r, 500, 3));
    nt_listheap_get_stats(&h, &st2);
    assert_memory_equal(&st, &st2, sizeof st);
    /* grow in place taking a hole exactly */
    nt_listheap_free(&h, q, 16, 1);
    assert_ptr_equal(nt_listheap_realloc(&h, base, 304, 320, 1), base);
    nt_listheap_get_stats(&h, &st);
    assert_int_equal(st.used, 320 + 512);
    assert_int_equal(nt_listheap_check(&h), NT_OK);
    free(mem);
}

static void misuse_is_rejected(void **state)
{
    (void)state;
    void *mem;
    unsigned char *base = region_new(4096, 0, &mem);
    nt_listheap h;
    nt_listheap_stats st;
    unsigned char outside[32];
    assert_int_equal(nt_listheap_init(&h, base, 4096), NT_OK);
    unsigned char *p = nt_listheap_alloc(&h, 64, 16);
    unsigned char *q = nt_listheap_alloc(&h, 32, 16);

    nt_listheap_free(&h, outside, 32, 1);      /* foreign */
    nt_listheap_free(&h, base + 4096, 16, 1);  /* past the end */
    nt_listheap_free(&h, p + 8, 16, 1);        /* off the grid */
    nt_listheap_free(&h, p, 64, 16);
    nt_listheap_free(&h, p, 64, 16);           /* double free */
    nt_listheap_free(&h, q, 64, 16);           /* larger than allocated: overlaps a hole */
    assert_null(nt_listheap_realloc(&h, p, 64, 128, 16)); /* freed block */
    nt_listheap_free(&h, NULL, 16, 1);
    nt_listheap_get_stats(&h, &st);
    assert_int_equal(st.bad_frees, 6);
    assert_int_equal(st.used, 32);
    assert_int_equal(nt_listheap_check(&h), NT_OK);
    nt_listheap_free(&h, q, 32, 16);
    nt_listheap_get_stats(&h, &st);
    assert_int_equal(st.used, 0);
    assert_int_equal(st.holes, 1);

    /* check catches a broken chain */
    h.first = (void *)(base + 8);
    assert_int_equal(nt_listheap_check(&h), NT_ERR_CORRUPT);
    free(mem);
}

/* A buffer overrun in the caller's code can damage the hole records that
 * live in the heap: the allocator must notice instead of following them. */
static void damaged_chain_is_never_followed(void **state)
{
    (void)state;
    static const uintptr_t bad_links[] = {8, 0x1000, UINTPTR_MAX - 15};
    for (int variant = 0; variant < 6; variant++) {
        void *mem;
        unsigned char *base = region_new(4096, 0, &mem);
        nt_listheap h;
        assert_int_equal(nt_listheap_init(&h, base, 4096), NT_OK);
        unsigned char *p = nt_listheap_alloc(&h, 64, 16);
        unsigned char *q = nt_listheap_alloc(&h, 64, 16);
        nt_listheap_free(&h, p, 64, 16); /* holes: [0, 64) and [128, 4096) */
        size_t *rec = (size_t *)(void *)base; /* the first hole's {size, next} */
        switch (variant) {
        case 0: case 1: case 2: /* next points outside the heap */
            rec[1] = (size_t)bad_links[variant];
            break;
        case 3: rec[0] = 1 << 20; break;          /* size runs past the end */
        case 4: rec[0] = 24; break;               /* size off the grid */
        default: rec[1] = (size_t)(uintptr_t)base; /* a cycle back to itself */
        }
        assert_int_equal(nt_listheap_check(&h), NT_ERR_CORRUPT);
        /* allocations that need to walk past the damaged hole fail */
        assert_null(nt_listheap_alloc(&h, 1024, 16));
        nt_listheap_free(&h, q, 64, 16); /* rejected: its neighbours cannot be trusted */
        nt_listheap_stats st;
        nt_listheap_get_stats(&h, &st);
        assert_true(st.bad_frees >= 1);
        assert_true(st.largest_hole <= 4096);
        free(mem);
    }
}

/* ---- randomised run against a shadow model (unit granularity) ---- */

typedef struct live {
    unsigned char *p;
    size_t size, align;
    unsigned seed;
} live;

static size_t n_fail, n_rfail, n_same, n_moved;

static void mark(unsigned char *owner, uintptr_t start, const live *l, unsigned char val)
{
    size_t first = ((uintptr_t)l->p - start) / U, cnt = round_unit(l->size) / U;
    for (size_t i = first; i < first + cnt; i++) {
        assert_int_equal(owner[i], !val); /* no overlap, no double release */
        owner[i] = val;
    }
}

static bool model_fits(const unsigned char *owner, size_t units, uintptr_t start, size_t cnt, size_t align)
{
    size_t run = 0;
    for (size_t i = 0; i < units; i++) {
        run = owner[i] ? 0 : run + 1;
        if (run >= cnt && (start + (i + 1 - cnt) * U) % align == 0)
            return true;
    }
    return false;
}

static void check_model(const nt_listheap *h, const unsigned char *owner, size_t units)
{
    nt_listheap_stats st;
    size_t used = 0, holes = 0, run = 0, best = 0;
    for (size_t i = 0; i < units; i++) {
        used += owner[i];
        if (!owner[i] && (i == 0 || owner[i - 1]))
            holes++;
        run = owner[i] ? 0 : run + 1;
        if (run > best)
            best = run;
    }
    nt_listheap_get_stats(h, &st);
    assert_int_equal(st.used, used * U);
    assert_int_equal(st.holes, holes); /* every free stretch is exactly one hole */
    assert_int_equal(st.largest_hole, best * U);
    assert_int_equal(st.bad_frees, 0);
    assert_int_equal(nt_listheap_check(h), NT_OK);
}

static size_t random_size(uint64_t *rng)
{
    switch (rng_next(rng) % 6) {
    case 0: return 1 + (size_t)(rng_next(rng) % 16);
    case 1: case 2: return 1 + (size_t)(rng_next(rng) % 128);
    case 3: case 4: return 1 + (size_t)(rng_next(rng) % 1024);
    default: return 1 + (size_t)(rng_next(rng) % 8000);
    }
}

static void random_run(uint64_t seed, size_t bytes, size_t offset, int ops)
{
    void *mem;
    unsigned char *base = region_new(bytes, offset, &mem);
    nt_listheap h;
    uint64_t rng = seed * 0x9E3779B97F4A7C15ull + 7;
    assert_int_equal(nt_listheap_init(&h, base, bytes), NT_OK);
    nt_allocator al = nt_listheap_allocator(&h);
    uintptr_t start = ((uintptr_t)base + U - 1) & ~(uintptr_t)(U - 1);
    size_t units = (((uintptr_t)base + bytes) & ~(uintptr_t)(U - 1)) - start;
    units /= U;
    unsigned char *owner = calloc(units, 1);
    size_t cap = 4096, n = 0;
    live *v = malloc(cap * sizeof *v);
    assert_true(owner && v);

    for (int op = 0; op < ops; op++) {
        uint64_t r = rng_next(&rng) % 100;
        if (r < 50 || n == 0) {
            size_t size = random_size(&rng), align = (size_t)1 << (rng_next(&rng) % 13);
            unsigned char *p = nt_alloc(&al, size, align);
            if (!p) {
                n_fail++;
                assert_false(model_fits(owner, units, start, round_unit(size) / U, align));
                continue;
            }
            assert_int_equal((uintptr_t)p % align, 0);
            if (n == cap) {
                cap *= 2;
                v = realloc(v, cap * sizeof *v);
                assert_non_null(v);
            }
            live l = {p, size, align, (unsigned)rng_next(&rng)};
            mark(owner, start, &l, 1);
            fill_pattern(p, size, l.seed);
            v[n++] = l;
        } else if (r < 85) {
            size_t i = (size_t)(rng_next(&rng) % n);
            live l = v[i];
            assert_true(has_pattern(l.p, l.size, l.seed));
            nt_free(&al, l.p, l.size, l.align);
            mark(owner, start, &l, 0);
            v[i] = v[--n];
        } else {
            size_t i = (size_t)(rng_next(&rng) % n);
            live l = v[i];
            size_t nsize = random_size(&rng);
            assert_true(has_pattern(l.p, l.size, l.seed));
            unsigned char *q = nt_realloc(&al, l.p, l.size, nsize, l.align);
            if (!q) {
                n_rfail++;
                assert_true(has_pattern(l.p, l.size, l.seed));
                assert_true(round_unit(nsize) > round_unit(l.size));
                assert_false(model_fits(owner, units, start, round_unit(nsize) / U, l.align < U ? U : l.align));
                continue;
            }
            if (q == l.p)
                n_same++;
            else
                n_moved++;
            assert_int_equal((uintptr_t)q % l.align, 0);
            assert_true(has_pattern(q, l.size < nsize ? l.size : nsize, l.seed));
            mark(owner, start, &l, 0);
            l.p = q;
            l.size = nsize;
            mark(owner, start, &l, 1);
            fill_pattern(q, nsize, l.seed);
            v[i] = l;
        }
        if (op % 89 == 0)
            check_model(&h, owner, units);
    }
    for (size_t i = 0; i < n; i++)
        assert_true(has_pattern(v[i].p, v[i].size, v[i].seed));
    check_model(&h, owner, units);
    while (n) {
        live l = v[--n];
        nt_free(&al, l.p, l.size, l.align);
        mark(owner, start, &l, 0);
    }
    check_model(&h, owner, units);
    free(owner);
    free(v);
    free(mem);
}

static void randomised_against_shadow_model(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        random_run(seed, 64 * 1024, 16, 3000);
        random_run(seed + 500, 16 * 1024 + 40, 4096 + 8, 2000);
        if (seed % 4 == 0)
            random_run(seed + 1000, 1 << 20, 0, 4000);
    }
    print_message("alloc failures %zu, realloc failures %zu, in place %zu, moved %zu\n", n_fail, n_rfail, n_same,
                  n_moved);
    assert_true(n_fail > 100 && n_rfail > 100 && n_same > 100 && n_moved > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_trims_to_the_unit_grid),
        cmocka_unit_test(fill_to_the_last_unit),
        cmocka_unit_test(alignments_up_to_4k),
        cmocka_unit_test(realloc_every_path),
        cmocka_unit_test(misuse_is_rejected),
        cmocka_unit_test(damaged_chain_is_never_followed),
        cmocka_unit_test(randomised_against_shadow_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
