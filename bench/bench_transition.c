/*
 * bench_transition.c - what one pilot transition costs SQLite, under the
 * current schema and under alternatives, with raw SQLite calls (no db layer,
 * no simulator) so that the designs are compared on the same footing.
 *
 * The workload has the shape of scenarios/large.ini: 1000 CEs; pilot i is
 * submitted at step i, started at step i + 20000 and ended (one in ten
 * FAILED) at step i + 50000, so about 50,000 pilots are in flight; one
 * transaction per 8192 transitions.  Prints CPU time per transition and the
 * peak RSS.  Run it under `valgrind --tool=callgrind` for instruction counts
 * that do not depend on the machine's load.
 *
 * Usage: bench_transition DESIGN [PILOTS]   (default 300000 pilots)
 *   current     the schema and statements of this build (db/schema.h): a
 *               pilot's history as columns of its row, one statement per
 *               transition, CE counts gathered by the writer and written
 *               once per CE per transaction (PILOTDB_SQL_CE_COUNT)
 *   version-3   schema version 3 (the migrations up to it) and its
 *               statements, kept here as they were: a history row and the
 *               CE counts written by triggers on every transition
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <sqlite3.h>

#include "schema.h"

#define NCE 1000
#define START_LAG 20000
#define END_LAG 50000
#define TXN_EVERY 8192

enum design { CURRENT, VERSION_3 };

/* The statements of schema version 3, as they were. */
#define V3_SUBMIT                                                              \
    "INSERT INTO pilot(ce_id, status, submitted_at, updated_at)"               \
    " SELECT ce_id, 0, ?2, ?2 FROM ce WHERE name = ?1 AND enabled = 1"         \
    " AND n_submitted + n_running < capacity"
#define V3_SET_STATUS                                                          \
    "UPDATE pilot SET status = ?2, updated_at = ?3"                            \
    " WHERE pilot_id = ?1 AND (?4 >> status) & 1"

static sqlite3 *conn;

static int exec(const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(conn, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "bench_transition: %s\n", err ? err : sqlite3_errmsg(conn));
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

static sqlite3_stmt *prepare(const char *sql)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v3(conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        fprintf(stderr, "bench_transition: %s: %s\n", sql, sqlite3_errmsg(conn));
    return st;
}

/* Step a statement that returns no row, then reset it. */
static int run(sqlite3_stmt *st)
{
    int src = sqlite3_step(st);

    sqlite3_reset(st);
    if (src != SQLITE_DONE) {
        fprintf(stderr, "bench_transition: %s\n", sqlite3_errmsg(conn));
        return -1;
    }
    return 0;
}

static double cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Per-CE counter deltas of the open transaction (current only). */
static int delta[NCE + 1][4];
static long long delta_at;

static int flush_deltas(sqlite3_stmt *upd)
{
    for (int c = 1; c <= NCE; c++) {
        if (!delta[c][0] && !delta[c][1] && !delta[c][2] && !delta[c][3])
            continue;
        sqlite3_bind_int(upd, 1, c);
        for (int k = 0; k < 4; k++)
            sqlite3_bind_int(upd, 2 + k, delta[c][k]);
        sqlite3_bind_int64(upd, 6, delta_at);
        if (run(upd) != 0)
            return -1;
        memset(delta[c], 0, sizeof delta[c]);
    }
    return 0;
}

/* Schema version 3, from the migrations that build it. */
static int make_version_3(void)
{
    for (size_t i = 0; i < 3; i++)
        if (exec(pilotdb_migrations[i].sql))
            return -1;
    return 0;
}

int main(int argc, char **argv)
{
    enum design d;
    long pilots = argc > 2 ? atol(argv[2]) : 300000;
    sqlite3_stmt *add, *submit, *start, *end, *upd = NULL;
    long transitions = 0, since_commit = 0;
    long long clock = 0;
    double t0, t1;
    struct rusage ru;

    if (argc < 2 || pilots < 1) {
        fprintf(stderr, "usage: bench_transition current|version-3 [PILOTS]\n");
        return 2;
    }
    if (strcmp(argv[1], "current") == 0)
        d = CURRENT;
    else if (strcmp(argv[1], "version-3") == 0)
        d = VERSION_3;
    else {
        fprintf(stderr, "bench_transition: unknown design '%s'\n", argv[1]);
        return 2;
    }
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); /* as pilotdb_setup_process() */
    /* As pilotdeck sim opens :memory: (PILOTDB_OPEN_SCRATCH: no journal). */
    if (sqlite3_open(":memory:", &conn) != SQLITE_OK || exec("PRAGMA foreign_keys = ON") ||
        exec("PRAGMA journal_mode = OFF") ||
        (d == CURRENT ? exec(PILOTDB_SCHEMA_CURRENT) : make_version_3()))
        return 1;
    if (!(add = prepare("INSERT INTO ce(name, capacity, success_rate) VALUES (?1, 1000000, 0.9)")))
        return 1;
    if (exec("BEGIN"))
        return 1;
    for (int c = 0; c < NCE; c++) {
        char name[32];
        snprintf(name, sizeof name, "ce-%04d.example.org", c);
        sqlite3_bind_text(add, 1, name, -1, SQLITE_TRANSIENT);
        if (run(add) != 0)
            return 1;
    }
    if (exec("COMMIT"))
        return 1;

    if (d == CURRENT) {
        /* The writer has read the CE (pilotdb_pilot_submit) and knows each
         * pilot's CE and status (pilotdb_pilot_move). */
        submit = prepare(PILOTDB_SQL_PILOT_SUBMIT);
        start = prepare(PILOTDB_SQL_PILOT_START);
        end = prepare(PILOTDB_SQL_PILOT_END);
        upd = prepare(PILOTDB_SQL_CE_COUNT);
        if (!upd)
            return 1;
    } else {
        submit = prepare(V3_SUBMIT);
        start = end = prepare(V3_SET_STATUS);
    }
    if (!submit || !start || !end)
        return 1;

    t0 = cpu_seconds();
    if (exec("BEGIN"))
        return 1;
    for (long i = 1; i <= pilots + END_LAG; i++) {
        long s = i - START_LAG, e = i - END_LAG;
        clock += 73;
        if (i <= pilots) {
            int ce = (int)(i % NCE) + 1;
            if (d == CURRENT) {
                sqlite3_bind_int(submit, 1, ce);
                sqlite3_bind_int64(submit, 2, clock);
                delta[ce][0]++, delta_at = clock;
            } else {
                char name[32];
                snprintf(name, sizeof name, "ce-%04d.example.org", ce - 1);
                sqlite3_bind_text(submit, 1, name, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64(submit, 2, clock);
            }
            if (run(submit) != 0 || sqlite3_changes(conn) != 1)
                return 1;
            transitions++, since_commit++;
        }
        if (s >= 1 && s <= pilots) {
            int ce = (int)(s % NCE) + 1;
            sqlite3_bind_int64(start, 1, s);
            if (d == CURRENT) {
                sqlite3_bind_int(start, 2, 0);
                sqlite3_bind_int64(start, 3, clock);
                sqlite3_bind_int(start, 4, ce);
                delta[ce][0]--, delta[ce][1]++, delta_at = clock;
            } else {
                sqlite3_bind_int(start, 2, 1);
                sqlite3_bind_int64(start, 3, clock);
                sqlite3_bind_int(start, 4, 1 << 0);
            }
            if (run(start) != 0 || sqlite3_changes(conn) != 1)
                return 1;
            transitions++, since_commit++;
        }
        if (e >= 1 && e <= pilots) {
            int ce = (int)(e % NCE) + 1, to = e % 10 == 0 ? 3 : 2;
            sqlite3_bind_int64(end, 1, e);
            if (d == CURRENT) {
                sqlite3_bind_int(end, 2, 1);
                sqlite3_bind_int64(end, 3, clock);
                sqlite3_bind_int(end, 4, ce);
                sqlite3_bind_int(end, 5, to);
                delta[ce][1]--, delta[ce][to]++, delta_at = clock;
            } else {
                sqlite3_bind_int(end, 2, to);
                sqlite3_bind_int64(end, 3, clock);
                sqlite3_bind_int(end, 4, 1 << 1);
            }
            if (run(end) != 0 || sqlite3_changes(conn) != 1)
                return 1;
            transitions++, since_commit++;
        }
        if (since_commit >= TXN_EVERY) {
            since_commit = 0;
            if ((upd && flush_deltas(upd) != 0) || exec("COMMIT") || exec("BEGIN"))
                return 1;
        }
    }
    if ((upd && flush_deltas(upd) != 0) || exec("COMMIT"))
        return 1;
    t1 = cpu_seconds();
    getrusage(RUSAGE_SELF, &ru);
    printf("%-12s %ld pilots  %ld transitions  %.2f s CPU  %.2f us/transition  peak RSS %.1f MB\n",
           argv[1], pilots, transitions, t1 - t0, (t1 - t0) / (double)transitions * 1e6,
           (double)ru.ru_maxrss / 1024.0);
    sqlite3_finalize(add);
    sqlite3_finalize(submit);
    sqlite3_finalize(start);
    if (end != start)
        sqlite3_finalize(end);
    sqlite3_finalize(upd);
    return sqlite3_close(conn) == SQLITE_OK ? 0 : 1;
}
