/*
 * fault_trigger.h - when an injected fault fires (header only, shared by
 * fault_alloc.c and fault_vfs.c): armed at N, the Nth attempt fails, and
 * with persistent every attempt after it too.
 */
#ifndef PILOTDECK_FAULT_TRIGGER_H
#define PILOTDECK_FAULT_TRIGGER_H

struct fault_trigger {
    int armed;
    int persistent;
    long n;     /* the attempt to fail, counted from the arming */
    long calls; /* attempts since the arming */
    long fired; /* attempts failed since the arming */
};

static inline void fault_trigger_arm(struct fault_trigger *t, long n, int persistent)
{
    t->armed = 1;
    t->persistent = persistent;
    t->n = n;
    t->calls = 0;
    t->fired = 0;
}

/* Count one attempt (when armed); non-zero if it must fail. */
static inline int fault_trigger_hit(struct fault_trigger *t)
{
    if (!t->armed)
        return 0;
    t->calls++;
    if (t->calls == t->n || (t->persistent && t->calls > t->n)) {
        t->fired++;
        return 1;
    }
    return 0;
}

/* Disarm; the number of attempts that failed. */
static inline long fault_trigger_disarm(struct fault_trigger *t)
{
    t->armed = 0;
    return t->fired;
}

#endif
