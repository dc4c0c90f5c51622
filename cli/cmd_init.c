/*
 * cmd_init.c - `pilotdeck init`: create (or migrate) the pilot database.
 */
#include "cli.h"

#include <string.h>

static int run_init(const struct cli_globals *g, int argc, char **argv)
{
    pilotdb *db = NULL;
    int status;

    if (argc > 1 && cli_is_help(argv[1])) {
        printf("usage: pilotdeck [--db PATH] init\n\n"
               "Create the pilot database at PATH with the current schema, or\n"
               "migrate an older one. A file that is not a pilotdeck database\n"
               "is refused and left untouched.\n");
        return CLI_OK;
    }
    if ((status = cli_want_args("init", argc, argv, 1, 0, "")) != CLI_OK)
        return status;
    status = cli_open_db(g, PILOTDB_OPEN_CREATE, &db);
    if (status != CLI_OK)
        return status;
    printf("%s: pilotdeck database, schema version %d\n", g->db_path,
           PILOTDB_SCHEMA_VERSION);
    return cli_close_db(g, db, CLI_OK);
}

const struct cli_command cmd_init = {
    "init", "create or migrate the pilot database", run_init
};
