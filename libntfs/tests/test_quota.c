/* Quota entries ($Extend\$Quota:$Q): on a volume made by mkntfs at test time
 * (which writes the defaults entry, owner id 1, and the Administrators
 * entry, owner id 0x100 with SID S-1-5-32-544, both without limits) and on
 * a Windows-made image of the shared test data, which carries the same two; unknown owners are NOT_FOUND; flipped bytes in the index give an
 * error or an entry, never a crash, and every allocation is returned. */
#define _GNU_SOURCE /* mkstemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ntfs.h"
#include "test_support.h"

typedef struct img {
    uint8_t *data; /* the volume in memory, or */
    int fd;        /* read from this file at `base` when data is NULL */
    size_t base;
    size_t size;
    size_t flip; /* byte inverted on read; SIZE_MAX = none */
} img;

static int img_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    img *m = ctx;
    if (off > m->size || len > m->size - off)
        return -1;
    if (!m->data)
        return pread(m->fd, buf, len, (off_t)(m->base + off)) == (ssize_t)len ? 0 : -1;
    memcpy(buf, m->data + off, len);
    if (m->flip >= off && m->flip - off < len)
        ((uint8_t *)buf)[m->flip - off] ^= 0xFF;
    return 0;
}

static int mount_img(img *m, test_allocator *ta, ntfs_volume **v)
{
    ntfs_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ctx = m;
    cfg.read = img_read;
    cfg.allocator = ta->iface;
    cfg.volume_size = m->size;
    return ntfs_mount(&cfg, v, NULL);
}

/* A fresh 8 MiB volume from mkntfs, or NULL when mkntfs is missing. */
static uint8_t *mkntfs_image(size_t *size)
{
    char path[] = "/tmp/ntkit-quota-XXXXXX", cmd[256];
    int fd = mkstemp(path);
    uint8_t *data = NULL;
    if (fd < 0)
        return NULL;
    close(fd);
    snprintf(cmd, sizeof cmd, "truncate -s 8M %s && mkntfs -q -F -f -L quota %s >/dev/null 2>&1", path, path);
    if (system(cmd) == 0)
        data = test_read_file(path, size);
    unlink(path);
    return data;
}

static const uint8_t admins_sid[16] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0};

static void check_default_entries(img *m)
{
    test_allocator ta;
    ntfs_volume *v;
    ntfs_quota q;
    char sid[64];

    test_allocator_init(&ta);
    assert_int_equal(mount_img(m, &ta, &v), NT_OK);

    assert_int_equal(ntfs_quota_get(v, 1, &q), NT_OK);
    assert_int_equal(q.owner_id, 1);
    assert_int_equal(q.version, 2);
    assert_int_equal(q.sid_len, 0);
    assert_true(q.threshold == UINT64_MAX && q.limit == UINT64_MAX);

    assert_int_equal(ntfs_quota_get(v, 0x100, &q), NT_OK);
    assert_int_equal(q.sid_len, sizeof admins_sid);
    assert_memory_equal(q.sid, admins_sid, sizeof admins_sid);
    assert_int_equal(ntfs_sid_to_string(q.sid, q.sid_len, sid, sizeof sid), NT_OK);
    assert_string_equal(sid, "S-1-5-32-544");
    assert_true(q.threshold == UINT64_MAX && q.limit == UINT64_MAX);

    assert_int_equal(ntfs_quota_get(v, 0, &q), NT_ERR_NOT_FOUND);
    assert_int_equal(ntfs_quota_get(v, 0x101, &q), NT_ERR_NOT_FOUND);
    assert_int_equal(ntfs_quota_get(v, 0xFFFFFFFFu, &q), NT_ERR_NOT_FOUND);
    ntfs_unmount(v);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
}

static void quota_on_mkntfs_volume(void **state)
{
    (void)state;
    img m = {0, -1, 0, 0, SIZE_MAX};
    m.data = mkntfs_image(&m.size);
    if (!m.data)
        skip();
    check_default_entries(&m);
    free(m.data);
}

static void quota_on_windows_volumes(void **state)
{
    /* msuhanov's ntfs-lastaccess was made by Windows 10; it is a 256 MiB
     * disk with the volume at 64 KiB (SOURCES.md), read from a temporary
     * inflated copy. */
    const char *dir = test_shared_dir();
    char path[4096], cmd[8300], tmp[] = "/tmp/ntkit-quota-w-XXXXXX";
    int fd;
    (void)state;
    if (!dir)
        skip();
    snprintf(path, sizeof path, "%s/ntfs/ntfs-lastaccess.raw.gz", dir);
    if (access(path, R_OK))
        skip();
    fd = mkstemp(tmp);
    assert_true(fd >= 0);
    snprintf(cmd, sizeof cmd, "gzip -dc '%s' > %s", path, tmp);
    assert_int_equal(system(cmd), 0);
    unlink(tmp);
    off_t end = lseek(fd, 0, SEEK_END);
    assert_true(end > 65536);
    img m = {NULL, fd, 65536, (size_t)end - 65536, SIZE_MAX};
    check_default_entries(&m);
    close(fd);
}

/* Every byte near the Administrators entry inverted in turn: the lookup
 * gives the entry, NOT_FOUND or CORRUPT (mount may fail too), never more. */
static void quota_damaged_index(void **state)
{
    img m = {0, -1, 0, 0, SIZE_MAX};
    size_t at = SIZE_MAX;
    (void)state;
    m.data = mkntfs_image(&m.size);
    if (!m.data)
        skip();
    for (size_t i = 0; i + sizeof admins_sid <= m.size && at == SIZE_MAX; i++)
        if (!memcmp(m.data + i, admins_sid, sizeof admins_sid) && i >= 48 &&
            m.data[i - 48] == 2 && m.data[i - 47] == 0) /* quota entry version 2 */
            at = i;
    assert_true(at != SIZE_MAX);
    for (size_t k = at > 160 ? at - 160 : 0; k < at + 64; k++) {
        test_allocator ta;
        ntfs_volume *v;
        ntfs_quota q;
        m.flip = k;
        test_allocator_init(&ta);
        if (mount_img(&m, &ta, &v) == NT_OK) {
            int rc = ntfs_quota_get(v, 0x100, &q);
            assert_true(rc == NT_OK || rc == NT_ERR_NOT_FOUND || rc == NT_ERR_CORRUPT);
            if (rc == NT_OK)
                assert_true(q.sid_len <= sizeof q.sid);
            ntfs_unmount(v);
        }
        assert_int_equal(ta.live_blocks, 0);
        test_allocator_destroy(&ta);
    }
    free(m.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quota_on_mkntfs_volume),
        cmocka_unit_test(quota_on_windows_volumes),
        cmocka_unit_test(quota_damaged_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
