/*
 * cmd_demo.c - `pilotdeck demo`: the simulator and the dashboard in one
 * process.  A scenario (the built-in one below unless a file is given) plays
 * into a fresh in-memory database while the dashboard shows it; the
 * simulated clock runs at an adjustable speed, and CE changes made in the
 * dashboard reach the simulator at its next director cycle.
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pilotsim.h"
#include "pilottui.h"
#include "scenario_path.h"
#include "top_config.h"
#include "top_whatif.h"

/* Built in (scenarios/demo.ini), so the demo works from any directory and
 * after installation. */
#include "demo_scenario.h"

/* Virtual seconds per real second at start: two days in about five minutes. */
#define DEMO_SPEED 600
/* Trend buckets of ten simulated minutes. */
#define DEMO_BUCKET_MS (10 * 60 * 1000)

enum { OPT_SPEED = 1, OPT_SEED, OPT_DELAY, OPT_INTERVAL, OPT_DB, OPT_NO_COLOR, OPT_NO_UNICODE,
       OPT_WINDOW, OPT_READ_ONLY, OPT_NO_MOUSE, OPT_CONFIG, OPT_NO_CONFIG };

static const struct cli_option demo_options[] = {
    {"speed", 0, CLI_ARG_REQUIRED, "X",
     "simulated seconds per real second (default " CLI_TEXT(DEMO_SPEED) ")", OPT_SPEED},
    {"seed", 0, CLI_ARG_REQUIRED, "N", "another seed than the scenario's", OPT_SEED},
    {"delay", 'd', CLI_ARG_REQUIRED, "S", "seconds between refreshes (default 0.25;\n"
     "--interval is the same)", OPT_DELAY},
    {"interval", 0, CLI_ARG_REQUIRED, "S", NULL, OPT_INTERVAL},
    {"db", 0, CLI_ARG_REQUIRED, "PATH", "write the run into a new database file instead\n"
     "(another terminal can watch it with pilotdeck top)", OPT_DB},
    {"no-color", 0, CLI_ARG_NONE, NULL, "no colour (also when NO_COLOR is set)",
     OPT_NO_COLOR},
    {"no-colour", 0, CLI_ARG_NONE, NULL, NULL, OPT_NO_COLOR},
    {"no-unicode", 0, CLI_ARG_NONE, NULL, "ASCII bars and sparklines", OPT_NO_UNICODE},
    {"window", 0, CLI_ARG_REQUIRED, "TIME", "rates count the pilots of the last TIME\n"
     "of the simulated clock (default 1h; 5m to 7d)", OPT_WINDOW},
    {"read-only", 0, CLI_ARG_NONE, NULL, "watch only: e, +, -, u are off", OPT_READ_ONLY},
    {"no-mouse", 0, CLI_ARG_NONE, NULL, "leave the mouse to the terminal", OPT_NO_MOUSE},
    {"config", 0, CLI_ARG_REQUIRED, "FILE", "settings from FILE instead of\n"
     "$XDG_CONFIG_HOME/pilotdeck/config", OPT_CONFIG},
    {"no-config", 0, CLI_ARG_NONE, NULL, "read no configuration file", OPT_NO_CONFIG},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

struct demo_options {
    const char *db_path;
    double speed, interval;
    int64_t seed;  /* -1: the scenario's */
    int64_t window_ms;
    int color, unicode;
    int read_only, no_mouse, window_given;
    struct top_config config;
};

static int take_demo_option(void *state, int id, const char *value)
{
    struct demo_options *o = state;
    char err[128];

    switch (id) {
    case OPT_SPEED:
        if (cli_parse_double("--speed", value, 1.0 / 64.0, 65536.0, &o->speed) != 0)
            return CLI_USAGE;
        break;
    case OPT_SEED:
        if (cli_parse_int("--seed", value, 0, INT64_MAX, &o->seed) != 0)
            return CLI_USAGE;
        break;
    case OPT_DELAY:
    case OPT_INTERVAL:
        if (cli_parse_double(id == OPT_DELAY ? "--delay" : "--interval", value, 0.05, 60.0,
                             &o->interval) != 0)
            return CLI_USAGE;
        break;
    case OPT_DB: o->db_path = value; break;
    case OPT_NO_COLOR: o->color = 0; break;
    case OPT_READ_ONLY: o->read_only = 1; break;
    case OPT_NO_MOUSE: o->no_mouse = 1; break;
    case OPT_CONFIG: o->config.file = value; break;
    case OPT_NO_CONFIG: o->config.no_config = 1; break;
    case OPT_WINDOW:
        o->window_given = 1;
        if (tui_window_parse(value, &o->window_ms, err, sizeof err) != 0) {
            cli_error("--window: %s", err);
            return CLI_USAGE;
        }
        break;
    default: o->unicode = 0; break;
    }
    return CLI_OK;
}

struct demo {
    sim_engine *engine;
    double carry_ms; /* virtual time not yet played (below one ms) */
};

static int demo_advance(void *arg, int64_t real_ms, double speed, char *errbuf,
                        size_t errbuf_size)
{
    struct demo *demo = arg;
    sim_rc rc = sim_engine_advance(demo->engine, real_ms, speed,
                                   sim_engine_duration(demo->engine), &demo->carry_ms);

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

static int demo_run(const struct cli_globals *g, struct cli_args *a)
{
    const char *no_color = getenv("NO_COLOR");
    struct demo_options o = {.db_path = ":memory:", .speed = DEMO_SPEED, .interval = 0.25,
                             .seed = -1, .window_ms = TUI_WINDOW_DEFAULT_MS,
                             .color = !(no_color && no_color[0]), .unicode = 1};
    const char *path;
    int status = CLI_FAILED;
    char errbuf[512], source[600];
    sim_scenario *scn = NULL;
    struct demo demo = { 0 };
    pilotdb *db = NULL;
    tui_driver driver = { &demo, demo_advance, demo_finished, 0 };
    tui_run_options ropts = { 0 };
    struct top_whatif tw = { NULL };
    tui_whatif_engine whatif;
    sim_rc rc;

    if (cli_parse(a, take_demo_option, &o))
        return a->status;
    if (top_config_load(&o.config) != CLI_OK)
        return CLI_FAILED;
    path = a->nargs ? a->args[0] : NULL;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        cli_error("demo needs a terminal ('pilotdeck sim' runs a scenario without one)");
        return CLI_FAILED;
    }
    setlocale(LC_ALL, "");
    if (!tui_locale_is_utf8())
        o.unicode = 0;

    if (path)
        rc = cli_scenario_load(path, &scn, errbuf, sizeof errbuf);
    else
        rc = sim_scenario_parse(demo_scenario, "built-in demo scenario", &scn, errbuf,
                                sizeof errbuf);
    if (rc != SIM_OK) {
        cli_error("%s", errbuf);
        goto out;
    }
    if (access(o.db_path, F_OK) == 0 && strcmp(o.db_path, ":memory:") != 0) {
        cli_error("demo: '%s' exists already; give a new file (the demo starts afresh)",
                  o.db_path);
        goto out;
    }
    {
        /* --db of the demo itself: the demo never touches the default one */
        struct cli_globals demo_globals = *g;
        demo_globals.db_path = o.db_path;
        if (cli_open_db(&demo_globals, PILOTDB_OPEN_CREATE, &db) != CLI_OK)
            goto out;
    }
    rc = sim_engine_new(scn, db, o.seed >= 0 ? (uint64_t)o.seed : sim_scenario_seed(scn),
                        &demo.engine, errbuf, sizeof errbuf);
    if (rc != SIM_OK) {
        cli_error("demo: %s", errbuf);
        goto out;
    }

    snprintf(source, sizeof source, "%s%s", path ? path : "built-in scenario ",
             path ? "" : sim_scenario_name(scn));
    driver.speed = o.speed;
    ropts.interval_ms = (int)(o.interval * 1000.0 + 0.5);
    ropts.color = o.color;
    ropts.unicode = o.unicode;
    ropts.source = source;
    ropts.driver = &driver;
    ropts.bucket_ms = DEMO_BUCKET_MS;
    /* the file's order, filter, window and mouse; the refresh is the demo's */
    ropts.window_ms = o.window_given ? o.window_ms : o.config.settings.window_ms;
    ropts.sort = o.config.settings.sort;
    ropts.sort_reverse = o.config.settings.reverse;
    ropts.filter = o.config.settings.filter;
    ropts.grades = &o.config.settings.grades;
    ropts.stale_ms = o.config.settings.stale_ms;
    ropts.mouse = !o.no_mouse && o.config.settings.mouse;
    ropts.settings = &o.config.settings;
    ropts.config_path = o.config.path[0] ? o.config.path : NULL;
    ropts.readonly = o.read_only;
    ropts.user = cli_login_name();
    ropts.notice = o.read_only ? "read-only (--read-only): watch only; F1 shows every key"
                               : "space pauses, [ ] change the speed, F1 shows every key";
    tw.path = o.db_path;
    top_whatif_engine(&tw, &whatif);
    ropts.whatif = &whatif;
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
    .name = "demo",
    .summary = "watch a simulation live on the dashboard (built-in scenario, or a file)",
    .usage = "pilotdeck demo [--speed X] [--seed N] [-d S] [--db PATH]\n"
             "                      [--window TIME] [--no-color] [--no-unicode] [--read-only]\n"
             "                      [--no-mouse] [--config FILE | --no-config] [SCENARIO.ini]",
    .description = "Play a scenario (a built-in one of six sites over two days unless a\n"
                   "file is given) into a fresh in-memory database and watch it live.\n"
                   "space pauses, [ and ] halve or double the speed, e and +/- change the\n"
                   "selected CE while the simulation runs (y confirms, u undoes);\n"
                   "F1 or ? shows every key.  The dashboard's settings come from the\n"
                   "configuration file as for 'pilotdeck top'.\n",
    .help_column = 19,
    .options = demo_options,
    .max_args = 1,
    .in_order = 1,
    .run = demo_run,
};
