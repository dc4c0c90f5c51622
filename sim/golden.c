/*
 * golden.c - seeded regression tests: cases (a scenario beside its golden
 * files, or the [case NAME] sections of a manifest) replayed against a fresh
 * in-memory database, as `pilotdeck --db :memory: sim NAME.ini --json` plays
 * them, and compared byte for byte with their goldens.
 */
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "pilotsim.h"

/* ---- cases ------------------------------------------------------------------ */

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(s = malloc((size_t)n + 1)))
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The directory part of path ("." when none), malloc()ed. */
static char *dir_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return format(".");
    if (slash == path)
        return format("/");
    return format("%.*s", (int)(slash - path), path);
}

/* dir/rel, or rel itself when absolute or dir is "." */
static char *join(const char *dir, const char *rel)
{
    if (rel[0] == '/' || strcmp(dir, ".") == 0)
        return format("%s", rel);
    return format("%s/%s", dir, rel);
}

static void case_free(sim_golden_case *c)
{
    free(c->name);
    free(c->origin);
    free(c->scenario);
    free(c->until);
    free(c->report);
    free(c->csv);
    memset(c, 0, sizeof *c);
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
    char *dir = dir_name(path), *stem, *csv;
    sim_golden_case *c = new_case(set);

    if (len > 4 && strcmp(base + len - 4, ".ini") == 0)
        len -= 4;
    stem = dir ? format("golden/%.*s", (int)len, base) : NULL;
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
    c->name = format("%.*s", (int)len, base);
    c->origin = format("%s", path);
    c->scenario = format("%s", path);
    c->report = format("%s.json", stem);
    csv = format("%s.csv", stem);
    if (csv && exists(csv))
        c->csv = csv;
    else
        free(csv);
    free(dir);
    free(stem);
    if (!c->name || !c->origin || !c->scenario || !c->report) {
        snprintf(errbuf, errbuf_size, "%s: out of memory", path);
        return SIM_ENOMEM;
    }
    return SIM_OK;
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

enum { KEY_SCENARIO = 1, KEY_SEED = 2, KEY_UNTIL = 4, KEY_COMPARE = 8, KEY_REPORT = 16,
       KEY_CSV = 32 };

static const struct { const char *name; unsigned bit; } manifest_keys[] = {
    {"scenario", KEY_SCENARIO}, {"seed", KEY_SEED}, {"until", KEY_UNTIL},
    {"compare", KEY_COMPARE},   {"report", KEY_REPORT}, {"csv", KEY_CSV},
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
    if (!c->scenario)
        return fail(m, m->line, "[case %s] needs scenario = FILE", c->name);
    if (!(m->seen & KEY_COMPARE))
        m->compare = SIM_GOLDEN_REPORT;
    stem = join(m->dir, "golden/");
    if (!stem)
        return fail(m, m->line, "out of memory");
    if ((m->compare & SIM_GOLDEN_REPORT) && !c->report)
        c->report = format("%s%s.json", stem, c->name);
    if ((m->compare & SIM_GOLDEN_CSV) && !c->csv)
        c->csv = format("%s%s.csv", stem, c->name);
    free(stem);
    if (!(m->compare & SIM_GOLDEN_REPORT)) {
        free(c->report);
        c->report = NULL;
    }
    if (!(m->compare & SIM_GOLDEN_CSV)) {
        free(c->csv);
        c->csv = NULL;
    }
    if (((m->compare & SIM_GOLDEN_REPORT) && !c->report) ||
        ((m->compare & SIM_GOLDEN_CSV) && !c->csv))
        return fail(m, m->line, "out of memory");
    return 1;
}

/* compare = report, csv: the outputs compared. */
static int parse_compare(struct manifest *m, const char *value)
{
    const char *p = value;

    m->compare = 0;
    while (*p) {
        size_t n;
        p += strspn(p, " ,");
        n = strcspn(p, " ,");
        if (n == 0)
            break;
        if (n == 6 && strncmp(p, "report", 6) == 0)
            m->compare |= SIM_GOLDEN_REPORT;
        else if (n == 3 && strncmp(p, "csv", 3) == 0)
            m->compare |= SIM_GOLDEN_CSV;
        else if ((n == 7 && strncmp(p, "summary", 7) == 0) ||
                 (n == 3 && strncmp(p, "fit", 3) == 0))
            return fail(m, m->line, "compare: '%.*s' is not supported yet (report, csv)",
                        (int)n, p);
        else
            return fail(m, m->line, "compare: unknown output '%.*s' (report, csv)", (int)n,
                        p);
        p += n;
    }
    if (!m->compare)
        return fail(m, m->line, "compare: name at least one output (report, csv)");
    return 1;
}

static int handle_key(void *user, const char *section, const char *name, const char *value)
{
    struct manifest *m = user;
    sim_golden_case *c;
    char **field;
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
        m->c->name = format("%s", section + 5);
        m->c->origin = format("%s:%d", m->path, m->header);
        if (!m->c->name || !m->c->origin)
            return fail(m, m->line, "out of memory");
    }
    c = m->c;
    for (size_t i = 0; i < sizeof manifest_keys / sizeof manifest_keys[0]; i++)
        if (strcmp(name, manifest_keys[i].name) == 0)
            bit = manifest_keys[i].bit;
    if (!bit)
        return fail(m, m->line, "unknown key '%s' (scenario, seed, until, compare, report, csv)",
                    name);
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
        *field = format("%s", value);
        break;
    case KEY_COMPARE:
        return parse_compare(m, value);
    case KEY_REPORT:
        field = &c->report;
        *field = join(m->dir, value);
        break;
    default:
        field = &c->csv;
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
    m.dir = dir_name(path);
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
        char *golden, *stem = dir_name(names[i]);
        const char *base = names[i] + strlen(names[i]) - 1;

        while (base > names[i] && base[-1] != '/')
            base--;
        if (is_manifest(names[i])) {
            free(stem);
            rc = add_manifest(set, names[i], errbuf, errbuf_size);
            continue;
        }
        golden = stem ? format("golden/%.*s.json", (int)strlen(base) - 4, base) : NULL;
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
    if (is_manifest(path))
        return add_manifest(set, path, errbuf, errbuf_size);
    return add_scenario(set, path, errbuf, errbuf_size);
}

/* ---- replay and compare -------------------------------------------------------- */

/* Replay c as `pilotdeck --db :memory: sim SCENARIO --json [--seed N]
 * [--until T] [--csv FILE]` does: its report (and CSV series when csv is
 * non-NULL) in malloc()ed strings. */
static sim_rc replay(const sim_golden_case *c, uint64_t *seed, char **report, char **csv,
                     size_t *csv_len, char *errbuf, size_t errbuf_size)
{
    sim_scenario *scn = NULL;
    sim_engine *eng = NULL;
    pilotdb *db = NULL;
    FILE *series = NULL;
    int64_t until;
    sim_rc rc;

    *report = NULL;
    rc = sim_scenario_load(c->scenario, &scn, errbuf, errbuf_size);
    if (rc != SIM_OK)
        return rc;
    *seed = c->seed >= 0 ? (uint64_t)c->seed : sim_scenario_seed(scn);
    until = sim_scenario_duration(scn);
    if (c->until && (sim_parse_duration(c->until, &until) != 0 ||
                     until > sim_scenario_duration(scn))) {
        snprintf(errbuf, errbuf_size, "%s: until %s is after the end of scenario '%s'",
                 c->origin, c->until, sim_scenario_name(scn));
        rc = SIM_EINVAL;
        goto out;
    }
    if (pilotdb_open(":memory:", PILOTDB_OPEN_CREATE | PILOTDB_OPEN_SCRATCH, &db, errbuf,
                     errbuf_size) != PILOTDB_OK) {
        rc = SIM_EDB;
        goto out;
    }
    rc = sim_engine_new(scn, db, *seed, &eng, errbuf, errbuf_size);
    if (rc != SIM_OK)
        goto out;
    if (csv && (!(series = open_memstream(csv, csv_len)) ||
                (rc = sim_engine_set_csv(eng, series)) != SIM_OK)) {
        snprintf(errbuf, errbuf_size, "%s: cannot hold the CSV series", c->scenario);
        rc = series ? rc : SIM_ENOMEM;
        goto out;
    }
    rc = sim_engine_run_until(eng, until);
    if (rc != SIM_OK) {
        snprintf(errbuf, errbuf_size, "simulating '%s': %s", sim_scenario_name(scn),
                 sim_engine_errmsg(eng));
        goto out;
    }
    if (!(*report = sim_report_json(eng))) {
        snprintf(errbuf, errbuf_size, "out of memory writing the report");
        rc = SIM_ENOMEM;
    }
out:
    sim_engine_free(eng);
    if (series && fclose(series) != 0 && rc == SIM_OK) {
        snprintf(errbuf, errbuf_size, "%s: cannot hold the CSV series", c->scenario);
        rc = SIM_ENOMEM;
    }
    if (rc != SIM_OK && csv && series) {
        free(*csv);
        *csv = NULL;
    }
    if (db)
        pilotdb_close(db);
    sim_scenario_free(scn);
    return rc;
}

/* The whole file at path, malloc()ed, with its length; NULL (errno set) if
 * it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL, *more;
    size_t n = 0, room = 0, got;

    if (!f)
        return NULL;
    do {
        if (room - n < 4096) {
            room = room ? 2 * room : 65536;
            if (!(more = realloc(text, room + 1))) {
                free(text);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            text = more;
        }
        got = fread(text + n, 1, room - n, f);
        n += got;
    } while (got > 0);
    if (ferror(f)) {
        free(text);
        fclose(f);
        errno = EIO;
        return NULL;
    }
    fclose(f);
    text[n] = '\0';
    *len = n;
    return text;
}

/* Write text to path through a temporary file beside it (so a golden is
 * never half written), making its directory if needed. */
static int rewrite(const char *path, const char *text, size_t len, char *errbuf,
                   size_t errbuf_size)
{
    char *tmp = format("%s.tmp", path), *dir = dir_name(path);
    FILE *f;
    int ok = 0;

    if (tmp && dir) {
        mkdir(dir, 0777); /* may exist; fopen() says if it cannot be made */
        f = fopen(tmp, "wb");
        if (f) {
            ok = fwrite(text, 1, len, f) == len;
            ok = fclose(f) == 0 && ok;
            ok = ok && rename(tmp, path) == 0;
            if (!ok)
                remove(tmp);
        }
        if (!ok)
            snprintf(errbuf, errbuf_size, "%s: %s", path, strerror(errno));
    } else {
        snprintf(errbuf, errbuf_size, "%s: out of memory", path);
    }
    free(tmp);
    free(dir);
    return ok;
}

/* The JSON path (".ces[1].done") at offset end of text: the containers
 * open there and, in an object, the key being read. */
static void json_path(const char *text, size_t end, char *out, size_t size)
{
    struct level { char kind; long index; char key[64]; } stack[24];
    int depth = 0, in_string = 0, escape = 0, expect_key = 0;
    char str[64];
    size_t slen = 0, n = 0, i;

    for (i = 0; i < end; i++) {
        char ch = text[i];
        struct level *top = depth > 0 && depth <= 24 ? &stack[depth - 1] : NULL;
        if (in_string) {
            if (escape)
                escape = 0;
            else if (ch == '\\')
                escape = 1;
            else if (ch == '"') {
                in_string = 0;
                str[slen] = '\0';
                if (top && top->kind == '{' && expect_key) {
                    memcpy(top->key, str, slen + 1);
                    expect_key = 0;
                }
                continue;
            }
            if (slen + 1 < sizeof str)
                str[slen++] = ch;
            continue;
        }
        switch (ch) {
        case '"':
            in_string = 1;
            slen = 0;
            break;
        case '{':
        case '[':
            if (depth < 24) {
                stack[depth].kind = ch;
                stack[depth].index = 0;
                stack[depth].key[0] = '\0';
            }
            depth++;
            expect_key = ch == '{';
            break;
        case '}':
        case ']':
            if (depth > 0)
                depth--;
            break;
        case ',':
            if (top && top->kind == '[')
                top->index++;
            else if (top) {
                top->key[0] = '\0';
                expect_key = 1;
            }
            break;
        default:
            break;
        }
    }
    out[0] = '\0';
    for (int d = 0; d < depth && d < 24 && n < size; d++) {
        int w = 0;
        if (stack[d].kind == '[')
            w = snprintf(out + n, size - n, "[%ld]", stack[d].index);
        else if (stack[d].key[0])
            w = snprintf(out + n, size - n, ".%s", stack[d].key);
        n += w > 0 ? (size_t)w : 0;
    }
    if (!out[0])
        snprintf(out, size, ".");
}

/* The CSV column at offset end of text: the header's name of the field. */
static void csv_column(const char *text, size_t end, char *out, size_t size)
{
    size_t start = end, field = 0, i;
    const char *h = text;
    int quoted = 0;

    while (start > 0 && text[start - 1] != '\n')
        start--;
    for (i = start; i < end; i++) {
        if (text[i] == '"')
            quoted = !quoted;
        else if (text[i] == ',' && !quoted)
            field++;
    }
    for (i = 0; i < field && *h && *h != '\n'; h++)
        if (*h == ',')
            i++;
    snprintf(out, size, "column %.*s", (int)strcspn(h, ",\r\n"), h);
}

/* The line of text starting at or before offset at, for a message. */
static void line_at(const char *text, size_t len, size_t at, char *out, size_t size)
{
    size_t start = at < len ? at : len, n;

    while (start > 0 && text[start - 1] != '\n')
        start--;
    if (start >= len) {
        snprintf(out, size, "(end of file)");
        return;
    }
    n = strcspn(text + start, "\n");
    snprintf(out, size, "%.*s", (int)n, text + start);
}

/* Compare got with the golden at path: 1 if equal; 0 after filling r with
 * the first difference (or rewriting it when update); -1 on an error. */
static int compare_output(const char *path, const char *got, size_t got_len, int is_json,
                          int update, sim_golden_result *r)
{
    size_t want_len = 0, at = 0;
    char *want = slurp(path, &want_len);
    int line = 1;

    if (!want && errno != ENOENT) {
        snprintf(r->message, sizeof r->message, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (want && want_len == got_len && memcmp(want, got, got_len) == 0) {
        free(want);
        return 1;
    }
    if (update) {
        free(want);
        return rewrite(path, got, got_len, r->message, sizeof r->message) ? 0 : -1;
    }
    if (!want) {
        snprintf(r->message, sizeof r->message,
                 "%s: no golden file (write it with pilotdeck test --update)", path);
        return -1;
    }
    while (at < got_len && at < want_len && got[at] == want[at]) {
        if (got[at] == '\n')
            line++;
        at++;
    }
    r->golden = path;
    r->line = line;
    if (is_json)
        json_path(want, at, r->where, sizeof r->where);
    else
        csv_column(want, at, r->where, sizeof r->where);
    line_at(got, got_len, at, r->got, sizeof r->got);
    line_at(want, want_len, at, r->want, sizeof r->want);
    free(want);
    return 0;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Replay case c and fill r. */
static void run_case(const sim_golden_case *c, int update, sim_golden_result *r)
{
    char *report = NULL, *csv = NULL;
    size_t csv_len = 0;
    struct timespec t0;
    int same;

    memset(r, 0, sizeof *r);
    r->c = c;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (replay(c, &r->seed, &report, c->csv ? &csv : NULL, &csv_len, r->message,
               sizeof r->message) != SIM_OK) {
        r->status = SIM_GOLDEN_ERROR;
        goto out;
    }
    r->status = SIM_GOLDEN_PASS;
    if (c->report) {
        same = compare_output(c->report, report, strlen(report), 1, update, r);
        if (same < 0) {
            r->status = SIM_GOLDEN_ERROR;
            goto out;
        }
        if (!same)
            r->updated |= SIM_GOLDEN_REPORT;
    }
    if (c->csv && !(r->updated && !update)) {
        same = compare_output(c->csv, csv, csv_len, 0, update, r);
        if (same < 0) {
            r->status = SIM_GOLDEN_ERROR;
            goto out;
        }
        if (!same)
            r->updated |= SIM_GOLDEN_CSV;
    }
    if (r->updated)
        r->status = update ? SIM_GOLDEN_UPDATED : SIM_GOLDEN_DIFF;
    if (!update)
        r->updated = 0;
out:
    r->seconds = seconds_since(&t0);
    free(report);
    free(csv);
}

struct runner {
    const sim_golden_set *set;
    int update;
    sim_golden_result *results;
    unsigned char *done;
    size_t next;
    pthread_mutex_t lock;
    pthread_cond_t finished;
};

static void *work(void *arg)
{
    struct runner *rn = arg;
    size_t i;

    for (;;) {
        pthread_mutex_lock(&rn->lock);
        i = rn->next++;
        pthread_mutex_unlock(&rn->lock);
        if (i >= rn->set->ncases)
            return NULL;
        run_case(&rn->set->cases[i], rn->update, &rn->results[i]);
        pthread_mutex_lock(&rn->lock);
        rn->done[i] = 1;
        pthread_cond_broadcast(&rn->finished);
        pthread_mutex_unlock(&rn->lock);
    }
}

sim_rc sim_golden_run(const sim_golden_set *set, int update, unsigned jobs,
                      sim_golden_fn fn, void *arg, char *errbuf, size_t errbuf_size)
{
    struct runner rn;
    pthread_t *threads = NULL;
    unsigned started = 0;
    size_t i, n = set->ncases;

    memset(&rn, 0, sizeof rn);
    rn.set = set;
    rn.update = update;
    if (jobs > n)
        jobs = (unsigned)n;
    rn.results = calloc(n ? n : 1, sizeof *rn.results);
    rn.done = calloc(n ? n : 1, 1);
    if (jobs > 1)
        threads = calloc(jobs, sizeof *threads);
    if (!rn.results || !rn.done || (jobs > 1 && !threads)) {
        free(rn.results);
        free(rn.done);
        free(threads);
        snprintf(errbuf, errbuf_size, "out of memory");
        return SIM_ENOMEM;
    }
    pthread_mutex_init(&rn.lock, NULL);
    pthread_cond_init(&rn.finished, NULL);
    for (; threads && started < jobs; started++)
        if (pthread_create(&threads[started], NULL, work, &rn) != 0)
            break;
    for (i = 0; i < n; i++) {
        if (started == 0) {
            run_case(&set->cases[i], update, &rn.results[i]);
        } else {
            pthread_mutex_lock(&rn.lock);
            while (!rn.done[i])
                pthread_cond_wait(&rn.finished, &rn.lock);
            pthread_mutex_unlock(&rn.lock);
        }
        fn(arg, &rn.results[i]);
    }
    for (unsigned t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    pthread_cond_destroy(&rn.finished);
    pthread_mutex_destroy(&rn.lock);
    free(threads);
    free(rn.results);
    free(rn.done);
    if (errbuf_size)
        errbuf[0] = '\0';
    return SIM_OK;
}
