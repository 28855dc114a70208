/* ntfs_extract.c - `ntkit ntfs extract IMAGE [PATH] DEST`: copy a file or a
 * subtree out of an image (hosted code; see the --help text in ntfs_main.c
 * for what the user is promised).
 *
 * Safety: every name from the image is checked (not empty, ".", "..", no
 * '/', no NUL) and every file is created relative to an open directory fd
 * with O_NOFOLLOW/O_EXCL, directories are opened O_NOFOLLOW: a hostile image
 * cannot make us write outside DEST, not even through a symlink it had us
 * create a moment earlier.
 *
 * Data: read in large chunks straight into one buffer and written with
 * pwrite. Sparse streams skip their sparse runs without reading them; for
 * compressed and WOF streams (whose runs do not map onto file offsets)
 * all-zero 4 KiB blocks are skipped instead. ftruncate sets the final size,
 * so the skipped ranges are holes. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "ntfs_cli.h"

#define EXTRACT_CHUNK ((size_t)4 << 20)
#define EXTRACT_MAX_DEPTH 1000
#define ZERO_BLOCK 4096
#define REPARSE_TAG_WOF 0x80000017u

typedef struct link_slot {
    uint64_t rec; /* 0 = empty (record 0 is $MFT, never a hard link) */
    char *rel;    /* where its first name was written, below DEST */
} link_slot;

typedef struct extractor {
    cli_ntfs_image *im;
    const cli_ntfs_opts *o;
    const char *dest; /* DEST as shown in messages and JSON */
    int rootfd;       /* DEST (directory extractions) */
    char *vpath;      /* the entry's volume path "/a/b" */
    size_t vcap;
    size_t base_len; /* length of the start path in vpath */
    uint8_t *buf;
    ntfs_reparse *rp;
    uint32_t cluster;
    cli_ntfs_recset seen;
    link_slot *links;
    size_t link_cap, link_count;
    int worst;
    bool stop; /* DEST is full or read-only: give up */
    /* progress */
    bool show;
    uint64_t total_bytes, done_bytes, files, total_files;
    struct timespec t0, last;
} extractor;

static void note(extractor *x, int ec)
{
    if (ec > x->worst)
        x->worst = ec;
}

/* The entry's path below DEST ("" for the start itself). */
static const char *rel_path(const extractor *x)
{
    const char *r = x->vpath + x->base_len;
    return *r == '/' ? r + 1 : r;
}

/* ---- progress ---- */

static double now_s(const struct timespec *t)
{
    return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

static void human(uint64_t n, char *buf, size_t cap)
{
    static const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int i = 0;
    while (v >= 1024 && i < 4) {
        v /= 1024;
        i++;
    }
    snprintf(buf, cap, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

static void progress(extractor *x, bool final)
{
    struct timespec t;
    char done[32], total[32], rate[32], eta[32] = "";
    double el;

    if (!x->show)
        return;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (!final && now_s(&t) - now_s(&x->last) < 0.25)
        return;
    x->last = t;
    el = now_s(&t) - now_s(&x->t0);
    human(x->done_bytes, done, sizeof done);
    human(x->total_bytes, total, sizeof total);
    human(el > 0 ? (uint64_t)((double)x->done_bytes / el) : 0, rate, sizeof rate);
    if (!final && el > 0 && x->done_bytes && x->total_bytes > x->done_bytes)
        snprintf(eta, sizeof eta, ", ETA %.0f s",
                 (double)(x->total_bytes - x->done_bytes) / ((double)x->done_bytes / el));
    fprintf(stderr, "\r\033[K%s of %s, %" PRIu64 " of %" PRIu64 " files, %s/s%s%s", done, total, x->files,
            x->total_files, rate, eta, final ? "\n" : "");
}

/* Sizes and file count from the directory indexes only (cheap), for the
 * ETA. */
static void prescan(extractor *x, uint64_t ref, int depth)
{
    cli_ntfs_entry *e;
    size_t n;
    if (depth > EXTRACT_MAX_DEPTH)
        return;
    if (cli_ntfs_read_dir(x->im, ref, "", false, &e, &n) && !n) {
        cli_ntfs_free_entries(e, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        bool link =
            e[i].reparse_tag == NTFS_REPARSE_TAG_SYMLINK || e[i].reparse_tag == NTFS_REPARSE_TAG_MOUNT_POINT;
        x->total_files++;
        if (!e[i].is_dir)
            x->total_bytes += e[i].size;
        else if (!link && !cli_ntfs_recset_mark(&x->seen, NTFS_REF_RECORD(e[i].ref)))
            prescan(x, e[i].ref, depth + 1);
    }
    cli_ntfs_free_entries(e, n);
}

/* ---- output helpers ---- */

/* A name from the image that is safe as one path component. */
static bool safe_name(const char *name, size_t len)
{
    return len && strlen(name) == len && strcmp(name, ".") && strcmp(name, "..") && !memchr(name, '/', len);
}

/* An error line must not land in the middle of the progress line. */
static void clear_progress(const extractor *x)
{
    if (x->show)
        fputs("\r\033[K", stderr);
}

static int refuse(extractor *x, const char *what, const char *name)
{
    clear_progress(x);
    fprintf(stderr, "ntkit: %s: %s: refusing %s name '%s' (would leave DEST)\n", x->im->name,
            x->vpath[0] ? x->vpath : "/", what, name);
    return EXIT_NTKIT_CORRUPT;
}

/* Reports a failed operation on DEST. Disk full, read-only or I/O errors
 * stop the extraction: every later file would fail the same way. */
static int dest_error(extractor *x, const char *op, int err)
{
    const char *rel = rel_path(x);
    clear_progress(x);
    fprintf(stderr, "ntkit: %s%s%s: %s: %s\n", x->dest, *rel ? "/" : "", rel, op, strerror(err));
    if (err == ENOSPC || err == EDQUOT || err == EROFS || err == EIO)
        x->stop = true;
    return EXIT_NTKIT_IO;
}

/* Reports damage in the image; a record that vanished is damage too. */
static int image_error(extractor *x, int st)
{
    clear_progress(x);
    int ec = cli_ntfs_vreport(x->im, st, x->vpath[0] ? x->vpath : "/");
    return ec == EXIT_NTKIT_NOT_FOUND ? EXIT_NTKIT_CORRUPT : ec;
}

static void json_entry(extractor *x, const char *type, const char *name_suffix, uint64_t size, uint64_t ref,
                       const char *key, const char *val)
{
    const char *rel = rel_path(x);
    if (!x->o->json)
        return;
    printf("{\"path\":");
    {
        size_t vl = strlen(x->vpath), sl = strlen(name_suffix);
        char *p = malloc(vl + sl + 2);
        if (p) {
            snprintf(p, vl + sl + 2, "%s%s", vl ? x->vpath : "/", name_suffix);
            cli_ntfs_json_str(stdout, p, strlen(p));
            free(p);
        }
    }
    printf(",\"dest\":");
    {
        size_t dl = strlen(x->dest) + strlen(rel) + strlen(name_suffix) + 2;
        char *p = malloc(dl);
        if (p) {
            snprintf(p, dl, "%s%s%s%s", x->dest, *rel ? "/" : "", rel, name_suffix);
            cli_ntfs_json_str(stdout, p, strlen(p));
            free(p);
        }
    }
    printf(",\"type\":\"%s\",\"size\":%" PRIu64 ",\"mft\":%" PRIu64, type, size, NTFS_REF_RECORD(ref));
    if (key) {
        printf(",\"%s\":", key);
        cli_ntfs_json_str(stdout, val, strlen(val));
    }
    printf("}\n");
}

static void set_times(struct timespec ts[2], const ntfs_stat *st)
{
    ts[0].tv_sec = (time_t)cli_ntfs_unix_secs(st->atime);
    ts[0].tv_nsec = cli_ntfs_unix_nsec(st->atime);
    ts[1].tv_sec = (time_t)cli_ntfs_unix_secs(st->mtime);
    ts[1].tv_nsec = cli_ntfs_unix_nsec(st->mtime);
}

/* Removes dirfd/name when it is a regular file or a symlink (a device,
 * directory or socket is left alone: errno EEXIST). */
static int remove_old(int dirfd, const char *name)
{
    struct stat sb;
    if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISREG(sb.st_mode) && !S_ISLNK(sb.st_mode)) {
        errno = EEXIST;
        return -1;
    }
    return unlinkat(dirfd, name, 0);
}

/* Creates `name` in dirfd for writing, replacing a file or symlink (never
 * following it) that is there. */
static int create_file(int dirfd, const char *name)
{
    for (int tries = 0; tries < 2; tries++) {
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0 || errno != EEXIST)
            return fd;
        if (remove_old(dirfd, name) != 0)
            return -1;
    }
    errno = EEXIST;
    return -1;
}

static int pwrite_all(int fd, const uint8_t *p, size_t len, uint64_t off)
{
    while (len) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* Writes buf[0..len) at `off`, skipping all-zero blocks when `holes`. */
static int write_chunk(int fd, const uint8_t *buf, size_t len, uint64_t off, bool holes)
{
    static const uint8_t zero[ZERO_BLOCK];
    size_t i = 0;
    if (!holes)
        return pwrite_all(fd, buf, len, off);
    while (i < len) {
        size_t n = len - i < ZERO_BLOCK ? len - i : ZERO_BLOCK;
        if (!memcmp(buf + i, zero, n)) {
            i += n;
            continue;
        }
        size_t j = i + n;
        while (j < len) {
            size_t m = len - j < ZERO_BLOCK ? len - j : ZERO_BLOCK;
            if (!memcmp(buf + j, zero, m))
                break;
            j += m;
        }
        if (pwrite_all(fd, buf + i, j - i, off + i))
            return -1;
        i = j;
    }
    return 0;
}

/* Copies [start, end) of the stream into fd. Returns 0, or an exit code
 * (reported). */
static int copy_range(extractor *x, ntfs_stream *s, int fd, uint64_t start, uint64_t end, bool holes)
{
    while (start < end && !x->stop) {
        size_t want = end - start < EXTRACT_CHUNK ? (size_t)(end - start) : EXTRACT_CHUNK, got = 0;
        int rc = ntfs_stream_read(s, start, x->buf, want, &got);
        if (rc)
            return image_error(x, rc);
        if (!got)
            return image_error(x, NT_ERR_CORRUPT);
        if (write_chunk(fd, x->buf, got, start, holes))
            return dest_error(x, "write", errno);
        start += got;
        x->done_bytes += got;
        progress(x, false);
    }
    return 0;
}

/* Writes one $DATA stream of f (NULL = unnamed) to dirfd/outname. */
static int write_stream(extractor *x, int dirfd, const char *outname, ntfs_file *f, const char *stream,
                        const ntfs_stat *st, uint64_t *size_out)
{
    ntfs_stream *s;
    ntfs_stream_info si;
    struct timespec ts[2];
    int rc, fd, ec = 0;

    rc = ntfs_stream_open(f, NTFS_AT_DATA, stream, &s);
    if (rc == NT_ERR_NOT_FOUND && !stream) {
        s = NULL; /* a file without unnamed data reads as empty */
    } else if (rc) {
        return image_error(x, rc);
    }
    fd = create_file(dirfd, outname);
    if (fd < 0) {
        ec = dest_error(x, "create", errno);
        ntfs_stream_close(s);
        return ec;
    }
    memset(&si, 0, sizeof si);
    if (s)
        ntfs_stream_get_info(s, &si);
    if (s && si.size) {
        bool transformed = si.compressed || si.encrypted || st->reparse_tag == REPARSE_TAG_WOF;
        if (!si.resident && si.sparse && !transformed && x->cluster) {
            /* sparse runs are holes: not read, not written */
            ntfs_run r;
            uint64_t covered = 0;
            for (size_t i = 0; !ec && ntfs_stream_get_run(s, i, &r) == NT_OK; i++) {
                uint64_t a = r.vcn * x->cluster, b = (r.vcn + r.length) * x->cluster;
                if (a >= si.size)
                    break;
                if (b > si.size)
                    b = si.size;
                if (a > covered) /* a gap in the run list reads as the library says */
                    ec = copy_range(x, s, fd, covered, a, true);
                if (!ec && r.lcn >= 0)
                    ec = copy_range(x, s, fd, a, b, false);
                else if (!ec)
                    x->done_bytes += b - a;
                covered = b;
            }
            if (!ec && covered < si.size)
                ec = copy_range(x, s, fd, covered, si.size, true);
        } else {
            ec = copy_range(x, s, fd, 0, si.size, si.sparse || si.compressed);
        }
    }
    if (!ec && ftruncate(fd, (off_t)si.size) != 0)
        ec = dest_error(x, "truncate", errno);
    if (!ec) {
        set_times(ts, st);
        if (futimens(fd, ts) != 0)
            ec = dest_error(x, "set times", errno);
    }
    if (close(fd) != 0 && !ec)
        ec = dest_error(x, "close", errno);
    if (ec)
        remove_old(dirfd, outname); /* no half-written files in DEST */
    ntfs_stream_close(s);
    *size_out = si.size;
    return ec;
}

/* Alternate data streams of f as NAME:STREAM files beside it. */
static int write_streams(extractor *x, int dirfd, const char *name, ntfs_file *f, const ntfs_stat *st)
{
    ntfs_attr_info *ai = malloc(sizeof *ai);
    size_t cur = 0;
    int rc, worst = 0;

    if (!ai)
        return dest_error(x, "streams", ENOMEM);
    while (!x->stop && (rc = ntfs_file_next_attr(f, &cur, ai)) == NT_OK) {
        if (ai->type != NTFS_AT_DATA || !ai->name_len || ai->lowest_vcn)
            continue;
        if (!safe_name(ai->name, ai->name_len)) {
            worst = refuse(x, "stream", ai->name);
            continue;
        }
        size_t nl = strlen(name) + ai->name_len + 2;
        char *out = malloc(nl), *sfx = malloc(ai->name_len + 2);
        uint64_t size = 0;
        if (!out || !sfx) {
            free(out);
            free(sfx);
            worst = dest_error(x, "streams", ENOMEM);
            break;
        }
        snprintf(out, nl, "%s:%s", name, ai->name);
        snprintf(sfx, ai->name_len + 2, ":%s", ai->name);
        int ec = write_stream(x, dirfd, out, f, ai->name, st, &size);
        if (ec > worst)
            worst = ec;
        else if (!ec)
            json_entry(x, "stream", sfx, size, st->ref, "stream", ai->name);
        free(out);
        free(sfx);
    }
    if (!x->stop && rc != NT_END && rc != NT_OK)
        worst = image_error(x, rc);
    free(ai);
    return worst;
}

/* The symlink target for a link whose volume path is x->vpath: relative
 * targets as stored, drive paths (C:\a, \??\C:\a) made relative to the
 * link's directory, anything else as stored; '\' becomes '/'. */
static char *link_target(extractor *x, const ntfs_reparse *rp)
{
    const char *t = rp->target_len ? rp->target : rp->substitute;
    size_t n = strlen(t);
    char *c = malloc(n + 1), *out;
    const char *rest;
    unsigned depth = 0;

    if (!c)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        c[i] = t[i] == '\\' ? '/' : t[i];
    if (rp->tag == NTFS_REPARSE_TAG_SYMLINK && rp->relative)
        return c;
    rest = c;
    if (!strncmp(rest, "/?\?/", 4) || !strncmp(rest, "//?/", 4))
        rest += 4;
    if (!(((rest[0] | 0x20) >= 'a' && (rest[0] | 0x20) <= 'z') && rest[1] == ':' &&
          (rest[2] == '/' || !rest[2])))
        return c; /* UNC, volume GUID, ...: as stored */
    rest += 2;
    while (*rest == '/')
        rest++;
    /* one "../" per directory between the volume root and the link */
    for (const char *p = x->vpath; *p; p++)
        depth += *p == '/';
    depth = depth ? depth - 1 : 0;
    out = malloc(3 * (size_t)depth + strlen(rest) + 2);
    if (!out) {
        free(c);
        return NULL;
    }
    out[0] = 0;
    for (unsigned i = 0; i < depth; i++)
        strcat(out, "../");
    strcat(out, *rest ? rest : (depth ? "" : "."));
    if (!*rest && depth)
        out[strlen(out) - 1] = 0; /* "../.." not "../../" */
    free(c);
    return out;
}

static int make_symlink(extractor *x, int dirfd, const char *name, ntfs_file *f, const ntfs_stat *st)
{
    struct timespec ts[2];
    char *target;
    int rc = ntfs_readlink(f, x->rp);

    if (rc)
        return image_error(x, rc);
    target = link_target(x, x->rp);
    if (!target)
        return dest_error(x, "symlink", ENOMEM);
    if (symlinkat(target, dirfd, name) != 0) {
        if (errno != EEXIST || remove_old(dirfd, name) != 0 || symlinkat(target, dirfd, name) != 0) {
            free(target);
            return dest_error(x, "symlink", errno);
        }
    }
    set_times(ts, st);
    utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW); /* best effort: some file systems cannot */
    json_entry(x, "symlink", "", 0, st->ref, "target", target);
    free(target);
    return 0;
}

/* Hard links: the first name of a multi-link file is remembered; later
 * names become links to it. */
static link_slot *link_find(extractor *x, uint64_t rec, bool add)
{
    if (add && (x->link_count + 1) * 2 > x->link_cap) {
        size_t nc = x->link_cap ? x->link_cap * 2 : 256;
        link_slot *nl = calloc(nc, sizeof *nl);
        if (!nl)
            return NULL;
        for (size_t i = 0; i < x->link_cap; i++) {
            if (!x->links[i].rec)
                continue;
            size_t h = (size_t)(x->links[i].rec * 0x9E3779B97F4A7C15ull) & (nc - 1);
            while (nl[h].rec)
                h = (h + 1) & (nc - 1);
            nl[h] = x->links[i];
        }
        free(x->links);
        x->links = nl;
        x->link_cap = nc;
    }
    if (!x->link_cap)
        return NULL;
    size_t h = (size_t)(rec * 0x9E3779B97F4A7C15ull) & (x->link_cap - 1);
    while (x->links[h].rec && x->links[h].rec != rec)
        h = (h + 1) & (x->link_cap - 1);
    if (x->links[h].rec == rec)
        return &x->links[h];
    if (!add)
        return NULL;
    x->links[h].rec = rec;
    x->link_count++;
    return &x->links[h];
}

static int extract_file(extractor *x, int dirfd, const char *name, ntfs_file *f, const ntfs_stat *st)
{
    uint64_t rec = NTFS_REF_RECORD(st->ref), size = 0;
    link_slot *ls = NULL;
    int ec;

    if (st->link_count > 1 && x->rootfd >= 0 && rec) {
        ls = link_find(x, rec, false);
        if (ls && ls->rel) {
            remove_old(dirfd, name);
            if (linkat(x->rootfd, ls->rel, dirfd, name, 0) == 0) {
                char *dest = malloc(strlen(x->dest) + strlen(ls->rel) + 2);
                if (dest)
                    sprintf(dest, "%s/%s", x->dest, ls->rel);
                json_entry(x, "hardlink", "", st->size, st->ref, "link", dest ? dest : ls->rel);
                free(dest);
                x->files++;
                return 0;
            }
            /* linking failed (another file system, no permission): copy */
        }
    }
    ec = write_stream(x, dirfd, name, f, NULL, st, &size);
    if (ec)
        return ec;
    x->files++;
    json_entry(x, "file", "", size, st->ref, NULL, NULL);
    if (st->link_count > 1 && x->rootfd >= 0 && rec && !ls) {
        ls = link_find(x, rec, true);
        if (ls)
            ls->rel = strdup(rel_path(x));
    }
    return 0;
}

static bool is_link(const ntfs_stat *st)
{
    return st->reparse_tag == NTFS_REPARSE_TAG_SYMLINK || st->reparse_tag == NTFS_REPARSE_TAG_MOUNT_POINT;
}

static void extract_dir(extractor *x, int dfd, uint64_t ref, int depth);

/* Extracts the entry (x->vpath) named `name` into dirfd. */
static void extract_entry(extractor *x, int dirfd, const char *name, uint64_t ref, int depth)
{
    ntfs_file *f;
    ntfs_stat st;
    int rc = ntfs_open_ref(x->im->vol, ref, &f);

    if (rc == NT_OK) {
        rc = ntfs_file_stat(f, &st);
        if (rc)
            ntfs_close(f);
    }
    if (rc) {
        note(x, image_error(x, rc));
        return;
    }
    if (is_link(&st)) {
        note(x, make_symlink(x, dirfd, name, f, &st));
    } else if (st.is_dir) {
        struct timespec ts[2];
        int dfd;
        if (mkdirat(dirfd, name, 0755) != 0 && errno != EEXIST) {
            note(x, dest_error(x, "mkdir", errno));
            ntfs_close(f);
            return;
        }
        dfd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0) {
            note(x, dest_error(x, "open directory", errno));
            ntfs_close(f);
            return;
        }
        json_entry(x, "dir", "", 0, st.ref, NULL, NULL);
        if (x->o->streams)
            note(x, write_streams(x, dirfd, name, f, &st));
        ntfs_close(f);
        f = NULL;
        if (cli_ntfs_recset_mark(&x->seen, NTFS_REF_RECORD(st.ref))) {
            fprintf(stderr, "ntkit: %s: %s: directory already extracted (a loop in the image?)\n",
                    x->im->name, x->vpath);
            note(x, EXIT_NTKIT_CORRUPT);
        } else {
            extract_dir(x, dfd, st.ref, depth + 1);
        }
        set_times(ts, &st);
        if (futimens(dfd, ts) != 0)
            note(x, dest_error(x, "set times", errno));
        close(dfd);
        x->files++;
        return;
    } else {
        int ec = extract_file(x, dirfd, name, f, &st);
        note(x, ec);
        if (!ec && x->o->streams)
            note(x, write_streams(x, dirfd, name, f, &st));
    }
    ntfs_close(f);
}

/* Extracts the contents of directory `ref` into the open directory dfd. */
static void extract_dir(extractor *x, int dfd, uint64_t ref, int depth)
{
    cli_ntfs_entry *e;
    size_t n, plen = strlen(x->vpath);

    if (depth > EXTRACT_MAX_DEPTH) {
        fprintf(stderr, "ntkit: %s: %s: directories nested deeper than %d levels\n", x->im->name, x->vpath,
                EXTRACT_MAX_DEPTH);
        note(x, EXIT_NTKIT_CORRUPT);
        return;
    }
    note(x, cli_ntfs_read_dir(x->im, ref, plen ? x->vpath : "/", false, &e, &n));
    for (size_t i = 0; i < n && !x->stop; i++) {
        size_t need = plen + e[i].name_len + 2;
        if (need > x->vcap) {
            char *p = realloc(x->vpath, need * 2);
            if (!p) {
                note(x, dest_error(x, "path", ENOMEM));
                break;
            }
            x->vpath = p;
            x->vcap = need * 2;
        }
        if (!safe_name(e[i].name, e[i].name_len)) {
            note(x, refuse(x, "file", e[i].name));
            continue;
        }
        x->vpath[plen] = '/';
        memcpy(x->vpath + plen + 1, e[i].name, e[i].name_len + 1);
        extract_entry(x, dfd, e[i].name, e[i].ref, depth);
        x->vpath[plen] = 0;
    }
    cli_ntfs_free_entries(e, n);
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

int cli_ntfs_extract(cli_ntfs_image *im, const cli_ntfs_opts *o)
{
    extractor x;
    ntfs_file *f;
    ntfs_stat st;
    ntfs_volume_info vi;
    struct rlimit rl;
    const char *p = o->path ? o->path : "/";
    int rc;

    memset(&x, 0, sizeof x);
    x.im = im;
    x.o = o;
    x.rootfd = -1;
    x.dest = o->dest;
    rc = ntfs_open_path(im->vol, p, &f);
    if (rc)
        return cli_ntfs_vreport(im, rc, p);
    rc = ntfs_file_stat(f, &st);
    if (rc) {
        ntfs_close(f);
        return cli_ntfs_vreport(im, rc, p);
    }
    x.vpath = cli_ntfs_canonical_path(p);
    x.buf = malloc(EXTRACT_CHUNK);
    x.rp = malloc(sizeof *x.rp);
    if (!x.vpath || !x.buf || !x.rp) {
        ntfs_close(f);
        rc = cli_ntfs_write_error("extract", ENOMEM);
        goto out;
    }
    x.vcap = strlen(x.vpath) + 1;
    x.base_len = strlen(x.vpath);
    if (ntfs_volume_get_info(im->vol, false, &vi) == NT_OK)
        x.cluster = vi.cluster_size;
    /* one directory fd per level of nesting */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max && rl.rlim_cur < 4096) {
        rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    x.show = o->progress || (!o->quiet && isatty(2));
    clock_gettime(CLOCK_MONOTONIC, &x.t0);
    x.last = x.t0;

    if (st.is_dir && !is_link(&st)) {
        struct timespec ts[2];
        if (x.show) {
            cli_ntfs_recset_mark(&x.seen, NTFS_REF_RECORD(st.ref));
            prescan(&x, st.ref, 0);
            free(x.seen.bits);
            memset(&x.seen, 0, sizeof x.seen);
        }
        ntfs_close(f);
        if (make_dirs(o->dest) != 0 || (x.rootfd = open(o->dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
            rc = cli_ntfs_write_error(o->dest, errno);
            goto out;
        }
        cli_ntfs_recset_mark(&x.seen, NTFS_REF_RECORD(st.ref));
        extract_dir(&x, x.rootfd, st.ref, 0);
        set_times(ts, &st);
        if (!x.stop && futimens(x.rootfd, ts) != 0)
            note(&x, cli_ntfs_write_error(o->dest, errno));
    } else {
        /* one file or link: DEST names it, or is the directory to put it in */
        struct stat sb;
        const char *slash = strrchr(x.vpath, '/');
        const char *name = slash ? slash + 1 : x.vpath;
        char *dir = NULL, *shown = NULL;
        int dirfd;
        x.total_bytes = st.size;
        x.total_files = 1;
        if (stat(o->dest, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            dir = strdup(o->dest);
            shown = malloc(strlen(o->dest) + strlen(name) + 2);
            if (shown) {
                sprintf(shown, "%s/%s", o->dest, name);
                x.dest = shown;
            }
        } else {
            const char *ds = strrchr(o->dest, '/');
            dir = ds ? strndup(o->dest, ds == o->dest ? 1 : (size_t)(ds - o->dest)) : strdup(".");
            name = ds ? ds + 1 : o->dest;
        }
        if (!dir || !safe_name(name, strlen(name))) {
            ntfs_close(f);
            free(dir);
            free(shown);
            fprintf(stderr, "ntkit: %s: not a usable file name for PATH\n", o->dest);
            rc = EXIT_NTKIT_USAGE;
            goto out;
        }
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
            rc = cli_ntfs_write_error(dir, errno);
            ntfs_close(f);
            free(dir);
            free(shown);
            goto out;
        }
        /* JSON "dest" and error lines name DEST itself */
        x.base_len = strlen(x.vpath);
        if (is_link(&st)) {
            note(&x, make_symlink(&x, dirfd, name, f, &st));
        } else {
            int ec = extract_file(&x, dirfd, name, f, &st);
            note(&x, ec);
            if (!ec && o->streams)
                note(&x, write_streams(&x, dirfd, name, f, &st));
        }
        ntfs_close(f);
        close(dirfd);
        free(dir);
        progress(&x, true);
        x.dest = o->dest;
        free(shown);
    }
    if (st.is_dir && !is_link(&st))
        progress(&x, true);
    rc = x.worst;
out:
    if (x.rootfd >= 0)
        close(x.rootfd);
    for (size_t i = 0; i < x.link_cap; i++)
        free(x.links[i].rel);
    free(x.links);
    free(x.seen.bits);
    free(x.vpath);
    free(x.buf);
    free(x.rp);
    return rc;
}
