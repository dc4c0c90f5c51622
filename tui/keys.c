/*
 * keys.c - the dashboard's key bindings, one row per action: the keys that
 * do it and its line on the help screen (htop's Action_setBindings() way).
 * Adding a key is one row here and one case in app.c's handle_key().
 */
#include "keys.h"

#include <curses.h>

const struct tui_binding tui_bindings[] = {
    { TUI_ACT_SELECT_UP,      { KEY_UP, 'k' },   "Up/Down, j/k", "select a CE", 0 },
    { TUI_ACT_SELECT_DOWN,    { KEY_DOWN, 'j' }, NULL, NULL, 0 },
    { TUI_ACT_PAGE_UP,        { KEY_PPAGE },     "PgUp/PgDn, Home/End", "move faster",
      TUI_KEY_SAME_LINE },
    { TUI_ACT_PAGE_DOWN,      { KEY_NPAGE },     NULL, NULL, 0 },
    { TUI_ACT_FIRST,          { KEY_HOME, 'g' }, NULL, NULL, 0 },
    { TUI_ACT_LAST,           { KEY_END, 'G' },  NULL, NULL, 0 },
    { TUI_ACT_SORT_NEXT,      { 's', '>' },      "s, >", "sort by the next column", 0 },
    { TUI_ACT_SORT_PREVIOUS,  { '<' },           "<", "sort by the previous column", 0 },
    { TUI_ACT_SORT_REVERSE,   { 'r' },           "r", "reverse the sort order", 0 },
    { TUI_ACT_FILTER,         { '/' },           "/",
      "filter CEs by name (Enter keeps it, Esc clears it)", 0 },
    { TUI_ACT_CLEAR_FILTER,   { TUI_KEY_ESC },       NULL, NULL, 0 },
    { TUI_ACT_TOGGLE_ENABLED, { 'e' },           "e", "enable or disable the selected CE", 0 },
    { TUI_ACT_CAPACITY_UP,    { '+', '=' },      "+ / -",
      "add or remove one slot of the selected CE", 0 },
    { TUI_ACT_CAPACITY_DOWN,  { '-', '_' },      NULL, NULL, 0 },
    { TUI_ACT_HELP,           { KEY_F(1), '?', 'h' }, "F1, ?, h", "this help", 0 },
    { TUI_ACT_QUIT,           { 'q', KEY_F(10) }, "q, F10", "quit", 0 },
    { TUI_ACT_PAUSE,          { ' ' },           "space", "pause or resume the simulation",
      TUI_KEY_DEMO },
    { TUI_ACT_SLOWER,         { '[' },           "[ / ]",
      "slow down / speed up the simulated clock", TUI_KEY_DEMO },
    { TUI_ACT_FASTER,         { ']' },           NULL, NULL, TUI_KEY_DEMO },
};

const size_t tui_nbindings = sizeof tui_bindings / sizeof tui_bindings[0];

enum tui_action tui_key_action(int key, int demo)
{
    for (size_t i = 0; i < tui_nbindings; i++) {
        const struct tui_binding *b = &tui_bindings[i];
        if ((b->flags & TUI_KEY_DEMO) && !demo)
            continue;
        for (int k = 0; k < TUI_KEYS_PER_ACTION && b->keys[k]; k++)
            if (b->keys[k] == key)
                return b->action;
    }
    return TUI_ACT_NONE;
}
