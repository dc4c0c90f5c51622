/*
 * args.c - checks of the arguments a caller passes in (CE names, capacities,
 * success rates), made before a call touches the database, with a message
 * that says what is wrong and where.
 */
#include <string.h>

#include "internal.h"

pilotdb_rc pilotdb__check_text(pilotdb *db, const char *what, const char *text,
                               size_t max, int may_be_null)
{
    size_t len, at;
    int control = 0;

    if (!text && may_be_null)
        return PILOTDB_OK;
    if (!text || !*text)
        return pilotdb__fail(db, PILOTDB_EINVAL, "%s is empty", what);
    len = strlen(text);
    if (len > max)
        return pilotdb__fail(db, PILOTDB_EINVAL,
                             "%s is %zu bytes long; the limit is %zu", what, len, max);
    if ((at = pilotdb_text_fault(text, len, &control)) != 0)
        return pilotdb__fail(db, PILOTDB_EINVAL, control ? "%s has a control character at byte %zu"
                             : "%s is not valid UTF-8 at byte %zu", what, at);
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
