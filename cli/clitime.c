/*
 * clitime.c - printing a database's times and reading --since/--until.
 */
#include "clitime.h"
#include "cli.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pilotingest.h"
#include "pilotsim.h"

/* Floor division and modulo, for times before the epoch or start. */
static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static const char *virtual_text(int64_t ms, int with_ms, char *buf)
{
    int64_t s = floor_div(ms, 1000), frac = ms - s * 1000;
    int64_t d = floor_div(s, 86400), rest = s - d * 86400;
    int n = snprintf(buf, CLI_TIME_MAX, "%lldd %02d:%02d:%02d", (long long)d,
                     (int)(rest / 3600), (int)(rest / 60 % 60), (int)(rest % 60));

    if (with_ms && n > 0 && n < CLI_TIME_MAX)
        snprintf(buf + n, (size_t)(CLI_TIME_MAX - n), ".%03d", (int)frac);
    return buf;
}

const char *cli_time_text(int64_t ms, pilotdb_clock_type kind, enum cli_time_style style,
                          char *buf)
{
    int64_t s = floor_div(ms, 1000);
    time_t t = (time_t)s;
    struct tm tm;
    size_t n;

    if (ms == PILOTDB_NO_TIME)
        return strcpy(buf, "-");
    if (kind == PILOTDB_CLOCK_SIM)
        return virtual_text(ms, style == CLI_TIME_JSON, buf);
    if (style == CLI_TIME_LOCAL) {
        long off, h, m;

        if (!localtime_r(&t, &tm) || strftime(buf, CLI_TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
            return virtual_text(ms, 0, buf);
        off = tm.tm_gmtoff;
        if (off == 0)
            return strcat(buf, "Z");
        h = (off < 0 ? -off : off) / 3600;
        m = (off < 0 ? -off : off) / 60 % 60;
        n = strlen(buf);
        snprintf(buf + n, CLI_TIME_MAX - n, "%c%02ld:%02ld", off < 0 ? '-' : '+', h, m);
        return buf;
    }
    if (style == CLI_TIME_JSON) { /* the one text of every *_at */
        char utc[PILOTDB_TIME_UTC_MAX];
        return pilotdb_time_utc(ms, utc)[0] ? strcpy(buf, utc) : virtual_text(ms, 0, buf);
    }
    if (!gmtime_r(&t, &tm) || strftime(buf, CLI_TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        return virtual_text(ms, 0, buf);
    return strcat(buf, "Z");
}

const char *cli_span_text(int64_t ms, char *buf)
{
    int64_t s = ms < 0 ? 0 : ms / 1000;

    if (s >= 86400)
        return virtual_text(s * 1000, 0, buf);
    snprintf(buf, CLI_TIME_MAX, "%d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60),
             (int)(s % 60));
    return buf;
}

/* A decimal number of seconds ("1796119200", "90.5") in ms. */
static int seconds_ms(const char *text, int64_t *out)
{
    char *end = NULL;
    double v;

    if (!isdigit((unsigned char)text[0]))
        return -1;
    v = strtod(text, &end);
    if (*end != '\0' || !(v >= 0 && v < 1e12))
        return -1;
    *out = (int64_t)(v * 1000.0 + 0.5);
    return 0;
}

int cli_parse_time(const char *what, const char *text, pilotdb_clock_type kind,
                   int64_t now, int64_t *out)
{
    char why[96], date[40];
    const char *iso = text;
    int64_t v;

    *out = 0;
    if (kind == PILOTDB_CLOCK_SIM) {
        if (sim_parse_duration(text, &v) == 0 || seconds_ms(text, &v) == 0) {
            *out = v;
            return 0;
        }
        cli_error("%s: '%s' is not a time of this simulated database (a duration from its"
                  " start such as 90m or 2h, or seconds)", what, text);
        return -1;
    }
    if (seconds_ms(text, &v) == 0 && strchr(text, '-') == NULL) {
        *out = v;
        return 0;
    }
    if (sim_parse_duration(text, &v) == 0) {
        *out = now - v;
        return 0;
    }
    if (strlen(text) == 10 && text[4] == '-' && text[7] == '-') {
        snprintf(date, sizeof date, "%sT00:00:00Z", text);
        iso = date;
    }
    if (pilotingest_parse_iso8601(iso, &v, why, sizeof why) == PILOTINGEST_OK) {
        *out = v;
        return 0;
    }
    cli_error("%s: '%s' is not a time (an ISO 8601 time with a zone such as"
              " 2026-12-01T10:00:00Z, a date 2026-12-01, seconds since the epoch, or a"
              " duration before now such as 2h)", what, text);
    return -1;
}

int cli_time_note(pilotdb *db, char *buf, size_t size)
{
    static const char *const what[3] = {"observed times", "an unknown submission",
                                        "an unknown start"};
    pilotdb_time_counts c;
    int64_t count[3];
    size_t n = 0;
    int first = 1;

    buf[0] = '\0';
    if (pilotdb_time_counts_get(db, &c) != PILOTDB_OK)
        return -1;
    count[0] = c.observed;
    count[1] = c.submitted_unknown;
    count[2] = c.started_unknown;
    for (int i = 0; i < 3 && n < size; i++) {
        if (!count[i])
            continue;
        n += (size_t)snprintf(buf + n, size - n, "%s%lld%s with %s", first ? "" : ", ",
                              (long long)count[i],
                              !first ? "" : count[i] == 1 ? " pilot" : " pilots", what[i]);
        first = 0;
    }
    return 0;
}
