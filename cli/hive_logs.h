/* `ntkit hive` transaction-log plumbing (hosted code): --log / --no-logs,
 * automatic pick-up of HIVE.LOG, HIVE.LOG1, HIVE.LOG2, replay. */
#ifndef NTKIT_HIVE_LOGS_H
#define NTKIT_HIVE_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nthive_forensic.h"

typedef struct hive_logs_opts {
    const char *logs[NTHIVE_MAX_LOGS]; /* --log FILE, in order */
    size_t nlogs;
    bool no_logs;   /* --no-logs */
    bool auto_logs; /* --logs: pick up HIVE.LOG* beside the hive */
    bool probe;     /* info: try a replay that will not be applied, to report it */
} hive_logs_opts;

/* Whether logs beside a dirty hive are applied without --logs: yes (the
 * comparisons of primary files with the peers pass --no-logs). */
#define HIVE_LOGS_AUTO_DEFAULT 1

typedef struct hive_logs_state {
    bool dirty;                 /* the primary is dirty */
    bool replayed;              /* out holds the replayed hive */
    bool would_replay;          /* logs apply, but were not asked for */
    const char *skipped_reason; /* why no replay was tried (static) */
    char *log_paths[NTHIVE_MAX_LOGS];
    size_t nlogs;
    nthive_replay_report report;
    uint8_t *out;
    size_t out_size;
    int fd;          /* memfd holding out, once written */
    char error[512]; /* why the primary could not be read (when that failed) */
} hive_logs_state;

/* Reads a whole file (at most 2 GiB) into malloc'd memory: any spec of
 * common_hive_source.h (host file, FILE.gz, IMAGE::PATH); prints the error. */
int hive_logs_read_file(const char *path, uint8_t **data, size_t *size);
/* Removes --log FILE and --no-logs from argv (argv[0] kept). */
int hive_logs_strip(hive_logs_opts *o, int *argc, char **argv);
/* Log files beside `hive` (case-insensitive .LOG/.LOG1/.LOG2), sorted; for
 * IMAGE::PATH the same directory inside the image (specs IMAGE::DIR/NAME). */
size_t hive_logs_find(const char *hive, char **paths, size_t max);
/* Reads the hive; when it is dirty (and logs are allowed and found),
 * replays them into s->out. Returns an exit code (0 also when nothing
 * was replayed: see s). When the hive itself cannot be read nothing is
 * printed: s->error holds the line (the command reports it when it opens
 * the hive). */
int hive_logs_replay(const char *hive, const hive_logs_opts *o, hive_logs_state *s);
/* One line (without newline) saying dirty / replayed / not replayed, why. */
void hive_logs_describe(FILE *out, const hive_logs_state *s);
/* Writes s->out to an anonymous file; `path` gets /proc/self/fd/N. */
int hive_logs_to_fd(hive_logs_state *s, char *path, size_t cap);
void hive_logs_state_free(hive_logs_state *s);

#endif
