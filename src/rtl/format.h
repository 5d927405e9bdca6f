/* format.h: the Windows kernel printf engine behind DbgPrint and the ntstrsafe printf family. */
#ifndef PSSIM_RTL_FORMAT_H
#define PSSIM_RTL_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

#include <pssim/wdk/ntdef.h>

/* Formats with Windows' rules, not glibc's:
 *  - conversions d i u x X o c C s S Z p % and the floating ones e E f F g G a A; anything else
 *    (including %n) is copied to the output literally, from the '%' to the conversion character,
 *    and consumes no argument;
 *  - flags - + space # 0, width and precision, either of which may be '*';
 *  - sizes hh (8-bit), h (16-bit), l (32-bit: Windows' long), ll / I64 (64-bit), I32 (32-bit),
 *    I, z, t (pointer-sized), j (64-bit), L (long double), and w (wide, like l for c s Z);
 *  - %p is the pointer as sizeof(void *) * 2 upper-case hex digits, no prefix;
 *  - %s %c %Z take narrow text and %S %C wide text in the narrow functions; in the wide ones it
 *    is the other way round (Microsoft's rule); %hs %hc %hZ are always narrow and %ls %lc %ws
 *    %wc %wZ always wide; %Z takes a PANSI_STRING / PUNICODE_STRING and prints Length bytes;
 *  - a NULL string pointer, a NULL counted string or one with a NULL Buffer prints "(null)";
 *  - precision limits a string to that many source characters (WCHARs for wide text), and the
 *    width counts source characters too, so "%.*ws" with a character count works as on Windows.
 * Wide text written to narrow output is converted to UTF-8 (unpaired surrogates become U+FFFD);
 * narrow text written to wide output is widened as Latin-1, the simulator's ANSI code page.
 *
 * Output goes to out, truncated to out_size - 1 units and always NUL-terminated when
 * out_size > 0 (a multi-byte character or a surrogate pair is never split). The return value is
 * the length the complete output needs, terminator excluded (like C99 vsnprintf), capped at
 * INT_MAX. */
int pssim__format_windows(char *out, size_t out_size, const char *fmt, va_list ap);

/* The same with a WCHAR format and WCHAR output; out_chars counts WCHARs. */
int pssim__format_windows_w(WCHAR *out, size_t out_chars, const WCHAR *fmt, va_list ap);

/* As pssim__format_windows_w but writes no terminator: up to out_chars units of text (the
 * form UNICODE_STRING results need); *written receives the units actually stored. */
int pssim__format_windows_w_counted(WCHAR *out, size_t out_chars, size_t *written, const WCHAR *fmt,
                                    va_list ap);

#endif
