/*
 * policy.c - submission policies: what the engine does at each director
 * cycle and at each arrival.
 *
 *  director  Like DIRAC's SiteDirector: every cycle, each enabled CE not in
 *            back-off gets min(free slots, max_waiting - waiting,
 *            max_per_cycle) submission attempts.  A failed submission puts
 *            the CE in back-off for backoff_cycles cycles (if set).
 *  arrivals  A loss system: pilots arrive as a Poisson process, either one
 *            global process routed to CEs (by capacity or uniformly) or one
 *            process per CE; an arrival at a full or disabled CE is refused.
 */
#include <stdint.h>
#include <string.h>

#include "engine.h"

static sim_rc director_start(struct sim_engine *eng)
{
    (void)eng;
    return SIM_OK;
}

/* Free slots and waiting room come from the database (read at the start of
 * this cycle, inside this cycle's transaction), so pilots of other writers
 * and capacity changes made by others count. */
static sim_rc director_cycle(struct sim_engine *eng, int64_t cycle_no)
{
    const struct sim_scenario *scn = sim_engine_scenario(eng);
    size_t i, nces;
    struct sim_ce *ces = sim_engine_ces(eng, &nces);

    for (i = 0; i < nces; i++) {
        struct sim_ce *ce = &ces[i];
        int64_t attempts, k;

        if (!ce->present || !ce->enabled || cycle_no < ce->backoff_until)
            continue;
        attempts = ce->db_available;
        if (ce->spec->max_waiting >= 0) {
            int64_t room = ce->spec->max_waiting - ce->db_waiting;
            if (room < attempts)
                attempts = room;
        }
        if (scn->max_per_cycle < attempts)
            attempts = scn->max_per_cycle;
        for (k = 0; k < attempts; k++) {
            enum sim_submit_outcome outcome;
            sim_rc rc = sim_engine_submit(eng, ce, &outcome);
            if (rc != SIM_OK)
                return rc;
            if (outcome == SIM_SUBMIT_REFUSED)
                break;
            if (outcome == SIM_SUBMIT_FAILED && scn->backoff_cycles > 0) {
                ce->backoff_until = cycle_no + 1 + scn->backoff_cycles;
                break;
            }
        }
    }
    return SIM_OK;
}

static sim_rc director_arrival(struct sim_engine *eng, uint32_t ce)
{
    (void)eng;
    (void)ce;
    return SIM_OK;
}

/* Exponential inter-arrival time in ms for rate per hour, at least 1 ms so
 * that time always moves on. */
static int64_t next_gap(pcg32_random_t *rng, double rate_per_hour)
{
    double gap = sim_exp_draw(rng, 3600000.0 / rate_per_hour);

    return gap < 1 ? 1 : (int64_t)(gap + 0.5);
}

static sim_rc arrivals_start(struct sim_engine *eng)
{
    const struct sim_scenario *scn = sim_engine_scenario(eng);
    size_t i, nces;
    struct sim_ce *ces = sim_engine_ces(eng, &nces);
    sim_rc rc;

    if (scn->arrival_rate > 0)
        return sim_engine_schedule_arrival(eng, next_gap(sim_engine_global_rng(eng),
                                                         scn->arrival_rate),
                                           UINT32_MAX);
    for (i = 0; i < nces; i++) {
        if (ces[i].spec->arrival_rate <= 0)
            continue;
        rc = sim_engine_schedule_arrival(eng, next_gap(&ces[i].arrival_rng,
                                                       ces[i].spec->arrival_rate),
                                         (uint32_t)i);
        if (rc != SIM_OK)
            return rc;
    }
    return SIM_OK;
}

static sim_rc arrivals_cycle(struct sim_engine *eng, int64_t cycle_no)
{
    (void)eng;
    (void)cycle_no;
    return SIM_OK;
}

/* Pick the CE of a global arrival: by configured capacity (as last read from
 * the database), or uniformly.  Always one draw from the global stream. */
static struct sim_ce *route(struct sim_engine *eng)
{
    const struct sim_scenario *scn = sim_engine_scenario(eng);
    size_t i, nces;
    struct sim_ce *ces = sim_engine_ces(eng, &nces);
    pcg32_random_t *rng = sim_engine_global_rng(eng);
    uint64_t total = 0;
    double u = pcg32_double(rng);

    if (scn->routing == SIM_ROUTE_CAPACITY) {
        for (i = 0; i < nces; i++)
            total += (uint64_t)ces[i].capacity;
        if (total > 0) {
            uint64_t pick = (uint64_t)(u * (double)total), sum = 0;
            for (i = 0; i < nces; i++) {
                sum += (uint64_t)ces[i].capacity;
                if (pick < sum)
                    return &ces[i];
            }
            return &ces[nces - 1];
        }
    }
    i = (size_t)(u * (double)nces);
    return &ces[i < nces ? i : nces - 1];
}

static sim_rc arrivals_arrival(struct sim_engine *eng, uint32_t index)
{
    const struct sim_scenario *scn = sim_engine_scenario(eng);
    size_t nces;
    struct sim_ce *ces = sim_engine_ces(eng, &nces);
    struct sim_ce *ce;
    pcg32_random_t *rng;
    double rate;
    enum sim_submit_outcome outcome;
    sim_rc rc;

    if (index == UINT32_MAX) {
        rng = sim_engine_global_rng(eng);
        rate = scn->arrival_rate;
        ce = route(eng);
    } else {
        ce = &ces[index];
        rng = &ce->arrival_rng;
        rate = ce->spec->arrival_rate;
    }
    rc = sim_engine_schedule_arrival(eng, sim_engine_now(eng) + next_gap(rng, rate),
                                     index);
    if (rc != SIM_OK)
        return rc;
    return sim_engine_submit(eng, ce, &outcome);
}

static const struct sim_policy_class policies[] = {
    {"director", director_start, director_cycle, director_arrival},
    {"arrivals", arrivals_start, arrivals_cycle, arrivals_arrival},
};

/* The policy called name, or NULL. */
const struct sim_policy_class *sim_policy_find(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof policies / sizeof policies[0]; i++)
        if (strcmp(policies[i].name, name) == 0)
            return &policies[i];
    return NULL;
}
