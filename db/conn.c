/*
 * conn.c - connections: opening a file, a ":memory:" database or an image,
 * the settings and hooks every connection gets (busy waits, WAL
 * checkpoints, what a rollback or a raw COMMIT does to the gathered
 * counts), serializing, and closing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "internal.h"

#define BUSY_TIMEOUT_MS 5000
/* WAL checkpoints (see wal_hook()): a passive one after a commit once the
 * WAL holds this many frames, as SQLite does by default ... */
#define WAL_CHECKPOINT_FRAMES 1000
/* ... and, once it holds this many (about 8 MiB), one that waits up to
 * WAL_RESTART_WAIT_MS for readers to leave older snapshots, so that the
 * next write starts the WAL again from its beginning. */
#define WAL_RESTART_FRAMES 2000
#define WAL_RESTART_WAIT_MS 200

static pilotdb_rc handle_new(unsigned flags, pilotdb **out)
{
    pilotdb *db = sqlite3_malloc64(sizeof *db);

    *out = NULL;
    if (!db)
        return PILOTDB_ENOMEM;
    memset(db, 0, sizeof *db);
    db->flags = flags;
    db->clock = pilotdb__wall_clock;
    memcpy(db->actor, "api", 4);
    *out = db;
    return PILOTDB_OK;
}

/*
 * Called by SQLite after each commit in WAL mode, with the number of frames
 * in the WAL.  SQLite's own hook only runs passive checkpoints, which never
 * catch up while readers follow one another without a pause (each holds a
 * snapshot older than the last commit), so the WAL would grow without bound
 * under a few busy dashboards.  Past WAL_RESTART_FRAMES a RESTART checkpoint
 * waits, briefly, for the readers to move to the newest snapshot.  The
 * commit has happened: a checkpoint that cannot finish is retried at the
 * next commit, never reported.  (PRAGMA wal_autocheckpoint replaces this
 * hook with SQLite's.)
 */
static int wal_hook(void *arg, sqlite3 *conn, const char *schema, int frames)
{
    pilotdb *db = arg;

    if (frames >= WAL_RESTART_FRAMES) {
        db->busy_limit_ms = WAL_RESTART_WAIT_MS;
        (void)sqlite3_wal_checkpoint_v2(conn, schema, SQLITE_CHECKPOINT_RESTART,
                                        NULL, NULL);
        db->busy_limit_ms = BUSY_TIMEOUT_MS;
    } else if (frames >= WAL_CHECKPOINT_FRAMES) {
        (void)sqlite3_wal_checkpoint_v2(conn, schema, SQLITE_CHECKPOINT_PASSIVE,
                                        NULL, NULL);
    }
    return SQLITE_OK;
}

/*
 * Called by SQLite while another connection holds a lock this one needs:
 * try again every millisecond until busy_limit_ms have passed.  SQLite's
 * own handler sleeps up to 100 ms between tries, so a writer that takes the
 * lock again soon after each commit (the simulator) could keep another (the
 * dashboard's toggle) waiting for seconds; a short gap between two of its
 * transactions is enough here.
 */
static int busy_wait(void *arg, int tries)
{
    pilotdb *db = arg;
    const struct timespec pause = {0, 1000000};
    struct timespec ts;
    int64_t now;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (tries == 0)
        db->busy_since = now;
    else if (now - db->busy_since >= db->busy_limit_ms)
        return 0;
    nanosleep(&pause, NULL);
    return 1;
}

/* Called by SQLite whenever a transaction rolls back, its own rollbacks
 * after NOMEM, IOERR or FULL included: what a pilotdb_begin() transaction
 * gathered goes with it. */
static void rollback_hook(void *arg)
{
    pilotdb__batch_end(arg);
}

/* Called by SQLite before a commit: a commit with counts not yet written
 * (raw COMMIT on the connection inside pilotdb_begin()) becomes a rollback,
 * or the counts would disagree with the pilot rows. */
static int commit_hook(void *arg)
{
    pilotdb *db = arg;

    return db->batch && db->delta_pending;
}

/* Settings every connection gets, before anything is read. */
static pilotdb_rc configure(pilotdb *db)
{
    sqlite3_extended_result_codes(db->conn, 1);
    sqlite3_rollback_hook(db->conn, rollback_hook, db);
    sqlite3_commit_hook(db->conn, commit_hook, db);
    db->busy_limit_ms = BUSY_TIMEOUT_MS;
    sqlite3_busy_handler(db->conn, busy_wait, db);
    sqlite3_wal_hook(db->conn, wal_hook, db);
    return pilotdb__exec_sql(db, "PRAGMA foreign_keys = ON", "enabling foreign keys");
}

/* Copy the handle's message out and close it, for a failed open. */
static pilotdb_rc open_failed(pilotdb *db, pilotdb_rc rc, char *errbuf,
                              size_t errbuf_size)
{
    if (errbuf && errbuf_size) {
        snprintf(errbuf, errbuf_size, "%s",
                 db ? db->errmsg : pilotdb_rc_str(rc));
        if (!errbuf[0])
            snprintf(errbuf, errbuf_size, "%s", pilotdb_rc_str(rc));
    }
    pilotdb_close(db);
    return rc;
}

pilotdb_rc pilotdb_set_cache(pilotdb *db, int64_t kib)
{
    char sql[64];

    db->errmsg[0] = '\0';
    if (kib < 1 || kib > (INT64_C(1) << 30))
        return pilotdb__fail(db, PILOTDB_EINVAL,
                             "a page cache of %lld KiB is out of range "
                             "(1 KiB to 1 TiB)", (long long)kib);
    snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", -(long long)kib);
    return pilotdb__exec_sql(db, sql, "setting the page cache");
}

pilotdb_rc pilotdb_setup_process(void)
{
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK
               ? PILOTDB_OK
               : PILOTDB_EMISUSE;
}

pilotdb_rc pilotdb_open(const char *path, unsigned flags, pilotdb **out,
                        char *errbuf, size_t errbuf_size)
{
    pilotdb *db = NULL;
    pilotdb_rc rc;
    int is_memory, src, oflags;
    struct stat sb;

    *out = NULL;
    if (errbuf && errbuf_size)
        errbuf[0] = '\0';
    rc = handle_new(flags, &db);
    if (rc != PILOTDB_OK)
        return open_failed(NULL, rc, errbuf, errbuf_size);
    if (!path || !*path) {
        rc = pilotdb__fail(db, PILOTDB_EINVAL, "no database path given");
        return open_failed(db, rc, errbuf, errbuf_size);
    }
    is_memory = strcmp(path, ":memory:") == 0;
    if ((flags & PILOTDB_OPEN_SCRATCH) && !is_memory) {
        rc = pilotdb__fail(db, PILOTDB_EINVAL,
                           "only a :memory: database can be a scratch one");
        return open_failed(db, rc, errbuf, errbuf_size);
    }
    if (!is_memory) {
        int found = stat(path, &sb) == 0;
        if (found && S_ISDIR(sb.st_mode)) {
            rc = pilotdb__fail(db, PILOTDB_ECANTOPEN, "is a directory");
            return open_failed(db, rc, errbuf, errbuf_size);
        }
        if (!found && !(flags & PILOTDB_OPEN_CREATE)) {
            rc = pilotdb__fail(db, PILOTDB_ECANTOPEN, "%s", strerror(errno));
            return open_failed(db, rc, errbuf, errbuf_size);
        }
    }
    if (flags & PILOTDB_OPEN_READONLY)
        oflags = SQLITE_OPEN_READONLY;
    else if (flags & PILOTDB_OPEN_CREATE)
        oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    else
        oflags = SQLITE_OPEN_READWRITE;
    src = sqlite3_open_v2(path, &db->conn, oflags | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        rc = pilotdb__sql_fail(db, src, "opening");
        return open_failed(db, rc, errbuf, errbuf_size);
    }
    rc = configure(db);
    if (rc == PILOTDB_OK)
        rc = pilotdb__schema_prepare(db, is_memory || (flags & PILOTDB_OPEN_CREATE),
                                     !is_memory);
    if (rc == PILOTDB_OK && (flags & PILOTDB_OPEN_SCRATCH))
        rc = pilotdb__exec_sql(db, "PRAGMA journal_mode = OFF",
                               "turning the journal off");
    if (rc != PILOTDB_OK)
        return open_failed(db, rc, errbuf, errbuf_size);
    *out = db;
    return PILOTDB_OK;
}

pilotdb_rc pilotdb_open_image(const unsigned char *image, size_t size,
                              pilotdb **out, char *errbuf, size_t errbuf_size)
{
    pilotdb *db = NULL;
    unsigned char *copy;
    pilotdb_rc rc;
    int src;

    *out = NULL;
    if (errbuf && errbuf_size)
        errbuf[0] = '\0';
    rc = handle_new(0, &db);
    if (rc != PILOTDB_OK)
        return open_failed(NULL, rc, errbuf, errbuf_size);
    if (!image || size == 0) {
        rc = pilotdb__fail(db, PILOTDB_EINVAL, "empty database image");
        return open_failed(db, rc, errbuf, errbuf_size);
    }
    src = sqlite3_open_v2(":memory:", &db->conn,
                          SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        rc = pilotdb__sql_fail(db, src, "opening an in-memory database");
        return open_failed(db, rc, errbuf, errbuf_size);
    }
    copy = sqlite3_malloc64(size);
    if (!copy) {
        rc = pilotdb__fail(db, PILOTDB_ENOMEM,
                           "copying a database image: out of memory");
        return open_failed(db, rc, errbuf, errbuf_size);
    }
    memcpy(copy, image, size);
    /* FREEONCLOSE: SQLite owns copy from here on, even when this fails. */
    src = sqlite3_deserialize(db->conn, "main", copy, (sqlite3_int64)size,
                              (sqlite3_int64)size,
                              SQLITE_DESERIALIZE_FREEONCLOSE |
                                  SQLITE_DESERIALIZE_RESIZEABLE);
    /* sqlite3_deserialize() says SQLITE_ERROR for any failure of the
     * ATTACH it runs; the connection knows when that was out of memory. */
    if (src == SQLITE_ERROR && sqlite3_errcode(db->conn) == SQLITE_NOMEM)
        src = SQLITE_NOMEM;
    if (src != SQLITE_OK) {
        rc = pilotdb__sql_fail(db, src, "loading a database image");
        return open_failed(db, rc, errbuf, errbuf_size);
    }
    rc = configure(db);
    if (rc == PILOTDB_OK)
        rc = pilotdb__schema_prepare(db, 0, 0);
    if (rc != PILOTDB_OK)
        return open_failed(db, rc, errbuf, errbuf_size);
    *out = db;
    return PILOTDB_OK;
}

pilotdb_rc pilotdb_serialize(pilotdb *db, unsigned char **image, size_t *size)
{
    sqlite3_int64 len = 0;
    pilotdb_rc rc;

    db->errmsg[0] = '\0';
    *image = NULL;
    *size = 0;
    if (pilotdb_in_transaction(db) && (rc = pilotdb__delta_flush(db)) != PILOTDB_OK)
        return rc;
    *image = sqlite3_serialize(db->conn, "main", &len, 0);
    if (!*image)
        return pilotdb__fail(db, PILOTDB_ENOMEM,
                             "serializing the database: out of memory");
    *size = (size_t)len;
    return PILOTDB_OK;
}

pilotdb_rc pilotdb_close(pilotdb *db)
{
    pilotdb_rc rc = PILOTDB_OK;
    int src;

    if (!db)
        return PILOTDB_OK;
    if (db->conn && pilotdb_in_transaction(db)) {
        rc = PILOTDB_EMISUSE;
        pilotdb__stmt_run(db, ST_ROLLBACK, "rolling back on close");
    }
    sqlite3_free(db->delta);
    pilotdb__known_clear(db);
    sqlite3_free(db->known);
    sqlite3_free(db->created);
    sqlite3_free(db->ce_order);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(db->stmt[i]);
    src = sqlite3_close(db->conn);
    if (src != SQLITE_OK && rc == PILOTDB_OK)
        rc = pilotdb__rc_from_sqlite(src);
    sqlite3_free(db);
    return rc;
}

sqlite3 *pilotdb_sqlite(pilotdb *db)
{
    return db->conn;
}
