/* console.h - text output on the firmware console (ConOut).
 *
 * OVMF mirrors ConOut on the serial port, which is where the boot test
 * reads the application's report. */
#ifndef NTKIT_BOOT_CONSOLE_H
#define NTKIT_BOOT_CONSOLE_H

#include <stddef.h>

#include "efi.h"

/* Remembers the console of `st`; call before anything else here. */
void con_init(EFI_SYSTEM_TABLE *st);

/* Writes `len` bytes of UTF-8: '\n' becomes "\r\n" (the console needs
 * both), characters outside the BMP and malformed bytes become '?'. */
void con_write(const char *utf8, size_t len);

/* printf to the console (see format.h for the conversions); lines longer
 * than 1 KiB are cut. */
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
