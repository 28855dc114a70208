/* ntcore/allocator.h - the one allocator interface every ntkit parser takes.
 *
 * Shaped like zlib's zalloc/zfree/opaque: the caller owns the memory and the
 * policy, the parser only asks. `free` gets the size and alignment back (as
 * Rust's GlobalAlloc::dealloc does), so an allocator needs no per-block
 * header. */
#ifndef NTCORE_ALLOCATOR_H
#define NTCORE_ALLOCATOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nt_allocator {
    void *ctx;
    /* Returns `size` bytes aligned to `align` (a power of two), or NULL.
     * Callers never pass size 0. */
    void *(*alloc)(void *ctx, size_t size, size_t align);
    /* Releases a block; `size` and `align` are exactly what was allocated
     * (or last reallocated to). */
    void (*free)(void *ctx, void *ptr, size_t size, size_t align);
    /* Optional (may be NULL): grows or shrinks, in place when possible.
     * Returns the new block or NULL (the old block is then still valid). */
    void *(*realloc)(void *ctx, void *ptr, size_t old_size, size_t new_size, size_t align);
} nt_allocator;

/* Allocates `size` bytes aligned to `align`; size 0 is rounded up to 1.
 * Returns NULL when the allocator is out of memory. */
static inline void *nt_alloc(const nt_allocator *a, size_t size, size_t align)
{
    return a->alloc(a->ctx, size ? size : 1, align);
}

/* Frees what nt_alloc returned; NULL is ignored. */
static inline void nt_free(const nt_allocator *a, void *ptr, size_t size, size_t align)
{
    if (ptr)
        a->free(a->ctx, ptr, size ? size : 1, align);
}

/* Allocates `count * elem` bytes, or NULL when the product overflows or the
 * allocator is out of memory. */
static inline void *nt_alloc_array(const nt_allocator *a, size_t count, size_t elem, size_t align)
{
    if (elem && count > SIZE_MAX / elem)
        return 0;
    return nt_alloc(a, count * elem, align);
}

/* Resizes a block. Uses the allocator's realloc when it has one, otherwise
 * allocates, copies min(old, new) bytes and frees. `ptr` NULL acts as
 * nt_alloc. On failure returns NULL and leaves the old block untouched. */
void *nt_realloc(const nt_allocator *a, void *ptr, size_t old_size, size_t new_size, size_t align);

#define NT_NEW(a, T) ((T *)nt_alloc((a), sizeof(T), _Alignof(T)))
#define NT_DELETE(a, p, T) nt_free((a), (p), sizeof(T), _Alignof(T))

#ifdef __cplusplus
}
#endif
#endif
