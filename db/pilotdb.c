/*
 * pilotdb.c - the pilot database layer: connections, schema, transactions,
 * CE and pilot operations, history and the consistency check.
 *
 * Every call is all-or-nothing: outside a caller's transaction it wraps
 * itself in BEGIN IMMEDIATE ... COMMIT; inside one, each write is a single
 * SQL statement, atomic by itself.  A pilot's history is columns of its row
 * (schema.h).  The per-CE counts are kept here: a pilot change adds to a
 * table of changes per CE (struct ce_delta), written with one UPDATE per CE
 * at the end of the call, or, inside a pilotdb_begin() transaction, at its
 * commit or before the next call that reads.  Refusals (unknown, disabled
 * or full CE; illegal transition) are decided from a read in the same
 * transaction, before anything is written.
 */
#include "pilotdb.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "schema.h"

#define BUSY_TIMEOUT_MS 5000
/* WAL checkpoints (see wal_hook()): a passive one after a commit once the
 * WAL holds this many frames, as SQLite does by default ... */
#define WAL_CHECKPOINT_FRAMES 1000
/* ... and, once it holds this many (about 8 MiB), one that waits up to
 * WAL_RESTART_WAIT_MS for readers to leave older snapshots, so that the
 * next write starts the WAL again from its beginning. */
#define WAL_RESTART_FRAMES 2000
#define WAL_RESTART_WAIT_MS 200
#define NMIGRATIONS (sizeof pilotdb_migrations / sizeof pilotdb_migrations[0])

/* Prepared statements, made on first use and kept until close. */
enum stmt_id {
    ST_BEGIN_WRITE,
    ST_BEGIN_READ,
    ST_SNAPSHOT,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_FOREIGN_KEYS_OFF,
    ST_FOREIGN_KEYS_ON,
    ST_ROLLBACK_TO,
    ST_CE_ADD,
    ST_CE_UPDATE,
    ST_CE_GET,
    ST_CE_LIST,
    ST_CE_LIST_AVAILABLE,
    ST_CE_ID,
    ST_CE_SLOTS,
    ST_CE_COUNT,
    ST_PILOT_SUBMIT,
    ST_PILOT_START,
    ST_PILOT_END,
    ST_PILOT_STATUS,
    ST_PILOT_GET,
    ST_PILOTS_ALL,
    ST_PILOTS_BY_STATUS,
    ST_PILOTS_BY_CE,
    ST_PILOTS_BY_CE_STATUS,
    ST_SUMMARY,
    ST_EVENTS,
    ST_EVENTS_ANY_ORDER,
    ST_COUNT
};

#define CE_COLUMNS                                                             \
    "ce_id, name, capacity, success_rate, enabled,"                            \
    " n_submitted, n_running, n_done, n_failed, last_change_at"
#define PILOT_SELECT                                                           \
    "SELECT p.pilot_id, p.ce_id, c.name, p.status, p.submitted_at,"            \
    " p.started_at, p.ended_at FROM pilot p JOIN ce c ON c.ce_id = p.ce_id "

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
    [ST_CE_ADD] = "INSERT INTO ce(name, capacity, success_rate, enabled)"
                  " VALUES (?1, ?2, ?3, ?4)",
    [ST_CE_UPDATE] = "UPDATE ce SET capacity = coalesce(?2, capacity),"
                     " success_rate = coalesce(?3, success_rate),"
                     " enabled = coalesce(?4, enabled) WHERE name = ?1",
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
                            " started_at, ended_at FROM pilot"
                            " WHERE (submitted_at >= ?1 AND submitted_at < ?2)"
                            " OR (started_at >= ?1 AND started_at < ?2)"
                            " OR (ended_at >= ?1 AND ended_at < ?2)",
};

/* The changes to one CE's counts not yet written (see delta_flush()). */
struct ce_delta {
    int64_t ce_id;
    int64_t count[PILOT_NSTATUS];
    int64_t last_at;     /* latest change time */
    int used;
    int dirty;           /* holds a change not yet written */
};

/* A CE as a submission inside a pilotdb_begin() transaction read it: no
 * other writer can change it before the commit (see known_find()). */
struct ce_known {
    char *name;          /* NULL: empty slot */
    uint64_t hash;
    int64_t ce_id;
    int64_t capacity;
    int64_t active;      /* n_submitted + n_running as read */
    int enabled;
};

struct pilotdb {
    sqlite3 *conn;
    sqlite3_stmt *stmt[ST_COUNT];
    pilotdb_clock_fn clock;
    void *clock_arg;
    unsigned flags;
    size_t ce_count_hint; /* CEs found by the last pilotdb_ce_list() */
    int64_t busy_since;   /* when the current wait for a lock began (ms) */
    int busy_limit_ms;    /* how long a wait may last */
    int batch;            /* in a transaction opened by pilotdb_begin() */
    int foreign_keys_off; /* a migration could not turn them back on */
    struct ce_delta *delta; /* open addressing by CE id, delta_cap slots */
    size_t delta_cap, delta_used;
    int delta_pending;    /* some slot holds a change not yet written */
    struct ce_known *known; /* open addressing by name, known_cap slots */
    size_t known_cap, known_used;
    char errmsg[512];
};

static const char *const status_names[PILOT_NSTATUS] = {
    "submitted", "running", "done", "failed"
};

/* For each target status, the statuses it may be reached from (bit mask). */
static const unsigned status_from_mask[PILOT_NSTATUS] = {
    [PILOT_SUBMITTED] = 0,
    [PILOT_RUNNING] = 1u << PILOT_SUBMITTED,
    [PILOT_DONE] = 1u << PILOT_RUNNING,
    [PILOT_FAILED] = (1u << PILOT_SUBMITTED) | (1u << PILOT_RUNNING),
};

/* ---- errors --------------------------------------------------------------- */

static pilotdb_rc fail(pilotdb *db, pilotdb_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static pilotdb_rc fail(pilotdb *db, pilotdb_rc rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(db->errmsg, sizeof db->errmsg, fmt, ap);
    va_end(ap);
    return rc;
}

static pilotdb_rc rc_from_sqlite(int src)
{
    switch (src & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return PILOTDB_OK;
    case SQLITE_NOMEM:
        return PILOTDB_ENOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return PILOTDB_EBUSY;
    case SQLITE_READONLY:
        return PILOTDB_EREADONLY;
    case SQLITE_FULL:
        return PILOTDB_EDISKFULL;
    case SQLITE_IOERR:
        return PILOTDB_EIO;
    case SQLITE_CORRUPT:
        return PILOTDB_ECORRUPT;
    case SQLITE_NOTADB:
        return PILOTDB_ENOTDB;
    case SQLITE_CANTOPEN:
        return PILOTDB_ECANTOPEN;
    case SQLITE_MISUSE:
        return PILOTDB_EMISUSE;
    default:
        return PILOTDB_ESQL;
    }
}

/* One integer from a pragma that returns one, or -1. */
static int64_t pragma_int(sqlite3 *conn, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;

    if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/*
 * Say which is full after SQLITE_FULL: the database, when a page limit
 * below SQLite's own (1073741823 pages up to 3.44) was set with PRAGMA
 * max_page_count, else the disk.
 */
static pilotdb_rc full_fail(pilotdb *db, const char *what)
{
    int64_t limit = db->conn ? pragma_int(db->conn, "PRAGMA max_page_count") : -1;

    if (limit > 0 && limit < 1073741823)
        return fail(db, PILOTDB_EDISKFULL,
                    "%s: the database is full: it may hold at most %lld pages"
                    " (PRAGMA max_page_count) and has %lld", what,
                    (long long)limit,
                    (long long)pragma_int(db->conn, "PRAGMA page_count"));
    return fail(db, PILOTDB_EDISKFULL,
                "%s: the disk is full (no room to write the database)", what);
}

/* Record a SQLite failure src during what. */
static pilotdb_rc sql_fail(pilotdb *db, int src, const char *what)
{
    const char *msg = sqlite3_errstr(src);

    if ((src & 0xff) == SQLITE_FULL)
        return full_fail(db, what);
    /* The connection's message is more precise when it is about src. */
    if (db->conn && sqlite3_extended_errcode(db->conn) == src)
        msg = sqlite3_errmsg(db->conn);
    return fail(db, rc_from_sqlite(src), "%s: %s", what, msg);
}

const char *pilotdb_rc_str(pilotdb_rc rc)
{
    switch (rc) {
    case PILOTDB_OK: return "ok";
    case PILOTDB_EINVAL: return "invalid argument";
    case PILOTDB_ENOTFOUND: return "not found";
    case PILOTDB_EEXISTS: return "already exists";
    case PILOTDB_EDISABLED: return "CE disabled";
    case PILOTDB_EFULL: return "CE full";
    case PILOTDB_ETRANSITION: return "illegal status change";
    case PILOTDB_ENOTDB: return "not a pilotdeck database";
    case PILOTDB_ESCHEMA: return "unsupported schema version";
    case PILOTDB_EINCONSISTENT: return "database inconsistent";
    case PILOTDB_ENOMEM: return "out of memory";
    case PILOTDB_EBUSY: return "database busy";
    case PILOTDB_EREADONLY: return "database is read-only";
    case PILOTDB_EDISKFULL: return "database or disk is full";
    case PILOTDB_EIO: return "I/O error";
    case PILOTDB_ECORRUPT: return "database file is corrupt";
    case PILOTDB_EMISUSE: return "misuse";
    case PILOTDB_ECANTOPEN: return "cannot open database";
    case PILOTDB_ESQL: return "SQL error";
    }
    return "unknown error";
}

const char *pilotdb_errmsg(const pilotdb *db)
{
    return db ? db->errmsg : "out of memory";
}

void pilotdb_free(void *p)
{
    sqlite3_free(p);
}

sqlite3 *pilotdb_sqlite(pilotdb *db)
{
    return db->conn;
}

/* ---- names and the state machine --------------------------------------------- */

const char *pilot_status_name(int status)
{
    if (status < 0 || status >= PILOT_NSTATUS)
        return NULL;
    return status_names[status];
}

pilotdb_rc pilot_status_parse(const char *word, pilot_status *out)
{
    *out = PILOT_SUBMITTED;
    if (!word)
        return PILOTDB_EINVAL;
    for (int s = 0; s < PILOT_NSTATUS; s++) {
        if (sqlite3_stricmp(word, status_names[s]) == 0) {
            *out = (pilot_status)s;
            return PILOTDB_OK;
        }
    }
    return PILOTDB_EINVAL;
}

int pilot_status_transition_ok(pilot_status from, pilot_status to)
{
    if ((int)from < 0 || from >= PILOT_NSTATUS || (int)to < 0 ||
        to >= PILOT_NSTATUS)
        return 0;
    return (status_from_mask[to] >> from) & 1u;
}

/* ---- clock ------------------------------------------------------------------- */

static int64_t wall_clock(void *arg)
{
    struct timespec ts;

    (void)arg;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pilotdb_set_clock(pilotdb *db, pilotdb_clock_fn clock, void *arg)
{
    db->clock = clock ? clock : wall_clock;
    db->clock_arg = clock ? arg : NULL;
}

int64_t pilotdb_now(pilotdb *db)
{
    return db->clock(db->clock_arg);
}

/* ---- statements ----------------------------------------------------------------- */

/* The prepared statement id in *st, made on first use. */
static pilotdb_rc stmt_get(pilotdb *db, enum stmt_id id, sqlite3_stmt **st)
{
    int src;

    *st = db->stmt[id];
    if (*st)
        return PILOTDB_OK;
    src = sqlite3_prepare_v3(db->conn, stmt_sql[id], -1,
                             SQLITE_PREPARE_PERSISTENT, st, NULL);
    if (src != SQLITE_OK) {
        sqlite3_finalize(*st);
        *st = NULL;
        return sql_fail(db, src, "preparing a statement");
    }
    db->stmt[id] = *st;
    return PILOTDB_OK;
}

/* Reset st for its next use; bindings are cleared so no stale value leaks. */
static void stmt_done(sqlite3_stmt *st)
{
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

/* Run a statement that returns no rows. */
static pilotdb_rc stmt_run(pilotdb *db, enum stmt_id id, const char *what)
{
    sqlite3_stmt *st;
    pilotdb_rc rc = stmt_get(db, id, &st);
    int src;

    if (rc != PILOTDB_OK)
        return rc;
    src = sqlite3_step(st);
    if (src != SQLITE_DONE && src != SQLITE_ROW)
        rc = sql_fail(db, src, what);
    stmt_done(st);
    return rc;
}

/* Run statement id (a rollback) after a failure, keeping the message of
 * the failure. */
static void stmt_run_keeping_error(pilotdb *db, enum stmt_id id, const char *what)
{
    char saved[sizeof db->errmsg];

    memcpy(saved, db->errmsg, sizeof saved);
    stmt_run(db, id, what);
    memcpy(db->errmsg, saved, sizeof saved);
}

/* ---- CE counts ------------------------------------------------------------------ */

static size_t delta_hash(int64_t ce_id, size_t cap)
{
    return (size_t)(((uint64_t)ce_id * UINT64_C(0x9e3779b97f4a7c15)) >> 32) &
           (cap - 1);
}

/* Forget every change not yet written. */
static void delta_clear(pilotdb *db)
{
    if (db->delta_used)
        memset(db->delta, 0, db->delta_cap * sizeof *db->delta);
    db->delta_used = 0;
    db->delta_pending = 0;
}

/*
 * The slot of CE ce_id in *slot, made if missing.  Called before the change
 * it will record is written, so that running out of memory here leaves
 * nothing behind.
 */
static pilotdb_rc delta_slot(pilotdb *db, int64_t ce_id, struct ce_delta **slot)
{
    size_t i;

    if ((db->delta_used + 1) * 2 > db->delta_cap) {
        size_t cap = db->delta_cap ? db->delta_cap * 2 : 64;
        struct ce_delta *old = db->delta, *grown;

        grown = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *grown);
        if (!grown)
            return fail(db, PILOTDB_ENOMEM, "counting pilots: out of memory");
        memset(grown, 0, cap * sizeof *grown);
        for (size_t k = 0; k < db->delta_cap; k++) {
            if (!old[k].used)
                continue;
            for (i = delta_hash(old[k].ce_id, cap); grown[i].used;)
                i = (i + 1) & (cap - 1);
            grown[i] = old[k];
        }
        sqlite3_free(old);
        db->delta = grown;
        db->delta_cap = cap;
    }
    for (i = delta_hash(ce_id, db->delta_cap); db->delta[i].used;
         i = (i + 1) & (db->delta_cap - 1)) {
        if (db->delta[i].ce_id == ce_id) {
            *slot = &db->delta[i];
            return PILOTDB_OK;
        }
    }
    db->delta[i].used = 1;
    db->delta[i].ce_id = ce_id;
    db->delta_used++;
    *slot = &db->delta[i];
    return PILOTDB_OK;
}

/* Record in slot a pilot moving from status from (-1: new) to to at time at. */
static void delta_move(pilotdb *db, struct ce_delta *slot, int from, int to,
                       int64_t at)
{
    if (from >= 0)
        slot->count[from]--;
    slot->count[to]++;
    if (!slot->dirty || at > slot->last_at)
        slot->last_at = at;
    slot->dirty = 1;
    db->delta_pending = 1;
}

/* Forget the CEs read in this transaction. */
static void known_clear(pilotdb *db)
{
    for (size_t i = 0; db->known_used && i < db->known_cap; i++) {
        sqlite3_free(db->known[i].name);
        db->known[i].name = NULL;
    }
    db->known_used = 0;
}

static uint64_t name_hash(const char *name)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);

    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * UINT64_C(0x100000001b3);
    return h;
}

/*
 * The slot of CE name among those read in this transaction, found or
 * empty.  A CE read by a submission inside a pilotdb_begin() transaction
 * is remembered until the transaction ends, the handle changes a CE, or
 * the counts are written: the write lock keeps other writers out, so a
 * submission to a CE it has seen needs one statement, not two.
 */
static struct ce_known *known_find(pilotdb *db, const char *name, uint64_t hash)
{
    size_t i;

    if (!db->known_cap)
        return NULL;
    for (i = hash & (db->known_cap - 1); db->known[i].name;
         i = (i + 1) & (db->known_cap - 1))
        if (db->known[i].hash == hash && strcmp(db->known[i].name, name) == 0)
            break;
    return &db->known[i];
}

/* Remember CE name as read; out of memory only means not remembering. */
static void known_add(pilotdb *db, const char *name, uint64_t hash,
                      const struct ce_known *ce)
{
    struct ce_known *slot;
    size_t len = strlen(name);

    if ((db->known_used + 1) * 2 > db->known_cap) {
        size_t cap = db->known_cap ? db->known_cap * 2 : 64;
        struct ce_known *old = db->known, *grown;

        grown = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *grown);
        if (!grown)
            return;
        memset(grown, 0, cap * sizeof *grown);
        for (size_t k = 0; k < db->known_cap; k++) {
            size_t i;

            if (!old[k].name)
                continue;
            for (i = old[k].hash & (cap - 1); grown[i].name;)
                i = (i + 1) & (cap - 1);
            grown[i] = old[k];
        }
        sqlite3_free(old);
        db->known = grown;
        db->known_cap = cap;
    }
    slot = known_find(db, name, hash);
    *slot = *ce;
    slot->hash = hash;
    slot->name = sqlite3_malloc64(len + 1);
    if (!slot->name)
        return;
    memcpy(slot->name, name, len + 1);
    db->known_used++;
}

/*
 * Write the gathered changes, one UPDATE per CE.  A slot is emptied as soon
 * as its UPDATE succeeds, so after a failure what is written plus what is
 * left is still exact.
 */
static pilotdb_rc delta_flush(pilotdb *db)
{
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int src;

    if (!db->delta_pending)
        return PILOTDB_OK;
    known_clear(db);
    rc = stmt_get(db, ST_CE_COUNT, &st);
    for (size_t i = 0; rc == PILOTDB_OK && i < db->delta_cap; i++) {
        struct ce_delta *d = &db->delta[i];

        if (!d->used || !d->dirty)
            continue;
        sqlite3_bind_int64(st, 1, d->ce_id);
        for (int k = 0; k < PILOT_NSTATUS; k++)
            sqlite3_bind_int64(st, 2 + k, d->count[k]);
        sqlite3_bind_int64(st, 6, d->last_at);
        src = sqlite3_step(st);
        if (src != SQLITE_DONE)
            rc = sql_fail(db, src, "writing the CE counts");
        stmt_done(st);
        if (rc == PILOTDB_OK) {
            memset(d->count, 0, sizeof d->count);
            d->dirty = 0;
        }
    }
    if (rc == PILOTDB_OK)
        delta_clear(db);
    return rc;
}

/* ---- transactions ---------------------------------------------------------------- */

static pilotdb_rc txn_enter(pilotdb *db, int write, int *opened);
static pilotdb_rc txn_leave(pilotdb *db, int opened, pilotdb_rc rc);

/*
 * Run the BEGIN statement id.  The ROLLBACK statement is prepared first:
 * once a transaction is open, ending it must not need memory, or an
 * out-of-memory error would leave it open.
 */
static pilotdb_rc txn_begin(pilotdb *db, enum stmt_id id, const char *what)
{
    sqlite3_stmt *rollback;
    pilotdb_rc rc = stmt_get(db, ST_ROLLBACK, &rollback);

    if (rc == PILOTDB_OK && db->foreign_keys_off) {
        rc = stmt_run(db, ST_FOREIGN_KEYS_ON, "enabling foreign keys");
        db->foreign_keys_off = rc != PILOTDB_OK;
    }
    if (rc == PILOTDB_OK)
        rc = stmt_run(db, id, what);
    /* An interrupted BEGIN may have opened the transaction before failing. */
    if (rc != PILOTDB_OK && pilotdb_in_transaction(db))
        stmt_run_keeping_error(db, ST_ROLLBACK, "rolling back");
    return rc;
}

/*
 * The start of a public call that runs one statement: enter the call's
 * transaction (see txn_enter()) and get the statement id into *st.  On
 * failure nothing is left open and *opened is 0.
 */
static pilotdb_rc call_enter(pilotdb *db, int write, enum stmt_id id,
                             sqlite3_stmt **st, int *opened)
{
    pilotdb_rc rc = txn_enter(db, write, opened);

    *st = NULL;
    if (rc != PILOTDB_OK)
        return rc;
    /* The writes made here change CEs (pilots go through change_enter()):
     * what submissions remembered of them is stale. */
    if (write)
        known_clear(db);
    rc = stmt_get(db, id, st);
    if (rc != PILOTDB_OK) {
        txn_leave(db, *opened, rc);
        *opened = 0;
    }
    return rc;
}

int pilotdb_in_transaction(pilotdb *db)
{
    return !sqlite3_get_autocommit(db->conn);
}

/* Leave pilotdb_begin()'s mode, dropping what it gathered: after commit or
 * rollback, or when SQLite ended the transaction itself (after NOMEM, IOERR
 * or FULL). */
static void batch_end(pilotdb *db)
{
    db->batch = 0;
    delta_clear(db);
    known_clear(db);
}

/*
 * Begin a transaction for one public call unless the caller has one open.
 * *opened says whether txn_leave() must end it.
 */
static pilotdb_rc txn_enter(pilotdb *db, int write, int *opened)
{
    pilotdb_rc rc;

    *opened = 0;
    if (pilotdb_in_transaction(db))
        return write || !db->batch ? PILOTDB_OK : delta_flush(db);
    batch_end(db);
    rc = txn_begin(db, write ? ST_BEGIN_WRITE : ST_BEGIN_READ,
                   "starting a transaction");
    if (rc == PILOTDB_OK)
        *opened = 1;
    return rc;
}

/* End what txn_enter() began: commit after success, roll back after rc. */
static pilotdb_rc txn_leave(pilotdb *db, int opened, pilotdb_rc rc)
{
    if (!opened)
        return rc;
    if (rc == PILOTDB_OK) {
        rc = stmt_run(db, ST_COMMIT, "committing");
        if (rc == PILOTDB_OK)
            return rc;
    }
    /* SQLite may have rolled back already (after NOMEM, IOERR, FULL). */
    if (pilotdb_in_transaction(db))
        stmt_run_keeping_error(db, ST_ROLLBACK, "rolling back");
    return rc;
}

pilotdb_rc pilotdb_begin(pilotdb *db)
{
    pilotdb_rc rc;

    db->errmsg[0] = '\0';
    if (pilotdb_in_transaction(db))
        return fail(db, PILOTDB_EMISUSE, "a transaction is already open");
    batch_end(db);
    rc = txn_begin(db, ST_BEGIN_WRITE, "starting a write transaction");
    db->batch = rc == PILOTDB_OK;
    return rc;
}

pilotdb_rc pilotdb_begin_read(pilotdb *db)
{
    pilotdb_rc rc;

    db->errmsg[0] = '\0';
    if (pilotdb_in_transaction(db))
        return fail(db, PILOTDB_EMISUSE, "a transaction is already open");
    batch_end(db);
    rc = txn_begin(db, ST_BEGIN_READ, "starting a read transaction");
    /* BEGIN is deferred: read once so the snapshot is fixed from now. */
    if (rc == PILOTDB_OK) {
        rc = stmt_run(db, ST_SNAPSHOT, "starting a read transaction");
        if (rc != PILOTDB_OK && pilotdb_in_transaction(db))
            stmt_run(db, ST_ROLLBACK, "rolling back");
    }
    return rc;
}

pilotdb_rc pilotdb_commit(pilotdb *db)
{
    pilotdb_rc rc;

    db->errmsg[0] = '\0';
    if (!pilotdb_in_transaction(db)) {
        batch_end(db);
        return fail(db, PILOTDB_EMISUSE, "commit: no transaction is open");
    }
    rc = txn_leave(db, 1, delta_flush(db));
    batch_end(db);
    return rc;
}

pilotdb_rc pilotdb_rollback(pilotdb *db)
{
    batch_end(db);
    if (!pilotdb_in_transaction(db))
        return fail(db, PILOTDB_EMISUSE, "rollback: no transaction is open");
    return stmt_run(db, ST_ROLLBACK, "rolling back");
}

/*
 * The start of a call that changes pilots: enter its transaction, and
 * inside a transaction that is neither the call's own nor pilotdb_begin()'s
 * (raw SQL on the handle) open a savepoint, so that the counts written at
 * the end of the call go with the change or not at all.  *opened is 1 if
 * the call opened a transaction, 2 if a savepoint.
 */
static pilotdb_rc change_enter(pilotdb *db, int *opened)
{
    pilotdb_rc rc = txn_enter(db, 1, opened);
    sqlite3_stmt *st;

    if (rc == PILOTDB_OK && !*opened && !db->batch) {
        /* Everything that ends the savepoint is made first, so that
         * running out of memory cannot leave it open. */
        if ((rc = stmt_get(db, ST_ROLLBACK_TO, &st)) != PILOTDB_OK ||
            (rc = stmt_get(db, ST_RELEASE, &st)) != PILOTDB_OK ||
            (rc = stmt_get(db, ST_CE_COUNT, &st)) != PILOTDB_OK)
            return rc;
        rc = stmt_run(db, ST_SAVEPOINT, "starting a savepoint");
        if (rc == PILOTDB_OK)
            *opened = 2;
    }
    return rc;
}

/* The end of a call begun with change_enter(): write the counts unless a
 * pilotdb_begin() transaction gathers them, then commit or roll back. */
static pilotdb_rc change_leave(pilotdb *db, int opened, pilotdb_rc rc)
{
    if (rc == PILOTDB_OK && !db->batch)
        rc = delta_flush(db);
    if (db->batch) {
        if (!pilotdb_in_transaction(db))
            batch_end(db);
        return rc;
    }
    delta_clear(db);
    if (opened != 2)
        return txn_leave(db, opened, rc);
    if (rc != PILOTDB_OK && pilotdb_in_transaction(db))
        stmt_run_keeping_error(db, ST_ROLLBACK_TO, "rolling back to the savepoint");
    if (pilotdb_in_transaction(db)) {
        pilotdb_rc rrc = stmt_run(db, ST_RELEASE, "releasing the savepoint");

        if (rc == PILOTDB_OK)
            rc = rrc;
    }
    return rc;
}

/* ---- opening, schema and migration ------------------------------------------------ */

/* Run SQL text that returns no rows (schema changes, pragmas). */
static pilotdb_rc exec_sql(pilotdb *db, const char *sql, const char *what)
{
    int src = sqlite3_exec(db->conn, sql, NULL, NULL, NULL);

    return src == SQLITE_OK ? PILOTDB_OK : sql_fail(db, src, what);
}

/* Read one integer from a query returning one row. */
static pilotdb_rc query_int(pilotdb *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int src;

    *out = 0;
    src = sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            src = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    if (src == SQLITE_DONE)
        src = SQLITE_OK;
    return src == SQLITE_OK ? PILOTDB_OK : sql_fail(db, src, "reading the database header");
}

struct header {
    int64_t application_id;
    int64_t user_version;
    int64_t objects;
};

static pilotdb_rc read_header(pilotdb *db, struct header *h)
{
    pilotdb_rc rc;

    memset(h, 0, sizeof *h);
    rc = query_int(db, "PRAGMA application_id", &h->application_id);
    if (rc == PILOTDB_OK)
        rc = query_int(db, "PRAGMA user_version", &h->user_version);
    /* Only an unmarked file needs its schema read (and parsed) to tell an
     * empty database from someone else's. */
    if (rc == PILOTDB_OK && h->application_id == 0)
        rc = query_int(db, "SELECT count(*) FROM sqlite_schema", &h->objects);
    if (rc == PILOTDB_ENOTDB)
        rc = fail(db, PILOTDB_ENOTDB, "not a pilotdeck database (not an SQLite file)");
    return rc;
}

/* The migration's own transaction (see migrate()). */
static pilotdb_rc migrate_in_transaction(pilotdb *db)
{
    struct header h;
    pilotdb_rc rc;
    char sql[64];

    rc = txn_begin(db, ST_BEGIN_WRITE, "starting the schema migration");
    if (rc != PILOTDB_OK)
        return rc;
    /* Re-read inside the transaction: another process may have won. */
    rc = read_header(db, &h);
    if (rc == PILOTDB_OK && h.user_version == 0)
        rc = exec_sql(db, PILOTDB_SCHEMA_CURRENT, "creating the schema");
    for (size_t i = 0; rc == PILOTDB_OK && h.user_version > 0 && i < NMIGRATIONS;
         i++) {
        if (pilotdb_migrations[i].version <= h.user_version)
            continue;
        rc = exec_sql(db, pilotdb_migrations[i].sql, "migrating the schema");
    }
    if (rc == PILOTDB_OK) {
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d;",
                 PILOTDB_APPLICATION_ID);
        rc = exec_sql(db, sql, "marking the database");
    }
    if (rc == PILOTDB_OK) {
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d;",
                 PILOTDB_SCHEMA_VERSION);
        rc = exec_sql(db, sql, "marking the schema version");
    }
    return txn_leave(db, 1, rc);
}

/* Bring the schema up to PILOTDB_SCHEMA_VERSION in one write transaction. */
static pilotdb_rc migrate(pilotdb *db, int64_t from_version)
{
    sqlite3_stmt *st;
    pilotdb_rc rc;

    if (from_version == 0)
        return migrate_in_transaction(db);
    /* A migration rebuilds tables; a pilot whose CE was deleted behind the
     * layer's back must not stop it (pilotdb_check() reports it).  The
     * pragma has no effect inside a transaction, hence out here; both are
     * made first, so that turning the checks back on needs no memory. */
    if ((rc = stmt_get(db, ST_FOREIGN_KEYS_ON, &st)) != PILOTDB_OK ||
        (rc = stmt_get(db, ST_FOREIGN_KEYS_OFF, &st)) != PILOTDB_OK ||
        (rc = stmt_run(db, ST_FOREIGN_KEYS_OFF, "migrating the schema")) != PILOTDB_OK)
        return rc;
    rc = migrate_in_transaction(db);
    /* After a schema change the statement is made again, which needs
     * memory; if that fails the migration stands, and the next transaction
     * turns the checks on before it begins (txn_begin()). */
    if (stmt_run(db, ST_FOREIGN_KEYS_ON, "enabling foreign keys") != PILOTDB_OK) {
        db->foreign_keys_off = 1;
        if (rc == PILOTDB_OK)
            db->errmsg[0] = '\0';
    }
    return rc;
}

/*
 * Check what the file is and bring it to the current schema: the decisions
 * are made before anything is written, so a file that is not ours is left
 * exactly as it was.
 */
static pilotdb_rc prepare_schema(pilotdb *db, int may_create, int is_file)
{
    struct header h;
    pilotdb_rc rc;
    int readonly = (db->flags & PILOTDB_OPEN_READONLY) != 0;

    rc = read_header(db, &h);
    if ((rc == PILOTDB_EREADONLY || rc == PILOTDB_ECANTOPEN) && readonly && is_file)
        return fail(db, rc,
                    "cannot read it read-only: a WAL database needs its -shm"
                    " file beside it, and that file cannot be created here"
                    " (is the directory writable?)");
    if (rc != PILOTDB_OK)
        return rc;
    if (h.application_id == 0 && h.user_version == 0 && h.objects == 0) {
        if (!may_create)
            return fail(db, PILOTDB_ENOTDB,
                        "empty database, not initialized as a pilotdeck database");
        if (readonly)
            return fail(db, PILOTDB_EREADONLY,
                        "empty database cannot be initialized read-only");
    } else if (h.application_id != PILOTDB_APPLICATION_ID) {
        return fail(db, PILOTDB_ENOTDB,
                    "not a pilotdeck database (application id 0x%08llx,"
                    " %lld schema objects)",
                    (unsigned long long)(uint32_t)h.application_id,
                    (long long)h.objects);
    } else if (h.user_version > PILOTDB_SCHEMA_VERSION) {
        return fail(db, PILOTDB_ESCHEMA,
                    "schema version %lld is newer than this pilotdeck supports"
                    " (%d): use a newer pilotdeck",
                    (long long)h.user_version, PILOTDB_SCHEMA_VERSION);
    } else if (h.user_version < 1) {
        return fail(db, PILOTDB_ESCHEMA,
                    "pilotdeck database with no schema version");
    } else if (h.user_version < PILOTDB_SCHEMA_VERSION && readonly) {
        return fail(db, PILOTDB_ESCHEMA,
                    "schema version %lld needs migrating to %d: open it once"
                    " read-write", (long long)h.user_version,
                    PILOTDB_SCHEMA_VERSION);
    }
    if (!readonly && is_file) {
        rc = exec_sql(db, "PRAGMA journal_mode = WAL", "switching to WAL");
        if (rc == PILOTDB_OK)
            rc = exec_sql(db, "PRAGMA synchronous = NORMAL",
                          "setting synchronous mode");
        if (rc != PILOTDB_OK)
            return rc;
    }
    if (h.user_version < PILOTDB_SCHEMA_VERSION)
        rc = migrate(db, h.user_version);
    return rc;
}

static pilotdb_rc handle_new(unsigned flags, pilotdb **out)
{
    pilotdb *db = sqlite3_malloc64(sizeof *db);

    *out = NULL;
    if (!db)
        return PILOTDB_ENOMEM;
    memset(db, 0, sizeof *db);
    db->flags = flags;
    db->clock = wall_clock;
    *out = db;
    return PILOTDB_OK;
}

/*
 * Called by SQLite after each commit in WAL mode, with the number of frames
 * in the WAL.  SQLite's own hook only runs passive checkpoints, which never
 * catch up while readers follow one another without a pause (each holds a
 * snapshot older than the last commit), so the WAL would grow without bound
 * under a few busy dashboards.  Past WAL_RESTART_FRAMES a RESTART checkpoint
 * waits, briefly, for the readers to move to the newest snapshot.  The
 * commit has happened: a checkpoint that cannot finish is retried at the
 * next commit, never reported.  (PRAGMA wal_autocheckpoint replaces this
 * hook with SQLite's.)
 */
static int wal_hook(void *arg, sqlite3 *conn, const char *schema, int frames)
{
    pilotdb *db = arg;

    if (frames >= WAL_RESTART_FRAMES) {
        db->busy_limit_ms = WAL_RESTART_WAIT_MS;
        (void)sqlite3_wal_checkpoint_v2(conn, schema, SQLITE_CHECKPOINT_RESTART,
                                        NULL, NULL);
        db->busy_limit_ms = BUSY_TIMEOUT_MS;
    } else if (frames >= WAL_CHECKPOINT_FRAMES) {
        (void)sqlite3_wal_checkpoint_v2(conn, schema, SQLITE_CHECKPOINT_PASSIVE,
                                        NULL, NULL);
    }
    return SQLITE_OK;
}

/*
 * Called by SQLite while another connection holds a lock this one needs:
 * try again every millisecond until busy_limit_ms have passed.  SQLite's
 * own handler sleeps up to 100 ms between tries, so a writer that takes the
 * lock again soon after each commit (the simulator) could keep another (the
 * dashboard's toggle) waiting for seconds; a short gap between two of its
 * transactions is enough here.
 */
static int busy_wait(void *arg, int tries)
{
    pilotdb *db = arg;
    const struct timespec pause = {0, 1000000};
    struct timespec ts;
    int64_t now;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (tries == 0)
        db->busy_since = now;
    else if (now - db->busy_since >= db->busy_limit_ms)
        return 0;
    nanosleep(&pause, NULL);
    return 1;
}

/* Called by SQLite whenever a transaction rolls back, its own rollbacks
 * after NOMEM, IOERR or FULL included: what a pilotdb_begin() transaction
 * gathered goes with it. */
static void rollback_hook(void *arg)
{
    batch_end(arg);
}

/* Called by SQLite before a commit: a commit with counts not yet written
 * (raw COMMIT on the connection inside pilotdb_begin()) becomes a rollback,
 * or the counts would disagree with the pilot rows. */
static int commit_hook(void *arg)
{
    pilotdb *db = arg;

    return db->batch && db->delta_pending;
}

/* Settings every connection gets, before anything is read. */
static pilotdb_rc configure(pilotdb *db)
{
    sqlite3_extended_result_codes(db->conn, 1);
    sqlite3_rollback_hook(db->conn, rollback_hook, db);
    sqlite3_commit_hook(db->conn, commit_hook, db);
    db->busy_limit_ms = BUSY_TIMEOUT_MS;
    sqlite3_busy_handler(db->conn, busy_wait, db);
    sqlite3_wal_hook(db->conn, wal_hook, db);
    return exec_sql(db, "PRAGMA foreign_keys = ON", "enabling foreign keys");
}

/* Copy the handle's message out and close it, for a failed open. */
static pilotdb_rc open_failed(pilotdb *db, pilotdb_rc rc, char *errbuf,
                              size_t errbuf_size)
{
    if (errbuf && errbuf_size) {
        snprintf(errbuf, errbuf_size, "%s",
                 db ? db->errmsg : pilotdb_rc_str(rc));
        if (!errbuf[0])
            snprintf(errbuf, errbuf_size, "%s", pilotdb_rc_str(rc));
    }
    pilotdb_close(db);
    return rc;
}

pilotdb_rc pilotdb_set_cache(pilotdb *db, int64_t kib)
{
    char sql[64];

    db->errmsg[0] = '\0';
    if (kib < 1 || kib > (INT64_C(1) << 30))
        return fail(db, PILOTDB_EINVAL, "a page cache of %lld KiB is out of range "
                    "(1 KiB to 1 TiB)", (long long)kib);
    snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", -(long long)kib);
    return exec_sql(db, sql, "setting the page cache");
}

pilotdb_rc pilotdb_setup_process(void)
{
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK
               ? PILOTDB_OK
               : PILOTDB_EMISUSE;
}

pilotdb_rc pilotdb_open(const char *path, unsigned flags, pilotdb **out,
                        char *errbuf, size_t errbuf_size)
{
    pilotdb *db = NULL;
    pilotdb_rc rc;
    int is_memory, src, oflags;
    struct stat sb;

    *out = NULL;
    if (errbuf && errbuf_size)
        errbuf[0] = '\0';
    rc = handle_new(flags, &db);
    if (rc != PILOTDB_OK)
        return open_failed(NULL, rc, errbuf, errbuf_size);
    if (!path || !*path) {
        rc = fail(db, PILOTDB_EINVAL, "no database path given");
        return open_failed(db, rc, errbuf, errbuf_size);
    }
    is_memory = strcmp(path, ":memory:") == 0;
    if ((flags & PILOTDB_OPEN_SCRATCH) && !is_memory) {
        rc = fail(db, PILOTDB_EINVAL, "only a :memory: database can be a scratch one");
        return open_failed(db, rc, errbuf, errbuf_size);
    }
    if (!is_memory) {
        int found = stat(path, &sb) == 0;
        if (found && S_ISDIR(sb.st_mode)) {
            rc = fail(db, PILOTDB_ECANTOPEN, "is a directory");
            return open_failed(db, rc, errbuf, errbuf_size);
        }
        if (!found && !(flags & PILOTDB_OPEN_CREATE)) {
            rc = fail(db, PILOTDB_ECANTOPEN, "%s", strerror(errno));
            return open_failed(db, rc, errbuf, errbuf_size);
        }
    }
    if (flags & PILOTDB_OPEN_READONLY)
        oflags = SQLITE_OPEN_READONLY;
    else if (flags & PILOTDB_OPEN_CREATE)
        oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    else
        oflags = SQLITE_OPEN_READWRITE;
    src = sqlite3_open_v2(path, &db->conn, oflags | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        rc = sql_fail(db, src, "opening");
        return open_failed(db, rc, errbuf, errbuf_size);
    }
    rc = configure(db);
    if (rc == PILOTDB_OK)
        rc = prepare_schema(db, is_memory || (flags & PILOTDB_OPEN_CREATE),
                            !is_memory);
    if (rc == PILOTDB_OK && (flags & PILOTDB_OPEN_SCRATCH))
        rc = exec_sql(db, "PRAGMA journal_mode = OFF", "turning the journal off");
    if (rc != PILOTDB_OK)
        return open_failed(db, rc, errbuf, errbuf_size);
    *out = db;
    return PILOTDB_OK;
}

pilotdb_rc pilotdb_open_image(const unsigned char *image, size_t size,
                              pilotdb **out, char *errbuf, size_t errbuf_size)
{
    pilotdb *db = NULL;
    unsigned char *copy;
    pilotdb_rc rc;
    int src;

    *out = NULL;
    if (errbuf && errbuf_size)
        errbuf[0] = '\0';
    rc = handle_new(0, &db);
    if (rc != PILOTDB_OK)
        return open_failed(NULL, rc, errbuf, errbuf_size);
    if (!image || size == 0) {
        rc = fail(db, PILOTDB_EINVAL, "empty database image");
        return open_failed(db, rc, errbuf, errbuf_size);
    }
    src = sqlite3_open_v2(":memory:", &db->conn,
                          SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        rc = sql_fail(db, src, "opening an in-memory database");
        return open_failed(db, rc, errbuf, errbuf_size);
    }
    copy = sqlite3_malloc64(size);
    if (!copy) {
        rc = fail(db, PILOTDB_ENOMEM, "copying a database image: out of memory");
        return open_failed(db, rc, errbuf, errbuf_size);
    }
    memcpy(copy, image, size);
    /* FREEONCLOSE: SQLite owns copy from here on, even when this fails. */
    src = sqlite3_deserialize(db->conn, "main", copy, (sqlite3_int64)size,
                              (sqlite3_int64)size,
                              SQLITE_DESERIALIZE_FREEONCLOSE |
                                  SQLITE_DESERIALIZE_RESIZEABLE);
    /* sqlite3_deserialize() says SQLITE_ERROR for any failure of the
     * ATTACH it runs; the connection knows when that was out of memory. */
    if (src == SQLITE_ERROR && sqlite3_errcode(db->conn) == SQLITE_NOMEM)
        src = SQLITE_NOMEM;
    if (src != SQLITE_OK) {
        rc = sql_fail(db, src, "loading a database image");
        return open_failed(db, rc, errbuf, errbuf_size);
    }
    rc = configure(db);
    if (rc == PILOTDB_OK)
        rc = prepare_schema(db, 0, 0);
    if (rc != PILOTDB_OK)
        return open_failed(db, rc, errbuf, errbuf_size);
    *out = db;
    return PILOTDB_OK;
}

pilotdb_rc pilotdb_serialize(pilotdb *db, unsigned char **image, size_t *size)
{
    sqlite3_int64 len = 0;
    pilotdb_rc rc;

    db->errmsg[0] = '\0';
    *image = NULL;
    *size = 0;
    if (pilotdb_in_transaction(db) && (rc = delta_flush(db)) != PILOTDB_OK)
        return rc;
    *image = sqlite3_serialize(db->conn, "main", &len, 0);
    if (!*image)
        return fail(db, PILOTDB_ENOMEM, "serializing the database: out of memory");
    *size = (size_t)len;
    return PILOTDB_OK;
}

pilotdb_rc pilotdb_close(pilotdb *db)
{
    pilotdb_rc rc = PILOTDB_OK;
    int src;

    if (!db)
        return PILOTDB_OK;
    if (db->conn && pilotdb_in_transaction(db)) {
        rc = PILOTDB_EMISUSE;
        stmt_run(db, ST_ROLLBACK, "rolling back on close");
    }
    sqlite3_free(db->delta);
    known_clear(db);
    sqlite3_free(db->known);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(db->stmt[i]);
    src = sqlite3_close(db->conn);
    if (src != SQLITE_OK && rc == PILOTDB_OK)
        rc = rc_from_sqlite(src);
    sqlite3_free(db);
    return rc;
}

/* ---- argument checks -------------------------------------------------------------- */

/* Length of a valid UTF-8 sequence starting at s, or 0. */
static size_t utf8_seq(const unsigned char *s)
{
    size_t n;
    unsigned cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, cp = s[0] & 0x1fu;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, cp = s[0] & 0x0fu;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, cp = s[0] & 0x07u;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* A CE name is 1..PILOTDB_NAME_MAX bytes of UTF-8 with no control characters. */
static pilotdb_rc check_name(pilotdb *db, const char *name)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t len, n;

    if (!name || !*name)
        return fail(db, PILOTDB_EINVAL, "CE name is empty");
    len = strlen(name);
    if (len > PILOTDB_NAME_MAX)
        return fail(db, PILOTDB_EINVAL,
                    "CE name is %zu bytes long; the limit is %d", len,
                    PILOTDB_NAME_MAX);
    for (size_t i = 0; i < len; i += n) {
        if (s[i] < 0x20 || s[i] == 0x7f)
            return fail(db, PILOTDB_EINVAL,
                        "CE name has a control character at byte %zu", i + 1);
        n = utf8_seq(s + i);
        if (n == 0)
            return fail(db, PILOTDB_EINVAL,
                        "CE name is not valid UTF-8 at byte %zu", i + 1);
    }
    return PILOTDB_OK;
}

static pilotdb_rc check_capacity(pilotdb *db, int64_t capacity)
{
    if (capacity < 0)
        return fail(db, PILOTDB_EINVAL,
                    "capacity %lld is negative; it must be 0 or more",
                    (long long)capacity);
    return PILOTDB_OK;
}

static pilotdb_rc check_success_rate(pilotdb *db, double rate)
{
    /* Written so that NaN fails too. */
    if (!(rate >= 0.0 && rate <= 1.0))
        return fail(db, PILOTDB_EINVAL,
                    "success rate %g is outside [0, 1]", rate);
    return PILOTDB_OK;
}

/* ---- CEs ---------------------------------------------------------------------------- */

/* Copy a text column into a PILOTDB_NAME_MAX buffer (names are checked on
 * the way in; a longer one written behind the layer's back is cut). */
static void name_from_column(sqlite3_stmt *st, int col, char *out)
{
    const unsigned char *text = sqlite3_column_text(st, col);
    size_t len = (size_t)sqlite3_column_bytes(st, col);

    if (!text)
        len = 0;
    if (len > PILOTDB_NAME_MAX)
        len = PILOTDB_NAME_MAX;
    if (len)
        memcpy(out, text, len);
    out[len] = '\0';
}

/* Fill *ce from a row of CE_COLUMNS; every field is written. */
static void ce_from_row(sqlite3_stmt *st, pilotdb_ce *ce)
{
    ce->id = sqlite3_column_int64(st, 0);
    name_from_column(st, 1, ce->name);
    ce->capacity = sqlite3_column_int64(st, 2);
    ce->success_rate = sqlite3_column_double(st, 3);
    ce->enabled = sqlite3_column_int(st, 4) != 0;
    for (int s = 0; s < PILOT_NSTATUS; s++)
        ce->count[s] = sqlite3_column_int64(st, 5 + s);
    ce->active = ce->count[PILOT_SUBMITTED] + ce->count[PILOT_RUNNING];
    ce->available_slots = 0;
    if (ce->enabled && ce->capacity > ce->active)
        ce->available_slots = ce->capacity - ce->active;
    ce->last_change_at = sqlite3_column_type(st, 9) == SQLITE_NULL
                             ? PILOTDB_NO_TIME
                             : sqlite3_column_int64(st, 9);
}

pilotdb_rc pilotdb_ce_add(pilotdb *db, const char *name, int64_t capacity,
                          double success_rate, int enabled, int64_t *id)
{
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int opened, src;

    db->errmsg[0] = '\0';
    if (id)
        *id = 0;
    if ((rc = check_name(db, name)) != PILOTDB_OK ||
        (rc = check_capacity(db, capacity)) != PILOTDB_OK ||
        (rc = check_success_rate(db, success_rate)) != PILOTDB_OK)
        return rc;
    rc = call_enter(db, 1, ST_CE_ADD, &st, &opened);
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, capacity);
    sqlite3_bind_double(st, 3, success_rate + 0.0); /* -0.0 is stored as 0 */
    sqlite3_bind_int(st, 4, enabled != 0);
    src = sqlite3_step(st);
    if (src == SQLITE_CONSTRAINT_UNIQUE || src == SQLITE_CONSTRAINT_PRIMARYKEY)
        rc = fail(db, PILOTDB_EEXISTS, "CE '%s' exists already", name);
    else if (src != SQLITE_DONE)
        rc = sql_fail(db, src, "adding a CE");
    else if (id)
        *id = sqlite3_last_insert_rowid(db->conn);
    stmt_done(st);
    rc = txn_leave(db, opened, rc);
    if (rc != PILOTDB_OK && id)
        *id = 0;
    return rc;
}

pilotdb_rc pilotdb_ce_update(pilotdb *db, const char *name,
                             const pilotdb_ce_change *upd)
{
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int opened, src;

    db->errmsg[0] = '\0';
    if ((rc = check_name(db, name)) != PILOTDB_OK)
        return rc;
    if (!upd || !(upd->set & (PILOTDB_SET_CAPACITY | PILOTDB_SET_SUCCESS_RATE |
                              PILOTDB_SET_ENABLED)))
        return fail(db, PILOTDB_EINVAL, "CE '%s': nothing to change", name);
    if ((upd->set & PILOTDB_SET_CAPACITY) &&
        (rc = check_capacity(db, upd->capacity)) != PILOTDB_OK)
        return rc;
    if ((upd->set & PILOTDB_SET_SUCCESS_RATE) &&
        (rc = check_success_rate(db, upd->success_rate)) != PILOTDB_OK)
        return rc;
    rc = call_enter(db, 1, ST_CE_UPDATE, &st, &opened);
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (upd->set & PILOTDB_SET_CAPACITY)
        sqlite3_bind_int64(st, 2, upd->capacity);
    if (upd->set & PILOTDB_SET_SUCCESS_RATE)
        sqlite3_bind_double(st, 3, upd->success_rate + 0.0);
    if (upd->set & PILOTDB_SET_ENABLED)
        sqlite3_bind_int(st, 4, upd->enabled != 0);
    src = sqlite3_step(st);
    if (src != SQLITE_DONE)
        rc = sql_fail(db, src, "updating a CE");
    else if (sqlite3_changes(db->conn) == 0)
        rc = fail(db, PILOTDB_ENOTFOUND, "no CE named '%s'", name);
    stmt_done(st);
    return txn_leave(db, opened, rc);
}

pilotdb_rc pilotdb_ce_get(pilotdb *db, const char *name, pilotdb_ce *out)
{
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int opened, src;

    db->errmsg[0] = '\0';
    memset(out, 0, sizeof *out);
    if ((rc = check_name(db, name)) != PILOTDB_OK)
        return rc;
    rc = call_enter(db, 0, ST_CE_GET, &st, &opened);
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        ce_from_row(st, out);
    else if (src == SQLITE_DONE)
        rc = fail(db, PILOTDB_ENOTFOUND, "no CE named '%s'", name);
    else
        rc = sql_fail(db, src, "reading a CE");
    stmt_done(st);
    rc = txn_leave(db, opened, rc);
    if (rc != PILOTDB_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* A growable array of fixed-size records, allocated with sqlite3_malloc. */
struct vec {
    void *items;
    size_t n, cap, size;
};

/* A pointer to a new slot at the end, or NULL when out of memory. */
static void *vec_push(struct vec *v)
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

/* Name order, as SQLite's BINARY collation orders names (bytes, then
 * length): strcmp() on UTF-8 with no NUL inside is the same order. */
static int ce_by_name(const void *a, const void *b)
{
    return strcmp((*(const pilotdb_ce *const *)a)->name,
                  (*(const pilotdb_ce *const *)b)->name);
}

/* Sort v's CEs by name into a new array *out (v is freed either way): the
 * sort moves pointers, and each CE is copied once. */
static pilotdb_rc ce_sort(pilotdb *db, struct vec *v, pilotdb_ce **out)
{
    pilotdb_ce *sorted, *items = v->items;
    const pilotdb_ce **ptrs;

    *out = NULL;
    ptrs = sqlite3_malloc64((sqlite3_uint64)v->n * sizeof *ptrs);
    sorted = sqlite3_malloc64((sqlite3_uint64)v->n * sizeof *sorted);
    if (!ptrs || !sorted) {
        sqlite3_free(ptrs);
        sqlite3_free(sorted);
        sqlite3_free(v->items);
        return fail(db, PILOTDB_ENOMEM, "listing CEs: out of memory");
    }
    for (size_t i = 0; i < v->n; i++)
        ptrs[i] = &items[i];
    qsort(ptrs, v->n, sizeof *ptrs, ce_by_name);
    for (size_t i = 0; i < v->n; i++)
        memcpy(&sorted[i], ptrs[i], sizeof *sorted);
    sqlite3_free(ptrs);
    sqlite3_free(v->items);
    *out = sorted;
    return PILOTDB_OK;
}

pilotdb_rc pilotdb_ce_list(pilotdb *db, int available_only, pilotdb_ce **out,
                           size_t *n)
{
    struct vec v = {NULL, 0, 0, sizeof(pilotdb_ce)};
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int opened, src;

    db->errmsg[0] = '\0';
    *out = NULL;
    *n = 0;
    rc = call_enter(db, 0, available_only ? ST_CE_LIST_AVAILABLE : ST_CE_LIST,
                    &st, &opened);
    if (rc != PILOTDB_OK)
        return rc;
    /* Size the array for what the last listing found: no regrowth when
     * the dashboard lists the same CEs every frame. */
    if (db->ce_count_hint > 0) {
        v.items = sqlite3_malloc64((sqlite3_uint64)db->ce_count_hint * v.size);
        v.cap = v.items ? db->ce_count_hint : 0;
    }
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        pilotdb_ce *ce = vec_push(&v);

        if (!ce) {
            rc = fail(db, PILOTDB_ENOMEM, "listing CEs: out of memory");
            break;
        }
        ce_from_row(st, ce);
    }
    if (rc == PILOTDB_OK && src != SQLITE_DONE)
        rc = sql_fail(db, src, "listing CEs");
    stmt_done(st);
    rc = txn_leave(db, opened, rc);
    if (rc != PILOTDB_OK || v.n == 0) {
        sqlite3_free(v.items);
        return rc;
    }
    db->ce_count_hint = v.n;
    rc = ce_sort(db, &v, out);
    if (rc == PILOTDB_OK)
        *n = v.n;
    return rc;
}

pilotdb_rc pilotdb_ce_success_rate(pilotdb *db, const char *name, double *rate)
{
    pilotdb_ce ce;
    pilotdb_rc rc = pilotdb_ce_get(db, name, &ce);

    *rate = rc == PILOTDB_OK ? ce.success_rate : 0.0;
    return rc;
}

/* Look up a CE id by name inside the current transaction. */
static pilotdb_rc ce_id_of(pilotdb *db, const char *name, int64_t *ce_id)
{
    sqlite3_stmt *st;
    pilotdb_rc rc = PILOTDB_OK;
    int src;

    *ce_id = 0;
    rc = stmt_get(db, ST_CE_ID, &st);
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *ce_id = sqlite3_column_int64(st, 0);
    else if (src == SQLITE_DONE)
        rc = fail(db, PILOTDB_ENOTFOUND, "no CE named '%s'", name);
    else
        rc = sql_fail(db, src, "looking up a CE");
    stmt_done(st);
    return rc;
}

/* ---- pilots --------------------------------------------------------------------------- */

/*
 * Find CE name for a submission inside the current transaction: its id in
 * *ce_id, or the refusal (unknown, disabled, full).  The active count is
 * the written one plus what the handle has gathered and not yet written.
 */
static pilotdb_rc submit_check(pilotdb *db, const char *name, int64_t *ce_id,
                               struct ce_delta **slot)
{
    uint64_t hash = db->batch ? name_hash(name) : 0;
    struct ce_known *found = db->batch ? known_find(db, name, hash) : NULL;
    struct ce_known ce;
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int64_t active;
    int src;

    if (found && found->name) {
        ce = *found;
    } else {
        rc = stmt_get(db, ST_CE_SLOTS, &st);
        if (rc != PILOTDB_OK)
            return rc;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
        if (src != SQLITE_ROW) {
            rc = src == SQLITE_DONE
                     ? fail(db, PILOTDB_ENOTFOUND, "no CE named '%s'", name)
                     : sql_fail(db, src, "submitting a pilot");
            stmt_done(st);
            return rc;
        }
        ce.ce_id = sqlite3_column_int64(st, 0);
        ce.enabled = sqlite3_column_int(st, 1);
        ce.capacity = sqlite3_column_int64(st, 2);
        ce.active = sqlite3_column_int64(st, 3);
        stmt_done(st);
        if (db->batch)
            known_add(db, name, hash, &ce);
    }
    *ce_id = ce.ce_id;
    rc = delta_slot(db, ce.ce_id, slot);
    if (rc != PILOTDB_OK)
        return rc;
    active = ce.active + (*slot)->count[PILOT_SUBMITTED] +
             (*slot)->count[PILOT_RUNNING];
    if (!ce.enabled)
        return fail(db, PILOTDB_EDISABLED, "CE '%s' is disabled", name);
    if (active >= ce.capacity)
        return fail(db, PILOTDB_EFULL,
                    "CE '%s' is full (%lld of %lld slots in use)", name,
                    (long long)active, (long long)ce.capacity);
    return PILOTDB_OK;
}

pilotdb_rc pilotdb_pilot_submit(pilotdb *db, const char *ce_name,
                                int64_t *pilot_id)
{
    struct ce_delta *slot = NULL;
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int64_t ce_id = 0, now;
    int opened, src;

    db->errmsg[0] = '\0';
    if (pilot_id)
        *pilot_id = 0;
    if ((rc = check_name(db, ce_name)) != PILOTDB_OK)
        return rc;
    rc = change_enter(db, &opened);
    if (rc != PILOTDB_OK)
        return rc;
    rc = submit_check(db, ce_name, &ce_id, &slot);
    if (rc == PILOTDB_OK)
        rc = stmt_get(db, ST_PILOT_SUBMIT, &st);
    if (rc == PILOTDB_OK) {
        now = pilotdb_now(db);
        sqlite3_bind_int64(st, 1, ce_id);
        sqlite3_bind_int64(st, 2, now);
        src = sqlite3_step(st);
        if (src != SQLITE_DONE) {
            rc = sql_fail(db, src, "submitting a pilot");
        } else {
            delta_move(db, slot, -1, PILOT_SUBMITTED, now);
            if (pilot_id)
                *pilot_id = sqlite3_last_insert_rowid(db->conn);
        }
        stmt_done(st);
    }
    rc = change_leave(db, opened, rc);
    if (rc != PILOTDB_OK && pilot_id)
        *pilot_id = 0;
    return rc;
}

/* Read pilot_id's status and CE in the current transaction. */
static pilotdb_rc pilot_head(pilotdb *db, int64_t pilot_id, int *status,
                             int64_t *ce_id)
{
    sqlite3_stmt *st;
    pilotdb_rc rc = stmt_get(db, ST_PILOT_STATUS, &st);
    int src;

    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_int64(st, 1, pilot_id);
    src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        *status = sqlite3_column_int(st, 0);
        *ce_id = sqlite3_column_int64(st, 1);
    } else if (src == SQLITE_DONE) {
        rc = fail(db, PILOTDB_ENOTFOUND, "no pilot with id %lld",
                  (long long)pilot_id);
    } else {
        rc = sql_fail(db, src, "changing a pilot's status");
    }
    stmt_done(st);
    return rc;
}

/* Refuse a move the state machine does not allow. */
static pilotdb_rc check_move(pilotdb *db, int64_t pilot_id, int from, int to)
{
    if (!pilot_status_transition_ok((pilot_status)from, (pilot_status)to))
        return fail(db, PILOTDB_ETRANSITION, "pilot %lld cannot go from %s to %s",
                    (long long)pilot_id, pilot_status_name(from),
                    pilot_status_name(to));
    return PILOTDB_OK;
}

/*
 * Move pilot_id of CE ce_id from status from to to, in the current
 * transaction; *moved is 0 (and nothing is written) when the pilot is not
 * that pilot of that CE in that status.
 */
static pilotdb_rc pilot_move(pilotdb *db, int64_t pilot_id, int64_t ce_id,
                             int from, int to, int *moved)
{
    struct ce_delta *slot;
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int64_t now;
    int src;

    *moved = 0;
    if ((rc = delta_slot(db, ce_id, &slot)) != PILOTDB_OK ||
        (rc = stmt_get(db, to == PILOT_RUNNING ? ST_PILOT_START : ST_PILOT_END,
                       &st)) != PILOTDB_OK)
        return rc;
    now = pilotdb_now(db);
    sqlite3_bind_int64(st, 1, pilot_id);
    sqlite3_bind_int(st, 2, from);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, ce_id);
    if (to != PILOT_RUNNING)
        sqlite3_bind_int(st, 5, to);
    src = sqlite3_step(st);
    if (src != SQLITE_DONE) {
        rc = sql_fail(db, src, "changing a pilot's status");
    } else if (sqlite3_changes(db->conn) == 1) {
        delta_move(db, slot, from, to, now);
        *moved = 1;
    }
    stmt_done(st);
    return rc;
}

pilotdb_rc pilotdb_pilot_set_status(pilotdb *db, int64_t pilot_id,
                                    pilot_status status)
{
    pilotdb_rc rc;
    int64_t ce_id = 0;
    int opened, from = -1, moved = 0;

    db->errmsg[0] = '\0';
    if ((int)status < 0 || status >= PILOT_NSTATUS)
        return fail(db, PILOTDB_EINVAL, "status %d is not a pilot status",
                    (int)status);
    rc = change_enter(db, &opened);
    if (rc != PILOTDB_OK)
        return rc;
    rc = pilot_head(db, pilot_id, &from, &ce_id);
    if (rc == PILOTDB_OK)
        rc = check_move(db, pilot_id, from, (int)status);
    if (rc == PILOTDB_OK)
        rc = pilot_move(db, pilot_id, ce_id, from, (int)status, &moved);
    if (rc == PILOTDB_OK && !moved)
        rc = fail(db, PILOTDB_ESQL, "pilot %lld changed under the writer",
                  (long long)pilot_id);
    return change_leave(db, opened, rc);
}

pilotdb_rc pilotdb_pilot_move(pilotdb *db, int64_t pilot_id, int64_t ce_id,
                              pilot_status from, pilot_status to)
{
    pilotdb_rc rc;
    int64_t real_ce = 0;
    int opened, real = -1, moved = 0;

    db->errmsg[0] = '\0';
    if ((int)from < 0 || from >= PILOT_NSTATUS || (int)to < 0 ||
        to >= PILOT_NSTATUS)
        return fail(db, PILOTDB_EINVAL, "status %d or %d is not a pilot status",
                    (int)from, (int)to);
    rc = change_enter(db, &opened);
    if (rc != PILOTDB_OK)
        return rc;
    if (pilot_status_transition_ok(from, to))
        rc = pilot_move(db, pilot_id, ce_id, (int)from, (int)to, &moved);
    /* Nothing moved: say what the pilot really is, or why it cannot move. */
    if (rc == PILOTDB_OK && !moved &&
        (rc = pilot_head(db, pilot_id, &real, &real_ce)) == PILOTDB_OK) {
        if (real_ce != ce_id)
            rc = fail(db, PILOTDB_EINVAL, "pilot %lld is at CE id %lld, not %lld",
                      (long long)pilot_id, (long long)real_ce, (long long)ce_id);
        else if (real != (int)from)
            rc = fail(db, PILOTDB_ETRANSITION, "pilot %lld is %s, not %s",
                      (long long)pilot_id, pilot_status_name(real),
                      pilot_status_name((int)from));
        else
            rc = check_move(db, pilot_id, real, (int)to);
    }
    return change_leave(db, opened, rc);
}

/* Fill *p from a row of PILOT_SELECT; every field is written. */
static void pilot_from_row(sqlite3_stmt *st, pilotdb_pilot *p)
{
    p->id = sqlite3_column_int64(st, 0);
    p->ce_id = sqlite3_column_int64(st, 1);
    name_from_column(st, 2, p->ce_name);
    p->status = (pilot_status)sqlite3_column_int(st, 3);
    p->submitted_at = sqlite3_column_int64(st, 4);
    p->started_at = PILOTDB_NO_TIME;
    p->ended_at = PILOTDB_NO_TIME;
    p->updated_at = p->submitted_at;
    if (sqlite3_column_type(st, 5) != SQLITE_NULL)
        p->started_at = sqlite3_column_int64(st, 5);
    if (sqlite3_column_type(st, 6) != SQLITE_NULL)
        p->ended_at = sqlite3_column_int64(st, 6);
    if (p->started_at > p->updated_at)
        p->updated_at = p->started_at;
    if (p->ended_at > p->updated_at)
        p->updated_at = p->ended_at;
}

pilotdb_rc pilotdb_pilot_get(pilotdb *db, int64_t pilot_id, pilotdb_pilot *out)
{
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int opened, src;

    db->errmsg[0] = '\0';
    memset(out, 0, sizeof *out);
    rc = call_enter(db, 0, ST_PILOT_GET, &st, &opened);
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_int64(st, 1, pilot_id);
    src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        pilot_from_row(st, out);
    else if (src == SQLITE_DONE)
        rc = fail(db, PILOTDB_ENOTFOUND, "no pilot with id %lld",
                  (long long)pilot_id);
    else
        rc = sql_fail(db, src, "reading a pilot");
    stmt_done(st);
    rc = txn_leave(db, opened, rc);
    if (rc != PILOTDB_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

pilotdb_rc pilotdb_pilots_foreach(pilotdb *db, const pilotdb_pilot_filter *filter,
                                  pilotdb_pilot_cb cb, void *arg)
{
    int status = filter ? filter->status : -1;
    const char *ce_name = filter ? filter->ce_name : NULL;
    sqlite3_stmt *st = NULL;
    pilotdb_pilot pilot;
    int64_t ce_id = 0;
    enum stmt_id id;
    pilotdb_rc rc;
    int opened, src;

    db->errmsg[0] = '\0';
    if (status < -1 || status >= PILOT_NSTATUS)
        return fail(db, PILOTDB_EINVAL, "status %d is not a pilot status", status);
    if (ce_name && (rc = check_name(db, ce_name)) != PILOTDB_OK)
        return rc;
    rc = txn_enter(db, 0, &opened);
    if (rc != PILOTDB_OK)
        return rc;
    if (ce_name) {
        rc = ce_id_of(db, ce_name, &ce_id);
        if (rc != PILOTDB_OK)
            goto out;
        id = status >= 0 ? ST_PILOTS_BY_CE_STATUS : ST_PILOTS_BY_CE;
    } else {
        id = status >= 0 ? ST_PILOTS_BY_STATUS : ST_PILOTS_ALL;
    }
    rc = stmt_get(db, id, &st);
    if (rc != PILOTDB_OK)
        goto out;
    if (status >= 0)
        sqlite3_bind_int(st, 1, status);
    if (ce_name)
        sqlite3_bind_int64(st, 2, ce_id);
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        pilot_from_row(st, &pilot);
        if (cb(arg, &pilot))
            break;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        rc = sql_fail(db, src, "listing pilots");
    stmt_done(st);
out:
    return txn_leave(db, opened, rc);
}

struct pilot_collect {
    struct vec v;
    int oom;
};

static int collect_pilot(void *arg, const pilotdb_pilot *pilot)
{
    struct pilot_collect *c = arg;
    pilotdb_pilot *slot = vec_push(&c->v);

    if (!slot) {
        c->oom = 1;
        return 1;
    }
    *slot = *pilot;
    return 0;
}

pilotdb_rc pilotdb_pilots_list(pilotdb *db, const pilotdb_pilot_filter *filter,
                               pilotdb_pilot **out, size_t *n)
{
    struct pilot_collect c = {{NULL, 0, 0, sizeof(pilotdb_pilot)}, 0};
    pilotdb_rc rc;

    *out = NULL;
    *n = 0;
    rc = pilotdb_pilots_foreach(db, filter, collect_pilot, &c);
    if (rc == PILOTDB_OK && c.oom)
        rc = fail(db, PILOTDB_ENOMEM, "listing pilots: out of memory");
    if (rc != PILOTDB_OK || c.v.n == 0) {
        sqlite3_free(c.v.items);
        return rc;
    }
    *out = c.v.items;
    *n = c.v.n;
    return PILOTDB_OK;
}

pilotdb_rc pilotdb_summary_get(pilotdb *db, pilotdb_summary *out)
{
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int opened, src;

    db->errmsg[0] = '\0';
    memset(out, 0, sizeof *out);
    rc = call_enter(db, 0, ST_SUMMARY, &st, &opened);
    if (rc != PILOTDB_OK)
        return rc;
    src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        for (int s = 0; s < PILOT_NSTATUS; s++)
            out->count[s] = sqlite3_column_int64(st, s);
    } else {
        rc = sql_fail(db, src, "summarizing pilots");
    }
    stmt_done(st);
    rc = txn_leave(db, opened, rc);
    if (rc != PILOTDB_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ---- history --------------------------------------------------------------------------- */

/*
 * Visit the events of one row of ST_EVENTS_ANY_ORDER that fall in
 * [from, to); non-zero if cb asked to stop.
 */
static int row_events(sqlite3_stmt *st, int64_t from, int64_t to,
                      pilotdb_event_cb cb, void *arg)
{
    pilotdb_event ev;
    int started = sqlite3_column_type(st, 4) != SQLITE_NULL;

    ev.pilot_id = sqlite3_column_int64(st, 0);
    ev.ce_id = sqlite3_column_int64(st, 1);
    ev.at = sqlite3_column_int64(st, 3);
    ev.from_status = -1;
    ev.to_status = PILOT_SUBMITTED;
    if (ev.at >= from && ev.at < to && cb(arg, &ev))
        return 1;
    if (started) {
        ev.at = sqlite3_column_int64(st, 4);
        ev.from_status = PILOT_SUBMITTED;
        ev.to_status = PILOT_RUNNING;
        if (ev.at >= from && ev.at < to && cb(arg, &ev))
            return 1;
    }
    if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
        ev.at = sqlite3_column_int64(st, 5);
        ev.from_status = started ? PILOT_RUNNING : PILOT_SUBMITTED;
        ev.to_status = sqlite3_column_int(st, 2);
        if (ev.at >= from && ev.at < to && cb(arg, &ev))
            return 1;
    }
    return 0;
}

pilotdb_rc pilotdb_events_foreach(pilotdb *db, const pilotdb_event_filter *filter,
                                  pilotdb_event_cb cb, void *arg)
{
    int64_t from = filter ? filter->from : INT64_MIN;
    int64_t to = filter ? filter->to : INT64_MAX;
    int any_order = filter && filter->any_order;
    sqlite3_stmt *st;
    pilotdb_event ev;
    pilotdb_rc rc;
    int opened, src;

    db->errmsg[0] = '\0';
    rc = call_enter(db, 0, any_order ? ST_EVENTS_ANY_ORDER : ST_EVENTS, &st,
                    &opened);
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (any_order) {
            if (row_events(st, from, to, cb, arg))
                break;
            continue;
        }
        ev.pilot_id = sqlite3_column_int64(st, 0);
        ev.ce_id = sqlite3_column_int64(st, 1);
        ev.from_status = sqlite3_column_int(st, 2);
        ev.to_status = sqlite3_column_int(st, 3);
        ev.at = sqlite3_column_int64(st, 4);
        if (cb(arg, &ev))
            break;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        rc = sql_fail(db, src, "reading the event history");
    stmt_done(st);
    return txn_leave(db, opened, rc);
}

/* ---- consistency check ------------------------------------------------------------------- */

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
        return sql_fail(db, src, "checking the database");
    }
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (*problems == 0)
            describe(db, st);
        ++*problems;
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? PILOTDB_OK
                              : sql_fail(db, src, "checking the database");
}

static void describe_integrity(pilotdb *db, sqlite3_stmt *st)
{
    fail(db, PILOTDB_EINCONSISTENT, "integrity check: %s",
         (const char *)sqlite3_column_text(st, 0));
}

static void describe_foreign_key(pilotdb *db, sqlite3_stmt *st)
{
    fail(db, PILOTDB_EINCONSISTENT, "%s row %lld refers to a missing %s",
         (const char *)sqlite3_column_text(st, 0),
         (long long)sqlite3_column_int64(st, 1),
         (const char *)sqlite3_column_text(st, 2));
}

static void describe_count(pilotdb *db, sqlite3_stmt *st)
{
    int s = sqlite3_column_int(st, 1);

    fail(db, PILOTDB_EINCONSISTENT,
         "CE '%s' counts %lld %s pilots but has %lld",
         (const char *)sqlite3_column_text(st, 0),
         (long long)sqlite3_column_int64(st, 2), pilot_status_name(s),
         (long long)sqlite3_column_int64(st, 3));
}

static void describe_last_change(pilotdb *db, sqlite3_stmt *st)
{
    fail(db, PILOTDB_EINCONSISTENT,
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
    " LEFT JOIN (" PILOTDB_LAST_CHANGES_SQL ") l ON l.ce_id = c.ce_id"         \
    " WHERE c.last_change_at IS NOT l.at ORDER BY c.name"

pilotdb_rc pilotdb_check(pilotdb *db, int64_t *problems)
{
    int64_t found = 0;
    pilotdb_rc rc;
    int opened;

    db->errmsg[0] = '\0';
    if (problems)
        *problems = 0;
    rc = txn_enter(db, 0, &opened);
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
    rc = txn_leave(db, opened, rc);
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
