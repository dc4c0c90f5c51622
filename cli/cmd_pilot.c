/*
 * cmd_pilot.c - `pilotdeck pilot submit|set|list`: pilots and their status.
 */
#include "cli.h"

#include <stdint.h>
#include <string.h>

#include <jansson.h>

enum { OPT_STATUS = 1, OPT_CE, OPT_JSON };

static const struct cli_option list_options[] = {
    {"status", 0, CLI_ARG_REQUIRED, "S", "only pilots in status S", OPT_STATUS},
    {"ce", 0, CLI_ARG_REQUIRED, "NAME", "only pilots of the CE NAME", OPT_CE},
    {"json", 0, CLI_ARG_NONE, NULL, "print JSON", OPT_JSON},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

static int pilot_submit(const struct cli_globals *g, struct cli_args *a)
{
    int64_t id = 0;
    pilotdb *db = NULL;
    int status;

    if (cli_parse(a, NULL, NULL))
        return a->status;
    if ((status = cli_open_db(g, 0, &db)) != CLI_OK)
        return status;
    if (pilotdb_pilot_submit(db, a->args[0], &id) != PILOTDB_OK)
        status = cli_db_error(db, "pilot submit");
    else
        printf("%lld\n", (long long)id);
    return cli_close_db(g, db, status);
}

static int pilot_set(const struct cli_globals *g, struct cli_args *a)
{
    pilot_status to;
    pilotdb *db = NULL;
    int64_t id;
    int status;

    if (cli_parse(a, NULL, NULL))
        return a->status;
    if (cli_parse_int("pilot set: id", a->args[0], 1, INT64_MAX, &id))
        return CLI_USAGE;
    if (pilot_status_parse(a->args[1], &to) != PILOTDB_OK) {
        cli_error("pilot set: '%s' is not a status (submitted, running, done,"
                  " failed)", a->args[1]);
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

struct list_options {
    pilotdb_pilot_filter filter;
    int json;
};

static int take_list_option(void *state, int id, const char *value)
{
    struct list_options *o = state;
    pilot_status s;

    if (id == OPT_STATUS) {
        if (pilot_status_parse(value, &s) != PILOTDB_OK) {
            cli_error("pilot list: --status '%s' is not a status (submitted,"
                      " running, done, failed)", value);
            return CLI_USAGE;
        }
        o->filter.status = (int)s;
    } else if (id == OPT_CE) {
        o->filter.ce_name = value;
    } else {
        o->json = 1;
    }
    return CLI_OK;
}

static int pilot_list(const struct cli_globals *g, struct cli_args *a)
{
    struct list_options o = {{-1, NULL}, 0};
    struct list_out out = {NULL, 0, 0};
    pilotdb *db = NULL;
    int status;

    if (cli_parse(a, take_list_option, &o))
        return a->status;
    if ((status = cli_open_db(g, PILOTDB_OPEN_READONLY, &db)) != CLI_OK)
        return status;
    if (o.json)
        out.array = json_array();
    if (o.json && !out.array) {
        cli_error("pilot list: out of memory");
        status = CLI_FAILED;
    } else if (pilotdb_pilots_foreach(db, &o.filter, print_pilot, &out) != PILOTDB_OK) {
        status = cli_db_error(db, "pilot list");
        json_decref(out.array);
    } else if (out.failed) {
        cli_error("pilot list: cannot write the list");
        json_decref(out.array);
        status = CLI_FAILED;
    } else if (o.json) {
        status = cli_print_json(out.array);
    } else {
        print_header(&out);
    }
    return cli_close_db(g, db, status);
}

static const struct cli_command pilot_submit_cmd = {
    .name = "submit",
    .usage = "pilotdeck [--db PATH] pilot submit CE",
    .args = "CE name",
    .min_args = 1,
    .max_args = 1,
    .in_order = 1,
    .run = pilot_submit,
};

static const struct cli_command pilot_set_cmd = {
    .name = "set",
    .usage = "pilotdeck [--db PATH] pilot set ID STATUS",
    .args = "pilot id and status",
    .min_args = 2,
    .max_args = 2,
    .in_order = 1,
    .run = pilot_set,
};

static const struct cli_command pilot_list_cmd = {
    .name = "list",
    .usage = "pilotdeck [--db PATH] pilot list [--status S] [--ce NAME] [--json]",
    .options = list_options,
    .run = pilot_list,
};

static const struct cli_command *const pilot_subcommands[] = {
    &pilot_submit_cmd, &pilot_set_cmd, &pilot_list_cmd, NULL
};

const struct cli_command cmd_pilot = {
    .name = "pilot",
    .summary = "submit pilots, change and list their status",
    .description = "'submit' prints the new pilot's id; it is refused when the CE is\n"
                   "unknown, disabled or full. STATUS is submitted, running, done or\n"
                   "failed; allowed changes: submitted->running, submitted->failed,\n"
                   "running->done, running->failed. Times are milliseconds since the Unix\n"
                   "epoch (since the start, for simulated databases).\n",
    .subcommands = pilot_subcommands,
};
