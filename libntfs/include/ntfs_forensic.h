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


/* ---- raw MFT records (deleted files) -------------------------------------- */

#define NTFS_MFT_ENTRY_NAMES 4 /* $FILE_NAME attributes kept per record */

typedef struct ntfs_mft_fn {
    uint64_t parent_ref;       /* record | sequence << 48 */
    uint8_t name_space;        /* NTFS_NS_* */
    uint64_t crtime, mtime, ctime, atime; /* FILETIMEs of this copy */
    uint64_t size;             /* the real size this copy records */
    char name[NTFS_NAME_MAX * 3 + 1]; /* UTF-8, NUL-terminated */
} ntfs_mft_fn;

typedef struct ntfs_mft_entry {
    uint64_t recno;
    uint16_t seq;              /* sequence number in the header */
    bool in_use;               /* header flag 0x01 */
    bool is_dir;               /* header flag 0x02 */
    bool is_base;              /* not an extension record */
    uint16_t link_count;
    bool has_si;               /* a $STANDARD_INFORMATION was found */
    uint64_t si_crtime, si_mtime, si_ctime, si_atime; /* ctime = MFT change */
    uint32_t file_attributes;
    bool has_data;             /* an unnamed $DATA in this record */
    uint64_t size;             /* its data size */
    size_t name_count;         /* entries of names[] filled */
    ntfs_mft_fn names[NTFS_MFT_ENTRY_NAMES];
} ntfs_mft_entry;

/* Number of record slots in $MFT:$DATA. Cannot fail. */
uint64_t ntfs_mft_record_count(ntfs_volume *vol);

/* Decodes record `recno` whatever its in-use flag: header, the first
 * $STANDARD_INFORMATION, the first unnamed $DATA and up to
 * NTFS_MFT_ENTRY_NAMES $FILE_NAME attributes, those in the record itself
 * first. A base record with an $ATTRIBUTE_LIST also contributes what its
 * extension records hold; for a deleted file only extension records that
 * are free as well, name this record as their base (with its sequence
 * number or the one before: freeing a record bumps it) and carry the
 * list's sequence number or the next: records reused by another file since
 * are never read. If the list cannot be followed, the entry holds what the
 * base record has (no error).
 * Errors: NT_ERR_NOT_FOUND (the slot never held a record: no FILE
 * signature, or past the end of $MFT), NT_ERR_CORRUPT (a damaged record or
 * attribute; the volume's diagnostic says which), NT_ERR_IO, NT_ERR_NOMEM. */
int ntfs_mft_read_entry(ntfs_volume *vol, uint64_t recno, ntfs_mft_entry *e);

/* Counts how many of the `count` clusters starting at `lcn` are marked in
 * use in $Bitmap (*in_use; 0 means all free). Reads the bitmap 512 bytes
 * at a time. Errors: NT_ERR_RANGE (the range leaves the volume),
 * NT_ERR_CORRUPT, NT_ERR_IO, NT_ERR_NOMEM. */
int ntfs_clusters_in_use(ntfs_volume *vol, uint64_t lcn, uint64_t count, uint64_t *in_use);

/* Opens MFT record `recno` as a file handle whether or not it is in use
 * (a deleted file), for ntfs_stream_open / ntfs_file_stat / ntfs_close.
 * An attribute list is followed; for a deleted file only into extension
 * records that pass the checks of ntfs_mft_read_entry, the others (reused,
 * unreadable, lacking the attribute) are passed over, so a stream with an
 * extent in such a record fails to open with NT_ERR_CORRUPT ("extents do
 * not continue" / "run list shorter"). A deleted file's list that no
 * longer reads is ignored (base record only).
 * Errors: NT_ERR_NOT_FOUND (no FILE record in that slot, an extension
 * record, past the end of $MFT), NT_ERR_CORRUPT, NT_ERR_IO, NT_ERR_NOMEM. */
int ntfs_mft_open_record(ntfs_volume *vol, uint64_t recno, ntfs_file **out);

/* ---- change journal ($Extend\$UsnJrnl:$J) ------------------------------- */

typedef struct ntfs_usn_record {
    uint32_t length;           /* RecordLength: the next record is this far on */
    uint16_t major, minor;     /* 2, 3 or 4 */
    uint64_t file_ref, parent_ref;       /* low 64 bits of the references */
    uint64_t file_ref_hi, parent_ref_hi; /* high 64 bits (v3/v4; 0 for v2) */
    int64_t usn;
    uint64_t timestamp;        /* FILETIME; 0 for v4 (it has none) */
    uint32_t reason;           /* USN_REASON_* bits */
    uint32_t source_info, security_id, file_attributes; /* 0 for v4 */
    const uint8_t *name;       /* UTF-16LE view into the input; NULL for v4 */
    size_t name_units;
    uint32_t extents;          /* v4: NumberOfExtents; 0 otherwise */
} ntfs_usn_record;

/* Decodes the USN record at the start of `buf` (`len` bytes available):
 * USN_RECORD_V2, V3 or V4 (MS-FSCC 2.4 / winioctl.h layouts). The name is
 * a view into `buf`. The caller advances by r->length (a multiple of 8).
 * Errors (`diag`, may be NULL, gets the offset inside the record and the
 * rule): NT_ERR_CORRUPT (length not a multiple of 8, smaller than the
 * header or larger than `len`; name or extents outside the record),
 * NT_ERR_UNSUPPORTED (another major version), NT_ERR_INVALID (buf NULL). */
int ntfs_usn_record_parse(const void *buf, size_t len, ntfs_usn_record *r, nt_diag *diag);

/* The name of reason bit `bit` without its prefix ("DATA_OVERWRITE",
 * "FILE_CREATE", "CLOSE", ...), or NULL when the bit has none. */
const char *ntfs_usn_reason_name(uint32_t bit);

/* Formats all reason bits as "FILE_CREATE|CLOSE" into `out` (`cap` bytes,
 * NUL-terminated; unknown bits as 0x........). Returns NT_OK or
 * NT_ERR_RANGE (out holds a prefix). "" for 0. */
int ntfs_usn_reasons_string(uint32_t reason, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
