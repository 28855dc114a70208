/* ntcore/chunk_alloc.h - a bitmap chunk allocator over memory the caller
 * supplies (the C counterpart of the simple-chunk-allocator crate, reworked).
 *
 * The heap is cut into fixed-size chunks (default 16 bytes); one bit per
 * chunk, kept in a separate bitmap, says whether it is in use. There is no
 * header in front of a block: `free` gets the size back from the caller, as
 * the nt_allocator interface guarantees. What it fixes in the original:
 *
 * - small chunks (16 B) so small objects waste at most 15 bytes each;
 * - the bitmap is searched a 64-bit word at a time (count-trailing-zeros,
 *   shift-and-AND run detection), never a bit at a time; summary trees skip
 *   full words 64 and 4096 at a time, and requests of n >= 128 chunks jump
 *   straight to runs of (n - 63) / 64 wholly free words instead of walking
 *   every hole too small for them;
 * - a next-fit hint (the end of the last allocation) where searches start;
 * - a request larger than the free chunk count, or not smaller than a known
 *   bound on the largest free run, fails in O(1) instead of scanning the heap
 *   (the bound is set by a failed search and by the heap filling up, raised
 *   by frees); a search that does run reads each bitmap word about once;
 * - free is O(1) for blocks of up to 64 chunks (O(chunks/64) in general);
 * - realloc shrinks in place and grows in place when the next chunks are
 *   free;
 * - any power-of-two alignment: the search looks only at starts whose
 *   address is aligned, so the heap base need only be chunk-aligned;
 * - no undefined behaviour on bad requests: zero, overflowing and
 *   non-power-of-two requests return NULL; foreign pointers are rejected.
 *
 * Bitmap layout (all uint64_t): level 0 has one bit per chunk (1 = used).
 * Two summary trees follow, each a level-1 word array (one bit per level-0
 * word) and a level-2 array (one bit per level-1 word): the "full" tree
 * marks level-0 words with no free chunk (so scans skip them), the "busy"
 * tree marks level-0 words with any used chunk (so large requests find
 * stretches of wholly free words). Every bit is 0 for an empty heap, so an
 * all-zero bitmap is a valid empty heap. About 1/(8 x chunk_size) of the
 * heap: 0.81% at 16-byte chunks.
 *
 * Debug checks: when NT_DEBUG is defined (Debug and sanitizer builds), free
 * and realloc also verify that every chunk of the block is in use (a double
 * free or a wrong size is caught), and freed memory is poisoned with 0xDD.
 * Detected misuse never traps: the call does nothing and increments the
 * `bad_frees` counter reported by nt_chunk_get_stats. Foreign pointers
 * (outside the heap or not chunk-aligned) are rejected in every build.
 *
 * Not thread-safe: wrap calls in a lock if several threads share a heap.
 * All state lives in nt_chunk_heap and the two memory regions. */
#ifndef NTCORE_CHUNK_ALLOC_H
#define NTCORE_CHUNK_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "ntcore/allocator.h"
#include "ntcore/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Chunk size used when nt_chunk_init gets chunk_size 0. */
#define NT_CHUNK_DEFAULT_SIZE 16u

/* The allocator's state. The caller owns it; treat the fields as private
 * and use the functions below (they are public only so that the struct can
 * live on the stack or in .data and be set up by NT_CHUNK_HEAP_INIT). */
typedef struct nt_chunk_heap {
    unsigned char *base; /* first chunk */
    uint64_t *map;       /* level 0, then the "full" tree, then the "busy" tree */
    size_t nchunks;      /* chunks in the heap */
    size_t n0, n1, n2;   /* words in each bitmap level */
    unsigned shift;      /* log2(chunk size) */
    size_t used;         /* chunks in use */
    size_t peak;         /* highest `used` since init/reset */
    size_t hint;         /* next-fit: where the next search starts */
    size_t fail_from;    /* 0 = unknown, else every free run is shorter than this */
    size_t bad_frees;    /* rejected frees/reallocs */
} nt_chunk_heap;

/* What nt_chunk_get_stats reports. Sizes are in bytes unless noted. */
typedef struct nt_chunk_stats {
    size_t chunk_size;
    size_t capacity;         /* chunks x chunk_size: what can be handed out */
    size_t used;             /* bytes in used chunks (requests rounded up to chunks) */
    size_t peak;             /* highest `used` since init or reset */
    size_t free_chunks;      /* chunks not in use */
    size_t largest_free_run; /* longest run of free chunks, in chunks */
    size_t bad_frees;        /* frees/reallocs rejected (see "Debug checks") */
} nt_chunk_stats;

/* Internal helpers for the macros below: words per bitmap level. */
#define NT_CHUNK_W_(n) (((n) + 63u) / 64u)
#define NT_CHUNK_MAP_WORDS_(nch)                                                                                 \
    (NT_CHUNK_W_(nch) + 2u * (NT_CHUNK_W_(NT_CHUNK_W_(nch)) + NT_CHUNK_W_(NT_CHUNK_W_(NT_CHUNK_W_(nch)))))

/* NT_CHUNK_BITMAP_BYTES(heap_bytes, chunk_size): the same number as
 * nt_chunk_bitmap_bytes, as a constant expression for sizing static arrays
 * (the array must be uint64_t-aligned: declare it as uint64_t[bytes / 8]). */
#define NT_CHUNK_BITMAP_BYTES(heap_bytes, chunk_size) (8u * NT_CHUNK_MAP_WORDS_((heap_bytes) / (chunk_size)))

/* NT_CHUNK_HEAP_INIT(heap, heap_bytes, bitmap, chunk_shift): a static
 * initialiser, for heaps set up at compile time without calling
 * nt_chunk_init (as the crate's `new_const`). The bitmap must be zero-filled
 * (a static array in .bss is) and hold NT_CHUNK_BITMAP_BYTES(heap_bytes,
 * 1 << chunk_shift) bytes; the heap must be aligned to 1 << chunk_shift,
 * and chunk_shift must be 3 to 16 (8- to 65536-byte chunks).
 * Nothing is validated here: nt_chunk_check() can verify it at run time.
 *
 *     static _Alignas(16) unsigned char arena[1 << 20];
 *     static uint64_t arena_map[NT_CHUNK_BITMAP_BYTES(sizeof arena, 16) / 8];
 *     static nt_chunk_heap heap = NT_CHUNK_HEAP_INIT(arena, sizeof arena, arena_map, 4);
 */
#define NT_CHUNK_HEAP_INIT(heap, heap_bytes, bitmap, chunk_shift)                                                \
    {                                                                                                            \
        .base = (unsigned char *)(heap), .map = (uint64_t *)(bitmap), .nchunks = (heap_bytes) >> (chunk_shift), \
        .n0 = NT_CHUNK_W_((heap_bytes) >> (chunk_shift)),                                                        \
        .n1 = NT_CHUNK_W_(NT_CHUNK_W_((heap_bytes) >> (chunk_shift))),                                           \
        .n2 = NT_CHUNK_W_(NT_CHUNK_W_(NT_CHUNK_W_((heap_bytes) >> (chunk_shift)))), .shift = (chunk_shift)      \
    }

/* Returns how many bitmap bytes nt_chunk_init needs for a heap of
 * `heap_bytes` cut into `chunk_size` chunks (0 = NT_CHUNK_DEFAULT_SIZE):
 * 8 x (level-0 words + 2 x (level-1 + level-2 words)), about heap_bytes /
 * (8 x chunk_size), i.e. 0.81% of the heap at 16-byte chunks. Returns 0 when
 * chunk_size is not a power of two or the heap holds no whole chunk. */
size_t nt_chunk_bitmap_bytes(size_t heap_bytes, size_t chunk_size);

/* Sets up `h` over `heap` (heap_bytes long) with bookkeeping in `bitmap`
 * (bitmap_bytes long; it zeroes the part it uses). Both regions stay owned by the
 * caller and must outlive `h`; they must not overlap. A trailing part of
 * the heap smaller than one chunk is not used.
 *
 * chunk_size: a power of two from 8 to 65536, or 0 for 16.
 *
 * Returns NT_OK, or
 * - NT_ERR_INVALID: h, heap or bitmap is NULL; chunk_size is not a power
 *   of two in range; the heap is not aligned to chunk_size or smaller than
 *   one chunk; the bitmap is not 8-byte aligned; the regions overlap.
 * - NT_ERR_RANGE: bitmap_bytes < nt_chunk_bitmap_bytes(heap_bytes, chunk_size).
 * On error `h` is left unchanged. */
int nt_chunk_init(nt_chunk_heap *h, void *heap, size_t heap_bytes, void *bitmap, size_t bitmap_bytes,
                  size_t chunk_size);

/* Returns the nt_allocator vtable (alloc, free, realloc) over `h`, to hand
 * to the parsers. `h` must outlive every use of it. */
nt_allocator nt_chunk_allocator(nt_chunk_heap *h);

/* Returns a block of at least `size` bytes whose address is a multiple of
 * `align`, or NULL when no free run fits. size 0 counts as 1; align 0 counts
 * as 1; any power of two is accepted (larger alignments cost search time and
 * padding). Returns NULL for a non-power-of-two alignment. The block spans
 * ceil(size / chunk_size) chunks, so the bytes up to that boundary are
 * usable too. A request of more chunks than are free, or of at least a
 * known bound on the largest free run, returns NULL without searching. */
void *nt_chunk_alloc(nt_chunk_heap *h, size_t size, size_t align);

/* Releases a block. `size` and `align` are those of the allocation (or the
 * last realloc). NULL is ignored. A pointer outside the heap, not on a chunk
 * boundary, or a block running past the heap end is not freed and counts in
 * bad_frees; with NT_DEBUG a block whose chunks are not all in use (double
 * free, wrong size) is also rejected and counted. O(1) up to 64 chunks. */
void nt_chunk_free(nt_chunk_heap *h, void *ptr, size_t size, size_t align);

/* Resizes a block to `new_size` bytes:
 * - the same chunk count: returns ptr;
 * - fewer chunks: releases the tail chunks and returns ptr;
 * - more chunks, and the chunks right after the block are free: takes them
 *   and returns ptr;
 * - otherwise allocates a new block aligned to `align`, copies
 *   min(old_size, new_size) bytes, frees the old one and returns the new.
 * Returns NULL when no block fits; the old block is then untouched. ptr NULL
 * acts as nt_chunk_alloc. A rejected pointer (see nt_chunk_free) returns
 * NULL and counts in bad_frees. */
void *nt_chunk_realloc(nt_chunk_heap *h, void *ptr, size_t old_size, size_t new_size, size_t align);

/* Fills `out` with the heap's statistics. O(bitmap size): it scans for the
 * largest free run. */
void nt_chunk_get_stats(const nt_chunk_heap *h, nt_chunk_stats *out);

/* Frees every block at once (zeroes the bitmap: O(bitmap size)) and
 * clears the counters, including peak and bad_frees. Pointers into the heap
 * become invalid. */
void nt_chunk_reset(nt_chunk_heap *h);

/* Verifies the allocator's invariants: the summary levels agree with level
 * 0, no bit is set past the last chunk, the used count equals the number of
 * set bits, the largest-free-run bound holds, the hint is inside the heap,
 * and the heap base is chunk-aligned. O(bitmap size). Returns NT_OK or
 * NT_ERR_CORRUPT (the bitmap was overwritten or the state is inconsistent),
 * or NT_ERR_INVALID for a NULL h. */
int nt_chunk_check(const nt_chunk_heap *h);

#ifdef __cplusplus
}
#endif
#endif
