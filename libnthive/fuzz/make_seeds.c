/* Writes seed inputs for fuzz_hive into the directory argv[1], built with
 * the unit tests' hive builder (written from the format, not by the
 * parser):
 *   builder        a hive with every list kind, values and big data;
 *   deleted        the same kind of hive after deleting a key and a big
 *                  value (cells freed, the value's offset left in list
 *                  slack), for the recovery scan;
 *   remnant        the builder hive, then past its declared hive bins
 *                  data a copy of those bins (their headers name other
 *                  offsets than where they lie now) and a page with a
 *                  bare vk at its start and a cell-form nk;
 *   leaked         the builder hive with a key dropped from its parent's
 *                  list but still allocated (an unreferenced record);
 *   dirty-new      a dirty primary + two new-format logs ("HvLE" entries
 *                  with Marvin32 hashes, sequence 2 in LOG1, 3 in LOG2);
 *   dirty-old      a dirty primary + an old-format log ("DIRT" vector).
 * Inputs with logs are "primary SPLIT log1 [SPLIT log2]" (fuzz_hive.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive_builder.h"
#include "nthive_forensic.h"

#define SPLIT "\nNTKIT-LOG\n"
#define BASE 4096u

static const char *dir;

static void w32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static uint32_t r32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fix_checksum(uint8_t *b)
{
    uint32_t x = 0;
    for (int i = 0; i < 127; i++)
        x ^= r32(b + 4 * i);
    x = x == 0 ? 1 : x == 0xFFFFFFFFu ? 0xFFFFFFFEu : x;
    w32(b + 508, x);
}

static void put(FILE *o, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, o) != n)
        exit(1);
}

static FILE *create(const char *name)
{
    char path[4096];
    FILE *o;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    o = fopen(path, "wb");
    if (!o)
        exit(1);
    return o;
}

static void free_cell(uint8_t *file, uint32_t off)
{
    uint8_t *p = file + BASE + off;
    int32_t size = (int32_t)r32(p);
    w32(p, (uint32_t)(size < 0 ? -size : size));
}

/* A hive with a root, three subkeys in an ri, and values (one big). With
 * `child` the key name of the first subkey. */
static uint8_t *make_hive(const char *child, size_t *size, uint32_t *big_vk, uint32_t *list_of_root_values,
                          hb *keep)
{
    hb b;
    uint32_t r, kids[3], leaves[2], vks[3];
    static unsigned char big[40000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (unsigned char)(i * 31 ^ i >> 7);
    hb_init(&b, 5);
    r = hb_nk_ascii(&b, HB_NONE, "ROOT");
    kids[0] = hb_nk_ascii(&b, r, child);
    kids[1] = hb_nk_ascii(&b, r, "b");
    kids[2] = hb_nk_ascii(&b, r, "c");
    leaves[0] = hb_list(&b, "lh", kids, 2);
    leaves[1] = hb_list(&b, "lf", kids + 2, 1);
    hb_set_subkeys(&b, r, hb_list(&b, "ri", leaves, 2), 3);
    vks[0] = hb_vk(&b, "s", 1, "x\0y\0\0\0", 6, 0);
    vks[1] = hb_vk(&b, "d", 4, "\1\2\3\4", 4, 1);
    vks[2] = hb_vk(&b, "big", 3, big, sizeof big, 0);
    hb_set_values(&b, r, vks, 3);
    if (big_vk)
        *big_vk = vks[2];
    if (list_of_root_values)
        *list_of_root_values = r;
    {
        uint8_t *f = hb_finish(&b, r, size);
        if (keep)
            *keep = b; /* its buffer is the returned file */
        return f;
    }
}

static void seed_builder(void)
{
    size_t size;
    uint8_t *f = make_hive("a", &size, NULL, NULL, NULL);
    FILE *o = create("builder");
    put(o, f, size);
    fclose(o);
    free(f);
}

/* Deletes the big value (count 3 -> 2: its offset stays in the list's
 * slack) and frees its vk, db, segment list and segments. */
static void seed_deleted(void)
{
    size_t size;
    uint32_t vk, root, db, list, count;
    hb b;
    uint8_t *f = make_hive("a", &size, &vk, &root, &b);
    FILE *o;
    db = r32(hb_payload(&b, vk) + 8);
    list = r32(hb_payload(&b, db) + 4);
    count = hb_payload(&b, db)[2] | hb_payload(&b, db)[3] << 8;
    for (uint32_t i = 0; i < count; i++)
        free_cell(f, r32(hb_payload(&b, list) + 4 * i));
    free_cell(f, list);
    free_cell(f, db);
    free_cell(f, vk);
    hb_put32(&b, root, 36, 2);
    o = create("deleted");
    put(o, f, size);
    fclose(o);
    free(f);
}

static void seed_remnant(void)
{
    size_t size, bins, total;
    uint32_t root;
    hb b;
    uint8_t *f = make_hive("a", &size, NULL, &root, &b), *t, *page, *p;
    FILE *o;
    bins = size - BASE;
    total = size + bins + 4096;
    t = calloc(1, total);
    if (!t)
        exit(1);
    memcpy(t, f, size);
    memcpy(t + size, f + BASE, bins);
    page = t + size + bins;
    memcpy(page, "vk", 2);
    w32(page + 4, 0x80000004u);
    w32(page + 8, 7);
    w32(page + 12, 4);
    p = page + 0x100;
    w32(p, (uint32_t)-0x60);
    memcpy(p + 4, "nk", 2);
    p[6] = 0x20;
    w32(p + 4 + 8, 0x01d00000u);
    w32(p + 4 + 16, root);
    w32(p + 4 + 28, HB_NONE);
    w32(p + 4 + 40, HB_NONE);
    p[4 + 72] = 3;
    memcpy(p + 4 + 76, "rem", 3);
    o = create("remnant");
    put(o, t, total);
    fclose(o);
    free(t);
    free(f);
}

/* Key "b" stays allocated but the first leaf of the root's ri lists only
 * "a": nothing reachable references it. */
static void seed_leaked(void)
{
    size_t size;
    uint32_t root, ri, leaf;
    hb b;
    uint8_t *f = make_hive("a", &size, NULL, &root, &b), *lp;
    FILE *o;
    ri = r32(hb_payload(&b, root) + 28);
    leaf = r32(hb_payload(&b, ri) + 4);
    lp = hb_payload(&b, leaf);
    lp[2] = 1, lp[3] = 0;
    hb_put32(&b, root, 20, 2);
    o = create("leaked");
    put(o, f, size);
    fclose(o);
    free(f);
}

/* An HvLE entry writing `len` bytes of `page` at hive-bins offset 0. */
static void log_entry(FILE *o, uint32_t seq, uint32_t bins, const uint8_t *page, uint32_t len)
{
    size_t esize = (40 + 8 + len + 511) / 512 * 512;
    uint8_t *e = calloc(1, esize);
    uint64_t h;
    if (!e)
        exit(1);
    memcpy(e, "HvLE", 4);
    w32(e + 4, (uint32_t)esize);
    w32(e + 12, seq);
    w32(e + 16, bins);
    w32(e + 20, 1);
    w32(e + 40, 0);
    w32(e + 44, len);
    memcpy(e + 48, page, len);
    h = nthive_marvin32(e + 40, esize - 40, NTHIVE_MARVIN32_SEED);
    w32(e + 24, (uint32_t)h), w32(e + 28, (uint32_t)(h >> 32));
    h = nthive_marvin32(e, 32, NTHIVE_MARVIN32_SEED);
    w32(e + 32, (uint32_t)h), w32(e + 36, (uint32_t)(h >> 32));
    put(o, e, esize);
    free(e);
}

static void log_base(FILE *o, const uint8_t *primary, uint32_t seq, uint32_t type)
{
    uint8_t bb[512];
    memcpy(bb, primary, 512);
    w32(bb + 4, seq);
    w32(bb + 8, seq);
    w32(bb + 28, type);
    fix_checksum(bb);
    put(o, bb, 512);
}

static void seed_dirty(void)
{
    size_t size, s2, s3;
    uint8_t *p = make_hive("a", &size, NULL, NULL, NULL), *v2 = make_hive("B", &s2, NULL, NULL, NULL),
            *v3 = make_hive("C", &s3, NULL, NULL, NULL);
    uint32_t bins = (uint32_t)(size - BASE);
    FILE *o;

    w32(p + 4, 3);
    w32(p + 8, 2);
    fix_checksum(p);
    /* New format: LOG1 holds entry 2, LOG2 entry 3. */
    o = create("dirty-new");
    put(o, p, size);
    put(o, SPLIT, strlen(SPLIT));
    log_base(o, p, 2, 6);
    log_entry(o, 2, bins, v2 + BASE, 4096);
    put(o, SPLIT, strlen(SPLIT));
    log_base(o, p, 3, 6);
    log_entry(o, 3, bins, v3 + BASE, 4096);
    fclose(o);
    /* Old format: a 512-byte base block, "DIRT", one bit per 512-byte
     * page, the dirty pages from the next 512-byte boundary. */
    o = create("dirty-old");
    put(o, p, size);
    put(o, SPLIT, strlen(SPLIT));
    log_base(o, p, 3, 1);
    {
        uint8_t vec[512] = {'D', 'I', 'R', 'T'};
        size_t vbytes = bins / 4096;
        vec[4] = 0x0F; /* the first four pages (2 KiB) */
        if (4 + vbytes > sizeof vec)
            exit(1);
        put(o, vec, sizeof vec);
        put(o, v2 + BASE, 2048);
    }
    fclose(o);
    free(p), free(v2), free(v3);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds DIR\n");
        return 2;
    }
    dir = argv[1];
    seed_builder();
    seed_deleted();
    seed_remnant();
    seed_leaked();
    seed_dirty();
    return 0;
}
