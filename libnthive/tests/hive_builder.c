#define _POSIX_C_SOURCE 200809L
#include "hive_builder.h"

#include <stdlib.h>
#include <string.h>

#define BASE 4096u

static void ensure(hb *b, size_t need)
{
    if (need <= b->cap)
        return;
    size_t cap = b->cap * 2;
    while (cap < need)
        cap *= 2;
    b->buf = realloc(b->buf, cap);
    if (!b->buf)
        abort();
    memset(b->buf + b->cap, 0, cap - b->cap);
    b->cap = cap;
}

static void open_bin(hb *b, uint32_t size)
{
    ensure(b, BASE + (size_t)b->used + size);
    uint8_t *p = b->buf + BASE + b->used;
    memcpy(p, "hbin", 4);
    hb_w32(p + 4, b->used);
    hb_w32(p + 8, size);
    b->bin = b->used;
    b->used += 32;
}

static uint32_t bin_end(const hb *b)
{
    return b->bin + hb_r32(b->buf + BASE + b->bin + 8);
}

/* Fills the rest of the current bin with one free cell. */
static void close_bin(hb *b)
{
    uint32_t end = bin_end(b);
    if (end > b->used) {
        hb_w32(b->buf + BASE + b->used, end - b->used);
        b->used = end;
    }
}

void hb_init(hb *b, uint32_t minor)
{
    b->cap = 1 << 16;
    b->buf = calloc(1, b->cap);
    b->used = 0;
    b->minor = minor;
    open_bin(b, 4096);
}

void hb_free(hb *b)
{
    free(b->buf);
    b->buf = NULL;
}

static uint32_t put_cell(hb *b, uint32_t len, int allocated)
{
    uint32_t total = (len + 4 + 7) & ~7u;
    if (b->used + total > bin_end(b)) {
        close_bin(b);
        open_bin(b, (total + 32 + 4095) & ~4095u);
    }
    uint32_t off = b->used;
    uint8_t *p = b->buf + BASE + off;
    memset(p, 0, total);
    hb_w32(p, allocated ? (uint32_t) - (int32_t)total : total);
    b->used += total;
    return off;
}

uint32_t hb_cell(hb *b, const void *payload, uint32_t len)
{
    uint32_t off = put_cell(b, len, 1);
    if (payload)
        memcpy(b->buf + BASE + off + 4, payload, len);
    return off;
}

uint32_t hb_free_cell(hb *b, uint32_t len)
{
    return put_cell(b, len, 0);
}

uint8_t *hb_payload(hb *b, uint32_t off)
{
    return b->buf + BASE + off + 4;
}

void hb_put32(hb *b, uint32_t cell, uint32_t field, uint32_t v)
{
    hb_w32(hb_payload(b, cell) + field, v);
}
void hb_put16(hb *b, uint32_t cell, uint32_t field, uint16_t v)
{
    hb_w16(hb_payload(b, cell) + field, v);
}

void hb_nk_record(uint8_t *p, uint32_t parent, const void *name, uint16_t name_len, int latin1)
{
    memcpy(p, "nk", 2);
    hb_w16(p + 2, (uint16_t)(latin1 ? 0x20 : 0) | (parent == HB_NONE ? 0x04 : 0));
    hb_w32(p + 4, 0x01d0000000000000ull & 0xffffffffu);
    hb_w32(p + 8, 0x01d00000u); /* a plausible FILETIME (2014) */
    hb_w32(p + 16, parent == HB_NONE ? 0 : parent);
    hb_w32(p + 28, HB_NONE);
    hb_w32(p + 32, HB_NONE);
    hb_w32(p + 40, HB_NONE);
    hb_w32(p + 44, HB_NONE);
    hb_w32(p + 48, HB_NONE);
    hb_w16(p + 72, name_len);
    memcpy(p + 76, name, name_len);
}

uint32_t hb_nk(hb *b, uint32_t parent, const void *name, uint16_t name_len, int latin1)
{
    uint32_t off = hb_cell(b, NULL, 76u + name_len);
    hb_nk_record(hb_payload(b, off), parent, name, name_len, latin1);
    return off;
}

uint32_t hb_nk_ascii(hb *b, uint32_t parent, const char *name)
{
    return hb_nk(b, parent, name, (uint16_t)strlen(name), 1);
}

uint32_t hb_list(hb *b, const char *sig, const uint32_t *offs, uint16_t n)
{
    int wide = !strcmp(sig, "lf") || !strcmp(sig, "lh");
    uint32_t es = wide ? 8 : 4;
    uint32_t off = hb_cell(b, NULL, 4 + es * n);
    uint8_t *p = hb_payload(b, off);
    memcpy(p, sig, 2);
    hb_w16(p + 2, n);
    for (uint16_t i = 0; i < n; i++)
        hb_w32(p + 4 + es * i, offs[i]);
    return off;
}

void hb_set_subkeys(hb *b, uint32_t nk, uint32_t list, uint32_t count)
{
    hb_put32(b, nk, 20, count);
    hb_put32(b, nk, 28, list);
}

uint32_t hb_vk_name(hb *b, const void *name, uint16_t name_len, int latin1, uint32_t type, const void *data,
                    uint32_t len, int inline_ok)
{
    uint32_t data_off = HB_NONE, size = len;
    if (inline_ok && len <= 4) {
        size |= 0x80000000u;
        data_off = 0;
        if (len)
            memcpy(&data_off, data, len); /* little-endian host assumed */
    } else if (b->minor >= 4 && len > 16344) {
        uint32_t nseg = (len + 16343) / 16344;
        uint32_t *segs = calloc(nseg, 4);
        for (uint32_t i = 0; i < nseg; i++) {
            uint32_t n = len - i * 16344 < 16344 ? len - i * 16344 : 16344;
            segs[i] = hb_cell(b, (const uint8_t *)data + (size_t)i * 16344, n);
        }
        uint32_t list = hb_cell(b, NULL, 4 * nseg);
        for (uint32_t i = 0; i < nseg; i++)
            hb_put32(b, list, 4 * i, segs[i]);
        free(segs);
        data_off = hb_cell(b, NULL, 8);
        uint8_t *p = hb_payload(b, data_off);
        memcpy(p, "db", 2);
        hb_w16(p + 2, (uint16_t)nseg);
        hb_w32(p + 4, list);
    } else if (len > 0) {
        data_off = hb_cell(b, data, len);
    }
    uint32_t off = hb_cell(b, NULL, 20u + name_len);
    uint8_t *p = hb_payload(b, off);
    memcpy(p, "vk", 2);
    hb_w16(p + 2, name_len);
    hb_w32(p + 4, size);
    hb_w32(p + 8, data_off);
    hb_w32(p + 12, type);
    hb_w16(p + 16, latin1 ? 1 : 0);
    memcpy(p + 20, name, name_len);
    return off;
}

uint32_t hb_vk(hb *b, const char *name, uint32_t type, const void *data, uint32_t len, int inline_ok)
{
    return hb_vk_name(b, name, (uint16_t)strlen(name), 1, type, data, len, inline_ok);
}

void hb_set_values(hb *b, uint32_t nk, const uint32_t *vks, uint32_t n)
{
    uint32_t list = hb_cell(b, vks, 4 * n);
    hb_put32(b, nk, 36, n);
    hb_put32(b, nk, 40, list);
}

uint8_t *hb_finish(hb *b, uint32_t root, size_t *size)
{
    close_bin(b);
    uint8_t *p = b->buf;
    memset(p, 0, BASE);
    memcpy(p, "regf", 4);
    hb_w32(p + 4, 1);
    hb_w32(p + 8, 1);
    hb_w32(p + 20, 1);
    hb_w32(p + 24, b->minor);
    hb_w32(p + 32, 1);
    hb_w32(p + 36, root);
    hb_w32(p + 40, b->used);
    hb_w32(p + 44, 1);
    hb_fix_checksum(p);
    *size = BASE + (size_t)b->used;
    return p;
}

#include "ntcore/allocator.h"

static void *sys_alloc(void *ctx, size_t size, size_t align)
{
    void *p = NULL;
    (void)ctx;
    if (align < sizeof(void *))
        align = sizeof(void *);
    return posix_memalign(&p, align, size) ? NULL : p;
}

static void sys_free(void *ctx, void *p, size_t size, size_t align)
{
    (void)ctx, (void)size, (void)align;
    free(p);
}

size_t hb_walk_everything(nthive *h, size_t *values, size_t *errors)
{
    nt_allocator a = {NULL, sys_alloc, sys_free, NULL};
    nthive_walk w;
    nthive_key root, k, again, found;
    uint32_t depth;
    size_t keys = 0, vals = 0, errs = 0;
    int r;
    char buf[600], vname[600];
    size_t vname_len;

    if (nthive_root(h, &root) != NT_OK) {
        if (errors)
            *errors = 1;
        if (values)
            *values = 0;
        return 0;
    }
    if (nthive_walk_init(&w, &root, 0, &a) != NT_OK)
        abort();
    while ((r = nthive_walk_next(&w, &k, &depth)) != NT_END) {
        nthive_value_iter vi;
        nthive_value v;
        nthive_name n;
        const uint8_t *sd;
        size_t len;
        if (r) {
            errs++;
            continue;
        }
        keys++;
        nthive_key_name(&k, &n);
        nthive_name_to_utf8(&n, buf, sizeof buf, &len);
        (void)nthive_name_hash(&n);
        if (nthive_key_class(&k, &n) == NT_OK)
            nthive_name_to_utf8(&n, buf, sizeof buf, &len);
        (void)nthive_key_security(&k, &sd, &len);
        (void)nthive_key_flags(&k), (void)nthive_key_last_written(&k);
        /* A lookup of the key's own name from its parent must find a key
         * of that name (perhaps a twin). */
        if (depth > 0 && keys < 64 && nthive_key_at(h, nthive_key_parent_offset(&k), &again) == NT_OK) {
            nthive_key_name(&k, &n);
            if (nthive_name_to_utf8(&n, buf, sizeof buf, &len) == NT_OK && len < sizeof buf)
                (void)nthive_key_subkey(&again, buf, len, &found);
        }
        if (nthive_values(&k, &vi) != NT_OK) {
            errs++;
            continue;
        }
        while ((r = nthive_value_next(&vi, &v)) != NT_END) {
            const uint8_t *d;
            uint8_t *copy;
            size_t dl, total = 0;
            nthive_data_iter di;
            if (r) {
                errs++;
                continue;
            }
            vals++;
            nthive_value_name(&v, &n);
            int name_fits = nthive_name_to_utf8(&n, vname, sizeof vname, &vname_len) == NT_OK;
            if (nthive_value_data(&v, &d, &dl) == NT_OK) {
                nthive_multi_sz ms;
                const uint8_t *s;
                size_t units;
                uint32_t u32;
                uint64_t u64;
                nthive_string_to_utf8(d, dl, buf, sizeof buf, &len);
                nthive_multi_sz_init(&ms, d, dl);
                while (nthive_multi_sz_next(&ms, &s, &units) == NT_OK)
                    ;
                (void)nthive_decode_dword(d, dl, &u32);
                (void)nthive_decode_qword(d, dl, &u64);
            }
            if (nthive_value_segments(&v, &di) == NT_OK) {
                while (nthive_data_next(&di, &d, &dl) == NT_OK)
                    total += dl;
            } else {
                errs++;
            }
            if (total < (64u << 20)) {
                copy = malloc(total + 1);
                (void)nthive_value_read(&v, copy, total, &dl);
                free(copy);
            }
            if (name_fits && vals < 256)
                (void)nthive_key_value(&k, vname, vname_len, &v);
        }
    }
    nthive_walk_free(&w);
    if (values)
        *values = vals;
    if (errors)
        *errors = errs;
    return keys;
}

void hb_fix_checksum(uint8_t *b)
{
    uint32_t x = 0;
    for (int i = 0; i < 127; i++)
        x ^= hb_r32(b + 4 * i);
    x = x == 0 ? 1 : x == 0xFFFFFFFFu ? 0xFFFFFFFEu : x;
    hb_w32(b + 508, x);
}
