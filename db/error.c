/*
 * error.c - result codes and messages: the handle's error message, SQLite's
 * codes mapped to pilotdb_rc, and which of the database or the disk is full.
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

pilotdb_rc pilotdb__vfail(pilotdb *db, pilotdb_rc rc, const char *fmt, va_list ap)
{
    vsnprintf(db->errmsg, sizeof db->errmsg, fmt, ap);
    return rc;
}

pilotdb_rc pilotdb__fail(pilotdb *db, pilotdb_rc rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pilotdb__vfail(db, rc, fmt, ap);
    va_end(ap);
    return rc;
}

pilotdb_rc pilotdb__rc_from_sqlite(int src)
{
    switch (src & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return PILOTDB_OK;
    case SQLITE_NOMEM:
        return PILOTDB_ENOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return PILOTDB_EBUSY;
    case SQLITE_READONLY:
        return PILOTDB_EREADONLY;
    case SQLITE_FULL:
        return PILOTDB_EDISKFULL;
    case SQLITE_IOERR:
        return PILOTDB_EIO;
    case SQLITE_CORRUPT:
        return PILOTDB_ECORRUPT;
    case SQLITE_NOTADB:
        return PILOTDB_ENOTDB;
    case SQLITE_CANTOPEN:
        return PILOTDB_ECANTOPEN;
    case SQLITE_MISUSE:
        return PILOTDB_EMISUSE;
    default:
        return PILOTDB_ESQL;
    }
}

/* One integer from a pragma that returns one, or -1. */
static int64_t pragma_int(sqlite3 *conn, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;

    if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/*
 * Say which is full after SQLITE_FULL: the database, when a page limit
 * below SQLite's own (1073741823 pages up to 3.44) was set with PRAGMA
 * max_page_count, else the disk.
 */
static pilotdb_rc full_fail(pilotdb *db, const char *what)
{
    int64_t limit = db->conn ? pragma_int(db->conn, "PRAGMA max_page_count") : -1;

    if (limit > 0 && limit < 1073741823)
        return pilotdb__fail(db, PILOTDB_EDISKFULL,
                             "%s: the database is full: it may hold at most %lld pages"
                             " (PRAGMA max_page_count) and has %lld", what,
                             (long long)limit,
                             (long long)pragma_int(db->conn, "PRAGMA page_count"));
    return pilotdb__fail(db, PILOTDB_EDISKFULL,
                         "%s: the disk is full (no room to write the database)", what);
}

/* Record a SQLite failure src during what. */
pilotdb_rc pilotdb__sql_fail(pilotdb *db, int src, const char *what)
{
    const char *msg = sqlite3_errstr(src);

    if ((src & 0xff) == SQLITE_FULL)
        return full_fail(db, what);
    /* The connection's message is more precise when it is about src. */
    if (db->conn && sqlite3_extended_errcode(db->conn) == src)
        msg = sqlite3_errmsg(db->conn);
    return pilotdb__fail(db, pilotdb__rc_from_sqlite(src), "%s: %s", what, msg);
}

const char *pilotdb_rc_str(pilotdb_rc rc)
{
    switch (rc) {
    case PILOTDB_OK: return "ok";
    case PILOTDB_EINVAL: return "invalid argument";
    case PILOTDB_ENOTFOUND: return "not found";
    case PILOTDB_EEXISTS: return "already exists";
    case PILOTDB_EDISABLED: return "CE disabled";
    case PILOTDB_EFULL: return "CE full";
    case PILOTDB_ETRANSITION: return "illegal status change";
    case PILOTDB_ENOTDB: return "not a pilotdeck database";
    case PILOTDB_ESCHEMA: return "unsupported schema version";
    case PILOTDB_EINCONSISTENT: return "database inconsistent";
    case PILOTDB_ENOMEM: return "out of memory";
    case PILOTDB_EBUSY: return "database busy";
    case PILOTDB_EREADONLY: return "database is read-only";
    case PILOTDB_EDISKFULL: return "database or disk is full";
    case PILOTDB_EIO: return "I/O error";
    case PILOTDB_ECORRUPT: return "database file is corrupt";
    case PILOTDB_EMISUSE: return "misuse";
    case PILOTDB_ECANTOPEN: return "cannot open database";
    case PILOTDB_ESQL: return "SQL error";
    case PILOTDB_ECLOCK: return "database on another kind of clock";
    }
    return "unknown error";
}

const char *pilotdb_errmsg(const pilotdb *db)
{
    return db ? db->errmsg : "out of memory";
}

void pilotdb_free(void *p)
{
    sqlite3_free(p);
}
