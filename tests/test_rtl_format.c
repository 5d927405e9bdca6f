/* test_rtl_format.c: Windows kernel printf rules (DbgPrint family) and ntstrsafe printf. */
#define _POSIX_C_SOURCE 200809L /* dup, dup2, fileno: capture what DbgPrint writes to stderr */
#define PSSIM_KDPRINT           /* KdPrint active without DBG (a free build that wants output) */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <pssim/wdk/wdm.h>
#include <pssim/wdk/ntstrsafe.h>

#include "rtl/format.h"

/* ---- helpers ---- */

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

static char out[1024];

static int fmt(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = pssim__format_windows(out, sizeof(out), format, ap);
    va_end(ap);
    return n;
}

static int fmt_n(char *buf, size_t size, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = pssim__format_windows(buf, size, format, ap);
    va_end(ap);
    return n;
}

static WCHAR wout[256];

static int wfmt(const WCHAR *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = pssim__format_windows_w(wout, RTL_NUMBER_OF(wout), format, ap);
    va_end(ap);
    return n;
}

/* Runs DbgPrint-family calls with stderr redirected to a temporary file. */
static FILE *capture_file;
static int saved_stderr = -1;
static char captured[2048];

static void capture_begin(void)
{
    fflush(stderr);
    capture_file = tmpfile();
    assert_non_null(capture_file);
    saved_stderr = dup(2);
    assert_true(saved_stderr >= 0);
    assert_true(dup2(fileno(capture_file), 2) >= 0);
}

static const char *capture_end(void)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    rewind(capture_file);
    size_t n = fread(captured, 1, sizeof(captured) - 1, capture_file);
    captured[n] = '\0';
    fclose(capture_file);
    return captured;
}

/* ---- conversions ("Format specification syntax: printf and wprintf functions") ---- */

/* %d %i %u %x %X %o %c %s %% with widths, precisions and flags. */
static void basic_conversions(void **state)
{
    (void)state;
    fmt("%d|%i|%u|%x|%X|%o|%c|%s|%%", -5, 42, 3000000000u, 0xbeef, 0xbeef, 8, 'Q', "str");
    assert_string_equal(out, "-5|42|3000000000|beef|BEEF|10|Q|str|%");
    fmt("[%5d][%-5d][%05d][%+d][% d][%.3d][%.0d]", 42, 42, -42, 7, 7, 7, 0);
    assert_string_equal(out, "[   42][42   ][-0042][+7][ 7][007][]");
    fmt("[%#x][%#X][%#o][%#x][%08.3x]", 31, 31, 15, 0, 0xa);
    assert_string_equal(out, "[0x1f][0X1F][017][0][     00a]");
    fmt("[%*d][%-*d][%.*d][%*d]", 4, 1, 4, 2, 3, 3, -4, 5);
    assert_string_equal(out, "[   1][2   ][003][5   ]");
    fmt("[%.*s][%10s][%-4s|][%.1s]", 2, "abcdef", "right", "l", "xyz");
    assert_string_equal(out, "[ab][     right][l   |][x]");
    fmt("%d %d", INT32_MIN, INT32_MAX);
    assert_string_equal(out, "-2147483648 2147483647");
}

/* Size prefixes: h 16-bit, l 32-bit (Windows long), ll / I64 64-bit, I32, I / z pointer-sized. */
static void size_prefixes(void **state)
{
    (void)state;
    fmt("%hd|%hu|%hx", 70000, 70000, 0x12345);
    assert_string_equal(out, "4464|4464|2345");
    fmt("%hhd|%hhx", 300, 0x1ff);
    assert_string_equal(out, "44|ff");
    fmt("%ld|%lu|%lx", (LONG)-1, (ULONG)0xFFFFFFFFu, (ULONG)0xCAFEBABEu);
    assert_string_equal(out, "-1|4294967295|cafebabe");
    fmt("%lld|%I64d|%I64u|%I64X|%llx", (LONGLONG)-9000000000LL, (LONGLONG)9000000000LL,
        (ULONGLONG)18446744073709551615ULL, (ULONGLONG)0x123456789ABCDEFULL,
        (ULONGLONG)0xFFFFFFFF00000000ULL);
    assert_string_equal(out, "-9000000000|9000000000|18446744073709551615|123456789ABCDEF|"
                             "ffffffff00000000");
    fmt("%I32d|%I32x", (INT32)-3, (UINT32)0xABCu);
    assert_string_equal(out, "-3|abc");
    fmt("%Iu|%Id|%zu|%Ix", (SIZE_T)12345, (SSIZE_T)-6, (size_t)77, (ULONG_PTR)0xFF);
    assert_string_equal(out, "12345|-6|77|ff");
    /* An I not followed by 32 or 64 is the pointer-sized prefix. */
    fmt("%I6", 0);
    assert_string_equal(out, "%I6");
}

/* %p: the pointer as sizeof(void *) * 2 upper-case hex digits (16 on 64-bit), no prefix. */
static void pointer(void **state)
{
    (void)state;
    fmt("%p", (void *)(uintptr_t)0x1234abcdu);
    if (sizeof(void *) == 8)
        assert_string_equal(out, "000000001234ABCD");
    else
        assert_string_equal(out, "1234ABCD");
    fmt("%p", NULL);
    assert_int_equal(strlen(out), sizeof(void *) * 2);
    assert_int_equal(strspn(out, "0"), sizeof(void *) * 2);
    fmt("[%20p]", (void *)(uintptr_t)1);
    assert_int_equal(strlen(out), 22);
}

/* %wZ: PUNICODE_STRING (counted: Length bytes, no terminator needed), %Z: PANSI_STRING; a NULL
 * string or Buffer prints "(null)". */
static void counted_strings(void **state)
{
    (void)state;
    UNICODE_STRING us;
    RtlInitUnicodeString(&us, L"\\Device\\Foo");
    fmt("name=%wZ.", &us);
    assert_string_equal(out, "name=\\Device\\Foo.");
    WCHAR raw[] = {L'a', L'b', L'c', L'X', L'X'}; /* not terminated */
    UNICODE_STRING counted = {3 * sizeof(WCHAR), sizeof(raw), raw};
    fmt("[%wZ]", &counted);
    assert_string_equal(out, "[abc]");
    fmt("[%.2wZ][%5wZ][%-5wZ]", &counted, &counted, &counted);
    assert_string_equal(out, "[ab][  abc][abc  ]");
    fmt("[%wZ]", (PUNICODE_STRING)NULL);
    assert_string_equal(out, "[(null)]");
    UNICODE_STRING nobuf = {0, 0, NULL};
    fmt("[%wZ]", &nobuf);
    assert_string_equal(out, "[(null)]");
    UNICODE_STRING empty;
    RtlInitUnicodeString(&empty, L"");
    fmt("[%wZ]", &empty);
    assert_string_equal(out, "[]");
    /* An odd Length counts whole WCHARs. */
    counted.Length = (USHORT)(2 * sizeof(WCHAR) + 1);
    fmt("[%wZ]", &counted);
    assert_string_equal(out, "[ab]");

    ANSI_STRING as;
    RtlInitAnsiString(&as, "ansi");
    as.Length = 3;
    fmt("[%Z][%hZ][%Z]", &as, &as, (PANSI_STRING)NULL);
    assert_string_equal(out, "[ans][ans][(null)]");
    /* Non-ASCII wide text becomes UTF-8. */
    RtlInitUnicodeString(&us, L"caf\u00e9 \u20ac");
    fmt("%wZ", &us);
    assert_string_equal(out, "caf\xc3\xa9 \xe2\x82\xac");
}

/* %ws %ls %S: wide NUL-terminated strings; %hs narrow; %wc %lc %C: wide characters. */
static void wide_text(void **state)
{
    (void)state;
    fmt("%ws|%ls|%S|%hs|%s", L"one", L"two", L"three", "four", "five");
    assert_string_equal(out, "one|two|three|four|five");
    fmt("%ws|%S|%s|%hs", (PCWSTR)NULL, (PCWSTR)NULL, (PCSTR)NULL, (PCSTR)NULL);
    assert_string_equal(out, "(null)|(null)|(null)|(null)");
    fmt("%wc%lc%C%c%hc", L'a', L'b', (WCHAR)0x00E9, 'd', 'e');
    assert_string_equal(out, "ab\xc3\xa9"
                             "de");
    /* %.*ws with a character count reads no further than that. */
    WCHAR unterminated[3] = {L'x', L'y', L'z'};
    fmt("[%.*ws]", 2, unterminated);
    assert_string_equal(out, "[xy]");
    fmt("[%6ws][%-3.1ws]", L"\u00e9t\u00e9", L"abc");
    assert_string_equal(out, "[   \xc3\xa9t\xc3\xa9][a  ]");
    /* Characters above the BMP and unpaired surrogates. */
    if (sizeof(WCHAR) == 2) {
        WCHAR pair[] = {(WCHAR)0xD83D, (WCHAR)0xDE00, 0};
        fmt("%ws", pair);
    } else {
        WCHAR single[] = {(WCHAR)0x1F600, 0};
        fmt("%ws", single);
    }
    assert_string_equal(out, "\xf0\x9f\x98\x80");
    WCHAR lone[] = {L'a', (WCHAR)0xDC00, L'b', 0};
    fmt("%ws", lone);
    assert_string_equal(out, "a\xef\xbf\xbd"
                             "b");
}

/* Unknown conversions are copied literally and consume no argument; so is %n. A format that
 * ends inside a directive prints what there was. */
static void unknown_conversions(void **state)
{
    (void)state;
    fmt("%y %d", 5);
    assert_string_equal(out, "%y 5");
    fmt("a%nb %d", 6);
    assert_string_equal(out, "a%nb 6");
    fmt("%-5k|%d", 7);
    assert_string_equal(out, "%-5k|7");
    fmt("end%");
    assert_string_equal(out, "end%");
    fmt("end%-08");
    assert_string_equal(out, "end%-08");
    fmt("");
    assert_string_equal(out, "");
}

/* Floating point conversions follow the usual rules. */
static void floating(void **state)
{
    (void)state;
    fmt("%.2f|%5.1f|%e|%g", 3.14159, 2.26, 1500.0, 0.5);
    assert_string_equal(out, "3.14|  2.3|1.500000e+03|0.5");
    fmt("%d %.1f %d", 1, 2.0, 3); /* arguments after a double stay in step */
    assert_string_equal(out, "1 2.0 3");
}

/* Truncation: at most out_size - 1 units plus the terminator; the return value is the full
 * length; a multi-byte character is never split. */
static void truncation(void **state)
{
    (void)state;
    char small[6];
    assert_int_equal(fmt_n(small, sizeof(small), "hello world"), 11);
    assert_string_equal(small, "hello");
    assert_int_equal(fmt_n(small, sizeof(small), "%d", 123456789), 9);
    assert_string_equal(small, "12345");
    assert_int_equal(fmt_n(small, sizeof(small), "abcd%ws", L"\u20ac"), 7);
    assert_string_equal(small, "abcd"); /* the euro sign needs 3 bytes, only 1 is left */
    assert_int_equal(fmt_n(small, 1, "xyz"), 3);
    assert_string_equal(small, "");
    assert_int_equal(fmt_n(NULL, 0, "%s-%d", "abc", 42), 6);
    char big[8];
    assert_int_equal(fmt_n(big, sizeof(big), "%100d", 1), 100);
    assert_int_equal(strlen(big), 7);
}

/* The wide engine (ntstrsafe W functions): %s is wide, %S narrow, %hs narrow, %ls wide. */
static void wide_engine(void **state)
{
    (void)state;
    UNICODE_STRING us;
    RtlInitUnicodeString(&us, L"uni");
    ANSI_STRING as;
    RtlInitAnsiString(&as, "ans");
    static const WCHAR expected[] = L"w|n|h\u00e9|l|uni|uni|ans|-12|x|y";
    assert_int_equal(wfmt(L"%s|%S|%hs|%ls|%wZ|%Z|%hZ|%d|%c|%C", L"w", "n", "h\xe9", L"l", &us, &us,
                          &as, -12, L'x', 'y'),
                     (int)wlen(expected));
    assert_true(wsame(wout, expected));
    assert_int_equal(wfmt(L"%p", (void *)(uintptr_t)0xAB), (int)(sizeof(void *) * 2));
    assert_int_equal(wout[sizeof(void *) * 2 - 1], L'B');
    if (sizeof(WCHAR) == 2) {
        WCHAR pair[] = {(WCHAR)0xD83D, (WCHAR)0xDE00, 0};
        assert_int_equal(wfmt(L"%s", pair), 2);
    }
}

/* ---- ntstrsafe printf ---- */

/* RtlStringCbPrintfW / RtlStringCchPrintfA: STATUS_BUFFER_OVERFLOW on truncation with a
 * terminated result; STATUS_INVALID_PARAMETER for a zero size. */
static void strsafe_printf(void **state)
{
    (void)state;
    WCHAR w[8];
    UNICODE_STRING us;
    RtlInitUnicodeString(&us, L"drv");
    assert_int_equal(RtlStringCbPrintfW(w, sizeof(w), L"%wZ-%u", &us, 42u), STATUS_SUCCESS);
    assert_true(wsame(w, L"drv-42"));
    assert_int_equal(RtlStringCbPrintfW(w, sizeof(w), L"%s%s", L"abcd", L"efgh"),
                     STATUS_BUFFER_OVERFLOW);
    assert_true(wsame(w, L"abcdefg"));
    assert_int_equal(RtlStringCchPrintfW(w, 0, L"x"), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlStringCchPrintfW(w, RTL_NUMBER_OF(w), L"%ws", L""), STATUS_SUCCESS);
    assert_int_equal(w[0], 0);

    char a[8];
    assert_int_equal(RtlStringCchPrintfA(a, sizeof(a), "%I64x", (ULONGLONG)0xABCDEF), 0);
    assert_string_equal(a, "abcdef");
    assert_int_equal(RtlStringCbPrintfA(a, sizeof(a), "%s", "123456789"), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(a, "1234567");
    assert_int_equal(RtlStringCbPrintfA(a, 0, "%s", "x"), STATUS_INVALID_PARAMETER);
    assert_int_equal(RtlStringCbPrintfA(a, sizeof(a), "exact7!"), STATUS_SUCCESS);
    assert_int_equal(RtlStringCbPrintfA(a, sizeof(a), "exact8!!"), STATUS_BUFFER_OVERFLOW);
}

static NTSTATUS call_vprintf(PWSTR dst, size_t cb, PCWSTR format, ...)
{
    va_list ap;
    va_start(ap, format);
    NTSTATUS status = RtlStringCbVPrintfW(dst, cb, format, ap);
    va_end(ap);
    return status;
}

/* RtlStringCbVPrintfW: the va_list form. */
static void strsafe_vprintf(void **state)
{
    (void)state;
    WCHAR w[16];
    assert_int_equal(call_vprintf(w, sizeof(w), L"%d+%d=%d", 2, 2, 4), STATUS_SUCCESS);
    assert_true(wsame(w, L"2+2=4"));
}

/* RtlUnicodeStringPrintf: counted result (no terminator); truncation gives
 * STATUS_BUFFER_OVERFLOW with Length == MaximumLength. */
static void unicode_string_printf(void **state)
{
    (void)state;
    WCHAR buf[6];
    UNICODE_STRING dst;
    RtlInitEmptyUnicodeString(&dst, buf, sizeof(buf));
    assert_int_equal(RtlUnicodeStringPrintf(&dst, L"pid %u", 7u), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 5 * sizeof(WCHAR));
    assert_memory_equal(buf, L"pid 7", 5 * sizeof(WCHAR));
    assert_int_equal(RtlUnicodeStringPrintf(&dst, L"pid %u", 1234u), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, sizeof(buf));
    assert_memory_equal(buf, L"pid 12", sizeof(buf));
    UNICODE_STRING bad = dst;
    bad.MaximumLength = 3;
    assert_int_equal(RtlUnicodeStringPrintf(&bad, L"x"), STATUS_INVALID_PARAMETER);
}

/* ---- DbgPrint family ("DbgPrint", "DbgPrintEx", "vDbgPrintExWithPrefix") ---- */

static ULONG call_vdbg(PCCH prefix, PCCH format, ...)
{
    va_list ap;
    va_start(ap, format);
    ULONG r = vDbgPrintExWithPrefix(prefix, DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, format, ap);
    va_end(ap);
    return r;
}

/* DbgPrint / DbgPrintEx / vDbgPrintExWithPrefix deliver the formatted message (every level:
 * the machine filters) and return STATUS_SUCCESS. */
static void dbgprint_output(void **state)
{
    (void)state;
    UNICODE_STRING us;
    RtlInitUnicodeString(&us, L"\\Driver\\Test");
    capture_begin();
    ULONG r1 = DbgPrint("loaded %wZ pid=%u\n", &us, 4u);
    ULONG r2 = DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "level %d %ws\n", 3, L"ok");
    ULONG r3 = DbgPrintEx(DPFLTR_DEFAULT_ID, DPFLTR_MASK | 0x10, "masked\n");
    ULONG r4 = call_vdbg("[pfx] ", "v %s\n", "args");
    const char *text = capture_end();
    assert_int_equal(r1, STATUS_SUCCESS);
    assert_int_equal(r2, STATUS_SUCCESS);
    assert_int_equal(r3, STATUS_SUCCESS);
    assert_int_equal(r4, STATUS_SUCCESS);
    assert_string_equal(text, "loaded \\Driver\\Test pid=4\nlevel 3 ok\nmasked\n[pfx] v args\n");
}

/* DbgPrint: "any single call ... will only transmit 512 bytes of information": 511 bytes of
 * text and the terminator. */
static void dbgprint_truncates_512(void **state)
{
    (void)state;
    char long_text[700];
    memset(long_text, 'x', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    capture_begin();
    DbgPrint("%s", long_text);
    const char *text = capture_end();
    assert_int_equal(strlen(text), 511);

    capture_begin();
    call_vdbg(long_text, "tail");
    text = capture_end();
    assert_int_equal(strlen(text), 511);
}

/* KdPrint / KdPrintEx take a parenthesised list; PSSIM_KDPRINT (defined above) enables them
 * without DBG. */
static void kdprint_enabled(void **state)
{
    (void)state;
    int n = 1;
    capture_begin();
    KdPrint(("kd %d\n", n++));
    KdPrintEx((DPFLTR_IHVDRIVER_ID, DPFLTR_TRACE_LEVEL, "kdex %d\n", n++));
    const char *text = capture_end();
    assert_string_equal(text, "kd 1\nkdex 2\n");
    assert_int_equal(n, 3);
}

/* ASSERT / NT_ASSERT compile away without DBG (the expression is not evaluated) while
 * NT_VERIFY still evaluates it and yields its truth. */
static void asserts_free_build(void **state)
{
    (void)state;
    int n = 0;
    ASSERT(n++ == 100);
    NT_ASSERT(n++ == 100);
    ASSERTMSG("never", n++ == 100);
    NT_ASSERTMSG("never", n++ == 100);
    NT_ANALYSIS_ASSUME(n++ == 100);
    assert_int_equal(n, 0);
    assert_true(NT_VERIFY(n++ == 0));
    assert_false(NT_VERIFY(n++ == 0));
    assert_int_equal(n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(basic_conversions), cmocka_unit_test(size_prefixes),
        cmocka_unit_test(pointer),           cmocka_unit_test(counted_strings),
        cmocka_unit_test(wide_text),         cmocka_unit_test(unknown_conversions),
        cmocka_unit_test(floating),          cmocka_unit_test(truncation),
        cmocka_unit_test(wide_engine),       cmocka_unit_test(strsafe_printf),
        cmocka_unit_test(strsafe_vprintf),   cmocka_unit_test(unicode_string_printf),
        cmocka_unit_test(dbgprint_output),   cmocka_unit_test(dbgprint_truncates_512),
        cmocka_unit_test(kdprint_enabled),   cmocka_unit_test(asserts_free_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
