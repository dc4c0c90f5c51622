/*
 * test_my_grid.c - a site's regression tests of its own code built on
 * pilotdeck's database layer, one group per fixture kind of the installed
 * library (pkg-config pilotdeck-test, #include <pilotdeck/fixtures.h>):
 *
 *   fresh      fx_memory_db     a new in-memory database, its schema made
 *   template   fx_template_db   a copy of an empty, migrated image (faster)
 *   savepoint  fx_savepoint_*   tests that share one database, each rolled back
 *   sample     fx_sample_db     a copy holding the library's sample CEs and pilots
 *   file       fx_file_db       a database file in a test's own directory
 *   factory    fx_db_factory_*  several named databases in one test
 *   blank      fx_blank_db      a database with no schema, for migrations
 *   old        fx_old_db        a database at an older schema version
 *   attach     fx_attach        a second database under a name on one connection
 *
 * "Its own code" here is one small function, the share of a CE's slots in
 * use, as a site's dashboard or report might compute it.
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

#include <pilotdeck/fixtures.h>

/* The code under test: the share of CE name's slots in use, or -1. */
static double slots_in_use(pilotdb *db, const char *name)
{
    pilotdb_ce ce;

    if (pilotdb_ce_get(db, name, &ce) != PILOTDB_OK || ce.capacity <= 0)
        return -1;
    return (double)ce.active / (double)ce.capacity;
}

/* Submit n pilots to CE name. */
static void submit(pilotdb *db, const char *name, int n)
{
    for (int i = 0; i < n; i++)
        fx_ok(db, pilotdb_pilot_submit(db, name, NULL));
}

static void test_fresh(void **state)
{
    pilotdb *db = fx_memory_db();

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "ce-a.example.org", 4, 0.9, 1, NULL));
    submit(db, "ce-a.example.org", 3);
    assert_float_equal(slots_in_use(db, "ce-a.example.org"), 0.75, 1e-12);
    assert_float_equal(slots_in_use(db, "nowhere"), -1, 0);
    fx_assert_consistent(db);
    fx_close(db);
}

static void test_template(void **state)
{
    pilotdb *db = fx_template_db();

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "ce-b.example.org", 10, 1.0, 1, NULL));
    assert_float_equal(slots_in_use(db, "ce-b.example.org"), 0, 0);
    fx_close(db);
}

/* One database for the group; each test's writes rolled back after it. */
static int group_open(void **state)
{
    pilotdb *db = fx_memory_db();
    *state = db;
    return pilotdb_ce_add(db, "shared.example.org", 2, 1.0, 1, NULL) == PILOTDB_OK ? 0 : -1;
}

static int group_close(void **state)
{
    fx_close(*state);
    return 0;
}

static int each_begin(void **state)
{
    return fx_savepoint_begin(*state);
}

static int each_end(void **state)
{
    return fx_savepoint_end(*state);
}

static void test_savepoint_fill(void **state)
{
    submit(*state, "shared.example.org", 2);
    assert_float_equal(slots_in_use(*state, "shared.example.org"), 1, 0);
}

static void test_savepoint_empty_again(void **state)
{
    /* the pilots of the test before were rolled back */
    assert_float_equal(slots_in_use(*state, "shared.example.org"), 0, 0);
}

static void test_sample(void **state)
{
    pilotdb *db = fx_sample_db();
    pilotdb_ce *ces = NULL;
    size_t n = 0;

    (void)state;
    fx_ok(db, pilotdb_ce_list(db, 0, &ces, &n));
    assert_int_equal(n, FX_SAMPLE_NCES);
    for (size_t i = 0; i < n; i++) {
        double share = slots_in_use(db, ces[i].name);
        assert_true(share == -1 || (share >= 0 && share <= 1));
    }
    pilotdb_free(ces);
    fx_close(db);
}

static void test_file(void **state)
{
    char *dir = fx_tmpdir();
    pilotdb *db = fx_file_db(dir, "grid.db");

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "ce-f.example.org", 5, 1.0, 1, NULL));
    submit(db, "ce-f.example.org", 1);
    fx_close(db);
    db = fx_file_db(dir, "grid.db"); /* the file kept it */
    assert_float_equal(slots_in_use(db, "ce-f.example.org"), 0.2, 1e-12);
    fx_close(db);
    fx_tmpdir_remove(dir);
}

static void test_factory(void **state)
{
    fx_db_factory *f = *state;
    pilotdb *before = fx_db_factory_get(f, "before"), *after = fx_db_factory_get(f, "after");

    fx_ok(before, pilotdb_ce_add(before, "ce-x.example.org", 8, 1.0, 1, NULL));
    fx_ok(after, pilotdb_ce_add(after, "ce-x.example.org", 16, 1.0, 1, NULL));
    submit(before, "ce-x.example.org", 4);
    submit(after, "ce-x.example.org", 4);
    assert_float_equal(slots_in_use(before, "ce-x.example.org"), 0.5, 1e-12);
    assert_float_equal(slots_in_use(after, "ce-x.example.org"), 0.25, 1e-12);
}

static void test_blank(void **state)
{
    fx_db_factory *f = *state;
    const char *path = fx_blank_db(f, "old");
    char err[256];
    pilotdb *db = NULL;

    /* a database with no schema is not a pilotdeck database, and is left as it was */
    assert_int_equal(pilotdb_open(path, 0, &db, err, sizeof err), PILOTDB_ENOTDB);
    assert_null(db);
}

static void test_old(void **state)
{
    fx_db_factory *f = *state;
    pilotdb *db;

    /* a site's database from before schema version 4: opened, it is
     * migrated, and the site's code reads it as any other */
    (void)fx_old_db(f, "site", 3);
    db = fx_db_factory_get(f, "site");
    fx_ok(db, pilotdb_ce_add(db, "ce-m.example.org", 2, 1.0, 1, NULL));
    submit(db, "ce-m.example.org", 1);
    assert_float_equal(slots_in_use(db, "ce-m.example.org"), 0.5, 1e-12);
}

static void test_attach(void **state)
{
    fx_db_factory *f = *state;
    pilotdb *live = fx_db_factory_get(f, "live"), *archive = fx_db_factory_get(f, "archive");
    sqlite3_stmt *st = NULL;

    fx_ok(archive, pilotdb_ce_add(archive, "ce-old.example.org", 3, 1.0, 1, NULL));
    fx_attach(live, fx_db_factory_path(f, "archive"), "archive");
    assert_int_equal(sqlite3_prepare_v2(pilotdb_sqlite(live),
                                        "SELECT count(*) FROM archive.ce", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
}

int main(int argc, char **argv)
{
    static const struct CMUnitTest fresh[] = {cmocka_unit_test(test_fresh)};
    static const struct CMUnitTest template[] = {cmocka_unit_test(test_template)};
    static const struct CMUnitTest savepoint[] = {
        cmocka_unit_test_setup_teardown(test_savepoint_fill, each_begin, each_end),
        cmocka_unit_test_setup_teardown(test_savepoint_empty_again, each_begin, each_end),
    };
    static const struct CMUnitTest sample[] = {cmocka_unit_test(test_sample)};
    static const struct CMUnitTest file[] = {cmocka_unit_test(test_file)};
    static const struct CMUnitTest factory[] = {
        cmocka_unit_test_setup_teardown(test_factory, fx_db_factory_setup,
                                        fx_db_factory_teardown)};
    static const struct CMUnitTest blank[] = {
        cmocka_unit_test_setup_teardown(test_blank, fx_db_factory_setup,
                                        fx_db_factory_teardown)};
    static const struct CMUnitTest old[] = {
        cmocka_unit_test_setup_teardown(test_old, fx_db_factory_setup,
                                        fx_db_factory_teardown)};
    static const struct CMUnitTest attach[] = {
        cmocka_unit_test_setup_teardown(test_attach, fx_db_factory_setup,
                                        fx_db_factory_teardown)};
    static const struct fx_group groups[] = {
        FX_GROUP("fresh", fresh, NULL, NULL),
        FX_GROUP("template", template, NULL, NULL),
        FX_GROUP("savepoint", savepoint, group_open, group_close),
        FX_GROUP("sample", sample, NULL, NULL),
        FX_GROUP("file", file, NULL, NULL),
        FX_GROUP("factory", factory, NULL, NULL),
        FX_GROUP("blank", blank, NULL, NULL),
        FX_GROUP("old", old, NULL, NULL),
        FX_GROUP("attach", attach, NULL, NULL),
    };

    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
