/* ntkit ntfs: option parsing, info, cat and stat over an NTFS image (hosted code).
 * ls lives in ntfs_ls.c; the image, error and formatting helpers they share
 * in ntfs_cli.c. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "ntfs.h"

#include "common_arena.h"
#include "common_ntfs.h"
#include "ntfs_cli.h"
#include "ntfs_forensic_cmds.h"
#include <ntfs_forensic.h> /* libntfs: ntfs_sd_to_sddl */

#define IO_CHUNK ((size_t)1 << 20)

/* ---- options ---- */

#define COMMON_OPTS "  --offset BYTES  the volume starts at this byte of the image (plain or .gz);\n" \
                    "                  no partition table is read (not with IMAGE@N)\n" \
                    "  --heap SIZE     parser memory (default 256M)\n" \
                    "IMAGE is a volume, a whole disk with an MBR or GPT (the first NTFS partition\n" \
                    "is used; IMAGE@N picks partition N), or either of them gzip-compressed.\n" \
                    "Exit codes: 0 ok, 1 not found, 2 usage, 3 corrupt input, 4 I/O error.\n"

static const struct subcmd {
    const char *name;
    const char *opts;  /* options it takes: o offset, h heap, j json, l/R/a, m mft, s streams, q quiet, p progress, f find tests */
    int min_pos, max_pos; /* positional arguments after the subcommand, IMAGE included */
    const char *help;
} subcmds[] = {
    {"info", "ohj", 1, 1,
     "usage: ntkit ntfs info IMAGE [--json] [--offset BYTES] [--heap SIZE]\n"
     "Lists the partitions of a disk image (number, offset, size, type, NTFS or not;\n"
     "'*' marks the one in use), then the volume's label, serial number, NTFS version,\n"
     "dirty flag, sector and cluster sizes, total and free clusters. --json prints\n"
     "one object, with a \"partitions\" array for disks.\n"
     "examples: ntkit ntfs info disk.img\n"
     "          ntkit ntfs info disk.img@2 --json\n"},
    {"ls", "ohjlRa", 1, 2,
     "usage: ntkit ntfs ls IMAGE [PATH] [-l] [-R] [-a] [--json] [--offset BYTES] [--heap SIZE]\n"
     "Lists a directory (default: the root). -l adds size, times, attributes and the\n"
     "MFT reference; -R recurses; -a shows NTFS system files and alternate data\n"
     "streams (as PATH:STREAM). --json prints one object per entry and line with\n"
     "path, type (file/dir/symlink), size and mft. Without -l or -a, names, types\n"
     "and sizes come from the directory index alone (fast; sizes are the copy in\n"
     "the index and may be stale); -l and -a read each file's MFT record.\n"
     "examples: ntkit ntfs ls vol.img /Windows -l\n"
     "          ntkit ntfs ls disk.img.gz@3 -R --json\n"},
    {"cat", "ohm", 2, 2,
     "usage: ntkit ntfs cat IMAGE PATH[:STREAM] [--offset BYTES] [--heap SIZE]\n"
     "       ntkit ntfs cat IMAGE --mft N[:STREAM]\n"
     "Writes a file's data (or a named stream) to standard output. --mft reads the\n"
     "record numbered N, deleted or not, and warns when its clusters are in use again.\n"
     "examples: ntkit ntfs cat vol.img /dir/file.txt > file.txt\n"
     "          ntkit ntfs cat disk.img 'dir\\file.txt:Zone.Identifier'\n"
     "          ntkit ntfs cat vol.img --mft 42 > recovered.bin\n"},
    {"stat", "ohj", 2, 2,
     "usage: ntkit ntfs stat IMAGE PATH [--json] [--offset BYTES] [--heap SIZE]\n"
     "Prints every name and namespace, times, sizes, attributes, streams, data\n"
     "runs, reparse target, object ID, owner SID and security descriptor (SDDL)\n"
     "of a file. For a WOF (Compact OS) file: its algorithm and chunk size, and\n"
     "the runs are those of its WofCompressedData stream. Where disk quotas track\n"
     "the file's owner: the owner's quota entry (bytes used, warning level, limit).\n"
     "example: ntkit ntfs stat vol.img /dir/file.txt --json\n"},
    {"extract", "ohjsqp", 2, 3,
     "usage: ntkit ntfs extract IMAGE [PATH] DEST [--streams] [--json] [--quiet|--progress]\n"
     "                          [--offset BYTES] [--heap SIZE]\n"
     "Copies PATH (default: the root) out of the image to DEST. A directory's\n"
     "contents go into DEST (created when missing); a file is written to DEST, or\n"
     "into DEST when DEST is an existing directory. Existing files are replaced.\n"
     "  - modification and access times are set from $STANDARD_INFORMATION\n"
     "    (Linux cannot set a creation time: it is not kept);\n"
     "  - sparse files stay sparse (holes are skipped, not written);\n"
     "  - --streams also writes each alternate data stream as a file NAME:STREAM\n"
     "    beside the file (or directory) NAME;\n"
     "  - symbolic links and junctions become symlinks: a relative target is kept\n"
     "    (\\ turned into /); an absolute one on a drive (C:\\dir\\x, \\??\\C:\\dir\\x)\n"
     "    is taken as a path on this volume and made relative to the link; other\n"
     "    targets (\\\\server\\share, volume GUIDs) are kept as stored, \\ turned into /;\n"
     "  - hard links: the second and later names of a file become hard links to\n"
     "    the first one extracted (a copy when linking fails);\n"
     "  - names that are empty, \".\", \"..\" or hold '/' are refused, so nothing is\n"
     "    written outside DEST; symlinks already in DEST are never followed.\n"
     "A damaged file is reported in one line and skipped; the exit code is then 3\n"
     "(4 when writing to DEST failed). A progress line (bytes, files, rate, ETA) is\n"
     "shown on stderr when it is a terminal; --quiet/--progress force it off/on.\n"
     "--json prints one object per extracted entry and line: path, dest, type\n"
     "(file/dir/symlink/stream/hardlink), size, mft.\n"
     "examples: ntkit ntfs extract disk.img /Users/alice/Documents ./docs\n"
     "          ntkit ntfs extract vol.img.gz out --streams --json\n"},
    {"find", "ohjf", 1, 2,
     "usage: ntkit ntfs find IMAGE [PATH] [-name GLOB] [-iname GLOB] [-cname GLOB]\n"
     "                       [-type f|d|l] [-size [+-]N[ckMG]] [-newer DATE] [-older DATE]\n"
     "                       [--json] [--offset BYTES] [--heap SIZE]\n"
     "Walks the tree below PATH (default: the root; PATH itself when it is a file)\n"
     "and prints the path of every entry that passes all tests:\n"
     "  -name/-iname GLOB  the name matches GLOB (*, ?, [a-z], [!x]), ignoring case\n"
     "                     as Windows does; -cname matches case-sensitively\n"
     "  -type f|d|l        file, directory, or symlink/junction\n"
     "  -size [+-]N[ckMG]  more than (+), less than (-) or exactly N bytes (c, the\n"
     "                     default), KiB, MiB or GiB, rounded up as find(1) does\n"
     "  -newer DATE        modified after DATE; -older DATE: before it. DATE is UTC:\n"
     "                     YYYY-MM-DD[THH:MM[:SS]] (a space may replace the T)\n"
     "Names and types come from the directory index; MFT records are read only for\n"
     "-size, -newer, -older and --json (current size and times). System files\n"
     "(records below 16) are skipped. --json prints one object per match and line:\n"
     "path, type, size, mft, mtime.\n"
     "examples: ntkit ntfs find disk.img -iname '*.exe' -newer 2024-01-01\n"
     "          ntkit ntfs find vol.img /Users -type f -size +100M --json\n"},
    {"deleted", "ohj", 1, 1,
     "usage: ntkit ntfs deleted IMAGE [--json] [--offset BYTES] [--heap SIZE]\n"
     "Lists MFT records not in use that still hold a name: record-sequence, type,\n"
     "size, modification time and the path rebuilt through the parent records\n"
     "($OrphanFiles/NAME when the chain is broken). --json prints one object per\n"
     "record and line.\n"
     "example: ntkit ntfs deleted disk.img --json\n"},
    {"timeline", "ohj", 1, 1,
     "usage: ntkit ntfs timeline IMAGE [--json] [--offset BYTES] [--heap SIZE]\n"
     "Writes a body file (sleuthkit's mactime format) with the $STANDARD_INFORMATION\n"
     "and $FILE_NAME times of every named record, deleted ones included. --json\n"
     "prints one object per body line instead.\n"
     "example: ntkit ntfs timeline disk.img > body.txt && mactime -b body.txt\n"},
    {"usn", "ohj", 1, 1,
     "usage: ntkit ntfs usn IMAGE [--json] [--offset BYTES] [--heap SIZE]\n"
     "Prints the change journal ($Extend\\$UsnJrnl:$J) records: USN, time, file and\n"
     "parent references, reasons and name. --json prints one object per record.\n"
     "example: ntkit ntfs usn disk.img --json\n"},
    {"sddl", "ohj", 2, 2,
     "usage: ntkit ntfs sddl IMAGE PATH [--json] [--offset BYTES] [--heap SIZE]\n"
     "Prints the security descriptor of PATH as an SDDL string.\n"
     "example: ntkit ntfs sddl vol.img /Windows\n"},
};

static const struct subcmd *find_sub(const char *name)
{
    for (size_t i = 0; i < sizeof subcmds / sizeof subcmds[0]; i++)
        if (!strcmp(subcmds[i].name, name))
            return &subcmds[i];
    return NULL;
}

static void usage_all(FILE *f)
{
    fputs("usage: ntkit ntfs <subcommand> IMAGE [PATH] [options]\n"
          "Reads an NTFS volume image (read-only). Subcommands:\n", f);
    for (size_t i = 0; i < sizeof subcmds / sizeof subcmds[0]; i++) {
        const char *h = subcmds[i].help + strlen("usage: ");
        fprintf(f, "  %.*s\n", (int)(strchr(h, '\n') - h), h);
    }
    fputs("Common options:\n" COMMON_OPTS
          "Paths use / or \\ and are matched case-insensitively.\n"
          "Run 'ntkit ntfs <subcommand> --help' for details and examples.\n", f);
}

/* Usage errors are one line on stderr (fmt is a literal with one %s). */
#define usage_error(sub, fmt, arg) \
    (fprintf(stderr, "ntkit ntfs %s: " fmt " (see 'ntkit ntfs %s --help')\n", sub, arg, sub), -1)

static int parse_opts(int argc, char **argv, cli_ntfs_opts *o, const struct subcmd *sc)
{
    const char *sub = sc->name;
    const char *pos[3];
    int npos = 0;
    bool dashdash = false;

    memset(o, 0, sizeof *o);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        size_t v;
        if (dashdash || a[0] != '-' || !a[1]) {
            if (npos == 3)
                return usage_error(sub, "unexpected argument '%s'", a);
            pos[npos++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            dashdash = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            o->help = true;
        } else if (strchr(sc->opts, 'f') && !strcmp(a, "-json")) {
            o->json = true; /* find(1) style spelling */
        } else if (strchr(sc->opts, 'f') && a[1] != '-') {
            int r = cli_ntfs_find_parse(&o->find, argc, argv, &i);
            if (r < 0)
                return -1;
            if (r == 0)
                return usage_error(sub, "unknown test '%s'", a);
        } else if (!strcmp(a, "--offset") && strchr(sc->opts, 'o')) {
            char *end = NULL;
            if (i + 1 >= argc)
                return usage_error(sub, "%s needs a byte offset", a);
            errno = 0;
            o->offset = strtoull(argv[i + 1], &end, 0);
            if (errno || end == argv[i + 1] || *end || argv[i + 1][0] == '-')
                return usage_error(sub, "--offset needs a byte offset, not '%s'", argv[i + 1]);
            o->has_offset = true;
            i++;
        } else if (!strcmp(a, "--heap") && strchr(sc->opts, 'h')) {
            if (i + 1 >= argc || cli_parse_size(argv[i + 1], &v) != 0)
                return usage_error(sub, "%s needs a size such as 512M", a);
            if (v < 65536)
                return usage_error(sub, "--heap must be at least 64K, not %s", argv[i + 1]);
            o->heap = v;
            i++;
        } else if (!strcmp(a, "--mft") && strchr(sc->opts, 'm')) {
            if (i + 1 >= argc)
                return usage_error(sub, "%s needs a record number", a);
            o->mft = argv[++i];
        } else if (!strcmp(a, "--json") && strchr(sc->opts, 'j')) {
            o->json = true;
        } else if (!strcmp(a, "--streams") && strchr(sc->opts, 's')) {
            o->streams = true;
        } else if ((!strcmp(a, "--quiet") || !strcmp(a, "-q")) && strchr(sc->opts, 'q')) {
            o->quiet = true;
            o->progress = false;
        } else if (!strcmp(a, "--progress") && strchr(sc->opts, 'p')) {
            o->progress = true;
            o->quiet = false;
        } else if (a[1] != '-' && strchr(sc->opts, 'l') && strspn(a + 1, "lRa") == strlen(a + 1)) {
            o->longfmt |= strchr(a, 'l') != NULL;
            o->recursive |= strchr(a, 'R') != NULL;
            o->all |= strchr(a, 'a') != NULL;
        } else {
            return usage_error(sub, "unknown option '%s'", a);
        }
    }
    if (o->help)
        return 0;
    if (o->mft && npos > 1)
        return usage_error(sub, "--mft takes the place of PATH: drop '%s'", pos[1]);
    if (npos < (o->mft ? 1 : sc->min_pos))
        return usage_error(sub, "%s", npos ? "missing PATH" : "missing IMAGE");
    if (npos > sc->max_pos)
        return usage_error(sub, "unexpected argument '%s'", pos[sc->max_pos]);
    o->image = pos[0];
    if (!strcmp(sub, "extract")) {
        o->dest = pos[npos - 1];
        o->path = npos == 3 ? pos[1] : NULL;
    } else if (npos > 1) {
        o->path = pos[1];
    }
    return 0;
}

/* ---- info ---- */

/* The partition table of a disk image (none for a bare volume or with
 * --offset), as text lines or the JSON members "partition_table",
 * "partition", "volume_offset" and "partitions". */
static int print_partitions(cli_ntfs_image *im, const cli_ntfs_opts *o)
{
    cli_partition *parts;
    size_t n = 0;
    char err[512];
    cli_table_kind kind = o->has_offset ? CLI_TABLE_NONE : cli_image_table(im->img);
    const char *kname = kind == CLI_TABLE_MBR ? "mbr" : kind == CLI_TABLE_GPT ? "gpt" : "none";
    unsigned cur = cli_image_partition(im->img);

    if (o->json)
        printf("{\"partition_table\":\"%s\",\"partition\":%u,\"volume_offset\":%" PRIu64 ",", kname, cur,
               im->offset);
    if (kind == CLI_TABLE_NONE) {
        if (!o->json && o->has_offset)
            printf("volume offset:      %" PRIu64 " (--offset)\n", im->offset);
        return 0;
    }
    parts = calloc(CLI_IMAGE_MAX_PARTITIONS, sizeof *parts);
    if (!parts)
        return cli_ntfs_write_error("partition list", ENOMEM);
    if (cli_image_list_partitions(im->img, parts, CLI_IMAGE_MAX_PARTITIONS, &n, err, sizeof err)) {
        fprintf(stderr, "ntkit: %s\n", err);
        free(parts);
        return EXIT_NTKIT_CORRUPT;
    }
    if (n > CLI_IMAGE_MAX_PARTITIONS)
        n = CLI_IMAGE_MAX_PARTITIONS;
    if (o->json) {
        printf("\"partitions\":[");
        for (size_t i = 0; i < n; i++) {
            printf("%s{\"number\":%u,\"offset\":%" PRIu64 ",\"size\":%" PRIu64 ",\"type\":", i ? "," : "",
                   parts[i].number, parts[i].offset, parts[i].size);
            cli_ntfs_json_str(stdout, parts[i].type, strlen(parts[i].type));
            printf(",\"ntfs\":%s,\"extended\":%s,\"in_use\":%s}", parts[i].is_ntfs ? "true" : "false",
                   parts[i].is_container ? "true" : "false", parts[i].number == cur ? "true" : "false");
        }
        printf("],");
    } else {
        printf("partition table:    %s\n", kind == CLI_TABLE_MBR ? "MBR" : "GPT");
        printf("  %-3s %-14s %-14s %-4s %s\n", "#", "offset", "size", "NTFS", "type");
        for (size_t i = 0; i < n; i++)
            printf("%c %-3u %-14" PRIu64 " %-14" PRIu64 " %-4s %s\n", parts[i].number == cur ? '*' : ' ',
                   parts[i].number, parts[i].offset, parts[i].size, parts[i].is_ntfs ? "yes" : "no",
                   parts[i].type);
        printf("volume:             partition %u at byte %" PRIu64 "\n", cur, im->offset);
    }
    free(parts);
    return 0;
}

static int do_info(cli_ntfs_image *im, const cli_ntfs_opts *o)
{
    ntfs_volume_info vi;
    int rc = ntfs_volume_get_info(im->vol, true, &vi);
    if (rc)
        return cli_ntfs_vreport(im, rc, "volume information");
    rc = print_partitions(im, o);
    if (rc)
        return rc;
    if (o->json) {
        printf("\"label\":");
        cli_ntfs_json_str(stdout, vi.label, strlen(vi.label));
        printf(",\"serial\":\"%016" PRIX64 "\",\"version\":\"%u.%u\",\"dirty\":%s,\"flags\":%u,"
               "\"bytes_per_sector\":%u,\"cluster_size\":%u,\"mft_record_size\":%u,"
               "\"index_block_size\":%u,\"total_sectors\":%" PRIu64 ",\"total_clusters\":%" PRIu64
               ",\"free_clusters\":%" PRIu64 ",\"size\":%" PRIu64 ",\"mft_lcn\":%" PRIu64
               ",\"mftmirr_lcn\":%" PRIu64 ",\"backup_boot_sector\":%s}\n",
               vi.serial, vi.major, vi.minor, vi.dirty ? "true" : "false", vi.flags, vi.bytes_per_sector,
               vi.cluster_size, vi.mft_record_size, vi.index_block_size, vi.total_sectors, vi.total_clusters,
               vi.free_clusters, vi.total_clusters * vi.cluster_size, vi.mft_lcn, vi.mftmirr_lcn,
               vi.used_backup_boot ? "true" : "false");
        return 0;
    }
    printf("label:              %s\n", vi.label);
    printf("serial number:      %016" PRIX64 "\n", vi.serial);
    printf("NTFS version:       %u.%u\n", vi.major, vi.minor);
    printf("dirty:              %s (flags 0x%04x)\n", vi.dirty ? "yes" : "no", vi.flags);
    printf("bytes per sector:   %u\n", vi.bytes_per_sector);
    printf("cluster size:       %u\n", vi.cluster_size);
    printf("MFT record size:    %u\n", vi.mft_record_size);
    printf("index block size:   %u\n", vi.index_block_size);
    printf("total sectors:      %" PRIu64 "\n", vi.total_sectors);
    printf("total clusters:     %" PRIu64 "\n", vi.total_clusters);
    printf("free clusters:      %" PRIu64 "\n", vi.free_clusters);
    printf("volume size:        %" PRIu64 " bytes\n", vi.total_clusters * vi.cluster_size);
    printf("free space:         %" PRIu64 " bytes\n", vi.free_clusters * vi.cluster_size);
    printf("$MFT cluster:       %" PRIu64 " (%" PRIu64 " bytes)\n", vi.mft_lcn, vi.mft_size);
    printf("$MFTMirr cluster:   %" PRIu64 "\n", vi.mftmirr_lcn);
    if (vi.used_backup_boot)
        printf("note:               primary boot sector damaged; read the backup\n");
    return 0;
}

/* ---- cat ---- */

/* Splits "dir/file:stream" at the last ':' after the last separator. */
static char *split_stream(const char *arg, const char **stream)
{
    char *p = strdup(arg);
    char *sep, *colon;
    if (!p)
        return NULL;
    sep = strrchr(p, '/');
    {
        char *b = strrchr(p, '\\');
        if (!sep || (b && b > sep))
            sep = b;
    }
    colon = strchr(sep ? sep : p, ':');
    *stream = NULL;
    if (colon) {
        *colon = 0;
        *stream = colon + 1;
        /* "file::$DATA" and "file:name:$DATA" name the type too */
        char *t = strchr(colon + 1, ':');
        if (t)
            *t = 0;
    }
    return p;
}

static int do_cat(cli_ntfs_image *im, const cli_ntfs_opts *o)
{
    const char *stream;
    ntfs_file *f;
    ntfs_stream *s;
    uint8_t *buf;
    uint64_t off = 0;
    char *path;
    int rc;

    path = split_stream(o->path, &stream);
    if (!path)
        return EXIT_NTKIT_IO;
    rc = ntfs_open_path(im->vol, path, &f);
    if (rc) {
        rc = cli_ntfs_vreport(im, rc, o->path);
        free(path);
        return rc;
    }
    rc = ntfs_stream_open(f, NTFS_AT_DATA, stream, &s);
    if (rc) {
        int ec = cli_ntfs_vreport(im, rc, o->path);
        ntfs_close(f);
        free(path);
        return ec;
    }
    buf = malloc(IO_CHUNK);
    if (!buf) {
        ntfs_stream_close(s);
        ntfs_close(f);
        free(path);
        return EXIT_NTKIT_IO;
    }
    for (;;) {
        size_t got, done = 0;
        rc = ntfs_stream_read(s, off, buf, IO_CHUNK, &got);
        if (rc || got == 0)
            break;
        while (done < got) {
            ssize_t n = write(1, buf + done, got - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                fprintf(stderr, "ntkit: write: %s\n", strerror(errno));
                rc = -100; /* reported here, not a parser error */
                break;
            }
            done += (size_t)n;
        }
        if (rc)
            break;
        off += got;
    }
    free(buf);
    if (rc == -100)
        rc = EXIT_NTKIT_IO;
    else if (rc)
        rc = cli_ntfs_vreport(im, rc, o->path);
    ntfs_stream_close(s);
    ntfs_close(f);
    free(path);
    return rc;
}

/* ---- stat ---- */

static int do_stat(cli_ntfs_image *im, const cli_ntfs_opts *o)
{
    ntfs_file *f;
    ntfs_stat st;
    ntfs_name nm;
    ntfs_attr_info ai;
    char t[4][64], ab[16];
    size_t cur;
    int rc, worst = 0;
    bool json = o->json, first;

    rc = ntfs_open_path(im->vol, o->path, &f);
    if (rc)
        return cli_ntfs_vreport(im, rc, o->path);
    rc = ntfs_file_stat(f, &st);
    if (rc) {
        ntfs_close(f);
        return cli_ntfs_vreport(im, rc, o->path);
    }
    cli_ntfs_fmt_time(st.ctime, t[0], sizeof t[0]);
    cli_ntfs_fmt_time(st.mtime, t[1], sizeof t[1]);
    cli_ntfs_fmt_time(st.mft_mtime, t[2], sizeof t[2]);
    cli_ntfs_fmt_time(st.atime, t[3], sizeof t[3]);
    if (json) {
        printf("{\"path\":");
        cli_ntfs_json_str(stdout, o->path, strlen(o->path));
        printf(",\"type\":\"%s\",\"mft\":%" PRIu64 ",\"seq\":%u,\"links\":%u,\"size\":%" PRIu64
               ",\"allocated\":%" PRIu64 ",\"initialized\":%" PRIu64 ",\"attributes\":",
               cli_ntfs_type_of(&st), NTFS_REF_RECORD(st.ref), NTFS_REF_SEQ(st.ref), st.link_count, st.size,
               st.alloc_size, st.init_size);
        cli_ntfs_json_attr_names(stdout, st.file_attributes);
        printf(",\"attribute_flags\":%u,\"created\":\"%s\",\"modified\":\"%s\",\"mft_modified\":\"%s\","
               "\"accessed\":\"%s\",\"owner_id\":%u,\"security_id\":%u,\"attribute_list\":%s",
               st.file_attributes, t[0], t[1], t[2], t[3], st.owner_id, st.security_id,
               st.has_attribute_list ? "true" : "false");
    } else {
        cli_ntfs_fmt_attrs(st.file_attributes, ab);
        printf("path:          %s\n", o->path);
        printf("type:          %s\n", cli_ntfs_type_of(&st));
        printf("MFT reference: %" PRIu64 "-%u\n", NTFS_REF_RECORD(st.ref), NTFS_REF_SEQ(st.ref));
        printf("links:         %u\n", st.link_count);
        printf("size:          %" PRIu64 " (allocated %" PRIu64 ", initialized %" PRIu64 ")\n", st.size,
               st.alloc_size, st.init_size);
        printf("attributes:    %s (0x%08x)\n", ab, st.file_attributes);
        printf("created:       %s\nmodified:      %s\nMFT modified:  %s\naccessed:      %s\n", t[0], t[1],
               t[2], t[3]);
        printf("owner id:      %u\nsecurity id:   %u\n", st.owner_id, st.security_id);
        if (st.has_attribute_list)
            printf("attribute list: yes\n");
    }
    /* names */
    cur = 0;
    first = true;
    if (json)
        printf(",\"names\":[");
    while ((rc = ntfs_file_next_name(f, &cur, &nm)) == NT_OK) {
        cli_ntfs_fmt_time(nm.ctime, t[0], sizeof t[0]);
        cli_ntfs_fmt_time(nm.mtime, t[1], sizeof t[1]);
        cli_ntfs_fmt_time(nm.mft_mtime, t[2], sizeof t[2]);
        cli_ntfs_fmt_time(nm.atime, t[3], sizeof t[3]);
        if (json) {
            printf("%s{\"name\":", first ? "" : ",");
            cli_ntfs_json_str(stdout, nm.name, nm.name_len);
            printf(",\"namespace\":\"%s\",\"parent\":%" PRIu64 ",\"parent_seq\":%u,\"size\":%" PRIu64
                   ",\"allocated\":%" PRIu64 ",\"flags\":%u,\"created\":\"%s\",\"modified\":\"%s\","
                   "\"mft_modified\":\"%s\",\"accessed\":\"%s\"}",
                   cli_ntfs_ns_name(nm.name_space), NTFS_REF_RECORD(nm.parent_ref), NTFS_REF_SEQ(nm.parent_ref), nm.size,
                   nm.alloc_size, nm.flags, t[0], t[1], t[2], t[3]);
        } else {
            printf("name:          %.*s [%s] parent %" PRIu64 "-%u\n", (int)nm.name_len, nm.name,
                   cli_ntfs_ns_name(nm.name_space), NTFS_REF_RECORD(nm.parent_ref), NTFS_REF_SEQ(nm.parent_ref));
            printf("  $FILE_NAME times: created %s modified %s mft %s accessed %s\n", t[0], t[1], t[2], t[3]);
        }
        first = false;
    }
    if (rc != NT_END)
        worst = cli_ntfs_vreport(im, rc, o->path);
    /* attributes and streams */
    cur = 0;
    first = true;
    if (json)
        printf("],\"attrs\":[");
    while ((rc = ntfs_file_next_attr(f, &cur, &ai)) == NT_OK) {
        if (json) {
            printf("%s{\"type\":\"%s\",\"type_code\":%u,\"name\":", first ? "" : ",", cli_ntfs_attr_type_name(ai.type), ai.type);
            cli_ntfs_json_str(stdout, ai.name, ai.name_len);
            printf(",\"id\":%u,\"resident\":%s,\"flags\":%u,\"lowest_vcn\":%" PRIu64 ",\"size\":%" PRIu64
                   ",\"allocated\":%" PRIu64 ",\"record\":%" PRIu64 "}",
                   ai.id, ai.resident ? "true" : "false", ai.flags, ai.lowest_vcn, ai.size, ai.alloc_size, ai.record);
        } else {
            printf("attribute:     %s%s%.*s id %u %s size %" PRIu64 "%s%s%s (record %" PRIu64 ", vcn %" PRIu64 ")\n",
                   cli_ntfs_attr_type_name(ai.type), ai.name_len ? ":" : "", (int)ai.name_len, ai.name, ai.id,
                   ai.resident ? "resident" : "non-resident", ai.size, (ai.flags & 0xFF) ? " compressed" : "",
                   (ai.flags & 0x4000) ? " encrypted" : "", (ai.flags & 0x8000) ? " sparse" : "", ai.record,
                   ai.lowest_vcn);
        }
        first = false;
    }
    if (rc != NT_END && !worst)
        worst = cli_ntfs_vreport(im, rc, o->path);
    if (json)
        printf("]");
    /* data runs of the unnamed $DATA */
    {
        ntfs_stream *s;
        if (ntfs_stream_open(f, NTFS_AT_DATA, NULL, &s) == NT_OK) {
            ntfs_run r;
            ntfs_stream_info si;
            /* A WOF file's runs are those of the stream that holds its
             * compressed chunks, not of the (sparse, empty) $DATA. */
            static const char *const wof_names[] = {"XPRESS4K", "LZX", "XPRESS8K", "XPRESS16K"};
            const char *wof_name = "";
            ntfs_stream_get_info(s, &si);
            if (si.wof)
                wof_name = si.wof_algorithm < 4 ? wof_names[si.wof_algorithm] : "unknown";
            if (json) {
                printf(",\"wof\":%s", si.wof ? "true" : "false");
                if (si.wof)
                    printf(",\"wof_algorithm\":\"%s\",\"wof_chunk_size\":%u", wof_name,
                           si.compression_unit);
                printf(",\"compressed\":%s,\"sparse\":%s,\"encrypted\":%s,\"runs_stream\":\"%s\",\"runs\":[",
                       si.compressed ? "true" : "false", si.sparse ? "true" : "false",
                       si.encrypted ? "true" : "false", si.wof ? "WofCompressedData" : "");
            } else {
                if (si.wof)
                    printf("WOF:           %s, %u-byte chunks (Compact OS compression)\n", wof_name,
                           si.compression_unit);
                printf("data runs:     %zu%s%s%s%s\n", si.run_count,
                       si.wof ? " of $DATA:WofCompressedData" : "",
                       si.compressed && !si.wof ? " (compressed)" : "", si.sparse ? " (sparse)" : "",
                       si.encrypted ? " (encrypted)" : "");
            }
            for (size_t i = 0; ntfs_stream_get_run(s, i, &r) == NT_OK; i++) {
                if (json)
                    printf("%s{\"vcn\":%" PRIu64 ",\"lcn\":%" PRId64 ",\"length\":%" PRIu64 "}", i ? "," : "", r.vcn,
                           r.lcn, r.length);
                else if (r.lcn < 0)
                    printf("  vcn %" PRIu64 ": sparse, %" PRIu64 " clusters\n", r.vcn, r.length);
                else
                    printf("  vcn %" PRIu64 ": lcn %" PRId64 ", %" PRIu64 " clusters\n", r.vcn, r.lcn, r.length);
            }
            if (json)
                printf("]");
            ntfs_stream_close(s);
        }
    }
    /* reparse point */
    if (st.reparse_tag) {
        ntfs_reparse *rp = malloc(sizeof *rp);
        if (rp && ntfs_readlink(f, rp) == NT_OK) {
            if (json) {
                printf(",\"reparse_tag\":%u,\"reparse_target\":", rp->tag);
                cli_ntfs_json_str(stdout, rp->target, rp->target_len);
                printf(",\"reparse_substitute\":");
                cli_ntfs_json_str(stdout, rp->substitute, rp->substitute_len);
                printf(",\"reparse_relative\":%s", rp->relative ? "true" : "false");
            } else {
                printf("reparse tag:   0x%08x%s\n", rp->tag,
                       rp->tag == NTFS_REPARSE_TAG_SYMLINK ? " (symbolic link)"
                       : rp->tag == NTFS_REPARSE_TAG_MOUNT_POINT ? " (junction)" : "");
                if (rp->target_len)
                    printf("target:        %s%s\n", rp->target, rp->relative ? " (relative)" : "");
                else {
                    printf("reparse data:  %zu bytes:", rp->data_len);
                    for (size_t i = 0; i < rp->data_len && i < 64; i++)
                        printf(" %02x", rp->data[i]);
                    printf("%s\n", rp->data_len > 64 ? " ..." : "");
                }
            }
        }
        free(rp);
    }
    /* owner and the whole descriptor as SDDL */
    {
        size_t need = 0, slen = 0;
        uint8_t *sd = malloc(65536);
        char sid[256], *sddl = NULL;
        nt_diag d;
        if (sd && ntfs_file_security(f, sd, 65536, &need) == NT_OK) {
            if (ntfs_sd_owner_string(sd, need, sid, sizeof sid) == NT_OK) {
                if (json)
                    printf(",\"owner\":\"%s\",\"security_descriptor_size\":%zu", sid, need);
                else
                    printf("owner:         %s\n", sid);
            }
            if (ntfs_sd_to_sddl(sd, need, NULL, 0, &slen, &d) == NT_ERR_RANGE && (sddl = malloc(slen + 1)) &&
                ntfs_sd_to_sddl(sd, need, sddl, slen + 1, &slen, &d) == NT_OK) {
                if (json) {
                    printf(",\"sddl\":");
                    cli_ntfs_json_str(stdout, sddl, strlen(sddl));
                } else {
                    printf("security:      %s\n", sddl);
                }
            }
        }
        free(sddl);
        free(sd);
    }
    /* $OBJECT_ID: the object GUID, then (when present) birth volume,
     * birth object and domain GUIDs */
    {
        ntfs_stream *s;
        if (ntfs_stream_open(f, NTFS_AT_OBJECT_ID, NULL, &s) == NT_OK) {
            uint8_t oid[64];
            size_t got = 0;
            static const char *const names[] = {"object_id", "birth_volume_id", "birth_object_id", "domain_id"};
            if (ntfs_stream_read(s, 0, oid, sizeof oid, &got) == NT_OK) {
                for (size_t k = 0; k + 16 <= got && k < 64; k += 16) {
                    const uint8_t *g = oid + k;
                    char gs[40];
                    snprintf(gs, sizeof gs, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[3],
                             g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14],
                             g[15]);
                    if (json)
                        printf(",\"%s\":\"%s\"", names[k / 16], gs);
                    else
                        printf("%-15s%s\n", k ? (k == 16 ? "birth volume:" : k == 32 ? "birth object:" : "domain id:")
                                               : "object id:",
                               gs);
                }
            }
            ntfs_stream_close(s);
        }
    }
    /* The owner's quota entry ($Extend\$Quota), where quotas track it
     * (owner id 0 means they never did for this file). */
    if (st.owner_id) {
        ntfs_quota q;
        if (ntfs_quota_get(im->vol, st.owner_id, &q) == NT_OK) {
            char lim[24], thr[24];
            snprintf(lim, sizeof lim, q.limit == UINT64_MAX ? "none" : "%" PRIu64, q.limit);
            snprintf(thr, sizeof thr, q.threshold == UINT64_MAX ? "none" : "%" PRIu64, q.threshold);
            if (json)
                printf(",\"quota\":{\"bytes_used\":%" PRIu64 ",\"threshold\":%s,\"limit\":%s}", q.bytes_used,
                       q.threshold == UINT64_MAX ? "null" : thr, q.limit == UINT64_MAX ? "null" : lim);
            else
                printf("quota:         %" PRIu64 " bytes used by owner %u (warning at %s, limit %s)\n",
                       q.bytes_used, st.owner_id, thr, lim);
        }
    }
    if (json)
        printf("}\n");
    ntfs_close(f);
    return worst;
}

int cmd_ntfs(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL;
    const struct subcmd *sc;
    cli_ntfs_image im;
    cli_ntfs_opts o;
    int rc;

    if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        if (!sub) {
            fprintf(stderr, "ntkit ntfs: missing subcommand (see 'ntkit ntfs --help')\n");
            return EXIT_NTKIT_USAGE;
        }
        usage_all(stdout);
        return EXIT_NTKIT_OK;
    }
    sc = find_sub(sub);
    if (!sc) {
        fprintf(stderr, "ntkit ntfs: unknown subcommand '%s' (see 'ntkit ntfs --help')\n", sub);
        return EXIT_NTKIT_USAGE;
    }
    if (parse_opts(argc, argv, &o, sc))
        return EXIT_NTKIT_USAGE;
    if (o.help) {
        fputs(sc->help, stdout);
        fputs("options common to every subcommand:\n" COMMON_OPTS, stdout);
        return EXIT_NTKIT_OK;
    }
    rc = cli_ntfs_image_open(&im, &o);
    if (rc)
        return rc;
    if (!strcmp(sub, "info"))
        rc = do_info(&im, &o);
    else if (!strcmp(sub, "ls"))
        rc = cli_ntfs_ls(&im, &o);
    else if (!strcmp(sub, "cat"))
        rc = o.mft ? cli_ntfs_cat_mft(&im, &o) : do_cat(&im, &o);
    else if (!strcmp(sub, "stat"))
        rc = do_stat(&im, &o);
    else if (!strcmp(sub, "extract"))
        rc = cli_ntfs_extract(&im, &o);
    else if (!strcmp(sub, "find"))
        rc = cli_ntfs_find(&im, &o);
    else if (!strcmp(sub, "deleted"))
        rc = cli_ntfs_deleted(&im, &o);
    else if (!strcmp(sub, "timeline"))
        rc = cli_ntfs_timeline(&im, &o);
    else if (!strcmp(sub, "usn"))
        rc = cli_ntfs_usn(&im, &o);
    else
        rc = cli_ntfs_sddl(&im, &o);
    if (fflush(stdout) != 0 && !rc)
        rc = cli_ntfs_write_error("standard output", errno);
    cli_ntfs_image_close(&im);
    return rc;
}
