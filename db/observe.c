/*
 * observe.c - pilots from outside sources: one observation of a pilot
 * (its ref, CE, status and what the record knows of its times) creates the
 * pilot or moves it forward, is recognised as stale or as known already, or
 * is refused as a bad record.  Ingest records facts: no capacity check.
 */
#include <string.h>

#include "internal.h"
#include "schema.h"

/* A pilot's times as the observation or the row knows them: submitted,
 * started, ended. */
struct times {
    pilotdb_time_kind kind[3];
    int64_t at[3]; /* for EXACT and OBSERVED */
};

/* What the row of a known ref holds. */
struct row {
    int64_t id, ce_id, kind_bits;
    int status;
    struct times t;
    const char *reason, *source_status; /* valid until the statement resets */
};

static const char *const time_names[3] = {"submission", "start", "end"};

static int known(pilotdb_time_kind kind)
{
    return kind == PILOTDB_TIME_EXACT || kind == PILOTDB_TIME_OBSERVED;
}

/* Terminal statuses share a rank: the state machine has no move between. */
static int rank(int status)
{
    return status < PILOT_DONE ? status : PILOT_DONE;
}

/* The latest known time (times are in order, so the last known one). */
static int64_t latest(const struct times *t)
{
    for (int i = 2; i >= 0; i--)
        if (known(t->kind[i]))
            return t->at[i];
    return PILOTDB_NO_TIME;
}

/* Known times never go back; *bad names the first that does. */
static int in_order(const struct times *t, int *bad)
{
    int64_t last = PILOTDB_NO_TIME;

    for (int i = 0; i < 3; i++) {
        if (!known(t->kind[i]))
            continue;
        if (t->at[i] < last) {
            *bad = i;
            return 0;
        }
        last = t->at[i];
    }
    return 1;
}

/* Which kinds of time i a pilot in status may have: a bit per kind. */
static unsigned kinds_allowed(int status, int i)
{
    const unsigned none = 1u << PILOTDB_TIME_NONE, unknown = 1u << PILOTDB_TIME_UNKNOWN,
                   has = 1u << PILOTDB_TIME_EXACT | 1u << PILOTDB_TIME_OBSERVED;

    if (i == 0)
        return status == PILOT_SUBMITTED ? has : has | unknown;
    if (i == 1)
        return status == PILOT_SUBMITTED ? none
               : status == PILOT_RUNNING ? has
               : status == PILOT_DONE    ? has | unknown
                                         : has | unknown | none;
    return status >= PILOT_DONE ? has : none;
}

/* Check obs and copy its times into *t (a KEEP_STATE one as submitted). */
static pilotdb_rc check_obs(pilotdb *db, const pilotdb_observation *obs,
                            int *status, struct times *t)
{
    const pilotdb_obs_time *in[3] = {&obs->submitted, &obs->started, &obs->ended};
    pilotdb_rc rc;
    int bad;

    if ((rc = pilotdb__check_text(db, "pilot ref", obs->ref, PILOTDB_NAME_MAX, 0)) ||
        (rc = pilotdb__check_name(db, obs->ce_name)) ||
        (rc = pilotdb__check_text(db, "site", obs->site && *obs->site ? obs->site : NULL,
                                  PILOTDB_NAME_MAX, 1)) ||
        (rc = pilotdb__check_text(db, "reason", obs->reason, PILOTDB_REASON_MAX, 1)) ||
        (rc = pilotdb__check_text(db, "source status", obs->source_status,
                                  PILOTDB_WORD_MAX, 1)))
        return rc;
    if ((int)obs->status < 0 || obs->status >= PILOT_NSTATUS)
        return pilotdb__fail(db, PILOTDB_EINVAL, "status %d is not a pilot status",
                             (int)obs->status);
    if (obs->flags & ~PILOTDB_OBSERVE_KEEP_STATE)
        return pilotdb__fail(db, PILOTDB_EINVAL, "unknown observation flags 0x%x",
                             obs->flags);
    *status = (int)obs->status;
    for (int i = 0; i < 3; i++) {
        if ((unsigned)in[i]->kind > PILOTDB_TIME_OBSERVED)
            return pilotdb__fail(db, PILOTDB_EINVAL, "pilot '%s': bad %s time kind %d",
                                 obs->ref, time_names[i], (int)in[i]->kind);
        t->kind[i] = in[i]->kind;
        t->at[i] = known(t->kind[i]) ? in[i]->at : PILOTDB_NO_TIME;
    }
    /* The source lost track: only the submission is a fact. */
    if (obs->flags & PILOTDB_OBSERVE_KEEP_STATE) {
        *status = PILOT_SUBMITTED;
        t->kind[1] = t->kind[2] = PILOTDB_TIME_NONE;
        t->at[1] = t->at[2] = PILOTDB_NO_TIME;
    }
    for (int i = 0; i < 3; i++)
        if (!(kinds_allowed(*status, i) & (1u << t->kind[i])))
            return pilotdb__fail(db, PILOTDB_EINVAL,
                                 "pilot '%s': a %s pilot cannot have its %s %s",
                                 obs->ref, pilot_status_name(*status), time_names[i],
                                 t->kind[i] == PILOTDB_TIME_NONE
                                     ? "not happened"
                                     : pilotdb_time_kind_name(t->kind[i]));
    if (!in_order(t, &bad))
        return pilotdb__fail(db, PILOTDB_EINVAL, "pilot '%s': its %s is before an"
                             " earlier time", obs->ref, time_names[bad]);
    return PILOTDB_OK;
}

/* The time_kinds bits of t (schema.h). */
static int64_t kind_bits(const struct times *t)
{
    return (t->kind[0] == PILOTDB_TIME_OBSERVED ? PILOTDB_KIND_SUBMITTED_OBSERVED : 0) |
           (t->kind[1] == PILOTDB_TIME_OBSERVED ? PILOTDB_KIND_STARTED_OBSERVED : 0) |
           (t->kind[2] == PILOTDB_TIME_OBSERVED ? PILOTDB_KIND_ENDED_OBSERVED : 0) |
           (t->kind[0] == PILOTDB_TIME_UNKNOWN ? PILOTDB_KIND_SUBMITTED_UNKNOWN : 0) |
           (t->kind[1] == PILOTDB_TIME_UNKNOWN ? PILOTDB_KIND_STARTED_UNKNOWN : 0);
}

/* Times from columns col.. of st and the bits in column bits_col. */
static void times_from_row(sqlite3_stmt *st, int col, int bits_col, struct times *t)
{
    static const int64_t observed[3] = {PILOTDB_KIND_SUBMITTED_OBSERVED,
                                        PILOTDB_KIND_STARTED_OBSERVED,
                                        PILOTDB_KIND_ENDED_OBSERVED};
    static const int64_t unknown[3] = {PILOTDB_KIND_SUBMITTED_UNKNOWN,
                                       PILOTDB_KIND_STARTED_UNKNOWN, 0};
    int64_t bits = sqlite3_column_int64(st, bits_col);

    for (int i = 0; i < 3; i++) {
        if (sqlite3_column_type(st, col + i) == SQLITE_NULL) {
            t->kind[i] = bits & unknown[i] ? PILOTDB_TIME_UNKNOWN : PILOTDB_TIME_NONE;
            t->at[i] = PILOTDB_NO_TIME;
        } else {
            t->kind[i] = bits & observed[i] ? PILOTDB_TIME_OBSERVED : PILOTDB_TIME_EXACT;
            t->at[i] = sqlite3_column_int64(st, col + i);
        }
    }
}

/* Run st, a write made with stmt_get(), and reset it. */
static pilotdb_rc run_write(pilotdb *db, sqlite3_stmt *st)
{
    int src = sqlite3_step(st);

    pilotdb__stmt_done(st);
    return src == SQLITE_DONE ? PILOTDB_OK
                              : pilotdb__sql_fail(db, src, "recording a pilot");
}

/* Append text to the handle's message. */
static void errmsg_append(pilotdb *db, const char *text)
{
    size_t n = strnlen(db->errmsg, sizeof db->errmsg - 1);

    snprintf(db->errmsg + n, sizeof db->errmsg - n, "%s", text);
}

/* A new pilot whose pilot_source row failed (rc), written without a
 * savepoint inside a caller's transaction: its pilot row taken back, so
 * that the call leaves nothing.  When SQLite rolled the transaction back
 * itself (an I/O error, an interrupt), or the row cannot be taken back,
 * the caller's whole transaction is gone (the message says so): rolled
 * back here if SQLite did not, or, if even that fails, doomed, so that
 * pilotdb_commit() refuses it.  rc, and the first write's message, either
 * way. */
static pilotdb_rc take_back(pilotdb *db, int64_t id, pilotdb_rc rc)
{
    char saved[sizeof db->errmsg];
    sqlite3_stmt *st;
    int src;

    memcpy(saved, db->errmsg, sizeof saved);
    if (pilotdb_in_transaction(db) &&
        pilotdb__stmt_get(db, ST_OBS_UNINSERT, &st) == PILOTDB_OK) {
        sqlite3_bind_int64(st, 1, id);
        src = sqlite3_step(st);
        pilotdb__stmt_done(st);
        if (src == SQLITE_DONE && sqlite3_changes(db->conn) == 1) {
            memcpy(db->errmsg, saved, sizeof saved);
            return rc;
        }
    }
    pilotdb__batch_end(db);
    if (pilotdb_in_transaction(db) &&
        pilotdb__stmt_run(db, ST_ROLLBACK, "rolling back") != PILOTDB_OK &&
        pilotdb_in_transaction(db)) {
        db->doomed = 1;
        memcpy(db->errmsg, saved, sizeof saved);
        errmsg_append(db, "; the transaction could not be rolled back: roll it back");
        return rc;
    }
    memcpy(db->errmsg, saved, sizeof saved);
    errmsg_append(db, "; the transaction was rolled back");
    return rc;
}

/* Write the pilot (*id, or a new one of CE ce_id when !found: its id in
 * *id) and what its source said (ref for a new one), unless source_same
 * says a known pilot's source row holds it already (most moves change the
 * times alone).  undo: a new pilot's two rows written with no savepoint
 * around them, the first taken back by hand if the second fails
 * (take_back()): a savepoint journals every page the call touches, which
 * was a fifth of an ingest's time.  The strings stay valid until the
 * write is done: bound as they are, with no copy to fail. */
static pilotdb_rc write_pilot(pilotdb *db, int found, int64_t *id, int64_t ce_id,
                              int status, const struct times *t, const char *ref,
                              const char *reason, const char *source_status,
                              int source_same, int undo)
{
    sqlite3_stmt *st;
    pilotdb_rc rc;

    /* The second write's statement, and what taking back needs, are made
     * before the first write. */
    if (undo && ((rc = pilotdb__stmt_get(db, ST_OBS_SOURCE_INSERT, &st)) != PILOTDB_OK ||
                 (rc = pilotdb__stmt_get(db, ST_OBS_UNINSERT, &st)) != PILOTDB_OK ||
                 (rc = pilotdb__stmt_get(db, ST_ROLLBACK, &st)) != PILOTDB_OK))
        return rc;
    if ((rc = pilotdb__stmt_get(db, found ? ST_OBS_UPDATE : ST_OBS_INSERT, &st)))
        return rc;
    sqlite3_bind_int64(st, 1, found ? *id : ce_id);
    sqlite3_bind_int(st, 2, status);
    for (int i = 0; i < 3; i++)
        if (known(t->kind[i]))
            sqlite3_bind_int64(st, 3 + i, t->at[i]);
    if ((rc = run_write(db, st)) != PILOTDB_OK)
        return rc;
    if (!found)
        *id = sqlite3_last_insert_rowid(db->conn);
    else if (source_same)
        return PILOTDB_OK;
    if ((rc = pilotdb__stmt_get(db, found ? ST_OBS_SOURCE_UPDATE : ST_OBS_SOURCE_INSERT,
                                &st)))
        return rc;
    sqlite3_bind_int64(st, 1, *id);
    sqlite3_bind_int64(st, 2, kind_bits(t));
    if (reason)
        sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    if (source_status)
        sqlite3_bind_text(st, 4, source_status, -1, SQLITE_STATIC);
    if (!found)
        sqlite3_bind_text(st, 5, ref, -1, SQLITE_STATIC);
    rc = run_write(db, st);
    return rc != PILOTDB_OK && undo ? take_back(db, *id, rc) : rc;
}

/* What the row knows, filled in and bettered by what obs knows: a time the
 * row lacks, or an exact one for an observed one. */
static void merge(const struct times *row, const struct times *obs, struct times *out)
{
    *out = *row;
    for (int i = 0; i < 3; i++) {
        if (known(obs->kind[i]) &&
            (!known(row->kind[i]) || (row->kind[i] == PILOTDB_TIME_OBSERVED &&
                                      obs->kind[i] == PILOTDB_TIME_EXACT))) {
            out->kind[i] = obs->kind[i];
            out->at[i] = obs->at[i];
        } else if (obs->kind[i] == PILOTDB_TIME_UNKNOWN && !known(row->kind[i])) {
            out->kind[i] = PILOTDB_TIME_UNKNOWN;
        }
    }
}

static int same_times(const struct times *a, const struct times *b)
{
    for (int i = 0; i < 3; i++)
        if (a->kind[i] != b->kind[i] || (known(a->kind[i]) && a->at[i] != b->at[i]))
            return 0;
    return 1;
}

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Give a CE with no site the observation's (logged like any CE change). */
static pilotdb_rc ce_site(pilotdb *db, int64_t ce_id, const char *site)
{
    pilotdb_ce_value was, is;
    sqlite3_stmt *st;
    pilotdb_rc rc = pilotdb__stmt_get(db, ST_CE_UPDATE, &st);
    int src;

    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_int64(st, 1, ce_id);
    sqlite3_bind_int(st, 5, 1);
    sqlite3_bind_text(st, 6, site, -1, SQLITE_STATIC);
    src = sqlite3_step(st);
    pilotdb__stmt_done(st);
    if (src != SQLITE_DONE)
        return pilotdb__sql_fail(db, src, "setting a CE's site");
    memset(&was, 0, sizeof was);
    memset(&is, 0, sizeof is);
    was.null = 1;
    memcpy(is.text, site, strlen(site) + 1);
    return pilotdb__ce_log(db, ce_id, PILOTDB_FIELD_SITE, &was, &is);
}

/* Find CE name: its id, and whether it lacks a site; inside a
 * pilotdb_begin() transaction remembered as submissions remember CEs (an
 * ingest names the same few CEs over and over). */
static pilotdb_rc find_ce(pilotdb *db, const char *name, int64_t *ce_id, int *no_site)
{
    uint64_t hash = db->batch ? pilotdb__name_hash(name) : 0;
    struct pilotdb__ce_known *known = db->batch ? pilotdb__known_find(db, name, hash) : NULL;
    sqlite3_stmt *st;
    pilotdb_rc rc;

    if (known && known->name && known->site >= 0) {
        *ce_id = known->ce_id;
        *no_site = !known->site;
        return PILOTDB_OK;
    }
    if ((rc = pilotdb__stmt_get(db, ST_CE_GET, &st)) != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = pilotdb__step_row(db, st, "recording a pilot",
                           "no CE named '%s' (ingest adds no CE by itself)", name);
    if (rc == PILOTDB_OK) {
        *ce_id = sqlite3_column_int64(st, 0);
        *no_site = sqlite3_column_type(st, 10) == SQLITE_NULL;
        if (known && known->name) {
            known->site = !*no_site; /* a submission's, without the site */
        } else if (db->batch) {
            struct pilotdb__ce_known ce = {NULL, 0, *ce_id, sqlite3_column_int64(st, 2),
                                           sqlite3_column_int64(st, 5) +
                                               sqlite3_column_int64(st, 6),
                                           sqlite3_column_int(st, 4), !*no_site};
            pilotdb__known_add(db, name, hash, &ce);
        }
    }
    pilotdb__stmt_done(st);
    return rc;
}

/*
 * Decide what obs (status, times t) does to the known pilot *r: *result,
 * and in *m the merged times when it changes it.  Refuses a move back.
 */
static pilotdb_rc decide(pilotdb *db, const pilotdb_observation *obs, int status,
                         const struct times *t, const struct row *r, struct times *m,
                         pilotdb_observe_result *result)
{
    int bad;

    if ((obs->flags & PILOTDB_OBSERVE_KEEP_STATE) || latest(t) < latest(&r->t)) {
        *result = (obs->flags & PILOTDB_OBSERVE_KEEP_STATE) ? PILOTDB_OBSERVE_UNCHANGED
                                                            : PILOTDB_OBSERVE_STALE;
        return PILOTDB_OK;
    }
    if (status != r->status && rank(status) <= rank(r->status))
        return pilotdb__fail(db, PILOTDB_ETRANSITION,
                             "pilot '%s' cannot go back from %s to %s", obs->ref,
                             pilot_status_name(r->status), pilot_status_name(status));
    merge(&r->t, t, m);
    if (!in_order(m, &bad))
        return pilotdb__fail(db, PILOTDB_ETRANSITION,
                             "pilot '%s': the record's times disagree with the"
                             " database's (its %s would go back)", obs->ref,
                             time_names[bad]);
    *result = PILOTDB_OBSERVE_UNCHANGED;
    if (status != r->status || !same_times(m, &r->t) ||
        (obs->reason && !same_text(obs->reason, r->reason)) ||
        (obs->source_status && !same_text(obs->source_status, r->source_status)))
        *result = PILOTDB_OBSERVE_CHANGED;
    return PILOTDB_OK;
}

/* Inside a caller's transaction (*opened 0), a savepoint before a call's
 * second write, so that a failure takes the first back: a single write
 * is atomic by itself, and every refusal comes before the first write. */
static pilotdb_rc before_writes(pilotdb *db, int writes, int *opened)
{
    return writes > 1 && !*opened ? pilotdb__savepoint_begin(db, opened) : PILOTDB_OK;
}

/* Apply obs in the call's transaction (see pilotdb_pilot_observe()),
 * *opened as struct pilotdb__call's. */
static pilotdb_rc observe(pilotdb *db, const pilotdb_observation *obs, int status,
                          const struct times *t, pilotdb_observe_result *result,
                          int64_t *pilot_id, int *opened)
{
    struct pilotdb__ce_delta *slot;
    struct times m;
    struct row r;
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int64_t ce_id = 0;
    int no_site = 0, src, found, site_writes;

    /* The clock's claim writes when the database has no clock yet. */
    if ((!db->clock_wall && (rc = before_writes(db, 2, opened)) != PILOTDB_OK) ||
        (rc = pilotdb__clock_claim(db, PILOTDB_CLOCK_WALL)) != PILOTDB_OK ||
        (rc = find_ce(db, obs->ce_name, &ce_id, &no_site)) != PILOTDB_OK ||
        (rc = pilotdb__delta_slot(db, ce_id, &slot)) != PILOTDB_OK ||
        (rc = pilotdb__stmt_get(db, ST_PILOT_BY_REF, &st)) != PILOTDB_OK)
        return rc;
    memset(&r, 0, sizeof r);
    sqlite3_bind_text(st, 1, obs->ref, -1, SQLITE_STATIC);
    src = sqlite3_step(st);
    found = src == SQLITE_ROW;
    if (src != SQLITE_ROW && src != SQLITE_DONE) {
        pilotdb__stmt_done(st);
        return pilotdb__sql_fail(db, src, "recording a pilot");
    }
    m = *t;
    *result = PILOTDB_OBSERVE_NEW;
    if (found) {
        r.id = sqlite3_column_int64(st, 0);
        r.ce_id = sqlite3_column_int64(st, 1);
        r.status = sqlite3_column_int(st, 2);
        times_from_row(st, 3, 6, &r.t);
        r.kind_bits = sqlite3_column_int64(st, 6);
        r.reason = (const char *)sqlite3_column_text(st, 7);
        r.source_status = (const char *)sqlite3_column_text(st, 8);
        *pilot_id = r.id;
        if (r.ce_id != ce_id)
            rc = pilotdb__fail(db, PILOTDB_EINVAL, "pilot '%s' is at another CE, not"
                               " '%s'", obs->ref, obs->ce_name);
        else
            rc = decide(db, obs, status, t, &r, &m, result);
    }
    site_writes = no_site && obs->site && *obs->site ? 2 : 0; /* the CE and its log */
    if (rc == PILOTDB_OK && (*result == PILOTDB_OBSERVE_NEW ||
                             *result == PILOTDB_OBSERVE_CHANGED)) {
        const char *reason = found && !obs->reason ? r.reason : obs->reason;
        const char *source_status = found && !obs->source_status ? r.source_status
                                                                 : obs->source_status;
        int source_same = found && kind_bits(&m) == r.kind_bits &&
                          same_text(reason, r.reason) &&
                          same_text(source_status, r.source_status);
        int64_t id = r.id;

        /* A new pilot's two rows count as one write: taken back by hand
         * (write_pilot()) when no savepoint is needed for more. */
        rc = before_writes(db, 1 + (found && !source_same) + site_writes, opened);
        if (rc == PILOTDB_OK)
            rc = write_pilot(db, found, &id, ce_id, status, &m, obs->ref, reason,
                             source_status, source_same, !found && *opened == 0);
        *pilot_id = rc == PILOTDB_OK ? id : 0;
    } else if (rc == PILOTDB_OK) {
        rc = before_writes(db, site_writes, opened);
    }
    pilotdb__stmt_done(st);
    if (rc == PILOTDB_OK && site_writes) {
        rc = ce_site(db, ce_id, obs->site);
        pilotdb__known_clear(db); /* the CE changed */
    }
    /* Last, once every write is done: the counts follow the row. */
    if (rc == PILOTDB_OK && (*result == PILOTDB_OBSERVE_NEW ||
                             *result == PILOTDB_OBSERVE_CHANGED))
        pilotdb__delta_move(db, slot, found ? r.status : -1, status, latest(&m));
    return rc;
}

pilotdb_rc pilotdb_pilot_observe(pilotdb *db, const pilotdb_observation *obs,
                                 pilotdb_observe_result *result, int64_t *pilot_id)
{
    pilotdb_observe_result res = PILOTDB_OBSERVE_UNCHANGED;
    struct pilotdb__call call;
    struct times t;
    pilotdb_rc rc;
    int64_t id = 0;
    int status = PILOT_SUBMITTED;

    if (result)
        *result = PILOTDB_OBSERVE_UNCHANGED;
    if (pilot_id)
        *pilot_id = 0;
    db->errmsg[0] = '\0';
    if (!obs)
        return pilotdb__fail(db, PILOTDB_EINVAL, "no observation given");
    if ((rc = check_obs(db, obs, &status, &t)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__enter(db, PILOTDB__CHANGE, ST_NONE, &call);
    if (rc != PILOTDB_OK)
        return rc;
    rc = observe(db, obs, status, &t, &res, &id, &call.opened);
    rc = pilotdb__leave(db, &call, rc);
    if (rc == PILOTDB_OK) {
        if (result)
            *result = res;
        if (pilot_id)
            *pilot_id = id;
    }
    return rc;
}

pilotdb_rc pilotdb_time_counts_get(pilotdb *db, pilotdb_time_counts *out)
{
    struct pilotdb__call call;
    pilotdb_rc rc;

    memset(out, 0, sizeof *out);
    if ((rc = pilotdb__enter(db, PILOTDB__READ, ST_TIME_KINDS, &call)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__step_row(db, call.st, "counting the pilots' time kinds", "no row");
    if (rc == PILOTDB_OK) {
        out->observed = sqlite3_column_int64(call.st, 0);
        out->submitted_unknown = sqlite3_column_int64(call.st, 1);
        out->started_unknown = sqlite3_column_int64(call.st, 2);
    }
    return pilotdb__leave(db, &call, rc);
}
