/* unicode.c: Rtl case mapping, ANSI (Latin-1) <-> Unicode and UTF-8 <-> WCHAR conversions. */
#include <string.h>

#include <pssim/wdk/ntstatus.h>
#include <pssim/wdk/detail/pool.h>
#include <pssim/wdk/detail/rtl.h>

#include "rtl/utf.h"
#include "verifier/verifier.h"

/* =============================================================================================
 * Case mapping
 *
 * Each row pairs a run of capital letters with their small letters: for step 1 every code point
 * in [first, last] is a capital whose small form is cp + delta; for step 2 only first, first + 2,
 * ... are capitals (the alternating layout of Latin Extended-A and Cyrillic) and the small form
 * is the next code point. The data are Unicode's simple case mappings for the blocks listed in
 * rtl.h. Mappings that would take a non-ASCII letter onto ASCII (U+0130, U+0131, U+017F, U+212A)
 * are deliberately left out so that case-insensitive comparison of ASCII names stays exact.
 * ========================================================================================== */

typedef struct case_pair_run {
    uint32_t first, last; /* capitals */
    int32_t delta;        /* small = capital + delta */
    uint32_t step;        /* 1: every code point; 2: every other one */
} case_pair_run;

/* clang-format off */
static const case_pair_run case_runs[] = {
    {0x0041, 0x005A, 32, 1},    /* Basic Latin */
    {0x00C0, 0x00D6, 32, 1},    /* Latin-1 Supplement */
    {0x00D8, 0x00DE, 32, 1},
    {0x0100, 0x012E, 1, 2},     /* Latin Extended-A */
    {0x0132, 0x0136, 1, 2},
    {0x0139, 0x0147, 1, 2},
    {0x014A, 0x0176, 1, 2},
    {0x0178, 0x0178, -121, 1},  /* Y WITH DIAERESIS <-> U+00FF */
    {0x0179, 0x017D, 1, 2},
    {0x0370, 0x0372, 1, 2},     /* Greek and Coptic */
    {0x0376, 0x0376, 1, 1},
    {0x037F, 0x037F, 116, 1},
    {0x0386, 0x0386, 38, 1},
    {0x0388, 0x038A, 37, 1},
    {0x038C, 0x038C, 64, 1},
    {0x038E, 0x038F, 63, 1},
    {0x0391, 0x03A1, 32, 1},
    {0x03A3, 0x03AB, 32, 1},
    {0x03CF, 0x03CF, 8, 1},
    {0x03D8, 0x03EE, 1, 2},
    {0x03F7, 0x03F7, 1, 1},
    {0x03F9, 0x03F9, -7, 1},
    {0x03FA, 0x03FA, 1, 1},
    {0x03FD, 0x03FF, -130, 1},
    {0x0400, 0x040F, 80, 1},    /* Cyrillic */
    {0x0410, 0x042F, 32, 1},
    {0x0460, 0x0480, 1, 2},
    {0x048A, 0x04BE, 1, 2},
    {0x04C0, 0x04C0, 15, 1},
    {0x04C1, 0x04CD, 1, 2},
    {0x04D0, 0x052E, 1, 2},     /* ... and Cyrillic Supplement */
    {0x0531, 0x0556, 48, 1},    /* Armenian */
    {0x1E00, 0x1E94, 1, 2},     /* Latin Extended Additional */
    {0x1EA0, 0x1EFE, 1, 2},
    {0x2160, 0x216F, 16, 1},    /* Roman numerals */
    {0x24B6, 0x24CF, 26, 1},    /* circled Latin letters */
    {0xFF21, 0xFF3A, 32, 1},    /* fullwidth Latin letters */
};
/* clang-format on */

/* One-way mappings: small letters without a capital of their own, and capitals whose small
 * letter already upcases elsewhere. */
typedef struct case_single {
    uint32_t from, to;
} case_single;

static const case_single upcase_only[] = {
    {0x00B5, 0x039C}, /* MICRO SIGN -> GREEK CAPITAL MU */
    {0x03C2, 0x03A3}, /* FINAL SIGMA -> CAPITAL SIGMA */
    {0x03D0, 0x0392}, {0x03D1, 0x0398}, {0x03D5, 0x03A6}, {0x03D6, 0x03A0},
    {0x03F0, 0x039A}, {0x03F1, 0x03A1}, {0x03F5, 0x0395},
};

static const case_single downcase_only[] = {
    {0x1E9E, 0x00DF}, /* CAPITAL SHARP S -> SMALL SHARP S */
};

static bool run_has_capital(const case_pair_run *r, uint32_t cp)
{
    return cp >= r->first && cp <= r->last && (r->step == 1 || ((cp - r->first) & 1u) == 0);
}

uint32_t pssim__upcase_cp(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
    for (size_t i = 0; i < RTL_NUMBER_OF(upcase_only); i++) {
        if (upcase_only[i].from == cp)
            return upcase_only[i].to;
    }
    for (size_t i = 0; i < RTL_NUMBER_OF(case_runs); i++) {
        const case_pair_run *r = &case_runs[i];
        uint32_t capital = (uint32_t)((int64_t)cp - r->delta);
        if (run_has_capital(r, capital))
            return capital;
    }
    return cp;
}

uint32_t pssim__downcase_cp(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    for (size_t i = 0; i < RTL_NUMBER_OF(downcase_only); i++) {
        if (downcase_only[i].from == cp)
            return downcase_only[i].to;
    }
    for (size_t i = 0; i < RTL_NUMBER_OF(case_runs); i++) {
        const case_pair_run *r = &case_runs[i];
        if (run_has_capital(r, cp))
            return (uint32_t)((int64_t)cp + r->delta);
    }
    return cp;
}

/* WCHAR is signed on Linux: reinterpret as the code unit's value. */
static uint32_t wchar_value(WCHAR c)
{
    return sizeof(WCHAR) == 2 ? (uint32_t)(uint16_t)c : (uint32_t)c;
}

NTSYSAPI WCHAR NTAPI RtlUpcaseUnicodeChar(WCHAR SourceCharacter)
{
    uint32_t cp = wchar_value(SourceCharacter);
    if (cp > 0xFFFF)
        return SourceCharacter; /* the case tables cover the BMP only */
    return (WCHAR)pssim__upcase_cp(cp);
}

NTSYSAPI WCHAR NTAPI RtlDowncaseUnicodeChar(WCHAR SourceCharacter)
{
    uint32_t cp = wchar_value(SourceCharacter);
    if (cp > 0xFFFF)
        return SourceCharacter;
    return (WCHAR)pssim__downcase_cp(cp);
}

/* The ANSI code page is Latin-1: a letter whose other case lies outside it (U+00FF, U+00B5)
 * stays as it is. */
NTSYSAPI CHAR NTAPI RtlUpperChar(CHAR Character)
{
    uint32_t up = pssim__upcase_cp((unsigned char)Character);
    return up <= 0xFF ? (CHAR)(unsigned char)up : Character;
}

NTSYSAPI VOID NTAPI RtlUpperString(PSTRING DestinationString, const STRING *SourceString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    USHORT n = SourceString->Length;
    if (n > DestinationString->MaximumLength)
        n = DestinationString->MaximumLength;
    for (USHORT i = 0; i < n; i++)
        DestinationString->Buffer[i] = RtlUpperChar(SourceString->Buffer[i]);
    DestinationString->Length = n;
}

static PVOID rtl_string_alloc(SIZE_T bytes)
{
    /* A zero-byte request still gets a real buffer so that Buffer is never NULL on success. */
    return ExAllocatePoolWithTag(PagedPool, bytes ? bytes : sizeof(WCHAR), PSSIM_RTL_STRING_TAG);
}

/* RtlUpcaseUnicodeString / RtlDowncaseUnicodeString: Length stays Length; no terminator is
 * added. Source and destination may be the same string. */
static NTSTATUS map_case_string(PUNICODE_STRING dst, PCUNICODE_STRING src, BOOLEAN allocate,
                                WCHAR (*map)(WCHAR))
{
    USHORT length = src->Length;
    if (allocate) {
        PWCH buffer = (PWCH)rtl_string_alloc(length);
        if (buffer == NULL)
            return STATUS_NO_MEMORY;
        dst->Buffer = buffer;
        dst->MaximumLength = length;
    } else if (length > dst->MaximumLength) {
        return STATUS_BUFFER_OVERFLOW;
    }
    size_t chars = length / sizeof(WCHAR);
    for (size_t i = 0; i < chars; i++)
        dst->Buffer[i] = map(src->Buffer[i]);
    if (length % sizeof(WCHAR) != 0) /* a stray odd byte is copied unchanged */
        memmove((char *)dst->Buffer + chars * sizeof(WCHAR),
                (const char *)src->Buffer + chars * sizeof(WCHAR), length % sizeof(WCHAR));
    dst->Length = length;
    return STATUS_SUCCESS;
}

NTSYSAPI NTSTATUS NTAPI RtlUpcaseUnicodeString(PUNICODE_STRING DestinationString,
                                               PCUNICODE_STRING SourceString,
                                               BOOLEAN AllocateDestinationString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    return map_case_string(DestinationString, SourceString, AllocateDestinationString,
                           RtlUpcaseUnicodeChar);
}

NTSYSAPI NTSTATUS NTAPI RtlDowncaseUnicodeString(PUNICODE_STRING DestinationString,
                                                 PCUNICODE_STRING SourceString,
                                                 BOOLEAN AllocateDestinationString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    return map_case_string(DestinationString, SourceString, AllocateDestinationString,
                           RtlDowncaseUnicodeChar);
}

/* =============================================================================================
 * ANSI (Latin-1) <-> Unicode
 * ========================================================================================== */

NTSYSAPI ULONG NTAPI RtlxAnsiStringToUnicodeSize(PCANSI_STRING AnsiString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    return ((ULONG)AnsiString->Length + 1u) * (ULONG)sizeof(WCHAR);
}

NTSYSAPI ULONG NTAPI RtlxUnicodeStringToAnsiSize(PCUNICODE_STRING UnicodeString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    return (ULONG)(UnicodeString->Length / sizeof(WCHAR)) + 1u;
}

/* Fails with STATUS_INVALID_PARAMETER_2 when the result would not fit a UNICODE_STRING (with a
 * 4-byte WCHAR that is any source of 16383 bytes or more), with STATUS_BUFFER_OVERFLOW when the
 * caller's buffer cannot hold the string and its terminator, and with STATUS_NO_MEMORY; on
 * failure the destination is left as it was. */
NTSYSAPI NTSTATUS NTAPI RtlAnsiStringToUnicodeString(PUNICODE_STRING DestinationString,
                                                     PCANSI_STRING SourceString,
                                                     BOOLEAN AllocateDestinationString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    ULONG size = RtlxAnsiStringToUnicodeSize(SourceString);
    if (size > MAXUSHORT)
        return STATUS_INVALID_PARAMETER_2;
    USHORT length = (USHORT)(size - sizeof(WCHAR));
    if (AllocateDestinationString) {
        PWCH buffer = (PWCH)rtl_string_alloc(size);
        if (buffer == NULL)
            return STATUS_NO_MEMORY;
        DestinationString->Buffer = buffer;
        DestinationString->MaximumLength = (USHORT)size;
    } else if (length >= DestinationString->MaximumLength) {
        return STATUS_BUFFER_OVERFLOW;
    }
    size_t chars = SourceString->Length;
    for (size_t i = 0; i < chars; i++)
        DestinationString->Buffer[i] = (WCHAR)(unsigned char)SourceString->Buffer[i];
    DestinationString->Length = length;
    if ((size_t)length + sizeof(WCHAR) <= DestinationString->MaximumLength)
        DestinationString->Buffer[chars] = UNICODE_NULL;
    return STATUS_SUCCESS;
}

/* Characters above U+00FF become '?' (Windows' default character). When the destination is too
 * small nothing is converted and STATUS_BUFFER_OVERFLOW is returned, as the DDI page says. */
NTSYSAPI NTSTATUS NTAPI RtlUnicodeStringToAnsiString(PANSI_STRING DestinationString,
                                                     PCUNICODE_STRING SourceString,
                                                     BOOLEAN AllocateDestinationString)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    ULONG size = RtlxUnicodeStringToAnsiSize(SourceString);
    if (size > MAXUSHORT)
        return STATUS_INVALID_PARAMETER_2;
    USHORT length = (USHORT)(size - 1);
    if (AllocateDestinationString) {
        PCHAR buffer = (PCHAR)rtl_string_alloc(size);
        if (buffer == NULL)
            return STATUS_NO_MEMORY;
        DestinationString->Buffer = buffer;
        DestinationString->MaximumLength = (USHORT)size;
    } else if (length >= DestinationString->MaximumLength) {
        return STATUS_BUFFER_OVERFLOW;
    }
    for (size_t i = 0; i < length; i++) {
        uint32_t c = wchar_value(SourceString->Buffer[i]);
        DestinationString->Buffer[i] = c <= 0xFF ? (CHAR)(unsigned char)c : '?';
    }
    DestinationString->Buffer[length] = ANSI_NULL;
    DestinationString->Length = length;
    return STATUS_SUCCESS;
}

/* =============================================================================================
 * UTF-8 and WCHAR primitives
 * ========================================================================================== */

uint32_t pssim__utf8_decode(const unsigned char *s, size_t n, size_t *used, bool *valid)
{
    unsigned char b0 = s[0];
    uint32_t cp;
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* range of the first continuation byte */

    *valid = true;
    if (b0 < 0x80) {
        *used = 1;
        return b0;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
        cp = b0 & 0x1Fu;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        cp = b0 & 0x0Fu;
        if (b0 == 0xE0)
            lo = 0xA0; /* no overlong forms */
        else if (b0 == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        cp = b0 & 0x07u;
        if (b0 == 0xF0)
            lo = 0x90;
        else if (b0 == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        *used = 1; /* C0, C1, F5..FF or a stray continuation byte */
        *valid = false;
        return PSSIM_REPLACEMENT_CHAR;
    }
    for (size_t i = 1; i <= need; i++) {
        unsigned char b = i < n ? s[i] : 0;
        if (i >= n || b < lo || b > hi) {
            *used = i; /* the maximal subpart seen so far */
            *valid = false;
            return PSSIM_REPLACEMENT_CHAR;
        }
        cp = (cp << 6) | (b & 0x3Fu);
        lo = 0x80;
        hi = 0xBF;
    }
    *used = need + 1;
    return cp;
}

size_t pssim__utf8_encode(uint32_t cp, char *out)
{
    unsigned char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | (cp >> 18));
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    if (out != NULL)
        memcpy(out, b, n);
    return n;
}

uint32_t pssim__wide_decode(const WCHAR *w, size_t n_units, size_t *used, bool *valid)
{
    uint32_t u = wchar_value(w[0]);
    *used = 1;
    *valid = true;
    if (u >= 0xD800 && u <= 0xDBFF && sizeof(WCHAR) == 2 && n_units >= 2) {
        uint32_t u2 = wchar_value(w[1]);
        if (u2 >= 0xDC00 && u2 <= 0xDFFF) {
            *used = 2;
            return 0x10000u + ((u - 0xD800u) << 10) + (u2 - 0xDC00u);
        }
    }
    if ((u >= 0xD800 && u <= 0xDFFF) || u > 0x10FFFF) {
        *valid = false;
        return PSSIM_REPLACEMENT_CHAR;
    }
    return u;
}

size_t pssim__wide_encode(uint32_t cp, WCHAR *out)
{
    if (sizeof(WCHAR) == 2 && cp > 0xFFFF) {
        if (out != NULL) {
            out[0] = (WCHAR)(0xD800u + ((cp - 0x10000u) >> 10));
            out[1] = (WCHAR)(0xDC00u + ((cp - 0x10000u) & 0x3FFu));
        }
        return 2;
    }
    if (out != NULL)
        out[0] = (WCHAR)cp;
    return 1;
}

size_t pssim__utf8_to_wide(const char *utf8, WCHAR *out, size_t out_chars, bool *ok)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t n = strlen(utf8);
    size_t needed = 0, written = 0;
    bool all_valid = true, full = false;
    size_t room = (out != NULL && out_chars > 0) ? out_chars - 1 : 0;

    for (size_t i = 0; i < n;) {
        size_t used;
        bool valid;
        uint32_t cp = pssim__utf8_decode(s + i, n - i, &used, &valid);
        all_valid = all_valid && valid;
        i += used;
        size_t units = pssim__wide_encode(cp, NULL);
        needed += units;
        if (!full && written + units <= room) {
            pssim__wide_encode(cp, out + written);
            written += units;
        } else {
            full = true;
        }
    }
    if (out != NULL && out_chars > 0)
        out[written] = UNICODE_NULL;
    if (ok != NULL)
        *ok = all_valid;
    return needed;
}

size_t pssim__wide_to_utf8(const WCHAR *w, size_t n_units, char *out, size_t out_size)
{
    size_t needed = 0, written = 0;
    bool full = false;
    size_t room = (out != NULL && out_size > 0) ? out_size - 1 : 0;

    for (size_t i = 0; i < n_units;) {
        size_t used;
        bool valid;
        uint32_t cp = pssim__wide_decode(w + i, n_units - i, &used, &valid);
        i += used;
        size_t bytes = pssim__utf8_encode(cp, NULL);
        needed += bytes;
        if (!full && written + bytes <= room) {
            pssim__utf8_encode(cp, out + written);
            written += bytes;
        } else {
            full = true;
        }
    }
    if (out != NULL && out_size > 0)
        out[written] = '\0';
    return needed;
}

/* =============================================================================================
 * RtlUTF8ToUnicodeN / RtlUnicodeToUTF8N
 * ========================================================================================== */

/* Malformed input becomes U+FFFD (one per maximal invalid subpart) and the call returns
 * STATUS_SOME_NOT_MAPPED. A code point above U+FFFF takes a surrogate pair when WCHAR is 2
 * bytes and one unit when it is 4. On a too-small buffer as many whole characters as fit are
 * written, *UnicodeStringActualByteCount says how many bytes, and the result is
 * STATUS_BUFFER_TOO_SMALL. The output is NUL-terminated only if the input contains the NUL. */
NTSYSAPI NTSTATUS NTAPI RtlUTF8ToUnicodeN(PWSTR UnicodeStringDestination,
                                          ULONG UnicodeStringMaxByteCount,
                                          PULONG UnicodeStringActualByteCount,
                                          PCCH UTF8StringSource, ULONG UTF8StringByteCount)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    if (UTF8StringSource == NULL)
        return STATUS_INVALID_PARAMETER_4;
    if (UnicodeStringDestination == NULL && UnicodeStringActualByteCount == NULL)
        return STATUS_INVALID_PARAMETER;

    const unsigned char *s = (const unsigned char *)UTF8StringSource;
    size_t max_units = UnicodeStringMaxByteCount / sizeof(WCHAR);
    size_t units = 0;
    bool all_valid = true, truncated = false;

    for (size_t i = 0; i < UTF8StringByteCount;) {
        size_t used;
        bool valid;
        uint32_t cp = pssim__utf8_decode(s + i, UTF8StringByteCount - i, &used, &valid);
        i += used;
        all_valid = all_valid && valid;
        size_t n = pssim__wide_encode(cp, NULL);
        if (UnicodeStringDestination != NULL) {
            if (units + n > max_units) {
                truncated = true;
                break;
            }
            pssim__wide_encode(cp, UnicodeStringDestination + units);
        }
        units += n;
    }
    if (UnicodeStringActualByteCount != NULL)
        *UnicodeStringActualByteCount = (ULONG)(units * sizeof(WCHAR));
    if (truncated)
        return STATUS_BUFFER_TOO_SMALL;
    return all_valid ? STATUS_SUCCESS : STATUS_SOME_NOT_MAPPED;
}

/* Unpaired surrogates (and, with a 4-byte WCHAR, values that are not code points) become U+FFFD
 * and the call returns STATUS_SOME_NOT_MAPPED; a byte count that is not a multiple of
 * sizeof(WCHAR) is STATUS_INVALID_PARAMETER_5. Truncation works as in RtlUTF8ToUnicodeN. */
NTSYSAPI NTSTATUS NTAPI RtlUnicodeToUTF8N(PCHAR UTF8StringDestination, ULONG UTF8StringMaxByteCount,
                                          PULONG UTF8StringActualByteCount,
                                          PCWCH UnicodeStringSource, ULONG UnicodeStringByteCount)
{
    pssim__kstack_probe(); /* GUIDE-7, STACK-4 */
    if (UnicodeStringSource == NULL)
        return STATUS_INVALID_PARAMETER_4;
    if (UTF8StringDestination == NULL && UTF8StringActualByteCount == NULL)
        return STATUS_INVALID_PARAMETER;
    if (UnicodeStringByteCount % sizeof(WCHAR) != 0)
        return STATUS_INVALID_PARAMETER_5;

    size_t n_units = UnicodeStringByteCount / sizeof(WCHAR);
    size_t bytes = 0;
    bool all_valid = true, truncated = false;

    for (size_t i = 0; i < n_units;) {
        size_t used;
        bool valid;
        uint32_t cp = pssim__wide_decode(UnicodeStringSource + i, n_units - i, &used, &valid);
        i += used;
        all_valid = all_valid && valid;
        size_t n = pssim__utf8_encode(cp, NULL);
        if (UTF8StringDestination != NULL) {
            if (bytes + n > UTF8StringMaxByteCount) {
                truncated = true;
                break;
            }
            pssim__utf8_encode(cp, UTF8StringDestination + bytes);
        }
        bytes += n;
    }
    if (UTF8StringActualByteCount != NULL)
        *UTF8StringActualByteCount = bytes > MAXULONG ? MAXULONG : (ULONG)bytes;
    if (truncated)
        return STATUS_BUFFER_TOO_SMALL;
    return all_valid ? STATUS_SUCCESS : STATUS_SOME_NOT_MAPPED;
}
