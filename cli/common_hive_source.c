/* Where a hive's bytes come from: a host file, a gzip-compressed host file,
 * or a file inside an NTFS image ("IMAGE::PATH"), read through libntfs.
 * See common_hive_source.h. */
#include "common_hive_source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "commands.h"

#ifdef NTKIT_HAVE_NTFS
#include "common_arena.h"
#include "common_image.h"
#include "ntfs.h"
#endif

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    va_list ap;
    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

static bool host_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* "FILE" or "FILE@N" with FILE an existing host file (what cli_image_open
 * accepts as an image). */
static bool image_part_exists(const char *left)
{
    const char *at = strrchr(left, '@');
    char *file;
    bool ok;

    if (host_exists(left))
        return true;
    if (!at || !at[1] || strspn(at + 1, "0123456789") != strlen(at + 1))
        return false;
    file = strndup(left, (size_t)(at - left));
    if (!file)
        abort();
    ok = host_exists(file);
    free(file);
    return ok;
}

static bool starts_gzip(const char *path)
{
    unsigned char m[2];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    bool gz = false;
    if (fd < 0)
        return false;
    gz = pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
    close(fd);
    return gz;
}

hive_source_kind hive_source_classify(const char *spec, size_t *split)
{
    const char *p = spec, *first = strstr(spec, "::");
    struct stat st;

    if (stat(spec, &st) == 0)
        return S_ISREG(st.st_mode) && starts_gzip(spec) ? HIVE_SOURCE_GZIP : HIVE_SOURCE_HOST;
    if (!first)
        return HIVE_SOURCE_HOST;
    while ((p = strstr(p, "::")) != NULL) {
        char *left = strndup(spec, (size_t)(p - spec));
        bool ok;
        if (!left)
            abort();
        ok = *left && image_part_exists(left);
        free(left);
        if (ok) {
            if (split)
                *split = (size_t)(p - spec);
            return HIVE_SOURCE_IMAGE;
        }
        p += 2;
    }
    if (split)
        *split = (size_t)(first - spec);
    return HIVE_SOURCE_NO_IMAGE;
}

/* ---- host files ------------------------------------------------------- */

static int read_host(const char *spec, uint8_t **data, size_t *size, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(spec, O_RDONLY | O_CLOEXEC);
    size_t done = 0;
    uint8_t *buf;

    if (fd < 0 || fstat(fd, &st) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return fail(err, errlen, e == ENOENT ? EXIT_NTKIT_NOT_FOUND : EXIT_NTKIT_IO, "%s: %s", spec,
                    strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return fail(err, errlen, EXIT_NTKIT_USAGE, "%s: is a directory, not a hive file", spec);
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > HIVE_SOURCE_MAX_BYTES) {
        close(fd);
        return fail(err, errlen, EXIT_NTKIT_IO, "%s: not a regular file of at most 2 GiB", spec);
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf)
        abort();
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = errno;
            free(buf);
            close(fd);
            return fail(err, errlen, EXIT_NTKIT_IO, "%s: read: %s", spec, n < 0 ? strerror(e) : "short file");
        }
        done += (size_t)n;
    }
    close(fd);
    *data = buf;
    *size = done;
    return EXIT_NTKIT_OK;
}

/* Inflates a gzip host file (several members are read one after another). */
static int read_gzip(const char *spec, uint8_t **data, size_t *size, char *err, size_t errlen)
{
    uint8_t *in = NULL, *out = NULL;
    size_t in_size = 0, cap, len = 0;
    z_stream zs;
    int rc = read_host(spec, &in, &in_size, err, errlen), zr;

    if (rc)
        return rc;
    cap = in_size < ((size_t)1 << 20) ? ((size_t)1 << 20) : in_size * 4;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 16) != Z_OK) {
        free(in);
        return fail(err, errlen, EXIT_NTKIT_IO, "%s: cannot set up zlib", spec);
    }
    out = malloc(cap + 1);
    if (!out)
        abort();
    zs.next_in = in;
    zs.avail_in = (uInt)(in_size > UINT32_MAX ? UINT32_MAX : in_size);
    for (;;) {
        if (len == cap) {
            if ((uint64_t)cap >= HIVE_SOURCE_MAX_BYTES) {
                rc = fail(err, errlen, EXIT_NTKIT_CORRUPT, "%s: decompresses to more than 2 GiB", spec);
                break;
            }
            cap = (uint64_t)cap * 2 > HIVE_SOURCE_MAX_BYTES ? (size_t)HIVE_SOURCE_MAX_BYTES : cap * 2;
            out = realloc(out, cap + 1);
            if (!out)
                abort();
        }
        zs.next_out = out + len;
        zs.avail_out = (uInt)(cap - len > UINT32_MAX ? UINT32_MAX : cap - len);
        zr = inflate(&zs, Z_NO_FLUSH);
        len = (size_t)(zs.next_out - out);
        if (zr == Z_STREAM_END) {
            /* Another member follows, or the trailing bytes are padding. */
            if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
                inflateReset(&zs);
                continue;
            }
            break;
        }
        if (zr == Z_OK)
            continue;
        if (zr == Z_BUF_ERROR && zs.avail_out == 0)
            continue;
        rc =
            fail(err, errlen, EXIT_NTKIT_CORRUPT, "%s: corrupt or truncated gzip data at compressed byte %zu",
                 spec, (size_t)(zs.next_in - in));
        break;
    }
    inflateEnd(&zs);
    free(in);
    if (rc) {
        free(out);
        return rc;
    }
    *data = out;
    *size = len;
    return EXIT_NTKIT_OK;
}

/* ---- files inside an image -------------------------------------------- */

#ifdef NTKIT_HAVE_NTFS

/* One image stays mounted: the hive and then its logs are read from it. */
static struct mounted {
    char *image;
    cli_image *img;
    cli_arena arena;
    ntfs_volume *vol;
    bool at_exit;
} M;

void hive_source_release(void)
{
    if (M.vol)
        ntfs_unmount(M.vol);
    if (M.img) {
        cli_arena_fini(&M.arena);
        cli_image_close(M.img);
    }
    free(M.image);
    M.image = NULL;
    M.img = NULL;
    M.vol = NULL;
}

/* "corrupt volume at 0x.. (MFT record N): rule" for a libntfs failure. */
static int ntfs_fail(const char *spec, int st, const nt_diag *d, const char *what, char *err, size_t errlen)
{
    char where[96] = "";
    const char *kind;
    int code;

    switch (st) {
    case NT_ERR_NOT_FOUND:
        code = EXIT_NTKIT_NOT_FOUND;
        kind = "not found";
        break;
    case NT_ERR_IO:
        code = EXIT_NTKIT_IO;
        kind = "I/O error reading the image";
        break;
    case NT_ERR_NOMEM:
        code = EXIT_NTKIT_IO;
        kind = "out of parser memory";
        break;
    case NT_ERR_INVALID:
        code = EXIT_NTKIT_USAGE;
        kind = "invalid path";
        break;
    case NT_ERR_UNSUPPORTED:
        code = EXIT_NTKIT_CORRUPT;
        kind = "unsupported";
        break;
    default:
        code = EXIT_NTKIT_CORRUPT;
        kind = "corrupt volume";
    }
    if (st == NT_ERR_NOMEM || M.arena.exhausted)
        return fail(err, errlen, EXIT_NTKIT_IO, "%s: %s: out of parser memory (%zu MiB)", spec, what,
                    M.arena.bytes >> 20);
    if (d && d->status == st && d->rule) {
        size_t n = 0;
        if (d->offset != NT_DIAG_NO_OFFSET)
            n += (size_t)snprintf(where + n, sizeof where - n, " at 0x%" PRIx64, d->offset);
        if (d->record != NT_DIAG_NO_RECORD && n < sizeof where)
            snprintf(where + n, sizeof where - n, " (MFT record %" PRIu64 ")", d->record);
        return fail(err, errlen, code, "%s: %s: %s%s: %s", spec, what, kind, where, d->rule);
    }
    return fail(err, errlen, code, "%s: %s: %s", spec, what, kind);
}

static int mount_image(const char *spec, const char *image, char *err, size_t errlen)
{
    char why[384];
    ntfs_config cfg;
    nt_diag diag;
    int st;

    if (M.image && !strcmp(M.image, image))
        return EXIT_NTKIT_OK;
    hive_source_release();
    if (!M.at_exit) {
        atexit(hive_source_release);
        M.at_exit = true;
    }
    if (cli_image_open(image, &M.img, why, sizeof why)) {
        int code = EXIT_NTKIT_CORRUPT;
        if (!strncmp(why, "cannot open", 11) || !strncmp(why, "cannot stat", 11) ||
            strstr(why, "out of memory"))
            code = errno == ENOENT ? EXIT_NTKIT_NOT_FOUND : EXIT_NTKIT_IO;
        else if (strstr(why, ": no partition") || strstr(why, "no NTFS partition"))
            code = EXIT_NTKIT_NOT_FOUND;
        else if (strstr(why, "is a directory"))
            code = EXIT_NTKIT_USAGE;
        M.img = NULL;
        return fail(err, errlen, code, "%s: %s", spec, why);
    }
    if (cli_arena_init(&M.arena, 0)) {
        int e = errno;
        cli_image_close(M.img);
        M.img = NULL;
        return fail(err, errlen, EXIT_NTKIT_IO, "%s: cannot map the parser heap: %s", spec, strerror(e));
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.ctx = M.img;
    cfg.read = cli_image_read;
    cfg.volume_size = cli_image_volume_size(M.img);
    cfg.allocator = M.arena.iface;
    st = ntfs_mount(&cfg, &M.vol, &diag);
    if (st) {
        int rc = ntfs_fail(spec, st, &diag, "cannot mount the NTFS volume", err, errlen);
        M.vol = NULL;
        hive_source_release();
        /* "not found" while mounting means a missing system file: damage. */
        return rc == EXIT_NTKIT_NOT_FOUND ? EXIT_NTKIT_CORRUPT : rc;
    }
    M.image = strdup(image);
    if (!M.image)
        abort();
    return EXIT_NTKIT_OK;
}

static int read_in_image(const char *spec, size_t split, uint8_t **data, size_t *size, char *err,
                         size_t errlen)
{
    char *image = strndup(spec, split);
    const char *path = spec + split + 2;
    ntfs_file *file = NULL;
    ntfs_stream *s = NULL;
    ntfs_stat fst;
    uint64_t total;
    uint8_t *buf = NULL;
    size_t done = 0;
    int rc, st;

    if (!image)
        abort();
    rc = mount_image(spec, image, err, errlen);
    free(image);
    if (rc)
        return rc;
    st = ntfs_open_path(M.vol, path, &file);
    if (st == NT_ERR_NOT_FOUND)
        return fail(err, errlen, EXIT_NTKIT_NOT_FOUND, "%s: no such file in the image", spec);
    if (st)
        return ntfs_fail(spec, st, ntfs_diag(M.vol), "cannot open the file", err, errlen);
    st = ntfs_file_stat(file, &fst);
    if (st) {
        rc = ntfs_fail(spec, st, ntfs_diag(M.vol), "cannot read the file's record", err, errlen);
        goto out;
    }
    if (fst.is_dir) {
        rc = fail(err, errlen, EXIT_NTKIT_USAGE, "%s: is a directory, not a hive file", spec);
        goto out;
    }
    st = ntfs_stream_open(file, NTFS_AT_DATA, NULL, &s);
    if (st == NT_ERR_NOT_FOUND) {
        rc = fail(err, errlen, EXIT_NTKIT_CORRUPT, "%s: the file has no unnamed $DATA stream", spec);
        goto out;
    }
    if (st) {
        rc = ntfs_fail(spec, st, ntfs_diag(M.vol), "cannot open the $DATA stream", err, errlen);
        goto out;
    }
    total = ntfs_stream_size(s);
    if (total > HIVE_SOURCE_MAX_BYTES) {
        rc = fail(err, errlen, EXIT_NTKIT_CORRUPT, "%s: file is %" PRIu64 " bytes; hives are at most 2 GiB",
                  spec, total);
        goto out;
    }
    buf = malloc((size_t)total + 1);
    if (!buf)
        abort();
    while (done < (size_t)total) {
        size_t got = 0;
        st = ntfs_stream_read(s, done, buf + done, (size_t)total - done, &got);
        if (st) {
            rc = ntfs_fail(spec, st, ntfs_diag(M.vol), "cannot read the file", err, errlen);
            goto out;
        }
        if (got == 0) {
            rc = fail(err, errlen, EXIT_NTKIT_CORRUPT, "%s: $DATA stream ends at byte %zu of %" PRIu64, spec,
                      done, total);
            goto out;
        }
        done += got;
    }
    *data = buf;
    *size = done;
    buf = NULL;
    rc = EXIT_NTKIT_OK;
out:
    free(buf);
    ntfs_stream_close(s);
    ntfs_close(file);
    return rc;
}

/* Names in the image directory `dir` that match; specs "IMAGE::DIR/NAME". */
static size_t image_siblings(const char *image, const char *dir, size_t dir_len, const char *base,
                             const char *const *suffixes, size_t nsuf, char **out, size_t max)
{
    char *dpath = strndup(dir, dir_len), err[16];
    ntfs_file *d = NULL;
    ntfs_dir *it = NULL;
    ntfs_dirent e;
    size_t n = 0, bl = strlen(base);

    if (!dpath)
        abort();
    if (mount_image(image, image, err, sizeof err) || ntfs_open_path(M.vol, dpath, &d) ||
        ntfs_dir_open(d, &it)) {
        ntfs_close(d);
        free(dpath);
        return 0;
    }
    while (n < max && ntfs_dir_next(it, &e) == NT_OK) {
        if (e.is_dir || e.name_len <= bl || strncasecmp(e.name, base, bl) != 0)
            continue;
        for (size_t i = 0; i < nsuf; i++) {
            if (strcasecmp(e.name + bl, suffixes[i]) != 0)
                continue;
            if (asprintf(&out[n], "%s::%s%s", image, dpath, e.name) < 0)
                abort();
            n++;
            break;
        }
    }
    ntfs_dir_close(it);
    ntfs_close(d);
    free(dpath);
    return n;
}

#else /* no libntfs: IMAGE::PATH is reported as unavailable */

void hive_source_release(void)
{
}

static int read_in_image(const char *spec, size_t split, uint8_t **data, size_t *size, char *err,
                         size_t errlen)
{
    (void)split, (void)data, (void)size;
    return fail(err, errlen, EXIT_NTKIT_USAGE, "%s: built without libntfs: IMAGE::PATH is unavailable", spec);
}

static size_t image_siblings(const char *image, const char *dir, size_t dir_len, const char *base,
                             const char *const *suffixes, size_t nsuf, char **out, size_t max)
{
    (void)image, (void)dir, (void)dir_len, (void)base, (void)suffixes, (void)nsuf, (void)out, (void)max;
    return 0;
}

#endif

int hive_source_read(const char *spec, uint8_t **data, size_t *size, char *err, size_t errlen)
{
    size_t split = 0;

    *data = NULL;
    *size = 0;
    switch (hive_source_classify(spec, &split)) {
    case HIVE_SOURCE_GZIP:
        return read_gzip(spec, data, size, err, errlen);
    case HIVE_SOURCE_IMAGE:
        return read_in_image(spec, split, data, size, err, errlen);
    case HIVE_SOURCE_NO_IMAGE:
        return fail(err, errlen, EXIT_NTKIT_NOT_FOUND,
                    "%s: no image file '%.*s' (and no host file of that name)", spec, (int)split, spec);
    default:
        return read_host(spec, data, size, err, errlen);
    }
}

int hive_source_read_head(const char *spec, void *buf, size_t cap, size_t *got, char *err, size_t errlen)
{
    uint8_t *all;
    size_t size;
    int rc;

    *got = 0;
    if (hive_source_classify(spec, NULL) == HIVE_SOURCE_HOST) {
        int fd = open(spec, O_RDONLY | O_CLOEXEC);
        ssize_t n;
        if (fd >= 0) {
            n = pread(fd, buf, cap, 0);
            close(fd);
            if (n >= 0) {
                *got = (size_t)n;
                return EXIT_NTKIT_OK;
            }
        }
        /* Let the whole read say what is wrong. */
    }
    rc = hive_source_read(spec, &all, &size, err, errlen);
    if (rc)
        return rc;
    *got = size < cap ? size : cap;
    memcpy(buf, all, *got);
    free(all);
    return EXIT_NTKIT_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether `name` is base + suffix (+ ".gz" for host files), any case. */
static bool sibling_name(const char *name, const char *base, const char *const *suffixes, size_t nsuf,
                         bool gz_too)
{
    size_t bl = strlen(base), nl = strlen(name);
    if (nl <= bl || strncasecmp(name, base, bl) != 0)
        return false;
    for (size_t i = 0; i < nsuf; i++) {
        size_t sl = strlen(suffixes[i]);
        if (!strcasecmp(name + bl, suffixes[i]))
            return true;
        if (gz_too && nl == bl + sl + 3 && !strncasecmp(name + bl, suffixes[i], sl) &&
            !strcasecmp(name + bl + sl, ".gz"))
            return true;
    }
    return false;
}

static size_t host_siblings(const char *spec, bool gz, const char *const *suffixes, size_t nsuf, char **out,
                            size_t max)
{
    const char *slash = strrchr(spec, '/');
    char *dir = slash ? strndup(spec, (size_t)(slash - spec) + 1) : strdup("./");
    char *base = strdup(slash ? slash + 1 : spec);
    size_t n = 0, bl;
    struct dirent *e;
    DIR *d;

    if (!dir || !base)
        abort();
    bl = strlen(base);
    if (gz && bl > 3 && !strcasecmp(base + bl - 3, ".gz"))
        base[bl - 3] = 0;
    d = opendir(dir);
    while (d && (e = readdir(d)) != NULL && n < max) {
        if (!sibling_name(e->d_name, base, suffixes, nsuf, true))
            continue;
        if (asprintf(&out[n], "%s%s", slash ? dir : "", e->d_name) < 0)
            abort();
        n++;
    }
    if (d)
        closedir(d);
    free(dir);
    free(base);
    return n;
}

size_t hive_source_siblings(const char *spec, const char *const *suffixes, size_t nsuffixes, char **out,
                            size_t max)
{
    size_t split = 0, n = 0;
    hive_source_kind k = hive_source_classify(spec, &split);

    if (k == HIVE_SOURCE_HOST || k == HIVE_SOURCE_GZIP) {
        n = host_siblings(spec, k == HIVE_SOURCE_GZIP, suffixes, nsuffixes, out, max);
    } else if (k == HIVE_SOURCE_IMAGE) {
        char *image = strndup(spec, split);
        const char *path = spec + split + 2, *sep = NULL;
        if (!image)
            abort();
        for (const char *p = path; *p; p++)
            if (*p == '/' || *p == '\\')
                sep = p;
        if (sep)
            n = image_siblings(image, path, (size_t)(sep - path) + 1, sep + 1, suffixes, nsuffixes, out, max);
        else
            n = image_siblings(image, "", 0, path, suffixes, nsuffixes, out, max);
        free(image);
    }
    qsort(out, n, sizeof *out, cmp_str);
    return n;
}
