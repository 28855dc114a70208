/* ntkitfs --hive: a registry hive as a read-only tree (hosted front end).
 *
 * Keys are directories, values are files holding the raw value data; the
 * default (unnamed) value is the file "@". Names that cannot be POSIX file
 * names (containing '/', empty, "." or "..") are left out; a value whose
 * name equals a subkey's is hidden by the subkey. Node ids: a key is its
 * nk cell offset + 2 (the root is FUSE's 1); a value is
 * bit 63 | key offset << 24 | (index in the value list + 1).
 * libnthive objects belong to one thread, so this mode runs single-threaded. */
#define FUSE_USE_VERSION 312

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common_arena.h"
#include "common_hive_source.h"
#include "nthive.h"
#include "nthive_forensic.h"
#include "ntkitfs_hive.h"

#define HV_TIMEOUT 86400.0
#define VALUE_FLAG (1ull << 63)
#define MAX_VALUE_INDEX ((1u << 24) - 2)

typedef struct hive_fs {
    nthive h;
    uint32_t root_off;
    unsigned uid, gid;
} hive_fs;

static hive_fs *HF(fuse_req_t req) { return fuse_req_userdata(req); }

static fuse_ino_t key_ino(const hive_fs *fs, uint32_t off)
{
    return off == fs->root_off ? FUSE_ROOT_ID : (fuse_ino_t)off + 2;
}
static uint32_t ino_key(const hive_fs *fs, fuse_ino_t ino)
{
    uint64_t v = (uint64_t)ino;
    if (v == FUSE_ROOT_ID)
        return fs->root_off;
    if (v & VALUE_FLAG)
        return (uint32_t)((v & ~VALUE_FLAG) >> 24);
    return (uint32_t)(v - 2);
}

static int get_key(hive_fs *fs, fuse_ino_t ino, nthive_key *k)
{
    return nthive_key_at(&fs->h, ino_key(fs, ino), k) == NT_OK ? 0 : EIO;
}

/* A POSIX name for a hive name; false when it has none. */
static bool posix_name(const nthive_name *n, bool is_value, char *out, size_t cap)
{
    size_t len = 0;
    if (nthive_name_to_utf8(n, out, cap, &len) != NT_OK || len >= cap)
        return false;
    out[len] = 0;
    if (len == 0) {
        if (!is_value)
            return false;
        snprintf(out, cap, "@");
        return true;
    }
    if (memchr(out, '/', len) || memchr(out, 0, len) || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
        return false;
    return true;
}

static struct timespec ft_ts(uint64_t ft)
{
    struct timespec ts = {0, 0};
    const uint64_t epoch = 116444736000000000ull;
    if (ft > epoch) {
        ts.tv_sec = (time_t)((ft - epoch) / 10000000);
        ts.tv_nsec = (long)((ft - epoch) % 10000000 * 100);
    }
    return ts;
}

static int value_by_index(const nthive_key *k, uint32_t idx, nthive_value *v)
{
    nthive_value_iter it;
    if (nthive_values(k, &it) != NT_OK)
        return EIO;
    uint32_t i = 0;
    int rc;
    while ((rc = nthive_value_next(&it, v)) != NT_END) {
        if (rc == NT_OK && i == idx)
            return 0;
        i++; /* bad entries count too: indexes stay stable */
        if (i > MAX_VALUE_INDEX)
            break;
    }
    return ENOENT;
}

static int stat_node(hive_fs *fs, fuse_ino_t ino, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_uid = fs->uid;
    st->st_gid = fs->gid;
    st->st_ino = ino;
    nthive_key k;
    if (get_key(fs, ino, &k))
        return EIO;
    st->st_mtim = st->st_ctim = st->st_atim = ft_ts(nthive_key_last_written(&k));
    if (!((uint64_t)ino & VALUE_FLAG)) {
        st->st_mode = S_IFDIR | 0555;
        st->st_nlink = 2;
        return 0;
    }
    nthive_value v;
    int e = value_by_index(&k, (uint32_t)(ino & 0xFFFFFF) - 1, &v);
    if (e)
        return e;
    size_t len = 0;
    char probe[1]; /* size query: the API wants a real buffer even for cap 0 */
    int rc = nthive_value_read(&v, probe, 0, &len);
    if (rc != NT_OK && rc != NT_ERR_RANGE)
        return EIO;
    st->st_mode = S_IFREG | 0444;
    st->st_nlink = 1;
    st->st_size = (off_t)len;
    st->st_blocks = (blkcnt_t)((len + 511) / 512);
    return 0;
}

static void hv_reply_entry(fuse_req_t req, hive_fs *fs, fuse_ino_t ino)
{
    struct fuse_entry_param e;
    memset(&e, 0, sizeof e);
    int err = stat_node(fs, ino, &e.attr);
    if (err) {
        fuse_reply_err(req, err);
        return;
    }
    e.ino = ino;
    e.attr_timeout = e.entry_timeout = HV_TIMEOUT;
    fuse_reply_entry(req, &e);
}

static void hv_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    hive_fs *fs = HF(req);
    nthive_key k, child;
    if (((uint64_t)parent & VALUE_FLAG) || get_key(fs, parent, &k)) {
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    char nm[4 * 16384 + 1];
    nthive_subkey_iter si;
    if (nthive_subkeys(&k, &si) == NT_OK) {
        int rc;
        while ((rc = nthive_subkey_next(&si, &child)) != NT_END) {
            nthive_name n;
            if (rc != NT_OK)
                continue;
            nthive_key_name(&child, &n);
            if (posix_name(&n, false, nm, sizeof nm) && strcmp(nm, name) == 0) {
                hv_reply_entry(req, fs, key_ino(fs, child.offset));
                return;
            }
        }
    }
    nthive_value_iter vi;
    nthive_value v;
    if (nthive_values(&k, &vi) == NT_OK) {
        uint32_t i = 0;
        int rc;
        while ((rc = nthive_value_next(&vi, &v)) != NT_END && i <= MAX_VALUE_INDEX) {
            nthive_name n;
            if (rc == NT_OK) {
                nthive_value_name(&v, &n);
                if (posix_name(&n, true, nm, sizeof nm) && strcmp(nm, name) == 0) {
                    hv_reply_entry(req, fs, (fuse_ino_t)(VALUE_FLAG | (uint64_t)k.offset << 24 | (i + 1)));
                    return;
                }
            }
            i++;
        }
    }
    fuse_reply_err(req, ENOENT);
}

static void hv_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)fi;
    struct stat st;
    int e = stat_node(HF(req), ino, &st);
    if (e)
        fuse_reply_err(req, e);
    else
        fuse_reply_attr(req, &st, HV_TIMEOUT);
}

static void hv_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)fi;
    hive_fs *fs = HF(req);
    nthive_key k, child;
    if (get_key(fs, ino, &k)) {
        fuse_reply_err(req, EIO);
        return;
    }
    char *buf = malloc(size);
    static char nm[4 * 16384 + 1];
    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    size_t used = 0;
    off_t pos = 0;
    struct stat st;
    memset(&st, 0, sizeof st);
    bool full = false;
#define EMIT(NAME, INO, MODE)                                                                                   \
    do {                                                                                                        \
        pos++;                                                                                                  \
        if (!full && pos > off) {                                                                               \
            st.st_ino = (INO);                                                                                  \
            st.st_mode = (MODE);                                                                                \
            size_t need = fuse_add_direntry(req, buf + used, size - used, (NAME), &st, pos);                    \
            if (need > size - used)                                                                             \
                full = true;                                                                                    \
            else                                                                                                \
                used += need;                                                                                   \
        }                                                                                                       \
    } while (0)
    EMIT(".", ino, S_IFDIR);
    EMIT("..", FUSE_ROOT_ID, S_IFDIR);
    nthive_subkey_iter si;
    int rc;
    if (nthive_subkeys(&k, &si) == NT_OK) {
        while (!full && (rc = nthive_subkey_next(&si, &child)) != NT_END) {
            nthive_name n;
            if (rc != NT_OK)
                continue;
            nthive_key_name(&child, &n);
            if (posix_name(&n, false, nm, sizeof nm))
                EMIT(nm, key_ino(fs, child.offset), S_IFDIR);
        }
    }
    nthive_value_iter vi;
    nthive_value v;
    if (!full && nthive_values(&k, &vi) == NT_OK) {
        uint32_t i = 0;
        while (!full && (rc = nthive_value_next(&vi, &v)) != NT_END && i <= MAX_VALUE_INDEX) {
            nthive_name n;
            if (rc == NT_OK) {
                nthive_value_name(&v, &n);
                nthive_key dup;
                if (posix_name(&n, true, nm, sizeof nm) &&
                    nthive_key_subkey(&k, nm, strlen(nm), &dup) != NT_OK)
                    EMIT(nm, VALUE_FLAG | (uint64_t)k.offset << 24 | (i + 1), S_IFREG);
            }
            i++;
        }
    }
#undef EMIT
    fuse_reply_buf(req, buf, used);
    free(buf);
}

static void hv_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)fi;
    hive_fs *fs = HF(req);
    nthive_key k;
    nthive_value v;
    if (!((uint64_t)ino & VALUE_FLAG) || get_key(fs, ino, &k) ||
        value_by_index(&k, (uint32_t)(ino & 0xFFFFFF) - 1, &v)) {
        fuse_reply_err(req, EIO);
        return;
    }
    size_t len = 0;
    char probe[1]; /* size query: the API wants a real buffer even for cap 0 */
    int rc = nthive_value_read(&v, probe, 0, &len);
    if (rc != NT_OK && rc != NT_ERR_RANGE) {
        fuse_reply_err(req, EIO);
        return;
    }
    char *data = malloc(len ? len : 1);
    if (!data || (len && nthive_value_read(&v, data, len, &len) != NT_OK)) {
        free(data);
        fuse_reply_err(req, EIO);
        return;
    }
    if (off < 0 || (size_t)off >= len)
        fuse_reply_buf(req, NULL, 0);
    else
        fuse_reply_buf(req, data + off, len - (size_t)off < size ? len - (size_t)off : size);
    free(data);
}

static void hv_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino;
    if ((fi->flags & O_ACCMODE) != O_RDONLY)
        fuse_reply_err(req, EROFS);
    else {
        fi->keep_cache = 1;
        fuse_reply_open(req, fi);
    }
}

static void release_hive(void *map, size_t size, bool heap)
{
    if (heap)
        free(map);
    else
        munmap(map, size);
}

/* Logs beside a dirty hive are applied unless ntkitfs_hive_logs(0). */
static int apply_logs = 1;

void ntkitfs_hive_logs(int apply)
{
    apply_logs = apply;
}

/* As `ntkit hive`: a dirty hive is read with HIVE.LOG/.LOG1/.LOG2 (any case,
 * beside a host file or in the same directory inside the image) applied.
 * On success *map becomes the replayed copy (heap). Returns 0, or 1 after
 * printing why the mount cannot go on. */
static int replay_logs(const char *path, void **map, size_t *size, bool *heap)
{
    static const char *const suffixes[] = {".LOG", ".LOG1", ".LOG2"};
    char *names[NTHIVE_MAX_LOGS];
    uint8_t *logs[NTHIVE_MAX_LOGS] = {0};
    nthive_log lv[NTHIVE_MAX_LOGS];
    nthive_replay_report rep;
    uint8_t *out = NULL;
    size_t n, out_size = 0;
    int rc = 0, st;

    if (*size < 512 || memcmp(*map, "regf", 4) != 0 || !nthive_dirty(*map, *size) ||
        nthive_log_format(*map, *size, NULL) != NTHIVE_LOG_NONE)
        return 0;
    n = hive_source_siblings(path, suffixes, 3, names, NTHIVE_MAX_LOGS);
    if (n == 0) {
        fprintf(stderr, "ntkitfs: %s: dirty, no logs beside it: reading the primary as it is\n", path);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char err[512];
        size_t ls = 0;
        if (hive_source_read(names[i], &logs[i], &ls, err, sizeof err) != 0) {
            fprintf(stderr, "ntkitfs: %s\n", err);
            rc = 1;
            goto out;
        }
        lv[i].data = logs[i];
        lv[i].size = ls;
    }
    st = nthive_replay_alloc(*map, *size, lv, n, &cli_libc_allocator, &out, &out_size, &rep);
    if (st == NT_OK) {
        fprintf(stderr,
                "ntkitfs: %s: dirty, replayed from %zu log%s: %u entr%s, %u pages, final sequence %u\n", path,
                n, n == 1 ? "" : "s", rep.entries, rep.entries == 1 ? "y" : "ies", rep.pages, rep.final_seq);
        release_hive(*map, *size, *heap);
        *map = out;
        *size = out_size;
        *heap = true;
    } else {
        fprintf(stderr, "ntkitfs: %s: dirty, not replayed: %s; reading the primary as it is\n", path,
                rep.diag.rule ? rep.diag.rule : nt_strerror(st));
        free(out);
    }
out:
    for (size_t i = 0; i < n; i++) {
        free(logs[i]);
        free(names[i]);
    }
    return rc;
}

static const struct fuse_lowlevel_ops hive_ops = {
    .lookup = hv_lookup,
    .getattr = hv_getattr,
    .readdir = hv_readdir,
    .open = hv_open,
    .read = hv_read,
};

int ntkitfs_hive_run(const char *path, const char *mountpoint, struct fuse_args *args, int foreground)
{
    /* A host file is mapped; SYSTEM.gz and IMAGE::PATH are read into memory
     * (common_hive_source.h), which also unmounts the image again. */
    void *map = NULL;
    size_t size = 0;
    bool heap = hive_source_classify(path, NULL) != HIVE_SOURCE_HOST;
    if (heap) {
        char err[512];
        uint8_t *data;
        if (hive_source_read(path, &data, &size, err, sizeof err) != 0) {
            fprintf(stderr, "ntkitfs: %s\n", err);
            return 1;
        }
        map = data;
    } else {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            fprintf(stderr, "ntkitfs: cannot open %s: %s\n", path, strerror(errno));
            return 1;
        }
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_size <= 0) {
            fprintf(stderr, "ntkitfs: %s: empty or unreadable\n", path);
            close(fd);
            return 1;
        }
        size = (size_t)st.st_size;
        map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (map == MAP_FAILED) {
            fprintf(stderr, "ntkitfs: %s: cannot map: %s\n", path, strerror(errno));
            return 1;
        }
    }
    if (apply_logs && replay_logs(path, &map, &size, &heap) != 0) {
        release_hive(map, size, heap);
        hive_source_release();
        return 1;
    }
    hive_source_release();
    static hive_fs fs;
    fs.uid = getuid();
    fs.gid = getgid();
    nthive_key root;
    int rc = nthive_open(&fs.h, map, size);
    if (rc == NT_OK)
        rc = nthive_root(&fs.h, &root);
    if (rc != NT_OK) {
        const nt_diag *d = nthive_diag(&fs.h);
        fprintf(stderr, "ntkitfs: %s: not a usable hive: %s at 0x%llx: %s\n", path, nt_strerror(rc),
                (unsigned long long)d->offset, d->rule ? d->rule : "?");
        release_hive(map, size, heap);
        return 1;
    }
    fs.root_off = root.offset;
    int ret = 1;
    if (fuse_opt_add_arg(args, "-oro,subtype=ntkitfs-hive") != 0)
        return 1;
    struct fuse_session *se = fuse_session_new(args, &hive_ops, sizeof hive_ops, &fs);
    if (se && fuse_set_signal_handlers(se) == 0) {
        if (fuse_session_mount(se, mountpoint) == 0) {
            fuse_daemonize(foreground);
            ret = fuse_session_loop(se) != 0;
            fuse_session_unmount(se);
        }
        fuse_remove_signal_handlers(se);
    }
    if (se)
        fuse_session_destroy(se);
    release_hive(map, size, heap);
    return ret;
}
