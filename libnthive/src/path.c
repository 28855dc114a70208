/* Paths: "ControlSet001\Services\Tcpip" opened one component at a time. */
#include "internal.h"

#define MAX_COMPONENTS 4096

int nthive_key_open(const nthive_key *from, const char *path, size_t len, nthive_key *out)
{
    nthive_key cur = *from, next;
    size_t i = 0, n = 0;

    while (i < len) {
        size_t start;
        int r;
        if (path[i] == '\\' || path[i] == '/') {
            i++;
            continue;
        }
        start = i;
        while (i < len && path[i] != '\\' && path[i] != '/')
            i++;
        if (++n > MAX_COMPONENTS)
            return NT_ERR_LIMIT;
        r = nthive_key_subkey(&cur, path + start, i - start, &next);
        if (r)
            return r;
        cur = next;
    }
    *out = cur;
    return NT_OK;
}
