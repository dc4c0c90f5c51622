/*
 * main.c - the pilotdeck executable: global options, the command table and
 * the `help` command.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

extern const struct cli_command cmd_init, cmd_ce, cmd_pilot, cmd_summary,
    cmd_sim, cmd_top, cmd_demo, cmd_whatif, cmd_sweep, cmd_merge, cmd_test,
    cmd_ingest;
extern const struct cli_command cmd_export, cmd_fit;
extern const struct cli_command cmd_metrics, cmd_check;
static const struct cli_command cmd_help;

static const struct cli_command *const commands[] = {
    &cmd_init,
    &cmd_ce,
    &cmd_pilot,
    &cmd_summary,
    &cmd_ingest,
    &cmd_export,
    &cmd_fit,
    &cmd_sim,
    &cmd_top,
    &cmd_metrics,
    &cmd_check,
    &cmd_demo,
    &cmd_whatif,
    &cmd_sweep,
    &cmd_merge,
    &cmd_test,
    &cmd_help,
    NULL
};

static void usage(FILE *out)
{
    fputs("usage: pilotdeck [--db PATH] COMMAND [ARGS...]\n"
          "       pilotdeck --help | --version\n"
          "\n"
          "Terminal dashboard and simulator for grid pilot capacity.\n"
          "\n"
          "Options:\n"
          "  --db PATH    the pilot database (default: $PILOTDECK_DB, else\n"
          "               ./pilotdeck.db)\n"
          "  -h, --help   show this help; 'pilotdeck COMMAND --help' for a command\n"
          "  --version    print the version\n"
          "\n"
          "Commands:\n", out);
    for (const struct cli_command *const *c = commands; *c; c++)
        fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->summary);
    fputs("\nExit status: 0 success, 1 refused or failed, 2 usage error.\n", out);
}

/* `pilotdeck help [COMMAND [SUBCOMMAND]]`: what --help prints. */
static int run_help(const struct cli_globals *g, struct cli_args *a)
{
    const struct cli_command *cmd;

    (void)g;
    if (cli_parse(a, NULL, NULL))
        return a->status;
    if (a->nargs == 0) {
        usage(stdout);
        return CLI_OK;
    }
    cmd = cli_find(commands, a->args[0]);
    if (!cmd) {
        cli_error("help: unknown command '%s' (see 'pilotdeck --help')", a->args[0]);
        return CLI_USAGE;
    }
    if (a->nargs == 2 && !cmd->subcommands) {
        cli_error("help: unexpected argument '%s' (%s has no subcommands)", a->args[1],
                  cmd->name);
        return CLI_USAGE;
    }
    if (a->nargs == 2 && !cli_find_subcommand(cmd, a->args[1]))
        return CLI_USAGE;
    cli_print_help(cmd, stdout);
    return CLI_OK;
}

static const struct cli_command cmd_help = {
    .name = "help",
    .summary = "show the help of a command, as 'pilotdeck COMMAND --help' does",
    .usage = "pilotdeck help [COMMAND [SUBCOMMAND]]",
    .description = "Print the help of COMMAND (or of its SUBCOMMAND), the same as\n"
                   "'pilotdeck COMMAND [SUBCOMMAND] --help'; without COMMAND, the list of\n"
                   "commands, as 'pilotdeck --help'.\n",
    .max_args = 2,
    .in_order = 1,
    .run = run_help,
};

/* Flush stdout; a full disk or closed pipe is a failure, not a success.  A
 * command that failed has said why (a write error included), so only a
 * command that thinks it succeeded hears of the error here. */
static int finish_output(int status)
{
    if (fflush(stdout) == EOF || ferror(stdout)) {
        if (status != CLI_OK)
            return status;
        if (errno != EPIPE)
            cli_error("writing output: %s", strerror(errno));
        return CLI_FAILED;
    }
    return status;
}

/*
 * A mistake in the options before the command: exit status 2 after the
 * message, except before `check`, a monitoring plugin, whose every bad
 * argument is UNKNOWN (status 3, the message as its one line on stdout).
 */
static int global_error(int argc, char **argv, const char *message)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0) {
            i++;
            continue;
        }
        if (argv[i][0] != '-') {
            if (strcmp(argv[i], "check") != 0)
                break;
            printf("PILOTDECK UNKNOWN: %s\n", message);
            return finish_output(3);
        }
    }
    cli_error("%s", message);
    return CLI_USAGE;
}

int main(int argc, char **argv)
{
    char message[256];

    struct cli_globals g = {0};
    const struct cli_command *cmd;
    const char *env = getenv("PILOTDECK_DB");
    int i = 1;

    (void)pilotdb_setup_process(); /* a speed-up only: no harm if refused */
    g.db_path = "pilotdeck.db";
    if (env && *env) {
        g.db_path = env;
        g.db_path_given = 1;
    }
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return finish_output(CLI_OK);
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("pilotdeck %s (schema version %d)\n", PILOTDECK_VERSION,
                   PILOTDB_SCHEMA_VERSION);
            return finish_output(CLI_OK);
        } else if (strcmp(argv[i], "--db") == 0) {
            if (i + 1 >= argc || !argv[i + 1][0])
                return global_error(argc, argv, "--db needs a path");
            g.db_path = argv[++i];
            g.db_path_given = 1;
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            if (!argv[i][5])
                return global_error(argc, argv, "--db needs a path");
            g.db_path = argv[i] + 5;
            g.db_path_given = 1;
        } else {
            snprintf(message, sizeof message, "unknown option '%s' (see 'pilotdeck --help')",
                     cli_safe(argv[i]));
            return global_error(argc, argv, message);
        }
    }
    if (i >= argc) {
        usage(stderr);
        return CLI_USAGE;
    }
    cmd = cli_find(commands, argv[i]);
    if (!cmd) {
        cli_error("unknown command '%s' (see 'pilotdeck --help')", argv[i]);
        return CLI_USAGE;
    }
    return finish_output(cli_run(cmd, &g, argc - i, argv + i));
}
