/*
 * cmd.c - the command table's machinery: dispatching to a command or
 * subcommand, parsing its arguments from its table entry, and its help.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* getopt_long() values of long options: above any short option's letter
 * and the '?' and ':' it returns for errors.  Aliases share their id, and
 * so their value, as getopt_long() wants for abbreviations. */
#define OPTION_VAL(id) (0x10000 + (id))
#define HELP_VAL OPTION_VAL(-1)

const struct cli_option cli_help_option = {
    "help", 'h', CLI_ARG_NONE, NULL, "show this help", 0
};

int cli_is_help(const char *arg)
{
    return arg && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0);
}

const struct cli_command *cli_find(const struct cli_command *const *table,
                                   const char *name)
{
    for (; *table; table++)
        if (strcmp((*table)->name, name) == 0)
            return *table;
    return NULL;
}

const struct cli_command *cli_find_subcommand(const struct cli_command *cmd,
                                              const char *word)
{
    const struct cli_command *sub = cli_find(cmd->subcommands, word);
    char names[128] = "";

    if (sub)
        return sub;
    for (const struct cli_command *const *s = cmd->subcommands; *s; s++) {
        if (s != cmd->subcommands)
            strncat(names, ", ", sizeof names - strlen(names) - 1);
        strncat(names, (*s)->name, sizeof names - strlen(names) - 1);
    }
    cli_error("%s: unknown subcommand '%s' (%s)", cmd->name, word, names);
    return NULL;
}

/* One row of the options' list: "  --name VALUE", then the help from
 * column on (two spaces on when the name reaches further). */
static void print_option(const struct cli_command *cmd, const struct cli_option *o,
                         int column, FILE *out)
{
    const char *line = o->help, *end;
    int n = o->letter ? fprintf(out, "  -%c, --%s", o->letter, o->name)
                      : fprintf(out, "  --%s", o->name);

    if (o->value)
        n += fprintf(out, " %s", o->value);
    fprintf(out, "%*s", column - n > 2 ? column - n : 2, "");
    if (cmd && cmd->option_help && cmd->option_help(o, column, out))
        return;
    while ((end = strchr(line, '\n')) != NULL) {
        fprintf(out, "%.*s\n%*s", (int)(end - line), line, column, "");
        line = end + 1;
    }
    fprintf(out, "%s\n", line);
}

void cli_print_help(const struct cli_command *cmd, FILE *out)
{
    if (cmd->usage) {
        fprintf(out, "usage: %s\n", cmd->usage);
    } else {
        for (const struct cli_command *const *s = cmd->subcommands; *s; s++)
            fprintf(out, "%s%s\n", s == cmd->subcommands ? "usage: " : "       ",
                    (*s)->usage);
    }
    fputs("\n", out);
    if (cmd->describe)
        cmd->describe(out);
    else if (cmd->description)
        fputs(cmd->description, out);
    if (cmd->help_column) {
        fputs("\n", out);
        if (cmd->options_title)
            fprintf(out, "%s\n", cmd->options_title);
        for (const struct cli_option *o = cmd->options; o && o->name; o++)
            if (o->help)
                print_option(cmd, o, cmd->help_column, out);
        print_option(NULL, &cli_help_option, cmd->help_column, out);
    }
    if (cmd->epilog)
        fprintf(out, "\n%s", cmd->epilog);
}

/* getopt_long()'s '?' (unknown option) or ':' (missing value): the message
 * names the option, a short one by its letter (in "-xy", optind has not
 * moved past the word yet), a long one by its word. */
static int option_error(const struct cli_args *a, int c)
{
    char letter[3] = {'-', (char)optopt, '\0'};
    const char *word = optopt > 0 && optopt < OPTION_VAL(-1) ? letter
                       : optind > 0 ? a->argv[optind - 1] : "?";

    if (c == ':')
        cli_error("%s: option '%s' needs a value", a->name, word);
    else
        cli_error("%s: unknown option '%s' (see 'pilotdeck %s --help')", a->name, word,
                  a->name);
    return CLI_USAGE;
}

/* The id of the option whose short name is letter. */
static int letter_id(const struct cli_option *options, int letter)
{
    for (; options->name; options++)
        if (options->letter == letter)
            return options->id;
    return -1;
}

/* getopt_long()'s tables for options: the long ones (help last, then the
 * terminator) and the short ones, "+" first when options end at the first
 * positional argument, ":" to tell a missing value from an unknown option. */
static struct option *getopt_tables(const struct cli_command *cmd, char *shortopts,
                                    size_t size)
{
    const struct cli_option *o = cmd->options;
    size_t n = 0, k = 0;
    struct option *longopts;

    while (o && o[n].name)
        n++;
    longopts = cli_xcalloc(n + 2, sizeof *longopts);
    if (cmd->in_order)
        shortopts[k++] = '+';
    shortopts[k++] = ':';
    shortopts[k++] = cli_help_option.letter;
    for (size_t i = 0; i < n; i++) {
        longopts[i].name = o[i].name;
        longopts[i].has_arg = o[i].arg == CLI_ARG_REQUIRED ? required_argument : no_argument;
        longopts[i].val = OPTION_VAL(o[i].id);
        if (o[i].letter && k + 3 < size) {
            shortopts[k++] = o[i].letter;
            if (o[i].arg == CLI_ARG_REQUIRED)
                shortopts[k++] = ':';
        }
    }
    longopts[n].name = cli_help_option.name;
    longopts[n].val = HELP_VAL;
    shortopts[k] = '\0';
    return longopts;
}

int cli_parse(struct cli_args *a, cli_take_fn *take, void *state)
{
    const struct cli_command *cmd = a->cmd;
    char shortopts[64];
    struct option *longopts = getopt_tables(cmd, shortopts, sizeof shortopts);
    int c, id, status = CLI_OK, done = 0;

    optind = 0;
    opterr = 0;
    while (!done && (c = getopt_long(a->argc, a->argv, shortopts, longopts, NULL)) != -1) {
        done = 1;
        if (c == cli_help_option.letter || c == HELP_VAL) {
            cli_print_help(a->parent ? a->parent : cmd, stdout);
        } else if (c == '?' || c == ':') {
            status = option_error(a, c);
        } else {
            id = c >= OPTION_VAL(0) ? c - OPTION_VAL(0) : letter_id(cmd->options, c);
            status = take ? take(state, id, optarg) : CLI_OK;
            done = status != CLI_OK;
        }
    }
    free(longopts);
    if (!done) {
        a->args = a->argv + optind;
        a->nargs = a->argc - optind;
        if (a->nargs < cmd->min_args) {
            cli_error("%s: missing %s (see 'pilotdeck %s --help')", a->name, cmd->args,
                      a->name);
            status = CLI_USAGE;
        } else if (cmd->max_args >= 0 && a->nargs > cmd->max_args) {
            cli_error("%s: unexpected argument '%s'", a->name, a->args[cmd->max_args]);
            status = CLI_USAGE;
        }
        done = status != CLI_OK;
    }
    a->status = status;
    return done;
}

int cli_take_flag(void *state, int id, const char *value)
{
    (void)value;
    *(unsigned *)state |= 1u << id;
    return CLI_OK;
}

int cli_take_flag_file(void *state, int id, const char *value)
{
    struct cli_flags_file *o = state;

    if (value)
        o->file = value;
    else
        o->flags |= 1u << id;
    return CLI_OK;
}

int cli_give_one(const char *who, int first_given, const char *first, int second_given,
                 const char *second)
{
    if (!first_given || !second_given)
        return CLI_OK;
    cli_error("%s: %s; %s: give one", who, first, second);
    return CLI_USAGE;
}

static int run(const struct cli_command *cmd, const struct cli_command *parent,
               const struct cli_globals *g, int argc, char **argv)
{
    const struct cli_command *sub;
    struct cli_args a;

    if (cmd->subcommands) {
        if (argc < 2) {
            cli_print_help(cmd, stderr);
            return CLI_USAGE;
        }
        if (cli_is_help(argv[1])) {
            cli_print_help(cmd, stdout);
            return CLI_OK;
        }
        sub = cli_find_subcommand(cmd, argv[1]);
        return sub ? run(sub, cmd, g, argc - 1, argv + 1) : CLI_USAGE;
    }
    memset(&a, 0, sizeof a);
    a.cmd = cmd;
    a.parent = parent;
    snprintf(a.name, sizeof a.name, "%s%s%s", parent ? parent->name : "",
             parent ? " " : "", cmd->name);
    a.argc = argc;
    a.argv = argv;
    return cmd->run(g, &a);
}

int cli_run(const struct cli_command *cmd, const struct cli_globals *g, int argc,
            char **argv)
{
    return run(cmd, NULL, g, argc, argv);
}
