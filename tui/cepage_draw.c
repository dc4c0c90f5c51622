/*
 * cepage_draw.c - a CE's page as lines of text: written out plain
 * (`top --once --ce NAME`), or drawn on the curses screen with the
 * selected pilot and its timeline, and the page's keys.  Outside text
 * (names, refs, reasons, users) goes through tui_text_clean() before a
 * terminal sees it.  The JSON twin is cepage_json.c.
 */
#include "cepage.h"

#include <curses.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "draw.h"
#include "keys.h"
#include "screen.h"

#define LINE_MAX_BYTES 1024
/* Rows of the change log on the screen (the text shows them all). */
#define SCREEN_CHANGES 10

struct line {
    char text[LINE_MAX_BYTES];
    enum tui_style style;
    int pilot;              /* the index of the pilot it shows, or -1 */
};

struct lines {
    struct line *v;
    size_t n, cap;
    int width, unicode;
};

static struct line *add(struct lines *ls, enum tui_style style, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static struct line *add(struct lines *ls, enum tui_style style, const char *fmt, ...)
{
    static struct line spare; /* written to when memory runs out */
    struct line *l = &spare;
    va_list ap;

    if (ls->n == ls->cap) {
        size_t cap = ls->cap ? ls->cap * 2 : 64;
        struct line *v = realloc(ls->v, cap * sizeof *v);
        if (v) {
            ls->v = v;
            ls->cap = cap;
        }
    }
    if (ls->n < ls->cap)
        l = &ls->v[ls->n++];
    va_start(ap, fmt);
    vsnprintf(l->text, sizeof l->text, fmt, ap);
    va_end(ap);
    l->style = style;
    l->pilot = -1;
    return l;
}

/* Outside text cleaned, cut or padded with spaces to width characters
 * (width <= 0: as it is, cleaned). */
static const char *cell(char *buf, size_t size, const char *text, int width)
{
    char clean[LINE_MAX_BYTES];
    size_t bytes = 0;
    int cells = 0;

    tui_text_clean(clean, sizeof clean, text);
    /* by display columns (wcwidth): wide characters take two */
    if (width > 0)
        bytes = tui_cells_bytes(clean, width, &cells);
    else
        bytes = strlen(clean);
    if (bytes >= size)
        bytes = size - 1;
    memcpy(buf, clean, bytes);
    while (width > 0 && cells < width && bytes + 1 < size) {
        buf[bytes++] = ' ';
        cells++;
    }
    buf[bytes] = '\0';
    return buf;
}

/* A time of the database: local on a wall clock, T+ from the start on a
 * simulation's; "-" for none. */
static const char *time_text(char *buf, size_t size, int64_t ms, pilotdb_clock_type clock)
{
    if (ms == PILOTDB_NO_TIME) {
        snprintf(buf, size, "-");
    } else if (clock == PILOTDB_CLOCK_SIM || ms < 1000000000000LL) {
        int64_t s = ms / 1000;
        snprintf(buf, size, "T+%lldd %02lld:%02lld:%02lld", (long long)(s / 86400),
                 (long long)(s / 3600 % 24), (long long)(s / 60 % 60), (long long)(s % 60));
    } else {
        time_t t = (time_t)(ms / 1000);
        struct tm tm;
        if (!localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
            snprintf(buf, size, "%lld ms", (long long)ms);
    }
    return buf;
}

static const char *value_text(char *buf, size_t size, pilotdb_ce_field field,
                              const pilotdb_ce_value *v)
{
    char clean[PILOTDB_NAME_MAX + 1];

    if (v->null)
        snprintf(buf, size, "-");
    else if (field == PILOTDB_FIELD_SUCCESS_RATE)
        snprintf(buf, size, "%.0f%%", v->d * 100.0);
    else if (field == PILOTDB_FIELD_ENABLED)
        snprintf(buf, size, "%s", v->i ? "on" : "off");
    else if (field == PILOTDB_FIELD_SITE)
        snprintf(buf, size, "%s", cell(clean, sizeof clean, v->text, 0));
    else
        snprintf(buf, size, "%lld", (long long)v->i);
    return buf;
}

/* "by ingest (alice) at <time>" of a change log row. */
static const char *who_when(char *buf, size_t size, const tui_cepage *page,
                            const pilotdb_ce_history_row *row)
{
    char t[48], by[PILOTDB_WORD_MAX + 1], user[PILOTDB_USER_MAX + 1];

    cell(by, sizeof by, row->by, 0);
    cell(user, sizeof user, row->user, 0);
    snprintf(buf, size, "%s by %s%s%s%s", time_text(t, sizeof t, row->at, page->clock), by,
             user[0] ? " (" : "", user, user[0] ? ")" : "");
    return buf;
}

static void add_config(struct lines *ls, const tui_cepage *page)
{
    const pilotdb_ce *ce = &page->ce;
    char name[PILOTDB_NAME_MAX + 1], site[PILOTDB_NAME_MAX + 1], when[160], sr[48] = "";
    char now[48];

    cell(name, sizeof name, ce->name, 0);
    cell(site, sizeof site, ce->site[0] ? ce->site : "(no site)", 0);
    add(ls, TUI_S_TITLE, "CE %s  site %s  at %s", name, site,
        time_text(now, sizeof now, page->now, page->clock));
    if (page->clock != PILOTDB_CLOCK_WALL)
        snprintf(sr, sizeof sr, "  success rate %.0f%% (simulated)", ce->success_rate * 100.0);
    add(ls, TUI_S_NORMAL, "  capacity %lld (%s)  %s%s", (long long)ce->capacity,
        ce->capacity_source == PILOTDB_CAPACITY_INFERRED ? "inferred" : "configured",
        ce->enabled ? "enabled" : "disabled", sr);
    if (page->created)
        add(ls, TUI_S_NORMAL, "  created %s",
            who_when(when, sizeof when, page, page->created));
    if (page->last_change && page->last_change != page->created)
        add(ls, TUI_S_NORMAL, "  last changed %s",
            who_when(when, sizeof when, page, page->last_change));
}

static void add_counts(struct lines *ls, const tui_cepage *page)
{
    const pilotdb_ce *ce = &page->ce;
    char c[PILOT_NSTATUS][24], active[24], cap[24];

    for (int s = 0; s < PILOT_NSTATUS; s++)
        tui_count_text(c[s], sizeof c[s], ce->count[s], 0);
    tui_count_text(active, sizeof active, ce->active, 0);
    tui_count_text(cap, sizeof cap, ce->capacity, 0);
    add(ls, TUI_S_HEADER, "Pilots");
    add(ls, TUI_S_NORMAL, "  submitted %s  running %s  done %s  failed %s  active %s/%s", c[0],
        c[1], c[2], c[3], active, cap);
}

static void add_windows(struct lines *ls, const tui_cepage *page)
{
    static const char *const names[TUI_CEPAGE_NWINDOWS] = { "1h", "12h", "7d" };
    int partial = 0;

    add(ls, TUI_S_HEADER, "Rates  window  submitted/h     done/h   failed/h  efficiency  grade");
    for (int w = 0; w < TUI_CEPAGE_NWINDOWS; w++) {
        const tui_cepage_window *cw = &page->win[w];
        char sub[24], done[24], failed[24], eff[16];
        tui_per_hour_text(sub, sizeof sub, cw->rates.submitted_per_hour, 11);
        tui_per_hour_text(done, sizeof done, cw->rates.done_per_hour, 10);
        tui_per_hour_text(failed, sizeof failed, cw->rates.failed_per_hour, 10);
        if (cw->efficiency < 0)
            snprintf(eff, sizeof eff, "-");
        else
            snprintf(eff, sizeof eff, "%.0f%%", cw->efficiency * 100.0);
        char label[8];
        snprintf(label, sizeof label, "%s%s", names[w], cw->partial ? "*" : "");
        add(ls, TUI_S_NORMAL, "       %-6s  %11s %10s %10s  %10s  %s", label, sub, done,
            failed, eff, tui_grade_name(cw->grade));
        partial |= cw->partial;
    }
    if (partial) {
        char span[32];
        tui_span_text(span, sizeof span, page->win[TUI_CEPAGE_7D].span_ms);
        add(ls, TUI_S_DIM, "       * the CE's history is shorter: over its %s", span);
    }
}

/* A sparkline of the last width points of series, scaled to max. */
static void spark(char *buf, size_t size, const int64_t *series, int width, int64_t max,
                  int unicode)
{
    static const char *const blocks[8] = { "\u2581", "\u2582", "\u2583", "\u2584",
                                           "\u2585", "\u2586", "\u2587", "\u2588" };
    static const char ascii[] = "_.-:=+*#";
    size_t off = 0;

    if (width > TUI_CEPAGE_TREND_POINTS)
        width = TUI_CEPAGE_TREND_POINTS;
    for (int i = TUI_CEPAGE_TREND_POINTS - width; i < TUI_CEPAGE_TREND_POINTS; i++) {
        int level = max > 0 ? (int)((series[i] * 7 + max / 2) / max) : 0;
        const char *g;
        char one[2] = { 0, 0 };
        level = level < 0 ? 0 : level > 7 ? 7 : level;
        if (unicode) {
            g = blocks[level];
        } else {
            one[0] = ascii[level];
            g = one;
        }
        if (off + strlen(g) + 1 > size)
            break;
        memcpy(buf + off, g, strlen(g));
        off += strlen(g);
    }
    buf[off] = '\0';
}

/* How far back a trend line goes: "50m", "4h40m", "2d8h". */
static void reach_text(char *buf, size_t size, int64_t ms)
{
    long long minutes = (long long)(ms / 60000), hours = minutes / 60;

    if (minutes < 120)
        snprintf(buf, size, "%lldm", minutes);
    else if (hours < 48 && minutes % 60)
        snprintf(buf, size, "%lldh%02lldm", hours, minutes % 60);
    else if (hours < 48)
        snprintf(buf, size, "%lldh", hours);
    else if (hours % 24)
        snprintf(buf, size, "%lldd%lldh", hours / 24, hours % 24);
    else
        snprintf(buf, size, "%lldd", hours / 24);
}

static void add_trends(struct lines *ls, const tui_cepage *page)
{
    static const char *const names[TUI_CEPAGE_NTRENDS] = { "5 min", "1 h", "12 h" };
    int64_t max = page->ce.capacity;
    int width = ls->width - 26;
    char max_text[24];

    for (int r = 0; r < TUI_CEPAGE_NTRENDS; r++)
        for (int i = 0; i < TUI_CEPAGE_TREND_POINTS; i++)
            if (page->trend[r][i] > max)
                max = page->trend[r][i];
    tui_count_text(max_text, sizeof max_text, max, 0);
    add(ls, TUI_S_HEADER, "Active pilots (0 to %s)", max_text);
    if (width < 8)
        width = 8;
    for (int r = 0; r < TUI_CEPAGE_NTRENDS; r++) {
        char bar[TUI_CEPAGE_TREND_POINTS * 3 + 1], span[24], last[24];
        int w = width < TUI_CEPAGE_TREND_POINTS ? width : TUI_CEPAGE_TREND_POINTS;
        spark(bar, sizeof bar, page->trend[r], w, max, ls->unicode);
        reach_text(span, sizeof span, (int64_t)w * tui_cepage_step_ms[r]);
        tui_count_text(last, sizeof last, page->trend[r][TUI_CEPAGE_TREND_POINTS - 1], 0);
        add(ls, TUI_S_NORMAL, "  %-5s %6s %s %s", names[r], span, bar, last);
    }
}

static void add_reasons(struct lines *ls, const char *title, const tui_reason_list *list)
{
    char n[24], d[24];

    tui_count_text(n, sizeof n, list->with_reason, 0);
    tui_count_text(d, sizeof d, list->distinct, 0);
    add(ls, TUI_S_HEADER, "%s (%s with a reason, %s distinct)", title, n, d);
    if (list->n == 0)
        add(ls, TUI_S_DIM, "  none");
    for (size_t i = 0; i < list->n; i++) {
        char count[24], reason[LINE_MAX_BYTES];
        tui_count_text(count, sizeof count, list->top[i].count, 7);
        cell(reason, sizeof reason, list->top[i].reason, ls->width - 11);
        add(ls, TUI_S_NORMAL, "  %7s  %s", count, reason);
    }
}

/* Append text cleaned and padded to width characters, then a space. */
static void append_cell(char *row, size_t size, const char *text, int width)
{
    char c[LINE_MAX_BYTES];
    size_t len = strlen(row), n;

    cell(c, sizeof c, text, width);
    n = strlen(c);
    /* a row cut short is cut at a character: cell() ends on one */
    if (len + n + 2 > size)
        return;
    memcpy(row + len, c, n);
    row[len + n] = ' ';
    row[len + n + 1] = '\0';
}

/* The columns of the last pilots' table: a narrow screen drops the source
 * status first, then the start. */
static void add_pilots(struct lines *ls, const tui_cepage *page)
{
    int tw = page->clock == PILOTDB_CLOCK_WALL ? 19 : 13;
    int started = ls->width >= 2 + 17 + 11 + 3 * (tw + 1);
    int source = ls->width >= 2 + 17 + 11 + 11 + 3 * (tw + 1) + 10;
    int reason_w = ls->width - (2 + 17 + 11 + (source ? 11 : 0) + (tw + 1) * (2 + started));
    char row[LINE_MAX_BYTES] = "  ";

    add(ls, TUI_S_HEADER, "Last pilots (Enter: timeline)");
    append_cell(row, sizeof row, "REF", 16);
    append_cell(row, sizeof row, "STATUS", 10);
    if (source)
        append_cell(row, sizeof row, "SOURCE", 10);
    append_cell(row, sizeof row, "SUBMITTED", tw);
    if (started)
        append_cell(row, sizeof row, "STARTED", tw);
    append_cell(row, sizeof row, "ENDED", tw);
    if (reason_w > 0)
        append_cell(row, sizeof row, "REASON", 0);
    add(ls, TUI_S_HEADER, "%s", row);
    if (page->npilots == 0)
        add(ls, TUI_S_DIM, "  none");
    for (size_t i = 0; i < page->npilots; i++) {
        const tui_cepage_pilot *cp = &page->pilots[i];
        const pilotdb_pilot *p = &cp->pilot;
        char t[48], idref[40];

        snprintf(idref, sizeof idref, "#%lld", (long long)p->id);
        strcpy(row, "  ");
        append_cell(row, sizeof row, p->ref[0] ? p->ref : idref, 16);
        append_cell(row, sizeof row, pilot_status_name(p->status), 10);
        if (source)
            append_cell(row, sizeof row, p->source_status[0] ? p->source_status : "-", 10);
        append_cell(row, sizeof row, time_text(t, sizeof t, p->submitted_at, page->clock), tw);
        if (started)
            append_cell(row, sizeof row, time_text(t, sizeof t, p->started_at, page->clock),
                        tw);
        append_cell(row, sizeof row, time_text(t, sizeof t, p->ended_at, page->clock), tw);
        if (reason_w > 0)
            append_cell(row, sizeof row, cp->reason, reason_w);
        add(ls, TUI_S_NORMAL, "%s", row)->pilot = (int)i;
    }
}

/* The change log, newest first: at most max rows (0: all). */
static void add_changes(struct lines *ls, const tui_cepage *page, size_t max)
{
    size_t n = max && page->nchanges > max ? max : page->nchanges;

    add(ls, TUI_S_HEADER, "Change log");
    if (page->nchanges == 0)
        add(ls, TUI_S_DIM, "  none");
    for (size_t i = 0; i < n; i++) {
        const pilotdb_ce_history_row *row = &page->changes[i];
        char when[160], old_v[PILOTDB_NAME_MAX + 1], new_v[PILOTDB_NAME_MAX + 1];
        who_when(when, sizeof when, page, row);
        value_text(old_v, sizeof old_v, row->field, &row->old_value);
        value_text(new_v, sizeof new_v, row->field, &row->new_value);
        if (row->old_value.null)
            add(ls, TUI_S_NORMAL, "  %s: %s %s", when, pilotdb_ce_field_name(row->field),
                new_v);
        else
            add(ls, TUI_S_NORMAL, "  %s: %s %s -> %s", when,
                pilotdb_ce_field_name(row->field), old_v, new_v);
    }
    if (n < page->nchanges) {
        char name[PILOTDB_NAME_MAX + 1];
        add(ls, TUI_S_DIM, "  %zu older: pilotdeck ce history %s", page->nchanges - n,
            cell(name, sizeof name, page->ce.name, 0));
    }
}

/* The page's lines, with at most max_changes rows of the change log (0:
 * all). */
static void page_lines(struct lines *ls, const tui_cepage *page, size_t max_changes)
{
    add_config(ls, page);
    add_counts(ls, page);
    add_windows(ls, page);
    add_trends(ls, page);
    add_reasons(ls, "Failure reasons", &page->failed);
    add_reasons(ls, "Hold reasons", &page->held);
    add_changes(ls, page, max_changes);
    add_pilots(ls, page);
}

static void timeline_lines(struct lines *ls, const tui_cepage *page, size_t i)
{
    const tui_cepage_pilot *cp = &page->pilots[i];
    const pilotdb_pilot *p = &cp->pilot;
    tui_timeline_step steps[3];
    size_t n = tui_cepage_timeline(p, steps);
    char ref[PILOTDB_NAME_MAX + 1], name[PILOTDB_NAME_MAX + 1], src[PILOTDB_WORD_MAX + 1];
    char reason[LINE_MAX_BYTES];

    cell(ref, sizeof ref, p->ref[0] ? p->ref : "(no ref)", 0);
    cell(name, sizeof name, page->ce.name, 0);
    cell(src, sizeof src, p->source_status[0] ? p->source_status : "-", 0);
    add(ls, TUI_S_TITLE, "Pilot #%lld %s of CE %s", (long long)p->id, ref, name);
    add(ls, TUI_S_NORMAL, "  status %s  source status %s", pilot_status_name(p->status), src);
    add(ls, TUI_S_NORMAL, "  reason %s", cp->reason[0] ? cell(reason, sizeof reason,
                                                                cp->reason, 0) : "-");
    add(ls, TUI_S_HEADER, "Timeline");
    for (size_t k = 0; k < n; k++) {
        char t[48];
        if (steps[k].kind == PILOTDB_TIME_UNKNOWN)
            snprintf(t, sizeof t, "(time unknown)");
        else
            time_text(t, sizeof t, steps[k].at, page->clock);
        add(ls, TUI_S_NORMAL, "  %-10s %-20s %s", pilot_status_name(steps[k].to), t,
            pilotdb_time_kind_name(steps[k].kind));
    }
}

/* The timelines of the last pilots, one line each (the text's twin of
 * Enter on a pilot). */
static void add_timelines(struct lines *ls, const tui_cepage *page)
{
    add(ls, TUI_S_HEADER, "Timelines");
    for (size_t i = 0; i < page->npilots; i++) {
        const pilotdb_pilot *p = &page->pilots[i].pilot;
        tui_timeline_step steps[3];
        size_t n = tui_cepage_timeline(p, steps);
        char row[LINE_MAX_BYTES] = "  ", idref[40], t[48];

        snprintf(idref, sizeof idref, "#%lld", (long long)p->id);
        append_cell(row, sizeof row, p->ref[0] ? p->ref : idref, 16);
        for (size_t k = 0; k < n; k++) {
            size_t len = strlen(row);
            if (steps[k].kind == PILOTDB_TIME_UNKNOWN)
                snprintf(t, sizeof t, "(time unknown)");
            else
                time_text(t, sizeof t, steps[k].at, page->clock);
            snprintf(row + len, sizeof row - len, "%s%s %s (%s)", k ? ", " : "",
                     pilot_status_name(steps[k].to), t, pilotdb_time_kind_name(steps[k].kind));
        }
        add(ls, TUI_S_NORMAL, "%s", row);
    }
}

int tui_cepage_text(const tui_cepage *page, int width, int unicode, FILE *out)
{
    struct lines ls = { NULL, 0, 0, width, unicode };
    int rc = 0;

    page_lines(&ls, page, 0);
    add_timelines(&ls, page);
    for (size_t i = 0; i < ls.n && rc == 0; i++) {
        char cut[LINE_MAX_BYTES];
        /* the line is already clean: cut it to the width */
        size_t bytes = tui_cells_bytes(ls.v[i].text, width, NULL);

        memcpy(cut, ls.v[i].text, bytes);
        while (bytes > 0 && cut[bytes - 1] == ' ')
            bytes--;
        cut[bytes] = '\0';
        if (fprintf(out, "%s\n", cut) < 0)
            rc = -1;
    }
    free(ls.v);
    if (rc == 0 && fflush(out) != 0)
        rc = -1;
    return rc;
}

/* ---- curses ---------------------------------------------------------------- */

static void put_at(struct tui_screen *scr, int y, int x, const char *s, int room,
                   enum tui_style style, int fill)
{
    int cells = 0;
    size_t bytes;

    if (room > COLS - x)
        room = COLS - x;
    if (room <= 0)
        return;
    bytes = tui_cells_bytes(s, room, &cells);
    attrset((attr_t)scr->attr[style]);
    mvaddnstr(y, x, s, (int)bytes);
    for (; fill && cells < room; cells++)
        addch(' ');
    attrset(A_NORMAL);
}

static void put_line(struct tui_screen *scr, int y, const char *s, enum tui_style style,
                     int fill)
{
    put_at(scr, y, 0, s, COLS, style, fill);
}

/* The dashboard's drawing surface on the page's screen: for the "too
 * small" screen, which the page shares with the table. */
static void surface_put(void *ctx, int y, int x, const char *s, int cells,
                        enum tui_style style)
{
    put_at(ctx, y, x, s, cells, (enum tui_style)(style & ~TUI_S_SELECTED_BIT), 0);
}

void tui_cepage_draw(struct tui_screen *scr, const tui_cepage *page, tui_cepage_ui *ui,
                     int unicode, const char *status, int status_error)
{
    struct lines ls = { NULL, 0, 0, COLS, unicode };
    int rows = LINES - 2;
    long sel_line = -1;

    if (COLS < TUI_MIN_WIDTH || LINES < TUI_MIN_HEIGHT) {
        struct tui_surface sf = { scr, COLS, LINES, surface_put };
        erase();
        tui_draw_too_small(&sf);
        wnoutrefresh(stdscr);
        doupdate();
        return;
    }
    if (ui->selected >= (long)page->npilots)
        ui->selected = (long)page->npilots - 1;
    if (ui->timeline && ui->selected >= 0)
        timeline_lines(&ls, page, (size_t)ui->selected);
    else
        page_lines(&ls, page, SCREEN_CHANGES);
    for (size_t i = 0; i < ls.n; i++)
        if (ls.v[i].pilot >= 0 && ls.v[i].pilot == ui->selected && !ui->timeline)
            sel_line = (long)i;
    if (ui->follow && sel_line >= 0 && sel_line >= ui->first_line + rows)
        ui->first_line = sel_line - rows + 1;
    if (ui->follow && sel_line >= 0 && sel_line < ui->first_line)
        ui->first_line = sel_line;
    ui->follow = 0;
    if (ui->first_line > (long)ls.n - rows)
        ui->first_line = (long)ls.n - rows;
    if (ui->first_line < 0 || ui->timeline)
        ui->first_line = 0;
    erase();
    for (int y = 0; y < rows && ui->first_line + y < (long)ls.n; y++) {
        const struct line *l = &ls.v[ui->first_line + y];
        int selected = l->pilot >= 0 && l->pilot == ui->selected;
        put_line(scr, y, l->text, selected ? TUI_S_SELECTED : l->style, selected);
    }
    if (status && status[0]) {
        char clean[512];
        tui_text_clean(clean, sizeof clean, status);
        put_line(scr, LINES - 2, clean, status_error ? TUI_S_ERROR : TUI_S_INFO, 0);
    }
    put_line(scr, LINES - 1,
             ui->timeline ? "Esc Back to the CE  q Quit"
                          : "Esc Back  jk Move  Enter Timeline  PgUp/PgDn Scroll  q Quit",
             TUI_S_KEY, 1);
    free(ls.v);
    wnoutrefresh(stdscr);
    doupdate();
}

/* ---- keys ------------------------------------------------------------------ */

enum tui_cepage_result tui_cepage_key(tui_cepage_ui *ui, const tui_cepage *page, int action,
                                      int rows)
{
    long last = (long)page->npilots - 1;

    switch ((enum tui_action)action) {
    case TUI_ACT_QUIT: return TUI_CEPAGE_QUIT;
    case TUI_ACT_CLEAR_FILTER: /* Esc */
        if (!ui->timeline)
            return TUI_CEPAGE_CLOSE;
        ui->timeline = 0;
        ui->follow = 1;
        break;
    case TUI_ACT_OPEN:
        if (ui->selected < 0)
            return TUI_CEPAGE_NO_PILOT;
        ui->timeline = 1;
        break;
    case TUI_ACT_SELECT_UP:
    case TUI_ACT_SELECT_DOWN:
    case TUI_ACT_FIRST:
    case TUI_ACT_LAST:
        if (ui->timeline || last < 0)
            break;
        ui->selected += action == TUI_ACT_SELECT_UP ? -1 : action == TUI_ACT_SELECT_DOWN ? 1
                        : action == TUI_ACT_FIRST ? -(last + 1) : last + 1;
        ui->selected = ui->selected < 0 ? 0 : ui->selected > last ? last : ui->selected;
        ui->follow = 1;
        break;
    case TUI_ACT_PAGE_UP:
    case TUI_ACT_PAGE_DOWN:
        ui->first_line += action == TUI_ACT_PAGE_UP ? -rows : rows;
        break;
    default:
        return TUI_CEPAGE_NOT_HERE;
    }
    return TUI_CEPAGE_STAY;
}

/* ---- the page in the dashboard -------------------------------------------- */

int tui_cepage_screen_read(tui_cepage_screen *ps, pilotdb *db, const char *name, int64_t now,
                           const tui_grades *grades, char *why, size_t why_size)
{
    char ce[PILOTDB_NAME_MAX + 1];
    long sel = ps->ui.selected;
    int64_t sel_id = ps->open && sel >= 0 && (size_t)sel < ps->page.npilots
                         ? ps->page.pilots[sel].pilot.id : -1;
    pilotdb_rc rc;

    snprintf(ce, sizeof ce, "%s", name ? name : ps->page.ce.name);
    if (name) {
        memset(&ps->ui, 0, sizeof ps->ui);
        sel_id = -1;
    }
    tui_cepage_free(&ps->page);
    rc = tui_cepage_read(&ps->page, db, ce, now, grades);
    if (rc != PILOTDB_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: %s", ce, pilotdb_errmsg(db));
        tui_text_clean(why, why_size, msg);
        tui_cepage_screen_close(ps);
        return -1;
    }
    ps->open = 1;
    if (name)
        ps->ui.selected = ps->page.npilots ? 0 : -1;
    for (size_t i = 0; sel_id >= 0 && i < ps->page.npilots; i++)
        if (ps->page.pilots[i].pilot.id == sel_id)
            ps->ui.selected = (long)i;
    return 0;
}

void tui_cepage_screen_close(tui_cepage_screen *ps)
{
    tui_cepage_free(&ps->page);
    memset(ps, 0, sizeof *ps);
}
