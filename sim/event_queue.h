/*
 * event_queue.h - the engine's queue of pending events on virtual time
 * (private to libpilotsim).
 *
 * A 4-ary min-heap ordered by (time, insertion number): ties come out in the
 * order they went in.  Header-only, so that push and pop inline into the
 * engine's loop.  The queue owns its array; free it with
 * sim_event_queue_free().
 */
#ifndef PILOTSIM_EVENT_QUEUE_H
#define PILOTSIM_EVENT_QUEUE_H

#include <stdint.h>
#include <stdlib.h>

#include "pilotsim.h"

struct sim_event {
    int64_t at;
    uint64_t seq;        /* insertion number */
    uint32_t kind;       /* an enum sim_event_kind */
    uint32_t idx;        /* what the event is about, by kind */
    uint32_t gen;        /* the pilot slot's generation, for pilot events */
};

/* Zeroed, it is an empty queue. */
struct sim_event_queue {
    struct sim_event *heap;
    size_t n, cap;
    uint64_t seq;
};

#define SIM_EVENT_QUEUE_ARITY 4

static inline int sim_event_before(const struct sim_event *a, const struct sim_event *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

/* Add an event; SIM_OK, or SIM_ENOMEM with the queue unchanged. */
static inline sim_rc sim_event_queue_push(struct sim_event_queue *q, int64_t at,
                                          uint32_t kind, uint32_t idx, uint32_t gen)
{
    struct sim_event ev;
    size_t i;

    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 1024;
        struct sim_event *bigger = realloc(q->heap, cap * sizeof *bigger);
        if (!bigger)
            return SIM_ENOMEM;
        q->heap = bigger;
        q->cap = cap;
    }
    ev.at = at;
    ev.seq = q->seq++;
    ev.kind = kind;
    ev.idx = idx;
    ev.gen = gen;
    for (i = q->n++; i > 0; ) {
        size_t parent = (i - 1) / SIM_EVENT_QUEUE_ARITY;
        if (!sim_event_before(&ev, &q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = ev;
    return SIM_OK;
}

/* The earliest event, or NULL when the queue is empty. */
static inline const struct sim_event *sim_event_queue_peek(const struct sim_event_queue *q)
{
    return q->n > 0 ? &q->heap[0] : NULL;
}

/* Remove and return the earliest event; the queue must not be empty. */
static inline struct sim_event sim_event_queue_pop(struct sim_event_queue *q)
{
    struct sim_event top = q->heap[0], last = q->heap[--q->n];
    size_t i = 0, n = q->n;

    for (;;) {
        size_t first = SIM_EVENT_QUEUE_ARITY * i + 1;
        size_t end = first + SIM_EVENT_QUEUE_ARITY, best = first;
        if (first >= n)
            break;
        if (end > n)
            end = n;
        for (size_t c = first + 1; c < end; c++)
            if (sim_event_before(&q->heap[c], &q->heap[best]))
                best = c;
        if (!sim_event_before(&q->heap[best], &last))
            break;
        q->heap[i] = q->heap[best];
        i = best;
    }
    if (n > 0)
        q->heap[i] = last;
    return top;
}

static inline void sim_event_queue_free(struct sim_event_queue *q)
{
    free(q->heap);
    q->heap = NULL;
    q->n = q->cap = 0;
}

#endif
