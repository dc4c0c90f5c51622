/*
 * test_fitstat.c - the statistics of `pilotdeck fit` against theory.
 *
 *  - Wilson intervals at published values and at the edges.
 *  - Each likelihood term (EXACT f, STOPPED q H, CENSORED S - q c H) against
 *    numerical integration of the density, for every continuous family.
 *  - Samples of n = 2,000 from known parameters (PCG32, fixed seeds): the
 *    fitted parameters lie within 4 standard errors and AIC picks the true
 *    family.
 *  - A window cut with many pilots still running, with and without the
 *    failure model: the full likelihood finds the mean within 3 %; treating
 *    the censored as complete, or dropping the censored or the stopped,
 *    misses by more.
 *  - The fit is a maximum; degenerate inputs give -1 or finite numbers; KS
 *    distances computed by hand.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dist.h"
#include "fitstat.h"
#include "pcg32.h"

#define RERUN "rerun: ctest -R '^test_fitstat$' --output-on-failure"
#define HOUR 3.6e6

static sim_dist dist_of(const char *text)
{
    sim_dist d;
    char why[256];

    if (sim_dist_parse(text, &d, why, sizeof why) != 0)
        fail_msg("%s", why);
    return d;
}

static void fit_or_fail(const struct sim_obs *obs, size_t n, double q,
                        struct sim_time_fit *fit, uint64_t seed)
{
    const char *why = NULL;

    if (sim_time_fit(obs, n, q, fit, &why) != 0)
        fail_msg("seed %llu: fit refused: %s; " RERUN, (unsigned long long)seed, why);
}

static void assert_finite_fit(const struct sim_time_fit *fit)
{
    int f;

    assert_false(isnan(fit->ks) || isnan(fit->mean));
    assert_true(isfinite(fit->mean) && fit->ks >= 0 && fit->ks <= 1);
    for (f = 0; f < SIM_NFAMILIES; f++) {
        const struct sim_family_fit *ff = &fit->fam[f];

        assert_false(isnan(ff->p[0]) || isnan(ff->p[1]) || isnan(ff->loglik) ||
                     isnan(ff->aic));
        assert_true(ff->usable ? ff->why == NULL : ff->why != NULL);
    }
    assert_true(fit->fam[fit->chosen].usable);
}

static void close_to(double got, double want, double rel, const char *what, uint64_t seed)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("seed %llu: %s is %.6g, want %.6g within %.2g %%; " RERUN,
                 (unsigned long long)seed, what, got, want, rel * 100);
}

/* ---- Wilson ------------------------------------------------------------- */

static void test_wilson(void **state)
{
    double lo, hi, lo2, hi2;

    (void)state;
    sim_wilson95(10, 100, &lo, &hi);
    assert_float_equal(lo, 0.0552, 5e-5);
    assert_float_equal(hi, 0.1744, 5e-5);
    sim_wilson95(0, 1, &lo, &hi);
    assert_true(lo == 0);
    assert_float_equal(hi, 0.7935, 5e-5);
    sim_wilson95(0, 50, &lo, &hi);
    assert_true(lo == 0 && hi > 0.05 && hi < 0.08); /* 0.0714 */
    sim_wilson95(50, 50, &lo, &hi);
    assert_true(hi == 1 && lo > 0.92 && lo < 0.95);
    sim_wilson95(0, 0, &lo, &hi);
    assert_true(lo == 0 && hi == 1);
    /* the interval of k is the mirror of that of n - k */
    sim_wilson95(37, 120, &lo, &hi);
    sim_wilson95(83, 120, &lo2, &hi2);
    assert_float_equal(lo, 1 - hi2, 1e-12);
    assert_float_equal(hi, 1 - lo2, 1e-12);
    assert_string_equal(sim_family_name(SIM_FAM_LOGNORMAL), "lognormal");
    assert_null(sim_family_name(SIM_NFAMILIES));
}

/* ---- the likelihood terms -------------------------------------------------- */

static double density(enum sim_family f, const double *p, double r)
{
    if (f == SIM_FAM_EXP)
        return exp(-r / p[0]) / p[0];
    if (f == SIM_FAM_UNIFORM)
        return r >= p[0] && r <= p[1] ? 1 / (p[1] - p[0]) : 0;
    {
        double s2 = log(1 + (p[1] / p[0]) * (p[1] / p[0])), mu = log(p[0]) - s2 / 2;
        double z = (log(r) - mu) / sqrt(s2);

        return exp(-z * z / 2) / (r * sqrt(2 * 3.14159265358979323846 * s2));
    }
}

/* int_x^inf f(r) (k r + m) / r dr by Simpson's rule in y = ln r, where the
 * integrand f(r) (k r + m) is smooth (uniform: from max(x, a) to b). */
static double tail_integral(enum sim_family f, const double *p, double x, double k, double m)
{
    double lo = log(f == SIM_FAM_UNIFORM ? fmax(x, p[0]) : x);
    double hi = f == SIM_FAM_UNIFORM ? log(p[1]) : log(x) + 14, sum = 0;
    int i, steps = 200000;

    for (i = 0; i <= steps; i++) {
        double r = exp(lo + (hi - lo) * i / steps);
        int w = i == 0 || i == steps ? 1 : i % 2 ? 4 : 2;

        if (f == SIM_FAM_UNIFORM) /* exp(ln a) may round below a */
            r = fmin(p[1], fmax(p[0], r));
        sum += w * density(f, p, r) * (k * r + m);
    }
    return sum * (hi - lo) / steps / 3;
}

/* The closed forms of H (E1, the normal tail, the logarithm) against
 * quadrature: EXACT ln f(t), STOPPED ln(q H(x)) with H(x) = int_x f(r) / r dr,
 * CENSORED ln(S(c) - q c H(c)) = ln int_c f(r) (1 - q c / r) dr. */
static void test_likelihood_terms(void **state)
{
    static const struct {
        enum sim_family f;
        double p[2];
    } cases[] = {{SIM_FAM_EXP, {3000, 0}},
                 {SIM_FAM_LOGNORMAL, {3000, 2000}},
                 {SIM_FAM_LOGNORMAL, {3000, 9000}},
                 {SIM_FAM_UNIFORM, {1000, 5000}}};
    static const double times[] = {300, 1500, 2500, 4000, 20000};
    static const double shares[] = {0.3, 1};
    size_t i, j, k;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (j = 0; j < sizeof times / sizeof times[0]; j++)
            for (k = 0; k < sizeof shares / sizeof shares[0]; k++) {
                enum sim_family f = cases[i].f;
                const double *p = cases[i].p;
                double x = times[j], q = shares[k], got, want;
                struct sim_obs one = {x, SIM_OBS_STOPPED};

                if (f == SIM_FAM_UNIFORM && x >= p[1])
                    continue; /* impossible there: -INFINITY, checked below */
                got = sim_time_loglik(&one, 1, q, f, p);
                want = log(q * tail_integral(f, p, x, 0, 1));
                if (!(fabs(got - want) < 1e-8))
                    fail_msg("%s(%g, %g) stopped at %g, q %g: loglik %.12g, quadrature %.12g",
                             sim_family_name(f), p[0], p[1], x, q, got, want);
                one.kind = SIM_OBS_CENSORED;
                got = sim_time_loglik(&one, 1, q, f, p);
                want = log(tail_integral(f, p, x, 1, -q * x));
                if (!(fabs(got - want) < 1e-8))
                    fail_msg("%s(%g, %g) censored at %g, q %g: loglik %.12g, quadrature %.12g",
                             sim_family_name(f), p[0], p[1], x, q, got, want);
                one.kind = SIM_OBS_EXACT;
                if (f != SIM_FAM_UNIFORM || x >= p[0])
                    assert_float_equal(sim_time_loglik(&one, 1, q, f, p),
                                       log(density(f, p, x)), 1e-12);
            }
    {
        /* beyond the support, or a stop without failures */
        const double p[2] = {1000, 5000};
        struct sim_obs one = {6000, SIM_OBS_CENSORED};

        assert_true(sim_time_loglik(&one, 1, 0, SIM_FAM_UNIFORM, p) == -INFINITY);
        one.kind = SIM_OBS_STOPPED;
        assert_true(sim_time_loglik(&one, 1, 0.5, SIM_FAM_UNIFORM, p) == -INFINITY);
        one.t = 10;
        assert_true(sim_time_loglik(&one, 1, 0, SIM_FAM_EXP, p) == -INFINITY);
    }
}

/* ---- recovery of known parameters ------------------------------------------ */

static void test_recovery(void **state)
{
    static const struct {
        const char *text;
        enum sim_family family;
    } cases[] = {{"fixed(5m)", SIM_FAM_FIXED},
                 {"exp(2h)", SIM_FAM_EXP},
                 {"lognormal(2h, 1h)", SIM_FAM_LOGNORMAL},
                 {"lognormal(1h, 2h)", SIM_FAM_LOGNORMAL},
                 {"lognormal(2h, 2h)", SIM_FAM_LOGNORMAL},
                 {"uniform(1h, 3h)", SIM_FAM_UNIFORM}};
    enum { N = 2000 };
    static struct sim_obs obs[N];
    size_t c, i;

    (void)state;
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        sim_dist d = dist_of(cases[c].text);
        uint64_t seed = 1000 + c;
        struct sim_time_fit fit;
        const double *p;
        pcg32_random_t rng;
        double tol_mean;

        pcg32_srandom(&rng, seed, 17);
        for (i = 0; i < N; i++) {
            obs[i].t = (double)sim_dist_sample(&d, &rng);
            obs[i].kind = SIM_OBS_EXACT;
        }
        fit_or_fail(obs, N, 0, &fit, seed);
        assert_finite_fit(&fit);
        if (fit.chosen != cases[c].family)
            fail_msg("seed %llu: %s: AIC chose %s; " RERUN, (unsigned long long)seed,
                     cases[c].text, sim_family_name(fit.chosen));
        p = fit.fam[cases[c].family].p;
        switch (cases[c].family) {
        case SIM_FAM_FIXED:
            assert_true(p[0] == d.p[0] && fit.mean == d.p[0] && fit.ks == 0);
            break;
        case SIM_FAM_EXP:
            /* the MLE is the sample mean: standard error mean / sqrt(n) */
            close_to(fit.mean, d.p[0], 4 / sqrt(N), cases[c].text, seed);
            break;
        case SIM_FAM_LOGNORMAL: {
            /* ln mean = mu + sigma^2 / 2: variance (s2 + s2^2 / 2) / n */
            double s2 = d.p[3] * d.p[3];

            tol_mean = 4 * sqrt((s2 + s2 * s2 / 2) / N);
            close_to(fit.mean, d.p[0], tol_mean, cases[c].text, seed);
            /* sd = mean sqrt(e^s2 - 1); its log varies at most twice as much */
            close_to(p[1], d.p[1], 2 * tol_mean + 4 * sqrt(2.0 / N), "lognormal sd", seed);
            break;
        }
        default:
            /* the extremes overshoot the ends by about (b - a) / n */
            close_to(p[0], d.p[0], 10.0 / N * (d.p[1] - d.p[0]) / d.p[0], "uniform a", seed);
            close_to(p[1], d.p[1], 10.0 / N * (d.p[1] - d.p[0]) / d.p[1], "uniform b", seed);
            break;
        }
        assert_true(fit.ks < 1.63 / sqrt(N)); /* KS 99 % critical value */
    }
}

/* ---- a window cut short ------------------------------------------------------- */

enum treatment { FULL, CENSORED_AS_EXACT, DROP_CENSORED, DROP_STOPPED, STOPPED_AS_CENSORED };

/*
 * n pilots start uniformly over [0, window) with run times from d; each is
 * done with probability success, else fails at a uniform point of its run
 * (the simulator's default model, nothing failing before start).  At the
 * window's end a pilot still running is CENSORED at its age.  how says what
 * a careless fit would do instead; the draws are the same for every how.
 */
static size_t window_sample(const sim_dist *d, double success, double window,
                            uint64_t seed, enum treatment how, struct sim_obs *obs, size_t n)
{
    pcg32_random_t rng;
    size_t i, m = 0;

    pcg32_srandom(&rng, seed, 29);
    for (i = 0; i < n; i++) {
        double age = floor(window * pcg32_double(&rng));
        double run = (double)sim_dist_sample(d, &rng);
        int done = pcg32_double(&rng) < success;
        double stop = floor(pcg32_double(&rng) * run + 0.5);
        struct sim_obs o = {done ? run : stop, done ? SIM_OBS_EXACT : SIM_OBS_STOPPED};

        if (o.t > age) {
            o.t = age;
            o.kind = SIM_OBS_CENSORED;
        }
        if ((how == DROP_CENSORED && o.kind == SIM_OBS_CENSORED) ||
            (how == DROP_STOPPED && o.kind == SIM_OBS_STOPPED))
            continue;
        if (how == CENSORED_AS_EXACT && o.kind == SIM_OBS_CENSORED)
            o.kind = SIM_OBS_EXACT;
        if (how == STOPPED_AS_CENSORED && o.kind == SIM_OBS_STOPPED)
            o.kind = SIM_OBS_CENSORED;
        obs[m++] = o;
    }
    return m;
}

/* The chosen family's mean, relative to the truth, for one treatment. */
static double window_error(const char *text, double success, enum treatment how,
                           uint64_t seed, struct sim_time_fit *fit)
{
    enum { N = 20000 };
    static struct sim_obs obs[N];
    sim_dist d = dist_of(text);
    size_t m = window_sample(&d, success, 12 * HOUR, seed, how, obs, N);

    /* a careless fit knows nothing of failures: plain right censoring */
    fit_or_fail(obs, m, how == FULL ? 1 - success : 0, fit, seed);
    assert_finite_fit(fit);
    printf("# %s s=%.1f how=%d: n %zu exact %zu cens %zu stopped %zu chosen %s err %+.4f\n",
           text, success, (int)how, m, fit->n_exact, fit->n_censored, fit->n_stopped,
           sim_family_name(fit->chosen), fit->mean / sim_dist_mean(&d) - 1);
    return fit->mean / sim_dist_mean(&d) - 1;
}

static void check_window(const char *text, enum sim_family family, double success,
                         const enum treatment *careless, size_t ncareless, uint64_t seed)
{
    struct sim_time_fit fit;
    double err = window_error(text, success, FULL, seed, &fit);
    size_t i;

    if (fit.chosen != family || !(fabs(err) < 0.03))
        fail_msg("seed %llu: %s, success %g: %s mean off by %+.2f %% (want %s within 3 %%); " RERUN,
                 (unsigned long long)seed, text, success, sim_family_name(fit.chosen),
                 err * 100, sim_family_name(family));
    /* a large share is still running at the end */
    assert_true(fit.n_censored > (fit.n_exact + fit.n_censored + fit.n_stopped) / 4);
    for (i = 0; i < ncareless; i++) {
        err = window_error(text, success, careless[i], seed, &fit);
        if (!(fabs(err) > 0.06))
            fail_msg("seed %llu: %s, success %g, treatment %d: off by only %+.2f %%; " RERUN,
                     (unsigned long long)seed, text, success, (int)careless[i], err * 100);
    }
}

/* Censoring alone (every pilot done): the censored likelihood finds the
 * mean; counting the censored as complete, or dropping them, does not. */
static void test_censoring(void **state)
{
    static const enum treatment careless[] = {CENSORED_AS_EXACT, DROP_CENSORED};

    (void)state;
    check_window("lognormal(6h, 4h)", SIM_FAM_LOGNORMAL, 1, careless, 2, 31);
    check_window("exp(6h)", SIM_FAM_EXP, 1, careless, 2, 32);
}

/* The failure model, success 0.3: the full likelihood finds the mean of the
 * run time; dropping the stopped pilots, or calling them censored, does not. */
static void test_failure_model(void **state)
{
    static const enum treatment careless[] = {DROP_STOPPED, STOPPED_AS_CENSORED};

    (void)state;
    check_window("lognormal(6h, 4h)", SIM_FAM_LOGNORMAL, 0.3, careless, 2, 41);
    check_window("exp(6h)", SIM_FAM_EXP, 0.3, careless, 2, 42);
    /* uniform's fit rests on the extremes, which the stops hardly move */
    check_window("uniform(2h, 10h)", SIM_FAM_UNIFORM, 0.3, careless, 0, 43);
}

/* ---- the fit is a maximum -------------------------------------------------------- */

/* On the failure-model data, each family's reported log-likelihood is its
 * value at the reported parameters, and no nearby parameters do better. */
static void test_maximum(void **state)
{
    enum { N = 3000 };
    static struct sim_obs obs[N];
    static const double steps[] = {-0.01, -0.001, 0.001, 0.01};
    sim_dist d = dist_of("lognormal(6h, 4h)");
    size_t m = window_sample(&d, 0.3, 12 * HOUR, 51, FULL, obs, N), i, j;
    struct sim_time_fit fit;
    int f;

    (void)state;
    fit_or_fail(obs, m, 0.7, &fit, 51);
    for (f = SIM_FAM_EXP; f < SIM_NFAMILIES; f++) {
        const struct sim_family_fit *ff = &fit.fam[f];

        assert_true(ff->usable);
        assert_float_equal(sim_time_loglik(obs, m, 0.7, (enum sim_family)f, ff->p),
                           ff->loglik, 1e-9 * fabs(ff->loglik));
        assert_float_equal(ff->aic, 2.0 * ff->k - 2 * ff->loglik, 1e-9);
        for (i = 0; i < (size_t)ff->k; i++)
            for (j = 0; j < sizeof steps / sizeof steps[0]; j++) {
                double p[2] = {ff->p[0], ff->p[1]};

                p[i] *= 1 + steps[j];
                if (sim_time_loglik(obs, m, 0.7, (enum sim_family)f, p) > ff->loglik)
                    fail_msg("%s: parameter %zu moved by %g does better", sim_family_name(f),
                             i, steps[j]);
            }
    }
}

/* ---- degenerate input -------------------------------------------------------------- */

static int refused(const struct sim_obs *obs, size_t n, double q, const char *reason)
{
    struct sim_time_fit fit;
    const char *why = NULL;
    static const struct sim_time_fit zero;

    memset(&fit, 0xff, sizeof fit);
    if (sim_time_fit(obs, n, q, &fit, &why) != -1 || !why || memcmp(&fit, &zero, sizeof fit) != 0)
        return 0;
    return strstr(why, reason) != NULL;
}

static void test_degenerate(void **state)
{
    struct sim_obs obs[8] = {{0, SIM_OBS_EXACT}};
    struct sim_time_fit fit;
    size_t i;

    (void)state;
    assert_true(refused(obs, 0, 0, "no observation"));
    obs[0] = (struct sim_obs){5000, SIM_OBS_CENSORED};
    obs[1] = (struct sim_obs){7000, SIM_OBS_STOPPED};
    assert_true(refused(obs, 2, 0.5, "no complete observation"));
    obs[2] = (struct sim_obs){6000, SIM_OBS_EXACT};
    assert_true(refused(obs, 3, 0, "fail share"));
    assert_true(refused(obs, 3, 1.5, "fail share"));
    assert_true(refused(obs, 3, NAN, "fail share"));
    obs[2].t = -1;
    assert_true(refused(obs, 3, 0.5, "negative"));
    obs[2].t = NAN;
    assert_true(refused(obs, 3, 0.5, "undefined"));

    /* all equal, with an earlier censoring: fixed, and its KS is 0 */
    for (i = 0; i < 7; i++)
        obs[i] = (struct sim_obs){60000, SIM_OBS_EXACT};
    obs[7] = (struct sim_obs){30000, SIM_OBS_CENSORED};
    fit_or_fail(obs, 8, 0, &fit, 0);
    assert_finite_fit(&fit);
    assert_int_equal(fit.chosen, SIM_FAM_FIXED);
    assert_true(fit.mean == 60000 && fit.ks == 0 && fit.fam[SIM_FAM_FIXED].loglik == INFINITY);
    assert_false(fit.fam[SIM_FAM_LOGNORMAL].usable || fit.fam[SIM_FAM_UNIFORM].usable);
    assert_true(fit.fam[SIM_FAM_EXP].usable);
    /* a censoring beyond the value rules fixed out */
    obs[7].t = 90000;
    fit_or_fail(obs, 8, 0, &fit, 0);
    assert_finite_fit(&fit);
    assert_true(!fit.fam[SIM_FAM_FIXED].usable && fit.fam[SIM_FAM_UNIFORM].usable);

    /* zeros: fixed(0); lognormal cannot; exp cannot either */
    for (i = 0; i < 3; i++)
        obs[i] = (struct sim_obs){0, SIM_OBS_EXACT};
    fit_or_fail(obs, 3, 0, &fit, 0);
    assert_finite_fit(&fit);
    assert_true(fit.chosen == SIM_FAM_FIXED && fit.mean == 0);
    assert_false(fit.fam[SIM_FAM_LOGNORMAL].usable || fit.fam[SIM_FAM_EXP].usable);
    assert_string_equal(fit.fam[SIM_FAM_LOGNORMAL].why, "a time of 0 ms");
    /* a zero among others: exp or uniform, never lognormal; a stop at 0 ms */
    obs[1].t = 4000;
    obs[2].t = 9000;
    obs[3] = (struct sim_obs){0, SIM_OBS_STOPPED};
    fit_or_fail(obs, 4, 0.5, &fit, 0);
    assert_finite_fit(&fit);
    assert_false(fit.fam[SIM_FAM_LOGNORMAL].usable);
    assert_true(fit.fam[SIM_FAM_EXP].usable && fit.fam[SIM_FAM_UNIFORM].usable);

    /* one observation: fixed; with a longer censoring beside it, finite */
    obs[0] = (struct sim_obs){5000, SIM_OBS_EXACT};
    fit_or_fail(obs, 1, 0, &fit, 0);
    assert_true(fit.chosen == SIM_FAM_FIXED && fit.mean == 5000);
    obs[1] = (struct sim_obs){9000, SIM_OBS_CENSORED};
    fit_or_fail(obs, 2, 0.3, &fit, 0);
    assert_finite_fit(&fit);
    assert_true(fit.chosen != SIM_FAM_FIXED);

    /* huge values (about 300 years) stay finite */
    for (i = 0; i < 6; i++)
        obs[i] = (struct sim_obs){1e13 * (double)(i + 1), i % 3 ? SIM_OBS_EXACT :
                                  i == 0 ? SIM_OBS_STOPPED : SIM_OBS_CENSORED};
    fit_or_fail(obs, 6, 0.5, &fit, 0);
    assert_finite_fit(&fit);
    assert_true(fit.mean > 1e13 && fit.mean < 1e15);
}

/* ---- Kolmogorov-Smirnov ------------------------------------------------------------ */

static double ks_of(const struct sim_obs *obs, size_t n, enum sim_family f, double p0, double p1)
{
    const double p[2] = {p0, p1};
    const char *why = NULL;
    double ks = -1;

    assert_int_equal(sim_time_ks(obs, n, f, p, &ks, &why), 0);
    return ks;
}

static void test_ks(void **state)
{
    struct sim_obs obs[5] = {{1000, SIM_OBS_EXACT}, {2000, SIM_OBS_EXACT},
                             {3000, SIM_OBS_EXACT}, {500, SIM_OBS_STOPPED},
                             {100, SIM_OBS_STOPPED}};
    struct sim_time_fit fit;
    const char *why = NULL;
    double ks;

    (void)state;
    /* steps 1/3, 2/3, 1 against exp(2000): worst just below 1000, F = 1 - e^-1/2 */
    assert_float_equal(ks_of(obs, 3, SIM_FAM_EXP, 2000, 0), 1 - exp(-0.5), 1e-12);
    /* the stopped ones do not enter Kaplan-Meier */
    assert_float_equal(ks_of(obs, 5, SIM_FAM_EXP, 2000, 0), 1 - exp(-0.5), 1e-12);
    /* uniform(1000, 3000): 1/3 at each end */
    assert_float_equal(ks_of(obs, 3, SIM_FAM_UNIFORM, 1000, 3000), 1.0 / 3, 1e-12);
    /* 2000 censored: KM 1/3 at 1000, 1 at 3000; exp(3000) is 1 - e^-1 at 3000 */
    obs[1].kind = SIM_OBS_CENSORED;
    assert_float_equal(ks_of(obs, 3, SIM_FAM_EXP, 3000, 0), exp(-1.0), 1e-12);
    /* the last time censored: KM 1/3 at 1000, 2/3 from 1500 on up to 12000,
     * where exp(3000) has risen to 1 - e^-4; no further */
    obs[1] = (struct sim_obs){1500, SIM_OBS_EXACT};
    obs[2] = (struct sim_obs){12000, SIM_OBS_CENSORED};
    assert_float_equal(ks_of(obs, 3, SIM_FAM_EXP, 3000, 0), 1 - exp(-4.0) - 2.0 / 3, 1e-12);
    /* fixed: {100, 100, 200} against a step at 100 (1/3 off) and at 150 (2/3) */
    obs[0] = (struct sim_obs){100, SIM_OBS_EXACT};
    obs[1] = (struct sim_obs){100, SIM_OBS_EXACT};
    obs[2] = (struct sim_obs){200, SIM_OBS_EXACT};
    assert_float_equal(ks_of(obs, 3, SIM_FAM_FIXED, 100, 0), 1.0 / 3, 1e-12);
    assert_float_equal(ks_of(obs, 3, SIM_FAM_FIXED, 150, 0), 2.0 / 3, 1e-12);
    assert_float_equal(ks_of(obs, 3, SIM_FAM_FIXED, 500, 0), 1, 1e-12);
    /* refusals */
    obs[0].kind = obs[1].kind = obs[2].kind = SIM_OBS_CENSORED;
    assert_int_equal(sim_time_ks(obs, 3, SIM_FAM_EXP, (double[2]){1000, 0}, &ks, &why), -1);
    assert_true(ks == 0 && why != NULL);
    assert_int_equal(sim_time_ks(obs, 3, SIM_FAM_EXP, (double[2]){-1, 0}, &ks, &why), -1);
    /* the fit reports the KS of its choice */
    obs[0] = (struct sim_obs){1000, SIM_OBS_EXACT};
    obs[1] = (struct sim_obs){2500, SIM_OBS_EXACT};
    obs[2] = (struct sim_obs){3000, SIM_OBS_EXACT};
    fit_or_fail(obs, 5, 0.5, &fit, 0);
    assert_float_equal(fit.ks, ks_of(obs, 5, fit.chosen, fit.fam[fit.chosen].p[0],
                                     fit.fam[fit.chosen].p[1]), 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wilson),
        cmocka_unit_test(test_likelihood_terms),
        cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_censoring),
        cmocka_unit_test(test_failure_model),
        cmocka_unit_test(test_maximum),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_ks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
