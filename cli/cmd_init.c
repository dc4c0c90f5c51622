/*
 * cmd_init.c - `pilotdeck init`: create (or migrate) the pilot database.
 */
#include "cli.h"

static int run_init(const struct cli_globals *g, struct cli_args *a)
{
    pilotdb_clock_type kind;
    pilotdb *db = NULL;
    int status;

    if (cli_parse(a, NULL, NULL))
        return a->status;
    status = cli_open_db(g, PILOTDB_OPEN_CREATE, &db);
    if (status != CLI_OK)
        return status;
    if (pilotdb_clock_kind(db, &kind) != PILOTDB_OK)
        return cli_close_db(g, db, cli_db_error(db, "init"));
    printf("%s: pilotdeck database, schema version %d, %s\n", g->db_path,
           PILOTDB_SCHEMA_VERSION,
           kind == PILOTDB_CLOCK_WALL  ? "wall clock (real data)"
           : kind == PILOTDB_CLOCK_SIM ? "virtual clock (a simulation)"
                                       : "no clock yet (the first writer sets it)");
    return cli_close_db(g, db, CLI_OK);
}

const struct cli_command cmd_init = {
    .name = "init",
    .summary = "create or migrate the pilot database",
    .usage = "pilotdeck [--db PATH] init",
    .description = "Create the pilot database at PATH with the current schema, or\n"
                   "migrate an older one. A file that is not a pilotdeck database\n"
                   "is refused and left untouched.\n",
    .in_order = 1,
    .run = run_init,
};
