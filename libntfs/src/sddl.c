/* sddl.c - a self-relative SECURITY_DESCRIPTOR as an SDDL string.
 *
 * Layout (MS-DTYP 2.4.6): revision 1, sbz1, control u16, then four u32
 * offsets from the start of the descriptor: owner, group, SACL, DACL.
 * An ACL (2.4.5) is an 8-byte header (revision, sbz1, size u16, count u16,
 * sbz2) followed by `count` ACEs, each starting with type, flags, size u16.
 * Every offset and size comes from the input and is checked before use. */
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "ntfs_forensic.h"

/* Control bits (MS-DTYP 2.4.6). */
#define SE_DACL_PRESENT 0x0004u
#define SE_SACL_PRESENT 0x0010u
#define SE_DACL_AUTO_INHERIT_REQ 0x0100u
#define SE_SACL_AUTO_INHERIT_REQ 0x0200u
#define SE_DACL_AUTO_INHERITED 0x0400u
#define SE_SACL_AUTO_INHERITED 0x0800u
#define SE_DACL_PROTECTED 0x1000u
#define SE_SACL_PROTECTED 0x2000u

#define SDDL_MAX_ACES 65535u /* the count is a u16: the loops are bounded */

/* The string being built: counts every byte, stores those that fit. */
typedef struct sddl_out {
    char *buf;
    size_t cap, pos;
} sddl_out;

static void put_ch(sddl_out *o, char c)
{
    if (o->pos + 1 < o->cap)
        o->buf[o->pos] = c;
    o->pos++;
}

static void put_str(sddl_out *o, const char *s)
{
    while (*s)
        put_ch(o, *s++);
}

static void put_dec(sddl_out *o, uint64_t x)
{
    char tmp[24];
    size_t n = sizeof tmp;

    do {
        tmp[--n] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    while (n < sizeof tmp)
        put_ch(o, tmp[n++]);
}

/* `digits` = 0: as many as needed; else exactly that many (zero-padded). */
static void put_hex(sddl_out *o, uint64_t x, unsigned digits, bool upper)
{
    const char *hx = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[16];
    size_t n = sizeof tmp;

    do {
        tmp[--n] = hx[x & 15];
        x >>= 4;
    } while ((x || (digits && sizeof tmp - n < digits)) && n > 0);
    while (n < sizeof tmp)
        put_ch(o, tmp[n++]);
}

/* Terminates the string; NT_ERR_RANGE when it did not fit. */
static int finish(sddl_out *o, size_t *len)
{
    if (len)
        *len = o->pos;
    if (o->cap == 0)
        return NT_ERR_RANGE;
    if (o->pos + 1 > o->cap) {
        o->buf[o->cap - 1] = 0;
        return NT_ERR_RANGE;
    }
    o->buf[o->pos] = 0;
    return NT_OK;
}

/* ---- SIDs ---- */

typedef struct sid_alias {
    uint8_t auth;               /* identifier authority (all fit one byte) */
    uint8_t count;              /* sub-authorities */
    uint32_t sub[2];
    char name[3];
} sid_alias;

/* Well-known SIDs with a fixed value (MS-DTYP 2.4.2.4, SDDL aliases). */
static const sid_alias sid_aliases[] = {
    {1, 1, {0, 0}, "WD"},         {3, 1, {0, 0}, "CO"},        {3, 1, {1, 0}, "CG"},
    {3, 1, {4, 0}, "OW"},         {5, 1, {2, 0}, "NU"},        {5, 1, {4, 0}, "IU"},
    {5, 1, {6, 0}, "SU"},         {5, 1, {7, 0}, "AN"},        {5, 1, {9, 0}, "ED"},
    {5, 1, {10, 0}, "PS"},        {5, 1, {11, 0}, "AU"},       {5, 1, {12, 0}, "RC"},
    {5, 1, {18, 0}, "SY"},        {5, 1, {19, 0}, "LS"},       {5, 1, {20, 0}, "NS"},
    {5, 1, {33, 0}, "WR"},        {5, 2, {32, 544}, "BA"},     {5, 2, {32, 545}, "BU"},
    {5, 2, {32, 546}, "BG"},      {5, 2, {32, 547}, "PU"},     {5, 2, {32, 548}, "AO"},
    {5, 2, {32, 549}, "SO"},      {5, 2, {32, 550}, "PO"},     {5, 2, {32, 551}, "BO"},
    {5, 2, {32, 552}, "RE"},      {5, 2, {32, 554}, "RU"},     {5, 2, {32, 555}, "RD"},
    {5, 2, {32, 556}, "NO"},      {5, 2, {32, 558}, "MU"},     {5, 2, {32, 559}, "LU"},
    {5, 2, {32, 568}, "IS"},      {5, 2, {32, 569}, "CY"},     {5, 2, {32, 573}, "ER"},
    {5, 2, {32, 574}, "CD"},      {5, 2, {32, 575}, "RA"},     {5, 2, {32, 576}, "ES"},
    {5, 2, {32, 577}, "MS"},      {5, 2, {32, 578}, "HA"},     {5, 2, {32, 579}, "AA"},
    {5, 2, {32, 580}, "RM"},      {15, 2, {2, 1}, "AC"},       {16, 1, {4096, 0}, "LW"},
    {16, 1, {8192, 0}, "ME"},     {16, 1, {8448, 0}, "MP"},    {16, 1, {12288, 0}, "HI"},
    {16, 1, {16384, 0}, "SI"},
};

/* Size of the SID at `p` (`avail` bytes), or 0 when malformed. */
static size_t sid_size(const uint8_t *p, size_t avail)
{
    size_t n;

    if (avail < 8 || p[0] != 1 || p[1] > 15)
        return 0;
    n = 8 + 4 * (size_t)p[1];
    return n <= avail ? n : 0;
}

static void put_sid(sddl_out *o, const uint8_t *p)
{
    uint64_t auth = 0;
    size_t i, count = p[1];

    for (i = 0; i < 6; i++)
        auth = (auth << 8) | p[2 + i];
    for (i = 0; i < sizeof sid_aliases / sizeof sid_aliases[0]; i++) {
        const sid_alias *a = &sid_aliases[i];
        size_t k;
        bool match = auth == a->auth && count == a->count;

        for (k = 0; match && k < count; k++)
            match = nt_le32(p + 8 + 4 * k) == a->sub[k];
        if (match) {
            put_str(o, a->name);
            return;
        }
    }
    put_str(o, "S-1-");
    /* Authorities of 2^32 and above are written in hex (MS-DTYP 2.4.2.1). */
    if (auth >= ((uint64_t)1 << 32)) {
        put_str(o, "0x");
        put_hex(o, auth, 12, true);
    } else {
        put_dec(o, auth);
    }
    for (i = 0; i < count; i++) {
        put_ch(o, '-');
        put_dec(o, nt_le32(p + 8 + 4 * i));
    }
}

int ntfs_sid_to_sddl(const void *sid, size_t sid_len, char *out, size_t cap, size_t *len)
{
    sddl_out o = {out, cap, 0};

    if ((!sid && sid_len) || (!out && cap))
        return NT_ERR_INVALID;
    if (len)
        *len = 0;
    if (cap)
        out[0] = 0;
    if (!sid || !sid_size(sid, sid_len))
        return NT_ERR_CORRUPT;
    put_sid(&o, sid);
    return finish(&o, len);
}

/* ---- access masks ---- */

typedef struct mask_alias {
    uint32_t mask;
    char name[3];
} mask_alias;

/* Whole-mask aliases: used only on an exact match, as Windows does. */
static const mask_alias mask_exact[] = {
    {0x001F01FFu, "FA"}, {0x00120089u, "FR"}, {0x00120116u, "FW"}, {0x001200A0u, "FX"},
    {0x000F003Fu, "KA"}, {0x00020019u, "KR"}, {0x00020006u, "KW"},
};

/* Single-bit aliases, in the order Windows writes them. */
static const mask_alias mask_bits[] = {
    {0x10000000u, "GA"}, {0x80000000u, "GR"}, {0x40000000u, "GW"}, {0x20000000u, "GX"},
    {0x00000001u, "CC"}, {0x00000002u, "DC"}, {0x00000004u, "LC"}, {0x00000008u, "SW"},
    {0x00000010u, "RP"}, {0x00000020u, "WP"}, {0x00000040u, "DT"}, {0x00000080u, "LO"},
    {0x00000100u, "CR"}, {0x00010000u, "SD"}, {0x00020000u, "RC"}, {0x00040000u, "WD"},
    {0x00080000u, "WO"},
};

static const mask_alias label_bits[] = {
    {0x1u, "NW"}, {0x2u, "NR"}, {0x4u, "NX"},
};

static bool put_bits(sddl_out *o, uint32_t mask, const mask_alias *t, size_t n)
{
    uint32_t covered = 0;
    size_t i;

    for (i = 0; i < n; i++)
        covered |= t[i].mask;
    if (mask == 0 || (mask & ~covered))
        return false;
    for (i = 0; i < n; i++)
        if (mask & t[i].mask)
            put_str(o, t[i].name);
    return true;
}

static void put_mask(sddl_out *o, uint32_t mask, bool label)
{
    size_t i;

    if (label) {
        if (put_bits(o, mask, label_bits, sizeof label_bits / sizeof label_bits[0]))
            return;
    } else {
        for (i = 0; i < sizeof mask_exact / sizeof mask_exact[0]; i++)
            if (mask == mask_exact[i].mask) {
                put_str(o, mask_exact[i].name);
                return;
            }
        if (put_bits(o, mask, mask_bits, sizeof mask_bits / sizeof mask_bits[0]))
            return;
    }
    put_str(o, "0x");
    put_hex(o, mask, 0, false);
}

/* ---- ACEs ---- */

static const char *ace_type_name(uint8_t t, bool *object)
{
    *object = false;
    switch (t) {
    case 0x00: return "A";
    case 0x01: return "D";
    case 0x02: return "AU";
    case 0x03: return "AL";
    case 0x05: *object = true; return "OA";
    case 0x06: *object = true; return "OD";
    case 0x07: *object = true; return "OU";
    case 0x08: *object = true; return "OL";
    case 0x09: return "XA";
    case 0x0A: return "XD";
    case 0x0B: *object = true; return "ZA";
    case 0x0D: return "XU";
    case 0x11: return "ML";
    case 0x12: return "RA";
    case 0x13: return "SP";
    default: return NULL;
    }
}

static void put_guid(sddl_out *o, const uint8_t *g)
{
    static const uint8_t order[] = {3, 2, 1, 0, 0xFF, 5, 4, 0xFF, 7, 6, 0xFF, 8, 9, 0xFF,
                                    10, 11, 12, 13, 14, 15};
    size_t i;

    for (i = 0; i < sizeof order; i++) {
        if (order[i] == 0xFF)
            put_ch(o, '-');
        else
            put_hex(o, g[order[i]], 2, false);
    }
}

typedef struct sddl_err {
    size_t where;
    const char *rule;
} sddl_err;

static int bad(sddl_err *e, size_t where, const char *rule)
{
    e->where = where;
    e->rule = rule;
    return NT_ERR_CORRUPT;
}

/* One ACE of `size` bytes at sd + off (already inside the ACL). */
static int put_ace(sddl_out *o, const uint8_t *sd, size_t off, size_t size, sddl_err *e)
{
    const uint8_t *p = sd + off;
    uint8_t flags = p[1];
    bool object;
    const char *type = ace_type_name(p[0], &object);
    size_t pos = 8, sidn;
    uint32_t oflags = 0;

    if (!type)
        return bad(e, off, "ACE: type has no SDDL form");
    if (size < 8 + 8)
        return bad(e, off, "ACE: too small for a mask and a SID");
    put_ch(o, '(');
    put_str(o, type);
    put_ch(o, ';');
    if (flags & 0x01) put_str(o, "OI");
    if (flags & 0x02) put_str(o, "CI");
    if (flags & 0x04) put_str(o, "NP");
    if (flags & 0x08) put_str(o, "IO");
    if (flags & 0x10) put_str(o, "ID");
    if (flags & 0x40) put_str(o, "SA");
    if (flags & 0x80) put_str(o, "FA");
    put_ch(o, ';');
    put_mask(o, nt_le32(p + 4), p[0] == 0x11);
    put_ch(o, ';');
    if (object) {
        if (size < pos + 4)
            return bad(e, off + pos, "object ACE: flags past the ACE");
        oflags = nt_le32(p + pos);
        pos += 4;
        if (oflags & 1) {
            if (size < pos + 16)
                return bad(e, off + pos, "object ACE: object type past the ACE");
            put_guid(o, p + pos);
            pos += 16;
        }
    }
    put_ch(o, ';');
    if (object && (oflags & 2)) {
        if (size < pos + 16)
            return bad(e, off + pos, "object ACE: inherited object type past the ACE");
        put_guid(o, p + pos);
        pos += 16;
    }
    put_ch(o, ';');
    sidn = sid_size(p + pos, size - pos);
    if (!sidn)
        return bad(e, off + pos, "ACE: SID malformed or past the ACE");
    put_sid(o, p + pos);
    put_ch(o, ')');
    return NT_OK;
}

/* The ACL at `aoff`, with its letter's control flags already written. */
static int put_acl(sddl_out *o, const uint8_t *sd, size_t sd_len, size_t aoff, sddl_err *e)
{
    size_t size, count, i, pos;

    if (aoff > sd_len || sd_len - aoff < 8)
        return bad(e, aoff, "ACL: header outside the descriptor");
    if (sd[aoff] != 2 && sd[aoff] != 4)
        return bad(e, aoff, "ACL: revision is neither 2 nor 4");
    size = nt_le16(sd + aoff + 2);
    count = nt_le16(sd + aoff + 4);
    if (size < 8 || size > sd_len - aoff)
        return bad(e, aoff + 2, "ACL: size outside the descriptor");
    pos = 8;
    for (i = 0; i < count && i < SDDL_MAX_ACES; i++) {
        size_t asz;
        int rc;

        if (size - pos < 4)
            return bad(e, aoff + pos, "ACE: header past the end of its ACL");
        asz = nt_le16(sd + aoff + pos + 2);
        if (asz < 4 || asz > size - pos)
            return bad(e, aoff + pos + 2, "ACE: size outside its ACL");
        rc = put_ace(o, sd, aoff + pos, asz, e);
        if (rc)
            return rc;
        pos += asz;
    }
    return NT_OK;
}

int ntfs_sd_to_sddl(const void *vsd, size_t sd_len, char *out, size_t cap, size_t *len,
                    nt_diag *diag)
{
    const uint8_t *sd = vsd;
    sddl_out o = {out, cap, 0};
    sddl_err e = {0, NULL};
    uint16_t control;
    uint32_t owner, group, sacl, dacl;
    int rc = NT_OK;

    if ((!sd && sd_len) || (!out && cap))
        return NT_ERR_INVALID;
    if (len)
        *len = 0;
    if (cap)
        out[0] = 0;
    if (diag)
        nt_diag_clear(diag);
    if (sd_len < 20)
        rc = bad(&e, 0, "security descriptor: shorter than its 20-byte header");
    else if (sd[0] != 1)
        rc = bad(&e, 0, "security descriptor: revision is not 1");
    if (rc)
        goto fail;
    control = nt_le16(sd + 2);
    owner = nt_le32(sd + 4);
    group = nt_le32(sd + 8);
    sacl = nt_le32(sd + 12);
    dacl = nt_le32(sd + 16);
    if (owner) {
        if (owner >= sd_len || !sid_size(sd + owner, sd_len - owner)) {
            rc = bad(&e, 4, "security descriptor: owner SID outside the descriptor or malformed");
            goto fail;
        }
        put_str(&o, "O:");
        put_sid(&o, sd + owner);
    }
    if (group) {
        if (group >= sd_len || !sid_size(sd + group, sd_len - group)) {
            rc = bad(&e, 8, "security descriptor: group SID outside the descriptor or malformed");
            goto fail;
        }
        put_str(&o, "G:");
        put_sid(&o, sd + group);
    }
    if (control & SE_DACL_PRESENT) {
        put_str(&o, "D:");
        if (control & SE_DACL_PROTECTED) put_str(&o, "P");
        if (control & SE_DACL_AUTO_INHERIT_REQ) put_str(&o, "AR");
        if (control & SE_DACL_AUTO_INHERITED) put_str(&o, "AI");
        if (dacl == 0)
            put_str(&o, "NO_ACCESS_CONTROL");
        else if ((rc = put_acl(&o, sd, sd_len, dacl, &e)) != NT_OK)
            goto fail;
    }
    if (control & SE_SACL_PRESENT) {
        put_str(&o, "S:");
        if (control & SE_SACL_PROTECTED) put_str(&o, "P");
        if (control & SE_SACL_AUTO_INHERIT_REQ) put_str(&o, "AR");
        if (control & SE_SACL_AUTO_INHERITED) put_str(&o, "AI");
        if (sacl == 0)
            put_str(&o, "NO_ACCESS_CONTROL");
        else if ((rc = put_acl(&o, sd, sd_len, sacl, &e)) != NT_OK)
            goto fail;
    }
    return finish(&o, len);
fail:
    if (cap)
        out[0] = 0;
    if (diag) {
        diag->status = rc;
        diag->offset = e.where;
        diag->record = NT_DIAG_NO_RECORD;
        diag->rule = e.rule;
    }
    return rc;
}
