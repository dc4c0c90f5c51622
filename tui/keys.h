/*
 * keys.h - the dashboard's key bindings (private to libpilottui): one row
 * per action with its keys, its line on the help screen and its place in
 * the footer.  app.c maps keys to actions through it; draw.c draws the help
 * screen and the footer from it.
 */
#ifndef TUI_KEYS_H
#define TUI_KEYS_H

#include <stddef.h>

enum tui_action {
    TUI_ACT_NONE = 0,
    TUI_ACT_SELECT_UP,
    TUI_ACT_SELECT_DOWN,
    TUI_ACT_PAGE_UP,
    TUI_ACT_PAGE_DOWN,
    TUI_ACT_FIRST,
    TUI_ACT_LAST,
    TUI_ACT_SORT_NEXT,
    TUI_ACT_SORT_PREVIOUS,
    TUI_ACT_SORT_REVERSE,
    TUI_ACT_FILTER,
    TUI_ACT_CLEAR_FILTER,
    TUI_ACT_TOGGLE_ENABLED,
    TUI_ACT_CAPACITY_UP,
    TUI_ACT_CAPACITY_DOWN,
    TUI_ACT_WHATIF,
    TUI_ACT_TREE,
    TUI_ACT_FOLD,
    TUI_ACT_UNFOLD,
    TUI_ACT_CONFIRM,
    TUI_ACT_UNDO,
    TUI_ACT_SAVE_SETTINGS,
    TUI_ACT_OPEN,
    TUI_ACT_HELP,
    TUI_ACT_QUIT,
    TUI_ACT_PAUSE,          /* the demo's simulation only, like those below */
    TUI_ACT_SLOWER,
    TUI_ACT_FASTER
};

/* Row flags. */
#define TUI_KEY_DEMO 1u       /* only while a simulation drives the dashboard */
#define TUI_KEY_SAME_LINE 2u  /* its help goes on the line of the row before */

#define TUI_KEYS_PER_ACTION 4

/* The Esc key, which curses has no name for. */
#define TUI_KEY_ESC 27

struct tui_binding {
    enum tui_action action;
    int keys[TUI_KEYS_PER_ACTION]; /* curses key codes; 0 ends the list */
    const char *label;             /* the keys as the help names them; NULL:
                                      the help of another row covers it */
    const char *help;              /* what the action does */
    unsigned flags;                /* TUI_KEY_* */
    struct {
        int position;              /* 1, 2, ... from the left; 0: not shown */
        const char *keys, *label;  /* e.g. "F1" "Help" */
    } footer;
};

/* The bindings, in the order of the help screen. */
extern const struct tui_binding tui_bindings[];
extern const size_t tui_nbindings;

/* The row shown at position (1, 2, ...) of the footer, or NULL past the
 * last one. */
const struct tui_binding *tui_footer_binding(int position);

/* The action of key, or TUI_ACT_NONE; demo-only keys act only when demo is
 * non-zero. */
enum tui_action tui_key_action(int key, int demo);

#endif
