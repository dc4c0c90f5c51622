/*
 * trend.c - the dashboard's history: active pilots for the sparklines and
 * the pilots of the rate window.
 *
 * Buckets form a ring indexed by (absolute bucket mod TUI_TREND_BUCKETS).
 * Each holds the net change of active pilots in that bucket: +1 for a
 * submission, -1 when an active pilot finishes.  Active at the end of a
 * bucket is then "active now" minus the changes of the buckets after it, so
 * nothing needs to be recomputed for CEs that are not on screen.
 *
 * The first frame fills the window from the history; later frames add the
 * change of each CE's counters since the frame before to the newest bucket.
 *
 * The rate window keeps one entry per event of the first frame's history
 * (exact times) and one per CE and kind for what its counters moved since
 * the frame before, dated at the CE's last change: a frame only adds what
 * moved and drops what left the window, in time order from the front.
 */
#include "trend.h"

#include <stdlib.h>
#include <string.h>

#define NB TUI_TREND_BUCKETS

/* A change a frame sees happened after the frame before, less this for a
 * writer that commits a while after it stamps its changes. */
#define BATCH_SLACK_MS 60000

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static size_t ring(int64_t bucket)
{
    int64_t r = bucket % NB;
    return (size_t)(r < 0 ? r + NB : r);
}

struct tui_trend *trend_new(int64_t bucket_ms, int64_t window_ms)
{
    struct tui_trend *trend = calloc(1, sizeof *trend);
    if (trend) {
        trend->bucket_ms = bucket_ms > 0 ? bucket_ms : 60000;
        trend->win.window_ms = window_ms > 0 ? window_ms : 3600000;
        trend->win.first_at = INT64_MAX;
        trend->win.batch_since = INT64_MAX;
    }
    return trend;
}

void trend_free(struct tui_trend *trend)
{
    if (!trend)
        return;
    free(trend->ids);
    free(trend->pending);
    free(trend->merge);
    free(trend->last);
    free(trend->delta);
    free(trend->win.ent);
    free(trend->win.in);
    free(trend);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static size_t find(const struct tui_trend *trend, int64_t id)
{
    size_t lo = 0, hi = trend->nslots;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (trend->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t trend_slot(const struct tui_trend *trend, int64_t ce_id)
{
    size_t i = find(trend, ce_id);
    return (i < trend->nslots && trend->ids[i] == ce_id) ? i : (size_t)-1;
}

/* Rebuild the slots as the union of the old ones and the CEs of ces, moving
 * the history and last counts of the old ones across; a new CE starts from
 * zero counts.  Only runs when CEs were added. */
static int rebuild(struct tui_trend *trend, const pilotdb_ce *ces, size_t n)
{
    size_t cap = trend->nslots + n, k = 0;
    int64_t *ids = malloc((cap ? cap : 1) * sizeof *ids);
    struct trend_counts *last = NULL;
    int32_t *delta = NULL;
    int64_t (*in)[TREND_NKINDS] = NULL;
    uint32_t *moved = NULL;
    int rc = -1;

    if (!ids)
        goto out;
    if (trend->nslots)
        memcpy(ids, trend->ids, trend->nslots * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[trend->nslots + i] = ces[i].id;
    qsort(ids, cap, sizeof *ids, cmp_id);
    for (size_t i = 0; i < cap; i++)
        if (k == 0 || ids[k - 1] != ids[i])
            ids[k++] = ids[i];
    last = calloc(k ? k : 1, sizeof *last);
    delta = calloc(k ? k : 1, NB * sizeof *delta);
    in = calloc(k ? k : 1, sizeof *in);
    moved = malloc((trend->nslots ? trend->nslots : 1) * sizeof *moved);
    if (!last || !delta || !in || !moved)
        goto out;
    for (size_t i = 0, j = 0; i < trend->nslots; i++) {
        while (ids[j] != trend->ids[i])
            j++;
        last[j] = trend->last[i];
        memcpy(delta + j * NB, trend->delta + i * NB, NB * sizeof *delta);
        memcpy(in[j], trend->win.in[i], sizeof in[j]);
        moved[i] = (uint32_t)j;
    }
    /* The window's entries name slots: they follow their CE. */
    for (size_t i = 0; i < trend->win.len; i++) {
        struct trend_entry *e = &trend->win.ent[(trend->win.head + i) & (trend->win.cap - 1)];
        e->slot = moved[e->slot];
    }
    free(trend->ids);
    free(trend->last);
    free(trend->delta);
    free(trend->win.in);
    trend->ids = ids;
    trend->last = last;
    trend->delta = delta;
    trend->win.in = in;
    trend->nslots = k;
    ids = NULL;
    last = NULL;
    delta = NULL;
    in = NULL;
    rc = 0;
out:
    free(ids);
    free(last);
    free(delta);
    free(in);
    free(moved);
    return rc;
}

int trend_sync(struct tui_trend *trend, const pilotdb_ce *ces, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (trend_slot(trend, ces[i].id) == (size_t)-1)
            return rebuild(trend, ces, n);
    return 0;
}

static void clear_bucket(struct tui_trend *trend, size_t b)
{
    for (size_t s = 0; s < trend->nslots; s++)
        trend->delta[s * NB + b] = 0;
    trend->total_delta[b] = 0;
}

static struct trend_entry *entry(const struct trend_window *w, size_t i)
{
    return &w->ent[(w->head + i) & (w->cap - 1)];
}

/* The start of the rate window: events before it are out. */
static int64_t window_start(const struct tui_trend *trend)
{
    return trend->now - trend->win.window_ms;
}

/* Drop the entries older than the window from the front. */
static void window_expire(struct tui_trend *trend)
{
    struct trend_window *w = &trend->win;
    int64_t start = window_start(trend);

    while (w->len > 0 && entry(w, 0)->at < start) {
        const struct trend_entry *e = entry(w, 0);
        w->in[e->slot][e->kind] -= e->count;
        w->total[e->kind] -= e->count;
        w->head = (w->head + 1) & (w->cap - 1);
        w->len--;
    }
}

/* Make room for n more entries in the window's ring.  0, or -1. */
static int window_reserve(struct trend_window *w, size_t n)
{
    struct trend_entry *ent;
    size_t cap = w->cap ? w->cap : 1024;

    if (w->len + n <= w->cap)
        return 0;
    while (cap < w->len + n)
        cap *= 2;
    ent = malloc(cap * sizeof *ent);
    if (!ent)
        return -1;
    for (size_t k = 0; k < w->len; k++)
        ent[k] = *entry(w, k);
    free(w->ent);
    w->ent = ent;
    w->cap = cap;
    w->head = 0;
    return 0;
}

/* Append count pilots of kind on slot at time at (the first frame's
 * history appends and sorts once at the end).  0, or -1 on out of memory. */
static int window_add(struct trend_window *w, int64_t at, size_t slot, int kind,
                      int64_t count)
{
    if (window_reserve(w, 1) != 0)
        return -1;
    *entry(w, w->len++) = (struct trend_entry){ at, (uint32_t)slot, (uint32_t)count,
                                                (uint32_t)kind };
    w->in[slot][kind] += count;
    w->total[kind] += count;
    if (at < w->first_at)
        w->first_at = at;
    return 0;
}

static int cmp_entry_at(const void *a, const void *b)
{
    int64_t x = ((const struct trend_entry *)a)->at, y = ((const struct trend_entry *)b)->at;
    return (x > y) - (x < y);
}

/*
 * Add the n entries of add, dated by frames and in time order, to the
 * window in time order, merging the two orders once: only the window's
 * entries later than add's first move, each once (a frame's entries land
 * near the back; an ingest's batch dates its entries all over the window,
 * and inserting each in place would move the later ones once per entry).
 * tmp holds the moved ones (*tmp_cap entries, grown as needed).  0, or -1
 * on out of memory (nothing added).
 */
static int window_add_sorted(struct trend_window *w, const struct trend_entry *add, size_t n,
                             struct trend_entry **tmp, size_t *tmp_cap)
{
    size_t lo = 0, hi, tail, i = 0, j = 0, k;

    if (n == 0)
        return 0;
    if (window_reserve(w, n) != 0)
        return -1;
    /* the first entry later than add[0]: the ones from there on move */
    hi = w->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (entry(w, mid)->at <= add[0].at)
            lo = mid + 1;
        else
            hi = mid;
    }
    tail = w->len - lo;
    if (tail > *tmp_cap) {
        struct trend_entry *t = realloc(*tmp, tail * sizeof *t);
        if (!t)
            return -1;
        *tmp = t;
        *tmp_cap = tail;
    }
    for (size_t m = 0; m < tail; m++)
        (*tmp)[m] = *entry(w, lo + m);
    for (k = lo; i < tail || j < n; k++)
        *entry(w, k) = j == n || (i < tail && (*tmp)[i].at <= add[j].at) ? (*tmp)[i++]
                                                                          : add[j++];
    w->len += n;
    w->batched = 1;
    if (!w->history_before && add[0].at < w->first_at)
        w->first_batched = 1;
    for (size_t a = 0; a < n; a++) {
        w->in[add[a].slot][add[a].kind] += add[a].count;
        w->total[add[a].kind] += add[a].count;
        if (add[a].at < w->first_at)
            w->first_at = add[a].at;
    }
    return 0;
}

void trend_history_done(struct tui_trend *trend)
{
    struct trend_window *w = &trend->win;

    /* The history appended from head 0 without wrapping. */
    if (w->len > 1)
        qsort(w->ent + w->head, w->len, sizeof *w->ent, cmp_entry_at);
}

int trend_window_stale(const struct tui_trend *trend, int moved, int quiet_due)
{
    const struct trend_window *w = &trend->win;
    return w->unread || w->first_batched || (w->batched && moved == 0 && quiet_due) ||
           window_start(trend) > w->batch_since;
}

void trend_window_reset(struct tui_trend *trend)
{
    struct trend_window *w = &trend->win;

    memset(w->in, 0, trend->nslots * sizeof *w->in);
    memset(w->total, 0, sizeof w->total);
    w->head = w->len = 0;
    w->history_before = 0;
    w->first_at = INT64_MAX;
    w->batched = w->first_batched = 0;
    w->batch_since = INT64_MAX;
    w->unread = 1;
    trend->failed = 0;
}

pilotdb_event_filter trend_rate_history(const struct tui_trend *trend)
{
    pilotdb_event_filter f = { window_start(trend), INT64_MAX, 1 };
    return f;
}

/* The kind of rate event counts in, or -1. */
static int event_kind(const pilotdb_event *event)
{
    return event->from_status < 0 ? TREND_SUBMITTED
           : event->to_status == PILOT_DONE ? TREND_DONE
           : event->to_status == PILOT_FAILED ? TREND_FAILED : -1;
}

int trend_add_rate_event(void *arg, const pilotdb_event *event)
{
    struct tui_trend *trend = arg;
    size_t slot = trend_slot(trend, event->ce_id);
    int kind = event_kind(event);

    if (kind >= 0 && slot != (size_t)-1 && event->at >= window_start(trend) &&
        window_add(&trend->win, event->at, slot, kind, 1) != 0) {
        trend->failed = 1;
        return -1;
    }
    return 0;
}

int64_t trend_rate_span(const struct tui_trend *trend)
{
    const struct trend_window *w = &trend->win;

    if (w->history_before || w->first_at <= window_start(trend))
        return w->window_ms;
    if (w->first_at == INT64_MAX || w->first_at >= trend->now)
        return 0;
    return trend->now - w->first_at;
}

void trend_advance(struct tui_trend *trend, int64_t now)
{
    int64_t bucket = floor_div(now, trend->bucket_ms);

    trend->prev_now = trend->started ? trend->now : now;
    if (now > trend->now || !trend->started)
        trend->now = now; /* a clock that went back keeps the window */
    window_expire(trend);
    if (!trend->started) {
        trend->started = 1;
        trend->head = bucket;
        return;
    }
    if (bucket <= trend->head)
        return; /* a clock that stands still or went back keeps the ring */
    if (bucket - trend->head >= NB) {
        for (size_t b = 0; b < NB; b++)
            clear_bucket(trend, b);
    } else {
        for (int64_t b = trend->head + 1; b <= bucket; b++)
            clear_bucket(trend, ring(b));
    }
    trend->head = bucket;
}

pilotdb_event_filter trend_history(const struct tui_trend *trend)
{
    int64_t from = (trend->head - NB + 1) * trend->bucket_ms;
    pilotdb_event_filter f = { from < window_start(trend) ? from : window_start(trend),
                               INT64_MAX, 1 };
    return f;
}

pilotdb_event_filter trend_before_window(const struct tui_trend *trend)
{
    pilotdb_event_filter f = { INT64_MIN, window_start(trend), 1 };
    return f;
}

/* Add change to the active pilots of slot (and of the total) in bucket b. */
static void add_active(struct tui_trend *trend, size_t slot, size_t b, int64_t change)
{
    trend->total_delta[b] += (int32_t)change;
    if (slot != (size_t)-1)
        trend->delta[slot * NB + b] += (int32_t)change;
}

int trend_add_event(void *arg, const pilotdb_event *event)
{
    struct tui_trend *trend = arg;
    int64_t bucket = floor_div(event->at, trend->bucket_ms);
    size_t b, slot = trend_slot(trend, event->ce_id);

    if (trend_add_rate_event(arg, event) != 0)
        return -1;
    if (bucket > trend->head)
        bucket = trend->head; /* a writer whose clock runs ahead */
    if (bucket <= trend->head - NB)
        return 0;
    b = ring(bucket);
    if (event->from_status < 0)
        add_active(trend, slot, b, 1);
    else if ((event->from_status == PILOT_SUBMITTED || event->from_status == PILOT_RUNNING) &&
             (event->to_status == PILOT_DONE || event->to_status == PILOT_FAILED))
        add_active(trend, slot, b, -1);
    return 0;
}

int trend_count(struct tui_trend *trend, const pilotdb_ce *ces, const size_t *slots,
                size_t n, int add)
{
    size_t b = ring(trend->head), npending = 0;
    int added = 0;

    /* Each CE that moved adds up to TREND_NKINDS entries, dated by its last
     * change: collected first and put in time order once, then added in
     * that order (each lands at or near the back), rather than inserted
     * one by one, which costs the square of the CEs a batch moved. */
    if (add && n * TREND_NKINDS > trend->pending_cap) {
        struct trend_entry *p = realloc(trend->pending, n * TREND_NKINDS * sizeof *p);
        if (!p)
            return -1;
        trend->pending = p;
        trend->pending_cap = n * TREND_NKINDS;
    }

    for (size_t i = 0; i < n; i++) {
        struct trend_counts *last = &trend->last[slots[i]];
        const int64_t *c = ces[i].count;
        struct trend_counts now = { c[PILOT_SUBMITTED] + c[PILOT_RUNNING], c[PILOT_DONE],
                                    c[PILOT_FAILED],
                                    c[PILOT_SUBMITTED] + c[PILOT_RUNNING] + c[PILOT_DONE] +
                                        c[PILOT_FAILED] };
        if (add) {
            const int64_t moved[TREND_NKINDS] = { now.total - last->total,
                                                  now.done - last->done,
                                                  now.failed - last->failed };
            int64_t at = ces[i].last_change_at;
            if (at == PILOTDB_NO_TIME || at > trend->now)
                at = trend->now;
            if (now.active != last->active) /* most CEs: a cache line spared */
                add_active(trend, slots[i], b, now.active - last->active);
            for (int k = 0; k < TREND_NKINDS; k++) {
                if (moved[k] <= 0)
                    continue;
                trend->pending[npending++] = (struct trend_entry){
                    at, (uint32_t)slots[i], (uint32_t)moved[k], (uint32_t)k };
                if (trend->prev_now - BATCH_SLACK_MS < trend->win.batch_since)
                    trend->win.batch_since = trend->prev_now - BATCH_SLACK_MS;
                added++;
            }
        }
        *last = now;
    }
    if (npending > 1)
        qsort(trend->pending, npending, sizeof *trend->pending, cmp_entry_at);
    if (window_add_sorted(&trend->win, trend->pending, npending, &trend->merge,
                          &trend->merge_cap) != 0)
        return -1;
    /* A change dated before the window (a writer whose clock lags) counts
     * for nothing, as it would in a first frame. */
    window_expire(trend);
    return added;
}

void trend_series(const struct tui_trend *trend, size_t slot, int64_t active,
                  int64_t *out, size_t n)
{
    const int32_t *delta = slot == (size_t)-1 ? trend->total_delta
                                              : trend->delta + slot * NB;
    int64_t value = active;

    if (n > NB)
        n = NB;
    for (size_t i = n; i-- > 0;) {
        out[i] = value < 0 ? 0 : value;
        value -= delta[ring(trend->head - (int64_t)(n - 1 - i))];
    }
}
