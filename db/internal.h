/*
 * internal.h - what the files of libpilotdb share and nothing else sees:
 * the handle, the statement table's ids, the CE count tables, and the
 * pilotdb__ functions of each subsystem.  Never installed, never included
 * outside db/.
 */
#ifndef PILOTDB_INTERNAL_H
#define PILOTDB_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "pilotdb.h"

/* Prepared statements (stmt.c), made on first use and kept until close. */
enum pilotdb__stmt {
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
    ST_TRANSITIONS,
    ST_META_GET,
    ST_META_SET,
    ST_META_PUT,
    ST_CE_LOG_AMEND,
    ST_CE_PEAK,
    ST_TIME_KINDS,
    ST_CE_LOG,
    ST_CE_HISTORY,
    ST_CE_HISTORY_CE,
    ST_PILOT_BY_REF,
    ST_PILOT_GET_REF,
    ST_PILOT_REASON,
    ST_OBS_INSERT,
    ST_OBS_UNINSERT,
    ST_OBS_UPDATE,
    ST_OBS_SOURCE_INSERT,
    ST_OBS_SOURCE_UPDATE,
    ST_CE_PILOT_COUNTS,
    ST_CE_PILOTS_ACTIVE,
    ST_CE_PILOTS_ENDED,
    ST_CE_PILOTS_ENDED_EARLY,
    ST_CE_PILOTS_ALL,
    ST_COUNT,
    ST_NONE = ST_COUNT /* pilotdb__enter(): the call gets its statements itself */
};

/* The changes to one CE's counts not yet written (counts.c). */
struct pilotdb__ce_delta {
    int64_t ce_id;
    int64_t count[PILOT_NSTATUS];
    int64_t last_at;     /* latest change time */
    int used;
    int dirty;           /* holds a change not yet written */
};

/* A CE as a submission or an observation inside a pilotdb_begin()
 * transaction read it: no other writer can change it before the commit
 * (pilot.c). */
struct pilotdb__ce_known {
    char *name;          /* NULL: empty slot */
    uint64_t hash;
    int64_t ce_id;
    int64_t capacity;
    int64_t active;      /* n_submitted + n_running as read */
    int enabled;
    int site;            /* it has a site: 1, none: 0, not read: -1 */
};

struct pilotdb {
    sqlite3 *conn;
    sqlite3_stmt *stmt[ST_COUNT];
    pilotdb_clock_fn clock;
    void *clock_arg;
    unsigned flags;
    size_t ce_count_hint; /* CEs found by the last pilotdb_ce_list() */
    size_t *ce_order;     /* per row of the last full listing, in table
                             order: its place in name order */
    size_t ce_order_n;    /* rows it holds (0: none) */
    size_t ce_order_cap;
    uint64_t serial;      /* unique in the process (0: not given yet) */
    int64_t busy_since;   /* when the current wait for a lock began (ms) */
    int busy_limit_ms;    /* how long a wait may last */
    int batch;            /* in a transaction opened by pilotdb_begin() */
    int foreign_keys_off; /* a migration could not turn them back on */
    struct pilotdb__ce_delta *delta; /* open addressing by CE id, delta_cap slots */
    size_t delta_cap, delta_used;
    int delta_pending;    /* some slot holds a change not yet written */
    struct pilotdb__ce_known *known; /* open addressing by name, known_cap slots */
    size_t known_cap, known_used;
    int clock_wall;       /* the database's clock is known to be the wall's */
    int doomed;           /* a call could not undo its writes nor roll the
                             caller's transaction back: commit refuses it */
    int64_t *created;     /* CEs created in the open transaction (change log) */
    size_t created_n, created_cap;
    char actor[PILOTDB_WORD_MAX + 1]; /* who writes (pilotdb_set_actor()) */
    char user[PILOTDB_USER_MAX + 1];  /* "" when none */
    char errmsg[512];
};

/* ---- the state machine (status.c) --------------------------------------- */

/* Bit 4 * to + from is set when a pilot may go from status from to to. */
#define PILOTDB__TRANSITIONS                                                   \
    ((1u << (4 * PILOT_RUNNING + PILOT_SUBMITTED)) |                           \
     (1u << (4 * PILOT_DONE + PILOT_RUNNING)) |                                \
     (1u << (4 * PILOT_FAILED + PILOT_SUBMITTED)) |                            \
     (1u << (4 * PILOT_FAILED + PILOT_RUNNING)))

/* pilot_status_transition_ok() for statuses known to be in range. */
static inline int pilotdb__transition_ok(int from, int to)
{
    return (PILOTDB__TRANSITIONS >> (4 * to + from)) & 1u;
}

/* ---- errors (error.c) ---------------------------------------------------- */

/* Set the handle's message from fmt and return rc. */
pilotdb_rc pilotdb__fail(pilotdb *db, pilotdb_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
pilotdb_rc pilotdb__vfail(pilotdb *db, pilotdb_rc rc, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* The pilotdb_rc of a SQLite result code (PILOTDB_OK for ROW and DONE). */
pilotdb_rc pilotdb__rc_from_sqlite(int src);

/* Record a SQLite failure src during what (a full database says which). */
pilotdb_rc pilotdb__sql_fail(pilotdb *db, int src, const char *what);

/* ---- clock (clock.c) ----------------------------------------------------- */

/* Milliseconds since the Unix epoch; arg is unused. */
int64_t pilotdb__wall_clock(void *arg);

/* pilotdb_now() for the layer's own calls, inlined on the hot path. */
static inline int64_t pilotdb__now(pilotdb *db)
{
    return db->clock(db->clock_arg);
}

/* ---- statements and rows (stmt.c) ---------------------------------------- */

/* Prepare statement id into db->stmt[id] and *st (NULL on error). */
pilotdb_rc pilotdb__stmt_prepare(pilotdb *db, enum pilotdb__stmt id,
                                 sqlite3_stmt **st);

/* The prepared statement id in *st, made on first use. */
static inline pilotdb_rc pilotdb__stmt_get(pilotdb *db, enum pilotdb__stmt id,
                                           sqlite3_stmt **st)
{
    *st = db->stmt[id];
    if (*st)
        return PILOTDB_OK;
    return pilotdb__stmt_prepare(db, id, st);
}

/* Reset st for its next use; bindings are cleared so no stale value leaks.
 * NULL is a no-op. */
static inline void pilotdb__stmt_done(sqlite3_stmt *st)
{
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

/* Run statement id, which returns no rows (or one to ignore). */
pilotdb_rc pilotdb__stmt_run(pilotdb *db, enum pilotdb__stmt id, const char *what);

/* Run statement id (a rollback) after a failure, keeping the message of
 * the failure. */
void pilotdb__stmt_run_keeping_error(pilotdb *db, enum pilotdb__stmt id,
                                     const char *what);

/* Step st, a query for one row: PILOTDB_OK on a row, PILOTDB_ENOTFOUND
 * with the message from none_fmt when there is none, else the SQLite
 * failure during what. */
pilotdb_rc pilotdb__step_row(pilotdb *db, sqlite3_stmt *st, const char *what,
                             const char *none_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Run SQL text that returns no rows (schema changes, pragmas). */
pilotdb_rc pilotdb__exec_sql(pilotdb *db, const char *sql, const char *what);

/* Copy a text column into a PILOTDB_NAME_MAX buffer (names are checked on
 * the way in; a longer one written behind the layer's back is cut).
 * Inline: a CE listing copies one per row. */
static inline void pilotdb__name_from_column(sqlite3_stmt *st, int col, char *out)
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

/* A growable array of fixed-size records, allocated with sqlite3_malloc. */
struct pilotdb__vec {
    void *items;
    size_t n, cap, size;
};

/* A pointer to a new slot at the end, or NULL when out of memory. */
void *pilotdb__vec_push(struct pilotdb__vec *v);

/* ---- CE counts (counts.c) ------------------------------------------------ */

/* Forget every change not yet written. */
void pilotdb__delta_clear(pilotdb *db);

/* The slot of CE ce_id in *slot, made if missing (PILOTDB_ENOMEM). */
pilotdb_rc pilotdb__delta_slot(pilotdb *db, int64_t ce_id,
                               struct pilotdb__ce_delta **slot);

/* Record in slot a pilot moving from status from (-1: new) to to at time at. */
static inline void pilotdb__delta_move(pilotdb *db, struct pilotdb__ce_delta *slot,
                                       int from, int to, int64_t at)
{
    if (from >= 0)
        slot->count[from]--;
    slot->count[to]++;
    if (!slot->dirty || at > slot->last_at)
        slot->last_at = at;
    slot->dirty = 1;
    db->delta_pending = 1;
}

/* Write the gathered changes, one UPDATE per CE. */
pilotdb_rc pilotdb__delta_flush(pilotdb *db);

/* Forget the CEs submissions read in this transaction (pilot.c). */
void pilotdb__known_clear(pilotdb *db);

/* The remembered CEs (pilot.c): the hash of a name, the slot of name
 * (found: name set; or empty; NULL when none is remembered), and
 * remembering one (out of memory only means not remembering it). */
uint64_t pilotdb__name_hash(const char *name);
struct pilotdb__ce_known *pilotdb__known_find(pilotdb *db, const char *name,
                                              uint64_t hash);
void pilotdb__known_add(pilotdb *db, const char *name, uint64_t hash,
                        const struct pilotdb__ce_known *ce);

/* ---- pilots (pilot.c) ------------------------------------------------------ */

/* The id of CE name in *ce_id, inside the current transaction
 * (PILOTDB_ENOTFOUND naming it when there is none). */
pilotdb_rc pilotdb__ce_id(pilotdb *db, const char *name, int64_t *ce_id);

/* Fill *p from a row whose first columns are PILOT_COLUMNS (stmt.c). */
void pilotdb__pilot_from_row(sqlite3_stmt *st, pilotdb_pilot *p);

/* ---- transactions (txn.c) ------------------------------------------------ */

/* Run the BEGIN statement id, with nothing left open on failure. */
pilotdb_rc pilotdb__txn_begin(pilotdb *db, enum pilotdb__stmt id, const char *what);

/* End a transaction the layer opened (opened non-zero): commit after
 * success, roll back after rc.  Returns the call's result. */
pilotdb_rc pilotdb__txn_leave(pilotdb *db, int opened, pilotdb_rc rc);

/* Leave pilotdb_begin()'s mode, dropping what it gathered. */
void pilotdb__batch_end(pilotdb *db);

/* What a public call does, for pilotdb__enter(). */
enum pilotdb__access {
    PILOTDB__READ,   /* reads; inside pilotdb_begin() writes the counts first */
    PILOTDB__WRITE,  /* changes CEs, never pilots */
    PILOTDB__CHANGE  /* changes pilots, hence the CE counts */
};

/* One public call between pilotdb__enter() and pilotdb__leave(). */
struct pilotdb__call {
    sqlite3_stmt *st;             /* its statement, reset by pilotdb__leave() */
    enum pilotdb__access access;
    int opened;                   /* 0: the caller's transaction, 1: its own,
                                     2: its savepoint inside raw SQL's */
};

/* The halves of pilotdb__enter() and pilotdb__leave() (txn.c), setting and
 * reading *opened as struct pilotdb__call says. */
pilotdb_rc pilotdb__txn_enter(pilotdb *db, int write, int *opened);
pilotdb_rc pilotdb__change_enter(pilotdb *db, int *opened);
pilotdb_rc pilotdb__change_leave(pilotdb *db, int opened, pilotdb_rc rc);

/* The end of a call begun with pilotdb__enter(): reset call->st, write the
 * counts of a PILOTDB__CHANGE call unless pilotdb_begin() gathers them,
 * then commit, or roll back after rc.  Returns the call's result. */
static inline pilotdb_rc pilotdb__leave(pilotdb *db, struct pilotdb__call *call,
                                        pilotdb_rc rc)
{
    pilotdb__stmt_done(call->st);
    call->st = NULL;
    if (call->access == PILOTDB__CHANGE)
        return pilotdb__change_leave(db, call->opened, rc);
    return pilotdb__txn_leave(db, call->opened, rc);
}

/*
 * The start of every public call that touches the database: clear the
 * handle's message, open the call's transaction unless the caller has one
 * (a PILOTDB__CHANGE call inside raw SQL's transaction opens a savepoint),
 * and get statement id (ST_NONE: none) into call->st.  On failure nothing
 * is left open and pilotdb__leave() must not be called.  Inline: the
 * simulator makes a call per pilot change, and its access is a constant.
 */
static inline pilotdb_rc pilotdb__enter(pilotdb *db, enum pilotdb__access access,
                                        enum pilotdb__stmt id,
                                        struct pilotdb__call *call)
{
    pilotdb_rc rc;

    db->errmsg[0] = '\0';
    call->st = NULL;
    call->access = access;
    if (access == PILOTDB__CHANGE)
        rc = pilotdb__change_enter(db, &call->opened);
    else
        rc = pilotdb__txn_enter(db, access == PILOTDB__WRITE, &call->opened);
    if (rc != PILOTDB_OK)
        return rc;
    /* A write here changes CEs (pilots are PILOTDB__CHANGE calls): what
     * submissions remembered of them is stale. */
    if (access == PILOTDB__WRITE)
        pilotdb__known_clear(db);
    if (id != ST_NONE && (rc = pilotdb__stmt_get(db, id, &call->st)) != PILOTDB_OK)
        pilotdb__leave(db, call, rc);
    return rc;
}

/*
 * For a call of several writes inside a caller's transaction (opened 0):
 * a savepoint, so that a failure takes all of them back; *opened becomes
 * 2, which pilotdb__leave() ends.  Nothing is left open on failure.
 */
pilotdb_rc pilotdb__savepoint_begin(pilotdb *db, int *opened);

/* ---- clock kind (clock.c) ------------------------------------------------- */

/* Claim the database's clock for kind in the current write transaction. */
pilotdb_rc pilotdb__clock_claim(pilotdb *db, pilotdb_clock_type kind);

/* ---- CE change log (changelog.c) ------------------------------------------ */

/* Log field of CE ce_id going from old (NULL: none) to new in the current
 * transaction, at the clock's time, by the handle's actor. */
pilotdb_rc pilotdb__ce_log(pilotdb *db, int64_t ce_id, pilotdb_ce_field field,
                           const pilotdb_ce_value *old_value,
                           const pilotdb_ce_value *new_value);

/* ---- schema (schema.c) --------------------------------------------------- */

/* Check what a freshly opened file is and bring it to the current schema;
 * a file that is not ours is left exactly as it was. */
pilotdb_rc pilotdb__schema_prepare(pilotdb *db, int may_create, int is_file);

/* ---- argument checks (args.c) -------------------------------------------- */

/* A CE name is 1..PILOTDB_NAME_MAX bytes of UTF-8 with no control characters. */
pilotdb_rc pilotdb__check_name(pilotdb *db, const char *name);
pilotdb_rc pilotdb__check_capacity(pilotdb *db, int64_t capacity);
pilotdb_rc pilotdb__check_success_rate(pilotdb *db, double rate);

/* Text of what (for the message) up to max bytes, NULL allowed when
 * may_be_null: valid UTF-8, no control characters. */
pilotdb_rc pilotdb__check_text(pilotdb *db, const char *what, const char *text,
                               size_t max, int may_be_null);

#endif /* PILOTDB_INTERNAL_H */
