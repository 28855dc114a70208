/* ntcore/status.h - the status codes every ntkit library returns, and the
 * diagnostic record that says where a corrupt structure was found. */
#ifndef NTCORE_STATUS_H
#define NTCORE_STATUS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* NT_OK is success; negative values are failures; NT_END is the positive
 * value iterators return when there is nothing more. Functions return `int`
 * so that an enum/int mismatch never hides a negative code. */
typedef enum nt_status {
    NT_OK = 0,
    NT_END = 1,               /* iterator exhausted (not an error) */
    NT_ERR_IO = -1,           /* the caller's read callback failed */
    NT_ERR_NOMEM = -2,        /* the caller's allocator returned NULL */
    NT_ERR_CORRUPT = -3,      /* on-disk data breaks a rule of the format */
    NT_ERR_NOT_FOUND = -4,    /* no such key, value, file or stream */
    NT_ERR_UNSUPPORTED = -5,  /* valid format feature ntkit does not read */
    NT_ERR_INVALID = -6,      /* the caller passed a bad argument */
    NT_ERR_RANGE = -7,        /* caller buffer too small / offset out of range */
    NT_ERR_LIMIT = -8         /* a safety limit (depth, count, size) was hit */
} nt_status;

/* Returns a static, human-readable name for a status code ("corrupt data",
 * "not found", ...). Unknown codes give "unknown status". Never NULL. */
const char *nt_strerror(int status);

/* The last diagnostic of a hive or a volume: what failed, where, and which
 * rule was broken. `offset` is a byte offset (in the hive file or on the
 * volume); `record` is an MFT record number or NT_DIAG_NO_RECORD. `rule` is a
 * static string such as "lf entry points outside the hive data". */
typedef struct nt_diag {
    int status;
    uint64_t offset;
    uint64_t record;
    const char *rule;
} nt_diag;

#define NT_DIAG_NO_OFFSET UINT64_MAX
#define NT_DIAG_NO_RECORD UINT64_MAX

/* Clears a diagnostic to "no error". */
static inline void nt_diag_clear(nt_diag *d)
{
    d->status = NT_OK;
    d->offset = NT_DIAG_NO_OFFSET;
    d->record = NT_DIAG_NO_RECORD;
    d->rule = 0;
}

/* Records a failure and returns `status`, so a parser can write
 * `return nt_diag_set(&h->diag, NT_ERR_CORRUPT, off, "cell size is not 8-aligned");` */
static inline int nt_diag_set(nt_diag *d, int status, uint64_t offset, const char *rule)
{
    d->status = status;
    d->offset = offset;
    d->record = NT_DIAG_NO_RECORD;
    d->rule = rule;
    return status;
}

#ifdef __cplusplus
}
#endif
#endif
