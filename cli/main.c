/* ntkit: one binary, subcommands `hive ...` and `ntfs ...`. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static void usage(FILE *f)
{
    fputs("usage: ntkit <command> [args...]\n"
          "\n"
          "Offline readers for Windows NT on-disk formats.\n"
          "\n"
          "commands:\n"
#ifdef NTKIT_HAVE_HIVE
          "  hive    read registry hives (info, ls, get, export)\n"
#endif
#ifdef NTKIT_HAVE_NTFS
          "  ntfs    read NTFS images (info, ls, cat, stat)\n"
#endif
          "\n"
          "Run 'ntkit <command> --help' for a command's options and examples.\n"
          "Exit codes: 0 ok, 1 not found, 2 usage, 3 corrupt input, 4 I/O error.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_NTKIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_NTKIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("ntkit %s\n", NTKIT_VERSION);
        return EXIT_NTKIT_OK;
    }
#ifdef NTKIT_HAVE_HIVE
    if (!strcmp(argv[1], "hive"))
        return cmd_hive(argc - 1, argv + 1);
#endif
#ifdef NTKIT_HAVE_NTFS
    if (!strcmp(argv[1], "ntfs"))
        return cmd_ntfs(argc - 1, argv + 1);
#endif
    fprintf(stderr, "ntkit: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_NTKIT_USAGE;
}
