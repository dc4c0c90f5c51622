/*
 * test_whatif.c - what-if studies: Student's t and intervals against known
 * values, scenario overrides, replications that do not depend on the number
 * of threads, common random numbers against independent seeds, and the
 * coverage of 95 % intervals on a loss system whose mean is known (Erlang).
 *
 * Groups (one CTest test each): stats, override, replicate, crn, coverage.
 * Everything is seeded: a failure prints the seeds and the command to rerun.
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

#include "dist.h"
#include "fixtures.h"
#include "pcg32.h"
#include "pilotsim.h"
#include "scenario.h"
#include "sim_check.h"

#define PI 3.14159265358979323846
#define RERUN "rerun: ctest -R test_whatif --output-on-failure"

/* ---- stats ------------------------------------------------------------------ */

static void assert_close(double got, double want, double rel, const char *what)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("%s: got %.17g, want %.17g (relative tolerance %g)", what, got, want, rel);
}

static void test_t_quantile_closed_forms(void **state)
{
    static const double ps[] = {0.6, 0.75, 0.9, 0.95, 0.975, 0.99, 0.995, 0.9995};
    size_t i;
    double t;
    char what[64];

    (void)state;
    for (i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double p = ps[i], alpha = 4 * p * (1 - p), q;
        /* df = 1: Cauchy */
        snprintf(what, sizeof what, "t(%g, df 1)", p);
        assert_int_equal(sim_t_quantile(p, 1, &t), SIM_OK);
        assert_close(t, tan(PI * (p - 0.5)), 1e-12, what);
        /* df = 2: t = (2p - 1) sqrt(2 / alpha) */
        snprintf(what, sizeof what, "t(%g, df 2)", p);
        assert_int_equal(sim_t_quantile(p, 2, &t), SIM_OK);
        assert_close(t, (2 * p - 1) * sqrt(2 / alpha), 1e-12, what);
        /* df = 4: q = cos(acos(sqrt(alpha)) / 3) / sqrt(alpha), t = 2 sqrt(q - 1) */
        snprintf(what, sizeof what, "t(%g, df 4)", p);
        q = cos(acos(sqrt(alpha)) / 3) / sqrt(alpha);
        assert_int_equal(sim_t_quantile(p, 4, &t), SIM_OK);
        assert_close(t, 2 * sqrt(q - 1), 1e-11, what);
        /* symmetry */
        assert_int_equal(sim_t_quantile(1 - p, 4, &q), SIM_OK);
        assert_close(q, -t, 1e-11, "symmetry");
    }
}

static void test_t_quantile_table(void **state)
{
    /* two-sided 95 % (and a few others) as printed in statistical tables */
    static const struct { double p, df, t; } table[] = {
        {0.975, 3, 3.182446305}, {0.975, 5, 2.570581836}, {0.975, 9, 2.262157163},
        {0.975, 10, 2.228138852}, {0.975, 19, 2.093024054}, {0.975, 29, 2.045229642},
        {0.975, 30, 2.042272456}, {0.975, 100, 1.983971519}, {0.975, 1000, 1.962339081},
        {0.995, 9, 3.249835542}, {0.95, 19, 1.729132812}, {0.9, 5, 1.475884049},
        {0.975, 1e5, 1.959987708}, /* Cornish-Fisher: z + (z^3 + z) / 4df + ... */
    };
    size_t i;
    char what[64];

    (void)state;
    for (i = 0; i < sizeof table / sizeof table[0]; i++) {
        double t, back;
        snprintf(what, sizeof what, "t(%g, df %g)", table[i].p, table[i].df);
        assert_int_equal(sim_t_quantile(table[i].p, table[i].df, &t), SIM_OK);
        assert_close(t, table[i].t, 3e-10, what);
        back = sim_t_cdf(t, table[i].df);
        assert_close(back, table[i].p, 1e-13, "cdf(quantile(p))");
    }
}

static void test_t_refusals_and_beta(void **state)
{
    double t = 1;

    (void)state;
    assert_int_equal(sim_t_quantile(0, 5, &t), SIM_EINVAL);
    assert_true(t == 0);
    assert_int_equal(sim_t_quantile(1, 5, &t), SIM_EINVAL);
    assert_int_equal(sim_t_quantile(0.5, 0, &t), SIM_EINVAL);
    assert_int_equal(sim_t_quantile(NAN, 3, &t), SIM_EINVAL);
    assert_int_equal(sim_t_quantile(0.5, 3, &t), SIM_OK);
    assert_true(t == 0);
    assert_true(isnan(sim_incomplete_beta(0, 1, 0.5)));
    assert_true(isnan(sim_incomplete_beta(1, 1, 1.5)));
    /* identities: I_x(a, 1) = x^a, I_x(1, b) = 1 - (1 - x)^b, symmetry */
    assert_close(sim_incomplete_beta(3.5, 1, 0.3), pow(0.3, 3.5), 1e-13, "I(a,1)");
    assert_close(sim_incomplete_beta(1, 4.5, 0.2), 1 - pow(0.8, 4.5), 1e-13, "I(1,b)");
    assert_close(sim_incomplete_beta(2.5, 7, 0.4) + sim_incomplete_beta(7, 2.5, 0.6), 1,
                 1e-13, "symmetry");
}

static void test_intervals(void **state)
{
    static const double x[] = {4, 7, 5, 9, 10};
    static const double y[] = {5, 9, 6, 12, 11};
    static const double two[] = {3, 3};
    double y2[5] = {5, 9, 6, 12, 11};
    sim_interval iv;
    double t;

    (void)state;
    assert_int_equal(sim_interval_mean(x, 5, 0.95, &iv), SIM_OK);
    assert_int_equal(iv.n, 5);
    assert_close(iv.mean, 7, 1e-15, "mean");
    assert_close(iv.sd, sqrt(26.0 / 4), 1e-15, "sd");
    assert_int_equal(sim_t_quantile(0.975, 4, &t), SIM_OK);
    assert_close(iv.half_width, t * sqrt(26.0 / 4) / sqrt(5), 1e-15, "half width");
    assert_close(iv.low, 7 - iv.half_width, 1e-15, "low");
    assert_true(sim_interval_significant(&iv));

    /* differences 1 2 1 3 1: mean 1.6, sd sqrt(3.2/4) */
    assert_int_equal(sim_interval_paired(x, y, 5, 0.95, &iv), SIM_OK);
    assert_close(iv.mean, 1.6, 1e-15, "paired mean");
    assert_close(iv.sd, sqrt(3.2 / 4), 1e-15, "paired sd");
    assert_true(sim_interval_significant(&iv)); /* 1.6 - 2.776 * 0.4 > 0 */
    y2[2] = 5; /* differences 1 2 0 3 1: 1.4 - 2.776 * 0.51 < 0 */
    assert_int_equal(sim_interval_paired(x, y2, 5, 0.95, &iv), SIM_OK);
    assert_false(sim_interval_significant(&iv));
    assert_int_equal(sim_interval_paired(x, x, 5, 0.95, &iv), SIM_OK);
    assert_false(sim_interval_significant(&iv));
    assert_int_equal(sim_interval_mean(two, 2, 0.95, &iv), SIM_OK);
    assert_true(iv.half_width == 0 && iv.mean == 3);

    assert_int_equal(sim_interval_mean(x, 1, 0.95, &iv), SIM_EINVAL);
    assert_true(iv.n == 0 && iv.mean == 0);
    assert_int_equal(sim_interval_mean(x, 5, 1.0, &iv), SIM_EINVAL);
    assert_int_equal(sim_interval_paired(NULL, x, 5, 0.95, &iv), SIM_EINVAL);
}

/* Coverage of the t interval on normal samples of 3 (2 df, where the
 * normal quantile 1.96 would cover only 81 %), 20000 seeded batches (2000
 * under valgrind). */
static void test_interval_coverage_normal(void **state)
{
    const int batches = sim_check_under_valgrind() ? 2000 : 20000, n = 3;
    const double mu = 10, sigma = 2;
    pcg32_random_t rng;
    int b, i, covered = 0;
    double x[3], share;

    (void)state;
    pcg32_srandom(&rng, 2024, 7);
    for (b = 0; b < batches; b++) {
        sim_interval iv;
        for (i = 0; i < n; i++) { /* Box-Muller */
            double u1 = 1.0 - pcg32_double(&rng), u2 = pcg32_double(&rng);
            x[i] = mu + sigma * sqrt(-2 * log(u1)) * cos(2 * PI * u2);
        }
        assert_int_equal(sim_interval_mean(x, (size_t)n, 0.95, &iv), SIM_OK);
        covered += iv.low <= mu && mu <= iv.high;
    }
    share = (double)covered / batches;
    print_message("[ coverage ] normal, n = 3: %.4f of %d intervals cover the mean\n",
                  share, batches);
    /* 4 binomial standard deviations either side (0.006 over 20000 batches);
     * the normal quantile would give 0.81 */
    if (fabs(share - 0.95) > 4 * sqrt(0.95 * 0.05 / batches))
        fail_msg("coverage %.4f is not 0.95 (pcg32 seed 2024, stream 7); " RERUN, share);
}

/* ---- overrides ----------------------------------------------------------------- */

static sim_scenario *load(const char *name)
{
    return sim_check_load(sim_check_scenario_path(name));
}

static const struct sim_ce_spec *ce_named(const sim_scenario *scn, const char *name)
{
    size_t i;

    for (i = 0; i < scn->nces; i++)
        if (strcmp(scn->ces[i].name, name) == 0)
            return &scn->ces[i];
    fail_msg("no CE %s", name);
    return NULL;
}

static void set_ok(sim_scenario *scn, const char *assignment)
{
    char err[512];

    if (sim_scenario_set(scn, assignment, err, sizeof err) != SIM_OK)
        fail_msg("%s: %s", assignment, err);
}

/* A refusal whose message contains want, and leaves the scenario as it was. */
static void set_refused(sim_scenario *scn, const char *assignment, const char *want)
{
    char err[512];
    struct sim_scenario before = *scn;
    struct sim_ce_spec first = scn->ces[0];

    if (sim_scenario_set(scn, assignment, err, sizeof err) != SIM_EINVAL)
        fail_msg("%s was accepted", assignment);
    if (!strstr(err, want))
        fail_msg("%s: message '%s' does not say '%s'", assignment, err, want);
    assert_memory_equal(&before, scn, sizeof before);
    assert_memory_equal(&first, &scn->ces[0], sizeof first);
}

static void test_override_values(void **state)
{
    sim_scenario *scn = load("capacity_whatif");
    const struct sim_ce_spec *big = ce_named(scn, "big.example.org");
    const struct sim_ce_spec *small = ce_named(scn, "small.example.org");
    double run_mean = sim_dist_mean(&big->run_time);

    (void)state;
    set_ok(scn, "ce.big.example.org.capacity=+50%");
    assert_int_equal(big->capacity, 60);
    assert_int_equal(small->capacity, 12);
    set_ok(scn, "ce.small.example.org.capacity=+10%"); /* 13.2 -> 13 */
    assert_int_equal(small->capacity, 13);
    set_ok(scn, "ce.small.example.org.capacity=+50%"); /* 19.5 -> 20 */
    assert_int_equal(small->capacity, 20);
    set_ok(scn, "ce.*.capacity=-5");
    assert_int_equal(big->capacity, 55);
    assert_int_equal(small->capacity, 15);
    set_ok(scn, "ce.big.example.org.success_rate=0.8");
    assert_true(big->success_rate == 0.8);
    set_ok(scn, "ce.big.example.org.success_rate=+0.1");
    assert_close(big->success_rate, 0.9, 1e-15, "success_rate");
    set_ok(scn, "ce.small.example.org.enabled=false");
    assert_int_equal(small->enabled, 0);
    set_ok(scn, "ce.big.example.org.run_time=+50%");
    assert_close(sim_dist_mean(&big->run_time), 1.5 * run_mean, 1e-12, "run_time mean");
    set_ok(scn, "ce.big.example.org.queue_time=fixed(3m)");
    assert_close(sim_dist_mean(&big->queue_time), 180000, 1e-15, "queue_time");
    set_ok(scn, "ce.big.example.org.max_waiting=7");
    assert_int_equal(big->max_waiting, 7);
    set_ok(scn, "ce.big.example.org.max_waiting=+3");
    assert_int_equal(big->max_waiting, 10);
    set_ok(scn, "scenario.max_per_cycle=200");
    assert_int_equal(scn->max_per_cycle, 200);
    set_ok(scn, "scenario.cycle=+1m");
    assert_int_equal(scn->cycle, 180000);
    set_ok(scn, "scenario.warmup=-50%");
    assert_int_equal(scn->warmup, 3600000);
    set_ok(scn, "scenario.duration=2d");
    assert_int_equal(scn->duration, 2 * 86400000LL);
    sim_scenario_free(scn);
}

static void test_override_refusals(void **state)
{
    sim_scenario *scn = load("capacity_whatif");
    sim_scenario *arr = load("arrivals");
    char err[64];

    (void)state;
    set_refused(scn, "ce.big.example.org.colour=red", "unknown CE key 'colour'");
    set_refused(scn, "ce.nowhere.example.org.capacity=5", "no CE named 'nowhere.example.org'");
    set_refused(scn, "scenario.speed=3", "unknown key 'scenario.speed'");
    set_refused(scn, "site.capacity=3", "unknown key 'site.capacity'");
    set_refused(scn, "ce.capacity=3", "unknown key");
    set_refused(scn, "capacity", "is not KEY=VALUE");
    set_refused(scn, "ce.big.example.org.capacity=", "is not KEY=VALUE");
    set_refused(scn, "ce.big.example.org.capacity=12.5", "not a whole number");
    set_refused(scn, "ce.big.example.org.capacity=lots", "is not a whole number");
    set_refused(scn, "ce.big.example.org.capacity=50%", "+P% or -P%");
    set_refused(scn, "ce.big.example.org.capacity=-200%", "out of range");
    set_refused(scn, "ce.big.example.org.success_rate=+50%", "out of range");
    set_refused(scn, "ce.big.example.org.enabled=maybe", "true or false");
    set_refused(scn, "ce.big.example.org.max_waiting=+3", "no limit");
    set_refused(scn, "ce.big.example.org.run_time=normal(3h)", "run_time");
    set_refused(scn, "ce.*.run_time=-150%", "more than 100%");
    set_refused(scn, "ce.big.example.org.arrival_rate=10", "needs policy = arrivals");
    set_refused(scn, "scenario.warmup=2d", "warm-up must be shorter");
    set_refused(scn, "scenario.duration=6h", "after the end");
    set_refused(scn, "scenario.cycle=2", "not a duration");
    set_refused(arr, "ce.small.example.org.arrival_rate=5", "not both");
    set_refused(arr, "scenario.arrival_rate=0", "needs an arrival rate");
    set_ok(arr, "scenario.arrival_rate=+20%");
    assert_close(arr->arrival_rate, 120, 1e-15, "arrival_rate");
    /* sweep points are absolute: -10 is minus ten, refused by the range */
    assert_int_equal(sim_scenario_set_absolute(scn, "ce.big.example.org.capacity=-10", err,
                                               sizeof err), SIM_EINVAL);
    assert_int_equal(ce_named(scn, "big.example.org")->capacity, 40);
    {
        char msg[512];
        struct sim_scenario before = *scn;
        assert_int_equal(sim_scenario_set_absolute(scn, "ce.big.example.org.success_rate=-0.2",
                                                   msg, sizeof msg), SIM_EINVAL);
        if (!strstr(msg, "ce.big.example.org.success_rate=-0.2: -0.2 is out of range"))
            fail_msg("message '%s' does not name the key and the value", msg);
        assert_int_equal(sim_scenario_set_absolute(scn, "ce.big.example.org.capacity=+10",
                                                   msg, sizeof msg), SIM_EINVAL);
        assert_non_null(strstr(msg, "not an absolute value"));
        assert_int_equal(sim_scenario_set_absolute(scn, "scenario.warmup=-1h", msg,
                                                   sizeof msg), SIM_EINVAL);
        assert_memory_equal(&before, scn, sizeof before);
        assert_int_equal(sim_scenario_set_absolute(scn, "ce.big.example.org.capacity=30", msg,
                                                   sizeof msg), SIM_OK);
        assert_int_equal(ce_named(scn, "big.example.org")->capacity, 30);
    }
    /* a short buffer still gets a terminated message */
    assert_int_equal(sim_scenario_set(scn, "scenario.speed=3", err, sizeof err), SIM_EINVAL);
    assert_true(strlen(err) < sizeof err);
    sim_scenario_free(arr);
    sim_scenario_free(scn);
}

/* An event refused with a message containing want, the scenario unchanged. */
static void event_refused(sim_scenario *scn, const char *name, int64_t at, const char *ce,
                          const char *key, const char *value, const char *want)
{
    char err[512];
    size_t nevents = scn->nevents;

    if (sim_scenario_add_event(scn, name, at, ce, key, value, err, sizeof err) != SIM_EINVAL)
        fail_msg("event %s %s=%s at %lld was accepted", name, key, value, (long long)at);
    if (!strstr(err, want))
        fail_msg("event %s: message '%s' does not say '%s'", name, err, want);
    assert_int_equal(scn->nevents, nevents);
}

/* Timeline events added to a parsed scenario: checked as [event] sections
 * are, in time order, after the file's own events of the same time. */
static void test_add_event(void **state)
{
    sim_scenario *scn = load("capacity_whatif");
    char err[512];

    (void)state;
    assert_int_equal(scn->nevents, 1); /* the file's: big-plus-50pct at 12h */
    assert_int_equal(sim_scenario_add_event(scn, "back", 2 * 3600000, "big.example.org",
                                            "enabled", "true", err, sizeof err), SIM_OK);
    assert_int_equal(sim_scenario_add_event(scn, "outage", 0, "big.example.org", "enabled",
                                            "false", err, sizeof err), SIM_OK);
    assert_int_equal(sim_scenario_add_event(scn, "grow", 2 * 3600000, "small.example.org",
                                            "capacity", "20", err, sizeof err), SIM_OK);
    assert_int_equal(sim_scenario_add_event(scn, "flaky", 12 * 3600000, "small.example.org",
                                            "success_rate", "0.5", err, sizeof err), SIM_OK);
    assert_int_equal(scn->nevents, 5);
    assert_string_equal(scn->events[0].name, "outage");
    assert_int_equal(scn->events[0].at, 0);
    assert_int_equal(scn->events[0].enabled, 0);
    assert_int_equal(scn->events[0].set, PILOTDB_SET_ENABLED);
    assert_string_equal(scn->events[0].ce, "big.example.org");
    assert_int_equal(scn->events[0].ce_index, 0);
    assert_string_equal(scn->events[1].name, "back");
    assert_int_equal(scn->events[1].enabled, 1);
    assert_string_equal(scn->events[2].name, "grow");
    assert_int_equal(scn->events[2].capacity, 20);
    assert_int_equal(scn->events[2].set, PILOTDB_SET_CAPACITY);
    assert_int_equal(scn->events[2].ce_index, 1);
    assert_string_equal(scn->events[3].name, "big-plus-50pct");
    assert_string_equal(scn->events[4].name, "flaky");
    assert_true(scn->events[4].success_rate == 0.5);

    event_refused(scn, "x", 0, "nowhere.example.org", "enabled", "false", "unknown CE");
    event_refused(scn, "x", 86400001, "big.example.org", "enabled", "false",
                  "after the end");
    event_refused(scn, "x", -1, "big.example.org", "enabled", "false", "before the start");
    event_refused(scn, "x", 0, "big.example.org", "running", "fail", "is not capacity");
    event_refused(scn, "x", 0, "big.example.org", "at", "1h", "is not capacity");
    event_refused(scn, "x", 0, "big.example.org", "enabled", "maybe", "enabled");
    event_refused(scn, "x", 0, "big.example.org", "capacity", "-5", "capacity");
    event_refused(scn, "x", 0, "big.example.org", "success_rate", "1.5", "success_rate");
    event_refused(scn, "", 0, "big.example.org", "enabled", "false", "name");
    event_refused(scn, "a\x01b", 0, "big.example.org", "enabled", "false", "control");
    sim_scenario_free(scn);
}

/* ---- replications ------------------------------------------------------------- */

static sim_rep_result *replicate(const sim_rep_task *tasks, size_t n, unsigned jobs)
{
    sim_rep_result *results = calloc(n, sizeof *results);
    char err[1024];

    assert_non_null(results);
    if (sim_replicate(tasks, n, jobs, NULL, NULL, results, err, sizeof err) != SIM_OK)
        fail_msg("sim_replicate (jobs %u): %s; " RERUN, jobs, err);
    return results;
}

static void free_results(sim_rep_result *results, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        sim_rep_result_free(&results[i]);
    free(results);
}

static double metric(const sim_rep_result *r, const char *unit, int m)
{
    size_t u;

    for (u = 0; u < r->nunits; u++)
        if (strcmp(r->names[u], unit) == 0)
            return r->values[u * SIM_NMETRICS + (size_t)m];
    fail_msg("no unit %s", unit);
    return 0;
}

/* The same tasks give bit-identical results on 1, 2 and 3 threads. */
static void test_replicate_jobs(void **state)
{
    sim_scenario *scn = load("arrivals"), *tut = load("tutorial");
    sim_rep_task tasks[7];
    sim_rep_result *one, *two, *three;
    size_t i, u;

    (void)state;
    for (i = 0; i < 7; i++) {
        tasks[i].scn = i % 2 ? tut : scn;
        tasks[i].seed = 100 + i;
    }
    one = replicate(tasks, 7, 1);
    two = replicate(tasks, 7, 2);
    three = replicate(tasks, 7, 3);
    for (i = 0; i < 7; i++) {
        assert_int_equal(one[i].nunits, two[i].nunits);
        assert_int_equal(one[i].nunits, three[i].nunits);
        for (u = 0; u < one[i].nunits; u++) {
            assert_string_equal(one[i].names[u], two[i].names[u]);
            assert_string_equal(one[i].names[u], three[i].names[u]);
        }
        if (memcmp(one[i].values, two[i].values,
                   one[i].nunits * SIM_NMETRICS * sizeof(double)) != 0 ||
            memcmp(one[i].values, three[i].values,
                   one[i].nunits * SIM_NMETRICS * sizeof(double)) != 0)
            fail_msg("task %zu (seed %llu) differs between 1, 2 and 3 threads; " RERUN, i,
                     (unsigned long long)tasks[i].seed);
    }
    assert_string_equal(one[0].names[one[0].nunits - 1], "total");
    free_results(one, 7);
    free_results(two, 7);
    free_results(three, 7);
    sim_scenario_free(tut);
    sim_scenario_free(scn);
}

/* Cancel once the progress callback has seen *arg tasks finish. */
struct cancel_after {
    size_t after;
    volatile int cancel;
};

static void cancel_on_progress(void *arg, size_t finished, size_t total)
{
    struct cancel_after *ca = arg;

    (void)total;
    if (finished >= ca->after)
        ca->cancel = 1;
}

/* A run cancelled before it starts or between replications returns
 * SIM_ECANCELED with every result freed; a flag never raised changes
 * nothing; a study run with its cancel raised stores no value.  An outage
 * added as events (off at 0, on at 12 h) costs the CE pilots. */
static void test_replicate_cancel(void **state)
{
    sim_scenario *scn = load("capacity_whatif"), *off = load("capacity_whatif");
    sim_rep_task tasks[6];
    sim_rep_result results[6], *plain;
    struct cancel_after ca = {2, 0};
    sim_study st;
    volatile int never = 0, raised = 1;
    char err[1024];
    size_t i;

    (void)state;
    for (i = 0; i < 6; i++) {
        tasks[i].scn = scn;
        tasks[i].seed = 40 + i;
    }
    assert_int_equal(sim_replicate_cancellable(tasks, 6, 2, NULL, NULL, &raised, results,
                                               err, sizeof err), SIM_ECANCELED);
    assert_string_equal(err, "cancelled after 0 of 6 replications");
    for (i = 0; i < 6; i++)
        assert_null(results[i].values);
    assert_int_equal(sim_replicate_cancellable(tasks, 6, 1, cancel_on_progress, &ca,
                                               &ca.cancel, results, err, sizeof err),
                     SIM_ECANCELED);
    assert_string_equal(err, "cancelled after 2 of 6 replications");
    for (i = 0; i < 6; i++)
        assert_null(results[i].names);
    assert_string_equal(sim_rc_str(SIM_ECANCELED), "cancelled");

    plain = replicate(tasks, 6, 2);
    assert_int_equal(sim_replicate_cancellable(tasks, 6, 2, NULL, NULL, &never, results,
                                               err, sizeof err), SIM_OK);
    for (i = 0; i < 6; i++)
        assert_memory_equal(plain[i].values, results[i].values,
                            plain[i].nunits * SIM_NMETRICS * sizeof(double));
    for (i = 0; i < 6; i++)
        sim_rep_result_free(&results[i]);

    /* the outage: off from the start, on again half-way */
    assert_int_equal(sim_scenario_add_event(off, "off", 0, "big.example.org", "enabled",
                                            "false", err, sizeof err), SIM_OK);
    assert_int_equal(sim_scenario_add_event(off, "on", 12 * 3600000, "big.example.org",
                                            "enabled", "true", err, sizeof err), SIM_OK);
    tasks[0].scn = off;
    assert_int_equal(sim_replicate(tasks, 1, 1, NULL, NULL, results, err, sizeof err),
                     SIM_OK);
    assert_true(metric(&results[0], "big.example.org", SIM_METRIC_DONE) <
                0.8 * metric(&plain[0], "big.example.org", SIM_METRIC_DONE));
    sim_rep_result_free(&results[0]);
    free_results(plain, 6);
    sim_scenario_free(off);

    sim_study_init(&st, SIM_STUDY_WHATIF);
    assert_int_equal(sim_study_whatif(&st, "a", "b", scn, load("capacity_whatif"), err,
                                      sizeof err), SIM_OK);
    assert_int_equal(sim_study_set_replications(&st, 3, 1, err, sizeof err), SIM_OK);
    st.cancel = &raised;
    assert_int_equal(sim_study_run(&st, 1, 1, 2, NULL, NULL, err, sizeof err),
                     SIM_ECANCELED);
    assert_string_equal(err, "cancelled after 0 of 6 replications");
    assert_null(st.values);
    sim_study_free(&st);
}

/* The metrics are the engine's report, with counts taken after the warm-up. */
static void test_replicate_metrics(void **state)
{
    sim_scenario *scn = load("arrivals");
    sim_rep_task task = {scn, 77};
    sim_rep_result *r = replicate(&task, 1, 1);
    pilotdb *db = NULL;
    sim_engine *eng = NULL;
    sim_ce_stats st, warm;
    char err[512];
    size_t u;

    (void)state;
    assert_int_equal(pilotdb_open(":memory:", PILOTDB_OPEN_CREATE, &db, err, sizeof err),
                     PILOTDB_OK);
    assert_int_equal(sim_engine_new(scn, db, 77, &eng, err, sizeof err), SIM_OK);
    assert_int_equal(r->nunits, sim_report_ce_count(eng) + 1);
    /* counts at the warm-up (2h), from the same seed in a separate run */
    assert_int_equal(sim_engine_run_until(eng, 2 * 3600000LL), SIM_OK);
    for (u = 0; u < r->nunits; u++) {
        assert_int_equal(sim_report_ce(eng, u, &warm), SIM_OK);
        assert_string_equal(r->names[u], warm.name);
    }
    assert_int_equal(sim_report_ce(eng, r->nunits - 1, &warm), SIM_OK);
    assert_int_equal(sim_engine_run(eng), SIM_OK);
    assert_int_equal(sim_report_ce(eng, r->nunits - 1, &st), SIM_OK);
    assert_true(warm.done > 0 && warm.refused > 0);
    assert_true(metric(r, "total", SIM_METRIC_DONE) == (double)(st.done - warm.done));
    assert_true(metric(r, "total", SIM_METRIC_FAILED) ==
                (double)(st.failed_before_start + st.failed_running -
                         warm.failed_before_start - warm.failed_running));
    assert_true(metric(r, "total", SIM_METRIC_REFUSED) == (double)(st.refused - warm.refused));
    assert_true(metric(r, "total", SIM_METRIC_THROUGHPUT) == st.throughput_per_hour);
    assert_true(metric(r, "total", SIM_METRIC_UTILIZATION) == st.utilization);
    assert_true(metric(r, "total", SIM_METRIC_PEAK_ACTIVE) == (double)st.peak_active);
    sim_engine_free(eng);
    assert_int_equal(pilotdb_close(db), PILOTDB_OK);
    free_results(r, 1);

    assert_int_equal(sim_metric_find("utilization"), SIM_METRIC_UTILIZATION);
    assert_int_equal(sim_metric_find("speed"), -1);
    assert_string_equal(sim_metric_name(SIM_METRIC_PEAK_ACTIVE), "peak_active");
    assert_null(sim_metric_name(SIM_NMETRICS));
    {
        sim_rep_result res;
        task.seed = (uint64_t)SIM_SEED_MAX + 1;
        assert_int_equal(sim_replicate(&task, 1, 1, NULL, NULL, &res, err, sizeof err),
                         SIM_EINVAL);
        assert_non_null(strstr(err, "seed"));
    }
    sim_scenario_free(scn);
}

/* ---- common random numbers ------------------------------------------------------ */

static double sample_variance(const double *x, size_t n)
{
    sim_interval iv;

    assert_int_equal(sim_interval_mean(x, n, 0.95, &iv), SIM_OK);
    return iv.sd * iv.sd;
}

/* Shipped capacity_whatif.ini, the big site with 50 % more slots from the
 * start: the variance of the paired difference in total throughput with
 * the same seeds is a fraction of that with independent seeds. */
static void test_crn_reduces_variance(void **state)
{
    enum { N = 20 };
    const char *change = "ce.big.example.org.capacity=+50%";
    sim_scenario *base = load("capacity_whatif"), *variant = load("capacity_whatif");
    sim_rep_task tasks[3 * N];
    sim_rep_result *r;
    double crn[N], ind[N], var_crn, var_ind;
    size_t i;

    (void)state;
    set_ok(variant, change);
    for (i = 0; i < N; i++) {
        tasks[i] = (sim_rep_task){base, 1000 + i};
        tasks[N + i] = (sim_rep_task){variant, 1000 + i};     /* common */
        tasks[2 * N + i] = (sim_rep_task){variant, 5000 + i}; /* independent */
    }
    r = replicate(tasks, 3 * N, 2);
    for (i = 0; i < N; i++) {
        double b = metric(&r[i], "total", SIM_METRIC_THROUGHPUT);
        crn[i] = metric(&r[N + i], "total", SIM_METRIC_THROUGHPUT) - b;
        ind[i] = metric(&r[2 * N + i], "total", SIM_METRIC_THROUGHPUT) - b;
    }
    var_crn = sample_variance(crn, N);
    var_ind = sample_variance(ind, N);
    print_message("[ crn      ] %s: var(difference) %.3f with common seeds, %.3f with "
                  "independent seeds (ratio %.3f)\n", change, var_crn, var_ind,
                  var_crn / var_ind);
    /* F(19, 19) upper 0.1 % point is 4.3: demand more than that */
    if (!(var_crn * 5 < var_ind))
        fail_msg("common random numbers do not reduce the variance: %.4f vs %.4f "
                 "(seeds 1000..1019 vs 5000..5019); " RERUN, var_crn, var_ind);
    free_results(r, 3 * N);
    sim_scenario_free(variant);
    sim_scenario_free(base);
}

/* ---- coverage on a known answer ------------------------------------------------- */


/* A loss system (M/G/c/c): 20 arrivals per hour, 2 + 28 minutes in system,
 * 10 slots: a = 10 erlangs offered, and the mean number of busy slots is
 * a (1 - B(10, a)), whatever the service time distribution.  100 batches of
 * 3 replications each: the 95 % t interval (2 df) of mean utilization must
 * cover the theory about 95 times; the normal 1.96 would cover it about 81
 * times, so the test tells the two apart. */
static void test_coverage_erlang(void **state)
{
    enum { BATCHES = 100, N = 3 };
    const char *text = "[scenario]\nduration = 1d\nwarmup = 3h\npolicy = arrivals\n"
                       "cycle = 1h\nsample_interval = 1d\n"
                       "[ce loss]\ncapacity = 10\narrival_rate = 20\n"
                       "queue_time = exp(2m)\nrun_time = exp(28m)\n";
    const double a = 20 * 0.5, want = a * (1 - sim_check_erlang_b(10, a)) / 10;
    sim_scenario *scn = NULL;
    sim_rep_task tasks[BATCHES * N];
    sim_rep_result *r;
    double sum = 0, x[N];
    size_t b, i;
    int covered = 0;
    char err[512];

    (void)state;
    if (sim_scenario_parse(text, "loss.ini", &scn, err, sizeof err) != SIM_OK)
        fail_msg("%s", err);
    for (i = 0; i < BATCHES * N; i++)
        tasks[i] = (sim_rep_task){scn, 1 + i};
    r = replicate(tasks, BATCHES * N, 2);
    for (b = 0; b < BATCHES; b++) {
        sim_interval iv;
        for (i = 0; i < N; i++) {
            x[i] = metric(&r[b * N + i], "total", SIM_METRIC_UTILIZATION);
            sum += x[i];
        }
        assert_int_equal(sim_interval_mean(x, N, 0.95, &iv), SIM_OK);
        covered += iv.low <= want && want <= iv.high;
    }
    print_message("[ coverage ] Erlang loss system: theory %.5f, mean of %d runs %.5f, "
                  "%d of %d intervals cover it\n", want, BATCHES * N,
                  sum / (BATCHES * N), covered, BATCHES);
    /* Binomial(100, 0.95): P(X < 89) = 0.004; Binomial(100, 0.81): P(X >= 89) = 0.03 */
    if (covered < 89)
        fail_msg("only %d of %d 95%% intervals cover the Erlang mean %.5f (seeds 1..%d); "
                 RERUN, covered, BATCHES, want, BATCHES * N);
    free_results(r, BATCHES * N);
    sim_scenario_free(scn);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest stats[] = {
        cmocka_unit_test(test_t_quantile_closed_forms),
        cmocka_unit_test(test_t_quantile_table),
        cmocka_unit_test(test_t_refusals_and_beta),
        cmocka_unit_test(test_intervals),
        cmocka_unit_test(test_interval_coverage_normal),
    };
    const struct CMUnitTest override[] = {
        cmocka_unit_test(test_override_values),
        cmocka_unit_test(test_override_refusals),
        cmocka_unit_test(test_add_event),
    };
    const struct CMUnitTest replicate_tests[] = {
        cmocka_unit_test(test_replicate_jobs),
        cmocka_unit_test(test_replicate_metrics),
        cmocka_unit_test(test_replicate_cancel),
    };
    const struct CMUnitTest crn[] = {
        cmocka_unit_test(test_crn_reduces_variance),
    };
    const struct CMUnitTest coverage[] = {
        cmocka_unit_test(test_coverage_erlang),
    };
    const struct fx_group groups[] = {
        FX_GROUP("stats", stats, NULL, NULL),
        FX_GROUP("override", override, NULL, NULL),
        FX_GROUP("replicate", replicate_tests, NULL, NULL),
        FX_GROUP("crn", crn, NULL, NULL),
        FX_GROUP("coverage", coverage, NULL, NULL),
    };

    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
