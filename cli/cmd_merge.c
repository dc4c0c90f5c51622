/*
 * cmd_merge.c - `pilotdeck merge`: combine the shards of a what-if study or
 * sweep (`--shard K/N` output, JSON lines) into the report the unsharded
 * run prints, byte for byte.
 */
#include "cli.h"

#include "study.h"

static const struct cli_option merge_options[] = {
    {"json", 0, CLI_ARG_NONE, NULL, "the report as JSON", STUDY_OPT_JSON},
    {"csv", 0, CLI_ARG_REQUIRED, "FILE", "every CE and metric as CSV (- for standard output)",
     STUDY_OPT_CSV},
    {"plot", 0, CLI_ARG_REQUIRED, "FILE", "sweep: plot (.svg, .png; - for SVG on standard\n"
     "output) drawn by gnuplot",
     STUDY_OPT_PLOT},
    {"plot-range", 0, CLI_ARG_REQUIRED, "LOW:HIGH", "sweep: the plot's y axis (default from 0)",
     STUDY_OPT_PLOT_RANGE},
    {"metric", 0, CLI_ARG_REQUIRED, "M", "sweep: the metric charted and plotted",
     STUDY_OPT_METRIC},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

static int take_merge_option(void *state, int id, const char *value)
{
    return study_option("merge", id, value, state) < 0 ? CLI_USAGE : CLI_OK;
}

static int run_merge(const struct cli_globals *g, struct cli_args *a)
{
    struct study_options o;
    sim_study st;
    char err[2048];
    int status = CLI_OK;

    (void)g;
    study_options_init(&o);
    if (cli_parse(a, take_merge_option, &o))
        return a->status;
    if (sim_shard_merge((const char *const *)a->args, (size_t)a->nargs, &st,
                        err, sizeof err) != SIM_OK) {
        cli_error("merge: %s", err);
        return CLI_FAILED;
    }
    if (st.kind == SIM_STUDY_WHATIF && o.out.plot_path) {
        cli_error("merge: --plot is for sweeps; these are shards of a what-if");
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
    .name = "merge",
    .summary = "combine the --shard outputs of whatif or sweep into one report",
    .usage = "pilotdeck merge FILE... [--json] [--csv FILE] [--plot FILE]\n"
             "                       [--plot-range LOW:HIGH] [--metric M]",
    .description = "Read the shards written by 'pilotdeck whatif ... --shard K/N' or\n"
                   "'pilotdeck sweep ... --shard K/N' (every K from 1 to N, in any order) and\n"
                   "print the same report as the run without --shard.  Refused, writing\n"
                   "nothing, when a shard is missing, repeated or of another study.\n",
    .options_title = "Options (as for the command that wrote the shards):",
    .help_column = 18,
    .epilog = "Example: pilotdeck merge shard-*.jsonl --plot sweep.svg\n",
    .options = merge_options,
    .args = "shard FILEs",
    .min_args = 1,
    .max_args = -1,
    .run = run_merge,
};
