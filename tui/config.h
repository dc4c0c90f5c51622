/*
 * config.h - the dashboard's settings and its configuration file, part of
 * libpilottui's public interface beside pilottui.h.
 *
 * The file is INI ($XDG_CONFIG_HOME/pilotdeck/config, else
 * ~/.config/pilotdeck/config):
 *
 *   [top]      sort, reverse, filter, window, delay, stale, mouse
 *   [grades]   good, fair, poor (percentages), min_ended
 *   [colors]   scheme (default, mono, light) and one line per element
 *              ("warn = magenta bold", "title = white on blue bold")
 *
 * Built-in defaults, then the file, then the command line: the caller
 * applies its options over what tui_config_load() filled in.
 */
#ifndef TUI_CONFIG_H
#define TUI_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "pilottui.h"

/* Colour schemes: the built-in colours, no colour at all, or colours that
 * read on a light background. */
typedef enum tui_scheme {
    TUI_SCHEME_DEFAULT = 0,
    TUI_SCHEME_MONO,
    TUI_SCHEME_LIGHT,
    TUI_NSCHEMES
} tui_scheme;

/* Attributes of a colour element. */
#define TUI_ATTR_BOLD 1u
#define TUI_ATTR_DIM 2u
#define TUI_ATTR_UNDERLINE 4u
#define TUI_ATTR_REVERSE 8u

/* One element's look as a [colors] line gives it: a foreground and a
 * background (0-255, or -1 for the terminal's own) and attributes. */
typedef struct tui_color {
    int set;         /* 0: the scheme's */
    short fg, bg;
    unsigned attrs;  /* TUI_ATTR_* */
} tui_color;

/* Room for the screen's elements (title, header, ..., key). */
#define TUI_COLOR_ELEMENTS 32

typedef struct tui_settings {
    tui_column sort;
    int reverse;
    char filter[PILOTDB_NAME_MAX + 1];
    int64_t window_ms;     /* rate window */
    double delay_s;        /* between refreshes */
    int64_t stale_ms;      /* a CE unchanged for longer is stale (wall clock) */
    tui_grades grades;
    int mouse;
    tui_scheme scheme;
    tui_color colors[TUI_COLOR_ELEMENTS]; /* by element, over the scheme */
} tui_settings;

/* The built-in settings: by name, 1h window, 1 s delay, 30m stale, the
 * default grades, the mouse on, the default scheme. */
void tui_settings_default(tui_settings *s);

/* The default file's path into buf: 0, or -1 with a message in err when
 * neither $XDG_CONFIG_HOME nor $HOME is set (or the path is too long). */
int tui_config_default_path(char *buf, size_t size, char *err, size_t err_size);

/*
 * Read the file at path over *s (keys it does not name keep their value).
 * 0 when read; 1 when there is no file and missing_ok is set (s
 * untouched); -1 with "PATH:LINE: message" in err for an unknown section
 * or key, a bad value or bad syntax (s then partly updated: discard it),
 * or "PATH: why" when it cannot be read.
 */
int tui_config_load(const char *path, int missing_ok, tui_settings *s, char *err,
                    size_t err_size);

/*
 * Write s to path: an existing file keeps every line but those of the keys
 * whose value changed (rewritten in place) and of [colors] elements s
 * leaves to the scheme (dropped); keys it lacks are added at the end of
 * their section, sections at the end.  Atomically (a temporary file in the
 * same directory,
 * renamed over it; a symbolic link is followed and its target replaced),
 * with the mode the umask allows, creating the missing directories (mode
 * 0700).  0, or -1 with a message in err; on failure the old file is left
 * as it was.
 */
int tui_config_save(const char *path, const tui_settings *s, char *err, size_t err_size);

/* The column whose JSON key is word (not the trend): 0, or -1. */
int tui_column_parse(const char *word, tui_column *out);

/* "default", "mono", "light". */
const char *tui_scheme_name(tui_scheme scheme);

#endif
