/* Value data decoders and the upcase mapping. Expected values come from
 * the format rules and the Unicode tables, written out by hand. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nthive.h"

/* UTF-16LE bytes from a list of code units. */
static size_t u16(uint8_t *out, const uint16_t *units, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = (uint8_t)units[i];
        out[2 * i + 1] = (uint8_t)(units[i] >> 8);
    }
    return 2 * n;
}

static void test_string_terminated(void **state)
{
    uint8_t b[64];
    char out[64];
    size_t len, n = u16(b, (const uint16_t[]){'a', 'b', 'c', 0}, 4);
    (void)state;
    assert_int_equal(nthive_string_to_utf8(b, n, out, sizeof out, &len), NT_OK);
    assert_int_equal(len, 3);
    assert_string_equal(out, "abc");
    assert_int_equal(nthive_string_units(b, n), 3);
}

static void test_string_no_terminator_odd_garbage(void **state)
{
    uint8_t b[64];
    char out[64];
    size_t len, n;
    (void)state;
    /* missing terminator */
    n = u16(b, (const uint16_t[]){'x', 'y'}, 2);
    assert_int_equal(nthive_string_to_utf8(b, n, out, sizeof out, &len), NT_OK);
    assert_string_equal(out, "xy");
    /* odd length: the stray byte is ignored */
    n = u16(b, (const uint16_t[]){'x', 'y'}, 2);
    b[n] = 'z';
    assert_int_equal(nthive_string_to_utf8(b, n + 1, out, sizeof out, &len), NT_OK);
    assert_string_equal(out, "xy");
    /* garbage after the terminator is not part of the string */
    n = u16(b, (const uint16_t[]){'o', 'k', 0, 'G', 'A', 'R'}, 6);
    assert_int_equal(nthive_string_to_utf8(b, n, out, sizeof out, &len), NT_OK);
    assert_string_equal(out, "ok");
    /* empty and one-character strings stay strings */
    assert_int_equal(nthive_string_to_utf8(b, 0, out, sizeof out, &len), NT_OK);
    assert_int_equal(len, 0);
    n = u16(b, (const uint16_t[]){'1', 0}, 2);
    assert_int_equal(nthive_string_to_utf8(b, n, out, sizeof out, &len), NT_OK);
    assert_string_equal(out, "1");
}

static void test_string_unicode(void **state)
{
    uint8_t b[64];
    char out[64];
    size_t len, n;
    (void)state;
    /* U+00E4, U+0434, U+20AC, U+10400 (surrogate pair), lone U+D800 */
    n = u16(b, (const uint16_t[]){0xE4, 0x434, 0x20AC, 0xD801, 0xDC00, 0xD800, 0}, 7);
    assert_int_equal(nthive_string_to_utf8(b, n, out, sizeof out, &len), NT_OK);
    assert_string_equal(out, "\xC3\xA4\xD0\xB4\xE2\x82\xAC\xF0\x90\x90\x80\xEF\xBF\xBD");
    /* too small a buffer: NT_ERR_RANGE and the full length */
    assert_int_equal(nthive_string_to_utf8(b, n, out, 3, &len), NT_ERR_RANGE);
    assert_int_equal(len, 14);
}

static void collect(const uint8_t *b, size_t n, char out[][16], size_t *count)
{
    nthive_multi_sz it;
    const uint8_t *s;
    size_t units;
    *count = 0;
    nthive_multi_sz_init(&it, b, n);
    while (nthive_multi_sz_next(&it, &s, &units) == NT_OK) {
        size_t len;
        nthive_string_to_utf8(s, 2 * units, out[*count], 16, &len);
        (*count)++;
        assert_true(*count < 8);
    }
}

static void test_multi_sz(void **state)
{
    uint8_t b[128];
    char out[8][16];
    size_t c, n;
    (void)state;
    /* regular: a, bc, final empty string */
    n = u16(b, (const uint16_t[]){'a', 0, 'b', 'c', 0, 0}, 6);
    collect(b, n, out, &c);
    assert_int_equal(c, 2);
    assert_string_equal(out[0], "a");
    assert_string_equal(out[1], "bc");
    /* embedded empty string */
    n = u16(b, (const uint16_t[]){'a', 0, 0, 'b', 0, 0}, 6);
    collect(b, n, out, &c);
    assert_int_equal(c, 3);
    assert_string_equal(out[1], "");
    assert_string_equal(out[2], "b");
    /* missing final terminator, and missing both terminators */
    n = u16(b, (const uint16_t[]){'a', 0, 'b', 0}, 4);
    collect(b, n, out, &c);
    assert_int_equal(c, 2);
    n = u16(b, (const uint16_t[]){'a', 0, 'b'}, 3);
    collect(b, n, out, &c);
    assert_int_equal(c, 2);
    assert_string_equal(out[1], "b");
    /* trailing padding and odd length */
    n = u16(b, (const uint16_t[]){'z', 0, 0, 0, 0}, 5);
    collect(b, n + 1, out, &c);
    assert_int_equal(c, 1);
    /* empty data */
    collect(b, 0, out, &c);
    assert_int_equal(c, 0);
}

static void test_numbers(void **state)
{
    const uint8_t d[8] = {0x78, 0x56, 0x34, 0x12, 0xF0, 0xDE, 0xBC, 0x9A};
    uint32_t u;
    uint64_t q;
    (void)state;
    assert_int_equal(nthive_decode_dword(d, 4, &u), NT_OK);
    assert_int_equal(u, 0x12345678u);
    assert_int_equal(nthive_decode_dword_be(d, 4, &u), NT_OK);
    assert_int_equal(u, 0x78563412u);
    assert_int_equal(nthive_decode_qword(d, 8, &q), NT_OK);
    assert_true(q == 0x9ABCDEF012345678ull);
    assert_int_equal(nthive_decode_dword(d, 3, &u), NT_ERR_CORRUPT);
    assert_int_equal(nthive_decode_dword(d, 8, &u), NT_ERR_CORRUPT);
    assert_int_equal(nthive_decode_dword_be(d, 0, &u), NT_ERR_CORRUPT);
    assert_int_equal(nthive_decode_qword(d, 4, &q), NT_ERR_CORRUPT);
}

static void test_upcase(void **state)
{
    /* {lower, upper} pairs from the Unicode simple uppercase mappings. */
    static const uint16_t pairs[][2] = {
        {'a', 'A'},       {'z', 'Z'},       {'A', 'A'},       {'0', '0'},       {0xE4, 0xC4},
        {0xFE, 0xDE},     {0xF7, 0xF7},     {0xFF, 0x178},    {0xB5, 0x39C},    {0x101, 0x100},
        {0x17E, 0x17D},   {0x148, 0x147},   {0x1CE, 0x1CD},   {0x1C6, 0x1C4},   {0x3B1, 0x391},
        {0x3C9, 0x3A9},   {0x3C2, 0x3A3},   {0x3AC, 0x386},   {0x3CC, 0x38C},   {0x3CE, 0x38F},
        {0x430, 0x410},   {0x44F, 0x42F},   {0x451, 0x401},   {0x45F, 0x40F},   {0x461, 0x460},
        {0x4CF, 0x4C0},   {0x4C2, 0x4C1},   {0x561, 0x531},   {0x586, 0x556},   {0x1E01, 0x1E00},
        {0x1EFF, 0x1EFE}, {0x2170, 0x2160}, {0x24D0, 0x24B6}, {0xFF41, 0xFF21}, {0xFF5A, 0xFF3A},
        {0x2C30, 0x2C00}, {0xD801, 0xD801}, {0xDC28, 0xDC28}, {0x4E00, 0x4E00},
    };
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (nthive_upcase(pairs[i][0]) != pairs[i][1])
            fail_msg("upcase(U+%04X) = U+%04X, want U+%04X", pairs[i][0], nthive_upcase(pairs[i][0]),
                     pairs[i][1]);
    }
}

static void test_names(void **state)
{
    const uint8_t latin[] = {'a', 0xE4, 0, '\\', 'X'};
    uint8_t w[32];
    size_t n = u16(w, (const uint16_t[]){'A', 0xC4, 0, '\\', 'x'}, 5);
    nthive_name a = {latin, sizeof latin, true}, b = {w, n, false};
    char out[32];
    size_t len;
    (void)state;
    /* Latin-1 to UTF-8, with the NUL and backslash kept. */
    assert_int_equal(nthive_name_to_utf8(&a, out, sizeof out, &len), NT_OK);
    assert_int_equal(len, 6);
    assert_memory_equal(out, "a\xC3\xA4\0\\X", 6);
    assert_int_equal(nthive_name_units(&a), 5);
    assert_int_equal(nthive_name_units(&b), 5);
    assert_int_equal(nthive_name_unit(&b, 1), 0xC4);
    /* Latin-1 vs UTF-16 and vs UTF-8 compare equal, case-insensitively. */
    assert_int_equal(nthive_name_cmp(&a, &b), 0);
    assert_int_equal(nthive_name_cmp_utf8(&a, "A\xC3\x84\0\\x", 6), 0);
    assert_true(nthive_name_cmp_utf8(&a, "A", 1) > 0);
    assert_true(nthive_name_cmp_utf8(&a, "b", 1) < 0);
    assert_int_equal(nthive_name_cmp_utf8(&a, "\xC3", 1), INT_MIN);
    /* lh hash: h = h * 37 + upcase(unit), over upcased units. */
    {
        const uint8_t abc[] = {'a', 'b', 'c'};
        nthive_name x = {abc, 3, true};
        assert_int_equal(nthive_name_hash(&x), ((uint32_t)'A' * 37 + 'B') * 37 + 'C');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_terminated),
        cmocka_unit_test(test_string_no_terminator_odd_garbage),
        cmocka_unit_test(test_string_unicode),
        cmocka_unit_test(test_multi_sz),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_upcase),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
