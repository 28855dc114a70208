/* hive_walk: in-process libnthive speed on one hive file.
 *
 *   hive_walk HIVE [RUNS]
 *
 * 1. Full walk: every key (nthive_walk), every key and value name converted
 *    to UTF-8, every value's data read through nthive_value_segments (big
 *    data included) and folded into a checksum so nothing is skipped.
 *    Throughput = file size / best time of RUNS walks (default 5), in MB/s
 *    (10^6 bytes).
 * The hive gets the optional bin index (nthive_set_bin_index), as ntkit's
 * hive commands give it.
 * 2. Path lookups: the paths of (up to 4096) keys four levels below the
 *    root, collected during the walk, opened again and again from the root
 *    with nthive_key_open for about a second; rate in lookups per second.
 * Prints PASS/FAIL against the targets (walk >= 500 MB/s, lookups >=
 * 1,000,000/s). Exit 0 when it could measure, 1 on errors. A benchmark, not
 * a test: bench/hive_bench.sh runs it next to the peers. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nthive.h"

#define WALK_TARGET_MBS 500.0
#define LOOKUP_TARGET 1000000.0
#define MAX_PATHS 4096
#define LOOKUP_DEPTH 4

static void *heap_alloc(void *ctx, size_t size, size_t align)
{
    void *p = NULL;
    (void)ctx;
    if (align < sizeof(void *))
        align = sizeof(void *);
    return posix_memalign(&p, align, size) == 0 ? p : NULL;
}

static void heap_free(void *ctx, void *ptr, size_t size, size_t align)
{
    (void)ctx;
    (void)size;
    (void)align;
    free(ptr);
}

static const nt_allocator heap = {NULL, heap_alloc, heap_free, NULL};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process: what a busy shared machine disturbs least
 * (time spent waiting for a CPU is not counted). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = malloc(n ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

typedef struct walk_stats {
    uint64_t keys, values, data_bytes, name_bytes, errors;
    uint64_t fold;
} walk_stats;

/* The path collector: one UTF-8 name per depth below the root. */
typedef struct paths {
    char comp[LOOKUP_DEPTH + 1][1024];
    size_t comp_len[LOOKUP_DEPTH + 1];
    char *list[MAX_PATHS];
    size_t len[MAX_PATHS];
    size_t count;
} paths;

static char name_buf[1 << 17];

static size_t name_utf8(const nthive_name *n)
{
    size_t out = 0;
    if (nthive_name_to_utf8(n, name_buf, sizeof name_buf, &out) != NT_OK)
        return 0;
    return out;
}

static int walk_once(nthive *h, walk_stats *st, paths *pc)
{
    nthive_key root, key;
    nthive_walk w;
    uint32_t depth;
    int rc;

    memset(st, 0, sizeof *st);
    if (nthive_root(h, &root) != NT_OK)
        return -1;
    if (nthive_walk_init(&w, &root, 0, &heap) != NT_OK)
        return -1;
    for (;;) {
        nthive_name name;
        nthive_value_iter vit;
        nthive_value v;
        size_t nlen;

        rc = nthive_walk_next(&w, &key, &depth);
        if (rc == NT_END)
            break;
        if (rc != NT_OK) {
            st->errors++;
            continue;
        }
        st->keys++;
        nthive_key_name(&key, &name);
        nlen = name_utf8(&name);
        st->name_bytes += nlen;
        if (pc && depth >= 1 && depth <= LOOKUP_DEPTH) {
            size_t l = nlen < sizeof pc->comp[0] ? nlen : 0;
            memcpy(pc->comp[depth], name_buf, l);
            pc->comp_len[depth] = l;
            if (depth == LOOKUP_DEPTH && pc->count < MAX_PATHS) {
                size_t total = 0, d;
                char *p;
                for (d = 1; d <= LOOKUP_DEPTH; d++)
                    total += pc->comp_len[d] + 1;
                p = malloc(total);
                if (p) {
                    size_t at = 0;
                    for (d = 1; d <= LOOKUP_DEPTH; d++) {
                        memcpy(p + at, pc->comp[d], pc->comp_len[d]);
                        at += pc->comp_len[d];
                        if (d < LOOKUP_DEPTH)
                            p[at++] = '\\';
                    }
                    pc->list[pc->count] = p;
                    pc->len[pc->count++] = at;
                }
            }
        }
        if (nthive_values(&key, &vit) != NT_OK) {
            st->errors++;
            continue;
        }
        while ((rc = nthive_value_next(&vit, &v)) != NT_END) {
            nthive_data_iter dit;
            const uint8_t *piece;
            size_t len;
            if (rc != NT_OK) {
                st->errors++;
                continue;
            }
            st->values++;
            nthive_value_name(&v, &name);
            st->name_bytes += name_utf8(&name);
            if (nthive_value_segments(&v, &dit) != NT_OK) {
                st->errors++;
                continue;
            }
            while ((rc = nthive_data_next(&dit, &piece, &len)) == NT_OK) {
                size_t i = 0;
                uint64_t acc = 0, word;
                for (; i + 8 <= len; i += 8) {
                    memcpy(&word, piece + i, 8);
                    acc += word;
                }
                for (; i < len; i++)
                    acc += piece[i];
                st->fold ^= acc + len;
                st->data_bytes += len;
            }
            if (rc != NT_END)
                st->errors++;
        }
    }
    nthive_walk_free(&w);
    return 0;
}

int main(int argc, char **argv)
{
    size_t size = 0, i;
    uint8_t *data;
    nthive h;
    walk_stats st, first;
    static paths pc;
    double best = 1e30, best_cpu = 1e30, mbs, mbs_cpu, rate = 0, rate_cpu = 0;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    uint64_t lookups = 0, found = 0;
    void *bin_index;

    if (argc < 2 || argc > 3 || runs < 1) {
        fprintf(stderr, "usage: hive_walk HIVE [RUNS]\n");
        return 2;
    }
    data = read_file(argv[1], &size);
    if (!data) {
        fprintf(stderr, "hive_walk: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    if (nthive_open(&h, data, size) != NT_OK) {
        fprintf(stderr, "hive_walk: %s: cannot open: %s\n", argv[1],
                nthive_diag(&h)->rule ? nthive_diag(&h)->rule : "?");
        return 1;
    }
    /* The optional bin index (public API): O(1) bin checks per cell. */
    bin_index = malloc(nthive_bin_index_size(&h) + 8);
    if (!bin_index || nthive_set_bin_index(&h, bin_index, nthive_bin_index_size(&h)) != NT_OK) {
        fprintf(stderr, "hive_walk: %s: cannot index the bins\n", argv[1]);
        return 1;
    }
    if (walk_once(&h, &first, &pc) != 0) {
        fprintf(stderr, "hive_walk: %s: cannot walk\n", argv[1]);
        return 1;
    }
    for (int r = 0; r < runs; r++) {
        double t0 = now(), c0 = cpu_now(), t, c;
        walk_once(&h, &st, NULL);
        t = now() - t0;
        c = cpu_now() - c0;
        if (t < best)
            best = t;
        if (c < best_cpu)
            best_cpu = c;
        if (st.fold != first.fold || st.keys != first.keys) {
            fprintf(stderr, "hive_walk: walks disagree\n");
            return 1;
        }
    }
    mbs = (double)size / best / 1e6;
    mbs_cpu = (double)size / best_cpu / 1e6;
    printf("hive_walk: %s: %zu bytes, %llu keys, %llu values, %llu data bytes, %llu damaged items\n", argv[1],
           size, (unsigned long long)first.keys, (unsigned long long)first.values,
           (unsigned long long)first.data_bytes, (unsigned long long)first.errors);
    printf("walk:   best %.2f ms of %d runs = %.0f MB/s wall, %.0f MB/s by CPU time (target >= %.0f MB/s): "
           "%s wall, %s cpu\n",
           best * 1e3, runs, mbs, mbs_cpu, WALK_TARGET_MBS, mbs >= WALK_TARGET_MBS ? "PASS" : "FAIL",
           mbs_cpu >= WALK_TARGET_MBS ? "PASS" : "FAIL");

    if (pc.count == 0) {
        printf("lookup: no keys %d levels deep: not measured\n", LOOKUP_DEPTH);
    } else {
        nthive_key root, out;
        double t0, c0, t;
        nthive_root(&h, &root);
        t0 = now();
        c0 = cpu_now();
        do {
            for (i = 0; i < pc.count; i++) {
                if (nthive_key_open(&root, pc.list[i], pc.len[i], &out) == NT_OK)
                    found++;
            }
            lookups += pc.count;
            t = now() - t0;
        } while (t < 1.0);
        rate = (double)lookups / t;
        rate_cpu = (double)lookups / (cpu_now() - c0);
        printf("lookup: %zu distinct 4-level paths, %llu lookups (%llu found) in %.2f s = %.0f/s wall, "
               "%.0f/s by CPU time (target >= %.0f/s): %s wall, %s cpu\n",
               pc.count, (unsigned long long)lookups, (unsigned long long)found, t, rate, rate_cpu,
               LOOKUP_TARGET, rate >= LOOKUP_TARGET ? "PASS" : "FAIL",
               rate_cpu >= LOOKUP_TARGET ? "PASS" : "FAIL");
        if (found != lookups)
            printf("lookup: WARNING: %llu lookups of paths found by the walk failed\n",
                   (unsigned long long)(lookups - found));
    }
    for (i = 0; i < pc.count; i++)
        free(pc.list[i]);
    free(bin_index);
    free(data);
    return 0;
}
