/* ntfs_forensic.h - forensic views of an NTFS volume (freestanding).
 *
 * Functions here work on bytes the caller already has (a security
 * descriptor read with ntfs_file_security, ...) and never touch libc. */
#ifndef NTFS_FORENSIC_H
#define NTFS_FORENSIC_H

#include <stddef.h>
#include <stdint.h>

#include "ntcore/status.h"
#include "ntfs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- SDDL ---------------------------------------------------------------- */

/* Formats a self-relative security descriptor (`sd`, `sd_len` bytes, as
 * returned by ntfs_file_security) as an SDDL string, the way Windows'
 * ConvertSecurityDescriptorToStringSecurityDescriptor does:
 *   "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;;0x1200a9;;;BU)S:..."
 * - Owner "O:" and group "G:" are printed when present; the DACL "D:" and
 *   SACL "S:" when their PRESENT control bit is set (a present but absent
 *   list is "NO_ACCESS_CONTROL"), with the P / AR / AI control flags.
 * - Well-known SIDs get their two-letter alias (SY, BA, BU, WD, CO, AU, ...);
 *   domain-relative ones (DA, DU, LA, ...) cannot be known offline and are
 *   printed in full ("S-1-5-21-...").
 * - An access mask that equals one of FA FR FW FX KA KR KW KX is printed as
 *   that alias; otherwise as the concatenation of bit aliases (GA GR GW GX
 *   CC DC LC SW RP WP DT LO CR SD RC WD WO) when every set bit has one,
 *   else as hex ("0x1200a9"). Mandatory-label ACEs use NR NW NX.
 * - ACE types A D AU AL OA OD OU OL XA XD ZA XU ML RA SP; object ACEs show
 *   their GUIDs; callback conditions and resource attribute values are not
 *   decoded (the ACE is printed without them).
 * `out` receives the NUL-terminated string (`cap` bytes); `*len` (may be
 * NULL) receives its length without the NUL, also when `cap` is too small.
 * Errors:
 *   NT_ERR_RANGE   cap too small: out holds a NUL-terminated prefix when
 *                  cap > 0, *len the full length;
 *   NT_ERR_CORRUPT a bad revision, an offset or size outside the descriptor,
 *                  an ACL or ACE that overruns its container, a malformed
 *                  SID; `diag` (may be NULL) receives the byte offset inside
 *                  the descriptor and a static rule string.
 *   NT_ERR_INVALID sd or out is NULL while the size is nonzero. */
int ntfs_sd_to_sddl(const void *sd, size_t sd_len, char *out, size_t cap, size_t *len,
                    nt_diag *diag);

/* The SDDL form of one SID (`sid_len` bytes available): a two-letter alias
 * for a well-known SID, else "S-1-...". Same `out` / `cap` / `*len`
 * contract and errors as ntfs_sd_to_sddl. */
int ntfs_sid_to_sddl(const void *sid, size_t sid_len, char *out, size_t cap, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
