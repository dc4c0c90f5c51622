/*
 * test_store_diff.c - the differential test of the engine's two stores:
 * every shipped scenario over many seeds, once into a pilot database (as
 * `sim` writes it) and once into the store in memory (as replications run),
 * must give byte-identical reports: the text table, the JSON and the CSV
 * time series, at a pause on the way (stepping) and at the end.  A
 * forecast's scenario (pilots carried over from a database's state) is a
 * case too, and so is a what-if study through both stores on 1 and 2
 * threads (every replication's values the same doubles).  Each case is a
 * group (a CTest test of its own).
 *
 * Seeds: SEEDS for every scenario, large.ini cut at 2 h too in an
 * optimized build (the clang stage of scripts/check; 20 in a debug or
 * sanitized build, where 200 would take minutes); under valgrind a few.  A
 * shipped scenario missing from the table fails the suite, so a new one
 * cannot go unchecked.  A failure names the scenario and seed, the output
 * and its first differing line.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fit.h"
#include "fixtures.h"
#include "pilotsim.h"
#include "sim_check.h"

#define SEEDS 200
/* large.ini's seeds: all of them where the build is fast enough */
#ifdef STORE_DIFF_FULL
#define LARGE_SEEDS SEEDS
#else
#define LARGE_SEEDS 20
#endif
#define VALGRIND_SEEDS 2
#define H 3600000LL

struct case_def {
    const char *name;   /* scenarios/NAME.ini */
    int64_t until_ms;   /* 0: the whole scenario */
    int seeds;          /* 0: SEEDS */
};

static const struct case_def cases[] = {
    {"tutorial", 0, 0},
    {"outage", 0, 0},
    {"capacity_whatif", 0, 0},
    {"flaky_ban", 0, 0},
    {"arrivals", 0, 0},
    {"demo", 0, 0},
    {"grid50", 0, 0},
    {"large", 2 * H, LARGE_SEEDS},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* What one run gave: its outputs, malloc()ed. */
struct outputs {
    char *text[2], *json[2], *csv; /* [0]: at the pause, [1]: at the end */
};

static void outputs_free(struct outputs *o)
{
    for (int i = 0; i < 2; i++) {
        free(o->text[i]);
        free(o->json[i]);
    }
    free(o->csv);
}

/* Run scn with seed into a database (db) or into memory (db NULL): to
 * pause, then to until. */
static void run(const sim_scenario *scn, uint64_t seed, pilotdb *db, int64_t pause,
                int64_t until, struct outputs *o, const char *what)
{
    sim_engine *eng = NULL;
    size_t csv_len = 0;
    FILE *csv = open_memstream(&o->csv, &csv_len);
    char err[512];
    sim_rc rc;

    assert_non_null(csv);
    rc = db ? sim_engine_new(scn, db, seed, &eng, err, sizeof err)
            : sim_engine_new_memory(scn, seed, &eng, err, sizeof err);
    if (rc != SIM_OK)
        fail_msg("%s (%s): %s", what, db ? "sqlite" : "memory", err);
    assert_int_equal(sim_engine_set_csv(eng, csv), SIM_OK);
    for (int i = 0; i < 2; i++) {
        if (sim_engine_run_until(eng, i == 0 ? pause : until) != SIM_OK)
            fail_msg("%s (%s): %s", what, db ? "sqlite" : "memory", sim_engine_errmsg(eng));
        o->text[i] = sim_report_text(eng);
        o->json[i] = sim_report_json(eng);
        assert_non_null(o->text[i]);
        assert_non_null(o->json[i]);
    }
    sim_engine_free(eng);
    assert_int_equal(fclose(csv), 0);
}

/* Fail unless a and b are the same bytes, naming the first differing line. */
static void same(const char *a, const char *b, const char *output, const char *what)
{
    int line = 1;
    size_t i = 0, start = 0;

    if (strcmp(a, b) == 0)
        return;
    while (a[i] && a[i] == b[i]) {
        if (a[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    fail_msg("%s: the %s differs between the stores at line %d:\n  sqlite: %.120s\n"
             "  memory: %.120s", what, output, line, a + start, b + start);
}

/* Both stores on scn with seed, to until (pausing half way). */
static void compare(const sim_scenario *scn, uint64_t seed, int64_t until, const char *what)
{
    pilotdb *db = NULL;
    struct outputs sq = {0}, mem = {0};
    char err[512];

    /* as `pilotdeck --db :memory: sim` opens it */
    assert_int_equal(pilotdb_open(":memory:", PILOTDB_OPEN_CREATE | PILOTDB_OPEN_SCRATCH, &db,
                                  err, sizeof err), PILOTDB_OK);
    run(scn, seed, db, until / 2, until, &sq, what);
    assert_int_equal(pilotdb_close(db), PILOTDB_OK);
    run(scn, seed, NULL, until / 2, until, &mem, what);
    for (int i = 0; i < 2; i++) {
        same(sq.text[i], mem.text[i], i ? "text report" : "text report at the pause", what);
        same(sq.json[i], mem.json[i], i ? "JSON report" : "JSON report at the pause", what);
    }
    same(sq.csv, mem.csv, "CSV time series", what);
    outputs_free(&sq);
    outputs_free(&mem);
}

static void run_case(const struct case_def *c)
{
    const char *path = sim_check_scenario_path(c->name);
    sim_scenario *scn = sim_check_load(path);
    int seeds = sim_check_under_valgrind() ? VALGRIND_SEEDS : c->seeds ? c->seeds : SEEDS;
    int64_t until = c->until_ms ? c->until_ms : sim_scenario_duration(scn);

    for (int i = 0; i < seeds; i++) {
        uint64_t seed = i == 0 ? sim_scenario_seed(scn) : 1000 + (uint64_t)i * 7919;
        char what[1024];
        snprintf(what, sizeof what, "scenario %s seed %llu until %llds (the database's "
                 "side: pilotdeck --db :memory: sim %s --seed %llu --until %llds --json; "
                 "the memory's: test_store_diff %s)", c->name,
                 (unsigned long long)seed, (long long)(until / 1000), path,
                 (unsigned long long)seed, (long long)(until / 1000), c->name);
        compare(scn, seed, until, what);
    }
    sim_scenario_free(scn);
}

static void test_scenario_case(void **state)
{
    run_case(*state);
}

/* A forecast's scenario: grid50 simulated for 12 h into a database, fitted
 * with its active pilots carried over, run on for 3 h through both. */
static void test_forecast(void **state)
{
    sim_fit_options opt = {INT64_MIN, INT64_MAX, NULL, 0, 30, 0, "forecast", 0, 0};
    sim_scenario *scn = sim_check_load(sim_check_scenario_path("grid50")), *fc = NULL;
    sim_engine *eng = NULL;
    sim_fit *fit = NULL;
    pilotdb *db = NULL;
    char err[1024];
    int seeds = sim_check_under_valgrind() ? 1 : 10;

    (void)state;
    assert_int_equal(sim_scenario_set(scn, "scenario.duration=12h", err, sizeof err), SIM_OK);
    assert_int_equal(pilotdb_open(":memory:", PILOTDB_OPEN_CREATE | PILOTDB_OPEN_SCRATCH, &db,
                                  err, sizeof err), PILOTDB_OK);
    assert_int_equal(sim_engine_new(scn, db, 7, &eng, err, sizeof err), SIM_OK);
    assert_int_equal(sim_engine_run(eng), SIM_OK);
    sim_engine_free(eng);
    if (sim_fit_run(db, &opt, &fit, err, sizeof err) != SIM_OK)
        fail_msg("fit: %s", err);
    if (sim_fit_scenario_new(fit, 1, &fc, err, sizeof err) != SIM_OK ||
        sim_scenario_set(fc, "scenario.duration=3h", err, sizeof err) != SIM_OK)
        fail_msg("forecast scenario: %s", err);
    assert_true(sim_fit_active(fit, NULL) > 0);
    for (int i = 0; i < seeds; i++) {
        char what[256];
        snprintf(what, sizeof what, "forecast of grid50 (12 h, seed 7) seed %d", 100 + i);
        compare(fc, 100 + (uint64_t)i, sim_scenario_duration(fc), what);
    }
    sim_fit_free(fit);
    sim_scenario_free(fc);
    sim_scenario_free(scn);
    fx_close(db);
}

/* A what-if study of capacity_whatif.ini (+10 % capacity) through both
 * stores, on 1 and 2 threads: every value of every replication the same
 * double, so the intervals and reports are too. */
static void run_study(sim_store_kind store, unsigned jobs, sim_study *st)
{
    const char *path = sim_check_scenario_path("capacity_whatif");
    sim_scenario *base = sim_check_load(path), *variant = sim_check_load(path);
    char err[1024];

    sim_study_init(st, SIM_STUDY_WHATIF);
    assert_int_equal(sim_scenario_set(variant, "ce.*.capacity=+10%", err, sizeof err), SIM_OK);
    if (sim_study_whatif(st, path, "capacity +10%", base, variant, err, sizeof err) != SIM_OK ||
        sim_study_set_replications(st, sim_check_under_valgrind() ? 2 : 12, 1, err,
                                   sizeof err) != SIM_OK)
        fail_msg("study: %s", err);
    st->store = store;
    if (sim_study_run(st, 1, 1, jobs, NULL, NULL, err, sizeof err) != SIM_OK)
        fail_msg("study (%s, %u jobs): %s", store == SIM_STORE_MEMORY ? "memory" : "sqlite",
                 jobs, err);
}

static void test_study(void **state)
{
    sim_study runs[3];
    static const struct {
        sim_store_kind store;
        unsigned jobs;
    } how[3] = {{SIM_STORE_SQLITE, 1}, {SIM_STORE_MEMORY, 1}, {SIM_STORE_MEMORY, 2}};
    size_t r, c, u;
    int m;

    (void)state;
    for (r = 0; r < 3; r++)
        run_study(how[r].store, how[r].jobs, &runs[r]);
    for (r = 1; r < 3; r++) {
        assert_int_equal(runs[r].nunits, runs[0].nunits);
        for (u = 0; u < runs[0].nunits; u++)
            assert_string_equal(sim_study_unit_name(&runs[r], u),
                                sim_study_unit_name(&runs[0], u));
        for (c = 0; c < 2; c++)
            for (size_t rep = 0; rep < runs[0].nrep; rep++)
                for (u = 0; u < runs[0].nunits; u++)
                    for (m = 0; m < SIM_NMETRICS; m++) {
                        double a = sim_study_value(&runs[0], c, rep, u, m);
                        double b = sim_study_value(&runs[r], c, rep, u, m);
                        if (memcmp(&a, &b, sizeof a) != 0)
                            fail_msg("configuration %zu replication %zu unit %s metric %s: "
                                     "sqlite %.17g, memory (%u jobs) %.17g", c, rep,
                                     sim_study_unit_name(&runs[0], u), sim_metric_name(m),
                                     a, how[r].jobs, b);
                    }
    }
    for (r = 0; r < 3; r++)
        sim_study_free(&runs[r]);
}

/* Every scenarios/NAME.ini is in the table. */
static void test_every_scenario(void **state)
{
    char dir[4096];
    const char *one = sim_check_scenario_path("x");
    DIR *d;
    struct dirent *e;
    int seen = 0;

    (void)state;
    snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(one, '/') - one), one);
    assert_non_null(d = opendir(dir));
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), i;
        if (len < 5 || strcmp(e->d_name + len - 4, ".ini") != 0)
            continue;
        for (i = 0; i < NCASES; i++)
            if (strlen(cases[i].name) == len - 4 &&
                strncmp(cases[i].name, e->d_name, len - 4) == 0)
                break;
        if (i == NCASES)
            fail_msg("scenarios/%s has no case in test_store_diff.c", e->d_name);
        seen++;
    }
    closedir(d);
    assert_int_equal(seen, NCASES);
}

int main(int argc, char **argv)
{
    static struct CMUnitTest tests[NCASES];
    static const struct CMUnitTest forecast[] = {cmocka_unit_test(test_forecast)};
    static const struct CMUnitTest every[] = {cmocka_unit_test(test_every_scenario)};
    static const struct CMUnitTest study[] = {cmocka_unit_test(test_study)};
    struct fx_group groups[NCASES + 3];

    /* one group of one test per scenario, both named after it */
    for (size_t i = 0; i < NCASES; i++) {
        struct CMUnitTest test = cmocka_unit_test_prestate(test_scenario_case,
                                                           (void *)&cases[i]);
        test.name = cases[i].name;
        tests[i] = test;
        groups[i] = (struct fx_group){cases[i].name, &tests[i], 1, NULL, NULL};
    }
    groups[NCASES] = (struct fx_group)FX_GROUP("forecast", forecast, NULL, NULL);
    groups[NCASES + 1] = (struct fx_group)FX_GROUP("scenarios", every, NULL, NULL);
    groups[NCASES + 2] = (struct fx_group)FX_GROUP("study", study, NULL, NULL);
    return fx_run_groups(argc, argv, groups, NCASES + 3);
}
