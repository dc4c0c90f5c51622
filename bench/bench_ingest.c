/*
 * bench_ingest.c - ingest into the database, as `pilotdeck ingest` does it:
 * generated input read through libpilotingest and stored with
 * pilotdb_pilot_observe() in one transaction, into a WAL file database in
 * a temporary directory.  Figures: jsonl records per second (100 CEs,
 * pilots going submitted -> running -> done or failed, a line per
 * transition); condor JSON array MB per second (ads of 1-2 KB); each
 * against two raw prepared-statement baselines into the same schema, in
 * the same run: the insert of each pilot's final rows (pilot and
 * pilot_source rows, CE counters), and each record's own writes (look-up,
 * insert or update) from records parsed beforehand; the reading alone (no
 * database), for where the time goes; and the peak resident memory of
 * ingesting a 1 GB condor array.
 *
 * Prints the figures with their targets and exits 1 if one is missed
 * (never with --quick, whose sizes are too small for the targets).
 * Usage: bench_ingest [--quick] [--rounds N] [--memory-mb MB]
 *                     [--only jsonl|condor|memory] [DIR]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench.h"
#include "pilotdb.h"
#include "pilotingest.h"
#include "schema.h"

#define TARGET_JSONL_RATE 150000.0 /* records/s */
#define TARGET_CONDOR_MBS 80.0     /* MB of input per second */
#define TARGET_SHARE 50.0          /* percent of the raw insert's speed */
#define TARGET_RSS_MB 100.0

#define NCES 100
#define T0_S INT64_C(1796083200)             /* 2026-12-01T00:00:00Z */
#define NOW_MS ((T0_S + 10 * 86400) * 1000) /* the readers' "now" */

/* The timed functions stay functions of their own, so that callgrind
 * counts each (see bench/README.md). */
#define NOINLINE __attribute__((noinline))

static int missed;

static void die_if(int bad, const char *what, const char *why)
{
    if (bad) {
        fprintf(stderr, "bench_ingest: %s: %s\n", what, why ? why : "");
        exit(2);
    }
}

/* One figure; cmp "<=" or ">=" with a target, or "" for none. */
static void report(const char *what, double value, const char *unit, const char *cmp,
                   double target)
{
    int ok = strcmp(cmp, "<=") == 0 ? value <= target : value >= target;

    if (!*cmp) {
        printf("%-52s %12.1f %s\n", what, value, unit);
        return;
    }
    printf("%-52s %12.1f %-9s (target %s %.0f: %s)\n", what, value, unit, cmp, target,
           ok ? "met" : "MISSED");
    missed += !ok;
}

/* A pilot's fixed pseudo-random draw (the same for every line of it). */
static uint32_t draw(int64_t pilot)
{
    uint64_t x = (uint64_t)pilot * UINT64_C(0x9E3779B97F4A7C15);

    x ^= x >> 29;
    x *= UINT64_C(0xBF58476D1CE4E5B9);
    return (uint32_t)(x >> 32);
}

/* CE i as a GlideinWMS factory names its entries, and its site. */
static void ce_name(int i, char *name, size_t size)
{
    snprintf(name, size, "OSG_US_T2_Site%02d_ce%02d", i / 3, i % 3 + 1);
}

static void site_name(int i, char *name, size_t size)
{
    snprintf(name, size, "T2_US_Site%02d", i / 3);
}

/* The CE of a pilot: a few CEs take most pilots, as on a real grid. */
static int pilot_ce(int64_t pilot)
{
    uint32_t h = draw(pilot);

    return h % 4 ? (int)(h >> 8) % (NCES / 5) : (int)(h >> 8) % NCES;
}

/* ---- files and databases ------------------------------------------------ */

static char dir[4096];

static void path_in_dir(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

/* Close db and delete its file (the last close removes the -wal and -shm
 * files). */
static void drop_db(pilotdb *db, const char *name)
{
    char path[4200];

    die_if(pilotdb_close(db) != PILOTDB_OK, "close", name);
    path_in_dir(path, sizeof path, name);
    die_if(unlink(path) != 0, "remove", path);
}

/* A fresh WAL file database with the NCES CEs, written by "ingest". */
static pilotdb *fresh_db(const char *name)
{
    char path[4200], errbuf[512], ce[64], site[64];
    pilotdb *db = NULL;

    path_in_dir(path, sizeof path, name);
    die_if(pilotdb_open(path, PILOTDB_OPEN_CREATE, &db, errbuf, sizeof errbuf) != PILOTDB_OK,
           path, errbuf);
    die_if(pilotdb_set_actor(db, "ingest", NULL) != PILOTDB_OK, "actor", pilotdb_errmsg(db));
    die_if(pilotdb_begin(db) != PILOTDB_OK, "begin", pilotdb_errmsg(db));
    for (int i = 0; i < NCES; i++) {
        pilotdb_ce_spec spec = {ce, 1000, 0.9, 1, site, PILOTDB_CAPACITY_CONFIGURED};
        ce_name(i, ce, sizeof ce);
        site_name(i, site, sizeof site);
        die_if(pilotdb_ce_add_spec(db, &spec, NULL) != PILOTDB_OK, "ce add",
               pilotdb_errmsg(db));
    }
    die_if(pilotdb_commit(db) != PILOTDB_OK, "commit", pilotdb_errmsg(db));
    return db;
}

static double file_mb(const char *path)
{
    struct stat st;

    die_if(stat(path, &st) != 0, "stat", path);
    return (double)st.st_size / 1e6;
}

/* ---- jsonl input ---------------------------------------------------------- */

static void iso_time(int64_t ms, char *out, size_t size)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    char whole[32];

    gmtime_r(&s, &tm);
    strftime(whole, sizeof whole, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%s.%03dZ", whole, (int)(ms % 1000));
}

/* Transition step (0 submitted, 1 running, 2 ended) of pilot as a line. */
static void jsonl_line(FILE *f, int64_t pilot, int step)
{
    static const char *const words[] = {"submitted", "running", "done", "failed"};
    uint32_t h = draw(pilot);
    int64_t submitted = T0_S * 1000 + pilot * 250 + h % 250;
    int64_t started = submitted + 60000 + (int64_t)(h % 600) * 1000;
    int64_t ended = started + 1800000 + (int64_t)(h >> 12) % 36000 * 1000;
    int failed = h % 10 == 3, ce = pilot_ce(pilot);
    char at[40], name[64], site[64];

    iso_time(step == 0 ? submitted : step == 1 ? started : ended, at, sizeof at);
    ce_name(ce, name, sizeof name);
    site_name(ce, site, sizeof site);
    fprintf(f,
            "{\"ref\": \"gfactory-1.example.org#%lld.0#%lld\", \"ce\": \"%s\", "
            "\"status\": \"%s\", \"at\": \"%s\", \"site\": \"%s\"%s}\n",
            (long long)(100000 + pilot), (long long)(T0_S + pilot / 4), name,
            words[step < 2 ? step : 2 + failed], at, site,
            step == 2 && failed ? ", \"reason\": \"exit code 1\"" : "");
}

/* pilots pilots, three lines each, in roughly the order of their times:
 * a pilot starts a few submissions after its own and ends a thousand
 * later (as a live source or an export interleaves them). */
static long make_jsonl(const char *path, int64_t pilots)
{
    FILE *f = fopen(path, "w");
    long lines = 0;

    die_if(!f, "create", path);
    for (int64_t i = 0; i < pilots + 1000; i++) {
        for (int step = 0; step < 3; step++) {
            int64_t pilot = i - (step == 0 ? 0 : step == 1 ? 4 : 1000);
            if (pilot >= 0 && pilot < pilots) {
                jsonl_line(f, pilot, step);
                lines++;
            }
        }
    }
    die_if(fclose(f) != 0, "write", path);
    return lines;
}

/* ---- condor input --------------------------------------------------------- */

/* One job ad of a glidein as condor_history -json prints it (attributes
 * sorted; about 1.2 to 1.9 KB, most of it what a factory sets). */
static size_t condor_ad(char *buf, size_t size, int64_t pilot)
{
    uint32_t h = draw(pilot);
    int64_t qdate = T0_S + pilot / 4, start = qdate + 60 + h % 600;
    int64_t end = start + 1800 + (h >> 12) % 36000;
    int status = h % 100 < 80 ? 4 : h % 100 < 92 ? 3 : 2, ce = pilot_ce(pilot);
    int exit_code = h % 10 == 3, ran = status != 3 || h % 2, params = (int)(h >> 20) % 18;
    char name[64], site[64], host[64], param[1024] = "", times[400], tail[300] = "";
    size_t n = 0;

    ce_name(ce, name, sizeof name);
    site_name(ce, site, sizeof site);
    snprintf(host, sizeof host, "ce%02d.t2-site%02d.example.org", ce % 3 + 1, ce / 3);
    /* the factory's GLIDEIN_ parameters, a varying number of them */
    for (int i = 0; i < params; i++)
        n += (size_t)snprintf(param + n, sizeof param - n,
                              "  \"GlideinParamGLIDEIN_Var%02d\": \"value-%d\",\n", i,
                              (int)(h % 1000));
    if (status == 4)
        snprintf(times, sizeof times,
                 "  \"CompletionDate\": %lld,\n  \"EnteredCurrentStatus\": %lld,\n"
                 "  \"ExitBySignal\": false,\n  \"ExitCode\": %d,\n",
                 (long long)end, (long long)end, exit_code);
    else if (status == 3)
        snprintf(times, sizeof times,
                 "  \"CompletionDate\": 0,\n  \"EnteredCurrentStatus\": %lld,\n",
                 (long long)(ran ? end : qdate + 3600));
    else
        snprintf(times, sizeof times, "  \"EnteredCurrentStatus\": %lld,\n",
                 (long long)start);
    if (ran)
        snprintf(tail, sizeof tail,
                 "  \"JobCurrentStartDate\": %lld,\n  \"JobStartDate\": %lld,\n",
                 (long long)start, (long long)start);
    return (size_t)snprintf(
        buf, size,
        "{\n"
        "  \"Arguments\": \"-v std -name gfactory_instance -entry %s -clientname "
        "CMSG-v1_0.main -dir Condor\",\n"
        "  \"ClusterId\": %lld,\n"
        "%s"
        "  \"Err\": \"/var/log/gwms/entry_%s/job.%lld.0.err\",\n"
        "  \"GLIDEIN_Site\": \"%s\",\n"
        "  \"GlideinEntryName\": \"%s\",\n"
        "  \"GlideinFactory\": \"OSG\",\n"
        "  \"GlideinMaxWalltime\": 171000,\n"
        "  \"GlideinName\": \"gfactory_instance\",\n"
        "%s"
        "  \"GlideinWMSVersion\": \"3.10.7\",\n"
        "  \"GlobalJobId\": \"gfactory-1.example.org#%lld.0#%lld\",\n"
        "  \"GridJobStatus\": \"%s\",\n"
        "  \"GridResource\": \"condor %s %s:9619\",\n"
        "  \"ImageSize\": %u,\n"
        "%s"
        "  \"JobPrio\": 0,\n  \"JobStatus\": %d,\n  \"JobUniverse\": 9,\n"
        "  \"LastJobStatus\": %d,\n  \"MyType\": \"Job\",\n"
        "  \"NumJobStarts\": %d,\n"
        "  \"Out\": \"/var/log/gwms/entry_%s/job.%lld.0.out\",\n"
        "  \"Owner\": \"fecms\",\n"
        "  \"PeriodicRemove\": \"\\/Expr(JobStatus == 5 && HoldReasonCode =!= 16)\\/\",\n"
        "  \"ProcId\": 0,\n  \"QDate\": %lld,\n"
        "%s"
        "  \"RequestCpus\": 8,\n  \"RequestMemory\": 16000,\n"
        "  \"x509UserProxyFQAN\": \"/cms/Role=pilot/Capability=NULL\",\n"
        "  \"x509UserProxyVOName\": \"cms\"\n}",
        name, (long long)(100000 + pilot), times, name, (long long)(100000 + pilot), site,
        name, param, (long long)(100000 + pilot), (long long)qdate,
        status == 4 ? "COMPLETED" : status == 3 ? "REMOVED" : "RUNNING", host, host,
        h % 4000000 + 50000, tail, status, ran ? 2 : 1, ran, name,
        (long long)(100000 + pilot), (long long)qdate,
        status == 3 ? "  \"RemoveReason\": \"via condor_rm (by user fecms)\",\n" : "");
}

/* The sizes of the ads make_condor() wrote last, in bytes. */
static size_t ad_min, ad_max;

/* A condor_history -json array of ads: at least mb MB when mb > 0, else
 * ads ads.  The count of ads. */
static int64_t make_condor(const char *path, int64_t ads, double mb)
{
    FILE *f = fopen(path, "w");
    double bytes = 2;
    char ad[4096];
    int64_t n = 0;

    die_if(!f, "create", path);
    fputs("[\n", f);
    while (mb > 0 ? bytes < mb * 1e6 : n < ads) {
        size_t len = condor_ad(ad, sizeof ad, n);
        die_if(len >= sizeof ad, "ad", "too long");
        ad_min = n == 0 || len < ad_min ? len : ad_min;
        ad_max = len > ad_max ? len : ad_max;
        if (n)
            fputs("\n,\n", f);
        fwrite(ad, 1, len, f);
        bytes += (double)len + 3;
        n++;
    }
    fputs("\n]\n", f);
    die_if(fclose(f) != 0, "write", path);
    return n;
}

/* ---- ingest and the raw insert ------------------------------------------ */

struct ingest_counts {
    long records, by_result[4];
};

/* A reader of file (opened in *in) as the ingest reads it. */
static pilotingest_reader *open_reader(const char *file, pilotingest_format format, FILE **in)
{
    pilotingest_options io = {format, file, NOW_MS, 0, 0, 0};
    pilotingest_reader *reader = NULL;
    char err[512];

    *in = fopen(file, "rb");
    die_if(!*in, "open", file);
    die_if(pilotingest_open(*in, &io, &reader, err, sizeof err) != PILOTINGEST_OK, "reader",
           err);
    return reader;
}

/* Ingest file into db as `pilotdeck ingest` does (one transaction); the
 * seconds it took, from opening the file to the commit. */
static double ingest(pilotdb *db, const char *file, pilotingest_format format,
                     struct ingest_counts *counts)
{
    double t0 = bench_now_s();
    FILE *in;
    pilotingest_reader *reader = open_reader(file, format, &in);
    pilotingest_obs obs;
    pilotingest_rc rc;

    memset(counts, 0, sizeof *counts);
    die_if(pilotdb_begin(db) != PILOTDB_OK || pilotdb_clock_claim(db, PILOTDB_CLOCK_WALL),
           "begin", pilotdb_errmsg(db));
    while ((rc = pilotingest_next(reader, &obs)) == PILOTINGEST_OK) {
        pilotdb_observation o = pilotingest_to_observation(&obs);
        pilotdb_observe_result result;

        die_if(pilotdb_pilot_observe(db, &o, &result, NULL) != PILOTDB_OK, "observe",
               pilotdb_errmsg(db));
        counts->records++;
        counts->by_result[result]++;
    }
    die_if(rc != PILOTINGEST_END, "read", pilotingest_errmsg(reader));
    die_if(pilotdb_commit(db) != PILOTDB_OK, "commit", pilotdb_errmsg(db));
    pilotingest_close(reader);
    fclose(in);
    return bench_now_s() - t0;
}

/* The reading alone: file through the reader as the ingest reads it, with
 * no database; the seconds it took. */
NOINLINE static double read_only(const char *file, pilotingest_format format, long records)
{
    double t0 = bench_now_s();
    FILE *in;
    pilotingest_reader *reader = open_reader(file, format, &in);
    pilotingest_obs obs;
    pilotingest_rc rc;
    long n = 0;

    while ((rc = pilotingest_next(reader, &obs)) == PILOTINGEST_OK)
        n++;
    die_if(rc != PILOTINGEST_END || n != records, "read", pilotingest_errmsg(reader));
    pilotingest_close(reader);
    fclose(in);
    return bench_now_s() - t0;
}

/* A pilot's rows as the ingest left them, for the raw insert. */
struct row {
    int64_t ce_id, at[3], kinds;
    int status, has[3];
    char *ref, *reason, *source_status;
};

struct rows {
    struct row *v;
    size_t n;
};

static char *text_copy(sqlite3_stmt *st, int col)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    char *copy;

    if (!s)
        return NULL;
    copy = strdup(s);
    die_if(!copy, "rows", "out of memory");
    return copy;
}

/* The pilot and pilot_source rows of db, in pilot order. */
static void load_rows(pilotdb *db, struct rows *rows)
{
    sqlite3 *conn = pilotdb_sqlite(db);
    sqlite3_stmt *st;
    size_t cap = 1024;

    rows->n = 0;
    rows->v = malloc(cap * sizeof *rows->v);
    die_if(!rows->v, "rows", "out of memory");
    die_if(sqlite3_prepare_v2(conn,
                              "SELECT p.ce_id, p.status, p.submitted_at, p.started_at,"
                              " p.ended_at, s.time_kinds, s.reason, s.source_status, s.ref"
                              " FROM pilot p JOIN pilot_source s USING (pilot_id)"
                              " ORDER BY p.pilot_id", -1, &st, NULL) != SQLITE_OK,
           "rows", sqlite3_errmsg(conn));
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct row *r;
        if (rows->n == cap) {
            cap *= 2;
            rows->v = realloc(rows->v, cap * sizeof *rows->v);
            die_if(!rows->v, "rows", "out of memory");
        }
        r = &rows->v[rows->n++];
        r->ce_id = sqlite3_column_int64(st, 0);
        r->status = sqlite3_column_int(st, 1);
        for (int i = 0; i < 3; i++) {
            r->has[i] = sqlite3_column_type(st, 2 + i) != SQLITE_NULL;
            r->at[i] = sqlite3_column_int64(st, 2 + i);
        }
        r->kinds = sqlite3_column_int64(st, 5);
        r->reason = text_copy(st, 6);
        r->source_status = text_copy(st, 7);
        r->ref = text_copy(st, 8);
        die_if(!r->ref, "rows", "a pilot without a ref");
    }
    sqlite3_finalize(st);
}

static void free_rows(struct rows *rows)
{
    for (size_t i = 0; i < rows->n; i++) {
        free(rows->v[i].ref);
        free(rows->v[i].reason);
        free(rows->v[i].source_status);
    }
    free(rows->v);
    rows->v = NULL;
    rows->n = 0;
}

static void step_done(sqlite3 *conn, sqlite3_stmt *st, const char *what)
{
    die_if(sqlite3_step(st) != SQLITE_DONE, what, sqlite3_errmsg(conn));
    sqlite3_reset(st);
}

/* The layer's SQL for a new pilot and its source row. */
#define RAW_SQL_PILOT_INSERT                                                   \
    "INSERT INTO pilot(ce_id, status, submitted_at, started_at, ended_at)"     \
    " VALUES (?1, ?2, ?3, ?4, ?5)"
#define RAW_SQL_SOURCE_INSERT                                                  \
    "INSERT INTO pilot_source(pilot_id, time_kinds, reason, source_status,"    \
    " ref) VALUES (?1, ?2, ?3, ?4, ?5)"

/* A raw baseline's transaction and the CE counters it gathers, written
 * once per CE moved at its end, as the layer's count cache does. */
struct raw_txn {
    sqlite3 *conn;
    sqlite3_stmt *begin, *count, *commit;
    int64_t n[NCES + 1][4], last[NCES + 1];
};

static sqlite3 *raw_begin(pilotdb *db, struct raw_txn *tx)
{
    memset(tx, 0, sizeof *tx);
    tx->conn = pilotdb_sqlite(db);
    die_if(sqlite3_prepare_v2(tx->conn, "BEGIN IMMEDIATE", -1, &tx->begin, NULL) ||
               sqlite3_prepare_v2(tx->conn, "COMMIT", -1, &tx->commit, NULL) ||
               sqlite3_prepare_v2(tx->conn, PILOTDB_SQL_CE_COUNT, -1, &tx->count, NULL),
           "raw prepare", sqlite3_errmsg(tx->conn));
    step_done(tx->conn, tx->begin, "raw begin");
    return tx->conn;
}

static void raw_commit(struct raw_txn *tx)
{
    for (int c = 1; c <= NCES; c++) {
        if (!tx->last[c])
            continue;
        sqlite3_bind_int64(tx->count, 1, c);
        for (int k = 0; k < 4; k++)
            sqlite3_bind_int64(tx->count, 2 + k, tx->n[c][k]);
        sqlite3_bind_int64(tx->count, 6, tx->last[c]);
        step_done(tx->conn, tx->count, "raw count");
    }
    step_done(tx->conn, tx->commit, "raw commit");
    sqlite3_finalize(tx->begin);
    sqlite3_finalize(tx->count);
    sqlite3_finalize(tx->commit);
}

/* Raw: rows into db with prepared statements (the layer's own SQL for a
 * new pilot, its source row and the CE counts, written once per CE as the
 * layer writes them at commit) in one transaction, none of the layer's
 * checks or look-ups; the seconds it took. */
NOINLINE static double raw_insert(pilotdb *db, const struct rows *rows)
{
    static struct raw_txn tx;
    double t0 = bench_now_s();
    sqlite3 *conn = raw_begin(db, &tx);
    sqlite3_stmt *pilot, *source;

    die_if(sqlite3_prepare_v2(conn, RAW_SQL_PILOT_INSERT, -1, &pilot, NULL) ||
               sqlite3_prepare_v2(conn, RAW_SQL_SOURCE_INSERT, -1, &source, NULL),
           "raw prepare", sqlite3_errmsg(conn));
    for (size_t i = 0; i < rows->n; i++) {
        const struct row *r = &rows->v[i];
        die_if(r->ce_id < 1 || r->ce_id > NCES, "raw", "CE id out of range");
        sqlite3_bind_int64(pilot, 1, r->ce_id);
        sqlite3_bind_int(pilot, 2, r->status);
        for (int k = 0; k < 3; k++) {
            if (r->has[k])
                sqlite3_bind_int64(pilot, 3 + k, r->at[k]);
            else
                sqlite3_bind_null(pilot, 3 + k);
        }
        step_done(conn, pilot, "raw pilot");
        sqlite3_bind_int64(source, 1, sqlite3_last_insert_rowid(conn));
        sqlite3_bind_int64(source, 2, r->kinds);
        sqlite3_bind_text(source, 3, r->reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(source, 4, r->source_status, -1, SQLITE_STATIC);
        sqlite3_bind_text(source, 5, r->ref, -1, SQLITE_STATIC);
        step_done(conn, source, "raw source");
        tx.n[r->ce_id][r->status]++;
        for (int k = 0; k < 3; k++)
            if (r->has[k] && r->at[k] > tx.last[r->ce_id])
                tx.last[r->ce_id] = r->at[k];
    }
    raw_commit(&tx);
    sqlite3_finalize(pilot);
    sqlite3_finalize(source);
    return bench_now_s() - t0;
}

/* ---- the raw per-record baseline ---------------------------------------- */

/* One input record, parsed before the timing starts: what it says of its
 * pilot, strings as offsets into struct records' text. */
struct record {
    int64_t ce_id, at[3];
    size_t ref, reason, source_status; /* 0: none (text[0] is unused) */
    int status, kind[3];
};

struct records {
    struct record *v;
    size_t n, cap;
    char *text;
    size_t used, text_cap;
};

static size_t text_add(struct records *recs, const char *s)
{
    size_t len, at;

    if (!s)
        return 0;
    len = strlen(s) + 1;
    while (recs->used + len > recs->text_cap) {
        recs->text_cap = recs->text_cap ? recs->text_cap * 2 : 1 << 20;
        recs->text = realloc(recs->text, recs->text_cap);
        die_if(!recs->text, "records", "out of memory");
    }
    at = recs->used;
    memcpy(recs->text + at, s, len);
    recs->used += len;
    return at;
}

static const char *text_at(const struct records *recs, size_t at)
{
    return at ? recs->text + at : NULL;
}

/* Every record of file, as the ingest converts it, with its CE's id in db
 * (the layer remembers CEs by name within a transaction too). */
static void load_records(pilotdb *db, const char *file, pilotingest_format format,
                         struct records *recs)
{
    FILE *in;
    pilotingest_reader *reader = open_reader(file, format, &in);
    pilotingest_obs obs;
    pilotingest_rc rc;
    char names[NCES][64];
    int64_t ids[NCES];

    for (int i = 0; i < NCES; i++) {
        pilotdb_ce ce;
        ce_name(i, names[i], sizeof names[i]);
        die_if(pilotdb_ce_get(db, names[i], &ce) != PILOTDB_OK, "records",
               pilotdb_errmsg(db));
        ids[i] = ce.id;
    }
    memset(recs, 0, sizeof *recs);
    recs->used = 1;
    while ((rc = pilotingest_next(reader, &obs)) == PILOTINGEST_OK) {
        pilotdb_observation o = pilotingest_to_observation(&obs);
        const pilotdb_obs_time *t[3] = {&o.submitted, &o.started, &o.ended};
        struct record *r;

        die_if(o.flags != 0, "records", "the raw baseline takes no kept states");
        if (recs->n == recs->cap) {
            recs->cap = recs->cap ? recs->cap * 2 : 4096;
            recs->v = realloc(recs->v, recs->cap * sizeof *recs->v);
            die_if(!recs->v, "records", "out of memory");
        }
        r = &recs->v[recs->n++];
        r->ce_id = 0;
        for (int i = 0; i < NCES && !r->ce_id; i++)
            if (strcmp(names[i], o.ce_name) == 0)
                r->ce_id = ids[i];
        die_if(!r->ce_id, "records", "a record of an unknown CE");
        r->status = (int)o.status;
        for (int i = 0; i < 3; i++) {
            r->kind[i] = (int)t[i]->kind;
            r->at[i] = t[i]->at;
        }
        r->ref = text_add(recs, o.ref);
        r->reason = text_add(recs, o.reason);
        r->source_status = text_add(recs, o.source_status);
    }
    die_if(rc != PILOTINGEST_END, "read", pilotingest_errmsg(reader));
    pilotingest_close(reader);
    fclose(in);
}

static void free_records(struct records *recs)
{
    free(recs->v);
    free(recs->text);
    memset(recs, 0, sizeof *recs);
}

static int time_known(int kind)
{
    return kind == PILOTDB_TIME_EXACT || kind == PILOTDB_TIME_OBSERVED;
}

static int64_t time_kind_bits(const int kind[3])
{
    return (kind[0] == PILOTDB_TIME_OBSERVED ? PILOTDB_KIND_SUBMITTED_OBSERVED : 0) |
           (kind[1] == PILOTDB_TIME_OBSERVED ? PILOTDB_KIND_STARTED_OBSERVED : 0) |
           (kind[2] == PILOTDB_TIME_OBSERVED ? PILOTDB_KIND_ENDED_OBSERVED : 0) |
           (kind[0] == PILOTDB_TIME_UNKNOWN ? PILOTDB_KIND_SUBMITTED_UNKNOWN : 0) |
           (kind[1] == PILOTDB_TIME_UNKNOWN ? PILOTDB_KIND_STARTED_UNKNOWN : 0);
}

static int text_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/*
 * Raw per record: each record in order with prepared statements in the
 * layer's own SQL, in one transaction: the ref looked up (pilot_source's
 * UNIQUE index, with the row, as the layer reads it); a new ref's pilot and
 * pilot_source rows inserted; a known one's pilot row updated with the
 * record's status and times (what the row knew kept, the record's times
 * added), and its pilot_source row only when its kinds, reason or source
 * status change.  The CE counters gathered per CE in memory and written
 * once per CE at the end, as the layer's count cache does within a
 * transaction.  No checks, no decisions (every record moves its pilot
 * forward here); the seconds it took.
 */
NOINLINE static double raw_per_record(pilotdb *db, const struct records *recs)
{
    static struct raw_txn tx;
    double t0 = bench_now_s();
    sqlite3 *conn = raw_begin(db, &tx);
    sqlite3_stmt *find, *ins, *upd, *src_ins, *src_upd;

    die_if(sqlite3_prepare_v2(conn,
                                  "SELECT p.pilot_id, p.ce_id, p.status, p.submitted_at,"
                                  " p.started_at, p.ended_at, s.time_kinds, s.reason,"
                                  " s.source_status FROM pilot_source s"
                                  " JOIN pilot p ON p.pilot_id = s.pilot_id WHERE s.ref = ?1",
                                  -1, &find, NULL) ||
               sqlite3_prepare_v2(conn, RAW_SQL_PILOT_INSERT, -1, &ins, NULL) ||
               sqlite3_prepare_v2(conn,
                                  "UPDATE pilot SET status = ?2, submitted_at = ?3,"
                                  " started_at = ?4, ended_at = ?5 WHERE pilot_id = ?1", -1,
                                  &upd, NULL) ||
               sqlite3_prepare_v2(conn, RAW_SQL_SOURCE_INSERT, -1, &src_ins, NULL) ||
               sqlite3_prepare_v2(conn,
                                  "UPDATE pilot_source SET time_kinds = ?2, reason = ?3,"
                                  " source_status = ?4 WHERE pilot_id = ?1", -1, &src_upd,
                                  NULL),
           "raw prepare", sqlite3_errmsg(conn));
    for (size_t i = 0; i < recs->n; i++) {
        const struct record *r = &recs->v[i];
        const char *ref = text_at(recs, r->ref), *reason = text_at(recs, r->reason),
                   *source_status = text_at(recs, r->source_status);
        int kind[3], step, from = -1;
        int64_t at[3], id;

        sqlite3_bind_text(find, 1, ref, -1, SQLITE_STATIC);
        step = sqlite3_step(find);
        die_if(step != SQLITE_ROW && step != SQLITE_DONE, "raw find", sqlite3_errmsg(conn));
        if (step == SQLITE_DONE) {
            sqlite3_reset(find);
            sqlite3_bind_int64(ins, 1, r->ce_id);
            sqlite3_bind_int(ins, 2, r->status);
            for (int k = 0; k < 3; k++) {
                kind[k] = r->kind[k];
                at[k] = r->at[k];
                if (time_known(kind[k]))
                    sqlite3_bind_int64(ins, 3 + k, at[k]);
                else
                    sqlite3_bind_null(ins, 3 + k);
            }
            step_done(conn, ins, "raw pilot");
            id = sqlite3_last_insert_rowid(conn);
            sqlite3_bind_int64(src_ins, 1, id);
            sqlite3_bind_int64(src_ins, 2, time_kind_bits(kind));
            bind_text_or_null(src_ins, 3, reason);
            bind_text_or_null(src_ins, 4, source_status);
            sqlite3_bind_text(src_ins, 5, ref, -1, SQLITE_STATIC);
            step_done(conn, src_ins, "raw source");
        } else {
            int64_t bits = sqlite3_column_int64(find, 6);
            const char *was_reason = (const char *)sqlite3_column_text(find, 7);
            const char *was_status = (const char *)sqlite3_column_text(find, 8);

            id = sqlite3_column_int64(find, 0);
            from = sqlite3_column_int(find, 2);
            die_if(sqlite3_column_int64(find, 1) != r->ce_id, "raw", "a pilot moved CE");
            sqlite3_bind_int64(upd, 1, id);
            sqlite3_bind_int(upd, 2, r->status);
            for (int k = 0; k < 3; k++) {
                int row_has = sqlite3_column_type(find, 3 + k) != SQLITE_NULL;
                /* the row's time stays; the record adds one the row lacks */
                kind[k] = row_has ? PILOTDB_TIME_EXACT : r->kind[k];
                at[k] = row_has ? sqlite3_column_int64(find, 3 + k) : r->at[k];
                if (row_has && (bits & (INT64_C(1) << k)))
                    kind[k] = PILOTDB_TIME_OBSERVED;
                if (!row_has && !time_known(r->kind[k]) &&
                    (bits & (k == 0   ? PILOTDB_KIND_SUBMITTED_UNKNOWN
                             : k == 1 ? PILOTDB_KIND_STARTED_UNKNOWN
                                      : 0)))
                    kind[k] = PILOTDB_TIME_UNKNOWN;
                if (time_known(kind[k]))
                    sqlite3_bind_int64(upd, 3 + k, at[k]);
                else
                    sqlite3_bind_null(upd, 3 + k);
            }
            step_done(conn, upd, "raw update");
            reason = reason ? reason : was_reason;
            source_status = source_status ? source_status : was_status;
            if (time_kind_bits(kind) != bits || !text_same(reason, was_reason) ||
                !text_same(source_status, was_status)) {
                sqlite3_bind_int64(src_upd, 1, id);
                sqlite3_bind_int64(src_upd, 2, time_kind_bits(kind));
                bind_text_or_null(src_upd, 3, reason);
                bind_text_or_null(src_upd, 4, source_status);
                step_done(conn, src_upd, "raw source update");
            }
            sqlite3_reset(find); /* after the row's strings are used */
        }
        if (from >= 0)
            tx.n[r->ce_id][from]--;
        tx.n[r->ce_id][r->status]++;
        for (int k = 0; k < 3; k++)
            if (time_known(kind[k]) && at[k] > tx.last[r->ce_id])
                tx.last[r->ce_id] = at[k];
    }
    raw_commit(&tx);
    sqlite3_finalize(find);
    sqlite3_finalize(ins);
    sqlite3_finalize(upd);
    sqlite3_finalize(src_ins);
    sqlite3_finalize(src_upd);
    return bench_now_s() - t0;
}

/* What both databases must agree on: pilots, sources and CE counts. */
static void fingerprint(pilotdb *db, char *out, size_t size)
{
    sqlite3 *conn = pilotdb_sqlite(db);
    sqlite3_stmt *st;

    die_if(sqlite3_prepare_v2(
               conn,
               "SELECT (SELECT count(*) || ',' || sum(status) || ',' ||"
               " sum(coalesce(ended_at, started_at, submitted_at) % 1000003) FROM pilot)"
               " || ';' || (SELECT count(*) || ',' || sum(time_kinds) || ',' ||"
               " count(reason) FROM pilot_source) || ';' || (SELECT group_concat(n_submitted"
               " || ',' || n_running || ',' || n_done || ',' || n_failed || ',' ||"
               " last_change_at, ';') FROM (SELECT * FROM ce ORDER BY ce_id))"
               " || ';' || (SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema"
               " WHERE type = 'index' ORDER BY name))",
               -1, &st, NULL) != SQLITE_OK ||
               sqlite3_step(st) != SQLITE_ROW,
           "fingerprint", sqlite3_errmsg(conn));
    snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

struct timed {
    double ingest_s, raw_s, per_record_s, read_s; /* best of the rounds */
    struct ingest_counts counts;
};

/* Rounds of: ingest file into a fresh database, the raw insert of the
 * final rows it left into another, the raw per-record writes of the
 * records (parsed before) into a third, and the reading alone; best time
 * of each. */
static void ingest_vs_raw(const char *file, pilotingest_format format, int rounds,
                          struct timed *out)
{
    out->ingest_s = out->raw_s = out->per_record_s = out->read_s = 1e30;
    for (int round = 0; round < rounds; round++) {
        pilotdb *db = fresh_db("ingest.db"), *raw = fresh_db("raw.db");
        char a[4096], b[4096];
        struct records recs;
        struct rows rows;
        double s = ingest(db, file, format, &out->counts);

        out->ingest_s = s < out->ingest_s ? s : out->ingest_s;
        load_rows(db, &rows);
        s = raw_insert(raw, &rows);
        out->raw_s = s < out->raw_s ? s : out->raw_s;
        fingerprint(db, a, sizeof a);
        fingerprint(raw, b, sizeof b);
        die_if(strcmp(a, b) != 0, "raw insert", "its database differs from the ingest's");
        free_rows(&rows);
        drop_db(raw, "raw.db");

        raw = fresh_db("raw.db");
        load_records(raw, file, format, &recs);
        s = raw_per_record(raw, &recs);
        out->per_record_s = s < out->per_record_s ? s : out->per_record_s;
        fingerprint(raw, b, sizeof b);
        die_if(strcmp(a, b) != 0, "raw per record",
               "its database differs from the ingest's");
        free_records(&recs);
        drop_db(db, "ingest.db");
        drop_db(raw, "raw.db");

        s = read_only(file, format, out->counts.records);
        out->read_s = s < out->read_s ? s : out->read_s;
    }
}

static void bench_jsonl(int64_t pilots, int rounds)
{
    char path[4200];
    struct timed t;
    long lines;

    path_in_dir(path, sizeof path, "pilots.jsonl");
    lines = make_jsonl(path, pilots);
    printf("jsonl: %ld lines (%lld pilots, %d CEs), %.1f MB\n", lines, (long long)pilots,
           NCES, file_mb(path));
    ingest_vs_raw(path, PILOTINGEST_JSONL, rounds, &t);
    die_if(t.counts.records != lines || t.counts.by_result[PILOTDB_OBSERVE_NEW] != pilots,
           "jsonl", "not every line was stored");
    report("jsonl ingest into the db (one transaction)", lines / t.ingest_s, "records/s",
           ">=", TARGET_JSONL_RATE);
    report("raw insert of the final rows", lines / t.raw_s, "records/s", "", -1);
    report("  (raw, pilots per second)", (double)pilots / t.raw_s, "pilots/s", "", -1);
    report("raw per record (each line's writes)", lines / t.per_record_s, "records/s", "",
           -1);
    report("  (the reading alone, no database)", lines / t.read_s, "records/s", "", -1);
    report("jsonl ingest as % of raw final rows", t.raw_s / t.ingest_s * 100, "%", ">=",
           TARGET_SHARE);
    report("jsonl ingest as % of raw per record", t.per_record_s / t.ingest_s * 100, "%",
           ">=", TARGET_SHARE);
    unlink(path);
}

static void bench_condor(int64_t ads, int rounds)
{
    char path[4200];
    struct timed t;
    double mb;

    path_in_dir(path, sizeof path, "history.json");
    make_condor(path, ads, 0);
    mb = file_mb(path);
    printf("condor: a JSON array of %lld ads, %.1f MB (ads of %zu to %zu bytes, mean %.0f)\n",
           (long long)ads, mb, ad_min, ad_max, mb * 1e6 / (double)ads);
    ingest_vs_raw(path, PILOTINGEST_CONDOR, rounds, &t);
    die_if(t.counts.records != ads || t.counts.by_result[PILOTDB_OBSERVE_NEW] != ads,
           "condor", "not every ad was stored");
    report("condor ingest into the db (one transaction)", mb / t.ingest_s, "MB/s", ">=",
           TARGET_CONDOR_MBS);
    report("  (ads per second)", (double)ads / t.ingest_s, "ads/s", "", -1);
    report("raw insert of the final rows", mb / t.raw_s, "MB/s", "", -1);
    report("raw per record (each ad's writes)", mb / t.per_record_s, "MB/s", "", -1);
    report("  (the reading alone, no database)", mb / t.read_s, "MB/s", "", -1);
    report("condor ingest as % of raw final rows", t.raw_s / t.ingest_s * 100, "%", ">=",
           TARGET_SHARE);
    report("condor ingest as % of raw per record", t.per_record_s / t.ingest_s * 100, "%",
           ">=", TARGET_SHARE);
    unlink(path);
}

/* Peak RSS of a child that ingests a condor array of mb MB into a fresh
 * database, as `pilotdeck ingest` would (default page cache). */
static void bench_memory(double mb)
{
    char path[4200];
    struct rusage ru;
    int64_t ads;
    int status;
    pid_t pid;

    path_in_dir(path, sizeof path, "big.json");
    ads = make_condor(path, 0, mb);
    printf("memory: a condor JSON array of %.0f MB (%lld ads), streamed into the db\n",
           file_mb(path), (long long)ads);
    fflush(stdout);
    pid = fork();
    die_if(pid < 0, "fork", NULL);
    if (pid == 0) {
        struct ingest_counts counts;
        pilotdb *db = fresh_db("big.db");
        double s = ingest(db, path, PILOTINGEST_CONDOR, &counts);

        die_if(counts.records != ads, "memory", "not every ad was stored");
        report("  ingest of the big array", file_mb(path) / s, "MB/s", "", -1);
        fflush(stdout);
        _exit(pilotdb_close(db) == PILOTDB_OK ? 0 : 2);
    }
    die_if(waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
               WEXITSTATUS(status) != 0, "memory", "the ingesting child failed");
    getrusage(RUSAGE_CHILDREN, &ru); /* the only child so far */
    report("peak RSS ingesting the array", (double)ru.ru_maxrss / 1024.0, "MB", "<=",
           TARGET_RSS_MB);
    unlink(path);
    path_in_dir(path, sizeof path, "big.db"); /* closed by the child */
    unlink(path);
}

int main(int argc, char **argv)
{
    int quick = 0, rounds = 3;
    double memory_mb = 1000;
    const char *parent = NULL, *only = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--memory-mb") == 0 && i + 1 < argc) {
            memory_mb = atof(argv[++i]);
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (argv[i][0] != '-' && !parent) {
            parent = argv[i];
        } else {
            fprintf(stderr, "usage: bench_ingest [--quick] [--rounds N] [--memory-mb MB]"
                            " [--only jsonl|condor|memory] [DIR]\n");
            return 2;
        }
    }
    if (quick) {
        rounds = 1;
        memory_mb = memory_mb < 20 ? memory_mb : 20;
    }
    if (rounds < 1 || memory_mb <= 0) {
        fprintf(stderr, "bench_ingest: need --rounds >= 1 and --memory-mb > 0\n");
        return 2;
    }
    (void)pilotdb_setup_process(); /* as the pilotdeck command does */
    snprintf(dir, sizeof dir, "%s/pilotdeck-bench-ingest-XXXXXX",
             parent ? parent : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp"));
    die_if(!mkdtemp(dir), "mkdtemp", dir);
    printf("bench_ingest: WAL file databases in %s, best of %d round%s%s\n", dir, rounds,
           rounds == 1 ? "" : "s", quick ? " (--quick: small sizes, targets not meaningful)"
                                         : "");

    if (!only || strcmp(only, "memory") == 0)
        bench_memory(memory_mb);
    if (!only || strcmp(only, "jsonl") == 0)
        bench_jsonl(quick ? 3000 : 333334, rounds);
    if (!only || strcmp(only, "condor") == 0)
        bench_condor(quick ? 2000 : 100000, rounds);

    if (rmdir(dir) != 0)
        fprintf(stderr, "bench_ingest: could not remove %s\n", dir);
    if (quick)
        return 0;
    return missed ? 1 : 0;
}
