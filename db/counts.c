/*
 * counts.c - the per-CE counts the handle keeps: a pilot change adds to a
 * table of changes per CE (struct pilotdb__ce_delta), written with one
 * UPDATE per CE at the end of the call, or, inside a pilotdb_begin()
 * transaction, at its commit or before the next call that reads.  Writing
 * them forgets the CEs submissions have read (pilot.c), since the counts
 * read then no longer hold.
 */
#include <string.h>

#include "internal.h"

static size_t delta_hash(int64_t ce_id, size_t cap)
{
    return (size_t)(((uint64_t)ce_id * UINT64_C(0x9e3779b97f4a7c15)) >> 32) &
           (cap - 1);
}

void pilotdb__delta_clear(pilotdb *db)
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
pilotdb_rc pilotdb__delta_slot(pilotdb *db, int64_t ce_id,
                               struct pilotdb__ce_delta **slot)
{
    size_t i;

    if ((db->delta_used + 1) * 2 > db->delta_cap) {
        size_t cap = db->delta_cap ? db->delta_cap * 2 : 64;
        struct pilotdb__ce_delta *old = db->delta, *grown;

        grown = sqlite3_malloc64((sqlite3_uint64)cap * sizeof *grown);
        if (!grown)
            return pilotdb__fail(db, PILOTDB_ENOMEM, "counting pilots: out of memory");
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

/* A slot is emptied as soon as its UPDATE succeeds, so after a failure
 * what is written plus what is left is still exact. */
pilotdb_rc pilotdb__delta_flush(pilotdb *db)
{
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int src;

    if (!db->delta_pending)
        return PILOTDB_OK;
    pilotdb__known_clear(db);
    rc = pilotdb__stmt_get(db, ST_CE_COUNT, &st);
    for (size_t i = 0; rc == PILOTDB_OK && i < db->delta_cap; i++) {
        struct pilotdb__ce_delta *d = &db->delta[i];

        if (!d->used || !d->dirty)
            continue;
        sqlite3_bind_int64(st, 1, d->ce_id);
        for (int k = 0; k < PILOT_NSTATUS; k++)
            sqlite3_bind_int64(st, 2 + k, d->count[k]);
        sqlite3_bind_int64(st, 6, d->last_at);
        src = sqlite3_step(st);
        if (src != SQLITE_DONE)
            rc = pilotdb__sql_fail(db, src, "writing the CE counts");
        pilotdb__stmt_done(st);
        if (rc == PILOTDB_OK) {
            memset(d->count, 0, sizeof d->count);
            d->dirty = 0;
        }
    }
    if (rc == PILOTDB_OK)
        pilotdb__delta_clear(db);
    return rc;
}
