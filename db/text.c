/*
 * text.c - the one rule for text that may reach a terminal (CE names,
 * pilot references, sites, reasons): well-formed UTF-8 without control
 * characters.  The database enforces it; the scenario parser, the ingest
 * readers and the command's escaper use the same functions, so that what
 * one part takes, every other part takes too.  And the one rule for a
 * field of the CSV files pilotdeck writes, for the same reason.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

size_t pilotdb_utf8_char(const unsigned char *s, size_t n, unsigned *cp)
{
    size_t len;

    if (n == 0)
        return 0;
    len = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
          : s[0] >= 0xe0 && s[0] <= 0xef ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    *cp = len == 1 ? s[0] : s[0] & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        *cp = *cp << 6 | (s[i] & 0x3fu);
    }
    /* overlong forms, surrogates, past U+10FFFF (Unicode table 3-7) */
    if ((len == 3 && *cp < 0x800) || (len == 4 && (*cp < 0x10000 || *cp > 0x10ffff)) ||
        (*cp >= 0xd800 && *cp <= 0xdfff))
        return 0;
    return len;
}

int pilotdb_is_control(unsigned cp)
{
    /* C0, DEL and C1 (U+0080..U+009F: some terminals read them as
     * escapes, U+009B as CSI) */
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

size_t pilotdb_text_fault(const char *text, size_t n, int *is_control)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, len;
    unsigned cp;

    for (;;) {
        /* printable ASCII, the usual case, a byte at a time without decoding */
        while (i < n && s[i] >= 0x20 && s[i] < 0x7f)
            i++;
        if (i == n)
            return 0;
        len = pilotdb_utf8_char(s + i, n - i, &cp);
        if (len == 0 || pilotdb_is_control(cp)) {
            *is_control = len != 0;
            return i + 1;
        }
        i += len;
    }
}

int pilotdb_csv_put(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n"))
        return fputs(s, out) < 0 ? EOF : 0;
    if (putc('"', out) == EOF)
        return EOF;
    /* each quote is written twice: the text up to it, with it, then another */
    for (const char *quote; (quote = strchr(s, '"')) != NULL; s = quote + 1) {
        if (fwrite(s, 1, (size_t)(quote - s + 1), out) != (size_t)(quote - s + 1) ||
            putc('"', out) == EOF)
            return EOF;
    }
    if (fputs(s, out) < 0 || putc('"', out) == EOF)
        return EOF;
    return 0;
}

char *pilotdb_time_utc(int64_t ms, char *buf)
{
    int64_t s = ms / 1000 - (ms % 1000 < 0); /* floor, for times before 1970 */
    time_t t = (time_t)s;
    struct tm tm;
    size_t n;

    buf[0] = '\0';
    if (!gmtime_r(&t, &tm) ||
        (n = strftime(buf, PILOTDB_TIME_UTC_MAX, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
        buf[0] = '\0';
        return buf;
    }
    snprintf(buf + n, PILOTDB_TIME_UTC_MAX - n, ".%03dZ", (int)(ms - s * 1000));
    return buf;
}
