/*
 * test_sim_golden.c - the golden-file library behind `pilotdeck test`
 * (sim_golden_*): which cases a directory, scenario or manifest gives, bad
 * manifests refused as FILE:LINE, a changed scenario failing with its seed,
 * line, JSON path and member, a golden of an older pilotdeck told to be
 * updated, --update rewriting exactly the goldens that differ,
 * results in case order whatever the jobs; and what the command cannot do:
 * the database each shipped scenario leaves at its own seed (the run its
 * golden pins) passes the simulation's invariants.
 *
 * The replay of the shipped goldens itself is `pilotdeck test scenarios`
 * (CTest test test_sim_golden, tests/sim.cmake).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixtures.h"
#include "pilotsim.h"
#include "sim_check.h"

/* Scenarios short enough to replay under valgrind. */
static const char *const valgrind_ok[] = {"tutorial", "outage", "flaky_ban"};

static const char *source_dir(void)
{
    const char *src = getenv("PILOTDECK_SOURCE_DIR");
    return src ? src : "..";
}

static char *slurp(const char *path)
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

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* Copy the shipped scenario NAME.ini and its golden into dir (dir/golden). */
static void copy_case(const char *dir, const char *name)
{
    char from[4096], to[4096];
    char *text;

    snprintf(from, sizeof from, "%s/scenarios/%s.ini", source_dir(), name);
    snprintf(to, sizeof to, "%s/%s.ini", dir, name);
    assert_non_null(text = slurp(from));
    spit(to, text);
    free(text);
    snprintf(from, sizeof from, "%s/scenarios/golden/%s.json", source_dir(), name);
    snprintf(to, sizeof to, "%s/golden", dir);
    mkdir(to, 0777);
    snprintf(to, sizeof to, "%s/golden/%s.json", dir, name);
    assert_non_null(text = slurp(from));
    spit(to, text);
    free(text);
}

/* Remove dir/golden's files and dir/golden, then dir (fx_tmpdir_remove). */
static void remove_dir(char *dir)
{
    static const char *const files[] = {"tutorial.json", "outage.json", "flaky_ban.json",
                                        "t.json", "t.csv"};
    char path[4096];

    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/golden/%s", dir, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/golden", dir);
    rmdir(path);
    fx_tmpdir_remove(dir);
}

/* The results of a run, kept in the order they came. */
struct seen {
    size_t n;
    char names[16][64];
    sim_golden_result r[16];
};

static void keep(void *arg, const sim_golden_result *r)
{
    struct seen *s = arg;

    assert_true(s->n < 16);
    snprintf(s->names[s->n], sizeof s->names[0], "%s", r->c->name);
    s->r[s->n++] = *r;
}

static void run_set(const sim_golden_set *set, int update, unsigned jobs, struct seen *s)
{
    char err[256];

    memset(s, 0, sizeof *s);
    assert_int_equal(sim_golden_run(set, update, jobs, NULL, keep, s, err, sizeof err), SIM_OK);
    assert_int_equal(s->n, set->ncases);
}

/* The shipped scenarios with a golden, in name order: demo's built-in
 * scenario among them, the benchmark's large.ini not. */
static void test_shipped_cases(void **state)
{
    static const char *const names[] = {"arrivals", "capacity_whatif", "demo", "flaky_ban",
                                        "grid50", "outage", "tutorial"};
    sim_golden_set set = {0};
    char dir[4096], err[512], want[4200];

    (void)state;
    snprintf(dir, sizeof dir, "%s/scenarios", source_dir());
    assert_int_equal(sim_golden_add(&set, dir, err, sizeof err), SIM_OK);
    assert_int_equal(set.ncases, sizeof names / sizeof names[0]);
    for (size_t i = 0; i < set.ncases; i++) {
        assert_string_equal(set.cases[i].name, names[i]);
        snprintf(want, sizeof want, "%s/golden/%s.json", dir, names[i]);
        assert_string_equal(set.cases[i].golden[0], want);
        assert_null(set.cases[i].golden[1]);
        assert_int_equal(set.cases[i].seed, -1);
    }
    sim_golden_set_free(&set);
}

/* Each bad manifest is refused at its line, adding no case. */
static void test_bad_manifests(void **state)
{
    static const struct { const char *text, *message; } bad[] = {
        {"[case a]\nscenario = x.ini\nbogus = 1\n", "m.ini:3: unknown key 'bogus'"},
        {"[case a]\nseed = 3\n", "m.ini:2: [case a] needs scenario = FILE"},
        {"[case a]\nscenario = x.ini\nseed = -1\n", "m.ini:3: seed: '-1' is not"},
        {"[case a]\nscenario = x.ini\nuntil = 12\n", "m.ini:3: until: '12' is not a duration"},
        {"[case a]\nscenario = x.ini\ncompare = ,\n",
         "m.ini:3: compare: name at least one output"},
        {"[case a]\nscenario = x.ini\ncompare = report, plot\n",
         "m.ini:3: compare: unknown output 'plot'"},
        {"[case a]\nscenario = x.ini\n[case a]\nscenario = y.ini\n",
         "m.ini:4: case 'a' given twice"},
        {"[case a]\nscenario = x.ini\n[ce b]\ncapacity = 1\n", "m.ini:4: unknown section [ce b]"},
        {"[case a]\nscenario = x.ini\nscenario = y.ini\n", "m.ini:3: key 'scenario' given twice"},
        {"[case a]\nscenario = x.ini\nthis is not ini\n", "m.ini:3: syntax error"},
    };
    char *dir = fx_tmpdir(), path[4096], err[512], want[4200];

    (void)state;
    snprintf(path, sizeof path, "%s/m.ini", dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim_golden_set set = {0};
        spit(path, bad[i].text);
        assert_int_equal(sim_golden_add(&set, path, err, sizeof err), SIM_EPARSE);
        snprintf(want, sizeof want, "%s/%s", dir, bad[i].message);
        if (strncmp(err, want, strlen(want)) != 0)
            fail_msg("manifest %zu: got '%s', want '%s...'", i, err, want);
        assert_int_equal(set.ncases, 0);
        sim_golden_set_free(&set);
    }
    remove_dir(dir);
}

/* A manifest's case: its keys, its defaults, paths beside the manifest. */
static void test_manifest_case(void **state)
{
    sim_golden_set set = {0};
    char *dir = fx_tmpdir(), path[4096], err[512], want[4200];
    struct seen s;

    (void)state;
    copy_case(dir, "tutorial");
    snprintf(path, sizeof path, "%s/m.ini", dir);
    spit(path, "; a manifest\n[case t]\nscenario = tutorial.ini\nseed = 7\nuntil = 12h\n"
               "compare = report, csv\n");
    assert_int_equal(sim_golden_add(&set, path, err, sizeof err), SIM_OK);
    assert_int_equal(set.ncases, 1);
    assert_string_equal(set.cases[0].name, "t");
    assert_int_equal(set.cases[0].seed, 7);
    assert_string_equal(set.cases[0].until, "12h");
    snprintf(want, sizeof want, "%s/golden/t.csv", dir);
    assert_string_equal(set.cases[0].golden[1], want);
    snprintf(want, sizeof want, "%s:2", path);
    assert_string_equal(set.cases[0].origin, want);

    /* no golden yet: an error naming it; an update writes both */
    run_set(&set, 0, 1, &s);
    assert_int_equal(s.r[0].status, SIM_GOLDEN_ERROR);
    assert_non_null(strstr(s.r[0].message, "golden/t.json: no golden file"));
    run_set(&set, 1, 1, &s);
    assert_int_equal(s.r[0].status, SIM_GOLDEN_UPDATED);
    assert_int_equal(s.r[0].updated, SIM_GOLDEN_REPORT | SIM_GOLDEN_CSV);
    assert_int_equal(s.r[0].seed, 7);
    run_set(&set, 0, 1, &s);
    assert_int_equal(s.r[0].status, SIM_GOLDEN_PASS);

    /* the directory holds the manifest's case and tutorial's own */
    sim_golden_set_free(&set);
    assert_int_equal(sim_golden_add(&set, dir, err, sizeof err), SIM_OK);
    assert_int_equal(set.ncases, 2);
    assert_string_equal(set.cases[0].name, "t");
    assert_string_equal(set.cases[1].name, "tutorial");
    sim_golden_set_free(&set);
    unlink(path);
    snprintf(path, sizeof path, "%s/tutorial.ini", dir);
    unlink(path);
    remove_dir(dir);
}

/* A value changed in a copied scenario fails with the seed, the line and
 * its JSON path; an update rewrites that golden only. */
static void test_changed_scenario(void **state)
{
    sim_golden_set set = {0};
    char *dir = fx_tmpdir(), path[4096], err[512], golden[4096], *text, *at;
    struct stat before, after;
    struct seen s;

    (void)state;
    copy_case(dir, "tutorial");
    copy_case(dir, "outage");
    snprintf(path, sizeof path, "%s/outage.ini", dir);
    text = slurp(path);
    assert_non_null(at = strstr(text, "capacity = 12\n"));
    memcpy(at, "capacity = 17\n", 14);
    spit(path, text);
    free(text);

    assert_int_equal(sim_golden_add(&set, dir, err, sizeof err), SIM_OK);
    assert_int_equal(set.ncases, 2);
    run_set(&set, 0, 1, &s);
    assert_string_equal(s.names[0], "outage");
    assert_int_equal(s.r[0].status, SIM_GOLDEN_DIFF);
    assert_int_equal(s.r[0].seed, 7);
    assert_int_equal(s.r[0].line, 1);
    assert_string_equal(s.r[0].where, ".ces[0].capacity");
    assert_string_equal(s.r[0].got, "\"capacity\":17");
    assert_string_equal(s.r[0].want, "\"capacity\":12");
    assert_int_equal(s.r[1].status, SIM_GOLDEN_PASS);

    snprintf(golden, sizeof golden, "%s/golden/tutorial.json", dir);
    assert_int_equal(stat(golden, &before), 0);
    run_set(&set, 1, 2, &s);
    assert_int_equal(s.r[0].status, SIM_GOLDEN_UPDATED);
    assert_int_equal(s.r[0].updated, SIM_GOLDEN_REPORT);
    assert_int_equal(s.r[1].status, SIM_GOLDEN_PASS);
    assert_int_equal(s.r[1].updated, 0);
    assert_int_equal(stat(golden, &after), 0);
    assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
    assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
    assert_int_equal(before.st_ino, after.st_ino);
    snprintf(golden, sizeof golden, "%s/golden/outage.json", dir);
    assert_non_null(text = slurp(golden));
    assert_non_null(strstr(text, "\"capacity\":17,"));
    free(text);

    run_set(&set, 0, 1, &s);
    assert_int_equal(s.r[0].status, SIM_GOLDEN_PASS);
    assert_int_equal(s.r[1].status, SIM_GOLDEN_PASS);
    sim_golden_set_free(&set);
    unlink(path);
    snprintf(path, sizeof path, "%s/tutorial.ini", dir);
    unlink(path);
    remove_dir(dir);
}

/* Replace the first from in the file at path by to. */
static void edit(const char *path, const char *from, const char *to)
{
    char *text = slurp(path), *at, *edited;

    assert_non_null(text);
    assert_non_null(at = strstr(text, from));
    assert_non_null(edited = malloc(strlen(text) - strlen(from) + strlen(to) + 1));
    sprintf(edited, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    spit(path, edited);
    free(edited);
    free(text);
}

/* A compact golden that differs names the member that moved, not its line;
 * one of an older pilotdeck (times in ms) says to update it. */
static void test_diff_messages(void **state)
{
    static const struct { const char *from, *to, *where, *got, *want; } cases[] = {
        {"\"done\":372,", "\"done\":999,", ".total.done", "\"done\":372", "\"done\":999"},
        /* a member fewer, in the middle and at the end: the one after it shown */
        {"\"bans\":0,\"active\":16", "\"active\":16", ".ces[1]", "\"bans\":0",
         "\"active\":16"},
        {",\"mean_time_in_system_s\":4505.425504}", "}", ".total.throughput_per_hour",
         "\"throughput_per_hour\":23.5,\"mean_time_in_system_s\":4505.425504",
         "\"throughput_per_hour\":23.5}"},
        {"\"ce-c.example.org\"", "\"ce-c,\\\"x\\\"\"", ".ces[2].name",
         "\"name\":\"ce-c.example.org\"", "\"name\":\"ce-c,\\\"x\\\"\""},
    };
    sim_golden_set set = {0};
    char *dir = fx_tmpdir(), path[4096], golden[4096], err[512], *saved;
    struct seen s;

    (void)state;
    copy_case(dir, "outage");
    snprintf(golden, sizeof golden, "%s/golden/outage.json", dir);
    assert_non_null(saved = slurp(golden));
    snprintf(path, sizeof path, "%s/outage.ini", dir);
    assert_int_equal(sim_golden_add(&set, path, err, sizeof err), SIM_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        spit(golden, saved);
        edit(golden, cases[i].from, cases[i].to);
        run_set(&set, 0, 1, &s);
        assert_int_equal(s.r[0].status, SIM_GOLDEN_DIFF);
        assert_int_equal(s.r[0].line, 1);
        assert_string_equal(s.r[0].where, cases[i].where);
        assert_string_equal(s.r[0].got, cases[i].got);
        assert_string_equal(s.r[0].want, cases[i].want);
    }

    /* times in milliseconds: not a difference per value but a stale file */
    spit(golden, saved);
    edit(golden, "\"duration_s\":64800,\"time_s\":64800,\"warmup_s\":0",
         "\"duration_ms\":64800000,\"time_ms\":64800000,\"warmup_ms\":0");
    run_set(&set, 0, 1, &s);
    assert_int_equal(s.r[0].status, SIM_GOLDEN_ERROR);
    assert_non_null(strstr(s.r[0].message, "golden/outage.json: a golden of an older pilotdeck"));
    assert_non_null(strstr(s.r[0].message, "rewrite it with pilotdeck test --update"));
    run_set(&set, 1, 1, &s);
    assert_int_equal(s.r[0].status, SIM_GOLDEN_UPDATED);
    free(saved);
    assert_non_null(saved = slurp(golden));
    assert_null(strstr(saved, "_ms\""));
    run_set(&set, 0, 1, &s);
    assert_int_equal(s.r[0].status, SIM_GOLDEN_PASS);
    free(saved);
    sim_golden_set_free(&set);
    unlink(path);
    remove_dir(dir);
}

/* An unreadable scenario fails its case, not the run. */
static void test_unreadable_scenario(void **state)
{
    sim_golden_set set = {0};
    char *dir = fx_tmpdir(), path[4096], err[512];
    struct seen s;

    (void)state;
    snprintf(path, sizeof path, "%s/gone.ini", dir);
    assert_int_equal(sim_golden_add(&set, path, err, sizeof err), SIM_EIO);
    spit(path, "[scenario]\nduration = 1h\n[ce a]\ncapacity = x\n");
    assert_int_equal(sim_golden_add(&set, path, err, sizeof err), SIM_OK);
    run_set(&set, 0, 1, &s);
    assert_int_equal(s.r[0].status, SIM_GOLDEN_ERROR);
    assert_non_null(strstr(s.r[0].message, "gone.ini:4:"));
    sim_golden_set_free(&set);
    unlink(path);
    remove_dir(dir);
}

/* The same results in the same order whatever the jobs. */
static void test_jobs_keep_order(void **state)
{
    sim_golden_set set = {0};
    char path[4096], err[512];
    struct seen one, many;

    (void)state;
    for (size_t i = 0; i < sizeof valgrind_ok / sizeof valgrind_ok[0]; i++) {
        snprintf(path, sizeof path, "%s/scenarios/%s.ini", source_dir(), valgrind_ok[i]);
        assert_int_equal(sim_golden_add(&set, path, err, sizeof err), SIM_OK);
    }
    run_set(&set, 0, 1, &one);
    run_set(&set, 0, 3, &many);
    for (size_t i = 0; i < set.ncases; i++) {
        assert_string_equal(one.names[i], valgrind_ok[i]);
        assert_string_equal(many.names[i], valgrind_ok[i]);
        assert_int_equal(one.r[i].status, SIM_GOLDEN_PASS);
        assert_int_equal(many.r[i].status, SIM_GOLDEN_PASS);
        assert_int_equal(one.r[i].seed, many.r[i].seed);
    }
    sim_golden_set_free(&set);
}

/* The database each shipped scenario leaves at its own seed passes the
 * simulation's invariants (the golden pins only the report). */
static void test_golden_runs_consistent(void **state)
{
    sim_golden_set set = {0};
    char dir[4096], err[512], what[512];

    (void)state;
    snprintf(dir, sizeof dir, "%s/scenarios", source_dir());
    assert_int_equal(sim_golden_add(&set, dir, err, sizeof err), SIM_OK);
    for (size_t i = 0; i < set.ncases; i++) {
        const sim_golden_case *c = &set.cases[i];
        int run = !sim_check_under_valgrind();
        for (size_t k = 0; k < sizeof valgrind_ok / sizeof valgrind_ok[0]; k++)
            run |= strcmp(c->name, valgrind_ok[k]) == 0;
        if (!run)
            continue;
        sim_scenario *scn = sim_check_load(c->scenario);
        pilotdb *db = fx_template_db();
        sim_engine *eng = NULL;
        uint64_t seed = sim_scenario_seed(scn);

        snprintf(what, sizeof what, "scenario %s seed %llu (reproduce: pilotdeck --db check.db "
                 "sim %s, then inspect check.db)", c->name, (unsigned long long)seed,
                 c->scenario);
        if (sim_engine_new(scn, db, seed, &eng, err, sizeof err) != SIM_OK)
            fail_msg("%s: %s", what, err);
        if (sim_engine_run(eng) != SIM_OK)
            fail_msg("%s: %s", what, sim_engine_errmsg(eng));
        sim_check_run(db, scn, eng, 0, what);
        sim_engine_free(eng);
        fx_close(db);
        sim_scenario_free(scn);
    }
    sim_golden_set_free(&set);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest cases[] = {
        cmocka_unit_test(test_shipped_cases),
        cmocka_unit_test(test_bad_manifests),
        cmocka_unit_test(test_manifest_case),
        cmocka_unit_test(test_unreadable_scenario),
    };
    const struct CMUnitTest compare[] = {
        cmocka_unit_test(test_changed_scenario),
        cmocka_unit_test(test_diff_messages),
        cmocka_unit_test(test_jobs_keep_order),
    };
    const struct CMUnitTest invariants[] = {
        cmocka_unit_test(test_golden_runs_consistent),
    };
    const struct fx_group groups[] = {
        FX_GROUP("cases", cases, NULL, NULL),
        FX_GROUP("compare", compare, NULL, NULL),
        FX_GROUP("invariants", invariants, NULL, NULL),
    };
    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
