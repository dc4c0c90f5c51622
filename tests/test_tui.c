/*
 * test_tui.c - libpilottui without a terminal: the view model from sample
 * databases (counts, states, health, bars, sort, filter, trends), the layout
 * at several sizes, and the headless text and JSON frames; the what-if of
 * `w`: its form, its worker and the text of its panel.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curses.h>
#include <jansson.h>
#include <sqlite3.h>

#include "draw.h"
#include "fixtures.h"
#include "keys.h"
#include "pilottui.h"
#include "whatif.h"

/* cmocka 1.1 has no assert_double_equal. */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static char *frame_text(const tui_view *view, int width, int unicode);

/* Build a view of db at virtual time now with 1 s trend buckets. */
static void view_at(tui_view *view, pilotdb *db, int64_t now)
{
    tui_view_options opts = { .bucket_ms = 1000 };

    tui_view_init(view, &opts);
    fx_clock_ms = now;
    fx_ok(db, tui_view_update(view, db));
}

static const tui_ce_row *row_named(const tui_view *view, const char *name)
{
    for (size_t i = 0; i < view->nrows; i++)
        if (strcmp(view->rows[i].ce->name, name) == 0)
            return &view->rows[i];
    fail_msg("no row %s", name);
    return NULL;
}

static const char *visible_name(const tui_view *view, size_t i)
{
    assert_true(i < view->nvisible);
    return tui_view_visible_row(view, i)->ce->name;
}

/* The id of the first pilot (by id) of CE ce_name in status. */
static int64_t pilot_in(pilotdb *db, const char *ce_name, pilot_status status)
{
    pilotdb_pilot_filter filter = { (int)status, ce_name };
    pilotdb_pilot *pilots;
    size_t n;
    int64_t id;

    fx_ok(db, pilotdb_pilots_list(db, &filter, &pilots, &n));
    if (n == 0)
        fail_msg("no %s pilot on %s", pilot_status_name((int)status), ce_name);
    id = pilots[0].id;
    pilotdb_free(pilots);
    return id;
}

/* ---- view ---------------------------------------------------------------------- */

static void test_view_counts(void **state)
{
    pilotdb *db = fx_sample_db();
    tui_view view;
    const tui_ce_row *alpha, *beta, *gamma, *delta;

    (void)state;
    view_at(&view, db, 3000);
    assert_int_equal(view.nrows, FX_SAMPLE_NCES);
    assert_int_equal(view.nvisible, FX_SAMPLE_NCES);
    assert_int_equal(view.now, 3000);
    assert_int_equal(view.totals.ces, 4);
    assert_int_equal(view.totals.ces_enabled, 3);
    assert_int_equal(view.totals.count[PILOT_SUBMITTED], 4);
    assert_int_equal(view.totals.count[PILOT_RUNNING], 7);
    assert_int_equal(view.totals.count[PILOT_DONE], 8);
    assert_int_equal(view.totals.count[PILOT_FAILED], 3);
    assert_int_equal(view.totals.active, 11);
    assert_int_equal(view.totals.capacity, 14); /* enabled CEs only */
    /* 8 done and 3 failed in the window: 11 ended, graded */
    assert_near(view.totals.efficiency, 8.0 / 11.0, 1e-9);
    assert_int_equal(view.totals.grade, TUI_GRADE_FAIR);
    assert_int_equal(view.totals.active_disabled, 0);

    alpha = row_named(&view, "ce-alpha.example.org");
    beta = row_named(&view, "ce-beta.example.org");
    gamma = row_named(&view, "ce-gamma.example.org");
    delta = row_named(&view, "ce-delta.example.org");
    assert_int_equal(alpha->ce->active, 7);
    assert_int_equal(alpha->ce->available_slots, 3);
    assert_near(alpha->efficiency, 5.0 / 6.0, 1e-9);
    assert_int_equal(alpha->state, TUI_STATE_OK);
    assert_int_equal(beta->state, TUI_STATE_FULL);
    assert_int_equal(gamma->state, TUI_STATE_DISABLED);
    assert_int_equal(delta->state, TUI_STATE_FULL);
    assert_int_equal(alpha->grade, TUI_GRADE_IDLE); /* 6 ended: fewer than 10 */
    assert_int_equal(beta->grade, TUI_GRADE_IDLE);
    assert_int_equal(delta->grade, TUI_GRADE_IDLE);
    assert_near(delta->efficiency, -1.0, 0);
    assert_int_equal(view.totals.ces_state[TUI_STATE_FULL], 2);

    /* Name order, first row selected. */
    assert_string_equal(visible_name(&view, 0), "ce-alpha.example.org");
    assert_string_equal(visible_name(&view, 3), "ce-gamma.example.org");
    assert_int_equal(view.selected, 0);
    tui_view_free(&view);
    fx_close(db);
}

static void test_view_empty_db(void **state)
{
    pilotdb *db = fx_memory_db();
    tui_view view;

    (void)state;
    view_at(&view, db, 0);
    assert_int_equal(view.nrows, 0);
    assert_int_equal(view.nvisible, 0);
    assert_int_equal(view.selected, -1);
    assert_null(tui_view_selected(&view));
    assert_near(view.totals.efficiency, -1.0, 0);
    assert_int_equal(view.totals.grade, TUI_GRADE_IDLE);
    tui_view_select_move(&view, 1);
    assert_int_equal(view.selected, -1);
    tui_view_free(&view);
    fx_close(db);
}

/* The one number format and the grades at their edges. */
static void test_numbers_and_grades(void **state)
{
    static const struct { int64_t v; int width; const char *text; } counts[] = {
        { 0, 0, "0" }, { 999, 0, "999" }, { 5432, 0, "5 432" }, { -5432, 0, "-5 432" },
        { 99999, 0, "99 999" }, { 100000, 0, "100k" }, { 116064, 0, "116k" },
        { 999499, 0, "999k" }, { 999500, 0, "1.00M" }, { 1014000, 0, "1.01M" },
        { 12345678, 0, "12.3M" }, { 123456789, 0, "123M" }, { 12345, 5, "12.3k" },
        { 12345, 6, "12 345" }, { 1234, 4, "1.23k" }, { 1234, 5, "1 234" },
    };
    char buf[32];
    (void)state;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        tui_count_text(buf, sizeof buf, counts[i].v, counts[i].width);
        assert_string_equal(buf, counts[i].text);
    }
    tui_per_hour_text(buf, sizeof buf, 12.34, 0);
    assert_string_equal(buf, "12.3");
    tui_per_hour_text(buf, sizeof buf, 1234.4, 0);
    assert_string_equal(buf, "1 234");
    tui_per_hour_text(buf, sizeof buf, 186700.0, 0);
    assert_string_equal(buf, "187k");

    double e;
    assert_int_equal(tui_grade_of(NULL, 0, 0, &e), TUI_GRADE_IDLE);
    assert_true(e < 0);
    assert_int_equal(tui_grade_of(NULL, 9, 0, &e), TUI_GRADE_IDLE); /* 9 ended */
    assert_int_equal(tui_grade_of(NULL, 85, 15, &e), TUI_GRADE_GOOD);
    assert_true(e == 0.85);
    assert_int_equal(tui_grade_of(NULL, 84, 16, NULL), TUI_GRADE_FAIR);
    assert_int_equal(tui_grade_of(NULL, 60, 40, NULL), TUI_GRADE_FAIR);
    assert_int_equal(tui_grade_of(NULL, 59, 41, NULL), TUI_GRADE_POOR);
    assert_int_equal(tui_grade_of(NULL, 25, 75, NULL), TUI_GRADE_POOR);
    assert_int_equal(tui_grade_of(NULL, 24, 76, NULL), TUI_GRADE_BAD);
    assert_int_equal(tui_grade_of(NULL, 0, 10, NULL), TUI_GRADE_BAD);
    tui_grades g = { .good = 0.9, .fair = 0.5, .poor = 0.1, .min_ended = 3 };
    char err[128];
    assert_int_equal(tui_grade_of(&g, 2, 1, NULL), TUI_GRADE_FAIR);
    assert_int_equal(tui_grade_of(&g, 1, 1, NULL), TUI_GRADE_IDLE);
    assert_string_equal(tui_grade_name(TUI_GRADE_POOR), "Poor");
    assert_int_equal(tui_grades_check(&g, err, sizeof err), 0);
    g.fair = 0.95;
    assert_int_equal(tui_grades_check(&g, err, sizeof err), -1);
    assert_non_null(strstr(err, "good >= fair"));
    g = tui_grades_default;
    g.min_ended = 0;
    assert_int_equal(tui_grades_check(&g, err, sizeof err), -1);
}

/* A CE as the database lists it, for tui_state_of(). */
static pilotdb_ce make_ce(int enabled, int64_t capacity, int64_t active, int64_t last_change)
{
    pilotdb_ce ce;

    memset(&ce, 0, sizeof ce);
    ce.enabled = enabled;
    ce.capacity = capacity;
    ce.active = active;
    ce.count[PILOT_RUNNING] = active;
    ce.available_slots = enabled && capacity > active ? capacity - active : 0;
    ce.last_change_at = last_change;
    return ce;
}

static void expect_state(pilotdb_ce ce, int64_t now, int64_t stale_ms, tui_ce_state want,
                         tui_over_cause want_cause, const char *word)
{
    tui_over_cause cause = (tui_over_cause)-1;

    assert_int_equal(tui_state_of(&ce, now, stale_ms, &cause), want);
    assert_int_equal(cause, want_cause);
    assert_string_equal(tui_state_word(want, cause), word);
}

static void test_states(void **state)
{
    const int64_t stale = 30 * 60 * 1000;

    (void)state;
    expect_state(make_ce(1, 10, 9, 0), 0, stale, TUI_STATE_OK, TUI_OVER_NONE, "ok");
    expect_state(make_ce(1, 10, 10, 0), 0, stale, TUI_STATE_FULL, TUI_OVER_NONE, "full");
    expect_state(make_ce(1, 0, 0, 0), 0, stale, TUI_STATE_FULL, TUI_OVER_NONE, "full");
    expect_state(make_ce(1, 10, 11, 0), 0, stale, TUI_STATE_OVER, TUI_OVER_LOWERED,
                 "over:cap");
    expect_state(make_ce(0, 10, 0, 0), 0, stale, TUI_STATE_DISABLED, TUI_OVER_NONE,
                 "disabled");
    expect_state(make_ce(0, 10, 1, 0), 0, stale, TUI_STATE_OVER, TUI_OVER_DISABLED,
                 "over:dis");
    /* Stale strictly after stale_ms without a change, only when asked. */
    expect_state(make_ce(1, 10, 9, 1000), 1000 + stale, stale, TUI_STATE_OK,
                 TUI_OVER_NONE, "ok");
    expect_state(make_ce(1, 10, 9, 1000), 1001 + stale, stale, TUI_STATE_STALE,
                 TUI_OVER_NONE, "stale");
    expect_state(make_ce(1, 10, 10, 1000), 1001 + stale, stale, TUI_STATE_STALE,
                 TUI_OVER_NONE, "stale");
    expect_state(make_ce(1, 10, 9, 1000), 1001 + stale, 0, TUI_STATE_OK, TUI_OVER_NONE,
                 "ok");
    expect_state(make_ce(1, 10, 9, PILOTDB_NO_TIME), 1001 + stale, stale, TUI_STATE_OK,
                 TUI_OVER_NONE, "ok");
    /* Over and disabled win over stale. */
    expect_state(make_ce(1, 10, 11, 1000), 1001 + stale, stale, TUI_STATE_OVER,
                 TUI_OVER_LOWERED, "over:cap");
    expect_state(make_ce(0, 10, 0, 1000), 1001 + stale, stale, TUI_STATE_DISABLED,
                 TUI_OVER_NONE, "disabled");
    assert_string_equal(tui_state_name(TUI_STATE_OVER), "over");
    assert_string_equal(tui_over_cause_name(TUI_OVER_LOWERED), "capacity_lowered");
    assert_string_equal(tui_over_cause_name(TUI_OVER_DISABLED), "disabled");
}

/* Add n pilots to ce at the fixture's clock that end done or failed. */
static void ended_pilots(pilotdb *db, const char *ce, int done, int failed)
{
    int64_t id;

    for (int i = 0; i < done + failed; i++) {
        fx_ok(db, pilotdb_pilot_submit(db, ce, &id));
        fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
        fx_ok(db, pilotdb_pilot_set_status(db, id, i < done ? PILOT_DONE : PILOT_FAILED));
    }
}

/* Grades in the view, at each threshold's edge, and with thresholds of
 * the caller's. */
static void test_grades_in_view(void **state)
{
    static const struct {
        const char *name;
        int done, failed;
        tui_grade grade;
    } cases[] = {
        { "good", 17, 3, TUI_GRADE_GOOD },  /* 85 % exactly */
        { "fair", 16, 4, TUI_GRADE_FAIR },  /* 80 % */
        { "fair-edge", 12, 8, TUI_GRADE_FAIR }, /* 60 % */
        { "poor", 11, 9, TUI_GRADE_POOR },  /* 55 % */
        { "poor-edge", 5, 15, TUI_GRADE_POOR }, /* 25 % */
        { "bad", 2, 8, TUI_GRADE_BAD },     /* 20 % of 10 */
        { "idle", 5, 4, TUI_GRADE_IDLE },   /* 9 ended */
    };
    const size_t ncases = sizeof cases / sizeof cases[0];
    tui_grades strict = { 0.99, 0.9, 0.5, 5 };
    tui_view_options opts = { .bucket_ms = 1000, .grades = &strict };
    pilotdb *db = fx_memory_db();
    tui_view view;

    (void)state;
    fx_clock_ms = 1000;
    for (size_t i = 0; i < ncases; i++) {
        fx_ok(db, pilotdb_ce_add(db, cases[i].name, 100, 0.9, 1, NULL));
        ended_pilots(db, cases[i].name, cases[i].done, cases[i].failed);
    }
    view_at(&view, db, 2000);
    for (size_t i = 0; i < ncases; i++) {
        const tui_ce_row *row = row_named(&view, cases[i].name);
        if (row->grade != cases[i].grade)
            fail_msg("%s: grade %s, expected %s", cases[i].name, tui_grade_name(row->grade),
                     tui_grade_name(cases[i].grade));
        assert_near(row->efficiency,
                    (double)cases[i].done / (double)(cases[i].done + cases[i].failed), 1e-12);
        assert_int_equal(row->state, TUI_STATE_OK); /* a grade is not a state */
    }
    tui_view_sort(&view, TUI_COL_GRADE, 0); /* worst first */
    assert_string_equal(visible_name(&view, 0), "bad");
    assert_string_equal(visible_name(&view, ncases - 1), "idle");
    tui_view_sort(&view, TUI_COL_EFFICIENCY, 0);
    assert_string_equal(visible_name(&view, 0), "good");
    tui_view_free(&view);

    /* The thresholds are the caller's: 9 ended of 5 needed, 55 % is Poor,
     * and so is 85 % under 99 / 90 / 50. */
    tui_view_init(&view, &opts);
    fx_ok(db, tui_view_update(&view, db));
    assert_int_equal(row_named(&view, "idle")->grade, TUI_GRADE_POOR);
    assert_int_equal(row_named(&view, "good")->grade, TUI_GRADE_POOR);
    tui_view_free(&view);
    fx_close(db);
}

/* Over capacity and its causes, per CE and in the header's totals; stale
 * on a wall-clock database only. */
static void test_over_and_stale(void **state)
{
    const int64_t t0 = 1700000000000; /* a wall-clock time */
    pilotdb_ce_change off = { .set = PILOTDB_SET_ENABLED, .enabled = 0 };
    pilotdb_ce_change lower = { .set = PILOTDB_SET_CAPACITY, .capacity = 1 };
    tui_view_options opts = { .bucket_ms = 1000, .stale_ms = 60000 };
    pilotdb *db = fx_memory_db();
    tui_view view;
    char *text;

    (void)state;
    fx_ok(db, pilotdb_clock_claim(db, PILOTDB_CLOCK_WALL));
    fx_clock_ms = t0;
    fx_ok(db, pilotdb_ce_add(db, "drained", 5, 0.9, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "lowered", 5, 0.9, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "quiet", 5, 0.9, 1, NULL));
    for (int i = 0; i < 3; i++) {
        fx_ok(db, pilotdb_pilot_submit(db, "drained", NULL));
        fx_ok(db, pilotdb_pilot_submit(db, "lowered", NULL));
    }
    fx_ok(db, pilotdb_pilot_submit(db, "quiet", NULL));
    fx_clock_ms = t0 + 60000;
    fx_ok(db, pilotdb_ce_update(db, "drained", &off));
    fx_ok(db, pilotdb_ce_update(db, "lowered", &lower));
    tui_view_init(&view, &opts);
    fx_clock_ms = t0 + 60001;
    fx_ok(db, tui_view_update(&view, db));
    assert_false(tui_view_simulated(&view));
    assert_int_equal(row_named(&view, "drained")->state, TUI_STATE_OVER);
    assert_int_equal(row_named(&view, "drained")->over_cause, TUI_OVER_DISABLED);
    assert_int_equal(row_named(&view, "lowered")->state, TUI_STATE_OVER);
    assert_int_equal(row_named(&view, "lowered")->over_cause, TUI_OVER_LOWERED);
    assert_int_equal(row_named(&view, "quiet")->state, TUI_STATE_STALE);
    assert_int_equal(view.totals.active_disabled, 3);
    assert_int_equal(view.totals.ces_lowered, 1);
    assert_int_equal(view.totals.capacity, 6);
    assert_int_equal(view.totals.active, 7);
    tui_view_sort(&view, TUI_COL_STATE, 0); /* over first, then stale */
    assert_string_equal(visible_name(&view, 0), "drained");
    assert_string_equal(visible_name(&view, 2), "quiet");
    /* The header says why 7 pilots hold 6 slots; the rows say it too. */
    text = frame_text(&view, 100, 0);
    assert_non_null(strstr(text, "slots 7/6 116% (3 on disabled) (capacity lowered) "));
    assert_non_null(strstr(text, "over:dis"));
    assert_non_null(strstr(text, "over:cap"));
    assert_non_null(strstr(text, " stale "));
    free(text);
    tui_view_free(&view);
    fx_close(db);

    /* A simulator's database is never stale: its clock stops between runs. */
    db = fx_memory_db();
    fx_ok(db, pilotdb_clock_claim(db, PILOTDB_CLOCK_SIM));
    fx_clock_ms = 1000;
    fx_ok(db, pilotdb_ce_add(db, "quiet", 5, 0.9, 1, NULL));
    fx_ok(db, pilotdb_pilot_submit(db, "quiet", NULL));
    tui_view_init(&view, &opts);
    fx_clock_ms = 1000 + 3600000;
    fx_ok(db, tui_view_update(&view, db));
    assert_true(tui_view_simulated(&view));
    assert_int_equal(row_named(&view, "quiet")->state, TUI_STATE_OK);
    tui_view_free(&view);
    fx_close(db);
}

static void test_bars(void **state)
{
    int cells[3];

    (void)state;
    tui_bar_split(4, 3, 10, 10, cells);
    assert_int_equal(cells[0], 4);
    assert_int_equal(cells[1], 3);
    assert_int_equal(cells[2], 3);
    tui_bar_split(3, 1, 4, 4, cells); /* full */
    assert_int_equal(cells[0], 3);
    assert_int_equal(cells[1], 1);
    assert_int_equal(cells[2], 0);
    tui_bar_split(0, 0, 0, 10, cells); /* no capacity */
    assert_int_equal(cells[2], 10);
    tui_bar_split(1, 1, 1000, 10, cells); /* small counts stay visible */
    assert_int_equal(cells[0], 1);
    assert_int_equal(cells[1], 1);
    assert_int_equal(cells[2], 8);
    tui_bar_split(999, 0, 1000, 10, cells); /* a free slot stays visible */
    assert_int_equal(cells[0], 9);
    assert_int_equal(cells[2], 1);
    tui_bar_split(5, 5, 4, 10, cells); /* over capacity fills the bar */
    assert_int_equal(cells[0], 5);
    assert_int_equal(cells[1], 5);
    assert_int_equal(cells[2], 0);
    tui_bar_split(1, 1, 2, 1, cells); /* narrower than the counts */
    assert_int_equal(cells[0] + cells[1] + cells[2], 1);
    tui_bar_split(1, 1, 2, 0, cells);
    assert_int_equal(cells[0] + cells[1] + cells[2], 0);
    for (int w = 1; w <= 40; w++) {
        tui_bar_split(7, 3, 13, w, cells);
        assert_int_equal(cells[0] + cells[1] + cells[2], w);
        assert_true(cells[0] >= 0 && cells[1] >= 0 && cells[2] >= 0);
    }
}

static void test_sort(void **state)
{
    pilotdb *db = fx_sample_db();
    tui_view view;

    (void)state;
    view_at(&view, db, 3000);
    tui_view_sort(&view, TUI_COL_ACTIVE, 0); /* most active first, ties by name */
    assert_string_equal(visible_name(&view, 0), "ce-alpha.example.org");
    assert_string_equal(visible_name(&view, 1), "ce-beta.example.org");
    assert_string_equal(visible_name(&view, 2), "ce-delta.example.org");
    assert_string_equal(visible_name(&view, 3), "ce-gamma.example.org");
    tui_view_sort(&view, TUI_COL_ACTIVE, 1);
    assert_string_equal(visible_name(&view, 0), "ce-delta.example.org");
    assert_string_equal(visible_name(&view, 3), "ce-alpha.example.org");
    tui_view_sort(&view, TUI_COL_STATE, 0); /* disabled, full, full, ok */
    assert_string_equal(visible_name(&view, 0), "ce-gamma.example.org");
    assert_string_equal(visible_name(&view, 1), "ce-beta.example.org");
    assert_string_equal(visible_name(&view, 2), "ce-delta.example.org");
    assert_string_equal(visible_name(&view, 3), "ce-alpha.example.org");
    tui_view_sort(&view, TUI_COL_FAILED, 0);
    assert_string_equal(visible_name(&view, 0), "ce-beta.example.org");
    tui_view_sort(&view, TUI_COL_NAME, 1);
    assert_string_equal(visible_name(&view, 0), "ce-gamma.example.org");
    assert_string_equal(visible_name(&view, 3), "ce-alpha.example.org");

    /* The sort survives the next frame. */
    tui_view_sort(&view, TUI_COL_SLOTS, 0);
    fx_ok(db, tui_view_update(&view, db));
    assert_int_equal(view.sort, TUI_COL_SLOTS);
    assert_string_equal(visible_name(&view, 0), "ce-beta.example.org"); /* 4/4 */
    assert_string_equal(visible_name(&view, 1), "ce-alpha.example.org"); /* 7/10 */
    assert_string_equal(tui_column_key(TUI_COL_EFFICIENCY), "efficiency");
    assert_string_equal(tui_column_key(TUI_COL_GRADE), "grade");
    tui_view_sort(&view, TUI_COL_SITE, 0); /* no sites: name order */
    assert_string_equal(visible_name(&view, 0), "ce-alpha.example.org");
    tui_view_free(&view);
    fx_close(db);
}

/* A CE of site (NULL: none) with active pilots submitted. */
static void site_ce(pilotdb *db, const char *name, const char *site, int64_t capacity,
                    int active)
{
    pilotdb_ce_spec spec = { name, capacity, 0.9, 1, site, PILOTDB_CAPACITY_CONFIGURED };

    fx_ok(db, pilotdb_ce_add_spec(db, &spec, NULL));
    for (int i = 0; i < active; i++)
        fx_ok(db, pilotdb_pilot_submit(db, name, NULL));
}

static const char *line_name(const tui_view *view, size_t i)
{
    const tui_site *site = tui_view_visible_site(view, i);

    assert_true(i < view->nvisible);
    if (site)
        return site->name[0] ? site->name : TUI_NO_SITE;
    return tui_view_visible_row(view, i)->ce->name;
}

/* The tree: sites with their totals, "(no site)" last, sorting and
 * filtering inside the sites, folding, the selection kept. */
static void test_tree(void **state)
{
    pilotdb *db = fx_memory_db();
    const tui_site *cern;
    tui_view view;

    (void)state;
    fx_clock_ms = 1000;
    site_ce(db, "ce1.cern.ch", "CERN", 10, 2);
    site_ce(db, "ce2.cern.ch", "CERN", 5, 5);
    site_ce(db, "ce1.fnal.gov", "FNAL", 20, 9);
    site_ce(db, "lonely.org", NULL, 3, 1);
    view_at(&view, db, 2000);
    fx_ok(db, tui_view_tree(&view, 1));
    assert_int_equal(view.nsites, 3);
    assert_int_equal(view.nvisible, 7);
    assert_string_equal(line_name(&view, 0), "CERN");
    assert_string_equal(line_name(&view, 1), "ce1.cern.ch");
    assert_string_equal(line_name(&view, 2), "ce2.cern.ch");
    assert_string_equal(line_name(&view, 3), "FNAL");
    assert_string_equal(line_name(&view, 5), TUI_NO_SITE);
    assert_string_equal(line_name(&view, 6), "lonely.org");
    assert_null(tui_view_visible_row(&view, 0));
    cern = tui_view_visible_site(&view, 0);
    assert_int_equal(cern->ces, 2);
    assert_int_equal(cern->active, 7);
    assert_int_equal(cern->capacity, 15);
    assert_int_equal(cern->state, TUI_STATE_FULL); /* its fullest CE */
    assert_int_equal(cern->rates.submitted, 7);

    /* Sorted by active pilots: sites by their totals, CEs inside theirs,
     * "(no site)" last whatever its figures. */
    tui_view_sort(&view, TUI_COL_ACTIVE, 0);
    assert_string_equal(line_name(&view, 0), "FNAL");
    assert_string_equal(line_name(&view, 2), "CERN");
    assert_string_equal(line_name(&view, 3), "ce2.cern.ch");
    assert_string_equal(line_name(&view, 4), "ce1.cern.ch");
    assert_string_equal(line_name(&view, 5), TUI_NO_SITE);

    /* The filter keeps the sites with a CE that passes. */
    tui_view_filter(&view, "ce1");
    assert_int_equal(view.nvisible, 4);
    assert_string_equal(line_name(&view, 0), "FNAL");
    assert_string_equal(line_name(&view, 2), "CERN");
    assert_string_equal(line_name(&view, 3), "ce1.cern.ch");
    tui_view_filter(&view, NULL);

    /* Select a CE, fold its site from it (Left goes up first), unfold. */
    tui_view_select_move(&view, 3 - view.selected);
    assert_string_equal(tui_view_selected(&view)->ce->name, "ce2.cern.ch");
    assert_int_equal(tui_view_tree_fold(&view, 0), -1); /* Right on a CE */
    assert_int_equal(tui_view_tree_fold(&view, 1), 0);
    assert_null(tui_view_selected(&view));
    assert_string_equal(line_name(&view, view.selected), "CERN");
    assert_int_equal(tui_view_tree_fold(&view, 1), 0);
    assert_int_equal(view.nvisible, 5);
    assert_int_equal(tui_view_tree_fold(&view, 1), -1); /* already */
    /* the fold and the selection survive the next frame */
    fx_ok(db, tui_view_update(&view, db));
    assert_int_equal(view.nvisible, 5);
    assert_string_equal(line_name(&view, view.selected), "CERN");
    assert_int_equal(tui_view_tree_fold(&view, 0), 0);
    assert_int_equal(view.nvisible, 7);

    /* Flat again: the CEs alone. */
    fx_ok(db, tui_view_tree(&view, 0));
    assert_int_equal(view.nvisible, 4);
    assert_non_null(tui_view_selected(&view));
    assert_int_equal(tui_view_tree_fold(&view, 1), -1);
    tui_view_free(&view);
    fx_close(db);
}

static void test_filter_and_selection(void **state)
{
    pilotdb *db = fx_sample_db();
    tui_view view;

    (void)state;
    view_at(&view, db, 3000);
    tui_view_select_move(&view, 1);
    assert_string_equal(tui_view_selected(&view)->ce->name, "ce-beta.example.org");
    tui_view_sort(&view, TUI_COL_STATE, 0); /* beta moves; the selection follows */
    assert_string_equal(tui_view_selected(&view)->ce->name, "ce-beta.example.org");
    assert_int_equal(view.selected, 1);

    tui_view_filter(&view, "GAMMA");
    assert_int_equal(view.nvisible, 1);
    assert_string_equal(visible_name(&view, 0), "ce-gamma.example.org");
    assert_string_equal(tui_view_selected(&view)->ce->name, "ce-gamma.example.org");
    fx_ok(db, tui_view_update(&view, db)); /* the filter survives a frame */
    assert_int_equal(view.nvisible, 1);

    tui_view_filter(&view, "nothing-like-it");
    assert_int_equal(view.nvisible, 0);
    assert_null(tui_view_selected(&view));
    tui_view_filter(&view, "example.ORG");
    assert_int_equal(view.nvisible, 4);
    tui_view_filter(&view, NULL);
    assert_int_equal(view.nvisible, 4);
    assert_string_equal(view.filter, "");

    tui_view_select_move(&view, 100);
    assert_int_equal(view.selected, 3);
    tui_view_select_move(&view, -100);
    assert_int_equal(view.selected, 0);
    tui_view_free(&view);
    fx_close(db);
}

/* The trend of CE ce_name (NULL: the total) over the last n buckets is
 * want[0..n-1], oldest first. */
static void expect_trend(const tui_view *view, const char *ce_name, size_t n,
                         const int64_t *want)
{
    int64_t got[TUI_TREND_BUCKETS];

    tui_view_trend(view, ce_name ? row_named(view, ce_name) : NULL, got, n);
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i])
            fail_msg("trend of %s at frame %llu (now %lld): bucket %zu of the last %zu"
                     " is %lld, want %lld", ce_name ? ce_name : "all",
                     (unsigned long long)view->frames, (long long)view->now, i, n,
                     (long long)got[i], (long long)want[i]);
}

/* The rates of row (NULL: the totals) count submitted, done and failed
 * pilots of the rate window, per hour over span_ms. */
static void expect_rates_of(const tui_view *view, const tui_ce_row *row, int64_t submitted,
                            int64_t done, int64_t failed, int64_t span_ms)
{
    const tui_rates *r = row ? &row->rates : &view->totals.rates;
    double hours = (double)span_ms / 3600000.0;

    if (r->submitted != submitted || r->done != done || r->failed != failed ||
        view->totals.rate_span_ms != span_ms ||
        fabs(r->submitted_per_hour - (double)submitted / hours) > 1e-6 ||
        fabs(r->done_per_hour - (double)done / hours) > 1e-6 ||
        fabs(r->failed_per_hour - (double)failed / hours) > 1e-6)
        fail_msg("rates of %s at frame %llu (now %lld): %lld submitted, %lld done, %lld"
                 " failed over %lld ms (%.6f, %.6f, %.6f per hour), want %lld, %lld, %lld"
                 " over %lld ms", row ? row->ce->name : "all",
                 (unsigned long long)view->frames, (long long)view->now,
                 (long long)r->submitted, (long long)r->done, (long long)r->failed,
                 (long long)view->totals.rate_span_ms, r->submitted_per_hour,
                 r->done_per_hour, r->failed_per_hour, (long long)submitted,
                 (long long)done, (long long)failed, (long long)span_ms);
    assert_int_equal(view->totals.rates_partial, span_ms < view->opts.window_ms);
}

static void expect_rates(const tui_view *view, int64_t submitted, int64_t done,
                         int64_t failed, int64_t span_ms)
{
    expect_rates_of(view, NULL, submitted, done, failed, span_ms);
}

#define ALPHA "ce-alpha.example.org"
#define BETA "ce-beta.example.org"

static void test_trend_and_rates(void **state)
{
    pilotdb *db = fx_sample_db();
    tui_view view;
    int64_t id;

    (void)state;
    /* Submissions at 1000 ms, changes at 2000 ms, buckets of 1 s. */
    view_at(&view, db, 3000);
    expect_trend(&view, NULL, 4, (int64_t[]){ 0, 22, 11, 11 });
    expect_trend(&view, ALPHA, 3, (int64_t[]){ 13, 7, 7 });
    /* 22 submitted, 8 done and 3 failed since the first event (1000 ms):
     * the hour's window is not full. */
    expect_rates(&view, 22, 8, 3, 2000);

    /* Later frames add each CE's change since the frame before to the
     * bucket of their now: nothing is lost or counted twice. */
    fx_clock_ms = 3500;
    fx_ok(db, pilotdb_pilot_submit(db, ALPHA, &id));
    fx_ok(db, tui_view_update(&view, db));
    expect_trend(&view, ALPHA, 3, (int64_t[]){ 13, 7, 8 });
    fx_clock_ms = 5200;
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_FAILED));
    fx_ok(db, tui_view_update(&view, db));
    fx_ok(db, tui_view_update(&view, db));
    /* 2000-2999, 3000-3999, 4000-4999, now */
    expect_trend(&view, ALPHA, 4, (int64_t[]){ 7, 8, 8, 7 });
    expect_trend(&view, NULL, 2, (int64_t[]){ 12, 11 });
    /* Still less than the hour since the first event. */
    expect_rates(&view, 23, 8, 4, 4200);

    /* Long after, the history scrolls out and the line is flat. */
    fx_clock_ms = 1000000;
    fx_ok(db, tui_view_update(&view, db));
    expect_trend(&view, NULL, 4, (int64_t[]){ 11, 11, 11, 11 });
    expect_rates(&view, 23, 8, 4, 999000);
    /* An hour after the last change, nothing is left in the window. */
    fx_clock_ms = 5200 + 3600000 + 1;
    fx_ok(db, tui_view_update(&view, db));
    expect_rates(&view, 0, 0, 0, 3600000);
    tui_view_free(&view);
    fx_close(db);
}

/* A view of db at now with a rate window of window_ms, read afresh (as
 * `top --once` reads it). */
static void fresh_view_at(tui_view *view, pilotdb *db, int64_t now, int64_t window_ms)
{
    tui_view_options opts = { .bucket_ms = 1000, .window_ms = window_ms };

    tui_view_init(view, &opts);
    fx_clock_ms = now;
    fx_ok(db, tui_view_update(view, db));
}

/* A view of db read afresh at live's clock and window (as `top --once`
 * reads it) agrees with live on every rate. */
static void expect_fresh_agrees(const tui_view *live, pilotdb *db)
{
    tui_view fresh_view, *fresh = &fresh_view;
    const tui_rates *a = &live->totals.rates, *b;

    fresh_view_at(fresh, db, live->now, live->opts.window_ms);
    b = &fresh->totals.rates;

    assert_int_equal(live->now, fresh->now);
    assert_int_equal(live->totals.rate_span_ms, fresh->totals.rate_span_ms);
    assert_int_equal(live->totals.rates_partial, fresh->totals.rates_partial);
    assert_memory_equal(a, b, sizeof *a);
    for (size_t i = 0; i < live->nrows; i++)
        assert_memory_equal(&live->rows[i].rates, &fresh->rows[i].rates, sizeof *a);
    tui_view_free(fresh);
}

#define MIN_MS (60 * 1000)

/* Submit a pilot to CE ce at time at. */
static void submit_at(pilotdb *db, const char *ce, int64_t at)
{
    fx_clock_ms = at;
    fx_ok(db, pilotdb_pilot_submit(db, ce, NULL));
}

/* The next frame of view, at time at. */
static void frame_at(tui_view *view, pilotdb *db, int64_t at)
{
    fx_clock_ms = at;
    fx_ok(db, tui_view_update(view, db));
}

static void test_window_rates(void **state)
{
    pilotdb *db = fx_template_db();
    tui_view live, fresh;
    int64_t a1, a2, b1, b2;

    (void)state;
    fx_clock_ms = 0;
    fx_ok(db, pilotdb_ce_add(db, "a", 10, 0.9, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "b", 10, 0.9, 1, NULL));
    fx_ok(db, pilotdb_pilot_submit(db, "a", &a1));
    fx_ok(db, pilotdb_pilot_submit(db, "a", &a2));
    fx_ok(db, pilotdb_pilot_submit(db, "b", &b1));
    fx_clock_ms = 1 * MIN_MS;
    fx_ok(db, pilotdb_pilot_set_status(db, a1, PILOT_RUNNING));
    fx_clock_ms = 2 * MIN_MS;
    fx_ok(db, pilotdb_pilot_set_status(db, a1, PILOT_DONE));
    fx_clock_ms = 2 * MIN_MS + 10000;
    fx_ok(db, pilotdb_pilot_set_status(db, a2, PILOT_FAILED));

    /* At 200 s with a 5 min window: the first event (0) is inside the
     * window, so the rates divide by the 200 s since it. */
    fresh_view_at(&live, db, 200000, 5 * MIN_MS);
    expect_rates(&live, 3, 1, 1, 200000);
    expect_rates_of(&live, row_named(&live, "a"), 2, 1, 1, 200000);
    expect_rates_of(&live, row_named(&live, "b"), 1, 0, 0, 200000);
    assert_near(row_named(&live, "a")->rates.done_per_hour, 18.0, 1e-9);

    /* At 420 s the window starts at 120 s: a1's end (120 s) is in, the
     * submissions at 0 are out and the whole window counts. */
    fx_clock_ms = 400000;
    fx_ok(db, pilotdb_pilot_submit(db, "b", &b2));
    fx_clock_ms = 405000;
    fx_ok(db, pilotdb_pilot_set_status(db, b1, PILOT_RUNNING));
    fx_clock_ms = 410000;
    fx_ok(db, pilotdb_pilot_set_status(db, b1, PILOT_DONE));
    fx_clock_ms = 420000;
    fx_ok(db, tui_view_update(&live, db));
    expect_rates(&live, 1, 2, 1, 5 * MIN_MS);
    expect_rates_of(&live, row_named(&live, "a"), 0, 1, 1, 5 * MIN_MS);
    expect_rates_of(&live, row_named(&live, "b"), 1, 1, 0, 5 * MIN_MS);
    expect_fresh_agrees(&live, db);

    /* At 425 s a1's end has left the window. */
    fx_clock_ms = 425000;
    fx_ok(db, tui_view_update(&live, db));
    expect_rates_of(&live, row_named(&live, "a"), 0, 0, 1, 5 * MIN_MS);
    expect_fresh_agrees(&live, db);

    /* Changes between frames are dated at their CE's last change (two
     * submissions at 428 s and 429 s, both at 429 s).  Once the window's
     * start passes the frame before (425 s, less a minute of slack), the
     * window is read again, even while the database is busy: then each has
     * its own time, and at 728.5 s only the second is in the window. */
    submit_at(db, "b", 428000);
    submit_at(db, "b", 429000);
    frame_at(&live, db, 430000);
    expect_rates_of(&live, row_named(&live, "b"), 3, 1, 0, 5 * MIN_MS);
    submit_at(db, "a", 728000);
    frame_at(&live, db, 728500);
    expect_rates_of(&live, row_named(&live, "b"), 1, 0, 0, 5 * MIN_MS);
    expect_rates_of(&live, row_named(&live, "a"), 1, 0, 0, 5 * MIN_MS);
    expect_fresh_agrees(&live, db);

    /* A writer may write changes of any time, as an ingest does: one at
     * 400 s, before the window, is dated at a's last change (728 s) by the
     * frame that sees it, and the next frame that sees nothing move reads
     * the window again. */
    submit_at(db, "a", 400000);
    frame_at(&live, db, 729000);
    expect_rates_of(&live, row_named(&live, "a"), 2, 0, 0, 5 * MIN_MS);
    frame_at(&live, db, 729500);
    expect_rates_of(&live, row_named(&live, "a"), 1, 0, 0, 5 * MIN_MS);
    expect_fresh_agrees(&live, db);

    /* A database whose history is older than the window divides by the
     * whole window from the first frame. */
    fresh_view_at(&fresh, db, 1100000, 5 * MIN_MS);
    expect_rates(&fresh, 0, 0, 0, 5 * MIN_MS);
    tui_view_free(&fresh);
    tui_view_free(&live);
    fx_close(db);
}

/* A sort by a value starts from the last frame's order and sorts only the
 * rows whose key moved: it must give what a fresh view's full sort gives,
 * ties and all, as CEs move, come and go. */
static void test_sort_follows_frames(void **state)
{
    static const tui_column columns[] = { TUI_COL_ACTIVE, TUI_COL_FAILED, TUI_COL_SLOTS };
    pilotdb *db = fx_memory_db();
    sqlite3 *conn = pilotdb_sqlite(db);
    unsigned seed = 15;
    char name[64];
    tui_view live;
    int64_t id;

    (void)state;
    for (int c = 0; c < 40; c++) {
        snprintf(name, sizeof name, "ce%02d", c);
        fx_ok(db, pilotdb_ce_add(db, name, 4 + c % 3, 0.5, 1, NULL));
    }
    view_at(&live, db, 1000);
    for (int step = 0; step < 60; step++) {
        tui_column column = columns[step / 20];
        int reverse = step % 20 >= 14;
        tui_view fresh;

        fx_clock_ms = 1000 + step;
        for (int k = 0; k < 5; k++) {
            seed = seed * 1103515245u + 12345u;
            snprintf(name, sizeof name, "ce%02u", (seed >> 8) % 40);
            if (pilotdb_pilot_submit(db, name, &id) == PILOTDB_OK && (seed >> 20) % 3 == 0)
                fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_FAILED));
        }
        if (step % 9 == 4) { /* one CE goes, another comes: the same count */
            snprintf(name, sizeof name, "x%02d", step);
            fx_ok(db, pilotdb_ce_add(db, name, 5, 0.5, 1, NULL));
            assert_int_equal(sqlite3_exec(conn, "DELETE FROM pilot WHERE ce_id ="
                                                " (SELECT min(ce_id) FROM ce);"
                                                "DELETE FROM ce WHERE ce_id ="
                                                " (SELECT min(ce_id) FROM ce)",
                                          NULL, NULL, NULL), SQLITE_OK);
        }
        if (step % 13 == 7) {
            snprintf(name, sizeof name, "y%02d", step);
            fx_ok(db, pilotdb_ce_add(db, name, 5, 0.5, 1, NULL));
        }
        tui_view_sort(&live, column, reverse);
        fx_ok(db, tui_view_update(&live, db));
        view_at(&fresh, db, fx_clock_ms);
        tui_view_sort(&fresh, column, reverse);
        assert_int_equal(live.nvisible, fresh.nvisible);
        for (size_t i = 0; i < fresh.nvisible; i++)
            if (strcmp(visible_name(&live, i), visible_name(&fresh, i)) != 0)
                fail_msg("step %d, line %zu: %s, a full sort gives %s", step, i,
                         visible_name(&live, i), visible_name(&fresh, i));
        tui_view_free(&fresh);
    }
    tui_view_free(&live);
    fx_close(db);
}

/* A frame of an unchanged database keeps the last frame's CE list; the
 * clock and the states still move, and a change is read again. */
static void test_unchanged_db_frame(void **state)
{
    pilotdb *db = fx_sample_db();
    const pilotdb_ce *list;
    tui_view view;
    int64_t id;

    (void)state;
    view_at(&view, db, 3000);
    list = view.ces;
    fx_clock_ms = 4000;
    fx_ok(db, tui_view_update(&view, db));
    assert_ptr_equal(view.ces, list);
    assert_int_equal(view.now, 4000);
    assert_int_equal(view.totals.active, 11);
    fx_ok(db, pilotdb_pilot_submit(db, "ce-alpha.example.org", &id));
    fx_ok(db, tui_view_update(&view, db));
    assert_int_equal(view.totals.active, 12);
    assert_int_equal(row_named(&view, "ce-alpha.example.org")->ce->active, 8);
    tui_view_free(&view);
    fx_close(db);
}

static void test_window_parse(void **state)
{
    char err[128];
    int64_t ms;

    (void)state;
    assert_int_equal(tui_window_parse("1h", &ms, err, sizeof err), 0);
    assert_int_equal(ms, 3600000);
    assert_int_equal(tui_window_parse("5m", &ms, err, sizeof err), 0);
    assert_int_equal(ms, 300000);
    assert_int_equal(tui_window_parse("7d", &ms, err, sizeof err), 0);
    assert_int_equal(ms, 7 * 86400000LL);
    assert_int_equal(tui_window_parse("1.5h", &ms, err, sizeof err), 0);
    assert_int_equal(ms, 5400000);
    assert_int_equal(tui_window_parse("4m", &ms, err, sizeof err), -1);
    assert_non_null(strstr(err, "out of range"));
    assert_int_equal(tui_window_parse("8d", &ms, err, sizeof err), -1);
    assert_int_equal(tui_window_parse("1 h", &ms, err, sizeof err), -1);
    assert_int_equal(tui_window_parse("soon", &ms, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a duration"));
}

static void test_frame_deltas(void **state)
{
    pilotdb *db = fx_sample_db();
    tui_view view;
    int64_t id;

    (void)state;
    view_at(&view, db, 3000);

    /* Between two frames of bucket 3: 4 submissions (3 on alpha, 1 on
     * beta), and 3 pilots finished on beta (2 done, 1 failed), one of them
     * submitted, started and done in between. */
    fx_clock_ms = 3200;
    for (int i = 0; i < 3; i++)
        fx_ok(db, pilotdb_pilot_submit(db, ALPHA, NULL));
    fx_ok(db, pilotdb_pilot_set_status(db, pilot_in(db, BETA, PILOT_RUNNING), PILOT_DONE));
    fx_ok(db, pilotdb_pilot_set_status(db, pilot_in(db, BETA, PILOT_RUNNING), PILOT_FAILED));
    fx_ok(db, pilotdb_pilot_submit(db, BETA, &id));
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_DONE));
    fx_clock_ms = 3700;
    fx_ok(db, tui_view_update(&view, db));
    /* Buckets 1, 2 and 3. */
    expect_trend(&view, ALPHA, 3, (int64_t[]){ 13, 7, 10 }); /* +3 */
    expect_trend(&view, BETA, 2, (int64_t[]){ 4, 2 });       /* +1 -3 */
    expect_trend(&view, NULL, 2, (int64_t[]){ 11, 12 });     /* +4 -3 */
    expect_rates(&view, 22 + 4, 8 + 2, 3 + 1, 2700);

    /* A frame with nothing new adds nothing. */
    fx_clock_ms = 4200;
    fx_ok(db, tui_view_update(&view, db));
    expect_trend(&view, NULL, 3, (int64_t[]){ 11, 12, 12 });
    expect_rates(&view, 26, 10, 4, 3200);

    /* A change goes to the bucket of the frame that first sees it: written
     * at 4950, read at 5100. */
    fx_clock_ms = 4950;
    fx_ok(db, pilotdb_pilot_set_status(db, pilot_in(db, ALPHA, PILOT_SUBMITTED),
                                       PILOT_FAILED));
    fx_clock_ms = 5100;
    fx_ok(db, tui_view_update(&view, db));
    expect_trend(&view, ALPHA, 3, (int64_t[]){ 10, 10, 9 }); /* buckets 3, 4, 5 */
    expect_rates(&view, 26, 10, 5, 4100);
    tui_view_free(&view);
    fx_close(db);
}

static void test_new_ce_between_frames(void **state)
{
    pilotdb *db = fx_sample_db();
    tui_view view;
    int64_t id;

    (void)state;
    view_at(&view, db, 3000);
    /* A CE the last frame did not have starts from zero counts. */
    fx_ok(db, pilotdb_ce_add(db, "aaa-new", 5, 0.9, 1, NULL));
    for (int i = 0; i < 3; i++)
        fx_ok(db, pilotdb_pilot_submit(db, "aaa-new", NULL));
    fx_ok(db, pilotdb_pilot_set_status(db, pilot_in(db, "aaa-new", PILOT_SUBMITTED),
                                       PILOT_FAILED));
    id = pilot_in(db, "aaa-new", PILOT_SUBMITTED);
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_DONE));
    fx_ok(db, tui_view_update(&view, db));
    assert_int_equal(view.nrows, 5);
    assert_string_equal(visible_name(&view, 0), "aaa-new");
    assert_string_equal(tui_view_selected(&view)->ce->name, ALPHA);
    expect_trend(&view, "aaa-new", 2, (int64_t[]){ 0, 1 });
    expect_trend(&view, ALPHA, 2, (int64_t[]){ 7, 7 });
    expect_trend(&view, NULL, 2, (int64_t[]){ 11, 12 });
    expect_rates(&view, 22 + 3, 8 + 1, 3 + 1, 2000);

    /* Its next change counts from what the frame before saw. */
    fx_clock_ms = 4000;
    fx_ok(db, pilotdb_pilot_submit(db, "aaa-new", NULL));
    fx_ok(db, tui_view_update(&view, db));
    expect_trend(&view, "aaa-new", 2, (int64_t[]){ 1, 2 });
    tui_view_free(&view);
    fx_close(db);
}

static void test_frame_other_writer(void **state)
{
    char *dir = fx_tmpdir();
    pilotdb *writer = fx_file_db(dir, "top.db"), *reader;
    tui_view view;
    int64_t id;

    (void)state;
    /* The dashboard's own connection to a file another one writes. */
    fx_clock_ms = 1000;
    fx_ok(writer, pilotdb_ce_add(writer, "site", 10, 0.9, 1, NULL));
    for (int i = 0; i < 2; i++)
        fx_ok(writer, pilotdb_pilot_submit(writer, "site", NULL));
    reader = fx_file_db(dir, "top.db");
    view_at(&view, reader, 2000);
    expect_trend(&view, "site", 3, (int64_t[]){ 0, 2, 2 });

    /* A transaction still open shows nothing; its commit shows all. */
    fx_clock_ms = 2500;
    fx_ok(writer, pilotdb_begin(writer));
    for (int i = 0; i < 3; i++)
        fx_ok(writer, pilotdb_pilot_submit(writer, "site", &id));
    fx_ok(writer, pilotdb_pilot_set_status(writer, id, PILOT_RUNNING));
    fx_ok(writer, pilotdb_pilot_set_status(writer, id, PILOT_DONE));
    fx_clock_ms = 2600;
    fx_ok(reader, tui_view_update(&view, reader));
    expect_trend(&view, "site", 2, (int64_t[]){ 2, 2 });
    fx_ok(writer, pilotdb_commit(writer));
    fx_clock_ms = 2700;
    fx_ok(reader, tui_view_update(&view, reader));
    expect_trend(&view, "site", 2, (int64_t[]){ 2, 4 });
    expect_trend(&view, NULL, 2, (int64_t[]){ 2, 4 });
    expect_rates(&view, 5, 1, 0, 1700);
    tui_view_free(&view);
    fx_close(reader);
    fx_close(writer);
    fx_tmpdir_remove(dir);
}

/* SQLite's progress handler: interrupt the step after *left steps, once
 * (the rollback that follows must run). */
static int interrupt_countdown(void *arg)
{
    long *left = arg;
    return --*left == -1;
}

/* Set pilot id to status at virtual time at, then go back to the wall clock. */
static void set_status_at(pilotdb *db, int64_t id, pilot_status status, int64_t at)
{
    pilotdb_set_clock(db, fx_clock, NULL);
    fx_clock_ms = at;
    fx_ok(db, pilotdb_pilot_set_status(db, id, status));
    pilotdb_set_clock(db, NULL, NULL);
}

/* The next frame of view on db, interrupted after k steps of SQLite, then
 * again if it failed: non-zero if it failed. */
static int frame_interrupted(tui_view *view, pilotdb *db, long k)
{
    long left = k;
    pilotdb_rc rc;

    sqlite3_progress_handler(pilotdb_sqlite(db), 1, interrupt_countdown, &left);
    rc = tui_view_update(view, db);
    sqlite3_progress_handler(pilotdb_sqlite(db), 0, NULL, NULL);
    if (rc == PILOTDB_OK)
        return 0;
    /* A failed frame leaves no transaction open, even when the interrupt
     * stopped BEGIN after it had opened one. */
    assert_false(pilotdb_in_transaction(db));
    fx_ok(db, tui_view_update(view, db));
    return 1;
}

static void test_frame_retried(void **state)
{
    pilotdb *db = fx_sample_db();
    tui_view_options opts = { .bucket_ms = 1000 };
    tui_view view;
    long failures = 0;
    int failed;

    (void)state;
    /* A first frame interrupted at any step, even half-way through the
     * history, is retried from scratch: nothing is counted twice. */
    pilotdb_set_clock(db, NULL, NULL);
    for (long k = 0; k < 1000000; k++) {
        tui_view_init(&view, &opts);
        failed = frame_interrupted(&view, db, k);
        failures += failed;
        assert_int_equal(view.frames, 1);
        assert_true(view.event_clock);
        assert_int_equal(view.now, 2000);
        expect_trend(&view, NULL, 3, (int64_t[]){ 0, 22, 11 });
        expect_trend(&view, ALPHA, 3, (int64_t[]){ 0, 13, 7 });
        expect_rates(&view, 22, 8, 3, 1000);
        tui_view_free(&view);
        if (!failed)
            break;
    }
    assert_true(failures > 0);

    fx_close(db);

    /* So is a later one: each change counts once. */
    failures = 0;
    for (long k = 0; k < 1000000; k++) {
        db = fx_sample_db();
        pilotdb_set_clock(db, NULL, NULL);
        tui_view_init(&view, &opts);
        fx_ok(db, tui_view_update(&view, db));
        set_status_at(db, pilot_in(db, ALPHA, PILOT_RUNNING), PILOT_DONE, 3500);
        failed = frame_interrupted(&view, db, k);
        failures += failed;
        assert_int_equal(view.frames, 2);
        assert_int_equal(view.now, 3500);
        expect_trend(&view, ALPHA, 3, (int64_t[]){ 13, 7, 6 }); /* buckets 1, 2, 3 */
        expect_rates(&view, 22, 9, 3, 2500);
        tui_view_free(&view);
        fx_close(db);
        if (!failed)
            break;
    }
    assert_true(failures > 0);
}

/* A dashboard started on a simulator's database before its first change
 * (only the CEs are there) takes the simulator's clock from the first
 * change it sees, with windows read from the history there. */
static void test_event_clock_later(void **state)
{
    pilotdb *db = fx_template_db();
    tui_view view;
    tui_view_options opts = { .bucket_ms = 1000 };
    int64_t id;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "site", 10, 0.9, 1, NULL));
    pilotdb_set_clock(db, NULL, NULL);
    tui_view_init(&view, &opts);
    fx_ok(db, tui_view_update(&view, db));
    assert_false(view.event_clock);
    pilotdb_set_clock(db, fx_clock, NULL);
    fx_clock_ms = 1000;
    fx_ok(db, pilotdb_pilot_submit(db, "site", &id));
    fx_ok(db, pilotdb_pilot_submit(db, "site", NULL));
    fx_clock_ms = 2500;
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_FAILED));
    pilotdb_set_clock(db, NULL, NULL);
    fx_ok(db, tui_view_update(&view, db));
    assert_true(view.event_clock);
    assert_int_equal(view.now, 2500);
    expect_trend(&view, NULL, 3, (int64_t[]){ 0, 2, 1 });
    expect_rates(&view, 2, 0, 1, 1500);
    tui_view_free(&view);
    fx_close(db);
}

static void test_event_clock(void **state)
{
    pilotdb *db = fx_sample_db();
    tui_view view;
    tui_view_options opts = { .bucket_ms = 1000 };

    (void)state;
    /* A simulator's database (virtual times) read on the wall clock.  The
     * newest change is on beta, not on the first CE listed. */
    set_status_at(db, pilot_in(db, BETA, PILOT_RUNNING), PILOT_DONE, 2500);
    tui_view_init(&view, &opts);
    fx_ok(db, tui_view_update(&view, db));
    assert_true(view.event_clock);
    assert_int_equal(view.now, 2500); /* the latest last_change_at */
    /* before 1000 ms, 1000-1999, 2000-2500 */
    expect_trend(&view, NULL, 3, (int64_t[]){ 0, 22, 10 });

    /* The simulator writes on; the clock follows its changes. */
    pilotdb_set_clock(db, fx_clock, NULL);
    fx_clock_ms = 4100;
    fx_ok(db, pilotdb_pilot_submit(db, ALPHA, NULL));
    pilotdb_set_clock(db, NULL, NULL);
    fx_ok(db, tui_view_update(&view, db));
    assert_int_equal(view.now, 4100);
    expect_trend(&view, NULL, 3, (int64_t[]){ 10, 10, 11 });
    set_status_at(db, pilot_in(db, BETA, PILOT_RUNNING), PILOT_FAILED, 6300);
    fx_ok(db, tui_view_update(&view, db));
    assert_int_equal(view.now, 6300);
    expect_trend(&view, NULL, 3, (int64_t[]){ 11, 11, 10 }); /* buckets 4, 5, 6 */
    expect_rates(&view, 22 + 1, 8 + 1, 3 + 1, 5300);
    /* Nothing new: the clock stands still. */
    fx_ok(db, tui_view_update(&view, db));
    assert_int_equal(view.now, 6300);
    expect_trend(&view, NULL, 3, (int64_t[]){ 11, 11, 10 });
    tui_view_free(&view);

    /* A wall-clock database keeps the wall clock. */
    tui_view_init(&view, &opts);
    fx_ok(db, pilotdb_ce_add(db, "wall", 1, 1.0, 1, NULL));
    fx_ok(db, pilotdb_pilot_submit(db, "wall", NULL));
    fx_ok(db, tui_view_update(&view, db));
    assert_false(view.event_clock);
    assert_true(view.now > 1000000000000);
    tui_view_free(&view);
    fx_close(db);

    /* So does a database in which nothing happened yet, CEs or not. */
    db = fx_memory_db();
    pilotdb_set_clock(db, NULL, NULL);
    tui_view_init(&view, &opts);
    fx_ok(db, tui_view_update(&view, db));
    fx_ok(db, pilotdb_ce_add(db, "idle", 1, 1.0, 1, NULL));
    fx_ok(db, tui_view_update(&view, db));
    assert_false(view.event_clock);
    assert_true(view.now > 1000000000000);
    tui_view_free(&view);
    tui_view_init(&view, &opts);
    fx_ok(db, tui_view_update(&view, db));
    assert_false(view.event_clock);
    assert_true(view.now > 1000000000000);
    tui_view_free(&view);
    fx_close(db);
}

/* ---- layout -------------------------------------------------------------------- */

/* Columns are inside the screen, in order and do not overlap. */
static void check_columns(const tui_layout *lo)
{
    int right = -1;

    for (int c = 0; c < TUI_NCOLUMNS; c++) {
        if (!lo->col[c].shown)
            continue;
        assert_true(lo->col[c].width > 0);
        assert_true(lo->col[c].x > right);
        right = lo->col[c].x + lo->col[c].width - 1;
        assert_true(right < lo->width);
    }
    assert_true(lo->col[TUI_COL_NAME].shown);
    assert_true(lo->col[TUI_COL_STATE].shown);
    assert_true(lo->col[TUI_COL_SLOTS].shown);
    assert_true(lo->col[TUI_COL_ACTIVE].shown);
    assert_true(lo->col[TUI_COL_GRADE].shown);
    assert_true(lo->col[TUI_COL_EFFICIENCY].shown);
    assert_true(lo->spark_x + lo->spark_width <= lo->width);
}

/* 80 columns and height rows: the same columns at 24 rows and at 23 (a
 * 24-line terminal under tmux's status line), with one table row less. */
static void check_80_wide(int height)
{
    tui_layout lo;

    tui_layout_compute(80, height, NULL, &lo);
    assert_false(lo.too_small);
    check_columns(&lo);
    assert_int_equal(lo.title_y, 0);
    assert_int_equal(lo.table_header_y, 4);
    assert_int_equal(lo.table_y, 5);
    assert_int_equal(lo.table_rows, height - 7);
    assert_int_equal(lo.status_y, height - 2);
    assert_int_equal(lo.footer_y, height - 1);
    assert_true(lo.col[TUI_COL_DONE_RATE].shown);
    assert_true(lo.col[TUI_COL_FAILED_RATE].shown);
    assert_false(lo.col[TUI_COL_FAILED].shown); /* the lifetime counts go first */
    assert_false(lo.col[TUI_COL_RUNNING].shown);
    assert_false(lo.col[TUI_COL_CONFIGURED].shown); /* not a simulated database */
    assert_false(lo.col[TUI_COL_TREND].shown); /* no room at 80 columns */
    assert_int_equal(lo.col[TUI_COL_NAME].width, 24);
    assert_true(lo.spark_width >= 30);
}

static void test_layout_80x24(void **state)
{
    (void)state;
    check_80_wide(24);
}

static void test_layout_80x23(void **state)
{
    (void)state;
    check_80_wide(23);
}

/* The smallest screen: the name, state, slots, grade and efficiency (and
 * on a simulated database the configured rate beside it), 9 CE rows. */
static void test_layout_60x16(void **state)
{
    tui_layout_options sim = { .simulated = 1 };
    tui_layout lo;

    (void)state;
    tui_layout_compute(60, 16, NULL, &lo);
    assert_false(lo.too_small);
    check_columns(&lo);
    assert_int_equal(lo.table_rows, 9);
    assert_int_equal(lo.footer_y, 15);
    assert_false(lo.col[TUI_COL_DONE_RATE].shown);
    assert_false(lo.col[TUI_COL_CONFIGURED].shown);
    assert_int_equal(lo.col[TUI_COL_NAME].width, 21);
    assert_true(lo.spark_width >= 20);
    tui_layout_compute(60, 16, &sim, &lo);
    check_columns(&lo);
    assert_true(lo.col[TUI_COL_CONFIGURED].shown);
    assert_int_equal(lo.col[TUI_COL_CONFIGURED].x,
                     lo.col[TUI_COL_EFFICIENCY].x + lo.col[TUI_COL_EFFICIENCY].width + 1);
    assert_int_equal(lo.col[TUI_COL_NAME].width, 16);
}

static void test_layout_120x40(void **state)
{
    tui_layout_options sim = { .simulated = 1 };
    tui_layout lo;

    (void)state;
    tui_layout_compute(120, 40, NULL, &lo);
    assert_false(lo.too_small);
    check_columns(&lo);
    for (int c = 0; c < TUI_NCOLUMNS; c++)
        if (c != TUI_COL_SITE && c != TUI_COL_CONFIGURED)
            assert_true(lo.col[c].shown);
    assert_false(lo.col[TUI_COL_SITE].shown);
    assert_int_equal(lo.table_rows, 33);
    assert_int_equal(lo.footer_y, 39);
    assert_int_equal(lo.col[TUI_COL_NAME].width, 21);
    assert_int_equal(lo.col[TUI_COL_SLOTS].width, 8);
    assert_int_equal(lo.col[TUI_COL_TREND].width, 8);
    assert_int_equal(lo.col[TUI_COL_DONE_RATE].width, 7);
    assert_int_equal(lo.spark_width, TUI_TREND_BUCKETS);
    tui_layout_compute(120, 40, &sim, &lo);
    check_columns(&lo);
    assert_true(lo.col[TUI_COL_CONFIGURED].shown);
    assert_int_equal(lo.col[TUI_COL_NAME].width, 23);
}

static void test_layout_200x50(void **state)
{
    tui_layout lo;

    (void)state;
    tui_layout_compute(200, 50, NULL, &lo);
    assert_false(lo.too_small);
    check_columns(&lo);
    assert_true(lo.col[TUI_COL_SITE].shown);
    assert_int_equal(lo.table_rows, 43);
    assert_int_equal(lo.col[TUI_COL_NAME].width, 40);
    assert_int_equal(lo.col[TUI_COL_SITE].width, 20);
    assert_int_equal(lo.col[TUI_COL_SLOTS].width, 30);
    assert_int_equal(lo.col[TUI_COL_TREND].width, 26);
}

static void test_layout_too_small(void **state)
{
    tui_layout lo;
    tui_layout_options headless = { .headless = 1 };

    (void)state;
    tui_layout_compute(59, 24, NULL, &lo);
    assert_true(lo.too_small);
    tui_layout_compute(80, 15, NULL, &lo);
    assert_true(lo.too_small);
    tui_layout_compute(10, 3, NULL, &lo);
    assert_true(lo.too_small);
    assert_int_equal(lo.width, 10);
    assert_int_equal(lo.height, 3);
    tui_layout_compute(80, 24, &headless, &lo);
    assert_false(lo.too_small);
    assert_int_equal(lo.status_y, -1);
    assert_int_equal(lo.footer_y, -1);
    assert_int_equal(lo.table_rows, 19);
}

/* ---- headless frames ------------------------------------------------------------- */

/* Not inlined: gcc 12 -O3 takes the stream's buffer for the address of the
 * local it is returned through (-Wdangling-pointer). */
__attribute__((noinline)) static char *frame_text(const tui_view *view, int width,
                                                  int unicode)
{
    tui_draw_options opts = { unicode, "sample.db", "wall" };
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    assert_non_null(out);
    assert_int_equal(tui_frame_text(view, width, &opts, out), 0);
    fclose(out);
    return text;
}

static void test_frame_text(void **state)
{
    pilotdb *db = fx_sample_db();
    tui_view view;
    char *text, *line;
    int lines = 0;

    (void)state;
    view_at(&view, db, 3000);
    text = frame_text(&view, 80, 0);
    assert_null(strchr(text, '\033'));
    assert_non_null(strstr(text, "sample.db"));
    assert_non_null(strstr(text, "CEs 3/4 enabled"));
    assert_non_null(strstr(text, "slots 11/14 78% "));
    assert_non_null(strstr(text, "eff 73% Fair"));
    assert_null(strstr(text, "on disabled")); /* not over */
    assert_non_null(strstr(text, "pilots 4 sub 7 run 8 done 3 failed  "
                                 "only 2s of 1h: done/h 14 400 failed/h"));
    assert_non_null(strstr(text, "ce-alpha.example.org     ok ")); /* the names fit */
    assert_non_null(strstr(text, "ce-gamma.example.org     disabled "));
    assert_non_null(strstr(text, "ce-beta.example.org      full "));
    assert_non_null(strstr(text, "7/10"));
    assert_non_null(strstr(text, "ACT/CAP"));
    assert_non_null(strstr(text, " GRADE  EFF"));
    assert_null(strstr(text, "CONF")); /* not a simulated database */
    for (line = text; *line; line = strchr(line, '\n') + 1) {
        assert_true(strchr(line, '\n') - line <= 80);
        for (char *c = line; *c != '\n'; c++)
            assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
        lines++;
    }
    assert_int_equal(lines, 5 + 4); /* header lines, then one per CE */
    free(text);

    /* Wider frames add columns; UTF-8 glyphs when asked for. */
    text = frame_text(&view, 160, 1);
    assert_non_null(strstr(text, "TREND"));
    assert_non_null(strstr(text, "ce-alpha.example.org "));
    assert_non_null(strstr(text, "\u2588"));
    assert_non_null(strstr(text, "only 2s of 1h: done/h 14 400 failed/h 5 400"
                                 " sub/h 39 600\n"));
    /* alpha: 5 done and 1 failed in 2 s; 13 submitted */
    assert_non_null(strstr(text, "  DONE/H  FAIL/H  SUB/H GRADE  EFF "));
    assert_non_null(strstr(text, "   9 000   1 800 23 400 Idle   83% "));
    free(text);

    tui_view_filter(&view, "beta");
    text = frame_text(&view, 80, 0);
    assert_null(strstr(text, "ce-alpha"));
    assert_non_null(strstr(text, "ce-beta.example.org"));
    free(text);
    tui_view_free(&view);
    fx_close(db);
}

/* The column (in terminal cells) where needle starts on the line of text
 * that holds name, or -1. */
static int cell_column(const char *text, const char *name, const char *needle)
{
    const char *line = strstr(text, name), *at;
    char buf[512];
    size_t len;

    if (!line)
        return -1;
    while (line > text && line[-1] != '\n')
        line--;
    at = strstr(line, needle);
    if (!at || (len = (size_t)(at - line)) >= sizeof buf)
        return -1;
    memcpy(buf, line, len);
    buf[len] = '\0';
    return tui_cells(buf);
}

/* Wide (CJK) and combining characters are measured in terminal cells: the
 * columns after such names line up with those after ASCII ones. */
static void test_frame_wide_names(void **state)
{
    const char *cjk = "\u4e2d\u6587\u540d.site";            /* 3 wide characters */
    const char *combining = "cafe\u0301x.site";              /* e + acute accent */
    pilotdb *db = fx_memory_db();
    tui_view view;
    char *text;
    int want;

    (void)state;
    assert_int_equal(tui_char_cells(0x4e2d), 2);
    assert_int_equal(tui_char_cells(0x0301), 0);
    assert_int_equal(tui_cells(cjk), 11);
    assert_int_equal(tui_cells(combining), 10);
    assert_int_equal(tui_cells_bytes(cjk, 3, &want), 3); /* one wide character fits */
    assert_int_equal(want, 2);
    assert_int_equal(tui_cells_bytes(combining, 4, NULL), 6); /* the accent goes along */
    fx_ok(db, pilotdb_ce_add(db, "ascii.site", 4, 0.9, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, cjk, 5, 0.9, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, combining, 6, 0.9, 1, NULL));
    view_at(&view, db, 0);
    text = frame_text(&view, 80, 1);
    want = cell_column(text, "ascii.site", "0/4");
    assert_true(want > 0);
    assert_int_equal(cell_column(text, cjk, "0/5"), want);
    assert_int_equal(cell_column(text, combining, "0/6"), want);
    free(text);
    /* A name too long for its column is cut at a character, not a byte. */
    char *narrow = frame_text(&view, 60, 1);
    assert_int_equal(cell_column(narrow, "\u4e2d", "0/5"), cell_column(narrow, "ascii", "0/4"));
    free(narrow);
    tui_view_free(&view);
    fx_close(db);
}

/* A surface that remembers the style of each cell and checks that nothing
 * is cut at the right edge. */
struct style_grid {
    int width, height;
    int style[64][200];
    int overflow;
};

static void grid_put(void *ctx, int y, int x, const char *s, int cells, enum tui_style style)
{
    struct style_grid *g = ctx;
    int n = tui_cells(s);

    if (x + n > g->width)
        g->overflow = 1;
    for (int i = 0; i < n && i < cells && x + i < g->width; i++)
        g->style[y][x + i] = (int)style;
}

/* The selected row keeps its bar's colours (on the selection's background):
 * reverse video would hide the bar. */
static void test_selected_row_bars(void **state)
{
    pilotdb *db = fx_sample_db();
    static struct style_grid grid;
    struct tui_surface sf = { &grid, 120, 30, grid_put };
    tui_draw_options opts = { 1, "sample.db", "wall" };
    struct tui_chrome chrome = { 0 };
    tui_layout lo;
    tui_view view;
    int x;

    (void)state;
    view_at(&view, db, 3000);
    memset(&grid, 0, sizeof grid);
    grid.width = 120;
    grid.height = 30;
    tui_layout_compute(120, 30, NULL, &lo);
    tui_draw_frame(&sf, &view, &lo, &opts, &chrome); /* alpha, the first row, selected */
    x = lo.col[TUI_COL_SLOTS].x;
    assert_int_equal(grid.style[lo.table_y][x], TUI_SEL(TUI_S_RUNNING));
    assert_int_equal(grid.style[lo.table_y][lo.col[TUI_COL_NAME].x], TUI_S_SELECTED);
    assert_int_equal(grid.style[lo.table_y][lo.col[TUI_COL_STATE].x], TUI_SEL(TUI_S_OK));
    assert_int_equal(grid.style[lo.table_y + 1][x], TUI_S_RUNNING); /* beta: not selected */
    /* full is information, not a warning */
    assert_int_equal(grid.style[lo.table_y + 1][lo.col[TUI_COL_STATE].x], TUI_S_FULL);
    assert_false(grid.overflow);
    tui_view_free(&view);
    fx_close(db);
}

/* The help screen, keys and legend, fits the smallest terminal page by
 * page; the legend carries the grades and states. */
static void test_help_fits(void **state)
{
    pilotdb *db = fx_memory_db();
    static struct style_grid grid;
    struct tui_surface sf = { &grid, TUI_MIN_WIDTH, TUI_MIN_HEIGHT, grid_put };
    tui_view view;
    int pages;

    (void)state;
    view_at(&view, db, 0);
    for (int demo = 0; demo <= 1; demo++) {
        pages = tui_help_pages(&view, TUI_MIN_WIDTH, TUI_MIN_HEIGHT, demo);
        assert_true(pages >= 2);
        for (int page = 1; page <= pages; page++) {
            memset(&grid, 0, sizeof grid);
            grid.width = TUI_MIN_WIDTH;
            grid.height = TUI_MIN_HEIGHT;
            tui_draw_help(&sf, &view, page, demo);
            if (grid.overflow)
                fail_msg("help page %d of %d (demo %d) is wider than %d", page, pages, demo,
                         TUI_MIN_WIDTH);
        }
    }
    assert_int_equal(tui_help_pages(&view, 200, 60, 0), 1);
    tui_view_free(&view);
    fx_close(db);
}

/* Sparklines are scaled to the capacity: a CE with half its slots used all
 * along is a half-height line, a saturated one a full line. */
static void test_spark_scaled_to_capacity(void **state)
{
    pilotdb *db = fx_memory_db();
    tui_view view;
    char *text;

    (void)state;
    fx_clock_ms = 0;
    fx_ok(db, pilotdb_ce_add(db, "half", 8, 0.9, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "saturated", 4, 0.9, 1, NULL));
    for (int i = 0; i < 4; i++) {
        fx_ok(db, pilotdb_pilot_submit(db, "half", NULL));
        fx_ok(db, pilotdb_pilot_submit(db, "saturated", NULL));
    }
    view_at(&view, db, 100000);
    text = frame_text(&view, 120, 0);
    assert_non_null(strstr(text, "========")); /* half: level 4 of 7 */
    assert_non_null(strstr(text, "########\n")); /* saturated */
    free(text);
    tui_view_free(&view);
    fx_close(db);
}

static void test_frame_json(void **state)
{
    pilotdb *db = fx_sample_db();
    tui_view view;
    tui_draw_options opts = { 0, "sample.db", "wall" };
    json_t *root, *ces, *alpha, *delta;

    (void)state;
    view_at(&view, db, 3000);
    tui_view_sort(&view, TUI_COL_ACTIVE, 0);
    root = tui_view_json(&view, &opts);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "source")), "sample.db");
    assert_string_equal(json_string_value(json_object_get(root, "sort")), "active");
    assert_true(json_number_value(json_object_get(root, "now_s")) == 3.0);
    assert_null(json_object_get(root, "now"));
    assert_int_equal(json_integer_value(
                         json_object_get(json_object_get(root, "totals"), "active")), 11);
    assert_int_equal(json_integer_value(
                         json_object_get(json_object_get(root, "totals"), "capacity")), 14);
    assert_int_equal(json_array_size(json_object_get(root, "active_trend")),
                     TUI_TREND_BUCKETS);
    ces = json_object_get(root, "ces");
    assert_int_equal(json_array_size(ces), 4);
    alpha = json_array_get(ces, 0);
    assert_string_equal(json_string_value(json_object_get(alpha, "name")),
                        "ce-alpha.example.org");
    assert_int_equal(json_integer_value(json_object_get(alpha, "running")), 4);
    assert_int_equal(json_integer_value(json_object_get(alpha, "available_slots")), 3);
    assert_string_equal(json_string_value(json_object_get(alpha, "state")), "ok");
    assert_string_equal(json_string_value(json_object_get(alpha, "over_cause")), "");
    assert_string_equal(json_string_value(json_object_get(alpha, "site")), "");
    assert_string_equal(json_string_value(json_object_get(alpha, "grade")), "Idle");
    assert_near(json_real_value(json_object_get(alpha, "efficiency")), 5.0 / 6.0, 1e-12);
    assert_string_equal(json_string_value(json_object_get(root, "grade")), "Fair");
    /* not a simulator's database: now in ISO 8601 too */
    assert_string_equal(json_string_value(json_object_get(root, "now_at")),
                        "1970-01-01T00:00:03.000Z");
    /* alpha: 13 submitted, 5 done and 1 failed in the 2 s since the first
     * event. */
    assert_near(json_real_value(json_object_get(alpha, "done_per_hour")), 9000.0, 1e-9);
    assert_near(json_real_value(json_object_get(alpha, "failed_per_hour")), 1800.0, 1e-9);
    assert_near(json_real_value(json_object_get(alpha, "submitted_per_hour")), 23400.0,
                1e-9);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(alpha, "in_window"),
                                                        "done")), 5);
    assert_near(json_real_value(json_object_get(root, "window_s")), 3600.0, 1e-9);
    assert_near(json_real_value(json_object_get(root, "rate_span_s")), 2.0, 1e-9);
    assert_near(json_number_value(json_object_get(root, "now_s")), 3.0, 1e-9);
    assert_true(json_is_true(json_object_get(root, "rates_partial")));
    assert_near(json_real_value(json_object_get(json_object_get(root, "totals"),
                                                "done_per_hour")), 14400.0, 1e-9);
    delta = json_array_get(ces, 2);
    assert_string_equal(json_string_value(json_object_get(delta, "name")),
                        "ce-delta.example.org");
    assert_true(json_is_null(json_object_get(delta, "efficiency")));
    assert_string_equal(json_string_value(json_object_get(delta, "state")), "full");
    json_decref(root);
    tui_view_free(&view);
    fx_close(db);
}

static void test_frame_empty_db(void **state)
{
    pilotdb *db = fx_memory_db();
    tui_view view;
    char *text;

    (void)state;
    view_at(&view, db, 0);
    text = frame_text(&view, 100, 1);
    assert_non_null(strstr(text, "no CEs in this database"));
    free(text);
    tui_view_free(&view);
    fx_close(db);
}

/* The key table: each key is bound once (a switch on keys refused a key
 * twice at compile time; a table needs this test), every key finds its own
 * row's action, demo-only keys do nothing outside a demo, and a row has a
 * help text exactly when the help names its keys. */
static void test_key_table(void **state)
{
    (void)state;
    assert_true(tui_nbindings > 0);
    for (size_t i = 0; i < tui_nbindings; i++) {
        const struct tui_binding *b = &tui_bindings[i];
        int demo_only = (b->flags & TUI_KEY_DEMO) != 0;

        assert_int_not_equal(b->action, TUI_ACT_NONE);
        assert_int_not_equal(b->keys[0], 0);
        assert_int_equal(b->label == NULL, b->help == NULL);
        for (int k = 0; k < TUI_KEYS_PER_ACTION && b->keys[k]; k++) {
            assert_int_equal(tui_key_action(b->keys[k], 1), b->action);
            assert_int_equal(tui_key_action(b->keys[k], 0),
                             demo_only ? TUI_ACT_NONE : b->action);
            for (size_t j = i + 1; j < tui_nbindings; j++)
                for (int m = 0; m < TUI_KEYS_PER_ACTION && tui_bindings[j].keys[m]; m++)
                    if (tui_bindings[j].keys[m] == b->keys[k])
                        fail_msg("key %d is bound to rows %zu and %zu", b->keys[k], i, j);
        }
    }
}


/* ---- what-if (w) ------------------------------------------------------------- */

/* A form on a CE of capacity 30, its fields set to capacity, enabled and
 * success, parsed against a 12 h horizon: the parse's result. */
static int form_parse(struct tui_whatif_form *form, tui_whatif_request *req,
                      const char *capacity, const char *enabled, const char *success)
{
    pilotdb_ce ce;

    memset(&ce, 0, sizeof ce);
    strcpy(ce.name, "ce-a.example.org");
    ce.capacity = 30;
    ce.enabled = 1;
    ce.success_rate = 0.9;
    tui_whatif_form_open(form, &ce);
    snprintf(form->text[TUI_WF_CAPACITY], sizeof form->text[0], "%s", capacity);
    snprintf(form->text[TUI_WF_ENABLED], sizeof form->text[0], "%s", enabled);
    snprintf(form->text[TUI_WF_SUCCESS], sizeof form->text[0], "%s", success);
    memset(req, 0, sizeof *req);
    req->horizon_ms = TUI_WHATIF_HORIZON_MS;
    return tui_whatif_form_parse(form, req);
}

/* A refusal whose message starts with want, the focus on the bad field. */
static void form_refused(const char *capacity, const char *enabled, const char *success,
                         const char *want, int field)
{
    struct tui_whatif_form form;
    tui_whatif_request req;

    if (form_parse(&form, &req, capacity, enabled, success) != -1)
        fail_msg("'%s' '%s' '%s' was accepted", capacity, enabled, success);
    if (strncmp(form.error, want, strlen(want)) != 0)
        fail_msg("'%s' '%s' '%s': message '%s' does not start '%s'", capacity, enabled,
                 success, form.error, want);
    assert_int_equal(form.focus, field);
}

static void test_whatif_form_parse(void **state)
{
    struct tui_whatif_form form;
    tui_whatif_request req;
    char words[200];

    (void)state;
    assert_int_equal(form_parse(&form, &req, "+50%", "", ""), 0);
    assert_string_equal(req.ce, "ce-a.example.org");
    assert_int_equal(req.capacity_change, TUI_CAPACITY_PERCENT);
    assert_near(req.capacity_percent, 50, 0);
    assert_int_equal(req.enabled, -1);
    assert_int_equal(req.outage_ms, 0);
    assert_true(req.success_rate < 0);
    tui_whatif_describe(&req, words, sizeof words);
    assert_string_equal(words, "capacity +50%");

    assert_int_equal(form_parse(&form, &req, " -20% ", "2h", "85%"), 0);
    assert_near(req.capacity_percent, -20, 0);
    assert_int_equal(req.outage_ms, 7200000);
    assert_int_equal(req.enabled, -1);
    assert_near(req.success_rate, 0.85, 1e-12);
    tui_whatif_describe(&req, words, sizeof words);
    assert_string_equal(words, "capacity -20%, outage 2h, success rate 0.85");

    assert_int_equal(form_parse(&form, &req, "200", "OFF", "0.5"), 0);
    assert_int_equal(req.capacity_change, TUI_CAPACITY_SET);
    assert_int_equal(req.capacity, 200);
    assert_int_equal(req.enabled, 0);
    assert_near(req.success_rate, 0.5, 0);
    tui_whatif_describe(&req, words, sizeof words);
    assert_string_equal(words, "capacity 200, disabled, success rate 0.5");

    assert_int_equal(form_parse(&form, &req, "0", "on", "1"), 0);
    assert_int_equal(req.capacity, 0);
    assert_int_equal(req.enabled, 1);
    /* an outage as long as the forecast is the CE off throughout */
    assert_int_equal(form_parse(&form, &req, "", "12h", ""), 0);
    assert_int_equal(req.enabled, 0);
    assert_int_equal(req.outage_ms, 0);
    assert_int_equal(form_parse(&form, &req, "", "", "0"), 0);
    assert_near(req.success_rate, 0, 0);

    form_refused("-5", "", "", "capacity: '-5' is neither slots", TUI_WF_CAPACITY);
    form_refused("abc", "", "", "capacity: 'abc'", TUI_WF_CAPACITY);
    form_refused("1.5", "", "", "capacity: '1.5'", TUI_WF_CAPACITY);
    form_refused("1e3", "", "", "capacity: '1e3'", TUI_WF_CAPACITY);
    form_refused("2000000", "", "", "capacity: '2000000'", TUI_WF_CAPACITY);
    form_refused("-150%", "", "", "capacity: -150% is out of range", TUI_WF_CAPACITY);
    form_refused("50%", "", "", "capacity: '50%'", TUI_WF_CAPACITY);
    form_refused("+x%", "", "", "capacity: '+x%' is not a change in percent",
                 TUI_WF_CAPACITY);
    form_refused("", "abc", "", "enabled: 'abc' is not on, off, or an outage",
                 TUI_WF_ENABLED);
    form_refused("", "0s", "", "enabled: '0s'", TUI_WF_ENABLED);
    form_refused("", "2 h", "", "enabled: '2 h'", TUI_WF_ENABLED);
    form_refused("", "", "1.5", "success rate: '1.5' is not from 0 to 1",
                 TUI_WF_SUCCESS);
    form_refused("", "", "-0.1", "success rate: '-0.1'", TUI_WF_SUCCESS);
    form_refused("", "", "120%", "success rate: '120%'", TUI_WF_SUCCESS);
    form_refused("", "", "nan", "success rate: 'nan'", TUI_WF_SUCCESS);
    form_refused("", "  ", "", "nothing to change", TUI_WF_CAPACITY);
}

static void test_whatif_form_keys(void **state)
{
    struct tui_whatif_form form;
    tui_whatif_request req;

    (void)state;
    form_parse(&form, &req, "", "", "");
    assert_int_equal(form.focus, TUI_WF_CAPACITY);
    assert_int_equal(tui_whatif_form_key(&form, '+'), TUI_FORM_EDITED);
    tui_whatif_form_key(&form, '5');
    tui_whatif_form_key(&form, '9');
    tui_whatif_form_key(&form, KEY_BACKSPACE);
    tui_whatif_form_key(&form, '0');
    tui_whatif_form_key(&form, '%');
    tui_whatif_form_key(&form, 0xe9);      /* not ASCII: ignored */
    tui_whatif_form_key(&form, KEY_LEFT);  /* not a character: ignored */
    assert_string_equal(form.text[TUI_WF_CAPACITY], "+50%");
    tui_whatif_form_key(&form, '\t');
    assert_int_equal(form.focus, TUI_WF_ENABLED);
    tui_whatif_form_key(&form, KEY_UP);
    tui_whatif_form_key(&form, KEY_UP);
    assert_int_equal(form.focus, TUI_WF_SUCCESS);
    tui_whatif_form_key(&form, KEY_DOWN);
    assert_int_equal(form.focus, TUI_WF_CAPACITY);
    for (int i = 0; i < 40; i++)
        tui_whatif_form_key(&form, '1');
    assert_int_equal(strlen(form.text[TUI_WF_CAPACITY]), TUI_WF_TEXT_MAX);
    /* an edit clears the last complaint */
    strcpy(form.error, "capacity: bad");
    tui_whatif_form_key(&form, KEY_BACKSPACE);
    assert_string_equal(form.error, "");
    assert_int_equal(tui_whatif_form_key(&form, '\r'), TUI_FORM_SUBMIT);
    assert_int_equal(tui_whatif_form_key(&form, KEY_ENTER), TUI_FORM_SUBMIT);
    assert_int_equal(tui_whatif_form_key(&form, TUI_KEY_ESC), TUI_FORM_CLOSE);
}

/* No line holds a control byte, and none is wider than width. */
static void assert_lines_clean(const struct tui_line *lines, size_t n, int width)
{
    for (size_t i = 0; i < n; i++) {
        for (const unsigned char *p = (const unsigned char *)lines[i].text; *p; p++)
            if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
                fail_msg("line %zu has control byte 0x%02x: %s", i, *p, lines[i].text);
        if (tui_cells(lines[i].text) > width)
            fail_msg("line %zu is %d wide: %s", i, tui_cells(lines[i].text), lines[i].text);
    }
}

static void set_figure(tui_whatif_figure *f, double base, double variant, double half,
                       int significant)
{
    f->base = base;
    f->base_half = half;
    f->variant = variant;
    f->variant_half = half;
    f->diff = variant - base;
    f->diff_half = half / 2;
    f->significant = significant;
}

static void test_whatif_panel_text(void **state)
{
    struct tui_whatif w;
    struct tui_line lines[TUI_WHATIF_MAX_LINES];
    size_t n;

    (void)state;
    memset(&w, 0, sizeof w);
    assert_int_equal(tui_whatif_lines(&w, 80, 1, lines, TUI_WHATIF_MAX_LINES), 0);

    strcpy(w.request.ce, "bad\x01name\xc2\x85.org");
    w.request.capacity_change = TUI_CAPACITY_PERCENT;
    w.request.capacity_percent = 50;
    w.request.enabled = -1;
    w.request.success_rate = -1;
    w.request.window_ms = TUI_WHATIF_WINDOW_MS;
    w.request.horizon_ms = TUI_WHATIF_HORIZON_MS;
    w.request.replications = 30;
    tui_whatif_describe(&w.request, w.changes, sizeof w.changes);
    w.mode = TUI_WHATIF_RUNNING;
    w.done = 15;
    w.total = 60;
    n = tui_whatif_lines(&w, 80, 0, lines, TUI_WHATIF_MAX_LINES);
    assert_int_equal(n, 3);
    assert_string_equal(lines[0].text, " what-if on bad?name?.org: capacity +50%");
    assert_int_equal(lines[0].style, TUI_S_HEADER);
    assert_string_equal(lines[1].text, "  last 7d fitted, forecast 12h, 30 replications each");
    assert_string_equal(lines[2].text, "  running: 15 of 60 replications "
                                       "#####...............   Esc cancels");
    assert_lines_clean(lines, n, 80);
    w.cancelling = 1;
    n = tui_whatif_lines(&w, 80, 0, lines, TUI_WHATIF_MAX_LINES);
    assert_non_null(strstr(lines[2].text, "cancelling: 15 of 60 replications"));
    assert_null(strstr(lines[2].text, "Esc"));

    w.mode = TUI_WHATIF_PANEL;
    w.result.carried = 12;
    set_figure(&w.result.total[TUI_WHATIF_THROUGHPUT], 52.2, 65.9, 0.5, 1);
    set_figure(&w.result.total[TUI_WHATIF_DONE], 1496.2, 1598.6, 4.1, 1);
    set_figure(&w.result.total[TUI_WHATIF_FAILED], 130.6, 131.0, 3.9, 0);
    set_figure(&w.result.total[TUI_WHATIF_UTILIZATION], 0.9891, 0.9883, 0.0004, 0);
    for (int m = 0; m < TUI_WHATIF_NMETRICS; m++)
        w.result.ce[m] = w.result.total[m];
    n = tui_whatif_lines(&w, 80, 0, lines, TUI_WHATIF_MAX_LINES);
    assert_int_equal(n, 14);
    {
        /* columns of 18 characters, right-aligned: label, baseline, variant, change */
        static const char *const want[] = {
            "  last 7d fitted, forecast 12h, 30 replications each, 12 pilots carried over",
            "                              baseline           variant            change",
            "  all CEs",
            "    throughput/h            52.2 +-0.5        65.9 +-0.5       +13.7 +-0.2 *",
            "    done                      1496 +-4          1599 +-4      +102.4 +-2.0 *",
            "    failed                 130.6 +-3.9       131.0 +-3.9        +0.4 +-1.9 ",
            "    utilization          98.91% +-0.04     98.83% +-0.04     -0.08% +-0.02 ",
            "  bad?name?.org",
        };
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
            assert_string_equal(lines[i + 1].text, want[i]);
    }
    assert_int_equal(lines[1].style, TUI_S_DIM);
    assert_int_equal(lines[4].style, TUI_S_WARN);
    assert_int_equal(lines[6].style, TUI_S_NORMAL);
    assert_string_equal(lines[13].text, "  * significant: the change's 95 % interval "
                                        "excludes 0    Enter or Esc closes");
    assert_lines_clean(lines, n, 80);
    /* with UTF-8 the sign is one character and the columns stay put */
    n = tui_whatif_lines(&w, 80, 1, lines, TUI_WHATIF_MAX_LINES);
    assert_string_equal(lines[4].text, "    throughput/h             52.2 \u00b10.5         "
                                       "65.9 \u00b10.5        +13.7 \u00b10.2 *");
    assert_lines_clean(lines, n, 80);
}

static void test_whatif_form_text(void **state)
{
    struct tui_whatif w;
    struct tui_line lines[TUI_WHATIF_MAX_LINES];
    tui_whatif_request req;
    size_t n;

    (void)state;
    memset(&w, 0, sizeof w);
    form_parse(&w.form, &req, "-5", "", "");
    strcpy(w.form.ce, "ce\x1b[31m-red");
    w.request.window_ms = TUI_WHATIF_WINDOW_MS;
    w.request.horizon_ms = TUI_WHATIF_HORIZON_MS;
    w.request.replications = 30;
    w.mode = TUI_WHATIF_FORM;
    n = tui_whatif_lines(&w, 80, 1, lines, TUI_WHATIF_MAX_LINES);
    assert_int_equal(n, 7);
    assert_string_equal(lines[0].text, " what-if on ce?[31m-red");
    assert_string_equal(lines[1].text, "  now: capacity 30, enabled, success rate 0.90; "
                                       "empty fields stay so");
    assert_string_equal(lines[2].text, " > capacity     [-5_                  ]  slots "
                                       "(200), or a change: +50%, -20%");
    assert_int_equal(lines[2].style, TUI_S_INFO);
    assert_string_equal(lines[3].text, "   enabled      [                     ]  on, "
                                       "off, or an outage for a time: 2h");
    assert_int_equal(lines[3].style, TUI_S_NORMAL);
    assert_string_equal(lines[5].text, "  last 7d fitted, forecast 12h, 30 replications each");
    assert_int_equal(lines[6].style, TUI_S_ERROR);
    assert_string_equal(lines[6].text, "  capacity: '-5' is neither slots (0 to 1000000) nor "
                                       "+N% / -N%");
    assert_lines_clean(lines, n, 80);
    w.form.error[0] = '\0';
    n = tui_whatif_lines(&w, 80, 1, lines, TUI_WHATIF_MAX_LINES);
    assert_string_equal(lines[6].text, "  Enter runs   Tab, Up, Down move between fields   "
                                       "Esc closes");
}

/* An engine whose run reports progress one replication at a time and can
 * wait for a cancel, or fail. */
struct fake_engine {
    int prepared, discarded;
    int wait_for_cancel, fail;
    pilotdb *db_seen;
};

static int fake_prepare(void *arg, pilotdb *db, void **job, char *errbuf, size_t errbuf_size)
{
    struct fake_engine *fe = arg;

    (void)errbuf;
    (void)errbuf_size;
    fe->prepared++;
    fe->db_seen = db;
    *job = malloc(16); /* the run frees it */
    return *job ? 0 : -1;
}

static void fake_discard(void *arg, void *job)
{
    ((struct fake_engine *)arg)->discarded++;
    free(job);
}

static int fake_run(void *arg, void *job, const tui_whatif_request *req,
                    tui_whatif_progress_fn progress, void *progress_arg,
                    const volatile int *cancel, tui_whatif_result *out, char *errbuf,
                    size_t errbuf_size)
{
    struct fake_engine *fe = arg;
    size_t total = 2 * req->replications;

    free(job);
    for (size_t i = 1; i <= total; i++) {
        if (*cancel)
            return 1;
        progress(progress_arg, i, total);
        if (fe->wait_for_cancel && i == 3)
            while (!*cancel)
                usleep(1000);
    }
    if (fe->fail) {
        snprintf(errbuf, errbuf_size, "fitting the database: no CE \x1b[2Jhere");
        return -1;
    }
    out->carried = 7;
    out->total[TUI_WHATIF_DONE].base = 100;
    return 0;
}

/* Poll until the worker has returned (at most 10 s). */
static int poll_done(struct tui_whatif *w, char *msg, size_t size)
{
    for (int i = 0; i < 10000; i++) {
        int rc = tui_whatif_poll(w, msg, size);
        if (rc != 2)
            return rc;
        usleep(1000);
    }
    fail_msg("the worker never returned");
    return 2;
}

static void test_whatif_worker(void **state)
{
    struct fake_engine fe = { 0 };
    tui_whatif_engine engine = { &fe, fake_prepare, fake_run, fake_discard, 0 };
    tui_whatif_request req;
    struct tui_whatif w;
    char msg[600], err[256];
    pilotdb *db = (pilotdb *)&fe; /* only handed to prepare */

    (void)state;
    memset(&w, 0, sizeof w);
    memset(&req, 0, sizeof req);
    strcpy(req.ce, "ce-a");
    req.capacity_change = TUI_CAPACITY_SET;
    req.capacity = 5;
    req.enabled = -1;
    req.success_rate = -1;
    req.replications = 4;
    assert_int_equal(tui_whatif_poll(&w, msg, sizeof msg), 2);
    assert_int_equal(tui_whatif_start(&w, &engine, db, &req, err, sizeof err), 0);
    assert_int_equal(fe.prepared, 1);
    assert_ptr_equal(fe.db_seen, db);
    assert_int_equal(w.mode, TUI_WHATIF_RUNNING);
    assert_string_equal(w.changes, "capacity 5");
    assert_int_equal(poll_done(&w, msg, sizeof msg), 0);
    assert_int_equal(w.mode, TUI_WHATIF_PANEL);
    assert_int_equal(w.done, 8);
    assert_int_equal(w.total, 8);
    assert_int_equal(w.result.carried, 7);
    assert_near(w.result.total[TUI_WHATIF_DONE].base, 100, 0);

    /* cancelled between replications */
    fe.wait_for_cancel = 1;
    assert_int_equal(tui_whatif_start(&w, &engine, db, &req, err, sizeof err), 0);
    while (w.done < 3)
        assert_int_equal(tui_whatif_poll(&w, msg, sizeof msg), 2);
    tui_whatif_cancel(&w);
    assert_int_equal(poll_done(&w, msg, sizeof msg), 1);
    assert_string_equal(msg, "what-if cancelled after 3 of 8 replications");
    assert_int_equal(w.mode, TUI_WHATIF_CLOSED);

    /* a failure, its message without control characters */
    fe.wait_for_cancel = 0;
    fe.fail = 1;
    assert_int_equal(tui_whatif_start(&w, &engine, db, &req, err, sizeof err), 0);
    assert_int_equal(poll_done(&w, msg, sizeof msg), -1);
    assert_string_equal(msg, "what-if failed: fitting the database: no CE ?[2Jhere");
    assert_int_equal(w.mode, TUI_WHATIF_CLOSED);

    /* quitting while one runs cancels it and waits */
    fe.fail = 0;
    fe.wait_for_cancel = 1;
    assert_int_equal(tui_whatif_start(&w, &engine, db, &req, err, sizeof err), 0);
    tui_whatif_stop(&w);
    assert_int_equal(w.mode, TUI_WHATIF_CLOSED);
    assert_null(w.job);
    assert_int_equal(fe.discarded, 0);
}

static void test_text_clean_and_durations(void **state)
{
    char buf[32];
    int64_t ms;

    (void)state;
    tui_text_clean(buf, sizeof buf, "ok.example.org");
    assert_string_equal(buf, "ok.example.org");
    tui_text_clean(buf, sizeof buf, "a\tb\x7f" "c\xc2\x9b" "d");
    assert_string_equal(buf, "a?b?c?d");
    /* each byte that is not UTF-8 is one '?' (a cut sequence is two here) */
    tui_text_clean(buf, sizeof buf, "\xff" "x\xe2\x82" "y \xc3\xa9");
    assert_string_equal(buf, "?x??y \xc3\xa9");
    /* cut at a character, never inside one */
    tui_text_clean(buf, 5, "abc\xc3\xa9");
    assert_string_equal(buf, "abc");
    assert_int_equal(tui_duration_parse("90s", &ms), 0);
    assert_int_equal(ms, 90000);
    assert_int_equal(tui_duration_parse("1.5h", &ms), 0);
    assert_int_equal(ms, 5400000);
    assert_int_equal(tui_duration_parse("250ms", &ms), 0);
    assert_int_equal(ms, 250);
    assert_int_equal(tui_duration_parse("3", &ms), -1);
    assert_int_equal(tui_duration_parse("abc", &ms), -1);
    assert_int_equal(tui_duration_parse("-1h", &ms), -1);
    assert_int_equal(tui_duration_parse("infh", &ms), -1);
    assert_int_equal(ms, 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest view[] = {
        cmocka_unit_test(test_view_counts),
        cmocka_unit_test(test_view_empty_db),
        cmocka_unit_test(test_states),
        cmocka_unit_test(test_grades_in_view),
        cmocka_unit_test(test_over_and_stale),
        cmocka_unit_test(test_bars),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_filter_and_selection),
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_trend_and_rates),
        cmocka_unit_test(test_window_rates),
        cmocka_unit_test(test_window_parse),
        cmocka_unit_test(test_frame_deltas),
        cmocka_unit_test(test_new_ce_between_frames),
        cmocka_unit_test(test_frame_other_writer),
        cmocka_unit_test(test_frame_retried),
        cmocka_unit_test(test_event_clock),
        cmocka_unit_test(test_event_clock_later),
    };
    const struct CMUnitTest layout[] = {
        cmocka_unit_test(test_layout_80x24),
        cmocka_unit_test(test_layout_80x23),
        cmocka_unit_test(test_layout_120x40),
        cmocka_unit_test(test_layout_200x50),
        cmocka_unit_test(test_layout_60x16),
        cmocka_unit_test(test_layout_too_small),
    };
    const struct CMUnitTest frame[] = {
        cmocka_unit_test(test_frame_text),
        cmocka_unit_test(test_frame_json),
        cmocka_unit_test(test_frame_wide_names),
        cmocka_unit_test(test_selected_row_bars),
        cmocka_unit_test(test_help_fits),
        cmocka_unit_test(test_spark_scaled_to_capacity),
        cmocka_unit_test(test_frame_empty_db),
        cmocka_unit_test(test_key_table),
        cmocka_unit_test(test_numbers_and_grades),
    };
    const struct CMUnitTest whatif[] = {
        cmocka_unit_test(test_whatif_form_parse),
        cmocka_unit_test(test_whatif_form_keys),
        cmocka_unit_test(test_whatif_form_text),
        cmocka_unit_test(test_whatif_panel_text),
        cmocka_unit_test(test_whatif_worker),
        cmocka_unit_test(test_text_clean_and_durations),
        cmocka_unit_test(test_sort_follows_frames),
        cmocka_unit_test(test_unchanged_db_frame),
    };
    const struct fx_group groups[] = {
        FX_GROUP("view", view, NULL, NULL),
        FX_GROUP("layout", layout, NULL, NULL),
        FX_GROUP("frame", frame, NULL, NULL),
        FX_GROUP("whatif", whatif, NULL, NULL),
    };

    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
