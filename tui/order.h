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

/* Whether column sorts largest first by default (view.c's table). */
int order_column_descending(tui_column column);

#endif
