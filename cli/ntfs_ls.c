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

typedef struct walker {
    cli_ntfs_image *im;
    const cli_ntfs_opts *o;
    dir_job *stack;
    size_t n, cap;
    uint8_t *seen;         /* directories already listed (loops, hard links) */
    size_t seen_bytes;
    int worst;
} walker;

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
        cli_ntfs_fmt_attrs(st->file_attributes, abuf);
        cli_ntfs_fmt_time(st->mtime, tbuf[0], sizeof tbuf[0]);
        printf("%-4s %s %14" PRIu64 "  %s  %8" PRIu64 "-%-5u ", type, abuf, size, tbuf[0],
               NTFS_REF_RECORD(st->ref), NTFS_REF_SEQ(st->ref));
    }
    /* Plain stdio writes: this runs once per entry of huge directories. */
    if (o->recursive) {
        fwrite(path, 1, plen, stdout);
        putchar('/');
    }
    fwrite(name, 1, nlen, stdout);
    if (stream) {
        putchar(':');
        fputs(stream, stdout);
    } else if (st->is_dir && !o->longfmt) {
        putchar('/');
    }
    putchar('\n');
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
    if (!st.is_dir || st.reparse_tag) {
        ntfs_dirent de;
        const char *slash = strrchr(root, '/');
        memset(&de, 0, sizeof de);
        print_entry(&w, root, slash ? (size_t)(slash - root) : 0, slash ? slash + 1 : root,
                    strlen(slash ? slash + 1 : root), NULL, &st, 0, &de);
        free(root);
        return 0;
    }
    seen_mark(&w, NTFS_REF_RECORD(st.ref));
    w.stack = malloc(sizeof *w.stack);
    if (!w.stack) {
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
    free(w.stack);
    free(w.seen);
    return w.worst;
}
