/*
 * app.c - the interactive dashboard: the frame loop, keys, the mouse and
 * edits.
 *
 * Each turn of the loop collects a frame (one read snapshot) when the
 * interval has passed or an edit asks for it, draws it, then blocks in
 * getch() until the next frame is due, so an idle dashboard sleeps.
 * An edit is shown and waits for y before it is written; u writes the value
 * it replaced back.
 * SIGINT and SIGTERM only set a flag; the loop sees it (getch returns on the
 * signal) and leaves through the one exit that restores the terminal.
 */
#include "pilottui.h"

#include <curses.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cepage.h"
#include "config.h"
#include "draw.h"
#include "keys.h"
#include "scheme.h"
#include "screen.h"
#include "whatif.h"

#define MIN_SPEED (1.0 / 64.0)
#define MAX_SPEED 65536.0

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    stop_requested = sig;
}

/* Edits of this session that u can take back, newest last. */
#define UNDO_MAX 64

/* One change of one CE: its field from old to new. */
struct ce_edit {
    char name[PILOTDB_NAME_MAX + 1];
    unsigned field;          /* PILOTDB_SET_ENABLED or PILOTDB_SET_CAPACITY */
    int64_t old_value, new_value;
};

struct app {
    pilotdb *db;
    const tui_run_options *opts;
    tui_screen *screen;
    tui_view view;
    tui_layout layout;
    tui_draw_options draw;
    char status[512];
    int status_error;
    int prompting;
    char prompt[PILOTDB_NAME_MAX + 1];
    int help, quit, need_data;
    int paused, finished;
    double speed;
    long first_row;
    struct tui_whatif whatif;
    int confirming;          /* pending waits for y */
    struct ce_edit pending;
    struct ce_edit undo[UNDO_MAX];
    size_t nundo;
    tui_cepage_screen page; /* Enter: a CE's page */
};

/* While a what-if runs, the screen is redrawn at least this often (ms) for
 * its progress. */
#define WHATIF_POLL_MS 200

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tui_locale_is_utf8(void)
{
    const char *codeset = nl_langinfo(CODESET);
    return codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
}

static void set_status(struct app *app, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_status(struct app *app, int error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(app->status, sizeof app->status, fmt, ap);
    va_end(ap);
    app->status_error = error;
}

/* Keep the selected row inside the table. */
static void scroll_to_selection(struct app *app)
{
    long rows = app->layout.table_rows, sel = app->view.selected;
    long max_first = (long)app->view.nvisible - rows;

    if (rows <= 0)
        return;
    if (sel >= 0 && sel < app->first_row)
        app->first_row = sel;
    if (sel >= 0 && sel >= app->first_row + rows)
        app->first_row = sel - rows + 1;
    if (app->first_row > max_first)
        app->first_row = max_first;
    if (app->first_row < 0)
        app->first_row = 0;
}

static void draw(struct app *app)
{
    struct tui_chrome chrome;
    struct tui_line panel[TUI_WHATIF_MAX_LINES];
    size_t npanel;
    tui_layout_options lopts = { .simulated = tui_view_simulated(&app->view) };

    /* the page too: its keys are off below the minimum size, as the table's */
    tui_layout_compute(COLS, LINES, &lopts, &app->layout);
    if (app->page.open) {
        tui_cepage_draw(app->screen, &app->page.page, &app->page.ui, app->opts->unicode,
                        app->status, app->status_error);
        return;
    }
    npanel = app->layout.too_small ? 0 : tui_whatif_lines(&app->whatif, COLS,
                                                          app->opts->unicode, panel,
                                                          TUI_WHATIF_MAX_LINES);
    /* the panel takes the table's last rows: keep the selection above it */
    app->layout.table_rows -= (int)npanel;
    if (app->layout.table_rows < 0)
        app->layout.table_rows = 0;
    scroll_to_selection(app);
    memset(&chrome, 0, sizeof chrome);
    chrome.status = app->status[0] ? app->status : NULL;
    chrome.status_error = app->status_error;
    chrome.prompt = app->prompting ? app->prompt : NULL;
    chrome.demo = app->opts->driver != NULL;
    chrome.paused = app->paused;
    chrome.finished = app->finished;
    chrome.speed = app->speed;
    chrome.readonly = app->opts->readonly;
    chrome.first_row = app->first_row;
    chrome.help = app->help;
    chrome.panel = npanel ? panel : NULL;
    chrome.npanel = npanel;
    screen_draw(app->screen, &app->view, &app->layout, &app->draw, &chrome);
}

/* A CE edit from the keyboard is by "top" and the user in the change log,
 * whoever else (a simulation) writes through the same handle. */
static pilotdb_rc edit_as_top(struct app *app, const char *name, const pilotdb_ce_change *upd,
                              char *why, size_t why_size)
{
    char by[PILOTDB_WORD_MAX + 1], user[PILOTDB_USER_MAX + 1];
    const char *u;
    pilotdb_rc rc;

    snprintf(by, sizeof by, "%s", pilotdb_actor(app->db, &u));
    snprintf(user, sizeof user, "%s", u);
    rc = pilotdb_set_actor(app->db, "top", app->opts->user);
    if (rc != PILOTDB_OK)
        rc = pilotdb_set_actor(app->db, "top", NULL);
    if (rc == PILOTDB_OK)
        rc = pilotdb_ce_update(app->db, name, upd);
    snprintf(why, why_size, "%s", pilotdb_errmsg(app->db));
    pilotdb_set_actor(app->db, by, user[0] ? user : NULL);
    return rc;
}

/* What an edit does, asked ("disable CE-X") or done ("CE-X: disabled");
 * "CE-X: capacity 50 -> 55" either way. */
static void edit_text(char *buf, size_t size, const struct ce_edit *ed, int done)
{
    if (ed->field == PILOTDB_SET_ENABLED && done)
        snprintf(buf, size, "%s: %s", ed->name, ed->new_value ? "enabled" : "disabled");
    else if (ed->field == PILOTDB_SET_ENABLED)
        snprintf(buf, size, "%s %s", ed->new_value ? "enable" : "disable", ed->name);
    else
        snprintf(buf, size, "%s: capacity %lld -> %lld", ed->name, (long long)ed->old_value,
                 (long long)ed->new_value);
}

/* Write ed's new value: 0, or -1 with the status line saying why not. */
static int edit_write(struct app *app, const struct ce_edit *ed, const char *done)
{
    pilotdb_ce_change upd = { 0 };
    char what[PILOTDB_NAME_MAX + 64], why[512];
    pilotdb_rc rc;

    upd.set = ed->field;
    upd.enabled = (int)ed->new_value;
    upd.capacity = ed->new_value;
    rc = edit_as_top(app, ed->name, &upd, why, sizeof why);
    app->need_data = 1;
    if (rc == PILOTDB_EREADONLY) {
        set_status(app, 1, "read-only database: %s was not changed", ed->name);
        return -1;
    }
    if (rc != PILOTDB_OK) {
        set_status(app, 1, "%s was not changed: %s", ed->name, why);
        return -1;
    }
    edit_text(what, sizeof what, ed, 1);
    set_status(app, 0, "%s%s", done, what);
    return 0;
}

/* e, + or -: show the change to the selected CE and wait for y.  + and -
 * again while a capacity change of the same CE waits add to it. */
static void edit_selected(struct app *app, int what)
{
    const tui_ce_row *row = tui_view_selected(&app->view);
    struct ce_edit *ed = &app->pending;
    char text[PILOTDB_NAME_MAX + 64];

    if (!row) {
        set_status(app, 1, "no CE selected");
        return;
    }
    if (app->opts->readonly) {
        set_status(app, 1, "read-only database: %s was not changed", row->ce->name);
        return;
    }
    if (!(app->confirming && what != 'e' && ed->field == PILOTDB_SET_CAPACITY &&
          strcmp(ed->name, row->ce->name) == 0)) {
        memset(ed, 0, sizeof *ed);
        strcpy(ed->name, row->ce->name);
        ed->field = what == 'e' ? PILOTDB_SET_ENABLED : PILOTDB_SET_CAPACITY;
        ed->old_value = what == 'e' ? row->ce->enabled : row->ce->capacity;
        ed->new_value = what == 'e' ? !row->ce->enabled : row->ce->capacity;
    }
    if (what != 'e') {
        if (what == '-' && ed->new_value == 0) {
            if (app->confirming) { /* the change waiting stays as it is */
                edit_text(text, sizeof text, ed, 0);
                set_status(app, 1, "%s? (a capacity cannot go below 0)  y applies, any "
                           "other key cancels", text);
            } else {
                set_status(app, 1, "%s: capacity is already 0", ed->name);
            }
            return;
        }
        ed->new_value += what == '+' ? 1 : -1;
    }
    app->confirming = 1;
    edit_text(text, sizeof text, ed, 0);
    set_status(app, 0, "%s?  y applies, any other key cancels", text);
}

/* A key while an edit waits: y writes it, + and - change it, anything else
 * cancels it. */
static void confirm_key(struct app *app, enum tui_action action)
{
    if (action == TUI_ACT_CAPACITY_UP || action == TUI_ACT_CAPACITY_DOWN) {
        edit_selected(app, action == TUI_ACT_CAPACITY_UP ? '+' : '-');
        return;
    }
    app->confirming = 0;
    if (action != TUI_ACT_CONFIRM) {
        set_status(app, 0, "cancelled: %s was not changed", app->pending.name);
        return;
    }
    if (edit_write(app, &app->pending, "") != 0)
        return;
    if (app->nundo == UNDO_MAX) {
        memmove(app->undo, app->undo + 1, (UNDO_MAX - 1) * sizeof app->undo[0]);
        app->nundo--;
    }
    app->undo[app->nundo++] = app->pending;
}

/* u: write back the value the last edit of this session replaced, unless
 * someone changed it since. */
static void undo_last(struct app *app)
{
    struct ce_edit back;
    int64_t now_value = -1;

    if (app->opts->readonly) {
        set_status(app, 1, "read-only database: nothing to undo");
        return;
    }
    if (app->nundo == 0) {
        set_status(app, 1, "nothing to undo");
        return;
    }
    back = app->undo[app->nundo - 1];
    for (size_t i = 0; i < app->view.nrows; i++) {
        const pilotdb_ce *ce = app->view.rows[i].ce;
        if (strcmp(ce->name, back.name) == 0)
            now_value = back.field == PILOTDB_SET_ENABLED ? ce->enabled : ce->capacity;
    }
    if (now_value != back.new_value) {
        app->nundo--;
        if (now_value < 0)
            set_status(app, 1, "not undone: %s is gone", back.name);
        else
            set_status(app, 1, "not undone: %s was changed since (%s is %lld now)",
                       back.name, back.field == PILOTDB_SET_ENABLED ? "enabled" : "capacity",
                       (long long)now_value);
        return;
    }
    back.old_value = back.new_value;
    back.new_value = app->undo[app->nundo - 1].old_value;
    if (edit_write(app, &back, "undone: ") == 0)
        app->nundo--;
}

/* S: the settings as they are now into the configuration file. */
static void save_settings(struct app *app)
{
    tui_settings s;
    char err[600];

    if (!app->opts->config_path) {
        set_status(app, 1, "no configuration file to save to (--no-config; --config FILE "
                   "names one)");
        return;
    }
    if (app->opts->settings)
        s = *app->opts->settings;
    else
        tui_settings_default(&s);
    s.sort = app->view.sort;
    s.reverse = app->view.sort_reverse;
    snprintf(s.filter, sizeof s.filter, "%s", app->view.filter);
    s.window_ms = app->view.opts.window_ms;
    if (!app->opts->driver) /* the demo's refresh is its own */
        s.delay_s = (app->opts->interval_ms > 0 ? app->opts->interval_ms : 1000) / 1000.0;
    s.mouse = app->opts->mouse;
    if (tui_config_save(app->opts->config_path, &s, err, sizeof err) != 0) {
        set_status(app, 1, "settings not saved: %s", err);
        return;
    }
    set_status(app, 0, "settings saved to %s", app->opts->config_path);
}

/* A click on a column's header sorts by it (again: the other way round), on
 * a row selects it; the wheel scrolls three rows. */
static void mouse_event(struct app *app)
{
    const tui_layout *lo = &app->layout;
    MEVENT ev;

    if (getmouse(&ev) != OK)
        return;
    if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
        tui_view_select_move(&app->view, (ev.bstate & BUTTON4_PRESSED) ? -3 : 3);
        return;
    }
    if (!(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
        return;
    if (ev.y == lo->table_header_y) {
        for (int c = 0; c < TUI_NCOLUMNS; c++) {
            const tui_layout_column *col = &lo->col[c];
            if (!col->shown || c == TUI_COL_TREND || ev.x < col->x ||
                ev.x >= col->x + col->width + 1)
                continue;
            tui_view_sort(&app->view, (tui_column)c,
                          app->view.sort == (tui_column)c ? !app->view.sort_reverse : 0);
            set_status(app, 0, "sorted by %s%s", tui_column_title((tui_column)c),
                       app->view.sort_reverse ? ", reversed" : "");
            return;
        }
    } else if (ev.y >= lo->table_y && ev.y < lo->table_y + lo->table_rows) {
        long i = app->first_row + (ev.y - lo->table_y);
        if (i < (long)app->view.nvisible)
            tui_view_select_move(&app->view, i - app->view.selected);
    }
}

static void cycle_sort(struct app *app, int step)
{
    int c = (int)app->view.sort;
    do
        c = (c + step + TUI_NCOLUMNS) % TUI_NCOLUMNS;
    while (c == TUI_COL_TREND);
    tui_view_sort(&app->view, (tui_column)c, 0);
    set_status(app, 0, "sorted by %s", tui_column_title((tui_column)c));
}

static void prompt_key(struct app *app, int key)
{
    size_t len = strlen(app->prompt);

    if (key == '\n' || key == '\r' || key == KEY_ENTER) {
        app->prompting = 0;
        set_status(app, 0, app->prompt[0] ? "filter: %s" : "filter cleared", app->prompt);
        return;
    }
    if (key == TUI_KEY_ESC) {
        app->prompting = 0;
        app->prompt[0] = '\0';
        set_status(app, 0, "filter cleared");
    } else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
        /* Remove a whole UTF-8 character. */
        while (len > 0 && ((unsigned char)app->prompt[len - 1] & 0xC0) == 0x80)
            len--;
        if (len > 0)
            len--;
        app->prompt[len] = '\0';
    } else if (key >= 0x20 && key < 0x100 && key != 0x7f && len < PILOTDB_NAME_MAX) {
        app->prompt[len] = (char)key;
        app->prompt[len + 1] = '\0';
    } else {
        return;
    }
    tui_view_filter(&app->view, app->prompt);
}

static void change_speed(struct app *app, double factor)
{
    app->speed *= factor;
    if (app->speed < MIN_SPEED)
        app->speed = MIN_SPEED;
    if (app->speed > MAX_SPEED)
        app->speed = MAX_SPEED;
    set_status(app, 0, "speed x%g", app->speed);
}

/* w: open the form on the selected CE. */
static void whatif_open(struct app *app)
{
    const tui_ce_row *row = tui_view_selected(&app->view);
    struct tui_whatif *w = &app->whatif;
    const tui_whatif_engine *engine = app->opts->whatif;

    if (!engine) {
        set_status(app, 1, "what-if is not available here");
        return;
    }
    if (w->mode == TUI_WHATIF_RUNNING) {
        set_status(app, 1, "a what-if is running (Esc cancels it)");
        return;
    }
    if (!row) {
        set_status(app, 1, "no CE selected");
        return;
    }
    tui_whatif_form_open(&w->form, row->ce);
    memset(&w->request, 0, sizeof w->request);
    w->request.window_ms = TUI_WHATIF_WINDOW_MS;
    w->request.horizon_ms = TUI_WHATIF_HORIZON_MS;
    w->request.replications = engine->replications ? engine->replications
                                                   : TUI_WHATIF_REPLICATIONS;
    w->mode = TUI_WHATIF_FORM;
}

/* A key while the form, the progress or the panel of a what-if is up; 0
 * when the key is for the dashboard. */
static int whatif_key(struct app *app, int key)
{
    struct tui_whatif *w = &app->whatif;
    char why[512];

    switch (w->mode) {
    case TUI_WHATIF_FORM:
        switch (tui_whatif_form_key(&w->form, key)) {
        case TUI_FORM_CLOSE:
            w->mode = TUI_WHATIF_CLOSED;
            break;
        case TUI_FORM_SUBMIT:
            if (tui_whatif_form_parse(&w->form, &w->request) != 0)
                break;
            if (tui_whatif_start(w, app->opts->whatif, app->db, &w->request, why,
                                 sizeof why) != 0) {
                tui_text_clean(w->form.error, sizeof w->form.error, why);
                w->mode = TUI_WHATIF_FORM;
            }
            break;
        case TUI_FORM_EDITED:
            break;
        }
        return 1;
    case TUI_WHATIF_RUNNING:
        if (key != TUI_KEY_ESC)
            return 0;
        tui_whatif_cancel(w);
        return 1;
    case TUI_WHATIF_PANEL:
        if (key != TUI_KEY_ESC && key != '\n' && key != '\r' && key != KEY_ENTER)
            return 0;
        w->mode = TUI_WHATIF_CLOSED;
        return 1;
    case TUI_WHATIF_CLOSED:
        break;
    }
    return 0;
}

/* Enter: the page of the selected CE, or a key on the page. */
static void page_key(struct app *app, enum tui_action action)
{
    const tui_ce_row *row = tui_view_selected(&app->view);
    char why[512];

    app->status[0] = '\0';
    if (!app->page.open) {
        if (!row)
            set_status(app, 1, app->view.nvisible ? "a site: Enter opens a CE's page"
                                                  : "no CE selected");
        else if (tui_cepage_screen_read(&app->page, app->db, row->ce->name, app->view.now,
                                        &app->view.grades, why, sizeof why) != 0)
            set_status(app, 1, "%s", why);
        return;
    }
    switch (tui_cepage_key(&app->page.ui, &app->page.page, action, LINES - 2)) {
    case TUI_CEPAGE_CLOSE: tui_cepage_screen_close(&app->page); break;
    case TUI_CEPAGE_QUIT: app->quit = 1; break;
    case TUI_CEPAGE_NO_PILOT: set_status(app, 1, "this CE has no pilot"); break;
    case TUI_CEPAGE_NOT_HERE: set_status(app, 1, "not on a CE's page (Esc goes back)"); break;
    case TUI_CEPAGE_STAY: break;
    }
}

static void handle_key(struct app *app, int key)
{
    const tui_layout *lo = &app->layout;
    enum tui_action action = tui_key_action(key, app->opts->driver != NULL);

    if (key == KEY_RESIZE)
        return;
    if (lo->too_small) {
        if (action == TUI_ACT_QUIT)
            app->quit = 1;
        return;
    }
    if (app->help) { /* a key turns the page; q, Esc or the last page go back */
        int last = tui_help_pages(&app->view, COLS, LINES, app->opts->driver != NULL);
        app->help = action == TUI_ACT_QUIT || key == TUI_KEY_ESC || app->help >= last
                        ? 0 : app->help + 1;
        return;
    }
    if (app->confirming) {
        confirm_key(app, action);
        return;
    }
    if (key == KEY_MOUSE) {
        if (!app->prompting && app->whatif.mode == TUI_WHATIF_CLOSED && !app->page.open)
            mouse_event(app);
        return;
    }
    if (app->prompting) {
        prompt_key(app, key);
        return;
    }
    if (whatif_key(app, key))
        return;
    if (app->page.open) {
        page_key(app, action);
        return;
    }
    switch (action) {
    case TUI_ACT_QUIT: app->quit = 1; break;
    case TUI_ACT_HELP: app->help = 1; break;
    case TUI_ACT_SELECT_UP: tui_view_select_move(&app->view, -1); break;
    case TUI_ACT_SELECT_DOWN: tui_view_select_move(&app->view, 1); break;
    case TUI_ACT_PAGE_UP: tui_view_select_move(&app->view, -(long)lo->table_rows); break;
    case TUI_ACT_PAGE_DOWN: tui_view_select_move(&app->view, lo->table_rows); break;
    case TUI_ACT_FIRST: tui_view_select_move(&app->view, -(long)app->view.nvisible); break;
    case TUI_ACT_LAST: tui_view_select_move(&app->view, (long)app->view.nvisible); break;
    case TUI_ACT_SORT_NEXT: cycle_sort(app, 1); break;
    case TUI_ACT_SORT_PREVIOUS: cycle_sort(app, -1); break;
    case TUI_ACT_SORT_REVERSE:
        tui_view_sort(&app->view, app->view.sort, !app->view.sort_reverse);
        set_status(app, 0, "sorted by %s, %s", tui_column_title(app->view.sort),
                   app->view.sort_reverse ? "reversed" : "default order");
        break;
    case TUI_ACT_FILTER:
        app->prompting = 1;
        strcpy(app->prompt, app->view.filter);
        break;
    case TUI_ACT_CLEAR_FILTER:
        if (app->view.filter[0]) {
            tui_view_filter(&app->view, NULL);
            set_status(app, 0, "filter cleared");
        }
        break;
    case TUI_ACT_TOGGLE_ENABLED: edit_selected(app, 'e'); break;
    case TUI_ACT_CAPACITY_UP: edit_selected(app, '+'); break;
    case TUI_ACT_CAPACITY_DOWN: edit_selected(app, '-'); break;
    case TUI_ACT_CONFIRM: set_status(app, 1, "nothing to confirm"); break;
    case TUI_ACT_UNDO: undo_last(app); break;
    case TUI_ACT_SAVE_SETTINGS: save_settings(app); break;
    case TUI_ACT_WHATIF: whatif_open(app); break;
    case TUI_ACT_TREE:
        if (tui_view_tree(&app->view, !app->view.tree) != PILOTDB_OK)
            set_status(app, 1, "out of memory: no tree");
        else
            set_status(app, 0, app->view.tree ? "tree: CEs by site (Left/Right fold)"
                                              : "flat list of CEs");
        break;
    case TUI_ACT_FOLD:
    case TUI_ACT_UNFOLD: tui_view_tree_fold(&app->view, action == TUI_ACT_FOLD); break;
    case TUI_ACT_OPEN: page_key(app, action); break;
    case TUI_ACT_PAUSE:
        app->paused = !app->paused;
        set_status(app, 0, app->paused ? "paused" : "running");
        break;
    case TUI_ACT_SLOWER: change_speed(app, 0.5); break;
    case TUI_ACT_FASTER: change_speed(app, 2.0); break;
    case TUI_ACT_NONE: break;
    }
}

/* Advance the simulation (demo) and collect a frame.  0, or -1 to stop with
 * errbuf set. */
static int collect(struct app *app, int64_t real_ms, char *errbuf, size_t errbuf_size)
{
    const tui_driver *driver = app->opts->driver;
    char why[512];
    pilotdb_rc rc;

    if (driver && !app->paused && !app->finished) {
        if (driver->advance(driver->arg, real_ms, app->speed, errbuf, errbuf_size) != 0)
            return -1;
        if (driver->finished && driver->finished(driver->arg)) {
            app->finished = 1;
            set_status(app, 0, "simulation finished; q quits");
        }
    }
    rc = tui_view_update(&app->view, app->db);
    if (rc == PILOTDB_OK && app->page.open && !app->page.ui.timeline &&
        tui_cepage_screen_read(&app->page, app->db, NULL, app->view.now, &app->view.grades,
                               why, sizeof why) != 0)
        set_status(app, 1, "%s", why);
    if (rc == PILOTDB_OK)
        return 0;
    if (app->view.frames == 0) {
        snprintf(errbuf, errbuf_size, "cannot read the database: %s",
                 pilotdb_errmsg(app->db));
        return -1;
    }
    /* A busy or briefly failing database keeps the last frame on screen. */
    set_status(app, 1, "database: %s (showing the last frame)", pilotdb_errmsg(app->db));
    return 0;
}

int tui_run(pilotdb *db, const tui_run_options *opts, char *errbuf, size_t errbuf_size)
{
    struct app app;
    struct sigaction sa, old_int, old_term, old_hup;
    tui_view_options vopts = { opts->bucket_ms, opts->window_ms, opts->stale_ms,
                               opts->grades };
    int interval = opts->interval_ms > 0 ? opts->interval_ms : 1000;
    int64_t next_frame, last_collect;
    int rc = -1;

    memset(&app, 0, sizeof app);
    app.db = db;
    app.opts = opts;
    app.speed = opts->driver && opts->driver->speed > 0 ? opts->driver->speed : 1.0;
    app.draw.unicode = opts->unicode;
    app.draw.source = opts->source;
    app.draw.clock_label = opts->driver ? "sim" : "wall";
    if (opts->notice)
        set_status(&app, 0, "%s", opts->notice);
    tui_view_init(&app.view, &vopts);
    tui_view_sort(&app.view, opts->sort, opts->sort_reverse);
    tui_view_filter(&app.view, opts->filter);
    app.view.tree = opts->tree != 0; /* the first frame builds the sites */

    /* Our handlers go in before curses starts, so curses leaves them be. */
    stop_requested = 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);

    if (tui_screen_open(NULL, stdout, stdin,
                        opts->color && !(opts->settings &&
                                         opts->settings->scheme == TUI_SCHEME_MONO),
                        &app.screen, errbuf, errbuf_size) != 0)
        goto out;
    scheme_apply(app.screen, opts->settings);
    if (opts->mouse) {
        /* presses, not clicks: a click would wait mouseinterval() to tell */
        mouseinterval(0);
        mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    }
    last_collect = monotonic_ms();
    if (collect(&app, 0, errbuf, errbuf_size) != 0)
        goto out;
    next_frame = last_collect + interval;
    draw(&app);

    while (!app.quit && !stop_requested) {
        int64_t now = monotonic_ms();
        int key, wait_ms;

        if (now >= next_frame || app.need_data) {
            int64_t real_ms = now - last_collect;
            if (real_ms > 5 * (int64_t)interval)
                real_ms = 5 * (int64_t)interval; /* after a suspend, do not leap */
            app.need_data = 0;
            last_collect = now;
            if (collect(&app, real_ms, errbuf, errbuf_size) != 0)
                goto out;
            if (now >= next_frame)
                next_frame = now + interval;
            draw(&app);
        }
        if (app.whatif.mode == TUI_WHATIF_RUNNING) {
            char msg[600];
            int done = tui_whatif_poll(&app.whatif, msg, sizeof msg);
            if (done != 2 && msg[0])
                set_status(&app, done < 0, "%s", msg);
            draw(&app);
        }
        now = monotonic_ms();
        wait_ms = next_frame > now ? (int)(next_frame - now) : 0;
        if (app.whatif.mode == TUI_WHATIF_RUNNING && wait_ms > WHATIF_POLL_MS)
            wait_ms = WHATIF_POLL_MS;
        key = screen_getkey(app.screen, wait_ms);
        if (key == ERR)
            continue;
        handle_key(&app, key);
        draw(&app);
    }
    rc = 0;
out:
    tui_whatif_stop(&app.whatif);
    tui_screen_close(app.screen);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    tui_view_free(&app.view);
    tui_cepage_screen_close(&app.page);
    return rc;
}
