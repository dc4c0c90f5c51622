/*
 * cmd_sim.c - `pilotdeck sim`: play a scenario into a database and report.
 *
 * The scenario, seed and --until are all checked before any database is
 * opened, so bad input writes nothing.  The database is :memory: unless one
 * was named: `pilotdeck sim --db run.db ...`, `pilotdeck --db run.db sim ...`
 * or $PILOTDECK_DB (a file database can be watched live with `pilotdeck top`
 * while the simulation runs).
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pilotsim.h"
#include "scenario_path.h"

enum { OPT_SEED = 1, OPT_DB, OPT_UNTIL, OPT_SPEED, OPT_JSON, OPT_CSV };

/* How often a paced run (--speed) plays the clock forward and commits. */
#define PACE_TICK_MS 100

static const struct cli_option sim_options[] = {
    {"seed", 0, CLI_ARG_REQUIRED, "N", "seed instead of the scenario's own (0 to 2^63-1)",
     OPT_SEED},
    {"db", 0, CLI_ARG_REQUIRED, "PATH",
     "database to write (created if missing; must not hold the\n"
     "scenario's CEs already); default :memory: unless --db\n"
     "or $PILOTDECK_DB names one", OPT_DB},
    {"until", 0, CLI_ARG_REQUIRED, "T",
     "stop at virtual time T (90s, 15m, 2h, 3d) instead of the end", OPT_UNTIL},
    {"speed", 0, CLI_ARG_REQUIRED, "X",
     "play the virtual clock at X times real time (60: a\n"
     "simulated minute a second), for watching with top;\n"
     "default: as fast as possible", OPT_SPEED},
    {"json", 0, CLI_ARG_NONE, NULL, "print the report as JSON", OPT_JSON},
    {"csv", 0, CLI_ARG_REQUIRED, "FILE",
     "write the time series (one row per sample and CE) to FILE", OPT_CSV},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

struct sim_options {
    const char *db_path, *until_text, *csv_path;
    int64_t seed;  /* -1: the scenario's */
    double speed;  /* 0: as fast as possible */
    int json;
};

static int take_sim_option(void *state, int id, const char *value)
{
    struct sim_options *o = state;

    switch (id) {
    case OPT_SEED:
        if (cli_parse_int("--seed", value, 0, SIM_SEED_MAX, &o->seed) != 0)
            return CLI_USAGE;
        break;
    case OPT_DB:
        if (!value[0]) {
            cli_error("--db needs a path");
            return CLI_USAGE;
        }
        o->db_path = value;
        break;
    case OPT_UNTIL:
        o->until_text = value;
        break;
    case OPT_SPEED:
        if (cli_parse_double("--speed", value, 1.0 / 64.0, 65536.0, &o->speed) != 0)
            return CLI_USAGE;
        break;
    case OPT_JSON:
        o->json = 1;
        break;
    default:
        o->csv_path = value;
        break;
    }
    return CLI_OK;
}

struct progress {
    struct timespec start;
    int shown;
    long last_tenth;
};

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A bar on stderr, only once the run has taken over a second. */
static void show_progress(void *arg, int64_t now, int64_t duration)
{
    struct progress *pg = arg;
    double elapsed = seconds_since(&pg->start);
    long tenth = (long)(elapsed * 10);
    int width = 40, filled, percent;

    if (elapsed < 1.0 || (pg->shown && tenth == pg->last_tenth && now < duration))
        return;
    pg->last_tenth = tenth;
    pg->shown = 1;
    percent = duration > 0 ? (int)(now * 100 / duration) : 100;
    filled = percent * width / 100;
    fprintf(stderr, "\r[%.*s%*s] %3d%%", filled,
            "########################################", width - filled, "", percent);
    fflush(stderr);
}

static int64_t monotonic_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Run eng to until with its clock at speed times real time, committing
 * every PACE_TICK_MS so that a reader (pilotdeck top) watches it live. */
static sim_rc run_paced(sim_engine *eng, int64_t until, double speed)
{
    const struct timespec tick = { 0, PACE_TICK_MS * 1000000L };
    int64_t last = monotonic_ms();
    double carry_ms = 0;
    sim_rc rc = SIM_OK;

    while (rc == SIM_OK && sim_engine_now(eng) < until) {
        int64_t now;
        nanosleep(&tick, NULL);
        now = monotonic_ms();
        rc = sim_engine_advance(eng, now - last, speed, until, &carry_ms);
        last = now;
    }
    return rc;
}

static int run_sim(const struct cli_globals *g, struct cli_args *a)
{
    struct sim_options o = {g->db_path_given ? g->db_path : ":memory:", NULL, NULL, -1, 0, 0};
    sim_scenario *scn = NULL;
    sim_engine *eng = NULL;
    pilotdb *db = NULL;
    struct cli_output csv = {0};
    struct progress pg;
    int64_t until;
    int status = CLI_FAILED;
    char err[1024];
    char *report = NULL;
    sim_rc rc;

    if (cli_parse(a, take_sim_option, &o))
        return a->status;
    rc = cli_scenario_load(a->args[0], &scn, err, sizeof err);
    if (rc != SIM_OK) {
        cli_error("%s", err);
        goto out;
    }
    until = sim_scenario_duration(scn);
    if (o.until_text) {
        if (sim_parse_duration(o.until_text, &until) != 0) {
            cli_error("--until '%s' is not a duration with a unit (e.g. 90s, 15m, 2h)",
                      o.until_text);
            status = CLI_USAGE;
            goto out;
        }
        if (until > sim_scenario_duration(scn)) {
            cli_error("--until %s is after the end of scenario '%s'", o.until_text,
                      sim_scenario_name(scn));
            status = CLI_USAGE;
            goto out;
        }
    }

    /* the CSV file before the database, so that a bad path writes nothing */
    if (o.csv_path) {
        csv.path = o.csv_path;
        csv.keep = strcmp(o.db_path, ":memory:") != 0 ? o.db_path : NULL;
        if ((status = cli_output_open(&csv, "sim --csv")) != CLI_OK)
            goto out;
        status = CLI_FAILED;
    }
    {
        struct cli_globals sim_globals = *g;
        sim_globals.db_path = o.db_path;
        /* A :memory: database dies with a failed run: it needs no journal. */
        unsigned flags = PILOTDB_OPEN_CREATE |
                         (strcmp(o.db_path, ":memory:") == 0 ? PILOTDB_OPEN_SCRATCH : 0);
        if (cli_open_db(&sim_globals, flags, &db) != CLI_OK)
            goto out;
        if (!(flags & PILOTDB_OPEN_SCRATCH) &&
            pilotdb_set_cache(db, SIM_FILE_CACHE_KIB) != PILOTDB_OK) {
            cli_error("%s: %s", o.db_path, pilotdb_errmsg(db));
            goto out;
        }
    }
    rc = sim_engine_new(scn, db, o.seed >= 0 ? (uint64_t)o.seed : sim_scenario_seed(scn),
                        &eng, err, sizeof err);
    if (rc != SIM_OK) {
        cli_error("%s: %s", o.db_path, err);
        goto out;
    }
    if (csv.out)
        sim_engine_set_csv(eng, csv.out);
    memset(&pg, 0, sizeof pg);
    if (isatty(STDERR_FILENO)) {
        clock_gettime(CLOCK_MONOTONIC, &pg.start);
        sim_engine_set_progress(eng, show_progress, &pg);
    }
    rc = o.speed > 0 ? run_paced(eng, until, o.speed) : sim_engine_run_until(eng, until);
    if (pg.shown)
        fputs("\r\033[K", stderr);
    if (rc != SIM_OK) {
        cli_error("simulating '%s': %s", sim_scenario_name(scn), sim_engine_errmsg(eng));
        goto out;
    }
    report = o.json ? sim_report_json(eng) : sim_report_text(eng);
    if (!report) {
        cli_error("out of memory writing the report");
        goto out;
    }
    /* with --csv - the series has standard output: the report goes beside it */
    fputs(report, o.csv_path && strcmp(o.csv_path, "-") == 0 ? stderr : stdout);
    status = CLI_OK;
out:
    free(report);
    sim_engine_free(eng);
    if (csv.out) /* a run that failed leaves no CSV behind */
        status = cli_output_close(&csv, status, 0);
    if (db && pilotdb_close(db) != PILOTDB_OK && status == CLI_OK) {
        cli_error("%s: closing the database failed", o.db_path);
        status = CLI_FAILED;
    }
    sim_scenario_free(scn);
    return status;
}

const struct cli_command cmd_sim = {
    .name = "sim",
    .summary = "simulate a scenario into a database and report (pilotdeck sim SCENARIO)",
    .usage = "pilotdeck sim SCENARIO [--seed N] [--db PATH|:memory:] [--until T]\n"
             "                     [--speed X] [--json] [--csv FILE]",
    .description = "Play the scenario file SCENARIO (see scenarios/README.md) on a virtual\n"
                   "clock into a pilot database and print what happened per CE and in total.\n"
                   "The same scenario and seed always give the same report.\n",
    .options_title = "Options:",
    .help_column = 16,
    .epilog = "Example: pilotdeck sim scenarios/tutorial.ini --seed 7 --json\n",
    .options = sim_options,
    .args = "SCENARIO",
    .min_args = 1,
    .max_args = 1,
    .run = run_sim,
};
