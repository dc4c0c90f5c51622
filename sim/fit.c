/*
 * fit.c - a scenario fitted to a database's history (fit.h): one read of
 * the pilots into a compact array, samples per CE, estimates per CE or per
 * pool, the submission process, and the report and the scenario written
 * through the key table.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fit.h"
#include "fitstat.h"
#include "internal.h"
#include "keys.h"
#include "scenario.h"

/* ---- the pilots, read once ------------------------------------------------- */

#define FP_SUB 0x01u           /* submitted_at known */
#define FP_START 0x02u         /* started_at known */
#define FP_RAN 0x04u           /* it started, known when or not */
#define FP_OBS_SUB 0x08u       /* submitted_at observed, not exact */
#define FP_OBS_START 0x10u
#define FP_OBS_END 0x20u

struct fit_pilot {
    int64_t sub, start, end;   /* PILOTDB_NO_TIME when not known */
    uint32_t ce;               /* index in fit->ces */
    uint8_t status, flags;
};

/* What a CE's (or a pool's) pilots of the window show. */
struct fit_sample {
    int64_t done, failed, never_started; /* ended in the window */
    struct sim_obs *queue, *run;
    size_t nqueue, nrun, capqueue, caprun;
    int64_t queue_left_out, run_left_out; /* a time unknown */
    int64_t queue_observed, run_observed; /* resting on an observed time */
};

/* Estimates from one sample. */
struct fit_est {
    int64_t done, ended;
    double rate, rate_lo, rate_hi;
    int queue_ok, run_ok;
    const char *queue_why, *run_why;     /* why not, when not */
    struct sim_time_fit queue, run;
};

struct fit_pool {
    char *site;                /* NULL: every CE */
    struct fit_sample s;
    struct fit_est e;
    int done;                  /* estimated */
};

struct fit_ce {
    pilotdb_ce ce;
    int selected;
    struct fit_sample s;
    struct fit_est e;
    /* where each estimate comes from: NULL its own, else a pool */
    const struct fit_pool *rate_from, *queue_from, *run_from;
    int64_t submitted;         /* in the window */
    int64_t max_burst;         /* most submissions in one burst */
    int64_t max_waiting;       /* -1: none visible */
    int64_t cap_hits;          /* bursts that left free slots at max_waiting */
    double arrival_rate;       /* per hour, offered (arrivals) */
    double accepted_rate;      /* per hour, submitted */
    int saturated;             /* arrivals: never open: the rate is a floor */
    double open_share;         /* arrivals: of the window, open to arrivals */
    int64_t base_capacity;     /* at the window's start (events) */
    int base_enabled;
};

struct fit_event {
    int64_t at;                /* from the window's start */
    size_t ce;
    int field;                 /* PILOTDB_FIELD_CAPACITY or _ENABLED */
    int64_t value;
};

struct sim_fit {
    int64_t since, until;
    pilotdb_clock_type clock;
    char *name;
    int events;
    struct fit_ce *ces;
    size_t nces, nselected;
    struct fit_pool *pools;    /* sites, then every CE (the last) */
    size_t npools;
    int64_t ended, failed, never_started;
    double fail_before_start;  /* -1: no failure in the window */
    /* the submission process */
    int director;
    int64_t cycle, max_per_cycle, bursts;
    double periodic_share;
    struct fit_event *ev;
    size_t nev;
    char *scenario;            /* the scenario file, or NULL: ... */
    char scenario_why[600];    /* ... why it cannot be written */
    struct sim_start_pilot *active; /* active at until; ce: index into ces */
    size_t nactive;
    int64_t active_unknown_age;     /* of them, carried at age 0 */
};

static int push_obs(struct sim_obs **a, size_t *n, size_t *cap, double t,
                    enum sim_obs_kind kind)
{
    if (*n == *cap) {
        size_t ncap = *cap ? 2 * *cap : 16;
        struct sim_obs *p = realloc(*a, ncap * sizeof *p);
        if (!p)
            return -1;
        *a = p;
        *cap = ncap;
    }
    (*a)[*n].t = t;
    (*a)[*n].kind = kind;
    (*n)++;
    return 0;
}

static void sample_free(struct fit_sample *s)
{
    free(s->queue);
    free(s->run);
}

/* ce id -> index, for the pilots' rows */
struct ce_index {
    int64_t id;
    uint32_t index;
};

static int cmp_ce_index(const void *a, const void *b)
{
    const struct ce_index *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

struct reader {
    struct sim_fit *fit;
    struct ce_index *ids;
    struct fit_pilot *p;
    size_t n, cap;
    int oom;
};

static int read_pilot(void *arg, const pilotdb_pilot *pilot)
{
    struct reader *r = arg;
    struct ce_index key = {pilot->ce_id, 0}, *hit;
    struct fit_pilot *fp;

    hit = bsearch(&key, r->ids, r->fit->nces, sizeof *r->ids, cmp_ce_index);
    if (!hit)
        return 0;
    if (r->n == r->cap) {
        size_t ncap = r->cap ? 2 * r->cap : 1024;
        struct fit_pilot *np = realloc(r->p, ncap * sizeof *np);
        if (!np) {
            r->oom = 1;
            return 1;
        }
        r->p = np;
        r->cap = ncap;
    }
    fp = &r->p[r->n++];
    fp->sub = pilot->submitted_at;
    fp->start = pilot->started_at;
    fp->end = pilot->ended_at;
    fp->ce = hit->index;
    fp->status = (uint8_t)pilot->status;
    fp->flags = 0;
    if (pilot->submitted_at != PILOTDB_NO_TIME)
        fp->flags |= FP_SUB;
    if (pilot->started_at != PILOTDB_NO_TIME)
        fp->flags |= FP_START | FP_RAN;
    if (pilot->started_kind == PILOTDB_TIME_UNKNOWN || pilot->status == PILOT_RUNNING ||
        pilot->status == PILOT_DONE)
        fp->flags |= FP_RAN;
    if (pilot->submitted_kind == PILOTDB_TIME_OBSERVED)
        fp->flags |= FP_OBS_SUB;
    if (pilot->started_kind == PILOTDB_TIME_OBSERVED)
        fp->flags |= FP_OBS_START;
    if (pilot->ended_kind == PILOTDB_TIME_OBSERVED)
        fp->flags |= FP_OBS_END;
    return 0;
}

/* ---- samples ---------------------------------------------------------------- */

/* Add pilot p's part of the window [since, until) to sample s. */
static int sample_add(struct fit_sample *s, const struct fit_pilot *p, int64_t since,
                      int64_t until)
{
    int ended_in = p->end != PILOTDB_NO_TIME && p->end >= since && p->end < until;

    if (ended_in && p->status == PILOT_DONE)
        s->done++;
    if (ended_in && p->status == PILOT_FAILED) {
        s->failed++;
        if (!(p->flags & FP_RAN))
            s->never_started++;
    }
    /* queue time: the pilots submitted in the window */
    if ((p->flags & FP_SUB) && p->sub >= since && p->sub < until) {
        int observed = (p->flags & FP_OBS_SUB) != 0;
        if ((p->flags & FP_RAN) && !(p->flags & FP_START)) {
            s->queue_left_out++;
        } else if ((p->flags & FP_START) && p->start < until) {
            if (push_obs(&s->queue, &s->nqueue, &s->capqueue, (double)(p->start - p->sub),
                         SIM_OBS_EXACT))
                return -1;
            observed |= (p->flags & FP_OBS_START) != 0;
            s->queue_observed += observed;
        } else if (!(p->flags & FP_RAN) && ended_in) {
            /* failed before start: a full queue wait in the simulator's model */
            if (push_obs(&s->queue, &s->nqueue, &s->capqueue, (double)(p->end - p->sub),
                         SIM_OBS_EXACT))
                return -1;
            observed |= (p->flags & FP_OBS_END) != 0;
            s->queue_observed += observed;
        } else {
            if (push_obs(&s->queue, &s->nqueue, &s->capqueue, (double)(until - p->sub),
                         SIM_OBS_CENSORED))
                return -1;
            s->queue_observed += observed;
        }
    } else if (!(p->flags & FP_SUB) && ended_in) {
        s->queue_left_out++;
    }
    /* run time: the pilots started in the window */
    if ((p->flags & FP_START) && p->start >= since && p->start < until) {
        int observed = (p->flags & FP_OBS_START) != 0;
        if (ended_in) {
            if (push_obs(&s->run, &s->nrun, &s->caprun, (double)(p->end - p->start),
                         p->status == PILOT_DONE ? SIM_OBS_EXACT : SIM_OBS_STOPPED))
                return -1;
            observed |= (p->flags & FP_OBS_END) != 0;
        } else if (push_obs(&s->run, &s->nrun, &s->caprun, (double)(until - p->start),
                            SIM_OBS_CENSORED)) {
            return -1;
        }
        s->run_observed += observed;
    } else if ((p->flags & FP_RAN) && !(p->flags & FP_START) && ended_in) {
        s->run_left_out++;
    }
    return 0;
}

static int sample_merge(struct fit_sample *into, const struct fit_sample *from)
{
    size_t i;

    into->done += from->done;
    into->failed += from->failed;
    into->never_started += from->never_started;
    into->queue_left_out += from->queue_left_out;
    into->run_left_out += from->run_left_out;
    into->queue_observed += from->queue_observed;
    into->run_observed += from->run_observed;
    for (i = 0; i < from->nqueue; i++)
        if (push_obs(&into->queue, &into->nqueue, &into->capqueue, from->queue[i].t,
                     from->queue[i].kind))
            return -1;
    for (i = 0; i < from->nrun; i++)
        if (push_obs(&into->run, &into->nrun, &into->caprun, from->run[i].t,
                     from->run[i].kind))
            return -1;
    return 0;
}

static void estimate(const struct fit_sample *s, struct fit_est *e)
{
    int64_t started_ended;

    memset(e, 0, sizeof *e);
    e->done = s->done;
    e->ended = s->done + s->failed;
    if (e->ended > 0) {
        e->rate = (double)s->done / (double)e->ended;
        sim_wilson95((uint64_t)s->done, (uint64_t)e->ended, &e->rate_lo, &e->rate_hi);
    }
    e->queue_ok = sim_time_fit(s->queue, s->nqueue, 0.0, &e->queue, &e->queue_why) == 0;
    /* the run-time model's q: of the pilots that started, the share that
     * failed while running */
    started_ended = s->done + s->failed - s->never_started;
    e->run_ok = started_ended > 0 &&
                sim_time_fit(s->run, s->nrun,
                             (double)(s->failed - s->never_started) / (double)started_ended,
                             &e->run, &e->run_why) == 0;
    if (started_ended == 0 && !e->run_why)
        e->run_why = "no pilot that started has ended";
}

/* ---- the submission process ---------------------------------------------------- */

struct sub_time {
    int64_t at;
    uint32_t ce;
};

static int cmp_sub_time(const void *a, const void *b)
{
    const struct sub_time *x = a, *y = b;
    if (x->at != y->at)
        return (x->at > y->at) - (x->at < y->at);
    return (x->ce > y->ce) - (x->ce < y->ce);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Submissions closer than this are one burst. */
#define BURST_GAP_MS 1000
/* Periodic: this share of the gaps between bursts is a multiple of the cycle. */
#define PERIODIC_SHARE 0.9

/* Bursts of the selected CEs' submissions in the window: a director when
 * they are periodic, else Poisson arrivals. */
static int submission_process(struct sim_fit *fit, const struct fit_pilot *p, size_t n)
{
    struct sub_time *t = NULL;
    int64_t *start = NULL, *gap = NULL, *burst_count = NULL;
    size_t nt = 0, nb = 0, i, j, first, near = 0;
    int rc = -1;

    for (i = 0; i < n; i++)
        nt += (p[i].flags & FP_SUB) && fit->ces[p[i].ce].selected && p[i].sub >= fit->since &&
              p[i].sub < fit->until;
    t = malloc((nt ? nt : 1) * sizeof *t);
    start = malloc((nt ? nt : 1) * sizeof *start);
    gap = malloc((nt ? nt : 1) * sizeof *gap);
    burst_count = calloc(fit->nces ? fit->nces : 1, sizeof *burst_count);
    if (!t || !start || !gap || !burst_count)
        goto out;
    for (i = 0, j = 0; i < n; i++)
        if ((p[i].flags & FP_SUB) && fit->ces[p[i].ce].selected && p[i].sub >= fit->since &&
            p[i].sub < fit->until)
            t[j++] = (struct sub_time){p[i].sub, p[i].ce};
    qsort(t, nt, sizeof *t, cmp_sub_time);
    for (i = 0, first = 0; i <= nt; i++) {
        if (i == nt || i == 0 || t[i].at - t[i - 1].at > BURST_GAP_MS) {
            /* a new burst (or the end): close the counts of the last one,
             * through its own submissions */
            for (j = first; j < i; j++) {
                struct fit_ce *ce = &fit->ces[t[j].ce];
                if (burst_count[t[j].ce] > ce->max_burst)
                    ce->max_burst = burst_count[t[j].ce];
                burst_count[t[j].ce] = 0;
            }
            first = i;
            if (i == nt)
                break;
            start[nb++] = t[i].at;
        }
        fit->ces[t[i].ce].submitted++;
        burst_count[t[i].ce]++;
    }
    fit->bursts = (int64_t)nb;
    fit->director = 0;
    if (nb >= 4) {
        int64_t cycle, tol;
        for (i = 1; i < nb; i++)
            gap[i - 1] = start[i] - start[i - 1];
        qsort(gap, nb - 1, sizeof *gap, cmp_i64);
        /* the cycle: the tenth-percentile gap (gaps of a director are its
         * cycle or, after cycles with nothing to submit, multiples of it) */
        cycle = gap[(nb - 1) / 10];
        tol = cycle / 50 > BURST_GAP_MS ? cycle / 50 : BURST_GAP_MS;
        for (i = 0; i + 1 < nb; i++) {
            int64_t k = (gap[i] + cycle / 2) / cycle, off = gap[i] - k * cycle;
            near += k >= 1 && off <= tol && off >= -tol;
        }
        fit->periodic_share = (double)near / (double)(nb - 1);
        if (cycle >= 2 * BURST_GAP_MS && fit->periodic_share >= PERIODIC_SHARE) {
            fit->director = 1;
            /* the cycle to the second, as director cycles are set */
            fit->cycle = (cycle + 500) / 1000 * 1000;
        }
    }
    fit->max_per_cycle = 1;
    for (j = 0; j < fit->nces; j++)
        if (fit->ces[j].selected && fit->ces[j].max_burst > fit->max_per_cycle)
            fit->max_per_cycle = fit->ces[j].max_burst;
    rc = 0;
out:
    free(t);
    free(start);
    free(gap);
    free(burst_count);
    return rc;
}

/* ---- the waiting count -------------------------------------------------------- */

struct wait_ev {
    int64_t at;
    int dwait, dactive; /* -1 leaves, +1 arrives */
};

static int cmp_wait_ev(const void *a, const void *b)
{
    const struct wait_ev *x = a, *y = b;
    if (x->at != y->at)
        return (x->at > y->at) - (x->at < y->at);
    return (x->dwait + x->dactive) - (y->dwait + y->dactive); /* leaving first */
}

/* A director's max_waiting is visible when, after several bursts, the
 * waiting count stood at its highest while free slots were left and the
 * burst was smaller than max_per_cycle: the cap, not the slots, stopped
 * it.  p[0, n) are the CE's pilots. */
static int waiting_cap(struct sim_fit *fit, struct fit_ce *ce, const struct fit_pilot *p,
                       size_t n)
{
    struct wait_ev *ev;
    int64_t *after;            /* waiting, active, burst size after each burst */
    size_t nev = 0, nb = 0, i;
    int64_t waiting = 0, active = 0, top = -1, hits = 0;

    ce->max_waiting = -1;
    if (!fit->director || ce->submitted == 0)
        return 0;
    ev = malloc((3 * n + 1) * sizeof *ev);
    after = malloc((3 * n + 1) * 3 * sizeof *after);
    if (!ev || !after) {
        free(ev);
        free(after);
        return -1;
    }
    for (i = 0; i < n; i++) {
        const struct fit_pilot *q = &p[i];
        int64_t left_wait = (q->flags & FP_START) ? q->start : q->end;
        if (!(q->flags & FP_SUB) || q->sub >= fit->until ||
            ((q->flags & FP_RAN) && !(q->flags & FP_START)))
            continue; /* not submitted in time, or its wait's end unknown */
        ev[nev++] = (struct wait_ev){q->sub, 1, 1};
        if (left_wait != PILOTDB_NO_TIME)
            ev[nev++] = (struct wait_ev){left_wait, -1, 0};
        if (q->end != PILOTDB_NO_TIME)
            ev[nev++] = (struct wait_ev){q->end, 0, -1};
    }
    qsort(ev, nev, sizeof *ev, cmp_wait_ev);
    for (i = 0; i < nev;) {
        int64_t at = ev[i].at, subs = 0;
        for (; i < nev && ev[i].at == at; i++) {
            waiting += ev[i].dwait;
            active += ev[i].dactive;
            subs += ev[i].dwait > 0;
        }
        if (subs > 0 && at >= fit->since && at < fit->until) {
            after[3 * nb] = waiting;
            after[3 * nb + 1] = active;
            after[3 * nb + 2] = subs;
            nb++;
            if (waiting > top)
                top = waiting;
        }
    }
    for (i = 0; i < nb; i++)
        hits += after[3 * i] == top && after[3 * i + 1] < ce->ce.capacity &&
                after[3 * i + 2] < fit->max_per_cycle;
    /* the director fills every free slot up to max_per_cycle: one burst
     * that left slots free and stopped short of it is the cap at work */
    if (top >= 0 && hits >= 1) {
        ce->max_waiting = top;
        ce->cap_hits = hits;
    }
    free(ev);
    free(after);
    return 0;
}

/* The time in the window that CE ce was open to arrivals: enabled with a
 * free slot, from its pilots (p[0, n), all of them: those from before the
 * window hold slots in it) and its capacity and enabled changes.  An
 * arrival at a full or disabled CE is refused and leaves no record, so the
 * Poisson rate's estimate is the submissions over this time. */
static int open_time(struct sim_fit *fit, struct fit_ce *ce, const struct fit_pilot *p,
                     size_t n, double *open_ms)
{
    struct wait_ev *ev = malloc((2 * n + 1) * sizeof *ev);
    size_t nev = 0, i, k = 0, ci = (size_t)(ce - fit->ces);
    int64_t active = 0, capacity = ce->base_capacity, t = fit->since;
    int enabled = ce->base_enabled;

    *open_ms = 0;
    if (!ev)
        return -1;
    for (i = 0; i < n; i++) {
        int64_t first = (p[i].flags & FP_SUB) ? p[i].sub : (p[i].flags & FP_START) ? p[i].start
                                                                                  : p[i].end;
        if (first == PILOTDB_NO_TIME || first >= fit->until)
            continue;
        ev[nev++] = (struct wait_ev){first, 0, 1};
        if (p[i].end != PILOTDB_NO_TIME)
            ev[nev++] = (struct wait_ev){p[i].end, 0, -1};
    }
    qsort(ev, nev, sizeof *ev, cmp_wait_ev);
    for (i = 0; i < nev || k < fit->nev;) {
        int64_t at;
        /* the next change of the CE, or of its pilots, whichever comes first */
        while (k < fit->nev && fit->ev[k].ce != ci)
            k++;
        if (k < fit->nev && (i == nev || fit->since + fit->ev[k].at <= ev[i].at)) {
            at = fit->since + fit->ev[k].at;
        } else if (i < nev) {
            at = ev[i].at;
        } else {
            break;
        }
        if (at > t && at > fit->since) {
            int64_t from = t > fit->since ? t : fit->since, to = at < fit->until ? at : fit->until;
            if (to > from && enabled && active < capacity)
                *open_ms += (double)(to - from);
            t = at;
        }
        if (k < fit->nev && fit->since + fit->ev[k].at == at && fit->ev[k].ce == ci) {
            if (fit->ev[k].field == PILOTDB_FIELD_CAPACITY)
                capacity = fit->ev[k].value;
            else
                enabled = fit->ev[k].value != 0;
            k++;
        } else {
            active += ev[i].dactive;
            i++;
        }
    }
    if (t < fit->until && enabled && active < capacity)
        *open_ms += (double)(fit->until - (t > fit->since ? t : fit->since));
    free(ev);
    return 0;
}

/* ---- estimates per CE, pooled when too few --------------------------------------- */

static struct fit_pool *pool_get(struct sim_fit *fit, const char *site)
{
    size_t i;

    for (i = 0; i < fit->npools; i++)
        if (site ? fit->pools[i].site && strcmp(fit->pools[i].site, site) == 0
                 : !fit->pools[i].site)
            return &fit->pools[i];
    return NULL;
}

/* The pool of CEs of site (NULL: every CE), estimated on first use. */
static struct fit_pool *pool_ready(struct sim_fit *fit, const char *site)
{
    struct fit_pool *pool = pool_get(fit, site);

    if (!pool || pool->done)
        return pool;
    for (size_t i = 0; i < fit->nces; i++)
        if ((!site || strcmp(fit->ces[i].ce.site, site) == 0) &&
            sample_merge(&pool->s, &fit->ces[i].s))
            return NULL;
    estimate(&pool->s, &pool->e);
    pool->done = 1;
    return pool;
}

static int add_pools(struct sim_fit *fit)
{
    size_t i, j;

    fit->pools = calloc(fit->nces + 1, sizeof *fit->pools);
    if (!fit->pools)
        return -1;
    for (i = 0; i < fit->nces; i++) {
        const char *site = fit->ces[i].ce.site;
        if (!*site)
            continue;
        for (j = 0; j < fit->npools && strcmp(fit->pools[j].site, site) != 0; j++)
            ;
        if (j == fit->npools && !(fit->pools[fit->npools++].site = strdup(site)))
            return -1;
    }
    fit->npools++; /* every CE: site NULL */
    return 0;
}

/* Where CE ce's estimates come from. */
static int choose_sources(struct sim_fit *fit, struct fit_ce *ce, int64_t min_pilots)
{
    const struct fit_pool *pool = NULL;
    struct fit_pool *site = NULL;
    int own = ce->e.ended >= min_pilots;

    if (own && ce->e.queue_ok && ce->e.run_ok)
        return 0;
    if (*ce->ce.site) {
        site = pool_ready(fit, ce->ce.site);
        if (!site)
            return -1;
        if (site->e.ended >= min_pilots && site->e.ended > ce->e.ended)
            pool = site;
    }
    if (!pool && !(pool = pool_ready(fit, NULL)))
        return -1;
    if (!own)
        ce->rate_from = pool;
    if (!own || !ce->e.queue_ok)
        ce->queue_from = pool;
    if (!own || !ce->e.run_ok)
        ce->run_from = pool;
    return 0;
}

static const struct fit_est *rate_est(const struct fit_ce *ce)
{
    return ce->rate_from ? &ce->rate_from->e : &ce->e;
}

static const struct fit_est *queue_est(const struct fit_ce *ce)
{
    return ce->queue_from ? &ce->queue_from->e : &ce->e;
}

static const struct fit_est *run_est(const struct fit_ce *ce)
{
    return ce->run_from ? &ce->run_from->e : &ce->e;
}

static const struct fit_sample *queue_sample(const struct fit_ce *ce)
{
    return ce->queue_from ? &ce->queue_from->s : &ce->s;
}

static const struct fit_sample *run_sample(const struct fit_ce *ce)
{
    return ce->run_from ? &ce->run_from->s : &ce->s;
}

/* ---- events of the window: capacity and enabled from the change log ------------- */

static int cmp_event(const void *a, const void *b)
{
    const struct fit_event *x = a, *y = b;
    if (x->at != y->at)
        return (x->at > y->at) - (x->at < y->at);
    if (x->ce != y->ce)
        return (x->ce > y->ce) - (x->ce < y->ce);
    return x->field - y->field;
}

static sim_rc read_events(pilotdb *db, struct sim_fit *fit, char *errbuf, size_t errbuf_size)
{
    pilotdb_ce_history_row *rows = NULL;
    size_t n = 0, i, k;
    pilotdb_rc rc;

    for (k = 0; k < fit->nces; k++) {
        fit->ces[k].base_capacity = fit->ces[k].ce.capacity;
        fit->ces[k].base_enabled = fit->ces[k].ce.enabled;
    }
    rc = pilotdb_ce_history(db, NULL, fit->since, &rows, &n);
    if (rc != PILOTDB_OK)
        return sim__fail(SIM_EDB, errbuf, errbuf_size, "reading the CE change log: %s",
                         pilotdb_errmsg(db));
    fit->ev = calloc(n ? n : 1, sizeof *fit->ev);
    if (!fit->ev) {
        pilotdb_free(rows);
        return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    }
    /* newest first: walking them all sets each base to the oldest old value */
    for (i = 0; i < n; i++) {
        const pilotdb_ce_history_row *row = &rows[i];
        struct fit_ce *ce = NULL;
        if (row->field != PILOTDB_FIELD_CAPACITY && row->field != PILOTDB_FIELD_ENABLED)
            continue;
        for (k = 0; k < fit->nces && !ce; k++)
            if (fit->ces[k].ce.id == row->ce_id && fit->ces[k].selected)
                ce = &fit->ces[k];
        if (!ce || row->new_value.null)
            continue;
        /* the value at the window's start: before a later change, its old
         * value; at the start, or a CE created in the window, its new one */
        {
            const pilotdb_ce_value *v =
                row->at <= fit->since || row->old_value.null ? &row->new_value
                                                            : &row->old_value;
            if (row->field == PILOTDB_FIELD_CAPACITY)
                ce->base_capacity = v->i;
            else
                ce->base_enabled = v->i != 0;
        }
        if (row->at <= fit->since || row->at >= fit->until || row->old_value.null)
            continue;
        fit->ev[fit->nev++] = (struct fit_event){row->at - fit->since, (size_t)(ce - fit->ces),
                                                 (int)row->field, row->new_value.i};
    }
    pilotdb_free(rows);
    qsort(fit->ev, fit->nev, sizeof *fit->ev, cmp_event);
    return SIM_OK;
}

/* ---- the fit ---------------------------------------------------------------------- */

static int cmp_pilot_ce(const void *a, const void *b)
{
    const struct fit_pilot *x = a, *y = b;
    if (x->ce != y->ce)
        return (x->ce > y->ce) - (x->ce < y->ce);
    if (x->sub != y->sub)
        return (x->sub > y->sub) - (x->sub < y->sub);
    if (x->start != y->start)
        return (x->start > y->start) - (x->start < y->start);
    return (x->end > y->end) - (x->end < y->end);
}

/* The earliest and latest known time of the pilots. */
static void time_span(const struct fit_pilot *p, size_t n, int64_t *first, int64_t *last)
{
    *first = INT64_MAX;
    *last = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        const int64_t t[3] = {p[i].sub, p[i].start, p[i].end};
        for (int k = 0; k < 3; k++) {
            if (t[k] == PILOTDB_NO_TIME)
                continue;
            if (t[k] < *first)
                *first = t[k];
            if (t[k] > *last)
                *last = t[k];
        }
    }
}

/* Read the CEs (marking the selected ones) and the pilots. */
static sim_rc read_db(pilotdb *db, const sim_fit_options *opt, struct sim_fit *fit,
                      struct reader *rd, char *errbuf, size_t errbuf_size)
{
    pilotdb_ce *list = NULL;
    size_t n = 0, i, k;
    pilotdb_rc rc;

    if ((rc = pilotdb_clock_kind(db, &fit->clock)) != PILOTDB_OK ||
        (rc = pilotdb_ce_list(db, 0, &list, &n)) != PILOTDB_OK)
        return sim__fail(SIM_EDB, errbuf, errbuf_size, "reading the CEs: %s",
                         pilotdb_errmsg(db));
    fit->ces = calloc(n ? n : 1, sizeof *fit->ces);
    rd->ids = calloc(n ? n : 1, sizeof *rd->ids);
    if (!fit->ces || !rd->ids) {
        pilotdb_free(list);
        return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    }
    fit->nces = n;
    for (i = 0; i < n; i++) {
        fit->ces[i].ce = list[i];
        fit->ces[i].selected = opt->ces == NULL;
        fit->ces[i].max_waiting = -1;
        rd->ids[i] = (struct ce_index){list[i].id, (uint32_t)i};
    }
    pilotdb_free(list);
    for (k = 0; k < opt->nces; k++) {
        for (i = 0; i < n && strcmp(fit->ces[i].ce.name, opt->ces[k]) != 0; i++)
            ;
        if (i == n)
            return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "no CE named '%s'",
                             opt->ces[k]);
        fit->ces[i].selected = 1;
    }
    for (i = 0; i < n; i++)
        fit->nselected += fit->ces[i].selected;
    if (fit->nselected == 0)
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "the database has no CE");
    qsort(rd->ids, n, sizeof *rd->ids, cmp_ce_index);
    rd->fit = fit;
    rc = pilotdb_pilots_foreach(db, NULL, read_pilot, rd);
    if (rc == PILOTDB_OK && rd->oom)
        return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    if (rc != PILOTDB_OK)
        return sim__fail(SIM_EDB, errbuf, errbuf_size, "reading the pilots: %s",
                         pilotdb_errmsg(db));
    return SIM_OK;
}

/* The selected CEs' pilots active at until, with how long they have been
 * waiting or running (0 when their submission or start is unknown). */
static int collect_active(struct sim_fit *fit, const struct fit_pilot *p, size_t n)
{
    size_t i;

    fit->active = malloc((n ? n : 1) * sizeof *fit->active);
    if (!fit->active)
        return -1;
    for (i = 0; i < n; i++) {
        const struct fit_pilot *q = &p[i];
        struct sim_start_pilot sp = {q->ce, 0, 0};
        int64_t first = (q->flags & FP_SUB) ? q->sub : (q->flags & FP_START) ? q->start : q->end;
        if (!fit->ces[q->ce].selected || (q->end != PILOTDB_NO_TIME && q->end < fit->until) ||
            (first != PILOTDB_NO_TIME && first >= fit->until))
            continue;
        if ((q->flags & FP_START) && q->start < fit->until) {
            sp.running = 1;
            sp.age = fit->until - q->start;
        } else if ((q->flags & FP_RAN) && !(q->flags & FP_START)) {
            sp.running = 1;
            fit->active_unknown_age++;
        } else if (q->flags & FP_SUB) {
            sp.age = fit->until - q->sub;
        } else {
            fit->active_unknown_age++;
        }
        fit->active[fit->nactive++] = sp;
    }
    return 0;
}

static void time_text(const struct sim_fit *fit, int64_t ms, char *buf, size_t size);

/* The window, the samples and every estimate, from the pilots read. */
static sim_rc read_events(pilotdb *db, struct sim_fit *fit, char *errbuf, size_t errbuf_size);

static sim_rc fit_pilots(pilotdb *db, struct sim_fit *fit, const sim_fit_options *opt,
                         struct fit_pilot *p, size_t n, char *errbuf, size_t errbuf_size)
{
    int64_t first, last;
    size_t i, lo;
    double hours;
    sim_rc rc;

    time_span(p, n, &first, &last);
    fit->since = opt->since;
    fit->until = opt->until;
    if (first == INT64_MAX)
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "the database has no pilot");
    if (fit->since == INT64_MIN)
        fit->since = first;
    if (fit->until == INT64_MAX && opt->at_now && fit->clock != PILOTDB_CLOCK_SIM)
        fit->until = pilotdb_now(db);
    if (fit->until == INT64_MAX)
        fit->until = last == INT64_MIN ? fit->since : last + 1;
    if (opt->window > 0 && opt->since == INT64_MIN)
        fit->since = fit->until - opt->window;
    if (fit->until <= fit->since) {
        char at[64], edge[64];
        if (opt->since == INT64_MIN || opt->until == INT64_MAX) {
            /* one end defaulted: the other is beyond the history */
            time_text(fit, opt->until == INT64_MAX ? fit->since : fit->until, at, sizeof at);
            time_text(fit, opt->until == INT64_MAX ? last : first, edge, sizeof edge);
            return sim__fail(SIM_EINVAL, errbuf, errbuf_size,
                             "the window is empty: it %s at %s, %s the history's %s time %s",
                             opt->until == INT64_MAX ? "starts" : "ends", at,
                             opt->until == INT64_MAX ? "after" : "at or before",
                             opt->until == INT64_MAX ? "last" : "first", edge);
        }
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "the window is empty: it ends "
                         "before it starts");
    }
    if (fit->until - fit->since < 1000)
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "the window is %lld ms long; a "
                         "scenario lasts at least a second", (long long)(fit->until - fit->since));
    if ((rc = read_events(db, fit, errbuf, errbuf_size)) != SIM_OK)
        return rc;
    qsort(p, n, sizeof *p, cmp_pilot_ce);
    for (i = 0; i < n; i++)
        if (sample_add(&fit->ces[p[i].ce].s, &p[i], fit->since, fit->until))
            return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    if (collect_active(fit, p, n))
        return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    for (i = 0; i < fit->nces; i++) {
        const struct fit_sample *s = &fit->ces[i].s;
        if (!fit->ces[i].selected)
            continue;
        fit->ended += s->done + s->failed;
        fit->failed += s->failed;
        fit->never_started += s->never_started;
    }
    if (fit->ended == 0)
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "no pilot %sended in the window",
                         opt->nces ? "of the CEs named " : "");
    fit->fail_before_start = fit->failed > 0
                                 ? (double)fit->never_started / (double)fit->failed : -1;
    if (add_pools(fit))
        return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    for (i = 0; i < fit->nces; i++) {
        struct fit_ce *ce = &fit->ces[i];
        if (!ce->selected)
            continue;
        estimate(&ce->s, &ce->e);
        if (choose_sources(fit, ce, opt->min_pilots))
            return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    }
    if (submission_process(fit, p, n))
        return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    hours = (double)(fit->until - fit->since) / 3.6e6;
    for (lo = 0; lo < n;) {
        size_t hi = lo;
        struct fit_ce *ce = &fit->ces[p[lo].ce];
        while (hi < n && p[hi].ce == p[lo].ce)
            hi++;
        if (ce->selected && waiting_cap(fit, ce, p + lo, hi - lo))
            return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
        lo = hi;
    }
    for (lo = 0; lo < n && !fit->director;) {
        size_t hi = lo;
        struct fit_ce *ce = &fit->ces[p[lo].ce];
        double open_ms;
        while (hi < n && p[hi].ce == p[lo].ce)
            hi++;
        if (ce->selected) {
            if (open_time(fit, ce, p + lo, hi - lo, &open_ms))
                return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
            ce->accepted_rate = (double)ce->submitted / hours;
            ce->open_share = open_ms / (double)(fit->until - fit->since);
            /* open less than a minute: the rate is not seen; the one
             * accepted is a floor */
            ce->saturated = open_ms < 60e3;
            ce->arrival_rate = ce->saturated ? ce->accepted_rate
                                             : (double)ce->submitted / (open_ms / 3.6e6);
        }
        lo = hi;
    }
    return SIM_OK;
}

static sim_rc build_scenario(struct sim_fit *fit, char *errbuf, size_t errbuf_size);

sim_rc sim_fit_run(pilotdb *db, const sim_fit_options *opt, sim_fit **out, char *errbuf,
                   size_t errbuf_size)
{
    struct sim_fit *fit;
    struct reader rd = {0};
    pilotdb_rc drc;
    sim_rc rc;

    *out = NULL;
    if (opt->min_pilots < 1)
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "--min-pilots must be 1 or more");
    if (opt->since != INT64_MIN && opt->until != INT64_MAX && opt->until <= opt->since)
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "the window is empty: it ends "
                         "before it starts");
    fit = calloc(1, sizeof *fit);
    if (!fit || !(fit->name = strdup(opt->name ? opt->name : "fit"))) {
        free(fit);
        return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    }
    fit->events = opt->events;
    /* one snapshot for the CEs, the pilots and the change log */
    if ((drc = pilotdb_begin_read(db)) != PILOTDB_OK) {
        sim_fit_free(fit);
        return sim__fail(SIM_EDB, errbuf, errbuf_size, "reading the database: %s",
                         pilotdb_errmsg(db));
    }
    rc = read_db(db, opt, fit, &rd, errbuf, errbuf_size);
    if (rc == SIM_OK)
        rc = fit_pilots(db, fit, opt, rd.p, rd.n, errbuf, errbuf_size);
    if (pilotdb_in_transaction(db))
        (void)pilotdb_rollback(db);
    free(rd.ids);
    free(rd.p);
    if (rc == SIM_OK)
        rc = build_scenario(fit, errbuf, errbuf_size);
    if (rc != SIM_OK) {
        sim_fit_free(fit);
        return rc;
    }
    *out = fit;
    return SIM_OK;
}

void sim_fit_window(const sim_fit *fit, int64_t *since, int64_t *until)
{
    *since = fit->since;
    *until = fit->until;
}

void sim_fit_free(sim_fit *fit)
{
    size_t i;

    if (!fit)
        return;
    for (i = 0; i < fit->nces; i++)
        sample_free(&fit->ces[i].s);
    for (i = 0; i < fit->npools; i++) {
        sample_free(&fit->pools[i].s);
        free(fit->pools[i].site);
    }
    free(fit->pools);
    free(fit->ces);
    free(fit->ev);
    free(fit->name);
    free(fit->scenario);
    free(fit->active);
    free(fit);
}

/* ---- writing ------------------------------------------------------------------------ */

/* A time of the database: UTC ISO 8601 on a wall clock, else a duration
 * from the simulation's start. */
static void time_text(const struct sim_fit *fit, int64_t ms, char *buf, size_t size)
{
    if (fit->clock == PILOTDB_CLOCK_SIM) {
        int64_t s = ms / 1000;
        snprintf(buf, size, "%lldd %02lld:%02lld:%02lld", (long long)(s / 86400),
                 (long long)(s / 3600 % 24), (long long)(s / 60 % 60), (long long)(s % 60));
    } else {
        time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
        struct tm tm;
        if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
            snprintf(buf, size, "%lld ms", (long long)ms);
    }
}

/* x rounded to 4 significant digits, in whole ms: a fitted parameter
 * carries no more, and the scenario stays readable. */
static int64_t round_ms(double x)
{
    double scale;

    if (!(x > 0))
        return 0;
    scale = pow(10, floor(log10(x)) - 3);
    return llround(scale > 1 ? round(x / scale) * scale : x);
}

/* The chosen family of tf as a distribution of the scenario. */
static int time_dist(const struct sim_time_fit *tf, sim_dist *d)
{
    const struct sim_family_fit *f = &tf->fam[tf->chosen];
    char a[40], b[40], text[120];
    int two = tf->chosen == SIM_FAM_LOGNORMAL || tf->chosen == SIM_FAM_UNIFORM;
    int64_t p0 = round_ms(f->p[0]);

    if (tf->chosen == SIM_FAM_EXP || tf->chosen == SIM_FAM_LOGNORMAL)
        p0 = p0 < 1 ? 1 : p0;
    sim_format_duration(p0, a, sizeof a);
    sim_format_duration(two ? round_ms(f->p[1]) : 0, b, sizeof b);
    snprintf(text, sizeof text, "%s(%s%s%s)", sim_family_name(tf->chosen), a, two ? ", " : "",
             two ? b : "");
    return sim_dist_parse(text, d, text, sizeof text);
}

static void put_key(FILE *out, unsigned section, size_t offset, const void *base)
{
    const struct sim_key *key = sim__key_of(section, offset);
    char text[200];

    sim__key_format(key, (const char *)base + offset, text, sizeof text);
    fprintf(out, "%s = %s\n", key->name, text);
}

/* Where an estimate came from, for comments and the report. */
static const char *source_text(const struct fit_pool *pool)
{
    return !pool ? "its own pilots" : pool->site ? "pooled over its site" : "pooled over every CE";
}

static void comment_time(FILE *out, const char *what, const struct fit_est *e,
                         const struct fit_sample *s, int run, const struct fit_pool *from)
{
    const struct sim_time_fit *tf = run ? &e->run : &e->queue;
    int ok = run ? e->run_ok : e->queue_ok;
    if (!ok) {
        fprintf(out, "; %s: not estimated (%s): the default\n", what,
                run ? e->run_why : e->queue_why);
        return;
    }
    fprintf(out, "; %s: %s by AIC, %zu exact, %zu censored", what,
            sim_family_name(tf->chosen), tf->n_exact, tf->n_censored);
    if (run)
        fprintf(out, ", %zu stopped by a failure", tf->n_stopped);
    fprintf(out, ", KS %.3f", tf->ks);
    if (run ? s->run_observed : s->queue_observed)
        fprintf(out, ", %.0f %% on observed times",
                100.0 * (double)(run ? s->run_observed : s->queue_observed) /
                    (double)(run ? s->nrun : s->nqueue));
    fprintf(out, "; %s\n", source_text(from));
}

/* Whether value, written by sim__key_format(), is key's default (a key
 * without one has none to leave out). */
static int is_default(const struct sim_key *key, const char *value)
{
    struct sim_scenario scn;
    char dflt[200], why[200];

    if (!key->dflt)
        return 0;
    memset(&scn, 0, sizeof scn);
    if (sim__key_parse(key, key->dflt, (char *)&scn + key->offset[SIM_STRUCT_SCENARIO], why,
                       sizeof why) != SIM_KEY_OK)
        return 0;
    sim__key_format(key, (char *)&scn + key->offset[SIM_STRUCT_SCENARIO], dflt, sizeof dflt);
    if (key->type == SIM_KEY_STRING)
        free(scn.name);
    return strcmp(dflt, value) == 0;
}

static sim_rc build_scenario(struct sim_fit *fit, char *errbuf, size_t errbuf_size)
{
    struct sim_scenario scn;
    struct sim_scenario *check = NULL;
    char *text = NULL, since[64], until[64], err[512], cycle[40];
    size_t len = 0, i, k;
    FILE *out = open_memstream(&text, &len);
    sim_rc rc;

    if (!out)
        return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    memset(&scn, 0, sizeof scn);
    sim__key_defaults(SIM_IN_SCENARIO, &scn);
    scn.name = fit->name;
    scn.seed = 1;
    /* to the nearest second: the default window ends just after the last change */
    scn.duration = (fit->until - fit->since + 500) / 1000 * 1000;
    if (fit->director) {
        scn.cycle = fit->cycle;
        scn.max_per_cycle = fit->max_per_cycle;
    } else {
        scn.policy = sim_policy_find("arrivals");
    }
    if (fit->fail_before_start >= 0)
        scn.fail_before_start = round(fit->fail_before_start * 1e4) / 1e4;
    time_text(fit, fit->since, since, sizeof since);
    time_text(fit, fit->until, until, sizeof until);
    sim_format_duration(fit->cycle, cycle, sizeof cycle);
    fprintf(out, "; fitted by pilotdeck fit to the pilots of %s to %s:\n", since, until);
    fprintf(out, "; %lld pilots ended in the window, %lld of them failed.\n",
            (long long)fit->ended, (long long)fit->failed);
    if (fit->director)
        fprintf(out, "; submissions come in bursts every %s (%.1f %% of the %lld gaps\n"
                "; between bursts are a multiple of it): the director policy.\n",
                cycle,
                100 * fit->periodic_share, (long long)(fit->bursts - 1));
    else
        fprintf(out, "; submissions are not periodic bursts: Poisson arrivals per CE, at\n"
                "; the rate of submissions while the CE was open (enabled, a slot free).\n");
    fprintf(out, "[scenario]\n");
    for (const struct sim_key *key = sim__keys; key->name; key++) {
        size_t off = key->offset[SIM_STRUCT_SCENARIO];
        char value[200];
        if (!(key->sections & SIM_IN_SCENARIO))
            continue;
        sim__key_format(key, (const char *)&scn + off, value, sizeof value);
        if (off == offsetof(struct sim_scenario, name) ||
            off == offsetof(struct sim_scenario, seed) ||
            off == offsetof(struct sim_scenario, duration) || !is_default(key, value))
            fprintf(out, "%s = %s\n", key->name, value);
    }
    for (i = 0; i < fit->nces; i++) {
        const struct fit_ce *ce = &fit->ces[i];
        const struct fit_est *r = rate_est(ce), *q = queue_est(ce), *u = run_est(ce);
        struct sim_ce_entry entry;
        if (!ce->selected)
            continue;
        memset(&entry, 0, sizeof entry);
        sim__key_defaults(SIM_IN_CE, &entry);
        entry.spec.capacity = fit->events ? ce->base_capacity : ce->ce.capacity;
        entry.spec.enabled = fit->events ? ce->base_enabled : ce->ce.enabled;
        entry.spec.success_rate = round(r->rate * 1e4) / 1e4;
        entry.spec.max_waiting = ce->max_waiting;
        entry.spec.arrival_rate = round(ce->arrival_rate * 1e4) / 1e4;
        if (q->queue_ok && time_dist(&q->queue, &entry.spec.queue_time) != 0)
            q = NULL;
        if (u->run_ok && time_dist(&u->run, &entry.spec.run_time) != 0)
            u = NULL;
        fprintf(out, "\n; success_rate: %lld of %lld ended pilots done, Wilson 95 %% "
                "[%.4f, %.4f]; %s\n", (long long)r->done, (long long)r->ended, r->rate_lo,
                r->rate_hi, source_text(ce->rate_from));
        if (q)
            comment_time(out, "queue_time", q, queue_sample(ce), 0, ce->queue_from);
        if (u)
            comment_time(out, "run_time", u, run_sample(ce), 1, ce->run_from);
        if (ce->max_waiting >= 0)
            fprintf(out, "; max_waiting: reached after %lld bursts that left slots free\n",
                    (long long)ce->cap_hits);
        if (!fit->director)
            fprintf(out, "; arrival_rate: %lld submitted over the %.1f %% of the window the CE "
                    "was open%s\n", (long long)ce->submitted, 100 * ce->open_share,
                    ce->saturated ? " (never: the rate seen is a floor)" : "");
        fprintf(out, "[ce %s]\n", ce->ce.name);
        for (const struct sim_key *key = sim__keys; key->name; key++) {
            size_t off = key->offset[SIM_STRUCT_CE];
            if (!(key->sections & SIM_IN_CE) ||
                (off == offsetof(struct sim_ce_entry, spec.max_waiting) &&
                 entry.spec.max_waiting < 0) ||
                (off == offsetof(struct sim_ce_entry, spec.arrival_rate) && fit->director) ||
                (off == offsetof(struct sim_ce_entry, spec.enabled) && entry.spec.enabled))
                continue;
            put_key(out, SIM_IN_CE, off, &entry);
        }
    }
    /* the change log is read for every fit (an arrivals CE's open time);
     * it becomes the scenario's timeline only when asked */
    for (k = 0; fit->events && k < fit->nev; k++) {
        struct sim_event_spec ev;
        char name[32];
        memset(&ev, 0, sizeof ev);
        snprintf(name, sizeof name, "change-%zu", k + 1);
        ev.name = name;
        ev.at = fit->ev[k].at;
        ev.ce = fit->ces[fit->ev[k].ce].ce.name;
        fprintf(out, "\n; a change of the CE change log\n[event %s]\n", name);
        put_key(out, SIM_IN_EVENT, offsetof(struct sim_event_spec, at), &ev);
        put_key(out, SIM_IN_EVENT, offsetof(struct sim_event_spec, ce), &ev);
        if (fit->ev[k].field == PILOTDB_FIELD_CAPACITY) {
            ev.capacity = fit->ev[k].value;
            put_key(out, SIM_IN_EVENT, offsetof(struct sim_event_spec, capacity), &ev);
        } else {
            ev.enabled = fit->ev[k].value != 0;
            put_key(out, SIM_IN_EVENT, offsetof(struct sim_event_spec, enabled), &ev);
        }
    }
    if (fclose(out) != 0 || !text) {
        free(text);
        return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    }
    /* what is written must load as written */
    rc = sim_scenario_parse(text, "the fitted scenario", &check, err, sizeof err);
    if (rc == SIM_OK && check->nces != fit->nselected)
        rc = sim__fail(SIM_EPARSE, err, sizeof err, "it holds %zu CEs, not %zu", check->nces,
                       fit->nselected);
    /* in file order: the selected CEs, in name order */
    for (i = 0, k = 0; rc == SIM_OK && i < fit->nces; i++) {
        if (!fit->ces[i].selected)
            continue;
        if (strcmp(check->ces[k].name, fit->ces[i].ce.name) != 0)
            rc = sim__fail(SIM_EPARSE, err, sizeof err, "CE '%s' is read back as '%s' (a "
                           "section name cannot hold ']' nor start or end with a blank)",
                           fit->ces[i].ce.name, check->ces[k].name);
        k++;
    }
    sim_scenario_free(check);
    if (rc == SIM_ENOMEM) {
        free(text);
        return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    }
    if (rc != SIM_OK) {
        /* the report stands; only the scenario cannot be had */
        free(text);
        snprintf(fit->scenario_why, sizeof fit->scenario_why,
                 "the fitted scenario cannot be written as a scenario file: %s", err);
        return SIM_OK;
    }
    fit->scenario = text;
    return SIM_OK;
}

char *sim_fit_scenario(const sim_fit *fit)
{
    return fit->scenario ? strdup(fit->scenario) : NULL;
}

const char *sim_fit_scenario_why(const sim_fit *fit)
{
    return fit->scenario ? NULL : fit->scenario_why;
}

/* ---- the report ---------------------------------------------------------------------- */

/* A mean time for people: "42.0s", "12.5m", "3.25h". */
static void mean_text(double ms, char *buf, size_t size)
{
    if (ms < 60e3)
        snprintf(buf, size, "%.1fs", ms / 1e3);
    else if (ms < 3.6e6)
        snprintf(buf, size, "%.1fm", ms / 6e4);
    else
        snprintf(buf, size, "%.2fh", ms / 3.6e6);
}

static void text_time(FILE *out, const char *what, const struct fit_est *e,
                      const struct fit_sample *s, int run, const struct fit_pool *from)
{
    const struct sim_time_fit *tf = run ? &e->run : &e->queue;
    sim_dist d;
    char mean[32], dist[200];

    if (!(run ? e->run_ok : e->queue_ok)) {
        fprintf(out, "  %-13s not estimated: %s (the scenario keeps the default)\n", what,
                run ? e->run_why : e->queue_why);
        return;
    }
    if (time_dist(tf, &d) == 0)
        sim__key_format(sim__key_of(SIM_IN_CE,
                                    run ? offsetof(struct sim_ce_entry, spec.run_time)
                                        : offsetof(struct sim_ce_entry, spec.queue_time)),
                        &d, dist, sizeof dist);
    else
        snprintf(dist, sizeof dist, "%s", sim_family_name(tf->chosen));
    mean_text(tf->mean, mean, sizeof mean);
    fprintf(out, "  %-13s %s  mean %s  KS %.3f  %s\n", what, dist, mean, tf->ks,
            source_text(from));
    fprintf(out, "  %-13s %zu exact, %zu censored", "", tf->n_exact, tf->n_censored);
    if (run)
        fprintf(out, ", %zu stopped by a failure", tf->n_stopped);
    if (run ? s->run_left_out : s->queue_left_out)
        fprintf(out, "; %lld left out (%s unknown)",
                (long long)(run ? s->run_left_out : s->queue_left_out),
                run ? "start" : "submission or start");
    if (run ? s->run_observed : s->queue_observed)
        fprintf(out, "; %.1f %% on observed times",
                100.0 * (double)(run ? s->run_observed : s->queue_observed) /
                    (double)(run ? s->nrun : s->nqueue));
    fprintf(out, "\n  %-13s log-likelihood", "");
    for (int f = 0; f < SIM_NFAMILIES; f++) {
        if (tf->fam[f].usable && isfinite(tf->fam[f].loglik))
            fprintf(out, " %s %.1f%s", sim_family_name((enum sim_family)f), tf->fam[f].loglik,
                    f + 1 < SIM_NFAMILIES ? "," : "");
        else
            fprintf(out, " %s -%s", sim_family_name((enum sim_family)f),
                    f + 1 < SIM_NFAMILIES ? "," : "");
    }
    fputc('\n', out);
}

char *sim_fit_text(const sim_fit *fit)
{
    char *text = NULL, since[64], until[64], cycle[40];
    size_t len = 0, i;
    FILE *out = open_memstream(&text, &len);

    if (!out)
        return NULL;
    time_text(fit, fit->since, since, sizeof since);
    time_text(fit, fit->until, until, sizeof until);
    fprintf(out, "window      %s to %s (%.2f hours)\n", since, until,
            (double)(fit->until - fit->since) / 3.6e6);
    fprintf(out, "pilots      %lld ended, %lld of them failed", (long long)fit->ended,
            (long long)fit->failed);
    if (fit->failed > 0)
        fprintf(out, ", %.1f %% of those before start (fail_before_start)",
                100 * fit->fail_before_start);
    fputc('\n', out);
    if (fit->director) {
        sim_format_duration(fit->cycle, cycle, sizeof cycle);
        fprintf(out, "submission  director: %lld bursts, %.1f %% of the gaps between them a "
                "multiple of %s; cycle %s, max_per_cycle %lld\n", (long long)fit->bursts,
                100 * fit->periodic_share, cycle, cycle, (long long)fit->max_per_cycle);
    } else {
        fprintf(out, "submission  arrivals: %lld bursts, not periodic", (long long)fit->bursts);
        if (fit->bursts >= 4)
            fprintf(out, " (%.1f %% of the gaps a multiple of one cycle)",
                    100 * fit->periodic_share);
        fprintf(out, "; a Poisson rate per CE\n");
    }
    fprintf(out, "run times   from done pilots (whole runs), pilots still running (censored) "
            "and\n            failures while running (stopped at a uniform point of the "
            "run),\n            weighted by the success rate: the simulator's model\n");
    for (i = 0; i < fit->nces; i++) {
        const struct fit_ce *ce = &fit->ces[i];
        const struct fit_est *r = rate_est(ce);
        if (!ce->selected)
            continue;
        fprintf(out, "\nCE %s%s%s%s: capacity %lld%s, %lld submitted in the window\n",
                ce->ce.name, *ce->ce.site ? " (site " : "", ce->ce.site,
                *ce->ce.site ? ")" : "", (long long)ce->ce.capacity,
                ce->ce.enabled ? "" : ", disabled", (long long)ce->submitted);
        fprintf(out, "  %-13s %.4f  [%.4f, %.4f]  %lld of %lld ended done  %s\n",
                "success_rate", r->rate, r->rate_lo, r->rate_hi, (long long)r->done,
                (long long)r->ended, source_text(ce->rate_from));
        if (ce->rate_from)
            fprintf(out, "  %-13s only %lld ended pilots of its own\n", "",
                    (long long)ce->e.ended);
        text_time(out, "queue_time", queue_est(ce), queue_sample(ce), 0, ce->queue_from);
        text_time(out, "run_time", run_est(ce), run_sample(ce), 1, ce->run_from);
        if (ce->max_waiting >= 0)
            fprintf(out, "  %-13s %lld (reached after %lld bursts that left slots free)\n",
                    "max_waiting", (long long)ce->max_waiting, (long long)ce->cap_hits);
        if (!fit->director)
            fprintf(out, "  %-13s %.4g an hour while open (%.1f %% of the window), %.4g an "
                    "hour in all%s\n", "arrival_rate", ce->arrival_rate, 100 * ce->open_share,
                    ce->accepted_rate, ce->saturated ? " (never open: a floor)" : "");
    }
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* ---- JSON ------------------------------------------------------------------------------ */

static json_t *json_time_fit(const struct fit_est *e, const struct fit_sample *s, int run,
                             const struct fit_pool *from)
{
    const struct sim_time_fit *tf = run ? &e->run : &e->queue;
    json_t *o = json_object(), *ll = json_object(), *params = json_array();
    int n;

    if (!o || !ll || !params) {
        json_decref(o);
        json_decref(ll);
        json_decref(params);
        return NULL;
    }
    json_object_set_new(o, "source", from ? json_string(from->site ? "site" : "all")
                                         : json_string("own"));
    if (from && from->site)
        json_object_set_new(o, "site", json_string(from->site));
    if (!(run ? e->run_ok : e->queue_ok)) {
        json_decref(ll);
        json_decref(params);
        json_object_set_new(o, "family", json_null());
        json_object_set_new(o, "why", json_string(run ? e->run_why : e->queue_why));
        return o;
    }
    n = tf->chosen == SIM_FAM_LOGNORMAL || tf->chosen == SIM_FAM_UNIFORM ? 2 : 1;
    for (int k = 0; k < n; k++)
        json_array_append_new(params, json_real(tf->fam[tf->chosen].p[k] / 1e3));
    json_object_set_new(o, "family", json_string(sim_family_name(tf->chosen)));
    json_object_set_new(o, "params_s", params);
    json_object_set_new(o, "mean_s", json_real(tf->mean / 1e3));
    json_object_set_new(o, "ks", json_real(tf->ks));
    json_object_set_new(o, "exact", json_integer((json_int_t)tf->n_exact));
    json_object_set_new(o, "censored", json_integer((json_int_t)tf->n_censored));
    if (run)
        json_object_set_new(o, "stopped", json_integer((json_int_t)tf->n_stopped));
    json_object_set_new(o, "left_out", json_integer(run ? s->run_left_out : s->queue_left_out));
    json_object_set_new(o, "observed_share",
                        json_real((run ? s->nrun : s->nqueue) == 0 ? 0.0
                                  : (double)(run ? s->run_observed : s->queue_observed) /
                                        (double)(run ? s->nrun : s->nqueue)));
    for (int f = 0; f < SIM_NFAMILIES; f++)
        json_object_set_new(ll, sim_family_name((enum sim_family)f),
                            tf->fam[f].usable && isfinite(tf->fam[f].loglik)
                                ? json_real(tf->fam[f].loglik) : json_null());
    json_object_set_new(o, "loglik", ll);
    return o;
}

json_t *sim_fit_json(const sim_fit *fit)
{
    json_t *root = json_object(), *ces = json_array(), *sub = json_object();
    size_t i;

    if (!root || !ces || !sub) {
        json_decref(root);
        json_decref(ces);
        json_decref(sub);
        return NULL;
    }
    json_object_set_new(root, "clock", json_string(pilotdb_clock_kind_name(fit->clock)));
    /* the output convention: seconds on the database's clock, and on a wall
     * clock the ISO 8601 UTC text */
    json_object_set_new(root, "since_s", fit->since % 1000 == 0
                                             ? json_integer(fit->since / 1000)
                                             : json_real((double)fit->since / 1e3));
    json_object_set_new(root, "until_s", fit->until % 1000 == 0
                                             ? json_integer(fit->until / 1000)
                                             : json_real((double)fit->until / 1e3));
    if (fit->clock != PILOTDB_CLOCK_SIM) {
        char at[PILOTDB_TIME_UTC_MAX];
        json_object_set_new(root, "since_at", json_string(pilotdb_time_utc(fit->since, at)));
        json_object_set_new(root, "until_at", json_string(pilotdb_time_utc(fit->until, at)));
    }
    json_object_set_new(root, "ended", json_integer(fit->ended));
    json_object_set_new(root, "failed", json_integer(fit->failed));
    json_object_set_new(root, "fail_before_start",
                        fit->failed > 0 ? json_real(fit->fail_before_start) : json_null());
    json_object_set_new(sub, "policy", json_string(fit->director ? "director" : "arrivals"));
    json_object_set_new(sub, "bursts", json_integer(fit->bursts));
    json_object_set_new(sub, "periodic_share", json_real(fit->periodic_share));
    if (fit->director) {
        json_object_set_new(sub, "cycle_s", json_real((double)fit->cycle / 1e3));
        json_object_set_new(sub, "max_per_cycle", json_integer(fit->max_per_cycle));
    }
    json_object_set_new(root, "submission", sub);
    for (i = 0; i < fit->nces; i++) {
        const struct fit_ce *ce = &fit->ces[i];
        const struct fit_est *r = rate_est(ce);
        json_t *o, *sr;
        if (!ce->selected)
            continue;
        o = json_object();
        sr = json_object();
        if (!o || !sr) {
            json_decref(o);
            json_decref(sr);
            json_decref(root);
            json_decref(ces);
            return NULL;
        }
        json_object_set_new(o, "name", json_string(ce->ce.name));
        json_object_set_new(o, "site", *ce->ce.site ? json_string(ce->ce.site) : json_null());
        json_object_set_new(o, "capacity", json_integer(ce->ce.capacity));
        json_object_set_new(o, "enabled", json_boolean(ce->ce.enabled));
        json_object_set_new(o, "submitted", json_integer(ce->submitted));
        json_object_set_new(o, "ended_own", json_integer(ce->e.ended));
        json_object_set_new(sr, "value", json_real(r->rate));
        json_object_set_new(sr, "low", json_real(r->rate_lo));
        json_object_set_new(sr, "high", json_real(r->rate_hi));
        json_object_set_new(sr, "done", json_integer(r->done));
        json_object_set_new(sr, "ended", json_integer(r->ended));
        json_object_set_new(sr, "source", json_string(!ce->rate_from ? "own"
                                                      : ce->rate_from->site ? "site" : "all"));
        json_object_set_new(o, "success_rate", sr);
        json_object_set_new(o, "queue_time", json_time_fit(queue_est(ce), queue_sample(ce), 0,
                                                           ce->queue_from));
        json_object_set_new(o, "run_time", json_time_fit(run_est(ce), run_sample(ce), 1,
                                                         ce->run_from));
        json_object_set_new(o, "max_waiting",
                            ce->max_waiting >= 0 ? json_integer(ce->max_waiting) : json_null());
        if (!fit->director) {
            json_object_set_new(o, "arrival_rate", json_real(ce->arrival_rate));
            json_object_set_new(o, "accepted_rate", json_real(ce->accepted_rate));
            json_object_set_new(o, "open_share", json_real(ce->open_share));
            json_object_set_new(o, "saturated", json_boolean(ce->saturated));
        }
        json_array_append_new(ces, o);
    }
    json_object_set_new(root, "ces", ces);
    json_object_set_new(root, "scenario",
                        fit->scenario ? json_string(fit->scenario) : json_null());
    if (!fit->scenario)
        json_object_set_new(root, "scenario_error", json_string(fit->scenario_why));
    return root;
}

sim_rc sim_fit_scenario_new(const sim_fit *fit, int carry, sim_scenario **out, char *errbuf,
                            size_t errbuf_size)
{
    sim_scenario *scn = NULL;
    size_t *index, i, k;
    sim_rc rc;

    *out = NULL;
    if (!fit->scenario)
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "%s", fit->scenario_why);
    rc = sim_scenario_parse(fit->scenario, fit->name, &scn, errbuf, errbuf_size);
    if (rc != SIM_OK)
        return rc;
    if (carry && fit->nactive > 0) {
        /* fit->ces index -> the scenario's CE index (the selected ones, in order) */
        index = calloc(fit->nces + 1, sizeof *index);
        scn->start = malloc(fit->nactive * sizeof *scn->start);
        if (!index || !scn->start) {
            free(index);
            sim_scenario_free(scn);
            return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
        }
        for (i = 0, k = 0; i < fit->nces; i++)
            if (fit->ces[i].selected)
                index[i] = k++;
        for (i = 0; i < fit->nactive; i++) {
            scn->start[i] = fit->active[i];
            scn->start[i].ce = index[fit->active[i].ce];
        }
        scn->nstart = fit->nactive;
        free(index);
    }
    *out = scn;
    return SIM_OK;
}

size_t sim_fit_active(const sim_fit *fit, size_t *unknown_age)
{
    if (unknown_age)
        *unknown_age = (size_t)fit->active_unknown_age;
    return fit->nactive;
}
