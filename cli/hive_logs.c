/* `ntkit hive`: transaction logs. Finds HIVE.LOG / .LOG1 / .LOG2 beside a
 * hive (or takes --log FILE), replays them into an anonymous file when the
 * hive is dirty, and lets every subcommand read that file instead. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "common_arena.h"
#include "common_hive_source.h"
#include "hive_logs.h"

int hive_logs_read_file(const char *path, uint8_t **data, size_t *size)
{
    char err[512];
    int rc = hive_source_read(path, data, size, err, sizeof err);
    if (rc)
        fprintf(stderr, "ntkit: %s\n", err);
    return rc;
}

int hive_logs_strip(hive_logs_opts *o, int *argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--no-logs")) {
            o->no_logs = true;
        } else if (!strcmp(argv[i], "--logs")) {
            o->auto_logs = true;
        } else if (!strcmp(argv[i], "--log")) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "ntkit: hive: --log needs a FILE\n");
                return EXIT_NTKIT_USAGE;
            }
            if (o->nlogs == NTHIVE_MAX_LOGS) {
                fprintf(stderr, "ntkit: hive: at most %u --log files\n", NTHIVE_MAX_LOGS);
                return EXIT_NTKIT_USAGE;
            }
            o->logs[o->nlogs++] = argv[++i];
        } else {
            argv[out++] = argv[i];
        }
    }
    argv[out] = NULL;
    *argc = out;
    return EXIT_NTKIT_OK;
}

size_t hive_logs_find(const char *hive, char **paths, size_t max)
{
    /* Windows names are case-insensitive; copies keep whatever case they
     * had. Inside an image the directory is listed through libntfs. */
    static const char *const suffixes[] = {".LOG", ".LOG1", ".LOG2"};
    return hive_source_siblings(hive, suffixes, 3, paths, max);
}

static const char *log_base(const char *p)
{
    const char *s = strrchr(p, '/'), *b = strrchr(p, '\\'), *c = strstr(p, "::");
    if (b && (!s || b > s))
        s = b;
    if (!s && c)
        s = c + 1;
    return s ? s + 1 : p;
}

void hive_logs_describe(FILE *out, const hive_logs_state *s)
{
    const nthive_replay_report *r = &s->report;
    if (!s->dirty) {
        fprintf(out, "clean (no replay needed)");
        return;
    }
    if (s->would_replay) {
        fprintf(out,
                "dirty, not replayed (logs are applied with --logs or --log FILE); they would give %u "
                "entr%s, %u pages, final sequence %u",
                r->entries, r->entries == 1 ? "y" : "ies", r->pages, r->final_seq);
        return;
    }
    if (s->skipped_reason) {
        fprintf(out, "dirty, not replayed: %s", s->skipped_reason);
        return;
    }
    if (!s->replayed) {
        fprintf(out, "dirty, not replayed: %s", r->diag.rule ? r->diag.rule : "no log applies");
        for (size_t i = 0; i < s->nlogs; i++)
            if (r->log_diag[i].status != NT_OK)
                fprintf(out, "; %s: %s", log_base(s->log_paths[i]), r->log_diag[i].rule);
        return;
    }
    fprintf(out, "dirty (%s%s%s), replayed from",
            r->dirty & NTHIVE_DIRTY_SEQUENCE ? "sequence numbers differ" : "",
            (r->dirty & NTHIVE_DIRTY_SEQUENCE) && (r->dirty & ~NTHIVE_DIRTY_SEQUENCE) ? ", " : "",
            r->dirty & NTHIVE_DIRTY_BASE       ? "base block invalid"
            : r->dirty & NTHIVE_DIRTY_CHECKSUM ? "checksum mismatch"
                                               : "");
    for (size_t i = 0; i < s->nlogs; i++)
        if (r->logs_applied & (1u << i))
            fprintf(out, " %s", log_base(s->log_paths[i]));
    fprintf(out,
            " (%s format): %u entr%s, %u page%s, sequence %u..%u, final sequence %u, hive bins %u -> %u "
            "bytes%s%s",
            r->format == NTHIVE_LOG_OLD ? "old DIRT" : "new HvLE", r->entries, r->entries == 1 ? "y" : "ies",
            r->pages, r->pages == 1 ? "" : "s", r->first_seq, r->last_seq, r->final_seq, r->old_bins_size,
            r->new_bins_size, r->base_recovered ? ", base block recovered from the log" : "",
            r->stopped_early ? ", stopped at an invalid entry" : "");
}

int hive_logs_replay(const char *hive, const hive_logs_opts *o, hive_logs_state *s)
{
    uint8_t *data, *logs[NTHIVE_MAX_LOGS] = {0};
    size_t size, lsizes[NTHIVE_MAX_LOGS] = {0};
    nthive_log lv[NTHIVE_MAX_LOGS];
    int rc, st;

    memset(s, 0, sizeof *s);
    /* The verdict needs only the base block: read the first page, and the
     * whole file only when there is something to replay. A file inside an
     * image or a gzip file is read whole once. */
    {
        uint8_t head[4096];
        size_t got = 0;
        bool whole = hive_source_classify(hive, NULL) != HIVE_SOURCE_HOST;

        rc = whole ? hive_source_read(hive, &data, &size, s->error, sizeof s->error)
                   : hive_source_read_head(hive, head, sizeof head, &got, s->error, sizeof s->error);
        if (rc)
            return rc; /* the command reports it (s->error holds the line) */
        if (whole) {
            got = size < sizeof head ? size : sizeof head;
            memcpy(head, data, got);
        }
        s->dirty = nthive_dirty(head, got) != 0;
        /* A non-hive (a log, a fragment) is left to the command to reject. */
        if (got < 512 || memcmp(head, "regf", 4) != 0 ||
            nthive_log_format(head, got, NULL) != NTHIVE_LOG_NONE)
            s->dirty = false;
        if (!s->dirty || o->no_logs) {
            if (s->dirty)
                s->skipped_reason = "--no-logs given";
            if (whole)
                free(data);
            return EXIT_NTKIT_OK;
        }
        /* Logs that will not be applied are only worth reading for info. */
        if (!o->nlogs && !o->auto_logs && !HIVE_LOGS_AUTO_DEFAULT && !o->probe) {
            s->skipped_reason = "logs are applied with --logs or --log FILE";
            if (whole)
                free(data);
            return EXIT_NTKIT_OK;
        }
        if (!whole) {
            rc = hive_source_read(hive, &data, &size, s->error, sizeof s->error);
            if (rc)
                return rc;
        }
    }
    if (o->nlogs) {
        for (size_t i = 0; i < o->nlogs; i++) {
            s->log_paths[i] = strdup(o->logs[i]);
            if (!s->log_paths[i])
                abort();
        }
        s->nlogs = o->nlogs;
    } else {
        s->nlogs = hive_logs_find(hive, s->log_paths, NTHIVE_MAX_LOGS);
    }
    if (s->nlogs == 0) {
        s->skipped_reason = "no log files found beside the hive (HIVE.LOG, HIVE.LOG1, HIVE.LOG2)";
        free(data);
        return EXIT_NTKIT_OK;
    }
    for (size_t i = 0; i < s->nlogs; i++) {
        rc = hive_logs_read_file(s->log_paths[i], &logs[i], &lsizes[i]);
        if (rc)
            goto out;
        lv[i].data = logs[i];
        lv[i].size = lsizes[i];
    }
    st = nthive_replay_alloc(data, size, lv, s->nlogs, &cli_libc_allocator, &s->out, &s->out_size, &s->report);
    if (st == NT_ERR_NOMEM) {
        fprintf(stderr, "ntkit: %s: out of memory replaying the logs\n", hive);
        rc = EXIT_NTKIT_IO;
    } else if (st == NT_OK && !o->nlogs && !o->auto_logs && !HIVE_LOGS_AUTO_DEFAULT) {
        s->would_replay = true;
        free(s->out);
        s->out = NULL;
    } else if (st == NT_OK) {
        s->replayed = true;
    } else if (s->out) {
        free(s->out);
        s->out = NULL;
    }
out:
    for (size_t i = 0; i < s->nlogs; i++)
        free(logs[i]);
    free(data);
    return rc;
}

void hive_logs_state_free(hive_logs_state *s)
{
    for (size_t i = 0; i < s->nlogs; i++)
        free(s->log_paths[i]);
    free(s->out);
    if (s->fd > 0)
        close(s->fd);
    memset(s, 0, sizeof *s);
}

int hive_logs_to_fd(hive_logs_state *s, char *path, size_t cap)
{
    size_t done = 0;
    int fd = memfd_create("ntkit-replayed-hive", 0);
    if (fd < 0) {
        fprintf(stderr, "ntkit: memfd_create: %s\n", strerror(errno));
        return EXIT_NTKIT_IO;
    }
    while (done < s->out_size) {
        ssize_t n = write(fd, s->out + done, s->out_size - done);
        if (n <= 0) {
            fprintf(stderr, "ntkit: writing the replayed hive: %s\n", strerror(errno));
            close(fd);
            return EXIT_NTKIT_IO;
        }
        done += (size_t)n;
    }
    s->fd = fd;
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return EXIT_NTKIT_OK;
}
