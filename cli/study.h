/*
 * study.h - what `pilotdeck whatif`, `sweep` and `merge` share: their
 * options, the end of whatif and sweep (run the study, then write the shard
 * or print the report), and the report of a study as text, JSON, CSV and a
 * gnuplot plot.  The study itself is libpilotsim's (sim_study, sim_shard_*).
 * Functions that print return CLI_OK, CLI_FAILED or CLI_USAGE after a
 * message; they die on out of memory, as the CLI does.
 */
#ifndef PILOTDECK_STUDY_H
#define PILOTDECK_STUDY_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "pilotsim.h"

/* Options of the reports. */
struct study_output {
    int json;             /* whatif: JSON instead of text */
    const char *csv_path; /* sweep: CSV of every CE and metric */
    const char *plot_path;/* sweep: .svg or .png drawn by gnuplot */
    int metric;           /* sweep: the metric charted and plotted */
    int plot_range;       /* non-zero: y from plot_low to plot_high, else from 0 */
    double plot_low, plot_high;
    const char *keep;     /* the database read (--from-db): never written over */
};

/* The options whatif, sweep and merge share: ids of their option tables. */
enum {
    STUDY_OPT_REPLICATIONS = 1000, STUDY_OPT_SEED, STUDY_OPT_JOBS, STUDY_OPT_SHARD,
    STUDY_OPT_JSON, STUDY_OPT_CSV, STUDY_OPT_PLOT, STUDY_OPT_METRIC, STUDY_OPT_FROM_DB,
    STUDY_OPT_WINDOW, STUDY_OPT_HORIZON, STUDY_OPT_STORE, STUDY_OPT_PLOT_RANGE
};

/* The row of whatif's and sweep's option tables for --store. */
#define STUDY_STORE_OPTION                                                           \
    {"store", 0, CLI_ARG_REQUIRED, "S", "where replications run: memory (default: counts\n" \
     "only, fast) or sqlite (a database each, as 'sim'\nwrites it, to check); results do " \
     "not depend\non it", STUDY_OPT_STORE}

/* --from-db's defaults: the history fitted, and the time forecast. */
#define STUDY_FROM_DB_WINDOW "7d"
#define STUDY_FROM_DB_HORIZON "12h"

/* The rows of whatif's and sweep's option tables for --from-db. */
#define STUDY_FROM_DB_OPTIONS                                                        \
    {"from-db", 0, CLI_ARG_NONE, NULL, "the baseline is the database (--db) as it is\n" \
     "now: its last --window fitted, its active pilots\ncarried over", STUDY_OPT_FROM_DB}, \
    {"window", 0, CLI_ARG_REQUIRED, "D", "--from-db: the history fitted (default "      \
     STUDY_FROM_DB_WINDOW ")", STUDY_OPT_WINDOW},                                        \
    {"horizon", 0, CLI_ARG_REQUIRED, "D", "--from-db: the time forecast (default "      \
     STUDY_FROM_DB_HORIZON ")", STUDY_OPT_HORIZON}

/* --from-db and its durations. */
struct study_from_db {
    int on;
    const char *window, *horizon; /* as given; NULL: the defaults */
    int64_t window_ms, horizon_ms;
};

struct study_options {
    int64_t nrep;         /* --replications, default 10 */
    int64_t seed;         /* --seed, -1: the baseline scenario's */
    int64_t jobs;         /* --jobs, default: the CPUs online */
    int sharded;          /* --shard given: write JSON lines */
    size_t shard_k, shard_n; /* --shard K/N; 1/1 without */
    sim_store_kind store; /* --store, default memory */
    struct study_output out;
    struct study_from_db from_db;
};

/* ---- study_run.c ---- */

/* Refuse a scenario file name that is not UTF-8 (the report and shards
 * name it): CLI_OK, or CLI_USAGE after a message naming it. */
int study_check_path(const char *cmd, const char *path);

/* Defaults for the options. */
void study_options_init(struct study_options *o);

/* Take one option (c: its id in the command's option table, arg: its
 * value): 1 if it was a study option and valid, 0 if it is not one, -1
 * after a usage message. */
int study_option(const char *cmd, int c, const char *arg, struct study_options *o);

/* Check --from-db's options (--window and --horizon need it; durations of
 * a second or more): CLI_OK, or CLI_USAGE after a message. */
int study_check_from_db(const char *cmd, struct study_options *o);

/* Fit the last --window of the database (--db, only read) as `fit` does:
 * CLI_OK with *fit (free with sim_fit_free()) and *label (the study's
 * base, to free), or a status after a message. */
struct sim_fit;
int study_fit_db(const char *cmd, const struct cli_globals *g, const struct study_options *o,
                 struct sim_fit **fit, char **label);

/* One configuration's scenario from the fit: its active pilots carried
 * over, for --horizon.  CLI_OK, or CLI_FAILED after a message. */
int study_fit_scenario(const char *cmd, const struct sim_fit *fit,
                       const struct study_options *o, sim_scenario **out);

/* The end of `whatif` and `sweep` (cmd) once st has its configurations:
 * check the options and outputs, run the replications (of the shard), then
 * write the shard to stdout or print the report.  Frees st. */
int study_finish(const char *cmd, sim_study *st, const struct study_options *o);

/* ---- study_report.c ---- */

/* Check the output options before anything runs: the CSV file can be
 * created, the plot has a known extension and gnuplot is there. */
int study_check_output(const struct study_output *out);

/* Print the report (and write CSV and plot) of a complete study. */
int study_report(const sim_study *st, const struct study_output *out);

#endif
