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

#endif
