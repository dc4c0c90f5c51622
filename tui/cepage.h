/*
 * cepage.h - the page of one CE (Enter on a CE in the dashboard, or
 * `pilotdeck top --once --ce NAME [--json]`): a model read in one snapshot
 * of the database, and its drawing as curses, plain text or JSON.
 *
 * The page shows the CE's configuration and where it came from, its pilots
 * per status, rates and grades over 1 h, 12 h and 7 d, the trend of its
 * active pilots at three resolutions (GlideinWMS's RRD steps: 5 min, 1 h,
 * 12 h), its most frequent failure and hold reasons, its last pilots (each
 * with its timeline) and its change log.
 */
#ifndef TUI_CEPAGE_H
#define TUI_CEPAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pilottui.h"

/* How many of each the page keeps. */
#define TUI_CEPAGE_REASONS 5
#define TUI_CEPAGE_PILOTS 20
#define TUI_CEPAGE_TREND_POINTS 144
/* Reasons are cut to this many bytes (at a character boundary). */
#define TUI_CEPAGE_REASON_MAX 255

/* The rate windows of the page. */
enum { TUI_CEPAGE_1H, TUI_CEPAGE_12H, TUI_CEPAGE_7D, TUI_CEPAGE_NWINDOWS };
/* The trend resolutions. */
enum { TUI_CEPAGE_5MIN, TUI_CEPAGE_HOUR, TUI_CEPAGE_HALF_DAY, TUI_CEPAGE_NTRENDS };

extern const int64_t tui_cepage_window_ms[TUI_CEPAGE_NWINDOWS];
extern const int64_t tui_cepage_step_ms[TUI_CEPAGE_NTRENDS];

/* The rates of the CE over one window.  A CE younger than the window is
 * measured over its life (span_ms shorter, partial set). */
typedef struct tui_cepage_window {
    int64_t window_ms, span_ms;
    int partial;
    tui_rates rates;
    tui_grade grade;
    double efficiency;      /* done / (done + failed), or -1 with none */
} tui_cepage_window;

/* A reason and how many pilots gave it. */
typedef struct tui_reason_count {
    char reason[TUI_CEPAGE_REASON_MAX + 1]; /* as the source wrote it (cut) */
    int64_t count;
} tui_reason_count;

/* The most frequent reasons of one kind, and how many pilots had one. */
typedef struct tui_reason_list {
    tui_reason_count top[TUI_CEPAGE_REASONS];
    size_t n;
    int64_t with_reason, distinct;
} tui_reason_list;

/* One of the CE's last pilots. */
typedef struct tui_cepage_pilot {
    pilotdb_pilot pilot;
    char reason[TUI_CEPAGE_REASON_MAX + 1]; /* "" when none */
} tui_cepage_pilot;

/* One known transition of a pilot, for its timeline. */
typedef struct tui_timeline_step {
    pilot_status to;
    int64_t at;             /* PILOTDB_NO_TIME when unknown */
    pilotdb_time_kind kind;
} tui_timeline_step;

typedef struct tui_cepage {
    pilotdb_ce ce;
    pilotdb_clock_type clock;
    int64_t now;            /* the page's clock (the dashboard's) */
    int64_t first_at;       /* the CE's first known pilot time, or PILOTDB_NO_TIME */
    tui_cepage_window win[TUI_CEPAGE_NWINDOWS];
    /* Active pilots at the end of each step, oldest first; the last point
     * is now. */
    int64_t trend[TUI_CEPAGE_NTRENDS][TUI_CEPAGE_TREND_POINTS];
    tui_reason_list failed, held; /* failed pilots' reasons; active ones' (holds) */
    tui_cepage_pilot pilots[TUI_CEPAGE_PILOTS]; /* newest first */
    size_t npilots;
    pilotdb_ce_history_row *changes; /* newest first (pilotdb_ce_history()) */
    size_t nchanges;
    const pilotdb_ce_history_row *created;     /* the oldest row, or NULL */
    const pilotdb_ce_history_row *last_change; /* the newest row, or NULL */
} tui_cepage;

/*
 * Read the page of CE ce_name from db in one read snapshot, at time now
 * of the database's clock (the dashboard's now; PILOTDB_NO_TIME: the
 * handle's clock, or on a simulation's database its newest change), grading
 * with g (NULL: the defaults).  One pass over the CE's pilots.  On success
 * page owns memory to release with tui_cepage_free(); on error page is
 * zeroed and db's rc returned (PILOTDB_ENOTFOUND for an unknown CE,
 * PILOTDB_ENOMEM), pilotdb_errmsg(db) saying why.
 */
pilotdb_rc tui_cepage_read(tui_cepage *page, pilotdb *db, const char *ce_name, int64_t now,
                           const tui_grades *g);

/* Free what page owns and zero it. */
void tui_cepage_free(tui_cepage *page);

/* The known transitions of pilot p, in order, into out (at most 3): its
 * submission, start and end, each with its time and kind. */
size_t tui_cepage_timeline(const pilotdb_pilot *p, tui_timeline_step out[3]);

/* ---- drawing (cepage_draw.c) and JSON (cepage_json.c) --------------------- */

/* What the interactive page shows beside the model. */
typedef struct tui_cepage_ui {
    long selected;          /* index into page->pilots, or -1 */
    int timeline;           /* non-zero: the selected pilot's timeline */
    long first_line;        /* scroll position */
    int follow;             /* the next draw scrolls to the selected pilot */
} tui_cepage_ui;

/* What a key did on the page. */
enum tui_cepage_result {
    TUI_CEPAGE_STAY = 0,    /* handled: draw again */
    TUI_CEPAGE_CLOSE,       /* Esc: back to the table */
    TUI_CEPAGE_QUIT,
    TUI_CEPAGE_NO_PILOT,    /* Enter with no pilot selected */
    TUI_CEPAGE_NOT_HERE     /* a key of the table, which the page ignores */
};

/* Apply a key's action (an enum tui_action of keys.h) to the page: j/k and
 * the arrows move among its pilots, PgUp/PgDn scroll rows lines, Enter
 * shows the selected pilot's timeline, Esc leaves the timeline, then the
 * page. */
enum tui_cepage_result tui_cepage_key(tui_cepage_ui *ui, const tui_cepage *page, int action,
                                      int rows);

/* The page as the dashboard holds it. */
typedef struct tui_cepage_screen {
    int open;               /* the page is up instead of the table */
    tui_cepage page;
    tui_cepage_ui ui;
} tui_cepage_screen;

/*
 * Open the page of CE name (NULL: read the open page's CE again, keeping
 * the selected pilot selected while it is among the last ones) at time now
 * of the database's clock, grading with grades (NULL: the defaults).  0,
 * or -1 with the page closed and why (cleaned for the screen) in why.
 */
int tui_cepage_screen_read(tui_cepage_screen *ps, pilotdb *db, const char *name, int64_t now,
                           const tui_grades *grades, char *why, size_t why_size);

/* Close the page and free it. */
void tui_cepage_screen_close(tui_cepage_screen *ps);

/* Write the whole page as plain text, width columns wide, without escape
 * codes, and after it the timeline of each of the last pilots (one line
 * each, cut at width).  0, or -1 on a write error (errno set). */
int tui_cepage_text(const tui_cepage *page, int width, int unicode, FILE *out);

/* The page as a jansson object (the caller owns the reference); NULL on out
 * of memory. */
struct json_t *tui_cepage_json(const tui_cepage *page);

struct tui_screen;

/* Draw the page (or with ui->timeline the selected pilot's timeline) on
 * the whole curses screen, a status line and a footer; ui->first_line is
 * moved to keep the selected pilot on screen. */
void tui_cepage_draw(struct tui_screen *scr, const tui_cepage *page, tui_cepage_ui *ui,
                     int unicode, const char *status, int status_error);

#endif
