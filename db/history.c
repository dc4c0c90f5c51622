/*
 * history.c - the history of pilot changes (pilot, CE, from, to, time),
 * read from the pilots' rows: in time order through the view pilot_event,
 * or in any order from one scan of the pilots; and each pilot's known
 * transitions with what an export writes of them; and one CE's pilots in
 * one lean pass, for a page that sums them up.
 */
#include "internal.h"

/*
 * Visit the events of one row of ST_EVENTS_ANY_ORDER that fall in
 * [from, to); non-zero if cb asked to stop.
 */
static int row_events(sqlite3_stmt *st, int64_t from, int64_t to,
                      pilotdb_event_cb cb, void *arg)
{
    pilotdb_event ev;
    int started = sqlite3_column_type(st, 4) != SQLITE_NULL;
    /* An ended pilot whose start is unknown ended from running. */
    int ran = started || sqlite3_column_int(st, 2) == PILOT_DONE ||
              sqlite3_column_int(st, 6) != 0;

    ev.pilot_id = sqlite3_column_int64(st, 0);
    ev.ce_id = sqlite3_column_int64(st, 1);
    ev.at = sqlite3_column_int64(st, 3);
    ev.from_status = -1;
    ev.to_status = PILOT_SUBMITTED;
    if (sqlite3_column_type(st, 3) != SQLITE_NULL && ev.at >= from && ev.at < to &&
        cb(arg, &ev))
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
        ev.from_status = ran ? PILOT_RUNNING : PILOT_SUBMITTED;
        ev.to_status = sqlite3_column_int(st, 2);
        if (ev.at >= from && ev.at < to && cb(arg, &ev))
            return 1;
    }
    return 0;
}

/* Visit the event of one row of ST_EVENTS; non-zero if cb asked to stop. */
static int view_event(sqlite3_stmt *st, pilotdb_event_cb cb, void *arg)
{
    pilotdb_event ev;

    ev.pilot_id = sqlite3_column_int64(st, 0);
    ev.ce_id = sqlite3_column_int64(st, 1);
    ev.from_status = sqlite3_column_int(st, 2);
    ev.to_status = sqlite3_column_int(st, 3);
    ev.at = sqlite3_column_int64(st, 4);
    return cb(arg, &ev);
}

pilotdb_rc pilotdb_events_foreach(pilotdb *db, const pilotdb_event_filter *filter,
                                  pilotdb_event_cb cb, void *arg)
{
    int64_t from = filter ? filter->from : INT64_MIN;
    int64_t to = filter ? filter->to : INT64_MAX;
    int any_order = filter && filter->any_order;
    struct pilotdb__call call;
    pilotdb_rc rc;
    int src;

    rc = pilotdb__enter(db, PILOTDB__READ,
                        any_order ? ST_EVENTS_ANY_ORDER : ST_EVENTS, &call);
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_int64(call.st, 1, from);
    sqlite3_bind_int64(call.st, 2, to);
    while ((src = sqlite3_step(call.st)) == SQLITE_ROW) {
        if (any_order ? row_events(call.st, from, to, cb, arg)
                      : view_event(call.st, cb, arg))
            break;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        rc = pilotdb__sql_fail(db, src, "reading the event history");
    return pilotdb__leave(db, &call, rc);
}

/* Fill *t, and *pilot it points to, from a row of ST_TRANSITIONS. */
static void transition_from_row(sqlite3_stmt *st, pilotdb_pilot *pilot,
                                pilotdb_transition *t)
{
    int seq = sqlite3_column_int(st, 12);

    pilotdb__pilot_from_row(st, pilot);
    t->pilot = pilot;
    t->site = (const char *)sqlite3_column_text(st, 10);
    t->reason = (const char *)sqlite3_column_text(st, 11);
    t->at = sqlite3_column_int64(st, 13);
    t->last = sqlite3_column_int(st, 14);
    t->to = seq == 0 ? PILOT_SUBMITTED : seq == 1 ? PILOT_RUNNING : pilot->status;
    t->kind = seq == 0 ? pilot->submitted_kind
              : seq == 1 ? pilot->started_kind
                         : pilot->ended_kind;
}

pilotdb_rc pilotdb_transitions_foreach(pilotdb *db,
                                       const pilotdb_transition_filter *filter,
                                       pilotdb_transition_cb cb, void *arg)
{
    const char *ce_name = filter ? filter->ce_name : NULL;
    struct pilotdb__call call;
    pilotdb_transition t;
    pilotdb_pilot pilot;
    int64_t ce_id = 0;
    pilotdb_rc rc;
    int src;

    if (ce_name && (rc = pilotdb__check_name(db, ce_name)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__enter(db, PILOTDB__READ, ST_NONE, &call);
    if (rc != PILOTDB_OK)
        return rc;
    if ((ce_name && (rc = pilotdb__ce_id(db, ce_name, &ce_id)) != PILOTDB_OK) ||
        (rc = pilotdb__stmt_get(db, ST_TRANSITIONS, &call.st)) != PILOTDB_OK)
        return pilotdb__leave(db, &call, rc);
    sqlite3_bind_int64(call.st, 1, filter ? filter->from : INT64_MIN);
    sqlite3_bind_int64(call.st, 2, filter ? filter->to : INT64_MAX);
    if (ce_name)
        sqlite3_bind_int64(call.st, 3, ce_id);
    while ((src = sqlite3_step(call.st)) == SQLITE_ROW) {
        transition_from_row(call.st, &pilot, &t);
        if (cb(arg, &t))
            break;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        rc = pilotdb__sql_fail(db, src, "reading the pilots' transitions");
    return pilotdb__leave(db, &call, rc);
}

/* The id of CE ce_name, how many of its pilots are active and ended, in
 * the call's snapshot, and whether the database has the index of ended
 * pilots (not a version 5 one opened read-only). */
static pilotdb_rc ce_pilot_counts(pilotdb *db, const char *ce_name, int64_t *ce_id,
                                  int64_t *active, int64_t *ended, int *indexed)
{
    sqlite3_stmt *st;
    pilotdb_rc rc;

    if ((rc = pilotdb__stmt_get(db, ST_CE_PILOT_COUNTS, &st)) != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(st, 1, ce_name, -1, SQLITE_STATIC);
    rc = pilotdb__step_row(db, st, "looking up a CE", "no CE named '%s'", ce_name);
    if (rc == PILOTDB_OK) {
        *ce_id = sqlite3_column_int64(st, 0);
        *active = sqlite3_column_int64(st, 1);
        *ended = sqlite3_column_int64(st, 2);
        *indexed = sqlite3_column_int(st, 3) > 0;
    }
    pilotdb__stmt_done(st);
    return rc;
}

/* Visit the rows of statement id for CE ce_id, at most limit of them
 * (negative: all), counting them in *seen; *stop when cb asked to. */
static pilotdb_rc visit_pilots(pilotdb *db, struct pilotdb__call *call,
                               enum pilotdb__stmt id, int64_t ce_id, int64_t limit,
                               pilotdb_brief_cb cb, void *arg, int64_t *seen, int *stop)
{
    pilotdb_pilot_brief p;
    pilotdb_rc rc;
    int src = SQLITE_DONE;

    pilotdb__stmt_done(call->st);
    call->st = NULL;
    if ((rc = pilotdb__stmt_get(db, id, &call->st)) != PILOTDB_OK)
        return rc;
    sqlite3_bind_int64(call->st, 1, ce_id);
    while (limit != 0 && (src = sqlite3_step(call->st)) == SQLITE_ROW) {
        p.id = sqlite3_column_int64(call->st, 0);
        p.status = (pilot_status)sqlite3_column_int(call->st, 1);
        p.submitted_at = sqlite3_column_int64(call->st, 2);
        p.started_at = sqlite3_column_int64(call->st, 3);
        p.ended_at = sqlite3_column_int64(call->st, 4);
        p.reason = (const char *)sqlite3_column_text(call->st, 5);
        (*seen)++;
        if ((*stop = cb(arg, &p)) != 0)
            return PILOTDB_OK;
        if (limit > 0)
            limit--;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        rc = pilotdb__sql_fail(db, src, "reading the pilots of a CE");
    return rc;
}

pilotdb_rc pilotdb_ce_pilots_scan(pilotdb *db, const char *ce_name, pilotdb_brief_cb cb,
                                  void *arg)
{
    struct pilotdb__call call;
    int64_t ce_id = 0, active = 0, ended = 0, seen = 0;
    pilotdb_rc rc;
    int stop = 0, indexed = 0;

    if ((rc = pilotdb__check_name(db, ce_name)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__enter(db, PILOTDB__READ, ST_NONE, &call);
    if (rc != PILOTDB_OK)
        return rc;
    /* The CE's counts are exact in the snapshot: the active pilots are
     * read back from the newest until all are seen (they are few and
     * mostly the newest), and the ended ones the index lacks (a
     * simulation's) only when there are some. */
    rc = ce_pilot_counts(db, ce_name, &ce_id, &active, &ended, &indexed);
    if (rc == PILOTDB_OK && !indexed)
        return pilotdb__leave(db, &call, visit_pilots(db, &call, ST_CE_PILOTS_ALL, ce_id, -1,
                                                      cb, arg, &seen, &stop));
    if (rc == PILOTDB_OK && active > 0)
        rc = visit_pilots(db, &call, ST_CE_PILOTS_ACTIVE, ce_id, active, cb, arg, &seen,
                          &stop);
    seen = 0;
    if (rc == PILOTDB_OK && !stop && ended > 0)
        rc = visit_pilots(db, &call, ST_CE_PILOTS_ENDED, ce_id, -1, cb, arg, &seen, &stop);
    if (rc == PILOTDB_OK && !stop && seen < ended)
        rc = visit_pilots(db, &call, ST_CE_PILOTS_ENDED_EARLY, ce_id, -1, cb, arg, &seen,
                          &stop);
    return pilotdb__leave(db, &call, rc);
}
