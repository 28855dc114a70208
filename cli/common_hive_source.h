/* common_hive_source.h - where a hive's bytes come from (hosted code).
 *
 * Wherever a front end expects a HIVE it accepts a "spec":
 *   - a host file, read as it is ("SYSTEM");
 *   - a gzip-compressed host file ("SYSTEM.gz", or any host file that starts
 *     with the gzip magic), inflated into memory;
 *   - a file inside an NTFS image, "IMAGE::PATH" (IMAGE as cli_image_open
 *     takes it: a volume, an MBR/GPT disk, "IMAGE@N", a ".gz" image), read
 *     through libntfs without mounting anything: sparse and compressed files
 *     read transparently.
 *
 * A spec that exists as a host file is a host file, even when it contains
 * "::". Otherwise it splits at the first "::" whose left part is an existing
 * host file (or "FILE@N" with FILE existing); PATH is '/' or '\' separated
 * and case-insensitive, as Windows resolves it.
 *
 * Errors are one line, without the program name and without a newline:
 *   "disk.img::/Windows/System32/config/SYSTEM: no such file in the image"
 *   "disk.img::/x: cannot mount the NTFS volume: corrupt volume at 0x3000
 *    (MFT record 0): ..."
 * and the function returns the exit code (commands.h): 1 when the image or
 * the path is missing, 2 when the path is a directory, 3 for damaged or
 * foreign data (not NTFS, bad gzip, a file over 2 GiB), 4 for I/O errors. */
#ifndef NTKIT_CLI_COMMON_HIVE_SOURCE_H
#define NTKIT_CLI_COMMON_HIVE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest file read into memory: Windows' own limit for a hive. */
#define HIVE_SOURCE_MAX_BYTES ((uint64_t)2 << 30)

typedef enum hive_source_kind {
    HIVE_SOURCE_HOST = 0,    /* a plain host file (or one that does not exist) */
    HIVE_SOURCE_GZIP = 1,    /* a gzip-compressed host file */
    HIVE_SOURCE_IMAGE = 2,   /* IMAGE::PATH */
    HIVE_SOURCE_NO_IMAGE = 3 /* has "::" but no left part names a host file */
} hive_source_kind;

/* Classifies `spec` (stats host files, reads the first two bytes of an
 * existing host file; nothing else). For HIVE_SOURCE_IMAGE, `*split` (when
 * not NULL) receives the index of the "::"; for HIVE_SOURCE_NO_IMAGE the
 * index of the first "::". */
hive_source_kind hive_source_classify(const char *spec, size_t *split);

/* Reads the whole file `spec` names into malloc'd memory (`*data`, `*size`;
 * one spare byte is allocated past the end so an empty file has a valid
 * pointer). For a spec inside an image this is the unnamed $DATA stream.
 * Returns 0 or an exit code with `err` set (see above). The image stays
 * mounted (one at a time) until hive_source_release or exit, so reading the
 * hive and then its logs mounts once. */
int hive_source_read(const char *spec, uint8_t **data, size_t *size, char *err, size_t errlen);

/* Reads the first `cap` bytes at most of a plain host file (the base block
 * is enough to decide whether a hive is dirty); other kinds are read whole
 * and the start copied. `*got` receives the count. Same errors. */
int hive_source_read_head(const char *spec, void *buf, size_t cap, size_t *got, char *err, size_t errlen);

/* Files in the same directory as `spec` whose names are the spec's base name
 * followed by one of `suffixes` (compared ignoring ASCII case; for a gzip
 * host file the base name loses its ".gz"). Writes malloc'd specs of the
 * same kind (host paths, or "IMAGE::DIR/NAME" with the name as stored) into
 * `out`, sorted, at most `max`; returns how many. Finding none, or a
 * directory that cannot be read, gives 0. */
size_t hive_source_siblings(const char *spec, const char *const *suffixes, size_t nsuffixes, char **out,
                            size_t max);

/* Unmounts the cached image (also done at exit). */
void hive_source_release(void);

#endif
