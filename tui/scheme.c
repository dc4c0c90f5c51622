/*
 * scheme.c - colour schemes and the [colors] elements: a scheme is a few
 * element lines over the built-in colours (screen.c), read by the same
 * parser as the configuration file's, and the user's lines go over it.
 */
#include "scheme.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "screen.h"

_Static_assert(TUI_NSTYLES <= TUI_COLOR_ELEMENTS, "tui_settings.colors is too small");

/* The [colors] keys, by style; NULL: not configurable. */
static const char *const element_names[TUI_NSTYLES] = {
    [TUI_S_NORMAL] = "normal",       [TUI_S_TITLE] = "title",
    [TUI_S_HEADER] = "header",       [TUI_S_SORTED] = "sorted",
    [TUI_S_SELECTED] = "selected",   [TUI_S_OK] = "ok",
    [TUI_S_WARN] = "warn",           [TUI_S_BAD] = "bad",
    [TUI_S_DIM] = "dim",             [TUI_S_RUNNING] = "running",
    [TUI_S_SUBMITTED] = "submitted", [TUI_S_FREE] = "free",
    [TUI_S_INFO] = "info",           [TUI_S_ERROR] = "error",
    [TUI_S_KEY] = "key",             [TUI_S_FULL] = "full",
    [TUI_S_FAIR] = "fair",           [TUI_S_TITLE_ROW] = "site",
};

/* What each scheme changes in the built-in colours. */
static const char *const scheme_lines[TUI_NSCHEMES][TUI_NSTYLES] = {
    [TUI_SCHEME_DEFAULT] = { NULL },
    [TUI_SCHEME_MONO] = { NULL }, /* the screen is opened without colour */
    /* yellow and cyan fade on white */
    [TUI_SCHEME_LIGHT] = { [TUI_S_WARN] = "magenta bold", [TUI_S_SUBMITTED] = "blue",
                           [TUI_S_INFO] = "blue bold" },
};

static const char *const colour_names[] = {
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};

/* Colour pairs from here on are the scheme's, one per style (screen.c uses
 * the ones below). */
#define SCHEME_PAIR_BASE 16

int scheme_element(const char *name)
{
    for (int s = 0; s < TUI_NSTYLES; s++)
        if (element_names[s] && strcmp(name, element_names[s]) == 0)
            return s;
    return -1;
}

const char *scheme_element_name(enum tui_style style)
{
    return (int)style >= 0 && style < TUI_NSTYLES ? element_names[style] : NULL;
}

/* A colour word: a name, "bright" and a name (8-15), "default" or 0-255. */
static int colour_word(const char *w, short *out)
{
    const char *name = w;
    int bright = 0;
    char *end;
    long n;

    if (strcasecmp(w, "default") == 0) {
        *out = -1;
        return 0;
    }
    if (strncasecmp(w, "bright", 6) == 0 && w[6]) {
        name = w + 6 + (w[6] == '-' || w[6] == '_');
        bright = 8;
    }
    for (short c = 0; c < 8; c++) {
        if (strcasecmp(name, colour_names[c]) == 0) {
            *out = (short)(c + bright);
            return 0;
        }
    }
    n = strtol(w, &end, 10);
    if (w[0] >= '0' && w[0] <= '9' && *end == '\0' && n >= 0 && n <= 255) {
        *out = (short)n;
        return 0;
    }
    return -1;
}

static const struct {
    const char *word;
    unsigned attr;
} attr_words[] = {
    { "bold", TUI_ATTR_BOLD }, { "dim", TUI_ATTR_DIM },
    { "underline", TUI_ATTR_UNDERLINE }, { "reverse", TUI_ATTR_REVERSE },
    { "normal", 0 },
};

int scheme_color_parse(const char *text, tui_color *out, char *err, size_t err_size)
{
    char words[256], *save = NULL;
    int colours = 0, want_bg = 0, nwords = 0;

    memset(out, 0, sizeof *out);
    out->set = 1;
    out->fg = out->bg = -1;
    if (strlen(text) >= sizeof words) {
        snprintf(err, err_size, "colour too long");
        return -1;
    }
    strcpy(words, text);
    for (char *w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        size_t a;
        short c;

        nwords++;
        for (a = 0; a < sizeof attr_words / sizeof attr_words[0]; a++)
            if (strcasecmp(w, attr_words[a].word) == 0)
                break;
        if (!want_bg && a < sizeof attr_words / sizeof attr_words[0]) {
            out->attrs |= attr_words[a].attr;
        } else if (!want_bg && strcasecmp(w, "on") == 0 && colours < 2) {
            want_bg = 1;
            colours = 1;
        } else if (colour_word(w, &c) == 0 && (want_bg || colours == 0)) {
            *(want_bg ? &out->bg : &out->fg) = c;
            colours = want_bg ? 2 : 1;
            want_bg = 0;
        } else {
            snprintf(err, err_size, "'%.40s' is not a colour (black, red, green, yellow, "
                     "blue, magenta, cyan, white, bright..., default or 0-255: \"FG on BG "
                     "bold\"), nor bold, dim, underline, reverse", w);
            return -1;
        }
    }
    if (want_bg) {
        snprintf(err, err_size, "'on' without a background colour");
        return -1;
    }
    if (nwords == 0) {
        snprintf(err, err_size, "no colour given (e.g. \"white on blue bold\")");
        return -1;
    }
    return 0;
}

static void colour_text(char *buf, size_t size, short c)
{
    if (c < 0)
        snprintf(buf, size, "default");
    else if (c < 8)
        snprintf(buf, size, "%s", colour_names[c]);
    else if (c < 16)
        snprintf(buf, size, "bright%s", colour_names[c - 8]);
    else
        snprintf(buf, size, "%d", c);
}

void scheme_color_text(char *buf, size_t size, const tui_color *c)
{
    char fg[16], bg[16];
    size_t len = 0;

    buf[0] = '\0';
    colour_text(fg, sizeof fg, c->fg);
    colour_text(bg, sizeof bg, c->bg);
    if (c->bg >= 0)
        len = (size_t)snprintf(buf, size, "%s on %s", fg, bg);
    else if (c->fg >= 0)
        len = (size_t)snprintf(buf, size, "%s", fg);
    for (size_t a = 0; a < sizeof attr_words / sizeof attr_words[0] && len < size; a++)
        if (c->attrs & attr_words[a].attr)
            len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? " " : "",
                                    attr_words[a].word);
    if (len == 0)
        snprintf(buf, size, "normal");
}

static unsigned long curses_attrs(unsigned attrs)
{
    return ((attrs & TUI_ATTR_BOLD) ? A_BOLD : 0) | ((attrs & TUI_ATTR_DIM) ? A_DIM : 0) |
           ((attrs & TUI_ATTR_UNDERLINE) ? A_UNDERLINE : 0) |
           ((attrs & TUI_ATTR_REVERSE) ? A_REVERSE : 0);
}

static void apply_one(struct tui_screen *scr, int style, const tui_color *c)
{
    short pair = (short)(SCHEME_PAIR_BASE + style);
    unsigned long attr = curses_attrs(c->attrs);

    if (!scr->color) {
        /* colours alone would leave e.g. the selection unmarked */
        if (c->attrs)
            scr->attr[style] = attr;
        return;
    }
    if ((c->fg >= 0 || c->bg >= 0) && pair < COLOR_PAIRS && c->fg < COLORS &&
        c->bg < COLORS) {
        if (init_pair(pair, c->fg, c->bg) == ERR &&
            init_pair(pair, c->fg < 0 ? COLOR_WHITE : c->fg,
                      c->bg < 0 ? COLOR_BLACK : c->bg) == ERR)
            return;
        attr |= COLOR_PAIR(pair);
    }
    scr->attr[style] = attr;
}

void scheme_apply(struct tui_screen *scr, const tui_settings *s)
{
    char err[256];

    if (!s)
        return;
    for (int style = 0; style < TUI_NSTYLES; style++) {
        const char *line = s->scheme < TUI_NSCHEMES ? scheme_lines[s->scheme][style] : NULL;
        tui_color c;

        if (s->colors[style].set)
            apply_one(scr, style, &s->colors[style]);
        else if (line && scheme_color_parse(line, &c, err, sizeof err) == 0)
            apply_one(scr, style, &c);
    }
}
