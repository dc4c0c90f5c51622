/*
 * clitime.h - times on the command line: how the commands print a
 * database's times and read the T of --since/--until.
 *
 * A wall-clock database's times are ms since the Unix epoch; a simulated
 * one's are virtual ms from the scenario's start (pilotdb_clock_kind()).
 */
#ifndef PILOTDECK_CLITIME_H
#define PILOTDECK_CLITIME_H

#include <stddef.h>
#include <stdint.h>

#include "pilotdb.h"

/* Room for any text the functions below write. */
#define CLI_TIME_MAX 48

/* Ways to write a time. */
enum cli_time_style {
    CLI_TIME_LOCAL, /* wall: "2026-12-01T11:00:00+01:00" (the local zone) */
    CLI_TIME_UTC,   /* wall: "2026-12-01T10:00:00Z" */
    CLI_TIME_JSON   /* wall: "2026-12-01T10:00:00.250Z", always with ms */
};

/*
 * Write time ms of a database on clock kind into buf (CLI_TIME_MAX
 * bytes): on a wall clock (or UNSET) in style, whole seconds unless
 * CLI_TIME_JSON; on a simulated one as virtual "Dd HH:MM:SS" ("0d
 * 01:02:03"; CLI_TIME_JSON adds ".mmm").  PILOTDB_NO_TIME is "-".
 * Returns buf.
 */
const char *cli_time_text(int64_t ms, pilotdb_clock_type kind, enum cli_time_style style,
                          char *buf);

/* A span of time for people: "3d 04:05:06", "01:02:03", "0:00:05". */
const char *cli_span_text(int64_t ms, char *buf);

/*
 * Parse the T of an option named what ("--since") for a database on clock
 * kind, at time now of its clock:
 *   wall: an ISO 8601 time with a zone ("2026-12-01T10:00:00Z", "+01:00"),
 *         a date "2026-12-01" (midnight UTC), a number of seconds since the
 *         Unix epoch, or a duration ("90m", "2h", "7d") meaning that long
 *         before now;
 *   sim:  a duration from the scenario's start ("2h"), or a number of
 *         virtual seconds.
 * 0 and *out, or -1 after a message naming what and the text.
 */
int cli_parse_time(const char *what, const char *text, pilotdb_clock_type kind,
                   int64_t now, int64_t *out);

/*
 * Say in buf how many of db's pilots have times that are not exact ("12
 * pilots with observed times, 3 with an unknown start"), "" when none.
 * 0, or -1 when the database failed (buf "").
 */
int cli_time_note(pilotdb *db, char *buf, size_t size);

#endif
