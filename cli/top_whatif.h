/*
 * top_whatif.h - what `w` runs in the dashboards of `pilotdeck top` and
 * `pilotdeck demo`: a tui_whatif_engine backed by libpilotsim.
 */
#ifndef PILOTDECK_TOP_WHATIF_H
#define PILOTDECK_TOP_WHATIF_H

#include "pilottui.h"

/* What the engine needs: the database's path (":memory:": the dashboard's
 * own in-memory database, of which each what-if takes a snapshot). */
struct top_whatif {
    const char *path;
};

/*
 * Fill engine to run what-ifs on the database at tw->path (tw must outlive
 * the dashboard).  Each one opens its own read-only connection (or reads a
 * snapshot), fits the last TUI_WHATIF_WINDOW_MS as `whatif --from-db` does,
 * carries the active pilots over, and runs baseline and variant for the
 * horizon in memory.  $PILOTDECK_WHATIF_REPLICATIONS (2 to 1000) sets the
 * replications instead of TUI_WHATIF_REPLICATIONS (for tests).
 */
void top_whatif_engine(struct top_whatif *tw, tui_whatif_engine *engine);

#endif
