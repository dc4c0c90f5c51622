/*
 * pilot.c - pilots: submitting one (refused, from a read in the same
 * transaction and before anything is written, on an unknown, disabled or
 * full CE), moving one along the state machine, reading and listing them,
 * and the summary of counts.  Submission and moves are the simulator's
 * hot path: one guarded statement each, the CE counts gathered in the
 * handle (counts.c).
 */
#include <string.h>

#include "internal.h"

pilotdb_rc pilotdb__ce_id(pilotdb *db, const char *name, int64_t *ce_id)
{
    sqlite3_stmt *st;
    pilotdb_rc rc;

    *ce_id = 0;
    rc = pilotdb__stmt_get(db, ST_CE_ID, &st);
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = pilotdb__step_row(db, st, "looking up a CE", "no CE named '%s'", name);
    if (rc == PILOTDB_OK)
        *ce_id = sqlite3_column_int64(st, 0);
    pilotdb__stmt_done(st);
    return rc;
}

/* The CEs submissions have read inside a pilotdb_begin() transaction
 * (struct pilotdb__ce_known, open addressing by name): see pilotdb__known_find(). */
void pilotdb__known_clear(pilotdb *db)
{
    for (size_t i = 0; db->known_used && i < db->known_cap; i++) {
        sqlite3_free(db->known[i].name);
        db->known[i].name = NULL;
    }
    db->known_used = 0;
}

uint64_t pilotdb__name_hash(const char *name)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);

    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * UINT64_C(0x100000001b3);
    return h;
}

/*
 * The slot of CE name among those read in this transaction, found (name
 * set) or empty; NULL when none is remembered.  A CE read by a submission
 * inside a pilotdb_begin() transaction is remembered until the transaction
 * ends, the handle changes a CE, or the counts are written: the write lock
 * keeps other writers out, so a submission to a CE it has seen needs one
 * statement, not two.
 */
struct pilotdb__ce_known *pilotdb__known_find(pilotdb *db, const char *name,
                                              uint64_t hash)
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
void pilotdb__known_add(pilotdb *db, const char *name, uint64_t hash,
                        const struct pilotdb__ce_known *ce)
{
    struct pilotdb__ce_known *slot;
    size_t len = strlen(name);

    if ((db->known_used + 1) * 2 > db->known_cap) {
        size_t cap = db->known_cap ? db->known_cap * 2 : 64;
        struct pilotdb__ce_known *old = db->known, *grown;

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
    slot = pilotdb__known_find(db, name, hash);
    *slot = *ce;
    slot->hash = hash;
    slot->name = sqlite3_malloc64(len + 1);
    if (!slot->name)
        return;
    memcpy(slot->name, name, len + 1);
    db->known_used++;
}

/*
 * Find CE name for a submission inside the current transaction: its id in
 * *ce_id, or the refusal (unknown, disabled, full).  The active count is
 * the written one plus what the handle has gathered and not yet written.
 */
static pilotdb_rc submit_check(pilotdb *db, const char *name, int64_t *ce_id,
                               struct pilotdb__ce_delta **slot)
{
    uint64_t hash = db->batch ? pilotdb__name_hash(name) : 0;
    struct pilotdb__ce_known *found = db->batch ? pilotdb__known_find(db, name, hash) : NULL;
    struct pilotdb__ce_known ce;
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int64_t active;

    if (found && found->name) {
        ce = *found;
    } else {
        rc = pilotdb__stmt_get(db, ST_CE_SLOTS, &st);
        if (rc != PILOTDB_OK)
            return rc;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = pilotdb__step_row(db, st, "submitting a pilot", "no CE named '%s'",
                               name);
        if (rc != PILOTDB_OK) {
            pilotdb__stmt_done(st);
            return rc;
        }
        ce.ce_id = sqlite3_column_int64(st, 0);
        ce.enabled = sqlite3_column_int(st, 1);
        ce.capacity = sqlite3_column_int64(st, 2);
        ce.active = sqlite3_column_int64(st, 3);
        ce.site = -1;
        pilotdb__stmt_done(st);
        if (db->batch)
            pilotdb__known_add(db, name, hash, &ce);
    }
    *ce_id = ce.ce_id;
    rc = pilotdb__delta_slot(db, ce.ce_id, slot);
    if (rc != PILOTDB_OK)
        return rc;
    active = ce.active + (*slot)->count[PILOT_SUBMITTED] +
             (*slot)->count[PILOT_RUNNING];
    if (!ce.enabled)
        return pilotdb__fail(db, PILOTDB_EDISABLED, "CE '%s' is disabled", name);
    if (active >= ce.capacity)
        return pilotdb__fail(db, PILOTDB_EFULL,
                             "CE '%s' is full (%lld of %lld slots in use)", name,
                             (long long)active, (long long)ce.capacity);
    return PILOTDB_OK;
}

pilotdb_rc pilotdb_pilot_submit(pilotdb *db, const char *ce_name,
                                int64_t *pilot_id)
{
    struct pilotdb__ce_delta *slot = NULL;
    struct pilotdb__call call;
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int64_t ce_id = 0, now;
    int src;

    if (pilot_id)
        *pilot_id = 0;
    if ((rc = pilotdb__check_name(db, ce_name)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__enter(db, PILOTDB__CHANGE, ST_NONE, &call);
    if (rc != PILOTDB_OK)
        return rc;
    rc = submit_check(db, ce_name, &ce_id, &slot);
    if (rc == PILOTDB_OK)
        rc = pilotdb__stmt_get(db, ST_PILOT_SUBMIT, &st);
    if (rc == PILOTDB_OK) {
        now = pilotdb__now(db);
        sqlite3_bind_int64(st, 1, ce_id);
        sqlite3_bind_int64(st, 2, now);
        src = sqlite3_step(st);
        if (src != SQLITE_DONE) {
            rc = pilotdb__sql_fail(db, src, "submitting a pilot");
        } else {
            pilotdb__delta_move(db, slot, -1, PILOT_SUBMITTED, now);
            if (pilot_id)
                *pilot_id = sqlite3_last_insert_rowid(db->conn);
        }
        pilotdb__stmt_done(st);
    }
    rc = pilotdb__leave(db, &call, rc);
    if (rc != PILOTDB_OK && pilot_id)
        *pilot_id = 0;
    return rc;
}

/* Read pilot_id's status and CE in the current transaction. */
static pilotdb_rc pilot_head(pilotdb *db, int64_t pilot_id, int *status,
                             int64_t *ce_id)
{
    sqlite3_stmt *st;
    pilotdb_rc rc = pilotdb__stmt_get(db, ST_PILOT_STATUS, &st);

    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_int64(st, 1, pilot_id);
    rc = pilotdb__step_row(db, st, "changing a pilot's status",
                           "no pilot with id %lld", (long long)pilot_id);
    if (rc == PILOTDB_OK) {
        *status = sqlite3_column_int(st, 0);
        *ce_id = sqlite3_column_int64(st, 1);
    }
    pilotdb__stmt_done(st);
    return rc;
}

/* Refuse a move the state machine does not allow. */
static pilotdb_rc check_move(pilotdb *db, int64_t pilot_id, int from, int to)
{
    if ((unsigned)from >= PILOT_NSTATUS || !pilotdb__transition_ok(from, to))
        return pilotdb__fail(db, PILOTDB_ETRANSITION,
                             "pilot %lld cannot go from %s to %s",
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
    struct pilotdb__ce_delta *slot;
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int64_t now;
    int src;

    *moved = 0;
    if ((rc = pilotdb__delta_slot(db, ce_id, &slot)) != PILOTDB_OK ||
        (rc = pilotdb__stmt_get(db, to == PILOT_RUNNING ? ST_PILOT_START : ST_PILOT_END,
                                &st)) != PILOTDB_OK)
        return rc;
    now = pilotdb__now(db);
    sqlite3_bind_int64(st, 1, pilot_id);
    sqlite3_bind_int(st, 2, from);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, ce_id);
    if (to != PILOT_RUNNING)
        sqlite3_bind_int(st, 5, to);
    src = sqlite3_step(st);
    if (src != SQLITE_DONE) {
        rc = pilotdb__sql_fail(db, src, "changing a pilot's status");
    } else if (sqlite3_changes(db->conn) == 1) {
        pilotdb__delta_move(db, slot, from, to, now);
        *moved = 1;
    }
    pilotdb__stmt_done(st);
    return rc;
}

pilotdb_rc pilotdb_pilot_set_status(pilotdb *db, int64_t pilot_id,
                                    pilot_status status)
{
    struct pilotdb__call call;
    pilotdb_rc rc;
    int64_t ce_id = 0;
    int from = -1, moved = 0;

    if ((int)status < 0 || status >= PILOT_NSTATUS)
        return pilotdb__fail(db, PILOTDB_EINVAL, "status %d is not a pilot status",
                             (int)status);
    rc = pilotdb__enter(db, PILOTDB__CHANGE, ST_NONE, &call);
    if (rc != PILOTDB_OK)
        return rc;
    rc = pilot_head(db, pilot_id, &from, &ce_id);
    if (rc == PILOTDB_OK)
        rc = check_move(db, pilot_id, from, (int)status);
    if (rc == PILOTDB_OK)
        rc = pilot_move(db, pilot_id, ce_id, from, (int)status, &moved);
    if (rc == PILOTDB_OK && !moved)
        rc = pilotdb__fail(db, PILOTDB_ESQL, "pilot %lld changed under the writer",
                           (long long)pilot_id);
    return pilotdb__leave(db, &call, rc);
}

pilotdb_rc pilotdb_pilot_move(pilotdb *db, int64_t pilot_id, int64_t ce_id,
                              pilot_status from, pilot_status to)
{
    struct pilotdb__call call;
    pilotdb_rc rc;
    int64_t real_ce = 0;
    int real = -1, moved = 0;

    if ((int)from < 0 || from >= PILOT_NSTATUS || (int)to < 0 ||
        to >= PILOT_NSTATUS)
        return pilotdb__fail(db, PILOTDB_EINVAL,
                             "status %d or %d is not a pilot status",
                             (int)from, (int)to);
    rc = pilotdb__enter(db, PILOTDB__CHANGE, ST_NONE, &call);
    if (rc != PILOTDB_OK)
        return rc;
    if (pilotdb__transition_ok((int)from, (int)to))
        rc = pilot_move(db, pilot_id, ce_id, (int)from, (int)to, &moved);
    /* Nothing moved: say what the pilot really is, or why it cannot move. */
    if (rc == PILOTDB_OK && !moved &&
        (rc = pilot_head(db, pilot_id, &real, &real_ce)) == PILOTDB_OK) {
        if (real_ce != ce_id)
            rc = pilotdb__fail(db, PILOTDB_EINVAL,
                               "pilot %lld is at CE id %lld, not %lld",
                               (long long)pilot_id, (long long)real_ce, (long long)ce_id);
        else if (real != (int)from)
            rc = pilotdb__fail(db, PILOTDB_ETRANSITION, "pilot %lld is %s, not %s",
                               (long long)pilot_id, pilot_status_name(real),
                               pilot_status_name((int)from));
        else
            rc = check_move(db, pilot_id, real, (int)to);
    }
    return pilotdb__leave(db, &call, rc);
}

/* The kind of a time from its column (NULL: not known) and the row's
 * time_kinds bits for it being observed or unknown. */
static pilotdb_time_kind time_kind(sqlite3_stmt *st, int col, int64_t kinds,
                                   int observed, int unknown)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return kinds & unknown ? PILOTDB_TIME_UNKNOWN : PILOTDB_TIME_NONE;
    return kinds & observed ? PILOTDB_TIME_OBSERVED : PILOTDB_TIME_EXACT;
}

/* Every field is written. */
void pilotdb__pilot_from_row(sqlite3_stmt *st, pilotdb_pilot *p)
{
    int64_t kinds = sqlite3_column_int64(st, 7);
    const unsigned char *word;
    size_t len;

    p->id = sqlite3_column_int64(st, 0);
    p->ce_id = sqlite3_column_int64(st, 1);
    pilotdb__name_from_column(st, 2, p->ce_name);
    p->status = (pilot_status)sqlite3_column_int(st, 3);
    p->submitted_at = PILOTDB_NO_TIME;
    p->started_at = PILOTDB_NO_TIME;
    p->ended_at = PILOTDB_NO_TIME;
    if (sqlite3_column_type(st, 4) != SQLITE_NULL)
        p->submitted_at = sqlite3_column_int64(st, 4);
    if (sqlite3_column_type(st, 5) != SQLITE_NULL)
        p->started_at = sqlite3_column_int64(st, 5);
    if (sqlite3_column_type(st, 6) != SQLITE_NULL)
        p->ended_at = sqlite3_column_int64(st, 6);
    p->updated_at = p->submitted_at;
    if (p->started_at > p->updated_at)
        p->updated_at = p->started_at;
    if (p->ended_at > p->updated_at)
        p->updated_at = p->ended_at;
    p->submitted_kind = time_kind(st, 4, kinds, 1, 8);
    p->started_kind = time_kind(st, 5, kinds, 2, 16);
    p->ended_kind = time_kind(st, 6, kinds, 4, 0);
    pilotdb__name_from_column(st, 8, p->ref);
    word = sqlite3_column_text(st, 9);
    len = word ? (size_t)sqlite3_column_bytes(st, 9) : 0;
    if (len > PILOTDB_WORD_MAX)
        len = PILOTDB_WORD_MAX;
    if (len)
        memcpy(p->source_status, word, len);
    p->source_status[len] = '\0';
}

/* Read the pilot of id pilot_id, or of ref when ref is not NULL. */
static pilotdb_rc pilot_read(pilotdb *db, int64_t pilot_id, const char *ref,
                             pilotdb_pilot *out)
{
    struct pilotdb__call call;
    pilotdb_rc rc;

    memset(out, 0, sizeof *out);
    if (ref && (rc = pilotdb__check_text(db, "pilot ref", ref, PILOTDB_NAME_MAX, 0)) !=
                   PILOTDB_OK)
        return rc;
    rc = pilotdb__enter(db, PILOTDB__READ, ref ? ST_PILOT_GET_REF : ST_PILOT_GET, &call);
    if (rc != PILOTDB_OK)
        return rc;
    if (ref) {
        sqlite3_bind_text(call.st, 1, ref, -1, SQLITE_STATIC);
        rc = pilotdb__step_row(db, call.st, "reading a pilot",
                               "no pilot with ref '%s'", ref);
    } else {
        sqlite3_bind_int64(call.st, 1, pilot_id);
        rc = pilotdb__step_row(db, call.st, "reading a pilot", "no pilot with id %lld",
                               (long long)pilot_id);
    }
    if (rc == PILOTDB_OK)
        pilotdb__pilot_from_row(call.st, out);
    rc = pilotdb__leave(db, &call, rc);
    if (rc != PILOTDB_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

pilotdb_rc pilotdb_pilot_get_ref(pilotdb *db, const char *ref, pilotdb_pilot *out)
{
    if (!ref) {
        memset(out, 0, sizeof *out);
        return pilotdb__fail(db, PILOTDB_EINVAL, "pilot ref is empty");
    }
    return pilot_read(db, 0, ref, out);
}

pilotdb_rc pilotdb_pilot_reason(pilotdb *db, int64_t pilot_id, char **reason)
{
    struct pilotdb__call call;
    const unsigned char *text;
    pilotdb_rc rc;
    size_t len;

    *reason = NULL;
    rc = pilotdb__enter(db, PILOTDB__READ, ST_PILOT_REASON, &call);
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_int64(call.st, 1, pilot_id);
    rc = pilotdb__step_row(db, call.st, "reading a pilot", "no pilot with id %lld",
                           (long long)pilot_id);
    if (rc == PILOTDB_OK && (text = sqlite3_column_text(call.st, 0)) != NULL) {
        len = (size_t)sqlite3_column_bytes(call.st, 0);
        *reason = sqlite3_malloc64(len + 1);
        if (*reason) {
            memcpy(*reason, text, len);
            (*reason)[len] = '\0';
        } else {
            rc = pilotdb__fail(db, PILOTDB_ENOMEM, "reading a pilot: out of memory");
        }
    } else if (rc == PILOTDB_OK && sqlite3_column_type(call.st, 0) != SQLITE_NULL) {
        rc = pilotdb__fail(db, PILOTDB_ENOMEM, "reading a pilot: out of memory");
    }
    rc = pilotdb__leave(db, &call, rc);
    if (rc != PILOTDB_OK) {
        sqlite3_free(*reason);
        *reason = NULL;
    }
    return rc;
}

pilotdb_rc pilotdb_pilot_get(pilotdb *db, int64_t pilot_id, pilotdb_pilot *out)
{
    return pilot_read(db, pilot_id, NULL, out);
}

pilotdb_rc pilotdb_pilots_foreach(pilotdb *db, const pilotdb_pilot_filter *filter,
                                  pilotdb_pilot_cb cb, void *arg)
{
    int status = filter ? filter->status : -1;
    const char *ce_name = filter ? filter->ce_name : NULL;
    struct pilotdb__call call;
    pilotdb_pilot pilot;
    int64_t ce_id = 0;
    enum pilotdb__stmt id;
    pilotdb_rc rc;
    int src;

    if (status < -1 || status >= PILOT_NSTATUS)
        return pilotdb__fail(db, PILOTDB_EINVAL,
                             "status %d is not a pilot status", status);
    if (ce_name && (rc = pilotdb__check_name(db, ce_name)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__enter(db, PILOTDB__READ, ST_NONE, &call);
    if (rc != PILOTDB_OK)
        return rc;
    if (ce_name) {
        rc = pilotdb__ce_id(db, ce_name, &ce_id);
        if (rc != PILOTDB_OK)
            goto out;
        id = status >= 0 ? ST_PILOTS_BY_CE_STATUS : ST_PILOTS_BY_CE;
    } else {
        id = status >= 0 ? ST_PILOTS_BY_STATUS : ST_PILOTS_ALL;
    }
    rc = pilotdb__stmt_get(db, id, &call.st);
    if (rc != PILOTDB_OK)
        goto out;
    if (status >= 0)
        sqlite3_bind_int(call.st, 1, status);
    if (ce_name)
        sqlite3_bind_int64(call.st, 2, ce_id);
    while ((src = sqlite3_step(call.st)) == SQLITE_ROW) {
        pilotdb__pilot_from_row(call.st, &pilot);
        if (cb(arg, &pilot))
            break;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        rc = pilotdb__sql_fail(db, src, "listing pilots");
out:
    return pilotdb__leave(db, &call, rc);
}

struct pilot_collect {
    struct pilotdb__vec v;
    int oom;
};

static int collect_pilot(void *arg, const pilotdb_pilot *pilot)
{
    struct pilot_collect *c = arg;
    pilotdb_pilot *slot = pilotdb__vec_push(&c->v);

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
        rc = pilotdb__fail(db, PILOTDB_ENOMEM, "listing pilots: out of memory");
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
    struct pilotdb__call call;
    pilotdb_rc rc;
    int src;

    memset(out, 0, sizeof *out);
    rc = pilotdb__enter(db, PILOTDB__READ, ST_SUMMARY, &call);
    if (rc != PILOTDB_OK)
        return rc;
    src = sqlite3_step(call.st);
    if (src == SQLITE_ROW) {
        for (int s = 0; s < PILOT_NSTATUS; s++)
            out->count[s] = sqlite3_column_int64(call.st, s);
    } else {
        rc = pilotdb__sql_fail(db, src, "summarizing pilots");
    }
    rc = pilotdb__leave(db, &call, rc);
    if (rc != PILOTDB_OK)
        memset(out, 0, sizeof *out);
    return rc;
}
