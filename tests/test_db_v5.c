/*
 * test_db_v5.c - schema version 5 of libpilotdb: migration from version 4,
 * the database's clock kind, CE sites and capacity sources, the CE change
 * log, pilots observed by an outside source (pilotdb_pilot_observe()), and
 * the pilots' transitions in time order (pilotdb_transitions_foreach()).
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
#include "pilotdb.h"
#include "schema.h"

/* Wall-clock times of the tests: 2026-12-01T00:00:00Z plus seconds. */
#define T0 INT64_C(1796083200000)
#define AT(s) (T0 + (int64_t)(s) * 1000)

static void expect_rc(pilotdb *db, pilotdb_rc rc, pilotdb_rc want, const char *needle)
{
    if (rc != want)
        fail_msg("got %s (%s), wanted %s", pilotdb_rc_str(rc), pilotdb_errmsg(db),
                 pilotdb_rc_str(want));
    if (needle && !strstr(pilotdb_errmsg(db), needle))
        fail_msg("message '%s' lacks '%s'", pilotdb_errmsg(db), needle);
}

static void sql_on_file(const char *path, const char *sql)
{
    sqlite3 *conn = NULL;

    assert_int_equal(sqlite3_open(path, &conn), SQLITE_OK);
    if (sqlite3_exec(conn, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(conn));
    assert_int_equal(sqlite3_close(conn), SQLITE_OK);
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

/* Every pilot row as text, for comparing whole states. */
static char *pilot_rows(pilotdb *db)
{
    sqlite3_stmt *st;
    char *text;

    assert_int_equal(sqlite3_prepare_v2(pilotdb_sqlite(db),
                                        "SELECT (SELECT group_concat(line, char(10))"
                                        " FROM (SELECT printf('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s',"
                                        " p.pilot_id, ce_id, status, submitted_at,"
                                        " started_at, ended_at, time_kinds, ref,"
                                        " reason, source_status) AS line FROM pilot p"
                                        " LEFT JOIN pilot_source s USING (pilot_id)"
                                        " ORDER BY p.pilot_id))"
                                        " || ';' || (SELECT group_concat(printf("
                                        "'%s|%s|%s|%s|%s|%s|%s', name, n_submitted,"
                                        " n_running, n_done, n_failed, last_change_at,"
                                        " site), ';') FROM ce)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    text = strdup(sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0)
                                             : "");
    sqlite3_finalize(st);
    return text;
}

/* ---- migration from version 4 ---------------------------------------------- */

/* A version 4 file at path, built from the shipped migrations, with two
 * CEs and pilots in every status, one failed before it started. */
static void build_v4(const char *path)
{
    fx_old_db_file(path, 4);
    sql_on_file(path,
                "INSERT INTO ce(name, capacity, success_rate, enabled, n_submitted,"
                " n_running, n_done, n_failed, last_change_at) VALUES"
                " ('ce-a', 4, 0.9, 1, 1, 1, 1, 1, 400), ('ce-b', 2, 0.5, 0, 0, 0, 0, 1, 90);"
                "INSERT INTO pilot(ce_id, status, submitted_at, started_at, ended_at)"
                " VALUES (1, 0, 100, NULL, NULL), (1, 1, 100, 200, NULL),"
                " (1, 2, 110, 200, 400), (1, 3, 120, 150, 300), (2, 3, 50, NULL, 90);");
}

static void test_migrate_from_v4(void **state)
{
    char *dir = fx_tmpdir();
    char path[4096];
    pilotdb *db;
    pilotdb_ce ce;
    pilotdb_pilot p;
    pilotdb_clock_type kind;
    pilotdb_observation obs;

    (void)state;
    snprintf(path, sizeof path, "%s/v4.db", dir);
    build_v4(path);
    db = fx_file_db(dir, "v4.db");
    assert_int_equal(sql_int(db, "PRAGMA user_version"), PILOTDB_SCHEMA_VERSION);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM pilot"), 5);
    /* A simulation's ended pilots (virtual times) stay out of the index
     * of ended pilots by CE (version 6). */
    assert_int_equal(sql_int(db, "SELECT count(*) FROM pilot INDEXED BY pilot_ended_by_ce"
                                 " WHERE ce_id > 0 AND status >= 2"
                                 " AND ended_at >= 631152000000"), 0);
    fx_assert_consistent(db);
    fx_ok(db, pilotdb_ce_get(db, "ce-a", &ce));
    for (int s = 0; s < PILOT_NSTATUS; s++)
        assert_int_equal(ce.count[s], 1);
    assert_int_equal(ce.last_change_at, 400);
    assert_string_equal(ce.site, "");
    assert_int_equal(ce.capacity_source, PILOTDB_CAPACITY_CONFIGURED);
    fx_ok(db, pilotdb_ce_get(db, "ce-b", &ce));
    assert_int_equal(ce.count[PILOT_FAILED], 1);
    assert_false(ce.enabled);
    /* Times and their kinds: exact, or never happened. */
    fx_ok(db, pilotdb_pilot_get(db, 3, &p));
    assert_int_equal(p.status, PILOT_DONE);
    assert_int_equal(p.submitted_at, 110);
    assert_int_equal(p.started_at, 200);
    assert_int_equal(p.ended_at, 400);
    assert_int_equal(p.submitted_kind, PILOTDB_TIME_EXACT);
    assert_int_equal(p.started_kind, PILOTDB_TIME_EXACT);
    assert_int_equal(p.ended_kind, PILOTDB_TIME_EXACT);
    assert_string_equal(p.ref, "");
    fx_ok(db, pilotdb_pilot_get(db, 5, &p));
    assert_int_equal(p.started_kind, PILOTDB_TIME_NONE);
    assert_true(p.started_at == PILOTDB_NO_TIME);
    /* No CE changes before the migration; the clock was a simulation's. */
    assert_int_equal(sql_int(db, "SELECT count(*) FROM ce_change"), 0);
    fx_ok(db, pilotdb_clock_kind(db, &kind));
    assert_int_equal(kind, PILOTDB_CLOCK_SIM);
    memset(&obs, 0, sizeof obs);
    obs.ref = "r";
    obs.ce_name = "ce-a";
    obs.status = PILOT_SUBMITTED;
    obs.submitted.kind = PILOTDB_TIME_EXACT;
    obs.submitted.at = AT(0);
    expect_rc(db, pilotdb_pilot_observe(db, &obs, NULL, NULL), PILOTDB_ECLOCK,
              "this database holds a simulation on a virtual clock; ingest needs a"
              " wall-clock database");
    /* The layer goes on from there. */
    fx_clock_ms = 500;
    fx_ok(db, pilotdb_pilot_set_status(db, 2, PILOT_DONE));
    fx_ok(db, pilotdb_pilot_submit(db, "ce-a", NULL));
    fx_assert_consistent(db);
    fx_close(db);
    fx_tmpdir_remove(dir);
}

/* A version 4 file of wall-clock times becomes a wall-clock database; one
 * with no pilot has no clock kind yet. */
static void test_migrate_guesses_clock(void **state)
{
    char *dir = fx_tmpdir();
    char path[4096], sql[256];
    pilotdb *db;
    pilotdb_clock_type kind;

    (void)state;
    snprintf(path, sizeof path, "%s/wall.db", dir);
    build_v4(path);
    snprintf(sql, sizeof sql, "UPDATE pilot SET submitted_at = submitted_at + %lld,"
             " started_at = started_at + %lld, ended_at = ended_at + %lld;"
             " UPDATE ce SET last_change_at = last_change_at + %lld;",
             (long long)T0, (long long)T0, (long long)T0, (long long)T0);
    sql_on_file(path, sql);
    db = fx_file_db(dir, "wall.db");
    fx_ok(db, pilotdb_clock_kind(db, &kind));
    assert_int_equal(kind, PILOTDB_CLOCK_WALL);
    fx_assert_consistent(db);
    /* Real data's ended pilots are all in the index of ended pilots by
     * CE (version 6). */
    assert_int_equal(sql_int(db, "SELECT count(*) FROM pilot INDEXED BY pilot_ended_by_ce"
                                 " WHERE ce_id = 1 AND status >= 2"
                                 " AND ended_at >= 631152000000"), 2);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM pilot INDEXED BY pilot_ended_by_ce"
                                 " WHERE ce_id = 2 AND status >= 2"
                                 " AND ended_at >= 631152000000"), 1);
    fx_close(db);

    snprintf(path, sizeof path, "%s/empty.db", dir);
    build_v4(path);
    sql_on_file(path, "DELETE FROM pilot; UPDATE ce SET n_submitted = 0,"
                      " n_running = 0, n_done = 0, n_failed = 0, last_change_at = NULL;");
    db = fx_file_db(dir, "empty.db");
    fx_ok(db, pilotdb_clock_kind(db, &kind));
    assert_int_equal(kind, PILOTDB_CLOCK_UNSET);
    fx_close(db);
    fx_tmpdir_remove(dir);
}

static int count_pilot(void *arg, const pilotdb_pilot_brief *p)
{
    (void)p;
    ++*(int64_t *)arg;
    return 0;
}

/* A version 5 database reads as the current one read-only (version 6
 * adds an index only): `check`, `metrics` and the listings need not wait
 * for a writer to migrate it, and the file is left as it was. */
static void test_v5_read_only(void **state)
{
    char *dir = fx_tmpdir();
    char path[4096], err[256];
    pilotdb *db = NULL;
    pilotdb_ce *ces = NULL;
    pilotdb_ce_history_row *rows = NULL;
    int64_t pilots = 0;
    size_t n = 0;

    (void)state;
    snprintf(path, sizeof path, "%s/v5.db", dir);
    fx_old_db_file(path, 5);
    sql_on_file(path, "INSERT INTO ce(name, capacity, success_rate, n_running, n_done,"
                      " last_change_at) VALUES ('ce-a', 4, 0.9, 1, 1, 1800000002000);"
                      "INSERT INTO ce_change(at, ce_id, field, new_value, actor)"
                      " VALUES (1000, 1, 'capacity', 4, 'cli');"
                      "INSERT INTO pilot(ce_id, status, submitted_at, started_at, ended_at)"
                      " VALUES (1, 1, 1800000000000, 1800000001000, NULL),"
                      " (1, 2, 1800000000000, 1800000001000, 1800000002000);");
    fx_ok(NULL, pilotdb_open(path, PILOTDB_OPEN_READONLY, &db, err, sizeof err));
    fx_ok(db, pilotdb_ce_list(db, 0, &ces, &n));
    assert_int_equal(n, 1);
    pilotdb_free(ces);
    fx_ok(db, pilotdb_ce_history(db, "ce-a", INT64_MIN, &rows, &n));
    assert_int_equal(n, 1);
    pilotdb_free(rows);
    fx_ok(db, pilotdb_check(db, NULL));
    /* A CE's pilots without the index of version 6: one scan. */
    fx_ok(db, pilotdb_ce_pilots_scan(db, "ce-a", count_pilot, &pilots));
    assert_int_equal(pilots, 2);
    assert_int_equal(sql_int(db, "PRAGMA user_version"), 5);
    assert_int_equal(pilotdb_close(db), PILOTDB_OK);
    /* Read-write, it is migrated. */
    db = fx_file_db(dir, "v5.db");
    assert_int_equal(sql_int(db, "PRAGMA user_version"), PILOTDB_SCHEMA_VERSION);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_schema"
                                 " WHERE name = 'ce_change_by_ce'"), 1);
    fx_close(db);
    fx_tmpdir_remove(dir);
}

/* ---- the clock kind ------------------------------------------------------------ */

static void test_clock_kind(void **state)
{
    char *dir = fx_tmpdir();
    pilotdb *db = fx_file_db(dir, "clock.db");
    pilotdb_clock_type kind;

    (void)state;
    fx_ok(db, pilotdb_clock_kind(db, &kind));
    assert_int_equal(kind, PILOTDB_CLOCK_UNSET);
    expect_rc(db, pilotdb_clock_claim(db, PILOTDB_CLOCK_UNSET), PILOTDB_EINVAL, NULL);
    expect_rc(db, pilotdb_clock_claim(db, (pilotdb_clock_type)7), PILOTDB_EINVAL, NULL);
    fx_ok(db, pilotdb_clock_claim(db, PILOTDB_CLOCK_SIM));
    fx_ok(db, pilotdb_clock_claim(db, PILOTDB_CLOCK_SIM));
    expect_rc(db, pilotdb_clock_claim(db, PILOTDB_CLOCK_WALL), PILOTDB_ECLOCK,
              "ingest needs a wall-clock database");
    fx_close(db);
    /* It is the database's, not the handle's. */
    db = fx_file_db(dir, "clock.db");
    fx_ok(db, pilotdb_clock_kind(db, &kind));
    assert_int_equal(kind, PILOTDB_CLOCK_SIM);
    fx_close(db);

    db = fx_memory_db();
    /* A claim inside a transaction that rolls back is gone with it. */
    fx_ok(db, pilotdb_begin(db));
    fx_ok(db, pilotdb_clock_claim(db, PILOTDB_CLOCK_WALL));
    fx_ok(db, pilotdb_rollback(db));
    fx_ok(db, pilotdb_clock_kind(db, &kind));
    assert_int_equal(kind, PILOTDB_CLOCK_UNSET);
    fx_ok(db, pilotdb_clock_claim(db, PILOTDB_CLOCK_WALL));
    expect_rc(db, pilotdb_clock_claim(db, PILOTDB_CLOCK_SIM), PILOTDB_ECLOCK,
              "wall-clock");
    fx_ok(db, pilotdb_clock_kind(db, &kind));
    assert_int_equal(kind, PILOTDB_CLOCK_WALL);
    assert_string_equal(pilotdb_clock_kind_name(PILOTDB_CLOCK_SIM), "sim");
    assert_null(pilotdb_clock_kind_name(3));
    assert_string_equal(pilotdb_rc_str(PILOTDB_ECLOCK),
                        "database on another kind of clock");
    fx_close(db);
    fx_tmpdir_remove(dir);
}

/* ---- CE sites, capacity sources and the change log ------------------------------ */

static void test_ce_site_and_source(void **state)
{
    pilotdb *db = fx_memory_db();
    pilotdb_ce_spec spec = {"ce-x", 5, 0.5, 1, "SITE_X", PILOTDB_CAPACITY_INFERRED};
    pilotdb_ce_edit_spec edit;
    pilotdb_ce_change upd = {PILOTDB_SET_SITE, 0, 0, 0};
    pilotdb_ce ce;
    int64_t id = -1;

    (void)state;
    fx_ok(db, pilotdb_ce_add_spec(db, &spec, &id));
    assert_true(id > 0);
    fx_ok(db, pilotdb_ce_get(db, "ce-x", &ce));
    assert_string_equal(ce.site, "SITE_X");
    assert_int_equal(ce.capacity_source, PILOTDB_CAPACITY_INFERRED);
    /* A new capacity is a configured one unless said otherwise. */
    memset(&edit, 0, sizeof edit);
    edit.change.set = PILOTDB_SET_CAPACITY | PILOTDB_SET_SITE;
    edit.change.capacity = 9;
    edit.site = NULL;
    fx_ok(db, pilotdb_ce_edit(db, "ce-x", &edit));
    fx_ok(db, pilotdb_ce_get(db, "ce-x", &ce));
    assert_int_equal(ce.capacity, 9);
    assert_string_equal(ce.site, "");
    assert_int_equal(ce.capacity_source, PILOTDB_CAPACITY_CONFIGURED);
    edit.change.set = PILOTDB_SET_CAPACITY_SOURCE | PILOTDB_SET_SITE;
    edit.capacity_source = PILOTDB_CAPACITY_INFERRED;
    edit.site = "SITE_Y";
    fx_ok(db, pilotdb_ce_edit(db, "ce-x", &edit));
    fx_ok(db, pilotdb_ce_get(db, "ce-x", &ce));
    assert_string_equal(ce.site, "SITE_Y");
    assert_int_equal(ce.capacity_source, PILOTDB_CAPACITY_INFERRED);
    /* Refusals change nothing. */
    expect_rc(db, pilotdb_ce_update(db, "ce-x", &upd), PILOTDB_EINVAL, "pilotdb_ce_edit");
    edit.site = "bad\x1b[2J";
    expect_rc(db, pilotdb_ce_edit(db, "ce-x", &edit), PILOTDB_EINVAL, "control");
    edit.site = "SITE_Z";
    edit.capacity_source = (pilotdb_capacity_source)5;
    expect_rc(db, pilotdb_ce_edit(db, "ce-x", &edit), PILOTDB_EINVAL, "source");
    expect_rc(db, pilotdb_ce_edit(db, "nope", &edit), PILOTDB_EINVAL, "source");
    edit.capacity_source = PILOTDB_CAPACITY_CONFIGURED;
    expect_rc(db, pilotdb_ce_edit(db, "nope", &edit), PILOTDB_ENOTFOUND, "nope");
    spec.name = "ce-y";
    spec.capacity_source = (pilotdb_capacity_source)2;
    expect_rc(db, pilotdb_ce_add_spec(db, &spec, &id), PILOTDB_EINVAL, NULL);
    assert_int_equal(id, 0);
    fx_ok(db, pilotdb_ce_get(db, "ce-x", &ce));
    assert_string_equal(ce.site, "SITE_Y");
    fx_assert_consistent(db);
    fx_close(db);
}

/* The history of one row as text: "ce field old>new by user". */
static void expect_row(const pilotdb_ce_history_row *r, const char *ce,
                       pilotdb_ce_field field, const char *old_new, const char *by,
                       const char *user, int64_t at)
{
    char got[600], old_text[300], new_text[300];
    const pilotdb_ce_value *v[2] = {&r->old_value, &r->new_value};
    char *out[2] = {old_text, new_text};

    for (int i = 0; i < 2; i++) {
        if (v[i]->null)
            snprintf(out[i], 300, "null");
        else if (field == PILOTDB_FIELD_SUCCESS_RATE)
            snprintf(out[i], 300, "%g", v[i]->d);
        else if (field == PILOTDB_FIELD_SITE)
            snprintf(out[i], 300, "%s", v[i]->text);
        else
            snprintf(out[i], 300, "%lld", (long long)v[i]->i);
    }
    snprintf(got, sizeof got, "%s>%s", old_text, new_text);
    assert_string_equal(r->ce_name, ce);
    assert_int_equal(r->field, field);
    assert_string_equal(got, old_new);
    assert_string_equal(r->by, by);
    assert_string_equal(r->user, user);
    assert_int_equal(r->at, at);
}

static void test_ce_history(void **state)
{
    pilotdb *db = fx_memory_db();
    pilotdb_ce_change upd = {PILOTDB_SET_CAPACITY | PILOTDB_SET_SUCCESS_RATE, 7, 0.5, 1};
    pilotdb_ce_edit_spec edit;
    pilotdb_ce_history_row *rows;
    size_t n;

    (void)state;
    fx_clock_ms = 1000;
    fx_ok(db, pilotdb_ce_history(db, NULL, INT64_MIN, &rows, &n));
    assert_int_equal(n, 0);
    assert_null(rows);
    /* The default actor, then the CLI's with a user. */
    fx_ok(db, pilotdb_ce_add(db, "ce-h", 5, 0.9, 1, NULL));
    fx_ok(db, pilotdb_set_actor(db, "cli", "alice"));
    fx_clock_ms = 2000;
    fx_ok(db, pilotdb_ce_update(db, "ce-h", &upd)); /* capacity and rate */
    fx_ok(db, pilotdb_ce_update(db, "ce-h", &upd)); /* the same: no row */
    fx_ok(db, pilotdb_set_actor(db, "top", NULL));
    fx_clock_ms = 3000;
    upd.set = PILOTDB_SET_ENABLED | PILOTDB_SET_CAPACITY; /* capacity unchanged */
    upd.enabled = 0;
    fx_ok(db, pilotdb_ce_update(db, "ce-h", &upd));
    fx_ok(db, pilotdb_set_actor(db, "sim", NULL));
    fx_clock_ms = 4000;
    memset(&edit, 0, sizeof edit);
    edit.change.set = PILOTDB_SET_SITE;
    edit.site = "T2_XX";
    fx_ok(db, pilotdb_ce_edit(db, "ce-h", &edit));
    fx_ok(db, pilotdb_ce_add(db, "ce-other", 1, 1.0, 0, NULL));
    /* Refused calls and rolled back ones leave no row. */
    upd.set = PILOTDB_SET_CAPACITY;
    upd.capacity = -1;
    expect_rc(db, pilotdb_ce_update(db, "ce-h", &upd), PILOTDB_EINVAL, NULL);
    upd.capacity = 99;
    expect_rc(db, pilotdb_ce_update(db, "ce-none", &upd), PILOTDB_ENOTFOUND, NULL);
    fx_ok(db, pilotdb_begin(db));
    fx_ok(db, pilotdb_ce_update(db, "ce-h", &upd));
    fx_ok(db, pilotdb_rollback(db));

    fx_ok(db, pilotdb_ce_history(db, "ce-h", INT64_MIN, &rows, &n));
    assert_int_equal(n, 7);
    expect_row(&rows[0], "ce-h", PILOTDB_FIELD_SITE, "null>T2_XX", "sim", "", 4000);
    expect_row(&rows[1], "ce-h", PILOTDB_FIELD_ENABLED, "1>0", "top", "", 3000);
    expect_row(&rows[2], "ce-h", PILOTDB_FIELD_SUCCESS_RATE, "0.9>0.5", "cli", "alice",
               2000);
    expect_row(&rows[3], "ce-h", PILOTDB_FIELD_CAPACITY, "5>7", "cli", "alice", 2000);
    expect_row(&rows[4], "ce-h", PILOTDB_FIELD_ENABLED, "null>1", "api", "", 1000);
    expect_row(&rows[5], "ce-h", PILOTDB_FIELD_SUCCESS_RATE, "null>0.9", "api", "",
               1000);
    expect_row(&rows[6], "ce-h", PILOTDB_FIELD_CAPACITY, "null>5", "api", "", 1000);
    pilotdb_free(rows);
    fx_ok(db, pilotdb_ce_history(db, NULL, 3000, &rows, &n));
    assert_int_equal(n, 5); /* ce-other's three, ce-h's site and enabled */
    expect_row(&rows[0], "ce-other", PILOTDB_FIELD_ENABLED, "null>0", "sim", "", 4000);
    expect_row(&rows[4], "ce-h", PILOTDB_FIELD_ENABLED, "1>0", "top", "", 3000);
    pilotdb_free(rows);
    rows = (pilotdb_ce_history_row *)db;
    n = 9;
    expect_rc(db, pilotdb_ce_history(db, "ce-none", INT64_MIN, &rows, &n),
              PILOTDB_ENOTFOUND, "ce-none");
    assert_null(rows);
    assert_int_equal(n, 0);
    /* Actor and user checks. */
    expect_rc(db, pilotdb_set_actor(db, "", NULL), PILOTDB_EINVAL, NULL);
    expect_rc(db, pilotdb_set_actor(db, "Top", NULL), PILOTDB_EINVAL, NULL);
    expect_rc(db, pilotdb_set_actor(db, "cli", "a\nb"), PILOTDB_EINVAL, "control");
    assert_string_equal(pilotdb_ce_field_name(PILOTDB_FIELD_SUCCESS_RATE),
                        "success_rate");
    assert_null(pilotdb_ce_field_name(4));
    fx_assert_consistent(db);
    fx_close(db);
}

/* ---- observations ------------------------------------------------------------- */

static pilotdb_observation obs_of(const char *ref, const char *ce, pilot_status status)
{
    pilotdb_observation o;

    memset(&o, 0, sizeof o);
    o.ref = ref;
    o.ce_name = ce;
    o.status = status;
    o.submitted.at = o.started.at = o.ended.at = PILOTDB_NO_TIME;
    return o;
}

static void set_time(pilotdb_obs_time *t, pilotdb_time_kind kind, int64_t at)
{
    t->kind = kind;
    t->at = at;
}

static pilotdb_observe_result observe_ok(pilotdb *db, const pilotdb_observation *o)
{
    pilotdb_observe_result res = (pilotdb_observe_result)-1;
    int64_t id = -1;

    fx_ok(db, pilotdb_pilot_observe(db, o, &res, &id));
    assert_true(id > 0);
    return res;
}

static pilotdb *observe_db(void)
{
    pilotdb *db = fx_memory_db();

    fx_ok(db, pilotdb_ce_add(db, "ce-1", 2, 0.9, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "ce-off", 1, 0.9, 0, NULL));
    return db;
}

static void test_observe_lifecycle(void **state)
{
    pilotdb *db = observe_db();
    pilotdb_observation o = obs_of("job#1", "ce-1", PILOT_SUBMITTED);
    pilotdb_observe_result res;
    pilotdb_pilot p;
    pilotdb_ce ce;
    pilotdb_clock_type kind;
    char *reason;
    int64_t id = -1;

    (void)state;
    set_time(&o.submitted, PILOTDB_TIME_EXACT, AT(0));
    o.source_status = "Idle";
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_UNCHANGED);
    fx_ok(db, pilotdb_clock_kind(db, &kind));
    assert_int_equal(kind, PILOTDB_CLOCK_WALL);
    /* Running, observed (first seen running at 60 s). */
    o.status = PILOT_RUNNING;
    set_time(&o.started, PILOTDB_TIME_OBSERVED, AT(60));
    o.source_status = "Running";
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_CHANGED);
    fx_ok(db, pilotdb_pilot_get_ref(db, "job#1", &p));
    assert_int_equal(p.status, PILOT_RUNNING);
    assert_int_equal(p.started_at, AT(60));
    assert_int_equal(p.started_kind, PILOTDB_TIME_OBSERVED);
    assert_int_equal(p.submitted_kind, PILOTDB_TIME_EXACT);
    assert_string_equal(p.source_status, "Running");
    assert_string_equal(p.ref, "job#1");
    /* The exact start, learnt later, replaces the observed one. */
    set_time(&o.started, PILOTDB_TIME_EXACT, AT(60));
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_CHANGED);
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_UNCHANGED);
    /* The submission record again, now older than the row: stale. */
    o = obs_of("job#1", "ce-1", PILOT_SUBMITTED);
    set_time(&o.submitted, PILOTDB_TIME_EXACT, AT(0));
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_STALE);
    /* Held: the same state with the hold shown. */
    o = obs_of("job#1", "ce-1", PILOT_RUNNING);
    set_time(&o.submitted, PILOTDB_TIME_EXACT, AT(0));
    set_time(&o.started, PILOTDB_TIME_EXACT, AT(60));
    o.source_status = "Held";
    o.reason = "held by the admin";
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_CHANGED);
    /* Done, with a reason. */
    o.status = PILOT_DONE;
    set_time(&o.ended, PILOTDB_TIME_EXACT, AT(600));
    o.source_status = "Completed";
    o.reason = NULL;
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_CHANGED);
    fx_ok(db, pilotdb_pilot_get_ref(db, "job#1", &p));
    assert_int_equal(p.status, PILOT_DONE);
    assert_int_equal(p.updated_at, AT(600));
    fx_ok(db, pilotdb_pilot_reason(db, p.id, &reason));
    assert_string_equal(reason, "held by the admin"); /* kept: none given */
    pilotdb_free(reason);
    /* Backwards at a later time: a bad record, nothing written. */
    o.status = PILOT_RUNNING;
    set_time(&o.started, PILOTDB_TIME_EXACT, AT(700));
    set_time(&o.ended, PILOTDB_TIME_NONE, 0);
    expect_rc(db, pilotdb_pilot_observe(db, &o, &res, &id), PILOTDB_ETRANSITION,
              "cannot go back from done to running");
    assert_int_equal(id, 0);
    o.status = PILOT_FAILED;
    set_time(&o.ended, PILOTDB_TIME_EXACT, AT(800));
    expect_rc(db, pilotdb_pilot_observe(db, &o, &res, &id), PILOTDB_ETRANSITION,
              "done to failed");
    /* ... and at an older time: stale. */
    o.status = PILOT_RUNNING;
    set_time(&o.started, PILOTDB_TIME_EXACT, AT(60));
    set_time(&o.ended, PILOTDB_TIME_NONE, 0);
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_STALE);
    fx_ok(db, pilotdb_ce_get(db, "ce-1", &ce));
    assert_int_equal(ce.count[PILOT_DONE], 1);
    assert_int_equal(ce.active, 0);
    assert_int_equal(ce.last_change_at, AT(600));
    fx_ok(db, pilotdb_pilot_get(db, p.id, &p));
    assert_int_equal(p.ended_at, AT(600));
    fx_assert_consistent(db);
    fx_close(db);
}

/* Skipped states, unknown starts, a CE over its capacity, a disabled CE. */
static void test_observe_facts(void **state)
{
    pilotdb *db = observe_db();
    pilotdb_observation o;
    pilotdb_pilot p;
    pilotdb_ce ce;
    char name[32];

    (void)state;
    /* Idle straight to Completed. */
    o = obs_of("skip", "ce-1", PILOT_SUBMITTED);
    set_time(&o.submitted, PILOTDB_TIME_EXACT, AT(0));
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);
    o.status = PILOT_DONE;
    set_time(&o.started, PILOTDB_TIME_UNKNOWN, 0);
    set_time(&o.ended, PILOTDB_TIME_OBSERVED, AT(100));
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_CHANGED);
    fx_ok(db, pilotdb_pilot_get_ref(db, "skip", &p));
    assert_int_equal(p.started_kind, PILOTDB_TIME_UNKNOWN);
    assert_true(p.started_at == PILOTDB_NO_TIME);
    assert_int_equal(p.ended_kind, PILOTDB_TIME_OBSERVED);
    /* First seen failed: start unknown; removed before it started: none. */
    o = obs_of("unknown-start", "ce-1", PILOT_FAILED);
    set_time(&o.submitted, PILOTDB_TIME_UNKNOWN, 0);
    set_time(&o.started, PILOTDB_TIME_UNKNOWN, 0);
    set_time(&o.ended, PILOTDB_TIME_EXACT, AT(50));
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);
    fx_ok(db, pilotdb_pilot_get_ref(db, "unknown-start", &p));
    assert_int_equal(p.submitted_kind, PILOTDB_TIME_UNKNOWN);
    assert_int_equal(p.started_kind, PILOTDB_TIME_UNKNOWN);
    o.ref = "never-started";
    set_time(&o.submitted, PILOTDB_TIME_EXACT, AT(10));
    set_time(&o.started, PILOTDB_TIME_NONE, 0);
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);
    fx_ok(db, pilotdb_pilot_get_ref(db, "never-started", &p));
    assert_int_equal(p.started_kind, PILOTDB_TIME_NONE);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM pilot_event WHERE"
                                 " from_status = 1 AND to_status = 3"), 1);
    /* Five running pilots on a CE of two slots, and one on a disabled CE:
     * facts, counted exactly. */
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "busy-%d", i);
        o = obs_of(name, "ce-1", PILOT_RUNNING);
        set_time(&o.submitted, PILOTDB_TIME_UNKNOWN, 0);
        set_time(&o.started, PILOTDB_TIME_EXACT, AT(200 + i));
        assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);
    }
    o.ref = "off";
    o.ce_name = "ce-off";
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);
    fx_ok(db, pilotdb_ce_get(db, "ce-1", &ce));
    assert_int_equal(ce.count[PILOT_RUNNING], 5);
    assert_int_equal(ce.count[PILOT_DONE], 1);
    assert_int_equal(ce.count[PILOT_FAILED], 2);
    assert_int_equal(ce.available_slots, 0);
    assert_int_equal(ce.last_change_at, AT(204));
    fx_ok(db, pilotdb_ce_get(db, "ce-off", &ce));
    assert_int_equal(ce.count[PILOT_RUNNING], 1);
    /* The simulator's calls still refuse the full CE. */
    expect_rc(db, pilotdb_pilot_submit(db, "ce-1", NULL), PILOTDB_EFULL, "5 of 2");
    fx_assert_consistent(db);
    /* The check holds the times to what the source said of them. */
    assert_int_equal(sqlite3_exec(pilotdb_sqlite(db), "UPDATE pilot_source SET"
                                  " time_kinds = 0 WHERE ref = 'skip'", NULL, NULL,
                                  NULL), SQLITE_OK);
    expect_rc(db, pilotdb_check(db, NULL), PILOTDB_EINCONSISTENT,
              "disagree with pilot_source");
    fx_close(db);
}

/* Malformed observations, unknown CEs, another CE, sites, KEEP_STATE. */
static void test_observe_refusals(void **state)
{
    pilotdb *db = observe_db();
    pilotdb_observation o = obs_of("r1", "ce-1", PILOT_RUNNING), bad;
    pilotdb_observe_result res;
    pilotdb_ce_history_row *rows;
    pilotdb_ce ce;
    size_t n;
    char *before;

    (void)state;
    set_time(&o.submitted, PILOTDB_TIME_EXACT, AT(0));
    set_time(&o.started, PILOTDB_TIME_EXACT, AT(5));
    o.site = "T1_SITE";
    fx_ok(db, pilotdb_set_actor(db, "ingest", NULL));
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);
    fx_ok(db, pilotdb_ce_get(db, "ce-1", &ce));
    assert_string_equal(ce.site, "T1_SITE");
    fx_ok(db, pilotdb_ce_history(db, "ce-1", INT64_MIN, &rows, &n));
    assert_string_equal(rows[0].by, "ingest");
    assert_int_equal(rows[0].field, PILOTDB_FIELD_SITE);
    pilotdb_free(rows);
    /* A CE with a site keeps it. */
    o.site = "OTHER";
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_UNCHANGED);
    fx_ok(db, pilotdb_ce_get(db, "ce-1", &ce));
    assert_string_equal(ce.site, "T1_SITE");
    before = pilot_rows(db);

    bad = o;
    bad.ce_name = "ce-unknown.example.org";
    bad.ref = "r2";
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_ENOTFOUND,
              "no CE named 'ce-unknown.example.org'");
    bad = o;
    bad.ce_name = "ce-off";
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_EINVAL,
              "another CE");
    bad = o;
    bad.ref = "";
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_EINVAL, "ref");
    bad.ref = "r\x1b";
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_EINVAL, "control");
    bad = o;
    bad.reason = "\xff";
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_EINVAL, "UTF-8");
    bad = o;
    set_time(&bad.started, PILOTDB_TIME_UNKNOWN, 0); /* running: a start is known */
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_EINVAL,
              "start unknown");
    bad = o;
    bad.status = PILOT_SUBMITTED; /* with a start */
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_EINVAL, NULL);
    bad = o;
    bad.status = PILOT_DONE; /* with no end */
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_EINVAL,
              "end not happened");
    bad = o;
    set_time(&bad.started, PILOTDB_TIME_EXACT, AT(-1)); /* before the submission */
    bad.ref = "r3";
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_EINVAL,
              "start is before");
    bad = o;
    bad.status = (pilot_status)4;
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_EINVAL, NULL);
    bad = o;
    bad.flags = 0x80;
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_EINVAL, NULL);
    {
        char *after = pilot_rows(db);

        assert_string_equal(before, after);
        free(after);
    }
    /* Moving forward with times that contradict the database's: an exact
     * submission after the start it holds. */
    bad = obs_of("r4", "ce-1", PILOT_RUNNING);
    set_time(&bad.submitted, PILOTDB_TIME_OBSERVED, AT(0));
    set_time(&bad.started, PILOTDB_TIME_EXACT, AT(5));
    assert_int_equal(observe_ok(db, &bad), PILOTDB_OBSERVE_NEW);
    bad.status = PILOT_DONE;
    set_time(&bad.submitted, PILOTDB_TIME_EXACT, AT(7));
    set_time(&bad.started, PILOTDB_TIME_UNKNOWN, 0);
    set_time(&bad.ended, PILOTDB_TIME_EXACT, AT(9));
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_ETRANSITION,
              "disagree");
    /* KEEP_STATE: a known pilot keeps its state, a new one is submitted. */
    bad = obs_of("r1", "ce-1", PILOT_SUBMITTED);
    bad.flags = PILOTDB_OBSERVE_KEEP_STATE;
    set_time(&bad.submitted, PILOTDB_TIME_EXACT, AT(0));
    set_time(&bad.started, PILOTDB_TIME_UNKNOWN, 0);
    set_time(&bad.ended, PILOTDB_TIME_UNKNOWN, 0);
    assert_int_equal(observe_ok(db, &bad), PILOTDB_OBSERVE_UNCHANGED);
    bad.ref = "lost";
    assert_int_equal(observe_ok(db, &bad), PILOTDB_OBSERVE_NEW);
    fx_ok(db, pilotdb_ce_get(db, "ce-1", &ce));
    assert_int_equal(ce.count[PILOT_SUBMITTED], 1);
    assert_int_equal(ce.count[PILOT_RUNNING], 2);
    free(before);
    fx_assert_consistent(db);
    fx_close(db);
}

/* A batch of observations: the second run of the same input changes
 * nothing; inside pilotdb_begin() and raw SQL's transaction alike; a bad
 * record inside a batch takes back only itself. */
/* A write of the layer that fails inside a caller's transaction, as an
 * I/O error would: a TEMP trigger raising an error. */
static void fail_writes(pilotdb *db, const char *name, const char *when)
{
    char sql[512];

    snprintf(sql, sizeof sql, "CREATE TEMP TRIGGER %s %s BEGIN"
             " SELECT RAISE(ABORT, 'injected fault'); END", name, when);
    assert_int_equal(sqlite3_exec(pilotdb_sqlite(db), sql, NULL, NULL, NULL), SQLITE_OK);
}

static void expect_failed_in_batch(pilotdb *db, const pilotdb_observation *o)
{
    pilotdb_observe_result res = PILOTDB_OBSERVE_NEW;
    int64_t id = -1;

    assert_int_not_equal(pilotdb_pilot_observe(db, o, &res, &id), PILOTDB_OK);
    assert_int_equal(res, PILOTDB_OBSERVE_UNCHANGED);
    assert_int_equal(id, 0);
    assert_true(pilotdb_in_transaction(db));
}

/* Inside a caller's transaction an observation takes a savepoint only
 * before its second write: one refused, or one whose first, second or
 * fourth write fails, leaves nothing behind, and the transaction goes
 * on to commit what the others wrote. */
/* In a new transaction, pilot ref kept observed, then pilot ref boom,
 * whose failure rolls the whole transaction back: the message says so and
 * the pilots are as before. */
static void expect_batch_rolled_back(pilotdb *db, const char *kept, const char *boom)
{
    pilotdb_observation o = obs_of(kept, "ce-1", PILOT_SUBMITTED);
    pilotdb_observe_result res;
    char *before = pilot_rows(db), *after;

    fx_ok(db, pilotdb_begin(db));
    set_time(&o.submitted, PILOTDB_TIME_EXACT, AT(3));
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);
    o = obs_of(boom, "ce-1", PILOT_SUBMITTED);
    set_time(&o.submitted, PILOTDB_TIME_EXACT, AT(4));
    assert_int_not_equal(pilotdb_pilot_observe(db, &o, &res, NULL), PILOTDB_OK);
    assert_non_null(strstr(pilotdb_errmsg(db), "; the transaction was rolled back"));
    assert_false(pilotdb_in_transaction(db));
    after = pilot_rows(db);
    assert_string_equal(before, after);
    free(after);
    free(before);
}

/* On a handle that has not yet written a pilot_source row, that row's
 * statement is made before the pilot's row is written: a failure to make
 * it (here a trigger that cannot be compiled; out of memory alike)
 * leaves nothing, inside a caller's transaction too. */
static void test_observe_cold_handle(void **state)
{
    char *dir = fx_tmpdir();
    pilotdb *db = fx_file_db(dir, "cold.db");
    pilotdb_observation o = obs_of("cold-1", "ce-1", PILOT_SUBMITTED);
    pilotdb_observe_result res;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "ce-1", 2, 0.9, 1, NULL));
    set_time(&o.submitted, PILOTDB_TIME_EXACT, AT(0));
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);
    fx_close(db);
    db = fx_file_db(dir, "cold.db");
    assert_int_equal(sqlite3_exec(pilotdb_sqlite(db), "CREATE TEMP TRIGGER broken BEFORE INSERT"
                                  " ON pilot_source BEGIN SELECT * FROM no_such_table; END",
                                  NULL, NULL, NULL), SQLITE_OK);
    fx_ok(db, pilotdb_begin(db));
    /* A move, one write (the clock is read here: no savepoint after). */
    o.status = PILOT_RUNNING;
    set_time(&o.started, PILOTDB_TIME_EXACT, AT(1));
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_CHANGED);
    /* A new pilot: its source row's statement cannot be made. */
    o = obs_of("cold-2", "ce-1", PILOT_SUBMITTED);
    set_time(&o.submitted, PILOTDB_TIME_EXACT, AT(2));
    assert_int_not_equal(pilotdb_pilot_observe(db, &o, &res, NULL), PILOTDB_OK);
    assert_true(pilotdb_in_transaction(db));
    fx_ok(db, pilotdb_commit(db));
    assert_int_equal(sql_int(db, "SELECT count(*) FROM pilot"), 1);
    fx_ok(db, pilotdb_check(db, NULL));
    fx_close(db);
    fx_tmpdir_remove(dir);
}

static void test_observe_in_transaction(void **state)
{
    pilotdb *db = observe_db();
    pilotdb_observation o = obs_of("t1", "ce-1", PILOT_SUBMITTED), bad;
    pilotdb_observe_result res;
    pilotdb_clock_type kind;
    pilotdb_pilot p;
    pilotdb_ce ce;
    char *before, *after;

    (void)state;
    set_time(&o.submitted, PILOTDB_TIME_EXACT, AT(0));
    /* Refused before the clock is claimed: the claim goes too. */
    fx_ok(db, pilotdb_begin(db));
    bad = o;
    bad.ce_name = "ce-unknown";
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_ENOTFOUND, NULL);
    assert_true(pilotdb_in_transaction(db));
    fx_ok(db, pilotdb_commit(db));
    fx_ok(db, pilotdb_clock_kind(db, &kind));
    assert_int_equal(kind, PILOTDB_CLOCK_UNSET);

    fx_ok(db, pilotdb_begin(db));
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);
    o.status = PILOT_RUNNING;
    set_time(&o.started, PILOTDB_TIME_EXACT, AT(5));
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_CHANGED); /* one write */
    fx_ok(db, pilotdb_commit(db));
    before = pilot_rows(db);

    fail_writes(db, "fail_source", "BEFORE INSERT ON pilot_source WHEN NEW.ref = 'boom'");
    fail_writes(db, "fail_end", "BEFORE UPDATE ON pilot WHEN NEW.ended_at = " "1796083299000");
    fail_writes(db, "fail_log", "BEFORE INSERT ON ce_change");
    fx_ok(db, pilotdb_begin(db));
    /* Refusals: another CE, an unknown one, a move back. */
    bad = o;
    bad.ce_name = "ce-off";
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_EINVAL, "another CE");
    bad.ce_name = "ce-unknown";
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_ENOTFOUND, NULL);
    bad = obs_of("t1", "ce-1", PILOT_SUBMITTED);
    set_time(&bad.submitted, PILOTDB_TIME_EXACT, AT(9));
    expect_rc(db, pilotdb_pilot_observe(db, &bad, &res, NULL), PILOTDB_ETRANSITION,
              "back");
    /* A new pilot whose second write (its source row) fails. */
    bad = obs_of("boom", "ce-1", PILOT_SUBMITTED);
    set_time(&bad.submitted, PILOTDB_TIME_EXACT, AT(1));
    expect_failed_in_batch(db, &bad);
    /* A move that is a single write, failing. */
    bad = o;
    bad.status = PILOT_DONE;
    set_time(&bad.ended, PILOTDB_TIME_EXACT, AT(99));
    expect_failed_in_batch(db, &bad);
    /* A new pilot giving its CE a site: the log, its fourth write, fails. */
    bad = obs_of("sited", "ce-1", PILOT_SUBMITTED);
    set_time(&bad.submitted, PILOTDB_TIME_EXACT, AT(2));
    bad.site = "T2_SITE";
    expect_failed_in_batch(db, &bad);
    fx_ok(db, pilotdb_commit(db));
    after = pilot_rows(db);
    assert_string_equal(before, after);
    free(after);
    expect_rc(db, pilotdb_pilot_get_ref(db, "boom", &p), PILOTDB_ENOTFOUND, NULL);
    expect_rc(db, pilotdb_pilot_get_ref(db, "sited", &p), PILOTDB_ENOTFOUND, NULL);

    /* The same transaction goes on after failures and keeps what works. */
    fx_ok(db, pilotdb_begin(db));
    expect_failed_in_batch(db, &bad);
    bad.site = NULL;
    assert_int_equal(observe_ok(db, &bad), PILOTDB_OBSERVE_NEW);
    set_time(&o.ended, PILOTDB_TIME_EXACT, AT(50));
    o.status = PILOT_FAILED;
    o.reason = "exit code 1"; /* two writes: the pilot and its source row */
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_CHANGED);
    fx_ok(db, pilotdb_commit(db));
    fx_ok(db, pilotdb_ce_get(db, "ce-1", &ce));
    assert_int_equal(ce.count[PILOT_SUBMITTED], 1);
    assert_int_equal(ce.count[PILOT_RUNNING], 0);
    assert_int_equal(ce.count[PILOT_FAILED], 1);
    assert_true(ce.site[0] == '\0');
    fx_ok(db, pilotdb_pilot_get_ref(db, "t1", &p));
    assert_int_equal(p.status, PILOT_FAILED);
    free(before);

    /* A new pilot whose source row fails and whose pilot row cannot be
     * taken back either: the caller's transaction is rolled back whole,
     * and the message says so. */
    fail_writes(db, "fail_source2", "BEFORE INSERT ON pilot_source WHEN NEW.ref = 'boom2'");
    fail_writes(db, "fail_undo", "BEFORE DELETE ON pilot");
    expect_batch_rolled_back(db, "lost-too", "boom2");
    fx_ok(db, pilotdb_ce_get(db, "ce-1", &ce));
    assert_int_equal(ce.count[PILOT_SUBMITTED], 1);
    /* SQLite rolls the transaction back itself (RAISE(ROLLBACK) stands
     * for an I/O error or an interrupt): nothing is taken back outside
     * it. */
    assert_int_equal(sqlite3_exec(pilotdb_sqlite(db), "CREATE TEMP TRIGGER fail_rb"
                                  " BEFORE INSERT ON pilot_source WHEN NEW.ref = 'boom-rb'"
                                  " BEGIN SELECT RAISE(ROLLBACK, 'injected rollback'); END",
                                  NULL, NULL, NULL), SQLITE_OK);
    expect_batch_rolled_back(db, "lost-rb", "boom-rb");
    fx_ok(db, pilotdb_check(db, NULL));
    fx_assert_consistent(db);
    fx_close(db);
}

static void test_observe_idempotent(void **state)
{
    pilotdb *db = observe_db();
    pilotdb_observation in[40];
    char refs[40][16];
    pilotdb_observe_result res;
    char *first, *second;
    int counts[4] = {0, 0, 0, 0};

    (void)state;
    for (int i = 0; i < 40; i++) {
        int pilot = i % 10, step = i / 10; /* four records per pilot */

        snprintf(refs[i], sizeof refs[i], "p%d", pilot);
        in[i] = obs_of(refs[i], pilot % 2 ? "ce-1" : "ce-off",
                       step == 0 ? PILOT_SUBMITTED
                       : step == 1 ? PILOT_RUNNING
                                   : (pilot % 3 ? PILOT_DONE : PILOT_FAILED));
        set_time(&in[i].submitted, PILOTDB_TIME_EXACT, AT(pilot));
        if (step >= 1)
            set_time(&in[i].started, PILOTDB_TIME_EXACT, AT(100 + pilot));
        if (step >= 2)
            set_time(&in[i].ended, step == 2 ? PILOTDB_TIME_OBSERVED : PILOTDB_TIME_EXACT,
                     AT(300 + pilot));
    }
    fx_ok(db, pilotdb_begin(db));
    for (int i = 0; i < 40; i++) {
        fx_ok(db, pilotdb_pilot_observe(db, &in[i], &res, NULL));
        counts[res]++;
    }
    /* A bad record in the batch: refused, the rest stands. */
    in[0].status = PILOT_RUNNING;
    set_time(&in[0].started, PILOTDB_TIME_EXACT, AT(900));
    expect_rc(db, pilotdb_pilot_observe(db, &in[0], &res, NULL), PILOTDB_ETRANSITION,
              NULL);
    in[0].status = PILOT_SUBMITTED;
    set_time(&in[0].started, PILOTDB_TIME_NONE, 0);
    fx_ok(db, pilotdb_pilot_submit(db, "ce-1", NULL)); /* slot 1 of 2 is free */
    fx_ok(db, pilotdb_commit(db));
    assert_int_equal(counts[PILOTDB_OBSERVE_NEW], 10);
    assert_int_equal(counts[PILOTDB_OBSERVE_CHANGED], 30);
    fx_assert_consistent(db);
    first = pilot_rows(db);
    /* Again, as single calls and inside raw SQL's transaction. */
    memset(counts, 0, sizeof counts);
    for (int i = 0; i < 20; i++) {
        fx_ok(db, pilotdb_pilot_observe(db, &in[i], &res, NULL));
        counts[res]++;
    }
    assert_int_equal(fx_savepoint_begin(db), SQLITE_OK);
    for (int i = 20; i < 40; i++) {
        fx_ok(db, pilotdb_pilot_observe(db, &in[i], &res, NULL));
        counts[res]++;
    }
    assert_int_equal(fx_savepoint_end(db), SQLITE_OK);
    assert_int_equal(counts[PILOTDB_OBSERVE_NEW] + counts[PILOTDB_OBSERVE_CHANGED], 0);
    assert_int_equal(counts[PILOTDB_OBSERVE_UNCHANGED], 20);
    assert_int_equal(counts[PILOTDB_OBSERVE_STALE], 20);
    second = pilot_rows(db);
    assert_string_equal(first, second);
    free(first);
    free(second);
    fx_assert_consistent(db);
    fx_close(db);
}

/* ---- transitions ------------------------------------------------------------- */

struct visits {
    char text[2048];
    int n, stop_after;
};

/* One line per transition: time (s from T0), pilot id, ref, CE, site, to
 * status, kind, last, started kind, reason, source status. */
static int record_visit(void *arg, const pilotdb_transition *t)
{
    struct visits *v = arg;
    const pilotdb_pilot *p = t->pilot;
    size_t len = strlen(v->text);

    snprintf(v->text + len, sizeof v->text - len, "%lld %lld %s %s %s %s %s%s start=%s%s%s%s%s\n",
             (long long)((t->at - T0) / 1000), (long long)p->id, p->ref[0] ? p->ref : "-",
             p->ce_name, t->site ? t->site : "-", pilot_status_name(t->to),
             pilotdb_time_kind_name(t->kind), t->last ? " last" : "",
             pilotdb_time_kind_name(p->started_kind), t->reason ? " reason=" : "",
             t->reason ? t->reason : "", p->source_status[0] ? " status=" : "",
             p->source_status);
    return ++v->n == v->stop_after;
}

static const char *visit(pilotdb *db, int64_t from, int64_t to, const char *ce,
                         struct visits *v)
{
    pilotdb_transition_filter f = {from, to, ce};

    memset(v, 0, sizeof *v);
    fx_ok(db, pilotdb_transitions_foreach(db, &f, record_visit, v));
    return v->text;
}

/* The transitions of test_transitions() from 20 s to 30 s. */
#define FROM_20_TO_30                                                          \
    "20 1 - ce-a SITE-A running exact start=exact\n"                           \
    "20 2 - ce-b - submitted exact start=none\n"                               \
    "20 4 obs-failed ce-b - failed exact last start=unknown"                   \
    " reason=gone status=Aborted\n"                                            \
    "20 5 obs-running ce-a SITE-A running observed last"                       \
    " start=observed status=Running\n"                                         \
    "25 2 - ce-b - failed exact last start=none\n"

/* Pilots made by the layer's calls and observed ones: every known time is
 * a transition, in time order, with what an export writes of it. */
static void test_transitions(void **state)
{
    pilotdb *db = fx_memory_db();
    pilotdb_ce_spec spec = {"ce-a", 5, 0.9, 1, "SITE-A", PILOTDB_CAPACITY_CONFIGURED};
    pilotdb_observation o;
    pilotdb_pilot p;
    struct visits v;
    int64_t id;

    (void)state;
    fx_ok(db, pilotdb_ce_add_spec(db, &spec, NULL));
    fx_ok(db, pilotdb_ce_add(db, "ce-b", 5, 0.9, 1, NULL));
    /* 1: submitted, running, done; 2: failed before it started; 3: waits. */
    fx_clock_ms = AT(10);
    fx_ok(db, pilotdb_pilot_submit(db, "ce-a", &id));
    assert_int_equal(id, 1);
    fx_clock_ms = AT(20);
    fx_ok(db, pilotdb_pilot_set_status(db, 1, PILOT_RUNNING));
    fx_ok(db, pilotdb_pilot_submit(db, "ce-b", NULL));
    fx_clock_ms = AT(25);
    fx_ok(db, pilotdb_pilot_set_status(db, 2, PILOT_FAILED));
    fx_clock_ms = AT(30);
    fx_ok(db, pilotdb_pilot_set_status(db, 1, PILOT_DONE));
    fx_clock_ms = AT(40);
    fx_ok(db, pilotdb_pilot_submit(db, "ce-a", NULL));
    /* 4: first seen failed, submission and start unknown. */
    o = obs_of("obs-failed", "ce-b", PILOT_FAILED);
    set_time(&o.submitted, PILOTDB_TIME_UNKNOWN, 0);
    set_time(&o.started, PILOTDB_TIME_UNKNOWN, 0);
    set_time(&o.ended, PILOTDB_TIME_EXACT, AT(20));
    o.reason = "gone";
    o.source_status = "Aborted";
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);
    /* 5: running, its start observed. */
    o = obs_of("obs-running", "ce-a", PILOT_RUNNING);
    set_time(&o.submitted, PILOTDB_TIME_EXACT, AT(5));
    set_time(&o.started, PILOTDB_TIME_OBSERVED, AT(20));
    o.source_status = "Running";
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);
    /* 6: done, its start unknown, its end observed. */
    o = obs_of("obs-done", "ce-b", PILOT_DONE);
    set_time(&o.submitted, PILOTDB_TIME_EXACT, AT(0));
    set_time(&o.started, PILOTDB_TIME_UNKNOWN, 0);
    set_time(&o.ended, PILOTDB_TIME_OBSERVED, AT(50));
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);

    assert_string_equal(visit(db, INT64_MIN, INT64_MAX, NULL, &v),
                        "0 6 obs-done ce-b - submitted exact start=unknown\n"
                        "5 5 obs-running ce-a SITE-A submitted exact start=observed"
                        " status=Running\n"
                        "10 1 - ce-a SITE-A submitted exact start=exact\n"
                        FROM_20_TO_30
                        "30 1 - ce-a SITE-A done exact last start=exact\n"
                        "40 3 - ce-a SITE-A submitted exact last start=none\n"
                        "50 6 obs-done ce-b - done observed last start=unknown\n");
    assert_int_equal(v.n, 11);
    /* from <= at < to */
    assert_string_equal(visit(db, AT(20), AT(30), NULL, &v), FROM_20_TO_30);
    assert_string_equal(visit(db, AT(51), INT64_MAX, NULL, &v), "");
    assert_string_equal(visit(db, INT64_MIN, INT64_MAX, "ce-b", &v),
                        "0 6 obs-done ce-b - submitted exact start=unknown\n"
                        "20 2 - ce-b - submitted exact start=none\n"
                        "20 4 obs-failed ce-b - failed exact last start=unknown"
                        " reason=gone status=Aborted\n"
                        "25 2 - ce-b - failed exact last start=none\n"
                        "50 6 obs-done ce-b - done observed last start=unknown\n");
    assert_string_equal(visit(db, AT(10), AT(11), "ce-a", &v),
                        "10 1 - ce-a SITE-A submitted exact start=exact\n");
    /* NULL filter: all; a callback that stops; an unknown or bad CE. */
    memset(&v, 0, sizeof v);
    fx_ok(db, pilotdb_transitions_foreach(db, NULL, record_visit, &v));
    assert_int_equal(v.n, 11);
    memset(&v, 0, sizeof v);
    v.stop_after = 2;
    fx_ok(db, pilotdb_transitions_foreach(db, NULL, record_visit, &v));
    assert_int_equal(v.n, 2);
    {
        pilotdb_transition_filter f = {INT64_MIN, INT64_MAX, "ce-nowhere"};

        expect_rc(db, pilotdb_transitions_foreach(db, &f, record_visit, &v),
                  PILOTDB_ENOTFOUND, "no CE named 'ce-nowhere'");
        f.ce_name = "";
        expect_rc(db, pilotdb_transitions_foreach(db, &f, record_visit, &v),
                  PILOTDB_EINVAL, NULL);
    }
    assert_false(pilotdb_in_transaction(db));
    /* Inside the caller's read snapshot too. */
    fx_ok(db, pilotdb_begin_read(db));
    assert_string_equal(visit(db, AT(40), AT(41), NULL, &v),
                        "40 3 - ce-a SITE-A submitted exact last start=none\n");
    fx_ok(db, pilotdb_commit(db));

    /* A known submitted pilot seen failed: "never started" stays so, and
     * an unknown start stays unknown. */
    o = obs_of("late-none", "ce-a", PILOT_SUBMITTED);
    set_time(&o.submitted, PILOTDB_TIME_EXACT, AT(60));
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);
    o.ref = "late-unknown";
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_NEW);
    o.status = PILOT_FAILED;
    set_time(&o.submitted, PILOTDB_TIME_UNKNOWN, 0);
    set_time(&o.started, PILOTDB_TIME_UNKNOWN, 0);
    set_time(&o.ended, PILOTDB_TIME_EXACT, AT(70));
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_CHANGED);
    o.ref = "late-none";
    set_time(&o.started, PILOTDB_TIME_NONE, 0);
    assert_int_equal(observe_ok(db, &o), PILOTDB_OBSERVE_CHANGED);
    fx_ok(db, pilotdb_pilot_get_ref(db, "late-none", &p));
    assert_int_equal(p.started_kind, PILOTDB_TIME_NONE);
    assert_int_equal(p.submitted_kind, PILOTDB_TIME_EXACT);
    fx_ok(db, pilotdb_pilot_get_ref(db, "late-unknown", &p));
    assert_int_equal(p.started_kind, PILOTDB_TIME_UNKNOWN);
    assert_string_equal(visit(db, AT(60), INT64_MAX, NULL, &v),
                        "60 7 late-none ce-a SITE-A submitted exact start=none\n"
                        "60 8 late-unknown ce-a SITE-A submitted exact start=unknown\n"
                        "70 7 late-none ce-a SITE-A failed exact last start=none\n"
                        "70 8 late-unknown ce-a SITE-A failed exact last start=unknown\n");
    fx_assert_consistent(db);
    fx_close(db);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest schema[] = {
        cmocka_unit_test(test_migrate_from_v4),
        cmocka_unit_test(test_migrate_guesses_clock),
        cmocka_unit_test(test_v5_read_only),
        cmocka_unit_test(test_clock_kind),
    };
    const struct CMUnitTest changelog[] = {
        cmocka_unit_test(test_ce_site_and_source),
        cmocka_unit_test(test_ce_history),
    };
    const struct CMUnitTest observe[] = {
        cmocka_unit_test(test_observe_lifecycle),
        cmocka_unit_test(test_observe_facts),
        cmocka_unit_test(test_observe_refusals),
        cmocka_unit_test(test_observe_in_transaction),
        cmocka_unit_test(test_observe_cold_handle),
        cmocka_unit_test(test_observe_idempotent),
    };
    const struct CMUnitTest transitions[] = {
        cmocka_unit_test(test_transitions),
    };
    const struct fx_group groups[] = {
        FX_GROUP("schema", schema, NULL, NULL),
        FX_GROUP("changelog", changelog, NULL, NULL),
        FX_GROUP("observe", observe, NULL, NULL),
        FX_GROUP("transitions", transitions, NULL, NULL),
    };

    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
