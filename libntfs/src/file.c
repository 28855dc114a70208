/* file.c - a file: its base MFT record, the attributes it owns across its
 * extension records, and what stat and the name iterator report. */
#include "internal.h"

#define ITER_DONE SIZE_MAX

void ntfs_attr_iter_init(ntfs_attr_iter *it, ntfs_file *f)
{
    it->f = f;
    it->pos = 0;
    it->rec = 0;
    it->used = 0;
    it->recno = f->recno;
}

/* Finds the attribute of `type` and `id` in a fixed-up record. */
static int find_in_record(ntfs_volume *v, const uint8_t *rec, size_t used, uint64_t recno,
                          uint32_t type, uint16_t id, ntfs_attr *at)
{
    size_t off = nt_le16(rec + 0x14);
    const char *rule;
    int rc;

    while ((rc = ntfs_attr_parse(rec, used, off, at, &rule)) == NT_OK) {
        if (at->type == type && at->id == id)
            return NT_OK;
        off += at->length;
    }
    if (rc == NT_END)
        return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, recno,
                         "attribute list: entry names an attribute its record lacks");
    return ntfs_fail(v, rc, ntfs_record_pos(v, recno, off), recno, rule);
}

/* Sequence numbers step by one when a record is freed, skipping 0. */
static bool seq_same_or_next(uint16_t was, uint16_t now)
{
    uint16_t next = (uint16_t)(was + 1);

    return now == was || now == (next ? next : 1);
}

/* Whether a deleted file may take attributes from extension record `rec`
 * (`recno`, named by list reference `ref`): the record is free too, names
 * this file as its base with the base's sequence number of then (equal, or
 * one lower since the base was freed), and its own sequence number is the
 * list's or one higher. Anything else was reused and holds another file's
 * data, so it is skipped rather than read. */
static bool deleted_extension_ok(const ntfs_file *f, const uint8_t *rec, uint64_t ref)
{
    uint64_t base = nt_le64(rec + 0x20);

    if (nt_le16(rec + 0x16) & 1)
        return false;
    if (NTFS_REF_RECORD(base) != f->recno || !seq_same_or_next(NTFS_REF_SEQ(base), f->seq))
        return false;
    return seq_same_or_next(NTFS_REF_SEQ(ref), nt_le16(rec + 0x10));
}

int ntfs_attr_iter_next(ntfs_attr_iter *it, ntfs_attr *at)
{
    ntfs_file *f = it->f;
    ntfs_volume *v = f->vol;
    const char *rule;
    int rc;

    if (it->pos == ITER_DONE)
        return NT_END;
    if (!f->alist) {
        if (it->pos == 0)
            it->pos = nt_le16(f->rec + 0x14);
        it->rec = f->rec;
        it->used = f->used;
        it->recno = f->recno;
        rc = ntfs_attr_parse(f->rec, f->used, it->pos, at, &rule);
        if (rc == NT_END) {
            it->pos = ITER_DONE;
            return NT_END;
        }
        if (rc)
            return ntfs_fail(v, rc, ntfs_record_pos(v, f->recno, it->pos), f->recno, rule);
        it->pos += at->length;
        return NT_OK;
    }
    for (;;) {
        ntfs_alist_entry e;
        uint64_t recno;
        const uint8_t *rec;
        size_t used;

        if (it->pos >= f->alist_len) {
            it->pos = ITER_DONE;
            return NT_END;
        }
        rc = ntfs_alist_entry_parse(f->alist, f->alist_len, it->pos, &e, &rule);
        if (rc)
            return ntfs_fail(v, rc, NT_DIAG_NO_OFFSET, f->recno, rule);
        it->pos += e.length;
        recno = NTFS_REF_RECORD(e.ref);
        if (recno == f->recno) {
            rec = f->rec;
            used = f->used;
        } else if (f->deleted) {
            /* A deleted file's list is history: an entry whose record is
             * unreadable or taken by another file is passed over (the
             * stream it belonged to then fails to assemble). */
            rc = ntfs_record_load(v, recno, &rec, &used);
            if (rc == NT_ERR_NOMEM)
                return rc;
            if (rc || !deleted_extension_ok(f, rec, e.ref))
                continue;
        } else {
            rc = ntfs_record_load(v, recno, &rec, &used);
            if (rc)
                return rc;
            if (!(nt_le16(rec + 0x16) & 1) || NTFS_REF_RECORD(nt_le64(rec + 0x20)) != f->recno)
                return ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, recno,
                                 "attribute list: extension record belongs to another file");
        }
        rc = find_in_record(v, rec, used, recno, e.type, e.id, at);
        if (rc && f->deleted && rc != NT_ERR_NOMEM)
            continue;
        if (rc)
            return rc;
        it->rec = rec;
        it->used = used;
        it->recno = recno;
        return NT_OK;
    }
}

/* Loads the file's $ATTRIBUTE_LIST (it always lives in the base record). */
int ntfs_file_load_alist(ntfs_file *f)
{
    ntfs_volume *v = f->vol;
    size_t off = nt_le16(f->rec + 0x14), got;
    const char *rule;
    ntfs_attr at;
    ntfs_data d;
    int rc;

    while ((rc = ntfs_attr_parse(f->rec, f->used, off, &at, &rule)) == NT_OK) {
        if (at.type == NTFS_AT_ATTRIBUTE_LIST)
            break;
        off += at.length;
    }
    if (rc == NT_END)
        return NT_OK;
    if (rc)
        return ntfs_fail(v, rc, ntfs_record_pos(v, f->recno, off), f->recno, rule);
    nt_memset(&d, 0, sizeof d);
    rc = ntfs_data_add_extent(v, &d, &at, f->recno);
    if (rc) {
        ntfs_data_free(v, &d); /* a run list may be half decoded */
        return rc;
    }
    if (d.data_size > NTFS_MAX_ATTR_LIST || d.cu_size) {
        ntfs_data_free(v, &d);
        return ntfs_fail(v, NT_ERR_CORRUPT, ntfs_record_pos(v, f->recno, at.off), f->recno,
                         "attribute list: absurd size or compressed");
    }
    if (d.data_size) {
        f->alist = nt_alloc(&v->a, (size_t)d.data_size, 8);
        if (!f->alist) {
            ntfs_data_free(v, &d);
            return NT_ERR_NOMEM;
        }
        f->alist_len = (size_t)d.data_size;
        rc = ntfs_data_read(v, &d, 0, 0, f->alist, f->alist_len, &got);
        if (rc == NT_OK && got != f->alist_len)
            rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, f->recno,
                           "attribute list: shorter than its size");
    }
    ntfs_data_free(v, &d);
    return rc;
}

void ntfs_file_free(ntfs_file *f)
{
    ntfs_volume *v = f->vol;

    nt_free(&v->a, f->alist, f->alist_len, 8);
    nt_free(&v->a, f->rec, v->g.mft_record_size, 16);
    NT_DELETE(&v->a, f, ntfs_file);
}

int ntfs_file_new(ntfs_volume *v, uint64_t recno, const uint8_t *rec, size_t used, ntfs_file **out)
{
    ntfs_file *f = NT_NEW(&v->a, ntfs_file);

    *out = NULL;
    if (!f)
        return NT_ERR_NOMEM;
    nt_memset(f, 0, sizeof *f);
    f->vol = v;
    f->recno = recno;
    f->seq = nt_le16(rec + 0x10);
    f->used = used;
    f->deleted = !(nt_le16(rec + 0x16) & 1);
    f->rec = nt_alloc(&v->a, v->g.mft_record_size, 16);
    if (!f->rec) {
        NT_DELETE(&v->a, f, ntfs_file);
        return NT_ERR_NOMEM;
    }
    nt_memcpy(f->rec, rec, v->g.mft_record_size);
    *out = f;
    return NT_OK;
}

/* Opens without taking the lock (used inside the library). */
int ntfs_open_ref_nolock(ntfs_volume *v, uint64_t ref, ntfs_file **out)
{
    uint64_t recno = NTFS_REF_RECORD(ref);
    const uint8_t *rec;
    size_t used;
    ntfs_file *f;
    int rc;

    *out = 0;
    rc = ntfs_record_load(v, recno, &rec, &used);
    if (rc)
        return rc;
    if (!(nt_le16(rec + 0x16) & 1))
        return ntfs_fail(v, NT_ERR_NOT_FOUND, NT_DIAG_NO_OFFSET, recno, "MFT record is not in use");
    if (NTFS_REF_RECORD(nt_le64(rec + 0x20)) != 0)
        return ntfs_fail(v, NT_ERR_NOT_FOUND, NT_DIAG_NO_OFFSET, recno,
                         "MFT record is an extension record, not a file");
    if (NTFS_REF_SEQ(ref) && NTFS_REF_SEQ(ref) != nt_le16(rec + 0x10))
        return ntfs_fail(v, NT_ERR_NOT_FOUND, NT_DIAG_NO_OFFSET, recno,
                         "file reference has a stale sequence number");
    rc = ntfs_file_new(v, recno, rec, used, &f);
    if (rc)
        return rc;
    rc = ntfs_file_load_alist(f);
    if (rc) {
        ntfs_file_free(f);
        return rc;
    }
    *out = f;
    return NT_OK;
}

int ntfs_open_ref(ntfs_volume *v, uint64_t ref, ntfs_file **out)
{
    int rc;

    ntfs_lock(v);
    rc = ntfs_open_ref_nolock(v, ref, out);
    ntfs_unlock(v);
    return rc;
}

void ntfs_close(ntfs_file *f)
{
    ntfs_volume *v;

    if (!f)
        return;
    v = f->vol;
    ntfs_lock(v);
    ntfs_file_free(f);
    ntfs_unlock(v);
}

int ntfs_file_stat(ntfs_file *f, ntfs_stat *st)
{
    ntfs_volume *v = f->vol;
    ntfs_attr_iter it;
    ntfs_attr at;
    bool have_data = false;
    int rc;

    nt_memset(st, 0, sizeof *st);
    ntfs_lock(v);
    st->ref = f->recno | ((uint64_t)f->seq << 48);
    st->link_count = nt_le16(f->rec + 0x12);
    st->is_dir = (nt_le16(f->rec + 0x16) & 2) != 0;
    st->has_attribute_list = f->alist != 0;
    ntfs_attr_iter_init(&it, f);
    while ((rc = ntfs_attr_iter_next(&it, &at)) == NT_OK) {
        if (at.type == NTFS_AT_STANDARD_INFORMATION && at.resident && at.value_len >= 0x30) {
            const uint8_t *p = at.value;
            st->ctime = nt_le64(p);
            st->mtime = nt_le64(p + 8);
            st->mft_mtime = nt_le64(p + 16);
            st->atime = nt_le64(p + 24);
            st->file_attributes = nt_le32(p + 32);
            if (at.value_len >= 0x38) {
                st->owner_id = nt_le32(p + 0x30);
                st->security_id = nt_le32(p + 0x34);
            }
        } else if (at.type == NTFS_AT_DATA && at.name_len == 0 && !have_data &&
                   (at.resident || at.lowest_vcn == 0)) {
            have_data = true;
            st->size = at.data_size;
            st->alloc_size = at.resident ? 0 : at.alloc_size;
            st->init_size = at.init_size < at.data_size ? at.init_size : at.data_size;
        } else if (at.type == NTFS_AT_REPARSE_POINT) {
            if (at.resident && at.value_len >= 4)
                st->reparse_tag = nt_le32(at.value);
            else
                st->reparse_tag = 0xFFFFFFFFu; /* resolved below */
        }
    }
    if (rc == NT_END)
        rc = NT_OK;
    if (rc == NT_OK && st->reparse_tag == 0xFFFFFFFFu) {
        ntfs_data d;
        uint8_t tag[4];
        size_t got = 0;
        st->reparse_tag = 0;
        if (ntfs_data_load(f, NTFS_AT_REPARSE_POINT, 0, 0, &d) == NT_OK) {
            if (ntfs_data_read(v, &d, 0, 0, tag, 4, &got) == NT_OK && got == 4)
                st->reparse_tag = nt_le32(tag);
            ntfs_data_free(v, &d);
        }
    }
    ntfs_unlock(v);
    return rc;
}

int ntfs_file_next_name(ntfs_file *f, size_t *cursor, ntfs_name *name)
{
    ntfs_volume *v = f->vol;
    ntfs_attr_iter it;
    ntfs_attr at;
    int rc;

    ntfs_lock(v);
    ntfs_attr_iter_init(&it, f);
    it.pos = *cursor;
    while ((rc = ntfs_attr_iter_next(&it, &at)) == NT_OK) {
        const uint8_t *p = at.value;
        size_t units;
        if (at.type != NTFS_AT_FILE_NAME)
            continue;
        if (!at.resident || at.value_len < 0x42 || 0x42u + 2u * p[0x40] > at.value_len) {
            rc = ntfs_fail(v, NT_ERR_CORRUPT, NT_DIAG_NO_OFFSET, it.recno,
                           "$FILE_NAME: value too short for its name");
            break;
        }
        name->parent_ref = nt_le64(p);
        name->ctime = nt_le64(p + 8);
        name->mtime = nt_le64(p + 16);
        name->mft_mtime = nt_le64(p + 24);
        name->atime = nt_le64(p + 32);
        name->alloc_size = nt_le64(p + 40);
        name->size = nt_le64(p + 48);
        name->flags = nt_le32(p + 56);
        units = p[0x40];
        name->name_space = p[0x41];
        nt_utf16le_to_utf8(p + 0x42, units, name->name, sizeof name->name, &name->name_len, 0);
        break;
    }
    *cursor = it.pos;
    ntfs_unlock(v);
    return rc;
}

int ntfs_file_next_attr(ntfs_file *f, size_t *cursor, ntfs_attr_info *info)
{
    ntfs_volume *v = f->vol;
    ntfs_attr_iter it;
    ntfs_attr at;
    int rc;

    ntfs_lock(v);
    ntfs_attr_iter_init(&it, f);
    it.pos = *cursor;
    rc = ntfs_attr_iter_next(&it, &at);
    if (rc == NT_OK) {
        info->type = at.type;
        info->id = at.id;
        info->flags = at.flags;
        info->resident = at.resident;
        info->lowest_vcn = at.lowest_vcn;
        info->size = at.data_size;
        info->alloc_size = at.alloc_size;
        info->record = it.recno;
        info->name_len = 0;
        info->name[0] = 0;
        if (at.name_len)
            nt_utf16le_to_utf8(at.name, at.name_len, info->name, sizeof info->name,
                               &info->name_len, 0);
    }
    *cursor = it.pos;
    ntfs_unlock(v);
    return rc;
}
