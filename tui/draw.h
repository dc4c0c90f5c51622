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
    TUI_S_FULL,     /* a full CE: information, not a warning */
    TUI_S_FAIR,     /* the Fair grade */
    TUI_S_TITLE_ROW, /* a site's line in the tree */
    TUI_NSTYLES
};

/* A style on the selected row: the surface keeps its colour on the
 * selection's background (so bars stay visible) instead of reversing it. */
#define TUI_S_SELECTED_BIT 0x40
#define TUI_SEL(style) ((enum tui_style)((style) | TUI_S_SELECTED_BIT))

struct tui_surface {
    void *ctx;
    int width, height;
    /* Show the UTF-8 text s at (y, x) in at most cells columns; style may
     * carry TUI_S_SELECTED_BIT. */
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
    int help;             /* show page help (1, 2, ...) of the help screen
                             instead of the view; 0: the view */
};

/* The columns UTF-8 text s takes on a terminal: wcwidth(3) of each
 * character (wide CJK 2, combining 0; a character the locale does not know
 * by a small table of wide and combining ranges). */
int tui_cells(const char *s);

/* The bytes of the longest start of s that fits in cells columns, with the
 * combining characters that follow it; *used (if not NULL) gets its columns. */
size_t tui_cells_bytes(const char *s, int cells, int *used);

/* The columns of Unicode code point cp (0, 1 or 2). */
int tui_char_cells(unsigned cp);

/* Copy outside text (a CE name, a message naming one) into buf for the
 * screen: control characters (C0, DEL, C1) and bytes that are not UTF-8
 * become '?'; cut at a character boundary to fit size. */
void tui_text_clean(char *buf, size_t size, const char *text);

/* A JSON string of outside text: as it is when it is UTF-8, else cleaned by
 * tui_text_clean() (so the document is still made); NULL out of memory. */
struct json_t;
struct json_t *tui_json_text(const char *s);

/* A duration in its largest whole unit: 7d, 1h, 90m, 45s (rounded down
 * to the minute from ten minutes up). */
void tui_span_text(char *buf, size_t size, int64_t ms);

/* The pages of the help screen at width x height (at least 1). */
int tui_help_pages(const tui_view *view, int width, int height, int demo);

/* Draw page (1, 2, ...) of the help screen: the keys from the key table,
 * then the legend of grades, states and rates with view's thresholds. */
void tui_draw_help(const struct tui_surface *sf, const tui_view *view, int page, int demo);

/* The "terminal too small: need WxH" screen, with the size it has and
 * that q quits: below TUI_MIN_WIDTH x TUI_MIN_HEIGHT every view draws it
 * instead of itself. */
void tui_draw_too_small(const struct tui_surface *sf);

/* Draw the dashboard, or the "terminal too small" screen when the layout
 * says so, or the help screen when chrome asks for it; chrome is NULL for a
 * headless frame. */
void tui_draw_frame(const struct tui_surface *sf, const tui_view *view,
                    const tui_layout *layout, const tui_draw_options *opts,
                    const struct tui_chrome *chrome);

#endif
