/*
 * test_keys.c - the table of scenario keys: every key parses from a scenario
 * file and from --set (sim_scenario_set) alike, same values taken, same
 * values refused with the same words; the table's defaults are valid; the
 * key tables of scenarios/README.md list exactly the table's keys.
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
#include "keys.h"
#include "pilotsim.h"
#include "scenario.h"

/* Values to try for each type: good ones, bad ones, edges of the ranges. */
static const char *const int_values[] = {
    "0", "1", "7", "20", "10.0", "1.5", "-1", "-0", "lots", "1e3", "0x10", "100000",
    "100001", "1000000", "1000001", "1000000000", "1000000001", "99999999999999999999"};
static const char *const real_values[] = {
    "0", "0.5", "1", "0.25", "1.5", "-0.2", "high", "nan", ".5", "5.", "1e3", "0.1x",
    "100000000", "100000001", "2.5"};
static const char *const duration_values[] = {
    "0s", "500ms", "999ms", "1s", "90s", "2h", "1.5h", "30d", "31d", "3660d", "3661d",
    "90", "-1h", "h", "1 h"};
static const char *const bool_values[] = {
    "true", "false", "yes", "no", "on", "off", "1", "0", "maybe", "TRUE", "2"};
static const char *const dist_values[] = {
    "fixed(3m)", "exp(30m)", "uniform(1m, 5m)", "lognormal(2h, 30m)", "normal(1h)",
    "30m", "uniform(5m,1m)", "exp(0s)", "fixed(10)"};

static void values_of(const struct sim_key *key, const char *const **values, size_t *n)
{
#define PICK(a) (*values = (a), *n = sizeof(a) / sizeof((a)[0]))
    switch (key->type) {
    case SIM_KEY_INT: PICK(int_values); break;
    case SIM_KEY_REAL: PICK(real_values); break;
    case SIM_KEY_DURATION: PICK(duration_values); break;
    case SIM_KEY_BOOL: PICK(bool_values); break;
    case SIM_KEY_DIST: PICK(dist_values); break;
    default: *values = NULL, *n = 0; break;
    }
#undef PICK
}

/* A scenario file setting key (in section, SIM_IN_SCENARIO or SIM_IN_CE) to
 * value, and the line it is on. */
static int scenario_text(char *buf, size_t size, const struct sim_key *key, unsigned section,
                         const char *value)
{
    int is_duration = strcmp(key->name, "duration") == 0;
    int is_capacity = strcmp(key->name, "capacity") == 0;

    if (section == SIM_IN_SCENARIO) {
        snprintf(buf, size, "[scenario]\n%s%s = %s\n[ce a]\ncapacity = 5\n",
                 is_duration ? "" : "duration = 1d\n", key->name, value);
        return is_duration ? 2 : 3;
    }
    snprintf(buf, size, "[scenario]\nduration = 1d\n[ce a]\n%s%s = %s\n",
             is_capacity ? "" : "capacity = 5\n", key->name, value);
    return is_capacity ? 4 : 5;
}

static void *field_of(sim_scenario *scn, const struct sim_key *key, unsigned section)
{
    if (section == SIM_IN_SCENARIO)
        return (char *)scn + key->offset[SIM_STRUCT_SCENARIO];
    return (char *)&scn->ces[0] + key->offset[SIM_STRUCT_CE];
}

static int same_value(const struct sim_key *key, const void *a, const void *b)
{
    switch (key->type) {
    case SIM_KEY_INT:
    case SIM_KEY_DURATION:
        return *(const int64_t *)a == *(const int64_t *)b;
    case SIM_KEY_REAL:
        return *(const double *)a == *(const double *)b;
    case SIM_KEY_BOOL:
        return *(const int *)a == *(const int *)b;
    case SIM_KEY_DIST:
        return ((const sim_dist *)a)->cls == ((const sim_dist *)b)->cls &&
               sim_dist_mean(a) == sim_dist_mean(b);
    default:
        return 0;
    }
}

/* One key, one value: the file and both --set forms agree. */
static void check_alike(const struct sim_key *key, unsigned section, const char *value)
{
    char text[512], assignment[256], what[128], ini_err[512], set_err[512], want[512];
    char prefix[128];
    sim_scenario *from_file = NULL, *base = NULL;
    int line = scenario_text(text, sizeof text, key, section, value);
    sim_rc file_rc = sim_scenario_parse(text, "t.ini", &from_file, ini_err, sizeof ini_err);
    sim_rc set_rc;
    int relative;

    /* the same scenario without the key, then the key set with --set */
    snprintf(what, sizeof what, "%s%s", section == SIM_IN_SCENARIO ? "scenario." : "ce.a.",
             key->name);
    snprintf(assignment, sizeof assignment, "%s=%s", what, value);
    for (relative = 0; relative < 2; relative++) {
        if (relative && value[0] == '-')
            continue; /* a change in sim_scenario_set() */
        scenario_text(text, sizeof text, key, section, strcmp(key->name, "duration") == 0
                      ? "1d" : strcmp(key->name, "capacity") == 0 ? "5" : key->dflt
                      ? key->dflt : "0");
        if (sim_scenario_parse(text, "t.ini", &base, set_err, sizeof set_err) != SIM_OK)
            fail_msg("%s: the base scenario does not parse: %s", key->name, set_err);
        set_rc = relative ? sim_scenario_set(base, assignment, set_err, sizeof set_err)
                          : sim_scenario_set_absolute(base, assignment, set_err,
                                                      sizeof set_err);
        if ((file_rc == SIM_OK) != (set_rc == SIM_OK))
            fail_msg("%s: the file %s '%s' (%s), --set%s %s it (%s)", what,
                     file_rc == SIM_OK ? "takes" : "refuses", value,
                     file_rc == SIM_OK ? "" : ini_err, relative ? "" : " (absolute)",
                     set_rc == SIM_OK ? "takes" : "refuses", set_rc == SIM_OK ? "" : set_err);
        if (file_rc == SIM_OK && !same_value(key, field_of(from_file, key, section),
                                             field_of(base, key, section)))
            fail_msg("%s = %s: the file and --set give different values", what, value);
        /* a refused value: the same words about it */
        snprintf(prefix, sizeof prefix, "t.ini:%d: %s%s", line, key->name, sim__key_sep(key));
        if (file_rc != SIM_OK && strncmp(ini_err, prefix, strlen(prefix)) == 0) {
            snprintf(want, sizeof want, "%s: %s", assignment, ini_err + strlen(prefix));
            if (strncmp(set_err, want, strlen(want)) != 0)
                fail_msg("%s: the file says '%s', --set '%s'", what, ini_err, set_err);
        }
        sim_scenario_free(base);
        base = NULL;
    }
    sim_scenario_free(from_file);
}

static void test_file_and_set_alike(void **state)
{
    static const unsigned sections[] = {SIM_IN_SCENARIO, SIM_IN_CE};
    const struct sim_key *key;
    size_t i, k, n, checked = 0;
    const char *const *values;

    (void)state;
    for (key = sim__keys; key->name; key++) {
        for (i = 0; i < 2; i++) {
            char err[512], assignment[128];
            sim_scenario *scn = NULL;
            if (!(key->sections & sections[i]))
                continue;
            if (!key->settable) {
                /* not for --set: refused as unknown, whatever the value */
                assert_int_equal(sim_scenario_parse("[scenario]\nduration = 1h\n[ce a]\n"
                                                    "capacity = 1\n", "t.ini", &scn, err,
                                                    sizeof err), SIM_OK);
                snprintf(assignment, sizeof assignment, "%s%s=%s", i == 0 ? "scenario."
                         : "ce.a.", key->name, key->dflt ? key->dflt : "1");
                assert_int_equal(sim_scenario_set(scn, assignment, err, sizeof err),
                                 SIM_EINVAL);
                if (!strstr(err, "unknown"))
                    fail_msg("%s: '%s'", assignment, err);
                sim_scenario_free(scn);
                continue;
            }
            values_of(key, &values, &n);
            if (n == 0)
                fail_msg("%s can be set but the test has no values of its type", key->name);
            for (k = 0; k < n; k++)
                check_alike(key, sections[i], values[k]);
            checked++;
        }
    }
    assert_true(checked >= 18);
}

/* The table itself: names unique in a section, defaults that parse, every
 * key of a section the parser knows. */
static void test_table(void **state)
{
    const struct sim_key *key, *other;
    union {
        int64_t i;
        double d;
        int b;
        sim_dist dist;
        char *s;
        const void *p;
    } scratch;
    char why[300];

    (void)state;
    for (key = sim__keys; key->name; key++) {
        assert_true(key->sections != 0);
        assert_non_null(key->help);
        assert_non_null(key->unit);
        for (other = sim__keys; other < key; other++)
            if ((other->sections & key->sections) && strcmp(other->name, key->name) == 0)
                fail_msg("%s is in the table twice for one section", key->name);
        if (key->dflt) {
            memset(&scratch, 0, sizeof scratch);
            if (sim__key_parse(key, key->dflt, &scratch, why, sizeof why) != SIM_KEY_OK)
                fail_msg("%s: the default '%s' does not parse: %s", key->name, key->dflt,
                         why);
        }
        if (key->settable)
            assert_true(key->sections & (SIM_IN_SCENARIO | SIM_IN_CE));
        assert_ptr_equal(sim__key_of(key->sections & -key->sections,
                                     key->offset[sim__key_struct(key->sections &
                                                                 -key->sections)]), key);
    }
}

/* The keys of one README table: "| `key` | default | meaning |" rows after
 * the heading that starts with heading, until the next heading. */
static size_t readme_table(const char *readme, const char *heading, char names[][64],
                           char defaults[][64], size_t max)
{
    const char *p = strstr(readme, heading), *end;
    size_t n = 0;

    if (!p)
        fail_msg("scenarios/README.md has no heading '%s'", heading);
    end = strstr(p + 1, "\n#");
    if (!end)
        end = p + strlen(p);
    while ((p = strstr(p, "\n| `")) != NULL && p < end) {
        const char *name = p + 4, *tick = strchr(name, '`');
        const char *cell = strstr(tick, "| ") + 2, *cell_end = strstr(cell, " |");
        assert_true(n < max);
        snprintf(names[n], 64, "%.*s", (int)(tick - name), name);
        if (cell[0] == '`')
            cell++, cell_end--;
        snprintf(defaults[n], 64, "%.*s", (int)(cell_end - cell), cell);
        n++;
        p++;
    }
    return n;
}

static void test_readme_tables(void **state)
{
    static const struct {
        const char *heading;
        unsigned sections;
    } tables[] = {{"### `[scenario]`", SIM_IN_SCENARIO},
                  {"### `[ce NAME]` and `[group NAME]`", SIM_IN_CE | SIM_IN_GROUP},
                  {"### `[event NAME]`", SIM_IN_EVENT}};
    const char *src = getenv("PILOTDECK_SOURCE_DIR");
    char path[4096], names[64][64], defaults[64][64], *readme;
    const struct sim_key *key;
    size_t t, i, n, len;
    FILE *f;

    (void)state;
    if (!src)
        skip();
    snprintf(path, sizeof path, "%s/scenarios/README.md", src);
    f = fopen(path, "r");
    assert_non_null(f);
    readme = calloc(1, 1 << 20);
    assert_non_null(readme);
    len = fread(readme, 1, (1 << 20) - 1, f);
    fclose(f);
    assert_true(len > 0);
    for (t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        size_t in_table = 0;
        n = readme_table(readme, tables[t].heading, names, defaults, 64);
        for (i = 0; i < n; i++) {
            key = sim__key_find(tables[t].sections, names[i]);
            if (!key)
                fail_msg("README table %s lists '%s', which the key table has not",
                         tables[t].heading, names[i]);
            if (key->dflt && tables[t].sections != SIM_IN_EVENT &&
                strcmp(defaults[i], key->dflt) != 0)
                fail_msg("README: %s defaults to '%s', the key table says '%s'", names[i],
                         defaults[i], key->dflt);
        }
        for (key = sim__keys; key->name; key++) {
            int listed = 0;
            if (!(key->sections & tables[t].sections))
                continue;
            in_table++;
            for (i = 0; i < n; i++)
                listed |= strcmp(names[i], key->name) == 0;
            if (!listed)
                fail_msg("README table %s does not list '%s'", tables[t].heading,
                         key->name);
        }
        assert_int_equal(n, in_table);
    }
    free(readme);
}

/* The help text lists every settable key, wrapped within the width. */
static void test_help_text(void **state)
{
    char *text = NULL, *line;
    size_t size = 0;
    const struct sim_key *key;
    FILE *out = open_memstream(&text, &size);

    (void)state;
    assert_non_null(out);
    sim_scenario_keys_help(out, "lead: ", "; tail", 4, 40);
    fclose(out);
    for (key = sim__keys; key->name; key++)
        if (key->settable && !strstr(text, key->name))
            fail_msg("the help text misses %s: %s", key->name, text);
    assert_non_null(strstr(text, "lead: ce.NAME.KEY"));
    assert_non_null(strstr(text, "; tail\n"));
    for (line = text; *line; line = strchr(line, '\n') + 1)
        assert_true(strcspn(line, "\n") <= 40);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_file_and_set_alike),
        cmocka_unit_test(test_readme_tables),
        cmocka_unit_test(test_help_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
