/*
 * engine_internal.h - what the parts of the engine share (private to
 * engine.c, director.c, pilot.c and timeline.c).
 *
 * engine.c owns the state below and runs the loop; each other file handles
 * its own kinds of event through the functions declared here.  A function
 * that returns anything but SIM_OK has stopped the engine: the open batch
 * is rolled back and sim_engine_errmsg() says why.
 */
#ifndef PILOTSIM_ENGINE_INTERNAL_H
#define PILOTSIM_ENGINE_INTERNAL_H

#include "engine.h"
#include "event_queue.h"
#include "store.h"

enum sim_event_kind {
    SIM_EV_TIMELINE,   /* idx: scenario event index */
    SIM_EV_CYCLE,
    SIM_EV_SAMPLE,
    SIM_EV_QUEUE_END,  /* idx: pilot slot */
    SIM_EV_RUN_END,    /* idx: pilot slot */
    SIM_EV_ARRIVAL,    /* idx: CE index or UINT32_MAX */
    SIM_EV_UNBAN       /* idx: CE index */
};

enum sim_slot_state { SIM_SLOT_FREE, SIM_SLOT_QUEUED, SIM_SLOT_RUNNING };

/* A pilot in flight, in a slot of the engine's pool. */
struct sim_pilot {
    int64_t db_id;
    int64_t submitted_at;
    int64_t run_ms;
    double fail_point;
    uint32_t ce;          /* index into the engine's ces */
    uint32_t gen;         /* bumped when the slot is freed */
    unsigned char fate;   /* an enum sim_fate */
    unsigned char state;  /* an enum sim_slot_state */
};

struct sim_engine {
    const struct sim_scenario *scn;
    struct sim_store *store;   /* owned by the engine */
    uint64_t seed;
    int64_t now;
    int started;
    int failed;
    char err[512];

    struct sim_ce *ces;        /* in name order */
    size_t nces;
    uint32_t *spec_to_ce;      /* scenario CE index -> ces index */
    pcg32_random_t global_rng;

    struct sim_event_queue events;

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

/* engine.c: stopping on a failure, the queue and the batch of writes. */
sim_rc sim__engine_fail_db(struct sim_engine *eng, pilotdb_rc rc, const char *what);
sim_rc sim__engine_nomem(struct sim_engine *eng);
sim_rc sim__engine_schedule(struct sim_engine *eng, int64_t at, enum sim_event_kind kind,
                            uint32_t idx, uint32_t gen);
sim_rc sim__engine_begin_batch(struct sim_engine *eng);
sim_rc sim__engine_commit_batch(struct sim_engine *eng);

/* director.c: a director cycle (SIM_EV_CYCLE) reads the CEs and lets the
 * policy submit; a pilot's end counts in its CE's ban window (when banning
 * is on and the CE is not banned), and SIM_EV_UNBAN lifts a ban. */
sim_rc sim__director_cycle(struct sim_engine *eng);
sim_rc sim__director_pilot_ended(struct sim_engine *eng, struct sim_ce *ce, int success);
sim_rc sim__director_unban(struct sim_engine *eng, const struct sim_event *ev);

/* pilot.c: a pilot's life after sim_engine_submit().  sim__pilot_end() ends
 * the pilot in slot (queued or running) DONE or FAILED; count_for_ban says
 * whether the ban window sees it. */
sim_rc sim__pilot_queue_end(struct sim_engine *eng, const struct sim_event *ev);
sim_rc sim__pilot_run_end(struct sim_engine *eng, const struct sim_event *ev);
sim_rc sim__pilot_end(struct sim_engine *eng, uint32_t slot, pilot_status status,
                      int count_for_ban);
/* Write a pilot that was waiting (or running) for age ms when the run
 * starts, at time 0, and schedule the rest of its life, drawn from rng. */
sim_rc sim__pilot_carry(struct sim_engine *eng, struct sim_ce *ce, int running, int64_t age,
                        pcg32_random_t *rng);

/* timeline.c: queue the scenario's [event]s, and apply one (SIM_EV_TIMELINE). */
sim_rc sim__timeline_start(struct sim_engine *eng);
sim_rc sim__timeline_apply(struct sim_engine *eng, const struct sim_event *ev);

/* Add the time since the CE's last change to its integrals (clipped to the
 * warm-up); call before its active count or capacity changes. */
static inline void sim_ce_touch(struct sim_engine *eng, struct sim_ce *ce)
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

#endif
