/*
 * text.c - the headless frame: the dashboard drawn into a plain character
 * grid and written out without escape codes (pilotdeck top --once).
 */
#include "draw.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A cell holds one UTF-8 character (up to 4 bytes and a NUL). */
struct text_grid {
    int width, height;
    char (*cell)[5];
};

static void text_put(void *ctx, int y, int x, const char *s, int cells,
                     enum tui_style style)
{
    struct text_grid *grid = ctx;

    (void)style;
    for (; *s && cells > 0 && x < grid->width; cells--, x++) {
        size_t len = 1;
        while (len < 4 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len++;
        if (x >= 0) {
            char *c = grid->cell[(size_t)y * (size_t)grid->width + (size_t)x];
            /* Control bytes never reach the output. */
            if ((unsigned char)s[0] < 0x20 || s[0] == 0x7f) {
                c[0] = '?';
                c[1] = '\0';
            } else {
                memcpy(c, s, len);
                c[len] = '\0';
            }
        }
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
    tui_layout_options lopts = { .headless = 1 };
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
