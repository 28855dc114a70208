/* ntkitfs_prefill.c - puts the data of small files into the kernel's page
 * cache right after their LOOKUP (see ntkitfs_prefill.h).
 *
 * Why a thread of its own: fuse_lowlevel_notify_store locks the page it
 * fills. When the client has already started reading the file, its
 * readahead holds that page locked until our READ reply arrives; a store
 * from the thread that must answer that READ would wait forever. From
 * here it only waits until the request loop has answered.
 *
 * Why retries: the kernel creates the inode while the client processes the
 * LOOKUP reply, so a store that arrives first finds no inode (-ENOENT). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define FUSE_USE_VERSION 312
#include "ntkitfs_prefill.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Files waiting; a full queue drops new ones (the kernel then sends READ,
 * as without prefill). */
#define PREFILL_QUEUE 64
/* Stores tried per file while the inode does not exist yet. */
#define PREFILL_TRIES 8
/* How long stop() answers requests for a store still waiting (ms) before
 * it aborts the connection. */
#define PREFILL_DRAIN_MS 2000

typedef struct prefill_item {
    fuse_ino_t ino;
    size_t len;
    unsigned char data[NTKITFS_PREFILL_MAX];
} prefill_item;

struct ntkitfs_prefill {
    struct fuse_session *se;
    pthread_t thread;
    pthread_mutex_t m;
    pthread_cond_t more;
    bool stop, waiting, finished;
    unsigned head, count;
    unsigned long stored, missed, dropped;
    long conn; /* fusectl connection id of the mount, -1 unknown */
    prefill_item q[PREFILL_QUEUE];
};

/* true when the page cache now holds the file's data */
static long find_connection(const char *mountpoint);

static bool store(ntkitfs_prefill *p, const prefill_item *it)
{
    struct fuse_bufvec bv = FUSE_BUFVEC_INIT(it->len);
    int rc = -ENOENT;

    bv.buf[0].mem = (void *)it->data;
    for (int i = 0; i < PREFILL_TRIES && rc == -ENOENT; i++) {
        if (i)
            sched_yield(); /* let the client create the inode */
        rc = fuse_lowlevel_notify_store(p->se, it->ino, 0, &bv, 0);
    }
    return rc == 0;
}

static void *prefill_main(void *arg)
{
    ntkitfs_prefill *p = arg;
    prefill_item *it = malloc(sizeof *it);

    pthread_mutex_lock(&p->m);
    while (it && !p->stop) {
        if (p->count == 0) {
            p->waiting = true;
            pthread_cond_wait(&p->more, &p->m);
            p->waiting = false;
            continue;
        }
        *it = p->q[p->head];
        p->head = (p->head + 1) % PREFILL_QUEUE;
        p->count--;
        pthread_mutex_unlock(&p->m);
        bool ok = store(p, it);
        pthread_mutex_lock(&p->m);
        if (ok)
            p->stored++;
        else
            p->missed++;
    }
    p->finished = true;
    pthread_mutex_unlock(&p->m);
    free(it);
    return NULL;
}

int ntkitfs_prefill_start(struct fuse_session *se, const char *mountpoint, ntkitfs_prefill **out)
{
    ntkitfs_prefill *p = calloc(1, sizeof *p);

    *out = NULL;
    if (!p)
        return ENOMEM;
    p->se = se;
    p->conn = find_connection(mountpoint);
    pthread_mutex_init(&p->m, NULL);
    pthread_cond_init(&p->more, NULL);
    /* No signal is ever handled on this thread: SIGTERM must interrupt the
     * request loop's read(), never land here while the loop goes on to
     * read (and, exiting, drop) the READ a store may be waiting for. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int e = pthread_create(&p->thread, NULL, prefill_main, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e) {
        pthread_cond_destroy(&p->more);
        pthread_mutex_destroy(&p->m);
        free(p);
        return e;
    }
    *out = p;
    return 0;
}

void ntkitfs_prefill_push(ntkitfs_prefill *p, fuse_ino_t ino, const void *data, size_t len)
{
    if (!p || len == 0 || len > NTKITFS_PREFILL_MAX)
        return;
    pthread_mutex_lock(&p->m);
    if (p->count == PREFILL_QUEUE) {
        p->dropped++;
    } else {
        prefill_item *it = &p->q[(p->head + p->count) % PREFILL_QUEUE];
        it->ino = ino;
        it->len = len;
        memcpy(it->data, data, len);
        p->count++;
        if (p->waiting)
            pthread_cond_signal(&p->more);
    }
    pthread_mutex_unlock(&p->m);
}

static bool finished(ntkitfs_prefill *p)
{
    pthread_mutex_lock(&p->m);
    bool f = p->finished;
    pthread_mutex_unlock(&p->m);
    return f;
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The minor device number of the last FUSE mount on `mountpoint` (an
 * absolute path, as libfuse resolved it) from /proc/self/mountinfo: the
 * fusectl connection id. Read at start: a stat of the mount point itself
 * would need an answer from the request loop. -1 when not found. */
static long find_connection(const char *mountpoint)
{
    FILE *f = mountpoint ? fopen("/proc/self/mountinfo", "r") : NULL;
    char line[4096], path[4096];
    unsigned maj, min;
    long id = -1;

    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        /* id parent maj:min root mountpoint options ... - fstype ... */
        char esc[4096];
        if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &maj, &min, esc) != 3 || !strstr(line, " - fuse"))
            continue;
        size_t o = 0; /* mountinfo writes space, tab, newline, backslash as \ooo */
        for (const char *c = esc; *c && o + 1 < sizeof path; c++) {
            if (c[0] == '\\' && c[1] >= '0' && c[1] <= '3' && c[2] >= '0' && c[2] <= '7' && c[3] >= '0' &&
                c[3] <= '7') {
                path[o++] = (char)((c[1] - '0') << 6 | (c[2] - '0') << 3 | (c[3] - '0'));
                c += 3;
            } else {
                path[o++] = *c;
            }
        }
        path[o] = 0;
        if (maj == 0 && strcmp(path, mountpoint) == 0)
            id = (long)min;
    }
    fclose(f);
    return id;
}

/* Ends every request of the connection (fusectl's abort file), which
 * releases any page a store waits for. false when it cannot. */
static bool abort_connection(long conn)
{
    char path[64];
    FILE *f;

    if (conn < 0)
        return false;
    snprintf(path, sizeof path, "/sys/fs/fuse/connections/%ld/abort", conn);
    f = fopen(path, "w");
    if (!f)
        return false;
    bool ok = fputs("1", f) >= 0;
    return fclose(f) == 0 && ok;
}

void ntkitfs_prefill_stop(ntkitfs_prefill *p, ntkitfs_prefill_stats *stats)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->m);
    p->stop = true;
    pthread_cond_signal(&p->more);
    pthread_mutex_unlock(&p->m);
    /* The thread may be inside a store, waiting for a page that a client's
     * readahead holds locked until its READ is answered; the request loop
     * has ended, so answer requests here until the thread is out. When the
     * connection is gone, the kernel has ended those reads and the store
     * fails by itself. */
    struct fuse_buf fbuf = {.mem = NULL};
    int fd = fuse_session_fd(p->se);
    long deadline = now_ms() + PREFILL_DRAIN_MS;
    bool aborted = false;
    /* libfuse drops what it reads once the session is marked exited */
    fuse_session_reset(p->se);
    while (!finished(p)) {
        if (!aborted && now_ms() > deadline) {
            /* A request the store needs was lost (libfuse drops one read
             * while exiting): end them all, the mount is going away. */
            aborted = true;
            if (!abort_connection(p->conn))
                fprintf(stderr, "ntkitfs: waiting for a page-cache store to end\n");
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 10) != 1 || !(pfd.revents & POLLIN))
            continue;
        int res = fuse_session_receive_buf(p->se, &fbuf);
        if (res > 0)
            fuse_session_process_buf(p->se, &fbuf);
    }
    free(fbuf.mem);
    pthread_join(p->thread, NULL);
    if (stats) {
        stats->stored = p->stored;
        stats->missed = p->missed;
        stats->dropped = p->dropped;
        stats->connection = p->conn;
    }
    pthread_cond_destroy(&p->more);
    pthread_mutex_destroy(&p->m);
    free(p);
}
