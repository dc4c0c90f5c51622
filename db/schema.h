/*
 * schema.h - the schema of a pilot database, as a list of migrations
 * (private to db/).
 *
 * Migration N takes a database from user_version N-1 to N; an older
 * database runs those it lacks, in one transaction.  A new database gets
 * PILOTDB_SCHEMA_CURRENT in one step.  Never edit a shipped migration: add
 * one, and bring PILOTDB_SCHEMA_CURRENT to the same result.
 */
#ifndef PILOTDB_SCHEMA_H
#define PILOTDB_SCHEMA_H

struct pilotdb_migration {
    int version;
    const char *sql;
    /* The migration adds indexes only: every query of this build reads a
     * database without it the same, so a read-only open need not refuse
     * one that lacks it (a read-write open migrates it). */
    int indexes_only;
};

/* Columns of the ce table in version 1.  Frozen: version 1 is built from
 * it, so a change here would change what migration 2 starts from. */
#define PILOTDB_CE_COLUMNS_V1                                                  \
    "  ce_id INTEGER PRIMARY KEY,"                                             \
    "  name TEXT NOT NULL UNIQUE,"                                             \
    "  capacity INTEGER NOT NULL CHECK (capacity >= 0),"                       \
    "  success_rate REAL NOT NULL"                                             \
    "    CHECK (success_rate >= 0.0 AND success_rate <= 1.0),"                 \
    "  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))"

/* The pilot and history tables of versions 1 to 3 (frozen, as
 * above). */
#define PILOTDB_PILOT_TABLES                                                   \
    "CREATE TABLE pilot ("                                                     \
    "  pilot_id INTEGER PRIMARY KEY,"                                          \
    "  ce_id INTEGER NOT NULL REFERENCES ce(ce_id),"                           \
    "  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3),"                \
    "  submitted_at INTEGER NOT NULL,"                                         \
    "  updated_at INTEGER NOT NULL"                                            \
    ");"                                                                       \
    "CREATE TABLE pilot_event ("                                               \
    "  event_id INTEGER PRIMARY KEY,"                                          \
    "  pilot_id INTEGER NOT NULL,"                                             \
    "  ce_id INTEGER NOT NULL,"                                                \
    "  from_status INTEGER,"                                                   \
    "  to_status INTEGER NOT NULL,"                                            \
    "  at INTEGER NOT NULL"                                                    \
    ");"

/* The indexes of version 1 (frozen).  Version 3 drops them all but one. */
#define PILOTDB_PILOT_TABLES_V1                                                \
    PILOTDB_PILOT_TABLES                                                       \
    "CREATE INDEX pilot_by_status ON pilot(status);"                           \
    "CREATE INDEX pilot_by_ce ON pilot(ce_id, status);"                        \
    "CREATE INDEX pilot_event_by_at ON pilot_event(at);"

/* The only secondary index of version 3: pilots by CE.  It leaves status
 * out, so a status change does not move the pilot's index entry. */
#define PILOTDB_PILOT_INDEX_V3 "CREATE INDEX pilot_by_ce ON pilot(ce_id);"

/* The counter columns version 2 adds to ce, as ALTER TABLE clauses. */
#define PILOTDB_CE_COUNTER(col) col " INTEGER NOT NULL DEFAULT 0"

/* Statements of the triggers of versions 2 and 3 (frozen; version 4 drops
 * them). */
#define PILOTDB_EVENT_INSERT(from, at)                                         \
    "  INSERT INTO pilot_event(pilot_id, ce_id, from_status, to_status, at)"   \
    "  VALUES (NEW.pilot_id, NEW.ce_id, " from ", NEW.status, " at ");"

#define PILOTDB_TRIGGERS_V2                                                    \
    "CREATE TRIGGER pilot_on_insert AFTER INSERT ON pilot BEGIN"               \
    PILOTDB_EVENT_INSERT("NULL", "NEW.submitted_at")                           \
    "  UPDATE ce SET"                                                          \
    "    n_submitted = n_submitted + (NEW.status = 0),"                        \
    "    n_running = n_running + (NEW.status = 1),"                            \
    "    n_done = n_done + (NEW.status = 2),"                                  \
    "    n_failed = n_failed + (NEW.status = 3)"                               \
    "  WHERE ce_id = NEW.ce_id;"                                               \
    "END;"                                                                     \
    "CREATE TRIGGER pilot_on_status AFTER UPDATE OF status ON pilot"           \
    "  WHEN OLD.status <> NEW.status BEGIN"                                    \
    PILOTDB_EVENT_INSERT("OLD.status", "NEW.updated_at")                       \
    "  UPDATE ce SET"                                                          \
    "    n_submitted = n_submitted - (OLD.status = 0) + (NEW.status = 0),"     \
    "    n_running = n_running - (OLD.status = 1) + (NEW.status = 1),"         \
    "    n_done = n_done - (OLD.status = 2) + (NEW.status = 2),"               \
    "    n_failed = n_failed - (OLD.status = 3) + (NEW.status = 3)"            \
    "  WHERE ce_id = OLD.ce_id;"                                               \
    "END;"

/*
 * Version 1: CEs, pilots and the event history, kept by triggers.  Active
 * counts were computed from the pilot rows on every read.
 */
#define PILOTDB_SCHEMA_V1                                                      \
    "CREATE TABLE ce (" PILOTDB_CE_COLUMNS_V1 ");"                             \
    PILOTDB_PILOT_TABLES_V1                                                    \
    "CREATE TRIGGER pilot_event_on_insert AFTER INSERT ON pilot BEGIN"         \
    PILOTDB_EVENT_INSERT("NULL", "NEW.submitted_at")                           \
    "END;"                                                                     \
    "CREATE TRIGGER pilot_event_on_update AFTER UPDATE OF status ON pilot"     \
    "  WHEN OLD.status <> NEW.status BEGIN"                                    \
    PILOTDB_EVENT_INSERT("OLD.status", "NEW.updated_at")                       \
    "END;"

/* Version 2: per-CE counts per status, kept by the history triggers. */
#define PILOTDB_SCHEMA_V2                                                      \
    "DROP TRIGGER pilot_event_on_insert;"                                      \
    "DROP TRIGGER pilot_event_on_update;"                                      \
    "ALTER TABLE ce ADD COLUMN " PILOTDB_CE_COUNTER("n_submitted") ";"         \
    "ALTER TABLE ce ADD COLUMN " PILOTDB_CE_COUNTER("n_running") ";"           \
    "ALTER TABLE ce ADD COLUMN " PILOTDB_CE_COUNTER("n_done") ";"              \
    "ALTER TABLE ce ADD COLUMN " PILOTDB_CE_COUNTER("n_failed") ";"            \
    "UPDATE ce SET"                                                            \
    "  n_submitted = (SELECT count(*) FROM pilot p"                            \
    "                 WHERE p.ce_id = ce.ce_id AND p.status = 0),"             \
    "  n_running = (SELECT count(*) FROM pilot p"                              \
    "               WHERE p.ce_id = ce.ce_id AND p.status = 1),"               \
    "  n_done = (SELECT count(*) FROM pilot p"                                 \
    "            WHERE p.ce_id = ce.ce_id AND p.status = 2),"                  \
    "  n_failed = (SELECT count(*) FROM pilot p"                               \
    "              WHERE p.ce_id = ce.ce_id AND p.status = 3);"                \
    PILOTDB_TRIGGERS_V2

/* Version 3: only one secondary index, pilots by CE. */
#define PILOTDB_SCHEMA_V3                                                      \
    "DROP INDEX pilot_by_status;"                                              \
    "DROP INDEX pilot_event_by_at;"                                            \
    "DROP INDEX pilot_by_ce;"                                                  \
    PILOTDB_PILOT_INDEX_V3

/*
 * Version 4: a pilot's history is its submitted, started and ended times,
 * which CHECKs keep in line with its status and in order; pilot_event is a
 * view of them; the layer keeps the CE counts (no triggers) and each CE's
 * last_change_at; no secondary index.
 */
#define PILOTDB_PILOT_TABLE_V4(name)                                           \
    "CREATE TABLE " name " ("                                                  \
    "  pilot_id INTEGER PRIMARY KEY,"                                          \
    "  ce_id INTEGER NOT NULL REFERENCES ce(ce_id),"                           \
    "  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3),"                \
    "  submitted_at INTEGER NOT NULL,"                                         \
    "  started_at INTEGER,"                                                    \
    "  ended_at INTEGER,"                                                      \
    "  CHECK (CASE status"                                                     \
    "    WHEN 0 THEN started_at IS NULL AND ended_at IS NULL"                  \
    "    WHEN 1 THEN started_at IS NOT NULL AND ended_at IS NULL"              \
    "    WHEN 2 THEN started_at IS NOT NULL AND ended_at IS NOT NULL"          \
    "    ELSE ended_at IS NOT NULL END),"                                      \
    "  CHECK (started_at >= submitted_at"                                      \
    "    AND ended_at >= coalesce(started_at, submitted_at))"                  \
    ");"

/* Whether an ended pilot ran (from_status of its end): it started, or is
 * done, or its source said its start is unknown. */
#define PILOTDB_RAN_SQL(p)                                                     \
    "(" p ".started_at IS NOT NULL OR " p ".status = 2 OR EXISTS (SELECT 1"    \
    " FROM pilot_source s WHERE s.pilot_id = " p ".pilot_id"                   \
    " AND s.time_kinds & 16))"

/* The history as (pilot, CE, from, to, time): the submission (from NULL),
 * the start, the end. */
#define PILOTDB_EVENT_VIEW                                                     \
    "CREATE VIEW pilot_event(pilot_id, ce_id, from_status, to_status, at) AS"  \
    " SELECT pilot_id, ce_id, NULL, 0, submitted_at FROM pilot"                \
    " UNION ALL SELECT pilot_id, ce_id, 0, 1, started_at FROM pilot"           \
    "  WHERE started_at IS NOT NULL"                                           \
    " UNION ALL SELECT pilot_id, ce_id, (started_at IS NOT NULL), status,"     \
    "  ended_at FROM pilot WHERE ended_at IS NOT NULL;"

/* The latest change of each CE's pilots, from the rows, as (ce_id, at):
 * one scan of the pilots. */
#define PILOTDB_LAST_CHANGES_SQL                                               \
    "SELECT ce_id, max(max(submitted_at, coalesce(started_at, submitted_at),"  \
    " coalesce(ended_at, submitted_at))) AS at FROM pilot GROUP BY ce_id"

#define PILOTDB_SCHEMA_V4                                                      \
    "DROP TRIGGER pilot_on_insert;"                                            \
    "DROP TRIGGER pilot_on_status;"                                            \
    "CREATE INDEX pilot_event_v3_by_pilot"                                     \
    " ON pilot_event(pilot_id, to_status);"                                    \
    PILOTDB_PILOT_TABLE_V4("pilot_v4")                                         \
    "INSERT INTO pilot_v4(pilot_id, ce_id, status, submitted_at, started_at,"  \
    "  ended_at)"                                                              \
    " SELECT pilot_id, ce_id, status, submitted_at, s,"                        \
    "  CASE WHEN e IS NOT NULL THEN max(e, coalesce(s, submitted_at)) END"     \
    " FROM (SELECT pilot_id, ce_id, status, submitted_at, e,"                  \
    "  CASE WHEN s IS NOT NULL THEN max(s, submitted_at) END AS s"             \
    "  FROM (SELECT p.pilot_id, p.ce_id, p.status, p.submitted_at,"            \
    "   CASE WHEN p.status = 0 THEN NULL ELSE coalesce("                       \
    "    (SELECT max(at) FROM pilot_event e"                                   \
    "     WHERE e.pilot_id = p.pilot_id AND e.to_status = 1),"                 \
    "    CASE WHEN p.status IN (1, 2) THEN p.updated_at END) END AS s,"        \
    "   CASE WHEN p.status >= 2 THEN coalesce("                                \
    "    (SELECT max(at) FROM pilot_event e"                                   \
    "     WHERE e.pilot_id = p.pilot_id AND e.to_status = p.status),"          \
    "    p.updated_at) END AS e"                                               \
    "   FROM pilot p));"                                                       \
    "DROP TABLE pilot_event;"                                                  \
    "DROP TABLE pilot;"                                                        \
    "ALTER TABLE pilot_v4 RENAME TO pilot;"                                    \
    PILOTDB_EVENT_VIEW                                                         \
    "ALTER TABLE ce ADD COLUMN last_change_at INTEGER;"                        \
    "UPDATE ce SET last_change_at = l.at FROM (" PILOTDB_LAST_CHANGES_SQL ") l"\
    " WHERE l.ce_id = ce.ce_id;"

/*
 * Version 5: real data.  A pilot from an outside source has a row of
 * pilot_source: its ref (unique), reason, the source's status word, and
 * for each of its times whether it is exact or observed, or, with the time
 * NULL, unknown (time_kinds: PILOTDB_KIND_ bits).  Pilots the layer made
 * have none: their times are exact, and that costs their rows nothing.  A
 * submitted pilot has its submission time, a running one its start, an
 * ended one its end; a done one with no start has an unknown one, a
 * failed one never started unless pilot_source says unknown
 * (pilotdb_check() holds the two tables to that).  A CE may name its site
 * and says where its capacity came from (capacity_source: 0 configured, 1
 * inferred; an integer, as every CE listing reads it); every change of a
 * CE is a row of ce_change; meta holds the database's clock kind.
 */
#define PILOTDB_KIND_SUBMITTED_OBSERVED 1
#define PILOTDB_KIND_STARTED_OBSERVED   2
#define PILOTDB_KIND_ENDED_OBSERVED     4
#define PILOTDB_KIND_SUBMITTED_UNKNOWN  8
#define PILOTDB_KIND_STARTED_UNKNOWN    16

#define PILOTDB_PILOT_TABLE_V5(name)                                           \
    "CREATE TABLE " name " ("                                                  \
    "  pilot_id INTEGER PRIMARY KEY,"                                          \
    "  ce_id INTEGER NOT NULL REFERENCES ce(ce_id),"                           \
    "  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3),"                \
    "  submitted_at INTEGER,"                                                  \
    "  started_at INTEGER,"                                                    \
    "  ended_at INTEGER,"                                                      \
    "  CHECK (CASE status"                                                     \
    "    WHEN 0 THEN submitted_at IS NOT NULL AND started_at IS NULL"          \
    "      AND ended_at IS NULL"                                               \
    "    WHEN 1 THEN started_at IS NOT NULL AND ended_at IS NULL"              \
    "    ELSE ended_at IS NOT NULL END),"                                      \
    "  CHECK (started_at >= submitted_at"                                      \
    "    AND ended_at >= coalesce(started_at, submitted_at))"                  \
    ");"

/* The history as (pilot, CE, from, to, time): the submission (from NULL),
 * the start, the end; times not known are left out. */
#define PILOTDB_EVENT_VIEW_V5                                                  \
    "CREATE VIEW pilot_event(pilot_id, ce_id, from_status, to_status, at) AS"  \
    " SELECT pilot_id, ce_id, NULL, 0, submitted_at FROM pilot"                \
    "  WHERE submitted_at IS NOT NULL"                                         \
    " UNION ALL SELECT pilot_id, ce_id, 0, 1, started_at FROM pilot"           \
    "  WHERE started_at IS NOT NULL"                                           \
    " UNION ALL SELECT pilot_id, ce_id, " PILOTDB_RAN_SQL("pilot") ", status," \
    "  ended_at FROM pilot WHERE ended_at IS NOT NULL;"

/* The latest change of each CE's pilots, from the rows, as (ce_id, at):
 * a pilot's times are in order, so its latest is the last one known. */
#define PILOTDB_LAST_CHANGES_SQL_V5                                            \
    "SELECT ce_id, max(coalesce(ended_at, started_at, submitted_at)) AS at"    \
    " FROM pilot GROUP BY ce_id"

#define PILOTDB_CE_COLUMNS_V5                                                  \
    "  site TEXT,"                                                             \
    "  capacity_source INTEGER NOT NULL DEFAULT 0"                             \
    "    CHECK (capacity_source BETWEEN 0 AND 1)"

/* What outside sources said of pilots, the CE change log and the
 * database's settings. */
#define PILOTDB_TABLES_V5                                                      \
    "CREATE TABLE pilot_source ("                                              \
    "  pilot_id INTEGER PRIMARY KEY,"                                          \
    "  ref TEXT NOT NULL UNIQUE,"                                              \
    "  time_kinds INTEGER NOT NULL DEFAULT 0"                                  \
    "    CHECK (time_kinds BETWEEN 0 AND 31),"                                 \
    "  reason TEXT,"                                                           \
    "  source_status TEXT"                                                     \
    ");"                                                                       \
    "CREATE TABLE ce_change ("                                                 \
    "  change_id INTEGER PRIMARY KEY,"                                         \
    "  at INTEGER NOT NULL,"                                                   \
    "  ce_id INTEGER NOT NULL,"                                                \
    "  field TEXT NOT NULL"                                                    \
    "    CHECK (field = 'capacity' OR field = 'success_rate'"                   \
    "      OR field = 'enabled' OR field = 'site'),"                             \
    "  old_value,"                                                             \
    "  new_value,"                                                             \
    "  actor TEXT NOT NULL,"                                                   \
    "  user_name TEXT"                                                         \
    ");"                                                                       \
    "CREATE TABLE meta ("                                                      \
    "  key TEXT PRIMARY KEY,"                                                  \
    "  value TEXT NOT NULL"                                                    \
    ");"

/* Times before 1990 (ms since the epoch) are a simulation's virtual ones. */
#define PILOTDB_SCHEMA_V5                                                      \
    "DROP VIEW pilot_event;"                                                   \
    PILOTDB_PILOT_TABLE_V5("pilot_v5")                                         \
    "INSERT INTO pilot_v5(pilot_id, ce_id, status, submitted_at, started_at,"  \
    "  ended_at)"                                                              \
    " SELECT pilot_id, ce_id, status, submitted_at, started_at, ended_at"      \
    " FROM pilot;"                                                             \
    "DROP TABLE pilot;"                                                        \
    "ALTER TABLE pilot_v5 RENAME TO pilot;"                                    \
    PILOTDB_EVENT_VIEW_V5                                                      \
    "ALTER TABLE ce ADD COLUMN site TEXT;"                                     \
    "ALTER TABLE ce ADD COLUMN capacity_source INTEGER NOT NULL DEFAULT 0"     \
    "  CHECK (capacity_source BETWEEN 0 AND 1);"                               \
    PILOTDB_TABLES_V5                                                          \
    "INSERT INTO meta(key, value)"                                             \
    " SELECT 'clock', CASE WHEN max(coalesce(ended_at, started_at,"            \
    "  submitted_at)) < 631152000000 THEN 'sim' ELSE 'wall' END"               \
    " FROM pilot HAVING count(*) > 0;"

/*
 * Version 6: a CE's page without reading the other CEs' pilots (the
 * dashboard's CE page, tui/cepage.c).  The ended pilots of real data by
 * CE, outcome and end time, covering the times a summary of the CE reads:
 * a partial index whose entry is written once, when the pilot ends (a
 * start changes nothing in it: its condition is false before and after).
 * Its condition leaves out times before 1990, a simulation's virtual ones
 * (as the clock guess of version 5 reads them), so a simulation never
 * writes it: there its inserts, one into each CE's range, cost bench_sim
 * 40 % of its time in memory and 70-90 % on a file (bench/README.md).
 * Active pilots have no index (one would be written at every submission
 * and every end): they are few and mostly the newest.  And a CE's change
 * log by CE.  Indexes only: a version 5 database reads the same without
 * them (read-only, it is not migrated).
 */
#define PILOTDB_WALL_MIN_SQL "631152000000"
#define PILOTDB_ENDED_INDEX_NAME "pilot_ended_by_ce"
#define PILOTDB_SCHEMA_V6                                                      \
    "CREATE INDEX " PILOTDB_ENDED_INDEX_NAME " ON pilot(ce_id, status,"        \
    "  ended_at, submitted_at, started_at)"                                    \
    "  WHERE status >= 2 AND ended_at >= " PILOTDB_WALL_MIN_SQL ";"            \
    "CREATE INDEX ce_change_by_ce ON ce_change(ce_id, at);"

/*
 * The current schema for a new database, in one step: the same tables,
 * columns, indexes and views that the migrations arrive at (a test
 * compares the two), without replaying ALTER TABLE.  The CE columns of
 * version 5 come first: the table's text ends as in version 4, and the
 * bad-input test (tests/cli) damages it at a fixed distance from the end
 * of page 1, where it must stay unparsable.
 */
#define PILOTDB_SCHEMA_CURRENT                                                 \
    "CREATE TABLE ce (" PILOTDB_CE_COLUMNS_V5 ","                              \
    PILOTDB_CE_COLUMNS_V1 ","                                                  \
    PILOTDB_CE_COUNTER("n_submitted") ","                                      \
    PILOTDB_CE_COUNTER("n_running") ","                                        \
    PILOTDB_CE_COUNTER("n_done") ","                                           \
    PILOTDB_CE_COUNTER("n_failed") ","                                         \
    "  last_change_at INTEGER);"                                               \
    PILOTDB_PILOT_TABLE_V5("pilot")                                            \
    PILOTDB_EVENT_VIEW_V5                                                      \
    PILOTDB_TABLES_V5                                                          \
    PILOTDB_SCHEMA_V6

/*
 * The statements of a pilot's life, shared with bench_transition so that
 * it measures the layer's own SQL.  Submit: ?1 CE id, ?2 time.  Start and
 * end: ?1 pilot, ?2 its status now, ?3 time (or the pilot's previous
 * change's, if later), ?4 its CE, ?5 (end) the new status; they change
 * nothing unless the pilot is of CE ?4 in status ?2.  Counters: ?1 CE id,
 * ?2..?5 the change of each count, ?6 the latest change time.
 */
#define PILOTDB_SQL_PILOT_SUBMIT                                               \
    "INSERT INTO pilot(ce_id, status, submitted_at) VALUES (?1, 0, ?2)"
#define PILOTDB_SQL_PILOT_START                                                \
    "UPDATE pilot SET status = 1, started_at = max(?3, submitted_at)"          \
    " WHERE pilot_id = ?1 AND status = ?2 AND ce_id = ?4"
#define PILOTDB_SQL_PILOT_END                                                  \
    "UPDATE pilot SET status = ?5,"                                            \
    " ended_at = max(?3, coalesce(started_at, submitted_at))"                  \
    " WHERE pilot_id = ?1 AND status = ?2 AND ce_id = ?4"
#define PILOTDB_SQL_CE_COUNT                                                   \
    "UPDATE ce SET n_submitted = n_submitted + ?2,"                            \
    " n_running = n_running + ?3, n_done = n_done + ?4,"                       \
    " n_failed = n_failed + ?5,"                                               \
    " last_change_at = max(coalesce(last_change_at, ?6), ?6)"                  \
    " WHERE ce_id = ?1"

static const struct pilotdb_migration pilotdb_migrations[] = {
    {1, PILOTDB_SCHEMA_V1, 0},
    {2, PILOTDB_SCHEMA_V2, 0},
    {3, PILOTDB_SCHEMA_V3, 0},
    {4, PILOTDB_SCHEMA_V4, 0},
    {5, PILOTDB_SCHEMA_V5, 0},
    {6, PILOTDB_SCHEMA_V6, 1},
};

#endif
