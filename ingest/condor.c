/*
 * condor.c - HTCondor job ads as condor_q / condor_history print them with
 * -json (one array, streamed: each ad is cut out by the JSON scanner and
 * parsed alone, so memory holds one ad, never the array) or -jsonl (one ad
 * a line, the same path).  A glidein or pilot is one job ad.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* JobStatus codes (HTCondor's job-status-codes); 6 Transferring Output and
 * any other code is a bad record. */
static const pilotingest_status_row condor_map[] = {
    {"Idle", 1, PILOT_SUBMITTED, 0},
    {"Running", 2, PILOT_RUNNING, 0},
    {"Removed", 3, PILOT_FAILED, 0},
    {"Completed", 4, -1, 0},           /* done, or failed by its exit */
    {"Held", 5, -1, PILOTINGEST_HELD}, /* its last proven state */
    {"Suspended", 7, PILOT_RUNNING, 0},
};

#define NMAP (sizeof condor_map / sizeof condor_map[0])

/* The attributes read, in the order of keys[]. */
enum {
    A_GLOBAL_JOB_ID, A_JOB_STATUS, A_MY_TYPE, A_GLIDEIN_ENTRY_NAME, A_GRID_RESOURCE,
    A_GLIDEIN_SITE_1, A_GLIDEIN_SITE_2, A_QDATE, A_JOB_START_DATE, A_JOB_CURRENT_START_DATE,
    A_ENTERED_CURRENT_STATUS, A_COMPLETION_DATE, A_EXIT_CODE, A_EXIT_BY_SIGNAL, A_EXIT_SIGNAL,
    A_REMOVE_REASON, A_HOLD_REASON, NATTRS
};
static const char *const keys[NATTRS] = {
    "GlobalJobId",      "JobStatus",         "MyType",
    "GlideinEntryName", "GridResource",      "GLIDEIN_Site",
    "GlideinSite",      "QDate",             "JobStartDate",
    "JobCurrentStartDate", "EnteredCurrentStatus", "CompletionDate",
    "ExitCode",         "ExitBySignal",      "ExitSignal",
    "RemoveReason",     "HoldReason",
};

/* An ad's first line: an array, or an object with a job ad's attributes. */
static int condor_detect(const char *line, size_t n)
{
    pilotingest__json ad;
    char why[96];
    size_t where;
    int score = 0;

    if (n == 0)
        return 0;
    if (line[0] == '[')
        return 2;
    if (line[0] != '{' || pilotingest__json_init(&ad, keys, NATTRS) != 0)
        return 0;
    if (pilotingest__json_parse_raw(&ad, line, n, why, sizeof why, &where) == 0 &&
        (ad.values[A_GLOBAL_JOB_ID].type || ad.values[A_JOB_STATUS].type ||
         ad.values[A_MY_TYPE].type))
        score = 2;
    pilotingest__json_free(&ad);
    return score;
}

static pilotingest_rc condor_open(pilotingest_reader *r)
{
    r->scanner.scan = pilotingest__scan_json;
    r->scanner.lead = " \t\r\n[],";
    return pilotingest__json_init(&r->json, keys, NATTRS) ? PILOTINGEST_ENOMEM : PILOTINGEST_OK;
}

/* A time attribute in epoch seconds; 0 means undefined (older HTCondor). */
static pilotingest_rc attr_time(pilotingest_reader *r, size_t k, unsigned how, long line,
                                pilotingest_time *t)
{
    const pilotingest__jvalue *v = pilotingest__json_get(r, k, PILOTINGEST__EXPR);
    int present;
    pilotingest_rc rc;

    t->kind = PILOTINGEST_TIME_NONE;
    t->at = PILOTDB_NO_TIME;
    if (!v || ((v->type == PILOTINGEST__JINTEGER || v->type == PILOTINGEST__JREAL) &&
               v->number == 0)) {
        if (how & PILOTINGEST__REQUIRED)
            return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "missing field \"%s\"",
                                     keys[k]);
        return PILOTINGEST_OK;
    }
    rc = pilotingest__json_epoch(r, k, how | PILOTINGEST__EXPR, line, &t->at, &present);
    if (rc == PILOTINGEST_OK && present)
        t->kind = PILOTINGEST_TIME_EXACT;
    return rc;
}

/* The host of a URL's authority: "https://user@host:443/path" -> host. */
static void url_host(const char *url, size_t n, const char **host, size_t *len)
{
    const char *p = url, *end = url + n, *q;

    for (q = url; q + 3 <= end; q++) {
        if (memcmp(q, "://", 3) == 0) {
            p = q + 3;
            break;
        }
    }
    q = p;
    while (q < end && *q != '/')
        q++;
    end = q;
    q = memchr(p, '@', (size_t)(end - p));
    if (q)
        p = q + 1;
    if (p < end && *p == '[') { /* [IPv6]:port */
        q = memchr(p, ']', (size_t)(end - p));
        end = q ? q + 1 : end;
    } else {
        q = memchr(p, ':', (size_t)(end - p));
        end = q ? q : end;
    }
    *host = p;
    *len = (size_t)(end - p);
}

/* The CE from GridResource: "condor SCHEDD COLLECTOR" -> SCHEDD, "arc URL"
 * -> the URL's host, "batch TYPE user@host" -> host, else the second word
 * (its host when it is a URL). */
static pilotingest_rc grid_resource_ce(pilotingest_reader *r, long line, const char **ce)
{
    const char *gr, *word[3] = {NULL, NULL, NULL}, *host = NULL, *at;
    size_t wlen[3] = {0, 0, 0}, hlen = 0;
    char why[96], quoted[64];
    pilotingest_rc rc;
    int nwords = 0;

    rc = pilotingest__json_string(r, A_GRID_RESOURCE, PILOTINGEST__EXPR, line, &gr);
    if (rc != PILOTINGEST_OK)
        return rc;
    if (!gr)
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0,
                                 "no CE: the ad has neither GlideinEntryName nor GridResource");
    for (const char *p = gr; *p && nwords < 3;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        word[nwords] = p;
        while (*p && *p != ' ')
            p++;
        wlen[nwords] = (size_t)(p - word[nwords]);
        nwords++;
    }
    if (nwords >= 2 && wlen[0] == 5 && memcmp(word[0], "batch", 5) == 0) {
        if (nwords == 3 && (at = memchr(word[2], '@', wlen[2])) != NULL) {
            host = at + 1;
            hlen = wlen[2] - (size_t)(host - word[2]);
        }
    } else if (nwords >= 2) {
        url_host(word[1], wlen[1], &host, &hlen);
    }
    pilotingest__quote(quoted, sizeof quoted, gr, strlen(gr));
    if (!host || hlen == 0)
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0,
                                 "no CE: GridResource %s names no host", quoted);
    if (pilotingest__check_text(host, hlen, 1, why, sizeof why))
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0,
                                 "the CE of GridResource %s %s", quoted, why);
    *ce = pilotingest__keep(r, host, hlen);
    return *ce ? PILOTINGEST_OK : PILOTINGEST_ENOMEM;
}

/* Done or failed by the exit of a completed ad; the reason when failed. */
static pilotingest_rc completed(pilotingest_reader *r, long line, pilotingest_obs *obs)
{
    double code, signal;
    int has_code, has_signal, by_signal;
    char reason[64];
    pilotingest_rc rc;

    if ((rc = pilotingest__json_boolean(r, A_EXIT_BY_SIGNAL, PILOTINGEST__EXPR, line,
                                        &by_signal)) ||
        (rc = pilotingest__json_number(r, A_EXIT_CODE, PILOTINGEST__EXPR, line, 1, &code,
                                       &has_code)) ||
        (rc = pilotingest__json_number(r, A_EXIT_SIGNAL, PILOTINGEST__EXPR, line, 1, &signal,
                                       &has_signal)))
        return rc;
    if (by_signal) {
        if (has_signal)
            snprintf(reason, sizeof reason, "killed by signal %.0f", signal);
        else
            snprintf(reason, sizeof reason, "killed by a signal");
    } else if (has_code && code != 0) {
        snprintf(reason, sizeof reason, "exit code %.0f", code);
    } else {
        obs->status = PILOT_DONE;
        return PILOTINGEST_OK;
    }
    obs->status = PILOT_FAILED;
    obs->reason = pilotingest__keep(r, reason, strlen(reason));
    return obs->reason ? PILOTINGEST_OK : PILOTINGEST_ENOMEM;
}

/* Status and times from the ad's JobStatus. */
static pilotingest_rc status_and_times(pilotingest_reader *r, long line, int code,
                                       pilotingest_obs *obs)
{
    pilotingest_time start, current_start, entered, completion;
    pilotingest_rc rc;

    if ((rc = attr_time(r, A_QDATE, PILOTINGEST__REQUIRED, line, &obs->submitted)) ||
        (rc = attr_time(r, A_JOB_START_DATE, 0, line, &start)) ||
        (rc = attr_time(r, A_JOB_CURRENT_START_DATE, 0, line, &current_start)) ||
        (rc = attr_time(r, A_ENTERED_CURRENT_STATUS, 0, line, &entered)) ||
        (rc = attr_time(r, A_COMPLETION_DATE, 0, line, &completion)))
        return rc;
    if (!start.kind)
        start = current_start;
    obs->started.kind = obs->ended.kind = PILOTINGEST_TIME_NONE;
    switch (code) {
    case 1: /* an idle job that ran before was requeued: a pilot not yet started */
        break;
    case 2:
    case 7:
        if (!start.kind && code == 2)
            start = entered;
        if (!start.kind)
            return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0,
                                     "a %s ad has no JobStartDate",
                                     code == 2 ? "running" : "suspended");
        obs->started = start;
        break;
    case 3:
        if (!entered.kind)
            return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0,
                                     "a removed ad has no EnteredCurrentStatus");
        obs->started = start; /* none: it never started */
        obs->ended = entered;
        rc = pilotingest__json_string(r, A_REMOVE_REASON, PILOTINGEST__EXPR, line,
                                      &obs->reason);
        break;
    case 4:
        if (!completion.kind)
            completion = entered;
        if (!completion.kind)
            return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0,
                                     "a completed ad has no CompletionDate or "
                                     "EnteredCurrentStatus");
        obs->started = start;
        if (!start.kind)
            obs->started.kind = PILOTINGEST_TIME_UNKNOWN;
        obs->ended = completion;
        rc = completed(r, line, obs);
        break;
    case 5:
        obs->status = start.kind ? PILOT_RUNNING : PILOT_SUBMITTED;
        obs->started = start;
        rc = pilotingest__json_string(r, A_HOLD_REASON, PILOTINGEST__EXPR, line,
                                      &obs->reason);
        break;
    }
    return rc;
}

/* What precedes an ad in data[0, n), walked from line/col: blanks and the
 * array's brackets and commas.  The index of the first other byte (the
 * ad's '{' when all is well), or n. */
static size_t ad_start(const char *data, size_t n, long *line, long *col)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char c = data[i];
        if (c == '\n') {
            (*line)++;
            *col = 1;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '[' || c == ']' || c == ',') {
            (*col)++;
        } else {
            break;
        }
    }
    return i;
}

/* The next ad parsed where the input holds it, so that its bytes are read
 * once, not cut out first and parsed then: 1 with its record, the index of
 * its '{' in it and the line and column of that; 0 when the cutting path
 * must take it (the ad is not whole in what was read, or something is
 * wrong, which that path reports as it always did). */
static int ad_in_place(pilotingest_reader *r, pilotingest__record *rec, size_t *brace,
                       long *line, long *col)
{
    size_t n, i, end, line_start;
    long lines, first_line;
    const char *data;
    int rc;

    /* an ad cut short by the end of what was read (or not begun in it) is
     * parsed again with the next chunk read, up to the longest record */
    do {
        data = pilotingest__input_unread(&r->in, &n, line, col);
        if (!data)
            return 0;
        first_line = *line;
        i = ad_start(data, n, line, col);
        if (i < n && data[i] != '{')
            return 0;
        rc = i == n ? 1
                    : pilotingest__json_parse_prefix(&r->json, data + i, n - i, &end, &lines,
                                                     &line_start);
    } while (rc > 0 && n <= PILOTINGEST_RECORD_MAX && pilotingest__input_more(&r->in));
    if (rc != 0 || i + end > PILOTINGEST_RECORD_MAX)
        return 0;
    if (lines > 0)
        line_start += i;
    else if (*line > first_line)
        line_start = i - (size_t)(*col - 1); /* the '{' is on a line of its own */
    pilotingest__input_take(&r->in, i + end, *line - first_line + lines, line_start, rec);
    *brace = i;
    return 1;
}

static pilotingest_rc condor_next(pilotingest_reader *r, pilotingest_obs *obs)
{
    pilotingest__record rec;
    const pilotingest_status_row *row = NULL;
    const char *type;
    double code;
    int has_code;
    long line, col;
    size_t i;
    pilotingest_rc rc;

    for (;;) {
        if (!ad_in_place(r, &rec, &i, &line, &col)) {
            rc = pilotingest__next_record(r, &rec, "job ad");
            if (rc != PILOTINGEST_OK)
                return rc;
            line = rec.line;
            col = rec.col;
            i = ad_start(rec.data, rec.len, &line, &col);
            if (i == rec.len)
                continue; /* the end of the array */
            if (rec.data[i] != '{') {
                char quoted[16];
                pilotingest__quote(quoted, sizeof quoted, rec.data + i, 1);
                return pilotingest__fail(r, PILOTINGEST_EBAD, line, col,
                                         "malformed JSON: expected a job ad ('{'), found %s",
                                         quoted);
            }
            if (rec.unterminated)
                return pilotingest__fail(r, PILOTINGEST_EBAD, line, col,
                                         "malformed JSON: the job ad is not closed at the "
                                         "end of the input");
            rc = pilotingest__json_parse(r, rec.data + i, rec.len - i, line, col);
            if (rc != PILOTINGEST_OK)
                return rc;
        }
        if (pilotingest__json_string(r, A_MY_TYPE, PILOTINGEST__EXPR, line, &type) ==
                PILOTINGEST_OK &&
            type && strcmp(type, "Summary") == 0)
            continue; /* the totals of condor_q -totals */
        break;
    }
    obs->line = line;
    obs->offset = rec.offset + (int64_t)i;
    obs->end_offset = rec.end_offset;
    if ((rc = pilotingest__json_string(r, A_GLOBAL_JOB_ID,
                                       PILOTINGEST__REQUIRED | PILOTINGEST__NAME |
                                           PILOTINGEST__EXPR,
                                       line, &obs->ref)) ||
        (rc = pilotingest__json_number(r, A_JOB_STATUS,
                                       PILOTINGEST__REQUIRED | PILOTINGEST__EXPR, line, 1, &code,
                                       &has_code)))
        return rc;
    for (i = 0; i < NMAP; i++) {
        if (condor_map[i].code == code)
            row = &condor_map[i];
    }
    if (!row)
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0,
                                 "unknown JobStatus %.0f (expected 1 to 5 or 7)", code);
    obs->status = row->status >= 0 ? (pilot_status)row->status : PILOT_SUBMITTED;
    obs->flags = row->flags;
    obs->source_status = row->word;
    if ((rc = pilotingest__json_string(r, A_GLIDEIN_ENTRY_NAME,
                                       PILOTINGEST__NAME | PILOTINGEST__EXPR, line, &obs->ce)) ||
        (!obs->ce && (rc = grid_resource_ce(r, line, &obs->ce))) ||
        (rc = pilotingest__json_string(r, A_GLIDEIN_SITE_1,
                                       PILOTINGEST__NAME | PILOTINGEST__EXPR, line,
                                       &obs->site)) ||
        (!obs->site &&
         (rc = pilotingest__json_string(r, A_GLIDEIN_SITE_2,
                                        PILOTINGEST__NAME | PILOTINGEST__EXPR, line,
                                        &obs->site))))
        return rc;
    return status_and_times(r, line, (int)code, obs);
}

const pilotingest__format pilotingest__condor = {
    .name = "condor",
    .detect = condor_detect,
    .open = condor_open,
    .next = condor_next,
    .close = NULL,
    .map = condor_map,
    .nmap = NMAP,
};
