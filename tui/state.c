/*
 * state.c - what a CE is doing, in its own words: ok, full, over (with its
 * cause), disabled, stale.  A state is never a grade (format.c grades the
 * efficiency); the table shows both, side by side.
 */
#include "pilottui.h"

const char *tui_state_name(tui_ce_state state)
{
    switch (state) {
    case TUI_STATE_OK: return "ok";
    case TUI_STATE_FULL: return "full";
    case TUI_STATE_DISABLED: return "disabled";
    case TUI_STATE_STALE: return "stale";
    case TUI_STATE_OVER: return "over";
    }
    return "?";
}

const char *tui_state_word(tui_ce_state state, tui_over_cause cause)
{
    if (state == TUI_STATE_OVER && cause == TUI_OVER_DISABLED)
        return "over:dis";
    if (state == TUI_STATE_OVER && cause == TUI_OVER_LOWERED)
        return "over:cap";
    return tui_state_name(state);
}

const char *tui_over_cause_name(tui_over_cause cause)
{
    switch (cause) {
    case TUI_OVER_NONE: return "";
    case TUI_OVER_DISABLED: return "disabled";
    case TUI_OVER_LOWERED: return "capacity_lowered";
    }
    return "?";
}

tui_ce_state tui_state_of(const pilotdb_ce *ce, int64_t now, int64_t stale_ms,
                          tui_over_cause *cause)
{
    tui_over_cause why = TUI_OVER_NONE;
    tui_ce_state state;

    /* Over first: pilots where there should be none need a look whatever
     * else holds; a disabled CE is over as soon as it holds one. */
    if (!ce->enabled && ce->active > 0)
        why = TUI_OVER_DISABLED;
    else if (ce->enabled && ce->active > ce->capacity)
        why = TUI_OVER_LOWERED;
    if (why != TUI_OVER_NONE)
        state = TUI_STATE_OVER;
    else if (!ce->enabled)
        state = TUI_STATE_DISABLED;
    else if (stale_ms > 0 && ce->last_change_at != PILOTDB_NO_TIME &&
             now - ce->last_change_at > stale_ms)
        state = TUI_STATE_STALE;
    else if (ce->available_slots <= 0)
        state = TUI_STATE_FULL;
    else
        state = TUI_STATE_OK;
    if (cause)
        *cause = why;
    return state;
}
