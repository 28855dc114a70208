/* libFuzzer target: the input is a whole NTFS volume in memory. Mount,
 * walk the tree (bounded), stat, list names and attributes, read every
 * $DATA stream, reparse points, security descriptors (as SDDL) and quota
 * entries; then scan the MFT as the forensic commands do (every record,
 * deleted ones through their attribute lists, their data read) and parse
 * stream contents as change-journal records. WOF reads go through a
 * parallel hook that runs jobs in reverse order. Build with
 * -DNTKIT_FUZZ=ON and clang; run with libntfs/fuzz/run.sh SECONDS. */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntfs.h"
#include "ntfs_forensic.h"

typedef struct mem {
    const uint8_t *p;
    size_t n;
} mem;

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    const mem *m = ctx;
    if (off > m->n || len > m->n - off)
        return -1;
    memcpy(buf, m->p + off, len);
    return 0;
}

/* A plain malloc allocator with a budget, so unbounded allocation shows up
 * as a failure to respect the limit rather than an OOM kill. */
static size_t budget;
static void *a_alloc(void *ctx, size_t size, size_t align)
{
    void *p = NULL;
    (void)ctx;
    if (size > budget)
        return NULL;
    if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size))
        return NULL;
    budget -= size;
    return p;
}

static void a_free(void *ctx, void *p, size_t size, size_t align)
{
    (void)ctx;
    (void)align;
    budget += size;
    free(p);
}

/* The parallel hook, run on this thread last job first: the library must
 * not depend on the order its jobs run in (WOF batches). */
static void reverse_parallel(void *ctx, size_t n, void (*job)(void *arg, size_t i), void *arg)
{
    (void)ctx;
    while (n--)
        job(arg, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[65536];
    static ntfs_reparse rp;
    mem m = {data, size};
    ntfs_config cfg;
    ntfs_volume *v;
    ntfs_volume_info vi;
    uint64_t stack[32];
    size_t n = 0, entries = 0;

    memset(&cfg, 0, sizeof cfg);
    cfg.ctx = &m;
    cfg.read = mem_read;
    cfg.allocator.alloc = a_alloc;
    cfg.allocator.free = a_free;
    /* With the size the library refuses volumes larger than the image;
     * without it (odd-sized inputs) it must cope with reads past the end. */
    cfg.volume_size = (size & 1) ? 0 : size;
    cfg.mft_cache_records = 4;
    cfg.index_cache_blocks = 2;
    /* Half the inputs decode WOF batches in three jobs, half in one. */
    if (size & 2) {
        cfg.parallel = reverse_parallel;
        cfg.parallel_width = 3;
    }
    budget = 64u << 20;
    if (ntfs_mount(&cfg, &v, NULL) != NT_OK)
        return 0;
    /* Counting free clusters walks all of $Bitmap: keep inputs fast. */
    if (ntfs_volume_get_info(v, false, &vi) == NT_OK && vi.total_clusters < (1u << 20))
        ntfs_volume_get_info(v, true, &vi);
    stack[n++] = NTFS_REC_ROOT;
    while (n && entries < 2000) {
        uint64_t ref = stack[--n];
        ntfs_file *dir;
        ntfs_dir *it;
        ntfs_dirent de;
        if (ntfs_open_ref(v, ref, &dir) != NT_OK)
            continue;
        if (ntfs_dir_open(dir, &it) == NT_OK) {
            while (entries++ < 2000 && ntfs_dir_next(it, &de) == NT_OK) {
                ntfs_file *f;
                ntfs_stat st;
                ntfs_attr_info ai;
                ntfs_name nm;
                size_t cur = 0, got, len;
                uint64_t r2;
                char sid[256];
                if (ntfs_open_ref(v, de.ref, &f) != NT_OK)
                    continue;
                if (ntfs_file_stat(f, &st) == NT_OK && st.is_dir && n < 32)
                    stack[n++] = de.ref;
                while (ntfs_file_next_name(f, &cur, &nm) == NT_OK)
                    ;
                cur = 0;
                while (ntfs_file_next_attr(f, &cur, &ai) == NT_OK) {
                    ntfs_stream *s;
                    if (ai.lowest_vcn != 0 || ai.type == NTFS_AT_ATTRIBUTE_LIST)
                        continue;
                    if (ntfs_stream_open(f, ai.type, ai.name, &s) != NT_OK)
                        continue;
                    for (uint64_t off = 0; off < ntfs_stream_size(s) && off < (128u << 10); off += got)
                        if (ntfs_stream_read(s, off, buf, sizeof buf, &got) != NT_OK || !got)
                            break;
                    ntfs_stream_read(s, ntfs_stream_size(s) / 2 + 1, buf, 777, &got);
                    ntfs_stream_close(s);
                }
                ntfs_readlink(f, &rp);
                if (ntfs_file_security(f, buf, sizeof buf, &len) == NT_OK) {
                    static char sddl[8192];
                    size_t slen;
                    ntfs_sd_owner_string(buf, len, sid, sizeof sid);
                    ntfs_sd_to_sddl(buf, len, sddl, sizeof sddl, &slen, NULL);
                }
                if (st.owner_id) {
                    ntfs_quota q;
                    ntfs_quota_get(v, st.owner_id, &q);
                }
                if (st.is_dir)
                    ntfs_dir_lookup(f, "a", 1, &r2);
                ntfs_close(f);
            }
            ntfs_dir_close(it);
        }
        ntfs_close(dir);
    }
    {
        ntfs_file *f;
        ntfs_quota q;
        if (ntfs_open_path(v, "/dir/../a\\b/c", &f) == NT_OK)
            ntfs_close(f);
        ntfs_quota_get(v, 0x100, &q);
    }
    /* What `ntkit ntfs deleted` and `cat --mft` do: every record slot
     * (bounded), deleted ones too; their data, and whether its clusters
     * are in use again; the bytes parsed as USN records as `usn` does. */
    {
        uint64_t count = ntfs_mft_record_count(v);
        static ntfs_mft_entry e;
        for (uint64_t r = 0; r < count && r < 512; r++) {
            ntfs_file *f;
            ntfs_stream *s;
            size_t got;
            if (ntfs_mft_read_entry(v, r, &e) != NT_OK || e.in_use)
                continue;
            if (ntfs_mft_open_record(v, r, &f) != NT_OK)
                continue;
            if (ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s) == NT_OK) {
                ntfs_run run;
                uint64_t used;
                if (ntfs_stream_read(s, 0, buf, sizeof buf, &got) == NT_OK) {
                    ntfs_usn_record u;
                    for (size_t off = 0; off + 8 <= got;) {
                        if (ntfs_usn_record_parse(buf + off, got - off, &u, NULL) != NT_OK || !u.length)
                            break;
                        off += u.length;
                    }
                }
                if (ntfs_stream_get_run(s, 0, &run) == NT_OK && run.lcn >= 0)
                    ntfs_clusters_in_use(v, (uint64_t)run.lcn, run.length < 4096 ? run.length : 4096, &used);
                ntfs_stream_close(s);
            }
            ntfs_close(f);
        }
    }
    ntfs_unmount(v);
    return 0;
}
