/*
 * position.c - where a reader of a growing input stopped, saved in the meta
 * table ("position:" and the key) as "DEV INO OFFSET LINE FORMAT", in the
 * writer's transaction: ingest --follow commits each batch together with
 * the position after it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define KEY_PREFIX "position:"
#define KEY_MAX 4095 /* a path */

static pilotdb_rc make_key(pilotdb *db, const char *key, char *out, size_t size)
{
    pilotdb_rc rc = pilotdb__check_text(db, "position key", key, KEY_MAX, 0);

    if (rc == PILOTDB_OK)
        snprintf(out, size, KEY_PREFIX "%s", key);
    return rc;
}

static int format_ok(const char *format)
{
    size_t len = strnlen(format, sizeof ((pilotdb_position *)0)->format);

    return len < sizeof ((pilotdb_position *)0)->format &&
           strspn(format, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

pilotdb_rc pilotdb_position_get(pilotdb *db, const char *key, pilotdb_position *pos)
{
    char full[sizeof KEY_PREFIX + KEY_MAX], format[16] = "";
    struct pilotdb__call call;
    const unsigned char *text;
    pilotdb_rc rc;
    int n = 0;

    memset(pos, 0, sizeof *pos);
    if ((rc = make_key(db, key, full, sizeof full)) != PILOTDB_OK)
        return rc;
    rc = pilotdb__enter(db, PILOTDB__READ, ST_META_GET, &call);
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(call.st, 1, full, -1, SQLITE_STATIC);
    rc = pilotdb__step_row(db, call.st, "reading a saved position",
                           "no position saved for '%s'", key);
    if (rc == PILOTDB_OK) {
        text = sqlite3_column_text(call.st, 0);
        if (!text || sscanf((const char *)text, "%" SCNu64 " %" SCNu64 " %" SCNd64 " %" SCNd64
                            " %15s%n", &pos->dev, &pos->ino, &pos->offset, &pos->line,
                            format, &n) != 5 ||
            text[n] != '\0' || pos->offset < 0 || pos->line < 0 || !format_ok(format)) {
            memset(pos, 0, sizeof *pos);
            rc = pilotdb__fail(db, PILOTDB_EINCONSISTENT,
                               "the position saved for '%s' is damaged", key);
        } else if (strcmp(format, "-") != 0) {
            memcpy(pos->format, format, sizeof pos->format);
        }
    }
    return pilotdb__leave(db, &call, rc);
}

pilotdb_rc pilotdb_position_set(pilotdb *db, const char *key, const pilotdb_position *pos)
{
    char full[sizeof KEY_PREFIX + KEY_MAX], value[128];
    struct pilotdb__call call;
    pilotdb_rc rc;
    int src;

    if ((rc = make_key(db, key, full, sizeof full)) != PILOTDB_OK)
        return rc;
    if (pos->offset < 0 || pos->line < 0 || !format_ok(pos->format))
        return pilotdb__fail(db, PILOTDB_EINVAL,
                             "a position needs an offset and line >= 0 and a format word"
                             " of a-z, 0-9, _ and -");
    snprintf(value, sizeof value, "%" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 " %s",
             pos->dev, pos->ino, pos->offset, pos->line,
             pos->format[0] ? pos->format : "-");
    rc = pilotdb__enter(db, PILOTDB__WRITE, ST_META_PUT, &call);
    if (rc != PILOTDB_OK)
        return rc;
    sqlite3_bind_text(call.st, 1, full, -1, SQLITE_STATIC);
    sqlite3_bind_text(call.st, 2, value, -1, SQLITE_TRANSIENT);
    src = sqlite3_step(call.st);
    if (src != SQLITE_DONE)
        rc = pilotdb__sql_fail(db, src, "saving a position");
    return pilotdb__leave(db, &call, rc);
}
