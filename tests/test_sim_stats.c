/*
 * test_sim_stats.c - the engine against queueing and probability theory.
 *
 *  - Little's law on a long run of a loss system: mean number in system
 *    L = throughput x mean time in system (lambda W), within 2 %; with every
 *    pilot succeeding, W is the mean queue plus run time, within 3 %.
 *  - Erlang's loss formula: the share of refused arrivals is B(c, a) for c
 *    slots and offered load a, within 15 % of B (insensitive to the service
 *    time distribution).
 *  - The observed success rate lies within 4 binomial standard errors of the
 *    configured one (a correct engine fails this with probability 6e-5), for
 *    the default and tutorial failure models; so does the share of failures
 *    that happen before start.
 *
 * The scenarios are fixed and seeded, so these tests are deterministic; the
 * tolerances say how far from theory a correct engine may land.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixtures.h"
#include "pilotsim.h"
#include "sim_check.h"

#define RERUN "rerun: ctest -R '^test_sim_stats$' --output-on-failure"

static sim_engine *run(const char *text, uint64_t seed, pilotdb **db, sim_scenario **scn)
{
    sim_engine *eng = NULL;
    char err[512];

    if (sim_scenario_parse(text, "stats.ini", scn, err, sizeof err) != SIM_OK)
        fail_msg("%s", err);
    *db = fx_template_db();
    if (sim_engine_new(*scn, *db, seed, &eng, err, sizeof err) != SIM_OK)
        fail_msg("%s", err);
    if (sim_engine_run(eng) != SIM_OK)
        fail_msg("%s", sim_engine_errmsg(eng));
    return eng;
}

static void done(sim_engine *eng, pilotdb *db, sim_scenario *scn)
{
    sim_engine_free(eng);
    fx_close(db);
    sim_scenario_free(scn);
}


static void test_littles_law_and_erlang_b(void **state)
{
    /* 60 arrivals/h, 2 + 30 minutes in system: 32 erlangs offered to 35 slots */
    const char *text = "[scenario]\nduration = 10d\nwarmup = 1d\npolicy = arrivals\n"
                       "[ce only]\ncapacity = 35\narrival_rate = 60\n"
                       "queue_time = exp(2m)\nrun_time = exp(30m)\n";
    sim_scenario *scn;
    pilotdb *db;
    sim_engine *eng = run(text, 12345, &db, &scn);
    sim_ce_stats st;
    double lambda_w, blocking, want_b = sim_check_erlang_b(35, 32.0);

    (void)state;
    assert_int_equal(sim_report_ce(eng, 0, &st), SIM_OK);
    lambda_w = st.throughput_per_hour * st.mean_time_in_system_s / 3600.0;
    print_message("[ stats    ] L = %.3f, lambda W = %.3f, W = %.1f s\n", st.mean_active,
                  lambda_w, st.mean_time_in_system_s);
    assert_true(fabs(st.mean_active - lambda_w) <= 0.02 * st.mean_active);
    assert_true(fabs(st.mean_time_in_system_s - 32 * 60) <= 0.03 * 32 * 60);

    blocking = (double)st.refused / (double)(st.refused + st.submitted);
    print_message("[ stats    ] refused %.4f, Erlang B %.4f\n", blocking, want_b);
    assert_true(fabs(blocking - want_b) <= 0.15 * want_b);
    done(eng, db, scn);
}

/* Fewer trials than this make the test too weak to mean anything (and none
 * at all would make the share NaN, which compares as within bounds). */
#define MIN_TRIALS 1000

static void check_binomial(const char *what, uint64_t seed, int64_t hits, int64_t n,
                           double p)
{
    double observed, se;

    if (n < MIN_TRIALS)
        fail_msg("%s (seed %llu): only %lld trials, fewer than %d; " RERUN, what,
                 (unsigned long long)seed, (long long)n, MIN_TRIALS);
    observed = (double)hits / (double)n;
    se = sqrt(p * (1 - p) / (double)n);
    print_message("[ stats    ] %s (seed %llu): %.4f of %lld, configured %.4f (+- %.4f)\n",
                  what, (unsigned long long)seed, observed, (long long)n, p, 4 * se);
    if (fabs(observed - p) > 4 * se)
        fail_msg("%s (seed %llu): observed %.4f of %lld, configured %.4f: more than 4 "
                 "standard errors (%.4f) apart; " RERUN, what, (unsigned long long)seed,
                 observed, (long long)n, p, 4 * se);
}

static void test_success_rate_default_model(void **state)
{
    const char *text = "[scenario]\nduration = 2d\nfail_before_start = 0.3\n"
                       "[ce c]\ncapacity = 50\nsuccess_rate = 0.8\n"
                       "queue_time = exp(5m)\nrun_time = exp(20m)\n";
    uint64_t seed;

    (void)state;
    for (seed = 1; seed <= 3; seed++) {
        sim_scenario *scn;
        pilotdb *db;
        sim_engine *eng = run(text, seed, &db, &scn);
        sim_ce_stats st;
        int64_t failed, ended;

        assert_int_equal(sim_report_ce(eng, 0, &st), SIM_OK);
        failed = st.failed_before_start + st.failed_running;
        ended = st.done + failed;
        check_binomial("default model: DONE", seed, st.done, ended, 0.8);
        check_binomial("default model: failed before start", seed, st.failed_before_start,
                       failed, 0.3);
        done(eng, db, scn);
    }
}

static void test_success_rate_tutorial_model(void **state)
{
    const char *text = "[scenario]\nduration = 2d\nfailure_model = tutorial\n"
                       "[ce c]\ncapacity = 50\nsuccess_rate = 0.7\n"
                       "queue_time = exp(5m)\nrun_time = exp(20m)\n";
    sim_scenario *scn;
    pilotdb *db;
    const uint64_t seed = 9;
    sim_engine *eng = run(text, seed, &db, &scn);
    sim_ce_stats st;

    (void)state;
    assert_int_equal(sim_report_ce(eng, 0, &st), SIM_OK);
    assert_int_equal(st.failed_before_start, 0);
    check_binomial("tutorial model: submissions written", seed, st.submitted,
                   st.submitted + st.submission_failures, 0.7);
    check_binomial("tutorial model: DONE", seed, st.done, st.done + st.failed_running, 0.7);
    done(eng, db, scn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_littles_law_and_erlang_b),
        cmocka_unit_test(test_success_rate_default_model),
        cmocka_unit_test(test_success_rate_tutorial_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
