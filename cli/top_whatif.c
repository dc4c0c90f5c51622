/*
 * top_whatif.c - the what-if `w` starts in the dashboard, run as
 * `pilotdeck whatif --from-db` runs one: the database's last window fitted
 * (sim/fit.h), every active pilot carried over, the form's changes applied
 * to the variant, baseline and variant replicated with common random
 * numbers over the horizon.  It runs on the dashboard's worker thread and
 * never uses the dashboard's handle there: a file is opened again,
 * read-only; an in-memory database is read from a snapshot taken on the
 * dashboard's thread.  Nothing is written to the database.
 */
#include "top_whatif.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fit.h"
#include "pilotsim.h"

/* A snapshot of an in-memory database. */
struct snapshot {
    unsigned char *image;
    size_t size;
};

static int take_snapshot(void *arg, pilotdb *db, void **job, char *errbuf,
                         size_t errbuf_size)
{
    struct top_whatif *tw = arg;
    struct snapshot *snap;

    *job = NULL;
    if (strcmp(tw->path, ":memory:") != 0)
        return 0; /* the worker opens the file itself */
    snap = calloc(1, sizeof *snap);
    if (!snap || pilotdb_serialize(db, &snap->image, &snap->size) != PILOTDB_OK) {
        snprintf(errbuf, errbuf_size, "cannot take a snapshot of the database: %s",
                 snap ? pilotdb_errmsg(db) : "out of memory");
        free(snap);
        return -1;
    }
    *job = snap;
    return 0;
}

static void drop_snapshot(void *arg, void *job)
{
    struct snapshot *snap = job;

    (void)arg;
    if (snap)
        pilotdb_free(snap->image);
    free(snap);
}

/* The database's last window fitted, read through a connection of our own. */
static int fit_database(const struct top_whatif *tw, struct snapshot *snap,
                        const tui_whatif_request *req, sim_fit **fit, char *errbuf,
                        size_t errbuf_size)
{
    sim_fit_options opt = {INT64_MIN, INT64_MAX, NULL, 0, 30, 0, "from the database", 0, 0};
    pilotdb_clock_type kind;
    pilotdb *db = NULL;
    char err[1024];
    pilotdb_rc drc;

    opt.window = req->window_ms;
    opt.at_now = 1;
    if (snap)
        drc = pilotdb_open_image(snap->image, snap->size, &db, err, sizeof err);
    else
        drc = pilotdb_open(tw->path, PILOTDB_OPEN_READONLY, &db, err, sizeof err);
    if (drc == PILOTDB_OK && (drc = pilotdb_clock_kind(db, &kind)) != PILOTDB_OK)
        snprintf(err, sizeof err, "%s", pilotdb_errmsg(db));
    if (drc != PILOTDB_OK) {
        snprintf(errbuf, errbuf_size, "reading the database: %s", err);
        pilotdb_close(db);
        return -1;
    }
    if (sim_fit_run(db, &opt, fit, err, sizeof err) != SIM_OK) {
        snprintf(errbuf, errbuf_size, "fitting the database: %s", err);
        pilotdb_close(db);
        return -1;
    }
    pilotdb_close(db);
    return 0;
}

/* Apply one "ce.NAME.KEY=VALUE" to the variant. */
static sim_rc set_ce(sim_scenario *scn, const char *ce, const char *key, const char *value,
                     int absolute, char *errbuf, size_t errbuf_size)
{
    size_t len = strlen(ce) + strlen(key) + strlen(value) + 8;
    char *assignment = malloc(len);
    sim_rc rc;

    if (!assignment)
        return SIM_ENOMEM;
    snprintf(assignment, len, "ce.%s.%s=%s", ce, key, value);
    rc = absolute ? sim_scenario_set_absolute(scn, assignment, errbuf, errbuf_size)
                  : sim_scenario_set(scn, assignment, errbuf, errbuf_size);
    free(assignment);
    return rc;
}

/* The form's changes, on the fitted scenario. */
static sim_rc make_variant(sim_scenario *scn, const tui_whatif_request *req, char *errbuf,
                           size_t errbuf_size)
{
    char value[64];
    sim_rc rc = SIM_OK;

    if (req->capacity_change == TUI_CAPACITY_SET) {
        snprintf(value, sizeof value, "%lld", (long long)req->capacity);
        rc = set_ce(scn, req->ce, "capacity", value, 1, errbuf, errbuf_size);
    } else if (req->capacity_change == TUI_CAPACITY_PERCENT) {
        snprintf(value, sizeof value, "%+.6g%%", req->capacity_percent);
        rc = set_ce(scn, req->ce, "capacity", value, 0, errbuf, errbuf_size);
    }
    if (rc == SIM_OK && req->enabled >= 0)
        rc = set_ce(scn, req->ce, "enabled", req->enabled ? "true" : "false", 1, errbuf,
                    errbuf_size);
    if (rc == SIM_OK && req->outage_ms > 0) {
        rc = sim_scenario_add_event(scn, "outage", 0, req->ce, "enabled", "false", errbuf,
                                    errbuf_size);
        if (rc == SIM_OK)
            rc = sim_scenario_add_event(scn, "outage ends", req->outage_ms, req->ce,
                                        "enabled", "true", errbuf, errbuf_size);
    }
    if (rc == SIM_OK && req->success_rate >= 0) {
        snprintf(value, sizeof value, "%.17g", req->success_rate);
        rc = set_ce(scn, req->ce, "success_rate", value, 1, errbuf, errbuf_size);
    }
    return rc;
}

/* The figures of a unit of the study (the total, or the CE). */
static void figures(const sim_study *st, size_t unit, tui_whatif_figure *out)
{
    static const int metric[TUI_WHATIF_NMETRICS] = {
        [TUI_WHATIF_THROUGHPUT] = SIM_METRIC_THROUGHPUT,
        [TUI_WHATIF_DONE] = SIM_METRIC_DONE,
        [TUI_WHATIF_FAILED] = SIM_METRIC_FAILED,
        [TUI_WHATIF_UTILIZATION] = SIM_METRIC_UTILIZATION,
    };

    for (int m = 0; m < TUI_WHATIF_NMETRICS; m++) {
        sim_study_comparison cmp;
        if (sim_study_compare(st, unit, metric[m], &cmp) != SIM_OK)
            memset(&cmp, 0, sizeof cmp);
        out[m].base = cmp.base.mean;
        out[m].base_half = cmp.base.half_width;
        out[m].variant = cmp.variant.mean;
        out[m].variant_half = cmp.variant.half_width;
        out[m].diff = cmp.diff.mean;
        out[m].diff_half = cmp.diff.half_width;
        out[m].significant = sim_interval_significant(&cmp.diff);
    }
}

static unsigned jobs_online(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
}

static int run_whatif(void *arg, void *job, const tui_whatif_request *req,
                      tui_whatif_progress_fn progress, void *progress_arg,
                      const volatile int *cancel, tui_whatif_result *out, char *errbuf,
                      size_t errbuf_size)
{
    const struct top_whatif *tw = arg;
    sim_fit *fit = NULL;
    sim_scenario *scns[2] = {NULL, NULL};
    sim_study st;
    char duration[64], horizon[96];
    uint64_t seed;
    size_t u;
    int status = -1;
    sim_rc rc = SIM_OK;

    memset(out, 0, sizeof *out);
    sim_study_init(&st, SIM_STUDY_WHATIF);
    if (fit_database(tw, job, req, &fit, errbuf, errbuf_size) != 0)
        goto out;
    sim_format_duration(req->horizon_ms, duration, sizeof duration);
    snprintf(horizon, sizeof horizon, "scenario.duration=%s", duration);
    for (int i = 0; i < 2 && rc == SIM_OK; i++) {
        rc = sim_fit_scenario_new(fit, 1, &scns[i], errbuf, errbuf_size);
        if (rc == SIM_OK)
            rc = sim_scenario_set(scns[i], horizon, errbuf, errbuf_size);
    }
    if (rc == SIM_OK)
        rc = make_variant(scns[1], req, errbuf, errbuf_size);
    if (rc != SIM_OK) {
        if (rc == SIM_ENOMEM)
            snprintf(errbuf, errbuf_size, "out of memory");
        goto out;
    }
    seed = sim_scenario_seed(scns[0]);
    rc = sim_study_whatif(&st, tw->path, "the dashboard's changes", scns[0], scns[1],
                          errbuf, errbuf_size);
    scns[0] = scns[1] = NULL; /* the study's now */
    if (rc == SIM_OK)
        rc = sim_study_set_replications(&st, req->replications, seed, errbuf, errbuf_size);
    if (rc != SIM_OK)
        goto out;
    st.cancel = cancel;
    rc = sim_study_run(&st, 1, 1, jobs_online(), progress, progress_arg, errbuf,
                       errbuf_size);
    if (rc == SIM_ECANCELED) {
        status = 1;
        goto out;
    }
    if (rc != SIM_OK)
        goto out;
    /* the units are the CEs in name order, then the total */
    figures(&st, st.nunits - 1, out->total);
    for (u = 0; u + 1 < st.nunits; u++)
        if (strcmp(st.units[u], req->ce) == 0)
            figures(&st, u, out->ce);
    out->carried = sim_fit_active(fit, NULL);
    status = 0;
out:
    drop_snapshot(NULL, job);
    sim_scenario_free(scns[0]);
    sim_scenario_free(scns[1]);
    sim_study_free(&st);
    sim_fit_free(fit);
    return status;
}

void top_whatif_engine(struct top_whatif *tw, tui_whatif_engine *engine)
{
    const char *reps = getenv("PILOTDECK_WHATIF_REPLICATIONS");
    char *end;
    long n;

    memset(engine, 0, sizeof *engine);
    engine->arg = tw;
    engine->prepare = take_snapshot;
    engine->run = run_whatif;
    engine->discard = drop_snapshot;
    if (reps && reps[0]) {
        n = strtol(reps, &end, 10);
        if (*end == '\0' && n >= 2 && n <= 1000)
            engine->replications = (size_t)n;
    }
}
