/* `ntkit hive get`: one value, decoded by its type. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hive_cli.h"

static void hexdump(const uint8_t *p, size_t n)
{
    for (size_t off = 0; off < n; off += 16) {
        size_t k, m = n - off < 16 ? n - off : 16;
        printf("%08zx ", off);
        for (k = 0; k < 16; k++) {
            if (k == 8)
                putchar(' ');
            if (k < m)
                printf(" %02x", p[off + k]);
            else
                fputs("   ", stdout);
        }
        fputs("  |", stdout);
        for (k = 0; k < m; k++)
            putchar(p[off + k] >= 0x20 && p[off + k] < 0x7F ? p[off + k] : '.');
        puts("|");
    }
}

/* UTF-16LE string (`units` code units) to malloc'd UTF-8; *len its length. */
static char *utf16_dup(const uint8_t *s, size_t units, size_t *len)
{
    size_t need = 0;
    char *buf;
    nthive_string_to_utf8(s, 2 * units, NULL, 0, &need);
    buf = malloc(need + 1);
    if (!buf)
        abort();
    nthive_string_to_utf8(s, 2 * units, buf, need + 1, len);
    return buf;
}

static void print_utf16(const uint8_t *s, size_t units)
{
    size_t len;
    char *buf = utf16_dup(s, units, &len);
    fwrite(buf, 1, len, stdout);
    putchar('\n');
    free(buf);
}

static void print_value(uint32_t type, const uint8_t *d, size_t n)
{
    uint32_t u32;
    uint64_t u64;

    switch (type) {
    case NTHIVE_REG_SZ:
    case NTHIVE_REG_EXPAND_SZ:
    case NTHIVE_REG_LINK:
        print_utf16(d, nthive_string_units(d, n));
        return;
    case NTHIVE_REG_MULTI_SZ: {
        nthive_multi_sz it;
        const uint8_t *s;
        size_t units;
        nthive_multi_sz_init(&it, d, n);
        while (nthive_multi_sz_next(&it, &s, &units) == NT_OK)
            print_utf16(s, units);
        return;
    }
    case NTHIVE_REG_DWORD:
        if (nthive_decode_dword(d, n, &u32) == NT_OK) {
            printf("%u (0x%08x)\n", u32, u32);
            return;
        }
        break;
    case NTHIVE_REG_DWORD_BIG_ENDIAN:
        if (nthive_decode_dword_be(d, n, &u32) == NT_OK) {
            printf("%u (0x%08x)\n", u32, u32);
            return;
        }
        break;
    case NTHIVE_REG_QWORD:
        if (nthive_decode_qword(d, n, &u64) == NT_OK) {
            printf("%llu (0x%016llx)\n", (unsigned long long)u64, (unsigned long long)u64);
            return;
        }
        break;
    default:
        break;
    }
    hexdump(d, n);
}

static void json_utf16(const uint8_t *s, size_t units)
{
    size_t len;
    char *buf = utf16_dup(s, units, &len);
    hive_json_string(stdout, buf, len);
    free(buf);
}

/* One object: where the value is, its raw data as in the jsonl export, and
 * the decoded form where the type has one. */
static void print_json(const char *key, size_t key_len, const nthive_value *v, const uint8_t *d, size_t n)
{
    uint32_t type = nthive_value_type(v), u32;
    uint64_t u64;
    nthive_name nm;
    size_t nlen;
    char *name;

    nthive_value_name(v, &nm);
    name = hive_name_dup(&nm, &nlen);
    fputs("{\"key\": ", stdout);
    hive_json_string(stdout, key, key_len);
    fputs(", \"value\": ", stdout);
    hive_json_string(stdout, name, nlen);
    printf(", \"type\": %u, \"size\": %zu, \"data\": \"", type, n);
    for (size_t i = 0; i < n; i++)
        printf("%02x", d[i]);
    putchar('"');
    switch (type) {
    case NTHIVE_REG_SZ:
    case NTHIVE_REG_EXPAND_SZ:
    case NTHIVE_REG_LINK:
        fputs(", \"text\": ", stdout);
        json_utf16(d, nthive_string_units(d, n));
        break;
    case NTHIVE_REG_MULTI_SZ: {
        nthive_multi_sz it;
        const uint8_t *s;
        size_t units;
        bool first = true;
        fputs(", \"strings\": [", stdout);
        nthive_multi_sz_init(&it, d, n);
        while (nthive_multi_sz_next(&it, &s, &units) == NT_OK) {
            if (!first)
                fputs(", ", stdout);
            json_utf16(s, units);
            first = false;
        }
        putchar(']');
        break;
    }
    case NTHIVE_REG_DWORD:
        if (nthive_decode_dword(d, n, &u32) == NT_OK)
            printf(", \"number\": %u", u32);
        break;
    case NTHIVE_REG_DWORD_BIG_ENDIAN:
        if (nthive_decode_dword_be(d, n, &u32) == NT_OK)
            printf(", \"number\": %u", u32);
        break;
    case NTHIVE_REG_QWORD:
        if (nthive_decode_qword(d, n, &u64) == NT_OK)
            printf(", \"number\": %llu", (unsigned long long)u64);
        break;
    default:
        break;
    }
    puts("}");
    free(name);
}

static void get_help(void)
{
    puts("usage: ntkit hive get [--raw] [--type] [--json] [--heap SIZE] [--log FILE]...\n"
         "                      [--no-logs] HIVE KEY [VALUE]\n"
         "\n"
         "Prints the data of VALUE in KEY (no VALUE: the key's default value),\n"
         "decoded by type: strings as UTF-8 text, REG_MULTI_SZ one string per line,\n"
         "REG_DWORD / REG_DWORD_BIG_ENDIAN / REG_QWORD in decimal and hex, anything\n"
         "else (or a number of the wrong size) as a hex dump.\n"
         "  --raw    write the data bytes unchanged\n"
         "  --type   print the type name on stderr first\n"
         "  --json   one object: {\"key\": PATH, \"value\": NAME, \"type\": N, \"size\": N,\n"
         "           \"data\": HEX} plus \"text\" (REG_SZ, REG_EXPAND_SZ, REG_LINK),\n"
         "           \"strings\" (REG_MULTI_SZ) or \"number\" (DWORD, QWORD)\n"
         "HIVE may be IMAGE::PATH, a hive inside an NTFS image; a dirty hive is read\n"
         "with its transaction logs applied unless --no-logs.\n"
         "\n"
         "examples:\n"
         "  ntkit hive get SYSTEM Select Current\n"
         "  ntkit hive get disk.img::/Windows/System32/config/SYSTEM Select Current\n"
         "  ntkit hive get SYSTEM 'ControlSet001\\Services\\Tcpip' ImagePath\n"
         "  ntkit hive get --json SOFTWARE 'Microsoft\\Windows NT\\CurrentVersion' ProductName\n"
         "  ntkit hive get --raw SAM 'SAM\\Domains\\Account' F > F.bin");
}

int hive_cmd_get(int argc, char **argv)
{
    const char *args[3] = {NULL, NULL, NULL};
    int nargs = 0, rc, r;
    bool raw = false, show_type = false, json = false;
    hive_opts o = {0};
    hive_file f;
    nthive_key key;
    nthive_value v;
    char *canon;
    size_t canon_len, n;
    uint8_t *data;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int k = hive_parse_common_opt("get", argc, argv, &i, &o, NULL);
        if (k < 0)
            return EXIT_NTKIT_USAGE;
        if (k > 0)
            continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            get_help();
            return EXIT_NTKIT_OK;
        } else if (!strcmp(a, "--raw")) {
            raw = true;
        } else if (!strcmp(a, "--type")) {
            show_type = true;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (a[0] == '-' && a[1] == '-' && a[2]) {
            fprintf(stderr, "ntkit: hive get: unknown option '%s'\n", a);
            return EXIT_NTKIT_USAGE;
        } else if (nargs < 3) {
            args[nargs++] = a;
        } else {
            fprintf(stderr, "ntkit: hive get: too many arguments\n");
            return EXIT_NTKIT_USAGE;
        }
    }
    if (nargs < 2) {
        fprintf(stderr, "usage: ntkit hive get [--raw] HIVE KEY [VALUE]\n");
        return EXIT_NTKIT_USAGE;
    }
    if (raw && json) {
        fprintf(stderr, "ntkit: hive get: --raw and --json exclude each other\n");
        return EXIT_NTKIT_USAGE;
    }
    rc = hive_open_subtree(&f, args[0], &o, args[1], &key, &canon, &canon_len);
    if (rc)
        return rc;
    r = nthive_key_value(&key, args[2] ? args[2] : "", args[2] ? strlen(args[2]) : 0, &v);
    if (r == NT_ERR_NOT_FOUND || r == NT_ERR_INVALID) {
        if (args[2])
            fprintf(stderr, "ntkit: %s: no value '%s' in key '%s'\n", args[0], args[2], args[1]);
        else
            fprintf(stderr, "ntkit: %s: key '%s' has no default value\n", args[0], args[1]);
        free(canon);
        hive_file_close(&f);
        return EXIT_NTKIT_NOT_FOUND;
    }
    if (r == NT_OK)
        r = hive_value_bytes(&v, &data, &n);
    if (r) {
        hive_report(&f);
        free(canon);
        hive_file_close(&f);
        return hive_exit_code(r);
    }
    if (show_type) {
        const char *tn = hive_type_name(nthive_value_type(&v));
        if (tn)
            fprintf(stderr, "%s\n", tn);
        else
            fprintf(stderr, "type(%u)\n", nthive_value_type(&v));
    }
    if (raw)
        fwrite(data, 1, n, stdout);
    else if (json)
        print_json(canon, canon_len, &v, data, n);
    else
        print_value(nthive_value_type(&v), data, n);
    free(data);
    free(canon);
    hive_file_close(&f);
    return fflush(stdout) ? EXIT_NTKIT_IO : EXIT_NTKIT_OK;
}
