/* common_image.c - volume / MBR / GPT / gzip image opening (see common_image.h). */
#include "common_image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#ifdef __linux__
#include <linux/fs.h>
#endif

#define GZ_WINDOW 32768u
#define GZ_FIRST_SPACING ((uint64_t)1 << 20)
#define GZ_IN_CHUNK 65536u
#define GZ_OUT_CHUNK 65536u
#define EBR_CHAIN_MAX 128
#define GPT_MAX_ENTRIES 1024

/* ---- gzip access index ---------------------------------------------------- */

typedef struct gz_point {
    uint64_t out;          /* uncompressed offset of this point */
    uint64_t in;           /* compressed offset of the first byte to feed */
    int bits;              /* bits of the byte before `in` still unused (0-7) */
    bool member_start;     /* a gzip member header starts at `in` */
    unsigned char *window; /* 32 KiB dictionary; NULL = all zeros */
} gz_point;

typedef struct gz_span {
    size_t point;          /* index of the span's first point; SIZE_MAX = empty */
    uint64_t start;
    size_t len;
    unsigned char *data;
    size_t cap;
    uint64_t used;         /* LRU stamp */
} gz_span;

typedef struct gz_state {
    pthread_mutex_t mu;
    gz_point *pts;
    size_t npts, cap_pts;
    uint64_t spacing;
    /* the lazy first pass */
    z_stream zs;
    bool zs_live;
    bool complete;         /* the whole stream was inflated: total is known */
    bool broken;           /* corrupt stream: reads past `total` fail */
    uint64_t total;        /* uncompressed bytes produced so far */
    uint64_t in_pos;       /* file offset of the next byte to read into inbuf */
    unsigned char *inbuf;
    unsigned char *outbuf;
    unsigned char hist[GZ_WINDOW]; /* ring of the last 32 KiB of output */
    uint64_t last_point_out;
    gz_span spans[CLI_IMAGE_GZ_CACHE_SPANS];
    uint64_t clock;
} gz_state;

struct cli_image {
    int fd;
    char *path;
    uint64_t file_size;     /* plain: file size; gzip: compressed size */
    gz_state *gz;
    uint64_t vol_off, vol_size;
    unsigned part;
    cli_table_kind table;
};

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const unsigned char *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

/* Reads exactly len bytes of the raw file at off (retrying short reads). */
static int file_pread(int fd, uint64_t off, void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len) {
        if (off > (uint64_t)INT64_MAX)
            return -1;
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            return -1;
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static void gz_free(gz_state *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->npts; i++)
        free(g->pts[i].window);
    free(g->pts);
    for (size_t i = 0; i < CLI_IMAGE_GZ_CACHE_SPANS; i++)
        free(g->spans[i].data);
    if (g->zs_live)
        inflateEnd(&g->zs);
    free(g->inbuf);
    free(g->outbuf);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

/* Halves the number of checkpoints by doubling the spacing; member starts
 * are always kept (spans never cross a gzip member). */
static void gz_thin(gz_state *g)
{
    g->spacing *= 2;
    size_t keep = 1;
    uint64_t last = g->pts[0].out;
    for (size_t i = 1; i < g->npts; i++) {
        gz_point *p = &g->pts[i];
        if (p->member_start || p->out - last >= g->spacing) {
            last = p->out;
            g->pts[keep++] = *p;
        } else {
            free(p->window);
        }
    }
    g->npts = keep;
    g->last_point_out = g->pts[keep - 1].out;
    /* cached spans are indexed by point: drop them */
    for (size_t i = 0; i < CLI_IMAGE_GZ_CACHE_SPANS; i++)
        g->spans[i].point = SIZE_MAX;
}

static int gz_add_point(gz_state *g, bool member_start, int bits)
{
    if (g->npts == CLI_IMAGE_GZ_MAX_POINTS)
        gz_thin(g);
    if (g->npts == g->cap_pts) {
        size_t nc = g->cap_pts ? g->cap_pts * 2 : 64;
        gz_point *np = realloc(g->pts, nc * sizeof *np);
        if (!np)
            return -1;
        g->pts = np;
        g->cap_pts = nc;
    }
    gz_point *p = &g->pts[g->npts];
    p->out = g->total;
    p->in = g->in_pos - g->zs.avail_in;
    p->bits = bits;
    p->member_start = member_start;
    p->window = NULL;
    if (!member_start) {
        /* linearise the ring: the oldest byte sits at total % GZ_WINDOW */
        unsigned char win[GZ_WINDOW];
        size_t head = (size_t)(g->total % GZ_WINDOW);
        memcpy(win, g->hist + head, GZ_WINDOW - head);
        memcpy(win + GZ_WINDOW - head, g->hist, head);
        if (!all_zero(win, GZ_WINDOW)) {
            p->window = malloc(GZ_WINDOW);
            if (!p->window)
                return -1;
            memcpy(p->window, win, GZ_WINDOW);
        }
    }
    g->npts++;
    g->last_point_out = g->total;
    return 0;
}

static void gz_hist_append(gz_state *g, const unsigned char *p, size_t n)
{
    if (n >= GZ_WINDOW) {
        p += n - GZ_WINDOW;
        uint64_t base = g->total + n - GZ_WINDOW;
        for (size_t i = 0; i < GZ_WINDOW; i++)
            g->hist[(base + i) % GZ_WINDOW] = p[i];
        return;
    }
    size_t pos = (size_t)(g->total % GZ_WINDOW);
    size_t first = GZ_WINDOW - pos < n ? GZ_WINDOW - pos : n;
    memcpy(g->hist + pos, p, first);
    memcpy(g->hist, p + first, n - first);
}

/* Continues the first pass until a checkpoint lies beyond `target` (so the
 * span holding `target` has a known end) or the stream ends. Called with
 * the mutex held. */
static int gz_extend(cli_image *img, uint64_t target)
{
    gz_state *g = img->gz;
    while (!g->complete && !(g->last_point_out > target && g->npts > 0)) {
        if (g->broken)
            return -1;
        if (g->zs.avail_in == 0) {
            if (g->in_pos >= img->file_size) {
                /* input ended inside a member: truncated gzip */
                g->broken = true;
                return -1;
            }
            uint64_t left = img->file_size - g->in_pos;
            size_t n = left < GZ_IN_CHUNK ? (size_t)left : GZ_IN_CHUNK;
            if (file_pread(img->fd, g->in_pos, g->inbuf, n) != 0)
                return -1;
            g->in_pos += n;
            g->zs.next_in = g->inbuf;
            g->zs.avail_in = (uInt)n;
        }
        g->zs.next_out = g->outbuf;
        g->zs.avail_out = GZ_OUT_CHUNK;
        int rc = inflate(&g->zs, Z_BLOCK);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            g->broken = true;
            return -1;
        }
        size_t produced = GZ_OUT_CHUNK - g->zs.avail_out;
        gz_hist_append(g, g->outbuf, produced);
        g->total += produced;
        if (rc == Z_STREAM_END) {
            /* another member may follow (concatenated gzip files) */
            unsigned char magic[2];
            uint64_t next = g->in_pos - g->zs.avail_in;
            bool more = next + 2 <= img->file_size && file_pread(img->fd, next, magic, 2) == 0 &&
                        magic[0] == 0x1f && magic[1] == 0x8b;
            if (!more) {
                g->complete = true;
                break;
            }
            inflateReset(&g->zs);
            if (gz_add_point(g, true, 0) != 0)
                return -1;
            continue;
        }
        /* bit 7: at the end of a block header... no: after a block, with
         * bit 6 = last block. A checkpoint between blocks can restart. */
        if ((g->zs.data_type & 128) && !(g->zs.data_type & 64) &&
            g->total - g->last_point_out >= g->spacing) {
            if (gz_add_point(g, false, g->zs.data_type & 7) != 0)
                return -1;
        }
        if (rc == Z_BUF_ERROR && produced == 0 && g->zs.avail_in != 0) {
            g->broken = true;
            return -1;
        }
    }
    return 0;
}

/* Inflates span `pi` into a cache slot and returns it. */
static gz_span *gz_load_span(cli_image *img, size_t pi)
{
    gz_state *g = img->gz;
    for (size_t i = 0; i < CLI_IMAGE_GZ_CACHE_SPANS; i++) {
        if (g->spans[i].point == pi) {
            g->spans[i].used = ++g->clock;
            return &g->spans[i];
        }
    }
    gz_point *p = &g->pts[pi];
    uint64_t end = pi + 1 < g->npts ? g->pts[pi + 1].out : g->total;
    uint64_t len64 = end - p->out;
    if (len64 > SIZE_MAX / 2)
        return NULL;
    size_t len = (size_t)len64;
    gz_span *s = &g->spans[0];
    for (size_t i = 1; i < CLI_IMAGE_GZ_CACHE_SPANS; i++)
        if (g->spans[i].used < s->used)
            s = &g->spans[i];
    s->point = SIZE_MAX;
    if (s->cap < len) {
        unsigned char *nd = realloc(s->data, len ? len : 1);
        if (!nd)
            return NULL;
        s->data = nd;
        s->cap = len;
    }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, p->member_start ? 31 : -15) != Z_OK)
        return NULL;
    unsigned char inbuf[GZ_IN_CHUNK];
    uint64_t in = p->in;
    if (!p->member_start) {
        if (p->bits) {
            unsigned char b;
            if (in == 0 || file_pread(img->fd, in - 1, &b, 1) != 0)
                goto fail;
            inflatePrime(&zs, p->bits, b >> (8 - p->bits));
        }
        static const unsigned char zeros[GZ_WINDOW];
        inflateSetDictionary(&zs, p->window ? p->window : zeros, GZ_WINDOW);
    }
    zs.next_out = s->data;
    zs.avail_out = (uInt)len;
    size_t done = 0;
    while (done < len) {
        if (zs.avail_in == 0) {
            if (in >= img->file_size)
                goto fail;
            uint64_t left = img->file_size - in;
            size_t n = left < sizeof inbuf ? (size_t)left : sizeof inbuf;
            if (file_pread(img->fd, in, inbuf, n) != 0)
                goto fail;
            in += n;
            zs.next_in = inbuf;
            zs.avail_in = (uInt)n;
        }
        size_t want = len - done;
        zs.next_out = s->data + done;
        zs.avail_out = want > UINT_MAX ? UINT_MAX : (uInt)want;
        uInt before = zs.avail_out;
        int rc = inflate(&zs, Z_NO_FLUSH);
        done += before - zs.avail_out;
        if (rc == Z_STREAM_END && done < len)
            goto fail;
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            goto fail;
    }
    inflateEnd(&zs);
    s->point = pi;
    s->start = p->out;
    s->len = len;
    s->used = ++g->clock;
    return s;
fail:
    inflateEnd(&zs);
    return NULL;
}

/* Reads uncompressed bytes [off, off+len) of a gzip image. */
static int gz_read(cli_image *img, uint64_t off, unsigned char *buf, size_t len)
{
    gz_state *g = img->gz;
    int rc = 0;
    pthread_mutex_lock(&g->mu);
    while (len) {
        if (gz_extend(img, off) != 0 || off >= g->total) {
            rc = -1;
            break;
        }
        /* the last point at or before off */
        size_t lo = 0, hi = g->npts;
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (g->pts[mid].out <= off)
                lo = mid;
            else
                hi = mid;
        }
        gz_span *s = gz_load_span(img, lo);
        if (!s) {
            rc = -1;
            break;
        }
        uint64_t rel = off - s->start;
        if (rel >= s->len) {
            rc = -1;
            break;
        }
        size_t n = s->len - (size_t)rel < len ? s->len - (size_t)rel : len;
        memcpy(buf, s->data + rel, n);
        buf += n;
        off += n;
        len -= n;
    }
    pthread_mutex_unlock(&g->mu);
    return rc;
}

static int gz_init(cli_image *img)
{
    gz_state *g = calloc(1, sizeof *g);
    if (!g)
        return -1;
    pthread_mutex_init(&g->mu, NULL);
    img->gz = g;
    g->spacing = GZ_FIRST_SPACING;
    for (size_t i = 0; i < CLI_IMAGE_GZ_CACHE_SPANS; i++)
        g->spans[i].point = SIZE_MAX;
    g->inbuf = malloc(GZ_IN_CHUNK);
    g->outbuf = malloc(GZ_OUT_CHUNK);
    if (!g->inbuf || !g->outbuf)
        return -1;
    if (inflateInit2(&g->zs, 31) != Z_OK)
        return -1;
    g->zs_live = true;
    return gz_add_point(g, true, 0);
}

/* ---- raw image access ------------------------------------------------------ */

/* Reads bytes of the whole (uncompressed) image. */
static int image_raw_read(cli_image *img, uint64_t off, void *buf, size_t len)
{
    if (img->gz)
        return gz_read(img, off, buf, len);
    if (off > img->file_size || len > img->file_size - off)
        return -1;
    return file_pread(img->fd, off, buf, len);
}

int cli_image_read(void *ctx, uint64_t offset, void *buf, size_t len)
{
    cli_image *img = ctx;
    if (img->vol_size && (offset > img->vol_size || len > img->vol_size - offset))
        return -1;
    if (offset > UINT64_MAX - img->vol_off)
        return -1;
    uint64_t abs = img->vol_off + offset;
    if (!img->gz) {
        /* the hot path: one pread straight into the caller's buffer */
        if (abs > (uint64_t)INT64_MAX)
            return -1;
        ssize_t n = pread(img->fd, buf, len, (off_t)abs);
        if (n == (ssize_t)len)
            return 0;
        if (n < 0 && errno != EINTR)
            return -1;
        return file_pread(img->fd, abs, buf, len);
    }
    return gz_read(img, abs, buf, len);
}

/* Whether the image has an NTFS boot sector at `off`. */
static bool is_ntfs_at(cli_image *img, uint64_t off)
{
    unsigned char oem[8];
    if (image_raw_read(img, off + 3, oem, 8) != 0)
        return false;
    return memcmp(oem, "NTFS    ", 8) == 0;
}

/* ---- partition tables ------------------------------------------------------ */

typedef struct part_list {
    cli_partition *v;
    size_t cap, count;
} part_list;

static void part_add(part_list *pl, const cli_partition *p)
{
    if (pl->count < pl->cap)
        pl->v[pl->count] = *p;
    pl->count++;
}

/* The size of the uncompressed image when known (plain files; finished gzip). */
static uint64_t image_known_size(const cli_image *img)
{
    if (!img->gz)
        return img->file_size;
    return img->gz->complete ? img->gz->total : 0;
}

static int check_extent(cli_image *img, const char *kind, unsigned num, uint64_t off, uint64_t size, char *err,
                        size_t errlen)
{
    uint64_t isz = image_known_size(img);
    if (size == 0) {
        seterr(err, errlen, "%s: %s partition %u has size 0", img->path, kind, num);
        return -1;
    }
    if (isz && (off >= isz || size > isz - off)) {
        seterr(err, errlen, "%s: %s partition %u extends past the end of the image", img->path, kind, num);
        return -1;
    }
    if (!isz && off > UINT64_MAX - size) {
        seterr(err, errlen, "%s: %s partition %u has an impossible extent", img->path, kind, num);
        return -1;
    }
    return 0;
}

static const char *mbr_type_name(uint8_t t)
{
    switch (t) {
    case 0x05: case 0x0f: case 0x85: return " (extended)";
    case 0x07: return " (NTFS/exFAT/HPFS)";
    case 0x0b: case 0x0c: return " (FAT32)";
    case 0x27: return " (Windows recovery)";
    case 0x82: return " (Linux swap)";
    case 0x83: return " (Linux)";
    case 0xee: return " (GPT protective)";
    case 0xef: return " (EFI system)";
    default: return "";
    }
}

static bool mbr_is_extended(uint8_t t) { return t == 0x05 || t == 0x0f || t == 0x85; }

/* Checks the four entries of an MBR/EBR sector for plausibility. */
static bool mbr_entries_sane(const unsigned char *sec)
{
    for (int i = 0; i < 4; i++) {
        const unsigned char *e = sec + 446 + 16 * i;
        if (e[0] != 0x00 && e[0] != 0x80)
            return false;
    }
    return true;
}

static int parse_mbr(cli_image *img, const unsigned char *sec, part_list *pl, char *err, size_t errlen)
{
    const uint64_t ss = 512;
    uint64_t ext_base = 0, ext_size = 0;
    for (unsigned i = 0; i < 4; i++) {
        const unsigned char *e = sec + 446 + 16 * i;
        uint8_t type = e[4];
        uint64_t lba = le32(e + 8), n = le32(e + 12);
        if (type == 0 || n == 0)
            continue;
        cli_partition p = {0};
        p.number = i + 1;
        p.offset = lba * ss;
        p.size = n * ss;
        snprintf(p.type, sizeof p.type, "0x%02x%s", type, mbr_type_name(type));
        if (check_extent(img, "MBR", p.number, p.offset, p.size, err, errlen) != 0)
            return -1;
        if (mbr_is_extended(type)) {
            if (ext_size) {
                seterr(err, errlen, "%s: MBR has more than one extended partition", img->path);
                return -1;
            }
            p.is_container = true;
            ext_base = lba;
            ext_size = n;
        } else {
            p.is_ntfs = is_ntfs_at(img, p.offset);
        }
        part_add(pl, &p);
    }
    if (!ext_size)
        return 0;
    /* Logical partitions: a chain of EBRs, each link relative to the
     * extended partition's start. The chain length is bounded and every
     * link must move forward, so a looping chain ends. */
    uint64_t ebr = ext_base, prev = 0;
    unsigned num = 5;
    for (int hop = 0;; hop++) {
        if (hop == EBR_CHAIN_MAX) {
            seterr(err, errlen, "%s: extended partition chain longer than %d links (loop?)", img->path,
                   EBR_CHAIN_MAX);
            return -1;
        }
        unsigned char e_sec[512];
        if (image_raw_read(img, ebr * ss, e_sec, sizeof e_sec) != 0) {
            seterr(err, errlen, "%s: cannot read extended boot record at byte %llu", img->path,
                   (unsigned long long)(ebr * ss));
            return -1;
        }
        if (e_sec[510] != 0x55 || e_sec[511] != 0xaa || !mbr_entries_sane(e_sec)) {
            seterr(err, errlen, "%s: damaged extended boot record at byte %llu (bad signature)", img->path,
                   (unsigned long long)(ebr * ss));
            return -1;
        }
        const unsigned char *l = e_sec + 446, *nx = e_sec + 462;
        if (l[4] != 0 && le32(l + 12) != 0) {
            uint64_t start = ebr + le32(l + 8), n = le32(l + 12);
            cli_partition p = {0};
            p.number = num++;
            p.offset = start * ss;
            p.size = n * ss;
            snprintf(p.type, sizeof p.type, "0x%02x%s", l[4], mbr_type_name(l[4]));
            if (start < ext_base || start + n > ext_base + ext_size) {
                seterr(err, errlen, "%s: logical partition %u lies outside its extended partition", img->path,
                       p.number);
                return -1;
            }
            if (check_extent(img, "logical", p.number, p.offset, p.size, err, errlen) != 0)
                return -1;
            p.is_ntfs = is_ntfs_at(img, p.offset);
            part_add(pl, &p);
        }
        if (nx[4] == 0 || le32(nx + 12) == 0)
            break;
        uint64_t next = ext_base + le32(nx + 8);
        if (!mbr_is_extended(nx[4]) || next <= ebr || next <= prev || next >= ext_base + ext_size) {
            seterr(err, errlen, "%s: damaged extended partition chain at byte %llu", img->path,
                   (unsigned long long)(ebr * ss));
            return -1;
        }
        prev = ebr;
        ebr = next;
    }
    return 0;
}

static void guid_str(const unsigned char *g, char *out, size_t n)
{
    snprintf(out, n, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", le32(g), le16(g + 4), le16(g + 6), g[8],
             g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static const char *gpt_type_name(const char *guid)
{
    static const struct { const char *g, *n; } known[] = {
        {"EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "Microsoft basic data"},
        {"C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI system"},
        {"E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "Microsoft reserved"},
        {"DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", "Windows recovery"},
        {"0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem"},
        {"0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i].g, guid) == 0)
            return known[i].n;
    return NULL;
}

/* Validates a GPT header at `lba` (sector size ss). Returns 0 and fills the
 * entry-array location, or -1 with a reason. */
static int gpt_header(cli_image *img, uint64_t ss, uint64_t lba, uint64_t *ent_lba, uint32_t *nent, uint32_t *esz,
                      uint32_t *ecrc, const char **why)
{
    unsigned char h[512];
    if (image_raw_read(img, lba * ss, h, sizeof h) != 0) {
        *why = "cannot read the GPT header";
        return -1;
    }
    if (memcmp(h, "EFI PART", 8) != 0) {
        *why = "no GPT header signature";
        return -1;
    }
    uint32_t hsize = le32(h + 12);
    if (hsize < 92 || hsize > sizeof h) {
        *why = "GPT header size out of range";
        return -1;
    }
    uint32_t crc = le32(h + 16);
    memset(h + 16, 0, 4);
    if ((uint32_t)crc32(0, h, hsize) != crc) {
        *why = "GPT header CRC mismatch";
        return -1;
    }
    if (le64(h + 24) != lba) {
        *why = "GPT header names another LBA as its own";
        return -1;
    }
    *ent_lba = le64(h + 72);
    *nent = le32(h + 80);
    *esz = le32(h + 84);
    *ecrc = le32(h + 88);
    if (*nent > GPT_MAX_ENTRIES || *esz < 128 || *esz > 4096 || *esz % 8) {
        *why = "GPT entry count or size out of range";
        return -1;
    }
    return 0;
}

static int parse_gpt(cli_image *img, uint64_t ss, part_list *pl, char *err, size_t errlen)
{
    uint64_t ent_lba;
    uint32_t nent, esz, ecrc;
    const char *why = NULL;
    int rc = gpt_header(img, ss, 1, &ent_lba, &nent, &esz, &ecrc, &why);
    const char *primary_why = why;
    if (rc != 0) {
        /* the backup header sits in the image's last sector; a gzip
         * image's size is known only once it has been inflated to the end
         * (once: the checkpoints make later reads cheap) */
        if (img->gz && !img->gz->complete) {
            pthread_mutex_lock(&img->gz->mu);
            (void)gz_extend(img, UINT64_MAX);
            pthread_mutex_unlock(&img->gz->mu);
        }
        uint64_t isz = image_known_size(img);
        if (!isz || isz / ss < 2 || gpt_header(img, ss, isz / ss - 1, &ent_lba, &nent, &esz, &ecrc, &why) != 0) {
            seterr(err, errlen, "%s: %s and no valid backup header", img->path, primary_why);
            return -1;
        }
    }
    size_t bytes = (size_t)nent * esz;
    unsigned char *ents = malloc(bytes ? bytes : 1);
    if (!ents) {
        seterr(err, errlen, "%s: out of memory", img->path);
        return -1;
    }
    if (ent_lba > UINT64_MAX / ss || image_raw_read(img, ent_lba * ss, ents, bytes) != 0) {
        seterr(err, errlen, "%s: cannot read the GPT entry array", img->path);
        free(ents);
        return -1;
    }
    if ((uint32_t)crc32(0, ents, (uInt)bytes) != ecrc) {
        seterr(err, errlen, "%s: GPT partition entry array CRC mismatch", img->path);
        free(ents);
        return -1;
    }
    static const unsigned char zero16[16];
    for (uint32_t i = 0; i < nent; i++) {
        const unsigned char *e = ents + (size_t)i * esz;
        if (memcmp(e, zero16, 16) == 0)
            continue;
        uint64_t first = le64(e + 32), last = le64(e + 40);
        cli_partition p = {0};
        p.number = i + 1;
        if (last < first || first > UINT64_MAX / ss || last - first + 1 > UINT64_MAX / ss) {
            seterr(err, errlen, "%s: GPT partition %u has an impossible extent", img->path, p.number);
            free(ents);
            return -1;
        }
        p.offset = first * ss;
        p.size = (last - first + 1) * ss;
        char g[40];
        guid_str(e, g, sizeof g);
        const char *name = gpt_type_name(g);
        snprintf(p.type, sizeof p.type, "%s", name ? name : g);
        if (check_extent(img, "GPT", p.number, p.offset, p.size, err, errlen) != 0) {
            free(ents);
            return -1;
        }
        p.is_ntfs = is_ntfs_at(img, p.offset);
        part_add(pl, &p);
    }
    free(ents);
    return 0;
}

/* Detects and parses the image's partition table. */
static int scan_table(cli_image *img, part_list *pl, cli_table_kind *kind, char *err, size_t errlen)
{
    unsigned char sec[512];
    *kind = CLI_TABLE_NONE;
    if (image_raw_read(img, 0, sec, sizeof sec) != 0) {
        if (img->gz && img->gz->broken)
            seterr(err, errlen, "%s: corrupt or truncated gzip data", img->path);
        else
            seterr(err, errlen, "%s: image is shorter than one sector", img->path);
        return -1;
    }
    if (memcmp(sec + 3, "NTFS    ", 8) == 0)
        return 0; /* a bare volume */
    bool sig = sec[510] == 0x55 && sec[511] == 0xaa;
    bool protective = false;
    if (sig)
        for (int i = 0; i < 4; i++)
            if (sec[446 + 16 * i + 4] == 0xee)
                protective = true;
    /* GPT: "EFI PART" at LBA 1 for 512- or 4096-byte sectors */
    unsigned char hs[8];
    for (uint64_t ss = 512; ss <= 4096; ss *= 8) {
        if (image_raw_read(img, ss, hs, 8) == 0 && memcmp(hs, "EFI PART", 8) == 0) {
            *kind = CLI_TABLE_GPT;
            return parse_gpt(img, ss, pl, err, errlen);
        }
    }
    if (protective) {
        *kind = CLI_TABLE_GPT;
        /* the primary header is gone: the backup may still be there */
        return parse_gpt(img, 512, pl, err, errlen);
    }
    if (!sig)
        return 0;
    if (!mbr_entries_sane(sec)) {
        seterr(err, errlen, "%s: damaged MBR (partition entry with a bad status byte)", img->path);
        return -1;
    }
    *kind = CLI_TABLE_MBR;
    return parse_mbr(img, sec, pl, err, errlen);
}

int cli_image_list_partitions(cli_image *img, cli_partition *parts, size_t cap, size_t *count, char *err,
                              size_t errlen)
{
    part_list pl = {parts, cap, 0};
    cli_table_kind kind;
    int rc = scan_table(img, &pl, &kind, err, errlen);
    *count = pl.count;
    return rc;
}

/* ---- open / close ------------------------------------------------------------ */

/* Splits "PATH@N" when PATH itself does not exist as given. */
static int split_spec(const char *spec, char **path, unsigned *part)
{
    *part = 0;
    struct stat st;
    const char *at = strrchr(spec, '@');
    if (at && at[1] && stat(spec, &st) != 0) {
        char *end;
        errno = 0;
        unsigned long n = strtoul(at + 1, &end, 10);
        if (*end == 0 && errno == 0 && n > 0 && n <= 100000 && at[1] >= '0' && at[1] <= '9') {
            *path = strndup(spec, (size_t)(at - spec));
            *part = (unsigned)n;
            return *path ? 0 : -1;
        }
    }
    *path = strdup(spec);
    return *path ? 0 : -1;
}

int cli_image_open(const char *spec, cli_image **out, char *err, size_t errlen)
{
    return cli_image_open_ex(spec, NULL, out, NULL, err, errlen);
}

int cli_image_open_ex(const char *spec, const cli_image_options *opt, cli_image **out, cli_image_error *kind,
                      char *err, size_t errlen)
{
    cli_image_error ek = CLI_IMAGE_ERR_CORRUPT;
    *out = NULL;
    if (kind)
        *kind = CLI_IMAGE_OK;
    if (err && errlen)
        err[0] = 0;
    cli_image *img = calloc(1, sizeof *img);
    if (!img) {
        seterr(err, errlen, "out of memory");
        if (kind)
            *kind = CLI_IMAGE_ERR_IO;
        return -1;
    }
    img->fd = -1;
    unsigned want = 0;
    if (split_spec(spec, &img->path, &want) != 0) {
        seterr(err, errlen, "out of memory");
        if (kind)
            *kind = CLI_IMAGE_ERR_IO;
        free(img);
        return -1;
    }
    if (want && opt && opt->use_offset) {
        seterr(err, errlen, "%s: give either a partition number (@%u) or --offset, not both", img->path, want);
        ek = CLI_IMAGE_ERR_USAGE;
        goto fail;
    }
    img->fd = open(img->path, O_RDONLY | O_CLOEXEC);
    if (img->fd < 0) {
        seterr(err, errlen, "cannot open %s: %s", img->path, strerror(errno));
        ek = errno == ENOENT || errno == ENOTDIR ? CLI_IMAGE_ERR_NOT_FOUND : CLI_IMAGE_ERR_IO;
        goto fail;
    }
    struct stat st;
    if (fstat(img->fd, &st) != 0) {
        seterr(err, errlen, "cannot stat %s: %s", img->path, strerror(errno));
        ek = CLI_IMAGE_ERR_IO;
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        seterr(err, errlen, "%s is a directory", img->path);
        ek = CLI_IMAGE_ERR_USAGE;
        goto fail;
    }
    img->file_size = (uint64_t)st.st_size;
#ifdef BLKGETSIZE64
    if (S_ISBLK(st.st_mode)) {
        uint64_t bs = 0;
        if (ioctl(img->fd, BLKGETSIZE64, &bs) == 0)
            img->file_size = bs;
    }
#endif
    unsigned char magic[2];
    if (img->file_size >= 2 && file_pread(img->fd, 0, magic, 2) == 0 && magic[0] == 0x1f && magic[1] == 0x8b) {
        if (gz_init(img) != 0) {
            seterr(err, errlen, "%s: out of memory setting up gzip", img->path);
            ek = CLI_IMAGE_ERR_IO;
            goto fail;
        }
    }
    if (opt && opt->use_offset) {
        /* An explicit volume offset: no partition table is read; the
         * volume runs to the end of the (uncompressed) image. */
        unsigned char one;
        img->vol_off = opt->offset;
        img->table = CLI_TABLE_NONE;
        if (!img->gz) {
            if (opt->offset >= img->file_size) {
                seterr(err, errlen, "%s: --offset %llu is past the end of the image (%llu bytes)", img->path,
                       (unsigned long long)opt->offset, (unsigned long long)img->file_size);
                goto fail;
            }
            img->vol_size = img->file_size - opt->offset;
        } else if (image_raw_read(img, opt->offset, &one, 1) != 0) {
            if (img->gz->broken)
                seterr(err, errlen, "%s: corrupt or truncated gzip data", img->path);
            else
                seterr(err, errlen, "%s: --offset %llu is past the end of the uncompressed image", img->path,
                       (unsigned long long)opt->offset);
            goto fail;
        } else {
            unsigned char bs[512];
            if (image_raw_read(img, opt->offset, bs, sizeof bs) == 0) {
                uint64_t bps = le16(bs + 11), total = le64(bs + 40);
                if (memcmp(bs + 3, "NTFS    ", 8) == 0 && bps >= 256 && bps <= 4096 &&
                    total < UINT64_MAX / 4096 - 1)
                    img->vol_size = (total + 1) * bps;
            }
        }
        *out = img;
        return 0;
    }
    cli_partition parts[CLI_IMAGE_MAX_PARTITIONS];
    part_list pl = {parts, CLI_IMAGE_MAX_PARTITIONS, 0};
    if (scan_table(img, &pl, &img->table, err, errlen) != 0)
        goto fail;
    size_t n = pl.count < pl.cap ? pl.count : pl.cap;
    if (img->table == CLI_TABLE_NONE) {
        if (want) {
            seterr(err, errlen, "%s: no partition table, so no partition %u", img->path, want);
            ek = CLI_IMAGE_ERR_NOT_FOUND;
            goto fail;
        }
        if (!is_ntfs_at(img, 0)) {
            if (img->gz && img->gz->broken)
                seterr(err, errlen, "%s: corrupt or truncated gzip data", img->path);
            else
                seterr(err, errlen, "%s: not an NTFS volume (no NTFS boot sector at byte 0) and no MBR/GPT partition table",
                       img->path);
            goto fail;
        }
        img->vol_off = 0;
        if (!img->gz) {
            img->vol_size = img->file_size;
        } else {
            /* the boot sector's sector count, plus the backup boot sector */
            unsigned char bs[512];
            if (image_raw_read(img, 0, bs, sizeof bs) == 0) {
                uint64_t bps = le16(bs + 11), total = le64(bs + 40);
                if (bps >= 256 && bps <= 4096 && total < UINT64_MAX / 4096 - 1)
                    img->vol_size = (total + 1) * bps;
            }
        }
    } else {
        const cli_partition *pick = NULL;
        for (size_t i = 0; i < n && !pick; i++) {
            if (want ? parts[i].number == want : (parts[i].is_ntfs && !parts[i].is_container))
                pick = &parts[i];
        }
        if (!pick) {
            char list[256] = "";
            size_t used = 0;
            for (size_t i = 0; i < n && used + 12 < sizeof list; i++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%u%s", i ? " " : "", parts[i].number,
                                         parts[i].is_ntfs ? "(ntfs)" : "");
            if (want) {
                seterr(err, errlen, "%s: no partition %u (partitions: %s)", img->path, want, n ? list : "none");
                ek = CLI_IMAGE_ERR_NOT_FOUND;
            } else {
                seterr(err, errlen, "%s: no NTFS partition in the %s table (partitions: %s)", img->path,
                       img->table == CLI_TABLE_GPT ? "GPT" : "MBR", n ? list : "none");
            }
            goto fail;
        }
        if (pick->is_container) {
            seterr(err, errlen, "%s: partition %u is an extended partition (pick a logical one)", img->path,
                   pick->number);
            goto fail;
        }
        if (!pick->is_ntfs) {
            seterr(err, errlen, "%s: partition %u (type %s) is not an NTFS volume", img->path, pick->number,
                   pick->type);
            goto fail;
        }
        img->vol_off = pick->offset;
        img->vol_size = pick->size;
        img->part = pick->number;
    }
    *out = img;
    return 0;
fail:
    if (kind)
        *kind = ek;
    cli_image_close(img);
    return -1;
}

uint64_t cli_image_volume_offset(const cli_image *img) { return img->vol_off; }
uint64_t cli_image_volume_size(const cli_image *img) { return img->vol_size; }
unsigned cli_image_partition(const cli_image *img) { return img->part; }
cli_table_kind cli_image_table(const cli_image *img) { return img->table; }
int cli_image_fd(const cli_image *img) { return img->gz ? -1 : img->fd; }
bool cli_image_is_gzip(const cli_image *img) { return img->gz != NULL; }

void cli_image_close(cli_image *img)
{
    if (!img)
        return;
    gz_free(img->gz);
    if (img->fd >= 0)
        close(img->fd);
    free(img->path);
    free(img);
}
