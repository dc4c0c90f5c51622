/*
 * bench_sim.c - figures for libpilotsim: the large scenario (1000 CEs, about
 * a million pilots) through the engine's store in memory (counts only, as
 * replications run), and with every transition written into :memory: and
 * into a WAL file database, each in a child process of its own so that its
 * peak RSS is its own.
 *
 * Prints pilots, transitions, wall time, transitions per second and peak
 * RSS per mode beside the targets (the memory store's also its speed-up on
 * the :memory: database's time of the same run), and exits 1 if a target
 * is missed.
 * Usage: bench_sim [--quick] [--memory-only] [--until T] [--cache-mb N]
 *                  [SCENARIO [DIR]]
 *   SCENARIO  default: scenarios/large.ini of the source tree
 *   DIR       where the file database goes (default: a temp dir)
 *   --memory-only  the memory store and :memory: only, no file
 *   --quick   simulate the first 10 virtual minutes only (CTest keeps the
 *             program working with it; no targets are checked)
 *   --until T simulate up to virtual time T only (no targets are checked)
 *   --cache-mb N   experiment: a page cache of N MiB (pilotdb_set_cache())
 *                  rather than the simulator's SIM_FILE_CACHE_KIB on a file
 * SQLite is set up as the pilotdeck command sets it up
 * (pilotdb_setup_process()).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "pilotdb.h"
#include "pilotsim.h"
#include "bench.h"

#define TARGET_STORE_S 1.0
#define TARGET_STORE_SPEEDUP 5.0
#define TARGET_MEMORY_S 8.0
#define TARGET_FILE_S 15.0
#define TARGET_RSS_MB 100.0

/* Run the scenario into db_path; print one line; return 0 if the targets are
 * met (or quick), 1 if missed, 2 on error. */
static int64_t until_ms = -1; /* --until */
static long cache_mb;         /* --cache-mb */
static double *seconds;       /* shared with the children: each mode's wall time */

static int bench_one(const char *scenario, const char *db_path, const char *mode,
                     double target_s, int quick)
{
    sim_scenario *scn = NULL;
    sim_engine *eng = NULL;
    pilotdb *db = NULL;
    sim_ce_stats total;
    struct rusage ru;
    char err[1024];
    double t0, t1, rss_mb;
    int64_t transitions;
    int status = 2;

    if (sim_scenario_load(scenario, &scn, err, sizeof err) != SIM_OK) {
        fprintf(stderr, "bench_sim: %s\n", err);
        goto out;
    }
    /* As `pilotdeck sim` opens it (a :memory: database without a journal);
     * no database for the memory store. */
    if (db_path && pilotdb_open(db_path, PILOTDB_OPEN_CREATE | (strcmp(db_path, ":memory:") == 0
                                                     ? PILOTDB_OPEN_SCRATCH : 0),
                     &db, err, sizeof err) != PILOTDB_OK) {
        fprintf(stderr, "bench_sim: %s: %s\n", db_path, err);
        goto out;
    }
    /* As `pilotdeck sim` sets it up for a file, unless --cache-mb says. */
    if (db_path && (cache_mb > 0 || strcmp(db_path, ":memory:") != 0) &&
        pilotdb_set_cache(db, cache_mb > 0 ? cache_mb * 1024 : SIM_FILE_CACHE_KIB) !=
            PILOTDB_OK) {
        fprintf(stderr, "bench_sim: %s: %s\n", db_path, pilotdb_errmsg(db));
        goto out;
    }
    if (until_ms >= 0)
        quick = 1;
    t0 = bench_now_s();
    if ((db ? sim_engine_new(scn, db, sim_scenario_seed(scn), &eng, err, sizeof err)
            : sim_engine_new_memory(scn, sim_scenario_seed(scn), &eng, err, sizeof err)) !=
        SIM_OK) {
        fprintf(stderr, "bench_sim: %s\n", err);
        goto out;
    }
    if (sim_engine_run_until(eng, until_ms >= 0 ? until_ms
                                  : quick ? 600000 : sim_scenario_duration(scn)) != SIM_OK) {
        fprintf(stderr, "bench_sim: %s\n", sim_engine_errmsg(eng));
        goto out;
    }
    t1 = bench_now_s();
    seconds[db_path ? strcmp(db_path, ":memory:") == 0 ? 1 : 2 : 0] = t1 - t0;
    sim_report_ce(eng, sim_report_ce_count(eng), &total);
    transitions = total.submitted + total.started + total.done +
                  total.failed_before_start + total.failed_running;
    getrusage(RUSAGE_SELF, &ru);
    rss_mb = (double)ru.ru_maxrss / 1024.0;
    printf("%-8s %4zu CEs %9lld pilots %9lld transitions %7.2f s %9.0f /s  "
           "peak RSS %6.1f MB", mode, sim_report_ce_count(eng),
           (long long)total.submitted, (long long)transitions, t1 - t0,
           (double)transitions / (t1 - t0), rss_mb);
    if (quick) {
        printf("  (quick: no targets)\n");
        status = 0;
    } else {
        int ok_t = t1 - t0 <= target_s, ok_m = rss_mb <= TARGET_RSS_MB;
        printf("  (targets: <= %.1f s %s, <= %.0f MB %s)\n", target_s,
               ok_t ? "met" : "MISSED", TARGET_RSS_MB, ok_m ? "met" : "MISSED");
        status = ok_t && ok_m ? 0 : 1;
    }
out:
    sim_engine_free(eng);
    pilotdb_close(db);
    sim_scenario_free(scn);
    return status;
}

/* Each mode in a child, so each peak RSS is measured alone. */
static int in_child(const char *scenario, const char *db_path, const char *mode,
                    double target_s, int quick)
{
    pid_t pid;
    int wstatus;

    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        perror("bench_sim: fork");
        return 2;
    }
    if (pid == 0) {
        int rc = bench_one(scenario, db_path, mode, target_s, quick);
        fflush(stdout);
        _exit(rc);
    }
    if (waitpid(pid, &wstatus, 0) < 0 || !WIFEXITED(wstatus))
        return 2;
    return WEXITSTATUS(wstatus);
}

int main(int argc, char **argv)
{
    const char *scenario = PILOTDECK_SOURCE_DIR "/scenarios/large.ini";
    const char *dir = NULL;
    char tmpl[] = "/tmp/bench_sim.XXXXXX", path[4096], wal[4200], shm[4200];
    int quick = 0, memory_only = 0, scenario_given = 0, i, worst = 0, rc;

    (void)pilotdb_setup_process();
    seconds = mmap(NULL, 3 * sizeof *seconds, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (seconds == MAP_FAILED) {
        perror("bench_sim: mmap");
        return 2;
    }
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--memory-only") == 0)
            memory_only = 1;
        else if (strcmp(argv[i], "--cache-mb") == 0 && i + 1 < argc)
            cache_mb = atol(argv[++i]);
        else if (strcmp(argv[i], "--until") == 0 && i + 1 < argc) {
            if (sim_parse_duration(argv[++i], &until_ms) != 0) {
                fprintf(stderr, "bench_sim: --until needs a duration such as 2h\n");
                return 2;
            }
        }
        else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: bench_sim [--quick] [--memory-only] [--until T] "
                    "[--cache-mb N] [SCENARIO [DIR]]\n");
            return 2;
        } else if (!scenario_given) {
            scenario = argv[i];
            scenario_given = 1;
        } else {
            dir = argv[i];
        }
    }
    printf("bench_sim: %s%s\n", scenario, quick ? " (quick)" : "");
    rc = in_child(scenario, NULL, "memstore", TARGET_STORE_S, quick);
    worst = rc > worst ? rc : worst;
    rc = in_child(scenario, ":memory:", "memory", TARGET_MEMORY_S, quick);
    worst = rc > worst ? rc : worst;
    if (seconds[0] > 0 && seconds[1] > 0) {
        double speedup = seconds[1] / seconds[0];
        int ok = speedup >= TARGET_STORE_SPEEDUP;
        printf("memstore is %.1fx as fast as memory", speedup);
        if (quick || until_ms >= 0)
            printf("  (quick: no targets)\n");
        else
            printf("  (target: >= %.0fx %s)\n", TARGET_STORE_SPEEDUP, ok ? "met" : "MISSED");
        if (!ok && !quick && until_ms < 0 && worst < 1)
            worst = 1;
    }
    if (memory_only)
        return worst;
    if (!dir) {
        dir = mkdtemp(tmpl);
        if (!dir) {
            perror("bench_sim: mkdtemp");
            return 2;
        }
    }
    snprintf(path, sizeof path, "%s/bench_sim.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    unlink(path);
    rc = in_child(scenario, path, "file", TARGET_FILE_S, quick);
    worst = rc > worst ? rc : worst;
    unlink(path);
    unlink(wal);
    unlink(shm);
    if (dir == tmpl)
        rmdir(tmpl);
    return worst;
}
