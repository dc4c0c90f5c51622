/*
 * bench_whatif.c - the speed-up of replications on threads: 20 replications
 * of scenarios/grid50.ini (50 CEs) with --jobs 1 and with --jobs 2, each
 * replication in its own memory store, as `pilotdeck whatif` and `sweep`
 * run them.
 *
 * Prints the wall time of each, replications per second and the speed-up
 * beside the target (1.7x on 2 cores), checks that both give bit-identical
 * results, and exits 1 if the target is missed (2 on error).
 * Usage: bench_whatif [--quick] [--replications N] [--jobs J] [--rounds R]
 *                     [SCENARIO]
 *   SCENARIO       default: scenarios/grid50.ini of the source tree
 *   --replications N   default 20
 *   --jobs J       the parallel run's threads (default 2)
 *   --rounds R     timed rounds (default 9), rotating which run goes first;
 *                  the speed-up is of the median wall times, as one run's
 *                  wall time on this machine varies by 30 %
 *
 * Each round also times the machine's own baseline: the replications split
 * between J processes of one thread each, which share nothing.  Their
 * speed-up over one thread is what the machine gives J independent workers.
 *   --quick        4 replications of the first 12 virtual hours (CTest keeps
 *                  the program working with it; no target is checked)
 *
 * bench_whatif --study [--set KEY=VALUE] [--replications N] [--jobs J]
 *              [--memory-only] [SCENARIO]
 *   a what-if study as `pilotdeck whatif SCENARIO --set KEY=VALUE` runs it
 *   (default: scenarios/large.ini, ce.*.capacity=+10%, 30 replications,
 *   --jobs 2), through the memory store and then through SQLite (not with
 *   --memory-only), each in a child process so that its peak RSS is its
 *   own; prints the wall time and peak RSS of each beside the memory
 *   store's target (40 s) and checks that every value is the same double.
 * SQLite is set up as the pilotdeck command sets it up
 * (pilotdb_setup_process(): no memory statistics, so no process-wide lock
 * on allocations shared by the threads).
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, wait4() */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "pilotsim.h"
#include "bench.h"

#define TARGET_SPEEDUP 1.7
#define TARGET_STUDY_S 40.0
#define MAX_ROUNDS 99

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
    double t0 = bench_now_s(), c0 = cpu_s();

    if (sim_replicate(tasks, n, jobs, NULL, NULL, results, err, sizeof err) != SIM_OK) {
        fprintf(stderr, "bench_whatif: %s\n", err);
        return -1;
    }
    *cpu = cpu_s() - c0;
    return bench_now_s() - t0;
}

/* The machine's own baseline: the same tasks split between procs processes
 * of one thread each, which share nothing (their results are thrown away).
 * The wall time, or a negative on error. */
static double timed_processes(const sim_rep_task *tasks, size_t n, unsigned procs)
{
    double t0 = bench_now_s();
    unsigned p, started = 0;
    int failed = 0, wstatus;

    for (p = 0; p < procs; p++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("bench_whatif: fork");
            failed = 1;
            break;
        }
        if (pid == 0) {
            size_t m = 0, i;
            sim_rep_task *mine = calloc(n, sizeof *mine);
            sim_rep_result *res = calloc(n, sizeof *res);
            char err[1100];
            if (!mine || !res)
                _exit(1);
            for (i = p; i < n; i += procs)
                mine[m++] = tasks[i];
            _exit(sim_replicate(mine, m, 1, NULL, NULL, res, err, sizeof err) == SIM_OK
                      ? 0 : 1);
        }
        started++;
    }
    for (p = 0; p < started; p++)
        if (wait(&wstatus) < 0 || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
            failed = 1;
    if (failed)
        fprintf(stderr, "bench_whatif: a replication process failed\n");
    return failed ? -1 : bench_now_s() - t0;
}

/* The median of v[0..n-1] (sorts v). */
static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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

/* One what-if study of path against set on store, in this process: its
 * values into values[config][rep][unit][metric] (nunits units); 0 or -1. */
static int study_once(const char *path, const char *set, size_t nrep, unsigned jobs,
                      sim_store_kind store, double *values, size_t nunits)
{
    sim_scenario *base = NULL, *variant = NULL;
    sim_study st;
    char err[2048];
    size_t c, r, u;
    int m, rc = -1;

    sim_study_init(&st, SIM_STUDY_WHATIF);
    if (sim_scenario_load(path, &base, err, sizeof err) != SIM_OK ||
        sim_scenario_load(path, &variant, err, sizeof err) != SIM_OK ||
        sim_scenario_set(variant, set, err, sizeof err) != SIM_OK) {
        sim_scenario_free(base);
        sim_scenario_free(variant);
        goto out;
    }
    if (sim_study_whatif(&st, path, set, base, variant, err, sizeof err) != SIM_OK ||
        sim_study_set_replications(&st, nrep, sim_scenario_seed(base), err, sizeof err) !=
            SIM_OK)
        goto out;
    st.store = store;
    if (sim_study_run(&st, 1, 1, jobs, NULL, NULL, err, sizeof err) != SIM_OK)
        goto out;
    if (st.nunits != nunits) {
        snprintf(err, sizeof err, "%zu units, not %zu", st.nunits, nunits);
        goto out;
    }
    for (c = 0; c < 2; c++)
        for (r = 0; r < nrep; r++)
            for (u = 0; u < nunits; u++)
                for (m = 0; m < SIM_NMETRICS; m++)
                    *values++ = sim_study_value(&st, c, r, u, m);
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "bench_whatif: %s\n", err);
    sim_study_free(&st);
    return rc;
}

/* --study: see the top of the file. */
static int study_mode(const char *path, const char *set, size_t nrep, unsigned jobs,
                      int memory_only)
{
    static const char *const names[] = {"memory", "sqlite"};
    sim_scenario *scn = NULL;
    size_t nunits, nvalues;
    double *values[2] = {NULL, NULL}, wall[2] = {0, 0};
    char err[1024];
    int k, status = 0;

    if (sim_scenario_load(path, &scn, err, sizeof err) != SIM_OK) {
        fprintf(stderr, "bench_whatif: %s\n", err);
        return 2;
    }
    nunits = sim_scenario_ce_count(scn) + 1;
    printf("bench_whatif --study: whatif %s --set %s, %zu replications, --jobs %u\n",
           path, set, nrep, jobs);
    sim_scenario_free(scn);
    nvalues = 2 * nrep * nunits * SIM_NMETRICS;
    for (k = 0; k < (memory_only ? 1 : 2); k++) {
        struct rusage ru;
        double t0 = bench_now_s();
        int wstatus;
        pid_t pid;

        values[k] = mmap(NULL, nvalues * sizeof(double), PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (values[k] == MAP_FAILED) {
            perror("bench_whatif: mmap");
            return 2;
        }
        fflush(stdout);
        pid = fork();
        if (pid < 0) {
            perror("bench_whatif: fork");
            return 2;
        }
        if (pid == 0)
            _exit(study_once(path, set, nrep, jobs, k ? SIM_STORE_SQLITE : SIM_STORE_MEMORY,
                             values[k], nunits) == 0 ? 0 : 2);
        if (wait4(pid, &wstatus, 0, &ru) < 0 || !WIFEXITED(wstatus) ||
            WEXITSTATUS(wstatus) != 0)
            return 2;
        wall[k] = bench_now_s() - t0;
        printf("  --store %-6s %8.2f s wall  peak RSS %7.1f MB", names[k], wall[k],
               (double)ru.ru_maxrss / 1024.0);
        if (k == 0) {
            status = wall[k] <= TARGET_STUDY_S ? 0 : 1;
            printf("  (target: <= %.0f s %s)", TARGET_STUDY_S, status ? "MISSED" : "met");
        }
        printf("\n");
    }
    if (!memory_only) {
        if (memcmp(values[0], values[1], nvalues * sizeof(double)) != 0) {
            fprintf(stderr, "bench_whatif: the stores gave other values\n");
            return 2;
        }
        printf("  memory is %.1fx as fast as sqlite; every value identical\n",
               wall[1] / wall[0]);
    }
    return status;
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
    double wall1[MAX_ROUNDS], wallj[MAX_ROUNDS], wallp[MAX_ROUNDS], speedup;
    unsigned rounds = 9, r, k;
    int study = 0, memory_only = 0, nrep_given = 0, path_given = 0;
    const char *set = "ce.*.capacity=+10%";
    char err[1024];

    (void)pilotdb_setup_process();
    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[a], "--study") == 0) {
            study = 1;
        } else if (strcmp(argv[a], "--memory-only") == 0) {
            memory_only = 1;
        } else if (strcmp(argv[a], "--set") == 0 && a + 1 < argc) {
            set = argv[++a];
        } else if (strcmp(argv[a], "--replications") == 0 && a + 1 < argc) {
            nrep = (size_t)strtoul(argv[++a], NULL, 10);
            nrep_given = 1;
        } else if (strcmp(argv[a], "--rounds") == 0 && a + 1 < argc) {
            rounds = (unsigned)strtoul(argv[++a], NULL, 10);
        } else if (strcmp(argv[a], "--jobs") == 0 && a + 1 < argc) {
            jobs = (unsigned)strtoul(argv[++a], NULL, 10);
        } else if (argv[a][0] != '-') {
            path = argv[a];
            path_given = 1;
        } else {
            fprintf(stderr, "usage: bench_whatif [--quick] [--replications N] [--jobs J] "
                    "[--rounds R] [SCENARIO]\n"
                    "       bench_whatif --study [--set KEY=VALUE] [--replications N] "
                    "[--jobs J] [--memory-only] [SCENARIO]\n");
            return 2;
        }
    }
    if (study)
        return study_mode(path_given ? path : PILOTDECK_SOURCE_DIR "/scenarios/large.ini",
                          set, nrep_given ? nrep : 30, jobs, memory_only);
    if (quick)
        nrep = 4, rounds = 1;
    if (rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "bench_whatif: --rounds takes 1 to %d\n", MAX_ROUNDS);
        return 2;
    }
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

    printf("bench_whatif: %zu replications of %s (%zu CEs)%s, %u rounds\n", nrep,
           sim_scenario_name(scn), sim_scenario_ce_count(scn), quick ? ", quick" : "",
           rounds);
    for (r = 0; r < rounds; r++) {
        for (k = 0; k < 3; k++) {
            /* Round 1 runs --jobs 1 first (its results are the reference);
             * later rounds rotate the order, so that drift favours none. */
            int mode = (int)((k + r) % 3); /* 0: one thread, 1: threads, 2: processes */
            unsigned threads = mode == 1 ? jobs : 1;
            sim_rep_result *res = r == 0 && mode == 0 ? one : many;
            double cpu = 0, wall;

            if (mode == 2) {
                wall = timed_processes(tasks, nrep, jobs);
                if (wall < 0)
                    goto out;
                printf("  round %u, %u processes: %6.2f s wall, %6.2f replications/s\n",
                       r + 1, jobs, wall, (double)nrep / wall);
                wallp[r] = wall;
                continue;
            }
            wall = timed_run(tasks, nrep, threads, res, &cpu);
            if (wall < 0)
                goto out;
            printf("  round %u, --jobs %u: %6.2f s wall, %6.2f s CPU, %6.2f replications/s\n",
                   r + 1, threads, wall, cpu, (double)nrep / wall);
            (mode == 1 ? wallj : wall1)[r] = wall;
            if (res == many) {
                int same = same_results(one, many, nrep);
                for (i = 0; i < nrep; i++)
                    sim_rep_result_free(&many[i]);
                if (!same) {
                    fprintf(stderr, "bench_whatif: --jobs %u gave other results than "
                            "--jobs 1 in round %u\n", threads, r + 1);
                    goto out;
                }
            }
        }
    }
    printf("  median of %u rounds: --jobs 1 %.2f s, --jobs %u %.2f s, %u processes "
           "%.2f s\n", rounds, median(wall1, rounds), jobs, median(wallj, rounds), jobs,
           median(wallp, rounds));
    printf("  %u processes of one thread, sharing nothing, are %.2fx as fast as one: what "
           "this machine gives %u independent workers\n", jobs,
           median(wall1, rounds) / median(wallp, rounds), jobs);
    speedup = median(wall1, rounds) / median(wallj, rounds);
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
