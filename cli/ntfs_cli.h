/* ntfs_cli.h - what the `ntkit ntfs` commands share (hosted code): their
 * options, the opened image (plain, gzip, MBR/GPT disk, IMAGE@N or
 * --offset, through common_image), one-line error reports and the
 * formatting of times, attributes and JSON strings. */
#ifndef NTKIT_CLI_NTFS_CLI_H
#define NTKIT_CLI_NTFS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common_arena.h"
#include "common_image.h"
#include "ntfs.h"

/* find's tests (ntfs_find.c). */
typedef struct cli_ntfs_find_opts {
    const char *name;          /* -name/-iname GLOB (case-insensitive) */
    const char *cname;         /* -cname GLOB (case-sensitive) */
    char type;                 /* 'f', 'd', 'l' or 0 */
    int size_cmp;              /* -1 less, 0 equal, +1 more; only if has_size */
    bool has_size;
    uint64_t size, size_unit;
    bool has_newer, has_older;
    int64_t newer, older;      /* Unix seconds (UTC) */
} cli_ntfs_find_opts;

typedef struct cli_ntfs_opts {
    uint64_t offset;
    bool has_offset;           /* --offset given: no partition table */
    size_t heap;
    bool json, longfmt, recursive, all, help;
    bool streams, quiet, progress; /* extract */
    const char *image;
    const char *path;
    const char *dest;          /* extract: the last positional argument */
    const char *mft;           /* cat --mft N[:STREAM] */
    cli_ntfs_find_opts find;
} cli_ntfs_opts;

typedef struct cli_ntfs_image {
    const char *name;
    int fd;                    /* plain images: the file (for splice-like use); else -1 */
    uint64_t offset;           /* the volume's byte offset in the image */
    uint64_t size;             /* the volume's size in bytes (0 unknown) */
    cli_image *img;
    cli_arena arena;
    ntfs_volume *vol;
} cli_ntfs_image;


/* Opens o->image (through common_image: IMAGE, IMAGE@N, .gz, or at
 * o->offset when o->has_offset) and mounts it; prints one error line and
 * returns an exit code on failure. */
int cli_ntfs_image_open(cli_ntfs_image *im, const cli_ntfs_opts *o);
void cli_ntfs_image_close(cli_ntfs_image *im);
/* The read callback behind the volume (ctx = the image). */
int cli_ntfs_image_read(void *ctx, uint64_t off, void *buf, size_t len);

/* The exit code for a write error on an output file (4), after printing
 * "ntkit: WHAT: strerror(err)". */
int cli_ntfs_write_error(const char *what, int err);

/* One line: file, what, offset, record, rule; returns the exit code. */
int cli_ntfs_ireport(cli_ntfs_image *im, int st, const nt_diag *d, const char *what);
/* The same with the volume's own diagnostics. */
int cli_ntfs_vreport(cli_ntfs_image *im, int st, const char *what);

/* FILETIME as YYYY-MM-DDTHH:MM:SS.fffffffZ. */
void cli_ntfs_fmt_time(uint64_t ft, char *buf, size_t cap);
/* Bytes as a quoted JSON string. */
void cli_ntfs_json_str(FILE *f, const char *s, size_t n);
/* File attribute flags as "RHSACPELTOI" letters or '-' (buf >= 12). */
void cli_ntfs_fmt_attrs(uint32_t a, char *buf);
/* File attribute flags as a JSON array of names. */
void cli_ntfs_json_attr_names(FILE *f, uint32_t a);
const char *cli_ntfs_ns_name(uint8_t ns);
const char *cli_ntfs_attr_type_name(uint32_t t);
/* "file", "dir" or "symlink" (symbolic links and junctions). */
const char *cli_ntfs_type_of(const ntfs_stat *st);

/* "/a/b" form of a user path (backslashes and repeated separators folded; "" for
 * the root). Returns malloc'd memory or NULL. */
char *cli_ntfs_canonical_path(const char *p);

/* FILETIME (100 ns since 1601) to Unix seconds and nanoseconds. */
int64_t cli_ntfs_unix_secs(uint64_t ft);
long cli_ntfs_unix_nsec(uint64_t ft);

/* One directory entry, from the $I30 index copy (sizes and times may be
 * stale: open the record for current ones). */
typedef struct cli_ntfs_entry {
    uint64_t ref;
    bool is_dir;
    uint32_t reparse_tag;
    uint64_t size;             /* index copy of the data size */
    size_t name_len;
    char *name;                /* NUL-terminated UTF-8 (malloc'd) */
} cli_ntfs_entry;

/* Reads every entry of directory `ref` (`shown` names it in errors) into a
 * malloc'd array, leaving out NTFS system files (records below 16) unless
 * `all`. On a damaged index the entries read so far are kept, the error is
 * reported in one line and its exit code returned (else 0). */
int cli_ntfs_read_dir(cli_ntfs_image *im, uint64_t ref, const char *shown, bool all, cli_ntfs_entry **out,
                      size_t *count);
void cli_ntfs_free_entries(cli_ntfs_entry *e, size_t count);

/* A set of MFT record numbers (directories already walked: loops, links). */
typedef struct cli_ntfs_recset {
    uint8_t *bits;
    size_t bytes;
} cli_ntfs_recset;
/* Marks `rec`; returns true when it was marked already (or on no memory). */
bool cli_ntfs_recset_mark(cli_ntfs_recset *s, uint64_t rec);

/* ntkit ntfs ls (ntfs_ls.c). */
int cli_ntfs_ls(cli_ntfs_image *im, const cli_ntfs_opts *o);
/* ntkit ntfs find (ntfs_find.c). */
int cli_ntfs_find(cli_ntfs_image *im, const cli_ntfs_opts *o);
/* Parses find's tests at argv[*i] (advancing *i past their values).
 * Returns 1 when argv[*i] was a find test, 0 when not, -1 on a bad value
 * (message printed). */
int cli_ntfs_find_parse(cli_ntfs_find_opts *f, int argc, char **argv, int *i);
/* ntkit ntfs extract (ntfs_extract.c). */
int cli_ntfs_extract(cli_ntfs_image *im, const cli_ntfs_opts *o);

#endif
