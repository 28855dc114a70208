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
#include "ntfs_forensic.h"

#define IO_CHUNK ((size_t)1 << 20)

/* ---- options ---- */

static void usage_sub(FILE *f, const char *sub)
{
    if (!strcmp(sub, "info"))
        fputs("usage: ntkit ntfs info IMAGE [--offset BYTES] [--json] [--heap SIZE]\n"
              "Prints the volume label, serial number, NTFS version, dirty flag, sector\n"
              "and cluster sizes, total and free clusters.\n"
              "example: ntkit ntfs info disk.raw --offset 65536\n", f);
    else if (!strcmp(sub, "ls"))
        fputs("usage: ntkit ntfs ls IMAGE [PATH] [-l] [-R] [-a] [--json] [--offset BYTES] [--heap SIZE]\n"
              "Lists a directory (default: the root). -l adds size, times, attributes and the\n"
              "MFT reference; -R recurses; -a shows NTFS system files and alternate data\n"
              "streams (as PATH:STREAM). --json prints one object per entry and line with\n"
              "path, type (file/dir/symlink), size and mft. Without -l or -a, names, types\n"
              "and sizes come from the directory index alone (fast; sizes are the copy in\n"
              "the index and may be stale); -l and -a read each file's MFT record.\n"
              "examples: ntkit ntfs ls vol.img /Windows -l\n"
              "          ntkit ntfs ls disk.raw --offset 65536 -R --json\n", f);
    else if (!strcmp(sub, "cat"))
        fputs("usage: ntkit ntfs cat IMAGE PATH[:STREAM] [--offset BYTES] [--heap SIZE]\n"
              "Writes a file's data (or a named stream) to standard output.\n"
              "examples: ntkit ntfs cat vol.img /dir/file.txt\n"
              "          ntkit ntfs cat vol.img 'dir\\file.txt:Zone.Identifier'\n", f);
    else if (!strcmp(sub, "stat"))
        fputs("usage: ntkit ntfs stat IMAGE PATH [--json] [--offset BYTES] [--heap SIZE]\n"
              "Prints every name and namespace, times, sizes, attributes, streams, data\n"
              "runs, reparse target and owner SID of a file.\n"
              "example: ntkit ntfs stat vol.img /dir/file.txt --json\n", f);
    else
        fputs("usage: ntkit ntfs <info|ls|cat|stat> IMAGE [PATH] [options]\n"
              "Reads an NTFS volume image (read-only).\n"
              "common options: --offset BYTES (where the volume starts in the image),\n"
              "                --heap SIZE (parser memory, default 256M), --help\n"
              "Paths use / or \\ and are matched case-insensitively.\n"
              "Run 'ntkit ntfs <subcommand> --help' for details and examples.\n", f);
    if (!*sub)
        fputs(ntfs_forensic_usage, f);
}

static int parse_opts(int argc, char **argv, cli_ntfs_opts *o, const char *sub)
{
    memset(o, 0, sizeof *o);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        size_t v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            o->help = true;
        } else if (!strcmp(a, "--offset") || !strcmp(a, "--heap")) {
            char *end = NULL;
            if (i + 1 < argc && a[2] == 'o') {
                errno = 0;
                v = (size_t)strtoull(argv[i + 1], &end, 0);
                if (errno || end == argv[i + 1] || *end || argv[i + 1][0] == '-')
                    end = NULL;
            }
            if (i + 1 >= argc || (a[2] == 'o' ? !end : cli_parse_size(argv[i + 1], &v) != 0)) {
                fprintf(stderr, "ntkit ntfs %s: %s needs a size in bytes\n", sub, a);
                return -1;
            }
            if (a[2] == 'o')
                o->offset = v;
            else
                o->heap = v;
            i++;
        } else if (!strcmp(a, "--json")) {
            o->json = true;
        } else if (a[0] == '-' && a[1] && a[1] != '-' && strspn(a + 1, "lRa") == strlen(a + 1)) {
            o->longfmt |= strchr(a, 'l') != NULL;
            o->recursive |= strchr(a, 'R') != NULL;
            o->all |= strchr(a, 'a') != NULL;
        } else if (!strcmp(a, "--")) {
            for (i++; i < argc; i++) {
                if (!o->image) o->image = argv[i];
                else if (!o->path) o->path = argv[i];
                else return -1;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "ntkit ntfs %s: unknown option '%s'\n", sub, a);
            return -1;
        } else if (!o->image) {
            o->image = a;
        } else if (!o->path) {
            o->path = a;
        } else {
            fprintf(stderr, "ntkit ntfs %s: unexpected argument '%s'\n", sub, a);
            return -1;
        }
    }
    if (o->heap && o->heap < 65536) {
        fprintf(stderr, "ntkit ntfs %s: --heap must be at least 64K\n", sub);
        return -1;
    }
    return 0;
}

/* ---- info ---- */

static int do_info(cli_ntfs_image *im, const cli_ntfs_opts *o)
{
    ntfs_volume_info vi;
    int rc = ntfs_volume_get_info(im->vol, true, &vi);
    if (rc)
        return cli_ntfs_vreport(im, rc, "volume information");
    if (o->json) {
        printf("{\"label\":");
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
            ntfs_stream_get_info(s, &si);
            if (json)
                printf(",\"compressed\":%s,\"sparse\":%s,\"encrypted\":%s,\"runs\":[", si.compressed ? "true" : "false",
                       si.sparse ? "true" : "false", si.encrypted ? "true" : "false");
            else
                printf("data runs:     %zu%s%s%s\n", si.run_count, si.compressed ? " (compressed)" : "",
                       si.sparse ? " (sparse)" : "", si.encrypted ? " (encrypted)" : "");
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
    /* owner */
    {
        size_t need = 0;
        uint8_t *sd = malloc(65536);
        char sid[256];
        if (sd && ntfs_file_security(f, sd, 65536, &need) == NT_OK &&
            ntfs_sd_owner_string(sd, need, sid, sizeof sid) == NT_OK) {
            if (json) {
                printf(",\"owner\":\"%s\",\"security_descriptor_size\":%zu", sid, need);
            } else {
                printf("owner:         %s\n", sid);
            }
        }
        free(sd);
    }
    if (json)
        printf("}\n");
    ntfs_close(f);
    return worst;
}

int cmd_ntfs(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL;
    cli_ntfs_image im;
    cli_ntfs_opts o;
    int rc;

    if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        usage_sub(sub ? stdout : stderr, "");
        return sub ? EXIT_NTKIT_OK : EXIT_NTKIT_USAGE;
    }
    if (ntfs_forensic_handles(sub, argc, argv))
        return ntfs_forensic_main(argc, argv);
    if (strcmp(sub, "info") && strcmp(sub, "ls") && strcmp(sub, "cat") && strcmp(sub, "stat")) {
        fprintf(stderr, "ntkit ntfs: unknown subcommand '%s'\n", sub);
        usage_sub(stderr, "");
        return EXIT_NTKIT_USAGE;
    }
    if (parse_opts(argc, argv, &o, sub)) {
        usage_sub(stderr, sub);
        return EXIT_NTKIT_USAGE;
    }
    if (o.help) {
        usage_sub(stdout, sub);
        return EXIT_NTKIT_OK;
    }
    if (!o.image || ((!strcmp(sub, "cat") || !strcmp(sub, "stat")) && !o.path) ||
        (!strcmp(sub, "info") && o.path)) {
        usage_sub(stderr, sub);
        return EXIT_NTKIT_USAGE;
    }
    rc = cli_ntfs_image_open(&im, &o);
    if (rc)
        return rc;
    if (!strcmp(sub, "info"))
        rc = do_info(&im, &o);
    else if (!strcmp(sub, "ls"))
        rc = cli_ntfs_ls(&im, &o);
    else if (!strcmp(sub, "cat"))
        rc = do_cat(&im, &o);
    else
        rc = do_stat(&im, &o);
    fflush(stdout);
    cli_ntfs_image_close(&im);
    return rc;
}
