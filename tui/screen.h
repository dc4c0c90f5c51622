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

/* A surface on the whole screen at its current size. */
struct tui_surface screen_surface(struct tui_screen *scr);

/* Start a frame (erase without clearing the terminal) and show it. */
void screen_begin(struct tui_screen *scr);
void screen_show(struct tui_screen *scr);

/* Wait up to timeout_ms for a key; ERR on timeout or signal. */
int screen_getkey(struct tui_screen *scr, int timeout_ms);

#endif
