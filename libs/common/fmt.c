/* fmt.c: the printf engine behind fmt_vformat() and fmt_snprintf(); no floating point (the kernel has no SSE). */
#include <stdbool.h>
#include <stdint.h>
#include <warp/fmt.h>

/* Conversion flags. */
enum {
    FMT_LEFT = 1u << 0,  /* '-': pad on the right */
    FMT_ZERO = 1u << 1,  /* '0': pad with zeros between sign/prefix and digits */
    FMT_PLUS = 1u << 2,  /* '+': signed conversions always show a sign */
    FMT_SPACE = 1u << 3, /* ' ': a space where '+' would go */
    FMT_ALT = 1u << 4,   /* '#': 0x/0X before nonzero hex, a leading 0 for octal */
};

/* Length modifiers: which integer type the argument has. */
enum fmt_length { FMT_INT, FMT_CHAR, FMT_SHORT, FMT_LONG, FMT_LLONG, FMT_SIZE, FMT_MAX, FMT_PTRDIFF };

/* One parsed conversion specification. */
struct fmt_spec {
    unsigned flags;      /* FMT_* */
    int width;           /* minimum field width; 0 when absent */
    int prec;            /* precision; -1 when absent */
    enum fmt_length len; /* argument type */
    char conv;           /* conversion character ('\0' if the format ended) */
};

/* Where characters go, and how many went. */
struct fmt_out {
    fmt_putc_fn emit;
    void *ctx;
    unsigned long count;
};

/* State of fmt_vsnprintf's bounded buffer. */
struct fmt_buf {
    char *buf;
    size_t size;
    size_t pos; /* characters produced so far, stored or not */
};

#define FMT_INT_MAX __INT_MAX__

/* Sends one character to the sink and counts it. */
static void fmt_put(struct fmt_out *out, char c)
{
    out->emit(out->ctx, c);
    out->count++;
}

/* Emits c n times (nothing when n <= 0). */
static void fmt_pad(struct fmt_out *out, char c, long n)
{
    for (; n > 0; n--)
        fmt_put(out, c);
}

/* Parses a decimal field, saturating at INT_MAX instead of overflowing. */
static int fmt_parse_decimal(const char **pp)
{
    const char *p = *pp;
    int n = 0;

    for (; *p >= '0' && *p <= '9'; p++) {
        int d = *p - '0';
        n = n > (FMT_INT_MAX - d) / 10 ? FMT_INT_MAX : n * 10 + d;
    }
    *pp = p;
    return n;
}

/* Parses the flag characters; returns the first character after them. */
static const char *fmt_parse_flags(const char *p, struct fmt_spec *spec)
{
    for (;; p++) {
        switch (*p) {
        case '-': spec->flags |= FMT_LEFT; break;
        case '0': spec->flags |= FMT_ZERO; break;
        case '+': spec->flags |= FMT_PLUS; break;
        case ' ': spec->flags |= FMT_SPACE; break;
        case '#': spec->flags |= FMT_ALT; break;
        default: return p;
        }
    }
}

/* Parses the width (digits or '*'; a negative '*' means left-justify). */
static const char *fmt_parse_width(const char *p, struct fmt_spec *spec, va_list *ap)
{
    if (*p != '*') {
        spec->width = fmt_parse_decimal(&p);
        return p;
    }
    int w = va_arg(*ap, int);
    if (w < 0) {
        spec->flags |= FMT_LEFT;
        w = w < -FMT_INT_MAX ? FMT_INT_MAX : -w;
    }
    spec->width = w;
    return p + 1;
}

/* Parses ".precision" if present (a lone '.' means 0; a negative '*' means none). */
static const char *fmt_parse_prec(const char *p, struct fmt_spec *spec, va_list *ap)
{
    if (*p != '.')
        return p;
    p++;
    if (*p != '*') {
        spec->prec = fmt_parse_decimal(&p);
        return p;
    }
    int prec = va_arg(*ap, int);
    spec->prec = prec < 0 ? -1 : prec;
    return p + 1;
}

/* Parses a length modifier (hh h l ll z j t). */
static const char *fmt_parse_length(const char *p, struct fmt_spec *spec)
{
    switch (*p) {
    case 'h':
        if (p[1] == 'h') {
            spec->len = FMT_CHAR;
            return p + 2;
        }
        spec->len = FMT_SHORT;
        return p + 1;
    case 'l':
        if (p[1] == 'l') {
            spec->len = FMT_LLONG;
            return p + 2;
        }
        spec->len = FMT_LONG;
        return p + 1;
    case 'z': spec->len = FMT_SIZE; return p + 1;
    case 'j': spec->len = FMT_MAX; return p + 1;
    case 't': spec->len = FMT_PTRDIFF; return p + 1;
    default: return p;
    }
}

/* Fetches a signed integer argument of the spec's length. */
static long long fmt_arg_signed(const struct fmt_spec *spec, va_list *ap)
{
    switch (spec->len) {
    case FMT_CHAR: return (signed char)va_arg(*ap, int);
    case FMT_SHORT: return (short)va_arg(*ap, int);
    case FMT_LONG: return va_arg(*ap, long);
    case FMT_LLONG: return va_arg(*ap, long long);
    case FMT_SIZE: return va_arg(*ap, long); /* the signed type of size_t's width */
    case FMT_MAX: return va_arg(*ap, intmax_t);
    case FMT_PTRDIFF: return va_arg(*ap, ptrdiff_t);
    default: return va_arg(*ap, int);
    }
}

/* Fetches an unsigned integer argument of the spec's length. */
static unsigned long long fmt_arg_unsigned(const struct fmt_spec *spec, va_list *ap)
{
    switch (spec->len) {
    case FMT_CHAR: return (unsigned char)va_arg(*ap, unsigned);
    case FMT_SHORT: return (unsigned short)va_arg(*ap, unsigned);
    case FMT_LONG: return va_arg(*ap, unsigned long);
    case FMT_LLONG: return va_arg(*ap, unsigned long long);
    case FMT_SIZE: return va_arg(*ap, size_t);
    case FMT_MAX: return va_arg(*ap, uintmax_t);
    case FMT_PTRDIFF: return (unsigned long long)va_arg(*ap, ptrdiff_t);
    default: return va_arg(*ap, unsigned);
    }
}

/* Writes the digits of v in base, least significant first; returns how many. */
static int fmt_digits(char *out, unsigned long long v, unsigned base, bool upper)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0;

    do {
        out[n++] = set[v % base];
        v /= base;
    } while (v != 0);
    return n;
}

/* Builds the sign and radix prefix of an integer conversion; returns its length. */
static int fmt_prefix(char *out, const struct fmt_spec *spec, unsigned long long mag, bool neg)
{
    int n = 0;
    bool is_signed = spec->conv == 'd' || spec->conv == 'i';

    if (neg)
        out[n++] = '-';
    else if (is_signed && (spec->flags & FMT_PLUS))
        out[n++] = '+';
    else if (is_signed && (spec->flags & FMT_SPACE))
        out[n++] = ' ';
    if (spec->conv == 'p' ||
        ((spec->flags & FMT_ALT) && mag != 0 && (spec->conv == 'x' || spec->conv == 'X'))) {
        out[n++] = '0';
        out[n++] = spec->conv == 'X' ? 'X' : 'x';
    }
    return n;
}

/* Prints an integer of magnitude mag (negative if neg) with padding, precision and prefix. */
static void fmt_integer(struct fmt_out *out, const struct fmt_spec *spec, unsigned long long mag, bool neg,
                        unsigned base)
{
    char digits[24], prefix[4];
    int nd = fmt_digits(digits, mag, base, spec->conv == 'X');
    int np = fmt_prefix(prefix, spec, mag, neg);

    if (spec->prec == 0 && mag == 0)
        nd = 0; /* "%.0d" of 0 prints no digits */
    long zeros = spec->prec > nd ? spec->prec - nd : 0;
    if (base == 8 && (spec->flags & FMT_ALT) && zeros == 0 && (nd == 0 || digits[nd - 1] != '0'))
        zeros = 1; /* '#' makes the first octal digit a 0 */
    long body = np + zeros + nd;
    if ((spec->flags & (FMT_ZERO | FMT_LEFT)) == FMT_ZERO && spec->prec < 0 && spec->width > body) {
        zeros += spec->width - body;
        body = spec->width;
    }
    if (!(spec->flags & FMT_LEFT))
        fmt_pad(out, ' ', spec->width - body);
    for (int i = 0; i < np; i++)
        fmt_put(out, prefix[i]);
    fmt_pad(out, '0', zeros);
    while (nd > 0)
        fmt_put(out, digits[--nd]);
    if (spec->flags & FMT_LEFT)
        fmt_pad(out, ' ', spec->width - body);
}

/* Prints at most prec characters of s (NULL prints "(null)"), padded to the width. */
static void fmt_string(struct fmt_out *out, const struct fmt_spec *spec, const char *s)
{
    long n = 0;

    if (s == NULL)
        s = "(null)";
    while ((spec->prec < 0 || n < spec->prec) && s[n] != '\0')
        n++;
    if (!(spec->flags & FMT_LEFT))
        fmt_pad(out, ' ', spec->width - n);
    for (long i = 0; i < n; i++)
        fmt_put(out, s[i]);
    if (spec->flags & FMT_LEFT)
        fmt_pad(out, ' ', spec->width - n);
}

/* Prints one character padded to the width. */
static void fmt_char(struct fmt_out *out, const struct fmt_spec *spec, char c)
{
    if (!(spec->flags & FMT_LEFT))
        fmt_pad(out, ' ', spec->width - 1);
    fmt_put(out, c);
    if (spec->flags & FMT_LEFT)
        fmt_pad(out, ' ', spec->width - 1);
}

/* Prints a signed decimal conversion (%d, %i). */
static void fmt_signed(struct fmt_out *out, const struct fmt_spec *spec, va_list *ap)
{
    long long v = fmt_arg_signed(spec, ap);
    bool neg = v < 0;
    /* Negate in unsigned arithmetic so LLONG_MIN does not overflow. */
    unsigned long long mag = neg ? 0ull - (unsigned long long)v : (unsigned long long)v;

    fmt_integer(out, spec, mag, neg, 10);
}

/* Carries out one parsed conversion; returns false if the conversion is unknown. */
static bool fmt_convert(struct fmt_out *out, struct fmt_spec *spec, va_list *ap)
{
    switch (spec->conv) {
    case 'd':
    case 'i': fmt_signed(out, spec, ap); return true;
    case 'u': fmt_integer(out, spec, fmt_arg_unsigned(spec, ap), false, 10); return true;
    case 'x':
    case 'X': fmt_integer(out, spec, fmt_arg_unsigned(spec, ap), false, 16); return true;
    case 'o': fmt_integer(out, spec, fmt_arg_unsigned(spec, ap), false, 8); return true;
    case 'p': fmt_integer(out, spec, (uintptr_t)va_arg(*ap, void *), false, 16); return true;
    case 's': fmt_string(out, spec, va_arg(*ap, const char *)); return true;
    case 'c': fmt_char(out, spec, (char)va_arg(*ap, int)); return true;
    case '%': fmt_put(out, '%'); return true;
    default: return false;
    }
}

/* Handles the conversion starting at the '%' at p; returns where the format continues. */
static const char *fmt_conversion(struct fmt_out *out, const char *p, va_list *ap)
{
    struct fmt_spec spec = {.flags = 0, .width = 0, .prec = -1, .len = FMT_INT, .conv = 0};
    const char *start = p;

    p = fmt_parse_flags(p + 1, &spec);
    p = fmt_parse_width(p, &spec, ap);
    p = fmt_parse_prec(p, &spec, ap);
    p = fmt_parse_length(p, &spec);
    spec.conv = *p;
    if (fmt_convert(out, &spec, ap))
        return p + 1;
    /* Unknown (or cut-off) conversion: print its text as it stands. */
    if (*p != '\0')
        p++;
    for (; start < p; start++)
        fmt_put(out, *start);
    return p;
}

/* Formats fmt with the arguments in ap into putc; returns the number of characters emitted. */
int fmt_vformat(fmt_putc_fn putc, void *ctx, const char *fmt, va_list ap)
{
    struct fmt_out out = {.emit = putc, .ctx = ctx, .count = 0};
    va_list args;

    /* A copy we can hand around by pointer (va_list may be an array type). */
    va_copy(args, ap);
    while (*fmt != '\0') {
        if (*fmt == '%')
            fmt = fmt_conversion(&out, fmt, &args);
        else
            fmt_put(&out, *fmt++);
    }
    va_end(args);
    return out.count > FMT_INT_MAX ? FMT_INT_MAX : (int)out.count;
}

/* Stores a character if there is room for it and a terminating NUL. */
static void fmt_buf_putc(void *ctx, char c)
{
    struct fmt_buf *b = ctx;

    if (b->pos + 1 < b->size)
        b->buf[b->pos] = c;
    b->pos++;
}

/* Formats into buf with C99 vsnprintf semantics. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct fmt_buf b = {.buf = buf, .size = size, .pos = 0};
    int n = fmt_vformat(fmt_buf_putc, &b, fmt, ap);

    if (size > 0)
        buf[b.pos < size ? b.pos : size - 1] = '\0';
    return n;
}

/* Formats into buf with C99 snprintf semantics. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
