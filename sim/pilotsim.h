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
    SIM_EMISUSE   /* wrong call order, or the engine failed earlier */
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

/* The report as a text table, as indented JSON (both ending with a newline),
 * in malloc()ed strings for the caller to free(); NULL when out of memory. */
char *sim_report_text(const sim_engine *eng);
char *sim_report_json(const sim_engine *eng);

/* A fixed English description of rc. */
const char *sim_rc_str(sim_rc rc);

/*
 * Parse a duration with a unit ("500ms", "90s", "15m", "1.5h", "3d") into
 * milliseconds.  0 on success, -1 if text is not such a duration.
 */
int sim_parse_duration(const char *text, int64_t *ms);

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
 * into its own in-memory database, and fill results[i] for tasks[i].  The
 * results do not depend on jobs.  On error every result is freed and
 * zeroed, and errbuf names the first failed task and why.
 */
sim_rc sim_replicate(const sim_rep_task *tasks, size_t ntasks, unsigned jobs,
                     sim_rep_progress_fn progress, void *progress_arg,
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

#ifdef __cplusplus
}
#endif

#endif /* PILOTSIM_H */
