/*
 * test_fixtures.c - the fixtures that give a test several databases: the
 * factory of named databases, the blank database of migration tests, and
 * a second database attached under a name on the same connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fixtures.h"

/* One integer from sql on db's connection. */
static int64_t query_int(pilotdb *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t value;

    if (sqlite3_prepare_v2(pilotdb_sqlite(db), sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        fail_msg("%s: %s", sql, sqlite3_errmsg(pilotdb_sqlite(db)));
    value = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return value;
}

/* Named databases are distinct, made once, and gone after teardown. */
static void test_factory(void **state)
{
    void *own = NULL;
    fx_db_factory *f;
    pilotdb *source, *destination;
    char *path;

    (void)state;
    assert_int_equal(fx_db_factory_setup(&own), 0);
    f = own;
    source = fx_db_factory_get(f, "source");
    destination = fx_db_factory_get(f, "destination");
    assert_ptr_not_equal(source, destination);
    assert_ptr_equal(fx_db_factory_get(f, "source"), source);
    fx_ok(source, pilotdb_ce_add(source, "ce-a.example.org", 5, 1.0, 1, NULL));
    assert_int_equal(query_int(destination, "SELECT count(*) FROM ce"), 0);
    assert_int_equal(query_int(source, "SELECT count(*) FROM ce"), 1);
    path = strdup(fx_db_factory_path(f, "source"));
    assert_non_null(path);
    assert_non_null(strstr(path, "/source.db"));
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(fx_db_factory_teardown(&own), 0);
    assert_null(own);
    assert_int_not_equal(access(path, F_OK), 0);
    free(path);
}

/* A blank database has no schema; pilotdb_open() with CREATE gives it the
 * current one. */
static void test_blank(void **state)
{
    fx_db_factory *f = *state;
    const char *path = fx_blank_db(f, "old");
    sqlite3 *raw = NULL;
    sqlite3_stmt *st = NULL;
    pilotdb *db = NULL;
    char err[256];

    assert_int_equal(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(raw, "SELECT (SELECT count(*) FROM sqlite_schema),"
                                        " (SELECT user_version FROM pragma_user_version)",
                                        -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    assert_int_equal(sqlite3_column_int(st, 1), 0);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_close(raw), SQLITE_OK);

    assert_int_equal(pilotdb_open(path, PILOTDB_OPEN_CREATE, &db, err, sizeof err), PILOTDB_OK);
    assert_int_equal(query_int(db, "PRAGMA user_version"), PILOTDB_SCHEMA_VERSION);
    fx_assert_consistent(db);
    fx_close(db);
}

/* A second database attached under a name: one connection reads both. */
/* A database at each older schema version: the version in its header and
 * no rows; opening it migrates it to the current one. */
static void test_old_versions(void **state)
{
    fx_db_factory *f = *state;

    for (int v = 1; v < PILOTDB_SCHEMA_VERSION; v++) {
        char name[16];
        sqlite3 *raw = NULL;
        sqlite3_stmt *st = NULL;
        pilotdb *db;
        snprintf(name, sizeof name, "v%d", v);
        const char *path = fx_old_db(f, name, v);
        assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), v);
        sqlite3_finalize(st);
        assert_int_equal(sqlite3_close(raw), SQLITE_OK);
        db = fx_db_factory_get(f, name);
        assert_int_equal(query_int(db, "PRAGMA user_version"), PILOTDB_SCHEMA_VERSION);
        assert_int_equal(query_int(db, "SELECT count(*) FROM ce"), 0);
        fx_assert_consistent(db);
    }
}

static void test_attach(void **state)
{
    fx_db_factory *f = *state;
    pilotdb *source = fx_db_factory_get(f, "source");
    pilotdb *destination = fx_db_factory_get(f, "destination");

    fx_ok(source, pilotdb_ce_add(source, "ce-a.example.org", 5, 1.0, 1, NULL));
    fx_ok(source, pilotdb_ce_add(source, "ce-b.example.org", 7, 0.5, 1, NULL));
    fx_ok(destination, pilotdb_ce_add(destination, "ce-a.example.org", 5, 1.0, 1, NULL));
    fx_attach(destination, fx_db_factory_path(f, "source"), "source");
    assert_int_equal(query_int(destination, "SELECT count(*) FROM source.ce"), 2);
    assert_int_equal(query_int(destination, "SELECT count(*) FROM main.ce"), 1);
    assert_int_equal(query_int(destination, "SELECT count(*) FROM source.ce"
                                            " WHERE name NOT IN (SELECT name FROM main.ce)"), 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest factory[] = {
        cmocka_unit_test(test_factory),
        cmocka_unit_test_setup_teardown(test_blank, fx_db_factory_setup,
                                        fx_db_factory_teardown),
        cmocka_unit_test_setup_teardown(test_old_versions, fx_db_factory_setup,
                                        fx_db_factory_teardown),
        cmocka_unit_test_setup_teardown(test_attach, fx_db_factory_setup,
                                        fx_db_factory_teardown),
    };
    const struct fx_group groups[] = {
        FX_GROUP("factory", factory, NULL, NULL),
    };
    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
