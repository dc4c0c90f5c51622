/*
 * pcg32.c - PCG32 (XSH-RR 64/32) random streams for the simulator.
 *
 * The generator is a 64-bit LCG whose output is permuted by an xorshift and a
 * random rotation.  Bounded integers use rejection of the low "threshold"
 * values so that every result is equally likely; doubles take 53 bits from two
 * outputs.  Streams are derived from a seed and a key with FNV-1a and the
 * splitmix64 finalizer, both fully specified integer arithmetic, so the same
 * seed and key give the same stream on every platform and build.
 */
#include "pcg32.h"

#define PCG32_MULT 6364136223846793005ULL

static void pcg32_step(pcg32_random_t *rng)
{
    rng->state = rng->state * PCG32_MULT + rng->inc;
}

/* Seed rng exactly as the reference pcg32_srandom_r() does. */
void pcg32_srandom(pcg32_random_t *rng, uint64_t initstate, uint64_t initseq)
{
    rng->state = 0;
    rng->inc = (initseq << 1) | 1u;
    pcg32_step(rng);
    rng->state += initstate;
    pcg32_step(rng);
}

/* Output the permutation of the old state, then advance. */
uint32_t pcg32_random(pcg32_random_t *rng)
{
    uint64_t old = rng->state;
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);

    pcg32_step(rng);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

/* Reject the 2^32 mod bound smallest values so the rest divide evenly. */
uint32_t pcg32_boundedrand(pcg32_random_t *rng, uint32_t bound)
{
    uint32_t threshold;

    if (bound == 0)
        return 0;
    threshold = (uint32_t)(-bound) % bound;
    for (;;) {
        uint32_t r = pcg32_random(rng);
        if (r >= threshold)
            return r % bound;
    }
}

/* High 27 bits of the first output and high 26 of the second make 53. */
double pcg32_double(pcg32_random_t *rng)
{
    uint64_t hi = pcg32_random(rng) >> 5;
    uint64_t lo = pcg32_random(rng) >> 6;

    return (double)((hi << 26) | lo) * (1.0 / 9007199254740992.0);
}

static uint64_t splitmix64_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The key's FNV-1a hash picks the stream; seed and hash together pick the
 * starting state, so two keys differ in both. */
void pcg32_derive(pcg32_random_t *rng, uint64_t seed, const char *key)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    const unsigned char *p;

    for (p = (const unsigned char *)key; *p; p++) {
        hash ^= *p;
        hash *= 0x100000001b3ULL;
    }
    pcg32_srandom(rng, splitmix64_mix(seed ^ splitmix64_mix(hash)),
                  splitmix64_mix(hash + 0x9e3779b97f4a7c15ULL));
}
