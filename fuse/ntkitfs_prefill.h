/* ntkitfs_prefill.h - small files' data into the kernel's page cache at
 * LOOKUP time, so that reading them needs no READ round trip.
 *
 * A cold read of a small file costs two round trips through /dev/fuse
 * (LOOKUP, then READ from the kernel's readahead). Its data is resident in
 * the MFT record the LOOKUP has just read, so the daemon hands it to a
 * thread that stores it into the new inode's page cache
 * (fuse_lowlevel_notify_store); when that lands before the client reads,
 * the read is served from the page cache. When it does not (queue full,
 * inode not there yet, the client already reading), nothing changes: the
 * kernel sends READ as usual. The data stored is the file's, so every
 * order of events gives the same bytes. */
#ifndef NTKITFS_PREFILL_H
#define NTKITFS_PREFILL_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse_lowlevel.h>
#include <stddef.h>

/* Largest file stored (one page). */
#define NTKITFS_PREFILL_MAX 4096

typedef struct ntkitfs_prefill ntkitfs_prefill;

typedef struct ntkitfs_prefill_stats {
    unsigned long stored, missed, dropped;
    long connection; /* fusectl id used for the abort at exit, -1 none */
} ntkitfs_prefill_stats;

/* Starts the storing thread for session `se`, mounted on `mountpoint`
 * (absolute, as libfuse resolved it). 0 or an errno. */
int ntkitfs_prefill_start(struct fuse_session *se, const char *mountpoint, ntkitfs_prefill **out);

/* Queues the whole data of inode `ino` (len <= NTKITFS_PREFILL_MAX);
 * never blocks on the kernel. NULL p: nothing. */
void ntkitfs_prefill_push(ntkitfs_prefill *p, fuse_ino_t ino, const void *data, size_t len);

/* Stops and joins the thread, after the request loop has returned and
 * before the session is unmounted: it answers requests that arrive until
 * the thread is out (a store can wait for a READ), and after 2 s aborts
 * the connection through fusectl (root only). `stats`, when not NULL,
 * receives the counts. */
void ntkitfs_prefill_stop(ntkitfs_prefill *p, ntkitfs_prefill_stats *stats);

#endif
