/*
 * engine.h - the engine as the policies, failure models and reports see it
 * (private to libpilotsim): the CEs with their statistics, submission and
 * arrivals.  The engine's own parts share engine_internal.h.
 */
#ifndef PILOTSIM_ENGINE_H
#define PILOTSIM_ENGINE_H

#include <stdint.h>
#include <stdio.h>

#include "pcg32.h"
#include "scenario.h"

/* One CE as the engine sees it. */
struct sim_ce {
    const struct sim_ce_spec *spec;
    const char *name;
    pcg32_random_t rng;          /* this CE's pilots: queue, run, fate */
    pcg32_random_t arrival_rng;  /* this CE's own arrivals */

    /* read from the database at every cycle, before the director uses them */
    int present;                 /* the CE still exists in the database */
    int64_t db_id;               /* its id there */
    int64_t capacity;
    double success_rate;
    int enabled;
    int64_t db_waiting;          /* SUBMITTED, all writers */
    int64_t db_available;

    /* this engine's pilots */
    int64_t waiting, running;

    /* counts since the start */
    int64_t submitted, started, done, failed_queued, failed_running;
    int64_t submission_failures, refused, bans, peak_active;

    /* time averages over [warmup, now] */
    int64_t last_change;         /* when active or capacity last changed */
    double area_active;          /* sum of active * ms */
    double area_capacity;        /* sum of capacity * ms */
    int64_t ended_in_window;
    double time_in_system_ms;    /* summed over pilots ended in the window */

    /* director back-off and banning */
    int64_t backoff_until;       /* first cycle number allowed to submit */
    int banned;
    unsigned char *outcomes;     /* ring of the last ban_window endings */
    int64_t outcome_pos, outcome_count, outcome_successes;
};

/* The peak of the sum of all CEs' active pilots. */
int64_t sim_engine_total_peak(const struct sim_engine *eng);

/* What became of one submission. */
enum sim_submit_outcome {
    SIM_SUBMIT_WRITTEN,   /* written to the database, its next step scheduled */
    SIM_SUBMIT_FAILED,    /* the failure model failed it; nothing written */
    SIM_SUBMIT_REFUSED    /* refused by the database: full, disabled or gone */
};

/*
 * Submit one pilot to ce at the current time: ask the failure model whether
 * the submission fails, write it, draw its queue and run times and fate and
 * schedule its next step.  *outcome says which happened.
 * Returns SIM_OK or an error that stops the engine.
 */
sim_rc sim_engine_submit(struct sim_engine *eng, struct sim_ce *ce,
                         enum sim_submit_outcome *outcome);

/* Schedule an arrival event (policy.c) for CE index ce or UINT32_MAX. */
sim_rc sim_engine_schedule_arrival(struct sim_engine *eng, int64_t at, uint32_t ce);

/* Accessors for the policies and failure models. */
const struct sim_scenario *sim_engine_scenario(const struct sim_engine *eng);
struct sim_ce *sim_engine_ces(struct sim_engine *eng, size_t *n);
pcg32_random_t *sim_engine_global_rng(struct sim_engine *eng);

#endif
