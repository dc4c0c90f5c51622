/*
 * cmd_check.c - `pilotdeck check`: a Nagios / Icinga check of a database's
 * CEs, as the Monitoring Plugins guidelines want one: a single line
 * "PILOTDECK STATE: text | perfdata" on standard output and the state as
 * the exit status (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), including for
 * bad arguments and a database that cannot be read.
 *
 * The figures are the dashboard's (tui_view_update() over the same rate
 * window), summed over the CEs selected.
 */
#include "cli.h"
#include "clitime.h"
#include "pilotsim.h"
#include "pilottui.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum plugin_state { STATE_OK = 0, STATE_WARNING = 1, STATE_CRITICAL = 2, STATE_UNKNOWN = 3 };

static const char *const state_names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

/* How many CEs a clause names as the worst. */
#define WORST_NAMED 3

/* ---- the line ------------------------------------------------------------------ */

/* A growing string. */
struct text {
    char *s;
    size_t len, size;
};

static void say(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->size - t->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (!t->s || t->len + (size_t)n >= t->size) {
        t->size = (t->len + (size_t)n + 1) * 2;
        t->s = cli_xrealloc(t->s, t->size);
        va_start(ap, fmt);
        vsnprintf(t->s + t->len, t->size - t->len, fmt, ap);
        va_end(ap);
    }
    t->len += (size_t)n;
}

/* Outside text (a CE, a site, a path) on the line: no control character
 * (cli_safe()), and no '|', which would start the perfdata. */
static void say_name(struct text *t, const char *name)
{
    for (const char *c = cli_safe(name); *c; c++) {
        if (*c == '|')
            say(t, "\\x7c");
        else
            say(t, "%c", *c);
    }
}

/* The one line of an UNKNOWN result; the exit status. */
static int unknown(const char *why)
{
    struct text t = {0};

    say(&t, "PILOTDECK UNKNOWN: ");
    say_name(&t, why);
    printf("%s\n", t.s);
    free(t.s);
    return STATE_UNKNOWN;
}

/* ---- options --------------------------------------------------------------------- */

enum { OPT_CE = 1, OPT_SITE, OPT_WINDOW, OPT_WARN_EFF, OPT_CRIT_EFF, OPT_WARN_FREE,
       OPT_CRIT_FREE, OPT_STALE };

/* What was asked; a threshold below 0 (a stale_ms of 0) was not given. */
struct check_options {
    const char *ce, *site;
    int64_t window_ms;
    double warn_efficiency, crit_efficiency; /* percent */
    int64_t warn_free, crit_free;
    int64_t stale_ms;
};

static const struct cli_option check_options[] = {
    {"ce", 0, CLI_ARG_REQUIRED, "NAME", "only the CE NAME", OPT_CE},
    {"site", 0, CLI_ARG_REQUIRED, "NAME", "only the CEs of site NAME", OPT_SITE},
    {"window", 0, CLI_ARG_REQUIRED, "TIME", "efficiency counts the pilots ended in the\n"
     "last TIME (default 1h; 5m to 7d), as 'top' does", OPT_WINDOW},
    {"warn-efficiency", 0, CLI_ARG_REQUIRED, "P", "WARNING when the efficiency is below P\n"
     "percent (90 or 90%)", OPT_WARN_EFF},
    {"crit-efficiency", 0, CLI_ARG_REQUIRED, "P", "CRITICAL when below P percent", OPT_CRIT_EFF},
    {"warn-free", 0, CLI_ARG_REQUIRED, "N", "WARNING when fewer than N free slots", OPT_WARN_FREE},
    {"crit-free", 0, CLI_ARG_REQUIRED, "N", "CRITICAL when fewer than N free slots", OPT_CRIT_FREE},
    {"stale", 0, CLI_ARG_REQUIRED, "T", "CRITICAL when no pilot changed for longer than\n"
     "T (15m, 2h, 1d; a wall-clock database only)", OPT_STALE},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

static int parse_percent(const char *what, const char *text, double *out)
{
    char number[64];
    size_t n = strlen(text);

    if (n > 0 && n < sizeof number && text[n - 1] == '%') {
        memcpy(number, text, n - 1);
        number[n - 1] = '\0';
        text = number;
    }
    return cli_parse_double(what, text, 0.0, 100.0, out);
}

static int take_check_option(void *state, int id, const char *value)
{
    struct check_options *o = state;
    char err[128];
    int bad = 0;

    switch (id) {
    case OPT_CE: o->ce = value; break;
    case OPT_SITE: o->site = value; break;
    case OPT_WINDOW:
        if (tui_window_parse(value, &o->window_ms, err, sizeof err) != 0) {
            cli_error("check: --window: %s", err);
            bad = 1;
        }
        break;
    case OPT_WARN_EFF:
        bad = parse_percent("check: --warn-efficiency", value, &o->warn_efficiency);
        break;
    case OPT_CRIT_EFF:
        bad = parse_percent("check: --crit-efficiency", value, &o->crit_efficiency);
        break;
    case OPT_WARN_FREE:
        bad = cli_parse_int("check: --warn-free", value, 0, INT64_MAX / 2, &o->warn_free);
        break;
    case OPT_CRIT_FREE:
        bad = cli_parse_int("check: --crit-free", value, 0, INT64_MAX / 2, &o->crit_free);
        break;
    default:
        if (sim_parse_duration(value, &o->stale_ms) != 0 || o->stale_ms <= 0) {
            cli_error("check: --stale: '%s' is not a duration like 15m, 2h or 1d", value);
            bad = 1;
        }
        break;
    }
    return bad ? CLI_USAGE : CLI_OK;
}

static void drop_prefix(char *text, const char *prefix)
{
    size_t n = strlen(prefix);

    if (strncmp(text, prefix, n) == 0)
        memmove(text, text + n, strlen(text + n) + 1);
}

/*
 * cli_parse() with what it says on standard error caught into why (its
 * first line, without "pilotdeck: "): a plugin says everything on its one
 * line of standard output.  Without a temporary file the messages go to
 * standard error as usual.
 */
static int parse_check_args(struct cli_args *a, struct check_options *o, char *why,
                            size_t size)
{
    FILE *caught = tmpfile();
    int saved = -1, done;

    why[0] = '\0';
    fflush(stderr);
    if (caught && (saved = dup(STDERR_FILENO)) >= 0 &&
        dup2(fileno(caught), STDERR_FILENO) < 0) {
        close(saved);
        saved = -1;
    }
    done = cli_parse(a, take_check_option, o);
    fflush(stderr);
    if (saved >= 0) {
        dup2(saved, STDERR_FILENO);
        close(saved);
        rewind(caught);
        if (fgets(why, (int)size, caught)) {
            /* the line says whose message it is already */
            drop_prefix(why, "pilotdeck: ");
            drop_prefix(why, "check: ");
            why[strcspn(why, "\n")] = '\0';
        }
    }
    if (caught)
        fclose(caught);
    return done;
}

/* ---- the selection ------------------------------------------------------------------ */

/* What the selected CEs add up to. */
struct selection {
    size_t ces, disabled;
    int64_t free_slots, capacity, submitted, running;
    int64_t window_done, window_failed; /* ended inside the window */
    int64_t newest;                     /* last change of a pilot, or PILOTDB_NO_TIME */
};

static int selected(const struct check_options *o, const pilotdb_ce *ce)
{
    return o->ce ? strcmp(ce->name, o->ce) == 0
                 : !o->site || strcmp(ce->site, o->site) == 0;
}

/* The efficiency in percent of done and failed pilots ended in the
 * window, or -1 when fewer than TUI_GRADE_MIN_ENDED ended (idle): the
 * dashboard's "too few to judge". */
static double efficiency_percent(int64_t done, int64_t failed)
{
    int64_t ended = done + failed;

    return ended < TUI_GRADE_MIN_ENDED ? -1.0 : 100.0 * (double)done / (double)ended;
}

static void add_up(const tui_view *view, const struct check_options *o, struct selection *s)
{
    memset(s, 0, sizeof *s);
    s->newest = PILOTDB_NO_TIME;
    for (size_t i = 0; i < view->nrows; i++) {
        const tui_ce_row *row = &view->rows[i];
        const pilotdb_ce *ce = row->ce;
        if (!selected(o, ce))
            continue;
        s->ces++;
        s->disabled += !ce->enabled;
        s->free_slots += ce->available_slots;
        s->capacity += ce->enabled ? ce->capacity : 0;
        s->submitted += ce->count[PILOT_SUBMITTED];
        s->running += ce->count[PILOT_RUNNING];
        s->window_done += row->rates.done;
        s->window_failed += row->rates.failed;
        if (ce->last_change_at > s->newest)
            s->newest = ce->last_change_at;
    }
}

/* A CE's figure for the worst list: its free slots (enabled CEs) or its
 * efficiency (CEs not idle); below 0 when it has none. */
static double row_free(const tui_ce_row *row)
{
    return row->ce->enabled ? (double)row->ce->available_slots : -1.0;
}

static double row_efficiency(const tui_ce_row *row)
{
    return efficiency_percent(row->rates.done, row->rates.failed);
}

/* Name the selected CEs with the lowest figure (up to WORST_NAMED, in
 * name order), as " (title: NAME VALUE, ...)"; nothing when fewer than two
 * CEs are selected or none has the figure. */
static void say_worst(struct text *t, const tui_view *view, const struct check_options *o,
                      const char *title, double (*figure)(const tui_ce_row *), int percent)
{
    double lowest = -1.0;
    size_t named = 0, considered = 0;

    for (size_t i = 0; i < view->nrows; i++) {
        double v = figure(&view->rows[i]);
        if (!selected(o, view->rows[i].ce))
            continue;
        considered++;
        if (v >= 0 && (lowest < 0 || v < lowest))
            lowest = v;
    }
    if (considered < 2 || lowest < 0)
        return;
    say(t, " (%s: ", title);
    for (size_t i = 0; i < view->nrows && named < WORST_NAMED; i++) {
        if (!selected(o, view->rows[i].ce) || figure(&view->rows[i]) != lowest)
            continue;
        say(t, "%s", named++ ? ", " : "");
        say_name(t, view->rows[i].ce->name);
        if (percent)
            say(t, " %.1f%%", lowest);
        else
            say(t, " %.0f", lowest);
    }
    say(t, ")");
}

/* ---- the clauses ----------------------------------------------------------------- */

/* One part of the text, with the state it calls for. */
struct clause {
    enum plugin_state state;
    struct text text;
};

static enum plugin_state below(double value, double warn, double crit)
{
    return crit >= 0 && value < crit ? STATE_CRITICAL
           : warn >= 0 && value < warn ? STATE_WARNING : STATE_OK;
}

static void free_clause(struct clause *c, const tui_view *view, const struct check_options *o,
                        const struct selection *s)
{
    c->state = below((double)s->free_slots, (double)o->warn_free, (double)o->crit_free);
    say(&c->text, "%lld free slots of %lld", (long long)s->free_slots, (long long)s->capacity);
    if (c->state != STATE_OK)
        say(&c->text, ", fewer than %lld",
            (long long)(c->state == STATE_CRITICAL ? o->crit_free : o->warn_free));
    say_worst(&c->text, view, o, "fewest", row_free, 0);
}

static void efficiency_clause(struct clause *c, const tui_view *view,
                              const struct check_options *o, const struct selection *s)
{
    double efficiency = efficiency_percent(s->window_done, s->window_failed);
    char window[32];

    sim_format_duration(view->opts.window_ms, window, sizeof window);
    if (efficiency < 0) {
        /* Idle: too few ended pilots to judge, so never an alert. */
        c->state = STATE_OK;
        say(&c->text, "efficiency idle over %s (%lld ended, fewer than %d)", window,
            (long long)(s->window_done + s->window_failed), TUI_GRADE_MIN_ENDED);
        return;
    }
    c->state = below(efficiency, o->warn_efficiency, o->crit_efficiency);
    say(&c->text, "efficiency %.1f%% over %s", efficiency, window);
    if (c->state != STATE_OK)
        say(&c->text, ", below %g%%",
            c->state == STATE_CRITICAL ? o->crit_efficiency : o->warn_efficiency);
    say_worst(&c->text, view, o, "lowest", row_efficiency, 1);
}

static void stale_clause(struct clause *c, const tui_view *view, const struct check_options *o,
                         const struct selection *s)
{
    char age[CLI_TIME_MAX], limit[32];
    int64_t since;

    sim_format_duration(o->stale_ms, limit, sizeof limit);
    if (s->newest == PILOTDB_NO_TIME) {
        c->state = STATE_CRITICAL;
        say(&c->text, "no pilot change recorded (--stale %s)", limit);
        return;
    }
    /* a change after now (clocks apart) is as fresh as can be */
    since = view->now > s->newest ? view->now - s->newest : 0;
    c->state = since > o->stale_ms ? STATE_CRITICAL : STATE_OK;
    say(&c->text, "last pilot change %s ago", cli_span_text(since, age));
    if (c->state != STATE_OK)
        say(&c->text, ", longer than %s", limit);
}

/* ---- perfdata -------------------------------------------------------------------- */

/* A "below" threshold as a Nagios range: "N:" alerts under N; "" unset. */
static const char *range_from(double threshold, char *buf, size_t size)
{
    if (threshold < 0)
        return "";
    snprintf(buf, size, "%g:", threshold);
    return buf;
}

static void say_perfdata(struct text *t, const struct check_options *o,
                         const struct selection *s, int wall_clock, int64_t now)
{
    double efficiency = efficiency_percent(s->window_done, s->window_failed);
    char warn[32], crit[32];

    say(t, "'free_slots'=%lld;%s;%s;0;%lld", (long long)s->free_slots,
        range_from((double)o->warn_free, warn, sizeof warn),
        range_from((double)o->crit_free, crit, sizeof crit), (long long)s->capacity);
    say(t, " 'capacity'=%lld;;;0;", (long long)s->capacity);
    say(t, " 'submitted'=%lld;;;0;", (long long)s->submitted);
    say(t, " 'running'=%lld;;;0;", (long long)s->running);
    if (efficiency < 0)
        say(t, " 'efficiency'=U");
    else
        say(t, " 'efficiency'=%.2f%%", efficiency);
    say(t, ";%s;%s;0;100", range_from(o->warn_efficiency, warn, sizeof warn),
        range_from(o->crit_efficiency, crit, sizeof crit));
    say(t, " 'ended'=%lld;;;0;", (long long)(s->window_done + s->window_failed));
    /* The age of the last change means something on the wall clock only. */
    if (!wall_clock)
        return;
    if (s->newest == PILOTDB_NO_TIME)
        say(t, " 'age'=U");
    else
        say(t, " 'age'=%llds", (long long)(now > s->newest ? (now - s->newest) / 1000 : 0));
    if (o->stale_ms > 0)
        say(t, ";;%g;0;", (double)o->stale_ms / 1000.0);
    else
        say(t, ";;;0;");
}

/* ---- the command ------------------------------------------------------------------ */

static int run_check(const struct cli_globals *g, struct cli_args *a)
{
    struct check_options o = {NULL, NULL, TUI_WINDOW_DEFAULT_MS, -1.0, -1.0, -1, -1, 0};
    struct clause clauses[3];
    size_t nclauses = 0;
    struct selection s;
    enum plugin_state state = STATE_OK;
    struct text line = {0};
    tui_view_options vopts = {0};
    tui_view view;
    pilotdb *db = NULL;
    char why[600];
    pilotdb_rc rc;

    if (parse_check_args(a, &o, why, sizeof why))
        return a->status == CLI_OK ? CLI_OK
                                   : unknown(why[0] ? why : "bad arguments (see"
                                                            " 'pilotdeck check --help')");
    if (o.ce && o.site)
        return unknown("give --ce or --site, not both");
    rc = pilotdb_open(g->db_path, PILOTDB_OPEN_READONLY, &db, why, sizeof why);
    if (rc != PILOTDB_OK) {
        char message[sizeof why + PILOTDB_NAME_MAX + 64];
        snprintf(message, sizeof message, "cannot open database '%s': %s", g->db_path, why);
        return unknown(message);
    }
    vopts.window_ms = o.window_ms;
    tui_view_init(&view, &vopts);
    if ((rc = tui_view_update(&view, db)) != PILOTDB_OK) {
        const char *err = pilotdb_errmsg(db);
        snprintf(why, sizeof why, "reading the database: %s",
                 err[0] ? err : pilotdb_rc_str(rc));
        state = (enum plugin_state)unknown(why);
        goto out;
    }
    add_up(&view, &o, &s);
    if (s.ces == 0 && (o.ce || o.site)) {
        snprintf(why, sizeof why, "no CE %s '%s'", o.ce ? "named" : "of site",
                 o.ce ? o.ce : o.site);
        state = (enum plugin_state)unknown(why);
        goto out;
    }
    if (o.stale_ms > 0 && view.event_clock) {
        state = (enum plugin_state)unknown("--stale needs a wall-clock database; this one"
                                           " holds a simulation (virtual times)");
        goto out;
    }

    memset(clauses, 0, sizeof clauses);
    free_clause(&clauses[nclauses++], &view, &o, &s);
    efficiency_clause(&clauses[nclauses++], &view, &o, &s);
    if (o.stale_ms > 0)
        stale_clause(&clauses[nclauses++], &view, &o, &s);
    for (size_t i = 0; i < nclauses; i++)
        if (clauses[i].state > state)
            state = clauses[i].state;

    /* The clauses that alert first, the worst first; then what is fine. */
    say(&line, "PILOTDECK %s: ", state_names[state]);
    for (int level = STATE_CRITICAL, first = 1; level >= STATE_OK; level--)
        for (size_t i = 0; i < nclauses; i++)
            if ((int)clauses[i].state == level) {
                say(&line, "%s%s", first ? "" : "; ", clauses[i].text.s);
                first = 0;
            }
    if (o.ce) {
        say(&line, "; CE ");
        say_name(&line, o.ce);
    } else {
        say(&line, "; %zu CE%s", s.ces, s.ces == 1 ? "" : "s");
        if (o.site) {
            say(&line, " of site ");
            say_name(&line, o.site);
        }
    }
    if (s.disabled)
        say(&line, " (%zu disabled)", s.disabled);
    say(&line, " | ");
    say_perfdata(&line, &o, &s, !view.event_clock, view.now);
    printf("%s\n", line.s);
    for (size_t i = 0; i < nclauses; i++)
        free(clauses[i].text.s);
    free(line.s);
out:
    tui_view_free(&view);
    if (pilotdb_close(db) != PILOTDB_OK && state != STATE_UNKNOWN) {
        /* the line is out already; say so where the plugin's runner logs */
        cli_error("check: closing '%s' failed", g->db_path);
    }
    return (int)state;
}

const struct cli_command cmd_check = {
    .name = "check",
    .summary = "check the CEs as a Nagios / Icinga plugin (OK, WARNING, CRITICAL)",
    .usage = "pilotdeck [--db PATH] check [--ce NAME | --site NAME] [--window TIME]\n"
             "                       [--warn-efficiency P] [--crit-efficiency P]\n"
             "                       [--warn-free N] [--crit-free N] [--stale T]",
    .description =
        "Check the CEs of the database (all, one with --ce, or a site's with --site)\n"
        "as a Nagios or Icinga plugin: one line 'PILOTDECK STATE: text | perfdata'\n"
        "and the state as the exit status.  Thresholds are plain numbers, not\n"
        "Nagios ranges; without one the state is OK whenever the database can be\n"
        "read.  The efficiency is the share of the pilots ended inside the window\n"
        "that ended done, as 'pilotdeck top' counts them; with fewer than "
        CLI_TEXT(TUI_GRADE_MIN_ENDED) " ended\n"
        "it is idle and never alerts.  The text names the CEs with the fewest free\n"
        "slots and the lowest efficiency.  Perfdata: free_slots, capacity,\n"
        "submitted, running, efficiency (%, U when idle), ended (in the window), and\n"
        "on a wall-clock database age (seconds since a pilot last changed).\n"
        "\n"
        "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad arguments, a\n"
        "database that cannot be read, an unknown --ce or --site, --stale on a\n"
        "simulation's database, whose times are virtual).\n",
    .help_column = 25,
    .epilog = "Example: pilotdeck --db /var/lib/pilotdeck/grid.db check --site CERN \\\n"
              "             --warn-free 10 --crit-free 1 --warn-efficiency 90 \\\n"
              "             --crit-efficiency 75 --stale 30m\n",
    .options = check_options,
    .max_args = 0,
    .run = run_check,
};
