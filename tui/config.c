/*
 * config.c - the dashboard's configuration file: its path, reading it with
 * inih over the built-in settings, and writing the current settings back
 * (the dashboard's S).
 *
 * Every key is a row of one table (section, name, how to read it, how to
 * write it), so reading, writing and the messages cannot disagree.  A file
 * the dashboard cannot understand is refused whole, with its line: a typo
 * must not silently leave a threshold at its default.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scheme.h"

/* The longest filter whose line inih reads ("filter = " and 189 bytes). */
#define CONFIG_FILTER_MAX 189
/* The longest line inih reads, its line end not counted. */
#define CONFIG_LINE_MAX 198

static const char *const scheme_names[TUI_NSCHEMES] = { "default", "mono", "light" };

void tui_settings_default(tui_settings *s)
{
    memset(s, 0, sizeof *s);
    s->sort = TUI_COL_NAME;
    s->window_ms = TUI_WINDOW_DEFAULT_MS;
    s->delay_s = 1.0;
    s->stale_ms = TUI_STALE_DEFAULT_MS;
    s->grades = tui_grades_default;
    s->mouse = 1;
    s->scheme = TUI_SCHEME_DEFAULT;
}

const char *tui_scheme_name(tui_scheme scheme)
{
    return scheme < TUI_NSCHEMES ? scheme_names[scheme] : "default";
}

int tui_column_parse(const char *word, tui_column *out)
{
    for (int c = 0; c < TUI_NCOLUMNS; c++) {
        if (c != TUI_COL_TREND && strcmp(word, tui_column_key((tui_column)c)) == 0) {
            *out = (tui_column)c;
            return 0;
        }
    }
    return -1;
}

int tui_config_default_path(char *buf, size_t size, char *err, size_t err_size)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int n;

    /* the XDG spec: a relative $XDG_CONFIG_HOME is invalid, ignore it */
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, size, "%s/pilotdeck/config", xdg);
    else if (home && home[0])
        n = snprintf(buf, size, "%s/.config/pilotdeck/config", home);
    else {
        snprintf(err, err_size, "neither XDG_CONFIG_HOME nor HOME is set: no configuration "
                 "file (give one with --config FILE)");
        return -1;
    }
    if (n < 0 || (size_t)n >= size) {
        snprintf(err, err_size, "the configuration file's path is too long");
        return -1;
    }
    return 0;
}

/* ---- values -------------------------------------------------------------------- */

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = { "true", "yes", "on", "1" };
    static const char *const no[] = { "false", "no", "off", "0" };

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
            *out = strcasecmp(v, yes[i]) == 0;
            return 0;
        }
    }
    return -1;
}

/* A finite number filling the whole of v, with an optional suffix. */
static int parse_number(const char *v, const char *suffix, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(v, &end);
    if (end == v || errno != 0 || !isfinite(*out))
        return -1;
    if (suffix && strcmp(end, suffix) == 0)
        return 0;
    return *end == '\0' ? 0 : -1;
}

/* A duration as exactly as it goes in its largest whole unit: 90m, 45s. */
static void duration_text(char *buf, size_t size, int64_t ms)
{
    static const struct { int64_t ms; const char *unit; } units[] = {
        { 86400000, "d" }, { 3600000, "h" }, { 60000, "m" }, { 1000, "s" }, { 1, "ms" }
    };

    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (ms % units[i].ms == 0 || units[i].ms == 1) {
            snprintf(buf, size, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
            return;
        }
    }
}

/* ---- the table of keys --------------------------------------------------------- */

enum value_kind { V_SORT, V_BOOL, V_FILTER, V_WINDOW, V_DELAY, V_STALE, V_PERCENT, V_COUNT,
                  V_SCHEME };

struct key_row {
    const char *section, *name;
    enum value_kind kind;
    size_t offset;     /* into tui_settings */
    const char *comment; /* above the key in a written file */
};

/* The numeric kinds: the suffix that may follow, the range, what the field
 * holds (the number divided by divisor, or a whole number) and what the
 * message asks for. */
static const struct number_rule {
    const char *suffix;
    double min, max, divisor;
    int whole;
    const char *what;
} number_rules[] = {
    [V_DELAY] = { "s", 0.05, 3600.0, 1.0, 0, "a number of seconds from 0.05 to 3600" },
    [V_PERCENT] = { "%", 0.0, 100.0, 100.0, 0, "a percentage from 0 to 100" },
    [V_COUNT] = { NULL, 1.0, 1e9, 1.0, 1, "a whole number from 1" },
};

#define AT(field) offsetof(tui_settings, field)

static const struct key_row keys[] = {
    { "top", "sort", V_SORT, AT(sort), "column to sort by (a --sort word)" },
    { "top", "reverse", V_BOOL, AT(reverse), NULL },
    { "top", "filter", V_FILTER, AT(filter), "only CEs whose name contains this" },
    { "top", "window", V_WINDOW, AT(window_ms), "rates over the last (5m to 7d)" },
    { "top", "delay", V_DELAY, AT(delay_s), "seconds between refreshes" },
    { "top", "stale", V_STALE, AT(stale_ms), "no change for longer: stale" },
    { "top", "mouse", V_BOOL, AT(mouse), NULL },
    { "grades", "good", V_PERCENT, AT(grades.good), "efficiency at least: Good, Fair, Poor" },
    { "grades", "fair", V_PERCENT, AT(grades.fair), NULL },
    { "grades", "poor", V_PERCENT, AT(grades.poor), NULL },
    { "grades", "min_ended", V_COUNT, AT(grades.min_ended),
      "fewer pilots ended in the window: Idle" },
    { "colors", "scheme", V_SCHEME, AT(scheme), "default, mono or light; then elements as\n"
      "# ELEMENT = FG [on BG] [bold] [dim] [underline] [reverse]" },
};

#define NKEYS (sizeof keys / sizeof keys[0])

/* The sections, in the order a new file has them. */
static const char *const sections[] = { "top", "grades", "colors" };
#define NSECTIONS 3

static void *field_of(tui_settings *s, const struct key_row *k)
{
    return (char *)s + k->offset;
}

/* Read v into k's field of s: 0, or -1 with a message in err. */
static int read_value(const struct key_row *k, const char *v, tui_settings *s, char *err,
                      size_t err_size)
{
    void *f = field_of(s, k);
    int64_t ms;
    double x;

    switch (k->kind) {
    case V_SORT:
        if (tui_column_parse(v, f) == 0)
            return 0;
        snprintf(err, err_size, "unknown column '%.40s' (a --sort word: name, state, done, "
                 "...)", v);
        return -1;
    case V_BOOL:
        if (parse_bool(v, f) == 0)
            return 0;
        snprintf(err, err_size, "'%.40s' is not true or false", v);
        return -1;
    case V_FILTER:
        if (strlen(v) > PILOTDB_NAME_MAX) {
            snprintf(err, err_size, "filter longer than %d bytes", PILOTDB_NAME_MAX);
            return -1;
        }
        strcpy(f, v);
        return 0;
    case V_WINDOW:
        return tui_window_parse(v, f, err, err_size);
    case V_DELAY:
    case V_PERCENT:
    case V_COUNT: {
        const struct number_rule *r = &number_rules[k->kind];
        if (parse_number(v, r->suffix, &x) == 0 && x >= r->min && x <= r->max &&
            (!r->whole || x == floor(x))) {
            if (r->whole)
                *(int64_t *)f = (int64_t)x;
            else
                *(double *)f = x / r->divisor;
            return 0;
        }
        snprintf(err, err_size, "'%.40s' is not %s", v, r->what);
        return -1;
    }
    case V_STALE:
        if (tui_duration_parse(v, &ms) == 0 && ms >= 1000) {
            *(int64_t *)f = ms;
            return 0;
        }
        snprintf(err, err_size, "'%.40s' is not a duration of a second or more (30m, 2h)",
                 v);
        return -1;
    case V_SCHEME:
        for (int i = 0; i < TUI_NSCHEMES; i++) {
            if (strcmp(v, scheme_names[i]) == 0) {
                *(tui_scheme *)f = (tui_scheme)i;
                return 0;
            }
        }
        snprintf(err, err_size, "unknown scheme '%.40s' (default, mono or light)", v);
        return -1;
    }
    return -1;
}

/* The text of k's value in s, as read_value() reads it back. */
static void value_text(char *buf, size_t size, const struct key_row *k, const tui_settings *s)
{
    const void *f = (const char *)s + k->offset;

    switch (k->kind) {
    case V_SORT: snprintf(buf, size, "%s", tui_column_key(*(const tui_column *)f)); break;
    case V_BOOL: snprintf(buf, size, "%s", *(const int *)f ? "true" : "false"); break;
    case V_FILTER: {
        /* a control character would end the line or hide what follows */
        size_t n = 0;
        for (const unsigned char *c = f; *c && n + 1 < size; c++)
            buf[n++] = *c < 0x20 || *c == 0x7f ? '?' : (char)*c;
        buf[n] = '\0';
        break;
    }
    case V_WINDOW:
    case V_STALE: duration_text(buf, size, *(const int64_t *)f); break;
    case V_DELAY: snprintf(buf, size, "%.15g", *(const double *)f); break;
    case V_PERCENT:
        /* the shortest text that reads back as the same fraction */
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(buf, size, "%.*g%%", digits, *(const double *)f * 100.0);
            if (strtod(buf, NULL) / 100.0 == *(const double *)f)
                break;
        }
        break;
    case V_COUNT: snprintf(buf, size, "%lld", (long long)*(const int64_t *)f); break;
    case V_SCHEME: snprintf(buf, size, "%s", tui_scheme_name(*(const tui_scheme *)f)); break;
    }
}

/* ---- reading ------------------------------------------------------------------- */

struct reader {
    FILE *file;
    char *buf;             /* getline's */
    size_t buf_size;
    int line;              /* the line being parsed */
    tui_settings *s;
    int err_line;          /* the first error's line, 0: none yet */
    char err[512];
};

static void fail_at(struct reader *rd, int line, const char *msg)
{
    if (rd->err_line == 0 || line < rd->err_line) {
        rd->err_line = line;
        snprintf(rd->err, sizeof rd->err, "%s", msg);
    }
}

/* The index in sections[] of the section name (len bytes), or -1. */
static int section_index(const char *name, size_t len)
{
    for (int i = 0; i < NSECTIONS; i++)
        if (strlen(sections[i]) == len && strncmp(name, sections[i], len) == 0)
            return i;
    return -1;
}

/* inih's reader: whole lines from the file, counted, with what inih itself
 * lets pass refused (a NUL byte, an indented line, a section header of no
 * known section, even without keys). */
static char *read_line(char *str, int num, void *stream)
{
    struct reader *rd = stream;
    ssize_t len = getline(&rd->buf, &rd->buf_size, rd->file);
    const char *p;

    if (len < 0)
        return NULL;
    rd->line++;
    p = rd->buf + strspn(rd->buf, " \t");
    if ((size_t)len != strlen(rd->buf))
        fail_at(rd, rd->line, "a NUL byte (not a text file)");
    else if (len >= num)
        fail_at(rd, rd->line, "line too long");
    else if (p > rd->buf && !strchr(";#\r\n", *p))
        fail_at(rd, rd->line, "indented line (an indented line would continue the "
                "value above; start keys in the first column)");
    else if (*p == '[' && section_index(p + 1, strcspn(p + 1, "]\r\n")) < 0) {
        char msg[160];
        int n = (int)strcspn(p + 1, "]\r\n");
        snprintf(msg, sizeof msg, "unknown section [%.*s] (top, grades or colors)",
                 n < 40 ? n : 40, p + 1);
        fail_at(rd, rd->line, msg);
    }
    /* a refused line goes to inih empty: the first error is the one told */
    snprintf(str, (size_t)num, "%s", rd->err_line == rd->line ? "\n" : rd->buf);
    return str;
}

static int take_key(void *user, const char *section, const char *name, const char *value)
{
    struct reader *rd = user;
    char msg[300];
    int style;

    if (rd->err_line)
        return 1; /* the first error is the one to tell */
    for (size_t i = 0; i < NKEYS; i++) {
        if (strcmp(section, keys[i].section) == 0 && strcmp(name, keys[i].name) == 0) {
            if (read_value(&keys[i], value, rd->s, msg, sizeof msg) != 0) {
                char full[400];
                snprintf(full, sizeof full, "%s: %s", name, msg);
                fail_at(rd, rd->line, full);
            }
            return 1;
        }
    }
    if (strcmp(section, "colors") == 0 && (style = scheme_element(name)) >= 0) {
        if (scheme_color_parse(value, &rd->s->colors[style], msg, sizeof msg) != 0) {
            char full[400];
            snprintf(full, sizeof full, "%s: %s", name, msg);
            fail_at(rd, rd->line, full);
        }
        return 1;
    }
    if (section[0] == '\0')
        snprintf(msg, sizeof msg, "'%.40s' outside a section ([top], [grades], [colors])",
                 name);
    else if (strcmp(section, "colors") == 0)
        snprintf(msg, sizeof msg, "unknown element '%.40s' in [colors] (title, header, "
                 "sorted, selected, ok, warn, bad, dim, running, submitted, free, info, "
                 "error, key, full, fair, site, normal or scheme)", name);
    else
        snprintf(msg, sizeof msg, "unknown key '%.40s' in [%.20s]", name, section);
    fail_at(rd, rd->line, msg);
    return 1;
}

int tui_config_load(const char *path, int missing_ok, tui_settings *s, char *err,
                    size_t err_size)
{
    struct reader rd;
    struct stat st;
    int ini_rc;

    memset(&rd, 0, sizeof rd);
    rd.s = s;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "%s: is a directory", path);
        return -1;
    }
    rd.file = fopen(path, "r");
    if (!rd.file) {
        if (errno == ENOENT && missing_ok)
            return 1;
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    ini_rc = ini_parse_stream(read_line, &rd, take_key, &rd);
    if (ini_rc > 0)
        fail_at(&rd, ini_rc, "syntax error (expected [section], key = value, or a comment "
                "starting with ; or #)");
    else if (ini_rc < 0)
        fail_at(&rd, 1, "out of memory");
    if (ferror(rd.file))
        fail_at(&rd, rd.line + 1, strerror(EIO));
    fclose(rd.file);
    free(rd.buf);
    if (rd.err_line > 0) {
        snprintf(err, err_size, "%s:%d: %s", path, rd.err_line, rd.err);
        return -1;
    }
    if (tui_grades_check(&s->grades, rd.err, sizeof rd.err) != 0) {
        snprintf(err, err_size, "%s: [grades]: %s", path, rd.err);
        return -1;
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------------- */

/* Make the missing directories above path (mode 0700, as XDG asks): 0, or
 * -1 with a message in err. */
static int make_parents(const char *path, char *err, size_t err_size)
{
    char dir[PATH_MAX];
    struct stat st;

    if (strlen(path) >= sizeof dir) {
        snprintf(err, err_size, "%s: path too long", path);
        return -1;
    }
    strcpy(dir, path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (stat(dir, &st) != 0 && mkdir(dir, 0700) != 0 && errno != EEXIST) {
            snprintf(err, err_size, "cannot create %s: %s", dir, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    return 0;
}

/*
 * What S writes is the file as it was with only the values changed: each
 * setting is a slot (a row of keys[], then a [colors] element), and a line
 * naming a slot gets the slot's value in place of its own; a slot no line
 * names is added at the end of its section (after its last key), a section
 * the file lacks at the end of the file; a [colors] element that s leaves
 * to the scheme loses its line.  Every other byte is kept.
 */
#define NSLOTS (NKEYS + TUI_COLOR_ELEMENTS)
#define VALUE_MAX (PILOTDB_NAME_MAX + 64)

static const char *slot_section(size_t slot)
{
    return slot < NKEYS ? keys[slot].section : "colors";
}

static const char *slot_name(size_t slot)
{
    return slot < NKEYS ? keys[slot].name : scheme_element_name((enum tui_style)(slot - NKEYS));
}

/* The slot of section's key name, or -1. */
static int slot_of(int section, const char *name)
{
    int style;

    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].section, sections[section]) == 0 && strcmp(keys[i].name, name) == 0)
            return (int)i;
    if (strcmp(sections[section], "colors") == 0 && (style = scheme_element(name)) >= 0 &&
        style < TUI_COLOR_ELEMENTS)
        return (int)NKEYS + style;
    return -1;
}

/* The text of slot's value in s: 1, or 0 when it has none (a colour
 * element left to the scheme). */
static int slot_text(char *buf, size_t size, size_t slot, const tui_settings *s)
{
    const tui_color *c;

    if (slot < NKEYS) {
        value_text(buf, size, &keys[slot], s);
        return 1;
    }
    c = &s->colors[slot - NKEYS];
    if (!c->set || !slot_name(slot))
        return 0;
    scheme_color_text(buf, size, c);
    return 1;
}

/* One line of a file: its bytes without the line end, and the line end's. */
struct text_line {
    const char *p;
    size_t len, eol;
};

static int next_line(const char *buf, size_t size, size_t *pos, struct text_line *l)
{
    const char *nl;
    size_t n;

    if (*pos >= size)
        return 0;
    l->p = buf + *pos;
    nl = memchr(l->p, '\n', size - *pos);
    n = nl ? (size_t)(nl - l->p) + 1 : size - *pos;
    l->eol = nl != NULL;
    l->len = n - l->eol;
    if (l->eol && l->len > 0 && l->p[l->len - 1] == '\r') {
        l->len--;
        l->eol++;
    }
    *pos += n;
    return 1;
}

/* The section a "[name]" line opens: its index, -1 for an unknown one, or
 * -2 when the line opens none. */
static int section_line(const struct text_line *l)
{
    if (l->len == 0 || l->p[0] != '[')
        return -2;
    return section_index(l->p + 1, strcspn(l->p + 1, "]"));
}

/* A "name = value" line as inih reads it: the name into name, and where
 * the value starts and ends (blanks, and a "; comment" after a blank, are
 * not part of it).  0, or -1 for any other line. */
static int key_line(const struct text_line *l, char *name, size_t name_size, size_t *value_start,
                    size_t *value_end)
{
    size_t sep = 0, end, v;
    int was_space = 0;

    if (l->len == 0 || strchr(" \t;#[", l->p[0]))
        return -1;
    while (sep < l->len && l->p[sep] != '=' && l->p[sep] != ':')
        sep++;
    if (sep == l->len)
        return -1;
    for (end = sep; end > 0 && (l->p[end - 1] == ' ' || l->p[end - 1] == '\t'); end--)
        ;
    if (end >= name_size || memchr(l->p, '\0', end))
        return -1;
    memcpy(name, l->p, end);
    name[end] = '\0';
    for (v = sep + 1; v < l->len && (l->p[v] == ' ' || l->p[v] == '\t'); v++)
        ;
    *value_start = v;
    for (end = v; end < l->len && !(was_space && l->p[end] == ';'); end++)
        was_space = l->p[end] == ' ' || l->p[end] == '\t';
    while (end > v && (l->p[end - 1] == ' ' || l->p[end - 1] == '\t'))
        end--;
    *value_end = end;
    return 0;
}

/* The slot a line of section sets, or -1. */
static int line_slot(const struct text_line *l, int section, size_t *value_start,
                     size_t *value_end)
{
    char name[64];

    if (section < 0 || key_line(l, name, sizeof name, value_start, value_end) != 0)
        return -1;
    return slot_of(section, name);
}

/* Whether the value of line l (bytes vs to ve) already says what s holds
 * for slot, as the text want: then the line stays as the user wrote it
 * ("120m" is not rewritten "2h"). */
static int line_says(const struct text_line *l, size_t vs, size_t ve, size_t slot,
                     const tui_settings *s, const char *want)
{
    tui_settings was = *s;
    char old[VALUE_MAX], err[300], text[VALUE_MAX];

    if (ve - vs >= sizeof old)
        return 0;
    memcpy(old, l->p + vs, ve - vs);
    old[ve - vs] = '\0';
    if (slot < NKEYS ? read_value(&keys[slot], old, &was, err, sizeof err) != 0
                     : scheme_color_parse(old, &was.colors[slot - NKEYS], err, sizeof err) != 0)
        return 0;
    return slot_text(text, sizeof text, slot, &was) && strcmp(text, want) == 0;
}

/* The slots of section that the file has no line for, written out, each
 * line ended by nl (the file's own line end). */
static void write_missing(FILE *out, int section, const int *named, const tui_settings *s,
                          const char *nl)
{
    char value[VALUE_MAX];

    for (size_t slot = 0; slot < NSLOTS; slot++) {
        if (named[slot] || strcmp(slot_section(slot), sections[section]) != 0 ||
            !slot_text(value, sizeof value, slot, s))
            continue;
        if (slot < NKEYS && keys[slot].comment) {
            fputs("# ", out);
            for (const char *c = keys[slot].comment; *c; c++)
                *c == '\n' ? fputs(nl, out) : fputc(*c, out);
            fputs(nl, out);
        }
        fprintf(out, "%s = %s%s", slot_name(slot), value, nl);
    }
}

/* The file old (size bytes) with s's values in it, to out. */
static int write_settings(FILE *out, const char *old, size_t size, const tui_settings *s)
{
    int named[NSLOTS] = { 0 };
    long last_line[NSECTIONS] = { -1, -1, -1 }; /* of its last key (or header) */
    struct text_line l;
    size_t pos = 0, vs, ve;
    long n = 0;
    int section = -1, slot, has, ended = 1;
    char value[VALUE_MAX];
    const char *nl = "\n";

    /* A byte order mark stays, and is no part of the first line (inih
     * skips it). */
    if (size >= 3 && memcmp(old, "\xEF\xBB\xBF", 3) == 0) {
        fwrite(old, 1, 3, out);
        old += 3;
        size -= 3;
    }
    /* Lines added end as the file's first line does. */
    if (next_line(old, size, &pos, &l) && l.eol == 2)
        nl = "\r\n";
    for (pos = 0; next_line(old, size, &pos, &l); n++) {
        int opened = section_line(&l);
        if (opened != -2)
            section = opened;
        else if ((slot = line_slot(&l, section, &vs, &ve)) >= 0)
            named[slot] = 1;
        else if (section < 0 || key_line(&l, value, sizeof value, &vs, &ve) != 0)
            continue;
        if (section >= 0)
            last_line[section] = n;
    }
    section = -1;
    for (pos = 0, n = 0; next_line(old, size, &pos, &l); n++) {
        int opened = section_line(&l);
        if (opened != -2)
            section = opened;
        slot = opened == -2 ? line_slot(&l, section, &vs, &ve) : -1;
        has = slot >= 0 && slot_text(value, sizeof value, (size_t)slot, s);
        if (slot < 0 || (has && line_says(&l, vs, ve, (size_t)slot, s, value))) {
            fwrite(l.p, 1, l.len + l.eol, out);
            ended = l.eol > 0;
        } else if (has) {
            /* "name =" with no value: a blank before the new one */
            int blank = vs == ve && vs > 0 && (l.p[vs - 1] == '=' || l.p[vs - 1] == ':');
            if (vs + (size_t)blank + strlen(value) + (l.len - ve) <= CONFIG_LINE_MAX)
                fprintf(out, "%.*s%s%s%.*s", (int)vs, l.p, blank ? " " : "", value,
                        (int)(l.len + l.eol - ve), l.p + ve);
            else /* too long for inih with what followed the old value */
                fprintf(out, "%s = %s%.*s", slot_name((size_t)slot), value, (int)l.eol,
                        l.p + l.len);
            ended = l.eol > 0;
        } /* else an element s leaves to the scheme: read back, s is what it says */
        for (int sec = 0; sec < NSECTIONS; sec++) {
            if (last_line[sec] != n)
                continue;
            if (!ended)
                fputs(nl, out);
            ended = 1;
            write_missing(out, sec, named, s, nl);
        }
    }
    if (!ended)
        fputs(nl, out);
    for (int sec = 0; sec < NSECTIONS; sec++) {
        if (last_line[sec] >= 0)
            continue;
        fprintf(out, "%s[%s]%s", size > 0 || sec > 0 ? nl : "", sections[sec], nl);
        write_missing(out, sec, named, s, nl);
    }
    return ferror(out) ? -1 : 0;
}

/* The whole of the file at path into *text (malloc'd, *size bytes): 0; 1
 * when there is none (*text NULL); -1 with a message in err. */
static int read_whole(const char *path, char **text, size_t *size, char *err, size_t err_size)
{
    FILE *in = fopen(path, "rb");
    size_t cap = 0, got;
    char *buf = NULL;

    *text = NULL;
    *size = 0;
    if (!in) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, err_size, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    do {
        if (*size == cap) {
            char *more = realloc(buf, cap = cap ? 2 * cap : 4096);
            if (!more) {
                snprintf(err, err_size, "cannot read %s: out of memory", path);
                free(buf);
                fclose(in);
                return -1;
            }
            buf = more;
        }
        got = fread(buf + *size, 1, cap - *size, in);
        *size += got;
    } while (got > 0);
    if (ferror(in)) {
        snprintf(err, err_size, "cannot read %s: %s", path, strerror(EIO));
        free(buf);
        fclose(in);
        *size = 0;
        return -1;
    }
    fclose(in);
    *text = buf;
    return 0;
}

int tui_config_save(const char *path, const tui_settings *s, char *err, size_t err_size)
{
    static const char new_file[] =
        "# pilotdeck dashboard settings, written by `pilotdeck top` (S).\n"
        "# Command-line options win over these.\n";
    static unsigned attempt;
    char target[PATH_MAX], tmp[PATH_MAX + 40], *old = NULL;
    size_t old_size = 0;
    struct stat st;
    FILE *out;
    int fd = -1, rc;

    /* inih reads lines of up to 198 characters */
    if (strlen(s->filter) > CONFIG_FILTER_MAX) {
        snprintf(err, err_size, "a filter of more than %d bytes cannot be saved",
                 CONFIG_FILTER_MAX);
        return -1;
    }
    /* nor would it read back blanks around a value, or what follows a
     * blank and ';' (a comment to it) */
    if (s->filter[0] == ' ' || s->filter[0] == '\t' ||
        (s->filter[0] && strchr(" \t", s->filter[strlen(s->filter) - 1])) ||
        strstr(s->filter, " ;") || strstr(s->filter, "\t;")) {
        snprintf(err, err_size, "a filter with blanks at its ends or a blank before ';'"
                                " cannot be saved");
        return -1;
    }
    /* a linked file (dotfiles kept elsewhere) stays linked */
    if (!realpath(path, target)) {
        if (strlen(path) >= sizeof target) {
            snprintf(err, err_size, "%s: path too long", path);
            return -1;
        }
        strcpy(target, path);
    }
    if (make_parents(target, err, err_size) != 0)
        return -1;
    /* the user's comments, order and blank lines stay (see write_settings) */
    if (read_whole(target, &old, &old_size, err, err_size) < 0)
        return -1;
    /* open() applies the umask to 0666, as for any file the user makes */
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        snprintf(tmp, sizeof tmp, "%s.tmp-%ld-%u", target, (long)getpid(), attempt++);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        snprintf(err, err_size, "cannot write in the directory of %s: %s", target,
                 strerror(errno));
        free(old);
        return -1;
    }
    /* a file the user made private stays private */
    if (stat(target, &st) == 0)
        (void)fchmod(fd, st.st_mode & 07777);
    out = fdopen(fd, "w");
    rc = out ? 0 : -1;
    if (rc == 0 && write_settings(out, old ? old : new_file, old ? old_size : strlen(new_file),
                                  s) != 0)
        rc = -1;
    free(old);
    if (rc != 0 || fflush(out) != 0 || fsync(fd) != 0) {
        snprintf(err, err_size, "cannot write %s: %s", tmp, strerror(errno));
        if (out)
            fclose(out);
        else
            close(fd);
        unlink(tmp);
        return -1;
    }
    if (fclose(out) != 0 || rename(tmp, target) != 0) {
        snprintf(err, err_size, "cannot write %s: %s", target, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
