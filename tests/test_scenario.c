/*
 * test_scenario.c - scenario files: what parses, and every refusal naming
 * its file and line; durations, numbers and distributions; the table of
 * scenario keys: every key parses from a file and from --set
 * (sim_scenario_set) alike, the table's defaults are valid, and the key
 * tables of scenarios/README.md list exactly the table's keys.
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
#include "keys.h"
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

    /* a whole number may be written with zero decimals (a sweep's 10.0) */
    assert_int_equal(sim_scenario_parse(HEAD "[ce a]\ncapacity = 10.0\n", "t.ini", &scn, err,
                                        sizeof err), SIM_OK);
    assert_int_equal(scn->ces[0].capacity, 10);
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
        {HEAD "policy = arrivals\narrival_rate = 100000001\n" CE_A,
         "t.ini:4: arrival_rate = 100000001 is out of range (0 to 100000000)"},
        {HEAD "[ce a]\ncapacity = 10.5\n", "t.ini:4: capacity = '10.5' is not a whole number"},
        /* what the database refuses as a CE name: C0, DEL, C1 (U+0089), not UTF-8 */
        {HEAD "[ce a\tb]\ncapacity = 1\n", "t.ini:3: the name in [ce] must be"},
        {HEAD "[ce a\x7f]\ncapacity = 1\n", "t.ini:3: the name in [ce] must be"},
        {HEAD "[ce a\xc2\x89]\ncapacity = 1\n", "t.ini:3: the name in [ce] must be"},
        {HEAD "[ce a\xc0\xaf]\ncapacity = 1\n", "t.ini:3: the name in [ce] must be"},
        {HEAD "[ce \xed\xa0\x80]\ncapacity = 1\n", "t.ini:3: the name in [ce] must be"},
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

/* ---- the key table ---------------------------------------------------------- */

/* Values to try for each type: good ones, bad ones, edges of the ranges. */
static const char *const int_values[] = {
    "0", "1", "7", "20", "10.0", "1.5", "-1", "-0", "lots", "1e3", "0x10", "100000",
    "100001", "1000000", "1000001", "1000000000", "1000000001", "99999999999999999999"};
static const char *const real_values[] = {
    "0", "0.5", "1", "0.25", "1.5", "-0.2", "high", "nan", ".5", "5.", "1e3", "0.1x",
    "100000000", "100000001", "2.5"};
static const char *const duration_values[] = {
    "0s", "500ms", "999ms", "1s", "90s", "2h", "1.5h", "30d", "31d", "3660d", "3661d",
    "90", "-1h", "h", "1 h"};
static const char *const bool_values[] = {
    "true", "false", "yes", "no", "on", "off", "1", "0", "maybe", "TRUE", "2"};
static const char *const dist_values[] = {
    "fixed(3m)", "exp(30m)", "uniform(1m, 5m)", "lognormal(2h, 30m)", "normal(1h)",
    "30m", "uniform(5m,1m)", "exp(0s)", "fixed(10)"};

static void values_of(const struct sim_key *key, const char *const **values, size_t *n)
{
#define PICK(a) (*values = (a), *n = sizeof(a) / sizeof((a)[0]))
    switch (key->type) {
    case SIM_KEY_INT: PICK(int_values); break;
    case SIM_KEY_REAL: PICK(real_values); break;
    case SIM_KEY_DURATION: PICK(duration_values); break;
    case SIM_KEY_BOOL: PICK(bool_values); break;
    case SIM_KEY_DIST: PICK(dist_values); break;
    default: *values = NULL, *n = 0; break;
    }
#undef PICK
}

/* A scenario file setting key (in section, SIM_IN_SCENARIO or SIM_IN_CE) to
 * value, and the line it is on. */
static int scenario_text(char *buf, size_t size, const struct sim_key *key, unsigned section,
                         const char *value)
{
    int is_duration = strcmp(key->name, "duration") == 0;
    int is_capacity = strcmp(key->name, "capacity") == 0;

    if (section == SIM_IN_SCENARIO) {
        snprintf(buf, size, "[scenario]\n%s%s = %s\n[ce a]\ncapacity = 5\n",
                 is_duration ? "" : "duration = 1d\n", key->name, value);
        return is_duration ? 2 : 3;
    }
    snprintf(buf, size, "[scenario]\nduration = 1d\n[ce a]\n%s%s = %s\n",
             is_capacity ? "" : "capacity = 5\n", key->name, value);
    return is_capacity ? 4 : 5;
}

static void *field_of(sim_scenario *scn, const struct sim_key *key, unsigned section)
{
    if (section == SIM_IN_SCENARIO)
        return (char *)scn + key->offset[SIM_STRUCT_SCENARIO];
    return (char *)&scn->ces[0] + key->offset[SIM_STRUCT_CE];
}

static int same_value(const struct sim_key *key, const void *a, const void *b)
{
    switch (key->type) {
    case SIM_KEY_INT:
    case SIM_KEY_DURATION:
        return *(const int64_t *)a == *(const int64_t *)b;
    case SIM_KEY_REAL:
        return *(const double *)a == *(const double *)b;
    case SIM_KEY_BOOL:
        return *(const int *)a == *(const int *)b;
    case SIM_KEY_DIST:
        return ((const sim_dist *)a)->cls == ((const sim_dist *)b)->cls &&
               sim_dist_mean(a) == sim_dist_mean(b);
    default:
        return 0;
    }
}

/* One key, one value: the file and both --set forms agree. */
static void check_alike(const struct sim_key *key, unsigned section, const char *value)
{
    char text[512], assignment[256], what[128], ini_err[512], set_err[512], want[512];
    char prefix[128];
    sim_scenario *from_file = NULL, *base = NULL;
    int line = scenario_text(text, sizeof text, key, section, value);
    sim_rc file_rc = sim_scenario_parse(text, "t.ini", &from_file, ini_err, sizeof ini_err);
    sim_rc set_rc;
    int relative;

    /* the same scenario without the key, then the key set with --set */
    snprintf(what, sizeof what, "%s%s", section == SIM_IN_SCENARIO ? "scenario." : "ce.a.",
             key->name);
    snprintf(assignment, sizeof assignment, "%s=%s", what, value);
    for (relative = 0; relative < 2; relative++) {
        if (relative && value[0] == '-')
            continue; /* a change in sim_scenario_set() */
        scenario_text(text, sizeof text, key, section, strcmp(key->name, "duration") == 0
                      ? "1d" : strcmp(key->name, "capacity") == 0 ? "5" : key->dflt
                      ? key->dflt : "0");
        if (sim_scenario_parse(text, "t.ini", &base, set_err, sizeof set_err) != SIM_OK)
            fail_msg("%s: the base scenario does not parse: %s", key->name, set_err);
        set_rc = relative ? sim_scenario_set(base, assignment, set_err, sizeof set_err)
                          : sim_scenario_set_absolute(base, assignment, set_err,
                                                      sizeof set_err);
        if ((file_rc == SIM_OK) != (set_rc == SIM_OK))
            fail_msg("%s: the file %s '%s' (%s), --set%s %s it (%s)", what,
                     file_rc == SIM_OK ? "takes" : "refuses", value,
                     file_rc == SIM_OK ? "" : ini_err, relative ? "" : " (absolute)",
                     set_rc == SIM_OK ? "takes" : "refuses", set_rc == SIM_OK ? "" : set_err);
        if (file_rc == SIM_OK && !same_value(key, field_of(from_file, key, section),
                                             field_of(base, key, section)))
            fail_msg("%s = %s: the file and --set give different values", what, value);
        /* a refused value: the same words about it */
        snprintf(prefix, sizeof prefix, "t.ini:%d: %s%s", line, key->name, sim__key_sep(key));
        if (file_rc != SIM_OK && strncmp(ini_err, prefix, strlen(prefix)) == 0) {
            snprintf(want, sizeof want, "%s: %s", assignment, ini_err + strlen(prefix));
            if (strncmp(set_err, want, strlen(want)) != 0)
                fail_msg("%s: the file says '%s', --set '%s'", what, ini_err, set_err);
        }
        sim_scenario_free(base);
        base = NULL;
    }
    sim_scenario_free(from_file);
}

static void test_file_and_set_alike(void **state)
{
    static const unsigned sections[] = {SIM_IN_SCENARIO, SIM_IN_CE};
    const struct sim_key *key;
    size_t i, k, n, checked = 0;
    const char *const *values;

    (void)state;
    for (key = sim__keys; key->name; key++) {
        for (i = 0; i < 2; i++) {
            char err[512], assignment[128];
            sim_scenario *scn = NULL;
            if (!(key->sections & sections[i]))
                continue;
            if (!key->settable) {
                /* not for --set: refused as unknown, whatever the value */
                assert_int_equal(sim_scenario_parse("[scenario]\nduration = 1h\n[ce a]\n"
                                                    "capacity = 1\n", "t.ini", &scn, err,
                                                    sizeof err), SIM_OK);
                snprintf(assignment, sizeof assignment, "%s%s=%s", i == 0 ? "scenario."
                         : "ce.a.", key->name, key->dflt ? key->dflt : "1");
                assert_int_equal(sim_scenario_set(scn, assignment, err, sizeof err),
                                 SIM_EINVAL);
                if (!strstr(err, "unknown"))
                    fail_msg("%s: '%s'", assignment, err);
                sim_scenario_free(scn);
                continue;
            }
            values_of(key, &values, &n);
            if (n == 0)
                fail_msg("%s can be set but the test has no values of its type", key->name);
            for (k = 0; k < n; k++)
                check_alike(key, sections[i], values[k]);
            checked++;
        }
    }
    assert_true(checked >= 18);
}

/* Room for any key's field. */
union key_field {
    int64_t i;
    double d;
    int b;
    sim_dist dist;
    char *s;
    const void *p;
};

/* The table itself: names unique in a section, defaults that parse, every
 * key of a section the parser knows. */
static void test_table(void **state)
{
    const struct sim_key *key, *other;
    union key_field scratch;
    char why[300];

    (void)state;
    for (key = sim__keys; key->name; key++) {
        assert_true(key->sections != 0);
        assert_non_null(key->help);
        for (other = sim__keys; other < key; other++)
            if ((other->sections & key->sections) && strcmp(other->name, key->name) == 0)
                fail_msg("%s is in the table twice for one section", key->name);
        if (key->dflt) {
            memset(&scratch, 0, sizeof scratch);
            if (sim__key_parse(key, key->dflt, &scratch, why, sizeof why) != SIM_KEY_OK)
                fail_msg("%s: the default '%s' does not parse: %s", key->name, key->dflt,
                         why);
        }
        if (key->settable)
            assert_true(key->sections & (SIM_IN_SCENARIO | SIM_IN_CE));
        assert_ptr_equal(sim__key_of(key->sections & -key->sections,
                                     key->offset[sim__key_struct(key->sections &
                                                                 -key->sections)]), key);
    }
    /* The parser keeps a line per key in arrays of SIM_NKEYS: a row added
     * without raising it is refused by the compiler (excess elements); a
     * count left too high leaves an empty row before the end, found here. */
    if (key - sim__keys != SIM_NKEYS)
        fail_msg("sim__keys has %td keys, SIM_NKEYS says %d", key - sim__keys, SIM_NKEYS);
}

/* sim__key_format() writes what sim__key_parse() reads back to the same
 * value, for every key type (fit writes scenarios with it). */
static void test_key_format(void **state)
{
    static const struct {
        const char *key;
        unsigned section;
        const char *value, *written; /* written: NULL when the same */
    } cases[] = {
        {"duration", SIM_IN_SCENARIO, "2d", NULL},
        {"duration", SIM_IN_SCENARIO, "90m", NULL},
        {"duration", SIM_IN_SCENARIO, "1.5h", "90m"},
        {"warmup", SIM_IN_SCENARIO, "0s", "0ms"},
        {"cycle", SIM_IN_SCENARIO, "1500ms", NULL},
        {"seed", SIM_IN_SCENARIO, "9223372036854775807", NULL},
        {"max_per_cycle", SIM_IN_SCENARIO, "40", NULL},
        {"fail_before_start", SIM_IN_SCENARIO, "0.2666", NULL},
        {"fail_before_start", SIM_IN_SCENARIO, "1", NULL},
        {"policy", SIM_IN_SCENARIO, "arrivals", NULL},
        {"failure_model", SIM_IN_SCENARIO, "tutorial", NULL},
        {"routing", SIM_IN_SCENARIO, "uniform", NULL},
        {"name", SIM_IN_SCENARIO, "fit of grid.db", NULL},
        {"success_rate", SIM_IN_CE, "0.8968", NULL},
        {"arrival_rate", SIM_IN_CE, "0.000001", NULL},
        {"enabled", SIM_IN_CE, "no", "false"},
        {"capacity", SIM_IN_CE, "1000000000", NULL},
        {"queue_time", SIM_IN_CE, "exp(649.6s)", NULL},
        {"queue_time", SIM_IN_CE, "fixed(0ms)", NULL},
        {"run_time", SIM_IN_CE, "lognormal(11010s, 3618s)", NULL},
        {"run_time", SIM_IN_CE, "uniform(30m, 1.5h)", "uniform(30m, 90m)"},
        {"run_time", SIM_IN_CE, "exp(250ms)", NULL},
        {"running", SIM_IN_EVENT, "fail", NULL},
        {"at", SIM_IN_EVENT, "2h", NULL},
    };
    char why[300], text[300], again[300];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct sim_key *key = sim__key_find(cases[i].section, cases[i].key);
        union key_field a, b;
        assert_non_null(key);
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        if (sim__key_parse(key, cases[i].value, &a, why, sizeof why) != SIM_KEY_OK)
            fail_msg("%s = %s: %s", cases[i].key, cases[i].value, why);
        sim__key_format(key, &a, text, sizeof text);
        if (strcmp(text, cases[i].written ? cases[i].written : cases[i].value) != 0)
            fail_msg("%s = %s is written '%s'", cases[i].key, cases[i].value, text);
        if (sim__key_parse(key, text, &b, why, sizeof why) != SIM_KEY_OK)
            fail_msg("%s: '%s' as written does not parse: %s", cases[i].key, text, why);
        sim__key_format(key, &b, again, sizeof again);
        assert_string_equal(text, again);
        if (key->type == SIM_KEY_STRING) {
            free(a.s);
            free(b.s);
        }
    }
}

/* The keys of one README table: "| `key` | default | meaning |" rows after
 * the heading that starts with heading, until the next heading. */
static size_t readme_table(const char *readme, const char *heading, char names[][64],
                           char defaults[][64], size_t max)
{
    const char *p = strstr(readme, heading), *end;
    size_t n = 0;

    if (!p)
        fail_msg("scenarios/README.md has no heading '%s'", heading);
    end = strstr(p + 1, "\n#");
    if (!end)
        end = p + strlen(p);
    while ((p = strstr(p, "\n| `")) != NULL && p < end) {
        const char *name = p + 4, *tick = strchr(name, '`');
        const char *cell = strstr(tick, "| ") + 2, *cell_end = strstr(cell, " |");
        assert_true(n < max);
        snprintf(names[n], 64, "%.*s", (int)(tick - name), name);
        if (cell[0] == '`')
            cell++, cell_end--;
        snprintf(defaults[n], 64, "%.*s", (int)(cell_end - cell), cell);
        n++;
        p++;
    }
    return n;
}

static void test_readme_tables(void **state)
{
    static const struct {
        const char *heading;
        unsigned sections;
    } tables[] = {{"### `[scenario]`", SIM_IN_SCENARIO},
                  {"### `[ce NAME]` and `[group NAME]`", SIM_IN_CE | SIM_IN_GROUP},
                  {"### `[event NAME]`", SIM_IN_EVENT}};
    const char *src = getenv("PILOTDECK_SOURCE_DIR");
    char path[4096], names[64][64], defaults[64][64], *readme;
    const struct sim_key *key;
    size_t t, i, n, len;
    FILE *f;

    (void)state;
    if (!src)
        skip();
    snprintf(path, sizeof path, "%s/scenarios/README.md", src);
    f = fopen(path, "r");
    assert_non_null(f);
    readme = calloc(1, 1 << 20);
    assert_non_null(readme);
    len = fread(readme, 1, (1 << 20) - 1, f);
    fclose(f);
    assert_true(len > 0);
    for (t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        size_t in_table = 0;
        n = readme_table(readme, tables[t].heading, names, defaults, 64);
        for (i = 0; i < n; i++) {
            key = sim__key_find(tables[t].sections, names[i]);
            if (!key)
                fail_msg("README table %s lists '%s', which the key table has not",
                         tables[t].heading, names[i]);
            if (key->dflt && tables[t].sections != SIM_IN_EVENT &&
                strcmp(defaults[i], key->dflt) != 0)
                fail_msg("README: %s defaults to '%s', the key table says '%s'", names[i],
                         defaults[i], key->dflt);
        }
        for (key = sim__keys; key->name; key++) {
            int listed = 0;
            if (!(key->sections & tables[t].sections))
                continue;
            in_table++;
            for (i = 0; i < n; i++)
                listed |= strcmp(names[i], key->name) == 0;
            if (!listed)
                fail_msg("README table %s does not list '%s'", tables[t].heading,
                         key->name);
        }
        assert_int_equal(n, in_table);
    }
    free(readme);
}

/* The help text lists every settable key, wrapped within the width. */
static void test_help_text(void **state)
{
    char *text = NULL, *line;
    size_t size = 0;
    const struct sim_key *key;
    FILE *out = open_memstream(&text, &size);

    (void)state;
    assert_non_null(out);
    sim_scenario_keys_help(out, "lead: ", "; tail", 4, 40);
    fclose(out);
    for (key = sim__keys; key->name; key++)
        if (key->settable && !strstr(text, key->name))
            fail_msg("the help text misses %s: %s", key->name, text);
    assert_non_null(strstr(text, "lead: ce.NAME.KEY"));
    assert_non_null(strstr(text, "; tail\n"));
    for (line = text; *line; line = strchr(line, '\n') + 1)
        assert_true(strcspn(line, "\n") <= 40);
    free(text);
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
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_key_format),
        cmocka_unit_test(test_file_and_set_alike),
        cmocka_unit_test(test_readme_tables),
        cmocka_unit_test(test_help_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
