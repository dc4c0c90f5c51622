/*
 * dirac.c - DIRAC PilotAgents rows as CSV (RFC 4180: a header row, fields
 * quoted with "..." when they hold commas, quotes or newlines, "" for a
 * quote, CRLF or LF line ends).  A row is one pilot: submitted at
 * SubmissionTime, seen in Status at LastUpdateTime.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const pilotingest_status_row dirac_map[] = {
    {"Submitted", 0, PILOT_SUBMITTED, 0},
    {"Waiting", 0, PILOT_SUBMITTED, 0},
    {"Scheduled", 0, PILOT_SUBMITTED, 0},
    {"Running", 0, PILOT_RUNNING, 0},
    {"Done", 0, PILOT_DONE, 0},
    {"Failed", 0, PILOT_FAILED, 0},
    {"Aborted", 0, PILOT_FAILED, 0},
    {"Deleted", 0, PILOT_FAILED, 0},
    {"Unknown", 0, PILOT_SUBMITTED, PILOTINGEST_UNKNOWN}, /* keep the last known state */
};

/* The columns read, needed ones first. */
enum { COL_REF, COL_CE, COL_STATUS, COL_SUBMITTED, COL_UPDATED, COL_SITE, COL_REASON, NCOLS };
#define NNEEDED 5

static const char *const column_names[NCOLS] = {
    "PilotJobReference", "DestinationSite", "Status", "SubmissionTime",
    "LastUpdateTime",    "GridSite",        "StatusReason",
};

typedef struct field {
    size_t start, len; /* in the decoded buffer, NUL-terminated there */
    long line, col;
} field;

typedef struct dirac_state {
    int have_header;
    size_t ncolumns;
    long column[NCOLS]; /* index of each read column, -1 when absent */
    char *decoded;
    size_t decoded_cap;
    field *fields;
    size_t nfields, fields_cap;
} dirac_state;

static int dirac_detect(const char *line, size_t n)
{
    static const char key[] = "PilotJobReference";

    for (size_t i = 0; i + sizeof key - 1 <= n; i++) {
        if (memcmp(line + i, key, sizeof key - 1) == 0)
            return 2;
    }
    return 0;
}

static pilotingest_rc dirac_open(pilotingest_reader *r)
{
    dirac_state *st = calloc(1, sizeof *st);

    if (!st)
        return PILOTINGEST_ENOMEM;
    r->state = st;
    r->scanner.scan = pilotingest__scan_csv;
    return PILOTINGEST_OK;
}

static void dirac_close(pilotingest_reader *r)
{
    dirac_state *st = r->state;

    if (!st)
        return;
    free(st->decoded);
    free(st->fields);
    free(st);
    r->state = NULL;
}

static int add_field(dirac_state *st, size_t start, long line, long col)
{
    if (st->nfields == st->fields_cap) {
        size_t cap = st->fields_cap ? 2 * st->fields_cap : 16;
        field *bigger = realloc(st->fields, cap * sizeof *bigger);
        if (!bigger)
            return -1;
        st->fields = bigger;
        st->fields_cap = cap;
    }
    st->fields[st->nfields++] = (field){start, 0, line, col};
    return 0;
}

/* Split a record into decoded, NUL-terminated fields. */
static pilotingest_rc split(pilotingest_reader *r, dirac_state *st,
                            const pilotingest__record *rec)
{
    const char *p = rec->data, *end = rec->data + rec->len;
    long line = rec->line, col = rec->col;
    size_t out = 0;

    if (end > p && end[-1] == '\n')
        end--;
    if (end > p && end[-1] == '\r')
        end--;
    st->nfields = 0;
    /* each field is at most its bytes and a NUL */
    if (st->decoded_cap < rec->len * 2 + 2) {
        char *bigger = realloc(st->decoded, rec->len * 2 + 2);
        if (!bigger)
            return PILOTINGEST_ENOMEM;
        st->decoded = bigger;
        st->decoded_cap = rec->len * 2 + 2;
    }
    for (;;) {
        field *f;
        if (add_field(st, out, line, col) != 0)
            return PILOTINGEST_ENOMEM;
        f = &st->fields[st->nfields - 1];
        if (p < end && *p == '"') {
            p++, col++;
            for (;;) {
                if (p == end)
                    return pilotingest__fail(r, PILOTINGEST_EBAD, f->line, f->col,
                                             "malformed CSV: a quoted field is not closed");
                if (*p == '"' && p + 1 < end && p[1] == '"') {
                    st->decoded[out++] = '"';
                    p += 2, col += 2;
                } else if (*p == '"') {
                    p++, col++;
                    break;
                } else {
                    if (*p == '\n')
                        line++, col = 0;
                    st->decoded[out++] = *p++;
                    col++;
                }
            }
            if (p < end && *p != ',') {
                char quoted[16];
                pilotingest__quote(quoted, sizeof quoted, p, 1);
                return pilotingest__fail(r, PILOTINGEST_EBAD, line, col,
                                         "malformed CSV: %s after a closing quote", quoted);
            }
        } else {
            for (; p < end && *p != ','; p++, col++) {
                if (*p == '"')
                    return pilotingest__fail(r, PILOTINGEST_EBAD, line, col,
                                             "malformed CSV: a quote inside an unquoted field");
                st->decoded[out++] = *p;
            }
        }
        f->len = out - f->start;
        st->decoded[out++] = '\0';
        if (p == end)
            return PILOTINGEST_OK;
        p++, col++; /* the comma */
    }
}

static pilotingest_rc read_header(pilotingest_reader *r, dirac_state *st, long line)
{
    for (int c = 0; c < NCOLS; c++)
        st->column[c] = -1;
    for (size_t i = 0; i < st->nfields; i++) {
        const char *name = st->decoded + st->fields[i].start;
        size_t len = st->fields[i].len;
        if (i == 0 && len >= 3 && memcmp(name, "\xef\xbb\xbf", 3) == 0)
            name += 3, len -= 3; /* the byte order mark of a spreadsheet's export */
        while (len > 0 && name[len - 1] == ' ')
            len--;
        while (len > 0 && *name == ' ')
            name++, len--;
        for (int c = 0; c < NCOLS; c++) {
            if (strlen(column_names[c]) != len || memcmp(column_names[c], name, len) != 0)
                continue;
            if (st->column[c] >= 0)
                return pilotingest__fail(r, PILOTINGEST_EFORMAT, line, st->fields[i].col,
                                         "column %s appears twice in the header",
                                         column_names[c]);
            st->column[c] = (long)i;
        }
    }
    for (int c = 0; c < NNEEDED; c++) {
        if (st->column[c] < 0)
            return pilotingest__fail(r, PILOTINGEST_EFORMAT, line, 0,
                                     "the header has no column %s", column_names[c]);
    }
    st->ncolumns = st->nfields;
    st->have_header = 1;
    return PILOTINGEST_OK;
}

/* The field of column c (NULL when the header has no such column); checked
 * as a name when is_name, else as text. */
static pilotingest_rc text_field(pilotingest_reader *r, dirac_state *st, int c, int is_name,
                                 const char **out)
{
    const field *f;
    char why[96];

    *out = NULL;
    if (st->column[c] < 0)
        return PILOTINGEST_OK;
    f = &st->fields[st->column[c]];
    if (f->len == 0 && c >= NNEEDED)
        return PILOTINGEST_OK; /* an empty optional field is absent */
    if (pilotingest__check_text(st->decoded + f->start, f->len, is_name, why, sizeof why))
        return pilotingest__fail(r, PILOTINGEST_EBAD, f->line, f->col, "%s %s", column_names[c],
                                 why);
    *out = st->decoded + f->start;
    return PILOTINGEST_OK;
}

static pilotingest_rc time_field(pilotingest_reader *r, dirac_state *st, int c, int64_t *ms)
{
    const field *f = &st->fields[st->column[c]];
    const char *s = st->decoded + f->start, *range;
    char why[96], quoted[64];

    if (pilotingest__parse_utc(s, f->len, ms, why, sizeof why) != 0) {
        pilotingest__quote(quoted, sizeof quoted, s, f->len);
        return pilotingest__fail(r, PILOTINGEST_EBAD, f->line, f->col, "%s %s %s",
                                 column_names[c], quoted, why);
    }
    range = pilotingest__check_range(r, *ms);
    if (range)
        return pilotingest__fail(r, PILOTINGEST_EBAD, f->line, f->col, "%s %s",
                                 column_names[c], range);
    return PILOTINGEST_OK;
}

static pilotingest_rc dirac_next(pilotingest_reader *r, pilotingest_obs *obs)
{
    dirac_state *st = r->state;
    pilotingest__record rec;
    const pilotingest_status_row *row;
    const field *status;
    int64_t submitted, updated;
    pilotingest_rc rc;

    for (;;) {
        rc = pilotingest__next_record(r, &rec, "CSV record");
        if (rc == PILOTINGEST_END && !st->have_header)
            return pilotingest__fail(r, PILOTINGEST_EFORMAT, r->in.line, 0,
                                     "no CSV header (PilotJobReference, DestinationSite, "
                                     "Status, SubmissionTime, LastUpdateTime, ...)");
        if (rc == PILOTINGEST_EBAD && !st->have_header)
            return PILOTINGEST_EFORMAT; /* no header, nothing to read */
        if (rc != PILOTINGEST_OK)
            return rc;
        rc = split(r, st, &rec);
        if (rc != PILOTINGEST_OK)
            return st->have_header || rc != PILOTINGEST_EBAD ? rc : PILOTINGEST_EFORMAT;
        if (st->nfields == 1 && st->fields[0].len == 0)
            continue; /* a blank line */
        if (st->have_header)
            break;
        rc = read_header(r, st, rec.line);
        if (rc != PILOTINGEST_OK)
            return rc;
    }
    obs->line = rec.line;
    obs->offset = rec.offset;
    obs->end_offset = rec.end_offset;
    if (st->nfields != st->ncolumns)
        return pilotingest__fail(r, PILOTINGEST_EBAD, rec.line, 0,
                                 "the record has %zu fields; the header has %zu", st->nfields,
                                 st->ncolumns);
    if ((rc = text_field(r, st, COL_REF, 1, &obs->ref)) ||
        (rc = text_field(r, st, COL_CE, 1, &obs->ce)) ||
        (rc = text_field(r, st, COL_SITE, 1, &obs->site)) ||
        (rc = text_field(r, st, COL_REASON, 0, &obs->reason)))
        return rc;
    status = &st->fields[st->column[COL_STATUS]];
    row = pilotingest__map_word(&pilotingest__dirac, st->decoded + status->start, status->len);
    if (!row) {
        char quoted[64];
        pilotingest__quote(quoted, sizeof quoted, st->decoded + status->start, status->len);
        return pilotingest__fail(r, PILOTINGEST_EBAD, status->line, status->col,
                                 "unknown Status %s", quoted);
    }
    if ((rc = time_field(r, st, COL_SUBMITTED, &submitted)) ||
        (rc = time_field(r, st, COL_UPDATED, &updated)))
        return rc;
    obs->status = (pilot_status)row->status;
    obs->flags = row->flags;
    obs->source_status = row->word;
    if (obs->status == PILOT_SUBMITTED)
        pilotingest__set_transition(obs, PILOT_SUBMITTED, submitted, PILOTINGEST_TIME_EXACT);
    else
        pilotingest__set_transition(obs, obs->status, updated, PILOTINGEST_TIME_OBSERVED);
    obs->submitted.kind = PILOTINGEST_TIME_EXACT;
    obs->submitted.at = submitted;
    if (row->flags & PILOTINGEST_UNKNOWN)
        obs->started.kind = obs->ended.kind = PILOTINGEST_TIME_UNKNOWN;
    return PILOTINGEST_OK;
}

const pilotingest__format pilotingest__dirac = {
    .name = "dirac",
    .detect = dirac_detect,
    .open = dirac_open,
    .next = dirac_next,
    .close = dirac_close,
    .map = dirac_map,
    .nmap = sizeof dirac_map / sizeof dirac_map[0],
};
