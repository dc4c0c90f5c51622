/*
 * cmd_ce.c - `pilotdeck ce add|set|list|history`: Computing Elements and
 * the log of their changes.
 */
#include "cli.h"
#include "clitime.h"

#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "pilottui.h"

enum { OPT_CAPACITY = 1, OPT_RATE, OPT_DISABLED, OPT_ENABLE, OPT_DISABLE,
       OPT_AVAILABLE, OPT_JSON, OPT_SINCE, OPT_UTC, OPT_CSV };

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

#define JSON_OPTION {"json", 0, CLI_ARG_NONE, NULL, "print JSON", OPT_JSON}

static const struct cli_option list_options[] = {
    {"available", 0, CLI_ARG_NONE, NULL, "only enabled CEs with a free slot", OPT_AVAILABLE},
    JSON_OPTION,
    {"csv", 0, CLI_ARG_REQUIRED, "FILE", "write the list as CSV to FILE (- for standard output)",
     OPT_CSV},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

static const struct cli_option history_options[] = {
    {"since", 0, CLI_ARG_REQUIRED, "T", "only changes at or after T", OPT_SINCE},
    JSON_OPTION,
    {"utc", 0, CLI_ARG_NONE, NULL, "times in UTC, not the local zone", OPT_UTC},
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
    return json_pack("{s:o, s:o, s:I, s:f, s:b, s:I, s:I, s:I, s:I}",
                     "name", cli_json_string(ce->name),
                     "site", ce->site[0] ? cli_json_string(ce->site) : json_null(),
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
        if ((int)strlen(cli_safe(ces[i].name)) > width)
            width = (int)strlen(cli_safe(ces[i].name));
    printf("%-*s  %-8s %9s %7s %8s %10s %10s %8s\n", width, "NAME", "STATE",
           "CAPACITY", "ACTIVE", "RUNNING", "SUBMITTED", "AVAILABLE", "SUCCESS");
    for (size_t i = 0; i < n; i++) {
        const pilotdb_ce *ce = &ces[i];

        printf("%-*s  %-8s %9lld %7lld %8lld %10lld %10lld %8.3f\n", width,
               cli_safe(ce->name), ce->enabled ? "enabled" : "disabled",
               (long long)ce->capacity, (long long)ce->active,
               (long long)ce->count[PILOT_RUNNING],
               (long long)ce->count[PILOT_SUBMITTED],
               (long long)ce->available_slots, ce->success_rate);
    }
    return CLI_OK;
}

static int ce_list(const struct cli_globals *g, struct cli_args *a)
{
    struct cli_flags_file o = {0};
    unsigned flags;
    int status;
    pilotdb_ce *ces = NULL;
    pilotdb *db = NULL;
    size_t n = 0;

    if (cli_parse(a, cli_take_flag_file, &o))
        return a->status;
    flags = o.flags;
    if ((status = cli_give_one("ce list", !!(flags & 1u << OPT_JSON), "--json prints the list",
                               o.file != NULL, "--csv writes it to a file")) != CLI_OK)
        return status;
    if ((status = cli_open_db(g, PILOTDB_OPEN_READONLY, &db)) != CLI_OK)
        return status;
    if ((flags & 1u << OPT_JSON) || o.file) {
        json_t *array = NULL;
        if (cli_ce_list_json(db, !!(flags & 1u << OPT_AVAILABLE), &array) != PILOTDB_OK) {
            status = cli_db_error(db, "ce list");
        } else if (o.file) {
            pilotdb_ce none = {0};
            json_t *header = ce_json(&none);
            status = cli_csv_rows(o.file, g->db_path, "ce list --csv", array, header);
            json_decref(header);
            json_decref(array);
        } else {
            status = cli_print_json(array);
        }
    } else if (pilotdb_ce_list(db, !!(flags & 1u << OPT_AVAILABLE), &ces, &n) != PILOTDB_OK) {
        status = cli_db_error(db, "ce list");
    } else {
        status = ce_print_table(ces, n);
    }
    pilotdb_free(ces);
    return cli_close_db(g, db, status);
}

pilotdb_rc cli_ce_list_json(pilotdb *db, int available_only, json_t **out)
{
    pilotdb_ce *ces = NULL;
    size_t n = 0;
    pilotdb_rc rc = pilotdb_ce_list(db, available_only, &ces, &n);

    *out = NULL;
    if (rc != PILOTDB_OK)
        return rc;
    *out = json_array();
    for (size_t i = 0; *out && i < n; i++)
        if (json_array_append_new(*out, ce_json(&ces[i])) != 0) {
            json_decref(*out);
            *out = NULL;
        }
    pilotdb_free(ces);
    return PILOTDB_OK;
}

/* ---- history --------------------------------------------------------------- */

struct history_options {
    const char *since_text;
    int json, utc;
};

static int take_history_option(void *state, int id, const char *value)
{
    struct history_options *o = state;

    if (id == OPT_SINCE)
        o->since_text = value;
    else if (id == OPT_UTC)
        o->utc = 1;
    else
        o->json = 1;
    return CLI_OK;
}

/* A logged value for people: "-" for none (the CE was created, or had no
 * site), enabled as yes/no. */
static const char *value_text(pilotdb_ce_field field, const pilotdb_ce_value *v, char *buf,
                              size_t size)
{
    if (v->null)
        return "-";
    switch (field) {
    case PILOTDB_FIELD_CAPACITY:
        snprintf(buf, size, "%lld", (long long)v->i);
        return buf;
    case PILOTDB_FIELD_SUCCESS_RATE:
        snprintf(buf, size, "%g", v->d);
        return buf;
    case PILOTDB_FIELD_ENABLED:
        return v->i ? "yes" : "no";
    default:
        return v->text;
    }
}

/* A logged value as JSON: a number, a boolean or a string; null for none. */
static json_t *value_json(pilotdb_ce_field field, const pilotdb_ce_value *v)
{
    if (v->null)
        return json_null();
    switch (field) {
    case PILOTDB_FIELD_CAPACITY:
        return json_integer((json_int_t)v->i);
    case PILOTDB_FIELD_SUCCESS_RATE:
        return json_real(v->d);
    case PILOTDB_FIELD_ENABLED:
        return json_boolean(v->i);
    default:
        return cli_json_string(v->text);
    }
}

static int history_json(const pilotdb_ce_history_row *rows, size_t n, pilotdb_clock_type clock)
{
    json_t *array = json_array();

    for (size_t i = 0; array && i < n; i++) {
        const pilotdb_ce_history_row *r = &rows[i];
        json_t *row = json_object();

        if (row && (tui_json_time(row, "changed", r->at, clock) != 0 ||
                    json_object_update_new(
                        row, json_pack("{s:o, s:s, s:o, s:o, s:s, s:o}",
                                       "ce", cli_json_string(r->ce_name),
                                       "field", pilotdb_ce_field_name(r->field),
                                       "old", value_json(r->field, &r->old_value),
                                       "new", value_json(r->field, &r->new_value),
                                       "by", r->by,
                                       "user", r->user[0] ? cli_json_string(r->user)
                                                          : json_null())) != 0)) {
            json_decref(row);
            row = NULL;
        }
        if (!row || json_array_append_new(array, row) != 0) {
            json_decref(array);
            array = NULL;
        }
    }
    return cli_print_json(array);
}

/* The columns of the history table. */
enum { COL_AT, COL_CE, COL_FIELD, COL_OLD, COL_NEW, COL_BY, COL_USER, NCOLS };

/* Row i's cells (row -1: the header) into cell, with bufs for the ones
 * written out. */
static void history_cells(const pilotdb_ce_history_row *r, pilotdb_clock_type clock,
                          enum cli_time_style style, const char *cell[NCOLS],
                          char bufs[3][CLI_TIME_MAX])
{
    static const char *const header[NCOLS] = {"AT", "CE", "FIELD", "OLD", "NEW", "BY",
                                              "USER"};

    if (!r) {
        memcpy(cell, header, sizeof header);
        return;
    }
    cell[COL_AT] = cli_time_text(r->at, clock, style, bufs[0]);
    cell[COL_CE] = r->ce_name;
    cell[COL_FIELD] = pilotdb_ce_field_name(r->field);
    cell[COL_OLD] = value_text(r->field, &r->old_value, bufs[1], CLI_TIME_MAX);
    cell[COL_NEW] = value_text(r->field, &r->new_value, bufs[2], CLI_TIME_MAX);
    cell[COL_BY] = r->by;
    cell[COL_USER] = r->user[0] ? r->user : "-";
}

static int history_table(const pilotdb_ce_history_row *rows, size_t n,
                         pilotdb_clock_type clock, enum cli_time_style style)
{
    int width[NCOLS] = {0};
    char bufs[3][CLI_TIME_MAX];
    const char *cell[NCOLS];

    for (size_t i = 0; i <= n; i++) {
        history_cells(i ? &rows[i - 1] : NULL, clock, style, cell, bufs);
        for (int c = 0; c < NCOLS; c++)
            if ((int)strlen(cli_safe(cell[c])) > width[c])
                width[c] = (int)strlen(cli_safe(cell[c]));
    }
    for (size_t i = 0; i <= n; i++) {
        history_cells(i ? &rows[i - 1] : NULL, clock, style, cell, bufs);
        for (int c = 0; c < NCOLS - 1; c++)
            printf("%-*s  ", width[c], cli_safe(cell[c]));
        printf("%s\n", cli_safe(cell[NCOLS - 1]));
    }
    if (fflush(stdout) == EOF || ferror(stdout)) {
        cli_error("ce history: cannot write the output");
        return CLI_FAILED;
    }
    return CLI_OK;
}

static int ce_history(const struct cli_globals *g, struct cli_args *a)
{
    struct history_options o = {NULL, 0, 0};
    pilotdb_ce_history_row *rows = NULL;
    pilotdb_clock_type clock;
    int64_t since = INT64_MIN;
    pilotdb *db = NULL;
    size_t n = 0;
    int status;

    if (cli_parse(a, take_history_option, &o))
        return a->status;
    if ((status = cli_open_db(g, PILOTDB_OPEN_READONLY, &db)) != CLI_OK)
        return status;
    if (pilotdb_clock_kind(db, &clock) != PILOTDB_OK)
        status = cli_db_error(db, "ce history");
    else if (o.since_text && cli_parse_time("ce history: --since", o.since_text, clock,
                                            pilotdb_now(db), &since))
        status = CLI_USAGE;
    else if (pilotdb_ce_history(db, a->nargs ? a->args[0] : NULL, since, &rows, &n) !=
             PILOTDB_OK)
        status = cli_db_error(db, "ce history");
    else if (o.json)
        status = history_json(rows, n, clock);
    else
        status = history_table(rows, n, clock, o.utc ? CLI_TIME_UTC : CLI_TIME_LOCAL);
    pilotdb_free(rows);
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
    .usage = "pilotdeck [--db PATH] ce list [--available] [--json | --csv FILE]",
    .options = list_options,
    .run = ce_list,
};

static const struct cli_command ce_history_cmd = {
    .name = "history",
    .usage = "pilotdeck [--db PATH] ce history [NAME] [--since T] [--json] [--utc]",
    .options = history_options,
    .max_args = 1,
    .run = ce_history,
};

static const struct cli_command *const ce_subcommands[] = {
    &ce_add_cmd, &ce_set_cmd, &ce_list_cmd, &ce_history_cmd, NULL
};

const struct cli_command cmd_ce = {
    .name = "ce",
    .summary = "add, change and list Computing Elements, and their history",
    .description = "A CE offers CAPACITY slots (0 or more) and succeeds with SUCCESS-RATE\n"
                   "(0 to 1). 'list' shows every CE with its active, running and submitted\n"
                   "pilots and available slots; --available only the enabled ones with a\n"
                   "free slot.\n"
                   "\n"
                   "'history' lists the changes of the CEs' capacity, success rate, enabled\n"
                   "flag and site (of CE NAME, or all), newest first: when, the field, the\n"
                   "old value ('-' when the CE was created) and the new, and by what (cli,\n"
                   "top, sim, ingest) and which user. --since T keeps the changes at or\n"
                   "after T (an ISO 8601 time with a zone, a date, seconds since the epoch,\n"
                   "or a duration before now such as 2h; from the start on a simulated\n"
                   "database). Times are local ISO 8601 (--utc: UTC), virtual 'Dd HH:MM:SS'\n"
                   "on a simulated database; --json gives ISO 8601 UTC strings.\n",
    .subcommands = ce_subcommands,
};
