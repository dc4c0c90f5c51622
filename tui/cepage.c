/*
 * cepage.c - the model of a CE's page: everything the page shows, read in
 * one snapshot.  The CE's pilots are read in one pass
 * (pilotdb_ce_pilots_scan()) that sums the rates of three windows, the
 * active pilots of three trends (a difference array each), the reasons (a
 * hash table) and the largest ids; then those few pilots and the
 * CE's change log are read whole.
 */
#include "cepage.h"

#include <stdlib.h>
#include <string.h>


const int64_t tui_cepage_window_ms[TUI_CEPAGE_NWINDOWS] = {
    3600 * 1000LL, 12 * 3600 * 1000LL, 7 * 86400 * 1000LL
};
const int64_t tui_cepage_step_ms[TUI_CEPAGE_NTRENDS] = {
    300 * 1000LL, 3600 * 1000LL, 12 * 3600 * 1000LL
};

/* 2001-09-09 in Unix milliseconds: wall times are above, virtual below
 * (the dashboard's rule, view.c). */
#define WALL_EPOCH 1000000000000LL

enum { REASON_FAILED, REASON_HELD };

struct reason_entry {
    char *text;             /* NULL: empty slot */
    uint64_t hash;
    int kind;
    int64_t count;
};

/* What the pass over the pilots gathers. */
struct scan {
    tui_cepage *page;
    int64_t counts[TUI_CEPAGE_NWINDOWS][3]; /* submitted, done, failed */
    int64_t diff[TUI_CEPAGE_NTRENDS][TUI_CEPAGE_TREND_POINTS + 1];
    struct reason_entry *reasons;
    size_t cap, used;
    int64_t newest_ids[TUI_CEPAGE_PILOTS]; /* the largest ids, largest first */
    size_t nkept;
    int oom;
};

static uint64_t hash_text(const char *s, size_t n, int kind)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)kind;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* The length of reason cut to TUI_CEPAGE_REASON_MAX bytes at a character
 * boundary. */
static size_t cut_length(const char *reason)
{
    size_t n = strnlen(reason, TUI_CEPAGE_REASON_MAX + 1);
    if (n > TUI_CEPAGE_REASON_MAX) {
        n = TUI_CEPAGE_REASON_MAX;
        while (n > 0 && ((unsigned char)reason[n] & 0xC0) == 0x80)
            n--;
    }
    return n;
}

static int reasons_grow(struct scan *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    struct reason_entry *t = calloc(cap, sizeof *t);

    if (!t)
        return -1;
    for (size_t i = 0; i < s->cap; i++) {
        size_t j;
        if (!s->reasons[i].text)
            continue;
        for (j = s->reasons[i].hash & (cap - 1); t[j].text; j = (j + 1) & (cap - 1))
            ;
        t[j] = s->reasons[i];
    }
    free(s->reasons);
    s->reasons = t;
    s->cap = cap;
    return 0;
}

static int count_reason(struct scan *s, const char *reason, int kind)
{
    size_t n = cut_length(reason), i;
    uint64_t h = hash_text(reason, n, kind);
    struct reason_entry *e;

    if ((s->used + 1) * 2 > s->cap && reasons_grow(s) != 0)
        return -1;
    for (i = h & (s->cap - 1); s->reasons[i].text; i = (i + 1) & (s->cap - 1)) {
        e = &s->reasons[i];
        if (e->hash == h && e->kind == kind && strncmp(e->text, reason, n) == 0 &&
            e->text[n] == '\0') {
            e->count++;
            return 0;
        }
    }
    e = &s->reasons[i];
    if (!(e->text = malloc(n + 1)))
        return -1;
    memcpy(e->text, reason, n);
    e->text[n] = '\0';
    e->hash = h;
    e->kind = kind;
    e->count = 1;
    s->used++;
    return 0;
}

/* The first trend point at or after time t: points are at now - (P-1-i)
 * steps, so i = ceil((t - first point) / step), clamped to [0, P]. */
static size_t point_at_or_after(int64_t t, int64_t now, int64_t step)
{
    int64_t first = now - (TUI_CEPAGE_TREND_POINTS - 1) * step, d;

    if (t <= first)
        return 0;
    d = t - first;
    d = d / step + (d % step != 0);
    return d > TUI_CEPAGE_TREND_POINTS ? TUI_CEPAGE_TREND_POINTS : (size_t)d;
}

static int64_t first_known(const pilotdb_pilot_brief *p)
{
    return p->submitted_at != PILOTDB_NO_TIME ? p->submitted_at
           : p->started_at != PILOTDB_NO_TIME ? p->started_at
                                              : p->ended_at;
}

static int in_window(int64_t at, int64_t now, int64_t window_ms)
{
    return at != PILOTDB_NO_TIME && at >= now - window_ms && at <= now;
}

/* Keep the TUI_CEPAGE_PILOTS largest ids seen, largest first (the scan
 * comes in any order). */
static void keep_newest(struct scan *s, int64_t id)
{
    size_t at;

    if (s->nkept == TUI_CEPAGE_PILOTS && id <= s->newest_ids[TUI_CEPAGE_PILOTS - 1])
        return;
    if (s->nkept < TUI_CEPAGE_PILOTS)
        s->nkept++;
    for (at = s->nkept - 1; at > 0 && s->newest_ids[at - 1] < id; at--)
        s->newest_ids[at] = s->newest_ids[at - 1];
    s->newest_ids[at] = id;
}

static int scan_pilot(void *arg, const pilotdb_pilot_brief *p)
{
    struct scan *s = arg;
    tui_cepage *page = s->page;
    int64_t now = page->now, start = first_known(p);
    int ended = p->status == PILOT_DONE || p->status == PILOT_FAILED;

    if (start != PILOTDB_NO_TIME && (page->first_at == PILOTDB_NO_TIME || start < page->first_at))
        page->first_at = start;
    for (int w = 0; w < TUI_CEPAGE_NWINDOWS; w++) {
        int64_t span = tui_cepage_window_ms[w];
        s->counts[w][0] += in_window(p->submitted_at, now, span);
        if (ended && in_window(p->ended_at, now, span))
            s->counts[w][p->status == PILOT_DONE ? 1 : 2]++;
    }
    /* Active from its first known time (its submission when known) until
     * its end: start <= t < end. */
    if (start != PILOTDB_NO_TIME && start <= now) {
        for (int r = 0; r < TUI_CEPAGE_NTRENDS; r++) {
            int64_t step = tui_cepage_step_ms[r];
            size_t from = point_at_or_after(start, now, step);
            size_t to = ended ? point_at_or_after(p->ended_at, now, step)
                              : TUI_CEPAGE_TREND_POINTS;
            if (from < to) {
                s->diff[r][from]++;
                s->diff[r][to]--;
            }
        }
    }
    if (p->reason && p->reason[0] && (p->status == PILOT_FAILED || !ended) &&
        count_reason(s, p->reason, p->status == PILOT_FAILED ? REASON_FAILED : REASON_HELD)) {
        s->oom = 1;
        return 1;
    }
    keep_newest(s, p->id);
    return 0;
}

/* Order of the reasons shown: most frequent first, then by text. */
static int reason_before(const struct reason_entry *a, const tui_reason_count *b)
{
    return a->count > b->count || (a->count == b->count && strcmp(a->text, b->reason) < 0);
}

static void top_reasons(const struct scan *s, int kind, tui_reason_list *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < s->cap; i++) {
        const struct reason_entry *e = &s->reasons[i];
        size_t at;
        if (!e->text || e->kind != kind)
            continue;
        out->with_reason += e->count;
        out->distinct++;
        for (at = out->n; at > 0 && reason_before(e, &out->top[at - 1]); at--)
            ;
        if (at >= TUI_CEPAGE_REASONS)
            continue;
        if (out->n < TUI_CEPAGE_REASONS)
            out->n++;
        memmove(&out->top[at + 1], &out->top[at], (out->n - 1 - at) * sizeof out->top[0]);
        snprintf(out->top[at].reason, sizeof out->top[at].reason, "%s", e->text);
        out->top[at].count = e->count;
    }
}

static void fill_windows(tui_cepage *page, const struct scan *s, const tui_grades *g)
{
    for (int w = 0; w < TUI_CEPAGE_NWINDOWS; w++) {
        tui_cepage_window *cw = &page->win[w];
        double hours;

        cw->window_ms = tui_cepage_window_ms[w];
        cw->span_ms = cw->window_ms;
        if (page->first_at == PILOTDB_NO_TIME || page->first_at >= page->now) {
            cw->span_ms = 0;
            cw->partial = 1;
        } else if (page->first_at > page->now - cw->window_ms) {
            cw->span_ms = page->now - page->first_at;
            cw->partial = 1;
        }
        hours = (double)cw->span_ms / 3600000.0;
        cw->rates.submitted = s->counts[w][0];
        cw->rates.done = s->counts[w][1];
        cw->rates.failed = s->counts[w][2];
        if (cw->span_ms > 0) {
            cw->rates.submitted_per_hour = (double)cw->rates.submitted / hours;
            cw->rates.done_per_hour = (double)cw->rates.done / hours;
            cw->rates.failed_per_hour = (double)cw->rates.failed / hours;
        }
        cw->grade = tui_grade_of(g, cw->rates.done, cw->rates.failed, &cw->efficiency);
    }
}

static void fill_trends(tui_cepage *page, const struct scan *s)
{
    for (int r = 0; r < TUI_CEPAGE_NTRENDS; r++) {
        int64_t active = 0;
        for (size_t i = 0; i < TUI_CEPAGE_TREND_POINTS; i++) {
            active += s->diff[r][i];
            page->trend[r][i] = active;
        }
    }
}

/* The page's clock when the caller gives none: the handle's, or on a
 * simulation's database seen from the wall clock its newest change. */
static pilotdb_rc page_clock(pilotdb *db, pilotdb_clock_type kind, int64_t *now)
{
    pilotdb_ce *ces = NULL;
    size_t n = 0;
    int64_t newest = PILOTDB_NO_TIME;
    pilotdb_rc rc;

    *now = pilotdb_now(db);
    if (*now < WALL_EPOCH || kind == PILOTDB_CLOCK_WALL)
        return PILOTDB_OK;
    if ((rc = pilotdb_ce_list(db, 0, &ces, &n)) != PILOTDB_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (ces[i].last_change_at != PILOTDB_NO_TIME && ces[i].last_change_at > newest)
            newest = ces[i].last_change_at;
    pilotdb_free(ces);
    if (kind == PILOTDB_CLOCK_SIM || (newest != PILOTDB_NO_TIME && newest < WALL_EPOCH))
        *now = newest != PILOTDB_NO_TIME ? newest : 0;
    return PILOTDB_OK;
}

/* Read the last pilots whole, newest first. */
static pilotdb_rc read_pilots(tui_cepage *page, pilotdb *db, const struct scan *s)
{
    pilotdb_rc rc;

    for (size_t i = 0; i < s->nkept; i++) {
        tui_cepage_pilot *cp = &page->pilots[i];
        int64_t id = s->newest_ids[i];
        char *reason = NULL;

        if ((rc = pilotdb_pilot_get(db, id, &cp->pilot)) != PILOTDB_OK ||
            (rc = pilotdb_pilot_reason(db, id, &reason)) != PILOTDB_OK)
            return rc;
        if (reason) {
            size_t len = cut_length(reason);
            memcpy(cp->reason, reason, len);
            cp->reason[len] = '\0';
        }
        pilotdb_free(reason);
        page->npilots++;
    }
    return PILOTDB_OK;
}

pilotdb_rc tui_cepage_read(tui_cepage *page, pilotdb *db, const char *ce_name, int64_t now,
                           const tui_grades *g)
{
    struct scan *s = calloc(1, sizeof *s);
    pilotdb_rc rc;

    memset(page, 0, sizeof *page);
    if (!s)
        return PILOTDB_ENOMEM;
    s->page = page;
    page->first_at = PILOTDB_NO_TIME;
    if ((rc = pilotdb_begin_read(db)) != PILOTDB_OK)
        goto out;
    if ((rc = pilotdb_ce_get(db, ce_name, &page->ce)) != PILOTDB_OK ||
        (rc = pilotdb_clock_kind(db, &page->clock)) != PILOTDB_OK)
        goto out;
    if (now == PILOTDB_NO_TIME && (rc = page_clock(db, page->clock, &now)) != PILOTDB_OK)
        goto out;
    page->now = now;
    if ((rc = pilotdb_ce_pilots_scan(db, ce_name, scan_pilot, s)) != PILOTDB_OK)
        goto out;
    if (s->oom) {
        rc = PILOTDB_ENOMEM;
        goto out;
    }
    fill_windows(page, s, g);
    fill_trends(page, s);
    top_reasons(s, REASON_FAILED, &page->failed);
    top_reasons(s, REASON_HELD, &page->held);
    if ((rc = read_pilots(page, db, s)) != PILOTDB_OK ||
        (rc = pilotdb_ce_history(db, ce_name, INT64_MIN, &page->changes,
                                 &page->nchanges)) != PILOTDB_OK)
        goto out;
    if (page->nchanges) {
        page->last_change = &page->changes[0];
        page->created = &page->changes[page->nchanges - 1];
    }
    rc = pilotdb_commit(db);
out:
    if (rc != PILOTDB_OK) {
        if (pilotdb_in_transaction(db))
            pilotdb_rollback(db);
        tui_cepage_free(page);
    }
    for (size_t i = 0; i < s->cap; i++)
        free(s->reasons[i].text);
    free(s->reasons);
    free(s);
    return rc;
}

void tui_cepage_free(tui_cepage *page)
{
    pilotdb_free(page->changes);
    memset(page, 0, sizeof *page);
}

size_t tui_cepage_timeline(const pilotdb_pilot *p, tui_timeline_step out[3])
{
    size_t n = 0;

    if (p->submitted_kind != PILOTDB_TIME_NONE)
        out[n++] = (tui_timeline_step){ PILOT_SUBMITTED, p->submitted_at, p->submitted_kind };
    if (p->started_kind != PILOTDB_TIME_NONE)
        out[n++] = (tui_timeline_step){ PILOT_RUNNING, p->started_at, p->started_kind };
    if (p->ended_kind != PILOTDB_TIME_NONE)
        out[n++] = (tui_timeline_step){ p->status, p->ended_at, p->ended_kind };
    return n;
}
