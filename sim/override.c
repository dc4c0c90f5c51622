/*
 * override.c - change one value of a parsed scenario ("KEY=VALUE"), for
 * what-if comparisons and sweeps (`pilotdeck whatif --set`, `sweep --vary`).
 *
 * Keys name a [scenario] key (scenario.max_per_cycle) or a CE's key
 * (ce.NAME.capacity, with NAME * for every CE; CE names may hold dots, the
 * key is what follows the last one).  Values are absolute, or relative to
 * the current value: +10, -5, +30m, +50%, -20% (sweeps take absolute values
 * only, so that -10 is minus ten).  The result is checked
 * against the same ranges as the scenario file, and against what the parser
 * checks on the whole file (warm-up shorter than the duration, events within
 * it, arrival rates only with the arrivals policy); a refused change leaves
 * the scenario untouched.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define CAPACITY_MAX 1000000000.0
#define DAY_MS 86400000.0

enum value_kind { V_INT, V_REAL, V_DURATION, V_BOOL, V_DIST };

struct override_key {
    const char *name;
    enum value_kind kind;
    size_t offset;
    double min, max;   /* V_INT, V_REAL; V_DURATION in ms */
};

#define SCN(field) offsetof(struct sim_scenario, field)
#define CE(field) offsetof(struct sim_ce_spec, field)

/* The ranges are those of scenarios/README.md (and scenario.c). */
static const struct override_key scenario_keys[] = {
    {"duration", V_DURATION, SCN(duration), 1000, 3660 * DAY_MS},
    {"warmup", V_DURATION, SCN(warmup), 0, 3660 * DAY_MS},
    {"cycle", V_DURATION, SCN(cycle), 1000, 30 * DAY_MS},
    {"max_per_cycle", V_INT, SCN(max_per_cycle), 1, 1000000},
    {"fail_before_start", V_REAL, SCN(fail_before_start), 0, 1},
    {"sample_interval", V_DURATION, SCN(sample_interval), 1000, 3660 * DAY_MS},
    {"backoff_cycles", V_INT, SCN(backoff_cycles), 0, 1000000},
    {"ban_threshold", V_REAL, SCN(ban_threshold), 0, 1},
    {"ban_window", V_INT, SCN(ban_window), 1, 100000},
    {"ban_duration", V_DURATION, SCN(ban_duration), 1000, 3660 * DAY_MS},
    {"arrival_rate", V_REAL, SCN(arrival_rate), 0, 1e8},
    {NULL, V_INT, 0, 0, 0}
};

static const struct override_key ce_keys[] = {
    {"capacity", V_INT, CE(capacity), 0, CAPACITY_MAX},
    {"success_rate", V_REAL, CE(success_rate), 0, 1},
    {"enabled", V_BOOL, CE(enabled), 0, 0},
    {"max_waiting", V_INT, CE(max_waiting), 0, CAPACITY_MAX},
    {"arrival_rate", V_REAL, CE(arrival_rate), 0, 1e8},
    {"queue_time", V_DIST, CE(queue_time), 0, 0},
    {"run_time", V_DIST, CE(run_time), 0, 0},
    {NULL, V_INT, 0, 0, 0}
};

static sim_rc refuse(char *errbuf, size_t errbuf_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static sim_rc refuse(char *errbuf, size_t errbuf_size, const char *fmt, ...)
{
    va_list ap;

    if (errbuf && errbuf_size) {
        va_start(ap, fmt);
        vsnprintf(errbuf, errbuf_size, fmt, ap);
        va_end(ap);
    }
    return SIM_EINVAL;
}

static const struct override_key *find_key(const struct override_key *keys,
                                           const char *name)
{
    for (; keys->name; keys++)
        if (strcmp(keys->name, name) == 0)
            return keys;
    return NULL;
}

static void list_keys(const struct override_key *keys, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (; keys->name && used < size; keys++) {
        int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", keys->name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* A whole decimal or duration value (no sign); 0 or -1. */
static int parse_amount(const char *text, int duration, double *out)
{
    const char *end;
    int64_t ms;

    if (text[0] == '+' || text[0] == '-')
        return -1;
    if (duration) {
        if (sim_parse_duration(text, &ms) != 0)
            return -1;
        *out = (double)ms;
        return 0;
    }
    return sim_parse_decimal(text, &end, out) == 0 && *end == '\0' && end != text ? 0 : -1;
}

/* Parse a number: absolute, +/-delta or +/-percent of current.  Sets
 * *relative when the value depends on the current one.  With absolute,
 * only an absolute value is taken, and a leading '-' makes it negative. */
static int new_number(const char *value, double current, int duration, int absolute,
                      double *out, int *relative, const char **why)
{
    size_t len = strlen(value);
    double amount, sign;

    if (absolute) {
        *relative = 0;
        if (value[0] == '+' || (len > 0 && value[len - 1] == '%')) {
            *why = "is not an absolute value (no +N or N% change here)";
            return -1;
        }
        if (parse_amount(value + (value[0] == '-'), duration, &amount) != 0) {
            *why = duration ? "is not a duration with a unit (e.g. 90s, 15m, 2h)"
                            : "is not a number";
            return -1;
        }
        *out = value[0] == '-' ? -amount : amount;
        return 0;
    }
    *relative = value[0] == '+' || value[0] == '-';
    if (len > 0 && value[len - 1] == '%') {
        char buf[64];
        if (!*relative || len - 2 >= sizeof buf) {
            *why = "a percentage must be a change: +P% or -P%";
            return -1;
        }
        memcpy(buf, value + 1, len - 2);
        buf[len - 2] = '\0';
        if (parse_amount(buf, 0, &amount) != 0) {
            *why = "is not a percentage such as +50%";
            return -1;
        }
        sign = value[0] == '-' ? -1.0 : 1.0;
        *out = current * (1.0 + sign * amount / 100.0);
        return 0;
    }
    if (parse_amount(value + (*relative ? 1 : 0), duration, &amount) != 0) {
        *why = duration ? "is not a duration with a unit (e.g. 90s, 15m, 2h), "
                          "a change (+30m) or a percentage (+50%)"
                        : "is not a number, a change (+10, -0.05) or a percentage (+50%)";
        return -1;
    }
    if (!*relative)
        *out = amount;
    else
        *out = value[0] == '-' ? current - amount : current + amount;
    return 0;
}

/* The new value of one field, written into a scratch copy at new_field. */
static sim_rc compute(const struct override_key *key, const void *old_field,
                      void *new_field, const char *what, const char *value, int absolute,
                      char *errbuf, size_t errbuf_size)
{
    const char *why = NULL;
    double current = 0, v;
    int relative;

    switch (key->kind) {
    case V_BOOL:
        if (sim_parse_bool(value, (int *)new_field) != 0)
            return refuse(errbuf, errbuf_size, "%s=%s: expected true or false", what,
                          value);
        return SIM_OK;
    case V_DIST: {
        size_t len = strlen(value);
        sim_dist d = *(const sim_dist *)old_field;
        char reason[200];
        if (!absolute && (value[0] == '+' || value[0] == '-') && len > 1 &&
            value[len - 1] == '%') {
            int k;
            if (new_number(value, 1.0, 0, 0, &v, &relative, &why) != 0)
                return refuse(errbuf, errbuf_size, "%s=%s: %s", what, value, why);
            if (!(v >= 0))
                return refuse(errbuf, errbuf_size, "%s=%s: a duration cannot shrink by "
                              "more than 100%%", what, value);
            /* scaling every parameter scales the distribution (and its mean) */
            for (k = 0; k < d.cls->nparams; k++)
                d.p[k] *= v;
            if (d.cls->prepare(d.p, &why) != 0)
                return refuse(errbuf, errbuf_size, "%s=%s: %s", what, value, why);
        } else if (sim_dist_parse(value, &d, reason, sizeof reason) != 0) {
            return refuse(errbuf, errbuf_size, "%s=%s: %s%s", what, value, reason,
                          absolute ? "" : " (or a change in percent, e.g. +50%)");
        }
        *(sim_dist *)new_field = d;
        return SIM_OK;
    }
    case V_INT:
    case V_DURATION:
        current = (double)*(const int64_t *)old_field;
        break;
    case V_REAL:
        current = *(const double *)old_field;
        break;
    }
    if (!absolute && key->kind == V_INT && current < 0 &&
        (value[0] == '+' || value[0] == '-'))
        return refuse(errbuf, errbuf_size, "%s=%s: %s has no limit to change; give a "
                      "value", what, value, key->name);
    if (new_number(value, current, key->kind == V_DURATION, absolute, &v, &relative,
                   &why) != 0)
        return refuse(errbuf, errbuf_size, "%s=%s: '%s' %s", what, value, value, why);
    if (key->kind != V_REAL) {
        if (!relative && v != floor(v))
            return refuse(errbuf, errbuf_size, "%s=%s: not a whole number", what, value);
        v = floor(v + 0.5); /* relative changes round to the nearest */
    }
    if (!(v >= key->min && v <= key->max)) {
        if (key->kind == V_DURATION)
            return refuse(errbuf, errbuf_size, "%s=%s: %.0f ms is out of range (%.0fs to "
                          "%.0fd)", what, value, v, key->min / 1000, key->max / DAY_MS);
        return refuse(errbuf, errbuf_size, "%s=%s: %.10g is out of range (%g to %.0f)",
                      what, value, v, key->min, key->max);
    }
    if (key->kind == V_REAL)
        *(double *)new_field = v;
    else
        *(int64_t *)new_field = (int64_t)v;
    return SIM_OK;
}

/* What the parser checks on the whole file, again after a change. */
static sim_rc check_whole(const struct sim_scenario *scn, const char *what,
                          char *errbuf, size_t errbuf_size)
{
    size_t i;
    int any_rate = 0, arrivals = strcmp(scn->policy->name, "arrivals") == 0;

    if (scn->warmup >= scn->duration)
        return refuse(errbuf, errbuf_size, "%s: the warm-up must be shorter than the "
                      "duration", what);
    for (i = 0; i < scn->nevents; i++)
        if (scn->events[i].at > scn->duration)
            return refuse(errbuf, errbuf_size, "%s: event '%s' would be after the end of "
                          "the scenario", what, scn->events[i].name);
    for (i = 0; i < scn->nces; i++)
        if (scn->ces[i].arrival_rate > 0)
            any_rate = 1;
    if (!arrivals && (any_rate || scn->arrival_rate > 0))
        return refuse(errbuf, errbuf_size, "%s: arrival_rate needs policy = arrivals",
                      what);
    if (arrivals && any_rate && scn->arrival_rate > 0)
        return refuse(errbuf, errbuf_size, "%s: arrival rates are either global or per "
                      "CE, not both", what);
    if (arrivals && !any_rate && scn->arrival_rate <= 0)
        return refuse(errbuf, errbuf_size, "%s: policy = arrivals needs an arrival "
                      "rate above 0", what);
    return SIM_OK;
}

static sim_rc scenario_set(sim_scenario *scn, const char *assignment, int absolute,
                           char *errbuf, size_t errbuf_size)
{
    const char *eq, *value;
    char *key_text = NULL, *key_shown = NULL, *ce_name = NULL, *field, keys[300];
    const struct override_key *key;
    struct sim_scenario saved;
    struct sim_ce_spec *ces = NULL;
    size_t i, matched = 0;
    sim_rc rc = SIM_EINVAL;

    if (errbuf && errbuf_size)
        errbuf[0] = '\0';
    if (!scn || !assignment)
        return refuse(errbuf, errbuf_size, "no scenario or assignment");
    /* values hold no '=', CE names may: the key is everything before the last */
    eq = strrchr(assignment, '=');
    if (!eq || eq == assignment || !eq[1])
        return refuse(errbuf, errbuf_size, "'%s' is not KEY=VALUE (e.g. "
                      "ce.NAME.capacity=+50%% or scenario.max_per_cycle=200)", assignment);
    value = eq + 1;
    key_text = strndup(assignment, (size_t)(eq - assignment));
    key_shown = strndup(assignment, (size_t)(eq - assignment));
    if (!key_text || !key_shown) {
        free(key_text);
        free(key_shown);
        return SIM_ENOMEM;
    }

    if (strncmp(key_text, "scenario.", 9) == 0) {
        key = find_key(scenario_keys, key_text + 9);
        if (!key) {
            list_keys(scenario_keys, keys, sizeof keys);
            rc = refuse(errbuf, errbuf_size, "unknown key '%s' (scenario keys that can "
                        "be set: %s)", key_text, keys);
            goto out;
        }
        saved = *scn;
        rc = compute(key, (char *)scn + key->offset, (char *)&saved + key->offset,
                     key_text, value, absolute, errbuf, errbuf_size);
        if (rc == SIM_OK)
            rc = check_whole(&saved, assignment, errbuf, errbuf_size);
        if (rc == SIM_OK)
            *scn = saved;
        goto out;
    }
    if (strncmp(key_text, "ce.", 3) != 0 || !(field = strrchr(key_text + 3, '.')) ||
        field == key_text + 3) {
        rc = refuse(errbuf, errbuf_size, "unknown key '%s' (expected scenario.KEY or "
                    "ce.NAME.KEY, NAME * for every CE)", key_text);
        goto out;
    }
    *field++ = '\0';
    ce_name = key_text + 3;
    key = find_key(ce_keys, field);
    if (!key) {
        list_keys(ce_keys, keys, sizeof keys);
        rc = refuse(errbuf, errbuf_size, "unknown CE key '%s' in '%.*s' (CE keys that "
                    "can be set: %s)", field, (int)(eq - assignment), assignment, keys);
        goto out;
    }
    /* change copies of the CEs, then check, then swap in */
    ces = malloc(scn->nces * sizeof *ces);
    if (!ces) {
        rc = refuse(errbuf, errbuf_size, "out of memory");
        rc = SIM_ENOMEM;
        goto out;
    }
    memcpy(ces, scn->ces, scn->nces * sizeof *ces);
    rc = SIM_OK;
    for (i = 0; i < scn->nces && rc == SIM_OK; i++) {
        if (strcmp(ce_name, "*") != 0 && strcmp(ce_name, scn->ces[i].name) != 0)
            continue;
        matched++;
        rc = compute(key, (char *)&scn->ces[i] + key->offset, (char *)&ces[i] + key->offset,
                     key_shown, value, absolute, errbuf, errbuf_size);
    }
    if (rc != SIM_OK)
        goto out;
    if (matched == 0) {
        rc = refuse(errbuf, errbuf_size, "%s: scenario '%s' has no CE named '%s'",
                    assignment, scn->name, ce_name);
        goto out;
    }
    saved = *scn;
    saved.ces = ces;
    rc = check_whole(&saved, assignment, errbuf, errbuf_size);
    if (rc == SIM_OK) {
        memcpy(scn->ces, ces, scn->nces * sizeof *ces);
        if (errbuf && errbuf_size)
            errbuf[0] = '\0';
    }
out:
    free(ces);
    free(key_text);
    free(key_shown);
    return rc;
}

sim_rc sim_scenario_set(sim_scenario *scn, const char *assignment, char *errbuf,
                        size_t errbuf_size)
{
    return scenario_set(scn, assignment, 0, errbuf, errbuf_size);
}

sim_rc sim_scenario_set_absolute(sim_scenario *scn, const char *assignment, char *errbuf,
                                 size_t errbuf_size)
{
    return scenario_set(scn, assignment, 1, errbuf, errbuf_size);
}

int64_t sim_scenario_warmup(const sim_scenario *scn)
{
    return scn->warmup;
}
