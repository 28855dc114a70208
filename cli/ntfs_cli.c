/* ntfs_cli.c - the image, error reports and formatting shared by the
 * `ntkit ntfs` commands (see ntfs_cli.h). The image is opened through
 * common_image (volume, MBR/GPT disk, IMAGE@N, gzip, or --offset); the
 * parser's memory comes from one mmap'd arena managed by libntcore's chunk
 * allocator (--heap). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "common_parallel.h"
#include "common_ntfs.h"
#include "ntfs_cli.h"

int cli_ntfs_image_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    cli_ntfs_image *im = ctx;
    return cli_image_read(im->img, off, buf, len);
}

int cli_ntfs_write_error(const char *what, int err)
{
    fprintf(stderr, "ntkit: %s: %s\n", what, strerror(err));
    return EXIT_NTKIT_IO;
}


/* ---- errors ---- */

/* One line: file, what, offset, record, rule. */
int cli_ntfs_ireport(cli_ntfs_image *im, int st, const nt_diag *d, const char *what)
{
    return cli_ntfs_report(im->name, &im->arena, im->offset, st, d, what);
}

int cli_ntfs_vreport(cli_ntfs_image *im, int st, const char *what)
{
    return cli_ntfs_ireport(im, st, im->vol ? ntfs_diag(im->vol) : NULL, what);
}

/* ---- image ---- */

int cli_ntfs_image_open(cli_ntfs_image *im, const cli_ntfs_opts *o)
{
    cli_image_options io = {o->has_offset, o->offset};
    cli_image_error kind;
    ntfs_config cfg;
    nt_diag diag;
    char err[512];
    int rc;

    memset(im, 0, sizeof *im);
    im->name = o->image;
    im->fd = -1;
    if (cli_image_open_ex(o->image, &io, &im->img, &kind, err, sizeof err)) {
        fprintf(stderr, "ntkit: %s\n", err);
        switch (kind) {
        case CLI_IMAGE_ERR_NOT_FOUND: return EXIT_NTKIT_NOT_FOUND;
        case CLI_IMAGE_ERR_USAGE: return EXIT_NTKIT_USAGE;
        case CLI_IMAGE_ERR_IO: return EXIT_NTKIT_IO;
        default: return EXIT_NTKIT_CORRUPT;
        }
    }
    im->fd = cli_image_fd(im->img);
    im->offset = cli_image_volume_offset(im->img);
    im->size = cli_image_volume_size(im->img);
    if (cli_arena_init(&im->arena, o->heap)) {
        fprintf(stderr, "ntkit: cannot map a %zu-byte heap (--heap): %s\n", o->heap, strerror(errno));
        cli_image_close(im->img);
        return EXIT_NTKIT_IO;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.ctx = im;
    cfg.read = cli_ntfs_image_read;
    cfg.allocator = im->arena.iface;
    cfg.volume_size = im->size;
    /* WOF reads decode batches of chunks on every CPU (NTKIT_THREADS). */
    if (cli_parallel_width() > 1) {
        cfg.parallel = cli_parallel_run;
        cfg.parallel_width = cli_parallel_width();
    }
    rc = ntfs_mount(&cfg, &im->vol, &diag);
    if (rc) {
        int ec = cli_ntfs_ireport(im, rc, &diag, "cannot mount");
        cli_arena_fini(&im->arena);
        cli_image_close(im->img);
        return ec;
    }
    return EXIT_NTKIT_OK;
}

void cli_ntfs_image_close(cli_ntfs_image *im)
{
    ntfs_unmount(im->vol);
    im->vol = NULL;
    cli_parallel_shutdown();
    cli_arena_fini(&im->arena);
    cli_image_close(im->img);
    im->img = NULL;
}

/* ---- paths and times ---- */

char *cli_ntfs_canonical_path(const char *p)
{
    char *out = malloc(strlen(p) + 2);
    size_t n = 0;

    if (!out)
        return NULL;
    for (const char *s = p; *s;) {
        while (*s == '/' || *s == '\\')
            s++;
        if (!*s)
            break;
        out[n++] = '/';
        while (*s && *s != '/' && *s != '\\')
            out[n++] = *s++;
    }
    out[n] = 0;
    return out;
}

int64_t cli_ntfs_unix_secs(uint64_t ft)
{
    return (int64_t)(ft / 10000000u) - 11644473600LL;
}

long cli_ntfs_unix_nsec(uint64_t ft)
{
    return (long)(ft % 10000000u) * 100;
}

/* ---- directories ---- */

int cli_ntfs_read_dir(cli_ntfs_image *im, uint64_t ref, const char *shown, bool all, cli_ntfs_entry **out,
                      size_t *count)
{
    cli_ntfs_entry *v = NULL;
    size_t n = 0, cap = 0;
    ntfs_file *dir;
    ntfs_dir *it;
    ntfs_dirent *de;
    int rc, ec = 0;

    *out = NULL;
    *count = 0;
    de = malloc(sizeof *de);
    if (!de)
        return cli_ntfs_write_error(shown, ENOMEM);
    rc = ntfs_open_ref(im->vol, ref, &dir);
    if (rc) {
        free(de);
        return cli_ntfs_vreport(im, rc, shown);
    }
    rc = ntfs_dir_open(dir, &it);
    if (rc) {
        ntfs_close(dir);
        free(de);
        return cli_ntfs_vreport(im, rc, shown);
    }
    while ((rc = ntfs_dir_next(it, de)) == NT_OK) {
        if (!all && NTFS_REF_RECORD(de->ref) < 16)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            cli_ntfs_entry *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                rc = NT_ERR_NOMEM;
                break;
            }
            v = nv;
            cap = nc;
        }
        v[n].name = malloc(de->name_len + 1);
        if (!v[n].name) {
            rc = NT_ERR_NOMEM;
            break;
        }
        memcpy(v[n].name, de->name, de->name_len);
        v[n].name[de->name_len] = 0;
        v[n].name_len = de->name_len;
        v[n].ref = de->ref;
        v[n].is_dir = de->is_dir;
        v[n].reparse_tag = de->reparse_tag;
        v[n].size = de->size;
        n++;
    }
    if (rc != NT_END)
        ec = rc == NT_ERR_NOMEM ? cli_ntfs_write_error(shown, ENOMEM) : cli_ntfs_vreport(im, rc, shown);
    ntfs_dir_close(it);
    ntfs_close(dir);
    free(de);
    *out = v;
    *count = n;
    return ec;
}

void cli_ntfs_free_entries(cli_ntfs_entry *e, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(e[i].name);
    free(e);
}

bool cli_ntfs_recset_mark(cli_ntfs_recset *s, uint64_t rec)
{
    uint64_t byte = rec / 8;
    if (byte >= s->bytes) {
        size_t nb;
        uint8_t *p;
        if (byte > ((uint64_t)1 << 40))
            return true;
        nb = (size_t)(byte + 1) * 2;
        p = realloc(s->bits, nb);
        if (!p)
            return true;
        memset(p + s->bytes, 0, nb - s->bytes);
        s->bits = p;
        s->bytes = nb;
    }
    if (s->bits[byte] & (1u << (rec % 8)))
        return true;
    s->bits[byte] |= (uint8_t)(1u << (rec % 8));
    return false;
}

/* ---- formatting ---- */

void cli_ntfs_fmt_time(uint64_t ft, char *buf, size_t cap)
{
    int64_t secs = (int64_t)(ft / 10000000u) - 11644473600LL;
    unsigned frac = (unsigned)(ft % 10000000u);
    time_t t = (time_t)secs;
    struct tm tm;

    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, cap, "?");
        return;
    }
    snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%07uZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

void cli_ntfs_json_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void cli_ntfs_fmt_attrs(uint32_t a, char *buf)
{
    static const struct { uint32_t bit; char c; } map[] = {
        {NTFS_FA_READONLY, 'R'}, {NTFS_FA_HIDDEN, 'H'},     {NTFS_FA_SYSTEM, 'S'},
        {NTFS_FA_ARCHIVE, 'A'},  {NTFS_FA_COMPRESSED, 'C'}, {NTFS_FA_SPARSE, 'P'},
        {NTFS_FA_ENCRYPTED, 'E'}, {NTFS_FA_REPARSE, 'L'},   {NTFS_FA_TEMPORARY, 'T'},
        {NTFS_FA_OFFLINE, 'O'},  {NTFS_FA_NOT_INDEXED, 'I'},
    };
    size_t i;
    for (i = 0; i < sizeof map / sizeof map[0]; i++)
        buf[i] = (a & map[i].bit) ? map[i].c : '-';
    buf[i] = 0;
}

void cli_ntfs_json_attr_names(FILE *f, uint32_t a)
{
    static const struct { uint32_t bit; const char *n; } map[] = {
        {NTFS_FA_READONLY, "readonly"}, {NTFS_FA_HIDDEN, "hidden"},       {NTFS_FA_SYSTEM, "system"},
        {NTFS_FA_DIRECTORY, "directory"}, {NTFS_FA_ARCHIVE, "archive"},   {NTFS_FA_TEMPORARY, "temporary"},
        {NTFS_FA_SPARSE, "sparse"},     {NTFS_FA_REPARSE, "reparse"},     {NTFS_FA_COMPRESSED, "compressed"},
        {NTFS_FA_OFFLINE, "offline"},   {NTFS_FA_NOT_INDEXED, "not_indexed"}, {NTFS_FA_ENCRYPTED, "encrypted"},
    };
    bool first = true;
    fputc('[', f);
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (a & map[i].bit) {
            fprintf(f, "%s\"%s\"", first ? "" : ",", map[i].n);
            first = false;
        }
    fputc(']', f);
}

const char *cli_ntfs_ns_name(uint8_t ns)
{
    switch (ns) {
    case NTFS_NS_POSIX: return "POSIX";
    case NTFS_NS_WIN32: return "Win32";
    case NTFS_NS_DOS: return "DOS";
    case NTFS_NS_WIN32_DOS: return "Win32&DOS";
    default: return "?";
    }
}

const char *cli_ntfs_attr_type_name(uint32_t t)
{
    switch (t) {
    case NTFS_AT_STANDARD_INFORMATION: return "$STANDARD_INFORMATION";
    case NTFS_AT_ATTRIBUTE_LIST: return "$ATTRIBUTE_LIST";
    case NTFS_AT_FILE_NAME: return "$FILE_NAME";
    case NTFS_AT_OBJECT_ID: return "$OBJECT_ID";
    case NTFS_AT_SECURITY_DESCRIPTOR: return "$SECURITY_DESCRIPTOR";
    case NTFS_AT_VOLUME_NAME: return "$VOLUME_NAME";
    case NTFS_AT_VOLUME_INFORMATION: return "$VOLUME_INFORMATION";
    case NTFS_AT_DATA: return "$DATA";
    case NTFS_AT_INDEX_ROOT: return "$INDEX_ROOT";
    case NTFS_AT_INDEX_ALLOCATION: return "$INDEX_ALLOCATION";
    case NTFS_AT_BITMAP: return "$BITMAP";
    case NTFS_AT_REPARSE_POINT: return "$REPARSE_POINT";
    case NTFS_AT_EA_INFORMATION: return "$EA_INFORMATION";
    case NTFS_AT_EA: return "$EA";
    case NTFS_AT_LOGGED_UTILITY_STREAM: return "$LOGGED_UTILITY_STREAM";
    default: return "unknown";
    }
}

const char *cli_ntfs_type_of(const ntfs_stat *st)
{
    if (st->reparse_tag == NTFS_REPARSE_TAG_SYMLINK || st->reparse_tag == NTFS_REPARSE_TAG_MOUNT_POINT)
        return "symlink";
    return st->is_dir ? "dir" : "file";
}
