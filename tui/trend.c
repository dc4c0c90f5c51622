/*
 * trend.c - active-pilot history for the dashboard's sparklines.
 *
 * Buckets form a ring indexed by (absolute bucket mod TUI_TREND_BUCKETS).
 * Each holds the net change of active pilots in that bucket: +1 for a
 * submission, -1 when an active pilot finishes.  Active at the end of a
 * bucket is then "active now" minus the changes of the buckets after it, so
 * nothing needs to be recomputed for CEs that are not on screen.
 */
#include "trend.h"

#include <stdlib.h>
#include <string.h>

#define NB TUI_TREND_BUCKETS

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

struct tui_trend *trend_new(int64_t bucket_ms)
{
    struct tui_trend *trend = calloc(1, sizeof *trend);
    if (trend)
        trend->bucket_ms = bucket_ms > 0 ? bucket_ms : 60000;
    return trend;
}

void trend_free(struct tui_trend *trend)
{
    if (!trend)
        return;
    free(trend->ids);
    free(trend->delta);
    free(trend->pending);
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
 * the history of the old ones across.  Only runs when CEs were added. */
static int rebuild(struct tui_trend *trend, const pilotdb_ce *ces, size_t n)
{
    size_t cap = trend->nslots + n, k = 0;
    int64_t *ids = malloc((cap ? cap : 1) * sizeof *ids);
    int32_t *delta = NULL;
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
    delta = calloc(k ? k : 1, NB * sizeof *delta);
    if (!delta)
        goto out;
    for (size_t i = 0, j = 0; i < trend->nslots; i++) {
        while (ids[j] != trend->ids[i])
            j++;
        memcpy(delta + j * NB, trend->delta + i * NB, NB * sizeof *delta);
    }
    free(trend->ids);
    free(trend->delta);
    trend->ids = ids;
    trend->delta = delta;
    trend->nslots = k;
    ids = NULL;
    delta = NULL;
    rc = 0;
out:
    free(ids);
    free(delta);
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
    trend->done[b] = 0;
    trend->failed[b] = 0;
}

void trend_advance(struct tui_trend *trend, int64_t now)
{
    int64_t bucket = floor_div(now, trend->bucket_ms);

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

pilotdb_event_filter trend_filter(const struct tui_trend *trend)
{
    pilotdb_event_filter f = { INT64_MIN, INT64_MAX, trend->last_id };
    if (trend->started)
        f.from = (trend->head - NB + 1) * trend->bucket_ms;
    return f;
}

int trend_add_event(void *arg, const pilotdb_event *event)
{
    struct tui_trend *trend = arg;
    int64_t bucket = floor_div(event->at, trend->bucket_ms);
    int change = 0;
    size_t b, slot;

    if (event->id > trend->last_id)
        trend->last_id = event->id;
    if (bucket > trend->head)
        bucket = trend->head; /* a writer whose clock runs ahead */
    if (bucket <= trend->head - NB)
        return 0;
    b = ring(bucket);
    if (event->from_status < 0)
        change = 1;
    else if ((event->from_status == PILOT_SUBMITTED || event->from_status == PILOT_RUNNING) &&
             (event->to_status == PILOT_DONE || event->to_status == PILOT_FAILED))
        change = -1;
    if (event->to_status == PILOT_DONE)
        trend->done[b]++;
    else if (event->to_status == PILOT_FAILED)
        trend->failed[b]++;
    if (change == 0)
        return 0;
    trend->total_delta[b] += change;
    slot = trend_slot(trend, event->ce_id);
    if (slot != (size_t)-1)
        trend->delta[slot * NB + b] += change;
    return 0;
}

int trend_buffer_event(void *arg, const pilotdb_event *event)
{
    struct tui_trend *trend = arg;

    if (trend->npending == trend->pending_cap) {
        size_t cap = trend->pending_cap ? 2 * trend->pending_cap : 256;
        pilotdb_event *grown = realloc(trend->pending, cap * sizeof *grown);
        if (!grown) {
            trend->pending_failed = 1;
            return 1;
        }
        trend->pending = grown;
        trend->pending_cap = cap;
    }
    trend->pending[trend->npending++] = *event;
    if (event->at > trend->pending_max_at)
        trend->pending_max_at = event->at;
    return 0;
}

int trend_apply_pending(struct tui_trend *trend)
{
    int failed = trend->pending_failed;

    for (size_t i = 0; i < trend->npending; i++)
        trend_add_event(trend, &trend->pending[i]);
    trend->npending = 0;
    trend->pending_failed = 0;
    return failed ? -1 : 0;
}

struct probe {
    int found;
    pilotdb_event event;
};

static int probe_first(void *arg, const pilotdb_event *event)
{
    struct probe *p = arg;
    p->found = 1;
    p->event = *event;
    return 1; /* the first is all we want */
}

/* The first event with id > after, if any. */
static pilotdb_rc probe_after(pilotdb *db, int64_t after, struct probe *p)
{
    pilotdb_event_filter f = { INT64_MIN, INT64_MAX, after };
    p->found = 0;
    return pilotdb_events_foreach(db, &f, probe_first, p);
}

pilotdb_rc trend_last_event(pilotdb *db, pilotdb_event *last, int *found)
{
    struct probe p;
    int64_t lo, hi;
    pilotdb_rc rc;

    *found = 0;
    memset(last, 0, sizeof *last);
    /* Ids increase, so the newest event is found by doubling then halving. */
    rc = probe_after(db, 0, &p);
    if (rc != PILOTDB_OK || !p.found)
        return rc;
    *last = p.event;
    lo = hi = p.event.id;
    for (;;) {
        rc = probe_after(db, hi, &p);
        if (rc != PILOTDB_OK)
            return rc;
        if (!p.found)
            break;
        *last = p.event;
        lo = p.event.id;
        hi = lo > INT64_MAX / 2 ? INT64_MAX : 2 * lo;
    }
    /* An event with id lo exists and none is above hi. */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo + 1) / 2;
        rc = probe_after(db, mid - 1, &p);
        if (rc != PILOTDB_OK)
            return rc;
        if (p.found) {
            *last = p.event;
            lo = p.event.id;
        } else {
            hi = mid - 1;
        }
    }
    *found = 1;
    return PILOTDB_OK;
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

void trend_rates(const struct tui_trend *trend, int64_t now, double *done_per_hour,
                 double *failed_per_hour)
{
    int64_t done = 0, failed = 0;
    double hours;

    for (size_t b = 0; b < NB; b++) {
        done += trend->done[b];
        failed += trend->failed[b];
    }
    /* The window is the full older buckets plus the part of the newest one
     * that has passed. */
    hours = ((double)(NB - 1) * (double)trend->bucket_ms +
             (double)(now - trend->head * trend->bucket_ms)) / 3600000.0;
    if (hours <= 0) {
        *done_per_hour = *failed_per_hour = 0;
        return;
    }
    *done_per_hour = (double)done / hours;
    *failed_per_hour = (double)failed / hours;
}
