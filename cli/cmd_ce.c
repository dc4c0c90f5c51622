/*
 * cmd_ce.c - `pilotdeck ce add|set|list`: Computing Elements.
 */
#include "cli.h"

#include <stdint.h>
#include <string.h>

#include <jansson.h>

enum { OPT_CAPACITY = 1, OPT_RATE, OPT_DISABLED, OPT_ENABLE, OPT_DISABLE,
       OPT_AVAILABLE, OPT_JSON };

#define CAPACITY_OPTION \
    {"capacity", 0, CLI_ARG_REQUIRED, "N", "the CE's slots (0 or more)", OPT_CAPACITY}
#define RATE_OPTION \
    {"success-rate", 0, CLI_ARG_REQUIRED, "R", "the share of pilots that succeed (0 to 1)", \
     OPT_RATE}

static const struct cli_option add_options[] = {
    CAPACITY_OPTION,
    RATE_OPTION,
    {"disabled", 0, CLI_ARG_NONE, NULL, "add it disabled", OPT_DISABLED},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

static const struct cli_option set_options[] = {
    CAPACITY_OPTION,
    RATE_OPTION,
    {"enable", 0, CLI_ARG_NONE, NULL, "let it take pilots", OPT_ENABLE},
    {"disable", 0, CLI_ARG_NONE, NULL, "take no more pilots", OPT_DISABLE},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

static const struct cli_option list_options[] = {
    {"available", 0, CLI_ARG_NONE, NULL, "only enabled CEs with a free slot", OPT_AVAILABLE},
    {"json", 0, CLI_ARG_NONE, NULL, "print JSON", OPT_JSON},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

/* The options of add and set, into a pilotdb_ce_change. */
static int take_ce_option(void *state, int id, const char *value)
{
    pilotdb_ce_change *chg = state;

    switch (id) {
    case OPT_CAPACITY:
        if (cli_parse_int("--capacity", value, 0, INT64_MAX, &chg->capacity))
            return CLI_USAGE;
        chg->set |= PILOTDB_SET_CAPACITY;
        break;
    case OPT_RATE:
        if (cli_parse_double("--success-rate", value, 0.0, 1.0, &chg->success_rate))
            return CLI_USAGE;
        chg->set |= PILOTDB_SET_SUCCESS_RATE;
        break;
    default: /* --disabled, --enable, --disable */
        if (chg->set & PILOTDB_SET_ENABLED && chg->enabled != (id == OPT_ENABLE)) {
            cli_error("ce set: --enable and --disable together");
            return CLI_USAGE;
        }
        chg->set |= PILOTDB_SET_ENABLED;
        chg->enabled = id == OPT_ENABLE;
        break;
    }
    return CLI_OK;
}

static int ce_add(const struct cli_globals *g, struct cli_args *a)
{
    pilotdb_ce_change chg;
    pilotdb *db = NULL;
    int status;

    memset(&chg, 0, sizeof chg);
    if (cli_parse(a, take_ce_option, &chg))
        return a->status;
    if (!(chg.set & PILOTDB_SET_CAPACITY) || !(chg.set & PILOTDB_SET_SUCCESS_RATE)) {
        cli_error("ce add: --capacity and --success-rate are required");
        return CLI_USAGE;
    }
    if ((status = cli_open_db(g, 0, &db)) != CLI_OK)
        return status;
    if (pilotdb_ce_add(db, a->args[0], chg.capacity, chg.success_rate,
                       !(chg.set & PILOTDB_SET_ENABLED), NULL) != PILOTDB_OK)
        status = cli_db_error(db, "ce add");
    return cli_close_db(g, db, status);
}

static int ce_set(const struct cli_globals *g, struct cli_args *a)
{
    pilotdb_ce_change chg;
    pilotdb *db = NULL;
    int status;

    memset(&chg, 0, sizeof chg);
    if (cli_parse(a, take_ce_option, &chg))
        return a->status;
    if (!chg.set) {
        cli_error("ce set: nothing to change (give --capacity, --success-rate,"
                  " --enable or --disable)");
        return CLI_USAGE;
    }
    if ((status = cli_open_db(g, 0, &db)) != CLI_OK)
        return status;
    if (pilotdb_ce_update(db, a->args[0], &chg) != PILOTDB_OK)
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

static int ce_list(const struct cli_globals *g, struct cli_args *a)
{
    unsigned flags = 0;
    int status;
    pilotdb_ce *ces = NULL;
    pilotdb *db = NULL;
    size_t n = 0;

    if (cli_parse(a, cli_take_flag, &flags))
        return a->status;
    if ((status = cli_open_db(g, PILOTDB_OPEN_READONLY, &db)) != CLI_OK)
        return status;
    if (pilotdb_ce_list(db, !!(flags & 1u << OPT_AVAILABLE), &ces, &n) != PILOTDB_OK) {
        status = cli_db_error(db, "ce list");
    } else if (flags & 1u << OPT_JSON) {
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

static const struct cli_command ce_add_cmd = {
    .name = "add",
    .usage = "pilotdeck [--db PATH] ce add NAME --capacity N --success-rate R [--disabled]",
    .options = add_options,
    .args = "CE name",
    .min_args = 1,
    .max_args = 1,
    .run = ce_add,
};

static const struct cli_command ce_set_cmd = {
    .name = "set",
    .usage = "pilotdeck [--db PATH] ce set NAME [--capacity N] [--success-rate R]"
             " [--enable | --disable]",
    .options = set_options,
    .args = "CE name",
    .min_args = 1,
    .max_args = 1,
    .run = ce_set,
};

static const struct cli_command ce_list_cmd = {
    .name = "list",
    .usage = "pilotdeck [--db PATH] ce list [--available] [--json]",
    .options = list_options,
    .run = ce_list,
};

static const struct cli_command *const ce_subcommands[] = {
    &ce_add_cmd, &ce_set_cmd, &ce_list_cmd, NULL
};

const struct cli_command cmd_ce = {
    .name = "ce",
    .summary = "add, change and list Computing Elements",
    .description = "A CE offers CAPACITY slots (0 or more) and succeeds with SUCCESS-RATE\n"
                   "(0 to 1). 'list' shows every CE with its active, running and submitted\n"
                   "pilots and available slots; --available only the enabled ones with a\n"
                   "free slot.\n",
    .subcommands = ce_subcommands,
};
