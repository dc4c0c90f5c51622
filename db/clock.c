/*
 * clock.c - the handle's clock: the wall clock unless pilotdb_set_clock()
 * installs another (the simulator's virtual time), and the kind of clock
 * the database's times are on.
 */
#include <string.h>
#include <time.h>

#include "internal.h"

int64_t pilotdb__wall_clock(void *arg)
{
    struct timespec ts;

    (void)arg;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pilotdb_set_clock(pilotdb *db, pilotdb_clock_fn clock, void *arg)
{
    db->clock = clock ? clock : pilotdb__wall_clock;
    db->clock_arg = clock ? arg : NULL;
}

int64_t pilotdb_now(pilotdb *db)
{
    return db->clock(db->clock_arg);
}

/* ---- the database's clock kind (the meta row "clock") ------------------- */

static const char *const kind_names[] = {"unset", "wall", "sim"};

const char *pilotdb_clock_kind_name(int kind)
{
    return kind >= 0 && kind <= PILOTDB_CLOCK_SIM ? kind_names[kind] : NULL;
}

/* Read the kind in the current transaction. */
static pilotdb_rc kind_read(pilotdb *db, pilotdb_clock_type *kind)
{
    sqlite3_stmt *st;
    const unsigned char *text;
    pilotdb_rc rc = pilotdb__stmt_get(db, ST_META_GET, &st);
    int src;

    *kind = PILOTDB_CLOCK_UNSET;
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(st, 1, "clock", -1, SQLITE_STATIC);
    src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        text = sqlite3_column_text(st, 0);
        if (text && strcmp((const char *)text, "wall") == 0)
            *kind = PILOTDB_CLOCK_WALL;
        else if (text && strcmp((const char *)text, "sim") == 0)
            *kind = PILOTDB_CLOCK_SIM;
        else
            rc = pilotdb__fail(db, PILOTDB_EINCONSISTENT,
                               "the database's clock kind '%s' is unknown",
                               text ? (const char *)text : "");
    } else if (src != SQLITE_DONE) {
        rc = pilotdb__sql_fail(db, src, "reading the clock kind");
    }
    pilotdb__stmt_done(st);
    return rc;
}

pilotdb_rc pilotdb__clock_claim(pilotdb *db, pilotdb_clock_type kind)
{
    pilotdb_clock_type have;
    sqlite3_stmt *st;
    pilotdb_rc rc;
    int src;

    if (kind == PILOTDB_CLOCK_WALL && db->clock_wall)
        return PILOTDB_OK;
    if ((rc = kind_read(db, &have)) != PILOTDB_OK)
        return rc;
    if (have == kind) {
        /* Read from the database: it holds until the transaction ends. */
        db->clock_wall = kind == PILOTDB_CLOCK_WALL;
        return PILOTDB_OK;
    }
    if (have == PILOTDB_CLOCK_SIM)
        return pilotdb__fail(db, PILOTDB_ECLOCK,
                             "this database holds a simulation on a virtual clock;"
                             " ingest needs a wall-clock database");
    if (have == PILOTDB_CLOCK_WALL)
        return pilotdb__fail(db, PILOTDB_ECLOCK,
                             "this database holds wall-clock times (real data);"
                             " a simulation needs a database of its own");
    if ((rc = pilotdb__stmt_get(db, ST_META_SET, &st)) != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(st, 1, "clock", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind_names[kind], -1, SQLITE_STATIC);
    src = sqlite3_step(st);
    pilotdb__stmt_done(st);
    return src == SQLITE_DONE ? PILOTDB_OK
                              : pilotdb__sql_fail(db, src, "setting the clock kind");
}

pilotdb_rc pilotdb_clock_claim(pilotdb *db, pilotdb_clock_type kind)
{
    struct pilotdb__call call;
    pilotdb_rc rc;

    if (kind != PILOTDB_CLOCK_WALL && kind != PILOTDB_CLOCK_SIM)
        return pilotdb__fail(db, PILOTDB_EINVAL,
                             "clock kind %d is neither wall nor sim", (int)kind);
    rc = pilotdb__enter(db, PILOTDB__WRITE, ST_NONE, &call);
    if (rc != PILOTDB_OK)
        return rc;
    return pilotdb__leave(db, &call, pilotdb__clock_claim(db, kind));
}

pilotdb_rc pilotdb_clock_kind(pilotdb *db, pilotdb_clock_type *kind)
{
    struct pilotdb__call call;
    pilotdb_rc rc;

    *kind = PILOTDB_CLOCK_UNSET;
    rc = pilotdb__enter(db, PILOTDB__READ, ST_NONE, &call);
    if (rc != PILOTDB_OK)
        return rc;
    rc = pilotdb__leave(db, &call, kind_read(db, kind));
    if (rc != PILOTDB_OK)
        *kind = PILOTDB_CLOCK_UNSET;
    return rc;
}
