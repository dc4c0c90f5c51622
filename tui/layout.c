/*
 * layout.c - where each part of the dashboard goes: a pure function of the
 * screen size and options, so every size can be unit-tested.
 *
 *   0  title: database, clock
 *   1  CEs enabled/total, slots used/total with a bar
 *   2  pilots per status; done, failed and submitted per hour (rate window)
 *   3  sparkline of active pilots
 *   4  table header
 *   5  CE rows ...
 *  -2  status line (messages, the filter prompt)
 *  -1  footer with the keys
 */
#include "pilottui.h"

#include <string.h>

/* Minimum width of each column and its priority (lower first): as the
 * screen narrows the columns of the highest priority numbers go first. */
static const struct {
    int min;
    int priority;
} spec[TUI_NCOLUMNS] = {
    [TUI_COL_NAME] = { 14, 0 },
    [TUI_COL_STATE] = { 8, 1 },       /* "disabled", "over:cap" */
    [TUI_COL_SLOTS] = { 8, 2 },
    [TUI_COL_ACTIVE] = { 9, 3 },
    [TUI_COL_GRADE] = { 5, 4 },
    [TUI_COL_EFFICIENCY] = { 4, 5 },  /* "100%" */
    [TUI_COL_CONFIGURED] = { 4, 6 },  /* simulated databases only */
    /* priority 7: the name grows to NAME_COMFORT */
    [TUI_COL_FAILED_RATE] = { 7, 8 }, /* "FAIL/H" and the sort arrow */
    [TUI_COL_DONE_RATE] = { 7, 9 },
    [TUI_COL_RUNNING] = { 6, 10 },    /* "99 999" */
    [TUI_COL_SUBMITTED] = { 6, 11 },
    [TUI_COL_FAILED] = { 6, 12 },
    [TUI_COL_DONE] = { 6, 13 },
    [TUI_COL_TREND] = { 8, 14 },
    [TUI_COL_SUBMITTED_RATE] = { 6, 15 },
    [TUI_COL_SITE] = { 12, 16 },
};

/* Before the rates and counts come in, the name grows to this width (when
 * there is room): a CE's name is how an operator finds it. */
#define NAME_COMFORT_PRIORITY 7
#define NAME_COMFORT 19
#define NPRIORITIES 17

/* Spare width goes to these columns in turn, each up to its limit. */
static const struct {
    tui_column column;
    int upto;
} growth[] = {
    { TUI_COL_NAME, 24 }, { TUI_COL_SLOTS, 20 }, { TUI_COL_TREND, 16 },
    { TUI_COL_SITE, 20 }, { TUI_COL_NAME, 40 }, { TUI_COL_SLOTS, 30 },
    { TUI_COL_TREND, 32 },
};

#define SPARK_LABEL 15 /* "active pilots  " */
#define SPARK_TAIL 20  /* room for the range after the sparkline */

void tui_layout_compute(int width, int height, const tui_layout_options *opts,
                        tui_layout *out)
{
    int headless = opts && opts->headless;
    int simulated = opts && opts->simulated;
    int used = 0, spare, x = 0;

    memset(out, 0, sizeof *out);
    out->width = width;
    out->height = height;
    out->status_y = out->footer_y = -1;
    if (width < TUI_MIN_WIDTH || height < TUI_MIN_HEIGHT) {
        out->too_small = 1;
        return;
    }

    out->title_y = 0;
    out->summary_y = 1;
    out->spark_y = 3;
    out->spark_x = SPARK_LABEL;
    out->spark_width = width - SPARK_LABEL - SPARK_TAIL;
    if (out->spark_width > TUI_TREND_BUCKETS)
        out->spark_width = TUI_TREND_BUCKETS;
    out->table_header_y = 4;
    out->table_y = 5;
    if (headless) {
        out->table_rows = height - out->table_y;
    } else {
        out->status_y = height - 2;
        out->footer_y = height - 1;
        out->table_rows = out->status_y - out->table_y;
    }

    /* Columns by priority while they fit (with one space between). */
    for (int p = 0; p < NPRIORITIES; p++) {
        if (p == NAME_COMFORT_PRIORITY) {
            int add = NAME_COMFORT - out->col[TUI_COL_NAME].width;
            if (add > width - used)
                add = width - used;
            out->col[TUI_COL_NAME].width += add;
            used += add;
            continue;
        }
        for (int c = 0; c < TUI_NCOLUMNS; c++) {
            int need;
            if (spec[c].priority != p || (c == TUI_COL_CONFIGURED && !simulated))
                continue;
            need = spec[c].min + (used > 0);
            if (used + need <= width) {
                out->col[c].shown = 1;
                out->col[c].width = spec[c].min;
                used += need;
            }
        }
    }
    spare = width - used;
    for (size_t g = 0; g < sizeof growth / sizeof growth[0] && spare > 0; g++) {
        tui_layout_column *col = &out->col[growth[g].column];
        int add;
        if (!col->shown || col->width >= growth[g].upto)
            continue;
        add = growth[g].upto - col->width;
        if (add > spare)
            add = spare;
        col->width += add;
        spare -= add;
    }
    for (int c = 0; c < TUI_NCOLUMNS; c++) {
        if (!out->col[c].shown)
            continue;
        out->col[c].x = x;
        x += out->col[c].width + 1;
    }
}
