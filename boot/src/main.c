/* main.c - ntkit's UEFI application: read a registry value out of a
 * Windows volume before any OS runs, as a bootloader would.
 *
 * 1. Finds the Windows volume among the firmware's EFI_BLOCK_IO_PROTOCOL
 *    handles: the first NTFS volume (a whole disk or a GPT partition) that
 *    holds the hive file, skipping the ESP the application was loaded from
 *    and NTFS volumes without it (recovery, data).
 * 2. Mounts it with libntfs, reading through BlockIo (blockio_volume.c),
 *    with libntcore's chunk allocator over AllocatePages memory as the only
 *    heap.
 * 3. Reads the hive file (\Windows\System32\config\SYSTEM by default) into
 *    that heap, opens it with libnthive, resolves CurrentControlSet through
 *    Select\Current and prints the value named in \ntkit-boot.cfg
 *    (boot_config.h), with the heap's peak use and the time taken.
 * 4. Prints "NTKIT-BOOT: PASS" or "NTKIT-BOOT: FAIL: <why>" and powers the
 *    machine off with ResetSystem(EfiResetShutdown), so that a test never
 *    waits for a timeout.
 *
 * Every report line starts with "NTKIT-BOOT: " so that the test can pick
 * them out of the firmware's own serial output. */
#include <stddef.h>
#include <stdint.h>

#include "blockio_volume.h"
#include "boot_config.h"
#include "console.h"
#include "efi.h"
#include "format.h"
#include "ntcore/chunk_alloc.h"
#include "ntcore/mem.h"
#include "ntfs.h"
#include "nthive.h"

#define TAG "NTKIT-BOOT: "
#define PAGE 4096u
#define BOUNCE_BYTES (256u * 1024u)
/* 64-byte chunks: a 64 MiB heap needs a 128 KiB bitmap. */
#define CHUNK_SIZE 64u

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

static const EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static const EFI_GUID block_io_guid = EFI_BLOCK_IO_PROTOCOL_GUID;

/* The application's context: one instance, on efi_main's stack. */
typedef struct app {
    EFI_SYSTEM_TABLE *st;
    EFI_BOOT_SERVICES *bs;
    boot_config cfg;
    nt_chunk_heap heap;
    nt_allocator alloc;
    size_t heap_bytes;
    uint8_t *bounce;
    uint64_t tsc_per_ms;
    uint64_t t_start;
} app;

/* ---- small helpers ------------------------------------------------------ */

static size_t str_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static uint64_t now_tsc(void)
{
    return __builtin_readcyclecounter();
}

/* Microseconds between two TSC readings (no overflow for hours of TSC). */
static uint64_t us_between(const app *a, uint64_t t0, uint64_t t1)
{
    uint64_t d = t1 - t0;
    return d / a->tsc_per_ms * 1000 + d % a->tsc_per_ms * 1000 / a->tsc_per_ms;
}

/* The TSC rate from a 20 ms firmware stall; only used for reporting. */
static void calibrate_clock(app *a)
{
    uint64_t t0 = now_tsc();
    a->bs->Stall(20000);
    uint64_t ticks = now_tsc() - t0;
    a->tsc_per_ms = ticks / 20 ? ticks / 20 : 1;
}

__attribute__((noreturn)) static void power_off(app *a)
{
    a->st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
    for (;;)
        __asm__ volatile("hlt");
}

__attribute__((noreturn, format(printf, 2, 3))) static void fail(app *a, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    fmt_vformat(line, sizeof line, fmt, ap);
    va_end(ap);
    con_printf(TAG "FAIL: %s\n", line);
    power_off(a);
}

/* Fails with a library status and, when it has one, the diagnostic: the
 * byte offset (on the volume or in the hive file), the MFT record and the
 * rule that was broken. */
__attribute__((noreturn)) static void fail_status(app *a, const char *what, int status, const nt_diag *d)
{
    char where[256] = "";

    if (d && d->status != NT_OK) {
        size_t n = 0;
        if (d->offset != NT_DIAG_NO_OFFSET)
            n += fmt_format(where + n, sizeof where - n, " at offset 0x%llx", (unsigned long long)d->offset);
        if (d->record != NT_DIAG_NO_RECORD)
            n += fmt_format(where + n, sizeof where - n, " (MFT record %llu)", (unsigned long long)d->record);
        if (d->rule)
            fmt_format(where + n, sizeof where - n, ": %s", d->rule);
    }
    if (status == NT_ERR_NOMEM)
        fail(a, "%s: %s%s (the heap holds %u MiB: raise heap= in ntkit-boot.cfg)", what, nt_strerror(status),
             where, a->cfg.heap_mib);
    fail(a, "%s: %s%s", what, nt_strerror(status), where);
}

/* Prints UTF-8 text with every code point outside printable ASCII, and the
 * backslash, written as \u{HEX}: the serial console is ASCII-only and the
 * test applies the same escaping to the oracle's answer. */
static void print_escaped(const char *s, size_t n)
{
    char out[256];
    size_t o = 0;

    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp = c;
        size_t len = 1;
        if (c >= 0xC0 && c < 0xE0 && i + 1 < n)
            cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu), len = 2;
        else if (c >= 0xE0 && c < 0xF0 && i + 2 < n)
            cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu), len = 3;
        else if (c >= 0xF0 && i + 3 < n)
            cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) |
                 (s[i + 3] & 0x3Fu),
            len = 4;
        i += len;
        if (o > sizeof out - 16) {
            con_write(out, o);
            o = 0;
        }
        if (cp >= 0x20 && cp < 0x7F && cp != '\\')
            out[o++] = (char)cp;
        else
            o += fmt_format(out + o, sizeof out - o, "\\u{%x}", (unsigned)cp);
    }
    con_write(out, o);
}

/* ---- heap --------------------------------------------------------------- */

/* Takes heap_mib MiB plus the chunk bitmap from AllocatePages and sets the
 * chunk allocator up over it: the parsers' only memory. */
static void heap_setup(app *a)
{
    size_t heap_bytes = (size_t)a->cfg.heap_mib << 20;
    size_t map_bytes = nt_chunk_bitmap_bytes(heap_bytes, CHUNK_SIZE);
    size_t map_pages = (map_bytes + PAGE - 1) / PAGE;
    EFI_PHYSICAL_ADDRESS mem = 0;
    EFI_STATUS st =
        a->bs->AllocatePages(AllocateAnyPages, EfiLoaderData, heap_bytes / PAGE + map_pages, &mem);

    if (EFI_ERROR(st))
        fail(a, "AllocatePages for a %u MiB heap: EFI status 0x%llx", a->cfg.heap_mib,
             (unsigned long long)st);
    uint8_t *base = (uint8_t *)(uintptr_t)mem;
    int rc = nt_chunk_init(&a->heap, base, heap_bytes, base + heap_bytes, map_pages * PAGE, CHUNK_SIZE);
    if (rc != NT_OK)
        fail_status(a, "nt_chunk_init", rc, NULL);
    a->alloc = nt_chunk_allocator(&a->heap);
    a->heap_bytes = heap_bytes;

    mem = 0;
    st = a->bs->AllocatePages(AllocateAnyPages, EfiLoaderData, BOUNCE_BYTES / PAGE, &mem);
    if (EFI_ERROR(st))
        fail(a, "AllocatePages for the bounce buffer: EFI status 0x%llx", (unsigned long long)st);
    a->bounce = (uint8_t *)(uintptr_t)mem;
}

/* ---- the hive ----------------------------------------------------------- */

/* Resolves a leading "CurrentControlSet" component through Select\Current
 * into `out` (cap bytes), as the Windows loader does; other paths are
 * copied unchanged. */
static void resolve_key_path(app *a, nthive *h, const nthive_key *root, const char *path, char *out,
                             size_t cap)
{
    static const char ccs[] = "CurrentControlSet";
    const size_t ccs_len = sizeof ccs - 1;
    size_t n = str_len(path);
    bool match = n >= ccs_len && (n == ccs_len || path[ccs_len] == '\\' || path[ccs_len] == '/');

    for (size_t i = 0; match && i < ccs_len; i++) {
        char c = path[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        char d = ccs[i] >= 'a' && ccs[i] <= 'z' ? (char)(ccs[i] - 'a' + 'A') : ccs[i];
        match = c == d;
    }
    if (!match) {
        fmt_format(out, cap, "%s", path);
        return;
    }

    nthive_key select;
    nthive_value current;
    const uint8_t *data;
    size_t len;
    uint32_t set;
    int rc = nthive_key_open(root, "Select", 6, &select);
    if (rc != NT_OK)
        fail_status(a, "key Select", rc, nthive_diag(h));
    rc = nthive_key_value(&select, "Current", 7, &current);
    if (rc != NT_OK)
        fail_status(a, "value Select\\Current", rc, nthive_diag(h));
    rc = nthive_value_data(&current, &data, &len);
    if (rc == NT_OK)
        rc = nthive_decode_dword(data, len, &set);
    if (rc != NT_OK)
        fail_status(a, "value Select\\Current", rc, nthive_diag(h));
    if (set == 0 || set > 999)
        fail(a, "Select\\Current is %u: no such control set", set);
    con_printf(TAG "Select\\Current = %u\n", set);
    fmt_format(out, cap, "ControlSet%03u%s", set, path + ccs_len);
}

/* Prints the value's data decoded by its type, as `ntkit hive get` does. */
static void print_value(app *a, uint32_t type, const uint8_t *d, size_t n)
{
    uint32_t u32;
    uint64_t u64;

    switch (type) {
    case NTHIVE_REG_SZ:
    case NTHIVE_REG_EXPAND_SZ:
    case NTHIVE_REG_LINK: {
        size_t need = 0;
        nthive_string_to_utf8(d, n, NULL, 0, &need);
        char *s = nt_alloc(&a->alloc, need + 1, 1);
        if (!s)
            fail_status(a, "value text", NT_ERR_NOMEM, NULL);
        nthive_string_to_utf8(d, n, s, need + 1, &need);
        con_printf(TAG "value = ");
        print_escaped(s, need);
        con_printf("\n");
        nt_free(&a->alloc, s, need + 1, 1);
        return;
    }
    case NTHIVE_REG_DWORD:
        if (nthive_decode_dword(d, n, &u32) == NT_OK) {
            con_printf(TAG "value = %u (0x%08x)\n", u32, u32);
            return;
        }
        break;
    case NTHIVE_REG_DWORD_BIG_ENDIAN:
        if (nthive_decode_dword_be(d, n, &u32) == NT_OK) {
            con_printf(TAG "value = %u (0x%08x)\n", u32, u32);
            return;
        }
        break;
    case NTHIVE_REG_QWORD:
        if (nthive_decode_qword(d, n, &u64) == NT_OK) {
            con_printf(TAG "value = %llu (0x%016llx)\n", (unsigned long long)u64, (unsigned long long)u64);
            return;
        }
        break;
    default:
        break;
    }
    /* Anything else: hex, the first 64 bytes. */
    con_printf(TAG "value = hex:");
    for (size_t i = 0; i < n && i < 64; i++)
        con_printf("%02x", d[i]);
    con_printf(n > 64 ? "...\n" : "\n");
}

/* Opens the hive held in buf and prints the configured value. */
static void lookup_value(app *a, const uint8_t *buf, size_t size)
{
    nthive h;
    nthive_key root, key;
    nthive_value val;
    char path[1100];

    int rc = nthive_open(&h, buf, size);
    if (rc != NT_OK)
        fail_status(a, "nthive_open", rc, nthive_diag(&h));
    rc = nthive_root(&h, &root);
    if (rc != NT_OK)
        fail_status(a, "root key", rc, nthive_diag(&h));
    resolve_key_path(a, &h, &root, a->cfg.key, path, sizeof path);
    con_printf(TAG "key = %s\n", path);
    rc = nthive_key_open(&root, path, str_len(path), &key);
    if (rc != NT_OK)
        fail_status(a, "key", rc, nthive_diag(&h));
    rc = nthive_key_value(&key, a->cfg.value, str_len(a->cfg.value), &val);
    if (rc != NT_OK)
        fail_status(a, "value", rc, nthive_diag(&h));

    size_t len = nthive_value_data_size(&val);
    uint8_t *data = nt_alloc(&a->alloc, len ? len : 1, 8);
    if (!data)
        fail_status(a, "value data", NT_ERR_NOMEM, NULL);
    rc = nthive_value_read(&val, data, len ? len : 1, &len);
    if (rc != NT_OK)
        fail_status(a, "value data", rc, nthive_diag(&h));
    con_printf(TAG "type = %u, %llu bytes\n", nthive_value_type(&val), (unsigned long long)len);
    print_value(a, nthive_value_type(&val), data, len);
    nt_free(&a->alloc, data, nthive_value_data_size(&val) ? nthive_value_data_size(&val) : 1, 8);
}

/* ---- the volume --------------------------------------------------------- */

/* Mounts the NTFS volume on `vol`, reads the hive into the heap, looks the
 * value up and reports. Returns true on success, false (after unmounting)
 * when the volume has no file at the hive path - a recovery or data
 * partition: the caller tries the next volume. Any other error fails. */
static bool read_from_volume(app *a, blockio_volume *vol)
{
    ntfs_config nc;
    ntfs_volume *v = NULL;
    ntfs_file *f = NULL;
    ntfs_stream *s = NULL;
    ntfs_volume_info info;
    nt_diag diag;
    nt_chunk_stats stats;

    nt_memset(&nc, 0, sizeof nc);
    nc.ctx = vol;
    nc.read = blockio_volume_read;
    nc.allocator = a->alloc;
    nc.volume_size = vol->size;

    uint64_t t0 = now_tsc();
    nt_diag_clear(&diag);
    int rc = ntfs_mount(&nc, &v, &diag);
    if (rc != NT_OK)
        fail_status(a, "ntfs_mount", rc, &diag);
    rc = ntfs_volume_get_info(v, false, &info);
    if (rc != NT_OK)
        fail_status(a, "ntfs_volume_get_info", rc, ntfs_diag(v));
    uint64_t t_mount = now_tsc();
    con_printf(TAG "mounted NTFS %u.%u, label '%s', cluster %u, MFT record %u bytes\n", info.major,
               info.minor, info.label, info.cluster_size, info.mft_record_size);

    rc = ntfs_open_path(v, a->cfg.hive, &f);
    if (rc == NT_ERR_NOT_FOUND) {
        con_printf(TAG "no %s on this volume, trying the next one\n", a->cfg.hive);
        ntfs_unmount(v);
        nt_chunk_get_stats(&a->heap, &stats);
        if (stats.used != 0)
            fail(a, "libntfs left %llu bytes allocated after ntfs_unmount", (unsigned long long)stats.used);
        return false;
    }
    if (rc != NT_OK)
        fail_status(a, a->cfg.hive, rc, ntfs_diag(v));
    rc = ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s);
    if (rc != NT_OK)
        fail_status(a, a->cfg.hive, rc, ntfs_diag(v));
    uint64_t size = ntfs_stream_size(s);
    if (size > a->heap_bytes)
        fail(a, "%s is %llu bytes, larger than the %u MiB heap: raise heap= in ntkit-boot.cfg", a->cfg.hive,
             (unsigned long long)size, a->cfg.heap_mib);
    nt_chunk_get_stats(&a->heap, &stats);
    size_t ntfs_used = stats.used;

    uint8_t *buf = nt_alloc(&a->alloc, (size_t)size, PAGE);
    if (!buf)
        fail_status(a, "buffer for the hive", NT_ERR_NOMEM, NULL);
    /* Bounded: each pass either advances or fails. */
    for (uint64_t off = 0; off < size;) {
        size_t got = 0;
        rc = ntfs_stream_read(s, off, buf + off, (size_t)(size - off), &got);
        if (rc != NT_OK)
            fail_status(a, a->cfg.hive, rc, ntfs_diag(v));
        if (got == 0)
            fail(a, "%s: read stopped at byte %llu of %llu", a->cfg.hive, (unsigned long long)off,
                 (unsigned long long)size);
        off += got;
    }
    uint64_t t_read = now_tsc();
    con_printf(TAG "read %s: %llu bytes (%llu BlockIo reads, %llu callbacks)\n", a->cfg.hive,
               (unsigned long long)size, (unsigned long long)vol->block_reads,
               (unsigned long long)vol->calls);
    ntfs_stream_close(s);
    ntfs_close(f);
    ntfs_unmount(v);

    lookup_value(a, buf, (size_t)size);
    uint64_t t_done = now_tsc();
    nt_free(&a->alloc, buf, (size_t)size, PAGE);

    nt_chunk_get_stats(&a->heap, &stats);
    con_printf(TAG "heap: peak %llu bytes of %llu (hive buffer %llu, libntfs with the file open %llu), "
                   "%llu bytes still in use, %llu bad frees\n",
               (unsigned long long)stats.peak, (unsigned long long)stats.capacity, (unsigned long long)size,
               (unsigned long long)ntfs_used, (unsigned long long)stats.used,
               (unsigned long long)stats.bad_frees);
    uint64_t us[4] = {us_between(a, t0, t_mount), us_between(a, t_mount, t_read),
                      us_between(a, t_read, t_done), us_between(a, a->t_start, t_done)};
    con_printf(TAG "time: mount %llu.%03llu ms, read hive %llu.%03llu ms, lookup %llu.%03llu ms, "
                   "total %llu.%03llu ms since start\n",
               (unsigned long long)(us[0] / 1000), (unsigned long long)(us[0] % 1000),
               (unsigned long long)(us[1] / 1000), (unsigned long long)(us[1] % 1000),
               (unsigned long long)(us[2] / 1000), (unsigned long long)(us[2] % 1000),
               (unsigned long long)(us[3] / 1000), (unsigned long long)(us[3] % 1000));
    if (stats.used != 0 || stats.bad_frees != 0)
        fail(a, "the parsers left %llu bytes allocated / %llu bad frees", (unsigned long long)stats.used,
             (unsigned long long)stats.bad_frees);
    return true;
}

/* True when the first sector of `vol` is an NTFS boot sector (OEM ID). */
static bool looks_like_ntfs(blockio_volume *vol)
{
    uint8_t sector[512];
    static const char oem[8] = {'N', 'T', 'F', 'S', ' ', ' ', ' ', ' '};

    if (vol->size < sizeof sector || blockio_volume_read(vol, 0, sector, sizeof sector) != 0)
        return false;
    return nt_memcmp(sector + 3, oem, sizeof oem) == 0;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    app a;
    EFI_LOADED_IMAGE_PROTOCOL *li;
    EFI_HANDLE *handles = NULL;
    uint64_t count = 0;
    unsigned bad_line = 0, ntfs_volumes = 0;

    nt_memset(&a, 0, sizeof a);
    a.st = st;
    a.bs = st->BootServices;
    a.t_start = now_tsc();
    con_init(st);
    /* The firmware's 5-minute watchdog would reset a slow emulated run. */
    a.bs->SetWatchdogTimer(0, 0, 0, NULL);
    con_printf("\n" TAG "ntkit UEFI reader (libntfs + libnthive + libntcore, no libc)\n");

    if (EFI_ERROR(a.bs->HandleProtocol(image, &loaded_image_guid, (void **)&li)))
        fail(&a, "no EFI_LOADED_IMAGE_PROTOCOL on the image handle");
    EFI_STATUS est = boot_config_load(&a.cfg, a.bs, li->DeviceHandle, &bad_line);
    if (est == BOOT_CONFIG_SYNTAX)
        fail(&a, "ntkit-boot.cfg line %u: expected hive=, key=, value= or heap= (1..2048)", bad_line);
    if (EFI_ERROR(est))
        fail(&a, "reading ntkit-boot.cfg: EFI status 0x%llx", (unsigned long long)est);
    con_printf(TAG "config (%s): hive=%s key=%s value=%s heap=%u MiB\n",
               a.cfg.from_file ? "ntkit-boot.cfg" : "defaults", a.cfg.hive, a.cfg.key, a.cfg.value,
               a.cfg.heap_mib);

    calibrate_clock(&a);
    heap_setup(&a);

    if (EFI_ERROR(a.bs->LocateHandleBuffer(ByProtocol, &block_io_guid, NULL, &count, &handles)))
        fail(&a, "no EFI_BLOCK_IO_PROTOCOL handles");
    con_printf(TAG "%llu BlockIo handles\n", (unsigned long long)count);
    for (uint64_t i = 0; i < count; i++) {
        EFI_BLOCK_IO_PROTOCOL *bio;
        blockio_volume vol;

        if (EFI_ERROR(a.bs->HandleProtocol(handles[i], &block_io_guid, (void **)&bio)))
            continue;
        const EFI_BLOCK_IO_MEDIA *m = bio->Media;
        con_printf(TAG "handle %llu: %s, %llu blocks of %u bytes", (unsigned long long)i,
                   m->LogicalPartition ? "partition" : "disk", (unsigned long long)(m->LastBlock + 1),
                   m->BlockSize);
        if (handles[i] == li->DeviceHandle) {
            con_printf(": the ESP we booted from, skipped\n");
            continue;
        }
        if (!blockio_volume_init(&vol, bio, a.bounce, BOUNCE_BYTES)) {
            con_printf(": no usable media, skipped\n");
            continue;
        }
        if (!looks_like_ntfs(&vol)) {
            con_printf(": not NTFS\n");
            continue;
        }
        con_printf(": NTFS boot sector\n");
        ntfs_volumes++;
        if (read_from_volume(&a, &vol)) {
            a.bs->FreePool(handles);
            con_printf(TAG "PASS\n");
            power_off(&a);
        }
    }
    if (ntfs_volumes)
        fail(&a, "none of the %u NTFS volumes has %s", ntfs_volumes, a.cfg.hive);
    fail(&a, "no NTFS volume found on %llu BlockIo handles", (unsigned long long)count);
}
