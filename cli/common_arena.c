#include "common_arena.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

static void *libc_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx, (void)align;
    return malloc(size ? size : 1);
}

static void libc_free(void *ctx, void *p, size_t size, size_t align)
{
    (void)ctx, (void)size, (void)align;
    free(p);
}

const nt_allocator cli_libc_allocator = {NULL, libc_alloc, libc_free, NULL};

static size_t chunks_of(size_t size)
{
    return size ? (size + CLI_ARENA_CHUNK - 1) / CLI_ARENA_CHUNK : 1;
}

/* Returns every binned block to the heap. */
static void bins_flush(cli_arena *a)
{
    for (size_t n = 1; n <= CLI_ARENA_BIN_CHUNKS; n++)
        while (a->bins[n]) {
            void *p = a->bins[n];
            a->bins[n] = *(void **)p;
            nt_chunk_free(&a->heap, p, n * CLI_ARENA_CHUNK, CLI_ARENA_CHUNK);
        }
    a->binned_bytes = 0;
}

static void *arena_alloc(void *ctx, size_t size, size_t align)
{
    cli_arena *a = ctx;
    size_t n = chunks_of(size);
    void *p;

    if (n <= CLI_ARENA_BIN_CHUNKS && a->bins[n] &&
        (align <= CLI_ARENA_CHUNK || ((uintptr_t)a->bins[n] & (align - 1)) == 0)) {
        p = a->bins[n];
        a->bins[n] = *(void **)p;
        a->binned_bytes -= n * CLI_ARENA_CHUNK;
        return p;
    }
    p = nt_chunk_alloc(&a->heap, size, align);
    if (!p && a->binned_bytes) {
        bins_flush(a);
        p = nt_chunk_alloc(&a->heap, size, align);
    }
    if (!p) {
        a->exhausted = true;
        a->failed_size = size;
    }
    return p;
}

static void arena_free(void *ctx, void *ptr, size_t size, size_t align)
{
    cli_arena *a = ctx;
    size_t n = chunks_of(size);
    uintptr_t p = (uintptr_t)ptr, base = (uintptr_t)a->mem;

    /* Only blocks of this heap go to a bin (the heap rejects others). */
    if (ptr && n <= CLI_ARENA_BIN_CHUNKS && p >= base && p - base < a->bytes &&
        (p - base) % CLI_ARENA_CHUNK == 0 && a->binned_bytes + n * CLI_ARENA_CHUNK <= CLI_ARENA_BIN_BYTES) {
        *(void **)ptr = a->bins[n];
        a->bins[n] = ptr;
        a->binned_bytes += n * CLI_ARENA_CHUNK;
        return;
    }
    nt_chunk_free(&a->heap, ptr, size, align);
}

static void *arena_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size, size_t align)
{
    cli_arena *a = ctx;
    void *p;

    if (!ptr)
        return arena_alloc(ctx, new_size, align);
    p = nt_chunk_realloc(&a->heap, ptr, old_size, new_size, align);
    if (!p && a->binned_bytes) {
        bins_flush(a);
        p = nt_chunk_realloc(&a->heap, ptr, old_size, new_size, align);
    }
    if (!p) {
        a->exhausted = true;
        a->failed_size = new_size;
    }
    return p;
}

int cli_arena_init(cli_arena *a, size_t bytes)
{
    if (!bytes)
        bytes = CLI_ARENA_DEFAULT_BYTES;
    bytes = (bytes + 4095) & ~(size_t)4095;
    *a = (cli_arena){0};
    a->bitmap_bytes = nt_chunk_bitmap_bytes(bytes, CLI_ARENA_CHUNK);
    a->mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (a->mem == MAP_FAILED)
        return -1;
    a->bitmap = mmap(NULL, a->bitmap_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
    if (a->bitmap == MAP_FAILED) {
        munmap(a->mem, bytes);
        return -1;
    }
    a->bytes = bytes;
    /* Fresh anonymous pages are zero, and an all-zero bitmap is an empty
     * heap: set the heap up without nt_chunk_init's memset, which would
     * touch every bitmap page (2 MiB for the default 256 MiB) at start-up.
     * Both regions are page-aligned, as the initialiser requires. */
    _Static_assert(CLI_ARENA_CHUNK == 1u << 4, "chunk shift below");
    a->heap = (nt_chunk_heap)NT_CHUNK_HEAP_INIT(a->mem, bytes, a->bitmap, 4);
    a->iface = (nt_allocator){.ctx = a, .alloc = arena_alloc, .free = arena_free, .realloc = arena_realloc};
    return 0;
}

void cli_arena_fini(cli_arena *a)
{
    if (a->mem && a->mem != MAP_FAILED)
        munmap(a->mem, a->bytes);
    if (a->bitmap && a->bitmap != MAP_FAILED)
        munmap(a->bitmap, a->bitmap_bytes);
    *a = (cli_arena){0};
}

int cli_parse_size(const char *text, size_t *out)
{
    char *end;
    unsigned long long v;
    unsigned shift = 0;

    if (!text || *text < '0' || *text > '9')
        return -1;
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno)
        return -1;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (*end == 'i' && shift)
        end++;
    if ((*end == 'B' || *end == 'b') && end[1] == '\0')
        end++;
    if (*end != '\0' || v == 0 || v > (SIZE_MAX >> shift))
        return -1;
    *out = (size_t)v << shift;
    return 0;
}

bool cli_arena_report_exhausted(const cli_arena *a, const char *prog)
{
    nt_chunk_stats st;
    if (!a->exhausted)
        return false;
    nt_chunk_get_stats(&a->heap, &st);
    fprintf(stderr, "%s: out of parser memory (--heap %zu MiB, peak %zu MiB, request of %zu bytes failed); "
            "rerun with a larger --heap, e.g. --heap %zuM\n",
            prog, a->bytes >> 20, st.peak >> 20, a->failed_size, 2 * (a->bytes >> 20));
    return true;
}
