/* The one heap the CLI gives the parsers: libntcore's chunk allocator over a
 * single mmap'd arena, sized by --heap. Pages are only touched when used, so
 * a generous default costs nothing. When the parsers run out, the front end
 * tells the user which option to raise. */
#ifndef NTKIT_CLI_ARENA_H
#define NTKIT_CLI_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#include "ntcore/allocator.h"
#include "ntcore/chunk_alloc.h"

#define CLI_ARENA_DEFAULT_BYTES ((size_t)256 << 20)

typedef struct cli_arena {
    nt_chunk_heap heap;
    nt_allocator iface;   /* hand &arena.iface to a parser */
    void *mem;
    size_t bytes;
    void *bitmap;
    size_t bitmap_bytes;
    bool exhausted;       /* an allocation failed for lack of space */
    size_t failed_size;   /* the size of the last failed request */
} cli_arena;

/* Maps `bytes` (0 = CLI_ARENA_DEFAULT_BYTES) of anonymous memory and sets up
 * the chunk allocator over it. Returns 0, or -1 with errno set. */
int cli_arena_init(cli_arena *a, size_t bytes);

/* Unmaps the arena. */
void cli_arena_fini(cli_arena *a);

/* Parses a size such as "512K", "64M", "2G" or "1048576" into *out.
 * Returns 0, or -1 when the text is not a size. */
int cli_parse_size(const char *text, size_t *out);

/* Prints "PROG: out of parser memory (--heap N MiB, peak P MiB); rerun with
 * a larger --heap" to stderr when the arena ran out; returns whether it did. */
bool cli_arena_report_exhausted(const cli_arena *a, const char *prog);

#endif
