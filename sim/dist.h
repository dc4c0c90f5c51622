/*
 * dist.h - numbers, durations and the random distributions that scenarios
 * name (fixed, uniform, exp, lognormal), for libpilotsim.
 *
 * Each distribution is a small class of function pointers; a sim_dist holds
 * its class and parameters in milliseconds.  Every class consumes a fixed
 * number of random outputs per sample, so the streams stay aligned whatever
 * the values drawn.  Parsing is locale-independent.
 */
#ifndef PILOTSIM_DIST_H
#define PILOTSIM_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "pcg32.h"

struct sim_dist_class {
    const char *name;
    int nparams;
    /* Check parameters (milliseconds) and precompute derived ones into p[2..3];
     * 0, or -1 with *why set to a static message. */
    int (*prepare)(double *p, const char **why);
    /* Draw one value in milliseconds (>= 0). */
    double (*sample)(const double *p, pcg32_random_t *rng);
    /* The distribution's mean in milliseconds. */
    double (*mean)(const double *p);
};

typedef struct sim_dist {
    const struct sim_dist_class *cls;
    double p[4];
} sim_dist;

/* Parse "name(param, ...)" with duration parameters.  0 on success; -1 with
 * a message in why otherwise. */
int sim_dist_parse(const char *text, sim_dist *out, char *why, size_t why_size);

/* Draw a duration in whole milliseconds (rounded, never negative). */
int64_t sim_dist_sample(const sim_dist *d, pcg32_random_t *rng);

/* The mean in milliseconds. */
double sim_dist_mean(const sim_dist *d);

/* Draw from an exponential distribution of the given mean (one double). */
double sim_exp_draw(pcg32_random_t *rng, double mean);

/* A fixed distribution of ms milliseconds. */
sim_dist sim_dist_fixed(int64_t ms);

/*
 * Parse a plain decimal number ("12", "0.95", "-3", no exponent, no locale)
 * at the start of text; *end gets the first byte after it.  The result is the
 * correctly rounded double for up to 15 significant digits.  0 on success,
 * -1 if text does not start with a number.
 */
int sim_parse_decimal(const char *text, const char **end, double *out);

#endif
