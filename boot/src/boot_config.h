/* boot_config.h - what the application looks up, from \ntkit-boot.cfg on
 * the ESP it was loaded from.
 *
 * The file is UTF-8 text, one "name = value" per line; blank lines and
 * lines starting with '#' are ignored. Names (all optional):
 *
 *   hive   path of the hive on the NTFS volume
 *          (default \Windows\System32\config\SYSTEM)
 *   key    key path inside the hive; a first component "CurrentControlSet"
 *          is replaced by ControlSet00N, N from Select\Current, as Windows
 *          does (default CurrentControlSet\Control\ComputerName\ComputerName)
 *   value  value name; empty means the key's default value
 *          (default ComputerName)
 *   heap   MiB of memory for the parsers' heap (default 64, 1..2048)
 *
 * No file means all defaults. */
#ifndef NTKIT_BOOT_CONFIG_H
#define NTKIT_BOOT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "efi.h"

#define BOOT_CONFIG_FILE u"\\ntkit-boot.cfg"

typedef struct boot_config {
    char hive[512];
    char key[1024];
    char value[512];
    uint32_t heap_mib;
    bool from_file; /* the file was there */
} boot_config;

/* Fills in the defaults. */
void boot_config_defaults(boot_config *c);

/* Parses `len` bytes of config text over what `c` holds. Returns true, or
 * false with `line` set to the first bad line (unknown name, missing '=',
 * value too long, heap out of range). */
bool boot_config_parse(boot_config *c, const char *text, size_t len, unsigned *line);

/* Status boot_config_load returns for a file it cannot parse (an
 * application-defined error code: top two bits set). */
#define BOOT_CONFIG_SYNTAX (EFI_ERROR_BIT | (1ull << 62) | 1u)

/* Sets `c` to the defaults, then reads BOOT_CONFIG_FILE from the file
 * system on `device` (the ESP) and parses it over them. Returns
 * EFI_SUCCESS (also when the volume or the file is missing:
 * c->from_file says which), EFI_BUFFER_TOO_SMALL for a file over 8 KiB,
 * BOOT_CONFIG_SYNTAX with *line set for a bad line, or the firmware's
 * error from a failed read. */
EFI_STATUS boot_config_load(boot_config *c, EFI_BOOT_SERVICES *bs, EFI_HANDLE device, unsigned *line);

#endif
