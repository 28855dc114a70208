/* `ntkit hive replay HIVE OUT`: writes the hive with its transaction logs
 * applied (valid checksum, equal sequence numbers). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hive_cli.h"
#include "hive_logs.h"

static void replay_help(void)
{
    puts("usage: ntkit hive replay [--log FILE]... HIVE OUT\n"
         "\n"
         "Applies the transaction logs of a dirty hive and writes the result to\n"
         "OUT, with both sequence numbers equal and a valid checksum. Logs are\n"
         "HIVE.LOG, HIVE.LOG1 and HIVE.LOG2 beside HIVE (any case) unless --log\n"
         "names them. Both formats are read: old (\"DIRT\", Windows XP-8.0) and\n"
         "new (\"HvLE\" entries with Marvin32 hashes, Windows 8.1 on). A clean hive\n"
         "is copied unchanged. Exit 3 when the hive is dirty and no log applies.\n"
         "\n"
         "examples:\n"
         "  ntkit hive replay SYSTEM SYSTEM.clean\n"
         "  ntkit hive replay --log old/SYSTEM.LOG1 --log old/SYSTEM.LOG2 SYSTEM out");
}

/* Called from hive_main.c with --log/--no-logs already stripped. */
int hive_cmd_replay(int argc, char **argv, const hive_logs_opts *o);

int hive_cmd_replay(int argc, char **argv, const hive_logs_opts *o)
{
    const char *in = NULL, *outp = NULL;
    hive_logs_state s;
    FILE *f;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            replay_help();
            return EXIT_NTKIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "ntkit: hive replay: unknown option '%s'\n", argv[i]);
            return EXIT_NTKIT_USAGE;
        } else if (!in) {
            in = argv[i];
        } else if (!outp) {
            outp = argv[i];
        } else {
            fprintf(stderr, "ntkit: hive replay: too many arguments\n");
            return EXIT_NTKIT_USAGE;
        }
    }
    if (!in || !outp) {
        fprintf(stderr, "usage: ntkit hive replay [--log FILE]... HIVE OUT\n");
        return EXIT_NTKIT_USAGE;
    }
    if (o->no_logs) {
        fprintf(stderr, "ntkit: hive replay: --no-logs makes no sense here\n");
        return EXIT_NTKIT_USAGE;
    }
    {
        /* Replaying is what this command is for: logs beside the hive
         * are always picked up. */
        hive_logs_opts lo = *o;
        lo.auto_logs = true;
        rc = hive_logs_replay(in, &lo, &s);
    }
    if (rc && s.error[0])
        fprintf(stderr, "ntkit: %s\n", s.error);
    if (rc) {
        hive_logs_state_free(&s);
        return rc;
    }
    fprintf(stderr, "ntkit: %s: ", in);
    hive_logs_describe(stderr, &s);
    fputc('\n', stderr);
    if (s.dirty && !s.replayed) {
        hive_logs_state_free(&s);
        return EXIT_NTKIT_CORRUPT;
    }
    f = fopen(outp, "wb");
    if (!f) {
        fprintf(stderr, "ntkit: %s: %s\n", outp, strerror(errno));
        hive_logs_state_free(&s);
        return EXIT_NTKIT_IO;
    }
    if (s.replayed) {
        rc = fwrite(s.out, 1, s.out_size, f) == s.out_size ? EXIT_NTKIT_OK : EXIT_NTKIT_IO;
    } else {
        /* Clean: a plain copy. */
        uint8_t *data;
        size_t size;
        rc = hive_logs_read_file(in, &data, &size);
        if (!rc) {
            if (fwrite(data, 1, size, f) != size)
                rc = EXIT_NTKIT_IO;
            free(data);
        }
    }
    if (fclose(f) != 0 || rc) {
        fprintf(stderr, "ntkit: %s: write failed\n", outp);
        rc = EXIT_NTKIT_IO;
    }
    hive_logs_state_free(&s);
    return rc;
}
