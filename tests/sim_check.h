/*
 * sim_check.h - checks that a finished (or paused) simulation left a
 * consistent database, shared by the sim test suites.
 */
#ifndef PILOTDECK_SIM_CHECK_H
#define PILOTDECK_SIM_CHECK_H

#include "pilotdb.h"
#include "pilotsim.h"

/*
 * Fail the running cmocka test (with what and the seed in the message) unless:
 * the event history (read from the pilot rows) replays to every pilot's
 * status through legal transitions in time order; each CE's last change time
 * is the time of its last event; no pilot was submitted to a CE at or over its
 * capacity, or while a timeline event had it disabled (check_enabled); the
 * engine's counts per CE and in total agree with the database's; and
 * pilotdb_check() passes.
 */
void sim_check_run(pilotdb *db, const sim_scenario *scn, const sim_engine *eng,
                   int check_enabled, const char *what);

/* The path of a shipped scenario: $PILOTDECK_SOURCE_DIR/scenarios/NAME.ini
 * (or ../scenarios when unset), in a static buffer. */
const char *sim_check_scenario_path(const char *name);

/* Load a scenario or fail the test. */
sim_scenario *sim_check_load(const char *path);

/* Non-zero when running under valgrind (PILOTDECK_UNDER_VALGRIND=1). */
int sim_check_under_valgrind(void);

/* Erlang's loss formula: the probability that an arrival finds all c slots
 * busy when a erlangs are offered (the theory of the loss-system tests). */
double sim_check_erlang_b(int c, double a);

#endif
