/*
 * cmd_top.c - `pilotdeck top`: the live dashboard of a pilot database, or
 * with --once one frame of it as plain text or JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "pilottui.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: pilotdeck [--db PATH] top [--interval S] [--no-color] [--no-unicode]\n"
            "       pilotdeck [--db PATH] top --once [--json] [--width W]\n"
            "                                [--sort COLUMN] [--reverse] [--filter TEXT]\n"
            "\n"
            "Watch the CEs and pilots of a database live, and change CEs on the spot:\n"
            "e enables or disables the selected CE, + and - change its capacity.\n"
            "F1 or ? shows every key.  A file that is not writable opens read-only.\n"
            "\n"
            "  --db PATH        the database (also before the command; default\n"
            "                   $PILOTDECK_DB or ./pilotdeck.db)\n"
            "  --interval S     seconds between refreshes (default 1)\n"
            "  --no-color       no colour (also when NO_COLOR is set)\n"
            "  --no-unicode     ASCII bars and sparklines\n"
            "  --once           print one frame as plain text and exit\n"
            "  --json           print one frame as JSON and exit\n"
            "  --width W        width of the --once frame (at least %d)\n"
            "  --sort COLUMN    name, state, slots, active, running, submitted, done,\n"
            "                   failed, configured, observed or health\n"
            "  --reverse        the opposite of the column's usual order\n"
            "  --filter TEXT    only CEs whose name contains TEXT\n",
            TUI_MIN_WIDTH);
}

static int parse_column(const char *word, tui_column *out)
{
    for (int c = 0; c < TUI_NCOLUMNS; c++) {
        if (c != TUI_COL_TREND && strcmp(word, tui_column_key((tui_column)c)) == 0) {
            *out = (tui_column)c;
            return 0;
        }
    }
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

static int run_once(pilotdb *db, const char *source, int json, int width, int unicode,
                    tui_column sort, int reverse, const char *filter)
{
    tui_view view;
    tui_draw_options dopts = { unicode, source, "wall" };
    int status = CLI_OK;
    pilotdb_rc rc;

    tui_view_init(&view, NULL);
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
    if (json)
        status = cli_print_json(tui_view_json(&view, &dopts));
    else if (tui_frame_text(&view, width, &dopts, stdout) != 0)
        status = CLI_FAILED; /* main reports the write error */
out:
    tui_view_free(&view);
    return status;
}

static int top_run(const struct cli_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "db", required_argument, NULL, 'd' },
        { "interval", required_argument, NULL, 'i' },
        { "no-color", no_argument, NULL, 'C' },
        { "no-colour", no_argument, NULL, 'C' },
        { "no-unicode", no_argument, NULL, 'U' },
        { "once", no_argument, NULL, 'o' },
        { "json", no_argument, NULL, 'j' },
        { "width", required_argument, NULL, 'w' },
        { "sort", required_argument, NULL, 's' },
        { "reverse", no_argument, NULL, 'r' },
        { "filter", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *path = g->db_path, *filter = NULL, *no_color = getenv("NO_COLOR");
    double interval = 1.0;
    int64_t width = 0;
    int color = !(no_color && no_color[0]), unicode = 1, once = 0, json = 0, reverse = 0;
    int readonly = 0, status, opt;
    tui_column sort = TUI_COL_NAME;
    char notice[600], errbuf[512];
    pilotdb *db = NULL;

    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd': path = optarg; break;
        case 'i':
            if (cli_parse_double("--interval", optarg, 0.05, 3600.0, &interval) != 0)
                return CLI_USAGE;
            break;
        case 'C': color = 0; break;
        case 'U': unicode = 0; break;
        case 'o': once = 1; break;
        case 'j': json = once = 1; break;
        case 'w':
            if (cli_parse_int("--width", optarg, TUI_MIN_WIDTH, 1000, &width) != 0)
                return CLI_USAGE;
            break;
        case 's':
            if (parse_column(optarg, &sort) != 0)
                return CLI_USAGE;
            break;
        case 'r': reverse = 1; break;
        case 'f': filter = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        default: return cli_option_error("top", opt, argv);
        }
    }
    if (optind < argc) {
        cli_error("top: unexpected argument '%s'", argv[optind]);
        return CLI_USAGE;
    }
    setlocale(LC_ALL, "");
    if (!tui_locale_is_utf8())
        unicode = 0;
    if (!once && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        cli_error("top needs a terminal; 'pilotdeck top --once' prints one frame");
        return CLI_FAILED;
    }

    status = open_for_top(path, &db, &readonly, notice, sizeof notice);
    if (status != CLI_OK)
        return status;
    if (once) {
        status = run_once(db, path, json, width ? (int)width : terminal_width(), unicode,
                          sort, reverse, filter);
    } else {
        tui_run_options ropts = { 0 };
        ropts.interval_ms = (int)(interval * 1000.0 + 0.5);
        ropts.color = color;
        ropts.unicode = unicode;
        ropts.source = path;
        ropts.readonly = readonly;
        ropts.notice = notice[0] ? notice : NULL;
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
    "top",
    "watch CEs and pilots live (--once: one frame as text or JSON)",
    top_run,
};
