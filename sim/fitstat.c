/*
 * fitstat.c - maximum-likelihood fits of queue and run times, censored and
 * under the simulator's failure model, for `pilotdeck fit`.
 *
 * Each family has one function that returns the log-likelihood of the data
 * in a working parametrisation together with its gradient and Hessian in
 * closed form; one damped Newton method with box constraints maximises them
 * (uniform's lower end, where stops put kinks, by bisection instead).  The
 * complete observations of exp and lognormal enter through their
 * sufficient statistics, so a Newton step costs one pass over the censored
 * and stopped observations only.
 *
 * Why these likelihoods: a pilot's fate is drawn independently of its run
 * time R; a fail-fated pilot that starts stops at U R, U uniform on (0, 1).
 * With density f, survival S and H(x) = E[1/R; R > x] = int_x^inf f(r)/r dr:
 *  - a done pilot's run shows R = t exactly: f(t);
 *  - a pilot that stopped after x did so with density int_x^inf f(r)/r dr
 *    over the run times that allow it: q H(x).  Leaving these pilots out
 *    would bias the fit, since whether a pilot stops early depends on R;
 *  - a pilot still running at c is done-fated with R > c, or fail-fated with
 *    U R > c: (1 - q) S(c) + q int_c^inf f(r) (1 - c/r) dr = S(c) - q c H(c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fitstat.h"

#define LN_SQRT_2PI 0.91893853320467274178
#define EULER_GAMMA 0.57721566490153286061
#define WILSON_Z 1.959963984540054
#define STOPPED_FLOOR_MS 0.25   /* a stop rounded to 0 ms happened in [0, 0.5) */
#define LN_SIGMA_MIN (-13.8155) /* sigma >= 1e-6: at it the times are all equal */
#define LN_SIGMA_MAX 2.9957     /* sigma <= 20 keeps exp(sigma^2) finite */

const char *sim_family_name(enum sim_family f)
{
    static const char *const names[SIM_NFAMILIES] = {"fixed", "exp", "lognormal", "uniform"};

    return (unsigned)f < SIM_NFAMILIES ? names[f] : NULL;
}

void sim_wilson95(uint64_t k, uint64_t n, double *lo, double *hi)
{
    double z2 = WILSON_Z * WILSON_Z, dn, p, centre, half;

    *lo = 0;
    *hi = 1;
    if (n == 0 || k > n)
        return;
    dn = (double)n;
    p = (double)k / dn;
    centre = (p + z2 / (2 * dn)) / (1 + z2 / dn);
    half = WILSON_Z / (1 + z2 / dn) * sqrt(p * (1 - p) / dn + z2 / (4 * dn * dn));
    *lo = k == 0 ? 0 : fmax(0, centre - half);
    *hi = k == n ? 1 : fmin(1, centre + half);
}

/* ---- special functions ---------------------------------------------------- */

/* e^z E1(z) for z > 0: the power series up to 2.5 (DLMF 6.6.2; its
 * cancellation costs under 1e-14 there, and it needs fewer terms than the
 * continued fraction), the continued fraction above (DLMF 6.9.1, modified
 * Lentz); 1e-14 relative or better. */
static double e1_scaled(double z)
{
    if (z <= 2.5) {
        double sum = 0, term = 1;
        int k;

        for (k = 1; k < 80; k++) {
            term *= -z / k;
            sum += term / k;
            if (fabs(term / k) < 1e-17 * fabs(sum))
                break;
        }
        return exp(z) * (-EULER_GAMMA - log(z) - sum);
    } else {
        double b = z + 1, c = 1e300, d = 1 / b, h = d;
        int i;

        for (i = 1; i < 500; i++) {
            double an = -(double)i * i, del;

            b += 2;
            d = 1 / (an * d + b);
            c = b + an / c;
            del = c * d;
            h *= del;
            if (fabs(del - 1) < 1e-15)
                break;
        }
        return h;
    }
}

/* Mills' ratio Q(w) / phi(w) of the standard normal, for w >= -37 (where
 * phi does not underflow); the asymptotic series where erfc would. */
static double mills(double w)
{
    if (w < 35)
        return 0.5 * erfc(w / sqrt(2.0)) / exp(-0.5 * w * w - LN_SQRT_2PI);
    double r = 1 / (w * w), s = 1, term = 1;
    int k;

    for (k = 1; k <= 7; k++) {
        term *= -(2 * k - 1) * r;
        s += term;
    }
    return s / w;
}

/* ln Q(w), Q the upper tail of the standard normal, accurate in both tails. */
static double log_upper(double w)
{
    if (w < -1)
        return log1p(-0.5 * erfc(-w / sqrt(2.0)));
    if (w < 35)
        return log(0.5 * erfc(w / sqrt(2.0)));
    return -0.5 * w * w - LN_SQRT_2PI + log(mills(w));
}

/* ---- sorting ------------------------------------------------------------------ */

/* Sort non-negative times by their bit patterns, which order as the values
 * do: a least-significant-digit radix sort, byte by byte, skipping the bytes
 * all keys share (whole milliseconds leave the low ones 0).  Without
 * branches on the data it is several times faster than qsort() or a shell
 * sort on the thousand or so times of a CE.  tmp holds n keys. */
static void sort_keys(uint64_t *key, uint64_t *tmp, size_t n)
{
    size_t count[8][256], i;
    uint64_t *src = key, *dst = tmp;
    int byte;

    for (i = 1; i < n && key[i - 1] <= key[i]; i++)
        ;
    if (i >= n)
        return;
    memset(count, 0, sizeof count);
    for (i = 0; i < n; i++)
        for (byte = 0; byte < 8; byte++)
            count[byte][(key[i] >> (8 * byte)) & 0xff]++;
    for (byte = 0; byte < 8; byte++) {
        size_t pos = 0, digit, *c = count[byte];
        uint64_t *swap;

        if (c[(src[0] >> (8 * byte)) & 0xff] == n)
            continue;
        for (digit = 0; digit < 256; digit++) {
            size_t here = c[digit];

            c[digit] = pos;
            pos += here;
        }
        for (i = 0; i < n; i++)
            dst[c[(src[i] >> (8 * byte)) & 0xff]++] = src[i];
        swap = src, src = dst, dst = swap;
    }
    if (src != key)
        memcpy(key, src, n * sizeof *key);
}

/* Sort n non-negative times in place; scratch holds 2 n keys.  The bits
 * of a non-negative double order as its value (-0 is made +0 first). */
static void sort_times(double *t, size_t n, uint64_t *scratch)
{
    size_t i;

    for (i = 0; i < n; i++) {
        double v = t[i] + 0.0;

        memcpy(&scratch[i], &v, sizeof v);
    }
    sort_keys(scratch, scratch + n, n);
    for (i = 0; i < n; i++)
        memcpy(&t[i], &scratch[i], sizeof t[i]);
}

/* ---- the data ---------------------------------------------------------------- */

/* A CENSORED (above 0) or STOPPED observation, which every pass visits:
 * its time (a stop at least STOPPED_FLOOR_MS) and the logarithm of it. */
struct partial {
    double t, log_t;
    int stopped;
};

struct fit_data {
    struct partial *part; /* the censored and stopped ones by time, owned */
    size_t n, npart, ne, nc, ns;
    double q, log_q;
    double sum_exact, sum_cens, sum_stop;
    double min_exact, max_exact, max_cens, max_stop;
    int exact_zero;
    double ylog_mean, ylog_ss; /* of ln t over EXACT, when no zero */
};

static double stopped_time(double x)
{
    return x < 0.5 ? STOPPED_FLOOR_MS : x;
}

/* Sums and extremes, and the partial observations in order of time (which
 * uniform's search for its lower end walks); 0, or -1 when out of memory.
 * Free d->part. */
static int summarise(const struct sim_obs *obs, size_t n, double q, struct fit_data *d)
{
    double *cens, *stop;
    uint64_t *scratch;
    size_t i, j, k;

    memset(d, 0, sizeof *d);
    d->part = malloc((n ? n : 1) * sizeof *d->part);
    cens = malloc((n ? n : 1) * sizeof *cens);
    scratch = malloc((n ? 2 * n : 1) * sizeof *scratch);
    if (!d->part || !cens || !scratch) {
        free(d->part);
        free(cens);
        free(scratch);
        d->part = NULL;
        return -1;
    }
    stop = cens + n; /* stops fill the array from the back */
    d->n = n;
    d->q = q;
    d->log_q = q > 0 ? log(q) : 0;
    d->min_exact = INFINITY;
    for (i = 0; i < n; i++) {
        double t = obs[i].t;

        if (obs[i].kind == SIM_OBS_EXACT) {
            d->ne++;
            d->sum_exact += t;
            d->min_exact = fmin(d->min_exact, t);
            d->max_exact = fmax(d->max_exact, t);
            if (t <= 0)
                d->exact_zero = 1;
            else
                d->ylog_mean += log(t);
        } else if (obs[i].kind == SIM_OBS_CENSORED) {
            d->nc++;
            d->sum_cens += t;
            d->max_cens = fmax(d->max_cens, t);
            if (t > 0) /* a censoring at 0 says nothing */
                cens[d->npart++] = t;
        } else {
            t = stopped_time(t);
            d->ns++;
            d->sum_stop += t;
            d->max_stop = fmax(d->max_stop, t);
            *--stop = t;
        }
    }
    sort_times(cens, d->npart, scratch);
    sort_times(stop, d->ns, scratch);
    for (i = j = k = 0; j < d->npart || k < d->ns; i++) {
        int stopped = j == d->npart || (k < d->ns && stop[k] < cens[j]);
        double t = stopped ? stop[k++] : cens[j++];

        d->part[i] = (struct partial){t, log(t), stopped};
    }
    d->npart += d->ns;
    free(cens);
    free(scratch);
    if (d->ne == 0 || d->exact_zero)
        return 0;
    d->ylog_mean /= (double)d->ne;
    for (i = 0; i < n; i++)
        if (obs[i].kind == SIM_OBS_EXACT) {
            double dy = log(obs[i].t) - d->ylog_mean;

            d->ylog_ss += dy * dy;
        }
    return 0;
}

/* A family's log-likelihood at th, with its gradient g and Hessian
 * h = {h00, h01, h11} in the same coordinates; -INFINITY outside. */
typedef double (*loglik_fn)(const struct fit_data *d, const double *th, double *g, double *h);

/* ---- exp: th = {ln lambda}, lambda = 1 / mean --------------------------------- */

static double exp_loglik(const struct fit_data *d, const double *th, double *g, double *h)
{
    double lambda = exp(th[0]), q = d->q;
    double ll, total = d->sum_exact + (q > 0 ? 0 : d->sum_cens);
    size_t i;

    /* exact: ln lambda - lambda t; censored with q = 0: -lambda c */
    ll = (double)d->ne * th[0] - lambda * total;
    g[0] = (double)d->ne - lambda * total;
    h[0] = -lambda * total;
    h[1] = h[2] = 0;
    for (i = 0; i < d->npart; i++) {
        const struct partial *o = &d->part[i];

        if (o->stopped) {
            /* H(x) = lambda E1(z), z = lambda x; r = e^-z / E1(z) */
            double z = lambda * o->t, e = e1_scaled(z), r = 1 / e;

            ll += d->log_q + th[0] - z + log(e);
            g[0] += 1 - r;
            h[0] += z * r - r * r;
        } else if (q > 0) {
            /* G(z) = e^-z - q z E1(z) = e^-z u; derivatives in z, then z d/dz */
            double z = lambda * o->t, e = e1_scaled(z), u = 1 - q * z * e;
            double d1, d2;

            if (!(u > 0))
                return -INFINITY;
            d1 = -((1 - q) + q * e) / u;   /* G'/G */
            d2 = ((1 - q) + q / z) / u;    /* G''/G */
            ll += -z + log(u);
            g[0] += z * d1;
            h[0] += z * d1 + z * z * (d2 - d1 * d1);
        }
    }
    return ll;
}

/* ---- lognormal: th = {mu, ln sigma} of ln R ----------------------------------- */

static double lognormal_loglik(const struct fit_data *d, const double *th, double *g, double *h)
{
    double mu = th[0], s = exp(th[1]), s2 = s * s, q = d->q, ne = (double)d->ne;
    double dm = d->ylog_mean - mu, dev = d->ylog_ss + ne * dm * dm;
    double ll, gs, hss, hms;
    size_t i;

    /* exact: -ln sigma - ln t - (ln t - mu)^2 / (2 sigma^2) - ln sqrt(2 pi) */
    ll = -ne * (th[1] + LN_SQRT_2PI + d->ylog_mean) - dev / (2 * s2);
    g[0] = ne * dm / s2;
    gs = -ne / s + dev / (s2 * s);
    h[0] = -ne / s2;
    hms = -2 * ne * dm / (s2 * s);
    hss = ne / s2 - 3 * dev / (s2 * s2);
    for (i = 0; i < d->npart; i++) {
        const struct partial *o = &d->part[i];
        double w = (o->log_t - mu) / s, v;

        if (o->stopped) {
            /* H(x) = exp(-mu + sigma^2/2) Q(v), v = w + sigma; hz = phi(v)/Q(v) */
            double lq, hz, hh, k;

            v = w + s;
            lq = log_upper(v);
            hz = exp(-0.5 * v * v - LN_SQRT_2PI - lq);
            hh = hz * (hz - v);
            k = 1 - w / s;
            ll += d->log_q - mu + s2 / 2 + lq;
            g[0] += -1 + hz / s;
            gs += s - hz * k;
            h[0] += -hh / s2;
            hms += hh * k / s - hz / s2;
            hss += 1 - hh * k * k - 2 * hz * w / s2;
        } else {
            /* G = Q(w) - q e^(sigma w + sigma^2/2) Q(w + sigma), divided by
             * phi(w): a - q b with a, b Mills' ratios; below w = -30 the
             * term is 1 to within 1e-190 and is left out. */
            double a, b = 0, dd, gm, gsd, gmm, gms, gss;

            if (w < -30)
                continue;
            a = mills(w);
            if (q > 0)
                b = mills(w + s);
            dd = a - q * b;
            if (!(dd > 0))
                return -INFINITY;
            gm = ((1 - q) / s + q * b) / dd;
            gsd = ((1 - q) * w / s + q - q * s * b) / dd;
            gmm = ((1 - q) * w / s2 - q * b + q / s) / dd;
            gms = ((1 - q) * (w * w - 1) / s2 + q * s * b - q * (1 - w / s)) / dd;
            gss = ((1 - q) * w * (w * w - 2) / s2 + q * w * w / s -
                   q * (1 + s2) * b + q * (s - w)) / dd;
            ll += -0.5 * w * w - LN_SQRT_2PI + log(dd);
            g[0] += gm;
            gs += gsd;
            h[0] += gmm - gm * gm;
            hms += gms - gm * gsd;
            hss += gss - gsd * gsd;
        }
    }
    /* to ln sigma: d/dt = s d/ds, d2/dt2 = s^2 d2/ds2 + s d/ds */
    g[1] = s * gs;
    h[1] = s * hms;
    h[2] = s2 * hss + s * gs;
    return ll;
}

/* ---- uniform: th = {a, b} ----------------------------------------------------- */

static double uniform_loglik(const struct fit_data *d, const double *th, double *g, double *h)
{
    double a = th[0], b = th[1], len = b - a, q = d->q, ll = 0, per = (double)d->ne;
    double log_a = log(a), log_b = log(b);
    size_t i;

    memset(g, 0, 2 * sizeof *g);
    memset(h, 0, 3 * sizeof *h);
    if (!(len > 0) || a < 0 || a > d->min_exact || b < d->max_exact)
        return -INFINITY;
    for (i = 0; i < d->npart; i++) {
        const struct partial *o = &d->part[i];

        if (o->stopped) {
            /* H(x) = ln(b / max(a, x)) / (b - a); lam = ln(b / m) */
            double x = o->t, lam;

            if (x >= b)
                return -INFINITY;
            lam = log_b - (x < a ? log_a : o->log_t);
            if (!(lam > 0))
                return -INFINITY;
            per++;
            ll += d->log_q + log(lam);
            g[1] += 1 / (b * lam);
            h[2] += -1 / (b * b * lam) - 1 / (b * b * lam * lam);
            if (x < a) {
                g[0] += -1 / (a * lam);
                h[0] += 1 / (a * a * lam) - 1 / (a * a * lam * lam);
                h[1] += 1 / (a * b * lam * lam);
            }
        } else {
            /* S(c) - q c H(c) = N / (b - a), N = b - m - q c ln(b / m) */
            double c = o->t, nn, na = 0, nb, naa = 0, nbb;

            if (c >= b)
                return -INFINITY;
            nn = c < a ? len - q * c * (log_b - log_a) : b - c - q * c * (log_b - o->log_t);
            if (!(nn > 0))
                return -INFINITY;
            per++;
            nb = 1 - q * c / b;
            nbb = q * c / (b * b);
            if (c < a) {
                na = -1 + q * c / a;
                naa = -q * c / (a * a);
            }
            ll += log(nn);
            g[0] += na / nn;
            g[1] += nb / nn;
            h[0] += naa / nn - na * na / (nn * nn);
            h[1] += -na * nb / (nn * nn);
            h[2] += nbb / nn - nb * nb / (nn * nn);
        }
    }
    /* every term but a zero censoring divides by b - a */
    ll -= per * log(len);
    g[0] += per / len;
    g[1] -= per / len;
    h[0] += per / (len * len);
    h[1] -= per / (len * len);
    h[2] += per / (len * len);
    return ll;
}

/* ---- the maximiser ------------------------------------------------------------ */

/*
 * Damped Newton ascent from th within [lo, hi] (dim 1 or 2).  A coordinate
 * with lo = hi, or at a bound whose gradient points out of the box, is held; when the
 * Hessian of the free coordinates is not negative definite it is shifted
 * (Levenberg-Marquardt, scaled by its diagonal); each step is halved until
 * the log-likelihood rises.  Stops when the predicted or the achieved rise
 * is below 1e-10.
 * Returns the maximum, th holding its point.
 */
static double maximise(const struct fit_data *d, loglik_fn fn, int dim, double *th,
                       const double *lo, const double *hi)
{
    double g[2] = {0, 0}, h[3] = {0, 0, 0};
    double ll = fn(d, th, g, h);
    int iter, i;

    for (iter = 0; iter < 200 && isfinite(ll); iter++) {
        double a00, a01, a11, mu, step[2] = {0, 0}, t, rise;
        int fr[2] = {0, 0}, accepted = 0;

        for (i = 0; i < dim; i++)
            fr[i] = lo[i] < hi[i] &&
                    !((th[i] <= lo[i] && g[i] < 0) || (th[i] >= hi[i] && g[i] > 0));
        for (mu = 0;; mu = mu == 0 ? 1e-4 : mu * 10) {
            double d0 = fmax(fabs(h[0]), 1e-300), d1 = fmax(fabs(h[2]), 1e-300), det;

            a00 = fr[0] ? -h[0] + mu * d0 : 1;
            a11 = dim == 2 && fr[1] ? -h[2] + mu * d1 : 1;
            a01 = dim == 2 && fr[0] && fr[1] ? -h[1] : 0;
            det = a00 * a11 - a01 * a01;
            if ((a00 > 0 && a11 > 0 && det > 0) || mu > 1e12)
                break;
        }
        if (!(a00 > 0 && a11 > 0 && a00 * a11 - a01 * a01 > 0))
            break; /* a Hessian no shift mends: leave th where it is */
        {
            double g0 = fr[0] ? g[0] : 0, g1 = dim == 2 && fr[1] ? g[1] : 0;
            double det = a00 * a11 - a01 * a01;

            step[0] = (a11 * g0 - a01 * g1) / det;
            step[1] = (a00 * g1 - a01 * g0) / det;
            rise = step[0] * g0 + step[1] * g1;
        }
        if (!(rise > 1e-10) && mu == 0)
            break;
        for (t = 1; t > 1e-15; t /= 2) {
            double trial[2] = {0, 0}, tg[2] = {0, 0}, thh[3] = {0, 0, 0}, tll;

            for (i = 0; i < dim; i++)
                trial[i] = fmin(hi[i], fmax(lo[i], th[i] + t * step[i]));
            tll = fn(d, trial, tg, thh);
            if (tll > ll || (tll == ll && t == 1)) {
                memcpy(th, trial, (size_t)dim * sizeof *th);
                memcpy(g, tg, sizeof g);
                memcpy(h, thh, sizeof h);
                accepted = tll > ll + 1e-10; /* else we are there */
                ll = tll;
                break;
            }
        }
        if (!accepted)
            break;
    }
    return ll;
}

/* ---- fitting each family ------------------------------------------------------- */

static void set_unusable(struct sim_family_fit *ff, const char *why)
{
    ff->usable = 0;
    ff->why = why;
    ff->loglik = -INFINITY;
    ff->aic = INFINITY;
}

static void set_loglik(struct sim_family_fit *ff, double ll)
{
    if (!isfinite(ll)) {
        set_unusable(ff, "the data lie outside the family's support");
        return;
    }
    ff->usable = 1;
    ff->loglik = ll;
    ff->aic = 2.0 * ff->k - 2 * ll;
}

/* Why fixed(v) cannot produce the data, or NULL: a complete time further
 * than 0.5 ms from v, or a censored or stopped one at v or beyond. */
static const char *fixed_unusable(const struct fit_data *d, double v)
{
    if (fabs(d->min_exact - v) > 0.5 || fabs(d->max_exact - v) > 0.5)
        return "the complete times differ";
    if ((d->nc > 0 && d->max_cens >= v) || (d->ns > 0 && d->max_stop >= v))
        return "a censored or stopped time reaches the fixed value";
    return NULL;
}

static void fit_fixed(const struct fit_data *d, struct sim_family_fit *ff)
{
    const char *why = d->max_exact - d->min_exact > 0.5 ? "the complete times differ" : NULL;

    ff->k = 1;
    ff->p[0] = (d->min_exact + d->max_exact) / 2;
    if (why || (why = fixed_unusable(d, ff->p[0])) != NULL) {
        set_unusable(ff, why);
        return;
    }
    ff->usable = 1;
    ff->loglik = INFINITY;
    ff->aic = -INFINITY;
}

static void fit_exp(const struct fit_data *d, struct sim_family_fit *ff)
{
    double total = d->sum_exact + d->sum_cens, th, lo = log(1e-20), hi = log(1e6), ll;

    ff->k = 1;
    if (total + d->sum_stop <= 0) {
        set_unusable(ff, "every time is 0 ms");
        return;
    }
    if (d->ns == 0 && (d->q == 0 || d->nc == 0)) {
        /* plain right censoring: total time over the number of completions */
        double g, h[3];

        th = log((double)d->ne / total);
        ll = exp_loglik(d, &th, &g, h);
    } else {
        /* a stop at x suggests a run of about 2x */
        th = log((double)(d->ne + d->ns) / (total + 2 * d->sum_stop));
        ll = maximise(d, exp_loglik, 1, &th, &lo, &hi);
    }
    ff->p[0] = exp(-th);
    set_loglik(ff, ll);
}

static void fit_lognormal(const struct fit_data *d, struct sim_family_fit *ff)
{
    double th[2], lo[2] = {-50, LN_SIGMA_MIN}, hi[2] = {100, LN_SIGMA_MAX}, s, ll;

    ff->k = 2;
    if (d->exact_zero) {
        set_unusable(ff, "a time of 0 ms");
        return;
    }
    th[0] = d->ylog_mean;
    s = d->ne > 1 ? sqrt(d->ylog_ss / (double)d->ne) : 0;
    th[1] = log(s > 0.05 ? s : 0.5);
    ll = maximise(d, lognormal_loglik, 2, th, lo, hi);
    if (th[1] <= LN_SIGMA_MIN) {
        set_unusable(ff, "the complete times are all equal");
        return;
    }
    s = exp(th[1]);
    ff->p[0] = exp(th[0] + s * s / 2);
    ff->p[1] = ff->p[0] * sqrt(expm1(s * s));
    set_loglik(ff, ll);
}

/* d/da of uniform's log-likelihood, in one walk over the partial times
 * below a: above a only the common 1 / (b - a) depends on a. */
static double uniform_slope_a(const struct fit_data *d, double a, double b)
{
    double len = b - a, lam = log(b / a), g = (double)(d->ne + d->npart) / len;
    size_t i;

    for (i = 0; i < d->npart && d->part[i].t < a; i++) {
        double c = d->part[i].t;

        g += d->part[i].stopped ? -1 / (a * lam)
                                : (-1 + d->q * c / a) / (len - d->q * c * lam);
    }
    return g;
}

/*
 * Each stop below a adds a kink in a (H(x) switches from ln(b/a) to
 * ln(b/x)), and between kinks the log-likelihood may be convex in a, where
 * Newton's method crawls.  So a and b are maximised in turn: b by Newton
 * with a held, a by bisection on the sign of its slope (positive at 0,
 * where nothing lies below a), to 1e-3 ms; a = the least complete time
 * whenever the slope there is not negative, as without stops.
 */
static void fit_uniform(const struct fit_data *d, struct sim_family_fit *ff)
{
    double blo = fmax(d->max_exact, fmax(d->max_cens, d->max_stop)), top = d->min_exact;
    double th[2], ll = -INFINITY, g[2], h[3];
    int round;

    ff->k = 2;
    if (!(blo > top)) {
        set_unusable(ff, "the complete times are all equal");
        return;
    }
    th[0] = top;
    th[1] = blo + (blo - top) / (double)(d->n + 1);
    for (round = 0; round < 50; round++) {
        double lo[2] = {th[0], blo}, hi[2] = {th[0], INFINITY}, prev = ll;
        double left = 0, right = top, trial[2];

        ll = maximise(d, uniform_loglik, 2, th, lo, hi);
        if (uniform_slope_a(d, top, th[1]) >= 0) {
            left = right = top;
        } else {
            while (right - left > fmax(1e-3, 1e-12 * top)) {
                double mid = (left + right) / 2;

                if (uniform_slope_a(d, mid, th[1]) > 0)
                    left = mid;
                else
                    right = mid;
            }
        }
        trial[0] = right;
        trial[1] = th[1];
        if (uniform_loglik(d, trial, g, h) > ll) {
            th[0] = trial[0];
            ll = uniform_loglik(d, th, g, h);
        }
        if (!(ll > prev + 1e-9))
            break;
    }
    ff->p[0] = th[0];
    ff->p[1] = th[1];
    set_loglik(ff, ll);
}

/* ---- Kolmogorov-Smirnov against Kaplan-Meier ----------------------------------- */

static double family_cdf(enum sim_family f, const double *p, double t, int left)
{
    switch (f) {
    case SIM_FAM_FIXED:
        return left ? (t > p[0]) : (t >= p[0]);
    case SIM_FAM_EXP:
        return t <= 0 ? 0 : -expm1(-t / p[0]);
    case SIM_FAM_LOGNORMAL: {
        double s2 = log1p((p[1] / p[0]) * (p[1] / p[0])), mu = log(p[0]) - s2 / 2;

        return t <= 0 ? 0 : 0.5 * erfc(-(log(t) - mu) / sqrt(2 * s2));
    }
    default:
        return t <= p[0] ? 0 : t >= p[1] ? 1 : (t - p[0]) / (p[1] - p[0]);
    }
}

static int valid_params(enum sim_family f, const double *p)
{
    if ((unsigned)f >= SIM_NFAMILIES || !isfinite(p[0]))
        return 0;
    if (f == SIM_FAM_EXP || f == SIM_FAM_LOGNORMAL)
        return p[0] > 0 && (f == SIM_FAM_EXP || (isfinite(p[1]) && p[1] > 0));
    if (f == SIM_FAM_UNIFORM)
        return isfinite(p[1]) && p[0] >= 0 && p[1] > p[0];
    return p[0] >= 0;
}

int sim_time_ks(const struct sim_obs *obs, size_t n, enum sim_family f,
                const double p[2], double *ks, const char **why)
{
    double *exact, *cens, surv = 1, dist = 0, jump = f == SIM_FAM_FIXED ? p[0] : INFINITY;
    double last;
    uint64_t *scratch;
    size_t ne = 0, nc = 0, i = 0, j = 0, at_risk;

    *ks = 0;
    if (!valid_params(f, p)) {
        *why = "invalid parameters";
        return -1;
    }
    exact = malloc((n ? n : 1) * sizeof *exact);
    scratch = malloc((n ? 2 * n : 1) * sizeof *scratch);
    if (!exact || !scratch) {
        free(exact);
        free(scratch);
        *why = "out of memory";
        return -1;
    }
    /* complete times from the front, censored ones from the back */
    for (cens = exact + n; i < n; i++)
        if (obs[i].kind == SIM_OBS_EXACT)
            exact[ne++] = obs[i].t;
        else if (obs[i].kind == SIM_OBS_CENSORED)
            *--cens = obs[i].t, nc++;
    if (ne == 0) {
        free(exact);
        free(scratch);
        *why = "no complete observation";
        return -1;
    }
    sort_times(exact, ne, scratch);
    sort_times(cens, nc, scratch);
    free(scratch);
    last = nc > 0 ? fmax(exact[ne - 1], cens[nc - 1]) : exact[ne - 1];
    /* The fitted CDF rises between the steps of the estimate, so the sup is
     * at the steps (both sides), at a fixed value's jump, and at the end.
     * A censoring at an event's time is still at risk there. */
    for (i = 0, at_risk = ne + nc; i < ne;) {
        double t = exact[i], before = 1 - surv;
        size_t events = 0;

        for (; j < nc && cens[j] < t; j++)
            at_risk--;
        if (jump < t) {
            dist = fmax(dist, fmax(before, 1 - before));
            jump = INFINITY;
        }
        for (; i < ne && exact[i] == t; i++)
            events++;
        surv *= 1 - (double)events / (double)at_risk;
        at_risk -= events;
        dist = fmax(dist, fabs(family_cdf(f, p, t, 1) - before));
        dist = fmax(dist, fabs(family_cdf(f, p, t, 0) - (1 - surv)));
        if (jump == t)
            jump = INFINITY;
    }
    if (jump <= last)
        dist = fmax(dist, fmax(1 - surv, surv));
    dist = fmax(dist, fabs(family_cdf(f, p, last, 0) - (1 - surv)));
    free(exact);
    *ks = dist;
    return 0;
}

/* ---- the public fit ------------------------------------------------------------ */

/* The log-likelihood of family f at p (dist.h convention) on prepared data. */
static double family_loglik(const struct fit_data *d, enum sim_family f, const double *p)
{
    double th[2], g[2], h[3];

    if (d->ns > 0 && d->q == 0)
        return -INFINITY;
    switch (f) {
    case SIM_FAM_FIXED:
        return d->ne > 0 && !fixed_unusable(d, p[0]) ? INFINITY : -INFINITY;
    case SIM_FAM_EXP:
        th[0] = -log(p[0]);
        return exp_loglik(d, th, g, h);
    case SIM_FAM_LOGNORMAL: {
        double s2 = log1p((p[1] / p[0]) * (p[1] / p[0]));

        if (d->exact_zero)
            return -INFINITY;
        th[0] = log(p[0]) - s2 / 2;
        th[1] = 0.5 * log(s2);
        return lognormal_loglik(d, th, g, h);
    }
    default:
        return uniform_loglik(d, p, g, h);
    }
}

double sim_time_loglik(const struct sim_obs *obs, size_t n, double fail_share,
                       enum sim_family f, const double p[2])
{
    struct fit_data d;
    double ll;

    if (!valid_params(f, p) || !(fail_share >= 0 && fail_share <= 1))
        return -INFINITY;
    if (summarise(obs, n, fail_share, &d) != 0)
        return NAN;
    ll = family_loglik(&d, f, p);
    free(d.part);
    return ll;
}

int sim_time_fit(const struct sim_obs *obs, size_t n, double fail_share,
                 struct sim_time_fit *out, const char **why)
{
    struct fit_data d = {0};
    size_t i;
    int f, best = -1, rc = -1;

    memset(out, 0, sizeof *out);
    *why = NULL;
    if (n == 0) {
        *why = "no observation";
        goto out;
    }
    if (!(fail_share >= 0 && fail_share <= 1)) {
        *why = "the fail share is not between 0 and 1";
        goto out;
    }
    for (i = 0; i < n; i++)
        if (!(obs[i].t >= 0 && obs[i].t < INFINITY) || (unsigned)obs[i].kind > SIM_OBS_STOPPED) {
            *why = "a negative, infinite or undefined time";
            goto out;
        }
    if (summarise(obs, n, fail_share, &d) != 0) {
        *why = "out of memory";
        goto out;
    }
    if (d.ne == 0) {
        *why = "no complete observation";
        goto out;
    }
    if (d.ns > 0 && fail_share == 0) {
        *why = "stopped observations need a fail share above 0";
        goto out;
    }
    out->n_exact = d.ne;
    out->n_censored = d.nc;
    out->n_stopped = d.ns;
    fit_fixed(&d, &out->fam[SIM_FAM_FIXED]);
    fit_exp(&d, &out->fam[SIM_FAM_EXP]);
    fit_lognormal(&d, &out->fam[SIM_FAM_LOGNORMAL]);
    fit_uniform(&d, &out->fam[SIM_FAM_UNIFORM]);
    for (f = 0; f < SIM_NFAMILIES; f++)
        if (out->fam[f].usable && (best < 0 || out->fam[f].aic < out->fam[best].aic))
            best = f;
    if (best < 0) {
        *why = "no family can produce the data";
        goto out;
    }
    out->chosen = (enum sim_family)best;
    out->mean = best == SIM_FAM_UNIFORM ? (out->fam[best].p[0] + out->fam[best].p[1]) / 2
                                        : out->fam[best].p[0];
    rc = sim_time_ks(obs, n, out->chosen, out->fam[best].p, &out->ks, why);
out:
    free(d.part);
    if (rc != 0)
        memset(out, 0, sizeof *out);
    return rc;
}
