/*
 * store_sqlite.c - the engine's store over a pilot database: every call is
 * the pilotdb call of the same name, so a dashboard watching the database
 * sees every transition (`sim`, `demo`, golden replays).
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"

struct store_sqlite {
    struct sim_store base;
    pilotdb *db;
    pilotdb_ce *rows;            /* the last listing, as pilotdb gave it */
    struct sim_store_ce *list;   /* the same, as the engine reads it */
    size_t room;
};

static pilotdb *db_of(struct sim_store *st)
{
    return ((struct store_sqlite *)st)->db;
}

static pilotdb_rc sq_start(struct sim_store *st, pilotdb_clock_fn clock, void *arg)
{
    pilotdb *db = db_of(st);
    pilotdb_rc rc;

    pilotdb_set_clock(db, clock, arg);
    if ((rc = pilotdb_set_actor(db, "sim", NULL)) != PILOTDB_OK ||
        (rc = pilotdb_begin(db)) != PILOTDB_OK)
        return rc;
    if ((rc = pilotdb_clock_claim(db, PILOTDB_CLOCK_SIM)) != PILOTDB_OK)
        (void)pilotdb_rollback(db); /* the message stays the claim's */
    return rc;
}

static pilotdb_rc sq_begin(struct sim_store *st)
{
    return pilotdb_begin(db_of(st));
}

static pilotdb_rc sq_commit(struct sim_store *st)
{
    return pilotdb_commit(db_of(st));
}

static pilotdb_rc sq_rollback(struct sim_store *st)
{
    return pilotdb_rollback(db_of(st));
}

static int sq_in_transaction(struct sim_store *st)
{
    return pilotdb_in_transaction(db_of(st));
}

static pilotdb_rc sq_ce_add(struct sim_store *st, const char *name, int64_t capacity,
                            double success_rate, int enabled, int64_t *id)
{
    return pilotdb_ce_add(db_of(st), name, capacity, success_rate, enabled, id);
}

static pilotdb_rc sq_ce_list(struct sim_store *st, const struct sim_store_ce **list,
                             size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)st;
    pilotdb_rc rc;
    size_t i;

    *list = NULL;
    *n = 0;
    pilotdb_free(s->rows);
    s->rows = NULL;
    rc = pilotdb_ce_list(s->db, 0, &s->rows, n);
    if (rc != PILOTDB_OK)
        return rc;
    if (*n > s->room) {
        struct sim_store_ce *bigger = realloc(s->list, *n * sizeof *bigger);
        if (!bigger) {
            *n = 0;
            return PILOTDB_ENOMEM;
        }
        s->list = bigger;
        s->room = *n;
    }
    for (i = 0; i < *n; i++) {
        const pilotdb_ce *row = &s->rows[i];
        struct sim_store_ce *ce = &s->list[i];
        ce->name = row->name;
        ce->id = row->id;
        ce->capacity = row->capacity;
        ce->success_rate = row->success_rate;
        ce->enabled = row->enabled;
        memcpy(ce->count, row->count, sizeof ce->count);
        ce->available = row->available_slots;
    }
    *list = s->list;
    return PILOTDB_OK;
}

static pilotdb_rc sq_ce_update(struct sim_store *st, int64_t ce_id, const char *name,
                               const pilotdb_ce_change *upd)
{
    (void)ce_id;
    return pilotdb_ce_update(db_of(st), name, upd);
}

static pilotdb_rc sq_submit(struct sim_store *st, int64_t ce_id, const char *name,
                            int64_t *pilot_id)
{
    (void)ce_id;
    return pilotdb_pilot_submit(db_of(st), name, pilot_id);
}

static pilotdb_rc sq_move(struct sim_store *st, int64_t pilot_id, int64_t ce_id,
                          pilot_status from, pilot_status to)
{
    return pilotdb_pilot_move(db_of(st), pilot_id, ce_id, from, to);
}

static const char *sq_errmsg(struct sim_store *st)
{
    return pilotdb_errmsg(db_of(st));
}

static void sq_free(struct sim_store *st)
{
    struct store_sqlite *s = (struct store_sqlite *)st;

    if (!s)
        return;
    pilotdb_set_clock(s->db, NULL, NULL);
    pilotdb_free(s->rows);
    free(s->list);
    free(s);
}

static const struct sim_store_ops sqlite_ops = {
    "sqlite", sq_start, sq_begin, sq_commit, sq_rollback, sq_in_transaction,
    sq_ce_add, sq_ce_list, sq_ce_update, sq_submit, sq_move, sq_errmsg, sq_free
};

struct sim_store *sim_store_sqlite_new(pilotdb *db)
{
    struct store_sqlite *s = calloc(1, sizeof *s);

    if (!s)
        return NULL;
    s->base.ops = &sqlite_ops;
    s->db = db;
    return &s->base;
}
