/* Damaged input: every seed hive is truncated at many offsets and mutated
 * by thousands of random byte flips (fixed PRNG, so runs repeat); open +
 * full walk + every accessor must return data or an error, never crash,
 * hang or read outside the buffer (run under ASan/UBSan too: each input
 * lives in a malloc'd block of exactly its size). Seeds: a builder hive
 * with every structure, plus small shared hives when present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "hive_builder.h"
#include "nthive.h"
#include "test_support.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void exercise(const uint8_t *data, size_t size)
{
    nthive h;
    size_t values, errors;
    if (nthive_open(&h, data, size) == NT_OK) {
        nthive_info in;
        nthive_get_info(&h, &in);
        (void)hb_walk_everything(&h, &values, &errors);
    }
}

static void mutate(const uint8_t *seed, size_t size, unsigned truncations, unsigned flips)
{
    uint8_t *buf;
    /* truncations: evenly spread plus random, each in an exact-size block */
    for (unsigned i = 0; i < truncations; i++) {
        size_t cut = i < truncations / 2 ? size * i / (truncations / 2) : next_rand() % size;
        buf = malloc(cut ? cut : 1);
        memcpy(buf, seed, cut);
        exercise(buf, cut);
        free(buf);
    }
    buf = malloc(size);
    memcpy(buf, seed, size);
    for (unsigned i = 0; i < flips; i++) {
        size_t pos[4];
        uint8_t old[4];
        unsigned n = 1 + (unsigned)(next_rand() % 4);
        for (unsigned j = 0; j < n; j++) {
            uint64_t r = next_rand();
            /* a quarter of the flips hit the base block and first bin */
            pos[j] = (r & 3) == 0 ? (size_t)(r >> 8) % (size < 8192 ? size : 8192) : (size_t)(r >> 8) % size;
            old[j] = buf[pos[j]];
            switch ((r >> 4) & 3) {
            case 0:
                buf[pos[j]] ^= (uint8_t)(1u << ((r >> 40) & 7));
                break;
            case 1:
                buf[pos[j]] = 0xFF;
                break;
            case 2:
                buf[pos[j]] = 0;
                break;
            default:
                buf[pos[j]] = (uint8_t)(r >> 48);
                break;
            }
        }
        exercise(buf, size);
        for (unsigned j = n; j-- > 0;)
            buf[pos[j]] = old[j];
    }
    free(buf);
}

/* A seed with every structure: lf/lh/li/ri lists, names of both kinds,
 * class, sk, inline/cell/big data. */
static uint8_t *builder_seed(hb *b, size_t *size)
{
    uint32_t kids[40], leaves[4], vks[6];
    uint8_t w[8] = {0x34, 0x04, 0x3E, 0x04, 0x01, 0xD8, 0x00, 0xDC};
    uint8_t *bigdata = calloc(1, 20000);
    hb_init(b, 5);
    uint32_t r = hb_nk_ascii(b, HB_NONE, "ROOT");
    for (int i = 0; i < 40; i++) {
        char name[8];
        snprintf(name, sizeof name, "k%02d", i);
        kids[i] = i == 7 ? hb_nk(b, r, w, 8, 0) : hb_nk_ascii(b, r, name);
    }
    leaves[0] = hb_list(b, "lf", kids, 10);
    leaves[1] = hb_list(b, "lh", kids + 10, 10);
    leaves[2] = hb_list(b, "li", kids + 20, 10);
    leaves[3] = hb_list(b, "lh", kids + 30, 10);
    hb_set_subkeys(b, r, hb_list(b, "ri", leaves, 4), 40);
    uint32_t grand[2] = {hb_nk_ascii(b, kids[3], "g0"), hb_nk_ascii(b, kids[3], "g1")};
    hb_set_subkeys(b, kids[3], hb_list(b, "li", grand, 2), 2);
    vks[0] = hb_vk(b, "", 1, "a\0b\0\0\0", 6, 0);
    vks[1] = hb_vk(b, "dw", 4, "\1\0\0\0", 4, 1);
    vks[2] = hb_vk(b, "big", 3, bigdata, 20000, 0);
    vks[3] = hb_vk(b, "multi", 7, "x\0\0\0y\0\0\0\0\0", 10, 0);
    vks[4] = hb_vk(b, "q", 11, "12345678", 8, 0);
    vks[5] = hb_vk_name(b, w, 8, 0, 2, "%\0x\0", 4, 0);
    hb_set_values(b, r, vks, 6);
    hb_set_values(b, kids[2], vks + 1, 2);
    uint32_t cls = hb_cell(b, "C\0L\0", 4);
    hb_put32(b, kids[1], 48, cls);
    hb_put16(b, kids[1], 74, 4);
    uint8_t sk[28] = {'s', 'k'};
    sk[16] = 8;
    hb_put32(b, r, 44, hb_cell(b, sk, sizeof sk));
    free(bigdata);
    return hb_finish(b, r, size);
}

static void test_builder_seed(void **state)
{
    hb b;
    size_t size, values, errors;
    nthive h;
    (void)state;
    uint8_t *f = builder_seed(&b, &size);
    uint8_t *copy = malloc(size);
    memcpy(copy, f, size);
    assert_int_equal(nthive_open(&h, copy, size), NT_OK);
    assert_int_equal(hb_walk_everything(&h, &values, &errors), 43);
    assert_int_equal(values, 8);
    assert_int_equal(errors, 0);
    mutate(copy, size, 400, 6000);
    free(copy);
    hb_free(&b);
}

static void test_shared_seeds(void **state)
{
    static const char *const seeds[] = {
        "hives/nt-hive/testhive",
        "hives/hivex/special",
        "hives/yarp/BigDataHive",
        "hives/yarp/ManySubkeysHive",
        "hives/python-registry/UNICODE_TESTS",
        "hives/plaso/regf/SAM",
        "hives/regipy/BCD",
        "hives/yarp/StringValuesHive",
    };
    const char *dir = test_shared_dir();
    char path[4096];
    unsigned used = 0;
    (void)state;
    if (!dir)
        skip();
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        size_t size;
        uint8_t *data;
        clock_t t0 = clock();
        snprintf(path, sizeof path, "%s/%s", dir, seeds[i]);
        data = test_read_file(path, &size);
        if (!data)
            continue;
        used++;
        /* Bigger hives get fewer flips so the test stays within seconds. */
        mutate(data, size, 200, size > 300000 ? 400 : 1500);
        printf("  %s: %zu bytes, %.2f s\n", seeds[i], size, (double)(clock() - t0) / CLOCKS_PER_SEC);
        free(data);
    }
    assert_true(used > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builder_seed),
        cmocka_unit_test(test_shared_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
