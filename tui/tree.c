/*
 * tree.c - the sites tree (t): CEs grouped under their site, with the
 * site's totals on its line, collapsible, sorted and filtered like the
 * flat list (inside each site; sites by their totals).
 *
 * view->sites is rebuilt each frame from the rows, by name, so that a
 * collapsed site stays collapsed from one frame to the next by a lookup
 * of its name; the CEs without a site come last, as "(no site)".
 */
#include "tree.h"

#include <stdlib.h>
#include <string.h>

#include "order.h"

/* Site names in the tree's order: by name, "" (no site) last. */
static int site_name_cmp(const char *a, const char *b)
{
    if (!a[0] || !b[0])
        return !a[0] - !b[0];
    return strcmp(a, b);
}

/* The index of site name in sites[0..n), or n. */
static size_t site_find(const tui_site *sites, size_t n, const char *name)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = site_name_cmp(sites[mid].name, name);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return n;
}

static const tui_ce_row *sort_rows;

static int cmp_row_site(const void *a, const void *b)
{
    const tui_ce_row *x = &sort_rows[*(const size_t *)a], *y = &sort_rows[*(const size_t *)b];
    return site_name_cmp(x->ce->site, y->ce->site);
}

static void add_row(tui_site *site, const tui_ce_row *row)
{
    const pilotdb_ce *ce = row->ce;

    site->ces++;
    for (int s = 0; s < PILOT_NSTATUS; s++)
        site->count[s] += ce->count[s];
    site->active += ce->active;
    if (ce->enabled)
        site->capacity += ce->capacity;
    site->rates.submitted += row->rates.submitted;
    site->rates.done += row->rates.done;
    site->rates.failed += row->rates.failed;
    site->rates.submitted_per_hour += row->rates.submitted_per_hour;
    site->rates.done_per_hour += row->rates.done_per_hour;
    site->rates.failed_per_hour += row->rates.failed_per_hour;
    if (site->ces == 1 || row->state > site->state)
        site->state = row->state;
}

int tree_sites(tui_view *view)
{
    size_t *order = NULL, nsites = 0;
    tui_site *sites = NULL;

    if (view->nrows > 0) {
        order = malloc(view->nrows * sizeof *order);
        sites = calloc(view->nrows, sizeof *sites);
        if (!order || !sites) {
            free(order);
            free(sites);
            return -1;
        }
    }
    for (size_t i = 0; i < view->nrows; i++)
        order[i] = i;
    sort_rows = view->rows;
    if (view->nrows > 1)
        qsort(order, view->nrows, sizeof *order, cmp_row_site);
    sort_rows = NULL;
    for (size_t k = 0; k < view->nrows; k++) {
        const tui_ce_row *row = &view->rows[order[k]];
        if (nsites == 0 || strcmp(sites[nsites - 1].name, row->ce->site) != 0) {
            tui_site *site = &sites[nsites++];
            size_t old = site_find(view->sites, view->nsites, row->ce->site);
            snprintf(site->name, sizeof site->name, "%s", row->ce->site);
            site->collapsed = old < view->nsites && view->sites[old].collapsed;
        }
        add_row(&sites[nsites - 1], row);
    }
    for (size_t s = 0; s < nsites; s++)
        sites[s].grade = tui_grade_of(&view->grades, sites[s].rates.done,
                                      sites[s].rates.failed, &sites[s].efficiency);
    free(order);
    free(view->sites);
    view->sites = sites;
    view->nsites = nsites;
    return 0;
}

/* The value a site sorts by in column c; 0 for the columns that sort
 * sites by name (the configured success rate among them: a site has
 * none). */
static double site_value(const tui_site *s, tui_column c)
{
    struct order_fields f = { (int)s->state, s->capacity, s->active, s->count, &s->rates,
                              s->efficiency, (int)s->grade, 0.0 };

    return c == TUI_COL_CONFIGURED ? 0.0 : order_key(c, &f);
}

static const tui_site *order_sites;
static tui_column order_column;
static int order_sign;

/* Sites by the column (order_sign), then by name (reversed too when the
 * column is the name's); "(no site)" last. */
static int cmp_site(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double x = site_value(&order_sites[i], order_column);
    double y = site_value(&order_sites[j], order_column);

    if (!order_sites[i].name[0] || !order_sites[j].name[0])
        return !order_sites[i].name[0] - !order_sites[j].name[0];
    if (x != y)
        return x < y ? -order_sign : order_sign;
    if (order_column == TUI_COL_NAME || order_column == TUI_COL_SITE)
        return ((i > j) - (i < j)) * order_sign;
    return (i > j) - (i < j);
}

void tree_order(tui_view *view, size_t n, int sign)
{
    size_t *grouped = view->scratch, *start, *site_order, k = 0;

    start = calloc(view->nsites + 1, sizeof *start);
    site_order = malloc((view->nsites ? view->nsites : 1) * sizeof *site_order);
    if (!start || !site_order) {
        /* no room to group: the flat list it is */
        free(start);
        free(site_order);
        view->nvisible = n;
        return;
    }
    /* The site of each visible CE, then a stable counting sort by site:
     * inside a site the CEs keep the column's order. */
    for (size_t s = 0; s < view->nsites; s++)
        view->sites[s].shown = 0;
    for (size_t i = 0; i < n; i++) {
        size_t s = site_find(view->sites, view->nsites, view->rows[view->visible[i]].ce->site);
        view->sites[s].shown++;
        grouped[i] = s; /* for now: the site of the i-th CE */
    }
    for (size_t s = 0; s < view->nsites; s++)
        start[s + 1] = start[s] + view->sites[s].shown;
    for (size_t s = 0; s < view->nsites; s++)
        view->sites[s].first_row = start[s];
    /* visible has room for 2n entries: its second half takes the CEs
     * grouped by site (start[] as cursors), then they go to the scratch */
    for (size_t i = 0; i < n; i++)
        view->visible[n + start[grouped[i]]++] = view->visible[i];
    memcpy(grouped, view->visible + n, n * sizeof *grouped);
    for (size_t s = 0; s < view->nsites; s++)
        site_order[s] = s;
    order_sites = view->sites;
    order_column = view->sort;
    order_sign = sign;
    if (view->nsites > 1)
        qsort(site_order, view->nsites, sizeof *site_order, cmp_site);
    order_sites = NULL;
    for (size_t o = 0; o < view->nsites; o++) {
        const tui_site *site = &view->sites[site_order[o]];
        if (site->shown == 0)
            continue;
        view->visible[k++] = TREE_SITE_LINE | site_order[o];
        if (site->collapsed)
            continue;
        memcpy(view->visible + k, grouped + site->first_row, site->shown * sizeof *grouped);
        k += site->shown;
    }
    view->nvisible = k;
    free(start);
    free(site_order);
}
