/* Host unit tests of the UEFI application's firmware-independent parts:
 * the printf (format.c) against libc's snprintf, the config parser
 * (boot_config.c), and the BlockIo read callback (blockio_volume.c) against
 * a fake block device over a memory disk, compared with plain memcpy.
 * The QEMU boot tests (boot_test.py) cover the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blockio_volume.h"
#include "boot_config.h"
#include "format.h"

/* ---- format.c ----------------------------------------------------------- */

#define SAME_AS_LIBC(...)                                                                                    \
    do {                                                                                                     \
        char ours[256], libc[256];                                                                           \
        fmt_format(ours, sizeof ours, __VA_ARGS__);                                                          \
        snprintf(libc, sizeof libc, __VA_ARGS__);                                                            \
        assert_string_equal(ours, libc);                                                                     \
    } while (0)

static void test_format_matches_libc(void **state)
{
    (void)state;
    SAME_AS_LIBC("plain text");
    SAME_AS_LIBC("%s|%5s|%-5s|%s", "ab", "ab", "ab", "");
    SAME_AS_LIBC("%d %d %d %u %u", 0, -1, -2147483647 - 1, 0u, 4294967295u);
    SAME_AS_LIBC("%x %X %08x %8x %03u", 0xdeadbeefu, 0xdeadbeefu, 0x1fu, 0x1fu, 7u);
    SAME_AS_LIBC("%llu %llx %016llx %lld", 18446744073709551615ull, 0x123456789abcdefull, 0xabcull,
                 -9223372036854775807ll - 1);
    SAME_AS_LIBC("%zu %zx", (size_t)123456789, (size_t)0xfffff);
    SAME_AS_LIBC("%c%c %% %5d|%-3s|", 'x', '\\', -42, "z");
}

static void test_format_truncates(void **state)
{
    char buf[8];
    (void)state;
    size_t n = fmt_format(buf, sizeof buf, "%s-%u", "abcdef", 12345u);
    assert_int_equal(n, 7);
    assert_string_equal(buf, "abcdef-");
    n = fmt_format(buf, 1, "%s", "abc");
    assert_int_equal(n, 0);
    assert_string_equal(buf, "");
}

/* ---- boot_config.c ------------------------------------------------------ */

static void test_config_defaults(void **state)
{
    boot_config c;
    (void)state;
    boot_config_defaults(&c);
    assert_string_equal(c.hive, "\\Windows\\System32\\config\\SYSTEM");
    assert_string_equal(c.key, "CurrentControlSet\\Control\\ComputerName\\ComputerName");
    assert_string_equal(c.value, "ComputerName");
    assert_int_equal(c.heap_mib, 64);
}

static void test_config_parse(void **state)
{
    boot_config c;
    unsigned line = 0;
    const char *text = "# comment\r\n\r\n  hive = \\ntkit\\x.hiv \r\n"
                       "key=Select\n\tvalue =   \nheap=2048";
    (void)state;
    boot_config_defaults(&c);
    assert_true(boot_config_parse(&c, text, strlen(text), &line));
    assert_string_equal(c.hive, "\\ntkit\\x.hiv");
    assert_string_equal(c.key, "Select");
    assert_string_equal(c.value, ""); /* the default value */
    assert_int_equal(c.heap_mib, 2048);
}

static void expect_bad_line(const char *text, unsigned want)
{
    boot_config c;
    unsigned line = 0;
    boot_config_defaults(&c);
    assert_false(boot_config_parse(&c, text, strlen(text), &line));
    assert_int_equal(line, want);
}

static void test_config_rejects(void **state)
{
    char big[2000];
    (void)state;
    expect_bad_line("hive=a\nnonsense\n", 2);
    expect_bad_line("colour = blue", 1);
    expect_bad_line("\n\nheap = 0", 3);
    expect_bad_line("heap = 2049", 1);
    expect_bad_line("heap = 12a", 1);
    expect_bad_line("heap = 99999", 1);
    expect_bad_line("heap =", 1);
    memset(big, 'k', sizeof big);
    memcpy(big, "key=", 4);
    big[sizeof big - 1] = '\0';
    expect_bad_line(big, 1); /* longer than boot_config.key */
}

/* ---- blockio_volume.c --------------------------------------------------- */

typedef struct fake_disk {
    EFI_BLOCK_IO_PROTOCOL bio; /* first: ReadBlocks gets &bio */
    EFI_BLOCK_IO_MEDIA media;
    uint8_t *data;
    size_t size;
    unsigned calls;
    int fail_after; /* ReadBlocks fails from this call on; -1 never */
} fake_disk;

static EFI_STATUS fake_read_blocks(EFI_BLOCK_IO_PROTOCOL *self, uint32_t media_id, EFI_LBA lba, uint64_t size,
                                   void *buffer)
{
    fake_disk *d = (fake_disk *)self;
    uint32_t bs = d->media.BlockSize;

    /* The rules of EFI_BLOCK_IO_PROTOCOL.ReadBlocks the callback must keep. */
    assert_int_equal(media_id, d->media.MediaId);
    assert_int_equal(size % bs, 0);
    assert_true(size > 0);
    assert_true(lba <= d->media.LastBlock);
    assert_true(size / bs <= d->media.LastBlock + 1 - lba);
    if (d->media.IoAlign > 1)
        assert_int_equal((uintptr_t)buffer % d->media.IoAlign, 0);
    if (d->fail_after >= 0 && d->calls >= (unsigned)d->fail_after)
        return EFI_ERROR_BIT | 7u; /* EFI_DEVICE_ERROR */
    d->calls++;
    memcpy(buffer, d->data + lba * bs, size);
    return EFI_SUCCESS;
}

static void fake_disk_init(fake_disk *d, uint32_t block_size, uint32_t io_align, size_t blocks)
{
    memset(d, 0, sizeof *d);
    d->size = block_size * blocks;
    d->data = malloc(d->size);
    assert_non_null(d->data);
    for (size_t i = 0; i < d->size; i++)
        d->data[i] = (uint8_t)((i * 131) ^ (i >> 9) ^ (i >> 17));
    d->media.MediaId = 0x55;
    d->media.MediaPresent = true;
    d->media.BlockSize = block_size;
    d->media.IoAlign = io_align;
    d->media.LastBlock = blocks - 1;
    d->bio.Media = &d->media;
    d->bio.ReadBlocks = fake_read_blocks;
    d->fail_after = -1;
}

static void check_random_reads(uint32_t block_size, uint32_t io_align, size_t bounce_size)
{
    fake_disk d;
    blockio_volume v;
    uint8_t *bounce = aligned_alloc(4096, (bounce_size + 4095) / 4096 * 4096);
    uint8_t *out = aligned_alloc(4096, (1u << 20) + 4096); /* a multiple of the alignment */
    unsigned seed = 12345;

    fake_disk_init(&d, block_size, io_align, (4u << 20) / block_size);
    assert_true(blockio_volume_init(&v, &d.bio, bounce, bounce_size));
    assert_int_equal(v.size, d.size);
    for (int i = 0; i < 3000; i++) {
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 8) % (i % 10 == 0 ? (1u << 20) : 9000u);
        seed = seed * 1103515245u + 12345u;
        uint64_t off = (uint64_t)(seed >> 4) % (d.size - len + 1);
        if (i % 3 == 0)
            off -= off % block_size;    /* block-aligned starts take the direct path */
        size_t shift = (size_t)(i % 9); /* misaligned destinations */
        memset(out, 0xEE, len + shift + 8);
        assert_int_equal(blockio_volume_read(&v, off, out + shift, len), 0);
        assert_memory_equal(out + shift, d.data + off, len);
        for (size_t k = 0; k < 8; k++)
            assert_int_equal(out[shift + len + k], 0xEE); /* nothing past the end */
    }
    /* The very end of the disk, and a zero-length read there. */
    assert_int_equal(blockio_volume_read(&v, d.size - 3, out, 3), 0);
    assert_memory_equal(out, d.data + d.size - 3, 3);
    assert_int_equal(blockio_volume_read(&v, d.size, out, 0), 0);
    /* Past the end, and offsets whose sum would wrap. */
    assert_int_not_equal(blockio_volume_read(&v, d.size - 3, out, 4), 0);
    assert_int_not_equal(blockio_volume_read(&v, UINT64_MAX - 1, out, 4), 0);
    assert_int_not_equal(blockio_volume_read(&v, d.size + 1, out, 0), 0);
    free(d.data);
    free(bounce);
    free(out);
}

static void test_blockio_512(void **state)
{
    (void)state;
    check_random_reads(512, 0, 64 * 1024);
}

static void test_blockio_4096_aligned(void **state)
{
    (void)state;
    check_random_reads(4096, 4096, 256 * 1024);
}

static void test_blockio_tiny_bounce(void **state)
{
    (void)state;
    check_random_reads(512, 8, 512); /* one block of bounce: many passes */
}

static void test_blockio_errors(void **state)
{
    fake_disk d;
    blockio_volume v;
    uint8_t *bounce = aligned_alloc(4096, 4096);
    uint8_t out[9000];
    (void)state;

    fake_disk_init(&d, 512, 0, 64);
    d.fail_after = 0;
    assert_true(blockio_volume_init(&v, &d.bio, bounce, 4096));
    assert_int_not_equal(blockio_volume_read(&v, 100, out, 10), 0);
    assert_int_equal(v.last_error, EFI_ERROR_BIT | 7u);

    /* Media the callback cannot serve are refused up front. */
    d.media.BlockSize = 3 * 512;
    assert_false(blockio_volume_init(&v, &d.bio, bounce, 4096));
    d.media.BlockSize = 512;
    d.media.MediaPresent = false;
    assert_false(blockio_volume_init(&v, &d.bio, bounce, 4096));
    d.media.MediaPresent = true;
    assert_false(blockio_volume_init(&v, &d.bio, bounce, 256)); /* bounce < one block */
    d.media.IoAlign = 4096;
    assert_false(blockio_volume_init(&v, &d.bio, bounce + 512, 3584)); /* bounce misaligned */
    free(d.data);
    free(bounce);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_matches_libc),  cmocka_unit_test(test_format_truncates),
        cmocka_unit_test(test_config_defaults),      cmocka_unit_test(test_config_parse),
        cmocka_unit_test(test_config_rejects),       cmocka_unit_test(test_blockio_512),
        cmocka_unit_test(test_blockio_4096_aligned), cmocka_unit_test(test_blockio_tiny_bounce),
        cmocka_unit_test(test_blockio_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
