/*
 * cmd_ingest.c - `pilotdeck ingest`: pilot records from outside (jsonl,
 * HTCondor, DIRAC) into the database, once or following a growing file.
 *
 * Once: one transaction for the whole invocation, all or nothing unless
 * --skip-bad.  Follow: a transaction per batch (at most a second of data),
 * committed together with the file's position, so that a kill at any
 * instant loses and repeats nothing.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pilotingest.h"

enum { OPT_FORMAT = 1, OPT_ADD_CES, OPT_SKIP_BAD, OPT_DRY_RUN, OPT_FOLLOW, OPT_BATCH };

/* Messages about bad records: at most this many, then a count. */
#define MAX_MESSAGES 20

/* Follow mode: a batch ends after this long, or this many records. */
#define BATCH_MS 1000
#define BATCH_RECORDS 20000
/* ... and looks for more data this often when there is none. */
#define POLL_MS 200

static const struct cli_option ingest_options[] = {
    {"format", 'f', CLI_ARG_REQUIRED, "F",
     "auto (default), jsonl, condor or dirac", OPT_FORMAT},
    {"add-ces", 0, CLI_ARG_NONE, NULL,
     "create unknown CEs (capacity inferred: the most\n"
     "pilots they held active at once)", OPT_ADD_CES},
    {"skip-bad", 0, CLI_ARG_NONE, NULL,
     "write the good records, report the bad ones\n"
     "(exit status 1 if there were any)", OPT_SKIP_BAD},
    {"dry-run", 'n', CLI_ARG_NONE, NULL, "check and report, write nothing", OPT_DRY_RUN},
    {"follow", 'F', CLI_ARG_NONE, NULL,
     "follow one growing FILE, as tail -F does, until\n"
     "interrupted; bad records are reported and skipped", OPT_FOLLOW},
    {"batch-ms", 0, CLI_ARG_REQUIRED, "MS", NULL, OPT_BATCH},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

struct options {
    pilotingest_format format;
    int add_ces, skip_bad, dry_run, follow;
    int64_t batch_ms;
};

/* A CE named in the input: added by this run, or unknown. */
struct ce_note {
    char *name;
    int64_t records;   /* unknown: records refused for it */
    const char *file;  /* unknown: where the first was */
    long line;
    int64_t capacity, ended; /* added: what was inferred */
    double success_rate;
    int earlier;       /* a CE an earlier ingest added (its capacity inferred) */
    int64_t seen;      /* its pilots when last inferred */
};

struct run {
    const struct options *o;
    pilotdb *db;
    char *err;         /* a quiet run (a history a golden replays): the first
                          problem goes here, nothing is printed */
    size_t err_size;
    int64_t records, created, changed, unchanged, stale, bad, messages;
    struct ce_note *added, *unknown;
    size_t nadded, nunknown;
};

static int take_option(void *state, int id, const char *value)
{
    struct options *o = state;

    switch (id) {
    case OPT_FORMAT:
        if (pilotingest_format_parse(value, &o->format) != PILOTINGEST_OK) {
            cli_error("ingest: --format '%s' is not a format (auto, jsonl, condor, dirac)",
                      value);
            return CLI_USAGE;
        }
        break;
    case OPT_ADD_CES: o->add_ces = 1; break;
    case OPT_SKIP_BAD: o->skip_bad = 1; break;
    case OPT_DRY_RUN: o->dry_run = 1; break;
    case OPT_FOLLOW: o->follow = 1; break;
    default:
        if (cli_parse_int("ingest: --batch-ms", value, 1, 3600000, &o->batch_ms))
            return CLI_USAGE;
        break;
    }
    return CLI_OK;
}

/* A bad record: its message, unless MAX_MESSAGES were printed already by
 * one run over its inputs (a follower, which runs for days, says each). */
static void report_bad(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report_bad(struct run *r, const char *fmt, ...)
{
    va_list ap;

    r->bad++;
    if (r->err) {
        if (!r->err[0]) {
            va_start(ap, fmt);
            vsnprintf(r->err, r->err_size, fmt, ap);
            va_end(ap);
        }
        return;
    }
    if (!r->o->follow && r->messages++ >= MAX_MESSAGES)
        return;
    fputs("pilotdeck: ingest: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* A problem of the run that stops it: said on stderr, or kept in r->err
 * by a quiet run. */
static void say(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct run *r, const char *fmt, ...)
{
    char text[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (!r->err)
        cli_error("%s", text);
    else if (!r->err[0])
        snprintf(r->err, r->err_size, "%s", text);
}

/* The database failed at what: said, and CLI_FAILED. */
static int db_fail(struct run *r, const char *what)
{
    say(r, "%s: %s", what, pilotdb_errmsg(r->db));
    return CLI_FAILED;
}

static struct ce_note *find_note(struct ce_note *notes, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(notes[i].name, name) == 0)
            return &notes[i];
    return NULL;
}

static struct ce_note *add_note(struct ce_note **notes, size_t *n, const char *name)
{
    struct ce_note *note;

    if ((*n & (*n - 1)) == 0) { /* grow at powers of two */
        struct ce_note *grown = realloc(*notes, (*n ? *n * 2 : 1) * sizeof **notes);
        if (!grown) {
            cli_error("out of memory");
            exit(CLI_FAILED);
        }
        *notes = grown;
    }
    note = &(*notes)[(*n)++];
    memset(note, 0, sizeof *note);
    note->name = cli_xstrdup(name);
    return note;
}

static void free_notes(struct ce_note *notes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(notes[i].name);
    free(notes);
}

/* Create CE name for --add-ces: capacity inferred at the end of the batch. */
static pilotdb_rc add_ce(struct run *r, const pilotingest_obs *obs)
{
    pilotdb_ce_spec spec = {obs->ce, 0, 1.0, 1, obs->site, PILOTDB_CAPACITY_INFERRED};
    pilotdb_rc rc = pilotdb_ce_add_spec(r->db, &spec, NULL);

    if (rc == PILOTDB_OK)
        add_note(&r->added, &r->nadded, obs->ce);
    return rc;
}

/* Store one observation.  CLI_OK, also for a bad record (counted and
 * reported); CLI_FAILED when the database failed. */
static int store(struct run *r, const char *file, const pilotingest_obs *obs)
{
    pilotdb_observation o = pilotingest_to_observation(obs);
    pilotdb_observe_result result;
    pilotdb_rc rc;
    struct ce_note *note;

    r->records++;
    rc = pilotdb_pilot_observe(r->db, &o, &result, NULL);
    if (rc == PILOTDB_ENOTFOUND && r->o->add_ces) {
        rc = add_ce(r, obs);
        if (rc == PILOTDB_OK)
            rc = pilotdb_pilot_observe(r->db, &o, &result, NULL);
    }
    switch (rc) {
    case PILOTDB_OK:
        if (result == PILOTDB_OBSERVE_NEW)
            r->created++;
        else if (result == PILOTDB_OBSERVE_CHANGED)
            r->changed++;
        else if (result == PILOTDB_OBSERVE_STALE)
            r->stale++;
        else
            r->unchanged++;
        return CLI_OK;
    case PILOTDB_ENOTFOUND:
        note = find_note(r->unknown, r->nunknown, obs->ce);
        if (!note) {
            note = add_note(&r->unknown, &r->nunknown, obs->ce);
            note->file = file;
            note->line = obs->line;
        }
        note->records++;
        report_bad(r, "%s:%ld: unknown CE '%s'", file, obs->line, obs->ce);
        return CLI_OK;
    case PILOTDB_EINVAL:
    case PILOTDB_ETRANSITION:
        report_bad(r, "%s:%ld: %s", file, obs->line, pilotdb_errmsg(r->db));
        return CLI_OK;
    default:
        return db_fail(r, "ingest");
    }
}

static int64_t pilots_of(const pilotdb_ce *ce)
{
    int64_t n = 0;
    for (int s = 0; s < PILOT_NSTATUS; s++)
        n += ce->count[s];
    return n;
}

/* The CEs earlier ingests added, whose capacity is still inferred (no one
 * set it since): this run goes on inferring it from what it adds. */
static int note_inferred(struct run *r)
{
    pilotdb_ce *ces = NULL;
    size_t n = 0;

    if (pilotdb_ce_list(r->db, 0, &ces, &n) != PILOTDB_OK)
        return db_fail(r, "ingest: listing the CEs");
    for (size_t i = 0; i < n; i++) {
        if (ces[i].capacity_source == PILOTDB_CAPACITY_INFERRED) {
            struct ce_note *note = add_note(&r->added, &r->nadded, ces[i].name);
            note->earlier = 1;
            note->seen = pilots_of(&ces[i]);
        }
    }
    pilotdb_free(ces);
    return CLI_OK;
}

/* Give each CE whose capacity is inferred, and that gained pilots, the
 * capacity and success rate its pilots show: the most active at once (never
 * less than before), and done / ended (1 when none ended).  Following, a
 * batch only raises the capacity to the pilots active now (a CE's counts
 * are at hand; its history would be a scan per batch). */
static int infer_added(struct run *r, int following)
{
    for (size_t i = 0; i < r->nadded; i++) {
        pilotdb_ce_edit_spec edit = {{PILOTDB_SET_CAPACITY | PILOTDB_SET_SUCCESS_RATE |
                                      PILOTDB_SET_CAPACITY_SOURCE, 0, 1.0, 1},
                                     NULL, PILOTDB_CAPACITY_INFERRED};
        int64_t peak, ended;
        pilotdb_ce ce;

        if (pilotdb_ce_get(r->db, r->added[i].name, &ce) != PILOTDB_OK)
            return db_fail(r, "ingest: inferring a CE's capacity");
        if (ce.capacity_source != PILOTDB_CAPACITY_INFERRED ||
            (r->added[i].earlier && pilots_of(&ce) == r->added[i].seen))
            continue; /* set by someone since, or nothing new */
        r->added[i].seen = pilots_of(&ce);
        if (!following && pilotdb_ce_peak_active(r->db, r->added[i].name, &peak) != PILOTDB_OK)
            return db_fail(r, "ingest: inferring a CE's capacity");
        if (following)
            peak = ce.active;
        ended = ce.count[PILOT_DONE] + ce.count[PILOT_FAILED];
        edit.change.capacity = peak > ce.capacity ? peak : ce.capacity;
        edit.change.success_rate = ended ? (double)ce.count[PILOT_DONE] / (double)ended : 1.0;
        if (edit.change.capacity == ce.capacity && edit.change.success_rate == ce.success_rate)
            continue;
        if (pilotdb_ce_edit(r->db, r->added[i].name, &edit) != PILOTDB_OK)
            return db_fail(r, "ingest: inferring a CE's capacity");
        r->added[i].capacity = edit.change.capacity;
        r->added[i].success_rate = edit.change.success_rate;
        r->added[i].ended = ended;
    }
    return CLI_OK;
}

static size_t count_added(const struct run *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nadded; i++)
        n += !r->added[i].earlier;
    return n;
}

static void report_added(const struct run *r, const char *verb)
{
    for (size_t i = 0; i < r->nadded; i++)
        if (!r->added[i].earlier)
            cli_error("ingest: %s CE '%s': capacity %lld (inferred: the most pilots active at"
                  " once), success rate %.3g (%s)", verb, r->added[i].name,
                  (long long)r->added[i].capacity, r->added[i].success_rate,
                  r->added[i].ended ? "from its ended pilots" : "no pilot ended");
}

/* Read every record of one input into the open transaction. */
static int ingest_file(struct run *r, const char *path)
{
    const char *name = strcmp(path, "-") == 0 ? "-" : path;
    pilotingest_options io = {r->o->format, name, 0, 0, 0, 0};
    pilotingest_reader *reader = NULL;
    pilotingest_obs obs;
    pilotingest_rc rc;
    char err[512];
    int status = CLI_OK, told = 0;
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");

    struct stat st;

    if (!in) {
        say(r, "ingest: cannot open '%s': %s", path, strerror(errno));
        return CLI_FAILED;
    }
    if (fstat(fileno(in), &st) == 0 && S_ISDIR(st.st_mode)) {
        say(r, "ingest: cannot read '%s': it is a directory", path);
        fclose(in);
        return CLI_FAILED;
    }
    if (pilotingest_open(in, &io, &reader, err, sizeof err) != PILOTINGEST_OK) {
        say(r, "ingest: %s", err);
        status = CLI_FAILED;
    }
    while (status == CLI_OK && (rc = pilotingest_next(reader, &obs)) != PILOTINGEST_END) {
        if (!told && !r->err && r->o->format == PILOTINGEST_AUTO &&
            pilotingest_reader_format(reader) != PILOTINGEST_AUTO) {
            fprintf(stderr, "pilotdeck: ingest: %s: format %s (detected)\n", name,
                    pilotingest_format_name(pilotingest_reader_format(reader)));
            told = 1;
        }
        if (rc == PILOTINGEST_OK) {
            status = store(r, name, &obs);
        } else if (rc == PILOTINGEST_EBAD) {
            r->records++;
            report_bad(r, "%s", pilotingest_errmsg(reader));
        } else {
            say(r, "ingest: %s", pilotingest_errmsg(reader));
            status = CLI_FAILED;
        }
    }
    pilotingest_close(reader);
    if (in != stdin)
        fclose(in);
    return status;
}

static void print_summary(const struct run *r, const char *tail)
{
    printf("ingest: %lld records read, %lld pilots new, %lld changed, %lld unchanged,"
           " %lld stale, %lld bad, %zu CEs added%s\n",
           (long long)r->records, (long long)r->created, (long long)r->changed,
           (long long)r->unchanged, (long long)r->stale, (long long)r->bad, count_added(r), tail);
    fflush(stdout);
}

static void report_unknown(const struct run *r)
{
    if (r->messages > MAX_MESSAGES)
        cli_error("ingest: ... and %lld more bad records",
                  (long long)(r->messages - MAX_MESSAGES));
    for (size_t i = 0; i < r->nunknown; i++)
        cli_error("ingest: unknown CE '%s': %lld record%s, the first at %s:%ld",
                  r->unknown[i].name, (long long)r->unknown[i].records,
                  r->unknown[i].records == 1 ? "" : "s", r->unknown[i].file,
                  r->unknown[i].line);
    if (r->nunknown)
        cli_error("ingest: add unknown CEs with 'pilotdeck ce add', or let ingest create"
                  " them with --add-ces");
}

/* Whether path names nothing yet (then a failed ingest removes the file
 * it created, and a dry run reads into a scratch database). */
static int missing(const char *path)
{
    struct stat st;
    return strcmp(path, ":memory:") != 0 && stat(path, &st) != 0 && errno == ENOENT;
}

static void remove_created(const char *path)
{
    char side[PATH_MAX + 8];

    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* Open the database for writing pilots on the wall clock. */
static int open_for_ingest(const struct cli_globals *g, const struct options *o,
                           int *created, pilotdb **db)
{
    struct cli_globals scratch = *g;
    int status;

    *created = missing(g->db_path);
    if (o->dry_run && *created)
        scratch.db_path = ":memory:";
    status = cli_open_db(&scratch, PILOTDB_OPEN_CREATE, db);
    if (status != CLI_OK)
        return status;
    cli_set_actor(*db, "ingest");
    return CLI_OK;
}

static int ingest_once(const struct cli_globals *g, const struct options *o, int nfiles,
                       char **files)
{
    static char *const stdin_only[] = {"-"};
    struct run r = {0};
    int status, created, wrote = 0;

    if (nfiles == 0) {
        nfiles = 1;
        files = (char **)stdin_only;
    }
    r.o = o;
    if ((status = open_for_ingest(g, o, &created, &r.db)) != CLI_OK)
        return status;
    if (pilotdb_begin(r.db) != PILOTDB_OK)
        status = cli_db_error(r.db, "ingest");
    else if (pilotdb_clock_claim(r.db, PILOTDB_CLOCK_WALL) != PILOTDB_OK)
        status = cli_db_error(r.db, "ingest");
    else
        status = note_inferred(&r);
    for (int i = 0; status == CLI_OK && i < nfiles; i++)
        status = ingest_file(&r, files[i]);
    if (status == CLI_OK)
        status = infer_added(&r, 0);
    if (status == CLI_OK && o->dry_run) {
        report_unknown(&r);
        report_added(&r, "would add");
        print_summary(&r, " (dry run: nothing written)");
        status = r.bad ? CLI_FAILED : CLI_OK;
    } else if (status == CLI_OK && r.bad && !o->skip_bad) {
        report_unknown(&r);
        print_summary(&r, " (nothing written)");
        cli_error("ingest: nothing written: %lld bad record%s (--skip-bad writes the good"
                  " ones)", (long long)r.bad, r.bad == 1 ? "" : "s");
        status = CLI_FAILED;
    } else if (status == CLI_OK) {
        if (pilotdb_commit(r.db) != PILOTDB_OK) {
            status = cli_db_error(r.db, "ingest: committing");
        } else {
            wrote = 1;
            report_unknown(&r);
            report_added(&r, "added");
            print_summary(&r, "");
            status = r.bad ? CLI_FAILED : CLI_OK;
        }
    }
    if (!wrote && pilotdb_in_transaction(r.db))
        pilotdb_rollback(r.db);
    status = cli_close_db(g, r.db, status);
    if (created && !wrote && !o->dry_run)
        remove_created(g->db_path);
    free_notes(r.added, r.nadded);
    free_notes(r.unknown, r.nunknown);
    return status;
}

int cli_ingest_history(pilotdb *db, const char *path, char *err, size_t err_size)
{
    const struct options o = {PILOTINGEST_AUTO, 1, 0, 0, 0, 0};
    struct run r = {0};
    int status;

    err[0] = '\0';
    r.o = &o;
    r.db = db;
    r.err = err;
    r.err_size = err_size;
    if (pilotdb_begin(db) != PILOTDB_OK || pilotdb_clock_claim(db, PILOTDB_CLOCK_WALL) !=
        PILOTDB_OK)
        status = db_fail(&r, "ingest");
    else
        status = note_inferred(&r);
    if (status == CLI_OK)
        status = ingest_file(&r, path);
    if (status == CLI_OK)
        status = infer_added(&r, 0);
    if (status == CLI_OK && r.bad)
        status = CLI_FAILED; /* its first message is in err */
    if (status == CLI_OK && pilotdb_commit(db) != PILOTDB_OK)
        status = db_fail(&r, "ingest: committing");
    if (status != CLI_OK && pilotdb_in_transaction(db))
        pilotdb_rollback(db);
    free_notes(r.added, r.nadded);
    free_notes(r.unknown, r.nunknown);
    return status == CLI_OK ? 0 : -1;
}

/* ---- follow ---------------------------------------------------------------- */

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal cuts it short, as wanted */
}

/* The followed file: the open stream, its identity and reader. */
struct followed {
    const char *path;
    char key[PATH_MAX];
    FILE *in;
    struct stat st;
    pilotingest_reader *reader;
    pilotingest_format format;
    pilotdb_position saved; /* the position in the database */
};

static void follow_close(struct followed *f)
{
    pilotingest_close(f->reader);
    f->reader = NULL;
    if (f->in)
        fclose(f->in);
    f->in = NULL;
}

/* Open the file and a reader at offset (a record's end) and line; 1 when
 * the file is not there (yet), -1 on an error (after a message). */
static int follow_open(struct followed *f, pilotingest_format format, int64_t offset,
                       int64_t line)
{
    pilotingest_options io = {format, f->path, 0, PILOTINGEST_FOLLOW, offset, (long)line};
    char err[512];

    f->in = fopen(f->path, "rb");
    if (!f->in)
        return errno == ENOENT ? 1 : (cli_error("ingest: cannot open '%s': %s", f->path,
                                                strerror(errno)), -1);
    if (fstat(fileno(f->in), &f->st) != 0 ||
        (offset > 0 && fseeko(f->in, (off_t)offset, SEEK_SET) != 0)) {
        cli_error("ingest: cannot read '%s': %s", f->path, strerror(errno));
        follow_close(f);
        return -1;
    }
    if (S_ISDIR(f->st.st_mode)) {
        cli_error("ingest: cannot follow '%s': it is a directory", f->path);
        follow_close(f);
        return -1;
    }
    if (pilotingest_open(f->in, &io, &f->reader, err, sizeof err) != PILOTINGEST_OK) {
        cli_error("ingest: %s", err);
        follow_close(f);
        return -1;
    }
    f->format = format;
    return 0;
}

/* Open the file where the database says this follower stopped: the same
 * file (device and inode) at its saved offset, unless it shrank below it;
 * otherwise from its start (a file rotated while no follower ran: the old
 * one's lines after the saved offset are not read, as with tail -F). */
static int follow_resume(struct run *r, struct followed *f)
{
    pilotdb_position pos;
    pilotingest_format format = r->o->format, saved = PILOTINGEST_AUTO;
    pilotdb_rc rc = pilotdb_position_get(r->db, f->key, &pos);
    struct stat st;
    int have;

    if (rc != PILOTDB_OK && rc != PILOTDB_ENOTFOUND)
        return cli_db_error(r->db, "ingest: reading the saved position");
    if (rc == PILOTDB_OK)
        f->saved = pos;
    else
        f->saved.offset = -1; /* none: the first batch saves one */
    have = rc == PILOTDB_OK && stat(f->path, &st) == 0 && (uint64_t)st.st_dev == pos.dev &&
           (uint64_t)st.st_ino == pos.ino && (int64_t)st.st_size >= pos.offset;
    if (have && pos.format[0])
        pilotingest_format_parse(pos.format, &saved);
    if (have && format != PILOTINGEST_AUTO && saved != PILOTINGEST_AUTO && saved != format) {
        cli_error("ingest: '%s' was followed as %s; it cannot be read on as %s", f->path,
                  pos.format, pilotingest_format_name(format));
        return CLI_USAGE;
    }
    if (have && format == PILOTINGEST_AUTO)
        format = saved;
    for (;;) {
        int got = follow_open(f, have && pos.offset > 0 ? format : r->o->format,
                              have ? pos.offset : 0, have ? pos.line : 0);
        if (got < 0)
            return CLI_FAILED;
        if (got == 0)
            break;
        if (stop_signal)
            return CLI_OK;
        nap(POLL_MS); /* like tail -F: wait for the file to appear */
    }
    if (have && pos.offset > 0)
        fprintf(stderr, "pilotdeck: ingest: %s: going on from line %lld (byte %lld)\n",
                f->path, (long long)pos.line, (long long)pos.offset);
    else if (rc == PILOTDB_OK)
        fprintf(stderr, "pilotdeck: ingest: %s: a new file since the last run; reading it"
                " from the start\n", f->path);
    return CLI_OK;
}

/* What the path names now, compared with the open file: 0 the same file,
 * 1 another file (rotated), 2 the same file, shorter than what was read
 * (truncated), 3 nothing (removed, not yet replaced). */
static int file_changed(struct followed *f)
{
    struct stat now, open_now;

    if (fstat(fileno(f->in), &open_now) == 0 &&
        (int64_t)open_now.st_size < pilotingest_offset(f->reader))
        return 2;
    if (stat(f->path, &now) != 0)
        return 3;
    if (now.st_dev != f->st.st_dev || now.st_ino != f->st.st_ino)
        return 1;
    return 0;
}

/* One batch: read until no whole record is there, the time is up or the
 * batch is full; commit it with the position after it.  *idle says no
 * record was there. */
static int follow_batch(struct run *r, struct followed *f, int *idle)
{
    int64_t deadline = monotonic_ms() + r->o->batch_ms, n = 0;
    pilotingest_obs obs;
    pilotingest_rc rc = PILOTINGEST_OK;
    pilotdb_position pos = {0};
    int status = CLI_OK;

    *idle = 1;
    /* nothing new, and the database has this position: write nothing */
    rc = pilotingest_next(f->reader, &obs);
    if (rc == PILOTINGEST_AGAIN && pilotingest_offset(f->reader) == f->saved.offset &&
        (uint64_t)f->st.st_dev == f->saved.dev && (uint64_t)f->st.st_ino == f->saved.ino)
        return CLI_OK;
    if (pilotdb_begin(r->db) != PILOTDB_OK)
        return cli_db_error(r->db, "ingest");
    for (; rc != PILOTINGEST_AGAIN && status == CLI_OK;
         rc = !stop_signal && n < BATCH_RECORDS ? pilotingest_next(f->reader, &obs)
                                                : PILOTINGEST_AGAIN) {
        n++;
        *idle = 0;
        if (rc == PILOTINGEST_OK) {
            status = store(r, f->path, &obs);
        } else if (rc == PILOTINGEST_EBAD) {
            r->records++;
            report_bad(r, "%s", pilotingest_errmsg(f->reader));
        } else {
            cli_error("ingest: %s", pilotingest_errmsg(f->reader));
            status = CLI_FAILED;
        }
        if ((n & 255) == 0 && monotonic_ms() >= deadline)
            break;
    }
    if (f->format == PILOTINGEST_AUTO &&
        pilotingest_reader_format(f->reader) != PILOTINGEST_AUTO) {
        f->format = pilotingest_reader_format(f->reader);
        fprintf(stderr, "pilotdeck: ingest: %s: format %s (detected)\n", f->path,
                pilotingest_format_name(f->format));
    }
    pos.dev = (uint64_t)f->st.st_dev;
    pos.ino = (uint64_t)f->st.st_ino;
    pos.offset = pilotingest_offset(f->reader);
    pos.line = pilotingest_line(f->reader);
    if (f->format != PILOTINGEST_AUTO)
        snprintf(pos.format, sizeof pos.format, "%s", pilotingest_format_name(f->format));
    if (status == CLI_OK)
        status = infer_added(r, 1);
    if (status == CLI_OK && pilotdb_position_set(r->db, f->key, &pos) != PILOTDB_OK)
        status = cli_db_error(r->db, "ingest: saving the position");
    if (status == CLI_OK && pilotdb_commit(r->db) != PILOTDB_OK)
        return cli_db_error(r->db, "ingest: committing");
    if (status != CLI_OK)
        pilotdb_rollback(r->db);
    else
        f->saved = pos;
    return status;
}

/* The key of a followed file: its absolute path (the file may come and go;
 * its directory stays). */
static int follow_key(const char *path, char *key, size_t size)
{
    char dir[PATH_MAX], real[PATH_MAX];
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;

    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
             slash ? path : ".");
    if (!realpath(dir, real) || !*base) {
        cli_error("ingest: cannot follow '%s': %s", path,
                  *base ? strerror(errno) : "it names a directory");
        return -1;
    }
    if ((size_t)snprintf(key, size, "%s/%s", strcmp(real, "/") ? real : "", base) >= size) {
        cli_error("ingest: cannot follow '%s': the path is too long", path);
        return -1;
    }
    return 0;
}

static int ingest_follow(const struct cli_globals *g, const struct options *o,
                         const char *path)
{
    struct sigaction sa;
    struct followed f = {0};
    struct run r = {0};
    int status, created, idle, change;

    if (strcmp(path, "-") == 0 || o->format == PILOTINGEST_DIRAC || o->dry_run) {
        cli_error("ingest: --follow reads one growing jsonl or condor file (not %s)",
                  strcmp(path, "-") == 0 ? "standard input"
                  : o->dry_run          ? "with --dry-run"
                                        : "dirac CSV");
        return CLI_USAGE;
    }
    f.path = path;
    if (follow_key(path, f.key, sizeof f.key) != 0)
        return CLI_FAILED;
    if (stat(path, &f.st) == 0 && S_ISDIR(f.st.st_mode)) {
        cli_error("ingest: cannot follow '%s': it is a directory", path);
        return CLI_FAILED; /* before the database is opened (or made) */
    }
    r.o = o;
    if ((status = open_for_ingest(g, o, &created, &r.db)) != CLI_OK)
        return status;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (pilotdb_clock_claim(r.db, PILOTDB_CLOCK_WALL) != PILOTDB_OK)
        status = cli_db_error(r.db, "ingest");
    if (status == CLI_OK)
        status = note_inferred(&r);
    if (status == CLI_OK)
        status = follow_resume(&r, &f);
    while (status == CLI_OK && !stop_signal && f.reader) {
        status = follow_batch(&r, &f, &idle);
        if (status != CLI_OK || !idle)
            continue;
        change = file_changed(&f);
        if (change == 1) {
            /* what was appended between the last read and the rename */
            status = follow_batch(&r, &f, &idle);
            if (status != CLI_OK || !idle)
                continue;
        }
        if (change == 1 || change == 2) {
            /* rotated: the old file was read to its end; truncated: from 0 */
            fprintf(stderr, "pilotdeck: ingest: %s: %s; reading it from the start\n", path,
                    change == 1 ? "a new file (rotated)" : "truncated");
            follow_close(&f);
            while (status == CLI_OK && !stop_signal && !f.in) {
                int got = follow_open(&f, o->format, 0, 0);
                if (got < 0)
                    status = CLI_FAILED;
                else if (got > 0)
                    nap(POLL_MS);
            }
        } else {
            nap(POLL_MS);
        }
    }
    follow_close(&f);
    if (status == CLI_OK) {
        report_unknown(&r);
        report_added(&r, "added");
        print_summary(&r, "");
    }
    free_notes(r.added, r.nadded);
    free_notes(r.unknown, r.nunknown);
    return cli_close_db(g, r.db, status);
}

static int ingest_run(const struct cli_globals *g, struct cli_args *a)
{
    struct options o = {PILOTINGEST_AUTO, 0, 0, 0, 0, BATCH_MS};

    if (cli_parse(a, take_option, &o))
        return a->status;
    if (o.follow) {
        if (a->nargs != 1) {
            cli_error("ingest: --follow follows exactly one FILE");
            return CLI_USAGE;
        }
        return ingest_follow(g, &o, a->args[0]);
    }
    return ingest_once(g, &o, a->nargs, a->args);
}

const struct cli_command cmd_ingest = {
    .name = "ingest",
    .summary = "read pilot records from HTCondor, DIRAC or jsonl into the database",
    .usage = "pilotdeck [--db PATH] ingest [--format auto|jsonl|condor|dirac] [--add-ces]\n"
             "                             [--skip-bad] [--dry-run] [FILE|-]...\n"
             "       pilotdeck [--db PATH] ingest --follow FILE [--format jsonl|condor]",
    .description =
        "Record what pilots did: condor_q/condor_history -json or -jsonl output,\n"
        "a CSV dump of DIRAC's PilotAgents, or pilotdeck's own jsonl (what\n"
        "'pilotdeck export' writes). Without FILE, or with -, standard input.\n"
        "Ingest records facts: it never refuses a pilot for capacity, and the\n"
        "same input twice changes nothing. One bad record and nothing is\n"
        "written (exit status 1), unless --skip-bad. The database is created\n"
        "if missing, and must hold wall-clock times (not a simulation).\n",
    .help_column = 21,
    .epilog = "Example: condor_q -json | pilotdeck --db grid.db ingest --add-ces -\n",
    .options = ingest_options,
    .max_args = -1,
    .run = ingest_run,
};
