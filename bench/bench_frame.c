/*
 * bench_frame.c - the dashboard's frame cost: snapshot query, view model and
 * curses drawing, at 10,000 CEs and 1,000,000 pilots, on a WAL file read by
 * its own connection as `pilotdeck top` would (the writer submits, starts
 * and finishes pilots between frames, as a live simulator does).  The first
 * frame reads the trend and rate windows' history; a later frame only the CE
 * list, until the writer stops: the first quiet frame reads the rate window
 * again, and the frames after it read no CE list either.
 *
 * With --beside-ingest the frames are measured a second time while a child
 * process ingests into the same file as `pilotdeck ingest --follow` writes
 * (a transaction per 20,000 observations or per second, as fast as it
 * can; --ingest-batch N: at most N a transaction), instead of the writer
 * between frames: both medians are printed.
 *
 * Prints the figures with their targets and exits 1 if one is missed.
 * Usage: bench_frame [--quick] [--beside-ingest [--ingest-batch N]]
 *                    [--ces N] [--pilots N] [--frames N] [DIR]
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "pilotdb.h"
#include "pilottui.h"
#include "bench.h"

#define TARGET_FRAME_MS 10.0
#define TARGET_IDLE_CPU 2.0 /* percent at the default 1 s interval */
#define NEW_PILOTS_PER_FRAME 50

static int missed;

static double now_ms(void)
{
    return bench_now_s() * 1e3;
}

static void die_if(int bad, pilotdb *db, const char *what)
{
    if (bad) {
        fprintf(stderr, "bench_frame: %s: %s\n", what, db ? pilotdb_errmsg(db) : "");
        exit(2);
    }
}

static void report(const char *what, double value, const char *unit, double target)
{
    if (target < 0) {
        printf("%-44s %10.2f %s\n", what, value, unit);
        return;
    }
    printf("%-44s %10.2f %-4s (target <= %g: %s)\n", what, value, unit, target,
           value <= target ? "met" : "MISSED");
    missed += value > target;
}

static int64_t fake_now;

static int64_t fake_clock(void *arg)
{
    (void)arg;
    return fake_now;
}

/* Fill db: ces CEs of capacity 2 * pilots / ces, each with pilots / ces
 * pilots (10% submitted, 30% running, 50% done, 10% failed) whose events
 * spread over the last two hours. */
static void populate(pilotdb *db, long ces, long pilots)
{
    long per_ce = pilots / ces;
    int64_t wall = pilotdb_now(db), id;
    char name[64];
    unsigned seed = 1;

    /* A bulk fill in one transaction spills SQLite's default 2 MB page
     * cache to the WAL over and over; a larger cache only for the fill. */
    die_if(pilotdb_set_cache(db, 512 * 1024) != PILOTDB_OK, db, "page cache");
    pilotdb_set_clock(db, fake_clock, NULL);
    die_if(pilotdb_begin(db) != PILOTDB_OK, db, "begin");
    for (long c = 0; c < ces; c++) {
        snprintf(name, sizeof name, "ce%05ld.site%03ld.example.org", c, c % 397);
        die_if(pilotdb_ce_add(db, name, 2 * per_ce, 0.5 + (double)(c % 50) / 100.0, 1,
                              NULL) != PILOTDB_OK, db, "ce add");
        for (long p = 0; p < per_ce; p++) {
            long tenth = p * 10 / per_ce;
            seed = seed * 1103515245u + 12345u;
            fake_now = wall - (int64_t)(seed % 7200000u);
            die_if(pilotdb_pilot_submit(db, name, &id) != PILOTDB_OK, db, "submit");
            fake_now += 60000;
            if (tenth == 0)
                continue; /* submitted */
            if (tenth == 9) {
                die_if(pilotdb_pilot_set_status(db, id, PILOT_FAILED) != PILOTDB_OK, db,
                       "fail");
                continue;
            }
            die_if(pilotdb_pilot_set_status(db, id, PILOT_RUNNING) != PILOTDB_OK, db, "run");
            if (tenth >= 4) {
                fake_now += 60000;
                die_if(pilotdb_pilot_set_status(db, id, PILOT_DONE) != PILOTDB_OK, db,
                       "done");
            }
        }
    }
    die_if(pilotdb_commit(db) != PILOTDB_OK, db, "commit");
    die_if(pilotdb_set_cache(db, 2000) != PILOTDB_OK, db, "page cache");
    pilotdb_set_clock(db, NULL, NULL);
}

/* What a live writer does between two frames: submits and starts pilots,
 * and finishes the ones it started the frame before (one in five done, one
 * in ten failed), so that every counter a frame reads moves. */
static void live_writes(pilotdb *db, long ces, int frame)
{
    static int64_t started[NEW_PILOTS_PER_FRAME];
    char name[64];
    int64_t id;

    die_if(pilotdb_begin(db) != PILOTDB_OK, db, "begin");
    for (int i = 0; i < NEW_PILOTS_PER_FRAME; i++) {
        long c = (frame * NEW_PILOTS_PER_FRAME + i) % ces;
        if (started[i] > 0 && i % 5 == 0)
            die_if(pilotdb_pilot_set_status(db, started[i], PILOT_DONE) != PILOTDB_OK, db,
                   "done");
        else if (started[i] > 0 && i % 10 == 1)
            die_if(pilotdb_pilot_set_status(db, started[i], PILOT_FAILED) != PILOTDB_OK, db,
                   "fail");
        started[i] = 0;
        snprintf(name, sizeof name, "ce%05ld.site%03ld.example.org", c, c % 397);
        if (pilotdb_pilot_submit(db, name, &id) == PILOTDB_OK) {
            die_if(pilotdb_pilot_set_status(db, id, PILOT_RUNNING) != PILOTDB_OK, db, "run");
            started[i] = id;
        }
    }
    die_if(pilotdb_commit(db) != PILOTDB_OK, db, "commit");
}

/* The frame loop's timings: per frame, and CPU time over all. */
struct frame_times {
    double *update_ms, *draw_ms, *total_ms;
    double cpu_ms;
};

/* frames frames into ft, each after the writer's live writes (none when
 * writer is NULL: another process writes). */
static void run_frames(tui_view *view, pilotdb *reader, pilotdb *writer, tui_screen *screen,
                       const tui_draw_options *dopts, long ces, int frames,
                       struct frame_times *ft)
{
    double t0, t1, t2;

    ft->cpu_ms = 0;
    for (int f = 0; f < frames; f++) {
        struct timespec c0, c1;
        if (writer)
            live_writes(writer, ces, f);
        /* Alternate sort columns: a frame pays for a sort of every CE. */
        if (f % 2)
            tui_view_sort(view, TUI_COL_ACTIVE, 0);
        else
            tui_view_sort(view, TUI_COL_NAME, 0);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        t0 = now_ms();
        die_if(tui_view_update(view, reader) != PILOTDB_OK, reader, "frame");
        t1 = now_ms();
        tui_screen_draw_frame(screen, view, dopts);
        t2 = now_ms();
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        ft->cpu_ms += ((double)c1.tv_sec - (double)c0.tv_sec) * 1e3 +
                      ((double)c1.tv_nsec - (double)c0.tv_nsec) * 1e-6;
        ft->update_ms[f] = t1 - t0;
        ft->draw_ms[f] = t2 - t1;
        ft->total_ms[f] = t2 - t0;
    }
}

static volatile sig_atomic_t ingest_stop;
static int ingest_batch = 20000; /* observations per transaction at most */

static void on_term(int sig)
{
    (void)sig;
    ingest_stop = 1;
}

/* What the ingesting child did, sent to the parent at its end. */
struct ingest_tally {
    long records;
    double seconds;
};

/* The ingesting child: new pilots on every CE, each observed submitted,
 * then running, then done, the three lines of a pilot apart as in a live
 * source, stored with pilotdb_pilot_observe() in a transaction per
 * ingest_batch observations or per second, until SIGTERM; its tally goes
 * to fd. */
static void ingest_child(const char *path, long ces, int fd)
{
    static const int lag[3] = {0, 4, 1000};
    struct ingest_tally tally = {0, 0};
    double start = now_ms(), batch_start;
    char errbuf[512], ref[64], name[64];
    pilotdb *db = NULL;
    int64_t next = 0;
    pid_t parent = getppid();

    signal(SIGTERM, on_term);
    die_if(pilotdb_open(path, 0, &db, errbuf, sizeof errbuf) != PILOTDB_OK, NULL, errbuf);
    die_if(pilotdb_set_actor(db, "ingest", NULL) != PILOTDB_OK, db, "actor");
    while (!ingest_stop && getppid() == parent) { /* not beyond a parent that died */
        die_if(pilotdb_begin(db) != PILOTDB_OK, db, "ingest begin");
        batch_start = now_ms();
        for (int n = 0; n < ingest_batch && !ingest_stop && now_ms() - batch_start < 1000;
             next++) {
            for (int step = 0; step < 3; step++) {
                int64_t pilot = next - lag[step], at = pilotdb_now(db);
                long c = (long)(pilot % ces);
                pilotdb_observation o = {
                    ref, name, NULL, (pilot_status)(step == 2 ? PILOT_DONE : step),
                    {step == 0 ? PILOTDB_TIME_EXACT : PILOTDB_TIME_UNKNOWN,
                     step == 0 ? at : PILOTDB_NO_TIME},
                    {step == 1 ? PILOTDB_TIME_EXACT
                               : step == 2 ? PILOTDB_TIME_UNKNOWN : PILOTDB_TIME_NONE,
                     step == 1 ? at : PILOTDB_NO_TIME},
                    {step == 2 ? PILOTDB_TIME_EXACT : PILOTDB_TIME_NONE,
                     step == 2 ? at : PILOTDB_NO_TIME},
                    NULL, NULL, 0};
                if (pilot < 0)
                    continue;
                snprintf(ref, sizeof ref, "beside-%lld", (long long)pilot);
                snprintf(name, sizeof name, "ce%05ld.site%03ld.example.org", c, c % 397);
                die_if(pilotdb_pilot_observe(db, &o, NULL, NULL) != PILOTDB_OK, db,
                       "ingest observe");
                tally.records++;
                n++;
            }
        }
        die_if(pilotdb_commit(db) != PILOTDB_OK, db, "ingest commit");
    }
    tally.seconds = (now_ms() - start) / 1000.0;
    die_if(write(fd, &tally, sizeof tally) != (ssize_t)sizeof tally, NULL, "pipe");
    die_if(pilotdb_close(db) != PILOTDB_OK, NULL, "ingest close");
    _exit(0);
}

static double percentile(double *v, int n, double q)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return v[(int)(q * (n - 1) + 0.5)];
}

int main(int argc, char **argv)
{
    long ces = 10000, pilots = 1000000;
    int frames = 200, quick = 0, beside = 0;
    const char *dir = NULL;
    char tmpl[4096], path[4200], errbuf[512];
    pilotdb *writer = NULL, *reader = NULL;
    tui_screen *screen = NULL;
    tui_view view;
    tui_draw_options dopts = { 1, "bench", "wall" };
    FILE *devnull_out, *devnull_in;
    double t0, t1, alone_median;
    struct frame_times ft;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
            ces = 1000;
            pilots = 100000;
            frames = 30;
        } else if (strcmp(argv[i], "--beside-ingest") == 0) {
            beside = 1;
        } else if (strcmp(argv[i], "--ingest-batch") == 0 && i + 1 < argc) {
            ingest_batch = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--ces") == 0 && i + 1 < argc) {
            ces = atol(argv[++i]);
        } else if (strcmp(argv[i], "--pilots") == 0 && i + 1 < argc) {
            pilots = atol(argv[++i]);
        } else if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc) {
            frames = atoi(argv[++i]);
        } else if (argv[i][0] != '-') {
            dir = argv[i];
        } else {
            fprintf(stderr, "usage: bench_frame [--quick] [--beside-ingest [--ingest-batch N]]"
                            " [--ces N] [--pilots N] [--frames N] [DIR]\n");
            return 2;
        }
    }
    if (ces < 1 || pilots < ces || frames < 1 || ingest_batch < 1) {
        fprintf(stderr, "bench_frame: need --ces >= 1, --pilots >= --ces, --frames >= 1,"
                        " --ingest-batch >= 1\n");
        return 2;
    }
    snprintf(tmpl, sizeof tmpl, "%s/pilotdeck-bench-frame-XXXXXX",
             dir ? dir : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp"));
    die_if(!mkdtemp(tmpl), NULL, "mkdtemp");
    snprintf(path, sizeof path, "%s/frame.db", tmpl);

    printf("bench_frame: %ld CEs, %ld pilots, %d frames, 200x60 screen%s\n", ces, pilots,
           frames, quick ? " (--quick: small sizes, targets not meaningful)" : "");
    die_if(pilotdb_open(path, PILOTDB_OPEN_CREATE, &writer, errbuf, sizeof errbuf) !=
               PILOTDB_OK, NULL, errbuf);
    t0 = now_ms();
    populate(writer, ces, pilots);
    report("populate (API, one transaction)", (now_ms() - t0) / 1000.0, "s", -1);
    die_if(pilotdb_open(path, 0, &reader, errbuf, sizeof errbuf) != PILOTDB_OK, NULL, errbuf);

    /* Curses on /dev/null at a fixed size: the drawing and the terminal
     * output are computed as for a real terminal. */
    setenv("COLUMNS", "200", 1);
    setenv("LINES", "60", 1);
    devnull_out = fopen("/dev/null", "w");
    devnull_in = fopen("/dev/null", "r");
    die_if(!devnull_out || !devnull_in, NULL, "/dev/null");
    die_if(tui_screen_open("xterm-256color", devnull_out, devnull_in, 1, &screen, errbuf,
                           sizeof errbuf) != 0, NULL, errbuf);

    tui_view_init(&view, NULL);
    t0 = now_ms();
    die_if(tui_view_update(&view, reader) != PILOTDB_OK, reader, "first frame");
    t1 = now_ms();
    tui_screen_draw_frame(screen, &view, &dopts);
    report("first frame (reads the trend and rate windows)", now_ms() - t0, "ms", -1);
    report("  of which snapshot + view model", t1 - t0, "ms", -1);

    ft.update_ms = calloc((size_t)frames, sizeof *ft.update_ms);
    ft.draw_ms = calloc((size_t)frames, sizeof *ft.draw_ms);
    ft.total_ms = calloc((size_t)frames, sizeof *ft.total_ms);
    die_if(!ft.update_ms || !ft.draw_ms || !ft.total_ms, NULL, "out of memory");
    run_frames(&view, reader, writer, screen, &dopts, ces, frames, &ft);
    die_if(view.totals.count[PILOT_RUNNING] < pilots * 3 / 10, NULL, "counts are wrong");
    report("frame: snapshot + view model, median", percentile(ft.update_ms, frames, 0.5), "ms",
           -1);
    report("frame: draw (curses, 200x60), median", percentile(ft.draw_ms, frames, 0.5), "ms",
           -1);
    alone_median = percentile(ft.total_ms, frames, 0.5);
    report("frame: total, median", alone_median, "ms", TARGET_FRAME_MS);
    report("frame: total, 95th percentile", percentile(ft.total_ms, frames, 0.95), "ms",
           quick ? -1 : 2 * TARGET_FRAME_MS);
    /* At the default 1 s interval a frame is the only work the dashboard
     * does while idle (it sleeps in getch), so CPU time per frame over
     * 1000 ms is its idle CPU share. */
    report("idle CPU at a 1 s interval (CPU ms / 1000 ms)", ft.cpu_ms / frames / 10.0, "%",
           TARGET_IDLE_CPU);
    if (beside) {
        struct ingest_tally tally;
        int fds[2], status;
        pid_t child;

        fflush(stdout);
        die_if(pipe(fds) != 0, NULL, "pipe");
        child = fork();
        die_if(child < 0, NULL, "fork");
        if (child == 0) {
            close(fds[0]);
            ingest_child(path, ces, fds[1]);
        }
        close(fds[1]);
        usleep(500000); /* the ingest under way */
        run_frames(&view, reader, NULL, screen, &dopts, ces, frames, &ft);
        die_if(kill(child, SIGTERM) != 0, NULL, "kill");
        die_if(read(fds[0], &tally, sizeof tally) != (ssize_t)sizeof tally, NULL,
               "the ingesting child failed");
        die_if(waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
                   WEXITSTATUS(status) != 0, NULL, "the ingesting child failed");
        close(fds[0]);
        report("beside ingest: snapshot + view model, median",
               percentile(ft.update_ms, frames, 0.5), "ms", -1);
        report("beside ingest: frame total, median", percentile(ft.total_ms, frames, 0.5),
               "ms", TARGET_FRAME_MS);
        report("  (alone, as above)", alone_median, "ms", -1);
        report("beside ingest: frame total, 95th percentile",
               percentile(ft.total_ms, frames, 0.95), "ms", quick ? -1 : 2 * TARGET_FRAME_MS);
        report("beside ingest: CPU time per frame, mean", ft.cpu_ms / frames, "ms", -1);
        report("  (the ingest: observations per second)",
               (double)tally.records / tally.seconds, "/s", -1);
    }
    /* The first frame after the writer stops reads the rate window again
     * from the history (once per burst of writes), unless a frame read it
     * less than 30 s before (tui/view.c, quiet_reread_due()). */
    t0 = now_ms();
    die_if(tui_view_update(&view, reader) != PILOTDB_OK, reader, "quiet frame");
    report("first quiet frame (reads the rate window, at most every 30 s)", now_ms() - t0,
           "ms", -1);
    /* Then the database stays as it is: a frame reads no CE list (its data
     * version is the one of the last list) and only moves the clock on. */
    run_frames(&view, reader, NULL, screen, &dopts, ces, frames, &ft);
    report("unchanged database: snapshot + view model, median",
           percentile(ft.update_ms, frames, 0.5), "ms", -1);
    report("unchanged database: frame total, median", percentile(ft.total_ms, frames, 0.5),
           "ms", -1);

    tui_view_free(&view);
    tui_screen_close(screen);
    fclose(devnull_out);
    fclose(devnull_in);
    free(ft.update_ms);
    free(ft.draw_ms);
    free(ft.total_ms);
    pilotdb_close(reader);
    pilotdb_close(writer);
    snprintf(path, sizeof path, "rm -rf '%s'", tmpl);
    if (system(path) != 0)
        fprintf(stderr, "bench_frame: could not remove %s\n", tmpl);
    if (quick)
        return 0;
    return missed ? 1 : 0;
}
