/* format.c: Windows kernel printf rules (%wZ, %ws, I64, 32-bit l, ...), narrow and wide. */
#include "rtl/format.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rtl/utf.h"

/* =============================================================================================
 * Output sink: narrow (bytes) or wide (WCHARs). Once something does not fit, nothing more is
 * written, but the needed length keeps counting.
 * ========================================================================================== */

typedef struct sink {
    bool wide;
    char *n;
    WCHAR *w;
    size_t room;  /* units that may be written, terminator excluded */
    size_t pos;   /* units written */
    size_t total; /* units the complete output needs */
    bool full;
} sink;

/* Appends count units of the sink's own width; units is a char or WCHAR array. */
static void sink_units(sink *s, const void *units, size_t count)
{
    s->total += count;
    if (s->full)
        return;
    if (s->pos + count > s->room) {
        s->full = true;
        return;
    }
    if (s->wide)
        memcpy(s->w + s->pos, units, count * sizeof(WCHAR));
    else
        memcpy(s->n + s->pos, units, count);
    s->pos += count;
}

/* One code unit of the sink's own width (a literal from the format string). */
static void sink_raw(sink *s, uint32_t unit)
{
    if (s->wide) {
        WCHAR c = (WCHAR)unit;
        sink_units(s, &c, 1);
    } else {
        char c = (char)(unsigned char)unit;
        sink_units(s, &c, 1);
    }
}

/* A byte of narrow text: copied as is, or widened as Latin-1. */
static void sink_narrow_char(sink *s, unsigned char b)
{
    sink_raw(s, b);
}

/* A code point: UTF-8 into narrow output, one unit or a surrogate pair into wide output. */
static void sink_code_point(sink *s, uint32_t cp)
{
    if (s->wide) {
        WCHAR units[2];
        size_t n = pssim__wide_encode(cp, units);
        sink_units(s, units, n);
    } else {
        char bytes[4];
        size_t n = pssim__utf8_encode(cp, bytes);
        sink_units(s, bytes, n);
    }
}

/* Wide text: copied unit for unit into wide output (a surrogate pair stays whole), converted
 * to UTF-8 for narrow output. */
static void sink_wide_units(sink *s, const WCHAR *w, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t used;
        bool valid;
        uint32_t cp = pssim__wide_decode(w + i, n - i, &used, &valid);
        if (s->wide)
            sink_units(s, w + i, used);
        else
            sink_code_point(s, cp);
        i += used;
    }
}

static void sink_pad(sink *s, uint32_t unit, size_t count)
{
    while (count > 0 && !s->full) {
        sink_raw(s, unit);
        count--;
    }
    s->total += count; /* the rest is only counted */
}

static void sink_ascii(sink *s, const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sink_raw(s, (unsigned char)text[i]);
}

/* =============================================================================================
 * Format string access: narrow or wide units.
 * ========================================================================================== */

typedef struct fmt_reader {
    const char *n;
    const WCHAR *w;
} fmt_reader;

static uint32_t fmt_unit(const fmt_reader *f, size_t i)
{
    if (f->w != NULL)
        return sizeof(WCHAR) == 2 ? (uint32_t)(uint16_t)f->w[i] : (uint32_t)f->w[i];
    return (unsigned char)f->n[i];
}

/* =============================================================================================
 * Conversion specification
 * ========================================================================================== */

enum {
    FL_LEFT = 1,
    FL_PLUS = 2,
    FL_SPACE = 4,
    FL_ALT = 8,
    FL_ZERO = 16,
};

typedef enum size_mod {
    SZ_NONE,
    SZ_HH,
    SZ_H,
    SZ_L,   /* Windows long: 32 bits */
    SZ_64,  /* ll, I64, j */
    SZ_32,  /* I32 */
    SZ_PTR, /* I, z, t */
    SZ_LD,  /* L */
    SZ_W,   /* w */
} size_mod;

typedef struct spec {
    unsigned flags;
    size_t width;
    bool has_precision;
    size_t precision;
    size_mod size;
} spec;

#define MAX_FIELD ((size_t)INT_MAX)

static void emit_padded_begin(sink *s, const spec *sp, size_t len)
{
    if (!(sp->flags & FL_LEFT) && sp->width > len)
        sink_pad(s, (sp->flags & FL_ZERO) ? '0' : ' ', sp->width - len);
}

static void emit_padded_end(sink *s, const spec *sp, size_t len)
{
    if ((sp->flags & FL_LEFT) && sp->width > len)
        sink_pad(s, ' ', sp->width - len);
}

static void emit_narrow_text(sink *s, const spec *sp, const char *text, size_t len)
{
    emit_padded_begin(s, sp, len);
    for (size_t i = 0; i < len; i++)
        sink_narrow_char(s, (unsigned char)text[i]);
    emit_padded_end(s, sp, len);
}

static void emit_wide_text(sink *s, const spec *sp, const WCHAR *text, size_t len)
{
    emit_padded_begin(s, sp, len);
    sink_wide_units(s, text, len);
    emit_padded_end(s, sp, len);
}

static const char null_text[] = "(null)";

static size_t limit_len(const spec *sp, size_t len)
{
    return (sp->has_precision && sp->precision < len) ? sp->precision : len;
}

static void emit_narrow_cstring(sink *s, const spec *sp, const char *text)
{
    if (text == NULL) {
        emit_narrow_text(s, sp, null_text, limit_len(sp, sizeof(null_text) - 1));
        return;
    }
    size_t len = 0;
    while ((!sp->has_precision || len < sp->precision) && text[len] != '\0')
        len++;
    emit_narrow_text(s, sp, text, len);
}

static void emit_wide_cstring(sink *s, const spec *sp, const WCHAR *text)
{
    if (text == NULL) {
        emit_narrow_text(s, sp, null_text, limit_len(sp, sizeof(null_text) - 1));
        return;
    }
    size_t len = 0;
    while ((!sp->has_precision || len < sp->precision) && text[len] != UNICODE_NULL)
        len++;
    emit_wide_text(s, sp, text, len);
}

/* Integers: sign or prefix, zero padding, precision as minimum digits. */
static void emit_integer(sink *s, const spec *sp, uint64_t magnitude, bool negative, bool is_signed,
                         unsigned base, bool upper)
{
    char digits[24];
    size_t nd = 0;
    const char *alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char prefix[2];
    size_t np = 0;

    const bool nonzero = magnitude != 0;
    while (magnitude != 0) {
        digits[nd++] = alphabet[magnitude % base];
        magnitude /= base;
    }
    if (nd == 0 && !(sp->has_precision && sp->precision == 0))
        digits[nd++] = '0';

    if (is_signed) {
        if (negative)
            prefix[np++] = '-';
        else if (sp->flags & FL_PLUS)
            prefix[np++] = '+';
        else if (sp->flags & FL_SPACE)
            prefix[np++] = ' ';
    } else if ((sp->flags & FL_ALT) && base == 16 && nonzero) {
        prefix[np++] = '0';
        prefix[np++] = upper ? 'X' : 'x';
    }
    size_t zeros = 0;
    if (sp->has_precision && sp->precision > nd)
        zeros = sp->precision - nd;
    if ((sp->flags & FL_ALT) && base == 8 && zeros == 0 && (nd == 0 || digits[nd - 1] != '0'))
        zeros = 1;
    size_t len = np + zeros + nd;
    if ((sp->flags & FL_ZERO) && !(sp->flags & FL_LEFT) && !sp->has_precision && sp->width > len) {
        zeros += sp->width - len;
        len = sp->width;
    }
    if (!(sp->flags & FL_LEFT) && sp->width > len)
        sink_pad(s, ' ', sp->width - len);
    sink_ascii(s, prefix, np);
    sink_pad(s, '0', zeros);
    while (nd > 0)
        sink_raw(s, (unsigned char)digits[--nd]);
    emit_padded_end(s, sp, len);
}

static bool is_wide_text(const spec *sp, bool natural_wide)
{
    if (sp->size == SZ_H || sp->size == SZ_HH)
        return false;
    if (sp->size == SZ_L || sp->size == SZ_W)
        return true;
    return natural_wide;
}

static void emit_float(sink *s, const spec *sp, uint32_t conv, va_list *ap)
{
    char f[32], buf[512];
    size_t k = 0;
    f[k++] = '%';
    if (sp->flags & FL_LEFT)
        f[k++] = '-';
    if (sp->flags & FL_PLUS)
        f[k++] = '+';
    if (sp->flags & FL_SPACE)
        f[k++] = ' ';
    if (sp->flags & FL_ALT)
        f[k++] = '#';
    if (sp->flags & FL_ZERO)
        f[k++] = '0';
    f[k++] = '*';
    f[k++] = '.';
    f[k++] = '*';
    if (sp->size == SZ_LD)
        f[k++] = 'L';
    f[k++] = (char)conv;
    f[k] = '\0';
    int width = (int)(sp->width > 400 ? 400 : sp->width);
    int precision = sp->has_precision ? (int)(sp->precision > 300 ? 300 : sp->precision) : -1;
    int n;
    if (sp->size == SZ_LD)
        n = snprintf(buf, sizeof(buf), f, width, precision, va_arg(*ap, long double));
    else
        n = snprintf(buf, sizeof(buf), f, width, precision, va_arg(*ap, double));
    if (n < 0)
        n = 0;
    size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
    sink_ascii(s, buf, len);
}

/* =============================================================================================
 * The engine
 * ========================================================================================== */

static size_t parse_number(const fmt_reader *f, size_t *i)
{
    size_t v = 0;
    uint32_t c;
    while ((c = fmt_unit(f, *i)) >= '0' && c <= '9') {
        v = v * 10 + (c - '0');
        if (v > MAX_FIELD)
            v = MAX_FIELD;
        (*i)++;
    }
    return v;
}

static void format_engine(sink *s, const fmt_reader *f, va_list *ap)
{
    const bool natural_wide = f->w != NULL;
    size_t i = 0;
    uint32_t c;

    while ((c = fmt_unit(f, i)) != 0) {
        if (c != '%') {
            if (f->w != NULL) { /* keep a surrogate pair of a wide format together */
                size_t used;
                bool valid;
                pssim__wide_decode(f->w + i, fmt_unit(f, i + 1) != 0 ? 2 : 1, &used, &valid);
                sink_units(s, f->w + i, used);
                i += used;
            } else {
                sink_raw(s, c);
                i++;
            }
            continue;
        }
        size_t start = i++;
        spec sp = {0, 0, false, 0, SZ_NONE};

        for (;; i++) {
            c = fmt_unit(f, i);
            if (c == '-')
                sp.flags |= FL_LEFT;
            else if (c == '+')
                sp.flags |= FL_PLUS;
            else if (c == ' ')
                sp.flags |= FL_SPACE;
            else if (c == '#')
                sp.flags |= FL_ALT;
            else if (c == '0')
                sp.flags |= FL_ZERO;
            else
                break;
        }
        if (fmt_unit(f, i) == '*') {
            int w = va_arg(*ap, int);
            if (w < 0) {
                sp.flags |= FL_LEFT;
                sp.width = (size_t)(-(long long)w);
            } else {
                sp.width = (size_t)w;
            }
            i++;
        } else {
            sp.width = parse_number(f, &i);
        }
        if (fmt_unit(f, i) == '.') {
            i++;
            sp.has_precision = true;
            if (fmt_unit(f, i) == '*') {
                int p = va_arg(*ap, int);
                if (p < 0)
                    sp.has_precision = false;
                else
                    sp.precision = (size_t)p;
                i++;
            } else {
                sp.precision = parse_number(f, &i);
            }
        }
        c = fmt_unit(f, i);
        if (c == 'h') {
            i++;
            sp.size = SZ_H;
            if (fmt_unit(f, i) == 'h') {
                i++;
                sp.size = SZ_HH;
            }
        } else if (c == 'l') {
            i++;
            sp.size = SZ_L;
            if (fmt_unit(f, i) == 'l') {
                i++;
                sp.size = SZ_64;
            }
        } else if (c == 'I') {
            i++;
            sp.size = SZ_PTR;
            if (fmt_unit(f, i) == '6' && fmt_unit(f, i + 1) == '4') {
                i += 2;
                sp.size = SZ_64;
            } else if (fmt_unit(f, i) == '3' && fmt_unit(f, i + 1) == '2') {
                i += 2;
                sp.size = SZ_32;
            }
        } else if (c == 'w') {
            i++;
            sp.size = SZ_W;
        } else if (c == 'L') {
            i++;
            sp.size = SZ_LD;
        } else if (c == 'z' || c == 't') {
            i++;
            sp.size = SZ_PTR;
        } else if (c == 'j') {
            i++;
            sp.size = SZ_64;
        }

        uint32_t conv = fmt_unit(f, i);
        if (conv == 0) { /* the format ends inside a directive: show what there was */
            for (size_t k = start; k < i; k++)
                sink_raw(s, fmt_unit(f, k));
            break;
        }
        i++;
        switch (conv) {
        case '%':
            sink_raw(s, '%');
            break;
        case 'd':
        case 'i': {
            int64_t v;
            switch (sp.size) {
            case SZ_HH:
                v = (signed char)va_arg(*ap, int);
                break;
            case SZ_H:
                v = (short)va_arg(*ap, int);
                break;
            case SZ_64:
                v = va_arg(*ap, long long);
                break;
            case SZ_PTR:
                v = (int64_t)va_arg(*ap, ptrdiff_t);
                break;
            default:
                v = (int32_t)va_arg(*ap, int);
                break;
            }
            uint64_t mag = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
            emit_integer(s, &sp, mag, v < 0, true, 10, false);
            break;
        }
        case 'u':
        case 'o':
        case 'x':
        case 'X': {
            uint64_t v;
            switch (sp.size) {
            case SZ_HH:
                v = (unsigned char)va_arg(*ap, unsigned int);
                break;
            case SZ_H:
                v = (unsigned short)va_arg(*ap, unsigned int);
                break;
            case SZ_64:
                v = va_arg(*ap, unsigned long long);
                break;
            case SZ_PTR:
                v = (uint64_t)va_arg(*ap, size_t);
                break;
            default:
                v = (uint32_t)va_arg(*ap, unsigned int);
                break;
            }
            unsigned base = conv == 'u' ? 10u : conv == 'o' ? 8u : 16u;
            emit_integer(s, &sp, v, false, false, base, conv == 'X');
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(*ap, void *);
            spec ps = sp;
            ps.flags &= ~(unsigned)(FL_ALT | FL_PLUS | FL_SPACE | FL_ZERO);
            ps.has_precision = true;
            ps.precision = sizeof(void *) * 2;
            emit_integer(s, &ps, (uint64_t)v, false, false, 16, true);
            break;
        }
        case 'c':
        case 'C': {
            int v = va_arg(*ap, int);
            if (is_wide_text(&sp, conv == 'c' ? natural_wide : !natural_wide)) {
                WCHAR w = (WCHAR)v;
                emit_wide_text(s, &sp, &w, 1);
            } else {
                char ch = (char)v;
                emit_narrow_text(s, &sp, &ch, 1);
            }
            break;
        }
        case 's':
        case 'S': {
            if (is_wide_text(&sp, conv == 's' ? natural_wide : !natural_wide))
                emit_wide_cstring(s, &sp, va_arg(*ap, const WCHAR *));
            else
                emit_narrow_cstring(s, &sp, va_arg(*ap, const char *));
            break;
        }
        case 'Z': {
            if (is_wide_text(&sp, natural_wide)) {
                const UNICODE_STRING *us = va_arg(*ap, const UNICODE_STRING *);
                if (us == NULL || us->Buffer == NULL)
                    emit_narrow_cstring(s, &sp, NULL);
                else
                    emit_wide_text(s, &sp, us->Buffer, limit_len(&sp, us->Length / sizeof(WCHAR)));
            } else {
                const STRING *as = va_arg(*ap, const STRING *);
                if (as == NULL || as->Buffer == NULL)
                    emit_narrow_cstring(s, &sp, NULL);
                else
                    emit_narrow_text(s, &sp, as->Buffer, limit_len(&sp, as->Length));
            }
            break;
        }
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
        case 'a':
        case 'A':
            emit_float(s, &sp, conv, ap);
            break;
        default: /* unknown (and %n): literal, no argument consumed */
            for (size_t k = start; k < i; k++)
                sink_raw(s, fmt_unit(f, k));
            break;
        }
    }
}

static int clamp_total(size_t total)
{
    return total > (size_t)INT_MAX ? INT_MAX : (int)total;
}

int pssim__format_windows(char *out, size_t out_size, const char *fmt, va_list ap)
{
    sink s = {false, out, NULL, (out != NULL && out_size > 0) ? out_size - 1 : 0, 0, 0, false};
    fmt_reader f = {fmt, NULL};
    va_list args;
    va_copy(args, ap);
    format_engine(&s, &f, &args);
    va_end(args);
    if (out != NULL && out_size > 0)
        out[s.pos] = '\0';
    return clamp_total(s.total);
}

int pssim__format_windows_w(WCHAR *out, size_t out_chars, const WCHAR *fmt, va_list ap)
{
    sink s = {true, NULL, out, (out != NULL && out_chars > 0) ? out_chars - 1 : 0, 0, 0, false};
    fmt_reader f = {NULL, fmt};
    va_list args;
    va_copy(args, ap);
    format_engine(&s, &f, &args);
    va_end(args);
    if (out != NULL && out_chars > 0)
        out[s.pos] = UNICODE_NULL;
    return clamp_total(s.total);
}

int pssim__format_windows_w_counted(WCHAR *out, size_t out_chars, size_t *written, const WCHAR *fmt,
                                    va_list ap)
{
    sink s = {true, NULL, out, out != NULL ? out_chars : 0, 0, 0, false};
    fmt_reader f = {NULL, fmt};
    va_list args;
    va_copy(args, ap);
    format_engine(&s, &f, &args);
    va_end(args);
    if (written != NULL)
        *written = s.pos;
    return clamp_total(s.total);
}
