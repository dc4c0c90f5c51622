/*
 * draw.h - drawing a view onto a surface (private to libpilottui).
 *
 * A surface is anything that can show styled text at a row and column: the
 * ncurses screen (screen.c) or a plain text grid (text.c).  Drawing reads
 * the view, the layout and the options and writes only to the surface.
 */
#ifndef TUI_DRAW_H
#define TUI_DRAW_H

#include "pilottui.h"

/* What a piece of text means; each surface maps it to attributes. */
enum tui_style {
    TUI_S_NORMAL = 0,
    TUI_S_TITLE,
    TUI_S_HEADER,
    TUI_S_SORTED,   /* the sort column's header */
    TUI_S_SELECTED,
    TUI_S_OK,
    TUI_S_WARN,
    TUI_S_BAD,
    TUI_S_DIM,
    TUI_S_RUNNING,  /* bar cells */
    TUI_S_SUBMITTED,
    TUI_S_FREE,
    TUI_S_INFO,     /* status line confirmations */
    TUI_S_ERROR,
    TUI_S_KEY,      /* a key in the footer */
    TUI_NSTYLES
};

struct tui_surface {
    void *ctx;
    int width, height;
    /* Show at most cells characters of the UTF-8 text s at (y, x). */
    void (*put)(void *ctx, int y, int x, const char *s, int cells,
                enum tui_style style);
};

struct tui_line;

/* What the interactive front end adds around the view. */
struct tui_chrome {
    const char *status;   /* status line text, or NULL */
    int status_error;     /* show status as an error */
    const char *prompt;   /* the filter being typed, or NULL */
    int demo, paused, finished;
    double speed;
    int readonly;
    long first_row;       /* index into visible of the top table row */
    const struct tui_line *panel; /* the what-if's form or panel, or NULL */
    size_t npanel;
    int help;             /* show the help screen instead of the view */
};

/* The number of characters (UTF-8 code points) of s. */
int tui_cells(const char *s);

/* Copy outside text (a CE name, a message naming one) into buf for the
 * screen: control characters (C0, DEL, C1) and bytes that are not UTF-8
 * become '?'; cut at a character boundary to fit size. */
void tui_text_clean(char *buf, size_t size, const char *text);

/* A duration in its largest whole unit: 7d, 1h, 90m, 45s (rounded down
 * to the minute from ten minutes up). */
void tui_span_text(char *buf, size_t size, int64_t ms);

/* Draw the dashboard, or the "terminal too small" screen when the layout
 * says so, or the help screen when chrome asks for it; chrome is NULL for a
 * headless frame. */
void tui_draw_frame(const struct tui_surface *sf, const tui_view *view,
                    const tui_layout *layout, const tui_draw_options *opts,
                    const struct tui_chrome *chrome);

#endif
