/*
 * json.c - the headless frame as JSON (pilotdeck top --once --json), built
 * with jansson from the same view model the screen shows.
 */
#include "pilottui.h"
#include "draw.h"

#include <jansson.h>
#include <time.h>

static json_t *rate_or_null(double rate)
{
    return rate < 0 ? json_null() : json_real(rate);
}

json_t *tui_json_text(const char *s)
{
    json_t *j = json_string(s);
    char clean[1024];

    if (j)
        return j;
    tui_text_clean(clean, sizeof clean, s);
    return json_string(clean);
}

int tui_json_time(json_t *obj, const char *stem, int64_t ms, pilotdb_clock_type clock)
{
    char key[64], text[PILOTDB_TIME_UTC_MAX];
    json_t *v;

    if (ms == PILOTDB_NO_TIME)
        v = json_null();
    else if (ms % 1000 == 0)
        v = json_integer((json_int_t)(ms / 1000));
    else
        v = json_real((double)ms / 1000.0);
    snprintf(key, sizeof key, "%s_s", stem);
    if (json_object_set_new(obj, key, v) != 0)
        return -1;
    if (clock == PILOTDB_CLOCK_SIM)
        return 0;
    v = ms == PILOTDB_NO_TIME ? json_null() : json_string(pilotdb_time_utc(ms, text));
    snprintf(key, sizeof key, "%s_at", stem);
    return json_object_set_new(obj, key, v) != 0 ? -1 : 0;
}

static json_t *trend_array(const tui_view *view, const tui_ce_row *row)
{
    int64_t series[TUI_TREND_BUCKETS];
    json_t *array = json_array();

    if (!array)
        return NULL;
    tui_view_trend(view, row, series, TUI_TREND_BUCKETS);
    for (size_t i = 0; i < TUI_TREND_BUCKETS; i++) {
        if (json_array_append_new(array, json_integer(series[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

/* Add the rates r to object (NULL passes through: json_pack failed). */
static json_t *with_rates(json_t *object, const tui_rates *r)
{
    json_t *rates = json_pack("{s:I, s:I, s:I}", "submitted", (json_int_t)r->submitted,
                              "done", (json_int_t)r->done, "failed", (json_int_t)r->failed);

    if (!object || !rates ||
        json_object_set_new(object, "submitted_per_hour", json_real(r->submitted_per_hour)) ||
        json_object_set_new(object, "done_per_hour", json_real(r->done_per_hour)) ||
        json_object_set_new(object, "failed_per_hour", json_real(r->failed_per_hour)) ||
        json_object_set_new(object, "in_window", rates)) {
        json_decref(object);
        return NULL;
    }
    return object;
}

static json_t *ce_object(const tui_view *view, const tui_ce_row *row)
{
    const pilotdb_ce *ce = row->ce;

    return with_rates(json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
                                " s:f, s:o, s:s, s:o}",
                     "name", ce->name,
                     "site", ce->site,
                     "state", tui_state_name(row->state),
                     "over_cause", tui_over_cause_name(row->over_cause),
                     "enabled", ce->enabled,
                     "capacity", (json_int_t)ce->capacity,
                     "active", (json_int_t)ce->active,
                     "available_slots", (json_int_t)ce->available_slots,
                     "submitted", (json_int_t)ce->count[PILOT_SUBMITTED],
                     "running", (json_int_t)ce->count[PILOT_RUNNING],
                     "done", (json_int_t)ce->count[PILOT_DONE],
                     "failed", (json_int_t)ce->count[PILOT_FAILED],
                     "configured_success_rate", ce->success_rate,
                     "efficiency", rate_or_null(row->efficiency),
                     "grade", tui_grade_name(row->grade),
                     "trend", trend_array(view, row)), &row->rates);
}

/* The sites of the tree with a CE that passes the filter, in the tree's
 * order, each with its totals and its CEs' names. */
static json_t *sites_array(const tui_view *view)
{
    json_t *sites = json_array(), *site = NULL;

    for (size_t i = 0; sites && i < view->nvisible; i++) {
        const tui_site *s = tui_view_visible_site(view, i);
        const tui_ce_row *row = tui_view_visible_row(view, i);
        if (s) {
            site = with_rates(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:s,"
                                        " s:s, s:b, s:[]}",
                              "name", s->name[0] ? s->name : TUI_NO_SITE,
                              "ces", (json_int_t)s->ces,
                              "capacity", (json_int_t)s->capacity,
                              "active", (json_int_t)s->active,
                              "submitted", (json_int_t)s->count[PILOT_SUBMITTED],
                              "running", (json_int_t)s->count[PILOT_RUNNING],
                              "done", (json_int_t)s->count[PILOT_DONE],
                              "failed", (json_int_t)s->count[PILOT_FAILED],
                              "efficiency", rate_or_null(s->efficiency),
                              "grade", tui_grade_name(s->grade),
                              "state", tui_state_name(s->state),
                              "collapsed", s->collapsed,
                              "ce_names"), &s->rates);
            if (json_array_append_new(sites, site) != 0) {
                json_decref(sites);
                return NULL;
            }
        } else if (row && site &&
                   json_array_append_new(json_object_get(site, "ce_names"),
                                         json_string(row->ce->name)) != 0) {
            json_decref(sites);
            return NULL;
        }
    }
    return sites;
}

json_t *tui_view_json(const tui_view *view, const tui_draw_options *opts)
{
    const tui_totals *t = &view->totals;
    json_t *root = NULL, *ces = NULL;

    ces = json_array();
    if (!ces)
        goto fail;
    for (size_t i = 0; i < view->nvisible; i++) {
        const tui_ce_row *row = tui_view_visible_row(view, i);
        if (row && json_array_append_new(ces, ce_object(view, row)) != 0)
            goto fail;
    }
    root = json_pack("{s:o, s:s, s:f, s:f, s:f, s:f, s:b, s:s, s:b, s:o, s:o, s:o, s:o}",
                     "source", tui_json_text(opts && opts->source ? opts->source : ""),
                     "clock", view->event_clock ? "sim"
                              : (opts && opts->clock_label ? opts->clock_label : "wall"),
                     "now_s", (double)view->now / 1000.0,
                     "trend_bucket_s", (double)view->opts.bucket_ms / 1000.0,
                     "window_s", (double)view->opts.window_ms / 1000.0,
                     "rate_span_s", (double)t->rate_span_ms / 1000.0,
                     "rates_partial", t->rates_partial,
                     "sort", tui_column_key(view->sort),
                     "sort_reverse", view->sort_reverse,
                     "filter", tui_json_text(view->filter),
                     "totals",
                     with_rates(json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
                     "ces", (json_int_t)t->ces,
                     "ces_enabled", (json_int_t)t->ces_enabled,
                     "capacity", (json_int_t)t->capacity,
                     "active", (json_int_t)t->active,
                     "active_on_disabled", (json_int_t)t->active_disabled,
                     "submitted", (json_int_t)t->count[PILOT_SUBMITTED],
                     "running", (json_int_t)t->count[PILOT_RUNNING],
                     "done", (json_int_t)t->count[PILOT_DONE],
                     "failed", (json_int_t)t->count[PILOT_FAILED],
                     "efficiency", rate_or_null(t->efficiency)),
                                &t->rates),
                     "active_trend", trend_array(view, NULL),
                     "ces", ces);
    if (root && view->tree && json_object_set_new(root, "sites", sites_array(view))) {
        json_decref(root);
        return NULL;
    }
    if (root && json_object_set_new(root, "grade", json_string(tui_grade_name(t->grade)))) {
        json_decref(root);
        return NULL;
    }
    if (root && !view->event_clock && view->clock_kind != PILOTDB_CLOCK_SIM &&
        tui_json_time(root, "now", view->now, PILOTDB_CLOCK_WALL) != 0) {
        json_decref(root);
        return NULL;
    }
    return root; /* json_pack consumed ces ("o"), even on failure */
fail:
    json_decref(ces);
    return NULL;
}
