/*
 * bench_frame.c - the dashboard's frame cost: snapshot query, view model and
 * curses drawing, at 10,000 CEs and 1,000,000 pilots, on a WAL file read by
 * its own connection as `pilotdeck top` would (the writer submits, starts
 * and finishes pilots between frames, as a live simulator does).  The first
 * frame reads the trend and rate windows' history; a later frame only the CE
 * list, until the writer stops: the first quiet frame reads the rate window
 * again.
 *
 * Prints the figures with their targets and exits 1 if one is missed.
 * Usage: bench_frame [--quick] [--ces N] [--pilots N] [--frames N] [DIR]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static double percentile(double *v, int n, double q)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return v[(int)(q * (n - 1) + 0.5)];
}

int main(int argc, char **argv)
{
    long ces = 10000, pilots = 1000000;
    int frames = 200, quick = 0;
    const char *dir = NULL;
    char tmpl[4096], path[4200], errbuf[512];
    pilotdb *writer = NULL, *reader = NULL;
    tui_screen *screen = NULL;
    tui_view view;
    tui_draw_options dopts = { 1, "bench", "wall" };
    FILE *devnull_out, *devnull_in;
    double t0, t1, t2, cpu1, *update_ms, *draw_ms, *total_ms;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
            ces = 1000;
            pilots = 100000;
            frames = 30;
        } else if (strcmp(argv[i], "--ces") == 0 && i + 1 < argc) {
            ces = atol(argv[++i]);
        } else if (strcmp(argv[i], "--pilots") == 0 && i + 1 < argc) {
            pilots = atol(argv[++i]);
        } else if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc) {
            frames = atoi(argv[++i]);
        } else if (argv[i][0] != '-') {
            dir = argv[i];
        } else {
            fprintf(stderr, "usage: bench_frame [--quick] [--ces N] [--pilots N]"
                            " [--frames N] [DIR]\n");
            return 2;
        }
    }
    if (ces < 1 || pilots < ces || frames < 1) {
        fprintf(stderr, "bench_frame: need --ces >= 1, --pilots >= --ces, --frames >= 1\n");
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

    update_ms = calloc((size_t)frames, sizeof *update_ms);
    draw_ms = calloc((size_t)frames, sizeof *draw_ms);
    total_ms = calloc((size_t)frames, sizeof *total_ms);
    die_if(!update_ms || !draw_ms || !total_ms, NULL, "out of memory");
    cpu1 = 0;
    for (int f = 0; f < frames; f++) {
        struct timespec c0, c1;
        live_writes(writer, ces, f);
        /* Alternate sort columns: a frame pays for a sort of every CE. */
        if (f % 2)
            tui_view_sort(&view, TUI_COL_ACTIVE, 0);
        else
            tui_view_sort(&view, TUI_COL_NAME, 0);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        t0 = now_ms();
        die_if(tui_view_update(&view, reader) != PILOTDB_OK, reader, "frame");
        t1 = now_ms();
        tui_screen_draw_frame(screen, &view, &dopts);
        t2 = now_ms();
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        cpu1 += ((double)c1.tv_sec - (double)c0.tv_sec) * 1e3 +
                ((double)c1.tv_nsec - (double)c0.tv_nsec) * 1e-6;
        update_ms[f] = t1 - t0;
        draw_ms[f] = t2 - t1;
        total_ms[f] = t2 - t0;
    }
    die_if(view.totals.count[PILOT_RUNNING] < pilots * 3 / 10, NULL, "counts are wrong");
    report("frame: snapshot + view model, median", percentile(update_ms, frames, 0.5), "ms",
           -1);
    report("frame: draw (curses, 200x60), median", percentile(draw_ms, frames, 0.5), "ms", -1);
    report("frame: total, median", percentile(total_ms, frames, 0.5), "ms", TARGET_FRAME_MS);
    report("frame: total, 95th percentile", percentile(total_ms, frames, 0.95), "ms",
           quick ? -1 : 2 * TARGET_FRAME_MS);
    /* At the default 1 s interval a frame is the only work the dashboard
     * does while idle (it sleeps in getch), so CPU time per frame over
     * 1000 ms is its idle CPU share. */
    report("idle CPU at a 1 s interval (CPU ms / 1000 ms)", cpu1 / frames / 10.0, "%",
           TARGET_IDLE_CPU);
    /* The first frame after the writer stops reads the rate window again
     * from the history (once per burst of writes). */
    t0 = now_ms();
    die_if(tui_view_update(&view, reader) != PILOTDB_OK, reader, "quiet frame");
    report("first quiet frame (reads the rate window)", now_ms() - t0, "ms", -1);

    tui_view_free(&view);
    tui_screen_close(screen);
    fclose(devnull_out);
    fclose(devnull_in);
    free(update_ms);
    free(draw_ms);
    free(total_ms);
    pilotdb_close(reader);
    pilotdb_close(writer);
    snprintf(path, sizeof path, "rm -rf '%s'", tmpl);
    if (system(path) != 0)
        fprintf(stderr, "bench_frame: could not remove %s\n", tmpl);
    if (quick)
        return 0;
    return missed ? 1 : 0;
}
