/*
 * golden_run.c - replaying the cases of a golden set (golden.c) against a
 * fresh in-memory database, comparing each output with its golden byte for
 * byte, and rewriting the goldens that differ with --update.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "internal.h"

/* The outputs of db that c compares, through the caller's hooks. */
static sim_rc db_outputs(const sim_golden_case *c, const sim_golden_hooks *hooks, pilotdb *db,
                         char *got[SIM_GOLDEN_NOUTPUTS], size_t len[SIM_GOLDEN_NOUTPUTS],
                         char *errbuf, size_t errbuf_size)
{
    for (int i = 0; i < SIM_GOLDEN_NOUTPUTS; i++) {
        if (!(SIM_GOLDEN_DB_OUTPUTS & 1u << i) || !c->golden[i])
            continue;
        if (!hooks || !hooks->db_output) {
            snprintf(errbuf, errbuf_size, "%s: the %s of a database cannot be written here",
                     c->origin, sim_golden_output_name(i));
            return SIM_EINVAL;
        }
        if (!(got[i] = hooks->db_output(hooks->arg, db, i, errbuf, errbuf_size)))
            return SIM_EINVAL;
        len[i] = strlen(got[i]);
    }
    return SIM_OK;
}

/* Replay history case c: its file ingested into a fresh database, then
 * that database's outputs. */
static sim_rc replay_history(const sim_golden_case *c, const sim_golden_hooks *hooks,
                             char *got[SIM_GOLDEN_NOUTPUTS], size_t len[SIM_GOLDEN_NOUTPUTS],
                             char *errbuf, size_t errbuf_size)
{
    pilotdb *db = NULL;
    sim_rc rc;

    if (!hooks || !hooks->load) {
        snprintf(errbuf, errbuf_size, "%s: a history cannot be read here", c->origin);
        return SIM_EINVAL;
    }
    if (pilotdb_open(":memory:", PILOTDB_OPEN_CREATE | PILOTDB_OPEN_SCRATCH, &db, errbuf,
                     errbuf_size) != PILOTDB_OK)
        return SIM_EDB;
    if (hooks->load(hooks->arg, db, c->history, errbuf, errbuf_size) != 0)
        rc = SIM_EINVAL;
    else
        rc = db_outputs(c, hooks, db, got, len, errbuf, errbuf_size);
    pilotdb_close(db);
    return rc;
}

/* Replay c as `pilotdeck --db :memory: sim SCENARIO --json [--seed N]
 * [--until T] [--csv FILE]` does: each output c compares, malloc()ed in
 * got[], with its length (the database's through hooks). */
static sim_rc replay(const sim_golden_case *c, const sim_golden_hooks *hooks, uint64_t *seed,
                     char *got[SIM_GOLDEN_NOUTPUTS], size_t len[SIM_GOLDEN_NOUTPUTS],
                     char *errbuf, size_t errbuf_size)
{
    sim_scenario *scn = NULL;
    sim_engine *eng = NULL;
    pilotdb *db = NULL;
    FILE *series = NULL;
    int64_t until;
    sim_rc rc;

    if (c->history)
        return replay_history(c, hooks, got, len, errbuf, errbuf_size);
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
    if (c->golden[1] && (!(series = open_memstream(&got[1], &len[1])) ||
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
    if (series && fclose(series) != 0) {
        series = NULL;
        snprintf(errbuf, errbuf_size, "%s: cannot hold the CSV series", c->scenario);
        rc = SIM_ENOMEM;
        goto out;
    }
    series = NULL;
    if (c->golden[0]) {
        if (!(got[0] = sim_report_json(eng))) {
            snprintf(errbuf, errbuf_size, "out of memory writing the report");
            rc = SIM_ENOMEM;
            goto out;
        }
        len[0] = strlen(got[0]);
    }
    /* the engine gives the database its wall clock back: read as it is */
    sim_engine_free(eng);
    eng = NULL;
    rc = db_outputs(c, hooks, db, got, len, errbuf, errbuf_size);
out:
    sim_engine_free(eng);
    if (series)
        fclose(series);
    if (rc != SIM_OK)
        for (int i = 0; i < SIM_GOLDEN_NOUTPUTS; i++) {
            free(got[i]);
            got[i] = NULL;
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
    char *tmp = sim__format("%s.tmp", path), *dir = sim__dir_name(path);
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
 * open there and, in an object, the key being read; and in *member the
 * offset where the member or element holding end starts. */
static void json_path(const char *text, size_t end, char *out, size_t size, size_t *member)
{
    struct level { char kind; long index; char key[64]; size_t start; } stack[24];
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
                stack[depth].start = i + 1;
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
            if (top)
                top->start = i + 1;
            break;
        default:
            break;
        }
    }
    *member = depth > 0 ? stack[(depth < 24 ? depth : 24) - 1].start : 0;
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

/* The JSON member ("capacity":17) or array element of text starting at
 * offset start that holds the difference at offset at, for a message: a
 * compact golden is one line, too long to show whole.  A difference at the
 * member's end (a member more or fewer) shows the one after it too. */
static void json_member(const char *text, size_t len, size_t start, size_t at, char *out,
                        size_t size)
{
    size_t i = start, from;
    int nest = 0, in_string = 0, escape = 0;

    if (at >= len) {
        snprintf(out, size, "(end of file)");
        return;
    }
    while (i < at && strchr(" \t\r\n", text[i]))
        i++;
    for (from = i; i < len; i++) {
        char ch = text[i];
        if (in_string) {
            if (escape)
                escape = 0;
            else if (ch == '\\')
                escape = 1;
            else if (ch == '"')
                in_string = 0;
            continue;
        }
        if (ch == '"')
            in_string = 1;
        else if (ch == '{' || ch == '[')
            nest++;
        else if (i > at && (ch == '\n' || (nest <= 0 && (ch == ',' || ch == '}' || ch == ']'))))
            break;
        else if (ch == '}' || ch == ']')
            nest--;
    }
    if (i - from < size)
        snprintf(out, size, "%.*s", (int)(i - from), text + from);
    else
        snprintf(out, size, "%.*s...", (int)(size - 4), text + from);
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
    if (is_json && strstr(want, "_ms\":") && !strstr(got, "_ms\":")) {
        /* not a difference to read value by value: the whole file moved */
        snprintf(r->message, sizeof r->message, "%s: a golden of an older pilotdeck "
                 "(times in milliseconds, *_ms keys): rewrite it with pilotdeck test "
                 "--update", path);
        free(want);
        return -1;
    }
    while (at < got_len && at < want_len && got[at] == want[at]) {
        if (got[at] == '\n')
            line++;
        at++;
    }
    r->golden = path;
    r->line = line;
    if (is_json) {
        size_t member;
        json_path(want, at, r->where, sizeof r->where, &member);
        json_member(got, got_len, member, at, r->got, sizeof r->got);
        json_member(want, want_len, member, at, r->want, sizeof r->want);
    } else {
        csv_column(want, at, r->where, sizeof r->where);
        line_at(got, got_len, at, r->got, sizeof r->got);
        line_at(want, want_len, at, r->want, sizeof r->want);
    }
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
static void run_case(const sim_golden_case *c, int update, const sim_golden_hooks *hooks,
                     sim_golden_result *r)
{
    char *got[SIM_GOLDEN_NOUTPUTS] = {NULL};
    size_t len[SIM_GOLDEN_NOUTPUTS] = {0};
    struct timespec t0;
    int same;

    memset(r, 0, sizeof *r);
    r->c = c;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (replay(c, hooks, &r->seed, got, len, r->message, sizeof r->message) != SIM_OK) {
        r->status = SIM_GOLDEN_ERROR;
        goto out;
    }
    r->status = SIM_GOLDEN_PASS;
    for (int i = 0; i < SIM_GOLDEN_NOUTPUTS; i++) {
        /* without update, the first difference is the one reported */
        if (!c->golden[i] || (r->updated && !update))
            continue;
        same = compare_output(c->golden[i], got[i], len[i], i != 1, update, r);
        if (same < 0) {
            r->status = SIM_GOLDEN_ERROR;
            goto out;
        }
        if (!same)
            r->updated |= 1u << i;
    }
    if (r->updated)
        r->status = update ? SIM_GOLDEN_UPDATED : SIM_GOLDEN_DIFF;
    if (!update)
        r->updated = 0;
out:
    r->seconds = seconds_since(&t0);
    for (int i = 0; i < SIM_GOLDEN_NOUTPUTS; i++)
        free(got[i]);
}

struct runner {
    const sim_golden_set *set;
    const sim_golden_hooks *hooks;
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
        run_case(&rn->set->cases[i], rn->update, rn->hooks, &rn->results[i]);
        pthread_mutex_lock(&rn->lock);
        rn->done[i] = 1;
        pthread_cond_broadcast(&rn->finished);
        pthread_mutex_unlock(&rn->lock);
    }
}

sim_rc sim_golden_run(const sim_golden_set *set, int update, unsigned jobs,
                      const sim_golden_hooks *hooks, sim_golden_fn fn, void *arg, char *errbuf, size_t errbuf_size)
{
    struct runner rn;
    pthread_t *threads = NULL;
    unsigned started = 0;
    size_t i, n = set->ncases;

    memset(&rn, 0, sizeof rn);
    rn.set = set;
    rn.hooks = hooks;
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
            run_case(&set->cases[i], update, hooks, &rn.results[i]);
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
