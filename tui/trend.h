/*
 * trend.h - active-pilot history for the dashboard's sparklines (private).
 *
 * The store keeps, per CE and in total, the net change of active pilots in
 * each of TUI_TREND_BUCKETS time buckets, plus done and failed counts per
 * bucket.  The first frame fills it from the events of the window; every
 * later frame adds, per CE, the change of its counters since the frame
 * before (so it keeps each CE's last counts), which costs O(CEs) and reads
 * no history.  "Active now" is turned back into "active at the end of each
 * bucket" only for the rows that are drawn.
 */
#ifndef TUI_TREND_H
#define TUI_TREND_H

#include <stddef.h>
#include <stdint.h>

#include "pilotdb.h"
#include "pilottui.h"

/* A CE's counters as the store last saw them. */
struct trend_counts {
    int64_t active; /* SUBMITTED + RUNNING */
    int64_t done;
    int64_t failed;
};

struct tui_trend {
    int64_t bucket_ms;
    int started;          /* head is meaningful */
    int64_t head;         /* absolute index of the newest bucket */
    size_t nslots;
    int64_t *ids;         /* CE id per slot, ascending */
    struct trend_counts *last; /* per slot, at the last trend_count() */
    int32_t *delta;       /* [slot][bucket]: net change of active pilots */
    int32_t total_delta[TUI_TREND_BUCKETS];
    int32_t done[TUI_TREND_BUCKETS];
    int32_t failed[TUI_TREND_BUCKETS];
};

/* A new empty store with bucket_ms wide buckets, or NULL on out of memory. */
struct tui_trend *trend_new(int64_t bucket_ms);
void trend_free(struct tui_trend *trend);

/* Make sure every CE of ces has a slot; 0, or -1 on out of memory. */
int trend_sync(struct tui_trend *trend, const pilotdb_ce *ces, size_t n);

/* The slot of CE id (which trend_sync() has seen). */
size_t trend_slot(const struct tui_trend *trend, int64_t ce_id);

/* Move the newest bucket to the one holding now, clearing those passed. */
void trend_advance(struct tui_trend *trend, int64_t now);

/* The events of the window that ends with the newest bucket (after
 * trend_advance()): the first frame's history. */
pilotdb_event_filter trend_window(const struct tui_trend *trend);

/* Apply one event of the history (a pilotdb_event_cb; arg is the store). */
int trend_add_event(void *arg, const pilotdb_event *event);

/*
 * Keep the counters of the n CEs of ces, in slots slots[i], as their last
 * counts.  With add non-zero, first put the change since the last counts
 * (active pilots, done, failed) in the newest bucket; a CE new to the store
 * starts from zero counts.
 */
void trend_count(struct tui_trend *trend, const pilotdb_ce *ces, const size_t *slots,
                 size_t n, int add);

/* Active pilots at the end of the last n buckets, oldest first, given the
 * active count now; slot (size_t)-1 for the total. */
void trend_series(const struct tui_trend *trend, size_t slot, int64_t active,
                  int64_t *out, size_t n);

/* Done and failed pilots per hour over the window ending at now. */
void trend_rates(const struct tui_trend *trend, int64_t now, double *done_per_hour,
                 double *failed_per_hour);

#endif
