/* test_rtl_string.c: Rtl strings, case mapping, conversions, integers, memory, ntstrsafe. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <pssim/wdk/wdm.h>
#include <pssim/wdk/ntstrsafe.h>

#include "core/alloc.h"
#include "rtl/utf.h"

#define CHARS(n) ((USHORT)((n) * sizeof(WCHAR)))

/* The C library's wide string functions assume the host's wchar_t; these do not, so the suite
 * also runs with a 2-byte WCHAR (-fshort-wchar, as under mingw-w64). */
static size_t wlen(const WCHAR *s)
{
    size_t n = 0;
    while (s[n] != 0)
        n++;
    return n;
}

static int wsame(const WCHAR *a, const WCHAR *b)
{
    size_t n = wlen(a);
    return n == wlen(b) && memcmp(a, b, n * sizeof(WCHAR)) == 0;
}

/* The counted string's text equals the literal. */
static int us_equals(PCUNICODE_STRING s, const WCHAR *lit)
{
    size_t n = wlen(lit);
    return s->Length == n * sizeof(WCHAR) && memcmp(s->Buffer, lit, s->Length) == 0;
}

/* ---- RtlInitUnicodeString / RtlInitUnicodeStringEx (wdm.h, ntifs.h) ---- */

/* RtlInitUnicodeString: Length excludes, MaximumLength includes the terminator, Buffer is the
 * source pointer itself. */
static void init_unicode_basic(void **state)
{
    (void)state;
    static const WCHAR text[] = L"Device";
    UNICODE_STRING s;
    RtlInitUnicodeString(&s, text);
    assert_ptr_equal(s.Buffer, text);
    assert_int_equal(s.Length, CHARS(6));
    assert_int_equal(s.MaximumLength, CHARS(7));
}

/* RtlInitUnicodeString: "If SourceString is NULL, Length and MaximumLength are both set to
 * zero"; an empty string still counts its terminator in MaximumLength. */
static void init_unicode_null_and_empty(void **state)
{
    (void)state;
    UNICODE_STRING s;
    memset(&s, 0xAB, sizeof(s));
    RtlInitUnicodeString(&s, NULL);
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, 0);
    assert_null(s.Buffer);
    RtlInitUnicodeString(&s, L"");
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, CHARS(1));
}

/* RtlInitUnicodeString remarks: a source longer than a UNICODE_STRING can describe gets
 * MAX_USTRING - 2 / MAX_USTRING (whole WCHARs here); RtlInitUnicodeStringEx returns
 * STATUS_NAME_TOO_LONG for it instead. */
static void init_unicode_too_long(void **state)
{
    (void)state;
    const size_t n = 40000;
    WCHAR *big = malloc((n + 1) * sizeof(WCHAR));
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = L'x';
    big[n] = 0;
    const USHORT max_len =
        (USHORT)(((UNICODE_STRING_MAX_BYTES - sizeof(WCHAR)) / sizeof(WCHAR)) * sizeof(WCHAR));
    UNICODE_STRING s;
    RtlInitUnicodeString(&s, big);
    assert_int_equal(s.Length, max_len);
    assert_int_equal(s.MaximumLength, max_len + sizeof(WCHAR));
    if (sizeof(WCHAR) == 2) {
        assert_int_equal(s.Length, 0xFFFC);
        assert_int_equal(s.MaximumLength, 0xFFFE);
    }
    assert_int_equal(RtlInitUnicodeStringEx(&s, big), STATUS_NAME_TOO_LONG);
    /* The longest string that still fits is accepted. */
    big[max_len / sizeof(WCHAR)] = 0;
    assert_int_equal(RtlInitUnicodeStringEx(&s, big), STATUS_SUCCESS);
    assert_int_equal(s.Length, max_len);
    free(big);
}

/* RtlInitUnicodeStringEx: STATUS_SUCCESS, NULL source allowed. */
static void init_unicode_ex(void **state)
{
    (void)state;
    UNICODE_STRING s;
    assert_int_equal(RtlInitUnicodeStringEx(&s, L"abc"), STATUS_SUCCESS);
    assert_int_equal(s.Length, CHARS(3));
    assert_int_equal(s.MaximumLength, CHARS(4));
    assert_int_equal(RtlInitUnicodeStringEx(&s, NULL), STATUS_SUCCESS);
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, 0);
}

/* RtlInitAnsiString / RtlInitString / RtlInitAnsiStringEx / RtlInitStringEx (wdm.h). */
static void init_ansi(void **state)
{
    (void)state;
    ANSI_STRING a;
    STRING s;
    RtlInitAnsiString(&a, "hello");
    assert_int_equal(a.Length, 5);
    assert_int_equal(a.MaximumLength, 6);
    RtlInitString(&s, NULL);
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, 0);
    assert_null(s.Buffer);

    char *big = malloc(70001);
    assert_non_null(big);
    memset(big, 'a', 70000);
    big[70000] = 0;
    RtlInitAnsiString(&a, big);
    assert_int_equal(a.Length, 0xFFFE);
    assert_int_equal(a.MaximumLength, 0xFFFF);
    assert_int_equal(RtlInitAnsiStringEx(&a, big), STATUS_NAME_TOO_LONG);
    assert_int_equal(RtlInitStringEx(&s, big), STATUS_NAME_TOO_LONG);
    big[0xFFFE] = 0;
    assert_int_equal(RtlInitAnsiStringEx(&a, big), STATUS_SUCCESS);
    assert_int_equal(a.Length, 0xFFFE);
    assert_int_equal(RtlInitAnsiStringEx(&a, NULL), STATUS_SUCCESS);
    assert_int_equal(a.Length, 0);
    free(big);
}

/* RtlInitEmptyUnicodeString / RtlInitEmptyAnsiString (wdm.h). */
static void init_empty(void **state)
{
    (void)state;
    WCHAR wbuf[8];
    CHAR abuf[8];
    UNICODE_STRING u;
    ANSI_STRING a;
    RtlInitEmptyUnicodeString(&u, wbuf, sizeof(wbuf));
    RtlInitEmptyAnsiString(&a, abuf, sizeof(abuf));
    assert_int_equal(u.Length, 0);
    assert_int_equal(u.MaximumLength, sizeof(wbuf));
    assert_ptr_equal(u.Buffer, wbuf);
    assert_int_equal(a.Length, 0);
    assert_int_equal(a.MaximumLength, 8);
    assert_ptr_equal(a.Buffer, abuf);
}

/* ---- copy ---- */

/* RtlCopyUnicodeString: copies min(source Length, destination MaximumLength); MaximumLength and
 * Buffer are not modified; a NULL source sets Length to zero. */
static void copy_unicode(void **state)
{
    (void)state;
    WCHAR buf[4];
    UNICODE_STRING src, dst;
    RtlInitUnicodeString(&src, L"ab");
    RtlInitEmptyUnicodeString(&dst, buf, sizeof(buf));
    for (size_t i = 0; i < 4; i++)
        buf[i] = L'#';
    RtlCopyUnicodeString(&dst, &src);
    assert_true(us_equals(&dst, L"ab"));
    assert_int_equal(buf[2], 0); /* terminated because there was room */

    RtlInitUnicodeString(&src, L"abcdefg");
    RtlCopyUnicodeString(&dst, &src);
    assert_int_equal(dst.Length, sizeof(buf));
    assert_int_equal(dst.MaximumLength, sizeof(buf));
    assert_ptr_equal(dst.Buffer, buf);
    assert_memory_equal(buf, L"abcd", sizeof(buf));

    RtlCopyUnicodeString(&dst, NULL);
    assert_int_equal(dst.Length, 0);
    assert_int_equal(dst.MaximumLength, sizeof(buf));
}

/* RtlCopyString: same contract for 8-bit strings. */
static void copy_ansi(void **state)
{
    (void)state;
    char buf[4];
    STRING src, dst;
    RtlInitString(&src, "xyz123");
    RtlInitEmptyAnsiString(&dst, buf, sizeof(buf));
    RtlCopyString(&dst, &src);
    assert_int_equal(dst.Length, 4);
    assert_memory_equal(buf, "xyz1", 4);
    RtlInitString(&src, "q");
    RtlCopyString(&dst, &src);
    assert_int_equal(dst.Length, 1);
    assert_int_equal(buf[1], 0);
    RtlCopyString(&dst, NULL);
    assert_int_equal(dst.Length, 0);
}

/* ---- compare ---- */

/* RtlCompareUnicodeString: < 0, 0, > 0; CaseInSensitive upcases before comparing; a proper
 * prefix sorts first. */
static void compare_unicode(void **state)
{
    (void)state;
    UNICODE_STRING a, b;
    RtlInitUnicodeString(&a, L"Apple");
    RtlInitUnicodeString(&b, L"apple");
    assert_true(RtlCompareUnicodeString(&a, &b, FALSE) < 0);
    assert_true(RtlCompareUnicodeString(&b, &a, FALSE) > 0);
    assert_int_equal(RtlCompareUnicodeString(&a, &b, TRUE), 0);
    RtlInitUnicodeString(&b, L"App");
    assert_true(RtlCompareUnicodeString(&b, &a, FALSE) < 0);
    assert_true(RtlCompareUnicodeString(&a, &b, FALSE) > 0);
    /* Upcasing, not downcasing: '_' (0x5F) sits between 'Z' and 'a'. */
    RtlInitUnicodeString(&a, L"a");
    RtlInitUnicodeString(&b, L"_");
    assert_true(RtlCompareUnicodeString(&a, &b, TRUE) < 0);
    assert_true(RtlCompareUnicodeString(&a, &b, FALSE) > 0);
    /* Non-ASCII letters. */
    RtlInitUnicodeString(&a, L"\u00e9t\u00e9");
    RtlInitUnicodeString(&b, L"\u00c9T\u00c9");
    assert_int_equal(RtlCompareUnicodeString(&a, &b, TRUE), 0);
    assert_true(RtlEqualUnicodeString(&a, &b, TRUE));
    assert_false(RtlEqualUnicodeString(&a, &b, FALSE));
    RtlInitUnicodeString(&a, L"\u043f\u0440\u0438\u0432\u0435\u0442");
    RtlInitUnicodeString(&b, L"\u041f\u0420\u0418\u0412\u0415\u0422");
    assert_true(RtlEqualUnicodeString(&a, &b, TRUE));
    /* Empty strings. */
    RtlInitUnicodeString(&a, L"");
    RtlInitUnicodeString(&b, NULL);
    assert_int_equal(RtlCompareUnicodeString(&a, &b, FALSE), 0);
    assert_true(RtlEqualUnicodeString(&a, &b, TRUE));
}

/* RtlCompareUnicodeStrings: lengths in characters; only the counted characters matter. */
static void compare_unicode_strings(void **state)
{
    (void)state;
    assert_int_equal(RtlCompareUnicodeStrings(L"abcX", 3, L"ABCY", 3, TRUE), 0);
    assert_true(RtlCompareUnicodeStrings(L"abcX", 3, L"ABCY", 3, FALSE) > 0);
    assert_true(RtlCompareUnicodeStrings(L"abc", 2, L"abc", 3, FALSE) < 0);
    assert_int_equal(RtlCompareUnicodeStrings(L"", 0, L"", 0, FALSE), 0);
}

/* RtlEqualUnicodeString: different lengths are never equal, even when one is a prefix. */
static void equal_unicode_lengths(void **state)
{
    (void)state;
    UNICODE_STRING a, b;
    RtlInitUnicodeString(&a, L"abc");
    RtlInitUnicodeString(&b, L"abcd");
    assert_false(RtlEqualUnicodeString(&a, &b, TRUE));
    b.Length = a.Length; /* counted: only Length matters */
    assert_true(RtlEqualUnicodeString(&a, &b, FALSE));
}

/* RtlCompareString / RtlEqualString (ntddk.h): bytes compare unsigned; CaseInSensitive uses
 * RtlUpperChar (Latin-1 here). */
static void compare_ansi(void **state)
{
    (void)state;
    STRING a, b;
    RtlInitString(&a, "Hello");
    RtlInitString(&b, "HELLO");
    assert_true(RtlEqualString(&a, &b, TRUE));
    assert_false(RtlEqualString(&a, &b, FALSE));
    assert_true(RtlCompareString(&a, &b, FALSE) > 0);
    RtlInitString(&a, "\xe9");
    RtlInitString(&b, "\xc9");
    assert_true(RtlEqualString(&a, &b, TRUE));
    RtlInitString(&a, "\x80");
    RtlInitString(&b, "\x7f");
    assert_true(RtlCompareString(&a, &b, FALSE) > 0); /* unsigned */
    RtlInitString(&a, "ab");
    RtlInitString(&b, "abc");
    assert_true(RtlCompareString(&a, &b, TRUE) < 0);
}

/* RtlPrefixUnicodeString / RtlSuffixUnicodeString / RtlPrefixString: String1 is the candidate
 * prefix (suffix) of String2. */
static void prefix_suffix(void **state)
{
    (void)state;
    UNICODE_STRING p, s, full;
    RtlInitUnicodeString(&full, L"\\Device\\HarddiskVolume1");
    RtlInitUnicodeString(&p, L"\\device\\");
    RtlInitUnicodeString(&s, L"VOLUME1");
    assert_true(RtlPrefixUnicodeString(&p, &full, TRUE));
    assert_false(RtlPrefixUnicodeString(&p, &full, FALSE));
    assert_false(RtlPrefixUnicodeString(&full, &p, TRUE));
    assert_true(RtlSuffixUnicodeString(&s, &full, TRUE));
    assert_false(RtlSuffixUnicodeString(&s, &full, FALSE));
    assert_false(RtlSuffixUnicodeString(&full, &s, TRUE));
    RtlInitUnicodeString(&p, L"");
    assert_true(RtlPrefixUnicodeString(&p, &full, FALSE));
    assert_true(RtlSuffixUnicodeString(&p, &full, FALSE));
    assert_true(RtlPrefixUnicodeString(&full, &full, FALSE));

    STRING ap, af;
    RtlInitString(&ap, "SYS");
    RtlInitString(&af, "system32");
    assert_true(RtlPrefixString(&ap, &af, TRUE));
    assert_false(RtlPrefixString(&ap, &af, FALSE));
    assert_false(RtlPrefixString(&af, &ap, TRUE));
}

/* ---- append ---- */

/* RtlAppendUnicodeStringToString: STATUS_BUFFER_TOO_SMALL when Destination->Length +
 * Source->Length exceeds MaximumLength (destination unchanged); otherwise appended. */
static void append_unicode(void **state)
{
    (void)state;
    WCHAR buf[8];
    UNICODE_STRING dst, src;
    RtlInitEmptyUnicodeString(&dst, buf, sizeof(buf));
    RtlInitUnicodeString(&src, L"abc");
    assert_int_equal(RtlAppendUnicodeStringToString(&dst, &src), STATUS_SUCCESS);
    assert_int_equal(RtlAppendUnicodeStringToString(&dst, &src), STATUS_SUCCESS);
    assert_true(us_equals(&dst, L"abcabc"));
    assert_int_equal(buf[6], 0);
    assert_int_equal(RtlAppendUnicodeStringToString(&dst, &src), STATUS_BUFFER_TOO_SMALL);
    assert_true(us_equals(&dst, L"abcabc"));
    /* Exactly filling the buffer works; there is then no room for a terminator. */
    assert_int_equal(RtlAppendUnicodeToString(&dst, L"de"), STATUS_SUCCESS);
    assert_int_equal(dst.Length, sizeof(buf));
    assert_memory_equal(buf, L"abcabcde", sizeof(buf));
    assert_int_equal(RtlAppendUnicodeToString(&dst, L"f"), STATUS_BUFFER_TOO_SMALL);
    /* RtlAppendUnicodeToString: Source is optional. */
    assert_int_equal(RtlAppendUnicodeToString(&dst, NULL), STATUS_SUCCESS);
    assert_int_equal(RtlAppendUnicodeToString(&dst, L""), STATUS_SUCCESS);
    assert_int_equal(dst.Length, sizeof(buf));
}

/* RtlAppendStringToString (ntifs.h): same rule for 8-bit strings. */
static void append_ansi(void **state)
{
    (void)state;
    char buf[6];
    STRING dst, src;
    RtlInitEmptyAnsiString(&dst, buf, sizeof(buf));
    RtlInitString(&src, "abc");
    assert_int_equal(RtlAppendStringToString(&dst, &src), STATUS_SUCCESS);
    assert_int_equal(RtlAppendStringToString(&dst, &src), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 6);
    assert_memory_equal(buf, "abcabc", 6);
    assert_int_equal(RtlAppendStringToString(&dst, &src), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(dst.Length, 6);
}

/* ---- case mapping ---- */

/* RtlUpcaseUnicodeChar / RtlDowncaseUnicodeChar (wdm.h): coverage documented in rtl.h. */
static void case_chars(void **state)
{
    (void)state;
    static const struct {
        WCHAR lower, upper;
    } pairs[] = {
        {L'a', L'A'},     {L'z', L'Z'},     {0x00E0, 0x00C0}, {0x00FE, 0x00DE}, {0x00FF, 0x0178},
        {0x0101, 0x0100}, {0x0148, 0x0147}, {0x017E, 0x017D}, {0x03B1, 0x0391}, {0x03C9, 0x03A9},
        {0x03AC, 0x0386}, {0x03CE, 0x038F}, {0x0430, 0x0410}, {0x044F, 0x042F}, {0x0451, 0x0401},
        {0x045F, 0x040F}, {0x0461, 0x0460}, {0x04D1, 0x04D0}, {0x0561, 0x0531}, {0x1E01, 0x1E00},
        {0x1EF9, 0x1EF8}, {0x2170, 0x2160}, {0x24D0, 0x24B6}, {0xFF41, 0xFF21},
    };
    for (size_t i = 0; i < RTL_NUMBER_OF(pairs); i++) {
        assert_int_equal(RtlUpcaseUnicodeChar(pairs[i].lower), pairs[i].upper);
        assert_int_equal(RtlDowncaseUnicodeChar(pairs[i].upper), pairs[i].lower);
        assert_int_equal(RtlUpcaseUnicodeChar(pairs[i].upper), pairs[i].upper);
        assert_int_equal(RtlDowncaseUnicodeChar(pairs[i].lower), pairs[i].lower);
    }
    /* One-way mappings. */
    assert_int_equal(RtlUpcaseUnicodeChar(0x03C2), 0x03A3); /* final sigma */
    assert_int_equal(RtlUpcaseUnicodeChar(0x00B5), 0x039C); /* micro sign */
    assert_int_equal(RtlDowncaseUnicodeChar(0x03A3), 0x03C3);
    /* No mapping. */
    assert_int_equal(RtlUpcaseUnicodeChar(0x00DF), 0x00DF); /* sharp s has no single capital */
    assert_int_equal(RtlUpcaseUnicodeChar(L'5'), L'5');
    assert_int_equal(RtlUpcaseUnicodeChar(0x00F7), 0x00F7); /* division sign */
    assert_int_equal(RtlUpcaseUnicodeChar(0x0131), 0x0131); /* dotless i stays off ASCII */
    assert_int_equal(RtlDowncaseUnicodeChar(0x0130), 0x0130);
    assert_int_equal(RtlUpcaseUnicodeChar(0x4E2D), 0x4E2D);
}

/* RtlUpperChar (ntddk.h): the ANSI code page is Latin-1, so only mappings inside it apply. */
static void upper_char(void **state)
{
    (void)state;
    assert_int_equal(RtlUpperChar('a'), 'A');
    assert_int_equal(RtlUpperChar('A'), 'A');
    assert_int_equal(RtlUpperChar('1'), '1');
    assert_int_equal((unsigned char)RtlUpperChar((CHAR)0xE9), 0xC9);
    assert_int_equal((unsigned char)RtlUpperChar((CHAR)0xFF), 0xFF);
    assert_int_equal((unsigned char)RtlUpperChar((CHAR)0xB5), 0xB5);
}

/* RtlUpcaseUnicodeString (ntddk.h) / RtlDowncaseUnicodeString (ntifs.h): with
 * AllocateDestinationString the buffer comes from pool (freed by RtlFreeUnicodeString);
 * otherwise STATUS_BUFFER_OVERFLOW when the destination is too small. */
static void case_strings(void **state)
{
    (void)state;
    UNICODE_STRING src, dst;
    RtlInitUnicodeString(&src, L"Hello, \u00e9\u0434!");
    assert_int_equal(RtlUpcaseUnicodeString(&dst, &src, TRUE), STATUS_SUCCESS);
    assert_true(us_equals(&dst, L"HELLO, \u00c9\u0414!"));
    assert_int_equal(dst.MaximumLength, src.Length);
    RtlFreeUnicodeString(&dst);
    assert_null(dst.Buffer);
    assert_int_equal(dst.Length, 0);

    WCHAR small[3];
    RtlInitEmptyUnicodeString(&dst, small, sizeof(small));
    assert_int_equal(RtlDowncaseUnicodeString(&dst, &src, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, 0);

    WCHAR inplace[] = L"MiXeD";
    UNICODE_STRING s;
    RtlInitUnicodeString(&s, inplace);
    assert_int_equal(RtlDowncaseUnicodeString(&s, &s, FALSE), STATUS_SUCCESS);
    assert_true(us_equals(&s, L"mixed"));
    assert_int_equal(RtlUpcaseUnicodeString(&s, &s, FALSE), STATUS_SUCCESS);
    assert_true(us_equals(&s, L"MIXED"));

    /* Zero-length source. */
    RtlInitUnicodeString(&src, L"");
    assert_int_equal(RtlUpcaseUnicodeString(&dst, &src, TRUE), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 0);
    RtlFreeUnicodeString(&dst);

    /* Allocation failure. */
    RtlInitUnicodeString(&src, L"abc");
    pssim__alloc_fail_at(1);
    assert_int_equal(RtlUpcaseUnicodeString(&dst, &src, TRUE), STATUS_NO_MEMORY);
    pssim__alloc_fail_at(0);
}

/* ---- duplicate / free ---- */

/* RtlDuplicateUnicodeString (ntifs.h): flags RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE (1)
 * and _ALLOCATE_NULL_STRING (2). */
static void duplicate(void **state)
{
    (void)state;
    UNICODE_STRING src, dst;
    RtlInitUnicodeString(&src, L"dup");

    assert_int_equal(RtlDuplicateUnicodeString(0, &src, &dst), STATUS_SUCCESS);
    assert_true(us_equals(&dst, L"dup"));
    assert_int_equal(dst.MaximumLength, CHARS(3));
    assert_ptr_not_equal(dst.Buffer, src.Buffer);
    RtlFreeUnicodeString(&dst);

    assert_int_equal(
        RtlDuplicateUnicodeString(RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE, &src, &dst),
        STATUS_SUCCESS);
    assert_int_equal(dst.MaximumLength, CHARS(4));
    assert_int_equal(dst.Buffer[3], 0);
    RtlFreeUnicodeString(&dst);

    /* Empty source: no buffer unless ALLOCATE_NULL_STRING asks for one. */
    RtlInitUnicodeString(&src, L"");
    assert_int_equal(RtlDuplicateUnicodeString(1, &src, &dst), STATUS_SUCCESS);
    assert_null(dst.Buffer);
    assert_int_equal(dst.MaximumLength, 0);
    assert_int_equal(RtlDuplicateUnicodeString(3, &src, &dst), STATUS_SUCCESS);
    assert_non_null(dst.Buffer);
    assert_int_equal(dst.Length, 0);
    assert_int_equal(dst.MaximumLength, CHARS(1));
    assert_int_equal(dst.Buffer[0], 0);
    RtlFreeUnicodeString(&dst);

    /* Bad input. */
    RtlInitUnicodeString(&src, L"dup");
    assert_int_equal(RtlDuplicateUnicodeString(4, &src, &dst), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlDuplicateUnicodeString(2, &src, &dst), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlDuplicateUnicodeString(1, NULL, &dst), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlDuplicateUnicodeString(1, &src, NULL), STATUS_INVALID_PARAMETER);
    UNICODE_STRING odd = src;
    odd.Length = 3;
    assert_int_equal(RtlDuplicateUnicodeString(1, &odd, &dst), STATUS_INVALID_PARAMETER);
    UNICODE_STRING over = src;
    over.Length = (USHORT)(over.MaximumLength + sizeof(WCHAR));
    assert_int_equal(RtlDuplicateUnicodeString(1, &over, &dst), STATUS_INVALID_PARAMETER);

    pssim__alloc_fail_at(1);
    assert_int_equal(RtlDuplicateUnicodeString(1, &src, &dst), STATUS_NO_MEMORY);
    pssim__alloc_fail_at(0);
}

/* RtlFreeUnicodeString / RtlFreeAnsiString: tolerate a string that owns no buffer. */
static void free_empty(void **state)
{
    (void)state;
    UNICODE_STRING u = {0, 0, NULL};
    ANSI_STRING a = {0, 0, NULL};
    RtlFreeUnicodeString(&u);
    RtlFreeAnsiString(&a);
    assert_null(u.Buffer);
    assert_null(a.Buffer);
}

/* ---- ANSI (Latin-1) conversions ---- */

/* RtlAnsiStringToUnicodeString: allocating form sizes the buffer with the terminator;
 * the caller-buffer form needs room for it too (STATUS_BUFFER_OVERFLOW otherwise). */
static void ansi_to_unicode(void **state)
{
    (void)state;
    ANSI_STRING a;
    UNICODE_STRING u;
    RtlInitAnsiString(&a, "Caf\xe9");
    assert_int_equal(RtlAnsiStringToUnicodeSize(&a), CHARS(5));
    assert_int_equal(RtlxAnsiStringToUnicodeSize(&a), CHARS(5));
    assert_int_equal(RtlAnsiStringToUnicodeString(&u, &a, TRUE), STATUS_SUCCESS);
    assert_true(us_equals(&u, L"Caf\u00e9"));
    assert_int_equal(u.MaximumLength, CHARS(5));
    assert_int_equal(u.Buffer[4], 0);
    RtlFreeUnicodeString(&u);

    WCHAR buf[5];
    RtlInitEmptyUnicodeString(&u, buf, sizeof(buf));
    assert_int_equal(RtlAnsiStringToUnicodeString(&u, &a, FALSE), STATUS_SUCCESS);
    assert_true(us_equals(&u, L"Caf\u00e9"));
    RtlInitEmptyUnicodeString(&u, buf, CHARS(4)); /* text fits, terminator does not */
    assert_int_equal(RtlAnsiStringToUnicodeString(&u, &a, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(u.Length, 0);

    /* Empty source. */
    RtlInitAnsiString(&a, "");
    assert_int_equal(RtlAnsiStringToUnicodeString(&u, &a, TRUE), STATUS_SUCCESS);
    assert_int_equal(u.Length, 0);
    assert_int_equal(u.Buffer[0], 0);
    RtlFreeUnicodeString(&u);

    /* Too long to convert: the result would not fit a UNICODE_STRING. */
    char *big = malloc(40001);
    assert_non_null(big);
    memset(big, 'x', 40000);
    big[40000] = 0;
    RtlInitAnsiString(&a, big);
    assert_int_equal(RtlAnsiStringToUnicodeString(&u, &a, TRUE), STATUS_INVALID_PARAMETER_2);
    free(big);

    RtlInitAnsiString(&a, "x");
    pssim__alloc_fail_at(1);
    assert_int_equal(RtlAnsiStringToUnicodeString(&u, &a, TRUE), STATUS_NO_MEMORY);
    pssim__alloc_fail_at(0);
}

/* RtlUnicodeStringToAnsiString: characters outside Latin-1 become '?'; a too-small buffer is
 * STATUS_BUFFER_OVERFLOW with nothing converted. */
static void unicode_to_ansi(void **state)
{
    (void)state;
    UNICODE_STRING u;
    ANSI_STRING a;
    RtlInitUnicodeString(&u, L"\u00e9\u20ac!");
    assert_int_equal(RtlUnicodeStringToAnsiSize(&u), 4);
    assert_int_equal(RtlUnicodeStringToAnsiString(&a, &u, TRUE), STATUS_SUCCESS);
    assert_int_equal(a.Length, 3);
    assert_int_equal(a.MaximumLength, 4);
    assert_memory_equal(a.Buffer, "\xe9?!", 4);
    RtlFreeAnsiString(&a);
    assert_null(a.Buffer);

    char buf[3];
    memset(buf, '#', sizeof(buf));
    RtlInitEmptyAnsiString(&a, buf, sizeof(buf));
    assert_int_equal(RtlUnicodeStringToAnsiString(&a, &u, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(a.Length, 0);
    assert_int_equal(buf[0], '#');
    RtlInitUnicodeString(&u, L"ok");
    assert_int_equal(RtlUnicodeStringToAnsiString(&a, &u, FALSE), STATUS_SUCCESS);
    assert_string_equal(buf, "ok");
}

/* ---- UTF-8 ---- */

/* RtlUTF8ToUnicodeN (wdm.h): conversion, size query with a NULL destination, parameter
 * errors. */
static void utf8_to_unicode(void **state)
{
    (void)state;
    /* "aé€😀": 1 + 2 + 3 + 4 bytes. */
    static const char src[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    const ULONG src_len = (ULONG)strlen(src);
    const ULONG units = sizeof(WCHAR) == 2 ? 5 : 4;
    WCHAR out[8];
    ULONG actual = 0;

    assert_int_equal(RtlUTF8ToUnicodeN(NULL, 0, &actual, src, src_len), STATUS_SUCCESS);
    assert_int_equal(actual, units * sizeof(WCHAR));
    assert_int_equal(RtlUTF8ToUnicodeN(out, sizeof(out), &actual, src, src_len), STATUS_SUCCESS);
    assert_int_equal(actual, units * sizeof(WCHAR));
    assert_int_equal(out[0], L'a');
    assert_int_equal(out[1], 0x00E9);
    assert_int_equal(out[2], 0x20AC);
    if (sizeof(WCHAR) == 2) {
        assert_int_equal((uint16_t)out[3], 0xD83D);
        assert_int_equal((uint16_t)out[4], 0xDE00);
    } else {
        assert_int_equal(out[3], 0x1F600);
    }

    /* Terminated only when the input's NUL is counted. */
    assert_int_equal(RtlUTF8ToUnicodeN(out, sizeof(out), &actual, "hi", 3), STATUS_SUCCESS);
    assert_int_equal(actual, CHARS(3));
    assert_int_equal(out[2], 0);

    /* Zero-length input. */
    assert_int_equal(RtlUTF8ToUnicodeN(out, sizeof(out), &actual, "", 0), STATUS_SUCCESS);
    assert_int_equal(actual, 0);

    assert_int_equal(RtlUTF8ToUnicodeN(NULL, 0, NULL, src, src_len), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlUTF8ToUnicodeN(out, sizeof(out), &actual, NULL, 1),
                     STATUS_INVALID_PARAMETER_4);
}

/* RtlUTF8ToUnicodeN: a too-small buffer receives as many whole characters as fit,
 * *UnicodeStringActualByteCount says how many bytes, STATUS_BUFFER_TOO_SMALL. */
static void utf8_to_unicode_truncated(void **state)
{
    (void)state;
    WCHAR out[4];
    ULONG actual = 0;
    assert_int_equal(RtlUTF8ToUnicodeN(out, CHARS(2), &actual, "abcd", 4), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(actual, CHARS(2));
    assert_int_equal(out[0], L'a');
    assert_int_equal(out[1], L'b');
    /* An odd byte budget rounds down to whole WCHARs. */
    assert_int_equal(RtlUTF8ToUnicodeN(out, CHARS(1) + 1, &actual, "ab", 2),
                     STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(actual, CHARS(1));
    /* A surrogate pair is never split. */
    if (sizeof(WCHAR) == 2) {
        assert_int_equal(RtlUTF8ToUnicodeN(out, CHARS(2), &actual, "a\xf0\x9f\x98\x80", 5),
                         STATUS_BUFFER_TOO_SMALL);
        assert_int_equal(actual, CHARS(1));
    }
}

/* RtlUTF8ToUnicodeN: invalid input becomes U+FFFD and the result is STATUS_SOME_NOT_MAPPED
 * (one U+FFFD per maximal invalid subpart). */
static void utf8_invalid(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        ULONG len;
        ULONG fffd; /* replacement characters expected */
        ULONG total;
    } cases[] = {
        {"\x80", 1, 1, 1},             /* stray continuation byte */
        {"a\xc0\xafz", 4, 2, 4},       /* overlong '/' */
        {"\xed\xa0\x80", 3, 3, 3},     /* UTF-16 surrogate encoded */
        {"x\xe2\x82", 3, 1, 2},        /* truncated at the end */
        {"\xf5\x80\x80\x80", 4, 4, 4}, /* above U+10FFFF */
        {"\xf4\x90\x80\x80", 4, 4, 4}, /* U+110000 */
        {"\xe2\x28\xa1", 3, 2, 3},     /* bad second byte: FFFD '(' FFFD */
    };
    for (size_t i = 0; i < RTL_NUMBER_OF(cases); i++) {
        WCHAR out[8];
        ULONG actual = 0;
        assert_int_equal(RtlUTF8ToUnicodeN(out, sizeof(out), &actual, cases[i].bytes, cases[i].len),
                         STATUS_SOME_NOT_MAPPED);
        assert_int_equal(actual, cases[i].total * sizeof(WCHAR));
        ULONG n = 0;
        for (ULONG k = 0; k < cases[i].total; k++)
            n += out[k] == 0xFFFD;
        assert_int_equal(n, cases[i].fffd);
    }
    /* Valid edge cases. */
    WCHAR out[4];
    ULONG actual;
    assert_int_equal(RtlUTF8ToUnicodeN(out, sizeof(out), &actual, "\xef\xbf\xbf", 3),
                     STATUS_SUCCESS);
    assert_int_equal(out[0], 0xFFFF);
    assert_int_equal(RtlUTF8ToUnicodeN(out, sizeof(out), &actual, "\xf4\x8f\xbf\xbf", 4),
                     STATUS_SUCCESS);
}

/* RtlUnicodeToUTF8N (wdm.h): conversion, size query, odd byte count, unpaired surrogates. */
static void unicode_to_utf8(void **state)
{
    (void)state;
    static const WCHAR src[] = L"a\u00e9\u20ac";
    char out[16];
    ULONG actual = 0;
    assert_int_equal(RtlUnicodeToUTF8N(NULL, 0, &actual, src, CHARS(3)), STATUS_SUCCESS);
    assert_int_equal(actual, 6);
    assert_int_equal(RtlUnicodeToUTF8N(out, sizeof(out), &actual, src, CHARS(4)), STATUS_SUCCESS);
    assert_int_equal(actual, 7);
    assert_string_equal(out, "a\xc3\xa9\xe2\x82\xac");

    /* Truncation keeps whole characters. */
    assert_int_equal(RtlUnicodeToUTF8N(out, 4, &actual, src, CHARS(3)), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(actual, 3);

    /* A lone surrogate becomes U+FFFD (EF BF BD). */
    WCHAR lone[2] = {(WCHAR)0xD800, L'b'};
    assert_int_equal(RtlUnicodeToUTF8N(out, sizeof(out), &actual, lone, CHARS(2)),
                     STATUS_SOME_NOT_MAPPED);
    assert_int_equal(actual, 4);
    assert_memory_equal(out,
                        "\xef\xbf\xbd"
                        "b",
                        4);
    if (sizeof(WCHAR) == 2) {
        WCHAR pair[2] = {(WCHAR)0xD83D, (WCHAR)0xDE00};
        assert_int_equal(RtlUnicodeToUTF8N(out, sizeof(out), &actual, pair, CHARS(2)),
                         STATUS_SUCCESS);
        assert_memory_equal(out, "\xf0\x9f\x98\x80", 4);
    } else {
        WCHAR cp[2] = {(WCHAR)0x1F600, (WCHAR)0x110000};
        assert_int_equal(RtlUnicodeToUTF8N(out, sizeof(out), &actual, cp, CHARS(1)),
                         STATUS_SUCCESS);
        assert_memory_equal(out, "\xf0\x9f\x98\x80", 4);
        assert_int_equal(RtlUnicodeToUTF8N(out, sizeof(out), &actual, cp, CHARS(2)),
                         STATUS_SOME_NOT_MAPPED);
        assert_int_equal(actual, 7);
    }

    assert_int_equal(RtlUnicodeToUTF8N(out, sizeof(out), &actual, src, 3),
                     STATUS_INVALID_PARAMETER_5);
    assert_int_equal(RtlUnicodeToUTF8N(NULL, 0, NULL, src, 2), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlUnicodeToUTF8N(out, sizeof(out), &actual, NULL, 2),
                     STATUS_INVALID_PARAMETER_4);
    assert_int_equal(RtlUnicodeToUTF8N(out, sizeof(out), &actual, src, 0), STATUS_SUCCESS);
    assert_int_equal(actual, 0);
}

/* Internal helpers pssim__utf8_to_wide / pssim__wide_to_utf8 (src/rtl/utf.h). */
static void utf_helpers(void **state)
{
    (void)state;
    bool ok = false;
    WCHAR w[8];
    size_t units = sizeof(WCHAR) == 2 ? 4 : 3;
    assert_int_equal(pssim__utf8_to_wide("\xc3\xa9x\xf0\x9f\x98\x80", w, 8, &ok), units);
    assert_true(ok);
    assert_int_equal(w[0], 0xE9);
    assert_int_equal(w[units], 0);
    /* Truncation leaves room for the terminator and never splits a pair. */
    assert_int_equal(pssim__utf8_to_wide("abc", w, 2, &ok), 3);
    assert_int_equal(w[0], L'a');
    assert_int_equal(w[1], 0);
    assert_int_equal(pssim__utf8_to_wide("x\xf0\x9f\x98\x80", w, 3, &ok), units - 1);
    assert_int_equal(w[0], L'x');
    if (sizeof(WCHAR) == 2)
        assert_int_equal(w[1], 0);
    assert_int_equal(pssim__utf8_to_wide("a\xffz", NULL, 0, &ok), 3);
    assert_false(ok);
    assert_int_equal(pssim__utf8_to_wide("", w, 1, NULL), 0);
    assert_int_equal(w[0], 0);

    char s[8];
    assert_int_equal(pssim__wide_to_utf8(L"\u00e9\u20ac", 2, s, sizeof(s)), 5);
    assert_string_equal(s, "\xc3\xa9\xe2\x82\xac");
    assert_int_equal(pssim__wide_to_utf8(L"\u00e9\u20ac", 2, s, 4), 5);
    assert_string_equal(s, "\xc3\xa9"); /* the euro sign did not fit whole */
    assert_int_equal(pssim__wide_to_utf8(L"abc", 3, NULL, 0), 3);
    assert_int_equal(pssim__wide_to_utf8(L"abc", 3, s, 1), 3);
    assert_string_equal(s, "");
}

/* ---- integers ---- */

/* RtlIntegerToUnicodeString / RtlInt64ToUnicodeString (wdm.h): bases 2, 8, 10, 16 (0 = 10);
 * STATUS_INVALID_PARAMETER for others; STATUS_BUFFER_OVERFLOW for a too-small String. */
static void integer_to_unicode(void **state)
{
    (void)state;
    WCHAR buf[70];
    UNICODE_STRING s;
    RtlInitEmptyUnicodeString(&s, buf, sizeof(buf));
    assert_int_equal(RtlIntegerToUnicodeString(1234, 0, &s), STATUS_SUCCESS);
    assert_true(us_equals(&s, L"1234"));
    assert_int_equal(buf[4], 0);
    assert_int_equal(RtlIntegerToUnicodeString(255, 16, &s), STATUS_SUCCESS);
    assert_true(us_equals(&s, L"FF"));
    assert_int_equal(RtlIntegerToUnicodeString(8, 8, &s), STATUS_SUCCESS);
    assert_true(us_equals(&s, L"10"));
    assert_int_equal(RtlIntegerToUnicodeString(5, 2, &s), STATUS_SUCCESS);
    assert_true(us_equals(&s, L"101"));
    assert_int_equal(RtlIntegerToUnicodeString(0, 10, &s), STATUS_SUCCESS);
    assert_true(us_equals(&s, L"0"));
    assert_int_equal(RtlIntegerToUnicodeString(0xFFFFFFFFu, 10, &s), STATUS_SUCCESS);
    assert_true(us_equals(&s, L"4294967295"));
    assert_int_equal(RtlInt64ToUnicodeString(0xFFFFFFFFFFFFFFFFull, 16, &s), STATUS_SUCCESS);
    assert_true(us_equals(&s, L"FFFFFFFFFFFFFFFF"));
    assert_int_equal(RtlInt64ToUnicodeString(0xFFFFFFFFFFFFFFFFull, 2, &s), STATUS_SUCCESS);
    assert_int_equal(s.Length, CHARS(64));
    assert_int_equal(RtlIntegerToUnicodeString(1, 3, &s), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlIntegerToUnicodeString(1, 36, &s), STATUS_INVALID_PARAMETER);

    RtlInitEmptyUnicodeString(&s, buf, CHARS(4)); /* "1234" fits only without terminator */
    assert_int_equal(RtlIntegerToUnicodeString(1234, 10, &s), STATUS_BUFFER_OVERFLOW);
    RtlInitEmptyUnicodeString(&s, buf, CHARS(5));
    assert_int_equal(RtlIntegerToUnicodeString(1234, 10, &s), STATUS_SUCCESS);
    RtlInitEmptyUnicodeString(&s, buf, 0);
    assert_int_equal(RtlIntegerToUnicodeString(0, 10, &s), STATUS_BUFFER_OVERFLOW);
}

/* RtlUnicodeStringToInteger (wdm.h) and RtlCharToInteger (ntddk.h): white space, sign, 0x /
 * 0o / 0b prefixes when Base is 0, stop at the first non-digit. */
static void string_to_integer(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        ULONG base;
        ULONG value;
    } cases[] = {
        {"123", 0, 123},   {"  \t-42", 0, (ULONG)-42},
        {"+7", 10, 7},     {"0x1F", 0, 31},
        {"0X1f", 0, 31},   {"0o17", 0, 15},
        {"0b101", 0, 5},   {"ff", 16, 255},
        {"777", 8, 511},   {"102", 2, 2},
        {"12abc", 10, 12}, {"abc", 10, 0},
        {"", 0, 0},        {"4294967295", 10, 0xFFFFFFFFu},
        {"0x", 0, 0},      {"-0x10", 0, (ULONG)-16},
    };
    for (size_t i = 0; i < RTL_NUMBER_OF(cases); i++) {
        ULONG v = 0xDEAD;
        assert_int_equal(RtlCharToInteger(cases[i].text, cases[i].base, &v), STATUS_SUCCESS);
        assert_int_equal(v, cases[i].value);

        WCHAR wide[32];
        size_t n = strlen(cases[i].text);
        for (size_t k = 0; k < n; k++)
            wide[k] = (WCHAR)(unsigned char)cases[i].text[k];
        UNICODE_STRING us = {CHARS(n), CHARS(n), wide};
        v = 0xDEAD;
        assert_int_equal(RtlUnicodeStringToInteger(&us, cases[i].base, &v), STATUS_SUCCESS);
        assert_int_equal(v, cases[i].value);
    }
    /* Counted: characters beyond Length are not read. */
    WCHAR digits[] = L"12345";
    UNICODE_STRING part = {CHARS(2), sizeof(digits), digits};
    ULONG v;
    assert_int_equal(RtlUnicodeStringToInteger(&part, 10, &v), STATUS_SUCCESS);
    assert_int_equal(v, 12);

    assert_int_equal(RtlCharToInteger("10", 7, &v), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlUnicodeStringToInteger(&part, 3, &v), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlCharToInteger("10", 10, NULL), STATUS_ACCESS_VIOLATION);
    assert_int_equal(RtlUnicodeStringToInteger(&part, 10, NULL), STATUS_ACCESS_VIOLATION);
}

/* RtlIntegerToChar (ntifs.h): OutputLength bytes; terminated only when there is room. */
static void integer_to_char(void **state)
{
    (void)state;
    char buf[16];
    memset(buf, '#', sizeof(buf));
    assert_int_equal(RtlIntegerToChar(0xABC, 16, sizeof(buf), buf), STATUS_SUCCESS);
    assert_string_equal(buf, "ABC");
    memset(buf, '#', sizeof(buf));
    assert_int_equal(RtlIntegerToChar(123, 0, 3, buf), STATUS_SUCCESS);
    assert_memory_equal(buf, "123#", 4);
    assert_int_equal(RtlIntegerToChar(1234, 10, 3, buf), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(RtlIntegerToChar(1, 10, -1, buf), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(RtlIntegerToChar(1, 5, 8, buf), STATUS_INVALID_PARAMETER);
}

/* ---- memory ---- */

/* RtlCompareMemory (wdm.h): bytes that match before the first difference. */
static void compare_memory(void **state)
{
    (void)state;
    assert_int_equal(RtlCompareMemory("abcdef", "abcxef", 6), 3);
    assert_int_equal(RtlCompareMemory("abcdef", "abcdef", 6), 6);
    assert_int_equal(RtlCompareMemory("a", "b", 0), 0);
    assert_true(RtlEqualMemory("xyz", "xyz", 3));
    assert_false(RtlEqualMemory("xyz", "xyZ", 3));
}

/* RtlCompareMemoryUlong (ntifs.h): zero when Source is not ULONG-aligned or Length is not a
 * multiple of sizeof(ULONG). */
static void compare_memory_ulong(void **state)
{
    (void)state;
    ULONG block[5] = {7, 7, 7, 8, 7};
    assert_int_equal(RtlCompareMemoryUlong(block, sizeof(block), 7), 3 * sizeof(ULONG));
    assert_int_equal(RtlCompareMemoryUlong(block, 3 * sizeof(ULONG), 7), 3 * sizeof(ULONG));
    assert_int_equal(RtlCompareMemoryUlong(block, 0, 7), 0);
    assert_int_equal(RtlCompareMemoryUlong(block, 6, 7), 0);
    assert_int_equal(RtlCompareMemoryUlong((char *)block + 1, 4, 7), 0);
    assert_int_equal(RtlCompareMemoryUlong(block, sizeof(block), 9), 0);
}

/* RtlCopyMemory / RtlMoveMemory / RtlFillMemory / RtlZeroMemory / RtlSecureZeroMemory and the
 * Bytes aliases (wdm.h). */
static void memory_macros(void **state)
{
    (void)state;
    char buf[8] = "abcdefg";
    RtlMoveMemory(buf + 1, buf, 4); /* overlapping */
    assert_memory_equal(buf, "aabcdfg", 7);
    RtlCopyMemory(buf, "XY", 2);
    assert_memory_equal(buf, "XYbcdfg", 7);
    RtlCopyBytes(buf, "Z", 1);
    assert_int_equal(buf[0], 'Z');
    RtlFillMemory(buf, 3, '-');
    assert_memory_equal(buf, "---cdfg", 7);
    RtlZeroMemory(buf, 2);
    assert_int_equal(buf[0] | buf[1], 0);
    RtlZeroBytes(buf + 2, 1);
    assert_int_equal(buf[2], 0);
    assert_ptr_equal(RtlSecureZeroMemory(buf, sizeof(buf)), buf);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);
}

/* ---- ntstrsafe ---- */

/* RtlStringCbCopyW / RtlStringCchCopyA: STATUS_BUFFER_OVERFLOW on truncation with a
 * NUL-terminated truncated result; STATUS_INVALID_PARAMETER for a zero or too-large size. */
static void strsafe_copy(void **state)
{
    (void)state;
    WCHAR w[4];
    assert_int_equal(RtlStringCbCopyW(w, sizeof(w), L"abc"), STATUS_SUCCESS);
    assert_true(wsame(w, L"abc"));
    assert_int_equal(RtlStringCbCopyW(w, sizeof(w), L"abcd"), STATUS_BUFFER_OVERFLOW);
    assert_true(wsame(w, L"abc"));
    assert_int_equal(RtlStringCbCopyW(w, 0, L"a"), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlStringCbCopyW(w, sizeof(WCHAR) - 1, L"a"), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlStringCchCopyW(w, (size_t)NTSTRSAFE_MAX_CCH + 1, L"a"),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlStringCchCopyW(w, 1, L"abc"), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(w[0], 0);
    assert_int_equal(RtlStringCchCopyW(w, 4, L""), STATUS_SUCCESS);
    assert_int_equal(w[0], 0);

    char a[4];
    assert_int_equal(RtlStringCchCopyA(a, sizeof(a), "xyz"), STATUS_SUCCESS);
    assert_string_equal(a, "xyz");
    assert_int_equal(RtlStringCbCopyA(a, sizeof(a), "toolong"), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(a, "too");
    assert_int_equal(RtlStringCchCopyA(a, 0, "x"), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlStringCchCopyA(a, sizeof(a), NULL), STATUS_INVALID_PARAMETER);
    assert_string_equal(a, "");
}

/* RtlStringCbCopyNW: at most cbToCopy bytes of the source. */
static void strsafe_copy_n(void **state)
{
    (void)state;
    WCHAR w[8];
    assert_int_equal(RtlStringCbCopyNW(w, sizeof(w), L"abcdef", CHARS(3)), STATUS_SUCCESS);
    assert_true(wsame(w, L"abc"));
    assert_int_equal(RtlStringCbCopyNW(w, CHARS(3), L"abcdef", CHARS(5)), STATUS_BUFFER_OVERFLOW);
    assert_true(wsame(w, L"ab"));
    assert_int_equal(RtlStringCbCopyNW(w, sizeof(w), L"ab", CHARS(5)), STATUS_SUCCESS);
    assert_true(wsame(w, L"ab"));
    assert_int_equal(RtlStringCbCopyNW(w, sizeof(w), L"ab", (size_t)NTSTRSAFE_MAX_CCH * 8),
                     STATUS_INVALID_PARAMETER);
}

/* RtlStringCbCatW / RtlStringCchCatW / RtlStringCbCatA: STATUS_INVALID_PARAMETER when the
 * destination is not terminated within its size. */
static void strsafe_cat(void **state)
{
    (void)state;
    WCHAR w[6] = L"ab";
    assert_int_equal(RtlStringCbCatW(w, sizeof(w), L"cd"), STATUS_SUCCESS);
    assert_true(wsame(w, L"abcd"));
    assert_int_equal(RtlStringCchCatW(w, RTL_NUMBER_OF(w), L"efg"), STATUS_BUFFER_OVERFLOW);
    assert_true(wsame(w, L"abcde"));
    WCHAR unterminated[3] = {L'x', L'y', L'z'};
    assert_int_equal(RtlStringCchCatW(unterminated, 3, L"a"), STATUS_INVALID_PARAMETER);

    char a[8] = "12";
    assert_int_equal(RtlStringCbCatA(a, sizeof(a), "345"), STATUS_SUCCESS);
    assert_string_equal(a, "12345");
    assert_int_equal(RtlStringCchCatA(a, sizeof(a), "6789"), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(a, "1234567");
}

/* RtlStringCbLengthW / RtlStringCchLengthA ...: the terminator must lie within the maximum;
 * the length is optional and 0 on failure. */
static void strsafe_length(void **state)
{
    (void)state;
    size_t n = 99;
    assert_int_equal(RtlStringCbLengthW(L"abc", CHARS(4), &n), STATUS_SUCCESS);
    assert_int_equal(n, CHARS(3));
    assert_int_equal(RtlStringCbLengthW(L"abc", CHARS(3), &n), STATUS_INVALID_PARAMETER);
    assert_int_equal(n, 0);
    assert_int_equal(RtlStringCchLengthW(L"abc", 4, &n), STATUS_SUCCESS);
    assert_int_equal(n, 3);
    assert_int_equal(RtlStringCchLengthW(L"abc", 4, NULL), STATUS_SUCCESS);
    assert_int_equal(RtlStringCchLengthA("hello", 100, &n), STATUS_SUCCESS);
    assert_int_equal(n, 5);
    assert_int_equal(RtlStringCbLengthA("hello", 5, &n), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlStringCchLengthA(NULL, 5, &n), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlStringCchLengthA("x", 0, &n), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlStringCchLengthA("", 1, &n), STATUS_SUCCESS);
    assert_int_equal(n, 0);
}

/* RtlUnicodeStringInit (ntstrsafe.h): NULL source gives an empty string; too long is
 * STATUS_INVALID_PARAMETER. */
static void strsafe_unicode_init(void **state)
{
    (void)state;
    UNICODE_STRING s;
    assert_int_equal(RtlUnicodeStringInit(&s, L"abc"), STATUS_SUCCESS);
    assert_int_equal(s.Length, CHARS(3));
    assert_int_equal(s.MaximumLength, CHARS(4));
    assert_int_equal(RtlUnicodeStringInit(&s, NULL), STATUS_SUCCESS);
    assert_int_equal(s.Length, 0);
    assert_null(s.Buffer);
    assert_int_equal(RtlUnicodeStringInit(NULL, L"x"), STATUS_INVALID_PARAMETER);

    size_t n = NTSTRSAFE_UNICODE_STRING_MAX_CCH + 1;
    WCHAR *big = malloc((n + 1) * sizeof(WCHAR));
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = L'q';
    big[n] = 0;
    assert_int_equal(RtlUnicodeStringInit(&s, big), STATUS_INVALID_PARAMETER);
    big[n - 1] = 0;
    assert_int_equal(RtlUnicodeStringInit(&s, big), STATUS_SUCCESS);
    assert_int_equal(s.Length, CHARS(n - 1));
    free(big);
}

/* RtlUnicodeStringCopy / CopyString / Cat / CatString (ntstrsafe.h): counted results, no
 * terminator; STATUS_BUFFER_OVERFLOW with the truncated text; STATUS_INVALID_PARAMETER for a
 * malformed UNICODE_STRING (odd lengths, Length > MaximumLength). */
static void strsafe_unicode_ops(void **state)
{
    (void)state;
    WCHAR buf[5];
    UNICODE_STRING dst, src;
    RtlInitEmptyUnicodeString(&dst, buf, sizeof(buf));
    RtlInitUnicodeString(&src, L"abc");
    assert_int_equal(RtlUnicodeStringCopy(&dst, &src), STATUS_SUCCESS);
    assert_true(us_equals(&dst, L"abc"));
    assert_int_equal(RtlUnicodeStringCat(&dst, &src), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, sizeof(buf));
    assert_memory_equal(buf, L"abcab", sizeof(buf));
    assert_int_equal(RtlUnicodeStringCopyString(&dst, L"xy"), STATUS_SUCCESS);
    assert_true(us_equals(&dst, L"xy"));
    assert_int_equal(RtlUnicodeStringCatString(&dst, L"zw"), STATUS_SUCCESS);
    assert_true(us_equals(&dst, L"xyzw"));
    assert_int_equal(RtlUnicodeStringCatString(&dst, L"12"), STATUS_BUFFER_OVERFLOW);
    assert_memory_equal(buf, L"xyzw1", sizeof(buf));
    assert_int_equal(RtlUnicodeStringCopyString(&dst, L"abcdefgh"), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, sizeof(buf));

    UNICODE_STRING bad = dst;
    bad.Length = 3; /* odd */
    assert_int_equal(RtlUnicodeStringCopy(&bad, &src), STATUS_INVALID_PARAMETER);
    bad = dst;
    bad.Length = (USHORT)(bad.MaximumLength + sizeof(WCHAR));
    assert_int_equal(RtlUnicodeStringCat(&bad, &src), STATUS_INVALID_PARAMETER);
    UNICODE_STRING odd_src = src;
    odd_src.Length = 1;
    assert_int_equal(RtlUnicodeStringCopy(&dst, &odd_src), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlUnicodeStringCatString(&dst, NULL), STATUS_INVALID_PARAMETER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_unicode_basic),
        cmocka_unit_test(init_unicode_null_and_empty),
        cmocka_unit_test(init_unicode_too_long),
        cmocka_unit_test(init_unicode_ex),
        cmocka_unit_test(init_ansi),
        cmocka_unit_test(init_empty),
        cmocka_unit_test(copy_unicode),
        cmocka_unit_test(copy_ansi),
        cmocka_unit_test(compare_unicode),
        cmocka_unit_test(compare_unicode_strings),
        cmocka_unit_test(equal_unicode_lengths),
        cmocka_unit_test(compare_ansi),
        cmocka_unit_test(prefix_suffix),
        cmocka_unit_test(append_unicode),
        cmocka_unit_test(append_ansi),
        cmocka_unit_test(case_chars),
        cmocka_unit_test(upper_char),
        cmocka_unit_test(case_strings),
        cmocka_unit_test(duplicate),
        cmocka_unit_test(free_empty),
        cmocka_unit_test(ansi_to_unicode),
        cmocka_unit_test(unicode_to_ansi),
        cmocka_unit_test(utf8_to_unicode),
        cmocka_unit_test(utf8_to_unicode_truncated),
        cmocka_unit_test(utf8_invalid),
        cmocka_unit_test(unicode_to_utf8),
        cmocka_unit_test(utf_helpers),
        cmocka_unit_test(integer_to_unicode),
        cmocka_unit_test(string_to_integer),
        cmocka_unit_test(integer_to_char),
        cmocka_unit_test(compare_memory),
        cmocka_unit_test(compare_memory_ulong),
        cmocka_unit_test(memory_macros),
        cmocka_unit_test(strsafe_copy),
        cmocka_unit_test(strsafe_copy_n),
        cmocka_unit_test(strsafe_cat),
        cmocka_unit_test(strsafe_length),
        cmocka_unit_test(strsafe_unicode_init),
        cmocka_unit_test(strsafe_unicode_ops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
