/*
 * fixtures.h - fresh databases and helpers for cmocka tests
 * (libpilotdeck_testsupport).
 *
 * Every database a fixture returns has the current schema and runs on the
 * test clock (fx_clock(): time stands at fx_clock_ms).  Every function fails
 * the running cmocka test (fail_msg) instead of returning an error; close
 * each returned handle with fx_close(), which also asserts that the
 * connection closed cleanly.
 */
#ifndef PILOTDECK_FIXTURES_H
#define PILOTDECK_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "pilotdb.h"

struct CMUnitTest;

/* A fresh in-memory database, its schema created for this call (slower
 * than fx_template_db(), which copies one made earlier). */
pilotdb *fx_memory_db(void);

/* A fresh, empty in-memory database, copied from an image of the migrated
 * schema that is made once per process (sqlite3_serialize/deserialize):
 * the cheap way to give each test its own database. */
pilotdb *fx_template_db(void);

/* A fresh in-memory database holding the sample data below, copied from an
 * image made once per process. */
pilotdb *fx_sample_db(void);

/* The sample data: CEs (name, capacity, success rate, enabled) and pilots.
 *   ce-alpha.example.org    10  0.95  enabled   3 submitted, 4 running, 5 done, 1 failed
 *   ce-beta.example.org      4  0.50  enabled   1 submitted, 3 running (full), 2 done, 2 failed
 *   ce-gamma.example.org     8  0.80  disabled  0 active, 1 done, 0 failed
 *   ce-delta.example.org     0  1.00  enabled   nothing (capacity 0)
 * Pilots are submitted at t = 1000 ms and change status at t = 2000 ms. */
#define FX_SAMPLE_NCES 4

/* A temporary directory made for one test (mkdtemp under $TMPDIR or /tmp),
 * for file databases (WAL, two connections or processes).
 * fx_tmpdir_remove() deletes it, the files in it and the string; the string
 * is the caller's until then. */
char *fx_tmpdir(void);
void fx_tmpdir_remove(char *dir);

/* Open (creating) the file database dir/name, as pilotdb_open() opens a
 * file (WAL mode). */
pilotdb *fx_file_db(const char *dir, const char *name);

/* A factory of named databases for one test (several at once: the source
 * and destination of an export/ingest round trip, a database and the one
 * it is compared with).  fx_db_factory_setup() and _teardown() are cmocka
 * setup/teardown functions: *state becomes a factory with its own temporary
 * directory; teardown closes every database it made (asserting each closes
 * cleanly) and removes their files and the directory. */
typedef struct fx_db_factory fx_db_factory;
int fx_db_factory_setup(void **state);
int fx_db_factory_teardown(void **state);

/* The database called name (a plain file name): the file NAME.db in the
 * factory's directory with the current schema, on the test clock, made by
 * the first call and the same handle after.  Owned by the factory. */
pilotdb *fx_db_factory_get(fx_db_factory *f, const char *name);

/* The file of the database called name, made or not; owned by the factory. */
const char *fx_db_factory_path(fx_db_factory *f, const char *name);

/* A blank database for migration tests: the file NAME.db in the factory's
 * directory, a valid SQLite database with no schema at all (user_version
 * 0, no tables), not opened; its path, owned by the factory. */
const char *fx_blank_db(fx_db_factory *f, const char *name);

/* A database at an older schema version, for migration tests: the file
 * path made (replacing any) by the shipped migrations up to version (1 to
 * PILOTDB_SCHEMA_VERSION - 1), with pilotdeck's application id and no rows;
 * not opened.  fx_old_db() makes it as the file NAME.db of a factory and
 * returns its path, owned by the factory. */
void fx_old_db_file(const char *path, int version);
const char *fx_old_db(fx_db_factory *f, const char *name, int version);

/* The ATTACH-qualified form: attach the database file path to db's
 * connection under schema (ATTACH DATABASE path AS schema), so that one
 * connection reads both (SELECT ... FROM schema.pilot).  Closing db
 * detaches it. */
void fx_attach(pilotdb *db, const char *path, const char *schema);

/* Rollback isolation, for tests that share one database: begin opens a
 * SAVEPOINT before a test, end rolls back all the test wrote and releases
 * it.  Each returns 0, or -1 after a message on stderr, so that they can
 * serve as cmocka setup/teardown bodies. */
int fx_savepoint_begin(pilotdb *db);
int fx_savepoint_end(pilotdb *db);

/* Close db, asserting PILOTDB_OK (every statement finalized). */
void fx_close(pilotdb *db);

/* Assert that rc is PILOTDB_OK, printing the handle's message if not. */
#define fx_ok(db, call)                                                        \
    do {                                                                       \
        pilotdb_rc fx_rc_ = (call);                                            \
        if (fx_rc_ != PILOTDB_OK)                                              \
            fail_msg("%s: %s (%s)", #call, pilotdb_rc_str(fx_rc_),             \
                     pilotdb_errmsg(db));                                      \
    } while (0)

/* Assert that pilotdb_check() finds db consistent, with no problem. */
void fx_assert_consistent(pilotdb *db);

/* A fixed virtual clock for tests: fx_clock_ms is returned by fx_clock. */
extern int64_t fx_clock_ms;
int64_t fx_clock(void *arg);

/* One cmocka group of a test program: its name (the CTest GROUPS name), its
 * tests and their count, and the group setup/teardown (NULL for none). */
struct fx_group {
    const char *name;
    const struct CMUnitTest *tests;
    size_t ntests;
    int (*setup)(void **state);
    int (*teardown)(void **state);
};

/* An fx_group initializer for a CMUnitTest array (not a pointer). */
#define FX_GROUP(name, tests, setup, teardown)                                 \
    { (name), (tests), sizeof(tests) / sizeof((tests)[0]), (setup), (teardown) }

/*
 * The main() of a test program with groups: with no argument run every group
 * in order; with one, run the group of that name.  Returns 0 if every test
 * that ran passed, 1 if one failed or the name is not a group's ("unknown
 * group 'X'" on stderr, so that a renamed group cannot pass by running
 * nothing), 2 for more than one argument.
 */
int fx_run_groups(int argc, char **argv, const struct fx_group *groups, size_t ngroups);

#endif
