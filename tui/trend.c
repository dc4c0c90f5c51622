/*
 * trend.c - active-pilot history for the dashboard's sparklines.
 *
 * Buckets form a ring indexed by (absolute bucket mod TUI_TREND_BUCKETS).
 * Each holds the net change of active pilots in that bucket: +1 for a
 * submission, -1 when an active pilot finishes.  Active at the end of a
 * bucket is then "active now" minus the changes of the buckets after it, so
 * nothing needs to be recomputed for CEs that are not on screen.
 *
 * The first frame fills the window from the history; later frames add the
 * change of each CE's counters since the frame before to the newest bucket.
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
    free(trend->last);
    free(trend->delta);
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
    if (!last || !delta)
        goto out;
    for (size_t i = 0, j = 0; i < trend->nslots; i++) {
        while (ids[j] != trend->ids[i])
            j++;
        last[j] = trend->last[i];
        memcpy(delta + j * NB, trend->delta + i * NB, NB * sizeof *delta);
    }
    free(trend->ids);
    free(trend->last);
    free(trend->delta);
    trend->ids = ids;
    trend->last = last;
    trend->delta = delta;
    trend->nslots = k;
    ids = NULL;
    last = NULL;
    delta = NULL;
    rc = 0;
out:
    free(ids);
    free(last);
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

pilotdb_event_filter trend_window(const struct tui_trend *trend)
{
    pilotdb_event_filter f = { (trend->head - NB + 1) * trend->bucket_ms, INT64_MAX,
                               1 };
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
    size_t b;

    if (bucket > trend->head)
        bucket = trend->head; /* a writer whose clock runs ahead */
    if (bucket <= trend->head - NB)
        return 0;
    b = ring(bucket);
    if (event->to_status == PILOT_DONE)
        trend->done[b]++;
    else if (event->to_status == PILOT_FAILED)
        trend->failed[b]++;
    if (event->from_status < 0)
        add_active(trend, trend_slot(trend, event->ce_id), b, 1);
    else if ((event->from_status == PILOT_SUBMITTED || event->from_status == PILOT_RUNNING) &&
             (event->to_status == PILOT_DONE || event->to_status == PILOT_FAILED))
        add_active(trend, trend_slot(trend, event->ce_id), b, -1);
    return 0;
}

void trend_count(struct tui_trend *trend, const pilotdb_ce *ces, const size_t *slots,
                 size_t n, int add)
{
    size_t b = ring(trend->head);

    for (size_t i = 0; i < n; i++) {
        struct trend_counts *last = &trend->last[slots[i]];
        struct trend_counts now = { ces[i].count[PILOT_SUBMITTED] + ces[i].count[PILOT_RUNNING],
                                    ces[i].count[PILOT_DONE], ces[i].count[PILOT_FAILED] };
        if (add) {
            add_active(trend, slots[i], b, now.active - last->active);
            trend->done[b] += (int32_t)(now.done - last->done);
            trend->failed[b] += (int32_t)(now.failed - last->failed);
        }
        *last = now;
    }
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
