/*
 * timeline.c - the scenario's [event]s: at its time, an event changes a CE
 * in the database (capacity, success rate, enabled), where the director
 * reads it at its next cycle, and with running = fail ends the CE's active
 * pilots at once.
 */
#include "engine_internal.h"

/* Queue every scenario event; they come before the engine's own events of
 * the same time, as they are queued first. */
sim_rc sim__timeline_start(struct sim_engine *eng)
{
    sim_rc rc = SIM_OK;

    for (size_t i = 0; rc == SIM_OK && i < eng->scn->nevents; i++)
        rc = sim__engine_schedule(eng, eng->scn->events[i].at, SIM_EV_TIMELINE,
                                  (uint32_t)i, 0);
    return rc;
}

sim_rc sim__timeline_apply(struct sim_engine *eng, const struct sim_event *ev)
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
        drc = eng->store->ops->ce_update(eng->store, ce->db_id, ce->name, &upd);
        if (drc != PILOTDB_OK)
            return sim__engine_fail_db(eng, drc, "applying a timeline event");
        sim_ce_touch(eng, ce);
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
        if (p->state == SIM_SLOT_FREE || p->ce != ce_index)
            continue;
        rc = sim__pilot_end(eng, (uint32_t)slot, PILOT_FAILED, 0);
        if (rc != SIM_OK)
            return rc;
    }
    return SIM_OK;
}
