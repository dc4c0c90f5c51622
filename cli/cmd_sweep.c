/*
 * cmd_sweep.c - `pilotdeck sweep`: the metrics of a scenario over a range of
 * one parameter, each point over the same seeded replications, as a table,
 * a chart in the terminal, CSV and a plot drawn by gnuplot.
 *
 * The range is expanded and every point's scenario is changed and checked
 * before anything is simulated.
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fit.h"
#include "pilotsim.h"
#include "study.h"

#define MAX_POINTS 1000

enum { OPT_VARY = 1 };

static const struct cli_option sweep_options[] = {
    {"vary", 0, CLI_ARG_REQUIRED, "KEY=FROM..TO:STEP",
     "the key and its values (at most " CLI_TEXT(MAX_POINTS) ")", OPT_VARY},
    {"replications", 0, CLI_ARG_REQUIRED, "N",
     "replications per value (default 10, at least 2)", STUDY_OPT_REPLICATIONS},
    {"seed", 0, CLI_ARG_REQUIRED, "S", "first seed (default: the scenario's)", STUDY_OPT_SEED},
    {"jobs", 0, CLI_ARG_REQUIRED, "J", "threads (default: the CPUs online); results do not\n"
     "depend on it", STUDY_OPT_JOBS},
    {"json", 0, CLI_ARG_NONE, NULL, "print the report as JSON (every value, CE and metric)",
     STUDY_OPT_JSON},
    {"csv", 0, CLI_ARG_REQUIRED, "FILE", "every CE and metric at every value, as CSV\n"
     "(- for standard output)", STUDY_OPT_CSV},
    {"plot", 0, CLI_ARG_REQUIRED, "FILE", "draw the charted metric with gnuplot into FILE (.svg\n"
     "or .png; - for SVG on standard output)", STUDY_OPT_PLOT},
    {"plot-range", 0, CLI_ARG_REQUIRED, "LOW:HIGH", "the plot's y axis (default: from 0 to\n"
     "what the data needs)", STUDY_OPT_PLOT_RANGE},
    {"metric", 0, CLI_ARG_REQUIRED, "M", "the metric charted and plotted: throughput_per_hour\n"
     "(default), done, failed, utilization, refused,\n"
     "peak_active", STUDY_OPT_METRIC},
    {"shard", 0, CLI_ARG_REQUIRED, "K/N", "run only replications t with t % N = K - 1 and write\n"
     "them as JSON lines, for 'pilotdeck merge'", STUDY_OPT_SHARD},
    STUDY_STORE_OPTION,
    STUDY_FROM_DB_OPTIONS,
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

struct sweep_options {
    struct study_options *study;
    const char *vary;
};

static int take_sweep_option(void *state, int id, const char *value)
{
    struct sweep_options *so = state;
    int taken = study_option("sweep", id, value, so->study);

    if (taken < 0)
        return CLI_USAGE;
    if (!taken) {
        if (so->vary) {
            cli_error("sweep: give --vary once (one key per sweep)");
            return CLI_USAGE;
        }
        so->vary = value;
    }
    return CLI_OK;
}

/* Digits after the decimal point in a number as written. */
static int decimals(const char *text)
{
    const char *dot = strchr(text, '.');

    return dot ? (int)strlen(dot + 1) : 0;
}

static int parse_number(const char *what, const char *text, double *out)
{
    char *end;

    *out = strtod(text, &end);
    if (!*text || *end || !isfinite(*out) || strpbrk(text, "eExXnN")) {
        cli_error("sweep: --vary: %s '%s' is not a plain number (or a duration with a "
                  "unit)", what, text);
        return -1;
    }
    return 0;
}

/* The points of a sweep, from --vary KEY=FROM..TO:STEP. */
struct points {
    char *key, *range;
    const char *x_unit;   /* durations: STEP's unit ("s", "min", "h", ...), else "" */
    size_t n;
    char **labels;        /* per point */
    double *x;
    char **assignments;   /* KEY=VALUE to apply */
};

static void points_free(struct points *p)
{
    size_t k;

    for (k = 0; k < p->n; k++) {
        free(p->labels[k]);
        free(p->assignments[k]);
    }
    free(p->labels);
    free(p->assignments);
    free(p->x);
    free(p->key);
    free(p->range);
}

/* The unit a duration is written in ("90s", "1.5m"): its name on a plot's
 * axis and its length; s when there is none to read. */
static void duration_unit(const char *text, const char **name, double *ms)
{
    static const struct { const char *suffix, *name; double ms; } units[] = {
        {"ms", "ms", 1}, {"s", "s", 1e3}, {"m", "min", 6e4}, {"h", "h", 3.6e6},
        {"d", "d", 8.64e7}
    };
    size_t len = strlen(text);

    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = strlen(units[i].suffix);
        if (len > n && strcmp(text + len - n, units[i].suffix) == 0 &&
            (text[len - n - 1] == '.' || (text[len - n - 1] >= '0' && text[len - n - 1] <= '9'))) {
            *name = units[i].name;
            *ms = units[i].ms;
            return;
        }
    }
    *name = "s";
    *ms = 1e3;
}

/*
 * Expand "KEY=FROM..TO:STEP" into points (zeroed first): a label, a value
 * and the assignment to apply for each.  CLI_OK or CLI_USAGE.
 */
static int expand_range(const char *vary, struct points *pts)
{
    const char *eq = strrchr(vary, '=');
    char *range, *dots, *colon, *from_text, *to_text, *step_text;
    int64_t from_ms, to_ms, step_ms;
    double from, to, step;
    size_t n, k;
    int status = CLI_USAGE, is_duration;
    double unit_ms = 1;

    memset(pts, 0, sizeof *pts);
    if (!eq || eq == vary) {
        cli_error("sweep: --vary '%s' is not KEY=FROM..TO:STEP", vary);
        return CLI_USAGE;
    }
    range = cli_xstrdup(eq + 1);
    dots = strstr(range, "..");
    colon = dots ? strchr(dots + 2, ':') : NULL;
    if (!dots || !colon || dots == range || colon == dots + 2 || !colon[1]) {
        cli_error("sweep: --vary %s: the range '%s' is not FROM..TO:STEP (e.g. 20..80:10 "
                  "or 1m..10m:1m)", vary, eq + 1);
        goto out;
    }
    *dots = '\0';
    *colon = '\0';
    from_text = range;
    to_text = dots + 2;
    step_text = colon + 1;
    pts->key = cli_xcalloc((size_t)(eq - vary) + 1, 1);
    memcpy(pts->key, vary, (size_t)(eq - vary));
    pts->range = cli_xstrdup(eq + 1);

    {
        /* durations if any part has a unit: then name the part without one */
        const char *const part[3] = {"FROM", "TO", "STEP"};
        const char *const text[3] = {from_text, to_text, step_text};
        int64_t *const ms[3] = {&from_ms, &to_ms, &step_ms};
        int ok[3], i, any = 0;
        for (i = 0; i < 3; i++)
            any |= ok[i] = sim_parse_duration(text[i], ms[i]) == 0;
        is_duration = any;
        for (i = 0; any && i < 3; i++) {
            if (!ok[i]) {
                int j = ok[0] ? 0 : ok[1] ? 1 : 2;
                cli_error("sweep: --vary %s: %s '%s' is not a duration with a unit (e.g. "
                          "0h, 90m), as %s '%s' is", vary, part[i], text[i], part[j],
                          text[j]);
                goto out;
            }
        }
    }
    if (is_duration) {
        from = (double)from_ms;
        to = (double)to_ms;
        step = (double)step_ms;
    } else if (parse_number("FROM", from_text, &from) != 0 ||
               parse_number("TO", to_text, &to) != 0 ||
               parse_number("STEP", step_text, &step) != 0) {
        goto out;
    }
    if (!(step > 0) || to < from) {
        cli_error("sweep: --vary %s: need STEP > 0 and FROM <= TO", vary);
        goto out;
    }
    if ((to - from) / step + 1 > MAX_POINTS) {
        cli_error("sweep: --vary %s: more than %d values", vary, MAX_POINTS);
        goto out;
    }
    n = (size_t)floor((to - from) / step + 1e-9) + 1;
    pts->labels = cli_xcalloc(n, sizeof *pts->labels);
    pts->x = cli_xcalloc(n, sizeof *pts->x);
    pts->assignments = cli_xcalloc(n, sizeof *pts->assignments);
    pts->n = n;
    pts->x_unit = "";
    if (is_duration) /* x in the unit the step is written in: minutes for 1m */
        duration_unit(step_text, &pts->x_unit, &unit_ms);
    for (k = 0; k < n; k++) {
        char label[64], assignment[512];
        if (is_duration) {
            int64_t ms = from_ms + (int64_t)k * step_ms;
            sim_format_duration(ms, label, sizeof label);
            pts->x[k] = (double)ms / unit_ms;
        } else {
            int d = decimals(from_text), dt = decimals(to_text), ds = decimals(step_text);
            double v = from + (double)k * step;
            d = d > dt ? d : dt;
            d = d > ds ? d : ds;
            snprintf(label, sizeof label, "%.*f", d > 15 ? 15 : d, v);
            pts->x[k] = strtod(label, NULL);
        }
        pts->labels[k] = cli_xstrdup(label);
        snprintf(assignment, sizeof assignment, "%s=%s", pts->key, label);
        pts->assignments[k] = cli_xstrdup(assignment);
    }
    status = CLI_OK;
out:
    free(range);
    return status;
}

static int run_sweep(const struct cli_globals *g, struct cli_args *a)
{
    struct study_options o;
    struct sweep_options so = {&o, NULL};
    sim_study st;
    struct points pts = {0};
    sim_fit *fit = NULL;
    char *base_label = NULL;
    const char *vary;
    char err[1024];
    size_t k;
    int status = CLI_USAGE;
    sim_rc rc;

    sim_study_init(&st, SIM_STUDY_SWEEP);
    study_options_init(&o);
    if (cli_parse(a, take_sweep_option, &so)) {
        status = a->status;
        goto out;
    }
    vary = so.vary;
    if (!vary) {
        cli_error("sweep: missing --vary KEY=FROM..TO:STEP (see 'pilotdeck sweep --help')");
        goto out;
    }
    if ((status = study_check_from_db("sweep", &o)) != CLI_OK)
        goto out;
    if (o.from_db.on == (a->nargs == 1)) {
        cli_error("sweep: %s", a->nargs ? "give SCENARIO or --from-db, not both"
                                         : "missing SCENARIO (or --from-db)");
        status = CLI_USAGE;
        goto out;
    }
    if (!o.from_db.on && (status = study_check_path("sweep", a->args[0])) != CLI_OK)
        goto out;
    if ((status = expand_range(vary, &pts)) != CLI_OK)
        goto out;
    if (o.from_db.on)
        o.out.keep = g->db_path;
    if (o.from_db.on && (status = study_fit_db("sweep", g, &o, &fit, &base_label)) != CLI_OK)
        goto out;
    status = CLI_FAILED;
    if (sim_study_sweep(&st, fit ? base_label : a->args[0], pts.key, pts.range, pts.x_unit,
                        pts.n, err, sizeof err) != SIM_OK) {
        cli_error("%s", err);
        goto out;
    }
    for (k = 0; k < pts.n; k++) {
        sim_scenario *scn;
        if (fit) {
            if ((status = study_fit_scenario("sweep", fit, &o, &scn)) != CLI_OK)
                goto out;
            status = CLI_FAILED;
        } else if (sim_scenario_load(st.base, &scn, err, sizeof err) != SIM_OK) {
            cli_error("%s", err);
            goto out;
        }
        rc = sim_scenario_set_absolute(scn, pts.assignments[k], err, sizeof err);
        if (rc != SIM_OK) {
            sim_scenario_free(scn);
            cli_error("sweep: --vary %s: %s", vary, rc == SIM_ENOMEM ? "out of memory" : err);
            status = rc == SIM_ENOMEM ? CLI_FAILED : CLI_USAGE;
            goto out;
        }
        if (sim_study_add_point(&st, pts.labels[k], pts.x[k], scn, err, sizeof err) !=
            SIM_OK) {
            cli_error("%s", err);
            goto out;
        }
    }
    points_free(&pts);
    sim_fit_free(fit);
    free(base_label);
    return study_finish("sweep", &st, &o);
out:
    points_free(&pts);
    sim_fit_free(fit);
    free(base_label);
    sim_study_free(&st);
    return status;
}

/* The description names the keys --vary takes, from the scenario key table. */
static void describe_sweep(FILE *out)
{
    fputs("Run the scenario at each value FROM, FROM+STEP, ... up to TO of one key\n", out);
    sim_scenario_keys_help(out, "(as for 'pilotdeck whatif --set': ", "), N seeded "
                           "replications per value with the same seeds at every value "
                           "(common random numbers), and print the totals with 95% "
                           "confidence intervals and a chart of one metric.", 0, 74);
    fputs("Durations take units: --vary scenario.cycle=1m..10m:1m.\n"
          "With --from-db the scenario is the database as it is now (see 'pilotdeck\n"
          "whatif --help'): its last --window fitted, its active pilots carried over,\n"
          "for --horizon.\n", out);
}

const struct cli_command cmd_sweep = {
    .name = "sweep",
    .summary = "a scenario's metrics over a range of one parameter (table, chart, CSV, plot)",
    .usage = "pilotdeck sweep SCENARIO --vary KEY=FROM..TO:STEP [--replications N]\n"
             "                       [--seed S] [--jobs J] [--json] [--csv FILE] [--plot FILE]\n"
             "                       [--plot-range LOW:HIGH] [--metric M] [--shard K/N]\n"
             "                       [--store memory|sqlite]\n"
             "       pilotdeck [--db PATH] sweep --from-db [--window D] [--horizon D]\n"
             "                       --vary KEY=FROM..TO:STEP ...",
    .describe = describe_sweep,
    .options_title = "Options:",
    .help_column = 22,
    .epilog = "Example: pilotdeck sweep scenarios/capacity_whatif.ini \\\n"
              "             --vary ce.big.example.org.capacity=20..80:10 --plot sweep.svg\n",
    .options = sweep_options,
    .args = "SCENARIO",
    .min_args = 0,
    .max_args = 1,
    .run = run_sweep,
};
