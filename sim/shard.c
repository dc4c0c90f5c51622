/*
 * shard.c - a study run in parts (see pilotsim.h): shard files as JSON
 * lines, written by one run each and merged back into the whole study.
 *
 * Line 1: {"pilotdeck_study":FORMAT,"shard":"K/N","study":{...}}, the
 * description every shard of a study repeats; then one line per task:
 * {"task":T,"seed":S,"values":[[metric values of unit 0], ...]}.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "study_internal.h"

sim_rc sim_shard_parse(const char *text, size_t *k, size_t *n)
{
    char *end;
    unsigned long long kk, nn;

    *k = *n = 0;
    if (!text || text[0] < '0' || text[0] > '9')
        return SIM_EINVAL;
    errno = 0;
    kk = strtoull(text, &end, 10);
    if (*end != '/' || end[1] < '0' || end[1] > '9' || errno)
        return SIM_EINVAL;
    nn = strtoull(end + 1, &end, 10);
    if (*end != '\0' || errno || nn < 1 || nn > SIM_SHARD_MAX || kk < 1 || kk > nn)
        return SIM_EINVAL;
    *k = (size_t)kk;
    *n = (size_t)nn;
    return SIM_OK;
}

/* ---- writing ------------------------------------------------------------------ */

/* Building JSON: the first value that could not be made or stored (out of
 * memory, or text that is not UTF-8) is remembered, and nothing is written. */
struct builder {
    const char *failed;
};

/* A time of ms as seconds: an integer when whole (the output convention). */
static json_t *seconds_json(int64_t ms)
{
    return ms % 1000 == 0 ? json_integer((json_int_t)(ms / 1000)) : json_real((double)ms / 1e3);
}

static void put(struct builder *b, json_t *object, const char *key, json_t *value)
{
    if ((!value || json_object_set_new(object, key, value) != 0) && !b->failed)
        b->failed = key;
}

static void append(struct builder *b, json_t *array, json_t *value)
{
    if ((!value || json_array_append_new(array, value) != 0) && !b->failed)
        b->failed = "an array item";
}

static json_t *string_array(struct builder *b, char **items, size_t n)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < n; i++)
        append(b, a, json_string(items[i]));
    return a;
}

/* Everything but the values: what every shard of a study repeats. */
static json_t *study_json(struct builder *b, const sim_study *st)
{
    json_t *o = json_object(), *x = json_array(), *metrics = json_array();
    json_t *warmup = json_array(), *duration = json_array();
    size_t i;
    int m;

    put(b, o, "kind", json_string(st->kind == SIM_STUDY_WHATIF ? "whatif" : "sweep"));
    put(b, o, "base", json_string(st->base));
    put(b, o, "variant", json_string(st->variant ? st->variant : ""));
    put(b, o, "key", json_string(st->key ? st->key : ""));
    put(b, o, "range", json_string(st->range ? st->range : ""));
    put(b, o, "x_unit", json_string(st->x_unit ? st->x_unit : ""));
    put(b, o, "labels", string_array(b, st->labels, st->nconfigs));
    for (i = 0; i < st->nconfigs; i++)
        append(b, x, json_real(st->x ? st->x[i] : 0.0));
    put(b, o, "x", x);
    put(b, o, "replications", json_integer((json_int_t)st->nrep));
    put(b, o, "first_seed", json_integer((json_int_t)st->first_seed));
    for (i = 0; i < st->nconfigs; i++) {
        append(b, warmup, seconds_json(st->warmup_ms[i]));
        append(b, duration, seconds_json(st->duration_ms[i]));
    }
    put(b, o, "warmup_s", warmup);
    put(b, o, "duration_s", duration);
    put(b, o, "units", string_array(b, st->units, st->nunits));
    for (m = 0; m < SIM_NMETRICS; m++)
        append(b, metrics, json_string(sim_metric_name(m)));
    put(b, o, "metrics", metrics);
    return o;
}

/* Write value (freed) as one line: SIM_OK, SIM_ENOMEM or SIM_EIO. */
static sim_rc write_line(struct builder *b, json_t *value, FILE *out, char *errbuf,
                         size_t errbuf_size)
{
    char *text = NULL;
    sim_rc rc = SIM_OK;

    if (b->failed)
        rc = sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "cannot build the JSON output "
                       "(%s): out of memory or text that is not UTF-8", b->failed);
    else if (!(text = json_dumps(value, JSON_COMPACT | JSON_REAL_PRECISION(17))))
        rc = sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory writing a shard");
    else if (fputs(text, out) == EOF || fputc('\n', out) == EOF)
        rc = sim__fail(SIM_EIO, errbuf, errbuf_size, "writing the shard: %s",
                       strerror(errno));
    json_decref(value);
    free(text);
    return rc;
}

sim_rc sim_shard_write(const sim_study *st, size_t shard_k, size_t shard_n, FILE *out,
                       char *errbuf, size_t errbuf_size)
{
    struct builder b = {NULL};
    json_t *head = json_object();
    char shard[64];
    size_t t, u;
    sim_rc rc;
    int m;

    if (!st->values || shard_n < 1 || shard_k < 1 || shard_k > shard_n) {
        json_decref(head);
        return sim__fail(SIM_EINVAL, errbuf, errbuf_size, "no values to write, or shard "
                         "%zu/%zu is not K/N", shard_k, shard_n);
    }
    snprintf(shard, sizeof shard, "%zu/%zu", shard_k, shard_n);
    put(&b, head, "pilotdeck_study", json_integer(SIM_SHARD_FORMAT));
    put(&b, head, "shard", json_string(shard));
    put(&b, head, "study", study_json(&b, st));
    rc = write_line(&b, head, out, errbuf, errbuf_size);
    for (t = 0; rc == SIM_OK && t < sim_study_task_count(st); t++) {
        const double *v = sim__study_task_values(st, t);
        json_t *line, *values;
        if (!st->have[t])
            continue;
        line = json_object();
        values = json_array();
        for (u = 0; u < st->nunits; u++) {
            json_t *unit = json_array();
            for (m = 0; m < SIM_NMETRICS; m++)
                append(&b, unit, json_real(v[u * SIM_NMETRICS + (size_t)m]));
            append(&b, values, unit);
        }
        put(&b, line, "task", json_integer((json_int_t)t));
        put(&b, line, "seed", json_integer((json_int_t)(st->first_seed + t % st->nrep)));
        put(&b, line, "values", values);
        rc = write_line(&b, line, out, errbuf, errbuf_size);
    }
    if (rc == SIM_OK && fflush(out) == EOF)
        rc = sim__fail(SIM_EIO, errbuf, errbuf_size, "writing the shard: %s",
                       strerror(errno));
    return rc;
}

/* ---- reading ------------------------------------------------------------------ */

/* A malloc()ed copy of the strings of a JSON array ("" for items that are
 * not strings) into *items and *n; SIM_ENOMEM. */
static sim_rc strings_of(json_t *array, char ***items, size_t *n)
{
    size_t i, count = json_array_size(array);

    *n = 0;
    if (!(*items = calloc(count + 1, sizeof **items)))
        return SIM_ENOMEM;
    for (i = 0; i < count; i++) {
        const char *s = json_string_value(json_array_get(array, i));
        if (sim__strdup(s, &(*items)[i]) != SIM_OK)
            return SIM_ENOMEM;
        *n = i + 1;
    }
    return SIM_OK;
}

/* Fill st from the "study" object of a shard's first line: SIM_OK, or an
 * error with why set. */
static sim_rc study_from_json(sim_study *st, json_t *o, const char **why)
{
    const char *kind = json_string_value(json_object_get(o, "kind"));
    json_t *x = json_object_get(o, "x"), *metrics = json_object_get(o, "metrics");
    json_t *warmup = json_object_get(o, "warmup_s");
    json_t *duration = json_object_get(o, "duration_s");
    json_t *labels = json_object_get(o, "labels");
    json_int_t nrep = json_integer_value(json_object_get(o, "replications"));
    json_int_t seed = json_integer_value(json_object_get(o, "first_seed"));
    size_t i, nconfigs;
    int m;

    *why = "the study description is malformed";
    if (!json_is_integer(json_object_get(o, "replications")) || nrep < 2 ||
        nrep > SIM_STUDY_MAX_REPLICATIONS) {
        *why = "replications is not from 2 to 1000000";
        return SIM_EPARSE;
    }
    if (!json_is_integer(json_object_get(o, "first_seed")) || seed < 0 ||
        seed > SIM_SEED_MAX - (nrep - 1)) {
        *why = "first_seed is not from 0 to 2^63-1 - (replications - 1)";
        return SIM_EPARSE;
    }
    if (!kind || (strcmp(kind, "whatif") != 0 && strcmp(kind, "sweep") != 0) ||
        !json_is_array(labels) || !json_is_array(x) ||
        !json_is_array(json_object_get(o, "units")) ||
        json_array_size(metrics) != SIM_NMETRICS)
        return SIM_EPARSE;
    for (m = 0; m < SIM_NMETRICS; m++) {
        const char *name = json_string_value(json_array_get(metrics, (size_t)m));
        if (!name || strcmp(name, sim_metric_name(m)) != 0)
            return SIM_EPARSE;
    }
    sim_study_init(st, kind[0] == 'w' ? SIM_STUDY_WHATIF : SIM_STUDY_SWEEP);
    {
        static const char *const keys[] = {"base", "variant", "key", "range", "x_unit"};
        char **const fields[] = {&st->base, &st->variant, &st->key, &st->range,
                                 &st->x_unit};
        for (i = 0; i < 5; i++) {
            const char *s = json_string_value(json_object_get(o, keys[i]));
            if (!s)
                return SIM_EPARSE;
            if (sim__strdup(s, fields[i]) != SIM_OK)
                goto nomem;
        }
    }
    nconfigs = json_array_size(labels);
    if (nconfigs < 1 || json_array_size(x) != nconfigs ||
        (st->kind == SIM_STUDY_WHATIF && nconfigs != 2) || nconfigs > SIM_STUDY_MAX_CONFIGS)
        return SIM_EPARSE;
    if (sim__study_alloc_configs(st, nconfigs) != SIM_OK)
        goto nomem;
    for (; st->nconfigs < nconfigs; st->nconfigs++) {
        const char *s = json_string_value(json_array_get(labels, st->nconfigs));
        if (sim__strdup(s, &st->labels[st->nconfigs]) != SIM_OK)
            goto nomem;
    }
    if (strings_of(json_object_get(o, "units"), &st->units, &st->nunits) != SIM_OK)
        goto nomem;
    if (st->nunits < 1 || st->nunits > 1000000)
        return SIM_EPARSE;
    for (i = 0; i < st->nconfigs; i++) {
        json_t *xi = json_array_get(x, i);
        st->x[i] = json_number_value(xi);
        if (!json_is_number(xi) || !isfinite(st->x[i]))
            return SIM_EPARSE;
    }
    st->nrep = (size_t)nrep;
    st->first_seed = (uint64_t)seed;
    for (i = 0; i < st->nconfigs; i++) {
        json_t *w = json_array_get(warmup, i), *d = json_array_get(duration, i);
        if (!json_is_number(w) || !json_is_number(d) || !(json_number_value(w) >= 0) ||
            !(json_number_value(d) < 1e15))
            return SIM_EPARSE;
        st->warmup_ms[i] = (int64_t)llround(json_number_value(w) * 1000.0);
        st->duration_ms[i] = (int64_t)llround(json_number_value(d) * 1000.0);
        if (st->duration_ms[i] <= st->warmup_ms[i])
            return SIM_EPARSE;
    }
    if (json_array_size(warmup) != st->nconfigs || json_array_size(duration) != st->nconfigs)
        return SIM_EPARSE;
    /* at most 1000 x 1000000 tasks: the count fits, the values may not */
    if (sim__study_alloc_values(st) != SIM_OK) {
        *why = "the study is too large for this machine's memory";
        return SIM_ENOMEM;
    }
    return SIM_OK;
nomem:
    *why = "out of memory";
    return SIM_ENOMEM;
}

/* Store one task line of shard k of n: SIM_OK, or SIM_EPARSE with why set if
 * it does not fit the study. */
static sim_rc read_task(sim_study *st, json_t *line, size_t shard_k, size_t shard_n,
                        const char **why)
{
    json_t *values = json_object_get(line, "values");
    json_int_t t = json_integer_value(json_object_get(line, "task"));
    double *dest;
    size_t u;
    int m;

    *why = "not a task of this study";
    if (!json_is_integer(json_object_get(line, "task")) || t < 0 ||
        (size_t)t >= sim_study_task_count(st) || json_array_size(values) != st->nunits)
        return SIM_EPARSE;
    if ((size_t)t % shard_n != shard_k - 1) {
        *why = "the task does not belong to this shard";
        return SIM_EPARSE;
    }
    if (json_integer_value(json_object_get(line, "seed")) !=
        (json_int_t)(st->first_seed + (size_t)t % st->nrep)) {
        *why = "its seed is not the study's";
        return SIM_EPARSE;
    }
    if (st->have[t]) {
        *why = "task appears twice";
        return SIM_EPARSE;
    }
    dest = sim__study_task_values(st, (size_t)t);
    for (u = 0; u < st->nunits; u++) {
        json_t *unit = json_array_get(values, u);
        if (json_array_size(unit) != SIM_NMETRICS)
            return SIM_EPARSE;
        for (m = 0; m < SIM_NMETRICS; m++) {
            json_t *v = json_array_get(unit, (size_t)m);
            /* every metric is a count, a rate or a fraction: at least 0, and
             * far below where sums over a million replications would overflow */
            if (!json_is_number(v) || !(json_number_value(v) >= 0) ||
                !(json_number_value(v) <= 1e15)) {
                *why = "a value is not a number from 0 to 1e15";
                return SIM_EPARSE;
            }
            dest[u * SIM_NMETRICS + (size_t)m] = json_number_value(v);
        }
    }
    st->have[t] = 1;
    return SIM_OK;
}

/* What the reader keeps between lines and files. */
struct reader {
    sim_study *st;
    const char *const *paths;
    json_t *first;          /* the first file's study description */
    size_t shard_k, shard_n;
    char *errbuf;
    size_t errbuf_size;
};

/* Check line 1 of paths[f] and, for the first file, fill the study. */
static sim_rc read_head(struct reader *r, size_t f, json_t *value)
{
    const char *path = r->paths[f];
    const char *shard = json_string_value(json_object_get(value, "shard"));
    json_t *study = json_object_get(value, "study");
    json_int_t format = json_integer_value(json_object_get(value, "pilotdeck_study"));
    const char *why;
    size_t k, n;
    sim_rc rc;

    if (format > 0 && format != SIM_SHARD_FORMAT)
        return sim__fail(SIM_EPARSE, r->errbuf, r->errbuf_size, "%s:1: shard format %lld, "
                         "from another version of pilotdeck (this one reads format %d): run "
                         "the shards again", path, (long long)format, SIM_SHARD_FORMAT);
    if (format != SIM_SHARD_FORMAT || !shard || !json_is_object(study))
        return sim__fail(SIM_EPARSE, r->errbuf, r->errbuf_size, "%s:1: not a pilotdeck "
                         "shard (written by 'pilotdeck whatif|sweep --shard K/N')", path);
    if (!r->first) {
        r->first = json_incref(study);
        if ((rc = study_from_json(r->st, study, &why)) != SIM_OK)
            return sim__fail(rc, r->errbuf, r->errbuf_size, "%s:1: %s", path, why);
    } else if (!json_equal(r->first, study)) {
        return sim__fail(SIM_EINVAL, r->errbuf, r->errbuf_size, "%s is a shard of another "
                         "study than %s (scenario, variant, range, replications or seeds "
                         "differ)", path, r->paths[0]);
    }
    if (sim_shard_parse(shard, &k, &n) != SIM_OK)
        return sim__fail(SIM_EPARSE, r->errbuf, r->errbuf_size, "%s:1: shard '%s' is not "
                         "K/N with 1 <= K <= N <= %d", path, shard, SIM_SHARD_MAX);
    if (r->shard_n && n != r->shard_n)
        return sim__fail(SIM_EINVAL, r->errbuf, r->errbuf_size, "%s:1: shard %s is not one "
                         "of %zu shards like the first file's", path, shard, r->shard_n);
    r->shard_n = n;
    r->shard_k = k;
    return SIM_OK;
}

/* Read every line of paths[f]. */
static sim_rc read_file(struct reader *r, size_t f)
{
    const char *path = r->paths[f];
    FILE *in = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    ssize_t len;
    json_t *value = NULL;
    const char *why;
    sim_rc rc = SIM_OK;

    if (!in)
        return sim__fail(SIM_EIO, r->errbuf, r->errbuf_size, "%s: %s", path,
                         strerror(errno));
    while (rc == SIM_OK && (len = getline(&line, &cap, in)) > 0) {
        json_error_t jerr;
        lineno++;
        json_decref(value);
        value = json_loadb(line, (size_t)len, 0, &jerr);
        if (!value || !json_is_object(value))
            rc = sim__fail(SIM_EPARSE, r->errbuf, r->errbuf_size, "%s:%ld: not a line of "
                           "a pilotdeck shard (%s)", path, lineno,
                           value ? "not a JSON object" : jerr.text);
        else if (lineno == 1)
            rc = read_head(r, f, value);
        else if ((rc = read_task(r->st, value, r->shard_k, r->shard_n, &why)) != SIM_OK)
            sim__fail(rc, r->errbuf, r->errbuf_size, "%s:%ld: %s", path, lineno, why);
    }
    if (rc == SIM_OK && lineno == 0)
        rc = sim__fail(SIM_EPARSE, r->errbuf, r->errbuf_size, "%s is empty (not a "
                       "pilotdeck shard)", path);
    json_decref(value);
    free(line);
    fclose(in);
    return rc;
}

sim_rc sim_shard_merge(const char *const *paths, size_t npaths, sim_study *st,
                       char *errbuf, size_t errbuf_size)
{
    struct reader r = {st, paths, NULL, 0, 0, errbuf, errbuf_size};
    size_t f, t, missing = 0, first_missing = 0;
    sim_rc rc = SIM_OK;

    sim_study_init(st, SIM_STUDY_WHATIF);
    if (!paths || npaths == 0)
        rc = sim__fail(SIM_EINVAL, errbuf, errbuf_size, "no shard files");
    for (f = 0; rc == SIM_OK && f < npaths; f++)
        rc = read_file(&r, f);
    for (t = 0; rc == SIM_OK && t < sim_study_task_count(st); t++) {
        if (!st->have[t] && missing++ == 0)
            first_missing = t;
    }
    if (rc == SIM_OK && missing)
        rc = sim__fail(SIM_EINVAL, errbuf, errbuf_size, "%zu of %zu replications are "
                       "missing (the first: replication %zu of '%s'); give every shard 1/%zu "
                       "to %zu/%zu", missing, sim_study_task_count(st),
                       first_missing % st->nrep + 1, st->labels[first_missing / st->nrep],
                       r.shard_n, r.shard_n, r.shard_n);
    json_decref(r.first);
    if (rc != SIM_OK)
        sim_study_free(st);
    return rc;
}
