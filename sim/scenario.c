/*
 * scenario.c - parse and check scenario files (INI, read with inih).
 *
 * inih calls handle_key() for each "key = value" with its section; the key
 * table (keys.c) says which keys a section takes and parses their values.
 * The Debian build of inih does not pass line numbers to handlers, so the
 * text is fed through a reader that counts lines: when the handler runs, the
 * reader has just returned the line being parsed.  What needs the whole file
 * (required keys, events at known CEs, times within the duration) is checked
 * at the end.  The first problem in file order is reported as
 * "file:line: message" and nothing is returned.
 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"


enum section_kind { SEC_NONE, SEC_SCENARIO, SEC_CE, SEC_GROUP, SEC_EVENT };

/* Feeds inih one line at a time and counts lines. */
struct line_reader {
    const char *next;
    int line;          /* number of the line last returned */
    int at_line_start;
    int long_line;     /* first line too long for inih's buffer, or 0 */
    int indented_line; /* first indented line that is not a comment, or 0 */
    int header_line;   /* last line that opened a [section] */
    int keyless_header; /* a [section] line with no key after it yet, or 0 */
    int empty_line;    /* first [section] line with no key before the next, or 0 */
    char empty_name[64]; /* and the start of its header, for the message */
};

struct parser {
    const char *filename;
    struct sim_scenario *scn;
    struct line_reader rd;
    int err_line;      /* 0: no error yet */
    char err[400];

    /* the section being read */
    char *section;
    enum section_kind kind;
    size_t index;      /* into entries or events */
    int key_line[SIM_NKEYS];
    int section_line;  /* line of its [header] */

    char **seen;       /* section names already finished */
    size_t nseen;
    int scenario_line[SIM_NKEYS];
    int scenario_header;  /* line of [scenario], or 0 */
    struct sim_ce_entry *entries;
    size_t nentries;
};

static char *read_line(char *str, int num, void *stream)
{
    struct line_reader *rd = stream;
    int n = 0;

    if (*rd->next == '\0')
        return NULL;
    if (rd->at_line_start) {
        const char *p = rd->next;
        rd->line++;
        /* only to name the line of a section's header in messages */
        while (*p == ' ' || *p == '\t')
            p++;
        /* inih reads an indented line as the continuation of the value
         * before it, which would surface as a baffling "given twice" */
        if (p > rd->next && !strchr(";#\r\n", *p) && rd->indented_line == 0)
            rd->indented_line = rd->line;
        if (*p == '[') {
            /* inih calls no handler for a section without keys: catch it here */
            if (rd->keyless_header && rd->empty_line == 0)
                rd->empty_line = rd->keyless_header;
            if (rd->empty_line == 0) {
                size_t len = strcspn(p + 1, "]\r\n");
                snprintf(rd->empty_name, sizeof rd->empty_name, "%.*s",
                         (int)(len < 60 ? len : 60), p + 1);
            }
            rd->header_line = rd->line;
            rd->keyless_header = rd->line;
        }
    }
    while (n + 1 < num && *rd->next != '\0') {
        char c = *rd->next++;
        str[n++] = c;
        if (c == '\n')
            break;
    }
    str[n] = '\0';
    rd->at_line_start = (n > 0 && str[n - 1] == '\n') || *rd->next == '\0';
    if (!rd->at_line_start && rd->long_line == 0)
        rd->long_line = rd->line;
    return str;
}

static void fail_at(struct parser *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Keep only the first problem: it is the one earliest in the file, since
 * lines are read in order and end-of-file checks come last. */
static void fail_at(struct parser *ps, int line, const char *fmt, ...)
{
    va_list ap;

    if (ps->err_line != 0)
        return;
    ps->err_line = line;
    va_start(ap, fmt);
    vsnprintf(ps->err, sizeof ps->err, fmt, ap);
    va_end(ap);
}

/* A CE's values before its section sets any. */
static void ce_entry_defaults(struct sim_ce_entry *entry)
{
    memset(entry, 0, sizeof *entry);
    sim__key_defaults(SIM_IN_CE, entry);
    entry->spec.max_waiting = -1; /* no limit */
}


static void *grow(void *array, size_t n, size_t size)
{
    /* grow by doubling at powers of two */
    if (n == 0 || (n & (n - 1)) == 0)
        return realloc(array, (n == 0 ? 4 : 2 * n) * size);
    return array;
}

/* A key arrived in a section other than the previous key's: finish the old
 * section and start the new one. */
static int begin_section(struct parser *ps, const char *section)
{
    struct sim_scenario *scn = ps->scn;
    const char *space = strchr(section, ' ');
    char kind_word[16], *name;
    size_t kind_len = space ? (size_t)(space - section) : strlen(section);
    size_t i;
    void *p;

    if (ps->section) {
        p = grow(ps->seen, ps->nseen, sizeof *ps->seen);
        if (!p)
            goto nomem;
        ps->seen = p;
        ps->seen[ps->nseen++] = ps->section;
        ps->section = NULL;
    }
    ps->section_line = section[0] ? ps->rd.header_line : ps->rd.line;
    for (i = 0; i < ps->nseen; i++) {
        if (strcmp(ps->seen[i], section) == 0) {
            fail_at(ps, ps->section_line, "section [%s] appears twice", section);
            return -1;
        }
    }
    ps->section = strdup(section);
    if (!ps->section)
        goto nomem;
    memset(ps->key_line, 0, sizeof ps->key_line);

    if (section[0] == '\0') {
        fail_at(ps, ps->rd.line, "key outside any section (expected [scenario], "
                "[ce NAME], [group NAME] or [event NAME] first)");
        return -1;
    }
    snprintf(kind_word, sizeof kind_word, "%.*s", (int)(kind_len < 15 ? kind_len : 15),
             section);
    name = space ? (char *)space + 1 : NULL;
    while (name && *name == ' ')
        name++;

    if (strcmp(kind_word, "scenario") == 0 && !name) {
        ps->kind = SEC_SCENARIO;
        ps->scenario_header = ps->section_line;
        return 0;
    }
    if (strcmp(kind_word, "ce") == 0 || strcmp(kind_word, "group") == 0 ||
        strcmp(kind_word, "event") == 0) {
        if (!name || !*name) {
            fail_at(ps, ps->section_line, "section [%s] needs a name: [%s NAME]",
                    section, kind_word);
            return -1;
        }
        if (!sim__valid_name(name, PILOTDB_NAME_MAX)) {
            fail_at(ps, ps->section_line, "the name in [%s] must be 1 to %d bytes "
                    "of UTF-8 without control characters", kind_word, PILOTDB_NAME_MAX);
            return -1;
        }
        if (kind_word[0] == 'e') {
            struct sim_event_spec *ev;
            p = grow(scn->events, scn->nevents, sizeof *scn->events);
            if (!p)
                goto nomem;
            scn->events = p;
            ev = &scn->events[scn->nevents];
            memset(ev, 0, sizeof *ev);
            ev->enabled = 1;
            ev->line = ps->section_line;
            ev->name = strdup(name);
            ps->index = scn->nevents++;
            if (!ev->name)
                goto nomem;
            ps->kind = SEC_EVENT;
            return 0;
        } else {
            struct sim_ce_entry *entry;
            p = grow(ps->entries, ps->nentries, sizeof *ps->entries);
            if (!p)
                goto nomem;
            ps->entries = p;
            entry = &ps->entries[ps->nentries];
            ce_entry_defaults(entry);
            entry->is_group = kind_word[0] == 'g';
            entry->spec.line = ps->section_line;
            entry->spec.name = strdup(name);
            ps->index = ps->nentries++;
            if (!entry->spec.name)
                goto nomem;
            ps->kind = kind_word[0] == 'c' ? SEC_CE : SEC_GROUP;
            return 0;
        }
    }
    fail_at(ps, ps->section_line, "unknown section [%s] (expected [scenario], "
            "[ce NAME], [group NAME] or [event NAME])", section);
    return -1;
nomem:
    fail_at(ps, ps->rd.line, "out of memory");
    return -1;
}

/* The inih handler: returns 1 to go on, 0 after recording the problem. */
static int handle_key(void *user, const char *section, const char *name,
                      const char *value)
{
    struct parser *ps = user;
    const struct sim_key *key;
    char *base;
    int *lines, line = ps->rd.line, rc;
    unsigned in;
    char why[300];

    ps->rd.keyless_header = 0;
    if (ps->err_line != 0)
        return 0;
    /* a new header, even one repeating the previous section's name */
    if (!ps->section || strcmp(section, ps->section) != 0 ||
        (section[0] && ps->rd.header_line != ps->section_line))
        if (begin_section(ps, section) != 0)
            return 0;

    switch (ps->kind) {
    case SEC_SCENARIO:
        in = SIM_IN_SCENARIO;
        base = (char *)ps->scn;
        lines = ps->scenario_line;
        break;
    case SEC_CE:
    case SEC_GROUP:
        in = ps->kind == SEC_CE ? SIM_IN_CE : SIM_IN_GROUP;
        base = (char *)&ps->entries[ps->index];
        lines = ps->key_line;
        break;
    case SEC_EVENT:
        in = SIM_IN_EVENT;
        base = (char *)&ps->scn->events[ps->index];
        lines = ps->key_line;
        break;
    default:
        return 0;
    }
    key = sim__key_find(in, name);
    if (!key) {
        fail_at(ps, line, "unknown key '%s' in [%s]", name, section);
        return 0;
    }
    if (lines[key - sim__keys] != 0) {
        fail_at(ps, line, "key '%s' given twice in [%s] (first on line %d)",
                name, section, lines[key - sim__keys]);
        return 0;
    }
    lines[key - sim__keys] = line;
    base += key->offset[sim__key_struct(in)];
    rc = sim__key_parse(key, value, base, why, sizeof why);
    if (rc != SIM_KEY_OK) {
        if (rc == SIM_KEY_NOMEM)
            fail_at(ps, line, "out of memory");
        else
            fail_at(ps, line, "%s%s%s", key->name, sim__key_sep(key), why);
        return 0;
    }
    if (in == SIM_IN_EVENT) {
        struct sim_event_spec *ev = &ps->scn->events[ps->index];
        ev->set |= key->set_bit;
        if (base == (char *)&ev->at)
            ev->at_line = line;
        if (base == (char *)&ev->ce)
            ev->ce_line = line;
    } else if (in != SIM_IN_SCENARIO) {
        struct sim_ce_entry *entry = &ps->entries[ps->index];
        if (base == (char *)&entry->spec.capacity)
            entry->capacity_line = line;
        if (base == (char *)&entry->spec.arrival_rate)
            entry->rate_line = line;
    }
    return 1;
}

/* ---- end-of-file checks ----------------------------------------------------- */

static int cmp_event(const void *a, const void *b)
{
    const struct sim_event_spec *x = a, *y = b;

    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

struct name_line {
    const char *name;
    size_t index;
};

static int cmp_name_line(const void *a, const void *b)
{
    const struct name_line *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c != 0)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}

/* Expand groups into CEs named NAME-0001 ... in file order. */
static int expand_entries(struct parser *ps)
{
    struct sim_scenario *scn = ps->scn;
    size_t i, total = 0, n = 0;

    for (i = 0; i < ps->nentries; i++) {
        struct sim_ce_entry *entry = &ps->entries[i];
        if (!entry->capacity_line) {
            fail_at(ps, entry->spec.line, "[%s %s] needs a %s",
                    entry->is_group ? "group" : "ce", entry->spec.name,
                    SIM_CE_KEY(spec.capacity));
            return -1;
        }
        if (entry->is_group && entry->count == 0) {
            fail_at(ps, entry->spec.line, "[group %s] needs a %s",
                    entry->spec.name, SIM_CE_KEY(count));
            return -1;
        }
        total += entry->count ? (size_t)entry->count : 1;
    }
    scn->ces = calloc(total ? total : 1, sizeof *scn->ces);
    if (!scn->ces) {
        fail_at(ps, 0, "out of memory");
        return -1;
    }
    for (i = 0; i < ps->nentries; i++) {
        struct sim_ce_entry *entry = &ps->entries[i];
        int64_t k, count = entry->count ? entry->count : 1;
        for (k = 0; k < count; k++) {
            struct sim_ce_spec *ce = &scn->ces[n];
            *ce = entry->spec;
            if (entry->count) {
                size_t len = strlen(entry->spec.name) + 16;
                ce->name = malloc(len);
                if (ce->name)
                    snprintf(ce->name, len, "%s-%04lld", entry->spec.name,
                             (long long)(k + 1));
            } else {
                ce->name = strdup(entry->spec.name);
            }
            if (!ce->name) {
                fail_at(ps, 0, "out of memory");
                return -1;
            }
            scn->nces = ++n;
            if (strlen(ce->name) > PILOTDB_NAME_MAX) {
                fail_at(ps, ce->line, "CE name '%s' is longer than %d bytes",
                        ce->name, PILOTDB_NAME_MAX);
                return -1;
            }
        }
    }
    return 0;
}

/* The line where [scenario] set the key that fills the field at offset, or 0. */
static int scenario_line(const struct parser *ps, size_t offset)
{
    return ps->scenario_line[sim__key_of(SIM_IN_SCENARIO, offset) - sim__keys];
}

#define SCN_LINE(field) scenario_line(ps, offsetof(struct sim_scenario, field))

static int check_whole(struct parser *ps)
{
    struct sim_scenario *scn = ps->scn;
    struct name_line *sorted = NULL;
    size_t i;
    int rc = -1, any_rate = 0, rate_line = 0;

    if (SCN_LINE(duration) == 0) {
        fail_at(ps, ps->scenario_header ? ps->scenario_header : 1,
                "[scenario] needs a %s", SIM_SCN_KEY(duration));
        goto out;
    }
    if (expand_entries(ps) != 0)
        goto out;
    if (scn->nces == 0) {
        fail_at(ps, ps->rd.line, "the scenario has no [ce NAME] or [group NAME]");
        goto out;
    }
    if (scn->warmup >= scn->duration) {
        fail_at(ps, SCN_LINE(warmup), "%s must be shorter than the %s", SIM_SCN_KEY(warmup),
                SIM_SCN_KEY(duration));
        goto out;
    }

    /* CE names are unique */
    sorted = malloc(scn->nces * sizeof *sorted);
    if (!sorted) {
        fail_at(ps, 0, "out of memory");
        goto out;
    }
    for (i = 0; i < scn->nces; i++) {
        sorted[i].name = scn->ces[i].name;
        sorted[i].index = i;
    }
    qsort(sorted, scn->nces, sizeof *sorted, cmp_name_line);
    for (i = 1; i < scn->nces; i++) {
        if (strcmp(sorted[i - 1].name, sorted[i].name) == 0) {
            fail_at(ps, scn->ces[sorted[i].index].line, "CE '%s' is defined "
                    "twice (first on line %d)", sorted[i].name,
                    scn->ces[sorted[i - 1].index].line);
            goto out;
        }
    }

    for (i = 0; i < scn->nces; i++)
        if (scn->ces[i].arrival_rate > 0)
            any_rate = 1;
    /* the first CE arrival_rate, to name a line when no [scenario] key is to blame */
    for (i = ps->nentries; i-- > 0;)
        if (ps->entries[i].spec.arrival_rate > 0)
            rate_line = ps->entries[i].rate_line;
    if (strcmp(scn->policy->name, "arrivals") == 0) {
        if (!any_rate && scn->arrival_rate <= 0) {
            fail_at(ps, SCN_LINE(policy), "%s = arrivals needs an %s (per hour) in "
                    "[scenario] or in a CE", SIM_SCN_KEY(policy),
                    SIM_SCN_KEY(arrival_rate));
            goto out;
        }
        if (any_rate && scn->arrival_rate > 0) {
            fail_at(ps, SCN_LINE(arrival_rate), "give %s either in [scenario] (routed "
                    "to CEs) or per CE, not both", SIM_SCN_KEY(arrival_rate));
            goto out;
        }
    } else if (any_rate || scn->arrival_rate > 0) {
        int line = SCN_LINE(arrival_rate);
        if (line == 0)
            line = SCN_LINE(policy) ? SCN_LINE(policy) : rate_line;
        fail_at(ps, line, "%s needs %s = arrivals", SIM_SCN_KEY(arrival_rate),
                SIM_SCN_KEY(policy));
        goto out;
    }

    for (i = 0; i < scn->nevents; i++) {
        struct sim_event_spec *ev = &scn->events[i];
        struct name_line *hit = NULL;
        size_t lo = 0, hi = scn->nces;
        if (ev->at_line == 0) {
            fail_at(ps, ev->line, "[event %s] needs %s = TIME", ev->name, SIM_EV_KEY(at));
            goto out;
        }
        if (!ev->ce) {
            fail_at(ps, ev->line, "[event %s] needs %s = NAME", ev->name, SIM_EV_KEY(ce));
            goto out;
        }
        if (ev->set == 0 && !ev->fail_active) {
            fail_at(ps, ev->line, "[event %s] changes nothing (give %s, %s or %s)",
                    ev->name, SIM_EV_KEY(capacity), SIM_EV_KEY(success_rate),
                    SIM_EV_KEY(enabled));
            goto out;
        }
        if (ev->at > scn->duration) {
            fail_at(ps, ev->at_line, "event '%s' is after the end of the scenario",
                    ev->name);
            goto out;
        }
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(sorted[mid].name, ev->ce) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < scn->nces && strcmp(sorted[lo].name, ev->ce) == 0)
            hit = &sorted[lo];
        if (!hit) {
            fail_at(ps, ev->ce_line, "event '%s' names unknown CE '%s'", ev->name,
                    ev->ce);
            goto out;
        }
        ev->ce_index = hit->index;
    }
    if (scn->nevents > 1)
        qsort(scn->events, scn->nevents, sizeof *scn->events, cmp_event);
    rc = 0;
out:
    free(sorted);
    return rc;
}

/* ---- public ------------------------------------------------------------------- */

/* Free everything a scenario owns. */
void sim_scenario_free(sim_scenario *scn)
{
    size_t i;

    if (!scn)
        return;
    for (i = 0; i < scn->nces; i++)
        free(scn->ces[i].name);
    for (i = 0; i < scn->nevents; i++) {
        free(scn->events[i].name);
        free(scn->events[i].ce);
    }
    free(scn->ces);
    free(scn->events);
    free(scn->start);
    free(scn->name);
    free(scn->filename);
    free(scn);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Parse text with inih through the counting reader, then check the whole. */
sim_rc sim_scenario_parse(const char *text, const char *filename,
                          sim_scenario **out, char *errbuf, size_t errbuf_size)
{
    struct parser ps;
    struct sim_scenario *scn;
    sim_rc rc = SIM_EPARSE;
    size_t i;
    int ini_rc;

    *out = NULL;
    memset(&ps, 0, sizeof ps);
    ps.filename = filename ? filename : "<string>";
    scn = calloc(1, sizeof *scn);
    if (!scn) {
        snprintf(errbuf, errbuf_size, "%s: out of memory", ps.filename);
        return SIM_ENOMEM;
    }
    ps.scn = scn;
    scn->filename = strdup(ps.filename);
    sim__key_defaults(SIM_IN_SCENARIO, scn);

    ps.rd.next = text;
    ps.rd.at_line_start = 1;
    ini_rc = ini_parse_stream(read_line, &ps.rd, handle_key, &ps);
    if (ps.rd.long_line && (ps.err_line == 0 || ps.err_line >= ps.rd.long_line)) {
        ps.err_line = 0;
        fail_at(&ps, ps.rd.long_line, "line too long (at most 197 characters)");
    } else if (ps.rd.indented_line &&
               (ps.err_line == 0 || ps.err_line >= ps.rd.indented_line)) {
        ps.err_line = 0;
        fail_at(&ps, ps.rd.indented_line, "indented line (start keys and [sections] "
                "in the first column; an indented line would continue the value above)");
    } else if (ini_rc > 0 && (ps.err_line == 0 || ini_rc < ps.err_line)) {
        ps.err_line = 0;
        fail_at(&ps, ini_rc, "syntax error (expected [section], key = value, "
                "or a comment starting with ; or #)");
    } else if (ini_rc < 0 && ps.err_line == 0) {
        fail_at(&ps, 0, "out of memory");
    }
    if (ps.rd.keyless_header && ps.rd.empty_line == 0)
        ps.rd.empty_line = ps.rd.keyless_header;
    if (ps.rd.empty_line && (ps.err[0] == '\0' || ps.err_line > ps.rd.empty_line)) {
        ps.err_line = 0;
        fail_at(&ps, ps.rd.empty_line, "section [%s] has no keys", ps.rd.empty_name);
    }
    if (ps.err_line == 0 && !scn->name)
        scn->name = strdup(base_name(ps.filename));
    if (ps.err_line == 0 && (!scn->filename || !scn->name))
        fail_at(&ps, 0, "out of memory");
    if (ps.err_line == 0 && ps.err[0] == '\0')
        check_whole(&ps);

    if (ps.err_line != 0 || ps.err[0] != '\0') {
        snprintf(errbuf, errbuf_size, "%s:%d: %s", ps.filename, ps.err_line, ps.err);
        if (strcmp(ps.err, "out of memory") == 0)
            rc = SIM_ENOMEM;
        sim_scenario_free(scn);
        scn = NULL;
    } else {
        rc = SIM_OK;
        if (errbuf_size)
            errbuf[0] = '\0';
    }
    /* entries' names were copied into the CEs */
    for (i = 0; i < ps.nentries; i++)
        free(ps.entries[i].spec.name);
    free(ps.entries);
    for (i = 0; i < ps.nseen; i++)
        free(ps.seen[i]);
    free(ps.seen);
    free(ps.section);
    *out = scn;
    return rc;
}

/* Read the whole file, then parse it as a string. */
sim_rc sim_scenario_load(const char *path, sim_scenario **out, char *errbuf,
                         size_t errbuf_size)
{
    FILE *f = NULL;
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    sim_rc rc = SIM_EIO;

    *out = NULL;
    f = fopen(path, "r");
    if (!f) {
        snprintf(errbuf, errbuf_size, "%s: %s", path, strerror(errno));
        goto out;
    }
    do {
        if (len + 4096 + 1 > cap) {
            char *bigger;
            cap = cap ? 2 * cap : 8192;
            bigger = realloc(text, cap);
            if (!bigger) {
                snprintf(errbuf, errbuf_size, "%s: out of memory", path);
                rc = SIM_ENOMEM;
                goto out;
            }
            text = bigger;
        }
        got = fread(text + len, 1, 4096, f);
        len += got;
    } while (got > 0);
    if (ferror(f)) {
        snprintf(errbuf, errbuf_size, "%s: read error", path);
        goto out;
    }
    text[len] = '\0';
    if (strlen(text) != len) {
        snprintf(errbuf, errbuf_size, "%s: contains a NUL byte; not a text file", path);
        rc = SIM_EPARSE;
        goto out;
    }
    rc = sim_scenario_parse(text, path, out, errbuf, errbuf_size);
out:
    if (f)
        fclose(f);
    free(text);
    return rc;
}

const char *sim_scenario_name(const sim_scenario *scn)
{
    return scn->name;
}

uint64_t sim_scenario_seed(const sim_scenario *scn)
{
    return scn->seed;
}

int64_t sim_scenario_duration(const sim_scenario *scn)
{
    return scn->duration;
}

size_t sim_scenario_ce_count(const sim_scenario *scn)
{
    return scn->nces;
}

const char *sim_scenario_ce_name(const sim_scenario *scn, size_t i)
{
    return i < scn->nces ? scn->ces[i].name : NULL;
}
