/*
 * txn.c - transactions: pilotdb_begin() and friends, and the enter/leave
 * pair every public call runs between.
 *
 * Every call is all-or-nothing: outside a caller's transaction it wraps
 * itself in BEGIN IMMEDIATE (a writer) or BEGIN (a reader) ... COMMIT;
 * inside one, each write is a single SQL statement, atomic by itself, and
 * a call that changes pilots inside a transaction opened with raw SQL
 * takes a savepoint, so that the counts it writes go with its change.
 */
#include <stdatomic.h>

#include "internal.h"

/*
 * Run the BEGIN statement id.  The ROLLBACK statement is prepared first:
 * once a transaction is open, ending it must not need memory, or an
 * out-of-memory error would leave it open.
 */
pilotdb_rc pilotdb__txn_begin(pilotdb *db, enum pilotdb__stmt id, const char *what)
{
    sqlite3_stmt *rollback;
    pilotdb_rc rc = pilotdb__stmt_get(db, ST_ROLLBACK, &rollback);

    if (rc == PILOTDB_OK && db->foreign_keys_off) {
        rc = pilotdb__stmt_run(db, ST_FOREIGN_KEYS_ON, "enabling foreign keys");
        db->foreign_keys_off = rc != PILOTDB_OK;
    }
    if (rc == PILOTDB_OK)
        rc = pilotdb__stmt_run(db, id, what);
    /* An interrupted BEGIN may have opened the transaction before failing. */
    if (rc != PILOTDB_OK && pilotdb_in_transaction(db))
        pilotdb__stmt_run_keeping_error(db, ST_ROLLBACK, "rolling back");
    return rc;
}

int pilotdb_in_transaction(pilotdb *db)
{
    return !sqlite3_get_autocommit(db->conn);
}

/* After commit or rollback, or when SQLite ended the transaction itself
 * (after NOMEM, IOERR or FULL). */
void pilotdb__batch_end(pilotdb *db)
{
    db->batch = 0;
    db->doomed = 0;
    db->clock_wall = 0;
    pilotdb__delta_clear(db);
    pilotdb__known_clear(db);
    db->created_n = 0;
}

/* *opened says whether pilotdb__txn_leave() must end it.  Static, so that
 * it inlines into change_enter() on the simulator's path. */
static pilotdb_rc txn_enter(pilotdb *db, int write, int *opened)
{
    pilotdb_rc rc;

    *opened = 0;
    if (pilotdb_in_transaction(db))
        return write || !db->batch ? PILOTDB_OK : pilotdb__delta_flush(db);
    pilotdb__batch_end(db);
    rc = pilotdb__txn_begin(db, write ? ST_BEGIN_WRITE : ST_BEGIN_READ,
                            "starting a transaction");
    if (rc == PILOTDB_OK)
        *opened = 1;
    return rc;
}

pilotdb_rc pilotdb__txn_enter(pilotdb *db, int write, int *opened)
{
    return txn_enter(db, write, opened);
}

/* End the savepoint of pilotdb__savepoint_begin() or change_enter(). */
static pilotdb_rc savepoint_end(pilotdb *db, pilotdb_rc rc)
{
    if (rc != PILOTDB_OK && pilotdb_in_transaction(db))
        pilotdb__stmt_run_keeping_error(db, ST_ROLLBACK_TO,
                                        "rolling back to the savepoint");
    if (pilotdb_in_transaction(db)) {
        pilotdb_rc rrc = pilotdb__stmt_run(db, ST_RELEASE, "releasing the savepoint");

        if (rc == PILOTDB_OK)
            rc = rrc;
    }
    return rc;
}

pilotdb_rc pilotdb__savepoint_begin(pilotdb *db, int *opened)
{
    sqlite3_stmt *st;
    pilotdb_rc rc;

    /* Everything that ends the savepoint is made first, so that running
     * out of memory cannot leave it open. */
    if ((rc = pilotdb__stmt_get(db, ST_ROLLBACK_TO, &st)) != PILOTDB_OK ||
        (rc = pilotdb__stmt_get(db, ST_RELEASE, &st)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__stmt_run(db, ST_SAVEPOINT, "starting a savepoint");
    if (rc == PILOTDB_OK)
        *opened = 2;
    return rc;
}

pilotdb_rc pilotdb__txn_leave(pilotdb *db, int opened, pilotdb_rc rc)
{
    if (!opened)
        return rc;
    if (opened == 2)
        return savepoint_end(db, rc);
    if (rc == PILOTDB_OK) {
        rc = pilotdb__stmt_run(db, ST_COMMIT, "committing");
        if (rc == PILOTDB_OK)
            return rc;
    }
    /* SQLite may have rolled back already (after NOMEM, IOERR, FULL). */
    if (pilotdb_in_transaction(db))
        pilotdb__stmt_run_keeping_error(db, ST_ROLLBACK, "rolling back");
    return rc;
}

/* pilotdb_begin() and pilotdb_begin_read(): a caller's transaction. */
static pilotdb_rc caller_begin(pilotdb *db, enum pilotdb__stmt id, const char *what)
{
    db->errmsg[0] = '\0';
    if (pilotdb_in_transaction(db))
        return pilotdb__fail(db, PILOTDB_EMISUSE, "a transaction is already open");
    pilotdb__batch_end(db);
    return pilotdb__txn_begin(db, id, what);
}

pilotdb_rc pilotdb_begin(pilotdb *db)
{
    pilotdb_rc rc = caller_begin(db, ST_BEGIN_WRITE, "starting a write transaction");

    db->batch = rc == PILOTDB_OK;
    return rc;
}

pilotdb_rc pilotdb_begin_read(pilotdb *db)
{
    pilotdb_rc rc = caller_begin(db, ST_BEGIN_READ, "starting a read transaction");

    /* BEGIN is deferred: read once so the snapshot is fixed from now. */
    if (rc == PILOTDB_OK) {
        rc = pilotdb__stmt_run(db, ST_SNAPSHOT, "starting a read transaction");
        if (rc != PILOTDB_OK && pilotdb_in_transaction(db))
            pilotdb__stmt_run(db, ST_ROLLBACK, "rolling back");
    }
    return rc;
}

/* SQLite's data version tells one handle's reads apart; the handle's
 * serial in the upper half tells the handles apart (a handle freed and
 * another allocated at its address start from the same data version). */
pilotdb_rc pilotdb_data_version(pilotdb *db, uint64_t *version)
{
    static _Atomic uint64_t serials;
    unsigned int data_version = 0;
    int src;

    *version = 0;
    if (!pilotdb_in_transaction(db))
        return pilotdb__fail(db, PILOTDB_EMISUSE, "data version: no transaction is open");
    src = sqlite3_file_control(db->conn, "main", SQLITE_FCNTL_DATA_VERSION, &data_version);
    if (src != SQLITE_OK)
        return pilotdb__sql_fail(db, src, "reading the data version");
    if (db->serial == 0)
        db->serial = atomic_fetch_add(&serials, 1) + 1;
    *version = db->serial << 32 | data_version;
    return PILOTDB_OK;
}

pilotdb_rc pilotdb_commit(pilotdb *db)
{
    pilotdb_rc rc;

    db->errmsg[0] = '\0';
    if (!pilotdb_in_transaction(db)) {
        pilotdb__batch_end(db);
        return pilotdb__fail(db, PILOTDB_EMISUSE, "commit: no transaction is open");
    }
    if (db->doomed) {
        pilotdb_rollback(db);
        return pilotdb__fail(db, PILOTDB_EMISUSE, "commit: a call in this transaction"
                             " could not undo its writes: it was rolled back instead");
    }
    rc = pilotdb__txn_leave(db, 1, pilotdb__delta_flush(db));
    pilotdb__batch_end(db);
    return rc;
}

pilotdb_rc pilotdb_rollback(pilotdb *db)
{
    pilotdb__batch_end(db);
    if (!pilotdb_in_transaction(db))
        return pilotdb__fail(db, PILOTDB_EMISUSE, "rollback: no transaction is open");
    return pilotdb__stmt_run(db, ST_ROLLBACK, "rolling back");
}

/* The savepoint inside a transaction that is neither the call's own nor
 * pilotdb_begin()'s makes the counts written at the end of the call go
 * with the change or not at all. */
pilotdb_rc pilotdb__change_enter(pilotdb *db, int *opened)
{
    pilotdb_rc rc = txn_enter(db, 1, opened);
    sqlite3_stmt *st;

    if (rc == PILOTDB_OK && !*opened && !db->batch) {
        /* The counts' statement is made before the savepoint opens too. */
        if ((rc = pilotdb__stmt_get(db, ST_CE_COUNT, &st)) != PILOTDB_OK)
            return rc;
        rc = pilotdb__savepoint_begin(db, opened);
    }
    return rc;
}

pilotdb_rc pilotdb__change_leave(pilotdb *db, int opened, pilotdb_rc rc)
{
    if (rc == PILOTDB_OK && !db->batch)
        rc = pilotdb__delta_flush(db);
    if (db->batch) {
        if (opened == 2)
            rc = savepoint_end(db, rc);
        if (!pilotdb_in_transaction(db))
            pilotdb__batch_end(db);
        return rc;
    }
    pilotdb__delta_clear(db);
    return pilotdb__txn_leave(db, opened, rc);
}
