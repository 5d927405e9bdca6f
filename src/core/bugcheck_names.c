/* bugcheck_names.c: printable names of bug check codes, from the one list. */
#include <pssim/pssim.h>

#include "core/bugcheck_codes.h"

const char *pssim_bugcheck_name(ULONG code)
{
    switch (code) {
#define PSSIM_BUGCHECK_CASE(value, name)                                                           \
    case value:                                                                                    \
        return #name;
        PSSIM_BUGCHECK_LIST(PSSIM_BUGCHECK_CASE)
#undef PSSIM_BUGCHECK_CASE
    default:
        return "UNKNOWN_BUGCHECK";
    }
}
