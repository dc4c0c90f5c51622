/*
 * fitstat.h - the statistics of `pilotdeck fit`: maximum-likelihood fits of
 * queue and run times with right censoring and the simulator's failure
 * model, the choice of family by AIC, the Kolmogorov-Smirnov distance to the
 * Kaplan-Meier estimate, and Wilson intervals.  Pure functions of their
 * arguments: no database, no global state, safe from several threads.
 *
 * Times are milliseconds (doubles); families and parameters follow dist.h:
 * fixed(v), exp(mean), lognormal(mean, sd) of the lognormal itself,
 * uniform(a, b).
 */
#ifndef PILOTSIM_FITSTAT_H
#define PILOTSIM_FITSTAT_H

#include <stddef.h>
#include <stdint.h>

enum sim_obs_kind {
    SIM_OBS_EXACT,    /* the whole duration t was seen (a done pilot's run, a start's queue wait) */
    SIM_OBS_CENSORED, /* still going after t (waiting / running at the window's end) */
    SIM_OBS_STOPPED   /* a pilot that failed while running, t after its start: in the
                         simulator's model it stopped at a uniform point of its run */
};
struct sim_obs { double t; enum sim_obs_kind kind; };

enum sim_family { SIM_FAM_FIXED, SIM_FAM_EXP, SIM_FAM_LOGNORMAL, SIM_FAM_UNIFORM, SIM_NFAMILIES };

/* "fixed", "exp", "lognormal", "uniform" (the dist.h class names); NULL out of range. */
const char *sim_family_name(enum sim_family f);

struct sim_family_fit {
    int usable;          /* the family can produce the data (finite log-likelihood) */
    const char *why;     /* when not usable, a static reason ("a time of 0 ms"); else NULL */
    double p[2];         /* its parameters in ms, sim_dist convention (p[1] unused for 1-parameter families) */
    int k;               /* number of free parameters (AIC) */
    double loglik;       /* maximised log-likelihood; -INFINITY when not usable */
    double aic;          /* 2k - 2 loglik; INFINITY when not usable */
};

struct sim_time_fit {
    size_t n_exact, n_censored, n_stopped;
    struct sim_family_fit fam[SIM_NFAMILIES];
    enum sim_family chosen;  /* least AIC among usable ones; ties to the lower enum */
    double ks;               /* Kolmogorov-Smirnov distance of the chosen family to the
                                Kaplan-Meier estimate of the data (the empirical CDF when
                                nothing is censored) */
    double mean;             /* the chosen family's mean, ms */
};

/*
 * Fit every family to obs[0, n) by maximum likelihood and choose by AIC.
 *
 * The likelihood of an observation, with f the density, S the survival,
 * H(x) = E[1/R; R > x] and q = fail_share:
 *   EXACT t     f(t)
 *   STOPPED x   q H(x)                      (failed at a uniform point of its run)
 *   CENSORED c  S(c) - q c H(c)             (done- or fail-fated, still going at c)
 * fail_share is the probability that a pilot that started fails while running
 * (FAILED after start / (DONE + FAILED after start)); pass 0 for queue times,
 * which makes CENSORED plain right censoring.  It must lie in [0, 1], and be
 * above 0 when some observation is STOPPED.  A STOPPED time below 0.5 ms
 * counts as 0.25 ms (data are whole ms; H is infinite at 0).
 *
 * fixed(v) is a point mass, whose likelihood is not comparable with a
 * density: it is usable when the EXACT times differ by at most 0.5 ms (v is
 * their midrange) and every CENSORED and STOPPED time is below v, and then has
 * loglik = +INFINITY and aic = -INFINITY, so it is always chosen.
 * lognormal is not usable when some EXACT time is 0.
 *
 * The Kaplan-Meier estimate behind ks uses the EXACT and CENSORED
 * observations and leaves STOPPED ones out: fate is drawn independently of
 * the run time, so the runs of done pilots are a fair sample, while treating
 * a stop at U R as censoring would depend on R.
 *
 * Returns 0 with *out filled, or -1 with *out zeroed and a static reason in
 * *why ("no observation", "no complete observation", "out of memory", ...).
 */
int sim_time_fit(const struct sim_obs *obs, size_t n, double fail_share,
                 struct sim_time_fit *out, const char **why);

/* The log-likelihood above of family f with parameters p (dist.h
 * convention) on obs[0, n): -INFINITY where the family cannot produce the
 * data or p is invalid; for fixed, +INFINITY when fixed(p[0]) can; NAN when
 * out of memory. */
double sim_time_loglik(const struct sim_obs *obs, size_t n, double fail_share,
                       enum sim_family f, const double p[2]);

/* The Kolmogorov-Smirnov distance of family f with parameters p to the
 * Kaplan-Meier estimate of obs[0, n) (as in sim_time_fit), over times up to
 * the largest EXACT or CENSORED one.  0 with *ks set, or -1 with *ks = 0 and
 * a static reason in *why (no EXACT observation, out of memory). */
int sim_time_ks(const struct sim_obs *obs, size_t n, enum sim_family f,
                const double p[2], double *ks, const char **why);

/* Wilson score interval of k successes in n trials at 95 %
 * (z = 1.959963984540054), k <= n; [0, 1] when n = 0. */
void sim_wilson95(uint64_t k, uint64_t n, double *lo, double *hi);

#endif
