/*
 * help.c - the help screen: every key from the key table, then the legend
 * of grades, states and rates, in pages that fit the smallest terminal.
 */
#include "draw.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"

/* The key lines: the keys at column 2, what they do at column 19; on a
 * screen of 80 columns or more a TUI_KEY_SAME_LINE row continues the line
 * at column 40, its keys followed by two spaces. */
#define HELP_KEYS_COLUMN 2
#define HELP_KEYS_WIDTH 17
#define HELP_SECOND_COLUMN 40
#define HELP_MAX_LINES 96
#define HELP_LINE_BYTES 256

struct help_text {
    char line[HELP_MAX_LINES][HELP_LINE_BYTES];
    int n;
};

static void add_line(struct help_text *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_line(struct help_text *h, const char *fmt, ...)
{
    va_list ap;

    if (h->n >= HELP_MAX_LINES)
        return;
    va_start(ap, fmt);
    vsnprintf(h->line[h->n++], HELP_LINE_BYTES, fmt, ap);
    va_end(ap);
}

/* Continue the last line at column with keys and what they do. */
static void append(struct help_text *h, int column, const char *keys, int keys_width,
                   const char *help)
{
    char *line = h->line[h->n - 1];
    size_t len = strlen(line);
    int pad = column > (int)len ? column - (int)len : 0;

    snprintf(line + len, HELP_LINE_BYTES - len, "%*s%-*s%s", pad, "", keys_width, keys,
             help);
}

/* A key line: the keys, then what they do, wrapped at width to further
 * lines at the help's column. */
static void add_key_line(struct help_text *h, int width, const char *keys, const char *help)
{
    int room = width - HELP_KEYS_COLUMN - HELP_KEYS_WIDTH, first = 1;

    while (*help) {
        int len = (int)strlen(help), cut = len;
        if (room > 10 && len > room) {
            cut = room;
            while (cut > 0 && help[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = room;
        }
        add_line(h, "%*s%-*s%.*s", HELP_KEYS_COLUMN, "", HELP_KEYS_WIDTH, first ? keys : "",
                 cut, help);
        help += cut;
        while (*help == ' ')
            help++;
        first = 0;
    }
}

static void percent(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.0f%%", v * 100.0);
}

static void build(struct help_text *h, const tui_view *view, int width, int demo)
{
    const tui_grades *g = &view->grades;
    char good[16], fair[16], poor[16], win[32], stale[32];
    int same_line_ok = width >= 80, started = 0;

    h->n = 0;
    for (size_t i = 0; i < tui_nbindings; i++) {
        const struct tui_binding *b = &tui_bindings[i];
        if (!b->label || ((b->flags & TUI_KEY_DEMO) && !demo))
            continue;
        if ((b->flags & TUI_KEY_SAME_LINE) && started && same_line_ok) {
            append(h, HELP_SECOND_COLUMN, b->label, (int)strlen(b->label) + 2, b->help);
            continue;
        }
        add_key_line(h, width, b->label, b->help);
        started = 1;
    }
    percent(good, sizeof good, g->good);
    percent(fair, sizeof fair, g->fair);
    percent(poor, sizeof poor, g->poor);
    tui_span_text(win, sizeof win, view->opts.window_ms);
    tui_span_text(stale, sizeof stale, view->opts.stale_ms);
    add_line(h, "%s", "");
    add_line(h, "GRADE of EFF = done / (done + failed) in the last %s:", win);
    add_line(h, "  Good >= %s  Fair >= %s  Poor >= %s  Bad below", good, fair, poor);
    add_line(h, "  Idle: fewer than %lld pilots ended in the window", (long long)g->min_ended);
    add_line(h, "%s", "  CONF: configured success rate (simulated databases)");
    add_line(h, "%s", "STATE, what a CE is doing (not a grade):");
    add_line(h, "%s", "  ok        enabled, with free slots");
    add_line(h, "%s", "  full      every slot used: as configured, no fault");
    add_line(h, "%s", "  over:dis  disabled but still holding pilots");
    add_line(h, "%s", "  over:cap  capacity lowered below its active pilots");
    add_line(h, "%s", "  disabled  disabled, no pilot left");
    add_line(h, "  stale     no change for over %s (wall-clock database)", stale);
    add_line(h, "DONE/H, FAIL/H, SUB/H: pilots per hour over the last %s;", win);
    add_line(h, "%s", "  'only 17m of 1h' when the history is shorter.");
    add_line(h, "%s", "ACT/CAP active/capacity, RUN running, SUB submitted.");
}

/* Lines of help per page: the title and the last line are not help. */
static int page_lines(int height)
{
    return height > 3 ? height - 2 : 1;
}

int tui_help_pages(const tui_view *view, int width, int height, int demo)
{
    static struct help_text h; /* the dashboard has one screen and one thread */

    build(&h, view, width, demo);
    return (h.n + page_lines(height) - 1) / page_lines(height);
}

static void put_line(const struct tui_surface *sf, int y, enum tui_style style,
                     const char *text)
{
    if (y >= 0 && y < sf->height)
        sf->put(sf->ctx, y, 0, text, sf->width, style);
}

void tui_draw_help(const struct tui_surface *sf, const tui_view *view, int page, int demo)
{
    static struct help_text h;
    int per_page = page_lines(sf->height), pages, first;
    char title[96];

    build(&h, view, sf->width, demo);
    pages = (h.n + per_page - 1) / per_page;
    if (page < 1)
        page = 1;
    if (page > pages)
        page = pages;
    snprintf(title, sizeof title, "pilotdeck dashboard - keys and legend (%d/%d)", page,
             pages);
    put_line(sf, 0, TUI_S_TITLE, title);
    first = (page - 1) * per_page;
    for (int i = 0; i < per_page && first + i < h.n; i++)
        put_line(sf, 1 + i, TUI_S_NORMAL, h.line[first + i]);
    put_line(sf, sf->height - 1, TUI_S_DIM,
             page < pages ? "any key: next page, q: back" : "any key: back");
}
