/*
 * view.c - the dashboard's view model, collected from one DB snapshot.
 *
 * rows keeps the CEs in the order pilotdb_ce_list() gives them (by name), so
 * sorting and filtering only shuffle an index array: ties in any column fall
 * back to the name order for free, and a 10,000-CE frame moves no CE rows.
 */
#include "pilottui.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "order.h"
#include "tree.h"
#include "trend.h"

static const struct {
    const char *title;
    const char *key;
    int descending; /* default order of the column */
} columns[TUI_NCOLUMNS] = {
    [TUI_COL_NAME] = { "NAME", "name", 0 },
    [TUI_COL_SITE] = { "SITE", "site", 0 },
    [TUI_COL_STATE] = { "STATE", "state", 1 },
    [TUI_COL_SLOTS] = { "SLOTS", "slots", 1 },
    [TUI_COL_ACTIVE] = { "ACT/CAP", "active", 1 },
    [TUI_COL_RUNNING] = { "RUN", "running", 1 },
    [TUI_COL_SUBMITTED] = { "SUB", "submitted", 1 },
    [TUI_COL_DONE] = { "DONE", "done", 1 },
    [TUI_COL_FAILED] = { "FAIL", "failed", 1 },
    [TUI_COL_DONE_RATE] = { "DONE/H", "done_per_hour", 1 },
    [TUI_COL_FAILED_RATE] = { "FAIL/H", "failed_per_hour", 1 },
    [TUI_COL_SUBMITTED_RATE] = { "SUB/H", "submitted_per_hour", 1 },
    [TUI_COL_EFFICIENCY] = { "EFF", "efficiency", 1 },
    [TUI_COL_GRADE] = { "GRADE", "grade", 1 },
    [TUI_COL_CONFIGURED] = { "CONF", "configured", 1 },
    [TUI_COL_TREND] = { "TREND", "trend", 1 },
};

const char *tui_column_title(tui_column column)
{
    return (unsigned)column < TUI_NCOLUMNS ? columns[column].title : "?";
}

const char *tui_column_key(tui_column column)
{
    return (unsigned)column < TUI_NCOLUMNS ? columns[column].key : "?";
}

int order_column_descending(tui_column column)
{
    return (unsigned)column < TUI_NCOLUMNS && columns[column].descending;
}

void tui_bar_split(int64_t running, int64_t submitted, int64_t capacity,
                   int width, int out[3])
{
    double total, scale;
    int run, sub;

    out[0] = out[1] = out[2] = 0;
    if (width <= 0)
        return;
    if (running < 0)
        running = 0;
    if (submitted < 0)
        submitted = 0;
    total = (double)(capacity > running + submitted ? capacity : running + submitted);
    if (total <= 0) {
        out[2] = width;
        return;
    }
    scale = (double)width / total;
    run = (int)lround((double)running * scale);
    sub = (int)lround((double)(running + submitted) * scale) - run;
    if (running > 0 && run == 0)
        run = 1;
    if (submitted > 0 && sub == 0)
        sub = 1;
    /* Rounding up both may overflow a narrow bar; take it back from the
     * larger part. */
    while (run + sub > width) {
        if (run >= sub && run > (running > 0))
            run--;
        else if (sub > (submitted > 0))
            sub--;
        else
            run--;
    }
    /* A CE with free slots keeps at least one free cell. */
    if (capacity > running + submitted && run + sub == width && width > 1) {
        if (run >= sub && run > 1)
            run--;
        else if (sub > 1)
            sub--;
    }
    out[0] = run;
    out[1] = sub;
    out[2] = width - run - sub;
}

int tui_duration_parse(const char *text, int64_t *ms)
{
    static const struct {
        const char *unit;
        double ms;
    } units[] = { { "ms", 1 }, { "s", 1e3 }, { "m", 60e3 }, { "h", 3600e3 }, { "d", 86400e3 } };
    char *end = NULL;
    double value;

    *ms = 0;
    value = text ? strtod(text, &end) : 0;
    if (!text || end == text || isspace((unsigned char)text[0]) || !(value >= 0))
        return -1;
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        if (strcmp(end, units[u].unit) != 0)
            continue;
        value *= units[u].ms;
        if (value > 1e15)
            return -1;
        *ms = (int64_t)(value + 0.5);
        return 0;
    }
    return -1;
}

int tui_window_parse(const char *text, int64_t *ms, char *err, size_t err_size)
{
    if (tui_duration_parse(text, ms) != 0) {
        snprintf(err, err_size, "'%s' is not a duration like 5m, 1h or 7d", text ? text : "");
        return -1;
    }
    if (*ms < TUI_WINDOW_MIN_MS || *ms > TUI_WINDOW_MAX_MS) {
        *ms = 0;
        snprintf(err, err_size, "%s is out of range [5m, 7d]", text);
        return -1;
    }
    return 0;
}

void tui_view_init(tui_view *view, const tui_view_options *opts)
{
    memset(view, 0, sizeof *view);
    if (opts)
        view->opts = *opts;
    if (view->opts.bucket_ms <= 0)
        view->opts.bucket_ms = 60000;
    if (view->opts.window_ms <= 0)
        view->opts.window_ms = TUI_WINDOW_DEFAULT_MS;
    if (view->opts.stale_ms <= 0)
        view->opts.stale_ms = TUI_STALE_DEFAULT_MS;
    view->grades = view->opts.grades ? *view->opts.grades : tui_grades_default;
    view->opts.grades = &view->grades;
    view->selected = -1;
    view->sort = TUI_COL_NAME;
}

void tui_view_free(tui_view *view)
{
    free(view->rows);
    free(view->visible);
    free(view->sort_keys);
    free(view->slots);
    free(view->sites);
    free(view->scratch);
    free(view->sorted);
    free(view->sorted_keys);
    pilotdb_free(view->ces);
    trend_free(view->trend);
    memset(view, 0, sizeof *view);
    view->selected = -1;
}

/* counts[TREND_NKINDS] as rates over span_ms. */
static void fill_rates(tui_rates *r, const int64_t *counts, int64_t span_ms)
{
    double hours = (double)span_ms / 3600000.0;

    r->submitted = counts[TREND_SUBMITTED];
    r->done = counts[TREND_DONE];
    r->failed = counts[TREND_FAILED];
    r->submitted_per_hour = span_ms > 0 ? (double)r->submitted / hours : 0.0;
    r->done_per_hour = span_ms > 0 ? (double)r->done / hours : 0.0;
    r->failed_per_hour = span_ms > 0 ? (double)r->failed / hours : 0.0;
}

/* Stale is a wall-clock database's word: a simulation's clock stops
 * between runs and its quiet CEs are not out of date. */
static int stale_applies(const tui_view *view)
{
    return !view->event_clock && view->clock_kind == PILOTDB_CLOCK_WALL;
}

/* The rows of view->ces (with view->slots), their rates, grades and
 * states, and the totals. */
static void compute_totals(tui_view *view)
{
    tui_totals *t = &view->totals;
    int64_t stale_ms = stale_applies(view) ? view->opts.stale_ms : 0;

    memset(t, 0, sizeof *t);
    t->ces = view->nrows;
    t->rate_span_ms = trend_rate_span(view->trend);
    t->rates_partial = t->rate_span_ms < view->opts.window_ms;
    fill_rates(&t->rates, view->trend->win.total, t->rate_span_ms);
    t->grade = tui_grade_of(&view->grades, t->rates.done, t->rates.failed, &t->efficiency);
    for (size_t i = 0; i < view->nrows; i++) {
        tui_ce_row *row = &view->rows[i];
        const pilotdb_ce *ce = &view->ces[i];

        /* every field of the row is written here, in the one pass */
        row->ce = ce;
        row->trend_slot = view->slots[i];
        for (int s = 0; s < PILOT_NSTATUS; s++)
            t->count[s] += ce->count[s];
        t->active += ce->active;
        if (ce->enabled) {
            t->ces_enabled++;
            t->capacity += ce->capacity;
        } else {
            t->active_disabled += ce->active;
        }
        fill_rates(&row->rates, view->trend->win.in[row->trend_slot], t->rate_span_ms);
        row->grade = tui_grade_of(&view->grades, row->rates.done, row->rates.failed,
                                  &row->efficiency);
        row->state = tui_state_of(ce, view->now, stale_ms, &row->over_cause);
        t->ces_state[row->state]++;
        t->ces_lowered += row->over_cause == TUI_OVER_LOWERED;
    }
}

int tui_view_simulated(const tui_view *view)
{
    return view->event_clock || view->clock_kind == PILOTDB_CLOCK_SIM;
}

void tui_view_sort(tui_view *view, tui_column column, int reverse)
{
    if ((unsigned)column >= TUI_NCOLUMNS)
        column = TUI_COL_NAME;
    view->sort = column;
    view->sort_reverse = reverse != 0;
    order_rebuild(view);
}

void tui_view_filter(tui_view *view, const char *filter)
{
    size_t len = filter ? strlen(filter) : 0;

    if (len > PILOTDB_NAME_MAX)
        len = PILOTDB_NAME_MAX;
    memcpy(view->filter, filter ? filter : "", len);
    view->filter[len] = '\0';
    order_rebuild(view);
}

void tui_view_select_move(tui_view *view, long delta)
{
    long target;

    if (view->nvisible == 0)
        return;
    target = (view->selected < 0 ? 0 : view->selected) + delta;
    if (target < 0)
        target = 0;
    if (target >= (long)view->nvisible)
        target = (long)view->nvisible - 1;
    view->selected = target;
    order_remember_selection(view);
}

const tui_ce_row *tui_view_selected(const tui_view *view)
{
    if (view->selected < 0 || (size_t)view->selected >= view->nvisible)
        return NULL;
    return tui_view_visible_row(view, (size_t)view->selected);
}

const tui_ce_row *tui_view_visible_row(const tui_view *view, size_t i)
{
    size_t v = view->visible[i];
    return (v & TREE_SITE_LINE) ? NULL : &view->rows[v];
}

const tui_site *tui_view_visible_site(const tui_view *view, size_t i)
{
    size_t v = view->visible[i];
    return (v & TREE_SITE_LINE) ? &view->sites[v & ~TREE_SITE_LINE] : NULL;
}

pilotdb_rc tui_view_tree(tui_view *view, int on)
{
    if (on && tree_sites(view) != 0)
        return PILOTDB_ENOMEM;
    view->tree = on != 0;
    if (!view->tree && view->selected_is_site) {
        /* the site line goes: its first CE takes the selection */
        view->selected_is_site = 0;
        view->selected_name[0] = '\0';
    }
    if (view->rows)
        order_rebuild(view);
    return PILOTDB_OK;
}

int tui_view_tree_fold(tui_view *view, int collapse)
{
    const tui_ce_row *row;
    size_t s;

    if (!view->tree || view->selected < 0)
        return -1;
    row = tui_view_selected(view);
    if (row) {
        /* on a CE: Left goes up to its site line, Right does nothing */
        if (!collapse)
            return -1;
        for (long i = view->selected; i >= 0; i--) {
            if (tui_view_visible_site(view, (size_t)i)) {
                view->selected = i;
                order_remember_selection(view);
                return 0;
            }
        }
        return -1;
    }
    s = view->visible[view->selected] & ~TREE_SITE_LINE;
    if (view->sites[s].collapsed == (collapse != 0))
        return -1;
    view->sites[s].collapsed = collapse != 0;
    order_rebuild(view);
    return 0;
}

void tui_view_trend(const tui_view *view, const tui_ce_row *row, int64_t *out,
                    size_t n)
{
    if (!view->trend) {
        for (size_t i = 0; i < n && i < TUI_TREND_BUCKETS; i++)
            out[i] = row ? row->ce->active : view->totals.active;
        return;
    }
    trend_series(view->trend, row ? row->trend_slot : (size_t)-1,
                 row ? row->ce->active : view->totals.active, out, n);
}

/* ---- one frame ------------------------------------------------------------------- */

/* The newest change of any pilot of the n CEs of ces, or PILOTDB_NO_TIME. */
static int64_t newest_change(const pilotdb_ce *ces, size_t n)
{
    int64_t newest = PILOTDB_NO_TIME;

    for (size_t i = 0; i < n; i++)
        if (ces[i].last_change_at > newest)
            newest = ces[i].last_change_at;
    return newest;
}

/*
 * Where "now" comes from.  A database written by the simulator in another
 * process holds virtual times (milliseconds from the start of the run) while
 * this handle runs on the wall clock; then the newest change is the clock,
 * or the trends would show an empty window.  The database's clock kind
 * (kind) says which; a database no writer has claimed yet (or one of
 * before schema 5 opened read-only) is judged by its newest change once it
 * has one (a dashboard may start before the simulator's first change).
 * The event clock then follows the newest change (CEs stay and their
 * last_change_at only grows, so there is one from then on).  *restart is
 * set when the event clock replaces the wall clock of earlier frames.
 */
static int64_t choose_clock(tui_view *view, const pilotdb_ce *ces, size_t n, int64_t now,
                            pilotdb_clock_type kind, int *restart)
{
    /* 2001-09-09 in Unix milliseconds: wall times are above, virtual below. */
    const int64_t wall_epoch = 1000000000000;

    *restart = 0;
    if (!view->clock_chosen) {
        int64_t newest = newest_change(ces, n);
        /* Not for a virtual handle, nor for a database of wall times. */
        view->clock_chosen = now < wall_epoch || newest != PILOTDB_NO_TIME ||
                             kind != PILOTDB_CLOCK_UNSET;
        view->event_clock = now >= wall_epoch &&
                            (kind == PILOTDB_CLOCK_SIM ||
                             (kind == PILOTDB_CLOCK_UNSET && newest != PILOTDB_NO_TIME &&
                              newest < wall_epoch));
        *restart = view->event_clock;
        return !view->event_clock ? now : newest != PILOTDB_NO_TIME ? newest : 0;
    }
    if (view->event_clock) {
        int64_t newest = newest_change(ces, n);
        return newest != PILOTDB_NO_TIME ? newest : 0;
    }
    return now;
}

/*
 * Find the trend slot of every CE of ces into view->slots, adding slots for
 * new CEs.  The CE list rarely changes between frames, so the slot a row had
 * last frame is tried first and the binary search is the exception.
 */
static int map_slots(tui_view *view, const pilotdb_ce *ces, size_t n)
{
    struct tui_trend *trend = view->trend;
    int missing = 0;

    if (n > view->nslots_alloc) {
        size_t *slots = realloc(view->slots, n * sizeof *slots);
        if (!slots)
            return -1;
        view->slots = slots;
        view->nslots_alloc = n;
    }
    for (size_t i = 0; i < n; i++) {
        size_t guess = i < view->nrows ? view->rows[i].trend_slot : (size_t)-1;
        if (guess < trend->nslots && trend->ids[guess] == ces[i].id)
            view->slots[i] = guess;
        else if ((view->slots[i] = trend_slot(trend, ces[i].id)) == (size_t)-1)
            missing = 1;
    }
    if (!missing)
        return 0;
    if (trend_sync(trend, ces, n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        view->slots[i] = trend_slot(trend, ces[i].id);
    return 0;
}

/* A pilotdb_event_cb that notes that there is an event and stops. */
static int found_event(void *arg, const pilotdb_event *event)
{
    (void)event;
    *(int *)arg = 1;
    return 1;
}

/*
 * Read the history of the sparkline and rate windows into trend (with_trend
 * non-zero: the first frame), or of the rate window alone, which is emptied
 * first.  One event before the rate window is enough to know that the rates
 * divide by the whole window.
 */
static pilotdb_rc read_history(struct tui_trend *trend, pilotdb *db, int with_trend)
{
    pilotdb_event_filter history = with_trend ? trend_history(trend)
                                              : trend_rate_history(trend);
    pilotdb_event_filter before = trend_before_window(trend);
    pilotdb_rc rc;

    if (!with_trend)
        trend_window_reset(trend);
    rc = pilotdb_events_foreach(db, &history,
                                with_trend ? trend_add_event : trend_add_rate_event, trend);
    if (rc == PILOTDB_OK && trend->failed)
        rc = PILOTDB_ENOMEM;
    if (rc != PILOTDB_OK)
        return rc;
    trend_history_done(trend);
    rc = pilotdb_events_foreach(db, &before, found_event, &trend->win.history_before);
    if (rc == PILOTDB_OK)
        trend->win.unread = 0;
    return rc;
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Whether a quiet frame may read the rate window again to date exactly what
 * frames dated by their CE's last change.  A writer that commits in batches
 * (an ingest, every second) makes every other frame quiet, and a read is a
 * scan of the pilots (a few hundred ms at a million), which would make every
 * other frame slow: a read that costs more than QUIET_READ_CHEAP_MS waits
 * QUIET_READ_EVERY_MS after the last one (and 20 times its cost, so that
 * reads never take more than a twentieth of the time).  Until then what the
 * batches moved counts as of its CE's last change: for a live source at most
 * a batch late.  A small database reads every time.
 */
#define QUIET_READ_CHEAP_MS 10
#define QUIET_READ_EVERY_MS 30000
static int quiet_reread_due(const tui_view *view)
{
    int64_t wait = view->reread_cost < QUIET_READ_CHEAP_MS ? 0
                   : 20 * view->reread_cost > QUIET_READ_EVERY_MS ? 20 * view->reread_cost
                                                                   : QUIET_READ_EVERY_MS;
    return view->reread_at == 0 || monotonic_ms() - view->reread_at >= wait;
}

pilotdb_rc tui_view_update(tui_view *view, pilotdb *db)
{
    pilotdb_ce *ces = NULL;
    size_t n = 0;
    int moved, restart, fresh = !view->trend; /* fresh: a new, empty trend store */
    pilotdb_clock_type kind = PILOTDB_CLOCK_UNSET;
    uint64_t version;
    int64_t now;
    pilotdb_rc rc;

    if (fresh && !(view->trend = trend_new(view->opts.bucket_ms, view->opts.window_ms)))
        return PILOTDB_ENOMEM;
    rc = pilotdb_begin_read(db);
    if (rc != PILOTDB_OK)
        goto out;
    rc = pilotdb_data_version(db, &version);
    if (rc != PILOTDB_OK)
        goto out;
    /* An unchanged database: the last frame's CEs are this one's (the clock,
     * the windows and the states still move on). */
    if (version == view->ces_version && view->rows) {
        ces = view->ces;
        n = view->nrows;
    } else if ((rc = pilotdb_ce_list(db, 0, &ces, &n)) != PILOTDB_OK) {
        goto out;
    }
    if (!view->clock_chosen && (rc = pilotdb_clock_kind(db, &kind)) != PILOTDB_OK)
        goto out;
    if (!view->clock_chosen)
        view->clock_kind = kind;
    now = choose_clock(view, ces, n, pilotdb_now(db), kind, &restart);
    if (restart && !fresh) {
        /* The wall-clock windows of the frames before mean nothing on the
         * simulator's clock: start again from its history. */
        trend_free(view->trend);
        fresh = 1;
        if (!(view->trend = trend_new(view->opts.bucket_ms, view->opts.window_ms))) {
            rc = PILOTDB_ENOMEM;
            goto out;
        }
    }
    if (map_slots(view, ces, n) != 0) {
        rc = PILOTDB_ENOMEM;
        goto out;
    }
    trend_advance(view->trend, now);
    /* The first frame reads the windows' history, later ones only the
     * counters of this snapshot (and the rate window again when it is no
     * longer exact and the database went quiet). */
    if (fresh && (rc = read_history(view->trend, db, 1)) != PILOTDB_OK)
        goto out;
    moved = trend_count(view->trend, ces, view->slots, n, !fresh);
    if (moved < 0) {
        rc = PILOTDB_ENOMEM;
        goto out;
    }
    if (!fresh && trend_window_stale(view->trend, moved, quiet_reread_due(view))) {
        int64_t start = monotonic_ms();
        if ((rc = read_history(view->trend, db, 0)) != PILOTDB_OK)
            goto out;
        view->reread_at = monotonic_ms();
        view->reread_cost = view->reread_at - start;
    }
    rc = pilotdb_commit(db);
    if (rc != PILOTDB_OK)
        goto out;

    if (n > view->nrows || !view->rows) {
        tui_ce_row *rows = realloc(view->rows, (n ? n : 1) * sizeof *rows);
        size_t *visible;
        double *keys;
        if (!rows) {
            rc = PILOTDB_ENOMEM;
            goto out;
        }
        view->rows = rows;
        /* twice: the tree adds a line per site and groups in the second half */
        visible = realloc(view->visible, (2 * n + 1) * sizeof *visible);
        if (!visible) {
            rc = PILOTDB_ENOMEM;
            goto out;
        }
        view->visible = visible;
        visible = realloc(view->scratch, (n + 1) * sizeof *visible);
        if (!visible) {
            rc = PILOTDB_ENOMEM;
            goto out;
        }
        view->scratch = visible;
        keys = realloc(view->sort_keys, (n ? n : 1) * sizeof *keys);
        if (!keys) {
            rc = PILOTDB_ENOMEM;
            goto out;
        }
        view->sort_keys = keys;
    }
    view->nrows = n;
    /* The rows point into this frame's list; the last frame's goes. */
    if (ces != view->ces)
        pilotdb_free(view->ces);
    view->ces = ces;
    view->ces_version = version;
    ces = NULL;
    view->now = now;
    view->frames++;
    compute_totals(view);
    if (view->tree && tree_sites(view) != 0) {
        rc = PILOTDB_ENOMEM;
        view->tree = 0; /* flat rather than a stale tree */
    }
    order_rebuild(view);
out:
    if (rc != PILOTDB_OK && pilotdb_in_transaction(db))
        pilotdb_rollback(db);
    if (rc != PILOTDB_OK && fresh) {
        /* A first frame that failed may have read part of the history: the
         * next one starts again from an empty store. */
        trend_free(view->trend);
        view->trend = NULL;
    }
    if (ces != view->ces)
        pilotdb_free(ces);
    return rc;
}
