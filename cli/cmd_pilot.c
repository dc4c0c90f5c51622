/*
 * cmd_pilot.c - `pilotdeck pilot submit|set|list|show`: pilots, their
 * status and their timeline.
 */
#include "cli.h"
#include "clitime.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pilottui.h"

enum { OPT_STATUS = 1, OPT_CE, OPT_JSON, OPT_UTC, OPT_REF, OPT_SINCE, OPT_UNTIL,
       OPT_LIMIT, OPT_CSV };

#define JSON_OPTION {"json", 0, CLI_ARG_NONE, NULL, "print JSON", OPT_JSON}
#define UTC_OPTION {"utc", 0, CLI_ARG_NONE, NULL, "times in UTC, not the local zone", OPT_UTC}

static const struct cli_option list_options[] = {
    {"status", 0, CLI_ARG_REQUIRED, "S", "only pilots in status S", OPT_STATUS},
    {"ce", 0, CLI_ARG_REQUIRED, "NAME", "only pilots of the CE NAME", OPT_CE},
    {"ref", 0, CLI_ARG_REQUIRED, "REF", "only the pilot whose reference is REF", OPT_REF},
    {"since", 0, CLI_ARG_REQUIRED, "T", "only pilots with a known time at or after T",
     OPT_SINCE},
    {"until", 0, CLI_ARG_REQUIRED, "T", "only pilots with a known time before T", OPT_UNTIL},
    {"limit", 0, CLI_ARG_REQUIRED, "N", "at most N pilots", OPT_LIMIT},
    JSON_OPTION,
    {"csv", 0, CLI_ARG_REQUIRED, "FILE", "write the list as CSV to FILE (- for standard\n"
     "output), with the keys of --json", OPT_CSV},
    UTC_OPTION,
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

static const struct cli_option show_options[] = {
    JSON_OPTION,
    UTC_OPTION,
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

/* Run a pilot write of the command line, on the wall clock: a simulation's
 * database (virtual times) is refused, and a new one becomes a wall-clock
 * one, in the same transaction as the write, so that a refusal writes
 * nothing. */
static pilotdb_rc wall_clock_write(pilotdb *db, const char *ce, int64_t id, pilot_status to,
                                   int64_t *new_id)
{
    pilotdb_rc rc = pilotdb_begin(db);

    if (rc == PILOTDB_OK)
        rc = pilotdb_clock_claim(db, PILOTDB_CLOCK_WALL);
    if (rc == PILOTDB_OK)
        rc = ce ? pilotdb_pilot_submit(db, ce, new_id) : pilotdb_pilot_set_status(db, id, to);
    if (rc == PILOTDB_OK)
        return pilotdb_commit(db);
    if (pilotdb_in_transaction(db))
        pilotdb_rollback(db);
    return rc;
}

static int pilot_submit(const struct cli_globals *g, struct cli_args *a)
{
    int64_t id = 0;
    pilotdb *db = NULL;
    int status;

    if (cli_parse(a, NULL, NULL))
        return a->status;
    if ((status = cli_open_db(g, 0, &db)) != CLI_OK)
        return status;
    if (wall_clock_write(db, a->args[0], 0, PILOT_SUBMITTED, &id) != PILOTDB_OK)
        status = cli_db_error(db, "pilot submit");
    else
        printf("%lld\n", (long long)id);
    return cli_close_db(g, db, status);
}

static int pilot_set(const struct cli_globals *g, struct cli_args *a)
{
    pilot_status to;
    pilotdb *db = NULL;
    int64_t id;
    int status;

    if (cli_parse(a, NULL, NULL))
        return a->status;
    if (cli_parse_int("pilot set: id", a->args[0], 1, INT64_MAX, &id))
        return CLI_USAGE;
    if (pilot_status_parse(a->args[1], &to) != PILOTDB_OK) {
        cli_error("pilot set: '%s' is not a status (submitted, running, done,"
                  " failed)", a->args[1]);
        return CLI_USAGE;
    }
    if ((status = cli_open_db(g, 0, &db)) != CLI_OK)
        return status;
    if (wall_clock_write(db, NULL, id, to, NULL) != PILOTDB_OK)
        status = cli_db_error(db, "pilot set");
    return cli_close_db(g, db, status);
}

/* ---- what list and show share ------------------------------------------- */

/* How times are written: the database's clock, local or UTC. */
struct time_view {
    pilotdb_clock_type clock;
    enum cli_time_style style;
};

/* Room for a time cell: an observed time's "~" and the time. */
#define TIME_CELL_MAX (CLI_TIME_MAX + 1)

/* One time of a pilot for people, into buf (TIME_CELL_MAX bytes): "~" before
 * an observed time, "?" when unknown, "-" when it has not happened. */
static const char *time_cell(const struct time_view *v, int64_t at, pilotdb_time_kind kind,
                             char *buf)
{
    if (kind == PILOTDB_TIME_UNKNOWN)
        return "?";
    if (kind == PILOTDB_TIME_NONE || at == PILOTDB_NO_TIME)
        return "-";
    buf[0] = '~';
    cli_time_text(at, v->clock, v->style, buf + 1);
    return kind == PILOTDB_TIME_OBSERVED ? buf : buf + 1;
}

/* A text that may be empty as JSON: null when it is. */
static json_t *text_json(const char *text)
{
    return text && *text ? cli_json_string(text) : json_null();
}

/* Write text from the database for a terminal (cli_safe()); the bytes
 * written. */
static int put_safe(const char *text, FILE *out)
{
    return fprintf(out, "%s", cli_safe(text));
}

/* put_safe(), "-" for an empty or NULL text. */
static int put_safe_or_dash(const char *text, FILE *out)
{
    return text && *text ? put_safe(text, out) : fprintf(out, "-");
}

/* Whether stdout took everything; a message when not. */
static int output_status(const char *what)
{
    if (fflush(stdout) == EOF || ferror(stdout)) {
        cli_error("%s: cannot write the output", what);
        return CLI_FAILED;
    }
    return CLI_OK;
}

/* ---- list ------------------------------------------------------------------ */

struct list_options {
    pilotdb_pilot_filter filter;
    const char *text[OPT_LIMIT]; /* the values of --ce, --ref, --since, --until */
    int64_t limit;               /* 0: none */
    const char *csv;             /* --csv FILE, or NULL */
    unsigned flags;              /* bits OPT_JSON, OPT_UTC */
};

struct list_out {
    pilotdb *db;
    struct time_view view;
    int64_t since, until;  /* a known time in [since, until) */
    int64_t limit, shown;
    pilotdb_ce *ces;       /* every CE, by id: their sites and width */
    size_t nces;
    int ce_width, time_width;
    json_t *array;         /* NULL for text output */
    int header_done;
    int failed;            /* 1: cannot write, 2: a db call failed, 3: JSON */
    int64_t failed_id;     /* the pilot JSON could not be made of */
};

static int ce_by_id(const void *a, const void *b)
{
    const pilotdb_ce *x = a, *y = b;

    return (x->id > y->id) - (x->id < y->id);
}

/* The site of CE ce_id, "" when none. */
static const char *ce_site(const struct list_out *out, int64_t ce_id)
{
    pilotdb_ce key;
    const pilotdb_ce *ce;

    key.id = ce_id;
    ce = bsearch(&key, out->ces, out->nces, sizeof *out->ces, ce_by_id);
    return ce ? ce->site : "";
}

/* The text header, written once the filter has been accepted. */
static void print_header(struct list_out *out)
{
    if (!out->header_done && !out->array)
        printf("%-10s %-9s %-*s %-*s %-*s %-*s  %s\n", "ID", "STATUS", out->time_width,
               "SUBMITTED", out->time_width, "STARTED", out->time_width, "ENDED",
               out->ce_width, "CE", "REF");
    out->header_done = 1;
}

/* Whether one of p's known times is in [since, until). */
static int in_window(const struct list_out *out, const pilotdb_pilot *p)
{
    const int64_t at[3] = {p->submitted_at, p->started_at, p->ended_at};

    for (int i = 0; i < 3; i++)
        if (at[i] != PILOTDB_NO_TIME && at[i] >= out->since && at[i] < out->until)
            return 1;
    return 0;
}

static void print_pilot_text(struct list_out *out, const pilotdb_pilot *p)
{
    char sub[TIME_CELL_MAX], start[TIME_CELL_MAX], end[TIME_CELL_MAX];
    int w = out->time_width, n;

    printf("%-10lld %-9s %-*s %-*s %-*s ", (long long)p->id, pilot_status_name(p->status),
           w, time_cell(&out->view, p->submitted_at, p->submitted_kind, sub),
           w, time_cell(&out->view, p->started_at, p->started_kind, start),
           w, time_cell(&out->view, p->ended_at, p->ended_kind, end));
    n = put_safe(p->ce_name, stdout);
    printf("%*s", out->ce_width - n + 2, "");
    put_safe_or_dash(p->ref, stdout);
    if (putchar('\n') == EOF)
        out->failed = 1;
}

static json_t *pilot_json(struct list_out *out, const pilotdb_pilot *p, const char *reason)
{
    pilotdb_clock_type c = out->view.clock;
    json_t *o = json_pack("{s:I, s:o, s:s}", "pilot_id", (json_int_t)p->id,
                          "ce_name", cli_json_string(p->ce_name),
                          "status", pilot_status_name(p->status));

    if (!o || tui_json_time(o, "submitted", p->submitted_at, c) != 0 ||
        tui_json_time(o, "started", p->started_at, c) != 0 ||
        tui_json_time(o, "ended", p->ended_at, c) != 0 ||
        tui_json_time(o, "updated", p->updated_at, c) != 0 ||
        json_object_update_new(o, json_pack("{s:o, s:o, s:o, s:o, s:s, s:s, s:s}",
                                        "ref", text_json(p->ref),
                                        "site", text_json(ce_site(out, p->ce_id)),
                                        "source_status", text_json(p->source_status),
                                        "reason", text_json(reason),
                                        "submitted_kind",
                                        pilotdb_time_kind_name(p->submitted_kind),
                                        "started_kind", pilotdb_time_kind_name(p->started_kind),
                                        "ended_kind",
                                        pilotdb_time_kind_name(p->ended_kind))) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int list_pilot(void *arg, const pilotdb_pilot *p)
{
    struct list_out *out = arg;
    char *reason = NULL;

    if (!in_window(out, p))
        return 0;
    print_header(out);
    if (!out->array) {
        print_pilot_text(out, p);
    } else if (pilotdb_pilot_reason(out->db, p->id, &reason) != PILOTDB_OK) {
        out->failed = 2;
    } else {
        if (json_array_append_new(out->array, pilot_json(out, p, reason))) {
            out->failed = 3;
            out->failed_id = p->id;
        }
        pilotdb_free(reason);
    }
    out->shown++;
    return out->failed || (out->limit && out->shown >= out->limit);
}

static int take_list_option(void *state, int id, const char *value)
{
    struct list_options *o = state;
    pilot_status s;

    if (id == OPT_STATUS) {
        if (pilot_status_parse(value, &s) != PILOTDB_OK) {
            cli_error("pilot list: --status '%s' is not a status (submitted,"
                      " running, done, failed)", value);
            return CLI_USAGE;
        }
        o->filter.status = (int)s;
    } else if (id == OPT_LIMIT) {
        if (cli_parse_int("pilot list: --limit", value, 1, INT64_MAX, &o->limit))
            return CLI_USAGE;
    } else if (id == OPT_CSV) {
        o->csv = value;
    } else if (id == OPT_JSON || id == OPT_UTC) {
        o->flags |= 1u << id;
    } else {
        o->text[id] = value;
    }
    o->filter.ce_name = o->text[OPT_CE];
    return CLI_OK;
}

/* --since and --until, read on the database's clock. */
static int list_window(pilotdb *db, const struct list_options *o, struct list_out *out)
{
    const char *since = o->text[OPT_SINCE], *until = o->text[OPT_UNTIL];
    int64_t now = pilotdb_now(db);

    out->since = INT64_MIN;
    out->until = INT64_MAX;
    if ((since &&
         cli_parse_time("pilot list: --since", since, out->view.clock, now, &out->since)) ||
        (until &&
         cli_parse_time("pilot list: --until", until, out->view.clock, now, &out->until)))
        return CLI_USAGE;
    if (out->since >= out->until) {
        cli_error("pilot list: --since %s is not before --until %s", since, until);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* The pilot of --ref, through the other filters, to list_pilot(). */
static pilotdb_rc list_ref(pilotdb *db, const struct list_options *o, struct list_out *out)
{
    pilotdb_pilot p;
    pilotdb_ce ce;
    pilotdb_rc rc;

    if (o->filter.ce_name && (rc = pilotdb_ce_get(db, o->filter.ce_name, &ce)) != PILOTDB_OK)
        return rc;
    rc = pilotdb_pilot_get_ref(db, o->text[OPT_REF], &p);
    if (rc == PILOTDB_ENOTFOUND)
        return PILOTDB_OK;
    if (rc == PILOTDB_OK && (o->filter.status < 0 || (int)p.status == o->filter.status) &&
        (!o->filter.ce_name || strcmp(p.ce_name, o->filter.ce_name) == 0))
        list_pilot(out, &p);
    return rc;
}

/* Everything the list reads, in one read snapshot. */
static pilotdb_rc list_read(pilotdb *db, const struct list_options *o, struct list_out *out)
{
    pilotdb_rc rc = pilotdb_ce_list(db, 0, &out->ces, &out->nces);

    if (rc != PILOTDB_OK)
        return rc;
    qsort(out->ces, out->nces, sizeof *out->ces, ce_by_id);
    for (size_t i = 0; i < out->nces; i++)
        if ((int)strlen(out->ces[i].name) > out->ce_width)
            out->ce_width = (int)strlen(out->ces[i].name);
    if (o->text[OPT_REF])
        rc = list_ref(db, o, out);
    else
        rc = pilotdb_pilots_foreach(db, &o->filter, list_pilot, out);
    if (rc == PILOTDB_OK && out->failed == 2)
        rc = PILOTDB_EIO; /* pilotdb_errmsg() says what failed */
    return rc;
}

static int pilot_list(const struct cli_globals *g, struct cli_args *a)
{
    struct list_options o;
    struct list_out out;
    pilotdb *db = NULL;
    pilotdb_rc rc;
    int status;

    memset(&o, 0, sizeof o);
    memset(&out, 0, sizeof out);
    o.filter.status = -1;
    if (cli_parse(a, take_list_option, &o))
        return a->status;
    if ((status = cli_open_db(g, PILOTDB_OPEN_READONLY, &db)) != CLI_OK)
        return status;
    out.db = db;
    out.limit = o.limit;
    out.ce_width = 2;
    out.view.style = o.flags & 1u << OPT_UTC ? CLI_TIME_UTC : CLI_TIME_LOCAL;
    if (pilotdb_clock_kind(db, &out.view.clock) != PILOTDB_OK)
        return cli_close_db(g, db, cli_db_error(db, "pilot list"));
    /* "~" and a time: "0d 01:02:03", "...T10:00:00Z", "...T11:00:00+01:00" */
    out.time_width = out.view.clock == PILOTDB_CLOCK_SIM                ? 13
                     : out.view.style == CLI_TIME_UTC ? 21
                                                      : 26;
    if ((status = list_window(db, &o, &out)) != CLI_OK)
        return cli_close_db(g, db, status);
    if ((status = cli_give_one("pilot list", !!(o.flags & 1u << OPT_JSON),
                               "--json prints the list", o.csv != NULL,
                               "--csv writes it to a file")) != CLI_OK)
        return cli_close_db(g, db, status);
    if ((o.flags & 1u << OPT_JSON) || o.csv)
        out.array = json_array();
    if (((o.flags & 1u << OPT_JSON) || o.csv) && !out.array) {
        cli_error("pilot list: out of memory");
        status = CLI_FAILED;
    } else if ((rc = pilotdb_begin_read(db)) != PILOTDB_OK ||
               (rc = list_read(db, &o, &out)) != PILOTDB_OK ||
               (rc = pilotdb_commit(db)) != PILOTDB_OK) {
        if (pilotdb_in_transaction(db))
            pilotdb_rollback(db);
        status = cli_db_error(db, "pilot list");
        json_decref(out.array);
    } else if (out.failed == 3) {
        cli_error("pilot list: pilot %lld cannot be written as JSON: out of memory",
                  (long long)out.failed_id);
        json_decref(out.array);
        status = CLI_FAILED;
    } else if (out.failed) {
        cli_error("pilot list: cannot write the list");
        json_decref(out.array);
        status = CLI_FAILED;
    } else if (out.array && o.csv) {
        pilotdb_pilot none;
        json_t *header;
        memset(&none, 0, sizeof none);
        none.submitted_at = none.started_at = none.ended_at = none.updated_at = PILOTDB_NO_TIME;
        header = pilot_json(&out, &none, NULL);
        status = header ? cli_csv_rows(o.csv, g->db_path, "pilot list --csv", out.array, header)
                        : CLI_FAILED;
        json_decref(header);
        json_decref(out.array);
    } else if (out.array) {
        status = cli_print_json(out.array);
    } else {
        print_header(&out);
        status = output_status("pilot list");
    }
    pilotdb_free(out.ces);
    return cli_close_db(g, db, status);
}

/* ---- show ------------------------------------------------------------------ */

/* One pilot and what show prints with it. */
struct shown_pilot {
    pilotdb_pilot p;
    char *reason;          /* NULL when none; pilotdb_free() */
    pilotdb_ce ce;
    struct time_view view;
    int64_t now;
};

/* A span between two times of a pilot. */
struct span {
    int64_t ms;
    int known;      /* both ends known */
    int observed;   /* one end is an observed time */
    int so_far;     /* the pilot is still in that state: up to now */
};

/* The span from the time of kind from_kind to that of to_kind; with no
 * end yet, up to now on a wall clock (so_far). */
static struct span span_of(const struct shown_pilot *s, int64_t from, pilotdb_time_kind from_kind,
                           int64_t to, pilotdb_time_kind to_kind)
{
    struct span sp = {0, 0, 0, 0};
    int from_known = from_kind == PILOTDB_TIME_EXACT || from_kind == PILOTDB_TIME_OBSERVED;
    int to_known = to_kind == PILOTDB_TIME_EXACT || to_kind == PILOTDB_TIME_OBSERVED;

    if (from_known && to_kind == PILOTDB_TIME_NONE && s->view.clock != PILOTDB_CLOCK_SIM) {
        sp.so_far = 1;
        to = s->now;
        to_known = 1;
    }
    if (!from_known || !to_known)
        return sp;
    sp.known = 1;
    sp.ms = to - from;
    sp.observed = from_kind == PILOTDB_TIME_OBSERVED || to_kind == PILOTDB_TIME_OBSERVED;
    return sp;
}

/* The time queued: until the start, or until the end of a pilot that never
 * started. */
static struct span queue_span(const struct shown_pilot *s)
{
    const pilotdb_pilot *p = &s->p;

    if (p->started_kind == PILOTDB_TIME_NONE && p->ended_kind != PILOTDB_TIME_NONE)
        return span_of(s, p->submitted_at, p->submitted_kind, p->ended_at, p->ended_kind);
    return span_of(s, p->submitted_at, p->submitted_kind, p->started_at, p->started_kind);
}

static struct span run_span(const struct shown_pilot *s)
{
    const pilotdb_pilot *p = &s->p;

    return span_of(s, p->started_at, p->started_kind, p->ended_at, p->ended_kind);
}

/* A span as JSON seconds: null unless both ends are known and past. */
static json_t *span_json(struct span sp)
{
    if (!sp.known || sp.so_far)
        return json_null();
    if (sp.ms % 1000 == 0)
        return json_integer((json_int_t)(sp.ms / 1000));
    return json_real((double)sp.ms / 1000.0);
}

/* A time of a pilot as STEM_s, STEM_at (wall clock) and STEM_kind. */
static int time_kind_json(json_t *o, const char *stem, pilotdb_clock_type clock, int64_t at,
                          pilotdb_time_kind kind)
{
    char key[32];

    snprintf(key, sizeof key, "%s_kind", stem);
    return tui_json_time(o, stem, at, clock) != 0 ||
                   json_object_set_new(o, key, json_string(pilotdb_time_kind_name(kind))) != 0
               ? -1
               : 0;
}

static int show_json(const struct shown_pilot *s)
{
    const pilotdb_pilot *p = &s->p;
    pilotdb_clock_type c = s->view.clock;
    json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:s, s:o, s:o}",
                          "id", (json_int_t)p->id,
                          "ce", cli_json_string(p->ce_name),
                          "site", text_json(s->ce.site),
                          "ref", text_json(p->ref),
                          "status", pilot_status_name(p->status),
                          "source_status", text_json(p->source_status),
                          "reason", text_json(s->reason));

    if (o && (time_kind_json(o, "submitted", c, p->submitted_at, p->submitted_kind) != 0 ||
              time_kind_json(o, "started", c, p->started_at, p->started_kind) != 0 ||
              time_kind_json(o, "ended", c, p->ended_at, p->ended_kind) != 0 ||
              json_object_set_new(o, "queue_s", span_json(queue_span(s))) != 0 ||
              json_object_set_new(o, "run_s", span_json(run_span(s))) != 0)) {
        json_decref(o);
        o = NULL;
    }
    return cli_print_json(o);
}

/* What is known of a time: the kind's word, or for one that has not
 * happened whether it will not ("never started") or may yet ("not yet"). */
static const char *time_state(const struct shown_pilot *s, pilotdb_time_kind kind,
                              const char *unknown)
{
    switch (kind) {
    case PILOTDB_TIME_EXACT:
        return "exact";
    case PILOTDB_TIME_OBSERVED:
        return "observed";
    case PILOTDB_TIME_UNKNOWN:
        return unknown;
    default:
        return s->p.ended_kind != PILOTDB_TIME_NONE ? "never started" : "not yet";
    }
}

/* One line of the timeline; what, the span after it ("queued", "ran"), or
 * NULL for none. */
static void show_time_line(const struct shown_pilot *s, const char *label, int64_t at,
                           pilotdb_time_kind kind, const char *state, const char *what,
                           struct span sp)
{
    char cell[TIME_CELL_MAX], span[CLI_TIME_MAX];

    printf("  %-10s %-26s %-*s", label, time_cell(&s->view, at, kind, cell), what ? 14 : 0,
           state);
    if (what && sp.known)
        printf(" %s %s%s%s", what, sp.observed ? "~" : "", cli_span_text(sp.ms, span),
               sp.so_far ? " so far" : "");
    else if (what)
        printf(" %s ?", what);
    putchar('\n');
}

static int show_text(const struct shown_pilot *s)
{
    const pilotdb_pilot *p = &s->p;
    const char *end_label = p->ended_kind == PILOTDB_TIME_NONE ? "ended"
                                                                : pilot_status_name(p->status);
    const char *const labels[] = {"ce", "site", "ref", "status", "source status", "reason"};
    const char *const values[] = {p->ce_name, s->ce.site, p->ref, pilot_status_name(p->status),
                                  p->source_status, s->reason};

    printf("pilot %lld\n", (long long)p->id);
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        printf("  %-14s ", labels[i]);
        put_safe_or_dash(values[i], stdout);
        putchar('\n');
    }
    printf("timeline (%s):\n",
           s->view.clock == PILOTDB_CLOCK_SIM ? "virtual time from the start"
           : s->view.style == CLI_TIME_UTC    ? "UTC"
                                              : "local time");
    show_time_line(s, "submitted", p->submitted_at, p->submitted_kind,
                   time_state(s, p->submitted_kind, "unknown"), "queued", queue_span(s));
    show_time_line(s, "running", p->started_at, p->started_kind,
                   time_state(s, p->started_kind, "start unknown"),
                   p->started_kind == PILOTDB_TIME_NONE ? NULL : "ran", run_span(s));
    show_time_line(s, end_label, p->ended_at, p->ended_kind,
                   p->ended_kind == PILOTDB_TIME_NONE ? "not yet"
                                                      : time_state(s, p->ended_kind, "unknown"),
                   NULL, run_span(s));
    return output_status("pilot show");
}

/* The pilot KEY names: digits are an id, then a ref; anything else a ref. */
static pilotdb_rc find_pilot(pilotdb *db, const char *key, pilotdb_pilot *p)
{
    pilotdb_rc rc = PILOTDB_ENOTFOUND;
    size_t digits = strspn(key, "0123456789");

    if (digits > 0 && digits <= 18 && key[digits] == '\0')
        rc = pilotdb_pilot_get(db, strtoll(key, NULL, 10), p);
    if (rc == PILOTDB_ENOTFOUND)
        rc = pilotdb_pilot_get_ref(db, key, p);
    return rc;
}

/* Everything show prints, in one read snapshot. */
static pilotdb_rc show_read(pilotdb *db, const char *key, struct shown_pilot *s)
{
    pilotdb_rc rc;

    if ((rc = pilotdb_begin_read(db)) != PILOTDB_OK)
        return rc;
    if ((rc = find_pilot(db, key, &s->p)) == PILOTDB_OK &&
        (rc = pilotdb_pilot_reason(db, s->p.id, &s->reason)) == PILOTDB_OK &&
        (rc = pilotdb_ce_get(db, s->p.ce_name, &s->ce)) == PILOTDB_OK &&
        (rc = pilotdb_clock_kind(db, &s->view.clock)) == PILOTDB_OK)
        rc = pilotdb_commit(db);
    if (rc != PILOTDB_OK && pilotdb_in_transaction(db))
        pilotdb_rollback(db);
    s->now = pilotdb_now(db);
    return rc;
}

static int pilot_show(const struct cli_globals *g, struct cli_args *a)
{
    struct shown_pilot s;
    unsigned flags = 0;
    pilotdb *db = NULL;
    pilotdb_rc rc;
    int status;

    memset(&s, 0, sizeof s);
    if (cli_parse(a, cli_take_flag, &flags))
        return a->status;
    if ((status = cli_open_db(g, PILOTDB_OPEN_READONLY, &db)) != CLI_OK)
        return status;
    s.view.style = flags & 1u << OPT_UTC ? CLI_TIME_UTC : CLI_TIME_LOCAL;
    rc = show_read(db, a->args[0], &s);
    if (rc == PILOTDB_ENOTFOUND) {
        cli_error("pilot show: no pilot with %s '%s'",
                  strspn(a->args[0], "0123456789") == strlen(a->args[0]) ? "id or ref" : "ref",
                  a->args[0]);
        status = CLI_FAILED;
    } else if (rc != PILOTDB_OK) {
        status = cli_db_error(db, "pilot show");
    } else {
        status = flags & 1u << OPT_JSON ? show_json(&s) : show_text(&s);
    }
    pilotdb_free(s.reason);
    return cli_close_db(g, db, status);
}

static const struct cli_command pilot_submit_cmd = {
    .name = "submit",
    .usage = "pilotdeck [--db PATH] pilot submit CE",
    .args = "CE name",
    .min_args = 1,
    .max_args = 1,
    .in_order = 1,
    .run = pilot_submit,
};

static const struct cli_command pilot_set_cmd = {
    .name = "set",
    .usage = "pilotdeck [--db PATH] pilot set ID STATUS",
    .args = "pilot id and status",
    .min_args = 2,
    .max_args = 2,
    .in_order = 1,
    .run = pilot_set,
};

static const struct cli_command pilot_list_cmd = {
    .name = "list",
    .usage = "pilotdeck [--db PATH] pilot list [--status S] [--ce NAME] [--ref REF]\n"
             "              [--since T] [--until T] [--limit N] [--json | --csv FILE] [--utc]",
    .options = list_options,
    .run = pilot_list,
};

static const struct cli_command pilot_show_cmd = {
    .name = "show",
    .usage = "pilotdeck [--db PATH] pilot show ID|REF [--json] [--utc]",
    .options = show_options,
    .args = "pilot id or ref",
    .min_args = 1,
    .max_args = 1,
    .run = pilot_show,
};

static const struct cli_command *const pilot_subcommands[] = {
    &pilot_submit_cmd, &pilot_set_cmd, &pilot_list_cmd, &pilot_show_cmd, NULL
};

const struct cli_command cmd_pilot = {
    .name = "pilot",
    .summary = "submit pilots, change, list and show their status",
    .description =
        "'submit' prints the new pilot's id; it is refused when the CE is\n"
        "unknown, disabled or full. STATUS is submitted, running, done or\n"
        "failed; allowed changes: submitted->running, submitted->failed,\n"
        "running->done, running->failed.\n"
        "\n"
        "'list' shows pilots in id order: --status, --ce and --ref (the source's\n"
        "reference) select them, --since and --until keep those with a known\n"
        "time (submitted, started or ended) in [since, until), --limit N stops\n"
        "after N. T is an ISO 8601 time with a zone (2026-12-01T10:00:00Z), a\n"
        "date (2026-12-01, midnight UTC), seconds since the epoch, or a duration\n"
        "before now (2h, 7d); on a simulated database a duration from its start.\n"
        "\n"
        "'show' gives one pilot (ID, tried as a ref when no pilot has that id,\n"
        "or REF): its CE, site, ref, status, source status and reason, then\n"
        "its timeline with the time queued and run; the state it is still in\n"
        "counts up to now ('so far'), on wall-clock databases only.\n"
        "\n"
        "Times are ISO 8601 in the local zone (--utc: UTC) on wall-clock\n"
        "databases, virtual 'Dd HH:MM:SS' from the start on simulated ones. A\n"
        "leading '~' marks a time observed by the source (the first time it\n"
        "showed the state) rather than recorded exactly, '?' one the source did\n"
        "not give, '-' one that has not happened. --json gives ISO 8601 UTC\n"
        "strings (null when not known) and each time's kind: exact, observed,\n"
        "unknown or none.\n",
    .subcommands = pilot_subcommands,
};
