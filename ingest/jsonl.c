/*
 * jsonl.c - pilotdeck's own format: one JSON object a line, one observed
 * state of one pilot (what `pilotdeck export --format jsonl` writes).
 */
#include <string.h>

#include "internal.h"

static const pilotingest_status_row jsonl_map[] = {
    {"submitted", 0, PILOT_SUBMITTED, 0},
    {"running", 0, PILOT_RUNNING, 0},
    {"done", 0, PILOT_DONE, 0},
    {"failed", 0, PILOT_FAILED, 0},
};

/* The fields of a line, in the order of keys[]. */
enum {
    F_REF, F_CE, F_STATUS, F_AT, F_SITE, F_REASON, F_SOURCE_STATUS, F_OBSERVED, F_STARTED,
    NFIELDS
};
static const char *const keys[NFIELDS] = {
    "ref", "ce", "status", "at", "site", "reason", "source_status", "observed", "started",
};

/* A line that starts with '{' is ours unless it reads as a condor ad. */
static int jsonl_detect(const char *line, size_t n)
{
    return n > 0 && line[0] == '{' ? 1 : 0;
}

static pilotingest_rc jsonl_open(pilotingest_reader *r)
{
    r->scanner.scan = pilotingest__scan_line;
    return pilotingest__json_init(&r->json, keys, NFIELDS) ? PILOTINGEST_ENOMEM : PILOTINGEST_OK;
}

/* Whether s[0, n) holds only spaces and tabs (a blank line is skipped). */
static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    }
    return 1;
}

/* The "at" field: epoch seconds or an ISO 8601 string with a zone. */
static pilotingest_rc read_at(pilotingest_reader *r, long line, int64_t *ms)
{
    const pilotingest__jvalue *v = pilotingest__json_get(r, F_AT, 0);
    char why[96];
    const char *range;
    int present;

    *ms = PILOTDB_NO_TIME;
    if (v && v->type == PILOTINGEST__JSTRING) {
        if (strlen(v->str) != v->len ||
            pilotingest_parse_iso8601(v->str, ms, why, sizeof why) != PILOTINGEST_OK) {
            char quoted[64];
            pilotingest__quote(quoted, sizeof quoted, v->str, v->len);
            if (strlen(v->str) != v->len)
                snprintf(why, sizeof why, "has a NUL byte");
            return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "field \"at\": %s %s",
                                     quoted, why);
        }
        range = pilotingest__check_range(r, *ms);
        if (range)
            return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "field \"at\" %s", range);
        return PILOTINGEST_OK;
    }
    return pilotingest__json_epoch(r, F_AT, PILOTINGEST__REQUIRED, line, ms, &present);
}

static pilotingest_rc jsonl_next(pilotingest_reader *r, pilotingest_obs *obs)
{
    pilotingest__record rec;
    const pilotingest_status_row *row;
    const char *word;
    int observed, started;
    int64_t at;
    pilotingest_rc rc;
    size_t len;

    for (;;) {
        rc = pilotingest__next_record(r, &rec, "line");
        if (rc != PILOTINGEST_OK)
            return rc;
        len = rec.len;
        if (len > 0 && rec.data[len - 1] == '\n')
            len--;
        if (len > 0 && rec.data[len - 1] == '\r')
            len--;
        if (!blank(rec.data, len))
            break;
    }
    obs->line = rec.line;
    obs->offset = rec.offset;
    obs->end_offset = rec.end_offset;
    rc = pilotingest__json_parse(r, rec.data, len, rec.line, 1);
    if (rc != PILOTINGEST_OK)
        return rc;
    if ((rc = pilotingest__json_string(r, F_REF, PILOTINGEST__REQUIRED | PILOTINGEST__NAME,
                                       rec.line, &obs->ref)) ||
        (rc = pilotingest__json_string(r, F_CE, PILOTINGEST__REQUIRED | PILOTINGEST__NAME,
                                       rec.line, &obs->ce)) ||
        (rc = pilotingest__json_string(r, F_STATUS, PILOTINGEST__REQUIRED, rec.line, &word)))
        return rc;
    row = word ? pilotingest__map_word(&pilotingest__jsonl, word, strlen(word)) : NULL;
    if (!row) {
        char quoted[64];
        pilotingest__quote(quoted, sizeof quoted, word ? word : "", word ? strlen(word) : 0);
        return pilotingest__fail(r, PILOTINGEST_EBAD, rec.line, 0,
                                 "unknown status %s (expected submitted, running, done or "
                                 "failed)", quoted);
    }
    if ((rc = read_at(r, rec.line, &at)) ||
        (rc = pilotingest__json_string(r, F_SITE, PILOTINGEST__NAME, rec.line, &obs->site)) ||
        (rc = pilotingest__json_string(r, F_REASON, 0, rec.line, &obs->reason)) ||
        (rc = pilotingest__json_string(r, F_SOURCE_STATUS, PILOTINGEST__NAME, rec.line,
                                       &obs->source_status)) ||
        (rc = pilotingest__json_boolean(r, F_OBSERVED, 0, rec.line, &observed)) ||
        (rc = pilotingest__json_boolean(r, F_STARTED, 0, rec.line, &started)))
        return rc;
    /* absent (or null): the start is unknown, as before the field existed */
    if (!pilotingest__json_get(r, F_STARTED, 0))
        started = 1;
    obs->status = (pilot_status)row->status;
    if (!started && obs->status != PILOT_FAILED)
        return pilotingest__fail(r, PILOTINGEST_EBAD, rec.line, 0,
                                 "field \"started\" is false on a %s line (only a failed"
                                 " pilot may never have started)",
                                 pilot_status_name(obs->status));
    pilotingest__set_transition(obs, obs->status, at,
                                observed ? PILOTINGEST_TIME_OBSERVED : PILOTINGEST_TIME_EXACT);
    if (!started)
        obs->started.kind = PILOTINGEST_TIME_NONE;
    return PILOTINGEST_OK;
}

const pilotingest__format pilotingest__jsonl = {
    .name = "jsonl",
    .detect = jsonl_detect,
    .open = jsonl_open,
    .next = jsonl_next,
    .close = NULL,
    .map = jsonl_map,
    .nmap = sizeof jsonl_map / sizeof jsonl_map[0],
};
