/* Test support shared by every ntkit test (hosted code: libc allowed).
 *
 * - a checked allocator: libc-backed, records every block, verifies that
 *   free gets back the size and alignment it allocated, reports leaks, and
 *   can fail the N-th allocation (fault injection);
 * - helpers to locate ../shared/testdata and read whole files. */
#ifndef NTKIT_TEST_SUPPORT_H
#define NTKIT_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ntcore/allocator.h"

typedef struct test_allocator {
    nt_allocator iface;   /* hand &ta.iface to the code under test */
    size_t live_blocks;
    size_t live_bytes;
    size_t peak_bytes;
    size_t total_allocs;
    long fail_at;         /* fail the allocation with this 0-based index; -1 = never */
    size_t failures;      /* how many allocations were failed on purpose */
    size_t bad_frees;     /* frees with an unknown pointer or wrong size/align */
    void *blocks;         /* private bookkeeping */
} test_allocator;

void test_allocator_init(test_allocator *ta);
/* Frees remaining blocks (counted as leaks before) and the bookkeeping. */
void test_allocator_destroy(test_allocator *ta);

/* Directory of the shared real-Windows test data, or NULL when it is absent
 * (tests then call skip()). Uses $NTKIT_SHARED_TESTDATA. */
const char *test_shared_dir(void);

/* Reads a whole file into malloc'd memory; .xz and .gz files are
 * decompressed through xz/gzip. Returns NULL on failure. */
uint8_t *test_read_file(const char *path, size_t *size);

#endif
