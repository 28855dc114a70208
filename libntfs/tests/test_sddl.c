/* SDDL formatting of hand-built security descriptors. The expected strings
 * are the documented forms (MS-DTYP 2.5.1 and the SDDL pages of Microsoft's
 * security documentation), assembled here from the on-disk layout of
 * MS-DTYP 2.4.6 (descriptor), 2.4.5 (ACL), 2.4.4 (ACEs), 2.4.2 (SIDs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ntcore/endian.h"
#include "ntfs_forensic.h"

/* ---- a tiny descriptor builder ---- */

typedef struct builder {
    uint8_t b[4096];
    size_t n;
} builder;

static size_t put_sid(builder *x, uint64_t auth, size_t count, const uint32_t *sub)
{
    size_t at = x->n, i;

    x->b[x->n++] = 1;
    x->b[x->n++] = (uint8_t)count;
    for (i = 0; i < 6; i++)
        x->b[x->n++] = (uint8_t)(auth >> (8 * (5 - i)));
    for (i = 0; i < count; i++) {
        nt_put_le32(x->b + x->n, sub[i]);
        x->n += 4;
    }
    return at;
}

#define SID(x, auth, ...)                                                                          \
    put_sid((x), (auth), sizeof((uint32_t[]){__VA_ARGS__}) / 4, (uint32_t[]){__VA_ARGS__})

static size_t acl_begin(builder *x)
{
    size_t at = x->n;

    memset(x->b + x->n, 0, 8);
    x->b[x->n] = 2;
    x->n += 8;
    return at;
}

static void acl_end(builder *x, size_t at, unsigned count)
{
    nt_put_le16(x->b + at + 2, (uint16_t)(x->n - at));
    nt_put_le16(x->b + at + 4, (uint16_t)count);
}

static size_t ace_begin(builder *x, uint8_t type, uint8_t flags, uint32_t mask)
{
    size_t at = x->n;

    x->b[x->n++] = type;
    x->b[x->n++] = flags;
    x->n += 2;
    nt_put_le32(x->b + x->n, mask);
    x->n += 4;
    return at;
}

static void ace_end(builder *x, size_t at)
{
    nt_put_le16(x->b + at + 2, (uint16_t)(x->n - at));
}

static void header(builder *x, uint16_t control)
{
    memset(x->b, 0, sizeof x->b);
    x->b[0] = 1;
    nt_put_le16(x->b + 2, (uint16_t)(control | 0x8000));
    x->n = 20;
}

static void set_off(builder *x, size_t field, size_t off)
{
    nt_put_le32(x->b + field, (uint32_t)off);
}

static void expect_sddl(const builder *x, const char *want)
{
    char out[1024];
    size_t len = 0;
    nt_diag d;

    assert_int_equal(ntfs_sd_to_sddl(x->b, x->n, out, sizeof out, &len, &d), NT_OK);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
}

/* O:BAG:SYD:(A;;FA;;;SY)(A;OICI;0x1200a9;;;BU) */
static void build_basic(builder *x)
{
    size_t acl, ace;

    header(x, 0x0004);
    set_off(x, 4, SID(x, 5, 32, 544));
    set_off(x, 8, SID(x, 5, 18));
    acl = acl_begin(x);
    set_off(x, 16, acl);
    ace = ace_begin(x, 0, 0, 0x1F01FF);
    SID(x, 5, 18);
    ace_end(x, ace);
    ace = ace_begin(x, 0, 0x03, 0x1200A9);
    SID(x, 5, 32, 545);
    ace_end(x, ace);
    acl_end(x, acl, 2);
}

static void sddl_basic(void **state)
{
    builder x;

    (void)state;
    build_basic(&x);
    expect_sddl(&x, "O:BAG:SYD:(A;;FA;;;SY)(A;OICI;0x1200a9;;;BU)");
}

/* Protected, auto-inherited DACL with inherited ACEs, generic rights,
 * a deny ACE and a full domain SID (aliases DA/DU need the domain). */
static void sddl_flags_and_domain(void **state)
{
    builder x;
    size_t acl, ace;

    (void)state;
    header(&x, 0x0004 | 0x1000 | 0x0400);
    set_off(&x, 4, SID(&x, 5, 21, 1004336348, 1177238915, 682003330, 512));
    acl = acl_begin(&x);
    set_off(&x, 16, acl);
    ace = ace_begin(&x, 1, 0, 0x00010000); /* deny DELETE to Everyone */
    SID(&x, 1, 0);
    ace_end(&x, ace);
    ace = ace_begin(&x, 0, 0x0B | 0x10, 0x10000000); /* OI CI IO ID, GENERIC_ALL */
    SID(&x, 3, 0);
    ace_end(&x, ace);
    ace = ace_begin(&x, 0, 0x12, 0xA0000000); /* CI ID, GR|GX */
    SID(&x, 5, 11);
    ace_end(&x, ace);
    ace = ace_begin(&x, 0, 0, 0x120089);
    SID(&x, 5, 32, 546);
    ace_end(&x, ace);
    ace = ace_begin(&x, 0, 0, 0x1301BF); /* "modify": SYNCHRONIZE has no alias */
    SID(&x, 5, 4);
    ace_end(&x, ace);
    acl_end(&x, acl, 5);
    expect_sddl(&x, "O:S-1-5-21-1004336348-1177238915-682003330-512"
                    "D:PAI(D;;SD;;;WD)(A;OICIIOID;GA;;;CO)(A;CIID;GRGX;;;AU)(A;;FR;;;BG)"
                    "(A;;0x1301bf;;;IU)");
}

/* The AD example of an object ACE: the User-Change-Password extended right
 * (ab721a53-1e2f-11d0-9819-00aa0040529b) granted to Everyone, and a
 * directory-service mask that decomposes into bit aliases. */
static void sddl_object_ace(void **state)
{
    static const uint8_t guid[16] = {0x53, 0x1a, 0x72, 0xab, 0x2f, 0x1e, 0xd0, 0x11,
                                     0x98, 0x19, 0x00, 0xaa, 0x00, 0x40, 0x52, 0x9b};
    builder x;
    size_t acl, ace;

    (void)state;
    header(&x, 0x0004);
    acl = acl_begin(&x);
    set_off(&x, 16, acl);
    ace = ace_begin(&x, 5, 0, 0x100);
    nt_put_le32(x.b + x.n, 1);
    x.n += 4;
    memcpy(x.b + x.n, guid, 16);
    x.n += 16;
    SID(&x, 1, 0);
    ace_end(&x, ace);
    ace = ace_begin(&x, 0, 0, 0xF01FF);
    SID(&x, 5, 18);
    ace_end(&x, ace);
    acl_end(&x, acl, 2);
    expect_sddl(&x, "D:(OA;;CR;ab721a53-1e2f-11d0-9819-00aa0040529b;;WD)"
                    "(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;SY)");
}

/* A SACL with a mandatory label (low integrity, no write up) and an audit
 * ACE; a present-but-NULL DACL. */
static void sddl_sacl_label_null_dacl(void **state)
{
    builder x;
    size_t acl, ace;

    (void)state;
    header(&x, 0x0004 | 0x0010);
    set_off(&x, 8, SID(&x, 5, 32, 544));
    acl = acl_begin(&x);
    set_off(&x, 12, acl);
    ace = ace_begin(&x, 0x11, 0, 0x1);
    SID(&x, 16, 4096);
    ace_end(&x, ace);
    ace = ace_begin(&x, 2, 0x80 | 0x40, 0x1F01FF); /* FAILED + SUCCESSFUL access */
    SID(&x, 1, 0);
    ace_end(&x, ace);
    acl_end(&x, acl, 2);
    expect_sddl(&x, "G:BAD:NO_ACCESS_CONTROLS:(ML;;NW;;;LW)(AU;SAFA;FA;;;WD)");
}

static void sddl_sids(void **state)
{
    static const struct {
        uint64_t auth;
        uint32_t sub[2];
        size_t n;
        const char *want;
    } t[] = {
        {1, {0}, 1, "WD"},        {3, {0}, 1, "CO"},          {3, {1}, 1, "CG"},
        {5, {11}, 1, "AU"},       {5, {18}, 1, "SY"},         {5, {19}, 1, "LS"},
        {5, {20}, 1, "NS"},       {5, {32, 544}, 2, "BA"},    {5, {32, 545}, 2, "BU"},
        {5, {32, 546}, 2, "BG"},  {5, {32, 555}, 2, "RD"},    {16, {12288}, 1, "HI"},
        {15, {2, 1}, 2, "AC"},    {5, {32, 999}, 2, "S-1-5-32-999"},
        {5, {80}, 1, "S-1-5-80"}, {0x123456789abcull, {7}, 1, "S-1-0x123456789ABC-7"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        builder x;
        char out[64];
        size_t len;

        x.n = 0;
        put_sid(&x, t[i].auth, t[i].n, t[i].sub);
        assert_int_equal(ntfs_sid_to_sddl(x.b, x.n, out, sizeof out, &len), NT_OK);
        assert_string_equal(out, t[i].want);
        assert_int_equal(ntfs_sid_to_sddl(x.b, x.n - 1, out, sizeof out, &len), NT_ERR_CORRUPT);
    }
}

static void sddl_small_buffer(void **state)
{
    builder x;
    char out[64];
    size_t len = 0, full = 0, cap;

    (void)state;
    build_basic(&x);
    assert_int_equal(ntfs_sd_to_sddl(x.b, x.n, NULL, 0, &full, NULL), NT_ERR_RANGE);
    assert_int_equal(full, strlen("O:BAG:SYD:(A;;FA;;;SY)(A;OICI;0x1200a9;;;BU)"));
    for (cap = 1; cap <= full; cap++) {
        memset(out, 'x', sizeof out);
        assert_int_equal(ntfs_sd_to_sddl(x.b, x.n, out, cap, &len, NULL), NT_ERR_RANGE);
        assert_int_equal(len, full);
        assert_int_equal(strlen(out), cap - 1);
        assert_memory_equal(out, "O:BAG:SYD:(A;;FA;;;SY)(A;OICI;0x1200a9;;;BU)", cap - 1);
    }
    assert_int_equal(ntfs_sd_to_sddl(x.b, x.n, out, full + 1, &len, NULL), NT_OK);
}

static void sddl_corrupt(void **state)
{
    builder x;
    char out[256];
    nt_diag d;

    (void)state;
    build_basic(&x);
    x.b[0] = 2;
    assert_int_equal(ntfs_sd_to_sddl(x.b, x.n, out, sizeof out, NULL, &d), NT_ERR_CORRUPT);
    assert_int_equal(d.offset, 0);
    assert_non_null(d.rule);
    build_basic(&x);
    set_off(&x, 4, x.n); /* owner right at the end */
    assert_int_equal(ntfs_sd_to_sddl(x.b, x.n, out, sizeof out, NULL, &d), NT_ERR_CORRUPT);
    assert_int_equal(d.offset, 4);
    build_basic(&x);
    /* ACE count larger than the ACL holds */
    nt_put_le16(x.b + nt_le32(x.b + 16) + 4, 3);
    assert_int_equal(ntfs_sd_to_sddl(x.b, x.n, out, sizeof out, NULL, &d), NT_ERR_CORRUPT);
    assert_non_null(d.rule);
    assert_string_equal(out, "");
}

/* Every truncation and every single-byte change: an answer or an error,
 * never a read outside the buffer (the copy is exactly sd_len bytes on
 * the heap so ASan sees any overrun). */
static void sddl_damage(void **state)
{
    builder x;
    size_t n, i;
    unsigned v;

    (void)state;
    build_basic(&x);
    for (n = 0; n <= x.n; n++) {
        uint8_t *c = malloc(n ? n : 1);
        char out[256];
        int rc;

        assert_non_null(c);
        memcpy(c, x.b, n);
        rc = ntfs_sd_to_sddl(c, n, out, sizeof out, NULL, NULL);
        assert_true(n == x.n ? rc == NT_OK : rc == NT_ERR_CORRUPT || rc == NT_OK);
        free(c);
    }
    for (i = 0; i < x.n; i++) {
        for (v = 0; v < 256; v += 3) {
            uint8_t *c = malloc(x.n);
            char out[512];
            size_t len;
            int rc;

            assert_non_null(c);
            memcpy(c, x.b, x.n);
            c[i] = (uint8_t)v;
            rc = ntfs_sd_to_sddl(c, x.n, out, sizeof out, &len, NULL);
            assert_true(rc == NT_OK || rc == NT_ERR_CORRUPT || rc == NT_ERR_RANGE);
            if (rc == NT_OK)
                assert_int_equal(strlen(out), len);
            free(c);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sddl_basic),
        cmocka_unit_test(sddl_flags_and_domain),
        cmocka_unit_test(sddl_object_ace),
        cmocka_unit_test(sddl_sacl_label_null_dacl),
        cmocka_unit_test(sddl_sids),
        cmocka_unit_test(sddl_small_buffer),
        cmocka_unit_test(sddl_corrupt),
        cmocka_unit_test(sddl_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
