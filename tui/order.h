/*
 * order.h - the filter and sort of the view model's rows (private to
 * libpilottui; order.c).
 */
#ifndef TUI_ORDER_H
#define TUI_ORDER_H

#include "pilottui.h"

/* Recompute view->visible from view->rows, the filter and the sort (and
 * group by site in the tree), then find the selected line again by name
 * (or keep its position when it went away). */
void order_rebuild(tui_view *view);

/* Note the selected line's CE (or site) by name for the next frames. */
void order_remember_selection(tui_view *view);

/* What a row of the table (a CE or a site) sorts by. */
struct order_fields {
    int state;
    int64_t capacity, active;
    const int64_t *count; /* PILOT_NSTATUS */
    const tui_rates *rates;
    double efficiency;
    int grade;
    double configured;    /* the success rate configured (CEs only) */
};

/* The value a row sorts by in column (0 for the columns that sort by
 * name or text). */
double order_key(tui_column column, const struct order_fields *f);

/* Whether column sorts largest first by default (view.c's table). */
int order_column_descending(tui_column column);

#endif
