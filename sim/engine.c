/*
 * engine.c - the discrete-event engine: the loop over the event queue on
 * virtual time, the batching of database writes, the CSV time series, and
 * setting up and tearing down a run.
 *
 * The store (store.h: the pilot database, or counts in memory) keeps the
 * CEs and the pilots' states; its clock is the engine's virtual time, and events of the same
 * time run in the order they were queued, so a run is a pure function of the
 * scenario and the seed.  Writes go in one transaction per director cycle,
 * cut short after BATCH_EVENTS events; run_until() always commits before
 * returning so that other connections (the dashboard) see a consistent state
 * and may write.  The parts: director.c (cycles and bans), pilot.c (a
 * pilot's life), timeline.c (the scenario's [event]s), event_queue.h.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

#define BATCH_EVENTS 8192

/* ---- errors --------------------------------------------------------------- */

/* Roll back the open batch and stop the engine; eng->err says why. */
static sim_rc stop(struct sim_engine *eng, sim_rc rc)
{
    if (eng->in_txn)
        (void)eng->store->ops->rollback(eng->store);
    eng->in_txn = 0;
    eng->failed = 1;
    return rc;
}

/* Record a database failure and stop the engine. */
sim_rc sim__engine_fail_db(struct sim_engine *eng, pilotdb_rc rc, const char *what)
{
    const char *errmsg = eng->store->ops->errmsg(eng->store);
    const char *msg = errmsg[0] ? errmsg : pilotdb_rc_str(rc);
    size_t len = strlen(what);

    /* The layer's SQL failures already say what it was doing. */
    if (strncmp(msg, what, len) == 0 && msg[len] == ':')
        snprintf(eng->err, sizeof eng->err, "%s", msg);
    else
        snprintf(eng->err, sizeof eng->err, "%s: %s", what, msg);
    return stop(eng, SIM_EDB);
}

sim_rc sim__engine_nomem(struct sim_engine *eng)
{
    snprintf(eng->err, sizeof eng->err, "out of memory");
    return stop(eng, SIM_ENOMEM);
}

static sim_rc csv_failed(struct sim_engine *eng)
{
    snprintf(eng->err, sizeof eng->err, "writing the CSV time series failed");
    return stop(eng, SIM_EIO);
}

/* ---- the loop ---------------------------------------------------------------- */

sim_rc sim__engine_schedule(struct sim_engine *eng, int64_t at, enum sim_event_kind kind,
                            uint32_t idx, uint32_t gen)
{
    if (sim_event_queue_push(&eng->events, at, kind, idx, gen) != SIM_OK)
        return sim__engine_nomem(eng);
    return SIM_OK;
}

/* Write a row per CE to the CSV time series and queue the next sample. */
static sim_rc on_sample(struct sim_engine *eng)
{
    size_t i;

    if (eng->scn->sample_interval > 0 &&
        eng->now + eng->scn->sample_interval <= eng->scn->duration) {
        sim_rc rc = sim__engine_schedule(eng, eng->now + eng->scn->sample_interval,
                                         SIM_EV_SAMPLE, 0, 0);
        if (rc != SIM_OK)
            return rc;
    }
    if (!eng->csv)
        return SIM_OK;
    for (i = 0; i < eng->nces; i++) {
        const struct sim_ce *ce = &eng->ces[i];
        fprintf(eng->csv, "%lld,", (long long)eng->now);
        pilotdb_csv_put(eng->csv, ce->name);
        fprintf(eng->csv, ",%lld,%d,%lld,%lld,%lld,%lld,%lld,%lld" PILOTDB_CSV_EOL,
                (long long)ce->capacity, ce->enabled,
                (long long)ce->waiting, (long long)ce->running,
                (long long)ce->done,
                (long long)(ce->failed_queued + ce->failed_running),
                (long long)ce->submission_failures, (long long)ce->refused);
    }
    return ferror(eng->csv) ? csv_failed(eng) : SIM_OK;
}

sim_rc sim__engine_commit_batch(struct sim_engine *eng)
{
    pilotdb_rc rc;

    if (!eng->in_txn)
        return SIM_OK;
    rc = eng->store->ops->commit(eng->store);
    eng->in_txn = 0;
    eng->batch_events = 0;
    if (rc != PILOTDB_OK)
        return sim__engine_fail_db(eng, rc, "committing a batch");
    if (eng->progress)
        eng->progress(eng->progress_arg, eng->now, eng->scn->duration);
    return SIM_OK;
}

sim_rc sim__engine_begin_batch(struct sim_engine *eng)
{
    pilotdb_rc rc;

    if (eng->in_txn)
        return SIM_OK;
    rc = eng->store->ops->begin(eng->store);
    if (rc != PILOTDB_OK)
        return sim__engine_fail_db(eng, rc, "beginning a batch");
    eng->in_txn = 1;
    return SIM_OK;
}

static sim_rc dispatch(struct sim_engine *eng, const struct sim_event *ev)
{
    switch (ev->kind) {
    case SIM_EV_TIMELINE:
        return sim__timeline_apply(eng, ev);
    case SIM_EV_CYCLE:
        return sim__director_cycle(eng);
    case SIM_EV_SAMPLE:
        return on_sample(eng);
    case SIM_EV_QUEUE_END:
        return sim__pilot_queue_end(eng, ev);
    case SIM_EV_RUN_END:
        return sim__pilot_run_end(eng, ev);
    case SIM_EV_ARRIVAL:
        return eng->scn->policy->arrival(eng, ev->idx);
    case SIM_EV_UNBAN:
        return sim__director_unban(eng, ev);
    }
    return SIM_OK;
}

/* ---- public ------------------------------------------------------------------ */

static int64_t virtual_clock(void *arg)
{
    return ((const struct sim_engine *)arg)->now;
}

struct name_index {
    const char *name;
    uint32_t index;
};

static int cmp_name_index(const void *a, const void *b)
{
    return strcmp(((const struct name_index *)a)->name,
                  ((const struct name_index *)b)->name);
}

/* Write the pilots the scenario starts with (inside the transaction that
 * adds the CEs).  A CE takes them whatever its capacity and state: it is
 * opened for them, then set as the scenario says. */
static sim_rc carry_start(struct sim_engine *eng)
{
    const struct sim_scenario *scn = eng->scn;
    char key[PILOTDB_NAME_MAX + 16];
    size_t i, k;

    key[0] = '\x01';
    for (i = 0; i < eng->nces; i++) {
        struct sim_ce *ce = &eng->ces[i];
        pilotdb_ce_change open = {PILOTDB_SET_CAPACITY | PILOTDB_SET_ENABLED, 0, 0, 1};
        pilotdb_ce_change back = {PILOTDB_SET_CAPACITY | PILOTDB_SET_ENABLED, ce->capacity,
                                  0, ce->enabled};
        pcg32_random_t rng;
        pilotdb_rc drc;
        sim_rc rc;
        for (k = 0; k < scn->nstart; k++)
            open.capacity += eng->spec_to_ce[scn->start[k].ce] == i;
        if (open.capacity == 0)
            continue;
        open.capacity += ce->capacity;
        if ((drc = eng->store->ops->ce_update(eng->store, ce->db_id, ce->name, &open)) !=
            PILOTDB_OK)
            return sim__engine_fail_db(eng, drc, "carrying pilots over");
        snprintf(key + 1, sizeof key - 1, "start %s", ce->name);
        pcg32_derive(&rng, eng->seed, key);
        for (k = 0; k < scn->nstart; k++)
            if (eng->spec_to_ce[scn->start[k].ce] == i &&
                (rc = sim__pilot_carry(eng, ce, scn->start[k].running, scn->start[k].age,
                                       &rng)) != SIM_OK)
                return rc;
        if ((drc = eng->store->ops->ce_update(eng->store, ce->db_id, ce->name, &back)) !=
            PILOTDB_OK)
            return sim__engine_fail_db(eng, drc, "carrying pilots over");
    }
    return SIM_OK;
}

/* Set up CEs (sorted by name, each with its own streams), add them to the
 * store in one transaction, carry the scenario's starting pilots over, and
 * queue the first events.  The engine takes store over, on error too. */
static sim_rc engine_new(const sim_scenario *scn, struct sim_store *store, uint64_t seed,
                         sim_engine **out, char *errbuf, size_t errbuf_size)
{
    struct sim_engine *eng = NULL;
    struct name_index *order = NULL;
    char key[PILOTDB_NAME_MAX + 16];
    sim_rc rc = SIM_ENOMEM;
    pilotdb_rc drc;
    size_t i;

    if (!store)
        goto nomem;
    eng = calloc(1, sizeof *eng);
    if (!eng) {
        sim_store_free(store);
        goto nomem;
    }
    eng->store = store;
    eng->scn = scn;
    eng->seed = seed;
    eng->nces = scn->nces;
    eng->ces = calloc(scn->nces, sizeof *eng->ces);
    eng->spec_to_ce = calloc(scn->nces, sizeof *eng->spec_to_ce);
    order = calloc(scn->nces, sizeof *order);
    if (!eng->ces || !eng->spec_to_ce || !order)
        goto nomem;
    for (i = 0; i < scn->nces; i++) {
        order[i].name = scn->ces[i].name;
        order[i].index = (uint32_t)i;
    }
    qsort(order, scn->nces, sizeof *order, cmp_name_index);

    key[0] = '\x01';
    snprintf(key + 1, sizeof key - 1, "arrivals");
    pcg32_derive(&eng->global_rng, seed, key);
    for (i = 0; i < scn->nces; i++) {
        struct sim_ce *ce = &eng->ces[i];
        const struct sim_ce_spec *spec = &scn->ces[order[i].index];
        eng->spec_to_ce[order[i].index] = (uint32_t)i;
        ce->spec = spec;
        ce->name = spec->name;
        pcg32_derive(&ce->rng, seed, spec->name);
        snprintf(key + 1, sizeof key - 1, "arrivals %s", spec->name);
        pcg32_derive(&ce->arrival_rng, seed, key);
        ce->present = 1;
        ce->capacity = spec->capacity;
        ce->success_rate = spec->success_rate;
        ce->enabled = spec->enabled;
        ce->db_available = spec->enabled ? spec->capacity : 0;
        if (scn->ban_threshold > 0) {
            ce->outcomes = calloc((size_t)scn->ban_window, 1);
            if (!ce->outcomes)
                goto nomem;
        }
    }

    /* The store is the simulation's: its clock is virtual, and its CE
     * changes are logged as the simulator's. */
    if ((drc = store->ops->start(store, virtual_clock, eng)) != PILOTDB_OK) {
        snprintf(errbuf, errbuf_size, "%s%s",
                 drc == PILOTDB_ECLOCK ? "" : "adding the scenario's CEs: ",
                 store->ops->errmsg(store));
        rc = SIM_EDB;
        goto fail;
    }
    for (i = 0; drc == PILOTDB_OK && i < eng->nces; i++) {
        struct sim_ce *ce = &eng->ces[i];
        drc = store->ops->ce_add(store, ce->name, ce->capacity, ce->success_rate,
                                 ce->enabled, &ce->db_id);
        if (drc == PILOTDB_EEXISTS) {
            snprintf(errbuf, errbuf_size, "CE '%s' exists already in the database; "
                     "simulate into a fresh database", ce->name);
            (void)store->ops->rollback(store);
            rc = SIM_EDB;
            goto fail;
        }
    }
    if (drc == PILOTDB_OK && scn->nstart > 0 && (rc = carry_start(eng)) != SIM_OK) {
        snprintf(errbuf, errbuf_size, "%s", eng->err);
        (void)store->ops->rollback(store);
        goto fail;
    }
    if (drc == PILOTDB_OK)
        drc = store->ops->commit(store);
    if (drc != PILOTDB_OK) {
        const char *msg = store->ops->errmsg(store);
        snprintf(errbuf, errbuf_size, "adding the scenario's CEs: %s",
                 msg[0] ? msg : pilotdb_rc_str(drc));
        if (store->ops->in_transaction(store))
            (void)store->ops->rollback(store);
        rc = SIM_EDB;
        goto fail;
    }

    if (sim__timeline_start(eng) != SIM_OK ||
        sim__engine_schedule(eng, 0, SIM_EV_CYCLE, 0, 0) != SIM_OK ||
        sim__engine_schedule(eng, 0, SIM_EV_SAMPLE, 0, 0) != SIM_OK)
        goto nomem;
    rc = scn->policy->start(eng);
    if (rc != SIM_OK) {
        snprintf(errbuf, errbuf_size, "%s", eng->err);
        goto fail;
    }
    free(order);
    *out = eng;
    return SIM_OK;

nomem:
    snprintf(errbuf, errbuf_size, "out of memory");
    rc = SIM_ENOMEM;
fail:
    free(order);
    sim_engine_free(eng);
    return rc;
}

/* Check what every engine is made from; SIM_EINVAL with errbuf. */
static sim_rc check_new(const sim_scenario *scn, uint64_t seed, sim_engine **out,
                        char *errbuf, size_t errbuf_size)
{
    *out = NULL;
    if (errbuf_size)
        errbuf[0] = '\0';
    if (!scn || seed > (uint64_t)SIM_SEED_MAX) {
        snprintf(errbuf, errbuf_size, "seed must be 0 to %lld", (long long)SIM_SEED_MAX);
        return SIM_EINVAL;
    }
    return SIM_OK;
}

sim_rc sim_engine_new(const sim_scenario *scn, pilotdb *db, uint64_t seed,
                      sim_engine **out, char *errbuf, size_t errbuf_size)
{
    sim_rc rc = check_new(scn, seed, out, errbuf, errbuf_size);

    if (rc == SIM_OK && !db) {
        snprintf(errbuf, errbuf_size, "seed must be 0 to %lld", (long long)SIM_SEED_MAX);
        rc = SIM_EINVAL;
    }
    if (rc != SIM_OK)
        return rc;
    return engine_new(scn, sim_store_sqlite_new(db), seed, out, errbuf, errbuf_size);
}

sim_rc sim_engine_new_memory(const sim_scenario *scn, uint64_t seed, sim_engine **out,
                             char *errbuf, size_t errbuf_size)
{
    sim_rc rc = check_new(scn, seed, out, errbuf, errbuf_size);

    if (rc != SIM_OK)
        return rc;
    return engine_new(scn, sim_store_memory_new(), seed, out, errbuf, errbuf_size);
}

/* Process events up to t_ms, batching writes; see pilotsim.h. */
sim_rc sim_engine_run_until(sim_engine *eng, int64_t t_ms)
{
    sim_rc rc = SIM_OK;

    if (eng->failed)
        return SIM_EMISUSE;
    if (t_ms > eng->scn->duration)
        t_ms = eng->scn->duration;
    if (t_ms < eng->now)
        t_ms = eng->now;
    if (!eng->started) {
        eng->started = 1;
        if (eng->csv) {
            fputs("t_ms,ce,capacity,enabled,waiting,running,done,"
                  "failed,submission_failures,refused" PILOTDB_CSV_EOL, eng->csv);
        }
    }
    for (;;) {
        const struct sim_event *next = sim_event_queue_peek(&eng->events);
        struct sim_event ev;
        if (!next || next->at > t_ms)
            break;
        ev = sim_event_queue_pop(&eng->events);
        eng->now = ev.at;
        rc = sim__engine_begin_batch(eng);
        if (rc == SIM_OK)
            rc = dispatch(eng, &ev);
        if (rc != SIM_OK)
            return rc;
        if (++eng->batch_events >= BATCH_EVENTS) {
            rc = sim__engine_commit_batch(eng);
            if (rc != SIM_OK)
                return rc;
        }
    }
    eng->now = t_ms;
    rc = sim__engine_commit_batch(eng);
    if (rc == SIM_OK && eng->csv && fflush(eng->csv) != 0)
        rc = csv_failed(eng);
    return rc;
}

sim_rc sim_engine_run(sim_engine *eng)
{
    return sim_engine_run_until(eng, eng->scn->duration);
}

sim_rc sim_engine_advance(sim_engine *eng, int64_t real_ms, double speed, int64_t until,
                          double *carry_ms)
{
    double virtual_ms = (double)real_ms * speed + *carry_ms;
    int64_t step = (int64_t)virtual_ms;

    *carry_ms = virtual_ms - (double)step;
    if (step <= 0)
        return SIM_OK;
    return sim_engine_run_until(eng, eng->now + step < until ? eng->now + step : until);
}

/* Roll back what a failure left open and free the store, which gives a
 * database its wall clock back; the scenario and database stay with the
 * caller. */
void sim_engine_free(sim_engine *eng)
{
    size_t i;

    if (!eng)
        return;
    if (eng->in_txn)
        (void)eng->store->ops->rollback(eng->store);
    sim_store_free(eng->store);
    if (eng->ces)
        for (i = 0; i < eng->nces; i++)
            free(eng->ces[i].outcomes);
    free(eng->ces);
    free(eng->spec_to_ce);
    sim_event_queue_free(&eng->events);
    free(eng->pilots);
    free(eng->free_slots);
    free(eng);
}

int64_t sim_engine_now(const sim_engine *eng)
{
    return eng->now;
}

int64_t sim_engine_duration(const sim_engine *eng)
{
    return eng->scn->duration;
}

int sim_engine_done(const sim_engine *eng)
{
    return eng->now >= eng->scn->duration;
}

uint64_t sim_engine_seed(const sim_engine *eng)
{
    return eng->seed;
}

const char *sim_engine_errmsg(const sim_engine *eng)
{
    return eng->err;
}

void sim_engine_set_progress(sim_engine *eng, sim_progress_fn fn, void *arg)
{
    eng->progress = fn;
    eng->progress_arg = arg;
}

sim_rc sim_engine_set_csv(sim_engine *eng, FILE *out)
{
    if (eng->started)
        return SIM_EMISUSE;
    eng->csv = out;
    return SIM_OK;
}

/* ---- for policy.c, failure.c and report.c --------------------------------------- */

sim_rc sim_engine_schedule_arrival(struct sim_engine *eng, int64_t at, uint32_t ce)
{
    if (at > eng->scn->duration)
        return SIM_OK;
    return sim__engine_schedule(eng, at, SIM_EV_ARRIVAL, ce, 0);
}

const struct sim_scenario *sim_engine_scenario(const struct sim_engine *eng)
{
    return eng->scn;
}

struct sim_ce *sim_engine_ces(struct sim_engine *eng, size_t *n)
{
    *n = eng->nces;
    return eng->ces;
}

pcg32_random_t *sim_engine_global_rng(struct sim_engine *eng)
{
    return &eng->global_rng;
}

int64_t sim_engine_total_peak(const struct sim_engine *eng)
{
    return eng->total_peak;
}
