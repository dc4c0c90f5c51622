/*
 * input.c - the buffered input of a reader: reads its FILE* a chunk at a
 * time, cuts records with a scanner, counts lines and byte offsets, and
 * skips a record over PILOTINGEST_RECORD_MAX without holding it, so that
 * memory stays bounded whatever the input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CHUNK (64 * 1024)

void pilotingest__input_init(pilotingest__input *in, FILE *f, int64_t offset, long line)
{
    memset(in, 0, sizeof *in);
    in->f = f;
    in->base = offset;
    in->line = line;
    in->line_start = offset; /* a resume starts at a record's end: a line's start
                                for jsonl; columns there are best effort */
}

void pilotingest__input_free(pilotingest__input *in)
{
    free(in->buf);
    in->buf = NULL;
}

int64_t pilotingest__input_offset(const pilotingest__input *in)
{
    return in->base + (int64_t)in->pos;
}

/* Read one more chunk: 1 when bytes came, 0 at the end, -1 on a read error,
 * -2 out of memory. */
static int fill(pilotingest__input *in)
{
    size_t got;

    if (in->pos > 0 && in->cap - in->len < CHUNK) {
        memmove(in->buf, in->buf + in->pos, in->len - in->pos);
        in->base += (int64_t)in->pos;
        in->len -= in->pos;
        in->pos = 0;
    }
    if (in->cap - in->len < CHUNK) {
        size_t cap = in->cap ? in->cap * 2 : 2 * CHUNK;
        char *bigger;
        while (cap - in->len < CHUNK)
            cap *= 2;
        bigger = realloc(in->buf, cap);
        if (!bigger)
            return -2;
        in->buf = bigger;
        in->cap = cap;
    }
    got = fread(in->buf + in->len, 1, CHUNK, in->f);
    if (got == 0) {
        if (ferror(in->f))
            return -1;
        clearerr(in->f); /* a followed file may grow */
        return 0;
    }
    in->len += got;
    return 1;
}

static pilotingest_rc fill_error(int got)
{
    return got == -2 ? PILOTINGEST_ENOMEM : PILOTINGEST_EIO;
}

/* Move the read position n bytes on, counting lines. */
static void consume(pilotingest__input *in, size_t n)
{
    const char *p = in->buf + in->pos, *end = p + n, *nl;

    while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        in->line++;
        p = nl + 1;
        in->line_start = in->base + (int64_t)(p - in->buf);
    }
    in->pos += n;
}

static void reset(pilotingest__scanner *sc)
{
    sc->depth = sc->in_string = sc->escape = 0;
}

static void start_record(pilotingest__input *in, pilotingest__record *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->offset = pilotingest__input_offset(in);
    rec->line = in->line;
    rec->col = (long)(rec->offset - in->line_start) + 1;
}

/* Where a too long record starts, after the scanner's lead bytes. */
static void start_long_record(pilotingest__input *in, const pilotingest__scanner *sc,
                              pilotingest__record *rec)
{
    start_record(in, rec);
    for (size_t i = in->pos; sc->lead && i < in->len && in->buf[i] &&
                             strchr(sc->lead, in->buf[i]);
         i++) {
        if (in->buf[i] == '\n')
            rec->line++, rec->col = 1;
        else
            rec->col++;
        rec->offset++;
    }
}

const char *pilotingest__input_unread(const pilotingest__input *in, size_t *n, long *line,
                                     long *col)
{
    int64_t offset = pilotingest__input_offset(in);

    *n = 0;
    *line = in->line;
    *col = (long)(offset - in->line_start) + 1;
    if (in->scanned > 0 || in->skipping)
        return NULL;
    *n = in->len - in->pos;
    return in->buf ? in->buf + in->pos : "";
}

int pilotingest__input_more(pilotingest__input *in)
{
    return fill(in) > 0;
}

void pilotingest__input_take(pilotingest__input *in, size_t n, long lines, size_t line_start,
                             pilotingest__record *rec)
{
    start_record(in, rec);
    rec->data = in->buf + in->pos;
    rec->len = n;
    if (lines > 0) {
        in->line += lines;
        in->line_start = in->base + (int64_t)(in->pos + line_start);
    }
    in->pos += n;
    rec->end_offset = pilotingest__input_offset(in);
}

static pilotingest_rc take(pilotingest__input *in, pilotingest__scanner *sc, size_t n,
                           int unterminated, pilotingest__record *rec)
{
    if (in->skipping) {
        memset(rec, 0, sizeof *rec);
        rec->line = in->skip_line;
        rec->col = in->skip_col;
        rec->offset = in->skip_offset;
        rec->too_long = 1;
        in->skipping = 0;
    } else {
        if (n > PILOTINGEST_RECORD_MAX) {
            start_long_record(in, sc, rec);
            rec->too_long = 1;
        } else {
            start_record(in, rec);
            rec->data = in->buf + in->pos;
            rec->len = n;
        }
    }
    rec->unterminated = unterminated;
    consume(in, n);
    rec->end_offset = pilotingest__input_offset(in);
    in->scanned = 0;
    reset(sc);
    return PILOTINGEST_OK;
}

pilotingest_rc pilotingest__input_next(pilotingest__input *in, pilotingest__scanner *sc,
                                       int follow, pilotingest__record *rec)
{
    for (;;) {
        size_t avail = in->len - in->pos;
        int got;

        if (in->scanned == 0 && !in->skipping)
            reset(sc);
        if (in->scanned < avail) {
            long end = sc->scan(sc, in->buf + in->pos + in->scanned, avail - in->scanned);
            if (end >= 0)
                return take(in, sc, in->scanned + (size_t)end, 0, rec);
            in->scanned = avail;
            if (!in->skipping && in->scanned > PILOTINGEST_RECORD_MAX) {
                pilotingest__record start;
                start_long_record(in, sc, &start);
                in->skipping = 1;
                in->skip_line = start.line;
                in->skip_col = start.col;
                in->skip_offset = start.offset;
            }
            if (in->skipping) {
                consume(in, in->scanned);
                in->scanned = 0;
            }
        }
        got = fill(in);
        if (got < 0)
            return fill_error(got);
        if (got == 0) {
            if (follow)
                return PILOTINGEST_AGAIN;
            if (in->len == in->pos && !in->skipping)
                return PILOTINGEST_END;
            return take(in, sc, in->len - in->pos, 1, rec);
        }
    }
}

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

pilotingest_rc pilotingest__input_peek(pilotingest__input *in, int follow, const char **line,
                                       size_t *n)
{
    size_t from = 0;

    *line = NULL;
    *n = 0;
    for (;;) {
        const char *p = in->buf ? in->buf + in->pos : "", *nl;
        size_t avail = in->len - in->pos;
        int got;

        /* a UTF-8 byte order mark before the first byte is not content */
        if (pilotingest__input_offset(in) == 0 && avail >= 3 &&
            memcmp(p, "\xef\xbb\xbf", 3) == 0) {
            in->pos += 3;
            in->line_start = 3;
            continue;
        }
        while (from < avail && blank(p[from]))
            from++;
        if (from < avail) {
            nl = memchr(p + from, '\n', avail - from);
            if (nl || avail - from > PILOTINGEST_RECORD_MAX) {
                *line = p + from;
                *n = nl ? (size_t)(nl - (p + from)) : avail - from;
                return PILOTINGEST_OK;
            }
        }
        got = fill(in);
        if (got < 0)
            return fill_error(got);
        if (got == 0) {
            size_t left = in->len - in->pos;
            if (follow)
                return PILOTINGEST_AGAIN;
            if (from >= left)
                return PILOTINGEST_END;
            *line = in->buf + in->pos + from;
            *n = left - from;
            return PILOTINGEST_OK;
        }
    }
}

/* ---- scanners -------------------------------------------------------------- */

long pilotingest__scan_line(pilotingest__scanner *sc, const char *p, size_t n)
{
    const char *nl = memchr(p, '\n', n);

    (void)sc;
    return nl ? (long)(nl - p) + 1 : -1;
}

/* A CSV record ends at a newline outside quotes; "" inside quotes toggles
 * twice, which leaves the state as it was. */
long pilotingest__scan_csv(pilotingest__scanner *sc, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            sc->in_string = !sc->in_string;
        else if (p[i] == '\n' && !sc->in_string)
            return (long)i + 1;
    }
    return -1;
}

/* A JSON object: from whatever precedes its '{' (separators, checked by the
 * reader) to its matching '}'.  The state lives in locals while scanning
 * (through sc, which a char pointer may alias, it would be stored at every
 * byte), and a string is skipped to its next quote or backslash with
 * memchr(): most of an ad is strings. */
long pilotingest__scan_json(pilotingest__scanner *sc, const char *p, size_t n)
{
    long depth = sc->depth, end = -1;
    int in_string = sc->in_string, escape = sc->escape;

    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (in_string) {
            if (escape) {
                escape = 0;
                continue;
            }
            const char *quote = memchr(p + i, '"', n - i);
            size_t stop = quote ? (size_t)(quote - p) : n;
            const char *backslash = memchr(p + i, '\\', stop - i);
            if (backslash) {
                i = (size_t)(backslash - p);
                escape = 1;
            } else if (quote) {
                i = stop;
                in_string = 0;
            } else {
                break;
            }
        } else if (depth == 0) {
            if (c == '{')
                depth = 1;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            end = (long)i + 1;
            break;
        }
    }
    sc->depth = depth;
    sc->in_string = in_string;
    sc->escape = escape;
    return end;
}
