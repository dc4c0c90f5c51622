/*
 * fit.h - a scenario fitted to a database's history (libpilotsim): what
 * `pilotdeck fit` reports and writes, and what forecasts start from.
 *
 * From the pilots of a window [since, until) it estimates per CE the
 * success rate (with a Wilson 95 % interval), the queue and run time
 * distributions (sim/fitstat.h: censored maximum likelihood, AIC), the
 * share of failures that never started, and the submission process
 * (director bursts or Poisson arrivals, a visible max_waiting); capacity
 * and enabled come from the CE table (and, with events, the change log of
 * the window).  A CE with too few ended pilots takes the pooled estimate
 * of its site, or of all CEs.  The database is only read.
 */
#ifndef PILOTSIM_FIT_H
#define PILOTSIM_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "pilotsim.h"

struct json_t;

typedef struct sim_fit_options {
    int64_t since, until;        /* the window; INT64_MIN / INT64_MAX: from the
                                    first / to just after the last known time */
    const char *const *ces;      /* only these CEs (NULL: every CE) */
    size_t nces;
    int64_t min_pilots;          /* ended pilots a CE needs for estimates of
                                    its own (>= 1) */
    int events;                  /* capacity and enabled changes of the window
                                    as timeline events */
    const char *name;            /* the scenario's name (NULL: "fit") */
    int64_t window;              /* > 0 with since INT64_MIN: since = until - window */
    int at_now;                  /* until INT64_MAX on a wall-clock database ends the
                                    window now (a forecast from the grid's state);
                                    a simulation's still ends at its last change */
} sim_fit_options;

typedef struct sim_fit sim_fit;

/*
 * Fit a scenario to db's history.  Refusals (SIM_EINVAL, with the reason in
 * errbuf): an unknown CE, min_pilots < 1, a window that is empty, shorter
 * than a second, or holds no ended pilot.  SIM_EDB when the database fails,
 * SIM_ENOMEM.  On success *out is to free with sim_fit_free().
 */
sim_rc sim_fit_run(pilotdb *db, const sim_fit_options *opt, sim_fit **out, char *errbuf,
                   size_t errbuf_size);

/* The window actually fitted. */
void sim_fit_window(const sim_fit *fit, int64_t *since, int64_t *until);

/* The report for people and the scenario file (malloc()ed text for the
 * caller to free), and the report as JSON (a new reference); NULL when out
 * of memory.  Wall-clock times are written in UTC, so that the same
 * database gives the same bytes anywhere. */
char *sim_fit_text(const sim_fit *fit);
struct json_t *sim_fit_json(const sim_fit *fit);
char *sim_fit_scenario(const sim_fit *fit);

/* NULL when the scenario file can be had; else why not (a CE name that a
 * scenario file cannot hold), and sim_fit_scenario() gives NULL. */
const char *sim_fit_scenario_why(const sim_fit *fit);

/*
 * The fitted scenario, parsed, for a run (free with sim_scenario_free());
 * with carry, it starts with the pilots active at the window's end, each
 * waiting or running for as long as it had been (a forecast from the
 * database's state).  SIM_ENOMEM, or the parser's error.
 */
sim_rc sim_fit_scenario_new(const sim_fit *fit, int carry, sim_scenario **out, char *errbuf,
                            size_t errbuf_size);

/* How many pilots were active at the window's end; in *unknown_age (if not
 * NULL) how many of them are carried at age 0 because their submission or
 * start is unknown. */
size_t sim_fit_active(const sim_fit *fit, size_t *unknown_age);

void sim_fit_free(sim_fit *fit);

#endif
