#include "common_ntfs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "commands.h"

int cli_ntfs_pread(int fd, uint64_t base, uint64_t off, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t n = pread(fd, p, len, (off_t)(base + off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

int cli_ntfs_exit_code(int st)
{
    switch (st) {
    case NT_OK:
    case NT_END:
        return EXIT_NTKIT_OK;
    case NT_ERR_NOT_FOUND:
        return EXIT_NTKIT_NOT_FOUND;
    case NT_ERR_IO:
    case NT_ERR_NOMEM:
        return EXIT_NTKIT_IO;
    case NT_ERR_INVALID:
        return EXIT_NTKIT_USAGE;
    default:
        return EXIT_NTKIT_CORRUPT;
    }
}

int cli_ntfs_report(const char *name, const cli_arena *arena, uint64_t base, int st, const nt_diag *d,
                    const char *what)
{
    if (st == NT_ERR_NOMEM || arena->exhausted) {
        if (!cli_arena_report_exhausted(arena, "ntkit"))
            fprintf(stderr, "ntkit: %s: out of parser memory; rerun with a larger --heap\n", name);
        return EXIT_NTKIT_IO;
    }
    fprintf(stderr, "ntkit: %s: ", name);
    if (what)
        fprintf(stderr, "%s: ", what);
    fprintf(stderr, "%s", st == NT_ERR_CORRUPT ? "corrupt volume" : nt_strerror(st));
    if (d && d->status == st && d->rule) {
        if (d->offset != NT_DIAG_NO_OFFSET)
            fprintf(stderr, " at 0x%" PRIx64, d->offset + base);
        if (d->record != NT_DIAG_NO_RECORD)
            fprintf(stderr, " (MFT record %" PRIu64 ")", d->record);
        fprintf(stderr, ": %s", d->rule);
    }
    fputc('\n', stderr);
    return cli_ntfs_exit_code(st);
}
