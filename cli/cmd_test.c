/*
 * cmd_test.c - `pilotdeck test`: replay scenarios against their golden files
 * (libpilotsim's sim_golden_*) and print one line per case, as text, JSON
 * lines, and JUnit XML for CI test reporters.
 */
#include "cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fit.h"
#include "pilotsim.h"

enum { OPT_UPDATE = 1, OPT_JOBS, OPT_JSON, OPT_JUNIT };

#define TEST_MAX_JOBS 256

static const struct cli_option test_options[] = {
    {"update", 0, CLI_ARG_NONE, NULL,
     "rewrite the goldens that differ (or are missing) and say\n"
     "which; identical ones are left untouched", OPT_UPDATE},
    {"jobs", 'j', CLI_ARG_REQUIRED, "J",
     "replay J cases at once (1 to " CLI_TEXT(TEST_MAX_JOBS) "; default 1); the\n"
     "output keeps the cases' order", OPT_JOBS},
    {"json", 0, CLI_ARG_NONE, NULL, "print one JSON object per case instead", OPT_JSON},
    {"junit", 0, CLI_ARG_REQUIRED, "FILE",
     "also write the results as JUnit XML to FILE", OPT_JUNIT},
    {NULL, 0, CLI_ARG_NONE, NULL, NULL, 0}
};

struct test_options {
    int update, json;
    int64_t jobs;
    const char *junit_path;
};

static int take_test_option(void *state, int id, const char *value)
{
    struct test_options *o = state;

    switch (id) {
    case OPT_UPDATE:
        o->update = 1;
        break;
    case OPT_JOBS:
        if (cli_parse_int("--jobs", value, 1, TEST_MAX_JOBS, &o->jobs) != 0)
            return CLI_USAGE;
        break;
    case OPT_JSON:
        o->json = 1;
        break;
    default:
        if (!value[0]) {
            cli_error("--junit needs a file name");
            return CLI_USAGE;
        }
        o->junit_path = value;
        break;
    }
    return CLI_OK;
}

/* A result kept for the JUnit file, written once the counts are known. */
struct kept {
    char *name, *file, *failure, *error;
    double seconds;
};

struct tally {
    const struct test_options *o;
    size_t passed, failed, errors, updated;
    struct kept *kept;
    int write_failed;
};

/* path as one shell word: quoted unless it is plain. */
static void shell_word(FILE *out, const char *path)
{
    if (path[0] && strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                "0123456789_./+-:=,@") == strlen(path)) {
        fputs(path, out);
        return;
    }
    fputc('\'', out);
    for (; *path; path++) {
        if (*path == '\'')
            fputs("'\\''", out);
        else
            fputc(*path, out);
    }
    fputc('\'', out);
}

/* Which output golden is of case c: its index, or 0 (the report). */
static int output_of(const sim_golden_case *c, const char *golden)
{
    for (int i = 0; golden && i < SIM_GOLDEN_NOUTPUTS; i++)
        if (c->golden[i] && strcmp(c->golden[i], golden) == 0)
            return i;
    return 0;
}

/* The command that prints output i of a database. */
static const char *db_command(int i)
{
    return i == 2 ? "summary --json" : i == 3 ? "fit --json" : "ce list --json";
}

/* The one command that shows what the case's replay gives: malloc()ed. */
static char *reproduce(const sim_golden_result *r)
{
    const sim_golden_case *c = r->c;
    int out_i = output_of(c, r->golden);
    int from_db = (SIM_GOLDEN_DB_OUTPUTS & 1u << out_i) != 0;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    if (!out)
        return cli_xstrdup("");
    if (c->history) {
        fputs("rm -f replay.db && pilotdeck --db replay.db ingest --add-ces ", out);
        shell_word(out, c->history);
        fputs(" >/dev/null 2>&1", out);
    } else {
        fputs(from_db ? "rm -f replay.db && pilotdeck --db replay.db sim "
                      : "pilotdeck --db :memory: sim ", out);
        shell_word(out, c->scenario);
        fprintf(out, " --seed %llu", (unsigned long long)r->seed);
        if (c->until) {
            fputs(" --until ", out);
            shell_word(out, c->until);
        }
        if (from_db)
            fputs(" >/dev/null", out);
    }
    if (from_db) {
        fprintf(out, " && pilotdeck --db replay.db %s | diff ", db_command(out_i));
        shell_word(out, c->golden[out_i]);
        fputs(" -", out);
    } else if (out_i == 1) {
        fputs(" --csv replay.csv >/dev/null && diff ", out);
        shell_word(out, c->golden[1]);
        fputs(" replay.csv", out);
    } else if (c->golden[0]) {
        fputs(" --json | diff ", out);
        shell_word(out, c->golden[0]);
        fputs(" -", out);
    } else if (!c->history) {
        fputs(" --json", out);
    }
    if (fclose(out) != 0 || !text) {
        free(text);
        return cli_xstrdup("");
    }
    return text;
}

/* ---- what a case's database gives: the commands' own outputs ---------------- */

static int load_history(void *arg, pilotdb *db, const char *path, char *errbuf,
                        size_t errbuf_size)
{
    (void)arg;
    return cli_ingest_history(db, path, errbuf, errbuf_size);
}

static char *db_output(void *arg, pilotdb *db, int output, char *errbuf, size_t errbuf_size)
{
    json_t *value = NULL;
    char *text;
    pilotdb_rc rc = PILOTDB_OK;

    (void)arg;
    if (output == 2) {
        rc = cli_summary_json(db, &value);
    } else if (output == 4) {
        rc = cli_ce_list_json(db, 0, &value);
    } else {
        /* as `pilotdeck --db replay.db fit --json` names its scenario */
        sim_fit_options opt = {INT64_MIN, INT64_MAX, NULL, 0, 30, 0, "fit of replay.db", 0, 0};
        sim_fit *fit = NULL;
        if (sim_fit_run(db, &opt, &fit, errbuf, errbuf_size) != SIM_OK)
            return NULL;
        value = sim_fit_json(fit);
        sim_fit_free(fit);
    }
    if (rc != PILOTDB_OK) {
        snprintf(errbuf, errbuf_size, "%s", pilotdb_errmsg(db));
        return NULL;
    }
    text = value ? cli_json_text(value) : NULL;
    json_decref(value);
    if (!text)
        snprintf(errbuf, errbuf_size, "out of memory writing JSON");
    return text;
}

static const char *status_word(const sim_golden_result *r)
{
    switch (r->status) {
    case SIM_GOLDEN_PASS: return "ok";
    case SIM_GOLDEN_UPDATED: return "updated";
    case SIM_GOLDEN_DIFF: return "fail";
    default: return "error";
    }
}

/* What failed, in one paragraph (the JUnit failure's text). */
static char *failure_text(const sim_golden_result *r, const char *command)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    if (!out)
        return cli_xstrdup("out of memory");
    if (r->status == SIM_GOLDEN_DIFF && r->c->history)
        fprintf(out, "%s:%d: %s differs (history %s)\n  got:  %s\n  want: %s\n", r->golden,
                r->line, r->where, r->c->history, r->got, r->want);
    else if (r->status == SIM_GOLDEN_DIFF)
        fprintf(out, "%s:%d: %s differs (seed %llu)\n  got:  %s\n  want: %s\n", r->golden,
                r->line, r->where, (unsigned long long)r->seed, r->got, r->want);
    else
        fprintf(out, "%s\n", r->message);
    if (r->status == SIM_GOLDEN_DIFF || r->seed || r->c->history)
        fprintf(out, "  reproduce: %s\n", command);
    if (fclose(out) != 0 || !text) {
        free(text);
        return cli_xstrdup("out of memory");
    }
    return text;
}

static void print_json(const sim_golden_result *r, const char *command, struct tally *t)
{
    const sim_golden_case *c = r->c;
    json_t *obj = json_pack("{s:s, s:s, s:s, s:s}", "name", c->name, "status",
                            status_word(r), c->history ? "history" : "scenario",
                            c->history ? c->history : c->scenario, "origin", c->origin);

    if (obj && r->status != SIM_GOLDEN_ERROR && !c->history)
        json_object_set_new(obj, "seed", json_integer((json_int_t)r->seed));
    if (obj && c->until)
        json_object_set_new(obj, "until", json_string(c->until));
    for (int i = 0; obj && i < SIM_GOLDEN_NOUTPUTS; i++)
        if (c->golden[i])
            json_object_set_new(obj, sim_golden_output_name(i), json_string(c->golden[i]));
    if (obj && r->status == SIM_GOLDEN_DIFF) {
        json_object_set_new(obj, "golden", json_string(r->golden));
        json_object_set_new(obj, "line", json_integer(r->line));
        json_object_set_new(obj, "where", json_string(r->where));
        json_object_set_new(obj, "got", json_string(r->got));
        json_object_set_new(obj, "want", json_string(r->want));
    }
    if (obj && r->status == SIM_GOLDEN_UPDATED) {
        json_t *files = json_array();
        for (int i = 0; i < SIM_GOLDEN_NOUTPUTS; i++)
            if (r->updated & 1u << i)
                json_array_append_new(files, json_string(c->golden[i]));
        json_object_set_new(obj, "updated", files);
    }
    if (obj && r->status == SIM_GOLDEN_ERROR)
        json_object_set_new(obj, "message", json_string(r->message));
    if (obj && (r->status == SIM_GOLDEN_DIFF ||
                (r->status == SIM_GOLDEN_ERROR && (r->seed || c->history))))
        json_object_set_new(obj, "reproduce", json_string(command));
    if (cli_print_json(obj) != CLI_OK)
        t->write_failed = 1;
}

static void print_text(const sim_golden_result *r, const char *failure)
{
    const sim_golden_case *c = r->c;

    switch (r->status) {
    case SIM_GOLDEN_PASS:
        printf("ok %s\n", c->name);
        break;
    case SIM_GOLDEN_UPDATED:
        printf("updated %s:", c->name);
        for (int i = 0; i < SIM_GOLDEN_NOUTPUTS; i++)
            if (r->updated & 1u << i)
                printf(" %s", c->golden[i]);
        putchar('\n');
        break;
    default:
        printf("FAIL %s: %s", c->name, failure);
        break;
    }
}

static void take_result(void *arg, const sim_golden_result *r)
{
    struct tally *t = arg;
    size_t i = t->passed + t->failed + t->errors + t->updated;
    char *command = reproduce(r);
    char *failure = failure_text(r, command);
    struct kept *k = &t->kept[i];

    if (t->o->json)
        print_json(r, command, t);
    else
        print_text(r, failure);
    fflush(stdout);
    k->name = cli_xstrdup(r->c->name);
    k->file = cli_xstrdup(r->c->origin);
    k->seconds = r->seconds;
    switch (r->status) {
    case SIM_GOLDEN_PASS:
        t->passed++;
        break;
    case SIM_GOLDEN_UPDATED:
        t->updated++;
        break;
    case SIM_GOLDEN_DIFF:
        t->failed++;
        k->failure = failure;
        failure = NULL;
        break;
    default:
        t->errors++;
        k->error = failure;
        failure = NULL;
        break;
    }
    free(failure);
    free(command);
}

/* text escaped for XML 1.0 (attribute values too); control characters that
 * XML cannot hold become '?'. */
static void xml_escape(FILE *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        case '\n': fputs("&#10;", out); break;
        case '\t': fputs("&#9;", out); break;
        case '\r': fputs("&#13;", out); break;
        default: fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out); break;
        }
    }
}

/* The first line of text, for a failure's message attribute. */
static char *first_line(const char *text)
{
    char *line = cli_xstrdup(text);
    line[strcspn(line, "\n")] = '\0';
    return line;
}

static int write_junit(const char *path, FILE *out, const struct tally *t, size_t n)
{
    double total = 0;
    size_t i;

    for (i = 0; i < n; i++)
        total += t->kept[i].seconds;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"pilotdeck test\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\""
            " time=\"%.3f\">\n"
            "  <testsuite name=\"pilotdeck test\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\""
            " skipped=\"0\" time=\"%.3f\">\n", n, t->failed, t->errors, total, n, t->failed,
            t->errors, total);
    for (i = 0; i < n; i++) {
        const struct kept *k = &t->kept[i];
        const char *body = k->failure ? k->failure : k->error;
        fputs("    <testcase name=\"", out);
        xml_escape(out, k->name);
        fputs("\" classname=\"pilotdeck.test\" file=\"", out);
        xml_escape(out, k->file);
        fprintf(out, "\" time=\"%.3f\"", k->seconds);
        if (!body) {
            fputs("/>\n", out);
            continue;
        }
        char *message = first_line(body);
        fprintf(out, ">\n      <%s type=\"%s\" message=\"", k->failure ? "failure" : "error",
                k->failure ? "golden mismatch" : "replay error");
        xml_escape(out, message);
        fputs("\">", out);
        xml_escape(out, body);
        fprintf(out, "</%s>\n    </testcase>\n", k->failure ? "failure" : "error");
        free(message);
    }
    fputs("  </testsuite>\n</testsuites>\n", out);
    if (fclose(out) != 0) {
        cli_error("%s: %s", path, strerror(errno));
        return CLI_FAILED;
    }
    return CLI_OK;
}

static int run_test(const struct cli_globals *g, struct cli_args *a)
{
    struct test_options o = {0, 0, 1, NULL};
    sim_golden_set set = {0};
    struct tally t;
    const sim_golden_hooks hooks = {load_history, db_output, NULL};
    FILE *junit = NULL;
    char err[1024];
    const char *here = ".";
    char **paths;
    int npaths, status = CLI_USAGE;
    size_t i;

    (void)g;
    if (cli_parse(a, take_test_option, &o))
        return a->status;
    paths = a->nargs ? a->args : (char **)&here;
    npaths = a->nargs ? a->nargs : 1;
    memset(&t, 0, sizeof t);
    t.o = &o;
    for (int k = 0; k < npaths; k++) {
        sim_rc rc = sim_golden_add(&set, paths[k], err, sizeof err);
        if (rc != SIM_OK) {
            cli_error("%s", err);
            status = rc == SIM_ENOMEM ? CLI_FAILED : CLI_USAGE;
            goto out;
        }
    }
    if (set.ncases == 0) {
        cli_error("test: no scenario with a golden in %s%s (NAME.ini beside golden/NAME.json;"
                  " write one with 'pilotdeck test --update NAME.ini')",
                  paths[0], npaths > 1 ? " ..." : "");
        status = CLI_FAILED;
        goto out;
    }
    if (o.junit_path && !(junit = fopen(o.junit_path, "w"))) {
        cli_error("%s: %s", o.junit_path, strerror(errno));
        status = CLI_FAILED;
        goto out;
    }
    t.kept = cli_xcalloc(set.ncases, sizeof *t.kept);
    if (sim_golden_run(&set, o.update, (unsigned)o.jobs, &hooks, take_result, &t, err,
                       sizeof err) !=
        SIM_OK) {
        cli_error("%s", err);
        status = CLI_FAILED;
        goto out;
    }
    if (!o.json && o.update)
        printf("%zu unchanged, %zu updated, %zu failed\n", t.passed, t.updated,
               t.failed + t.errors);
    else if (!o.json)
        printf("%zu passed, %zu failed\n", t.passed, t.failed + t.errors);
    status = t.failed || t.errors || t.write_failed ? CLI_FAILED : CLI_OK;
    if (junit) {
        int junit_status = write_junit(o.junit_path, junit, &t, set.ncases);
        junit = NULL;
        if (junit_status != CLI_OK)
            status = junit_status;
    }
out:
    if (junit)
        fclose(junit);
    for (i = 0; t.kept && i < set.ncases; i++) {
        free(t.kept[i].name);
        free(t.kept[i].file);
        free(t.kept[i].failure);
        free(t.kept[i].error);
    }
    free(t.kept);
    sim_golden_set_free(&set);
    return status;
}

const struct cli_command cmd_test = {
    .name = "test",
    .summary = "replay scenarios and compare them with their golden files",
    .usage = "pilotdeck test [DIR|FILE...] [--update] [--jobs J] [--json] [--junit FILE]",
    .description =
        "Replay each scenario that has a golden beside it (NAME.ini and golden/NAME.json\n"
        "in the same directory) against a fresh in-memory database, as\n"
        "'pilotdeck --db :memory: sim NAME.ini --json' does, and compare byte for byte.\n"
        "Also compared when present: golden/NAME.csv (the CSV series), and\n"
        "NAME.summary.json, NAME.fit.json and NAME.ces.json ('summary --json', 'fit\n"
        "--json' and 'ce list --json' of the database the replay leaves, run as\n"
        "--db replay.db).  A DIR means every such scenario in it (and every manifest);\n"
        "the default is the current directory.  A FILE is a scenario; a history\n"
        "(FILE.jsonl, as 'export' writes it), ingested as 'ingest --add-ces' does into a\n"
        "fresh database and compared on golden/FILE.summary.json, .fit.json and\n"
        ".ces.json; or a manifest: an INI file of [case NAME] sections with scenario =\n"
        "FILE (and optionally seed = N, until = T) or history = FILE, compare = report,\n"
        "csv, summary, fit, ces (default report, or for a history summary, fit, ces),\n"
        "and report, csv, summary, fit, ces = GOLDEN (relative to the manifest).\n"
        "\n"
        "Prints 'ok NAME', or 'FAIL NAME:' with the first differing line, its JSON path,\n"
        "the seed and the command that reproduces it.  Exit status: 0 when every case\n"
        "passes, 1 when one fails, 2 for bad usage or a bad manifest.\n",
    .options_title = "Options:",
    .help_column = 18,
    .epilog = "Example: pilotdeck test scenarios --jobs 2 --junit report.xml\n",
    .options = test_options,
    .args = "DIR|FILE",
    .min_args = 0,
    .max_args = -1,
    .run = run_test,
};
