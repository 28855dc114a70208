/* wof_bench - decoding throughput of ntkit's WOF decoders (XPRESS-Huffman,
 * LZX) against wimlib's decompressors on the same chunks, in one run.
 *
 * The corpus is N MiB (default 256) of real files from /usr (binaries,
 * shared libraries, text: the mix Compact OS compresses on Windows), or
 * synthetic data with --synthetic. It is cut into WOF chunks (4K, 8K, 16K
 * XPRESS and 32K LZX) and compressed once with wimlib's compressors at
 * their default level; chunks that do not shrink are stored raw by WOF and
 * are left out of the timing (both readers just copy them). Each decoder
 * then decodes every compressed chunk; the best of several alternating
 * rounds counts, measured in thread CPU time so that other load on the
 * machine does not skew the ratio. Our output is checked against the
 * original bytes before any timing.
 *
 * For XPRESS it also times the chunk sequence decoded the way libntfs's
 * read path decodes a read covering several whole chunks: consecutive
 * chunks two at a time (ntfs_xpress_huffman_decompress_pair), against
 * wimlib decoding the same chunks one by one.
 *
 * Prints one line per format: MB/s (of uncompressed output) for ntkit and
 * wimlib and the ratio, then ntkit's pairs and their ratio; the issue's
 * target is ratio >= 1.5 for XPRESS4K (pairs) and LZX (PASS/FAIL). See
 * bench/README-wof.md.
 *
 * Usage: wof_bench [--mib N] [--rounds R] [--synthetic] [--only-ntkit|--only-wimlib]
 *                  [--format XPRESS4K|XPRESS8K|XPRESS16K|LZX]
 * (the --only options time one side, for profilers; the ratio is then void) */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <wimlib.h>

#include "lzx.h"
#include "xpress_huffman.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- corpus ------------------------------------------------------------ */

typedef struct corpus {
    uint8_t *data;
    size_t len, cap;
} corpus;

static void add_file(corpus *c, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    size_t n = fread(c->data + c->len, 1, c->cap - c->len, f);
    c->len += n;
    fclose(f);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files of dir and its subdirectories, in name order (depth-limited). */
static void add_dir(corpus *c, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;

    if (!d || depth > 4)
        goto out;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof(*names));
        }
        names[n++] = strdup(e->d_name);
    }
    qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n && c->len < c->cap; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            add_dir(c, path, depth + 1);
        else if (S_ISREG(st.st_mode) && st.st_size > 0)
            add_file(c, path);
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (d)
        closedir(d);
}

static void synthetic(corpus *c)
{
    uint64_t x = 0x2545f4914f6cdd1dull;
    static const char *w[] = {"ntfs ", "hive ", "the ", "WOF ", "chunk ", "compressed ", "\n", "data "};
    while (c->len < c->cap) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        unsigned kind = (unsigned)(x % 4);
        for (int k = 0; k < 2000 && c->len < c->cap; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            if (kind == 0) {
                for (const char *s = w[x % 8]; *s && c->len < c->cap; s++)
                    c->data[c->len++] = (uint8_t)*s;
            } else if (kind == 1) {
                c->data[c->len++] = (x & 7) == 0 ? 0xe8 : (uint8_t)(x >> 32) & 0x8f;
            } else if (kind == 2) {
                c->data[c->len++] = 0;
            } else {
                c->data[c->len++] = (uint8_t)(x >> 24);
            }
        }
    }
}

/* ---- chunks ------------------------------------------------------------ */

typedef struct chunkset {
    size_t n;    /* compressed chunks */
    size_t *off; /* offset of chunk i in comp */
    size_t *clen;
    size_t *ulen;
    size_t *uoff; /* offset of its bytes in the corpus */
    uint8_t *comp;
    size_t total_u; /* uncompressed bytes of the compressed chunks */
    size_t total_c;
    size_t raw; /* chunks stored raw */
} chunkset;

static int make_chunks(const corpus *c, enum wimlib_compression_type t, size_t cs, chunkset *s)
{
    struct wimlib_compressor *comp;
    size_t max = c->len / cs + 1;

    memset(s, 0, sizeof(*s));
    if (wimlib_create_compressor(t, cs, 0, &comp))
        return -1;
    s->off = malloc(max * sizeof(size_t));
    s->clen = malloc(max * sizeof(size_t));
    s->ulen = malloc(max * sizeof(size_t));
    s->uoff = malloc(max * sizeof(size_t));
    s->comp = malloc(c->len + 16);
    size_t pos = 0;
    for (size_t u = 0; u < c->len; u += cs) {
        size_t len = c->len - u < cs ? c->len - u : cs;
        size_t n = len > 1 ? wimlib_compress(c->data + u, len, s->comp + pos, len - 1, comp) : 0;
        if (n == 0) {
            s->raw++;
            continue;
        }
        s->off[s->n] = pos;
        s->clen[s->n] = n;
        s->ulen[s->n] = len;
        s->uoff[s->n] = u;
        s->n++;
        pos += n;
        s->total_u += len;
        s->total_c += n;
    }
    wimlib_free_compressor(comp);
    return 0;
}

static void free_chunks(chunkset *s)
{
    free(s->off);
    free(s->clen);
    free(s->ulen);
    free(s->uoff);
    free(s->comp);
}

/* ---- timing ------------------------------------------------------------ */

static int ours_all(const chunkset *s, enum wimlib_compression_type t, void *ws, uint8_t *out)
{
    int bad = 0;
    for (size_t i = 0; i < s->n; i++) {
        int rc = t == WIMLIB_COMPRESSION_TYPE_XPRESS
                     ? ntfs_xpress_huffman_decompress(s->comp + s->off[i], s->clen[i], out, s->ulen[i])
                     : ntfs_lzx_decompress(ws, s->comp + s->off[i], s->clen[i], out, s->ulen[i]);
        bad |= rc != 0;
    }
    return bad;
}

/* What libntfs's read path does for a read that covers several XPRESS
 * chunks (wof_stream.c): consecutive chunks decoded two at a time. */
static int ours_pairs(const chunkset *s, ntfs_xpress_pair_workspace *pws, uint8_t *out0, uint8_t *out1)
{
    int bad = 0, rc[2];
    size_t i = 0;
    for (; i + 1 < s->n; i += 2) {
        ntfs_xpress_huffman_decompress_pair(pws, s->comp + s->off[i], s->clen[i], out0, s->ulen[i],
                                            s->comp + s->off[i + 1], s->clen[i + 1], out1, s->ulen[i + 1],
                                            rc);
        bad |= rc[0] != 0 || rc[1] != 0;
    }
    if (i < s->n)
        bad |= ntfs_xpress_huffman_decompress(s->comp + s->off[i], s->clen[i], out0, s->ulen[i]) != 0;
    return bad;
}

static int wimlib_all(const chunkset *s, struct wimlib_decompressor *d, uint8_t *out)
{
    int bad = 0;
    for (size_t i = 0; i < s->n; i++)
        bad |= wimlib_decompress(s->comp + s->off[i], s->clen[i], out, s->ulen[i], d) != 0;
    return bad;
}

int main(int argc, char **argv)
{
    size_t mib = 256;
    int rounds = 5, synth = 0, failed = 0, only = 0; /* 1 ntkit, 2 wimlib (for perf stat) */
    const char *only_format = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mib") == 0 && i + 1 < argc)
            mib = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--synthetic") == 0)
            synth = 1;
        else if (strcmp(argv[i], "--only-ntkit") == 0)
            only = 1;
        else if (strcmp(argv[i], "--only-wimlib") == 0)
            only = 2;
        else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
            only_format = argv[++i];
        else {
            fprintf(stderr,
                    "usage: wof_bench [--mib N] [--rounds R] [--synthetic] [--only-ntkit|--only-wimlib] "
                    "[--format XPRESS4K|XPRESS8K|XPRESS16K|LZX]\n");
            return 2;
        }
    }
    if (mib == 0 || rounds <= 0)
        return 2;

    corpus c = {malloc(mib << 20), 0, mib << 20};
    if (!synth) {
        static const char *dirs[] = {"/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/share", "/usr/lib"};
        for (size_t i = 0; i < 4 && c.len < c.cap; i++)
            add_dir(&c, dirs[i], 0);
    }
    if (c.len < c.cap)
        synthetic(&c); /* top up (or all of it with --synthetic) */
    printf("corpus: %zu MiB of %s\n", mib, synth ? "synthetic data" : "files under /usr");

    static const struct {
        const char *name;
        enum wimlib_compression_type t;
        size_t cs;
        int target;
    } fmts[] = {{"XPRESS4K", WIMLIB_COMPRESSION_TYPE_XPRESS, 4096, 1},
                {"XPRESS8K", WIMLIB_COMPRESSION_TYPE_XPRESS, 8192, 0},
                {"XPRESS16K", WIMLIB_COMPRESSION_TYPE_XPRESS, 16384, 0},
                {"LZX", WIMLIB_COMPRESSION_TYPE_LZX, 32768, 1}};

    void *ws = aligned_alloc(NTFS_LZX_WORKSPACE_ALIGN, (ntfs_lzx_workspace_size() + 15) / 16 * 16);
    uint8_t *out = malloc(65536 + 64), *out1 = malloc(65536 + 64);
    ntfs_xpress_pair_workspace *pws = malloc(sizeof *pws);
    printf("%-10s %8s %7s %12s %12s %7s %12s %7s\n", "format", "chunks", "raw", "ntkit MB/s", "wimlib MB/s",
           "ratio", "pairs MB/s", "ratio");
    for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
        chunkset s;
        struct wimlib_decompressor *d;
        if (only_format && strcmp(only_format, fmts[f].name) != 0)
            continue;
        if (make_chunks(&c, fmts[f].t, fmts[f].cs, &s) ||
            wimlib_create_decompressor(fmts[f].t, fmts[f].cs, &d)) {
            fprintf(stderr, "wimlib setup failed for %s\n", fmts[f].name);
            return 1;
        }
        /* Correctness first: every chunk must come back as the original. */
        for (size_t i = 0; i < s.n; i++) {
            int rc = fmts[f].t == WIMLIB_COMPRESSION_TYPE_XPRESS
                         ? ntfs_xpress_huffman_decompress(s.comp + s.off[i], s.clen[i], out, s.ulen[i])
                         : ntfs_lzx_decompress(ws, s.comp + s.off[i], s.clen[i], out, s.ulen[i]);
            if (rc != 0 || memcmp(out, c.data + s.uoff[i], s.ulen[i]) != 0) {
                fprintf(stderr, "%s: chunk %zu decodes wrongly (status %d)\n", fmts[f].name, i, rc);
                return 1;
            }
        }
        int xp = fmts[f].t == WIMLIB_COMPRESSION_TYPE_XPRESS;
        for (size_t i = 0; xp && i + 1 < s.n; i += 2) {
            int rc[2];
            ntfs_xpress_huffman_decompress_pair(pws, s.comp + s.off[i], s.clen[i], out, s.ulen[i],
                                                s.comp + s.off[i + 1], s.clen[i + 1], out1, s.ulen[i + 1],
                                                rc);
            if (rc[0] || rc[1] || memcmp(out, c.data + s.uoff[i], s.ulen[i]) != 0 ||
                memcmp(out1, c.data + s.uoff[i + 1], s.ulen[i + 1]) != 0) {
                fprintf(stderr, "%s: chunk pair %zu decodes wrongly (status %d %d)\n", fmts[f].name, i, rc[0],
                        rc[1]);
                return 1;
            }
        }
        double best_ours = 1e30, best_wim = 1e30, best_pair = 1e30;
        for (int r = 0; r < rounds; r++) {
            double t0 = now();
            if (only != 2)
                failed |= ours_all(&s, fmts[f].t, ws, out);
            double t1 = now();
            if (only != 1)
                failed |= wimlib_all(&s, d, out);
            double t2 = now();
            if (xp && only != 2) {
                double t3 = now();
                failed |= ours_pairs(&s, pws, out, out1);
                double t4 = now();
                if (t4 - t3 < best_pair)
                    best_pair = t4 - t3;
            }
            if (t1 - t0 < best_ours)
                best_ours = t1 - t0;
            if (t2 - t1 < best_wim)
                best_wim = t2 - t1;
        }
        double mb = (double)s.total_u / 1e6;
        double ratio = best_wim / best_ours;
        /* The read path's figure: pairs for XPRESS, single chunks for LZX. */
        double read_ratio = xp ? best_wim / best_pair : ratio;
        if (xp)
            printf("%-10s %8zu %7zu %12.1f %12.1f %7.2f %12.1f %7.2f%s\n", fmts[f].name, s.n, s.raw,
                   mb / best_ours, mb / best_wim, ratio, mb / best_pair, read_ratio,
                   fmts[f].target ? (read_ratio >= 1.5 ? "  PASS (>= 1.5)" : "  FAIL (< 1.5)") : "");
        else
            printf("%-10s %8zu %7zu %12.1f %12.1f %7.2f %12s %7s%s\n", fmts[f].name, s.n, s.raw,
                   mb / best_ours, mb / best_wim, ratio, "-", "-",
                   fmts[f].target ? (read_ratio >= 1.5 ? "  PASS (>= 1.5)" : "  FAIL (< 1.5)") : "");
        wimlib_free_decompressor(d);
        free_chunks(&s);
    }
    printf("ratio = ntkit throughput / wimlib throughput (best of %d rounds, thread CPU time);\n"
           "pairs = ntkit decoding consecutive chunks two at a time, as its read path does for a\n"
           "read covering several XPRESS chunks, vs wimlib decoding the same chunks one by one;\n"
           "PASS/FAIL uses the read path's ratio (pairs for XPRESS)\n",
           rounds);
    free(ws);
    free(out);
    free(out1);
    free(pws);
    free(c.data);
    return failed ? 1 : 0;
}
