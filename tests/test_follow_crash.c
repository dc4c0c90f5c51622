/*
 * test_follow_crash.c - SIGKILL `pilotdeck ingest --follow` at random
 * instants while another process appends to the file it follows, restart
 * it each time, and check that no record was lost or read twice.
 *
 * The records are jsonl lines made from the seed: pilots on five CEs moving
 * submitted -> running -> done or failed (some fail before they run, some
 * are still submitted or running at the end), in time order, with both
 * forms of time (epoch seconds, ISO 8601 with fractions and zones),
 * observed start times, sites, reasons and source status words.  The
 * follower is the real executable (PILOTDECK_EXE, from CMake) run as
 * `pilotdeck --db DB ingest --follow FILE --add-ces --batch-ms 20`.
 *
 * "kills": a writer process appends the lines at a steady pace, in pieces
 * that mostly end inside a line; the follower is killed at random instants
 * (a third of the kills wait for its next write to the -wal file, through
 * inotify, to land inside or just after a commit) and restarted, until
 * there were enough kills and the writer is nearly done.  After every
 * kill the test reopens the database and requires: pilotdb_check()
 * passes; the saved position is the end of a line, never before the one
 * saved at the previous kill; and the pilots are exactly what the lines
 * before that position make (each pilot's CE, status and latest time): a
 * pilot or a move of a later line would be read twice after the restart,
 * a missing one of an earlier line would be lost.  The last follower
 * follows the writer to its end, catches up and is stopped with SIGTERM:
 * it exits 0 and its summary counts exactly the lines after the position
 * it started from.  The database then equals that of one uninterrupted
 * `pilotdeck ingest` of the whole file: every field of every pilot (id,
 * ref, CE, status, times and their kinds, source status, reason) and each
 * CE's counts, site and last change; and `pilotdeck export --format
 * jsonl` writes the same bytes from both.  Not the capacity or success rate
 * that --add-ces infers: a follower infers those from the pilots active at
 * the end of each batch, a single ingest from the whole history.
 *
 * "rotation": one file rotated (renamed, a new one started) and truncated,
 * once while the follower runs and once while it is down, step by step:
 *   - while it runs, it reads the old file to its end, the lines appended
 *     just before the rename included, then the new file from its start;
 *     after a truncation it reads the file from its start again;
 *   - while it is down: a restarted follower finds another file (device
 *     and inode) under the path, or the same file shorter than its saved
 *     position, and reads it from its start.  The lines of a rotated file
 *     after the saved position are lost, as with tail -F: the follower does
 *     not look for the file the old one was renamed to.
 * A truncation is seen from the size alone (as tail -F sees it): a file
 * truncated and refilled past the saved position before the follower
 * looks would be read on from that position, so the test refills less.
 *
 * Environment: PILOTDECK_FOLLOW_SEED (the lines, the writer's pieces and the
 * kill instants), PILOTDECK_FOLLOW_KILLS (default 120),
 * PILOTDECK_RELIABILITY_SCALE (multiplies the kills, the pilots and the
 * writer's time).
 */
#define _DEFAULT_SOURCE /* realpath */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixtures.h"
#include "pilotdb.h"
#include "reliability_util.h"

#ifndef PILOTDECK_EXE
#error "PILOTDECK_EXE: the path of the pilotdeck executable, from CMake"
#endif

#define DEFAULT_SEED 20261206u
#define DEFAULT_KILLS 120u
#define WRITER_MS 16000.0    /* the writer's time for the whole file */
#define KILL_MEAN_MS 40.0    /* kills land in [0, 2 x this] after a start */
#define CATCH_UP_MS 30000.0  /* the most a follower may take to catch up */
#define POLL_MS 10.0
/* A kill aimed at a commit waits this long at most for one.  A follower
 * that caught up naps 200 ms between looks at the file. */
#define AIM_MAX_MS 250.0

static const char *program = "test_follow_crash"; /* argv[0] */

/* ---- the records ---------------------------------------------------------- */

#define NCES 5
static const char *const ce_names[NCES] = {
    "ce-a.follow.example.org", "ce-b.follow.example.org", "ce-c.follow.example.org",
    "ce-d.follow.example.org", "ce-e.follow.example.org"};
static const char *const ce_sites[NCES] = {"SITE-A", NULL, "SITE-C", "SITE-D", NULL};

/* One line: pilot number pilot moves to status at time at (ms). */
struct line {
    int pilot;
    int ce;
    pilot_status status;
    int stage; /* 0 submitted, 1 running, 2 ended: the order of a pilot's lines */
    int64_t at;
    int64_t end; /* byte offset just after the line in text */
};

struct corpus {
    char *text;
    size_t size;
    struct line *lines;
    size_t n;
    int npilots;
};

static int line_order(const void *pa, const void *pb)
{
    const struct line *a = pa, *b = pb;

    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    if (a->pilot != b->pilot)
        return a->pilot < b->pilot ? -1 : 1;
    return a->stage - b->stage;
}

/* A time: epoch seconds when whole and the coin says so, else ISO 8601
 * with milliseconds, in UTC or at +01:00. */
static int format_time(char *buf, size_t size, int64_t at, uint64_t *rng)
{
    int64_t shift = rel_rand(rng) % 3 == 0 ? 3600 : 0;
    time_t secs = (time_t)(at / 1000 + shift);
    struct tm tm;

    if (at % 1000 == 0 && rel_rand(rng) % 2 == 0)
        return snprintf(buf, size, "%lld", (long long)(at / 1000));
    gmtime_r(&secs, &tm);
    return snprintf(buf, size, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03d%s\"",
                    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                    tm.tm_min, tm.tm_sec, (int)(at % 1000), shift ? "+01:00" : "Z");
}

/* A time min_s to max_s seconds after at, in whole seconds half the time. */
static int64_t later(int64_t at, int64_t min_s, int64_t max_s, uint64_t *rng)
{
    int64_t s = min_s + (int64_t)(rel_rand(rng) % (uint64_t)(max_s - min_s + 1));
    int64_t ms = rel_rand(rng) % 2 ? 0 : (int64_t)(rel_rand(rng) % 1000);
    return (at / 1000 + s) * 1000 + ms;
}

/* The lines of npilots pilots submitted a minute apart from eight days
 * ago (ingest refuses times more than a day in the future), in time order. */
static void corpus_make(struct corpus *c, int npilots, uint64_t seed)
{
    uint64_t rng = seed;
    int64_t base = ((int64_t)time(NULL) - 8 * 86400) * 1000;
    size_t cap = (size_t)npilots * 3, size_cap;
    char *p;

    memset(c, 0, sizeof *c);
    c->npilots = npilots;
    c->lines = calloc(cap, sizeof *c->lines);
    assert_non_null(c->lines);
    for (int i = 0; i < npilots; i++) {
        int ce = (int)(rel_rand(&rng) % NCES), fate = (int)(rel_rand(&rng) % 100);
        int64_t sub = later(base + (int64_t)i * 60000, 0, 59, &rng);
        int64_t run = later(sub, 30, 600, &rng), end = later(run, 60, 3600, &rng);
        struct line l = {i, ce, PILOT_SUBMITTED, 0, sub, 0};

        c->lines[c->n++] = l;
        if (fate < 4) { /* failed before it ran */
            l.status = PILOT_FAILED, l.stage = 2, l.at = run;
            c->lines[c->n++] = l;
            continue;
        }
        if (fate < 8) /* still waiting */
            continue;
        l.status = PILOT_RUNNING, l.stage = 1, l.at = run;
        c->lines[c->n++] = l;
        if (fate < 14) /* still running */
            continue;
        l.status = fate < 24 ? PILOT_FAILED : PILOT_DONE, l.stage = 2, l.at = end;
        c->lines[c->n++] = l;
    }
    qsort(c->lines, c->n, sizeof *c->lines, line_order);

    size_cap = c->n * 256;
    c->text = malloc(size_cap);
    assert_non_null(c->text);
    p = c->text;
    for (size_t k = 0; k < c->n; k++) {
        struct line *l = &c->lines[k];
        char when[64];
        int n;

        format_time(when, sizeof when, l->at, &rng);
        n = snprintf(p, 200, "{\"ref\": \"fc-%05d\", \"ce\": \"%s\", \"status\": \"%s\","
                     " \"at\": %s", l->pilot, ce_names[l->ce], pilot_status_name(l->status),
                     when);
        if (l->status == PILOT_RUNNING && rel_rand(&rng) % 4 == 0)
            n += snprintf(p + n, 40, ", \"observed\": true");
        if (l->status == PILOT_SUBMITTED && ce_sites[l->ce])
            n += snprintf(p + n, 40, ", \"site\": \"%s\"", ce_sites[l->ce]);
        if (l->status == PILOT_FAILED)
            n += snprintf(p + n, 60, ", \"reason\": \"exit code %d\","
                          " \"source_status\": \"Completed\"", 1 + l->pilot % 7);
        n += snprintf(p + n, 4, "}\n");
        p += n;
        l->end = p - c->text;
    }
    c->size = (size_t)(p - c->text);
}

static void corpus_free(struct corpus *c)
{
    free(c->text);
    free(c->lines);
}

/* The bytes of lines [from, to): where they start, and how many. */
static const char *span_text(const struct corpus *c, size_t from)
{
    return c->text + (from ? c->lines[from - 1].end : 0);
}

static size_t span_size(const struct corpus *c, size_t from, size_t to)
{
    return (size_t)((to ? c->lines[to - 1].end : 0) - (from ? c->lines[from - 1].end : 0));
}

/* The number of lines that end at or before offset (lines [first, ...) of
 * the corpus starting at byte 0 of a file), or -1 if offset is inside a line. */
static long lines_before(const struct corpus *c, size_t first, int64_t offset)
{
    int64_t base = first ? c->lines[first - 1].end : 0;
    size_t lo = first, hi = c->n;

    if (offset == 0)
        return 0;
    while (lo < hi) { /* the first line ending after base + offset */
        size_t mid = lo + (hi - lo) / 2;
        if (c->lines[mid].end - base <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > first && c->lines[lo - 1].end - base == offset ? (long)(lo - first) : -1;
}

/* ---- what the database must hold ----------------------------------------- */

struct expected_pilot {
    int seen;
    int ce;
    pilot_status status;
    int64_t at; /* the time of its latest line */
};

struct model {
    struct expected_pilot *p;
    int64_t pilots;
};

static void model_init(struct model *m, const struct corpus *c)
{
    m->p = calloc((size_t)c->npilots, sizeof *m->p);
    assert_non_null(m->p);
    m->pilots = 0;
}

/* Apply lines [from, to) in order. */
static void model_apply(struct model *m, const struct corpus *c, size_t from, size_t to)
{
    for (size_t k = from; k < to; k++) {
        const struct line *l = &c->lines[k];
        struct expected_pilot *e = &m->p[l->pilot];

        if (!e->seen)
            m->pilots++;
        e->seen = 1;
        e->ce = l->ce;
        e->status = l->status;
        e->at = l->at;
    }
}

/* Whether db holds exactly the pilots of m; 0, or -1 with why. */
static int model_compare(pilotdb *db, const struct model *m, const struct corpus *c,
                         char *why, size_t size)
{
    pilotdb_pilot *ps = NULL;
    size_t n = 0;
    int bad = 0;

    if (pilotdb_pilots_list(db, NULL, &ps, &n) != PILOTDB_OK) {
        snprintf(why, size, "listing the pilots: %s", pilotdb_errmsg(db));
        return -1;
    }
    if ((int64_t)n != m->pilots) {
        snprintf(why, size, "it holds %zu pilots; the lines before its position make %lld",
                 n, (long long)m->pilots);
        bad = 1;
    }
    for (size_t i = 0; !bad && i < n; i++) {
        const pilotdb_pilot *p = &ps[i];
        int num = -1;
        const struct expected_pilot *e;

        if (sscanf(p->ref, "fc-%d", &num) != 1 || num < 0 || num >= c->npilots) {
            snprintf(why, size, "pilot %lld has a ref '%s' the lines never had",
                     (long long)p->id, p->ref);
            bad = 1;
            break;
        }
        e = &m->p[num];
        if (!e->seen || e->status != p->status || e->at != p->updated_at ||
            strcmp(p->ce_name, ce_names[e->ce]) != 0) {
            snprintf(why, size, "pilot %s: %s on %s at %lld; the lines before the position"
                     " say %s on %s at %lld", p->ref, pilot_status_name(p->status),
                     p->ce_name, (long long)p->updated_at,
                     e->seen ? pilot_status_name(e->status) : "(not yet seen)",
                     ce_names[e->ce], (long long)e->at);
            bad = 1;
        }
    }
    pilotdb_free(ps);
    return bad ? -1 : 0;
}

/* ---- two databases equal --------------------------------------------------- */

static int pilot_differs(pilotdb *a, pilotdb *b, const pilotdb_pilot *pa,
                         const pilotdb_pilot *pb, char *why, size_t size)
{
    char *ra = NULL, *rb = NULL;
    int differs;

    if (pilotdb_pilot_reason(a, pa->id, &ra) != PILOTDB_OK ||
        pilotdb_pilot_reason(b, pb->id, &rb) != PILOTDB_OK) {
        snprintf(why, size, "reading the reason of pilot %s", pa->ref);
        pilotdb_free(ra);
        return 1;
    }
    differs = pa->id != pb->id || strcmp(pa->ref, pb->ref) != 0 ||
              strcmp(pa->ce_name, pb->ce_name) != 0 || pa->status != pb->status ||
              pa->submitted_at != pb->submitted_at || pa->started_at != pb->started_at ||
              pa->ended_at != pb->ended_at || pa->updated_at != pb->updated_at ||
              pa->submitted_kind != pb->submitted_kind ||
              pa->started_kind != pb->started_kind || pa->ended_kind != pb->ended_kind ||
              strcmp(pa->source_status, pb->source_status) != 0 ||
              (ra == NULL) != (rb == NULL) || (ra && strcmp(ra, rb) != 0);
    if (differs)
        snprintf(why, size, "pilot %lld '%.60s' %s on %.60s, times %lld/%lld/%lld kinds"
                 " %d/%d/%d, source status '%.20s', reason '%.60s'; the reference has pilot"
                 " %lld '%.60s' %s on %.60s, times %lld/%lld/%lld kinds %d/%d/%d, source"
                 " status '%.20s', reason '%.60s'",
                 (long long)pa->id, pa->ref, pilot_status_name(pa->status), pa->ce_name,
                 (long long)pa->submitted_at, (long long)pa->started_at,
                 (long long)pa->ended_at, pa->submitted_kind, pa->started_kind,
                 pa->ended_kind, pa->source_status, ra ? ra : "(none)", (long long)pb->id,
                 pb->ref, pilot_status_name(pb->status), pb->ce_name,
                 (long long)pb->submitted_at, (long long)pb->started_at,
                 (long long)pb->ended_at, pb->submitted_kind, pb->started_kind,
                 pb->ended_kind, pb->source_status, rb ? rb : "(none)");
    pilotdb_free(ra);
    pilotdb_free(rb);
    return differs;
}

static int ce_differs(const pilotdb_ce *a, const pilotdb_ce *b, char *why, size_t size)
{
    if (strcmp(a->name, b->name) == 0 && memcmp(a->count, b->count, sizeof a->count) == 0 &&
        a->active == b->active && a->last_change_at == b->last_change_at &&
        a->enabled == b->enabled && strcmp(a->site, b->site) == 0)
        return 0;
    snprintf(why, size, "CE %s: %lld/%lld/%lld/%lld pilots, last change %lld, site '%s';"
             " the reference has CE %s: %lld/%lld/%lld/%lld, last change %lld, site '%s'",
             a->name, (long long)a->count[0], (long long)a->count[1],
             (long long)a->count[2], (long long)a->count[3], (long long)a->last_change_at,
             a->site, b->name, (long long)b->count[0], (long long)b->count[1],
             (long long)b->count[2], (long long)b->count[3], (long long)b->last_change_at,
             b->site);
    return 1;
}

/* Whether the databases at paths a and b hold the same pilots and CE
 * counts, and both pass pilotdb_check(); 0, or -1 with why. */
static int databases_equal(const char *path_a, const char *path_b, char *why, size_t size)
{
    pilotdb *a = NULL, *b = NULL;
    pilotdb_pilot *pa = NULL, *pb = NULL;
    pilotdb_ce *ca = NULL, *cb = NULL;
    size_t npa = 0, npb = 0, nca = 0, ncb = 0;
    char err[512];
    int status = -1;

    if (pilotdb_open(path_a, 0, &a, err, sizeof err) != PILOTDB_OK ||
        pilotdb_open(path_b, 0, &b, err, sizeof err) != PILOTDB_OK) {
        snprintf(why, size, "opening: %s", err);
        goto out;
    }
    if (pilotdb_check(a, NULL) != PILOTDB_OK || pilotdb_check(b, NULL) != PILOTDB_OK) {
        snprintf(why, size, "pilotdb_check: %s / %s", pilotdb_errmsg(a), pilotdb_errmsg(b));
        goto out;
    }
    if (pilotdb_pilots_list(a, NULL, &pa, &npa) != PILOTDB_OK ||
        pilotdb_pilots_list(b, NULL, &pb, &npb) != PILOTDB_OK ||
        pilotdb_ce_list(a, 0, &ca, &nca) != PILOTDB_OK ||
        pilotdb_ce_list(b, 0, &cb, &ncb) != PILOTDB_OK) {
        snprintf(why, size, "listing: %s / %s", pilotdb_errmsg(a), pilotdb_errmsg(b));
        goto out;
    }
    if (npa != npb || nca != ncb) {
        snprintf(why, size, "%zu pilots on %zu CEs; the reference has %zu on %zu", npa, nca,
                 npb, ncb);
        goto out;
    }
    for (size_t i = 0; i < npa; i++)
        if (pilot_differs(a, b, &pa[i], &pb[i], why, size))
            goto out;
    for (size_t i = 0; i < nca; i++)
        if (ce_differs(&ca[i], &cb[i], why, size))
            goto out;
    status = 0;
out:
    pilotdb_free(pa);
    pilotdb_free(pb);
    pilotdb_free(ca);
    pilotdb_free(cb);
    if (a)
        pilotdb_close(a);
    if (b)
        pilotdb_close(b);
    return status;
}

/* ---- processes -------------------------------------------------------------- */

/* The files of one run: the followed file, the database, the follower's
 * output (stdout of its last start) and its messages (all starts). */
struct setup {
    char *dir;
    char file[PATH_MAX + 32], key[PATH_MAX + 32], db[PATH_MAX + 32], out[PATH_MAX + 32],
        log[PATH_MAX + 32];
    int starts;
};

static void setup_make(struct setup *s)
{
    char real[PATH_MAX];

    memset(s, 0, sizeof *s);
    s->dir = fx_tmpdir();
    assert_non_null(realpath(s->dir, real));
    snprintf(s->file, sizeof s->file, "%s/pilots.jsonl", s->dir);
    snprintf(s->key, sizeof s->key, "%s/pilots.jsonl", real);
    snprintf(s->db, sizeof s->db, "%s/follow.db", s->dir);
    snprintf(s->out, sizeof s->out, "%s/follower.out", s->dir);
    snprintf(s->log, sizeof s->log, "%s/follower.err", s->dir);
}

/* The last size bytes of the file at path, for a failure message. */
static const char *file_tail(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    long len;
    size_t n = 0;

    buf[0] = '\0';
    if (!f)
        return buf;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    if (len > (long)size - 1)
        fseek(f, len - (long)size + 1, SEEK_SET);
    else
        fseek(f, 0, SEEK_SET);
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Start pilotdeck with args (NULL-terminated after argv[0]), its stdout to
 * out (emptied), its stderr appended to log. */
static pid_t spawn(const char *out, const char *log, char *const argv[])
{
    pid_t pid;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(126);
        execv(PILOTDECK_EXE, argv);
        _exit(127);
    }
    return pid;
}

static pid_t follower_start(struct setup *s)
{
    char *const argv[] = {"pilotdeck", "--db", s->db, "ingest", "--follow", s->file,
                          "--add-ces", "--batch-ms", "20", NULL};
    FILE *log = fopen(s->log, "a");

    if (log) {
        fprintf(log, "--- start %d\n", ++s->starts);
        fclose(log);
    }
    return spawn(s->out, s->log, argv);
}

static void follower_kill(const struct setup *s, pid_t pid)
{
    char tail[2048];
    int status;

    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        fail_msg("follower start %d ended by itself (status %d) instead of being killed;"
                 " its messages end with:\n%s", s->starts, status,
                 file_tail(s->log, tail, sizeof tail));
}

/* Wait until process pid catches signal sig (Linux: SigCgt in
 * /proc/PID/status): a SIGTERM before the follower set its handler would
 * end it by the default action, which is not what the test asks about. */
static void wait_catching(pid_t pid, int sig)
{
    double t0 = rel_now_ms();
    char path[64], row[256];

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    for (;;) {
        FILE *f = fopen(path, "r");
        unsigned long long mask = 0;

        while (f && fgets(row, sizeof row, f))
            if (sscanf(row, "SigCgt: %llx", &mask) == 1)
                break;
        if (f)
            fclose(f);
        if (mask & (1ULL << (sig - 1)))
            return;
        if (rel_now_ms() - t0 > CATCH_UP_MS)
            fail_msg("process %d did not set a handler for signal %d", (int)pid, sig);
        rel_sleep_ms(1);
    }
}

/* Stop the follower with SIGTERM: it must exit 0 and print its summary;
 * *records, *created and *changed from it. */
static void follower_stop(const struct setup *s, pid_t pid, long long *records,
                          long long *created, long long *changed)
{
    char out[1024], tail[2048];
    long long unchanged, stale, nbad;
    int status;

    wait_catching(pid, SIGTERM);
    kill(pid, SIGTERM);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the follower stopped by SIGTERM ended with status %d; its messages end"
                 " with:\n%s", status, file_tail(s->log, tail, sizeof tail));
    file_tail(s->out, out, sizeof out);
    if (sscanf(out, "ingest: %lld records read, %lld pilots new, %lld changed, %lld"
               " unchanged, %lld stale, %lld bad", records, created, changed, &unchanged,
               &stale, &nbad) != 6 || unchanged || stale || nbad)
        fail_msg("the follower's summary: '%s'", out);
}

/* Run pilotdeck with argv to the end; it must exit 0. */
static void run_to_end(const struct setup *s, char *const argv[])
{
    char tail[2048];
    pid_t pid = spawn(s->out, s->log, argv);
    int status;

    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("pilotdeck %s %s ended with status %d:\n%s", argv[3], argv[4], status,
                 file_tail(s->log, tail, sizeof tail));
}

/* One uninterrupted `pilotdeck --db db ingest --add-ces file`. */
static void ingest_once(const struct setup *s, const char *db, const char *file)
{
    char *const argv[] = {"pilotdeck", "--db", (char *)db, "ingest", "--add-ces",
                          (char *)file, NULL};
    run_to_end(s, argv);
}

/* Whether `pilotdeck export --format jsonl` writes the same history, byte
 * for byte, from the databases at paths a and b; 0, or -1 with why. */
static int exports_equal(const struct setup *s, const char *a, const char *b, char *why,
                         size_t size)
{
    char out_a[PATH_MAX + 40], out_b[PATH_MAX + 40];
    char *const argv_a[] = {"pilotdeck", "--db", (char *)a, "export", "--format", "jsonl",
                            out_a, NULL};
    char *const argv_b[] = {"pilotdeck", "--db", (char *)b, "export", "--format", "jsonl",
                            out_b, NULL};
    FILE *fa, *fb;
    long line = 1;
    int ca, cb;

    snprintf(out_a, sizeof out_a, "%s/a.export.jsonl", s->dir);
    snprintf(out_b, sizeof out_b, "%s/b.export.jsonl", s->dir);
    run_to_end(s, argv_a);
    run_to_end(s, argv_b);
    fa = fopen(out_a, "rb");
    fb = fopen(out_b, "rb");
    assert_non_null(fa);
    assert_non_null(fb);
    do {
        ca = getc(fa);
        cb = getc(fb);
        line += ca == '\n';
    } while (ca == cb && ca != EOF);
    fclose(fa);
    fclose(fb);
    if (ca == cb)
        return 0;
    snprintf(why, size, "their exports differ at line %ld", line);
    return -1;
}

/* Append len bytes to path (created if missing). */
static void append(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);

    assert_true(fd >= 0);
    assert_int_equal(rel_write_all(fd, text, len), 0);
    close(fd);
}

/* The writer: append lines [0, c->n) to path in pieces of 1 to 400 bytes
 * (one in four stretched to a line's end), at the pace that takes ms. */
static void writer_run(const char *path, const struct corpus *c, double ms, uint64_t seed)
{
    uint64_t rng = seed ^ 0x5752495445520000ULL;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    double t0 = rel_now_ms();
    size_t at = 0;

    if (fd < 0)
        _exit(2);
    while (at < c->size) {
        size_t n = 1 + rel_rand(&rng) % 400;
        const char *nl;

        if (n > c->size - at)
            n = c->size - at;
        if (rel_rand(&rng) % 4 == 0 &&
            (nl = memchr(c->text + at + n - 1, '\n', c->size - at - n + 1)) != NULL)
            n = (size_t)(nl - (c->text + at)) + 1;
        if (rel_write_all(fd, c->text + at, n) != 0)
            _exit(3);
        at += n;
        rel_sleep_ms(t0 + ms * (double)at / (double)c->size - rel_now_ms());
    }
    close(fd);
    _exit(0);
}

/* ---- reading the follower's database ------------------------------------------ */

/* Open the database; 1 when it is not there yet (the follower was killed
 * before it created it), 0 when open, -1 with why. */
static int db_open(const struct setup *s, pilotdb **db, char *why, size_t size)
{
    char err[512];
    pilotdb_rc rc = pilotdb_open(s->db, 0, db, err, sizeof err);

    if (rc == PILOTDB_OK)
        return 0;
    if (rc == PILOTDB_ECANTOPEN || (rc == PILOTDB_ENOTDB && strstr(err, "empty")))
        return 1;
    snprintf(why, size, "reopening: %s: %.300s", pilotdb_rc_str(rc), err);
    return -1;
}

/* The saved position (zero when none). */
static int position(pilotdb *db, const struct setup *s, pilotdb_position *pos, char *why,
                    size_t size)
{
    pilotdb_rc rc = pilotdb_position_get(db, s->key, pos);

    if (rc == PILOTDB_ENOTFOUND) {
        memset(pos, 0, sizeof *pos);
        return 0;
    }
    if (rc != PILOTDB_OK) {
        snprintf(why, size, "reading the position: %s", pilotdb_errmsg(db));
        return -1;
    }
    return 0;
}

/* Check the database of a stopped follower that reads lines [first, ...)
 * from the file's start, after m holds what came before the file: it
 * passes pilotdb_check, its position is a line's end in the file at or
 * after *done lines, and it holds exactly the pilots of the lines before
 * it (applied to m; *done becomes their number).  0, or -1 with why. */
static int check_stopped(const struct setup *s, struct model *m, const struct corpus *c,
                         size_t first, size_t *done, char *why, size_t size)
{
    pilotdb *db = NULL;
    pilotdb_position pos;
    struct stat st;
    int64_t problems = 0;
    long k;
    int got = db_open(s, &db, why, size);

    if (got != 0)
        return got > 0 && *done == 0 && m->pilots == 0 ? 0 : -1;
    if (pilotdb_check(db, &problems) != PILOTDB_OK) {
        snprintf(why, size, "pilotdb_check: %lld problems: %s", (long long)problems,
                 pilotdb_errmsg(db));
        goto fail;
    }
    if (position(db, s, &pos, why, size) != 0)
        goto fail;
    if (pos.offset > 0 && (stat(s->file, &st) != 0 || pos.dev != (uint64_t)st.st_dev ||
                           pos.ino != (uint64_t)st.st_ino)) {
        snprintf(why, size, "the position names another file (inode %llu)",
                 (unsigned long long)pos.ino);
        goto fail;
    }
    k = lines_before(c, first, pos.offset);
    if (k < 0 || (size_t)k < *done) {
        snprintf(why, size, "the position, byte %lld, is %s", (long long)pos.offset,
                 k < 0 ? "inside a line" : "behind the one saved before");
        goto fail;
    }
    if (pos.offset > 0 && pos.line != k + 1) {
        snprintf(why, size, "the position says line %lld at byte %lld, which starts line %ld",
                 (long long)pos.line, (long long)pos.offset, k + 1);
        goto fail;
    }
    model_apply(m, c, first + *done, first + (size_t)k);
    *done = (size_t)k;
    if (model_compare(db, m, c, why, size) != 0)
        goto fail;
    pilotdb_close(db);
    return 0;
fail:
    pilotdb_close(db);
    return -1;
}

/* Wait until the follower's saved position is the end of the file at the
 * path (its identity included), which is size bytes long. */
static void wait_caught_up(const struct setup *s, int64_t size, const char *when)
{
    double t0 = rel_now_ms();
    char why[512], tail[2048];
    struct stat st;

    for (;;) {
        pilotdb *db = NULL;
        pilotdb_position pos = {0};
        int got = db_open(s, &db, why, sizeof why);

        if (got < 0)
            fail_msg("%s", why);
        if (got == 0) {
            if (position(db, s, &pos, why, sizeof why) != 0)
                fail_msg("%s", why);
            pilotdb_close(db);
            if (stat(s->file, &st) == 0 && pos.dev == (uint64_t)st.st_dev &&
                pos.ino == (uint64_t)st.st_ino && pos.offset == size)
                return;
        }
        if (rel_now_ms() - t0 > CATCH_UP_MS)
            fail_msg("the follower did not catch up with %s within %.0f s (at byte %lld of"
                     " %lld); its messages end with:\n%s", when, CATCH_UP_MS / 1e3,
                     (long long)pos.offset, (long long)size,
                     file_tail(s->log, tail, sizeof tail));
        rel_sleep_ms(POLL_MS);
    }
}

/* Wait until the follower writes to the database's -wal file (a commit is
 * under way: inotify wakes the test right after the write), at most
 * max_ms; then delay_ms more.  1 if it wrote. */
static int wait_wal_write(const struct setup *s, double max_ms, double delay_ms)
{
    char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    const char *wal = strrchr(s->db, '/') + 1;
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK), wrote = 0;
    struct pollfd p = {fd, POLLIN, 0};
    double t0 = rel_now_ms(), left;

    assert_true(fd >= 0);
    /* The directory: the -wal file comes and goes with the connections. */
    assert_true(inotify_add_watch(fd, s->dir, IN_MODIFY) >= 0);
    while (!wrote && (left = max_ms - (rel_now_ms() - t0)) > 0 &&
           poll(&p, 1, (int)left + 1) > 0) {
        ssize_t n = read(fd, events, sizeof events);

        for (ssize_t at = 0; at < n;) {
            const struct inotify_event *ev = (const void *)(events + at);

            if (ev->len && strncmp(ev->name, wal, strlen(wal)) == 0 &&
                strcmp(ev->name + strlen(wal), "-wal") == 0)
                wrote = 1;
            at += (ssize_t)(sizeof *ev + ev->len);
        }
    }
    close(fd);
    rel_sleep_ms(delay_ms);
    return wrote;
}

/* ---- kills ---------------------------------------------------------------------- */

static void test_kills(void **state)
{
    uint64_t seed = rel_env_u64("PILOTDECK_FOLLOW_SEED", DEFAULT_SEED), rng = seed;
    int64_t kills = (int64_t)((double)rel_env_u64("PILOTDECK_FOLLOW_KILLS", DEFAULT_KILLS)
                              * rel_scale() + 0.5);
    double writer_ms = WRITER_MS * rel_scale(), t0;
    int npilots = (int)(2000 * rel_scale());
    struct setup s;
    struct corpus c;
    struct model m;
    size_t done = 0, start_done;
    int64_t k, progressed = 0, aimed = 0, at_write = 0;
    long long records, created, changed;
    char why[1024], ref_db[PATH_MAX + 40];
    pid_t writer, pid;
    int status;

    (void)state;
    if (kills < 1)
        kills = 1;
    if (npilots < 100)
        npilots = 100;
    setup_make(&s);
    corpus_make(&c, npilots, seed);
    model_init(&m, &c);
    print_message("follow kills: seed %llu (PILOTDECK_FOLLOW_SEED), %lld kills; %d pilots"
                  " in %zu lines (%zu bytes) written over %.1f s\n",
                  (unsigned long long)seed, (long long)kills, npilots, c.n, c.size,
                  writer_ms / 1e3);

    fflush(NULL);
    writer = fork();
    assert_true(writer >= 0);
    if (writer == 0)
        writer_run(s.file, &c, writer_ms, seed);

    /* Kill until the kills are done and the writer is near its end: the
     * last follower follows the rest as it comes. */
    t0 = rel_now_ms();
    for (k = 0; k < kills || rel_now_ms() - t0 < 0.9 * writer_ms; k++) {
        double delay = rel_rand_unit(&rng) * 2 * KILL_MEAN_MS;
        int aim = rel_rand(&rng) % 3 == 0;
        double after_write = rel_rand(&rng) % 2 ? 0 : rel_rand_unit(&rng) * 0.5;
        size_t before = done;

        pid = follower_start(&s);
        rel_sleep_ms(delay);
        if (aim) {
            aimed++;
            at_write += wait_wal_write(&s, AIM_MAX_MS, after_write);
        }
        follower_kill(&s, pid);
        if (check_stopped(&s, &m, &c, 0, &done, why, sizeof why) != 0)
            fail_msg("kill %lld of at least %lld (%.1f ms after the start%s): %s\n"
                     "reproduce with: PILOTDECK_FOLLOW_SEED=%llu PILOTDECK_FOLLOW_KILLS=%lld"
                     " %s kills", (long long)k + 1, (long long)kills, delay,
                     aim ? ", then at a write of the -wal file" : "", why,
                     (unsigned long long)seed, (long long)kills, program);
        progressed += done > before;
    }
    print_message("follow kills: %lld kills in %.1f s: %lld at random"
                  " instants, %lld aimed at a commit (%lld of them right after a write to"
                  " the -wal file); %lld followers had committed lines when killed;"
                  " every time the database held exactly the lines before its position"
                  " (%zu of %zu lines at the last)\n",
                  (long long)k, (rel_now_ms() - t0) / 1e3,
                  (long long)(k - aimed), (long long)aimed, (long long)at_write,
                  (long long)progressed, done, c.n);

    /* Most kills must come after the follower committed something, and
     * some right after a write, or they prove little. */
    if (4 * progressed < k || (aimed >= 8 && 8 * at_write < aimed))
        fail_msg("only %lld of %lld kills came after a commit, %lld of %lld aimed ones"
                 " right after a write (seed %llu)", (long long)progressed, (long long)k,
                 (long long)at_write, (long long)aimed, (unsigned long long)seed);

    /* The last follower follows the rest, catches up and is stopped. */
    start_done = done;
    pid = follower_start(&s);
    assert_int_equal(waitpid(writer, &status, 0), writer);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the writer failed (status %d)", status);
    assert_int_equal(rel_file_size(s.file), (int64_t)c.size);
    wait_caught_up(&s, (int64_t)c.size, "the end of the file");
    follower_stop(&s, pid, &records, &created, &changed);
    {
        struct model fresh;
        int64_t before_pilots;

        model_init(&fresh, &c);
        model_apply(&fresh, &c, 0, start_done);
        before_pilots = fresh.pilots;
        model_apply(&fresh, &c, start_done, c.n);
        /* Every line moves its pilot: new or changed, never unchanged. */
        if (records != (long long)(c.n - start_done) ||
            created != (long long)(fresh.pilots - before_pilots) ||
            changed != records - created)
            fail_msg("the last follower started after line %zu and read %lld records, %lld"
                     " pilots new, %lld changed; the file has %zu more lines, %lld new"
                     " pilots", start_done, records, created, changed, c.n - start_done,
                     (long long)(fresh.pilots - before_pilots));
        free(fresh.p);
    }
    done = 0;
    memset(m.p, 0, (size_t)c.npilots * sizeof *m.p);
    m.pilots = 0;
    if (check_stopped(&s, &m, &c, 0, &done, why, sizeof why) != 0 || done != c.n)
        fail_msg("after the last follower (%zu of %zu lines): %s", done, c.n, why);

    /* One uninterrupted ingest of the same file must give the same database. */
    snprintf(ref_db, sizeof ref_db, "%s/once.db", s.dir);
    ingest_once(&s, ref_db, s.file);
    if (databases_equal(s.db, ref_db, why, sizeof why) != 0 ||
        exports_equal(&s, s.db, ref_db, why, sizeof why) != 0)
        fail_msg("the followed database differs from one ingest of the file: %s\n"
                 "reproduce with: PILOTDECK_FOLLOW_SEED=%llu PILOTDECK_FOLLOW_KILLS=%lld %s"
                 " kills", why, (unsigned long long)seed, (long long)kills, program);
    print_message("follow kills: the last follower read the %lld lines after its start"
                  " (%lld pilots new, %lld changed) and stopped on SIGTERM; the database"
                  " equals one ingest of the file: %lld pilots\n", records, created, changed,
                  (long long)m.pilots);

    free(m.p);
    corpus_free(&c);
    fx_tmpdir_remove(s.dir);
}

/* ---- rotation and truncation --------------------------------------------------- */

/* Check the database of a follower that caught up: exactly the lines of m. */
static void check_holds(const struct setup *s, const struct model *m, const struct corpus *c,
                        const char *when)
{
    pilotdb *db = NULL;
    char why[1024];

    if (db_open(s, &db, why, sizeof why) != 0)
        fail_msg("%s: %s", when, why);
    if (pilotdb_check(db, NULL) != PILOTDB_OK)
        fail_msg("%s: pilotdb_check: %s", when, pilotdb_errmsg(db));
    if (model_compare(db, m, c, why, sizeof why) != 0)
        fail_msg("%s: %s", when, why);
    pilotdb_close(db);
}

/* Whether the follower's messages since its last start say what. */
static void log_says(const struct setup *s, const char *what)
{
    char tail[4096];
    const char *last;

    file_tail(s->log, tail, sizeof tail);
    last = strstr(tail, "--- start");
    while (last && strstr(last + 1, "--- start"))
        last = strstr(last + 1, "--- start");
    if (!last || !strstr(last, what))
        fail_msg("the follower did not say '%s'; its messages end with:\n%s", what, tail);
}

/* Lines [from, to) into the file: appended, or replacing it (truncated). */
static void put_lines(const struct setup *s, const struct corpus *c, size_t from, size_t to,
                      int truncated)
{
    if (truncated)
        assert_int_equal(truncate(s->file, 0), 0);
    append(s->file, span_text(c, from), span_size(c, from, to));
}

static void test_rotation(void **state)
{
    uint64_t seed = rel_env_u64("PILOTDECK_FOLLOW_SEED", DEFAULT_SEED);
    /* Segments of lines: [0,a) first; [a,b) appended just before the
     * rotation, [b,c) the new file; [c,d) after a truncation; [d,e) read;
     * [e,f) appended while the follower is down, then rotated away (lost);
     * [f,g) the new file; [g,h) after a truncation while it was down. */
    const size_t a = 200, b = 300, cc = 400, d = 440, e = 550, f = 600, g = 700, h = 740;
    struct setup s;
    struct corpus c;
    struct model m;
    char rotated[PATH_MAX + 40], ref_file[PATH_MAX + 40], ref_db[PATH_MAX + 40], why[1024];
    long long records, created, changed;
    pid_t pid;

    (void)state;
    setup_make(&s);
    corpus_make(&c, 300, seed);
    assert_true(c.n >= h);
    /* Refills after truncations are shorter than what was read before. */
    assert_true(span_size(&c, cc, d) < span_size(&c, b, cc));
    assert_true(span_size(&c, g, h) < span_size(&c, f, g));
    model_init(&m, &c);
    snprintf(rotated, sizeof rotated, "%s.1", s.file);
    print_message("follow rotation: seed %llu, %zu lines in eight steps\n",
                  (unsigned long long)seed, h);

    put_lines(&s, &c, 0, a, 0);
    pid = follower_start(&s);
    wait_caught_up(&s, (int64_t)span_size(&c, 0, a), "the first lines");
    model_apply(&m, &c, 0, a);
    check_holds(&s, &m, &c, "the first lines");

    /* Rotated while it runs: lines appended just before the rename are read. */
    put_lines(&s, &c, a, b, 0);
    assert_int_equal(rename(s.file, rotated), 0);
    put_lines(&s, &c, b, cc, 0);
    wait_caught_up(&s, (int64_t)span_size(&c, b, cc), "the new file after a rotation");
    model_apply(&m, &c, a, cc);
    check_holds(&s, &m, &c, "after a rotation while following");
    log_says(&s, "a new file (rotated)");

    /* Truncated while it runs: read again from the start. */
    put_lines(&s, &c, cc, d, 1);
    wait_caught_up(&s, (int64_t)span_size(&c, cc, d), "the file after a truncation");
    model_apply(&m, &c, cc, d);
    check_holds(&s, &m, &c, "after a truncation while following");
    log_says(&s, "truncated");

    /* Rotated while it is down: the lines after its position are lost. */
    put_lines(&s, &c, d, e, 0);
    wait_caught_up(&s, (int64_t)span_size(&c, cc, e), "more lines");
    follower_kill(&s, pid);
    put_lines(&s, &c, e, f, 0);
    assert_int_equal(rename(s.file, rotated), 0);
    put_lines(&s, &c, f, g, 0);
    pid = follower_start(&s);
    wait_caught_up(&s, (int64_t)span_size(&c, f, g), "the new file after a rotation");
    model_apply(&m, &c, d, e);
    model_apply(&m, &c, f, g);
    check_holds(&s, &m, &c, "after a rotation while down (lines e..f lost)");
    log_says(&s, "a new file since the last run");

    /* Truncated while it is down: read from the start. */
    follower_kill(&s, pid);
    put_lines(&s, &c, g, h, 1);
    pid = follower_start(&s);
    wait_caught_up(&s, (int64_t)span_size(&c, g, h), "the file after a truncation");
    follower_stop(&s, pid, &records, &created, &changed);
    if (records != (long long)(h - g))
        fail_msg("the last follower read %lld records; %zu were written", records, h - g);
    model_apply(&m, &c, g, h);
    check_holds(&s, &m, &c, "after a truncation while down");

    /* The same as one ingest of what was read: [0,e) then [f,h). */
    snprintf(ref_file, sizeof ref_file, "%s/read.jsonl", s.dir);
    append(ref_file, span_text(&c, 0), span_size(&c, 0, e));
    append(ref_file, span_text(&c, f), span_size(&c, f, h));
    snprintf(ref_db, sizeof ref_db, "%s/once.db", s.dir);
    ingest_once(&s, ref_db, ref_file);
    if (databases_equal(s.db, ref_db, why, sizeof why) != 0 ||
        exports_equal(&s, s.db, ref_db, why, sizeof why) != 0)
        fail_msg("the followed database differs from one ingest of the lines read: %s\n"
                 "reproduce with: PILOTDECK_FOLLOW_SEED=%llu %s rotation", why,
                 (unsigned long long)seed, program);
    print_message("follow rotation: rotated and truncated while following (nothing lost)"
                  " and while down (the %zu lines after the position in the rotated file"
                  " lost, as with tail -F); the database equals one ingest of the lines"
                  " read\n", f - e);

    free(m.p);
    corpus_free(&c);
    fx_tmpdir_remove(s.dir);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest kills[] = {cmocka_unit_test(test_kills)};
    const struct CMUnitTest rotation[] = {cmocka_unit_test(test_rotation)};
    const struct fx_group groups[] = {
        FX_GROUP("kills", kills, NULL, NULL),
        FX_GROUP("rotation", rotation, NULL, NULL),
    };

    if (argc > 0)
        program = argv[0];
    /* A follower's closed pipe must not kill the test. */
    signal(SIGPIPE, SIG_IGN);
    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
