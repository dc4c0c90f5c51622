/*
 * time.c - the times of records: ISO 8601 with a zone, DIRAC's UTC
 * "YYYY-MM-DD HH:MM:SS", epoch seconds, and the range every time must be in
 * (1990 to one day after the reader's "now", which tests inject).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MS_PER_DAY INT64_C(86400000)
/* 1990-01-01T00:00:00Z */
#define EARLIEST_MS INT64_C(631152000000)

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* n decimal digits at *s into *v; advances *s. */
static int digits(const char **s, const char *end, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (*s >= end || **s < '0' || **s > '9')
            return -1;
        *v = *v * 10 + (**s - '0');
        (*s)++;
    }
    return 0;
}

/* The date, separator sep, time and fraction at s; *rest after them. */
static int parse_datetime(const char *s, const char *end, char sep, int64_t *ms,
                          const char **rest, char *why, size_t why_size)
{
    int y, mo, d, h, mi, sec, frac_ms = 0, scale = 100;

    if (digits(&s, end, 4, &y) || s >= end || *s++ != '-' || digits(&s, end, 2, &mo) ||
        s >= end || *s++ != '-' || digits(&s, end, 2, &d) || s >= end || *s++ != sep ||
        digits(&s, end, 2, &h) || s >= end || *s++ != ':' || digits(&s, end, 2, &mi) ||
        s >= end || *s++ != ':' || digits(&s, end, 2, &sec)) {
        snprintf(why, why_size, "%s",
                 sep == 'T' ? "is not an ISO 8601 time (YYYY-MM-DDTHH:MM:SS and a zone)"
                            : "is not a time YYYY-MM-DD HH:MM:SS");
        return -1;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        sec > 59) {
        snprintf(why, why_size, "has a field out of range");
        return -1;
    }
    if (s < end && (*s == '.' || *s == ',')) {
        s++;
        if (s >= end || *s < '0' || *s > '9') {
            snprintf(why, why_size, "has no digits after its decimal point");
            return -1;
        }
        for (; s < end && *s >= '0' && *s <= '9'; s++) {
            frac_ms += (*s - '0') * scale; /* truncated to the millisecond */
            scale /= 10;
        }
    }
    *ms = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h) * 60 + mi) * 60000 +
          (int64_t)sec * 1000 + frac_ms;
    *rest = s;
    return 0;
}

pilotingest_rc pilotingest_parse_iso8601(const char *text, int64_t *ms, char *errbuf,
                                         size_t errbuf_size)
{
    const char *s = text, *end = text + strlen(text), *rest;
    int64_t t;
    int zh, zm, sign;

    *ms = 0;
    if (parse_datetime(s, end, 'T', &t, &rest, errbuf, errbuf_size) != 0)
        return PILOTINGEST_EBAD;
    if (rest == end) {
        snprintf(errbuf, errbuf_size, "has no zone (add Z or an offset such as +01:00)");
        return PILOTINGEST_EBAD;
    }
    if (*rest == 'Z' && rest + 1 == end) {
        *ms = t;
        return PILOTINGEST_OK;
    }
    sign = *rest == '+' ? 1 : *rest == '-' ? -1 : 0;
    s = rest + 1;
    if (!sign || digits(&s, end, 2, &zh) || s >= end || *s++ != ':' ||
        digits(&s, end, 2, &zm) || s != end || zh > 23 || zm > 59) {
        snprintf(errbuf, errbuf_size, "has a bad zone (Z or +HH:MM)");
        return PILOTINGEST_EBAD;
    }
    *ms = t - sign * ((int64_t)zh * 60 + zm) * 60000;
    return PILOTINGEST_OK;
}

int pilotingest__parse_utc(const char *s, size_t n, int64_t *ms, char *why, size_t why_size)
{
    const char *rest;

    if (parse_datetime(s, s + n, ' ', ms, &rest, why, why_size) != 0)
        return -1;
    if (rest != s + n) {
        snprintf(why, why_size, "is not a time YYYY-MM-DD HH:MM:SS");
        return -1;
    }
    return 0;
}

int pilotingest__epoch_ms(double seconds, int64_t *ms)
{
    /* far beyond any accepted time, far within int64 milliseconds */
    if (!isfinite(seconds) || seconds < -1e12 || seconds > 1e12)
        return -1;
    *ms = (int64_t)llround(seconds * 1000.0); /* rounded: seconds * 1000 may fall a hair short */
    return 0;
}

const char *pilotingest__check_range(const pilotingest_reader *r, int64_t ms)
{
    if (ms < EARLIEST_MS)
        return "is before 1990";
    if (ms > r->now + MS_PER_DAY)
        return "is more than a day in the future";
    return NULL;
}
