/*
 * fault_vfs.h - a shim SQLite VFS that fails writes, syncs and truncates on
 * demand (test support).
 *
 * fault_vfs_register() registers "faultvfs" over the default VFS (unix) and
 * makes it the default, so that code opening databases by path, like
 * pilotdb_open(), goes through it unchanged.  Every file SQLite opens (the
 * database, its -wal, journals, temporary files) is wrapped, and the -shm
 * file is reached through xShmMap.  When armed, the Nth write, sync,
 * truncate or -shm mapping (of the kinds selected) from the arming on fails
 * with an SQLite error code, once or for good; unarmed, the shim only
 * forwards.  Single-threaded use only.
 */
#ifndef PILOTDECK_FAULT_VFS_H
#define PILOTDECK_FAULT_VFS_H

#define FAULT_IO_WRITE    0x1u
#define FAULT_IO_SYNC     0x2u
#define FAULT_IO_TRUNCATE 0x4u
#define FAULT_IO_SHMMAP   0x8u /* mapping a region of the -shm file */
#define FAULT_IO_ALL                                                           \
    (FAULT_IO_WRITE | FAULT_IO_SYNC | FAULT_IO_TRUNCATE | FAULT_IO_SHMMAP)

/* Register the shim over the current default VFS and make it the default.
 * Returns an SQLite result code. */
int fault_vfs_register(void);

/* Make the shim (on) or the VFS under it (off) the default VFS. */
void fault_vfs_use(int on);

/*
 * Fail the nth call (n >= 1) among the kinds selected, counted from now;
 * with persistent, every later one too.  error is the SQLite code returned
 * (0: SQLITE_IOERR_WRITE, _FSYNC, _TRUNCATE or _SHMMAP by kind; or e.g.
 * SQLITE_FULL).
 */
void fault_vfs_arm(unsigned kinds, long n, int persistent, int error);

/* Stop failing; returns how many calls failed since the arming. */
long fault_vfs_disarm(void);

/* Calls of the selected kinds since the last arming. */
long fault_vfs_calls(void);

#endif
