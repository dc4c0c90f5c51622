/*
 * cmd_pilot.c - `pilotdeck pilot submit|set|list`: pilots and their status.
 */
#include "cli.h"

#include <getopt.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

static const char pilot_usage[] =
    "usage: pilotdeck [--db PATH] pilot submit CE\n"
    "       pilotdeck [--db PATH] pilot set ID STATUS\n"
    "       pilotdeck [--db PATH] pilot list [--status S] [--ce NAME] [--json]\n"
    "\n"
    "'submit' prints the new pilot's id; it is refused when the CE is\n"
    "unknown, disabled or full. STATUS is submitted, running, done or\n"
    "failed; allowed changes: submitted->running, submitted->failed,\n"
    "running->done, running->failed. Times are milliseconds since the Unix\n"
    "epoch (since the start, for simulated databases).\n";

enum { OPT_STATUS = 1, OPT_CE, OPT_JSON, OPT_HELP };

/* Parse only --help for the subcommands that take positional arguments. */
static int help_only(const char *cmd, int argc, char **argv, int want,
                     const char *what)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}
    };
    int c;

    optind = 0;
    opterr = 0;
    /* '+': a negative number is an argument, not an option. */
    while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
        if (c == 'h' || c == OPT_HELP) {
            fputs(pilot_usage, stdout);
            return -1;
        }
        return cli_option_error(cmd, c, argv);
    }
    return cli_want_args(cmd, argc, argv, optind, want, what);
}

static int pilot_submit(const struct cli_globals *g, int argc, char **argv)
{
    int status = help_only("pilot submit", argc, argv, 1, "CE name");
    int64_t id = 0;
    pilotdb *db = NULL;

    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;
    if ((status = cli_open_db(g, 0, &db)) != CLI_OK)
        return status;
    if (pilotdb_pilot_submit(db, argv[optind], &id) != PILOTDB_OK)
        status = cli_db_error(db, "pilot submit");
    else
        printf("%lld\n", (long long)id);
    return cli_close_db(g, db, status);
}

static int pilot_set(const struct cli_globals *g, int argc, char **argv)
{
    int status = help_only("pilot set", argc, argv, 2, "pilot id and status");
    pilot_status to;
    pilotdb *db = NULL;
    int64_t id;

    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;
    if (cli_parse_int("pilot set: id", argv[optind], 1, INT64_MAX, &id))
        return CLI_USAGE;
    if (pilot_status_parse(argv[optind + 1], &to) != PILOTDB_OK) {
        cli_error("pilot set: '%s' is not a status (submitted, running, done,"
                  " failed)", argv[optind + 1]);
        return CLI_USAGE;
    }
    if ((status = cli_open_db(g, 0, &db)) != CLI_OK)
        return status;
    if (pilotdb_pilot_set_status(db, id, to) != PILOTDB_OK)
        status = cli_db_error(db, "pilot set");
    return cli_close_db(g, db, status);
}

struct list_out {
    json_t *array;  /* NULL for text output */
    int header_done;
    int failed;
};

/* The text header, written once the filter has been accepted. */
static void print_header(struct list_out *out)
{
    if (!out->header_done && !out->array)
        printf("%-10s %-9s %15s %15s %15s  %s\n", "ID", "STATUS", "SUBMITTED_AT",
               "STARTED_AT", "ENDED_AT", "CE");
    out->header_done = 1;
}

/* A time of the pilot, "-" when it has not happened. */
static const char *time_text(int64_t at, char *buf, size_t size)
{
    if (at == PILOTDB_NO_TIME)
        return "-";
    snprintf(buf, size, "%lld", (long long)at);
    return buf;
}

/* A time of the pilot as JSON, null when it has not happened. */
static json_t *time_json(int64_t at)
{
    return at == PILOTDB_NO_TIME ? json_null() : json_integer((json_int_t)at);
}

static int print_pilot(void *arg, const pilotdb_pilot *p)
{
    struct list_out *out = arg;
    char started[24], ended[24];

    print_header(out);
    if (!out->array) {
        if (printf("%-10lld %-9s %15lld %15s %15s  %s\n", (long long)p->id,
                   pilot_status_name(p->status), (long long)p->submitted_at,
                   time_text(p->started_at, started, sizeof started),
                   time_text(p->ended_at, ended, sizeof ended), p->ce_name) < 0)
            out->failed = 1;
        return out->failed;
    }
    if (json_array_append_new(out->array,
                              json_pack("{s:I, s:s, s:s, s:I, s:o, s:o, s:I}",
                                        "pilot_id", (json_int_t)p->id,
                                        "ce_name", p->ce_name,
                                        "status", pilot_status_name(p->status),
                                        "submitted_at", (json_int_t)p->submitted_at,
                                        "started_at", time_json(p->started_at),
                                        "ended_at", time_json(p->ended_at),
                                        "updated_at", (json_int_t)p->updated_at)))
        out->failed = 1;
    return out->failed;
}

static int pilot_list(const struct cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"status", required_argument, NULL, OPT_STATUS},
        {"ce", required_argument, NULL, OPT_CE},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}
    };
    pilotdb_pilot_filter filter = {-1, NULL};
    struct list_out out = {NULL, 0, 0};
    int json = 0, c, status;
    pilotdb *db = NULL;
    pilot_status s;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_STATUS:
            if (pilot_status_parse(optarg, &s) != PILOTDB_OK) {
                cli_error("pilot list: --status '%s' is not a status (submitted,"
                          " running, done, failed)", optarg);
                return CLI_USAGE;
            }
            filter.status = (int)s;
            break;
        case OPT_CE:
            filter.ce_name = optarg;
            break;
        case OPT_JSON:
            json = 1;
            break;
        case 'h':
        case OPT_HELP:
            fputs(pilot_usage, stdout);
            return CLI_OK;
        default:
            return cli_option_error("pilot list", c, argv);
        }
    }
    if ((status = cli_want_args("pilot list", argc, argv, optind, 0, "")) != CLI_OK)
        return status;
    if ((status = cli_open_db(g, PILOTDB_OPEN_READONLY, &db)) != CLI_OK)
        return status;
    if (json)
        out.array = json_array();
    if (json && !out.array) {
        cli_error("pilot list: out of memory");
        status = CLI_FAILED;
    } else if (pilotdb_pilots_foreach(db, &filter, print_pilot, &out) != PILOTDB_OK) {
        status = cli_db_error(db, "pilot list");
        json_decref(out.array);
    } else if (out.failed) {
        cli_error("pilot list: cannot write the list");
        json_decref(out.array);
        status = CLI_FAILED;
    } else if (json) {
        status = cli_print_json(out.array);
    } else {
        print_header(&out);
    }
    return cli_close_db(g, db, status);
}

static int run_pilot(const struct cli_globals *g, int argc, char **argv)
{
    if (argc < 2) {
        fputs(pilot_usage, stderr);
        return CLI_USAGE;
    }
    if (cli_is_help(argv[1])) {
        fputs(pilot_usage, stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "submit") == 0)
        return pilot_submit(g, argc - 1, argv + 1);
    if (strcmp(argv[1], "set") == 0)
        return pilot_set(g, argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return pilot_list(g, argc - 1, argv + 1);
    cli_error("pilot: unknown subcommand '%s' (submit, set, list)", argv[1]);
    return CLI_USAGE;
}

const struct cli_command cmd_pilot = {
    "pilot", "submit pilots, change and list their status", run_pilot
};
