/* detail/rtl.h: Rtl counted-string, conversion and memory routines (part of wdm.h). */
#ifndef PSSIM_WDK_DETAIL_RTL_H
#define PSSIM_WDK_DETAIL_RTL_H

#include "../ntdef.h"

#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Conventions of this simulation (see also src/rtl/string.c and src/rtl/unicode.c):
 *  - WCHAR is wchar_t: 4 bytes (UTF-32) on Linux, 2 (UTF-16) under mingw-w64. Every Length and
 *    MaximumLength is in bytes, i.e. characters * sizeof(WCHAR).
 *  - The "ANSI" code page is Latin-1 (ISO 8859-1): byte N is U+00NN; characters above U+00FF
 *    become '?' when converted to ANSI. It is a single-byte code page, so NLS_MB_CODE_PAGE_TAG
 *    is FALSE.
 *  - Case mapping is Unicode's simple (one-to-one) mapping for ASCII, Latin-1 Supplement, Latin
 *    Extended-A, Latin Extended Additional, Greek, Cyrillic (with Supplement), Armenian, Roman
 *    numerals, circled Latin letters and fullwidth Latin letters. Other characters map to
 *    themselves.
 *  - Routines that allocate use ExAllocatePoolWithTag(PagedPool, n, 'GrtS') (shown as "StrG" in
 *    a pool dump); RtlFreeUnicodeString / RtlFreeAnsiString release with ExFreePool. */

#define NLS_MB_CODE_PAGE_TAG FALSE
#define NLS_MB_OEM_CODE_PAGE_TAG FALSE

#define RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE 1
#define RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING 2

/* ---- memory ---- */
#define RtlEqualMemory(Destination, Source, Length) (!memcmp((Destination), (Source), (Length)))
#define RtlCopyMemory(Destination, Source, Length) memcpy((Destination), (Source), (Length))
#define RtlMoveMemory(Destination, Source, Length) memmove((Destination), (Source), (Length))
#define RtlFillMemory(Destination, Length, Fill) memset((Destination), (Fill), (Length))
#define RtlZeroMemory(Destination, Length) memset((Destination), 0, (Length))
#define RtlCopyBytes RtlCopyMemory
#define RtlFillBytes RtlFillMemory
#define RtlZeroBytes RtlZeroMemory

/* Zeroes through a volatile pointer so that the stores are never optimised away. */
FORCEINLINE PVOID RtlSecureZeroMemory(_Out_ PVOID Pointer, _In_ SIZE_T Size)
{
    volatile UCHAR *p = (volatile UCHAR *)Pointer;
    while (Size != 0) {
        *p++ = 0;
        Size--;
    }
    return Pointer;
}

NTSYSAPI SIZE_T NTAPI RtlCompareMemory(_In_ const VOID *Source1, _In_ const VOID *Source2,
                                       _In_ SIZE_T Length);
NTSYSAPI SIZE_T NTAPI RtlCompareMemoryUlong(_In_ PVOID Source, _In_ SIZE_T Length,
                                            _In_ ULONG Pattern);

/* ---- initialisation ---- */
FORCEINLINE VOID RtlInitEmptyUnicodeString(_Out_ PUNICODE_STRING UnicodeString,
                                           _In_opt_ PWCHAR Buffer, _In_ USHORT BufferSize)
{
    UnicodeString->Length = 0;
    UnicodeString->MaximumLength = BufferSize;
    UnicodeString->Buffer = Buffer;
}

FORCEINLINE VOID RtlInitEmptyAnsiString(_Out_ PANSI_STRING AnsiString, _In_opt_ PCHAR Buffer,
                                        _In_ USHORT BufferSize)
{
    AnsiString->Length = 0;
    AnsiString->MaximumLength = BufferSize;
    AnsiString->Buffer = Buffer;
}

NTSYSAPI VOID NTAPI RtlInitUnicodeString(_Out_ PUNICODE_STRING DestinationString,
                                         _In_opt_ PCWSTR SourceString);
NTSYSAPI NTSTATUS NTAPI RtlInitUnicodeStringEx(_Out_ PUNICODE_STRING DestinationString,
                                               _In_opt_ PCWSTR SourceString);
NTSYSAPI VOID NTAPI RtlInitAnsiString(_Out_ PANSI_STRING DestinationString,
                                      _In_opt_ PCSZ SourceString);
NTSYSAPI NTSTATUS NTAPI RtlInitAnsiStringEx(_Out_ PANSI_STRING DestinationString,
                                            _In_opt_ PCSZ SourceString);
NTSYSAPI VOID NTAPI RtlInitString(_Out_ PSTRING DestinationString, _In_opt_ PCSZ SourceString);
NTSYSAPI NTSTATUS NTAPI RtlInitStringEx(_Out_ PSTRING DestinationString,
                                        _In_opt_ PCSZ SourceString);

/* ---- copy, compare, append ---- */
NTSYSAPI VOID NTAPI RtlCopyUnicodeString(_Inout_ PUNICODE_STRING DestinationString,
                                         _In_opt_ PCUNICODE_STRING SourceString);
NTSYSAPI VOID NTAPI RtlCopyString(_Out_ PSTRING DestinationString,
                                  _In_opt_ const STRING *SourceString);
NTSYSAPI LONG NTAPI RtlCompareUnicodeString(_In_ PCUNICODE_STRING String1,
                                            _In_ PCUNICODE_STRING String2,
                                            _In_ BOOLEAN CaseInSensitive);
NTSYSAPI LONG NTAPI RtlCompareUnicodeStrings(_In_ PCWCH String1, _In_ SIZE_T String1Length,
                                             _In_ PCWCH String2, _In_ SIZE_T String2Length,
                                             _In_ BOOLEAN CaseInSensitive);
NTSYSAPI BOOLEAN NTAPI RtlEqualUnicodeString(_In_ PCUNICODE_STRING String1,
                                             _In_ PCUNICODE_STRING String2,
                                             _In_ BOOLEAN CaseInSensitive);
NTSYSAPI LONG NTAPI RtlCompareString(_In_ const STRING *String1, _In_ const STRING *String2,
                                     _In_ BOOLEAN CaseInSensitive);
NTSYSAPI BOOLEAN NTAPI RtlEqualString(_In_ const STRING *String1, _In_ const STRING *String2,
                                      _In_ BOOLEAN CaseInSensitive);
NTSYSAPI BOOLEAN NTAPI RtlPrefixUnicodeString(_In_ PCUNICODE_STRING String1,
                                              _In_ PCUNICODE_STRING String2,
                                              _In_ BOOLEAN CaseInSensitive);
NTSYSAPI BOOLEAN NTAPI RtlSuffixUnicodeString(_In_ PCUNICODE_STRING String1,
                                              _In_ PCUNICODE_STRING String2,
                                              _In_ BOOLEAN CaseInSensitive);
NTSYSAPI BOOLEAN NTAPI RtlPrefixString(_In_ const STRING *String1, _In_ const STRING *String2,
                                       _In_ BOOLEAN CaseInSensitive);
NTSYSAPI NTSTATUS NTAPI RtlAppendUnicodeStringToString(_Inout_ PUNICODE_STRING Destination,
                                                       _In_ PCUNICODE_STRING Source);
NTSYSAPI NTSTATUS NTAPI RtlAppendUnicodeToString(_Inout_ PUNICODE_STRING Destination,
                                                 _In_opt_ PCWSTR Source);
NTSYSAPI NTSTATUS NTAPI RtlAppendStringToString(_Inout_ PSTRING Destination,
                                                _In_ const STRING *Source);

/* ---- case mapping ---- */
NTSYSAPI WCHAR NTAPI RtlUpcaseUnicodeChar(_In_ WCHAR SourceCharacter);
NTSYSAPI WCHAR NTAPI RtlDowncaseUnicodeChar(_In_ WCHAR SourceCharacter);
NTSYSAPI CHAR NTAPI RtlUpperChar(_In_ CHAR Character);
NTSYSAPI VOID NTAPI RtlUpperString(_Inout_ PSTRING DestinationString,
                                   _In_ const STRING *SourceString);
NTSYSAPI NTSTATUS NTAPI RtlUpcaseUnicodeString(_Inout_ PUNICODE_STRING DestinationString,
                                               _In_ PCUNICODE_STRING SourceString,
                                               _In_ BOOLEAN AllocateDestinationString);
NTSYSAPI NTSTATUS NTAPI RtlDowncaseUnicodeString(_Inout_ PUNICODE_STRING DestinationString,
                                                 _In_ PCUNICODE_STRING SourceString,
                                                 _In_ BOOLEAN AllocateDestinationString);

/* ---- allocation, conversion ---- */
NTSYSAPI NTSTATUS NTAPI RtlDuplicateUnicodeString(_In_ ULONG Flags, _In_ PCUNICODE_STRING StringIn,
                                                  _Out_ PUNICODE_STRING StringOut);
NTSYSAPI NTSTATUS NTAPI RtlAnsiStringToUnicodeString(_Inout_ PUNICODE_STRING DestinationString,
                                                     _In_ PCANSI_STRING SourceString,
                                                     _In_ BOOLEAN AllocateDestinationString);
NTSYSAPI NTSTATUS NTAPI RtlUnicodeStringToAnsiString(_Inout_ PANSI_STRING DestinationString,
                                                     _In_ PCUNICODE_STRING SourceString,
                                                     _In_ BOOLEAN AllocateDestinationString);
/* Bytes needed for the converted string, terminating NUL included. */
NTSYSAPI ULONG NTAPI RtlxAnsiStringToUnicodeSize(_In_ PCANSI_STRING AnsiString);
NTSYSAPI ULONG NTAPI RtlxUnicodeStringToAnsiSize(_In_ PCUNICODE_STRING UnicodeString);
#define RtlAnsiStringToUnicodeSize(STRING) RtlxAnsiStringToUnicodeSize(STRING)
#define RtlUnicodeStringToAnsiSize(STRING) RtlxUnicodeStringToAnsiSize(STRING)
NTSYSAPI VOID NTAPI RtlFreeUnicodeString(_Inout_ PUNICODE_STRING UnicodeString);
NTSYSAPI VOID NTAPI RtlFreeAnsiString(_Inout_ PANSI_STRING AnsiString);
NTSYSAPI NTSTATUS NTAPI RtlUTF8ToUnicodeN(_Out_opt_ PWSTR UnicodeStringDestination,
                                          _In_ ULONG UnicodeStringMaxByteCount,
                                          _Out_ PULONG UnicodeStringActualByteCount,
                                          _In_ PCCH UTF8StringSource,
                                          _In_ ULONG UTF8StringByteCount);
NTSYSAPI NTSTATUS NTAPI RtlUnicodeToUTF8N(_Out_opt_ PCHAR UTF8StringDestination,
                                          _In_ ULONG UTF8StringMaxByteCount,
                                          _Out_ PULONG UTF8StringActualByteCount,
                                          _In_ PCWCH UnicodeStringSource,
                                          _In_ ULONG UnicodeStringByteCount);

/* ---- integers ---- */
NTSYSAPI NTSTATUS NTAPI RtlIntegerToUnicodeString(_In_ ULONG Value, _In_opt_ ULONG Base,
                                                  _Inout_ PUNICODE_STRING String);
NTSYSAPI NTSTATUS NTAPI RtlInt64ToUnicodeString(_In_ ULONGLONG Value, _In_opt_ ULONG Base,
                                                _Inout_ PUNICODE_STRING String);
#if UINTPTR_MAX > 0xFFFFFFFFu
#define RtlIntPtrToUnicodeString(Value, Base, String)                                              \
    RtlInt64ToUnicodeString((ULONGLONG)(Value), Base, String)
#else
#define RtlIntPtrToUnicodeString(Value, Base, String)                                              \
    RtlIntegerToUnicodeString((ULONG)(Value), Base, String)
#endif
NTSYSAPI NTSTATUS NTAPI RtlUnicodeStringToInteger(_In_ PCUNICODE_STRING String, _In_opt_ ULONG Base,
                                                  _Out_ PULONG Value);
NTSYSAPI NTSTATUS NTAPI RtlCharToInteger(_In_ PCSZ String, _In_opt_ ULONG Base, _Out_ PULONG Value);
NTSYSAPI NTSTATUS NTAPI RtlIntegerToChar(_In_ ULONG Value, _In_opt_ ULONG Base,
                                         _In_ LONG OutputLength, _Out_ PSZ String);

#ifdef __cplusplus
}
#endif

#endif /* PSSIM_WDK_DETAIL_RTL_H */
