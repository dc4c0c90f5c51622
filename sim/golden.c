/*
 * golden.c - seeded regression tests: the cases of a golden set, each a
 * scenario beside its golden files or a [case NAME] section of a manifest,
 * found in files and directories.  golden_run.c replays and compares them.
 */
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

/* ---- cases ------------------------------------------------------------------ */

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* dir/rel, or rel itself when absolute or dir is "." */
static char *join(const char *dir, const char *rel)
{
    if (rel[0] == '/' || strcmp(dir, ".") == 0)
        return sim__format("%s", rel);
    return sim__format("%s/%s", dir, rel);
}

static void case_free(sim_golden_case *c)
{
    free(c->name);
    free(c->origin);
    free(c->scenario);
    free(c->history);
    free(c->until);
    for (int i = 0; i < SIM_GOLDEN_NOUTPUTS; i++)
        free(c->golden[i]);
    memset(c, 0, sizeof *c);
}

static const struct { const char *name, *suffix; } outputs[SIM_GOLDEN_NOUTPUTS] = {
    {"report", ".json"}, {"csv", ".csv"}, {"summary", ".summary.json"}, {"fit", ".fit.json"},
    {"ces", ".ces.json"},
};

const char *sim_golden_output_name(int i)
{
    return i >= 0 && i < SIM_GOLDEN_NOUTPUTS ? outputs[i].name : NULL;
}

const char *sim_golden_output_suffix(int i)
{
    return i >= 0 && i < SIM_GOLDEN_NOUTPUTS ? outputs[i].suffix : NULL;
}

void sim_golden_set_free(sim_golden_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->ncases; i++)
        case_free(&set->cases[i]);
    free(set->cases);
    memset(set, 0, sizeof *set);
}

/* A new zeroed case at the end of set, or NULL when out of memory. */
static sim_golden_case *new_case(sim_golden_set *set)
{
    if (set->ncases == set->room) {
        size_t room = set->room ? 2 * set->room : 16;
        sim_golden_case *cases = realloc(set->cases, room * sizeof *cases);
        if (!cases)
            return NULL;
        set->cases = cases;
        set->room = room;
    }
    memset(&set->cases[set->ncases], 0, sizeof set->cases[0]);
    set->cases[set->ncases].seed = -1;
    return &set->cases[set->ncases++];
}

/* The case of the scenario file path: golden/NAME.json beside it, and
 * golden/NAME.csv when that exists. */
static sim_rc add_scenario(sim_golden_set *set, const char *path, char *errbuf,
                           size_t errbuf_size)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t len = strlen(base);
    char *dir = sim__dir_name(path), *stem;
    sim_golden_case *c = new_case(set);

    if (len > 4 && strcmp(base + len - 4, ".ini") == 0)
        len -= 4;
    stem = dir ? sim__format("golden/%.*s", (int)len, base) : NULL;
    if (stem) {
        char *in_dir = join(dir, stem);
        free(stem);
        stem = in_dir;
    }
    if (!c || !stem) {
        free(dir);
        free(stem);
        snprintf(errbuf, errbuf_size, "%s: out of memory", path);
        return SIM_ENOMEM;
    }
    c->name = sim__format("%.*s", (int)len, base);
    c->origin = sim__format("%s", path);
    c->scenario = sim__format("%s", path);
    c->golden[0] = sim__format("%s%s", stem, outputs[0].suffix);
    /* the others are compared when their golden is there */
    for (int i = 1; i < SIM_GOLDEN_NOUTPUTS; i++) {
        char *other = sim__format("%s%s", stem, outputs[i].suffix);
        if (other && exists(other))
            c->golden[i] = other;
        else
            free(other);
    }
    free(dir);
    free(stem);
    if (!c->name || !c->origin || !c->scenario || !c->golden[0]) {
        snprintf(errbuf, errbuf_size, "%s: out of memory", path);
        return SIM_ENOMEM;
    }
    return SIM_OK;
}

/* The case of the history file path (FILE.jsonl): golden/FILE.summary.json,
 * .ces.json and .fit.json beside it. */
static sim_rc add_history(sim_golden_set *set, const char *path, char *errbuf,
                          size_t errbuf_size)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t len = strlen(base) - 6; /* without .jsonl */
    char *dir = sim__dir_name(path), *stem = NULL, *rel;
    sim_golden_case *c = new_case(set);
    int ok;

    rel = sim__format("golden/%.*s", (int)len, base);
    if (dir && rel)
        stem = join(dir, rel);
    ok = c && stem;
    if (ok) {
        c->name = sim__format("%.*s", (int)len, base);
        c->origin = sim__format("%s", path);
        c->history = sim__format("%s", path);
        ok = c->name && c->origin && c->history;
        for (int i = 0; ok && i < SIM_GOLDEN_NOUTPUTS; i++)
            if (SIM_GOLDEN_DB_OUTPUTS & 1u << i)
                ok = (c->golden[i] = sim__format("%s%s", stem, outputs[i].suffix)) != NULL;
    }
    free(dir);
    free(rel);
    free(stem);
    if (!ok) {
        snprintf(errbuf, errbuf_size, "%s: out of memory", path);
        return SIM_ENOMEM;
    }
    return SIM_OK;
}

static int is_history(const char *path)
{
    size_t len = strlen(path);
    return len > 6 && strcmp(path + len - 6, ".jsonl") == 0;
}

/* Non-zero if the INI file at path is a manifest: its first section is a
 * [case NAME].  An unreadable file is not (it fails as a scenario). */
static int is_manifest(const char *path)
{
    char line[256];
    FILE *f = fopen(path, "r");
    int manifest = 0;

    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '[') {
            manifest = strncmp(line, "[case ", 6) == 0;
            break;
        }
    }
    fclose(f);
    return manifest;
}

/* A manifest's keys; KEY_GOLDEN << i is output i's golden file. */
enum { KEY_SCENARIO = 1, KEY_SEED = 2, KEY_UNTIL = 4, KEY_COMPARE = 8, KEY_HISTORY = 16,
       KEY_GOLDEN = 32 };

static const struct { const char *name; unsigned bit; } manifest_keys[] = {
    {"scenario", KEY_SCENARIO}, {"seed", KEY_SEED}, {"until", KEY_UNTIL},
    {"compare", KEY_COMPARE},   {"report", KEY_GOLDEN << 0}, {"csv", KEY_GOLDEN << 1},
    {"summary", KEY_GOLDEN << 2}, {"fit", KEY_GOLDEN << 3}, {"ces", KEY_GOLDEN << 4},
    {"history", KEY_HISTORY},
};

struct manifest {
    sim_golden_set *set;
    const char *path;
    char *dir;
    FILE *file;
    int line;            /* the line inih is reading */
    int header;          /* the line of the last [section] read */
    int case_header;     /* the [case NAME] line of the case being read */
    int err_line;        /* the first error's line, 0 if none */
    char err[512];
    size_t first;        /* the manifest's first case in set */
    sim_golden_case *c;  /* the case being read */
    unsigned seen, compare;
};

static char *read_line(char *str, int num, void *stream)
{
    struct manifest *m = stream;
    char *got = fgets(str, num, m->file);

    if (got) {
        m->line++;
        if (got[0] == '[')
            m->header = m->line;
    }
    return got;
}

static int fail(struct manifest *m, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct manifest *m, int line, const char *fmt, ...)
{
    va_list ap;

    if (m->err_line)
        return 0;
    m->err_line = line;
    va_start(ap, fmt);
    vsnprintf(m->err, sizeof m->err, fmt, ap);
    va_end(ap);
    return 0;
}

/* Complete the case being read: its defaults, its required keys. */
static int finish_case(struct manifest *m)
{
    sim_golden_case *c = m->c;
    char *stem;

    if (!c)
        return 1;
    m->c = NULL;
    if (!c->scenario == !c->history)
        return fail(m, m->line, "[case %s] needs scenario = FILE or history = FILE, one of "
                    "them", c->name);
    if (c->history && (m->seen & (KEY_SEED | KEY_UNTIL)))
        return fail(m, m->line, "[case %s]: seed and until are for a scenario, not a "
                    "history", c->name);
    if (c->history && (m->seen & KEY_COMPARE) && (m->compare & ~SIM_GOLDEN_DB_OUTPUTS))
        return fail(m, m->line, "[case %s]: a history is compared on summary, ces and fit "
                    "(a scenario's report and csv are not made)", c->name);
    if (!(m->seen & KEY_COMPARE))
        m->compare = c->history ? SIM_GOLDEN_DB_OUTPUTS : SIM_GOLDEN_REPORT;
    stem = join(m->dir, "golden/");
    if (!stem)
        return fail(m, m->line, "out of memory");
    for (int i = 0; i < SIM_GOLDEN_NOUTPUTS; i++) {
        if (!(m->compare & 1u << i)) {
            free(c->golden[i]);
            c->golden[i] = NULL;
        } else if (!c->golden[i] &&
                   !(c->golden[i] = sim__format("%s%s%s", stem, c->name, outputs[i].suffix))) {
            free(stem);
            return fail(m, m->line, "out of memory");
        }
    }
    free(stem);
    return 1;
}

/* compare = report, csv, summary, fit, ces: the outputs compared. */
static int parse_compare(struct manifest *m, const char *value)
{
    const char *p = value;

    m->compare = 0;
    while (*p) {
        size_t n;
        int i;
        p += strspn(p, " ,");
        n = strcspn(p, " ,");
        if (n == 0)
            break;
        for (i = 0; i < SIM_GOLDEN_NOUTPUTS; i++)
            if (strlen(outputs[i].name) == n && strncmp(p, outputs[i].name, n) == 0)
                break;
        if (i == SIM_GOLDEN_NOUTPUTS)
            return fail(m, m->line, "compare: unknown output '%.*s' (report, csv, summary, "
                        "fit, ces)", (int)n, p);
        m->compare |= 1u << i;
        p += n;
    }
    if (!m->compare)
        return fail(m, m->line, "compare: name at least one output (report, csv, summary, "
                    "fit, ces)");
    return 1;
}

static int handle_key(void *user, const char *section, const char *name, const char *value)
{
    struct manifest *m = user;
    sim_golden_case *c;
    char **field = NULL;
    unsigned bit = 0;
    int64_t ms;

    if (m->err_line)
        return 0;
    if (strncmp(section, "case ", 5) != 0 || !section[5])
        return fail(m, m->line, "unknown section [%s] (a manifest holds [case NAME] sections)",
                    section);
    if (!m->c || m->header != m->case_header) {
        if (!finish_case(m))
            return 0;
        for (size_t i = m->first; i < m->set->ncases; i++)
            if (strcmp(m->set->cases[i].name, section + 5) == 0)
                return fail(m, m->line, "case '%s' given twice", section + 5);
        m->case_header = m->header;
        m->seen = 0;
        if (!(m->c = new_case(m->set)))
            return fail(m, m->line, "out of memory");
        m->c->name = sim__format("%s", section + 5);
        m->c->origin = sim__format("%s:%d", m->path, m->header);
        if (!m->c->name || !m->c->origin)
            return fail(m, m->line, "out of memory");
    }
    c = m->c;
    for (size_t i = 0; i < sizeof manifest_keys / sizeof manifest_keys[0]; i++)
        if (strcmp(name, manifest_keys[i].name) == 0)
            bit = manifest_keys[i].bit;
    if (!bit)
        return fail(m, m->line, "unknown key '%s' (scenario, history, seed, until, compare, "
                    "report, csv, summary, fit, ces)", name);
    if (m->seen & bit)
        return fail(m, m->line, "key '%s' given twice in [%s]", name, section);
    m->seen |= bit;
    if (!value[0])
        return fail(m, m->line, "%s: no value", name);
    switch (bit) {
    case KEY_SCENARIO:
        field = &c->scenario;
        *field = join(m->dir, value);
        break;
    case KEY_HISTORY:
        field = &c->history;
        *field = join(m->dir, value);
        break;
    case KEY_SEED: {
        char *end;
        errno = 0;
        unsigned long long seed = strtoull(value, &end, 10);
        if (value[0] < '0' || value[0] > '9' || *end || errno || seed > SIM_SEED_MAX)
            return fail(m, m->line, "seed: '%s' is not a whole number from 0 to 2^63-1",
                        value);
        c->seed = (int64_t)seed;
        return 1;
    }
    case KEY_UNTIL:
        if (sim_parse_duration(value, &ms) != 0)
            return fail(m, m->line, "until: '%s' is not a duration with a unit (90s, 15m, 2h)",
                        value);
        field = &c->until;
        *field = sim__format("%s", value);
        break;
    case KEY_COMPARE:
        return parse_compare(m, value);
    default:
        for (int i = 0; i < SIM_GOLDEN_NOUTPUTS; i++)
            if (bit == (unsigned)KEY_GOLDEN << i)
                field = &c->golden[i];
        *field = join(m->dir, value);
        break;
    }
    if (!*field)
        return fail(m, m->line, "out of memory");
    return 1;
}

static sim_rc add_manifest(sim_golden_set *set, const char *path, char *errbuf,
                           size_t errbuf_size)
{
    struct manifest m;
    int ini_rc;

    memset(&m, 0, sizeof m);
    m.set = set;
    m.path = path;
    m.first = set->ncases;
    m.dir = sim__dir_name(path);
    m.file = fopen(path, "r");
    if (!m.file || !m.dir) {
        snprintf(errbuf, errbuf_size, "%s: %s", path, m.dir ? strerror(errno) : "out of memory");
        if (m.file)
            fclose(m.file);
        free(m.dir);
        return m.dir ? SIM_EIO : SIM_ENOMEM;
    }
    ini_rc = ini_parse_stream(read_line, &m, handle_key, &m);
    if (ini_rc > 0 && (!m.err_line || ini_rc < m.err_line)) {
        m.err_line = 0;
        fail(&m, ini_rc, "syntax error (expected [case NAME] or key = value)");
    }
    if (!m.err_line)
        finish_case(&m);
    if (!m.err_line && set->ncases == m.first)
        fail(&m, m.line, "no [case NAME] section with keys");
    fclose(m.file);
    free(m.dir);
    if (m.err_line) {
        snprintf(errbuf, errbuf_size, "%s:%d: %s", path, m.err_line, m.err);
        while (set->ncases > m.first)
            case_free(&set->cases[--set->ncases]);
        return SIM_EPARSE;
    }
    return SIM_OK;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every NAME.ini of dir (in name order) that is a manifest or has a
 * golden/NAME.json beside it. */
static sim_rc add_dir(sim_golden_set *set, const char *dir, char *errbuf,
                      size_t errbuf_size)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, room = 0, i;
    sim_rc rc = SIM_OK;

    if (!d) {
        snprintf(errbuf, errbuf_size, "%s: %s", dir, strerror(errno));
        return SIM_EIO;
    }
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len <= 4 || strcmp(de->d_name + len - 4, ".ini") != 0 || de->d_name[0] == '.')
            continue;
        if (n == room) {
            char **more = realloc(names, (room = room ? 2 * room : 16) * sizeof *names);
            if (!more) {
                rc = SIM_ENOMEM;
                break;
            }
            names = more;
        }
        if (!(names[n] = join(dir, de->d_name))) {
            rc = SIM_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc == SIM_OK && n)
        qsort(names, n, sizeof *names, compare_names);
    for (i = 0; rc == SIM_OK && i < n; i++) {
        char *golden, *stem = sim__dir_name(names[i]);
        const char *base = names[i] + strlen(names[i]) - 1;

        while (base > names[i] && base[-1] != '/')
            base--;
        if (is_manifest(names[i])) {
            free(stem);
            rc = add_manifest(set, names[i], errbuf, errbuf_size);
            continue;
        }
        golden = stem ? sim__format("golden/%.*s.json", (int)strlen(base) - 4, base) : NULL;
        if (golden) {
            char *in_dir = join(stem, golden);
            free(golden);
            golden = in_dir;
        }
        if (!golden)
            rc = SIM_ENOMEM;
        else if (exists(golden))
            rc = add_scenario(set, names[i], errbuf, errbuf_size);
        free(golden);
        free(stem);
    }
    if (rc == SIM_ENOMEM)
        snprintf(errbuf, errbuf_size, "%s: out of memory", dir);
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

sim_rc sim_golden_add(sim_golden_set *set, const char *path, char *errbuf, size_t errbuf_size)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        snprintf(errbuf, errbuf_size, "%s: %s", path, strerror(errno));
        return SIM_EIO;
    }
    if (S_ISDIR(st.st_mode))
        return add_dir(set, path, errbuf, errbuf_size);
    if (is_history(path))
        return add_history(set, path, errbuf, errbuf_size);
    if (is_manifest(path))
        return add_manifest(set, path, errbuf, errbuf_size);
    return add_scenario(set, path, errbuf, errbuf_size);
}
