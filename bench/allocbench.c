/* allocbench: the chunk allocator, the list allocator and glibc malloc, side
 * by side in one run, driven through the same nt_allocator vtable the
 * parsers use. See bench/README-alloc.md for the workloads, the method and
 * measured results.
 *
 * Method: every call is timed on its own with `lfence; rdtscp; lfence` ...
 * `rdtscp; lfence` (TSC ticks; the empty-interval overhead is measured and
 * printed, not subtracted); the process is pinned to one CPU; the arena is
 * mmap'ed and touched before any run; each workload runs with several seeds
 * of a fixed PRNG (xorshift64*) and every statistic is the median across
 * seeds. Successful allocations, failed allocations and frees are kept
 * apart. glibc has no fixed arena: it gets a virtual capacity equal to the
 * heap size (a request that would push the live requested bytes above it
 * counts as a failure, untimed), and its utilisation is not reported. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "ntcore/chunk_alloc.h"
#include "ntcore/list_alloc.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)
#define MAX_HEAP (16 * MiB)

/* ---------------- timing ---------------- */

#if defined(__x86_64__)
static bool use_rdtscp = true;

static inline uint64_t tick_begin(void)
{
    uint32_t lo, hi;
    if (use_rdtscp)
        __asm__ volatile("lfence\n\trdtscp\n\tlfence" : "=a"(lo), "=d"(hi)::"rcx", "memory");
    else
        __asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t tick_end(void)
{
    uint32_t lo, hi;
    if (use_rdtscp)
        __asm__ volatile("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi)::"rcx", "memory");
    else
        __asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

static sigjmp_buf probe_jmp;

static void probe_sigill(int sig)
{
    (void)sig;
    siglongjmp(probe_jmp, 1);
}

/* Some hypervisors hide the RDTSCP cpuid bit but run the instruction; try
 * it and fall back to `lfence; rdtsc; lfence` if it traps. */
static void probe_timer(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = probe_sigill;
    sigaction(SIGILL, &sa, &old);
    if (sigsetjmp(probe_jmp, 1) == 0)
        (void)tick_begin();
    else
        use_rdtscp = false;
    sigaction(SIGILL, &old, NULL);
}

static const char *timer_name(void)
{
    return use_rdtscp ? "lfence;rdtscp;lfence / rdtscp;lfence" : "lfence;rdtsc;lfence";
}
#else
static inline uint64_t tick_begin(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#define tick_end tick_begin
static void probe_timer(void)
{
}
static const char *timer_name(void)
{
    return "clock_gettime(CLOCK_MONOTONIC) (ticks are ns)";
}
#endif

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double calibrate_ticks_per_ns(double ms)
{
    double t0 = now_ns();
    uint64_t c0 = tick_begin();
    while (now_ns() - t0 < ms * 1e6)
        ;
    uint64_t c1 = tick_end();
    double t1 = now_ns();
    return (double)(c1 - c0) / (t1 - t0);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t timer_overhead(void)
{
    enum { N = 20001 };
    static uint64_t v[N];
    for (int i = 0; i < N; i++) {
        uint64_t t0 = tick_begin();
        uint64_t t1 = tick_end();
        v[i] = t1 - t0;
    }
    qsort(v, N, sizeof *v, cmp_u64);
    return v[N / 2];
}

/* ---------------- PRNG ---------------- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(2685821657736338717);
}

/* uniform in [lo, hi) */
static size_t rng_range(uint64_t *s, size_t lo, size_t hi)
{
    return lo + (size_t)(rng_next(s) % (hi - lo));
}

/* ---------------- samples and statistics ---------------- */

typedef struct samples {
    uint64_t *v;
    size_t n, cap;
    size_t untimed; /* calls counted without a timing (malloc's virtual-capacity
                       failures; W6's fill and free phases, timed 1 in 16) */
} samples;

static void push(samples *s, uint64_t t)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4096;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v) {
            perror("allocbench");
            exit(1);
        }
    }
    s->v[s->n++] = t;
}

/* One distribution; the time fields are NAN when nothing was timed. */
typedef struct dist {
    double n, p50, mean, p99, max;
} dist;

static dist summarise(samples *s)
{
    dist d = {(double)(s->n + s->untimed), NAN, NAN, NAN, NAN};
    if (s->n == 0)
        return d;
    qsort(s->v, s->n, sizeof *s->v, cmp_u64);
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += (double)s->v[i];
    d.p50 = (double)s->v[s->n / 2];
    d.mean = sum / (double)s->n;
    size_t i99 = (s->n * 99) / 100;
    d.p99 = (double)s->v[i99 < s->n ? i99 : s->n - 1];
    d.max = (double)s->v[s->n - 1];
    return d;
}

typedef struct result {
    dist ok, fail, fr;
    double util; /* NAN = not applicable */
} result;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of the non-NAN values, NAN if there are none. */
static double median(const double *v, int n)
{
    double t[64];
    int m = 0;
    for (int i = 0; i < n && m < 64; i++)
        if (!isnan(v[i]))
            t[m++] = v[i];
    if (m == 0)
        return NAN;
    qsort(t, (size_t)m, sizeof *t, cmp_double);
    return (m & 1) ? t[m / 2] : (t[m / 2 - 1] + t[m / 2]) / 2;
}

static result median_result(const result *r, int n)
{
    result out;
    double v[64];
#define MED(field)                                                                                                     \
    do {                                                                                                               \
        for (int i = 0; i < n; i++)                                                                                    \
            v[i] = r[i].field;                                                                                         \
        out.field = median(v, n);                                                                                      \
    } while (0)
    MED(ok.n); MED(ok.p50); MED(ok.mean); MED(ok.p99); MED(ok.max);
    MED(fail.n); MED(fail.p50); MED(fail.mean); MED(fail.p99); MED(fail.max);
    MED(fr.n); MED(fr.p50); MED(fr.mean); MED(fr.p99); MED(fr.max);
    MED(util);
#undef MED
    return out;
}

/* ---------------- allocators under test ---------------- */

enum { A_CHUNK, A_LIST, A_MALLOC, A_COUNT };
static const char *const alloc_names[A_COUNT] = {"chunk", "list", "malloc"};

static unsigned char *arena;  /* MAX_HEAP bytes, page-aligned, prefaulted */
static uint64_t *chunk_map;   /* the chunk allocator's bitmap, prefaulted */
static nt_chunk_heap chunk_heap;
static nt_listheap list_heap;

static void *malloc_alloc(void *ctx, size_t size, size_t align)
{
    void *p;
    (void)ctx;
    if (align <= 16)
        return malloc(size);
    return posix_memalign(&p, align, size) ? NULL : p;
}

static void malloc_free(void *ctx, void *ptr, size_t size, size_t align)
{
    (void)ctx;
    (void)size;
    (void)align;
    free(ptr);
}

/* Sets up allocator `kind` over a fresh heap of `heap` bytes; returns its
 * vtable and the bookkeeping bytes it keeps outside the heap (-1 = unknown). */
static nt_allocator setup(int kind, size_t heap, long *meta)
{
    nt_allocator a = {0};
    switch (kind) {
    case A_CHUNK: {
        size_t mb = nt_chunk_bitmap_bytes(heap, 16);
        if (nt_chunk_init(&chunk_heap, arena, heap, chunk_map, mb, 16) != NT_OK) {
            fprintf(stderr, "allocbench: nt_chunk_init failed\n");
            exit(1);
        }
        *meta = (long)(sizeof chunk_heap + mb);
        return nt_chunk_allocator(&chunk_heap);
    }
    case A_LIST:
        if (nt_listheap_init(&list_heap, arena, heap) != NT_OK) {
            fprintf(stderr, "allocbench: nt_listheap_init failed\n");
            exit(1);
        }
        *meta = (long)sizeof list_heap;
        return nt_listheap_allocator(&list_heap);
    default:
        a.alloc = malloc_alloc;
        a.free = malloc_free;
        *meta = -1;
        return a;
    }
}

/* ---------------- the harness ---------------- */

typedef struct block {
    void *p;
    size_t size, align;
} block;

typedef struct run {
    nt_allocator a;
    bool virtual_cap; /* malloc: enforce the heap size in the harness */
    size_t heap;
    size_t live_req; /* requested bytes of live blocks */
    bool failed;     /* a failure has happened */
    double util;     /* live_req / heap at the first failure */
    samples ok, fail, fr;
    unsigned sample_every; /* time one call in this many (0/1 = all) */
    size_t ops;
    block *live; /* live blocks (a FIFO ring for W1, a bag otherwise) */
    size_t nlive, cap, head;
} run;

static void *timed_alloc(run *r, size_t size, size_t align)
{
    if (r->virtual_cap && r->live_req + size > r->heap) {
        r->fail.untimed++;
        if (!r->failed) {
            r->failed = true;
            r->util = NAN;
        }
        return NULL;
    }
    if (r->sample_every > 1 && r->ops++ % r->sample_every) { /* not sampled: run it untimed */
        void *p = r->a.alloc(r->a.ctx, size, align);
        if (p) {
            r->ok.untimed++;
            *(volatile unsigned char *)p = 1;
            r->live_req += size;
            return p;
        }
        r->fail.untimed++;
        if (!r->failed) {
            r->failed = true;
            r->util = r->virtual_cap ? NAN : (double)r->live_req / (double)r->heap;
        }
        return NULL;
    }
    uint64_t t0 = tick_begin();
    void *p = r->a.alloc(r->a.ctx, size, align);
    uint64_t t1 = tick_end();
    if (!p) {
        push(&r->fail, t1 - t0);
        if (!r->failed) {
            r->failed = true;
            r->util = r->virtual_cap ? NAN : (double)r->live_req / (double)r->heap;
        }
        return NULL;
    }
    push(&r->ok, t1 - t0);
    *(volatile unsigned char *)p = 1; /* the block is really usable */
    r->live_req += size;
    return p;
}

static void timed_free(run *r, block b)
{
    if (r->sample_every > 1 && r->ops++ % r->sample_every) {
        r->a.free(r->a.ctx, b.p, b.size, b.align);
        r->fr.untimed++;
        r->live_req -= b.size;
        return;
    }
    uint64_t t0 = tick_begin();
    r->a.free(r->a.ctx, b.p, b.size, b.align);
    uint64_t t1 = tick_end();
    push(&r->fr, t1 - t0);
    r->live_req -= b.size;
}

static void bag_add(run *r, void *p, size_t size, size_t align)
{
    if (r->nlive == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1024;
        r->live = realloc(r->live, r->cap * sizeof *r->live);
        if (!r->live) {
            perror("allocbench");
            exit(1);
        }
    }
    r->live[r->nlive++] = (block){p, size, align};
}

static void bag_free_random(run *r, uint64_t *rng)
{
    size_t i = (size_t)(rng_next(rng) % r->nlive);
    block b = r->live[i];
    r->live[i] = r->live[--r->nlive];
    timed_free(r, b);
}

static void run_begin(run *r, int kind, size_t heap)
{
    long meta;
    memset(r, 0, sizeof *r);
    r->a = setup(kind, heap, &meta);
    r->virtual_cap = kind == A_MALLOC;
    r->heap = heap;
    r->util = NAN;
}

/* Frees what is still live (untimed) and turns the samples into a result. */
static result run_end(run *r, bool fifo)
{
    for (size_t i = 0; i < r->nlive; i++) {
        block b = r->live[fifo ? (r->head + i) % r->cap : i];
        r->a.free(r->a.ctx, b.p, b.size, b.align);
    }
    result res = {summarise(&r->ok), summarise(&r->fail), summarise(&r->fr), r->util};
    free(r->ok.v);
    free(r->fail.v);
    free(r->fr.v);
    free(r->live);
    return res;
}

/* Resets the samples but keeps the live set (W2 -> W3). */
static result run_split(run *r)
{
    result res = {summarise(&r->ok), summarise(&r->fail), summarise(&r->fr), r->util};
    free(r->ok.v);
    free(r->fail.v);
    free(r->fr.v);
    memset(&r->ok, 0, sizeof r->ok);
    memset(&r->fail, 0, sizeof r->fail);
    memset(&r->fr, 0, sizeof r->fr);
    return res;
}

typedef struct config {
    int seeds;
    size_t w1_attempts, w3_ops, w4_ops, w6_requests;
} config;

/* W1: simple-chunk-allocator's own benchmark. */
static result work_w1(int kind, size_t heap, uint64_t seed, const config *c)
{
    run r;
    uint64_t rng = seed;
    run_begin(&r, kind, heap);
    r.cap = c->w1_attempts + 1; /* FIFO ring: never more live than attempts */
    r.live = malloc(r.cap * sizeof *r.live);
    for (size_t i = 0; i < c->w1_attempts; i++) {
        size_t size = rng_range(&rng, 64, 16384);
        size_t align = (size_t)1 << rng_range(&rng, 0, 8);
        void *p = timed_alloc(&r, size, align);
        if (p)
            r.live[(r.head + r.nlive++) % r.cap] = (block){p, size, align};
        if (r.nlive > 10 && rng_next(&rng) % 10 == 0) {
            for (int k = 0; k < 7; k++) {
                timed_free(&r, r.live[r.head]);
                r.head = (r.head + 1) % r.cap;
                r.nlive--;
            }
        }
    }
    return run_end(&r, true);
}

/* W2 (fill to the first failure) then W3 (50/50 free-random/allocate). */
static void work_w2_w3(int kind, size_t heap, uint64_t seed, const config *c, result *w2, result *w3)
{
    run r;
    uint64_t rng = seed;
    run_begin(&r, kind, heap);
#define W2_REQUEST()                                                                                                   \
    size_t hi = rng_range(&rng, 16, 10000);                                                                            \
    size_t size = rng_range(&rng, 4, hi);                                                                              \
    uint16_t u = (uint16_t)rng_next(&rng);                                                                             \
    size_t align = (size_t)8 << ((u ? (unsigned)__builtin_ctz(u) : 16u) / 2)
    for (;;) {
        W2_REQUEST();
        void *p = timed_alloc(&r, size, align);
        if (!p)
            break;
        bag_add(&r, p, size, align);
    }
    *w2 = run_split(&r);
    for (size_t i = 0; i < c->w3_ops; i++) {
        if (rng_next(&rng) & 1) {
            if (r.nlive)
                bag_free_random(&r, &rng);
        } else {
            W2_REQUEST();
            void *p = timed_alloc(&r, size, align);
            if (p)
                bag_add(&r, p, size, align);
        }
    }
#undef W2_REQUEST
    *w3 = run_end(&r, false);
}

/* W4: a parser's mix of small objects; fill, then churn. */
static result work_w4(int kind, size_t heap, uint64_t seed, const config *c)
{
    run r;
    uint64_t rng = seed;
    run_begin(&r, kind, heap);
#define W4_REQUEST()                                                                                                   \
    uint64_t pick = rng_next(&rng) % 100;                                                                              \
    size_t size = pick < 70 ? rng_range(&rng, 16, 65) : pick < 95 ? rng_range(&rng, 65, 513) : rng_range(&rng, 513, 4097); \
    size_t align = (rng_next(&rng) & 1) ? 16 : 8
    for (;;) {
        W4_REQUEST();
        void *p = timed_alloc(&r, size, align);
        if (!p)
            break;
        bag_add(&r, p, size, align);
    }
    for (size_t i = 0; i < c->w4_ops; i++) {
        if (rng_next(&rng) & 1) {
            if (r.nlive)
                bag_free_random(&r, &rng);
        } else {
            W4_REQUEST();
            void *p = timed_alloc(&r, size, align);
            if (p)
                bag_add(&r, p, size, align);
        }
    }
#undef W4_REQUEST
    return run_end(&r, false);
}

/* W6: one-chunk blocks until full, free every other one (from the top down,
 * so the list allocator's ordered insert stays O(1)), then ask for two
 * chunks again and again: the failure path on a fragmented heap. The fill
 * and the frees are timed one call in 16 (n still counts every call); the
 * two-chunk requests are all timed. */
static result work_w6(int kind, size_t heap, uint64_t seed, const config *c)
{
    run r;
    (void)seed; /* deterministic: no randomness in this workload */
    run_begin(&r, kind, heap);
    r.sample_every = 16; /* a million fills at 16 MiB: time a sample */
    for (;;) {
        void *p = timed_alloc(&r, 16, 8);
        if (!p)
            break;
        bag_add(&r, p, 16, 8);
    }
    size_t n = r.nlive, kept = 0;
    for (size_t i = n; i-- > 0;) {
        if (i % 2 == 0)
            timed_free(&r, r.live[i]);
    }
    for (size_t i = 1; i < n; i += 2)
        r.live[kept++] = r.live[i];
    r.nlive = kept;
    r.sample_every = 1; /* the failure path: time every call */
    for (size_t i = 0; i < c->w6_requests; i++) {
        void *p = timed_alloc(&r, 32, 8);
        if (p)
            bag_add(&r, p, 32, 8);
    }
    return run_end(&r, false);
}

/* ---------------- the table of rows ---------------- */

typedef struct row {
    const char *workload;
    size_t heap;
    result res[A_COUNT];
    long meta[A_COUNT];
} row;

static row rows[] = {
    {.workload = "W1", .heap = 16 * MiB},  {.workload = "W2", .heap = 256 * KiB}, {.workload = "W2", .heap = 16 * MiB},
    {.workload = "W3", .heap = 256 * KiB}, {.workload = "W3", .heap = 16 * MiB},  {.workload = "W4", .heap = 64 * KiB},
    {.workload = "W4", .heap = 256 * KiB}, {.workload = "W4", .heap = 1 * MiB},   {.workload = "W6", .heap = 1 * MiB},
    {.workload = "W6", .heap = 16 * MiB},
};
#define NROWS (sizeof rows / sizeof *rows)

static row *find_row(const char *w, size_t heap)
{
    for (size_t i = 0; i < NROWS; i++)
        if (!strcmp(rows[i].workload, w) && rows[i].heap == heap)
            return &rows[i];
    return NULL;
}

static const char *only_workload; /* --workload: run and print just this one */

static bool selected(const char *workload)
{
    return !only_workload || !strcmp(only_workload, workload);
}

static void run_all(const config *c)
{
    result per_seed[NROWS][64];
    for (int kind = 0; kind < A_COUNT; kind++) {
        for (int s = 0; s < c->seeds; s++) {
            uint64_t seed = UINT64_C(0x9E3779B97F4A7C15) * (uint64_t)(s + 1);
            for (size_t i = 0; i < NROWS; i++) {
                row *rw = &rows[i];
                bool w2 = !strcmp(rw->workload, "W2");
                if (!(selected(rw->workload) || (w2 && selected("W3"))))
                    continue;
                if (!strcmp(rw->workload, "W1"))
                    per_seed[i][s] = work_w1(kind, rw->heap, seed, c);
                else if (w2)
                    work_w2_w3(kind, rw->heap, seed, c, &per_seed[i][s],
                               &per_seed[find_row("W3", rw->heap) - rows][s]);
                else if (!strcmp(rw->workload, "W4"))
                    per_seed[i][s] = work_w4(kind, rw->heap, seed, c);
                else if (!strcmp(rw->workload, "W6"))
                    per_seed[i][s] = work_w6(kind, rw->heap, seed, c);
            }
        }
        for (size_t i = 0; i < NROWS; i++) {
            long meta;
            rows[i].res[kind] = median_result(per_seed[i], c->seeds);
            setup(kind, rows[i].heap, &meta);
            rows[i].meta[kind] = meta;
        }
    }
}

/* A short warm-up: caches, branch predictors, glibc's bins. */
static void warm_up(void)
{
    uint64_t rng = 42;
    for (int kind = 0; kind < A_COUNT; kind++) {
        long meta;
        nt_allocator a = setup(kind, 1 * MiB, &meta);
        for (int i = 0; i < 10000; i++) {
            size_t size = rng_range(&rng, 16, 512);
            void *p = a.alloc(a.ctx, size, 16);
            if (p)
                a.free(a.ctx, p, size, 16);
        }
    }
}

/* ---------------- output ---------------- */

static void json_num(double v, bool integer)
{
    if (isnan(v))
        printf("null");
    else if (integer)
        printf("%.0f", v);
    else
        printf("%.6g", v);
}

static void json_dist(const char *key, dist d)
{
    printf("\"%s\":{\"n\":", key);
    json_num(d.n, true);
    printf(",\"p50\":");
    json_num(d.p50, true);
    printf(",\"mean\":");
    json_num(d.mean, false);
    printf(",\"p99\":");
    json_num(d.p99, true);
    printf(",\"max\":");
    json_num(d.max, true);
    printf("}");
}

static void print_json(double tpn)
{
    for (size_t i = 0; i < NROWS; i++) {
        if (!selected(rows[i].workload))
            continue;
        for (int k = 0; k < A_COUNT; k++) {
            const result *r = &rows[i].res[k];
            printf("{\"allocator\":\"%s\",\"workload\":\"%s\",\"heap_bytes\":%zu,", alloc_names[k], rows[i].workload,
                   rows[i].heap);
            json_dist("alloc_ok", r->ok);
            printf(",");
            json_dist("alloc_fail", r->fail);
            printf(",");
            json_dist("free", r->fr);
            printf(",\"ticks_per_ns\":%.6g,\"util_first_fail\":", tpn);
            json_num(r->util, false);
            printf(",\"meta_bytes\":");
            json_num(rows[i].meta[k] < 0 ? NAN : (double)rows[i].meta[k], true);
            printf("}\n");
        }
    }
}

static const char *fmt(char *buf, double v, int decimals)
{
    if (isnan(v))
        return "–";
    snprintf(buf, 32, "%.*f", decimals, v);
    return buf;
}

static const char *heap_name(size_t heap)
{
    static char buf[8][32];
    static int i;
    i = (i + 1) % 8;
    if (heap >= MiB)
        snprintf(buf[i], sizeof buf[i], "%zu MiB", heap / MiB);
    else
        snprintf(buf[i], sizeof buf[i], "%zu KiB", heap / KiB);
    return buf[i];
}

static void print_table(double tpn)
{
    char b[16][32];
    printf("| workload | heap | allocator | util@1st fail | meta bytes | ok n | ok p50 | ok p50 ns | ok mean | ok p99 "
           "| ok max | fail n | fail p50 | fail p50 ns | fail mean | fail max | free p50 | free p99 |\n");
    printf("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (size_t i = 0; i < NROWS; i++) {
        if (!selected(rows[i].workload))
            continue;
        for (int k = 0; k < A_COUNT; k++) {
            const result *r = &rows[i].res[k];
            printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                   rows[i].workload, heap_name(rows[i].heap), alloc_names[k],
                   isnan(r->util) ? "n/a" : (snprintf(b[0], 32, "%.1f%%", 100 * r->util), b[0]),
                   rows[i].meta[k] < 0 ? "n/a" : fmt(b[1], (double)rows[i].meta[k], 0), fmt(b[2], r->ok.n, 0),
                   fmt(b[3], r->ok.p50, 0), fmt(b[13], r->ok.p50 / tpn, 0), fmt(b[4], r->ok.mean, 0),
                   fmt(b[5], r->ok.p99, 0), fmt(b[6], r->ok.max, 0), fmt(b[7], r->fail.n, 0),
                   fmt(b[8], r->fail.p50, 0), fmt(b[14], r->fail.p50 / tpn, 0), fmt(b[9], r->fail.mean, 0),
                   fmt(b[10], r->fail.max, 0), fmt(b[11], r->fr.p50, 0), fmt(b[12], r->fr.p99, 0));
        }
    }
}

static int targets_failed;

static void target(bool ok, const char *what, const char *fmtstr, ...) __attribute__((format(printf, 3, 4)));
static void target(bool ok, const char *what, const char *fmtstr, ...)
{
    va_list ap;
    printf("- %s %s: ", ok ? "PASS" : "FAIL", what);
    va_start(ap, fmtstr);
    vprintf(fmtstr, ap);
    va_end(ap);
    printf("\n");
    if (!ok)
        targets_failed++;
}

static void print_targets(double tpn, bool quick)
{
    row *w1 = find_row("W1", 16 * MiB), *w4 = find_row("W4", 256 * KiB), *w6 = find_row("W6", 16 * MiB);
    const result *c1 = &w1->res[A_CHUNK], *l1 = &w1->res[A_LIST], *m1 = &w1->res[A_MALLOC];
    printf("\n## targets%s\n\n", quick ? " (quick run: reduced counts, indicative only)" : "");
    target(c1->ok.p50 <= 0.5 * l1->ok.p50, "W1 16 MiB: chunk median alloc <= 0.5 x list",
           "chunk %.0f ticks, list %.0f ticks (ratio %.3f)", c1->ok.p50, l1->ok.p50, c1->ok.p50 / l1->ok.p50);
    target(c1->ok.p50 <= m1->ok.p50, "W1 16 MiB: chunk median alloc <= malloc", "chunk %.0f ticks, malloc %.0f ticks",
           c1->ok.p50, m1->ok.p50);
    target(c1->ok.p99 <= 1000, "W1 16 MiB: chunk p99 alloc <= 1000 ticks", "%.0f ticks (%.0f ns)", c1->ok.p99,
           c1->ok.p99 / tpn);
    target(c1->util >= 0.99, "W1 16 MiB: chunk utilisation at first failure >= 99%", "%.2f%%", 100 * c1->util);
    target(w4->res[A_CHUNK].util >= 0.95, "W4 256 KiB: chunk utilisation at first failure >= 95%",
           "%.2f%% (list %.2f%%)", 100 * w4->res[A_CHUNK].util, 100 * w4->res[A_LIST].util);
    double f = w6->res[A_CHUNK].fail.p50;
    target(!isnan(f) && f / tpn < 1000, "W6 16 MiB: chunk median failed alloc < 1 us",
           "%.0f ticks = %.0f ns (list %.0f ticks = %.0f ns)", f, f / tpn, w6->res[A_LIST].fail.p50,
           w6->res[A_LIST].fail.p50 / tpn);
}

/* ---------------- main ---------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: allocbench [--quick] [--json] [--seeds N] [--workload W]\n"
            "\n"
            "Compares ntkit's chunk allocator, its list allocator and glibc malloc through\n"
            "the nt_allocator vtable, on workloads W1-W4 and W6 (see bench/README-alloc.md).\n"
            "\n"
            "  --quick    reduced operation counts (about 10 s); what the quick-start runs\n"
            "  --json     one JSON object per allocator x workload x heap (medians across seeds)\n"
            "  --seeds N  number of PRNG seeds (default 5, 1-64)\n"
            "  --workload W  run only workload W (W1, W2, W3, W4 or W6); no targets\n"
            "  --help     this text\n"
            "\n"
            "All times are TSC ticks per call, timer overhead included. Prints a markdown\n"
            "table, then a 'targets' section (PASS/FAIL with the numbers).\n");
}

static void pin_to_one_cpu(int *cpu)
{
    cpu_set_t set;
    *cpu = sched_getcpu();
    if (*cpu < 0)
        *cpu = 0;
    CPU_ZERO(&set);
    CPU_SET(*cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        *cpu = -1;
}

int main(int argc, char **argv)
{
    bool quick = false, json = false;
    config c = {5, 60000, 200000, 100000, 500};
    static const struct option opts[] = {{"quick", no_argument, 0, 'q'},
                                         {"json", no_argument, 0, 'j'},
                                         {"seeds", required_argument, 0, 's'},
                                         {"workload", required_argument, 0, 'w'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "qjs:w:h", opts, NULL)) != -1) {
        switch (o) {
        case 'q': quick = true; break;
        case 'j': json = true; break;
        case 's':
            c.seeds = atoi(optarg);
            if (c.seeds < 1 || c.seeds > 64) {
                fprintf(stderr, "allocbench: --seeds must be 1-64\n");
                return 2;
            }
            break;
        case 'w':
            only_workload = optarg;
            if (!find_row(optarg, 16 * MiB) && !find_row(optarg, 1 * MiB)) {
                fprintf(stderr, "allocbench: unknown workload '%s' (W1, W2, W3, W4, W6)\n", optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (quick) {
        c.w1_attempts = 20000;
        c.w3_ops = 15000;
        c.w4_ops = 20000;
        c.w6_requests = 20;
    }

    int cpu;
    pin_to_one_cpu(&cpu);
    probe_timer();

    /* glibc: no mmap'ed chunks, no trimming, a prefaulted top */
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, INT32_MAX);
    mallopt(M_TOP_PAD, 64 << 20);
    void *pad = malloc(48 * MiB);
    if (pad) {
        memset(pad, 1, 48 * MiB);
        free(pad);
    }

    arena = mmap(NULL, MAX_HEAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    size_t mb = nt_chunk_bitmap_bytes(MAX_HEAP, 16);
    chunk_map = aligned_alloc(64, (mb + 63) / 64 * 64);
    if (arena == MAP_FAILED || !chunk_map) {
        perror("allocbench");
        return 1;
    }
    memset(arena, 0, MAX_HEAP);
    memset(chunk_map, 0, mb);

    double tpn = calibrate_ticks_per_ns(quick ? 20 : 100);
    uint64_t overhead = timer_overhead();
    warm_up();
    double t0 = now_ns();
    run_all(&c);
    double secs = (now_ns() - t0) / 1e9;

    if (json) {
        print_json(tpn);
        return 0;
    }
    printf("# allocbench%s\n\n", quick ? " --quick" : "");
    printf("%d seeds (xorshift64*), medians across seeds; CPU %d%s; timer %s; %.4f ticks/ns; "
           "timer overhead median %llu ticks (included in every number, not subtracted); run took %.1f s.\n\n",
           c.seeds, cpu, cpu < 0 ? " (not pinned)" : " (pinned)", timer_name(), tpn, (unsigned long long)overhead,
           secs);
    printf("Times are TSC ticks per call. util@1st fail = live requested bytes / heap at the first failed "
           "allocation (n/a for malloc: virtual capacity). meta = bookkeeping bytes outside the heap. "
           "malloc's failures are virtual-capacity rejects and are not timed.\n\n");
    print_table(tpn);
    if (!only_workload)
        print_targets(tpn, quick);
    return 0;
}
