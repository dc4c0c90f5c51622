/*
 * changelog.c - the CE change log: who the handle's writes are by, one row
 * per changed field of a CE (written by ce.c and observe.c in the call's
 * transaction), and reading the log back.
 */
#include <string.h>

#include "internal.h"

static const char *const field_names[] = {"capacity", "success_rate", "enabled",
                                          "site"};

const char *pilotdb_ce_field_name(int field)
{
    return field >= 0 && field <= PILOTDB_FIELD_SITE ? field_names[field] : NULL;
}

pilotdb_rc pilotdb_set_actor(pilotdb *db, const char *by, const char *user)
{
    size_t len = by ? strlen(by) : 0;
    pilotdb_rc rc;

    db->errmsg[0] = '\0';
    if (len == 0 || len > PILOTDB_WORD_MAX || strspn(by, "abcdefghijklmnopqrstuvwxyz"
                                                         "0123456789_-") != len)
        return pilotdb__fail(db, PILOTDB_EINVAL,
                             "the actor must be 1 to %d bytes of a-z, 0-9, _ and -",
                             PILOTDB_WORD_MAX);
    if ((rc = pilotdb__check_text(db, "user name", user, PILOTDB_USER_MAX, 1)) !=
        PILOTDB_OK)
        return rc;
    memcpy(db->actor, by, len + 1);
    db->user[0] = '\0';
    if (user)
        memcpy(db->user, user, strlen(user) + 1);
    return PILOTDB_OK;
}

const char *pilotdb_actor(const pilotdb *db, const char **user)
{
    if (user)
        *user = db->user;
    return db->actor;
}

/* Bind a logged value (NULL: none) of field to st's parameter col. */
static void bind_value(sqlite3_stmt *st, int col, pilotdb_ce_field field,
                       const pilotdb_ce_value *v)
{
    if (!v || v->null)
        return;
    if (field == PILOTDB_FIELD_SUCCESS_RATE)
        sqlite3_bind_double(st, col, v->d);
    else if (field == PILOTDB_FIELD_SITE)
        sqlite3_bind_text(st, col, v->text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, col, v->i);
}

/* Whether CE ce_id was created in the open transaction; with add, note
 * that it was (a note that finds no memory is left out: the log then
 * keeps a row per change, which is true, only longer). */
static int created_here(pilotdb *db, int64_t ce_id, int add)
{
    for (size_t i = 0; i < db->created_n; i++)
        if (db->created[i] == ce_id)
            return 1;
    if (add && db->created_n == db->created_cap) {
        size_t cap = db->created_cap ? db->created_cap * 2 : 16;
        int64_t *grown = sqlite3_realloc64(db->created, cap * sizeof *grown);

        if (!grown)
            return 0;
        db->created = grown;
        db->created_cap = cap;
    }
    if (add)
        db->created[db->created_n++] = ce_id;
    return 0;
}

/* A change of a CE created in the same transaction amends the value it was
 * created with: no one saw the CE before, so its log says what it was
 * created with when the transaction committed.  *done says whether the
 * creation row was there to amend. */
static pilotdb_rc amend_creation(pilotdb *db, int64_t ce_id, pilotdb_ce_field field,
                                 const pilotdb_ce_value *new_value, int *done)
{
    sqlite3_stmt *st;
    pilotdb_rc rc = pilotdb__stmt_get(db, ST_CE_LOG_AMEND, &st);
    int src;

    *done = 0;
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_int64(st, 1, ce_id);
    sqlite3_bind_text(st, 2, field_names[field], -1, SQLITE_STATIC);
    bind_value(st, 3, field, new_value);
    src = sqlite3_step(st);
    pilotdb__stmt_done(st);
    if (src != SQLITE_DONE)
        return pilotdb__sql_fail(db, src, "logging a CE change");
    *done = sqlite3_changes(db->conn) > 0;
    return PILOTDB_OK;
}

pilotdb_rc pilotdb__ce_log(pilotdb *db, int64_t ce_id, pilotdb_ce_field field,
                           const pilotdb_ce_value *old_value,
                           const pilotdb_ce_value *new_value)
{
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int src, done;

    if (old_value && created_here(db, ce_id, 0)) {
        if ((rc = amend_creation(db, ce_id, field, new_value, &done)) != PILOTDB_OK || done)
            return rc;
        old_value = NULL; /* a field it was created without */
    } else if (!old_value) {
        created_here(db, ce_id, 1);
    }
    if ((rc = pilotdb__stmt_get(db, ST_CE_LOG, &st)) != PILOTDB_OK)
        return rc;
    sqlite3_bind_int64(st, 1, pilotdb__now(db));
    sqlite3_bind_int64(st, 2, ce_id);
    sqlite3_bind_text(st, 3, field_names[field], -1, SQLITE_STATIC);
    bind_value(st, 4, field, old_value);
    bind_value(st, 5, field, new_value);
    sqlite3_bind_text(st, 6, db->actor, -1, SQLITE_STATIC);
    if (db->user[0])
        sqlite3_bind_text(st, 7, db->user, -1, SQLITE_STATIC);
    src = sqlite3_step(st);
    pilotdb__stmt_done(st);
    return src == SQLITE_DONE ? PILOTDB_OK
                              : pilotdb__sql_fail(db, src, "logging a CE change");
}

/* Read a logged value of field from st's column col. */
static void value_from_column(sqlite3_stmt *st, int col, pilotdb_ce_field field,
                              pilotdb_ce_value *v)
{
    memset(v, 0, sizeof *v);
    if (sqlite3_column_type(st, col) == SQLITE_NULL) {
        v->null = 1;
        return;
    }
    if (field == PILOTDB_FIELD_SUCCESS_RATE)
        v->d = sqlite3_column_double(st, col);
    else if (field == PILOTDB_FIELD_SITE)
        pilotdb__name_from_column(st, col, v->text);
    else
        v->i = sqlite3_column_int64(st, col);
}

/* Copy a text column into a buffer of size bytes (cut if longer). */
static void text_from_column(sqlite3_stmt *st, int col, char *out, size_t size)
{
    const unsigned char *text = sqlite3_column_text(st, col);
    size_t len = text ? (size_t)sqlite3_column_bytes(st, col) : 0;

    if (len >= size)
        len = size - 1;
    if (len)
        memcpy(out, text, len);
    out[len] = '\0';
}

static void row_from_history(sqlite3_stmt *st, pilotdb_ce_history_row *row)
{
    const unsigned char *field = sqlite3_column_text(st, 4);

    memset(row, 0, sizeof *row);
    row->id = sqlite3_column_int64(st, 0);
    row->at = sqlite3_column_int64(st, 1);
    row->ce_id = sqlite3_column_int64(st, 2);
    pilotdb__name_from_column(st, 3, row->ce_name);
    for (int f = 0; f <= PILOTDB_FIELD_SITE; f++)
        if (field && strcmp((const char *)field, field_names[f]) == 0)
            row->field = (pilotdb_ce_field)f;
    value_from_column(st, 5, row->field, &row->old_value);
    value_from_column(st, 6, row->field, &row->new_value);
    text_from_column(st, 7, row->by, sizeof row->by);
    text_from_column(st, 8, row->user, sizeof row->user);
}

pilotdb_rc pilotdb_ce_history(pilotdb *db, const char *ce_name, int64_t since,
                              pilotdb_ce_history_row **out, size_t *n)
{
    struct pilotdb__vec v = {NULL, 0, 0, sizeof(pilotdb_ce_history_row)};
    struct pilotdb__call call;
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int src;

    *out = NULL;
    *n = 0;
    if (ce_name && (rc = pilotdb__check_name(db, ce_name)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__enter(db, PILOTDB__READ, ce_name ? ST_CE_ID : ST_CE_HISTORY, &call);
    if (rc != PILOTDB_OK)
        return rc;
    if (ce_name) {
        int64_t ce_id;

        sqlite3_bind_text(call.st, 1, ce_name, -1, SQLITE_STATIC);
        rc = pilotdb__step_row(db, call.st, "reading the CE change log",
                               "no CE named '%s'", ce_name);
        if (rc != PILOTDB_OK)
            return pilotdb__leave(db, &call, rc);
        ce_id = sqlite3_column_int64(call.st, 0);
        pilotdb__stmt_done(call.st);
        if ((rc = pilotdb__stmt_get(db, ST_CE_HISTORY_CE, &call.st)) != PILOTDB_OK)
            return pilotdb__leave(db, &call, rc);
        sqlite3_bind_int64(call.st, 2, ce_id);
    }
    st = call.st;
    sqlite3_bind_int64(st, 1, since);
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        pilotdb_ce_history_row *row = pilotdb__vec_push(&v);

        if (!row) {
            rc = pilotdb__fail(db, PILOTDB_ENOMEM,
                               "reading the CE change log: out of memory");
            break;
        }
        row_from_history(st, row);
    }
    if (rc == PILOTDB_OK && src != SQLITE_DONE)
        rc = pilotdb__sql_fail(db, src, "reading the CE change log");
    rc = pilotdb__leave(db, &call, rc);
    if (rc != PILOTDB_OK || v.n == 0) {
        sqlite3_free(v.items);
        return rc;
    }
    *out = v.items;
    *n = v.n;
    return PILOTDB_OK;
}
