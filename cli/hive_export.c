/* `ntkit hive export`: the whole tree (or a subtree) as JSON lines or as a
 * regedit .reg file. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hive_cli.h"

typedef struct export_ctx {
    bool reg;
    const char *prefix;
    hive_out out;       /* jsonl output */
    hive_out key_field; /* `{"key": "PATH"` of the current key */
    char *name;         /* value-name scratch (UTF-8) */
    size_t name_cap;
} export_ctx;

/* Checks that every piece of the data is readable before printing any. */
static int check_data(const nthive_value *v, size_t *total)
{
    nthive_data_iter it;
    const uint8_t *p;
    size_t n;
    int r = nthive_value_segments(v, &it);
    *total = 0;
    if (r)
        return r;
    while ((r = nthive_data_next(&it, &p, &n)) == NT_OK)
        *total += n;
    return r == NT_END ? NT_OK : r;
}

static void put_hex(const nthive_value *v, bool commas)
{
    static const char digits[] = "0123456789abcdef";
    nthive_data_iter it;
    const uint8_t *p;
    size_t n;
    bool first = true;
    nthive_value_segments(v, &it);
    while (nthive_data_next(&it, &p, &n) == NT_OK) {
        for (size_t i = 0; i < n; i++) {
            if (commas && !first)
                putchar(',');
            putchar(digits[p[i] >> 4]);
            putchar(digits[p[i] & 15]);
            first = false;
        }
    }
}

/* A .reg quoted string: backslash and quote escaped. */
static void reg_quoted(const char *s, size_t len)
{
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' || s[i] == '"')
            putchar('\\');
        putchar(s[i]);
    }
    putchar('"');
}

/* REG_SZ data that a .reg string reproduces exactly through
 * hivexregedit, which stores each byte of a quoted string as one UTF-16
 * unit: printable ASCII text, then one terminating NUL. Anything else is
 * written as hex(1). */
static char *plain_string(const uint8_t *d, size_t n, size_t *len)
{
    size_t units;
    char *s;
    if (n < 2 || n % 2 || d[n - 1] || d[n - 2])
        return NULL;
    units = n / 2 - 1;
    s = malloc(units + 1);
    if (!s)
        abort();
    for (size_t i = 0; i < units; i++) {
        if (d[2 * i + 1] || d[2 * i] < 0x20 || d[2 * i] > 0x7E) {
            free(s);
            return NULL;
        }
        s[i] = (char)d[2 * i];
    }
    s[units] = 0;
    *len = units;
    return s;
}

static void reg_value(const nthive_value *v, const char *name, size_t nlen, size_t size)
{
    uint32_t type = nthive_value_type(v);
    if (nlen)
        reg_quoted(name, nlen);
    else
        putchar('@');
    putchar('=');
    if (type == NTHIVE_REG_DWORD && size == 4) {
        const uint8_t *d;
        size_t n;
        if (nthive_value_data(v, &d, &n) == NT_OK && n == 4) {
            printf("dword:%08x\n", (unsigned)(d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24));
            return;
        }
    }
    if (type == NTHIVE_REG_SZ) {
        uint8_t *d;
        size_t n, slen;
        if (hive_value_bytes(v, &d, &n) == NT_OK) {
            char *s = plain_string(d, n, &slen);
            free(d);
            if (s) {
                reg_quoted(s, slen);
                putchar('\n');
                free(s);
                return;
            }
        }
    }
    if (type == NTHIVE_REG_BINARY)
        fputs("hex:", stdout);
    else
        printf("hex(%x):", type);
    put_hex(v, true);
    putchar('\n');
}

/* One value as a JSON line; c->key_field holds `{"key": "PATH"` already
 * escaped. The data is checked in full before anything is written. */
static int jsonl_value(hive_file *f, const nthive_value *v, void *vctx)
{
    export_ctx *c = vctx;
    hive_out *o = &c->out;
    nthive_data_iter it, check;
    nthive_name n;
    const uint8_t *p;
    size_t len, nlen;
    int r = nthive_value_segments(v, &it);

    if (!r && !it.single) {
        /* Big data: every segment must be readable before the line starts
         * (the iterator is plain data, so a copy walks them first). */
        check = it;
        while ((r = nthive_data_next(&check, &p, &len)) == NT_OK)
            ;
        r = r == NT_END ? NT_OK : r;
    }
    if (r) {
        hive_report(f);
        return 1;
    }
    nthive_value_name(v, &n);
    nlen = hive_name_scratch(&c->name, &c->name_cap, &n);
    hive_out_write(o, c->key_field.buf, c->key_field.len);
    HIVE_OUT_LIT(o, ", \"value\": \"");
    hive_out_json_body(o, c->name, nlen);
    HIVE_OUT_LIT(o, "\", \"type\": ");
    hive_out_uint(o, nthive_value_type(v));
    HIVE_OUT_LIT(o, ", \"data\": \"");
    while (nthive_data_next(&it, &p, &len) == NT_OK)
        hive_out_hex(o, p, len);
    HIVE_OUT_LIT(o, "\"}\n");
    return 0;
}

/* jsonl: the key line, then a line per value, all through the buffer. The
 * escaped `{"key": "PATH"` prefix is built once per key. */
static int export_key_jsonl(hive_file *f, const nthive_key *key, const char *path, size_t path_len,
                            export_ctx *c)
{
    hive_out *o = &c->out, *kf = &c->key_field;
    char ts[40];

    kf->len = 0;
    HIVE_OUT_LIT(kf, "{\"key\": \"");
    hive_out_json_body(kf, path, path_len);
    HIVE_OUT_LIT(kf, "\"");
    hive_out_write(o, kf->buf, kf->len);
    HIVE_OUT_LIT(o, ", \"last_written\": \"");
    hive_out_str(o, ts, hive_time_text(nthive_key_last_written(key), ts));
    HIVE_OUT_LIT(o, "\"}\n");
    return hive_each_value(f, key, jsonl_value, c);
}

/* One value as a .reg line; its data is checked in full first. */
static int reg_line(hive_file *f, const nthive_value *v, void *vctx)
{
    export_ctx *c = vctx;
    nthive_name n;
    size_t nlen, size;
    if (check_data(v, &size) != NT_OK) {
        hive_report(f);
        return 1;
    }
    nthive_value_name(v, &n);
    nlen = hive_name_scratch(&c->name, &c->name_cap, &n);
    reg_value(v, c->name, nlen, size);
    return 0;
}

static int export_key(hive_file *f, const nthive_key *key, const char *path, size_t path_len, uint32_t depth,
                      void *vctx)
{
    export_ctx *c = vctx;
    int bad;
    (void)depth;

    if (!c->reg)
        return export_key_jsonl(f, key, path, path_len, c);
    putchar('[');
    if (c->prefix) {
        fputs(c->prefix, stdout);
        if (path_len)
            putchar('\\');
    } else {
        putchar('\\');
    }
    fwrite(path, 1, path_len, stdout);
    fputs("]\n", stdout);
    bad = hive_each_value(f, key, reg_line, c);
    putchar('\n');
    return bad;
}

static void export_help(void)
{
    puts("usage: ntkit hive export [--format jsonl|reg] [--json] [--prefix P] [--depth N]\n"
         "                         [--heap SIZE] [--log FILE]... [--no-logs] HIVE [KEY]\n"
         "\n"
         "Writes KEY (default: the root) and everything below it, depth-first: each\n"
         "key, then its values in value-list order, then its subkeys in list order.\n"
         "  --format jsonl  (default; --json says the same) one JSON object per line:\n"
         "      {\"key\": PATH, \"last_written\": \"YYYY-MM-DDTHH:MM:SS.fffffffZ\"}\n"
         "      {\"key\": PATH, \"value\": NAME, \"type\": N, \"data\": \"HEX\"}\n"
         "    PATH is relative to the root (root = \"\"), NAME \"\" is the default value,\n"
         "    HEX the raw data bytes in lowercase.\n"
         "  --format reg    a regedit file (\"Windows Registry Editor Version 5.00\")\n"
         "    that hivexregedit --merge accepts; keys are written [\\PATH], or\n"
         "    [P\\PATH] with --prefix P.\n"
         "  --depth N       stop N levels below KEY (default: 1024, Windows' own limit is 512)\n"
         "  --heap SIZE     the parser's heap (default 256M; only touched as used)\n"
         "HIVE may be IMAGE::PATH (a hive inside an NTFS image); a dirty hive is\n"
         "exported with its transaction logs applied unless --no-logs.\n"
         "Damaged keys are reported on stderr and skipped; the exit code is then 3.\n"
         "\n"
         "examples:\n"
         "  ntkit hive export SYSTEM > system.jsonl\n"
         "  ntkit hive export --format reg --prefix 'HKEY_LOCAL_MACHINE\\SYSTEM' SYSTEM Select\n"
         "  ntkit hive export --no-logs --log SYSTEM.LOG1 SYSTEM > system.jsonl\n"
         "  ntkit hive export disk.img::/Windows/System32/config/SOFTWARE Microsoft > sw.jsonl");
}

int hive_cmd_export(int argc, char **argv)
{
    const char *file = NULL, *keypath = NULL;
    export_ctx c = {0};
    hive_opts o = {0};
    uint32_t max_depth = 0;
    hive_file f;
    nthive_key key;
    char *canon;
    size_t canon_len;
    int rc;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int k = hive_parse_common_opt("export", argc, argv, &i, &o, &max_depth);
        if (k < 0)
            return EXIT_NTKIT_USAGE;
        if (k > 0)
            continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            export_help();
            return EXIT_NTKIT_OK;
        } else if (!strcmp(a, "--format") && i + 1 < argc) {
            a = argv[++i];
            if (!strcmp(a, "jsonl"))
                c.reg = false;
            else if (!strcmp(a, "reg"))
                c.reg = true;
            else {
                fprintf(stderr, "ntkit: hive export: unknown format '%s' (jsonl or reg)\n", a);
                return EXIT_NTKIT_USAGE;
            }
        } else if (!strcmp(a, "--prefix") && i + 1 < argc) {
            c.prefix = argv[++i];
        } else if (!strcmp(a, "--json")) {
            c.reg = false; /* the same as --format jsonl */
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "ntkit: hive export: unknown option '%s'\n", a);
            return EXIT_NTKIT_USAGE;
        } else if (!file) {
            file = a;
        } else if (!keypath) {
            keypath = a;
        } else {
            fprintf(stderr, "ntkit: hive export: too many arguments\n");
            return EXIT_NTKIT_USAGE;
        }
    }
    if (!file) {
        fprintf(stderr, "usage: ntkit hive export [--format jsonl|reg] HIVE [KEY]\n");
        return EXIT_NTKIT_USAGE;
    }
    rc = hive_open_subtree(&f, file, &o, keypath, &key, &canon, &canon_len);
    if (rc)
        return rc;
    if (c.reg)
        fputs("Windows Registry Editor Version 5.00\n\n", stdout);
    else {
        hive_out_init(&c.out, stdout);
        hive_out_init(&c.key_field, NULL);
    }
    rc = hive_walk(&f, &key, canon, canon_len, max_depth, export_key, &c);
    free(canon);
    free(c.name);
    hive_file_close(&f);
    if (!c.reg) {
        hive_out_fini(&c.key_field);
        if (hive_out_fini(&c.out))
            return EXIT_NTKIT_IO;
    }
    if (fflush(stdout))
        return EXIT_NTKIT_IO;
    return rc;
}
