/* Status codes: the values the design fixes, and names for each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ntcore/status.h"

static void codes_have_the_documented_values(void **state)
{
    (void)state;
    assert_int_equal(NT_OK, 0);
    assert_true(NT_END > 0);
    int errs[] = {NT_ERR_IO, NT_ERR_NOMEM, NT_ERR_CORRUPT, NT_ERR_NOT_FOUND,
                  NT_ERR_UNSUPPORTED, NT_ERR_INVALID, NT_ERR_RANGE, NT_ERR_LIMIT};
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
        assert_true(errs[i] < 0);
        for (size_t j = 0; j < i; j++)
            assert_int_not_equal(errs[i], errs[j]);
    }
}

static void every_code_has_its_own_name(void **state)
{
    (void)state;
    assert_string_equal(nt_strerror(NT_ERR_CORRUPT), "corrupt data");
    assert_string_equal(nt_strerror(NT_ERR_NOT_FOUND), "not found");
    assert_string_equal(nt_strerror(12345), "unknown status");
    for (int a = -8; a <= 1; a++)
        for (int b = -8; b < a; b++)
            assert_string_not_equal(nt_strerror(a), nt_strerror(b));
}

static void diag_records_offset_and_rule(void **state)
{
    (void)state;
    nt_diag d;
    nt_diag_clear(&d);
    assert_int_equal(d.status, NT_OK);
    assert_int_equal(nt_diag_set(&d, NT_ERR_CORRUPT, 0x1a2b0, "lf entry points outside the hive data"),
                     NT_ERR_CORRUPT);
    assert_int_equal(d.offset, 0x1a2b0);
    assert_string_equal(d.rule, "lf entry points outside the hive data");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codes_have_the_documented_values),
        cmocka_unit_test(every_code_has_its_own_name),
        cmocka_unit_test(diag_records_offset_and_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
