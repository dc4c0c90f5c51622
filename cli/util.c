/*
 * util.c - helpers the commands share: messages, number parsing, opening
 * and closing the database, JSON output, allocation that dies on out of
 * memory.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("pilotdeck: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_parse_int(const char *what, const char *text, int64_t min, int64_t max,
                  int64_t *out)
{
    char *end = NULL;
    long long v;

    *out = 0;
    if (!text || !*text) {
        cli_error("%s: missing number", what);
        return -1;
    }
    errno = 0;
    v = strtoll(text, &end, 10);
    /* strtoll skips leading blanks; " 5" is no more a number than "5 " */
    if (*end != '\0' || end == text || isspace((unsigned char)text[0])) {
        cli_error("%s: '%s' is not a whole number", what, text);
        return -1;
    }
    if (errno == ERANGE || v < min || v > max) {
        cli_error("%s: %s is out of range [%lld, %lld]", what, text,
                  (long long)min, (long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_double(const char *what, const char *text, double min, double max,
                     double *out)
{
    char *end = NULL;
    double v;

    *out = 0;
    if (!text || !*text) {
        cli_error("%s: missing number", what);
        return -1;
    }
    errno = 0;
    v = strtod(text, &end);
    if (*end != '\0' || end == text || isspace((unsigned char)text[0])) {
        cli_error("%s: '%s' is not a number", what, text);
        return -1;
    }
    /* Written so that NaN and infinities are refused too. */
    if (errno == ERANGE || !(v >= min && v <= max)) {
        cli_error("%s: %s is out of range [%g, %g]", what, text, min, max);
        return -1;
    }
    *out = v + 0.0;
    return 0;
}

const char *cli_login_name(void)
{
    const struct passwd *pw = getpwuid(geteuid());
    const char *name = pw && pw->pw_name && *pw->pw_name ? pw->pw_name : getenv("LOGNAME");

    return name && *name ? name : getenv("USER");
}

void cli_set_actor(pilotdb *db, const char *by)
{
    /* a user name the change log refuses (too long, odd bytes) goes unsaid */
    if (pilotdb_set_actor(db, by, cli_login_name()) != PILOTDB_OK)
        pilotdb_set_actor(db, by, NULL);
}

int cli_open_db(const struct cli_globals *g, unsigned flags, pilotdb **db)
{
    char err[512];
    pilotdb_rc rc = pilotdb_open(g->db_path, flags, db, err, sizeof err);

    if (rc == PILOTDB_OK) {
        cli_set_actor(*db, "cli");
        return CLI_OK;
    }
    if (rc == PILOTDB_ECANTOPEN && !(flags & PILOTDB_OPEN_CREATE))
        cli_error("cannot open database '%s': %s (create it with 'pilotdeck"
                  " --db %s init')", g->db_path, err, g->db_path);
    else
        cli_error("cannot open database '%s': %s", g->db_path, err);
    return CLI_FAILED;
}

int cli_close_db(const struct cli_globals *g, pilotdb *db, int status)
{
    if (pilotdb_close(db) != PILOTDB_OK && status == CLI_OK) {
        cli_error("closing '%s' failed", g->db_path);
        return CLI_FAILED;
    }
    return status;
}

int cli_db_error(pilotdb *db, const char *what)
{
    cli_error("%s: %s", what, pilotdb_errmsg(db));
    return CLI_FAILED;
}

char *cli_json_text(const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_REAL_PRECISION(15)), *line, *o;
    size_t len, controls = 0;

    if (!text)
        return NULL;
    /* JSON escapes C0 only; DEL and C1 (U+0080..U+009F, which terminals may
     * read as escapes) are written as \u escapes too.  They can only be in
     * strings, where the escape means the same character. */
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        controls += *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
    len = strlen(text);
    line = malloc(len + 6 * controls + 2);
    if (!line) {
        free(text);
        return NULL;
    }
    o = line;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == 0x7f) {
            o += sprintf(o, "\\u007F");
        } else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            o += sprintf(o, "\\u%04X", p[1]);
            p++;
        } else {
            *o++ = (char)*p;
        }
    }
    *o++ = '\n';
    *o = '\0';
    free(text);
    return line;
}

json_t *cli_json_string(const char *s)
{
    json_t *v;
    char *copy, *o;
    size_t n, len;
    unsigned cp;

    if (!s)
        return json_null();
    if ((v = json_string(s)) != NULL)
        return v;
    /* not UTF-8 (a file written by other means): its bad bytes as \xNN */
    n = strlen(s);
    copy = o = cli_xmalloc(4 * n + 1);
    for (size_t i = 0; i < n; i += len) {
        len = pilotdb_utf8_char((const unsigned char *)s + i, n - i, &cp);
        if (len == 0) {
            o += sprintf(o, "\\x%02x", (unsigned char)s[i]);
            len = 1;
        } else {
            memcpy(o, s + i, len);
            o += len;
        }
    }
    *o = '\0';
    v = json_string(copy);
    free(copy);
    return v;
}

int cli_print_json(json_t *value)
{
    char *text;
    int rc = CLI_OK;

    if (!value) {
        cli_error("out of memory building JSON");
        return CLI_FAILED;
    }
    text = cli_json_text(value);
    json_decref(value);
    if (!text) {
        cli_error("cannot encode JSON output");
        return CLI_FAILED;
    }
    if (fputs(text, stdout) == EOF || fflush(stdout) == EOF) {
        cli_error("writing output: %s", strerror(errno));
        rc = CLI_FAILED;
    }
    free(text);
    return rc;
}

static void *die_oom(void)
{
    fputs("pilotdeck: out of memory\n", stderr);
    exit(CLI_FAILED);
}

void *cli_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    return p ? p : die_oom();
}

void *cli_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    return p ? p : die_oom();
}

void *cli_xrealloc(void *old, size_t n)
{
    void *p = realloc(old, n ? n : 1);

    return p ? p : die_oom();
}

char *cli_xstrdup(const char *s)
{
    size_t len = strlen(s) + 1;

    return memcpy(cli_xmalloc(len), s, len);
}

const char *cli_safe(const char *text)
{
    static char ring[4][4 * (PILOTDB_REASON_MAX + 1)];
    static unsigned next;
    char *buf = ring[next++ % 4], *o = buf, *end = buf + sizeof ring[0] - 5;
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    size_t n = strlen((const char *)s), len;
    unsigned cp = 0;

    for (size_t i = 0; i < n && o < end; i += len) {
        len = pilotdb_utf8_char(s + i, n - i, &cp);
        if (len == 0 || pilotdb_is_control(cp)) {
            len = len ? len : 1;
            for (size_t k = 0; k < len && o < end; k++)
                o += snprintf(o, 5, "\\x%02x", s[i + k]);
        } else if (o + len <= end) {
            memcpy(o, s + i, len);
            o += len;
        } else {
            break;
        }
    }
    *o = '\0';
    return buf;
}

int cli_same_file(const char *path, const char *other)
{
    struct stat a, b;

    return path && other && stat(path, &a) == 0 && stat(other, &b) == 0 &&
           a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int cli_output_open(struct cli_output *t, const char *command)
{
    struct stat st;
    const char *slash;
    size_t size;
    int fd = -1;

    t->command = command;
    if (!t->path || strcmp(t->path, "-") == 0) {
        t->path = NULL;
        t->out = stdout;
        return CLI_OK;
    }
    if (cli_same_file(t->path, t->keep)) {
        cli_error("%s: '%s' is the database being read; write to another file", command,
                  cli_safe(t->path));
        return CLI_USAGE;
    }
    if (stat(t->path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            cli_error("%s: '%s' is a directory", command, t->path);
            return CLI_FAILED;
        }
        t->out = fopen(t->path, "w");
        if (!t->out) {
            cli_error("%s: cannot open '%s': %s", command, t->path, strerror(errno));
            return CLI_FAILED;
        }
        return CLI_OK;
    }
    t->final = realpath(t->path, NULL);
    if (!t->final)
        t->final = cli_xstrdup(t->path);
    slash = strrchr(t->final, '/');
    size = strlen(t->final) + 48;
    t->tmp = cli_xmalloc(size);
    for (unsigned n = 0; fd < 0 && n < 100; n++) {
        snprintf(t->tmp, size, "%.*s.%s.%ld-%u.tmp", slash ? (int)(slash - t->final + 1) : 0,
                 t->final, slash ? slash + 1 : t->final, (long)getpid(), n);
        fd = open(t->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0 || !(t->out = fdopen(fd, "w"))) {
        cli_error("%s: cannot create a file next to '%s': %s", command, t->path,
                  strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(t->tmp);
        }
        free(t->tmp);
        free(t->final);
        t->tmp = t->final = NULL;
        return CLI_FAILED;
    }
    return CLI_OK;
}

int cli_output_close(struct cli_output *t, int status, int err)
{
    const char *name = t->path ? t->path : "standard output";

    errno = 0;
    if (t->out) {
        if ((fflush(t->out) != 0 || ferror(t->out)) && !err)
            err = errno ? errno : EIO;
        if (!err && t->tmp && fsync(fileno(t->out)) != 0)
            err = errno;
        if (t->out != stdout && fclose(t->out) != 0 && !err)
            err = errno;
    }
    if (status == CLI_OK && err) {
        cli_error("%s: writing %s: %s", t->command, name, strerror(err));
        status = CLI_FAILED;
    }
    if (t->tmp && status == CLI_OK && rename(t->tmp, t->final) != 0) {
        cli_error("%s: cannot replace '%s': %s", t->command, t->path, strerror(errno));
        status = CLI_FAILED;
    }
    if (t->tmp && status != CLI_OK)
        unlink(t->tmp);
    free(t->tmp);
    free(t->final);
    return status;
}

int cli_csv_rows(const char *path, const char *keep, const char *command,
                 const json_t *rows, const json_t *header_row)
{
    struct cli_output t = { .path = path, .keep = keep };
    const json_t *first = json_array_size(rows) ? json_array_get(rows, 0) : header_row;
    const char *key;
    json_t *v;
    int status;
    size_t i;

    if ((status = cli_output_open(&t, command)) != CLI_OK)
        return status;
    if (first) {
        int n = 0;
        json_object_foreach((json_t *)first, key, v) {
            if (json_is_array(v) || json_is_object(v))
                continue;
            if (n++)
                putc(',', t.out);
            pilotdb_csv_put(t.out, key);
        }
        fputs(PILOTDB_CSV_EOL, t.out);
    }
    for (i = 0; first && i < json_array_size(rows); i++) {
        const json_t *row = json_array_get(rows, i);
        const char *name;
        json_t *ignored;
        int n = 0;

        json_object_foreach((json_t *)first, name, ignored) {
            const json_t *cell = json_object_get(row, name);
            if (json_is_array(ignored) || json_is_object(ignored))
                continue;
            if (n++)
                putc(',', t.out);
            if (json_is_string(cell)) {
                pilotdb_csv_put(t.out, json_string_value(cell));
            } else if (cell && !json_is_null(cell)) {
                char *text = json_dumps(cell, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
                if (!text) {
                    cli_error("%s: out of memory", command);
                    return cli_output_close(&t, CLI_FAILED, 0);
                }
                fputs(text, t.out);
                free(text);
            }
        }
        fputs(PILOTDB_CSV_EOL, t.out);
    }
    return cli_output_close(&t, CLI_OK, 0);
}
