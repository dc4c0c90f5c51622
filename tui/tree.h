/*
 * tree.h - the sites tree of the view model (private to libpilottui).
 */
#ifndef TUI_TREE_H
#define TUI_TREE_H

#include "pilottui.h"

/* Bit of a visible[] entry that makes it a site line (the rest: the
 * site's index). */
#define TREE_SITE_LINE ((size_t)1 << (sizeof(size_t) * 8 - 1))

/* Compute view->sites from view->rows (totals, grade, worst state),
 * keeping the collapsed flags of the sites of the frame before.  0, or -1
 * when memory runs out. */
int tree_sites(tui_view *view);

/* Put the n CEs of view->visible (filtered and sorted) in tree order: each
 * site's line, then its CEs in their sorted order unless collapsed; sites
 * sort by the view's column on their totals.  Sets view->nvisible. */
void tree_order(tui_view *view, size_t n, int sign);

#endif
