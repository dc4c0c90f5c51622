/*
 * schema.c - what a file is and bringing it to the current schema: the
 * header checks (application id, schema version), creating the schema in
 * a new database, and running the migrations of schema.h an older one
 * lacks, in one transaction.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "schema.h"

#define NMIGRATIONS (sizeof pilotdb_migrations / sizeof pilotdb_migrations[0])

/* Read one integer from a query returning one row. */
static pilotdb_rc query_int(pilotdb *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int src;

    *out = 0;
    src = sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            src = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    if (src == SQLITE_DONE)
        src = SQLITE_OK;
    return src == SQLITE_OK ? PILOTDB_OK
                            : pilotdb__sql_fail(db, src, "reading the database header");
}

struct header {
    int64_t application_id;
    int64_t user_version;
    int64_t objects;
};

static pilotdb_rc read_header(pilotdb *db, struct header *h)
{
    pilotdb_rc rc;

    memset(h, 0, sizeof *h);
    rc = query_int(db, "PRAGMA application_id", &h->application_id);
    if (rc == PILOTDB_OK)
        rc = query_int(db, "PRAGMA user_version", &h->user_version);
    /* Only an unmarked file needs its schema read (and parsed) to tell an
     * empty database from someone else's. */
    if (rc == PILOTDB_OK && h->application_id == 0)
        rc = query_int(db, "SELECT count(*) FROM sqlite_schema", &h->objects);
    if (rc == PILOTDB_ENOTDB)
        rc = pilotdb__fail(db, PILOTDB_ENOTDB,
                           "not a pilotdeck database (not an SQLite file)");
    return rc;
}

/* The migration's own transaction (see migrate()). */
static pilotdb_rc migrate_in_transaction(pilotdb *db)
{
    struct header h;
    pilotdb_rc rc;
    char sql[64];

    rc = pilotdb__txn_begin(db, ST_BEGIN_WRITE, "starting the schema migration");
    if (rc != PILOTDB_OK)
        return rc;
    /* Re-read inside the transaction: another process may have won. */
    rc = read_header(db, &h);
    if (rc == PILOTDB_OK && h.user_version == 0)
        rc = pilotdb__exec_sql(db, PILOTDB_SCHEMA_CURRENT, "creating the schema");
    for (size_t i = 0; rc == PILOTDB_OK && h.user_version > 0 && i < NMIGRATIONS;
         i++) {
        if (pilotdb_migrations[i].version <= h.user_version)
            continue;
        rc = pilotdb__exec_sql(db, pilotdb_migrations[i].sql, "migrating the schema");
    }
    if (rc == PILOTDB_OK) {
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d;",
                 PILOTDB_APPLICATION_ID);
        rc = pilotdb__exec_sql(db, sql, "marking the database");
    }
    if (rc == PILOTDB_OK) {
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d;",
                 PILOTDB_SCHEMA_VERSION);
        rc = pilotdb__exec_sql(db, sql, "marking the schema version");
    }
    return pilotdb__txn_leave(db, 1, rc);
}

/* Bring the schema up to PILOTDB_SCHEMA_VERSION in one write transaction. */
static pilotdb_rc migrate(pilotdb *db, int64_t from_version)
{
    sqlite3_stmt *st;
    pilotdb_rc rc;

    if (from_version == 0)
        return migrate_in_transaction(db);
    /* A migration rebuilds tables; a pilot whose CE was deleted behind the
     * layer's back must not stop it (pilotdb_check() reports it).  The
     * pragma has no effect inside a transaction, hence out here; both are
     * made first, so that turning the checks back on needs no memory. */
    if ((rc = pilotdb__stmt_get(db, ST_FOREIGN_KEYS_ON, &st)) != PILOTDB_OK ||
        (rc = pilotdb__stmt_get(db, ST_FOREIGN_KEYS_OFF, &st)) != PILOTDB_OK ||
        (rc = pilotdb__stmt_run(db, ST_FOREIGN_KEYS_OFF,
                                "migrating the schema")) != PILOTDB_OK)
        return rc;
    rc = migrate_in_transaction(db);
    /* After a schema change the statement is made again, which needs
     * memory; if that fails the migration stands, and the next transaction
     * turns the checks on before it begins (pilotdb__txn_begin()). */
    if (pilotdb__stmt_run(db, ST_FOREIGN_KEYS_ON,
                          "enabling foreign keys") != PILOTDB_OK) {
        db->foreign_keys_off = 1;
        if (rc == PILOTDB_OK)
            db->errmsg[0] = '\0';
    }
    return rc;
}

/* Whether a database at schema version from reads as the current one:
 * every migration it lacks adds indexes only. */
static int readable_as_current(int64_t from)
{
    for (size_t i = 0; i < NMIGRATIONS; i++)
        if (pilotdb_migrations[i].version > from && !pilotdb_migrations[i].indexes_only)
            return 0;
    return 1;
}

/* The decisions are made before anything is written. */
pilotdb_rc pilotdb__schema_prepare(pilotdb *db, int may_create, int is_file)
{
    struct header h;
    pilotdb_rc rc;
    int readonly = (db->flags & PILOTDB_OPEN_READONLY) != 0;

    rc = read_header(db, &h);
    if ((rc == PILOTDB_EREADONLY || rc == PILOTDB_ECANTOPEN) && readonly && is_file)
        return pilotdb__fail(db, rc,
                             "cannot read it read-only: a WAL database needs its -shm"
                             " file beside it, and that file cannot be created here"
                             " (is the directory writable?)");
    if (rc != PILOTDB_OK)
        return rc;
    if (h.application_id == 0 && h.user_version == 0 && h.objects == 0) {
        if (!may_create)
            return pilotdb__fail(db, PILOTDB_ENOTDB, "empty database, not"
                                 " initialized as a pilotdeck database");
        if (readonly)
            return pilotdb__fail(db, PILOTDB_EREADONLY,
                                 "empty database cannot be initialized read-only");
    } else if (h.application_id != PILOTDB_APPLICATION_ID) {
        return pilotdb__fail(db, PILOTDB_ENOTDB,
                             "not a pilotdeck database (application id 0x%08llx,"
                             " %lld schema objects)",
                             (unsigned long long)(uint32_t)h.application_id,
                             (long long)h.objects);
    } else if (h.user_version > PILOTDB_SCHEMA_VERSION) {
        return pilotdb__fail(db, PILOTDB_ESCHEMA,
                             "schema version %lld is newer than this pilotdeck supports"
                             " (%d): use a newer pilotdeck",
                             (long long)h.user_version, PILOTDB_SCHEMA_VERSION);
    } else if (h.user_version < 1) {
        return pilotdb__fail(db, PILOTDB_ESCHEMA,
                             "pilotdeck database with no schema version");
    } else if (h.user_version < PILOTDB_SCHEMA_VERSION && readonly &&
               !readable_as_current(h.user_version)) {
        return pilotdb__fail(db, PILOTDB_ESCHEMA,
                             "schema version %lld needs migrating to %d: open it once"
                             " read-write", (long long)h.user_version,
                             PILOTDB_SCHEMA_VERSION);
    }
    if (!readonly && is_file) {
        rc = pilotdb__exec_sql(db, "PRAGMA journal_mode = WAL", "switching to WAL");
        if (rc == PILOTDB_OK)
            rc = pilotdb__exec_sql(db, "PRAGMA synchronous = NORMAL",
                                   "setting synchronous mode");
        if (rc != PILOTDB_OK)
            return rc;
    }
    if (h.user_version < PILOTDB_SCHEMA_VERSION && !readonly)
        rc = migrate(db, h.user_version);
    return rc;
}
