/* Helpers of `ntkit hive`: mapping files, the parser's arena, reporting,
 * paths, times and JSON. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "common_hive_source.h"
#include "hive_cli.h"

int hive_file_open(hive_file *f, const char *path, const hive_opts *o)
{
    struct stat st;
    int fd, r;

    memset(f, 0, sizeof *f);
    f->path = path;
    if (hive_source_classify(path, NULL) != HIVE_SOURCE_HOST) {
        /* Compressed or inside an image: the whole file in memory. */
        uint8_t *data;
        char err[512];
        r = hive_source_read(path, &data, &f->size, err, sizeof err);
        if (r) {
            fprintf(stderr, "ntkit: %s\n", err);
            return r;
        }
        f->map = data;
        f->map_is_heap = true;
        goto parse;
    }
    fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) < 0) {
        fprintf(stderr, "ntkit: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return errno == ENOENT ? EXIT_NTKIT_NOT_FOUND : EXIT_NTKIT_IO;
    }
    if (S_ISDIR(st.st_mode)) {
        fprintf(stderr, "ntkit: %s: is a directory, not a hive file\n", path);
        close(fd);
        return EXIT_NTKIT_USAGE;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        fprintf(stderr, "ntkit: %s: not a regular file\n", path);
        close(fd);
        return EXIT_NTKIT_IO;
    }
    f->size = (size_t)st.st_size;
    if (f->size > 0) {
        f->map = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (f->map == MAP_FAILED) {
            fprintf(stderr, "ntkit: %s: mmap: %s\n", path, strerror(errno));
            close(fd);
            f->map = NULL;
            return EXIT_NTKIT_IO;
        }
    }
    close(fd);
parse:
    r = nthive_open(&f->hive, f->map ? f->map : (const void *)"", f->size);
    if (r) {
        hive_report(f);
        hive_file_close(f);
        return hive_exit_code(r);
    }
    /* The walker's stack and visited bitmap come from here. */
    if (cli_arena_init(&f->arena, o ? o->heap : 0) < 0) {
        fprintf(stderr, "ntkit: cannot map the parser heap: %s\n", strerror(errno));
        hive_file_close(f);
        return EXIT_NTKIT_IO;
    }
    f->have_arena = true;
    /* The bin index (8 bytes per 4 KiB of hive) makes every cell check one
     * table read. Optional: without room for it the hive still reads. */
    f->bin_index_bytes = nthive_bin_index_size(&f->hive);
    if (f->bin_index_bytes) {
        f->bin_index = nt_alloc(&f->arena.iface, f->bin_index_bytes, 8);
        if (f->bin_index)
            nthive_set_bin_index(&f->hive, f->bin_index, f->bin_index_bytes);
        f->arena.exhausted = false;
    }
    return EXIT_NTKIT_OK;
}

void hive_file_close(hive_file *f)
{
    if (f->map && f->map_is_heap)
        free(f->map);
    else if (f->map)
        munmap(f->map, f->size);
    if (f->have_arena) {
        if (f->bin_index)
            nt_free(&f->arena.iface, f->bin_index, f->bin_index_bytes, 8);
        cli_arena_fini(&f->arena);
    }
    f->bin_index = NULL;
    f->have_arena = false;
    f->map = NULL;
}

int hive_exit_code(int status)
{
    switch (status) {
    case NT_OK:
    case NT_END:
        return EXIT_NTKIT_OK;
    case NT_ERR_NOT_FOUND:
        return EXIT_NTKIT_NOT_FOUND;
    case NT_ERR_INVALID:
        return EXIT_NTKIT_USAGE;
    case NT_ERR_IO:
    case NT_ERR_NOMEM:
        return EXIT_NTKIT_IO;
    default:
        return EXIT_NTKIT_CORRUPT;
    }
}

void hive_report(const hive_file *f)
{
    const nt_diag *d = nthive_diag(&f->hive);
    const char *what = d->status == NT_ERR_UNSUPPORTED ? "unsupported hive"
                       : d->status == NT_ERR_LIMIT     ? "limit reached in hive"
                                                       : "corrupt hive";
    if (d->status == NT_ERR_NOMEM) {
        if (!f->have_arena || !cli_arena_report_exhausted(&f->arena, "ntkit"))
            fprintf(stderr, "ntkit: %s: out of parser memory; rerun with a larger --heap\n", f->path);
        return;
    }
    if (d->offset != NT_DIAG_NO_OFFSET)
        fprintf(stderr, "ntkit: %s: %s at 0x%llx: %s\n", f->path, what, (unsigned long long)d->offset,
                d->rule ? d->rule : nt_strerror(d->status));
    else
        fprintf(stderr, "ntkit: %s: %s: %s\n", f->path, what, d->rule ? d->rule : nt_strerror(d->status));
}

char *hive_name_dup(const nthive_name *n, size_t *len)
{
    size_t need = 0;
    char *s;
    nthive_name_to_utf8(n, NULL, 0, &need);
    s = malloc(need + 1);
    if (!s)
        abort();
    nthive_name_to_utf8(n, s, need + 1, len);
    return s;
}

int hive_open_key(hive_file *f, const char *path, nthive_key *key, char **canon, size_t *canon_len)
{
    nthive_key root, *trail;
    size_t plen = path ? strlen(path) : 0, cap = 1, depth = 0, clen = 0;
    char *c;
    int r = nthive_root(&f->hive, &root);

    if (r) {
        hive_report(f);
        return hive_exit_code(r);
    }
    /* One trail entry per component at most: one per separator, plus one. */
    for (size_t i = 0; i < plen; i++)
        cap += path[i] == '\\' || path[i] == '/';
    trail = malloc(cap * sizeof *trail);
    if (!trail)
        abort();
    r = nthive_key_resolve(&root, path ? path : "", plen, trail, cap, &depth);
    if (r == NT_ERR_NOT_FOUND || r == NT_ERR_INVALID) {
        fprintf(stderr, "ntkit: %s: no key '%s'\n", f->path, path);
        free(trail);
        return EXIT_NTKIT_NOT_FOUND;
    }
    if (r) {
        hive_report(f);
        free(trail);
        return hive_exit_code(r);
    }
    /* The path spelled as the hive stores it. */
    c = malloc(1);
    if (!c)
        abort();
    c[0] = 0;
    for (size_t i = 0; i < depth; i++) {
        nthive_name n;
        size_t nlen;
        char *name;
        nthive_key_name(&trail[i], &n);
        name = hive_name_dup(&n, &nlen);
        c = realloc(c, clen + nlen + 2);
        if (!c)
            abort();
        if (clen)
            c[clen++] = '\\';
        memcpy(c + clen, name, nlen);
        clen += nlen;
        c[clen] = 0;
        free(name);
    }
    *key = depth ? trail[depth - 1] : root;
    free(trail);
    *canon = c;
    *canon_len = clen;
    return EXIT_NTKIT_OK;
}

void hive_format_time(uint64_t ft, char *buf, size_t cap)
{
    char t[40];
    size_t n = hive_time_text(ft, t);
    if (!cap)
        return;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, t, n);
    buf[n] = 0;
}

void hive_print_text(FILE *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F)
            fprintf(out, "\\x%02x", c);
        else
            putc(c, out);
    }
}

void hive_json_string(FILE *out, const char *s, size_t len)
{
    putc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (c < 0x20 || c == 0x7F)
                fprintf(out, "\\u%04x", c);
            else
                putc(c, out);
        }
    }
    putc('"', out);
}

const char *hive_type_name(uint32_t type)
{
    static const char *const names[] = {
        "REG_NONE",
        "REG_SZ",
        "REG_EXPAND_SZ",
        "REG_BINARY",
        "REG_DWORD",
        "REG_DWORD_BIG_ENDIAN",
        "REG_LINK",
        "REG_MULTI_SZ",
        "REG_RESOURCE_LIST",
        "REG_FULL_RESOURCE_DESCRIPTOR",
        "REG_RESOURCE_REQUIREMENTS_LIST",
        "REG_QWORD",
    };
    return type < sizeof names / sizeof names[0] ? names[type] : NULL;
}

int hive_value_bytes(const nthive_value *v, uint8_t **data, size_t *len)
{
    nthive_data_iter it;
    const uint8_t *piece;
    size_t n, done = 0;
    uint8_t *buf;
    int r = nthive_value_segments(v, &it);

    if (r)
        return r;
    if (it.remaining > (256u << 20))
        return nt_diag_set(&v->hive->diag, NT_ERR_LIMIT, (uint64_t)v->offset + NTHIVE_BINS_START,
                           "value data is larger than 256 MiB");
    buf = malloc(it.remaining ? it.remaining : 1);
    if (!buf)
        abort();
    while ((r = nthive_data_next(&it, &piece, &n)) == NT_OK) {
        memcpy(buf + done, piece, n);
        done += n;
    }
    if (r != NT_END) {
        free(buf);
        return r;
    }
    *data = buf;
    *len = done;
    return NT_OK;
}

int hive_walk(hive_file *f, const nthive_key *start, const char *start_path, size_t start_len,
              uint32_t max_depth, hive_key_fn fn, void *ctx)
{
    nthive_walk w;
    nthive_key key;
    uint32_t depth;
    size_t *lens, cap = start_len + 256;
    char *path = malloc(cap);
    int r, rc = EXIT_NTKIT_OK;
    bool user_limit = max_depth != 0;

    /* --depth N shows N levels below the start; the walker counts the
     * start as a level. */
    max_depth = user_limit ? max_depth + 1 : NTHIVE_WALK_DEFAULT_DEPTH;
    lens = calloc((size_t)max_depth + 1, sizeof *lens);
    if (!path || !lens)
        abort();
    r = nthive_walk_init(&w, start, max_depth, &f->arena.iface);
    if (r) {
        if (r == NT_ERR_NOMEM)
            nt_diag_set(&f->hive.diag, NT_ERR_NOMEM, NT_DIAG_NO_OFFSET, "out of parser memory");
        hive_report(f);
        free(path);
        free(lens);
        return hive_exit_code(r);
    }
    while ((r = nthive_walk_next(&w, &key, &depth)) != NT_END) {
        size_t len;
        if (r == NT_ERR_LIMIT && user_limit)
            continue; /* the user asked for that depth: not damage */
        if (r) {
            hive_report(f);
            rc = EXIT_NTKIT_CORRUPT;
            if (r == NT_ERR_INVALID || r == NT_ERR_NOMEM)
                break;
            continue;
        }
        if (depth == 0) {
            memcpy(path, start_path, start_len);
            len = start_len;
        } else {
            nthive_name n;
            size_t nlen = 0;
            nthive_key_name(&key, &n);
            len = lens[depth - 1];
            if (len)
                path[len++] = '\\';
            /* The name goes straight into the path buffer: converted once,
             * grown (and converted again) only when it does not fit. */
            while (nthive_name_to_utf8(&n, path + len, cap - len, &nlen) == NT_ERR_RANGE ||
                   len + nlen + 2 > cap) {
                cap = 2 * (len + nlen + 2);
                path = realloc(path, cap);
                if (!path)
                    abort();
            }
            len += nlen;
        }
        path[len] = 0;
        lens[depth] = len;
        if (fn(f, &key, path, len, depth, ctx))
            rc = EXIT_NTKIT_CORRUPT;
    }
    nthive_walk_free(&w);
    free(path);
    free(lens);
    return rc;
}
