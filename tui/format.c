/*
 * format.c - the dashboard's one way to write a number and to grade a CE,
 * shared by the table, the header, the CE page and the JSON frames.
 */
#include "pilottui.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const tui_grades tui_grades_default = {
    .good = 0.85, .fair = 0.60, .poor = 0.25, .min_ended = TUI_GRADE_MIN_ENDED
};

/* v with a space between groups of three digits: "5 432", "-12 345". */
static void grouped(char *buf, size_t size, int64_t v)
{
    char digits[32], out[48];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t n, o = 0;

    snprintf(digits, sizeof digits, "%llu", (unsigned long long)u);
    n = strlen(digits);
    if (v < 0)
        out[o++] = '-';
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ' ';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    snprintf(buf, size, "%s", out);
}

/* v in three significant digits and a suffix: 116k, 1.01M, 12.3G. */
static void scaled(char *buf, size_t size, int64_t v)
{
    static const char suffix[] = "kMGTPE";
    double d = fabs((double)v);
    const char *sign = v < 0 ? "-" : "";
    int i = -1;

    while (i < 5 && d >= 999.5) {
        d /= 1000.0;
        i++;
    }
    if (i < 0) {
        snprintf(buf, size, "%s%.0f", sign, d);
        return;
    }
    if (d < 9.995)
        snprintf(buf, size, "%s%.2f%c", sign, d, suffix[i]);
    else if (d < 99.95)
        snprintf(buf, size, "%s%.1f%c", sign, d, suffix[i]);
    else
        snprintf(buf, size, "%s%.0f%c", sign, d, suffix[i]);
}

void tui_count_text(char *buf, size_t size, int64_t v, int width)
{
    if (v > -TUI_COUNT_EXACT && v < TUI_COUNT_EXACT) {
        grouped(buf, size, v);
        if (width <= 0 || (int)strlen(buf) <= width)
            return;
    }
    scaled(buf, size, v);
}

void tui_per_hour_text(char *buf, size_t size, double per_hour, int width)
{
    if (per_hour < 99.95 && per_hour > -99.95) {
        snprintf(buf, size, "%.1f", per_hour);
        if (width <= 0 || (int)strlen(buf) <= width)
            return;
    }
    tui_count_text(buf, size, (int64_t)llround(per_hour), width);
}

tui_grade tui_grade_of(const tui_grades *g, int64_t done, int64_t failed,
                       double *efficiency)
{
    int64_t ended = done + failed;
    double e;

    if (!g)
        g = &tui_grades_default;
    e = ended > 0 ? (double)done / (double)ended : -1.0;
    if (efficiency)
        *efficiency = e;
    if (ended <= 0 || ended < g->min_ended)
        return TUI_GRADE_IDLE;
    if (e >= g->good)
        return TUI_GRADE_GOOD;
    if (e >= g->fair)
        return TUI_GRADE_FAIR;
    if (e >= g->poor)
        return TUI_GRADE_POOR;
    return TUI_GRADE_BAD;
}

const char *tui_grade_name(tui_grade grade)
{
    static const char *const names[] = {
        [TUI_GRADE_IDLE] = "Idle", [TUI_GRADE_GOOD] = "Good", [TUI_GRADE_FAIR] = "Fair",
        [TUI_GRADE_POOR] = "Poor", [TUI_GRADE_BAD] = "Bad",
    };
    return (unsigned)grade < sizeof names / sizeof names[0] ? names[grade] : "?";
}

int tui_grades_check(const tui_grades *g, char *err, size_t err_size)
{
    if (!(g->good >= 0 && g->good <= 1 && g->fair >= 0 && g->fair <= 1 && g->poor >= 0 &&
          g->poor <= 1)) {
        snprintf(err, err_size, "grade thresholds must lie between 0 and 1");
        return -1;
    }
    if (!(g->good >= g->fair && g->fair >= g->poor)) {
        snprintf(err, err_size, "grade thresholds must satisfy good >= fair >= poor");
        return -1;
    }
    if (g->min_ended < 1) {
        snprintf(err, err_size, "an Idle CE needs at least 1 ended pilot to be graded");
        return -1;
    }
    return 0;
}
