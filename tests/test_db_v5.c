/*
 * test_db_v5.c - schema version 5 of libpilotdb: migration from version 4,
 * the database's clock kind, CE sites and capacity sources, the CE change
 * log.
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

/* ---- migration from version 4 ---------------------------------------------- */

/* A version 4 file at path, built from the shipped migrations, with two
 * CEs and pilots in every status, one failed before it started. */
static void build_v4(const char *path)
{
    char sql[128];

    for (int v = 1; v <= 4; v++) {
        assert_int_equal(pilotdb_migrations[v - 1].version, v);
        sql_on_file(path, pilotdb_migrations[v - 1].sql);
    }
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = 4;",
             PILOTDB_APPLICATION_ID);
    sql_on_file(path, sql);
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

    (void)state;
    snprintf(path, sizeof path, "%s/v4.db", dir);
    build_v4(path);
    db = fx_file_db(dir, "v4.db");
    assert_int_equal(sql_int(db, "PRAGMA user_version"), 5);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM pilot"), 5);
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
    expect_rc(db, pilotdb_clock_claim(db, PILOTDB_CLOCK_WALL), PILOTDB_ECLOCK,
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

int main(int argc, char **argv)
{
    const struct CMUnitTest schema[] = {
        cmocka_unit_test(test_migrate_from_v4),
        cmocka_unit_test(test_migrate_guesses_clock),
        cmocka_unit_test(test_clock_kind),
    };
    const struct CMUnitTest changelog[] = {
        cmocka_unit_test(test_ce_site_and_source),
        cmocka_unit_test(test_ce_history),
    };
    const struct fx_group groups[] = {
        FX_GROUP("schema", schema, NULL, NULL),
        FX_GROUP("changelog", changelog, NULL, NULL),
    };

    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
