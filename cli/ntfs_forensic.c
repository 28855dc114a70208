/* ntkit ntfs deleted | timeline | sddl | cat --mft (hosted code).
 *
 * deleted   MFT records not in use that still hold a $FILE_NAME: path,
 *           size, times. The path is rebuilt through parent records while
 *           each parent's sequence number still matches the reference
 *           (a deleted parent's number was bumped by one when it was
 *           freed); otherwise the name goes under "$OrphanFiles/".
 * timeline  a body file (sleuthkit's mactime format) with the
 *           $STANDARD_INFORMATION and $FILE_NAME times of every named
 *           record, deleted ones included.
 * sddl      the security descriptor of PATH as an SDDL string.
 * cat --mft N[:STREAM]  the data of any record, deleted or not; warns when
 *           its clusters are marked in use in $Bitmap again (a deleted
 *           file's clusters may belong to another file by now). */
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
#include "common_arena.h"
#include "common_ntfs.h"
#include "common_image.h"
#include "ntcore/utf16.h"
#include "ntfs.h"
#include "ntfs_forensic_cmds.h" /* this directory: the CLI entry points */
#include <ntfs_forensic.h>       /* libntfs/include: the library API */

#define MAX_DEPTH 1024   /* parent chain steps (cycles end here) */
#define PATH_CAP 65536

/* ---- formatting ---- */

static uint32_t nt_le32_cli(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* FILETIME -> Unix seconds (floor), as body files want. */
static int64_t unix_secs(uint64_t ft)
{
    return (int64_t)(ft / 10000000u) - 11644473600LL;
}

/* Body-file time: Unix seconds, 0 for "no time" (FILETIME 0 or before 1970). */
static int64_t body_secs(uint64_t ft)
{
    int64_t t = unix_secs(ft);
    return t < 0 ? 0 : t;
}

/* The name to show for a record: a Win32 or POSIX name before a DOS one. */
static const ntfs_mft_fn *best_name(const ntfs_mft_entry *e)
{
    const ntfs_mft_fn *dos = NULL;
    size_t i;

    for (i = 0; i < e->name_count; i++) {
        if (e->names[i].name_space != NTFS_NS_DOS)
            return &e->names[i];
        dos = &e->names[i];
    }
    return dos;
}

/* Prepends "name/" components to `path` (built from the end of buf). */
static char *prepend(char *buf, char *start, const char *name)
{
    size_t n = strlen(name);

    if ((size_t)(start - buf) < n + 1)
        return NULL;
    start -= n;
    memcpy(start, name, n);
    *--start = '/';
    return start;
}

/* Rebuilds the path of name `fn` into buf (PATH_CAP bytes). Returns a
 * pointer into buf ("dir/sub/name", or "$OrphanFiles/name" when the
 * parent chain is broken). Parents are read as raw records: a deleted
 * directory still names its own parent. */
static const char *rebuild_path(ntfs_volume *vol, const ntfs_mft_fn *fn, char *buf)
{
    char *p = buf + PATH_CAP - 1;
    uint64_t parent = fn->parent_ref;
    ntfs_mft_entry *pe = malloc(sizeof *pe);
    int depth;

    *p = 0;
    p = prepend(buf, p, fn->name);
    for (depth = 0; p && pe && depth < MAX_DEPTH; depth++) {
        uint64_t rec = NTFS_REF_RECORD(parent);
        uint16_t seq = (uint16_t)NTFS_REF_SEQ(parent);
        const ntfs_mft_fn *pn;

        if (rec == NTFS_REC_ROOT) {
            free(pe);
            return p + 1;
        }
        if (ntfs_mft_read_entry(vol, rec, pe) != NT_OK || !pe->is_dir ||
            !(pe->seq == seq || (!pe->in_use && pe->seq == (uint16_t)(seq + 1))) ||
            !(pn = best_name(pe)))
            break;
        p = prepend(buf, p, pn->name);
        parent = pn->parent_ref;
    }
    free(pe);
    /* Broken chain: keep the file's own name only. */
    p = buf + PATH_CAP - 1;
    p = prepend(buf, p, fn->name);
    p = p ? prepend(buf, p, "$OrphanFiles") : NULL;
    return p ? p + 1 : "?";
}

/* ---- deleted ---- */

int cli_ntfs_deleted(cli_ntfs_image *im, const cli_ntfs_opts *o)
{
    uint64_t n = ntfs_mft_record_count(im->vol), r;
    ntfs_mft_entry *e = malloc(sizeof *e);
    char *buf = malloc(PATH_CAP);
    int worst = EXIT_NTKIT_OK;

    if (!e || !buf) {
        free(e);
        free(buf);
        fprintf(stderr, "ntkit: out of memory\n");
        return EXIT_NTKIT_IO;
    }
    for (r = 0; r < n; r++) {
        int rc = ntfs_mft_read_entry(im->vol, r, e);
        const ntfs_mft_fn *fn;
        const char *path;
        char mt[64], ct[64], at[64], crt[64];

        if (rc == NT_ERR_NOT_FOUND)
            continue;
        if (rc) {
            int ec = cli_ntfs_ireport(im, rc, ntfs_diag(im->vol), "MFT record");
            if (ec == EXIT_NTKIT_IO)
                worst = ec;
            else if (worst == EXIT_NTKIT_OK)
                worst = ec;
            continue;
        }
        if (e->in_use || !e->is_base || !(fn = best_name(e)))
            continue;
        path = rebuild_path(im->vol, fn, buf);
        cli_ntfs_fmt_time(e->has_si ? e->si_mtime : fn->mtime, mt, sizeof mt);
        cli_ntfs_fmt_time(e->has_si ? e->si_ctime : fn->ctime, ct, sizeof ct);
        cli_ntfs_fmt_time(e->has_si ? e->si_atime : fn->atime, at, sizeof at);
        cli_ntfs_fmt_time(e->has_si ? e->si_crtime : fn->crtime, crt, sizeof crt);
        if (o->json) {
            printf("{\"record\":%" PRIu64 ",\"sequence\":%u,\"type\":\"%s\",\"path\":", r, e->seq,
                   e->is_dir ? "dir" : "file");
            cli_ntfs_json_str(stdout, path, strlen(path));
            printf(",\"size\":%" PRIu64 ",\"created\":\"%s\",\"modified\":\"%s\","
                   "\"mft_modified\":\"%s\",\"accessed\":\"%s\"}\n",
                   e->has_data ? e->size : fn->size, crt, mt, ct, at);
        } else {
            printf("%" PRIu64 "-%u\t%s\t%" PRIu64 "\t%s\t%s\n", r, e->seq, e->is_dir ? "d" : "r",
                   e->has_data ? e->size : fn->size, mt, path);
        }
    }
    free(e);
    free(buf);
    return worst;
}

/* ---- timeline ---- */

static void body_line(bool json, const char *path, const char *suffix, uint64_t rec, uint32_t type,
                      bool dir, bool deleted, uint64_t size, uint64_t a, uint64_t m, uint64_t c,
                      uint64_t cr)
{
    if (json) {
        char ta[64], tm[64], tc[64], tb[64];
        cli_ntfs_fmt_time(a, ta, sizeof ta);
        cli_ntfs_fmt_time(m, tm, sizeof tm);
        cli_ntfs_fmt_time(c, tc, sizeof tc);
        cli_ntfs_fmt_time(cr, tb, sizeof tb);
        printf("{\"path\":");
        cli_ntfs_json_str(stdout, path, strlen(path));
        printf(",\"source\":\"%s\",\"mft\":%" PRIu64 ",\"attribute_type\":%u,\"type\":\"%s\",\"deleted\":%s,"
               "\"size\":%" PRIu64 ",\"accessed\":\"%s\",\"modified\":\"%s\",\"mft_modified\":\"%s\","
               "\"created\":\"%s\"}\n",
               *suffix ? "$FILE_NAME" : "$STANDARD_INFORMATION", rec, type, dir ? "dir" : "file",
               deleted ? "true" : "false", size, ta, tm, tc, tb);
        return;
    }
    /* MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime */
    printf("0|/%s%s%s|%" PRIu64 "-%u|%s|0|0|%" PRIu64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64
           "\n",
           path, suffix, deleted ? " (deleted)" : "", rec, type, dir ? "d/drwxrwxrwx" : "r/rrwxrwxrwx",
           size, body_secs(a), body_secs(m), body_secs(c), body_secs(cr));
}

int cli_ntfs_timeline(cli_ntfs_image *im, const cli_ntfs_opts *o)
{
    uint64_t n = ntfs_mft_record_count(im->vol), r;
    ntfs_mft_entry *e = malloc(sizeof *e);
    char *buf = malloc(PATH_CAP);
    int worst = EXIT_NTKIT_OK;

    if (!e || !buf) {
        free(e);
        free(buf);
        fprintf(stderr, "ntkit: out of memory\n");
        return EXIT_NTKIT_IO;
    }
    for (r = 0; r < n; r++) {
        int rc = ntfs_mft_read_entry(im->vol, r, e);
        size_t i;

        if (rc == NT_ERR_NOT_FOUND)
            continue;
        if (rc) {
            int ec = cli_ntfs_ireport(im, rc, ntfs_diag(im->vol), "MFT record");
            if (worst == EXIT_NTKIT_OK)
                worst = ec;
            continue;
        }
        if (!e->is_base)
            continue;
        for (i = 0; i < e->name_count; i++) {
            const ntfs_mft_fn *fn = &e->names[i];
            const char *path;

            /* DOS 8.3 aliases are not separate names (fls skips them too). */
            if (fn->name_space == NTFS_NS_DOS)
                continue;
            /* The root has no name of its own (fls leaves it out too). */
            if (r == NTFS_REC_ROOT)
                continue;
            path = rebuild_path(im->vol, fn, buf);
            if (e->has_si)
                body_line(o->json, path, "", r, e->is_dir ? 144 : 128, e->is_dir, !e->in_use,
                          e->has_data ? e->size : 0, e->si_atime, e->si_mtime, e->si_ctime,
                          e->si_crtime);
            body_line(o->json, path, " ($FILE_NAME)", r, 48, e->is_dir, !e->in_use, fn->size, fn->atime,
                      fn->mtime, fn->ctime, fn->crtime);
        }
    }
    free(e);
    free(buf);
    return worst;
}

/* ---- sddl ---- */

int cli_ntfs_sddl(cli_ntfs_image *im, const cli_ntfs_opts *o)
{
    ntfs_file *f = NULL;
    size_t need = 0, cap = 65536, len = 0;
    uint8_t *sd = NULL;
    char *out = NULL;
    nt_diag d;
    int rc;

    rc = ntfs_open_path(im->vol, o->path, &f);
    if (rc)
        return cli_ntfs_ireport(im, rc, ntfs_diag(im->vol), o->path);
    sd = malloc(cap);
    if (!sd) {
        ntfs_close(f);
        return EXIT_NTKIT_IO;
    }
    rc = ntfs_file_security(f, sd, cap, &need);
    ntfs_close(f);
    if (rc) {
        free(sd);
        return cli_ntfs_ireport(im, rc, ntfs_diag(im->vol), o->path);
    }
    rc = ntfs_sd_to_sddl(sd, need, NULL, 0, &len, &d);
    if (rc == NT_ERR_RANGE && (out = malloc(len + 1)) != NULL)
        rc = ntfs_sd_to_sddl(sd, need, out, len + 1, &len, &d);
    free(sd);
    if (rc) {
        free(out);
        return cli_ntfs_ireport(im, rc, &d, "security descriptor");
    }
    if (o->json) {
        printf("{\"path\":");
        cli_ntfs_json_str(stdout, o->path, strlen(o->path));
        printf(",\"sddl\":");
        cli_ntfs_json_str(stdout, out, strlen(out));
        printf("}\n");
    } else {
        printf("%s\n", out);
    }
    free(out);
    return EXIT_NTKIT_OK;
}

/* ---- cat --mft ---- */

int cli_ntfs_cat_mft(cli_ntfs_image *im, const cli_ntfs_opts *o)
{
    char *end = NULL;
    const char *stream = NULL;
    ntfs_file *f = NULL;
    ntfs_stream *s = NULL;
    ntfs_stream_info si;
    uint64_t recno, off = 0, reused = 0;
    size_t i, chunk = (size_t)1 << 20;
    char *buf;
    int rc;

    errno = 0;
    recno = strtoull(o->mft, &end, 0);
    if (errno || end == o->mft || (*end && *end != ':')) {
        fprintf(stderr, "ntkit ntfs cat: --mft wants N or N:STREAM\n");
        return EXIT_NTKIT_USAGE;
    }
    if (*end == ':')
        stream = end + 1;
    rc = ntfs_mft_open_record(im->vol, recno, &f);
    if (rc)
        return cli_ntfs_ireport(im, rc, ntfs_diag(im->vol), "--mft");
    rc = ntfs_stream_open(f, NTFS_AT_DATA, stream, &s);
    if (rc) {
        ntfs_close(f);
        return cli_ntfs_ireport(im, rc, ntfs_diag(im->vol), "--mft stream");
    }
    /* Clusters of a file that is gone may hold someone else's data now. */
    for (i = 0;; i++) {
        ntfs_run run;
        uint64_t used = 0;
        if (ntfs_stream_get_run(s, i, &run) != NT_OK)
            break;
        if (run.lcn >= 0 && ntfs_clusters_in_use(im->vol, (uint64_t)run.lcn, run.length, &used) == NT_OK)
            reused += used;
    }
    ntfs_stream_get_info(s, &si);
    buf = malloc(chunk);
    if (!buf) {
        ntfs_stream_close(s);
        ntfs_close(f);
        return EXIT_NTKIT_IO;
    }
    {
        ntfs_mft_entry *e = malloc(sizeof *e);
        if (e && ntfs_mft_read_entry(im->vol, recno, e) == NT_OK && !e->in_use && reused)
            fprintf(stderr,
                    "ntkit: warning: MFT record %" PRIu64 " is not in use and %" PRIu64
                    " of its clusters are allocated again: the data may belong to another file\n",
                    recno, reused);
        free(e);
    }
    rc = NT_OK;
    while (off < si.size) {
        size_t got = 0, want = si.size - off < chunk ? (size_t)(si.size - off) : chunk;
        rc = ntfs_stream_read(s, off, buf, want, &got);
        if (rc || got == 0)
            break;
        if (fwrite(buf, 1, got, stdout) != got) {
            rc = NT_ERR_IO;
            break;
        }
        off += got;
    }
    free(buf);
    ntfs_stream_close(s);
    ntfs_close(f);
    if (rc)
        return cli_ntfs_ireport(im, rc, ntfs_diag(im->vol), "--mft read");
    return EXIT_NTKIT_OK;
}

/* ---- usn ---- */

/* Walks $Extend\$UsnJrnl:$J run by run: sparse runs (the head Windows
 * frees as the journal wraps) are skipped without reading. Records never
 * straddle a 4 KiB page; zeros pad the end of a page. */
int cli_ntfs_usn(cli_ntfs_image *im, const cli_ntfs_opts *o)
{
    const size_t chunk = (size_t)1 << 20;
    ntfs_file *f = NULL;
    ntfs_stream *s = NULL;
    ntfs_stream_info si;
    ntfs_volume_info vi;
    uint8_t *buf;
    size_t i;
    uint64_t count = 0;
    int rc, worst = EXIT_NTKIT_OK;

    rc = ntfs_open_path(im->vol, "/$Extend/$UsnJrnl", &f);
    if (rc == NT_OK)
        rc = ntfs_stream_open(f, NTFS_AT_DATA, "$J", &s);
    if (rc) {
        ntfs_close(f);
        return cli_ntfs_ireport(im, rc, ntfs_diag(im->vol), "$Extend/$UsnJrnl:$J");
    }
    ntfs_stream_get_info(s, &si);
    if (ntfs_volume_get_info(im->vol, false, &vi))
        vi.cluster_size = 4096;
    buf = malloc(chunk);
    if (!buf) {
        ntfs_stream_close(s);
        ntfs_close(f);
        return EXIT_NTKIT_IO;
    }
    for (i = 0; i < si.run_count || (si.resident && i == 0); i++) {
        ntfs_run run = {0, 0, 0};
        uint64_t start, end, off;

        if (si.resident) {
            start = 0;
            end = si.size;
        } else {
            if (ntfs_stream_get_run(s, i, &run) != NT_OK || run.lcn < 0)
                continue;
            start = run.vcn * vi.cluster_size;
            end = (run.vcn + run.length) * vi.cluster_size;
            if (end > si.size)
                end = si.size;
        }
        for (off = start; off < end;) {
            size_t got = 0, want = end - off < chunk ? (size_t)(end - off) : chunk, pos = 0;
            rc = ntfs_stream_read(s, off, buf, want, &got);
            if (rc || !got) {
                worst = cli_ntfs_ireport(im, rc ? rc : NT_ERR_CORRUPT, ntfs_diag(im->vol), "$J read");
                goto done;
            }
            while (pos + 8 <= got) {
                ntfs_usn_record r;
                nt_diag d;
                char reasons[512], when[64], name[NTFS_NAME_MAX * 3 + 1];

                if (nt_le32_cli(buf + pos) == 0) {
                    pos += 8;
                    continue;
                }
                rc = ntfs_usn_record_parse(buf + pos, got - pos, &r, &d);
                if (rc) {
                    fprintf(stderr, "ntkit: %s: $J at 0x%" PRIx64 ": %s\n", im->name,
                            off + pos + d.offset, d.rule ? d.rule : nt_strerror(rc));
                    worst = EXIT_NTKIT_CORRUPT;
                    pos = (pos + 4096) & ~(size_t)4095; /* resume at the next page */
                    continue;
                }
                ntfs_usn_reasons_string(r.reason, reasons, sizeof reasons);
                name[0] = 0;
                if (r.name)
                    nt_utf16le_to_utf8(r.name, r.name_units, name, sizeof name, NULL, NULL);
                cli_ntfs_fmt_time(r.timestamp, when, sizeof when);
                if (o->json) {
                    printf("{\"usn\":%" PRId64 ",\"version\":%u,\"time\":\"%s\",\"file_record\":%" PRIu64
                           ",\"file_sequence\":%u,\"parent_record\":%" PRIu64 ",\"parent_sequence\":%u,"
                           "\"reason\":\"%s\",\"attributes\":%u,\"name\":",
                           r.usn, r.major, r.timestamp ? when : "",
                           r.file_ref & (uint64_t)0xFFFFFFFFFFFF, (unsigned)(r.file_ref >> 48),
                           r.parent_ref & (uint64_t)0xFFFFFFFFFFFF, (unsigned)(r.parent_ref >> 48), reasons,
                           r.file_attributes);
                    cli_ntfs_json_str(stdout, name, strlen(name));
                    printf("}\n");
                } else {
                    printf("%" PRId64 "\t%s\t%" PRIu64 "-%u\t%" PRIu64 "-%u\t%s\t%s\n", r.usn,
                           r.timestamp ? when : "-", r.file_ref & (uint64_t)0xFFFFFFFFFFFF,
                           (unsigned)(r.file_ref >> 48), r.parent_ref & (uint64_t)0xFFFFFFFFFFFF,
                           (unsigned)(r.parent_ref >> 48), reasons, name);
                }
                count++;
                pos += r.length;
            }
            off += got;
        }
    }
done:
    free(buf);
    ntfs_stream_close(s);
    ntfs_close(f);
    return worst;
}

