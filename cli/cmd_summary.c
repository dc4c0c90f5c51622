/*
 * cmd_summary.c - `pilotdeck summary`: pilot counts per status.
 */
#include "cli.h"
#include "clitime.h"

#include <jansson.h>

enum { OPT_JSON = 1, OPT_CSV };

static const struct cli_option summary_options[] = {
    {"json", 0, CLI_ARG_NONE, NULL, "print JSON", OPT_JSON},
    {"csv", 0, CLI_ARG_REQUIRED, "FILE", "write the counts as CSV to FILE (- for standard\n"
     "output): a header of the statuses and one row", OPT_CSV},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

static int run_summary(const struct cli_globals *g, struct cli_args *a)
{
    struct cli_flags_file o = {0};
    pilotdb_summary s;
    pilotdb *db = NULL;
    int status;

    if (cli_parse(a, cli_take_flag_file, &o))
        return a->status;
    if ((status = cli_give_one("summary", !!(o.flags & 1u << OPT_JSON), "--json prints the counts",
                               o.file != NULL, "--csv writes them to a file")) != CLI_OK)
        return status;
    if ((status = cli_open_db(g, PILOTDB_OPEN_READONLY, &db)) != CLI_OK)
        return status;
    if ((o.flags & 1u << OPT_JSON) || o.file) {
        json_t *obj = NULL, *rows;
        if (cli_summary_json(db, &obj) != PILOTDB_OK) {
            status = cli_db_error(db, "summary");
        } else if (!o.file) {
            status = cli_print_json(obj);
        } else if (!obj || !(rows = json_pack("[O]", obj))) {
            cli_error("summary: out of memory");
            json_decref(obj);
            status = CLI_FAILED;
        } else {
            status = cli_csv_rows(o.file, g->db_path, "summary --csv", rows, NULL);
            json_decref(rows);
            json_decref(obj);
        }
    } else if (pilotdb_summary_get(db, &s) != PILOTDB_OK) {
        status = cli_db_error(db, "summary");
    } else {
        char note[256];

        for (int i = 0; i < PILOT_NSTATUS; i++)
            printf("%-10s %lld\n", pilot_status_name(i), (long long)s.count[i]);
        if (cli_time_note(db, note, sizeof note) != 0)
            status = cli_db_error(db, "summary");
        else if (note[0])
            printf("times      %s\n", note);
    }
    return cli_close_db(g, db, status);
}

const struct cli_command cmd_summary = {
    .name = "summary",
    .summary = "pilot counts per status",
    .usage = "pilotdeck [--db PATH] summary [--json | --csv FILE]",
    .description = "Pilot counts per status, zeros included, and how many pilots have\n"
                   "times that are not exact (observed, or unknown), when some do.\n",
    .options = summary_options,
    .run = run_summary,
};

pilotdb_rc cli_summary_json(pilotdb *db, json_t **out)
{
    pilotdb_summary s;
    pilotdb_rc rc = pilotdb_summary_get(db, &s);

    *out = NULL;
    if (rc != PILOTDB_OK)
        return rc;
    *out = json_object();
    for (int i = 0; *out && i < PILOT_NSTATUS; i++)
        if (json_object_set_new(*out, pilot_status_name(i),
                                json_integer((json_int_t)s.count[i])) != 0) {
            json_decref(*out);
            *out = NULL;
        }
    return PILOTDB_OK;
}
