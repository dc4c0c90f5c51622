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
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pilotsim.h"

enum { OPT_SEED = 1, OPT_DB, OPT_UNTIL, OPT_JSON, OPT_CSV, OPT_HELP };

static void usage(FILE *out)
{
    fputs("usage: pilotdeck sim SCENARIO [--seed N] [--db PATH|:memory:] [--until T]\n"
          "                     [--json] [--csv FILE]\n"
          "\n"
          "Play the scenario file SCENARIO (see scenarios/README.md) on a virtual\n"
          "clock into a pilot database and print what happened per CE and in total.\n"
          "The same scenario and seed always give the same report.\n"
          "\n"
          "Options:\n"
          "  --seed N      seed instead of the scenario's own (0 to 2^63-1)\n"
          "  --db PATH     database to write (created if missing; must not hold the\n"
          "                scenario's CEs already); default :memory: unless --db\n"
          "                or $PILOTDECK_DB names one\n"
          "  --until T     stop at virtual time T (90s, 15m, 2h, 3d) instead of the end\n"
          "  --json        print the report as JSON\n"
          "  --csv FILE    write the time series (one row per sample and CE) to FILE\n"
          "  -h, --help    show this help\n"
          "\n"
          "Example: pilotdeck sim scenarios/tutorial.ini --seed 7 --json\n", out);
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

static int run_sim(const struct cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, OPT_SEED},
        {"db", required_argument, NULL, OPT_DB},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"json", no_argument, NULL, OPT_JSON},
        {"csv", required_argument, NULL, OPT_CSV},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}
    };
    const char *db_path = g->db_path_given ? g->db_path : ":memory:";
    const char *until_text = NULL, *csv_path = NULL;
    sim_scenario *scn = NULL;
    sim_engine *eng = NULL;
    pilotdb *db = NULL;
    FILE *csv = NULL;
    struct progress pg;
    int64_t seed = -1, until;
    int json = 0, c, status = CLI_FAILED, started = 0;
    char err[1024];
    char *report = NULL;
    sim_rc rc;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_SEED:
            if (cli_parse_int("--seed", optarg, 0, SIM_SEED_MAX, &seed) != 0)
                return CLI_USAGE;
            break;
        case OPT_DB:
            if (!optarg[0]) {
                cli_error("--db needs a path");
                return CLI_USAGE;
            }
            db_path = optarg;
            break;
        case OPT_UNTIL:
            until_text = optarg;
            break;
        case OPT_JSON:
            json = 1;
            break;
        case OPT_CSV:
            csv_path = optarg;
            break;
        case 'h':
        case OPT_HELP:
            usage(stdout);
            return CLI_OK;
        default:
            return cli_option_error("sim", c, argv);
        }
    }
    if ((status = cli_want_args("sim", argc, argv, optind, 1, "SCENARIO")) != CLI_OK)
        return status;
    status = CLI_FAILED;

    rc = sim_scenario_load(argv[optind], &scn, err, sizeof err);
    if (rc != SIM_OK) {
        cli_error("%s", err);
        goto out;
    }
    until = sim_scenario_duration(scn);
    if (until_text) {
        if (sim_parse_duration(until_text, &until) != 0) {
            cli_error("--until '%s' is not a duration with a unit (e.g. 90s, 15m, 2h)",
                      until_text);
            status = CLI_USAGE;
            goto out;
        }
        if (until > sim_scenario_duration(scn)) {
            cli_error("--until %s is after the end of scenario '%s'", until_text,
                      sim_scenario_name(scn));
            status = CLI_USAGE;
            goto out;
        }
    }

    /* the CSV file before the database, so that a bad path writes nothing */
    if (csv_path) {
        csv = fopen(csv_path, "w");
        if (!csv) {
            cli_error("%s: %s", csv_path, strerror(errno));
            goto out;
        }
    }
    {
        struct cli_globals sim_globals = *g;
        sim_globals.db_path = db_path;
        /* A :memory: database dies with a failed run: it needs no journal. */
        unsigned flags = PILOTDB_OPEN_CREATE |
                         (strcmp(db_path, ":memory:") == 0 ? PILOTDB_OPEN_SCRATCH : 0);
        if (cli_open_db(&sim_globals, flags, &db) != CLI_OK)
            goto out;
        if (!(flags & PILOTDB_OPEN_SCRATCH) &&
            pilotdb_set_cache(db, SIM_FILE_CACHE_KIB) != PILOTDB_OK) {
            cli_error("%s: %s", db_path, pilotdb_errmsg(db));
            goto out;
        }
    }
    rc = sim_engine_new(scn, db, seed >= 0 ? (uint64_t)seed : sim_scenario_seed(scn),
                        &eng, err, sizeof err);
    if (rc != SIM_OK) {
        cli_error("%s: %s", db_path, err);
        goto out;
    }
    if (csv)
        sim_engine_set_csv(eng, csv);
    memset(&pg, 0, sizeof pg);
    if (isatty(STDERR_FILENO)) {
        clock_gettime(CLOCK_MONOTONIC, &pg.start);
        sim_engine_set_progress(eng, show_progress, &pg);
    }
    started = 1;
    rc = sim_engine_run_until(eng, until);
    if (pg.shown)
        fputs("\r\033[K", stderr);
    if (rc != SIM_OK) {
        cli_error("simulating '%s': %s", sim_scenario_name(scn), sim_engine_errmsg(eng));
        goto out;
    }
    report = json ? sim_report_json(eng) : sim_report_text(eng);
    if (!report) {
        cli_error("out of memory writing the report");
        goto out;
    }
    fputs(report, stdout);
    status = CLI_OK;
out:
    free(report);
    sim_engine_free(eng);
    if (csv && fclose(csv) != 0 && status == CLI_OK) {
        cli_error("%s: %s", csv_path, strerror(errno));
        status = CLI_FAILED;
    }
    if (csv && !started)
        remove(csv_path); /* refused before simulating: leave nothing behind */
    if (db && pilotdb_close(db) != PILOTDB_OK && status == CLI_OK) {
        cli_error("%s: closing the database failed", db_path);
        status = CLI_FAILED;
    }
    sim_scenario_free(scn);
    return status;
}

const struct cli_command cmd_sim = {
    "sim",
    "simulate a scenario into a database and report (pilotdeck sim SCENARIO)",
    run_sim,
};
