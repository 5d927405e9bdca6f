/* ntstrsafe.h: the commonly used subset of the WDK safe string routines (RtlString*). */
#ifndef PSSIM_WDK_NTSTRSAFE_H
#define PSSIM_WDK_NTSTRSAFE_H

#include "ntdef.h"

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Results (see src/rtl/strsafe.c): STATUS_SUCCESS; STATUS_BUFFER_OVERFLOW when the result was
 * truncated (the destination still holds the truncated, NUL-terminated text; UNICODE_STRING
 * destinations are counted and get no terminator); STATUS_INVALID_PARAMETER for a zero or
 * too-large size, a NULL pointer, a destination that is not NUL-terminated within its size (Cat)
 * or a malformed UNICODE_STRING. The printf routines use Windows' kernel format rules: %wZ, %ws,
 * %hs, %I64d, 32-bit %ld; in the W routines %s is a wide string and %S a narrow one. */

typedef char *NTSTRSAFE_PSTR;
typedef const char *NTSTRSAFE_PCSTR;
typedef WCHAR *NTSTRSAFE_PWSTR;
typedef const WCHAR *NTSTRSAFE_PCWSTR;

#define NTSTRSAFEDDI NTSYSAPI NTSTATUS NTAPI
#define NTSTRSAFE_MAX_CCH 2147483647
#define NTSTRSAFE_MAX_LENGTH (NTSTRSAFE_MAX_CCH - 1)
#define NTSTRSAFE_UNICODE_STRING_MAX_CCH (0xffff / sizeof(WCHAR))

/* ---- copy ---- */
NTSTRSAFEDDI RtlStringCbCopyA(_Out_ NTSTRSAFE_PSTR pszDest, _In_ size_t cbDest,
                              _In_ NTSTRSAFE_PCSTR pszSrc);
NTSTRSAFEDDI RtlStringCbCopyW(_Out_ NTSTRSAFE_PWSTR pszDest, _In_ size_t cbDest,
                              _In_ NTSTRSAFE_PCWSTR pszSrc);
NTSTRSAFEDDI RtlStringCchCopyA(_Out_ NTSTRSAFE_PSTR pszDest, _In_ size_t cchDest,
                               _In_ NTSTRSAFE_PCSTR pszSrc);
NTSTRSAFEDDI RtlStringCchCopyW(_Out_ NTSTRSAFE_PWSTR pszDest, _In_ size_t cchDest,
                               _In_ NTSTRSAFE_PCWSTR pszSrc);
NTSTRSAFEDDI RtlStringCbCopyNA(_Out_ NTSTRSAFE_PSTR pszDest, _In_ size_t cbDest,
                               _In_ NTSTRSAFE_PCSTR pszSrc, _In_ size_t cbToCopy);
NTSTRSAFEDDI RtlStringCbCopyNW(_Out_ NTSTRSAFE_PWSTR pszDest, _In_ size_t cbDest,
                               _In_ NTSTRSAFE_PCWSTR pszSrc, _In_ size_t cbToCopy);

/* ---- concatenate ---- */
NTSTRSAFEDDI RtlStringCbCatA(_Inout_ NTSTRSAFE_PSTR pszDest, _In_ size_t cbDest,
                             _In_ NTSTRSAFE_PCSTR pszSrc);
NTSTRSAFEDDI RtlStringCbCatW(_Inout_ NTSTRSAFE_PWSTR pszDest, _In_ size_t cbDest,
                             _In_ NTSTRSAFE_PCWSTR pszSrc);
NTSTRSAFEDDI RtlStringCchCatA(_Inout_ NTSTRSAFE_PSTR pszDest, _In_ size_t cchDest,
                              _In_ NTSTRSAFE_PCSTR pszSrc);
NTSTRSAFEDDI RtlStringCchCatW(_Inout_ NTSTRSAFE_PWSTR pszDest, _In_ size_t cchDest,
                              _In_ NTSTRSAFE_PCWSTR pszSrc);

/* ---- length (the terminator must lie within the first cbMax bytes / cchMax characters) ---- */
NTSTRSAFEDDI RtlStringCbLengthA(_In_ NTSTRSAFE_PCSTR psz, _In_ size_t cbMax,
                                _Out_opt_ size_t *pcbLength);
NTSTRSAFEDDI RtlStringCbLengthW(_In_ NTSTRSAFE_PCWSTR psz, _In_ size_t cbMax,
                                _Out_opt_ size_t *pcbLength);
NTSTRSAFEDDI RtlStringCchLengthA(_In_ NTSTRSAFE_PCSTR psz, _In_ size_t cchMax,
                                 _Out_opt_ size_t *pcchLength);
NTSTRSAFEDDI RtlStringCchLengthW(_In_ NTSTRSAFE_PCWSTR psz, _In_ size_t cchMax,
                                 _Out_opt_ size_t *pcchLength);

/* ---- formatted ---- */
NTSTRSAFEDDI RtlStringCbPrintfA(_Out_ NTSTRSAFE_PSTR pszDest, _In_ size_t cbDest,
                                _In_ NTSTRSAFE_PCSTR pszFormat, ...);
NTSTRSAFEDDI RtlStringCbPrintfW(_Out_ NTSTRSAFE_PWSTR pszDest, _In_ size_t cbDest,
                                _In_ NTSTRSAFE_PCWSTR pszFormat, ...);
NTSTRSAFEDDI RtlStringCchPrintfA(_Out_ NTSTRSAFE_PSTR pszDest, _In_ size_t cchDest,
                                 _In_ NTSTRSAFE_PCSTR pszFormat, ...);
NTSTRSAFEDDI RtlStringCchPrintfW(_Out_ NTSTRSAFE_PWSTR pszDest, _In_ size_t cchDest,
                                 _In_ NTSTRSAFE_PCWSTR pszFormat, ...);
NTSTRSAFEDDI RtlStringCbVPrintfA(_Out_ NTSTRSAFE_PSTR pszDest, _In_ size_t cbDest,
                                 _In_ NTSTRSAFE_PCSTR pszFormat, _In_ va_list argList);
NTSTRSAFEDDI RtlStringCbVPrintfW(_Out_ NTSTRSAFE_PWSTR pszDest, _In_ size_t cbDest,
                                 _In_ NTSTRSAFE_PCWSTR pszFormat, _In_ va_list argList);
NTSTRSAFEDDI RtlStringCchVPrintfA(_Out_ NTSTRSAFE_PSTR pszDest, _In_ size_t cchDest,
                                  _In_ NTSTRSAFE_PCSTR pszFormat, _In_ va_list argList);
NTSTRSAFEDDI RtlStringCchVPrintfW(_Out_ NTSTRSAFE_PWSTR pszDest, _In_ size_t cchDest,
                                  _In_ NTSTRSAFE_PCWSTR pszFormat, _In_ va_list argList);

/* ---- UNICODE_STRING destinations ---- */
NTSTRSAFEDDI RtlUnicodeStringInit(_Out_ PUNICODE_STRING DestinationString,
                                  _In_opt_ NTSTRSAFE_PCWSTR pszSrc);
NTSTRSAFEDDI RtlUnicodeStringCopy(_Inout_ PUNICODE_STRING DestinationString,
                                  _In_ PCUNICODE_STRING SourceString);
NTSTRSAFEDDI RtlUnicodeStringCopyString(_Inout_ PUNICODE_STRING DestinationString,
                                        _In_ NTSTRSAFE_PCWSTR pszSrc);
NTSTRSAFEDDI RtlUnicodeStringCat(_Inout_ PUNICODE_STRING DestinationString,
                                 _In_ PCUNICODE_STRING SourceString);
NTSTRSAFEDDI RtlUnicodeStringCatString(_Inout_ PUNICODE_STRING DestinationString,
                                       _In_ NTSTRSAFE_PCWSTR pszSrc);
NTSTRSAFEDDI RtlUnicodeStringPrintf(_Inout_ PUNICODE_STRING DestinationString,
                                    _In_ NTSTRSAFE_PCWSTR pszFormat, ...);
NTSTRSAFEDDI RtlUnicodeStringVPrintf(_Inout_ PUNICODE_STRING DestinationString,
                                     _In_ NTSTRSAFE_PCWSTR pszFormat, _In_ va_list argList);

#ifdef __cplusplus
}
#endif

#endif /* PSSIM_WDK_NTSTRSAFE_H */
