/* libFuzzer target: open + full walk + every accessor and decoder, plus
 * path lookups, on arbitrary bytes; then the forensic paths: the input is
 * split at FUZZ_SPLIT into a primary and up to two transaction logs that
 * are replayed (the result is walked too), and the deleted-record scan,
 * the data of recovered values (big data included) and the owner map run
 * over the primary - with the map of what the live tree reaches, so that
 * unreferenced allocated records are reported too - and once more over a
 * copy whose base block declares only half the hive bins data, so that the
 * rest is scanned as a remnant tail. Uses libc malloc (a test harness,
 * not a front end). Lookups are done for the first keys only: one lookup may cost a linear
 * scan, so one per key would be quadratic in the harness. */
#define _GNU_SOURCE /* memmem */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nthive.h"
#include "nthive_forensic.h"

/* Separates the primary from the logs in an input (make_seeds.c). */
#define FUZZ_SPLIT "\nNTKIT-LOG\n"
#define FUZZ_SPLIT_LEN 11
/* The harness refuses replays larger than this (the library bounds them
 * by the input; this keeps one iteration cheap). */
#define FUZZ_MAX_REPLAY (64u << 20)

static void *fz_alloc(void *ctx, size_t size, size_t align)
{
    void *p = NULL;
    (void)ctx;
    if (align < sizeof(void *))
        align = sizeof(void *);
    return posix_memalign(&p, align, size) ? NULL : p;
}

static void fz_free(void *ctx, void *p, size_t size, size_t align)
{
    (void)ctx, (void)size, (void)align;
    free(p);
}

static void values_of(const nthive_key *k)
{
    nthive_value_iter vi;
    nthive_value v;
    char buf[256];
    size_t len;
    int r;

    if (nthive_values(k, &vi) != NT_OK)
        return;
    while ((r = nthive_value_next(&vi, &v)) != NT_END) {
        const uint8_t *d, *piece;
        size_t dl;
        nthive_data_iter di;
        nthive_name n;
        if (r)
            continue;
        nthive_value_name(&v, &n);
        nthive_name_to_utf8(&n, buf, sizeof buf, &len);
        (void)nthive_value_is_big(&v);
        if (nthive_value_data(&v, &d, &dl) == NT_OK) {
            nthive_multi_sz ms;
            const uint8_t *s;
            size_t units;
            uint32_t u;
            uint64_t q;
            nthive_string_to_utf8(d, dl, buf, sizeof buf, &len);
            nthive_multi_sz_init(&ms, d, dl);
            while (nthive_multi_sz_next(&ms, &s, &units) == NT_OK)
                nthive_string_to_utf8(s, 2 * units, buf, sizeof buf, &len);
            (void)nthive_decode_dword(d, dl, &u);
            (void)nthive_decode_dword_be(d, dl, &u);
            (void)nthive_decode_qword(d, dl, &q);
        }
        if (nthive_value_segments(&v, &di) == NT_OK)
            while (nthive_data_next(&di, &piece, &dl) == NT_OK)
                ;
        {
            uint8_t small[64];
            (void)nthive_value_read(&v, small, sizeof small, &dl);
        }
        nthive_value_name(&v, &n);
        if (vi.index < 16 && nthive_name_to_utf8(&n, buf, sizeof buf, &len) == NT_OK)
            (void)nthive_key_value(k, buf, len, &v);
    }
}

/* Touches every byte of a view so that ASan checks it. */
static unsigned touch(const uint8_t *p, size_t n)
{
    unsigned x = 0;
    for (size_t i = 0; i < n; i++)
        x += p[i];
    return x;
}

/* The deleted-record scan with everything a reader of it calls. */
static void deleted_of(nthive *h, const nt_allocator *a)
{
    nthive_deleted_iter it;
    nthive_deleted d;
    nthive_owner_map map;
    nthive_reach reach;
    bool have_map = nthive_owner_map_build(&map, h, a) == NT_OK;
    bool have_reach = nthive_reach_build(&reach, h, a) == NT_OK;
    const nthive_reach *rp = have_reach ? &reach : NULL;
    volatile unsigned sink = 0;

    nthive_deleted_init(&it, h);
    nthive_deleted_set_reach(&it, rp);
    while (nthive_deleted_next(&it, &d) == NT_OK) {
        char buf[512];
        size_t len;
        bool complete;
        nthive_value v;
        nthive_deleted_data dd;
        const uint8_t *piece;
        nthive_name n;
        /* Unreferenced means allocated and not reached; remnant means
         * past the hive bins data. */
        if ((d.found == NTHIVE_FOUND_UNREFERENCED && (!rp || nthive_reach_has(rp, d.offset))) ||
            (d.found == NTHIVE_FOUND_REMNANT && (uint64_t)d.offset + 4 < h->bins_size))
            __builtin_trap();
        if (d.kind == NTHIVE_DELETED_KEY) {
            nthive_layer l;
            (void)nthive_deleted_key_path(&d.key, buf, sizeof buf, &len, &complete);
            nthive_key_name(&d.key, &n);
            nthive_name_to_utf8(&n, buf, sizeof buf, &len);
            (void)nthive_key_last_written(&d.key);
            nthive_key_layer(&d.key, &l);
            for (uint32_t i = 0; i < 64 && nthive_deleted_key_value(&d.key, i, &v) == NT_OK; i++) {
                nthive_deleted_data_init_reach(&v, rp, &dd);
                while (nthive_deleted_data_next(&dd, &piece, &len) == NT_OK)
                    if (piece)
                        sink += touch(piece, len);
            }
            continue;
        }
        nthive_value_name(&d.value, &n);
        nthive_name_to_utf8(&n, buf, sizeof buf, &len);
        (void)nthive_value_type(&d.value);
        (void)nthive_value_is_tombstone(&d.value);
        if (nthive_deleted_value_data(&d.value, &piece, &len) == NT_OK)
            sink += touch(piece, len);
        nthive_deleted_data_init_reach(&d.value, rp, &dd);
        while (nthive_deleted_data_next(&dd, &piece, &len) == NT_OK)
            if (piece)
                sink += touch(piece, len);
        if (have_map) {
            nthive_key owner;
            uint32_t how, others;
            if (nthive_value_owner(&map, d.offset, &owner, &how, &others) == NT_OK)
                (void)nthive_deleted_key_path(&owner, buf, sizeof buf, &len, &complete);
        }
    }
    if (have_map)
        nthive_owner_map_free(&map);
    if (have_reach)
        nthive_reach_free(&reach);
    (void)sink;
}

/* Open + walk + accessors + the deleted scan over one hive image. */
static void hive_of(const uint8_t *data, size_t size, const nt_allocator *a)
{
    nthive h;
    nthive_info in;
    nthive_key root, k, other;
    nthive_walk w;
    uint32_t depth, seen = 0;
    int r;

    if (nthive_open(&h, data, size) != NT_OK)
        return;
    nthive_get_info(&h, &in);
    deleted_of(&h, a);
    /* The same bytes with half the hive bins data declared (and the bin
     * header there spoilt, or the chain would make it part of the hive):
     * the rest is a remnant tail of real bins. */
    if (in.usable_size >= 8192 && size >= 4096 + (size_t)in.usable_size) {
        uint8_t *copy = malloc(size);
        uint32_t half = in.usable_size / 2 & ~4095u;
        nthive t;
        if (copy) {
            memcpy(copy, data, size);
            copy[40] = (uint8_t)half, copy[41] = (uint8_t)(half >> 8);
            copy[42] = (uint8_t)(half >> 16), copy[43] = (uint8_t)(half >> 24);
            copy[4096 + half] ^= 0x20;
            if (nthive_open(&t, copy, size) == NT_OK)
                deleted_of(&t, a);
            free(copy);
        }
    }
    if (nthive_root(&h, &root) != NT_OK)
        return;
    (void)nthive_key_open(&root, "a\\B/c", 5, &other);
    if (nthive_walk_init(&w, &root, 64, a) != NT_OK)
        return;
    while ((r = nthive_walk_next(&w, &k, &depth)) != NT_END) {
        nthive_name n, cls;
        const uint8_t *sd;
        size_t len;
        char buf[600];
        if (r)
            continue;
        nthive_key_name(&k, &n);
        nthive_name_to_utf8(&n, buf, sizeof buf, &len);
        (void)nthive_name_hash(&n);
        if (nthive_key_class(&k, &cls) == NT_OK)
            nthive_name_to_utf8(&cls, buf, sizeof buf, &len);
        (void)nthive_key_security(&k, &sd, &len);
        if (depth > 0 && ++seen < 64 && nthive_key_at(&h, nthive_key_parent_offset(&k), &other) == NT_OK &&
            nthive_name_to_utf8(&n, buf, sizeof buf, &len) == NT_OK)
            (void)nthive_key_subkey(&other, buf, len, &other);
        values_of(&k);
    }
    nthive_walk_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nt_allocator a = {NULL, fz_alloc, fz_free, NULL};
    nthive_log logs[2];
    size_t nlogs = 0, primary = size, need = 0;
    const uint8_t *cut;

    /* primary [SPLIT log1 [SPLIT log2]] */
    cut = memmem(data, size, FUZZ_SPLIT, FUZZ_SPLIT_LEN);
    if (cut) {
        const uint8_t *rest = cut + FUZZ_SPLIT_LEN, *end = data + size, *cut2;
        primary = (size_t)(cut - data);
        cut2 = memmem(rest, (size_t)(end - rest), FUZZ_SPLIT, FUZZ_SPLIT_LEN);
        logs[nlogs++] = (nthive_log){rest, (size_t)((cut2 ? cut2 : end) - rest)};
        if (cut2)
            logs[nlogs++] = (nthive_log){cut2 + FUZZ_SPLIT_LEN, (size_t)(end - cut2 - FUZZ_SPLIT_LEN)};
    }
    /* Copies, so that ASan sees the exact bounds of each part. */
    {
        uint8_t *p = malloc(primary ? primary : 1), *l[2] = {NULL, NULL};
        nthive_replay_report rep;
        uint8_t *out = NULL;
        size_t out_size = 0;
        int st;
        if (!p)
            return 0;
        memcpy(p, data, primary);
        for (size_t i = 0; i < nlogs; i++) {
            l[i] = malloc(logs[i].size ? logs[i].size : 1);
            if (!l[i])
                goto done;
            memcpy(l[i], logs[i].data, logs[i].size);
            logs[i].data = l[i];
            (void)nthive_log_format(l[i], logs[i].size, NULL);
        }
        (void)nthive_dirty(p, primary);
        hive_of(p, primary, &a);
        st = nthive_replay_size(p, primary, logs, nlogs, &need, &rep);
        if ((st == NT_OK || st == NT_ERR_NOT_FOUND) && need <= FUZZ_MAX_REPLAY &&
            nthive_replay_alloc(p, primary, logs, nlogs, &a, &out, &out_size, &rep) != NT_ERR_NOMEM && out) {
            if (rep.format != NTHIVE_LOG_NONE)
                hive_of(out, out_size, &a);
            nt_free(&a, out, out_size, 8);
        }
    done:
        free(l[0]);
        free(l[1]);
        free(p);
    }
    return 0;
}
