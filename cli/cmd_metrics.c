/*
 * cmd_metrics.c - `pilotdeck metrics`: the CEs of a database in the
 * Prometheus text exposition format (0.0.4), on standard output or as
 * DIR/pilotdeck.prom for node_exporter's textfile collector.
 *
 * The figures are the dashboard's (tui_view_update() over the same rate
 * window), so a graph and `pilotdeck top` agree on the same database.
 */
#include "cli.h"
#include "pilottui.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What one per-CE family shows of a dashboard row. */
enum ce_figure {
    FIG_CAPACITY, FIG_ENABLED, FIG_SUBMITTED, FIG_RUNNING, FIG_FREE,
    FIG_WINDOW_DONE, FIG_WINDOW_FAILED, FIG_EFFICIENCY, FIG_DONE, FIG_FAILED
};

/* The per-CE metric families, in the order they are written. */
static const struct family {
    const char *name, *type, *help;
    enum ce_figure figure;
} families[] = {
    {"pilotdeck_ce_capacity_slots", "gauge", "Slots the CE offers.", FIG_CAPACITY},
    {"pilotdeck_ce_enabled", "gauge", "1 when the CE takes pilots, 0 when disabled.",
     FIG_ENABLED},
    {"pilotdeck_ce_submitted_pilots", "gauge", "Pilots submitted and waiting to start.",
     FIG_SUBMITTED},
    {"pilotdeck_ce_running_pilots", "gauge", "Pilots running.", FIG_RUNNING},
    {"pilotdeck_ce_free_slots", "gauge", "Slots free for new pilots (0 when disabled).",
     FIG_FREE},
    {"pilotdeck_ce_window_done_pilots", "gauge",
     "Pilots that ended done inside the efficiency window.", FIG_WINDOW_DONE},
    {"pilotdeck_ce_window_failed_pilots", "gauge",
     "Pilots that ended failed inside the efficiency window.", FIG_WINDOW_FAILED},
    {"pilotdeck_ce_efficiency_ratio", "gauge",
     "Share of the pilots ended inside the window that ended done; no sample when"
     " fewer than " CLI_TEXT(TUI_GRADE_MIN_ENDED) " ended (idle).", FIG_EFFICIENCY},
    {"pilotdeck_ce_pilots_done_total", "counter", "Pilots that ended done.", FIG_DONE},
    {"pilotdeck_ce_pilots_failed_total", "counter", "Pilots that ended failed.",
     FIG_FAILED},
};

/* The figure of row, into *value: 0, or -1 when the CE has no sample. */
static int ce_value(const tui_ce_row *row, enum ce_figure figure, double *value)
{
    const pilotdb_ce *ce = row->ce;
    int64_t ended = row->rates.done + row->rates.failed;

    switch (figure) {
    case FIG_CAPACITY: *value = (double)ce->capacity; break;
    case FIG_ENABLED: *value = ce->enabled ? 1.0 : 0.0; break;
    case FIG_SUBMITTED: *value = (double)ce->count[PILOT_SUBMITTED]; break;
    case FIG_RUNNING: *value = (double)ce->count[PILOT_RUNNING]; break;
    case FIG_FREE: *value = (double)ce->available_slots; break;
    case FIG_WINDOW_DONE: *value = (double)row->rates.done; break;
    case FIG_WINDOW_FAILED: *value = (double)row->rates.failed; break;
    case FIG_EFFICIENCY:
        /* An absent sample, not NaN: NaN would turn sum() and avg() over
         * the CEs into NaN, while a missing one is left out of them. */
        if (ended < TUI_GRADE_MIN_ENDED)
            return -1;
        *value = (double)row->rates.done / (double)ended;
        break;
    case FIG_DONE: *value = (double)ce->count[PILOT_DONE]; break;
    case FIG_FAILED: *value = (double)ce->count[PILOT_FAILED]; break;
    }
    return 0;
}

/*
 * A label value as the format wants it: backslash, double quote and line
 * feed escaped.  Other control characters and bytes that are not UTF-8
 * (a database written by other means could hold them) become the text
 * \xNN, as cli_safe() shows them, so the output stays valid UTF-8 and
 * safe on a terminal.
 */
static void put_label_value(FILE *out, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), len;
    unsigned cp = 0;

    for (size_t i = 0; i < n; i += len) {
        len = pilotdb_utf8_char(s + i, n - i, &cp);
        if (len == 1 && (cp == '\\' || cp == '"'))
            fprintf(out, "\\%c", (char)cp);
        else if (len == 1 && cp == '\n')
            fputs("\\n", out);
        else if (len == 0 || pilotdb_is_control(cp))
            for (size_t k = 0, m = len ? len : 1; k < m; k++)
                fprintf(out, "\\\\x%02x", s[i + k]);
        else
            fwrite(s + i, 1, len, out);
        len = len ? len : 1;
    }
}

static void put_family_head(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The exposition of view to out. */
static void write_metrics(FILE *out, const tui_view *view)
{
    int64_t newest = PILOTDB_NO_TIME;

    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        put_family_head(out, families[f].name, families[f].type, families[f].help);
        for (size_t i = 0; i < view->nrows; i++) {
            const tui_ce_row *row = &view->rows[i];
            double value = 0;
            if (ce_value(row, families[f].figure, &value) != 0)
                continue;
            fprintf(out, "%s{ce=\"", families[f].name);
            put_label_value(out, row->ce->name);
            fputs("\",site=\"", out);
            put_label_value(out, row->ce->site);
            fprintf(out, "\"} %.15g\n", value);
        }
    }
    put_family_head(out, "pilotdeck_efficiency_window_seconds", "gauge",
                    "The window over which efficiency and window counts are taken.");
    fprintf(out, "pilotdeck_efficiency_window_seconds %.15g\n",
            (double)view->opts.window_ms / 1000.0);
    /* A simulation's times are virtual (from its start): no wall-clock
     * timestamp to give. */
    for (size_t i = 0; i < view->nrows; i++)
        if (view->rows[i].ce->last_change_at > newest)
            newest = view->rows[i].ce->last_change_at;
    if (!view->event_clock && newest != PILOTDB_NO_TIME) {
        put_family_head(out, "pilotdeck_last_change_timestamp_seconds", "gauge",
                        "When a pilot last changed, in seconds since the Unix epoch.");
        fprintf(out, "pilotdeck_last_change_timestamp_seconds %.15g\n",
                (double)newest / 1000.0);
    }
}

enum { OPT_WINDOW = 1, OPT_TEXTFILE };

static const struct cli_option metrics_options[] = {
    {"window", 0, CLI_ARG_REQUIRED, "TIME", "efficiency counts the pilots ended in the last\n"
     "TIME (default 1h; 5m to 7d), as 'top' does", OPT_WINDOW},
    {"textfile", 0, CLI_ARG_REQUIRED, "DIR", "write DIR/pilotdeck.prom (whole, by a rename)\n"
     "for node_exporter's textfile collector", OPT_TEXTFILE},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

struct metrics_options {
    int64_t window_ms;
    const char *textfile_dir;
};

static int take_metrics_option(void *state, int id, const char *value)
{
    struct metrics_options *o = state;
    char err[128];

    if (id == OPT_TEXTFILE) {
        if (!value[0]) {
            cli_error("metrics: --textfile needs a directory");
            return CLI_USAGE;
        }
        o->textfile_dir = value;
    } else if (tui_window_parse(value, &o->window_ms, err, sizeof err) != 0) {
        cli_error("metrics: --window: %s", err);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* DIR of --textfile is a directory we may write in: CLI_OK, or CLI_FAILED
 * after a message (before the database is read). */
static int check_textfile_dir(const char *dir)
{
    struct stat st;

    if (stat(dir, &st) != 0) {
        cli_error("metrics: --textfile: %s '%s'",
                  errno == ENOENT ? "no directory" : strerror(errno), cli_safe(dir));
        return CLI_FAILED;
    }
    if (!S_ISDIR(st.st_mode)) {
        cli_error("metrics: --textfile: '%s' is not a directory", cli_safe(dir));
        return CLI_FAILED;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        cli_error("metrics: --textfile: cannot write in '%s': %s", cli_safe(dir),
                  strerror(errno));
        return CLI_FAILED;
    }
    return CLI_OK;
}

static int run_metrics(const struct cli_globals *g, struct cli_args *a)
{
    struct metrics_options o = {TUI_WINDOW_DEFAULT_MS, NULL};
    tui_view_options vopts = {0};
    struct cli_output t = {0};
    pilotdb *db = NULL;
    char *path = NULL;
    tui_view view;
    pilotdb_rc rc;
    int status;

    if (cli_parse(a, take_metrics_option, &o))
        return a->status;
    if (o.textfile_dir && check_textfile_dir(o.textfile_dir) != CLI_OK)
        return CLI_FAILED;
    if ((status = cli_open_db(g, PILOTDB_OPEN_READONLY, &db)) != CLI_OK)
        return status;
    vopts.window_ms = o.window_ms;
    tui_view_init(&view, &vopts);
    if ((rc = tui_view_update(&view, db)) != PILOTDB_OK) {
        const char *why = pilotdb_errmsg(db);
        cli_error("metrics: reading the database: %s", why[0] ? why : pilotdb_rc_str(rc));
        status = CLI_FAILED;
        goto out;
    }
    if (o.textfile_dir) {
        path = cli_xmalloc(strlen(o.textfile_dir) + sizeof "/pilotdeck.prom");
        sprintf(path, "%s/pilotdeck.prom", o.textfile_dir);
        t.path = path;
        t.keep = g->db_path;
    }
    if ((status = cli_output_open(&t, "metrics")) != CLI_OK)
        goto out;
    write_metrics(t.out, &view);
    status = cli_output_close(&t, CLI_OK, 0);
out:
    free(path);
    tui_view_free(&view);
    return cli_close_db(g, db, status);
}

const struct cli_command cmd_metrics = {
    .name = "metrics",
    .summary = "print the CEs as Prometheus metrics (or a node_exporter textfile)",
    .usage = "pilotdeck [--db PATH] metrics [--window TIME] [--textfile DIR]",
    .description = "Print the CEs of the database in the Prometheus text format: per CE\n"
                   "(labels ce and site) its capacity, whether it is enabled, its submitted\n"
                   "and running pilots, its free slots, the pilots that ended done and failed\n"
                   "inside the window and its efficiency there (the share that ended done;\n"
                   "none while fewer than " CLI_TEXT(TUI_GRADE_MIN_ENDED)
                   " ended), and its done and failed pilots as\n"
                   "counters; then the window, and when a pilot last changed (a wall-clock\n"
                   "database only).  The figures are those 'pilotdeck top' shows for the same\n"
                   "window.  The database is only read.\n"
                   "\n"
                   "With --textfile the metrics go to DIR/pilotdeck.prom, written to a\n"
                   "temporary file in DIR and renamed, so the collector never reads half a\n"
                   "file; on any error the file stays as it was.\n",
    .help_column = 19,
    .epilog = "Example (cron, every minute):\n"
              "  * * * * * pilotdeck --db /var/lib/pilotdeck/grid.db metrics \\\n"
              "      --textfile /var/lib/prometheus/node-exporter\n",
    .options = metrics_options,
    .max_args = 0,
    .run = run_metrics,
};
