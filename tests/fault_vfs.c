/*
 * fault_vfs.c - a shim SQLite VFS that fails writes, syncs and truncates on
 * demand (see fault_vfs.h).
 *
 * The shim's sqlite3_file holds a pointer to the real file, which lives
 * right after it in the memory SQLite gives xOpen (szOsFile covers both).
 */
#include "fault_vfs.h"
#include "fault_trigger.h"

#include <stddef.h>
#include <string.h>

#include <sqlite3.h>

struct shim_file {
    sqlite3_file base;
    sqlite3_file *real;
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim_vfs;

static struct {
    struct fault_trigger t; /* counts calls of the armed kinds */
    unsigned kinds;
    int error;
} fv;

/* SQLITE_OK, or the error this call of kind must fail with. */
static int injected(unsigned kind, int default_error)
{
    if (!(fv.kinds & kind) || !fault_trigger_hit(&fv.t))
        return SQLITE_OK;
    return fv.error ? fv.error : default_error;
}

static sqlite3_file *real_of(sqlite3_file *f)
{
    return ((struct shim_file *)f)->real;
}

static int shim_close(sqlite3_file *f)
{
    return real_of(f)->pMethods->xClose(real_of(f));
}

static int shim_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
    return real_of(f)->pMethods->xRead(real_of(f), buf, amt, off);
}

static int shim_write(sqlite3_file *f, const void *buf, int amt,
                      sqlite3_int64 off)
{
    int src = injected(FAULT_IO_WRITE, SQLITE_IOERR_WRITE);

    return src ? src : real_of(f)->pMethods->xWrite(real_of(f), buf, amt, off);
}

static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    int src = injected(FAULT_IO_TRUNCATE, SQLITE_IOERR_TRUNCATE);

    return src ? src : real_of(f)->pMethods->xTruncate(real_of(f), size);
}

static int shim_sync(sqlite3_file *f, int flags)
{
    int src = injected(FAULT_IO_SYNC, SQLITE_IOERR_FSYNC);

    return src ? src : real_of(f)->pMethods->xSync(real_of(f), flags);
}

static int shim_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return real_of(f)->pMethods->xFileSize(real_of(f), size);
}

static int shim_lock(sqlite3_file *f, int lock)
{
    return real_of(f)->pMethods->xLock(real_of(f), lock);
}

static int shim_unlock(sqlite3_file *f, int lock)
{
    return real_of(f)->pMethods->xUnlock(real_of(f), lock);
}

static int shim_check_reserved(sqlite3_file *f, int *out)
{
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}

static int shim_file_control(sqlite3_file *f, int op, void *arg)
{
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}

static int shim_sector_size(sqlite3_file *f)
{
    return real_of(f)->pMethods->xSectorSize(real_of(f));
}

static int shim_device_characteristics(sqlite3_file *f)
{
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}

static int shim_shm_map(sqlite3_file *f, int region, int size, int extend,
                        void volatile **out)
{
    int src = injected(FAULT_IO_SHMMAP, SQLITE_IOERR_SHMMAP);

    if (src) {
        *out = NULL;
        return src;
    }
    return real_of(f)->pMethods->xShmMap(real_of(f), region, size, extend, out);
}

static int shim_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}

static void shim_shm_barrier(sqlite3_file *f)
{
    real_of(f)->pMethods->xShmBarrier(real_of(f));
}

static int shim_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}

static int shim_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **out)
{
    return real_of(f)->pMethods->xFetch(real_of(f), off, amt, out);
}

static int shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return real_of(f)->pMethods->xUnfetch(real_of(f), off, p);
}

static const sqlite3_io_methods shim_io = {
    3,
    shim_close,
    shim_read,
    shim_write,
    shim_truncate,
    shim_sync,
    shim_file_size,
    shim_lock,
    shim_unlock,
    shim_check_reserved,
    shim_file_control,
    shim_sector_size,
    shim_device_characteristics,
    shim_shm_map,
    shim_shm_lock,
    shim_shm_barrier,
    shim_shm_unmap,
    shim_fetch,
    shim_unfetch,
};

static int shim_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f,
                     int flags, int *out_flags)
{
    struct shim_file *sf = (struct shim_file *)f;
    int src;

    (void)vfs;
    sf->real = (sqlite3_file *)(sf + 1);
    memset(sf->real, 0, (size_t)real_vfs->szOsFile);
    src = real_vfs->xOpen(real_vfs, name, sf->real, flags, out_flags);
    /* SQLite calls xClose whenever pMethods is set, even after a failure. */
    sf->base.pMethods = sf->real->pMethods ? &shim_io : NULL;
    return src;
}

int fault_vfs_register(void)
{
    if (!real_vfs) {
        real_vfs = sqlite3_vfs_find(NULL);
        if (!real_vfs)
            return SQLITE_ERROR;
        /* Only version 3 io_methods are forwarded (unix has them). */
        shim_vfs = *real_vfs;
        shim_vfs.pNext = NULL;
        shim_vfs.zName = "faultvfs";
        shim_vfs.szOsFile = (int)sizeof(struct shim_file) + real_vfs->szOsFile;
        shim_vfs.xOpen = shim_open;
    }
    return sqlite3_vfs_register(&shim_vfs, 1);
}

void fault_vfs_use(int on)
{
    if (real_vfs)
        sqlite3_vfs_register(on ? &shim_vfs : real_vfs, 1);
}

void fault_vfs_arm(unsigned kinds, long n, int persistent, int error)
{
    fv.kinds = kinds;
    fv.error = error;
    fault_trigger_arm(&fv.t, n, persistent);
}

long fault_vfs_disarm(void)
{
    return fault_trigger_disarm(&fv.t);
}

long fault_vfs_calls(void)
{
    return fv.t.calls;
}
