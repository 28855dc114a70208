/* wof_diff - differential test of ntkit's WOF decoders against wimlib.
 *
 * Oracles: the original bytes (every buffer is compressed by wimlib's
 * XPRESS and LZX compressors, the reference implementation of the formats
 * Windows uses for WOF, and our decoders must give the bytes back), and
 * wimlib's decompressors (which must agree on the hand-made streams of
 * wof_handmade.c, checking that our reading of the formats is theirs).
 * Also: whole WofCompressedData streams (chunk table + chunks, raw when a
 * chunk does not shrink) read back through wof.c, and damaged chunks
 * (every truncation, random byte flips) that must never crash or read out
 * of bounds (run under -DNTKIT_SANITIZE=ON to make that a hard check).
 *
 * Usage: wof_diff [-q]   exit 0 = all passed, 1 = a failure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wimlib.h>

#include "lzx.h"
#include "wof.h"
#include "xpress_huffman.h"
#include "wof_handmade.c"

static int failures;
static int quiet;
static unsigned long checks;

#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        checks++;                                                                                            \
        if (!(cond)) {                                                                                       \
            failures++;                                                                                      \
            if (failures < 30) {                                                                             \
                fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                         \
                fprintf(stderr, __VA_ARGS__);                                                                \
                fputc('\n', stderr);                                                                         \
            }                                                                                                \
        }                                                                                                    \
    } while (0)

/* ---- data ------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

enum { K_TEXT, K_RANDOM, K_ZEROS, K_PERIODIC, K_X86, K_MIXED, K_SPARSE, K_COUNT };
static const char *kind_name[K_COUNT] = {"text", "random", "zeros", "periodic", "x86", "mixed", "sparse"};

static const char *words[] = {
    "the",          "registry", "hive",        "volume",   "cluster",     "record",  "index",
    "stream",       "WOF",      "chunk",       "LZX",      "XPRESS",      "Huffman", "of",
    "and",          "a",        "file",        "System32", "\r\n",        "    ",    "0x1f",
    "<key name=\"", "\"/>",     "compression", "Windows",  "kernel32.dll"};

static void fill(uint8_t *p, size_t n, int kind)
{
    size_t i = 0;
    switch (kind) {
    case K_TEXT:
        while (i < n) {
            const char *w = words[rnd() % (sizeof(words) / sizeof(words[0]))];
            for (; *w && i < n; w++)
                p[i++] = (uint8_t)*w;
            if (i < n)
                p[i++] = (rnd() % 9) ? ' ' : '\n';
        }
        break;
    case K_RANDOM:
        for (; i < n; i++)
            p[i] = (uint8_t)rnd();
        break;
    case K_ZEROS:
        memset(p, 0, n);
        break;
    case K_PERIODIC: {
        size_t period = 1 + rnd() % 9;
        for (; i < n; i++)
            p[i] = (uint8_t)(i < period ? rnd() : p[i - period]);
        for (size_t k = 0; k < n / 500; k++)
            p[rnd() % n] = (uint8_t)rnd(); /* a few mutations */
        break;
    }
    case K_X86:
        /* Instruction-like bytes with many E8 (CALL rel32) opcodes, whose
         * targets are near, far and negative. */
        while (i < n) {
            unsigned r = (unsigned)(rnd() % 8);
            if (r < 3 && i + 5 <= n) {
                int32_t t = r == 0 ? (int32_t)(rnd() % 4096) - 2048 : r == 1 ? (int32_t)rnd() : -(int32_t)i;
                p[i++] = 0xe8;
                for (int k = 0; k < 4; k++)
                    p[i++] = (uint8_t)((uint32_t)t >> (8 * k));
            } else {
                static const uint8_t ops[] = {0x48, 0x89, 0x8b, 0xc3, 0x55, 0x5d, 0x90, 0xe8, 0xff, 0x00};
                p[i++] = ops[rnd() % sizeof(ops)];
            }
        }
        break;
    case K_MIXED:
        while (i < n) {
            size_t seg = 1 + rnd() % 3000;
            if (seg > n - i)
                seg = n - i;
            fill(p + i, seg, (int)(rnd() % K_MIXED));
            i += seg;
        }
        break;
    default: /* K_SPARSE: mostly zeros with scattered values */
        memset(p, 0, n);
        for (size_t k = 0; k < n / 64 + 1; k++)
            p[rnd() % n] = (uint8_t)rnd();
        break;
    }
}

/* ---- round trips through wimlib's compressors --------------------------- */

typedef struct codec {
    const char *name;
    enum wimlib_compression_type type;
} codec;

static void *lzx_ws;

static int our_decode(enum wimlib_compression_type t, const uint8_t *src, size_t n, uint8_t *dst, size_t len)
{
    if (t == WIMLIB_COMPRESSION_TYPE_XPRESS)
        return ntfs_xpress_huffman_decompress(src, n, dst, len);
    return ntfs_lzx_decompress(lzx_ws, src, n, dst, len);
}

/* Damage: every truncation of the chunk and `flips` random byte flips;
 * the decoder must return (anything) without touching memory it does not
 * own. The outputs are compared with nothing: ASan/UBSan do the checking,
 * and a success on damaged data must still fill exactly dst_len bytes. */
static void damage(enum wimlib_compression_type t, const uint8_t *comp, size_t clen, size_t len, int flips)
{
    uint8_t *dst = malloc(len);
    for (size_t cut = 0; cut < clen; cut++) {
        uint8_t *c = malloc(cut ? cut : 1);
        memcpy(c, comp, cut);
        int rc = our_decode(t, c, cut, dst, len);
        CHECK(rc == NT_OK || rc == NT_ERR_CORRUPT, "truncated to %zu: status %d", cut, rc);
        free(c);
    }
    uint8_t *c = malloc(clen);
    for (int f = 0; f < flips; f++) {
        memcpy(c, comp, clen);
        int nflip = 1 + (int)(rnd() % 3);
        for (int k = 0; k < nflip; k++)
            c[rnd() % clen] ^= (uint8_t)(1u << (rnd() % 8));
        int rc = our_decode(t, c, clen, dst, len);
        CHECK(rc == NT_OK || rc == NT_ERR_CORRUPT, "flipped: status %d", rc);
    }
    free(c);
    free(dst);
}

static void round_trips(void)
{
    static const codec codecs[] = {{"XPRESS", WIMLIB_COMPRESSION_TYPE_XPRESS},
                                   {"LZX", WIMLIB_COMPRESSION_TYPE_LZX}};
    static const size_t chunk_sizes[] = {4096, 8192, 16384, 32768, 65536};
    static const unsigned levels[] = {1, 50, 100};

    for (size_t ci = 0; ci < 2; ci++) {
        for (size_t si = 0; si < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); si++) {
            size_t cs = chunk_sizes[si];
            if (codecs[ci].type == WIMLIB_COMPRESSION_TYPE_LZX && cs > NTFS_LZX_MAX_CHUNK)
                continue;
            for (size_t li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
                struct wimlib_compressor *comp;
                struct wimlib_decompressor *dec;
                unsigned n_ok = 0, n_raw = 0;
                if (wimlib_create_compressor(codecs[ci].type, cs, levels[li], &comp) ||
                    wimlib_create_decompressor(codecs[ci].type, cs, &dec)) {
                    CHECK(0, "wimlib_create_(de)compressor %s %zu", codecs[ci].name, cs);
                    continue;
                }
                uint8_t *in = malloc(cs), *out = malloc(cs), *ref = malloc(cs), *cbuf = malloc(cs);
                for (int kind = 0; kind < K_COUNT; kind++) {
                    for (int rep = 0; rep < 4; rep++) {
                        /* Full chunks, and short last chunks of odd sizes. */
                        size_t len = rep == 0   ? cs
                                     : rep == 1 ? 1 + rnd() % cs
                                     : rep == 2 ? 1 + rnd() % 40
                                                : cs - rnd() % 11;
                        fill(in, len, kind);
                        size_t clen = wimlib_compress(in, len, cbuf, len - 1, comp);
                        if (clen == 0) {
                            n_raw++; /* WOF stores this chunk raw */
                            continue;
                        }
                        memset(out, 0xa5, cs);
                        int rc = our_decode(codecs[ci].type, cbuf, clen, out, len);
                        CHECK(rc == NT_OK && memcmp(out, in, len) == 0,
                              "%s chunk %zu level %u %s len %zu: status %d, output %s", codecs[ci].name, cs,
                              levels[li], kind_name[kind], len, rc, rc == NT_OK ? "differs" : "-");
                        CHECK(wimlib_decompress(cbuf, clen, ref, len, dec) == 0 && memcmp(ref, in, len) == 0,
                              "wimlib disagrees with itself (%s %zu)", codecs[ci].name, len);
                        n_ok++;
                        /* Damage is quadratic in the chunk size: small chunks only. */
                        if (levels[li] == 50 && rep == 0 && cs == 4096 && (kind == K_TEXT || kind == K_X86))
                            damage(codecs[ci].type, cbuf, clen, len, 500);
                    }
                }
                if (!quiet)
                    printf("%-6s chunk %5zu level %3u: %u chunks decoded, %u incompressible\n",
                           codecs[ci].name, cs, levels[li], n_ok, n_raw);
                free(in);
                free(out);
                free(ref);
                free(cbuf);
                wimlib_free_compressor(comp);
                wimlib_free_decompressor(dec);
            }
        }
    }
}

/* ---- pairs: two chunks decoded in one interleaved pass ------------------- */

/* Decodes (a, b) with the pair decoder into buffers of exactly their
 * sizes (so ASan sees any write past them) and checks each result
 * against the single-chunk decoder's: the same status, and on success the
 * same bytes. A damaged partner must not change the other's result. */
static void pair_agrees(ntfs_xpress_pair_workspace *pws, const uint8_t *a, size_t alen, size_t aout,
                        const uint8_t *b, size_t blen, size_t bout, const char *what)
{
    uint8_t *pa = malloc(aout ? aout : 1), *pb = malloc(bout ? bout : 1);
    uint8_t *sa = malloc(aout ? aout : 1), *sb = malloc(bout ? bout : 1);
    int rc[2] = {99, 99};
    int ra = ntfs_xpress_huffman_decompress(a, alen, sa, aout);
    int rb = ntfs_xpress_huffman_decompress(b, blen, sb, bout);
    ntfs_xpress_huffman_decompress_pair(pws, a, alen, pa, aout, b, blen, pb, bout, rc);
    CHECK(rc[0] == ra && rc[1] == rb, "pair %s: status %d %d, single %d %d", what, rc[0], rc[1], ra, rb);
    CHECK(ra != NT_OK || memcmp(pa, sa, aout) == 0, "pair %s: first chunk differs from single decode", what);
    CHECK(rb != NT_OK || memcmp(pb, sb, bout) == 0, "pair %s: second chunk differs from single decode", what);
    free(pa);
    free(pb);
    free(sa);
    free(sb);
}

static void pairs(void)
{
    static const size_t chunk_sizes[] = {4096, 8192, 16384};
    ntfs_xpress_pair_workspace *pws = malloc(sizeof *pws);
    unsigned n_pairs = 0;

    for (size_t si = 0; si < 3; si++) {
        size_t cs = chunk_sizes[si];
        struct wimlib_compressor *comp;
        if (wimlib_create_compressor(WIMLIB_COMPRESSION_TYPE_XPRESS, cs, 50, &comp)) {
            CHECK(0, "wimlib_create_compressor");
            continue;
        }
        /* Chunks of every kind, full and short, so pairs finish in either
         * order; the originals come back through both sides of a pair. */
        enum { N = 2 * K_COUNT };
        uint8_t *plain[N], *cz[N];
        size_t len[N], clen[N];
        for (int i = 0; i < N; i++) {
            len[i] = i < K_COUNT ? cs : 1 + rnd() % cs;
            plain[i] = malloc(len[i]);
            cz[i] = malloc(len[i]);
            fill(plain[i], len[i], i % K_COUNT);
            clen[i] = len[i] > 1 ? wimlib_compress(plain[i], len[i], cz[i], len[i] - 1, comp) : 0;
        }
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                if (!clen[i] || !clen[j])
                    continue;
                uint8_t *oa = malloc(len[i]), *ob = malloc(len[j]);
                int rc[2] = {99, 99};
                ntfs_xpress_huffman_decompress_pair(pws, cz[i], clen[i], oa, len[i], cz[j], clen[j], ob,
                                                    len[j], rc);
                CHECK(rc[0] == NT_OK && rc[1] == NT_OK && memcmp(oa, plain[i], len[i]) == 0 &&
                          memcmp(ob, plain[j], len[j]) == 0,
                      "pair %zu: %s %zu + %s %zu: status %d %d", cs, kind_name[i % K_COUNT], len[i],
                      kind_name[j % K_COUNT], len[j], rc[0], rc[1]);
                n_pairs++;
                free(oa);
                free(ob);
            }
        }
        /* One good chunk paired with every truncation and with random
         * flips of another, in both positions. */
        if (cs == 4096) {
            int g = K_TEXT, d = K_X86;
            CHECK(clen[g] && clen[d], "pair damage: chunks did not compress");
            for (size_t cut = 0; clen[g] && clen[d] && cut < clen[d]; cut++) {
                uint8_t *t = malloc(cut ? cut : 1);
                memcpy(t, cz[d], cut);
                pair_agrees(pws, cz[g], clen[g], len[g], t, cut, len[d], "good + truncated");
                pair_agrees(pws, t, cut, len[d], cz[g], clen[g], len[g], "truncated + good");
                free(t);
            }
            uint8_t *t = malloc(clen[d] ? clen[d] : 1);
            for (int f = 0; clen[g] && clen[d] && f < 500; f++) {
                memcpy(t, cz[d], clen[d]);
                int nflip = 1 + (int)(rnd() % 3);
                for (int k = 0; k < nflip; k++)
                    t[rnd() % clen[d]] ^= (uint8_t)(1u << (rnd() % 8));
                pair_agrees(pws, cz[g], clen[g], len[g], t, clen[d], len[d], "good + flipped");
                pair_agrees(pws, t, clen[d], len[d], cz[g], clen[g], len[g], "flipped + good");
                pair_agrees(pws, t, clen[d], len[d], t, clen[d], len[d] / 2 + 1, "flipped + flipped short");
            }
            free(t);
            /* Arguments the single decoder rejects or skips. */
            pair_agrees(pws, cz[g], clen[g], len[g], cz[d], clen[d], 0, "good + empty");
            pair_agrees(pws, cz[g], clen[g], 0, cz[d], clen[d], len[d], "empty + good");
            pair_agrees(pws, cz[g], 100, len[g], cz[d], clen[d], len[d], "short table + good");
        }
        for (int i = 0; i < N; i++) {
            free(plain[i]);
            free(cz[i]);
        }
        wimlib_free_compressor(comp);
    }
    if (!quiet)
        printf("XPRESS pairs: %u decoded\n", n_pairs);
    free(pws);
}

/* ---- hand-made streams: ours, wimlib and the token model agree ---------- */

static void agree(enum wimlib_compression_type t, const char *what, const uint8_t *s, size_t n,
                  const uint8_t *plain, size_t len)
{
    struct wimlib_decompressor *dec;
    uint8_t *a = calloc(1, len + 1), *b = calloc(1, len + 1);
    size_t max = t == WIMLIB_COMPRESSION_TYPE_LZX ? 32768 : 65536;
    int rc = our_decode(t, s, n, a, len);
    CHECK(rc == NT_OK && memcmp(a, plain, len) == 0, "hand-made %s: ours status %d", what, rc);
    if (wimlib_create_decompressor(t, max, &dec) == 0) {
        int wr = wimlib_decompress(s, n, b, len, dec);
        CHECK(wr == 0 && memcmp(b, plain, len) == 0, "hand-made %s: wimlib status %d", what, wr);
        wimlib_free_decompressor(dec);
    }
    free(a);
    free(b);
}

static void handmade(void)
{
    char name[64];
    /* XPRESS: three code shapes; literals, short and long matches (length
     * bytes of 1 and 3), overlapping copies, far offsets. */
    for (int kind = HM_XP_FLAT; kind <= HM_XP_DEEP; kind++) {
        hm_xpress x;
        hm_xpress_begin(&x, kind, 1 << 17, 65536);
        hm_xpress_literals(&x, "abcabcabcdefghij");
        hm_xpress_match(&x, 3, 3);
        hm_xpress_match(&x, 17, 1);
        hm_xpress_match(&x, 18, 2); /* first length needing a byte */
        hm_xpress_literal(&x, 'g');
        hm_xpress_match(&x, 100, 7);
        hm_xpress_match(&x, 272, 5); /* 255 + 17: needs the u16 */
        hm_xpress_match(&x, 3000, 33);
        for (int i = 0; i < 500; i++)
            hm_xpress_literal(&x, (uint8_t)(i * 7));
        hm_xpress_match(&x, 40, 400);
        hm_xpress_match(&x, 1000, 3500);
        hm_xpress_literals(&x, "aaaaaabbbbccd");
        size_t n = hm_xpress_end(&x);
        snprintf(name, sizeof(name), "xpress code %d", kind);
        agree(WIMLIB_COMPRESSION_TYPE_XPRESS, name, x.w.buf, n, x.plain.data, x.plain.len);
        hm_xpress_free(&x);
    }
    /* LZX: verbatim, aligned, uncompressed blocks in one chunk, runs in
     * the code lengths, repeat offsets, delta-coded second tree. */
    for (int v = 0; v < 4; v++) {
        hm_lzx z;
        hm_lzx_begin(&z, 1 << 17, 32768);
        z.use_runs = v & 1;
        hm_lzx_default_codes(&z, 0);
        hm_lzx_block(&z, v >= 2, 2000);
        hm_lzx_literals(&z, "LZX hand-made block one: ");
        hm_lzx_match(&z, 2, 4);
        hm_lzx_match(&z, 9, 1);
        hm_lzx_match(&z, 257, 3);
        hm_lzx_match(&z, 20, 29);
        hm_lzx_repeat(&z, 5, 0);
        hm_lzx_repeat(&z, 6, 1);
        hm_lzx_repeat(&z, 7, 2);
        while (z.plain.len < 1500)
            hm_lzx_literal(&z, (uint8_t)(z.plain.len * 13));
        hm_lzx_match(&z, 100, 1200);
        hm_lzx_match_until(&z, 2000, 1000);
        /* second block: other codes (nonzero deltas) */
        hm_lzx_default_codes(&z, 1);
        hm_lzx_block(&z, v < 2, 3000);
        hm_lzx_literals(&z, "eeeee second block");
        hm_lzx_match_until(&z, 5000, 1999);
        /* uncompressed block in the middle, odd size */
        uint8_t raw[777];
        for (unsigned i = 0; i < sizeof(raw); i++)
            raw[i] = (uint8_t)(i * 31 + 5);
        uint32_t r[3] = {4, 100, 2};
        hm_lzx_uncompressed(&z, raw, sizeof(raw), r);
        hm_lzx_default_codes(&z, 0);
        hm_lzx_block(&z, 0, 1000);
        hm_lzx_repeat(&z, 10, 0); /* uses R0 from the uncompressed header */
        hm_lzx_repeat(&z, 10, 1);
        hm_lzx_match_until(&z, 2000 + 3000 + 777 + 1000, 5000);
        size_t n = hm_lzx_end(&z);
        snprintf(name, sizeof(name), "lzx variant %d", v);
        uint8_t *expect = hm_lzx_expected(&z);
        agree(WIMLIB_COMPRESSION_TYPE_LZX, name, z.w.buf, n, expect, z.plain.len);
        free(expect);
        hm_lzx_free(&z);
    }
    /* LZX: uncompressed block first (the stream already on a word boundary
     * after 20 header bits? no: 4 + 16 = 20 bits, so 12 bits of padding),
     * and a 32768-byte block (the 1-bit default size). */
    {
        hm_lzx z;
        uint8_t *raw = malloc(32768);
        uint32_t r[3] = {1, 2, 3};
        for (unsigned i = 0; i < 32768; i++)
            raw[i] = (uint8_t)(i ^ (i >> 8));
        hm_lzx_begin(&z, 1 << 17, 32768);
        hm_lzx_uncompressed(&z, raw, 32768, r);
        size_t n = hm_lzx_end(&z);
        uint8_t *expect = hm_lzx_expected(&z);
        agree(WIMLIB_COMPRESSION_TYPE_LZX, "lzx uncompressed 32768", z.w.buf, n, expect, z.plain.len);
        free(expect);
        hm_lzx_free(&z);
        free(raw);
    }
}

/* E8 translation at the edges: CALL targets near 0, negative, at the
 * 12000000 limit, and E8 bytes in the last 10 bytes (left alone). */
static void handmade_e8(void)
{
    static const int32_t targets[] = {0,        5,         -1,    -40,        11999999,
                                      12000000, -12000000, 70000, 0x7fffffff, -100000};
    for (unsigned kind = 0; kind < 2; kind++) {
        hm_lzx z;
        uint8_t data[400];
        uint32_t r[3] = {1, 1, 1};
        size_t i = 0;
        for (unsigned k = 0; i + 5 <= 380; k++) {
            int32_t t = targets[k % 10];
            data[i++] = (uint8_t)(k * 3);
            data[i++] = 0xe8;
            for (int b = 0; b < 4; b++)
                data[i++] = (uint8_t)((uint32_t)t >> (8 * b));
        }
        while (i < sizeof(data))
            data[i++] = 0xe8; /* E8 bytes up to the very end */
        hm_lzx_begin(&z, 1 << 16, 32768);
        if (kind == 0) {
            hm_lzx_uncompressed(&z, data, sizeof(data), r);
        } else {
            hm_lzx_default_codes(&z, 0);
            hm_lzx_block(&z, 0, sizeof(data));
            for (i = 0; i < sizeof(data); i++)
                hm_lzx_literal(&z, data[i]);
        }
        size_t n = hm_lzx_end(&z);
        uint8_t *expect = hm_lzx_expected(&z);
        agree(WIMLIB_COMPRESSION_TYPE_LZX, kind ? "lzx e8 literals" : "lzx e8 raw", z.w.buf, n, expect,
              z.plain.len);
        free(expect);
        hm_lzx_free(&z);
    }
}

/* ---- whole WofCompressedData streams through wof.c ------------------- */

static void wof_streams(void)
{
    static const uint32_t algos[] = {NTFS_WOF_XPRESS4K, NTFS_WOF_LZX, NTFS_WOF_XPRESS8K, NTFS_WOF_XPRESS16K};
    for (size_t a = 0; a < 4; a++) {
        ntfs_wof_info info = {1, 2, 1, algos[a], ntfs_wof_chunk_size(algos[a])};
        uint32_t cs = info.chunk_size;
        enum wimlib_compression_type t =
            algos[a] == NTFS_WOF_LZX ? WIMLIB_COMPRESSION_TYPE_LZX : WIMLIB_COMPRESSION_TYPE_XPRESS;
        struct wimlib_compressor *comp;
        if (wimlib_create_compressor(t, cs, 0, &comp)) {
            CHECK(0, "wimlib_create_compressor");
            continue;
        }
        size_t sizes[] = {1, cs, (size_t)cs + 1, 300001, 1 << 20};
        for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
            size_t size = sizes[si];
            uint8_t *file = malloc(size);
            /* Compressible and incompressible regions: some chunks raw. */
            for (size_t off = 0; off < size; off += 50000)
                fill(file + off, size - off < 50000 ? size - off : 50000, (int)((off / 50000) % K_COUNT));
            uint64_t n = (size + cs - 1) / cs;
            uint64_t table = ntfs_wof_table_size(size, cs);
            CHECK(table == (n - 1) * 4, "table size %llu for %zu", (unsigned long long)table, size);
            uint8_t *stream = malloc(table + size + 16), *cbuf = malloc(cs);
            size_t pos = table;
            for (uint64_t i = 0; i < n; i++) {
                size_t len = i + 1 < n ? cs : size - i * cs;
                size_t clen = wimlib_compress(file + i * cs, len, cbuf, len - 1, comp);
                if (i > 0) {
                    uint32_t e = (uint32_t)(pos - table);
                    memcpy(stream + (i - 1) * 4, &e, 4); /* little-endian host */
                }
                if (clen) {
                    memcpy(stream + pos, cbuf, clen);
                    pos += clen;
                } else {
                    memcpy(stream + pos, file + i * cs, len);
                    pos += len;
                }
            }
            ntfs_wof_stream s;
            nt_diag d;
            int rc = ntfs_wof_stream_init(&s, &info, size, pos, &d);
            CHECK(rc == NT_OK && s.n_chunks == n, "stream_init %d", rc);
            void *ws = aligned_alloc(16, (ntfs_wof_workspace_size(algos[a]) + 15) / 16 * 16 + 16);
            uint8_t *out = malloc(size), *chunk = malloc(cs);
            for (uint64_t i = 0; i < n && rc == NT_OK; i++) {
                ntfs_wof_chunk c;
                uint64_t toff;
                size_t tlen;
                CHECK(ntfs_wof_chunk_entries(&s, i, &toff, &tlen) == NT_OK, "entries");
                rc = ntfs_wof_locate_chunk(&s, i, stream + toff, tlen, &c, &d);
                CHECK(rc == NT_OK, "locate %llu: %d", (unsigned long long)i, rc);
                if (rc)
                    break;
                rc =
                    ntfs_wof_decompress_chunk(&s, &c, stream + c.offset, c.compressed_len, chunk, cs, ws, &d);
                CHECK(rc == NT_OK, "decompress chunk %llu: %d", (unsigned long long)i, rc);
                memcpy(out + c.file_offset, chunk, c.uncompressed_len);
            }
            CHECK(rc == NT_OK && memcmp(out, file, size) == 0, "WOF %u size %zu: file differs", algos[a],
                  size);
            /* The read path's way for XPRESS: consecutive chunks in pairs. */
            void *pws =
                ntfs_wof_pair_workspace_size(algos[a]) ? malloc(ntfs_wof_pair_workspace_size(algos[a])) : 0;
            memset(out, 0x5a, size);
            for (uint64_t i = 0; pws && i + 1 < n && rc == NT_OK; i += 2) {
                ntfs_wof_chunk c0, c1;
                rc = ntfs_wof_locate_chunk_in_table(&s, stream, table, i, &c0, &d);
                if (rc == NT_OK)
                    rc = ntfs_wof_locate_chunk_in_table(&s, stream, table, i + 1, &c1, &d);
                const ntfs_wof_chunk *cc[2] = {&c0, &c1};
                const uint8_t *src[2] = {stream + c0.offset, stream + c1.offset};
                uint8_t *dst[2] = {out + c0.file_offset, out + c1.file_offset};
                if (rc == NT_OK)
                    rc = ntfs_wof_decompress_chunk_pair(&s, cc, src, dst, pws, &d);
                CHECK(rc == NT_OK, "pair %llu: %d", (unsigned long long)i, rc);
                if (i + 3 == n) { /* odd count: the last one alone */
                    ntfs_wof_chunk cl;
                    rc = ntfs_wof_locate_chunk_in_table(&s, stream, table, i + 2, &cl, &d);
                    if (rc == NT_OK)
                        rc = ntfs_wof_decompress_chunk(&s, &cl, stream + cl.offset, cl.compressed_len,
                                                       out + cl.file_offset, cl.uncompressed_len, ws, &d);
                }
            }
            if (pws && n > 1)
                CHECK(rc == NT_OK && memcmp(out, file, size) == 0, "WOF %u size %zu: file differs (pairs)",
                      algos[a], size);
            free(pws);
            free(ws);
            free(out);
            free(chunk);
            free(stream);
            free(cbuf);
            free(file);
        }
        wimlib_free_compressor(comp);
    }
}

int main(int argc, char **argv)
{
    quiet = argc > 1 && strcmp(argv[1], "-q") == 0;
    lzx_ws =
        aligned_alloc(NTFS_LZX_WORKSPACE_ALIGN, (ntfs_lzx_workspace_size() + NTFS_LZX_WORKSPACE_ALIGN - 1) /
                                                    NTFS_LZX_WORKSPACE_ALIGN * NTFS_LZX_WORKSPACE_ALIGN);
    handmade();
    handmade_e8();
    round_trips();
    pairs();
    wof_streams();
    free(lzx_ws);
    printf("wof_diff: %lu checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
