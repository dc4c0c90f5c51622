/*
 * cli.h - what the commands of the pilotdeck executable share: the command
 * table (one entry per command, exported by cli/cmd_NAME.c and listed in
 * cli/main.c), the parser of a command's arguments, and helpers.
 *
 * Exit statuses: CLI_OK (0), CLI_FAILED (1: refused or failed, message on
 * stderr), CLI_USAGE (2: bad usage, message on stderr).
 */
#ifndef PILOTDECK_CLI_H
#define PILOTDECK_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pilotdb.h"

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

struct cli_globals {
    const char *db_path;  /* --db, else $PILOTDECK_DB, else ./pilotdeck.db */
    int db_path_given;    /* non-zero when --db or $PILOTDECK_DB set it */
};

/* Whether an option takes a value. */
enum cli_arg { CLI_ARG_NONE, CLI_ARG_REQUIRED };

/* One option of a command.  A list of them ends with a row whose name is
 * NULL; -h/--help (cli_help_option) comes with every command. */
struct cli_option {
    const char *name;    /* long name, without "--" */
    char letter;         /* short name, or 0 */
    enum cli_arg arg;
    const char *value;   /* the value's name in the help ("N", "PATH"), or NULL */
    const char *help;    /* what it does, lines separated by '\n'; NULL: an
                            alias, not listed */
    int id;              /* what the command's cli_take_fn is given */
};

extern const struct cli_option cli_help_option;

/* A numeric macro's value as a string literal, for help texts. */
#define CLI_TEXT(macro) CLI_TEXT_(macro)
#define CLI_TEXT_(x) #x

struct cli_args;

/* One command, or one subcommand of a command that has them: what the
 * parser, the help text and the list of commands read. */
struct cli_command {
    const char *name;
    const char *summary;      /* one line for `pilotdeck --help` */
    const char *usage;        /* after "usage: ", continuation lines included;
                                 a command with subcommands has none */
    const char *description;  /* the help's paragraph(s) after the usage */
    void (*describe)(FILE *out); /* writes the description instead, when its
                                    text is made at run time (from a table) */
    /* Writes the help of option o from column on, when the command makes it
     * at run time: non-zero if it did, 0 for o's own help text. */
    int (*option_help)(const struct cli_option *o, int column, FILE *out);
    const char *options_title;/* the line above the listed options, or NULL */
    int help_column;          /* where the options' help starts; 0: the
                                 options are not listed in the help */
    const char *epilog;       /* the help's last paragraph (an example), or NULL */
    const struct cli_option *options; /* or NULL */
    const char *args;         /* what is missing when too few arguments are given */
    int min_args, max_args;   /* positional arguments; max_args -1: no limit */
    int in_order;             /* options end at the first positional argument */
    /* Run the command, starting with cli_parse(a, ...); its exit status. */
    int (*run)(const struct cli_globals *g, struct cli_args *a);
    const struct cli_command *const *subcommands; /* NULL-terminated, or NULL */
};

/* What a command's run function is given. */
struct cli_args {
    const struct cli_command *cmd;
    const struct cli_command *parent; /* the command of a subcommand, or NULL */
    char name[40];            /* "sim", "ce add": for messages */
    int argc;                 /* argv[0] is the command's own word */
    char **argv;
    int nargs;                /* after cli_parse(): the positional arguments */
    char **args;
    int status;               /* after cli_parse() returned non-zero */
};

/* Take one parsed option (id from the table, value NULL for CLI_ARG_NONE)
 * into the command's state: CLI_OK, or an exit status after a message. */
typedef int cli_take_fn(void *state, int id, const char *value);

/* Parse a's arguments against its command's options, in the order given,
 * handing each option to take (may be NULL for a command without options),
 * then check the number of positional arguments.  0: the command runs, with
 * a->args set; otherwise the command is done and a->status is its exit
 * status (CLI_OK after printing the help). */
int cli_parse(struct cli_args *a, cli_take_fn *take, void *state);

/* A cli_take_fn for commands whose options are all flags (ids below 32):
 * sets bit id of the unsigned *state. */
int cli_take_flag(void *state, int id, const char *value);

/* The same for commands whose options are flags and one FILE (--csv FILE):
 * state is a struct cli_flags_file; the option with a value sets file. */
struct cli_flags_file {
    unsigned flags;
    const char *file;
};
int cli_take_flag_file(void *state, int id, const char *value);

/* The refusal of two options that each say where a command's output goes
 * (--json and --csv FILE, --json and -o FILE), given together: CLI_OK when
 * at most one was given; else CLI_USAGE after "WHO: FIRST; SECOND: give
 * one" on standard error, where FIRST and SECOND say what each does
 * ("--json prints the list", "--csv writes it to a file"). */
int cli_give_one(const char *who, int first_given, const char *first, int second_given,
                 const char *second);

/* Run cmd (argv[0] is its name), dispatching to a subcommand if it has
 * them; the exit status. */
int cli_run(const struct cli_command *cmd, const struct cli_globals *g, int argc,
            char **argv);

/* The command called name in a NULL-terminated table, or NULL. */
const struct cli_command *cli_find(const struct cli_command *const *table,
                                   const char *name);

/* The subcommand of cmd called word, or NULL after a message listing them. */
const struct cli_command *cli_find_subcommand(const struct cli_command *cmd,
                                              const char *word);

/* Write the help of cmd, a command (a subcommand's help is its command's:
 * the usage of every subcommand and what they share), to out. */
void cli_print_help(const struct cli_command *cmd, FILE *out);

/* Non-zero if arg asks for help (-h or --help). */
int cli_is_help(const char *arg);

/* Print "pilotdeck: " and the formatted message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse a whole decimal integer in [min, max]; 0 on success, -1 (after a
 * message naming what) otherwise. */
int cli_parse_int(const char *what, const char *text, int64_t min, int64_t max,
                  int64_t *out);

/* Parse a finite real in [min, max]; 0 on success, -1 (after a message). */
int cli_parse_double(const char *what, const char *text, double min, double max,
                     double *out);

/* The name of the user running pilotdeck (the password database's, else
 * $LOGNAME or $USER), or NULL. */
const char *cli_login_name(void);

/* Say that db's writes are by actor by ("cli", "top", "ingest") and the
 * login name, for the CE change log. */
void cli_set_actor(pilotdb *db, const char *by);

/* Open the database of g for a command: CLI_OK and *db, or CLI_FAILED after
 * a message naming the file; its writes are by "cli". flags as for
 * pilotdb_open(). */
int cli_open_db(const struct cli_globals *g, unsigned flags, pilotdb **db);

/* Close db, opened by cli_open_db(g): status, or CLI_FAILED after a message
 * when status was CLI_OK and the close failed. */
int cli_close_db(const struct cli_globals *g, pilotdb *db, int status);

/* Report a failed db call ("pilotdeck: WHAT: MESSAGE") and return the exit
 * status for it: CLI_FAILED. */
int cli_db_error(pilotdb *db, const char *what);

/* Write a jansson value to stdout as compact JSON with a newline and free
 * it; CLI_OK, or CLI_FAILED on a write error. */
struct json_t;
int cli_print_json(struct json_t *value);

/* A string from a database as JSON: null for NULL, and bytes that are not
 * UTF-8 (a file written by other means may hold them) as the text \xNN,
 * so that the document is still made.  NULL when out of memory. */
struct json_t *cli_json_string(const char *s);

/* value as cli_print_json() prints it (compact, a newline at the end), in
 * a malloc()ed string; NULL when out of memory. */
char *cli_json_text(const struct json_t *value);

/* Ingest the history at path (any format ingest reads) into db as
 * `pilotdeck ingest --add-ces PATH` does, in one transaction, printing
 * nothing: 0, or -1 with the first problem in err ("FILE:LINE: ..."),
 * nothing written.  Runs may go on at once on distinct databases. */
int cli_ingest_history(pilotdb *db, const char *path, char *err, size_t err_size);

/* What `summary --json` and `ce list --json` print, as new references in
 * *out (NULL when out of memory); the database's rc. */
pilotdb_rc cli_summary_json(pilotdb *db, struct json_t **out);
pilotdb_rc cli_ce_list_json(pilotdb *db, int available_only, struct json_t **out);

/*
 * Write rows, a JSON array of objects (what a command's --json gives), to
 * path as CSV (cli_output: "-" is standard output): a header of the keys of
 * the first row (of header_row when rows is empty; no header when that is
 * NULL too), then each row's values in that order: strings as fields,
 * numbers as JSON writes them, true/false, null as an empty field; keys
 * holding arrays or objects are left out.  keep as in struct cli_output.
 * The exit status.
 */
int cli_csv_rows(const char *path, const char *keep, const char *command,
                 const struct json_t *rows, const struct json_t *header_row);

/*
 * An output written whole or not at all: standard output (path NULL or
 * "-", the convention of every FILE option), a
 * device or pipe written in place, or a regular file written to a
 * temporary file beside it (0666 less the umask, as a shell redirection
 * makes it) and renamed over path by a successful close.  Messages name
 * the command.
 */
struct cli_output {
    const char *path;      /* as given; NULL (or "-") for standard output */
    const char *keep;      /* a file never to replace (the database read), or NULL:
                              path naming it (a link too) is CLI_USAGE */
    const char *command;   /* set by cli_output_open() */
    char *final;           /* the file renamed over (symlinks resolved) */
    char *tmp;             /* the temporary file, or NULL */
    FILE *out;
};

/* Open t->path for writing into t->out: CLI_OK, or CLI_FAILED (CLI_USAGE
 * for t->keep) after a message. */
int cli_output_open(struct cli_output *t, const char *command);

/* Finish the output (err: a write that failed already, or 0): flush it
 * and put a file in place when status is CLI_OK, else remove the
 * temporary file.  The exit status. */
int cli_output_close(struct cli_output *t, int status, int err);

/* Non-zero when path and other name the same file (links too). */
int cli_same_file(const char *path, const char *other);

/*
 * Text from a database or an input for a terminal: control characters (C0,
 * DEL, C1) and bytes that are not UTF-8 as \xNN.  The database refuses
 * them in what it is given, but a file written by other means could hold
 * them, and none may reach a terminal.  The result lives in one of four
 * static buffers, reused by the fifth call on (cut at 4 * 4096 bytes).
 */
const char *cli_safe(const char *text);

/* xmalloc-style helpers: the CLI may die on out of memory. */
void *cli_xmalloc(size_t n);
void *cli_xcalloc(size_t n, size_t size);
void *cli_xrealloc(void *old, size_t n);
char *cli_xstrdup(const char *s);

#endif
