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

pilotdb_rc pilotdb_ce_pilots_scan(pilotdb *db, const char *ce_name, pilotdb_brief_cb cb,
                                  void *arg)
{
    struct pilotdb__call call;
    pilotdb_pilot_brief p;
    int64_t ce_id = 0;
    pilotdb_rc rc;
    int src;

    if ((rc = pilotdb__check_name(db, ce_name)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__enter(db, PILOTDB__READ, ST_NONE, &call);
    if (rc != PILOTDB_OK)
        return rc;
    if ((rc = pilotdb__ce_id(db, ce_name, &ce_id)) != PILOTDB_OK ||
        (rc = pilotdb__stmt_get(db, ST_CE_PILOTS, &call.st)) != PILOTDB_OK)
        return pilotdb__leave(db, &call, rc);
    sqlite3_bind_int64(call.st, 1, ce_id);
    while ((src = sqlite3_step(call.st)) == SQLITE_ROW) {
        p.id = sqlite3_column_int64(call.st, 0);
        p.status = (pilot_status)sqlite3_column_int(call.st, 1);
        p.submitted_at = sqlite3_column_int64(call.st, 2);
        p.started_at = sqlite3_column_int64(call.st, 3);
        p.ended_at = sqlite3_column_int64(call.st, 4);
        p.reason = (const char *)sqlite3_column_text(call.st, 5);
        if (cb(arg, &p))
            break;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        rc = pilotdb__sql_fail(db, src, "reading the pilots of a CE");
    return pilotdb__leave(db, &call, rc);
}
