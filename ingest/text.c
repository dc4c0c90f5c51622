/*
 * text.c - checks of untrusted text (names, references, reasons) and the
 * quoting of input in messages: whatever comes from outside may reach a
 * terminal, so no control character (C0, DEL, C1) and no invalid UTF-8
 * passes, neither in an observation nor in a message.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *pilotingest__check_text(const char *s, size_t n, int is_name, char *why,
                                    size_t why_size)
{
    size_t at;
    int control = 0;

    if (is_name && n == 0) {
        snprintf(why, why_size, "is empty");
        return why;
    }
    if (is_name && n > PILOTINGEST_NAME_MAX) {
        snprintf(why, why_size, "is %zu bytes long; the limit is %d", n, PILOTINGEST_NAME_MAX);
        return why;
    }
    if ((at = pilotdb_text_fault(s, n, &control)) != 0) {
        snprintf(why, why_size, control ? "has a control character at byte %zu"
                 : "is not valid UTF-8 at byte %zu", at);
        return why;
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
    unsigned cp = 0;

    while (i < n) {
        char piece[8];
        size_t plen;

        len = pilotdb_utf8_char(u + i, n - i, &cp);
        if (len == 0 || pilotdb_is_control(cp) || (quotes && (cp == '"' || cp == '\\'))) {
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
