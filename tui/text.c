/*
 * text.c - the headless frame: the dashboard drawn into a plain character
 * grid and written out without escape codes (pilotdeck top --once).
 */
#include "draw.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Wide (2 columns) and combining (0) ranges for a locale that does not
 * know the character (wcwidth() -1, e.g. in the C locale), so that a
 * headless frame aligns the same everywhere. */
static const struct {
    unsigned first, last;
    int cells;
} width_ranges[] = {
    { 0x0300, 0x036F, 0 }, { 0x0483, 0x0489, 0 }, { 0x0591, 0x05BD, 0 },
    { 0x1AB0, 0x1AFF, 0 }, { 0x1DC0, 0x1DFF, 0 }, { 0x200B, 0x200F, 0 },
    { 0x20D0, 0x20FF, 0 }, { 0xFE00, 0xFE0F, 0 }, { 0xFE20, 0xFE2F, 0 },
    { 0x1100, 0x115F, 2 }, { 0x2E80, 0x303E, 2 }, { 0x3041, 0x33FF, 2 },
    { 0x3400, 0x4DBF, 2 }, { 0x4E00, 0x9FFF, 2 }, { 0xA000, 0xA4CF, 2 },
    { 0xAC00, 0xD7A3, 2 }, { 0xF900, 0xFAFF, 2 }, { 0xFE30, 0xFE4F, 2 },
    { 0xFF00, 0xFF60, 2 }, { 0xFFE0, 0xFFE6, 2 }, { 0x1F300, 0x1F64F, 2 },
    { 0x1F900, 0x1F9FF, 2 }, { 0x20000, 0x3FFFD, 2 },
};

int tui_char_cells(unsigned cp)
{
    int w = cp < 0x80 ? 1 : wcwidth((wchar_t)cp);

    if (w >= 0)
        return w > 2 ? 2 : w;
    for (size_t i = 0; i < sizeof width_ranges / sizeof width_ranges[0]; i++)
        if (cp >= width_ranges[i].first && cp <= width_ranges[i].last)
            return width_ranges[i].cells;
    return 1;
}

/* The next character of s: its bytes (at least 1) and columns; *shown 0
 * for bytes that are not UTF-8 or a control character (written as '?'). */
static size_t next_char_shown(const char *s, int *cells, int *shown)
{
    unsigned cp;
    size_t n = strnlen(s, 4), len = pilotdb_utf8_char((const unsigned char *)s, n, &cp);

    if (len == 0) { /* not UTF-8: one byte, shown as one '?' */
        *cells = 1;
        *shown = 0;
        return 1;
    }
    *shown = !pilotdb_is_control(cp);
    *cells = *shown ? tui_char_cells(cp) : 1;
    return len;
}

static size_t next_char(const char *s, int *cells)
{
    int shown;

    return next_char_shown(s, cells, &shown);
}

size_t tui_cells_bytes(const char *s, int cells, int *used)
{
    size_t bytes = 0;
    int taken = 0, w;

    while (s[bytes]) {
        size_t len = next_char(s + bytes, &w);
        if (taken + w > cells)
            break;
        taken += w;
        bytes += len;
    }
    if (used)
        *used = taken;
    return bytes;
}

int tui_cells(const char *s)
{
    int n = 0, w;

    while (*s) {
        s += next_char(s, &w);
        n += w;
    }
    return n;
}

/* A cell holds one character with its combining marks; the second column
 * of a wide character holds "" (nothing is written for it). */
#define CELL_BYTES 16
struct text_grid {
    int width, height;
    char (*cell)[CELL_BYTES];
};

static void text_put(void *ctx, int y, int x, const char *s, int cells,
                     enum tui_style style)
{
    struct text_grid *grid = ctx;
    char *row = grid->cell[(size_t)y * (size_t)grid->width];
    int w;

    (void)style;
    if (x > grid->width)
        return;
    if (x + cells > grid->width)
        cells = grid->width - x;
    while (*s && cells > 0) {
        int shown;
        size_t len = next_char_shown(s, &w, &shown);
        if (w > cells)
            break;
        if (w == 0) {
            /* a combining mark joins the character before it */
            char *c = x > 0 ? grid->cell[(size_t)y * (size_t)grid->width + (size_t)x - 1] : NULL;
            while (c && c[0] == '\0' && c > row)
                c -= CELL_BYTES;
            if (c && strlen(c) + len < CELL_BYTES)
                strncat(c, s, len);
        } else if (x >= 0) {
            char *c = grid->cell[(size_t)y * (size_t)grid->width + (size_t)x];
            /* Control characters and bytes that are not UTF-8 never reach the
             * output. */
            if (!shown || len > CELL_BYTES - 1) {
                c[0] = '?';
                c[1] = '\0';
            } else {
                memcpy(c, s, len);
                c[len] = '\0';
            }
            if (w == 2)
                c[CELL_BYTES] = '\0';
        }
        x += w;
        cells -= w;
        s += len;
    }
}

void tui_text_clean(char *buf, size_t size, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t out = 0, n = strlen(text), len;
    unsigned cp;

    if (size == 0)
        return;
    for (size_t i = 0; i < n; i += len) {
        len = pilotdb_utf8_char(s + i, n - i, &cp);
        if (len == 0 || pilotdb_is_control(cp)) {
            /* a control character, or a byte that is not UTF-8: one '?' */
            len = len ? len : 1;
            if (out + 1 >= size)
                break;
            buf[out++] = '?';
            continue;
        }
        if (out + len >= size)
            break;
        memcpy(buf + out, s + i, len);
        out += len;
    }
    buf[out] = '\0';
}

int tui_frame_text(const tui_view *view, int width, const tui_draw_options *opts,
                   FILE *out)
{
    struct text_grid grid = { 0 };
    struct tui_surface sf;
    tui_layout_options lopts = { .headless = 1, .simulated = tui_view_simulated(view) };
    tui_layout layout;
    int height, rc = -1;

    if (width < TUI_MIN_WIDTH)
        width = TUI_MIN_WIDTH;
    height = 5 + (int)(view->nvisible ? view->nvisible : 1);
    if (height < TUI_MIN_HEIGHT)
        height = TUI_MIN_HEIGHT;
    tui_layout_compute(width, height, &lopts, &layout);
    grid.width = width;
    grid.height = height;
    grid.cell = calloc((size_t)width * (size_t)height, sizeof *grid.cell);
    if (!grid.cell) {
        errno = ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < (size_t)width * (size_t)height; i++)
        grid.cell[i][0] = ' ';
    sf.ctx = &grid;
    sf.width = width;
    sf.height = height;
    sf.put = text_put;
    tui_draw_frame(&sf, view, &layout, opts, NULL);

    /* Rows past the last CE are left out; trailing spaces are trimmed. */
    if (height > layout.table_y + (int)(view->nvisible ? view->nvisible : 1))
        height = layout.table_y + (int)(view->nvisible ? view->nvisible : 1);
    for (int y = 0; y < height; y++) {
        int last = width - 1;
        while (last >= 0 && strcmp(grid.cell[(size_t)y * (size_t)width + (size_t)last], " ") == 0)
            last--;
        for (int x = 0; x <= last; x++)
            if (fputs(grid.cell[(size_t)y * (size_t)width + (size_t)x], out) == EOF)
                goto out;
        if (fputc('\n', out) == EOF)
            goto out;
    }
    rc = fflush(out) == 0 ? 0 : -1;
out:
    free(grid.cell);
    return rc;
}
