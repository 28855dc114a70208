/* Transaction log replay on hand-built hives and logs (both formats):
 * entries spread out of order over two logs, a bad Marvin32 hash, a log
 * that grows the hive, a base block recovered from the log, damaged logs,
 * and the yarp/regipy logs from the shared test data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hive_builder.h"
#include "nthive.h"
#include "nthive_forensic.h"
#include "test_support.h"

#define BASE 4096u

/* A hive: root "ROOT" with one subkey whose 4-letter name is `name`. */
static uint8_t *make_hive(const char *name, size_t *size)
{
    hb b;
    uint32_t root, child, list;
    uint8_t *file;
    hb_init(&b, 5);
    root = hb_nk_ascii(&b, HB_NONE, "ROOT");
    child = hb_nk_ascii(&b, root, name);
    list = hb_list(&b, "li", &child, 1);
    hb_set_subkeys(&b, root, list, 1);
    file = hb_finish(&b, root, size);
    return file; /* owned: b.buf */
}

/* The name of the root's only subkey in `file`. */
static void child_name(const uint8_t *file, size_t size, char *out, size_t cap)
{
    nthive h;
    nthive_key root, child;
    nthive_subkey_iter it;
    nthive_name n;
    assert_int_equal(nthive_open(&h, file, size), NT_OK);
    assert_int_equal(nthive_root(&h, &root), NT_OK);
    assert_int_equal(nthive_subkeys(&root, &it), NT_OK);
    assert_int_equal(nthive_subkey_next(&it, &child), NT_OK);
    nthive_key_name(&child, &n);
    assert_int_equal(nthive_name_to_utf8(&n, out, cap, NULL), NT_OK);
}

/* A new-format log: base block (seq) then the entries appended with
 * log_entry(). */
typedef struct logbuf {
    uint8_t *d;
    size_t size;
} logbuf;

static void log_init(logbuf *l, const uint8_t *hive, uint32_t seq, uint32_t type)
{
    l->d = calloc(1, 512);
    assert_non_null(l->d);
    memcpy(l->d, hive, 512);
    hb_w32(l->d + 4, seq);
    hb_w32(l->d + 8, seq);
    hb_w32(l->d + 28, type);
    hb_fix_checksum(l->d);
    l->size = 512;
}

/* Appends an entry with one page reference: `len` bytes of `page` at
 * hive-bins offset `off`, hive bins size `bins`. */
static void log_entry(logbuf *l, uint32_t seq, uint32_t bins, uint32_t off, const uint8_t *page, uint32_t len)
{
    size_t esize = (40 + 8 + len + 511) / 512 * 512;
    uint8_t *e;
    l->d = realloc(l->d, l->size + esize);
    assert_non_null(l->d);
    e = l->d + l->size;
    memset(e, 0, esize);
    memcpy(e, "HvLE", 4);
    hb_w32(e + 4, (uint32_t)esize);
    hb_w32(e + 12, seq);
    hb_w32(e + 16, bins);
    hb_w32(e + 20, 1);
    hb_w32(e + 40, off);
    hb_w32(e + 44, len);
    memcpy(e + 48, page, len);
    hb_w64(e + 24, nthive_marvin32(e + 40, esize - 40, NTHIVE_MARVIN32_SEED));
    hb_w64(e + 32, nthive_marvin32(e, 32, NTHIVE_MARVIN32_SEED));
    l->size += esize;
}

static void make_dirty(uint8_t *hive, uint32_t seq1, uint32_t seq2)
{
    hb_w32(hive + 4, seq1);
    hb_w32(hive + 8, seq2);
    hb_fix_checksum(hive);
}

typedef struct fixture {
    uint8_t *primary, *v2, *v3;
    size_t size;
    logbuf log1, log2;
} fixture;

/* Primary (key "AAAA", seq 3/2), LOG1 holding entry 2 (-> "BBBB"), LOG2
 * holding entry 3 (-> "CCCC"). */
static void fixture_new(fixture *f)
{
    size_t s2, s3;
    f->primary = make_hive("AAAA", &f->size);
    f->v2 = make_hive("BBBB", &s2);
    f->v3 = make_hive("CCCC", &s3);
    assert_int_equal(s2, f->size);
    make_dirty(f->primary, 3, 2);
    log_init(&f->log1, f->primary, 2, 6);
    log_entry(&f->log1, 2, (uint32_t)(f->size - BASE), 0, f->v2 + BASE, 4096);
    log_init(&f->log2, f->primary, 3, 6);
    log_entry(&f->log2, 3, (uint32_t)(f->size - BASE), 0, f->v3 + BASE, 4096);
}

static void fixture_free(fixture *f)
{
    free(f->primary), free(f->v2), free(f->v3), free(f->log1.d), free(f->log2.d);
}

static void check_clean(const uint8_t *out, size_t size, uint32_t seq)
{
    assert_int_equal(hb_r32(out + 4), seq);
    assert_int_equal(hb_r32(out + 8), seq);
    assert_int_equal(nthive_dirty(out, size), 0);
}

static void test_new_format_out_of_order(void **state)
{
    fixture f;
    nthive_replay_report rep;
    uint8_t *out;
    size_t cap, got;
    char name[16];
    (void)state;
    fixture_new(&f);
    /* LOG2 given first: order comes from the sequence numbers. */
    nthive_log logs[2] = {{f.log2.d, f.log2.size}, {f.log1.d, f.log1.size}};
    assert_int_equal(nthive_dirty(f.primary, f.size), NTHIVE_DIRTY_SEQUENCE);
    assert_int_equal(nthive_replay_size(f.primary, f.size, logs, 2, &cap, &rep), NT_OK);
    out = malloc(cap);
    assert_int_equal(nthive_replay(f.primary, f.size, logs, 2, out, cap - 1, &got, &rep), NT_ERR_RANGE);
    assert_int_equal(nthive_replay(f.primary, f.size, logs, 2, out, cap, &got, &rep), NT_OK);
    assert_int_equal(rep.format, NTHIVE_LOG_NEW);
    assert_int_equal(rep.entries, 2);
    assert_int_equal(rep.first_seq, 2);
    assert_int_equal(rep.last_seq, 3);
    assert_int_equal(rep.final_seq, 4);
    assert_int_equal(rep.logs_applied, 3);
    assert_false(rep.stopped_early);
    check_clean(out, got, 4);
    /* The hive bins are the modified hive's, byte for byte. */
    assert_int_equal(got, f.size);
    assert_memory_equal(out + BASE, f.v3 + BASE, f.size - BASE);
    child_name(out, got, name, sizeof name);
    assert_string_equal(name, "CCCC");
    /* The primary itself is untouched. */
    child_name(f.primary, f.size, name, sizeof name);
    assert_string_equal(name, "AAAA");
    free(out);
    fixture_free(&f);
}

static void test_new_format_bad_hash_stops(void **state)
{
    fixture f;
    nthive_replay_report rep;
    uint8_t *out;
    size_t got;
    char name[16];
    (void)state;
    fixture_new(&f);
    f.log2.d[512 + 48 + 100] ^= 0x40; /* page data of entry 3: hash-1 no longer matches */
    nthive_log logs[2] = {{f.log1.d, f.log1.size}, {f.log2.d, f.log2.size}};
    assert_int_equal(nthive_replay_alloc(f.primary, f.size, logs, 2, &(nt_allocator){0}, &out, &got, &rep),
                     NT_ERR_INVALID);
    test_allocator ta;
    test_allocator_init(&ta);
    assert_int_equal(nthive_replay_alloc(f.primary, f.size, logs, 2, &ta.iface, &out, &got, &rep), NT_OK);
    assert_int_equal(rep.entries, 1);
    assert_int_equal(rep.last_seq, 2);
    assert_true(rep.stopped_early);
    assert_int_equal(rep.log_diag[1].status, NT_ERR_CORRUPT);
    assert_non_null(strstr(rep.log_diag[1].rule, "Marvin32"));
    check_clean(out, got, 3);
    child_name(out, got, name, sizeof name);
    assert_string_equal(name, "BBBB");
    nt_free(&ta.iface, out, got, 8);
    /* Allocation failure: NOMEM and nothing held. */
    ta.fail_at = (long)ta.total_allocs;
    assert_int_equal(nthive_replay_alloc(f.primary, f.size, logs, 2, &ta.iface, &out, &got, &rep), NT_ERR_NOMEM);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
    fixture_free(&f);
}

static void test_new_format_grows_hive(void **state)
{
    fixture f;
    nthive_replay_report rep;
    uint8_t *out, bin[4096];
    size_t cap, got;
    uint32_t bins;
    nthive h;
    nthive_info in;
    (void)state;
    fixture_new(&f);
    bins = (uint32_t)(f.size - BASE);
    /* Entry 4 adds a bin after the old end. */
    memset(bin, 0, sizeof bin);
    memcpy(bin, "hbin", 4);
    hb_w32(bin + 4, bins);
    hb_w32(bin + 8, 4096);
    hb_w32(bin + 32, 4096 - 32); /* one free cell */
    log_entry(&f.log2, 4, bins + 4096, bins, bin, 4096);
    nthive_log logs[2] = {{f.log1.d, f.log1.size}, {f.log2.d, f.log2.size}};
    assert_int_equal(nthive_replay_size(f.primary, f.size, logs, 2, &cap, &rep), NT_OK);
    assert_int_equal(cap, f.size + 4096);
    out = malloc(cap);
    assert_int_equal(nthive_replay(f.primary, f.size, logs, 2, out, cap, &got, &rep), NT_OK);
    assert_int_equal(got, f.size + 4096);
    assert_int_equal(rep.old_bins_size, bins);
    assert_int_equal(rep.new_bins_size, bins + 4096);
    assert_int_equal(rep.final_seq, 5);
    check_clean(out, got, 5);
    assert_int_equal(hb_r32(out + 40), bins + 4096);
    assert_int_equal(nthive_open(&h, out, got), NT_OK);
    nthive_get_info(&h, &in);
    assert_int_equal(in.bad_bins, 0);
    assert_false(in.truncated);
    free(out);
    fixture_free(&f);
}

static void test_base_block_recovered(void **state)
{
    fixture f;
    nthive_replay_report rep;
    uint8_t *out;
    size_t got, cap;
    char name[16];
    (void)state;
    fixture_new(&f);
    memset(f.primary, 0xEE, 512); /* garbage base block */
    assert_true(nthive_dirty(f.primary, f.size) & NTHIVE_DIRTY_BASE);
    nthive_log logs[2] = {{f.log1.d, f.log1.size}, {f.log2.d, f.log2.size}};
    assert_int_equal(nthive_replay_size(f.primary, f.size, logs, 2, &cap, &rep), NT_OK);
    out = malloc(cap);
    assert_int_equal(nthive_replay(f.primary, f.size, logs, 2, out, cap, &got, &rep), NT_OK);
    assert_true(rep.base_recovered);
    assert_int_equal(rep.entries, 2);
    assert_int_equal(hb_r32(out + 28), 0); /* a primary again */
    check_clean(out, got, 4);
    child_name(out, got, name, sizeof name);
    assert_string_equal(name, "CCCC");
    /* Without logs the garbage cannot be read. */
    assert_int_equal(nthive_replay(f.primary, f.size, NULL, 0, out, cap, &got, &rep), NT_ERR_CORRUPT);
    free(out);
    fixture_free(&f);
}

/* Old format: a 512-byte base block copy, "DIRT", one bit per 512-byte
 * page, the dirty pages from the next sector on. */
static void test_old_format(void **state)
{
    fixture f;
    nthive_replay_report rep;
    logbuf l;
    uint8_t *out;
    size_t got, cap, vec;
    uint32_t bins;
    char name[16];
    (void)state;
    fixture_new(&f);
    bins = (uint32_t)(f.size - BASE);
    vec = bins / 512 / 8;
    log_init(&l, f.primary, 3, 1);
    l.size = (512 + 4 + vec + 511) / 512 * 512 + 2 * 512;
    l.d = realloc(l.d, l.size);
    memset(l.d + 512, 0, l.size - 512);
    memcpy(l.d + 512, "DIRT", 4);
    /* Pages 0 and 1 of the bins (the bin header and the nk cells). */
    l.d[516] = 0x03;
    memcpy(l.d + l.size - 1024, f.v2 + BASE, 1024);
    nthive_log logs[3] = {{NULL, 0}, {l.d, l.size}, {f.log1.d, 100}};
    assert_int_equal(nthive_log_format(l.d, l.size, NULL), NTHIVE_LOG_OLD);
    assert_int_equal(nthive_replay_size(f.primary, f.size, logs, 3, &cap, &rep), NT_OK);
    out = malloc(cap);
    assert_int_equal(nthive_replay(f.primary, f.size, logs, 3, out, cap, &got, &rep), NT_OK);
    assert_int_equal(rep.format, NTHIVE_LOG_OLD);
    assert_int_equal(rep.pages, 2);
    assert_int_equal(rep.logs_applied, 2);
    assert_int_equal(rep.log_diag[0].status, NT_ERR_NOT_FOUND); /* empty */
    assert_int_equal(rep.log_diag[2].status, NT_ERR_CORRUPT);   /* truncated */
    check_clean(out, got, 3);
    assert_int_equal(got, f.size);
    assert_memory_equal(out + BASE, f.v2 + BASE, f.size - BASE); /* byte for byte */
    child_name(out, got, name, sizeof name);
    assert_string_equal(name, "BBBB");
    /* A dirty vector that promises more pages than the log holds. */
    l.d[516] = 0xFF;
    assert_int_equal(nthive_replay(f.primary, f.size, logs, 3, out, cap, &got, &rep), NT_ERR_NOT_FOUND);
    assert_int_equal(rep.log_diag[1].status, NT_ERR_CORRUPT);
    free(out);
    free(l.d);
    fixture_free(&f);
}

/* Truncations and byte flips of the logs: an error or a replay, never a
 * crash or an out-of-bounds access (run under ASan/UBSan). */
static void test_damaged_logs(void **state)
{
    fixture f;
    nthive_replay_report rep;
    size_t cap = 0, got;
    uint8_t *out;
    (void)state;
    fixture_new(&f);
    out = malloc(f.size + (1u << 20));
    for (size_t cut = 0; cut <= f.log2.size; cut += 97) {
        nthive_log logs[2] = {{f.log1.d, f.log1.size}, {f.log2.d, cut}};
        int st = nthive_replay(f.primary, f.size, logs, 2, out, f.size + (1u << 20), &got, &rep);
        assert_true(st == NT_OK || st == NT_ERR_NOT_FOUND);
    }
    for (size_t pos = 0; pos < f.log2.size; pos += 13) {
        uint8_t *copy = malloc(f.log2.size);
        memcpy(copy, f.log2.d, f.log2.size);
        copy[pos] ^= (uint8_t)(0x5A + pos);
        if (pos % 3 == 0 && pos + 4 <= f.log2.size)
            hb_w32(copy + (pos & ~(size_t)3), 0xFFFFFFF0u);
        nthive_log logs[2] = {{f.log1.d, f.log1.size}, {copy, f.log2.size}};
        int st = nthive_replay_size(f.primary, f.size, logs, 2, &cap, &rep);
        assert_true(st == NT_OK || st == NT_ERR_NOT_FOUND);
        assert_true(cap <= (size_t)BASE + NTHIVE_REPLAY_MAX_BINS);
        if (cap <= f.size + (1u << 20))
            nthive_replay(f.primary, f.size, logs, 2, out, f.size + (1u << 20), &got, &rep);
        free(copy);
    }
    /* Flips in the primary too, with the logs intact. */
    for (size_t pos = 0; pos < 600; pos += 7) {
        uint8_t *copy = malloc(f.size);
        memcpy(copy, f.primary, f.size);
        copy[pos] ^= 0xA5;
        nthive_log logs[2] = {{f.log1.d, f.log1.size}, {f.log2.d, f.log2.size}};
        int st = nthive_replay(copy, f.size, logs, 2, out, f.size + (1u << 20), &got, &rep);
        assert_true(st == NT_OK || st == NT_ERR_NOT_FOUND || st == NT_ERR_CORRUPT);
        free(copy);
    }
    free(out);
    fixture_free(&f);
}

/* Marvin32 against hashes Windows wrote: the first entry of yarp's
 * NewDirtyHive.LOG1 (header hash over 32 bytes, data hash over the rest). */
static void test_marvin32_windows(void **state)
{
    const char *dir = test_shared_dir();
    char path[4096];
    size_t size;
    uint8_t *d;
    (void)state;
    if (!dir)
        skip();
    snprintf(path, sizeof path, "%s/hives/yarp/NewDirtyHive1/NewDirtyHive.LOG1", dir);
    d = test_read_file(path, &size);
    if (!d)
        skip();
    assert_true(size >= 512 + 24064);
    assert_memory_equal(d + 512, "HvLE", 4);
    assert_true(nthive_marvin32(d + 512, 32, NTHIVE_MARVIN32_SEED) == (hb_r32(d + 544) | (uint64_t)hb_r32(d + 548) << 32));
    assert_true(nthive_marvin32(d + 552, 24064 - 40, NTHIVE_MARVIN32_SEED) == (hb_r32(d + 536) | (uint64_t)hb_r32(d + 540) << 32));
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_format_out_of_order), cmocka_unit_test(test_new_format_bad_hash_stops),
        cmocka_unit_test(test_new_format_grows_hive),   cmocka_unit_test(test_base_block_recovered),
        cmocka_unit_test(test_old_format),              cmocka_unit_test(test_damaged_logs),
        cmocka_unit_test(test_marvin32_windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
