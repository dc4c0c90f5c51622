/*
 * screen.c - the ncurses terminal of the interactive dashboard.
 *
 * Frames are drawn with erase() + wnoutrefresh() + doupdate(): curses sends
 * only what changed, so the screen never flickers.  Colour is used only when
 * the caller allows it and the terminal has it; otherwise every style maps to
 * bold, reverse, underline or dim.
 */
#include "screen.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PAIR_TITLE = 1, PAIR_HEADER, PAIR_SORTED, PAIR_GREEN, PAIR_YELLOW, PAIR_RED,
       PAIR_CYAN, PAIR_KEY, PAIR_BLUE, PAIR_SEL, PAIR_SEL_GREEN, PAIR_SEL_YELLOW,
       PAIR_SEL_RED, PAIR_SEL_CYAN, PAIR_LAST = PAIR_SEL_CYAN };

/* On the selected row a coloured style keeps its colour on the selection's
 * background; reverse video would turn a bar's full blocks into blanks. */
static unsigned long selected_attr(const struct tui_screen *scr, enum tui_style style)
{
    static const short pair_on_selection[TUI_NSTYLES] = {
        [TUI_S_OK] = PAIR_SEL_GREEN, [TUI_S_RUNNING] = PAIR_SEL_GREEN,
        [TUI_S_FAIR] = PAIR_SEL_YELLOW, [TUI_S_WARN] = PAIR_SEL_YELLOW,
        [TUI_S_BAD] = PAIR_SEL_RED, [TUI_S_SUBMITTED] = PAIR_SEL_CYAN,
    };
    unsigned long bold = scr->attr[style] & A_BOLD;

    if (scr->color)
        return COLOR_PAIR(pair_on_selection[style] ? pair_on_selection[style] : PAIR_SEL) |
               bold;
    /* Monochrome: the bar glyphs differ, so bold on the plain background. */
    if (style == TUI_S_RUNNING || style == TUI_S_SUBMITTED || style == TUI_S_FREE)
        return A_BOLD;
    return A_REVERSE | A_BOLD | (scr->attr[style] & A_UNDERLINE);
}

static void set_styles(struct tui_screen *scr)
{
    unsigned long *a = scr->attr;

    memset(scr->attr, 0, sizeof scr->attr);
    if (scr->color) {
        short bg = -1;
        if (use_default_colors() == ERR)
            bg = COLOR_BLACK;
        init_pair(PAIR_TITLE, COLOR_WHITE, COLOR_BLUE);
        init_pair(PAIR_HEADER, COLOR_BLACK, COLOR_CYAN);
        init_pair(PAIR_SORTED, COLOR_BLACK, COLOR_GREEN);
        init_pair(PAIR_GREEN, COLOR_GREEN, bg);
        init_pair(PAIR_YELLOW, COLOR_YELLOW, bg);
        init_pair(PAIR_RED, COLOR_RED, bg);
        init_pair(PAIR_CYAN, COLOR_CYAN, bg);
        init_pair(PAIR_KEY, COLOR_BLACK, COLOR_CYAN);
        init_pair(PAIR_BLUE, COLOR_BLUE, bg);
        init_pair(PAIR_SEL, COLOR_WHITE, COLOR_BLUE);
        init_pair(PAIR_SEL_GREEN, COLOR_GREEN, COLOR_BLUE);
        init_pair(PAIR_SEL_YELLOW, COLOR_YELLOW, COLOR_BLUE);
        init_pair(PAIR_SEL_RED, COLOR_RED, COLOR_BLUE);
        init_pair(PAIR_SEL_CYAN, COLOR_CYAN, COLOR_BLUE);
        a[TUI_S_TITLE] = COLOR_PAIR(PAIR_TITLE) | A_BOLD;
        a[TUI_S_HEADER] = COLOR_PAIR(PAIR_HEADER);
        a[TUI_S_SORTED] = COLOR_PAIR(PAIR_SORTED) | A_BOLD;
        a[TUI_S_SELECTED] = COLOR_PAIR(PAIR_SEL) | A_BOLD;
        a[TUI_S_OK] = COLOR_PAIR(PAIR_GREEN);
        a[TUI_S_FULL] = COLOR_PAIR(PAIR_BLUE);
        a[TUI_S_FAIR] = COLOR_PAIR(PAIR_YELLOW);
        a[TUI_S_TITLE_ROW] = A_BOLD;
        a[TUI_S_WARN] = COLOR_PAIR(PAIR_YELLOW) | A_BOLD;
        a[TUI_S_BAD] = COLOR_PAIR(PAIR_RED) | A_BOLD;
        a[TUI_S_DIM] = A_DIM;
        a[TUI_S_RUNNING] = COLOR_PAIR(PAIR_GREEN);
        a[TUI_S_SUBMITTED] = COLOR_PAIR(PAIR_CYAN);
        a[TUI_S_FREE] = A_DIM;
        a[TUI_S_INFO] = COLOR_PAIR(PAIR_GREEN) | A_BOLD;
        a[TUI_S_ERROR] = COLOR_PAIR(PAIR_RED) | A_BOLD;
        a[TUI_S_KEY] = COLOR_PAIR(PAIR_KEY);
    } else {
        a[TUI_S_TITLE] = A_REVERSE | A_BOLD;
        a[TUI_S_HEADER] = A_REVERSE;
        a[TUI_S_SORTED] = A_REVERSE | A_BOLD | A_UNDERLINE;
        a[TUI_S_SELECTED] = A_REVERSE | A_BOLD;
        a[TUI_S_WARN] = A_BOLD;
        a[TUI_S_BAD] = A_BOLD | A_UNDERLINE;
        a[TUI_S_FULL] = A_NORMAL;
        a[TUI_S_FAIR] = A_NORMAL;
        a[TUI_S_TITLE_ROW] = A_BOLD;
        a[TUI_S_DIM] = A_DIM;
        a[TUI_S_FREE] = A_DIM;
        a[TUI_S_INFO] = A_BOLD;
        a[TUI_S_ERROR] = A_BOLD | A_REVERSE;
        a[TUI_S_KEY] = A_REVERSE;
    }
}

int tui_screen_open(const char *term, FILE *out, FILE *in, int color, tui_screen **scr,
                    char *errbuf, size_t errbuf_size)
{
    tui_screen *screen = calloc(1, sizeof *screen);
    SCREEN *sp;

    *scr = NULL;
    if (!screen) {
        snprintf(errbuf, errbuf_size, "out of memory");
        return -1;
    }
    /* newterm, unlike initscr, returns an error instead of exiting. */
    sp = newterm(term, out, in);
    if (!sp) {
        const char *name = term ? term : getenv("TERM");
        snprintf(errbuf, errbuf_size,
                 "cannot start the terminal (TERM=%s); `pilotdeck top --once` prints "
                 "a plain text frame instead", name ? name : "unset");
        free(screen);
        return -1;
    }
    screen->term = sp;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    screen->color = color && has_colors() && start_color() != ERR && COLORS >= 8 &&
                    COLOR_PAIRS > PAIR_LAST;
    set_styles(screen);
    *scr = screen;
    return 0;
}

void tui_screen_close(tui_screen *scr)
{
    if (!scr)
        return;
    curs_set(1);
    endwin();
    delscreen(scr->term);
    free(scr);
    fflush(stdout);
}

static void screen_put(void *ctx, int y, int x, const char *s, int cells,
                       enum tui_style style)
{
    struct tui_screen *scr = ctx;
    int room = COLS - x, selected = (style & TUI_S_SELECTED_BIT) != 0;
    size_t bytes;

    style = (enum tui_style)(style & ~TUI_S_SELECTED_BIT);
    if (y < 0 || y >= LINES || x < 0 || room <= 0 || (unsigned)style >= TUI_NSTYLES)
        return;
    if (cells > room)
        cells = room;
    /* waddnstr counts bytes: find the bytes of what fits in cells columns. */
    bytes = tui_cells_bytes(s, cells, NULL);
    attrset((attr_t)(selected ? selected_attr(scr, style) : scr->attr[style]));
    mvaddnstr(y, x, s, (int)bytes);
    attrset(A_NORMAL);
}

/* Erase without clearing the terminal, draw, and send only what changed. */
void screen_draw(struct tui_screen *scr, const tui_view *view, const tui_layout *layout,
                 const tui_draw_options *opts, const struct tui_chrome *chrome)
{
    struct tui_surface sf = { scr, COLS, LINES, screen_put };

    erase();
    tui_draw_frame(&sf, view, layout, opts, chrome);
    wnoutrefresh(stdscr);
    doupdate();
}

void tui_screen_draw_frame(tui_screen *scr, const tui_view *view,
                           const tui_draw_options *opts)
{
    struct tui_chrome chrome = { 0 };
    tui_layout layout;

    tui_layout_compute(COLS, LINES, NULL, &layout);
    screen_draw(scr, view, &layout, opts, &chrome);
}

int screen_getkey(struct tui_screen *scr, int timeout_ms)
{
    (void)scr;
    timeout(timeout_ms);
    return getch();
}
