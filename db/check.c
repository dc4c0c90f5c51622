/*
 * check.c - the consistency check: SQLite's integrity and foreign key
 * checks, every per-CE count and last change time recomputed from the
 * pilot rows and compared with what the layer kept, and the pilots' times
 * held against what their sources said of them.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "schema.h"

/*
 * Run one check query; each row it returns is a problem, described by
 * describe() from the row into db->errmsg for the first one.
 */
static pilotdb_rc check_query(pilotdb *db, const char *sql,
                              void (*describe)(pilotdb *, sqlite3_stmt *),
                              int64_t *problems)
{
    sqlite3_stmt *st = NULL;
    int src;

    src = sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL);
    if (src != SQLITE_OK) {
        sqlite3_finalize(st);
        return pilotdb__sql_fail(db, src, "checking the database");
    }
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (*problems == 0)
            describe(db, st);
        ++*problems;
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? PILOTDB_OK
                              : pilotdb__sql_fail(db, src, "checking the database");
}

static void describe_integrity(pilotdb *db, sqlite3_stmt *st)
{
    pilotdb__fail(db, PILOTDB_EINCONSISTENT, "integrity check: %s",
                  (const char *)sqlite3_column_text(st, 0));
}

static void describe_foreign_key(pilotdb *db, sqlite3_stmt *st)
{
    pilotdb__fail(db, PILOTDB_EINCONSISTENT, "%s row %lld refers to a missing %s",
                  (const char *)sqlite3_column_text(st, 0),
                  (long long)sqlite3_column_int64(st, 1),
                  (const char *)sqlite3_column_text(st, 2));
}

static void describe_count(pilotdb *db, sqlite3_stmt *st)
{
    int s = sqlite3_column_int(st, 1);

    pilotdb__fail(db, PILOTDB_EINCONSISTENT,
                  "CE '%s' counts %lld %s pilots but has %lld",
                  (const char *)sqlite3_column_text(st, 0),
                  (long long)sqlite3_column_int64(st, 2), pilot_status_name(s),
                  (long long)sqlite3_column_int64(st, 3));
}

static void describe_last_change(pilotdb *db, sqlite3_stmt *st)
{
    pilotdb__fail(db, PILOTDB_EINCONSISTENT,
                  "CE '%s' says its pilots last changed at %s but they did at %s",
                  (const char *)sqlite3_column_text(st, 0),
                  sqlite3_column_type(st, 1) == SQLITE_NULL
             ? "never" : (const char *)sqlite3_column_text(st, 1),
         sqlite3_column_type(st, 2) == SQLITE_NULL
             ? "never" : (const char *)sqlite3_column_text(st, 2));
}

/* Each row: CE name, status, kept count, recomputed count. */
#define CHECK_COUNTS_SQL                                                       \
    "WITH real AS (SELECT ce_id, status, count(*) AS n FROM pilot"             \
    "              GROUP BY ce_id, status),"                                   \
    " kept AS (SELECT ce_id, name, 0 AS status, n_submitted AS n FROM ce"      \
    "  UNION ALL SELECT ce_id, name, 1, n_running FROM ce"                     \
    "  UNION ALL SELECT ce_id, name, 2, n_done FROM ce"                        \
    "  UNION ALL SELECT ce_id, name, 3, n_failed FROM ce)"                     \
    " SELECT k.name, k.status, k.n, coalesce(r.n, 0) FROM kept k"              \
    " LEFT JOIN real r ON r.ce_id = k.ce_id AND r.status = k.status"           \
    " WHERE k.n <> coalesce(r.n, 0) ORDER BY k.name, k.status"

/* Each row: CE name, kept last change time, recomputed one. */
#define CHECK_LAST_CHANGE_SQL                                                  \
    "SELECT c.name, c.last_change_at, l.at FROM ce c"                          \
    " LEFT JOIN (" PILOTDB_LAST_CHANGES_SQL_V5 ") l ON l.ce_id = c.ce_id"      \
    " WHERE c.last_change_at IS NOT l.at ORDER BY c.name"

static void describe_source(pilotdb *db, sqlite3_stmt *st)
{
    pilotdb__fail(db, PILOTDB_EINCONSISTENT,
                  "pilot %lld: %s", (long long)sqlite3_column_int64(st, 0),
                  (const char *)sqlite3_column_text(st, 1));
}

/* Each row: a pilot whose times disagree with what its source said of
 * them (pilot_source.time_kinds, schema.h), or a source row with no pilot. */
#define CHECK_SOURCES_SQL                                                      \
    "SELECT p.pilot_id, 'its times disagree with pilot_source.time_kinds'"     \
    " FROM pilot p LEFT JOIN pilot_source s ON s.pilot_id = p.pilot_id"        \
    " WHERE (p.submitted_at IS NULL) <> (coalesce(s.time_kinds, 0) & 8 <> 0)"  \
    " OR (p.status = 2 AND p.started_at IS NULL"                               \
    "     AND coalesce(s.time_kinds, 0) & 16 = 0)"                             \
    " OR (s.time_kinds & 16 AND (p.started_at IS NOT NULL OR p.status < 2))"   \
    " OR (s.time_kinds & 1 AND p.submitted_at IS NULL)"                        \
    " OR (s.time_kinds & 2 AND p.started_at IS NULL)"                          \
    " OR (s.time_kinds & 4 AND p.ended_at IS NULL)"                            \
    " UNION ALL SELECT s.pilot_id, 'pilot_source row of a missing pilot'"      \
    " FROM pilot_source s LEFT JOIN pilot p ON p.pilot_id = s.pilot_id"        \
    " WHERE p.pilot_id IS NULL ORDER BY 1"

pilotdb_rc pilotdb_check(pilotdb *db, int64_t *problems)
{
    struct pilotdb__call call;
    int64_t found = 0;
    pilotdb_rc rc;

    if (problems)
        *problems = 0;
    rc = pilotdb__enter(db, PILOTDB__READ, ST_NONE, &call);
    if (rc != PILOTDB_OK)
        return rc;
    rc = check_query(db, "PRAGMA integrity_check", describe_integrity, &found);
    /* integrity_check returns the single row "ok" when all is well. */
    if (rc == PILOTDB_OK && found == 1 &&
        strcmp(db->errmsg, "integrity check: ok") == 0) {
        found = 0;
        db->errmsg[0] = '\0';
    }
    if (rc == PILOTDB_OK)
        rc = check_query(db, "PRAGMA foreign_key_check", describe_foreign_key,
                         &found);
    if (rc == PILOTDB_OK)
        rc = check_query(db, CHECK_COUNTS_SQL, describe_count, &found);
    if (rc == PILOTDB_OK)
        rc = check_query(db, CHECK_LAST_CHANGE_SQL, describe_last_change, &found);
    if (rc == PILOTDB_OK)
        rc = check_query(db, CHECK_SOURCES_SQL, describe_source, &found);
    rc = pilotdb__leave(db, &call, rc);
    if (rc == PILOTDB_OK && found > 0) {
        rc = PILOTDB_EINCONSISTENT;
        if (found > 1) {
            size_t len = strlen(db->errmsg);

            snprintf(db->errmsg + len, sizeof db->errmsg - len,
                     " (and %lld more problems)", (long long)(found - 1));
        }
    }
    if (problems)
        *problems = found;
    return rc;
}
