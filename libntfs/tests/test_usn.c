/* USN change journal records built by hand from the documented layouts
 * (USN_RECORD_V2 / V3 / V4 in winioctl.h, MS-FSCC 2.4.x), damaged every
 * way a loop can think of. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ntcore/endian.h"
#include "ntfs_forensic.h"

/* v2: "a.txt", FILE_CREATE|CLOSE; 60-byte header + 10 bytes name -> 72. */
static size_t make_v2(uint8_t *b)
{
    memset(b, 0, 72);
    nt_put_le32(b, 72);
    nt_put_le16(b + 4, 2);
    nt_put_le64(b + 8, 0x0003000000000040ull);  /* record 64, seq 3 */
    nt_put_le64(b + 16, 0x0005000000000005ull); /* root */
    nt_put_le64(b + 24, 0x1000);
    nt_put_le64(b + 32, 132000000000000000ull);
    nt_put_le32(b + 40, 0x80000100u);
    nt_put_le32(b + 52, 0x20);
    nt_put_le16(b + 56, 10);
    nt_put_le16(b + 58, 60);
    memcpy(b + 60, "a\0.\0t\0x\0t\0", 10);
    return 72;
}

static void usn_v2(void **state)
{
    uint8_t b[72];
    ntfs_usn_record r;
    char s[128];

    (void)state;
    make_v2(b);
    assert_int_equal(ntfs_usn_record_parse(b, sizeof b, &r, NULL), NT_OK);
    assert_int_equal(r.major, 2);
    assert_int_equal(r.length, 72);
    assert_int_equal(r.file_ref, 0x0003000000000040ull);
    assert_int_equal(r.parent_ref, 0x0005000000000005ull);
    assert_int_equal(r.usn, 0x1000);
    assert_int_equal(r.timestamp, 132000000000000000ull);
    assert_int_equal(r.file_attributes, 0x20);
    assert_int_equal(r.name_units, 5);
    assert_memory_equal(r.name, "a\0.\0t\0x\0t\0", 10);
    assert_int_equal(ntfs_usn_reasons_string(r.reason, s, sizeof s), NT_OK);
    assert_string_equal(s, "FILE_CREATE|CLOSE");
}

static void usn_v3_v4(void **state)
{
    uint8_t b[96];
    ntfs_usn_record r;

    (void)state;
    memset(b, 0, sizeof b);
    nt_put_le32(b, 80);
    nt_put_le16(b + 4, 3);
    nt_put_le64(b + 8, 77);
    nt_put_le64(b + 16, 1);
    nt_put_le64(b + 24, 5);
    nt_put_le64(b + 40, 0x2000);
    nt_put_le64(b + 48, 99);
    nt_put_le32(b + 56, 0x2000); /* RENAME_NEW_NAME */
    nt_put_le16(b + 72, 2);
    nt_put_le16(b + 74, 76);
    b[76] = 'z';
    assert_int_equal(ntfs_usn_record_parse(b, sizeof b, &r, NULL), NT_OK);
    assert_int_equal(r.file_ref, 77);
    assert_int_equal(r.file_ref_hi, 1);
    assert_int_equal(r.parent_ref, 5);
    assert_int_equal(r.usn, 0x2000);
    assert_int_equal(r.timestamp, 99);
    assert_int_equal(r.reason, 0x2000);
    assert_int_equal(r.name_units, 1);
    assert_int_equal(r.name[0], 'z');

    memset(b, 0, sizeof b);
    nt_put_le32(b, 96);
    nt_put_le16(b + 4, 4);
    nt_put_le64(b + 8, 78);
    nt_put_le64(b + 40, 0x3000);
    nt_put_le32(b + 48, 0x1);
    nt_put_le16(b + 60, 2);
    nt_put_le16(b + 62, 16);
    assert_int_equal(ntfs_usn_record_parse(b, sizeof b, &r, NULL), NT_OK);
    assert_int_equal(r.major, 4);
    assert_int_equal(r.extents, 2);
    assert_null(r.name);
    nt_put_le16(b + 60, 3); /* 3 * 16 > 96 - 64 */
    assert_int_equal(ntfs_usn_record_parse(b, sizeof b, &r, NULL), NT_ERR_CORRUPT);
}

static void usn_bad(void **state)
{
    uint8_t b[72];
    ntfs_usn_record r;
    nt_diag d;

    (void)state;
    make_v2(b);
    assert_int_equal(ntfs_usn_record_parse(b, 71, &r, &d), NT_ERR_CORRUPT);
    assert_non_null(d.rule);
    nt_put_le16(b + 4, 5);
    assert_int_equal(ntfs_usn_record_parse(b, 72, &r, &d), NT_ERR_UNSUPPORTED);
    make_v2(b);
    nt_put_le32(b, 70);
    assert_int_equal(ntfs_usn_record_parse(b, 72, &r, &d), NT_ERR_CORRUPT);
    make_v2(b);
    nt_put_le16(b + 56, 14); /* name past the record */
    assert_int_equal(ntfs_usn_record_parse(b, 72, &r, &d), NT_ERR_CORRUPT);
    assert_int_equal(d.offset, 56);
}

static void usn_reasons(void **state)
{
    char s[512];

    (void)state;
    assert_string_equal(ntfs_usn_reason_name(0x200), "FILE_DELETE");
    assert_null(ntfs_usn_reason_name(0x8));
    assert_int_equal(ntfs_usn_reasons_string(0x8 | 0x1, s, sizeof s), NT_OK);
    assert_string_equal(s, "DATA_OVERWRITE|0x00000008");
    assert_int_equal(ntfs_usn_reasons_string(0, s, sizeof s), NT_OK);
    assert_string_equal(s, "");
    assert_int_equal(ntfs_usn_reasons_string(0x80000100u, s, 8), NT_ERR_RANGE);
    assert_int_equal(strlen(s), 7);
}

/* Truncations and byte changes: an answer or an error, never an overrun
 * (exact-size heap copies so ASan sees one). */
static void usn_damage(void **state)
{
    uint8_t b[72];
    size_t n, i;
    unsigned v;

    (void)state;
    make_v2(b);
    for (n = 0; n <= sizeof b; n++) {
        uint8_t *c = malloc(n ? n : 1);
        ntfs_usn_record r;
        assert_non_null(c);
        memcpy(c, b, n);
        int rc = ntfs_usn_record_parse(c, n, &r, NULL);
        assert_true(n == sizeof b ? rc == NT_OK : rc == NT_ERR_CORRUPT);
        free(c);
    }
    for (i = 0; i < sizeof b; i++)
        for (v = 0; v < 256; v++) {
            uint8_t *c = malloc(sizeof b);
            ntfs_usn_record r;
            assert_non_null(c);
            memcpy(c, b, sizeof b);
            c[i] = (uint8_t)v;
            int rc = ntfs_usn_record_parse(c, sizeof b, &r, NULL);
            if (rc == NT_OK && r.name)
                assert_true(r.name + 2 * r.name_units <= c + r.length && r.length <= sizeof b);
            else
                assert_true(rc == NT_OK || rc == NT_ERR_CORRUPT || rc == NT_ERR_UNSUPPORTED);
            free(c);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(usn_v2),      cmocka_unit_test(usn_v3_v4), cmocka_unit_test(usn_bad),
        cmocka_unit_test(usn_reasons), cmocka_unit_test(usn_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
