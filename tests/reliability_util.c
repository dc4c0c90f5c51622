/*
 * reliability_util.c - clock, pipe I/O, environment, PRNG and the write
 * transaction tracker of the multi-process reliability tests.
 */
#include "reliability_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

double rel_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void rel_sleep_ms(double ms)
{
    struct timespec ts;

    if (ms <= 0)
        return;
    ts.tv_sec = (time_t)(ms / 1e3);
    ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1e3) * 1e6);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int rel_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;

    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

ssize_t rel_read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

uint64_t rel_env_u64(const char *name, uint64_t def)
{
    const char *text = getenv(name);
    char *end;
    unsigned long long v;

    if (!text || !*text)
        return def;
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno || *end || text[0] == '-') {
        fprintf(stderr, "%s=%s is not an unsigned integer; using %llu\n", name,
                text, (unsigned long long)def);
        return def;
    }
    return (uint64_t)v;
}

double rel_scale(void)
{
    const char *text = getenv("PILOTDECK_RELIABILITY_SCALE");
    char *end;
    double v;

    if (!text || !*text)
        return 1.0;
    v = strtod(text, &end);
    if (*end || !(v > 0)) {
        fprintf(stderr, "PILOTDECK_RELIABILITY_SCALE=%s is not a positive number;"
                " using 1\n", text);
        return 1.0;
    }
    return v < 0.05 ? 0.05 : v > 100 ? 100 : v;
}

uint64_t rel_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double rel_rand_unit(uint64_t *state)
{
    return (double)(rel_rand(state) >> 11) * 0x1.0p-53;
}

int64_t rel_file_size(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

int64_t rel_wal_checkpoint_seq(const char *walpath)
{
    unsigned char hdr[16];
    int fd = open(walpath, O_RDONLY);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = rel_read_all(fd, hdr, sizeof hdr);
    close(fd);
    if (n != (ssize_t)sizeof hdr)
        return -1;
    return (int64_t)((uint32_t)hdr[12] << 24 | (uint32_t)hdr[13] << 16 |
                     (uint32_t)hdr[14] << 8 | (uint32_t)hdr[15]);
}

/* The statements the layer uses to open and end a write transaction (see
 * db/stmt.c); read transactions ("BEGIN" ... "COMMIT") leave the state
 * idle and are not counted. */
static int track_trace(unsigned type, void *ctx, void *p, void *x)
{
    struct rel_txn_track *t = ctx;
    const char *sql = sqlite3_sql(p);

    (void)x;
    if (!sql)
        return 0;
    if (type == SQLITE_TRACE_STMT) {
        if (strcmp(sql, "BEGIN IMMEDIATE") == 0)
            t->state = REL_TXN_WRITING;
        else if (strcmp(sql, "COMMIT") == 0 && t->state == REL_TXN_WRITING)
            t->state = REL_TXN_COMMITTING;
    } else if (type == SQLITE_TRACE_PROFILE) {
        if (strcmp(sql, "COMMIT") == 0 && t->state == REL_TXN_COMMITTING) {
            if (sqlite3_get_autocommit(t->conn)) {
                t->commits++;
                t->state = REL_TXN_IDLE;
                if (t->on_commit)
                    t->on_commit(t->on_commit_arg, t->commits);
            } else {
                t->state = REL_TXN_WRITING;
            }
        } else if (strcmp(sql, "ROLLBACK") == 0) {
            t->state = REL_TXN_IDLE;
        }
    }
    return 0;
}

void rel_txn_track_install(pilotdb *db, struct rel_txn_track *track)
{
    track->conn = pilotdb_sqlite(db);
    sqlite3_trace_v2(track->conn, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE,
                     track_trace, track);
}
