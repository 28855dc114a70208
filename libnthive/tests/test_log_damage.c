/* Damaged transaction logs: truncated logs, bad Marvin32 hashes, bad
 * sequence numbers, absurd page counts and references, and logs that try
 * to grow the hive past what they hold. Each replay must return an error
 * or apply the valid prefix, never crash, and never ask for more memory
 * than the primary plus its logs (checked through a counting allocator).
 * Run under ASan/UBSan by the sanitizer build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hive_builder.h"
#include "nthive.h"
#include "nthive_forensic.h"

#define BASE 4096u

/* Counting allocator: the largest single request and the total live. */
typedef struct counter {
    size_t peak_request, live, calls;
} counter;

static void *c_alloc(void *ctx, size_t size, size_t align)
{
    counter *c = ctx;
    (void)align;
    c->calls++;
    c->live += size;
    if (size > c->peak_request)
        c->peak_request = size;
    return malloc(size ? size : 1);
}

static void c_free(void *ctx, void *p, size_t size, size_t align)
{
    counter *c = ctx;
    (void)align;
    c->live -= size;
    free(p);
}

/* Primary: ROOT with one child, sequence 3/2 (dirty). */
static uint8_t *make_primary(size_t *size)
{
    hb b;
    uint32_t root, child, list;
    uint8_t *file;
    hb_init(&b, 5);
    root = hb_nk_ascii(&b, HB_NONE, "ROOT");
    child = hb_nk_ascii(&b, root, "AAAA");
    list = hb_list(&b, "li", &child, 1);
    hb_set_subkeys(&b, root, list, 1);
    file = hb_finish(&b, root, size);
    hb_w32(file + 4, 3);
    hb_w32(file + 8, 2);
    hb_fix_checksum(file);
    return file;
}

typedef struct logbuf {
    uint8_t *d;
    size_t size;
} logbuf;

static void log_init(logbuf *l, const uint8_t *hive, uint32_t seq)
{
    l->d = calloc(1, 512);
    assert_non_null(l->d);
    memcpy(l->d, hive, 512);
    hb_w32(l->d + 4, seq);
    hb_w32(l->d + 8, seq);
    hb_w32(l->d + 28, 6);
    hb_fix_checksum(l->d);
    l->size = 512;
}

/* An HvLE entry with `count` declared references of which the first is
 * (off, len) and carries `len` bytes of `fill`; hashes right. Returns the
 * entry's offset in the log. */
static size_t log_entry(logbuf *l, uint32_t seq, uint32_t bins, uint32_t count, uint32_t off, uint32_t len,
                        uint8_t fill)
{
    size_t esize = (40 + 8 + (size_t)len + 511) / 512 * 512, at = l->size;
    uint8_t *e;
    l->d = realloc(l->d, l->size + esize);
    assert_non_null(l->d);
    e = l->d + at;
    memset(e, 0, esize);
    memcpy(e, "HvLE", 4);
    hb_w32(e + 4, (uint32_t)esize);
    hb_w32(e + 12, seq);
    hb_w32(e + 16, bins);
    hb_w32(e + 20, count);
    hb_w32(e + 40, off);
    hb_w32(e + 44, len);
    memset(e + 48, fill, len);
    hb_w64(e + 24, nthive_marvin32(e + 40, esize - 40, NTHIVE_MARVIN32_SEED));
    hb_w64(e + 32, nthive_marvin32(e, 32, NTHIVE_MARVIN32_SEED));
    l->size += esize;
    return at;
}

/* Replays through the counting allocator and checks the bounds every
 * replay must keep; returns the status. */
static int replay_checked(const uint8_t *hive, size_t hive_size, const nthive_log *logs, size_t n,
                          nthive_replay_report *rep)
{
    counter c = {0, 0, 0};
    nt_allocator a = {&c, c_alloc, c_free, NULL};
    uint8_t *out = NULL;
    size_t out_size = 0, bound = hive_size > BASE ? hive_size : BASE;
    int st;
    for (size_t i = 0; i < n; i++)
        bound += logs[i].size;
    st = nthive_replay_alloc(hive, hive_size, logs, n, &a, &out, &out_size, rep);
    assert_true(st == NT_OK || st == NT_ERR_NOT_FOUND || st == NT_ERR_CORRUPT);
    assert_true(c.peak_request <= bound);
    if (out) {
        nthive h;
        assert_true(out_size <= bound);
        /* The result opens or is refused; either way no crash. */
        if (nthive_open(&h, out, out_size) == NT_OK) {
            size_t values, errors;
            (void)hb_walk_everything(&h, &values, &errors);
        }
        nt_free(&a, out, out_size, 8);
    }
    assert_int_equal(c.live, 0);
    return st;
}

/* One valid entry (seq 2, page 0 rewritten), then a second (seq 3). */
static void two_entries(const uint8_t *p, size_t size, logbuf *l, size_t *second)
{
    uint32_t bins = (uint32_t)(size - BASE);
    log_init(l, p, 2);
    log_entry(l, 2, bins, 1, 0, 4096, 0);
    *second = log_entry(l, 3, bins, 1, 0, 4096, 0);
}

static void test_truncated_log(void **state)
{
    size_t size, second;
    uint8_t *p = make_primary(&size);
    logbuf l;
    (void)state;
    two_entries(p, size, &l, &second);
    /* Every cut: at entry boundaries the prefix applies; inside an entry
     * the entry is invalid (its size runs past the end of the log). */
    for (size_t cut = 0; cut <= l.size; cut += 128) {
        nthive_log log = {l.d, cut};
        nthive_replay_report rep;
        int st = replay_checked(p, size, &log, 1, &rep);
        if (cut >= l.size)
            assert_int_equal(rep.entries, 2);
        else if (cut >= second)
            assert_true(st == NT_OK && rep.entries == 1);
        else
            assert_int_equal(st, NT_ERR_NOT_FOUND);
    }
    free(l.d);
    free(p);
}

static void test_bad_marvin32(void **state)
{
    size_t size, second;
    uint8_t *p = make_primary(&size);
    logbuf l;
    nthive_log log;
    nthive_replay_report rep;
    (void)state;
    two_entries(p, size, &l, &second);
    /* Data hash: one byte of the second entry's page. */
    l.d[second + 48 + 100] ^= 1;
    log = (nthive_log){l.d, l.size};
    assert_int_equal(replay_checked(p, size, &log, 1, &rep), NT_OK);
    assert_int_equal(rep.entries, 1);
    assert_true(rep.stopped_early);
    assert_int_equal(rep.log_diag[0].status, NT_ERR_CORRUPT);
    assert_int_equal(rep.log_diag[0].offset, second + 24);
    assert_non_null(strstr(rep.log_diag[0].rule, "Marvin32"));
    l.d[second + 48 + 100] ^= 1;
    /* Header hash: the sequence number changed without rehashing. */
    hb_w32(l.d + second + 12, 3 + 0x100);
    assert_int_equal(replay_checked(p, size, &log, 1, &rep), NT_OK);
    assert_int_equal(rep.entries, 1);
    assert_int_equal(rep.log_diag[0].offset, second + 32);
    free(l.d);
    free(p);
}

static void test_bad_sequence(void **state)
{
    size_t size;
    uint8_t *p = make_primary(&size);
    uint32_t bins = (uint32_t)(size - BASE);
    logbuf l;
    nthive_log log;
    nthive_replay_report rep;
    (void)state;
    /* A gap: 2 then 4. Only 2 applies. */
    log_init(&l, p, 2);
    log_entry(&l, 2, bins, 1, 0, 512, 0);
    log_entry(&l, 4, bins, 1, 0, 512, 0);
    log = (nthive_log){l.d, l.size};
    assert_int_equal(replay_checked(p, size, &log, 1, &rep), NT_OK);
    assert_int_equal(rep.entries, 1);
    assert_int_equal(rep.last_seq, 2);
    free(l.d);
    /* Going backwards (3 then 2) and a repeat (2, 2): no loop, each entry
     * at most once. */
    log_init(&l, p, 2);
    log_entry(&l, 2, bins, 1, 0, 512, 0);
    log_entry(&l, 2, bins, 1, 0, 512, 0);
    log_entry(&l, 3, bins, 1, 0, 512, 0);
    log_entry(&l, 2, bins, 1, 0, 512, 0);
    log = (nthive_log){l.d, l.size};
    replay_checked(p, size, &log, 1, &rep);
    assert_true(rep.entries <= 4);
    free(l.d);
    /* Sequence numbers at the top of the range: no wrap-around loop. */
    hb_w32(p + 4, 0xFFFFFFFFu);
    hb_w32(p + 8, 0xFFFFFFFEu);
    hb_fix_checksum(p);
    log_init(&l, p, 0xFFFFFFFEu);
    log_entry(&l, 0xFFFFFFFEu, bins, 1, 0, 512, 0);
    log_entry(&l, 0xFFFFFFFFu, bins, 1, 0, 512, 0);
    log_entry(&l, 0, bins, 1, 0, 512, 0);
    log = (nthive_log){l.d, l.size};
    replay_checked(p, size, &log, 1, &rep);
    assert_true(rep.entries <= 2);
    free(l.d);
    /* A log older than the primary (log 2, primary 9/8) is not applied. */
    log_init(&l, p, 2);
    log_entry(&l, 2, bins, 1, 0, 512, 0);
    hb_w32(p + 4, 9);
    hb_w32(p + 8, 8);
    hb_fix_checksum(p);
    log = (nthive_log){l.d, l.size};
    assert_int_equal(replay_checked(p, size, &log, 1, &rep), NT_ERR_NOT_FOUND);
    assert_int_equal(rep.entries, 0);
    free(l.d);
    free(p);
}

static void test_huge_page_counts(void **state)
{
    size_t size;
    uint8_t *p = make_primary(&size);
    uint32_t bins = (uint32_t)(size - BASE);
    static const uint32_t counts[] = {124, 1000, 0x10000000u, 0xFFFFFFFFu}; /* 123 fit */
    static const uint32_t lens[] = {0xFFFFF000u, 0x80000000u, 8192};
    logbuf l;
    nthive_log log;
    nthive_replay_report rep;
    (void)state;
    /* Declared counts whose references do not fit in the entry. */
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        log_init(&l, p, 2);
        log_entry(&l, 2, bins, counts[i], 0, 512, 0);
        log = (nthive_log){l.d, l.size};
        assert_int_equal(replay_checked(p, size, &log, 1, &rep), NT_ERR_NOT_FOUND);
        assert_int_equal(rep.log_diag[0].status, NT_ERR_CORRUPT);
        free(l.d);
    }
    /* One reference whose length runs past the entry or the hive. */
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
        log_init(&l, p, 2);
        log_entry(&l, 2, bins, 1, 0, 512, 0);
        hb_w32(l.d + 512 + 44, lens[i]);
        hb_w64(l.d + 512 + 24, nthive_marvin32(l.d + 512 + 40, hb_r32(l.d + 512 + 4) - 40, NTHIVE_MARVIN32_SEED));
        log = (nthive_log){l.d, l.size};
        assert_int_equal(replay_checked(p, size, &log, 1, &rep), NT_ERR_NOT_FOUND);
        assert_int_equal(rep.log_diag[0].status, NT_ERR_CORRUPT);
        free(l.d);
    }
    free(p);
}

static void test_growth_bounded(void **state)
{
    size_t size, need;
    uint8_t *p = make_primary(&size);
    uint32_t bins = (uint32_t)(size - BASE);
    logbuf l;
    nthive_log log;
    nthive_replay_report rep;
    (void)state;
    /* New format: the entry says 2 GiB of hive bins but writes one page. */
    log_init(&l, p, 2);
    log_entry(&l, 2, NTHIVE_REPLAY_MAX_BINS, 1, 0, 512, 0);
    log = (nthive_log){l.d, l.size};
    assert_int_equal(nthive_replay_size(p, size, &log, 1, &need, &rep), NT_ERR_NOT_FOUND);
    assert_true(need <= size);
    assert_non_null(strstr(rep.log_diag[0].rule, "grows the hive"));
    replay_checked(p, size, &log, 1, &rep);
    free(l.d);
    /* Growth that writes the new bin's last page is fine: a real grow. */
    log_init(&l, p, 2);
    log_entry(&l, 2, bins + 4096, 1, bins, 4096, 0);
    log = (nthive_log){l.d, l.size};
    assert_int_equal(nthive_replay_size(p, size, &log, 1, &need, &rep), NT_OK);
    assert_int_equal(need, size + 4096);
    free(l.d);
    /* Old format: a base block that declares 1 MiB more hive bins with a
     * dirty vector marking only the first page. */
    {
        uint32_t big = bins + (1u << 20), vec = big / 4096;
        size_t lsize = ((512 + 4 + vec + 511) / 512) * 512 + 512;
        uint8_t *o = calloc(1, lsize);
        assert_non_null(o);
        memcpy(o, p, 512);
        hb_w32(o + 4, 3);
        hb_w32(o + 8, 3);
        hb_w32(o + 28, 1);
        hb_w32(o + 40, big);
        hb_fix_checksum(o);
        memcpy(o + 512, "DIRT", 4);
        o[516] = 1;
        log = (nthive_log){o, lsize};
        assert_int_equal(nthive_replay_size(p, size, &log, 1, &need, &rep), NT_ERR_NOT_FOUND);
        assert_true(need <= size);
        replay_checked(p, size, &log, 1, &rep);
        free(o);
    }
    free(p);
}

/* Random byte flips over a valid two-log replay: never a crash, memory
 * bounded (a fixed seed keeps the run reproducible). */
static void test_flipped_logs(void **state)
{
    size_t size, second;
    uint8_t *p = make_primary(&size);
    logbuf l1, l2;
    uint32_t x = 12345;
    (void)state;
    two_entries(p, size, &l1, &second);
    log_init(&l2, p, 4);
    log_entry(&l2, 4, (uint32_t)(size - BASE), 1, 0, 4096, 0);
    for (int round = 0; round < 400; round++) {
        uint8_t *a = malloc(l1.size), *b = malloc(l2.size);
        nthive_log logs[2] = {{a, l1.size}, {b, l2.size}};
        nthive_replay_report rep;
        assert_non_null(a);
        assert_non_null(b);
        memcpy(a, l1.d, l1.size);
        memcpy(b, l2.d, l2.size);
        for (int k = 0; k < 1 + round % 4; k++) {
            x = x * 1103515245u + 12345u;
            if (x & 0x100)
                a[(x >> 9) % l1.size] ^= (uint8_t)(1u << (x % 8));
            else
                b[(x >> 9) % l2.size] ^= (uint8_t)(1u << (x % 8));
        }
        replay_checked(p, size, logs, 2, &rep);
        free(a);
        free(b);
    }
    free(l1.d);
    free(l2.d);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_log),  cmocka_unit_test(test_bad_marvin32),
        cmocka_unit_test(test_bad_sequence),   cmocka_unit_test(test_huge_page_counts),
        cmocka_unit_test(test_growth_bounded), cmocka_unit_test(test_flipped_logs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
