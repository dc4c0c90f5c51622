/*
 * director.c - the director's side of the engine: every cycle it starts a
 * fresh batch, reads the CEs from the database and lets the policy submit;
 * it bans a CE whose recent pilots failed too often and lifts the ban later.
 */
#include <string.h>

#include "engine_internal.h"

/* Read every CE's state from the database; CEs are merged by name, as both
 * lists are in the same (byte) order.  Others' CEs are skipped. */
static sim_rc refresh_ces(struct sim_engine *eng)
{
    const struct sim_store_ce *list = NULL;
    size_t n = 0, i, j = 0;
    pilotdb_rc rc = eng->store->ops->ce_list(eng->store, &list, &n);

    if (rc != PILOTDB_OK)
        return sim__engine_fail_db(eng, rc, "reading CEs");
    for (i = 0; i < eng->nces; i++) {
        struct sim_ce *ce = &eng->ces[i];
        int cmp = 1;
        while (j < n && (cmp = strcmp(list[j].name, ce->name)) < 0)
            j++;
        sim_ce_touch(eng, ce);
        if (j < n && cmp == 0) {
            ce->present = 1;
            ce->db_id = list[j].id;
            ce->capacity = list[j].capacity;
            ce->success_rate = list[j].success_rate;
            ce->enabled = list[j].enabled;
            ce->db_waiting = list[j].count[PILOT_SUBMITTED];
            ce->db_available = list[j].available;
            j++;
        } else {
            ce->present = 0;
            ce->enabled = 0;
            ce->db_available = 0;
        }
    }
    return SIM_OK;
}

/* A director cycle starts a fresh transaction, reads the CEs, lets the
 * policy submit and schedules the next cycle. */
sim_rc sim__director_cycle(struct sim_engine *eng)
{
    const struct sim_scenario *scn = eng->scn;
    sim_rc rc;

    if (eng->batch_events > 0) {
        rc = sim__engine_commit_batch(eng);
        if (rc != SIM_OK)
            return rc;
    }
    rc = sim__engine_begin_batch(eng);
    if (rc == SIM_OK)
        rc = refresh_ces(eng);
    if (rc == SIM_OK)
        rc = scn->policy->cycle(eng, eng->cycle_no);
    eng->cycle_no++;
    if (rc == SIM_OK && eng->now + scn->cycle <= scn->duration)
        rc = sim__engine_schedule(eng, eng->now + scn->cycle, SIM_EV_CYCLE, 0, 0);
    return rc;
}

/* Count a pilot's end in its CE's window of the last ban_window endings;
 * ban the CE (disable it in the database) when too few of them succeeded. */
sim_rc sim__director_pilot_ended(struct sim_engine *eng, struct sim_ce *ce, int success)
{
    const struct sim_scenario *scn = eng->scn;

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
        pilotdb_rc rc = eng->store->ops->ce_update(eng->store, ce->db_id, ce->name, &upd);
        if (rc != PILOTDB_OK)
            return sim__engine_fail_db(eng, rc, "banning a CE");
        ce->enabled = 0;
        ce->banned = 1;
        ce->bans++;
        ce->outcome_count = ce->outcome_successes = ce->outcome_pos = 0;
        return sim__engine_schedule(eng, eng->now + scn->ban_duration, SIM_EV_UNBAN,
                                    (uint32_t)(ce - eng->ces), 0);
    }
    return SIM_OK;
}

/* The ban is over: enable the CE again, unless the timeline has changed it
 * since. */
sim_rc sim__director_unban(struct sim_engine *eng, const struct sim_event *ev)
{
    struct sim_ce *ce = &eng->ces[ev->idx];
    pilotdb_ce_change upd = {PILOTDB_SET_ENABLED, 0, 0, 1};
    pilotdb_rc rc;

    if (!ce->banned)
        return SIM_OK;
    rc = eng->store->ops->ce_update(eng->store, ce->db_id, ce->name, &upd);
    if (rc != PILOTDB_OK)
        return sim__engine_fail_db(eng, rc, "re-enabling a banned CE");
    ce->banned = 0;
    ce->enabled = 1;
    return SIM_OK;
}
