/* boot_config.c - see boot_config.h. */
#include "boot_config.h"

#include "ntcore/mem.h"

#define CONFIG_MAX 8192

static const EFI_GUID sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;

static void set(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    while (src[n] && n + 1 < cap) {
        dst[n] = src[n];
        n++;
    }
    dst[n] = '\0';
}

void boot_config_defaults(boot_config *c)
{
    nt_memset(c, 0, sizeof *c);
    set(c->hive, sizeof c->hive, "\\Windows\\System32\\config\\SYSTEM");
    set(c->key, sizeof c->key, "CurrentControlSet\\Control\\ComputerName\\ComputerName");
    set(c->value, sizeof c->value, "ComputerName");
    c->heap_mib = 64;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

static bool name_is(const char *s, size_t n, const char *lit)
{
    size_t i = 0;
    for (; i < n && lit[i]; i++)
        if (s[i] != lit[i])
            return false;
    return i == n && lit[i] == '\0';
}

/* Copies s[0..n) into dst (cap bytes) with a NUL; false when too long. */
static bool take(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        return false;
    nt_memcpy(dst, s, n);
    dst[n] = '\0';
    return true;
}

static bool parse_line(boot_config *c, const char *s, size_t n)
{
    while (n && is_space(*s))
        s++, n--;
    while (n && is_space(s[n - 1]))
        n--;
    if (n == 0 || *s == '#')
        return true;
    size_t eq = 0;
    while (eq < n && s[eq] != '=')
        eq++;
    if (eq == n)
        return false;
    size_t name_len = eq, vs = eq + 1;
    while (name_len && is_space(s[name_len - 1]))
        name_len--;
    while (vs < n && is_space(s[vs]))
        vs++;
    const char *val = s + vs;
    size_t val_len = n - vs;

    if (name_is(s, name_len, "hive"))
        return take(c->hive, sizeof c->hive, val, val_len);
    if (name_is(s, name_len, "key"))
        return take(c->key, sizeof c->key, val, val_len);
    if (name_is(s, name_len, "value"))
        return take(c->value, sizeof c->value, val, val_len);
    if (name_is(s, name_len, "heap")) {
        uint32_t mib = 0;
        if (val_len == 0 || val_len > 4)
            return false;
        for (size_t i = 0; i < val_len; i++) {
            if (val[i] < '0' || val[i] > '9')
                return false;
            mib = mib * 10 + (uint32_t)(val[i] - '0');
        }
        if (mib < 1 || mib > 2048)
            return false;
        c->heap_mib = mib;
        return true;
    }
    return false;
}

bool boot_config_parse(boot_config *c, const char *text, size_t len, unsigned *line)
{
    size_t start = 0;
    unsigned no = 1;

    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == '\n') {
            if (!parse_line(c, text + start, i - start)) {
                *line = no;
                return false;
            }
            start = i + 1;
            no++;
        }
    }
    return true;
}

EFI_STATUS boot_config_load(boot_config *c, EFI_BOOT_SERVICES *bs, EFI_HANDLE device, unsigned *line)
{
    EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *sfs;
    EFI_FILE_PROTOCOL *root, *file;
    char text[CONFIG_MAX + 1];
    uint64_t size = sizeof text; /* one byte more than allowed: detects big files */
    EFI_STATUS st;

    boot_config_defaults(c);
    if (EFI_ERROR(bs->HandleProtocol(device, &sfs_guid, (void **)&sfs)))
        return EFI_SUCCESS; /* not loaded from a file system: defaults */
    st = sfs->OpenVolume(sfs, &root);
    if (EFI_ERROR(st))
        return st;
    st = root->Open(root, &file, BOOT_CONFIG_FILE, EFI_FILE_MODE_READ, 0);
    if (EFI_ERROR(st)) {
        root->Close(root);
        return EFI_SUCCESS; /* no config file: defaults */
    }
    st = file->Read(file, &size, text);
    file->Close(file);
    root->Close(root);
    if (EFI_ERROR(st))
        return st;
    if (size > CONFIG_MAX)
        return EFI_BUFFER_TOO_SMALL;
    c->from_file = true;
    if (!boot_config_parse(c, text, (size_t)size, line))
        return BOOT_CONFIG_SYNTAX;
    return EFI_SUCCESS;
}
