/*
 * reliability_util.h - small helpers shared by the multi-process
 * reliability tests (test_crash, test_concurrency): a monotonic clock,
 * whole-buffer pipe I/O, scaling from the environment, a seeded PRNG and a
 * tracker that follows a connection's write transactions through
 * sqlite3_trace_v2().
 *
 * Nothing here uses cmocka: these run in forked children, which report
 * through pipes and exit codes instead of failing a test.
 */
#ifndef PILOTDECK_RELIABILITY_UTIL_H
#define PILOTDECK_RELIABILITY_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pilotdb.h"

/* Milliseconds of CLOCK_MONOTONIC (with a fraction). */
double rel_now_ms(void);

/* Sleep for ms milliseconds (fractions allowed); restarts after signals. */
void rel_sleep_ms(double ms);

/* Write all n bytes to fd; 0 on success, -1 on error. */
int rel_write_all(int fd, const void *buf, size_t n);

/* Read until n bytes or end of file; returns the bytes read, -1 on error. */
ssize_t rel_read_all(int fd, void *buf, size_t n);

/* The environment variable name as an unsigned integer, or def when it is
 * unset or empty; a malformed value is reported on stderr and def used. */
uint64_t rel_env_u64(const char *name, uint64_t def);

/* PILOTDECK_RELIABILITY_SCALE (default 1.0, clamped to [0.05, 100]): a
 * factor applied to the number of kills and to the run time. */
double rel_scale(void);

/* splitmix64: a small seeded generator for kill delays and choices. */
uint64_t rel_rand(uint64_t *state);
/* Uniform in [0, 1). */
double rel_rand_unit(uint64_t *state);

/* Size of the file at path in bytes, 0 if it does not exist. */
int64_t rel_file_size(const char *path);

/* The checkpoint sequence number in the header of the WAL file walpath
 * (bytes 12-15, big-endian): SQLite increments it each time a checkpoint
 * lets the WAL restart from its beginning.  -1 if there is no header. */
int64_t rel_wal_checkpoint_seq(const char *walpath);

/*
 * Where a connection is in its write transactions, as seen by
 * sqlite3_trace_v2(): idle (no write transaction), writing (after BEGIN
 * IMMEDIATE), committing (the COMMIT statement has started but not yet
 * returned).  commits counts the write transactions that committed.  Kept
 * in memory shared with a parent, so that a parent that SIGKILLs the child
 * knows where it was.
 */
enum rel_txn_state { REL_TXN_IDLE = 0, REL_TXN_WRITING = 1, REL_TXN_COMMITTING = 2 };

struct rel_txn_track {
    volatile int state;
    volatile int64_t commits;
    struct sqlite3 *conn; /* set by rel_txn_track_install() */
    /* Called after each commit returns (not from a shared child). */
    void (*on_commit)(void *arg, int64_t commits);
    void *on_commit_arg;
};

/* Follow db's write transactions into *track (zeroed by the caller). */
void rel_txn_track_install(pilotdb *db, struct rel_txn_track *track);

#endif
