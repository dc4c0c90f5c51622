/*
 * test_sim_engine.c - the engine's step API and its promises: stepping gives
 * the same run as one call, CE changes written by others between steps take
 * effect, common random numbers across CEs, byte-identical reports and CSV
 * for a seed, refusals that leave the database unchanged, and the failures
 * of a step (a full database, a CSV that cannot be written) that stop the
 * engine with no transaction left open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fixtures.h"
#include "pilotsim.h"
#include "sim_check.h"

#define H 3600000LL

static sim_scenario *parse(const char *text)
{
    sim_scenario *scn = NULL;
    char err[512];

    if (sim_scenario_parse(text, "test.ini", &scn, err, sizeof err) != SIM_OK)
        fail_msg("%s", err);
    return scn;
}

static sim_engine *engine(const sim_scenario *scn, pilotdb *db, uint64_t seed)
{
    sim_engine *eng = NULL;
    char err[512];

    if (sim_engine_new(scn, db, seed, &eng, err, sizeof err) != SIM_OK)
        fail_msg("sim_engine_new: %s", err);
    return eng;
}

/* The event history as text, for comparing two databases. */
static int append_event(void *arg, const pilotdb_event *ev)
{
    FILE *out = arg;
    fprintf(out, "%lld %lld %d %d %lld\n", (long long)ev->pilot_id, (long long)ev->ce_id,
            ev->from_status, ev->to_status, (long long)ev->at);
    return 0;
}

static char *history(pilotdb *db)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    assert_non_null(out);
    fx_ok(db, pilotdb_events_foreach(db, NULL, append_event, out));
    fclose(out);
    return text;
}

static void test_steps_equal_one_run(void **state)
{
    sim_scenario *scn = sim_check_load(sim_check_scenario_path("outage"));
    pilotdb *db1 = fx_template_db(), *db2 = fx_template_db();
    sim_engine *one = engine(scn, db1, 3), *steps = engine(scn, db2, 3);
    char *j1, *j2, *h1, *h2;
    int64_t t = 0;

    (void)state;
    assert_int_equal(sim_engine_run(one), SIM_OK);
    assert_true(sim_engine_done(one));
    while (!sim_engine_done(steps)) {
        t += 7 * 60000 + 1234; /* odd steps, across cycles and events */
        assert_int_equal(sim_engine_run_until(steps, t), SIM_OK);
        assert_false(pilotdb_in_transaction(db2));
        assert_true(sim_engine_now(steps) == (t < sim_engine_duration(steps)
                                                  ? t : sim_engine_duration(steps)));
    }
    j1 = sim_report_json(one);
    j2 = sim_report_json(steps);
    assert_string_equal(j1, j2);
    h1 = history(db1);
    h2 = history(db2);
    assert_string_equal(h1, h2);
    /* running on after the end changes nothing */
    assert_int_equal(sim_engine_run_until(steps, t + H), SIM_OK);
    free(j2);
    j2 = sim_report_json(steps);
    assert_string_equal(j1, j2);
    free(j1);
    free(j2);
    free(h1);
    free(h2);
    sim_engine_free(one);
    sim_engine_free(steps);
    fx_close(db1);
    fx_close(db2);
    sim_scenario_free(scn);
}

struct after {
    int64_t t;
    int64_t ce_id;
    int64_t submissions;
};

static int count_submissions_after(void *arg, const pilotdb_event *ev)
{
    struct after *a = arg;
    if (ev->from_status == -1 && ev->ce_id == a->ce_id && ev->at > a->t)
        a->submissions++;
    return 0;
}

/* The dashboard's part: change CEs in the database between steps. */
static void test_external_changes_take_effect(void **state)
{
    sim_scenario *scn = parse("[scenario]\nduration = 12h\ncycle = 2m\n"
                              "[ce a]\ncapacity = 20\nrun_time = exp(30m)\n"
                              "[ce b]\ncapacity = 20\nrun_time = exp(30m)\n");
    pilotdb *db = fx_template_db();
    sim_engine *eng = engine(scn, db, 1);
    pilotdb_ce_change off = {PILOTDB_SET_ENABLED, 0, 0, 0};
    pilotdb_ce_change shrink = {PILOTDB_SET_CAPACITY, 4, 0, 0};
    pilotdb_ce ce;
    struct after a;
    sim_ce_stats st;

    (void)state;
    assert_int_equal(sim_engine_run_until(eng, 2 * H), SIM_OK);
    fx_ok(db, pilotdb_ce_update(db, "a", &off));
    fx_ok(db, pilotdb_ce_update(db, "b", &shrink));
    assert_int_equal(sim_engine_run_until(eng, 6 * H), SIM_OK);

    fx_ok(db, pilotdb_ce_get(db, "a", &ce));
    memset(&a, 0, sizeof a);
    a.t = 2 * H;
    a.ce_id = ce.id;
    fx_ok(db, pilotdb_events_foreach(db, NULL, count_submissions_after, &a));
    assert_int_equal(a.submissions, 0);
    assert_int_equal(ce.active, 0); /* its pilots ended, none replaced */
    assert_int_equal(sim_report_ce(eng, 0, &st), SIM_OK);
    assert_string_equal(st.name, "a");
    assert_int_equal(st.enabled, 0);

    fx_ok(db, pilotdb_ce_get(db, "b", &ce));
    assert_true(ce.active <= 4);
    assert_int_equal(sim_report_ce(eng, 1, &st), SIM_OK);
    assert_int_equal(st.capacity, 4);

    /* and back on */
    off.enabled = 1;
    fx_ok(db, pilotdb_ce_update(db, "a", &off));
    assert_int_equal(sim_engine_run_until(eng, 7 * H), SIM_OK);
    fx_ok(db, pilotdb_ce_get(db, "a", &ce));
    assert_int_equal(ce.active, 20);
    sim_engine_free(eng);
    fx_close(db);
    sim_scenario_free(scn);
}

/* Adding a CE, or changing another CE, leaves a CE's own draws alone. */
static void test_common_random_numbers(void **state)
{
    static const char *const texts[] = {
        "[scenario]\nduration = 1d\n"
        "[ce x]\ncapacity = 10\nsuccess_rate = 0.7\nqueue_time = exp(5m)\nrun_time = exp(1h)\n",
        "[scenario]\nduration = 1d\n"
        "[ce x]\ncapacity = 10\nsuccess_rate = 0.7\nqueue_time = exp(5m)\nrun_time = exp(1h)\n"
        "[ce y]\ncapacity = 30\nsuccess_rate = 0.2\nrun_time = lognormal(2h, 1h)\n",
        "[scenario]\nduration = 1d\n"
        "[ce w]\ncapacity = 3\n"
        "[ce x]\ncapacity = 10\nsuccess_rate = 0.7\nqueue_time = exp(5m)\nrun_time = exp(1h)\n"
        "[ce y]\ncapacity = 5\nsuccess_rate = 0.9\n",
    };
    sim_ce_stats first, st;
    size_t i, k;

    (void)state;
    for (i = 0; i < 3; i++) {
        sim_scenario *scn = parse(texts[i]);
        pilotdb *db = fx_template_db();
        sim_engine *eng = engine(scn, db, 77);
        assert_int_equal(sim_engine_run(eng), SIM_OK);
        for (k = 0; k < sim_report_ce_count(eng); k++) {
            assert_int_equal(sim_report_ce(eng, k, &st), SIM_OK);
            if (strcmp(st.name, "x") == 0)
                break;
        }
        if (i == 0)
            first = st;
        assert_int_equal(st.submitted, first.submitted);
        assert_int_equal(st.done, first.done);
        assert_int_equal(st.failed_running, first.failed_running);
        assert_true(st.mean_time_in_system_s == first.mean_time_in_system_s);
        sim_engine_free(eng);
        fx_close(db);
        sim_scenario_free(scn);
    }
}

static void run_capture(const sim_scenario *scn, uint64_t seed, char **text,
                        char **json, char **csv)
{
    pilotdb *db = fx_template_db();
    sim_engine *eng = engine(scn, db, seed);
    size_t len = 0;
    FILE *out = open_memstream(csv, &len);

    assert_non_null(out);
    assert_int_equal(sim_engine_set_csv(eng, out), SIM_OK);
    assert_int_equal(sim_engine_run(eng), SIM_OK);
    assert_int_equal(sim_engine_set_csv(eng, NULL), SIM_EMISUSE);
    *text = sim_report_text(eng);
    *json = sim_report_json(eng);
    sim_engine_free(eng);
    fclose(out);
    fx_close(db);
}

static void test_reports_are_reproducible(void **state)
{
    sim_scenario *scn = sim_check_load(sim_check_scenario_path("flaky_ban"));
    char *t1, *j1, *c1, *t2, *j2, *c2, *t3, *j3, *c3;

    (void)state;
    run_capture(scn, 5, &t1, &j1, &c1);
    run_capture(scn, 5, &t2, &j2, &c2);
    run_capture(scn, 6, &t3, &j3, &c3);
    assert_string_equal(t1, t2);
    assert_string_equal(j1, j2);
    assert_string_equal(c1, c2);
    assert_string_not_equal(j1, j3);
    assert_string_not_equal(c1, c3);
    assert_true(strncmp(c1, "t_ms,ce,capacity,enabled,waiting,running,done,failed,", 50) == 0);
    /* 1d / 1h samples + the one at 0, two CEs, one header */
    {
        int lines = 0;
        for (const char *p = c1; *p; p++)
            lines += *p == '\n';
        assert_int_equal(lines, 1 + 25 * 2);
    }
    assert_non_null(strstr(t1, "scenario flaky_ban, seed 5"));
    free(t1), free(j1), free(c1), free(t2), free(j2), free(c2), free(t3), free(j3), free(c3);
    sim_scenario_free(scn);
}

static int count_ces(pilotdb *db)
{
    pilotdb_ce *ces = NULL;
    size_t n = 0;

    fx_ok(db, pilotdb_ce_list(db, 0, &ces, &n));
    pilotdb_free(ces);
    return (int)n;
}

static void test_refusals_leave_db_alone(void **state)
{
    sim_scenario *scn = parse("[scenario]\nduration = 1h\n[ce a]\ncapacity = 1\n"
                              "[ce zz]\ncapacity = 1\n");
    pilotdb *db = fx_template_db();
    sim_engine *eng = (sim_engine *)1;
    char err[512];

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "zz", 5, 1.0, 1, NULL));
    assert_int_equal(sim_engine_new(scn, db, 1, &eng, err, sizeof err), SIM_EDB);
    assert_null(eng);
    assert_non_null(strstr(err, "'zz' exists already"));
    assert_int_equal(count_ces(db), 1);
    assert_false(pilotdb_in_transaction(db));

    eng = (sim_engine *)1;
    assert_int_equal(sim_engine_new(scn, db, (uint64_t)INT64_MAX + 1, &eng, err, sizeof err),
                     SIM_EINVAL);
    assert_null(eng);
    assert_int_equal(count_ces(db), 1);
    fx_close(db);

    /* a database of real (wall-clock) data is not the simulation's */
    db = fx_template_db();
    fx_ok(db, pilotdb_clock_claim(db, PILOTDB_CLOCK_WALL));
    eng = (sim_engine *)1;
    assert_int_equal(sim_engine_new(scn, db, 1, &eng, err, sizeof err), SIM_EDB);
    assert_null(eng);
    assert_string_equal(err, "this database holds wall-clock times (real data); "
                             "a simulation needs a database of its own");
    assert_int_equal(count_ces(db), 0);
    assert_false(pilotdb_in_transaction(db));
    fx_close(db);
    sim_scenario_free(scn);
}

static void test_clock_is_virtual_then_restored(void **state)
{
    sim_scenario *scn = parse("[scenario]\nduration = 3h\n[ce a]\ncapacity = 2\n");
    pilotdb *db = fx_template_db();
    sim_engine *eng = engine(scn, db, 1);
    pilotdb_clock_type kind = PILOTDB_CLOCK_UNSET;

    (void)state;
    fx_ok(db, pilotdb_clock_kind(db, &kind));
    assert_int_equal(kind, PILOTDB_CLOCK_SIM);
    assert_int_equal(sim_engine_run_until(eng, 90 * 60000), SIM_OK);
    assert_int_equal(pilotdb_now(db), 90 * 60000);
    assert_int_equal(sim_engine_now(eng), 90 * 60000);
    assert_false(sim_engine_done(eng));
    sim_engine_free(eng);
    /* the wall clock again: some time after 2020 */
    assert_true(pilotdb_now(db) > 1577836800000LL);
    fx_close(db);
    sim_scenario_free(scn);
}

/* A loss system refuses arrivals at a full CE and counts them. */
static void test_arrivals_refused_when_full(void **state)
{
    sim_scenario *scn = parse("[scenario]\nduration = 1d\npolicy = arrivals\n"
                              "[ce tiny]\ncapacity = 1\narrival_rate = 60\n"
                              "queue_time = fixed(0s)\nrun_time = fixed(30m)\n"
                              "[ce off]\ncapacity = 5\nenabled = false\narrival_rate = 10\n");
    pilotdb *db = fx_template_db();
    sim_engine *eng = engine(scn, db, 4);
    sim_ce_stats st;

    (void)state;
    assert_int_equal(sim_engine_run(eng), SIM_OK);
    sim_check_run(db, scn, eng, 1, "arrivals at a tiny CE");
    assert_int_equal(sim_report_ce(eng, 1, &st), SIM_OK);
    assert_string_equal(st.name, "tiny");
    /* one 30-minute pilot at a time: at most 49 in a day */
    assert_in_range(st.submitted, 40, 49);
    assert_in_range(st.refused, 1300, 1600);
    assert_int_equal(sim_report_ce(eng, 0, &st), SIM_OK);
    assert_string_equal(st.name, "off");
    assert_int_equal(st.submitted, 0);
    assert_in_range(st.refused, 150, 330);
    sim_engine_free(eng);
    fx_close(db);
    sim_scenario_free(scn);
}

/* Banning disables a CE whose recent pilots mostly fail, and re-probes it. */
static void test_banning_and_reprobe(void **state)
{
    sim_scenario *scn = parse("[scenario]\nduration = 1d\nban_threshold = 0.5\n"
                              "ban_window = 10\nban_duration = 2h\n"
                              "[ce bad]\ncapacity = 5\nsuccess_rate = 0.1\n"
                              "run_time = fixed(20m)\n");
    pilotdb *db = fx_template_db();
    sim_engine *eng = engine(scn, db, 8);
    sim_ce_stats st;

    (void)state;
    assert_int_equal(sim_engine_run(eng), SIM_OK);
    assert_int_equal(sim_report_ce(eng, 0, &st), SIM_OK);
    assert_true(st.bans >= 3);
    /* banned most of the time: far fewer pilots than 5 slots x 3 per hour */
    assert_true(st.submitted < 5 * 3 * 24 / 2);
    sim_check_run(db, scn, eng, 0, "banning");
    sim_engine_free(eng);
    fx_close(db);
    sim_scenario_free(scn);
}

/* A small run that writes many pilots: far more than a few pages. */
static const char busy_scenario[] = "[scenario]\nduration = 1d\n"
                                    "[ce a]\ncapacity = 50\nsuccess_rate = 0.7\n"
                                    "queue_time = exp(5m)\nrun_time = exp(20m)\n"
                                    "[ce b]\ncapacity = 20\n";

/* After a failed step: nothing open, the database consistent, and the engine
 * refusing to go on with SIM_EMISUSE while it keeps its message. */
static void check_stopped(sim_engine *eng, pilotdb *db, const char *message)
{
    int64_t now = sim_engine_now(eng);

    assert_false(pilotdb_in_transaction(db));
    fx_ok(db, pilotdb_check(db, NULL));
    assert_int_equal(sim_engine_run_until(eng, sim_engine_duration(eng)), SIM_EMISUSE);
    assert_int_equal(sim_engine_run(eng), SIM_EMISUSE);
    assert_true(sim_engine_now(eng) == now);
    assert_non_null(strstr(sim_engine_errmsg(eng), message));
}

/* PRAGMA max_page_count a few pages above the database with the CEs in it:
 * a step fails as the batch that does not fit is written. */
static void test_database_full(void **state)
{
    sim_scenario *scn = parse(busy_scenario);
    pilotdb *db = fx_memory_db();
    sim_engine *eng = engine(scn, db, 11);
    sqlite3 *sdb = pilotdb_sqlite(db);
    sqlite3_stmt *stmt = NULL;
    char sql[64];
    long long pages;

    (void)state;
    assert_int_equal(sqlite3_prepare_v2(sdb, "PRAGMA page_count", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    pages = sqlite3_column_int64(stmt, 0);
    assert_int_equal(sqlite3_finalize(stmt), SQLITE_OK);
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", pages + 3);
    assert_int_equal(sqlite3_exec(sdb, sql, NULL, NULL, NULL), SQLITE_OK);

    assert_int_equal(sim_engine_run_until(eng, sim_engine_duration(eng)), SIM_EDB);
    print_message("[ engine   ] full after %lld s of virtual time: %s\n",
                  (long long)(sim_engine_now(eng) / 1000), sim_engine_errmsg(eng));
    assert_false(sim_engine_done(eng));
    check_stopped(eng, db, "database is full");
    sim_engine_free(eng);
    fx_close(db);
    sim_scenario_free(scn);
}

/* A CSV sink that refuses every write: buffered, the error shows when the
 * step flushes; unbuffered, at the first sample inside the step's batch. */
static void test_csv_write_error(void **state)
{
    sim_scenario *scn = parse(busy_scenario);
    int buffered;

    (void)state;
    for (buffered = 1; buffered >= 0; buffered--) {
        pilotdb *db = fx_memory_db();
        sim_engine *eng = engine(scn, db, 12);
        FILE *out = fopen("/dev/full", "w");

        if (!out)
            fail_msg("opening /dev/full: cannot test a CSV write error here");
        if (!buffered)
            assert_int_equal(setvbuf(out, NULL, _IONBF, 0), 0);
        assert_int_equal(sim_engine_set_csv(eng, out), SIM_OK);
        assert_int_equal(sim_engine_run_until(eng, 2 * H), SIM_EIO);
        /* buffered: the batches were committed, only the flush failed;
         * unbuffered: the first sample failed, its batch rolled back */
        if (buffered)
            assert_true(sim_engine_now(eng) == 2 * H);
        else
            assert_true(sim_engine_now(eng) < 2 * H);
        check_stopped(eng, db, "CSV");
        sim_engine_free(eng);
        fclose(out);
        fx_close(db);
    }
    sim_scenario_free(scn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps_equal_one_run),
        cmocka_unit_test(test_external_changes_take_effect),
        cmocka_unit_test(test_common_random_numbers),
        cmocka_unit_test(test_reports_are_reproducible),
        cmocka_unit_test(test_refusals_leave_db_alone),
        cmocka_unit_test(test_clock_is_virtual_then_restored),
        cmocka_unit_test(test_arrivals_refused_when_full),
        cmocka_unit_test(test_banning_and_reprobe),
        cmocka_unit_test(test_database_full),
        cmocka_unit_test(test_csv_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
