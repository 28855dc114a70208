/* ntkitfs - read-only FUSE mount of an NTFS image (hosted front end).
 *
 * Low-level libfuse3 API: FUSE node ids are MFT record numbers (the root,
 * record 5, is swapped with FUSE's fixed root id 1), so a lookup is one
 * $I30 search and a getattr one record load; hard links share a node and
 * st_ino is the MFT record number. With -o streams=windows, "file:stream"
 * names get node ids that carry the attribute instance id in high bits.
 *
 * Memory: libntfs allocates only from the chunk-allocator arena (--heap /
 * -o heap=SIZE); the front end's own buffers (directory snapshots, read
 * buffers) come from malloc. libntfs serialises itself through the
 * lock/unlock callbacks, so the multi-threaded loop is safe. */
#define FUSE_USE_VERSION 312

#include <errno.h>
#include <fuse_lowlevel.h>
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common_arena.h"
#include "common_image.h"
#include "common_parallel.h"
#include "ntkitfs_prefill.h"
#include "ntfs.h"
/* by path: cli/ (on the include path for common_image.h) has a CLI header
 * of the same name */
#include "ntfs_forensic.h"
#ifdef NTKITFS_HAVE_HIVE
#include "ntkitfs_hive.h"
#endif

#define PROG "ntkitfs"
#define TIMEOUT_S 86400.0 /* the image never changes */
#define FIRST_USER_RECORD 16
#define STREAM_NODE_FLAG (1ull << 63)
#define STREAM_ID_SHIFT 47
#define REC_MASK ((1ull << STREAM_ID_SHIFT) - 1)
#define MAX_XATTR 65536
#ifndef NTFS_REPARSE_TAG_WOF
#define NTFS_REPARSE_TAG_WOF 0x80000017u
#endif
#define PARENT_WALK_MAX 4096
#define NTKITFS_DEFAULT_HEAP ((size_t)64 << 20) /* caches are small; handles are few */

enum streams_mode { STREAMS_XATTR, STREAMS_WINDOWS, STREAMS_NONE };

typedef struct fs_ctx {
    /* options */
    char *image_spec;
    int image_seen;
    unsigned uid, gid;
    int have_uid, have_gid;
    unsigned fmask, dmask;
    int show_sys_files;
    int nosplice;
    int hive;
    int no_logs; /* --hive: read the primary as it is */
    int mt;
    unsigned threads;
    int noprefill;
    char *rdplus_opt;
    enum streams_mode streams;
    char *streams_opt;
    char *heap_opt;
    char *umask_opt, *fmask_opt, *dmask_opt;
    /* state */
    cli_image *img;
    cli_arena arena;
    ntfs_volume *vol;
    pthread_mutex_t lock;
    uint32_t cluster_size;
    uint64_t total_clusters, free_clusters;
    int image_fd;           /* -1 for gzip images: no splice path */
    uint64_t vol_off;
    ntkitfs_prefill *prefill; /* NULL: -o noprefill, or no thread */
} fs_ctx;

static fs_ctx g_fs; /* front end only: the FUSE callbacks reach it via fuse_req_userdata */

static fs_ctx *FS(fuse_req_t req) { return fuse_req_userdata(req); }

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool g_syslog; /* daemonised: stderr is /dev/null, log to syslog */

static void logmsg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (g_syslog) {
        vsyslog(LOG_ERR, fmt, ap);
    } else {
        fprintf(stderr, PROG ": ");
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    }
    va_end(ap);
}

static void vol_lock(void *ctx) { pthread_mutex_lock(&((fs_ctx *)ctx)->lock); }
static void vol_unlock(void *ctx) { pthread_mutex_unlock(&((fs_ctx *)ctx)->lock); }
static int vol_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    return cli_image_read(((fs_ctx *)ctx)->img, off, buf, len);
}

/* Maps a libntfs status to an errno, logging damage with its diagnostic. */
static int nt_errno(fs_ctx *fs, int rc, uint64_t rec, const char *what)
{
    switch (rc) {
    case NT_ERR_NOT_FOUND:
        return ENOENT;
    case NT_ERR_NOMEM:
        if (fs->arena.exhausted)
            logmsg("out of parser memory (heap %zu MiB); remount with a larger -o heap=SIZE",
                   fs->arena.bytes >> 20);
        return ENOMEM;
    case NT_ERR_UNSUPPORTED:
        logmsg("record %" PRIu64 ": %s: unsupported feature", rec, what);
        return EOPNOTSUPP;
    case NT_ERR_INVALID:
        return EINVAL;
    case NT_ERR_RANGE:
        return ERANGE;
    case NT_ERR_CORRUPT: {
        pthread_mutex_lock(&fs->lock);
        nt_diag d = *ntfs_diag(fs->vol);
        pthread_mutex_unlock(&fs->lock);
        if (d.offset != NT_DIAG_NO_OFFSET)
            logmsg("record %" PRIu64 ": %s: corrupt at volume offset 0x%" PRIx64 ": %s", rec, what, d.offset,
                   d.rule ? d.rule : "?");
        else
            logmsg("record %" PRIu64 ": %s: corrupt: %s", rec, what, d.rule ? d.rule : "?");
        return EIO;
    }
    default:
        logmsg("record %" PRIu64 ": %s: %s", rec, what, nt_strerror(rc));
        return EIO;
    }
}

/* ---- node ids ---------------------------------------------------------- */

static uint64_t rec_of_ino(fuse_ino_t ino)
{
    uint64_t r = (uint64_t)ino & REC_MASK;
    if (r == FUSE_ROOT_ID)
        return NTFS_REC_ROOT;
    if (r == NTFS_REC_ROOT)
        return FUSE_ROOT_ID;
    if (r == REC_MASK)
        return NTFS_REC_MFT;
    return r;
}
static fuse_ino_t ino_of_rec(uint64_t rec)
{
    if (rec == NTFS_REC_ROOT)
        return FUSE_ROOT_ID;
    if (rec == FUSE_ROOT_ID)
        return NTFS_REC_ROOT;
    if (rec == NTFS_REC_MFT)
        return REC_MASK; /* node id and d_ino 0 mean "no entry" */
    return (fuse_ino_t)rec;
}

/* st_ino / d_ino: the MFT record number ($MFT's 0 would hide it). */
static ino_t st_ino_of_rec(uint64_t rec) { return (ino_t)(rec == NTFS_REC_MFT ? REC_MASK : rec); }
static bool is_stream_ino(fuse_ino_t ino) { return ((uint64_t)ino & STREAM_NODE_FLAG) != 0; }
static uint16_t stream_id_of_ino(fuse_ino_t ino) { return (uint16_t)((uint64_t)ino >> STREAM_ID_SHIFT); }

static bool hidden_rec(const fs_ctx *fs, uint64_t rec)
{
    return !fs->show_sys_files && rec < FIRST_USER_RECORD && rec != NTFS_REC_ROOT;
}

/* ---- attributes -------------------------------------------------------- */

static struct timespec ft_to_ts(uint64_t ft)
{
    /* FILETIME: 100 ns units since 1601-01-01 */
    const int64_t epoch_diff = 116444736000000000LL;
    int64_t t = (int64_t)(ft > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : ft) - epoch_diff;
    struct timespec ts;
    int64_t sec = t / 10000000, rem = t % 10000000;
    if (rem < 0) {
        rem += 10000000;
        sec--;
    }
    ts.tv_sec = (time_t)sec;
    ts.tv_nsec = (long)(rem * 100);
    return ts;
}

static bool is_link_tag(uint32_t tag) { return tag == NTFS_REPARSE_TAG_SYMLINK || tag == NTFS_REPARSE_TAG_MOUNT_POINT; }

static int link_target(fs_ctx *fs, ntfs_file *f, uint64_t rec, char *out, size_t cap);

/* Bytes of clusters a stream occupies on the volume: 0 when resident (the
 * data lives in the MFT record), the clusters of its runs when sparse or
 * compressed, and for a WOF file those of WofCompressedData (libntfs
 * describes its stored data: ntfs_stream_get_info). */
static uint64_t stream_stored_bytes(const fs_ctx *fs, const ntfs_stream *s)
{
    ntfs_stream_info si;
    ntfs_stream_get_info(s, &si);
    if (si.resident)
        return 0;
    if (!si.sparse && !si.compressed)
        return si.alloc_size;
    uint64_t alloc = 0;
    ntfs_run r;
    for (size_t i = 0; ntfs_stream_get_run(s, i, &r) == NT_OK; i++)
        if (r.lcn >= 0)
            alloc += r.length * fs->cluster_size;
    return alloc;
}

/* Fills *st for an open file. Called without the volume lock. */
static int fill_stat(fs_ctx *fs, ntfs_file *f, struct stat *st, ntfs_stat *nsp)
{
    ntfs_stat ns;
    int rc = ntfs_file_stat(f, &ns);
    if (rc != NT_OK)
        return rc;
    if (nsp)
        *nsp = ns;
    memset(st, 0, sizeof *st);
    uint64_t rec = NTFS_REF_RECORD(ns.ref);
    st->st_ino = st_ino_of_rec(rec);
    /* hard links: $FILE_NAMEs that are not DOS-only */
    size_t cur = 0, links = 0;
    ntfs_name nm;
    while (links < 65535 && ntfs_file_next_name(f, &cur, &nm) == NT_OK)
        if (nm.name_space != NTFS_NS_DOS)
            links++;
    st->st_nlink = links ? links : 1;
    st->st_uid = fs->uid;
    st->st_gid = fs->gid;
    st->st_blksize = 4096;
    if (is_link_tag(ns.reparse_tag)) {
        char tgt[PATH_MAX];
        st->st_mode = S_IFLNK | 0777;
        if (link_target(fs, f, rec, tgt, sizeof tgt) == 0)
            st->st_size = (off_t)strlen(tgt);
    } else if (ns.is_dir) {
        st->st_mode = S_IFDIR | (0777 & ~fs->dmask);
        st->st_size = (off_t)ns.alloc_size;
        st->st_blocks = (blkcnt_t)((ns.alloc_size + 511) / 512);
    } else {
        st->st_mode = S_IFREG | (0777 & ~fs->fmask);
        st->st_size = (off_t)ns.size;
        uint64_t alloc = ns.alloc_size;
        /* sparse, compressed, WOF (a reparse point) or resident: count the
         * clusters really in use */
        if ((ns.file_attributes & (NTFS_FA_SPARSE | NTFS_FA_COMPRESSED | NTFS_FA_REPARSE)) || alloc == 0) {
            ntfs_stream *s;
            if (ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s) == NT_OK) {
                alloc = stream_stored_bytes(fs, s);
                ntfs_stream_close(s);
            }
        }
        st->st_blocks = (blkcnt_t)((alloc + 511) / 512);
    }
    st->st_atim = ft_to_ts(ns.atime);
    st->st_mtim = ft_to_ts(ns.mtime);
    st->st_ctim = ft_to_ts(ns.mft_mtime);
    return NT_OK;
}

/* Finds the named $DATA stream with instance id `id`; copies its name. */
static int stream_name_by_id(ntfs_file *f, uint16_t id, char *name, size_t cap)
{
    size_t cur = 0;
    ntfs_attr_info ai;
    int rc;
    while ((rc = ntfs_file_next_attr(f, &cur, &ai)) == NT_OK) {
        if (ai.type == NTFS_AT_DATA && ai.name_len && ai.lowest_vcn == 0 && ai.id == id) {
            if (ai.name_len >= cap)
                return NT_ERR_RANGE;
            memcpy(name, ai.name, ai.name_len + 1);
            return NT_OK;
        }
    }
    return rc == NT_END ? NT_ERR_NOT_FOUND : rc;
}

static int stat_ino(fs_ctx *fs, fuse_ino_t ino, struct stat *st)
{
    uint64_t rec = rec_of_ino(ino);
    ntfs_file *f;
    int rc = ntfs_open_ref(fs->vol, rec, &f);
    if (rc != NT_OK)
        return nt_errno(fs, rc, rec, "open");
    rc = fill_stat(fs, f, st, NULL);
    if (rc == NT_OK && is_stream_ino(ino)) {
        char name[NTFS_NAME_MAX + 1];
        ntfs_stream *s;
        rc = stream_name_by_id(f, stream_id_of_ino(ino), name, sizeof name);
        if (rc == NT_OK)
            rc = ntfs_stream_open(f, NTFS_AT_DATA, name, &s);
        if (rc == NT_OK) {
            ntfs_stream_info si;
            ntfs_stream_get_info(s, &si);
            st->st_mode = S_IFREG | (0777 & ~fs->fmask);
            st->st_size = (off_t)si.size;
            st->st_blocks = (blkcnt_t)((stream_stored_bytes(fs, s) + 511) / 512);
            st->st_nlink = 1;
            ntfs_stream_close(s);
        }
    }
    ntfs_close(f);
    if (rc != NT_OK)
        return nt_errno(fs, rc, rec, "stat");
    return 0;
}

/* ---- symbolic links ---------------------------------------------------- */

/* How many directories lie between the root and the directory holding
 * file `f` (0 for a file in the root). */
static int dir_depth(fs_ctx *fs, ntfs_file *f, size_t *depth)
{
    size_t cur = 0;
    ntfs_name nm;
    uint64_t parent = NTFS_REC_ROOT;
    bool found = false;
    while (ntfs_file_next_name(f, &cur, &nm) == NT_OK) {
        if (nm.name_space != NTFS_NS_DOS) {
            parent = NTFS_REF_RECORD(nm.parent_ref);
            found = true;
            break;
        }
    }
    if (!found)
        return -1;
    *depth = 0;
    for (int hop = 0; hop < PARENT_WALK_MAX; hop++) {
        if (parent == NTFS_REC_ROOT)
            return 0;
        ntfs_file *p;
        if (ntfs_open_ref(fs->vol, parent, &p) != NT_OK)
            return -1;
        cur = 0;
        found = false;
        while (ntfs_file_next_name(p, &cur, &nm) == NT_OK) {
            if (nm.name_space != NTFS_NS_DOS) {
                found = true;
                break;
            }
        }
        ntfs_close(p);
        if (!found)
            return -1;
        (*depth)++;
        parent = NTFS_REF_RECORD(nm.parent_ref);
    }
    return -1; /* a parent loop */
}

/* The POSIX target of a symlink or junction: '\' becomes '/', and an
 * absolute "X:\path" is made relative to the link's directory, on the
 * assumption that the mounted volume is the drive it names. */
static int link_target(fs_ctx *fs, ntfs_file *f, uint64_t rec, char *out, size_t cap)
{
    static __thread ntfs_reparse rp; /* 22 KiB: keep it off small thread stacks */
    int rc = ntfs_readlink(f, &rp);
    if (rc != NT_OK)
        return -nt_errno(fs, rc, rec, "readlink");
    const char *t = rp.target;
    size_t used = 0;
    bool absolute = !(rp.tag == NTFS_REPARSE_TAG_SYMLINK && rp.relative);
    if (absolute && ((t[0] >= 'A' && t[0] <= 'Z') || (t[0] >= 'a' && t[0] <= 'z')) && t[1] == ':' &&
        (t[2] == '\\' || t[2] == 0)) {
        size_t depth;
        t += t[2] ? 3 : 2;
        if (dir_depth(fs, f, &depth) == 0) {
            for (size_t i = 0; i < depth; i++) {
                if (used + 3 >= cap)
                    return -ENAMETOOLONG;
                memcpy(out + used, "../", 3);
                used += 3;
            }
            if (depth == 0 && *t == 0) {
                if (used + 1 >= cap)
                    return -ENAMETOOLONG;
                out[used++] = '.';
            }
        }
    }
    for (; *t; t++) {
        if (used + 1 >= cap)
            return -ENAMETOOLONG;
        out[used++] = *t == '\\' ? '/' : *t;
    }
    if (used == 0) {
        return -EIO;
    }
    /* "../../" + "" leaves a trailing slash: harmless, but trim it */
    if (used > 1 && out[used - 1] == '/')
        used--;
    out[used] = 0;
    return 0;
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
    fs_ctx *fs = FS(req);
    uint64_t rec = rec_of_ino(ino);
    ntfs_file *f;
    int rc = ntfs_open_ref(fs->vol, rec, &f);
    if (rc != NT_OK) {
        fuse_reply_err(req, nt_errno(fs, rc, rec, "open"));
        return;
    }
    char tgt[PATH_MAX];
    rc = link_target(fs, f, rec, tgt, sizeof tgt);
    ntfs_close(f);
    if (rc != 0)
        fuse_reply_err(req, -rc);
    else
        fuse_reply_readlink(req, tgt);
}

/* ---- lookup / getattr -------------------------------------------------- */

static void reply_entry(fuse_req_t req, fuse_ino_t ino, const struct stat *st)
{
    struct fuse_entry_param e;
    memset(&e, 0, sizeof e);
    e.ino = ino;
    e.generation = 1;
    e.attr = *st;
    e.attr_timeout = TIMEOUT_S;
    e.entry_timeout = TIMEOUT_S;
    fuse_reply_entry(req, &e);
}

/* After a LOOKUP reply: a small file whose data is resident in its MFT
 * record (already read) goes to the prefill thread, so the client's read
 * can be served from the page cache without a READ round trip. */
static void prefill_small_file(fs_ctx *fs, ntfs_file *f, fuse_ino_t ino, const struct stat *st)
{
    if (!fs->prefill || !S_ISREG(st->st_mode) || st->st_size <= 0 || st->st_size > NTKITFS_PREFILL_MAX)
        return;
    ntfs_stream *s;
    if (ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s) != NT_OK)
        return;
    ntfs_stream_info si;
    unsigned char buf[NTKITFS_PREFILL_MAX];
    size_t got = 0;
    ntfs_stream_get_info(s, &si);
    /* resident: no image read; compressed or encrypted data is not stored
     * as it reads, and a WOF file's unnamed $DATA is never resident */
    if (si.resident && !si.compressed && !si.encrypted && si.size == (uint64_t)st->st_size &&
        ntfs_stream_read(s, 0, buf, (size_t)si.size, &got) == NT_OK && got == si.size)
        ntkitfs_prefill_push(fs->prefill, ino, buf, got);
    ntfs_stream_close(s);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    fs_ctx *fs = FS(req);
    if (is_stream_ino(parent)) {
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    uint64_t prec = rec_of_ino(parent);
    const char *stream = NULL;
    size_t nlen = strlen(name);
    if (fs->streams == STREAMS_WINDOWS) {
        const char *colon = strchr(name, ':');
        if (colon) {
            stream = colon + 1;
            nlen = (size_t)(colon - name);
        }
    }
    ntfs_file *dir, *f;
    int rc = ntfs_open_ref(fs->vol, prec, &dir);
    if (rc != NT_OK) {
        fuse_reply_err(req, nt_errno(fs, rc, prec, "open directory"));
        return;
    }
    uint64_t ref;
    rc = ntfs_dir_lookup(dir, name, nlen, &ref);
    ntfs_close(dir);
    if (rc != NT_OK) {
        fuse_reply_err(req, rc == NT_ERR_NOT_FOUND || rc == NT_ERR_INVALID ? ENOENT : nt_errno(fs, rc, prec, "lookup"));
        return;
    }
    uint64_t rec = NTFS_REF_RECORD(ref);
    if (hidden_rec(fs, rec) || rec >= REC_MASK) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    rc = ntfs_open_ref(fs->vol, ref, &f);
    if (rc != NT_OK) {
        fuse_reply_err(req, nt_errno(fs, rc, rec, "open"));
        return;
    }
    struct stat st;
    rc = fill_stat(fs, f, &st, NULL);
    fuse_ino_t ino = ino_of_rec(rec);
    if (rc == NT_OK && stream) {
        /* "file:stream": find the named $DATA and its instance id */
        size_t cur = 0;
        ntfs_attr_info ai;
        bool found = false;
        while (!found && ntfs_file_next_attr(f, &cur, &ai) == NT_OK) {
            if (ai.type == NTFS_AT_DATA && ai.name_len && ai.lowest_vcn == 0 && strcasecmp(ai.name, stream) == 0)
                found = true;
        }
        if (!found || *stream == 0) {
            ntfs_close(f);
            fuse_reply_err(req, ENOENT);
            return;
        }
        ino = (fuse_ino_t)(STREAM_NODE_FLAG | (uint64_t)ai.id << STREAM_ID_SHIFT | (uint64_t)ino);
        ntfs_close(f);
        int e = stat_ino(fs, ino, &st);
        if (e) {
            fuse_reply_err(req, e);
            return;
        }
        reply_entry(req, ino, &st);
        return;
    }
    if (rc != NT_OK) {
        ntfs_close(f);
        fuse_reply_err(req, nt_errno(fs, rc, rec, "stat"));
        return;
    }
    reply_entry(req, ino, &st);
    prefill_small_file(fs, f, ino, &st);
    ntfs_close(f);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)fi;
    struct stat st;
    int e = stat_ino(FS(req), ino, &st);
    if (e)
        fuse_reply_err(req, e);
    else
        fuse_reply_attr(req, &st, TIMEOUT_S);
}

/* ---- files --------------------------------------------------------------- */

typedef struct open_file {
    ntfs_file *f;
    ntfs_stream *s;
    uint64_t rec;
    ntfs_stream_info info;
    bool spliceable;     /* plain image, uncompressed, non-resident, unencrypted */
} open_file;

static void open_file_free(open_file *of)
{
    if (of) {
        ntfs_stream_close(of->s);
        ntfs_close(of->f);
        free(of);
    }
}

/* Opens the $DATA stream (unnamed, or the named one of a stream node).
 * Returns 0 or an errno. */
static int open_file_new(fs_ctx *fs, fuse_ino_t ino, open_file **out)
{
    open_file *of = calloc(1, sizeof *of);
    if (!of)
        return ENOMEM;
    of->rec = rec_of_ino(ino);
    int rc = ntfs_open_ref(fs->vol, of->rec, &of->f);
    char name[NTFS_NAME_MAX + 1] = "";
    if (rc == NT_OK && is_stream_ino(ino))
        rc = stream_name_by_id(of->f, stream_id_of_ino(ino), name, sizeof name);
    if (rc == NT_OK)
        rc = ntfs_stream_open(of->f, NTFS_AT_DATA, name[0] ? name : NULL, &of->s);
    if (rc != NT_OK) {
        int e = nt_errno(fs, rc, of->rec, "open $DATA");
        open_file_free(of);
        return e;
    }
    ntfs_stream_get_info(of->s, &of->info);
    of->spliceable = fs->image_fd >= 0 && !of->info.resident && !of->info.compressed && !of->info.encrypted;
    /* WOF files read decompressed while their runs describe the stored
     * data: never hand the kernel those clusters */
    ntfs_stat ns;
    if (of->spliceable && (ntfs_file_stat(of->f, &ns) != NT_OK || ns.reparse_tag == NTFS_REPARSE_TAG_WOF))
        of->spliceable = false;
    *out = of;
    return 0;
}

/* With the kernel's no-open mode (no OPEN/RELEASE round trips per file),
 * reads arrive without a handle: each worker thread keeps its last few
 * streams open. The cache is per thread, so handles are never shared. */
#define THREAD_STREAMS 4
typedef struct thread_streams {
    open_file *of[THREAD_STREAMS];
    fuse_ino_t ino[THREAD_STREAMS];
    unsigned next;
} thread_streams;

static pthread_key_t g_streams_key;

static void thread_streams_free(void *p)
{
    thread_streams *ts = p;
    if (!ts)
        return;
    for (int i = 0; i < THREAD_STREAMS; i++)
        open_file_free(ts->of[i]);
    free(ts);
}

static int thread_stream(fs_ctx *fs, fuse_ino_t ino, open_file **out)
{
    thread_streams *ts = pthread_getspecific(g_streams_key);
    if (!ts) {
        ts = calloc(1, sizeof *ts);
        if (!ts || pthread_setspecific(g_streams_key, ts) != 0) {
            free(ts);
            return ENOMEM;
        }
    }
    for (int i = 0; i < THREAD_STREAMS; i++) {
        if (ts->of[i] && ts->ino[i] == ino) {
            *out = ts->of[i];
            return 0;
        }
    }
    open_file *of;
    int e = open_file_new(fs, ino, &of);
    if (e)
        return e;
    unsigned k = ts->next++ % THREAD_STREAMS;
    open_file_free(ts->of[k]);
    ts->of[k] = of;
    ts->ino[k] = ino;
    *out = of;
    return 0;
}

static bool g_no_open; /* the kernel agreed to skip OPEN for files */

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    fs_ctx *fs = FS(req);
    if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
        fuse_reply_err(req, EROFS);
        return;
    }
    if (g_no_open) {
        /* ENOSYS = "opens need no round trip" from now on; the kernel
         * keeps the page cache (FOPEN_KEEP_CACHE is its no-open default) */
        fuse_reply_err(req, ENOSYS);
        return;
    }
    open_file *of;
    int e = open_file_new(fs, ino, &of);
    if (e) {
        fuse_reply_err(req, e);
        return;
    }
    fi->fh = (uint64_t)(uintptr_t)of;
    fi->keep_cache = 1;
    fuse_reply_open(req, fi);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino;
    open_file_free((open_file *)(uintptr_t)fi->fh);
    fuse_reply_err(req, 0);
}

/* Answers [off, off+len) with fd-backed buffers when every byte lies in
 * allocated, initialised clusters; returns false to take the copy path. */
static bool read_splice(fs_ctx *fs, fuse_req_t req, open_file *of, uint64_t off, size_t len)
{
    uint64_t cs = fs->cluster_size;
    if (off + len > of->info.init_size)
        return false;
    /* binary search the run holding `off` (runs are sorted by vcn) */
    size_t n = of->info.run_count;
    if (n == 0)
        return false;
    uint64_t vcn = off / cs;
    size_t lo = 0, hi = n;
    ntfs_run r;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ntfs_stream_get_run(of->s, mid, &r) != NT_OK)
            return false;
        if (r.vcn <= vcn)
            lo = mid;
        else
            hi = mid;
    }
    struct {
        struct fuse_bufvec v;
        struct fuse_buf more[15];
    } bv;
    size_t nb = 0;
    uint64_t pos = off, end = off + len;
    for (size_t i = lo; pos < end; i++) {
        if (nb == 16 || ntfs_stream_get_run(of->s, i, &r) != NT_OK || r.lcn < 0)
            return false;
        uint64_t rstart = r.vcn * cs, rend = (r.vcn + r.length) * cs;
        if (pos < rstart || pos >= rend)
            return false;
        uint64_t chunk = (rend < end ? rend : end) - pos;
        uint64_t abs = fs->vol_off + (uint64_t)r.lcn * cs + (pos - rstart);
        struct fuse_buf *b = nb == 0 ? &bv.v.buf[0] : &bv.more[nb - 1];
        memset(b, 0, sizeof *b);
        b->size = (size_t)chunk;
        b->flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK | FUSE_BUF_FD_RETRY;
        b->fd = fs->image_fd;
        b->pos = (off_t)abs;
        nb++;
        pos += chunk;
    }
    bv.v.count = nb;
    bv.v.idx = 0;
    bv.v.off = 0;
    fuse_reply_data(req, &bv.v, FUSE_BUF_SPLICE_MOVE);
    return true;
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    fs_ctx *fs = FS(req);
    open_file *of = (open_file *)(uintptr_t)fi->fh;
    if (off < 0) {
        fuse_reply_err(req, EINVAL);
        return;
    }
    if (!of) {
        int e = thread_stream(fs, ino, &of);
        if (e) {
            fuse_reply_err(req, e);
            return;
        }
    }
    uint64_t o = (uint64_t)off;
    if (o >= of->info.size) {
        fuse_reply_buf(req, NULL, 0);
        return;
    }
    if (size > of->info.size - o)
        size = (size_t)(of->info.size - o);
    if (of->spliceable && read_splice(fs, req, of, o, size))
        return;
    char *buf = malloc(size ? size : 1);
    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    size_t got = 0;
    int rc = ntfs_stream_read(of->s, o, buf, size, &got);
    if (rc != NT_OK)
        fuse_reply_err(req, nt_errno(fs, rc, of->rec, "read"));
    else
        fuse_reply_buf(req, buf, got);
    free(buf);
}

/* ---- directories --------------------------------------------------------- */

typedef struct dir_entry {
    char *name;
    uint64_t rec;
    unsigned char type; /* DT_* */
} dir_entry;

typedef struct dir_snap {
    dir_entry *v;
    size_t n, cap;
} dir_snap;

static void snap_free(dir_snap *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        free(d->v[i].name);
    free(d->v);
    free(d);
}

static int snap_add(dir_snap *d, const char *name, uint64_t rec, unsigned char type)
{
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 64;
        dir_entry *nv = realloc(d->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        d->v = nv;
        d->cap = nc;
    }
    char *nm = strdup(name);
    if (!nm)
        return -1;
    d->v[d->n++] = (dir_entry){nm, rec, type};
    return 0;
}

/* The d_type of a directory entry with a reparse point: DT_LNK for the
 * tags fill_stat shows as symlinks. The tag comes from the index copy;
 * when that holds none, from the record (reparse entries are few, and
 * whole directories of WOF files carry their tag in the index). */
static unsigned char reparse_dtype(fs_ctx *fs, uint64_t rec, uint32_t tag, unsigned char plain)
{
    if (tag == 0) {
        ntfs_file *f;
        ntfs_stat ns;
        if (ntfs_open_ref(fs->vol, rec, &f) != NT_OK)
            return DT_UNKNOWN; /* the lookup will report the error */
        int rc = ntfs_file_stat(f, &ns);
        ntfs_close(f);
        if (rc != NT_OK)
            return DT_UNKNOWN;
        tag = ns.reparse_tag;
    }
    return is_link_tag(tag) ? DT_LNK : plain;
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    fs_ctx *fs = FS(req);
    uint64_t rec = rec_of_ino(ino);
    if (is_stream_ino(ino)) {
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    ntfs_file *f;
    int rc = ntfs_open_ref(fs->vol, rec, &f);
    if (rc != NT_OK) {
        fuse_reply_err(req, nt_errno(fs, rc, rec, "open directory"));
        return;
    }
    ntfs_dir *it;
    rc = ntfs_dir_open(f, &it);
    if (rc != NT_OK) {
        ntfs_close(f);
        fuse_reply_err(req, rc == NT_ERR_NOT_FOUND ? ENOTDIR : nt_errno(fs, rc, rec, "open directory"));
        return;
    }
    dir_snap *d = calloc(1, sizeof *d);
    /* the parent: the first non-DOS $FILE_NAME */
    uint64_t parent = NTFS_REC_ROOT;
    size_t cur = 0;
    ntfs_name nm;
    while (ntfs_file_next_name(f, &cur, &nm) == NT_OK)
        if (nm.name_space != NTFS_NS_DOS) {
            parent = NTFS_REF_RECORD(nm.parent_ref);
            break;
        }
    int err = 0;
    if (!d || snap_add(d, ".", rec, DT_DIR) || snap_add(d, "..", parent, DT_DIR))
        err = ENOMEM;
    static __thread ntfs_dirent ent;
    while (!err && (rc = ntfs_dir_next(it, &ent)) == NT_OK) {
        uint64_t r = NTFS_REF_RECORD(ent.ref);
        if (hidden_rec(fs, r) || r >= REC_MASK)
            continue;
        if (ent.name_len == 0 || memchr(ent.name, '/', ent.name_len))
            continue;
        unsigned char type = ent.is_dir ? DT_DIR : DT_REG;
        if (ent.flags & NTFS_FA_REPARSE)
            type = reparse_dtype(fs, r, ent.reparse_tag, type);
        if (snap_add(d, ent.name, r, type))
            err = ENOMEM;
    }
    if (!err && rc != NT_END)
        err = nt_errno(fs, rc, rec, "read directory");
    ntfs_dir_close(it);
    ntfs_close(f);
    if (err) {
        snap_free(d);
        fuse_reply_err(req, err);
        return;
    }
    fi->fh = (uint64_t)(uintptr_t)d;
    fi->keep_cache = 1;
    fi->cache_readdir = 1;
    fuse_reply_open(req, fi);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)ino;
    dir_snap *d = (dir_snap *)(uintptr_t)fi->fh;
    char *buf = malloc(size);
    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    size_t used = 0;
    for (size_t i = off < 0 ? 0 : (size_t)off; i < d->n; i++) {
        struct stat st;
        memset(&st, 0, sizeof st);
        st.st_ino = st_ino_of_rec(d->v[i].rec);
        st.st_mode = (mode_t)(d->v[i].type << 12);
        size_t need = fuse_add_direntry(req, buf + used, size - used, d->v[i].name, &st, (off_t)(i + 1));
        if (need > size - used)
            break;
        used += need;
    }
    fuse_reply_buf(req, buf, used);
    free(buf);
}

/* readdir with attributes: the kernel caches each entry's inode, so a
 * following stat (find -exec stat, ls -l) needs no lookup round trip. */
static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)ino;
    fs_ctx *fs = FS(req);
    dir_snap *d = (dir_snap *)(uintptr_t)fi->fh;
    char *buf = malloc(size);
    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    size_t used = 0;
    for (size_t i = off < 0 ? 0 : (size_t)off; i < d->n; i++) {
        struct fuse_entry_param e;
        memset(&e, 0, sizeof e);
        const dir_entry *de = &d->v[i];
        bool dots = i < 2; /* "." and "..": no entry for the kernel to keep */
        ntfs_file *f = NULL;
        if (!dots && ntfs_open_ref(fs->vol, de->rec, &f) == NT_OK && fill_stat(fs, f, &e.attr, NULL) == NT_OK) {
            e.ino = ino_of_rec(de->rec);
            e.generation = 1;
            e.attr_timeout = TIMEOUT_S;
            e.entry_timeout = TIMEOUT_S;
        } else {
            /* unreadable entry: list the name only; a lookup reports the error */
            e.attr.st_ino = st_ino_of_rec(de->rec);
            e.attr.st_mode = (mode_t)(de->type << 12);
        }
        ntfs_close(f);
        size_t need = fuse_add_direntry_plus(req, buf + used, size - used, de->name, &e, (off_t)(i + 1));
        if (need > size - used)
            break; /* not sent: the kernel takes no reference on it */
        used += need;
    }
    fuse_reply_buf(req, buf, used);
    free(buf);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino;
    snap_free((dir_snap *)(uintptr_t)fi->fh);
    fuse_reply_err(req, 0);
}

/* ---- extended attributes ------------------------------------------------- */

/* Copies an xattr value to the reply (size 0 = ask for the length). */
static void reply_xattr(fuse_req_t req, const void *val, size_t len, size_t size)
{
    if (size == 0)
        fuse_reply_xattr(req, len);
    else if (len > size)
        fuse_reply_err(req, ERANGE);
    else
        fuse_reply_buf(req, val, len);
}

static int read_whole_stream(ntfs_file *f, uint32_t type, const char *name, char **out, size_t *len)
{
    ntfs_stream *s;
    int rc = ntfs_stream_open(f, type, name, &s);
    if (rc != NT_OK)
        return rc;
    uint64_t sz = ntfs_stream_size(s);
    if (sz > MAX_XATTR) {
        ntfs_stream_close(s);
        return NT_ERR_LIMIT;
    }
    char *buf = malloc(sz ? (size_t)sz : 1);
    size_t got = 0;
    rc = buf ? ntfs_stream_read(s, 0, buf, (size_t)sz, &got) : NT_ERR_NOMEM;
    ntfs_stream_close(s);
    if (rc != NT_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = got;
    return NT_OK;
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
    fs_ctx *fs = FS(req);
    uint64_t rec = rec_of_ino(ino);
    ntfs_file *f;
    int rc = ntfs_open_ref(fs->vol, rec, &f);
    if (rc != NT_OK) {
        fuse_reply_err(req, nt_errno(fs, rc, rec, "open"));
        return;
    }
    char *val = NULL;
    size_t len = 0;
    int err = 0;
    if (strncmp(name, "user.", 5) == 0 && fs->streams == STREAMS_XATTR && !is_stream_ino(ino) && name[5]) {
        rc = read_whole_stream(f, NTFS_AT_DATA, name + 5, &val, &len);
        err = rc == NT_OK ? 0 : rc == NT_ERR_NOT_FOUND ? ENODATA : rc == NT_ERR_LIMIT ? E2BIG
                                                                      : nt_errno(fs, rc, rec, "read stream");
    } else if (strcmp(name, "system.ntfs_attrib") == 0 || strcmp(name, "system.ntfs_attrib_be") == 0) {
        ntfs_stat ns;
        rc = ntfs_file_stat(f, &ns);
        if (rc == NT_OK) {
            uint32_t a = ns.file_attributes;
            if (ns.is_dir)
                a |= NTFS_FA_DUP_DIRECTORY;
            val = malloc(4);
            if (val) {
                bool be = name[18] == '_';
                for (int i = 0; i < 4; i++)
                    val[i] = (char)(a >> (be ? 24 - 8 * i : 8 * i));
                len = 4;
            } else {
                err = ENOMEM;
            }
        } else {
            err = nt_errno(fs, rc, rec, "stat");
        }
    } else if (strcmp(name, "system.ntfs_dos_name") == 0) {
        size_t cur = 0;
        ntfs_name nm;
        err = ENODATA;
        while (ntfs_file_next_name(f, &cur, &nm) == NT_OK) {
            if (nm.name_space == NTFS_NS_DOS || nm.name_space == NTFS_NS_WIN32_DOS) {
                if (nm.name_space == NTFS_NS_WIN32_DOS)
                    continue; /* the long name already is 8.3: no separate DOS name */
                val = strdup(nm.name);
                len = nm.name_len;
                err = val ? 0 : ENOMEM;
                break;
            }
        }
    } else if (strcmp(name, "system.ntfs_reparse_data") == 0) {
        rc = read_whole_stream(f, NTFS_AT_REPARSE_POINT, NULL, &val, &len);
        err = rc == NT_OK ? 0 : rc == NT_ERR_NOT_FOUND ? ENODATA : nt_errno(fs, rc, rec, "read reparse point");
    } else if (strcmp(name, "system.ntfs_object_id") == 0) {
        /* 64 bytes as ntfs-3g gives them: the object id, then the birth
         * volume, birth object and domain ids. Those three come from the
         * attribute when it holds them, else they read as zeros (ntfs-3g
         * looks them up in $Extend/$ObjId's index; not done here). */
        char *raw = NULL;
        size_t rlen = 0;
        rc = read_whole_stream(f, NTFS_AT_OBJECT_ID, NULL, &raw, &rlen);
        err = rc == NT_OK ? 0 : rc == NT_ERR_NOT_FOUND ? ENODATA : nt_errno(fs, rc, rec, "read object id");
        if (!err) {
            len = 64;
            val = calloc(1, len);
            if (val)
                memcpy(val, raw, rlen < len ? rlen : len);
            else
                err = ENOMEM;
        }
        free(raw);
    } else if (strcmp(name, "system.ntfs_acl") == 0 || strcmp(name, "system.ntfs_owner_sid") == 0 ||
               strcmp(name, "system.ntfs_sddl") == 0) {
        size_t sdlen = 0;
        val = malloc(MAX_XATTR);
        rc = val ? ntfs_file_security(f, val, MAX_XATTR, &sdlen) : NT_ERR_NOMEM;
        if (rc == NT_OK && name[12] == 'o') {
            char sid[256];
            rc = ntfs_sd_owner_string(val, sdlen, sid, sizeof sid);
            if (rc == NT_OK) {
                sdlen = strlen(sid);
                memcpy(val, sid, sdlen);
            }
        } else if (rc == NT_OK && name[12] == 's') {
            /* the descriptor as SDDL text, without a NUL (like the SID) */
            size_t slen = 0;
            char *sddl = malloc(MAX_XATTR);
            rc = sddl ? ntfs_sd_to_sddl(val, sdlen, sddl, MAX_XATTR, &slen, NULL) : NT_ERR_NOMEM;
            free(val);
            val = sddl;
            sdlen = slen;
            if (rc == NT_ERR_RANGE)
                rc = NT_ERR_LIMIT;
        }
        len = sdlen;
        err = rc == NT_OK            ? 0
              : rc == NT_ERR_NOT_FOUND ? ENODATA
              : rc == NT_ERR_LIMIT     ? E2BIG
                                       : nt_errno(fs, rc, rec, "security descriptor");
    } else {
        err = ENODATA;
    }
    ntfs_close(f);
    if (err)
        fuse_reply_err(req, err);
    else
        reply_xattr(req, val, len, size);
    free(val);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
    fs_ctx *fs = FS(req);
    uint64_t rec = rec_of_ino(ino);
    if (fs->streams != STREAMS_XATTR || is_stream_ino(ino)) {
        reply_xattr(req, "", 0, size);
        return;
    }
    ntfs_file *f;
    int rc = ntfs_open_ref(fs->vol, rec, &f);
    if (rc != NT_OK) {
        fuse_reply_err(req, nt_errno(fs, rc, rec, "open"));
        return;
    }
    char *list = NULL;
    size_t len = 0, cap = 0;
    size_t cur = 0;
    ntfs_attr_info ai;
    int err = 0;
    while ((rc = ntfs_file_next_attr(f, &cur, &ai)) == NT_OK) {
        if (ai.type != NTFS_AT_DATA || !ai.name_len || ai.lowest_vcn != 0)
            continue;
        size_t need = 5 + ai.name_len + 1;
        if (len + need > cap) {
            size_t nc = (cap + need) * 2;
            char *nl = realloc(list, nc);
            if (!nl) {
                err = ENOMEM;
                break;
            }
            list = nl;
            cap = nc;
        }
        memcpy(list + len, "user.", 5);
        memcpy(list + len + 5, ai.name, ai.name_len + 1);
        len += need;
    }
    if (!err && rc != NT_END)
        err = nt_errno(fs, rc, rec, "list attributes");
    ntfs_close(f);
    if (err)
        fuse_reply_err(req, err);
    else
        reply_xattr(req, list ? list : "", len, size);
    free(list);
}

/* ---- everything that would write ----------------------------------------- */

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi)
{
    (void)ino, (void)attr, (void)to_set, (void)fi;
    fuse_reply_err(req, EROFS);
}
static void op_mknod(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m, dev_t r)
{
    (void)p, (void)n, (void)m, (void)r;
    fuse_reply_err(req, EROFS);
}
static void op_mkdir(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m)
{
    (void)p, (void)n, (void)m;
    fuse_reply_err(req, EROFS);
}
static void op_unlink(fuse_req_t req, fuse_ino_t p, const char *n)
{
    (void)p, (void)n;
    fuse_reply_err(req, EROFS);
}
static void op_symlink(fuse_req_t req, const char *l, fuse_ino_t p, const char *n)
{
    (void)p, (void)l, (void)n;
    fuse_reply_err(req, EROFS);
}
static void op_rename(fuse_req_t req, fuse_ino_t p, const char *n, fuse_ino_t np, const char *nn, unsigned int fl)
{
    (void)p, (void)n, (void)np, (void)nn, (void)fl;
    fuse_reply_err(req, EROFS);
}
static void op_link(fuse_req_t req, fuse_ino_t i, fuse_ino_t np, const char *nn)
{
    (void)i, (void)np, (void)nn;
    fuse_reply_err(req, EROFS);
}
static void op_write(fuse_req_t req, fuse_ino_t i, const char *b, size_t s, off_t o, struct fuse_file_info *fi)
{
    (void)i, (void)b, (void)s, (void)o, (void)fi;
    fuse_reply_err(req, EROFS);
}
static void op_create(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m, struct fuse_file_info *fi)
{
    (void)p, (void)n, (void)m, (void)fi;
    fuse_reply_err(req, EROFS);
}
static void op_setxattr(fuse_req_t req, fuse_ino_t i, const char *n, const char *v, size_t s, int f)
{
    (void)i, (void)n, (void)v, (void)s, (void)f;
    fuse_reply_err(req, EROFS);
}
static void op_removexattr(fuse_req_t req, fuse_ino_t i, const char *n)
{
    (void)i, (void)n;
    fuse_reply_err(req, EROFS);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
    (void)ino;
    fs_ctx *fs = FS(req);
    struct statvfs sv;
    memset(&sv, 0, sizeof sv);
    sv.f_bsize = fs->cluster_size;
    sv.f_frsize = fs->cluster_size;
    sv.f_blocks = fs->total_clusters;
    sv.f_bfree = fs->free_clusters == UINT64_MAX ? 0 : fs->free_clusters;
    sv.f_bavail = sv.f_bfree;
    sv.f_namemax = 255;
    sv.f_flag = ST_RDONLY;
    fuse_reply_statfs(req, &sv);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
    if (conn->capable & FUSE_CAP_SPLICE_WRITE)
        conn->want |= FUSE_CAP_SPLICE_WRITE;
    if (conn->capable & FUSE_CAP_SPLICE_MOVE)
        conn->want |= FUSE_CAP_SPLICE_MOVE;
    /* always (default): attributes with every block, so find -exec stat /
     * ls -l need no lookups; auto: the kernel decides per directory (cheaper
     * plain find, but a lookup round trip per later stat); no: never */
    const char *rp = ((fs_ctx *)userdata)->rdplus_opt;
    if ((conn->capable & FUSE_CAP_READDIRPLUS) && !(rp && strcmp(rp, "no") == 0)) {
        conn->want |= FUSE_CAP_READDIRPLUS;
        if (rp && strcmp(rp, "auto") == 0 && (conn->capable & FUSE_CAP_READDIRPLUS_AUTO))
            conn->want |= FUSE_CAP_READDIRPLUS_AUTO;
        else
            conn->want &= ~(unsigned)FUSE_CAP_READDIRPLUS_AUTO;
    } else {
        conn->want &= ~(unsigned)(FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO);
    }
    if (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) {
        conn->want |= FUSE_CAP_NO_OPEN_SUPPORT;
        g_no_open = true;
    }
    if (conn->capable & FUSE_CAP_ASYNC_READ)
        conn->want |= FUSE_CAP_ASYNC_READ;
    conn->max_readahead = conn->max_readahead > (1u << 20) ? conn->max_readahead : (1u << 20);
}

static const struct fuse_lowlevel_ops ops = {
    .init = op_init,
    .lookup = op_lookup,
    .getattr = op_getattr,
    .readlink = op_readlink,
    .open = op_open,
    .read = op_read,
    .release = op_release,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .readdirplus = op_readdirplus,
    .releasedir = op_releasedir,
    .getxattr = op_getxattr,
    .listxattr = op_listxattr,
    .statfs = op_statfs,
    .setattr = op_setattr,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_unlink,
    .symlink = op_symlink,
    .rename = op_rename,
    .link = op_link,
    .write = op_write,
    .create = op_create,
    .setxattr = op_setxattr,
    .removexattr = op_removexattr,
};

/* ---- command line ---------------------------------------------------------- */

#define OPT(t, p) {t, offsetof(fs_ctx, p), 1}
static const struct fuse_opt fs_opts[] = {
    {"uid=%u", offsetof(fs_ctx, uid), 0},
    {"uid=", offsetof(fs_ctx, have_uid), 1},
    {"gid=%u", offsetof(fs_ctx, gid), 0},
    {"gid=", offsetof(fs_ctx, have_gid), 1},
    {"umask=%s", offsetof(fs_ctx, umask_opt), 0},
    {"fmask=%s", offsetof(fs_ctx, fmask_opt), 0},
    {"dmask=%s", offsetof(fs_ctx, dmask_opt), 0},
    OPT("show_sys_files", show_sys_files),
    OPT("nosplice", nosplice),
    OPT("--hive", hive),
    OPT("--no-logs", no_logs),
    OPT("no_logs", no_logs),
    OPT("mt", mt),
    OPT("noprefill", noprefill),
    {"threads=%u", offsetof(fs_ctx, threads), 0},
    {"readdirplus=%s", offsetof(fs_ctx, rdplus_opt), 0},
    {"streams=%s", offsetof(fs_ctx, streams_opt), 0},
    {"streams_interface=%s", offsetof(fs_ctx, streams_opt), 0},
    {"heap=%s", offsetof(fs_ctx, heap_opt), 0},
    {"--heap=%s", offsetof(fs_ctx, heap_opt), 0},
    FUSE_OPT_END};

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
    (void)outargs;
    fs_ctx *fs = data;
    if (key == FUSE_OPT_KEY_NONOPT && !fs->image_seen) {
        fs->image_spec = strdup(arg);
        fs->image_seen = 1;
        return 0; /* consumed: the next non-option is the mountpoint */
    }
    return 1;
}

static void usage(void)
{
    printf("usage: " PROG " IMAGE[@N] MOUNTPOINT [-f] [-d] [-o OPTIONS]\n"
           "       " PROG " --hive HIVE MOUNTPOINT [--no-logs] [-f] [-d]\n"
           "           (keys as directories, values as files; HIVE may be FILE, FILE.gz or\n"
           "           IMAGE::PATH; a dirty hive's .LOG/.LOG1/.LOG2 are applied unless --no-logs)\n"
           "Mounts an NTFS image (a volume, a disk with MBR/GPT, IMAGE@N for partition N,\n"
           "or a .gz of either) read-only.\n\n"
           "options (-o):\n"
           "  uid=N,gid=N          owner of every file (default: the caller)\n"
           "  umask=M,fmask=M,dmask=M  permission masks (octal, as ntfs-3g)\n"
           "  streams=xattr        alternate data streams as user.* xattrs (default)\n"
           "  streams=windows      alternate data streams as file:stream names\n"
           "  streams=none         no stream access\n"
           "  show_sys_files       show $MFT and the other system files\n"
           "  heap=SIZE            parser memory (default 64M)\n"
           "  nosplice             copy file data instead of handing the kernel fd buffers\n"
           "  readdirplus=always|auto|no  attributes with directory listings (default always)\n"
           "  mt, threads=N        multi-threaded request loop (default: one thread)\n"
           "  noprefill            do not put small files' data into the page cache at lookup\n"
           "  plus the generic FUSE options (allow_other, max_read=N, ...)\n\n"
           "xattrs: user.STREAM, system.ntfs_attrib(_be), system.ntfs_dos_name,\n"
           "system.ntfs_reparse_data, system.ntfs_object_id, system.ntfs_acl,\n"
           "system.ntfs_owner_sid, system.ntfs_sddl\n");
}

static int parse_mask(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 8);
    if (!*s || *end || errno || v > 0777)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int main(int argc, char **argv)
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    fs_ctx *fs = &g_fs;
    struct fuse_cmdline_opts cl;
    memset(&cl, 0, sizeof cl);
    int ret = 1;
    struct fuse_session *se = NULL;
    fs->uid = getuid();
    fs->gid = getgid();
    fs->image_fd = -1;
    pthread_mutex_init(&fs->lock, NULL);

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            return 0;
        }
    }
    if (fuse_opt_parse(&args, fs, fs_opts, opt_proc) != 0)
        return 2;
    if (fuse_parse_cmdline(&args, &cl) != 0)
        return 2;
    if (!fs->image_spec || !cl.mountpoint) {
        fprintf(stderr, PROG ": usage: " PROG " IMAGE[@N] MOUNTPOINT [-o OPTIONS] (see --help)\n");
        goto out;
    }
    if (fs->hive) {
#ifdef NTKITFS_HAVE_HIVE
        if (fs->no_logs)
            ntkitfs_hive_logs(0);
        ret = ntkitfs_hive_run(fs->image_spec, cl.mountpoint, &args, cl.foreground);
#else
        fprintf(stderr, PROG ": built without libnthive: --hive unavailable\n");
#endif
        goto out;
    }
    unsigned um = 0;
    fs->fmask = fs->dmask = 0;
    if (fs->umask_opt) {
        if (parse_mask(fs->umask_opt, &um)) {
            fprintf(stderr, PROG ": bad umask=%s\n", fs->umask_opt);
            goto out;
        }
        fs->fmask = fs->dmask = um;
    }
    if ((fs->fmask_opt && parse_mask(fs->fmask_opt, &fs->fmask)) ||
        (fs->dmask_opt && parse_mask(fs->dmask_opt, &fs->dmask))) {
        fprintf(stderr, PROG ": bad fmask/dmask\n");
        goto out;
    }
    if (fs->streams_opt) {
        if (strcmp(fs->streams_opt, "windows") == 0)
            fs->streams = STREAMS_WINDOWS;
        else if (strcmp(fs->streams_opt, "xattr") == 0)
            fs->streams = STREAMS_XATTR;
        else if (strcmp(fs->streams_opt, "none") == 0)
            fs->streams = STREAMS_NONE;
        else {
            fprintf(stderr, PROG ": streams= must be xattr, windows or none\n");
            goto out;
        }
    }
    size_t heap = 0;
    if (fs->heap_opt && cli_parse_size(fs->heap_opt, &heap) != 0) {
        fprintf(stderr, PROG ": bad heap size '%s'\n", fs->heap_opt);
        goto out;
    }
    struct stat mst;
    if (stat(cl.mountpoint, &mst) != 0) {
        fprintf(stderr, PROG ": mountpoint %s: %s\n", cl.mountpoint, strerror(errno));
        goto out;
    }
    if (!S_ISDIR(mst.st_mode)) {
        fprintf(stderr, PROG ": mountpoint %s: not a directory\n", cl.mountpoint);
        goto out;
    }

    char err[512];
    if (cli_image_open(fs->image_spec, &fs->img, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        goto out;
    }
    if (!heap)
        heap = NTKITFS_DEFAULT_HEAP;
    if (cli_arena_init(&fs->arena, heap) != 0) {
        fprintf(stderr, PROG ": cannot map %zu bytes of parser memory\n", heap);
        goto out;
    }
    /* The chunk allocator is next-fit: it walks the whole arena over time.
     * Huge pages turn ~one page fault per allocation into one per 2 MiB. */
    madvise(fs->arena.mem, fs->arena.bytes, MADV_HUGEPAGE);
    ntfs_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ctx = fs;
    cfg.read = vol_read;
    cfg.allocator = fs->arena.iface;
    cfg.volume_size = cli_image_volume_size(fs->img);
    /* libntfs' caches are searched linearly: bigger is slower */
    cfg.mft_cache_records = 128;
    cfg.index_cache_blocks = 64;
    cfg.cu_cache_units = 32;
    cfg.lock = vol_lock;
    cfg.unlock = vol_unlock;
    /* WOF reads decode the chunks of a large read on every CPU; the pool's
     * threads start on the first such read, after daemonising */
    if (cli_parallel_width() > 1) {
        cfg.parallel = cli_parallel_run;
        cfg.parallel_width = cli_parallel_width();
    }
    nt_diag d;
    nt_diag_clear(&d);
    int rc = ntfs_mount(&cfg, &fs->vol, &d);
    if (rc != NT_OK) {
        if (d.rule)
            fprintf(stderr, PROG ": %s: cannot mount: %s at volume offset 0x%" PRIx64 ": %s\n", fs->image_spec,
                    nt_strerror(rc), d.offset, d.rule);
        else
            fprintf(stderr, PROG ": %s: cannot mount: %s\n", fs->image_spec, nt_strerror(rc));
        cli_arena_report_exhausted(&fs->arena, PROG);
        goto out;
    }
    ntfs_volume_info vi;
    rc = ntfs_volume_get_info(fs->vol, true, &vi);
    if (rc != NT_OK) {
        fprintf(stderr, PROG ": %s: cannot read volume information: %s\n", fs->image_spec, nt_strerror(rc));
        goto out;
    }
    fs->cluster_size = vi.cluster_size;
    fs->total_clusters = vi.total_clusters;
    fs->free_clusters = vi.free_clusters;
    fs->image_fd = fs->nosplice ? -1 : cli_image_fd(fs->img);
    fs->vol_off = cli_image_volume_offset(fs->img);
    /* the root must be readable, or there is nothing to mount */
    {
        ntfs_file *root;
        ntfs_dir *it;
        rc = ntfs_open_ref(fs->vol, NTFS_REC_ROOT, &root);
        if (rc == NT_OK) {
            rc = ntfs_dir_open(root, &it);
            if (rc == NT_OK)
                ntfs_dir_close(it);
            ntfs_close(root);
        }
        if (rc != NT_OK) {
            fprintf(stderr, PROG ": %s: cannot mount: root directory unreadable: %s\n", fs->image_spec,
                    nt_strerror(rc));
            goto out;
        }
    }

    char fsname[300];
    snprintf(fsname, sizeof fsname, "-oro,default_permissions,fsname=%s,subtype=ntkitfs", fs->image_spec);
    /* commas in the image name would split the option: drop fsname then */
    if (strchr(fs->image_spec, ',') || strlen(fs->image_spec) > 200)
        snprintf(fsname, sizeof fsname, "-oro,default_permissions,subtype=ntkitfs");
    if (fuse_opt_add_arg(&args, fsname) != 0)
        goto out;
    se = fuse_session_new(&args, &ops, sizeof ops, fs);
    if (!se)
        goto out;
    if (fuse_set_signal_handlers(se) != 0)
        goto out;
    if (fuse_session_mount(se, cl.mountpoint) != 0) {
        fprintf(stderr, PROG ": cannot mount on %s\n", cl.mountpoint);
        fuse_remove_signal_handlers(se);
        goto out;
    }
    fuse_daemonize(cl.foreground);
    if (!cl.foreground) {
        openlog(PROG, LOG_PID, LOG_DAEMON);
        g_syslog = true;
    }
    if (pthread_key_create(&g_streams_key, thread_streams_free) != 0)
        goto out_unmount;
    /* Started after daemonising (threads do not survive the fork), and
     * with the single-threaded loop only: libfuse's workers can drop a
     * request while exiting, and a store may be waiting for it. */
    if (!fs->noprefill && !fs->hive && (cl.singlethread || !(fs->mt || fs->threads > 1)) &&
        ntkitfs_prefill_start(se, cl.mountpoint, &fs->prefill) != 0)
        fs->prefill = NULL; /* reads just take their READ round trip */
    /* Single-threaded unless -o mt / threads=N: libfuse's pool hands
     * consecutive requests to different threads, and on the 2-vCPU test VM
     * that cross-CPU hand-off made lookups and sequential reads 2-8x slower
     * (bench/README-fuse.md). The volume is shared safely either way. */
    if (cl.singlethread || !(fs->mt || fs->threads > 1)) {
        ret = fuse_session_loop(se);
    } else {
        struct fuse_loop_config *lc = fuse_loop_cfg_create();
        unsigned n = fs->threads > 1 ? fs->threads : 8;
        fuse_loop_cfg_set_clone_fd(lc, cl.clone_fd);
        fuse_loop_cfg_set_max_threads(lc, n > 100 ? 100 : n);
        /* -o max_idle_threads=N (libfuse's own option) wins over the default
         * of keeping every worker */
        fuse_loop_cfg_set_idle_threads(lc, cl.max_idle_threads != UINT_MAX ? cl.max_idle_threads
                                                                           : (n > 100 ? 100 : n));
        ret = fuse_session_loop_mt(se, lc);
        fuse_loop_cfg_destroy(lc);
    }
    ret = ret != 0 ? 1 : 0;
    ntkitfs_prefill_stats ps = {0, 0, 0, -1};
    ntkitfs_prefill_stop(fs->prefill, &ps);
    fs->prefill = NULL;
    if (cl.debug)
        logmsg("prefill: %lu files stored, %lu missed, %lu dropped (fusectl connection %ld)", ps.stored, ps.missed,
               ps.dropped, ps.connection);
    /* this thread's cached streams (single-threaded mode): before unmount */
    thread_streams_free(pthread_getspecific(g_streams_key));
    pthread_setspecific(g_streams_key, NULL);
out_unmount:
    fuse_session_unmount(se);
    fuse_remove_signal_handlers(se);
out:
    if (se)
        fuse_session_destroy(se);
    if (fs->vol)
        ntfs_unmount(fs->vol);
    cli_parallel_shutdown();
    cli_image_close(fs->img);
    if (fs->arena.mem)
        cli_arena_fini(&fs->arena);
    free(cl.mountpoint);
    fuse_opt_free_args(&args);
    free(fs->image_spec);
    return ret;
}
