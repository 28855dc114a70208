/* Paths: "ControlSet001\Services\Tcpip" opened one component at a time.
 *
 * Key names may hold '/' (MIME types such as "application/x-slash") but
 * never '\'. So a path with a '\' is split at '\' only, and a path with
 * only '/' is ambiguous: each level first tries the longest piece that a
 * name could be (up to SLASH_SPAN slashes, as written), then shorter ones,
 * and comes back to an earlier level when the rest of the path does not
 * resolve (bounded: CHOICES remembered levels, a lookup budget). */
#include "internal.h"

#define MAX_COMPONENTS 4096
#define SLASH_SPAN 16 /* slashes one literal name may hold and be tried */
#define CHOICES 32    /* ambiguous levels remembered for backtracking */

typedef struct choice {
    size_t pos, end; /* the piece path[pos..end) that was taken */
    size_t depth;    /* levels below `from` before it */
    nthive_key key;  /* the key it was looked up in */
} choice;

static int limit(nthive *h, const char *rule)
{
    return nt_diag_set(&h->diag, NT_ERR_LIMIT, NT_DIAG_NO_OFFSET, rule);
}

static int step(nthive_key *trail, size_t cap, size_t *depth, const nthive_key *next)
{
    if (trail) {
        if (*depth >= cap)
            return NT_ERR_RANGE;
        trail[*depth] = *next;
    }
    ++*depth;
    return NT_OK;
}

/* Split at '\' only: '/' is part of the names. */
static int resolve_backslash(const nthive_key *from, const char *path, size_t len, nthive_key *trail,
                             size_t cap, size_t *depth, nthive_key *out)
{
    nthive_key cur = *from, next;
    size_t i, n = 0;

    for (i = 0; i < len; i++)
        if (path[i] != '\\' && (i == 0 || path[i - 1] == '\\'))
            n++;
    if (n > MAX_COMPONENTS)
        return limit(from->hive, "key path has more than 4096 components");
    i = 0;
    while (i < len) {
        size_t start;
        int r;
        if (path[i] == '\\') {
            i++;
            continue;
        }
        start = i;
        while (i < len && path[i] != '\\')
            i++;
        r = nthive_key_subkey(&cur, path + start, i - start, &next);
        if (r)
            return r;
        r = step(trail, cap, depth, &next);
        if (r)
            return r;
        cur = next;
    }
    *out = cur;
    return NT_OK;
}

/* Only '/' (or no separator at all): literal names first, see above. */
static int resolve_slash(const nthive_key *from, const char *path, size_t len, nthive_key *trail, size_t cap,
                         size_t *depth, nthive_key *out)
{
    choice stack[CHOICES];
    size_t nch = 0, pos = 0, resume = (size_t)-1, components = 0, budget, i;
    nthive_key cur = *from, next;
    int err = NT_ERR_NOT_FOUND;

    for (i = 0; i < len; i++)
        if (path[i] != '/' && (i == 0 || path[i - 1] == '/'))
            components++;
    if (components > MAX_COMPONENTS)
        return limit(from->hive, "key path has more than 4096 components");
    budget = (SLASH_SPAN + 1) * components + 256;
    for (;;) {
        size_t ends[SLASH_SPAN + 1], nends = 0;
        bool found = false;
        while (pos < len && path[pos] == '/')
            pos++;
        if (pos == len) {
            *out = cur;
            return NT_OK;
        }
        /* Where the piece starting at pos may end: at each of the next
         * SLASH_SPAN slashes, or at the end of the path. */
        for (i = pos + 1; i <= len && nends < SLASH_SPAN + 1; i++)
            if (i == len || path[i] == '/')
                ends[nends++] = i;
        while (nends-- > 0) {
            size_t e = ends[nends];
            int r;
            if (e >= resume)
                continue;
            if (budget-- == 0)
                return limit(from->hive, "key path is too ambiguous ('/' in names)");
            r = nthive_key_subkey(&cur, path + pos, e - pos, &next);
            if (r == NT_OK) {
                if (nends > 0 && nch < CHOICES)
                    stack[nch++] = (choice){pos, e, *depth, cur};
                r = step(trail, cap, depth, &next);
                if (r)
                    return r;
                cur = next;
                pos = e;
                found = true;
                break;
            }
            if (r != NT_ERR_NOT_FOUND)
                err = r; /* reported if nothing resolves */
        }
        resume = (size_t)-1;
        if (found)
            continue;
        if (nch == 0)
            return err;
        nch--;
        pos = stack[nch].pos;
        resume = stack[nch].end;
        *depth = stack[nch].depth;
        cur = stack[nch].key;
    }
}

int nthive_key_resolve(const nthive_key *from, const char *path, size_t len, nthive_key *trail, size_t cap,
                       size_t *depth)
{
    nthive_key out;
    size_t i;

    *depth = 0;
    for (i = 0; i < len && path[i] != '\\'; i++)
        ;
    /* Split at '\\', each component is checked as it is looked up. */
    if (i < len)
        return resolve_backslash(from, path, len, trail, cap, depth, &out);
    /* The search below must not mistake bad UTF-8 for a missing name. */
    if (!hive_utf8_valid(path, len))
        return NT_ERR_INVALID;
    return resolve_slash(from, path, len, trail, cap, depth, &out);
}

int nthive_key_open(const nthive_key *from, const char *path, size_t len, nthive_key *out)
{
    size_t depth = 0, i;

    for (i = 0; i < len && path[i] != '\\'; i++)
        ;
    if (i < len)
        return resolve_backslash(from, path, len, NULL, 0, &depth, out);
    if (!hive_utf8_valid(path, len))
        return NT_ERR_INVALID;
    return resolve_slash(from, path, len, NULL, 0, &depth, out);
}
