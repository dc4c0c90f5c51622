/*
 * pilotdb.h - libpilotdb, the pilot database of pilotdeck.
 *
 * A handle is one connection to a pilot database: a SQLite file (in WAL
 * mode) or ":memory:".  Computing Elements (CEs) offer slots; pilots are
 * submitted to them and move
 *
 *     SUBMITTED -> RUNNING -> DONE | FAILED,   SUBMITTED -> FAILED
 *
 * holding a slot of their CE while SUBMITTED or RUNNING.
 *
 * What every call promises:
 *  - It is one transaction, or part of the caller's (pilotdb_begin(),
 *    pilotdb_begin_read(), or raw SQL on pilotdb_sqlite()).  A call that
 *    fails changes nothing, and outside a transaction leaves none open.
 *  - Errors are a pilotdb_rc plus a message (pilotdb_errmsg()); the layer
 *    never exits or aborts, and the handle stays usable after any error,
 *    PILOTDB_ENOMEM, PILOTDB_EIO and PILOTDB_EDISKFULL included (the message
 *    says whether the disk or the page limit is full).  Outputs are zeroed
 *    on error.  After one of those three inside a caller's transaction
 *    SQLite may have rolled it back: pilotdb_in_transaction() says.
 *  - Times are integer milliseconds from the handle's clock: the wall clock
 *    (since the Unix epoch) unless pilotdb_set_clock() installs another.
 *    The database says which kind of clock its times are on (wall or sim,
 *    pilotdb_clock_kind()), once a writer has claimed one.
 *  - Memory the layer returns is freed with pilotdb_free().
 *  - A handle is used by one thread at a time.
 *
 * Why it is built this way: README.md, "The database layer".
 */
#ifndef PILOTDB_H
#define PILOTDB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The schema version this build writes and reads (PRAGMA user_version). */
#define PILOTDB_SCHEMA_VERSION 6

/* PRAGMA application_id of a pilotdeck database: "PLDK". */
#define PILOTDB_APPLICATION_ID 0x504c444b

/* Longest CE name in bytes, not counting the terminating NUL. */
#define PILOTDB_NAME_MAX 255

typedef struct pilotdb pilotdb;

typedef enum pilotdb_rc {
    PILOTDB_OK = 0,
    PILOTDB_EINVAL,      /* an argument is out of range or malformed */
    PILOTDB_ENOTFOUND,   /* unknown CE or pilot */
    PILOTDB_EEXISTS,     /* a CE of that name exists already */
    PILOTDB_EDISABLED,   /* submission to a disabled CE */
    PILOTDB_EFULL,       /* submission to a CE with no free slot */
    PILOTDB_ETRANSITION, /* status change not allowed by the state machine */
    PILOTDB_ENOTDB,      /* the file is not a pilotdeck database */
    PILOTDB_ESCHEMA,     /* schema newer than this build, or not migratable */
    PILOTDB_EINCONSISTENT, /* pilotdb_check() found drift or corruption */
    PILOTDB_ENOMEM,      /* out of memory */
    PILOTDB_EBUSY,       /* the database stayed locked past the busy timeout */
    PILOTDB_EREADONLY,   /* write on a read-only handle or file */
    PILOTDB_EDISKFULL,   /* the disk, or the page limit, is full */
    PILOTDB_EIO,         /* I/O error from the operating system */
    PILOTDB_ECORRUPT,    /* the database file is malformed */
    PILOTDB_EMISUSE,     /* wrong call order (commit without begin, ...) */
    PILOTDB_ECANTOPEN,   /* the file cannot be opened or created */
    PILOTDB_ESQL,        /* any other SQLite error; the message says which */
    PILOTDB_ECLOCK       /* the database's times are on another kind of clock */
} pilotdb_rc;

typedef enum pilot_status {
    PILOT_SUBMITTED = 0,
    PILOT_RUNNING = 1,
    PILOT_DONE = 2,
    PILOT_FAILED = 3
} pilot_status;

#define PILOT_NSTATUS 4

/* Longest source status word and actor word, and user name, in bytes. */
#define PILOTDB_WORD_MAX 63
#define PILOTDB_USER_MAX 63

/* Longest pilot reason in bytes. */
#define PILOTDB_REASON_MAX 4095

/* The kind of clock a database's times are on (pilotdb_clock_kind()). */
typedef enum pilotdb_clock_type {
    PILOTDB_CLOCK_UNSET = 0, /* no writer has claimed one yet */
    PILOTDB_CLOCK_WALL = 1,  /* ms since the Unix epoch */
    PILOTDB_CLOCK_SIM = 2    /* virtual ms from a scenario's start */
} pilotdb_clock_type;

/* What the database knows of one time of a pilot's life. */
typedef enum pilotdb_time_kind {
    PILOTDB_TIME_NONE = 0,    /* it has not happened */
    PILOTDB_TIME_UNKNOWN = 1, /* it happened; the source did not say when */
    PILOTDB_TIME_EXACT = 2,   /* the instant the source recorded */
    PILOTDB_TIME_OBSERVED = 3 /* the first time the source showed the state */
} pilotdb_time_kind;

/* Where a CE's capacity came from. */
typedef enum pilotdb_capacity_source {
    PILOTDB_CAPACITY_CONFIGURED = 0, /* given by a person or a scenario */
    PILOTDB_CAPACITY_INFERRED = 1    /* inferred from ingested pilots */
} pilotdb_capacity_source;

/* A time that has not happened (a pilot not yet started or ended, a CE
 * none of whose pilots ever changed). */
#define PILOTDB_NO_TIME INT64_MIN

/* Flags for pilotdb_open(). */
#define PILOTDB_OPEN_CREATE   0x1u /* create the file and schema if missing */
#define PILOTDB_OPEN_READONLY 0x2u /* never write; refuse migration */
/*
 * A scratch ":memory:" database with no rollback journal, for a database
 * thrown away on any error: a call that fails, or pilotdb_rollback(), may
 * leave part of a change behind.  PILOTDB_EINVAL with any other path.
 */
#define PILOTDB_OPEN_SCRATCH  0x4u

typedef struct pilotdb_ce {
    int64_t id;
    char name[PILOTDB_NAME_MAX + 1];
    int64_t capacity;
    double success_rate;   /* configured, in [0, 1] */
    int enabled;
    int64_t count[PILOT_NSTATUS]; /* pilots per status, indexed by pilot_status */
    int64_t active;          /* count[SUBMITTED] + count[RUNNING] */
    int64_t available_slots; /* enabled ? max(0, capacity - active) : 0 */
    int64_t last_change_at;  /* latest time of a change of one of its pilots,
                                or PILOTDB_NO_TIME */
    char site[PILOTDB_NAME_MAX + 1]; /* "" when none */
    pilotdb_capacity_source capacity_source;
} pilotdb_ce;

/* What pilotdb_ce_update() changes: the fields whose PILOTDB_SET_ bit is set. */
#define PILOTDB_SET_CAPACITY     0x1u
#define PILOTDB_SET_SUCCESS_RATE 0x2u
#define PILOTDB_SET_ENABLED      0x4u
/* Only in pilotdb_ce_edit(): */
#define PILOTDB_SET_SITE         0x8u  /* site NULL or "": none */
#define PILOTDB_SET_CAPACITY_SOURCE 0x10u /* without it a new capacity is
                                              PILOTDB_CAPACITY_CONFIGURED */

typedef struct pilotdb_ce_change {
    unsigned set;
    int64_t capacity;
    double success_rate;
    int enabled;
} pilotdb_ce_change;

/* What pilotdb_ce_edit() changes: change.set selects the fields; site and
 * capacity_source are read only when their bit is set. */
typedef struct pilotdb_ce_edit_spec {
    pilotdb_ce_change change;
    const char *site;
    pilotdb_capacity_source capacity_source;
} pilotdb_ce_edit_spec;

/* A new CE for pilotdb_ce_add_spec(). */
typedef struct pilotdb_ce_spec {
    const char *name;
    int64_t capacity;
    double success_rate;
    int enabled;
    const char *site;  /* NULL: none */
    pilotdb_capacity_source capacity_source;
} pilotdb_ce_spec;

/* A field of a CE the change log records. */
typedef enum pilotdb_ce_field {
    PILOTDB_FIELD_CAPACITY = 0,     /* value.i */
    PILOTDB_FIELD_SUCCESS_RATE = 1, /* value.d */
    PILOTDB_FIELD_ENABLED = 2,      /* value.i, 0 or 1 */
    PILOTDB_FIELD_SITE = 3          /* value.text */
} pilotdb_ce_field;

typedef struct pilotdb_ce_value {
    int null;     /* no value: the CE was created (old), or had no site */
    int64_t i;
    double d;
    char text[PILOTDB_NAME_MAX + 1];
} pilotdb_ce_value;

/* One row of the CE change log. */
typedef struct pilotdb_ce_history_row {
    int64_t id;
    int64_t at;                      /* the writer's clock */
    int64_t ce_id;
    char ce_name[PILOTDB_NAME_MAX + 1];
    pilotdb_ce_field field;
    pilotdb_ce_value old_value, new_value;
    char by[PILOTDB_WORD_MAX + 1];   /* the writer's actor word */
    char user[PILOTDB_USER_MAX + 1]; /* "" when none */
} pilotdb_ce_history_row;

typedef struct pilotdb_pilot {
    int64_t id;
    int64_t ce_id;
    char ce_name[PILOTDB_NAME_MAX + 1];
    pilot_status status;
    int64_t submitted_at;
    int64_t started_at;  /* PILOTDB_NO_TIME until RUNNING */
    int64_t ended_at;    /* PILOTDB_NO_TIME until DONE or FAILED */
    int64_t updated_at;  /* the latest of the three known */
    /* Schema 5: what is known of each time (a time not EXACT or OBSERVED is
     * PILOTDB_NO_TIME: a submitted_at or started_at UNKNOWN, or NONE), the
     * source's reference ("" for the simulator's and pilot submit's) and
     * status word ("" when none); the reason: pilotdb_pilot_reason(). */
    pilotdb_time_kind submitted_kind, started_kind, ended_kind;
    char ref[PILOTDB_NAME_MAX + 1];
    char source_status[PILOTDB_WORD_MAX + 1];
} pilotdb_pilot;

/* One time of an observation: its kind, and the time for EXACT and
 * OBSERVED (ms since the Unix epoch). */
typedef struct pilotdb_obs_time {
    pilotdb_time_kind kind;
    int64_t at;
} pilotdb_obs_time;

/* Observation flags. */
#define PILOTDB_OBSERVE_KEEP_STATE 0x1u /* the source lost track of the pilot:
                                           a known one keeps its state */

/* One pilot as one record of an outside source shows it. */
typedef struct pilotdb_observation {
    const char *ref;           /* 1..PILOTDB_NAME_MAX bytes */
    const char *ce_name;
    const char *site;          /* the CE's site, NULL when none */
    pilot_status status;
    pilotdb_obs_time submitted, started, ended;
    const char *reason;        /* NULL when none; up to PILOTDB_REASON_MAX */
    const char *source_status; /* NULL when none; up to PILOTDB_WORD_MAX */
    unsigned flags;            /* PILOTDB_OBSERVE_ */
} pilotdb_observation;

/* What pilotdb_pilot_observe() did. */
typedef enum pilotdb_observe_result {
    PILOTDB_OBSERVE_NEW = 0,       /* a new ref: the pilot was created */
    PILOTDB_OBSERVE_CHANGED = 1,   /* the pilot moved or gained facts */
    PILOTDB_OBSERVE_UNCHANGED = 2, /* the database knew all of it */
    PILOTDB_OBSERVE_STALE = 3      /* older than the pilot's row: ignored */
} pilotdb_observe_result;

/* Which pilots pilotdb_pilots_foreach() visits. */
typedef struct pilotdb_pilot_filter {
    int status;          /* a pilot_status, or -1 for any */
    const char *ce_name; /* NULL for any CE */
} pilotdb_pilot_filter;

typedef struct pilotdb_event {
    int64_t pilot_id;
    int64_t ce_id;
    int from_status;     /* a pilot_status, or -1 for the submission */
    int to_status;
    int64_t at;
} pilotdb_event;

/* Which events pilotdb_events_foreach() visits: from <= at < to.  Use
 * INT64_MIN / INT64_MAX for no bound.  any_order: visit them in any order
 * (one scan of the pilots, no sort: for a reader that only counts them). */
typedef struct pilotdb_event_filter {
    int64_t from;
    int64_t to;
    int any_order;
} pilotdb_event_filter;

/* Which transitions pilotdb_transitions_foreach() visits: from <= at < to
 * (INT64_MIN / INT64_MAX: no bound), of CE ce_name (NULL: any CE). */
typedef struct pilotdb_transition_filter {
    int64_t from;
    int64_t to;
    const char *ce_name;
} pilotdb_transition_filter;

/* One known transition of a pilot: what a history export writes. */
typedef struct pilotdb_transition {
    const pilotdb_pilot *pilot; /* the pilot as it is now (ref "" when none) */
    const char *site;           /* its CE's site, NULL when none */
    const char *reason;         /* the pilot's reason, NULL when none or when
                                   not last */
    pilot_status to;            /* the status it moved into */
    int64_t at;
    pilotdb_time_kind kind;     /* PILOTDB_TIME_EXACT or _OBSERVED */
    int last;                   /* non-zero: the pilot's last known transition */
} pilotdb_transition;

typedef struct pilotdb_summary {
    int64_t count[PILOT_NSTATUS];
} pilotdb_summary;

/* Clock: returns the current time in milliseconds. */
typedef int64_t (*pilotdb_clock_fn)(void *arg);

/* Callbacks for the foreach functions: return 0 to go on, non-zero to stop
 * (the foreach then returns PILOTDB_OK).  The record is valid only during
 * the call. */
typedef int (*pilotdb_pilot_cb)(void *arg, const pilotdb_pilot *pilot);
typedef int (*pilotdb_event_cb)(void *arg, const pilotdb_event *event);
typedef int (*pilotdb_transition_cb)(void *arg, const pilotdb_transition *t);

/* ---- connections --------------------------------------------------------- */

/*
 * Optional process-wide tuning of SQLite (no memory statistics), to call
 * before any other SQLite or pilotdb call; PILOTDB_EMISUSE, changing
 * nothing, once SQLite is in use.
 */
pilotdb_rc pilotdb_setup_process(void);

/*
 * Open the pilot database at path (":memory:": a private in-memory one).
 * With PILOTDB_OPEN_CREATE a missing or empty file gets the current schema;
 * without it a missing file is PILOTDB_ECANTOPEN.  An older schema is
 * migrated; a newer one is PILOTDB_ESCHEMA; a file that is not a pilotdeck
 * database is PILOTDB_ENOTDB, left unmodified.  On success *out is a handle
 * to close with pilotdb_close(); on error *out is NULL and errbuf (if not
 * NULL) holds the reason.
 */
pilotdb_rc pilotdb_open(const char *path, unsigned flags, pilotdb **out,
                        char *errbuf, size_t errbuf_size);

/*
 * Open a private in-memory database holding a copy of image (bytes made by
 * pilotdb_serialize()).  The image is copied; the caller keeps ownership.
 * Same checks and errors as pilotdb_open().
 */
pilotdb_rc pilotdb_open_image(const unsigned char *image, size_t size,
                              pilotdb **out, char *errbuf, size_t errbuf_size);

/*
 * Serialize the main database into *image (free with pilotdb_free()) and its
 * size into *size.  On error *image is NULL and *size 0.
 */
pilotdb_rc pilotdb_serialize(pilotdb *db, unsigned char **image, size_t *size);

/*
 * Close the handle, finalizing every statement.  Returns PILOTDB_EMISUSE
 * (and closes anyway, rolling back) if a transaction was still open.
 * A NULL db is a no-op.
 */
pilotdb_rc pilotdb_close(pilotdb *db);

/* The message of the last error on this handle ("" after success). */
const char *pilotdb_errmsg(const pilotdb *db);

/* A fixed English description of rc. */
const char *pilotdb_rc_str(pilotdb_rc rc);

/* Free memory returned by the layer.  NULL is a no-op. */
void pilotdb_free(void *p);

/*
 * The SQLite connection behind the handle, owned by it, for tests and tools
 * (savepoints, backups, pragmas).  Inside a pilotdb_begin() transaction SQL
 * on it must not change CEs or pilots nor use SAVEPOINT / ROLLBACK TO; a raw
 * ROLLBACK there is fine, and a raw COMMIT while the handle holds counts not
 * yet written becomes a rollback.  Inside a transaction opened with raw SQL
 * (BEGIN or SAVEPOINT) each call keeps the counts exact by itself.
 */
struct sqlite3 *pilotdb_sqlite(pilotdb *db);

/*
 * Let the handle keep up to kib KiB of database pages in memory (SQLite's
 * default is 2 MiB).  PILOTDB_EINVAL unless 1 <= kib <= 1 TiB.
 */
pilotdb_rc pilotdb_set_cache(pilotdb *db, int64_t kib);

/*
 * The kind of clock the database's times are on, in *kind
 * (PILOTDB_CLOCK_UNSET until a writer claims one).
 */
pilotdb_rc pilotdb_clock_kind(pilotdb *db, pilotdb_clock_type *kind);

/*
 * Claim the database for a writer on a kind of clock (WALL or SIM): set
 * it if none is, accept it if it is that one; PILOTDB_ECLOCK, changing
 * nothing, when it is the other (the message says which, and what the
 * writer needs), PILOTDB_EINVAL for another value.
 */
pilotdb_rc pilotdb_clock_claim(pilotdb *db, pilotdb_clock_type kind);

/* "unset", "wall", "sim"; NULL for a bad value. */
const char *pilotdb_clock_kind_name(int kind);

/*
 * Who the handle's writes are by, for the CE change log: by, a short
 * actor word (1..PILOTDB_WORD_MAX bytes of [a-z0-9_-]: "cli", "top",
 * "sim", "ingest"; "api" until set), and user, a user name or NULL
 * (none; up to PILOTDB_USER_MAX bytes, no control characters).  Both are
 * copied.  PILOTDB_EINVAL, changing nothing, for a bad one.
 */
pilotdb_rc pilotdb_set_actor(pilotdb *db, const char *by, const char *user);

/* The handle's actor word, and in *user (if not NULL) its user name ("" when
 * none); both owned by the handle, valid until the next
 * pilotdb_set_actor(). */
const char *pilotdb_actor(const pilotdb *db, const char **user);

/* Install a clock (NULL restores the wall clock). */
void pilotdb_set_clock(pilotdb *db, pilotdb_clock_fn clock, void *arg);

/* The current time of the handle's clock, in milliseconds. */
int64_t pilotdb_now(pilotdb *db);

/* ---- transactions -------------------------------------------------------- */

/* Open a write transaction (BEGIN IMMEDIATE): other writers wait until it
 * ends.  The CE counts its calls change are exact for its own reads and,
 * after the commit, for every other connection.  PILOTDB_EMISUSE if a
 * transaction is open. */
pilotdb_rc pilotdb_begin(pilotdb *db);
/* Open a read transaction whose snapshot holds until commit or rollback. */
pilotdb_rc pilotdb_begin_read(pilotdb *db);
/* Commit; if that fails, the whole transaction is rolled back. */
pilotdb_rc pilotdb_commit(pilotdb *db);
/* Roll back.  When it succeeds, pilotdb_errmsg() still says why the caller
 * gave up on the transaction, for the caller to report. */
pilotdb_rc pilotdb_rollback(pilotdb *db);
/* Non-zero while a transaction is open on the handle. */
int pilotdb_in_transaction(pilotdb *db);
/* Inside a transaction: in *version, a number that changes whenever the
 * database changes, through this handle or any other, and that no other
 * handle of the process gives; two equal numbers mean the same data (a
 * reader can keep what it read).  PILOTDB_EMISUSE outside a transaction
 * (*version is then 0). */
pilotdb_rc pilotdb_data_version(pilotdb *db, uint64_t *version);

/* ---- CEs ------------------------------------------------------------------ */

/*
 * Add a CE.  name: 1 to PILOTDB_NAME_MAX bytes, no control characters;
 * capacity >= 0; success_rate in [0, 1].  Refusals: PILOTDB_EINVAL,
 * PILOTDB_EEXISTS.  *id (if not NULL) receives the new CE id.
 */
pilotdb_rc pilotdb_ce_add(pilotdb *db, const char *name, int64_t capacity,
                          double success_rate, int enabled, int64_t *id);

/*
 * pilotdb_ce_add() with a site (a name, or NULL) and where the capacity
 * came from.
 */
pilotdb_rc pilotdb_ce_add_spec(pilotdb *db, const pilotdb_ce_spec *spec,
                               int64_t *id);

/* Change the fields of CE name selected by upd->set (PILOTDB_SET_SITE
 * and PILOTDB_SET_CAPACITY_SOURCE are PILOTDB_EINVAL here).  Each field
 * whose value changes is a row of the CE change log (pilotdb_ce_history()),
 * as is each field of a CE added, with no old value.  A new capacity is
 * PILOTDB_CAPACITY_CONFIGURED. */
pilotdb_rc pilotdb_ce_update(pilotdb *db, const char *name,
                             const pilotdb_ce_change *upd);

/* pilotdb_ce_update() that may also change the site and the capacity's
 * source. */
pilotdb_rc pilotdb_ce_edit(pilotdb *db, const char *name,
                           const pilotdb_ce_edit_spec *edit);

/*
 * The CE change log, newest first (by time, then by the order written):
 * the rows of CE ce_name (NULL: every CE) at or after since (INT64_MIN:
 * all).  *out is an array of *n rows to free with pilotdb_free() (NULL
 * when *n is 0 or on error).  An unknown ce_name is PILOTDB_ENOTFOUND.
 */
pilotdb_rc pilotdb_ce_history(pilotdb *db, const char *ce_name, int64_t since,
                              pilotdb_ce_history_row **out, size_t *n);

/* Read one CE by name into *out (zeroed on error). */
pilotdb_rc pilotdb_ce_get(pilotdb *db, const char *name, pilotdb_ce *out);

/*
 * List CEs ordered by name: all of them, or with available_only only the
 * enabled ones with a free slot.  *out is an array of *n CEs to free with
 * pilotdb_free() (NULL when *n is 0 or on error).
 */
pilotdb_rc pilotdb_ce_list(pilotdb *db, int available_only, pilotdb_ce **out,
                           size_t *n);

/* The most pilots CE name held active (submitted or running) at once, by
 * its pilots' known times (a pilot whose submission is unknown counts from
 * its first known time), in *peak. */
pilotdb_rc pilotdb_ce_peak_active(pilotdb *db, const char *name, int64_t *peak);

/* The configured success rate of CE name. */
pilotdb_rc pilotdb_ce_success_rate(pilotdb *db, const char *name, double *rate);

/* ---- pilots --------------------------------------------------------------- */

/*
 * Submit a pilot to CE ce_name at the clock's time; *pilot_id (if not NULL)
 * receives its id.  Refused with PILOTDB_ENOTFOUND, PILOTDB_EDISABLED or
 * PILOTDB_EFULL, decided in the same transaction as the write, so that two
 * writers never overfill a CE.
 */
pilotdb_rc pilotdb_pilot_submit(pilotdb *db, const char *ce_name,
                                int64_t *pilot_id);

/*
 * Move pilot pilot_id to status.  PILOTDB_ENOTFOUND for an unknown id,
 * PILOTDB_ETRANSITION for a change the state machine does not allow
 * (the message names both states).
 */
pilotdb_rc pilotdb_pilot_set_status(pilotdb *db, int64_t pilot_id,
                                    pilot_status status);

/*
 * pilotdb_pilot_set_status() for a writer that knows the pilot: move pilot
 * pilot_id, of CE ce_id, from status from to status to, without reading
 * it first.  Refused, with nothing written and in this order, with
 * PILOTDB_ENOTFOUND for an unknown pilot, PILOTDB_EINVAL if it is not of
 * CE ce_id, PILOTDB_ETRANSITION if it is not in status from or the state
 * machine does not allow from -> to.
 */
pilotdb_rc pilotdb_pilot_move(pilotdb *db, int64_t pilot_id, int64_t ce_id,
                              pilot_status from, pilot_status to);

/*
 * Record one observation of a pilot from an outside source, inside the
 * caller's transaction or its own.  A new obs->ref creates the pilot
 * (never refused for capacity, nor for a disabled CE: the CE's counts stay
 * exact and may exceed its capacity); a known one moves it forward (states
 * may be skipped: submitted to done) and fills in what it did not know.
 * An observation whose latest time is older than the pilot's latest is
 * stale and ignored; the same one twice changes nothing.  The CE's site
 * is set from obs->site when it has none.  *result (if not NULL) says
 * which.  The database's clock must be (or becomes) the wall clock.
 * Refusals, with nothing written: PILOTDB_EINVAL for a malformed
 * observation (times that disagree with the status or go back, a bad
 * name, a known ref at another CE); PILOTDB_ETRANSITION, a bad record,
 * for a move backwards (done, then running, at a later time) or times
 * that contradict the pilot's; PILOTDB_ENOTFOUND for an unknown CE (the
 * message names it); PILOTDB_ECLOCK on a simulation's database.
 * *pilot_id (if not NULL) receives the pilot's id (0 on error), *result
 * PILOTDB_OBSERVE_UNCHANGED on error (not 0, which would say new).  A
 * database error leaves nothing of the call behind; inside a
 * pilotdb_begin() transaction, should a new pilot's second row fail and
 * its first not be taken back either (or SQLite roll the transaction back
 * itself), the whole transaction is rolled back (the message ends "the
 * transaction was rolled back"); should even that fail, pilotdb_commit()
 * refuses the transaction and rolls it back.
 */
pilotdb_rc pilotdb_pilot_observe(pilotdb *db, const pilotdb_observation *obs,
                                 pilotdb_observe_result *result,
                                 int64_t *pilot_id);

/* How many pilots have times that are not exact: one or more observed
 * times, an unknown submission, an unknown start. */
typedef struct pilotdb_time_counts {
    int64_t observed, submitted_unknown, started_unknown;
} pilotdb_time_counts;

/* Count them (a scan of the pilots from outside sources) into *out. */
pilotdb_rc pilotdb_time_counts_get(pilotdb *db, pilotdb_time_counts *out);

/* Read the pilot whose ref is ref into *out (zeroed on error);
 * PILOTDB_ENOTFOUND if none. */
pilotdb_rc pilotdb_pilot_get_ref(pilotdb *db, const char *ref, pilotdb_pilot *out);

/* The reason of pilot pilot_id in *reason, a string to free with
 * pilotdb_free(), or NULL when it has none. */
pilotdb_rc pilotdb_pilot_reason(pilotdb *db, int64_t pilot_id, char **reason);

/* Read one pilot into *out (zeroed on error). */
pilotdb_rc pilotdb_pilot_get(pilotdb *db, int64_t pilot_id, pilotdb_pilot *out);

/*
 * Call cb for each pilot matching filter (NULL: all), in id order, inside one
 * read snapshot.  An unknown filter->ce_name is PILOTDB_ENOTFOUND.
 */
pilotdb_rc pilotdb_pilots_foreach(pilotdb *db, const pilotdb_pilot_filter *filter,
                                  pilotdb_pilot_cb cb, void *arg);

/* Collect the pilots pilotdb_pilots_foreach() would visit into an array to
 * free with pilotdb_free(). */
pilotdb_rc pilotdb_pilots_list(pilotdb *db, const pilotdb_pilot_filter *filter,
                               pilotdb_pilot **out, size_t *n);

/* Pilot counts per status (every status present, zeros included). */
pilotdb_rc pilotdb_summary_get(pilotdb *db, pilotdb_summary *out);

/* ---- history -------------------------------------------------------------- */

/*
 * Call cb for each event matching filter (NULL: all) in time order; events
 * at the same time by pilot id, and a pilot's own in the order they
 * happened.  A pilot's events never go back: a change the clock places
 * before the pilot's previous one is recorded at that one's time.  A full
 * scan of the pilots, for audits and a first frame, not for every frame
 * (the CE counts and last_change_at serve those).  The SQL view pilot_event
 * holds the same events.
 */
pilotdb_rc pilotdb_events_foreach(pilotdb *db, const pilotdb_event_filter *filter,
                                  pilotdb_event_cb cb, void *arg);

/*
 * Call cb for each known transition of the pilots matching filter (NULL:
 * all) in time order: by time, then pilot id, then the pilot's own order
 * (submitted, running, ended); times that are not known give none.  One
 * read snapshot and one query, sorted by SQLite (on disk when large): the
 * memory it takes does not grow with the number of pilots.  The records
 * (strings included) are valid only during the call.  An unknown
 * filter->ce_name is PILOTDB_ENOTFOUND.
 */
pilotdb_rc pilotdb_transitions_foreach(pilotdb *db,
                                       const pilotdb_transition_filter *filter,
                                       pilotdb_transition_cb cb, void *arg);

/* One pilot of a CE as pilotdb_ce_pilots_scan() visits it: its times
 * known (PILOTDB_NO_TIME otherwise) and, unless it is done, its reason
 * (NULL when none; valid only during the call). */
typedef struct pilotdb_pilot_brief {
    int64_t id;
    pilot_status status;
    int64_t submitted_at, started_at, ended_at;
    const char *reason;
} pilotdb_pilot_brief;

typedef int (*pilotdb_brief_cb)(void *arg, const pilotdb_pilot_brief *pilot);

/*
 * Call cb for each pilot of CE ce_name in no particular order (the active
 * ones first, newest first), inside one read snapshot, reading the few
 * columns a summary of the CE needs (no ref, no CE name).  On real data
 * (times from 1990 on) no other CE's ended pilot is read: the cost
 * follows the CE's pilots, not the database's; a simulation's ended
 * pilots are found by one scan of every pilot.  The CE's counts say how
 * many pilots to look for: counts that pilotdb_check() finds wrong may
 * hide some.  A non-zero return from cb stops the scan.  An unknown
 * ce_name is PILOTDB_ENOTFOUND.
 */
pilotdb_rc pilotdb_ce_pilots_scan(pilotdb *db, const char *ce_name, pilotdb_brief_cb cb,
                                  void *arg);

/* ---- positions in followed inputs ------------------------------------------ */

/* Where a reader of a growing input stopped: the file's identity, the
 * byte offset and line of the next record, and the input's format. */
typedef struct pilotdb_position {
    uint64_t dev, ino;
    int64_t offset;
    int64_t line;
    char format[16]; /* a word of [a-z0-9_-], or "" */
} pilotdb_position;

/*
 * The position saved under key (1..4095 bytes, such as the
 * input's absolute path) in *pos; PILOTDB_ENOTFOUND when none is.
 */
pilotdb_rc pilotdb_position_get(pilotdb *db, const char *key, pilotdb_position *pos);

/*
 * Save *pos under key, in the caller's transaction (so that it commits or
 * rolls back with what was read up to it) or its own.  PILOTDB_EINVAL for
 * a bad key, a negative offset or line, or a bad format word.
 */
pilotdb_rc pilotdb_position_set(pilotdb *db, const char *key, const pilotdb_position *pos);

/* ---- consistency ------------------------------------------------------------ */

/*
 * Run PRAGMA integrity_check and the foreign key check, and recompute
 * every per-CE count and last change time from the pilot rows.  Returns
 * PILOTDB_OK when all agree, PILOTDB_EINCONSISTENT with a message naming the
 * first problem otherwise.  *problems (if not NULL) receives how many were
 * found.
 */
pilotdb_rc pilotdb_check(pilotdb *db, int64_t *problems);

/* ---- names ------------------------------------------------------------------- */

/* "submitted", "running", "done", "failed"; NULL for a bad value. */
const char *pilot_status_name(int status);

/* Parse a status word (case-insensitive); PILOTDB_EINVAL if unknown. */
pilotdb_rc pilot_status_parse(const char *word, pilot_status *out);

/* "exact", "observed", "unknown", "none"; NULL for a bad value. */
const char *pilotdb_time_kind_name(int kind);

/* "capacity", "success_rate", "enabled", "site"; NULL for a bad value. */
const char *pilotdb_ce_field_name(int field);

/*
 * Text that may reach a terminal (names, references, reasons) must be
 * well-formed UTF-8 without control characters; these are the one
 * implementation of that rule.
 *
 * pilotdb_utf8_char: the length (1 to 4) of the well-formed UTF-8 sequence
 * at s, which has n bytes left, with its code point in *cp; 0 when the bytes
 * there are not one (overlong, surrogate, past U+10FFFF, cut short).
 * pilotdb_is_control: non-zero for C0, DEL and C1 (U+0080..U+009F).
 * pilotdb_text_fault: 0 when text[0, n) keeps the rule; else the 1-based
 * byte where it first breaks it, with *is_control set to 1 for a control
 * character and 0 for bytes that are not UTF-8.
 */
size_t pilotdb_utf8_char(const unsigned char *s, size_t n, unsigned *cp);
int pilotdb_is_control(unsigned cp);
size_t pilotdb_text_fault(const char *text, size_t n, int *is_control);

/*
 * The one text of a wall-clock time in JSON (the *_at keys): ms since the
 * Unix epoch as ISO 8601 UTC with milliseconds, "2026-12-01T10:00:00.250Z",
 * into buf (PILOTDB_TIME_UTC_MAX bytes).  Returns buf; "" for a time gmtime
 * cannot represent.
 */
#define PILOTDB_TIME_UTC_MAX 40
char *pilotdb_time_utc(int64_t ms, char *buf);

/*
 * The CSV rule of every CSV pilotdeck writes (RFC 4180): s as one field,
 * quoted when it holds a comma, a quote, CR or LF, each quote doubled.
 * Records end in CRLF (PILOTDB_CSV_EOL).  0, or EOF on a write error.
 */
#define PILOTDB_CSV_EOL "\r\n"
int pilotdb_csv_put(FILE *out, const char *s);

/* Non-zero if the state machine allows from -> to. */
int pilot_status_transition_ok(pilot_status from, pilot_status to);

#ifdef __cplusplus
}
#endif

#endif /* PILOTDB_H */
