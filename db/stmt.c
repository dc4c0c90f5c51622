/*
 * stmt.c - the layer's SQL statements: the table of every statement a call
 * runs (prepared on first use, kept until close), running them, and reading
 * their rows into the layer's records.
 */
#include <string.h>

#include "internal.h"
#include "schema.h"

#define CE_COLUMNS                                                             \
    "ce_id, name, capacity, success_rate, enabled,"                            \
    " n_submitted, n_running, n_done, n_failed, last_change_at, site,"          \
    " capacity_source"
#define PILOT_COLUMNS                                                          \
    "p.pilot_id, p.ce_id, c.name, p.status, p.submitted_at,"                   \
    " p.started_at, p.ended_at, s.time_kinds, s.ref, s.source_status"
#define PILOT_FROM                                                             \
    " FROM pilot p JOIN ce c ON c.ce_id = p.ce_id"                             \
    " LEFT JOIN pilot_source s ON s.pilot_id = p.pilot_id "
#define PILOT_SELECT "SELECT " PILOT_COLUMNS PILOT_FROM

/* The transitions into one state for ST_TRANSITIONS: the pilot's columns,
 * then its CE's site, its reason (on its last transition only: the sort
 * carries less), the transition's place in the pilot's life (seq), its
 * time (the column col) and whether it is the pilot's last. */
#define TRANSITION_SELECT(seq, col, last)                                      \
    "SELECT " PILOT_COLUMNS ", c.site, CASE WHEN " last " THEN s.reason END, " \
    seq ", p." col ", " last PILOT_FROM "WHERE p." col " >= ?1"                \
    " AND p." col " < ?2 AND (?3 IS NULL OR p.ce_id = ?3)"

#define CE_HISTORY_SELECT                                                      \
    "SELECT h.change_id, h.at, h.ce_id, c.name, h.field, h.old_value,"         \
    " h.new_value, h.actor, h.user_name FROM ce_change h"                      \
    " LEFT JOIN ce c ON c.ce_id = h.ce_id WHERE h.at >= ?1 "

/* A pilot's three times with an unknown one as PILOTDB_NO_TIME (INT64_MIN),
 * so that a reader of many rows asks each column once. */
#define CE_PILOT_TIMES                                                         \
    "ifnull(p.submitted_at, -9223372036854775807 - 1),"                        \
    " ifnull(p.started_at, -9223372036854775807 - 1),"                         \
    " ifnull(p.ended_at, -9223372036854775807 - 1)"

/* The lean row of pilotdb_ce_pilots_scan(): no CE name, no ref, and no
 * reason for a done pilot (a lookup saved for most pilots). */
#define CE_PILOT_ROW                                                           \
    "SELECT p.pilot_id, p.status, " CE_PILOT_TIMES ", CASE WHEN p.status <> 2" \
    " THEN (SELECT s.reason FROM pilot_source s WHERE s.pilot_id = p.pilot_id)" \
    " END FROM pilot p "

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [ST_BEGIN_READ] = "BEGIN",
    [ST_SNAPSHOT] = "PRAGMA user_version",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT pilotdb_call",
    [ST_RELEASE] = "RELEASE pilotdb_call",
    [ST_FOREIGN_KEYS_OFF] = "PRAGMA foreign_keys = OFF",
    [ST_FOREIGN_KEYS_ON] = "PRAGMA foreign_keys = ON",
    [ST_ROLLBACK_TO] = "ROLLBACK TO pilotdb_call",
    [ST_CE_ADD] = "INSERT INTO ce(name, capacity, success_rate, enabled, site,"
                  " capacity_source) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_CE_UPDATE] = "UPDATE ce SET capacity = coalesce(?2, capacity),"
                     " success_rate = coalesce(?3, success_rate),"
                     " enabled = coalesce(?4, enabled),"
                     " site = CASE WHEN ?5 THEN ?6 ELSE site END,"
                     " capacity_source = coalesce(?7, capacity_source)"
                     " WHERE ce_id = ?1",
    [ST_CE_GET] = "SELECT " CE_COLUMNS " FROM ce WHERE name = ?1",
    /* Rows in table order, sorted by name in C: walking the name index
     * would cost a table seek per CE. */
    [ST_CE_LIST] = "SELECT " CE_COLUMNS " FROM ce",
    [ST_CE_LIST_AVAILABLE] = "SELECT " CE_COLUMNS " FROM ce WHERE enabled = 1"
                             " AND capacity > n_submitted + n_running",
    [ST_CE_ID] = "SELECT ce_id FROM ce WHERE name = ?1",
    [ST_CE_SLOTS] = "SELECT ce_id, enabled, capacity,"
                    " n_submitted + n_running FROM ce WHERE name = ?1",
    [ST_CE_COUNT] = PILOTDB_SQL_CE_COUNT,
    [ST_PILOT_SUBMIT] = PILOTDB_SQL_PILOT_SUBMIT,
    [ST_PILOT_START] = PILOTDB_SQL_PILOT_START,
    [ST_PILOT_END] = PILOTDB_SQL_PILOT_END,
    [ST_PILOT_STATUS] = "SELECT status, ce_id FROM pilot WHERE pilot_id = ?1",
    [ST_PILOT_GET] = PILOT_SELECT "WHERE p.pilot_id = ?1",
    [ST_PILOTS_ALL] = PILOT_SELECT "ORDER BY p.pilot_id",
    [ST_PILOTS_BY_STATUS] = PILOT_SELECT "WHERE p.status = ?1"
                                         " ORDER BY p.pilot_id",
    [ST_PILOTS_BY_CE] = PILOT_SELECT "WHERE p.ce_id = ?2 ORDER BY p.pilot_id",
    [ST_PILOTS_BY_CE_STATUS] = PILOT_SELECT "WHERE p.ce_id = ?2"
                                            " AND p.status = ?1"
                                            " ORDER BY p.pilot_id",
    [ST_SUMMARY] = "SELECT coalesce(sum(n_submitted), 0),"
                   " coalesce(sum(n_running), 0), coalesce(sum(n_done), 0),"
                   " coalesce(sum(n_failed), 0) FROM ce",
    [ST_EVENTS] = "SELECT pilot_id, ce_id, coalesce(from_status, -1),"
                  " to_status, at FROM pilot_event"
                  " WHERE at >= ?1 AND at < ?2 ORDER BY at, pilot_id, to_status",
    [ST_EVENTS_ANY_ORDER] = "SELECT pilot_id, ce_id, status, submitted_at,"
                            " started_at, ended_at, CASE WHEN status = 3 AND"
                            " started_at IS NULL THEN " PILOTDB_RAN_SQL("pilot")
                            " END FROM pilot"
                            " WHERE (submitted_at >= ?1 AND submitted_at < ?2)"
                            " OR (started_at >= ?1 AND started_at < ?2)"
                            " OR (ended_at >= ?1 AND ended_at < ?2)",
    [ST_TRANSITIONS] =
        TRANSITION_SELECT("0", "submitted_at",
                          "(p.started_at IS NULL AND p.ended_at IS NULL)")
        " UNION ALL " TRANSITION_SELECT("1", "started_at", "(p.ended_at IS NULL)")
        " UNION ALL " TRANSITION_SELECT("2", "ended_at", "1")
        " ORDER BY 14, 1, 13",
    [ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [ST_META_SET] = "INSERT INTO meta(key, value) VALUES (?1, ?2)",
    [ST_META_PUT] = "INSERT INTO meta(key, value) VALUES (?1, ?2)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    /* ends before submissions at the same time: a slot freed and taken */
    [ST_CE_PEAK] = "SELECT coalesce(max(n), 0) FROM (SELECT sum(d) OVER (ORDER BY at, d"
                   " ROWS UNBOUNDED PRECEDING) AS n FROM ("
                   " SELECT coalesce(submitted_at, started_at, ended_at) AS at, 1 AS d"
                   " FROM pilot WHERE ce_id = ?1"
                   " UNION ALL SELECT ended_at, -1 FROM pilot"
                   " WHERE ce_id = ?1 AND ended_at IS NOT NULL))",
    [ST_TIME_KINDS] = "SELECT coalesce(sum((time_kinds & 7) != 0), 0),"
                      " coalesce(sum((time_kinds & 8) != 0), 0),"
                      " coalesce(sum((time_kinds & 16) != 0), 0) FROM pilot_source",
    [ST_CE_LOG_AMEND] = "UPDATE ce_change SET new_value = ?3"
                        " WHERE ce_id = ?1 AND field = ?2 AND old_value IS NULL",
    [ST_CE_LOG] = "INSERT INTO ce_change(at, ce_id, field, old_value, new_value,"
                  " actor, user_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_CE_HISTORY] = CE_HISTORY_SELECT "ORDER BY h.at DESC, h.change_id DESC",
    [ST_CE_HISTORY_CE] = CE_HISTORY_SELECT "AND h.ce_id = ?2"
                                           " ORDER BY h.at DESC, h.change_id DESC",
    [ST_PILOT_BY_REF] = "SELECT p.pilot_id, p.ce_id, p.status, p.submitted_at,"
                        " p.started_at, p.ended_at, s.time_kinds, s.reason,"
                        " s.source_status FROM pilot_source s"
                        " JOIN pilot p ON p.pilot_id = s.pilot_id WHERE s.ref = ?1",
    [ST_PILOT_GET_REF] = PILOT_SELECT "WHERE s.ref = ?1",
    /* A CE's pilots (pilotdb_ce_pilots_scan()): the active ones, which no
     * index holds, from the newest pilot back until the CE's count of them
     * is reached; the ended ones from their index (schema.h, version 6;
     * named, so that a plan never falls back to reading every pilot),
     * then, if the CE's count of them says some are missing (a
     * simulation's, before 1990), one scan for those; without the index
     * (a version 5 database read-only), one scan. */
    [ST_CE_PILOT_COUNTS] = "SELECT ce_id, n_submitted + n_running, n_done + n_failed,"
                           " (SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
                           " AND name = '" PILOTDB_ENDED_INDEX_NAME "')"
                           " FROM ce WHERE name = ?1",
    [ST_CE_PILOTS_ACTIVE] = CE_PILOT_ROW "NOT INDEXED WHERE p.ce_id = ?1 AND p.status < 2"
                            " ORDER BY p.pilot_id DESC",
    [ST_CE_PILOTS_ENDED] = CE_PILOT_ROW "INDEXED BY " PILOTDB_ENDED_INDEX_NAME
                           " WHERE p.ce_id = ?1 AND p.status >= 2"
                           " AND p.ended_at >= " PILOTDB_WALL_MIN_SQL,
    [ST_CE_PILOTS_ALL] = CE_PILOT_ROW "NOT INDEXED WHERE p.ce_id = ?1",
    [ST_CE_PILOTS_ENDED_EARLY] = CE_PILOT_ROW "NOT INDEXED WHERE p.ce_id = ?1"
                                 " AND p.status >= 2 AND p.ended_at < " PILOTDB_WALL_MIN_SQL,
    [ST_PILOT_REASON] = "SELECT s.reason FROM pilot p LEFT JOIN pilot_source s"
                        " ON s.pilot_id = p.pilot_id WHERE p.pilot_id = ?1",
    [ST_OBS_INSERT] = "INSERT INTO pilot(ce_id, status, submitted_at, started_at,"
                      " ended_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    /* A new pilot taken back when its pilot_source row could not be
     * written (db/observe.c). */
    [ST_OBS_UNINSERT] = "DELETE FROM pilot WHERE pilot_id = ?1",
    [ST_OBS_UPDATE] = "UPDATE pilot SET status = ?2, submitted_at = ?3,"
                      " started_at = ?4, ended_at = ?5 WHERE pilot_id = ?1",
    [ST_OBS_SOURCE_INSERT] = "INSERT INTO pilot_source(pilot_id, time_kinds,"
                             " reason, source_status, ref)"
                             " VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_OBS_SOURCE_UPDATE] = "UPDATE pilot_source SET time_kinds = ?2, reason = ?3,"
                             " source_status = ?4 WHERE pilot_id = ?1",
};


pilotdb_rc pilotdb__stmt_prepare(pilotdb *db, enum pilotdb__stmt id,
                                 sqlite3_stmt **st)
{
    int src = sqlite3_prepare_v3(db->conn, stmt_sql[id], -1,
                                 SQLITE_PREPARE_PERSISTENT, st, NULL);

    if (src != SQLITE_OK) {
        sqlite3_finalize(*st);
        *st = NULL;
        return pilotdb__sql_fail(db, src, "preparing a statement");
    }
    db->stmt[id] = *st;
    return PILOTDB_OK;
}

pilotdb_rc pilotdb__stmt_run(pilotdb *db, enum pilotdb__stmt id, const char *what)
{
    sqlite3_stmt *st;
    pilotdb_rc rc = pilotdb__stmt_get(db, id, &st);
    int src;

    if (rc != PILOTDB_OK)
        return rc;
    src = sqlite3_step(st);
    if (src != SQLITE_DONE && src != SQLITE_ROW)
        rc = pilotdb__sql_fail(db, src, what);
    pilotdb__stmt_done(st);
    return rc;
}

void pilotdb__stmt_run_keeping_error(pilotdb *db, enum pilotdb__stmt id,
                                     const char *what)
{
    char saved[sizeof db->errmsg];

    memcpy(saved, db->errmsg, sizeof saved);
    pilotdb__stmt_run(db, id, what);
    memcpy(db->errmsg, saved, sizeof saved);
}

pilotdb_rc pilotdb__step_row(pilotdb *db, sqlite3_stmt *st, const char *what,
                             const char *none_fmt, ...)
{
    va_list ap;
    int src = sqlite3_step(st);

    if (src == SQLITE_ROW)
        return PILOTDB_OK;
    if (src != SQLITE_DONE)
        return pilotdb__sql_fail(db, src, what);
    va_start(ap, none_fmt);
    pilotdb__vfail(db, PILOTDB_ENOTFOUND, none_fmt, ap);
    va_end(ap);
    return PILOTDB_ENOTFOUND;
}

pilotdb_rc pilotdb__exec_sql(pilotdb *db, const char *sql, const char *what)
{
    int src = sqlite3_exec(db->conn, sql, NULL, NULL, NULL);

    return src == SQLITE_OK ? PILOTDB_OK : pilotdb__sql_fail(db, src, what);
}

void *pilotdb__vec_push(struct pilotdb__vec *v)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        void *items = sqlite3_realloc64(v->items, (sqlite3_uint64)cap * v->size);

        if (!items)
            return NULL;
        v->items = items;
        v->cap = cap;
    }
    return (char *)v->items + v->n++ * v->size;
}
