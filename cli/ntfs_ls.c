/* ntfs_ls.c - `ntkit ntfs ls`: directory listings, recursive walks, -l and
 * -a, --json (hosted code). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ntfs_cli.h"

typedef struct dir_job {
    uint64_t ref;
    char *path;            /* "" for the root, else "/a/b" */
} dir_job;

/* Plain and -l lines are built here and written 64 KiB at a time: stdio's
 * per-call overhead dominated listings of huge directories. */
#define OUT_BYTES ((size_t)64 << 10)

typedef struct walker {
    cli_ntfs_image *im;
    char *out;             /* OUT_BYTES + room for one line */
    size_t out_len;
    const cli_ntfs_opts *o;
    dir_job *stack;
    size_t n, cap;
    uint8_t *seen;         /* directories already listed (loops, hard links) */
    size_t seen_bytes;
    int worst;
} walker;

static void out_flush(walker *w)
{
    if (w->out_len)
        fwrite(w->out, 1, w->out_len, stdout);
    w->out_len = 0;
}

/* Room for `n` more bytes (a line is at most a path plus a few fields). */
static char *out_room(walker *w, size_t n)
{
    if (w->out_len + n > OUT_BYTES)
        out_flush(w);
    if (n > OUT_BYTES) /* a line longer than the buffer: path of ~64 KiB */
        return NULL;
    return w->out + w->out_len;
}

static void out_bytes(walker *w, const char *s, size_t n)
{
    char *p = out_room(w, n);
    if (!p) {
        fwrite(s, 1, n, stdout);
        return;
    }
    memcpy(p, s, n);
    w->out_len += n;
}

static void out_char(walker *w, char c)
{
    char *p = out_room(w, 1);
    *p = c;
    w->out_len++;
}

/* Decimal digits of v right-aligned in a field of `width`, filled with
 * `pad` (wider numbers take the room they need); returns the end. As
 * printf's %*llu (pad ' ') and %0*u (pad '0'). */
static char *put_padded(char *p, uint64_t v, int width, char pad)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (; width > n; width--)
        *p++ = pad;
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* FILETIME as cli_ntfs_fmt_time prints it (YYYY-MM-DDTHH:MM:SS.fffffffZ,
 * proleptic Gregorian UTC), without gmtime_r and snprintf: they took most
 * of the CPU time of `ls -l` over 100,000 files. Every FILETIME (years 1601
 * to 60056) is in range. */
static char *put_filetime(char *p, uint64_t ft)
{
    int64_t secs = (int64_t)(ft / 10000000u) - 11644473600LL;
    unsigned frac = (unsigned)(ft % 10000000u);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t sod = secs - days * 86400;
    /* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm). */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);

    p = put_padded(p, (uint64_t)y, 4, '0'); /* FILETIME years are positive */
    *p++ = '-';
    p = put_padded(p, (uint64_t)m, 2, '0');
    *p++ = '-';
    p = put_padded(p, (uint64_t)d, 2, '0');
    *p++ = 'T';
    p = put_padded(p, (uint64_t)(sod / 3600), 2, '0');
    *p++ = ':';
    p = put_padded(p, (uint64_t)(sod / 60 % 60), 2, '0');
    *p++ = ':';
    p = put_padded(p, (uint64_t)(sod % 60), 2, '0');
    *p++ = '.';
    p = put_padded(p, frac, 7, '0');
    *p++ = 'Z';
    return p;
}

static void note_err(walker *w, int ec)
{
    if (ec > w->worst)
        w->worst = ec;
}

static bool seen_mark(walker *w, uint64_t rec)
{
    size_t byte = (size_t)(rec / 8);
    if (byte >= w->seen_bytes) {
        size_t nb = (byte + 1) * 2;
        uint8_t *p = realloc(w->seen, nb);
        if (!p)
            return true;
        memset(p + w->seen_bytes, 0, nb - w->seen_bytes);
        w->seen = p;
        w->seen_bytes = nb;
    }
    if (w->seen[byte] & (1u << (rec % 8)))
        return true;
    w->seen[byte] |= (uint8_t)(1u << (rec % 8));
    return false;
}

static void print_entry(walker *w, const char *path, size_t plen, const char *name, size_t nlen,
                        const char *stream, const ntfs_stat *st, uint64_t ssize, const ntfs_dirent *de)
{
    const cli_ntfs_opts *o = w->o;
    char tbuf[4][64], abuf[16];
    const char *type = stream ? "file" : cli_ntfs_type_of(st);
    uint64_t size = stream ? ssize : (st->is_dir ? 0 : st->size);

    if (o->json) {
        char *full = malloc(plen + nlen + 2);
        if (!full)
            return;
        memcpy(full, path, plen);
        full[plen] = '/';
        memcpy(full + plen + 1, name, nlen);
        printf("{\"path\":");
        cli_ntfs_json_str(stdout, full, plen + 1 + nlen);
        free(full);
        printf(",\"type\":\"%s\",\"size\":%" PRIu64 ",\"mft\":%" PRIu64, type, size, NTFS_REF_RECORD(st->ref));
        if (stream) {
            printf(",\"stream\":");
            cli_ntfs_json_str(stdout, stream, strlen(stream));
        }
        if (o->longfmt) {
            cli_ntfs_fmt_time(st->ctime, tbuf[0], sizeof tbuf[0]);
            cli_ntfs_fmt_time(st->mtime, tbuf[1], sizeof tbuf[1]);
            cli_ntfs_fmt_time(st->mft_mtime, tbuf[2], sizeof tbuf[2]);
            cli_ntfs_fmt_time(st->atime, tbuf[3], sizeof tbuf[3]);
            printf(",\"seq\":%u,\"links\":%u,\"attributes\":", NTFS_REF_SEQ(st->ref), st->link_count);
            cli_ntfs_json_attr_names(stdout, st->file_attributes);
            printf(",\"created\":\"%s\",\"modified\":\"%s\",\"mft_modified\":\"%s\",\"accessed\":\"%s\"",
                   tbuf[0], tbuf[1], tbuf[2], tbuf[3]);
            printf(",\"namespace\":\"%s\"", cli_ntfs_ns_name(de->name_space));
        }
        printf("}\n");
        return;
    }
    if (o->longfmt) {
        /* "%-4s %s %14llu  TIME  %8llu-%-5u " by hand (printf dominated). */
        char *p = out_room(w, 128), *start = p, *seq;
        size_t tl = strlen(type);
        cli_ntfs_fmt_attrs(st->file_attributes, abuf);
        memcpy(p, type, tl);
        p += tl;
        for (; tl < 4; tl++)
            *p++ = ' ';
        *p++ = ' ';
        memcpy(p, abuf, strlen(abuf));
        p += strlen(abuf);
        *p++ = ' ';
        p = put_padded(p, size, 14, ' ');
        *p++ = ' ';
        *p++ = ' ';
        p = put_filetime(p, st->mtime);
        *p++ = ' ';
        *p++ = ' ';
        p = put_padded(p, NTFS_REF_RECORD(st->ref), 8, ' ');
        *p++ = '-';
        seq = p;
        p = put_padded(p, NTFS_REF_SEQ(st->ref), 0, ' ');
        while (p - seq < 5)
            *p++ = ' ';
        *p++ = ' ';
        w->out_len += (size_t)(p - start);
    }
    if (o->recursive) {
        out_bytes(w, path, plen);
        out_char(w, '/');
    }
    out_bytes(w, name, nlen);
    if (stream) {
        out_char(w, ':');
        out_bytes(w, stream, strlen(stream));
    } else if (st->is_dir && !o->longfmt) {
        out_char(w, '/');
    }
    out_char(w, '\n');
}

/* A plain line from the index entry alone: [path/]name[/]. */
static void print_plain(walker *w, const char *path, size_t plen, const ntfs_dirent *de)
{
    size_t need = (w->o->recursive ? plen + 1 : 0) + de->name_len + 2;
    char *p = out_room(w, need);

    if (!p) {
        ntfs_stat st;
        memset(&st, 0, sizeof st);
        st.is_dir = de->is_dir;
        print_entry(w, path, plen, de->name, de->name_len, NULL, &st, 0, de);
        return;
    }
    if (w->o->recursive) {
        memcpy(p, path, plen);
        p += plen;
        *p++ = '/';
    }
    memcpy(p, de->name, de->name_len);
    p += de->name_len;
    if (de->is_dir)
        *p++ = '/';
    *p++ = '\n';
    w->out_len = (size_t)(p - w->out);
}

static int list_dir(walker *w, uint64_t ref, const char *path)
{
    cli_ntfs_image *im = w->im;
    ntfs_file *dir, *f;
    ntfs_dir *it;
    ntfs_dirent de;
    size_t plen = strlen(path);
    int rc;

    rc = ntfs_open_ref(im->vol, ref, &dir);
    if (rc)
        return cli_ntfs_vreport(im, rc, path[0] ? path : "/");
    rc = ntfs_dir_open(dir, &it);
    if (rc) {
        ntfs_close(dir);
        return cli_ntfs_vreport(im, rc, path[0] ? path : "/");
    }
    while ((rc = ntfs_dir_next(it, &de)) == NT_OK) {
        ntfs_stat st;
        if (!w->o->all && NTFS_REF_RECORD(de.ref) < 16)
            continue; /* NTFS metadata files */
        if (!w->o->longfmt && !w->o->all && !w->o->json) {
            /* Path and type come from the index entry's $FILE_NAME copy:
             * no MFT record read. */
            st.is_dir = de.is_dir;
            st.reparse_tag = de.reparse_tag;
            print_plain(w, path, plen, &de);
            goto recurse;
        }
        if (!w->o->longfmt && !w->o->all) {
            /* Path, type, size and record number come from the index
             * entry's $FILE_NAME copy: no MFT record read (sizes may be
             * stale; -l reads the record). */
            memset(&st, 0, sizeof st);
            st.ref = de.ref;
            st.is_dir = de.is_dir;
            st.size = de.size;
            st.reparse_tag = de.reparse_tag;
            print_entry(w, path, plen, de.name, de.name_len, NULL, &st, 0, &de);
            goto recurse;
        }
        rc = ntfs_open_ref(im->vol, de.ref, &f);
        if (rc) {
            note_err(w, cli_ntfs_vreport(im, rc, de.name));
            continue;
        }
        rc = ntfs_file_stat(f, &st);
        if (rc) {
            note_err(w, cli_ntfs_vreport(im, rc, de.name));
            ntfs_close(f);
            continue;
        }
        print_entry(w, path, plen, de.name, de.name_len, NULL, &st, 0, &de);
        if (w->o->all) {
            size_t cur = 0;
            ntfs_attr_info ai;
            while ((rc = ntfs_file_next_attr(f, &cur, &ai)) == NT_OK)
                if (ai.type == NTFS_AT_DATA && ai.name_len && ai.lowest_vcn == 0)
                    print_entry(w, path, plen, de.name, de.name_len, ai.name, &st, ai.size, &de);
            if (rc != NT_END)
                note_err(w, cli_ntfs_vreport(im, rc, de.name));
        }
        ntfs_close(f);
    recurse:
        if (w->o->recursive && st.is_dir && !st.reparse_tag && !seen_mark(w, NTFS_REF_RECORD(de.ref))) {
            dir_job j;
            j.ref = de.ref;
            j.path = malloc(plen + de.name_len + 2);
            if (!j.path)
                continue;
            memcpy(j.path, path, plen);
            j.path[plen] = '/';
            memcpy(j.path + plen + 1, de.name, de.name_len + 1);
            if (w->n == w->cap) {
                size_t nc = w->cap ? 2 * w->cap : 64;
                dir_job *p = realloc(w->stack, nc * sizeof *p);
                if (!p) {
                    free(j.path);
                    continue;
                }
                w->stack = p;
                w->cap = nc;
            }
            w->stack[w->n++] = j;
        }
    }
    if (rc != NT_END)
        note_err(w, cli_ntfs_vreport(im, rc, path[0] ? path : "/"));
    ntfs_dir_close(it);
    ntfs_close(dir);
    return 0;
}

int cli_ntfs_ls(cli_ntfs_image *im, const cli_ntfs_opts *o)
{
    walker w;
    ntfs_file *f;
    ntfs_stat st;
    const char *p = o->path ? o->path : "/";
    char *root;
    size_t n;
    int rc;

    memset(&w, 0, sizeof w);
    w.im = im;
    w.o = o;
    rc = ntfs_open_path(im->vol, p, &f);
    if (rc)
        return cli_ntfs_vreport(im, rc, p);
    rc = ntfs_file_stat(f, &st);
    ntfs_close(f);
    if (rc)
        return cli_ntfs_vreport(im, rc, p);
    /* Canonical "/a/b" form of the starting path for printing. */
    root = malloc(strlen(p) + 2);
    if (!root)
        return EXIT_NTKIT_IO;
    n = 0;
    for (const char *s = p; *s;) {
        while (*s == '/' || *s == '\\')
            s++;
        if (!*s)
            break;
        root[n++] = '/';
        while (*s && *s != '/' && *s != '\\')
            root[n++] = *s++;
    }
    root[n] = 0;
    w.out = malloc(OUT_BYTES);
    if (!w.out) {
        free(root);
        return EXIT_NTKIT_IO;
    }
    if (!st.is_dir || st.reparse_tag) {
        ntfs_dirent de;
        const char *slash = strrchr(root, '/');
        memset(&de, 0, sizeof de);
        print_entry(&w, root, slash ? (size_t)(slash - root) : 0, slash ? slash + 1 : root,
                    strlen(slash ? slash + 1 : root), NULL, &st, 0, &de);
        out_flush(&w);
        free(w.out);
        free(root);
        return 0;
    }
    seen_mark(&w, NTFS_REF_RECORD(st.ref));
    w.stack = malloc(sizeof *w.stack);
    if (!w.stack) {
        free(w.out);
        free(root);
        return EXIT_NTKIT_IO;
    }
    w.cap = 1;
    w.stack[w.n++] = (dir_job){st.ref, root};
    while (w.n) {
        dir_job j = w.stack[--w.n];
        note_err(&w, list_dir(&w, j.ref, j.path));
        free(j.path);
    }
    out_flush(&w);
    free(w.out);
    free(w.stack);
    free(w.seen);
    return w.worst;
}
