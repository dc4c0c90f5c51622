/*
 * fixtures.c - fresh databases for cmocka tests: in-memory, template copy,
 * sample data, temporary file databases, a factory of named databases,
 * blank databases, attached databases.
 */
#include "fixtures.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "schema.h"

int64_t fx_clock_ms = 0;

int64_t fx_clock(void *arg)
{
    (void)arg;
    return fx_clock_ms;
}

static pilotdb *open_or_fail(const char *path, unsigned flags)
{
    char err[256];
    pilotdb *db = NULL;
    pilotdb_rc rc = pilotdb_open(path, flags, &db, err, sizeof err);

    if (rc != PILOTDB_OK)
        fail_msg("opening %s: %s (%s)", path, pilotdb_rc_str(rc), err);
    pilotdb_set_clock(db, fx_clock, NULL);
    return db;
}

pilotdb *fx_memory_db(void)
{
    return open_or_fail(":memory:", PILOTDB_OPEN_CREATE);
}

/* Images made once per process and kept until exit: the migrated empty
 * schema, and the sample data. */
struct image {
    unsigned char *bytes;
    size_t size;
};

static struct image template_image, sample_image;

static void images_free(void)
{
    pilotdb_free(template_image.bytes);
    pilotdb_free(sample_image.bytes);
    template_image.bytes = sample_image.bytes = NULL;
}

/* Keep db's bytes in img (the first time) and close db. */
static void image_keep(struct image *img, pilotdb *db)
{
    if (!template_image.bytes && !sample_image.bytes)
        atexit(images_free);
    fx_ok(db, pilotdb_serialize(db, &img->bytes, &img->size));
    fx_close(db);
}

static pilotdb *image_copy(const struct image *img)
{
    char err[256];
    pilotdb *db = NULL;
    pilotdb_rc rc = pilotdb_open_image(img->bytes, img->size, &db, err, sizeof err);

    if (rc != PILOTDB_OK)
        fail_msg("copying a template image: %s (%s)", pilotdb_rc_str(rc), err);
    pilotdb_set_clock(db, fx_clock, NULL);
    return db;
}

pilotdb *fx_template_db(void)
{
    if (!template_image.bytes)
        image_keep(&template_image, fx_memory_db());
    return image_copy(&template_image);
}

struct sample_ce {
    const char *name;
    int64_t capacity;
    double success_rate;
    int enabled;
    int submitted, running, done, failed;
};

static const struct sample_ce sample[FX_SAMPLE_NCES] = {
    {"ce-alpha.example.org", 10, 0.95, 1, 3, 4, 5, 1},
    {"ce-beta.example.org", 4, 0.50, 1, 1, 3, 2, 2},
    {"ce-gamma.example.org", 8, 0.80, 0, 0, 0, 1, 0},
    {"ce-delta.example.org", 0, 1.00, 1, 0, 0, 0, 0},
};

/* Submit one pilot to ce and walk it to status. */
static void sample_pilot(pilotdb *db, const char *ce, pilot_status status)
{
    int64_t id;

    fx_clock_ms = 1000;
    fx_ok(db, pilotdb_pilot_submit(db, ce, &id));
    fx_clock_ms = 2000;
    if (status == PILOT_RUNNING || status == PILOT_DONE)
        fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
    if (status == PILOT_DONE || status == PILOT_FAILED)
        fx_ok(db, pilotdb_pilot_set_status(db, id, status));
}

/* Fill db with the sample data of fixtures.h. */
static void sample_fill(pilotdb *db)
{
    int64_t saved = fx_clock_ms;

    fx_ok(db, pilotdb_begin(db));
    for (int i = 0; i < FX_SAMPLE_NCES; i++) {
        const struct sample_ce *ce = &sample[i];

        /* Pilots go in while the CE is enabled; gamma is disabled after. */
        fx_ok(db, pilotdb_ce_add(db, ce->name, ce->capacity, ce->success_rate,
                                 1, NULL));
        for (int k = 0; k < ce->done; k++)
            sample_pilot(db, ce->name, PILOT_DONE);
        for (int k = 0; k < ce->failed; k++)
            sample_pilot(db, ce->name, PILOT_FAILED);
        for (int k = 0; k < ce->running; k++)
            sample_pilot(db, ce->name, PILOT_RUNNING);
        for (int k = 0; k < ce->submitted; k++)
            sample_pilot(db, ce->name, PILOT_SUBMITTED);
        if (!ce->enabled) {
            pilotdb_ce_change off = {.set = PILOTDB_SET_ENABLED, .enabled = 0};

            fx_ok(db, pilotdb_ce_update(db, ce->name, &off));
        }
    }
    fx_ok(db, pilotdb_commit(db));
    fx_clock_ms = saved;
}

pilotdb *fx_sample_db(void)
{
    if (!sample_image.bytes) {
        pilotdb *db = fx_template_db();

        sample_fill(db);
        image_keep(&sample_image, db);
    }
    return image_copy(&sample_image);
}

char *fx_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *dir;
    size_t len;

    if (!base || !*base)
        base = "/tmp";
    len = strlen(base) + sizeof "/pilotdeck-test-XXXXXX";
    dir = malloc(len);
    assert_non_null(dir);
    snprintf(dir, len, "%s/pilotdeck-test-XXXXXX", base);
    if (!mkdtemp(dir))
        fail_msg("mkdtemp %s failed", dir);
    return dir;
}

void fx_tmpdir_remove(char *dir)
{
    DIR *d;
    struct dirent *e;

    if (!dir)
        return;
    d = opendir(dir);
    if (d) {
        while ((e = readdir(d)) != NULL) {
            char path[4096];

            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

pilotdb *fx_file_db(const char *dir, const char *name)
{
    char path[4096];

    snprintf(path, sizeof path, "%s/%s", dir, name);
    return open_or_fail(path, PILOTDB_OPEN_CREATE);
}

struct fx_db_factory {
    char *dir;
    size_t n, room;
    struct made {
        char *name, *path;
        pilotdb *db;      /* NULL for a blank database */
    } *made;
};

int fx_db_factory_setup(void **state)
{
    fx_db_factory *f = calloc(1, sizeof *f);

    assert_non_null(f);
    f->dir = fx_tmpdir();
    *state = f;
    return 0;
}

int fx_db_factory_teardown(void **state)
{
    fx_db_factory *f = *state;

    for (size_t i = 0; i < f->n; i++) {
        if (f->made[i].db)
            fx_close(f->made[i].db);
        free(f->made[i].name);
        free(f->made[i].path);
    }
    free(f->made);
    fx_tmpdir_remove(f->dir);
    free(f);
    *state = NULL;
    return 0;
}

/* The entry of name, made (with its path, no database yet) if new. */
static struct made *factory_entry(fx_db_factory *f, const char *name)
{
    struct made *m;
    size_t len;

    if (!name[0] || strchr(name, '/'))
        fail_msg("fixture database name '%s' is not a plain file name", name);
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->made[i].name, name) == 0)
            return &f->made[i];
    if (f->n == f->room) {
        f->room = f->room ? 2 * f->room : 4;
        f->made = realloc(f->made, f->room * sizeof *f->made);
        assert_non_null(f->made);
    }
    m = &f->made[f->n++];
    len = strlen(f->dir) + strlen(name) + sizeof "/.db";
    m->name = strdup(name);
    m->path = malloc(len);
    assert_non_null(m->name);
    assert_non_null(m->path);
    snprintf(m->path, len, "%s/%s.db", f->dir, name);
    m->db = NULL;
    return m;
}

pilotdb *fx_db_factory_get(fx_db_factory *f, const char *name)
{
    struct made *m = factory_entry(f, name);

    if (!m->db)
        m->db = open_or_fail(m->path, PILOTDB_OPEN_CREATE);
    return m->db;
}

const char *fx_db_factory_path(fx_db_factory *f, const char *name)
{
    return factory_entry(f, name)->path;
}

const char *fx_blank_db(fx_db_factory *f, const char *name)
{
    struct made *m = factory_entry(f, name);
    sqlite3 *raw = NULL;
    char *err = NULL;

    if (m->db)
        fail_msg("fixture database '%s' is open: it cannot be made blank", name);
    remove(m->path);
    if (sqlite3_open_v2(m->path, &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
        fail_msg("creating %s: %s", m->path, raw ? sqlite3_errmsg(raw) : "out of memory");
    /* a table made and dropped writes the header: a real database, no schema */
    if (sqlite3_exec(raw, "CREATE TABLE fx_blank(x); DROP TABLE fx_blank;", NULL, NULL,
                     &err) != SQLITE_OK)
        fail_msg("writing %s: %s", m->path, err ? err : "failed");
    if (sqlite3_close(raw) != SQLITE_OK)
        fail_msg("closing %s", m->path);
    return m->path;
}

void fx_old_db_file(const char *path, int version)
{
    sqlite3 *raw = NULL;
    char *err = NULL, sql[128];

    if (version < 1 || version >= PILOTDB_SCHEMA_VERSION)
        fail_msg("no older schema version %d (1 to %d)", version,
                 PILOTDB_SCHEMA_VERSION - 1);
    remove(path);
    if (sqlite3_open_v2(path, &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
        fail_msg("creating %s: %s", path, raw ? sqlite3_errmsg(raw) : "out of memory");
    /* one transaction: one write of the file, not one per statement */
    if (sqlite3_exec(raw, "BEGIN", NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", path, err ? err : "failed");
    for (int v = 1; v <= version; v++) {
        if (pilotdb_migrations[v - 1].version != v)
            fail_msg("migration %d is not the %d-th", pilotdb_migrations[v - 1].version, v);
        if (sqlite3_exec(raw, pilotdb_migrations[v - 1].sql, NULL, NULL, &err) != SQLITE_OK)
            fail_msg("%s: schema %d: %s", path, v, err ? err : "failed");
    }
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d; COMMIT;",
             PILOTDB_APPLICATION_ID, version);
    if (sqlite3_exec(raw, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", path, err ? err : "failed");
    if (sqlite3_close(raw) != SQLITE_OK)
        fail_msg("closing %s", path);
}

const char *fx_old_db(fx_db_factory *f, const char *name, int version)
{
    struct made *m = factory_entry(f, name);

    if (m->db)
        fail_msg("fixture database '%s' is open: it cannot be made old", name);
    fx_old_db_file(m->path, version);
    return m->path;
}

void fx_attach(pilotdb *db, const char *path, const char *schema)
{
    sqlite3 *raw = pilotdb_sqlite(db);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(raw, "ATTACH DATABASE ?1 AS ?2", -1, &st, NULL);

    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(raw);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        fail_msg("attaching %s as %s: %s", path, schema, sqlite3_errmsg(raw));
}

static int exec_or_say(pilotdb *db, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(pilotdb_sqlite(db), sql, NULL, NULL, &err) == SQLITE_OK)
        return 0;
    fprintf(stderr, "%s: %s\n", sql, err ? err : "failed");
    sqlite3_free(err);
    return -1;
}

int fx_savepoint_begin(pilotdb *db)
{
    return exec_or_say(db, "SAVEPOINT fixture");
}

int fx_savepoint_end(pilotdb *db)
{
    return exec_or_say(db, "ROLLBACK TO fixture; RELEASE fixture");
}

void fx_assert_consistent(pilotdb *db)
{
    int64_t problems = -1;

    fx_ok(db, pilotdb_check(db, &problems));
    assert_int_equal(problems, 0);
}

void fx_close(pilotdb *db)
{
    pilotdb_rc rc = pilotdb_close(db);

    if (rc != PILOTDB_OK)
        fail_msg("closing a database: %s", pilotdb_rc_str(rc));
}

int fx_run_groups(int argc, char **argv, const struct fx_group *groups, size_t ngroups)
{
    const char *program = argc > 0 ? argv[0] : "test";
    const char *only = argc > 1 ? argv[1] : NULL;
    int failed = 0, ran = 0;
    size_t i;

    if (argc > 2) {
        fprintf(stderr, "usage: %s [group]\n", program);
        return 2;
    }
    for (i = 0; i < ngroups; i++) {
        if (only && strcmp(only, groups[i].name) != 0)
            continue;
        if (_cmocka_run_group_tests(groups[i].name, groups[i].tests, groups[i].ntests,
                                    groups[i].setup, groups[i].teardown) != 0)
            failed = 1;
        ran++;
    }
    if (!ran) {
        if (!only) {
            fprintf(stderr, "%s: no groups to run\n", program);
            return 1;
        }
        fprintf(stderr, "%s: unknown group '%s'; the groups are:", program, only);
        for (i = 0; i < ngroups; i++)
            fprintf(stderr, " %s", groups[i].name);
        fputc('\n', stderr);
        return 1;
    }
    return failed;
}
