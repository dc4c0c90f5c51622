/*
 * cmd_demo.c - `pilotdeck demo`: the simulator and the dashboard in one
 * process.  A scenario (the built-in one below unless a file is given) plays
 * into a fresh in-memory database while the dashboard shows it; the
 * simulated clock runs at an adjustable speed, and CE changes made in the
 * dashboard reach the simulator at its next director cycle.
 */
#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pilotsim.h"
#include "pilottui.h"

/* Built in (scenarios/demo.ini), so the demo works from any directory and
 * after installation. */
#include "demo_scenario.h"

/* Virtual seconds per real second at start: two days in about five minutes. */
#define DEMO_SPEED 600.0
/* Trend buckets of ten simulated minutes. */
#define DEMO_BUCKET_MS (10 * 60 * 1000)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: pilotdeck demo [--speed X] [--seed N] [--interval S] [--db PATH]\n"
            "                      [--no-color] [--no-unicode] [SCENARIO.ini]\n"
            "\n"
            "Play a scenario (a built-in one of six sites over two days unless a\n"
            "file is given) into a fresh in-memory database and watch it live.\n"
            "space pauses, [ and ] halve or double the speed, e and +/- change the\n"
            "selected CE while the simulation runs; F1 or ? shows every key.\n"
            "\n"
            "  --speed X        simulated seconds per real second (default %g)\n"
            "  --seed N         another seed than the scenario's\n"
            "  --interval S     seconds between refreshes (default 0.25)\n"
            "  --db PATH        write the run into a new database file instead\n"
            "                   (another terminal can watch it with pilotdeck top)\n"
            "  --no-color       no colour (also when NO_COLOR is set)\n"
            "  --no-unicode     ASCII bars and sparklines\n",
            DEMO_SPEED);
}

struct demo {
    sim_engine *engine;
    double carry_ms; /* virtual time not yet played (below one ms) */
};

static int demo_advance(void *arg, int64_t real_ms, double speed, char *errbuf,
                        size_t errbuf_size)
{
    struct demo *demo = arg;
    double virtual_ms = (double)real_ms * speed + demo->carry_ms;
    int64_t step = (int64_t)virtual_ms;
    sim_rc rc;

    demo->carry_ms = virtual_ms - (double)step;
    if (step <= 0)
        return 0;
    rc = sim_engine_run_until(demo->engine, sim_engine_now(demo->engine) + step);
    if (rc != SIM_OK) {
        snprintf(errbuf, errbuf_size, "simulation failed: %s",
                 sim_engine_errmsg(demo->engine));
        return -1;
    }
    return 0;
}

static int demo_finished(void *arg)
{
    struct demo *demo = arg;
    return sim_engine_done(demo->engine);
}

static int demo_run(const struct cli_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "speed", required_argument, NULL, 'S' },
        { "seed", required_argument, NULL, 's' },
        { "interval", required_argument, NULL, 'i' },
        { "db", required_argument, NULL, 'd' },
        { "no-color", no_argument, NULL, 'C' },
        { "no-colour", no_argument, NULL, 'C' },
        { "no-unicode", no_argument, NULL, 'U' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *path = NULL, *db_path = ":memory:", *no_color = getenv("NO_COLOR");
    double speed = DEMO_SPEED, interval = 0.25;
    int64_t seed = -1;
    int color = !(no_color && no_color[0]), unicode = 1, status = CLI_FAILED, opt;
    char errbuf[512], source[600];
    sim_scenario *scn = NULL;
    struct demo demo = { 0 };
    pilotdb *db = NULL;
    tui_driver driver = { &demo, demo_advance, demo_finished, 0 };
    tui_run_options ropts = { 0 };
    sim_rc rc;

    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'S':
            if (cli_parse_double("--speed", optarg, 1.0 / 64.0, 65536.0, &speed) != 0)
                return CLI_USAGE;
            break;
        case 's':
            if (cli_parse_int("--seed", optarg, 0, INT64_MAX, &seed) != 0)
                return CLI_USAGE;
            break;
        case 'i':
            if (cli_parse_double("--interval", optarg, 0.05, 60.0, &interval) != 0)
                return CLI_USAGE;
            break;
        case 'd': db_path = optarg; break;
        case 'C': color = 0; break;
        case 'U': unicode = 0; break;
        case 'h': usage(stdout); return CLI_OK;
        default: return cli_option_error("demo", opt, argv);
        }
    }
    if (optind < argc)
        path = argv[optind++];
    if (optind < argc) {
        cli_error("demo: unexpected argument '%s'", argv[optind]);
        return CLI_USAGE;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        cli_error("demo needs a terminal ('pilotdeck sim' runs a scenario without one)");
        return CLI_FAILED;
    }
    setlocale(LC_ALL, "");
    if (!tui_locale_is_utf8())
        unicode = 0;

    if (path)
        rc = sim_scenario_load(path, &scn, errbuf, sizeof errbuf);
    else
        rc = sim_scenario_parse(demo_scenario, "built-in demo scenario", &scn, errbuf,
                                sizeof errbuf);
    if (rc != SIM_OK) {
        cli_error("%s", errbuf);
        goto out;
    }
    if (access(db_path, F_OK) == 0 && strcmp(db_path, ":memory:") != 0) {
        cli_error("demo: '%s' exists already; give a new file (the demo starts afresh)",
                  db_path);
        goto out;
    }
    {
        /* --db of the demo itself: the demo never touches the default one */
        struct cli_globals demo_globals = *g;
        demo_globals.db_path = db_path;
        if (cli_open_db(&demo_globals, PILOTDB_OPEN_CREATE, &db) != CLI_OK)
            goto out;
    }
    rc = sim_engine_new(scn, db, seed >= 0 ? (uint64_t)seed : sim_scenario_seed(scn),
                        &demo.engine, errbuf, sizeof errbuf);
    if (rc != SIM_OK) {
        cli_error("demo: %s", errbuf);
        goto out;
    }

    snprintf(source, sizeof source, "%s%s", path ? path : "built-in scenario ",
             path ? "" : sim_scenario_name(scn));
    driver.speed = speed;
    ropts.interval_ms = (int)(interval * 1000.0 + 0.5);
    ropts.color = color;
    ropts.unicode = unicode;
    ropts.source = source;
    ropts.driver = &driver;
    ropts.bucket_ms = DEMO_BUCKET_MS;
    ropts.notice = "space pauses, [ ] change the speed, F1 shows every key";
    if (tui_run(db, &ropts, errbuf, sizeof errbuf) != 0) {
        cli_error("demo: %s", errbuf);
        goto out;
    }
    status = CLI_OK;
out:
    sim_engine_free(demo.engine);
    if (pilotdb_close(db) != PILOTDB_OK && status == CLI_OK)
        status = CLI_FAILED;
    sim_scenario_free(scn);
    return status;
}

const struct cli_command cmd_demo = {
    "demo",
    "watch a simulation live on the dashboard (built-in scenario, or a file)",
    demo_run,
};
