/* string.c: Rtl counted strings: init, copy, compare, append, duplicate, free, integers, memory. */
#include <string.h>

#include <pssim/wdk/ntstatus.h>
#include <pssim/wdk/detail/pool.h>
#include <pssim/wdk/detail/rtl.h>

#include "rtl/utf.h"
#include "verifier/verifier.h"

/* Longest Length a NUL-terminated source can be given so that Length + sizeof(WCHAR) still fits
 * UNICODE_STRING_MAX_BYTES: 0xFFFC with a 2-byte WCHAR (as on Windows), 0xFFF8 with 4 bytes. */
#define MAX_INIT_UNICODE_LENGTH                                                                    \
    ((USHORT)(((UNICODE_STRING_MAX_BYTES - sizeof(WCHAR)) / sizeof(WCHAR)) * sizeof(WCHAR)))
/* The same for 8-bit strings: Length up to MAXUSHORT - 1, MaximumLength up to MAXUSHORT. */
#define MAX_INIT_ANSI_LENGTH ((USHORT)(MAXUSHORT - 1))

static uint32_t wchar_value(WCHAR c)
{
    return sizeof(WCHAR) == 2 ? (uint32_t)(uint16_t)c : (uint32_t)c;
}

/* Characters before the terminator, counting no further than limit + 1. */
static size_t bounded_wcslen(PCWSTR s, size_t limit)
{
    size_t n = 0;
    while (n <= limit && s[n] != UNICODE_NULL)
        n++;
    return n;
}

static size_t bounded_strlen(PCSZ s, size_t limit)
{
    size_t n = 0;
    while (n <= limit && s[n] != ANSI_NULL)
        n++;
    return n;
}

/* =============================================================================================
 * Initialisation
 * ========================================================================================== */

/* A NULL source gives an empty string with a NULL Buffer. A source too long for a UNICODE_STRING
 * is described by its first MAX_INIT_UNICODE_LENGTH bytes, as the DDI page warns. */
NTSYSAPI VOID NTAPI RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    const size_t max_chars = MAX_INIT_UNICODE_LENGTH / sizeof(WCHAR);
    DestinationString->Buffer = (PWSTR)SourceString;
    if (SourceString == NULL) {
        DestinationString->Length = 0;
        DestinationString->MaximumLength = 0;
        return;
    }
    size_t n = bounded_wcslen(SourceString, max_chars);
    if (n > max_chars)
        n = max_chars;
    DestinationString->Length = (USHORT)(n * sizeof(WCHAR));
    DestinationString->MaximumLength = (USHORT)(n * sizeof(WCHAR) + sizeof(WCHAR));
}

/* As RtlInitUnicodeString, but a too-long source is STATUS_NAME_TOO_LONG, leaving an empty
 * string (Length and MaximumLength 0) that points at the source. */
NTSYSAPI NTSTATUS NTAPI RtlInitUnicodeStringEx(PUNICODE_STRING DestinationString,
                                               PCWSTR SourceString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    const size_t max_chars = MAX_INIT_UNICODE_LENGTH / sizeof(WCHAR);
    DestinationString->Buffer = (PWSTR)SourceString;
    DestinationString->Length = 0;
    DestinationString->MaximumLength = 0;
    if (SourceString == NULL)
        return STATUS_SUCCESS;
    size_t n = bounded_wcslen(SourceString, max_chars);
    if (n > max_chars)
        return STATUS_NAME_TOO_LONG;
    DestinationString->Length = (USHORT)(n * sizeof(WCHAR));
    DestinationString->MaximumLength = (USHORT)(n * sizeof(WCHAR) + sizeof(WCHAR));
    return STATUS_SUCCESS;
}

NTSYSAPI VOID NTAPI RtlInitAnsiString(PANSI_STRING DestinationString, PCSZ SourceString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    DestinationString->Buffer = (PCHAR)SourceString;
    if (SourceString == NULL) {
        DestinationString->Length = 0;
        DestinationString->MaximumLength = 0;
        return;
    }
    size_t n = bounded_strlen(SourceString, MAX_INIT_ANSI_LENGTH);
    if (n > MAX_INIT_ANSI_LENGTH)
        n = MAX_INIT_ANSI_LENGTH;
    DestinationString->Length = (USHORT)n;
    DestinationString->MaximumLength = (USHORT)(n + 1);
}

NTSYSAPI NTSTATUS NTAPI RtlInitAnsiStringEx(PANSI_STRING DestinationString, PCSZ SourceString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    DestinationString->Buffer = (PCHAR)SourceString;
    DestinationString->Length = 0;
    DestinationString->MaximumLength = 0;
    if (SourceString == NULL)
        return STATUS_SUCCESS;
    size_t n = bounded_strlen(SourceString, MAX_INIT_ANSI_LENGTH);
    if (n > MAX_INIT_ANSI_LENGTH)
        return STATUS_NAME_TOO_LONG;
    DestinationString->Length = (USHORT)n;
    DestinationString->MaximumLength = (USHORT)(n + 1);
    return STATUS_SUCCESS;
}

NTSYSAPI VOID NTAPI RtlInitString(PSTRING DestinationString, PCSZ SourceString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    RtlInitAnsiString(DestinationString, SourceString);
}

NTSYSAPI NTSTATUS NTAPI RtlInitStringEx(PSTRING DestinationString, PCSZ SourceString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    return RtlInitAnsiStringEx(DestinationString, SourceString);
}

/* =============================================================================================
 * Copy
 * ========================================================================================== */

/* Copies min(Source Length, destination MaximumLength) bytes (whole WCHARs when it is the
 * destination that limits), adds a terminator when it fits, and leaves MaximumLength and Buffer
 * alone. A NULL source empties the destination. */
NTSYSAPI VOID NTAPI RtlCopyUnicodeString(PUNICODE_STRING DestinationString,
                                         PCUNICODE_STRING SourceString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    if (SourceString == NULL) {
        DestinationString->Length = 0;
        return;
    }
    USHORT n = SourceString->Length;
    if (n > DestinationString->MaximumLength)
        n = (USHORT)(DestinationString->MaximumLength & ~(USHORT)(sizeof(WCHAR) - 1));
    if (n != 0)
        memmove(DestinationString->Buffer, SourceString->Buffer, n);
    DestinationString->Length = n;
    if ((size_t)n + sizeof(WCHAR) <= DestinationString->MaximumLength)
        memset((char *)DestinationString->Buffer + n, 0, sizeof(WCHAR));
}

NTSYSAPI VOID NTAPI RtlCopyString(PSTRING DestinationString, const STRING *SourceString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    if (SourceString == NULL) {
        DestinationString->Length = 0;
        return;
    }
    USHORT n = SourceString->Length;
    if (n > DestinationString->MaximumLength)
        n = DestinationString->MaximumLength;
    if (n != 0)
        memmove(DestinationString->Buffer, SourceString->Buffer, n);
    DestinationString->Length = n;
    if (n < DestinationString->MaximumLength)
        DestinationString->Buffer[n] = ANSI_NULL;
}

/* =============================================================================================
 * Compare (case-insensitive comparisons upcase both sides, as Windows does)
 * ========================================================================================== */

NTSYSAPI LONG NTAPI RtlCompareUnicodeStrings(PCWCH String1, SIZE_T String1Length, PCWCH String2,
                                             SIZE_T String2Length, BOOLEAN CaseInSensitive)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    SIZE_T n = String1Length < String2Length ? String1Length : String2Length;
    for (SIZE_T i = 0; i < n; i++) {
        WCHAR a = String1[i], b = String2[i];
        if (CaseInSensitive) {
            a = RtlUpcaseUnicodeChar(a);
            b = RtlUpcaseUnicodeChar(b);
        }
        uint32_t va = wchar_value(a), vb = wchar_value(b);
        if (va != vb)
            return va < vb ? -1 : 1;
    }
    if (String1Length == String2Length)
        return 0;
    return String1Length < String2Length ? -1 : 1;
}

NTSYSAPI LONG NTAPI RtlCompareUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                                            BOOLEAN CaseInSensitive)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    return RtlCompareUnicodeStrings(String1->Buffer, String1->Length / sizeof(WCHAR),
                                    String2->Buffer, String2->Length / sizeof(WCHAR),
                                    CaseInSensitive);
}

NTSYSAPI BOOLEAN NTAPI RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                                             BOOLEAN CaseInSensitive)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    if (String1->Length != String2->Length)
        return FALSE;
    return RtlCompareUnicodeString(String1, String2, CaseInSensitive) == 0;
}

static LONG compare_bytes(const CHAR *a, size_t na, const CHAR *b, size_t nb, BOOLEAN ci)
{
    size_t n = na < nb ? na : nb;
    for (size_t i = 0; i < n; i++) {
        CHAR ca = a[i], cb = b[i];
        if (ci) {
            ca = RtlUpperChar(ca);
            cb = RtlUpperChar(cb);
        }
        if (ca != cb)
            return (unsigned char)ca < (unsigned char)cb ? -1 : 1;
    }
    if (na == nb)
        return 0;
    return na < nb ? -1 : 1;
}

NTSYSAPI LONG NTAPI RtlCompareString(const STRING *String1, const STRING *String2,
                                     BOOLEAN CaseInSensitive)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    return compare_bytes(String1->Buffer, String1->Length, String2->Buffer, String2->Length,
                         CaseInSensitive);
}

NTSYSAPI BOOLEAN NTAPI RtlEqualString(const STRING *String1, const STRING *String2,
                                      BOOLEAN CaseInSensitive)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    if (String1->Length != String2->Length)
        return FALSE;
    return RtlCompareString(String1, String2, CaseInSensitive) == 0;
}

/* TRUE when String1 is a prefix of String2. */
NTSYSAPI BOOLEAN NTAPI RtlPrefixUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                                              BOOLEAN CaseInSensitive)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    SIZE_T n1 = String1->Length / sizeof(WCHAR), n2 = String2->Length / sizeof(WCHAR);
    if (n1 > n2)
        return FALSE;
    return RtlCompareUnicodeStrings(String1->Buffer, n1, String2->Buffer, n1, CaseInSensitive) == 0;
}

/* TRUE when String1 is a suffix of String2. */
NTSYSAPI BOOLEAN NTAPI RtlSuffixUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                                              BOOLEAN CaseInSensitive)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    SIZE_T n1 = String1->Length / sizeof(WCHAR), n2 = String2->Length / sizeof(WCHAR);
    if (n1 > n2)
        return FALSE;
    return RtlCompareUnicodeStrings(String1->Buffer, n1, String2->Buffer + (n2 - n1), n1,
                                    CaseInSensitive) == 0;
}

NTSYSAPI BOOLEAN NTAPI RtlPrefixString(const STRING *String1, const STRING *String2,
                                       BOOLEAN CaseInSensitive)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    if (String1->Length > String2->Length)
        return FALSE;
    return compare_bytes(String1->Buffer, String1->Length, String2->Buffer, String1->Length,
                         CaseInSensitive) == 0;
}

/* =============================================================================================
 * Append: STATUS_BUFFER_TOO_SMALL when the result would exceed MaximumLength (the destination
 * is then unchanged); a terminator is added when there is room for it.
 * ========================================================================================== */

static NTSTATUS append_unicode(PUNICODE_STRING dst, PCWCH src, size_t bytes)
{
    if (bytes == 0)
        return STATUS_SUCCESS;
    if ((size_t)dst->Length + bytes > dst->MaximumLength)
        return STATUS_BUFFER_TOO_SMALL;
    memmove((char *)dst->Buffer + dst->Length, src, bytes);
    dst->Length = (USHORT)(dst->Length + bytes);
    if ((size_t)dst->Length + sizeof(WCHAR) <= dst->MaximumLength)
        memset((char *)dst->Buffer + dst->Length, 0, sizeof(WCHAR));
    return STATUS_SUCCESS;
}

NTSYSAPI NTSTATUS NTAPI RtlAppendUnicodeStringToString(PUNICODE_STRING Destination,
                                                       PCUNICODE_STRING Source)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    return append_unicode(Destination, Source->Buffer, Source->Length);
}

NTSYSAPI NTSTATUS NTAPI RtlAppendUnicodeToString(PUNICODE_STRING Destination, PCWSTR Source)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    if (Source == NULL)
        return STATUS_SUCCESS;
    size_t n = bounded_wcslen(Source, MAXUSHORT);
    if (n * sizeof(WCHAR) > MAXUSHORT)
        return STATUS_BUFFER_TOO_SMALL;
    return append_unicode(Destination, Source, n * sizeof(WCHAR));
}

NTSYSAPI NTSTATUS NTAPI RtlAppendStringToString(PSTRING Destination, const STRING *Source)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    USHORT n = Source->Length;
    if (n == 0)
        return STATUS_SUCCESS;
    if ((size_t)Destination->Length + n > Destination->MaximumLength)
        return STATUS_BUFFER_TOO_SMALL;
    memmove(Destination->Buffer + Destination->Length, Source->Buffer, n);
    Destination->Length = (USHORT)(Destination->Length + n);
    if (Destination->Length < Destination->MaximumLength)
        Destination->Buffer[Destination->Length] = ANSI_NULL;
    return STATUS_SUCCESS;
}

/* =============================================================================================
 * Duplicate and free
 * ========================================================================================== */

/* Flags other than the two RTL_DUPLICATE_UNICODE_STRING_* bits, ALLOCATE_NULL_STRING without
 * NULL_TERMINATE, a NULL string, an odd Length or Length > MaximumLength are
 * STATUS_INVALID_PARAMETER. An empty source gives an empty, unallocated string unless
 * ALLOCATE_NULL_STRING asks for a buffer holding just the terminator. */
NTSYSAPI NTSTATUS NTAPI RtlDuplicateUnicodeString(ULONG Flags, PCUNICODE_STRING StringIn,
                                                  PUNICODE_STRING StringOut)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    const ULONG valid = RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE |
                        RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING;
    if ((Flags & ~valid) != 0 || Flags == RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING ||
        StringIn == NULL || StringOut == NULL)
        return STATUS_INVALID_PARAMETER;
    if (StringIn->Length % sizeof(WCHAR) != 0 ||
        (StringIn->MaximumLength != 0 && StringIn->Length > StringIn->MaximumLength) ||
        (StringIn->Buffer == NULL && (StringIn->Length != 0 || StringIn->MaximumLength != 0)))
        return STATUS_INVALID_PARAMETER;

    if (StringIn->Length == 0 && !(Flags & RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING)) {
        StringOut->Length = 0;
        StringOut->MaximumLength = 0;
        StringOut->Buffer = NULL;
        return STATUS_SUCCESS;
    }
    size_t size = StringIn->Length;
    if (Flags & RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE)
        size += sizeof(WCHAR);
    if (size > UNICODE_STRING_MAX_BYTES)
        return STATUS_NAME_TOO_LONG;
    PWCH buffer = (PWCH)ExAllocatePoolWithTag(PagedPool, size, PSSIM_RTL_STRING_TAG);
    if (buffer == NULL)
        return STATUS_NO_MEMORY;
    if (StringIn->Length != 0)
        memcpy(buffer, StringIn->Buffer, StringIn->Length);
    if (Flags & RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE)
        buffer[StringIn->Length / sizeof(WCHAR)] = UNICODE_NULL;
    StringOut->Buffer = buffer;
    StringOut->Length = StringIn->Length;
    StringOut->MaximumLength = (USHORT)size;
    return STATUS_SUCCESS;
}

/* Frees a buffer that an Rtl routine allocated and zeroes the structure; a NULL Buffer is
 * tolerated. */
NTSYSAPI VOID NTAPI RtlFreeUnicodeString(PUNICODE_STRING UnicodeString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    if (UnicodeString->Buffer != NULL)
        ExFreePool(UnicodeString->Buffer);
    UnicodeString->Buffer = NULL;
    UnicodeString->Length = 0;
    UnicodeString->MaximumLength = 0;
}

NTSYSAPI VOID NTAPI RtlFreeAnsiString(PANSI_STRING AnsiString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    if (AnsiString->Buffer != NULL)
        ExFreePool(AnsiString->Buffer);
    AnsiString->Buffer = NULL;
    AnsiString->Length = 0;
    AnsiString->MaximumLength = 0;
}

/* =============================================================================================
 * Integers. Bases are 2, 8, 10 and 16; 0 means 10 (and, when parsing, "look for a 0x, 0o or
 * 0b prefix"). Digits above 9 are upper case. Null output pointers are
 * STATUS_ACCESS_VIOLATION, which is what Windows' exception handler turns the fault into.
 * ========================================================================================== */

static bool valid_base(ULONG base)
{
    return base == 2 || base == 8 || base == 10 || base == 16;
}

/* Writes the digits of value, most significant first, to out (65 bytes); returns how many. */
static size_t format_unsigned(ULONGLONG value, ULONG base, char *out)
{
    char tmp[64];
    size_t n = 0;
    do {
        unsigned digit = (unsigned)(value % base);
        tmp[n++] = (char)(digit < 10 ? '0' + digit : 'A' + digit - 10);
        value /= base;
    } while (value != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

NTSYSAPI NTSTATUS NTAPI RtlIntegerToChar(ULONG Value, ULONG Base, LONG OutputLength, PSZ String)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    char digits[65];
    if (Base == 0)
        Base = 10;
    if (!valid_base(Base))
        return STATUS_INVALID_PARAMETER;
    size_t n = format_unsigned(Value, Base, digits);
    if (OutputLength < 0 || n > (ULONG)OutputLength)
        return STATUS_BUFFER_OVERFLOW;
    if (String == NULL)
        return STATUS_ACCESS_VIOLATION;
    memcpy(String, digits, n);
    if (n < (ULONG)OutputLength)
        String[n] = ANSI_NULL;
    return STATUS_SUCCESS;
}

/* The digits must fit with room to spare for a terminator (added when it fits whole), as the
 * DDI page's "buffer too small" describes; otherwise STATUS_BUFFER_OVERFLOW. */
static NTSTATUS integer_to_unicode(ULONGLONG value, ULONG base, PUNICODE_STRING string)
{
    char digits[65];
    if (base == 0)
        base = 10;
    if (!valid_base(base))
        return STATUS_INVALID_PARAMETER;
    size_t n = format_unsigned(value, base, digits);
    if (n * sizeof(WCHAR) >= string->MaximumLength)
        return STATUS_BUFFER_OVERFLOW;
    for (size_t i = 0; i < n; i++)
        string->Buffer[i] = (WCHAR)digits[i];
    string->Length = (USHORT)(n * sizeof(WCHAR));
    if ((n + 1) * sizeof(WCHAR) <= string->MaximumLength)
        string->Buffer[n] = UNICODE_NULL;
    return STATUS_SUCCESS;
}

NTSYSAPI NTSTATUS NTAPI RtlIntegerToUnicodeString(ULONG Value, ULONG Base, PUNICODE_STRING String)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    return integer_to_unicode(Value, Base, String);
}

NTSYSAPI NTSTATUS NTAPI RtlInt64ToUnicodeString(ULONGLONG Value, ULONG Base, PUNICODE_STRING String)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    return integer_to_unicode(Value, Base, String);
}

static int digit_value(uint32_t c)
{
    if (c >= '0' && c <= '9')
        return (int)(c - '0');
    if (c >= 'a' && c <= 'z')
        return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'Z')
        return (int)(c - 'A' + 10);
    return 99;
}

/* Shared parser over n characters fetched by get(): leading white space (anything up to and
 * including the space character), an optional sign, the prefix when base is 0, then digits
 * until the first character that is not a digit of the base. No digits at all gives 0. The
 * value wraps modulo 2^32 and a minus sign negates it. */
static NTSTATUS parse_integer(const void *s, size_t n, uint32_t (*get)(const void *, size_t),
                              ULONG base, PULONG value)
{
    size_t i = 0;
    bool negative = false;
    if (base != 0 && !valid_base(base))
        return STATUS_INVALID_PARAMETER;
    if (value == NULL)
        return STATUS_ACCESS_VIOLATION;
    while (i < n && get(s, i) != 0 && get(s, i) <= ' ')
        i++;
    if (i < n && (get(s, i) == '-' || get(s, i) == '+')) {
        negative = get(s, i) == '-';
        i++;
    }
    if (base == 0) {
        base = 10;
        if (i + 1 < n && get(s, i) == '0') {
            uint32_t p = get(s, i + 1);
            if (p == 'x' || p == 'X')
                base = 16;
            else if (p == 'o' || p == 'O')
                base = 8;
            else if (p == 'b' || p == 'B')
                base = 2;
            if (base != 10)
                i += 2;
        }
    }
    ULONG result = 0;
    for (; i < n; i++) {
        int d = digit_value(get(s, i));
        if (d >= (int)base)
            break;
        result = result * base + (ULONG)d;
    }
    *value = negative ? (ULONG)(0u - result) : result;
    return STATUS_SUCCESS;
}

static uint32_t get_char(const void *s, size_t i)
{
    return (unsigned char)((const char *)s)[i];
}

static uint32_t get_wchar(const void *s, size_t i)
{
    return wchar_value(((const WCHAR *)s)[i]);
}

NTSYSAPI NTSTATUS NTAPI RtlCharToInteger(PCSZ String, ULONG Base, PULONG Value)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    if (String == NULL)
        return STATUS_ACCESS_VIOLATION;
    return parse_integer(String, strlen(String), get_char, Base, Value);
}

NTSYSAPI NTSTATUS NTAPI RtlUnicodeStringToInteger(PCUNICODE_STRING String, ULONG Base, PULONG Value)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    if (String == NULL)
        return STATUS_ACCESS_VIOLATION;
    return parse_integer(String->Buffer, String->Length / sizeof(WCHAR), get_wchar, Base, Value);
}

/* =============================================================================================
 * Memory
 * ========================================================================================== */

NTSYSAPI SIZE_T NTAPI RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    const unsigned char *a = (const unsigned char *)Source1, *b = (const unsigned char *)Source2;
    SIZE_T i = 0;
    while (i < Length && a[i] == b[i])
        i++;
    return i;
}

/* Zero when Source is not ULONG-aligned or Length is not a multiple of sizeof(ULONG), as the
 * DDI page specifies; otherwise the bytes in the leading run of ULONGs equal to Pattern. */
NTSYSAPI SIZE_T NTAPI RtlCompareMemoryUlong(PVOID Source, SIZE_T Length, ULONG Pattern)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    if (((ULONG_PTR)Source % sizeof(ULONG)) != 0 || Length % sizeof(ULONG) != 0)
        return 0;
    const ULONG *p = (const ULONG *)Source;
    SIZE_T n = Length / sizeof(ULONG), i = 0;
    while (i < n && p[i] == Pattern)
        i++;
    return i * sizeof(ULONG);
}
