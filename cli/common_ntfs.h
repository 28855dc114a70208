/* Pieces every `ntkit ntfs` command shares: the pread read callback, the
 * mapping from status to exit code, and the one-line error report. */
#ifndef NTKIT_CLI_COMMON_NTFS_H
#define NTKIT_CLI_COMMON_NTFS_H

#include <stddef.h>
#include <stdint.h>

#include "common_arena.h"
#include "ntcore/status.h"

/* Reads `len` bytes at `base + off` of `fd`, retrying short reads and
 * EINTR. Returns 0, or -1 on an error or end of file. */
int cli_ntfs_pread(int fd, uint64_t base, uint64_t off, void *buf, size_t len);

/* The exit code for a libntfs status (see commands.h). */
int cli_ntfs_exit_code(int st);

/* Prints "ntkit: NAME: [WHAT: ]problem at 0xOFF (MFT record N): rule" (the
 * offset shifted by `base`), or the --heap message when `arena` ran out, and
 * returns the exit code. */
int cli_ntfs_report(const char *name, const cli_arena *arena, uint64_t base, int st, const nt_diag *d,
                    const char *what);

#endif
