/*
 * draw.c - the dashboard's picture: title, summary, sparkline, CE table,
 * status line, footer, help and "too small" screens, drawn onto a surface.
 *
 * Colour is never the only meaning: states and health are words, bar cells
 * use a different glyph for running, submitted and free slots, and the sort
 * column carries an arrow.
 */
#include "draw.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "whatif.h"

struct glyphs {
    const char *running, *submitted, *free_slot;
    const char *spark[8];
    const char *up, *down, *ellipsis;
};

static const struct glyphs unicode_glyphs = {
    "\u2588", "\u2592", "\u00b7",
    { "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" },
    "\u25b2", "\u25bc", "\u2026",
};

static const struct glyphs ascii_glyphs = {
    "#", "+", ".",
    { "_", ".", "-", ":", "=", "+", "*", "#" },
    "^", "v", "~",
};

/* One screen row is at most this many bytes (4 per character). */
#define LINE_MAX_BYTES 4096

int tui_cells(const char *s)
{
    int n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static void put(const struct tui_surface *sf, int y, int x, int cells,
                enum tui_style style, const char *s)
{
    if (cells > 0 && y >= 0 && y < sf->height && x < sf->width)
        sf->put(sf->ctx, y, x, s, cells, style);
}

static int putf(const struct tui_surface *sf, int y, int x, int cells,
                enum tui_style style, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Format and put; returns the number of characters formatted. */
static int putf(const struct tui_surface *sf, int y, int x, int cells,
                enum tui_style style, const char *fmt, ...)
{
    char buf[LINE_MAX_BYTES];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    put(sf, y, x, cells, style, buf);
    return tui_cells(buf);
}

/* Fill cells characters at (y, x) with spaces in style. */
static void blank(const struct tui_surface *sf, int y, int x, int cells,
                  enum tui_style style)
{
    char spaces[LINE_MAX_BYTES];
    if (cells <= 0)
        return;
    if (cells >= (int)sizeof spaces)
        cells = (int)sizeof spaces - 1;
    memset(spaces, ' ', (size_t)cells);
    spaces[cells] = '\0';
    put(sf, y, x, cells, style, spaces);
}

/* A count in at most width characters: 12345, 12.3k, 1.2M. */
static void fmt_count(char *buf, size_t size, int64_t v, int width)
{
    static const char suffix[] = "kMGT";
    double d = (double)v;

    snprintf(buf, size, "%lld", (long long)v);
    if ((int)strlen(buf) <= width)
        return;
    for (int i = 0; i < 4; i++) {
        d /= 1000.0;
        snprintf(buf, size, "%.1f%c", d, suffix[i]);
        if ((int)strlen(buf) <= width)
            return;
        snprintf(buf, size, "%.0f%c", d, suffix[i]);
        if ((int)strlen(buf) <= width)
            return;
    }
}

/* Pilots per hour in at most width characters: 12.3, then 1234, 12.3k. */
static void fmt_per_hour(char *buf, size_t size, double per_hour, int width)
{
    snprintf(buf, size, "%.1f", per_hour);
    if ((int)strlen(buf) > width)
        fmt_count(buf, size, (int64_t)(per_hour + 0.5), width);
}

static void fmt_rate(char *buf, size_t size, double rate)
{
    if (rate < 0)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.0f%%", rate * 100.0);
}

static void fmt_clock(char *buf, size_t size, int64_t now, const char *label)
{
    if (label && strcmp(label, "sim") == 0) {
        int64_t s = now / 1000;
        snprintf(buf, size, "sim T+%lldd %02lld:%02lld:%02lld", (long long)(s / 86400),
                 (long long)(s / 3600 % 24), (long long)(s / 60 % 60),
                 (long long)(s % 60));
    } else {
        time_t t = (time_t)(now / 1000);
        struct tm tm;
        if (localtime_r(&t, &tm) && strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) > 0)
            return;
        snprintf(buf, size, "%lld ms", (long long)now);
    }
}

void tui_span_text(char *buf, size_t size, int64_t ms)
{
    int64_t s = ms / 1000;

    if (s >= 86400 && s % 86400 == 0)
        snprintf(buf, size, "%lldd", (long long)(s / 86400));
    else if (s >= 3600 && s % 3600 == 0)
        snprintf(buf, size, "%lldh", (long long)(s / 3600));
    else if (s >= 600 || (s >= 60 && s % 60 == 0))
        snprintf(buf, size, "%lldm", (long long)(s / 60));
    else
        snprintf(buf, size, "%llds", (long long)s);
}

/* Draw a bar of width cells at (y, x), cells from tui_bar_split(). */
static void draw_bar(const struct tui_surface *sf, const struct glyphs *g, int y, int x,
                     int width, int64_t running, int64_t submitted, int64_t capacity,
                     int selected)
{
    static const enum tui_style style[3] = { TUI_S_RUNNING, TUI_S_SUBMITTED, TUI_S_FREE };
    const char *glyph[3] = { g->running, g->submitted, g->free_slot };
    int cells[3];

    tui_bar_split(running, submitted, capacity, width, cells);
    for (int part = 0; part < 3; part++) {
        char buf[LINE_MAX_BYTES];
        size_t len = strlen(glyph[part]), off = 0;
        for (int i = 0; i < cells[part] && off + len < sizeof buf; i++, off += len)
            memcpy(buf + off, glyph[part], len);
        buf[off] = '\0';
        put(sf, y, x, cells[part], selected ? TUI_S_SELECTED : style[part], buf);
        x += cells[part];
    }
}

/* Draw a sparkline of values scaled between 0 and their maximum. */
static void draw_spark(const struct tui_surface *sf, const struct glyphs *g, int y, int x,
                       const int64_t *values, int n, enum tui_style style)
{
    char buf[LINE_MAX_BYTES];
    int64_t max = 0;
    size_t off = 0;

    for (int i = 0; i < n; i++)
        if (values[i] > max)
            max = values[i];
    for (int i = 0; i < n; i++) {
        int level = max > 0 ? (int)((values[i] * 7 + max / 2) / max) : 0;
        size_t len;
        if (values[i] > 0 && level == 0)
            level = 1;
        len = strlen(g->spark[level]);
        if (off + len >= sizeof buf)
            break;
        memcpy(buf + off, g->spark[level], len);
        off += len;
    }
    buf[off] = '\0';
    put(sf, y, x, n, style, buf);
}

static void draw_header(const struct tui_surface *sf, const tui_view *view,
                        const tui_layout *lo, const tui_draw_options *opts,
                        const struct tui_chrome *chrome, const struct glyphs *g)
{
    const tui_totals *t = &view->totals;
    char clock[64], a[32], b[32], c[32], d[32], rate[16], win[32], span[32];
    int64_t series[TUI_TREND_BUCKETS], lo_v = 0, hi_v = 0;
    int x, barw = 16, pct;
    enum tui_style title = chrome ? TUI_S_TITLE : TUI_S_NORMAL;

    /* Title. */
    fmt_clock(clock, sizeof clock, view->now, view->event_clock ? "sim" : opts->clock_label);
    if (chrome)
        blank(sf, lo->title_y, 0, lo->width, title);
    x = putf(sf, lo->title_y, 0, lo->width, title, "pilotdeck %s  %s  %s",
             chrome && chrome->demo ? "demo" : "top",
             opts->source ? opts->source : "", clock);
    if (chrome && chrome->demo && chrome->finished)
        x += putf(sf, lo->title_y, x, lo->width - x, title, "  finished");
    else if (chrome && chrome->demo)
        x += putf(sf, lo->title_y, x, lo->width - x, title, "  %s x%g",
                  chrome->paused ? "PAUSED" : "running", chrome->speed);
    if (chrome && chrome->readonly)
        x += putf(sf, lo->title_y, x, lo->width - x, title, "  [read-only]");
    if (view->filter[0] && lo->width - x > 12)
        putf(sf, lo->title_y, x, lo->width - x, title, "  filter: %s", view->filter);

    /* CEs, slots and the observed success rate. */
    fmt_count(a, sizeof a, t->active, 9);
    fmt_count(b, sizeof b, t->capacity, 9);
    x = putf(sf, lo->summary_y, 0, lo->width, TUI_S_NORMAL,
             "CEs %zu/%zu enabled  slots %s/%s used ", t->ces_enabled, t->ces, a, b);
    draw_bar(sf, g, lo->summary_y, x, barw, t->count[PILOT_RUNNING],
             t->count[PILOT_SUBMITTED], t->capacity, 0);
    pct = t->capacity > 0 ? (int)(100 * t->active / t->capacity) : 0;
    fmt_count(c, sizeof c, t->capacity > t->active ? t->capacity - t->active : 0, 9);
    fmt_rate(rate, sizeof rate, t->observed_rate);
    putf(sf, lo->summary_y, x + barw, lo->width - x - barw, TUI_S_NORMAL,
         " %d%%  free %s  success %s", pct, c, rate);

    /* Pilots per status, and per hour over the rate window, or over the
     * history when it is shorter than the window ("only 17m of 1h"). */
    fmt_count(a, sizeof a, t->count[PILOT_SUBMITTED], 6);
    fmt_count(b, sizeof b, t->count[PILOT_RUNNING], 6);
    fmt_count(c, sizeof c, t->count[PILOT_DONE], 6);
    fmt_count(d, sizeof d, t->count[PILOT_FAILED], 6);
    x = putf(sf, lo->summary_y + 1, 0, lo->width, TUI_S_NORMAL,
             "pilots %s sub  %s run  %s done  %s failed  ", a, b, c, d);
    tui_span_text(win, sizeof win, view->opts.window_ms);
    if (t->rates_partial) {
        tui_span_text(span, sizeof span, t->rate_span_ms);
        x += putf(sf, lo->summary_y + 1, x, lo->width - x, TUI_S_NORMAL,
                  "only %s of %s: ", span, win);
    } else {
        x += putf(sf, lo->summary_y + 1, x, lo->width - x, TUI_S_NORMAL, "last %s: ", win);
    }
    putf(sf, lo->summary_y + 1, x, lo->width - x, TUI_S_NORMAL,
         "done/h %.1f failed/h %.1f sub/h %.1f", t->rates.done_per_hour,
         t->rates.failed_per_hour, t->rates.submitted_per_hour);

    /* Sparkline of active pilots. */
    tui_view_trend(view, NULL, series, (size_t)lo->spark_width);
    for (int i = 0; i < lo->spark_width; i++) {
        if (i == 0 || series[i] < lo_v)
            lo_v = series[i];
        if (i == 0 || series[i] > hi_v)
            hi_v = series[i];
    }
    put(sf, lo->spark_y, 0, lo->spark_x, TUI_S_NORMAL, "active pilots");
    draw_spark(sf, g, lo->spark_y, lo->spark_x, series, lo->spark_width, TUI_S_RUNNING);
    putf(sf, lo->spark_y, lo->spark_x + lo->spark_width,
         lo->width - lo->spark_x - lo->spark_width, TUI_S_DIM,
         " min %lld max %lld", (long long)lo_v, (long long)hi_v);
}

static enum tui_style state_style(tui_ce_state s)
{
    switch (s) {
    case TUI_STATE_ENABLED: return TUI_S_OK;
    case TUI_STATE_FULL: return TUI_S_WARN;
    case TUI_STATE_DEGRADED: return TUI_S_BAD;
    case TUI_STATE_DISABLED: return TUI_S_DIM;
    }
    return TUI_S_NORMAL;
}

static enum tui_style health_style(tui_health h)
{
    switch (h) {
    case TUI_HEALTH_NA: return TUI_S_DIM;
    case TUI_HEALTH_OK: return TUI_S_OK;
    case TUI_HEALTH_WARN: return TUI_S_WARN;
    case TUI_HEALTH_BAD: return TUI_S_BAD;
    }
    return TUI_S_NORMAL;
}

static int right_aligned(tui_column c)
{
    return c != TUI_COL_NAME && c != TUI_COL_STATE && c != TUI_COL_SLOTS &&
           c != TUI_COL_HEALTH && c != TUI_COL_TREND;
}

static void draw_table_header(const struct tui_surface *sf, const tui_view *view,
                              const tui_layout *lo, const struct glyphs *g, int styled)
{
    if (styled)
        blank(sf, lo->table_header_y, 0, lo->width, TUI_S_HEADER);
    for (int c = 0; c < TUI_NCOLUMNS; c++) {
        const tui_layout_column *col = &lo->col[c];
        char title[32];
        int sorted = view->sort == (tui_column)c;
        if (!col->shown)
            continue;
        snprintf(title, sizeof title, "%s%s", tui_column_title((tui_column)c),
                 sorted ? ((c == TUI_COL_NAME) ^ !view->sort_reverse ? g->down : g->up) : "");
        if (right_aligned((tui_column)c))
            putf(sf, lo->table_header_y, col->x, col->width,
                 sorted && styled ? TUI_S_SORTED : (styled ? TUI_S_HEADER : TUI_S_NORMAL),
                 "%*s%s", col->width - tui_cells(title), "", title);
        else
            put(sf, lo->table_header_y, col->x, col->width,
                sorted && styled ? TUI_S_SORTED : (styled ? TUI_S_HEADER : TUI_S_NORMAL), title);
    }
}

static void draw_name(const struct tui_surface *sf, const struct glyphs *g, int y,
                      int x, int width, const char *raw, enum tui_style style)
{
    char buf[LINE_MAX_BYTES], name[LINE_MAX_BYTES];
    int cells;

    /* a name from outside: no control character reaches the screen */
    tui_text_clean(name, sizeof name, raw);
    cells = tui_cells(name);

    if (cells <= width) {
        put(sf, y, x, width, style, name);
        return;
    }
    /* Keep the start of the name and mark the cut. */
    put(sf, y, x, width - 1, style, name);
    snprintf(buf, sizeof buf, "%s", g->ellipsis);
    put(sf, y, x + width - 1, 1, style, buf);
}

static void draw_row(const struct tui_surface *sf, const tui_view *view,
                     const tui_layout *lo, const struct glyphs *g, int y,
                     const tui_ce_row *row, int selected)
{
    const pilotdb_ce *ce = row->ce;
    char text[64], a[32], b[32];
    int64_t series[TUI_TREND_BUCKETS];

    if (selected)
        blank(sf, y, 0, lo->width, TUI_S_SELECTED);
    for (int c = 0; c < TUI_NCOLUMNS; c++) {
        const tui_layout_column *col = &lo->col[c];
        enum tui_style style = TUI_S_NORMAL;
        const char *word = NULL;
        int64_t count = -1;

        if (!col->shown)
            continue;
        switch ((tui_column)c) {
        case TUI_COL_NAME:
            draw_name(sf, g, y, col->x, col->width, ce->name,
                      selected ? TUI_S_SELECTED : TUI_S_NORMAL);
            continue;
        case TUI_COL_STATE:
            word = tui_state_name(row->state);
            style = state_style(row->state);
            break;
        case TUI_COL_SLOTS:
            draw_bar(sf, g, y, col->x, col->width, ce->count[PILOT_RUNNING],
                     ce->count[PILOT_SUBMITTED], ce->capacity, selected);
            continue;
        case TUI_COL_ACTIVE:
            fmt_count(a, sizeof a, ce->active, (col->width - 1) / 2);
            fmt_count(b, sizeof b, ce->capacity, col->width - 1 - (int)strlen(a));
            snprintf(text, sizeof text, "%s/%s", a, b);
            word = text;
            break;
        case TUI_COL_RUNNING: count = ce->count[PILOT_RUNNING]; break;
        case TUI_COL_SUBMITTED: count = ce->count[PILOT_SUBMITTED]; break;
        case TUI_COL_DONE: count = ce->count[PILOT_DONE]; break;
        case TUI_COL_FAILED:
            count = ce->count[PILOT_FAILED];
            break;
        case TUI_COL_DONE_RATE:
        case TUI_COL_FAILED_RATE:
            fmt_per_hour(text, sizeof text, c == TUI_COL_DONE_RATE ? row->rates.done_per_hour
                                                                  : row->rates.failed_per_hour,
                         col->width);
            word = text;
            break;
        case TUI_COL_CONFIGURED:
            fmt_rate(text, sizeof text, ce->success_rate);
            word = text;
            break;
        case TUI_COL_OBSERVED:
            fmt_rate(text, sizeof text, row->observed_rate);
            word = text;
            break;
        case TUI_COL_HEALTH:
            word = tui_health_name(row->health);
            style = health_style(row->health);
            break;
        case TUI_COL_TREND:
            tui_view_trend(view, row, series, (size_t)col->width);
            draw_spark(sf, g, y, col->x, series,
                       col->width < TUI_TREND_BUCKETS ? col->width : TUI_TREND_BUCKETS,
                       selected ? TUI_S_SELECTED : TUI_S_RUNNING);
            continue;
        case TUI_NCOLUMNS:
            continue;
        }
        if (count >= 0) {
            fmt_count(text, sizeof text, count, col->width);
            word = text;
        }
        if (selected)
            style = TUI_S_SELECTED;
        if (right_aligned((tui_column)c))
            putf(sf, y, col->x, col->width, style, "%*s", col->width, word);
        else
            put(sf, y, col->x, col->width, style, word);
    }
}

/* The footer: the main keys from the key table, as many as fit. */
static void draw_footer(const struct tui_surface *sf, const tui_layout *lo, int demo)
{
    const struct tui_binding *b;
    int x = 0;

    blank(sf, lo->footer_y, 0, lo->width, TUI_S_NORMAL);
    for (int pos = 1; (b = tui_footer_binding(pos)) != NULL; pos++) {
        int need = (int)strlen(b->footer.keys) + 1 + (int)strlen(b->footer.label) + 1;
        if ((b->flags & TUI_KEY_DEMO) && !demo)
            continue;
        if (x + need > lo->width)
            break;
        x += putf(sf, lo->footer_y, x, lo->width - x, TUI_S_KEY, "%s", b->footer.keys);
        x += putf(sf, lo->footer_y, x, lo->width - x, TUI_S_NORMAL, " %s ",
                  b->footer.label);
    }
}

static const char *const help_legend[] = {
    "",
    "Columns: ACT/CAP active pilots / capacity, RUN running, SUB submitted,",
    "DONE and FAIL finished pilots (DONE/H, FAIL/H per hour over the window),",
    "CONF configured and OBS observed success rate.",
    "State: enabled, full (no free slot), degraded (health bad), disabled.",
    "Health compares OBS with CONF: ok, warn, bad; n/a below 5 finished pilots.",
    "done/h, failed/h, sub/h: pilots of the last --window (default 1h) per hour;",
    "'only 17m of 1h' when the database's history is shorter than the window.",
    "",
    "A change is shown first and written on y (any other key cancels); u undoes.",
    "Press any key to return.",
    NULL,
};

/* The key lines of the help screen: the keys at column 2, what they do at
 * column 19; a TUI_KEY_SAME_LINE row continues the line at column 40, its
 * keys followed by two spaces. */
#define HELP_KEYS_COLUMN 2
#define HELP_KEYS_WIDTH 17
#define HELP_SECOND_COLUMN 40

struct help_line {
    char text[256];
    int len;              /* -1: no line started */
};

static void help_append(struct help_line *line, int column, const char *keys,
                        int keys_width, const char *help)
{
    int room = (int)sizeof line->text - line->len;
    int pad = column > line->len ? column - line->len : 0;
    int n = snprintf(line->text + line->len, (size_t)room, "%*s%-*s%s", pad, "",
                     keys_width, keys, help);

    line->len += n < room ? n : room - 1;
}

static void draw_help(const struct tui_surface *sf, int demo)
{
    struct help_line line = { "", -1 };
    int y = 0;

    put(sf, y++, 0, sf->width, TUI_S_TITLE, "pilotdeck dashboard - keys");
    put(sf, y++, 0, sf->width, TUI_S_NORMAL, "");
    for (size_t i = 0; i < tui_nbindings; i++) {
        const struct tui_binding *b = &tui_bindings[i];
        if (!b->label || ((b->flags & TUI_KEY_DEMO) && !demo))
            continue;
        if ((b->flags & TUI_KEY_SAME_LINE) && line.len >= 0) {
            help_append(&line, HELP_SECOND_COLUMN, b->label, (int)strlen(b->label) + 2,
                        b->help);
            continue;
        }
        if (line.len >= 0)
            put(sf, y++, 0, sf->width, TUI_S_NORMAL, line.text);
        line.len = 0;
        help_append(&line, HELP_KEYS_COLUMN, b->label, HELP_KEYS_WIDTH, b->help);
    }
    if (line.len >= 0)
        put(sf, y++, 0, sf->width, TUI_S_NORMAL, line.text);
    for (const char *const *l = help_legend; *l; l++, y++)
        put(sf, y, 0, sf->width, TUI_S_NORMAL, *l);
}

static void draw_too_small(const struct tui_surface *sf)
{
    char need[64], have[64];

    snprintf(need, sizeof need, "terminal too small: need %dx%d", TUI_MIN_WIDTH,
             TUI_MIN_HEIGHT);
    snprintf(have, sizeof have, "have %dx%d, press q to quit", sf->width, sf->height);
    put(sf, sf->height / 2 - (sf->height > 1), 0, sf->width, TUI_S_ERROR, need);
    put(sf, sf->height / 2 + (sf->height <= 1 ? 1 : 0), 0, sf->width, TUI_S_NORMAL, have);
}

void tui_draw_frame(const struct tui_surface *sf, const tui_view *view,
                    const tui_layout *lo, const tui_draw_options *opts,
                    const struct tui_chrome *chrome)
{
    const struct glyphs *g = opts->unicode ? &unicode_glyphs : &ascii_glyphs;
    long first = chrome ? chrome->first_row : 0;

    if (lo->too_small) {
        draw_too_small(sf);
        return;
    }
    if (chrome && chrome->help) {
        draw_help(sf, chrome->demo);
        return;
    }
    draw_header(sf, view, lo, opts, chrome, g);
    draw_table_header(sf, view, lo, g, chrome != NULL);
    for (int r = 0; r < lo->table_rows; r++) {
        long i = first + r;
        if (i < 0 || (size_t)i >= view->nvisible)
            break;
        draw_row(sf, view, lo, g, lo->table_y + r, tui_view_visible_row(view, (size_t)i),
                 chrome && i == view->selected);
    }
    if (view->nvisible == 0)
        put(sf, lo->table_y, 0, lo->width, TUI_S_DIM,
            view->nrows == 0 ? "no CEs in this database (add one with `pilotdeck ce add`)"
                             : "no CE matches the filter");
    if (!chrome)
        return;
    /* the what-if's form or panel, above the status line */
    for (size_t i = 0; chrome->panel && i < chrome->npanel; i++) {
        int y = lo->status_y - (int)chrome->npanel + (int)i;
        enum tui_style style = chrome->panel[i].style;
        if (y < lo->table_header_y)
            continue;
        blank(sf, y, 0, lo->width, style == TUI_S_HEADER ? TUI_S_HEADER : TUI_S_NORMAL);
        put(sf, y, 0, lo->width, style, chrome->panel[i].text);
    }
    if (chrome->prompt)
        putf(sf, lo->status_y, 0, lo->width, TUI_S_INFO,
             "filter: %s_   (Enter keeps it, Esc clears it)", chrome->prompt);
    else if (chrome->status)
        put(sf, lo->status_y, 0, lo->width, chrome->status_error ? TUI_S_ERROR : TUI_S_INFO,
            chrome->status);
    draw_footer(sf, lo, chrome->demo);
}
