/*
 * pilottui.h - the pilotdeck dashboard (libpilottui).
 *
 * The dashboard is built in three steps, each usable on its own:
 *
 *   1. A view model (struct tui_view) collected from one read snapshot of a
 *      pilot database: totals, one row per CE with its state and health,
 *      sorting, filtering, selection, and trends (from the history on the
 *      first frame, then from the per-CE counters).
 *      Plain data, no terminal; tui_view_update() is called once per frame.
 *   2. A layout (struct tui_layout): where every part of the screen goes, a
 *      pure function of width, height and options.
 *   3. Drawing: the interactive ncurses front end (tui_run()) or a headless
 *      frame as plain text (tui_frame_text()) or JSON (tui_view_json()).
 *
 * The dashboard reads and writes the database only through pilotdb.h.
 */
#ifndef PILOTTUI_H
#define PILOTTUI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pilotdb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The smallest terminal the dashboard draws into; the least important
 * columns go first as it narrows. */
#define TUI_MIN_WIDTH 60
#define TUI_MIN_HEIGHT 16

/* Trend history: TUI_TREND_BUCKETS buckets of tui_view_options.bucket_ms. */
#define TUI_TREND_BUCKETS 64

/* The rate window: one hour unless chosen, from 5 minutes to 7 days. */
#define TUI_WINDOW_DEFAULT_MS (3600 * 1000LL)
#define TUI_WINDOW_MIN_MS (5 * 60 * 1000LL)
#define TUI_WINDOW_MAX_MS (7 * 86400 * 1000LL)

/* Parse a rate window ("5m", "1h", "1.5h", "7d"; units ms, s, m, h, d) into
 * *ms: 0, or -1 with a message in err when text is not a duration or lies
 * outside [TUI_WINDOW_MIN_MS, TUI_WINDOW_MAX_MS]. */
int tui_window_parse(const char *text, int64_t *ms, char *err, size_t err_size);

/* Parse a duration ("500ms", "90s", "15m", "1.5h", "7d") into *ms: 0, or
 * -1 (and *ms 0) when text is not one. */
int tui_duration_parse(const char *text, int64_t *ms);

/* Pilots of a CE (or of all) that were submitted, ended done and ended
 * failed inside the rate window, and the same per hour. */
typedef struct tui_rates {
    int64_t submitted, done, failed;
    double submitted_per_hour, done_per_hour, failed_per_hour;
} tui_rates;

/* ---- numbers and grades ------------------------------------------------------- */

/* Counts below this are written exactly, in groups of three ("5 432"). */
#define TUI_COUNT_EXACT 100000

/*
 * The dashboard's one number format: a count exactly with a space between
 * groups of three digits below TUI_COUNT_EXACT ("5 432", "99 999"), else in
 * three significant digits and a suffix ("116k", "1.01M", "12.3G"); also in
 * three digits when the exact form is wider than width (width <= 0: no limit).
 */
void tui_count_text(char *buf, size_t size, int64_t v, int width);

/* Pilots per hour: one decimal below 100 ("12.3"), else as a count ("1 234",
 * "116k"). */
void tui_per_hour_text(char *buf, size_t size, double per_hour, int width);

/* A CE's grade from its efficiency, done / (done + failed) over the rate
 * window, like DIRAC's pilot efficiency. */
typedef enum tui_grade {
    TUI_GRADE_IDLE = 0, /* fewer than min_ended pilots ended in the window */
    TUI_GRADE_GOOD,
    TUI_GRADE_FAIR,
    TUI_GRADE_POOR,
    TUI_GRADE_BAD
} tui_grade;

/* The thresholds: Good >= good, Fair >= fair, Poor >= poor, Bad below;
 * Idle with fewer than min_ended ended pilots. */
typedef struct tui_grades {
    double good, fair, poor;
    int64_t min_ended;
} tui_grades;

/* 0.85, 0.60, 0.25 and 10. */
extern const tui_grades tui_grades_default;

/* The grade of done and failed pilots (g NULL: the defaults); *efficiency
 * (if not NULL) gets done / (done + failed), or -1 with none ended. */
tui_grade tui_grade_of(const tui_grades *g, int64_t done, int64_t failed,
                       double *efficiency);

/* "Idle", "Good", "Fair", "Poor", "Bad". */
const char *tui_grade_name(tui_grade grade);

/* 0 when g's thresholds lie in [0, 1], good >= fair >= poor and min_ended
 * >= 1; else -1 with a message in err. */
int tui_grades_check(const tui_grades *g, char *err, size_t err_size);

/* ---- view model ------------------------------------------------------------ */

/* What a CE is doing, a word of its own, never a grade.  The values order
 * the STATE column: what needs a look sorts first. */
typedef enum tui_ce_state {
    TUI_STATE_OK = 0,   /* enabled with free slots */
    TUI_STATE_FULL,     /* enabled, every slot used: doing what it is told */
    TUI_STATE_DISABLED, /* disabled, no active pilot left */
    TUI_STATE_STALE,    /* enabled, no change for longer than stale_ms (wall-clock
                           databases only) */
    TUI_STATE_OVER      /* more active pilots than its capacity: over_cause says why */
} tui_ce_state;

/* Why a CE holds more pilots than it may. */
typedef enum tui_over_cause {
    TUI_OVER_NONE = 0,
    TUI_OVER_DISABLED,  /* disabled but still holding pilots */
    TUI_OVER_LOWERED    /* capacity lowered below its active pilots */
} tui_over_cause;

/* Fewer pilots ended in the window than this make a CE (or a selection)
 * Idle: the default of tui_grades.min_ended, and what `pilotdeck check` and
 * `metrics` use, so that every view calls the same CEs idle. */
#define TUI_GRADE_MIN_ENDED 10

/* The columns of the CE table, in display order; also the sort keys. */
typedef enum tui_column {
    TUI_COL_NAME = 0,
    TUI_COL_SITE,
    TUI_COL_STATE,
    TUI_COL_SLOTS,    /* bar: running / submitted / free */
    TUI_COL_ACTIVE,   /* active/capacity */
    TUI_COL_RUNNING,
    TUI_COL_SUBMITTED,
    TUI_COL_DONE,
    TUI_COL_FAILED,
    TUI_COL_DONE_RATE,      /* done per hour over the rate window */
    TUI_COL_FAILED_RATE,    /* failed per hour over the rate window */
    TUI_COL_SUBMITTED_RATE, /* submitted per hour over the rate window */
    TUI_COL_GRADE,          /* the efficiency's grade */
    TUI_COL_EFFICIENCY,     /* done / (done + failed) over the rate window */
    TUI_COL_CONFIGURED,     /* configured success rate (simulated databases) */
    TUI_COL_TREND,    /* sparkline of active pilots */
    TUI_NCOLUMNS
} tui_column;

/* One CE as the dashboard shows it. */
typedef struct tui_ce_row {
    const pilotdb_ce *ce;   /* the snapshot row (owned by the view, valid until
                               the next tui_view_update()) */
    tui_ce_state state;
    tui_over_cause over_cause;
    tui_rates rates;        /* over the view's rate window */
    double efficiency;      /* rates.done / (rates.done + rates.failed), or -1 */
    tui_grade grade;        /* of efficiency, by tui_view_options.grades */
    size_t trend_slot;      /* private: index in the trend store */
} tui_ce_row;

/* A CE with no change for this long is stale (on a wall-clock database). */
#define TUI_STALE_DEFAULT_MS (30 * 60 * 1000LL)

/* Options of a view; set before the first tui_view_update(). */
typedef struct tui_view_options {
    int64_t bucket_ms;   /* trend bucket width; 0 means 60 s */
    int64_t window_ms;   /* rate window; 0 means TUI_WINDOW_DEFAULT_MS */
    int64_t stale_ms;    /* stale after this long unchanged; 0 means
                            TUI_STALE_DEFAULT_MS */
    const tui_grades *grades; /* NULL: tui_grades_default (copied at init) */
} tui_view_options;

/* Totals over every CE (not only the filtered ones). */
typedef struct tui_totals {
    size_t ces;
    size_t ces_enabled;
    int64_t count[PILOT_NSTATUS];
    int64_t active;
    int64_t capacity;       /* summed over enabled CEs */
    int64_t active_disabled; /* active pilots on disabled CEs */
    size_t ces_lowered;     /* enabled CEs over a lowered capacity */
    size_t ces_state[TUI_STATE_OVER + 1]; /* CEs per state */
    double efficiency;      /* over the rate window, or -1 */
    tui_grade grade;
    /* Rates: pilots inside [now - window, now] divided by rate_span_ms, the
     * window, or the time since the database's first event when that is
     * more recent than the window's start (rates_partial set; 0 with no
     * event at all). */
    tui_rates rates;
    int64_t rate_span_ms;
    int rates_partial;
} tui_totals;

/* A site in the tree (t): the totals of its CEs. */
typedef struct tui_site {
    char name[PILOTDB_NAME_MAX + 1]; /* "" for the CEs without a site */
    size_t ces;             /* all its CEs */
    size_t shown;           /* those that pass the filter */
    int64_t count[PILOT_NSTATUS];
    int64_t active, capacity; /* capacity of its enabled CEs */
    tui_rates rates;        /* summed over its CEs (the view's rate window) */
    double efficiency;      /* of rates, or -1 */
    tui_grade grade;
    tui_ce_state state;     /* the state of its CE that needs a look most */
    int collapsed;          /* its CEs are hidden */
    size_t first_row;       /* private: index of its first CE in the tree order */
} tui_site;

/* "(no site)": how the tree names the CEs without a site. */
#define TUI_NO_SITE "(no site)"

struct tui_trend;

/*
 * The view model.  Fields are read-only to callers except through the
 * tui_view_* functions.  rows holds every CE in name order (as listed by the
 * database); visible holds, in sort order, the indexes into rows of those
 * that pass the filter; selected is an index into visible (or -1 when
 * nothing is visible).
 */
typedef struct tui_view {
    tui_view_options opts;
    tui_grades grades;        /* opts.grades copied (or the defaults) */
    pilotdb_clock_type clock_kind; /* the database's, as last read */
    int64_t now;              /* the snapshot's clock, ms */
    int event_clock;          /* non-zero: now is the newest change's time (a
                                 simulator's database seen from the wall clock) */
    int clock_chosen;         /* private: event_clock is decided */
    int64_t reread_at, reread_cost; /* private: the last read of the rate
                                       window (monotonic ms) and its cost */
    tui_totals totals;
    tui_ce_row *rows;
    size_t nrows;
    size_t *visible;
    size_t nvisible;
    long selected;
    tui_column sort;
    int sort_reverse;         /* non-zero: the opposite of the column's default */
    char filter[PILOTDB_NAME_MAX + 1];
    char selected_name[PILOTDB_NAME_MAX + 1]; /* keeps the selection across frames */
    uint64_t frames;
    /* The tree (tui_view_tree()): visible then also holds one line per site
     * with a CE that passes the filter, each before its CEs (unless
     * collapsed); tui_view_visible_site() tells such a line. */
    int tree;
    tui_site *sites;          /* by name, the CEs without a site last */
    size_t nsites;
    int selected_is_site;     /* the selection is the site line of selected_name */
    /* Private: the frame's CEs, trend store and per-frame scratch. */
    pilotdb_ce *ces;
    uint64_t ces_version;   /* the database's data version ces was read at
                               (0: none) */
    struct tui_trend *trend;
    double *sort_keys;      /* by row */
    size_t *slots;          /* trend slot by CE of the frame being read */
    size_t nslots_alloc;
    size_t *scratch;        /* a slot per CE for the tree's order */
    size_t *sorted;         /* the last sort by a value of every row (no
                               filter): rows in order, and their keys by row */
    double *sorted_keys;
    size_t nsorted, sorted_cap; /* nsorted 0: none */
    tui_column sorted_by;
    int sorted_sign;
} tui_view;

/* Initialise view (zeroed, sort by name); opts may be NULL for defaults.
 * Release it with tui_view_free(). */
void tui_view_init(tui_view *view, const tui_view_options *opts);

/* Free everything view owns and zero it. */
void tui_view_free(tui_view *view);

/*
 * Collect one frame from db: open a read transaction, list the CEs (the
 * last frame's list when the database's data version is the one it was read
 * at), commit, then recompute totals, states, sorting and filtering.  The first frame
 * also reads the events of the trend and rate windows; a later one reads no
 * history but puts the change of each CE's counters since the frame before
 * in the bucket of its now (active pilots) and in the rate window at the
 * CE's last change (submitted, done, failed), so a frame costs O(CEs) plus
 * what entered or left the rate window; once the database is quiet, the
 * rate window is read again from the history.
 * The clock is pilotdb_now(db), except for a database of virtual times read
 * on the wall clock (one written by `pilotdeck sim`): then it is the newest
 * change time (the latest pilotdb_ce.last_change_at), and event_clock is
 * set, from the first frame that sees a change on (the windows start
 * again there).  On error the view keeps its previous frame, the read transaction is
 * rolled back and the db's rc is returned (pilotdb_errmsg(db) says why);
 * PILOTDB_ENOMEM when allocation fails.
 */
pilotdb_rc tui_view_update(tui_view *view, pilotdb *db);

/* Non-zero when view shows a simulated database (its clock is the
 * simulator's): then the configured success rate means something. */
int tui_view_simulated(const tui_view *view);

/* Sort by column (reverse non-zero for the opposite order); keeps the
 * selected CE selected. */
void tui_view_sort(tui_view *view, tui_column column, int reverse);

/* Show only CEs whose name contains filter (case-insensitive; NULL or ""
 * shows all); keeps the selected CE selected when it is still visible. */
void tui_view_filter(tui_view *view, const char *filter);

/* Move the selection by delta rows (clamped to the visible rows). */
void tui_view_select_move(tui_view *view, long delta);

/* The selected row, or NULL when nothing is visible or a site line is
 * selected. */
const tui_ce_row *tui_view_selected(const tui_view *view);

/* The i-th visible row (i < view->nvisible), or NULL when it is a site
 * line of the tree. */
const tui_ce_row *tui_view_visible_row(const tui_view *view, size_t i);

/* The site of the i-th visible line when it is a site line, else NULL. */
const tui_site *tui_view_visible_site(const tui_view *view, size_t i);

/* Group the CEs under their site (on non-zero) or list them flat; sorting
 * and filtering apply inside each site, sites sort by their totals. Keeps
 * the selected CE selected.  PILOTDB_ENOMEM (the view unchanged) when
 * memory runs out. */
pilotdb_rc tui_view_tree(tui_view *view, int on);

/* In the tree: collapse (non-zero) or expand the selected site; on a CE,
 * collapse selects its site line first (Left, like a file tree).  0, or -1
 * when there is nothing to do. */
int tui_view_tree_fold(tui_view *view, int collapse);

/*
 * Fill out[0..n-1] with the number of active pilots at the end of each of
 * the last n trend buckets, oldest first, for the CE of row (NULL: summed
 * over all CEs).  n is at most TUI_TREND_BUCKETS.
 */
void tui_view_trend(const tui_view *view, const tui_ce_row *row, int64_t *out,
                    size_t n);

/* The state of CE ce at now (stale only when stale_ms > 0); *cause (if not
 * NULL) says why a CE is over its capacity. */
tui_ce_state tui_state_of(const pilotdb_ce *ce, int64_t now, int64_t stale_ms,
                          tui_over_cause *cause);

/* "ok", "full", "over", "disabled", "stale" (the JSON words). */
const char *tui_state_name(tui_ce_state state);

/* The state as the table shows it: over with its cause ("over:dis" disabled
 * but holding pilots, "over:cap" capacity lowered), else tui_state_name(). */
const char *tui_state_word(tui_ce_state state, tui_over_cause cause);

/* "", "disabled", "capacity_lowered". */
const char *tui_over_cause_name(tui_over_cause cause);

/* The column's header ("NAME", "STATE", ...) and its JSON key. */
const char *tui_column_title(tui_column column);
const char *tui_column_key(tui_column column);

/*
 * Split a bar of width cells among running, submitted and free slots of
 * capacity: out[0] running, out[1] submitted, out[2] free cells, summing to
 * width.  A non-zero count gets at least one cell when width allows; active
 * above capacity fills the bar.
 */
void tui_bar_split(int64_t running, int64_t submitted, int64_t capacity,
                   int width, int out[3]);

/* ---- layout ----------------------------------------------------------------- */

typedef struct tui_layout_options {
    int headless;   /* no status line and footer (a --once frame) */
    int simulated;  /* a simulated database: CONF beside EFF */
} tui_layout_options;

typedef struct tui_layout_column {
    int shown;
    int x;
    int width;
} tui_layout_column;

/* Where everything goes on a width x height screen.  Rows are y values. */
typedef struct tui_layout {
    int width, height;
    int too_small;         /* below TUI_MIN_WIDTH x TUI_MIN_HEIGHT: draw nothing else */
    int title_y;
    int summary_y;         /* two lines: CEs and slots, pilots and rates */
    int spark_y, spark_x, spark_width;
    int table_header_y;
    int table_y;           /* first CE row */
    int table_rows;        /* how many CE rows fit */
    int status_y;          /* -1 when headless */
    int footer_y;          /* -1 when headless */
    tui_layout_column col[TUI_NCOLUMNS];
} tui_layout;

/*
 * Compute the layout of a width x height screen.  Columns are added in
 * priority order while they fit, then the spare width goes to the name, the
 * slot bar and the trend.  Below the minimum size only too_small is set.
 */
void tui_layout_compute(int width, int height, const tui_layout_options *opts,
                        tui_layout *out);

/* ---- headless frames ---------------------------------------------------------- */

/* How frames are drawn. */
typedef struct tui_draw_options {
    int unicode;        /* UTF-8 glyphs for bars and sparklines, else ASCII */
    const char *source; /* the database's name for the title */
    const char *clock_label; /* "wall" or "sim" */
} tui_draw_options;

/*
 * Write one frame of view as plain text (no escape codes) to out, width
 * columns wide, with every visible CE.  Returns 0, or -1 on a write error
 * (errno set).
 */
int tui_frame_text(const tui_view *view, int width, const tui_draw_options *opts,
                   FILE *out);

/*
 * The convention of every --json time: set "STEM_s" in obj to ms in
 * seconds on the database's clock (a number, an integer when whole; null
 * for PILOTDB_NO_TIME) and, unless the database is a simulation's, "STEM_at"
 * to its ISO 8601 UTC text (pilotdb_time_utc()).  0, or -1 when out of memory.
 */
struct json_t;
int tui_json_time(struct json_t *obj, const char *stem, int64_t ms, pilotdb_clock_type clock);

/*
 * The frame as a jansson object: {"source", "now", "totals": {...},
 * "ces": [{...}, ...]} with every visible CE in the view's order.  The caller
 * owns the reference (json_decref()); NULL on out of memory.
 */
struct json_t;
struct json_t *tui_view_json(const tui_view *view, const tui_draw_options *opts);

/* ---- curses screens ------------------------------------------------------------ */

/* A curses screen the dashboard draws on: tui_run() opens one on the
 * terminal; benchmarks and embedders may open one on any pair of streams. */
typedef struct tui_screen tui_screen;

/*
 * Start curses on out/in for terminal type term (NULL: $TERM).  color 0
 * forces monochrome; colour is also off when the terminal has none.  On
 * success *scr is a screen to close with tui_screen_close(); on error *scr
 * is NULL and errbuf says why (the process never exits, unlike initscr()).
 */
int tui_screen_open(const char *term, FILE *out, FILE *in, int color, tui_screen **scr,
                    char *errbuf, size_t errbuf_size);

/* Draw one frame of view at the screen's size (with the footer, the first
 * visible CEs and the selection) and send the changes to the terminal. */
void tui_screen_draw_frame(tui_screen *scr, const tui_view *view,
                           const tui_draw_options *opts);

/* Restore the terminal and free the screen.  NULL is a no-op. */
void tui_screen_close(tui_screen *scr);

/* ---- what-if from the dashboard (w) ------------------------------------------- */

/* A what-if from the dashboard: the history fitted, the time forecast and
 * the replications of each side. */
#define TUI_WHATIF_WINDOW_MS (7 * 86400 * 1000LL)
#define TUI_WHATIF_HORIZON_MS (12 * 3600 * 1000LL)
#define TUI_WHATIF_REPLICATIONS 30

/* How the form changes the capacity. */
typedef enum tui_capacity_change {
    TUI_CAPACITY_KEEP = 0,
    TUI_CAPACITY_SET,      /* to capacity slots */
    TUI_CAPACITY_PERCENT   /* by capacity_percent (+50, -20) */
} tui_capacity_change;

/* A what-if on one CE as the form asks it: the variant is the database as
 * it is now with these changes; the baseline is without them. */
typedef struct tui_whatif_request {
    char ce[PILOTDB_NAME_MAX + 1];
    tui_capacity_change capacity_change;
    int64_t capacity;
    double capacity_percent;
    int enabled;           /* -1: as it is, 0: disabled, 1: enabled */
    int64_t outage_ms;     /* > 0: disabled from now for this long, then enabled
                              (shorter than the horizon; enabled is then -1) */
    double success_rate;   /* < 0: as it is */
    int64_t window_ms, horizon_ms;
    size_t replications;
} tui_whatif_request;

/* The metrics the panel shows, for the total and for the CE. */
enum { TUI_WHATIF_THROUGHPUT, TUI_WHATIF_DONE, TUI_WHATIF_FAILED, TUI_WHATIF_UTILIZATION,
       TUI_WHATIF_NMETRICS };

/* One metric: the baseline's and variant's means and the change (variant -
 * baseline, paired by seed), each with the half-width of its 95 % interval. */
typedef struct tui_whatif_figure {
    double base, base_half, variant, variant_half, diff, diff_half;
    int significant;       /* the change's interval excludes 0 */
} tui_whatif_figure;

typedef struct tui_whatif_result {
    tui_whatif_figure total[TUI_WHATIF_NMETRICS];
    tui_whatif_figure ce[TUI_WHATIF_NMETRICS];
    size_t carried;        /* pilots active now, carried over into the runs */
} tui_whatif_result;

/* Called by a run after each replication (done of total). */
typedef void (*tui_whatif_progress_fn)(void *arg, size_t done, size_t total);

/*
 * How the dashboard runs a what-if; the pilotdeck command supplies it, as
 * libpilottui links no simulator.  prepare (may be NULL) runs on the
 * dashboard's thread, before the worker starts: it takes from the
 * dashboard's handle what the run needs (e.g. a snapshot of an in-memory
 * database) into *job; 0, or -1 with errbuf set.  run runs on a worker
 * thread and never touches the dashboard's handle: it reads the database
 * (its own read-only connection, or job), never writes it, runs baseline
 * and variant, calls progress after each replication and stops between
 * replications once *cancel is non-zero.  It frees job and returns 0 with
 * *out filled, 1 when cancelled, or -1 with errbuf set.  discard frees a
 * job that will not run (may be NULL when prepare is).
 */
typedef struct tui_whatif_engine {
    void *arg;
    int (*prepare)(void *arg, pilotdb *db, void **job, char *errbuf, size_t errbuf_size);
    int (*run)(void *arg, void *job, const tui_whatif_request *req,
               tui_whatif_progress_fn progress, void *progress_arg,
               const volatile int *cancel, tui_whatif_result *out, char *errbuf,
               size_t errbuf_size);
    void (*discard)(void *arg, void *job);
    size_t replications;   /* 0: TUI_WHATIF_REPLICATIONS */
} tui_whatif_engine;

/* ---- interactive front end ----------------------------------------------------- */

/*
 * A simulation the dashboard drives between frames (pilotdeck demo).  advance
 * moves virtual time forward by real_ms of wall time times the speed the user
 * chose; it returns 0, or -1 with a message in errbuf to stop the dashboard.
 * finished returns non-zero once the simulation has nothing more to do.
 */
typedef struct tui_driver {
    void *arg;
    int (*advance)(void *arg, int64_t real_ms, double speed, char *errbuf,
                   size_t errbuf_size);
    int (*finished)(void *arg);
    double speed;        /* initial speed, virtual seconds per real second */
} tui_driver;

typedef struct tui_run_options {
    int interval_ms;     /* between frames; 0 means 1000 */
    int color;           /* 0 to never use colour (--no-color, NO_COLOR) */
    int unicode;         /* 0 for ASCII glyphs */
    const char *source;  /* the database's name for the title */
    int readonly;        /* the handle was opened read-only: refuse edits up front */
    const char *notice;  /* an initial status line message, or NULL */
    const char *user;    /* who is at the keyboard, for the CE change log
                            (edits are by "top"), or NULL */
    const tui_driver *driver; /* NULL for top */
    int64_t bucket_ms;   /* trend bucket width, 0 for the default */
    int64_t window_ms;   /* rate window, 0 for the default */
    int64_t stale_ms;    /* a CE unchanged this long is stale, 0 for the default */
    const tui_grades *grades; /* the grade thresholds, NULL for the defaults */
    int tree;            /* start with the CEs grouped by site */
    tui_column sort;     /* the initial order (TUI_COL_NAME when zeroed) */
    int sort_reverse;
    const char *filter;  /* the initial filter, or NULL */
    const tui_whatif_engine *whatif; /* runs w's what-ifs; NULL: w says it cannot */
    int mouse;           /* clicks select and sort, the wheel scrolls */
    const struct tui_settings *settings; /* config.h: the colours, and the base of
                            what S saves; NULL: the built-in ones */
    const char *config_path; /* where S writes the settings; NULL: S cannot */
} tui_run_options;

/*
 * Run the interactive dashboard on db until the user quits (q, F10) or a
 * SIGINT/SIGTERM arrives.  The terminal is restored before returning, on
 * every path.  Returns 0, or -1 with a message in errbuf (the terminal could
 * not be set up, the database failed, or the driver stopped).
 */
int tui_run(pilotdb *db, const tui_run_options *opts, char *errbuf,
            size_t errbuf_size);

/* Non-zero when the current locale's character set is UTF-8 (call
 * setlocale(LC_ALL, "") first). */
int tui_locale_is_utf8(void);

#ifdef __cplusplus
}
#endif

#endif /* PILOTTUI_H */
