/*
 * text.c - checks of untrusted text (names, references, reasons) and the
 * quoting of input in messages: whatever comes from outside may reach a
 * terminal, so no control character (C0, DEL, C1) and no invalid UTF-8
 * passes, neither in an observation nor in a message.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The multi-byte forms of UTF-8: lead byte range, length, the lead's
 * payload bits and the smallest code point the form may carry (anything
 * smaller is an overlong encoding). */
static const struct utf8_form {
    unsigned char lead_min, lead_max, len, lead_bits;
    unsigned smallest;
} utf8_forms[] = {
    {0xc2, 0xdf, 2, 0x1f, 0x80},
    {0xe0, 0xef, 3, 0x0f, 0x800},
    {0xf0, 0xf4, 4, 0x07, 0x10000},
};

/* Length of the valid UTF-8 sequence at s (n bytes left) and its code
 * point, or 0: no surrogates, nothing past U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp_out)
{
    const struct utf8_form *form = NULL;
    unsigned cp;

    *cp_out = s[0];
    if (s[0] < 0x80)
        return 1;
    for (size_t f = 0; f < sizeof utf8_forms / sizeof utf8_forms[0]; f++) {
        if (s[0] >= utf8_forms[f].lead_min && s[0] <= utf8_forms[f].lead_max)
            form = &utf8_forms[f];
    }
    if (!form || form->len > n)
        return 0;
    cp = s[0] & form->lead_bits;
    for (size_t k = 1; k < form->len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3fu);
    }
    if (cp < form->smallest || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    *cp_out = cp;
    return form->len;
}

/* C0, DEL and C1 (U+0080..U+009F, which some terminals read as escapes). */
static int is_control(unsigned cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

const char *pilotingest__check_text(const char *s, size_t n, int is_name, char *why,
                                    size_t why_size)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i, len;
    unsigned cp;

    if (is_name && n == 0) {
        snprintf(why, why_size, "is empty");
        return why;
    }
    if (is_name && n > PILOTINGEST_NAME_MAX) {
        snprintf(why, why_size, "is %zu bytes long; the limit is %d", n, PILOTINGEST_NAME_MAX);
        return why;
    }
    for (i = 0; i < n; i += len) {
        len = utf8_seq(u + i, n - i, &cp);
        if (len == 0) {
            snprintf(why, why_size, "is not valid UTF-8 at byte %zu", i + 1);
            return why;
        }
        if (is_control(cp)) {
            snprintf(why, why_size, "has a control character at byte %zu", i + 1);
            return why;
        }
    }
    return NULL;
}

/* Append s[0, n) to dst (size dst_size, holding *used bytes) escaped;
 * stops before a sequence that would not fit. */
static void escape_into(char *dst, size_t dst_size, size_t *used, const char *s, size_t n,
                        int quotes)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, len;
    unsigned cp;

    while (i < n) {
        char piece[8];
        size_t plen;

        len = utf8_seq(u + i, n - i, &cp);
        if (len == 0 || is_control(cp) || (quotes && (cp == '"' || cp == '\\'))) {
            if (len > 1) /* a C1 control: escape each of its bytes */
                len = 1;
            if (len == 1 && quotes && (cp == '"' || cp == '\\'))
                plen = (size_t)snprintf(piece, sizeof piece, "\\%c", (char)cp);
            else
                plen = (size_t)snprintf(piece, sizeof piece, "\\x%02x", u[i]);
            len = 1;
        } else {
            memcpy(piece, s + i, len);
            plen = len;
        }
        if (*used + plen + 1 > dst_size)
            break;
        memcpy(dst + *used, piece, plen);
        *used += plen;
        i += len;
    }
    dst[*used] = '\0';
}

void pilotingest__quote(char *dst, size_t dst_size, const char *s, size_t n)
{
    size_t used = 0, shown = n > 40 ? 40 : n;

    if (dst_size < 8) {
        if (dst_size)
            dst[0] = '\0';
        return;
    }
    dst[used++] = '"';
    escape_into(dst, dst_size - 5, &used, s, shown, 1);
    dst[used++] = '"';
    if (shown < n) {
        memcpy(dst + used, "...", 3);
        used += 3;
    }
    dst[used] = '\0';
}

pilotingest_rc pilotingest__fail(pilotingest_reader *r, pilotingest_rc rc, long line, long col,
                                 const char *fmt, ...)
{
    char raw[PILOTINGEST__ERR_MAX];
    size_t used = 0;
    int n;
    va_list ap;

    if (col > 0)
        n = snprintf(raw, sizeof raw, "%s:%ld:%ld: ", r->filename, line, col);
    else
        n = snprintf(raw, sizeof raw, "%s:%ld: ", r->filename, line);
    if (n < 0)
        n = 0;
    if ((size_t)n < sizeof raw) {
        va_start(ap, fmt);
        vsnprintf(raw + n, sizeof raw - (size_t)n, fmt, ap);
        va_end(ap);
    }
    escape_into(r->errmsg, sizeof r->errmsg, &used, raw, strlen(raw), 0);
    return rc;
}
