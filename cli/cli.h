/*
 * cli.h - what the commands of the pilotdeck executable share.
 *
 * Each command lives in its own file (cli/cmd_NAME.c) and exports one
 * struct cli_command that the dispatcher in cli/main.c lists.  A command's
 * run function gets the global options and its own arguments (argv[0] is the
 * command's name) and returns the process exit status:
 *   CLI_OK (0), CLI_FAILED (1: refused or failed, message on stderr),
 *   CLI_USAGE (2: bad usage, message on stderr).
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

struct cli_command {
    const char *name;
    const char *summary;  /* one line for `pilotdeck --help` */
    int (*run)(const struct cli_globals *g, int argc, char **argv);
};

/* Print "pilotdeck: " and the formatted message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse a whole decimal integer in [min, max]; 0 on success, -1 (after a
 * message naming what) otherwise. */
int cli_parse_int(const char *what, const char *text, int64_t min, int64_t max,
                  int64_t *out);

/* Parse a finite real in [min, max]; 0 on success, -1 (after a message). */
int cli_parse_double(const char *what, const char *text, double min, double max,
                     double *out);

/* Open the database of g for a command: CLI_OK and *db, or CLI_FAILED after
 * a message naming the file. flags as for pilotdb_open(). */
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

/* xmalloc-style helpers: the CLI may die on out of memory. */
void *cli_xmalloc(size_t n);
void *cli_xcalloc(size_t n, size_t size);
char *cli_xstrdup(const char *s);

/* Non-zero if argv[i] asks for help (-h or --help). */
int cli_is_help(const char *arg);

/* Report a getopt_long() failure ('?' unknown option, ':' missing value)
 * for command cmd and return CLI_USAGE. */
int cli_option_error(const char *cmd, int opt, char **argv);

/* Refuse extra positional arguments: CLI_USAGE after a message, or CLI_OK
 * when argv[first..argc) holds exactly want of them. */
int cli_want_args(const char *cmd, int argc, char **argv, int first, int want,
                  const char *what);

#endif
