/*
 * args.c - checks of the arguments a caller passes in (CE names, capacities,
 * success rates), made before a call touches the database, with a message
 * that says what is wrong and where.
 */
#include <string.h>

#include "internal.h"

/* Length of a valid UTF-8 sequence starting at s, or 0. */
static size_t utf8_seq(const unsigned char *s)
{
    size_t n;
    unsigned cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, cp = s[0] & 0x1fu;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, cp = s[0] & 0x0fu;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, cp = s[0] & 0x07u;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

pilotdb_rc pilotdb__check_text(pilotdb *db, const char *what, const char *text,
                               size_t max, int may_be_null)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t len, n;

    if (!text && may_be_null)
        return PILOTDB_OK;
    if (!text || !*text)
        return pilotdb__fail(db, PILOTDB_EINVAL, "%s is empty", what);
    len = strlen(text);
    if (len > max)
        return pilotdb__fail(db, PILOTDB_EINVAL,
                             "%s is %zu bytes long; the limit is %zu", what, len, max);
    for (size_t i = 0; i < len; i += n) {
        /* C0, DEL and C1 (U+0080..U+009F: some terminals read them as
         * escapes, U+009B as CSI) */
        if (s[i] < 0x20 || s[i] == 0x7f || (s[i] == 0xc2 && s[i + 1] >= 0x80 &&
                                            s[i + 1] <= 0x9f))
            return pilotdb__fail(db, PILOTDB_EINVAL,
                                 "%s has a control character at byte %zu", what, i + 1);
        n = utf8_seq(s + i);
        if (n == 0)
            return pilotdb__fail(db, PILOTDB_EINVAL,
                                 "%s is not valid UTF-8 at byte %zu", what, i + 1);
    }
    return PILOTDB_OK;
}

pilotdb_rc pilotdb__check_name(pilotdb *db, const char *name)
{
    return pilotdb__check_text(db, "CE name", name, PILOTDB_NAME_MAX, 0);
}

pilotdb_rc pilotdb__check_capacity(pilotdb *db, int64_t capacity)
{
    if (capacity < 0)
        return pilotdb__fail(db, PILOTDB_EINVAL,
                             "capacity %lld is negative; it must be 0 or more",
                             (long long)capacity);
    return PILOTDB_OK;
}

pilotdb_rc pilotdb__check_success_rate(pilotdb *db, double rate)
{
    /* Written so that NaN fails too. */
    if (!(rate >= 0.0 && rate <= 1.0))
        return pilotdb__fail(db, PILOTDB_EINVAL,
                             "success rate %g is outside [0, 1]", rate);
    return PILOTDB_OK;
}
