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
 *   current       the schema of this build (PILOTDB_SCHEMA_CURRENT): pilot
 *                 row, history row and CE counters written by triggers, in
 *                 the layer's statements
 *   no-triggers   the same tables with the triggers dropped: the pilot row
 *                 alone, a floor (history and counters are not kept)
 *   row-history   an alternative: each pilot's history as columns of its row
 *                 (submitted_at, started_at, ended_at; the state machine
 *                 allows at most three transitions), no history table, CE
 *                 counters kept by the writer as deltas and written once per
 *                 transaction; one statement per transition
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

enum design { CURRENT, NO_TRIGGERS, ROW_HISTORY };

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

/* Per-CE counter deltas of the open transaction (row-history only). */
static int delta[NCE + 1][4];

static int flush_deltas(sqlite3_stmt *upd)
{
    for (int c = 1; c <= NCE; c++) {
        if (!delta[c][0] && !delta[c][1] && !delta[c][2] && !delta[c][3])
            continue;
        sqlite3_bind_int(upd, 1, c);
        for (int k = 0; k < 4; k++)
            sqlite3_bind_int(upd, 2 + k, delta[c][k]);
        if (run(upd) != 0)
            return -1;
        memset(delta[c], 0, sizeof delta[c]);
    }
    return 0;
}

static const char *const row_history_schema =
    "CREATE TABLE ce (" PILOTDB_CE_COLUMNS_V1 ","
    " n_submitted INTEGER NOT NULL DEFAULT 0, n_running INTEGER NOT NULL DEFAULT 0,"
    " n_done INTEGER NOT NULL DEFAULT 0, n_failed INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE pilot (pilot_id INTEGER PRIMARY KEY,"
    " ce_id INTEGER NOT NULL REFERENCES ce(ce_id),"
    " status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3),"
    " submitted_at INTEGER NOT NULL, started_at INTEGER, ended_at INTEGER);"
    "CREATE INDEX pilot_by_ce ON pilot(ce_id);";

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
        fprintf(stderr, "usage: bench_transition current|no-triggers|row-history [PILOTS]\n");
        return 2;
    }
    if (strcmp(argv[1], "current") == 0)
        d = CURRENT;
    else if (strcmp(argv[1], "no-triggers") == 0)
        d = NO_TRIGGERS;
    else if (strcmp(argv[1], "row-history") == 0)
        d = ROW_HISTORY;
    else {
        fprintf(stderr, "bench_transition: unknown design '%s'\n", argv[1]);
        return 2;
    }
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); /* as pilotdb_setup_process() */
    /* As pilotdeck sim opens :memory: (PILOTDB_OPEN_SCRATCH: no journal). */
    if (sqlite3_open(":memory:", &conn) != SQLITE_OK || exec("PRAGMA foreign_keys = ON") ||
        exec("PRAGMA journal_mode = OFF") ||
        exec(d == ROW_HISTORY ? row_history_schema : PILOTDB_SCHEMA_CURRENT))
        return 1;
    if (d == NO_TRIGGERS && exec("DROP TRIGGER pilot_on_insert; DROP TRIGGER pilot_on_status"))
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

    if (d == ROW_HISTORY) {
        /* The writer knows each pilot's CE and status, so every statement
         * is guarded by them and the counter deltas follow exactly. */
        submit = prepare("INSERT INTO pilot(ce_id, status, submitted_at)"
                         " SELECT ce_id, 0, ?2 FROM ce WHERE ce_id = ?1 AND enabled = 1"
                         " AND n_submitted + n_running + ?3 < capacity");
        start = prepare("UPDATE pilot SET status = 1, started_at = ?2"
                        " WHERE pilot_id = ?1 AND ce_id = ?3 AND status = 0");
        end = prepare("UPDATE pilot SET status = ?4, ended_at = ?2"
                      " WHERE pilot_id = ?1 AND ce_id = ?3 AND status = 1");
        upd = prepare("UPDATE ce SET n_submitted = n_submitted + ?2,"
                      " n_running = n_running + ?3, n_done = n_done + ?4,"
                      " n_failed = n_failed + ?5 WHERE ce_id = ?1");
        if (!upd)
            return 1;
    } else {
        /* The layer's own statements (db/schema.h). */
        submit = prepare(PILOTDB_SQL_PILOT_SUBMIT);
        start = end = prepare(PILOTDB_SQL_PILOT_SET_STATUS);
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
            if (d == ROW_HISTORY) {
                sqlite3_bind_int(submit, 1, ce);
                sqlite3_bind_int64(submit, 2, clock);
                sqlite3_bind_int(submit, 3, delta[ce][0] + delta[ce][1]);
                delta[ce][0]++;
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
            if (d == ROW_HISTORY) {
                sqlite3_bind_int64(start, 2, clock);
                sqlite3_bind_int(start, 3, ce);
                delta[ce][0]--, delta[ce][1]++;
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
            if (d == ROW_HISTORY) {
                sqlite3_bind_int64(end, 2, clock);
                sqlite3_bind_int(end, 3, ce);
                sqlite3_bind_int(end, 4, to);
                delta[ce][1]--, delta[ce][to]++;
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
