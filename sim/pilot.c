/*
 * pilot.c - a pilot's life in the engine: submitted, queued, started,
 * ended DONE or FAILED, each step written to the database at the engine's
 * virtual time.
 *
 * A pilot in flight lives in a slot of a pool; its pending event carries the
 * slot's generation, so an event for a pilot that was ended early (a CE
 * outage with running = fail) is recognized as stale and skipped.
 */
#include <stdlib.h>

#include "engine_internal.h"

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
            return sim__engine_nomem(eng);
        eng->pilots = bigger;
        free_bigger = realloc(eng->free_slots, cap * sizeof *free_bigger);
        if (!free_bigger)
            return sim__engine_nomem(eng);
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
    eng->pilots[slot].state = SIM_SLOT_FREE;
    eng->pilots[slot].gen++;
    eng->free_slots[eng->nfree++] = slot;
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
    return sim__director_pilot_ended(eng, ce, success);
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
    rc = eng->store->ops->submit(eng->store, ce->db_id, ce->name, &pilot_id);
    if (rc == PILOTDB_EFULL || rc == PILOTDB_EDISABLED || rc == PILOTDB_ENOTFOUND) {
        ce->refused++;
        *outcome = SIM_SUBMIT_REFUSED;
        return SIM_OK;
    }
    if (rc != PILOTDB_OK)
        return sim__engine_fail_db(eng, rc, "submitting a pilot");
    src = slot_alloc(eng, &slot);
    if (src != SIM_OK)
        return src;
    p = &eng->pilots[slot];
    p->db_id = pilot_id;
    p->submitted_at = eng->now;
    p->ce = (uint32_t)(ce - eng->ces);
    p->state = SIM_SLOT_QUEUED;
    queue_ms = sim_dist_sample(&ce->spec->queue_time, &ce->rng);
    p->run_ms = sim_dist_sample(&ce->spec->run_time, &ce->rng);
    p->fate = (unsigned char)scn->failure->fate(eng, ce, &p->fail_point);

    sim_ce_touch(eng, ce);
    ce->waiting++;
    ce->submitted++;
    active_changed(eng, ce, +1);
    return sim__engine_schedule(eng, eng->now + queue_ms, SIM_EV_QUEUE_END, slot, p->gen);
}

/* Carried pilots: rejection sampling gives up after this many lives. */
#define CARRY_TRIES 10000

/* Carry a pilot over from a database's state; see engine_internal.h.  Its
 * fate, queue and run times and fail point are drawn as a submission's are,
 * again until the life drawn is one that is still waiting (or running)
 * after age ms: the model's law of the rest of its life given what is
 * known.  The draws come from rng, not the CE's stream, so that the CE's
 * own pilots draw the same whatever is carried. */
sim_rc sim__pilot_carry(struct sim_engine *eng, struct sim_ce *ce, int running, int64_t age,
                        pcg32_random_t *rng)
{
    const struct sim_scenario *scn = eng->scn;
    pcg32_random_t own = ce->rng;
    struct sim_pilot *p;
    int64_t pilot_id, queue_ms = 0, run_ms = 0, next = 1, end;
    double fail_point = 1;
    enum sim_fate fate = SIM_FATE_DONE;
    uint32_t slot;
    pilotdb_rc rc;
    sim_rc src;

    for (int tries = 0; tries < CARRY_TRIES; tries++) {
        ce->rng = *rng; /* the failure model draws from the CE's stream */
        fate = scn->failure->fate(eng, ce, &fail_point);
        *rng = ce->rng;
        queue_ms = sim_dist_sample(&ce->spec->queue_time, rng);
        run_ms = sim_dist_sample(&ce->spec->run_time, rng);
        if (!running && queue_ms > age) {
            next = queue_ms - age;
            break;
        }
        end = fate == SIM_FATE_FAIL_RUNNING ? (int64_t)((double)run_ms * fail_point + 0.5)
                                            : run_ms;
        if (running && fate != SIM_FATE_FAIL_QUEUED && end > age) {
            next = end - age;
            break;
        }
    }
    ce->rng = own;
    if (running && fate == SIM_FATE_FAIL_QUEUED)
        fate = SIM_FATE_FAIL_RUNNING; /* no life drawn fits: it ends at once */
    rc = eng->store->ops->submit(eng->store, ce->db_id, ce->name, &pilot_id);
    if (rc == PILOTDB_OK && running)
        rc = eng->store->ops->move(eng->store, pilot_id, ce->db_id, PILOT_SUBMITTED,
                                    PILOT_RUNNING);
    if (rc != PILOTDB_OK)
        return sim__engine_fail_db(eng, rc, "carrying a pilot over");
    if ((src = slot_alloc(eng, &slot)) != SIM_OK)
        return src;
    p = &eng->pilots[slot];
    p->db_id = pilot_id;
    p->submitted_at = -age;
    p->ce = (uint32_t)(ce - eng->ces);
    p->state = running ? SIM_SLOT_RUNNING : SIM_SLOT_QUEUED;
    p->run_ms = run_ms;
    p->fate = (unsigned char)fate;
    /* once started, a carried pilot that was waiting runs its whole run */
    p->fail_point = fail_point;
    /* written at time 0, it counts as submitted (and started) then */
    sim_ce_touch(eng, ce);
    ce->submitted++;
    if (running) {
        ce->running++;
        ce->started++;
    } else {
        ce->waiting++;
    }
    active_changed(eng, ce, +1);
    return sim__engine_schedule(eng, next, running ? SIM_EV_RUN_END : SIM_EV_QUEUE_END, slot,
                                p->gen);
}

static sim_rc set_status(struct sim_engine *eng, const struct sim_pilot *p,
                         pilot_status status)
{
    pilot_status from = p->state == SIM_SLOT_RUNNING ? PILOT_RUNNING : PILOT_SUBMITTED;
    pilotdb_rc rc = eng->store->ops->move(eng->store, p->db_id, eng->ces[p->ce].db_id,
                                          from, status);

    return rc == PILOTDB_OK ? SIM_OK
                            : sim__engine_fail_db(eng, rc, "changing a pilot's status");
}

/* End the pilot in slot: write it, count it, and free the slot; see
 * engine_internal.h.  Pilots a timeline event fails are not counted for
 * banning. */
sim_rc sim__pilot_end(struct sim_engine *eng, uint32_t slot, pilot_status status,
                      int count_for_ban)
{
    struct sim_pilot *p = &eng->pilots[slot];
    struct sim_ce *ce = &eng->ces[p->ce];
    int success = status == PILOT_DONE;
    sim_rc rc = set_status(eng, p, status);

    if (rc != SIM_OK)
        return rc;
    sim_ce_touch(eng, ce);
    if (p->state == SIM_SLOT_QUEUED) {
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
sim_rc sim__pilot_queue_end(struct sim_engine *eng, const struct sim_event *ev)
{
    struct sim_pilot *p = &eng->pilots[ev->idx];
    struct sim_ce *ce;
    int64_t run_ms;
    sim_rc rc;

    if (p->gen != ev->gen || p->state != SIM_SLOT_QUEUED)
        return SIM_OK;
    ce = &eng->ces[p->ce];
    if (p->fate == SIM_FATE_FAIL_QUEUED)
        return sim__pilot_end(eng, ev->idx, PILOT_FAILED, 1);
    rc = set_status(eng, p, PILOT_RUNNING);
    if (rc != SIM_OK)
        return rc;
    ce->waiting--;
    ce->running++;
    ce->started++;
    p->state = SIM_SLOT_RUNNING;
    run_ms = p->run_ms;
    if (p->fate == SIM_FATE_FAIL_RUNNING)
        run_ms = (int64_t)((double)run_ms * p->fail_point + 0.5);
    return sim__engine_schedule(eng, eng->now + run_ms, SIM_EV_RUN_END, ev->idx, p->gen);
}

/* The run is over: the pilot ends as its fate says. */
sim_rc sim__pilot_run_end(struct sim_engine *eng, const struct sim_event *ev)
{
    const struct sim_pilot *p = &eng->pilots[ev->idx];

    if (p->gen != ev->gen || p->state != SIM_SLOT_RUNNING)
        return SIM_OK;
    return sim__pilot_end(eng, ev->idx,
                          p->fate == SIM_FATE_DONE ? PILOT_DONE : PILOT_FAILED, 1);
}
