/* Shared helpers of the `ntkit hive` subcommands (hosted code). */
#ifndef NTKIT_HIVE_CLI_H
#define NTKIT_HIVE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common_arena.h"
#include "nthive.h"

/* A hive file mapped read-only (or, for a gzip host file or IMAGE::PATH,
 * read into memory), plus the arena that backs the parser's allocations
 * (the walker's stack and visited-set). */
typedef struct hive_file {
    const char *path;
    void *map;
    size_t size;
    bool map_is_heap; /* map came from malloc (hive_source_read), not mmap */
    nthive hive;
    cli_arena arena; /* the parser's heap (chunk allocator) */
    bool have_arena;
    void *bin_index; /* nthive_set_bin_index buffer, from the arena */
    size_t bin_index_bytes;
} hive_file;

/* Options every subcommand shares. */
typedef struct hive_opts {
    size_t heap; /* --heap, 0 = default */
} hive_opts;

/* Maps and opens `path`, any spec of common_hive_source.h (host file,
 * SYSTEM.gz, IMAGE::PATH); prints the error and returns an exit code on
 * failure. */
int hive_file_open(hive_file *f, const char *path, const hive_opts *o);
void hive_file_close(hive_file *f);

/* Prints "ntkit: FILE: corrupt hive at 0x..: rule" from the hive's diag. */
void hive_report(const hive_file *f);
/* Maps a library status to an exit code. */
int hive_exit_code(int status);

/* A key reached by path, with the path spelled as stored ("" = root). */
int hive_open_key(hive_file *f, const char *path, nthive_key *key, char **canon, size_t *canon_len);

/* Formats a FILETIME as YYYY-MM-DDTHH:MM:SS.fffffffZ into buf (>= 32). */
void hive_format_time(uint64_t ft, char *buf, size_t cap);

/* Name to malloc'd UTF-8 (exact bytes, NULs kept); *len its length. */
char *hive_name_dup(const nthive_name *n, size_t *len);

/* Writes a name or path for a terminal: control characters (NUL, CR, LF,
 * ...) as \xNN, everything else as is. */
void hive_print_text(FILE *out, const char *s, size_t len);

/* Writes bytes as a JSON string (with quotes). */
void hive_json_string(FILE *out, const char *s, size_t len);

const char *hive_type_name(uint32_t type);

/* A large output buffer in front of a FILE (hive_out.c): the export writes
 * tens of MB and formats every byte itself instead of one stdio call per
 * field. Allocation failure aborts, as elsewhere in the CLI. */
typedef struct hive_out {
    FILE *f;
    char *buf;
    size_t len, cap;
    bool error; /* a write failed */
} hive_out;

/* f NULL: a growable memory buffer that is never written anywhere. */
void hive_out_init(hive_out *o, FILE *f);
/* Writes what is buffered to o->f (a memory buffer grows instead). */
void hive_out_flush(hive_out *o);
/* Flushes, releases the buffer; returns 0, or -1 when any write failed. */
int hive_out_fini(hive_out *o);
void hive_out_write(hive_out *o, const void *p, size_t n);
static inline void hive_out_str(hive_out *o, const char *s, size_t n)
{
    if (o->cap - o->len >= n) {
        for (size_t i = 0; i < n; i++)
            o->buf[o->len + i] = s[i];
        o->len += n;
    } else {
        hive_out_write(o, s, n);
    }
}
#define HIVE_OUT_LIT(o, lit) hive_out_str((o), (lit), sizeof(lit) - 1)
/* The inside of a JSON string (no quotes), escaped as hive_json_string. */
void hive_out_json_body(hive_out *o, const char *s, size_t len);
/* Lowercase hex of n bytes. */
void hive_out_hex(hive_out *o, const uint8_t *p, size_t n);
void hive_out_uint(hive_out *o, uint64_t v);
/* FILETIME as YYYY-MM-DDTHH:MM:SS.fffffffZ into buf (>= 32 bytes),
 * NUL-terminated; returns the length. */
size_t hive_time_text(uint64_t ft, char *buf);

/* Reads a value's whole data into malloc'd memory (limited to 256 MiB). */
int hive_value_bytes(const nthive_value *v, uint8_t **data, size_t *len);

/* Depth-first walk with paths: calls `fn` for each key with its path
 * relative to the root. Reports damage on stderr and goes on; returns the
 * exit code (0, or 3 when anything was damaged). `max_depth` 0 walks to
 * the library's safety limit (reported as damage when hit); N > 0 stops
 * quietly N levels below `start` (the user's --depth). */
typedef int (*hive_key_fn)(hive_file *f, const nthive_key *key, const char *path, size_t path_len,
                           uint32_t depth, void *ctx);
int hive_walk(hive_file *f, const nthive_key *start, const char *start_path, size_t start_len,
              uint32_t max_depth, hive_key_fn fn, void *ctx);

/* ---- shared by the subcommands (hive_main.c) ---- */

/* Parses an option every subcommand shares at argv[*i]: --heap SIZE, and
 * --depth N when max_depth is not NULL. Returns 1 when it took the option
 * and its argument (*i moves past them), 0 when argv[*i] is not one, -1
 * after printing a usage error ("ntkit: hive CMD: ..."). */
int hive_parse_common_opt(const char *cmd, int argc, char **argv, int *i, hive_opts *o, uint32_t *max_depth);

/* Opens the hive and the key KEYPATH in it (NULL: the root), with its path
 * as stored; prints the error and returns an exit code on failure (nothing
 * is then held). */
int hive_open_subtree(hive_file *f, const char *file, const hive_opts *o, const char *keypath,
                      nthive_key *key, char **canon, size_t *canon_len);

/* Calls fn for each value of `key`, in list order. A damaged list or entry
 * is reported and skipped. Returns 1 when anything was damaged (or fn
 * returned non-zero for a value), else 0. */
typedef int (*hive_value_fn)(hive_file *f, const nthive_value *v, void *ctx);
int hive_each_value(hive_file *f, const nthive_key *key, hive_value_fn fn, void *ctx);

/* Converts a name into a scratch buffer that grows as needed (*buf may be
 * NULL at first; free it when done); returns the UTF-8 length. The buffer
 * is NUL-terminated. */
size_t hive_name_scratch(char **buf, size_t *cap, const nthive_name *n);

int hive_cmd_info(int argc, char **argv);
int hive_cmd_find(int argc, char **argv);
int hive_cmd_ls(int argc, char **argv);
int hive_cmd_get(int argc, char **argv);
int hive_cmd_export(int argc, char **argv);

#endif
