/*
 * store.h - where the engine keeps its CEs and the states of its pilots
 * (private to libpilotsim): a small struct of function pointers with two
 * implementations, the pilot database (store_sqlite.c, a thin adapter over
 * pilotdb) and a store in memory (store_memory.c) that keeps only what the
 * engine and its reports read: each CE's configuration and its count of
 * pilots in each status.
 *
 * Both follow pilotdb's contract for what they keep: the same refusals in
 * the same order (pilotdb_pilot_submit(): unknown, disabled, full;
 * pilotdb_pilot_move(): unknown pilot, another CE, not in that status or a
 * move the state machine forbids), the same pilotdb_rc codes, and a call
 * that fails changes nothing.  The memory store has no pilot rows: it
 * knows a pilot id was handed out and that its CE has a pilot in status
 * from, not which pilot it is; tests/test_store.c runs the contract on
 * both.  A store is used by one thread at a time.
 */
#ifndef PILOTSIM_STORE_H
#define PILOTSIM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "pilotdb.h"

/* One CE as the director reads it every cycle. */
struct sim_store_ce {
    const char *name;                /* owned by the store */
    int64_t id;
    int64_t capacity;
    double success_rate;
    int enabled;
    int64_t count[PILOT_NSTATUS];    /* its pilots in each status, all writers */
    int64_t available;               /* enabled ? max(0, capacity - active) : 0 */
};

struct sim_store;

struct sim_store_ops {
    const char *name; /* "sqlite", "memory" */
    /* Take the store for a simulation: times come from clock(arg), changes
     * are the simulator's, and the store's times are claimed as virtual.
     * Opens the transaction that adds the CEs; on failure none is open and
     * errmsg() says why. */
    pilotdb_rc (*start)(struct sim_store *st, pilotdb_clock_fn clock, void *arg);
    /* Transactions, as pilotdb_begin(), _commit(), _rollback(),
     * _in_transaction().  Outside one, each call is its own. */
    pilotdb_rc (*begin)(struct sim_store *st);
    pilotdb_rc (*commit)(struct sim_store *st);
    pilotdb_rc (*rollback)(struct sim_store *st);
    int (*in_transaction)(struct sim_store *st);
    /* pilotdb_ce_add(): EINVAL for a bad name, capacity or rate, EEXISTS. */
    pilotdb_rc (*ce_add)(struct sim_store *st, const char *name, int64_t capacity,
                         double success_rate, int enabled, int64_t *id);
    /* Every CE in name (byte) order: *list is owned by the store, valid
     * until its next call. */
    pilotdb_rc (*ce_list)(struct sim_store *st, const struct sim_store_ce **list,
                          size_t *n);
    /* pilotdb_ce_update() of the CE of that id and name. */
    pilotdb_rc (*ce_update)(struct sim_store *st, int64_t ce_id, const char *name,
                            const pilotdb_ce_change *upd);
    /* pilotdb_pilot_submit() to the CE of that id and name; the capacity
     * rule counts SUBMITTED and RUNNING pilots. */
    pilotdb_rc (*submit)(struct sim_store *st, int64_t ce_id, const char *name,
                         int64_t *pilot_id);
    /* pilotdb_pilot_move(). */
    pilotdb_rc (*move)(struct sim_store *st, int64_t pilot_id, int64_t ce_id,
                       pilot_status from, pilot_status to);
    /* Why the last call failed ("" if none); owned by the store. */
    const char *(*errmsg)(struct sim_store *st);
    /* Give the wall clock back and free the store (not the database an
     * adapter works on).  NULL is a no-op. */
    void (*free)(struct sim_store *st);
};

struct sim_store {
    const struct sim_store_ops *ops;
};

/* A store over db (owned by the caller, which must outlive the store), or
 * NULL when out of memory. */
struct sim_store *sim_store_sqlite_new(pilotdb *db);

/* An empty store in memory, or NULL when out of memory. */
struct sim_store *sim_store_memory_new(void);

/* Free st through its ops.  NULL is a no-op. */
static inline void sim_store_free(struct sim_store *st)
{
    if (st)
        st->ops->free(st);
}

#endif
