/*
 * ce.c - Computing Elements: adding, changing, reading and listing them.
 */
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
    ce->last_change_at = sqlite3_column_type(st, 9) == SQLITE_NULL
                             ? PILOTDB_NO_TIME
                             : sqlite3_column_int64(st, 9);
}

pilotdb_rc pilotdb_ce_add(pilotdb *db, const char *name, int64_t capacity,
                          double success_rate, int enabled, int64_t *id)
{
    struct pilotdb__call call;
    pilotdb_rc rc;
    int src;

    if (id)
        *id = 0;
    if ((rc = pilotdb__check_name(db, name)) != PILOTDB_OK ||
        (rc = pilotdb__check_capacity(db, capacity)) != PILOTDB_OK ||
        (rc = pilotdb__check_success_rate(db, success_rate)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__enter(db, PILOTDB__WRITE, ST_CE_ADD, &call);
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(call.st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(call.st, 2, capacity);
    sqlite3_bind_double(call.st, 3, success_rate + 0.0); /* -0.0 is stored as 0 */
    sqlite3_bind_int(call.st, 4, enabled != 0);
    src = sqlite3_step(call.st);
    if (src == SQLITE_CONSTRAINT_UNIQUE || src == SQLITE_CONSTRAINT_PRIMARYKEY)
        rc = pilotdb__fail(db, PILOTDB_EEXISTS, "CE '%s' exists already", name);
    else if (src != SQLITE_DONE)
        rc = pilotdb__sql_fail(db, src, "adding a CE");
    else if (id)
        *id = sqlite3_last_insert_rowid(db->conn);
    rc = pilotdb__leave(db, &call, rc);
    if (rc != PILOTDB_OK && id)
        *id = 0;
    return rc;
}

pilotdb_rc pilotdb_ce_update(pilotdb *db, const char *name,
                             const pilotdb_ce_change *upd)
{
    struct pilotdb__call call;
    pilotdb_rc rc;
    int src;

    if ((rc = pilotdb__check_name(db, name)) != PILOTDB_OK)
        return rc;
    if (!upd || !(upd->set & (PILOTDB_SET_CAPACITY | PILOTDB_SET_SUCCESS_RATE |
                              PILOTDB_SET_ENABLED)))
        return pilotdb__fail(db, PILOTDB_EINVAL, "CE '%s': nothing to change", name);
    if ((upd->set & PILOTDB_SET_CAPACITY) &&
        (rc = pilotdb__check_capacity(db, upd->capacity)) != PILOTDB_OK)
        return rc;
    if ((upd->set & PILOTDB_SET_SUCCESS_RATE) &&
        (rc = pilotdb__check_success_rate(db, upd->success_rate)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__enter(db, PILOTDB__WRITE, ST_CE_UPDATE, &call);
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(call.st, 1, name, -1, SQLITE_STATIC);
    if (upd->set & PILOTDB_SET_CAPACITY)
        sqlite3_bind_int64(call.st, 2, upd->capacity);
    if (upd->set & PILOTDB_SET_SUCCESS_RATE)
        sqlite3_bind_double(call.st, 3, upd->success_rate + 0.0);
    if (upd->set & PILOTDB_SET_ENABLED)
        sqlite3_bind_int(call.st, 4, upd->enabled != 0);
    src = sqlite3_step(call.st);
    if (src != SQLITE_DONE)
        rc = pilotdb__sql_fail(db, src, "updating a CE");
    else if (sqlite3_changes(db->conn) == 0)
        rc = pilotdb__fail(db, PILOTDB_ENOTFOUND, "no CE named '%s'", name);
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

/* Sort v's CEs by name into a new array *out (v is freed either way): the
 * sort moves pointers, and each CE is copied once. */
static pilotdb_rc ce_sort(pilotdb *db, struct pilotdb__vec *v, pilotdb_ce **out)
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
        return pilotdb__fail(db, PILOTDB_ENOMEM, "listing CEs: out of memory");
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
    struct pilotdb__vec v = {NULL, 0, 0, sizeof(pilotdb_ce)};
    enum pilotdb__stmt id = available_only ? ST_CE_LIST_AVAILABLE : ST_CE_LIST;
    struct pilotdb__call call;
    pilotdb_rc rc;
    int src;

    *out = NULL;
    *n = 0;
    rc = pilotdb__enter(db, PILOTDB__READ, id, &call);
    if (rc != PILOTDB_OK)
        return rc;
    /* Size the array for what the last listing found: no regrowth when
     * the dashboard lists the same CEs every frame. */
    if (db->ce_count_hint > 0) {
        v.items = sqlite3_malloc64((sqlite3_uint64)db->ce_count_hint * v.size);
        v.cap = v.items ? db->ce_count_hint : 0;
    }
    while ((src = sqlite3_step(call.st)) == SQLITE_ROW) {
        pilotdb_ce *ce = pilotdb__vec_push(&v);

        if (!ce) {
            rc = pilotdb__fail(db, PILOTDB_ENOMEM, "listing CEs: out of memory");
            break;
        }
        ce_from_row(call.st, ce);
    }
    if (rc == PILOTDB_OK && src != SQLITE_DONE)
        rc = pilotdb__sql_fail(db, src, "listing CEs");
    rc = pilotdb__leave(db, &call, rc);
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
