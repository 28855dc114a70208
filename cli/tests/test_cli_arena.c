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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_parse_with_suffixes),
        cmocka_unit_test(exhausted_arena_names_the_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
