/*
 * scenario_path.h - the scenario file a command is given: the path itself
 * when it exists, else one of the scenarios installed with pilotdeck
 * (share/pilotdeck/scenarios), found by name.
 */
#ifndef PILOTDECK_SCENARIO_PATH_H
#define PILOTDECK_SCENARIO_PATH_H

#include <stddef.h>

#include "pilotsim.h"

/*
 * Load the scenario that path names, as sim_scenario_load() does.  When no
 * file path exists and path is a bare name ("outage", "outage.ini") or
 * "scenarios/NAME" as the README writes it, NAME and then NAME.ini are
 * looked up among the installed scenarios: beside the running executable
 * (BINDIR/../share/pilotdeck/scenarios, so a moved prefix still works),
 * then under the prefix pilotdeck was configured for.  Nothing found: the
 * load of path itself, and its message.  Results as sim_scenario_load().
 */
sim_rc cli_scenario_load(const char *path, sim_scenario **out, char *errbuf,
                         size_t errbuf_size);

#endif
