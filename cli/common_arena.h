/* The one heap the CLI gives the parsers: libntcore's chunk allocator over a
 * single mmap'd arena, sized by --heap. Pages are only touched when used, so
 * a generous default costs nothing: the bitmap is fresh zero pages (a valid
 * empty heap, not memset at start-up) and freed small blocks are recycled
 * (see below), so the resident size follows what the parsers hold, not
 * the arena size. When the parsers run out, the front end tells the user
 * which option to raise. */
#ifndef NTKIT_CLI_ARENA_H
#define NTKIT_CLI_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#include "ntcore/allocator.h"
#include "ntcore/chunk_alloc.h"

/* malloc/free behind the nt_allocator interface, for the few buffers a
 * front end lets a parser allocate outside the arena (a replayed hive is
 * as large as the hive itself). Alignment up to malloc's. */
extern const nt_allocator cli_libc_allocator;

#define CLI_ARENA_DEFAULT_BYTES ((size_t)256 << 20)

/* The chunk allocator searches next-fit: left alone it hands out fresh
 * pages until it wraps around the whole arena, so a long run of open/close
 * (ls -l over 100,000 files) touches ~1 KiB of new memory per file. Freed
 * blocks of up to CLI_ARENA_BIN_CHUNKS chunks therefore go to per-size
 * LIFO bins (at most CLI_ARENA_BIN_BYTES in all) and are handed out again
 * first; the bins are emptied into the heap before an allocation fails. */
#define CLI_ARENA_CHUNK 16u
#define CLI_ARENA_BIN_CHUNKS 256u
#define CLI_ARENA_BIN_BYTES ((size_t)1 << 20)

typedef struct cli_arena {
    nt_chunk_heap heap;
    nt_allocator iface;   /* hand &arena.iface to a parser */
    void *mem;
    size_t bytes;
    void *bitmap;
    size_t bitmap_bytes;
    bool exhausted;       /* an allocation failed for lack of space */
    size_t failed_size;   /* the size of the last failed request */
    void *bins[CLI_ARENA_BIN_CHUNKS + 1]; /* freed blocks by chunk count, linked through their first word */
    size_t binned_bytes;  /* bytes held in the bins */
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
