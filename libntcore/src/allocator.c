/* The realloc fallback shared by every allocator user. */
#include "ntcore/allocator.h"

#include "ntcore/mem.h"

void *nt_realloc(const nt_allocator *a, void *ptr, size_t old_size, size_t new_size, size_t align)
{
    void *p;

    if (!ptr)
        return nt_alloc(a, new_size, align);
    if (!old_size)
        old_size = 1;
    if (!new_size)
        new_size = 1;
    if (a->realloc)
        return a->realloc(a->ctx, ptr, old_size, new_size, align);
    p = a->alloc(a->ctx, new_size, align);
    if (!p)
        return 0;
    nt_memcpy(p, ptr, old_size < new_size ? old_size : new_size);
    a->free(a->ctx, ptr, old_size, align);
    return p;
}
