/*
 * test_config.c - the dashboard's configuration file: where it is, every
 * key read, every refusal with its line, writing it back (round trip,
 * directories, modes, links, the user's comments and layout kept) and the
 * colour elements.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "fixtures.h"
#include "scheme.h"

static char dir[256];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/pilotdeck-config.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
                                                                              : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    char cmd[300];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Write text to dir/name; its path in path. */
static void write_file(char *path, size_t size, const char *name, const char *text)
{
    FILE *f;

    snprintf(path, size, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_defaults_and_path(void **state)
{
    tui_settings s;
    char path[256], err[256];
    (void)state;

    tui_settings_default(&s);
    assert_int_equal(s.sort, TUI_COL_NAME);
    assert_int_equal(s.reverse, 0);
    assert_string_equal(s.filter, "");
    assert_int_equal(s.window_ms, TUI_WINDOW_DEFAULT_MS);
    assert_true(s.delay_s == 1.0);
    assert_int_equal(s.stale_ms, 30 * 60 * 1000);
    assert_true(s.grades.good == tui_grades_default.good);
    assert_int_equal(s.grades.min_ended, tui_grades_default.min_ended);
    assert_int_equal(s.mouse, 1);
    assert_int_equal(s.scheme, TUI_SCHEME_DEFAULT);

    setenv("XDG_CONFIG_HOME", "/xdg", 1);
    setenv("HOME", "/home/op", 1);
    assert_int_equal(tui_config_default_path(path, sizeof path, err, sizeof err), 0);
    assert_string_equal(path, "/xdg/pilotdeck/config");
    setenv("XDG_CONFIG_HOME", "relative", 1); /* invalid by the XDG spec */
    assert_int_equal(tui_config_default_path(path, sizeof path, err, sizeof err), 0);
    assert_string_equal(path, "/home/op/.config/pilotdeck/config");
    unsetenv("XDG_CONFIG_HOME");
    assert_int_equal(tui_config_default_path(path, sizeof path, err, sizeof err), 0);
    assert_string_equal(path, "/home/op/.config/pilotdeck/config");
    unsetenv("HOME");
    assert_int_equal(tui_config_default_path(path, sizeof path, err, sizeof err), -1);
    assert_non_null(strstr(err, "--config"));
}

static void test_load_every_key(void **state)
{
    tui_settings s;
    char path[300], err[512];
    (void)state;

    write_file(path, sizeof path, "every",
               "# all of them\n"
               "[top]\n"
               "sort = done_per_hour\n"
               "reverse = yes\n"
               "filter = cern\n"
               "window = 12h\n"
               "delay = 0.5\n"
               "stale = 2h\n"
               "mouse = off\n"
               "\n"
               "; thresholds\n"
               "[grades]\n"
               "good = 90%\n"
               "fair = 70\n"
               "poor = 30.5%\n"
               "min_ended = 20\n"
               "[colors]\n"
               "scheme = light\n"
               "warn = brightred on default bold\n"
               "selected = black on 214 underline\n");
    tui_settings_default(&s);
    assert_int_equal(tui_config_load(path, 0, &s, err, sizeof err), 0);
    assert_int_equal(s.sort, TUI_COL_DONE_RATE);
    assert_int_equal(s.reverse, 1);
    assert_string_equal(s.filter, "cern");
    assert_int_equal(s.window_ms, 12 * 3600 * 1000LL);
    assert_true(s.delay_s == 0.5);
    assert_int_equal(s.stale_ms, 2 * 3600 * 1000LL);
    assert_int_equal(s.mouse, 0);
    assert_true(s.grades.good == 0.90);
    assert_true(s.grades.fair == 0.70);
    assert_true(s.grades.poor == 0.305);
    assert_int_equal(s.grades.min_ended, 20);
    assert_int_equal(s.scheme, TUI_SCHEME_LIGHT);
    assert_int_equal(s.colors[TUI_S_WARN].set, 1);
    assert_int_equal(s.colors[TUI_S_WARN].fg, 9);
    assert_int_equal(s.colors[TUI_S_WARN].bg, -1);
    assert_int_equal(s.colors[TUI_S_WARN].attrs, TUI_ATTR_BOLD);
    assert_int_equal(s.colors[TUI_S_SELECTED].fg, 0);
    assert_int_equal(s.colors[TUI_S_SELECTED].bg, 214);
    assert_int_equal(s.colors[TUI_S_SELECTED].attrs, TUI_ATTR_UNDERLINE);
    assert_int_equal(s.colors[TUI_S_TITLE].set, 0);

    /* keys the file does not name keep their value */
    write_file(path, sizeof path, "some", "[top]\nsort = failed\n");
    tui_settings_default(&s);
    s.delay_s = 3.0;
    assert_int_equal(tui_config_load(path, 0, &s, err, sizeof err), 0);
    assert_int_equal(s.sort, TUI_COL_FAILED);
    assert_true(s.delay_s == 3.0);
}

/* text is refused with "PATH:want". */
static void refused(const char *text, const char *want)
{
    tui_settings s;
    char path[300], err[512], full[400];

    write_file(path, sizeof path, "bad", text);
    tui_settings_default(&s);
    if (tui_config_load(path, 0, &s, err, sizeof err) != -1)
        fail_msg("accepted: %s", text);
    snprintf(full, sizeof full, "%s%s", path, want);
    if (strncmp(err, full, strlen(full)) != 0)
        fail_msg("'%s': message '%s' does not start '%s'", text, err, full);
}

static void test_load_refusals(void **state)
{
    (void)state;
    refused("[top]\nsort = capacity\n", ":2: sort: unknown column 'capacity'");
    refused("[top]\nsort = trend\n", ":2: sort: unknown column 'trend'");
    refused("[top]\n\n[bogus]\n", ":3: unknown section [bogus]");
    refused("[top]\nsorting = name\n", ":2: unknown key 'sorting' in [top]");
    refused("sort = name\n", ":1: 'sort' outside a section");
    refused("[top]\nreverse = maybe\n", ":2: reverse: 'maybe' is not true or false");
    refused("[top]\nwindow = 1m\n", ":2: window: ");
    refused("[top]\nwindow = soon\n", ":2: window: ");
    refused("[top]\ndelay = 0\n", ":2: delay: '0' is not a number of seconds");
    refused("[top]\ndelay = 1x\n", ":2: delay: ");
    refused("[top]\nstale = 10ms\n", ":2: stale: ");
    refused("[top]\nmouse = on\n  filter = x\n", ":3: indented line");
    refused("[top]\nthis line has no equals sign\n", ":2: syntax error");
    {
        char long_line[300] = "[top]\nfilter = ";
        memset(long_line + strlen(long_line), 'y', 200);
        strcat(long_line, "\n");
        refused(long_line, ":2: line too long");
    }
    refused("[grades]\ngood = 101%\n", ":2: good: '101%' is not a percentage");
    refused("[grades]\ngood = -1\n", ":2: good: ");
    refused("[grades]\nmin_ended = 0\n", ":2: min_ended: '0' is not a whole number");
    refused("[grades]\nmin_ended = 2.5\n", ":2: min_ended: ");
    refused("[grades]\ngood = 50\nfair = 70\n", ": [grades]: ");
    refused("[colors]\nscheme = neon\n", ":2: scheme: unknown scheme 'neon'");
    refused("[colors]\nborder = red\n", ":2: unknown element 'border' in [colors]");
    refused("[colors]\nwarn = purple\n", ":2: warn: 'purple' is not a colour");
    refused("[colors]\nwarn = red on\n", ":2: warn: 'on' without a background");
    refused("[colors]\nwarn = 256\n", ":2: warn: '256' is not a colour");
    refused("[colors]\nwarn = red on blue on green\n", ":2: warn: ");
    /* the first error is the one told */
    refused("[top]\nsort = x\nreverse = x\n", ":2: ");
}

static void test_load_missing_and_odd_files(void **state)
{
    tui_settings s, before;
    char path[300], err[512];
    FILE *f;
    (void)state;

    snprintf(path, sizeof path, "%s/none", dir);
    tui_settings_default(&s);
    before = s;
    assert_int_equal(tui_config_load(path, 1, &s, err, sizeof err), 1);
    assert_memory_equal(&s, &before, sizeof s);
    assert_int_equal(tui_config_load(path, 0, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
    assert_int_equal(tui_config_load(dir, 1, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "directory"));
    /* a NUL byte: not text */
    snprintf(path, sizeof path, "%s/nul", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    fwrite("[top]\0\n", 1, 7, f);
    fclose(f);
    assert_int_equal(tui_config_load(path, 0, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "NUL"));
    /* an empty file and one of comments are fine */
    write_file(path, sizeof path, "empty", "");
    assert_int_equal(tui_config_load(path, 0, &s, err, sizeof err), 0);
    write_file(path, sizeof path, "comments", "# nothing\n; here\n[top]\n");
    assert_int_equal(tui_config_load(path, 0, &s, err, sizeof err), 0);
    assert_memory_equal(&s, &before, sizeof s);
}

/* Settings far from the defaults. */
static void odd_settings(tui_settings *s)
{
    char err[256];

    tui_settings_default(s);
    s->sort = TUI_COL_GRADE;
    s->reverse = 1;
    strcpy(s->filter, "fnal.gov");
    s->window_ms = 90 * 60 * 1000LL;
    s->delay_s = 0.25;
    s->stale_ms = 45 * 1000LL;
    s->grades.good = 0.85;
    s->grades.fair = 0.6;
    s->grades.poor = 0.333;
    s->grades.min_ended = 7;
    s->mouse = 0;
    s->scheme = TUI_SCHEME_MONO;
    assert_int_equal(scheme_color_parse("white on blue bold", &s->colors[TUI_S_TITLE], err,
                                        sizeof err), 0);
    assert_int_equal(scheme_color_parse("reverse", &s->colors[TUI_S_SELECTED], err,
                                        sizeof err), 0);
}

static void test_save_round_trip(void **state)
{
    tui_settings s, back;
    char path[300], err[512];
    struct stat st;
    mode_t old_mask;
    (void)state;

    odd_settings(&s);
    /* missing directories are made, 0700 */
    snprintf(path, sizeof path, "%s/xdg/pilotdeck/config", dir);
    old_mask = umask(022);
    assert_int_equal(tui_config_save(path, &s, err, sizeof err), 0);
    umask(old_mask);
    tui_settings_default(&back);
    if (tui_config_load(path, 0, &back, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_memory_equal(&s, &back, sizeof s);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    snprintf(path, sizeof path, "%s/xdg/pilotdeck", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    /* a private file stays private; no temporary file is left */
    snprintf(path, sizeof path, "%s/xdg/pilotdeck/config", dir);
    assert_int_equal(chmod(path, 0600), 0);
    s.sort = TUI_COL_NAME;
    assert_int_equal(tui_config_save(path, &s, err, sizeof err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "test $(ls '%s/xdg/pilotdeck' | wc -l) = 1", dir);
        assert_int_equal(system(cmd), 0);
    }

    /* the defaults written and read are the defaults */
    tui_settings_default(&s);
    assert_int_equal(tui_config_save(path, &s, err, sizeof err), 0);
    odd_settings(&back);
    tui_settings_default(&back);
    assert_int_equal(tui_config_load(path, 0, &back, err, sizeof err), 0);
    assert_memory_equal(&s, &back, sizeof s);
}

static void test_save_link_and_failures(void **state)
{
    tui_settings s, back;
    char target[300], link[300], path[300], err[512];
    struct stat st;
    (void)state;

    odd_settings(&s);
    write_file(target, sizeof target, "real-config", "[top]\n");
    snprintf(link, sizeof link, "%s/linked-config", dir);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(tui_config_save(link, &s, err, sizeof err), 0);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    tui_settings_default(&back);
    assert_int_equal(tui_config_load(target, 0, &back, err, sizeof err), 0);
    assert_memory_equal(&s, &back, sizeof s);

    /* a file where a directory should be */
    write_file(path, sizeof path, "plain", "x");
    strcat(path, "/pilotdeck/config");
    assert_int_equal(tui_config_save(path, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "plain"));

    /* a control character in the filter cannot break the file */
    tui_settings_default(&s);
    strcpy(s.filter, "a\nsort = state");
    snprintf(path, sizeof path, "%s/ctl", dir);
    assert_int_equal(tui_config_save(path, &s, err, sizeof err), 0);
    tui_settings_default(&back);
    assert_int_equal(tui_config_load(path, 0, &back, err, sizeof err), 0);
    assert_string_equal(back.filter, "a?sort = state");
    assert_int_equal(back.sort, TUI_COL_NAME);

    /* the longest filter that reads back, and one more byte refused */
    memset(s.filter, 'x', 189);
    s.filter[189] = '\0';
    assert_int_equal(tui_config_save(path, &s, err, sizeof err), 0);
    assert_int_equal(tui_config_load(path, 0, &back, err, sizeof err), 0);
    assert_string_equal(back.filter, s.filter);
    strcat(s.filter, "x");
    assert_int_equal(tui_config_save(path, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "filter"));
    assert_int_equal(tui_config_load(path, 0, &back, err, sizeof err), 0);
    assert_int_equal((int)strlen(back.filter), 189);
}

/* The whole of the file at path, into buf. */
static void read_file(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    assert_int_equal(fclose(f), 0);
}

/* S over a file the user wrote: comments, blank lines, an inline comment,
 * a CRLF line, their spelling of a value and a missing last newline stay;
 * changed values are rewritten in place; missing keys join the end of
 * their section, a missing section the end of the file; saving again
 * changes nothing. */
static void test_save_keeps_the_users_file(void **state)
{
    static const char users[] =
        "# my dashboard\n"
        "\n"
        "[top]\n"
        "; sorted my way\n"
        "sort = state   ; inline\r\n"
        "window = 120m\n"
        "\n"
        "# grades below\n"
        "[grades]\n"
        "good=90%\n"
        "\n"
        "# the end";
    static const char want[] =
        "# my dashboard\n"
        "\n"
        "[top]\n"
        "; sorted my way\n"
        "sort = done   ; inline\r\n"
        "window = 120m\n"
        "reverse = true\n"
        "# only CEs whose name contains this\n"
        "filter = grid\n"
        "# seconds between refreshes\n"
        "delay = 1\n"
        "# no change for longer: stale\n"
        "stale = 30m\n"
        "mouse = true\n"
        "\n"
        "# grades below\n"
        "[grades]\n"
        "good=90%\n"
        "fair = 60%\n"
        "poor = 25%\n"
        "# fewer pilots ended in the window: Idle\n"
        "min_ended = 10\n"
        "\n"
        "# the end\n"
        "\n"
        "[colors]\n"
        "# default, mono or light; then elements as\n"
        "# ELEMENT = FG [on BG] [bold] [dim] [underline] [reverse]\n"
        "scheme = default\n"
        "warn = magenta bold\n";
    tui_settings s, back;
    char path[300], err[512], text[4096];
    (void)state;

    write_file(path, sizeof path, "users-config", users);
    tui_settings_default(&s);
    s.sort = TUI_COL_DONE;
    s.reverse = 1;
    strcpy(s.filter, "grid");
    s.grades.good = 0.9;
    s.window_ms = 2 * 3600 * 1000;
    assert_int_equal(scheme_color_parse("magenta bold", &s.colors[TUI_S_WARN], err,
                                        sizeof err), 0);
    if (tui_config_save(path, &s, err, sizeof err) != 0)
        fail_msg("%s", err);
    read_file(path, text, sizeof text);
    assert_string_equal(text, want);
    tui_settings_default(&back);
    if (tui_config_load(path, 0, &back, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_memory_equal(&s, &back, sizeof s);
    assert_int_equal(tui_config_save(path, &s, err, sizeof err), 0);
    read_file(path, text, sizeof text);
    assert_string_equal(text, want);

    /* a value changed again, in place; an element back to the scheme's
     * loses its line */
    s.window_ms = 3 * 3600 * 1000;
    s.colors[TUI_S_WARN].set = 0;
    assert_int_equal(tui_config_save(path, &s, err, sizeof err), 0);
    read_file(path, text, sizeof text);
    assert_non_null(strstr(text, "[top]\n; sorted my way\nsort = done   ; inline\r\n"
                                 "window = 3h\nreverse = true\n"));
    assert_null(strstr(text, "warn ="));
    assert_non_null(strstr(text, "\n# the end\n\n[colors]\n"));
}

/* text parses, and writes back as want. */
/* What a user's file may hold that S must not break: a comment that would
 * make the rewritten line too long for inih, CRLF line ends, a byte order
 * mark; and filters that would not read back are refused. */
static void test_save_odd_users_files(void **state)
{
    tui_settings s, back;
    char path[300], err[512], text[4096], users[400];
    const char *p;
    (void)state;

    /* a long filter where a long comment was: the comment goes */
    snprintf(users, sizeof users, "[top]\nfilter = a ; %0150d\n", 7);
    write_file(path, sizeof path, "long-config", users);
    tui_settings_default(&s);
    memset(s.filter, 'x', 150);
    s.filter[150] = '\0';
    if (tui_config_save(path, &s, err, sizeof err) != 0)
        fail_msg("%s", err);
    tui_settings_default(&back);
    if (tui_config_load(path, 0, &back, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(back.filter, s.filter);

    /* CRLF: the lines added end as the file's do */
    write_file(path, sizeof path, "crlf-config", "[top]\r\nsort = state\r\n");
    tui_settings_default(&s);
    s.reverse = 1;
    assert_int_equal(tui_config_save(path, &s, err, sizeof err), 0);
    read_file(path, text, sizeof text);
    for (p = strchr(text, '\n'); p; p = strchr(p + 1, '\n'))
        assert_true(p > text && p[-1] == '\r');
    assert_non_null(strstr(text, "reverse = true\r\n"));

    /* a byte order mark: kept, and [top] found after it */
    write_file(path, sizeof path, "bom-config", "\xEF\xBB\xBF[top]\nreverse = false\n");
    assert_int_equal(tui_config_save(path, &s, err, sizeof err), 0);
    read_file(path, text, sizeof text);
    assert_memory_equal(text, "\xEF\xBB\xBF[top]\nreverse = true\n", 24);
    assert_null(strstr(text + 4, "[top]"));

    /* filters inih would read back otherwise */
    strcpy(s.filter, "a ;b");
    assert_int_equal(tui_config_save(path, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot be saved"));
    strcpy(s.filter, " cern");
    assert_int_equal(tui_config_save(path, &s, err, sizeof err), -1);
    strcpy(s.filter, "cern\t");
    assert_int_equal(tui_config_save(path, &s, err, sizeof err), -1);
    read_file(path, text, sizeof text);
    assert_memory_equal(text, "\xEF\xBB\xBF[top]\nreverse = true\n", 24);
}

static void colour_round_trip(const char *text, const char *want)
{
    tui_color c, again;
    char err[256], out[128];

    if (scheme_color_parse(text, &c, err, sizeof err) != 0)
        fail_msg("'%s' refused: %s", text, err);
    scheme_color_text(out, sizeof out, &c);
    if (strcmp(out, want) != 0)
        fail_msg("'%s' written as '%s', not '%s'", text, out, want);
    assert_int_equal(scheme_color_parse(out, &again, err, sizeof err), 0);
    assert_memory_equal(&c, &again, sizeof c);
}

static void test_colour_elements(void **state)
{
    tui_color c;
    char err[256];
    (void)state;

    colour_round_trip("white on blue bold", "white on blue bold");
    colour_round_trip("  Red   BOLD underline ", "red bold underline");
    colour_round_trip("reverse bold", "bold reverse");
    colour_round_trip("bright-cyan", "brightcyan");
    colour_round_trip("200 on 17 dim", "200 on 17 dim");
    colour_round_trip("default on green", "default on green");
    colour_round_trip("normal", "normal");
    colour_round_trip("on black", "default on black");
    assert_int_equal(scheme_color_parse("", &c, err, sizeof err), -1);
    assert_int_equal(scheme_color_parse("red green", &c, err, sizeof err), -1);
    assert_int_equal(scheme_color_parse("bright", &c, err, sizeof err), -1);
    assert_int_equal(scheme_color_parse("-1", &c, err, sizeof err), -1);
    for (int style = 0; style < TUI_NSTYLES; style++) {
        const char *name = scheme_element_name((enum tui_style)style);
        assert_non_null(name);
        assert_int_equal(scheme_element(name), style);
    }
    assert_int_equal(scheme_element("scheme"), -1);
    assert_int_equal(scheme_element("nonsense"), -1);
    assert_string_equal(tui_scheme_name(TUI_SCHEME_LIGHT), "light");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest config[] = {
        cmocka_unit_test(test_defaults_and_path),
        cmocka_unit_test(test_load_every_key),
        cmocka_unit_test(test_load_refusals),
        cmocka_unit_test(test_load_missing_and_odd_files),
        cmocka_unit_test(test_save_round_trip),
        cmocka_unit_test(test_save_link_and_failures),
        cmocka_unit_test(test_save_keeps_the_users_file),
        cmocka_unit_test(test_save_odd_users_files),
        cmocka_unit_test(test_colour_elements),
    };
    const struct fx_group groups[] = {
        FX_GROUP("config", config, make_dir, remove_dir),
    };
    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
