/* fuse_floor.c - the fastest a libfuse daemon can serve fuse_bench.sh's
 * `small` task on this kernel: a file system that does no work at all.
 *
 * It answers every LOOKUP at once (names starting with "tree" or "d" are
 * directories, everything else a read-only regular file of FLOOR_FILE_SIZE
 * bytes), skips OPEN as ntkitfs does (no-open mode) and answers READ from a
 * constant buffer, in libfuse's single-threaded loop: the same two round
 * trips per file ntkitfs needs, with no parsing behind them. Its time on the
 * task is the floor for any single-threaded libfuse daemon, so the benchmark
 * can say how much of the remaining time is the daemon's and how much the
 * kernel's round trips.
 *
 * usage: fuse_floor MOUNTPOINT   (unmount with fusermount3 -u) */
#define _DEFAULT_SOURCE
#define FUSE_USE_VERSION 34
#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Mid-range size of the benchmark's small files (14 to 140 bytes). */
#define FLOOR_FILE_SIZE 64
#define FLOOR_TIMEOUT 86400.0

static void fill_attr(struct stat *st, fuse_ino_t ino, int is_dir)
{
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    st->st_mode = is_dir ? S_IFDIR | 0555 : S_IFREG | 0444;
    st->st_nlink = 1;
    st->st_size = is_dir ? 0 : FLOOR_FILE_SIZE;
}

static void floor_init(void *userdata, struct fuse_conn_info *conn)
{
    (void)userdata;
    if (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT)
        conn->want |= FUSE_CAP_NO_OPEN_SUPPORT;
}

static void floor_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fuse_entry_param e;
    unsigned long h = parent;

    for (const char *p = name; *p; p++)
        h = h * 31 + (unsigned char)*p;
    memset(&e, 0, sizeof e);
    e.ino = 2 + h % 1000000000ul; /* distinct per path in practice; never 1 */
    e.generation = 1;
    e.attr_timeout = e.entry_timeout = FLOOR_TIMEOUT;
    fill_attr(&e.attr, e.ino, strncmp(name, "tree", 4) == 0 || name[0] == 'd');
    fuse_reply_entry(req, &e);
}

static void floor_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct stat st;

    (void)fi;
    fill_attr(&st, ino, ino == FUSE_ROOT_ID);
    fuse_reply_attr(req, &st, FLOOR_TIMEOUT);
}

static void floor_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino;
    (void)fi;
    fuse_reply_err(req, ENOSYS); /* no-open mode from now on */
}

static void floor_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    static const char data[FLOOR_FILE_SIZE] = "floor floor floor floor floor floor floor floor floor floor\n";

    (void)ino;
    (void)fi;
    if (off < 0 || off >= FLOOR_FILE_SIZE) {
        fuse_reply_buf(req, NULL, 0);
        return;
    }
    if (size > (size_t)(FLOOR_FILE_SIZE - off))
        size = (size_t)(FLOOR_FILE_SIZE - off);
    fuse_reply_buf(req, data + off, size);
}

static const struct fuse_lowlevel_ops floor_ops = {
    .init = floor_init,
    .lookup = floor_lookup,
    .getattr = floor_getattr,
    .open = floor_open,
    .read = floor_read,
};

int main(int argc, char **argv)
{
    char *fake_argv[] = {argv[0], "-o", "ro", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, fake_argv);
    struct fuse_session *se;
    int rc = 1;

    if (argc != 2) {
        fprintf(stderr, "usage: fuse_floor MOUNTPOINT\n");
        return 2;
    }
    se = fuse_session_new(&args, &floor_ops, sizeof floor_ops, NULL);
    if (!se)
        return 1;
    if (fuse_set_signal_handlers(se) == 0) {
        if (fuse_session_mount(se, argv[1]) == 0) {
            if (fuse_daemonize(0) == 0)
                rc = fuse_session_loop(se) != 0;
            fuse_session_unmount(se);
        }
        fuse_remove_signal_handlers(se);
    }
    fuse_session_destroy(se);
    return rc;
}
