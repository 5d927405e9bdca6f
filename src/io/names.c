/* names.c: comparing object-namespace names, which the object manager does without case
 * (IO-DEV-2, IO-LINK-1), on counted runs of WCHARs through the Rtl string routines. */
#include <string.h>

#include "io/io.h"

static UNICODE_STRING view(const WCHAR *s, size_t n)
{
    UNICODE_STRING u;
    u.Buffer = (PWCH)s;
    u.Length = u.MaximumLength = (USHORT)(n * sizeof(WCHAR));
    return u;
}

bool IopNameEqual(const WCHAR *a, size_t an, const WCHAR *b, size_t bn)
{
    UNICODE_STRING ua = view(a, an), ub = view(b, bn);
    return an == bn && RtlEqualUnicodeString(&ua, &ub, TRUE);
}

size_t IopNamePrefix(const WCHAR *s, size_t n, const char *prefix)
{
    WCHAR wide[32];
    size_t k = strlen(prefix);
    if (k > sizeof(wide) / sizeof(wide[0]) || n < k)
        return 0;
    for (size_t i = 0; i < k; i++)
        wide[i] = (WCHAR)(unsigned char)prefix[i];
    UNICODE_STRING up = view(wide, k), us = view(s, n);
    return RtlPrefixUnicodeString(&up, &us, TRUE) ? k : 0;
}
