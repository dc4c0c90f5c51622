/*
 * test_faults.c - faults injected into libpilotdb: out of memory (the Nth
 * allocation fails, once or for good), I/O errors (the Nth write, sync or
 * truncate fails, once or for good, through a shim VFS) and a full database
 * (PRAGMA max_page_count, and a disk that says ENOSPC).
 *
 * Each public operation runs once without faults (the reference), then once
 * per N = 1, 2, ... with the Nth fault armed, until a run meets no fault.
 * After every run: the call returned the reference result or the documented
 * error with its outputs cleared, no transaction is left open, the same
 * handle passes pilotdb_check() and holds exactly the state from before the
 * call (failure) or the reference state after it (success), its counters
 * read in a new transaction agree with its pilot rows, closing returns
 * PILOTDB_OK, every block SQLite and the layer allocated is freed, and a
 * file database reopened through the plain VFS passes the check and holds
 * the same state.
 *
 * Groups (argv[1]): oom (in-memory databases), oom_files, io, diskfull.
 * Nothing is random: a failure names the operation, the fixture, the mode
 * and N, and `test_faults GROUP` replays it.  PILOTDECK_FAULTS_VERBOSE=1
 * prints the runs and time of each operation; under valgrind
 * (PILOTDECK_UNDER_VALGRIND) the allocation faults are a 1-in-23 sample.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fault_alloc.h"
#include "fault_vfs.h"
#include "fixtures.h"
#include "pilotdb.h"
#include "schema.h"

/* ---- fixtures ------------------------------------------------------------ */

/* What exists before an operation runs. */
enum fixture {
    FX_MEM,       /* the sample data in memory, opened, schema loaded */
    FX_MEM_COLD,  /* the same, schema not yet loaded by the connection */
    FX_FILE,      /* the sample data in a WAL file, opened */
    FX_FILE_CKPT, /* the same, checkpointing after every commit */
    FX_NONE,      /* nothing: the operation opens an in-memory database */
    FX_NEW_PATH,  /* a path with no file: the operation creates it */
    FX_SAMPLE_PATH, /* the sample data in a WAL file, not opened */
    FX_V1_PATH,   /* a schema version 1 file with data, not opened */
    FX_V3_PATH,   /* a schema version 3 file with data, not opened */
    FX_V4_PATH,   /* a schema version 4 file with data, not opened */
    FX_COUNT
};

static const char *const fixture_names[FX_COUNT] = {
    "memory", "memory (cold)", "file", "file+checkpoints", "nothing", "new file",
    "closed file", "version 1 file", "version 3 file", "version 4 file",
};

#define FX_BIT(f) (1u << (f))
#define FX_OPENED (FX_BIT(FX_MEM) | FX_BIT(FX_FILE) | FX_BIT(FX_FILE_CKPT))
#define FX_FILES                                                               \
    (FX_BIT(FX_FILE) | FX_BIT(FX_FILE_CKPT) | FX_BIT(FX_NEW_PATH) |            \
     FX_BIT(FX_SAMPLE_PATH) | FX_BIT(FX_V1_PATH) | FX_BIT(FX_V3_PATH) |      \
     FX_BIT(FX_V4_PATH))

/* File images made once per process (plain malloc). */
struct bytes {
    unsigned char *data;
    size_t size;
};

static struct bytes sample_file, v1_file, v3_file, v4_file, sample_image;
static char *workdir;

static struct bytes slurp(const char *path)
{
    struct bytes b = {NULL, 0};
    FILE *f = fopen(path, "rb");
    long len;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    len = ftell(f);
    assert_true(len > 0);
    rewind(f);
    b.size = (size_t)len;
    b.data = malloc(b.size);
    assert_non_null(b.data);
    assert_int_equal(fread(b.data, 1, b.size, f), b.size);
    fclose(f);
    return b;
}

static void spill(const char *path, const struct bytes *b)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(b->data, 1, b->size, f), b->size);
    assert_int_equal(fclose(f), 0);
}

/* Remove path and its -wal, -shm and -journal files. */
static void remove_db_files(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char name[4200];

    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(name, sizeof name, "%s%s", path, suffixes[i]);
        unlink(name);
    }
}

static void exec_raw(sqlite3 *conn, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(conn, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : sqlite3_errmsg(conn));
}

/* A file of schema version (1, 3 or 4) with two CEs and pilots in every
 * status (in 1 and 3 their history written by that version's own
 * triggers). */
static struct bytes old_file(const char *path, int version)
{
    char sql[256];
    sqlite3 *conn = NULL;
    struct bytes b;

    assert_int_equal(sqlite3_open(path, &conn), SQLITE_OK);
    for (int v = 1; v <= version; v++) {
        assert_int_equal(pilotdb_migrations[v - 1].version, v);
        exec_raw(conn, pilotdb_migrations[v - 1].sql);
    }
    snprintf(sql, sizeof sql,
             "PRAGMA application_id = %d; PRAGMA user_version = %d;"
             "PRAGMA journal_mode = WAL;", PILOTDB_APPLICATION_ID, version);
    exec_raw(conn, sql);
    if (version == 4)
        exec_raw(conn, "INSERT INTO ce(name, capacity, success_rate, enabled,"
                       " n_submitted, n_running, n_done, n_failed, last_change_at)"
                       " VALUES ('ce-old.example.org', 4, 0.9, 1, 1, 1, 1, 0, 7),"
                       " ('ce-older.example.org', 2, 0.5, 0, 0, 0, 0, 1, 8);"
                       "INSERT INTO pilot(ce_id, status, submitted_at, started_at,"
                       " ended_at) VALUES (1, 0, 5, NULL, NULL), (1, 1, 5, 6, NULL),"
                       " (1, 2, 5, 6, 7), (2, 3, 5, NULL, 8);");
    else
        exec_raw(conn, "INSERT INTO ce(name, capacity, success_rate, enabled)"
                       " VALUES ('ce-old.example.org', 4, 0.9, 1),"
                       " ('ce-older.example.org', 2, 0.5, 0);"
                       "INSERT INTO pilot(ce_id, status, submitted_at, updated_at)"
                       " VALUES (1, 0, 5, 5), (1, 0, 5, 5), (1, 0, 5, 5), (2, 0, 5, 5);"
                       "UPDATE pilot SET status = 1, updated_at = 6"
                       " WHERE pilot_id IN (2, 3);"
                       "UPDATE pilot SET status = 2, updated_at = 7 WHERE pilot_id = 3;"
                       "UPDATE pilot SET status = 3, updated_at = 8 WHERE pilot_id = 4;");
    assert_int_equal(sqlite3_close(conn), SQLITE_OK);
    b = slurp(path);
    remove_db_files(path);
    return b;
}

/* The images every test starts from: the sample data as a WAL file and as
 * an in-memory image, and files of versions 1 and 3. */
static void images_make(void)
{
    char path[4200];
    pilotdb *db;
    unsigned char *image;
    size_t size;

    if (workdir)
        return;
    /* Files in memory when there is a tmpfs: a fault run creates and syncs
     * thousands of databases, and only the VFS's answers matter here. */
    if (!getenv("TMPDIR") && access("/dev/shm", W_OK) == 0)
        setenv("TMPDIR", "/dev/shm", 1);
    workdir = fx_tmpdir();
    snprintf(path, sizeof path, "%s/template.db", workdir);

    db = fx_sample_db();
    fx_ok(db, pilotdb_serialize(db, &image, &size));
    sample_image.data = malloc(size);
    assert_non_null(sample_image.data);
    memcpy(sample_image.data, image, size);
    sample_image.size = size;
    pilotdb_free(image);
    fx_close(db);

    /* Opening the image as a file once turns it into a WAL database;
     * closing checkpoints and removes the WAL. */
    spill(path, &sample_image);
    db = fx_file_db(workdir, "template.db");
    fx_close(db);
    sample_file = slurp(path);
    remove_db_files(path);

    v1_file = old_file(path, 1);
    v3_file = old_file(path, 3);
    v4_file = old_file(path, 4);
}

static void images_free(void)
{
    free(sample_file.data);
    free(v1_file.data);
    free(v3_file.data);
    free(v4_file.data);
    free(sample_image.data);
    fx_tmpdir_remove(workdir);
    workdir = NULL;
}

/* ---- the state of a database --------------------------------------------- */

/* A growable string (plain malloc: never counted, never failed). */
struct text {
    char *s;
    size_t len, cap;
};

static void text_add(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int need;

    va_start(ap, fmt);
    need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(need >= 0);
    if (t->len + (size_t)need + 1 > t->cap) {
        t->cap = (t->len + (size_t)need + 1) * 2;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)need;
}

/* Append every row of sql's result to t. */
static void dump_query(sqlite3 *conn, const char *sql, struct text *t)
{
    sqlite3_stmt *st = NULL;
    int src;

    if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(conn));
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const unsigned char *v = sqlite3_column_text(st, c);

            text_add(t, "%s%s", c ? "|" : "", v ? (const char *)v : "NULL");
        }
        text_add(t, "\n");
    }
    if (src != SQLITE_DONE)
        fail_msg("%s: %s", sql, sqlite3_errmsg(conn));
    sqlite3_finalize(st);
}

/* Everything a database holds, as text: header fields, schema, all rows.
 * "(empty)" for a missing file or a database with nothing in it.  Owned by
 * the caller (free()). */
static char *dump_conn(sqlite3 *conn)
{
    struct text t = {NULL, 0, 0};
    sqlite3_stmt *st = NULL;
    char *tables[16];
    size_t ntables = 0;

    text_add(&t, "%s", "");
    dump_query(conn, "PRAGMA user_version", &t);
    dump_query(conn, "PRAGMA application_id", &t);
    dump_query(conn, "SELECT type, name, tbl_name, sql FROM sqlite_schema"
                     " ORDER BY type, name", &t);
    if (strcmp(t.s, "0\n0\n") == 0) {
        free(t.s);
        return strdup("(empty)");
    }
    assert_int_equal(sqlite3_prepare_v2(conn,
                                        "SELECT name FROM sqlite_schema WHERE"
                                        " type = 'table' ORDER BY name",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW && ntables < 16)
        tables[ntables++] = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    for (size_t i = 0; i < ntables; i++) {
        char *sql = sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY rowid",
                                    tables[i]);

        text_add(&t, "-- %s\n", tables[i]);
        dump_query(conn, sql, &t);
        sqlite3_free(sql);
        free(tables[i]);
    }
    return t.s;
}

/* The committed state of the file at path, read through the plain VFS. */
static char *dump_path(const char *path)
{
    sqlite3 *conn = NULL;
    char *state;
    struct stat sb;

    if (stat(path, &sb) != 0)
        return strdup("(empty)");
    /* Read-write: a WAL left by a failed write may need recovery, which a
     * read-only connection cannot run. */
    if (sqlite3_open_v2(path, &conn, SQLITE_OPEN_READWRITE, "unix") != SQLITE_OK)
        fail_msg("opening %s to read it: %s", path, sqlite3_errmsg(conn));
    state = dump_conn(conn);
    assert_int_equal(sqlite3_close(conn), SQLITE_OK);
    return state;
}

/* ---- operations ------------------------------------------------------------ */

#define RESULT_MAX 2048

/* One run of an operation. */
struct run {
    pilotdb *db;      /* the handle (an operation may open or close it) */
    const char *path; /* the database file, or NULL in memory */
    char result[RESULT_MAX]; /* what the call gave back, as text */
    char err[256];    /* the message of a failed open */
};

static void say(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(struct run *r, const char *fmt, ...)
{
    size_t len = strlen(r->result);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->result + len, sizeof r->result - len, fmt, ap);
    va_end(ap);
}

static int all_zero(const void *p, size_t size)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < size; i++)
        if (b[i])
            return 0;
    return 1;
}

/* Outputs of a failed call must be cleared: say so when they are not. */
#define CLEARED(r, rc, obj)                                                    \
    do {                                                                       \
        if ((rc) != PILOTDB_OK && !all_zero(&(obj), sizeof(obj)))              \
            say(r, "%s not cleared after an error", #obj);                     \
    } while (0)

static void say_ce(struct run *r, const pilotdb_ce *ce)
{
    say(r, "[%lld %s cap=%lld rate=%.3f en=%d %lld/%lld/%lld/%lld act=%lld"
           " avail=%lld last=%lld]",
        (long long)ce->id, ce->name, (long long)ce->capacity, ce->success_rate,
        ce->enabled, (long long)ce->count[0], (long long)ce->count[1],
        (long long)ce->count[2], (long long)ce->count[3],
        (long long)ce->active, (long long)ce->available_slots,
        (long long)ce->last_change_at);
}

static void say_pilot(struct run *r, const pilotdb_pilot *p)
{
    say(r, "[%lld ce=%lld %s %s %lld %lld %lld %lld]", (long long)p->id,
        (long long)p->ce_id, p->ce_name, pilot_status_name((int)p->status),
        (long long)p->submitted_at, (long long)p->started_at,
        (long long)p->ended_at, (long long)p->updated_at);
}

/* An id given back: its value after success, nothing after an error
 * (where it must be 0). */
static void say_id(struct run *r, pilotdb_rc rc, int64_t id)
{
    if (rc == PILOTDB_OK)
        say(r, "id %lld", (long long)id);
    else if (id != 0)
        say(r, "id %lld not cleared after an error", (long long)id);
}

/* A failed open gives no handle and a message. */
static pilotdb_rc said_open(struct run *r, pilotdb_rc rc)
{
    if (rc != PILOTDB_OK && (r->db || !r->err[0]))
        say(r, "failed open: handle %p, message '%s'", (void *)r->db, r->err);
    return rc;
}

static pilotdb_rc op_open_new(struct run *r)
{
    return said_open(r, pilotdb_open(r->path, PILOTDB_OPEN_CREATE, &r->db,
                                     r->err, sizeof r->err));
}

static pilotdb_rc op_open_existing(struct run *r)
{
    return said_open(r, pilotdb_open(r->path, 0, &r->db, r->err, sizeof r->err));
}

static pilotdb_rc op_open_memory(struct run *r)
{
    return said_open(r, pilotdb_open(":memory:", PILOTDB_OPEN_CREATE, &r->db,
                                     r->err, sizeof r->err));
}

static pilotdb_rc op_open_scratch(struct run *r)
{
    return said_open(r, pilotdb_open(":memory:", PILOTDB_OPEN_CREATE | PILOTDB_OPEN_SCRATCH,
                                     &r->db, r->err, sizeof r->err));
}

static pilotdb_rc op_set_cache(struct run *r)
{
    return pilotdb_set_cache(r->db, 4096);
}

static pilotdb_rc op_open_image(struct run *r)
{
    return said_open(r, pilotdb_open_image(sample_image.data, sample_image.size,
                                           &r->db, r->err, sizeof r->err));
}

static pilotdb_rc op_serialize(struct run *r)
{
    unsigned char *image = (unsigned char *)r; /* must be overwritten */
    size_t size = 1;
    uint32_t hash = 2166136261u;
    pilotdb_rc rc = pilotdb_serialize(r->db, &image, &size);

    if (rc == PILOTDB_OK) {
        for (size_t i = 0; i < size; i++)
            hash = (hash ^ image[i]) * 16777619u;
        say(r, "%zu bytes, FNV-1a %08x", size, hash);
        pilotdb_free(image);
    } else if (image || size) {
        say(r, "image not cleared after an error");
    }
    return rc;
}

static pilotdb_rc op_close(struct run *r)
{
    pilotdb_rc rc = pilotdb_close(r->db);

    r->db = NULL;
    return rc;
}

static pilotdb_rc op_ce_add(struct run *r)
{
    int64_t id = -1;
    pilotdb_rc rc = pilotdb_ce_add(r->db, "ce-new.example.org", 7, 0.25, 1, &id);

    say_id(r, rc, id);
    return rc;
}

static pilotdb_rc op_ce_add_exists(struct run *r)
{
    int64_t id = -1;
    pilotdb_rc rc = pilotdb_ce_add(r->db, "ce-beta.example.org", 7, 0.25, 1, &id);

    say_id(r, rc, id);
    return rc;
}

static pilotdb_rc op_ce_update(struct run *r)
{
    pilotdb_ce_change change = {
        .set = PILOTDB_SET_CAPACITY | PILOTDB_SET_SUCCESS_RATE |
               PILOTDB_SET_ENABLED,
        .capacity = 6, .success_rate = 0.75, .enabled = 0,
    };

    return pilotdb_ce_update(r->db, "ce-beta.example.org", &change);
}

static pilotdb_rc op_ce_get(struct run *r)
{
    pilotdb_ce ce;
    pilotdb_rc rc;

    memset(&ce, 0x55, sizeof ce);
    rc = pilotdb_ce_get(r->db, "ce-alpha.example.org", &ce);
    if (rc == PILOTDB_OK)
        say_ce(r, &ce);
    CLEARED(r, rc, ce);
    return rc;
}

static pilotdb_rc ce_list(struct run *r, int available_only)
{
    pilotdb_ce *ces = (pilotdb_ce *)r;
    size_t n = 99;
    pilotdb_rc rc = pilotdb_ce_list(r->db, available_only, &ces, &n);

    if (rc == PILOTDB_OK) {
        for (size_t i = 0; i < n; i++)
            say_ce(r, &ces[i]);
        pilotdb_free(ces);
    } else if (ces || n) {
        say(r, "list not cleared after an error");
    }
    return rc;
}

static pilotdb_rc op_ce_list(struct run *r)
{
    return ce_list(r, 0);
}

static pilotdb_rc op_ce_list_available(struct run *r)
{
    return ce_list(r, 1);
}

static pilotdb_rc op_ce_success_rate(struct run *r)
{
    double rate = -1.0;
    pilotdb_rc rc = pilotdb_ce_success_rate(r->db, "ce-beta.example.org", &rate);

    if (rc == PILOTDB_OK)
        say(r, "rate %.3f", rate);
    else if (rate != 0.0)
        say(r, "rate %.3f not cleared after an error", rate);
    return rc;
}

static pilotdb_rc op_submit(struct run *r)
{
    int64_t id = -1;
    pilotdb_rc rc = pilotdb_pilot_submit(r->db, "ce-alpha.example.org", &id);

    say_id(r, rc, id);
    return rc;
}

static pilotdb_rc op_submit_full(struct run *r)
{
    int64_t id = -1;
    pilotdb_rc rc = pilotdb_pilot_submit(r->db, "ce-beta.example.org", &id);

    say_id(r, rc, id);
    return rc;
}

static pilotdb_rc op_submit_disabled(struct run *r)
{
    int64_t id = -1;
    pilotdb_rc rc = pilotdb_pilot_submit(r->db, "ce-gamma.example.org", &id);

    say_id(r, rc, id);
    return rc;
}

/* Sample pilots: 1-5 done, 6 failed, 7-10 running, 11-13 submitted on
 * ce-alpha (see fixtures.h). */
static pilotdb_rc op_set_status(struct run *r)
{
    return pilotdb_pilot_set_status(r->db, 11, PILOT_RUNNING);
}

static pilotdb_rc op_set_status_illegal(struct run *r)
{
    return pilotdb_pilot_set_status(r->db, 1, PILOT_RUNNING);
}

/* Pilot 8 is running on ce-alpha, CE id 1; pilot 9 is not submitted. */
static pilotdb_rc op_pilot_move(struct run *r)
{
    return pilotdb_pilot_move(r->db, 8, 1, PILOT_RUNNING, PILOT_DONE);
}

static pilotdb_rc op_pilot_move_refused(struct run *r)
{
    return pilotdb_pilot_move(r->db, 9, 1, PILOT_SUBMITTED, PILOT_RUNNING);
}

static pilotdb_rc op_pilot_get(struct run *r)
{
    pilotdb_pilot p;
    pilotdb_rc rc;

    memset(&p, 0x55, sizeof p);
    rc = pilotdb_pilot_get(r->db, 7, &p);
    if (rc == PILOTDB_OK)
        say_pilot(r, &p);
    CLEARED(r, rc, p);
    return rc;
}

static pilotdb_rc pilots_list(struct run *r, const pilotdb_pilot_filter *f)
{
    pilotdb_pilot *pilots = (pilotdb_pilot *)r;
    size_t n = 99;
    pilotdb_rc rc = pilotdb_pilots_list(r->db, f, &pilots, &n);

    if (rc == PILOTDB_OK) {
        for (size_t i = 0; i < n; i++)
            say_pilot(r, &pilots[i]);
        pilotdb_free(pilots);
    } else if (pilots || n) {
        say(r, "list not cleared after an error");
    }
    return rc;
}

static pilotdb_rc op_pilots_list(struct run *r)
{
    return pilots_list(r, NULL);
}

static pilotdb_rc op_pilots_list_filtered(struct run *r)
{
    pilotdb_pilot_filter f = {PILOT_RUNNING, "ce-beta.example.org"};

    return pilots_list(r, &f);
}

static int say_pilot_cb(void *arg, const pilotdb_pilot *p)
{
    say(arg, "%lld ", (long long)p->id);
    return 0;
}

static pilotdb_rc op_pilots_foreach(struct run *r)
{
    pilotdb_pilot_filter f = {-1, "ce-alpha.example.org"};
    pilotdb_rc rc = pilotdb_pilots_foreach(r->db, &f, say_pilot_cb, r);

    /* A failed walk may have called back for some pilots: keep no trace. */
    if (rc != PILOTDB_OK)
        r->result[0] = '\0';
    return rc;
}

static pilotdb_rc op_summary(struct run *r)
{
    pilotdb_summary s;
    pilotdb_rc rc;

    memset(&s, 0x55, sizeof s);
    rc = pilotdb_summary_get(r->db, &s);
    if (rc == PILOTDB_OK)
        say(r, "%lld/%lld/%lld/%lld", (long long)s.count[0],
            (long long)s.count[1], (long long)s.count[2], (long long)s.count[3]);
    CLEARED(r, rc, s);
    return rc;
}

static int say_event_cb(void *arg, const pilotdb_event *e)
{
    say(arg, "[p%lld c%lld %d>%d @%lld]", (long long)e->pilot_id,
        (long long)e->ce_id, e->from_status, e->to_status, (long long)e->at);
    return 0;
}

/* The history from 1500 on, in order or (any_order) as the rows come. */
static pilotdb_rc events_from_1500(struct run *r, int any_order)
{
    pilotdb_event_filter f = {1500, INT64_MAX, any_order};
    pilotdb_rc rc = pilotdb_events_foreach(r->db, &f, say_event_cb, r);

    if (rc != PILOTDB_OK)
        r->result[0] = '\0';
    return rc;
}

static pilotdb_rc op_events(struct run *r)
{
    return events_from_1500(r, 0);
}

static pilotdb_rc op_events_any_order(struct run *r)
{
    return events_from_1500(r, 1);
}

static pilotdb_rc op_check(struct run *r)
{
    int64_t problems = -1;
    pilotdb_rc rc = pilotdb_check(r->db, &problems);

    if (rc == PILOTDB_OK || problems != 0)
        say(r, "%lld problems", (long long)problems);
    return rc;
}

/* A caller's write transaction: the calls in it are applied together or
 * not at all; after the first error the caller rolls back (unless SQLite
 * already has, see pilotdb.h). */
static pilotdb_rc op_transaction(struct run *r)
{
    int64_t ce = 0, pilot = 0;
    pilotdb_rc rc = pilotdb_begin(r->db);

    if (rc == PILOTDB_OK)
        rc = pilotdb_ce_add(r->db, "ce-txn.example.org", 3, 0.5, 1, &ce);
    if (rc == PILOTDB_OK)
        rc = pilotdb_pilot_submit(r->db, "ce-txn.example.org", &pilot);
    if (rc == PILOTDB_OK)
        rc = pilotdb_pilot_set_status(r->db, pilot, PILOT_RUNNING);
    if (rc == PILOTDB_OK)
        rc = pilotdb_pilot_set_status(r->db, 12, PILOT_FAILED);
    if (rc == PILOTDB_OK)
        rc = pilotdb_commit(r->db);
    if (rc != PILOTDB_OK && pilotdb_in_transaction(r->db))
        pilotdb_rollback(r->db);
    if (rc == PILOTDB_OK)
        say(r, "ce %lld pilot %lld", (long long)ce, (long long)pilot);
    return rc;
}

/* A caller's batch with reads between its writes, as the simulator and the
 * dashboard make them: the counters gathered so far are written before
 * each read and the rest at the commit; a failure anywhere, the commit
 * included, leaves the database as it was before pilotdb_begin(). */
static pilotdb_rc op_transaction_reads(struct run *r)
{
    int64_t pilot = 0;
    pilotdb_rc rc = pilotdb_begin(r->db);

    if (rc == PILOTDB_OK)
        rc = pilotdb_pilot_set_status(r->db, 11, PILOT_RUNNING);
    if (rc == PILOTDB_OK)
        rc = pilotdb_pilot_submit(r->db, "ce-alpha.example.org", &pilot);
    if (rc == PILOTDB_OK)
        rc = op_ce_get(r);
    fx_clock_ms += 250;
    if (rc == PILOTDB_OK)
        rc = pilotdb_pilot_set_status(r->db, 7, PILOT_DONE);
    if (rc == PILOTDB_OK)
        rc = pilotdb_pilot_set_status(r->db, pilot, PILOT_FAILED);
    if (rc == PILOTDB_OK)
        rc = pilotdb_pilot_set_status(r->db, 13, PILOT_FAILED);
    if (rc == PILOTDB_OK)
        rc = op_summary(r);
    if (rc == PILOTDB_OK)
        rc = pilotdb_pilot_set_status(r->db, 12, PILOT_RUNNING);
    if (rc == PILOTDB_OK)
        rc = pilotdb_commit(r->db);
    if (rc != PILOTDB_OK && pilotdb_in_transaction(r->db))
        pilotdb_rollback(r->db);
    if (rc == PILOTDB_OK)
        say(r, " pilot %lld", (long long)pilot);
    else
        r->result[0] = '\0';
    return rc;
}

/* The rc of a raw SQL failure src, as the layer reports it. */
static pilotdb_rc rc_of_sqlite(int src)
{
    switch (src & 0xff) {
    case SQLITE_OK:
        return PILOTDB_OK;
    case SQLITE_NOMEM:
        return PILOTDB_ENOMEM;
    case SQLITE_IOERR:
        return PILOTDB_EIO;
    case SQLITE_FULL:
        return PILOTDB_EDISKFULL;
    default:
        return PILOTDB_ESQL;
    }
}

/*
 * call inside a transaction the caller opened with raw SQL, as the
 * savepoint fixture does: the layer guards the call with a savepoint, so
 * committing the caller's transaction afterwards, even after the call
 * failed, writes all of the call or none of it (and no savepoint is left).
 */
static pilotdb_rc in_raw_transaction(struct run *r, pilotdb_rc (*call)(struct run *))
{
    sqlite3 *conn = pilotdb_sqlite(r->db);
    pilotdb_rc rc = rc_of_sqlite(sqlite3_exec(conn, "BEGIN IMMEDIATE", NULL, NULL, NULL));

    pilotdb_rc crc;

    if (rc == PILOTDB_OK)
        rc = call(r);
    /* The layer's commit, whose statements raw_prepare() made: a raw one
     * could not be made, nor its rollback, once every allocation fails. */
    if (pilotdb_in_transaction(r->db)) {
        crc = pilotdb_commit(r->db);
        if (rc == PILOTDB_OK)
            rc = crc;
    }
    if (rc != PILOTDB_OK)
        r->result[0] = '\0';
    return rc;
}

static pilotdb_rc op_raw_submit(struct run *r)
{
    return in_raw_transaction(r, op_submit);
}

static pilotdb_rc op_raw_set_status(struct run *r)
{
    return in_raw_transaction(r, op_set_status);
}

/* ---- schema 5: CE sites and change log, clock kind, observed pilots ---- */

static pilotdb_rc op_ce_add_spec(struct run *r)
{
    pilotdb_ce_spec spec = {"ce-new.example.org", 7, 0.25, 1, "T2_NEW",
                            PILOTDB_CAPACITY_INFERRED};
    int64_t id = -1;
    pilotdb_rc rc = pilotdb_ce_add_spec(r->db, &spec, &id);

    say_id(r, rc, id);
    return rc;
}

static pilotdb_rc op_ce_edit(struct run *r)
{
    pilotdb_ce_edit_spec edit;

    memset(&edit, 0, sizeof edit);
    edit.change.set = PILOTDB_SET_CAPACITY | PILOTDB_SET_SITE |
                      PILOTDB_SET_CAPACITY_SOURCE;
    edit.change.capacity = 6;
    edit.site = "T2_BETA";
    edit.capacity_source = PILOTDB_CAPACITY_INFERRED;
    return pilotdb_ce_edit(r->db, "ce-beta.example.org", &edit);
}

static pilotdb_rc op_ce_history(struct run *r)
{
    pilotdb_ce_history_row *rows = (pilotdb_ce_history_row *)r;
    size_t n = 99;
    pilotdb_rc rc = pilotdb_ce_history(r->db, "ce-alpha.example.org", INT64_MIN,
                                       &rows, &n);

    if (rc == PILOTDB_OK) {
        say(r, "%zu rows", n);
        for (size_t i = 0; i < n; i++)
            say(r, " [%s %s %lld %s]", rows[i].ce_name,
                pilotdb_ce_field_name((int)rows[i].field),
                (long long)rows[i].new_value.i, rows[i].by);
    } else if (rows || n) {
        say(r, "rows not cleared after an error");
    }
    pilotdb_free(rows);
    return rc;
}

static pilotdb_rc op_clock_kind(struct run *r)
{
    pilotdb_clock_type kind = (pilotdb_clock_type)9;
    pilotdb_rc rc = pilotdb_clock_kind(r->db, &kind);

    say(r, "%s", rc == PILOTDB_OK ? pilotdb_clock_kind_name((int)kind)
                 : kind == PILOTDB_CLOCK_UNSET ? "" : "kind not cleared");
    return rc;
}

static pilotdb_rc op_clock_claim(struct run *r)
{
    return pilotdb_clock_claim(r->db, PILOTDB_CLOCK_WALL);
}

/* An observation of pilot ref at ce-alpha: submitted at 10 s past the
 * epoch's 2026-12-01, then status with its start and end times. */
static pilotdb_observation observation(const char *ref, pilot_status status)
{
    static const int64_t t0 = INT64_C(1796083200000);
    pilotdb_observation o;

    memset(&o, 0, sizeof o);
    o.ref = ref;
    o.ce_name = "ce-alpha.example.org";
    o.site = "T1_ALPHA";
    o.status = status;
    o.submitted.kind = PILOTDB_TIME_EXACT;
    o.submitted.at = t0 + 10000;
    o.started.at = o.ended.at = PILOTDB_NO_TIME;
    if (status == PILOT_RUNNING || status == PILOT_DONE) {
        o.started.kind = PILOTDB_TIME_OBSERVED;
        o.started.at = t0 + 20000;
    }
    if (status >= PILOT_DONE) {
        o.started.kind = status == PILOT_DONE ? o.started.kind : PILOTDB_TIME_UNKNOWN;
        o.ended.kind = PILOTDB_TIME_EXACT;
        o.ended.at = t0 + 30000;
    }
    o.reason = "a reason";
    o.source_status = "Word";
    return o;
}

static pilotdb_rc observe(struct run *r, const char *ref, pilot_status status)
{
    pilotdb_observation o = observation(ref, status);
    pilotdb_observe_result res = (pilotdb_observe_result)9;
    int64_t id = -1;
    pilotdb_rc rc = pilotdb_pilot_observe(r->db, &o, &res, &id);

    say_id(r, rc, id);
    if (rc == PILOTDB_OK)
        say(r, " result %d", (int)res);
    return rc;
}

/* A pilot observed running, unfaulted, before the run. */
static void observed_prepare(pilotdb *db)
{
    pilotdb_observation o = observation("ref-1", PILOT_RUNNING);

    fx_ok(db, pilotdb_pilot_observe(db, &o, NULL, NULL));
}

static void raw_prepare(pilotdb *db);

static void observed_raw_prepare(pilotdb *db)
{
    observed_prepare(db);
    raw_prepare(db);
}

static pilotdb_rc op_observe_new(struct run *r)
{
    return observe(r, "ref-new", PILOT_FAILED);
}

static pilotdb_rc op_observe_move(struct run *r)
{
    return observe(r, "ref-1", PILOT_DONE);
}

static pilotdb_rc op_observe_backwards(struct run *r)
{
    pilotdb_observation o = observation("ref-1", PILOT_SUBMITTED);
    int64_t id = -1;
    pilotdb_rc rc;

    o.submitted.at += 60000; /* later than the row, and back to submitted */
    rc = pilotdb_pilot_observe(r->db, &o, NULL, &id);
    say_id(r, rc, id);
    return rc;
}

static pilotdb_rc op_observe_unknown_ce(struct run *r)
{
    pilotdb_observation o = observation("ref-2", PILOT_SUBMITTED);

    o.ce_name = "ce-none.example.org";
    return pilotdb_pilot_observe(r->db, &o, NULL, NULL);
}

static pilotdb_rc op_pilot_get_ref(struct run *r)
{
    pilotdb_pilot p;
    pilotdb_rc rc;

    memset(&p, 0x55, sizeof p);
    rc = pilotdb_pilot_get_ref(r->db, "ref-1", &p);
    if (rc == PILOTDB_OK)
        say(r, "[%s] %s", p.ref, p.source_status), say_pilot(r, &p);
    CLEARED(r, rc, p);
    return rc;
}

static pilotdb_rc op_pilot_reason(struct run *r)
{
    char *reason = (char *)r;
    pilotdb_rc rc = pilotdb_pilot_reason(r->db, 1, &reason);

    if (rc == PILOTDB_OK)
        say(r, "%s", reason ? reason : "(none)");
    else if (reason)
        say(r, "reason not cleared after an error");
    pilotdb_free(reason);
    if (rc == PILOTDB_OK) {
        pilotdb_pilot p;

        reason = NULL;
        rc = pilotdb_pilot_get_ref(r->db, "ref-1", &p);
        if (rc == PILOTDB_OK)
            rc = pilotdb_pilot_reason(r->db, p.id, &reason);
        if (rc == PILOTDB_OK)
            say(r, " %s", reason ? reason : "(none)");
        pilotdb_free(reason);
        if (rc != PILOTDB_OK)
            r->result[0] = '\0';
    }
    return rc;
}

static pilotdb_rc op_raw_observe(struct run *r)
{
    return in_raw_transaction(r, op_observe_move);
}

/* A caller's batch of observations and a CE change, as ingest makes them. */
static pilotdb_rc op_observe_batch(struct run *r)
{
    pilotdb_rc rc = pilotdb_begin(r->db);

    if (rc == PILOTDB_OK)
        rc = op_observe_new(r);
    if (rc == PILOTDB_OK)
        rc = op_observe_move(r);
    if (rc == PILOTDB_OK)
        rc = op_ce_edit(r);
    if (rc == PILOTDB_OK)
        rc = pilotdb_pilot_submit(r->db, "ce-alpha.example.org", NULL);
    if (rc == PILOTDB_OK)
        rc = pilotdb_commit(r->db);
    if (rc != PILOTDB_OK && pilotdb_in_transaction(r->db))
        pilotdb_rollback(r->db);
    if (rc != PILOTDB_OK)
        r->result[0] = '\0';
    return rc;
}

/* A caller's transaction rolled back: nothing changes, whatever fails. */
static pilotdb_rc op_transaction_rollback(struct run *r)
{
    pilotdb_rc rc = pilotdb_begin(r->db), rc2;

    if (rc == PILOTDB_OK)
        rc = pilotdb_ce_add(r->db, "ce-gone.example.org", 3, 0.5, 1, NULL);
    if (pilotdb_in_transaction(r->db)) {
        rc2 = pilotdb_rollback(r->db);
        if (rc == PILOTDB_OK)
            rc = rc2;
    }
    return rc;
}

/* A caller's read snapshot over several reads. */
static pilotdb_rc op_read_transaction(struct run *r)
{
    pilotdb_rc rc = pilotdb_begin_read(r->db);

    if (rc == PILOTDB_OK)
        rc = op_summary(r);
    if (rc == PILOTDB_OK)
        rc = op_ce_list_available(r);
    if (rc == PILOTDB_OK)
        rc = pilotdb_commit(r->db);
    if (rc != PILOTDB_OK && pilotdb_in_transaction(r->db))
        pilotdb_rollback(r->db);
    if (rc != PILOTDB_OK)
        r->result[0] = '\0';
    return rc;
}

/* Writes that leave frames in the WAL for op_close to checkpoint. */
/* Have the handle make its transaction statements (see in_raw_transaction()). */
static void raw_prepare(pilotdb *db)
{
    fx_ok(db, pilotdb_begin(db));
    fx_ok(db, pilotdb_commit(db));
}

static void before_close(pilotdb *db)
{
    fx_ok(db, pilotdb_ce_add(db, "ce-late.example.org", 2, 1.0, 1, NULL));
    fx_ok(db, pilotdb_pilot_submit(db, "ce-late.example.org", NULL));
}

struct op {
    const char *name;
    pilotdb_rc (*run)(struct run *r);
    unsigned fixtures;          /* FX_BIT()s it runs on */
    void (*prepare)(pilotdb *); /* unfaulted, before the run (or NULL) */
};

#define WRITES (FX_BIT(FX_MEM) | FX_BIT(FX_FILE) | FX_BIT(FX_FILE_CKPT))
#define READS FX_BIT(FX_MEM)

static const struct op ops[] = {
    {"pilotdb_open(new file, CREATE)", op_open_new, FX_BIT(FX_NEW_PATH), NULL},
    {"pilotdb_open(existing file)", op_open_existing, FX_BIT(FX_SAMPLE_PATH), NULL},
    {"pilotdb_open(version 1 file: migration)", op_open_existing,
     FX_BIT(FX_V1_PATH), NULL},
    {"pilotdb_open(version 3 file: migration)", op_open_existing,
     FX_BIT(FX_V3_PATH), NULL},
    {"pilotdb_open(version 4 file: migration)", op_open_existing,
     FX_BIT(FX_V4_PATH), NULL},
    {"pilotdb_open(:memory:)", op_open_memory, FX_BIT(FX_NONE), NULL},
    {"pilotdb_open(:memory:, SCRATCH)", op_open_scratch, FX_BIT(FX_NONE), NULL},
    {"pilotdb_set_cache", op_set_cache, READS | FX_BIT(FX_FILE), NULL},
    {"pilotdb_open_image", op_open_image, FX_BIT(FX_NONE), NULL},
    {"pilotdb_serialize", op_serialize, READS, NULL},
    {"pilotdb_close(after writes)", op_close,
     FX_BIT(FX_FILE) | FX_BIT(FX_FILE_CKPT), before_close},
    {"pilotdb_ce_add", op_ce_add, WRITES, NULL},
    {"pilotdb_ce_add(existing name)", op_ce_add_exists, READS, NULL},
    {"pilotdb_ce_update", op_ce_update, WRITES, NULL},
    {"pilotdb_ce_get", op_ce_get, READS, NULL},
    {"pilotdb_ce_list", op_ce_list, READS, NULL},
    {"pilotdb_ce_list(available)", op_ce_list_available, READS, NULL},
    {"pilotdb_ce_success_rate", op_ce_success_rate, READS, NULL},
    {"pilotdb_pilot_submit", op_submit, WRITES | FX_BIT(FX_MEM_COLD), NULL},
    {"pilotdb_pilot_submit(full CE)", op_submit_full, READS, NULL},
    {"pilotdb_pilot_submit(disabled CE)", op_submit_disabled, READS, NULL},
    {"pilotdb_pilot_set_status", op_set_status, WRITES, NULL},
    {"pilotdb_pilot_set_status(illegal)", op_set_status_illegal, READS, NULL},
    {"pilotdb_pilot_move", op_pilot_move, WRITES, NULL},
    {"pilotdb_pilot_move(not in that status)", op_pilot_move_refused, READS, NULL},
    {"pilotdb_pilot_get", op_pilot_get, READS, NULL},
    {"pilotdb_pilots_list", op_pilots_list, READS, NULL},
    {"pilotdb_pilots_list(status, CE)", op_pilots_list_filtered, READS, NULL},
    {"pilotdb_pilots_foreach(CE)", op_pilots_foreach, READS, NULL},
    {"pilotdb_summary_get", op_summary, READS, NULL},
    {"pilotdb_events_foreach", op_events, READS, NULL},
    {"pilotdb_events_foreach (any order)", op_events_any_order, READS, NULL},
    {"pilotdb_check", op_check, READS, NULL},
    {"pilotdb_begin ... pilotdb_commit", op_transaction, WRITES, NULL},
    {"pilotdb_begin ... reads ... pilotdb_commit", op_transaction_reads, WRITES, NULL},
    {"pilotdb_begin ... pilotdb_rollback", op_transaction_rollback, WRITES, NULL},
    {"pilotdb_begin_read ... pilotdb_commit", op_read_transaction, READS, NULL},
    {"raw BEGIN ... pilotdb_pilot_submit ... pilotdb_commit", op_raw_submit, WRITES,
     raw_prepare},
    {"raw BEGIN ... pilotdb_pilot_set_status ... pilotdb_commit", op_raw_set_status,
     WRITES, raw_prepare},
    {"pilotdb_ce_add_spec", op_ce_add_spec, WRITES, NULL},
    {"pilotdb_ce_edit", op_ce_edit, WRITES, NULL},
    {"pilotdb_ce_history", op_ce_history, READS, NULL},
    {"pilotdb_clock_kind", op_clock_kind, READS, NULL},
    {"pilotdb_clock_claim", op_clock_claim, WRITES, NULL},
    {"pilotdb_pilot_observe(new)", op_observe_new, WRITES | FX_BIT(FX_MEM_COLD), NULL},
    {"pilotdb_pilot_observe(move)", op_observe_move, WRITES, observed_prepare},
    {"pilotdb_pilot_observe(backwards)", op_observe_backwards, READS,
     observed_prepare},
    {"pilotdb_pilot_observe(unknown CE)", op_observe_unknown_ce, READS, NULL},
    {"pilotdb_pilot_get_ref", op_pilot_get_ref, READS, observed_prepare},
    {"pilotdb_pilot_reason", op_pilot_reason, READS, observed_prepare},
    {"raw BEGIN ... pilotdb_pilot_observe ... pilotdb_commit", op_raw_observe, WRITES,
     observed_raw_prepare},
    {"pilotdb_begin ... pilotdb_pilot_observe ... pilotdb_commit", op_observe_batch,
     WRITES, observed_prepare},
};

#define NOPS (sizeof ops / sizeof ops[0])

/* ---- running an operation on a fixture ---------------------------------------- */

/* Have the connection read the schema now, so that the operation does not
 * (a fresh connection reads it on first use: FX_MEM_COLD covers that). */
static void schema_load(pilotdb *db)
{
    exec_raw(pilotdb_sqlite(db), "SELECT count(*) FROM sqlite_schema");
}

static void fixture_make(enum fixture fx, struct run *r, char *path,
                         size_t path_size)
{
    memset(r, 0, sizeof *r);
    snprintf(path, path_size, "%s/fault.db", workdir);
    remove_db_files(path);
    fx_clock_ms = 5000;
    switch (fx) {
    case FX_MEM:
    case FX_MEM_COLD:
        r->db = fx_sample_db();
        if (fx == FX_MEM)
            schema_load(r->db);
        return;
    case FX_NONE:
        return;
    case FX_NEW_PATH:
        r->path = path;
        return;
    case FX_SAMPLE_PATH:
        spill(path, &sample_file);
        r->path = path;
        return;
    case FX_V1_PATH:
        spill(path, &v1_file);
        r->path = path;
        return;
    case FX_V3_PATH:
        spill(path, &v3_file);
        r->path = path;
        return;
    case FX_V4_PATH:
        spill(path, &v4_file);
        r->path = path;
        return;
    case FX_FILE:
    case FX_FILE_CKPT:
        spill(path, &sample_file);
        r->path = path;
        r->db = fx_file_db(workdir, "fault.db");
        schema_load(r->db);
        if (fx == FX_FILE_CKPT)
            exec_raw(pilotdb_sqlite(r->db), "PRAGMA wal_autocheckpoint = 1");
        return;
    case FX_COUNT:
        break;
    }
    fail_msg("no fixture %d", (int)fx);
}

/* The state an operation sees and leaves: the committed file, or the
 * in-memory database of the handle. */
static char *state_of(const struct run *r)
{
    if (r->path)
        return dump_path(r->path);
    if (r->db)
        return dump_conn(pilotdb_sqlite(r->db));
    return strdup("(none)");
}

/* What an operation does without faults. */
struct reference {
    pilotdb_rc rc;
    char result[RESULT_MAX];
    char *before, *after;
};

/* How faults are injected. */
struct injector {
    const char *name;
    void (*arm)(long n, int persistent);
    long *stride;     /* N goes 1, 1 + stride, ... (1: every N) */
    long (*disarm)(void);
    pilotdb_rc error; /* the error a faulted call may return */
    int reopen;       /* always check a file again through the plain VFS */
};

struct tally {
    long runs, fired, failed_calls;
};

static void require(int ok, const struct op *op, enum fixture fx,
                    const struct injector *inj, int persistent, long n,
                    const char *what, ...) __attribute__((format(printf, 7, 8)));

static void require(int ok, const struct op *op, enum fixture fx,
                    const struct injector *inj, int persistent, long n,
                    const char *what, ...)
{
    char msg[3 * RESULT_MAX];
    va_list ap;

    if (ok)
        return;
    va_start(ap, what);
    vsnprintf(msg, sizeof msg, what, ap);
    va_end(ap);
    fail_msg("%s on %s, %s fault %s at N = %ld: %s", op->name,
             fixture_names[fx], inj->name, persistent ? "from" : "only", n,
             msg);
}

/*
 * The handle's own counters against its pilot rows, read inside a write
 * transaction that is then rolled back: counter changes the handle kept
 * from a transaction that failed would be written before the read, and
 * seen.  NULL when they agree, else what differs (static).
 */
static const char *counters_probe(pilotdb *db)
{
    static char msg[PILOTDB_NAME_MAX + 256];
    pilotdb_ce *ces = NULL;
    size_t n = 0;
    sqlite3_stmt *st = NULL;
    pilotdb_rc rc = pilotdb_begin(db);

    msg[0] = '\0';
    if (rc == PILOTDB_OK)
        rc = pilotdb_ce_list(db, 0, &ces, &n);
    if (rc != PILOTDB_OK) {
        snprintf(msg, sizeof msg, "reading the CEs in a transaction: %s (%s)",
                 pilotdb_rc_str(rc), pilotdb_errmsg(db));
    } else {
        assert_int_equal(sqlite3_prepare_v2(pilotdb_sqlite(db),
            "SELECT sum(status = 0), sum(status = 1), sum(status = 2), sum(status = 3),"
            " max(max(submitted_at, coalesce(started_at, submitted_at),"
            "         coalesce(ended_at, submitted_at)))"
            " FROM pilot WHERE ce_id = ?", -1, &st, NULL), SQLITE_OK);
        for (size_t i = 0; i < n && !msg[0]; i++) {
            sqlite3_bind_int64(st, 1, ces[i].id);
            assert_int_equal(sqlite3_step(st), SQLITE_ROW);
            for (int s = 0; s < PILOT_NSTATUS; s++)
                if (ces[i].count[s] != sqlite3_column_int64(st, s))
                    snprintf(msg, sizeof msg, "CE %s counts %lld %s pilots, its rows"
                             " %lld", ces[i].name, (long long)ces[i].count[s],
                             pilot_status_name(s),
                             (long long)sqlite3_column_int64(st, s));
            if (!msg[0] &&
                ces[i].last_change_at != (sqlite3_column_type(st, 4) == SQLITE_NULL
                                              ? PILOTDB_NO_TIME
                                              : sqlite3_column_int64(st, 4)))
                snprintf(msg, sizeof msg, "CE %s last changed at %lld, its rows at"
                         " %lld", ces[i].name, (long long)ces[i].last_change_at,
                         (long long)sqlite3_column_int64(st, 4));
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
    }
    pilotdb_free(ces);
    if (pilotdb_in_transaction(db) && pilotdb_rollback(db) != PILOTDB_OK && !msg[0])
        snprintf(msg, sizeof msg, "rolling back: %s", pilotdb_errmsg(db));
    return msg[0] ? msg : NULL;
}

/*
 * Check what a run left: the handle (if any) is out of any transaction,
 * passes the check and holds want; closing it returns PILOTDB_OK; a file
 * reopened through the plain VFS passes the check and holds want.
 */
static void check_after(struct run *r, const char *want, const struct op *op,
                        enum fixture fx, const struct injector *inj,
                        int persistent, long n)
{
    char *state;
    pilotdb_rc rc;

    if (r->db) {
        require(!pilotdb_in_transaction(r->db), op, fx, inj, persistent, n,
                "a transaction was left open");
        rc = pilotdb_check(r->db, NULL);
        require(rc == PILOTDB_OK, op, fx, inj, persistent, n,
                "pilotdb_check on the same handle: %s (%s)",
                pilotdb_rc_str(rc), pilotdb_errmsg(r->db));
    }
    state = state_of(r);
    require(strcmp(state, want) == 0, op, fx, inj, persistent, n,
            "the database holds\n%s\nwhere it should hold\n%s", state, want);
    free(state);
    if (r->db) {
        const char *probe = counters_probe(r->db);

        require(!probe, op, fx, inj, persistent, n, "the handle's counters: %s", probe);
        rc = pilotdb_close(r->db);
        r->db = NULL;
        require(rc == PILOTDB_OK, op, fx, inj, persistent, n,
                "pilotdb_close: %s", pilotdb_rc_str(rc));
    }
    /* The file again through the plain VFS after I/O faults.  (After an
     * allocation failure the file holds exactly the reference's state,
     * which passed the check in the reference run.) */
    if (r->path && inj->reopen) {
        /* A file left empty must still be one that init can create. */
        unsigned flags = strcmp(want, "(empty)") == 0 ? PILOTDB_OPEN_CREATE : 0;
        char err[256];
        pilotdb *db = NULL;

        fault_vfs_use(0);
        rc = pilotdb_open(r->path, flags, &db, err, sizeof err);
        require(rc == PILOTDB_OK, op, fx, inj, persistent, n,
                "reopening through the plain VFS: %s (%s)", pilotdb_rc_str(rc),
                err);
        rc = pilotdb_check(db, NULL);
        require(rc == PILOTDB_OK, op, fx, inj, persistent, n,
                "pilotdb_check after reopening: %s (%s)", pilotdb_rc_str(rc),
                pilotdb_errmsg(db));
        require(pilotdb_close(db) == PILOTDB_OK, op, fx, inj, persistent, n,
                "closing the reopened database");
        fault_vfs_use(1);
    }
}

static void reference_make(const struct op *op, enum fixture fx,
                           struct reference *ref)
{
    char path[4200];
    struct run r;

    fixture_make(fx, &r, path, sizeof path);
    if (op->prepare)
        op->prepare(r.db);
    ref->before = state_of(&r);
    ref->rc = op->run(&r);
    memcpy(ref->result, r.result, sizeof ref->result);
    ref->after = state_of(&r);
    if (ref->rc != PILOTDB_OK && strcmp(ref->before, ref->after) != 0)
        fail_msg("%s on %s: refused with %s but changed the database",
                 op->name, fixture_names[fx], pilotdb_rc_str(ref->rc));
    if (r.db)
        fx_close(r.db);
}

/*
 * Run op on fixture fx with the Nth fault armed, N = 1, 2, ... until a run
 * meets no fault, checking every run against the reference.
 */
static void fault_loop(const struct op *op, enum fixture fx,
                       const struct injector *inj, int persistent,
                       struct tally *tally)
{
    struct reference ref;
    char path[4200];

    struct timespec t0, t1;
    long runs = tally->runs;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    reference_make(op, fx, &ref);
    for (long n = 1;; n += *inj->stride) {
        int64_t blocks = fault_alloc_live_blocks();
        int64_t bytes = fault_alloc_live_bytes();
        struct run r;
        pilotdb_rc rc;
        long fired;

        fixture_make(fx, &r, path, sizeof path);
        if (op->prepare)
            op->prepare(r.db);

        inj->arm(n, persistent);
        rc = op->run(&r);
        fired = inj->disarm();

        tally->runs++;
        if (fired)
            tally->fired++;
        if (rc != ref.rc) {
            tally->failed_calls++;
            require(fired && rc == inj->error, op, fx, inj, persistent, n,
                    "returned %s (%s), wanted %s or %s",
                    pilotdb_rc_str(rc), r.db ? pilotdb_errmsg(r.db) : r.err,
                    pilotdb_rc_str(ref.rc), pilotdb_rc_str(inj->error));
            require(r.result[0] == '\0', op, fx, inj, persistent, n,
                    "outputs after the error: %s", r.result);
            check_after(&r, ref.before, op, fx, inj, persistent, n);
        } else {
            require(strcmp(r.result, ref.result) == 0, op, fx, inj, persistent,
                    n, "gave %s where the reference gave %s", r.result,
                    ref.result);
            check_after(&r, ref.after, op, fx, inj, persistent, n);
        }
        require(fault_alloc_live_blocks() == blocks &&
                    fault_alloc_live_bytes() == bytes,
                op, fx, inj, persistent, n,
                "leaked %lld blocks, %lld bytes",
                (long long)(fault_alloc_live_blocks() - blocks),
                (long long)(fault_alloc_live_bytes() - bytes));
        if (!fired)
            break;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (getenv("PILOTDECK_FAULTS_VERBOSE"))
        print_message("%-45s %-17s %-6s %5ld runs %8.3f s\n", op->name,
                      fixture_names[fx], persistent ? "from N" : "only N",
                      tally->runs - runs,
                      (double)(t1.tv_sec - t0.tv_sec) +
                          (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    free(ref.before);
    free(ref.after);
}

/* Every operation on every fixture in mask, both modes. */
static void fault_all(const struct injector *inj, unsigned mask)
{
    struct tally tally = {0, 0, 0};

    for (size_t i = 0; i < NOPS; i++)
        for (int fx = 0; fx < FX_COUNT; fx++)
            if (ops[i].fixtures & mask & FX_BIT(fx))
                for (int persistent = 0; persistent <= 1; persistent++)
                    fault_loop(&ops[i], (enum fixture)fx, inj, persistent,
                               &tally);
    print_message("%s: %ld runs (every %ld. N), %ld with a fault, %ld calls"
                  " failed\n", inj->name, tally.runs, *inj->stride, tally.fired,
                  tally.failed_calls);
}

/* ---- out of memory ------------------------------------------------------------ */

/* Under valgrind (about 40 times slower) the allocation faults are a
 * sample: every 23rd N.  The gcc and ASan builds run every N. */
static long oom_stride = 1, every_n = 1;

static const struct injector oom = {
    "allocation", fault_alloc_arm, &oom_stride, fault_alloc_disarm,
    PILOTDB_ENOMEM, 0,
};

static void test_oom_memory(void **state)
{
    (void)state;
    fault_all(&oom, FX_BIT(FX_MEM) | FX_BIT(FX_MEM_COLD) | FX_BIT(FX_NONE));
}

static void test_oom_files(void **state)
{
    (void)state;
    /* Checkpoints allocate nothing of note: FX_FILE_CKPT is for I/O. */
    fault_all(&oom, FX_FILES & ~FX_BIT(FX_FILE_CKPT));
}

/* ---- I/O errors ------------------------------------------------------------------ */

static void io_arm(long n, int persistent)
{
    fault_vfs_arm(FAULT_IO_ALL, n, persistent, 0);
}

static void io_full_arm(long n, int persistent)
{
    fault_vfs_arm(FAULT_IO_WRITE, n, persistent, SQLITE_FULL);
}

static const struct injector io = {
    "write/sync/truncate/shm-map", io_arm, &every_n, fault_vfs_disarm, PILOTDB_EIO,
    1,
};

static const struct injector io_full = {
    "write (disk full)", io_full_arm, &every_n, fault_vfs_disarm,
    PILOTDB_EDISKFULL, 1,
};

static void test_io_errors(void **state)
{
    (void)state;
    fault_all(&io, FX_FILES);
}

static void test_io_disk_full(void **state)
{
    (void)state;
    fault_all(&io_full, FX_FILES);
}

/* ---- a full database ------------------------------------------------------------------ */

static int64_t pragma_int(pilotdb *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v;

    assert_int_equal(sqlite3_prepare_v2(pilotdb_sqlite(db), sql, -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void expect_full(pilotdb *db, pilotdb_rc rc, const char *needle)
{
    if (rc != PILOTDB_EDISKFULL)
        fail_msg("got %s (%s), wanted %s", pilotdb_rc_str(rc),
                 pilotdb_errmsg(db), pilotdb_rc_str(PILOTDB_EDISKFULL));
    if (!strstr(pilotdb_errmsg(db), needle))
        fail_msg("message '%s' does not say '%s'", pilotdb_errmsg(db), needle);
    assert_false(pilotdb_in_transaction(db));
    fx_ok(db, pilotdb_check(db, NULL));
}

/* A CE name of about 200 bytes, so that a few fill a page. */
static void long_name(char *buf, size_t size, int i)
{
    snprintf(buf, size, "ce-%04d.%0190d.example.org", i, 0);
}

/*
 * PRAGMA max_page_count caps the database a few pages above its size: CEs
 * go in until one is refused as full, with a message that says so and
 * nothing of it written; submissions and a caller's transaction are refused
 * the same way; once the cap is raised, work resumes where it stopped.
 */
static void page_limit(enum fixture fx)
{
    char path[4200], name[256], sql[64];
    struct run r;
    pilotdb_ce ce;
    pilotdb_rc rc = PILOTDB_OK;
    int64_t blocks = fault_alloc_live_blocks(), pages;
    int added = 0;

    fixture_make(fx, &r, path, sizeof path);
    pages = pragma_int(r.db, "PRAGMA page_count");
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)pages + 3);
    exec_raw(pilotdb_sqlite(r.db), sql);
    while (added < 1000) {
        long_name(name, sizeof name, added);
        rc = pilotdb_ce_add(r.db, name, 1000, 0.5, 1, NULL);
        if (rc != PILOTDB_OK)
            break;
        added++;
    }
    print_message("%s: %d CEs fit in %lld more pages: %s\n", fixture_names[fx],
                  added, 3LL, pilotdb_errmsg(r.db));
    assert_true(added > 0);
    expect_full(r.db, rc, "database is full");
    assert_int_equal(pilotdb_ce_get(r.db, name, &ce), PILOTDB_ENOTFOUND);

    /* Pilots and their history need pages too; a transaction of them is
     * refused whole. */
    rc = PILOTDB_OK;
    for (int i = 0; i < 1000 && rc != PILOTDB_EDISKFULL; i++) {
        char pilot_ce[256];

        long_name(pilot_ce, sizeof pilot_ce, i % added);
        rc = pilotdb_pilot_submit(r.db, pilot_ce, NULL);
        assert_true(rc == PILOTDB_OK || rc == PILOTDB_EDISKFULL);
    }
    expect_full(r.db, rc, "database is full");
    fx_ok(r.db, pilotdb_begin(r.db));
    rc = pilotdb_ce_add(r.db, name, 1000, 0.5, 1, NULL);
    if (rc == PILOTDB_OK)
        rc = pilotdb_commit(r.db);
    if (pilotdb_in_transaction(r.db))
        fx_ok(r.db, pilotdb_rollback(r.db));
    expect_full(r.db, rc, "database is full");

    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld",
             (long long)pages + 1000);
    exec_raw(pilotdb_sqlite(r.db), sql);
    fx_ok(r.db, pilotdb_ce_add(r.db, name, 1000, 0.5, 1, NULL));
    fx_ok(r.db, pilotdb_pilot_submit(r.db, name, NULL));
    fx_ok(r.db, pilotdb_ce_get(r.db, name, &ce));
    assert_int_equal(ce.active, 1);
    fx_ok(r.db, pilotdb_check(r.db, NULL));
    fx_close(r.db);
    if (r.path) {
        r.db = fx_file_db(workdir, "fault.db");
        fx_ok(r.db, pilotdb_ce_get(r.db, name, &ce));
        fx_ok(r.db, pilotdb_check(r.db, NULL));
        fx_close(r.db);
    }
    assert_int_equal(fault_alloc_live_blocks(), blocks);
}

static void test_page_limit_memory(void **state)
{
    (void)state;
    page_limit(FX_MEM);
}

static void test_page_limit_file(void **state)
{
    (void)state;
    page_limit(FX_FILE);
}

/* A disk that answers ENOSPC (the VFS says SQLITE_FULL): refused with a
 * message that says the disk is full, and work resumes once it has room. */
static void test_disk_full(void **state)
{
    char path[4200];
    struct run r;
    pilotdb_ce ce;

    (void)state;
    fixture_make(FX_FILE, &r, path, sizeof path);
    fault_vfs_arm(FAULT_IO_WRITE, 1, 1, SQLITE_FULL);
    expect_full(r.db, pilotdb_ce_add(r.db, "ce-new.example.org", 1, 1.0, 1, NULL),
                "disk is full");
    expect_full(r.db, pilotdb_pilot_submit(r.db, "ce-alpha.example.org", NULL),
                "disk is full");
    assert_true(fault_vfs_disarm() > 0);
    fx_ok(r.db, pilotdb_ce_add(r.db, "ce-new.example.org", 1, 1.0, 1, NULL));
    fx_ok(r.db, pilotdb_pilot_submit(r.db, "ce-new.example.org", NULL));
    fx_ok(r.db, pilotdb_ce_get(r.db, "ce-new.example.org", &ce));
    assert_int_equal(ce.active, 1);
    fx_close(r.db);
    fault_vfs_use(0);
    r.db = fx_file_db(workdir, "fault.db");
    fx_ok(r.db, pilotdb_check(r.db, NULL));
    fx_close(r.db);
    fault_vfs_use(1);
}

/* ---- group setup ------------------------------------------------------------------ */

static int group_setup(void **state)
{
    (void)state;
    images_make();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    images_free();
    return 0;
}

static int io_setup(void **state)
{
    group_setup(state);
    return fault_vfs_register() == SQLITE_OK ? 0 : -1;
}

static int io_teardown(void **state)
{
    fault_vfs_use(0);
    return group_teardown(state);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest oom_tests[] = {
        cmocka_unit_test(test_oom_memory),
    };
    const struct CMUnitTest oom_file_tests[] = {
        cmocka_unit_test(test_oom_files),
    };
    const struct CMUnitTest io_tests[] = {
        cmocka_unit_test(test_io_errors),
        cmocka_unit_test(test_io_disk_full),
    };
    const struct CMUnitTest diskfull_tests[] = {
        cmocka_unit_test(test_page_limit_memory),
        cmocka_unit_test(test_page_limit_file),
        cmocka_unit_test(test_disk_full),
    };
    const struct fx_group groups[] = {
        FX_GROUP("oom", oom_tests, group_setup, group_teardown),
        FX_GROUP("oom_files", oom_file_tests, group_setup, group_teardown),
        FX_GROUP("io", io_tests, io_setup, io_teardown),
        FX_GROUP("diskfull", diskfull_tests, io_setup, io_teardown),
    };
    int src;

    /* SQLite set up as the pilotdeck command sets it up, then counted. */
    if (pilotdb_setup_process() != PILOTDB_OK) {
        fprintf(stderr, "pilotdb_setup_process failed\n");
        return 1;
    }
    src = fault_alloc_install();
    if (src != SQLITE_OK) {
        fprintf(stderr, "installing the counting allocator: %s\n",
                sqlite3_errstr(src));
        return 1;
    }
    if (getenv("PILOTDECK_UNDER_VALGRIND"))
        oom_stride = 23;
    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
