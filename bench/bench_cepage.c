/*
 * bench_cepage.c - what opening a CE's page costs: tui_cepage_read() (one
 * snapshot: the CE, one pass over its pilots, its last pilots and change
 * log) and drawing it as text, for a CE of 100,000 pilots in a database of
 * 1,000,000 pilots at 10,000 CEs, on a WAL file read by its own
 * connection as `pilotdeck top` would.  The CE's pilots are every tenth
 * one written, spread over the whole table as an ingest interleaves them,
 * over eight days, and came from an outside source (refs, reasons, source
 * status words).  The page of one of the small CEs is measured too.
 * BENCH_CEPAGE_INDEX=SQL: measure the big CE again after running SQL (an
 * index to try); BENCH_CEPAGE_KEEP=1: keep the database file; --reuse FILE:
 * measure the pages of a file kept so, without filling one (for profiles).
 *
 * Prints the figures with their target and exits 1 if it is missed.
 * Usage: bench_cepage [--quick] [--pilots N] [--opens N] [--reuse FILE] [DIR]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cepage.h"
#include "pilotdb.h"
#include <sqlite3.h>

#define TARGET_OPEN_MS 50.0
#define BIG_CE "ce-big.example.org"
#define SMALL_CE "ce00001.site001.example.org"

static void die_if(int bad, pilotdb *db, const char *what)
{
    if (bad) {
        fprintf(stderr, "bench_cepage: %s: %s\n", what, db ? pilotdb_errmsg(db) : "");
        exit(2);
    }
}

static const char *const reasons[] = {
    "proxy expired", "worker node lost", "batch system: memory limit exceeded",
    "payload timed out", "scratch space full"
};

/* Fill db with pilots submitted evenly over the last 8 days, every tenth
 * one at the big CE, the others at ces - 1 CEs: each waits a minute, runs
 * an hour and ends done (90%) or failed (10%, with a reason), so that
 * those of the last hour are still active (one in six of the running ones
 * held, with a reason). */
static void populate(pilotdb *db, long ces, long pilots)
{
    const int64_t history = 8 * 86400000LL, wait = 60000, run = 3600000;
    int64_t wall = pilotdb_now(db) / 1000 * 1000;
    char ref[32], name[64];
    unsigned seed = 1;

    die_if(pilotdb_set_cache(db, 512 * 1024) != PILOTDB_OK, db, "page cache");
    die_if(pilotdb_begin(db) != PILOTDB_OK, db, "begin");
    die_if(pilotdb_ce_add(db, BIG_CE, 2000, 0.9, 1, NULL) != PILOTDB_OK, db, "ce add");
    for (long c = 1; c < ces; c++) {
        snprintf(name, sizeof name, "ce%05ld.site%03ld.example.org", c, c % 397);
        die_if(pilotdb_ce_add(db, name, 200, 0.9, 1, NULL) != PILOTDB_OK, db, "ce add");
    }
    for (long p = 0; p < pilots; p++) {
        pilotdb_observation obs = { 0 };
        long c = p % 10 == 0 ? 0 : 1 + (p % (ces - 1));
        int64_t at = wall - history + (int64_t)((double)p * (double)history / (double)pilots);

        seed = seed * 1103515245u + 12345u;
        snprintf(ref, sizeof ref, "schedd#%ld.0", p);
        if (c == 0)
            snprintf(name, sizeof name, "%s", BIG_CE);
        else
            snprintf(name, sizeof name, "ce%05ld.site%03ld.example.org", c, c % 397);
        obs.ref = ref;
        obs.ce_name = name;
        obs.submitted = (pilotdb_obs_time){ PILOTDB_TIME_EXACT, at };
        obs.status = PILOT_SUBMITTED;
        if (at + wait <= wall) {
            obs.status = PILOT_RUNNING;
            obs.started = (pilotdb_obs_time){ PILOTDB_TIME_EXACT, at + wait };
        }
        if (at + wait + run <= wall) {
            obs.status = (seed >> 16) % 10 == 0 ? PILOT_FAILED : PILOT_DONE;
            obs.ended = (pilotdb_obs_time){ PILOTDB_TIME_EXACT, at + wait + run };
        }
        if (obs.status == PILOT_FAILED || (obs.status == PILOT_RUNNING && (seed >> 16) % 6 == 1)) {
            obs.reason = reasons[(seed >> 20) % (sizeof reasons / sizeof reasons[0])];
            obs.source_status = obs.status == PILOT_FAILED ? "Aborted" : "Held";
        }
        die_if(pilotdb_pilot_observe(db, &obs, NULL, NULL) != PILOTDB_OK, db, "observe");
        if (p % 200000 == 199999) {
            die_if(pilotdb_commit(db) != PILOTDB_OK, db, "commit");
            die_if(pilotdb_begin(db) != PILOTDB_OK, db, "begin");
        }
    }
    die_if(pilotdb_commit(db) != PILOTDB_OK, db, "commit");
}

static double cpu_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* Open the page opens times on a fresh reader; the median in ms, the
 * median CPU time of an open into *cpu, and the median of drawing it as
 * text into *draw_ms. */
static double measure(const char *path, const char *ce, int opens, double *cpu,
                      double *draw_ms)
{
    double *open_t = calloc((size_t)opens, sizeof *open_t);
    double *draw_t = calloc((size_t)opens, sizeof *draw_t);
    double *cpu_t = calloc((size_t)opens, sizeof *cpu_t);
    FILE *sink = fopen("/dev/null", "w");
    char err[256];
    pilotdb *db = NULL;
    double median;

    die_if(!open_t || !draw_t || !sink, NULL, "out of memory");
    die_if(pilotdb_open(path, PILOTDB_OPEN_READONLY, &db, err, sizeof err) != PILOTDB_OK,
           NULL, err);
    for (int i = 0; i < opens; i++) {
        tui_cepage page;
        double c0 = cpu_ms(), t0 = bench_now_s(), t1;
        die_if(tui_cepage_read(&page, db, ce, PILOTDB_NO_TIME, NULL) != PILOTDB_OK, db,
               "page");
        t1 = bench_now_s();
        cpu_t[i] = cpu_ms() - c0;
        die_if(tui_cepage_text(&page, 200, 1, sink) != 0, NULL, "draw");
        open_t[i] = (t1 - t0) * 1e3;
        draw_t[i] = (bench_now_s() - t1) * 1e3;
        if (i == 0)
            printf("  page of %s: %lld pilots (%lld active), %lld failure and %lld hold"
                   " reasons\n", ce,
                   (long long)(page.ce.count[0] + page.ce.count[1] + page.ce.count[2] +
                               page.ce.count[3]), (long long)page.ce.active,
                   (long long)page.failed.with_reason, (long long)page.held.with_reason);
        tui_cepage_free(&page);
    }
    die_if(pilotdb_close(db) != PILOTDB_OK, NULL, "close");
    qsort(open_t, (size_t)opens, sizeof *open_t, bench_cmp_double);
    qsort(draw_t, (size_t)opens, sizeof *draw_t, bench_cmp_double);
    qsort(cpu_t, (size_t)opens, sizeof *cpu_t, bench_cmp_double);
    median = open_t[opens / 2];
    *draw_ms = draw_t[opens / 2];
    *cpu = cpu_t[opens / 2];
    free(cpu_t);
    free(open_t);
    free(draw_t);
    fclose(sink);
    return median;
}

int main(int argc, char **argv)
{
    long pilots = 1000000, ces = 10000;
    int opens = 21;
    const char *dir = NULL, *reuse = NULL;
    char path[4096], err[256];
    double t0, open_ms, draw_ms, cpu;
    pilotdb *db = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            pilots = 100000;
            ces = 1000;
            opens = 5;
        } else if (strcmp(argv[i], "--pilots") == 0 && i + 1 < argc) {
            pilots = atol(argv[++i]);
        } else if (strcmp(argv[i], "--opens") == 0 && i + 1 < argc) {
            opens = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--reuse") == 0 && i + 1 < argc) {
            reuse = argv[++i];
        } else if (argv[i][0] != '-') {
            dir = argv[i];
        } else {
            fprintf(stderr, "usage: bench_cepage [--quick] [--pilots N] [--opens N]"
                            " [--reuse FILE] [DIR]\n");
            return 2;
        }
    }
    if (pilots < 100 || opens < 1)
        return 2;
    if (reuse) {
        open_ms = measure(reuse, BIG_CE, opens, &cpu, &draw_ms);
        printf("%-44s %10.2f ms (CPU %.2f ms)\n", "CE page: read, median", open_ms, cpu);
        return open_ms <= TARGET_OPEN_MS ? 0 : 1;
    }
    snprintf(path, sizeof path, "%s/bench_cepage-%ld.db", dir ? dir : "/tmp", (long)getpid());
    unlink(path);
    die_if(pilotdb_open(path, PILOTDB_OPEN_CREATE, &db, err, sizeof err) != PILOTDB_OK, NULL,
           err);
    t0 = bench_now_s();
    populate(db, ces, pilots);
    printf("bench_cepage: %ld pilots at %ld CEs, %ld at %s (filled in %.1f s)\n", pilots, ces,
           (pilots + 9) / 10, BIG_CE, bench_now_s() - t0);
    die_if(pilotdb_close(db) != PILOTDB_OK, NULL, "close");

    open_ms = measure(path, BIG_CE, opens, &cpu, &draw_ms);
    printf("%-44s %10.2f ms (target <= %g: %s)\n", "CE page: read, median", open_ms,
           TARGET_OPEN_MS, open_ms <= TARGET_OPEN_MS ? "met" : "MISSED");
    printf("%-44s %10.2f ms\n", "CE page: read, CPU time, median", cpu);
    printf("%-44s %10.2f ms\n", "CE page: text, 200 wide, median", draw_ms);
    {
        double small_ms, small_cpu, d;
        small_ms = measure(path, SMALL_CE, opens, &small_cpu, &d);
        printf("%-44s %10.2f ms (CPU %.2f ms)\n", "CE page of a small CE: read, median",
               small_ms, small_cpu);
    }
    if (getenv("BENCH_CEPAGE_INDEX")) {
        double with_index, d;
        die_if(pilotdb_open(path, 0, &db, err, sizeof err) != PILOTDB_OK, NULL, err);
        t0 = bench_now_s();
        die_if(sqlite3_exec(pilotdb_sqlite(db), getenv("BENCH_CEPAGE_INDEX"), NULL, NULL, NULL) != SQLITE_OK, db, "index");
        printf("index built in %.2f s\n", bench_now_s() - t0);
        die_if(pilotdb_close(db) != PILOTDB_OK, NULL, "close");
        with_index = measure(path, BIG_CE, opens, &cpu, &d);
        printf("%-44s %10.2f ms (CPU %.2f ms)\n", "CE page: read after the SQL, median",
               with_index, cpu);
    }
    if (getenv("BENCH_CEPAGE_KEEP"))
        return open_ms <= TARGET_OPEN_MS ? 0 : 1;
    unlink(path);
    snprintf(path + strlen(path), sizeof path - strlen(path), "-wal");
    unlink(path);
    path[strlen(path) - 4] = '\0';
    snprintf(path + strlen(path), sizeof path - strlen(path), "-shm");
    unlink(path);
    return open_ms <= TARGET_OPEN_MS ? 0 : 1;
}
