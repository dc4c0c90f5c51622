/*
 * cmd_merge.c - `pilotdeck merge`: combine the shards of a what-if study or
 * sweep (`--shard K/N` output, JSON lines) into the report the unsharded
 * run prints, byte for byte.
 */
#include "cli.h"

#include <getopt.h>
#include <string.h>

#include "study.h"

static void usage(FILE *out)
{
    fputs("usage: pilotdeck merge FILE... [--json] [--csv FILE] [--plot FILE] [--metric M]\n"
          "\n"
          "Read the shards written by 'pilotdeck whatif ... --shard K/N' or\n"
          "'pilotdeck sweep ... --shard K/N' (every K from 1 to N, in any order) and\n"
          "print the same report as the run without --shard.  Refused, writing\n"
          "nothing, when a shard is missing, repeated or of another study.\n"
          "\n"
          "Options (as for the command that wrote the shards):\n"
          "  --json          what-if report as JSON\n"
          "  --csv FILE      sweep: every CE and metric as CSV\n"
          "  --plot FILE     sweep: plot (.svg or .png) drawn by gnuplot\n"
          "  --metric M      sweep: the metric charted and plotted\n"
          "  -h, --help      show this help\n"
          "\n"
          "Example: pilotdeck merge shard-*.jsonl --plot sweep.svg\n", out);
}

static int run_merge(const struct cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, STUDY_OPT_JSON},
        {"csv", required_argument, NULL, STUDY_OPT_CSV},
        {"plot", required_argument, NULL, STUDY_OPT_PLOT},
        {"metric", required_argument, NULL, STUDY_OPT_METRIC},
        {"help", no_argument, NULL, STUDY_OPT_HELP},
        {NULL, 0, NULL, 0}
    };
    struct study_options o;
    sim_study st;
    char err[2048];
    int c, status = CLI_OK;

    (void)g;
    study_options_init(&o);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        int taken = study_option("merge", c, optarg, &o);
        if (taken < 0)
            return CLI_USAGE;
        if (taken)
            continue;
        if (c == 'h' || c == STUDY_OPT_HELP) {
            usage(stdout);
            return CLI_OK;
        }
        return cli_option_error("merge", c, argv);
    }
    if (optind >= argc) {
        cli_error("merge: missing shard FILEs (see 'pilotdeck merge --help')");
        return CLI_USAGE;
    }
    if (sim_shard_merge((const char *const *)argv + optind, (size_t)(argc - optind), &st,
                        err, sizeof err) != SIM_OK) {
        cli_error("merge: %s", err);
        return CLI_FAILED;
    }
    if (st.kind == SIM_STUDY_WHATIF &&
        (o.out.csv_path || o.out.plot_path)) {
        cli_error("merge: --csv and --plot are for sweeps; these are shards of a what-if");
        status = CLI_USAGE;
    }
    if (status == CLI_OK && st.kind == SIM_STUDY_SWEEP && o.out.json) {
        cli_error("merge: --json is for what-if studies; these are shards of a sweep");
        status = CLI_USAGE;
    }
    if (status == CLI_OK)
        status = study_check_output(&o.out);
    if (status == CLI_OK)
        status = study_report(&st, &o.out);
    sim_study_free(&st);
    return status;
}

const struct cli_command cmd_merge = {
    "merge",
    "combine the --shard outputs of whatif or sweep into one report",
    run_merge,
};
