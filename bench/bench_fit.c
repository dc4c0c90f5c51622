/*
 * bench_fit.c - the time of `pilotdeck fit` on a large history: the large
 * scenario (1,000 CEs x 50 slots, 24 h, about 1.1 million pilots) is
 * simulated into a database file once, then fitted (best of --rounds),
 * with the time of one plain read of every pilot through the db API
 * beside it (what no fit can do without).  Target: at most 3 s.
 *
 * Then a forecast as `whatif --from-db` runs it: grid50 simulated 24 h
 * into memory, fitted, and 30 replications of 12 h of baseline and
 * variant from its state on 2 threads.  Target: at most 5 s.
 *
 *   bench_fit [--quick] [--rounds N] [--keep DB]
 *
 * --quick simulates 1 h of the scenario only (for the test suite).
 * --keep DB uses (or makes) the database DB and keeps it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jansson.h>

#include "bench.h"
#include "fit.h"
#include "pilotdb.h"
#include "pilotsim.h"

#define TARGET_S 3.0
#define TARGET_FORECAST_S 5.0

static int simulate(const char *path, int quick)
{
    sim_scenario *scn = NULL;
    sim_engine *eng = NULL;
    pilotdb *db = NULL;
    char err[1024];
    double t0 = bench_now_s();
    int rc = -1;

    if (sim_scenario_load(PILOTDECK_SOURCE_DIR "/scenarios/large.ini", &scn, err,
                          sizeof err) != SIM_OK ||
        (quick && sim_scenario_set(scn, "scenario.duration=1h", err, sizeof err) != SIM_OK)) {
        fprintf(stderr, "bench_fit: %s\n", err);
        goto out;
    }
    if (pilotdb_open(path, PILOTDB_OPEN_CREATE, &db, err, sizeof err) != PILOTDB_OK ||
        pilotdb_set_cache(db, SIM_FILE_CACHE_KIB) != PILOTDB_OK) {
        fprintf(stderr, "bench_fit: %s: %s\n", path, db ? pilotdb_errmsg(db) : err);
        goto out;
    }
    if (sim_engine_new(scn, db, sim_scenario_seed(scn), &eng, err, sizeof err) != SIM_OK ||
        sim_engine_run(eng) != SIM_OK) {
        fprintf(stderr, "bench_fit: %s\n", eng ? sim_engine_errmsg(eng) : err);
        goto out;
    }
    printf("simulated %s into %s in %.1f s\n", quick ? "1 h of large.ini" : "large.ini", path,
           bench_now_s() - t0);
    rc = 0;
out:
    sim_engine_free(eng);
    pilotdb_close(db);
    sim_scenario_free(scn);
    return rc;
}

/* The forecast: 0 and its time in *secs, or -1 after a message. */
static int forecast(int quick, double *secs)
{
    sim_fit_options opt = {INT64_MIN, INT64_MAX, NULL, 0, 30, 0, "bench", 0, 0};
    sim_scenario *hist = NULL, *scns[2] = {NULL, NULL};
    sim_engine *eng = NULL;
    sim_fit *fit = NULL;
    pilotdb *db = NULL;
    sim_study st;
    char err[1024];
    double t0;
    int rc = -1;

    sim_study_init(&st, SIM_STUDY_WHATIF);
    if (sim_scenario_load(PILOTDECK_SOURCE_DIR "/scenarios/grid50.ini", &hist, err,
                          sizeof err) != SIM_OK ||
        sim_scenario_set(hist, "scenario.duration=24h", err, sizeof err) != SIM_OK ||
        pilotdb_open(":memory:", PILOTDB_OPEN_CREATE | PILOTDB_OPEN_SCRATCH, &db, err,
                     sizeof err) != PILOTDB_OK ||
        sim_engine_new(hist, db, 1, &eng, err, sizeof err) != SIM_OK) {
        fprintf(stderr, "bench_fit: forecast: %s\n", err);
        goto out;
    }
    if (sim_engine_run(eng) != SIM_OK) {
        fprintf(stderr, "bench_fit: forecast: %s\n", sim_engine_errmsg(eng));
        goto out;
    }
    t0 = bench_now_s();
    if (sim_fit_run(db, &opt, &fit, err, sizeof err) != SIM_OK)
        goto fail;
    for (int i = 0; i < 2; i++)
        if (sim_fit_scenario_new(fit, 1, &scns[i], err, sizeof err) != SIM_OK ||
            sim_scenario_set(scns[i], quick ? "scenario.duration=1h" : "scenario.duration=12h",
                             err, sizeof err) != SIM_OK)
            goto fail;
    if (sim_scenario_set(scns[1], "ce.*.capacity=+20%", err, sizeof err) != SIM_OK)
        goto fail;
    rc = sim_study_whatif(&st, "bench", "capacity +20%", scns[0], scns[1], err, sizeof err);
    scns[0] = scns[1] = NULL;
    if (rc != SIM_OK || sim_study_set_replications(&st, quick ? 2 : 30, 1, err, sizeof err) !=
        SIM_OK || sim_study_run(&st, 1, 1, 2, NULL, NULL, err, sizeof err) != SIM_OK) {
        rc = -1;
        goto fail;
    }
    *secs = bench_now_s() - t0;
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "bench_fit: forecast: %s\n", err);
out:
    sim_study_free(&st);
    sim_scenario_free(scns[0]);
    sim_scenario_free(scns[1]);
    sim_fit_free(fit);
    sim_engine_free(eng);
    pilotdb_close(db);
    sim_scenario_free(hist);
    return rc;
}

static int count_pilot(void *arg, const pilotdb_pilot *p)
{
    (void)p;
    ++*(int64_t *)arg;
    return 0;
}

int main(int argc, char **argv)
{
    const char *keep = NULL;
    char dir[] = "/tmp/bench_fit.XXXXXX", path[64], err[1024];
    int quick = 0, rounds = 3, status = 1;
    double best = 1e9, read_best = 1e9;
    int64_t pilots = 0;
    pilotdb *db = NULL;
    struct rusage ru;
    size_t nces = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--keep") == 0 && i + 1 < argc)
            keep = argv[++i];
        else {
            fprintf(stderr, "usage: bench_fit [--quick] [--rounds N] [--keep DB]\n");
            return 2;
        }
    }
    if (rounds < 1)
        rounds = 1;
    if (!keep && !mkdtemp(dir)) {
        perror("bench_fit: mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/large.db", dir);
    if (keep && access(keep, F_OK) == 0)
        printf("using %s\n", keep);
    else if (simulate(keep ? keep : path, quick) != 0)
        goto out;
    if (pilotdb_open(keep ? keep : path, PILOTDB_OPEN_READONLY, &db, err, sizeof err) !=
        PILOTDB_OK) {
        fprintf(stderr, "bench_fit: %s\n", err);
        goto out;
    }
    for (int r = 0; r < rounds; r++) {
        sim_fit_options opt = {INT64_MIN, INT64_MAX, NULL, 0, 30, 0, "bench", 0, 0};
        sim_fit *fit = NULL;
        double t0 = bench_now_s(), t;
        json_t *j;
        pilots = 0;
        if (pilotdb_pilots_foreach(db, NULL, count_pilot, &pilots) != PILOTDB_OK) {
            fprintf(stderr, "bench_fit: %s\n", pilotdb_errmsg(db));
            goto out;
        }
        t = bench_now_s() - t0;
        read_best = t < read_best ? t : read_best;
        t0 = bench_now_s();
        if (sim_fit_run(db, &opt, &fit, err, sizeof err) != SIM_OK) {
            fprintf(stderr, "bench_fit: %s\n", err);
            goto out;
        }
        t = bench_now_s() - t0;
        best = t < best ? t : best;
        j = sim_fit_json(fit);
        nces = json_array_size(json_object_get(j, "ces"));
        json_decref(j);
        sim_fit_free(fit);
    }
    getrusage(RUSAGE_SELF, &ru);
    printf("pilots %lld on %zu CEs\n", (long long)pilots, nces);
    printf("read every pilot (pilotdb_pilots_foreach): %.2f s (best of %d)\n", read_best,
           rounds);
    printf("fit: %.2f s (best of %d), peak RSS %.0f MB; target <= %.1f s%s\n", best, rounds,
           (double)ru.ru_maxrss / 1024.0, TARGET_S,
           quick ? " (quick: not judged)" : best <= TARGET_S ? " -- met" : " -- MISSED");
    {
        double fbest = 1e9, ft;
        for (int r = 0; r < rounds; r++) {
            if (forecast(quick, &ft) != 0)
                goto out;
            fbest = ft < fbest ? ft : fbest;
        }
        printf("whatif --from-db of grid50 at 24 h: 30 replications x 12 h x 2, 2 threads: "
               "%.2f s (best of %d); target <= %.1f s%s\n", fbest, rounds, TARGET_FORECAST_S,
               quick ? " (quick: not judged)" : fbest <= TARGET_FORECAST_S ? " -- met"
                                                                         : " -- MISSED");
    }
    status = 0;
out:
    pilotdb_close(db);
    if (!keep) {
        unlink(path);
        char wal[80];
        snprintf(wal, sizeof wal, "%s-wal", path);
        unlink(wal);
        snprintf(wal, sizeof wal, "%s-shm", path);
        unlink(wal);
        rmdir(dir);
    }
    return status;
}
