/*
 * ce.c - Computing Elements: adding, changing, reading and listing them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Fill *ce from a row of CE_COLUMNS (stmt.c); every field is written. */
static void ce_from_row(sqlite3_stmt *st, pilotdb_ce *ce)
{
    ce->id = sqlite3_column_int64(st, 0);
    pilotdb__name_from_column(st, 1, ce->name);
    ce->capacity = sqlite3_column_int64(st, 2);
    ce->success_rate = sqlite3_column_double(st, 3);
    ce->enabled = sqlite3_column_int(st, 4) != 0;
    for (int s = 0; s < PILOT_NSTATUS; s++)
        ce->count[s] = sqlite3_column_int64(st, 5 + s);
    ce->active = ce->count[PILOT_SUBMITTED] + ce->count[PILOT_RUNNING];
    ce->available_slots = 0;
    if (ce->enabled && ce->capacity > ce->active)
        ce->available_slots = ce->capacity - ce->active;
    /* NULL reads as 0: only a 0 needs its type asked (a call per CE saved
     * in a listing) */
    ce->last_change_at = sqlite3_column_int64(st, 9);
    if (ce->last_change_at == 0 && sqlite3_column_type(st, 9) == SQLITE_NULL)
        ce->last_change_at = PILOTDB_NO_TIME;
    pilotdb__name_from_column(st, 10, ce->site);
    ce->capacity_source = sqlite3_column_int(st, 11) ? PILOTDB_CAPACITY_INFERRED
                                                     : PILOTDB_CAPACITY_CONFIGURED;
}

/* A site argument: NULL or "" is none. */
static pilotdb_rc check_site(pilotdb *db, const char *site)
{
    return site && *site ? pilotdb__check_text(db, "site", site, PILOTDB_NAME_MAX, 0)
                         : PILOTDB_OK;
}

static pilotdb_rc check_capacity_source(pilotdb *db, int source)
{
    if (source != PILOTDB_CAPACITY_CONFIGURED && source != PILOTDB_CAPACITY_INFERRED)
        return pilotdb__fail(db, PILOTDB_EINVAL,
                             "capacity source %d is neither configured nor inferred",
                             source);
    return PILOTDB_OK;
}

/* The values of a CE's logged fields. */
static void ce_values(const pilotdb_ce *ce, pilotdb_ce_value v[4])
{
    memset(v, 0, 4 * sizeof *v);
    v[PILOTDB_FIELD_CAPACITY].i = ce->capacity;
    v[PILOTDB_FIELD_SUCCESS_RATE].d = ce->success_rate;
    v[PILOTDB_FIELD_ENABLED].i = ce->enabled != 0;
    v[PILOTDB_FIELD_SITE].null = ce->site[0] == '\0';
    memcpy(v[PILOTDB_FIELD_SITE].text, ce->site, sizeof ce->site);
}

/* Log the fields that differ between old (NULL: a new CE) and now. */
static pilotdb_rc ce_log_changes(pilotdb *db, const pilotdb_ce *old,
                                 const pilotdb_ce *now)
{
    pilotdb_ce_value was[4], is[4];
    pilotdb_rc rc = PILOTDB_OK;

    ce_values(now, is);
    if (old)
        ce_values(old, was);
    for (int f = 0; f < 4 && rc == PILOTDB_OK; f++) {
        if (old && was[f].null == is[f].null && was[f].i == is[f].i &&
            was[f].d == is[f].d && strcmp(was[f].text, is[f].text) == 0)
            continue;
        if (!old && f == PILOTDB_FIELD_SITE && is[f].null)
            continue;
        rc = pilotdb__ce_log(db, now->id, (pilotdb_ce_field)f, old ? &was[f] : NULL,
                             &is[f]);
    }
    return rc;
}

pilotdb_rc pilotdb_ce_add(pilotdb *db, const char *name, int64_t capacity,
                          double success_rate, int enabled, int64_t *id)
{
    pilotdb_ce_spec spec = {name, capacity, success_rate, enabled, NULL,
                            PILOTDB_CAPACITY_CONFIGURED};

    return pilotdb_ce_add_spec(db, &spec, id);
}

pilotdb_rc pilotdb_ce_add_spec(pilotdb *db, const pilotdb_ce_spec *spec, int64_t *id)
{
    struct pilotdb__call call;
    pilotdb_ce ce;
    pilotdb_rc rc;
    int src;

    if (id)
        *id = 0;
    if (!spec)
        return pilotdb__fail(db, PILOTDB_EINVAL, "no CE given");
    if ((rc = pilotdb__check_name(db, spec->name)) != PILOTDB_OK ||
        (rc = pilotdb__check_capacity(db, spec->capacity)) != PILOTDB_OK ||
        (rc = pilotdb__check_success_rate(db, spec->success_rate)) != PILOTDB_OK ||
        (rc = check_site(db, spec->site)) != PILOTDB_OK ||
        (rc = check_capacity_source(db, (int)spec->capacity_source)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__enter(db, PILOTDB__WRITE, ST_CE_ADD, &call);
    if (rc != PILOTDB_OK)
        return rc;
    if (!call.opened && (rc = pilotdb__savepoint_begin(db, &call.opened)) != PILOTDB_OK)
        return pilotdb__leave(db, &call, rc);
    memset(&ce, 0, sizeof ce);
    snprintf(ce.name, sizeof ce.name, "%s", spec->name);
    ce.capacity = spec->capacity;
    ce.success_rate = spec->success_rate + 0.0; /* -0.0 is stored as 0 */
    ce.enabled = spec->enabled != 0;
    if (spec->site)
        snprintf(ce.site, sizeof ce.site, "%s", spec->site);
    sqlite3_bind_text(call.st, 1, spec->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(call.st, 2, ce.capacity);
    sqlite3_bind_double(call.st, 3, ce.success_rate);
    sqlite3_bind_int(call.st, 4, ce.enabled);
    if (ce.site[0])
        sqlite3_bind_text(call.st, 5, ce.site, -1, SQLITE_STATIC);
    sqlite3_bind_int(call.st, 6, (int)spec->capacity_source);
    src = sqlite3_step(call.st);
    if (src == SQLITE_CONSTRAINT_UNIQUE || src == SQLITE_CONSTRAINT_PRIMARYKEY)
        rc = pilotdb__fail(db, PILOTDB_EEXISTS, "CE '%s' exists already", spec->name);
    else if (src != SQLITE_DONE)
        rc = pilotdb__sql_fail(db, src, "adding a CE");
    else
        ce.id = sqlite3_last_insert_rowid(db->conn);
    if (rc == PILOTDB_OK)
        rc = ce_log_changes(db, NULL, &ce);
    rc = pilotdb__leave(db, &call, rc);
    if (id)
        *id = rc == PILOTDB_OK ? ce.id : 0;
    return rc;
}

/* Check upd's fields. */
static pilotdb_rc check_change(pilotdb *db, const char *name,
                               const pilotdb_ce_edit_spec *edit)
{
    const pilotdb_ce_change *upd = &edit->change;
    pilotdb_rc rc = PILOTDB_OK;

    if (!(upd->set & (PILOTDB_SET_CAPACITY | PILOTDB_SET_SUCCESS_RATE |
                      PILOTDB_SET_ENABLED | PILOTDB_SET_SITE |
                      PILOTDB_SET_CAPACITY_SOURCE)))
        return pilotdb__fail(db, PILOTDB_EINVAL, "CE '%s': nothing to change", name);
    if (upd->set & PILOTDB_SET_CAPACITY)
        rc = pilotdb__check_capacity(db, upd->capacity);
    if (rc == PILOTDB_OK && (upd->set & PILOTDB_SET_SUCCESS_RATE))
        rc = pilotdb__check_success_rate(db, upd->success_rate);
    if (rc == PILOTDB_OK && (upd->set & PILOTDB_SET_SITE))
        rc = check_site(db, edit->site);
    if (rc == PILOTDB_OK && (upd->set & PILOTDB_SET_CAPACITY_SOURCE))
        rc = check_capacity_source(db, (int)edit->capacity_source);
    return rc;
}

/* Write upd to CE ce (read in this transaction) and log what changed. */
static pilotdb_rc ce_apply(pilotdb *db, const pilotdb_ce *ce,
                           const pilotdb_ce_edit_spec *edit)
{
    const pilotdb_ce_change *upd = &edit->change;
    pilotdb_ce now = *ce;
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int src;

    if ((rc = pilotdb__stmt_get(db, ST_CE_UPDATE, &st)) != PILOTDB_OK)
        return rc;
    sqlite3_bind_int64(st, 1, ce->id);
    if (upd->set & PILOTDB_SET_CAPACITY) {
        now.capacity = upd->capacity;
        sqlite3_bind_int64(st, 2, upd->capacity);
        if (!(upd->set & PILOTDB_SET_CAPACITY_SOURCE))
            sqlite3_bind_int(st, 7, PILOTDB_CAPACITY_CONFIGURED);
    }
    if (upd->set & PILOTDB_SET_SUCCESS_RATE) {
        now.success_rate = upd->success_rate + 0.0;
        sqlite3_bind_double(st, 3, now.success_rate);
    }
    if (upd->set & PILOTDB_SET_ENABLED) {
        now.enabled = upd->enabled != 0;
        sqlite3_bind_int(st, 4, now.enabled);
    }
    if (upd->set & PILOTDB_SET_SITE) {
        snprintf(now.site, sizeof now.site, "%s", edit->site ? edit->site : "");
        sqlite3_bind_int(st, 5, 1);
        if (now.site[0])
            sqlite3_bind_text(st, 6, now.site, -1, SQLITE_STATIC);
    }
    if (upd->set & PILOTDB_SET_CAPACITY_SOURCE)
        sqlite3_bind_int(st, 7, (int)edit->capacity_source);
    src = sqlite3_step(st);
    pilotdb__stmt_done(st);
    if (src != SQLITE_DONE)
        return pilotdb__sql_fail(db, src, "updating a CE");
    return ce_log_changes(db, ce, &now);
}

pilotdb_rc pilotdb_ce_update(pilotdb *db, const char *name,
                             const pilotdb_ce_change *upd)
{
    pilotdb_ce_edit_spec edit;

    if (upd && (upd->set & (PILOTDB_SET_SITE | PILOTDB_SET_CAPACITY_SOURCE)))
        return pilotdb__fail(db, PILOTDB_EINVAL, "CE '%s': the site and the capacity's"
                             " source are changed with pilotdb_ce_edit()",
                             name ? name : "");
    memset(&edit, 0, sizeof edit);
    if (upd)
        edit.change = *upd;
    return pilotdb_ce_edit(db, name, &edit);
}

pilotdb_rc pilotdb_ce_edit(pilotdb *db, const char *name,
                           const pilotdb_ce_edit_spec *edit)
{
    struct pilotdb__call call;
    pilotdb_ce ce;
    pilotdb_rc rc;

    if ((rc = pilotdb__check_name(db, name)) != PILOTDB_OK)
        return rc;
    if (!edit)
        return pilotdb__fail(db, PILOTDB_EINVAL, "CE '%s': nothing to change", name);
    if ((rc = check_change(db, name, edit)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__enter(db, PILOTDB__WRITE, ST_CE_GET, &call);
    if (rc != PILOTDB_OK)
        return rc;
    if (!call.opened && (rc = pilotdb__savepoint_begin(db, &call.opened)) != PILOTDB_OK)
        return pilotdb__leave(db, &call, rc);
    sqlite3_bind_text(call.st, 1, name, -1, SQLITE_STATIC);
    rc = pilotdb__step_row(db, call.st, "updating a CE", "no CE named '%s'", name);
    if (rc == PILOTDB_OK) {
        ce_from_row(call.st, &ce);
        pilotdb__stmt_done(call.st);
        rc = ce_apply(db, &ce, edit);
    }
    return pilotdb__leave(db, &call, rc);
}

pilotdb_rc pilotdb_ce_get(pilotdb *db, const char *name, pilotdb_ce *out)
{
    struct pilotdb__call call;
    pilotdb_rc rc;

    memset(out, 0, sizeof *out);
    if ((rc = pilotdb__check_name(db, name)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__enter(db, PILOTDB__READ, ST_CE_GET, &call);
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(call.st, 1, name, -1, SQLITE_STATIC);
    rc = pilotdb__step_row(db, call.st, "reading a CE", "no CE named '%s'", name);
    if (rc == PILOTDB_OK)
        ce_from_row(call.st, out);
    rc = pilotdb__leave(db, &call, rc);
    if (rc != PILOTDB_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* Name order, as SQLite's BINARY collation orders names (bytes, then
 * length): strcmp() on UTF-8 with no NUL inside is the same order. */
static int ce_by_name(const void *a, const void *b)
{
    return strcmp((*(const pilotdb_ce *const *)a)->name,
                  (*(const pilotdb_ce *const *)b)->name);
}

/* Sort v's CEs (in table order) by name into a new array *out (v is freed
 * either way): the sort moves pointers, and each CE is copied once.  With
 * remember, note each row's place in name order for the next listing (a
 * memo that cannot be allocated is dropped, not an error). */
static pilotdb_rc ce_sort(pilotdb *db, struct pilotdb__vec *v, int remember,
                          pilotdb_ce **out)
{
    pilotdb_ce *sorted, *items = v->items;
    const pilotdb_ce **ptrs;
    size_t *order = NULL;

    *out = NULL;
    ptrs = sqlite3_malloc64((sqlite3_uint64)v->n * sizeof *ptrs);
    sorted = sqlite3_malloc64((sqlite3_uint64)v->n * sizeof *sorted);
    if (!ptrs || !sorted) {
        sqlite3_free(ptrs);
        sqlite3_free(sorted);
        sqlite3_free(v->items);
        return pilotdb__fail(db, PILOTDB_ENOMEM, "listing CEs: out of memory");
    }
    for (size_t i = 0; i < v->n; i++)
        ptrs[i] = &items[i];
    qsort(ptrs, v->n, sizeof *ptrs, ce_by_name);
    if (remember) {
        db->ce_order_n = 0;
        if (v->n > db->ce_order_cap) {
            order = sqlite3_realloc64(db->ce_order, (sqlite3_uint64)v->n * sizeof *order);
            if (order) {
                db->ce_order = order;
                db->ce_order_cap = v->n;
            }
        }
        order = v->n <= db->ce_order_cap ? db->ce_order : NULL;
    }
    for (size_t i = 0; i < v->n; i++) {
        memcpy(&sorted[i], ptrs[i], sizeof *sorted);
        if (order)
            order[ptrs[i] - items] = i;
    }
    if (order)
        db->ce_order_n = v->n;
    sqlite3_free(ptrs);
    sqlite3_free(v->items);
    *out = sorted;
    return PILOTDB_OK;
}

/* Move the first n rows of a listing placed by db->ce_order back into
 * table order, into v (empty), freeing placed either way. */
static pilotdb_rc ce_unplace(pilotdb *db, pilotdb_ce *placed, size_t n,
                             struct pilotdb__vec *v)
{
    v->items = sqlite3_malloc64((sqlite3_uint64)(n + 1) * sizeof *placed);
    if (!v->items) {
        sqlite3_free(placed);
        return pilotdb__fail(db, PILOTDB_ENOMEM, "listing CEs: out of memory");
    }
    for (size_t i = 0; i < n; i++)
        memcpy((pilotdb_ce *)v->items + i, &placed[db->ce_order[i]], sizeof *placed);
    v->n = n;
    v->cap = n + 1;
    sqlite3_free(placed);
    return PILOTDB_OK;
}

/* Whether the n CEs of ces are in name order, each after the one before. */
static int ce_in_order(const pilotdb_ce *ces, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (strcmp(ces[i - 1].name, ces[i].name) >= 0)
            return 0;
    return 1;
}

/*
 * The full listing writes each row straight to the place in name order
 * that the row in its position had in the last full listing (a dashboard
 * lists the same CEs every frame), then checks the result in one pass:
 * with as many rows as then and every name after the one before, it is the
 * listing in name order (names are unique).  Anything else, such as a CE
 * added, goes back to table order and is sorted.
 */
pilotdb_rc pilotdb_ce_list(pilotdb *db, int available_only, pilotdb_ce **out,
                           size_t *n)
{
    struct pilotdb__vec v = {NULL, 0, 0, sizeof(pilotdb_ce)};
    enum pilotdb__stmt id = available_only ? ST_CE_LIST_AVAILABLE : ST_CE_LIST;
    size_t norder = available_only ? 0 : db->ce_order_n, nplaced = 0;
    pilotdb_ce *placed = NULL;
    struct pilotdb__call call;
    pilotdb_rc rc;
    int src;

    *out = NULL;
    *n = 0;
    rc = pilotdb__enter(db, PILOTDB__READ, id, &call);
    if (rc != PILOTDB_OK)
        return rc;
    if (norder > 0)
        placed = sqlite3_malloc64((sqlite3_uint64)norder * sizeof *placed);
    /* Size the array for what the last listing found: no regrowth when
     * the dashboard lists the same CEs every frame. */
    if (!placed && db->ce_count_hint > 0) {
        v.items = sqlite3_malloc64((sqlite3_uint64)db->ce_count_hint * v.size);
        v.cap = v.items ? db->ce_count_hint : 0;
    }
    while ((src = sqlite3_step(call.st)) == SQLITE_ROW) {
        pilotdb_ce *ce;

        if (placed && nplaced < norder) {
            ce_from_row(call.st, &placed[db->ce_order[nplaced++]]);
            continue;
        }
        if (placed) { /* more CEs than last time */
            rc = ce_unplace(db, placed, nplaced, &v);
            placed = NULL;
            if (rc != PILOTDB_OK)
                break;
        }
        if (!(ce = pilotdb__vec_push(&v))) {
            rc = pilotdb__fail(db, PILOTDB_ENOMEM, "listing CEs: out of memory");
            break;
        }
        ce_from_row(call.st, ce);
    }
    if (rc == PILOTDB_OK && src != SQLITE_DONE)
        rc = pilotdb__sql_fail(db, src, "listing CEs");
    rc = pilotdb__leave(db, &call, rc);
    if (rc == PILOTDB_OK && placed && nplaced == norder && ce_in_order(placed, nplaced)) {
        *out = placed;
        *n = nplaced;
        return PILOTDB_OK;
    }
    if (rc == PILOTDB_OK && placed) {
        rc = ce_unplace(db, placed, nplaced, &v);
        placed = NULL;
    }
    if (rc != PILOTDB_OK || v.n == 0) {
        sqlite3_free(placed);
        sqlite3_free(v.items);
        if (rc == PILOTDB_OK && !available_only)
            db->ce_order_n = 0;
        return rc;
    }
    db->ce_count_hint = v.n;
    rc = ce_sort(db, &v, !available_only, out);
    if (rc == PILOTDB_OK)
        *n = v.n;
    return rc;
}

pilotdb_rc pilotdb_ce_peak_active(pilotdb *db, const char *name, int64_t *peak)
{
    struct pilotdb__call call;
    int64_t ce_id;
    pilotdb_rc rc;

    *peak = 0;
    if ((rc = pilotdb__check_name(db, name)) != PILOTDB_OK)
        return rc;
    if ((rc = pilotdb__enter(db, PILOTDB__READ, ST_CE_ID, &call)) != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(call.st, 1, name, -1, SQLITE_STATIC);
    rc = pilotdb__step_row(db, call.st, "reading a CE", "no CE named '%s'", name);
    if (rc != PILOTDB_OK)
        return pilotdb__leave(db, &call, rc);
    ce_id = sqlite3_column_int64(call.st, 0);
    pilotdb__stmt_done(call.st);
    if ((rc = pilotdb__stmt_get(db, ST_CE_PEAK, &call.st)) != PILOTDB_OK)
        return pilotdb__leave(db, &call, rc);
    sqlite3_bind_int64(call.st, 1, ce_id);
    rc = pilotdb__step_row(db, call.st, "counting a CE's active pilots", "no CE '%s'", name);
    if (rc == PILOTDB_OK)
        *peak = sqlite3_column_int64(call.st, 0);
    return pilotdb__leave(db, &call, rc);
}

pilotdb_rc pilotdb_ce_success_rate(pilotdb *db, const char *name, double *rate)
{
    pilotdb_ce ce;
    pilotdb_rc rc = pilotdb_ce_get(db, name, &ce);

    *rate = rc == PILOTDB_OK ? ce.success_rate : 0.0;
    return rc;
}
