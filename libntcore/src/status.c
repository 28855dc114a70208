/* Names for the status codes. */
#include "ntcore/status.h"

const char *nt_strerror(int status)
{
    switch (status) {
    case NT_OK: return "success";
    case NT_END: return "end of iteration";
    case NT_ERR_IO: return "I/O error";
    case NT_ERR_NOMEM: return "out of memory";
    case NT_ERR_CORRUPT: return "corrupt data";
    case NT_ERR_NOT_FOUND: return "not found";
    case NT_ERR_UNSUPPORTED: return "unsupported feature";
    case NT_ERR_INVALID: return "invalid argument";
    case NT_ERR_RANGE: return "out of range";
    case NT_ERR_LIMIT: return "safety limit exceeded";
    default: return "unknown status";
    }
}
