/*
 * test_db.c - cmocka tests of libpilotdb: the tutorial's behaviours, every
 * refusal, the state machine, history, the consistency check against a
 * model under random operations, migration, file checks and concurrency.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fixtures.h"
#include "pilotdb.h"
#include "schema.h"

/* ---- helpers ------------------------------------------------------------- */

static int64_t submit(pilotdb *db, const char *ce)
{
    int64_t id = 0;

    fx_ok(db, pilotdb_pilot_submit(db, ce, &id));
    assert_true(id > 0);
    return id;
}

static size_t count_status(pilotdb *db, int status, const char *ce)
{
    pilotdb_pilot_filter f = {status, ce};
    pilotdb_pilot *pilots = NULL;
    size_t n = 0;

    fx_ok(db, pilotdb_pilots_list(db, &f, &pilots, &n));
    pilotdb_free(pilots);
    return n;
}

static void expect_rc(pilotdb *db, pilotdb_rc got, pilotdb_rc want,
                      const char *needle)
{
    if (got != want)
        fail_msg("got %s (%s), wanted %s", pilotdb_rc_str(got),
                 pilotdb_errmsg(db), pilotdb_rc_str(want));
    if (needle && !strstr(pilotdb_errmsg(db), needle))
        fail_msg("message '%s' does not mention '%s'", pilotdb_errmsg(db), needle);
}

/* A small seeded generator for the randomized tests (splitmix64). */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned rng_below(unsigned n)
{
    return (unsigned)(rng_next() % n);
}

/* ---- the tutorial's seven behaviours ------------------------------------- */

static void test_add_and_get_ces(void **state)
{
    pilotdb *db = fx_template_db();
    pilotdb_ce *ces = NULL, ce;
    size_t n = 0;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "reliable-ce.example.org", 5, 1.0, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "flaky-ce.example.org", 3, 0.3, 1, NULL));
    fx_ok(db, pilotdb_ce_list(db, 1, &ces, &n));
    assert_int_equal(n, 2);
    /* Ordered by name. */
    assert_string_equal(ces[0].name, "flaky-ce.example.org");
    assert_string_equal(ces[1].name, "reliable-ce.example.org");
    assert_int_equal(ces[1].available_slots, 5);
    pilotdb_free(ces);
    fx_ok(db, pilotdb_ce_get(db, "flaky-ce.example.org", &ce));
    assert_int_equal(ce.capacity, 3);
    assert_true(ce.success_rate == 0.3);
    assert_int_equal(ce.enabled, 1);
    assert_int_equal(ce.active, 0);
    fx_close(db);
}

/* What pilotdb_ce_pilots_scan() visits: every pilot of the CE and none of
 * another, with its known times and its reason unless it is done. */
struct scan_seen {
    int64_t n, ids_sum, failed_with_reason, submitted_unknown_start;
};

static int scan_count(void *arg, const pilotdb_pilot_brief *p)
{
    struct scan_seen *seen = arg;

    seen->n++;
    seen->ids_sum += p->id;
    if (p->status == PILOT_FAILED && p->reason && strcmp(p->reason, "lost") == 0)
        seen->failed_with_reason++;
    if (p->status == PILOT_SUBMITTED && p->started_at == PILOTDB_NO_TIME &&
        p->ended_at == PILOTDB_NO_TIME && p->submitted_at == 1800000000000)
        seen->submitted_unknown_start++;
    assert_true(p->status != PILOT_DONE || p->reason == NULL);
    return 0;
}

static void test_ce_pilots_scan(void **state)
{
    pilotdb *db = fx_memory_db();
    pilotdb_observation obs = { 0 };
    struct scan_seen seen = { 0 };
    int64_t id[3];

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "a", 10, 0.9, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "b", 10, 0.9, 1, NULL));
    obs.ce_name = "a";
    obs.submitted = (pilotdb_obs_time){ PILOTDB_TIME_EXACT, 1800000000000 };
    obs.ref = "r1";
    fx_ok(db, pilotdb_pilot_observe(db, &obs, NULL, &id[0]));
    obs.ref = "r2";
    obs.status = PILOT_FAILED;
    obs.ended = (pilotdb_obs_time){ PILOTDB_TIME_EXACT, 1800000060000 };
    obs.reason = "lost";
    fx_ok(db, pilotdb_pilot_observe(db, &obs, NULL, &id[1]));
    obs.ref = "r3";
    obs.status = PILOT_DONE;
    obs.started = (pilotdb_obs_time){ PILOTDB_TIME_EXACT, 1800000030000 };
    obs.reason = "finished";
    fx_ok(db, pilotdb_pilot_observe(db, &obs, NULL, &id[2]));
    obs.ref = "other";
    obs.ce_name = "b";
    fx_ok(db, pilotdb_pilot_observe(db, &obs, NULL, NULL));
    fx_ok(db, pilotdb_ce_pilots_scan(db, "a", scan_count, &seen));
    assert_int_equal(seen.n, 3);
    assert_int_equal(seen.ids_sum, id[0] + id[1] + id[2]);
    assert_int_equal(seen.failed_with_reason, 1);
    assert_int_equal(seen.submitted_unknown_start, 1);
    assert_int_equal(pilotdb_ce_pilots_scan(db, "nope", scan_count, &seen), PILOTDB_ENOTFOUND);
    assert_int_equal(pilotdb_in_transaction(db), 0);
    fx_close(db);
}

static int64_t sql_int(pilotdb *db, const char *sql);

/* The statement of db's whose SQL contains text, and its count of steps
 * through a whole table (reset). */
static int fullscan_steps(pilotdb *db, const char *text)
{
    sqlite3 *raw = pilotdb_sqlite(db);

    for (sqlite3_stmt *st = sqlite3_next_stmt(raw, NULL); st; st = sqlite3_next_stmt(raw, st))
        if (strstr(sqlite3_sql(st), text))
            return sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
    fail_msg("no statement with '%s'", text);
    return -1;
}

/* Pilots of CE "a" around 300 ended ones of "b": the oldest of all a
 * running pilot of a, then four ended and (the newest) a submitted one.
 * The sum of a's ids in *sum, the oldest's id in *first, the newest's in
 * *last. */
static void scan_fill(pilotdb *db, int64_t *first, int64_t *last, int64_t *sum)
{
    int64_t id;

    *sum = 0;
    fx_ok(db, pilotdb_ce_add(db, "a", 10, 0.9, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "b", 500, 0.9, 1, NULL));
    fx_ok(db, pilotdb_pilot_submit(db, "a", first));
    fx_ok(db, pilotdb_pilot_set_status(db, *first, PILOT_RUNNING));
    *sum += *first;
    fx_ok(db, pilotdb_begin(db));
    for (int i = 0; i < 300; i++) {
        fx_ok(db, pilotdb_pilot_submit(db, "b", &id));
        fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
        fx_ok(db, pilotdb_pilot_set_status(db, id, i % 2 ? PILOT_DONE : PILOT_FAILED));
    }
    for (int i = 0; i < 4; i++) {
        fx_ok(db, pilotdb_pilot_submit(db, "a", &id));
        fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
        fx_ok(db, pilotdb_pilot_set_status(db, id, i % 2 ? PILOT_DONE : PILOT_FAILED));
        *sum += id;
    }
    fx_ok(db, pilotdb_pilot_submit(db, "a", last));
    *sum += *last;
    fx_ok(db, pilotdb_commit(db));
}

/* On real data a CE's pilots are read without the others': the ended ones
 * from their index, the active ones back from the newest pilot only as
 * far as the oldest of them.  A simulation's ended pilots (virtual times,
 * before 1990: not in the index, which would cost the simulator's writes)
 * are found by one scan, and the same pilots are visited. */
static void test_ce_pilots_scan_reads_its_own(void **state)
{
    pilotdb *db = fx_memory_db();
    struct scan_seen seen = { 0 };
    int64_t first, last, sum, saved = fx_clock_ms;

    (void)state;
    fx_clock_ms = 1800000000000; /* 2027: real data */
    scan_fill(db, &first, &last, &sum);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM pilot INDEXED BY pilot_ended_by_ce"
                                 " WHERE ce_id > 0 AND status >= 2"
                                 " AND ended_at >= 631152000000"), 304);

    /* The oldest active pilot is the first of all: every row back to it. */
    fx_ok(db, pilotdb_ce_pilots_scan(db, "a", scan_count, &seen));
    assert_int_equal(seen.n, 6);
    assert_int_equal(seen.ids_sum, sum);
    assert_int_equal(fullscan_steps(db, "INDEXED BY pilot_ended_by_ce"), 0);
    assert_true(fullscan_steps(db, "p.status < 2") >= 300);

    /* Once it ended, the newest pilot is the only active one: no other
     * row is read. */
    fx_ok(db, pilotdb_pilot_set_status(db, first, PILOT_DONE));
    memset(&seen, 0, sizeof seen);
    fx_ok(db, pilotdb_ce_pilots_scan(db, "a", scan_count, &seen));
    assert_int_equal(seen.n, 6);
    assert_int_equal(seen.ids_sum, sum);
    assert_int_equal(fullscan_steps(db, "INDEXED BY pilot_ended_by_ce"), 0);
    assert_true(fullscan_steps(db, "p.status < 2") <= 1);

    /* No active pilot: no row of the table at all. */
    fx_ok(db, pilotdb_pilot_set_status(db, last, PILOT_RUNNING));
    fx_ok(db, pilotdb_pilot_set_status(db, last, PILOT_DONE));
    memset(&seen, 0, sizeof seen);
    fx_ok(db, pilotdb_ce_pilots_scan(db, "a", scan_count, &seen));
    assert_int_equal(seen.n, 6);
    assert_int_equal(fullscan_steps(db, "p.status < 2"), 0);
    fx_close(db);

    /* A simulation: nothing in the index, one scan for the ended. */
    db = fx_memory_db();
    fx_clock_ms = 1000;
    fx_ok(db, pilotdb_clock_claim(db, PILOTDB_CLOCK_SIM));
    scan_fill(db, &first, &last, &sum);
    memset(&seen, 0, sizeof seen);
    fx_ok(db, pilotdb_ce_pilots_scan(db, "a", scan_count, &seen));
    assert_int_equal(seen.n, 6);
    assert_int_equal(seen.ids_sum, sum);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM pilot INDEXED BY pilot_ended_by_ce"
                                 " WHERE ce_id > 0 AND status >= 2"
                                 " AND ended_at >= 631152000000"), 0);
    assert_true(fullscan_steps(db, "ended_at < 631152000000") >= 305);
    fx_close(db);
    fx_clock_ms = saved;
}

/* One CE's change log is read through its index (schema 6), not by a
 * scan of every CE's changes. */
static void test_ce_history_reads_its_own(void **state)
{
    pilotdb *db = fx_memory_db();
    pilotdb_ce_change upd = {PILOTDB_SET_CAPACITY, 12, 0.9, 1};
    pilotdb_ce_history_row *changes = NULL;
    size_t n = 0;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "a", 10, 0.9, 1, NULL));
    for (int i = 0; i < 50; i++) {
        char name[16];
        snprintf(name, sizeof name, "b%d", i);
        fx_ok(db, pilotdb_ce_add(db, name, 10, 0.9, 1, NULL));
    }
    fx_ok(db, pilotdb_ce_update(db, "a", &upd));
    fx_ok(db, pilotdb_ce_history(db, "a", INT64_MIN, &changes, &n));
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(changes[i].ce_name, "a");
    assert_int_equal(fullscan_steps(db, "h.ce_id = ?2"), 0);
    pilotdb_free(changes);
    fx_close(db);
}

static void test_disabled_ce_not_available(void **state)
{
    pilotdb *db = fx_template_db();
    pilotdb_ce *ces = NULL;
    size_t n = 7;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "disabled-ce", 5, 1.0, 0, NULL));
    fx_ok(db, pilotdb_ce_list(db, 1, &ces, &n));
    assert_int_equal(n, 0);
    assert_null(ces);
    /* The full list still shows it, with no available slot. */
    fx_ok(db, pilotdb_ce_list(db, 0, &ces, &n));
    assert_int_equal(n, 1);
    assert_int_equal(ces[0].enabled, 0);
    assert_int_equal(ces[0].available_slots, 0);
    pilotdb_free(ces);
    fx_close(db);
}

static void test_submit_pilot(void **state)
{
    pilotdb *db = fx_template_db();
    pilotdb_pilot_filter f = {PILOT_SUBMITTED, NULL};
    pilotdb_pilot *pilots = NULL;
    size_t n = 0;
    int64_t id;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "test-ce", 5, 1.0, 1, NULL));
    fx_clock_ms = 1234;
    id = submit(db, "test-ce");
    fx_ok(db, pilotdb_pilots_list(db, &f, &pilots, &n));
    assert_int_equal(n, 1);
    assert_int_equal(pilots[0].id, id);
    assert_string_equal(pilots[0].ce_name, "test-ce");
    assert_int_equal(pilots[0].status, PILOT_SUBMITTED);
    assert_int_equal(pilots[0].submitted_at, 1234);
    assert_true(pilots[0].started_at == PILOTDB_NO_TIME);
    assert_true(pilots[0].ended_at == PILOTDB_NO_TIME);
    assert_int_equal(pilots[0].updated_at, 1234);
    pilotdb_free(pilots);
    fx_close(db);
}

static void test_update_pilot_status(void **state)
{
    pilotdb *db = fx_template_db();
    pilotdb_pilot p;
    int64_t id;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "test-ce", 5, 1.0, 1, NULL));
    fx_clock_ms = 10;
    id = submit(db, "test-ce");
    fx_clock_ms = 20;
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
    assert_int_equal(count_status(db, PILOT_SUBMITTED, NULL), 0);
    assert_int_equal(count_status(db, PILOT_RUNNING, NULL), 1);
    fx_ok(db, pilotdb_pilot_get(db, id, &p));
    assert_int_equal(p.submitted_at, 10);
    assert_int_equal(p.started_at, 20);
    assert_true(p.ended_at == PILOTDB_NO_TIME);
    assert_int_equal(p.updated_at, 20);
    fx_close(db);
}

static void test_capacity_tracking(void **state)
{
    pilotdb *db = fx_template_db();
    pilotdb_pilot_filter f = {PILOT_SUBMITTED, NULL};
    pilotdb_pilot *pilots = NULL;
    pilotdb_ce *ces = NULL;
    size_t n = 0;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "small-ce", 2, 1.0, 1, NULL));
    submit(db, "small-ce");
    submit(db, "small-ce");
    fx_ok(db, pilotdb_ce_list(db, 1, &ces, &n));
    assert_int_equal(n, 0);
    fx_ok(db, pilotdb_pilots_list(db, &f, &pilots, &n));
    assert_int_equal(n, 2);
    /* The tutorial ends a SUBMITTED pilot DONE directly; our state machine
     * requires RUNNING first, and FAILED frees the slot the same way. */
    fx_ok(db, pilotdb_pilot_set_status(db, pilots[0].id, PILOT_RUNNING));
    fx_ok(db, pilotdb_pilot_set_status(db, pilots[0].id, PILOT_DONE));
    pilotdb_free(pilots);
    fx_ok(db, pilotdb_ce_list(db, 1, &ces, &n));
    assert_int_equal(n, 1);
    assert_int_equal(ces[0].available_slots, 1);
    pilotdb_free(ces);
    fx_assert_consistent(db);
    fx_close(db);
}

static void test_get_ce_success_rate(void **state)
{
    pilotdb *db = fx_template_db();
    double rate = -1;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "test-ce", 5, 0.75, 1, NULL));
    fx_ok(db, pilotdb_ce_success_rate(db, "test-ce", &rate));
    assert_true(rate == 0.75);
    expect_rc(db, pilotdb_ce_success_rate(db, "other", &rate), PILOTDB_ENOTFOUND,
              "other");
    assert_true(rate == 0.0);
    fx_close(db);
}

static void test_pilot_summary(void **state)
{
    pilotdb *db = fx_template_db();
    pilotdb_summary s;
    int64_t id;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "test-ce", 10, 1.0, 1, NULL));
    submit(db, "test-ce");
    submit(db, "test-ce");
    id = submit(db, "test-ce");
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
    fx_ok(db, pilotdb_summary_get(db, &s));
    assert_int_equal(s.count[PILOT_SUBMITTED], 2);
    assert_int_equal(s.count[PILOT_RUNNING], 1);
    assert_int_equal(s.count[PILOT_DONE], 0);
    assert_int_equal(s.count[PILOT_FAILED], 0);
    fx_close(db);
}

/* ---- refusals -------------------------------------------------------------- */

static void test_ce_add_refusals(void **state)
{
    pilotdb *db = fx_template_db();
    char long_name[PILOTDB_NAME_MAX + 2];
    pilotdb_ce *ces = NULL;
    size_t n = 1;
    int64_t id = 42;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "ce", 1, 0.5, 1, NULL));
    expect_rc(db, pilotdb_ce_add(db, "ce", 1, 0.5, 1, &id), PILOTDB_EEXISTS,
              "exists");
    assert_int_equal(id, 0);
    expect_rc(db, pilotdb_ce_add(db, "neg", -1, 0.5, 1, NULL), PILOTDB_EINVAL,
              "negative");
    expect_rc(db, pilotdb_ce_add(db, "nan", 1, NAN, 1, NULL), PILOTDB_EINVAL,
              "success rate");
    expect_rc(db, pilotdb_ce_add(db, "low", 1, -0.1, 1, NULL), PILOTDB_EINVAL,
              "outside");
    expect_rc(db, pilotdb_ce_add(db, "high", 1, 1.1, 1, NULL), PILOTDB_EINVAL,
              "outside");
    expect_rc(db, pilotdb_ce_add(db, "", 1, 0.5, 1, NULL), PILOTDB_EINVAL,
              "empty");
    expect_rc(db, pilotdb_ce_add(db, NULL, 1, 0.5, 1, NULL), PILOTDB_EINVAL,
              "empty");
    expect_rc(db, pilotdb_ce_add(db, "new\nline", 1, 0.5, 1, NULL),
              PILOTDB_EINVAL, "control");
    expect_rc(db, pilotdb_ce_add(db, "bad\xff", 1, 0.5, 1, NULL), PILOTDB_EINVAL,
              "UTF-8");
    /* C1 controls (U+009B is CSI on some terminals); U+00A0 is text */
    expect_rc(db, pilotdb_ce_add(db, "csi\xc2\x9b" "2J", 1, 0.5, 1, NULL),
              PILOTDB_EINVAL, "control");
    expect_rc(db, pilotdb_ce_add(db, "nbsp\xc2\xa0x", 1, 0.5, 1, NULL), PILOTDB_OK, "");
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    expect_rc(db, pilotdb_ce_add(db, long_name, 1, 0.5, 1, NULL),
              PILOTDB_EINVAL, "limit");
    long_name[PILOTDB_NAME_MAX] = '\0';
    fx_ok(db, pilotdb_ce_add(db, long_name, 1, 0.5, 1, NULL));
    /* Quotes, semicolons and non-ASCII are plain data. */
    fx_ok(db, pilotdb_ce_add(db, "o'brien\"; DROP TABLE ce; --", 1, 0.5, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "ce-\xc3\xa9t\xc3\xa9.example.org", 1, 0.5, 1,
                             NULL));
    fx_ok(db, pilotdb_ce_add(db, "big", INT64_MAX, 0.0, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "negzero", 0, -0.0, 1, NULL));
    fx_ok(db, pilotdb_ce_list(db, 0, &ces, &n));
    assert_int_equal(n, 7);
    for (size_t i = 0; i < n; i++)
        if (strcmp(ces[i].name, "negzero") == 0)
            assert_false(signbit(ces[i].success_rate));
    pilotdb_free(ces);
    fx_assert_consistent(db);
    fx_close(db);
}

static void test_ce_update(void **state)
{
    pilotdb *db = fx_template_db();
    pilotdb_ce_change chg = {0};
    pilotdb_ce ce;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "ce", 2, 0.5, 1, NULL));
    chg.set = PILOTDB_SET_CAPACITY | PILOTDB_SET_SUCCESS_RATE;
    chg.capacity = 7;
    chg.success_rate = 0.25;
    fx_ok(db, pilotdb_ce_update(db, "ce", &chg));
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(ce.capacity, 7);
    assert_true(ce.success_rate == 0.25);
    assert_int_equal(ce.enabled, 1);
    chg.set = PILOTDB_SET_ENABLED;
    chg.enabled = 0;
    chg.capacity = 1000; /* not selected: must not be written */
    fx_ok(db, pilotdb_ce_update(db, "ce", &chg));
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(ce.enabled, 0);
    assert_int_equal(ce.capacity, 7);

    expect_rc(db, pilotdb_ce_update(db, "nope", &chg), PILOTDB_ENOTFOUND, "nope");
    chg.set = 0;
    expect_rc(db, pilotdb_ce_update(db, "ce", &chg), PILOTDB_EINVAL, "nothing");
    chg.set = PILOTDB_SET_CAPACITY | PILOTDB_SET_ENABLED;
    chg.capacity = -5;
    chg.enabled = 1;
    expect_rc(db, pilotdb_ce_update(db, "ce", &chg), PILOTDB_EINVAL, "negative");
    chg.set = PILOTDB_SET_SUCCESS_RATE;
    chg.success_rate = 1.5;
    expect_rc(db, pilotdb_ce_update(db, "ce", &chg), PILOTDB_EINVAL, "outside");
    /* Nothing of the refused changes was written. */
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(ce.enabled, 0);
    assert_int_equal(ce.capacity, 7);
    assert_true(ce.success_rate == 0.25);
    expect_rc(db, pilotdb_ce_get(db, "nope", &ce), PILOTDB_ENOTFOUND, "nope");
    assert_int_equal(ce.id, 0);
    fx_close(db);
}

static void test_submit_refusals(void **state)
{
    pilotdb *db = fx_template_db();
    pilotdb_ce_change chg = {.set = PILOTDB_SET_CAPACITY, .capacity = 0};
    pilotdb_summary s;
    int64_t id = 99;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "off", 5, 1.0, 0, NULL));
    fx_ok(db, pilotdb_ce_add(db, "one", 1, 1.0, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "zero", 0, 1.0, 1, NULL));
    expect_rc(db, pilotdb_pilot_submit(db, "nope", &id), PILOTDB_ENOTFOUND, "nope");
    assert_int_equal(id, 0);
    expect_rc(db, pilotdb_pilot_submit(db, "off", &id), PILOTDB_EDISABLED,
              "disabled");
    expect_rc(db, pilotdb_pilot_submit(db, "zero", &id), PILOTDB_EFULL, "full");
    submit(db, "one");
    expect_rc(db, pilotdb_pilot_submit(db, "one", &id), PILOTDB_EFULL,
              "1 of 1");
    /* Capacity lowered below the active count: still no new submission. */
    fx_ok(db, pilotdb_ce_update(db, "one", &chg));
    expect_rc(db, pilotdb_pilot_submit(db, "one", &id), PILOTDB_EFULL, "full");
    fx_ok(db, pilotdb_summary_get(db, &s));
    assert_int_equal(s.count[PILOT_SUBMITTED], 1);
    fx_assert_consistent(db);
    fx_close(db);
}

/* Every pair of states: allowed exactly when the state machine says so. */
static void test_state_machine(void **state)
{
    static const int allowed[PILOT_NSTATUS][PILOT_NSTATUS] = {
        /* to:  SUB RUN DONE FAIL */
        [PILOT_SUBMITTED] = {0, 1, 0, 1},
        [PILOT_RUNNING] = {0, 0, 1, 1},
        [PILOT_DONE] = {0, 0, 0, 0},
        [PILOT_FAILED] = {0, 0, 0, 0},
    };
    pilotdb *db = fx_template_db();

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "ce", 100, 1.0, 1, NULL));
    for (int from = 0; from < PILOT_NSTATUS; from++) {
        for (int to = 0; to < PILOT_NSTATUS; to++) {
            int64_t id = submit(db, "ce");
            pilotdb_pilot p;
            pilotdb_rc rc;

            assert_int_equal(pilot_status_transition_ok(from, to),
                             allowed[from][to]);
            if (from == PILOT_RUNNING || from == PILOT_DONE)
                fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
            if (from == PILOT_DONE || from == PILOT_FAILED)
                fx_ok(db, pilotdb_pilot_set_status(db, id, from));
            rc = pilotdb_pilot_set_status(db, id, to);
            if (allowed[from][to]) {
                fx_ok(db, rc);
            } else {
                char want[128];

                snprintf(want, sizeof want, "from %s to %s",
                         pilot_status_name(from), pilot_status_name(to));
                expect_rc(db, rc, PILOTDB_ETRANSITION, want);
            }
            fx_ok(db, pilotdb_pilot_get(db, id, &p));
            assert_int_equal(p.status, allowed[from][to] ? to : from);
        }
    }
    expect_rc(db, pilotdb_pilot_set_status(db, 123456, PILOT_RUNNING),
              PILOTDB_ENOTFOUND, "123456");
    expect_rc(db, pilotdb_pilot_set_status(db, 1, (pilot_status)7),
              PILOTDB_EINVAL, "7");
    fx_assert_consistent(db);
    fx_close(db);
}

static void test_status_names(void **state)
{
    pilot_status s;

    (void)state;
    for (int i = 0; i < PILOT_NSTATUS; i++) {
        fx_ok(NULL, pilot_status_parse(pilot_status_name(i), &s));
        assert_int_equal(s, i);
    }
    fx_ok(NULL, pilot_status_parse("RUNNING", &s));
    assert_int_equal(s, PILOT_RUNNING);
    assert_int_equal(pilot_status_parse("runnin", &s), PILOTDB_EINVAL);
    assert_int_equal(pilot_status_parse(NULL, &s), PILOTDB_EINVAL);
    assert_null(pilot_status_name(4));
    assert_null(pilot_status_name(-1));
}

/* ---- history ------------------------------------------------------------- */

struct event_log {
    pilotdb_event ev[64];
    int n;
};

static int log_event(void *arg, const pilotdb_event *ev)
{
    struct event_log *log = arg;

    assert_true(log->n < 64);
    log->ev[log->n++] = *ev;
    return 0;
}

static void expect_event(const struct event_log *log, int i, int64_t pilot,
                         int from, int to, int64_t at)
{
    const pilotdb_event *e = &log->ev[i];

    assert_true(i < log->n);
    if (e->pilot_id != pilot || e->from_status != from || e->to_status != to ||
        e->at != at)
        fail_msg("event %d: pilot %lld %d -> %d at %lld, wanted pilot %lld"
                 " %d -> %d at %lld", i, (long long)e->pilot_id, e->from_status,
                 e->to_status, (long long)e->at, (long long)pilot, from, to,
                 (long long)at);
}

/* Events read with SQL: rows of (pilot_id, ce_id, from or -1, to, at). */
static void read_events(sqlite3 *conn, const char *sql, struct event_log *log)
{
    sqlite3_stmt *st;
    int rc;

    if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(conn));
    log->n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        pilotdb_event *e = &log->ev[log->n];

        assert_true(log->n < 64);
        e->pilot_id = sqlite3_column_int64(st, 0);
        e->ce_id = sqlite3_column_int64(st, 1);
        e->from_status = sqlite3_column_int(st, 2);
        e->to_status = sqlite3_column_int(st, 3);
        e->at = sqlite3_column_int64(st, 4);
        log->n++;
    }
    assert_int_equal(rc, SQLITE_DONE);
    sqlite3_finalize(st);
}

/* The pilot_event view, in the order the layer promises (a pilot's own
 * changes at one time: submission, start, end). */
static void log_view(pilotdb *db, const char *where, struct event_log *log)
{
    char sql[512];

    snprintf(sql, sizeof sql,
             "SELECT pilot_id, ce_id, coalesce(from_status, -1), to_status, at"
             " FROM pilot_event %s ORDER BY at, pilot_id, coalesce(from_status, -1)",
             where);
    read_events(pilotdb_sqlite(db), sql, log);
}

static void assert_same_events(const struct event_log *a, const struct event_log *b)
{
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++)
        expect_event(b, i, a->ev[i].pilot_id, a->ev[i].from_status,
                     a->ev[i].to_status, a->ev[i].at);
    for (int i = 0; i < a->n; i++)
        assert_int_equal(a->ev[i].ce_id, b->ev[i].ce_id);
}

/* The history order: time, pilot, then the pilot's own order. */
static int event_order(const void *pa, const void *pb)
{
    const pilotdb_event *a = pa, *b = pb;

    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    if (a->pilot_id != b->pilot_id)
        return a->pilot_id < b->pilot_id ? -1 : 1;
    return a->to_status - b->to_status;
}

/* With any_order the filter visits the same events, in some order. */
static void assert_any_order_same(pilotdb *db, pilotdb_event_filter f)
{
    struct event_log ordered = {0}, any = {0};

    f.any_order = 0;
    fx_ok(db, pilotdb_events_foreach(db, &f, log_event, &ordered));
    f.any_order = 1;
    fx_ok(db, pilotdb_events_foreach(db, &f, log_event, &any));
    qsort(any.ev, (size_t)any.n, sizeof any.ev[0], event_order);
    assert_same_events(&ordered, &any);
}

static void test_event_history(void **state)
{
    pilotdb *db = fx_template_db();
    struct event_log log = {0}, view = {0};
    pilotdb_event_filter window = {150, 300, 0};
    int64_t a, b, c, d;
    pilotdb_ce ce, other;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "ce", 5, 1.0, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "other", 5, 1.0, 1, NULL));
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    fx_ok(db, pilotdb_ce_get(db, "other", &other));
    fx_clock_ms = 100;
    a = submit(db, "ce");
    fx_clock_ms = 200;
    b = submit(db, "other");
    /* Written after b's submission, listed before it: same time, lower id. */
    fx_ok(db, pilotdb_pilot_set_status(db, a, PILOT_RUNNING));
    fx_clock_ms = 300;
    fx_ok(db, pilotdb_pilot_set_status(db, b, PILOT_FAILED));
    fx_ok(db, pilotdb_pilot_set_status(db, a, PILOT_DONE));
    /* A refused change is not history. */
    assert_int_equal(pilotdb_pilot_set_status(db, b, PILOT_RUNNING),
                     PILOTDB_ETRANSITION);
    /* A whole life at one time, in the order it happened. */
    c = submit(db, "ce");
    fx_ok(db, pilotdb_pilot_set_status(db, c, PILOT_RUNNING));
    fx_ok(db, pilotdb_pilot_set_status(db, c, PILOT_FAILED));
    d = submit(db, "ce");

    fx_ok(db, pilotdb_events_foreach(db, NULL, log_event, &log));
    assert_int_equal(log.n, 9);
    expect_event(&log, 0, a, -1, PILOT_SUBMITTED, 100);
    assert_int_equal(log.ev[0].ce_id, ce.id);
    expect_event(&log, 1, a, PILOT_SUBMITTED, PILOT_RUNNING, 200);
    assert_int_equal(log.ev[1].ce_id, ce.id);
    expect_event(&log, 2, b, -1, PILOT_SUBMITTED, 200);
    assert_int_equal(log.ev[2].ce_id, other.id);
    expect_event(&log, 3, a, PILOT_RUNNING, PILOT_DONE, 300);
    expect_event(&log, 4, b, PILOT_SUBMITTED, PILOT_FAILED, 300);
    assert_int_equal(log.ev[4].ce_id, other.id);
    expect_event(&log, 5, c, -1, PILOT_SUBMITTED, 300);
    expect_event(&log, 6, c, PILOT_SUBMITTED, PILOT_RUNNING, 300);
    expect_event(&log, 7, c, PILOT_RUNNING, PILOT_FAILED, 300);
    expect_event(&log, 8, d, -1, PILOT_SUBMITTED, 300);
    assert_int_equal(log.ev[8].ce_id, ce.id);
    /* The view in SQL says the same. */
    log_view(db, "", &view);
    assert_same_events(&log, &view);

    /* [150, 300): the two events at 200. */
    log.n = 0;
    fx_ok(db, pilotdb_events_foreach(db, &window, log_event, &log));
    assert_int_equal(log.n, 2);
    expect_event(&log, 0, a, PILOT_SUBMITTED, PILOT_RUNNING, 200);
    expect_event(&log, 1, b, -1, PILOT_SUBMITTED, 200);
    log_view(db, "WHERE at >= 150 AND at < 300", &view);
    assert_same_events(&log, &view);
    /* From 300 on, and up to but not including 100: bounds are from <= at < to. */
    window.from = 300;
    window.to = INT64_MAX;
    log.n = 0;
    fx_ok(db, pilotdb_events_foreach(db, &window, log_event, &log));
    assert_int_equal(log.n, 6);
    expect_event(&log, 0, a, PILOT_RUNNING, PILOT_DONE, 300);
    expect_event(&log, 5, d, -1, PILOT_SUBMITTED, 300);
    window.from = INT64_MIN;
    window.to = 100;
    log.n = 0;
    fx_ok(db, pilotdb_events_foreach(db, &window, log_event, &log));
    assert_int_equal(log.n, 0);
    window.to = 101;
    fx_ok(db, pilotdb_events_foreach(db, &window, log_event, &log));
    assert_int_equal(log.n, 1);
    expect_event(&log, 0, a, -1, PILOT_SUBMITTED, 100);
    /* any_order: the same events for every window, bounds included. */
    for (int64_t from = 99; from <= 301; from++)
        for (int64_t to = from; to <= 302; to += 50)
            assert_any_order_same(db, (pilotdb_event_filter){from, to, 0});
    assert_any_order_same(db, (pilotdb_event_filter){INT64_MIN, INT64_MAX, 0});
    fx_close(db);
}

/* pilotdb_pilot_move(): a change by a writer that knows the pilot's CE and
 * status, refused whole when it does not. */
static void test_pilot_move(void **state)
{
    pilotdb *db = fx_template_db();
    pilotdb_ce a, b;
    pilotdb_pilot p;
    int64_t id, other;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "a", 5, 1.0, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "b", 5, 1.0, 1, NULL));
    fx_ok(db, pilotdb_ce_get(db, "a", &a));
    fx_ok(db, pilotdb_ce_get(db, "b", &b));
    fx_clock_ms = 100;
    id = submit(db, "a");
    fx_clock_ms = 200;
    fx_ok(db, pilotdb_pilot_move(db, id, a.id, PILOT_SUBMITTED, PILOT_RUNNING));
    fx_ok(db, pilotdb_pilot_get(db, id, &p));
    assert_int_equal(p.status, PILOT_RUNNING);
    assert_int_equal(p.started_at, 200);
    assert_true(p.ended_at == PILOTDB_NO_TIME);

    /* Refusals write nothing. */
    fx_clock_ms = 250;
    expect_rc(db, pilotdb_pilot_move(db, id, b.id, PILOT_RUNNING, PILOT_DONE),
              PILOTDB_EINVAL, "not");
    expect_rc(db, pilotdb_pilot_move(db, id, a.id, PILOT_SUBMITTED, PILOT_FAILED),
              PILOTDB_ETRANSITION, "running");
    expect_rc(db, pilotdb_pilot_move(db, id, a.id, PILOT_RUNNING, PILOT_SUBMITTED),
              PILOTDB_ETRANSITION, NULL);
    expect_rc(db, pilotdb_pilot_move(db, 999999, a.id, PILOT_SUBMITTED, PILOT_RUNNING),
              PILOTDB_ENOTFOUND, "999999");
    /* An unknown pilot is unknown whatever move is asked; a wrong CE is
     * said before a move the state machine forbids. */
    expect_rc(db, pilotdb_pilot_move(db, 999999, a.id, PILOT_DONE, PILOT_RUNNING),
              PILOTDB_ENOTFOUND, "999999");
    expect_rc(db, pilotdb_pilot_move(db, id, b.id, PILOT_RUNNING, PILOT_SUBMITTED),
              PILOTDB_EINVAL, "CE id");
    expect_rc(db, pilotdb_pilot_move(db, id, a.id, PILOT_RUNNING, PILOT_SUBMITTED),
              PILOTDB_ETRANSITION, "cannot go from running to submitted");
    expect_rc(db, pilotdb_pilot_move(db, id, a.id, (pilot_status)7, PILOT_DONE),
              PILOTDB_EINVAL, "not a pilot status");
    fx_ok(db, pilotdb_pilot_get(db, id, &p));
    assert_int_equal(p.status, PILOT_RUNNING);
    assert_int_equal(p.updated_at, 200);
    fx_ok(db, pilotdb_ce_get(db, "a", &a));
    assert_int_equal(a.count[PILOT_RUNNING], 1);
    assert_int_equal(a.last_change_at, 200);

    /* In a batch, as the simulator moves pilots. */
    fx_clock_ms = 300;
    fx_ok(db, pilotdb_begin(db));
    fx_ok(db, pilotdb_pilot_move(db, id, a.id, PILOT_RUNNING, PILOT_DONE));
    other = submit(db, "b");
    fx_ok(db, pilotdb_pilot_move(db, other, b.id, PILOT_SUBMITTED, PILOT_FAILED));
    fx_ok(db, pilotdb_ce_get(db, "b", &b));
    assert_int_equal(b.count[PILOT_FAILED], 1);
    assert_int_equal(b.active, 0);
    assert_int_equal(b.last_change_at, 300);
    fx_ok(db, pilotdb_commit(db));
    fx_ok(db, pilotdb_pilot_get(db, id, &p));
    assert_int_equal(p.status, PILOT_DONE);
    assert_int_equal(p.ended_at, 300);
    fx_ok(db, pilotdb_ce_get(db, "a", &a));
    assert_int_equal(a.count[PILOT_DONE], 1);
    assert_int_equal(a.active, 0);
    assert_int_equal(a.last_change_at, 300);
    fx_assert_consistent(db);
    fx_close(db);
}

/* A pilot's row holds its three times; updated_at is the latest. */
static void test_pilot_times(void **state)
{
    pilotdb *db = fx_template_db();
    pilotdb_pilot p;
    int64_t a, b;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "ce", 5, 1.0, 1, NULL));
    fx_clock_ms = 1000;
    a = submit(db, "ce");
    b = submit(db, "ce");
    fx_clock_ms = 2500;
    fx_ok(db, pilotdb_pilot_set_status(db, a, PILOT_RUNNING));
    fx_clock_ms = 4000;
    fx_ok(db, pilotdb_pilot_set_status(db, a, PILOT_DONE));
    fx_clock_ms = 4500;
    fx_ok(db, pilotdb_pilot_set_status(db, b, PILOT_FAILED));
    /* A refused change moves no time. */
    fx_clock_ms = 9000;
    assert_int_equal(pilotdb_pilot_set_status(db, a, PILOT_FAILED), PILOTDB_ETRANSITION);

    fx_ok(db, pilotdb_pilot_get(db, a, &p));
    assert_int_equal(p.status, PILOT_DONE);
    assert_int_equal(p.submitted_at, 1000);
    assert_int_equal(p.started_at, 2500);
    assert_int_equal(p.ended_at, 4000);
    assert_int_equal(p.updated_at, 4000);
    /* Failed without ever running. */
    fx_ok(db, pilotdb_pilot_get(db, b, &p));
    assert_int_equal(p.status, PILOT_FAILED);
    assert_int_equal(p.submitted_at, 1000);
    assert_true(p.started_at == PILOTDB_NO_TIME);
    assert_int_equal(p.ended_at, 4500);
    assert_int_equal(p.updated_at, 4500);
    {
        pilotdb_pilot *list = NULL;
        size_t n = 0;

        fx_ok(db, pilotdb_pilots_list(db, NULL, &list, &n));
        assert_int_equal(n, 2);
        assert_int_equal(list[0].started_at, 2500);
        assert_int_equal(list[0].ended_at, 4000);
        assert_true(list[1].started_at == PILOTDB_NO_TIME);
        assert_int_equal(list[1].ended_at, 4500);
        pilotdb_free(list);
    }
    fx_assert_consistent(db);
    fx_close(db);
}

/* A CE's last_change_at: none before any pilot, then the latest time any of
 * its pilots changed, whatever order the clock gave them. */
static void test_ce_last_change(void **state)
{
    pilotdb *db = fx_template_db();
    pilotdb_ce ce, *ces = NULL;
    size_t n = 0;
    int64_t a, b;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "ce", 5, 1.0, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "quiet", 5, 1.0, 1, NULL));
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_true(ce.last_change_at == PILOTDB_NO_TIME);
    fx_clock_ms = 500;
    a = submit(db, "ce");
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(ce.last_change_at, 500);
    fx_clock_ms = 700;
    fx_ok(db, pilotdb_pilot_set_status(db, a, PILOT_RUNNING));
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(ce.last_change_at, 700);
    /* The clock goes backwards: the latest time stays. */
    fx_clock_ms = 600;
    b = submit(db, "ce");
    fx_ok(db, pilotdb_pilot_set_status(db, a, PILOT_DONE));
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(ce.last_change_at, 700);
    /* A refusal, or a change of the CE itself, is not a pilot's change. */
    fx_clock_ms = 5000;
    assert_int_equal(pilotdb_pilot_set_status(db, a, PILOT_RUNNING), PILOTDB_ETRANSITION);
    {
        pilotdb_ce_change chg = {.set = PILOTDB_SET_CAPACITY, .capacity = 7};

        fx_ok(db, pilotdb_ce_update(db, "ce", &chg));
    }
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(ce.last_change_at, 700);
    fx_clock_ms = 800;
    fx_ok(db, pilotdb_pilot_set_status(db, b, PILOT_FAILED));
    fx_ok(db, pilotdb_ce_list(db, 0, &ces, &n));
    assert_int_equal(n, 2);
    assert_string_equal(ces[0].name, "ce");
    assert_int_equal(ces[0].last_change_at, 800);
    assert_string_equal(ces[1].name, "quiet");
    assert_true(ces[1].last_change_at == PILOTDB_NO_TIME);
    pilotdb_free(ces);
    fx_assert_consistent(db);
    fx_close(db);
}

/* ---- the sample fixture -------------------------------------------------- */

static void test_sample_data(void **state)
{
    pilotdb *db = fx_sample_db();
    pilotdb_ce ce;
    pilotdb_summary s;
    pilotdb_ce *ces = NULL;
    size_t n = 0;

    (void)state;
    fx_ok(db, pilotdb_summary_get(db, &s));
    assert_int_equal(s.count[PILOT_SUBMITTED], 4);
    assert_int_equal(s.count[PILOT_RUNNING], 7);
    assert_int_equal(s.count[PILOT_DONE], 8);
    assert_int_equal(s.count[PILOT_FAILED], 3);
    fx_ok(db, pilotdb_ce_get(db, "ce-beta.example.org", &ce));
    assert_int_equal(ce.active, 4);
    assert_int_equal(ce.available_slots, 0);
    fx_ok(db, pilotdb_ce_list(db, 1, &ces, &n));
    assert_int_equal(n, 1);
    assert_string_equal(ces[0].name, "ce-alpha.example.org");
    assert_int_equal(ces[0].available_slots, 3);
    pilotdb_free(ces);
    assert_int_equal(count_status(db, -1, "ce-gamma.example.org"), 1);
    assert_int_equal(count_status(db, PILOT_RUNNING, "ce-alpha.example.org"), 4);
    {
        pilotdb_pilot_filter unknown = {-1, "x"};
        pilotdb_pilot *none = NULL;

        expect_rc(db, pilotdb_pilots_list(db, &unknown, &none, &n),
                  PILOTDB_ENOTFOUND, "no CE named 'x'");
        assert_null(none);
        assert_int_equal(n, 0);
    }
    fx_assert_consistent(db);
    fx_close(db);
}

/* ---- transactions ---------------------------------------------------------- */

static void test_caller_transaction(void **state)
{
    pilotdb *db = fx_template_db();
    pilotdb_summary s;
    int64_t id;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "ce", 1, 1.0, 1, NULL));
    fx_ok(db, pilotdb_begin(db));
    assert_true(pilotdb_in_transaction(db));
    expect_rc(db, pilotdb_begin(db), PILOTDB_EMISUSE, "already");
    id = submit(db, "ce");
    /* A refusal inside the caller's transaction leaves it usable. */
    assert_int_equal(pilotdb_pilot_submit(db, "ce", NULL), PILOTDB_EFULL);
    assert_true(pilotdb_in_transaction(db));
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
    fx_ok(db, pilotdb_rollback(db));
    fx_ok(db, pilotdb_summary_get(db, &s));
    assert_int_equal(s.count[PILOT_SUBMITTED] + s.count[PILOT_RUNNING], 0);

    fx_ok(db, pilotdb_begin(db));
    submit(db, "ce");
    fx_ok(db, pilotdb_commit(db));
    fx_ok(db, pilotdb_summary_get(db, &s));
    assert_int_equal(s.count[PILOT_SUBMITTED], 1);
    expect_rc(db, pilotdb_commit(db), PILOTDB_EMISUSE, "no transaction");
    expect_rc(db, pilotdb_rollback(db), PILOTDB_EMISUSE, "no transaction");

    /* Closing with a transaction open rolls back and says so. */
    fx_ok(db, pilotdb_begin(db));
    assert_int_equal(pilotdb_close(db), PILOTDB_EMISUSE);
}

/* A second connection sees what was committed and nothing uncommitted. */
static void test_second_connection(void **state)
{
    char *dir = fx_tmpdir();
    pilotdb *writer = fx_file_db(dir, "two.db");
    pilotdb *reader = fx_file_db(dir, "two.db");
    pilotdb_summary s;
    pilotdb_ce *ces = NULL;
    size_t n = 0;

    (void)state;
    fx_ok(writer, pilotdb_ce_add(writer, "ce", 3, 1.0, 1, NULL));
    fx_ok(reader, pilotdb_ce_list(reader, 0, &ces, &n));
    assert_int_equal(n, 1);
    pilotdb_free(ces);

    fx_ok(writer, pilotdb_begin(writer));
    submit(writer, "ce");
    fx_ok(reader, pilotdb_summary_get(reader, &s));
    assert_int_equal(s.count[PILOT_SUBMITTED], 0);
    fx_ok(writer, pilotdb_commit(writer));
    fx_ok(reader, pilotdb_summary_get(reader, &s));
    assert_int_equal(s.count[PILOT_SUBMITTED], 1);

    /* A read snapshot holds while the writer goes on. */
    fx_ok(reader, pilotdb_begin_read(reader));
    submit(writer, "ce");
    fx_ok(reader, pilotdb_summary_get(reader, &s));
    assert_int_equal(s.count[PILOT_SUBMITTED], 1);
    fx_ok(reader, pilotdb_commit(reader));
    fx_ok(reader, pilotdb_summary_get(reader, &s));
    assert_int_equal(s.count[PILOT_SUBMITTED], 2);
    fx_assert_consistent(reader);
    fx_close(reader);
    fx_close(writer);
    fx_tmpdir_remove(dir);
}

/* Counters gathered inside pilotdb_begin(): exact for the handle's own
 * reads at any point, for other connections after the commit, and gone
 * with a rollback. */
static void expect_counts(pilotdb *db, const char *ce, int64_t sub, int64_t run,
                          int64_t done, int64_t failed, int64_t last)
{
    pilotdb_ce c, *ces = NULL;
    pilotdb_summary s;
    size_t n = 0, i;
    const int64_t want[PILOT_NSTATUS] = {sub, run, done, failed};

    fx_ok(db, pilotdb_ce_get(db, ce, &c));
    for (int st = 0; st < PILOT_NSTATUS; st++)
        if (c.count[st] != want[st])
            fail_msg("%s: ce_get counts %lld %s, wanted %lld", ce,
                     (long long)c.count[st], pilot_status_name(st),
                     (long long)want[st]);
    assert_int_equal(c.active, sub + run);
    assert_true(c.last_change_at == last);
    fx_ok(db, pilotdb_ce_list(db, 0, &ces, &n));
    for (i = 0; i < n && strcmp(ces[i].name, ce) != 0; i++)
        ;
    assert_true(i < n);
    assert_memory_equal(ces[i].count, want, sizeof want);
    assert_true(ces[i].last_change_at == last);
    pilotdb_free(ces);
    /* The summary, over this database where only ce has pilots. */
    fx_ok(db, pilotdb_summary_get(db, &s));
    assert_memory_equal(s.count, want, sizeof want);
}

static void test_transaction_counters(void **state)
{
    char *dir = fx_tmpdir();
    pilotdb *writer = fx_file_db(dir, "tx.db");
    pilotdb *reader = fx_file_db(dir, "tx.db");
    int64_t a, b, c;

    (void)state;
    pilotdb_set_clock(writer, fx_clock, NULL);
    fx_ok(writer, pilotdb_ce_add(writer, "ce", 10, 1.0, 1, NULL));
    fx_ok(writer, pilotdb_ce_add(writer, "idle", 10, 1.0, 1, NULL));
    fx_clock_ms = 100;
    a = submit(writer, "ce");
    expect_counts(reader, "ce", 1, 0, 0, 0, 100);

    fx_ok(writer, pilotdb_begin(writer));
    fx_clock_ms = 200;
    b = submit(writer, "ce");
    fx_ok(writer, pilotdb_pilot_set_status(writer, a, PILOT_RUNNING));
    expect_counts(writer, "ce", 1, 1, 0, 0, 200);
    /* More changes after a read, read again. */
    fx_clock_ms = 300;
    fx_ok(writer, pilotdb_pilot_set_status(writer, a, PILOT_DONE));
    c = submit(writer, "ce");
    fx_ok(writer, pilotdb_pilot_set_status(writer, b, PILOT_FAILED));
    expect_counts(writer, "ce", 1, 0, 1, 1, 300);
    fx_ok(writer, pilotdb_check(writer, NULL));
    /* Capacity inside the transaction counts the transaction's pilots. */
    {
        pilotdb_ce_change chg = {.set = PILOTDB_SET_CAPACITY, .capacity = 2};

        fx_ok(writer, pilotdb_ce_update(writer, "ce", &chg));
        submit(writer, "ce");
        assert_int_equal(pilotdb_pilot_submit(writer, "ce", NULL), PILOTDB_EFULL);
        chg.capacity = 10;
        fx_ok(writer, pilotdb_ce_update(writer, "ce", &chg));
    }
    fx_ok(writer, pilotdb_pilot_set_status(writer, c, PILOT_RUNNING));
    /* The other connection still sees the state before the transaction. */
    expect_counts(reader, "ce", 1, 0, 0, 0, 100);
    fx_ok(writer, pilotdb_commit(writer));
    expect_counts(reader, "ce", 1, 1, 1, 1, 300);
    expect_counts(writer, "ce", 1, 1, 1, 1, 300);
    fx_assert_consistent(reader);

    /* A rollback takes the gathered counts and times with it. */
    fx_ok(writer, pilotdb_begin(writer));
    fx_clock_ms = 400;
    submit(writer, "ce");
    fx_ok(writer, pilotdb_pilot_set_status(writer, c, PILOT_DONE));
    expect_counts(writer, "ce", 2, 0, 2, 1, 400);
    fx_clock_ms = 500;
    submit(writer, "idle");
    fx_ok(writer, pilotdb_rollback(writer));
    expect_counts(writer, "ce", 1, 1, 1, 1, 300);
    /* Also when nothing was read inside the transaction. */
    fx_ok(writer, pilotdb_begin(writer));
    submit(writer, "ce");
    submit(writer, "idle");
    fx_ok(writer, pilotdb_rollback(writer));
    expect_counts(writer, "ce", 1, 1, 1, 1, 300);
    expect_counts(reader, "ce", 1, 1, 1, 1, 300);
    {
        pilotdb_ce idle;

        fx_ok(reader, pilotdb_ce_get(reader, "idle", &idle));
        assert_int_equal(idle.active, 0);
        assert_true(idle.last_change_at == PILOTDB_NO_TIME);
    }
    /* The handle goes on counting after the rollback. */
    fx_clock_ms = 600;
    fx_ok(writer, pilotdb_pilot_set_status(writer, c, PILOT_FAILED));
    expect_counts(reader, "ce", 1, 0, 1, 2, 600);
    fx_assert_consistent(writer);
    fx_close(reader);
    fx_close(writer);
    fx_tmpdir_remove(dir);
}

/* Inside pilotdb_begin() the handle remembers the CEs its submissions read
 * (one statement per submission instead of two); what it remembers never
 * outlives a change: its own to the CE, its own reads, its commit. */
static void test_transaction_known_ces(void **state)
{
    char *dir = fx_tmpdir();
    pilotdb *writer = fx_file_db(dir, "known.db");
    pilotdb *other = fx_file_db(dir, "known.db");
    pilotdb_ce_change off = {.set = PILOTDB_SET_ENABLED, .enabled = 0};
    pilotdb_ce_change on = {.set = PILOTDB_SET_ENABLED, .enabled = 1};
    pilotdb_ce ce;

    (void)state;
    fx_ok(writer, pilotdb_ce_add(writer, "ce", 3, 1.0, 1, NULL));
    fx_ok(writer, pilotdb_begin(writer));
    for (int i = 0; i < 3; i++)
        submit(writer, "ce");
    assert_int_equal(pilotdb_pilot_submit(writer, "ce", NULL), PILOTDB_EFULL);
    assert_string_equal(pilotdb_errmsg(writer), "CE 'ce' is full (3 of 3 slots in use)");
    /* Its own change of the CE is seen at once. */
    fx_ok(writer, pilotdb_ce_update(writer, "ce", &off));
    assert_int_equal(pilotdb_pilot_submit(writer, "ce", NULL), PILOTDB_EDISABLED);
    fx_ok(writer, pilotdb_ce_update(writer, "ce", &on));
    assert_int_equal(pilotdb_pilot_submit(writer, "ce", NULL), PILOTDB_EFULL);
    /* A read writes the counts; capacity still counts every pilot. */
    fx_ok(writer, pilotdb_ce_get(writer, "ce", &ce));
    assert_int_equal(ce.active, 3);
    assert_int_equal(pilotdb_pilot_submit(writer, "ce", NULL), PILOTDB_EFULL);
    fx_ok(writer, pilotdb_pilot_set_status(writer, 1, PILOT_FAILED));
    submit(writer, "ce");
    assert_int_equal(pilotdb_pilot_submit(writer, "ce", NULL), PILOTDB_EFULL);
    fx_ok(writer, pilotdb_commit(writer));
    /* Another writer's change between two transactions is seen. */
    fx_ok(other, pilotdb_pilot_set_status(other, 2, PILOT_FAILED));
    fx_ok(writer, pilotdb_begin(writer));
    submit(writer, "ce");
    fx_ok(writer, pilotdb_commit(writer));
    fx_ok(other, pilotdb_ce_update(other, "ce", &off));
    fx_ok(writer, pilotdb_begin(writer));
    assert_int_equal(pilotdb_pilot_submit(writer, "ce", NULL), PILOTDB_EDISABLED);
    fx_ok(writer, pilotdb_rollback(writer));
    fx_ok(other, pilotdb_ce_get(other, "ce", &ce));
    assert_int_equal(ce.active, 3);
    assert_int_equal(ce.count[PILOT_FAILED], 2);
    fx_assert_consistent(other);
    fx_close(other);
    fx_close(writer);
    fx_tmpdir_remove(dir);
}

/* A pilotdb_begin() transaction that ends without the handle (SQLite rolls
 * it back after an error; raw SQL) takes what the handle gathered with it,
 * and a raw COMMIT with counts not yet written becomes a rollback. */
static void test_transaction_ended_behind(void **state)
{
    pilotdb *db = fx_template_db();
    sqlite3 *conn = pilotdb_sqlite(db);
    pilotdb_ce_change off = {.set = PILOTDB_SET_ENABLED, .enabled = 0};
    pilotdb_ce ce;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "ce", 5, 1.0, 1, NULL));
    fx_ok(db, pilotdb_begin(db));
    submit(db, "ce");
    submit(db, "ce");
    assert_int_equal(sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    /* A read transaction next, then a write in it: nothing of the lost
     * transaction is written, and the CE is read afresh. */
    fx_ok(db, pilotdb_ce_update(db, "ce", &off));
    fx_ok(db, pilotdb_begin_read(db));
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(ce.active, 0);
    fx_ok(db, pilotdb_commit(db));
    fx_ok(db, pilotdb_check(db, NULL));
    off.enabled = 1;
    fx_ok(db, pilotdb_ce_update(db, "ce", &off));
    /* Lost again, then a caller's raw transaction straight away: the call
     * in it writes its counts itself, and the raw COMMIT keeps them. */
    fx_ok(db, pilotdb_begin(db));
    submit(db, "ce");
    assert_int_equal(sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(conn, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    submit(db, "ce");
    assert_int_equal(sqlite3_exec(conn, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(ce.active, 1);
    fx_ok(db, pilotdb_check(db, NULL));
    /* A raw COMMIT while counts are gathered: rolled back, not half
     * written. */
    fx_ok(db, pilotdb_begin(db));
    submit(db, "ce");
    assert_int_not_equal(sqlite3_exec(conn, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    assert_false(pilotdb_in_transaction(db));
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(ce.active, 1);
    fx_ok(db, pilotdb_check(db, NULL));
    /* After a read wrote them, a raw COMMIT is a commit. */
    fx_ok(db, pilotdb_begin(db));
    submit(db, "ce");
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(sqlite3_exec(conn, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(ce.active, 2);
    fx_assert_consistent(db);
    fx_close(db);
}

/* Clocks at the edges: a change at INT64_MIN is counted, and a clock that
 * steps back never puts a pilot's change before its previous one. */
static void test_clock_edges(void **state)
{
    pilotdb *db = fx_template_db();
    struct event_log log = {0};
    pilotdb_pilot p;
    pilotdb_ce ce;
    int64_t a, b;

    (void)state;
    pilotdb_set_clock(db, fx_clock, NULL);
    fx_ok(db, pilotdb_ce_add(db, "ce", 5, 1.0, 1, NULL));
    fx_clock_ms = INT64_MIN;
    a = submit(db, "ce");
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(ce.count[PILOT_SUBMITTED], 1);
    fx_assert_consistent(db);
    fx_clock_ms = 1000;
    b = submit(db, "ce");
    fx_clock_ms = 900;
    fx_ok(db, pilotdb_pilot_set_status(db, b, PILOT_RUNNING));
    fx_clock_ms = 800;
    fx_ok(db, pilotdb_pilot_set_status(db, b, PILOT_DONE));
    fx_ok(db, pilotdb_pilot_get(db, b, &p));
    assert_int_equal(p.started_at, 1000);
    assert_int_equal(p.ended_at, 1000);
    fx_ok(db, pilotdb_pilot_set_status(db, a, PILOT_FAILED));
    fx_ok(db, pilotdb_pilot_get(db, a, &p));
    assert_int_equal(p.ended_at, 800);
    fx_ok(db, pilotdb_events_foreach(db, NULL, log_event, &log));
    assert_int_equal(log.n, 5);
    expect_event(&log, 0, a, -1, PILOT_SUBMITTED, INT64_MIN);
    expect_event(&log, 1, a, PILOT_SUBMITTED, PILOT_FAILED, 800);
    expect_event(&log, 2, b, -1, PILOT_SUBMITTED, 1000);
    expect_event(&log, 3, b, PILOT_SUBMITTED, PILOT_RUNNING, 1000);
    expect_event(&log, 4, b, PILOT_RUNNING, PILOT_DONE, 1000);
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(ce.last_change_at, 1000);
    /* The schema refuses a row whose times go back. */
    assert_int_not_equal(sqlite3_exec(pilotdb_sqlite(db),
                                      "UPDATE pilot SET ended_at = 999 WHERE pilot_id = 2",
                                      NULL, NULL, NULL), SQLITE_OK);
    fx_assert_consistent(db);
    fx_close(db);
}

/* Two processes submit to one CE at once: capacity holds exactly. */
static void test_two_writers_capacity(void **state)
{
    enum { CAPACITY = 150, PER_WRITER = 100 };
    char *dir = fx_tmpdir();
    char path[4096];
    pilotdb *db = fx_file_db(dir, "race.db");
    pid_t kids[2];
    pilotdb_ce ce;

    (void)state;
    snprintf(path, sizeof path, "%s/race.db", dir);
    fx_ok(db, pilotdb_ce_add(db, "ce", CAPACITY, 1.0, 1, NULL));
    fx_close(db);
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            pilotdb *mine = NULL;
            int bad = 0;

            if (pilotdb_open(path, 0, &mine, NULL, 0) != PILOTDB_OK)
                _exit(2);
            for (int i = 0; i < PER_WRITER; i++) {
                pilotdb_rc rc = pilotdb_pilot_submit(mine, "ce", NULL);

                if (rc != PILOTDB_OK && rc != PILOTDB_EFULL)
                    bad++;
            }
            _exit(pilotdb_close(mine) == PILOTDB_OK && bad == 0 ? 0 : 1);
        }
    }
    for (int k = 0; k < 2; k++) {
        int status = 0;

        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    db = fx_file_db(dir, "race.db");
    fx_ok(db, pilotdb_ce_get(db, "ce", &ce));
    assert_int_equal(ce.active, CAPACITY);
    assert_int_equal(count_status(db, PILOT_SUBMITTED, "ce"), CAPACITY);
    fx_assert_consistent(db);
    fx_close(db);
    fx_tmpdir_remove(dir);
}

/* ---- consistency --------------------------------------------------------- */

static void test_check_finds_drift(void **state)
{
    pilotdb *db = fx_sample_db();
    int64_t problems = 0;

    (void)state;
    fx_assert_consistent(db);
    /* Drift written behind the layer's back. */
    assert_int_equal(sqlite3_exec(pilotdb_sqlite(db),
                                  "UPDATE ce SET n_running = n_running + 2"
                                  " WHERE name = 'ce-alpha.example.org'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    expect_rc(db, pilotdb_check(db, &problems), PILOTDB_EINCONSISTENT,
              "ce-alpha.example.org");
    assert_int_equal(problems, 1);
    assert_non_null(strstr(pilotdb_errmsg(db), "counts 6 running pilots but has 4"));
    assert_int_equal(sqlite3_exec(pilotdb_sqlite(db),
                                  "UPDATE ce SET last_change_at = last_change_at - 1"
                                  " WHERE name = 'ce-beta.example.org'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    expect_rc(db, pilotdb_check(db, &problems), PILOTDB_EINCONSISTENT,
              "more problems");
    assert_int_equal(problems, 2);
    fx_close(db);
}

/* Each other kind of drift pilotdb_check() reports, alone. */
static void test_check_finds_time_and_key_drift(void **state)
{
    pilotdb *db = fx_sample_db();
    int64_t problems = 0;
    pilotdb_ce ce;

    (void)state;
    /* A CE's last change time moved. */
    assert_int_equal(sqlite3_exec(pilotdb_sqlite(db),
                                  "UPDATE ce SET last_change_at = 1999"
                                  " WHERE name = 'ce-gamma.example.org'",
                                  NULL, NULL, NULL), SQLITE_OK);
    expect_rc(db, pilotdb_check(db, &problems), PILOTDB_EINCONSISTENT,
              "ce-gamma.example.org");
    assert_int_equal(problems, 1);
    fx_close(db);

    /* A pilot's time moved past its CE's last change. */
    db = fx_sample_db();
    fx_ok(db, pilotdb_ce_get(db, "ce-beta.example.org", &ce));
    assert_int_equal(ce.last_change_at, 2000);
    assert_int_equal(sqlite3_exec(pilotdb_sqlite(db),
                                  "UPDATE pilot SET ended_at = 2500 WHERE pilot_id ="
                                  " (SELECT min(pilot_id) FROM pilot JOIN ce USING (ce_id)"
                                  "  WHERE name = 'ce-beta.example.org' AND status = 2)",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_changes(pilotdb_sqlite(db)), 1);
    expect_rc(db, pilotdb_check(db, &problems), PILOTDB_EINCONSISTENT,
              "ce-beta.example.org");
    assert_int_equal(problems, 1);
    fx_close(db);

    /* A CE with no pilot that claims a change. */
    db = fx_sample_db();
    assert_int_equal(sqlite3_exec(pilotdb_sqlite(db),
                                  "UPDATE ce SET last_change_at = 5"
                                  " WHERE name = 'ce-delta.example.org'",
                                  NULL, NULL, NULL), SQLITE_OK);
    expect_rc(db, pilotdb_check(db, &problems), PILOTDB_EINCONSISTENT,
              "ce-delta.example.org");
    assert_int_equal(problems, 1);
    fx_close(db);

    /* A pilot at a CE that does not exist, written with the keys off. */
    db = fx_sample_db();
    assert_int_equal(sqlite3_exec(pilotdb_sqlite(db),
                                  "PRAGMA foreign_keys = OFF;"
                                  "INSERT INTO pilot(ce_id, status, submitted_at)"
                                  " VALUES (9999, 0, 0);"
                                  "PRAGMA foreign_keys = ON",
                                  NULL, NULL, NULL), SQLITE_OK);
    expect_rc(db, pilotdb_check(db, &problems), PILOTDB_EINCONSISTENT,
              "refers to a missing ce");
    assert_int_equal(problems, 1);
    fx_close(db);
}

/* The schema refuses a row whose times disagree with its status, whoever
 * writes it. */
static void test_row_times_checked(void **state)
{
    static const char *const bad[] = {
        "UPDATE pilot SET started_at = NULL WHERE status = 1",
        "UPDATE pilot SET ended_at = NULL WHERE status = 2",
        "UPDATE pilot SET ended_at = 3000 WHERE status = 1",
        "UPDATE pilot SET status = 1 WHERE status = 0",
        "UPDATE pilot SET status = 2 WHERE status = 1",
    };
    pilotdb *db = fx_sample_db();
    sqlite3 *conn = pilotdb_sqlite(db);
    pilotdb_summary before, after;

    (void)state;
    fx_ok(db, pilotdb_summary_get(db, &before));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = sqlite3_exec(conn, bad[i], NULL, NULL, NULL);

        if ((rc & 0xff) != SQLITE_CONSTRAINT)
            fail_msg("'%s' gave %d (%s), not SQLITE_CONSTRAINT", bad[i], rc,
                     sqlite3_errmsg(conn));
        assert_int_equal(sqlite3_extended_errcode(conn), SQLITE_CONSTRAINT_CHECK);
    }
    /* A row that agrees is accepted. */
    assert_int_equal(sqlite3_exec(conn, "UPDATE pilot SET started_at = started_at"
                                        " WHERE status = 1", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_changes(conn), 7);
    fx_ok(db, pilotdb_summary_get(db, &after));
    assert_memory_equal(&before, &after, sizeof before);
    fx_assert_consistent(db);
    fx_close(db);
}

/* Misuse and unknown ids are refused with a message, and change nothing. */
static void test_refused_calls(void **state)
{
    pilotdb *db = fx_sample_db(), *none = db;
    pilotdb_pilot_filter bad = {PILOT_NSTATUS, NULL};
    pilotdb_pilot p;
    pilotdb_pilot *list = NULL;
    size_t n = 7;
    char err[256];

    (void)state;
    expect_rc(db, pilotdb_pilot_get(db, 999999, &p), PILOTDB_ENOTFOUND,
              "no pilot with id 999999");
    expect_rc(db, pilotdb_pilots_list(db, &bad, &list, &n), PILOTDB_EINVAL,
              "status 4 is not a pilot status");
    bad.status = -2;
    expect_rc(db, pilotdb_pilots_list(db, &bad, &list, &n), PILOTDB_EINVAL,
              "status -2 is not a pilot status");
    assert_null(list);
    fx_ok(db, pilotdb_begin(db));
    expect_rc(db, pilotdb_begin_read(db), PILOTDB_EMISUSE, "already open");
    fx_ok(db, pilotdb_rollback(db));
    /* SQLite is in use: the process setting can no longer change. */
    expect_rc(db, pilotdb_setup_process(), PILOTDB_EMISUSE, NULL);
    fx_assert_consistent(db);
    fx_close(db);

    assert_int_equal(pilotdb_open(NULL, PILOTDB_OPEN_CREATE, &none, err, sizeof err),
                     PILOTDB_EINVAL);
    assert_null(none);
    assert_non_null(strstr(err, "no database path given"));
    assert_int_equal(pilotdb_open("", PILOTDB_OPEN_CREATE, &none, err, sizeof err),
                     PILOTDB_EINVAL);
    assert_null(none);
}

/* Random operations against a model of the counts, checked at every step. */
struct model_ce {
    char name[32];
    int64_t capacity;
    int enabled;
    int64_t count[PILOT_NSTATUS];
    int64_t last_change_at;
};

static void test_random_operations(void **state)
{
    enum { NCE = 5, STEPS = 600, MAXP = 2000 };
    struct model_ce m[NCE], saved_m[NCE];
    int64_t pid[MAXP];
    int pce[MAXP], pst[MAXP], np = 0, saved_pst[MAXP], saved_np = 0, in_tx = 0;
    uint64_t seed = 0x5eed0001u;
    const char *env = getenv("PILOTDECK_TEST_SEED");
    pilotdb *db = fx_template_db();

    (void)state;
    if (env)
        seed = strtoull(env, NULL, 0);
    rng_state = seed;
    for (int c = 0; c < NCE; c++) {
        snprintf(m[c].name, sizeof m[c].name, "ce-%d", c);
        m[c].capacity = 1 + rng_below(8);
        m[c].enabled = 1;
        memset(m[c].count, 0, sizeof m[c].count);
        m[c].last_change_at = PILOTDB_NO_TIME;
        fx_ok(db, pilotdb_ce_add(db, m[c].name, m[c].capacity, 0.5, 1, NULL));
    }
    for (int step = 0; step < STEPS; step++) {
        unsigned op = rng_below(10);
        int c = (int)rng_below(NCE);
        pilotdb_rc rc;

        fx_clock_ms = step;
        /* Now and then a caller's transaction around the next steps,
         * committed or rolled back. */
        if (rng_below(16) == 0) {
            if (!in_tx) {
                fx_ok(db, pilotdb_begin(db));
                memcpy(saved_m, m, sizeof m);
                memcpy(saved_pst, pst, sizeof pst);
                saved_np = np;
            } else if (rng_below(3) == 0) {
                fx_ok(db, pilotdb_rollback(db));
                memcpy(m, saved_m, sizeof m);
                memcpy(pst, saved_pst, sizeof pst);
                np = saved_np;
            } else {
                fx_ok(db, pilotdb_commit(db));
            }
            in_tx = !in_tx;
        }
        if (op < 4) { /* submit */
            int64_t active = m[c].count[0] + m[c].count[1], id = 0;
            pilotdb_rc want = !m[c].enabled ? PILOTDB_EDISABLED
                              : active >= m[c].capacity ? PILOTDB_EFULL
                                                        : PILOTDB_OK;

            rc = pilotdb_pilot_submit(db, m[c].name, &id);
            if (rc != want)
                fail_msg("seed 0x%llx step %d: submit got %s, model says %s;"
                         " reproduce: PILOTDECK_TEST_SEED=0x%llx"
                         " tests/test_db test_random_operations",
                         (unsigned long long)seed, step, pilotdb_rc_str(rc),
                         pilotdb_rc_str(want), (unsigned long long)seed);
            if (rc == PILOTDB_OK && np < MAXP) {
                pid[np] = id;
                pce[np] = c;
                pst[np++] = PILOT_SUBMITTED;
                m[c].count[PILOT_SUBMITTED]++;
                m[c].last_change_at = step;
            }
        } else if (op < 8 && np > 0) { /* move a pilot, legally or not */
            int k = (int)rng_below((unsigned)np);
            pilot_status to = (pilot_status)rng_below(PILOT_NSTATUS);
            int ok = pilot_status_transition_ok((pilot_status)pst[k], to);

            rc = pilotdb_pilot_set_status(db, pid[k], to);
            if (rc != (ok ? PILOTDB_OK : PILOTDB_ETRANSITION))
                fail_msg("seed 0x%llx step %d: status change got %s;"
                         " reproduce: PILOTDECK_TEST_SEED=0x%llx"
                         " tests/test_db test_random_operations",
                         (unsigned long long)seed, step, pilotdb_rc_str(rc),
                         (unsigned long long)seed);
            if (ok) {
                m[pce[k]].count[pst[k]]--;
                m[pce[k]].count[to]++;
                m[pce[k]].last_change_at = step;
                pst[k] = to;
            }
        } else if (op == 8) { /* toggle */
            pilotdb_ce_change chg = {.set = PILOTDB_SET_ENABLED,
                                     .enabled = !m[c].enabled};

            fx_ok(db, pilotdb_ce_update(db, m[c].name, &chg));
            m[c].enabled = !m[c].enabled;
        } else { /* resize, sometimes below the active count */
            pilotdb_ce_change chg = {.set = PILOTDB_SET_CAPACITY,
                                     .capacity = rng_below(9)};

            fx_ok(db, pilotdb_ce_update(db, m[c].name, &chg));
            m[c].capacity = chg.capacity;
        }
        /* Inside a transaction, several changes gather between reads. */
        if (in_tx && step % 3 != 0)
            continue;
        for (int i = 0; i < NCE; i++) {
            pilotdb_ce ce;
            int64_t active = m[i].count[0] + m[i].count[1];

            fx_ok(db, pilotdb_ce_get(db, m[i].name, &ce));
            for (int s = 0; s < PILOT_NSTATUS; s++)
                if (ce.count[s] != m[i].count[s])
                    fail_msg("seed 0x%llx step %d: %s %s count %lld, model %lld",
                             (unsigned long long)seed, step, m[i].name,
                             pilot_status_name(s), (long long)ce.count[s],
                             (long long)m[i].count[s]);
            if (ce.last_change_at != m[i].last_change_at)
                fail_msg("seed 0x%llx step %d: %s last change at %lld, model %lld",
                         (unsigned long long)seed, step, m[i].name,
                         (long long)ce.last_change_at, (long long)m[i].last_change_at);
            assert_int_equal(ce.available_slots,
                             m[i].enabled && m[i].capacity > active
                                 ? m[i].capacity - active : 0);
        }
        if (step % 50 == 0)
            fx_assert_consistent(db);
    }
    if (in_tx)
        fx_ok(db, pilotdb_commit(db));
    fx_assert_consistent(db);
    fx_close(db);
}

/* ---- files, schema and migration ----------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return buf;
}

static void spew(const char *path, const char *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);
}

/* Opening path must fail with want and leave the file's bytes as they were. */
static void expect_refused_untouched(const char *path, unsigned flags,
                                     pilotdb_rc want, const char *needle)
{
    char err[256];
    size_t before_len, after_len;
    char *before = slurp(path, &before_len), *after;
    pilotdb *db = (pilotdb *)1;
    pilotdb_rc rc = pilotdb_open(path, flags, &db, err, sizeof err);

    if (rc != want)
        fail_msg("%s: got %s (%s), wanted %s", path, pilotdb_rc_str(rc), err,
                 pilotdb_rc_str(want));
    assert_null(db);
    if (needle && !strstr(err, needle))
        fail_msg("message '%s' does not mention '%s'", err, needle);
    after = slurp(path, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
}

static void sql_on_file(const char *path, const char *sql)
{
    sqlite3 *conn = NULL;

    assert_int_equal(sqlite3_open(path, &conn), SQLITE_OK);
    if (sqlite3_exec(conn, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(conn));
    assert_int_equal(sqlite3_close(conn), SQLITE_OK);
}

static void test_open_refusals(void **state)
{
    char *dir = fx_tmpdir();
    char path[4096], err[256];
    pilotdb *db = NULL;
    pilotdb_rc rc;

    (void)state;
    snprintf(path, sizeof path, "%s/missing.db", dir);
    rc = pilotdb_open(path, 0, &db, err, sizeof err);
    assert_int_equal(rc, PILOTDB_ECANTOPEN);
    assert_non_null(strstr(err, "No such file"));
    assert_null(db);
    assert_int_equal(access(path, F_OK), -1); /* not created */

    rc = pilotdb_open(dir, PILOTDB_OPEN_CREATE, &db, err, sizeof err);
    assert_int_equal(rc, PILOTDB_ECANTOPEN);
    assert_non_null(strstr(err, "directory"));

    snprintf(path, sizeof path, "%s/empty.db", dir);
    spew(path, "", 0);
    expect_refused_untouched(path, 0, PILOTDB_ENOTDB, "empty");

    snprintf(path, sizeof path, "%s/text.db", dir);
    spew(path, "CE,capacity\nalpha,10\n", 21);
    expect_refused_untouched(path, 0, PILOTDB_ENOTDB, "not a pilotdeck");
    expect_refused_untouched(path, PILOTDB_OPEN_CREATE, PILOTDB_ENOTDB,
                             "not a pilotdeck");

    snprintf(path, sizeof path, "%s/other.db", dir);
    sql_on_file(path, "CREATE TABLE accounts(id INTEGER PRIMARY KEY);"
                      "INSERT INTO accounts VALUES (1);");
    expect_refused_untouched(path, PILOTDB_OPEN_CREATE, PILOTDB_ENOTDB,
                             "not a pilotdeck database");

    snprintf(path, sizeof path, "%s/newer.db", dir);
    db = fx_file_db(dir, "newer.db");
    fx_close(db);
    sql_on_file(path, "PRAGMA user_version = 99;");
    expect_refused_untouched(path, 0, PILOTDB_ESCHEMA, "newer");

    /* An empty file may be initialized by a creating open. */
    snprintf(path, sizeof path, "%s/empty.db", dir);
    fx_ok(NULL, pilotdb_open(path, PILOTDB_OPEN_CREATE, &db, err, sizeof err));
    fx_close(db);
    fx_ok(NULL, pilotdb_open(path, PILOTDB_OPEN_READONLY, &db, err, sizeof err));
    expect_rc(db, pilotdb_ce_add(db, "ce", 1, 1.0, 1, NULL), PILOTDB_EREADONLY,
              "readonly");
    fx_close(db);
    fx_tmpdir_remove(dir);
}

static void test_migrate_from_v1(void **state)
{
    char *dir = fx_tmpdir();
    char path[4096], sql[256];
    pilotdb *db;
    pilotdb_ce ce;
    int64_t id;

    (void)state;
    snprintf(path, sizeof path, "%s/v1.db", dir);
    assert_int_equal(pilotdb_migrations[0].version, 1);
    sql_on_file(path, pilotdb_migrations[0].sql);
    snprintf(sql, sizeof sql,
             "PRAGMA application_id = %d; PRAGMA user_version = 1;"
             "INSERT INTO ce(name, capacity, success_rate) VALUES ('old', 4, 0.9);",
             PILOTDB_APPLICATION_ID);
    sql_on_file(path, sql);
    sql_on_file(path, "INSERT INTO pilot(ce_id, status, submitted_at, updated_at)"
                      " VALUES (1, 0, 5, 5), (1, 1, 5, 6), (1, 2, 5, 7),"
                      " (1, 1, 5, 8);");
    /* Read-only cannot migrate, and leaves the file alone. */
    expect_refused_untouched(path, PILOTDB_OPEN_READONLY, PILOTDB_ESCHEMA,
                             "migrating");
    db = fx_file_db(dir, "v1.db");
    fx_ok(db, pilotdb_ce_get(db, "old", &ce));
    assert_int_equal(ce.count[PILOT_SUBMITTED], 1);
    assert_int_equal(ce.count[PILOT_RUNNING], 2);
    assert_int_equal(ce.count[PILOT_DONE], 1);
    assert_int_equal(ce.available_slots, 1);
    /* Counters move from here on. */
    id = submit(db, "old");
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_FAILED));
    fx_ok(db, pilotdb_ce_get(db, "old", &ce));
    assert_int_equal(ce.count[PILOT_FAILED], 1);
    {
        sqlite3_stmt *st;

        assert_int_equal(sqlite3_prepare_v2(pilotdb_sqlite(db),
                                            "PRAGMA user_version", -1, &st,
                                            NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), PILOTDB_SCHEMA_VERSION);
        sqlite3_finalize(st);
    }
    fx_close(db);
    fx_tmpdir_remove(dir);
}

/* Build a version 3 database at path from the shipped migrations. */
static void build_v3(const char *path)
{
    fx_old_db_file(path, 3);
}

static int64_t sql_int(pilotdb *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v;

    if (sqlite3_prepare_v2(pilotdb_sqlite(db), sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(pilotdb_sqlite(db)));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The event table of a version 3 file, read with SQLite alone (the layer
 * would migrate it), ordered by time, pilot and id. */
static void read_v3_events(const char *path, struct event_log *log)
{
    sqlite3 *conn = NULL;

    assert_int_equal(sqlite3_open_v2(path, &conn, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    read_events(conn, "SELECT pilot_id, ce_id, coalesce(from_status, -1), to_status,"
                      " at FROM pilot_event ORDER BY at, pilot_id, event_id", log);
    assert_int_equal(sqlite3_close(conn), SQLITE_OK);
}

/* A version 3 file with what version 4 refuses or orders differently: a
 * pilot whose CE was deleted behind the layer's back (the migration keeps
 * it, pilotdb_check() reports it) and history whose times go back (a
 * pilot's own changes keep their order). */
static void test_migrate_odd_v3(void **state)
{
    char *dir = fx_tmpdir();
    char path[4096];
    struct event_log log = {0};
    pilotdb *db;
    int64_t problems = 0;

    (void)state;
    snprintf(path, sizeof path, "%s/odd.db", dir);
    build_v3(path);
    sql_on_file(path,
                "INSERT INTO ce(name, capacity, success_rate) VALUES"
                " ('kept', 9, 0.9), ('gone', 4, 0.5);"
                "INSERT INTO pilot(ce_id, status, submitted_at, updated_at) VALUES"
                " (1, 0, 500, 500), (2, 0, 100, 100);"
                "UPDATE pilot SET status = 1, updated_at = 400 WHERE pilot_id = 1;"
                "UPDATE pilot SET status = 2, updated_at = 300 WHERE pilot_id = 1;"
                "DELETE FROM ce WHERE name = 'gone';");
    db = fx_file_db(dir, "odd.db");
    fx_ok(db, pilotdb_events_foreach(db, NULL, log_event, &log));
    assert_int_equal(log.n, 4);
    expect_event(&log, 0, 2, -1, PILOT_SUBMITTED, 100);
    expect_event(&log, 1, 1, -1, PILOT_SUBMITTED, 500);
    expect_event(&log, 2, 1, PILOT_SUBMITTED, PILOT_RUNNING, 500);
    expect_event(&log, 3, 1, PILOT_RUNNING, PILOT_DONE, 500);
    assert_int_equal(pilotdb_check(db, &problems), PILOTDB_EINCONSISTENT);
    assert_true(strstr(pilotdb_errmsg(db), "pilot row 2 refers to a missing ce") != NULL);
    /* The foreign key checks are back on after the migration. */
    assert_int_equal(sql_int(db, "PRAGMA foreign_keys"), 1);
    fx_close(db);
    fx_tmpdir_remove(dir);
}

/* A version 3 file, its history in the event table written by its own
 * triggers, arrives at version 4 with the history folded into the rows. */
static void test_migrate_from_v3(void **state)
{
    static const struct {
        int status;
        int64_t submitted, started, ended; /* 0: not yet */
    } want[] = {
        {PILOT_SUBMITTED, 100, 0, 0},
        {PILOT_RUNNING, 100, 200, 0},
        {PILOT_DONE, 110, 200, 300},
        {PILOT_FAILED, 120, 0, 250},
        {PILOT_FAILED, 130, 150, 400},
        {PILOT_DONE, 140, 140, 140},
    };
    enum { NP = sizeof want / sizeof want[0] };
    char *dir = fx_tmpdir();
    char path[4096];
    pilotdb *db;
    pilotdb_ce ce;
    struct event_log before = {0}, after = {0};

    (void)state;
    snprintf(path, sizeof path, "%s/v3.db", dir);
    build_v3(path);
    /* CE 1 has every status, CE 2 (disabled) one pilot, CE 3 none. */
    sql_on_file(path,
                "INSERT INTO ce(name, capacity, success_rate, enabled) VALUES"
                " ('busy', 9, 0.9, 1), ('off', 4, 0.5, 1), ('empty', 2, 1.0, 1);"
                "INSERT INTO pilot(ce_id, status, submitted_at, updated_at) VALUES"
                " (1, 0, 100, 100), (1, 0, 100, 100), (1, 0, 110, 110),"
                " (1, 0, 120, 120), (1, 0, 130, 130), (1, 0, 140, 140),"
                " (2, 0, 50, 50);"
                "UPDATE pilot SET status = 1, updated_at = 140 WHERE pilot_id = 6;"
                "UPDATE pilot SET status = 2, updated_at = 140 WHERE pilot_id = 6;"
                "UPDATE pilot SET status = 1, updated_at = 150 WHERE pilot_id = 5;"
                "UPDATE pilot SET status = 1, updated_at = 200 WHERE pilot_id IN (2, 3);"
                "UPDATE pilot SET status = 3, updated_at = 250 WHERE pilot_id = 4;"
                "UPDATE pilot SET status = 2, updated_at = 300 WHERE pilot_id = 3;"
                "UPDATE pilot SET status = 3, updated_at = 400 WHERE pilot_id = 5;"
                "UPDATE pilot SET status = 1, updated_at = 60 WHERE pilot_id = 7;"
                "UPDATE ce SET enabled = 0 WHERE name = 'off';");
    /* The history as version 3 kept it, in the order version 4 reads it. */
    read_v3_events(path, &before);
    assert_int_equal(before.n, 16); /* 7 submissions, 9 changes */

    db = fx_file_db(dir, "v3.db");
    assert_int_equal(sql_int(db, "PRAGMA user_version"), PILOTDB_SCHEMA_VERSION);
    assert_int_equal(PILOTDB_SCHEMA_VERSION, 6);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE"
                                 " name = 'pilot_event' AND type = 'view'"), 1);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE"
                                 " type IN ('table', 'trigger') AND name NOT IN"
                                 " ('pilot', 'ce', 'ce_change', 'meta',"
                                 " 'pilot_source')"), 0);
    for (int i = 0; i < NP; i++) {
        pilotdb_pilot p;

        fx_ok(db, pilotdb_pilot_get(db, i + 1, &p));
        if ((int)p.status != want[i].status || p.submitted_at != want[i].submitted ||
            p.started_at != (want[i].started ? want[i].started : PILOTDB_NO_TIME) ||
            p.ended_at != (want[i].ended ? want[i].ended : PILOTDB_NO_TIME))
            fail_msg("pilot %d: status %d, times %lld %lld %lld; wanted %d, %lld"
                     " %lld %lld (0: none)", i + 1, (int)p.status,
                     (long long)p.submitted_at, (long long)p.started_at,
                     (long long)p.ended_at, want[i].status,
                     (long long)want[i].submitted, (long long)want[i].started,
                     (long long)want[i].ended);
        assert_int_equal(p.updated_at, want[i].ended   ? want[i].ended
                                       : want[i].started ? want[i].started
                                                         : want[i].submitted);
    }
    fx_ok(db, pilotdb_ce_get(db, "busy", &ce));
    assert_int_equal(ce.count[PILOT_SUBMITTED], 1);
    assert_int_equal(ce.count[PILOT_RUNNING], 1);
    assert_int_equal(ce.count[PILOT_DONE], 2);
    assert_int_equal(ce.count[PILOT_FAILED], 2);
    assert_int_equal(ce.last_change_at, 400);
    fx_ok(db, pilotdb_ce_get(db, "off", &ce));
    assert_int_equal(ce.count[PILOT_RUNNING], 1);
    assert_int_equal(ce.last_change_at, 60);
    assert_false(ce.enabled);
    fx_ok(db, pilotdb_ce_get(db, "empty", &ce));
    assert_int_equal(ce.active, 0);
    assert_true(ce.last_change_at == PILOTDB_NO_TIME);
    /* The same history, now read from the rows. */
    fx_ok(db, pilotdb_events_foreach(db, NULL, log_event, &after));
    assert_same_events(&before, &after);
    fx_assert_consistent(db);
    /* The layer goes on from there. */
    fx_clock_ms = 500;
    fx_ok(db, pilotdb_pilot_set_status(db, 2, PILOT_DONE));
    submit(db, "empty");
    fx_ok(db, pilotdb_ce_get(db, "empty", &ce));
    assert_int_equal(ce.last_change_at, 500);
    fx_assert_consistent(db);
    fx_close(db);
    fx_tmpdir_remove(dir);
}

/* One line per schema object and per column: what a schema amounts to,
 * whatever the text of its CREATE statements. */
static char *schema_shape(pilotdb *db)
{
    static const char sql[] =
        "SELECT group_concat(line, char(10)) FROM ("
        " SELECT type || ' ' || name || ' ' || tbl_name AS line FROM sqlite_schema"
        " UNION ALL SELECT 'column ' || m.name || '.' || c.name || ' ' || c.type"
        "   || ' ' || c.\"notnull\" || ' ' || coalesce(c.dflt_value, '-')"
        "   || ' ' || c.pk FROM sqlite_schema m, pragma_table_info(m.name) c"
        "   WHERE m.type = 'table'"
        " UNION ALL SELECT 'trigger-sql ' || name || ' ' || sql FROM sqlite_schema"
        "   WHERE type = 'trigger'"
        " ORDER BY line)";
    sqlite3_stmt *st;
    char *shape;

    assert_int_equal(sqlite3_prepare_v2(pilotdb_sqlite(db), sql, -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    shape = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return shape;
}

/* The fresh schema and the one the migrations arrive at are the same. */
static void test_fresh_equals_migrated(void **state)
{
    char *dir = fx_tmpdir();
    char path[4096], sql[128];
    pilotdb *fresh = fx_memory_db(), *migrated;
    char *a, *b;

    (void)state;
    snprintf(path, sizeof path, "%s/v1.db", dir);
    sql_on_file(path, pilotdb_migrations[0].sql);
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = 1;",
             PILOTDB_APPLICATION_ID);
    sql_on_file(path, sql);
    migrated = fx_file_db(dir, "v1.db");
    a = schema_shape(fresh);
    b = schema_shape(migrated);
    assert_string_equal(a, b);
    free(a);
    free(b);
    fx_close(fresh);
    fx_close(migrated);
    fx_tmpdir_remove(dir);
}

static void test_file_db_is_wal(void **state)
{
    char *dir = fx_tmpdir();
    pilotdb *db = fx_file_db(dir, "wal.db");
    sqlite3_stmt *st;

    (void)state;
    assert_int_equal(sqlite3_prepare_v2(pilotdb_sqlite(db), "PRAGMA journal_mode",
                                        -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    fx_close(db);
    fx_tmpdir_remove(dir);
}

/* A writer waits for another's transaction to end, and gives up with
 * PILOTDB_EBUSY and a message after the busy timeout (5 s), leaving no
 * transaction open and nothing written. */
static void test_busy_timeout(void **state)
{
    char *dir = fx_tmpdir();
    pilotdb *a = fx_file_db(dir, "busy.db");
    pilotdb *b = fx_file_db(dir, "busy.db");
    struct timespec t0, t1;
    double waited;

    (void)state;
    fx_ok(a, pilotdb_begin(a));
    fx_ok(a, pilotdb_ce_add(a, "held", 1, 1.0, 1, NULL));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_rc(b, pilotdb_ce_add(b, "waiting", 1, 1.0, 1, NULL), PILOTDB_EBUSY, "lock");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (waited < 4.9 || waited > 8.0)
        fail_msg("gave up after %.2f s, not after the 5 s busy timeout", waited);
    assert_false(pilotdb_in_transaction(b));
    fx_ok(a, pilotdb_commit(a));
    /* Once the lock is free, the same call goes through. */
    fx_ok(b, pilotdb_ce_add(b, "waiting", 1, 1.0, 1, NULL));
    fx_close(a);
    fx_close(b);
    fx_tmpdir_remove(dir);
}

/* pilotdb_set_cache() sets the page cache in KiB and refuses nonsense. */
static void test_set_cache(void **state)
{
    pilotdb *db = fx_memory_db();
    sqlite3_stmt *st;

    (void)state;
    fx_ok(db, pilotdb_set_cache(db, 65536));
    assert_int_equal(sqlite3_prepare_v2(pilotdb_sqlite(db), "PRAGMA cache_size", -1, &st,
                                        NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), -65536);
    sqlite3_finalize(st);
    expect_rc(db, pilotdb_set_cache(db, 0), PILOTDB_EINVAL, "out of range");
    expect_rc(db, pilotdb_set_cache(db, -1), PILOTDB_EINVAL, "out of range");
    expect_rc(db, pilotdb_set_cache(db, (INT64_C(1) << 30) + 1), PILOTDB_EINVAL,
              "out of range");
    fx_close(db);
}

/* A scratch database keeps no journal, works like any other, and must be
 * :memory:. */
static void test_scratch_db(void **state)
{
    char *dir = fx_tmpdir(), path[4096], err[256];
    pilotdb *db = NULL;
    pilotdb_summary sum;
    sqlite3_stmt *st;
    int64_t id, problems = -1;

    (void)state;
    assert_int_equal(pilotdb_open(":memory:", PILOTDB_OPEN_CREATE | PILOTDB_OPEN_SCRATCH,
                                  &db, err, sizeof err), PILOTDB_OK);
    assert_int_equal(sqlite3_prepare_v2(pilotdb_sqlite(db), "PRAGMA journal_mode",
                                        -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "off");
    sqlite3_finalize(st);
    fx_ok(db, pilotdb_ce_add(db, "ce-a", 2, 1.0, 1, NULL));
    fx_ok(db, pilotdb_begin(db));
    fx_ok(db, pilotdb_pilot_submit(db, "ce-a", &id));
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
    fx_ok(db, pilotdb_commit(db));
    fx_ok(db, pilotdb_summary_get(db, &sum));
    assert_int_equal(sum.count[PILOT_RUNNING], 1);
    fx_ok(db, pilotdb_check(db, &problems));
    assert_int_equal(problems, 0);
    fx_close(db);

    snprintf(path, sizeof path, "%s/scratch.db", dir);
    assert_int_equal(pilotdb_open(path, PILOTDB_OPEN_CREATE | PILOTDB_OPEN_SCRATCH, &db,
                                  err, sizeof err), PILOTDB_EINVAL);
    assert_null(db);
    assert_non_null(strstr(err, ":memory:"));
    assert_int_not_equal(access(path, F_OK), 0); /* nothing created */
    fx_tmpdir_remove(dir);
}

/* ---- fixtures -------------------------------------------------------------- */

/* Several databases in one test are independent. */
static void test_several_dbs(void **state)
{
    pilotdb *a = fx_template_db(), *b = fx_template_db(), *c = fx_memory_db();
    pilotdb_ce *ces = NULL;
    size_t n = 0;

    (void)state;
    fx_ok(a, pilotdb_ce_add(a, "only-in-a", 1, 1.0, 1, NULL));
    fx_ok(c, pilotdb_ce_add(c, "only-in-c", 1, 1.0, 1, NULL));
    fx_ok(b, pilotdb_ce_list(b, 0, &ces, &n));
    assert_int_equal(n, 0);
    fx_ok(a, pilotdb_ce_list(a, 0, &ces, &n));
    assert_int_equal(n, 1);
    pilotdb_free(ces);
    fx_close(a);
    fx_close(b);
    fx_close(c);
}

/* Rollback isolation: one database, a SAVEPOINT per test. */
static pilotdb *shared_db;

static int shared_setup(void **state)
{
    (void)state;
    return fx_savepoint_begin(shared_db);
}

static int shared_teardown(void **state)
{
    (void)state;
    return fx_savepoint_end(shared_db);
}

static void test_savepoint_writes(void **state)
{
    pilotdb_summary s;

    (void)state;
    fx_ok(shared_db, pilotdb_ce_add(shared_db, "ce", 2, 1.0, 1, NULL));
    submit(shared_db, "ce");
    fx_ok(shared_db, pilotdb_summary_get(shared_db, &s));
    assert_int_equal(s.count[PILOT_SUBMITTED], 1);
}

static void test_savepoint_sees_nothing(void **state)
{
    pilotdb_ce *ces = NULL;
    size_t n = 1;

    (void)state;
    fx_ok(shared_db, pilotdb_ce_list(shared_db, 0, &ces, &n));
    assert_int_equal(n, 0);
    /* The same name is free again: the previous test left nothing. */
    fx_ok(shared_db, pilotdb_ce_add(shared_db, "ce", 2, 1.0, 1, NULL));
}

static int group_setup(void **state)
{
    (void)state;
    return pilotdb_open(":memory:", PILOTDB_OPEN_CREATE, &shared_db, NULL, 0) ==
                   PILOTDB_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    return pilotdb_close(shared_db) == PILOTDB_OK ? 0 : -1;
}

static void test_serialize_roundtrip(void **state)
{
    pilotdb *db = fx_sample_db(), *copy = NULL;
    unsigned char *image = NULL;
    size_t size = 0;
    pilotdb_summary a, b;
    char err[128];

    (void)state;
    fx_ok(db, pilotdb_serialize(db, &image, &size));
    assert_true(size > 0);
    fx_ok(NULL, pilotdb_open_image(image, size, &copy, err, sizeof err));
    fx_ok(db, pilotdb_summary_get(db, &a));
    fx_ok(copy, pilotdb_summary_get(copy, &b));
    assert_memory_equal(&a, &b, sizeof a);
    fx_assert_consistent(copy);
    /* A corrupt image is refused, not crashed on. */
    memset(image, 'x', 100);
    fx_close(copy);
    assert_int_equal(pilotdb_open_image(image, size, &copy, err, sizeof err),
                     PILOTDB_ENOTDB);
    assert_null(copy);
    assert_int_equal(pilotdb_open_image(image, 0, &copy, err, sizeof err),
                     PILOTDB_EINVAL);
    pilotdb_free(image);
    fx_close(db);
}

/* A saved position reads back as written, follows the transaction it was
 * written in, and refuses bad keys and values. */
static void test_positions(void **state)
{
    pilotdb *db = fx_memory_db();
    pilotdb_position pos = {42, 1234567, 8192, 77, "jsonl"}, got;
    const char *actor, *user;

    (void)state;
    assert_int_equal(pilotdb_position_get(db, "/var/log/pilots.jsonl", &got),
                     PILOTDB_ENOTFOUND);
    assert_int_equal(pilotdb_position_set(db, "/var/log/pilots.jsonl", &pos), PILOTDB_OK);
    assert_int_equal(pilotdb_position_get(db, "/var/log/pilots.jsonl", &got), PILOTDB_OK);
    assert_memory_equal(&got, &pos, sizeof pos);

    /* rolled back with its transaction */
    assert_int_equal(pilotdb_begin(db), PILOTDB_OK);
    pos.offset = 9000;
    pos.format[0] = '\0';
    assert_int_equal(pilotdb_position_set(db, "/var/log/pilots.jsonl", &pos), PILOTDB_OK);
    assert_int_equal(pilotdb_position_get(db, "/var/log/pilots.jsonl", &got), PILOTDB_OK);
    assert_int_equal(got.offset, 9000);
    assert_string_equal(got.format, "");
    assert_int_equal(pilotdb_rollback(db), PILOTDB_OK);
    assert_int_equal(pilotdb_position_get(db, "/var/log/pilots.jsonl", &got), PILOTDB_OK);
    assert_int_equal(got.offset, 8192);
    assert_string_equal(got.format, "jsonl");

    pos.offset = -1;
    assert_int_equal(pilotdb_position_set(db, "k", &pos), PILOTDB_EINVAL);
    pos.offset = 0;
    strcpy(pos.format, "JSON");
    assert_int_equal(pilotdb_position_set(db, "k", &pos), PILOTDB_EINVAL);
    strcpy(pos.format, "condor");
    assert_int_equal(pilotdb_position_set(db, "", &pos), PILOTDB_EINVAL);
    assert_int_equal(pilotdb_position_set(db, "a\033b", &pos), PILOTDB_EINVAL);
    assert_int_equal(pilotdb_position_get(db, "k", &got), PILOTDB_ENOTFOUND);

    /* a damaged value is reported, not trusted */
    assert_int_equal(sqlite3_exec(pilotdb_sqlite(db), "INSERT INTO meta VALUES"
                                  " ('position:bad', '1 2 x 4 jsonl')", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(pilotdb_position_get(db, "bad", &got), PILOTDB_EINCONSISTENT);

    /* the actor reads back */
    assert_string_equal(pilotdb_actor(db, &user), "api");
    assert_string_equal(user, "");
    assert_int_equal(pilotdb_set_actor(db, "ingest", "alice"), PILOTDB_OK);
    actor = pilotdb_actor(db, &user);
    assert_string_equal(actor, "ingest");
    assert_string_equal(user, "alice");
    pilotdb_close(db);
}

/* A CE created and changed in one transaction has one creation row per
 * field, with the values at commit; a later change is a row of its own. */
static void test_changelog_amends_creation(void **state)
{
    pilotdb *db = fx_memory_db();
    pilotdb_ce_spec spec = {"ce-a", 0, 1.0, 1, NULL, PILOTDB_CAPACITY_INFERRED};
    pilotdb_ce_edit_spec edit = {{PILOTDB_SET_CAPACITY | PILOTDB_SET_SUCCESS_RATE, 37, 0.75, 1},
                                 "SITE-A", PILOTDB_CAPACITY_INFERRED};
    pilotdb_ce_change upd = {PILOTDB_SET_CAPACITY, 40, 0, 0};
    pilotdb_ce_history_row *rows;
    size_t n;

    (void)state;
    assert_int_equal(pilotdb_begin(db), PILOTDB_OK);
    assert_int_equal(pilotdb_ce_add_spec(db, &spec, NULL), PILOTDB_OK);
    edit.change.set |= PILOTDB_SET_SITE | PILOTDB_SET_CAPACITY_SOURCE;
    assert_int_equal(pilotdb_ce_edit(db, "ce-a", &edit), PILOTDB_OK);
    assert_int_equal(pilotdb_commit(db), PILOTDB_OK);
    assert_int_equal(pilotdb_ce_history(db, "ce-a", INT64_MIN, &rows, &n), PILOTDB_OK);
    assert_int_equal(n, 4); /* capacity, success_rate, enabled, site: all created */
    for (size_t i = 0; i < n; i++) {
        assert_true(rows[i].old_value.null);
        if (rows[i].field == PILOTDB_FIELD_CAPACITY)
            assert_int_equal(rows[i].new_value.i, 37);
        if (rows[i].field == PILOTDB_FIELD_SUCCESS_RATE)
            assert_true(rows[i].new_value.d == 0.75);
        if (rows[i].field == PILOTDB_FIELD_SITE)
            assert_string_equal(rows[i].new_value.text, "SITE-A");
    }
    pilotdb_free(rows);

    /* the next transaction's change is a change */
    assert_int_equal(pilotdb_ce_update(db, "ce-a", &upd), PILOTDB_OK);
    assert_int_equal(pilotdb_ce_history(db, "ce-a", INT64_MIN, &rows, &n), PILOTDB_OK);
    assert_int_equal(n, 5);
    assert_int_equal(rows[0].field, PILOTDB_FIELD_CAPACITY);
    assert_false(rows[0].old_value.null);
    assert_int_equal(rows[0].old_value.i, 37);
    assert_int_equal(rows[0].new_value.i, 40);
    pilotdb_free(rows);
    pilotdb_close(db);
}

/* The data version inside a read transaction of h. */
static uint64_t data_version(pilotdb *h)
{
    uint64_t version = 0;

    fx_ok(h, pilotdb_begin_read(h));
    fx_ok(h, pilotdb_data_version(h, &version));
    fx_ok(h, pilotdb_commit(h));
    assert_true(version != 0);
    return version;
}

/* The data version moves with every change, from this handle or another,
 * and with nothing else; two handles never give the same one. */
static void test_data_version(void **state)
{
    char *dir = fx_tmpdir();
    pilotdb *writer = fx_file_db(dir, "version.db");
    pilotdb *reader = fx_file_db(dir, "version.db");
    pilotdb *memory = fx_memory_db();
    uint64_t v, w, version = 1;
    int64_t id;

    (void)state;
    expect_rc(reader, pilotdb_data_version(reader, &version), PILOTDB_EMISUSE,
              "no transaction");
    assert_int_equal(version, 0);
    v = data_version(reader);
    assert_true(v == data_version(reader));
    assert_true(v != data_version(writer));
    fx_ok(writer, pilotdb_ce_add(writer, "ce", 3, 1.0, 1, NULL)); /* another handle */
    w = data_version(reader);
    assert_true(w != v);
    assert_true(w == data_version(reader));
    fx_ok(reader, pilotdb_pilot_submit(reader, "ce", &id)); /* this handle */
    v = data_version(reader);
    assert_true(v != w);
    fx_ok(writer, pilotdb_begin(writer)); /* a change after a rolled back one */
    fx_ok(writer, pilotdb_pilot_submit(writer, "ce", &id));
    fx_ok(writer, pilotdb_rollback(writer));
    w = data_version(reader);
    fx_ok(writer, pilotdb_pilot_set_status(writer, id - 1, PILOT_RUNNING));
    assert_true(data_version(reader) != w);
    v = data_version(memory);
    fx_ok(memory, pilotdb_ce_add(memory, "ce", 3, 1.0, 1, NULL));
    assert_true(data_version(memory) != v);
    fx_close(memory);
    fx_close(reader);
    fx_close(writer);
    fx_tmpdir_remove(dir);
}

/* Names of the listing's n CEs, in its order, joined by spaces. */
static void listed_names(pilotdb *db, char *out, size_t size)
{
    pilotdb_ce *ces = NULL;
    size_t n = 0, len = 0;

    fx_ok(db, pilotdb_ce_list(db, 0, &ces, &n));
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, size - len, "%s%s", i ? " " : "", ces[i].name);
    pilotdb_free(ces);
}

/* The listing reuses the last one's order: it stays in name order when
 * CEs come, go and change names (the set, the count or both). */
static void test_ce_list_order_remembered(void **state)
{
    pilotdb *db = fx_memory_db();
    sqlite3 *conn = pilotdb_sqlite(db);
    pilotdb_ce *ces = NULL;
    char names[256];
    size_t n = 0;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "m", 1, 0.5, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "c", 1, 0.5, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "x", 1, 0.5, 0, NULL));
    listed_names(db, names, sizeof names);
    assert_string_equal(names, "c m x");
    listed_names(db, names, sizeof names); /* the remembered order */
    assert_string_equal(names, "c m x");
    fx_ok(db, pilotdb_ce_list(db, 1, &ces, &n)); /* a filtered listing between */
    assert_int_equal(n, 2);
    pilotdb_free(ces);
    listed_names(db, names, sizeof names);
    assert_string_equal(names, "c m x");
    fx_ok(db, pilotdb_ce_add(db, "a", 1, 0.5, 1, NULL)); /* one more */
    listed_names(db, names, sizeof names);
    assert_string_equal(names, "a c m x");
    /* the same count, another set */
    assert_int_equal(sqlite3_exec(conn, "DELETE FROM ce WHERE name = 'c';"
                                        "INSERT INTO ce (name, capacity, success_rate,"
                                        " enabled) VALUES ('b', 1, 0.5, 1)",
                                  NULL, NULL, NULL), SQLITE_OK);
    listed_names(db, names, sizeof names);
    assert_string_equal(names, "a b m x");
    /* the same rows, one renamed out of place */
    assert_int_equal(sqlite3_exec(conn, "UPDATE ce SET name = 'z' WHERE name = 'a'",
                                  NULL, NULL, NULL), SQLITE_OK);
    listed_names(db, names, sizeof names);
    assert_string_equal(names, "b m x z");
    /* one fewer */
    assert_int_equal(sqlite3_exec(conn, "DELETE FROM ce WHERE name = 'm'", NULL, NULL, NULL),
                     SQLITE_OK);
    listed_names(db, names, sizeof names);
    assert_string_equal(names, "b x z");
    assert_int_equal(sqlite3_exec(conn, "DELETE FROM ce", NULL, NULL, NULL), SQLITE_OK);
    fx_ok(db, pilotdb_ce_list(db, 0, &ces, &n));
    assert_null(ces);
    assert_int_equal(n, 0);
    fx_ok(db, pilotdb_ce_add(db, "d", 1, 0.5, 1, NULL));
    listed_names(db, names, sizeof names);
    assert_string_equal(names, "d");
    fx_close(db);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tutorial[] = {
        cmocka_unit_test(test_add_and_get_ces),
        cmocka_unit_test(test_disabled_ce_not_available),
        cmocka_unit_test(test_submit_pilot),
        cmocka_unit_test(test_update_pilot_status),
        cmocka_unit_test(test_capacity_tracking),
        cmocka_unit_test(test_get_ce_success_rate),
        cmocka_unit_test(test_pilot_summary),
    };
    const struct CMUnitTest rules[] = {
        cmocka_unit_test(test_ce_add_refusals),
        cmocka_unit_test(test_ce_pilots_scan),
        cmocka_unit_test(test_ce_pilots_scan_reads_its_own),
        cmocka_unit_test(test_ce_history_reads_its_own),
        cmocka_unit_test(test_ce_update),
        cmocka_unit_test(test_submit_refusals),
        cmocka_unit_test(test_state_machine),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_event_history),
        cmocka_unit_test(test_pilot_times),
        cmocka_unit_test(test_pilot_move),
        cmocka_unit_test(test_ce_last_change),
        cmocka_unit_test(test_sample_data),
        cmocka_unit_test(test_caller_transaction),
        cmocka_unit_test(test_check_finds_drift),
        cmocka_unit_test(test_check_finds_time_and_key_drift),
        cmocka_unit_test(test_row_times_checked),
        cmocka_unit_test(test_refused_calls),
        cmocka_unit_test(test_random_operations),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_changelog_amends_creation),
        cmocka_unit_test(test_ce_list_order_remembered),
    };
    const struct CMUnitTest files[] = {
        cmocka_unit_test(test_second_connection),
        cmocka_unit_test(test_transaction_counters),
        cmocka_unit_test(test_transaction_known_ces),
        cmocka_unit_test(test_transaction_ended_behind),
        cmocka_unit_test(test_clock_edges),
        cmocka_unit_test(test_two_writers_capacity),
        cmocka_unit_test(test_open_refusals),
        cmocka_unit_test(test_migrate_from_v1),
        cmocka_unit_test(test_migrate_from_v3),
        cmocka_unit_test(test_migrate_odd_v3),
        cmocka_unit_test(test_fresh_equals_migrated),
        cmocka_unit_test(test_file_db_is_wal),
        cmocka_unit_test(test_scratch_db),
        cmocka_unit_test(test_busy_timeout),
        cmocka_unit_test(test_set_cache),
        cmocka_unit_test(test_several_dbs),
        cmocka_unit_test(test_serialize_roundtrip),
        cmocka_unit_test(test_data_version),
    };
    const struct CMUnitTest isolation[] = {
        cmocka_unit_test_setup_teardown(test_savepoint_writes, shared_setup,
                                        shared_teardown),
        cmocka_unit_test_setup_teardown(test_savepoint_sees_nothing,
                                        shared_setup, shared_teardown),
    };
    const struct fx_group groups[] = {
        FX_GROUP("tutorial", tutorial, NULL, NULL),
        FX_GROUP("rules", rules, NULL, NULL),
        FX_GROUP("files", files, NULL, NULL),
        FX_GROUP("isolation", isolation, group_setup, group_teardown),
    };

    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
