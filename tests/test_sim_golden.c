/*
 * test_sim_golden.c - replay every shipped scenario (except the benchmark's
 * large.ini) with its own seed against a fresh database and compare the JSON
 * report byte for byte with scenarios/golden/NAME.json.
 *
 * A mismatch prints the scenario, the seed, the first differing line and the
 * command that reproduces the report; scripts/regen-golden rewrites the
 * goldens when a change is intended (review them as a diff).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "pilotsim.h"
#include "sim_check.h"

/* Scenarios short enough to replay under valgrind. */
static const char *const valgrind_ok[] = {"tutorial", "outage", "flaky_ban"};

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long len;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        text = malloc((size_t)len + 1);
        if (text && fread(text, 1, (size_t)len, f) != (size_t)len) {
            free(text);
            text = NULL;
        } else if (text) {
            text[len] = '\0';
        }
    }
    fclose(f);
    return text;
}

/* The 1-based line where a and b first differ, and that line of each. */
static int first_difference(const char *a, const char *b, char *la, char *lb, size_t n)
{
    int line = 1;
    size_t i = 0, start = 0;

    while (a[i] && a[i] == b[i]) {
        if (a[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    a += start;
    b += start;
    snprintf(la, n, "%.*s", (int)strcspn(a, "\n"), a);
    snprintf(lb, n, "%.*s", (int)strcspn(b, "\n"), b);
    return line;
}

/* Replay one scenario; 0 if it matches its golden, 1 after printing why. */
static int replay(const char *name)
{
    const char *path = sim_check_scenario_path(name);
    const char *src = getenv("PILOTDECK_SOURCE_DIR");
    char golden_path[4096], what[512], la[256], lb[256], err[512];
    sim_scenario *scn = sim_check_load(path);
    pilotdb *db = fx_template_db();
    sim_engine *eng = NULL;
    char *report, *golden;
    uint64_t seed = sim_scenario_seed(scn);
    int bad = 0;

    snprintf(golden_path, sizeof golden_path, "%s/scenarios/golden/%s.json",
             src ? src : "..", name);
    snprintf(what, sizeof what, "scenario %s seed %llu", name, (unsigned long long)seed);
    if (sim_engine_new(scn, db, seed, &eng, err, sizeof err) != SIM_OK)
        fail_msg("%s: %s", what, err);
    if (sim_engine_run(eng) != SIM_OK)
        fail_msg("%s: %s", what, sim_engine_errmsg(eng));
    sim_check_run(db, scn, eng, 0, what);
    report = sim_report_json(eng);
    assert_non_null(report);
    golden = read_file(golden_path);
    if (!golden) {
        print_error("%s: no golden report %s (make it with scripts/regen-golden)\n",
                    what, golden_path);
        bad = 1;
    } else if (strcmp(report, golden) != 0) {
        int line = first_difference(report, golden, la, lb, sizeof la);
        print_error("%s: report differs from %s at line %d\n  got:  %s\n  want: %s\n"
                    "reproduce: pilotdeck --db :memory: sim %s --seed %llu --json | "
                    "diff %s -\nif the change is intended: scripts/regen-golden BUILD_DIR "
                    "and review git diff scenarios/golden\n",
                    what, golden_path, line, la, lb, path, (unsigned long long)seed,
                    golden_path);
        bad = 1;
    } else {
        print_message("[ golden   ] %s seed %llu matches\n", name, (unsigned long long)seed);
    }
    free(golden);
    free(report);
    sim_engine_free(eng);
    fx_close(db);
    sim_scenario_free(scn);
    return bad;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_golden_replays(void **state)
{
    const char *src = getenv("PILOTDECK_SOURCE_DIR");
    char dir_path[4096], *names[64];
    size_t n = 0, i, k;
    struct dirent *de;
    DIR *dir;
    int bad = 0;

    (void)state;
    snprintf(dir_path, sizeof dir_path, "%s/scenarios", src ? src : "..");
    dir = opendir(dir_path);
    if (!dir)
        fail_msg("cannot list %s (set PILOTDECK_SOURCE_DIR)", dir_path);
    while ((de = readdir(dir)) != NULL && n < 64) {
        size_t len = strlen(de->d_name);
        if (len > 4 && strcmp(de->d_name + len - 4, ".ini") == 0 &&
            strcmp(de->d_name, "large.ini") != 0) {
            names[n] = strdup(de->d_name);
            assert_non_null(names[n]);
            names[n][len - 4] = '\0';
            n++;
        }
    }
    closedir(dir);
    qsort(names, n, sizeof *names, cmp_str);
    assert_true(n >= 6);
    for (i = 0; i < n; i++) {
        int run = 1;
        if (sim_check_under_valgrind()) {
            run = 0;
            for (k = 0; k < sizeof valgrind_ok / sizeof valgrind_ok[0]; k++)
                if (strcmp(names[i], valgrind_ok[k]) == 0)
                    run = 1;
        }
        if (run)
            bad += replay(names[i]);
        free(names[i]);
    }
    if (bad)
        fail_msg("%d golden replay(s) differ", bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_replays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
