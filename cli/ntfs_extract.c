#include "ntfs_cli.h"
int cli_ntfs_extract(cli_ntfs_image *im, const cli_ntfs_opts *o) { (void)im; (void)o; return 2; }
