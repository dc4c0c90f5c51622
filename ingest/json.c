/*
 * json.c - JSON records (jsonl lines, condor ads): one object checked to be
 * well-formed JSON (RFC 8259) by a parser of our own that builds values only
 * for the top-level members the reader asked for and skips the others fast,
 * and the reading of those members with the checks and messages every
 * reader of JSON shares.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "internal.h"

/* Nesting deeper than this is refused (the top-level object is 1). */
#define JSON_DEPTH_MAX 512

/* The keys by first byte and length, so a member not wanted costs little. */
struct pilotingest__jindex {
    uint64_t lengths[256]; /* bit n % 64: a key with this first byte has length n */
    short first[256];      /* the first key with this first byte, or -1 */
    short *next;           /* the next key with the same first byte, or -1 */
    size_t *len;
};

typedef struct parser {
    const unsigned char *s;
    size_t n, i;
    pilotingest__json *j;
    char *why;
    size_t why_size;
    size_t where;
    int nomem;
    long lines;        /* newlines passed (all are blanks between tokens) */
    size_t line_start; /* the offset just after the last of them */
} parser;

/* Byte classes of string contents: 0 plain ASCII, 1 '"', 2 '\\', 3 a control
 * character, 4 a byte of a multibyte UTF-8 sequence. */
static const unsigned char string_class[256] = {
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

static int fail(parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Refuse the record: why, at byte at; -1. */
static int fail(parser *p, size_t at, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(p->why, p->why_size, fmt, ap);
    va_end(ap);
    p->where = at > p->n ? p->n : at;
    return -1;
}

static int eof(parser *p)
{
    return fail(p, p->n, "malformed JSON: premature EOF");
}

/* Copy s[0, n) and a NUL into the arena; its offset, or -1. */
static long arena_add(pilotingest__json *j, const void *s, size_t n)
{
    size_t off = j->arena_len;

    if (j->arena_len + n + 1 > j->arena_cap) {
        size_t cap = j->arena_cap ? j->arena_cap : 4096;
        char *bigger;
        while (cap < j->arena_len + n + 1)
            cap *= 2;
        bigger = realloc(j->arena, cap);
        if (!bigger)
            return -1;
        j->arena = bigger;
        j->arena_cap = cap;
    }
    if (s && n)
        memcpy(j->arena + off, s, n);
    j->arena[off + n] = '\0';
    j->arena_len += n + 1;
    return (long)off;
}

/* Move past blanks, counting the newlines among them. */
static void skip_blank_run(parser *p)
{
    const unsigned char *s = p->s;
    size_t i = p->i, n = p->n;

    for (; i < n; i++) {
        unsigned char c = s[i];
        if (c == ' ')
            continue;
        if (c == '\n') {
            p->lines++;
            p->line_start = i + 1;
        } else if (c != '\t' && c != '\r') {
            break;
        }
    }
    p->i = i;
}

static inline void skip_blanks(parser *p)
{
    const unsigned char *s = p->s;
    size_t i = p->i, n = p->n;

    /* every blank is at most ' ', no token starts so low */
    if (i >= n || s[i] > ' ')
        return;
    if (s[i] == ' ' && i + 1 < n && s[i + 1] > ' ') {
        p->i = i + 1; /* the one space after a colon */
        return;
    }
    if (s[i] == '\n') { /* a line's end and its indentation */
        p->lines++;
        p->line_start = ++i;
        while (i < n && s[i] == ' ')
            i++;
        p->i = i;
        if (i < n && s[i] > ' ')
            return;
    }
    skip_blank_run(p);
}

/* Whether c may start a JSON token (else it is an invalid character). */
static int token_byte(unsigned char c)
{
    return strchr("{}[],:\"-0123456789tfn", c) != NULL && c != '\0';
}

/* A byte no token starts with. */
static int bad_byte(parser *p)
{
    if (p->s[p->i] == '/')
        return fail(p, p->i,
                    "malformed JSON: probable comment found in input text, comments are not "
                    "enabled");
    return fail(p, p->i, "malformed JSON: invalid char in json text");
}

/* The length of the valid UTF-8 sequence at s[0, n), or 0. */
static size_t utf8_length(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
    }
    return len;
}

/* The four hex digits at s into *out: -1, else the index of the first
 * byte that is no hex digit. */
static int hex4(const unsigned char *s, unsigned *out)
{
    unsigned v = 0;

    for (int k = 0; k < 4; k++) {
        unsigned char c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            v |= (unsigned)((c | 0x20) - 'a' + 10);
        else
            return k;
    }
    *out = v;
    return -1;
}

/* The escape at s[i] (its backslash) checked: its length, its code point in
 * *cp (a byte for the one-letter escapes), or -1 (refused in p). */
static long escape(parser *p, size_t i, unsigned *cp)
{
    const unsigned char *s = p->s;
    unsigned lo;
    int bad;

    if (i + 1 >= p->n)
        return eof(p);
    switch (s[i + 1]) {
    case '"': *cp = '"'; return 2;
    case '\\': *cp = '\\'; return 2;
    case '/': *cp = '/'; return 2;
    case 'b': *cp = '\b'; return 2;
    case 'f': *cp = '\f'; return 2;
    case 'n': *cp = '\n'; return 2;
    case 'r': *cp = '\r'; return 2;
    case 't': *cp = '\t'; return 2;
    case 'u': break;
    default:
        return fail(p, i + 1,
                    "malformed JSON: inside a string, '\\' occurs before a character which it "
                    "may not");
    }
    if (i + 6 > p->n)
        return eof(p);
    bad = hex4(s + i + 2, cp);
    if (bad >= 0)
        return fail(p, i + 2 + (size_t)bad,
                    "malformed JSON: invalid (non-hex) character occurs after '\\u' inside "
                    "string");
    if (*cp < 0xd800 || *cp > 0xdfff)
        return 6;
    if (*cp >= 0xdc00 || i + 12 > p->n || s[i + 6] != '\\' || s[i + 7] != 'u' ||
        hex4(s + i + 8, &lo) >= 0 || lo < 0xdc00 || lo > 0xdfff)
        return fail(p, i,
                    "malformed JSON: \\u%04X inside a string is half of a UTF-16 surrogate "
                    "pair",
                    *cp);
    *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
    return 12;
}

/* The first byte from i on in s[0, n) that is no plain string content
 * (a '"', a '\\', a control character or a byte of a multibyte sequence),
 * or n. */
static inline size_t plain_run(const unsigned char *s, size_t i, size_t n)
{
#if defined(__SSE2__)
    /* sixteen bytes at a time; compared as signed, a byte of 0x80 or more
     * is below ' ' too */
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(' ');

    while (i + 16 <= n) {
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, quote),
                                                 _mm_cmpeq_epi8(w, backslash)),
                                    _mm_cmplt_epi8(w, space));
        unsigned m = (unsigned)_mm_movemask_epi8(stop);
        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
#else
    /* eight bytes at a time: a byte's high bit is set in m when it is no
     * plain ASCII, and the lowest one set is exact (a borrow only carries
     * upwards from a true match) */
    while (i + 8 <= n) {
        const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
        uint64_t w, q, b, m;
        memcpy(&w, s + i, 8);
        q = w ^ (ones * '"');
        b = w ^ (ones * '\\');
        m = (w | ((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w)) & highs;
        if (m != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            i += (size_t)__builtin_ctzll(m) >> 3;
#endif
            break;
        }
        i += 8;
    }
#endif
    while (i < n && string_class[s[i]] == 0)
        i++;
    return i;
}

/* Whether s[0, n) is printable ASCII (' ' to '~') only: text that no check
 * of untrusted text refuses. */
static int printable_ascii(const unsigned char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    size_t i = 0;

    /* a high bit is set when a byte is below ' ' (a borrow starts only
     * there) or above '~' (a carry starts only at 0xff, itself set) */
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (((w - ones * 0x20) | (w + ones) | w) & highs)
            return 0;
    }
    for (; i < n; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e)
            return 0;
    }
    return 1;
}

/* Check the string whose opening quote is at p->i and move past it; *esc
 * is set when it holds an escape.  0, or -1. */
static int scan_string(parser *p, int *esc)
{
    const unsigned char *s = p->s;
    size_t i = p->i + 1, n = p->n;
    unsigned cp;

    *esc = 0;
    for (;;) {
        i = plain_run(s, i, n);
        if (i >= n)
            return eof(p);
        switch (string_class[s[i]]) {
        case 0:
            break;
        case 1:
            p->i = i + 1;
            return 0;
        case 2: {
            long len = escape(p, i, &cp);
            if (len < 0)
                return -1;
            *esc = 1;
            i += (size_t)len;
            break;
        }
        case 3:
            return fail(p, i, "malformed JSON: invalid character inside string");
        default: {
            size_t len = utf8_length(s + i, n - i);
            if (len == 0)
                return fail(p, i, "malformed JSON: invalid bytes in UTF8 string");
            i += len;
            break;
        }
        }
    }
}

/* The checked string s[from, to) (without its quotes) into the arena with
 * its escapes decoded; its offset and length, or -1. */
static long decode_string(parser *p, size_t from, size_t to, size_t *len)
{
    pilotingest__json *j = p->j;
    long off = arena_add(j, NULL, to - from); /* decoded is never longer */
    char *out;
    size_t o = 0;

    if (off < 0)
        return -1;
    out = j->arena + off;
    for (size_t i = from; i < to;) {
        unsigned cp = 0;
        long n;
        if (p->s[i] != '\\') {
            out[o++] = (char)p->s[i++];
            continue;
        }
        n = escape(p, i, &cp);
        if (n < 0)
            break; /* never: the string was checked */
        i += (size_t)n;
        if (cp < 0x80) {
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            out[o++] = (char)(0xc0 | (cp >> 6));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out[o++] = (char)(0xe0 | (cp >> 12));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        } else {
            out[o++] = (char)(0xf0 | (cp >> 18));
            out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    out[o] = '\0';
    j->arena_len = (size_t)off + o + 1;
    *len = o;
    return off;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* The digits at *i, at least one as the number's part after what, moved
 * past: 0, or -1. */
static int digit_run(parser *p, size_t *i, const char *after)
{
    if (*i >= p->n)
        return eof(p);
    if (!is_digit(p->s[*i]))
        return fail(p, *i, "malformed JSON: malformed number, a digit is required after the %s",
                    after);
    while (*i < p->n && is_digit(p->s[*i]))
        (*i)++;
    return 0;
}

/* Whether c may follow a value inside an object or an array. */
static int ends_value(unsigned char c)
{
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* The number at p->i: checked, moved past, and its value in v when v is
 * not NULL (when what follows it is no token it is left for the caller's
 * message).  Integers out of the range of a long long and reals out of that
 * of a double are refused, wanted or not. */
static int number(parser *p, pilotingest__jvalue *v)
{
    const unsigned char *s = p->s;
    size_t start = p->i, i = p->i, n = p->n, digits;
    int real = 0, big_exp = 0;

    if (s[i] == '-') {
        i++;
        if (i >= n)
            return eof(p);
        if (!is_digit(s[i]))
            return fail(p, i,
                        "malformed JSON: malformed number, a digit is required after the "
                        "minus sign");
    }
    digits = i;
    if (s[i] == '0') {
        i++;
        if (i < n && is_digit(s[i]))
            return fail(p, i, "malformed JSON: malformed number, a digit follows a leading zero");
    } else {
        while (i < n && is_digit(s[i]))
            i++;
    }
    digits = i - digits;
    if (i < n && s[i] == '.') {
        real = 1;
        i++;
        if (digit_run(p, &i, "decimal point") != 0)
            return -1;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        real = 1;
        big_exp = 1;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (digit_run(p, &i, "exponent") != 0)
            return -1;
    }
    if (i >= n)
        return eof(p);
    p->i = i;
    if (!ends_value(s[i]))
        return 0; /* the caller says what is wrong after it */
    /* these are reported just before the number, where they always were */
    if (!real) {
        long long value = 0;
        if (!v && digits < 19)
            return 0;
        if (digits < 19) { /* cannot overflow */
            for (size_t k = start + (s[start] == '-'); k < i; k++)
                value = value * 10 + (s[k] - '0');
            v->type = PILOTINGEST__JINTEGER;
            v->number = (double)(s[start] == '-' ? -value : value);
            return 0;
        }
        for (size_t k = start + (s[start] == '-'); k < i; k++) {
            int d = s[k] - '0';
            if (value > LLONG_MAX / 10 || LLONG_MAX - value * 10 < d)
                return fail(p, start ? start - 1 : 0, "malformed JSON: integer overflow");
            value = value * 10 + d;
        }
        if (v) {
            v->type = PILOTINGEST__JINTEGER;
            v->number = (double)(s[start] == '-' ? -value : value);
        }
    } else if (v || big_exp || digits > 300) {
        /* s[i] ends the number for strtod as well: it reads no further */
        double d;
        errno = 0;
        d = strtod((const char *)s + start, NULL);
        if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)
            return fail(p, start ? start - 1 : 0,
                        "malformed JSON: numeric (floating point) overflow");
        if (v) {
            v->type = PILOTINGEST__JREAL;
            v->number = d;
        }
    }
    return 0;
}

/* The word true, false or null at p->i: checked, moved past, into v. */
static int literal(parser *p, pilotingest__jvalue *v)
{
    static const struct {
        const char *word;
        size_t len;
        pilotingest__jtype type;
    } words[] = {{"true", 4, PILOTINGEST__JTRUE},
                 {"false", 5, PILOTINGEST__JFALSE},
                 {"null", 4, PILOTINGEST__JNULL}};
    int w = p->s[p->i] == 't' ? 0 : p->s[p->i] == 'f' ? 1 : 2;
    size_t left = p->n - p->i;

    if (left < words[w].len) {
        if (memcmp(p->s + p->i, words[w].word, left) == 0)
            return eof(p);
    } else if (memcmp(p->s + p->i, words[w].word, words[w].len) == 0) {
        p->i += words[w].len;
        if (v)
            v->type = words[w].type;
        return 0;
    }
    return fail(p, p->i, "malformed JSON: invalid literal (expected true, false or null)");
}

/* After ',' or '{' inside an object: the key, blanks and ':' checked and
 * moved past, and the blanks after it.  0, or -1. */
static int member_key(parser *p, size_t *from, size_t *to, int *esc)
{
    if (p->i >= p->n)
        return eof(p);
    if (p->s[p->i] != '"') {
        if (!token_byte(p->s[p->i]))
            return bad_byte(p);
        return fail(p, p->i, "malformed JSON: invalid object key (must be a string)");
    }
    *from = p->i + 1;
    if (scan_string(p, esc) != 0)
        return -1;
    *to = p->i - 1;
    skip_blanks(p);
    if (p->i >= p->n)
        return eof(p);
    if (p->s[p->i] != ':')
        return token_byte(p->s[p->i])
                   ? fail(p, p->i,
                          "malformed JSON: object key and value must be separated by a colon "
                          "(':')")
                   : bad_byte(p);
    p->i++;
    skip_blanks(p);
    return 0;
}

/* What follows a value inside the object or array closed by close. */
static int after_value(parser *p, unsigned char close)
{
    if (p->i >= p->n)
        return eof(p);
    if (!token_byte(p->s[p->i]))
        return bad_byte(p);
    return fail(p, p->i,
                close == '}' ? "malformed JSON: after key and value, inside map, I expect ',' "
                               "or '}'"
                             : "malformed JSON: after array element, I expect ',' or ']'");
}

/* The value at p->i (not a blank) checked and moved past without keeping
 * anything; depth is that of the object or array holding it. */
static int skip_value(parser *p, int depth)
{
    unsigned char open[JSON_DEPTH_MAX]; /* '{' or '[' of each level inside */
    int d = 0, esc;
    size_t from, to;

    for (;;) {
        if (p->i >= p->n)
            return eof(p);
        switch (p->s[p->i]) {
        case '{':
        case '[':
            if (depth + d + 1 > JSON_DEPTH_MAX)
                return fail(p, p->i, "malformed JSON: nested more than %d deep",
                            JSON_DEPTH_MAX);
            open[d++] = p->s[p->i++];
            skip_blanks(p);
            if (p->i < p->n && p->s[p->i] == (open[d - 1] == '{' ? '}' : ']')) {
                p->i++;
                d--;
                break;
            }
            if (open[d - 1] == '{' && member_key(p, &from, &to, &esc) != 0)
                return -1;
            continue; /* a value comes next */
        case '"':
            if (scan_string(p, &esc) != 0)
                return -1;
            break;
        case 't':
        case 'f':
        case 'n':
            if (literal(p, NULL) != 0)
                return -1;
            break;
        case '-':
        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
            if (number(p, NULL) != 0)
                return -1;
            break;
        default:
            if (!token_byte(p->s[p->i]))
                return bad_byte(p);
            return fail(p, p->i, "malformed JSON: unallowed token at this point in JSON text");
        }
        /* a value ended: what follows it at each level it closes */
        for (;;) {
            unsigned char close;
            if (d == 0)
                return 0;
            close = open[d - 1] == '{' ? '}' : ']';
            skip_blanks(p);
            if (p->i < p->n && p->s[p->i] == close) {
                p->i++;
                d--;
                continue;
            }
            if (p->i >= p->n || p->s[p->i] != ',')
                return after_value(p, close);
            p->i++;
            skip_blanks(p);
            if (close == '}' && member_key(p, &from, &to, &esc) != 0)
                return -1;
            break;
        }
    }
}

/* The wanted member k: its value at p->i kept into j->values[k]. */
static int keep_value(parser *p, size_t k)
{
    pilotingest__jvalue *v = &p->j->values[k];
    unsigned char c;

    if (p->i >= p->n)
        return eof(p);
    c = p->s[p->i];
    if (c == '"') {
        size_t from = p->i + 1, len;
        int esc;
        long off;
        if (scan_string(p, &esc) != 0)
            return -1;
        off = esc ? decode_string(p, from, p->i - 1, &len)
                  : arena_add(p->j, p->s + from, len = p->i - 1 - from);
        if (off < 0) {
            p->nomem = 1;
            return -1;
        }
        v->type = PILOTINGEST__JSTRING;
        v->offset = (size_t)off;
        v->len = len;
        v->printable = !esc && printable_ascii(p->s + from, len);
        return 0;
    }
    if (is_digit(c)) {
        /* the common integer, of fewer than 19 digits: what number() does */
        const unsigned char *s = p->s;
        size_t i = p->i, n = p->n;
        long long value = 0;
        if (c == '0') {
            i++; /* a leading zero is all of its number */
        } else {
            while (i < n && is_digit(s[i]) && i - p->i < 18)
                value = value * 10 + (s[i++] - '0');
        }
        if (i < n && ends_value(s[i])) {
            v->type = PILOTINGEST__JINTEGER;
            v->number = (double)value;
            p->i = i;
            return 0;
        }
    }
    if (c == '-' || is_digit(c))
        return number(p, v);
    if (c == 't' || c == 'f' || c == 'n')
        return literal(p, v);
    if (c == '{')
        v->type = PILOTINGEST__JOBJECT;
    else if (c == '[')
        v->type = PILOTINGEST__JARRAY;
    return skip_value(p, 1);
}

/* The index of the wanted key s[0, n), or -1. */
static inline long find_key(const pilotingest__json *j, const unsigned char *s, size_t n)
{
    const struct pilotingest__jindex *x = j->index;

    if (n == 0 || !(x->lengths[s[0]] & UINT64_C(1) << (n % 64)))
        return -1;
    for (short k = x->first[s[0]]; k >= 0; k = x->next[k]) {
        if (x->len[k] == n && (unsigned char)j->keys[k][n - 1] == s[n - 1] &&
            memcmp(j->keys[k], s, n) == 0)
            return k;
    }
    return -1;
}

/* After a member's opening quote at p->i: the common key, plain ASCII up
 * to its closing quote, then blanks, ':' and blanks, moved past (its
 * bytes s[*from, *to)); anything else through member_key(), which says
 * what is wrong.  0, or -1. */
static int object_key(parser *p, size_t *from, size_t *to, int *esc)
{
    const unsigned char *s = p->s;
    size_t n = p->n, start = p->i, end, line_start = p->line_start;
    long lines = p->lines;

    if (start < n && s[start] == '"') {
        end = plain_run(s, start + 1, n);
        if (end < n && s[end] == '"') {
            p->i = end + 1;
            skip_blanks(p);
            if (p->i < n && s[p->i] == ':') {
                p->i++;
                skip_blanks(p);
                *from = start + 1;
                *to = end;
                *esc = 0;
                return 0;
            }
            p->i = start; /* member_key() says what is wrong */
            p->lines = lines;
            p->line_start = line_start;
        }
    }
    return member_key(p, from, to, esc);
}

/* A member's value not wanted: the common ones (a plain string, an integer
 * of fewer than 19 digits) moved past here, anything else through
 * skip_value(), which checks it all and says what is wrong. */
static int skip_member_value(parser *p)
{
    const unsigned char *s = p->s;
    size_t n = p->n, i = p->i;

    if (i >= n)
        return eof(p);
    switch (s[i]) {
    case '"':
        i = plain_run(s, i + 1, n);
        if (i < n && s[i] == '"') {
            p->i = i + 1;
            return 0;
        }
        break;
    case '0':
        if (i + 1 < n && ends_value(s[i + 1])) {
            p->i = i + 1;
            return 0;
        }
        break;
    case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9': {
        size_t start = i;
        while (i < n && is_digit(s[i]))
            i++;
        /* what number() lets pass without looking further */
        if (i < n && i - start < 19 && s[i] != '.' && s[i] != 'e' && s[i] != 'E') {
            p->i = i;
            return 0;
        }
        break;
    }
    default:
        break;
    }
    return skip_value(p, 1);
}

/* The object at p->i ('{'), with its wanted members kept. */
static int object(parser *p)
{
    pilotingest__json *j = p->j;

    p->i++;
    skip_blanks(p);
    if (p->i < p->n && p->s[p->i] == '}') {
        p->i++;
        return 0;
    }
    for (;;) {
        size_t from, to;
        int esc;
        long k;
        if (object_key(p, &from, &to, &esc) != 0)
            return -1;
        if (!esc) {
            k = find_key(j, p->s + from, to - from);
        } else {
            size_t mark = j->arena_len, len;
            long off = decode_string(p, from, to, &len);
            if (off < 0) {
                p->nomem = 1;
                return -1;
            }
            k = find_key(j, (const unsigned char *)j->arena + off, len);
            j->arena_len = mark;
        }
        if (k >= 0) {
            /* a duplicate would make "which value counts" a guess */
            if (j->values[k].type != PILOTINGEST__JABSENT)
                return fail(p, to, "duplicate field \"%s\"", j->keys[k]);
            if (keep_value(p, (size_t)k) != 0)
                return -1;
        } else if (skip_member_value(p) != 0) {
            return -1;
        }
        skip_blanks(p);
        if (p->i < p->n && p->s[p->i] == '}') {
            p->i++;
            return 0;
        }
        if (p->i >= p->n || p->s[p->i] != ',')
            return after_value(p, '}');
        p->i++;
        skip_blanks(p);
    }
}

/* What the first byte of a JSON value says it is. */
static const char *first_byte_type(char c)
{
    switch (c) {
    case '[': return "an array";
    case '"': return "a string";
    case 't': return "true";
    case 'f': return "false";
    case 'n': return "null";
    default: return (c >= '0' && c <= '9') || c == '-' ? "a number" : NULL;
    }
}

/* Forget the last record's members. */
static void json_clear(pilotingest__json *j)
{
    j->arena_len = 0;
    for (size_t k = 0; k < j->nkeys; k++)
        j->values[k] = (pilotingest__jvalue){0};
}

/* Point the kept strings into the arena, which no longer moves. */
static void json_done(pilotingest__json *j)
{
    for (size_t k = 0; k < j->nkeys; k++) {
        if (j->values[k].type == PILOTINGEST__JSTRING)
            j->values[k].str = j->arena + j->values[k].offset;
    }
}

int pilotingest__json_parse_raw(pilotingest__json *j, const char *data, size_t n, char *why,
                                size_t why_size, size_t *where)
{
    parser p = {.s = (const unsigned char *)data, .n = n, .j = j, .why = why,
                .why_size = why_size};
    int rc;

    json_clear(j);
    *where = 0;
    skip_blanks(&p);
    if (p.i >= n) {
        rc = eof(&p);
    } else if (p.s[p.i] != '{') {
        const char *type = first_byte_type(data[p.i]);
        if (type)
            rc = fail(&p, p.i, "expected a JSON object, found %s", type);
        else
            rc = fail(&p, p.i, "malformed JSON: invalid character");
    } else {
        rc = object(&p);
        if (rc == 0) {
            skip_blanks(&p);
            if (p.i < n)
                rc = fail(&p, p.i, "malformed JSON: trailing garbage");
        }
    }
    if (p.nomem) {
        snprintf(why, why_size, "out of memory");
        return -2;
    }
    if (rc != 0) {
        *where = p.where;
        return -1;
    }
    json_done(j);
    return 0;
}

int pilotingest__json_parse_prefix(pilotingest__json *j, const char *data, size_t n,
                                   size_t *end, long *lines, size_t *line_start)
{
    char why[128];
    parser p = {.s = (const unsigned char *)data, .n = n, .j = j, .why = why,
                .why_size = sizeof why};

    json_clear(j);
    *end = 0;
    *lines = 0;
    *line_start = 0;
    if (n == 0 || data[0] != '{')
        return -1;
    if (object(&p) != 0) {
        /* a token cut by the end: a surrogate pair's escape is 12 bytes
         * long, the rest are shorter */
        return !p.nomem && p.where + 16 >= n ? 1 : -1;
    }
    json_done(j);
    *end = p.i;
    *lines = p.lines;
    *line_start = p.line_start;
    return 0;
}

pilotingest_rc pilotingest__json_parse(pilotingest_reader *r, const char *data, size_t n,
                                       long line, long col)
{
    char why[128];
    size_t where;
    long eline = line, ecol = col;
    int rc = pilotingest__json_parse_raw(&r->json, data, n, why, sizeof why, &where);

    if (rc == 0)
        return PILOTINGEST_OK;
    if (rc == -2)
        return PILOTINGEST_ENOMEM;
    /* the line and column of the byte the parser refused */
    for (size_t i = 0; i < where; i++) {
        if (data[i] == '\n')
            eline++, ecol = 1;
        else
            ecol++; /* columns count bytes, as in CSV records */
    }
    return pilotingest__fail(r, PILOTINGEST_EBAD, eline, ecol, "%s", why);
}

void pilotingest__json_free(pilotingest__json *j)
{
    if (j->index) {
        free(j->index->next);
        free(j->index->len);
    }
    free(j->index);
    free(j->arena);
    free(j->values);
    memset(j, 0, sizeof *j);
}

int pilotingest__json_init(pilotingest__json *j, const char *const *keys, size_t nkeys)
{
    memset(j, 0, sizeof *j);
    j->keys = keys;
    j->nkeys = nkeys;
    j->values = calloc(nkeys ? nkeys : 1, sizeof *j->values);
    j->index = calloc(1, sizeof *j->index);
    if (!j->values || !j->index || nkeys > SHRT_MAX)
        goto fail;
    j->index->next = calloc(nkeys ? nkeys : 1, sizeof *j->index->next);
    j->index->len = calloc(nkeys ? nkeys : 1, sizeof *j->index->len);
    if (!j->index->next || !j->index->len)
        goto fail;
    for (int c = 0; c < 256; c++)
        j->index->first[c] = -1;
    /* backwards, so a chain lists its keys in order */
    for (size_t k = nkeys; k-- > 0;) {
        unsigned char c = (unsigned char)keys[k][0];
        j->index->len[k] = strlen(keys[k]);
        j->index->lengths[c] |= UINT64_C(1) << (j->index->len[k] % 64);
        j->index->next[k] = j->index->first[c];
        j->index->first[c] = (short)k;
    }
    return 0;
fail:
    pilotingest__json_free(j);
    return -1;
}

const char *pilotingest__json_type(const pilotingest__jvalue *v)
{
    switch (v->type) {
    case PILOTINGEST__JOBJECT: return "an object";
    case PILOTINGEST__JARRAY: return "an array";
    case PILOTINGEST__JSTRING: return "a string";
    case PILOTINGEST__JINTEGER: return "an integer";
    case PILOTINGEST__JREAL: return "a real number";
    case PILOTINGEST__JTRUE: return "true";
    case PILOTINGEST__JFALSE: return "false";
    case PILOTINGEST__JNULL: return "null";
    case PILOTINGEST__JABSENT: break;
    }
    return "absent";
}

const pilotingest__jvalue *pilotingest__json_get(const pilotingest_reader *r, size_t k,
                                                 unsigned how)
{
    const pilotingest__jvalue *v = &r->json.values[k];

    if (v->type == PILOTINGEST__JABSENT || v->type == PILOTINGEST__JNULL)
        return NULL;
    if ((how & PILOTINGEST__EXPR) && v->type == PILOTINGEST__JSTRING && v->len >= 8 &&
        strncmp(v->str, "/Expr(", 6) == 0 && strcmp(v->str + v->len - 2, ")/") == 0)
        return NULL;
    return v;
}

static pilotingest_rc missing(pilotingest_reader *r, size_t k, unsigned how, long line)
{
    if (how & PILOTINGEST__REQUIRED)
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "missing field \"%s\"",
                                 r->json.keys[k]);
    return PILOTINGEST_OK;
}

pilotingest_rc pilotingest__json_string(pilotingest_reader *r, size_t k, unsigned how,
                                        long line, const char **out)
{
    const pilotingest__jvalue *v = pilotingest__json_get(r, k, how);
    char why[96];

    *out = NULL;
    if (!v)
        return missing(r, k, how, line);
    if (v->type != PILOTINGEST__JSTRING)
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0,
                                 "field \"%s\" is %s, expected a string", r->json.keys[k],
                                 pilotingest__json_type(v));
    /* printable ASCII passes as free text, and as a name of the right length */
    if ((!v->printable ||
         ((how & PILOTINGEST__NAME) && (v->len == 0 || v->len > PILOTINGEST_NAME_MAX))) &&
        pilotingest__check_text(v->str, v->len, (how & PILOTINGEST__NAME) != 0, why, sizeof why))
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "field \"%s\" %s",
                                 r->json.keys[k], why);
    /* free text may be empty, which is the same as absent */
    *out = v->len ? v->str : NULL;
    return PILOTINGEST_OK;
}

pilotingest_rc pilotingest__json_number(pilotingest_reader *r, size_t k, unsigned how,
                                        long line, int integer, double *out, int *present)
{
    const pilotingest__jvalue *v = pilotingest__json_get(r, k, how);

    *out = 0;
    *present = 0;
    if (!v)
        return missing(r, k, how, line);
    if (v->type != PILOTINGEST__JINTEGER && (integer || v->type != PILOTINGEST__JREAL))
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "field \"%s\" is %s, expected %s",
                                 r->json.keys[k], pilotingest__json_type(v),
                                 integer ? "an integer" : "a number");
    *out = v->number;
    *present = 1;
    return PILOTINGEST_OK;
}

pilotingest_rc pilotingest__json_epoch(pilotingest_reader *r, size_t k, unsigned how, long line,
                                       int64_t *ms, int *present)
{
    double seconds;
    const char *why;
    pilotingest_rc rc;

    *ms = PILOTDB_NO_TIME;
    rc = pilotingest__json_number(r, k, how, line, 0, &seconds, present);
    if (rc != PILOTINGEST_OK || !*present)
        return rc;
    if (pilotingest__epoch_ms(seconds, ms) != 0)
        why = "is not a time";
    else
        why = pilotingest__check_range(r, *ms);
    if (why) {
        *present = 0;
        *ms = PILOTDB_NO_TIME;
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "field \"%s\" %s",
                                 r->json.keys[k], why);
    }
    return PILOTINGEST_OK;
}

pilotingest_rc pilotingest__json_boolean(pilotingest_reader *r, size_t k, unsigned how,
                                         long line, int *out)
{
    const pilotingest__jvalue *v = pilotingest__json_get(r, k, how);

    *out = 0;
    if (!v)
        return missing(r, k, how, line);
    if (v->type != PILOTINGEST__JTRUE && v->type != PILOTINGEST__JFALSE)
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0,
                                 "field \"%s\" is %s, expected true or false", r->json.keys[k],
                                 pilotingest__json_type(v));
    *out = v->type == PILOTINGEST__JTRUE;
    return PILOTINGEST_OK;
}
