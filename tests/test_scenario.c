/*
 * test_scenario.c - scenario files: what parses, and every refusal naming
 * its file and line; durations, numbers and distributions.
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
#include "pilotsim.h"
#include "scenario.h"

#define HEAD "[scenario]\nduration = 1h\n"
#define CE_A "[ce a]\ncapacity = 5\n"

static void test_durations(void **state)
{
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {{"500ms", 500}, {"90s", 90000}, {"15m", 900000}, {"2h", 7200000},
                {"3d", 259200000}, {"1.5h", 5400000}, {"0s", 0}, {"0.001s", 1}};
    static const char *const bad[] = {"", "90", "h", "1x", "-1s", "1.5.5h", "1 h",
                                      "s90", "1e3s", "99999999999999999d"};
    size_t i;
    int64_t ms;

    (void)state;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(sim_parse_duration(good[i].text, &ms), 0);
        assert_int_equal(ms, good[i].ms);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (sim_parse_duration(bad[i], &ms) == 0)
            fail_msg("'%s' parsed as %lld ms", bad[i], (long long)ms);
    }
}

static void test_decimal_matches_strtod(void **state)
{
    static const char *const texts[] = {"0.95", "0.1", "0.3", "123.456", "1",
                                        "0.000001", "99999.99999", "0.7"};
    size_t i;
    double v;

    (void)state;
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        assert_int_equal(sim_parse_decimal(texts[i], NULL, &v), 0);
        assert_true(v == strtod(texts[i], NULL));
    }
    assert_int_not_equal(sim_parse_decimal("abc", NULL, &v), 0);
    assert_int_not_equal(sim_parse_decimal(".", NULL, &v), 0);
}

static void test_distributions(void **state)
{
    static const struct {
        const char *text;
        double mean, sd;
    } cases[] = {{"fixed(10m)", 600000, 0}, {"uniform(1m, 5m)", 180000, 69282},
                 {"exp(30m)", 1800000, 1800000}, {"lognormal(2h, 30m)", 7200000, 1800000}};
    static const char *const bad[] = {"normal(1h)", "exp", "exp(1h", "exp(1h,2h)",
                                      "uniform(5m,1m)", "fixed(10)", "lognormal(0s,1m)",
                                      "exp()", "exp(1h) x"};
    char why[200];
    size_t i;
    int k, n = 200000;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_dist d;
        pcg32_random_t rng;
        double sum = 0, sum2 = 0, mean, sd;
        assert_int_equal(sim_dist_parse(cases[i].text, &d, why, sizeof why), 0);
        assert_true(fabs(sim_dist_mean(&d) - cases[i].mean) < 1e-6);
        pcg32_srandom(&rng, 1, 2);
        for (k = 0; k < n; k++) {
            double x = (double)sim_dist_sample(&d, &rng);
            sum += x;
            sum2 += x * x;
        }
        mean = sum / n;
        sd = sqrt(sum2 / n - mean * mean);
        /* 5 standard errors, plus the 0.5 ms rounding */
        if (fabs(mean - cases[i].mean) > 5 * cases[i].sd / sqrt(n) + 1)
            fail_msg("%s: mean %f, want %f", cases[i].text, mean, cases[i].mean);
        if (fabs(sd - cases[i].sd) > 0.02 * cases[i].sd + 1)
            fail_msg("%s: sd %f, want %f", cases[i].text, sd, cases[i].sd);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim_dist d;
        if (sim_dist_parse(bad[i], &d, why, sizeof why) == 0)
            fail_msg("'%s' parsed", bad[i]);
    }
}

static void test_full_scenario(void **state)
{
    const char *text =
        "; comment\n"
        "[scenario]\n"
        "name = demo\n"
        "seed = 9223372036854775807\n"
        "duration = 2d\n"
        "cycle = 90s\n"
        "max_per_cycle = 7\n"
        "policy = director\n"
        "failure_model = tutorial\n"
        "fail_before_start = 0.5\n"
        "sample_interval = 15m\n"
        "warmup = 1h\n"
        "backoff_cycles = 2\n"
        "ban_threshold = 0.4\n"
        "ban_window = 10\n"
        "ban_duration = 30m\n"
        "\n"
        "[ce zeta]\n"
        "capacity = 10\n"
        "success_rate = 0.75   ; inline comment\n"
        "enabled = no\n"
        "max_waiting = 3\n"
        "queue_time = exp(5m)\n"
        "run_time = lognormal(1h, 10m)\n"
        "[group g]\n"
        "count = 3\n"
        "capacity = 4\n"
        "[event late]\n"
        "at = 3h\n"
        "ce = g-0002\n"
        "capacity = 9\n"
        "[event early]\n"
        "at = 1h\n"
        "ce = zeta\n"
        "enabled = yes\n"
        "running = fail\n";
    sim_scenario *scn = NULL;
    char err[512];

    (void)state;
    assert_int_equal(sim_scenario_parse(text, "demo.ini", &scn, err, sizeof err), SIM_OK);
    assert_string_equal(sim_scenario_name(scn), "demo");
    assert_true(sim_scenario_seed(scn) == 9223372036854775807ULL);
    assert_int_equal(sim_scenario_duration(scn), 2 * 86400000LL);
    assert_int_equal(scn->cycle, 90000);
    assert_int_equal(scn->max_per_cycle, 7);
    assert_string_equal(scn->failure->name, "tutorial");
    assert_int_equal(scn->ban_window, 10);
    assert_int_equal(sim_scenario_ce_count(scn), 4);
    assert_string_equal(sim_scenario_ce_name(scn, 0), "zeta");
    assert_string_equal(sim_scenario_ce_name(scn, 3), "g-0003");
    assert_null(sim_scenario_ce_name(scn, 4));
    assert_int_equal(scn->ces[0].enabled, 0);
    assert_int_equal(scn->ces[0].max_waiting, 3);
    assert_true(scn->ces[0].success_rate == 0.75);
    assert_int_equal(scn->ces[1].max_waiting, -1);
    assert_int_equal(scn->nevents, 2);
    assert_string_equal(scn->events[0].name, "early"); /* sorted by time */
    assert_int_equal(scn->events[0].fail_active, 1);
    assert_int_equal(scn->events[0].set, PILOTDB_SET_ENABLED);
    assert_int_equal(scn->events[1].ce_index, 2);
    assert_int_equal(scn->events[1].set, PILOTDB_SET_CAPACITY);
    sim_scenario_free(scn);

    /* defaults: name from the file name */
    assert_int_equal(sim_scenario_parse(HEAD CE_A, "dir/x.ini", &scn, err, sizeof err),
                     SIM_OK);
    assert_string_equal(sim_scenario_name(scn), "x.ini");
    assert_string_equal(scn->policy->name, "director");
    sim_scenario_free(scn);
}

/* Each bad input and the exact "file:line: message" start it must give. */
static void test_refusals(void **state)
{
    static const struct {
        const char *text;
        const char *error; /* prefix of the message */
    } cases[] = {
        {HEAD CE_A "[cee b]\ncapacity = 1\n", "t.ini:5: unknown section [cee b]"},
        {HEAD "colour = red\n" CE_A, "t.ini:3: unknown key 'colour' in [scenario]"},
        {HEAD CE_A "capacity = 6\n", "t.ini:5: key 'capacity' given twice"},
        {HEAD CE_A "success_rate = high\n", "t.ini:5: success_rate = 'high' is not a number"},
        {HEAD CE_A "success_rate = 1.5\n", "t.ini:5: success_rate = 1.5 is out of range"},
        {HEAD "[ce a]\ncapacity = -1\n", "t.ini:4: capacity = -1 is out of range"},
        {HEAD "[ce a]\ncapacity = 1.5\n", "t.ini:4: capacity = '1.5' is not a whole number"},
        {"[scenario]\nduration = 90\n" CE_A, "t.ini:2: duration = '90' is not a duration"},
        {"[scenario]\nduration = 0s\n" CE_A, "t.ini:2: duration = 0s is out of range"},
        {HEAD CE_A "run_time = normal(1h)\n", "t.ini:5: run_time: unknown distribution"},
        {HEAD CE_A "enabled = maybe\n", "t.ini:5: enabled = 'maybe' is not true or false"},
        {HEAD "policy = random\n" CE_A, "t.ini:3: policy = 'random' is unknown"},
        {HEAD CE_A "[event e]\nat = 10m\nce = nosuch\nenabled = false\n",
         "t.ini:7: event 'e' names unknown CE 'nosuch'"},
        {HEAD CE_A "[event e]\nat = 2h\nce = a\nenabled = false\n",
         "t.ini:6: event 'e' is after the end"},
        {HEAD CE_A "[event e]\nce = a\nenabled = false\n", "t.ini:5: [event e] needs at"},
        {HEAD CE_A "[event e]\nat = 1m\nce = a\n", "t.ini:5: [event e] changes nothing"},
        {HEAD "[ce a]\nsuccess_rate = 1\n", "t.ini:3: [ce a] needs a capacity"},
        {HEAD "[ce a]\ncount = 2\ncapacity = 1\n", "t.ini:4: unknown key 'count' in [ce a]"},
        {HEAD "[group g]\ncapacity = 1\n", "t.ini:3: [group g] needs a count"},
        {HEAD CE_A "[ce a]\ncapacity = 1\n", "t.ini:5: section [ce a] appears twice"},
        {HEAD "[group g]\ncount = 2\ncapacity = 1\n[ce g-0002]\ncapacity = 1\n",
         "t.ini:6: CE 'g-0002' is defined twice (first on line 3)"},
        {HEAD CE_A "[scenario]\nseed = 3\n", "t.ini:5: section [scenario] appears twice"},
        {"[scenario]\nname = x\n" CE_A, "t.ini:1: [scenario] needs a duration"},
        {HEAD, "t.ini:2: the scenario has no [ce NAME]"},
        {"duration = 1h\n" CE_A, "t.ini:1: key outside any section"},
        {HEAD CE_A "this line has no equals sign\n", "t.ini:5: syntax error"},
        {HEAD CE_A "[ce]\ncapacity = 1\n", "t.ini:5: section [ce] needs a name"},
        {HEAD "warmup = 2h\n" CE_A, "t.ini:3: warmup must be shorter"},
        {HEAD "arrival_rate = 10\n" CE_A, "t.ini:3: arrival_rate needs policy = arrivals"},
        {HEAD "policy = arrivals\n" CE_A, "t.ini:3: policy = arrivals needs an arrival_rate"},
        {HEAD CE_A "; a comment that is far too long for the line buffer of inih "
                   "......................................................................"
                   "..................................................................................\n",
         "t.ini:5: line too long"},
        {HEAD "seed = 9223372036854775808\n" CE_A, "t.ini:3: seed = 9223372036854775808 is out"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_scenario *scn = (sim_scenario *)1;
        char err[512];
        sim_rc rc = sim_scenario_parse(cases[i].text, "t.ini", &scn, err, sizeof err);
        if (rc != SIM_EPARSE)
            fail_msg("case %zu parsed (rc %d), want: %s", i, rc, cases[i].error);
        assert_null(scn);
        if (strncmp(err, cases[i].error, strlen(cases[i].error)) != 0)
            fail_msg("case %zu: got '%s', want '%s...'", i, err, cases[i].error);
    }
}

static void test_load_files(void **state)
{
    const char *src = getenv("PILOTDECK_SOURCE_DIR");
    char path[4096], err[512];
    sim_scenario *scn = NULL;

    (void)state;
    assert_int_equal(sim_scenario_load("/nonexistent/x.ini", &scn, err, sizeof err),
                     SIM_EIO);
    assert_null(scn);
    assert_non_null(strstr(err, "/nonexistent/x.ini"));
    if (!src)
        skip();
    snprintf(path, sizeof path, "%s/scenarios/large.ini", src);
    assert_int_equal(sim_scenario_load(path, &scn, err, sizeof err), SIM_OK);
    assert_int_equal(sim_scenario_ce_count(scn), 1000);
    assert_string_equal(sim_scenario_ce_name(scn, 999), "site-1000");
    sim_scenario_free(scn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_decimal_matches_strtod),
        cmocka_unit_test(test_distributions),
        cmocka_unit_test(test_full_scenario),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_load_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
