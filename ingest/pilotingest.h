/*
 * pilotingest.h - reading pilot records from outside (libpilotingest).
 *
 * A reader turns one input (a FILE*; fdopen() an fd) in one of three
 * formats into a stream of normalised, validated observations of pilots:
 *
 *   jsonl   pilotdeck's own, one JSON object a line:
 *           {"ref": R, "ce": C, "status": S, "at": T, "observed": B,
 *            "reason": ..., "source_status": ..., "site": ...,
 *            "started": false}
 *           ref, ce, status, at required; the rest optional (null = absent).
 *           "started": false, only on a failed line, says the pilot never
 *           started (its start NONE, not UNKNOWN); true or absent: unknown.
 *   condor  condor_q / condor_history -json (an array of job ads, streamed
 *           ad by ad; empty input and [] mean no jobs) and their -jsonl
 *           forms (one ad a line).  Ads with MyType "Summary" are skipped;
 *           "/Expr(...)/" values count as absent.
 *   dirac   CSV (RFC 4180) with a header row of DIRAC PilotAgents columns.
 *
 * An observation is a snapshot of one pilot as the record shows it: its
 * status and every time of its life the record gives (submitted, started,
 * ended), each with a kind (exact, observed, unknown, did not happen).  A
 * condor ad gives up to three exact times; a DIRAC row gives the exact
 * submission and an observed time of the transition into its status; a
 * jsonl line gives one time, that of the transition into its status.  The
 * times before that transition that the record does not give are UNKNOWN,
 * those after it NONE.  Storing it (staleness, transitions, counts) is the
 * database's business, not the reader's.
 *
 * Status mapping (the rows of pilotingest_status_map()):
 *
 *   jsonl   submitted, running, done, failed: themselves.
 *   condor  JobStatus 1 Idle -> submitted; 2 Running -> running;
 *           3 Removed -> failed (reason RemoveReason; end EnteredCurrentStatus);
 *           4 Completed -> done when ExitCode is 0 or undefined and
 *             ExitBySignal is not true, else failed (end CompletionDate,
 *             else EnteredCurrentStatus);
 *           5 Held -> the last state the ad proves (running if it has a
 *             start, else submitted), flag HELD, reason HoldReason;
 *           7 Suspended -> running.  Any other code is a bad record.
 *           source_status is the status name (Idle, Running, ..., Held).
 *           CE: GlideinEntryName, else GridResource's endpoint ("condor
 *           SCHEDD COLLECTOR:PORT" -> SCHEDD; "arc URL" -> the URL's host;
 *           "batch TYPE user@host" -> host; other types: the second word,
 *           or its host when it is a URL), else "no CE".  Site: GLIDEIN_Site,
 *           else GlideinSite.  ref: GlobalJobId.  Times: QDate, JobStartDate
 *           (else JobCurrentStartDate), all exact; 0 means undefined.  A
 *           completed pilot without JobStartDate has an UNKNOWN start; a
 *           removed or idle one did not start (NONE).
 *   dirac   Submitted, Waiting, Scheduled -> submitted; Running -> running;
 *           Done -> done; Failed, Aborted, Deleted -> failed;
 *           Unknown -> submitted with flag UNKNOWN (the database keeps the
 *           pilot's last known state; its start and end are UNKNOWN).
 *           SubmissionTime is the exact submission; LastUpdateTime the
 *           observed time of the transition into the status (ignored for
 *           submitted and Unknown); a pilot first seen ended has an
 *           UNKNOWN start.  Times are "YYYY-MM-DD HH:MM:SS" in UTC.
 *           Needed columns: PilotJobReference, DestinationSite (the CE),
 *           Status, SubmissionTime, LastUpdateTime; used: GridSite (site),
 *           StatusReason (reason).  The raw word is the source_status.
 *
 * Validation: every record is checked as untrusted.  A bad one gives
 * PILOTINGEST_EBAD and a message "FILE:LINE[:COLUMN]: what was wrong"
 * (FILE "-" for standard input; LINE the record's first line, or the line
 * of the problem where the parser knows it; COLUMN a byte column): malformed
 * JSON or CSV, a missing field, a wrong type, an unknown status, a bad,
 * zone-less, pre-1990 or more than a day in the future time, an empty or
 * longer than 255 bytes name or reference, invalid UTF-8 or any control
 * character in a name, reference or reason, a record over 1 MiB.  Messages
 * quote input only with its control characters and invalid bytes escaped
 * (\xNN), so they are safe to print on a terminal.
 *
 * The library never prints and never exits.  A reader must be used by one
 * thread at a time.
 */
#ifndef PILOTINGEST_H
#define PILOTINGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pilotdb.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pilotingest_rc {
    PILOTINGEST_OK = 0,  /* an observation was read */
    PILOTINGEST_END,     /* the input has no more records (never in follow
                            mode) */
    PILOTINGEST_AGAIN,   /* follow mode: no whole record is there yet (the
                            input ends, maybe inside a record, or before the
                            format can be told); call again when it grew */
    PILOTINGEST_EBAD,    /* a bad record; the message says why; the reader
                            goes on with the next record */
    PILOTINGEST_EFORMAT, /* the input as a whole is unusable (unknown format,
                            no CSV header or a needed column missing); the
                            reader reads nothing more */
    PILOTINGEST_EINVAL,  /* an argument is out of range */
    PILOTINGEST_EIO,     /* reading the input failed */
    PILOTINGEST_ENOMEM   /* out of memory */
} pilotingest_rc;

/* Longest name, reference or site, in bytes (the database's limit). */
#define PILOTINGEST_NAME_MAX PILOTDB_NAME_MAX

/* Longest record (a line, a CSV record, a condor ad), in bytes. */
#define PILOTINGEST_RECORD_MAX (1024 * 1024)

/* What a reader knows of one time of a pilot's life. */
typedef enum pilotingest_time_kind {
    PILOTINGEST_TIME_NONE = 0, /* it has not happened (by the record) */
    PILOTINGEST_TIME_UNKNOWN,  /* it happened, the record does not say when */
    PILOTINGEST_TIME_EXACT,    /* the instant the source recorded */
    PILOTINGEST_TIME_OBSERVED  /* the first time the source showed the state */
} pilotingest_time_kind;

typedef struct pilotingest_time {
    pilotingest_time_kind kind;
    int64_t at; /* ms since the Unix epoch for EXACT and OBSERVED, else
                   PILOTDB_NO_TIME */
} pilotingest_time;

/* Observation flags. */
#define PILOTINGEST_HELD    0x1u /* condor: the job is held */
#define PILOTINGEST_UNKNOWN 0x2u /* dirac: the source lost track (Unknown) */

/*
 * One pilot as one record shows it.  The strings are owned by the reader
 * and valid until the next call of pilotingest_next() or
 * pilotingest_close(); each is valid UTF-8 without control characters;
 * ref, ce and site are 1..PILOTINGEST_NAME_MAX bytes.
 */
typedef struct pilotingest_obs {
    const char *ref;           /* the source's pilot reference */
    const char *ce;
    const char *site;          /* NULL when the record has none */
    pilot_status status;
    unsigned flags;            /* PILOTINGEST_HELD, PILOTINGEST_UNKNOWN */
    pilotingest_time submitted, started, ended;
    const char *reason;        /* NULL when the record has none */
    const char *source_status; /* the source's word, NULL when none */
    long line;                 /* the record's first line (1 = first) */
    int64_t offset;            /* byte offset of the record's start */
    int64_t end_offset;        /* byte offset just after the record */
} pilotingest_obs;

/* The formats, in the order of pilotingest_format_name(). */
typedef enum pilotingest_format {
    PILOTINGEST_AUTO = -1, /* decide from the first non-blank byte and line */
    PILOTINGEST_JSONL = 0,
    PILOTINGEST_CONDOR,
    PILOTINGEST_DIRAC
} pilotingest_format;

#define PILOTINGEST_NFORMATS 3

/* Reader flags. */
#define PILOTINGEST_FOLLOW 0x1u /* the input may grow: an incomplete last
                                   record is PILOTINGEST_AGAIN, not the end */

typedef struct pilotingest_options {
    pilotingest_format format;
    const char *filename; /* for messages; NULL means "-" (standard input) */
    int64_t now;          /* ms since the epoch, for the "more than a day in
                             the future" check; 0: the wall clock at open */
    unsigned flags;       /* PILOTINGEST_FOLLOW */
    int64_t start_offset; /* resume here: the stream must be positioned at
                             it, which must be 0 or a record's end_offset;
                             a resume needs jsonl or condor */
    long start_line;      /* the line at start_offset (0 means 1) */
} pilotingest_options;

typedef struct pilotingest_reader pilotingest_reader;

/* A row of a format's status mapping: the source's word or code, what it
 * maps to, and flags.  For condor Completed the status is done, failed when
 * the ad's exit says so; for condor Held the status is the last proven
 * state (see above); such rows have status -1. */
typedef struct pilotingest_status_row {
    const char *word; /* the source's word (condor: the status name) */
    int code;         /* condor's JobStatus, else 0 */
    int status;       /* a pilot_status, or -1: decided per record */
    unsigned flags;   /* PILOTINGEST_HELD, PILOTINGEST_UNKNOWN */
} pilotingest_status_row;

/* The name of a format ("jsonl", "condor", "dirac"), or NULL. */
const char *pilotingest_format_name(pilotingest_format format);

/* The format named name ("auto" included) in *out; PILOTINGEST_EINVAL for
 * an unknown name. */
pilotingest_rc pilotingest_format_parse(const char *name, pilotingest_format *out);

/* The status mapping of a format: a static table of *n rows. */
const pilotingest_status_row *pilotingest_status_map(pilotingest_format format,
                                                     size_t *n);

/*
 * Open a reader of in with the given options (NULL: auto, "-", the wall
 * clock, no follow, from the start).  The reader reads in incrementally
 * and never closes it.  *out is the reader, to close with
 * pilotingest_close(); on error it is NULL and errbuf holds a message.
 * Errors: PILOTINGEST_EINVAL (bad options), PILOTINGEST_ENOMEM.
 */
pilotingest_rc pilotingest_open(FILE *in, const pilotingest_options *options,
                                pilotingest_reader **out, char *errbuf,
                                size_t errbuf_size);

/*
 * Read the next observation into *obs (zeroed unless PILOTINGEST_OK).
 * PILOTINGEST_END at the end of the input; PILOTINGEST_EBAD for a bad
 * record (call again for the next one); PILOTINGEST_AGAIN in follow mode
 * when no whole record is there yet; PILOTINGEST_EFORMAT, EIO and ENOMEM
 * end the reading (every later call returns the same).
 * pilotingest_errmsg() says why for every error.  Blank lines and condor's
 * Summary ads are skipped, not returned.
 */
pilotingest_rc pilotingest_next(pilotingest_reader *reader, pilotingest_obs *obs);

/* The message of the reader's last error ("" when none); owned by it. */
const char *pilotingest_errmsg(const pilotingest_reader *reader);

/*
 * The observation obs is, as pilotdb_pilot_observe() takes it: the same
 * strings (valid as long as obs's), times and status, and a DIRAC Unknown
 * (PILOTINGEST_UNKNOWN) as PILOTDB_OBSERVE_KEEP_STATE.  Cannot fail.
 */
pilotdb_observation pilotingest_to_observation(const pilotingest_obs *obs);

/* The format the reader reads, decided for auto at the first
 * pilotingest_next() (PILOTINGEST_AUTO until then). */
pilotingest_format pilotingest_reader_format(const pilotingest_reader *reader);

/* The byte offset just after the last whole record read (good or bad): a
 * follow mode resumes there. */
int64_t pilotingest_offset(const pilotingest_reader *reader);

/* The line at pilotingest_offset(). */
long pilotingest_line(const pilotingest_reader *reader);

/* Free a reader (not its FILE*).  NULL is a no-op. */
void pilotingest_close(pilotingest_reader *reader);

/*
 * Parse an ISO 8601 time with a zone ("2026-12-01T10:00:00Z",
 * "...+01:00", fractional seconds allowed) into *ms (ms since the epoch,
 * truncated).  PILOTINGEST_EBAD with a message in errbuf otherwise (no
 * zone, out of range fields).  Range checks are the caller's.
 */
pilotingest_rc pilotingest_parse_iso8601(const char *text, int64_t *ms,
                                         char *errbuf, size_t errbuf_size);

#ifdef __cplusplus
}
#endif

#endif
