/*
 * study.h - what `pilotdeck whatif`, `sweep` and `merge` share: a study is
 * a list of scenario configurations (baseline and variant, or the points of
 * a sweep), each run for the same replications (seeds first_seed + r, so
 * every configuration sees common random numbers), and the metrics each
 * replication measured.
 *
 * A study can be run whole, or one shard at a time (--shard K/N: tasks
 * t with t % N == K - 1, written as JSON lines), and the shards merged back;
 * the report depends only on the study's description and its values, so a
 * merged study prints byte for byte what the unsharded run prints.
 */
#ifndef PILOTDECK_STUDY_H
#define PILOTDECK_STUDY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pilotsim.h"

enum study_kind { STUDY_WHATIF, STUDY_SWEEP };

struct study {
    enum study_kind kind;
    char *base;           /* the scenario file */
    char *variant;        /* whatif: "VARIANT.ini" or the --set list */
    char *key;            /* sweep: the key varied */
    char *range;          /* sweep: "FROM..TO:STEP" as given */
    char *x_unit;         /* sweep: "" or "h" (durations are shown in hours) */
    size_t nconfigs;      /* whatif: 2 (baseline, variant); sweep: points */
    char **labels;        /* per configuration */
    double *x;            /* sweep: the numeric value of each point */
    size_t nrep;
    uint64_t first_seed;
    int64_t *warmup_ms;   /* per configuration: the warm-up discarded ... */
    int64_t *duration_ms; /* ... and the duration simulated */
    size_t nunits;        /* the CEs of every configuration in name order, then "total" */
    char **units;
    double *values;       /* [(config * nrep + rep) * nunits + unit][metric] */
    unsigned char *have;  /* [config * nrep + rep]: the task's values are in */
    sim_scenario **scns;  /* per configuration, when the study runs here */
};

/* Options of the reports. */
struct study_output {
    int json;             /* whatif: JSON instead of text */
    const char *csv_path; /* sweep: CSV of every CE and metric */
    const char *plot_path;/* sweep: .svg or .png drawn by gnuplot */
    int metric;           /* sweep: the metric charted and plotted */
};

/* The options whatif and sweep share, as getopt_long() values. */
enum {
    STUDY_OPT_REPLICATIONS = 1000, STUDY_OPT_SEED, STUDY_OPT_JOBS, STUDY_OPT_SHARD,
    STUDY_OPT_JSON, STUDY_OPT_CSV, STUDY_OPT_PLOT, STUDY_OPT_METRIC, STUDY_OPT_HELP
};

struct study_options {
    int64_t nrep;         /* --replications, default 10 */
    int64_t seed;         /* --seed, -1: the baseline scenario's */
    int64_t jobs;         /* --jobs, default: the CPUs online */
    int sharded;          /* --shard given: write JSON lines */
    size_t shard_k, shard_n; /* --shard K/N; 1/1 without */
    struct study_output out;
};

/* Refuse a scenario file name that is not UTF-8 (the report and shards
 * name it): CLI_OK, or CLI_USAGE after a message naming it. */
int study_check_path(const char *cmd, const char *path);

/* Defaults for the options. */
void study_options_init(struct study_options *o);

/* Take one option c with argument arg (as from getopt_long): 1 if it was a
 * study option and valid, 0 if it is not one, -1 after a usage message. */
int study_option(const char *cmd, int c, const char *arg, struct study_options *o);

/* Check the options once all are read (no --json/--csv/--plot with --shard,
 * seeds in range); CLI_OK or CLI_USAGE after a message. */
int study_check_options(const char *cmd, const struct study_options *o,
                        uint64_t first_seed);

/* Take each configuration's warm-up and duration from its scenario. */
void study_set_windows(struct study *st);

/* Run the loaded study and print the report (or the shard): the end of
 * `whatif` and `sweep`.  Takes st over (frees it). */
int study_finish(struct study *st, const struct study_options *o);

/* "2h", "90m", "1500ms": the largest unit that divides ms. */
void study_format_duration(int64_t ms, char *buf, size_t size);

/* Read shard files into *st (zeroed first): every task exactly once, the
 * same study in every file.  CLI_OK, or CLI_FAILED/CLI_USAGE after a message. */
int study_read_shards(struct study *st, char **paths, size_t npaths);

/* Check the output options before anything runs: the CSV file can be
 * created, the plot has a known extension and gnuplot is there. */
int study_check_output(const struct study_output *out);

/* Print the report (and write CSV and plot) of a complete study. */
int study_report(const struct study *st, const struct study_output *out);

/* Free what the study owns. */
void study_free(struct study *st);

#endif
