/*
 * study.c - what-if studies and sweeps: configurations run over the same
 * seeded replications, their values, and the intervals and paired
 * differences computed from them (see pilotsim.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "study_internal.h"

size_t sim_study_task_count(const sim_study *st)
{
    return st->nconfigs * st->nrep;
}

double *sim__study_task_values(const sim_study *st, size_t task)
{
    return &st->values[task * st->nunits * SIM_NMETRICS];
}

sim_rc sim__study_alloc_values(sim_study *st)
{
    size_t ntasks = sim_study_task_count(st);

    free(st->values);
    free(st->have);
    st->values = NULL;
    st->have = NULL;
    if (st->nunits && ntasks > SIZE_MAX / sizeof(double) / SIM_NMETRICS / st->nunits)
        return SIM_ENOMEM;
    st->values = calloc(ntasks * st->nunits * SIM_NMETRICS + 1, sizeof(double));
    st->have = calloc(ntasks + 1, 1);
    return st->values && st->have ? SIM_OK : SIM_ENOMEM;
}

void sim_study_init(sim_study *st, sim_study_kind kind)
{
    memset(st, 0, sizeof *st);
    st->kind = kind;
}

/* Set the texts of an empty study; "" for NULL. */
static sim_rc describe(sim_study *st, const char *base, const char *variant,
                       const char *key, const char *range, const char *x_unit)
{
    if (sim__strdup(base, &st->base) != SIM_OK ||
        sim__strdup(variant, &st->variant) != SIM_OK ||
        sim__strdup(key, &st->key) != SIM_OK ||
        sim__strdup(range, &st->range) != SIM_OK ||
        sim__strdup(x_unit, &st->x_unit) != SIM_OK)
        return SIM_ENOMEM;
    return SIM_OK;
}

sim_rc sim__study_alloc_configs(sim_study *st, size_t n)
{
    st->labels = calloc(n + 1, sizeof *st->labels);
    st->x = calloc(n + 1, sizeof *st->x);
    st->warmup_ms = calloc(n + 1, sizeof *st->warmup_ms);
    st->duration_ms = calloc(n + 1, sizeof *st->duration_ms);
    st->scns = calloc(n + 1, sizeof *st->scns);
    st->room = n;
    return st->labels && st->x && st->warmup_ms && st->duration_ms && st->scns
               ? SIM_OK : SIM_ENOMEM;
}

/* Fill the next configuration, taking scn over (freed on error). */
static sim_rc add_config(sim_study *st, const char *label, double x, sim_scenario *scn)
{
    size_t c = st->nconfigs;

    if (c >= st->room || sim__strdup(label, &st->labels[c]) != SIM_OK) {
        sim_scenario_free(scn);
        return SIM_ENOMEM;
    }
    st->x[c] = x;
    st->warmup_ms[c] = sim_scenario_warmup(scn);
    st->duration_ms[c] = sim_scenario_duration(scn);
    st->scns[c] = scn;
    st->nconfigs = c + 1;
    return SIM_OK;
}

sim_rc sim_study_whatif(sim_study *st, const char *base, const char *variant,
                        sim_scenario *baseline, sim_scenario *variant_scn,
                        char *errbuf, size_t errbuf_size)
{
    sim_rc rc = SIM_OK;

    if (st->kind != SIM_STUDY_WHATIF || st->nconfigs || st->base || !baseline ||
        !variant_scn) {
        sim_scenario_free(baseline);
        sim_scenario_free(variant_scn);
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size,
                         "a what-if needs an empty what-if study and two scenarios");
    }
    if (describe(st, base, variant, NULL, NULL, NULL) != SIM_OK ||
        sim__study_alloc_configs(st, 2) != SIM_OK) {
        sim_scenario_free(baseline);
        sim_scenario_free(variant_scn);
        rc = SIM_ENOMEM;
    } else if (add_config(st, "baseline", 0, baseline) != SIM_OK) {
        sim_scenario_free(variant_scn);
        rc = SIM_ENOMEM;
    } else {
        rc = add_config(st, "variant", 0, variant_scn);
    }
    return rc == SIM_OK ? SIM_OK : sim__fail(rc, errbuf, errbuf_size, "out of memory");
}

sim_rc sim_study_sweep(sim_study *st, const char *base, const char *key,
                       const char *range, const char *x_unit, size_t npoints,
                       char *errbuf, size_t errbuf_size)
{
    if (st->kind != SIM_STUDY_SWEEP || st->base || npoints < 1 ||
        npoints > SIM_STUDY_MAX_CONFIGS)
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "a sweep has from 1 to %d "
                         "points", SIM_STUDY_MAX_CONFIGS);
    if (describe(st, base, NULL, key, range, x_unit) != SIM_OK ||
        sim__study_alloc_configs(st, npoints) != SIM_OK)
        return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    return SIM_OK;
}

sim_rc sim_study_add_point(sim_study *st, const char *label, double x, sim_scenario *scn,
                           char *errbuf, size_t errbuf_size)
{
    if (st->units) {
        sim_scenario_free(scn);
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "the points of a sweep are "
                         "added before it runs");
    }
    if (st->kind != SIM_STUDY_SWEEP || !scn || st->nconfigs >= st->room) {
        sim_scenario_free(scn);
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "%zu points were announced; "
                         "each has a scenario", st->room);
    }
    if (add_config(st, label, x, scn) != SIM_OK)
        return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    return SIM_OK;
}

sim_rc sim_study_set_replications(sim_study *st, size_t nrep, uint64_t first_seed,
                                  char *errbuf, size_t errbuf_size)
{
    if (st->units)
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "the replications of a study "
                         "are set before it runs");
    if (nrep < 2 || nrep > SIM_STUDY_MAX_REPLICATIONS)
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "replications is not from 2 "
                         "to %d", SIM_STUDY_MAX_REPLICATIONS);
    if (first_seed > (uint64_t)SIM_SEED_MAX - (uint64_t)(nrep - 1))
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "seeds %llu to %llu + %zu go "
                         "beyond 2^63-1", (unsigned long long)first_seed,
                         (unsigned long long)first_seed, nrep - 1);
    st->nrep = nrep;
    st->first_seed = first_seed;
    return SIM_OK;
}

/* ---- units: the CEs of every configuration, then the total --------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Set the units from the scenarios (the union of their CE names, sorted,
 * then "total") and allocate the values. */
static void free_strings(char **items, size_t n)
{
    size_t i;

    for (i = 0; items && i < n; i++)
        free(items[i]);
    free(items);
}

/* Back to before prepare(): a study whose run failed has no values. */
static void forget_values(sim_study *st)
{
    free_strings(st->units, st->nunits);
    free(st->values);
    free(st->have);
    st->units = NULL;
    st->nunits = 0;
    st->values = NULL;
    st->have = NULL;
}

static sim_rc prepare(sim_study *st)
{
    size_t c, i, n = 0, total = 0;
    char **names;
    sim_rc rc = SIM_ENOMEM;

    for (c = 0; c < st->nconfigs; c++)
        total += sim_scenario_ce_count(st->scns[c]);
    names = calloc(total + 1, sizeof *names);
    st->units = calloc(total + 1, sizeof *st->units);
    if (!names || !st->units)
        goto out;
    for (c = 0; c < st->nconfigs; c++)
        for (i = 0; i < sim_scenario_ce_count(st->scns[c]); i++)
            names[n++] = (char *)sim_scenario_ce_name(st->scns[c], i);
    qsort(names, n, sizeof *names, cmp_str);
    for (i = 0; i < n; i++)
        if ((i == 0 || strcmp(names[i], names[i - 1]) != 0) &&
            sim__strdup(names[i], &st->units[st->nunits++]) != SIM_OK)
            goto out;
    if (sim__strdup("total", &st->units[st->nunits++]) != SIM_OK)
        goto out;
    rc = sim__study_alloc_values(st);
out:
    free(names);
    return rc;
}

/* The CE unit called name (the CEs are units 0 .. nunits - 2, sorted; the
 * last unit is the total, whatever a CE is called), nunits if none. */
static size_t unit_index(const sim_study *st, const char *name)
{
    size_t lo = 0, hi = st->nunits - 1;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(st->units[mid], name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < st->nunits - 1 && strcmp(st->units[lo], name) == 0 ? lo : st->nunits;
}

const char *sim_study_unit_name(const sim_study *st, size_t unit)
{
    if (unit >= st->nunits)
        return NULL;
    if (unit + 1 == st->nunits && unit_index(st, "total") < st->nunits)
        return "(all CEs)";
    return st->units[unit];
}

/* ---- running ----------------------------------------------------------------------- */

/* Store what task t measured: the last unit of a result is its total, the
 * others its CEs. */
static void store(sim_study *st, size_t t, const sim_rep_result *result)
{
    double *dest = sim__study_task_values(st, t);
    size_t u;

    for (u = 0; u < result->nunits; u++) {
        size_t to = u + 1 == result->nunits ? st->nunits - 1
                                            : unit_index(st, result->names[u]);
        if (to < st->nunits)
            memcpy(&dest[to * SIM_NMETRICS], &result->values[u * SIM_NMETRICS],
                   SIM_NMETRICS * sizeof(double));
    }
    st->have[t] = 1;
}

sim_rc sim_study_run(sim_study *st, size_t shard_k, size_t shard_n, unsigned jobs,
                     sim_rep_progress_fn progress, void *progress_arg, char *errbuf,
                     size_t errbuf_size)
{
    size_t ntasks = 0, t, i, count = sim_study_task_count(st);
    sim_rep_task *tasks = NULL;
    size_t *index = NULL;
    sim_rep_result *results = NULL;
    char err[1100];
    sim_rc rc;

    if (!st->nconfigs || !st->scns || st->nrep < 2 || st->units || shard_n < 1 ||
        shard_k < 1 || shard_k > shard_n || shard_n > SIM_SHARD_MAX)
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "a study runs once, with its "
                         "scenarios and replications set, as shard K/N with 1 <= K <= N "
                         "<= %d", SIM_SHARD_MAX);
    rc = prepare(st);
    if (rc == SIM_OK) {
        tasks = calloc(count + 1, sizeof *tasks);
        index = calloc(count + 1, sizeof *index);
        results = calloc(count / shard_n + 1, sizeof *results);
        if (!tasks || !index || !results)
            rc = SIM_ENOMEM;
    }
    if (rc != SIM_OK) {
        rc = sim__fail(rc, errbuf, errbuf_size, "out of memory");
        goto out;
    }
    for (t = 0; t < count; t++) {
        if (t % shard_n != shard_k - 1)
            continue;
        tasks[ntasks].scn = st->scns[t / st->nrep];
        tasks[ntasks].seed = st->first_seed + t % st->nrep;
        index[ntasks++] = t;
    }
    rc = sim_replicate_store(tasks, ntasks, jobs, st->store, progress, progress_arg,
                             st->cancel, results, err, sizeof err);
    if (rc != SIM_OK) {
        size_t bad = 0;
        /* the message names the task in this list; say which configuration */
        if (rc != SIM_ECANCELED && sscanf(err, "replication %zu", &bad) == 1 &&
            bad < ntasks)
            sim__fail(rc, errbuf, errbuf_size, "%s (%s)", err,
                      st->labels[index[bad] / st->nrep]);
        else
            sim__fail(rc, errbuf, errbuf_size, "%s", err);
        goto out;
    }
    for (i = 0; i < ntasks; i++) {
        store(st, index[i], &results[i]);
        sim_rep_result_free(&results[i]);
    }
out:
    if (rc != SIM_OK)
        forget_values(st);
    free(results);
    free(tasks);
    free(index);
    return rc;
}

/* ---- intervals ------------------------------------------------------------------------ */

double sim_study_value(const sim_study *st, size_t config, size_t rep, size_t unit,
                       int metric)
{
    if (!st->values || config >= st->nconfigs || rep >= st->nrep || unit >= st->nunits ||
        metric < 0 || metric >= SIM_NMETRICS)
        return 0;
    return sim__study_task_values(st, config * st->nrep + rep)[unit * SIM_NMETRICS +
                                                               (size_t)metric];
}

/* The values of a unit's metric over the replications of a configuration,
 * in a malloc()ed array (NULL when out of memory). */
static double *series(const sim_study *st, size_t config, size_t unit, int metric)
{
    double *out = malloc(st->nrep * sizeof *out);
    size_t r;

    for (r = 0; out && r < st->nrep; r++)
        out[r] = sim_study_value(st, config, r, unit, metric);
    return out;
}

static int in_range(const sim_study *st, size_t config, size_t unit, int metric)
{
    return st->values && config < st->nconfigs && unit < st->nunits && metric >= 0 &&
           metric < SIM_NMETRICS;
}

sim_rc sim_study_interval(const sim_study *st, size_t config, size_t unit, int metric,
                          sim_interval *out)
{
    double *x;
    sim_rc rc;

    memset(out, 0, sizeof *out);
    if (!in_range(st, config, unit, metric))
        return SIM_EINVAL;
    if (!(x = series(st, config, unit, metric)))
        return SIM_ENOMEM;
    rc = sim_interval_mean(x, st->nrep, SIM_STUDY_LEVEL, out);
    free(x);
    return rc;
}

sim_rc sim_study_compare(const sim_study *st, size_t unit, int metric,
                         sim_study_comparison *out)
{
    double *a = NULL, *b = NULL;
    sim_rc rc = SIM_ENOMEM;

    memset(out, 0, sizeof *out);
    if (st->kind != SIM_STUDY_WHATIF || !in_range(st, 1, unit, metric))
        return SIM_EINVAL;
    a = series(st, 0, unit, metric);
    b = series(st, 1, unit, metric);
    if (a && b) {
        rc = sim_interval_mean(a, st->nrep, SIM_STUDY_LEVEL, &out->base);
        if (rc == SIM_OK)
            rc = sim_interval_mean(b, st->nrep, SIM_STUDY_LEVEL, &out->variant);
        if (rc == SIM_OK)
            rc = sim_interval_paired(a, b, st->nrep, SIM_STUDY_LEVEL, &out->diff);
    }
    free(a);
    free(b);
    if (rc != SIM_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

static int same(const int64_t *v, size_t n)
{
    size_t c;

    for (c = 1; c < n; c++)
        if (v[c] != v[0])
            return 0;
    return 1;
}

int sim_study_same_warmup(const sim_study *st)
{
    return same(st->warmup_ms, st->nconfigs);
}

int sim_study_same_duration(const sim_study *st)
{
    return same(st->duration_ms, st->nconfigs);
}

int sim_study_comparable(const sim_study *st, int metric)
{
    if (metric == SIM_METRIC_THROUGHPUT || metric == SIM_METRIC_UTILIZATION)
        return 1;
    if (metric == SIM_METRIC_PEAK_ACTIVE)
        return sim_study_same_duration(st);
    return sim_study_same_duration(st) && sim_study_same_warmup(st);
}

double sim_study_t_value(const sim_study *st)
{
    double t = 0;

    sim_t_quantile(1.0 - (1.0 - SIM_STUDY_LEVEL) / 2.0, (double)(st->nrep - 1), &t);
    return t;
}

void sim_study_free(sim_study *st)
{
    size_t c;

    if (!st)
        return;
    free(st->base);
    free(st->variant);
    free(st->key);
    free(st->range);
    free(st->x_unit);
    free_strings(st->labels, st->nconfigs);
    free(st->x);
    free(st->warmup_ms);
    free(st->duration_ms);
    for (c = 0; st->scns && c < st->nconfigs; c++)
        sim_scenario_free(st->scns[c]);
    free(st->scns);
    free_strings(st->units, st->nunits);
    free(st->values);
    free(st->have);
    memset(st, 0, sizeof *st);
}
