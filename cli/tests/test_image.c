/* Tests of the shared image layer (cli/common_image.c).
 *
 * Oracles: disks partitioned by sfdisk, whose own dump (`sfdisk -d`) gives
 * the expected partition numbers, starts, sizes and types; volumes made by
 * mkntfs; gzip(1) for compressed images, whose bytes must equal the plain
 * file's at any offset. Every case skips when sfdisk, mkntfs or gzip is
 * missing. Scratch files live in a fresh directory under $TMPDIR. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "common_image.h"

static char g_dir[256];
static bool g_tools;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return rc == -1 ? -1 : WEXITSTATUS(rc);
}

static const char *path(const char *name)
{
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", g_dir, name);
    return buf[k];
}

static void need_tools(void)
{
    if (!g_tools)
        skip();
}

static uint8_t *slurp(const char *p, size_t *len)
{
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* One partition of `sfdisk -d IMG`, by number. */
typedef struct dump_part {
    unsigned number;
    uint64_t start, size; /* sectors */
    char type[64];
} dump_part;

static size_t sfdisk_dump(const char *img, dump_part *out, size_t cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sfdisk -d '%s' 2>/dev/null", img);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512];
    size_t n = 0;
    size_t plen = strlen(img);
    while (fgets(line, sizeof line, p) && n < cap) {
        if (strncmp(line, img, plen) != 0)
            continue;
        dump_part d = {0};
        char *q = line + plen;
        d.number = (unsigned)strtoul(q, &q, 10);
        char *s = strstr(q, "start=");
        char *z = strstr(q, "size=");
        char *t = strstr(q, "type=");
        if (!s || !z || !t)
            continue;
        d.start = strtoull(s + 6, NULL, 10);
        d.size = strtoull(z + 5, NULL, 10);
        sscanf(t + 5, "%63[^,\n]", d.type);
        out[n++] = d;
    }
    pclose(p);
    return n;
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(g_dir, sizeof g_dir, "%s/ntkit-image-XXXXXX", tmp);
    if (!mkdtemp(g_dir))
        return -1;
    g_tools = sh("command -v sfdisk >/dev/null && command -v mkntfs >/dev/null && command -v gzip >/dev/null") == 0;
    if (!g_tools)
        return 0;
    /* an 8 MiB NTFS volume with 512-byte sectors */
    if (sh("truncate -s 8M '%s' && mkntfs -q -F -f -s 512 -c 4096 '%s' >/dev/null 2>&1", path("vol.img"),
           path("vol.img")) != 0)
        g_tools = false;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (g_dir[0])
        sh("rm -rf '%s'", g_dir);
    return 0;
}

/* Builds a disk from an sfdisk script and copies vol.img to `sector`. */
static void make_disk(const char *name, uint64_t sectors, const char *script, uint64_t vol_sector)
{
    assert_int_equal(sh("rm -f '%s' && truncate -s %llu '%s'", path(name), (unsigned long long)sectors * 512,
                        path(name)),
                     0);
    assert_int_equal(sh("printf '%s' | sfdisk -q '%s' >/dev/null 2>&1", script, path(name)), 0);
    if (vol_sector)
        assert_int_equal(sh("dd if='%s' of='%s' bs=512 seek=%llu conv=notrunc status=none", path("vol.img"),
                            path(name), (unsigned long long)vol_sector),
                         0);
}

static void check_volume_bytes(cli_image *img)
{
    size_t vlen;
    uint8_t *vol = slurp(path("vol.img"), &vlen);
    uint8_t buf[4096];
    srand(7);
    for (int i = 0; i < 200; i++) {
        size_t len = (size_t)(rand() % (int)sizeof buf) + 1;
        uint64_t off = (uint64_t)rand() % (vlen - len);
        assert_int_equal(cli_image_read(img, off, buf, len), 0);
        assert_memory_equal(buf, vol + off, len);
    }
    free(vol);
}

static void test_bare_volume(void **state)
{
    (void)state;
    need_tools();
    cli_image *img;
    char err[256];
    assert_int_equal(cli_image_open(path("vol.img"), &img, err, sizeof err), 0);
    assert_int_equal(cli_image_table(img), CLI_TABLE_NONE);
    assert_int_equal(cli_image_volume_offset(img), 0);
    assert_int_equal(cli_image_volume_size(img), 8 << 20);
    assert_true(cli_image_fd(img) >= 0);
    assert_false(cli_image_is_gzip(img));
    size_t n = 99;
    cli_partition parts[4];
    assert_int_equal(cli_image_list_partitions(img, parts, 4, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);
    check_volume_bytes(img);
    uint8_t b[16];
    assert_int_equal(cli_image_read(img, (8 << 20) - 8, b, 16), -1); /* past the end */
    cli_image_close(img);
    /* a bare volume has no partition 1 */
    char spec[600];
    snprintf(spec, sizeof spec, "%s@1", path("vol.img"));
    assert_int_equal(cli_image_open(spec, &img, err, sizeof err), -1);
    assert_null(img);
    assert_non_null(strstr(err, "no partition table"));
}

static void test_mbr_logical(void **state)
{
    (void)state;
    need_tools();
    /* 1: FAT16 filler, 2: extended with logicals 5 (Linux) and 6 (the volume) */
    make_disk("mbr.img", 65536,
              "label: dos\\nstart=2048, size=2048, type=6\\nstart=8192, size=40960, type=5\\n"
              "start=10240, size=4096, type=83\\nstart=16384, size=16384, type=7\\n",
              16384);
    dump_part want[8];
    size_t nw = sfdisk_dump(path("mbr.img"), want, 8);
    assert_int_equal(nw, 4);
    cli_image *img;
    char err[256];
    assert_int_equal(cli_image_open(path("mbr.img"), &img, err, sizeof err), 0);
    assert_int_equal(cli_image_table(img), CLI_TABLE_MBR);
    cli_partition parts[8];
    size_t n;
    assert_int_equal(cli_image_list_partitions(img, parts, 8, &n, err, sizeof err), 0);
    assert_int_equal(n, nw);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(parts[i].number, want[i].number);
        assert_int_equal(parts[i].offset, want[i].start * 512);
        assert_int_equal(parts[i].size, want[i].size * 512);
        char t[8];
        snprintf(t, sizeof t, "0x%02lx", strtoul(want[i].type, NULL, 16));
        assert_int_equal(strncmp(parts[i].type, t, 4), 0);
        assert_int_equal(parts[i].is_ntfs, want[i].number == 6);
    }
    /* the first NTFS partition is picked: logical 6 */
    assert_int_equal(cli_image_partition(img), 6);
    assert_int_equal(cli_image_volume_offset(img), want[3].start * 512);
    assert_int_equal(cli_image_volume_size(img), want[3].size * 512);
    check_volume_bytes(img);
    cli_image_close(img);

    char spec[600];
    snprintf(spec, sizeof spec, "%s@6", path("mbr.img"));
    assert_int_equal(cli_image_open(spec, &img, err, sizeof err), 0);
    check_volume_bytes(img);
    cli_image_close(img);
    snprintf(spec, sizeof spec, "%s@5", path("mbr.img"));
    assert_int_equal(cli_image_open(spec, &img, err, sizeof err), -1);
    assert_non_null(strstr(err, "not an NTFS volume"));
    snprintf(spec, sizeof spec, "%s@2", path("mbr.img"));
    assert_int_equal(cli_image_open(spec, &img, err, sizeof err), -1);
    assert_non_null(strstr(err, "extended"));
    snprintf(spec, sizeof spec, "%s@7", path("mbr.img"));
    assert_int_equal(cli_image_open(spec, &img, err, sizeof err), -1);
    assert_non_null(strstr(err, "no partition 7"));
}

static void test_gpt(void **state)
{
    (void)state;
    need_tools();
    make_disk("gpt.img", 40960,
              "label: gpt\\nstart=2048, size=2048, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\\n"
              "start=4096, size=4096, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\\n"
              "start=12288, size=16384, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\\n",
              12288);
    dump_part want[8];
    size_t nw = sfdisk_dump(path("gpt.img"), want, 8);
    assert_int_equal(nw, 3);
    cli_image *img;
    char err[256];
    assert_int_equal(cli_image_open(path("gpt.img"), &img, err, sizeof err), 0);
    assert_int_equal(cli_image_table(img), CLI_TABLE_GPT);
    cli_partition parts[8];
    size_t n;
    assert_int_equal(cli_image_list_partitions(img, parts, 8, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(parts[i].number, want[i].number);
        assert_int_equal(parts[i].offset, want[i].start * 512);
        assert_int_equal(parts[i].size, want[i].size * 512);
        assert_int_equal(parts[i].is_ntfs, i == 2);
    }
    assert_string_equal(parts[0].type, "EFI system");
    assert_string_equal(parts[2].type, "Microsoft basic data");
    assert_int_equal(cli_image_partition(img), 3);
    check_volume_bytes(img);
    cli_image_close(img);

    /* primary header broken: the backup at the last sector is used */
    assert_int_equal(sh("cp '%s' '%s' && printf 'XX' | dd of='%s' bs=1 seek=%d conv=notrunc status=none",
                        path("gpt.img"), path("gpt-p.img"), path("gpt-p.img"), 512 + 40),
                     0);
    assert_int_equal(cli_image_open(path("gpt-p.img"), &img, err, sizeof err), 0);
    assert_int_equal(cli_image_partition(img), 3);
    check_volume_bytes(img);
    cli_image_close(img);
    /* the same gzipped: the backup header is found by inflating to the end,
     * and the volume reads back byte for byte */
    assert_int_equal(sh("gzip -1 -c '%s' > '%s'", path("gpt-p.img"), path("gpt-p.img.gz")), 0);
    assert_int_equal(cli_image_open(path("gpt-p.img.gz"), &img, err, sizeof err), 0);
    assert_true(cli_image_is_gzip(img));
    assert_int_equal(cli_image_table(img), CLI_TABLE_GPT);
    assert_int_equal(cli_image_partition(img), 3);
    assert_int_equal(cli_image_volume_offset(img), 12288 * 512);
    check_volume_bytes(img);
    cli_image_close(img);
    /* both headers broken */
    assert_int_equal(sh("printf 'XX' | dd of='%s' bs=1 seek=%d conv=notrunc status=none", path("gpt-p.img"),
                        40960 * 512 - 512 + 40),
                     0);
    assert_int_equal(cli_image_open(path("gpt-p.img"), &img, err, sizeof err), -1);
    assert_non_null(strstr(err, "GPT header CRC mismatch"));
    /* entry array damaged (both copies hold the same CRC, so the entries fail) */
    assert_int_equal(sh("cp '%s' '%s' && printf 'Z' | dd of='%s' bs=1 seek=%d conv=notrunc status=none",
                        path("gpt.img"), path("gpt-e.img"), path("gpt-e.img"), 1024 + 56),
                     0);
    assert_int_equal(cli_image_open(path("gpt-e.img"), &img, err, sizeof err), -1);
    assert_non_null(strstr(err, "entry array CRC"));
}

/* An explicit --offset: no table is read, plain and gzip alike; the error
 * kinds the CLI turns into exit codes. */
static void test_open_ex(void **state)
{
    (void)state;
    need_tools();
    cli_image *img;
    cli_image_error kind;
    char err[256];
    cli_image_options at = {true, 12288 * 512};
    make_disk("off.img", 40960, "label: dos\\nstart=12288, size=16384, type=7\\n", 12288);
    assert_int_equal(sh("gzip -1 -c '%s' > '%s'", path("off.img"), path("off.img.gz")), 0);
    for (int gz = 0; gz < 2; gz++) {
        const char *spec = path(gz ? "off.img.gz" : "off.img");
        assert_int_equal(cli_image_open_ex(spec, &at, &img, &kind, err, sizeof err), 0);
        assert_int_equal(kind, CLI_IMAGE_OK);
        assert_int_equal(cli_image_table(img), CLI_TABLE_NONE);
        assert_int_equal(cli_image_partition(img), 0);
        assert_int_equal(cli_image_volume_offset(img), 12288 * 512);
        check_volume_bytes(img);
        cli_image_close(img);
    }
    /* @N together with an offset is a usage error */
    char spec[600];
    snprintf(spec, sizeof spec, "%s@1", path("off.img"));
    assert_int_equal(cli_image_open_ex(spec, &at, &img, &kind, err, sizeof err), -1);
    assert_int_equal(kind, CLI_IMAGE_ERR_USAGE);
    /* no partition 4: not found; a missing file: not found */
    snprintf(spec, sizeof spec, "%s@4", path("off.img"));
    assert_int_equal(cli_image_open_ex(spec, NULL, &img, &kind, err, sizeof err), -1);
    assert_int_equal(kind, CLI_IMAGE_ERR_NOT_FOUND);
    assert_int_equal(cli_image_open_ex(path("nope.img"), NULL, &img, &kind, err, sizeof err), -1);
    assert_int_equal(kind, CLI_IMAGE_ERR_NOT_FOUND);
    /* an offset past the end: corrupt (the image is shorter than claimed) */
    cli_image_options far = {true, (uint64_t)1 << 40};
    assert_int_equal(cli_image_open_ex(path("off.img"), &far, &img, &kind, err, sizeof err), -1);
    assert_int_equal(kind, CLI_IMAGE_ERR_CORRUPT);
    assert_non_null(strstr(err, "past the end"));
    assert_int_equal(cli_image_open_ex(path("off.img.gz"), &far, &img, &kind, err, sizeof err), -1);
    assert_int_equal(kind, CLI_IMAGE_ERR_CORRUPT);
}

static void test_damaged_mbr(void **state)
{
    (void)state;
    need_tools();
    cli_image *img;
    char err[256];
    /* a partition that runs past the end of the image */
    make_disk("past.img", 40960, "label: dos\\nstart=2048, size=16384, type=7\\n", 2048);
    assert_int_equal(sh("truncate -s %d '%s'", 10000 * 512, path("past.img")), 0);
    assert_int_equal(cli_image_open(path("past.img"), &img, err, sizeof err), -1);
    assert_non_null(strstr(err, "extends past the end"));
    /* a bad status byte */
    make_disk("status.img", 40960, "label: dos\\nstart=2048, size=16384, type=7\\n", 2048);
    assert_int_equal(sh("printf '\\x42' | dd of='%s' bs=1 seek=446 conv=notrunc status=none", path("status.img")), 0);
    assert_int_equal(cli_image_open(path("status.img"), &img, err, sizeof err), -1);
    assert_non_null(strstr(err, "damaged MBR"));
    /* an EBR chain that points back to itself */
    make_disk("loop.img", 65536,
              "label: dos\\nstart=2048, size=40960, type=5\\nstart=4096, size=2048, type=83\\n"
              "start=8192, size=2048, type=83\\n",
              0);
    dump_part d[8];
    assert_int_equal(sfdisk_dump(path("loop.img"), d, 8), 3);
    /* the second EBR sits 2 sectors... before logical 6; point its link at the first EBR */
    uint64_t ebr2 = d[2].start - 2048; /* sfdisk leaves the default 2048-sector gap */
    int fd = open(path("loop.img"), O_RDWR);
    assert_true(fd >= 0);
    uint8_t sec[512];
    assert_int_equal(pread(fd, sec, 512, (off_t)(ebr2 * 512)), 512);
    if (sec[510] != 0x55) {
        /* sfdisk put the EBR elsewhere: find it by scanning back from logical 6 */
        for (ebr2 = d[2].start - 1; ebr2 > d[1].start; ebr2--) {
            assert_int_equal(pread(fd, sec, 512, (off_t)(ebr2 * 512)), 512);
            if (sec[510] == 0x55 && sec[511] == 0xaa)
                break;
        }
    }
    assert_int_equal(sec[510], 0x55);
    /* entry 2 of EBR 2 = link to the next EBR; make it the extended start */
    memset(sec + 462, 0, 16);
    sec[462 + 4] = 0x05;
    sec[462 + 12] = 1; /* length 1 sector, relative start 0 = EBR 1 */
    assert_int_equal(pwrite(fd, sec, 512, (off_t)(ebr2 * 512)), 512);
    close(fd);
    assert_int_equal(cli_image_open(path("loop.img"), &img, err, sizeof err), -1);
    assert_non_null(strstr(err, "extended partition chain"));
    /* random bytes: neither a volume nor a table */
    assert_int_equal(sh("head -c 65536 /dev/urandom > '%s'", path("junk.img")), 0);
    assert_int_equal(cli_image_open(path("junk.img"), &img, err, sizeof err), -1);
    assert_non_null(strstr(err, "not an NTFS volume"));
    assert_int_equal(cli_image_open(path("does-not-exist.img"), &img, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open"));
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* sfdisk here cannot write 4096-byte-sector GPTs, so this one is built by
 * hand from the UEFI layout (header at LBA 1, entries at LBA 2, CRC32s). */
static void test_gpt_4k_sectors(void **state)
{
    (void)state;
    need_tools();
    const uint64_t ss = 4096, first = 256, count = 2048; /* 1 MiB .. 9 MiB */
    const uint64_t total = 4096;                         /* 16 MiB disk */
    uint8_t *disk = calloc(1, (size_t)(total * ss));
    assert_non_null(disk);
    uint8_t *ents = disk + 2 * ss, *h = disk + ss;
    static const uint8_t basic_data[16] = {0xA2, 0xA0, 0xD0, 0xEB, 0xE5, 0xB9, 0x33, 0x44,
                                           0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7};
    memcpy(ents, basic_data, 16);
    ents[16] = 1; /* unique GUID: anything non-zero */
    put64(ents + 32, first);
    put64(ents + 40, first + count - 1);
    memcpy(h, "EFI PART", 8);
    put32(h + 8, 0x00010000);
    put32(h + 12, 92);
    put64(h + 24, 1);
    put64(h + 32, total - 1);
    put64(h + 40, 6);
    put64(h + 48, total - 7);
    put64(h + 72, 2);
    put32(h + 80, 128);
    put32(h + 84, 128);
    put32(h + 88, (uint32_t)crc32(0, ents, 128 * 128));
    put32(h + 16, (uint32_t)crc32(0, h, 92));
    size_t vlen;
    uint8_t *vol = slurp(path("vol.img"), &vlen);
    assert_true(vlen <= count * ss);
    memcpy(disk + first * ss, vol, vlen);
    free(vol);
    FILE *f = fopen(path("gpt4k.img"), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(disk, 1, (size_t)(total * ss), f), (size_t)(total * ss));
    fclose(f);
    free(disk);
    cli_image *img;
    char err[256];
    if (cli_image_open(path("gpt4k.img"), &img, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(cli_image_table(img), CLI_TABLE_GPT);
    assert_int_equal(cli_image_partition(img), 1);
    assert_int_equal(cli_image_volume_offset(img), first * ss);
    assert_int_equal(cli_image_volume_size(img), count * ss);
    check_volume_bytes(img);
    cli_image_close(img);
}

/* Compares `count` random reads of the gzip image with the plain file. */
static void compare_gzip(const char *plain, const char *gz, uint64_t vol_off, int count, size_t maxlen)
{
    cli_image *img;
    char err[256];
    if (cli_image_open(gz, &img, err, sizeof err) != 0)
        fail_msg("open %s: %s", gz, err);
    assert_true(cli_image_is_gzip(img));
    assert_int_equal(cli_image_fd(img), -1);
    assert_int_equal(cli_image_volume_offset(img), vol_off);
    int fd = open(plain, O_RDONLY);
    assert_true(fd >= 0);
    struct stat st;
    fstat(fd, &st);
    uint64_t vsize = (uint64_t)st.st_size - vol_off;
    if (cli_image_volume_size(img) && cli_image_volume_size(img) < vsize)
        vsize = cli_image_volume_size(img);
    uint8_t *a = malloc(maxlen), *b = malloc(maxlen);
    srand(11);
    for (int i = 0; i < count; i++) {
        size_t len = (size_t)((uint64_t)rand() * rand() % maxlen) + 1;
        if (len > vsize)
            len = (size_t)vsize;
        /* go backwards and forwards: the index must serve both */
        uint64_t off = ((uint64_t)rand() << 20 ^ (uint64_t)rand()) % (vsize - len + 1);
        if (i == 0)
            off = vsize - len; /* the very end first */
        assert_int_equal(cli_image_read(img, off, a, len), 0);
        assert_int_equal(pread(fd, b, len, (off_t)(vol_off + off)), (ssize_t)len);
        assert_memory_equal(a, b, len);
    }
    free(a);
    free(b);
    close(fd);
    cli_image_close(img);
}

static void test_gzip_random_access(void **state)
{
    (void)state;
    need_tools();
    /* a GPT disk whose volume is followed by 24 MiB of compressible text,
     * so the stream has many deflate blocks and checkpoints */
    make_disk("gz.img", 81920,
              "label: gpt\\nstart=2048, size=16384, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\\n"
              "start=20480, size=57344, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\\n",
              2048);
    assert_int_equal(sh("seq 1 4000000 | head -c 25165824 | dd of='%s' bs=512 seek=20480 conv=notrunc status=none",
                        path("gz.img")),
                     0);
    assert_int_equal(sh("gzip -c -6 '%s' > '%s'", path("gz.img"), path("gz.img.gz")), 0);
    compare_gzip(path("gz.img"), path("gz.img.gz"), 2048 * 512, 300, 3 << 20);
    /* the Linux partition through @2 is not NTFS... */
    cli_image *img;
    char err[256], spec[600];
    snprintf(spec, sizeof spec, "%s@2", path("gz.img.gz"));
    assert_int_equal(cli_image_open(spec, &img, err, sizeof err), -1);
    assert_non_null(strstr(err, "not an NTFS volume"));
    /* ...but every byte of the disk reads the same through the volume of @1 */
    size_t vlen;
    uint8_t *vol = slurp(path("vol.img"), &vlen);
    assert_int_equal(cli_image_open(path("gz.img.gz"), &img, err, sizeof err), 0);
    uint8_t *buf = malloc(vlen);
    assert_int_equal(cli_image_read(img, 0, buf, vlen), 0);
    assert_memory_equal(buf, vol, vlen);
    free(buf);
    free(vol);
    cli_image_close(img);
    /* a bare gzip'd volume: size from the boot sector */
    assert_int_equal(sh("gzip -c '%s' > '%s'", path("vol.img"), path("vol.img.gz")), 0);
    assert_int_equal(cli_image_open(path("vol.img.gz"), &img, err, sizeof err), 0);
    assert_int_equal(cli_image_volume_size(img), 8 << 20);
    cli_image_close(img);
    compare_gzip(path("vol.img"), path("vol.img.gz"), 0, 100, 1 << 16);
    /* two concatenated gzip members read as one stream */
    assert_int_equal(sh("head -c 3000000 '%s' | gzip -c > '%s' && tail -c +3000001 '%s' | gzip -c >> '%s'",
                        path("vol.img"), path("cat.img.gz"), path("vol.img"), path("cat.img.gz")),
                     0);
    compare_gzip(path("vol.img"), path("cat.img.gz"), 0, 100, 1 << 20);
    /* truncated: opening may work, but reads past the cut fail cleanly */
    assert_int_equal(sh("head -c 20000 '%s' > '%s'", path("gz.img.gz"), path("cut.img.gz")), 0);
    if (cli_image_open(path("cut.img.gz"), &img, err, sizeof err) == 0) {
        uint8_t b[512];
        assert_int_equal(cli_image_read(img, 6 << 20, b, sizeof b), -1);
        cli_image_close(img);
    }
}

/* More than CLI_IMAGE_GZ_MAX_POINTS checkpoints (the test builds the layer
 * with a limit of 16): the index thins itself and still reads correctly.
 * 96 MiB, mostly zeros, with text markers every 7 MiB. */
static void test_gzip_thinning(void **state)
{
    (void)state;
    need_tools();
    assert_true(CLI_IMAGE_GZ_MAX_POINTS <= 32);
    const char *p = path("big.img");
    make_disk("big.img", 96 * 2048, "label: dos\\nstart=2048, type=7\\n", 2048);
    for (int i = 12; i < 96; i += 7)
        assert_int_equal(sh("seq %d 999999 | head -c 600000 | dd of='%s' bs=1M seek=%d conv=notrunc status=none",
                            i, p, i),
                         0);
    assert_int_equal(sh("gzip -1 -c '%s' > '%s.gz'", p, p), 0);
    char gz[600];
    snprintf(gz, sizeof gz, "%s.gz", p);
    compare_gzip(p, gz, 2048 * 512, 200, 1 << 20);
    sh("rm -f '%s' '%s'", p, gz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bare_volume),     cmocka_unit_test(test_mbr_logical),
        cmocka_unit_test(test_gpt),             cmocka_unit_test(test_gpt_4k_sectors),
        cmocka_unit_test(test_damaged_mbr),     cmocka_unit_test(test_open_ex),
        cmocka_unit_test(test_gzip_random_access), cmocka_unit_test(test_gzip_thinning),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
