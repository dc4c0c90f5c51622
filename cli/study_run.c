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
        if (cli_parse_int(what, arg, 2, 1000000, &o->nrep) != 0) {
            fprintf(stderr, "pilotdeck: %s: confidence intervals need at least 2 "
                    "replications\n", cmd);
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
