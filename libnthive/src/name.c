/* Names of keys and values: Latin-1 ("compressed") or UTF-16LE, counted,
 * possibly holding NULs and backslashes. */
#include "internal.h"
#include "ntcore/utf16.h"

int nthive_name_to_utf8(const nthive_name *name, char *buf, size_t cap, size_t *out)
{
    if (name->latin1)
        return nt_latin1_to_utf8(name->data, name->len, buf, cap, out);
    return nt_utf16le_to_utf8(name->data, name->len / 2, buf, cap, out, 0);
}
