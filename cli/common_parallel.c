/* common_parallel.c - the process-wide job pool (see common_parallel.h).
 * Jobs are coarse (a group of WOF chunks, ~100 us and up), so one mutex
 * and two condition variables are all the synchronisation needed. */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "common_parallel.h"

#define MAX_WIDTH_AUTO 8u
#define MAX_WIDTH_ENV 64u

static struct {
    pthread_mutex_t m;
    pthread_cond_t work;  /* a run started, or stop */
    pthread_cond_t done;  /* the last job of a run finished */
    pthread_mutex_t turn; /* one run at a time */
    pthread_t threads[MAX_WIDTH_ENV];
    unsigned nthreads;
    bool started, stop;
    void (*job)(void *, size_t);
    void *arg;
    size_t n, next, finished;
} pool = {.m = PTHREAD_MUTEX_INITIALIZER,
          .work = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER,
          .turn = PTHREAD_MUTEX_INITIALIZER};

static unsigned width;

static void read_width(void)
{
    const char *e = getenv("NTKIT_THREADS");
    long n = 0;

    if (e && *e) {
        char *end;
        n = strtol(e, &end, 10);
        if (*end || n < 1)
            n = 0; /* not a count: the default */
        else if (n > (long)MAX_WIDTH_ENV)
            n = MAX_WIDTH_ENV;
    }
    if (n == 0) {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        if (n < 1)
            n = 1;
        if (n > (long)MAX_WIDTH_AUTO)
            n = MAX_WIDTH_AUTO;
    }
    width = (unsigned)n;
}

unsigned cli_parallel_width(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, read_width);
    return width;
}

/* Runs jobs of the current run until none is left. Called with pool.m
 * held; returns with it held. */
static void drain(void)
{
    while (pool.next < pool.n) {
        size_t i = pool.next++;
        pthread_mutex_unlock(&pool.m);
        pool.job(pool.arg, i);
        pthread_mutex_lock(&pool.m);
        if (++pool.finished == pool.n)
            pthread_cond_signal(&pool.done);
    }
}

static void *worker(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&pool.m);
    for (;;) {
        while (!pool.stop && pool.next >= pool.n)
            pthread_cond_wait(&pool.work, &pool.m);
        if (pool.stop)
            break;
        drain();
    }
    pthread_mutex_unlock(&pool.m);
    return NULL;
}

/* Starts the workers once (called with pool.turn held). */
static void start(void)
{
    unsigned want = cli_parallel_width() - 1;

    pool.started = true;
    pool.stop = false;
    /* Workers never take a signal: in ntkitfs, SIGTERM must interrupt the
     * request loop's read() rather than run its handler here. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    while (pool.nthreads < want) {
        if (pthread_create(&pool.threads[pool.nthreads], NULL, worker, NULL))
            break; /* fewer threads: the caller runs the rest */
        pool.nthreads++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void cli_parallel_run(void *ctx, size_t n, void (*job)(void *arg, size_t i), void *arg)
{
    (void)ctx;
    if (n == 0)
        return;
    if (n == 1 || cli_parallel_width() == 1) {
        for (size_t i = 0; i < n; i++)
            job(arg, i);
        return;
    }
    pthread_mutex_lock(&pool.turn);
    if (!pool.started)
        start();
    pthread_mutex_lock(&pool.m);
    pool.job = job;
    pool.arg = arg;
    pool.n = n;
    pool.next = 0;
    pool.finished = 0;
    pthread_cond_broadcast(&pool.work);
    drain();
    while (pool.finished < pool.n)
        pthread_cond_wait(&pool.done, &pool.m);
    pool.n = pool.next = 0;
    pthread_mutex_unlock(&pool.m);
    pthread_mutex_unlock(&pool.turn);
}

void cli_parallel_shutdown(void)
{
    pthread_mutex_lock(&pool.turn);
    if (pool.started) {
        pthread_mutex_lock(&pool.m);
        pool.stop = true;
        pthread_cond_broadcast(&pool.work);
        pthread_mutex_unlock(&pool.m);
        for (unsigned i = 0; i < pool.nthreads; i++)
            pthread_join(pool.threads[i], NULL);
        pool.nthreads = 0;
        pool.started = false;
        pool.stop = false;
    }
    pthread_mutex_unlock(&pool.turn);
}
