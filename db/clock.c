/*
 * clock.c - the handle's clock: the wall clock unless pilotdb_set_clock()
 * installs another (the simulator's virtual time).
 */
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
