/* `ntkit hive recover`: deleted keys and values found in free cells and
 * slack, remnants past the hive bins data, and allocated records the live
 * tree does not reach; `ntkit hive layers`: the layer semantics of a 1.6 differencing
 * hive. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hive_cli.h"
#include "nthive_forensic.h"

int hive_cmd_recover(int argc, char **argv);
int hive_cmd_layers(int argc, char **argv);

static void put_hex(const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        putchar(digits[p[i] >> 4]);
        putchar(digits[p[i] & 15]);
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static char *key_path(const nthive_key *k, size_t *len, bool *complete)
{
    size_t need = 0;
    char *buf;
    nthive_deleted_key_path(k, NULL, 0, &need, complete);
    buf = malloc(need + 1);
    if (!buf)
        abort();
    nthive_deleted_key_path(k, buf, need + 1, len, complete);
    return buf;
}

static const char *owner_name(uint32_t how)
{
    switch (how) {
    case NTHIVE_OWNER_DELETED_LIST:
        return "list";
    case NTHIVE_OWNER_DELETED_SLACK:
        return "list-slack";
    case NTHIVE_OWNER_LIVE_SLACK:
        return "live-list-slack";
    case NTHIVE_OWNER_OLD_LIST:
        return "old-list";
    default:
        return "unknown";
    }
}

static const char *found_name(int found)
{
    switch (found) {
    case NTHIVE_FOUND_SLACK:
        return "slack";
    case NTHIVE_FOUND_REMNANT:
        return "remnant";
    case NTHIVE_FOUND_UNREFERENCED:
        return "unreferenced";
    default:
        return "free";
    }
}

/* Text-mode note after a record: where it was found, when not a free cell. */
static const char *found_note(int found)
{
    switch (found) {
    case NTHIVE_FOUND_SLACK:
        return "  (in slack)";
    case NTHIVE_FOUND_REMNANT:
        return "  (remnant past the hive bins data)";
    case NTHIVE_FOUND_UNREFERENCED:
        return "  (allocated, unreferenced)";
    default:
        return "";
    }
}

static const char *state_name(int state)
{
    return state == NTHIVE_DATA_COMPLETE ? "complete" : state == NTHIVE_DATA_PARTIAL ? "partial" : "lost";
}

/* One recovered value. `how` says how the key was found (NTHIVE_OWNER_*,
 * NONE for an orphan whose key is unknown). */
static void print_value(const nthive_value *v, const nthive_reach *reach, const char *kpath, size_t klen,
                        bool complete, bool json, int found, uint32_t how, uint32_t owner_off)
{
    nthive_name n;
    size_t nlen, plen;
    char *name;
    const uint8_t *piece;
    nthive_deleted_data dd;

    nthive_deleted_data_init_reach(v, reach, &dd);
    if (dd.record_reused) {
        /* The list entry survives, the record does not: what is in the
         * cell now belongs to a live value. */
        if (json) {
            printf("{\"key\": ");
            hive_json_string(stdout, kpath, klen);
            printf(", \"value\": null, \"type\": null, \"data\": null, \"data_state\": \"lost\", "
                   "\"record\": \"reused\", \"deleted\": true, \"found\": \"%s\", \"offset\": %u, "
                   "\"path_complete\": %s, \"owner\": \"%s\", \"owner_offset\": %u}\n",
                   found_name(found), v->offset, complete ? "true" : "false", owner_name(how), owner_off);
        } else {
            printf("deleted value  cell 0x%x  %s", v->offset, complete ? "" : "...\\");
            hive_print_text(stdout, kpath, klen);
            fputs("\\?  record reused by a live cell\n", stdout);
        }
        return;
    }
    nthive_value_name(v, &n);
    name = hive_name_dup(&n, &nlen);
    if (json) {
        printf("{\"key\": ");
        hive_json_string(stdout, kpath, klen);
        printf(", \"value\": ");
        hive_json_string(stdout, name, nlen);
        printf(", \"type\": %u, \"data\": ", nthive_value_type(v));
        if (dd.state == NTHIVE_DATA_LOST) {
            fputs("null", stdout);
        } else {
            static const uint8_t zeros[256];
            putchar('"');
            while (nthive_deleted_data_next(&dd, &piece, &plen) == NT_OK) {
                if (piece) {
                    put_hex(piece, plen);
                } else {
                    for (size_t k = 0; k < plen; k += sizeof zeros)
                        put_hex(zeros, plen - k < sizeof zeros ? plen - k : sizeof zeros);
                }
            }
            putchar('"');
        }
        printf(", \"data_state\": \"%s\", \"size\": %u", state_name(dd.state), dd.size);
        if (dd.segments)
            printf(", \"segments\": %u, \"segments_recovered\": %u", dd.segments, dd.segments_ok);
        if (dd.state == NTHIVE_DATA_PARTIAL) {
            /* Lost segments, as [offset, length] in the data (zeros above). */
            size_t at = 0;
            bool first = true;
            nthive_deleted_data_init_reach(v, reach, &dd);
            fputs(", \"data_lost\": [", stdout);
            while (nthive_deleted_data_next(&dd, &piece, &plen) == NT_OK) {
                if (!piece) {
                    printf("%s[%zu, %zu]", first ? "" : ", ", at, plen);
                    first = false;
                }
                at += plen;
            }
            putchar(']');
        }
        printf(", \"deleted\": true, \"found\": \"%s\", \"offset\": %u, \"path_complete\": %s, "
               "\"owner\": \"%s\"",
               found_name(found), v->offset, complete ? "true" : "false", owner_name(how));
        if (how != NTHIVE_OWNER_NONE)
            printf(", \"owner_offset\": %u", owner_off);
        puts("}");
    } else {
        const char *tn = hive_type_name(nthive_value_type(v));
        printf("deleted value  cell 0x%x  ", v->offset);
        if (how == NTHIVE_OWNER_NONE)
            fputs("?", stdout);
        else if (!complete)
            fputs("...\\", stdout);
        hive_print_text(stdout, kpath, klen);
        fputs("\\", stdout);
        hive_print_text(stdout, nlen ? name : "(default)", nlen ? nlen : 9);
        printf("  %s", tn ? tn : "type");
        if (!tn)
            printf("(%u)", nthive_value_type(v));
        if (dd.state == NTHIVE_DATA_COMPLETE)
            printf("  %u bytes", dd.size);
        else if (dd.state == NTHIVE_DATA_PARTIAL)
            printf("  %u bytes, partial: %u of %u big data segments lost", dd.size,
                   dd.segments - dd.segments_ok, dd.segments);
        else
            printf("  data lost");
        if (how == NTHIVE_OWNER_DELETED_SLACK || how == NTHIVE_OWNER_LIVE_SLACK ||
            how == NTHIVE_OWNER_OLD_LIST)
            printf("  (owner from %s)", owner_name(how));
        fputs(found_note(found), stdout);
        putchar('\n');
    }
    free(name);
}

static void recover_help(void)
{
    puts("usage: ntkit hive recover [--json] [--heap SIZE] HIVE\n"
         "\n"
         "Scans the free cells of the hive (and the slack after the records and\n"
         "list items of allocated cells) for deleted keys and values that still\n"
         "parse, and prints each with the best path its parent chain gives. It\n"
         "also reports the records of allocated cells that nothing reachable\n"
         "from the root references (unreferenced), and records in the file\n"
         "past the hive bins size the base block declares (remnant). A\n"
         "value found inside a deleted key's value list is printed under that\n"
         "key; a value whose key is gone is attributed to a deleted or live key\n"
         "whose value list slack (or a freed old copy of a live key's list)\n"
         "still points at it, else it has the key \"\"\n"
         "(owner unknown). Data (big data included) is shown only where its\n"
         "cells are still unallocated: complete, partial (lost big data\n"
         "segments read as zeros) or lost.\n"
         "  --json  one object per line: keys {key, last_written, found, ...},\n"
         "          values {key, value, type, data (lowercase hex or null),\n"
         "          data_state (complete|partial|lost), data_lost ([offset,\n"
         "          length]...), owner (list|list-slack|live-list-slack|old-list|\n"
         "          unknown), found (free|slack|remnant|unreferenced), ...}\n"
         "\n"
         "examples:\n"
         "  ntkit hive recover NTUSER.DAT\n"
         "  ntkit hive recover --json --no-logs SAM");
}

int hive_cmd_recover(int argc, char **argv)
{
    const char *file = NULL;
    bool json = false;
    hive_opts o = {0};
    hive_file f;
    nthive_deleted_iter it;
    nthive_deleted d;
    uint32_t *owned = NULL;
    size_t nowned = 0, capowned = 0;
    uint64_t keys = 0, values = 0;
    nthive_owner_map map;
    nthive_reach reach;
    int rc, st;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            recover_help();
            return EXIT_NTKIT_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--heap") && i + 1 < argc) {
            if (cli_parse_size(argv[++i], &o.heap) < 0 || !o.heap) {
                fprintf(stderr, "ntkit: hive recover: bad --heap size '%s'\n", argv[i]);
                return EXIT_NTKIT_USAGE;
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "ntkit: hive recover: unknown option '%s'\n", argv[i]);
            return EXIT_NTKIT_USAGE;
        } else if (!file) {
            file = argv[i];
        } else {
            fprintf(stderr, "ntkit: hive recover: too many arguments\n");
            return EXIT_NTKIT_USAGE;
        }
    }
    if (!file) {
        fprintf(stderr, "usage: ntkit hive recover [--json] HIVE\n");
        return EXIT_NTKIT_USAGE;
    }
    rc = hive_file_open(&f, file, &o);
    if (rc)
        return rc;
    /* What the live tree reaches: allocated records outside it are
     * reported as unreferenced. */
    st = nthive_reach_build(&reach, &f.hive, &f.arena.iface);
    if (st) {
        if (!cli_arena_report_exhausted(&f.arena, "ntkit"))
            fprintf(stderr, "ntkit: %s: cannot map what the live tree reaches\n", file);
        hive_file_close(&f);
        return hive_exit_code(st);
    }
    if (reach.broken)
        fprintf(stderr,
                "ntkit: %s: %u references of the live tree cannot be followed; what lies behind them is "
                "reported as unreferenced\n",
                file, reach.broken);
    /* Pass 1: the values that deleted keys still list, so that pass 2
     * prints them under their key and not again as orphans. */
    nthive_deleted_init(&it, &f.hive);
    nthive_deleted_set_reach(&it, &reach);
    while (nthive_deleted_next(&it, &d) == NT_OK) {
        nthive_value v;
        if (d.kind != NTHIVE_DELETED_KEY)
            continue;
        for (uint32_t i = 0; nthive_deleted_key_value(&d.key, i, &v) == NT_OK; i++) {
            if (nowned == capowned) {
                capowned = capowned ? 2 * capowned : 64;
                owned = realloc(owned, capowned * sizeof *owned);
                if (!owned)
                    abort();
            }
            owned[nowned++] = v.offset;
        }
    }
    if (nowned)
        qsort(owned, nowned, sizeof *owned, cmp_u32);
    st = nthive_owner_map_build(&map, &f.hive, &f.arena.iface);
    if (st) {
        if (!cli_arena_report_exhausted(&f.arena, "ntkit"))
            fprintf(stderr, "ntkit: %s: cannot collect value list references\n", file);
        free(owned);
        nthive_reach_free(&reach);
        hive_file_close(&f);
        return hive_exit_code(st);
    }
    if (map.truncated)
        fprintf(stderr, "ntkit: %s: too many value list references; some owners may be missing\n", file);
    nthive_deleted_init(&it, &f.hive);
    nthive_deleted_set_reach(&it, &reach);
    while (nthive_deleted_next(&it, &d) == NT_OK) {
        if (d.kind == NTHIVE_DELETED_KEY) {
            bool complete;
            size_t plen;
            char *path = key_path(&d.key, &plen, &complete), ts[40];
            nthive_value v;
            keys++;
            hive_format_time(nthive_key_last_written(&d.key), ts, sizeof ts);
            if (json) {
                printf("{\"key\": ");
                hive_json_string(stdout, path, plen);
                printf(", \"last_written\": \"%s\", \"deleted\": true, \"found\": \"%s\", \"offset\": %u, "
                       "\"path_complete\": %s}\n",
                       ts, found_name(d.found), d.offset, complete ? "true" : "false");
            } else {
                printf("deleted key    cell 0x%x  %s  %s", d.offset, ts, complete ? "" : "...\\");
                hive_print_text(stdout, path, plen);
                printf("%s\n", found_note(d.found));
            }
            for (uint32_t i = 0; nthive_deleted_key_value(&d.key, i, &v) == NT_OK; i++) {
                values++;
                print_value(&v, &reach, path, plen, complete, json, d.found, NTHIVE_OWNER_DELETED_LIST,
                            d.offset);
            }
            free(path);
        } else if (!nowned || !bsearch(&d.offset, owned, nowned, sizeof *owned, cmp_u32)) {
            nthive_key owner;
            uint32_t how;
            values++;
            if (nthive_value_owner(&map, d.offset, &owner, &how, NULL) == NT_OK) {
                bool complete;
                size_t plen;
                char *path = key_path(&owner, &plen, &complete);
                print_value(&d.value, &reach, path, plen, complete, json, d.found, how, owner.offset);
                free(path);
            } else {
                print_value(&d.value, &reach, "", 0, false, json, d.found, NTHIVE_OWNER_NONE, 0);
            }
        }
    }
    nthive_owner_map_free(&map);
    nthive_reach_free(&reach);
    if (!json)
        printf("%llu deleted keys, %llu deleted values\n", (unsigned long long)keys,
               (unsigned long long)values);
    free(owned);
    hive_file_close(&f);
    return EXIT_NTKIT_OK;
}

/* ---- layers ---------------------------------------------------------------- */

typedef struct layers_ctx {
    bool json, all;
    uint64_t marked;
} layers_ctx;

static int layer_key(hive_file *f, const nthive_key *key, const char *path, size_t path_len, uint32_t depth,
                     void *vctx)
{
    layers_ctx *c = vctx;
    nthive_layer l;
    nthive_value_iter it;
    nthive_value v;
    int r;
    (void)f, (void)depth;
    nthive_key_layer(key, &l);
    if (c->all || l.semantics != NTHIVE_LAYER_NONE || l.inherit_class) {
        c->marked++;
        if (c->json) {
            printf("{\"key\": ");
            hive_json_string(stdout, path, path_len);
            printf(", \"layer\": \"%s\", \"inherit_class\": %s}\n", nthive_layer_name(l.semantics),
                   l.inherit_class ? "true" : "false");
        } else {
            printf("%-16s%s ", nthive_layer_name(l.semantics), l.inherit_class ? " inherit-class" : "");
            hive_print_text(stdout, path, path_len);
            fputs("\\\n", stdout);
        }
    }
    if (nthive_values(key, &it))
        return 0;
    while ((r = nthive_value_next(&it, &v)) != NT_END) {
        nthive_name n;
        size_t nlen;
        char *name;
        if (r || !nthive_value_is_tombstone(&v))
            continue;
        c->marked++;
        nthive_value_name(&v, &n);
        name = hive_name_dup(&n, &nlen);
        if (c->json) {
            printf("{\"key\": ");
            hive_json_string(stdout, path, path_len);
            printf(", \"value\": ");
            hive_json_string(stdout, name, nlen);
            printf(", \"layer\": \"tombstone\"}\n");
        } else {
            printf("%-16s ", "tombstone");
            hive_print_text(stdout, path, path_len);
            fputs(path_len ? "\\" : "", stdout);
            hive_print_text(stdout, nlen ? name : "(default)", nlen ? nlen : 9);
            fputs("  (value)\n", stdout);
        }
        free(name);
    }
    return 0;
}

int hive_cmd_layers(int argc, char **argv)
{
    const char *file = NULL;
    layers_ctx c = {false, false, 0};
    hive_opts o = {0};
    hive_file f;
    nthive_key root;
    nthive_info in;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            puts("usage: ntkit hive layers [--json] [--all] HIVE\n"
                 "\n"
                 "Lists the keys of a version 1.6 differencing hive that carry layer\n"
                 "semantics (tombstone: deleted in this layer; supersede-local: hides\n"
                 "the lower layers' values; supersede-tree: hides their subtree;\n"
                 "inherit-class) and the tombstone values. --all lists every key.\n"
                 "`ntkit hive ls -l` shows the same semantics beside each key.\n"
                 "\n"
                 "examples:\n"
                 "  ntkit hive layers System_Delta\n"
                 "  ntkit hive layers --all --json System_Delta");
            return EXIT_NTKIT_OK;
        } else if (!strcmp(argv[i], "--json")) {
            c.json = true;
        } else if (!strcmp(argv[i], "--all")) {
            c.all = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "ntkit: hive layers: unknown option '%s'\n", argv[i]);
            return EXIT_NTKIT_USAGE;
        } else if (!file) {
            file = argv[i];
        } else {
            fprintf(stderr, "ntkit: hive layers: too many arguments\n");
            return EXIT_NTKIT_USAGE;
        }
    }
    if (!file) {
        fprintf(stderr, "usage: ntkit hive layers [--json] HIVE\n");
        return EXIT_NTKIT_USAGE;
    }
    rc = hive_file_open(&f, file, &o);
    if (rc)
        return rc;
    nthive_get_info(&f.hive, &in);
    if (!c.json)
        printf("version %u.%u, layered keys %s\n", in.major, in.minor,
               in.minor >= 6 && (in.flags & 2) ? "yes (base block flag 0x2)" : "no");
    if (nthive_root(&f.hive, &root)) {
        hive_report(&f);
        rc = EXIT_NTKIT_CORRUPT;
    } else {
        rc = hive_walk(&f, &root, "", 0, 0, layer_key, &c);
    }
    hive_file_close(&f);
    return rc;
}
