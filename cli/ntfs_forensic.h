/* ntfs_forensic.h - ntkit ntfs subcommands for forensics (hosted code):
 * deleted, timeline, sddl, and cat --mft. */
#ifndef NTKIT_CLI_NTFS_FORENSIC_H
#define NTKIT_CLI_NTFS_FORENSIC_H

#include <stdbool.h>

/* Whether `sub` (with its arguments) is handled here: "deleted",
 * "timeline", "sddl", or "cat" with a --mft option. */
bool ntfs_forensic_handles(const char *sub, int argc, char **argv);

/* Runs it. argv[0] is "ntfs", argv[1] the subcommand. Returns an exit code
 * of commands.h. */
int ntfs_forensic_main(int argc, char **argv);

/* Usage lines of the forensic subcommands. */
extern const char ntfs_forensic_usage[];

#endif
