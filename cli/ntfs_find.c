/* ntfs_find.c - `ntkit ntfs find`: walk a tree and print the entries that
 * pass -name/-iname/-cname, -type, -size, -newer and -older (hosted code).
 *
 * Names and types come from the $I30 index entries; an MFT record is read
 * only for an entry that passed the cheap tests and needs current values
 * (-size, -newer, -older, --json). Directories are walked depth first in
 * index (collation) order; reparse points are not followed and each
 * directory record is walked once, so a looping image ends. */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wctype.h>

#include "commands.h"
#include "ntfs_cli.h"

#define FIND_MAX_DEPTH 4096 /* NTFS paths stop at 32,767 UTF-16 units */

typedef struct finder {
    cli_ntfs_image *im;
    const cli_ntfs_opts *o;
    const cli_ntfs_find_opts *t;
    cli_ntfs_recset seen;
    char *path;
    size_t cap;
    int worst;
} finder;

static void note(finder *f, int ec)
{
    if (ec > f->worst)
        f->worst = ec;
}

/* ---- options ---- */

/* "YYYY-MM-DD[THH:MM[:SS]]" (UTC) to Unix seconds. */
static int parse_date(const char *s, int64_t *out)
{
    struct tm tm;
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    char sep;

    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return -1;
    s += n;
    if (*s) {
        sep = *s++;
        n = 0;
        if ((sep != 'T' && sep != ' ') || sscanf(s, "%2d:%2d%n", &h, &mi, &n) != 2)
            return -1;
        s += n;
        if (*s == ':') {
            n = 0;
            if (sscanf(s + 1, "%2d%n", &sec, &n) != 1)
                return -1;
            s += 1 + n;
        }
        if (*s == 'Z')
            s++;
        if (*s)
            return -1;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || h < 0 || mi < 0 || sec < 0)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *out = (int64_t)timegm(&tm);
    return 0;
}

static int bad_value(const char *test, const char *v, const char *want)
{
    fprintf(stderr, "ntkit ntfs find: %s wants %s, not '%s' (see 'ntkit ntfs find --help')\n", test, want,
            v ? v : "");
    return -1;
}

int cli_ntfs_find_parse(cli_ntfs_find_opts *f, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;

    if (!strcmp(a, "-name") || !strcmp(a, "-iname") || !strcmp(a, "-cname")) {
        if (!v)
            return bad_value(a, v, "a glob pattern");
        if (a[1] == 'c')
            f->cname = v;
        else
            f->name = v;
    } else if (!strcmp(a, "-type")) {
        if (!v || !v[0] || v[1] || !strchr("fdl", v[0]))
            return bad_value(a, v, "f, d or l");
        f->type = v[0];
    } else if (!strcmp(a, "-size")) {
        const char *p = v;
        char *end;
        if (!p || !*p)
            return bad_value(a, v, "[+-]N[ckMG]");
        f->size_cmp = *p == '+' ? 1 : *p == '-' ? -1 : 0;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return bad_value(a, v, "[+-]N[ckMG]");
        errno = 0;
        f->size = strtoull(p, &end, 10);
        f->size_unit = 1;
        if (*end == 'k' || *end == 'K')
            f->size_unit = 1024;
        else if (*end == 'M')
            f->size_unit = 1024 * 1024;
        else if (*end == 'G')
            f->size_unit = 1024 * 1024 * 1024;
        else if (*end && *end != 'c')
            return bad_value(a, v, "[+-]N[ckMG]");
        if (errno || (*end && end[1]))
            return bad_value(a, v, "[+-]N[ckMG]");
        f->has_size = true;
    } else if (!strcmp(a, "-newer") || !strcmp(a, "-older")) {
        int64_t t;
        if (!v || parse_date(v, &t))
            return bad_value(a, v, "a date YYYY-MM-DD[THH:MM[:SS]] (UTC)");
        if (a[1] == 'n') {
            f->newer = t;
            f->has_newer = true;
        } else {
            f->older = t;
            f->has_older = true;
        }
    } else {
        return 0;
    }
    (*i)++;
    return 1;
}

/* ---- glob ---- */

/* The next code point of UTF-8 `s` (a stray byte b reads as 0xDC00 + b,
 * so it matches only itself). */
static uint32_t next_cp(const char **sp)
{
    const unsigned char *s = (const unsigned char *)*sp;
    uint32_t c = s[0];
    int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
    if (n < 0) {
        *sp += 1;
        return 0xDC00 + c;
    }
    c &= n ? 0x3Fu >> n : 0x7Fu;
    for (int i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *sp += 1;
            return 0xDC00 + s[0];
        }
        c = c << 6 | (s[i] & 0x3Fu);
    }
    *sp += n + 1;
    return c;
}

static uint32_t fold(uint32_t c, bool icase)
{
    return icase ? (uint32_t)towlower((wint_t)c) : c;
}

/* Matches one [...] class at *pp against c; advances *pp past it. Returns
 * -1 when the class is not closed (then '[' is literal). */
static int match_class(const char **pp, uint32_t c, bool icase)
{
    const char *p = *pp + 1;
    bool neg = false, hit = false;
    if (*p == '!' || *p == '^') {
        neg = true;
        p++;
    }
    bool first = true;
    while (*p && (*p != ']' || first)) {
        first = false;
        if (*p == '\\' && p[1])
            p++;
        uint32_t lo = next_cp(&p), hi = lo;
        if (*p == '-' && p[1] && p[1] != ']') {
            p++;
            if (*p == '\\' && p[1])
                p++;
            hi = next_cp(&p);
        }
        uint32_t fc = fold(c, icase);
        if ((c >= lo && c <= hi) || (fold(lo, icase) <= fc && fc <= fold(hi, icase)))
            hit = true;
    }
    if (*p != ']')
        return -1;
    *pp = p + 1;
    return hit != neg;
}

/* Glob match with '*' backtracking (one saved position: linear time). */
static bool glob_match(const char *pat, const char *s, bool icase)
{
    const char *star_p = NULL, *star_s = NULL;
    while (*s) {
        const char *p = pat;
        if (*p == '*') {
            while (*p == '*')
                p++;
            star_p = pat = p;
            star_s = s;
            continue;
        }
        const char *s2 = s;
        uint32_t c = next_cp(&s2);
        bool ok;
        if (*p == '?') {
            ok = true;
            p++;
        } else if (*p == '[') {
            const char *q = p;
            int r = match_class(&q, c, icase);
            if (r < 0) {
                p++;
                ok = c == '[';
            } else {
                ok = r == 1;
                p = q;
            }
        } else if (*p) {
            if (*p == '\\' && p[1])
                p++;
            ok = fold(next_cp(&p), icase) == fold(c, icase);
        } else {
            ok = false;
        }
        if (ok) {
            pat = p;
            s = s2;
        } else if (star_p) {
            pat = star_p;
            next_cp(&star_s);
            s = star_s;
        } else {
            return false;
        }
    }
    while (*pat == '*')
        pat++;
    return !*pat;
}

/* ---- walk ---- */

static char entry_type(bool is_dir, uint32_t tag)
{
    if (tag == NTFS_REPARSE_TAG_SYMLINK || tag == NTFS_REPARSE_TAG_MOUNT_POINT)
        return 'l';
    return is_dir ? 'd' : 'f';
}

/* Unix seconds to FILETIME (dates before 1601 clamp to 0). */
static uint64_t filetime_of(int64_t secs)
{
    return secs < -11644473600LL ? 0 : (uint64_t)(secs + 11644473600LL) * 10000000u;
}

static bool size_ok(const cli_ntfs_find_opts *t, uint64_t size)
{
    uint64_t units = size / t->size_unit + (size % t->size_unit != 0);
    if (t->size_cmp > 0)
        return units > t->size;
    if (t->size_cmp < 0)
        return units < t->size;
    return units == t->size;
}

/* Tests and prints the entry whose path is f->path. */
static void visit(finder *f, const char *name, uint64_t ref, bool is_dir, uint32_t tag)
{
    const cli_ntfs_find_opts *t = f->t;
    char type = entry_type(is_dir, tag);
    ntfs_stat st;

    if (t->type && t->type != type)
        return;
    if (t->name && !glob_match(t->name, name, true))
        return;
    if (t->cname && !glob_match(t->cname, name, false))
        return;
    memset(&st, 0, sizeof st);
    st.ref = ref;
    if (t->has_size || t->has_newer || t->has_older || f->o->json) {
        ntfs_file *file;
        int rc = ntfs_open_ref(f->im->vol, ref, &file);
        if (rc == NT_OK) {
            rc = ntfs_file_stat(file, &st);
            ntfs_close(file);
        }
        if (rc) {
            note(f, cli_ntfs_vreport(f->im, rc, f->path));
            return;
        }
        if (st.is_dir)
            st.size = 0;
        if (t->has_size && !size_ok(t, st.size))
            return;
        if (t->has_newer && !(st.mtime > filetime_of(t->newer)))
            return;
        if (t->has_older && !(st.mtime < filetime_of(t->older)))
            return;
    }
    if (f->o->json) {
        char mt[64];
        cli_ntfs_fmt_time(st.mtime, mt, sizeof mt);
        printf("{\"path\":");
        cli_ntfs_json_str(stdout, f->path, strlen(f->path));
        printf(",\"type\":\"%s\",\"size\":%" PRIu64 ",\"mft\":%" PRIu64 ",\"mtime\":\"%s\"}\n",
               type == 'l'   ? "symlink"
               : type == 'd' ? "dir"
                             : "file",
               st.size, NTFS_REF_RECORD(ref), mt);
    } else {
        fputs(f->path, stdout);
        putchar('\n');
    }
}

/* Makes f->path hold `len` bytes plus room for a component. */
static bool path_room(finder *f, size_t need)
{
    if (need <= f->cap)
        return true;
    size_t nc = need * 2;
    char *p = realloc(f->path, nc);
    if (!p)
        return false;
    f->path = p;
    f->cap = nc;
    return true;
}

static void walk(finder *f, uint64_t ref, size_t plen, int depth)
{
    cli_ntfs_entry *e;
    size_t n;

    if (depth > FIND_MAX_DEPTH) {
        fprintf(stderr, "ntkit: %s: %s: directories nested deeper than %d levels (loop?)\n", f->im->name,
                f->path, FIND_MAX_DEPTH);
        note(f, EXIT_NTKIT_CORRUPT);
        return;
    }
    note(f, cli_ntfs_read_dir(f->im, ref, plen ? f->path : "/", false, &e, &n));
    for (size_t i = 0; i < n; i++) {
        if (!path_room(f, plen + e[i].name_len + 2)) {
            note(f, cli_ntfs_write_error("path", ENOMEM));
            break;
        }
        f->path[plen] = '/';
        memcpy(f->path + plen + 1, e[i].name, e[i].name_len + 1);
        visit(f, e[i].name, e[i].ref, e[i].is_dir, e[i].reparse_tag);
        /* symlinks and junctions are not followed; other reparse points
         * (cloud placeholders, WOF) are ordinary directories */
        if (e[i].is_dir && entry_type(true, e[i].reparse_tag) == 'd' &&
            !cli_ntfs_recset_mark(&f->seen, NTFS_REF_RECORD(e[i].ref)))
            walk(f, e[i].ref, plen + 1 + e[i].name_len, depth + 1);
        f->path[plen] = 0;
    }
    cli_ntfs_free_entries(e, n);
}

int cli_ntfs_find(cli_ntfs_image *im, const cli_ntfs_opts *o)
{
    finder f;
    ntfs_file *file;
    ntfs_stat st;
    const char *p = o->path ? o->path : "/";
    int rc;

    /* towlower folds non-ASCII letters only in a UTF-8 locale */
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        setlocale(LC_CTYPE, "");
    memset(&f, 0, sizeof f);
    f.im = im;
    f.o = o;
    f.t = &o->find;
    rc = ntfs_open_path(im->vol, p, &file);
    if (rc)
        return cli_ntfs_vreport(im, rc, p);
    rc = ntfs_file_stat(file, &st);
    ntfs_close(file);
    if (rc)
        return cli_ntfs_vreport(im, rc, p);
    f.path = cli_ntfs_canonical_path(p);
    if (!f.path)
        return cli_ntfs_write_error("path", ENOMEM);
    f.cap = strlen(f.path) + 1;
    if (entry_type(st.is_dir, st.reparse_tag) != 'd') {
        const char *slash = strrchr(f.path, '/');
        visit(&f, slash ? slash + 1 : f.path, st.ref, st.is_dir, st.reparse_tag);
    } else {
        cli_ntfs_recset_mark(&f.seen, NTFS_REF_RECORD(st.ref));
        walk(&f, st.ref, strlen(f.path), 0);
    }
    free(f.path);
    free(f.seen.bits);
    return f.worst;
}
