/*
 * trend.h - active-pilot history for the dashboard's sparklines (private).
 *
 * The store keeps, per CE and in total, the net change of active pilots in
 * each of TUI_TREND_BUCKETS time buckets, plus done and failed counts per
 * bucket.  It is fed with events read incrementally (after the last id seen)
 * and turns "active now" back into "active at the end of each bucket" only
 * for the rows that are drawn, so a frame costs O(new events + CEs).
 */
#ifndef TUI_TREND_H
#define TUI_TREND_H

#include <stddef.h>
#include <stdint.h>

#include "pilotdb.h"
#include "pilottui.h"

struct tui_trend {
    int64_t bucket_ms;
    int started;          /* head is meaningful */
    int64_t head;         /* absolute index of the newest bucket */
    int64_t last_id;      /* newest event id applied */
    size_t nslots;
    int64_t *ids;         /* CE id per slot, ascending */
    int32_t *delta;       /* [slot][bucket]: net change of active pilots */
    pilotdb_event *pending; /* events read before the clock is known */
    size_t npending, pending_cap;
    int pending_failed;     /* out of memory while buffering */
    int64_t pending_max_at;
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

/* The event filter that reads what the store has not seen yet. */
pilotdb_event_filter trend_filter(const struct tui_trend *trend);

/* Apply one event (a pilotdb_event_cb; arg is the store). */
int trend_add_event(void *arg, const pilotdb_event *event);

/* Buffer one event (a pilotdb_event_cb; arg is the store) for
 * trend_apply_pending(), keeping the latest time in pending_max_at. */
int trend_buffer_event(void *arg, const pilotdb_event *event);

/* Apply the buffered events and empty the buffer; -1 if buffering ran out of
 * memory (the buffer is emptied anyway). */
int trend_apply_pending(struct tui_trend *trend);

/*
 * Find the newest event of db (inside the caller's read transaction) with a
 * few lookups by id rather than a scan: *found is 0 for an empty history.
 */
pilotdb_rc trend_last_event(pilotdb *db, pilotdb_event *last, int *found);

/* Active pilots at the end of the last n buckets, oldest first, given the
 * active count now; slot (size_t)-1 for the total. */
void trend_series(const struct tui_trend *trend, size_t slot, int64_t active,
                  int64_t *out, size_t n);

/* Done and failed pilots per hour over the window ending at now. */
void trend_rates(const struct tui_trend *trend, int64_t now, double *done_per_hour,
                 double *failed_per_hour);

#endif
