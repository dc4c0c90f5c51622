/*
 * trend.h - the dashboard's history (private): active pilots for the
 * sparklines, and the pilots submitted, done and failed inside the rate
 * window.
 *
 * The store keeps, per CE and in total, the net change of active pilots in
 * each of TUI_TREND_BUCKETS time buckets, and the rate window's entries in
 * time order with their counts per CE.  The first frame fills it from the
 * events of the windows; every later frame adds, per CE, the change of its
 * counters since the frame before (so it keeps each CE's last counts),
 * which costs O(CEs) and reads no history, except that the rate window is
 * read again when trend_window_stale() says so.  "Active now" is turned
 * back into "active at the end of each bucket" only for the rows that are
 * drawn.
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
    int64_t total;  /* every pilot: a rise is a submission */
};

/* What a rate counts. */
enum trend_kind { TREND_SUBMITTED = 0, TREND_DONE, TREND_FAILED, TREND_NKINDS };

/* count pilots of one kind on the CE of slot at time at (ms). */
struct trend_entry {
    int64_t at;
    uint32_t slot;
    uint32_t count;
    uint32_t kind;
};

/* The rate window: its entries in time order (a ring of cap entries from
 * head), and per slot the pilots of each kind they hold. */
struct trend_window {
    int64_t window_ms;
    struct trend_entry *ent;
    size_t head, len, cap;   /* cap a power of two */
    int64_t (*in)[TREND_NKINDS]; /* per slot */
    int64_t total[TREND_NKINDS];
    int history_before;   /* the database has events before the window
                             read last from the history */
    int64_t first_at;     /* else its first event (INT64_MAX: none yet) */
    int batched;          /* holds entries dated by trend_count() */
    int64_t batch_since;  /* their true times are later than this
                             (INT64_MAX: none) */
    int first_batched;    /* first_at is such an entry's */
    int unread;           /* reset and not read again yet */
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
    struct trend_window win;
    int64_t now;          /* of the last trend_advance() */
    int64_t prev_now;     /* of the one before */
    int failed;           /* trend_add_event() ran out of memory */
    struct trend_entry *pending; /* trend_count()'s entries, before sorting */
    size_t pending_cap;
    struct trend_entry *merge;   /* the window's entries a merge moves */
    size_t merge_cap;
};

/* A new empty store with bucket_ms wide buckets and rates over window_ms,
 * or NULL on out of memory. */
struct tui_trend *trend_new(int64_t bucket_ms, int64_t window_ms);
void trend_free(struct tui_trend *trend);

/* Make sure every CE of ces has a slot; 0, or -1 on out of memory. */
int trend_sync(struct tui_trend *trend, const pilotdb_ce *ces, size_t n);

/* The slot of CE id (which trend_sync() has seen). */
size_t trend_slot(const struct tui_trend *trend, int64_t ce_id);

/* Move the newest bucket to the one holding now, clearing those passed,
 * and drop from the rate window what is older than now - window. */
void trend_advance(struct tui_trend *trend, int64_t now);

/* The events the first frame reads (after trend_advance()): those of the
 * sparkline window and of the rate window. */
pilotdb_event_filter trend_history(const struct tui_trend *trend);

/* The events before the rate window: the first frame only asks whether
 * there is one (history_before). */
pilotdb_event_filter trend_before_window(const struct tui_trend *trend);

/* Apply one event of the history (a pilotdb_event_cb; arg is the store);
 * -1 on out of memory. */
int trend_add_event(void *arg, const pilotdb_event *event);

/* After the first frame's history: put the rate window in time order. */
void trend_history_done(struct tui_trend *trend);

/* Whether the rate window should be read again from the history: its first
 * event was dated by a frame; or it holds entries dated by frames and this
 * one saw nothing move (moved: what trend_count() returned) while quiet_due
 * (the caller's limit on how often a quiet frame may read it), or the
 * window's start passed the earliest time they may truly have; or a read
 * failed.  Reading it again makes it exact. */
int trend_window_stale(const struct tui_trend *trend, int moved, int quiet_due);

/* Empty the rate window before reading it again: then visit the events of
 * trend_rate_history() with trend_add_rate_event(), and call
 * trend_history_done(). */
void trend_window_reset(struct tui_trend *trend);
pilotdb_event_filter trend_rate_history(const struct tui_trend *trend);
int trend_add_rate_event(void *arg, const pilotdb_event *event);

/*
 * Keep the counters of the n CEs of ces, in slots slots[i], as their last
 * counts.  With add non-zero, first put the change since the last counts
 * (active pilots) in the newest bucket, and the pilots submitted, done and
 * failed since then in the rate window at the CE's last change (no later
 * than now); a CE new to the store starts from zero counts.  Returns how
 * many entries it added to the rate window, or -1 on out of memory.
 */
int trend_count(struct tui_trend *trend, const pilotdb_ce *ces, const size_t *slots,
                size_t n, int add);

/* Active pilots at the end of the last n buckets, oldest first, given the
 * active count now; slot (size_t)-1 for the total. */
void trend_series(const struct tui_trend *trend, size_t slot, int64_t active,
                  int64_t *out, size_t n);

/* The time the rates divide by: the window, or the time since the
 * database's first event when that is shorter (0 with no event). */
int64_t trend_rate_span(const struct tui_trend *trend);

#endif
