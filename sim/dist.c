/*
 * dist.c - locale-independent numbers and durations, and the distributions
 * of queue and run times.
 *
 * Sampling uses only +, -, *, /, log, exp, sqrt and cos on doubles, with no
 * fused or reassociated arithmetic (the build never uses -ffast-math), so a
 * seed gives the same values in Debug and Release builds.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dist.h"
#include "pilotsim.h"

#define PI_DOUBLE 3.14159265358979323846
#define DURATION_MAX_MS 3.2e13 /* about 1000 years: far beyond any scenario */

/* Accumulate digits into an integer mantissa and count the fraction digits;
 * dividing two exactly representable doubles once gives the correctly
 * rounded value, which is what strtod() would return in the C locale. */
int sim_parse_decimal(const char *text, const char **end, double *out)
{
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
                                   1e15, 1e16, 1e17, 1e18};
    const char *p = text;
    uint64_t mantissa = 0;
    int digits = 0, frac = 0, negative = 0, significant = 0;

    *out = 0;
    if (*p == '-' || *p == '+')
        negative = *p++ == '-';
    while (*p >= '0' && *p <= '9') {
        if (significant || *p != '0')
            significant++;
        mantissa = mantissa * 10 + (uint64_t)(*p++ - '0');
        digits++;
        if (significant > 15)
            return -1;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (significant || *p != '0')
                significant++;
            if (significant > 15 || frac >= 18)
                return -1;
            mantissa = mantissa * 10 + (uint64_t)(*p++ - '0');
            frac++;
            digits++;
        }
    }
    if (digits == 0)
        return -1;
    *out = (double)mantissa / pow10[frac];
    if (negative)
        *out = -*out;
    if (end)
        *end = p;
    return 0;
}

/* Parse a duration with a unit into milliseconds. */
int sim_parse_duration(const char *text, int64_t *ms)
{
    static const struct {
        const char *unit;
        double ms;
    } units[] = {{"ms", 1}, {"s", 1e3}, {"m", 6e4}, {"h", 3.6e6}, {"d", 8.64e7}};
    const char *end;
    double value;
    size_t i;

    *ms = 0;
    if (sim_parse_decimal(text, &end, &value) != 0 || value < 0)
        return -1;
    for (i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            double total = value * units[i].ms;
            if (total > DURATION_MAX_MS)
                return -1;
            *ms = (int64_t)(total + 0.5);
            return 0;
        }
    }
    return -1;
}

void sim_format_duration(int64_t ms, char *buf, size_t size)
{
    static const struct { const char *unit; int64_t ms; } units[] = {
        {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}
    };

    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (ms > 0 && ms % units[i].ms == 0) {
            snprintf(buf, size, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
            return;
        }
    }
    snprintf(buf, size, "%lldms", (long long)ms);
}

/* ---- classes ------------------------------------------------------------- */

static int fixed_prepare(double *p, const char **why)
{
    (void)p;
    (void)why;
    return 0;
}

static double fixed_sample(const double *p, pcg32_random_t *rng)
{
    (void)rng;
    return p[0];
}

static double fixed_mean(const double *p)
{
    return p[0];
}

static int uniform_prepare(double *p, const char **why)
{
    if (p[1] < p[0]) {
        *why = "uniform(a, b) needs a <= b";
        return -1;
    }
    return 0;
}

static double uniform_sample(const double *p, pcg32_random_t *rng)
{
    return p[0] + (p[1] - p[0]) * pcg32_double(rng);
}

static double uniform_mean(const double *p)
{
    return (p[0] + p[1]) / 2;
}

static int exp_prepare(double *p, const char **why)
{
    (void)p;
    (void)why;
    return 0;
}

/* Inversion: 1 - u lies in (0, 1], so the log is finite. */
double sim_exp_draw(pcg32_random_t *rng, double mean)
{
    return -mean * log(1.0 - pcg32_double(rng));
}

static double exp_sample(const double *p, pcg32_random_t *rng)
{
    return sim_exp_draw(rng, p[0]);
}

static double exp_mean(const double *p)
{
    return p[0];
}

/* p[0], p[1] are the mean and standard deviation of the lognormal itself;
 * p[2], p[3] the mu and sigma of the underlying normal. */
static int lognormal_prepare(double *p, const char **why)
{
    double ratio, sigma2;

    if (p[0] <= 0) {
        *why = "lognormal(mean, sd) needs mean > 0";
        return -1;
    }
    ratio = p[1] / p[0];
    sigma2 = log(1.0 + ratio * ratio);
    p[2] = log(p[0]) - sigma2 / 2;
    p[3] = sqrt(sigma2);
    return 0;
}

/* Box-Muller with both uniforms drawn every time (no cached second value),
 * so each sample consumes exactly four outputs. */
static double lognormal_sample(const double *p, pcg32_random_t *rng)
{
    double u1 = pcg32_double(rng), u2 = pcg32_double(rng);
    double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * PI_DOUBLE * u2);

    return exp(p[2] + p[3] * z);
}

static double lognormal_mean(const double *p)
{
    return p[0];
}

static const struct sim_dist_class dist_classes[] = {
    {"fixed", 1, fixed_prepare, fixed_sample, fixed_mean},
    {"uniform", 2, uniform_prepare, uniform_sample, uniform_mean},
    {"exp", 1, exp_prepare, exp_sample, exp_mean},
    {"lognormal", 2, lognormal_prepare, lognormal_sample, lognormal_mean},
};

static void skip_space(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

/* Parse "name(d1, d2)": the name, then durations separated by commas. */
int sim_dist_parse(const char *text, sim_dist *out, char *why, size_t why_size)
{
    const struct sim_dist_class *cls = NULL;
    const char *p = text, *open = strchr(text, '(');
    const char *msg = NULL;
    size_t i, len;
    int n = 0;

    memset(out, 0, sizeof *out);
    len = open ? (size_t)(open - text) : strlen(text);
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    for (i = 0; i < sizeof dist_classes / sizeof dist_classes[0]; i++)
        if (strlen(dist_classes[i].name) == len &&
            strncmp(dist_classes[i].name, text, len) == 0)
            cls = &dist_classes[i];
    if (!cls) {
        snprintf(why, why_size, "unknown distribution '%s' (expected fixed(x), "
                 "uniform(a,b), exp(mean) or lognormal(mean,sd))", text);
        return -1;
    }
    if (!open) {
        snprintf(why, why_size, "%s needs parameters in parentheses", cls->name);
        return -1;
    }
    p = open + 1;
    for (;;) {
        char param[64];
        const char *stop;
        int64_t ms;

        skip_space(&p);
        stop = p + strcspn(p, ",)");
        len = (size_t)(stop - p);
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (*stop == '\0' || len == 0 || len >= sizeof param) {
            snprintf(why, why_size, "malformed parameters in '%s'", text);
            return -1;
        }
        memcpy(param, p, len);
        param[len] = '\0';
        if (sim_parse_duration(param, &ms) != 0) {
            snprintf(why, why_size, "'%s' in '%s' is not a duration with a unit "
                     "(ms, s, m, h, d)", param, text);
            return -1;
        }
        if (n >= cls->nparams) {
            snprintf(why, why_size, "%s takes %d parameter%s", cls->name,
                     cls->nparams, cls->nparams == 1 ? "" : "s");
            return -1;
        }
        out->p[n++] = (double)ms;
        p = stop + 1;
        if (*stop == ')')
            break;
    }
    skip_space(&p);
    if (*p != '\0') {
        snprintf(why, why_size, "unexpected text after ')' in '%s'", text);
        return -1;
    }
    if (n != cls->nparams) {
        snprintf(why, why_size, "%s takes %d parameter%s", cls->name,
                 cls->nparams, cls->nparams == 1 ? "" : "s");
        return -1;
    }
    if (cls->prepare(out->p, &msg) != 0) {
        snprintf(why, why_size, "%s", msg);
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->cls = cls;
    return 0;
}

/* Round half up; a draw is never negative, and the cap keeps the cast
 * defined even for an extreme lognormal tail. */
int64_t sim_dist_sample(const sim_dist *d, pcg32_random_t *rng)
{
    double x = d->cls->sample(d->p, rng);

    if (!(x > 0))
        return 0;
    if (x > DURATION_MAX_MS)
        x = DURATION_MAX_MS;
    return (int64_t)(x + 0.5);
}

double sim_dist_mean(const sim_dist *d)
{
    return d->cls->mean(d->p);
}

sim_dist sim_dist_fixed(int64_t ms)
{
    sim_dist d;

    memset(&d, 0, sizeof d);
    d.cls = &dist_classes[0];
    d.p[0] = (double)ms;
    return d;
}
