/*
 * bench_whatif.c - the speed-up of replications on threads: 20 replications
 * of scenarios/grid50.ini (50 CEs) with --jobs 1 and with --jobs 2, each
 * replication in its own in-memory database, as `pilotdeck whatif` and
 * `sweep` run them.
 *
 * Prints the wall time of each, replications per second and the speed-up
 * beside the target (1.7x on 2 cores), checks that both give bit-identical
 * results, and exits 1 if the target is missed (2 on error).
 * Usage: bench_whatif [--quick] [--replications N] [--jobs J] [SCENARIO]
 *   SCENARIO       default: scenarios/grid50.ini of the source tree
 *   --replications N   default 20
 *   --jobs J       the parallel run's threads (default 2)
 *   --quick        4 replications of the first 12 virtual hours (CTest keeps
 *                  the program working with it; no target is checked)
 * SQLite is set up as the pilotdeck command sets it up
 * (pilotdb_setup_process(): no memory statistics, so no process-wide lock
 * on allocations shared by the threads).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "pilotsim.h"

#define TARGET_SPEEDUP 1.7

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Run the tasks on jobs threads; the wall time, or a negative on error. */
static double timed_run(const sim_rep_task *tasks, size_t n, unsigned jobs,
                        sim_rep_result *results, double *cpu)
{
    char err[1100];
    double t0 = now_s(), c0 = cpu_s();

    if (sim_replicate(tasks, n, jobs, NULL, NULL, results, err, sizeof err) != SIM_OK) {
        fprintf(stderr, "bench_whatif: %s\n", err);
        return -1;
    }
    *cpu = cpu_s() - c0;
    return now_s() - t0;
}

static int same_results(const sim_rep_result *a, const sim_rep_result *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (a[i].nunits != b[i].nunits ||
            memcmp(a[i].values, b[i].values, a[i].nunits * SIM_NMETRICS * sizeof(double)) != 0)
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    const char *path = PILOTDECK_SOURCE_DIR "/scenarios/grid50.ini";
    size_t nrep = 20, i;
    unsigned jobs = 2;
    int quick = 0, status = 2, a;
    sim_scenario *scn = NULL;
    sim_rep_task *tasks = NULL;
    sim_rep_result *one = NULL, *many = NULL;
    double wall1, wallj, cpu1, cpuj, speedup;
    char err[1024];

    (void)pilotdb_setup_process();
    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[a], "--replications") == 0 && a + 1 < argc) {
            nrep = (size_t)strtoul(argv[++a], NULL, 10);
        } else if (strcmp(argv[a], "--jobs") == 0 && a + 1 < argc) {
            jobs = (unsigned)strtoul(argv[++a], NULL, 10);
        } else if (argv[a][0] != '-') {
            path = argv[a];
        } else {
            fprintf(stderr, "usage: bench_whatif [--quick] [--replications N] [--jobs J] "
                    "[SCENARIO]\n");
            return 2;
        }
    }
    if (quick)
        nrep = 4;
    if (nrep < 1 || jobs < 2) {
        fprintf(stderr, "bench_whatif: need at least 1 replication and 2 jobs\n");
        return 2;
    }
    if (sim_scenario_load(path, &scn, err, sizeof err) != SIM_OK ||
        (quick && sim_scenario_set(scn, "scenario.duration=12h", err, sizeof err) != SIM_OK)) {
        fprintf(stderr, "bench_whatif: %s\n", err);
        return 2;
    }
    tasks = calloc(nrep, sizeof *tasks);
    one = calloc(nrep, sizeof *one);
    many = calloc(nrep, sizeof *many);
    if (!tasks || !one || !many)
        goto out;
    for (i = 0; i < nrep; i++)
        tasks[i] = (sim_rep_task){scn, sim_scenario_seed(scn) + i};

    printf("bench_whatif: %zu replications of %s (%zu CEs)%s\n", nrep,
           sim_scenario_name(scn), sim_scenario_ce_count(scn), quick ? ", quick" : "");
    wall1 = timed_run(tasks, nrep, 1, one, &cpu1);
    if (wall1 < 0)
        goto out;
    printf("  --jobs 1: %7.2f s wall, %7.2f s CPU, %6.2f replications/s\n", wall1, cpu1,
           (double)nrep / wall1);
    wallj = timed_run(tasks, nrep, jobs, many, &cpuj);
    if (wallj < 0)
        goto out;
    printf("  --jobs %u: %7.2f s wall, %7.2f s CPU, %6.2f replications/s\n", jobs, wallj,
           cpuj, (double)nrep / wallj);
    if (!same_results(one, many, nrep)) {
        fprintf(stderr, "bench_whatif: --jobs 1 and --jobs %u gave different results\n", jobs);
        goto out;
    }
    speedup = wall1 / wallj;
    printf("  speed-up: %.2fx (target >= %.1fx with --jobs 2 on 2 idle cores); results "
           "identical\n", speedup, TARGET_SPEEDUP);
    if (quick) {
        printf("  (quick: no target)\n");
        status = 0;
    } else {
        status = speedup >= TARGET_SPEEDUP ? 0 : 1;
        printf("  %s\n", status == 0 ? "target met" : "TARGET MISSED");
    }
out:
    for (i = 0; one && many && i < nrep; i++) {
        sim_rep_result_free(&one[i]);
        sim_rep_result_free(&many[i]);
    }
    free(one);
    free(many);
    free(tasks);
    sim_scenario_free(scn);
    return status;
}
