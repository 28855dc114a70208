/* common_image.h - opening an NTFS image for any front end (hosted code).
 *
 * IMAGE may be
 *   - a bare volume image (the NTFS boot sector at byte 0),
 *   - a whole disk with an MBR (primary, extended and logical partitions) or
 *     a GPT (512- or 4096-byte sectors): the first NTFS partition is used,
 *     or partition N with the spec "IMAGE@N",
 *   - either of those compressed with gzip ("*.gz", or any file that starts
 *     with the gzip magic), read through zlib with an access index.
 *
 * An NTFS partition is recognised by the OEM id "NTFS    " at byte 3 of its
 * first sector. The result is a read callback + context for ntfs_config and
 * the volume's byte offset and size inside the image.
 *
 * Plain files are read with one pread per request straight into the caller's
 * buffer (no bounce buffer); the file is opened O_RDONLY and never written.
 *
 * Gzip images are indexed lazily: the first time a region is reached the
 * stream is inflated up to it, and every ~1 MiB (at a deflate block boundary)
 * a checkpoint with the 32 KiB dictionary is kept. A later read restarts at
 * the nearest checkpoint before it, so random access never re-inflates from
 * the start. Memory is bounded: at most CLI_IMAGE_GZ_MAX_POINTS checkpoints
 * (the spacing doubles when they run out; all-zero dictionaries cost
 * nothing) and CLI_IMAGE_GZ_CACHE_SPANS decompressed spans.
 *
 * All functions are thread-safe for one image (gzip state has a mutex; plain
 * reads use pread). */
#ifndef NTKIT_CLI_COMMON_IMAGE_H
#define NTKIT_CLI_COMMON_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef CLI_IMAGE_GZ_MAX_POINTS /* tests build with a small value */
#define CLI_IMAGE_GZ_MAX_POINTS 1024
#endif
#define CLI_IMAGE_GZ_CACHE_SPANS 8
/* Partitions reported at most (primaries + logicals or GPT entries). */
#define CLI_IMAGE_MAX_PARTITIONS 256

typedef struct cli_image cli_image;

typedef enum cli_table_kind {
    CLI_TABLE_NONE = 0, /* a bare volume, or no recognised table */
    CLI_TABLE_MBR = 1,
    CLI_TABLE_GPT = 2
} cli_table_kind;

typedef struct cli_partition {
    unsigned number;     /* MBR: 1-4 primary slots, 5.. logicals; GPT: entry index + 1 */
    uint64_t offset;     /* bytes from the start of the image */
    uint64_t size;       /* bytes */
    char type[48];       /* "0x07", "0x05 (extended)", or a GPT type GUID/name */
    bool is_ntfs;        /* OEM id "NTFS    " at the partition start */
    bool is_container;   /* an MBR extended partition (holds logicals) */
} cli_partition;

/* How cli_image_open_ex failed, for exit codes. */
typedef enum cli_image_error {
    CLI_IMAGE_OK = 0,
    CLI_IMAGE_ERR_NOT_FOUND, /* no such file, or no partition N */
    CLI_IMAGE_ERR_USAGE,     /* a directory, or @N together with an offset */
    CLI_IMAGE_ERR_CORRUPT,   /* not NTFS, damaged table, bad gzip data */
    CLI_IMAGE_ERR_IO         /* read error, permission, out of memory */
} cli_image_error;

typedef struct cli_image_options {
    /* The volume starts at byte `offset` of the (uncompressed) image: no
     * partition table is read, and the volume runs to the end of the image
     * (gzip: as far as its boot sector says). "PATH@N" is then refused. */
    bool use_offset;
    uint64_t offset;
} cli_image_options;

/* Opens `spec` ("PATH" or "PATH@N"; a PATH that exists as given wins over
 * the @N reading). Finds the volume as described above. On success returns
 * 0 and `*out` (release with cli_image_close). On failure returns -1,
 * leaves `*out` NULL and writes a one-line reason into `err` (no trailing
 * newline), for instance
 *   "cannot open disk.img: No such file or directory"
 *   "disk.img: no partition 3 (partitions: 1 2)"
 *   "disk.img: GPT header CRC mismatch and no valid backup header"
 *   "disk.img: MBR partition 2 extends past the end of the image"
 *   "disk.img: not an NTFS volume and no MBR/GPT partition table". */
int cli_image_open(const char *spec, cli_image **out, char *err, size_t errlen);

/* The same with options (NULL = none) and the kind of failure in `*kind`
 * (may be NULL). A GPT whose primary header is damaged is read from the
 * backup header in the image's last sector (a gzip image is inflated to its
 * end once to find it). */
int cli_image_open_ex(const char *spec, const cli_image_options *opt, cli_image **out, cli_image_error *kind,
                      char *err, size_t errlen);

/* The read callback for ntfs_config (ctx = the cli_image): reads `len`
 * bytes at byte `offset` of the VOLUME (not of the image). Returns 0 when
 * every byte was read, -1 on an I/O error, a short file, a corrupt gzip
 * stream, or a read past the end of the volume. */
int cli_image_read(void *ctx, uint64_t offset, void *buf, size_t len);

/* Byte offset of the volume in the (uncompressed) image. */
uint64_t cli_image_volume_offset(const cli_image *img);

/* Size of the volume in bytes: the partition's size, or for a bare volume
 * the image size (for gzip: the size the NTFS boot sector declares, plus
 * its backup sector). 0 when unknown. */
uint64_t cli_image_volume_size(const cli_image *img);

/* The partition number in use (0 for a bare volume). */
unsigned cli_image_partition(const cli_image *img);

/* Which partition table the image has. */
cli_table_kind cli_image_table(const cli_image *img);

/* Lists the image's partitions into `parts` (capacity `cap`); `*count`
 * receives how many there are (may exceed cap: only cap are written).
 * A bare volume has none. Returns 0, or -1 with a reason in `err` when the
 * table is damaged. */
int cli_image_list_partitions(cli_image *img, cli_partition *parts, size_t cap, size_t *count,
                              char *err, size_t errlen);

/* The file descriptor of a plain (uncompressed) image, for front ends that
 * hand the kernel an fd + absolute offset (FUSE splice); -1 for gzip
 * images. Absolute offset = cli_image_volume_offset() + volume offset. The
 * image keeps ownership: do not close it. */
int cli_image_fd(const cli_image *img);

/* Whether the image is gzip-compressed. */
bool cli_image_is_gzip(const cli_image *img);

/* Closes the file and frees the index. NULL is ignored. */
void cli_image_close(cli_image *img);

#endif
