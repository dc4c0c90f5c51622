/*
 * scenario.h - the parsed form of a scenario file (private to libpilotsim),
 * checked when parsed (scenario.c) or changed (override.c): the engine may
 * trust every value.
 */
#ifndef PILOTSIM_SCENARIO_H
#define PILOTSIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "dist.h"
#include "pilotsim.h"

struct sim_engine;
struct sim_ce;

/* A submission policy: what happens at a director cycle and at an arrival. */
struct sim_policy_class {
    const char *name;
    /* Schedule the policy's first events (arrivals); 0 or a sim_rc. */
    sim_rc (*start)(struct sim_engine *eng);
    /* A director cycle at the engine's current time; CE states are fresh. */
    sim_rc (*cycle)(struct sim_engine *eng, int64_t cycle_no);
    /* An arrival for CE index ce (or UINT32_MAX for the global process). */
    sim_rc (*arrival)(struct sim_engine *eng, uint32_t ce);
};

/* What becomes of a pilot written to the database. */
enum sim_fate { SIM_FATE_DONE, SIM_FATE_FAIL_QUEUED, SIM_FATE_FAIL_RUNNING };

/* A failure model: draws from the CE's own stream, a fixed number per call. */
struct sim_failure_class {
    const char *name;
    /* Non-zero if this submission fails and writes nothing. */
    int (*submission_fails)(struct sim_engine *eng, struct sim_ce *ce);
    /* The fate of a pilot just written, and for a failure while running the
     * fraction of its run time after which it fails (in [0, 1]). */
    enum sim_fate (*fate)(struct sim_engine *eng, struct sim_ce *ce,
                          double *fail_point);
};

const struct sim_policy_class *sim_policy_find(const char *name);
const struct sim_failure_class *sim_failure_find(const char *name);

enum sim_routing { SIM_ROUTE_CAPACITY, SIM_ROUTE_UNIFORM };

struct sim_ce_spec {
    char *name;
    int64_t capacity;
    double success_rate;
    int enabled;
    int64_t max_waiting;       /* -1: no limit */
    sim_dist queue_time;
    sim_dist run_time;
    double arrival_rate;       /* pilots per hour; 0: none of its own */
    int line;                  /* where its section starts, for messages */
};

struct sim_event_spec {
    char *name;
    int64_t at;
    char *ce;
    size_t ce_index;           /* resolved after parsing */
    unsigned set;              /* PILOTDB_SET_* bits */
    int64_t capacity;
    double success_rate;
    int enabled;
    int fail_active;           /* running = fail: active pilots fail at once */
    int line, at_line, ce_line;
};

/* A pilot a run starts with: waiting or running for age ms already. */
struct sim_start_pilot {
    size_t ce;                 /* index into the scenario's ces */
    int running;
    int64_t age;
};

struct sim_scenario {
    char *filename;
    char *name;
    uint64_t seed;
    int64_t duration;
    int64_t cycle;
    int64_t max_per_cycle;
    const struct sim_policy_class *policy;
    const struct sim_failure_class *failure;
    double fail_before_start;  /* share of failures that happen before start */
    int64_t sample_interval;
    int64_t warmup;
    int64_t backoff_cycles;    /* 0: no back-off */
    double ban_threshold;      /* 0: no banning */
    int64_t ban_window;
    int64_t ban_duration;
    double arrival_rate;       /* global arrivals per hour; 0: none */
    enum sim_routing routing;

    struct sim_ce_spec *ces;   /* in file order (groups expanded) */
    size_t nces;
    struct sim_event_spec *events; /* sorted by time, then file order */
    size_t nevents;
    /* Pilots active at the start (a forecast from a database's state; no
     * scenario file holds them): by CE index, in the order carried. */
    struct sim_start_pilot *start;
    size_t nstart;
};

#endif
