/*
 * sim_check.c - replay a simulation's event history (the pilot_event view of
 * its pilot rows, in time order) against the pilot rows, its scenario and the
 * engine's own counts.
 *
 * Events at one time come by pilot id, not in the order the engine made
 * them; a pilot submitted at time t has the largest id of all pilots that
 * exist then, so every pilot that ended at t comes before it in the replay:
 * the capacity check can only be more lenient there, never fail wrongly.
 */
#include "sim_check.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "scenario.h"

struct replay {
    const char *what;
    const struct sim_scenario *scn;
    int check_enabled;
    int64_t last_at;
    int64_t max_pilot;
    int *status;          /* per pilot id: -1 none yet */
    int64_t *pilot_ce;    /* per pilot id: ce id */
    /* per CE id (small: CE ids are 1..n) */
    int64_t nce_ids;
    int64_t *active;
    int64_t *last_at_ce;  /* latest event time per CE id */
    int64_t *spec_index;  /* scenario CE index of each CE id, -1 if foreign */
    int64_t events;
    char problem[512];
};

static int note_max_pilot(void *arg, const pilotdb_pilot *p)
{
    struct replay *r = arg;

    if (p->id > r->max_pilot)
        r->max_pilot = p->id;
    return 0;
}

/* The capacity and enabled flag of scenario CE spec_index at time t, from
 * its configuration and the timeline events at or before t. */
static void config_at(const struct sim_scenario *scn, size_t spec_index, int64_t t,
                      int64_t *capacity, int *enabled)
{
    size_t i;

    *capacity = scn->ces[spec_index].capacity;
    *enabled = scn->ces[spec_index].enabled;
    for (i = 0; i < scn->nevents; i++) {
        const struct sim_event_spec *ev = &scn->events[i];
        if (ev->at > t)
            break;
        if (ev->ce_index != spec_index)
            continue;
        if (ev->set & PILOTDB_SET_CAPACITY)
            *capacity = ev->capacity;
        if (ev->set & PILOTDB_SET_ENABLED)
            *enabled = ev->enabled;
    }
}

static int replay_event(void *arg, const pilotdb_event *ev)
{
    struct replay *r = arg;
    int from;

    r->events++;
    if (ev->pilot_id < 1 || ev->pilot_id > r->max_pilot || ev->ce_id < 1 ||
        ev->ce_id >= r->nce_ids) {
        snprintf(r->problem, sizeof r->problem, "event %lld: pilot %lld or CE %lld "
                 "out of range", (long long)r->events, (long long)ev->pilot_id,
                 (long long)ev->ce_id);
        return 1;
    }
    if (ev->at < r->last_at) {
        snprintf(r->problem, sizeof r->problem, "event %lld at %lld ms goes back "
                 "in time (previous %lld)", (long long)r->events, (long long)ev->at,
                 (long long)r->last_at);
        return 1;
    }
    r->last_at = ev->at;
    r->last_at_ce[ev->ce_id] = ev->at;
    from = r->status[ev->pilot_id];
    if (ev->from_status != from ||
        (from == -1 ? ev->to_status != PILOT_SUBMITTED
                    : !pilot_status_transition_ok((pilot_status)from,
                                                  (pilot_status)ev->to_status))) {
        snprintf(r->problem, sizeof r->problem, "event %lld: pilot %lld goes %d -> %d "
                 "but was %d", (long long)r->events, (long long)ev->pilot_id,
                 ev->from_status, ev->to_status, from);
        return 1;
    }
    if (from == -1) {
        int64_t spec = r->spec_index[ev->ce_id], capacity;
        int enabled;
        r->pilot_ce[ev->pilot_id] = ev->ce_id;
        if (spec >= 0) {
            config_at(r->scn, (size_t)spec, ev->at, &capacity, &enabled);
            if (r->active[ev->ce_id] >= capacity) {
                snprintf(r->problem, sizeof r->problem, "pilot %lld submitted at %lld "
                         "ms to CE %lld with %lld active of capacity %lld",
                         (long long)ev->pilot_id, (long long)ev->at,
                         (long long)ev->ce_id, (long long)r->active[ev->ce_id],
                         (long long)capacity);
                return 1;
            }
            if (r->check_enabled && !enabled) {
                snprintf(r->problem, sizeof r->problem, "pilot %lld submitted at %lld "
                         "ms to CE %lld while disabled", (long long)ev->pilot_id,
                         (long long)ev->at, (long long)ev->ce_id);
                return 1;
            }
        }
        r->active[ev->ce_id]++;
    } else if (ev->to_status == PILOT_DONE || ev->to_status == PILOT_FAILED) {
        r->active[ev->ce_id]--;
    }
    r->status[ev->pilot_id] = ev->to_status;
    return 0;
}

static int check_pilot(void *arg, const pilotdb_pilot *p)
{
    struct replay *r = arg;

    if (r->status[p->id] != (int)p->status || r->pilot_ce[p->id] != p->ce_id) {
        snprintf(r->problem, sizeof r->problem, "pilot %lld is %s at CE %lld but its "
                 "events lead to %d at CE %lld", (long long)p->id,
                 pilot_status_name(p->status), (long long)p->ce_id, r->status[p->id],
                 (long long)r->pilot_ce[p->id]);
        return 1;
    }
    return 0;
}

static void check_counts(const char *what, const pilotdb_ce *dbce, const sim_ce_stats *st)
{
    int64_t failed = st->failed_before_start + st->failed_running;
    int64_t total = dbce->count[0] + dbce->count[1] + dbce->count[2] + dbce->count[3];

    if (st->active != dbce->active || st->done != dbce->count[PILOT_DONE] ||
        failed != dbce->count[PILOT_FAILED] || st->submitted != total ||
        st->started != st->done + st->failed_running + dbce->count[PILOT_RUNNING] ||
        st->submitted != st->started + st->failed_before_start +
                             dbce->count[PILOT_SUBMITTED] ||
        st->capacity != dbce->capacity || st->enabled != dbce->enabled)
        fail_msg("%s: CE %s: engine counts (submitted %lld started %lld done %lld "
                 "failed %lld active %lld capacity %lld enabled %d) disagree with the "
                 "database (%lld submitted, %lld running, %lld done, %lld failed, "
                 "capacity %lld, enabled %d)", what, dbce->name,
                 (long long)st->submitted, (long long)st->started, (long long)st->done,
                 (long long)failed, (long long)st->active, (long long)st->capacity,
                 st->enabled, (long long)dbce->count[0], (long long)dbce->count[1],
                 (long long)dbce->count[2], (long long)dbce->count[3],
                 (long long)dbce->capacity, dbce->enabled);
}

void sim_check_run(pilotdb *db, const sim_scenario *scn, const sim_engine *eng,
                   int check_enabled, const char *what)
{
    struct replay r;
    pilotdb_ce *ces = NULL;
    pilotdb_summary sum;
    size_t n = 0, i, k;
    int64_t problems = -1, total_submitted = 0;
    sim_ce_stats st;
    pilotdb_rc rc;

    memset(&r, 0, sizeof r);
    r.what = what;
    r.scn = scn;
    r.check_enabled = check_enabled;
    r.last_at = INT64_MIN;
    fx_ok(db, pilotdb_ce_list(db, 0, &ces, &n));
    fx_ok(db, pilotdb_pilots_foreach(db, NULL, note_max_pilot, &r));
    r.status = malloc((size_t)(r.max_pilot + 1) * sizeof *r.status);
    r.pilot_ce = calloc((size_t)(r.max_pilot + 1), sizeof *r.pilot_ce);
    r.nce_ids = 1;
    for (i = 0; i < n; i++)
        if (ces[i].id + 1 > r.nce_ids)
            r.nce_ids = ces[i].id + 1;
    r.active = calloc((size_t)r.nce_ids, sizeof *r.active);
    r.last_at_ce = malloc((size_t)r.nce_ids * sizeof *r.last_at_ce);
    r.spec_index = malloc((size_t)r.nce_ids * sizeof *r.spec_index);
    assert_true(r.status && r.pilot_ce && r.active && r.last_at_ce && r.spec_index);
    for (i = 0; i <= (size_t)r.max_pilot; i++)
        r.status[i] = -1;
    for (i = 0; i < (size_t)r.nce_ids; i++) {
        r.spec_index[i] = -1;
        r.last_at_ce[i] = PILOTDB_NO_TIME;
    }
    for (i = 0; i < n; i++)
        for (k = 0; k < scn->nces; k++)
            if (strcmp(scn->ces[k].name, ces[i].name) == 0)
                r.spec_index[ces[i].id] = (int64_t)k;

    fx_ok(db, pilotdb_events_foreach(db, NULL, replay_event, &r));
    if (!r.problem[0])
        fx_ok(db, pilotdb_pilots_foreach(db, NULL, check_pilot, &r));
    if (r.problem[0])
        fail_msg("%s: %s", what, r.problem);
    for (i = 0; i < n; i++)
        if (ces[i].last_change_at != r.last_at_ce[ces[i].id])
            fail_msg("%s: CE %s: last change at %lld, its last event at %lld", what,
                     ces[i].name, (long long)ces[i].last_change_at,
                     (long long)r.last_at_ce[ces[i].id]);

    /* the engine's report against the database, CE by CE (both by name) */
    assert_int_equal(sim_report_ce_count(eng), scn->nces);
    for (i = 0, k = 0; i < n; i++) {
        if (r.spec_index[ces[i].id] < 0)
            continue;
        assert_int_equal(sim_report_ce(eng, k++, &st), SIM_OK);
        assert_string_equal(st.name, ces[i].name);
        check_counts(what, &ces[i], &st);
        total_submitted += st.submitted;
        if (ces[i].active != r.active[ces[i].id])
            fail_msg("%s: CE %s: %lld active, events say %lld", what, ces[i].name,
                     (long long)ces[i].active, (long long)r.active[ces[i].id]);
    }
    assert_int_equal(sim_report_ce(eng, scn->nces, &st), SIM_OK);
    assert_string_equal(st.name, "total");
    assert_int_equal(st.submitted, total_submitted);
    fx_ok(db, pilotdb_summary_get(db, &sum));
    assert_int_equal(sum.count[0] + sum.count[1] + sum.count[2] + sum.count[3],
                     total_submitted);
    assert_int_equal(r.events, st.submitted + st.started + st.done +
                                   st.failed_before_start + st.failed_running);

    rc = pilotdb_check(db, &problems);
    if (rc != PILOTDB_OK || problems != 0)
        fail_msg("%s: pilotdb_check: %s (%lld problems)", what, pilotdb_errmsg(db),
                 (long long)problems);
    pilotdb_free(ces);
    free(r.status);
    free(r.pilot_ce);
    free(r.active);
    free(r.last_at_ce);
    free(r.spec_index);
}

const char *sim_check_scenario_path(const char *name)
{
    static char path[4096];
    const char *src = getenv("PILOTDECK_SOURCE_DIR");

    snprintf(path, sizeof path, "%s/scenarios/%s.ini", src ? src : "..", name);
    return path;
}

sim_scenario *sim_check_load(const char *path)
{
    sim_scenario *scn = NULL;
    char err[512];

    if (sim_scenario_load(path, &scn, err, sizeof err) != SIM_OK)
        fail_msg("loading %s: %s", path, err);
    return scn;
}

int sim_check_under_valgrind(void)
{
    const char *v = getenv("PILOTDECK_UNDER_VALGRIND");
    return v && strcmp(v, "1") == 0;
}

/* By the stable recursion B(0) = 1, B(k) = aB(k-1) / (k + aB(k-1)). */
double sim_check_erlang_b(int c, double a)
{
    double b = 1.0;
    int k;

    for (k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    return b;
}
