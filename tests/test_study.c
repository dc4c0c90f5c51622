/*
 * test_study.c - the study model and the shard format of libpilotsim,
 * called directly: a paired what-if against numbers known by hand, shards
 * written and read back equal, shards merged equal to the unsharded run,
 * and damaged shards and out-of-range input refused with a code and a
 * message naming what and where.
 *
 * Groups (one CTest test each): model, shard.  Everything is seeded and
 * small enough for valgrind.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "pilotsim.h"

#define RERUN "rerun: ctest -R test_study --output-on-failure"

/* A director-policy scenario: the CE is always full, so its peak of
 * active pilots is its capacity in every replication. */
static const char SMALL[] =
    "[scenario]\n"
    "name = small\n"
    "seed = 3\n"
    "duration = 2h\n"
    "cycle = 2m\n"
    "max_per_cycle = 50\n"
    "policy = director\n"
    "sample_interval = 1h\n"
    "\n"
    "[ce a]\n"
    "capacity = 5\n"
    "success_rate = 0.9\n"
    "queue_time = exp(5m)\n"
    "run_time = exp(30m)\n";

static sim_scenario *small(const char *assignment)
{
    sim_scenario *scn = NULL;
    char err[512];

    if (sim_scenario_parse(SMALL, "small.ini", &scn, err, sizeof err) != SIM_OK)
        fail_msg("small.ini: %s", err);
    if (assignment && sim_scenario_set(scn, assignment, err, sizeof err) != SIM_OK)
        fail_msg("--set %s: %s", assignment, err);
    return scn;
}

/* A what-if of small.ini against capacity + 5, nrep replications from
 * seed 3: run as shard k of n. */
static void run_whatif(sim_study *st, size_t nrep, size_t shard_k, size_t shard_n)
{
    char err[2048];

    sim_study_init(st, SIM_STUDY_WHATIF);
    assert_int_equal(sim_study_whatif(st, "small.ini", "--set ce.a.capacity=+5",
                                      small(NULL), small("ce.a.capacity=+5"), err,
                                      sizeof err), SIM_OK);
    assert_int_equal(sim_study_set_replications(st, nrep, 3, err, sizeof err), SIM_OK);
    if (sim_study_run(st, shard_k, shard_n, 2, NULL, NULL, err, sizeof err) != SIM_OK)
        fail_msg("shard %zu/%zu: %s; " RERUN, shard_k, shard_n, err);
}

/* A sweep of small.ini's capacity over 5 and 10. */
static void run_sweep(sim_study *st, size_t shard_k, size_t shard_n)
{
    char err[2048];

    sim_study_init(st, SIM_STUDY_SWEEP);
    assert_int_equal(sim_study_sweep(st, "small.ini", "ce.a.capacity", "5..10:5", "", 2, err,
                                     sizeof err), SIM_OK);
    assert_int_equal(sim_study_add_point(st, "5", 5, small(NULL), err, sizeof err), SIM_OK);
    assert_int_equal(sim_study_add_point(st, "10", 10, small("ce.a.capacity=10"), err,
                                         sizeof err), SIM_OK);
    assert_int_equal(sim_study_set_replications(st, 2, 7, err, sizeof err), SIM_OK);
    if (sim_study_run(st, shard_k, shard_n, 1, NULL, NULL, err, sizeof err) != SIM_OK)
        fail_msg("sweep shard %zu/%zu: %s; " RERUN, shard_k, shard_n, err);
}

/* Write shard k of n of st into dir/name; the path, malloc()ed. */
static char *write_shard(const sim_study *st, const char *dir, const char *name,
                         size_t shard_k, size_t shard_n)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2), err[512];
    FILE *out;

    assert_non_null(path);
    sprintf(path, "%s/%s", dir, name);
    out = fopen(path, "w");
    assert_non_null(out);
    if (sim_shard_write(st, shard_k, shard_n, out, err, sizeof err) != SIM_OK)
        fail_msg("writing %s: %s", path, err);
    assert_int_equal(fclose(out), 0);
    return path;
}

/* Write text into dir/name; the path, malloc()ed. */
static char *write_text(const char *dir, const char *name, const char *text)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    FILE *out;

    assert_non_null(path);
    sprintf(path, "%s/%s", dir, name);
    out = fopen(path, "w");
    assert_non_null(out);
    assert_int_equal(fputs(text, out) >= 0, 1);
    assert_int_equal(fclose(out), 0);
    return path;
}

static void assert_strings_equal(char **a, char **b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        assert_string_equal(a[i], b[i]);
}

/* Everything a report reads is the same in both studies, bit for bit. */
static void assert_same_study(const sim_study *a, const sim_study *b)
{
    size_t t, ntasks = sim_study_task_count(a);

    assert_int_equal(a->kind, b->kind);
    assert_string_equal(a->base, b->base);
    assert_string_equal(a->variant, b->variant);
    assert_string_equal(a->key, b->key);
    assert_string_equal(a->range, b->range);
    assert_string_equal(a->x_unit, b->x_unit);
    assert_int_equal(a->nconfigs, b->nconfigs);
    assert_strings_equal(a->labels, b->labels, a->nconfigs);
    assert_memory_equal(a->x, b->x, a->nconfigs * sizeof *a->x);
    assert_memory_equal(a->warmup_ms, b->warmup_ms, a->nconfigs * sizeof *a->warmup_ms);
    assert_memory_equal(a->duration_ms, b->duration_ms, a->nconfigs * sizeof *a->duration_ms);
    assert_int_equal(a->nrep, b->nrep);
    assert_int_equal(a->first_seed, b->first_seed);
    assert_int_equal(a->nunits, b->nunits);
    assert_strings_equal(a->units, b->units, a->nunits);
    assert_int_equal(ntasks, sim_study_task_count(b));
    for (t = 0; t < ntasks; t++) {
        assert_true(a->have[t] && b->have[t]);
        if (memcmp(&a->values[t * a->nunits * SIM_NMETRICS],
                   &b->values[t * b->nunits * SIM_NMETRICS],
                   a->nunits * SIM_NMETRICS * sizeof(double)) != 0)
            fail_msg("the values of task %zu differ; " RERUN, t);
    }
}

static void assert_close(double got, double want, const char *what)
{
    if (!(fabs(got - want) <= 1e-9 * fabs(want) + 1e-12))
        fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

/* ---- model -------------------------------------------------------------------- */

/* The CE is full in every replication: its peak is its capacity, 5 in the
 * baseline and 10 in the variant, so the paired difference is exactly 5
 * with no spread, and significant. */
static void test_whatif_peak_known(void **state)
{
    sim_study st;
    sim_study_comparison c;
    size_t total;

    (void)state;
    run_whatif(&st, 3, 1, 1);
    assert_int_equal(st.nconfigs, 2);
    assert_string_equal(st.labels[0], "baseline");
    assert_string_equal(st.labels[1], "variant");
    assert_int_equal(st.nunits, 2);
    assert_string_equal(sim_study_unit_name(&st, 0), "a");
    assert_string_equal(sim_study_unit_name(&st, 1), "total");
    assert_null(sim_study_unit_name(&st, 2));
    total = st.nunits - 1;
    assert_int_equal(sim_study_compare(&st, total, SIM_METRIC_PEAK_ACTIVE, &c), SIM_OK);
    assert_int_equal(c.base.n, 3);
    assert_true(c.base.mean == 5 && c.base.half_width == 0);
    assert_true(c.variant.mean == 10 && c.variant.half_width == 0);
    assert_true(c.diff.mean == 5 && c.diff.sd == 0 && c.diff.low == 5 && c.diff.high == 5);
    assert_true(sim_interval_significant(&c.diff));
    /* the same windows: every metric compares */
    assert_true(sim_study_same_warmup(&st) && sim_study_same_duration(&st));
    assert_true(sim_study_comparable(&st, SIM_METRIC_DONE));
    /* seeds 3, 4, 5: replication r of both configurations */
    assert_true(sim_study_value(&st, 1, 2, total, SIM_METRIC_PEAK_ACTIVE) == 10);
    assert_true(sim_study_value(&st, 2, 0, total, SIM_METRIC_PEAK_ACTIVE) == 0);
    sim_study_free(&st);
    sim_study_free(NULL);
}

/* A what-if read from a shard written by hand: the total's throughput is
 * 4 7 5 9 10 in the baseline and 5 9 6 12 11 in the variant. */
static void test_whatif_paired_by_hand(void **state)
{
    static const double base[] = {4, 7, 5, 9, 10}, variant[] = {5, 9, 6, 12, 11};
    char *dir = fx_tmpdir(), *path, text[4096], err[512];
    const char *paths[1];
    size_t len, t;
    sim_study st;
    sim_study_comparison c;
    sim_interval iv;
    /* differences 1 2 1 3 1: mean 1.6, sd sqrt(0.8); t(0.975, 4) = 2.776445105 */
    const double t4 = 2.7764451051977987, sd = sqrt(0.8);

    (void)state;
    len = (size_t)snprintf(text, sizeof text,
        "{\"pilotdeck_study\":3,\"shard\":\"1/1\",\"study\":{\"kind\":\"whatif\","
        "\"base\":\"b.ini\",\"variant\":\"v.ini\",\"key\":\"\",\"range\":\"\",\"x_unit\":\"\","
        "\"labels\":[\"baseline\",\"variant\"],\"x\":[0,0],\"replications\":5,"
        "\"first_seed\":1,\"warmup_s\":[0,1800],\"duration_s\":[3600,3600],"
        "\"units\":[\"a\",\"total\"],\"metrics\":[\"throughput_per_hour\",\"done\","
        "\"failed\",\"utilization\",\"refused\",\"peak_active\"]}}\n");
    for (t = 0; t < 10; t++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "{\"task\":%zu,\"seed\":%zu,\"values\":[[0,0,0,0,0,0],"
                                "[%g,1,0,0,0,0]]}\n", t, 1 + t % 5,
                                t < 5 ? base[t] : variant[t - 5]);
    path = write_text(dir, "hand.jsonl", text);
    paths[0] = path;
    if (sim_shard_merge(paths, 1, &st, err, sizeof err) != SIM_OK)
        fail_msg("%s", err);
    assert_int_equal(st.kind, SIM_STUDY_WHATIF);
    assert_null(st.scns[0]);
    assert_null(st.scns[1]);
    assert_int_equal(sim_study_compare(&st, 1, SIM_METRIC_THROUGHPUT, &c), SIM_OK);
    assert_close(c.base.mean, 7, "baseline mean");
    assert_close(c.base.sd, sqrt(26.0 / 4), "baseline sd");
    assert_close(c.variant.mean, 8.6, "variant mean");
    assert_close(c.diff.mean, 1.6, "difference");
    assert_close(c.diff.sd, sd, "sd of the differences");
    assert_close(c.diff.half_width, t4 * sd / sqrt(5), "half width");
    assert_close(c.diff.low, 1.6 - t4 * sd / sqrt(5), "low");
    assert_true(sim_interval_significant(&c.diff));
    assert_close(sim_study_t_value(&st), t4, "t");
    assert_int_equal(sim_study_interval(&st, 1, 1, SIM_METRIC_THROUGHPUT, &iv), SIM_OK);
    assert_close(iv.mean, 8.6, "variant interval");
    /* the variant's warm-up differs: counts do not compare, rates do */
    assert_false(sim_study_same_warmup(&st));
    assert_true(sim_study_same_duration(&st));
    assert_false(sim_study_comparable(&st, SIM_METRIC_DONE));
    assert_true(sim_study_comparable(&st, SIM_METRIC_PEAK_ACTIVE));
    assert_true(sim_study_comparable(&st, SIM_METRIC_UTILIZATION));
    sim_study_free(&st);
    free(path);
    fx_tmpdir_remove(dir);
}

/* The units are the union of the configurations' CEs (one a configuration
 * lacks counts 0 there); a CE called "total" keeps its name and the total
 * is reported as "(all CEs)". */
static void test_units(void **state)
{
    sim_scenario *named_total = NULL;
    sim_study st;
    char err[2048], text[sizeof SMALL + 16];
    const char *ce = strstr(SMALL, "[ce a]");

    (void)state;
    snprintf(text, sizeof text, "%.*s[ce total]%s", (int)(ce - SMALL), SMALL, ce + 6);
    assert_int_equal(sim_scenario_parse(text, "t.ini", &named_total, err, sizeof err),
                     SIM_OK);
    sim_study_init(&st, SIM_STUDY_WHATIF);
    assert_int_equal(sim_study_whatif(&st, "t.ini", "small.ini", named_total, small(NULL),
                                      err, sizeof err), SIM_OK);
    assert_int_equal(sim_study_set_replications(&st, 2, 1, err, sizeof err), SIM_OK);
    assert_int_equal(sim_study_run(&st, 1, 1, 1, NULL, NULL, err, sizeof err), SIM_OK);
    assert_int_equal(st.nunits, 3);
    assert_string_equal(sim_study_unit_name(&st, 0), "a");
    assert_string_equal(sim_study_unit_name(&st, 1), "total");
    assert_string_equal(sim_study_unit_name(&st, 2), "(all CEs)");
    /* the baseline has no CE a, the variant no CE total */
    assert_true(sim_study_value(&st, 0, 0, 0, SIM_METRIC_PEAK_ACTIVE) == 0);
    assert_true(sim_study_value(&st, 0, 0, 1, SIM_METRIC_PEAK_ACTIVE) == 5);
    assert_true(sim_study_value(&st, 1, 1, 0, SIM_METRIC_PEAK_ACTIVE) == 5);
    assert_true(sim_study_value(&st, 1, 1, 1, SIM_METRIC_PEAK_ACTIVE) == 0);
    assert_true(sim_study_value(&st, 1, 1, 2, SIM_METRIC_PEAK_ACTIVE) == 5);
    sim_study_free(&st);
}

/* Out-of-range input: refused with SIM_EINVAL and a message, the study
 * unchanged, scenarios handed over freed (valgrind checks). */
static void test_model_refusals(void **state)
{
    sim_study st, sweep;
    sim_study_comparison c;
    sim_interval iv;
    size_t k = 9, n = 9;
    char err[2048];
    static const char *const bad_shards[] = {"0/3", "4/3", "3", "a/b", "1/0", "-1/2",
                                             "1/2x", "1/100001", "", "/3"};

    (void)state;
    for (k = 0; k < sizeof bad_shards / sizeof bad_shards[0]; k++) {
        size_t kk = 9, nn = 9;
        assert_int_equal(sim_shard_parse(bad_shards[k], &kk, &nn), SIM_EINVAL);
        assert_true(kk == 0 && nn == 0);
    }
    assert_int_equal(sim_shard_parse(NULL, &k, &n), SIM_EINVAL);
    assert_int_equal(sim_shard_parse("100000/100000", &k, &n), SIM_OK);
    assert_true(k == 100000 && n == 100000);

    sim_study_init(&st, SIM_STUDY_WHATIF);
    assert_int_equal(sim_study_whatif(&st, "small.ini", "v", small(NULL), small(NULL), err,
                                      sizeof err), SIM_OK);
    /* a second what-if into the same study; scenarios freed all the same */
    assert_int_equal(sim_study_whatif(&st, "small.ini", "v", small(NULL), small(NULL), err,
                                      sizeof err), SIM_EINVAL);
    assert_int_equal(sim_study_set_replications(&st, 1, 0, err, sizeof err), SIM_EINVAL);
    assert_non_null(strstr(err, "replications is not from 2 to 1000000"));
    assert_int_equal(sim_study_set_replications(&st, 1000001, 0, err, sizeof err),
                     SIM_EINVAL);
    assert_int_equal(sim_study_set_replications(&st, 3, SIM_SEED_MAX - 1, err, sizeof err),
                     SIM_EINVAL);
    assert_string_equal(err, "seeds 9223372036854775806 to 9223372036854775806 + 2 go "
                             "beyond 2^63-1");
    assert_int_equal(st.nrep, 0);
    /* no replications yet, then a shard out of range */
    assert_int_equal(sim_study_run(&st, 1, 1, 1, NULL, NULL, err, sizeof err), SIM_EINVAL);
    assert_int_equal(sim_study_set_replications(&st, 2, SIM_SEED_MAX - 1, err, sizeof err),
                     SIM_OK);
    assert_int_equal(sim_study_run(&st, 4, 3, 1, NULL, NULL, err, sizeof err), SIM_EINVAL);
    assert_int_equal(sim_study_run(&st, 0, 3, 1, NULL, NULL, err, sizeof err), SIM_EINVAL);
    assert_non_null(strstr(err, "K/N"));
    /* nothing has run: nothing to compare or write */
    assert_int_equal(sim_study_compare(&st, 0, SIM_METRIC_DONE, &c), SIM_EINVAL);
    assert_int_equal(sim_study_interval(&st, 0, 0, SIM_METRIC_DONE, &iv), SIM_EINVAL);
    assert_int_equal(sim_shard_write(&st, 1, 1, stdout, err, sizeof err), SIM_EINVAL);
    assert_int_equal(sim_study_run(&st, 1, 1, 1, NULL, NULL, err, sizeof err), SIM_OK);
    /* a study runs once */
    assert_int_equal(sim_study_run(&st, 1, 1, 1, NULL, NULL, err, sizeof err), SIM_EINVAL);
    /* its replications are set before it runs: values stay sized for them */
    assert_int_equal(sim_study_set_replications(&st, 1000, 0, err, sizeof err), SIM_EINVAL);
    assert_string_equal(err, "the replications of a study are set before it runs");
    assert_int_equal(st.nrep, 2);
    assert_int_equal(sim_study_compare(&st, st.nunits, SIM_METRIC_DONE, &c), SIM_EINVAL);
    assert_true(c.diff.n == 0 && c.base.mean == 0);
    assert_int_equal(sim_study_compare(&st, 0, SIM_NMETRICS, &c), SIM_EINVAL);
    assert_int_equal(sim_study_compare(&st, 0, -1, &c), SIM_EINVAL);
    assert_int_equal(sim_study_interval(&st, 2, 0, SIM_METRIC_DONE, &iv), SIM_EINVAL);
    assert_true(sim_study_value(&st, 0, 0, 0, SIM_NMETRICS) == 0);
    assert_int_equal(sim_shard_write(&st, 2, 1, stdout, err, sizeof err), SIM_EINVAL);
    sim_study_free(&st);

    sim_study_init(&sweep, SIM_STUDY_SWEEP);
    assert_int_equal(sim_study_add_point(&sweep, "1", 1, small(NULL), err, sizeof err),
                     SIM_EINVAL);
    assert_int_equal(sim_study_sweep(&sweep, "small.ini", "k", "r", "", 0, err, sizeof err),
                     SIM_EINVAL);
    assert_int_equal(sim_study_sweep(&sweep, "small.ini", "k", "r", "",
                                     SIM_STUDY_MAX_CONFIGS + 1, err, sizeof err),
                     SIM_EINVAL);
    assert_int_equal(sim_study_sweep(&sweep, "small.ini", "k", "r", "", 1, err, sizeof err),
                     SIM_OK);
    assert_int_equal(sim_study_add_point(&sweep, "1", 1, small(NULL), err, sizeof err),
                     SIM_OK);
    assert_int_equal(sim_study_add_point(&sweep, "2", 2, small(NULL), err, sizeof err),
                     SIM_EINVAL);
    assert_non_null(strstr(err, "1 points were announced"));
    assert_int_equal(sweep.nconfigs, 1);
    /* a what-if's constructor on a sweep, and a comparison of a sweep */
    assert_int_equal(sim_study_whatif(&sweep, "small.ini", "v", small(NULL), small(NULL),
                                      err, sizeof err), SIM_EINVAL);
    assert_int_equal(sim_study_set_replications(&sweep, 2, 1, err, sizeof err), SIM_OK);
    assert_int_equal(sim_study_run(&sweep, 1, 1, 1, NULL, NULL, err, sizeof err), SIM_OK);
    assert_int_equal(sim_study_compare(&sweep, 0, SIM_METRIC_DONE, &c), SIM_EINVAL);
    assert_int_equal(sim_study_interval(&sweep, 0, 1, SIM_METRIC_PEAK_ACTIVE, &iv), SIM_OK);
    assert_true(iv.mean == 5);
    sim_study_free(&sweep);

    /* a point added after the run would have no values */
    sim_study_init(&sweep, SIM_STUDY_SWEEP);
    assert_int_equal(sim_study_sweep(&sweep, "small.ini", "k", "r", "", 2, err, sizeof err),
                     SIM_OK);
    assert_int_equal(sim_study_add_point(&sweep, "1", 1, small(NULL), err, sizeof err),
                     SIM_OK);
    assert_int_equal(sim_study_set_replications(&sweep, 2, 1, err, sizeof err), SIM_OK);
    assert_int_equal(sim_study_run(&sweep, 1, 1, 1, NULL, NULL, err, sizeof err), SIM_OK);
    assert_int_equal(sim_study_add_point(&sweep, "2", 2, small(NULL), err, sizeof err),
                     SIM_EINVAL);
    assert_string_equal(err, "the points of a sweep are added before it runs");
    assert_int_equal(sweep.nconfigs, 1);
    sim_study_free(&sweep);
}

/* ---- shard -------------------------------------------------------------------- */

/* A whole study written as shard 1/1 reads back equal, what-if and sweep. */
static void test_shard_round_trip(void **state)
{
    char *dir = fx_tmpdir(), *paths[2], err[512];
    sim_study whatif, sweep, back;

    (void)state;
    run_whatif(&whatif, 3, 1, 1);
    run_sweep(&sweep, 1, 1);
    paths[0] = write_shard(&whatif, dir, "whatif.jsonl", 1, 1);
    paths[1] = write_shard(&sweep, dir, "sweep.jsonl", 1, 1);
    if (sim_shard_merge((const char *const *)&paths[0], 1, &back, err, sizeof err) != SIM_OK)
        fail_msg("%s", err);
    assert_same_study(&whatif, &back);
    sim_study_free(&back);
    if (sim_shard_merge((const char *const *)&paths[1], 1, &back, err, sizeof err) != SIM_OK)
        fail_msg("%s", err);
    assert_same_study(&sweep, &back);
    assert_true(back.x[0] == 5 && back.x[1] == 10);
    sim_study_free(&back);
    sim_study_free(&whatif);
    sim_study_free(&sweep);
    free(paths[0]);
    free(paths[1]);
    fx_tmpdir_remove(dir);
}

/* Shards 1..3 of 3, run as separate studies and merged in any order, equal
 * the unsharded run. */
static void test_shard_merge_equals_whole(void **state)
{
    char *dir = fx_tmpdir(), *paths[3], name[32], err[512];
    sim_study whole, part, merged;
    size_t k;

    (void)state;
    run_whatif(&whole, 4, 1, 1);
    for (k = 1; k <= 3; k++) {
        run_whatif(&part, 4, k, 3);
        snprintf(name, sizeof name, "shard%zu.jsonl", k);
        paths[3 - k] = write_shard(&part, dir, name, k, 3); /* 3, 2, 1 */
        sim_study_free(&part);
    }
    if (sim_shard_merge((const char *const *)paths, 3, &merged, err, sizeof err) != SIM_OK)
        fail_msg("%s", err);
    assert_same_study(&whole, &merged);
    sim_study_free(&merged);

    /* one shard missing: refused, naming the first missing replication */
    assert_int_equal(sim_shard_merge((const char *const *)paths, 2, &merged, err, sizeof err),
                     SIM_EINVAL);
    assert_string_equal(err, "3 of 8 replications are missing (the first: replication 1 of "
                             "'baseline'); give every shard 1/3 to 3/3");
    assert_null(merged.values);
    /* one shard twice */
    {
        char *twice[4] = {paths[0], paths[1], paths[2], paths[2]};
        assert_int_equal(sim_shard_merge((const char *const *)twice, 4, &merged, err,
                                         sizeof err), SIM_EPARSE);
        assert_non_null(strstr(err, "shard1.jsonl:2: task appears twice"));
    }
    sim_study_free(&whole);
    for (k = 0; k < 3; k++)
        free(paths[k]);
    fx_tmpdir_remove(dir);
}

/* Expect the shard at path to be refused with rc and a message holding
 * want; st is left zeroed. */
static void refused(const char *path, sim_rc rc, const char *want)
{
    const char *paths[1] = {path};
    char err[1024];
    sim_study st;

    memset(&st, 0x5a, sizeof st);
    assert_int_equal(sim_shard_merge(paths, 1, &st, err, sizeof err), rc);
    if (!strstr(err, want))
        fail_msg("merging %s: got '%s', want '%s'", path, err, want);
    assert_null(st.values);
    assert_null(st.labels);
    assert_int_equal(st.nconfigs, 0);
}

/* Damaged shards: each refused with an error code and "FILE:LINE: what". */
static void test_shard_damaged(void **state)
{
    /* the head of a good shard (when with_head), then text */
    static const struct {
        const char *name;
        int with_head;
        const char *text;
        sim_rc rc;
        const char *message; /* after the file's path */
    } cases[] = {
#define ZEROS "[[0,0,0,0,0,0],[0,0,0,0,0,0]]"
        {"cut.jsonl", 1, "{\"task\":0,\"seed\":3,\"val\n", SIM_EPARSE,
         ":2: not a line of a pilotdeck shard ("},
        {"neg.jsonl", 1, "{\"task\":0,\"seed\":3,\"values\":[[-1,0,0,0,0,0],[0,0,0,0,0,0]]}\n",
         SIM_EPARSE, ":2: a value is not a number from 0 to 1e15"},
        {"seed.jsonl", 1, "{\"task\":1,\"seed\":3,\"values\":" ZEROS "}\n",
         SIM_EPARSE, ":2: its seed is not the study's"},
        {"task.jsonl", 1, "{\"task\":99,\"seed\":3,\"values\":" ZEROS "}\n",
         SIM_EPARSE, ":2: not a task of this study"},
        {"obj.jsonl", 0, "{}\n", SIM_EPARSE, ":1: not a pilotdeck shard (written by"},
        {"v1.jsonl", 0, "{\"pilotdeck_study\":1,\"shard\":\"1/1\",\"study\":{}}\n", SIM_EPARSE,
         ":1: shard format 1, from another version"},
        {"rep.jsonl", 0, "{\"pilotdeck_study\":3,\"shard\":\"1/1\",\"study\":"
         "{\"replications\":100000000}}\n", SIM_EPARSE,
         ":1: replications is not from 2 to 1000000"},
        {"empty.jsonl", 0, "", SIM_EPARSE, " is empty (not a pilotdeck shard)"},
#undef ZEROS
    };
    char *dir = fx_tmpdir(), *good, *other, head[8192], text[16384], want[4096], err[512];
    const char *two[2];
    sim_study st;
    FILE *in;
    size_t i;

    (void)state;
    run_whatif(&st, 2, 1, 1);
    good = write_shard(&st, dir, "good.jsonl", 1, 1);
    sim_study_free(&st);
    in = fopen(good, "r");
    assert_non_null(in);
    assert_non_null(fgets(head, sizeof head, in));
    fclose(in);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *bad;
        snprintf(text, sizeof text, "%s%s", cases[i].with_head ? head : "", cases[i].text);
        bad = write_text(dir, cases[i].name, text);
        snprintf(want, sizeof want, "%s%s", bad, cases[i].message);
        refused(bad, cases[i].rc, want);
        free(bad);
    }
    snprintf(want, sizeof want, "%s/nowhere.jsonl", dir);
    refused(want, SIM_EIO, "nowhere.jsonl: No such file or directory");

    /* a shard of another study */
    run_whatif(&st, 3, 1, 1);
    other = write_shard(&st, dir, "other.jsonl", 1, 1);
    sim_study_free(&st);
    two[0] = good;
    two[1] = other;
    assert_int_equal(sim_shard_merge(two, 2, &st, err, sizeof err), SIM_EINVAL);
    assert_non_null(strstr(err, "other.jsonl is a shard of another study than"));
    assert_int_equal(sim_shard_merge(two, 0, &st, err, sizeof err), SIM_EINVAL);
    free(other);
    free(good);
    fx_tmpdir_remove(dir);
}

/* A write error is SIM_EIO, naming the cause. */
static void test_shard_write_error(void **state)
{
    FILE *full = fopen("/dev/full", "w");
    sim_study st;
    char err[512];

    (void)state;
    if (!full)
        skip();
    run_whatif(&st, 2, 1, 1);
    assert_int_equal(sim_shard_write(&st, 1, 1, full, err, sizeof err), SIM_EIO);
    assert_string_equal(err, "writing the shard: No space left on device");
    fclose(full);
    sim_study_free(&st);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest model[] = {
        cmocka_unit_test(test_whatif_peak_known),
        cmocka_unit_test(test_whatif_paired_by_hand),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_model_refusals),
    };
    const struct CMUnitTest shard[] = {
        cmocka_unit_test(test_shard_round_trip),
        cmocka_unit_test(test_shard_merge_equals_whole),
        cmocka_unit_test(test_shard_damaged),
        cmocka_unit_test(test_shard_write_error),
    };
    const struct fx_group groups[] = {
        FX_GROUP("model", model, NULL, NULL),
        FX_GROUP("shard", shard, NULL, NULL),
    };

    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
