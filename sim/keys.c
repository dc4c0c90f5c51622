/*
 * keys.c - the table of scenario keys and the one parser of their values,
 * shared by scenario files and sim_scenario_set().
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

#define SCENARIO_NAME_MAX 100
#define GROUP_COUNT_MAX 100000
#define CAPACITY_MAX 1000000000
#define DAY_MS 86400000.0
#define DURATION_MAX (3660 * DAY_MS)

#define S SIM_IN_SCENARIO
#define C (SIM_IN_CE | SIM_IN_GROUP)
#define G SIM_IN_GROUP
#define E SIM_IN_EVENT
#define SCN(field) {offsetof(struct sim_scenario, field), 0, 0}
#define CE(field) {0, offsetof(struct sim_ce_entry, spec.field), 0}
#define EV(field) {0, 0, offsetof(struct sim_event_spec, field)}
#define CE_EV(field) {0, offsetof(struct sim_ce_entry, spec.field), \
                      offsetof(struct sim_event_spec, field)}
#define SCN_CE(field) {offsetof(struct sim_scenario, field), \
                       offsetof(struct sim_ce_entry, spec.field), 0}

/* Adding a key is one row here (and the field it fills).  The key tables of
 * scenarios/README.md list the same keys (test_scenario checks it).  Fields
 * left out are 0 or NULL. */
const struct sim_key sim__keys[SIM_NKEYS + 1] = {
    {.name = "name", .type = SIM_KEY_STRING, .sections = S, .offset = SCN(name),
     .help = "shown in reports (default: the file name)"},
    {.name = "seed", .type = SIM_KEY_INT, .sections = S, .offset = SCN(seed),
     .max = 9223372036854775807.0, .dflt = "1",
     .help = "of the random streams; --seed overrides it"},
    {.name = "duration", .type = SIM_KEY_DURATION, .sections = S, .offset = SCN(duration),
     .min = 1000, .max = DURATION_MAX, .unit = "time", .settable = 1,
     .help = "virtual time to simulate (required)"},
    {.name = "cycle", .type = SIM_KEY_DURATION, .sections = S, .offset = SCN(cycle),
     .min = 1000, .max = 30 * DAY_MS, .unit = "time", .dflt = "2m", .settable = 1,
     .help = "director cycle; CE states are read from the database every cycle"},
    {.name = "max_per_cycle", .type = SIM_KEY_INT, .sections = S,
     .offset = SCN(max_per_cycle), .min = 1, .max = 1000000, .unit = "pilots",
     .dflt = "100", .settable = 1, .help = "most submissions per CE per cycle"},
    {.name = "policy", .type = SIM_KEY_POLICY, .sections = S, .offset = SCN(policy),
     .dflt = "director", .help = "director or arrivals"},
    {.name = "failure_model", .type = SIM_KEY_FAILURE, .sections = S,
     .offset = SCN(failure), .dflt = "default", .help = "default or tutorial"},
    {.name = "fail_before_start", .type = SIM_KEY_REAL, .sections = S,
     .offset = SCN(fail_before_start), .max = 1, .dflt = "0.25", .settable = 1,
     .help = "default model: share of failures that happen before start"},
    {.name = "sample_interval", .type = SIM_KEY_DURATION, .sections = S,
     .offset = SCN(sample_interval), .min = 1000, .max = DURATION_MAX, .unit = "time",
     .dflt = "10m", .settable = 1, .help = "time between CSV samples"},
    {.name = "warmup", .type = SIM_KEY_DURATION, .sections = S, .offset = SCN(warmup),
     .max = DURATION_MAX, .unit = "time", .dflt = "0s", .settable = 1,
     .help = "time averages start after it"},
    {.name = "backoff_cycles", .type = SIM_KEY_INT, .sections = S,
     .offset = SCN(backoff_cycles), .max = 1000000, .unit = "cycles", .dflt = "0",
     .settable = 1,
     .help = "director: cycles a CE is skipped after a failed submission (0: off)"},
    {.name = "ban_threshold", .type = SIM_KEY_REAL, .sections = S,
     .offset = SCN(ban_threshold), .max = 1, .dflt = "0", .settable = 1,
     .help = "ban a CE whose success over the last ban_window pilots is below (0: off)"},
    {.name = "ban_window", .type = SIM_KEY_INT, .sections = S, .offset = SCN(ban_window),
     .min = 1, .max = 100000, .unit = "pilots", .dflt = "20", .settable = 1,
     .help = "pilots in the banning window"},
    {.name = "ban_duration", .type = SIM_KEY_DURATION, .sections = S,
     .offset = SCN(ban_duration), .min = 1000, .max = DURATION_MAX, .unit = "time",
     .dflt = "1h", .settable = 1,
     .help = "a banned CE is re-enabled (re-probed) after this"},
    {.name = "routing", .type = SIM_KEY_ROUTING, .sections = S, .offset = SCN(routing),
     .dflt = "capacity",
     .help = "capacity (in proportion to configured capacity) or uniform"},
    {.name = "capacity", .type = SIM_KEY_INT, .sections = C | E, .offset = CE_EV(capacity),
     .max = CAPACITY_MAX, .unit = "slots", .settable = 1, .set_bit = PILOTDB_SET_CAPACITY,
     .help = "slots (required in a CE)"},
    {.name = "success_rate", .type = SIM_KEY_REAL, .sections = C | E,
     .offset = CE_EV(success_rate), .max = 1, .dflt = "1", .settable = 1,
     .set_bit = PILOTDB_SET_SUCCESS_RATE, .help = "probability that a pilot ends DONE"},
    {.name = "enabled", .type = SIM_KEY_BOOL, .sections = C | E, .offset = CE_EV(enabled),
     .dflt = "true", .settable = 1, .set_bit = PILOTDB_SET_ENABLED,
     .help = "whether the CE takes pilots"},
    {.name = "max_waiting", .type = SIM_KEY_INT, .sections = C, .offset = CE(max_waiting),
     .max = CAPACITY_MAX, .unit = "pilots", .settable = 1,
     .help = "director: most pilots waiting at once (default: no limit)"},
    {.name = "queue_time", .type = SIM_KEY_DIST, .sections = C, .offset = CE(queue_time),
     .unit = "time", .dflt = "fixed(1m)", .settable = 1,
     .help = "time from submission to start"},
    {.name = "run_time", .type = SIM_KEY_DIST, .sections = C, .offset = CE(run_time),
     .unit = "time", .dflt = "fixed(1h)", .settable = 1, .help = "time from start to end"},
    {.name = "arrival_rate", .type = SIM_KEY_REAL, .sections = S | C,
     .offset = SCN_CE(arrival_rate), .max = 1e8, .unit = "per hour", .dflt = "0",
     .settable = 1,
     .help = "arrivals policy: Poisson arrivals, routed to CEs or a CE's own"},
    {.name = "count", .type = SIM_KEY_INT, .sections = G,
     .offset = {0, offsetof(struct sim_ce_entry, count), 0}, .min = 1,
     .max = GROUP_COUNT_MAX, .unit = "CEs",
     .help = "how many CEs the group makes (required)"},
    {.name = "at", .type = SIM_KEY_DURATION, .sections = E, .offset = EV(at),
     .max = DURATION_MAX, .unit = "time", .help = "when the event happens (required)"},
    {.name = "ce", .type = SIM_KEY_CE_NAME, .sections = E, .offset = EV(ce),
     .help = "the CE it changes (required)"},
    {.name = "running", .type = SIM_KEY_RUNNING, .sections = E, .offset = EV(fail_active),
     .help = "fail: the CE's active pilots fail at once; continue (default)"},
    {.name = NULL}
};


enum sim_key_struct sim__key_struct(unsigned section)
{
    return section == SIM_IN_SCENARIO ? SIM_STRUCT_SCENARIO
           : section == SIM_IN_EVENT  ? SIM_STRUCT_EVENT
                                      : SIM_STRUCT_CE;
}

const struct sim_key *sim__key_find(unsigned section, const char *name)
{
    const struct sim_key *key;

    for (key = sim__keys; key->name; key++)
        if ((key->sections & section) && strcmp(key->name, name) == 0)
            return key;
    return NULL;
}

const struct sim_key *sim__key_of(unsigned section, size_t offset)
{
    const struct sim_key *key;
    enum sim_key_struct st = sim__key_struct(section);

    for (key = sim__keys; key->name; key++)
        if ((key->sections & section) && key->offset[st] == offset)
            return key;
    return NULL;
}

const char *sim__key_name(unsigned section, size_t offset)
{
    return sim__key_of(section, offset)->name;
}

int sim__valid_name(const char *name, size_t max)
{
    size_t len = strlen(name);
    int control;

    return len > 0 && len <= max && pilotdb_text_fault(name, len, &control) == 0;
}

static int parse_bool(const char *value, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    size_t i;

    for (i = 0; i < 4; i++) {
        if (strcmp(value, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcmp(value, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* Digits (a '+' before them, zeros after a '.'), so that seeds up to
 * 2^63 - 1 are exact. */
static int parse_int(const char *value, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = value;

    if (*p == '+')
        p++;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.')
        for (p++; *p == '0'; p++)
            ;
    if (*p != '\0')
        return -1;
    *out = v;
    return 0;
}

/* The largest value of an integer key (the seed's, INT64_MAX, is not exact
 * as a double). */
static uint64_t int_max(const struct sim_key *key)
{
    return key->max >= 9.2e18 ? (uint64_t)INT64_MAX : (uint64_t)key->max;
}

static int out_of_range(const struct sim_key *key, const char *shown, char *why,
                        size_t why_size)
{
    if (key->type == SIM_KEY_DURATION)
        snprintf(why, why_size, "%s is out of range (%.0fs to %.0fd)", shown,
                 key->min / 1000, key->max / DAY_MS);
    else if (key->type == SIM_KEY_INT)
        snprintf(why, why_size, "%s is out of range (%.0f to %llu)", shown, key->min,
                 (unsigned long long)int_max(key));
    else
        snprintf(why, why_size, "%s is out of range (%.15g to %.15g)", shown, key->min,
                 key->max);
    return SIM_KEY_RANGE;
}

int sim__key_check_range(const struct sim_key *key, double v, const char *shown, char *why,
                         size_t why_size)
{
    if (!(v >= key->min && v <= key->max))
        return out_of_range(key, shown, why, why_size);
    return SIM_KEY_OK;
}

/* A choice among named values: policy, failure_model, routing, running. */
static int parse_choice(const struct sim_key *key, const char *value, void *field,
                        char *why, size_t why_size)
{
    int k;

    switch (key->type) {
    case SIM_KEY_POLICY: {
        const struct sim_policy_class *policy = sim_policy_find(value);
        if (!policy)
            break;
        *(const struct sim_policy_class **)field = policy;
        return SIM_KEY_OK;
    }
    case SIM_KEY_FAILURE: {
        const struct sim_failure_class *model = sim_failure_find(value);
        if (!model)
            break;
        *(const struct sim_failure_class **)field = model;
        return SIM_KEY_OK;
    }
    case SIM_KEY_ROUTING:
        if ((k = strcmp(value, "capacity") == 0) || strcmp(value, "uniform") == 0) {
            *(enum sim_routing *)field = k ? SIM_ROUTE_CAPACITY : SIM_ROUTE_UNIFORM;
            return SIM_KEY_OK;
        }
        snprintf(why, why_size, "'%s' is unknown (expected capacity or uniform)", value);
        return SIM_KEY_BAD;
    case SIM_KEY_RUNNING:
        if ((k = strcmp(value, "fail") == 0) || strcmp(value, "continue") == 0) {
            *(int *)field = k;
            return SIM_KEY_OK;
        }
        snprintf(why, why_size, "'%s' is unknown (expected continue or fail)", value);
        return SIM_KEY_BAD;
    default:
        return SIM_KEY_BAD;
    }
    snprintf(why, why_size, "'%s' is unknown (expected %s)", value,
             key->type == SIM_KEY_POLICY ? "director or arrivals" : "default or tutorial");
    return SIM_KEY_BAD;
}

int sim__key_parse(const struct sim_key *key, const char *value, void *field, char *why,
                   size_t why_size)
{
    switch (key->type) {
    case SIM_KEY_STRING:
    case SIM_KEY_CE_NAME: {
        size_t max = key->type == SIM_KEY_STRING ? SCENARIO_NAME_MAX : PILOTDB_NAME_MAX;
        char *copy;
        if (!sim__valid_name(value, max)) {
            snprintf(why, why_size, "must be 1 to %zu bytes of UTF-8 without control "
                     "characters", max);
            return SIM_KEY_BAD;
        }
        copy = strdup(value);
        if (!copy) {
            snprintf(why, why_size, "out of memory");
            return SIM_KEY_NOMEM;
        }
        free(*(char **)field);
        *(char **)field = copy;
        return SIM_KEY_OK;
    }
    case SIM_KEY_INT: {
        uint64_t v;
        if (value[0] == '-' && parse_int(value + 1, &v) == 0)
            return out_of_range(key, value, why, why_size);
        if (parse_int(value, &v) != 0) {
            snprintf(why, why_size, "'%s' is not a whole number", value);
            return SIM_KEY_BAD;
        }
        if ((double)v < key->min || v > int_max(key))
            return out_of_range(key, value, why, why_size);
        /* v <= max <= INT64_MAX; the seed field is the unsigned variant */
        *(int64_t *)field = (int64_t)v;
        return SIM_KEY_OK;
    }
    case SIM_KEY_REAL: {
        const char *end;
        double v;
        if (sim_parse_decimal(value, &end, &v) != 0 || *end != '\0') {
            snprintf(why, why_size, "'%s' is not a number", value);
            return SIM_KEY_BAD;
        }
        if (sim__key_check_range(key, v, value, why, why_size) != SIM_KEY_OK)
            return SIM_KEY_RANGE;
        *(double *)field = v;
        return SIM_KEY_OK;
    }
    case SIM_KEY_DURATION: {
        int64_t ms;
        if (sim_parse_duration(value, &ms) != 0) {
            snprintf(why, why_size, "'%s' is not a duration with a unit (ms, s, m, h, d), "
                     "e.g. 90s or 2h", value);
            return SIM_KEY_BAD;
        }
        if (sim__key_check_range(key, (double)ms, value, why, why_size) != SIM_KEY_OK)
            return SIM_KEY_RANGE;
        *(int64_t *)field = ms;
        return SIM_KEY_OK;
    }
    case SIM_KEY_BOOL:
        if (parse_bool(value, (int *)field) != 0) {
            snprintf(why, why_size, "'%s' is not true or false", value);
            return SIM_KEY_BAD;
        }
        return SIM_KEY_OK;
    case SIM_KEY_DIST:
        return sim_dist_parse(value, (sim_dist *)field, why, why_size) == 0 ? SIM_KEY_OK
                                                                           : SIM_KEY_BAD;
    case SIM_KEY_POLICY:
    case SIM_KEY_FAILURE:
    case SIM_KEY_ROUTING:
    case SIM_KEY_RUNNING:
        return parse_choice(key, value, field, why, why_size);
    }
    return SIM_KEY_BAD;
}

/* A real as a scenario writes it: plain decimal (no exponent, which the
 * parser refuses), at most 6 decimals, no trailing zeros. */
static void format_real(double v, char *buf, size_t size)
{
    size_t n;

    snprintf(buf, size, "%.6f", v);
    n = strlen(buf);
    while (n > 1 && buf[n - 1] == '0')
        buf[--n] = '\0';
    if (n > 1 && buf[n - 1] == '.')
        buf[--n] = '\0';
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, size, "0");
}

/* A distribution's parameter: a whole unit ("90s", "3h"), else seconds
 * with ms ("649.6s"), else ms. */
static void format_param(int64_t ms, char *buf, size_t size)
{
    if (ms % 1000 == 0 || ms < 1000) {
        sim_format_duration(ms, buf, size);
        return;
    }
    format_real((double)ms / 1000.0, buf, size);
    snprintf(buf + strlen(buf), size - strlen(buf), "s");
}

void sim__key_format(const struct sim_key *key, const void *field, char *buf, size_t size)
{
    char a[40], b[40];

    switch (key->type) {
    case SIM_KEY_STRING:
    case SIM_KEY_CE_NAME:
        snprintf(buf, size, "%s", *(char *const *)field ? *(char *const *)field : "");
        return;
    case SIM_KEY_INT:
        if (key->offset[SIM_STRUCT_SCENARIO] == offsetof(struct sim_scenario, seed) &&
            (key->sections & SIM_IN_SCENARIO))
            snprintf(buf, size, "%llu", (unsigned long long)*(const uint64_t *)field);
        else
            snprintf(buf, size, "%lld", (long long)*(const int64_t *)field);
        return;
    case SIM_KEY_REAL:
        format_real(*(const double *)field, buf, size);
        return;
    case SIM_KEY_DURATION:
        sim_format_duration(*(const int64_t *)field, buf, size);
        return;
    case SIM_KEY_BOOL:
        snprintf(buf, size, "%s", *(const int *)field ? "true" : "false");
        return;
    case SIM_KEY_DIST: {
        const sim_dist *d = field;
        format_param(llround(d->p[0]), a, sizeof a);
        if (d->cls->nparams == 1) {
            snprintf(buf, size, "%s(%s)", d->cls->name, a);
        } else {
            format_param(llround(d->p[1]), b, sizeof b);
            snprintf(buf, size, "%s(%s, %s)", d->cls->name, a, b);
        }
        return;
    }
    case SIM_KEY_POLICY:
        snprintf(buf, size, "%s", (*(const struct sim_policy_class *const *)field)->name);
        return;
    case SIM_KEY_FAILURE:
        snprintf(buf, size, "%s", (*(const struct sim_failure_class *const *)field)->name);
        return;
    case SIM_KEY_ROUTING:
        snprintf(buf, size, "%s", *(const enum sim_routing *)field == SIM_ROUTE_CAPACITY
                                      ? "capacity" : "uniform");
        return;
    case SIM_KEY_RUNNING:
        snprintf(buf, size, "%s", *(const int *)field ? "fail" : "continue");
        return;
    }
    snprintf(buf, size, "?");
}

const char *sim__key_sep(const struct sim_key *key)
{
    if (key->type == SIM_KEY_DIST)
        return ": ";
    if (key->type == SIM_KEY_STRING || key->type == SIM_KEY_CE_NAME)
        return " ";
    return " = ";
}

void sim__key_defaults(unsigned section, void *base)
{
    const struct sim_key *key;
    enum sim_key_struct st = sim__key_struct(section);
    char why[200];

    for (key = sim__keys; key->name; key++) {
        /* the table's defaults are valid values: test_keys parses each */
        if ((key->sections & section) && key->dflt)
            (void)sim__key_parse(key, key->dflt, (char *)base + key->offset[st], why,
                                 sizeof why);
    }
}

void sim__key_list(unsigned section, char *buf, size_t size)
{
    const struct sim_key *key;
    size_t used = 0;

    if (size == 0)
        return;
    buf[0] = '\0';
    for (key = sim__keys; key->name && used < size; key++) {
        int n;
        if (!(key->sections & section) || !key->settable)
            continue;
        n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", key->name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

void sim_scenario_keys_help(FILE *out, const char *lead, const char *tail, int indent,
                            int width)
{
    char ce_keys[400], scenario_keys[400], text[2000];
    const char *word;
    int column = indent;

    sim__key_list(SIM_IN_CE, ce_keys, sizeof ce_keys);
    sim__key_list(SIM_IN_SCENARIO, scenario_keys, sizeof scenario_keys);
    snprintf(text, sizeof text, "%sce.NAME.KEY with KEY %s (NAME * for every CE), or "
             "scenario.KEY with KEY %s%s", lead, ce_keys, scenario_keys, tail);
    /* greedy filling: a word goes on the next line when it would pass width */
    for (word = text + strspn(text, " "); *word;) {
        int len = (int)strcspn(word, " ");
        if (column > indent && column + 1 + len > width) {
            fprintf(out, "\n%*s", indent, "");
            column = indent;
        } else if (column > indent) {
            fputc(' ', out);
            column++;
        }
        fwrite(word, 1, (size_t)len, out);
        column += len;
        word += len;
        word += strspn(word, " ");
    }
    fputc('\n', out);
}
