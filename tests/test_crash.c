/*
 * test_crash.c - kill the simulator with SIGKILL while it writes a WAL file
 * database, reopen the file, and check that nothing committed was lost and
 * nothing uncommitted survived.
 *
 * The simulator is deterministic, so the test first replays the scenario
 * once into a reference file and records the exact database state after
 * every write transaction that committed (a second connection reads it from
 * a trace callback on the writer).  Then, many times over, a forked child
 * replays the same scenario into a fresh file, reporting each committed
 * step through a pipe, while a tracker in memory shared with the parent
 * follows where it is in its transactions; the parent kills it at a random
 * moment, reopens the file and requires: pilotdb_check() passes (integrity
 * check, counts and CE last change times recomputed from the pilot rows),
 * and the whole state (CEs with their last change times, pilots with their
 * three times, hence the history, and the summary) equals the reference state after
 * exactly the number of transactions the child had committed (or one more
 * when it was killed inside COMMIT), hence at least every step the child
 * reported.  Anything else is a lost commit or a half-applied one.
 *
 * Environment: PILOTDECK_CRASH_SEED (kill times), PILOTDECK_CRASH_KILLS
 * (default 200), PILOTDECK_RELIABILITY_SCALE (multiplies the kills).
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */

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

/*
 * outage.ini made shorter (6 h instead of 18 h, the outage from 2 h to 3.5 h)
 * so that one replay is quick: about 330 write transactions of a few to a
 * few dozen rows each, and one larger one when ce-b goes down and its
 * active pilots fail in the same transaction.  The WAL stays below the
 * checkpoint threshold (the test prints how often it restarted: 0), so the
 * kills land in WAL appends and commits, not in checkpoints.
 */
static const char crash_scenario[] =
    "[scenario]\nname = crash\nseed = 7\nduration = 6h\ncycle = 2m\n"
    "max_per_cycle = 20\npolicy = director\nsample_interval = 30m\n"
    "[ce ce-a.example.org]\ncapacity = 12\nsuccess_rate = 0.95\n"
    "queue_time = exp(4m)\nrun_time = exp(90m)\n"
    "[ce ce-b.example.org]\ncapacity = 16\nsuccess_rate = 0.9\n"
    "queue_time = exp(4m)\nrun_time = exp(90m)\n"
    "[ce ce-c.example.org]\ncapacity = 8\nsuccess_rate = 0.97\n"
    "queue_time = uniform(1m, 5m)\nrun_time = fixed(2h)\n"
    "[event ce-b-down]\nat = 2h\nce = ce-b.example.org\nenabled = false\n"
    "running = fail\n"
    "[event ce-b-up]\nat = 3.5h\nce = ce-b.example.org\nenabled = true\n";

#define STEP_MS (2 * 60 * 1000) /* one director cycle */
#define DEFAULT_SEED 20260515u
#define DEFAULT_KILLS 200u

static const char *program = "test_crash"; /* argv[0], for reproduce lines */

/* ---- the whole state of a database, compared by value and hash ------------- */

struct db_state {
    int64_t ces, pilots;
    int64_t events; /* status changes, submissions included, in the pilot rows */
    int64_t summary[PILOT_NSTATUS];
    uint64_t hash; /* FNV-1a over every field of every CE and pilot (the
                      history is the pilots' times) */
};

static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= 0x100000001b3ULL;
    }
}

static void hash_i64(uint64_t *h, int64_t v)
{
    hash_bytes(h, &v, sizeof v);
}

static int hash_pilot(void *arg, const pilotdb_pilot *p)
{
    struct db_state *st = arg;

    st->pilots++;
    hash_i64(&st->hash, p->id);
    hash_i64(&st->hash, p->ce_id);
    hash_i64(&st->hash, p->status);
    hash_i64(&st->hash, p->submitted_at);
    hash_i64(&st->hash, p->started_at);
    hash_i64(&st->hash, p->ended_at);
    hash_i64(&st->hash, p->updated_at);
    st->events += 1 + (p->started_at != PILOTDB_NO_TIME) + (p->ended_at != PILOTDB_NO_TIME);
    return 0;
}

/* Read the whole state of db in one snapshot through the public API. */
static pilotdb_rc state_read(pilotdb *db, struct db_state *st)
{
    pilotdb_ce *ces = NULL;
    pilotdb_summary sum;
    size_t n = 0;
    pilotdb_rc rc;

    memset(st, 0, sizeof *st);
    st->hash = 0xcbf29ce484222325ULL;
    rc = pilotdb_begin_read(db);
    if (rc != PILOTDB_OK)
        return rc;
    rc = pilotdb_ce_list(db, 0, &ces, &n);
    for (size_t i = 0; rc == PILOTDB_OK && i < n; i++) {
        hash_bytes(&st->hash, ces[i].name, strlen(ces[i].name) + 1);
        hash_i64(&st->hash, ces[i].id);
        hash_i64(&st->hash, ces[i].capacity);
        hash_bytes(&st->hash, &ces[i].success_rate, sizeof ces[i].success_rate);
        hash_i64(&st->hash, ces[i].enabled);
        for (int s = 0; s < PILOT_NSTATUS; s++)
            hash_i64(&st->hash, ces[i].count[s]);
        hash_i64(&st->hash, ces[i].last_change_at);
    }
    st->ces = (int64_t)n;
    pilotdb_free(ces);
    if (rc == PILOTDB_OK)
        rc = pilotdb_pilots_foreach(db, NULL, hash_pilot, st);
    if (rc == PILOTDB_OK)
        rc = pilotdb_summary_get(db, &sum);
    if (rc == PILOTDB_OK)
        memcpy(st->summary, sum.count, sizeof st->summary);
    if (rc == PILOTDB_OK)
        return pilotdb_commit(db);
    (void)pilotdb_rollback(db);
    return rc;
}

static int state_equal(const struct db_state *a, const struct db_state *b)
{
    return a->ces == b->ces && a->pilots == b->pilots && a->events == b->events &&
           memcmp(a->summary, b->summary, sizeof a->summary) == 0 &&
           a->hash == b->hash;
}

static void state_describe(const struct db_state *st, char *buf, size_t size)
{
    snprintf(buf, size, "%lld CEs, %lld pilots (%lld/%lld/%lld/%lld), %lld events,"
             " hash %016llx", (long long)st->ces, (long long)st->pilots,
             (long long)st->summary[0], (long long)st->summary[1],
             (long long)st->summary[2], (long long)st->summary[3],
             (long long)st->events, (unsigned long long)st->hash);
}

/* ---- the reference replay ------------------------------------------------------ */

struct reference {
    struct db_state *after; /* [k]: after k tracked commits; [0]: schema only */
    size_t n, cap;
    char wal[4200];         /* the reference's -wal file */
    int64_t wal_seq;        /* its checkpoint sequence number */
    int64_t wal_restarts;   /* times it changed during the replay */
    pilotdb *reader;        /* a second connection, reading each commit */
    int failed;
    char err[512];
};

static void reference_on_commit(void *arg, int64_t commits)
{
    struct reference *ref = arg;
    pilotdb_rc rc;

    if (ref->failed)
        return;
    if ((size_t)commits != ref->n) {
        snprintf(ref->err, sizeof ref->err, "commit %lld reported after %zu states",
                 (long long)commits, ref->n);
        ref->failed = 1;
        return;
    }
    if (ref->n == ref->cap) {
        size_t cap = ref->cap ? 2 * ref->cap : 1024;
        struct db_state *p = realloc(ref->after, cap * sizeof *p);
        if (!p) {
            snprintf(ref->err, sizeof ref->err, "out of memory");
            ref->failed = 1;
            return;
        }
        ref->after = p;
        ref->cap = cap;
    }
    if (rel_wal_checkpoint_seq(ref->wal) != ref->wal_seq) {
        ref->wal_seq = rel_wal_checkpoint_seq(ref->wal);
        ref->wal_restarts++;
    }
    rc = state_read(ref->reader, &ref->after[ref->n]);
    if (rc != PILOTDB_OK) {
        snprintf(ref->err, sizeof ref->err, "reading the state after commit %lld: %s",
                 (long long)commits, pilotdb_errmsg(ref->reader));
        ref->failed = 1;
        return;
    }
    ref->n++;
}

/* Replay scn into dir/reference.db in the steps the children take, and
 * keep the state after every commit. */
static void reference_build(const char *dir, const sim_scenario *scn,
                            struct reference *ref)
{
    struct rel_txn_track track;
    char path[4096], err[512];
    pilotdb *db = NULL;
    sim_engine *eng = NULL;

    memset(ref, 0, sizeof *ref);
    memset(&track, 0, sizeof track);
    snprintf(path, sizeof path, "%s/reference.db", dir);
    db = fx_file_db(dir, "reference.db");
    if (pilotdb_open(path, 0, &ref->reader, err, sizeof err) != PILOTDB_OK)
        fail_msg("opening %s a second time: %s", path, err);
    track.on_commit = reference_on_commit;
    track.on_commit_arg = ref;
    snprintf(ref->wal, sizeof ref->wal, "%s-wal", path);
    reference_on_commit(ref, 0);
    ref->wal_restarts = 0;
    rel_txn_track_install(db, &track);
    if (sim_engine_new(scn, db, sim_scenario_seed(scn), &eng, err, sizeof err) != SIM_OK)
        fail_msg("reference: %s", err);
    while (!sim_engine_done(eng) && !ref->failed)
        if (sim_engine_run_until(eng, sim_engine_now(eng) + STEP_MS) != SIM_OK)
            fail_msg("reference: %s", sim_engine_errmsg(eng));
    sim_engine_free(eng);
    if (ref->failed)
        fail_msg("reference: %s", ref->err);
    if ((int64_t)ref->n != track.commits + 1)
        fail_msg("reference: %zu states for %lld commits", ref->n,
                 (long long)track.commits);
    fx_close(ref->reader);
    ref->reader = NULL;
    fx_close(db);
}

/* ---- the child ---------------------------------------------------------------- */

enum phase { PHASE_START = 0, PHASE_OPENING, PHASE_RUNNING, PHASE_DONE };

/* In memory shared with the parent: where the child was when it died. */
struct crash_shared {
    struct rel_txn_track track;
    volatile int phase;
};

/* What the child reports through the pipe after each step returned: the
 * engine's own totals, so that reporting adds no database access. */
struct step_record {
    int64_t step;
    int64_t vtime;
    int64_t commits;  /* tracked commits made so far */
    int64_t pilots;   /* pilots the engine wrote */
    int64_t active;   /* SUBMITTED + RUNNING */
    int64_t done;
    int64_t failed;
    int64_t finished; /* 1 in the record sent after the last step */
};

static void child_die(int code, const char *what, const char *why)
{
    fprintf(stderr, "crash child: %s: %s\n", what, why);
    _exit(code);
}

/* Replay scn into path, report every step to fd, then wait to be killed. */
static void crash_child(const char *path, const sim_scenario *scn,
                        struct crash_shared *sh, int fd)
{
    struct step_record rec;
    sim_ce_stats total;
    pilotdb *db = NULL;
    sim_engine *eng = NULL;
    char err[512];

    memset(&rec, 0, sizeof rec);
    sh->phase = PHASE_OPENING;
    if (pilotdb_open(path, PILOTDB_OPEN_CREATE, &db, err, sizeof err) != PILOTDB_OK)
        child_die(3, "opening", err);
    rel_txn_track_install(db, &sh->track);
    sh->phase = PHASE_RUNNING;
    if (sim_engine_new(scn, db, sim_scenario_seed(scn), &eng, err, sizeof err) != SIM_OK)
        child_die(4, "starting the engine", err);
    while (!sim_engine_done(eng)) {
        if (sim_engine_run_until(eng, sim_engine_now(eng) + STEP_MS) != SIM_OK)
            child_die(5, "running", sim_engine_errmsg(eng));
        if (sim_report_ce(eng, sim_report_ce_count(eng), &total) != SIM_OK)
            child_die(6, "reading the totals", "sim_report_ce failed");
        rec.step++;
        rec.vtime = sim_engine_now(eng);
        rec.commits = sh->track.commits;
        rec.pilots = total.submitted;
        rec.active = total.active;
        rec.done = total.done;
        rec.failed = total.failed_before_start + total.failed_running;
        if (rel_write_all(fd, &rec, sizeof rec) != 0)
            child_die(7, "reporting", strerror(errno));
    }
    sh->phase = PHASE_DONE;
    rec.finished = 1;
    if (rel_write_all(fd, &rec, sizeof rec) != 0)
        child_die(7, "reporting", strerror(errno));
    for (;;)
        pause();
}

/* Fork a child replaying into path; *rfd is the read end of its pipe. */
static pid_t child_start(const char *path, const sim_scenario *scn,
                         struct crash_shared *sh, int *rfd)
{
    int fds[2];
    pid_t pid;

    memset((void *)sh, 0, sizeof *sh);
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        crash_child(path, scn, sh, fds[1]);
    }
    close(fds[1]);
    *rfd = fds[0];
    return pid;
}

/* Kill the child and collect its reports: *last is the last complete one
 * (zeroed when there is none).  Fails the test if it died on its own. */
static void child_kill(pid_t pid, int rfd, struct step_record *last, int64_t *nrec)
{
    struct step_record rec;
    int status;

    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    memset(last, 0, sizeof *last);
    *nrec = 0;
    while (rel_read_all(rfd, &rec, sizeof rec) == (ssize_t)sizeof rec) {
        *last = rec;
        (*nrec)++;
    }
    close(rfd);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        fail_msg("the crash child ended by itself (status %d) instead of being"
                 " killed: see its message above", status);
}

static void remove_db_files(const char *path)
{
    char p[4200];

    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* ---- checking a killed child's file ----------------------------------------------- */

enum landed { LANDED_OPENING, LANDED_WRITING, LANDED_COMMITTING, LANDED_BETWEEN,
              LANDED_DONE, LANDED_N };

static const char *const landed_names[LANDED_N] = {
    "while opening the database", "inside a write transaction",
    "inside COMMIT", "between transactions", "after the last step"
};

struct tally {
    int64_t landed[LANDED_N];
    int64_t nothing_yet;       /* file missing or empty: killed before the schema */
    int64_t writes_discarded;  /* killed in a transaction that had written */
    int64_t commit_completed;  /* killed inside COMMIT, the commit survived */
    int64_t commit_discarded;  /* killed inside COMMIT, the commit was not durable yet */
    int64_t reports_checked;
};

static enum landed landed_of(const struct crash_shared *sh)
{
    if (sh->phase <= PHASE_OPENING)
        return LANDED_OPENING;
    if (sh->phase == PHASE_DONE)
        return LANDED_DONE;
    if (sh->track.state == REL_TXN_WRITING)
        return LANDED_WRITING;
    if (sh->track.state == REL_TXN_COMMITTING)
        return LANDED_COMMITTING;
    return LANDED_BETWEEN;
}

/*
 * Reopen path after the kill and check it against the reference.  Returns 0,
 * or -1 with the reason in why.
 */
static int check_killed(const char *path, const struct reference *ref,
                        const struct crash_shared *sh, const struct step_record *last,
                        struct tally *tally, char *why, size_t why_size)
{
    enum landed where = landed_of(sh);
    int64_t commits = sh->track.commits, hi, found = -1, problems = 0;
    struct db_state st;
    char err[512], have[256], want[256];
    pilotdb *db = NULL;
    pilotdb_rc rc;

    tally->landed[where]++;
    rc = pilotdb_open(path, 0, &db, err, sizeof err);
    if (rc != PILOTDB_OK) {
        /* Killed before the schema transaction committed: nothing to find. */
        if (where == LANDED_OPENING && (rc == PILOTDB_ECANTOPEN ||
                                        (rc == PILOTDB_ENOTDB && strstr(err, "empty")))) {
            tally->nothing_yet++;
            return 0;
        }
        snprintf(why, why_size, "reopening failed: %s: %s", pilotdb_rc_str(rc), err);
        return -1;
    }
    rc = pilotdb_check(db, &problems);
    if (rc != PILOTDB_OK) {
        snprintf(why, why_size, "pilotdb_check: %s (%lld problems): %s",
                 pilotdb_rc_str(rc), (long long)problems, pilotdb_errmsg(db));
        pilotdb_close(db);
        return -1;
    }
    rc = state_read(db, &st);
    if (rc != PILOTDB_OK) {
        snprintf(why, why_size, "reading the state: %s", pilotdb_errmsg(db));
        pilotdb_close(db);
        return -1;
    }
    /* The file is deleted next: skip the checkpoint (and its syncs) on close. */
    sqlite3_db_config(pilotdb_sqlite(db), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    if (pilotdb_close(db) != PILOTDB_OK) {
        snprintf(why, why_size, "closing the reopened database failed");
        return -1;
    }

    hi = commits + (where == LANDED_COMMITTING);
    if (hi >= (int64_t)ref->n)
        hi = (int64_t)ref->n - 1;
    for (int64_t k = commits; k <= hi; k++)
        if (state_equal(&st, &ref->after[k]))
            found = k;
    if (found < 0) {
        int64_t other = -1;
        for (size_t k = 0; k < ref->n && other < 0; k++)
            if (state_equal(&st, &ref->after[k]))
                other = (int64_t)k;
        state_describe(&st, have, sizeof have);
        state_describe(&ref->after[commits < (int64_t)ref->n ? commits : 0], want,
                       sizeof want);
        if (other >= 0)
            snprintf(why, why_size, "killed %s after %lld commits, the file holds the"
                     " state after commit %lld (%s): %s", landed_names[where],
                     (long long)commits, (long long)other, have,
                     other < commits ? "committed transactions lost"
                                     : "uncommitted writes survived");
        else
            snprintf(why, why_size, "killed %s after %lld commits, the file (%s) "
                     "equals no committed state (a transaction half applied?);"
                     " expected %s", landed_names[where], (long long)commits,
                     have, want);
        return -1;
    }
    if (last->step > 0) {
        const struct db_state *at = &ref->after[last->commits];
        tally->reports_checked++;
        if (last->commits > found || last->pilots != at->pilots ||
            last->done != at->summary[PILOT_DONE] ||
            last->failed != at->summary[PILOT_FAILED] ||
            last->active != at->summary[PILOT_SUBMITTED] + at->summary[PILOT_RUNNING]) {
            snprintf(why, why_size, "step %lld reported %lld commits, %lld pilots (%lld"
                     " active, %lld done, %lld failed) but the reference has %lld"
                     " pilots there; the file is at commit %lld",
                     (long long)last->step, (long long)last->commits,
                     (long long)last->pilots, (long long)last->active,
                     (long long)last->done, (long long)last->failed,
                     (long long)at->pilots, (long long)found);
            return -1;
        }
    }
    if (where == LANDED_WRITING && found + 1 < (int64_t)ref->n &&
        ref->after[found + 1].hash != ref->after[found].hash)
        tally->writes_discarded++;
    if (where == LANDED_COMMITTING && found > commits)
        tally->commit_completed++;
    else if (where == LANDED_COMMITTING)
        tally->commit_discarded++;
    return 0;
}

/* ---- the test ------------------------------------------------------------------- */

/* Wait until the child has opened the database; its time since t0. */
static double wait_running(const struct crash_shared *sh, double t0)
{
    while (sh->phase < PHASE_RUNNING) {
        if (rel_now_ms() - t0 > 30000)
            fail_msg("the crash child did not open its database within 30 s");
        rel_sleep_ms(0.05);
    }
    return rel_now_ms() - t0;
}

/* Wait until the child has made target commits (or finished). */
static void wait_commits(const struct crash_shared *sh, int64_t target, double t0)
{
    while (sh->track.commits < target && sh->phase != PHASE_DONE) {
        if (rel_now_ms() - t0 > 60000)
            fail_msg("the crash child did not reach commit %lld within 60 s",
                     (long long)target);
        rel_sleep_ms(0.02);
    }
}

/* One in OPENING_SHARE kills aims at the opening of the database (schema
 * creation), at a time drawn from the calibrated time of the open; the
 * others at a commit drawn uniformly from the replay's, plus a delay drawn
 * from [0, 2 x the mean time of a transaction], so that they hit every part
 * of the replay alike whatever the speed of the machine. */
#define OPENING_SHARE 10

static void test_sigkill_mid_write(void **state)
{
    uint64_t seed = rel_env_u64("PILOTDECK_CRASH_SEED", DEFAULT_SEED), rng = seed;
    int64_t kills = (int64_t)((double)rel_env_u64("PILOTDECK_CRASH_KILLS", DEFAULT_KILLS)
                              * rel_scale() + 0.5);
    char *dir = fx_tmpdir();
    sim_scenario *scn = NULL;
    struct crash_shared *sh;
    struct reference ref;
    struct tally tally;
    struct step_record last;
    char path[4096], why[1024];
    double t0, t_open, t_run, t_total, per_commit;
    int64_t nrec, in_txn, steps;
    int rfd;
    pid_t pid;

    (void)state;
    if (kills < 1)
        kills = 1;
    if (sim_scenario_parse(crash_scenario, "crash.ini", &scn, why, sizeof why) != SIM_OK)
        fail_msg("the crash scenario: %s", why);
    memset(&tally, 0, sizeof tally);
    print_message("crash: seed %llu (PILOTDECK_CRASH_SEED), %lld kills, a 6 h outage"
                  " scenario in %d-minute steps\n", (unsigned long long)seed,
                  (long long)kills, STEP_MS / 60000);
    t0 = rel_now_ms();
    reference_build(dir, scn, &ref);
    print_message("crash: reference replay: %zu committed write transactions, final"
                  " state %lld pilots, %lld events, the WAL restarted %lld times after"
                  " checkpoints (%.0f ms)\n", ref.n - 1,
                  (long long)ref.after[ref.n - 1].pilots,
                  (long long)ref.after[ref.n - 1].events, (long long)ref.wal_restarts,
                  rel_now_ms() - t0);

    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(sh != MAP_FAILED);
    snprintf(path, sizeof path, "%s/crash.db", dir);

    /* Calibrate: one child runs to the end; its times bound the kill times. */
    t0 = rel_now_ms();
    pid = child_start(path, scn, sh, &rfd);
    t_open = wait_running(sh, t0);
    memset(&last, 0, sizeof last);
    while (!last.finished)
        if (rel_read_all(rfd, &last, sizeof last) != (ssize_t)sizeof last)
            fail_msg("the crash child stopped before the end of the scenario");
    t_run = rel_now_ms() - t0 - t_open;
    steps = last.step;
    child_kill(pid, rfd, &last, &nrec);
    if (check_killed(path, &ref, sh, &last, &tally, why, sizeof why) != 0 ||
        sh->track.commits != (int64_t)ref.n - 1)
        fail_msg("an unkilled child does not reproduce the reference: %s", why);
    remove_db_files(path);
    memset(&tally, 0, sizeof tally);
    per_commit = t_run / (double)(ref.n - 1);
    print_message("crash: an unkilled child opens the database in %.1f ms and replays"
                  " %lld steps in %.0f ms; 1 kill in %d lands in [0, %.1f] ms after"
                  " fork, the others after a random commit and [0, %.3f] ms\n",
                  t_open, (long long)steps, t_run, OPENING_SHARE, t_open,
                  2 * per_commit);

    t0 = rel_now_ms();
    for (int64_t k = 0; k < kills; k++) {
        int opening = rel_rand(&rng) % OPENING_SHARE == 0;
        int64_t target = 1 + (int64_t)(rel_rand(&rng) % (ref.n - 1));
        double delay = rel_rand_unit(&rng) * (opening ? t_open : 2 * per_commit);
        double t_fork = rel_now_ms();

        pid = child_start(path, scn, sh, &rfd);
        if (!opening)
            wait_commits(sh, target, t_fork);
        rel_sleep_ms(delay);
        child_kill(pid, rfd, &last, &nrec);
        if (check_killed(path, &ref, sh, &last, &tally, why, sizeof why) != 0)
            fail_msg("kill %lld of %lld (%.3f ms after %s, %lld steps reported): %s\n"
                     "reproduce with: PILOTDECK_CRASH_SEED=%llu PILOTDECK_CRASH_KILLS=%lld"
                     " %s", (long long)k + 1, (long long)kills, delay,
                     opening ? "fork" : "the target commit", (long long)nrec, why,
                     (unsigned long long)seed, (long long)kills, program);
        remove_db_files(path);
    }
    t_total = rel_now_ms() - t0;

    in_txn = tally.landed[LANDED_WRITING] + tally.landed[LANDED_COMMITTING];
    print_message("crash: %lld kills in %.1f s; every reopened file passed pilotdb_check"
                  " and held exactly the state after the child's last commit\n",
                  (long long)kills, t_total / 1e3);
    for (int w = 0; w < LANDED_N; w++)
        print_message("crash:   killed %-28s %5lld\n", landed_names[w],
                      (long long)tally.landed[w]);
    print_message("crash: inside a write transaction: %lld of %lld kills (%.1f %%);"
                  " %lld of them had written rows, and none survived; inside COMMIT:"
                  " %lld commits survived, %lld were not yet durable\n",
                  (long long)in_txn, (long long)kills,
                  100.0 * (double)in_txn / (double)kills,
                  (long long)tally.writes_discarded, (long long)tally.commit_completed,
                  (long long)tally.commit_discarded);
    print_message("crash: %lld files killed before the schema committed; %lld step"
                  " reports matched the reference\n", (long long)tally.nothing_yet,
                  (long long)tally.reports_checked);
    /* Most kills must land while the child writes, or the test proves little. */
    if (2 * in_txn < kills)
        fail_msg("only %lld of %lld kills landed inside a transaction (seed %llu)",
                 (long long)in_txn, (long long)kills, (unsigned long long)seed);

    munmap(sh, sizeof *sh);
    free(ref.after);
    sim_scenario_free(scn);
    fx_tmpdir_remove(dir);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_mid_write),
    };

    if (argc > 0)
        program = argv[0];
    /* A dead child's pipe must not kill the parent. */
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests_name("crash", tests, NULL, NULL);
}
