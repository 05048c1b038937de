/* error.c: err_str(), the text of each ERR_* code, generated from the WARP_ERRORS list. */
#include <warp/error.h>

/* Counts the entries of WARP_ERRORS so the build breaks if ERR_MIN drifts from the list. */
#define ERROR_COUNT_ONE(name, value, text) +1
_Static_assert(-(0 WARP_ERRORS(ERROR_COUNT_ONE)) == ERR_MIN,
               "ERR_MIN must equal minus the number of WARP_ERRORS entries (codes -1..ERR_MIN)");
#undef ERROR_COUNT_ONE

/* Returns the human-readable text for an error code; never NULL. */
const char *err_str(long err)
{
    switch (err) {
    case 0: return "success";
#define ERROR_CASE(name, value, text) \
    case (value): return (text);
        WARP_ERRORS(ERROR_CASE)
#undef ERROR_CASE
    default: return "unknown error";
    }
}
