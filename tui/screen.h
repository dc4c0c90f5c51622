/*
 * screen.h - the ncurses terminal of the interactive dashboard (private).
 *
 * Owns terminal setup and restore, the mapping of styles to colours or to
 * monochrome attributes, and a surface that draws onto stdscr.
 */
#ifndef TUI_SCREEN_H
#define TUI_SCREEN_H

#include <stddef.h>

#include "draw.h"

struct tui_screen {
    void *term;    /* SCREEN * */
    int color;
    unsigned long attr[TUI_NSTYLES];
};

/* Draw a frame (tui_draw_frame()) on the whole screen and show it; layout
 * is for the screen's current size. */
void screen_draw(struct tui_screen *scr, const tui_view *view, const tui_layout *layout,
                 const tui_draw_options *opts, const struct tui_chrome *chrome);

/* Wait up to timeout_ms for a key; ERR on timeout or signal. */
int screen_getkey(struct tui_screen *scr, int timeout_ms);

#endif
