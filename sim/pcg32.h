/*
 * pcg32.h - the PCG32 random number generator (XSH-RR 64/32) of libpilotsim.
 *
 * Written from the published algorithm (M. E. O'Neill, "PCG: A Family of
 * Simple Fast Space-Efficient Statistically Good Algorithms for Random Number
 * Generation", 2014).  pcg32_srandom() has the semantics of the reference
 * pcg32_srandom_r(), so a generator seeded with (42, 54) yields the reference
 * sequence 0xa15c02b7 0x7b47f409 ... and matches pcg-cpp's pcg32(seed, stream).
 */
#ifndef PILOTSIM_PCG32_H
#define PILOTSIM_PCG32_H

#include <stdint.h>

typedef struct pcg32_random_t {
    uint64_t state; /* the LCG state; all values are possible */
    uint64_t inc;   /* the stream selector; always odd */
} pcg32_random_t;

/* Seed rng with initial state initstate on stream initseq (only the low 63
 * bits of initseq matter: streams differing in the top bit coincide). */
void pcg32_srandom(pcg32_random_t *rng, uint64_t initstate, uint64_t initseq);

/* Return the next uniformly distributed 32-bit value and advance rng. */
uint32_t pcg32_random(pcg32_random_t *rng);

/* Return a uniformly distributed integer in [0, bound), without modulo bias;
 * bound must be at least 1 (0 returns 0 without drawing). */
uint32_t pcg32_boundedrand(pcg32_random_t *rng, uint32_t bound);

/* Return a uniformly distributed double in [0, 1) with 53 random bits,
 * consuming exactly two outputs of rng. */
double pcg32_double(pcg32_random_t *rng);

/* Derive a generator that depends only on seed and key (a stable name such as
 * a CE name), so that the streams of different keys are independent and
 * adding a key never changes the draws of another. */
void pcg32_derive(pcg32_random_t *rng, uint64_t seed, const char *key);

#endif
