/* The subcommand entry points of the ntkit binary. Each takes the arguments
 * after its own name (argv[0] is the subcommand name, e.g. "hive") and
 * returns the process exit code:
 *   0 ok, 1 not found, 2 usage, 3 corrupt input (output may be partial),
 *   4 I/O error. */
#ifndef NTKIT_CLI_COMMANDS_H
#define NTKIT_CLI_COMMANDS_H

enum {
    EXIT_NTKIT_OK = 0,
    EXIT_NTKIT_NOT_FOUND = 1,
    EXIT_NTKIT_USAGE = 2,
    EXIT_NTKIT_CORRUPT = 3,
    EXIT_NTKIT_IO = 4,
};

int cmd_hive(int argc, char **argv);
int cmd_ntfs(int argc, char **argv);

#endif
