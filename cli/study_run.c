/*
 * study_run.c - the options of `pilotdeck whatif`, `sweep` and `merge`, and
 * the end whatif and sweep share (see study.h): the study runs with a
 * progress line on a terminal, then its shard or report is written.
 */
#include "study.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "fit.h"

int study_check_path(const char *cmd, const char *path)
{
    json_t *s = json_string(path);
    const unsigned char *p;

    if (s) {
        json_decref(s);
        return CLI_OK;
    }
    fprintf(stderr, "pilotdeck: %s: the file name '", cmd);
    for (p = (const unsigned char *)path; *p; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '\\')
            fprintf(stderr, "\\x%02x", *p);
        else
            fputc(*p, stderr);
    }
    fputs("' is not UTF-8 (reports and shards are UTF-8 text): rename or link it\n",
          stderr);
    return CLI_USAGE;
}

static unsigned study_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

static int study_parse_shard(const char *text, size_t *k, size_t *n)
{
    if (sim_shard_parse(text, k, n) == SIM_OK)
        return 0;
    cli_error("--shard '%s' is not K/N with 1 <= K <= N <= 100000 (e.g. --shard 2/8)",
              text ? text : "");
    return -1;
}

void study_options_init(struct study_options *o)
{
    memset(o, 0, sizeof *o);
    o->nrep = 10;
    o->seed = -1;
    o->jobs = study_default_jobs();
    o->shard_k = o->shard_n = 1;
    o->out.metric = SIM_METRIC_THROUGHPUT;
}

int study_option(const char *cmd, int c, const char *arg, struct study_options *o)
{
    char what[64];

    switch (c) {
    case STUDY_OPT_REPLICATIONS:
        snprintf(what, sizeof what, "%s: --replications", cmd);
        if (cli_parse_int(what, arg, 1, 1000000, &o->nrep) != 0)
            return -1;
        if (o->nrep < 2) {
            cli_error("%s 1: confidence intervals need at least 2 replications", what);
            return -1;
        }
        return 1;
    case STUDY_OPT_SEED:
        snprintf(what, sizeof what, "%s: --seed", cmd);
        return cli_parse_int(what, arg, 0, SIM_SEED_MAX, &o->seed) == 0 ? 1 : -1;
    case STUDY_OPT_JOBS:
        snprintf(what, sizeof what, "%s: --jobs", cmd);
        return cli_parse_int(what, arg, 1, 256, &o->jobs) == 0 ? 1 : -1;
    case STUDY_OPT_SHARD:
        o->sharded = 1;
        return study_parse_shard(arg, &o->shard_k, &o->shard_n) == 0 ? 1 : -1;
    case STUDY_OPT_JSON:
        o->out.json = 1;
        return 1;
    case STUDY_OPT_CSV:
        o->out.csv_path = arg;
        return 1;
    case STUDY_OPT_PLOT:
        o->out.plot_path = arg;
        return 1;
    case STUDY_OPT_PLOT_RANGE: {
        const char *colon = strchr(arg, ':');
        char low[64];
        snprintf(what, sizeof what, "%s: --plot-range", cmd);
        if (!colon || (size_t)(colon - arg) >= sizeof low) {
            cli_error("%s '%s' is not LOW:HIGH (e.g. 0:500)", what, cli_safe(arg));
            return -1;
        }
        memcpy(low, arg, (size_t)(colon - arg));
        low[colon - arg] = '\0';
        if (cli_parse_double(what, low, -1e300, 1e300, &o->out.plot_low) != 0 ||
            cli_parse_double(what, colon + 1, -1e300, 1e300, &o->out.plot_high) != 0)
            return -1;
        if (!(o->out.plot_low < o->out.plot_high)) {
            cli_error("%s %s: LOW must be below HIGH", what, cli_safe(arg));
            return -1;
        }
        o->out.plot_range = 1;
        return 1;
    }
    case STUDY_OPT_FROM_DB:
        o->from_db.on = 1;
        return 1;
    case STUDY_OPT_WINDOW:
        o->from_db.window = arg;
        return 1;
    case STUDY_OPT_HORIZON:
        o->from_db.horizon = arg;
        return 1;
    case STUDY_OPT_STORE:
        if (strcmp(arg, "memory") == 0 || strcmp(arg, "sqlite") == 0) {
            o->store = arg[0] == 'm' ? SIM_STORE_MEMORY : SIM_STORE_SQLITE;
            return 1;
        }
        cli_error("%s: --store '%s' is unknown (memory or sqlite)", cmd, cli_safe(arg));
        return -1;
    case STUDY_OPT_METRIC:
        o->out.metric = sim_metric_find(arg);
        if (o->out.metric < 0) {
            cli_error("%s: --metric '%s' is unknown (throughput_per_hour, done, failed, "
                      "utilization, refused or peak_active)", cmd, arg);
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}

/* A duration of --from-db, at least a second: 0, or -1 after a message. */
static int from_db_duration(const char *cmd, const char *what, const char *text, int64_t *ms)
{
    if (sim_parse_duration(text, ms) != 0 || *ms < 1000) {
        cli_error("%s: %s '%s' is not a duration of a second or more (such as 12h)", cmd,
                  what, text);
        return -1;
    }
    return 0;
}

int study_check_from_db(const char *cmd, struct study_options *o)
{
    struct study_from_db *f = &o->from_db;

    if (!f->on && (f->window || f->horizon)) {
        cli_error("%s: --window and --horizon go with --from-db", cmd);
        return CLI_USAGE;
    }
    if (!f->window)
        f->window = STUDY_FROM_DB_WINDOW;
    if (!f->horizon)
        f->horizon = STUDY_FROM_DB_HORIZON;
    if (from_db_duration(cmd, "--window", f->window, &f->window_ms) ||
        from_db_duration(cmd, "--horizon", f->horizon, &f->horizon_ms))
        return CLI_USAGE;
    return CLI_OK;
}

int study_fit_db(const char *cmd, const struct cli_globals *g, const struct study_options *o,
                 sim_fit **fit, char **label)
{
    sim_fit_options opt = {INT64_MIN, INT64_MAX, NULL, 0, 30, 0, NULL, 0, 0};
    pilotdb_clock_type kind;
    pilotdb *db = NULL;
    char err[1024];
    size_t carried, unknown;
    int status;

    *fit = NULL;
    *label = NULL;
    opt.window = o->from_db.window_ms;
    opt.at_now = 1;
    opt.name = "from the database";
    if ((status = study_check_path(cmd, g->db_path)) != CLI_OK ||
        (status = cli_open_db(g, PILOTDB_OPEN_READONLY, &db)) != CLI_OK)
        return status;
    if (pilotdb_clock_kind(db, &kind) != PILOTDB_OK) {
        status = cli_db_error(db, cmd);
        return cli_close_db(g, db, status);
    }
    if (sim_fit_run(db, &opt, fit, err, sizeof err) != SIM_OK) {
        cli_error("%s: --from-db: %s", cmd, err);
        return cli_close_db(g, db, CLI_FAILED);
    }
    carried = sim_fit_active(*fit, &unknown);
    *label = cli_xmalloc(strlen(g->db_path) + 200);
    sprintf(*label, "%s (its last %s fitted, %zu active pilots carried over; %s ahead)",
            g->db_path, o->from_db.window, carried, o->from_db.horizon);
    if (unknown)
        fprintf(stderr, "pilotdeck: %s: %zu of the active pilots have no known submission "
                "or start: carried over as new\n", cmd, unknown);
    return cli_close_db(g, db, CLI_OK);
}

int study_fit_scenario(const char *cmd, const sim_fit *fit, const struct study_options *o,
                       sim_scenario **out)
{
    char err[1024], set[80];

    snprintf(set, sizeof set, "scenario.duration=%s", o->from_db.horizon);
    if (sim_fit_scenario_new(fit, 1, out, err, sizeof err) != SIM_OK ||
        sim_scenario_set(*out, set, err, sizeof err) != SIM_OK) {
        sim_scenario_free(*out);
        *out = NULL;
        cli_error("%s: --from-db: %s", cmd, err);
        return CLI_FAILED;
    }
    return CLI_OK;
}

/* The options that only make sense together, and the seeds of the
 * replications; CLI_OK or CLI_USAGE after a message. */
static int check_options(const char *cmd, sim_study *st, const struct study_options *o)
{
    uint64_t first_seed = o->seed >= 0 ? (uint64_t)o->seed : sim_scenario_seed(st->scns[0]);
    char err[256];

    if (o->sharded && (o->out.json || o->out.csv_path || o->out.plot_path)) {
        cli_error("%s: --shard writes JSON lines for 'pilotdeck merge'; give --json, "
                  "--csv and --plot to merge instead", cmd);
        return CLI_USAGE;
    }
    if (sim_study_set_replications(st, (size_t)o->nrep, first_seed, err, sizeof err) !=
        SIM_OK) {
        cli_error("%s: %s", cmd, err);
        return CLI_USAGE;
    }
    return CLI_OK;
}

struct progress {
    struct timespec start;
    int shown;
};

static void show_progress(void *arg, size_t finished, size_t total)
{
    struct progress *pg = arg;
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - pg->start.tv_sec < 1 && finished < total)
        return;
    pg->shown = 1;
    fprintf(stderr, "\rreplications: %zu of %zu", finished, total);
    fflush(stderr);
}

int study_finish(const char *cmd, sim_study *st, const struct study_options *o)
{
    struct progress pg = {0};
    char err[2048];
    int status = check_options(cmd, st, o);
    sim_rc rc;

    if (status == CLI_OK && !o->sharded)
        status = study_check_output(&o->out);
    if (status == CLI_OK) {
        clock_gettime(CLOCK_MONOTONIC, &pg.start);
        st->store = o->store;
        rc = sim_study_run(st, o->shard_k, o->shard_n, (unsigned)o->jobs,
                           isatty(STDERR_FILENO) ? show_progress : NULL, &pg, err,
                           sizeof err);
        if (pg.shown)
            fputs("\r\033[K", stderr);
        if (rc == SIM_OK && o->sharded)
            rc = sim_shard_write(st, o->shard_k, o->shard_n, stdout, err, sizeof err);
        if (rc != SIM_OK) {
            cli_error("%s", err);
            status = CLI_FAILED;
        } else if (!o->sharded) {
            status = study_report(st, &o->out);
        }
    }
    sim_study_free(st);
    return status;
}
