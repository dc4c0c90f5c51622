/*
 * keys.c - the dashboard's key bindings, one row per action: the keys that
 * do it, its line on the help screen and its place in the footer (htop's
 * Action_setBindings() way).
 * Adding a key is one row here and one case in app.c's handle_key().
 */
#include "keys.h"

#include <curses.h>

const struct tui_binding tui_bindings[] = {
    { .action = TUI_ACT_SELECT_UP, .keys = { KEY_UP, 'k' },
      .label = "Up/Down, j/k", .help = "select a CE",
      .footer = { 5, "jk", "Move" } },
    { .action = TUI_ACT_SELECT_DOWN, .keys = { KEY_DOWN, 'j' } },
    { .action = TUI_ACT_PAGE_UP, .keys = { KEY_PPAGE },
      .label = "PgUp/PgDn, Home/End", .help = "move faster", .flags = TUI_KEY_SAME_LINE },
    { .action = TUI_ACT_PAGE_DOWN, .keys = { KEY_NPAGE } },
    { .action = TUI_ACT_FIRST, .keys = { KEY_HOME, 'g' } },
    { .action = TUI_ACT_LAST, .keys = { KEY_END, 'G' } },
    { .action = TUI_ACT_SORT_NEXT, .keys = { 's', '>' },
      .label = "s, >", .help = "sort by the next column",
      .footer = { 6, "s<>", "Sort" } },
    { .action = TUI_ACT_SORT_PREVIOUS, .keys = { '<' },
      .label = "<", .help = "sort by the previous column" },
    { .action = TUI_ACT_SORT_REVERSE, .keys = { 'r' },
      .label = "r", .help = "reverse the sort order" },
    { .action = TUI_ACT_FILTER, .keys = { '/' },
      .label = "/", .help = "filter CEs by name (Enter keeps it, Esc clears it)",
      .footer = { 7, "/", "Filter" } },
    { .action = TUI_ACT_CLEAR_FILTER, .keys = { TUI_KEY_ESC } },
    { .action = TUI_ACT_TOGGLE_ENABLED, .keys = { 'e' },
      .label = "e", .help = "enable or disable the selected CE",
      .footer = { 8, "e", "Enable" } },
    { .action = TUI_ACT_CAPACITY_UP, .keys = { '+', '=' },
      .label = "+ / -", .help = "add or remove one slot of the selected CE",
      .footer = { 9, "+-", "Capacity" } },
    { .action = TUI_ACT_CAPACITY_DOWN, .keys = { '-', '_' } },
    { .action = TUI_ACT_CONFIRM, .keys = { 'y' },
      .label = "y", .help = "apply the change shown; any other key cancels it" },
    { .action = TUI_ACT_UNDO, .keys = { 'u' },
      .label = "u", .help = "undo the last edit",
      .footer = { 11, "u", "Undo" } },
    { .action = TUI_ACT_SAVE_SETTINGS, .keys = { 'S' }, .flags = TUI_KEY_SAME_LINE,
      .label = "S", .help = "save the settings to the file" },
    { .action = TUI_ACT_WHATIF, .keys = { 'w' },
      .label = "w", .help = "what-if on the selected CE: forecast it changed (no write)",
      .footer = { 10, "w", "What-if" } },
    { .action = TUI_ACT_TREE, .keys = { 't' },
      .label = "t", .help = "group CEs under their site (tree), or list them" },
    { .action = TUI_ACT_FOLD, .keys = { KEY_LEFT },
      .label = "Left/Right", .help = "in the tree: collapse / expand the selected site" },
    { .action = TUI_ACT_UNFOLD, .keys = { KEY_RIGHT } },
    { .action = TUI_ACT_OPEN, .keys = { '\n', '\r', KEY_ENTER },
      .label = "Enter, Esc", .help = "the CE's page; Enter on a pilot: its timeline; Esc: back",
      .footer = { 12, "Enter", "CE" } },
    { .action = TUI_ACT_HELP, .keys = { KEY_F(1), '?', 'h' },
      .label = "F1, ?, h", .help = "this help",
      .footer = { 1, "F1", "Help" } },
    { .action = TUI_ACT_QUIT, .keys = { 'q', KEY_F(10) },
      .label = "q, F10", .help = "quit",
      .footer = { 2, "q", "Quit" } },
    { .action = TUI_ACT_PAUSE, .keys = { ' ' },
      .label = "space", .help = "pause or resume the simulation", .flags = TUI_KEY_DEMO,
      .footer = { 3, "space", "Pause" } },
    { .action = TUI_ACT_SLOWER, .keys = { '[' },
      .label = "[ / ]", .help = "slow down / speed up the simulated clock",
      .flags = TUI_KEY_DEMO, .footer = { 4, "[]", "Speed" } },
    { .action = TUI_ACT_FASTER, .keys = { ']' }, .flags = TUI_KEY_DEMO },
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

const struct tui_binding *tui_footer_binding(int position)
{
    for (size_t i = 0; i < tui_nbindings; i++)
        if (tui_bindings[i].footer.position == position)
            return &tui_bindings[i];
    return NULL;
}
