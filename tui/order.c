/*
 * order.c - which CEs the view shows and in which order: the filter by
 * name, the sort by a column (one key per row, and from the last frame's
 * order when the column is the same: only the CEs whose key moved are
 * sorted again), the sites tree's grouping, and the selected line found
 * again by name.
 */
#include "order.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

double order_key(tui_column column, const struct order_fields *f)
{
    switch (column) {
    case TUI_COL_STATE: return (double)f->state;
    case TUI_COL_SLOTS:
        return f->capacity > 0 ? (double)f->active / (double)f->capacity
                               : (f->active > 0 ? 2.0 : 0.0);
    case TUI_COL_ACTIVE: return (double)f->active;
    case TUI_COL_RUNNING: return (double)f->count[PILOT_RUNNING];
    case TUI_COL_SUBMITTED: return (double)f->count[PILOT_SUBMITTED];
    case TUI_COL_DONE: return (double)f->count[PILOT_DONE];
    case TUI_COL_FAILED: return (double)f->count[PILOT_FAILED];
    case TUI_COL_DONE_RATE: return f->rates->done_per_hour;
    case TUI_COL_FAILED_RATE: return f->rates->failed_per_hour;
    case TUI_COL_SUBMITTED_RATE: return f->rates->submitted_per_hour;
    case TUI_COL_EFFICIENCY: return f->efficiency;
    case TUI_COL_GRADE: return (double)f->grade;
    case TUI_COL_CONFIGURED: return f->configured;
    case TUI_COL_NAME:
    case TUI_COL_SITE:
    case TUI_COL_TREND:
    case TUI_NCOLUMNS:
        break;
    }
    return 0.0;
}

static double sort_value(const tui_ce_row *row, tui_column column)
{
    const pilotdb_ce *ce = row->ce;
    struct order_fields f = { row->state, ce->capacity, ce->active, ce->count, &row->rates,
                              row->efficiency, row->grade, ce->success_rate };

    return order_key(column, &f);
}

/* qsort has no context argument: the comparison reads these. */
static const double *sort_keys;
static const tui_ce_row *sort_rows; /* sorting by site */
static int sort_sign;

static int cmp_site(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(sort_rows[i].ce->site, sort_rows[j].ce->site);

    if (c != 0)
        return c < 0 ? -sort_sign : sort_sign;
    return (i > j) - (i < j);
}

static int cmp_visible(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double x = sort_keys[i], y = sort_keys[j];

    if (x != y)
        return x < y ? -sort_sign : sort_sign;
    return (i > j) - (i < j); /* rows are in name order */
}

/*
 * Sort the n rows of visible (every row, in row order, keys in sort_keys)
 * starting from the last sort by the same column, when there is one: the
 * rows whose key did not change are still in order among themselves, so
 * only the ones that changed are sorted, then merged in, which costs
 * O(rows) plus the sort of what moved (a frame moves a few CEs) rather
 * than a sort of every row.  The result, and the order of ties (by row),
 * are those of a full sort.  The sort is remembered for the next frame
 * (unless memory runs out: then it is not).
 */
static void sort_by_value(tui_view *view, size_t n)
{
    size_t *moved = view->scratch, nkept = 0, nmoved = 0;

    if (view->nsorted != n || view->sorted_by != view->sort ||
        view->sorted_sign != sort_sign) {
        if (n > 1)
            qsort(view->visible, n, sizeof *view->visible, cmp_visible);
    } else {
        for (size_t k = 0; k < n; k++) {
            size_t i = view->sorted[k];
            if (sort_keys[i] == view->sorted_keys[i])
                view->sorted[nkept++] = i;
            else
                moved[nmoved++] = i;
        }
        if (nmoved > 1)
            qsort(moved, nmoved, sizeof *moved, cmp_visible);
        for (size_t k = 0, a = 0, b = 0; k < n; k++)
            view->visible[k] = b == nmoved || (a < nkept && cmp_visible(&view->sorted[a],
                                                                        &moved[b]) < 0)
                                   ? view->sorted[a++]
                                   : moved[b++];
    }
    view->nsorted = 0;
    if (n > view->sorted_cap) {
        size_t *order = realloc(view->sorted, n * sizeof *order);
        double *keys;
        if (order)
            view->sorted = order;
        keys = order ? realloc(view->sorted_keys, n * sizeof *keys) : NULL;
        if (!keys)
            return;
        view->sorted_keys = keys;
        view->sorted_cap = n;
    }
    memcpy(view->sorted, view->visible, n * sizeof *view->sorted);
    memcpy(view->sorted_keys, sort_keys, n * sizeof *view->sorted_keys);
    view->nsorted = n;
    view->sorted_by = view->sort;
    view->sorted_sign = sort_sign;
}

static int contains_nocase(const char *haystack, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return 1;
    for (; *haystack; haystack++) {
        size_t k = 0;
        while (k < nlen && haystack[k] &&
               tolower((unsigned char)haystack[k]) == (unsigned char)needle[k])
            k++;
        if (k == nlen)
            return 1;
    }
    return 0;
}

/* Whether visible line i is what selected_name and selected_is_site name. */
static int line_is_selection(const tui_view *view, size_t i)
{
    size_t v = view->visible[i];

    if ((v & TREE_SITE_LINE) != 0)
        return view->selected_is_site &&
               strcmp(view->sites[v & ~TREE_SITE_LINE].name, view->selected_name) == 0;
    return !view->selected_is_site && strcmp(view->rows[v].ce->name, view->selected_name) == 0;
}

void order_remember_selection(tui_view *view)
{
    size_t v = view->visible[view->selected];

    view->selected_is_site = (v & TREE_SITE_LINE) != 0;
    strcpy(view->selected_name, view->selected_is_site
                                    ? view->sites[v & ~TREE_SITE_LINE].name
                                    : view->rows[v].ce->name);
}

void order_rebuild(tui_view *view)
{
    char needle[PILOTDB_NAME_MAX + 1];
    size_t nlen = strlen(view->filter), n = 0;
    int descending = order_column_descending(view->sort);
    long old = view->selected;

    for (size_t k = 0; k <= nlen; k++)
        needle[k] = (char)tolower((unsigned char)view->filter[k]);
    for (size_t i = 0; i < view->nrows; i++)
        if (contains_nocase(view->rows[i].ce->name, needle, nlen))
            view->visible[n++] = i;

    if (view->sort == TUI_COL_SITE) {
        sort_rows = view->rows;
        sort_sign = view->sort_reverse ? -1 : 1;
        if (n > 1)
            qsort(view->visible, n, sizeof *view->visible, cmp_site);
        sort_rows = NULL;
    } else if (view->sort != TUI_COL_NAME && view->sort != TUI_COL_TREND) {
        /* One key per row, computed once, rather than per comparison. */
        for (size_t k = 0; k < n; k++)
            view->sort_keys[view->visible[k]] = sort_value(&view->rows[view->visible[k]],
                                                           view->sort);
        sort_keys = view->sort_keys;
        sort_sign = (descending ^ (view->sort_reverse != 0)) ? -1 : 1;
        if (nlen == 0 && n > 0) /* every row: with no CEs there is no array */
            sort_by_value(view, n);
        else if (n > 1)
            qsort(view->visible, n, sizeof *view->visible, cmp_visible);
        sort_keys = NULL;
    } else if (view->sort_reverse) {
        for (size_t i = 0; i < n / 2; i++) {
            size_t t = view->visible[i];
            view->visible[i] = view->visible[n - 1 - i];
            view->visible[n - 1 - i] = t;
        }
    }

    if (view->tree)
        tree_order(view, n, view->sort == TUI_COL_NAME || view->sort == TUI_COL_SITE ||
                                    view->sort == TUI_COL_TREND ||
                                    view->sort == TUI_COL_CONFIGURED
                                ? (view->sort_reverse ? -1 : 1)
                                : ((descending ^ (view->sort_reverse != 0)) ? -1 : 1));
    else
        view->nvisible = n;
    n = view->nvisible;
    view->selected = -1;
    if (n == 0)
        return;
    if (view->selected_name[0] || view->selected_is_site) {
        if (old >= 0 && (size_t)old < n && line_is_selection(view, (size_t)old)) {
            view->selected = old;
            return;
        }
        for (size_t i = 0; i < n; i++) {
            if (line_is_selection(view, i)) {
                view->selected = (long)i;
                return;
            }
        }
    }
    view->selected = old < 0 ? 0 : (old >= (long)n ? (long)n - 1 : old);
    order_remember_selection(view);
}
