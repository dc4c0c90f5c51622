/*
 * store_memory.c - the engine's store in memory, for replications: each
 * CE's configuration and its count of pilots in each status, and the next
 * pilot id; no pilot rows, no history, no clock to keep.
 *
 * The capacity rule, the state machine (pilot_status_transition_ok()) and
 * the order of the refusals are pilotdb's, and a call that fails changes
 * nothing.  A transaction keeps, for each CE it changes, the CE as it was
 * at begin (copied on its first change), so that a rollback costs what the
 * transaction touched, not the number of CEs.  CE ids are 1, 2, ... in the
 * order added, never reused.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

struct store_memory {
    struct sim_store base;
    struct sim_store_ce *ces;   /* in name order: what ce_list() gives */
    size_t nces, room;
    size_t *pos;                /* CE id - 1 -> its index in ces */
    uint64_t *saved_in;         /* CE id - 1 -> the transaction that saved it */
    int64_t next_pilot;         /* the id of the next pilot submitted */

    int in_txn;
    uint64_t txn;               /* the current (or last) transaction's number */
    size_t nces_at_begin;
    int64_t next_pilot_at_begin;
    struct sim_store_ce *undo;  /* CEs as they were at begin */
    size_t nundo, undo_room;

    char err[512];
};

static struct store_memory *mem(struct sim_store *st)
{
    return (struct store_memory *)st;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static pilotdb_rc fail(struct store_memory *m, pilotdb_rc rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(m->err, sizeof m->err, fmt, ap);
    va_end(ap);
    return rc;
}

static void set_available(struct sim_store_ce *ce)
{
    int64_t active = ce->count[PILOT_SUBMITTED] + ce->count[PILOT_RUNNING];

    ce->available = ce->enabled && ce->capacity > active ? ce->capacity - active : 0;
}

/* The CE of id, or NULL. */
static struct sim_store_ce *by_id(struct store_memory *m, int64_t id)
{
    if (id < 1 || (uint64_t)id > m->nces)
        return NULL;
    return &m->ces[m->pos[id - 1]];
}

/* The CE of id and name, or NULL (the engine passes both; pilotdb finds
 * a CE by name). */
static struct sim_store_ce *find(struct store_memory *m, int64_t id, const char *name)
{
    struct sim_store_ce *ce = by_id(m, id);

    return ce && name && strcmp(ce->name, name) == 0 ? ce : NULL;
}

/* Keep ce as it was at begin, once per transaction; 0 or -1 when out of
 * memory (nothing changed then). */
static int save(struct store_memory *m, const struct sim_store_ce *ce)
{
    size_t i = (size_t)ce->id - 1;

    if (!m->in_txn || i >= m->nces_at_begin || m->saved_in[i] == m->txn)
        return 0;
    if (m->nundo == m->undo_room) {
        size_t room = m->undo_room ? 2 * m->undo_room : 64;
        struct sim_store_ce *bigger = realloc(m->undo, room * sizeof *bigger);
        if (!bigger)
            return -1;
        m->undo = bigger;
        m->undo_room = room;
    }
    m->undo[m->nundo++] = *ce;
    m->saved_in[i] = m->txn;
    return 0;
}

static pilotdb_rc nomem(struct store_memory *m)
{
    return fail(m, PILOTDB_ENOMEM, "out of memory");
}

static pilotdb_rc mem_start(struct sim_store *st, pilotdb_clock_fn clock, void *arg)
{
    (void)clock; /* nothing here is timed */
    (void)arg;
    return st->ops->begin(st);
}

static pilotdb_rc mem_begin(struct sim_store *st)
{
    struct store_memory *m = mem(st);

    if (m->in_txn)
        return fail(m, PILOTDB_EMISUSE, "a transaction is open already");
    m->in_txn = 1;
    m->txn++;
    m->nces_at_begin = m->nces;
    m->next_pilot_at_begin = m->next_pilot;
    m->nundo = 0;
    return PILOTDB_OK;
}

static pilotdb_rc mem_commit(struct sim_store *st)
{
    struct store_memory *m = mem(st);

    if (!m->in_txn)
        return fail(m, PILOTDB_EMISUSE, "no transaction to commit");
    m->in_txn = 0;
    m->nundo = 0;
    return PILOTDB_OK;
}

/* Drop the CEs added in the transaction (their ids are the highest), keep
 * the others in their order, and put back what was saved. */
static pilotdb_rc mem_rollback(struct sim_store *st)
{
    struct store_memory *m = mem(st);
    size_t i, kept = 0;

    if (!m->in_txn)
        return fail(m, PILOTDB_EMISUSE, "no transaction to roll back");
    if (m->nces > m->nces_at_begin) {
        for (i = 0; i < m->nces; i++) {
            if ((size_t)m->ces[i].id > m->nces_at_begin) {
                free((char *)m->ces[i].name);
                continue;
            }
            m->ces[kept] = m->ces[i];
            m->pos[m->ces[kept].id - 1] = kept;
            kept++;
        }
        m->nces = kept;
    }
    for (i = 0; i < m->nundo; i++)
        m->ces[m->pos[m->undo[i].id - 1]] = m->undo[i];
    m->next_pilot = m->next_pilot_at_begin;
    m->nundo = 0;
    m->in_txn = 0;
    return PILOTDB_OK;
}

static int mem_in_transaction(struct sim_store *st)
{
    return mem(st)->in_txn;
}

static pilotdb_rc check_rate(struct store_memory *m, double rate)
{
    if (!(rate >= 0.0 && rate <= 1.0)) /* NaN fails too */
        return fail(m, PILOTDB_EINVAL, "success rate %g is outside [0, 1]", rate);
    return PILOTDB_OK;
}

static pilotdb_rc check_capacity(struct store_memory *m, int64_t capacity)
{
    if (capacity < 0)
        return fail(m, PILOTDB_EINVAL, "capacity %lld is negative; it must be 0 or more",
                    (long long)capacity);
    return PILOTDB_OK;
}

static pilotdb_rc check_name(struct store_memory *m, const char *name)
{
    size_t len, at;
    int control = 0;

    if (!name || !*name)
        return fail(m, PILOTDB_EINVAL, "CE name is empty");
    len = strlen(name);
    if (len > PILOTDB_NAME_MAX)
        return fail(m, PILOTDB_EINVAL, "CE name is %zu bytes long; the limit is %d", len,
                    PILOTDB_NAME_MAX);
    if ((at = pilotdb_text_fault(name, len, &control)) != 0)
        return fail(m, PILOTDB_EINVAL, control ? "CE name has a control character at byte %zu"
                                                : "CE name is not valid UTF-8 at byte %zu", at);
    return PILOTDB_OK;
}

/* Where name goes in the name order; *found when it is there. */
static size_t locate(const struct store_memory *m, const char *name, int *found)
{
    size_t lo = 0, hi = m->nces;

    *found = 0;
    /* the engine adds its CEs in name order: after the last one */
    if (hi > 0 && strcmp(m->ces[hi - 1].name, name) < 0)
        return hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(m->ces[mid].name, name);
        if (cmp == 0) {
            *found = 1;
            return mid;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static pilotdb_rc mem_ce_add(struct sim_store *st, const char *name, int64_t capacity,
                             double success_rate, int enabled, int64_t *id)
{
    struct store_memory *m = mem(st);
    struct sim_store_ce *ce;
    pilotdb_rc rc;
    size_t at, i;
    char *copy;
    int found;

    if (id)
        *id = 0;
    if ((rc = check_name(m, name)) != PILOTDB_OK || (rc = check_capacity(m, capacity)) != PILOTDB_OK ||
        (rc = check_rate(m, success_rate)) != PILOTDB_OK)
        return rc;
    at = locate(m, name, &found);
    if (found)
        return fail(m, PILOTDB_EEXISTS, "a CE named '%s' exists already", name);
    if (m->nces == m->room) {
        size_t room = m->room ? 2 * m->room : 64;
        struct sim_store_ce *ces = realloc(m->ces, room * sizeof *ces);
        size_t *pos;
        uint64_t *saved_in;
        if (!ces)
            return nomem(m);
        m->ces = ces;
        if (!(pos = realloc(m->pos, room * sizeof *pos)))
            return nomem(m);
        m->pos = pos;
        if (!(saved_in = realloc(m->saved_in, room * sizeof *saved_in)))
            return nomem(m);
        m->saved_in = saved_in;
        m->room = room;
    }
    if (!(copy = strdup(name)))
        return nomem(m);
    memmove(&m->ces[at + 1], &m->ces[at], (m->nces - at) * sizeof *m->ces);
    for (i = at + 1; i <= m->nces; i++)
        m->pos[m->ces[i].id - 1] = i;
    ce = &m->ces[at];
    memset(ce, 0, sizeof *ce);
    ce->name = copy;
    ce->id = (int64_t)m->nces + 1;
    ce->capacity = capacity;
    ce->success_rate = success_rate;
    ce->enabled = enabled != 0;
    set_available(ce);
    m->pos[m->nces] = at;
    m->saved_in[m->nces] = 0;
    m->nces++;
    if (id)
        *id = ce->id;
    return PILOTDB_OK;
}

static pilotdb_rc mem_ce_list(struct sim_store *st, const struct sim_store_ce **list,
                              size_t *n)
{
    struct store_memory *m = mem(st);

    *list = m->ces;
    *n = m->nces;
    return PILOTDB_OK;
}

static pilotdb_rc mem_ce_update(struct sim_store *st, int64_t ce_id, const char *name,
                                const pilotdb_ce_change *upd)
{
    struct store_memory *m = mem(st);
    struct sim_store_ce *ce;
    pilotdb_rc rc;

    if ((rc = check_name(m, name)) != PILOTDB_OK)
        return rc;
    if (!upd || !(upd->set & (PILOTDB_SET_CAPACITY | PILOTDB_SET_SUCCESS_RATE |
                              PILOTDB_SET_ENABLED)) ||
        (upd->set & ~(PILOTDB_SET_CAPACITY | PILOTDB_SET_SUCCESS_RATE | PILOTDB_SET_ENABLED)))
        return fail(m, PILOTDB_EINVAL, "CE '%s': nothing to change, or a change of a "
                    "CE's site or capacity source", name);
    if (((upd->set & PILOTDB_SET_CAPACITY) && (rc = check_capacity(m, upd->capacity)) != PILOTDB_OK) ||
        ((upd->set & PILOTDB_SET_SUCCESS_RATE) &&
         (rc = check_rate(m, upd->success_rate)) != PILOTDB_OK))
        return rc;
    if (!(ce = find(m, ce_id, name)))
        return fail(m, PILOTDB_ENOTFOUND, "updating a CE: no CE named '%s'", name);
    if (save(m, ce) != 0)
        return nomem(m);
    if (upd->set & PILOTDB_SET_CAPACITY)
        ce->capacity = upd->capacity;
    if (upd->set & PILOTDB_SET_SUCCESS_RATE)
        ce->success_rate = upd->success_rate;
    if (upd->set & PILOTDB_SET_ENABLED)
        ce->enabled = upd->enabled != 0;
    set_available(ce);
    return PILOTDB_OK;
}

static pilotdb_rc mem_submit(struct sim_store *st, int64_t ce_id, const char *name,
                             int64_t *pilot_id)
{
    struct store_memory *m = mem(st);
    struct sim_store_ce *ce = find(m, ce_id, name);
    int64_t active;

    if (pilot_id)
        *pilot_id = 0;
    if (!ce) {
        pilotdb_rc rc = check_name(m, name);
        return rc != PILOTDB_OK ? rc
                                : fail(m, PILOTDB_ENOTFOUND,
                                       "submitting a pilot: no CE named '%s'", name);
    }
    active = ce->count[PILOT_SUBMITTED] + ce->count[PILOT_RUNNING];
    if (!ce->enabled)
        return fail(m, PILOTDB_EDISABLED, "CE '%s' is disabled", name);
    if (active >= ce->capacity)
        return fail(m, PILOTDB_EFULL, "CE '%s' is full (%lld of %lld slots in use)", name,
                    (long long)active, (long long)ce->capacity);
    if (save(m, ce) != 0)
        return nomem(m);
    ce->count[PILOT_SUBMITTED]++;
    set_available(ce);
    if (pilot_id)
        *pilot_id = m->next_pilot;
    m->next_pilot++;
    return PILOTDB_OK;
}

static pilotdb_rc mem_move(struct sim_store *st, int64_t pilot_id, int64_t ce_id,
                           pilot_status from, pilot_status to)
{
    struct store_memory *m = mem(st);
    struct sim_store_ce *ce;

    if ((int)from < 0 || from >= PILOT_NSTATUS || (int)to < 0 || to >= PILOT_NSTATUS)
        return fail(m, PILOTDB_EINVAL, "status %d or %d is not a pilot status", (int)from,
                    (int)to);
    if (pilot_id < 1 || pilot_id >= m->next_pilot)
        return fail(m, PILOTDB_ENOTFOUND, "changing a pilot's status: no pilot with id %lld",
                    (long long)pilot_id);
    if (!(ce = by_id(m, ce_id)))
        return fail(m, PILOTDB_EINVAL, "pilot %lld is not at CE id %lld",
                    (long long)pilot_id, (long long)ce_id);
    if (ce->count[from] == 0)
        return fail(m, PILOTDB_ETRANSITION, "pilot %lld is not %s", (long long)pilot_id,
                    pilot_status_name((int)from));
    if (!pilot_status_transition_ok(from, to))
        return fail(m, PILOTDB_ETRANSITION, "pilot %lld cannot go from %s to %s",
                    (long long)pilot_id, pilot_status_name((int)from),
                    pilot_status_name((int)to));
    if (save(m, ce) != 0)
        return nomem(m);
    ce->count[from]--;
    ce->count[to]++;
    set_available(ce);
    return PILOTDB_OK;
}

static const char *mem_errmsg(struct sim_store *st)
{
    return mem(st)->err;
}

static void mem_free(struct sim_store *st)
{
    struct store_memory *m = mem(st);
    size_t i;

    if (!m)
        return;
    for (i = 0; i < m->nces; i++)
        free((char *)m->ces[i].name);
    free(m->ces);
    free(m->pos);
    free(m->saved_in);
    free(m->undo);
    free(m);
}

static const struct sim_store_ops memory_ops = {
    "memory", mem_start, mem_begin, mem_commit, mem_rollback, mem_in_transaction,
    mem_ce_add, mem_ce_list, mem_ce_update, mem_submit, mem_move, mem_errmsg, mem_free
};

struct sim_store *sim_store_memory_new(void)
{
    struct store_memory *m = calloc(1, sizeof *m);

    if (!m)
        return NULL;
    m->base.ops = &memory_ops;
    m->next_pilot = 1;
    return &m->base;
}
