/* utf.h: internal UTF-8 <-> WCHAR helpers and code-point primitives shared by src/rtl. */
#ifndef PSSIM_RTL_UTF_H
#define PSSIM_RTL_UTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pssim/wdk/ntdef.h>

/* Converts the NUL-terminated UTF-8 string utf8 to WCHARs (UTF-16 when sizeof(WCHAR) == 2, one
 * unit per code point when it is 4). Returns the number of WCHAR units the whole string needs,
 * terminator excluded. When out is non-NULL and out_chars > 0, out (a buffer of out_chars units)
 * receives at most out_chars - 1 units followed by a NUL; a surrogate pair is never split.
 * Invalid UTF-8 (stray or missing continuation bytes, overlong forms, surrogates, values above
 * U+10FFFF) becomes U+FFFD and sets *ok to false; otherwise *ok is true. ok may be NULL. */
size_t pssim__utf8_to_wide(const char *utf8, WCHAR *out, size_t out_chars, bool *ok);

/* Converts n_units WCHARs at w to UTF-8. Returns the bytes the whole conversion needs, NUL
 * excluded. When out_size > 0, out always ends NUL-terminated after at most out_size - 1 bytes;
 * a character's encoding is never split. Unpaired surrogates and values that are not code
 * points become U+FFFD. */
size_t pssim__wide_to_utf8(const WCHAR *w, size_t n_units, char *out, size_t out_size);

/* Pool tag of every buffer the Rtl string routines allocate: 'GrtS', "StrG" in a pool dump. */
#define PSSIM_RTL_STRING_TAG 0x47727453u

/* ---- primitives ---- */
#define PSSIM_REPLACEMENT_CHAR 0xFFFDu

/* Decodes one code point from the n_units WCHARs at w. Stores the units consumed (1 or 2) in
 * *used. Returns the code point, or PSSIM_REPLACEMENT_CHAR with *valid false for an unpaired
 * surrogate or an out-of-range value. */
uint32_t pssim__wide_decode(const WCHAR *w, size_t n_units, size_t *used, bool *valid);

/* Decodes one code point from the n bytes at s (n >= 1). Stores the bytes consumed in *used:
 * for a malformed sequence, the maximal subpart that could begin a valid one (at least 1), as
 * Unicode's "best practice for U+FFFD substitution" recommends. */
uint32_t pssim__utf8_decode(const unsigned char *s, size_t n, size_t *used, bool *valid);

/* Bytes of the UTF-8 form of code point cp (1..4); writes them to out when out is non-NULL. */
size_t pssim__utf8_encode(uint32_t cp, char *out);

/* WCHAR units of code point cp (1, or 2 for a surrogate pair when sizeof(WCHAR) == 2); writes
 * them to out when out is non-NULL. */
size_t pssim__wide_encode(uint32_t cp, WCHAR *out);

/* Simple case mapping of one code point (see rtl.h for the coverage). */
uint32_t pssim__upcase_cp(uint32_t cp);
uint32_t pssim__downcase_cp(uint32_t cp);

#endif
