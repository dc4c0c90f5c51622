/*
 * cmd_ce.c - `pilotdeck ce add|set|list`: Computing Elements.
 */
#include "cli.h"

#include <getopt.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

static const char ce_usage[] =
    "usage: pilotdeck [--db PATH] ce add NAME --capacity N --success-rate R"
    " [--disabled]\n"
    "       pilotdeck [--db PATH] ce set NAME [--capacity N] [--success-rate R]"
    " [--enable | --disable]\n"
    "       pilotdeck [--db PATH] ce list [--available] [--json]\n"
    "\n"
    "A CE offers CAPACITY slots (0 or more) and succeeds with SUCCESS-RATE\n"
    "(0 to 1). 'list' shows every CE with its active, running and submitted\n"
    "pilots and available slots; --available only the enabled ones with a\n"
    "free slot.\n";

enum { OPT_CAPACITY = 1, OPT_RATE, OPT_DISABLED, OPT_ENABLE, OPT_DISABLE,
       OPT_AVAILABLE, OPT_JSON, OPT_HELP };

/* Options shared by add and set; parse them into chg. */
static int parse_ce_options(const char *cmd, int argc, char **argv,
                            pilotdb_ce_change *chg)
{
    static const struct option opts[] = {
        {"capacity", required_argument, NULL, OPT_CAPACITY},
        {"success-rate", required_argument, NULL, OPT_RATE},
        {"disabled", no_argument, NULL, OPT_DISABLED},
        {"enable", no_argument, NULL, OPT_ENABLE},
        {"disable", no_argument, NULL, OPT_DISABLE},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}
    };
    int add = strcmp(cmd, "ce add") == 0, c;

    memset(chg, 0, sizeof *chg);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_CAPACITY:
            if (cli_parse_int("--capacity", optarg, 0, INT64_MAX, &chg->capacity))
                return CLI_USAGE;
            chg->set |= PILOTDB_SET_CAPACITY;
            break;
        case OPT_RATE:
            if (cli_parse_double("--success-rate", optarg, 0.0, 1.0,
                                 &chg->success_rate))
                return CLI_USAGE;
            chg->set |= PILOTDB_SET_SUCCESS_RATE;
            break;
        case OPT_DISABLED:
        case OPT_DISABLE:
        case OPT_ENABLE:
            if ((c == OPT_DISABLED) != add) {
                cli_error("%s: unknown option '%s' (see 'pilotdeck ce --help')",
                          cmd, argv[optind - 1]);
                return CLI_USAGE;
            }
            if (chg->set & PILOTDB_SET_ENABLED &&
                chg->enabled != (c == OPT_ENABLE)) {
                cli_error("%s: --enable and --disable together", cmd);
                return CLI_USAGE;
            }
            chg->set |= PILOTDB_SET_ENABLED;
            chg->enabled = c == OPT_ENABLE;
            break;
        case 'h':
        case OPT_HELP:
            fputs(ce_usage, stdout);
            return -1;
        default:
            return cli_option_error(cmd, c, argv);
        }
    }
    return cli_want_args(cmd, argc, argv, optind, 1, "CE name");
}

static int ce_add(const struct cli_globals *g, int argc, char **argv)
{
    pilotdb_ce_change chg;
    pilotdb *db = NULL;
    int status = parse_ce_options("ce add", argc, argv, &chg);
    const char *name;

    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;
    name = argv[optind];
    if (!(chg.set & PILOTDB_SET_CAPACITY) || !(chg.set & PILOTDB_SET_SUCCESS_RATE)) {
        cli_error("ce add: --capacity and --success-rate are required");
        return CLI_USAGE;
    }
    if ((status = cli_open_db(g, 0, &db)) != CLI_OK)
        return status;
    if (pilotdb_ce_add(db, name, chg.capacity, chg.success_rate,
                       !(chg.set & PILOTDB_SET_ENABLED), NULL) != PILOTDB_OK)
        status = cli_db_error(db, "ce add");
    return cli_close_db(g, db, status);
}

static int ce_set(const struct cli_globals *g, int argc, char **argv)
{
    pilotdb_ce_change chg;
    pilotdb *db = NULL;
    int status = parse_ce_options("ce set", argc, argv, &chg);

    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;
    if (!chg.set) {
        cli_error("ce set: nothing to change (give --capacity, --success-rate,"
                  " --enable or --disable)");
        return CLI_USAGE;
    }
    if ((status = cli_open_db(g, 0, &db)) != CLI_OK)
        return status;
    if (pilotdb_ce_update(db, argv[optind], &chg) != PILOTDB_OK)
        status = cli_db_error(db, "ce set");
    return cli_close_db(g, db, status);
}

static json_t *ce_json(const pilotdb_ce *ce)
{
    return json_pack("{s:s, s:I, s:f, s:b, s:I, s:I, s:I, s:I}",
                     "name", ce->name,
                     "capacity", (json_int_t)ce->capacity,
                     "success_rate", ce->success_rate,
                     "enabled", ce->enabled,
                     "active", (json_int_t)ce->active,
                     "running", (json_int_t)ce->count[PILOT_RUNNING],
                     "submitted", (json_int_t)ce->count[PILOT_SUBMITTED],
                     "available_slots", (json_int_t)ce->available_slots);
}

static int ce_print_table(const pilotdb_ce *ces, size_t n)
{
    int width = 4;

    for (size_t i = 0; i < n; i++)
        if ((int)strlen(ces[i].name) > width)
            width = (int)strlen(ces[i].name);
    printf("%-*s  %-8s %9s %7s %8s %10s %10s %8s\n", width, "NAME", "STATE",
           "CAPACITY", "ACTIVE", "RUNNING", "SUBMITTED", "AVAILABLE", "SUCCESS");
    for (size_t i = 0; i < n; i++) {
        const pilotdb_ce *ce = &ces[i];

        printf("%-*s  %-8s %9lld %7lld %8lld %10lld %10lld %8.3f\n", width,
               ce->name, ce->enabled ? "enabled" : "disabled",
               (long long)ce->capacity, (long long)ce->active,
               (long long)ce->count[PILOT_RUNNING],
               (long long)ce->count[PILOT_SUBMITTED],
               (long long)ce->available_slots, ce->success_rate);
    }
    return CLI_OK;
}

static int ce_list(const struct cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"available", no_argument, NULL, OPT_AVAILABLE},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}
    };
    int available = 0, json = 0, c, status;
    pilotdb_ce *ces = NULL;
    pilotdb *db = NULL;
    size_t n = 0;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == OPT_AVAILABLE) {
            available = 1;
        } else if (c == OPT_JSON) {
            json = 1;
        } else if (c == 'h' || c == OPT_HELP) {
            fputs(ce_usage, stdout);
            return CLI_OK;
        } else {
            return cli_option_error("ce list", c, argv);
        }
    }
    if ((status = cli_want_args("ce list", argc, argv, optind, 0, "")) != CLI_OK)
        return status;
    if ((status = cli_open_db(g, PILOTDB_OPEN_READONLY, &db)) != CLI_OK)
        return status;
    if (pilotdb_ce_list(db, available, &ces, &n) != PILOTDB_OK) {
        status = cli_db_error(db, "ce list");
    } else if (json) {
        json_t *array = json_array();

        for (size_t i = 0; array && i < n; i++)
            if (json_array_append_new(array, ce_json(&ces[i])) != 0) {
                json_decref(array);
                array = NULL;
            }
        status = cli_print_json(array);
    } else {
        status = ce_print_table(ces, n);
    }
    pilotdb_free(ces);
    return cli_close_db(g, db, status);
}

static int run_ce(const struct cli_globals *g, int argc, char **argv)
{
    if (argc < 2) {
        fputs(ce_usage, stderr);
        return CLI_USAGE;
    }
    if (cli_is_help(argv[1])) {
        fputs(ce_usage, stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "add") == 0)
        return ce_add(g, argc - 1, argv + 1);
    if (strcmp(argv[1], "set") == 0)
        return ce_set(g, argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return ce_list(g, argc - 1, argv + 1);
    cli_error("ce: unknown subcommand '%s' (add, set, list)", argv[1]);
    return CLI_USAGE;
}

const struct cli_command cmd_ce = {
    "ce", "add, change and list Computing Elements", run_ce
};
