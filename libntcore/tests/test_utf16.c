/* UTF-16LE <-> UTF-8, Latin-1, endian loads and case-insensitive compare. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ntcore/endian.h"
#include "ntcore/status.h"
#include "ntcore/utf16.h"

/* Builds UTF-16LE bytes from code units. */
static size_t le(uint8_t *out, const uint16_t *units, size_t n)
{
    for (size_t i = 0; i < n; i++)
        nt_put_le16(out + 2 * i, units[i]);
    return n;
}

static void endian_loads_from_odd_addresses(void **state)
{
    (void)state;
    uint8_t b[17] = {0xFF, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
    assert_int_equal(nt_le16(b + 1), 0x0201);
    assert_int_equal(nt_le32(b + 1), 0x04030201u);
    assert_true(nt_le64(b + 1) == 0x0807060504030201ull);
    assert_int_equal(nt_be16(b + 1), 0x0102);
    assert_int_equal(nt_be32(b + 1), 0x01020304u);
    assert_true(nt_be64(b + 1) == 0x0102030405060708ull);
    uint8_t m[4] = {0xF8, 0xFF, 0xFF, 0xFF};
    assert_int_equal(nt_le32s(m), -8);
    nt_put_le64(b + 3, 0x1122334455667788ull);
    assert_true(nt_le64(b + 3) == 0x1122334455667788ull);
}

static void ascii_bmp_and_astral(void **state)
{
    (void)state;
    /* "Aé€😀" : 1-, 2-, 3- and 4-byte UTF-8 */
    uint16_t u[] = {'A', 0x00E9, 0x20AC, 0xD83D, 0xDE00};
    uint8_t s[16];
    char out[32];
    size_t len, bad;
    le(s + 1, u, 5); /* odd address: names sit anywhere in a hive */
    assert_int_equal(nt_utf16le_to_utf8(s + 1, 5, out, sizeof out, &len, &bad), NT_OK);
    assert_int_equal(len, 1 + 2 + 3 + 4);
    assert_int_equal(bad, 0);
    assert_string_equal(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    assert_int_equal(nt_utf16le_utf8_len(s + 1, 5), 10);
}

static void unpaired_surrogates_become_replacement(void **state)
{
    (void)state;
    uint16_t u[] = {0xD800, 'x', 0xDC00, 0xD83D};
    uint8_t s[8];
    char out[32];
    size_t len, bad;
    le(s, u, 4);
    assert_int_equal(nt_utf16le_to_utf8(s, 4, out, sizeof out, &len, &bad), NT_OK);
    assert_int_equal(bad, 3);
    assert_string_equal(out, "\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_int_equal(len, 10);
}

static void embedded_nul_is_kept(void **state)
{
    (void)state;
    uint16_t u[] = {'a', 0, 'b'};
    uint8_t s[6];
    char out[8];
    size_t len;
    le(s, u, 3);
    assert_int_equal(nt_utf16le_to_utf8(s, 3, out, sizeof out, &len, NULL), NT_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(out, "a\0b", 4);
}

static void small_buffer_reports_range_and_full_length(void **state)
{
    (void)state;
    uint16_t u[] = {'a', 0x20AC, 'b'};
    uint8_t s[6];
    char out[3];
    size_t len;
    le(s, u, 3);
    memset(out, 'Z', sizeof out);
    assert_int_equal(nt_utf16le_to_utf8(s, 3, out, sizeof out, &len, NULL), NT_ERR_RANGE);
    assert_int_equal(len, 5);
    /* cut at a character boundary: the euro sign does not fit in 2 bytes */
    assert_int_equal(out[0], 'a');
    assert_int_equal(out[1], '\0');
    /* exact fit without room for the terminator still succeeds */
    char exact[5];
    assert_int_equal(nt_utf16le_to_utf8(s, 3, exact, sizeof exact, &len, NULL), NT_OK);
    assert_memory_equal(exact, "a\xE2\x82\xAC" "b", 5);
}

static void latin1_names(void **state)
{
    (void)state;
    const uint8_t name[] = {'C', 'a', 'f', 0xE9, 0xFF};
    char out[16];
    size_t len;
    assert_int_equal(nt_latin1_to_utf8(name, 5, out, sizeof out, &len), NT_OK);
    assert_int_equal(len, 7);
    assert_string_equal(out, "Caf\xC3\xA9\xC3\xBF");
    assert_int_equal(nt_latin1_to_utf8(name, 5, out, 4, &len), NT_ERR_RANGE);
}

static void utf8_round_trip(void **state)
{
    (void)state;
    const char *text = "Gr\xC3\xBC\xC3\x9F" "e \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80";
    uint8_t u16[64];
    char back[64];
    size_t units, len;
    assert_int_equal(nt_utf8_to_utf16le(text, strlen(text), u16, 32, &units), NT_OK);
    assert_int_equal(units, 5 + 1 + 2 + 1 + 2);
    assert_int_equal(nt_le16(u16 + 2 * 9), 0xD83D);
    assert_int_equal(nt_le16(u16 + 2 * 10), 0xDE00);
    assert_int_equal(nt_utf16le_to_utf8(u16, units, back, sizeof back, &len, NULL), NT_OK);
    assert_int_equal(len, strlen(text));
    assert_string_equal(back, text);
    assert_int_equal(nt_utf8_to_utf16le(text, strlen(text), u16, 4, &units), NT_ERR_RANGE);
    assert_int_equal(units, 11);
}

static void malformed_utf8_is_rejected(void **state)
{
    (void)state;
    uint8_t u16[16];
    const char *bad[] = {
        "\xC0\xAF",         /* overlong '/' */
        "\xE0\x80\xAF",     /* overlong */
        "\xED\xA0\x80",     /* encoded surrogate */
        "\xF4\x90\x80\x80", /* above U+10FFFF */
        "\xE2\x82",         /* truncated */
        "\x80",             /* lone continuation */
        "\xFF",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(nt_utf8_to_utf16le(bad[i], strlen(bad[i]), u16, 8, NULL), NT_ERR_INVALID);
}

static void case_insensitive_compare_with_table(void **state)
{
    (void)state;
    uint16_t table[0x400];
    for (unsigned i = 0; i < 0x400; i++)
        table[i] = (uint16_t)i;
    for (unsigned c = 'a'; c <= 'z'; c++)
        table[c] = (uint16_t)(c - 32);
    table[0xE9] = 0xC9; /* é -> É */
    table[0x3B1] = 0x391; /* α -> Α */
    uint8_t a[16], b[16];
    le(a, (uint16_t[]){'s', 'y', 0xE9, 0x3B1}, 4);
    le(b, (uint16_t[]){'S', 'Y', 0xC9, 0x391}, 4);
    assert_int_equal(nt_utf16le_casecmp(a, 4, b, 4, table, 0x400), 0);
    /* without a table only ASCII folds */
    assert_int_not_equal(nt_utf16le_casecmp(a, 4, b, 4, NULL, 0), 0);
    assert_int_equal(nt_utf16le_casecmp(a, 2, b, 2, NULL, 0), 0);
    /* prefix sorts first; order is by upcased code unit */
    assert_true(nt_utf16le_casecmp(a, 3, b, 4, table, 0x400) < 0);
    le(b, (uint16_t[]){'_'}, 1);
    le(a, (uint16_t[]){'a'}, 1);
    /* Windows compares upcased units: 'A' (0x41) < '_' (0x5F) */
    assert_true(nt_utf16le_casecmp(a, 1, b, 1, table, 0x400) < 0);
    const uint8_t latin[] = {'S', 'Y', 0xE9};
    le(b, (uint16_t[]){'s', 'y', 0xC9}, 3);
    assert_int_equal(nt_latin1_utf16le_casecmp(latin, 3, b, 3, table, 0x400), 0);
    assert_true(nt_latin1_utf16le_casecmp(latin, 2, b, 3, table, 0x400) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(endian_loads_from_odd_addresses),
        cmocka_unit_test(ascii_bmp_and_astral),
        cmocka_unit_test(unpaired_surrogates_become_replacement),
        cmocka_unit_test(embedded_nul_is_kept),
        cmocka_unit_test(small_buffer_reports_range_and_full_length),
        cmocka_unit_test(latin1_names),
        cmocka_unit_test(utf8_round_trip),
        cmocka_unit_test(malformed_utf8_is_rejected),
        cmocka_unit_test(case_insensitive_compare_with_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
