/*
 * failure.c - failure models: whether a submission fails and how a pilot
 * ends, drawn from its CE's own stream with a fixed number of draws per call.
 *
 *  default   Nothing fails at submission.  A pilot ends DONE with the CE's
 *            success rate; a failure happens before start (SUBMITTED ->
 *            FAILED) with probability fail_before_start, else at a uniform
 *            point of its run.
 *  tutorial  DiracX's pilot tutorial: a submission fails (and writes nothing)
 *            with probability 1 - success_rate; a pilot that was submitted
 *            runs, and at the end of its run is DONE with probability
 *            success_rate, else FAILED.
 */
#include <string.h>

#include "engine.h"

static int default_submission_fails(struct sim_engine *eng, struct sim_ce *ce)
{
    (void)eng;
    (void)ce;
    return 0;
}

static enum sim_fate default_fate(struct sim_engine *eng, struct sim_ce *ce,
                                  double *fail_point)
{
    double u_success = pcg32_double(&ce->rng);
    double u_where = pcg32_double(&ce->rng);

    *fail_point = pcg32_double(&ce->rng);
    if (u_success < ce->success_rate)
        return SIM_FATE_DONE;
    if (u_where < sim_engine_scenario(eng)->fail_before_start)
        return SIM_FATE_FAIL_QUEUED;
    return SIM_FATE_FAIL_RUNNING;
}

static int tutorial_submission_fails(struct sim_engine *eng, struct sim_ce *ce)
{
    (void)eng;
    return pcg32_double(&ce->rng) >= ce->success_rate;
}

static enum sim_fate tutorial_fate(struct sim_engine *eng, struct sim_ce *ce,
                                   double *fail_point)
{
    (void)eng;
    *fail_point = 1.0;
    return pcg32_double(&ce->rng) < ce->success_rate ? SIM_FATE_DONE
                                                     : SIM_FATE_FAIL_RUNNING;
}

static const struct sim_failure_class models[] = {
    {"default", default_submission_fails, default_fate},
    {"tutorial", tutorial_submission_fails, tutorial_fate},
};

/* The failure model called name, or NULL. */
const struct sim_failure_class *sim_failure_find(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof models / sizeof models[0]; i++)
        if (strcmp(models[i].name, name) == 0)
            return &models[i];
    return NULL;
}
