/*
 * fault_alloc.c - a counting allocator for SQLite that can fail on demand
 * (see fault_alloc.h).
 */
#include "fault_alloc.h"
#include "fault_trigger.h"

#include <stddef.h>

#include <sqlite3.h>

static sqlite3_mem_methods real;

static struct {
    struct fault_trigger t; /* counts allocation attempts */
    int64_t live_blocks, live_bytes;
} fa;

/* Whether this allocation attempt is the one (or one of those) to fail. */
static int must_fail(void)
{
    return fault_trigger_hit(&fa.t);
}

static void *fa_malloc(int size)
{
    void *p;

    if (must_fail())
        return NULL;
    p = real.xMalloc(size);
    if (p) {
        fa.live_blocks++;
        fa.live_bytes += real.xSize(p);
    }
    return p;
}

static void fa_free(void *p)
{
    if (p) {
        fa.live_blocks--;
        fa.live_bytes -= real.xSize(p);
    }
    real.xFree(p);
}

static void *fa_realloc(void *p, int size)
{
    int64_t old = p ? real.xSize(p) : 0;
    void *q;

    if (must_fail())
        return NULL;
    q = real.xRealloc(p, size);
    if (q) {
        if (!p)
            fa.live_blocks++;
        fa.live_bytes += real.xSize(q) - old;
    }
    return q;
}

static int fa_size(void *p)
{
    return real.xSize(p);
}

static int fa_roundup(int size)
{
    return real.xRoundup(size);
}

static int fa_init(void *app)
{
    (void)app;
    return real.xInit(real.pAppData);
}

static void fa_shutdown(void *app)
{
    (void)app;
    real.xShutdown(real.pAppData);
}

int fault_alloc_install(void)
{
    static const sqlite3_mem_methods wrapper = {
        fa_malloc, fa_free, fa_realloc, fa_size, fa_roundup, fa_init,
        fa_shutdown, NULL,
    };
    int src;

    /* The default methods are filled in by the first initialization. */
    if ((src = sqlite3_initialize()) != SQLITE_OK ||
        (src = sqlite3_shutdown()) != SQLITE_OK ||
        (src = sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real)) != SQLITE_OK ||
        (src = sqlite3_config(SQLITE_CONFIG_MALLOC, &wrapper)) != SQLITE_OK)
        return src;
    fa.live_blocks = fa.live_bytes = 0;
    return sqlite3_initialize();
}

void fault_alloc_arm(long n, int persistent)
{
    fault_trigger_arm(&fa.t, n, persistent);
}

long fault_alloc_disarm(void)
{
    return fault_trigger_disarm(&fa.t);
}

long fault_alloc_calls(void)
{
    return fa.t.calls;
}

int64_t fault_alloc_live_blocks(void)
{
    return fa.live_blocks;
}

int64_t fault_alloc_live_bytes(void)
{
    return fa.live_bytes;
}
