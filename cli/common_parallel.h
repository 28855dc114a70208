/* common_parallel.h - a small process-wide pthread pool behind the
 * libraries' optional `parallel` hook (ntfs_config.parallel): run jobs
 * 0..n-1 on several CPUs and return when all are done.
 *
 * Width: the online CPUs (sysconf), capped at 8; NTKIT_THREADS=N
 * overrides it (1 = no pool: the hook is not installed). The worker
 * threads (width - 1; the caller runs jobs too) are created on the first
 * call with n > 1 and joined by cli_parallel_shutdown. Callers from
 * several threads take turns. */
#ifndef NTKIT_CLI_COMMON_PARALLEL_H
#define NTKIT_CLI_COMMON_PARALLEL_H

#include <stddef.h>

/* How many jobs are worth running at once (>= 1), read once. */
unsigned cli_parallel_width(void);

/* The hook: runs job(arg, i) for every i in 0..n-1, possibly concurrently,
 * and returns when all have run. ctx is unused. When threads cannot be
 * created the jobs run on the caller's thread. */
void cli_parallel_run(void *ctx, size_t n, void (*job)(void *arg, size_t i), void *arg);

/* Stops and joins the workers (they come back on the next run). */
void cli_parallel_shutdown(void);

#endif
