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

#include <stdlib.h>
#include <string.h>

#include "fit.h"
#include "pilotsim.h"
#include "study.h"

enum { OPT_SET = 1 };

static const struct cli_option whatif_options[] = {
    {"set", 0, CLI_ARG_REQUIRED, "KEY=VALUE", "change the baseline (repeatable)", OPT_SET},
    STUDY_FROM_DB_OPTIONS,
    {"replications", 0, CLI_ARG_REQUIRED, "N", "replications of each (default 10, at least 2)",
     STUDY_OPT_REPLICATIONS},
    {"seed", 0, CLI_ARG_REQUIRED, "S", "first seed (default: the baseline scenario's)",
     STUDY_OPT_SEED},
    {"jobs", 0, CLI_ARG_REQUIRED, "J", "threads (default: the CPUs online); results do not\n"
     "depend on it", STUDY_OPT_JOBS},
    {"json", 0, CLI_ARG_NONE, NULL, "print the report as JSON (every CE and metric)",
     STUDY_OPT_JSON},
    {"csv", 0, CLI_ARG_REQUIRED, "FILE", "every CE and metric as CSV (- for standard output)",
     STUDY_OPT_CSV},
    {"shard", 0, CLI_ARG_REQUIRED, "K/N", "run only replications t with t % N = K - 1 and write\n"
     "them as JSON lines, for 'pilotdeck merge'", STUDY_OPT_SHARD},
    STUDY_STORE_OPTION,
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

struct whatif_options {
    struct study_options *study;
    const char **sets;  /* the --set texts, in order */
    size_t nsets;
};

static int take_whatif_option(void *state, int id, const char *value)
{
    struct whatif_options *wo = state;
    int taken = study_option("whatif", id, value, wo->study);

    if (taken < 0)
        return CLI_USAGE;
    if (!taken)
        wo->sets[wo->nsets++] = value;
    return CLI_OK;
}

/* --set's help lists the keys it takes, from the scenario key table. */
static int whatif_option_help(const struct cli_option *o, int column, FILE *out)
{
    if (o->id != OPT_SET)
        return 0;
    sim_scenario_keys_help(out, "change the baseline (repeatable): ",
                           "; VALUE absolute (200, 0.8, 2h) or relative (+10, -0.05, "
                           "+30m, +50%, -20%)", column, 79);
    return 1;
}

static int run_whatif(const struct cli_globals *g, struct cli_args *a)
{
    struct study_options o;
    sim_study st;
    sim_scenario *scns[2] = {NULL, NULL};
    const char **sets = cli_xcalloc((size_t)a->argc, sizeof *sets);
    struct whatif_options wo = {&o, sets, 0};
    sim_fit *fit = NULL;
    char *variant = NULL, *base_label = NULL;
    size_t nsets, i, len = 0;
    int status = CLI_USAGE;
    char err[1024];
    sim_rc rc;

    sim_study_init(&st, SIM_STUDY_WHATIF);
    study_options_init(&o);
    if (cli_parse(a, take_whatif_option, &wo)) {
        status = a->status;
        goto out;
    }
    nsets = wo.nsets;
    if ((status = study_check_from_db("whatif", &o)) != CLI_OK)
        goto out;
    status = CLI_USAGE;
    if (o.from_db.on) {
        if (a->nargs > 0 || nsets == 0) {
            cli_error("whatif: --from-db fits the baseline from the database; give the "
                      "variant as --set KEY=VALUE%s", a->nargs ? ", and no scenario file" : "");
            goto out;
        }
        o.out.keep = g->db_path;
        if ((status = study_fit_db("whatif", g, &o, &fit, &base_label)) != CLI_OK)
            goto out;
        for (i = 0; i < 2; i++)
            if ((status = study_fit_scenario("whatif", fit, &o, &scns[i])) != CLI_OK)
                goto out;
        status = CLI_USAGE;
    } else if (a->nargs == 0) {
        cli_error("whatif: missing BASE.ini (or --from-db)");
        goto out;
    } else if ((a->nargs == 2) == (nsets > 0)) {
        cli_error("whatif: give a variant: either VARIANT.ini or --set KEY=VALUE, not %s",
                  nsets ? "both" : "neither");
        goto out;
    }

    for (i = 0; i < (size_t)a->nargs; i++)
        if ((status = study_check_path("whatif", a->args[i])) != CLI_OK)
            goto out;
    status = CLI_USAGE;
    for (i = 0; i < 2 && !o.from_db.on; i++) {
        const char *path = i == 1 && nsets == 0 ? a->args[1] : a->args[0];
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
    rc = sim_study_whatif(&st, o.from_db.on ? base_label : a->args[0],
                          nsets ? variant : a->args[1], scns[0], scns[1], err, sizeof err);
    scns[0] = scns[1] = NULL; /* the study's now */
    if (rc != SIM_OK) {
        cli_error("%s", err);
        status = CLI_FAILED;
        goto out;
    }
    free(sets);
    free(variant);
    free(base_label);
    sim_fit_free(fit);
    return study_finish("whatif", &st, &o);
out:
    free(sets);
    free(variant);
    free(base_label);
    sim_fit_free(fit);
    sim_scenario_free(scns[0]);
    sim_scenario_free(scns[1]);
    sim_study_free(&st);
    return status;
}

const struct cli_command cmd_whatif = {
    .name = "whatif",
    .summary = "compare a scenario with a variant over seeded replications (confidence intervals)",
    .usage = "pilotdeck whatif BASE.ini (VARIANT.ini | --set KEY=VALUE ...)\n"
             "                        [--replications N] [--seed S] [--jobs J]\n"
             "                        [--json] [--csv FILE] [--shard K/N] [--store memory|sqlite]\n"
             "       pilotdeck [--db PATH] whatif --from-db [--window D] [--horizon D]\n"
             "                        --set KEY=VALUE ... [--replications N] ...",
    .description =
        "Run N seeded replications of the baseline scenario and of a variant, with\n"
        "common random numbers (replication i of both uses seed S + i, and each CE\n"
        "its own stream), the warm-up discarded, and report for each metric\n"
        "(throughput, done, failed, utilization, refused, peak active; per CE and in\n"
        "total) the baseline's and the variant's means with 95% confidence\n"
        "intervals (Student's t), their paired difference and whether it is\n"
        "significant.  A CE that only one of them has counts as 0 in the other.\n"
        "Replications keep only each CE's counts, in memory; --store sqlite writes\n"
        "each into a database of its own as 'sim' does, to check: same results.\n"
        "\n"
        "With --from-db the baseline is the database as it is now: its last --window\n"
        "of history fitted as 'pilotdeck fit' does, every pilot active now carried\n"
        "over with its age (the rest of its wait or run drawn from the fitted\n"
        "distribution given the time it has spent), for --horizon.  The database is\n"
        "only read; the replications run in memory.\n",
    .option_help = whatif_option_help,
    .options_title = "Options:",
    .help_column = 22,
    .epilog = "Example: pilotdeck whatif scenarios/capacity_whatif.ini \\\n"
              "             --set ce.big.example.org.capacity=+50% --replications 20\n",
    .options = whatif_options,
    .args = "BASE.ini",
    .min_args = 0,
    .max_args = 2,
    .run = run_whatif,
};
