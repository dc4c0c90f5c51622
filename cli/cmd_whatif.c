/*
 * cmd_whatif.c - `pilotdeck whatif`: a baseline scenario against a variant
 * (another file, or the baseline with --set changes), over N seeded
 * replications with common random numbers, with confidence intervals and
 * paired differences.
 *
 * Everything given is checked (scenarios, changes, options, output files)
 * before anything is simulated.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "pilotsim.h"
#include "study.h"

enum { OPT_SET = 1 };

static void usage(FILE *out)
{
    fputs("usage: pilotdeck whatif BASE.ini (VARIANT.ini | --set KEY=VALUE ...)\n"
          "                        [--replications N] [--seed S] [--jobs J] [--json]\n"
          "                        [--shard K/N]\n"
          "\n"
          "Run N seeded replications of the baseline scenario and of a variant, with\n"
          "common random numbers (replication i of both uses seed S + i, and each CE\n"
          "its own stream), the warm-up discarded, and report for each metric\n"
          "(throughput, done, failed, utilization, refused, peak active; per CE and in\n"
          "total) the baseline's and the variant's means with 95% confidence\n"
          "intervals (Student's t), their paired difference and whether it is\n"
          "significant.  A CE that only one of them has counts as 0 in the other.\n"
          "\n"
          "Options:\n"
          "  --set KEY=VALUE     change the baseline (repeatable): ce.NAME.KEY with KEY\n"
          "                      capacity, success_rate, enabled, max_waiting,\n"
          "                      arrival_rate, queue_time, run_time (NAME * for every\n"
          "                      CE), or scenario.KEY (max_per_cycle, cycle, warmup,\n"
          "                      duration, arrival_rate, ...); VALUE absolute (200, 0.8,\n"
          "                      2h) or relative (+10, -0.05, +30m, +50%, -20%)\n"
          "  --replications N    replications of each (default 10, at least 2)\n"
          "  --seed S            first seed (default: the baseline scenario's)\n"
          "  --jobs J            threads (default: the CPUs online); results do not\n"
          "                      depend on it\n"
          "  --json              print the report as JSON (every CE and metric)\n"
          "  --shard K/N         run only replications t with t % N = K - 1 and write\n"
          "                      them as JSON lines, for 'pilotdeck merge'\n"
          "  -h, --help          show this help\n"
          "\n"
          "Example: pilotdeck whatif scenarios/capacity_whatif.ini \\\n"
          "             --set ce.big.example.org.capacity=+50% --replications 20\n", out);
}

static int run_whatif(const struct cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"set", required_argument, NULL, OPT_SET},
        {"replications", required_argument, NULL, STUDY_OPT_REPLICATIONS},
        {"seed", required_argument, NULL, STUDY_OPT_SEED},
        {"jobs", required_argument, NULL, STUDY_OPT_JOBS},
        {"json", no_argument, NULL, STUDY_OPT_JSON},
        {"shard", required_argument, NULL, STUDY_OPT_SHARD},
        {"help", no_argument, NULL, STUDY_OPT_HELP},
        {NULL, 0, NULL, 0}
    };
    struct study_options o;
    sim_study st;
    sim_scenario *scns[2] = {NULL, NULL};
    char **sets = cli_xcalloc((size_t)argc, sizeof *sets), *variant = NULL;
    size_t nsets = 0, i, len = 0;
    int c, status = CLI_USAGE;
    char err[1024];
    sim_rc rc;

    (void)g;
    sim_study_init(&st, SIM_STUDY_WHATIF);
    study_options_init(&o);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        int taken = study_option("whatif", c, optarg, &o);
        if (taken < 0)
            goto out;
        if (taken)
            continue;
        if (c == OPT_SET) {
            sets[nsets++] = optarg;
        } else if (c == 'h' || c == STUDY_OPT_HELP) {
            usage(stdout);
            status = CLI_OK;
            goto out;
        } else {
            status = cli_option_error("whatif", c, argv);
            goto out;
        }
    }
    if (argc - optind < 1) {
        cli_error("whatif: missing BASE.ini (see 'pilotdeck whatif --help')");
        goto out;
    }
    if (argc - optind > 2) {
        cli_error("whatif: unexpected argument '%s'", argv[optind + 2]);
        goto out;
    }
    if ((argc - optind == 2) == (nsets > 0)) {
        cli_error("whatif: give a variant: either VARIANT.ini or --set KEY=VALUE, not %s",
                  nsets ? "both" : "neither");
        goto out;
    }

    for (i = (size_t)optind; i < (size_t)argc; i++)
        if ((status = study_check_path("whatif", argv[i])) != CLI_OK)
            goto out;
    status = CLI_USAGE;
    for (i = 0; i < 2; i++) {
        const char *path = i == 1 && nsets == 0 ? argv[optind + 1] : argv[optind];
        rc = sim_scenario_load(path, &scns[i], err, sizeof err);
        if (rc != SIM_OK) {
            cli_error("%s", err);
            status = CLI_FAILED;
            goto out;
        }
    }
    for (i = 0; i < nsets; i++) {
        rc = sim_scenario_set(scns[1], sets[i], err, sizeof err);
        if (rc != SIM_OK) {
            cli_error("whatif: --set %s", rc == SIM_ENOMEM ? "out of memory" : err);
            if (rc == SIM_ENOMEM)
                status = CLI_FAILED;
            goto out;
        }
        len += strlen(sets[i]) + 7;
    }
    variant = cli_xcalloc(len + 1, 1);
    for (i = 0; i < nsets; i++) {
        strcat(variant, i ? " --set " : "--set ");
        strcat(variant, sets[i]);
    }
    rc = sim_study_whatif(&st, argv[optind], nsets ? variant : argv[optind + 1], scns[0],
                          scns[1], err, sizeof err);
    scns[0] = scns[1] = NULL; /* the study's now */
    if (rc != SIM_OK) {
        cli_error("%s", err);
        status = CLI_FAILED;
        goto out;
    }
    free(sets);
    free(variant);
    return study_finish("whatif", &st, &o);
out:
    free(sets);
    free(variant);
    sim_scenario_free(scns[0]);
    sim_scenario_free(scns[1]);
    sim_study_free(&st);
    return status;
}

const struct cli_command cmd_whatif = {
    "whatif",
    "compare a scenario with a variant over seeded replications (confidence intervals)",
    run_whatif,
};
