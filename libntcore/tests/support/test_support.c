#define _POSIX_C_SOURCE 200809L
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct block {
    void *ptr;
    size_t size, align;
} block;

typedef struct book {
    block *v;
    size_t n, cap;
} book;

static void *ta_alloc(void *ctx, size_t size, size_t align)
{
    test_allocator *ta = ctx;
    book *b = ta->blocks;
    void *p;

    if (ta->fail_at >= 0 && (size_t)ta->fail_at == ta->total_allocs++) {
        ta->failures++;
        return NULL;
    }
    if (ta->fail_at < 0)
        ta->total_allocs++;
    if (align < sizeof(void *))
        align = sizeof(void *);
    if (posix_memalign(&p, align, size))
        return NULL;
    memset(p, 0xA5, size); /* never hand out zeroed memory by accident */
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->v = realloc(b->v, b->cap * sizeof *b->v);
        if (!b->v)
            abort();
    }
    b->v[b->n++] = (block){p, size, align};
    ta->live_blocks++;
    ta->live_bytes += size;
    if (ta->live_bytes > ta->peak_bytes)
        ta->peak_bytes = ta->live_bytes;
    return p;
}

static long find_block(book *b, void *p)
{
    for (size_t i = b->n; i-- > 0;)
        if (b->v[i].ptr == p)
            return (long)i;
    return -1;
}

static void ta_free(void *ctx, void *ptr, size_t size, size_t align)
{
    test_allocator *ta = ctx;
    book *b = ta->blocks;
    long i = find_block(b, ptr);

    if (align < sizeof(void *))
        align = sizeof(void *);
    if (i < 0 || b->v[i].size != size || b->v[i].align != align) {
        ta->bad_frees++;
        return;
    }
    memset(ptr, 0x5A, size);
    free(ptr);
    b->v[i] = b->v[--b->n];
    ta->live_blocks--;
    ta->live_bytes -= size;
}

void test_allocator_init(test_allocator *ta)
{
    memset(ta, 0, sizeof *ta);
    ta->fail_at = -1;
    ta->blocks = calloc(1, sizeof(book));
    ta->iface.ctx = ta;
    ta->iface.alloc = ta_alloc;
    ta->iface.free = ta_free;
    ta->iface.realloc = NULL;
}

void test_allocator_destroy(test_allocator *ta)
{
    book *b = ta->blocks;
    for (size_t i = 0; i < b->n; i++)
        free(b->v[i].ptr);
    free(b->v);
    free(b);
    ta->blocks = NULL;
}

const char *test_shared_dir(void)
{
    const char *d = getenv("NTKIT_SHARED_TESTDATA");
    struct stat st;
    if (!d || !*d || stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return d;
}

uint8_t *test_read_file(const char *path, size_t *size)
{
    size_t n = strlen(path), cap = 1 << 20, len = 0;
    FILE *f;
    uint8_t *buf;
    int piped = 0;

    if (n > 3 && (!strcmp(path + n - 3, ".xz") || !strcmp(path + n - 3, ".gz"))) {
        char *cmd = malloc(n + 32);
        if (!cmd)
            return NULL;
        snprintf(cmd, n + 32, "%s -dc '%s'", path[n - 2] == 'x' ? "xz" : "gzip", path);
        f = popen(cmd, "r");
        free(cmd);
        piped = 1;
    } else {
        f = fopen(path, "rb");
    }
    if (!f)
        return NULL;
    buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len < cap)
            break;
        cap *= 2;
        uint8_t *nb = realloc(buf, cap);
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
    }
    if (piped ? pclose(f) != 0 : fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    *size = len;
    return buf;
}
