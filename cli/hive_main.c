/* `ntkit hive`: dispatch, the options every subcommand shares, info and ls. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hive_cli.h"
#include "hive_logs.h"

int hive_cmd_replay(int argc, char **argv, const hive_logs_opts *o);
int hive_cmd_recover(int argc, char **argv);
int hive_cmd_layers(int argc, char **argv);

static void usage(FILE *out)
{
    fputs("usage: ntkit hive <command> [options] HIVE [args]\n"
          "\n"
          "Read a Windows registry hive file (format 1.3-1.6) without Windows.\n"
          "\n"
          "commands:\n"
          "  info    HIVE                  base block, dirty and checksum verdicts, counts\n"
          "  ls      HIVE [KEY] [-l] [-R]  subkeys (and values, times, layers with -l)\n"
          "  get     HIVE KEY [VALUE]      value data decoded by type (--raw for bytes)\n"
          "  find    HIVE PATTERN [KEY]    key names, value names, string data matching a glob\n"
          "  export  HIVE [KEY]            the tree as JSON lines or a .reg file (--format)\n"
          "  replay  HIVE OUT              apply the transaction logs, write the result\n"
          "  recover HIVE                  deleted keys and values (free cells, slack)\n"
          "  layers  HIVE                  layer semantics of a 1.6 differencing hive\n"
          "\n"
          "HIVE is a hive file, or IMAGE::PATH for a hive inside an NTFS image (a\n"
          "volume, a disk with MBR/GPT, IMAGE@N for partition N, or a .gz of one),\n"
          "read without mounting.\n"
          "KEY is a path below the root, '\\' or '/' separated, case-insensitive.\n"
          "A dirty hive is read with its transaction logs applied: HIVE.LOG,\n"
          "HIVE.LOG1 and HIVE.LOG2 beside it (any case) are picked up, or the files\n"
          "given with --log FILE (repeatable); --no-logs reads the primary as it is.\n"
          "--json prints one JSON object per line (info, ls, get, find, recover,\n"
          "layers; export writes JSON lines by default).\n"
          "\n"
          "examples:\n"
          "  ntkit hive get SYSTEM Select Current\n"
          "  ntkit hive get disk.img::/Windows/System32/config/SYSTEM Select Current\n"
          "  ntkit hive find NTUSER.DAT '*putty*'\n"
          "  ntkit hive export --format reg SOFTWARE 'Microsoft\\Windows\\CurrentVersion\\Run'\n"
          "\n"
          "Run 'ntkit hive <command> --help' for options and examples.\n"
          "Exit codes: 0 ok, 1 not found, 2 usage, 3 corrupt (output may be partial), 4 I/O.\n",
          out);
}

int hive_parse_common_opt(const char *cmd, int argc, char **argv, int *i, hive_opts *o, uint32_t *max_depth)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--heap")) {
        if (*i + 1 >= argc || cli_parse_size(argv[*i + 1], &o->heap) < 0 || !o->heap) {
            fprintf(stderr, "ntkit: hive %s: bad --heap size '%s'\n", cmd, *i + 1 < argc ? argv[*i + 1] : "");
            return -1;
        }
        ++*i;
        return 1;
    }
    if (max_depth && !strcmp(a, "--depth")) {
        char *end = NULL;
        unsigned long d = *i + 1 < argc ? strtoul(argv[*i + 1], &end, 10) : 0;
        if (!end || *end || d == 0 || d > 100000) {
            fprintf(stderr, "ntkit: hive %s: bad --depth '%s' (1 to 100000)\n", cmd,
                    *i + 1 < argc ? argv[*i + 1] : "");
            return -1;
        }
        *max_depth = (uint32_t)d;
        ++*i;
        return 1;
    }
    return 0;
}

/* Index of the HIVE argument: the first one that is not an option or the
 * value of one. */
static int hive_arg(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--heap") || !strcmp(a, "--depth") || !strcmp(a, "--format") ||
            !strcmp(a, "--prefix")) {
            i++;
            continue;
        }
        if (a[0] == '-' && a[1])
            continue;
        return i;
    }
    return 0;
}

/* Runs a subcommand on the hive with its logs applied when it is dirty:
 * the replayed copy lives in an anonymous file the command reads by path. */
static int hive_run_with_logs(int (*fn)(int, char **), int argc, char **argv, const hive_logs_opts *lo,
                              bool info)
{
    hive_logs_state s;
    char path[64];
    int at = hive_arg(argc, argv), rc;
    bool help = false, json = false;
    const char *orig;

    for (int i = 1; i < argc; i++) {
        help |= !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
        json |= !strcmp(argv[i], "--json");
    }
    if (!at || help)
        return fn(argc, argv);
    orig = argv[at];
    {
        hive_logs_opts o = *lo;
        o.probe = info;
        rc = hive_logs_replay(orig, &o, &s);
    }
    if (rc) {
        /* Unreadable: the command itself says so (and checks its usage). */
        hive_logs_state_free(&s);
        return fn(argc, argv);
    }
    if (s.replayed) {
        rc = hive_logs_to_fd(&s, path, sizeof path);
        if (rc) {
            hive_logs_state_free(&s);
            return rc;
        }
        argv[at] = path;
    }
    if (!info && s.dirty && s.nlogs && !s.would_replay) {
        fprintf(stderr, "ntkit: %s: ", orig);
        hive_logs_describe(stderr, &s);
        fputc('\n', stderr);
    }
    rc = fn(argc, argv);
    if (info) {
        FILE *out = json ? stderr : stdout;
        if (json)
            fprintf(out, "ntkit: %s: transaction logs: ", orig);
        else
            fputs("logs:            ", out);
        hive_logs_describe(out, &s);
        fputc('\n', out);
    }
    argv[at] = (char *)orig;
    hive_logs_state_free(&s);
    return rc;
}

int cmd_hive(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_NTKIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_NTKIT_OK;
    }
    {
        hive_logs_opts lo = {{0}, 0, false, false, false};
        int sub_argc = argc - 1, rc = hive_logs_strip(&lo, &sub_argc, argv + 1);
        int (*fn)(int, char **) = NULL;
        if (rc)
            return rc;
        if (!strcmp(argv[1], "replay"))
            return hive_cmd_replay(sub_argc, argv + 1, &lo);
        if (!strcmp(argv[1], "info"))
            fn = hive_cmd_info;
        else if (!strcmp(argv[1], "ls"))
            fn = hive_cmd_ls;
        else if (!strcmp(argv[1], "get"))
            fn = hive_cmd_get;
        else if (!strcmp(argv[1], "export"))
            fn = hive_cmd_export;
        else if (!strcmp(argv[1], "recover"))
            fn = hive_cmd_recover;
        else if (!strcmp(argv[1], "layers"))
            fn = hive_cmd_layers;
        else if (!strcmp(argv[1], "find"))
            fn = hive_cmd_find;
        if (fn)
            return hive_run_with_logs(fn, sub_argc, argv + 1, &lo, !strcmp(argv[1], "info"));
    }
    fprintf(stderr, "ntkit: hive: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_NTKIT_USAGE;
}

int hive_open_subtree(hive_file *f, const char *file, const hive_opts *o, const char *keypath,
                      nthive_key *key, char **canon, size_t *canon_len)
{
    int rc = hive_file_open(f, file, o);
    if (rc)
        return rc;
    rc = hive_open_key(f, keypath, key, canon, canon_len);
    if (rc)
        hive_file_close(f);
    return rc;
}

int hive_each_value(hive_file *f, const nthive_key *key, hive_value_fn fn, void *ctx)
{
    nthive_value_iter it;
    nthive_value v;
    int r, bad = 0;

    if (nthive_key_value_count(key) == 0)
        return 0;
    r = nthive_values(key, &it);
    if (r) {
        hive_report(f);
        return 1;
    }
    while ((r = nthive_value_next(&it, &v)) != NT_END) {
        if (r) {
            hive_report(f);
            bad = 1;
            continue;
        }
        if (fn(f, &v, ctx))
            bad = 1;
    }
    return bad;
}

size_t hive_name_scratch(char **buf, size_t *cap, const nthive_name *n)
{
    size_t len = 0;
    while (nthive_name_to_utf8(n, *buf, *cap, &len) == NT_ERR_RANGE || len + 1 > *cap) {
        *cap = 2 * (len + 1) + 64;
        *buf = realloc(*buf, *cap);
        if (!*buf)
            abort();
    }
    return len;
}

/* ---- info ---------------------------------------------------------------- */

typedef struct counts {
    uint64_t keys, values;
} counts;

static int count_value(hive_file *f, const nthive_value *v, void *ctx)
{
    (void)f, (void)v;
    ((counts *)ctx)->values++;
    return 0;
}

static int count_key(hive_file *f, const nthive_key *key, const char *path, size_t path_len, uint32_t depth,
                     void *ctx)
{
    counts *c = ctx;
    (void)path, (void)path_len, (void)depth;
    c->keys++;
    return hive_each_value(f, key, count_value, c);
}

static void info_help(void)
{
    puts("usage: ntkit hive info [--json] [--heap SIZE] [--log FILE]... [--no-logs] HIVE\n"
         "\n"
         "Prints the base block (version, sequence numbers and the dirty verdict,\n"
         "timestamp, root offset, sizes, embedded file name, checksum verdict),\n"
         "counts every key and value with a full walk, and says whether the\n"
         "transaction logs were applied (dirty / replayed / not replayed, and why).\n"
         "  --json    one JSON object (the log verdict goes to stderr)\n"
         "HIVE may be IMAGE::PATH (a hive inside an NTFS image).\n"
         "\n"
         "examples:\n"
         "  ntkit hive info SYSTEM\n"
         "  ntkit hive info --json NTUSER.DAT\n"
         "  ntkit hive info --no-logs SYSTEM\n"
         "  ntkit hive info disk.img::/Windows/System32/config/SAM");
}

int hive_cmd_info(int argc, char **argv)
{
    const char *file = NULL;
    bool json = false;
    hive_opts o = {0};
    hive_file f;
    nthive_info in;
    nthive_key root;
    counts c = {0, 0};
    char ts[40], *fname;
    size_t fname_len;
    int rc, walk_rc = EXIT_NTKIT_OK;

    for (int i = 1; i < argc; i++) {
        int k = hive_parse_common_opt("info", argc, argv, &i, &o, NULL);
        if (k < 0)
            return EXIT_NTKIT_USAGE;
        if (k > 0)
            continue;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            info_help();
            return EXIT_NTKIT_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "ntkit: hive info: unknown option '%s'\n", argv[i]);
            return EXIT_NTKIT_USAGE;
        } else if (!file) {
            file = argv[i];
        } else {
            fprintf(stderr, "ntkit: hive info: too many arguments\n");
            return EXIT_NTKIT_USAGE;
        }
    }
    if (!file) {
        fprintf(stderr, "usage: ntkit hive info [--json] HIVE\n");
        return EXIT_NTKIT_USAGE;
    }
    rc = hive_file_open(&f, file, &o);
    if (rc)
        return rc;
    nthive_get_info(&f.hive, &in);
    if (nthive_root(&f.hive, &root)) {
        hive_report(&f);
        walk_rc = EXIT_NTKIT_CORRUPT;
    } else {
        walk_rc = hive_walk(&f, &root, "", 0, 0, count_key, &c);
    }
    hive_format_time(in.timestamp, ts, sizeof ts);
    {
        nthive_name n = {in.file_name, 2 * in.file_name_units, false};
        fname = hive_name_dup(&n, &fname_len);
    }
    if (json) {
        printf("{\"file\": ");
        hive_json_string(stdout, file, strlen(file));
        printf(", \"version\": \"%u.%u\", \"major\": %u, \"minor\": %u, \"file_type\": %u, "
               "\"file_format\": %u, \"seq_primary\": %u, \"seq_secondary\": %u, \"dirty\": %s, "
               "\"timestamp\": \"%s\", \"root_offset\": %u, \"hbins_size\": %u, \"usable_size\": %u, "
               "\"truncated\": %s, \"clustering_factor\": %u, \"flags\": %u, \"file_name\": ",
               in.major, in.minor, in.major, in.minor, in.file_type, in.file_format, in.seq_primary,
               in.seq_secondary, in.dirty ? "true" : "false", ts, in.root_offset, in.hbins_size,
               in.usable_size, in.truncated ? "true" : "false", in.clustering_factor, in.flags);
        hive_json_string(stdout, fname, fname_len);
        printf(", \"checksum_stored\": %u, \"checksum_computed\": %u, \"checksum_ok\": %s, "
               "\"bad_bins\": %u, \"keys\": %llu, \"values\": %llu, \"complete\": %s}\n",
               in.checksum_stored, in.checksum_computed, in.checksum_ok ? "true" : "false", in.bad_bins,
               (unsigned long long)c.keys, (unsigned long long)c.values, walk_rc ? "false" : "true");
    } else {
        printf("file:            %s\n", file);
        printf("version:         %u.%u\n", in.major, in.minor);
        printf("file type:       %u (primary)\n", in.file_type);
        printf("sequence:        %u / %u (%s)\n", in.seq_primary, in.seq_secondary,
               in.dirty ? "dirty: a transaction log was not applied" : "clean");
        printf("last written:    %s\n", ts);
        printf("root key:        cell 0x%x (file offset 0x%x)\n", in.root_offset,
               in.root_offset + NTHIVE_BINS_START);
        printf("hive bins size:  %u bytes%s", in.hbins_size, in.truncated ? " (file is truncated" : "");
        if (in.truncated)
            printf(": %u bytes present)", in.usable_size);
        else if (in.usable_size > in.hbins_size)
            printf(" (understated: well-formed bins continue to %u)", in.usable_size);
        putchar('\n');
        if (in.bad_bins)
            printf("bad hive bins:   %u (first at file offset 0x%x)\n", in.bad_bins,
                   in.first_bad_bin + NTHIVE_BINS_START);
        printf("clustering:      %u\n", in.clustering_factor);
        printf("flags:           0x%x\n", in.flags);
        printf("file name:       %.*s\n", (int)fname_len, fname);
        if (in.checksum_ok)
            printf("checksum:        0x%08x (ok)\n", in.checksum_stored);
        else
            printf("checksum:        0x%08x (MISMATCH: computed 0x%08x)\n", in.checksum_stored,
                   in.checksum_computed);
        printf("keys:            %llu\n", (unsigned long long)c.keys);
        printf("values:          %llu\n", (unsigned long long)c.values);
        if (walk_rc)
            printf("walk:            incomplete (damaged keys reported on stderr)\n");
    }
    free(fname);
    hive_file_close(&f);
    return walk_rc;
}

/* ---- ls ------------------------------------------------------------------- */

typedef struct ls_ctx {
    bool long_fmt, recursive, json;
    bool layered; /* a 1.6 hive with layered keys: -l shows the layer column */
} ls_ctx;

/* "tombstone", "supersede-tree+inherit-class", ... ("-" for none). */
static const char *layer_text(const nthive_layer *l, char *buf, size_t cap)
{
    const char *name = l->semantics == NTHIVE_LAYER_NONE ? "-" : nthive_layer_name(l->semantics);
    if (!l->inherit_class)
        return name;
    snprintf(buf, cap, "%s+inherit-class", l->semantics == NTHIVE_LAYER_NONE ? "" : name);
    return buf[0] == '+' ? buf + 1 : buf;
}

typedef struct ls_value_ctx {
    const char *path;
    size_t path_len;
    bool json;
    char *name; /* value-name scratch */
    size_t name_cap;
} ls_value_ctx;

static int ls_value(hive_file *f, const nthive_value *v, void *vctx)
{
    ls_value_ctx *c = vctx;
    nthive_name n;
    size_t nlen;
    const char *tn = hive_type_name(nthive_value_type(v));
    bool tomb = nthive_value_is_tombstone(v);
    (void)f;

    nthive_value_name(v, &n);
    nlen = hive_name_scratch(&c->name, &c->name_cap, &n);
    if (c->json) {
        printf("{\"key\": ");
        hive_json_string(stdout, c->path, c->path_len);
        printf(", \"value\": ");
        hive_json_string(stdout, c->name, nlen);
        printf(", \"type\": %u, \"size\": %u%s}\n", nthive_value_type(v), nthive_value_data_size(v),
               tomb ? ", \"layer\": \"tombstone\"" : "");
    } else {
        char tbuf[32];
        if (!tn) {
            snprintf(tbuf, sizeof tbuf, "type(%u)", nthive_value_type(v));
            tn = tbuf;
        }
        /* A tombstone deletes the lower layers' value of that name. */
        printf("  %s  %-22s %10u  ", tomb ? "tombstone" : "value", tn, nthive_value_data_size(v));
        if (nlen)
            hive_print_text(stdout, c->name, nlen);
        else
            fputs("(default)", stdout);
        putchar('\n');
    }
    return 0;
}

static int ls_values(hive_file *f, const nthive_key *key, const char *path, size_t path_len, bool json)
{
    ls_value_ctx c = {path, path_len, json, NULL, 0};
    int bad = hive_each_value(f, key, ls_value, &c);
    free(c.name);
    return bad;
}

static int ls_key(hive_file *f, const nthive_key *key, const char *path, size_t path_len, uint32_t depth,
                  void *vctx)
{
    ls_ctx *c = vctx;
    char ts[40], lbuf[48];
    nthive_layer l;
    int bad = 0;

    hive_format_time(nthive_key_last_written(key), ts, sizeof ts);
    nthive_key_layer(key, &l);
    if (c->json) {
        if (depth > 0 || c->long_fmt) {
            printf("{\"key\": ");
            hive_json_string(stdout, path, path_len);
            printf(", \"last_written\": \"%s\", \"subkeys\": %u, \"values\": %u, \"layer\": \"%s\", "
                   "\"inherit_class\": %s}\n",
                   ts, nthive_key_subkey_count(key), nthive_key_value_count(key),
                   nthive_layer_name(l.semantics), l.inherit_class ? "true" : "false");
        }
        if (c->long_fmt && (depth == 0 || c->recursive))
            bad = ls_values(f, key, path, path_len, true);
        return bad;
    }
    if (depth > 0) {
        if (c->long_fmt)
            printf("%s  ", ts);
        if (c->long_fmt && c->layered)
            printf("%-28s  ", layer_text(&l, lbuf, sizeof lbuf));
        hive_print_text(stdout, path, path_len);
        fputs("\\\n", stdout);
    }
    if (c->long_fmt && (depth == 0 || c->recursive))
        bad = ls_values(f, key, path, path_len, false);
    return bad;
}

/* Without -R: the key itself (for its values), then its direct subkeys.
 * (Not the walker: it would open every subkey's own list too.) */
static int ls_one_level(hive_file *f, const nthive_key *key, const char *path, size_t path_len, ls_ctx *c)
{
    nthive_subkey_iter it;
    nthive_key child;
    size_t cap = path_len + 256;
    char *full = malloc(cap);
    int r, rc = EXIT_NTKIT_OK;

    if (!full)
        abort();
    if (ls_key(f, key, path, path_len, 0, c))
        rc = EXIT_NTKIT_CORRUPT;
    r = nthive_subkeys(key, &it);
    if (r) {
        hive_report(f);
        free(full);
        return EXIT_NTKIT_CORRUPT;
    }
    memcpy(full, path, path_len);
    while ((r = nthive_subkey_next(&it, &child)) != NT_END) {
        nthive_name n;
        size_t len = path_len, nlen = 0;
        if (r) {
            hive_report(f);
            rc = EXIT_NTKIT_CORRUPT;
            continue;
        }
        if (len)
            full[len++] = '\\';
        nthive_key_name(&child, &n);
        /* The name goes after the parent's path in one reused buffer. */
        while (nthive_name_to_utf8(&n, full + len, cap - len, &nlen) == NT_ERR_RANGE ||
               len + nlen + 1 > cap) {
            cap = 2 * (len + nlen + 1);
            full = realloc(full, cap);
            if (!full)
                abort();
        }
        len += nlen;
        if (ls_key(f, &child, full, len, 1, c))
            rc = EXIT_NTKIT_CORRUPT;
    }
    free(full);
    return rc;
}

static void ls_help(void)
{
    puts("usage: ntkit hive ls [-l] [-R] [--json] [--depth N] [--heap SIZE]\n"
         "                     [--log FILE]... [--no-logs] HIVE [KEY]\n"
         "\n"
         "Lists the subkeys of KEY (default: the root), one path per line with a\n"
         "trailing '\\'. Paths are relative to the root.\n"
         "  -l        also the last-written time of each subkey, and the values of KEY\n"
         "            (of every key with -R): type, size, name; (default) is the\n"
         "            unnamed value. In a 1.6 differencing hive with layered keys a\n"
         "            column after the time shows each key's layer semantics:\n"
         "            tombstone (deleted in this layer), supersede-local (hides the\n"
         "            lower layers' values), supersede-tree (hides their subtree),\n"
         "            +inherit-class, or '-'; tombstone values are listed as\n"
         "            'tombstone' instead of 'value'.\n"
         "  -R        recurse into every subkey (depth-first, list order)\n"
         "  --json    one JSON object per line: keys {key, last_written, subkeys,\n"
         "            values, layer, inherit_class}; with -l also values {key, value,\n"
         "            type, size[, layer: \"tombstone\"]}\n"
         "  --depth N stop recursing N levels below KEY (default 1024)\n"
         "HIVE may be IMAGE::PATH (a hive inside an NTFS image); a dirty hive is read\n"
         "with its transaction logs applied unless --no-logs.\n"
         "\n"
         "examples:\n"
         "  ntkit hive ls SYSTEM ControlSet001\\\\Services\n"
         "  ntkit hive ls -l SYSTEM 'ControlSet001\\Services\\Tcpip'\n"
         "  ntkit hive ls -R --json NTUSER.DAT Software\n"
         "  ntkit hive ls -l System_Delta 'ControlSet001\\Services'\n"
         "  ntkit hive ls disk.img@2::/Windows/System32/config/SOFTWARE Microsoft");
}

int hive_cmd_ls(int argc, char **argv)
{
    const char *file = NULL, *keypath = NULL;
    ls_ctx c = {false, false, false, false};
    hive_opts o = {0};
    uint32_t max_depth = 0;
    hive_file f;
    nthive_key key;
    char *canon;
    size_t canon_len;
    int rc;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int k = hive_parse_common_opt("ls", argc, argv, &i, &o, &max_depth);
        if (k < 0)
            return EXIT_NTKIT_USAGE;
        if (k > 0)
            continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            ls_help();
            return EXIT_NTKIT_OK;
        } else if (!strcmp(a, "--json")) {
            c.json = true;
        } else if (a[0] == '-' && a[1] && a[1] != '-') {
            for (const char *p = a + 1; *p; p++) {
                if (*p == 'l')
                    c.long_fmt = true;
                else if (*p == 'R')
                    c.recursive = true;
                else {
                    fprintf(stderr, "ntkit: hive ls: unknown option '-%c'\n", *p);
                    return EXIT_NTKIT_USAGE;
                }
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "ntkit: hive ls: unknown option '%s'\n", a);
            return EXIT_NTKIT_USAGE;
        } else if (!file) {
            file = a;
        } else if (!keypath) {
            keypath = a;
        } else {
            fprintf(stderr, "ntkit: hive ls: too many arguments\n");
            return EXIT_NTKIT_USAGE;
        }
    }
    if (!file) {
        fprintf(stderr, "usage: ntkit hive ls [-l] [-R] [--json] HIVE [KEY]\n");
        return EXIT_NTKIT_USAGE;
    }
    rc = hive_open_subtree(&f, file, &o, keypath, &key, &canon, &canon_len);
    if (rc)
        return rc;
    {
        nthive_layer l;
        nthive_key_layer(&key, &l);
        c.layered = l.layered_hive;
    }
    if (c.recursive)
        rc = hive_walk(&f, &key, canon, canon_len, max_depth, ls_key, &c);
    else
        rc = ls_one_level(&f, &key, canon, canon_len, &c);
    free(canon);
    hive_file_close(&f);
    return rc;
}
