/*
 * engine.c - the discrete-event engine: an event queue on virtual time, the
 * pilots in flight, and the batching of database writes.
 *
 * Events are kept in a 4-ary heap ordered by (time, insertion number), so
 * ties are broken by insertion order and a run is a pure function of the
 * scenario and the seed.  (Four children per node: half the depth of a
 * binary heap, and the children of a node share two cache lines; the
 * queue of a large run outgrows the caches.)  The database's clock is the
 * engine's virtual time.
 * Writes go in one transaction per director cycle, cut short after
 * BATCH_EVENTS events; run_until() always commits before returning so that
 * other connections (the dashboard) see a consistent state and may write.
 *
 * A pilot in flight lives in a slot of a pool; its pending event carries the
 * slot's generation, so an event for a pilot that was ended early (a CE
 * outage with running = fail) is recognized as stale and skipped.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define BATCH_EVENTS 8192

enum event_kind {
    EV_TIMELINE,   /* idx: scenario event index */
    EV_CYCLE,
    EV_SAMPLE,
    EV_QUEUE_END,  /* idx: pilot slot */
    EV_RUN_END,    /* idx: pilot slot */
    EV_ARRIVAL,    /* idx: CE index or UINT32_MAX */
    EV_UNBAN       /* idx: CE index */
};

struct sim_event {
    int64_t at;
    uint64_t seq;
    uint32_t kind;
    uint32_t idx;
    uint32_t gen;
};

enum pilot_state { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING };

struct sim_pilot {
    int64_t db_id;
    int64_t submitted_at;
    int64_t run_ms;
    double fail_point;
    uint32_t ce;
    uint32_t gen;
    unsigned char fate;
    unsigned char state;
};

struct sim_engine {
    const struct sim_scenario *scn;
    pilotdb *db;
    uint64_t seed;
    int64_t now;
    int started;
    int failed;
    char err[512];

    struct sim_ce *ces;        /* in name order */
    size_t nces;
    uint32_t *spec_to_ce;      /* scenario CE index -> ces index */
    pcg32_random_t global_rng;

    struct sim_event *heap;
    size_t nheap, heap_cap;
    uint64_t seq;

    struct sim_pilot *pilots;
    size_t npilots, pilots_cap;
    uint32_t *free_slots;
    size_t nfree;

    int in_txn;
    int64_t batch_events;
    int64_t cycle_no;
    int64_t total_active, total_peak;

    sim_progress_fn progress;
    void *progress_arg;
    FILE *csv;
};

/* ---- errors --------------------------------------------------------------- */

/* Record a database failure, roll back the open batch, stop the engine. */
static sim_rc db_fail(struct sim_engine *eng, pilotdb_rc rc, const char *what)
{
    const char *msg = pilotdb_errmsg(eng->db)[0] ? pilotdb_errmsg(eng->db)
                                                  : pilotdb_rc_str(rc);
    size_t len = strlen(what);

    /* The layer's SQL failures already say what it was doing. */
    if (strncmp(msg, what, len) == 0 && msg[len] == ':')
        snprintf(eng->err, sizeof eng->err, "%s", msg);
    else
        snprintf(eng->err, sizeof eng->err, "%s: %s", what, msg);
    if (eng->in_txn)
        (void)pilotdb_rollback(eng->db);
    eng->in_txn = 0;
    eng->failed = 1;
    return SIM_EDB;
}

static sim_rc nomem(struct sim_engine *eng)
{
    snprintf(eng->err, sizeof eng->err, "out of memory");
    if (eng->in_txn)
        (void)pilotdb_rollback(eng->db);
    eng->in_txn = 0;
    eng->failed = 1;
    return SIM_ENOMEM;
}

/* ---- the event queue ------------------------------------------------------- */

#define HEAP_ARITY 4

static int event_before(const struct sim_event *a, const struct sim_event *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static sim_rc schedule(struct sim_engine *eng, int64_t at, uint32_t kind,
                       uint32_t idx, uint32_t gen)
{
    struct sim_event ev;
    size_t i;

    if (eng->nheap == eng->heap_cap) {
        size_t cap = eng->heap_cap ? 2 * eng->heap_cap : 1024;
        struct sim_event *bigger = realloc(eng->heap, cap * sizeof *bigger);
        if (!bigger)
            return nomem(eng);
        eng->heap = bigger;
        eng->heap_cap = cap;
    }
    ev.at = at;
    ev.seq = eng->seq++;
    ev.kind = kind;
    ev.idx = idx;
    ev.gen = gen;
    for (i = eng->nheap++; i > 0; ) {
        size_t parent = (i - 1) / HEAP_ARITY;
        if (!event_before(&ev, &eng->heap[parent]))
            break;
        eng->heap[i] = eng->heap[parent];
        i = parent;
    }
    eng->heap[i] = ev;
    return SIM_OK;
}

static struct sim_event pop_event(struct sim_engine *eng)
{
    struct sim_event top = eng->heap[0], last = eng->heap[--eng->nheap];
    size_t i = 0, n = eng->nheap;

    for (;;) {
        size_t first = HEAP_ARITY * i + 1, end = first + HEAP_ARITY, best = first;
        if (first >= n)
            break;
        if (end > n)
            end = n;
        for (size_t c = first + 1; c < end; c++)
            if (event_before(&eng->heap[c], &eng->heap[best]))
                best = c;
        if (!event_before(&eng->heap[best], &last))
            break;
        eng->heap[i] = eng->heap[best];
        i = best;
    }
    if (n > 0)
        eng->heap[i] = last;
    return top;
}

/* ---- CE bookkeeping ---------------------------------------------------------- */

/* Add the time since the last change to the CE's integrals (clipped to the
 * warm-up); call before active or capacity changes. */
static void ce_touch(struct sim_engine *eng, struct sim_ce *ce)
{
    int64_t from = ce->last_change > eng->scn->warmup ? ce->last_change
                                                      : eng->scn->warmup;

    if (eng->now > from) {
        double span = (double)(eng->now - from);
        ce->area_active += (double)(ce->waiting + ce->running) * span;
        ce->area_capacity += (double)ce->capacity * span;
    }
    ce->last_change = eng->now;
}

static void active_changed(struct sim_engine *eng, struct sim_ce *ce, int delta)
{
    int64_t active = ce->waiting + ce->running;

    eng->total_active += delta;
    if (active > ce->peak_active)
        ce->peak_active = active;
    if (eng->total_active > eng->total_peak)
        eng->total_peak = eng->total_active;
}

/* Read every CE's state from the database; CEs are merged by name, as both
 * lists are in the same (byte) order.  Others' CEs are skipped. */
static sim_rc refresh_ces(struct sim_engine *eng)
{
    pilotdb_ce *list = NULL;
    size_t n = 0, i, j = 0;
    pilotdb_rc rc = pilotdb_ce_list(eng->db, 0, &list, &n);

    if (rc != PILOTDB_OK)
        return db_fail(eng, rc, "reading CEs");
    for (i = 0; i < eng->nces; i++) {
        struct sim_ce *ce = &eng->ces[i];
        int cmp = 1;
        while (j < n && (cmp = strcmp(list[j].name, ce->name)) < 0)
            j++;
        ce_touch(eng, ce);
        if (j < n && cmp == 0) {
            ce->present = 1;
            ce->db_id = list[j].id;
            ce->capacity = list[j].capacity;
            ce->success_rate = list[j].success_rate;
            ce->enabled = list[j].enabled;
            ce->db_waiting = list[j].count[PILOT_SUBMITTED];
            ce->db_available = list[j].available_slots;
            j++;
        } else {
            ce->present = 0;
            ce->enabled = 0;
            ce->db_available = 0;
        }
    }
    pilotdb_free(list);
    return SIM_OK;
}

/* ---- pilots -------------------------------------------------------------------- */

static sim_rc slot_alloc(struct sim_engine *eng, uint32_t *slot)
{
    if (eng->nfree > 0) {
        *slot = eng->free_slots[--eng->nfree];
        return SIM_OK;
    }
    if (eng->npilots == eng->pilots_cap) {
        size_t cap = eng->pilots_cap ? 2 * eng->pilots_cap : 1024;
        struct sim_pilot *bigger = realloc(eng->pilots, cap * sizeof *bigger);
        uint32_t *free_bigger;
        if (!bigger)
            return nomem(eng);
        eng->pilots = bigger;
        free_bigger = realloc(eng->free_slots, cap * sizeof *free_bigger);
        if (!free_bigger)
            return nomem(eng);
        eng->free_slots = free_bigger;
        eng->pilots_cap = cap;
    }
    *slot = (uint32_t)eng->npilots;
    eng->pilots[eng->npilots].gen = 0;
    eng->npilots++;
    return SIM_OK;
}

static void slot_free(struct sim_engine *eng, uint32_t slot)
{
    eng->pilots[slot].state = SLOT_FREE;
    eng->pilots[slot].gen++;
    eng->free_slots[eng->nfree++] = slot;
}

/* Record the end of a pilot for time averages and banning. */
static sim_rc pilot_ended(struct sim_engine *eng, struct sim_ce *ce,
                          const struct sim_pilot *p, int success, int count_for_ban)
{
    const struct sim_scenario *scn = eng->scn;

    if (eng->now >= scn->warmup) {
        ce->ended_in_window++;
        ce->time_in_system_ms += (double)(eng->now - p->submitted_at);
    }
    if (scn->ban_threshold <= 0 || !count_for_ban || ce->banned)
        return SIM_OK;
    if (ce->outcome_count == scn->ban_window)
        ce->outcome_successes -= ce->outcomes[ce->outcome_pos];
    else
        ce->outcome_count++;
    ce->outcomes[ce->outcome_pos] = (unsigned char)success;
    ce->outcome_successes += success;
    ce->outcome_pos = (ce->outcome_pos + 1) % scn->ban_window;
    if (ce->outcome_count == scn->ban_window &&
        (double)ce->outcome_successes < scn->ban_threshold * (double)scn->ban_window &&
        ce->enabled) {
        pilotdb_ce_change upd = {PILOTDB_SET_ENABLED, 0, 0, 0};
        pilotdb_rc rc = pilotdb_ce_update(eng->db, ce->name, &upd);
        if (rc != PILOTDB_OK)
            return db_fail(eng, rc, "banning a CE");
        ce->enabled = 0;
        ce->banned = 1;
        ce->bans++;
        ce->outcome_count = ce->outcome_successes = ce->outcome_pos = 0;
        return schedule(eng, eng->now + scn->ban_duration, EV_UNBAN,
                        (uint32_t)(ce - eng->ces), 0);
    }
    return SIM_OK;
}

/* Submit one pilot; see engine.h. */
sim_rc sim_engine_submit(struct sim_engine *eng, struct sim_ce *ce,
                         enum sim_submit_outcome *outcome)
{
    const struct sim_scenario *scn = eng->scn;
    struct sim_pilot *p;
    int64_t pilot_id, queue_ms;
    uint32_t slot = 0;
    pilotdb_rc rc;
    sim_rc src;

    *outcome = SIM_SUBMIT_WRITTEN;
    if (scn->failure->submission_fails(eng, ce)) {
        ce->submission_failures++;
        *outcome = SIM_SUBMIT_FAILED;
        return SIM_OK;
    }
    rc = pilotdb_pilot_submit(eng->db, ce->name, &pilot_id);
    if (rc == PILOTDB_EFULL || rc == PILOTDB_EDISABLED || rc == PILOTDB_ENOTFOUND) {
        ce->refused++;
        *outcome = SIM_SUBMIT_REFUSED;
        return SIM_OK;
    }
    if (rc != PILOTDB_OK)
        return db_fail(eng, rc, "submitting a pilot");
    src = slot_alloc(eng, &slot);
    if (src != SIM_OK)
        return src;
    p = &eng->pilots[slot];
    p->db_id = pilot_id;
    p->submitted_at = eng->now;
    p->ce = (uint32_t)(ce - eng->ces);
    p->state = SLOT_QUEUED;
    queue_ms = sim_dist_sample(&ce->spec->queue_time, &ce->rng);
    p->run_ms = sim_dist_sample(&ce->spec->run_time, &ce->rng);
    p->fate = (unsigned char)scn->failure->fate(eng, ce, &p->fail_point);

    ce_touch(eng, ce);
    ce->waiting++;
    ce->submitted++;
    active_changed(eng, ce, +1);
    return schedule(eng, eng->now + queue_ms, EV_QUEUE_END, slot, p->gen);
}

static sim_rc set_status(struct sim_engine *eng, const struct sim_pilot *p,
                         pilot_status status)
{
    pilot_status from = p->state == SLOT_RUNNING ? PILOT_RUNNING : PILOT_SUBMITTED;
    pilotdb_rc rc = pilotdb_pilot_move(eng->db, p->db_id, eng->ces[p->ce].db_id,
                                       from, status);

    return rc == PILOTDB_OK ? SIM_OK : db_fail(eng, rc, "changing a pilot's status");
}

/* End the pilot in slot (queued or running) DONE or FAILED: write it, count
 * it, and free the slot.  count_for_ban: whether the director's ban window
 * sees the outcome (not for pilots a timeline event fails). */
static sim_rc end_pilot(struct sim_engine *eng, uint32_t slot, pilot_status status,
                        int count_for_ban)
{
    struct sim_pilot *p = &eng->pilots[slot];
    struct sim_ce *ce = &eng->ces[p->ce];
    int success = status == PILOT_DONE;
    sim_rc rc = set_status(eng, p, status);

    if (rc != SIM_OK)
        return rc;
    ce_touch(eng, ce);
    if (p->state == SLOT_QUEUED) {
        ce->waiting--;
        ce->failed_queued++;
    } else {
        ce->running--;
        if (success)
            ce->done++;
        else
            ce->failed_running++;
    }
    active_changed(eng, ce, -1);
    rc = pilot_ended(eng, ce, p, success, count_for_ban);
    slot_free(eng, slot);
    return rc;
}

/* The queue wait is over: the pilot starts, or fails before starting. */
static sim_rc on_queue_end(struct sim_engine *eng, const struct sim_event *ev)
{
    struct sim_pilot *p = &eng->pilots[ev->idx];
    struct sim_ce *ce;
    int64_t run_ms;
    sim_rc rc;

    if (p->gen != ev->gen || p->state != SLOT_QUEUED)
        return SIM_OK;
    ce = &eng->ces[p->ce];
    if (p->fate == SIM_FATE_FAIL_QUEUED)
        return end_pilot(eng, ev->idx, PILOT_FAILED, 1);
    rc = set_status(eng, p, PILOT_RUNNING);
    if (rc != SIM_OK)
        return rc;
    ce->waiting--;
    ce->running++;
    ce->started++;
    p->state = SLOT_RUNNING;
    run_ms = p->run_ms;
    if (p->fate == SIM_FATE_FAIL_RUNNING)
        run_ms = (int64_t)((double)run_ms * p->fail_point + 0.5);
    return schedule(eng, eng->now + run_ms, EV_RUN_END, ev->idx, p->gen);
}

static sim_rc on_run_end(struct sim_engine *eng, const struct sim_event *ev)
{
    const struct sim_pilot *p = &eng->pilots[ev->idx];

    if (p->gen != ev->gen || p->state != SLOT_RUNNING)
        return SIM_OK;
    return end_pilot(eng, ev->idx,
                     p->fate == SIM_FATE_DONE ? PILOT_DONE : PILOT_FAILED, 1);
}

/* A timeline event: change the CE in the database (where the director reads
 * it at its next cycle) and, with running = fail, end its active pilots. */
static sim_rc on_timeline(struct sim_engine *eng, const struct sim_event *ev)
{
    const struct sim_event_spec *spec = &eng->scn->events[ev->idx];
    struct sim_ce *ce = &eng->ces[eng->spec_to_ce[spec->ce_index]];
    uint32_t ce_index = (uint32_t)(ce - eng->ces);
    size_t slot;
    sim_rc rc;

    if (spec->set) {
        pilotdb_ce_change upd;
        pilotdb_rc drc;
        upd.set = spec->set;
        upd.capacity = spec->capacity;
        upd.success_rate = spec->success_rate;
        upd.enabled = spec->enabled;
        drc = pilotdb_ce_update(eng->db, ce->name, &upd);
        if (drc != PILOTDB_OK)
            return db_fail(eng, drc, "applying a timeline event");
        ce_touch(eng, ce);
        if (spec->set & PILOTDB_SET_CAPACITY)
            ce->capacity = spec->capacity;
        if (spec->set & PILOTDB_SET_SUCCESS_RATE)
            ce->success_rate = spec->success_rate;
        if (spec->set & PILOTDB_SET_ENABLED) {
            ce->enabled = spec->enabled;
            ce->banned = 0; /* the timeline overrides a ban */
        }
    }
    if (!spec->fail_active)
        return SIM_OK;
    for (slot = 0; slot < eng->npilots; slot++) {
        struct sim_pilot *p = &eng->pilots[slot];
        if (p->state == SLOT_FREE || p->ce != ce_index)
            continue;
        rc = end_pilot(eng, (uint32_t)slot, PILOT_FAILED, 0);
        if (rc != SIM_OK)
            return rc;
    }
    return SIM_OK;
}

static sim_rc on_unban(struct sim_engine *eng, const struct sim_event *ev)
{
    struct sim_ce *ce = &eng->ces[ev->idx];
    pilotdb_ce_change upd = {PILOTDB_SET_ENABLED, 0, 0, 1};
    pilotdb_rc rc;

    if (!ce->banned)
        return SIM_OK;
    rc = pilotdb_ce_update(eng->db, ce->name, &upd);
    if (rc != PILOTDB_OK)
        return db_fail(eng, rc, "re-enabling a banned CE");
    ce->banned = 0;
    ce->enabled = 1;
    return SIM_OK;
}

static sim_rc on_sample(struct sim_engine *eng)
{
    size_t i;

    if (eng->scn->sample_interval > 0 &&
        eng->now + eng->scn->sample_interval <= eng->scn->duration) {
        sim_rc rc = schedule(eng, eng->now + eng->scn->sample_interval, EV_SAMPLE, 0, 0);
        if (rc != SIM_OK)
            return rc;
    }
    if (!eng->csv)
        return SIM_OK;
    for (i = 0; i < eng->nces; i++) {
        const struct sim_ce *ce = &eng->ces[i];
        fprintf(eng->csv, "%lld,%s,%lld,%d,%lld,%lld,%lld,%lld,%lld,%lld\n",
                (long long)eng->now, ce->name, (long long)ce->capacity, ce->enabled,
                (long long)ce->waiting, (long long)ce->running,
                (long long)ce->done,
                (long long)(ce->failed_queued + ce->failed_running),
                (long long)ce->submission_failures, (long long)ce->refused);
    }
    if (ferror(eng->csv)) {
        snprintf(eng->err, sizeof eng->err, "writing the CSV time series failed");
        if (eng->in_txn)
            (void)pilotdb_rollback(eng->db);
        eng->in_txn = 0;
        eng->failed = 1;
        return SIM_EIO;
    }
    return SIM_OK;
}

static sim_rc commit_batch(struct sim_engine *eng)
{
    pilotdb_rc rc;

    if (!eng->in_txn)
        return SIM_OK;
    rc = pilotdb_commit(eng->db);
    eng->in_txn = 0;
    eng->batch_events = 0;
    if (rc != PILOTDB_OK)
        return db_fail(eng, rc, "committing a batch");
    if (eng->progress)
        eng->progress(eng->progress_arg, eng->now, eng->scn->duration);
    return SIM_OK;
}

static sim_rc begin_batch(struct sim_engine *eng)
{
    pilotdb_rc rc;

    if (eng->in_txn)
        return SIM_OK;
    rc = pilotdb_begin(eng->db);
    if (rc != PILOTDB_OK)
        return db_fail(eng, rc, "beginning a batch");
    eng->in_txn = 1;
    return SIM_OK;
}

/* A director cycle starts a fresh transaction, reads the CEs, lets the
 * policy submit and schedules the next cycle. */
static sim_rc on_cycle(struct sim_engine *eng)
{
    const struct sim_scenario *scn = eng->scn;
    sim_rc rc;

    if (eng->batch_events > 0) {
        rc = commit_batch(eng);
        if (rc != SIM_OK)
            return rc;
    }
    rc = begin_batch(eng);
    if (rc == SIM_OK)
        rc = refresh_ces(eng);
    if (rc == SIM_OK)
        rc = scn->policy->cycle(eng, eng->cycle_no);
    eng->cycle_no++;
    if (rc == SIM_OK && eng->now + scn->cycle <= scn->duration)
        rc = schedule(eng, eng->now + scn->cycle, EV_CYCLE, 0, 0);
    return rc;
}

static sim_rc dispatch(struct sim_engine *eng, const struct sim_event *ev)
{
    switch (ev->kind) {
    case EV_TIMELINE:
        return on_timeline(eng, ev);
    case EV_CYCLE:
        return on_cycle(eng);
    case EV_SAMPLE:
        return on_sample(eng);
    case EV_QUEUE_END:
        return on_queue_end(eng, ev);
    case EV_RUN_END:
        return on_run_end(eng, ev);
    case EV_ARRIVAL:
        return eng->scn->policy->arrival(eng, ev->idx);
    case EV_UNBAN:
        return on_unban(eng, ev);
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

/* Set up CEs (sorted by name, each with its own streams), add them to the
 * database in one transaction, and queue the first events. */
sim_rc sim_engine_new(const sim_scenario *scn, pilotdb *db, uint64_t seed,
                      sim_engine **out, char *errbuf, size_t errbuf_size)
{
    struct sim_engine *eng = NULL;
    struct name_index *order = NULL;
    char key[PILOTDB_NAME_MAX + 16];
    sim_rc rc = SIM_ENOMEM;
    pilotdb_rc drc;
    size_t i;

    *out = NULL;
    if (errbuf_size)
        errbuf[0] = '\0';
    if (!scn || !db || seed > (uint64_t)SIM_SEED_MAX) {
        snprintf(errbuf, errbuf_size, "seed must be 0 to %lld", (long long)SIM_SEED_MAX);
        return SIM_EINVAL;
    }
    eng = calloc(1, sizeof *eng);
    if (!eng)
        goto nomem;
    eng->scn = scn;
    eng->db = db;
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

    pilotdb_set_clock(db, virtual_clock, eng);
    drc = pilotdb_begin(db);
    for (i = 0; drc == PILOTDB_OK && i < eng->nces; i++) {
        struct sim_ce *ce = &eng->ces[i];
        drc = pilotdb_ce_add(db, ce->name, ce->capacity, ce->success_rate,
                             ce->enabled, &ce->db_id);
        if (drc == PILOTDB_EEXISTS) {
            snprintf(errbuf, errbuf_size, "CE '%s' exists already in the database; "
                     "simulate into a fresh database", ce->name);
            (void)pilotdb_rollback(db);
            rc = SIM_EDB;
            goto fail;
        }
    }
    if (drc == PILOTDB_OK)
        drc = pilotdb_commit(db);
    if (drc != PILOTDB_OK) {
        snprintf(errbuf, errbuf_size, "adding the scenario's CEs: %s",
                 pilotdb_errmsg(db)[0] ? pilotdb_errmsg(db) : pilotdb_rc_str(drc));
        if (pilotdb_in_transaction(db))
            (void)pilotdb_rollback(db);
        rc = SIM_EDB;
        goto fail;
    }

    for (i = 0; i < scn->nevents; i++)
        if (schedule(eng, scn->events[i].at, EV_TIMELINE, (uint32_t)i, 0) != SIM_OK)
            goto nomem;
    if (schedule(eng, 0, EV_CYCLE, 0, 0) != SIM_OK ||
        schedule(eng, 0, EV_SAMPLE, 0, 0) != SIM_OK)
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
            fprintf(eng->csv, "t_ms,ce,capacity,enabled,waiting,running,done,"
                    "failed,submission_failures,refused\n");
        }
    }
    while (eng->nheap > 0 && eng->heap[0].at <= t_ms) {
        struct sim_event ev = pop_event(eng);
        eng->now = ev.at;
        rc = begin_batch(eng);
        if (rc == SIM_OK)
            rc = dispatch(eng, &ev);
        if (rc != SIM_OK)
            return rc;
        if (++eng->batch_events >= BATCH_EVENTS) {
            rc = commit_batch(eng);
            if (rc != SIM_OK)
                return rc;
        }
    }
    eng->now = t_ms;
    rc = commit_batch(eng);
    if (rc == SIM_OK && eng->csv && fflush(eng->csv) != 0) {
        snprintf(eng->err, sizeof eng->err, "writing the CSV time series failed");
        eng->failed = 1;
        rc = SIM_EIO;
    }
    return rc;
}

sim_rc sim_engine_run(sim_engine *eng)
{
    return sim_engine_run_until(eng, eng->scn->duration);
}

/* Roll back what a failure left open and give the database its wall clock
 * back; the scenario and database stay with the caller. */
void sim_engine_free(sim_engine *eng)
{
    size_t i;

    if (!eng)
        return;
    if (eng->in_txn)
        (void)pilotdb_rollback(eng->db);
    if (eng->db)
        pilotdb_set_clock(eng->db, NULL, NULL);
    if (eng->ces)
        for (i = 0; i < eng->nces; i++)
            free(eng->ces[i].outcomes);
    free(eng->ces);
    free(eng->spec_to_ce);
    free(eng->heap);
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
    return schedule(eng, at, EV_ARRIVAL, ce, 0);
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
