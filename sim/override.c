/*
 * override.c - change one value of a parsed scenario ("KEY=VALUE"), for
 * what-if comparisons and sweeps (`pilotdeck whatif --set`, `sweep --vary`).
 *
 * An absolute value is parsed and checked by the key table (keys.c), as in
 * a scenario file; a change (+10, -5, +30m, +50%, -20%) is computed from the
 * current value and checked against the same range.  Then what the parser
 * checks on the whole file is checked again; a refused change leaves the
 * scenario untouched.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "keys.h"

/* Every refusal of an assignment is SIM_EINVAL with its message. */
#define refuse(...) sim__fail(SIM_EINVAL, __VA_ARGS__)

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

/* A change of a number: +/-delta or +/-percent of current; 0, or -1 with
 * *why set. */
static int changed_number(const char *value, double current, int duration, double *out,
                          const char **why)
{
    size_t len = strlen(value);
    int relative = value[0] == '+' || value[0] == '-';
    double amount, sign = value[0] == '-' ? -1.0 : 1.0;

    if (len > 0 && value[len - 1] == '%') {
        char buf[64];
        if (!relative || len - 2 >= sizeof buf) {
            *why = "a percentage must be a change: +P% or -P%";
            return -1;
        }
        memcpy(buf, value + 1, len - 2);
        buf[len - 2] = '\0';
        if (parse_amount(buf, 0, &amount) != 0) {
            *why = "is not a percentage such as +50%";
            return -1;
        }
        *out = current * (1.0 + sign * amount / 100.0);
        return 0;
    }
    if (parse_amount(value + 1, duration, &amount) != 0) {
        *why = duration ? "is not a duration with a unit (e.g. 90s, 15m, 2h), "
                          "a change (+30m) or a percentage (+50%)"
                        : "is not a number, a change (+10, -0.05) or a percentage (+50%)";
        return -1;
    }
    *out = current + sign * amount;
    return 0;
}

/* A value of the key's own (absolute), parsed as a scenario file's. */
static sim_rc absolute_value(const struct sim_key *key, void *new_field, const char *what,
                             const char *value, int absolute, char *errbuf,
                             size_t errbuf_size)
{
    char why[300];
    const char *hint = "";
    int rc = sim__key_parse(key, value, new_field, why, sizeof why);

    if (rc == SIM_KEY_OK)
        return SIM_OK;
    if (rc == SIM_KEY_NOMEM)
        return SIM_ENOMEM;
    if (rc == SIM_KEY_BAD && !absolute) {
        if (key->type == SIM_KEY_DIST)
            hint = " (or a change in percent, e.g. +50%)";
        else if (key->type == SIM_KEY_DURATION)
            hint = " (or a change: +30m, -1h, +50%)";
        else if (key->type == SIM_KEY_INT)
            hint = " (or a change: +10, -5, +50%)";
        else if (key->type == SIM_KEY_REAL)
            hint = " (or a change: +0.1, -0.05, +50%)";
    }
    return refuse(errbuf, errbuf_size, "%s=%s: %s%s", what, value, why, hint);
}

/* The new value of one field, written into a scratch copy at new_field. */
static sim_rc compute(const struct sim_key *key, const void *old_field, void *new_field,
                      const char *what, const char *value, int absolute, char *errbuf,
                      size_t errbuf_size)
{
    const char *why = NULL;
    size_t len = strlen(value);
    int percent = len > 1 && value[len - 1] == '%';
    int change = value[0] == '+' || value[0] == '-' || value[len - 1] == '%';
    int duration = key->type == SIM_KEY_DURATION;
    double current, v;
    char shown[64], range_why[300];

    if (key->type == SIM_KEY_DIST && !absolute && (value[0] == '+' || value[0] == '-') &&
        percent) {
        sim_dist d = *(const sim_dist *)old_field;
        int k;
        if (changed_number(value, 1.0, 0, &v, &why) != 0)
            return refuse(errbuf, errbuf_size, "%s=%s: %s", what, value, why);
        if (!(v >= 0))
            return refuse(errbuf, errbuf_size, "%s=%s: a duration cannot shrink by "
                          "more than 100%%", what, value);
        /* scaling every parameter scales the distribution (and its mean) */
        for (k = 0; k < d.cls->nparams; k++)
            d.p[k] *= v;
        if (d.cls->prepare(d.p, &why) != 0)
            return refuse(errbuf, errbuf_size, "%s=%s: %s", what, value, why);
        *(sim_dist *)new_field = d;
        return SIM_OK;
    }
    if (key->type != SIM_KEY_INT && key->type != SIM_KEY_REAL && !duration)
        return absolute_value(key, new_field, what, value, absolute, errbuf, errbuf_size);
    if (absolute && (value[0] == '+' || value[len - 1] == '%'))
        return refuse(errbuf, errbuf_size, "%s=%s: '%s' is not an absolute value (no +N "
                      "or N%% change here)", what, value, value);
    if (absolute || !change)
        return absolute_value(key, new_field, what, value, absolute, errbuf, errbuf_size);

    current = key->type == SIM_KEY_REAL ? *(const double *)old_field
                                        : (double)*(const int64_t *)old_field;
    if (key->type == SIM_KEY_INT && current < 0 && (value[0] == '+' || value[0] == '-'))
        return refuse(errbuf, errbuf_size, "%s=%s: %s has no limit to change; give a "
                      "value", what, value, key->name);
    if (changed_number(value, current, duration, &v, &why) != 0)
        return refuse(errbuf, errbuf_size, "%s=%s: '%s' %s", what, value, value, why);
    if (key->type != SIM_KEY_REAL)
        v = floor(v + 0.5); /* changes round to the nearest */
    if (duration)
        snprintf(shown, sizeof shown, "%.0f ms", v);
    else
        snprintf(shown, sizeof shown, "%.10g", v);
    if (sim__key_check_range(key, v, shown, range_why, sizeof range_why) != SIM_KEY_OK)
        return refuse(errbuf, errbuf_size, "%s=%s: %s", what, value, range_why);
    if (key->type == SIM_KEY_REAL)
        *(double *)new_field = v;
    else
        *(int64_t *)new_field = (int64_t)v;
    return SIM_OK;
}

/* The key that KEY in scenario.KEY (section SIM_IN_SCENARIO) or in
 * ce.NAME.KEY (SIM_IN_CE) names, if it can be set; NULL otherwise. */
static const struct sim_key *settable_key(unsigned section, const char *name)
{
    const struct sim_key *key = sim__key_find(section, name);

    return key && key->settable ? key : NULL;
}

/* What the parser checks on the whole file, again after a change. */
static sim_rc check_whole(const struct sim_scenario *scn, const char *what,
                          char *errbuf, size_t errbuf_size)
{
    size_t i;
    int any_rate = 0, arrivals = strcmp(scn->policy->name, "arrivals") == 0;

    if (scn->warmup >= scn->duration)
        return refuse(errbuf, errbuf_size, "%s: the warm-up must be shorter than "
                      "the duration", what);
    for (i = 0; i < scn->nevents; i++)
        if (scn->events[i].at > scn->duration)
            return refuse(errbuf, errbuf_size, "%s: event '%s' would be after the end of "
                          "the scenario", what, scn->events[i].name);
    for (i = 0; i < scn->nces; i++)
        if (scn->ces[i].arrival_rate > 0)
            any_rate = 1;
    if (!arrivals && (any_rate || scn->arrival_rate > 0))
        return refuse(errbuf, errbuf_size, "%s: %s needs %s = arrivals", what,
                      SIM_SCN_KEY(arrival_rate), SIM_SCN_KEY(policy));
    if (arrivals && any_rate && scn->arrival_rate > 0)
        return refuse(errbuf, errbuf_size, "%s: arrival rates are either global or per "
                      "CE, not both", what);
    if (arrivals && !any_rate && scn->arrival_rate <= 0)
        return refuse(errbuf, errbuf_size, "%s: %s = arrivals needs an arrival "
                      "rate above 0", what, SIM_SCN_KEY(policy));
    return SIM_OK;
}

static sim_rc scenario_set(sim_scenario *scn, const char *assignment, int absolute,
                           char *errbuf, size_t errbuf_size)
{
    const char *eq, *value;
    char *key_text = NULL, *key_shown = NULL, *ce_name = NULL, *field, keys[300];
    const struct sim_key *key;
    size_t offset;
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
        return refuse(errbuf, errbuf_size, "'%s' is not KEY=VALUE (e.g. ce.NAME.%s=+50%% "
                      "or scenario.%s=200)", assignment, SIM_CE_KEY(spec.capacity),
                      SIM_SCN_KEY(max_per_cycle));
    value = eq + 1;
    key_text = strndup(assignment, (size_t)(eq - assignment));
    key_shown = strndup(assignment, (size_t)(eq - assignment));
    if (!key_text || !key_shown) {
        free(key_text);
        free(key_shown);
        return SIM_ENOMEM;
    }

    if (strncmp(key_text, "scenario.", 9) == 0) {
        key = settable_key(SIM_IN_SCENARIO, key_text + 9);
        if (!key) {
            sim__key_list(SIM_IN_SCENARIO, keys, sizeof keys);
            rc = refuse(errbuf, errbuf_size, "unknown key '%s' (scenario keys that can "
                        "be set: %s)", key_text, keys);
            goto out;
        }
        saved = *scn;
        offset = key->offset[SIM_STRUCT_SCENARIO];
        rc = compute(key, (char *)scn + offset, (char *)&saved + offset,
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
    key = settable_key(SIM_IN_CE, field);
    if (!key) {
        sim__key_list(SIM_IN_CE, keys, sizeof keys);
        rc = refuse(errbuf, errbuf_size, "unknown CE key '%s' in '%.*s' (CE keys that "
                    "can be set: %s)", field, (int)(eq - assignment), assignment, keys);
        goto out;
    }
    /* change copies of the CEs, then check, then swap in */
    ces = malloc(scn->nces * sizeof *ces);
    if (!ces) {
        rc = sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
        goto out;
    }
    memcpy(ces, scn->ces, scn->nces * sizeof *ces);
    /* a CE key's field is in the spec that begins struct sim_ce_entry */
    offset = key->offset[SIM_STRUCT_CE];
    rc = SIM_OK;
    for (i = 0; i < scn->nces && rc == SIM_OK; i++) {
        if (strcmp(ce_name, "*") != 0 && strcmp(ce_name, scn->ces[i].name) != 0)
            continue;
        matched++;
        rc = compute(key, (char *)&scn->ces[i] + offset, (char *)&ces[i] + offset,
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

sim_rc sim_scenario_add_event(sim_scenario *scn, const char *name, int64_t at_ms,
                              const char *ce, const char *key_name, const char *value,
                              char *errbuf, size_t errbuf_size)
{
    const struct sim_key *key;
    struct sim_event_spec ev, *events;
    char why[300];
    size_t i, pos;
    int rc;

    if (errbuf && errbuf_size)
        errbuf[0] = '\0';
    if (!scn || !name || !ce || !key_name || !value)
        return refuse(errbuf, errbuf_size, "no scenario, name, CE, key or value");
    if (!sim__valid_name(name, PILOTDB_NAME_MAX))
        return refuse(errbuf, errbuf_size, "an event's name must be 1 to %d bytes of UTF-8 "
                      "without control characters", PILOTDB_NAME_MAX);
    key = sim__key_find(SIM_IN_EVENT, key_name);
    if (!key || !key->set_bit)
        return refuse(errbuf, errbuf_size, "event '%s': '%s' is not %s, %s or %s", name,
                      key_name, SIM_EV_KEY(capacity), SIM_EV_KEY(success_rate),
                      SIM_EV_KEY(enabled));
    if (at_ms < 0 || at_ms > scn->duration)
        return refuse(errbuf, errbuf_size, "event '%s' is %s the scenario", name,
                      at_ms < 0 ? "before the start of" : "after the end of");
    memset(&ev, 0, sizeof ev);
    ev.enabled = 1;
    ev.at = at_ms;
    for (i = 0; i < scn->nces && strcmp(scn->ces[i].name, ce) != 0; i++)
        ;
    if (i == scn->nces)
        return refuse(errbuf, errbuf_size, "event '%s' names unknown CE '%s'", name, ce);
    ev.ce_index = i;
    rc = sim__key_parse(key, value, (char *)&ev + key->offset[SIM_STRUCT_EVENT], why,
                        sizeof why);
    if (rc == SIM_KEY_NOMEM)
        return SIM_ENOMEM;
    if (rc != SIM_KEY_OK)
        return refuse(errbuf, errbuf_size, "event '%s': %s%s%s", name, key->name,
                      sim__key_sep(key), why);
    ev.set = key->set_bit;
    ev.name = strdup(name);
    ev.ce = strdup(ce);
    events = realloc(scn->events, (scn->nevents + 1) * sizeof *events);
    if (!ev.name || !ev.ce || !events) {
        free(ev.name);
        free(ev.ce);
        if (events)
            scn->events = events;
        return sim__fail(SIM_ENOMEM, errbuf, errbuf_size, "out of memory");
    }
    scn->events = events;
    /* after every event of the same time, as a later section would be */
    for (pos = scn->nevents; pos > 0 && events[pos - 1].at > at_ms; pos--)
        ;
    memmove(&events[pos + 1], &events[pos], (scn->nevents - pos) * sizeof *events);
    events[pos] = ev;
    scn->nevents++;
    return SIM_OK;
}

int64_t sim_scenario_warmup(const sim_scenario *scn)
{
    return scn->warmup;
}
