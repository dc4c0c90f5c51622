/*
 * cmd_summary.c - `pilotdeck summary`: pilot counts per status.
 */
#include "cli.h"

#include <getopt.h>

#include <jansson.h>

enum { OPT_JSON = 1, OPT_HELP };

static int run_summary(const struct cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}
    };
    pilotdb_summary s;
    pilotdb *db = NULL;
    int json = 0, c, status;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == OPT_JSON) {
            json = 1;
        } else if (c == 'h' || c == OPT_HELP) {
            printf("usage: pilotdeck [--db PATH] summary [--json]\n\n"
                   "Pilot counts per status, zeros included.\n");
            return CLI_OK;
        } else {
            return cli_option_error("summary", c, argv);
        }
    }
    if ((status = cli_want_args("summary", argc, argv, optind, 0, "")) != CLI_OK)
        return status;
    if ((status = cli_open_db(g, PILOTDB_OPEN_READONLY, &db)) != CLI_OK)
        return status;
    if (pilotdb_summary_get(db, &s) != PILOTDB_OK) {
        status = cli_db_error(db, "summary");
    } else if (json) {
        json_t *obj = json_object();

        for (int i = 0; obj && i < PILOT_NSTATUS; i++)
            if (json_object_set_new(obj, pilot_status_name(i),
                                    json_integer((json_int_t)s.count[i])) != 0) {
                json_decref(obj);
                obj = NULL;
            }
        status = cli_print_json(obj);
    } else {
        for (int i = 0; i < PILOT_NSTATUS; i++)
            printf("%-10s %lld\n", pilot_status_name(i), (long long)s.count[i]);
    }
    return cli_close_db(g, db, status);
}

const struct cli_command cmd_summary = {
    "summary", "pilot counts per status", run_summary
};
