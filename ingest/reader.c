/*
 * reader.c - the table of formats and the reader every caller holds: it
 * decides the format (auto), hands each call to the format's vtable, checks
 * what every observation must satisfy whatever its source (times in order),
 * and keeps the error that ends a reading.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* In pilotingest_format order; the last row wins a tie in detection. */
static const pilotingest__format *const formats[PILOTINGEST_NFORMATS] = {
    &pilotingest__jsonl,
    &pilotingest__condor,
    &pilotingest__dirac,
};

const char *pilotingest_format_name(pilotingest_format format)
{
    if (format == PILOTINGEST_AUTO)
        return "auto";
    if (format < 0 || format >= PILOTINGEST_NFORMATS)
        return NULL;
    return formats[format]->name;
}

pilotingest_rc pilotingest_format_parse(const char *name, pilotingest_format *out)
{
    *out = PILOTINGEST_AUTO;
    if (name && strcmp(name, "auto") == 0)
        return PILOTINGEST_OK;
    for (int i = 0; name && i < PILOTINGEST_NFORMATS; i++) {
        if (strcmp(name, formats[i]->name) == 0) {
            *out = (pilotingest_format)i;
            return PILOTINGEST_OK;
        }
    }
    return PILOTINGEST_EINVAL;
}

const pilotingest_status_row *pilotingest_status_map(pilotingest_format format, size_t *n)
{
    if (format < 0 || format >= PILOTINGEST_NFORMATS) {
        *n = 0;
        return NULL;
    }
    *n = formats[format]->nmap;
    return formats[format]->map;
}

const pilotingest_status_row *pilotingest__map_word(const pilotingest__format *f,
                                                    const char *word, size_t n)
{
    for (size_t i = 0; i < f->nmap; i++) {
        if (strlen(f->map[i].word) == n && memcmp(f->map[i].word, word, n) == 0)
            return &f->map[i];
    }
    return NULL;
}

pilotingest_rc pilotingest__next_record(pilotingest_reader *r, pilotingest__record *rec,
                                       const char *what)
{
    pilotingest_rc rc = pilotingest__input_next(&r->in, &r->scanner,
                                                r->flags & PILOTINGEST_FOLLOW, rec);

    if (rc == PILOTINGEST_OK && rec->too_long)
        return pilotingest__fail(r, PILOTINGEST_EBAD, rec->line, 0, "%s is longer than 1 MiB",
                                 what);
    return rc;
}

void pilotingest__set_transition(pilotingest_obs *obs, pilot_status status, int64_t at,
                                 pilotingest_time_kind kind)
{
    pilotingest_time *t[3] = {&obs->submitted, &obs->started, &obs->ended};
    int at_index = status == PILOT_SUBMITTED ? 0 : status == PILOT_RUNNING ? 1 : 2;

    for (int i = 0; i < 3; i++) {
        t[i]->kind = i < at_index ? PILOTINGEST_TIME_UNKNOWN : PILOTINGEST_TIME_NONE;
        t[i]->at = PILOTDB_NO_TIME;
    }
    t[at_index]->kind = kind;
    t[at_index]->at = at;
}

const char *pilotingest__keep(pilotingest_reader *r, const char *s, size_t n)
{
    char *copy;

    /* one fixed block, so that strings kept earlier for this record stay put;
     * callers keep a name and a short reason at most */
    if (!r->text) {
        r->text = malloc(PILOTINGEST__KEEP_MAX);
        if (!r->text)
            return NULL;
        r->text_cap = PILOTINGEST__KEEP_MAX;
    }
    if (r->text_len + n + 1 > r->text_cap)
        return NULL;
    copy = r->text + r->text_len;
    memcpy(copy, s, n);
    copy[n] = '\0';
    r->text_len += n + 1;
    return copy;
}

pilotingest_rc pilotingest_open(FILE *in, const pilotingest_options *options,
                                pilotingest_reader **out, char *errbuf, size_t errbuf_size)
{
    static const pilotingest_options defaults = {.format = PILOTINGEST_AUTO};
    const pilotingest_options *o = options ? options : &defaults;
    pilotingest_reader *r;
    const char *name = o->filename ? o->filename : "-";

    *out = NULL;
    if (errbuf_size)
        errbuf[0] = '\0';
    if (!in || o->format < PILOTINGEST_AUTO || o->format >= PILOTINGEST_NFORMATS ||
        o->start_offset < 0 || o->start_line < 0) {
        snprintf(errbuf, errbuf_size, "ingest: bad arguments");
        return PILOTINGEST_EINVAL;
    }
    if (o->start_offset > 0 &&
        (o->format == PILOTINGEST_AUTO || o->format == PILOTINGEST_DIRAC)) {
        snprintf(errbuf, errbuf_size, "%s: resuming mid-input needs the format jsonl or condor",
                 name);
        return PILOTINGEST_EINVAL;
    }
    r = calloc(1, sizeof *r);
    if (r)
        r->filename = strdup(name);
    if (!r || !r->filename) {
        free(r);
        snprintf(errbuf, errbuf_size, "%s: out of memory", name);
        return PILOTINGEST_ENOMEM;
    }
    pilotingest__input_init(&r->in, in, o->start_offset, o->start_line ? o->start_line : 1);
    r->requested = o->format;
    r->flags = o->flags;
    r->now = o->now;
    if (r->now == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        r->now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    *out = r;
    return PILOTINGEST_OK;
}

/* Decide the format from the first non-blank line, then open it. */
static pilotingest_rc choose(pilotingest_reader *r)
{
    const pilotingest__format *best = NULL;
    int best_score = 0;
    const char *line;
    size_t n;
    pilotingest_rc rc;

    if (r->requested != PILOTINGEST_AUTO) {
        best = formats[r->requested];
    } else {
        rc = pilotingest__input_peek(&r->in, r->flags & PILOTINGEST_FOLLOW, &line, &n);
        if (rc == PILOTINGEST_END) {
            /* what condor_q prints when no job matches */
            best = &pilotingest__condor;
        } else if (rc != PILOTINGEST_OK) {
            return rc;
        } else {
            for (int i = 0; i < PILOTINGEST_NFORMATS; i++) {
                int score = formats[i]->detect(line, n);
                if (score >= best_score && score > 0) {
                    best = formats[i];
                    best_score = score;
                }
            }
            if (!best) {
                char quoted[64];
                long at_line = r->in.line;
                for (const char *p = r->in.buf + r->in.pos; p < line; p++)
                    at_line += *p == '\n';
                pilotingest__quote(quoted, sizeof quoted, line, n < 20 ? n : 20);
                return pilotingest__fail(r, PILOTINGEST_EFORMAT, at_line, 0,
                                         "cannot tell the format from %s (expected '{', '[' "
                                         "or a CSV header naming PilotJobReference)",
                                         quoted);
            }
        }
    }
    r->format = best;
    if (best->open)
        return best->open(r);
    return PILOTINGEST_OK;
}

/* Times of one pilot never go back, whatever the source says. */
static pilotingest_rc check_order(pilotingest_reader *r, const pilotingest_obs *obs)
{
    static const char *const names[3] = {"submission", "start", "end"};
    const pilotingest_time *t[3] = {&obs->submitted, &obs->started, &obs->ended};

    for (int later = 1; later < 3; later++) {
        for (int earlier = 0; earlier < later; earlier++) {
            if (t[later]->at != PILOTDB_NO_TIME && t[earlier]->at != PILOTDB_NO_TIME &&
                t[later]->at < t[earlier]->at)
                return pilotingest__fail(r, PILOTINGEST_EBAD, obs->line, 0,
                                         "the %s is before the %s", names[later],
                                         names[earlier]);
        }
    }
    return PILOTINGEST_OK;
}

pilotingest_rc pilotingest_next(pilotingest_reader *r, pilotingest_obs *obs)
{
    pilotingest_rc rc;

    memset(obs, 0, sizeof *obs);
    if (!r)
        return PILOTINGEST_EINVAL;
    if (r->dead)
        return r->dead;
    r->errmsg[0] = '\0';
    r->text_len = 0;
    if (!r->format) {
        rc = choose(r);
        if (rc != PILOTINGEST_OK)
            goto out;
    }
    obs->submitted.at = obs->started.at = obs->ended.at = PILOTDB_NO_TIME;
    rc = r->format->next(r, obs);
    if (rc == PILOTINGEST_OK)
        rc = check_order(r, obs);
out:
    if (rc == PILOTINGEST_ENOMEM && !r->errmsg[0])
        pilotingest__fail(r, rc, r->in.line, 0, "out of memory");
    if (rc == PILOTINGEST_EIO)
        pilotingest__fail(r, rc, r->in.line, 0, "read error");
    if (rc == PILOTINGEST_EFORMAT || rc == PILOTINGEST_EIO || rc == PILOTINGEST_ENOMEM)
        r->dead = rc;
    if (rc != PILOTINGEST_OK) {
        memset(obs, 0, sizeof *obs);
        obs->submitted.at = obs->started.at = obs->ended.at = PILOTDB_NO_TIME;
    }
    return rc;
}

static pilotdb_obs_time to_obs_time(pilotingest_time t)
{
    pilotdb_obs_time out = {(pilotdb_time_kind)t.kind, t.at};
    return out;
}

pilotdb_observation pilotingest_to_observation(const pilotingest_obs *obs)
{
    pilotdb_observation o = {
        obs->ref, obs->ce, obs->site, obs->status, to_obs_time(obs->submitted),
        to_obs_time(obs->started), to_obs_time(obs->ended), obs->reason, obs->source_status,
        obs->flags & PILOTINGEST_UNKNOWN ? PILOTDB_OBSERVE_KEEP_STATE : 0u};
    return o;
}

const char *pilotingest_errmsg(const pilotingest_reader *r)
{
    return r ? r->errmsg : "";
}

pilotingest_format pilotingest_reader_format(const pilotingest_reader *r)
{
    for (int i = 0; r && i < PILOTINGEST_NFORMATS; i++) {
        if (r->format == formats[i])
            return (pilotingest_format)i;
    }
    return PILOTINGEST_AUTO;
}

int64_t pilotingest_offset(const pilotingest_reader *r)
{
    return pilotingest__input_offset(&r->in);
}

long pilotingest_line(const pilotingest_reader *r)
{
    return r->in.line;
}

void pilotingest_close(pilotingest_reader *r)
{
    if (!r)
        return;
    if (r->format && r->format->close)
        r->format->close(r);
    pilotingest__json_free(&r->json);
    pilotingest__input_free(&r->in);
    free(r->text);
    free(r->filename);
    free(r);
}
