/*
 * test_concurrency.c - one simulator writing, a second writer toggling a CE
 * (as the dashboard's `e` key does) and four readers, all separate processes
 * on one WAL file database for a few seconds.
 *
 * Required: no call of any process fails (no "database is locked", no busy
 * snapshot, nothing else); every reader snapshot satisfies the conservation
 * invariants (per-CE counts against the summary and the active pilot rows;
 * every few snapshots a full pilot scan against every count and each CE's
 * last change time; pilot times that agree with their status; no pilot
 * moving back or to another CE since the reader's earlier snapshots); the
 * -wal file stays under WAL_BOUND while checkpoints let it
 * restart; and every toggle the second writer committed is in effect: it
 * found the flag as it left it each time, the final flag is its last
 * write, and the simulator submitted nothing to the CE while it was off
 * (pilot ids increase with submission order: each toggle notes the largest
 * id committed before it).
 *
 * Environment: PILOTDECK_CONCURRENCY_MS (least run time, default 4000),
 * PILOTDECK_RELIABILITY_SCALE (multiplies it).
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fixtures.h"
#include "pilotdb.h"
#include "pilotsim.h"
#include "reliability_util.h"

/* Six CEs filled by the director every virtual minute, and the CE that the
 * second writer toggles.  No timeline and no banning: nothing but the
 * second writer changes a CE, and no capacity is ever lowered. */
static const char concurrency_scenario[] =
    "[scenario]\nname = concurrency\nseed = 11\nduration = 3000d\ncycle = 1m\n"
    "max_per_cycle = 20\npolicy = director\nsample_interval = 1d\n"
    "[group site]\ncount = 6\ncapacity = 20\nsuccess_rate = 0.9\n"
    "queue_time = exp(2m)\nrun_time = exp(20m)\n"
    "[ce toggled.example.org]\ncapacity = 12\nsuccess_rate = 0.95\n"
    "queue_time = exp(1m)\nrun_time = exp(5m)\n";

#define TOGGLED_CE "toggled.example.org"
#define STEP_MS (60 * 1000)     /* one director cycle per simulator step */
#define NREADERS 4
#define FULL_SCAN_EVERY 8       /* a reader scans every pilot once per 8 snapshots */
#define TOGGLE_INTERVAL_MS 10.0
#define MAX_TOGGLES 2048
#define MAX_CE_ID 32
/* The -wal file must stay under this.  The layer restarts the WAL once it
 * passes 2000 frames (about 8 MiB with 4 KiB pages), waiting up to 200 ms
 * for readers; twice that leaves room for restarts that a slow reader held
 * back.  Without the restart it grows without bound (160 MiB in 4 s). */
#define WAL_BOUND (16LL << 20)

/* The run lasts PILOTDECK_CONCURRENCY_MS, and longer if need be (up to
 * MAX_RUN_MS) until the WAL has restarted MIN_RESTARTS times. */
#define MIN_RESTARTS 3
#define MAX_RUN_MS 40000.0

#define MSG_SIZE 256

/* Record the first message of a kind; count them all. */
static void note(int64_t *count, char *first, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void note(int64_t *count, char *first, const char *fmt, ...)
{
    va_list ap;

    if ((*count)++ > 0)
        return;
    va_start(ap, fmt);
    vsnprintf(first, MSG_SIZE, fmt, ap);
    va_end(ap);
}

/* How the calls of one process went. */
struct calls {
    int64_t errors;
    int64_t busy;          /* errors that were PILOTDB_EBUSY */
    double longest_ms;
    double total_ms;
    char error[MSG_SIZE];  /* the first error */
};

/* Account for call number n (what: its name), begun at t0 (rel_now_ms()),
 * that returned rc on db. */
static void calls_note(struct calls *c, pilotdb *db, pilotdb_rc rc, double t0,
                       const char *what, int64_t n)
{
    double took = rel_now_ms() - t0;

    c->total_ms += took;
    if (took > c->longest_ms)
        c->longest_ms = took;
    if (rc == PILOTDB_EBUSY)
        c->busy++;
    if (rc != PILOTDB_OK)
        note(&c->errors, c->error, "%s %lld: %s: %s", what, (long long)n,
             pilotdb_rc_str(rc), pilotdb_errmsg(db));
}

/* ---- the simulator ---------------------------------------------------------- */

struct writer_result {
    int64_t steps;
    int64_t vtime;
    int64_t pilots;
    struct calls calls;
};

static void run_writer(const char *path, const volatile int *stop,
                       struct writer_result *res)
{
    sim_scenario *scn = NULL;
    sim_engine *eng = NULL;
    pilotdb *db = NULL;
    sim_ce_stats total;
    char err[MSG_SIZE];

    if (sim_scenario_parse(concurrency_scenario, "concurrency.ini", &scn, err,
                           sizeof err) != SIM_OK) {
        note(&res->calls.errors, res->calls.error, "scenario: %s", err);
        return;
    }
    if (pilotdb_open(path, 0, &db, err, sizeof err) != PILOTDB_OK) {
        note(&res->calls.errors, res->calls.error, "simulator: opening: %s", err);
        goto out;
    }
    if (sim_engine_new(scn, db, sim_scenario_seed(scn), &eng, err, sizeof err) != SIM_OK) {
        note(&res->calls.errors, res->calls.error, "simulator: starting: %s", err);
        goto out;
    }
    while (!*stop && !sim_engine_done(eng)) {
        if (sim_engine_run_until(eng, sim_engine_now(eng) + STEP_MS) != SIM_OK) {
            note(&res->calls.errors, res->calls.error, "simulator: step %lld: %s",
                 (long long)res->steps + 1, sim_engine_errmsg(eng));
            break;
        }
        res->steps++;
    }
    res->vtime = sim_engine_now(eng);
    if (sim_report_ce(eng, sim_report_ce_count(eng), &total) == SIM_OK)
        res->pilots = total.submitted;
out:
    sim_engine_free(eng);
    if (db && pilotdb_close(db) != PILOTDB_OK)
        note(&res->calls.errors, res->calls.error, "simulator: closing failed");
    sim_scenario_free(scn);
}

/* ---- the second writer --------------------------------------------------------- */

struct toggle {
    int64_t after_pilot; /* every pilot with a greater id was submitted later */
    int64_t enabled;     /* the flag it wrote */
};

struct toggler_result {
    int64_t toggles;     /* committed */
    int64_t overwritten; /* the flag was not as this writer left it */
    int64_t initial_enabled;
    struct calls calls;  /* toggles timed with the wait for the write lock */
    char overwrite[MSG_SIZE];
    struct toggle log[MAX_TOGGLES];
};

/* The largest pilot id in the handle's transaction (0 for none). */
static pilotdb_rc last_pilot_id(pilotdb *db, int64_t *id)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(pilotdb_sqlite(db), "SELECT coalesce(max(pilot_id), 0)"
                                " FROM pilot", -1, &st, NULL);

    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? PILOTDB_OK : PILOTDB_EIO;
}

/* One toggle in one write transaction: read the flag, check it is what this
 * writer left, note the last pilot submitted, write the opposite. */
static pilotdb_rc toggle_once(pilotdb *db, int *expected, struct toggler_result *res)
{
    pilotdb_ce_change change = { PILOTDB_SET_ENABLED, 0, 0, 0 };
    pilotdb_ce ce;
    int64_t after_pilot = 0;
    pilotdb_rc rc;

    rc = pilotdb_begin(db);
    if (rc != PILOTDB_OK)
        return rc;
    rc = pilotdb_ce_get(db, TOGGLED_CE, &ce);
    if (rc == PILOTDB_OK)
        rc = last_pilot_id(db, &after_pilot);
    if (rc == PILOTDB_OK) {
        if (*expected < 0) {
            *expected = ce.enabled;
            res->initial_enabled = ce.enabled;
        } else if (ce.enabled != *expected) {
            note(&res->overwritten, res->overwrite, "toggle %lld found enabled = %d,"
                 " but it had written %d", (long long)res->toggles + 1, ce.enabled,
                 *expected);
        }
        change.enabled = !ce.enabled;
        rc = pilotdb_ce_update(db, TOGGLED_CE, &change);
    }
    if (rc == PILOTDB_OK)
        rc = pilotdb_commit(db);
    if (rc != PILOTDB_OK) {
        if (pilotdb_in_transaction(db))
            (void)pilotdb_rollback(db);
        return rc;
    }
    *expected = change.enabled;
    res->log[res->toggles].after_pilot = after_pilot;
    res->log[res->toggles].enabled = change.enabled;
    res->toggles++;
    return PILOTDB_OK;
}

static void run_toggler(const char *path, const volatile int *stop,
                        struct toggler_result *res)
{
    pilotdb *db = NULL;
    pilotdb_ce ce;
    char err[MSG_SIZE];
    int expected = -1;
    pilotdb_rc rc;

    res->initial_enabled = -1;
    if (pilotdb_open(path, 0, &db, err, sizeof err) != PILOTDB_OK) {
        note(&res->calls.errors, res->calls.error, "toggler: opening: %s", err);
        return;
    }
    /* The simulator adds the CEs in its first transaction. */
    while ((rc = pilotdb_ce_get(db, TOGGLED_CE, &ce)) == PILOTDB_ENOTFOUND &&
           !*stop)
        rel_sleep_ms(1);
    while (!*stop && res->toggles < MAX_TOGGLES) {
        double t0;

        rel_sleep_ms(TOGGLE_INTERVAL_MS);
        t0 = rel_now_ms();
        rc = toggle_once(db, &expected, res);
        calls_note(&res->calls, db, rc, t0, "toggler: toggle", res->toggles + 1);
    }
    if (pilotdb_close(db) != PILOTDB_OK)
        note(&res->calls.errors, res->calls.error, "toggler: closing failed");
}

/* ---- the readers --------------------------------------------------------------- */

struct reader_result {
    int64_t snapshots;
    int64_t full_scans;
    int64_t pilots;        /* pilots in the last snapshot */
    int64_t violations;
    struct calls calls;    /* snapshots */
    char violation[MSG_SIZE];
};

/* What a reader has seen of each pilot in its earlier snapshots. */
struct seen {
    signed char *status;   /* per pilot id; -1 not seen yet */
    int64_t *ce_of;        /* per pilot id */
    size_t cap;
};

static int grow_seen(struct seen *h, int64_t pilot_id)
{
    size_t cap = h->cap ? h->cap : 4096;
    signed char *status;
    int64_t *ce_of;

    while ((int64_t)cap <= pilot_id)
        cap *= 2;
    status = realloc(h->status, cap);
    if (!status)
        return -1;
    h->status = status;
    ce_of = realloc(h->ce_of, cap * sizeof *ce_of);
    if (!ce_of)
        return -1;
    h->ce_of = ce_of;
    memset(h->status + h->cap, -1, cap - h->cap);
    memset(h->ce_of + h->cap, 0, (cap - h->cap) * sizeof *ce_of);
    h->cap = cap;
    return 0;
}

/* Non-zero if a pilot seen in status from may later be in status to. */
static int may_become(int from, int to)
{
    return from == to || pilot_status_transition_ok((pilot_status)from, (pilot_status)to) ||
           (from == PILOT_SUBMITTED &&
            pilot_status_transition_ok(PILOT_RUNNING, (pilot_status)to));
}

/* Non-zero if the pilot's times agree with its status. */
static int times_agree(const pilotdb_pilot *p)
{
    int64_t latest = p->submitted_at;
    int started = p->started_at != PILOTDB_NO_TIME, ended = p->ended_at != PILOTDB_NO_TIME;

    if (started != (p->status == PILOT_RUNNING || p->status == PILOT_DONE ||
                    (p->status == PILOT_FAILED && started)) ||
        ended != (p->status == PILOT_DONE || p->status == PILOT_FAILED))
        return 0;
    /* The simulator's clock never goes back. */
    if (started) {
        if (p->started_at < latest)
            return 0;
        latest = p->started_at;
    }
    if (ended) {
        if (p->ended_at < latest)
            return 0;
        latest = p->ended_at;
    }
    return p->updated_at == latest;
}

/* Pilot rows of one snapshot, counted per CE and status. */
struct pilot_scan {
    int64_t count[MAX_CE_ID + 1][PILOT_NSTATUS];
    int64_t last_change[MAX_CE_ID + 1];
    int64_t pilots;
    struct seen *h;
    struct reader_result *res;
    int64_t mismatches;
    char mismatch[MSG_SIZE];
};

static int scan_pilot(void *arg, const pilotdb_pilot *p)
{
    struct pilot_scan *s = arg;
    struct seen *h = s->h;

    s->pilots++;
    if (p->id < 1 || p->ce_id < 1 || p->ce_id > MAX_CE_ID || p->status < 0 ||
        p->status >= PILOT_NSTATUS) {
        note(&s->mismatches, s->mismatch, "pilot %lld: CE %lld, status %d out of range",
             (long long)p->id, (long long)p->ce_id, (int)p->status);
        return 1;
    }
    if ((size_t)p->id >= h->cap && grow_seen(h, p->id) != 0) {
        note(&s->res->calls.errors, s->res->calls.error, "reader: out of memory");
        return 1;
    }
    s->count[p->ce_id][p->status]++;
    if (p->updated_at > s->last_change[p->ce_id])
        s->last_change[p->ce_id] = p->updated_at;
    if (!times_agree(p))
        note(&s->mismatches, s->mismatch, "pilot %lld is %s with times %lld, %lld, %lld,"
             " updated %lld", (long long)p->id, pilot_status_name(p->status),
             (long long)p->submitted_at, (long long)p->started_at,
             (long long)p->ended_at, (long long)p->updated_at);
    if (h->status[p->id] >= 0 &&
        (h->ce_of[p->id] != p->ce_id || !may_become(h->status[p->id], (int)p->status)))
        note(&s->mismatches, s->mismatch, "pilot %lld is %s at CE %lld, an earlier"
             " snapshot had it %s at CE %lld", (long long)p->id,
             pilot_status_name(p->status), (long long)p->ce_id,
             pilot_status_name(h->status[p->id]), (long long)h->ce_of[p->id]);
    h->status[p->id] = (signed char)p->status;
    h->ce_of[p->id] = p->ce_id;
    return 0;
}

/* Read one snapshot and check it; returns the pilotdb_rc of the reads. */
static pilotdb_rc reader_snapshot(pilotdb *db, struct seen *h, int full,
                                  struct reader_result *res)
{
    pilotdb_pilot_filter active = { PILOT_SUBMITTED, NULL };
    struct pilot_scan *act = calloc(2, sizeof *act), *all = act + 1;
    pilotdb_ce *ces = NULL;
    pilotdb_summary sum;
    int64_t from_ces[PILOT_NSTATUS] = {0}, total = 0;
    size_t n = 0;
    pilotdb_rc rc;

    if (!act)
        return PILOTDB_ENOMEM;
    act->h = all->h = h;
    act->res = all->res = res;
    for (int c = 0; c <= MAX_CE_ID; c++)
        all->last_change[c] = PILOTDB_NO_TIME;
    rc = pilotdb_begin_read(db);
    if (rc != PILOTDB_OK)
        goto out;
    rc = pilotdb_ce_list(db, 0, &ces, &n);
    if (rc == PILOTDB_OK)
        rc = pilotdb_summary_get(db, &sum);
    if (rc == PILOTDB_OK)
        rc = pilotdb_pilots_foreach(db, &active, scan_pilot, act);
    active.status = PILOT_RUNNING;
    if (rc == PILOTDB_OK)
        rc = pilotdb_pilots_foreach(db, &active, scan_pilot, act);
    if (rc == PILOTDB_OK && full)
        rc = pilotdb_pilots_foreach(db, NULL, scan_pilot, all);
    if (rc == PILOTDB_OK)
        rc = pilotdb_commit(db);
    if (rc != PILOTDB_OK) {
        if (pilotdb_in_transaction(db))
            (void)pilotdb_rollback(db);
        goto out;
    }

    for (size_t i = 0; i < n; i++) {
        const pilotdb_ce *c = &ces[i];
        int64_t act_now = c->count[PILOT_SUBMITTED] + c->count[PILOT_RUNNING];
        int64_t avail = c->enabled ? (c->capacity > act_now ? c->capacity - act_now : 0) : 0;

        if (c->id < 1 || c->id > MAX_CE_ID) {
            note(&res->violations, res->violation, "CE %s has id %lld", c->name,
                 (long long)c->id);
            continue;
        }
        if (c->active != act_now || c->available_slots != avail || act_now > c->capacity)
            note(&res->violations, res->violation, "CE %s: capacity %lld, active %lld"
                 " (%lld + %lld), available %lld", c->name, (long long)c->capacity,
                 (long long)c->active, (long long)c->count[0], (long long)c->count[1],
                 (long long)c->available_slots);
        if (full && c->last_change_at != all->last_change[c->id])
            note(&res->violations, res->violation, "CE %s: last change at %lld, its"
                 " pilots' latest time %lld", c->name, (long long)c->last_change_at,
                 (long long)all->last_change[c->id]);
        for (int s = 0; s < PILOT_NSTATUS; s++) {
            from_ces[s] += c->count[s];
            if (s <= PILOT_RUNNING && c->count[s] != act->count[c->id][s])
                note(&res->violations, res->violation, "CE %s counts %lld %s pilots,"
                     " its pilot rows %lld", c->name, (long long)c->count[s],
                     pilot_status_name(s), (long long)act->count[c->id][s]);
            if (full && c->count[s] != all->count[c->id][s])
                note(&res->violations, res->violation, "CE %s counts %lld %s pilots,"
                     " a full scan %lld", c->name, (long long)c->count[s],
                     pilot_status_name(s), (long long)all->count[c->id][s]);
        }
    }
    for (int s = 0; s < PILOT_NSTATUS; s++) {
        total += sum.count[s];
        if (sum.count[s] != from_ces[s])
            note(&res->violations, res->violation, "summary has %lld %s pilots, the CEs"
                 " %lld", (long long)sum.count[s], pilot_status_name(s),
                 (long long)from_ces[s]);
    }
    if (total < res->pilots)
        note(&res->violations, res->violation, "%lld pilots in the summary, %lld"
             " in the previous snapshot", (long long)total, (long long)res->pilots);
    if (full && all->pilots != total)
        note(&res->violations, res->violation, "a full scan finds %lld pilots, the"
             " summary %lld", (long long)all->pilots, (long long)total);
    if (act->mismatches)
        note(&res->violations, res->violation, "%s", act->mismatch);
    if (all->mismatches)
        note(&res->violations, res->violation, "%s", all->mismatch);
    res->pilots = total;
    res->full_scans += full;
out:
    pilotdb_free(ces);
    free(act);
    return rc;
}

static void run_reader(const char *path, unsigned flags, const volatile int *stop,
                       struct reader_result *res)
{
    struct seen h;
    pilotdb *db = NULL;
    char err[MSG_SIZE];

    memset(&h, 0, sizeof h);
    if (pilotdb_open(path, flags, &db, err, sizeof err) != PILOTDB_OK) {
        note(&res->calls.errors, res->calls.error, "reader: opening: %s", err);
        return;
    }
    while (!*stop && res->violations == 0) {
        double t0 = rel_now_ms();
        int full = res->snapshots % FULL_SCAN_EVERY == 0;
        pilotdb_rc rc = reader_snapshot(db, &h, full, res);

        calls_note(&res->calls, db, rc, t0, "reader: snapshot", res->snapshots + 1);
        if (rc == PILOTDB_OK)
            res->snapshots++;
    }
    if (pilotdb_close(db) != PILOTDB_OK)
        note(&res->calls.errors, res->calls.error, "reader: closing failed");
    free(h.status);
    free(h.ce_of);
}

/* ---- processes ------------------------------------------------------------------- */

enum role { ROLE_WRITER, ROLE_TOGGLER, ROLE_READER };

struct proc {
    enum role role;
    unsigned flags; /* readers: how they open the file */
    pid_t pid;
    int rfd;
    int status;
    int exited;
};

/* Run one role in a forked child and send its result struct through fd. */
static void child_main(const struct proc *p, const char *path,
                       const volatile int *stop, int fd)
{
    union {
        struct writer_result w;
        struct toggler_result t;
        struct reader_result r;
    } *res = calloc(1, sizeof *res);
    size_t size = 0;
    int code = 0;

    if (!res)
        _exit(3);
    switch (p->role) {
    case ROLE_WRITER:
        run_writer(path, stop, &res->w);
        size = sizeof res->w;
        break;
    case ROLE_TOGGLER:
        run_toggler(path, stop, &res->t);
        size = sizeof res->t;
        break;
    case ROLE_READER:
        run_reader(path, p->flags, stop, &res->r);
        size = sizeof res->r;
        break;
    }
    if (rel_write_all(fd, res, size) != 0)
        code = 4;
    close(fd);
    free(res);
    exit(code);
}

static void proc_start(struct proc *p, const char *path, const volatile int *stop)
{
    int fds[2];

    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    p->pid = fork();
    assert_true(p->pid >= 0);
    if (p->pid == 0) {
        close(fds[0]);
        child_main(p, path, stop, fds[1]);
    }
    close(fds[1]);
    p->rfd = fds[0];
}

/* Read a child's result; fail the test if it is short or the child failed. */
static void proc_result(struct proc *p, void *buf, size_t size, const char *what)
{
    ssize_t got = rel_read_all(p->rfd, buf, size);

    close(p->rfd);
    if (got != (ssize_t)size || !WIFEXITED(p->status) || WEXITSTATUS(p->status) != 0)
        fail_msg("the %s process ended with status %d and %zd of %zu result bytes",
                 what, p->status, got, size);
}

/* ---- the final state ------------------------------------------------------------- */

struct toggle_check {
    const struct toggler_result *t;
    int64_t ce_id;
    size_t next;            /* first toggle not yet in effect */
    int enabled;            /* the flag in effect at the current submission */
    int64_t while_enabled;  /* submissions to the CE */
    int64_t while_disabled;
    int64_t after_reenable; /* submissions after the CE was enabled again */
    int64_t sim_pilots_while_disabled; /* submissions to any CE */
    int64_t pilots;
};

/* Visit the pilots in id order, that is in the order they were submitted. */
static int check_toggle_pilot(void *arg, const pilotdb_pilot *p)
{
    struct toggle_check *c = arg;

    c->pilots++;
    /* A toggle is in effect for every pilot submitted after it. */
    while (c->next < (size_t)c->t->toggles && c->t->log[c->next].after_pilot < p->id)
        c->enabled = (int)c->t->log[c->next++].enabled;
    if (!c->enabled)
        c->sim_pilots_while_disabled++;
    if (p->ce_id != c->ce_id)
        return 0;
    if (c->enabled) {
        c->while_enabled++;
        if (c->next >= 2)
            c->after_reenable++;
    } else {
        c->while_disabled++;
    }
    return 0;
}

/* ---- the test ---------------------------------------------------------------------- */

static void test_one_writer_four_readers(void **state)
{
    double run_ms = (double)rel_env_u64("PILOTDECK_CONCURRENCY_MS", 4000) * rel_scale();
    struct proc procs[2 + NREADERS];
    size_t nprocs = sizeof procs / sizeof procs[0], running;
    struct writer_result writer;
    struct toggler_result *toggler = calloc(1, sizeof *toggler);
    struct reader_result readers[NREADERS];
    struct toggle_check tc;
    char *dir = fx_tmpdir();
    char path[4096], wal[4200];
    int64_t wal_max = 0, wal_seq = -1, wal_restarts = 0, wal_samples = 0, problems = 0;
    int64_t snapshots = 0, full_scans = 0, errors = 0, busy = 0;
    double t0, elapsed, stopped_at = 0, longest = 0;
    volatile int *stop;
    pilotdb_ce ce;
    pilotdb *db;

    (void)state;
    assert_non_null(toggler);
    stop = mmap(NULL, sizeof *stop, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                -1, 0);
    assert_true(stop != MAP_FAILED);
    *stop = 0;
    snprintf(path, sizeof path, "%s/concurrency.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", path);
    fx_close(fx_file_db(dir, "concurrency.db"));
    memset(procs, 0, sizeof procs);
    procs[0].role = ROLE_WRITER;
    procs[1].role = ROLE_TOGGLER;
    for (size_t i = 0; i < NREADERS; i++) {
        procs[2 + i].role = ROLE_READER;
        /* Half open it read-write as `pilotdeck top` does, half read-only. */
        procs[2 + i].flags = i % 2 ? PILOTDB_OPEN_READONLY : 0;
    }
    print_message("concurrency: a simulator, a CE toggler and %d readers on one WAL"
                  " file for %.1f s, longer (up to %.0f s) until the WAL has restarted"
                  " %d times\n", NREADERS, run_ms / 1e3, MAX_RUN_MS / 1e3, MIN_RESTARTS);

    t0 = rel_now_ms();
    for (size_t i = 0; i < nprocs; i++)
        proc_start(&procs[i], path, stop);
    /* Watch the -wal file while they run, and tell them when to stop. */
    running = nprocs;
    while (running > 0) {
        int64_t size = rel_file_size(wal), seq = rel_wal_checkpoint_seq(wal);

        elapsed = rel_now_ms() - t0;
        if (!*stop && elapsed >= run_ms &&
            (wal_restarts >= MIN_RESTARTS || elapsed >= MAX_RUN_MS)) {
            *stop = 1;
            stopped_at = elapsed;
        }

        wal_samples++;
        if (size > wal_max)
            wal_max = size;
        if (seq >= 0 && seq != wal_seq) {
            wal_restarts += wal_seq >= 0;
            wal_seq = seq;
        }
        for (size_t i = 0; i < nprocs; i++)
            if (!procs[i].exited && waitpid(procs[i].pid, &procs[i].status, WNOHANG) > 0) {
                procs[i].exited = 1;
                running--;
            }
        if (*stop && elapsed > stopped_at + 60000) {
            for (size_t i = 0; i < nprocs; i++)
                if (!procs[i].exited)
                    kill(procs[i].pid, SIGKILL);
            fail_msg("the processes did not stop within 60 s of being told to");
        }
        rel_sleep_ms(2);
    }

    print_message("concurrency: ran %.1f s\n", stopped_at / 1e3);
    munmap((void *)stop, sizeof *stop);
    memset(&writer, 0, sizeof writer);
    proc_result(&procs[0], &writer, sizeof writer, "simulator");
    proc_result(&procs[1], toggler, sizeof *toggler, "toggler");
    for (size_t i = 0; i < NREADERS; i++)
        proc_result(&procs[2 + i], &readers[i], sizeof readers[i], "reader");

    print_message("concurrency: simulator: %lld steps (%lld virtual minutes), %lld pilots,"
                  " %lld errors%s%s\n", (long long)writer.steps,
                  (long long)(writer.vtime / 60000), (long long)writer.pilots,
                  (long long)writer.calls.errors, writer.calls.errors ? ": " : "",
                  writer.calls.error);
    print_message("concurrency: toggler: %lld toggles committed (each %.1f ms on average,"
                  " longest %.1f ms, waiting for the write lock included), %lld found"
                  " overwritten, %lld errors (%lld busy)%s%s\n", (long long)toggler->toggles,
                  toggler->toggles ? toggler->calls.total_ms / (double)toggler->toggles : 0.0,
                  toggler->calls.longest_ms, (long long)toggler->overwritten,
                  (long long)toggler->calls.errors, (long long)toggler->calls.busy,
                  toggler->calls.errors ? ": " : "", toggler->calls.error);
    for (size_t i = 0; i < NREADERS; i++) {
        const struct reader_result *r = &readers[i];
        print_message("concurrency: reader %zu (%s): %lld snapshots (%lld full scans),"
                      " %lld pilots, longest %.1f ms, %lld errors (%lld"
                      " busy), %lld violations%s%s%s%s\n", i + 1,
                      procs[2 + i].flags ? "read-only" : "read-write",
                      (long long)r->snapshots, (long long)r->full_scans,
                      (long long)r->pilots, r->calls.longest_ms,
                      (long long)r->calls.errors, (long long)r->calls.busy,
                      (long long)r->violations, r->calls.errors ? ": " : "",
                      r->calls.error, r->violations ? ": " : "",
                      r->violation);
        snapshots += r->snapshots;
        full_scans += r->full_scans;
        errors += r->calls.errors;
        busy += r->calls.busy;
        if (r->calls.longest_ms > longest)
            longest = r->calls.longest_ms;
        if (r->violations)
            fail_msg("reader %zu: %lld snapshots broke an invariant; the first: %s",
                     i + 1, (long long)r->violations, r->violation);
        if (r->snapshots == 0)
            fail_msg("reader %zu checked no snapshot", i + 1);
    }
    print_message("concurrency: -wal file: largest %.2f MiB over %lld samples (bound"
                  " %.0f MiB), restarted %lld times after checkpoints\n",
                  (double)wal_max / (1 << 20), (long long)wal_samples,
                  (double)WAL_BOUND / (1 << 20), (long long)wal_restarts);

    if (writer.calls.errors || toggler->calls.errors || errors)
        fail_msg("%lld simulator, %lld toggler and %lld reader calls failed (%lld busy"
                 " in the readers, %lld in the toggler)", (long long)writer.calls.errors,
                 (long long)toggler->calls.errors, (long long)errors, (long long)busy,
                 (long long)toggler->calls.busy);
    if (writer.steps == 0 || toggler->toggles < 2)
        fail_msg("too little happened: %lld simulator steps, %lld toggles",
                 (long long)writer.steps, (long long)toggler->toggles);
    if (toggler->overwritten)
        fail_msg("the toggled flag was overwritten %lld times: %s",
                 (long long)toggler->overwritten, toggler->overwrite);
    if (wal_max > WAL_BOUND)
        fail_msg("the -wal file grew to %lld bytes, over the bound of %lld",
                 (long long)wal_max, (long long)WAL_BOUND);
    if (wal_restarts == 0)
        fail_msg("the WAL never restarted: checkpoints did not complete");

    /* The final file: consistent, the last toggle in effect, no submission
     * to the CE while the toggler had it disabled. */
    db = fx_file_db(dir, "concurrency.db");
    fx_ok(db, pilotdb_check(db, &problems));
    fx_ok(db, pilotdb_ce_get(db, TOGGLED_CE, &ce));
    if (ce.enabled != toggler->log[toggler->toggles - 1].enabled)
        fail_msg("after %lld toggles the CE is %s, the last toggle wrote %s",
                 (long long)toggler->toggles, ce.enabled ? "enabled" : "disabled",
                 toggler->log[toggler->toggles - 1].enabled ? "enabled" : "disabled");
    memset(&tc, 0, sizeof tc);
    tc.t = toggler;
    tc.ce_id = ce.id;
    tc.enabled = (int)toggler->initial_enabled;
    fx_ok(db, pilotdb_pilots_foreach(db, NULL, check_toggle_pilot, &tc));
    fx_close(db);
    print_message("concurrency: %lld pilots; submissions to %s: %lld while enabled (%lld"
                  " after a re-enable), %lld while disabled; the simulator submitted %lld"
                  " pilots while it was disabled\n", (long long)tc.pilots, TOGGLED_CE,
                  (long long)tc.while_enabled, (long long)tc.after_reenable,
                  (long long)tc.while_disabled, (long long)tc.sim_pilots_while_disabled);
    if (tc.while_disabled)
        fail_msg("%lld pilots were submitted to %s while the toggler had it disabled",
                 (long long)tc.while_disabled, TOGGLED_CE);
    if (tc.after_reenable == 0 || tc.sim_pilots_while_disabled == 0)
        fail_msg("the toggles were not exercised: %lld submissions after a re-enable,"
                 " %lld simulator submissions while disabled", (long long)tc.after_reenable,
                 (long long)tc.sim_pilots_while_disabled);
    print_message("concurrency: %lld snapshots checked (%lld full scans), longest %.1f ms;"
                  " 0 errors in every process\n", (long long)snapshots,
                  (long long)full_scans, longest);

    free(toggler);
    fx_tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_writer_four_readers),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests_name("concurrency", tests, NULL, NULL);
}
