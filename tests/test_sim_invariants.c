/*
 * test_sim_invariants.c - every small shipped scenario over many seeds
 * (SEEDS, fewer under valgrind): capacity is never exceeded, no submission
 * goes to a CE a timeline event disabled, counts are conserved between the
 * engine and the database, the event history replays to the pilot rows, and
 * pilotdb_check() passes.  Each scenario is a group (a CTest test of its
 * own); long scenarios are cut at UNTIL to keep the suite fast.
 *
 * A failure names the scenario and seed and prints the command to reproduce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "pilotsim.h"
#include "sim_check.h"

#define SEEDS 200
#define VALGRIND_SEEDS 3

struct case_def {
    const char *name;
    int64_t until_ms;   /* 0: the whole scenario */
    int check_enabled;  /* no banning: only the timeline disables CEs */
};

static const struct case_def cases[] = {
    {"tutorial", 6 * 3600000LL, 1},
    {"outage", 0, 1},
    {"capacity_whatif", 14 * 3600000LL, 1},
    {"flaky_ban", 0, 0},
    {"arrivals", 12 * 3600000LL, 0},
    {"grid50", 3 * 3600000LL, 1},
};

static void run_case(const struct case_def *c)
{
    const char *path = sim_check_scenario_path(c->name);
    sim_scenario *scn = sim_check_load(path);
    int seeds = sim_check_under_valgrind() ? VALGRIND_SEEDS : SEEDS, i;

    for (i = 0; i < seeds; i++) {
        uint64_t seed = 1000 + (uint64_t)i * 7919;
        pilotdb *db = fx_template_db();
        sim_engine *eng = NULL;
        char err[512], what[1024];
        int64_t until = c->until_ms ? c->until_ms : sim_scenario_duration(scn);
        char until_text[32];

        snprintf(until_text, sizeof until_text, "%llds", (long long)(until / 1000));
        snprintf(what, sizeof what, "scenario %s seed %llu (reproduce: pilotdeck "
                 "--db check.db sim %s --seed %llu --until %s, then inspect check.db)",
                 c->name, (unsigned long long)seed, path, (unsigned long long)seed,
                 until_text);
        if (sim_engine_new(scn, db, seed, &eng, err, sizeof err) != SIM_OK)
            fail_msg("%s: %s", what, err);
        if (sim_engine_run_until(eng, until) != SIM_OK)
            fail_msg("%s: %s", what, sim_engine_errmsg(eng));
        sim_check_run(db, scn, eng, c->check_enabled, what);
        sim_engine_free(eng);
        fx_close(db);
    }
    sim_scenario_free(scn);
}

static void test_scenario_case(void **state)
{
    run_case(*state);
}

int main(int argc, char **argv)
{
    enum { NCASES = sizeof cases / sizeof cases[0] };
    struct CMUnitTest tests[NCASES];
    struct fx_group groups[NCASES];
    size_t i;

    /* one group of one test per scenario, both named after it */
    for (i = 0; i < NCASES; i++) {
        struct CMUnitTest test = cmocka_unit_test_prestate(test_scenario_case,
                                                           (void *)&cases[i]);
        test.name = cases[i].name;
        tests[i] = test;
        groups[i] = (struct fx_group){cases[i].name, &tests[i], 1, NULL, NULL};
    }
    return fx_run_groups(argc, argv, groups, NCASES);
}
