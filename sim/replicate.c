/*
 * replicate.c - run many seeded replications of scenarios, in parallel
 * threads, each into its own store.
 *
 * Each task (a scenario, a seed and a store) is independent: its own store
 * (counts in memory, or a pilotdb connection to a private :memory:
 * database), its own engine.  libpilotdb and
 * libpilotsim keep no mutable globals, so tasks share only the read-only
 * scenarios.  Results are written into the caller's array at the task's
 * index, so they are the same whatever the number of threads and whatever
 * order the threads pick tasks in.
 *
 * A replication discards its warm-up: the engine's time averages already
 * cover [warmup, end]; counts (done, failed, refused) are taken at the
 * warm-up and subtracted from the counts at the end.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

static const char *const metric_names[SIM_NMETRICS] = {
    "throughput_per_hour", "done", "failed", "utilization", "refused", "peak_active"
};

const char *sim_metric_name(int metric)
{
    return metric >= 0 && metric < SIM_NMETRICS ? metric_names[metric] : NULL;
}

int sim_metric_find(const char *name)
{
    int m;

    for (m = 0; m < SIM_NMETRICS; m++)
        if (strcmp(metric_names[m], name) == 0)
            return m;
    return -1;
}

void sim_rep_result_free(sim_rep_result *result)
{
    size_t i;

    if (!result)
        return;
    for (i = 0; i < result->nunits && result->names; i++)
        free(result->names[i]);
    free(result->names);
    free(result->values);
    memset(result, 0, sizeof *result);
}

/* The counts a replication reports from the warm-up on: done, failed and
 * refused so far (subtract those at the warm-up from those at the end). */
enum { COUNT_DONE, COUNT_FAILED, COUNT_REFUSED, NCOUNTS };

static void counts(const sim_ce_stats *st, int64_t out[NCOUNTS])
{
    out[COUNT_DONE] = st->done;
    out[COUNT_FAILED] = st->failed_before_start + st->failed_running;
    out[COUNT_REFUSED] = st->refused;
}

/* Run one task; on error errbuf says why. */
static sim_rc run_task(const sim_rep_task *task, sim_store_kind store, sim_rep_result *out,
                       char *errbuf, size_t errbuf_size)
{
    pilotdb *db = NULL;
    sim_engine *eng = NULL;
    sim_ce_stats st;
    int64_t *at_warmup = NULL;
    size_t nunits = 0, u;
    char err[256]; /* room for it in errbuf, with a prefix */
    sim_rc rc;

    memset(out, 0, sizeof *out);
    /* Thrown away on any error, so no rollback journal is needed. */
    if (store == SIM_STORE_SQLITE &&
        pilotdb_open(":memory:", PILOTDB_OPEN_CREATE | PILOTDB_OPEN_SCRATCH, &db, err,
                     sizeof err) != PILOTDB_OK) {
        snprintf(errbuf, errbuf_size, "opening an in-memory database: %s", err);
        rc = SIM_EDB;
        goto out;
    }
    rc = db ? sim_engine_new(task->scn, db, task->seed, &eng, err, sizeof err)
            : sim_engine_new_memory(task->scn, task->seed, &eng, err, sizeof err);
    if (rc != SIM_OK) {
        snprintf(errbuf, errbuf_size, "%s", err);
        goto out;
    }
    nunits = sim_report_ce_count(eng) + 1;
    at_warmup = calloc(nunits * NCOUNTS, sizeof *at_warmup);
    out->names = calloc(nunits, sizeof *out->names);
    out->values = calloc(nunits * SIM_NMETRICS, sizeof *out->values);
    if (!at_warmup || !out->names || !out->values) {
        rc = SIM_ENOMEM;
        snprintf(errbuf, errbuf_size, "out of memory");
        goto out;
    }
    out->nunits = nunits;
    if (task->scn->warmup > 0) {
        rc = sim_engine_run_until(eng, task->scn->warmup);
        for (u = 0; rc == SIM_OK && u < nunits; u++) {
            rc = sim_report_ce(eng, u, &st);
            counts(&st, &at_warmup[NCOUNTS * u]);
        }
    }
    if (rc == SIM_OK)
        rc = sim_engine_run(eng);
    if (rc != SIM_OK) {
        snprintf(errbuf, errbuf_size, "%s", sim_engine_errmsg(eng));
        goto out;
    }
    for (u = 0; u < nunits; u++) {
        double *v = &out->values[u * SIM_NMETRICS];
        const int64_t *warm = &at_warmup[NCOUNTS * u];
        int64_t now[NCOUNTS];
        rc = sim_report_ce(eng, u, &st);
        if (rc == SIM_OK && !(out->names[u] = strdup(st.name)))
            rc = SIM_ENOMEM;
        if (rc != SIM_OK) {
            snprintf(errbuf, errbuf_size, "reading the report: %s", sim_rc_str(rc));
            goto out;
        }
        counts(&st, now);
        v[SIM_METRIC_THROUGHPUT] = st.throughput_per_hour;
        v[SIM_METRIC_DONE] = (double)(now[COUNT_DONE] - warm[COUNT_DONE]);
        v[SIM_METRIC_FAILED] = (double)(now[COUNT_FAILED] - warm[COUNT_FAILED]);
        v[SIM_METRIC_UTILIZATION] = st.utilization;
        v[SIM_METRIC_REFUSED] = (double)(now[COUNT_REFUSED] - warm[COUNT_REFUSED]);
        v[SIM_METRIC_PEAK_ACTIVE] = (double)st.peak_active;
    }
out:
    free(at_warmup);
    if (rc != SIM_OK)
        sim_rep_result_free(out);
    sim_engine_free(eng);
    if (db && pilotdb_close(db) != PILOTDB_OK && rc == SIM_OK) {
        snprintf(errbuf, errbuf_size, "closing an in-memory database failed");
        rc = SIM_EDB;
    }
    return rc;
}

struct pool {
    pthread_mutex_t lock;
    const sim_rep_task *tasks;
    sim_rep_result *results;
    size_t ntasks;
    size_t next;          /* the next task to hand out */
    size_t finished;
    size_t failed_task;   /* lowest failed task index, or ntasks */
    sim_rc failed_rc;
    char errmsg[1024];
    sim_rep_progress_fn progress;
    void *progress_arg;
    const volatile int *cancel;
    sim_store_kind store;
    int cancelled;        /* a task was refused because of cancel */
};

static void *worker(void *arg)
{
    struct pool *pool = arg;
    char err[512];

    for (;;) {
        size_t t;
        sim_rc rc;

        pthread_mutex_lock(&pool->lock);
        /* stop handing out work after a failure or once cancelled */
        if (pool->cancel && *pool->cancel && pool->next < pool->ntasks)
            pool->cancelled = 1;
        t = pool->failed_task < pool->ntasks || pool->cancelled ? pool->ntasks : pool->next;
        if (t < pool->ntasks)
            pool->next++;
        pthread_mutex_unlock(&pool->lock);
        if (t >= pool->ntasks)
            break;

        err[0] = '\0';
        rc = run_task(&pool->tasks[t], pool->store, &pool->results[t], err, sizeof err);

        pthread_mutex_lock(&pool->lock);
        pool->finished++;
        if (rc != SIM_OK && t < pool->failed_task) {
            pool->failed_task = t;
            pool->failed_rc = rc;
            snprintf(pool->errmsg, sizeof pool->errmsg, "replication %zu (seed %llu): %s",
                     t, (unsigned long long)pool->tasks[t].seed, err);
        }
        if (pool->progress)
            pool->progress(pool->progress_arg, pool->finished, pool->ntasks);
        pthread_mutex_unlock(&pool->lock);
    }
    return NULL;
}

sim_rc sim_replicate(const sim_rep_task *tasks, size_t ntasks, unsigned jobs,
                     sim_rep_progress_fn progress, void *progress_arg,
                     sim_rep_result *results, char *errbuf, size_t errbuf_size)
{
    return sim_replicate_cancellable(tasks, ntasks, jobs, progress, progress_arg, NULL,
                                     results, errbuf, errbuf_size);
}

sim_rc sim_replicate_cancellable(const sim_rep_task *tasks, size_t ntasks, unsigned jobs,
                                 sim_rep_progress_fn progress, void *progress_arg,
                                 const volatile int *cancel, sim_rep_result *results,
                                 char *errbuf, size_t errbuf_size)
{
    return sim_replicate_store(tasks, ntasks, jobs, SIM_STORE_MEMORY, progress, progress_arg,
                               cancel, results, errbuf, errbuf_size);
}

sim_rc sim_replicate_store(const sim_rep_task *tasks, size_t ntasks, unsigned jobs,
                           sim_store_kind store, sim_rep_progress_fn progress,
                           void *progress_arg, const volatile int *cancel,
                           sim_rep_result *results, char *errbuf, size_t errbuf_size)
{
    struct pool pool;
    pthread_t *threads = NULL;
    unsigned started = 0, i;
    size_t t;

    if (errbuf && errbuf_size)
        errbuf[0] = '\0';
    if (results)
        memset(results, 0, ntasks * sizeof *results);
    if (!tasks || !results || jobs == 0) {
        if (errbuf && errbuf_size)
            snprintf(errbuf, errbuf_size, "no tasks, no results or no jobs");
        return SIM_EINVAL;
    }
    for (t = 0; t < ntasks; t++) {
        if (!tasks[t].scn || tasks[t].seed > SIM_SEED_MAX) {
            if (errbuf && errbuf_size)
                snprintf(errbuf, errbuf_size, "task %zu has no scenario or a seed above "
                         "2^63-1", t);
            return SIM_EINVAL;
        }
    }
    memset(&pool, 0, sizeof pool);
    if (pthread_mutex_init(&pool.lock, NULL) != 0) {
        if (errbuf && errbuf_size)
            snprintf(errbuf, errbuf_size, "cannot create a mutex");
        return SIM_ENOMEM;
    }
    pool.tasks = tasks;
    pool.results = results;
    pool.ntasks = ntasks;
    pool.failed_task = ntasks;
    pool.progress = progress;
    pool.progress_arg = progress_arg;
    pool.cancel = cancel;
    pool.store = store;

    if (jobs > ntasks)
        jobs = ntasks ? (unsigned)ntasks : 1;
    /* the calling thread is one of the workers */
    if (jobs > 1)
        threads = malloc((jobs - 1) * sizeof *threads);
    for (i = 0; threads && i + 1 < jobs; i++)
        if (pthread_create(&threads[started], NULL, worker, &pool) == 0)
            started++;
    worker(&pool);
    for (i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    pthread_mutex_destroy(&pool.lock);

    if (pool.failed_task < ntasks) {
        for (t = 0; t < ntasks; t++)
            sim_rep_result_free(&results[t]);
        if (errbuf && errbuf_size)
            snprintf(errbuf, errbuf_size, "%s", pool.errmsg);
        return pool.failed_rc;
    }
    if (pool.cancelled) {
        for (t = 0; t < ntasks; t++)
            sim_rep_result_free(&results[t]);
        if (errbuf && errbuf_size)
            snprintf(errbuf, errbuf_size, "cancelled after %zu of %zu replications",
                     pool.finished, ntasks);
        return SIM_ECANCELED;
    }
    return SIM_OK;
}
