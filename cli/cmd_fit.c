/*
 * cmd_fit.c - `pilotdeck fit`: a scenario fitted to a database's history
 * (sim/fit.h), reported for people or as JSON, or written as a scenario
 * file that `pilotdeck sim` takes unchanged.
 */
#include "cli.h"
#include "clitime.h"
#include "fit.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

enum { OPT_SINCE = 1, OPT_UNTIL, OPT_CE, OPT_MIN_PILOTS, OPT_EVENTS, OPT_OUTPUT, OPT_JSON };

/* The default of --min-pilots. */
#define FIT_MIN_PILOTS 30

static const struct cli_option fit_options[] = {
    {"since", 0, CLI_ARG_REQUIRED, "T", "the window's start (default: the first pilot)",
     OPT_SINCE},
    {"until", 0, CLI_ARG_REQUIRED, "T", "the window's end (default: just after the last\n"
     "change)", OPT_UNTIL},
    {"ce", 0, CLI_ARG_REQUIRED, "NAME", "only CE NAME (again for more CEs)", OPT_CE},
    {"min-pilots", 0, CLI_ARG_REQUIRED, "N",
     "ended pilots a CE needs for estimates of its own;\n"
     "below, it takes its site's or every CE's (default "
     CLI_TEXT(FIT_MIN_PILOTS) ")", OPT_MIN_PILOTS},
    {"events", 0, CLI_ARG_NONE, NULL,
     "the window's capacity and enabled changes (the CE\n"
     "change log) as timeline events", OPT_EVENTS},
    {"output", 'o', CLI_ARG_REQUIRED, "FILE", "write the scenario to FILE (- for standard\n"
     "output) instead of the report", OPT_OUTPUT},
    {"json", 0, CLI_ARG_NONE, NULL, "print the report as JSON", OPT_JSON},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

struct fit_cli {
    const char *since, *until, *output;
    const char **ces;
    size_t nces;
    int64_t min_pilots;
    int events, json;
};

static int take_fit_option(void *state, int id, const char *value)
{
    struct fit_cli *o = state;

    switch (id) {
    case OPT_SINCE: o->since = value; break;
    case OPT_UNTIL: o->until = value; break;
    case OPT_CE:
        o->ces = cli_xrealloc((void *)o->ces, (o->nces + 1) * sizeof *o->ces);
        o->ces[o->nces++] = value;
        break;
    case OPT_MIN_PILOTS:
        if (cli_parse_int("fit: --min-pilots", value, 1, INT64_MAX, &o->min_pilots) != 0)
            return CLI_USAGE;
        break;
    case OPT_EVENTS: o->events = 1; break;
    case OPT_OUTPUT: o->output = value; break;
    default: o->json = 1; break;
    }
    return CLI_OK;
}

/* The scenario's name: "fit of" the database's file name. */
static char *scenario_name(const char *db_path)
{
    const char *base = strrchr(db_path, '/');
    char *name;

    base = base && base[1] ? base + 1 : db_path;
    name = cli_xmalloc(strlen(base) + 8);
    sprintf(name, "fit of %s", base);
    /* a scenario's name is at most 100 bytes; cut at a character's start */
    if (strlen(name) > 100) {
        size_t n = 100;
        while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
            n--;
        name[n] = '\0';
    }
    return name;
}

static int run_fit(const struct cli_globals *g, struct cli_args *a)
{
    struct fit_cli o = {0};
    sim_fit_options opt = {INT64_MIN, INT64_MAX, NULL, 0, FIT_MIN_PILOTS, 0, NULL, 0, 0};
    struct cli_output out = {0};
    pilotdb_clock_type kind;
    pilotdb *db = NULL;
    sim_fit *fit = NULL;
    char err[1024], *name = NULL, *text = NULL;
    int status;

    o.min_pilots = FIT_MIN_PILOTS;
    if (cli_parse(a, take_fit_option, &o)) {
        free(o.ces);
        return a->status;
    }
    if ((status = cli_give_one("fit", o.json, "--json prints the report", o.output != NULL,
                               "-o writes the scenario")) != CLI_OK) {
        free(o.ces);
        return status;
    }
    if (o.output && strcmp(o.output, "-") != 0)
        out.path = o.output;
    out.keep = g->db_path;
    if (out.path && cli_same_file(out.path, g->db_path)) {
        cli_error("fit: -o %s is the database being fitted; write the scenario to another "
                  "file", cli_safe(out.path));
        free(o.ces);
        return CLI_USAGE;
    }
    if ((status = cli_open_db(g, PILOTDB_OPEN_READONLY, &db)) != CLI_OK) {
        free(o.ces);
        return status;
    }
    if (pilotdb_clock_kind(db, &kind) != PILOTDB_OK) {
        status = cli_db_error(db, "fit");
        goto out;
    }
    if ((o.since && cli_parse_time("fit: --since", o.since, kind, pilotdb_now(db),
                                   &opt.since)) ||
        (o.until && cli_parse_time("fit: --until", o.until, kind, pilotdb_now(db),
                                   &opt.until))) {
        status = CLI_USAGE;
        goto out;
    }
    if (o.since && o.until && opt.until <= opt.since) {
        cli_error("fit: --until %s is not after --since %s: the window is empty", o.until,
                  o.since);
        status = CLI_USAGE;
        goto out;
    }
    opt.ces = o.ces;
    opt.nces = o.nces;
    opt.min_pilots = o.min_pilots;
    opt.events = o.events;
    opt.name = name = scenario_name(g->db_path);
    switch (sim_fit_run(db, &opt, &fit, err, sizeof err)) {
    case SIM_OK:
        break;
    case SIM_ENOMEM:
        cli_error("fit: out of memory");
        status = CLI_FAILED;
        goto out;
    default:
        cli_error("fit: %s", err);
        status = CLI_FAILED;
        goto out;
    }
    if (o.json) {
        status = cli_print_json(sim_fit_json(fit));
        goto out;
    }
    if (o.output && sim_fit_scenario_why(fit)) {
        cli_error("fit: %s", sim_fit_scenario_why(fit));
        status = CLI_FAILED;
        goto out;
    }
    text = o.output ? sim_fit_scenario(fit) : sim_fit_text(fit);
    if (!text) {
        cli_error("fit: out of memory");
        status = CLI_FAILED;
        goto out;
    }
    if ((status = cli_output_open(&out, "fit")) != CLI_OK)
        goto out;
    fputs(text, out.out);
    status = cli_output_close(&out, CLI_OK, 0);
    if (status == CLI_OK && out.path)
        fprintf(stderr, "pilotdeck: fit: wrote the scenario to %s\n", cli_safe(out.path));
out:
    free(text);
    free(name);
    free(o.ces);
    sim_fit_free(fit);
    return cli_close_db(g, db, status);
}

const struct cli_command cmd_fit = {
    .name = "fit",
    .summary = "fit a scenario to the database's history",
    .usage = "pilotdeck [--db PATH] fit [--since T] [--until T] [--ce NAME]...\n"
             "                     [--min-pilots N] [--events] [-o SCENARIO.ini | --json]",
    .description =
        "Estimate from the pilots of a window, per CE: the success rate with its\n"
        "Wilson 95 % interval; the queue time (submission to start) and the run time\n"
        "(start to end) as fixed, exp, lognormal or uniform by maximum likelihood,\n"
        "pilots still waiting or running at the window's end censored, the family\n"
        "chosen by AIC; the share of failures that never started; and how pilots\n"
        "are submitted: periodic bursts (the director, its cycle and max_per_cycle,\n"
        "a visible max_waiting) or Poisson arrivals (the offered rate per CE).\n"
        "Capacity and enabled come from the CE table.\n"
        "\n"
        "Run times follow the simulator's model: a pilot fails while running at a\n"
        "uniform point of its run, so a failure's start-to-end time is not a run\n"
        "time; the fit takes done pilots' runs, running pilots as censored and\n"
        "such failures as stopped runs, weighted by the share that fail.  Pilots\n"
        "whose submission or start is unknown are left out of the time fits and\n"
        "counted; observed (not exact) times are used as they are, and counted.\n"
        "\n"
        "Without -o the report goes to standard output; with -o the scenario, which\n"
        "'pilotdeck sim' takes unchanged, each CE's section commented with its\n"
        "estimates.  The same database and options give the same bytes.  The\n"
        "database is only read.\n"
        "\n"
        "T is an ISO 8601 time with a zone, a date, seconds since the epoch, or a\n"
        "duration before now (7d); on a simulation's database, a duration from its\n"
        "start.\n",
    .help_column = 18,
    .epilog = "Example: pilotdeck --db grid.db fit --since 7d -o grid-fit.ini\n",
    .options = fit_options,
    .max_args = 0,
    .run = run_fit,
};
