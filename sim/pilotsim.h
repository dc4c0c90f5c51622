/*
 * pilotsim.h - the pilot simulator of pilotdeck (libpilotsim).
 *
 * A scenario (an INI file, see scenarios/README.md) describes CEs, a
 * submission policy, a failure model and a timeline of changes.  An engine
 * plays it on a virtual clock into a pilot database through the public db
 * API: it adds the scenario's CEs, submits pilots, starts them after a queue
 * wait and ends them DONE or FAILED, reproducibly from a seed.  The same
 * scenario and seed always give the same database contents and byte-identical
 * reports.
 *
 * The engine can be driven in steps from a UI loop (sim_engine_run_until()),
 * and it reads each CE's capacity, success rate and enabled flag from the
 * database every director cycle, so changes that others write to the
 * database between steps take effect at the next cycle.
 *
 * Library code never prints and never exits: functions return a sim_rc and
 * leave a message in the caller's buffer or in sim_engine_errmsg().
 */
#ifndef PILOTSIM_H
#define PILOTSIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pilotdb.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sim_rc {
    SIM_OK = 0,
    SIM_EINVAL,   /* an argument is out of range or malformed */
    SIM_EPARSE,   /* the scenario is invalid; the message is "file:line: ..." */
    SIM_EIO,      /* a file could not be read or written */
    SIM_ENOMEM,   /* out of memory */
    SIM_EDB,      /* the database refused or failed; the message says why */
    SIM_EMISUSE,  /* wrong call order, or the engine failed earlier */
    SIM_ECANCELED /* the caller cancelled a run (sim_study.cancel) */
} sim_rc;

/* Largest seed accepted (seeds are reported as JSON integers). */
#define SIM_SEED_MAX INT64_MAX

/* The page cache to give a file database the simulator writes
 * (pilotdb_set_cache()): 64 MiB makes the large scenario a quarter faster
 * than SQLite's default 2 MiB (bench/README.md). */
#define SIM_FILE_CACHE_KIB (64 * 1024)

typedef struct sim_scenario sim_scenario;
typedef struct sim_engine sim_engine;

/* ---- scenarios ------------------------------------------------------------ */

/*
 * Parse the scenario file at path.  Every problem (unknown section or key,
 * bad number, value out of range, event at an unknown CE, ...) is refused
 * with SIM_EPARSE and an errbuf message "path:line: message"; an unreadable
 * file is SIM_EIO.  On success *out is a scenario to free with
 * sim_scenario_free(); on error *out is NULL.
 */
sim_rc sim_scenario_load(const char *path, sim_scenario **out, char *errbuf,
                         size_t errbuf_size);

/*
 * Parse a scenario held in the NUL-terminated string text; filename is only
 * used in messages.  Same results as sim_scenario_load().
 */
sim_rc sim_scenario_parse(const char *text, const char *filename,
                          sim_scenario **out, char *errbuf, size_t errbuf_size);

/* Free a scenario.  NULL is a no-op. */
void sim_scenario_free(sim_scenario *scn);

/* The scenario's name, seed, duration (ms), and CEs (in file order).  The
 * strings are owned by the scenario. */
const char *sim_scenario_name(const sim_scenario *scn);
uint64_t sim_scenario_seed(const sim_scenario *scn);
int64_t sim_scenario_duration(const sim_scenario *scn);
size_t sim_scenario_ce_count(const sim_scenario *scn);
const char *sim_scenario_ce_name(const sim_scenario *scn, size_t i);

/* ---- engines --------------------------------------------------------------- */

/*
 * Called by the engine about every batch (for a progress bar): now and
 * duration are virtual milliseconds.
 */
typedef void (*sim_progress_fn)(void *arg, int64_t now, int64_t duration);

/*
 * Make an engine that plays scn into db with the given seed (use
 * sim_scenario_seed(scn) for the scenario's own).  It adds the scenario's
 * CEs to db in one transaction (refusing with SIM_EDB if one of them exists
 * already) and installs its virtual clock on db, starting at 0 ms.  scn and
 * db must outlive the engine; the engine does not own them.  On success
 * *out is an engine to free with sim_engine_free(); on error *out is NULL,
 * errbuf holds the reason and db is unchanged.
 */
sim_rc sim_engine_new(const sim_scenario *scn, pilotdb *db, uint64_t seed,
                      sim_engine **out, char *errbuf, size_t errbuf_size);

/*
 * sim_engine_new() into a store of the engine's own in memory that keeps
 * only what the reports need (each CE's configuration and counts; no pilot
 * rows, no history): the same reports and CSV, byte for byte, without a
 * database.  For replications; a run a dashboard watches needs a database.
 */
sim_rc sim_engine_new_memory(const sim_scenario *scn, uint64_t seed, sim_engine **out,
                             char *errbuf, size_t errbuf_size);

/*
 * Process every event up to and including virtual time t_ms (capped at the
 * scenario's duration), commit, and leave the clock at that time.  Writes are
 * grouped in one transaction per director cycle (or per bounded number of
 * events); no transaction is left open on return, so others may write
 * between calls.  A failure of the database rolls back the current batch and
 * makes the engine unusable: this call returns the error, later calls
 * SIM_EMISUSE, and sim_engine_errmsg() says why.
 */
sim_rc sim_engine_run_until(sim_engine *eng, int64_t t_ms);

/* Run to the end of the scenario: sim_engine_run_until(eng, duration). */
sim_rc sim_engine_run(sim_engine *eng);

/*
 * Play the clock at speed times real time: run until real_ms of wall time
 * times speed past the engine's time (no later than until), keeping what
 * is below a millisecond in *carry_ms (0 at the start) for the next call.
 * Returns as sim_engine_run_until().
 */
sim_rc sim_engine_advance(sim_engine *eng, int64_t real_ms, double speed, int64_t until,
                          double *carry_ms);

/* The virtual time in milliseconds, the scenario's duration, whether the
 * end has been reached, and the seed in use. */
int64_t sim_engine_now(const sim_engine *eng);
int64_t sim_engine_duration(const sim_engine *eng);
int sim_engine_done(const sim_engine *eng);
uint64_t sim_engine_seed(const sim_engine *eng);

/* The message of the last error ("" if none).  Owned by the engine. */
const char *sim_engine_errmsg(const sim_engine *eng);

/* Install (or with NULL remove) a progress callback. */
void sim_engine_set_progress(sim_engine *eng, sim_progress_fn fn, void *arg);

/*
 * Write the time series as CSV to out (owned by the caller, kept open until
 * the engine is freed): a header line, then one row per sampling instant and
 * CE.  Call before the first step; SIM_EMISUSE afterwards.  A write error
 * fails the step that hit it with SIM_EIO.
 */
sim_rc sim_engine_set_csv(sim_engine *eng, FILE *out);

/*
 * Free the engine: commit nothing further, roll back a batch left open by a
 * failure, and restore the wall clock on its database.  NULL is a no-op.
 */
void sim_engine_free(sim_engine *eng);

/* ---- reports ---------------------------------------------------------------- */

/* What happened at one CE (or in total), from the start to the engine's
 * current time.  Time averages (utilization, mean_active, throughput,
 * mean_time_in_system) cover [warmup, now] only. */
typedef struct sim_ce_stats {
    const char *name;            /* owned by the engine; "total" for the sum */
    int64_t capacity;            /* now (sum over CEs for the total) */
    int enabled;                 /* now (number of enabled CEs for the total) */
    int64_t submitted;           /* pilots written to the database */
    int64_t started;             /* SUBMITTED -> RUNNING */
    int64_t done;
    int64_t failed_before_start; /* SUBMITTED -> FAILED */
    int64_t failed_running;      /* RUNNING -> FAILED */
    int64_t submission_failures; /* submissions that failed and wrote nothing */
    int64_t refused;             /* arrivals refused: CE full or disabled */
    int64_t bans;                /* times the director disabled the CE */
    int64_t active;              /* SUBMITTED + RUNNING now */
    int64_t peak_active;
    double utilization;          /* integral of active / integral of capacity */
    double mean_active;
    double success_rate;         /* done / (done + failed); 0 if none ended */
    double throughput_per_hour;  /* pilots ended per hour */
    double mean_time_in_system_s; /* submission to end, of pilots ended */
} sim_ce_stats;

/* The number of CEs in reports (the scenario's, in name order). */
size_t sim_report_ce_count(const sim_engine *eng);

/* Fill *out with the statistics of the i-th CE in name order, or with the
 * totals when i == sim_report_ce_count(); SIM_EINVAL (and *out zeroed)
 * beyond. */
sim_rc sim_report_ce(const sim_engine *eng, size_t i, sim_ce_stats *out);

/* The report as a text table, or as one line of compact JSON (both ending
 * with a newline), in malloc()ed strings for the caller to free(); NULL when
 * out of memory.  The JSON: scenario, seed, policy, failure_model,
 * duration_s, time_s (the engine's time), warmup_s (seconds: integers when
 * whole), ces (an array of the figures of sim_ce_stats with name and
 * enabled, in name order) and total (the same, with enabled_ces). */
char *sim_report_text(const sim_engine *eng);
char *sim_report_json(const sim_engine *eng);

/* A fixed English description of rc. */
const char *sim_rc_str(sim_rc rc);

/*
 * Parse a duration with a unit ("500ms", "90s", "15m", "1.5h", "3d") into
 * milliseconds.  0 on success, -1 if text is not such a duration.
 */
int sim_parse_duration(const char *text, int64_t *ms);

/* Write ms as sim_parse_duration() reads it, in the largest unit that
 * divides it: "2h", "90m", "1500ms", "0ms". */
void sim_format_duration(int64_t ms, char *buf, size_t size);

/* ---- what-if studies: overrides, replications, statistics ---------------- */

/*
 * Change one value of a parsed scenario: assignment is "KEY=VALUE" with KEY
 *   scenario.K  K: duration, warmup, cycle, max_per_cycle, fail_before_start,
 *               sample_interval, backoff_cycles, ban_threshold, ban_window,
 *               ban_duration, arrival_rate
 *   ce.NAME.K   K: capacity, success_rate, enabled, max_waiting, arrival_rate,
 *               queue_time, run_time (NAME * for every CE; the value at the
 *               start: timeline events still apply at their time)
 * and VALUE absolute (200, 0.8, 90s, false, exp(30m)) or relative to the
 * current value: +10, -0.05, +30m, or a percentage +50% / -20% (integers are
 * rounded to the nearest; a percentage of a distribution scales it).  The
 * result is checked as the scenario file is.  SIM_EINVAL with a message in
 * errbuf (and scn unchanged) for an unknown key or CE or a bad value;
 * SIM_ENOMEM when out of memory.  The key ends at the last '=' (values hold
 * none; CE names may).
 */
sim_rc sim_scenario_set(sim_scenario *scn, const char *assignment, char *errbuf,
                        size_t errbuf_size);

/* The same with VALUE always absolute (the points of a sweep): a leading '-'
 * is a negative value, refused by the key's range like any value out of it;
 * '+' and '%' are refused. */
sim_rc sim_scenario_set_absolute(sim_scenario *scn, const char *assignment, char *errbuf,
                                 size_t errbuf_size);

/*
 * Add a timeline event named name to a parsed scenario: at at_ms, set one
 * key of CE ce, as an [event] section with at, ce and that key would
 * (key: capacity, success_rate or enabled; value absolute, as in a file).
 * Checked as the parser checks events: SIM_EINVAL (scn unchanged, errbuf
 * says why) for a bad name, key or value, an unknown CE, or a time outside
 * [0, duration]; SIM_ENOMEM.  The event runs after the scenario's own
 * events of the same time.
 */
sim_rc sim_scenario_add_event(sim_scenario *scn, const char *name, int64_t at_ms,
                              const char *ce, const char *key, const char *value,
                              char *errbuf, size_t errbuf_size);

/*
 * Write to out, as one paragraph, lead, the keys sim_scenario_set() takes
 * ("ce.NAME.KEY with KEY capacity, ... (NAME * for every CE), or scenario.KEY
 * with KEY duration, ...") and tail, wrapped at width columns: the first line
 * goes on from column indent, the others start with indent spaces.  For help
 * texts.
 */
void sim_scenario_keys_help(FILE *out, const char *lead, const char *tail, int indent,
                            int width);

/* The scenario's warm-up in milliseconds (0 if none). */
int64_t sim_scenario_warmup(const sim_scenario *scn);

/* The metrics a replication measures, per CE and in total, warm-up
 * discarded: throughput (pilots ended per hour) and utilization over
 * [warmup, end], pilots done, failed and arrivals refused after the warm-up,
 * and the peak of active pilots over the whole run. */
enum {
    SIM_METRIC_THROUGHPUT, SIM_METRIC_DONE, SIM_METRIC_FAILED,
    SIM_METRIC_UTILIZATION, SIM_METRIC_REFUSED, SIM_METRIC_PEAK_ACTIVE,
    SIM_NMETRICS
};

/* The name of a metric ("throughput_per_hour", "done", "failed",
 * "utilization", "refused", "peak_active"), NULL out of range; and the
 * metric of a name, -1 if none. */
const char *sim_metric_name(int metric);
int sim_metric_find(const char *name);

/* Where a replication keeps its CEs and pilots: counts in memory (the
 * default: the same metrics, byte for byte, without a database), or a
 * private :memory: pilot database written as `sim` writes it (to check the
 * other against). */
typedef enum sim_store_kind { SIM_STORE_MEMORY = 0, SIM_STORE_SQLITE = 1 } sim_store_kind;

/* One replication: a scenario (read only, shared between tasks) and a seed. */
typedef struct sim_rep_task {
    const sim_scenario *scn;
    uint64_t seed;
} sim_rep_task;

/* What one replication measured: nunits units (the CEs in name order, then
 * "total"), each with SIM_NMETRICS values at values[unit * SIM_NMETRICS + m].
 * Owned by the result: free with sim_rep_result_free(). */
typedef struct sim_rep_result {
    size_t nunits;
    char **names;
    double *values;
} sim_rep_result;

/* Called after each finished task (with a lock held: keep it short). */
typedef void (*sim_rep_progress_fn)(void *arg, size_t finished, size_t total);

/*
 * Run ntasks replications on jobs threads (the caller's among them), each
 * into its own store in memory (SIM_STORE_MEMORY), and fill results[i]
 * for tasks[i].  The results do not depend on jobs.  On error every result is freed and
 * zeroed, and errbuf names the first failed task and why.
 */
sim_rc sim_replicate(const sim_rep_task *tasks, size_t ntasks, unsigned jobs,
                     sim_rep_progress_fn progress, void *progress_arg,
                     sim_rep_result *results, char *errbuf, size_t errbuf_size);

/*
 * sim_replicate() that can be stopped: once *cancel (if cancel is not NULL)
 * is non-zero, checked before each task starts, no other task starts, the
 * running ones finish, every result is freed and zeroed, and the call
 * returns SIM_ECANCELED (errbuf says how many had finished).
 */
sim_rc sim_replicate_cancellable(const sim_rep_task *tasks, size_t ntasks, unsigned jobs,
                                 sim_rep_progress_fn progress, void *progress_arg,
                                 const volatile int *cancel, sim_rep_result *results,
                                 char *errbuf, size_t errbuf_size);

/* sim_replicate_cancellable() with each replication in a store of kind
 * store; the results do not depend on it. */
sim_rc sim_replicate_store(const sim_rep_task *tasks, size_t ntasks, unsigned jobs,
                           sim_store_kind store, sim_rep_progress_fn progress,
                           void *progress_arg, const volatile int *cancel,
                           sim_rep_result *results, char *errbuf, size_t errbuf_size);

/* Free what a result owns and zero it.  NULL is a no-op. */
void sim_rep_result_free(sim_rep_result *result);

/* A mean with its confidence interval, from n >= 2 observations. */
typedef struct sim_interval {
    size_t n;
    double mean;
    double sd;          /* sample standard deviation (divisor n - 1) */
    double half_width;  /* t(1 - (1 - level) / 2, n - 1) * sd / sqrt(n) */
    double low, high;   /* mean -/+ half_width */
} sim_interval;

/* The mean of x[0..n) and its confidence interval at level (0.95 for 95 %),
 * with Student's t for n - 1 degrees of freedom.  SIM_EINVAL (and *out
 * zeroed) if n < 2 or level is not in (0, 1). */
sim_rc sim_interval_mean(const double *x, size_t n, double level, sim_interval *out);

/* The same for the paired differences variant[i] - base[i]. */
sim_rc sim_interval_paired(const double *base, const double *variant, size_t n,
                           double level, sim_interval *out);

/* Non-zero if the interval excludes zero. */
int sim_interval_significant(const sim_interval *iv);

/* Student's t with df > 0 degrees of freedom: the distribution function,
 * and the quantile t with P(T <= t) = p for 0 < p < 1 (SIM_EINVAL and 0
 * otherwise).  Computed for any df through the regularized incomplete beta
 * function, to about 1e-12 relative for df up to 1e5. */
double sim_t_cdf(double t, double df);
sim_rc sim_t_quantile(double p, double df, double *out);

/* The regularized incomplete beta function I_x(a, b) for a, b > 0 and x in
 * [0, 1]; NaN otherwise. */
double sim_incomplete_beta(double a, double b, double x);

/* ---- studies: what-if comparisons and sweeps over replications ------------ */

/* The confidence level of a study's intervals, and its limits. */
#define SIM_STUDY_LEVEL 0.95
#define SIM_STUDY_MAX_REPLICATIONS 1000000
#define SIM_STUDY_MAX_CONFIGS 1000

typedef enum sim_study_kind { SIM_STUDY_WHATIF, SIM_STUDY_SWEEP } sim_study_kind;

/*
 * A study: configurations (a what-if's baseline and variant, or the points of
 * a sweep), each run for the same replications r = 0 .. nrep - 1 with seed
 * first_seed + r, and what every replication measured.  Task t is
 * replication t % nrep of configuration t / nrep.  Callers read the fields;
 * the sim_study_* and sim_shard_* functions write them.  Every pointer is
 * owned by the study: free it all with sim_study_free().
 */
typedef struct sim_study {
    sim_study_kind kind;
    char *base;           /* the scenario file */
    char *variant;        /* whatif: how the variant was made; else "" */
    char *key;            /* sweep: the key varied; else "" */
    char *range;          /* sweep: the range as given; else "" */
    char *x_unit;         /* sweep: the unit of x ("" or "h"); else "" */
    size_t nconfigs;
    char **labels;        /* per configuration */
    double *x;            /* per configuration: a sweep point's value, else 0 */
    int64_t *warmup_ms;   /* per configuration: the warm-up discarded ... */
    int64_t *duration_ms; /* ... and the duration simulated */
    sim_scenario **scns;  /* per configuration; NULLs in a study read from shards */
    size_t room;          /* configurations there is room for */
    size_t nrep;
    uint64_t first_seed;
    size_t nunits;        /* the CEs of every configuration in name order, then the total */
    char **units;
    double *values;       /* after a run or a merge: see sim_study_value() */
    unsigned char *have;  /* per task: its values are in */
    const volatile int *cancel; /* set by the caller, or NULL: sim_study_run()
                                   stops with SIM_ECANCELED once *cancel is
                                   non-zero (sim_replicate_cancellable()) */
    sim_store_kind store; /* set by the caller: each replication's store */
} sim_study;

/* Zero st and make it an empty study of kind. */
void sim_study_init(sim_study *st, sim_study_kind kind);

/*
 * Make st (initialized) a what-if study of the scenario file base against a
 * variant (described by variant, e.g. its file name): configurations
 * "baseline" and "variant".  Takes both scenarios over, on error too.
 * SIM_EINVAL if st is not an empty what-if study, SIM_ENOMEM.
 */
sim_rc sim_study_whatif(sim_study *st, const char *base, const char *variant,
                        sim_scenario *baseline, sim_scenario *variant_scn,
                        char *errbuf, size_t errbuf_size);

/* Make st (initialized, a sweep) a sweep of key over range in the scenario
 * file base, x in x_unit, with npoints points (1 to SIM_STUDY_MAX_CONFIGS)
 * to add.  SIM_EINVAL or SIM_ENOMEM. */
sim_rc sim_study_sweep(sim_study *st, const char *base, const char *key,
                       const char *range, const char *x_unit, size_t npoints,
                       char *errbuf, size_t errbuf_size);

/* Add the next sweep point: its label, value x and scenario (taken over, on
 * error too; its warm-up and duration are the point's).  SIM_EINVAL beyond
 * the npoints announced or once the study has run or been merged,
 * SIM_ENOMEM. */
sim_rc sim_study_add_point(sim_study *st, const char *label, double x, sim_scenario *scn,
                           char *errbuf, size_t errbuf_size);

/* Set the replications: nrep from 2 to SIM_STUDY_MAX_REPLICATIONS, seeds
 * first_seed .. first_seed + nrep - 1 at most SIM_SEED_MAX; SIM_EINVAL
 * otherwise or once the study has run or been merged (the message says
 * which), and st unchanged. */
sim_rc sim_study_set_replications(sim_study *st, size_t nrep, uint64_t first_seed,
                                  char *errbuf, size_t errbuf_size);

/*
 * Run the tasks t of shard k of n (t % n == k - 1; 1 of 1 for all) on jobs
 * threads (sim_replicate()) and store their values; the units are the union
 * of the configurations' CEs (a CE a configuration lacks counts 0 there).
 * SIM_EINVAL for a study without scenarios or replications, one run before,
 * or k/n out of range; SIM_ENOMEM; else sim_replicate()'s error, the message naming the
 * replication and its configuration.  The values do not depend on jobs.
 */
sim_rc sim_study_run(sim_study *st, size_t shard_k, size_t shard_n, unsigned jobs,
                     sim_rep_progress_fn progress, void *progress_arg, char *errbuf,
                     size_t errbuf_size);

/* Task count (nconfigs * nrep), and the value of a metric of a unit in
 * replication rep of configuration config (0 when out of range). */
size_t sim_study_task_count(const sim_study *st);
double sim_study_value(const sim_study *st, size_t config, size_t rep, size_t unit,
                       int metric);

/* The name a unit is reported under: its CE, "total" for the total, or
 * "(all CEs)" when a CE is called "total".  Owned by st; NULL out of range. */
const char *sim_study_unit_name(const sim_study *st, size_t unit);

/* The mean and interval (SIM_STUDY_LEVEL) of a unit's metric over the
 * replications of a configuration.  SIM_EINVAL out of range, SIM_ENOMEM. */
sim_rc sim_study_interval(const sim_study *st, size_t config, size_t unit, int metric,
                          sim_interval *out);

/* A what-if's baseline and variant, and their difference paired by seed. */
typedef struct sim_study_comparison {
    sim_interval base, variant, diff;
} sim_study_comparison;

/* Compare configurations 0 and 1 of a what-if for a unit's metric.
 * SIM_EINVAL (and *out zeroed) out of range or for a sweep, SIM_ENOMEM. */
sim_rc sim_study_compare(const sim_study *st, size_t unit, int metric,
                         sim_study_comparison *out);

/* Non-zero if every configuration has the same warm-up; the same duration. */
int sim_study_same_warmup(const sim_study *st);
int sim_study_same_duration(const sim_study *st);

/* Non-zero if metric can be compared between configurations: rates always,
 * counts after the warm-up over the same [warm-up, end], the peak over the
 * same duration. */
int sim_study_comparable(const sim_study *st, int metric);

/* Student's t of the study's intervals (nrep - 1 degrees of freedom). */
double sim_study_t_value(const sim_study *st);

/* Free what st owns and zero it.  NULL is a no-op. */
void sim_study_free(sim_study *st);

/* ---- shards: a study run in parts, as JSON lines ---------------------------- */

/* The format written and read; a shard of another format is refused. */
#define SIM_SHARD_FORMAT 3
#define SIM_SHARD_MAX 100000

/* Parse "K/N" with 1 <= K <= N <= SIM_SHARD_MAX: SIM_OK, or SIM_EINVAL and
 * both zero. */
sim_rc sim_shard_parse(const char *text, size_t *k, size_t *n);

/*
 * Write shard k of n of a study run with sim_study_run(st, k, n, ...) to
 * out: a line describing the study, then one line per task with its values
 * as JSON reals of 17 digits (read back to the same doubles).  SIM_EINVAL
 * for a study not run or k/n out of range, SIM_EIO when writing fails,
 * SIM_ENOMEM (or a study text that is not UTF-8).
 */
sim_rc sim_shard_write(const sim_study *st, size_t shard_k, size_t shard_n, FILE *out,
                       char *errbuf, size_t errbuf_size);

/*
 * Read the shard files paths[0 .. npaths) into st (initialized here): every
 * task exactly once, all shards of the same study, each task in its own
 * shard.  The study has no scenarios; it reports byte for byte as the
 * unsharded run.  On error st is freed and errbuf says where and why:
 * SIM_EIO for a file that cannot be opened, SIM_EPARSE ("FILE:LINE: ..." or
 * "FILE is empty ...") for a line that is not a shard's or a task that is
 * not the shard's or repeated, SIM_EINVAL for shards of different studies
 * or missing tasks, SIM_ENOMEM.
 */
sim_rc sim_shard_merge(const char *const *paths, size_t npaths, sim_study *st,
                       char *errbuf, size_t errbuf_size);

/* ---- golden files: seeded regression tests --------------------------------- */

/* The outputs a case compares with its goldens: output i is bit 1u << i. */
#define SIM_GOLDEN_REPORT  1u /* the JSON report, as `sim --json` prints it */
#define SIM_GOLDEN_CSV     2u /* the CSV time series, as `sim --csv` writes it */
#define SIM_GOLDEN_SUMMARY 4u /* the database's counts, as `summary --json` prints them */
#define SIM_GOLDEN_FIT     8u /* `fit --json` of the database, the scenario named as
                                 `pilotdeck --db replay.db fit` names it */
#define SIM_GOLDEN_CES    16u /* the CEs, as `ce list --json` prints them */
#define SIM_GOLDEN_NOUTPUTS 5
/* The outputs of the database a case leaves (the caller writes them). */
#define SIM_GOLDEN_DB_OUTPUTS (SIM_GOLDEN_SUMMARY | SIM_GOLDEN_FIT | SIM_GOLDEN_CES)

/* "report", "csv", "summary", "fit", "ces": output i's name (manifest
 * keys); NULL out of range. */
const char *sim_golden_output_name(int i);

/* The suffix of output i's default golden file golden/NAME...: ".json",
 * ".csv", ".summary.json", ".fit.json", ".ces.json"; NULL out of range. */
const char *sim_golden_output_suffix(int i);

/* One case: a scenario replayed with a seed up to a time, and the golden
 * files its outputs must equal.  Every string is owned by the set. */
typedef struct sim_golden_case {
    char *name;      /* the scenario file's name without .ini, or a manifest's [case NAME] */
    char *origin;    /* where it was defined: the scenario file, or MANIFEST:LINE */
    char *scenario;  /* the scenario file, or NULL for a history case */
    char *history;   /* a history case: the file ingested (as `ingest --add-ces`
                        reads it) into a fresh database, whose outputs are
                        compared; else NULL */
    int64_t seed;    /* -1: the scenario's own */
    char *until;     /* the time to stop at ("12h"), or NULL: the end */
    char *golden[SIM_GOLDEN_NOUTPUTS]; /* output i's golden file, NULL: not compared */
} sim_golden_case;

/* A list of cases, zeroed to start; free with sim_golden_set_free(). */
typedef struct sim_golden_set {
    sim_golden_case *cases;
    size_t ncases, room;
} sim_golden_set;

/*
 * Add the cases of path to set:
 *   a directory: every NAME.ini in it (in name order) with golden/NAME.json
 *     beside it (and golden/NAME.csv, .summary.json and .fit.json, each
 *     compared too when it exists), and every manifest in it;
 *   a manifest: an INI file whose first section is [case NAME]; each such
 *     section one case, with keys scenario (required), seed, until, compare
 *     (report, csv, summary, fit; default report), and report, csv, summary
 *     and fit (the goldens; default golden/NAME and the output's suffix),
 *     file names relative to the manifest;
 *     A manifest's case may name history = FILE instead of scenario: the
 *     history is ingested into a fresh database, and compare takes summary,
 *     ces and fit (the default: all three);
 *   a FILE.jsonl: a history case, with golden/FILE.summary.json, .ces.json
 *     and .fit.json beside it;
 *   any other file: a scenario, with golden/NAME.json beside it (a missing
 *     golden fails the case, or is written by an update).
 * SIM_EIO (path cannot be read), SIM_EPARSE ("MANIFEST:LINE: message": the
 * manifest's cases are not added) or SIM_ENOMEM, with errbuf saying why.
 */
sim_rc sim_golden_add(sim_golden_set *set, const char *path, char *errbuf,
                      size_t errbuf_size);

/* Free what set owns and zero it.  NULL is a no-op. */
void sim_golden_set_free(sim_golden_set *set);

typedef enum sim_golden_status {
    SIM_GOLDEN_PASS,     /* every output equals its golden */
    SIM_GOLDEN_DIFF,     /* an output differs from its golden */
    SIM_GOLDEN_UPDATED,  /* update: the goldens that differed were rewritten */
    SIM_GOLDEN_ERROR     /* not replayed or compared: message says why */
} sim_golden_status;

/* What one case gave.  DIFF: golden, line, where, got and want describe the
 * first difference (want "(end of file)" past the golden's end). */
typedef struct sim_golden_result {
    const sim_golden_case *c;
    sim_golden_status status;
    uint64_t seed;        /* the seed replayed; 0 if the scenario was not read */
    const char *golden;   /* DIFF: the golden that differs (owned by the case) */
    int line;             /* DIFF: its first differing line, from 1 */
    char where[256];      /* DIFF: the JSON path of the first difference
                             (".ces[1].done") or its CSV column ("column active") */
    char got[256], want[256]; /* DIFF: there, in the replay and in the golden: the
                                 JSON member ("\"done\":17"), or the CSV line */
    unsigned updated;     /* UPDATED: the SIM_GOLDEN_ bits of the outputs rewritten */
    char message[1024];   /* ERROR: "FILE:LINE: message", "FILE: why" */
    double seconds;       /* wall time of the replay */
} sim_golden_result;

/*
 * What the caller does for a case's database (libpilotsim does not read
 * outside formats nor print as the commands do): load fills a fresh
 * database from a history file (0, or -1 with errbuf saying why, nothing
 * kept); db_output writes output i (a bit of SIM_GOLDEN_DB_OUTPUTS is
 * 1u << i) of a database as its command prints it, malloc()ed, or NULL with
 * errbuf saying why.  Both are called from any thread of a run, at once,
 * each on its own database.
 */
typedef struct sim_golden_hooks {
    int (*load)(void *arg, pilotdb *db, const char *path, char *errbuf, size_t errbuf_size);
    char *(*db_output)(void *arg, pilotdb *db, int output, char *errbuf, size_t errbuf_size);
    void *arg;
} sim_golden_hooks;

/* Given each result, in the order of the cases; r is valid during the call. */
typedef void (*sim_golden_fn)(void *arg, const sim_golden_result *r);

/*
 * Replay every case of set, each against its own fresh in-memory database as
 * `pilotdeck --db :memory: sim SCENARIO --json` plays it, on jobs threads,
 * and compare its outputs byte for byte with its goldens.  With update, the
 * goldens that differ (or are missing) are rewritten, through a temporary
 * file, and identical ones are left untouched.  Without update, a JSON
 * golden of an older pilotdeck (times in milliseconds, keys *_ms) fails its
 * case as an ERROR saying to run `pilotdeck test --update`, not as a
 * difference.  fn is called from the calling thread for each case in order,
 * whatever jobs.  SIM_OK once every case has been reported (failed cases
 * included), SIM_ENOMEM otherwise.
 */
sim_rc sim_golden_run(const sim_golden_set *set, int update, unsigned jobs,
                      const sim_golden_hooks *hooks, sim_golden_fn fn, void *arg, char *errbuf, size_t errbuf_size);

#ifdef __cplusplus
}
#endif

#endif /* PILOTSIM_H */
