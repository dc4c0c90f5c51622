/*
 * report.c - what a run produced: per-CE and total statistics, as a text
 * table or as JSON (built with jansson).
 *
 * Ratios are rounded to 6 decimals before they are printed, and JSON reals are
 * written with 15 significant digits, so reports are short, readable and
 * byte-identical for the same engine state.  The JSON is one compact line
 * with times in seconds, as every other --json output of pilotdeck.
 */
#include <jansson.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "keys.h"

static double round6(double x)
{
    return floor(x * 1e6 + 0.5) / 1e6;
}

/* Add the integrals from the CE's last change up to now without touching the
 * engine (reports may be taken between steps). */
static void ce_areas(const struct sim_engine *eng, const struct sim_ce *ce,
                     double *area_active, double *area_capacity)
{
    const struct sim_scenario *scn = sim_engine_scenario(eng);
    int64_t now = sim_engine_now(eng);
    int64_t from = ce->last_change > scn->warmup ? ce->last_change : scn->warmup;

    *area_active = ce->area_active;
    *area_capacity = ce->area_capacity;
    if (now > from) {
        *area_active += (double)(ce->waiting + ce->running) * (double)(now - from);
        *area_capacity += (double)ce->capacity * (double)(now - from);
    }
}

/* Derived figures from sums; shared by one CE and the total. */
static void finish(sim_ce_stats *st, double area_active, double area_capacity,
                   int64_t ended_in_window, double time_in_system_ms, int64_t window)
{
    int64_t ended = st->done + st->failed_before_start + st->failed_running;

    st->utilization = area_capacity > 0 ? round6(area_active / area_capacity) : 0;
    st->mean_active = window > 0 ? round6(area_active / (double)window) : 0;
    st->success_rate = ended > 0 ? round6((double)st->done / (double)ended) : 0;
    st->throughput_per_hour =
        window > 0 ? round6((double)ended_in_window * 3600000.0 / (double)window) : 0;
    st->mean_time_in_system_s =
        ended_in_window > 0 ? round6(time_in_system_ms / (double)ended_in_window / 1000.0)
                            : 0;
}

size_t sim_report_ce_count(const sim_engine *eng)
{
    size_t n;

    (void)sim_engine_ces((struct sim_engine *)eng, &n);
    return n;
}

/* Fill one CE's figures, or the totals for i == count. */
sim_rc sim_report_ce(const sim_engine *eng, size_t i, sim_ce_stats *out)
{
    const struct sim_scenario *scn = sim_engine_scenario(eng);
    size_t n, k, from, to;
    struct sim_ce *ces = sim_engine_ces((struct sim_engine *)eng, &n);
    int64_t window = sim_engine_now(eng) - scn->warmup, ended_in_window = 0;
    double area_active = 0, area_capacity = 0, tis = 0;

    memset(out, 0, sizeof *out);
    if (i > n)
        return SIM_EINVAL;
    from = i == n ? 0 : i;
    to = i == n ? n : i + 1;
    out->name = i == n ? "total" : ces[i].name;
    for (k = from; k < to; k++) {
        const struct sim_ce *ce = &ces[k];
        double a, c;
        ce_areas(eng, ce, &a, &c);
        area_active += a;
        area_capacity += c;
        ended_in_window += ce->ended_in_window;
        tis += ce->time_in_system_ms;
        out->capacity += ce->capacity;
        out->enabled += ce->enabled != 0;
        out->submitted += ce->submitted;
        out->started += ce->started;
        out->done += ce->done;
        out->failed_before_start += ce->failed_queued;
        out->failed_running += ce->failed_running;
        out->submission_failures += ce->submission_failures;
        out->refused += ce->refused;
        out->bans += ce->bans;
        out->active += ce->waiting + ce->running;
        out->peak_active = ce->peak_active;
    }
    if (i == n)
        out->peak_active = sim_engine_total_peak(eng);
    finish(out, area_active, area_capacity, ended_in_window, tis, window);
    return SIM_OK;
}

/* ---- text ----------------------------------------------------------------- */

struct text {
    char *buf;
    size_t len, cap;
    int failed;
};

static void text_add(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int need;

    if (t->failed)
        return;
    va_start(ap, fmt);
    need = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0,
                     fmt, ap);
    va_end(ap);
    if (need < 0) {
        t->failed = 1;
        return;
    }
    if (!t->buf || t->len + (size_t)need + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        char *bigger;
        while (cap < t->len + (size_t)need + 1)
            cap *= 2;
        bigger = realloc(t->buf, cap);
        if (!bigger) {
            t->failed = 1;
            return;
        }
        t->buf = bigger;
        t->cap = cap;
        va_start(ap, fmt);
        vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
    }
    t->len += (size_t)need;
}

static void format_time(char *buf, size_t size, int64_t ms)
{
    int64_t s = ms / 1000;

    if (ms % 1000)
        snprintf(buf, size, "%lldd %02lld:%02lld:%02lld.%03lld", (long long)(s / 86400),
                 (long long)(s / 3600 % 24), (long long)(s / 60 % 60),
                 (long long)(s % 60), (long long)(ms % 1000));
    else
        snprintf(buf, size, "%lldd %02lld:%02lld:%02lld", (long long)(s / 86400),
                 (long long)(s / 3600 % 24), (long long)(s / 60 % 60),
                 (long long)(s % 60));
}

static void text_row(struct text *t, int width, const sim_ce_stats *st)
{
    text_add(t, "%-*s %8lld %3s %9lld %9lld %9lld %7lld %7lld %8lld %7lld %4lld "
             "%7lld %7lld %6.3f %7.4f %9.2f %9.1f\n",
             width, st->name, (long long)st->capacity,
             strcmp(st->name, "total") == 0 ? "" : (st->enabled ? "yes" : "no"),
             (long long)st->submitted, (long long)st->started, (long long)st->done,
             (long long)st->failed_before_start, (long long)st->failed_running,
             (long long)st->submission_failures, (long long)st->refused,
             (long long)st->bans, (long long)st->active, (long long)st->peak_active,
             st->utilization, st->success_rate, st->throughput_per_hour,
             st->mean_time_in_system_s);
}

/* The report as a table, one row per CE and a total row. */
char *sim_report_text(const sim_engine *eng)
{
    const struct sim_scenario *scn = sim_engine_scenario(eng);
    struct text t = {NULL, 0, 0, 0};
    size_t i, n = sim_report_ce_count(eng);
    char now[64], duration[64], warmup[64];
    int width = 5;
    sim_ce_stats st;

    for (i = 0; i < n; i++) {
        sim_report_ce(eng, i, &st);
        if ((int)strlen(st.name) > width)
            width = (int)strlen(st.name);
    }
    format_time(now, sizeof now, sim_engine_now(eng));
    format_time(duration, sizeof duration, scn->duration);
    format_time(warmup, sizeof warmup, scn->warmup);
    text_add(&t, "scenario %s, seed %llu, policy %s, failure model %s\n", scn->name,
             (unsigned long long)sim_engine_seed(eng), scn->policy->name,
             scn->failure->name);
    text_add(&t, "simulated %s of %s (averages after warm-up %s)\n\n", now, duration,
             warmup);
    text_add(&t, "%-*s %8s %3s %9s %9s %9s %7s %7s %8s %7s %4s %7s %7s %6s %7s %9s %9s\n",
             width, "CE", "capacity", "on", "submitted", "started", "done", "fail-q",
             "fail-r", "sub-fail", "refused", "bans", "active", "peak", "util",
             "success", "ended/h", "mean-s");
    for (i = 0; i <= n; i++) {
        sim_report_ce(eng, i, &st);
        text_row(&t, width, &st);
    }
    if (t.failed) {
        free(t.buf);
        return NULL;
    }
    return t.buf;
}

/* ---- JSON ----------------------------------------------------------------- */

static json_t *stats_json(const sim_ce_stats *st, int total)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    if (!total) {
        json_object_set_new(o, "name", json_string(st->name));
        json_object_set_new(o, "enabled", json_boolean(st->enabled));
    } else {
        json_object_set_new(o, "enabled_ces", json_integer(st->enabled));
    }
    json_object_set_new(o, "capacity", json_integer(st->capacity));
    json_object_set_new(o, "submitted", json_integer(st->submitted));
    json_object_set_new(o, "started", json_integer(st->started));
    json_object_set_new(o, "done", json_integer(st->done));
    json_object_set_new(o, "failed_before_start", json_integer(st->failed_before_start));
    json_object_set_new(o, "failed_running", json_integer(st->failed_running));
    json_object_set_new(o, "submission_failures", json_integer(st->submission_failures));
    json_object_set_new(o, "refused", json_integer(st->refused));
    json_object_set_new(o, "bans", json_integer(st->bans));
    json_object_set_new(o, "active", json_integer(st->active));
    json_object_set_new(o, "peak_active", json_integer(st->peak_active));
    json_object_set_new(o, "utilization", json_real(st->utilization));
    json_object_set_new(o, "mean_active", json_real(st->mean_active));
    json_object_set_new(o, "success_rate", json_real(st->success_rate));
    json_object_set_new(o, "throughput_per_hour", json_real(st->throughput_per_hour));
    json_object_set_new(o, "mean_time_in_system_s", json_real(st->mean_time_in_system_s));
    return o;
}

/* Set the member named key + suffix of o to value. */
static void setting(json_t *o, const char *key, const char *suffix, json_t *value)
{
    char name[64];

    snprintf(name, sizeof name, "%s%s", key, suffix);
    json_object_set_new(o, name, value);
}

/* A time of ms milliseconds as a number of seconds: whole ones an integer. */
static json_t *seconds(int64_t ms)
{
    if (ms % 1000 == 0)
        return json_integer((json_int_t)(ms / 1000));
    return json_real((double)ms / 1000.0);
}

/* The report as one line of compact JSON; see pilotsim.h for the layout. */
char *sim_report_json(const sim_engine *eng)
{
    const struct sim_scenario *scn = sim_engine_scenario(eng);
    json_t *root = json_object(), *ces = json_array(), *o;
    size_t i, n = sim_report_ce_count(eng), len;
    char *dumped = NULL, *out = NULL;
    sim_ce_stats st;
    int bad = !root || !ces;

    if (bad)
        goto out;
    json_object_set_new(root, "scenario", json_string(scn->name));
    /* the settings under their key names, durations in seconds */
    setting(root, SIM_SCN_KEY(seed), "", json_integer((json_int_t)sim_engine_seed(eng)));
    setting(root, SIM_SCN_KEY(policy), "", json_string(scn->policy->name));
    setting(root, SIM_SCN_KEY(failure), "", json_string(scn->failure->name));
    setting(root, SIM_SCN_KEY(duration), "_s", seconds(scn->duration));
    json_object_set_new(root, "time_s", seconds(sim_engine_now(eng)));
    setting(root, SIM_SCN_KEY(warmup), "_s", seconds(scn->warmup));
    for (i = 0; i <= n && !bad; i++) {
        sim_report_ce(eng, i, &st);
        o = stats_json(&st, i == n);
        if (!o) {
            bad = 1;
            break;
        }
        if (i < n)
            bad = json_array_append_new(ces, o) != 0;
        else {
            json_object_set_new(root, "ces", ces);
            ces = NULL;
            bad = json_object_set_new(root, "total", o) != 0;
        }
    }
    if (bad)
        goto out;
    /* as the command line prints JSON (cli_print_json); the names in it
     * were checked free of control characters when the scenario was read */
    dumped = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));
    if (!dumped)
        goto out;
    len = strlen(dumped);
    out = malloc(len + 2);
    if (out) {
        memcpy(out, dumped, len);
        out[len] = '\n';
        out[len + 1] = '\0';
    }
out:
    free(dumped);
    json_decref(ces);
    json_decref(root);
    return out;
}

const char *sim_rc_str(sim_rc rc)
{
    switch (rc) {
    case SIM_OK:
        return "ok";
    case SIM_EINVAL:
        return "invalid argument";
    case SIM_EPARSE:
        return "invalid scenario";
    case SIM_EIO:
        return "input/output error";
    case SIM_ENOMEM:
        return "out of memory";
    case SIM_EDB:
        return "database error";
    case SIM_EMISUSE:
        return "engine misuse or earlier failure";
    case SIM_ECANCELED:
        return "cancelled";
    }
    return "unknown error";
}
