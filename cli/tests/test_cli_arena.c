/* The CLI's parser heap: size parsing and the out-of-memory report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common_arena.h"

static void sizes_parse_with_suffixes(void **state)
{
    (void)state;
    size_t v;
    assert_int_equal(cli_parse_size("1048576", &v), 0);
    assert_int_equal(v, 1048576);
    assert_int_equal(cli_parse_size("512K", &v), 0);
    assert_int_equal(v, 512 << 10);
    assert_int_equal(cli_parse_size("64M", &v), 0);
    assert_int_equal(v, 64 << 20);
    assert_int_equal(cli_parse_size("2GiB", &v), 0);
    assert_int_equal(v, (size_t)2 << 30);
    const char *bad[] = {"", "M", "-1", "12X", "0", "1.5M", "99999999999999999999G"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cli_parse_size(bad[i], &v), -1);
}

static void exhausted_arena_names_the_option(void **state)
{
    (void)state;
    cli_arena a;
    assert_int_equal(cli_arena_init(&a, 1 << 20), 0);
    assert_false(cli_arena_report_exhausted(&a, "ntkit"));
    void *blocks[64];
    size_t n = 0;
    while (n < 64 && (blocks[n] = nt_alloc(&a.iface, 64 << 10, 16)) != NULL)
        memset(blocks[n++], 1, 64 << 10); /* memory is really usable */
    assert_true(n >= 15 && n <= 16);
    assert_true(a.exhausted);
    char buf[512] = {0};
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    FILE *old = stderr;
    stderr = f;
    assert_true(cli_arena_report_exhausted(&a, "ntkit"));
    stderr = old;
    fclose(f);
    assert_non_null(strstr(buf, "--heap"));
    for (size_t i = 0; i < n; i++)
        nt_free(&a.iface, blocks[i], 64 << 10, 16);
    cli_arena_fini(&a);
}

/* Freed small blocks are handed out again (the heap's next-fit search would
 * otherwise touch fresh pages for every open/close), and memory parked in the
 * bins is still there for a request that needs it. */
static void freed_blocks_are_reused_and_never_lost(void **state)
{
    (void)state;
    cli_arena a;
    assert_int_equal(cli_arena_init(&a, 1 << 20), 0);
    void *first = nt_alloc(&a.iface, 1024, 16);
    assert_non_null(first);
    nt_free(&a.iface, first, 1024, 16);
    for (int i = 0; i < 100000; i++) { /* 100 MB of churn in a 1 MiB heap */
        void *p = nt_alloc(&a.iface, 1024 - (size_t)(i % 3) * 4, 16);
        assert_ptr_equal(p, first);
        nt_free(&a.iface, p, 1024 - (size_t)(i % 3) * 4, 16);
    }
    /* Park most of the heap in the bins, then ask for a block that only
     * fits once they are given back. */
    void *blocks[900];
    for (size_t i = 0; i < 900; i++) {
        blocks[i] = nt_alloc(&a.iface, 1024, 16);
        assert_non_null(blocks[i]);
    }
    for (size_t i = 0; i < 900; i++)
        nt_free(&a.iface, blocks[i], 1024, 16);
    void *big = nt_alloc(&a.iface, 768 << 10, 64);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % 64, 0);
    memset(big, 1, 768 << 10);
    assert_false(a.exhausted);
    nt_free(&a.iface, big, 768 << 10, 64);
    /* An aligned request is not served by a misaligned binned block. */
    void *x = nt_alloc(&a.iface, 48, 16), *y = nt_alloc(&a.iface, 48, 16);
    nt_free(&a.iface, x, 48, 16);
    nt_free(&a.iface, y, 48, 16);
    for (int i = 0; i < 4; i++) {
        void *z = nt_alloc(&a.iface, 48, 256);
        assert_non_null(z);
        assert_int_equal((uintptr_t)z % 256, 0);
        nt_free(&a.iface, z, 48, 256);
    }
    cli_arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_parse_with_suffixes),
        cmocka_unit_test(exhausted_arena_names_the_option),
        cmocka_unit_test(freed_blocks_are_reused_and_never_lost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
