/*
 * give_one.h - the refusal of two options that each say where a command's
 * output goes (--json and --csv FILE, --json and -o FILE), given together.
 * Defined in cmd.c beside cli_take_flag_file().
 */
#ifndef PILOTDECK_GIVE_ONE_H
#define PILOTDECK_GIVE_ONE_H

/* CLI_OK when at most one of the two options was given; else CLI_USAGE
 * after "WHO: FIRST; SECOND: give one" on standard error, where FIRST and
 * SECOND say what each does ("--json prints the list", "--csv writes it to
 * a file"). */
int cli_give_one(const char *who, int first_given, const char *first, int second_given,
                 const char *second);

#endif
