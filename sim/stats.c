/*
 * stats.c - statistics of replicated runs: means, sample variances and
 * confidence intervals with Student's t.
 *
 * The t distribution function is computed from the regularized incomplete
 * beta function, P(|T| > t) = I_x(df/2, 1/2) with x = df / (df + t^2),
 * evaluated by its continued fraction (DLMF 8.17.22) with the modified
 * Lentz method, and ln Gamma by Lanczos' approximation (g = 7, 9 terms).
 * Quantiles invert the upper tail by bisection, so they are as accurate as
 * the tail (about 1e-12 relative up to 1e5 degrees of freedom), for any
 * degrees of freedom, not only tabulated ones.  Nothing here keeps state:
 * every function is safe to call from several threads (unlike lgamma(),
 * which writes signgam).
 */
#include <math.h>
#include <stddef.h>

#include "pilotsim.h"

#define SIM_PI 3.14159265358979323846

/* ln Gamma(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15). */
static double log_gamma(double x)
{
    static const double coef[9] = {
        0.99999999999980993, 676.5203681218851, -1259.1392167224028,
        771.32342877765313, -176.61502916214059, 12.507343278686905,
        -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7
    };
    double sum, t;
    int k;

    if (x < 0.5) /* reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x) */
        return log(SIM_PI / sin(SIM_PI * x)) - log_gamma(1.0 - x);
    x -= 1.0;
    sum = coef[0];
    for (k = 1; k < 9; k++)
        sum += coef[k] / (x + k);
    t = x + 7.5;
    return 0.5 * log(2.0 * SIM_PI) + (x + 0.5) * log(t) - t + log(sum);
}

/* Stirling's series of ln Gamma(x) - ((x - 1/2) ln x - x + ln(2 pi) / 2). */
static double stirling_correction(double x)
{
    double x2 = x * x;

    return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - 1.0 / (1680 * x2)) / x2) / x2) / x;
}

/* ln B(a, b) = ln Gamma(a) + ln Gamma(b) - ln Gamma(a + b).  When one
 * argument is large the two big terms nearly cancel, so their difference is
 * taken from Stirling's series directly (error below 2e-15 from 20 on). */
static double log_beta(double a, double b)
{
    double big = a > b ? a : b, small = a > b ? b : a;

    if (big < 20)
        return log_gamma(a) + log_gamma(b) - log_gamma(a + b);
    /* ln Gamma(big + small) - ln Gamma(big) */
    return log_gamma(small) -
           ((big - 0.5) * log1p(small / big) + small * log(big + small) - small +
            stirling_correction(big + small) - stirling_correction(big));
}

#define LENTZ_TINY 1e-300

/* One step of the modified Lentz method with partial numerator num: update
 * c and d, and return the factor the fraction's value is multiplied by. */
static double lentz_step(double num, double *c, double *d)
{
    *d = 1.0 + num * *d;
    *c = 1.0 + num / *c;
    if (fabs(*d) < LENTZ_TINY)
        *d = LENTZ_TINY;
    if (fabs(*c) < LENTZ_TINY)
        *c = LENTZ_TINY;
    *d = 1.0 / *d;
    return *d * *c;
}

/* The continued fraction of I_x(a, b) (converges fast for x < (a+1)/(a+b+2)). */
static double beta_fraction(double a, double b, double x)
{
    const double eps = 1e-16;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0), h;
    int m;

    if (fabs(d) < LENTZ_TINY)
        d = LENTZ_TINY;
    d = 1.0 / d;
    h = d;
    for (m = 1; m <= 100000; m++) {
        double m2 = 2.0 * m, delta;
        /* even step */
        h *= lentz_step(m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)), &c, &d);
        /* odd step */
        delta = lentz_step(-(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)), &c, &d);
        h *= delta;
        if (fabs(delta - 1.0) < eps)
            break;
    }
    return h;
}

/* I_x(a, b) with y = 1 - x and the logarithms of both given by the caller,
 * who can often compute them more accurately than log(x) (for large a and b
 * an error of 1e-16 in log(x) would be multiplied by a). */
static double incomplete_beta(double a, double b, double x, double y, double log_x,
                              double log_y)
{
    double front = exp(a * log_x + b * log_y - log_beta(a, b));

    if (x < (a + 1.0) / (a + b + 2.0))
        return front * beta_fraction(a, b, x) / a;
    return 1.0 - front * beta_fraction(b, a, y) / b;
}

double sim_incomplete_beta(double a, double b, double x)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1))
        return NAN;
    if (x == 0 || x == 1)
        return x;
    return incomplete_beta(a, b, x, 1.0 - x, log(x), log1p(-x));
}

/* P(T > t) for t >= 0, with full relative precision in the far tail:
 * P(|T| > t) = I_x(df/2, 1/2) with x = df / (df + t^2). */
static double t_upper_tail(double t, double df)
{
    double r = t * t / df; /* x = 1 / (1 + r), 1 - x = r / (1 + r) */

    if (t == 0)
        return 0.5;
    return 0.5 * incomplete_beta(df / 2.0, 0.5, 1.0 / (1.0 + r), r / (1.0 + r),
                                 -log1p(r), log(r) - log1p(r));
}

double sim_t_cdf(double t, double df)
{
    if (!(df > 0) || isnan(t))
        return NAN;
    if (t >= 0)
        return 1.0 - t_upper_tail(t, df);
    return t_upper_tail(-t, df);
}

sim_rc sim_t_quantile(double p, double df, double *out)
{
    double tail, lo = 0.0, hi = 1.0;
    int i;

    *out = 0;
    if (!(p > 0 && p < 1) || !(df > 0) || isinf(df))
        return SIM_EINVAL;
    if (p == 0.5)
        return SIM_OK;
    tail = p > 0.5 ? 1.0 - p : p;
    /* bracket: the tail falls from 1/2 at 0 to 0 at infinity */
    while (t_upper_tail(hi, df) > tail) {
        lo = hi;
        hi *= 2.0;
        if (hi > 1e300)
            return SIM_EINVAL;
    }
    for (i = 0; i < 2000 && hi - lo > 4e-16 * hi; i++) {
        double mid = lo + (hi - lo) / 2.0;
        if (mid <= lo || mid >= hi)
            break;
        if (t_upper_tail(mid, df) > tail)
            lo = mid;
        else
            hi = mid;
    }
    *out = p > 0.5 ? lo + (hi - lo) / 2.0 : -(lo + (hi - lo) / 2.0);
    return SIM_OK;
}

/* Mean and sample standard deviation, two passes in index order (the same
 * numbers in the same order always give the same bits). */
static void mean_sd(const double *x, const double *minus, size_t n, double *mean,
                    double *sd)
{
    double sum = 0, squares = 0;
    size_t i;

    for (i = 0; i < n; i++)
        sum += minus ? x[i] - minus[i] : x[i];
    *mean = sum / (double)n;
    for (i = 0; i < n; i++) {
        double dev = (minus ? x[i] - minus[i] : x[i]) - *mean;
        squares += dev * dev;
    }
    *sd = sqrt(squares / (double)(n - 1));
}

static sim_rc interval(const double *x, const double *minus, size_t n, double level,
                       sim_interval *out)
{
    double t;
    sim_rc rc;

    *out = (sim_interval){0};
    if (!x || n < 2 || !(level > 0 && level < 1))
        return SIM_EINVAL;
    rc = sim_t_quantile(1.0 - (1.0 - level) / 2.0, (double)(n - 1), &t);
    if (rc != SIM_OK)
        return rc;
    out->n = n;
    mean_sd(x, minus, n, &out->mean, &out->sd);
    out->half_width = t * out->sd / sqrt((double)n);
    out->low = out->mean - out->half_width;
    out->high = out->mean + out->half_width;
    return SIM_OK;
}

sim_rc sim_interval_mean(const double *x, size_t n, double level, sim_interval *out)
{
    return interval(x, NULL, n, level, out);
}

sim_rc sim_interval_paired(const double *base, const double *variant, size_t n,
                           double level, sim_interval *out)
{
    if (!base) {
        *out = (sim_interval){0};
        return SIM_EINVAL;
    }
    return interval(variant, base, n, level, out);
}

int sim_interval_significant(const sim_interval *iv)
{
    /* the interval excludes zero; a constant non-zero difference counts */
    return iv->n >= 2 && (iv->low > 0 || iv->high < 0);
}
