/* ntkit: one binary, subcommands `hive ...` and `ntfs ...`. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static void usage(FILE *f)
{
    fputs("usage: ntkit <command> <subcommand> [options] [args...]\n"
          "\n"
          "Offline readers for Windows NT on-disk formats: registry hives and NTFS\n"
          "volumes, read without Windows and without mounting.\n"
          "\n"
          "commands:\n"
#ifdef NTKIT_HAVE_HIVE
          "  hive info     HIVE                  base block, dirty/checksum verdicts, counts\n"
          "  hive ls       HIVE [KEY]            subkeys; -l values, times, layers; -R recursive\n"
          "  hive get      HIVE KEY [VALUE]      one value's data, decoded by type\n"
          "  hive find     HIVE PATTERN [KEY]    keys, value names, string data matching a glob\n"
          "  hive export   HIVE [KEY]            a subtree as JSON lines or a .reg file\n"
          "  hive replay   HIVE OUT              apply the transaction logs, write the hive\n"
          "  hive recover  HIVE                  deleted keys and values\n"
          "  hive layers   HIVE                  layer semantics of a 1.6 differencing hive\n"
#endif
#ifdef NTKIT_HAVE_NTFS
          "  ntfs info     IMAGE                 volume facts; partitions of a disk image\n"
          "  ntfs ls       IMAGE [PATH]          a directory; -l details, -R recursive, -a all\n"
          "  ntfs cat      IMAGE PATH[:STREAM]   a file's data (or a stream) to stdout\n"
          "  ntfs stat     IMAGE PATH            names, times, sizes, streams, runs, SDDL\n"
          "  ntfs find     IMAGE [PATH] [TESTS]  files by -name GLOB, -size, -newer, ...\n"
          "  ntfs extract  IMAGE [PATH] DEST     copy a file or subtree out, times kept\n"
          "  ntfs deleted  IMAGE                 MFT records not in use that still hold names\n"
          "  ntfs timeline IMAGE                 a body file for mactime (as fls -r -m)\n"
          "  ntfs usn      IMAGE                 the change journal ($UsnJrnl:$J)\n"
          "  ntfs sddl     IMAGE PATH            a file's security descriptor as SDDL\n"
#endif
          "\n"
          "HIVE is a hive file, or IMAGE::PATH for a hive inside an NTFS image.\n"
          "IMAGE is a volume or a whole disk (MBR or GPT; IMAGE@N picks partition N),\n"
          "either of them may be gzip-compressed (.gz).\n"
          "--json prints one JSON object per line wherever a command prints records.\n"
          "\n"
          "examples:\n"
#ifdef NTKIT_HAVE_HIVE
          "  ntkit hive get disk.img::/Windows/System32/config/SYSTEM Select Current\n"
          "  ntkit hive find NTUSER.DAT '*putty*'\n"
#endif
#ifdef NTKIT_HAVE_NTFS
          "  ntkit ntfs ls disk.img@2 /Users -l\n"
#endif
          "\n"
          "Run 'ntkit <command> --help' or 'ntkit <command> <subcommand> --help' for\n"
          "options and examples; 'man ntkit' for the whole manual.\n"
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
