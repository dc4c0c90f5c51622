/*
 * whatif.c - `w` in the dashboard: a form of changes to the selected CE, a
 * what-if run on a worker thread (the caller's tui_whatif_engine does the
 * fitting and the replications), and the panel of baseline against variant.
 *
 * The worker shares one small struct with the dashboard's thread, under a
 * mutex; the dashboard polls it each turn of its loop, so the screen goes on
 * refreshing while the replications run, and joins the worker once it has
 * returned.  Cancelling raises a flag the run checks between replications.
 */
#include "whatif.h"

#include <curses.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keys.h"

/* ---- the form ------------------------------------------------------------------ */

static const struct {
    const char *label, *hint;
} field_info[TUI_WF_NFIELDS] = {
    [TUI_WF_CAPACITY] = { "capacity", "slots (200), or a change: +50%, -20%" },
    [TUI_WF_ENABLED] = { "enabled", "on, off, or an outage for a time: 2h" },
    [TUI_WF_SUCCESS] = { "success rate", "0 to 1 (0.85), or a percentage: 85%" },
};

/* The largest capacity the form takes. */
#define FORM_CAPACITY_MAX 1000000

void tui_whatif_form_open(struct tui_whatif_form *form, const pilotdb_ce *ce)
{
    memset(form, 0, sizeof *form);
    snprintf(form->ce, sizeof form->ce, "%s", ce->name);
    form->capacity = ce->capacity;
    form->enabled = ce->enabled;
    form->success_rate = ce->success_rate;
}

enum tui_form_outcome tui_whatif_form_key(struct tui_whatif_form *form, int key)
{
    char *text = form->text[form->focus];
    size_t len = strlen(text);

    switch (key) {
    case '\n':
    case '\r':
    case KEY_ENTER:
        return TUI_FORM_SUBMIT;
    case TUI_KEY_ESC:
        return TUI_FORM_CLOSE;
    case '\t':
    case KEY_DOWN:
        form->focus = (form->focus + 1) % TUI_WF_NFIELDS;
        return TUI_FORM_EDITED;
    case KEY_BTAB:
    case KEY_UP:
        form->focus = (form->focus + TUI_WF_NFIELDS - 1) % TUI_WF_NFIELDS;
        return TUI_FORM_EDITED;
    case KEY_BACKSPACE:
    case 127:
    case 8:
        if (len > 0)
            text[len - 1] = '\0';
        break;
    default:
        /* the fields take ASCII only: numbers, units, on/off */
        if (key < 0x20 || key > 0x7e || len >= TUI_WF_TEXT_MAX)
            return TUI_FORM_EDITED;
        text[len] = (char)key;
        text[len + 1] = '\0';
        break;
    }
    form->error[0] = '\0';
    return TUI_FORM_EDITED;
}

/* The field without surrounding spaces, into buf. */
static void trimmed(const char *text, char *buf, size_t size)
{
    size_t len;

    while (*text == ' ')
        text++;
    snprintf(buf, size, "%s", text);
    len = strlen(buf);
    while (len > 0 && buf[len - 1] == ' ')
        buf[--len] = '\0';
}

/* A plain decimal number (no sign, no exponent, no hex): 0, or -1. */
static int decimal(const char *text, double *out)
{
    char *end;
    int dots = 0;

    if (!text[0])
        return -1;
    for (const char *p = text; *p; p++) {
        if (*p == '.')
            dots++;
        else if (!isdigit((unsigned char)*p))
            return -1;
    }
    if (dots > 1 || strcmp(text, ".") == 0)
        return -1;
    errno = 0;
    *out = strtod(text, &end);
    return *end == '\0' && errno == 0 && isfinite(*out) ? 0 : -1;
}

static int parse_capacity(const char *text, tui_whatif_request *req, char *err, size_t size)
{
    size_t len = strlen(text);
    double v;
    char num[TUI_WF_TEXT_MAX + 1];

    req->capacity_change = TUI_CAPACITY_KEEP;
    if (len == 0)
        return 0;
    if (text[len - 1] == '%' && (text[0] == '+' || text[0] == '-') && len > 2) {
        snprintf(num, sizeof num, "%.*s", (int)(len - 2), text + 1);
        if (decimal(num, &v) == 0 && v <= 10000 && (text[0] == '+' || v <= 100)) {
            req->capacity_change = TUI_CAPACITY_PERCENT;
            req->capacity_percent = text[0] == '-' ? -v : v;
            return 0;
        }
        if (decimal(num, &v) == 0)
            snprintf(err, size, "capacity: %s is out of range (-100%% to +10000%%)", text);
        else
            snprintf(err, size, "capacity: '%s' is not a change in percent (+50%%, -20%%)",
                     text);
        return -1;
    }
    if (decimal(text, &v) != 0 || strchr(text, '.') || v > FORM_CAPACITY_MAX) {
        snprintf(err, size, "capacity: '%s' is neither slots (0 to %d) nor +N%% / -N%%",
                 text, FORM_CAPACITY_MAX);
        return -1;
    }
    req->capacity_change = TUI_CAPACITY_SET;
    req->capacity = (int64_t)v;
    return 0;
}

static int word_in(const char *text, const char *const *words)
{
    for (; *words; words++)
        if (strcasecmp(text, *words) == 0)
            return 1;
    return 0;
}

static int parse_enabled(const char *text, tui_whatif_request *req, char *err, size_t size)
{
    static const char *const on[] = { "on", "yes", "true", "enabled", "enable", NULL };
    static const char *const off[] = { "off", "no", "false", "disabled", "disable", NULL };
    int64_t ms;

    req->enabled = -1;
    req->outage_ms = 0;
    if (!text[0])
        return 0;
    if (word_in(text, on) || word_in(text, off)) {
        req->enabled = word_in(text, on);
        return 0;
    }
    if (tui_duration_parse(text, &ms) != 0 || ms < 1000) {
        snprintf(err, size, "enabled: '%s' is not on, off, or an outage time of 1s or "
                 "more (2h)", text);
        return -1;
    }
    if (ms >= req->horizon_ms)
        req->enabled = 0; /* down for the whole forecast */
    else
        req->outage_ms = ms;
    return 0;
}

static int parse_success(const char *text, tui_whatif_request *req, char *err, size_t size)
{
    size_t len = strlen(text);
    char num[TUI_WF_TEXT_MAX + 1];
    double v, scale = 1;

    req->success_rate = -1;
    if (len == 0)
        return 0;
    snprintf(num, sizeof num, "%s", text);
    if (text[len - 1] == '%') {
        num[len - 1] = '\0';
        scale = 100;
    }
    if (decimal(num, &v) != 0 || v / scale > 1) {
        snprintf(err, size, "success rate: '%s' is not from 0 to 1 (0.85) or a percentage "
                 "(85%%)", text);
        return -1;
    }
    req->success_rate = v / scale;
    return 0;
}

int tui_whatif_form_parse(struct tui_whatif_form *form, tui_whatif_request *req)
{
    char text[TUI_WF_NFIELDS][TUI_WF_TEXT_MAX + 1];

    for (int f = 0; f < TUI_WF_NFIELDS; f++)
        trimmed(form->text[f], text[f], sizeof text[f]);
    form->error[0] = '\0';
    snprintf(req->ce, sizeof req->ce, "%s", form->ce);
    if (parse_capacity(text[TUI_WF_CAPACITY], req, form->error, sizeof form->error) != 0) {
        form->focus = TUI_WF_CAPACITY;
        return -1;
    }
    if (parse_enabled(text[TUI_WF_ENABLED], req, form->error, sizeof form->error) != 0) {
        form->focus = TUI_WF_ENABLED;
        return -1;
    }
    if (parse_success(text[TUI_WF_SUCCESS], req, form->error, sizeof form->error) != 0) {
        form->focus = TUI_WF_SUCCESS;
        return -1;
    }
    if (req->capacity_change == TUI_CAPACITY_KEEP && req->enabled < 0 &&
        req->outage_ms == 0 && req->success_rate < 0) {
        snprintf(form->error, sizeof form->error, "nothing to change: give a capacity, "
                 "on/off or an outage, or a success rate");
        return -1;
    }
    return 0;
}

void tui_whatif_describe(const tui_whatif_request *req, char *buf, size_t size)
{
    char part[3][64], span[32];
    int n = 0;

    if (req->capacity_change == TUI_CAPACITY_SET)
        snprintf(part[n++], sizeof part[0], "capacity %lld", (long long)req->capacity);
    else if (req->capacity_change == TUI_CAPACITY_PERCENT)
        snprintf(part[n++], sizeof part[0], "capacity %+g%%", req->capacity_percent);
    if (req->outage_ms > 0) {
        tui_span_text(span, sizeof span, req->outage_ms);
        snprintf(part[n++], sizeof part[0], "outage %s", span);
    } else if (req->enabled >= 0) {
        snprintf(part[n++], sizeof part[0], "%s", req->enabled ? "enabled" : "disabled");
    }
    if (req->success_rate >= 0)
        snprintf(part[n++], sizeof part[0], "success rate %g", req->success_rate);
    snprintf(buf, size, "%s%s%s%s%s", n > 0 ? part[0] : "no change", n > 1 ? ", " : "",
             n > 1 ? part[1] : "", n > 2 ? ", " : "", n > 2 ? part[2] : "");
}

/* ---- the worker ------------------------------------------------------------------- */

static void job_progress(void *arg, size_t done, size_t total)
{
    struct tui_whatif_job *job = arg;

    pthread_mutex_lock(&job->lock);
    job->done = done;
    job->total = total;
    pthread_mutex_unlock(&job->lock);
}

static void *job_main(void *arg)
{
    struct tui_whatif_job *job = arg;
    char error[sizeof job->error];
    tui_whatif_result result;
    int rc;

    memset(&result, 0, sizeof result);
    error[0] = '\0';
    rc = job->engine->run(job->engine->arg, job->engine_job, &job->request, job_progress,
                          job, &job->cancel, &result, error, sizeof error);
    pthread_mutex_lock(&job->lock);
    job->rc = rc;
    job->result = result;
    snprintf(job->error, sizeof job->error, "%s", error);
    job->finished = 1;
    pthread_mutex_unlock(&job->lock);
    return NULL;
}

static void job_free(struct tui_whatif_job *job)
{
    pthread_mutex_destroy(&job->lock);
    free(job);
}

int tui_whatif_start(struct tui_whatif *w, const tui_whatif_engine *engine, pilotdb *db,
                     const tui_whatif_request *req, char *errbuf, size_t errbuf_size)
{
    struct tui_whatif_job *job = calloc(1, sizeof *job);
    void *engine_job = NULL;
    int err;

    if (!job) {
        snprintf(errbuf, errbuf_size, "out of memory");
        return -1;
    }
    if (engine->prepare && engine->prepare(engine->arg, db, &engine_job, errbuf,
                                           errbuf_size) != 0) {
        free(job);
        return -1;
    }
    pthread_mutex_init(&job->lock, NULL);
    job->engine = engine;
    job->engine_job = engine_job;
    job->request = *req;
    job->total = req->replications * 2;
    err = pthread_create(&w->thread, NULL, job_main, job);
    if (err != 0) {
        if (engine->discard)
            engine->discard(engine->arg, engine_job);
        job_free(job);
        snprintf(errbuf, errbuf_size, "cannot start a thread: %s", strerror(err));
        return -1;
    }
    w->job = job;
    w->request = *req;
    tui_whatif_describe(req, w->changes, sizeof w->changes);
    w->done = 0;
    w->total = job->total;
    w->cancelling = 0;
    w->mode = TUI_WHATIF_RUNNING;
    return 0;
}

void tui_whatif_cancel(struct tui_whatif *w)
{
    if (w->mode != TUI_WHATIF_RUNNING)
        return;
    w->job->cancel = 1;
    w->cancelling = 1;
}

/* After the worker's join: take its outcome (see tui_whatif_poll()) and
 * free the job. */
static int finish(struct tui_whatif *w, char *msg, size_t msg_size)
{
    struct tui_whatif_job *job = w->job;
    char clean[sizeof job->error];
    int rc = job->rc;

    w->job = NULL;
    w->done = job->done;
    w->total = job->total;
    msg[0] = '\0';
    if (rc == 0) {
        w->result = job->result;
        w->mode = TUI_WHATIF_PANEL;
    } else {
        w->mode = TUI_WHATIF_CLOSED;
        tui_text_clean(clean, sizeof clean, job->error[0] ? job->error : "no reason given");
        if (rc == 1)
            snprintf(msg, msg_size, "what-if cancelled after %zu of %zu replications",
                     w->done, w->total);
        else
            snprintf(msg, msg_size, "what-if failed: %s", clean);
        rc = rc == 1 ? 1 : -1;
    }
    job_free(job);
    return rc;
}

int tui_whatif_poll(struct tui_whatif *w, char *msg, size_t msg_size)
{
    struct tui_whatif_job *job = w->job;
    int finished;

    if (w->mode != TUI_WHATIF_RUNNING)
        return 2;
    pthread_mutex_lock(&job->lock);
    w->done = job->done;
    w->total = job->total;
    finished = job->finished;
    pthread_mutex_unlock(&job->lock);
    if (!finished)
        return 2;
    pthread_join(w->thread, NULL);
    return finish(w, msg, msg_size);
}

void tui_whatif_stop(struct tui_whatif *w)
{
    char msg[600];

    if (w->mode != TUI_WHATIF_RUNNING)
        return;
    tui_whatif_cancel(w);
    pthread_join(w->thread, NULL);
    finish(w, msg, sizeof msg);
    w->mode = TUI_WHATIF_CLOSED;
}

/* ---- the lines of the form and the panel ----------------------------------------- */

struct lines {
    struct tui_line *out;
    size_t n, max;
};

static void add(struct lines *l, enum tui_style style, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(struct lines *l, enum tui_style style, const char *fmt, ...)
{
    va_list ap;

    if (l->n >= l->max)
        return;
    va_start(ap, fmt);
    vsnprintf(l->out[l->n].text, sizeof l->out[l->n].text, fmt, ap);
    va_end(ap);
    l->out[l->n++].style = style;
}

/* The CE's name for the screen, at most cells characters (a longer one is
 * cut and ends in "~"). */
static void screen_name(const char *name, int cells, char *buf, size_t size)
{
    char clean[4 * PILOTDB_NAME_MAX + 1];
    int n = 0;
    size_t at = 0;

    tui_text_clean(clean, sizeof clean, name);
    if (tui_cells(clean) <= cells) {
        snprintf(buf, size, "%s", clean);
        return;
    }
    while (clean[at] && n < cells - 1) {
        at++;
        while (((unsigned char)clean[at] & 0xC0) == 0x80)
            at++;
        n++;
    }
    snprintf(buf, size, "%.*s~", (int)at, clean);
}

static void add_setup(struct lines *l, const tui_whatif_request *req, size_t carried)
{
    char window[32], horizon[32], carry[64] = "";

    tui_span_text(window, sizeof window, req->window_ms);
    tui_span_text(horizon, sizeof horizon, req->horizon_ms);
    if (carried != (size_t)-1)
        snprintf(carry, sizeof carry, ", %zu pilot%s carried over", carried,
                 carried == 1 ? "" : "s");
    add(l, TUI_S_DIM, "  last %s fitted, forecast %s, %zu replications each%s", window,
        horizon, req->replications, carry);
}

static void add_form(struct lines *l, const struct tui_whatif_form *form,
                     const tui_whatif_request *req, int width)
{
    char name[4 * PILOTDB_NAME_MAX + 8], rate[32];

    screen_name(form->ce, width > 40 ? width - 14 : 26, name, sizeof name);
    if (form->success_rate >= 0)
        snprintf(rate, sizeof rate, "%.2f", form->success_rate);
    else
        snprintf(rate, sizeof rate, "unknown");
    add(l, TUI_S_HEADER, " what-if on %s", name);
    add(l, TUI_S_DIM, "  now: capacity %lld, %s, success rate %s; empty fields stay so",
        (long long)form->capacity, form->enabled ? "enabled" : "disabled", rate);
    for (int f = 0; f < TUI_WF_NFIELDS; f++) {
        int focus = f == form->focus;
        char text[TUI_WF_TEXT_MAX + 2];
        snprintf(text, sizeof text, "%s%s", form->text[f], focus ? "_" : "");
        add(l, focus ? TUI_S_INFO : TUI_S_NORMAL, " %s %-13s[%-*s]  %s", focus ? ">" : " ",
            field_info[f].label, TUI_WF_TEXT_MAX + 1, text, field_info[f].hint);
    }
    add_setup(l, req, (size_t)-1);
    if (form->error[0])
        add(l, TUI_S_ERROR, "  %s", form->error);
    else
        add(l, TUI_S_NORMAL, "  Enter runs   Tab, Up, Down move between fields   Esc closes");
}

static const char *const metric_label[TUI_WHATIF_NMETRICS] = {
    "throughput/h", "done", "failed", "utilization"
};

/* A mean and its half-width ("123.4 ±2.1", "85.0% ±1.2"), with a sign for
 * a change. */
static void fmt_figure(char *buf, size_t size, int metric, double mean, double half,
                       int change, const char *pm)
{
    double scale = metric == TUI_WHATIF_UTILIZATION ? 100 : 1;
    int digits = metric == TUI_WHATIF_UTILIZATION ? 2
               : (metric == TUI_WHATIF_DONE || metric == TUI_WHATIF_FAILED) &&
                 fabs(mean) >= 1000 ? 0 : 1;

    if (change)
        snprintf(buf, size, "%+.*f%s %s%.*f", digits, mean * scale, scale > 1 ? "%" : "", pm,
                 digits, half * scale);
    else
        snprintf(buf, size, "%.*f%s %s%.*f", digits, mean * scale, scale > 1 ? "%" : "", pm,
                 digits, half * scale);
}

static void add_figures(struct lines *l, const char *unit, const tui_whatif_figure *fig,
                        const char *pm)
{
    /* 18 characters a column: the plus-minus sign may be more bytes than cells */
    int w = 18 + (int)strlen(pm) - tui_cells(pm);

    add(l, TUI_S_NORMAL, "  %s", unit);
    for (int m = 0; m < TUI_WHATIF_NMETRICS; m++) {
        char base[48], variant[48], diff[48];
        fmt_figure(base, sizeof base, m, fig[m].base, fig[m].base_half, 0, pm);
        fmt_figure(variant, sizeof variant, m, fig[m].variant, fig[m].variant_half, 0, pm);
        fmt_figure(diff, sizeof diff, m, fig[m].diff, fig[m].diff_half, 1, pm);
        add(l, fig[m].significant ? TUI_S_WARN : TUI_S_NORMAL, "    %-16s%*s%*s%*s %s",
            metric_label[m], w, base, w, variant, w, diff, fig[m].significant ? "*" : "");
    }
}

size_t tui_whatif_lines(const struct tui_whatif *w, int width, int unicode,
                        struct tui_line *out, size_t max)
{
    struct lines l = { out, 0, max };
    const char *pm = unicode ? "\u00b1" : "+-";
    char name[4 * PILOTDB_NAME_MAX + 8], bar[3 * 20 + 1];

    if (w->mode == TUI_WHATIF_CLOSED)
        return 0;
    if (w->mode == TUI_WHATIF_FORM) {
        add_form(&l, &w->form, &w->request, width);
        return l.n;
    }
    screen_name(w->request.ce, width > 60 ? width - 50 : 10, name, sizeof name);
    add(&l, TUI_S_HEADER, " what-if on %s: %s", name, w->changes);
    if (w->mode == TUI_WHATIF_RUNNING) {
        size_t filled = w->total ? 20 * w->done / w->total : 0, at = 0;
        add_setup(&l, &w->request, (size_t)-1);
        for (size_t i = 0; i < 20; i++) {
            const char *g = i < filled ? (unicode ? "\u2588" : "#") : (unicode ? "\u00b7" : ".");
            memcpy(bar + at, g, strlen(g));
            at += strlen(g);
        }
        bar[at] = '\0';
        add(&l, TUI_S_INFO, "  %s %zu of %zu replications %s   %s",
            w->cancelling ? "cancelling:" : "running:", w->done, w->total, bar,
            w->cancelling ? "" : "Esc cancels");
        return l.n;
    }
    add_setup(&l, &w->request, w->result.carried);
    add(&l, TUI_S_DIM, "    %-16s%18s%18s%18s", "", "baseline", "variant", "change");
    add_figures(&l, "all CEs", w->result.total, pm);
    screen_name(w->request.ce, width > 40 ? width - 40 : 8, name, sizeof name);
    add_figures(&l, name, w->result.ce, pm);
    add(&l, TUI_S_NORMAL, "  * significant: the change's 95 %% interval excludes 0"
        "    Enter or Esc closes");
    return l.n;
}
