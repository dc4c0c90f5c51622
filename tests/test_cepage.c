/*
 * test_cepage.c - a CE's page without a terminal: the model of a database
 * with pilots, reasons and changes at known times (every figure checked),
 * its JSON fields, its plain text, outside text cleaned, a simulation's
 * times, and an unknown CE.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "cepage.h"
#include "fixtures.h"

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

#define T0 1800000000000LL /* the page's now: 2027-01-15T08:00:00Z */
#define MIN (60 * 1000LL)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
#define CE "ce1.example.org"

/* One pilot at CE: submitted at sub before T0, started at start before T0
 * (-1: never), ended in status at end before T0 (-1: not yet), with reason
 * and source status (NULL: none). */
static void pilot(pilotdb *db, const char *ref, int64_t sub, int64_t start, int64_t end,
                  pilot_status status, const char *reason, const char *source)
{
    pilotdb_observation obs = { 0 };

    obs.ref = ref;
    obs.ce_name = CE;
    obs.status = status;
    obs.submitted = (pilotdb_obs_time){ PILOTDB_TIME_EXACT, T0 - sub };
    if (start >= 0)
        obs.started = (pilotdb_obs_time){ PILOTDB_TIME_EXACT, T0 - start };
    if (end >= 0)
        obs.ended = (pilotdb_obs_time){ end == 10 * MIN ? PILOTDB_TIME_OBSERVED
                                                        : PILOTDB_TIME_EXACT, T0 - end };
    obs.reason = reason;
    obs.source_status = source;
    fx_ok(db, pilotdb_pilot_observe(db, &obs, NULL, NULL));
}

/* The page's database: CE ce1 created by cli (alice) with capacity 10,
 * changed to 12 by top (bob), and seven pilots (p-1 first, p-7 newest):
 *   p-1  submitted -30m, failed -20m   "proxy expired"
 *   p-2  submitted -50m, failed -10m   "proxy expired" (end observed)
 *   p-3  submitted -5h, running -4h, failed -3h   "node lost"
 *   p-4  submitted -2h, running -90m, done -30m
 *   p-5  submitted -2d, running -2d+1m, done -1d
 *   p-6  submitted -10m, running -5m, held: "held: memory" (Held)
 *   p-7  submitted -3m
 * and one pilot at another CE. */
static pilotdb *page_db(void)
{
    pilotdb *db = fx_memory_db();
    pilotdb_ce_spec spec = { CE, 10, 0.9, 1, "SITE-A", PILOTDB_CAPACITY_CONFIGURED };
    pilotdb_ce_change up = { PILOTDB_SET_CAPACITY, 12, 0, 0 };
    pilotdb_observation other = { 0 };

    fx_clock_ms = T0 - 3 * DAY;
    pilotdb_set_clock(db, fx_clock, NULL);
    fx_ok(db, pilotdb_set_actor(db, "cli", "alice"));
    fx_ok(db, pilotdb_ce_add_spec(db, &spec, NULL));
    fx_ok(db, pilotdb_ce_add(db, "ce2.example.org", 5, 0.9, 1, NULL));
    fx_clock_ms = T0 - HOUR;
    fx_ok(db, pilotdb_set_actor(db, "top", "bob"));
    fx_ok(db, pilotdb_ce_update(db, CE, &up));
    pilot(db, "p-1", 30 * MIN, -1, 20 * MIN, PILOT_FAILED, "proxy expired", "Aborted");
    pilot(db, "p-2", 50 * MIN, -1, 10 * MIN, PILOT_FAILED, "proxy expired", "Aborted");
    pilot(db, "p-3", 5 * HOUR, 4 * HOUR, 3 * HOUR, PILOT_FAILED, "node lost", "Aborted");
    pilot(db, "p-4", 2 * HOUR, 90 * MIN, 30 * MIN, PILOT_DONE, NULL, "Completed");
    pilot(db, "p-5", 2 * DAY, 2 * DAY - MIN, DAY, PILOT_DONE, "ok", NULL);
    pilot(db, "p-6", 10 * MIN, 5 * MIN, -1, PILOT_RUNNING, "held: memory", "Held");
    pilot(db, "p-7", 3 * MIN, -1, -1, PILOT_SUBMITTED, NULL, NULL);
    other.ref = "q-1";
    other.ce_name = "ce2.example.org";
    other.submitted = (pilotdb_obs_time){ PILOTDB_TIME_EXACT, T0 - MIN };
    fx_ok(db, pilotdb_pilot_observe(db, &other, NULL, NULL));
    return db;
}

/* Grades that judge from one ended pilot on. */
static const tui_grades any_count = { 0.85, 0.60, 0.25, 1 };

static void test_model_figures(void **state)
{
    pilotdb *db = page_db();
    tui_cepage page;
    const tui_cepage_window *w;
    tui_timeline_step steps[3];
    const int64_t *t5 = NULL, *t1 = NULL;

    (void)state;
    fx_ok(db, tui_cepage_read(&page, db, CE, T0, &any_count));
    assert_int_equal(pilotdb_in_transaction(db), 0);
    assert_string_equal(page.ce.name, CE);
    assert_string_equal(page.ce.site, "SITE-A");
    assert_int_equal(page.ce.capacity, 12);
    assert_int_equal(page.clock, PILOTDB_CLOCK_WALL);
    assert_int_equal(page.now, T0);
    assert_int_equal(page.first_at, T0 - 2 * DAY);
    assert_int_equal(page.ce.count[PILOT_SUBMITTED], 1);
    assert_int_equal(page.ce.count[PILOT_RUNNING], 1);
    assert_int_equal(page.ce.count[PILOT_DONE], 2);
    assert_int_equal(page.ce.count[PILOT_FAILED], 3);

    /* 1h: p-1, p-2, p-6, p-7 submitted; p-4 done; p-1, p-2 failed. */
    w = &page.win[TUI_CEPAGE_1H];
    assert_int_equal(w->window_ms, HOUR);
    assert_int_equal(w->span_ms, HOUR);
    assert_false(w->partial);
    assert_int_equal(w->rates.submitted, 4);
    assert_int_equal(w->rates.done, 1);
    assert_int_equal(w->rates.failed, 2);
    assert_near(w->rates.submitted_per_hour, 4.0, 1e-9);
    assert_near(w->rates.failed_per_hour, 2.0, 1e-9);
    assert_near(w->efficiency, 1.0 / 3.0, 1e-9);
    assert_int_equal(w->grade, TUI_GRADE_POOR);
    /* 12h: p-3 and p-4 too. */
    w = &page.win[TUI_CEPAGE_12H];
    assert_int_equal(w->rates.submitted, 6);
    assert_int_equal(w->rates.done, 1);
    assert_int_equal(w->rates.failed, 3);
    assert_near(w->rates.done_per_hour, 1.0 / 12.0, 1e-9);
    assert_near(w->efficiency, 0.25, 1e-9);
    assert_int_equal(w->grade, TUI_GRADE_POOR);
    /* 7d: everything, over the CE's two days. */
    w = &page.win[TUI_CEPAGE_7D];
    assert_true(w->partial);
    assert_int_equal(w->span_ms, 2 * DAY);
    assert_int_equal(w->rates.submitted, 7);
    assert_int_equal(w->rates.done, 2);
    assert_int_equal(w->rates.failed, 3);
    assert_near(w->rates.submitted_per_hour, 7.0 / 48.0, 1e-9);
    assert_near(w->efficiency, 0.4, 1e-9);

    /* Trends: the last point is now; active means submitted <= t < end. */
    t5 = page.trend[TUI_CEPAGE_5MIN];
    t1 = page.trend[TUI_CEPAGE_HOUR];
    assert_int_equal(t5[TUI_CEPAGE_TREND_POINTS - 1], 2);  /* p-6, p-7 */
    assert_int_equal(t5[TUI_CEPAGE_TREND_POINTS - 2], 1);  /* -5m: p-6 */
    assert_int_equal(t5[TUI_CEPAGE_TREND_POINTS - 3], 1);  /* -10m: p-6 (p-2 ended) */
    assert_int_equal(t5[TUI_CEPAGE_TREND_POINTS - 6], 2);  /* -25m: p-1, p-2 */
    assert_int_equal(t5[TUI_CEPAGE_TREND_POINTS - 7], 2);  /* -30m: p-1, p-2 (p-4 ended) */
    assert_int_equal(t5[TUI_CEPAGE_TREND_POINTS - 8], 2);  /* -35m: p-2, p-4 */
    assert_int_equal(t1[TUI_CEPAGE_TREND_POINTS - 2], 1);  /* -1h: p-4 */
    assert_int_equal(t1[TUI_CEPAGE_TREND_POINTS - 5], 1);  /* -4h: p-3 */
    assert_int_equal(t1[TUI_CEPAGE_TREND_POINTS - 26], 1); /* -25h: p-5 */
    assert_int_equal(t1[TUI_CEPAGE_TREND_POINTS - 50], 0); /* -49h: none yet */
    assert_int_equal(page.trend[TUI_CEPAGE_HALF_DAY][TUI_CEPAGE_TREND_POINTS - 3], 0); /* -24h */
    assert_int_equal(page.trend[TUI_CEPAGE_HALF_DAY][TUI_CEPAGE_TREND_POINTS - 4], 1); /* -36h */

    /* Reasons: failed ones, and the active ones' (holds); not the done's. */
    assert_int_equal(page.failed.with_reason, 3);
    assert_int_equal(page.failed.distinct, 2);
    assert_int_equal(page.failed.n, 2);
    assert_string_equal(page.failed.top[0].reason, "proxy expired");
    assert_int_equal(page.failed.top[0].count, 2);
    assert_string_equal(page.failed.top[1].reason, "node lost");
    assert_int_equal(page.held.with_reason, 1);
    assert_string_equal(page.held.top[0].reason, "held: memory");

    /* The last pilots, newest first, whole. */
    assert_int_equal(page.npilots, 7);
    assert_string_equal(page.pilots[0].pilot.ref, "p-7");
    assert_string_equal(page.pilots[0].reason, "");
    assert_string_equal(page.pilots[1].pilot.ref, "p-6");
    assert_string_equal(page.pilots[1].reason, "held: memory");
    assert_string_equal(page.pilots[1].pilot.source_status, "Held");
    assert_string_equal(page.pilots[6].pilot.ref, "p-1");
    /* p-3's timeline: three exact steps; p-2's end was observed. */
    assert_int_equal(tui_cepage_timeline(&page.pilots[4].pilot, steps), 3);
    assert_int_equal(steps[0].to, PILOT_SUBMITTED);
    assert_int_equal(steps[0].at, T0 - 5 * HOUR);
    assert_int_equal(steps[1].to, PILOT_RUNNING);
    assert_int_equal(steps[1].at, T0 - 4 * HOUR);
    assert_int_equal(steps[2].to, PILOT_FAILED);
    assert_int_equal(steps[2].kind, PILOTDB_TIME_EXACT);
    assert_int_equal(tui_cepage_timeline(&page.pilots[5].pilot, steps), 2);
    assert_int_equal(steps[1].to, PILOT_FAILED);
    assert_int_equal(steps[1].kind, PILOTDB_TIME_OBSERVED);
    assert_int_equal(steps[1].at, T0 - 10 * MIN);

    /* The change log: created by cli (alice), last changed by top (bob). */
    assert_true(page.nchanges >= 2);
    assert_non_null(page.created);
    assert_string_equal(page.created->by, "cli");
    assert_string_equal(page.created->user, "alice");
    assert_true(page.created->old_value.null);
    assert_non_null(page.last_change);
    assert_string_equal(page.last_change->by, "top");
    assert_string_equal(page.last_change->user, "bob");
    assert_int_equal(page.last_change->field, PILOTDB_FIELD_CAPACITY);
    assert_int_equal(page.last_change->old_value.i, 10);
    assert_int_equal(page.last_change->new_value.i, 12);
    assert_int_equal(page.last_change->at, T0 - HOUR);

    tui_cepage_free(&page);
    assert_null(page.changes);
    fx_close(db);
}

/* Default grades: too few ended pilots is Idle. */
static void test_model_idle_and_unknown(void **state)
{
    pilotdb *db = page_db();
    tui_cepage page;

    (void)state;
    fx_ok(db, tui_cepage_read(&page, db, CE, T0, NULL));
    assert_int_equal(page.win[TUI_CEPAGE_1H].grade, TUI_GRADE_IDLE);
    tui_cepage_free(&page);
    assert_int_equal(tui_cepage_read(&page, db, "nosuch.example.org", T0, NULL),
                     PILOTDB_ENOTFOUND);
    assert_int_equal(page.npilots, 0);
    assert_null(page.changes);
    assert_int_equal(pilotdb_in_transaction(db), 0);
    fx_close(db);
}

static const char *text_of(const tui_cepage *page, int width, char *buf, size_t size)
{
    FILE *f = fmemopen(buf, size, "w");

    assert_non_null(f);
    assert_int_equal(tui_cepage_text(page, width, 1, f), 0);
    fclose(f);
    return buf;
}

/* A control character in a reason written by other means than the layer
 * never reaches the text; JSON keeps it, escaped. */
static void test_text_and_json(void **state)
{
    pilotdb *db = page_db();
    tui_cepage page;
    static char text[32768];
    json_t *j, *w0, *top0, *p0;
    char *dump;
    static const char *const expected[] = {
        "CE ce1.example.org  site SITE-A",
        "capacity 12 (configured)  enabled\n",
        "by cli (alice)",
        "by top (bob): capacity 10 -> 12\n",
        "by cli (alice): enabled on\n",
        "       7d*             0.1        0.0        0.1         40%  Poor\n"
        "       * the CE's history is shorter: over its 2d\n",
        "submitted 1  running 1  done 2  failed 3  active 2/12",
        "\n       1h              4.0        1.0        2.0         33%  Poor\n",
        "        2  proxy expired\n",
        "        1  node?[31m lost\n",
        "        1  held: memory\n",
        "  p-6              running    Held       ",
        "\nTimelines\n",
        "  p-2              submitted 2027-01-15 07:10:00 (exact), failed 2027-01-15 07:50:00"
        " (observed)\n",
    };

    (void)state;
    assert_int_equal(sqlite3_exec(pilotdb_sqlite(db),
                                  "UPDATE pilot_source SET reason = 'node' || char(27) ||"
                                  " '[31m lost' WHERE ref = 'p-3'", NULL, NULL, NULL),
                     SQLITE_OK);
    fx_ok(db, tui_cepage_read(&page, db, CE, T0, &any_count));
    text_of(&page, 120, text, sizeof text);
    if (getenv("TEST_CEPAGE_PRINT"))
        fputs(text, stderr);
    assert_null(strchr(text, '\033'));
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        if (!strstr(text, expected[i]))
            fail_msg("the page lacks \"%s\"", expected[i]);
    /* 80 columns: no line wider */
    text_of(&page, 80, text, sizeof text);
    for (char *line = text, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        int cells = 0;
        for (char *c = line; c < nl; c++)
            cells += ((unsigned char)*c & 0xC0) != 0x80;
        assert_true(cells <= 80);
    }

    j = tui_cepage_json(&page);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "name")), CE);
    assert_string_equal(json_string_value(json_object_get(j, "clock")), "wall");
    assert_near(json_number_value(json_object_get(j, "now_s")), T0 / 1000.0, 1e-6);
    assert_string_equal(json_string_value(json_object_get(j, "now_at")),
                        "2027-01-15T08:00:00.000Z");
    w0 = json_array_get(json_object_get(j, "windows"), 0);
    assert_int_equal(json_integer_value(json_object_get(w0, "window_s")), 3600);
    assert_int_equal(json_integer_value(json_object_get(w0, "submitted")), 4);
    assert_int_equal(json_integer_value(json_object_get(w0, "failed")), 2);
    assert_string_equal(json_string_value(json_object_get(w0, "grade")), "Poor");
    assert_int_equal(json_array_size(json_object_get(
                         json_array_get(json_object_get(j, "trends"), 2), "active")),
                     TUI_CEPAGE_TREND_POINTS);
    top0 = json_array_get(json_object_get(json_object_get(j, "failure_reasons"), "top"), 0);
    assert_string_equal(json_string_value(json_object_get(top0, "reason")), "proxy expired");
    assert_int_equal(json_integer_value(json_object_get(top0, "count")), 2);
    p0 = json_array_get(json_object_get(j, "pilots"), 1);
    assert_string_equal(json_string_value(json_object_get(p0, "ref")), "p-6");
    assert_string_equal(json_string_value(json_object_get(p0, "reason")), "held: memory");
    assert_true(json_is_null(json_object_get(p0, "ended_s")));
    assert_int_equal(json_array_size(json_object_get(p0, "timeline")), 2);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "last_change"),
                                                          "user")), "bob");
    dump = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(dump, "\"reason\":\"node\\u001B[31m lost\""));
    free(dump);
    json_decref(j);
    tui_cepage_free(&page);
    fx_close(db);
}

/* A simulation's database: times from its start (T+), the clock the
 * newest change when none is given. */
static void test_sim_times(void **state)
{
    pilotdb *db = fx_memory_db();
    tui_cepage page;
    static char text[32768];
    int64_t id;

    (void)state;
    pilotdb_set_clock(db, fx_clock, NULL);
    fx_ok(db, pilotdb_clock_claim(db, PILOTDB_CLOCK_SIM));
    fx_clock_ms = 0;
    fx_ok(db, pilotdb_ce_add(db, CE, 4, 0.75, 1, NULL));
    fx_clock_ms = HOUR;
    fx_ok(db, pilotdb_pilot_submit(db, CE, &id));
    fx_clock_ms = HOUR + 2 * MIN + 3000;
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
    pilotdb_set_clock(db, NULL, NULL); /* read as `top` does, on the wall clock */
    fx_ok(db, tui_cepage_read(&page, db, CE, PILOTDB_NO_TIME, NULL));
    assert_int_equal(page.clock, PILOTDB_CLOCK_SIM);
    assert_int_equal(page.now, HOUR + 2 * MIN + 3000);
    text_of(&page, 100, text, sizeof text);
    assert_non_null(strstr(text, "at T+0d 01:02:03"));
    assert_non_null(strstr(text, "success rate 75% (simulated)"));
    assert_non_null(strstr(text, "T+0d 01:00:00 T+0d 01:02:03 -"));
    assert_int_equal(page.trend[TUI_CEPAGE_5MIN][TUI_CEPAGE_TREND_POINTS - 1], 1);
    tui_cepage_free(&page);
    fx_close(db);
}

int main(int argc, char **argv)
{
    /* the page's wall times are local: the expected text's are UTC */
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest model[] = {
        cmocka_unit_test(test_model_figures),
        cmocka_unit_test(test_model_idle_and_unknown),
        cmocka_unit_test(test_sim_times),
    };
    const struct CMUnitTest text[] = {
        cmocka_unit_test(test_text_and_json),
    };
    const struct fx_group groups[] = {
        FX_GROUP("model", model, NULL, NULL),
        FX_GROUP("text", text, NULL, NULL),
    };

    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
