/*
 * status.c - pilot status names and the state machine:
 *
 *     SUBMITTED -> RUNNING -> DONE | FAILED,   SUBMITTED -> FAILED
 */
#include "internal.h"

static const char *const status_names[PILOT_NSTATUS] = {
    "submitted", "running", "done", "failed"
};

const char *pilot_status_name(int status)
{
    if (status < 0 || status >= PILOT_NSTATUS)
        return NULL;
    return status_names[status];
}

pilotdb_rc pilot_status_parse(const char *word, pilot_status *out)
{
    *out = PILOT_SUBMITTED;
    if (!word)
        return PILOTDB_EINVAL;
    for (int s = 0; s < PILOT_NSTATUS; s++) {
        if (sqlite3_stricmp(word, status_names[s]) == 0) {
            *out = (pilot_status)s;
            return PILOTDB_OK;
        }
    }
    return PILOTDB_EINVAL;
}

int pilot_status_transition_ok(pilot_status from, pilot_status to)
{
    if ((int)from < 0 || from >= PILOT_NSTATUS || (int)to < 0 ||
        to >= PILOT_NSTATUS)
        return 0;
    return pilotdb__transition_ok((int)from, (int)to);
}

const char *pilotdb_time_kind_name(int kind)
{
    static const char *const names[] = {"none", "unknown", "exact", "observed"};

    return kind >= 0 && kind <= PILOTDB_TIME_OBSERVED ? names[kind] : NULL;
}
