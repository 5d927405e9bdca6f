/* strsafe.c: ntstrsafe.h routines: bounded copy, concatenation, length and printf. */
#include <stdbool.h>
#include <string.h>

#include <pssim/wdk/ntstatus.h>
#include <pssim/wdk/ntstrsafe.h>

#include "rtl/format.h"

/* Deviations chosen for robustness where the WDK's inline code would fault: a NULL source or
 * format is STATUS_INVALID_PARAMETER (the destination, when usable, is set to the empty
 * string). On STATUS_INVALID_PARAMETER for a bad source the destination is emptied too. */

#define MAX_UNICODE_BYTES (NTSTRSAFE_UNICODE_STRING_MAX_CCH * sizeof(WCHAR))

static bool valid_cch(size_t cch)
{
    return cch != 0 && cch <= NTSTRSAFE_MAX_CCH;
}

/* =============================================================================================
 * NUL-terminated destinations. Each worker exists in a narrow and a wide flavour.
 * ========================================================================================== */

/* Copies at most limit characters of src (stopping at its terminator) into dst of cch. */
#define DEFINE_COPY_WORKER(name, CH, NUL)                                                          \
    static NTSTATUS name(CH *dst, size_t cch, const CH *src, size_t limit)                         \
    {                                                                                              \
        if (!valid_cch(cch) || dst == NULL)                                                        \
            return STATUS_INVALID_PARAMETER;                                                       \
        if (src == NULL) {                                                                         \
            dst[0] = NUL;                                                                          \
            return STATUS_INVALID_PARAMETER;                                                       \
        }                                                                                          \
        size_t i = 0;                                                                              \
        while (i < limit && src[i] != NUL && i < cch - 1) {                                        \
            dst[i] = src[i];                                                                       \
            i++;                                                                                   \
        }                                                                                          \
        dst[i] = NUL;                                                                              \
        return (i < limit && src[i] != NUL) ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;             \
    }

DEFINE_COPY_WORKER(copy_a, char, '\0')
DEFINE_COPY_WORKER(copy_w, WCHAR, UNICODE_NULL)

/* Length of a string that must be terminated within cch characters. */
#define DEFINE_LENGTH_WORKER(name, CH, NUL)                                                        \
    static NTSTATUS name(const CH *s, size_t cch, size_t *len)                                     \
    {                                                                                              \
        if (s == NULL || !valid_cch(cch))                                                          \
            return STATUS_INVALID_PARAMETER;                                                       \
        size_t n = 0;                                                                              \
        while (n < cch && s[n] != NUL)                                                             \
            n++;                                                                                   \
        if (n == cch)                                                                              \
            return STATUS_INVALID_PARAMETER;                                                       \
        *len = n;                                                                                  \
        return STATUS_SUCCESS;                                                                     \
    }

DEFINE_LENGTH_WORKER(length_a, char, '\0')
DEFINE_LENGTH_WORKER(length_w, WCHAR, UNICODE_NULL)

static NTSTATUS cat_a(char *dst, size_t cch, const char *src)
{
    size_t len;
    if (dst == NULL || !NT_SUCCESS(length_a(dst, cch, &len)))
        return STATUS_INVALID_PARAMETER;
    if (src == NULL)
        return STATUS_INVALID_PARAMETER;
    return copy_a(dst + len, cch - len, src, (size_t)-1);
}

static NTSTATUS cat_w(WCHAR *dst, size_t cch, const WCHAR *src)
{
    size_t len;
    if (dst == NULL || !NT_SUCCESS(length_w(dst, cch, &len)))
        return STATUS_INVALID_PARAMETER;
    if (src == NULL)
        return STATUS_INVALID_PARAMETER;
    return copy_w(dst + len, cch - len, src, (size_t)-1);
}

static NTSTATUS vprintf_a(char *dst, size_t cch, const char *fmt, va_list ap)
{
    if (!valid_cch(cch) || dst == NULL)
        return STATUS_INVALID_PARAMETER;
    if (fmt == NULL) {
        dst[0] = '\0';
        return STATUS_INVALID_PARAMETER;
    }
    int needed = pssim__format_windows(dst, cch, fmt, ap);
    return (size_t)needed >= cch ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

static NTSTATUS vprintf_w(WCHAR *dst, size_t cch, const WCHAR *fmt, va_list ap)
{
    if (!valid_cch(cch) || dst == NULL)
        return STATUS_INVALID_PARAMETER;
    if (fmt == NULL) {
        dst[0] = UNICODE_NULL;
        return STATUS_INVALID_PARAMETER;
    }
    int needed = pssim__format_windows_w(dst, cch, fmt, ap);
    return (size_t)needed >= cch ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

/* A byte count becomes a character count; more than NTSTRSAFE_MAX_CCH characters is refused. */
static size_t cb_to_cch_w(size_t cb)
{
    return cb > NTSTRSAFE_MAX_CCH * sizeof(WCHAR) ? 0 : cb / sizeof(WCHAR);
}

static size_t cb_to_cch_a(size_t cb)
{
    return cb > NTSTRSAFE_MAX_CCH ? 0 : cb;
}

NTSTRSAFEDDI RtlStringCbCopyA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc)
{
    return copy_a(pszDest, cb_to_cch_a(cbDest), pszSrc, (size_t)-1);
}

NTSTRSAFEDDI RtlStringCbCopyW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return copy_w(pszDest, cb_to_cch_w(cbDest), pszSrc, (size_t)-1);
}

NTSTRSAFEDDI RtlStringCchCopyA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc)
{
    return copy_a(pszDest, cchDest, pszSrc, (size_t)-1);
}

NTSTRSAFEDDI RtlStringCchCopyW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return copy_w(pszDest, cchDest, pszSrc, (size_t)-1);
}

NTSTRSAFEDDI RtlStringCbCopyNA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc,
                               size_t cbToCopy)
{
    if (cbToCopy > NTSTRSAFE_MAX_CCH)
        return STATUS_INVALID_PARAMETER;
    return copy_a(pszDest, cb_to_cch_a(cbDest), pszSrc, cbToCopy);
}

NTSTRSAFEDDI RtlStringCbCopyNW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc,
                               size_t cbToCopy)
{
    if (cbToCopy > NTSTRSAFE_MAX_CCH * sizeof(WCHAR))
        return STATUS_INVALID_PARAMETER;
    return copy_w(pszDest, cb_to_cch_w(cbDest), pszSrc, cbToCopy / sizeof(WCHAR));
}

NTSTRSAFEDDI RtlStringCbCatA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc)
{
    return cat_a(pszDest, cb_to_cch_a(cbDest), pszSrc);
}

NTSTRSAFEDDI RtlStringCbCatW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return cat_w(pszDest, cb_to_cch_w(cbDest), pszSrc);
}

NTSTRSAFEDDI RtlStringCchCatA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc)
{
    return cat_a(pszDest, cchDest, pszSrc);
}

NTSTRSAFEDDI RtlStringCchCatW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return cat_w(pszDest, cchDest, pszSrc);
}

/* On failure the length reported (when asked for) is 0. */
NTSTRSAFEDDI RtlStringCbLengthA(NTSTRSAFE_PCSTR psz, size_t cbMax, size_t *pcbLength)
{
    size_t len = 0;
    NTSTATUS status = length_a(psz, cb_to_cch_a(cbMax), &len);
    if (pcbLength != NULL)
        *pcbLength = NT_SUCCESS(status) ? len : 0;
    return status;
}

NTSTRSAFEDDI RtlStringCbLengthW(NTSTRSAFE_PCWSTR psz, size_t cbMax, size_t *pcbLength)
{
    size_t len = 0;
    NTSTATUS status = length_w(psz, cb_to_cch_w(cbMax), &len);
    if (pcbLength != NULL)
        *pcbLength = NT_SUCCESS(status) ? len * sizeof(WCHAR) : 0;
    return status;
}

NTSTRSAFEDDI RtlStringCchLengthA(NTSTRSAFE_PCSTR psz, size_t cchMax, size_t *pcchLength)
{
    size_t len = 0;
    NTSTATUS status = length_a(psz, cchMax, &len);
    if (pcchLength != NULL)
        *pcchLength = NT_SUCCESS(status) ? len : 0;
    return status;
}

NTSTRSAFEDDI RtlStringCchLengthW(NTSTRSAFE_PCWSTR psz, size_t cchMax, size_t *pcchLength)
{
    size_t len = 0;
    NTSTATUS status = length_w(psz, cchMax, &len);
    if (pcchLength != NULL)
        *pcchLength = NT_SUCCESS(status) ? len : 0;
    return status;
}

NTSTRSAFEDDI RtlStringCbVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat,
                                 va_list argList)
{
    return vprintf_a(pszDest, cb_to_cch_a(cbDest), pszFormat, argList);
}

NTSTRSAFEDDI RtlStringCbVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat,
                                 va_list argList)
{
    return vprintf_w(pszDest, cb_to_cch_w(cbDest), pszFormat, argList);
}

NTSTRSAFEDDI RtlStringCchVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat,
                                  va_list argList)
{
    return vprintf_a(pszDest, cchDest, pszFormat, argList);
}

NTSTRSAFEDDI RtlStringCchVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest,
                                  NTSTRSAFE_PCWSTR pszFormat, va_list argList)
{
    return vprintf_w(pszDest, cchDest, pszFormat, argList);
}

NTSTRSAFEDDI RtlStringCbPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat,
                                ...)
{
    va_list ap;
    va_start(ap, pszFormat);
    NTSTATUS status = vprintf_a(pszDest, cb_to_cch_a(cbDest), pszFormat, ap);
    va_end(ap);
    return status;
}

NTSTRSAFEDDI RtlStringCbPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat,
                                ...)
{
    va_list ap;
    va_start(ap, pszFormat);
    NTSTATUS status = vprintf_w(pszDest, cb_to_cch_w(cbDest), pszFormat, ap);
    va_end(ap);
    return status;
}

NTSTRSAFEDDI RtlStringCchPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat,
                                 ...)
{
    va_list ap;
    va_start(ap, pszFormat);
    NTSTATUS status = vprintf_a(pszDest, cchDest, pszFormat, ap);
    va_end(ap);
    return status;
}

NTSTRSAFEDDI RtlStringCchPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest,
                                 NTSTRSAFE_PCWSTR pszFormat, ...)
{
    va_list ap;
    va_start(ap, pszFormat);
    NTSTATUS status = vprintf_w(pszDest, cchDest, pszFormat, ap);
    va_end(ap);
    return status;
}

/* =============================================================================================
 * UNICODE_STRING destinations: counted, never NUL-terminated by these routines.
 * ========================================================================================== */

/* Length and MaximumLength even (whole WCHARs), Length <= MaximumLength, at most
 * NTSTRSAFE_UNICODE_STRING_MAX_CCH characters, and a Buffer whenever MaximumLength is nonzero
 * (for a source: whenever Length is nonzero). */
static bool valid_unicode_string(PCUNICODE_STRING s, bool destination)
{
    if (s == NULL)
        return false;
    if (s->Length % sizeof(WCHAR) != 0 || s->MaximumLength % sizeof(WCHAR) != 0)
        return false;
    if (s->Length > s->MaximumLength || s->MaximumLength > MAX_UNICODE_BYTES)
        return false;
    if (s->Buffer == NULL && (destination ? s->MaximumLength : s->Length) != 0)
        return false;
    return true;
}

/* Puts n characters of src at character offset `at` of dst, as many as fit. */
static NTSTATUS put_counted(PUNICODE_STRING dst, size_t at, const WCHAR *src, size_t n)
{
    size_t room = dst->MaximumLength / sizeof(WCHAR) - at;
    size_t copy = n < room ? n : room;
    if (copy != 0)
        memmove(dst->Buffer + at, src, copy * sizeof(WCHAR));
    dst->Length = (USHORT)((at + copy) * sizeof(WCHAR));
    return copy < n ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

/* Characters of a NUL-terminated source, or (size_t)-1 when it is longer than a UNICODE_STRING
 * can describe. */
static size_t counted_source_length(const WCHAR *s)
{
    size_t n = 0;
    while (s[n] != UNICODE_NULL) {
        if (++n > NTSTRSAFE_UNICODE_STRING_MAX_CCH)
            return (size_t)-1;
    }
    return n;
}

NTSTRSAFEDDI RtlUnicodeStringInit(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc)
{
    if (DestinationString == NULL)
        return STATUS_INVALID_PARAMETER;
    DestinationString->Length = 0;
    DestinationString->MaximumLength = 0;
    DestinationString->Buffer = NULL;
    if (pszSrc == NULL)
        return STATUS_SUCCESS;
    size_t n = counted_source_length(pszSrc);
    if (n == (size_t)-1)
        return STATUS_INVALID_PARAMETER;
    size_t length = n * sizeof(WCHAR);
    size_t maximum = length + sizeof(WCHAR);
    if (maximum > MAXUSHORT)
        maximum = length; /* a string of exactly the maximum size has no room to describe */
    DestinationString->Buffer = (PWCH)pszSrc;
    DestinationString->Length = (USHORT)length;
    DestinationString->MaximumLength = (USHORT)maximum;
    return STATUS_SUCCESS;
}

NTSTRSAFEDDI RtlUnicodeStringCopy(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString)
{
    if (!valid_unicode_string(DestinationString, true))
        return STATUS_INVALID_PARAMETER;
    if (!valid_unicode_string(SourceString, false)) {
        DestinationString->Length = 0;
        return STATUS_INVALID_PARAMETER;
    }
    return put_counted(DestinationString, 0, SourceString->Buffer,
                       SourceString->Length / sizeof(WCHAR));
}

NTSTRSAFEDDI RtlUnicodeStringCopyString(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc)
{
    if (!valid_unicode_string(DestinationString, true))
        return STATUS_INVALID_PARAMETER;
    size_t n = pszSrc != NULL ? counted_source_length(pszSrc) : (size_t)-1;
    if (n == (size_t)-1) {
        DestinationString->Length = 0;
        return STATUS_INVALID_PARAMETER;
    }
    return put_counted(DestinationString, 0, pszSrc, n);
}

NTSTRSAFEDDI RtlUnicodeStringCat(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString)
{
    if (!valid_unicode_string(DestinationString, true) ||
        !valid_unicode_string(SourceString, false))
        return STATUS_INVALID_PARAMETER;
    return put_counted(DestinationString, DestinationString->Length / sizeof(WCHAR),
                       SourceString->Buffer, SourceString->Length / sizeof(WCHAR));
}

NTSTRSAFEDDI RtlUnicodeStringCatString(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc)
{
    if (!valid_unicode_string(DestinationString, true))
        return STATUS_INVALID_PARAMETER;
    size_t n = pszSrc != NULL ? counted_source_length(pszSrc) : (size_t)-1;
    if (n == (size_t)-1)
        return STATUS_INVALID_PARAMETER;
    return put_counted(DestinationString, DestinationString->Length / sizeof(WCHAR), pszSrc, n);
}

NTSTRSAFEDDI RtlUnicodeStringVPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat,
                                     va_list argList)
{
    if (!valid_unicode_string(DestinationString, true))
        return STATUS_INVALID_PARAMETER;
    if (pszFormat == NULL) {
        DestinationString->Length = 0;
        return STATUS_INVALID_PARAMETER;
    }
    size_t room = DestinationString->MaximumLength / sizeof(WCHAR);
    size_t written = 0;
    int needed = pssim__format_windows_w_counted(DestinationString->Buffer, room, &written,
                                                 pszFormat, argList);
    DestinationString->Length = (USHORT)(written * sizeof(WCHAR));
    return (size_t)needed > room ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

NTSTRSAFEDDI RtlUnicodeStringPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat,
                                    ...)
{
    va_list ap;
    va_start(ap, pszFormat);
    NTSTATUS status = RtlUnicodeStringVPrintf(DestinationString, pszFormat, ap);
    va_end(ap);
    return status;
}
