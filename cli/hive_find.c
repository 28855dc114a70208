/* `ntkit hive find`: key names, value names and string data that match a
 * glob, case-insensitively, in one walk of a subtree.
 *
 * Names and string data stay views into the hive: the glob runs over their
 * UTF-16 code units (or Latin-1 bytes) directly, folding case with the
 * upcase mapping Windows uses for key names (nthive_upcase: ASCII, Latin-1,
 * Latin Extended, Greek, Cyrillic, ...). Nothing is converted or copied
 * unless it is printed; only big-data (db) strings are gathered into one
 * buffer first. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hive_cli.h"

/* ---- the glob ------------------------------------------------------------ */

enum { TOK_LIT, TOK_ANY, TOK_STAR, TOK_CLASS };

typedef struct glob_tok {
    uint8_t kind;
    bool negate;     /* TOK_CLASS: [!...] or [^...] */
    uint32_t cp;     /* TOK_LIT: the upcased code point */
    uint32_t first;  /* TOK_CLASS: index of its first range */
    uint32_t nrange; /* TOK_CLASS: number of ranges */
} glob_tok;

typedef struct glob_range {
    uint32_t lo, hi; /* upcased, inclusive */
} glob_range;

typedef struct glob {
    glob_tok *tok;
    size_t ntok;
    glob_range *range;
    size_t nrange;
} glob;

static uint32_t fold(uint32_t cp)
{
    return cp < 0x10000 ? nthive_upcase((uint16_t)cp) : cp;
}

/* Next code point of NUL-free UTF-8 at *p; 0xFFFFFFFF when invalid. */
static uint32_t utf8_next(const unsigned char **p, const unsigned char *end)
{
    const unsigned char *s = *p;
    uint32_t c = *s++, min;
    int more;
    if (c < 0x80)
        more = 0, min = 0;
    else if ((c & 0xE0) == 0xC0)
        more = 1, c &= 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
        more = 2, c &= 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
        more = 3, c &= 0x07, min = 0x10000;
    else
        return 0xFFFFFFFF;
    if (end - s < more)
        return 0xFFFFFFFF;
    while (more--) {
        if ((*s & 0xC0) != 0x80)
            return 0xFFFFFFFF;
        c = c << 6 | (*s++ & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0xFFFFFFFF;
    *p = s;
    return c;
}

/* Compiles a glob as Python's fnmatch reads one: '*', '?', '[set]' with
 * ranges and '!' (or '^') negation, ']' first in a set is literal, a '['
 * without its ']' is literal. Returns false on invalid UTF-8. */
static bool glob_compile(glob *g, const char *pattern)
{
    const unsigned char *p = (const unsigned char *)pattern, *end = p + strlen(pattern);
    size_t n = (size_t)(end - p) + 1;
    uint32_t *cps = malloc(n * sizeof *cps);
    size_t ncp = 0;

    g->tok = malloc(n * sizeof *g->tok);
    g->range = malloc(n * sizeof *g->range);
    g->ntok = g->nrange = 0;
    if (!cps || !g->tok || !g->range)
        abort();
    while (p < end) {
        uint32_t c = utf8_next(&p, end);
        if (c == 0xFFFFFFFF) {
            free(cps);
            return false;
        }
        cps[ncp++] = c;
    }
    for (size_t i = 0; i < ncp; i++) {
        glob_tok *t = &g->tok[g->ntok];
        memset(t, 0, sizeof *t);
        if (cps[i] == '*') {
            /* Runs of stars are one star. */
            if (g->ntok && g->tok[g->ntok - 1].kind == TOK_STAR)
                continue;
            t->kind = TOK_STAR;
        } else if (cps[i] == '?') {
            t->kind = TOK_ANY;
        } else if (cps[i] == '[') {
            size_t j = i + 1, close;
            bool neg = j < ncp && (cps[j] == '!' || cps[j] == '^');
            if (neg)
                j++;
            close = j < ncp && cps[j] == ']' ? j + 1 : j; /* a leading ']' is a member */
            while (close < ncp && cps[close] != ']')
                close++;
            if (close >= ncp) {
                t->kind = TOK_LIT; /* no closing ']': a literal '[' */
                t->cp = '[';
            } else {
                t->kind = TOK_CLASS;
                t->negate = neg;
                t->first = (uint32_t)g->nrange;
                for (size_t k = j; k < close; k++) {
                    glob_range *r = &g->range[g->nrange++];
                    r->lo = r->hi = fold(cps[k]);
                    if (k + 2 < close && cps[k + 1] == '-') {
                        r->hi = fold(cps[k + 2]);
                        k += 2;
                    }
                }
                t->nrange = (uint32_t)(g->nrange - t->first);
                i = close;
            }
        } else {
            t->kind = TOK_LIT;
            t->cp = fold(cps[i]);
        }
        g->ntok++;
    }
    free(cps);
    return true;
}

static void glob_free(glob *g)
{
    free(g->tok);
    free(g->range);
}

/* Text to match: `units` UTF-16LE code units, or Latin-1 bytes. */
typedef struct text {
    const uint8_t *data;
    size_t units;
    bool latin1;
} text;

/* The code point at unit *i (unpaired surrogates read as U+FFFD). */
static uint32_t text_next(const text *t, size_t *i)
{
    uint32_t c, d;
    if (t->latin1)
        return t->data[(*i)++];
    c = (uint32_t)t->data[2 * *i] | (uint32_t)t->data[2 * *i + 1] << 8;
    (*i)++;
    if (c < 0xD800 || c > 0xDFFF)
        return c;
    if (c >= 0xDC00 || *i >= t->units)
        return 0xFFFD;
    d = (uint32_t)t->data[2 * *i] | (uint32_t)t->data[2 * *i + 1] << 8;
    if (d < 0xDC00 || d > 0xDFFF)
        return 0xFFFD;
    (*i)++;
    return 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
}

static bool tok_matches(const glob *g, const glob_tok *t, uint32_t c)
{
    bool in = false;
    if (t->kind == TOK_ANY)
        return true;
    if (t->kind == TOK_LIT)
        return t->cp == c;
    for (uint32_t k = 0; k < t->nrange && !in; k++)
        in = c >= g->range[t->first + k].lo && c <= g->range[t->first + k].hi;
    return in != t->negate;
}

/* Whole-text match. Backtracks only to the last star, which is enough for
 * globs (a later star subsumes every earlier choice): O(text * pattern) at
 * worst, never exponential. */
static bool glob_match(const glob *g, const text *t)
{
    size_t ti = 0, pi = 0, star_p = (size_t)-1, star_t = 0;
    while (ti < t->units || pi < g->ntok) {
        if (pi < g->ntok) {
            const glob_tok *tok = &g->tok[pi];
            if (tok->kind == TOK_STAR) {
                star_p = pi++;
                star_t = ti;
                continue;
            }
            if (ti < t->units) {
                size_t next = ti;
                uint32_t c = fold(text_next(t, &next));
                if (tok_matches(g, tok, c)) {
                    pi++;
                    ti = next;
                    continue;
                }
            }
        }
        if (star_p == (size_t)-1 || star_t >= t->units)
            return false;
        /* Let the last star swallow one more character and retry. */
        text_next(t, &star_t);
        ti = star_t;
        pi = star_p + 1;
    }
    return true;
}

/* ---- the walk ------------------------------------------------------------ */

typedef struct find_ctx {
    glob g;
    bool keys, values, data, json;
    uint64_t matches;
    const char *path; /* the key being searched */
    size_t path_len;
    char *name; /* value-name scratch (UTF-8) */
    size_t name_cap;
    char *str; /* data scratch (UTF-8) */
    size_t str_cap;
} find_ctx;

static size_t scratch_string(char **buf, size_t *cap, const uint8_t *s, size_t units)
{
    size_t len = 0;
    while (nthive_string_to_utf8(s, 2 * units, *buf, *cap, &len) == NT_ERR_RANGE || len + 1 > *cap) {
        *cap = 2 * (len + 1) + 64;
        *buf = realloc(*buf, *cap);
        if (!*buf)
            abort();
    }
    return len;
}

static void print_match(find_ctx *c, const char *path, size_t path_len, const char *vname, size_t vlen,
                        uint32_t type, const char *data, size_t dlen, const char *what)
{
    c->matches++;
    if (c->json) {
        fputs("{\"key\": ", stdout);
        hive_json_string(stdout, path, path_len);
        fputs(", \"value\": ", stdout);
        if (vname)
            hive_json_string(stdout, vname, vlen);
        else
            fputs("null", stdout);
        if (vname)
            printf(", \"type\": %u", type);
        else
            fputs(", \"type\": null", stdout);
        fputs(", \"data\": ", stdout);
        if (data)
            hive_json_string(stdout, data, dlen);
        else
            fputs("null", stdout);
        printf(", \"match\": \"%s\"}\n", what);
        return;
    }
    /* The key as `ntkit hive ls -R` prints it: path and a trailing '\'. */
    hive_print_text(stdout, path, path_len);
    putchar('\\');
    if (vname) {
        fputs("  ", stdout);
        if (vlen)
            hive_print_text(stdout, vname, vlen);
        else
            fputs("(default)", stdout);
    }
    if (data) {
        fputs(" = ", stdout);
        hive_print_text(stdout, data, dlen);
    }
    putchar('\n');
}

static bool is_string_type(uint32_t type)
{
    return type == NTHIVE_REG_SZ || type == NTHIVE_REG_EXPAND_SZ || type == NTHIVE_REG_LINK ||
           type == NTHIVE_REG_MULTI_SZ;
}

/* The first string of the value's data that matches (REG_MULTI_SZ: each
 * element in turn): *s, *units. Returns false when none does. */
static bool data_match(const find_ctx *c, uint32_t type, const uint8_t *d, size_t n, const uint8_t **s,
                       size_t *units)
{
    text t = {d, 0, false};
    if (type != NTHIVE_REG_MULTI_SZ) {
        t.units = nthive_string_units(d, n);
        *s = d, *units = t.units;
        return glob_match(&c->g, &t);
    }
    {
        nthive_multi_sz it;
        nthive_multi_sz_init(&it, d, n);
        while (nthive_multi_sz_next(&it, &t.data, &t.units) == NT_OK) {
            if (glob_match(&c->g, &t)) {
                *s = t.data, *units = t.units;
                return true;
            }
        }
    }
    return false;
}

/* One value: its name first; when the name does not match, its string
 * data. At most one line per value. Returns 1 when it was damaged. */
static int find_value(hive_file *f, const nthive_value *v, void *vctx)
{
    find_ctx *c = vctx;
    const char *path = c->path;
    size_t path_len = c->path_len;
    nthive_name n;
    uint32_t type = nthive_value_type(v);
    text t;
    size_t vlen;

    nthive_value_name(v, &n);
    t.data = n.data, t.latin1 = n.latin1, t.units = nthive_name_units(&n);
    if (c->values && glob_match(&c->g, &t)) {
        vlen = hive_name_scratch(&c->name, &c->name_cap, &n);
        print_match(c, path, path_len, c->name, vlen, type, NULL, 0, "value");
        return 0;
    }
    if (c->data && is_string_type(type)) {
        const uint8_t *d, *s;
        uint8_t *owned = NULL;
        size_t dn, units;
        int r = nthive_value_is_big(v) ? hive_value_bytes(v, &owned, &dn) : nthive_value_data(v, &d, &dn);
        bool hit;
        if (r) {
            hive_report(f);
            return 1;
        }
        if (owned)
            d = owned;
        hit = data_match(c, type, d, dn, &s, &units);
        if (hit) {
            size_t slen;
            vlen = hive_name_scratch(&c->name, &c->name_cap, &n);
            slen = scratch_string(&c->str, &c->str_cap, s, units);
            print_match(c, path, path_len, c->name, vlen, type, c->str, slen, "data");
        }
        free(owned);
    }
    return 0;
}

static int find_key(hive_file *f, const nthive_key *key, const char *path, size_t path_len, uint32_t depth,
                    void *vctx)
{
    find_ctx *c = vctx;

    (void)depth;
    /* The root's own name is in no path: only keys below it are matched. */
    if (c->keys && path_len) {
        nthive_name n;
        text t;
        nthive_key_name(key, &n);
        t.data = n.data, t.latin1 = n.latin1, t.units = nthive_name_units(&n);
        if (glob_match(&c->g, &t))
            print_match(c, path, path_len, NULL, 0, 0, NULL, 0, "key");
    }
    if (!(c->values || c->data))
        return 0;
    c->path = path, c->path_len = path_len;
    return hive_each_value(f, key, find_value, c);
}

static void find_help(void)
{
    puts("usage: ntkit hive find [--keys] [--values] [--data] [--json] [--depth N]\n"
         "                       [--heap SIZE] [--log FILE]... [--no-logs] HIVE PATTERN [KEY]\n"
         "\n"
         "Searches KEY (default: the root) and everything below it for key names,\n"
         "value names and string data (REG_SZ, REG_EXPAND_SZ, REG_LINK, each string\n"
         "of a REG_MULTI_SZ) that match PATTERN as a whole, like grep for the registry.\n"
         "PATTERN is a glob: '*' any run, '?' one character, '[abc]', '[a-z]' a set,\n"
         "'[!abc]' (or '[^abc]') its complement; there is no escape character, write\n"
         "'[*]' for a literal '*'. Matching ignores case the way Windows compares key\n"
         "names (ASCII, Latin-1, Latin Extended, Greek, Cyrillic, fullwidth Latin...).\n"
         "The root key's own name is not searched (no path shows it).\n"
         "  --keys    search key names      \\  any of the three; default: all three\n"
         "  --values  search value names     |\n"
         "  --data    search string data    /\n"
         "  --json    one object per match: {\"key\": PATH, \"value\": NAME|null,\n"
         "            \"type\": N|null, \"data\": STRING|null, \"match\": \"key|value|data\"}\n"
         "  --depth N stop N levels below KEY\n"
         "Output lines: 'KEY\\' for a key, 'KEY\\  VALUE' for a value name,\n"
         "'KEY\\  VALUE = DATA' for string data (the first string that matched); KEY\n"
         "is spelled as 'ntkit hive ls -R' prints it, (default) is the unnamed value.\n"
         "A value is reported once: by its name if that matches, else by its data.\n"
         "Exit status: 0 something matched, 1 nothing did, 2 usage, 3 damage was\n"
         "found (reported on stderr; the search went on), 4 I/O error.\n"
         "HIVE may be IMAGE::PATH, a hive inside an NTFS image; a dirty hive is read\n"
         "with its transaction logs (HIVE.LOG, .LOG1, .LOG2) applied unless --no-logs.\n"
         "\n"
         "examples:\n"
         "  ntkit hive find NTUSER.DAT '*putty*'\n"
         "  ntkit hive find --data SOFTWARE '*\\\\temp\\\\*.exe' Microsoft\\\\Windows\\\\CurrentVersion\n"
         "  ntkit hive find --keys --json SYSTEM 'usbstor' ControlSet001\\\\Enum\n"
         "  ntkit hive find disk.img::/Windows/System32/config/SYSTEM '*vbox*'");
}

int hive_cmd_find(int argc, char **argv)
{
    const char *file = NULL, *pattern = NULL, *keypath = NULL;
    find_ctx c;
    hive_opts o = {0};
    uint32_t max_depth = 0;
    hive_file f;
    nthive_key key;
    char *canon;
    size_t canon_len;
    int rc;

    memset(&c, 0, sizeof c);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int k = hive_parse_common_opt("find", argc, argv, &i, &o, &max_depth);
        if (k < 0)
            return EXIT_NTKIT_USAGE;
        if (k > 0)
            continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            find_help();
            return EXIT_NTKIT_OK;
        } else if (!strcmp(a, "--keys")) {
            c.keys = true;
        } else if (!strcmp(a, "--values")) {
            c.values = true;
        } else if (!strcmp(a, "--data")) {
            c.data = true;
        } else if (!strcmp(a, "--json")) {
            c.json = true;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "ntkit: hive find: unknown option '%s'\n", a);
            return EXIT_NTKIT_USAGE;
        } else if (!file) {
            file = a;
        } else if (!pattern) {
            pattern = a; /* may start with '-': only '--' options are options here */
        } else if (!keypath) {
            keypath = a;
        } else {
            fprintf(stderr, "ntkit: hive find: too many arguments\n");
            return EXIT_NTKIT_USAGE;
        }
    }
    if (!file || !pattern) {
        fprintf(stderr, "usage: ntkit hive find [--keys] [--values] [--data] [--json] HIVE PATTERN [KEY]\n");
        return EXIT_NTKIT_USAGE;
    }
    if (!c.keys && !c.values && !c.data)
        c.keys = c.values = c.data = true;
    if (!glob_compile(&c.g, pattern)) {
        fprintf(stderr, "ntkit: hive find: PATTERN is not valid UTF-8\n");
        glob_free(&c.g);
        return EXIT_NTKIT_USAGE;
    }
    rc = hive_open_subtree(&f, file, &o, keypath, &key, &canon, &canon_len);
    if (rc) {
        glob_free(&c.g);
        return rc;
    }
    rc = hive_walk(&f, &key, canon, canon_len, max_depth, find_key, &c);
    free(canon);
    free(c.name);
    free(c.str);
    glob_free(&c.g);
    hive_file_close(&f);
    if (fflush(stdout))
        return EXIT_NTKIT_IO;
    if (rc)
        return rc;
    return c.matches ? EXIT_NTKIT_OK : EXIT_NTKIT_NOT_FOUND;
}
