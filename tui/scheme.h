/*
 * scheme.h - colour schemes and the [colors] elements of the configuration
 * file (private to libpilottui): the names of the screen's elements, the
 * text of one element's colour, and putting a scheme on a curses screen.
 */
#ifndef TUI_SCHEME_H
#define TUI_SCHEME_H

#include <stddef.h>

#include "config.h"
#include "draw.h"

struct tui_screen;

/* The style a [colors] key names ("title", "warn", ...), or -1. */
int scheme_element(const char *name);

/* The [colors] key of style. */
const char *scheme_element_name(enum tui_style style);

/* Parse "FG [on BG] [bold] [dim] [underline] [reverse]" (or only
 * attributes; colours by name, "default" or 0-255) into *out: 0, or -1 with
 * a message in err. */
int scheme_color_parse(const char *text, tui_color *out, char *err, size_t err_size);

/* The text of c as scheme_color_parse() reads it. */
void scheme_color_text(char *buf, size_t size, const tui_color *c);

/* Give scr's styles the colours of s's scheme and elements (s NULL: keep
 * the built-in ones); on a screen without colour only the attributes. */
void scheme_apply(struct tui_screen *scr, const tui_settings *s);

#endif
