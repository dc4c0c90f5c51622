/*
 * cmd_export.c - `pilotdeck export`: a database's pilot history as jsonl
 * (the format `pilotdeck ingest` reads, one line per transition) or as
 * RFC 4180 CSV, to a file written whole or not at all, or to stdout.
 */
#include "cli.h"
#include "clitime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_FORMAT = 1, OPT_SINCE, OPT_UNTIL, OPT_CE, OPT_ORIGIN };

/* Times before this (1990-01-01T00:00:00Z, ms) are refused by ingest. */
#define EXPORT_TIME_MIN INT64_C(631152000000)

static const struct cli_option export_options[] = {
    {"format", 0, CLI_ARG_REQUIRED, "F", "jsonl (default) or csv", OPT_FORMAT},
    {"since", 0, CLI_ARG_REQUIRED, "T", "only transitions at or after T", OPT_SINCE},
    {"until", 0, CLI_ARG_REQUIRED, "T", "only transitions before T", OPT_UNTIL},
    {"ce", 0, CLI_ARG_REQUIRED, "NAME", "only the pilots of the CE NAME", OPT_CE},
    {"origin", 0, CLI_ARG_REQUIRED, "T",
     "a simulated database only (and needed there): the\n"
     "wall-clock time its virtual time 0 stands for", OPT_ORIGIN},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

struct export_options {
    int csv;
    const char *since, *until, *origin; /* parsed once the clock is known */
    const char *ce_name;
};

static int take_export_option(void *state, int id, const char *value)
{
    struct export_options *o = state;

    switch (id) {
    case OPT_FORMAT:
        if (strcmp(value, "jsonl") != 0 && strcmp(value, "csv") != 0) {
            cli_error("export: --format '%s' is not a format (jsonl or csv)", value);
            return CLI_USAGE;
        }
        o->csv = strcmp(value, "csv") == 0;
        break;
    case OPT_SINCE: o->since = value; break;
    case OPT_UNTIL: o->until = value; break;
    case OPT_CE: o->ce_name = value; break;
    default: o->origin = value; break;
    }
    return CLI_OK;
}

/* ---- the fields of a line --------------------------------------------------- */

/* What is written of one transition. */
struct line {
    char ref[PILOTDB_NAME_MAX + 1], at[CLI_TIME_MAX];
    const pilotdb_transition *t;
};

/* How a field is written in jsonl: a string, or a literal (true/false). */
enum field_type { FIELD_STRING, FIELD_LITERAL };

/* A field: its name (the jsonl key and the CSV column), its type, and its
 * value for a line, NULL when the line has none (no jsonl key, an empty
 * CSV cell). */
struct field {
    const char *name;
    enum field_type type;
    const char *(*value)(const struct line *l);
};

static const char *ref_value(const struct line *l) { return l->ref; }
static const char *ce_value(const struct line *l) { return l->t->pilot->ce_name; }
static const char *at_value(const struct line *l) { return l->at; }

static const char *site_value(const struct line *l)
{
    return l->t->site && *l->t->site ? l->t->site : NULL;
}

static const char *status_value(const struct line *l)
{
    return pilot_status_name(l->t->to);
}

static const char *observed_value(const struct line *l)
{
    return l->t->kind == PILOTDB_TIME_OBSERVED ? "true" : NULL;
}

/* A failed pilot that never started: said on its failed line. */
static const char *started_value(const struct line *l)
{
    return l->t->to == PILOT_FAILED && l->t->pilot->started_kind == PILOTDB_TIME_NONE
               ? "false"
               : NULL;
}

static const char *reason_value(const struct line *l)
{
    return l->t->last && l->t->reason && *l->t->reason ? l->t->reason : NULL;
}

static const char *source_status_value(const struct line *l)
{
    return l->t->last && l->t->pilot->source_status[0] ? l->t->pilot->source_status : NULL;
}

/* The fields in the order written: jsonl keys and CSV columns alike. */
static const struct field fields[] = {
    {"ref", FIELD_STRING, ref_value},
    {"ce", FIELD_STRING, ce_value},
    {"site", FIELD_STRING, site_value},
    {"status", FIELD_STRING, status_value},
    {"at", FIELD_STRING, at_value},
    {"observed", FIELD_LITERAL, observed_value},
    {"started", FIELD_LITERAL, started_value},
    {"reason", FIELD_STRING, reason_value},
    {"source_status", FIELD_STRING, source_status_value},
};

#define NFIELDS (sizeof fields / sizeof fields[0])

/* ---- writing ---------------------------------------------------------------- */

struct export_out {
    FILE *out;
    int csv;
    pilotdb_clock_type kind; /* of the times written: the database's, or
                                wall after --origin */
    int64_t origin;          /* added to every time */
    int header_done;
    int write_errno;         /* the error of a failed write, or 0 */
    const char *bad;         /* the field that stopped the export, or NULL */
    int64_t bad_pilot;
};

/* Write s as a JSON string; -1 if it is not valid UTF-8. */
static int put_json_string(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), len;
    unsigned cp;

    putc('"', out);
    while (n > 0) {
        if (*p == '"' || *p == '\\') {
            putc('\\', out);
            putc(*p, out);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(out, "\\u%04x", *p);
        } else if ((len = pilotdb_utf8_char(p, n, &cp)) == 0) {
            return -1;
        } else {
            fwrite(p, 1, len, out);
            p += len;
            n -= len;
            continue;
        }
        p++;
        n--;
    }
    putc('"', out);
    return 0;
}

static void put_csv_header(struct export_out *x)
{
    for (size_t i = 0; i < NFIELDS; i++)
        fprintf(x->out, "%s%s", i ? "," : "", fields[i].name);
    fputs(PILOTDB_CSV_EOL, x->out);
    x->header_done = 1;
}

static int put_transition(void *arg, const pilotdb_transition *t)
{
    struct export_out *x = arg;
    struct line l;
    int first = 1;

    l.t = t;
    if (t->pilot->ref[0])
        memcpy(l.ref, t->pilot->ref, sizeof l.ref);
    else
        snprintf(l.ref, sizeof l.ref, "pilot-%lld", (long long)t->pilot->id);
    cli_time_text(t->at + x->origin, x->kind, CLI_TIME_JSON, l.at);
    if (x->csv && !x->header_done)
        put_csv_header(x);
    if (!x->csv)
        putc('{', x->out);
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *v = fields[i].value(&l);

        if (x->csv) {
            if (i)
                putc(',', x->out);
            if (v)
                pilotdb_csv_put(x->out, v);
            continue;
        }
        if (!v)
            continue;
        fprintf(x->out, "%s\"%s\":", first ? "" : ",", fields[i].name);
        first = 0;
        if (fields[i].type == FIELD_LITERAL) {
            fputs(v, x->out);
        } else if (put_json_string(x->out, v) != 0) {
            x->bad = fields[i].name;
            x->bad_pilot = t->pilot->id;
            return 1;
        }
    }
    fputs(x->csv ? PILOTDB_CSV_EOL : "}\n", x->out);
    if (!ferror(x->out))
        return 0;
    x->write_errno = errno ? errno : EIO;
    return 1;
}

/* ---- the command ---------------------------------------------------------------- */

/* Read --since, --until and --origin for a database on clock kind. */
static int parse_times(const struct export_options *o, pilotdb *db, pilotdb_clock_type kind,
                       pilotdb_transition_filter *f, int64_t *origin)
{
    int64_t now = pilotdb_now(db); /* the wall clock's, whatever the database's */
    char text[CLI_TIME_MAX];

    *origin = 0;
    if (kind == PILOTDB_CLOCK_SIM && !o->origin) {
        cli_error("export: this database holds a simulation on a virtual clock (times"
                  " from its start); give --origin T, the wall-clock time its start"
                  " stands for (such as --origin 2026-12-01T00:00:00Z)");
        return CLI_USAGE;
    }
    if (kind != PILOTDB_CLOCK_SIM && o->origin) {
        cli_error("export: --origin is for a simulated database; this one's times are"
                  " on the wall clock already");
        return CLI_USAGE;
    }
    if (o->origin) {
        if (cli_parse_time("export: --origin", o->origin, PILOTDB_CLOCK_WALL, now,
                           origin) != 0)
            return CLI_USAGE;
        if (*origin < EXPORT_TIME_MIN) {
            cli_error("export: --origin %s is before 1990 (ingest refuses such times)",
                      cli_time_text(*origin, PILOTDB_CLOCK_WALL, CLI_TIME_UTC, text));
            return CLI_USAGE;
        }
    }
    if ((o->since && cli_parse_time("export: --since", o->since, kind, now, &f->from)) ||
        (o->until && cli_parse_time("export: --until", o->until, kind, now, &f->to)))
        return CLI_USAGE;
    if (f->from > f->to) {
        cli_error("export: --since %s is after --until %s", o->since, o->until);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int run_export(const struct cli_globals *g, struct cli_args *a)
{
    struct export_options o = {0, NULL, NULL, NULL, NULL};
    pilotdb_transition_filter f = {INT64_MIN, INT64_MAX, NULL};
    struct export_out x = {0};
    struct cli_output t = {0};
    pilotdb_clock_type kind;
    pilotdb *db = NULL;
    int status;

    if (cli_parse(a, take_export_option, &o))
        return a->status;
    if (a->nargs == 1 && strcmp(a->args[0], "-") != 0)
        t.path = a->args[0];
    t.keep = g->db_path;
    if ((status = cli_open_db(g, PILOTDB_OPEN_READONLY, &db)) != CLI_OK)
        return status;
    if (pilotdb_clock_kind(db, &kind) != PILOTDB_OK) {
        status = cli_db_error(db, "export");
        goto out;
    }
    f.ce_name = o.ce_name;
    if ((status = parse_times(&o, db, kind, &f, &x.origin)) != CLI_OK ||
        (status = cli_output_open(&t, "export")) != CLI_OK)
        goto out;
    x.out = t.out;
    x.csv = o.csv;
    x.kind = kind == PILOTDB_CLOCK_SIM ? PILOTDB_CLOCK_WALL : kind;
    if (pilotdb_transitions_foreach(db, &f, put_transition, &x) != PILOTDB_OK) {
        status = cli_db_error(db, "export");
    } else if (x.bad) {
        cli_error("export: the %s of pilot %lld is not valid UTF-8", x.bad,
                  (long long)x.bad_pilot);
        status = CLI_FAILED;
    } else if (x.csv && !x.header_done) {
        put_csv_header(&x);
    }
    status = cli_output_close(&t, status, x.write_errno);
    if (status == CLI_OK) {
        char note[256];
        if (cli_time_note(db, note, sizeof note) == 0 && note[0])
            fprintf(stderr, "pilotdeck: export: %s (written as such)\n", note);
    }
out:
    return cli_close_db(g, db, status);
}

const struct cli_command cmd_export = {
    .name = "export",
    .summary = "write the pilots' history as jsonl (for ingest) or CSV",
    .usage = "pilotdeck [--db PATH] export [--format jsonl|csv] [--since T] [--until T]\n"
             "                        [--ce NAME] [--origin T] [FILE|-]",
    .description =
        "Write every known transition of the pilots (submitted, running, done,\n"
        "failed), one per line in time order, to FILE (replaced only once it is\n"
        "written whole) or to standard output (- or no FILE).\n"
        "\n"
        "jsonl is what 'pilotdeck ingest' reads: export | ingest into a fresh\n"
        "database gives the same history.  Keys, in this order: ref, ce, site (when\n"
        "the CE has one), status, at (ISO 8601 UTC with ms), observed (true for a\n"
        "time first seen rather than recorded), started (false on the failed line\n"
        "of a pilot that never started), and on a pilot's last line its reason and\n"
        "source_status.  Pilots made by the simulator or 'pilot submit' have no ref:\n"
        "they get \"pilot-ID\".  Times that are not known give no line.\n"
        "\n"
        "csv is RFC 4180: the header ref,ce,site,status,at,observed,started,reason,\n"
        "source_status, the same values (an empty cell where jsonl has no key),\n"
        "fields with a comma, quote, CR or LF quoted, CRLF line ends.\n"
        "\n"
        "T is an ISO 8601 time with a zone, a date, seconds since the epoch, or a\n"
        "duration before now (2h).  A simulated database's times are virtual (from\n"
        "its start): there --since/--until are durations from the start, and\n"
        "--origin is required to write wall-clock times.\n",
    .help_column = 18,
    .epilog = "Example: pilotdeck --db sim.db export --origin 2026-12-01T00:00:00Z run.jsonl\n",
    .options = export_options,
    .max_args = 1,
    .run = run_export,
};
