/*
 * cepage_json.c - a CE's page as JSON (`top --once --ce NAME --json`):
 * the same model as the screen, times in seconds on the database's clock
 * (and ISO 8601 UTC on a wall clock), outside text as it is when it is
 * UTF-8 (jansson escapes control characters), cleaned when it is not.
 */
#include "cepage.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "draw.h"

static json_t *value_json(pilotdb_ce_field field, const pilotdb_ce_value *v)
{
    if (v->null)
        return json_null();
    switch (field) {
    case PILOTDB_FIELD_SUCCESS_RATE: return json_real(v->d);
    case PILOTDB_FIELD_ENABLED: return json_boolean(v->i);
    case PILOTDB_FIELD_SITE: return tui_json_text(v->text);
    case PILOTDB_FIELD_CAPACITY: break;
    }
    return json_integer(v->i);
}

static json_t *change_json(const tui_cepage *page, const pilotdb_ce_history_row *row)
{
    json_t *o;

    if (!row)
        return json_null();
    o = json_pack("{s:s, s:o, s:o, s:o, s:o}", "field", pilotdb_ce_field_name(row->field),
                  "old", value_json(row->field, &row->old_value),
                  "new", value_json(row->field, &row->new_value),
                  "by", tui_json_text(row->by),
                  "user", row->user[0] ? tui_json_text(row->user) : json_null());
    if (o && tui_json_time(o, "time", row->at, page->clock) != 0) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

static json_t *reasons_json(const tui_reason_list *list)
{
    json_t *top = json_array();

    for (size_t i = 0; top && i < list->n; i++)
        if (json_array_append_new(top, json_pack("{s:o, s:I}", "reason",
                                                 tui_json_text(list->top[i].reason), "count",
                                                 (json_int_t)list->top[i].count))) {
            json_decref(top);
            top = NULL;
        }
    return json_pack("{s:I, s:I, s:o*}", "with_reason", (json_int_t)list->with_reason,
                     "distinct", (json_int_t)list->distinct, "top", top);
}

static json_t *pilot_json(const tui_cepage *page, const tui_cepage_pilot *cp)
{
    const pilotdb_pilot *p = &cp->pilot;
    tui_timeline_step steps[3];
    size_t n = tui_cepage_timeline(p, steps);
    json_t *timeline = json_array(), *o;

    for (size_t k = 0; timeline && k < n; k++) {
        json_t *step = json_pack("{s:s, s:s}", "status", pilot_status_name(steps[k].to),
                                 "kind", pilotdb_time_kind_name(steps[k].kind));
        if (!step || tui_json_time(step, "time", steps[k].at, page->clock) ||
            json_array_append_new(timeline, step)) {
            json_decref(timeline);
            timeline = NULL;
        }
    }
    o = json_pack("{s:I, s:o, s:s, s:o, s:o, s:o*}", "id", (json_int_t)p->id,
                  "ref", p->ref[0] ? tui_json_text(p->ref) : json_null(),
                  "status", pilot_status_name(p->status),
                  "source_status", p->source_status[0] ? tui_json_text(p->source_status)
                                                      : json_null(),
                  "reason", cp->reason[0] ? tui_json_text(cp->reason) : json_null(),
                  "timeline", timeline);
    if (o && (tui_json_time(o, "submitted", p->submitted_at, page->clock) ||
              tui_json_time(o, "started", p->started_at, page->clock) ||
              tui_json_time(o, "ended", p->ended_at, page->clock))) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

/* Append item to array; -1 when item is NULL or the append fails. */
static int append(json_t *array, json_t *item)
{
    return item && json_array_append_new(array, item) == 0 ? 0 : -1;
}

json_t *tui_cepage_json(const tui_cepage *page)
{
    static const char *const trend_names[TUI_CEPAGE_NTRENDS] = { "5m", "1h", "12h" };
    const pilotdb_ce *ce = &page->ce;
    json_t *windows = json_array(), *trends = json_array(), *pilots = json_array();
    json_t *changes = json_array(), *o = NULL;
    int bad = !windows || !trends || !pilots || !changes;

    for (int w = 0; !bad && w < TUI_CEPAGE_NWINDOWS; w++) {
        const tui_cepage_window *cw = &page->win[w];
        bad = append(windows, json_pack(
            "{s:I, s:I, s:b, s:I, s:I, s:I, s:f, s:f, s:f, s:o, s:s}",
            "window_s", (json_int_t)(cw->window_ms / 1000), "span_s",
            (json_int_t)(cw->span_ms / 1000), "partial", cw->partial,
            "submitted", (json_int_t)cw->rates.submitted, "done", (json_int_t)cw->rates.done,
            "failed", (json_int_t)cw->rates.failed,
            "submitted_per_hour", cw->rates.submitted_per_hour,
            "done_per_hour", cw->rates.done_per_hour,
            "failed_per_hour", cw->rates.failed_per_hour,
            "efficiency", cw->efficiency < 0 ? json_null() : json_real(cw->efficiency),
            "grade", tui_grade_name(cw->grade)));
    }
    for (int r = 0; !bad && r < TUI_CEPAGE_NTRENDS; r++) {
        json_t *points = json_array();
        for (int i = 0; points && i < TUI_CEPAGE_TREND_POINTS; i++)
            if (json_array_append_new(points, json_integer(page->trend[r][i]))) {
                json_decref(points);
                points = NULL;
            }
        bad = append(trends, json_pack("{s:s, s:I, s:o*}", "step", trend_names[r], "step_s",
                                       (json_int_t)(tui_cepage_step_ms[r] / 1000), "active",
                                       points));
    }
    for (size_t i = 0; !bad && i < page->npilots; i++)
        bad = append(pilots, pilot_json(page, &page->pilots[i]));
    for (size_t i = 0; !bad && i < page->nchanges; i++)
        bad = append(changes, change_json(page, &page->changes[i]));
    if (!bad)
        o = json_pack("{s:o, s:o, s:b, s:I, s:s, s:f, s:s, s:o, s:o,"
                      " s:{s:I, s:I, s:I, s:I, s:I},"
                      " s:o, s:o, s:o, s:o, s:o, s:o}",
                      "name", tui_json_text(ce->name),
                      "site", ce->site[0] ? tui_json_text(ce->site) : json_null(),
                      "enabled", ce->enabled, "capacity", (json_int_t)ce->capacity,
                      "capacity_source",
                      ce->capacity_source == PILOTDB_CAPACITY_INFERRED ? "inferred"
                                                                       : "configured",
                      "success_rate", ce->success_rate,
                      "clock", pilotdb_clock_kind_name(page->clock),
                      "created", change_json(page, page->created),
                      "last_change", change_json(page, page->last_change),
                      "counts", "submitted", (json_int_t)ce->count[PILOT_SUBMITTED],
                      "running", (json_int_t)ce->count[PILOT_RUNNING],
                      "done", (json_int_t)ce->count[PILOT_DONE],
                      "failed", (json_int_t)ce->count[PILOT_FAILED],
                      "active", (json_int_t)ce->active,
                      "windows", windows, "trends", trends,
                      "failure_reasons", reasons_json(&page->failed),
                      "hold_reasons", reasons_json(&page->held),
                      "pilots", pilots, "changes", changes);
    else {
        /* json_pack() took them only when it ran */
        json_decref(windows);
        json_decref(trends);
        json_decref(pilots);
        json_decref(changes);
    }
    if (o && tui_json_time(o, "now", page->now, page->clock) == 0)
        return o;
    json_decref(o);
    return NULL;
}
