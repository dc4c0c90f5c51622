/*
 * study.c - running, sharding, merging and reporting what-if studies (see
 * study.h): the part of `pilotdeck whatif`, `sweep` and `merge` that does
 * not depend on the command line.
 *
 * Reports are computed from the study's values in a fixed order, so the
 * same values give the same bytes, whatever the number of threads or shards
 * that produced them.  Shard files carry the values as JSON reals with 17
 * significant digits, which read back to the same doubles.
 */
#include "study.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

#define LEVEL 0.95
#define SHARD_FORMAT 2 /* 2: warm-up and duration per configuration */
#define CHART_WIDTH 50

/* ---- small helpers ----------------------------------------------------------- */

/* Building JSON: a value that could not be made (out of memory, or text
 * that is not UTF-8, which the commands refuse up front) ends the command
 * with a message rather than a shard or report with a field left out. */
static void json_failed(const char *what)
{
    cli_error("cannot build the JSON output (%s): out of memory or text that is not "
              "UTF-8", what);
    exit(CLI_FAILED);
}

static void jput(json_t *object, const char *key, json_t *value)
{
    if (!value || json_object_set_new(object, key, value) != 0)
        json_failed(key);
}

static void jappend(json_t *array, json_t *value)
{
    if (!value || json_array_append_new(array, value) != 0)
        json_failed("an array item");
}

int study_check_path(const char *cmd, const char *path)
{
    json_t *s = json_string(path);
    const unsigned char *p;

    if (s) {
        json_decref(s);
        return CLI_OK;
    }
    fprintf(stderr, "pilotdeck: %s: the file name '", cmd);
    for (p = (const unsigned char *)path; *p; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '\\')
            fprintf(stderr, "\\x%02x", *p);
        else
            fputc(*p, stderr);
    }
    fputs("' is not UTF-8 (reports and shards are UTF-8 text): rename or link it\n",
          stderr);
    return CLI_USAGE;
}

static unsigned study_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

/* Parse "K/N" with 1 <= K <= N <= 100000; 0, or -1 (and zeros). */
static int parse_shard(const char *text, size_t *k, size_t *n)
{
    char *end;
    unsigned long long kk, nn;

    *k = *n = 0;
    if (!text || text[0] < '0' || text[0] > '9')
        goto bad;
    errno = 0;
    kk = strtoull(text, &end, 10);
    if (*end != '/' || end[1] < '0' || end[1] > '9' || errno)
        goto bad;
    nn = strtoull(end + 1, &end, 10);
    if (*end != '\0' || errno || nn < 1 || nn > 100000 || kk < 1 || kk > nn)
        goto bad;
    *k = (size_t)kk;
    *n = (size_t)nn;
    return 0;
bad:
    return -1;
}

static int study_parse_shard(const char *text, size_t *k, size_t *n)
{
    if (parse_shard(text, k, n) == 0)
        return 0;
    cli_error("--shard '%s' is not K/N with 1 <= K <= N <= 100000 (e.g. --shard 2/8)",
              text ? text : "");
    return -1;
}

void study_options_init(struct study_options *o)
{
    memset(o, 0, sizeof *o);
    o->nrep = 10;
    o->seed = -1;
    o->jobs = study_default_jobs();
    o->shard_k = o->shard_n = 1;
    o->out.metric = SIM_METRIC_THROUGHPUT;
}

int study_option(const char *cmd, int c, const char *arg, struct study_options *o)
{
    char what[64];

    switch (c) {
    case STUDY_OPT_REPLICATIONS:
        snprintf(what, sizeof what, "%s: --replications", cmd);
        if (cli_parse_int(what, arg, 2, 1000000, &o->nrep) != 0) {
            fprintf(stderr, "pilotdeck: %s: confidence intervals need at least 2 "
                    "replications\n", cmd);
            return -1;
        }
        return 1;
    case STUDY_OPT_SEED:
        snprintf(what, sizeof what, "%s: --seed", cmd);
        return cli_parse_int(what, arg, 0, SIM_SEED_MAX, &o->seed) == 0 ? 1 : -1;
    case STUDY_OPT_JOBS:
        snprintf(what, sizeof what, "%s: --jobs", cmd);
        return cli_parse_int(what, arg, 1, 256, &o->jobs) == 0 ? 1 : -1;
    case STUDY_OPT_SHARD:
        o->sharded = 1;
        return study_parse_shard(arg, &o->shard_k, &o->shard_n) == 0 ? 1 : -1;
    case STUDY_OPT_JSON:
        o->out.json = 1;
        return 1;
    case STUDY_OPT_CSV:
        o->out.csv_path = arg;
        return 1;
    case STUDY_OPT_PLOT:
        o->out.plot_path = arg;
        return 1;
    case STUDY_OPT_METRIC:
        o->out.metric = sim_metric_find(arg);
        if (o->out.metric < 0) {
            cli_error("%s: --metric '%s' is unknown (throughput_per_hour, done, failed, "
                      "utilization, refused or peak_active)", cmd, arg);
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}

int study_check_options(const char *cmd, const struct study_options *o,
                        uint64_t first_seed)
{
    if (o->sharded && (o->out.json || o->out.csv_path || o->out.plot_path)) {
        cli_error("%s: --shard writes JSON lines for 'pilotdeck merge'; give --json, "
                  "--csv and --plot to merge instead", cmd);
        return CLI_USAGE;
    }
    if (first_seed > (uint64_t)SIM_SEED_MAX - (uint64_t)(o->nrep - 1)) {
        cli_error("%s: seeds %llu to %llu + %lld go beyond 2^63-1", cmd,
                  (unsigned long long)first_seed, (unsigned long long)first_seed,
                  (long long)(o->nrep - 1));
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* Set the units from the loaded scenarios (union of CE names) and allocate
 * the values; the CLI dies on out of memory. */
static void study_prepare(struct study *st);
/* Run the tasks of shard k of n (n = 1: all) on jobs threads. CLI_OK, or
 * CLI_FAILED after a message. */
static int study_run(struct study *st, size_t shard_k, size_t shard_n, unsigned jobs);
/* Write the shard's description and its tasks as JSON lines to out. */
static int study_write_shard(const struct study *st, size_t shard_k, size_t shard_n,
                             FILE *out);

int study_finish(struct study *st, const struct study_options *o)
{
    int status = o->sharded ? CLI_OK : study_check_output(&o->out);

    if (status == CLI_OK) {
        study_prepare(st);
        status = study_run(st, o->shard_k, o->shard_n, (unsigned)o->jobs);
    }
    if (status == CLI_OK)
        status = o->sharded ? study_write_shard(st, o->shard_k, o->shard_n, stdout)
                                : study_report(st, &o->out);
    study_free(st);
    return status;
}

static size_t task_count(const struct study *st)
{
    return st->nconfigs * st->nrep;
}

static double *task_values(const struct study *st, size_t task)
{
    return &st->values[task * st->nunits * SIM_NMETRICS];
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void study_prepare(struct study *st)
{
    size_t c, i, n = 0, total = 0;
    char **names;

    for (c = 0; c < st->nconfigs; c++)
        total += sim_scenario_ce_count(st->scns[c]);
    names = cli_xcalloc(total + 1, sizeof *names);
    for (c = 0; c < st->nconfigs; c++)
        for (i = 0; i < sim_scenario_ce_count(st->scns[c]); i++)
            names[n++] = (char *)sim_scenario_ce_name(st->scns[c], i);
    qsort(names, n, sizeof *names, cmp_str);
    st->units = cli_xcalloc(n + 1, sizeof *st->units);
    st->nunits = 0;
    for (i = 0; i < n; i++)
        if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
            st->units[st->nunits++] = cli_xstrdup(names[i]);
    st->units[st->nunits++] = cli_xstrdup("total");
    free(names);
    st->values = cli_xcalloc(task_count(st) * st->nunits * SIM_NMETRICS, sizeof(double));
    st->have = cli_xcalloc(task_count(st), 1);
}

/* The CE unit called name (the CEs are units 0 .. nunits - 2, sorted; the
 * last unit is the total, whatever a CE is called), nunits if none. */
static size_t unit_index(const struct study *st, const char *name)
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

/* The name a unit is reported under: the total is "total", or "(all CEs)"
 * when a CE is called "total". */
static const char *unit_name(const struct study *st, size_t unit)
{
    if (unit + 1 == st->nunits && unit_index(st, "total") < st->nunits)
        return "(all CEs)";
    return st->units[unit];
}

/* ---- running ------------------------------------------------------------------- */

struct progress {
    struct timespec start;
    int shown;
};

static void show_progress(void *arg, size_t finished, size_t total)
{
    struct progress *pg = arg;
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - pg->start.tv_sec < 1 && finished < total)
        return;
    pg->shown = 1;
    fprintf(stderr, "\rreplications: %zu of %zu", finished, total);
    fflush(stderr);
}

static int study_run(struct study *st, size_t shard_k, size_t shard_n, unsigned jobs)
{
    size_t ntasks = 0, t, i, u;
    sim_rep_task *tasks = cli_xcalloc(task_count(st), sizeof *tasks);
    size_t *index = cli_xcalloc(task_count(st), sizeof *index);
    sim_rep_result *results;
    struct progress pg = {0};
    char err[1100];
    sim_rc rc;

    for (t = 0; t < task_count(st); t++) {
        if (t % shard_n != shard_k - 1)
            continue;
        tasks[ntasks].scn = st->scns[t / st->nrep];
        tasks[ntasks].seed = st->first_seed + t % st->nrep;
        index[ntasks++] = t;
    }
    results = cli_xcalloc(ntasks, sizeof *results);
    clock_gettime(CLOCK_MONOTONIC, &pg.start);
    rc = sim_replicate(tasks, ntasks, jobs, isatty(STDERR_FILENO) ? show_progress : NULL,
                       &pg, results, err, sizeof err);
    if (pg.shown)
        fputs("\r\033[K", stderr);
    if (rc != SIM_OK) {
        size_t bad = 0;
        /* the message names the task in this list; say which configuration */
        if (sscanf(err, "replication %zu", &bad) == 1 && bad < ntasks)
            cli_error("%s (%s)", err, st->labels[index[bad] / st->nrep]);
        else
            cli_error("%s", err);
        free(results);
        free(tasks);
        free(index);
        return CLI_FAILED;
    }
    for (i = 0; i < ntasks; i++) {
        double *dest = task_values(st, index[i]);
        for (u = 0; u < results[i].nunits; u++) {
            /* the last unit of a result is its total, the others its CEs */
            size_t to = u + 1 == results[i].nunits ? st->nunits - 1
                                                   : unit_index(st, results[i].names[u]);
            if (to < st->nunits)
                memcpy(&dest[to * SIM_NMETRICS], &results[i].values[u * SIM_NMETRICS],
                       SIM_NMETRICS * sizeof(double));
        }
        st->have[index[i]] = 1;
        sim_rep_result_free(&results[i]);
    }
    free(results);
    free(tasks);
    free(index);
    return CLI_OK;
}

/* ---- shards ------------------------------------------------------------------------ */

static json_t *string_array(char **items, size_t n)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < n; i++)
        jappend(a, json_string(items[i]));
    return a;
}

/* Everything but the values: what every shard of a study repeats. */
static json_t *study_json(const struct study *st)
{
    json_t *o = json_object(), *x = json_array(), *metrics = json_array();
    size_t i;
    int m;

    jput(o, "kind", json_string(st->kind == STUDY_WHATIF ? "whatif" : "sweep"));
    jput(o, "base", json_string(st->base));
    jput(o, "variant", json_string(st->variant ? st->variant : ""));
    jput(o, "key", json_string(st->key ? st->key : ""));
    jput(o, "range", json_string(st->range ? st->range : ""));
    jput(o, "x_unit", json_string(st->x_unit ? st->x_unit : ""));
    jput(o, "labels", string_array(st->labels, st->nconfigs));
    for (i = 0; i < st->nconfigs; i++)
        jappend(x, json_real(st->x ? st->x[i] : 0.0));
    jput(o, "x", x);
    jput(o, "replications", json_integer((json_int_t)st->nrep));
    jput(o, "first_seed", json_integer((json_int_t)st->first_seed));
    {
        json_t *w = json_array(), *d = json_array();
        for (i = 0; i < st->nconfigs; i++) {
            jappend(w, json_integer((json_int_t)st->warmup_ms[i]));
            jappend(d, json_integer((json_int_t)st->duration_ms[i]));
        }
        jput(o, "warmup_ms", w);
        jput(o, "duration_ms", d);
    }
    jput(o, "units", string_array(st->units, st->nunits));
    for (m = 0; m < SIM_NMETRICS; m++)
        jappend(metrics, json_string(sim_metric_name(m)));
    jput(o, "metrics", metrics);
    return o;
}

static int write_line(json_t *value, FILE *out)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_REAL_PRECISION(17));
    int rc = 0;

    json_decref(value);
    if (!text) {
        cli_error("out of memory writing a shard");
        return -1;
    }
    if (fputs(text, out) == EOF || fputc('\n', out) == EOF)
        rc = -1;
    free(text);
    return rc;
}

static int study_write_shard(const struct study *st, size_t shard_k, size_t shard_n, FILE *out)
{
    json_t *head = json_object();
    char shard[64];
    size_t t, u;
    int m;

    snprintf(shard, sizeof shard, "%zu/%zu", shard_k, shard_n);
    jput(head, "pilotdeck_study", json_integer(SHARD_FORMAT));
    jput(head, "shard", json_string(shard));
    jput(head, "study", study_json(st));
    if (write_line(head, out) != 0)
        goto write_error;
    for (t = 0; t < task_count(st); t++) {
        json_t *line, *values;
        if (!st->have[t])
            continue;
        line = json_object();
        values = json_array();
        for (u = 0; u < st->nunits; u++) {
            json_t *unit = json_array();
            for (m = 0; m < SIM_NMETRICS; m++)
                jappend(unit, json_real(task_values(st, t)[u * SIM_NMETRICS + (size_t)m]));
            jappend(values, unit);
        }
        jput(line, "task", json_integer((json_int_t)t));
        jput(line, "seed", json_integer((json_int_t)(st->first_seed + t % st->nrep)));
        jput(line, "values", values);
        if (write_line(line, out) != 0)
            goto write_error;
    }
    if (fflush(out) == EOF)
        goto write_error;
    return CLI_OK;
write_error:
    cli_error("writing the shard: %s", strerror(errno));
    return CLI_FAILED;
}

static char **strings_of(json_t *array, size_t *n)
{
    char **items;
    size_t i;

    *n = json_array_size(array);
    items = cli_xcalloc(*n ? *n : 1, sizeof *items);
    for (i = 0; i < *n; i++) {
        const char *s = json_string_value(json_array_get(array, i));
        items[i] = cli_xstrdup(s ? s : "");
    }
    return items;
}

/* Fill st from the "study" object of a shard's first line; -1 with why set
 * if it is malformed or out of range. */
static int study_from_json(struct study *st, json_t *o, const char **why)
{
    const char *kind = json_string_value(json_object_get(o, "kind"));
    json_t *x = json_object_get(o, "x"), *metrics = json_object_get(o, "metrics");
    json_int_t nrep = json_integer_value(json_object_get(o, "replications"));
    json_int_t seed = json_integer_value(json_object_get(o, "first_seed"));
    size_t i, nlabels;
    int m;

    *why = "the study description is malformed";
    if (!json_is_integer(json_object_get(o, "replications")) || nrep < 2 || nrep > 1000000) {
        *why = "replications is not from 2 to 1000000";
        return -1;
    }
    if (!json_is_integer(json_object_get(o, "first_seed")) || seed < 0 ||
        seed > SIM_SEED_MAX - (nrep - 1)) {
        *why = "first_seed is not from 0 to 2^63-1 - (replications - 1)";
        return -1;
    }
    if (!kind || (strcmp(kind, "whatif") != 0 && strcmp(kind, "sweep") != 0) ||
        !json_is_array(json_object_get(o, "labels")) || !json_is_array(x) ||
        !json_is_array(json_object_get(o, "units")) ||
        json_array_size(metrics) != SIM_NMETRICS)
        return -1;
    for (m = 0; m < SIM_NMETRICS; m++) {
        const char *name = json_string_value(json_array_get(metrics, (size_t)m));
        if (!name || strcmp(name, sim_metric_name(m)) != 0)
            return -1;
    }
    st->kind = kind[0] == 'w' ? STUDY_WHATIF : STUDY_SWEEP;
#define STR(field, key)                                                          \
    do {                                                                         \
        const char *s_ = json_string_value(json_object_get(o, key));             \
        if (!s_)                                                                 \
            return -1;                                                           \
        st->field = cli_xstrdup(s_);                                             \
    } while (0)
    STR(base, "base");
    STR(variant, "variant");
    STR(key, "key");
    STR(range, "range");
    STR(x_unit, "x_unit");
#undef STR
    st->labels = strings_of(json_object_get(o, "labels"), &nlabels);
    st->nconfigs = nlabels;
    st->units = strings_of(json_object_get(o, "units"), &st->nunits);
    if (st->nconfigs < 1 || json_array_size(x) != st->nconfigs || st->nunits < 1 ||
        (st->kind == STUDY_WHATIF && st->nconfigs != 2) || st->nconfigs > 1000 ||
        st->nunits > 1000000)
        return -1;
    st->x = cli_xcalloc(st->nconfigs, sizeof *st->x);
    for (i = 0; i < st->nconfigs; i++) {
        json_t *xi = json_array_get(x, i);
        st->x[i] = json_number_value(xi);
        if (!json_is_number(xi) || !isfinite(st->x[i]))
            return -1;
    }
    st->nrep = (size_t)nrep;
    st->first_seed = (uint64_t)seed;
    st->warmup_ms = cli_xcalloc(st->nconfigs, sizeof *st->warmup_ms);
    st->duration_ms = cli_xcalloc(st->nconfigs, sizeof *st->duration_ms);
    for (i = 0; i < st->nconfigs; i++) {
        json_t *w = json_array_get(json_object_get(o, "warmup_ms"), i);
        json_t *d = json_array_get(json_object_get(o, "duration_ms"), i);
        st->warmup_ms[i] = json_integer_value(w);
        st->duration_ms[i] = json_integer_value(d);
        if (!json_is_integer(w) || !json_is_integer(d) || st->warmup_ms[i] < 0 ||
            st->duration_ms[i] <= st->warmup_ms[i])
            return -1;
    }
    if (json_array_size(json_object_get(o, "warmup_ms")) != st->nconfigs ||
        json_array_size(json_object_get(o, "duration_ms")) != st->nconfigs)
        return -1;
    /* at most 1000 x 1000000 tasks: the count fits, the values may not */
    if (task_count(st) > SIZE_MAX / sizeof(double) / SIM_NMETRICS / st->nunits ||
        !(st->values = calloc(task_count(st) * st->nunits * SIM_NMETRICS, sizeof(double))) ||
        !(st->have = calloc(task_count(st), 1))) {
        *why = "the study is too large for this machine's memory";
        return -1;
    }
    return 0;
}

/* Store one task line of shard k of n; -1 with why set if it does not fit
 * the study. */
static int read_task(struct study *st, json_t *line, size_t shard_k, size_t shard_n,
                     const char **why)
{
    json_t *values = json_object_get(line, "values");
    json_int_t t = json_integer_value(json_object_get(line, "task"));
    size_t u;
    int m;

    *why = "not a task of this study";
    if (!json_is_integer(json_object_get(line, "task")) || t < 0 ||
        (size_t)t >= task_count(st) || json_array_size(values) != st->nunits)
        return -1;
    if ((size_t)t % shard_n != shard_k - 1) {
        *why = "the task does not belong to this shard";
        return -1;
    }
    if (json_integer_value(json_object_get(line, "seed")) !=
        (json_int_t)(st->first_seed + (size_t)t % st->nrep)) {
        *why = "its seed is not the study's";
        return -1;
    }
    if (st->have[t]) {
        *why = "task appears twice";
        return -1;
    }
    for (u = 0; u < st->nunits; u++) {
        json_t *unit = json_array_get(values, u);
        if (json_array_size(unit) != SIM_NMETRICS)
            return -1;
        for (m = 0; m < SIM_NMETRICS; m++) {
            json_t *v = json_array_get(unit, (size_t)m);
            /* every metric is a count, a rate or a fraction: at least 0, and
             * far below where sums over a million replications would overflow */
            if (!json_is_number(v) || !(json_number_value(v) >= 0) ||
                !(json_number_value(v) <= 1e15)) {
                *why = "a value is not a number from 0 to 1e15";
                return -1;
            }
            task_values(st, (size_t)t)[u * SIM_NMETRICS + (size_t)m] = json_number_value(v);
        }
    }
    st->have[t] = 1;
    return 0;
}

int study_read_shards(struct study *st, char **paths, size_t npaths)
{
    json_t *first = NULL;
    size_t f, t, shard_n = 0, shard_k = 0, missing = 0, first_missing = 0;
    char *line = NULL;
    size_t cap = 0;
    int status = CLI_FAILED;

    memset(st, 0, sizeof *st);
    for (f = 0; f < npaths; f++) {
        FILE *in = fopen(paths[f], "r");
        long lineno = 0;
        ssize_t len;
        if (!in) {
            cli_error("merge: %s: %s", paths[f], strerror(errno));
            goto out;
        }
        while ((len = getline(&line, &cap, in)) > 0) {
            json_error_t jerr;
            json_t *value;
            lineno++;
            value = json_loadb(line, (size_t)len, 0, &jerr);
            if (!value || !json_is_object(value)) {
                cli_error("merge: %s:%ld: not a line of a pilotdeck shard (%s)", paths[f],
                          lineno, value ? "not a JSON object" : jerr.text);
                json_decref(value);
                fclose(in);
                goto out;
            }
            if (lineno == 1) {
                const char *shard = json_string_value(json_object_get(value, "shard"));
                const char *why;
                size_t k, n;
                json_t *study = json_object_get(value, "study");
                json_int_t format =
                    json_integer_value(json_object_get(value, "pilotdeck_study"));
                if (format > 0 && format != SHARD_FORMAT) {
                    cli_error("merge: %s:1: shard format %lld, from another version of "
                              "pilotdeck (this one reads format %d): run the shards again",
                              paths[f], (long long)format, SHARD_FORMAT);
                    json_decref(value);
                    fclose(in);
                    goto out;
                }
                if (format != SHARD_FORMAT || !shard || !json_is_object(study)) {
                    cli_error("merge: %s:1: not a pilotdeck shard (written by 'pilotdeck "
                              "whatif|sweep --shard K/N')", paths[f]);
                    json_decref(value);
                    fclose(in);
                    goto out;
                }
                if (!first) {
                    first = json_incref(study);
                    if (study_from_json(st, study, &why) != 0) {
                        cli_error("merge: %s:1: %s", paths[f], why);
                        json_decref(value);
                        fclose(in);
                        goto out;
                    }
                } else if (!json_equal(first, study)) {
                    cli_error("merge: %s is a shard of another study than %s (scenario, "
                              "variant, range, replications or seeds differ)", paths[f],
                              paths[0]);
                    json_decref(value);
                    fclose(in);
                    goto out;
                }
                if (parse_shard(shard, &k, &n) != 0) {
                    cli_error("merge: %s:1: shard '%s' is not K/N with 1 <= K <= N <= "
                              "100000", paths[f], shard);
                    json_decref(value);
                    fclose(in);
                    goto out;
                }
                if (shard_n && n != shard_n) {
                    cli_error("merge: %s:1: shard %s is not one of %zu shards like the "
                              "first file's", paths[f], shard, shard_n);
                    json_decref(value);
                    fclose(in);
                    goto out;
                }
                shard_n = n;
                shard_k = k;
            } else {
                const char *why;
                if (read_task(st, value, shard_k, shard_n, &why) != 0) {
                    cli_error("merge: %s:%ld: %s", paths[f], lineno, why);
                    json_decref(value);
                    fclose(in);
                    goto out;
                }
            }
            json_decref(value);
        }
        fclose(in);
        if (lineno == 0) {
            cli_error("merge: %s is empty (not a pilotdeck shard)", paths[f]);
            goto out;
        }
    }
    for (t = 0; t < task_count(st); t++) {
        if (!st->have[t] && missing++ == 0)
            first_missing = t;
    }
    if (missing) {
        cli_error("merge: %zu of %zu replications are missing (the first: replication %zu "
                  "of '%s'); give every shard 1/%zu to %zu/%zu", missing, task_count(st),
                  first_missing % st->nrep + 1, st->labels[first_missing / st->nrep],
                  shard_n, shard_n, shard_n);
        goto out;
    }
    status = CLI_OK;
out:
    free(line);
    json_decref(first);
    return status;
}

/* ---- reports --------------------------------------------------------------------------- */

static int metric_decimals(int m)
{
    return m == SIM_METRIC_UTILIZATION ? 4 : m == SIM_METRIC_THROUGHPUT ? 2 : 1;
}

/* The values of one unit and metric over the replications of a config. */
static void series(const struct study *st, size_t config, size_t unit, int m, double *out)
{
    size_t r;

    for (r = 0; r < st->nrep; r++)
        out[r] = task_values(st, config * st->nrep + r)[unit * SIM_NMETRICS + (size_t)m];
}

void study_format_duration(int64_t ms, char *buf, size_t size)
{
    static const struct { const char *unit; int64_t ms; } units[] = {
        {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}
    };
    size_t i;

    for (i = 0; i < 4; i++) {
        if (ms > 0 && ms % units[i].ms == 0) {
            snprintf(buf, size, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
            return;
        }
    }
    snprintf(buf, size, "%lldms", (long long)ms);
}

/* A text table: cells[row * ncols + col]; the first left_cols columns are
 * left-aligned, the others right-aligned; row 0 is the header. */
static void print_table(char **cells, size_t nrows, size_t ncols, size_t left_cols)
{
    size_t *width = cli_xcalloc(ncols, sizeof *width), r, c;

    for (r = 0; r < nrows; r++)
        for (c = 0; c < ncols; c++)
            if (strlen(cells[r * ncols + c]) > width[c])
                width[c] = strlen(cells[r * ncols + c]);
    for (r = 0; r < nrows; r++) {
        for (c = 0; c < ncols; c++) {
            const char *cell = cells[r * ncols + c];
            int w = (int)width[c];
            if (c + 1 == ncols && c < left_cols)
                printf("%s", cell);
            else if (c < left_cols)
                printf("%-*s  ", w, cell);
            else
                printf("%*s%s", w, cell, c + 1 < ncols ? "  " : "");
        }
        putchar('\n');
    }
    free(width);
}

static char *cell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *cell(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return cli_xstrdup(buf);
}

static void free_cells(char **cells, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(cells[i]);
    free(cells);
}

static double t_value(size_t nrep)
{
    double t = 0;

    sim_t_quantile(1.0 - (1.0 - LEVEL) / 2.0, (double)(nrep - 1), &t);
    return t;
}

void study_set_windows(struct study *st)
{
    size_t c;

    st->warmup_ms = cli_xcalloc(st->nconfigs, sizeof *st->warmup_ms);
    st->duration_ms = cli_xcalloc(st->nconfigs, sizeof *st->duration_ms);
    for (c = 0; c < st->nconfigs; c++) {
        st->warmup_ms[c] = sim_scenario_warmup(st->scns[c]);
        st->duration_ms[c] = sim_scenario_duration(st->scns[c]);
    }
}

/* Do all configurations share the warm-up (warmup) or the duration? */
static int same_window(const struct study *st, int warmup)
{
    const int64_t *v = warmup ? st->warmup_ms : st->duration_ms;
    size_t c;

    for (c = 1; c < st->nconfigs; c++)
        if (v[c] != v[0])
            return 0;
    return 1;
}

/* Can metric m be compared between configurations?  Rates (throughput,
 * utilization) always; counts after the warm-up only over the same
 * [warm-up, end]; the peak over the whole run only over the same duration. */
static int comparable(const struct study *st, int m)
{
    if (m == SIM_METRIC_THROUGHPUT || m == SIM_METRIC_UTILIZATION)
        return 1;
    if (m == SIM_METRIC_PEAK_ACTIVE)
        return same_window(st, 0);
    return same_window(st, 0) && same_window(st, 1);
}

static void print_preamble(const struct study *st)
{
    char warm[32], dur[32];
    size_t c;

    printf("%zu replications of each, seeds %llu to %llu (common random numbers: "
           "replication i uses the same seed everywhere)\n", st->nrep,
           (unsigned long long)st->first_seed,
           (unsigned long long)(st->first_seed + st->nrep - 1));
    if (!same_window(st, 1) || !same_window(st, 0)) {
        printf("the measured windows differ:");
        for (c = 0; c < st->nconfigs; c++) {
            study_format_duration(st->warmup_ms[c], warm, sizeof warm);
            study_format_duration(st->duration_ms[c], dur, sizeof dur);
            printf("%s %s [%s, %s]", c ? "," : "", st->labels[c],
                   st->warmup_ms[c] > 0 ? warm : "0", dur);
        }
        printf("\n(%s count over different windows: %s)\n",
               same_window(st, 0) ? "done, failed and refused"
                                  : "done, failed, refused and peak_active",
               st->kind == STUDY_WHATIF ? "no difference is given for them"
                                        : "not comparable between the values");
    } else if (st->warmup_ms[0] > 0) {
        study_format_duration(st->warmup_ms[0], warm, sizeof warm);
        printf("warm-up %s discarded; ", warm);
    } else {
        printf("no warm-up; ");
    }
    printf("means with 95%% confidence intervals (Student's t, %zu degree%s of freedom: "
           "t = %.4f)\n\n", st->nrep - 1, st->nrep == 2 ? "" : "s", t_value(st->nrep));
}

/* Are all values of the unit and metric zero in every configuration? */
static int all_zero(const struct study *st, size_t unit, int m)
{
    size_t t;

    for (t = 0; t < task_count(st); t++)
        if (task_values(st, t)[unit * SIM_NMETRICS + (size_t)m] != 0)
            return 0;
    return 1;
}

/* Units in report order: the total first, then the CEs by name. */
static size_t report_unit(const struct study *st, size_t i)
{
    return i == 0 ? st->nunits - 1 : i - 1;
}

struct comparison {
    sim_interval base, variant, diff;
};

static void compare(const struct study *st, size_t unit, int m, struct comparison *c)
{
    double *a = cli_xcalloc(st->nrep, sizeof *a), *b = cli_xcalloc(st->nrep, sizeof *b);

    series(st, 0, unit, m, a);
    series(st, 1, unit, m, b);
    sim_interval_mean(a, st->nrep, LEVEL, &c->base);
    sim_interval_mean(b, st->nrep, LEVEL, &c->variant);
    sim_interval_paired(a, b, st->nrep, LEVEL, &c->diff);
    free(a);
    free(b);
}

static json_t *interval_json(const sim_interval *iv)
{
    json_t *o = json_object();

    jput(o, "mean", json_real(iv->mean));
    jput(o, "sd", json_real(iv->sd));
    jput(o, "low", json_real(iv->low));
    jput(o, "high", json_real(iv->high));
    return o;
}

static int whatif_json(const struct study *st)
{
    json_t *o = json_object(), *rows = json_array();
    size_t i;
    int m;

    jput(o, "baseline", json_string(st->base));
    jput(o, "variant", json_string(st->variant));
    jput(o, "replications", json_integer((json_int_t)st->nrep));
    jput(o, "first_seed", json_integer((json_int_t)st->first_seed));
    jput(o, "warmup_s", json_real((double)st->warmup_ms[0] / 1000.0));
    jput(o, "variant_warmup_s", json_real((double)st->warmup_ms[1] / 1000.0));
    jput(o, "duration_s", json_real((double)st->duration_ms[0] / 1000.0));
    jput(o, "variant_duration_s", json_real((double)st->duration_ms[1] / 1000.0));
    jput(o, "confidence", json_real(LEVEL));
    jput(o, "t", json_real(t_value(st->nrep)));
    for (i = 0; i < st->nunits; i++) {
        size_t u = report_unit(st, i);
        for (m = 0; m < SIM_NMETRICS; m++) {
            struct comparison c;
            json_t *row = json_object();
            compare(st, u, m, &c);
            jput(row, "ce", json_string(unit_name(st, u)));
            jput(row, "metric", json_string(sim_metric_name(m)));
            jput(row, "baseline", interval_json(&c.base));
            jput(row, "variant", interval_json(&c.variant));
            jput(row, "comparable", json_boolean(comparable(st, m)));
            jput(row, "difference", comparable(st, m) ? interval_json(&c.diff) : json_null());
            jput(row, "significant", comparable(st, m) ?
                 json_boolean(sim_interval_significant(&c.diff)) : json_null());
            jappend(rows, row);
        }
    }
    jput(o, "metrics", rows);
    return cli_print_json(o);
}

static int whatif_text(const struct study *st)
{
    size_t ncols = 7, nrows = 1, i;
    char **cells = cli_xcalloc((st->nunits * SIM_NMETRICS + 1) * ncols, sizeof *cells);
    static const char *const head[] = {"CE", "METRIC", "BASELINE", "VARIANT", "DIFFERENCE",
                                       "CHANGE", "SIGNIFICANT"};
    int m;

    printf("What-if: %s\n  variant: %s\n", st->base, st->variant);
    print_preamble(st);
    for (i = 0; i < ncols; i++)
        cells[i] = cli_xstrdup(head[i]);
    for (i = 0; i < st->nunits; i++) {
        size_t u = report_unit(st, i);
        for (m = 0; m < SIM_NMETRICS; m++) {
            struct comparison c;
            int d = metric_decimals(m);
            char **row = &cells[nrows * ncols];
            if (all_zero(st, u, m))
                continue; /* e.g. refusals under the director policy */
            compare(st, u, m, &c);
            row[0] = cli_xstrdup(unit_name(st, u));
            row[1] = cli_xstrdup(sim_metric_name(m));
            row[2] = cell("%.*f +- %.*f", d, c.base.mean, d, c.base.half_width);
            row[3] = cell("%.*f +- %.*f", d, c.variant.mean, d, c.variant.half_width);
            if (!comparable(st, m)) {
                row[4] = cli_xstrdup("-");
                row[5] = cli_xstrdup("-");
                row[6] = cli_xstrdup("n/a: other window");
                nrows++;
                continue;
            }
            row[4] = cell("%+.*f +- %.*f", d, c.diff.mean, d, c.diff.half_width);
            row[5] = c.base.mean != 0 ? cell("%+.1f%%", 100.0 * c.diff.mean / c.base.mean)
                                      : cli_xstrdup("-");
            row[6] = cli_xstrdup(sim_interval_significant(&c.diff) ? "yes" : "no");
            nrows++;
        }
    }
    print_table(cells, nrows, ncols, 2);
    printf("\nDIFFERENCE is variant - baseline, paired by seed; SIGNIFICANT: its 95%% "
           "interval excludes 0.\nRows that are 0 in every replication are left out "
           "(--json has them all).\n");
    free_cells(cells, nrows * ncols);
    return CLI_OK;
}

/* The interval of the total's metric at each point of a sweep. */
static sim_interval *sweep_intervals(const struct study *st, int m)
{
    size_t unit = st->nunits - 1; /* the total */
    sim_interval *iv = cli_xcalloc(st->nconfigs, sizeof *iv);
    double *x = cli_xcalloc(st->nrep, sizeof *x);
    size_t c;

    for (c = 0; c < st->nconfigs; c++) {
        series(st, c, unit, m, x);
        sim_interval_mean(x, st->nrep, LEVEL, &iv[c]);
    }
    free(x);
    return iv;
}

/* The chart of metric m; iv: its intervals at each point (sweep_intervals()). */
static void sweep_chart(const struct study *st, int m, const sim_interval *iv)
{
    size_t c, lw = 0;
    double lo = 0, hi = 0, span;
    int d = metric_decimals(m);

    for (c = 0; c < st->nconfigs; c++) {
        if (c == 0 || iv[c].low < lo)
            lo = iv[c].low;
        if (c == 0 || iv[c].high > hi)
            hi = iv[c].high;
        if (strlen(st->labels[c]) > lw)
            lw = strlen(st->labels[c]);
    }
    /* the axis starts at 0 unless that would squash the differences */
    if (lo > 0 && lo < 0.5 * hi)
        lo = 0;
    span = hi - lo;
    if (!(span > 0)) {
        span = fabs(hi) > 0 ? fabs(hi) : 1;
        lo = hi - span / 2;
    }
    printf("\n%s (total) from %.*f to %.*f: # up to the 95%% interval, = the interval, "
           "o the mean\n", sim_metric_name(m), d, lo, d, lo + span);
    for (c = 0; c < st->nconfigs; c++) {
        char bar[CHART_WIDTH + 1];
        int low, high, mid, i;
#define POS(v) ((int)floor(((v) - lo) / span * (CHART_WIDTH - 1) + 0.5))
        low = POS(iv[c].low);
        high = POS(iv[c].high);
        mid = POS(iv[c].mean);
#undef POS
        for (i = 0; i < CHART_WIDTH; i++)
            bar[i] = i < low ? '#' : i <= high ? '=' : ' ';
        bar[mid < 0 ? 0 : mid >= CHART_WIDTH ? CHART_WIDTH - 1 : mid] = 'o';
        bar[CHART_WIDTH] = '\0';
        printf("%*s |%s| %.*f +- %.*f\n", (int)lw, st->labels[c], bar, d, iv[c].mean, d,
               iv[c].half_width);
    }
}

static int sweep_text(const struct study *st, int chart_metric)
{
    size_t ncols = SIM_NMETRICS + 1, nrows = st->nconfigs + 1, c;
    char **cells = cli_xcalloc(nrows * ncols, sizeof *cells);
    sim_interval *iv[SIM_NMETRICS];
    int m;

    printf("Sweep: %s = %s in %s\n", st->key, st->range, st->base);
    print_preamble(st);
    printf("Totals over all CEs at each value of %s:\n", st->key);
    cells[0] = cli_xstrdup(st->key);
    for (m = 0; m < SIM_NMETRICS; m++) {
        cells[1 + m] = cli_xstrdup(sim_metric_name(m));
        iv[m] = sweep_intervals(st, m);
    }
    for (c = 0; c < st->nconfigs; c++) {
        char **row = &cells[(c + 1) * ncols];
        row[0] = cli_xstrdup(st->labels[c]);
        for (m = 0; m < SIM_NMETRICS; m++) {
            int d = metric_decimals(m);
            row[1 + m] = cell("%.*f +- %.*f", d, iv[m][c].mean, d, iv[m][c].half_width);
        }
    }
    print_table(cells, nrows, ncols, 1);
    sweep_chart(st, chart_metric, iv[chart_metric]);
    for (m = 0; m < SIM_NMETRICS; m++)
        free(iv[m]);
    free_cells(cells, nrows * ncols);
    return CLI_OK;
}

/* One CSV field, quoted as RFC 4180 says when it holds a comma, a quote, CR
 * or LF (a quote is doubled). */
static void put_csv_field(FILE *out, const char *field)
{
    const char *p;

    if (!strpbrk(field, ",\"\r\n")) {
        fputs(field, out);
        return;
    }
    fputc('"', out);
    for (p = field; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

static int sweep_csv(const struct study *st, const char *path)
{
    FILE *out = fopen(path, "w");
    double *x;
    size_t c, u;
    int m, rc = CLI_OK;

    if (!out) {
        cli_error("%s: %s", path, strerror(errno));
        return CLI_FAILED;
    }
    x = cli_xcalloc(st->nrep, sizeof *x);
    put_csv_field(out, st->key);
    fputs(",x,ce,metric,replications,mean,sd,ci_low,ci_high\n", out);
    for (c = 0; c < st->nconfigs; c++) {
        for (u = 0; u < st->nunits; u++) {
            size_t unit = report_unit(st, u);
            for (m = 0; m < SIM_NMETRICS; m++) {
                sim_interval iv;
                series(st, c, unit, m, x);
                sim_interval_mean(x, st->nrep, LEVEL, &iv);
                put_csv_field(out, st->labels[c]);
                fprintf(out, ",%.10g,", st->x[c]);
                put_csv_field(out, unit_name(st, unit));
                fprintf(out, ",%s,%zu,%.10g,%.10g,%.10g,%.10g\n", sim_metric_name(m),
                        st->nrep, iv.mean, iv.sd, iv.low, iv.high);
            }
        }
    }
    free(x);
    if (ferror(out) | (fclose(out) != 0)) {
        cli_error("%s: %s", path, strerror(errno));
        rc = CLI_FAILED;
    }
    return rc;
}

static const char *plot_terminal(const char *path)
{
    size_t len = strlen(path);

    if (len > 4 && strcmp(path + len - 4, ".svg") == 0)
        return "svg size 800,480 dynamic font 'sans,12' background rgb 'white'";
    if (len > 4 && strcmp(path + len - 4, ".png") == 0)
        return "pngcairo size 800,480 font 'sans,11'";
    return NULL;
}

/* A gnuplot single-quoted string: '' stands for one quote. */
static void put_gnuplot_string(FILE *out, const char *s)
{
    fputc('\'', out);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', out);
        fputc(*s == '\n' ? ' ' : *s, out);
    }
    fputc('\'', out);
}

/* Draw into a temporary file next to path (gnuplot's own output and
 * messages kept off stdout), renamed over path once gnuplot succeeded. */
static int sweep_plot(const struct study *st, const char *path, int m)
{
    sim_interval *iv;
    size_t c;
    int status, fd;
    char *tmp = cli_xmalloc(strlen(path) + 8);
    FILE *gp;

    sprintf(tmp, "%s.XXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        cli_error("%s: %s", path, strerror(errno));
        free(tmp);
        return CLI_FAILED;
    }
    close(fd);
    fflush(NULL);
    gp = popen("exec gnuplot >/dev/null", "w");
    if (!gp) {
        cli_error("cannot run gnuplot: %s", strerror(errno));
        remove(tmp);
        free(tmp);
        return CLI_FAILED;
    }
    iv = sweep_intervals(st, m);
    fprintf(gp, "set terminal %s\nset termoption noenhanced\nset output ", plot_terminal(path));
    put_gnuplot_string(gp, tmp);
    fprintf(gp, "\nset title ");
    {
        char title[600];
        snprintf(title, sizeof title, "%s (total) vs %s", sim_metric_name(m), st->key);
        put_gnuplot_string(gp, title);
        snprintf(title, sizeof title, "%s: mean and 95%% interval of %zu replications",
                 st->base, st->nrep);
        fprintf(gp, " . \"\\n\" . ");
        put_gnuplot_string(gp, title);
    }
    fprintf(gp, "\nset xlabel ");
    {
        char xlabel[400];
        snprintf(xlabel, sizeof xlabel, "%s%s%s%s", st->key, st->x_unit[0] ? " (" : "",
                 st->x_unit, st->x_unit[0] ? ")" : "");
        put_gnuplot_string(gp, xlabel);
    }
    fprintf(gp, "\nset ylabel ");
    put_gnuplot_string(gp, sim_metric_name(m));
    fprintf(gp, "\nset grid\nset key off\nset offsets graph 0.05, graph 0.05, graph 0.1, "
            "graph 0.1\n$data << EOD\n");
    for (c = 0; c < st->nconfigs; c++)
        fprintf(gp, "%.17g %.17g %.17g %.17g\n", st->x[c], iv[c].mean, iv[c].low,
                iv[c].high);
    fprintf(gp, "EOD\nplot $data using 1:2:3:4 with yerrorlines lw 2 pt 7 lc rgb "
            "'#1f77b4'\n");
    free(iv);
    status = pclose(gp);
    if (status != 0) {
        if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
            cli_error("--plot needs gnuplot, which was not found (install gnuplot-nox, "
                      "e.g. with scripts/install-deps)");
        else
            cli_error("gnuplot failed to draw %s (%s %d; its message, if any, is above)",
                      path, status != -1 && WIFSIGNALED(status) ? "signal" : "exit status",
                      status == -1 ? -1 : WIFSIGNALED(status) ? WTERMSIG(status)
                                                              : WEXITSTATUS(status));
        remove(tmp);
        free(tmp);
        return CLI_FAILED;
    }
    if (rename(tmp, path) != 0) {
        cli_error("%s: %s", path, strerror(errno));
        remove(tmp);
        free(tmp);
        return CLI_FAILED;
    }
    free(tmp);
    return CLI_OK;
}

/* Can path be written?  (without leaving a new file behind) */
static int check_writable(const char *path)
{
    int existed = access(path, F_OK) == 0;
    FILE *f = fopen(path, existed ? "a" : "w");

    if (!f) {
        cli_error("%s: %s", path, strerror(errno));
        return CLI_FAILED;
    }
    fclose(f);
    if (!existed)
        remove(path);
    return CLI_OK;
}

int study_check_output(const struct study_output *out)
{
    if (out->plot_path) {
        FILE *gp;
        char version[128] = "";
        if (!plot_terminal(out->plot_path)) {
            cli_error("--plot %s: the file name must end in .svg or .png", out->plot_path);
            return CLI_USAGE;
        }
        if (strpbrk(out->plot_path, "\r\n")) {
            cli_error("--plot: the file name holds a line break (gnuplot cannot take it)");
            return CLI_USAGE;
        }
        gp = popen("gnuplot --version 2>/dev/null", "r");
        if (!gp || !fgets(version, sizeof version, gp) || strncmp(version, "gnuplot", 7) != 0) {
            if (gp)
                pclose(gp);
            cli_error("--plot needs gnuplot, which was not found (install gnuplot-nox, "
                      "e.g. with scripts/install-deps)");
            return CLI_FAILED;
        }
        pclose(gp);
        if (check_writable(out->plot_path) != CLI_OK)
            return CLI_FAILED;
    }
    if (out->csv_path && check_writable(out->csv_path) != CLI_OK)
        return CLI_FAILED;
    return CLI_OK;
}

int study_report(const struct study *st, const struct study_output *out)
{
    int status;

    if (st->kind == STUDY_WHATIF)
        return out->json ? whatif_json(st) : whatif_text(st);
    status = sweep_text(st, out->metric);
    if (status == CLI_OK && out->csv_path)
        status = sweep_csv(st, out->csv_path);
    if (status == CLI_OK && out->plot_path) {
        fflush(stdout);
        status = sweep_plot(st, out->plot_path, out->metric);
    }
    return status;
}

static void free_strings(char **items, size_t n)
{
    size_t i;

    for (i = 0; items && i < n; i++)
        free(items[i]);
    free(items);
}

void study_free(struct study *st)
{
    size_t c;

    free(st->base);
    free(st->variant);
    free(st->key);
    free(st->range);
    free(st->x_unit);
    free_strings(st->labels, st->nconfigs);
    free(st->x);
    free(st->warmup_ms);
    free(st->duration_ms);
    free_strings(st->units, st->nunits);
    free(st->values);
    free(st->have);
    for (c = 0; st->scns && c < st->nconfigs; c++)
        sim_scenario_free(st->scns[c]);
    free(st->scns);
    memset(st, 0, sizeof *st);
}
