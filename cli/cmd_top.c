/*
 * cmd_top.c - `pilotdeck top`: the live dashboard of a pilot database, or
 * with --once one frame of it as plain text or JSON.
 */
#include <errno.h>
#include <jansson.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cepage.h"
#include "clitime.h"
#include "pilottui.h"
#include "top_config.h"
#include "top_whatif.h"

static int parse_column(const char *word, tui_column *out)
{
    if (tui_column_parse(word, out) == 0)
        return 0;
    cli_error("unknown sort column '%s' (see 'pilotdeck top --help')", word);
    return -1;
}

/*
 * Open an existing database for the dashboard.  A file we may not write is
 * opened read-only, and *notice says so.
 */
static int open_for_top(const char *path, pilotdb **db, int *readonly,
                        char *notice, size_t notice_size)
{
    char err[512];
    struct stat st;
    pilotdb_rc rc;

    *readonly = 0;
    notice[0] = '\0';
    if (strcmp(path, ":memory:") != 0 && stat(path, &st) != 0) {
        if (errno == ENOENT)
            cli_error("no database at '%s' (create one with 'pilotdeck --db %s init',"
                      " or watch a simulation with 'pilotdeck demo')", path, path);
        else
            cli_error("cannot open database '%s': %s", path, strerror(errno));
        return CLI_FAILED;
    }
    if (strcmp(path, ":memory:") != 0 && S_ISDIR(st.st_mode)) {
        cli_error("cannot open database '%s': it is a directory", path);
        return CLI_FAILED;
    }
    rc = pilotdb_open(path, 0, db, err, sizeof err);
    if (rc == PILOTDB_EREADONLY || rc == PILOTDB_ECANTOPEN ||
        (rc == PILOTDB_OK && access(path, W_OK) != 0 && strcmp(path, ":memory:") != 0)) {
        pilotdb_close(*db);
        *db = NULL;
        if (pilotdb_open(path, PILOTDB_OPEN_READONLY, db, err, sizeof err) == PILOTDB_OK) {
            *readonly = 1;
            snprintf(notice, notice_size,
                     "read-only: '%s' is not writable, so changes are refused", path);
            return CLI_OK;
        }
    }
    if (rc != PILOTDB_OK && !*db) {
        cli_error("cannot open database '%s': %s", path, err);
        return CLI_FAILED;
    }
    return CLI_OK;
}

static int terminal_width(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 120;
}

/* --grades GOOD,FAIR,POOR[,MIN]: percentages and the fewest ended pilots
 * to grade. */
static int parse_grades(const char *text, tui_grades *g)
{
    const char *p = text;
    double pct[3];
    char err[128], *end;
    int64_t min_ended = tui_grades_default.min_ended;

    for (int i = 0; i < 3; i++) {
        pct[i] = strtod(p, &end);
        if (end == p || (i < 2 && *end != ',') || (i == 2 && *end != ',' && *end != '\0'))
            goto bad;
        if (!(pct[i] >= 0 && pct[i] <= 100)) {
            cli_error("--grades: '%s': each threshold is a percentage from 0 to 100",
                      cli_safe(text));
            return -1;
        }
        p = *end ? end + 1 : end;
    }
    if (*p && cli_parse_int("--grades: N", p, 1, 1000000000, &min_ended) != 0)
        return -1;
    if (end[0] == ',' && !*p)
        goto bad;
    g->good = pct[0] / 100.0;
    g->fair = pct[1] / 100.0;
    g->poor = pct[2] / 100.0;
    g->min_ended = min_ended;
    if (tui_grades_check(g, err, sizeof err) != 0) {
        cli_error("--grades: %s", err);
        return -1;
    }
    return 0;
bad:
    cli_error("--grades: '%s' is not GOOD,FAIR,POOR[,MIN] like 85,60,25,10", cli_safe(text));
    return -1;
}

static int run_once(pilotdb *db, const char *source, int json, const char *csv, int width,
                    int unicode, tui_column sort, int reverse, const char *filter,
                    int64_t window_ms, int64_t stale_ms, const tui_grades *grades, int tree)
{
    tui_view view;
    tui_view_options vopts = { .window_ms = window_ms, .stale_ms = stale_ms,
                               .grades = grades };
    tui_draw_options dopts = { unicode, source, "wall" };
    int status = CLI_OK;
    pilotdb_rc rc;

    tui_view_init(&view, &vopts);
    rc = tui_view_update(&view, db);
    if (rc != PILOTDB_OK) {
        /* the view's rollback after the failure has cleared the handle's message */
        const char *why = pilotdb_errmsg(db);
        cli_error("reading the database: %s", why[0] ? why : pilotdb_rc_str(rc));
        status = CLI_FAILED;
        goto out;
    }
    tui_view_sort(&view, sort, reverse);
    tui_view_filter(&view, filter);
    if (tree && (rc = tui_view_tree(&view, 1)) != PILOTDB_OK) {
        cli_error("grouping by site: %s", pilotdb_rc_str(rc));
        status = CLI_FAILED;
        goto out;
    }
    if (csv) { /* the CE rows of --json, as CSV */
        json_t *frame = tui_view_json(&view, &dopts);
        status = frame ? cli_csv_rows(csv, source, "top --csv", json_object_get(frame, "ces"),
                                      NULL)
                       : CLI_FAILED;
        if (!frame)
            cli_error("top --csv: out of memory");
        json_decref(frame);
    } else if (json)
        status = cli_print_json(tui_view_json(&view, &dopts));
    else if (tui_frame_text(&view, width, &dopts, stdout) != 0) {
        cli_error("top: writing the frame: %s", strerror(errno));
        status = CLI_FAILED;
    }
out:
    tui_view_free(&view);
    return status;
}

/* --once --ce NAME: the page of one CE, as text or JSON. */
static int run_ce_page(pilotdb *db, const char *name, int json, int width, int unicode,
                       const tui_grades *grades)
{
    tui_cepage page;
    int status;
    pilotdb_rc rc = tui_cepage_read(&page, db, name, PILOTDB_NO_TIME, grades);

    if (rc != PILOTDB_OK) {
        if (rc == PILOTDB_ENOTFOUND || rc == PILOTDB_EINVAL)
            cli_error("--ce: no CE named '%s' (pilotdeck ce list shows them)", cli_safe(name));
        else
            cli_error("reading CE '%s': %s", cli_safe(name), cli_safe(pilotdb_errmsg(db)));
        return CLI_FAILED;
    }
    if (json)
        status = cli_print_json(tui_cepage_json(&page));
    else if (tui_cepage_text(&page, width, unicode, stdout) != 0) {
        cli_error("top: writing the page of '%s': %s", cli_safe(name), strerror(errno));
        status = CLI_FAILED;
    } else
        status = CLI_OK;
    tui_cepage_free(&page);
    return status;
}

enum { OPT_DB = 1, OPT_DELAY, OPT_INTERVAL, OPT_NO_COLOR, OPT_NO_UNICODE, OPT_ONCE, OPT_JSON,
       OPT_WIDTH, OPT_SORT, OPT_REVERSE, OPT_FILTER, OPT_WINDOW, OPT_STALE, OPT_GRADES,
       OPT_TREE, OPT_READ_ONLY, OPT_NO_MOUSE, OPT_CONFIG, OPT_NO_CONFIG, OPT_CE, OPT_CSV,
       OPT_NO_REVERSE, OPT_MOUSE };

static const struct cli_option top_options[] = {
    {"db", 0, CLI_ARG_REQUIRED, "PATH", "the database (also before the command; default\n"
     "$PILOTDECK_DB or ./pilotdeck.db)", OPT_DB},
    {"delay", 'd', CLI_ARG_REQUIRED, "S", "seconds between refreshes (default 1;\n"
     "--interval is the same)", OPT_DELAY},
    {"interval", 0, CLI_ARG_REQUIRED, "S", NULL, OPT_INTERVAL},
    {"no-color", 0, CLI_ARG_NONE, NULL, "no colour (also when NO_COLOR is set)",
     OPT_NO_COLOR},
    {"no-colour", 0, CLI_ARG_NONE, NULL, NULL, OPT_NO_COLOR},
    {"no-unicode", 0, CLI_ARG_NONE, NULL, "ASCII bars and sparklines", OPT_NO_UNICODE},
    {"once", 0, CLI_ARG_NONE, NULL, "print one frame as plain text and exit", OPT_ONCE},
    {"json", 0, CLI_ARG_NONE, NULL, "print one frame as JSON and exit", OPT_JSON},
    {"csv", 0, CLI_ARG_REQUIRED, "FILE", "write the frame's CE rows as CSV to FILE (- for\n"
     "standard output), with the keys of --json, and exit", OPT_CSV},
    {"width", 0, CLI_ARG_REQUIRED, "W",
     "width of the --once frame (at least " CLI_TEXT(TUI_MIN_WIDTH) ")", OPT_WIDTH},
    {"sort", 0, CLI_ARG_REQUIRED, "COLUMN",
     "name, state, slots, active, running, submitted, done,\n"
     "failed, done_per_hour, failed_per_hour, configured,\n"
     "observed or health", OPT_SORT},
    {"reverse", 0, CLI_ARG_NONE, NULL, "the opposite of the column's usual order",
     OPT_REVERSE},
    {"no-reverse", 0, CLI_ARG_NONE, NULL, "the column's usual order (over the file's\n"
     "reverse = true)", OPT_NO_REVERSE},
    {"filter", 0, CLI_ARG_REQUIRED, "TEXT", "only CEs whose name contains TEXT", OPT_FILTER},
    {"window", 0, CLI_ARG_REQUIRED, "TIME", "rates count the pilots of the last TIME\n"
     "(default 1h; 5m to 7d)", OPT_WINDOW},
    {"stale", 0, CLI_ARG_REQUIRED, "TIME", "a CE with no change for longer is stale\n"
     "(default 30m; wall-clock databases)", OPT_STALE},
    {"grades", 0, CLI_ARG_REQUIRED, "G,F,P[,N]", "efficiency in % for Good, Fair, Poor,\n"
     "and N ended pilots to grade (default 85,60,25,10)", OPT_GRADES},
    {"tree", 0, CLI_ARG_NONE, NULL, "CEs grouped under their site, with its totals\n"
     "(t on the live screen)", OPT_TREE},
    {"read-only", 0, CLI_ARG_NONE, NULL, "never change the database (e, +, -, u are off)",
     OPT_READ_ONLY},
    {"no-mouse", 0, CLI_ARG_NONE, NULL, "leave the mouse to the terminal", OPT_NO_MOUSE},
    {"mouse", 0, CLI_ARG_NONE, NULL, "clicks and the wheel (over the file's\n"
     "mouse = false)", OPT_MOUSE},
    {"config", 0, CLI_ARG_REQUIRED, "FILE", "settings from FILE instead of\n"
     "$XDG_CONFIG_HOME/pilotdeck/config (S saves there)", OPT_CONFIG},
    {"no-config", 0, CLI_ARG_NONE, NULL, "read no configuration file", OPT_NO_CONFIG},
    {"ce", 0, CLI_ARG_REQUIRED, "NAME", "with --once: the page of CE NAME", OPT_CE},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

struct top_options {
    const char *path, *filter, *ce;
    double interval;
    int64_t width;  /* 0: the terminal's */
    int64_t window_ms;
    int color, unicode, once, json, reverse;
    const char *csv;
    tui_column sort;
    int64_t stale_ms;
    tui_grades grades;
    int tree;
    int read_only, no_mouse;
    unsigned given;  /* bit OPT_*: on the command line, over the file */
    struct top_config config;
};

static int take_top_option(void *state, int id, const char *value)
{
    struct top_options *o = state;
    char err[128];

    o->given |= 1u << id;
    switch (id) {
    case OPT_DB: o->path = value; break;
    case OPT_READ_ONLY: o->read_only = 1; break;
    case OPT_NO_MOUSE:
    case OPT_MOUSE: o->no_mouse = id == OPT_NO_MOUSE; break;
    case OPT_CONFIG: o->config.file = value; break;
    case OPT_NO_CONFIG: o->config.no_config = 1; break;
    case OPT_DELAY:
    case OPT_INTERVAL:
        if (cli_parse_double(id == OPT_DELAY ? "--delay" : "--interval", value, 0.05, 3600.0,
                             &o->interval) != 0)
            return CLI_USAGE;
        break;
    case OPT_NO_COLOR: o->color = 0; break;
    case OPT_NO_UNICODE: o->unicode = 0; break;
    case OPT_ONCE: o->once = 1; break;
    case OPT_JSON: o->json = o->once = 1; break;
    case OPT_CSV: o->csv = value; o->once = 1; break;
    case OPT_WIDTH:
        if (cli_parse_int("--width", value, TUI_MIN_WIDTH, 1000, &o->width) != 0)
            return CLI_USAGE;
        break;
    case OPT_SORT:
        if (parse_column(value, &o->sort) != 0)
            return CLI_USAGE;
        break;
    case OPT_REVERSE:
    case OPT_NO_REVERSE: o->reverse = id == OPT_REVERSE; break;
    case OPT_CE: o->ce = value; break;
    case OPT_WINDOW:
        if (tui_window_parse(value, &o->window_ms, err, sizeof err) != 0) {
            cli_error("--window: %s", err);
            return CLI_USAGE;
        }
        break;
    case OPT_STALE:
        if (tui_duration_parse(value, &o->stale_ms) != 0 || o->stale_ms <= 0) {
            cli_error("--stale: '%s' is not a duration like 30m or 2h", value);
            return CLI_USAGE;
        }
        break;
    case OPT_TREE: o->tree = 1; break;
    case OPT_GRADES:
        if (parse_grades(value, &o->grades) != 0)
            return CLI_USAGE;
        break;
    default: o->filter = value; break;
    }
    return CLI_OK;
}

/* The file's settings where the command line gave none. */
static void apply_config(struct top_options *o)
{
    const tui_settings *s = &o->config.settings;

    if (!(o->given & (1u << OPT_SORT)))
        o->sort = s->sort;
    /* the last of --reverse / --no-reverse wins, and either over the file */
    if (!(o->given & ((1u << OPT_REVERSE) | (1u << OPT_NO_REVERSE))))
        o->reverse = s->reverse;
    if (!(o->given & (1u << OPT_FILTER)) && s->filter[0])
        o->filter = s->filter;
    if (!(o->given & (1u << OPT_WINDOW)))
        o->window_ms = s->window_ms;
    if (!(o->given & ((1u << OPT_DELAY) | (1u << OPT_INTERVAL))))
        o->interval = s->delay_s;
    if (!(o->given & (1u << OPT_STALE)))
        o->stale_ms = s->stale_ms;
    if (!(o->given & (1u << OPT_GRADES)))
        o->grades = s->grades;
    /* S saves what is in effect */
    o->config.settings.stale_ms = o->stale_ms;
    o->config.settings.grades = o->grades;
    if (!(o->given & ((1u << OPT_MOUSE) | (1u << OPT_NO_MOUSE))))
        o->no_mouse = !s->mouse;
    if (s->scheme == TUI_SCHEME_MONO)
        o->color = 0;
}

static int top_run(const struct cli_globals *g, struct cli_args *a)
{
    const char *no_color = getenv("NO_COLOR");
    struct top_options o = {.path = g->db_path, .interval = 1.0,
                            .window_ms = TUI_WINDOW_DEFAULT_MS,
                            .color = !(no_color && no_color[0]), .unicode = 1,
                            .sort = TUI_COL_NAME, .stale_ms = TUI_STALE_DEFAULT_MS,
                            .grades = tui_grades_default};
    int readonly = 0, status;
    char notice[600], errbuf[512];
    pilotdb *db = NULL;

    if (cli_parse(a, take_top_option, &o))
        return a->status;
    if (top_config_load(&o.config) != CLI_OK)
        return CLI_FAILED;
    apply_config(&o);
    setlocale(LC_ALL, "");
    if (!tui_locale_is_utf8())
        o.unicode = 0;
    if ((status = cli_give_one("top", o.json, "--json prints the frame", o.csv != NULL,
                               "--csv writes the CE rows to a file")) != CLI_OK ||
        (status = cli_give_one("top", o.ce != NULL, "--ce prints the page of a CE",
                               o.csv != NULL, "--csv writes the CE rows to a file")) != CLI_OK)
        return status;
    if (o.ce && !o.once) {
        cli_error("--ce needs --once (in the dashboard, Enter opens the selected CE)");
        return CLI_USAGE;
    }
    if (!o.once && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        cli_error("top needs a terminal; 'pilotdeck top --once' prints one frame");
        return CLI_FAILED;
    }

    status = open_for_top(o.path, &db, &readonly, notice, sizeof notice);
    if (status != CLI_OK)
        return status;
    cli_set_actor(db, "top");
    if (!notice[0] && cli_time_note(db, notice, sizeof notice - 40) == 0 && notice[0])
        strcat(notice, ": their times are not exact");
    if (o.once && o.ce) {
        status = run_ce_page(db, o.ce, o.json, o.width ? (int)o.width : terminal_width(),
                             o.unicode, &o.grades);
    } else if (o.once) {
        status = run_once(db, o.path, o.json, o.csv, o.width ? (int)o.width : terminal_width(),
                          o.unicode, o.sort, o.reverse, o.filter, o.window_ms, o.stale_ms,
                          &o.grades, o.tree);
    } else {
        tui_run_options ropts = { 0 };
        struct top_whatif tw = { o.path };
        tui_whatif_engine whatif;
        top_whatif_engine(&tw, &whatif);
        ropts.whatif = &whatif;
        ropts.interval_ms = (int)(o.interval * 1000.0 + 0.5);
        ropts.color = o.color;
        ropts.unicode = o.unicode;
        ropts.source = o.path;
        ropts.window_ms = o.window_ms;
        ropts.stale_ms = o.stale_ms;
        ropts.grades = &o.grades;
        ropts.tree = o.tree;
        ropts.sort = o.sort;
        ropts.sort_reverse = o.reverse;
        ropts.filter = o.filter;
        ropts.readonly = readonly || o.read_only;
        if (o.read_only && !readonly)
            snprintf(notice, sizeof notice, "read-only (--read-only): changes are refused");
        ropts.notice = notice[0] ? notice : NULL;
        ropts.mouse = !o.no_mouse;
        ropts.settings = &o.config.settings;
        ropts.config_path = o.config.path[0] ? o.config.path : NULL;
        ropts.user = cli_login_name();
        status = CLI_OK;
        if (tui_run(db, &ropts, errbuf, sizeof errbuf) != 0) {
            cli_error("top: %s", errbuf);
            status = CLI_FAILED;
        }
    }
    if (pilotdb_close(db) != PILOTDB_OK && status == CLI_OK)
        status = CLI_FAILED;
    return status;
}

const struct cli_command cmd_top = {
    .name = "top",
    .summary = "watch CEs and pilots live (--once: one frame as text or JSON)",
    .usage = "pilotdeck [--db PATH] top [-d S] [--window TIME] [--sort COLUMN]\n"
             "                                [--reverse | --no-reverse] [--filter TEXT]\n"
             "                                [--no-color] [--no-unicode] [--stale TIME]\n"
             "                                [--grades G,F,P] [--tree] [--read-only]\n"
             "                                [--mouse | --no-mouse]\n"
             "                                [--config FILE | --no-config]\n"
             "       pilotdeck [--db PATH] top --once [--json | --csv FILE] [--width W]\n"
             "                                [--window TIME]\n"
             "                                [--sort COLUMN] [--reverse | --no-reverse]\n"
             "                                [--filter TEXT] [--stale TIME]\n"
             "                                [--grades G,F,P] [--tree]\n"
             "                                [--config FILE | --no-config]\n"
             "       pilotdeck [--db PATH] top --once --ce NAME [--json] [--width W]\n"
             "                                [--grades G,F,P]",
    .description = "Watch the CEs and pilots of a database live, and change CEs on the spot:\n"
                   "e enables or disables the selected CE, + and - change its capacity;\n"
                   "w asks what-if of it (the database as it is now fitted, forecast with\n"
                   "the CE changed; nothing is written).\n"
                   "Each change is shown first and written on y; u undoes the last one.\n"
                   "Enter opens the page of the selected CE (--once --ce NAME prints it).\n"
                   "F1 or ? shows every key.  A file that is not writable opens read-only.\n"
                   "Settings come from $XDG_CONFIG_HOME/pilotdeck/config (default\n"
                   "~/.config/pilotdeck/config; S in the dashboard writes it); the\n"
                   "command line wins over it.\n",
    .help_column = 19,
    .epilog = "A configuration file (any key may be left out; S writes them all):\n"
              "  [top]\n"
              "  sort = done_per_hour\n"
              "  window = 2h\n"
              "  mouse = false\n"
              "  [grades]\n"
              "  good = 90%\n"
              "  [colors]\n"
              "  scheme = light            ; default, mono or light\n"
              "  warn = magenta on default bold\n",
    .options = top_options,
    .in_order = 1,
    .run = top_run,
};
