/* ntfs_forensic_cmds.h - ntkit ntfs subcommands for forensics (hosted
 * code, cli/ntfs_forensic.c): deleted, timeline, usn, sddl and cat --mft.
 * (Named apart from libntfs/include/ntfs_forensic.h, the library API they
 * use.) Each takes the mounted image and the parsed options and returns an
 * exit code of commands.h. */
#ifndef NTKIT_CLI_NTFS_FORENSIC_CMDS_H
#define NTKIT_CLI_NTFS_FORENSIC_CMDS_H

#include "ntfs_cli.h"

int cli_ntfs_deleted(cli_ntfs_image *im, const cli_ntfs_opts *o);
int cli_ntfs_timeline(cli_ntfs_image *im, const cli_ntfs_opts *o);
int cli_ntfs_usn(cli_ntfs_image *im, const cli_ntfs_opts *o);
int cli_ntfs_sddl(cli_ntfs_image *im, const cli_ntfs_opts *o);
int cli_ntfs_cat_mft(cli_ntfs_image *im, const cli_ntfs_opts *o);

#endif
