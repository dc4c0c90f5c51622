/*
 * fault_alloc.h - a counting allocator for SQLite that can fail on demand
 * (test support).
 *
 * fault_alloc_install() puts a wrapper around SQLite's own allocator with
 * SQLITE_CONFIG_MALLOC.  libpilotdb allocates everything with
 * sqlite3_malloc(), so the wrapper sees every allocation of SQLite and of the
 * layer: it counts live blocks and bytes (leak checks) and, when armed, fails
 * the Nth allocation (malloc or realloc) from the arming on, either once or
 * for good.  The real allocator underneath is SQLite's default (the C
 * library's malloc), so AddressSanitizer and valgrind still see every block.
 * Single-threaded use only.
 */
#ifndef PILOTDECK_FAULT_ALLOC_H
#define PILOTDECK_FAULT_ALLOC_H

#include <stdint.h>

/* Install the wrapper: sqlite3_shutdown(), SQLITE_CONFIG_MALLOC,
 * sqlite3_initialize().  Call before any other SQLite use; returns an SQLite
 * result code. */
int fault_alloc_install(void);

/* Fail the nth allocation from now (n >= 1); with persistent, every one
 * after it too. */
void fault_alloc_arm(long n, int persistent);

/* Stop failing; returns how many allocations failed since the arming. */
long fault_alloc_disarm(void);

/* Allocations attempted since the last arming. */
long fault_alloc_calls(void);

/* Live blocks and bytes allocated through SQLite right now. */
int64_t fault_alloc_live_blocks(void);
int64_t fault_alloc_live_bytes(void);

#endif
