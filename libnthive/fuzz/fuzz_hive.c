/* libFuzzer target: open + full walk + every accessor and decoder, plus
 * path lookups, on arbitrary bytes. Uses libc malloc for the walker (a
 * test harness, not a front end). Lookups are done for the first keys only:
 * one lookup may cost a linear scan, so one per key would be quadratic in
 * the harness. */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nthive.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nt_allocator a = {NULL, fz_alloc, fz_free, NULL};
    nthive h;
    nthive_info in;
    nthive_key root, k, other;
    nthive_walk w;
    uint32_t depth, seen = 0;
    int r;

    if (nthive_open(&h, data, size) != NT_OK)
        return 0;
    nthive_get_info(&h, &in);
    if (nthive_root(&h, &root) != NT_OK)
        return 0;
    (void)nthive_key_open(&root, "a\\B/c", 5, &other);
    if (nthive_walk_init(&w, &root, 64, &a) != NT_OK)
        return 0;
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
    return 0;
}
