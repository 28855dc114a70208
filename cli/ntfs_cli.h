/* ntfs_cli.h - what the `ntkit ntfs` info/ls/cat/stat commands share
 * (hosted code): their options, the opened image, one-line error reports
 * and the formatting of times, attributes and JSON strings. */
#ifndef NTKIT_CLI_NTFS_CLI_H
#define NTKIT_CLI_NTFS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common_arena.h"
#include "ntfs.h"

typedef struct cli_ntfs_opts {
    uint64_t offset;
    size_t heap;
    bool json, longfmt, recursive, all, help;
    const char *image;
    const char *path;
} cli_ntfs_opts;

typedef struct cli_ntfs_image {
    const char *name;
    int fd;
    uint64_t offset;
    uint64_t size;
    cli_arena arena;
    ntfs_volume *vol;
} cli_ntfs_image;


/* Opens o->image at o->offset and mounts it; prints the error and returns
 * an exit code on failure. */
int cli_ntfs_image_open(cli_ntfs_image *im, const cli_ntfs_opts *o);
void cli_ntfs_image_close(cli_ntfs_image *im);
/* The read callback behind the volume (ctx = the image). */
int cli_ntfs_image_read(void *ctx, uint64_t off, void *buf, size_t len);

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

/* ntkit ntfs ls (ntfs_ls.c). */
int cli_ntfs_ls(cli_ntfs_image *im, const cli_ntfs_opts *o);

#endif
