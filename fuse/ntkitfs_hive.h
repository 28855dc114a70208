/* ntkitfs --hive: mounts a registry hive read-only (keys = directories,
 * values = files with the raw data, "@" = the default value). */
#ifndef NTKITFS_HIVE_H
#define NTKITFS_HIVE_H

struct fuse_args;

/* Reads the hive `path` names (a host file, FILE.gz or IMAGE::PATH, as in
 * cli/common_hive_source.h), mounts it on `mountpoint` and serves until
 * unmounted.
 * Returns the process exit status (prints a one-line error on failure). */
int ntkitfs_hive_run(const char *path, const char *mountpoint, struct fuse_args *args, int foreground);

/* Whether a dirty hive is mounted with its transaction logs applied
 * (HIVE.LOG, HIVE.LOG1, HIVE.LOG2 beside it, any case, or in the same
 * directory inside the image), as `ntkit hive` does: 1 (the default) or 0
 * for the primary file as it is (what a --no-logs option would set). */
void ntkitfs_hive_logs(int apply);

#endif
