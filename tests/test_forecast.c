/*
 * test_forecast.c - forecasts from a database's state (whatif --from-db):
 * a database simulated to time t, fitted and run on for h with its active
 * pilots carried over, must behave as the same scenario simulated on to
 * t + h.  Also: the carried pilots are the database's, with their states;
 * the rest of a carried pilot's life is drawn given its age; a run from a
 * state is reproducible.
 *
 * A forecast is judged as forecasts are: what really came next (the same
 * seed run on) must lie in its prediction interval.  A miss prints the
 * seed and the commands that reproduce it.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fit.h"
#include "pilotsim.h"
#include "scenario.h"
#include "sim_check.h"

#define NREP 30
#define HISTORY "24h"
#define HORIZON "12h"

/* Simulate path for HISTORY into a fresh in-memory database. */
static pilotdb *history(const char *name, uint64_t seed)
{
    sim_scenario *scn = sim_check_load(sim_check_scenario_path(name));
    sim_engine *eng = NULL;
    pilotdb *db = NULL;
    char err[512];

    assert_int_equal(sim_scenario_set(scn, "scenario.duration=" HISTORY, err, sizeof err),
                     SIM_OK);
    assert_int_equal(pilotdb_open(":memory:", PILOTDB_OPEN_CREATE | PILOTDB_OPEN_SCRATCH, &db,
                                  err, sizeof err), PILOTDB_OK);
    if (sim_engine_new(scn, db, seed, &eng, err, sizeof err) != SIM_OK)
        fail_msg("%s seed %llu: %s", name, (unsigned long long)seed, err);
    assert_int_equal(sim_engine_run(eng), SIM_OK);
    sim_engine_free(eng);
    sim_scenario_free(scn);
    return db;
}

/* Fit db and make the forecast's scenario (carried pilots, HORIZON). */
static sim_scenario *forecast_scenario(pilotdb *db, sim_fit **fit_out)
{
    sim_fit_options opt = {INT64_MIN, INT64_MAX, NULL, 0, 30, 0, "forecast", 0, 0};
    sim_scenario *scn = NULL;
    sim_fit *fit = NULL;
    char err[1024];

    if (sim_fit_run(db, &opt, &fit, err, sizeof err) != SIM_OK)
        fail_msg("fit: %s", err);
    if (sim_fit_scenario_new(fit, 1, &scn, err, sizeof err) != SIM_OK ||
        sim_scenario_set(scn, "scenario.duration=" HORIZON, err, sizeof err) != SIM_OK)
        fail_msg("forecast scenario: %s", err);
    if (fit_out)
        *fit_out = fit;
    else
        sim_fit_free(fit);
    return scn;
}

/* The total's metric of NREP replications of scn from seed first. */
static void replicate(const sim_scenario *scn, uint64_t first, int metric, double *out)
{
    sim_rep_task tasks[NREP];
    sim_rep_result results[NREP];
    char err[1024];

    for (size_t i = 0; i < NREP; i++)
        tasks[i] = (sim_rep_task){scn, first + i};
    if (sim_replicate(tasks, NREP, 2, NULL, NULL, results, err, sizeof err) != SIM_OK)
        fail_msg("replications: %s", err);
    for (size_t i = 0; i < NREP; i++) {
        out[i] = results[i].values[(results[i].nunits - 1) * SIM_NMETRICS + (size_t)metric];
        sim_rep_result_free(&results[i]);
    }
}

/* The total's metric in the run of name with seed from 0 to 36h, counted
 * over [HISTORY, 36h]: how the history's database really went on. */
static double went_on(const char *name, uint64_t seed, int metric)
{
    sim_scenario *scn = sim_check_load(sim_check_scenario_path(name));
    sim_rep_task task;
    sim_rep_result result;
    char err[512];
    double v;

    assert_int_equal(sim_scenario_set(scn, "scenario.duration=36h", err, sizeof err), SIM_OK);
    assert_int_equal(sim_scenario_set(scn, "scenario.warmup=" HISTORY, err, sizeof err),
                     SIM_OK);
    task = (sim_rep_task){scn, seed};
    if (sim_replicate(&task, 1, 1, NULL, NULL, &result, err, sizeof err) != SIM_OK)
        fail_msg("%s seed %llu: %s", name, (unsigned long long)seed, err);
    v = result.values[(result.nunits - 1) * SIM_NMETRICS + (size_t)metric];
    sim_rep_result_free(&result);
    sim_scenario_free(scn);
    return v;
}

/* A forecast is right when what really happened next lies in its 95 %
 * prediction interval (mean +- t sd sqrt(1 + 1/n) over its replications):
 * for histories of several seeds of name, the run of the same seed on to
 * t + h (the database's own future) is compared. */
static void check_forecast(const char *name, uint64_t first_seed, size_t nseeds,
                           size_t *inside, size_t *cases)
{
    static const int metrics[] = {SIM_METRIC_THROUGHPUT, SIM_METRIC_UTILIZATION};

    for (uint64_t seed = first_seed; seed < first_seed + nseeds; seed++) {
        pilotdb *db = history(name, seed);
        sim_scenario *fc = forecast_scenario(db, NULL);
        for (size_t m = 0; m < sizeof metrics / sizeof metrics[0]; m++) {
            double a[NREP], mean = 0, var = 0, q, half, real;
            replicate(fc, 1, metrics[m], a);
            for (size_t i = 0; i < NREP; i++)
                mean += a[i] / NREP;
            for (size_t i = 0; i < NREP; i++)
                var += (a[i] - mean) * (a[i] - mean) / (NREP - 1);
            assert_int_equal(sim_t_quantile(0.975, NREP - 1, &q), SIM_OK);
            half = q * sqrt(var) * sqrt(1.0 + 1.0 / NREP);
            real = went_on(name, seed, metrics[m]);
            ++*cases;
            if (fabs(real - mean) <= half)
                ++*inside;
            else
                print_message("%s seed %llu: %s went on at %.4f, outside the forecast "
                              "%.4f +- %.4f (pilotdeck --db h.db sim scenarios/%s.ini --seed "
                              "%llu --until " HISTORY "; pilotdeck --db h.db whatif --from-db "
                              "--horizon " HORIZON " ...)\n", name, (unsigned long long)seed,
                              sim_metric_name(metrics[m]), real, mean, half, name,
                              (unsigned long long)seed);
        }
        sim_scenario_free(fc);
        pilotdb_close(db);
    }
}

/* Nine forecasts in ten or more hold what came next (each interval is
 * 95 %: 20 cases miss about one). */
static void test_forecast_matches_running_on(void **state)
{
    size_t inside = 0, cases = 0;

    (void)state;
    check_forecast("grid50", 1, 5, &inside, &cases);
    check_forecast("arrivals", 1, 5, &inside, &cases);
    print_message("%zu of %zu forecasts held what came next\n", inside, cases);
    if (10 * inside < 9 * cases)
        fail_msg("only %zu of %zu forecasts held what really came next", inside, cases);
}

/* Count a database's pilots per status. */
static void status_counts(pilotdb *db, int64_t counts[PILOT_NSTATUS])
{
    pilotdb_summary sum;

    assert_int_equal(pilotdb_summary_get(db, &sum), PILOTDB_OK);
    memcpy(counts, sum.count, sizeof sum.count);
}

/* The carried pilots are the database's active ones, in their states; a
 * run from the state is reproducible. */
static void test_carried_state(void **state)
{
    pilotdb *db = history("grid50", 3), *run = NULL;
    sim_fit *fit = NULL;
    sim_scenario *scn = forecast_scenario(db, &fit);
    int64_t src[PILOT_NSTATUS], got[PILOT_NSTATUS];
    sim_engine *eng = NULL;
    char err[512];
    size_t unknown = 99, waiting = 0, running = 0;

    (void)state;
    status_counts(db, src);
    assert_int_equal(sim_fit_active(fit, &unknown), (size_t)(src[PILOT_SUBMITTED] +
                                                             src[PILOT_RUNNING]));
    assert_int_equal(unknown, 0);
    for (size_t i = 0; i < scn->nstart; i++) {
        running += scn->start[i].running != 0;
        waiting += !scn->start[i].running;
        assert_true(scn->start[i].age >= 0);
    }
    assert_int_equal(running, src[PILOT_RUNNING]);
    assert_int_equal(waiting, src[PILOT_SUBMITTED]);
    /* at time 0 the run holds exactly those pilots */
    assert_int_equal(pilotdb_open(":memory:", PILOTDB_OPEN_CREATE | PILOTDB_OPEN_SCRATCH, &run,
                                  err, sizeof err), PILOTDB_OK);
    assert_int_equal(sim_engine_new(scn, run, 5, &eng, err, sizeof err), SIM_OK);
    status_counts(run, got);
    assert_int_equal(got[PILOT_SUBMITTED], src[PILOT_SUBMITTED]);
    assert_int_equal(got[PILOT_RUNNING], src[PILOT_RUNNING]);
    assert_int_equal(got[PILOT_DONE] + got[PILOT_FAILED], 0);
    assert_int_equal(sim_engine_run(eng), SIM_OK);
    sim_check_run(run, scn, eng, 1, "forecast from grid50's state");
    {
        char *a = sim_report_json(eng), *b;
        sim_engine *again = NULL;
        pilotdb *db2 = NULL;
        assert_int_equal(pilotdb_open(":memory:", PILOTDB_OPEN_CREATE | PILOTDB_OPEN_SCRATCH,
                                      &db2, err, sizeof err), PILOTDB_OK);
        assert_int_equal(sim_engine_new(scn, db2, 5, &again, err, sizeof err), SIM_OK);
        assert_int_equal(sim_engine_run(again), SIM_OK);
        b = sim_report_json(again);
        assert_string_equal(a, b);
        free(a);
        free(b);
        sim_engine_free(again);
        pilotdb_close(db2);
    }
    sim_engine_free(eng);
    pilotdb_close(run);
    sim_scenario_free(scn);
    sim_fit_free(fit);
    pilotdb_close(db);
}

/* A carried pilot's rest of life is drawn given its age: with fixed run
 * times of 1h, pilots running for 40 min end 20 min in (none fails when the
 * success rate is 1). */
static void test_rest_of_life(void **state)
{
    static const char text[] = "[scenario]\nduration = 2h\ncycle = 10m\n"
                               "[ce a]\ncapacity = 4\nsuccess_rate = 1\n"
                               "queue_time = fixed(5m)\nrun_time = fixed(1h)\n";
    sim_scenario *scn = NULL;
    sim_engine *eng = NULL;
    pilotdb *db = NULL;
    sim_ce_stats st;
    char err[512];

    (void)state;
    assert_int_equal(sim_scenario_parse(text, "t.ini", &scn, err, sizeof err), SIM_OK);
    scn->start = calloc(3, sizeof *scn->start);
    assert_non_null(scn->start);
    scn->start[0] = (struct sim_start_pilot){0, 1, 40 * 60000}; /* ends at 20m */
    scn->start[1] = (struct sim_start_pilot){0, 1, 10 * 60000}; /* ends at 50m */
    scn->start[2] = (struct sim_start_pilot){0, 0, 2 * 60000};  /* starts at 3m, ends 1h03m */
    scn->nstart = 3;
    assert_int_equal(pilotdb_open(":memory:", PILOTDB_OPEN_CREATE | PILOTDB_OPEN_SCRATCH, &db,
                                  err, sizeof err), PILOTDB_OK);
    assert_int_equal(sim_engine_new(scn, db, 1, &eng, err, sizeof err), SIM_OK);
    /* the CE has 4 slots and 3 are carried: the director's first cycle adds 1 */
    assert_int_equal(sim_engine_run_until(eng, 19 * 60000), SIM_OK);
    assert_int_equal(sim_report_ce(eng, 0, &st), SIM_OK);
    assert_int_equal(st.done, 0);
    assert_int_equal(st.active, 4);
    assert_int_equal(sim_engine_run_until(eng, 20 * 60000), SIM_OK);
    assert_int_equal(sim_report_ce(eng, 0, &st), SIM_OK);
    assert_int_equal(st.done, 1);
    assert_int_equal(sim_engine_run_until(eng, 50 * 60000), SIM_OK);
    assert_int_equal(sim_report_ce(eng, 0, &st), SIM_OK);
    assert_int_equal(st.done, 2);
    assert_int_equal(sim_engine_run_until(eng, 63 * 60000 - 1), SIM_OK);
    assert_int_equal(sim_report_ce(eng, 0, &st), SIM_OK);
    assert_int_equal(st.done, 2);
    assert_int_equal(sim_engine_run_until(eng, 63 * 60000), SIM_OK);
    assert_int_equal(sim_report_ce(eng, 0, &st), SIM_OK);
    assert_int_equal(st.done, 3);
    sim_engine_free(eng);
    pilotdb_close(db);
    sim_scenario_free(scn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rest_of_life),
        cmocka_unit_test(test_carried_state),
        cmocka_unit_test(test_forecast_matches_running_on),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
