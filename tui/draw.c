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
    const char *unfolded, *folded; /* a site line of the tree */
};

static const struct glyphs unicode_glyphs = {
    "\u2588", "\u2592", "\u00b7",
    { "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" },
    "\u25b2", "\u25bc", "\u2026",
    "\u25be ", "\u25b8 ",
};

static const struct glyphs ascii_glyphs = {
    "#", "+", ".",
    { "_", ".", "-", ":", "=", "+", "*", "#" },
    "^", "v", "~",
    "- ", "+ ",
};

/* One screen row is at most this many bytes (4 per character). */
#define LINE_MAX_BYTES 4096

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
        put(sf, y, x, cells[part], selected ? TUI_SEL(style[part]) : style[part], buf);
        x += cells[part];
    }
}

/* Draw a sparkline of values scaled between 0 and scale (the capacity: a
 * saturated CE is a full line), or their maximum when that is higher. */
static void draw_spark(const struct tui_surface *sf, const struct glyphs *g, int y, int x,
                       const int64_t *values, int n, int64_t scale, enum tui_style style)
{
    char buf[LINE_MAX_BYTES];
    int64_t max = scale > 0 ? scale : 0;
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

/* States and grades have their own words and colours: full is
 * information, over is an alarm, stale and the low grades a warning. */
static enum tui_style state_style(tui_ce_state s)
{
    switch (s) {
    case TUI_STATE_OK: return TUI_S_OK;
    case TUI_STATE_FULL: return TUI_S_FULL;
    case TUI_STATE_DISABLED: return TUI_S_DIM;
    case TUI_STATE_STALE: return TUI_S_WARN;
    case TUI_STATE_OVER: return TUI_S_BAD;
    }
    return TUI_S_NORMAL;
}

static enum tui_style grade_style(tui_grade grade)
{
    switch (grade) {
    case TUI_GRADE_IDLE: return TUI_S_DIM;
    case TUI_GRADE_GOOD: return TUI_S_OK;
    case TUI_GRADE_FAIR: return TUI_S_FAIR;
    case TUI_GRADE_POOR: return TUI_S_WARN;
    case TUI_GRADE_BAD: return TUI_S_BAD;
    }
    return TUI_S_NORMAL;
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

    /* CEs and slots (with why more are used than there are), then the
     * efficiency and grade of the window. */
    tui_count_text(a, sizeof a, t->active, 0);
    tui_count_text(b, sizeof b, t->capacity, 0);
    pct = t->capacity > 0 ? (int)(100 * t->active / t->capacity) : 0;
    x = putf(sf, lo->summary_y, 0, lo->width, TUI_S_NORMAL,
             "CEs %zu/%zu enabled  slots %s/%s %d%%", t->ces_enabled, t->ces, a, b, pct);
    /* More used than there is: say why (pilots left on disabled CEs, a
     * capacity lowered below what runs there). */
    if (t->active > t->capacity && t->active_disabled > 0) {
        tui_count_text(c, sizeof c, t->active_disabled, 0);
        x += putf(sf, lo->summary_y, x, lo->width - x, TUI_S_BAD, " (%s on disabled)", c);
    }
    if (t->active > t->capacity && t->ces_lowered > 0)
        x += putf(sf, lo->summary_y, x, lo->width - x, TUI_S_BAD, " (capacity lowered)");
    x += putf(sf, lo->summary_y, x, lo->width - x, TUI_S_NORMAL, " ");
    if (lo->width - x >= barw + 20) {
        draw_bar(sf, g, lo->summary_y, x, barw, t->count[PILOT_RUNNING],
                 t->count[PILOT_SUBMITTED], t->capacity, 0);
        x += barw + 1;
    }
    fmt_rate(rate, sizeof rate, t->efficiency);
    x += putf(sf, lo->summary_y, x, lo->width - x, TUI_S_NORMAL, " eff %s ", rate);
    putf(sf, lo->summary_y, x, lo->width - x, grade_style(t->grade), "%s",
         tui_grade_name(t->grade));

    /* Pilots per status, and per hour over the rate window, or over the
     * history when it is shorter than the window ("only 17m of 1h"). */
    tui_count_text(a, sizeof a, t->count[PILOT_SUBMITTED], 0);
    tui_count_text(b, sizeof b, t->count[PILOT_RUNNING], 0);
    tui_count_text(c, sizeof c, t->count[PILOT_DONE], 0);
    tui_count_text(d, sizeof d, t->count[PILOT_FAILED], 0);
    x = putf(sf, lo->summary_y + 1, 0, lo->width, TUI_S_NORMAL,
             "pilots %s sub %s run %s done %s failed  ", a, b, c, d);
    tui_span_text(win, sizeof win, view->opts.window_ms);
    if (t->rates_partial) {
        tui_span_text(span, sizeof span, t->rate_span_ms);
        x += putf(sf, lo->summary_y + 1, x, lo->width - x, TUI_S_NORMAL,
                  "only %s of %s: ", span, win);
    } else {
        x += putf(sf, lo->summary_y + 1, x, lo->width - x, TUI_S_NORMAL, "last %s: ", win);
    }
    tui_per_hour_text(a, sizeof a, t->rates.done_per_hour, 0);
    tui_per_hour_text(b, sizeof b, t->rates.failed_per_hour, 0);
    tui_per_hour_text(c, sizeof c, t->rates.submitted_per_hour, 0);
    putf(sf, lo->summary_y + 1, x, lo->width - x, TUI_S_NORMAL,
         "done/h %s failed/h %s sub/h %s", a, b, c);

    /* Sparkline of active pilots. */
    tui_view_trend(view, NULL, series, (size_t)lo->spark_width);
    for (int i = 0; i < lo->spark_width; i++) {
        if (i == 0 || series[i] < lo_v)
            lo_v = series[i];
        if (i == 0 || series[i] > hi_v)
            hi_v = series[i];
    }
    put(sf, lo->spark_y, 0, lo->spark_x, TUI_S_NORMAL, "active pilots");
    draw_spark(sf, g, lo->spark_y, lo->spark_x, series, lo->spark_width, t->capacity,
               TUI_S_RUNNING);
    tui_count_text(a, sizeof a, lo_v, 0);
    tui_count_text(b, sizeof b, hi_v, 0);
    putf(sf, lo->spark_y, lo->spark_x + lo->spark_width,
         lo->width - lo->spark_x - lo->spark_width, TUI_S_DIM, " min %s max %s", a, b);
}

static int right_aligned(tui_column c)
{
    return c != TUI_COL_NAME && c != TUI_COL_SITE && c != TUI_COL_STATE &&
           c != TUI_COL_SLOTS && c != TUI_COL_GRADE && c != TUI_COL_TREND;
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

/* One line of the table: a CE, or a site of the tree with its totals. */
struct table_line {
    const char *name;         /* as it comes from outside */
    const char *prefix;       /* before the name: the tree's indent or fold mark */
    const char *site;
    const char *state_word;
    tui_ce_state state;
    const int64_t *count;     /* PILOT_NSTATUS */
    int64_t active, capacity;
    const tui_rates *rates;
    double efficiency;
    tui_grade grade;
    double configured;        /* < 0: none (a site) */
    const tui_ce_row *row;    /* the CE, or NULL for a site */
    const tui_site *site_totals;
};

static void line_of_row(struct table_line *l, const tui_view *view, const tui_ce_row *row)
{
    const pilotdb_ce *ce = row->ce;

    memset(l, 0, sizeof *l);
    l->name = ce->name;
    l->prefix = view->tree ? "  " : "";
    l->site = ce->site;
    l->state_word = tui_state_word(row->state, row->over_cause);
    l->state = row->state;
    l->count = ce->count;
    l->active = ce->active;
    l->capacity = ce->capacity;
    l->rates = &row->rates;
    l->efficiency = row->efficiency;
    l->grade = row->grade;
    l->configured = ce->success_rate;
    l->row = row;
}

static void line_of_site(struct table_line *l, const tui_site *site, const struct glyphs *g)
{
    memset(l, 0, sizeof *l);
    l->name = site->name[0] ? site->name : TUI_NO_SITE;
    l->prefix = site->collapsed ? g->folded : g->unfolded;
    l->site = l->name;
    l->state_word = tui_state_name(site->state);
    l->state = site->state;
    l->count = site->count;
    l->active = site->active;
    l->capacity = site->capacity;
    l->rates = &site->rates;
    l->efficiency = site->efficiency;
    l->grade = site->grade;
    l->configured = -1;
    l->site_totals = site;
}

/* The trend of a site: its CEs' summed. */
static void site_trend(const tui_view *view, const tui_site *site, int64_t *out, size_t n)
{
    int64_t one[TUI_TREND_BUCKETS];

    memset(out, 0, n * sizeof *out);
    for (size_t i = 0; i < view->nrows; i++) {
        if (strcmp(view->rows[i].ce->site, site->name) != 0)
            continue;
        tui_view_trend(view, &view->rows[i], one, n);
        for (size_t k = 0; k < n; k++)
            out[k] += one[k];
    }
}

static void draw_line(const struct tui_surface *sf, const tui_view *view,
                      const tui_layout *lo, const struct glyphs *g, int y,
                      const struct table_line *l, int selected)
{
    char text[64], a[32], b[32], name[LINE_MAX_BYTES];
    int64_t series[TUI_TREND_BUCKETS];

    if (selected)
        blank(sf, y, 0, lo->width, TUI_S_SELECTED);
    for (int c = 0; c < TUI_NCOLUMNS; c++) {
        const tui_layout_column *col = &lo->col[c];
        enum tui_style style = l->row ? TUI_S_NORMAL : TUI_S_TITLE_ROW;
        const char *word = NULL;
        int64_t count = -1;
        int keep_colour = 0; /* a word whose colour is its meaning */
        int n = col->width < TUI_TREND_BUCKETS ? col->width : TUI_TREND_BUCKETS;

        if (!col->shown)
            continue;
        switch ((tui_column)c) {
        case TUI_COL_NAME:
            snprintf(name, sizeof name, "%s%s", l->prefix, l->name);
            draw_name(sf, g, y, col->x, col->width, name,
                      selected ? TUI_S_SELECTED : style);
            continue;
        case TUI_COL_SITE:
            draw_name(sf, g, y, col->x, col->width, l->site,
                      selected ? TUI_S_SELECTED : style);
            continue;
        case TUI_COL_STATE:
            word = l->state_word;
            style = state_style(l->state);
            keep_colour = 1;
            break;
        case TUI_COL_SLOTS:
            draw_bar(sf, g, y, col->x, col->width, l->count[PILOT_RUNNING],
                     l->count[PILOT_SUBMITTED], l->capacity, selected);
            continue;
        case TUI_COL_ACTIVE:
            tui_count_text(a, sizeof a, l->active, (col->width - 1) / 2);
            tui_count_text(b, sizeof b, l->capacity, col->width - 1 - (int)strlen(a));
            snprintf(text, sizeof text, "%s/%s", a, b);
            word = text;
            break;
        case TUI_COL_RUNNING: count = l->count[PILOT_RUNNING]; break;
        case TUI_COL_SUBMITTED: count = l->count[PILOT_SUBMITTED]; break;
        case TUI_COL_DONE: count = l->count[PILOT_DONE]; break;
        case TUI_COL_FAILED: count = l->count[PILOT_FAILED]; break;
        case TUI_COL_DONE_RATE:
        case TUI_COL_FAILED_RATE:
        case TUI_COL_SUBMITTED_RATE:
            tui_per_hour_text(text, sizeof text,
                              c == TUI_COL_DONE_RATE     ? l->rates->done_per_hour
                              : c == TUI_COL_FAILED_RATE ? l->rates->failed_per_hour
                                                         : l->rates->submitted_per_hour,
                              col->width);
            word = text;
            break;
        case TUI_COL_EFFICIENCY:
            fmt_rate(text, sizeof text, l->efficiency);
            word = text;
            break;
        case TUI_COL_GRADE:
            word = tui_grade_name(l->grade);
            style = grade_style(l->grade);
            keep_colour = 1;
            break;
        case TUI_COL_CONFIGURED:
            if (l->configured < 0)
                continue;
            fmt_rate(text, sizeof text, l->configured);
            word = text;
            break;
        case TUI_COL_TREND:
            if (l->row)
                tui_view_trend(view, l->row, series, (size_t)n);
            else
                site_trend(view, l->site_totals, series, (size_t)n);
            draw_spark(sf, g, y, col->x, series, n, l->capacity,
                       selected ? TUI_SEL(TUI_S_RUNNING) : TUI_S_RUNNING);
            continue;
        case TUI_NCOLUMNS:
            continue;
        }
        if (count >= 0) {
            tui_count_text(text, sizeof text, count, col->width);
            word = text;
        }
        if (selected)
            style = keep_colour ? TUI_SEL(style) : TUI_S_SELECTED;
        if (right_aligned((tui_column)c))
            putf(sf, y, col->x, col->width, style, "%*s%s", col->width - tui_cells(word), "",
                 word);
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

void tui_draw_too_small(const struct tui_surface *sf)
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
        tui_draw_too_small(sf);
        return;
    }
    if (chrome && chrome->help) {
        tui_draw_help(sf, view, chrome->help, chrome->demo);
        return;
    }
    draw_header(sf, view, lo, opts, chrome, g);
    draw_table_header(sf, view, lo, g, chrome != NULL);
    for (int r = 0; r < lo->table_rows; r++) {
        long i = first + r;
        if (i < 0 || (size_t)i >= view->nvisible)
            break;
        const tui_site *site = tui_view_visible_site(view, (size_t)i);
        struct table_line line;
        if (site)
            line_of_site(&line, site, g);
        else
            line_of_row(&line, view, tui_view_visible_row(view, (size_t)i));
        draw_line(sf, view, lo, g, lo->table_y + r, &line, chrome && i == view->selected);
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
