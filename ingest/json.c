/*
 * json.c - JSON records (jsonl lines, condor ads): one object parsed with
 * yajl's event parser, keeping only the top-level members the reader asked
 * for, and reading them with the checks and messages every reader of JSON
 * shares.
 *
 * yajl rather than a tree: a condor ad has a hundred attributes or more and
 * a pilot needs about fifteen; building jansson's tree of all of them ran at
 * about 60 MB/s, yajl's events at about 850 MB/s on the same ads
 * (bench_ingest_read measures the whole reader).
 */
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "internal.h"

typedef struct parse_ctx {
    pilotingest__json *j;
    int depth;     /* 1 inside the top-level object */
    long current;  /* the wanted key whose value comes next, or -1 */
    int nomem;
    char why[96];  /* a refusal of ours, not yajl's */
} parse_ctx;

/* Copy s[0, n) and a NUL into the arena; its offset, or -1. */
static long arena_add(pilotingest__json *j, const void *s, size_t n)
{
    size_t off = j->arena_len;

    if (j->arena_len + n + 1 > j->arena_cap) {
        size_t cap = j->arena_cap ? j->arena_cap : 4096;
        char *bigger;
        while (cap < j->arena_len + n + 1)
            cap *= 2;
        bigger = realloc(j->arena, cap);
        if (!bigger)
            return -1;
        j->arena = bigger;
        j->arena_cap = cap;
    }
    memcpy(j->arena + off, s, n);
    j->arena[off + n] = '\0';
    j->arena_len += n + 1;
    return (long)off;
}

/* The value slot of the member being read, or NULL when it is not wanted. */
static pilotingest__jvalue *slot(parse_ctx *c)
{
    if (c->depth != 1 || c->current < 0)
        return NULL;
    return &c->j->values[c->current];
}

static int on_null(void *ctx)
{
    pilotingest__jvalue *v = slot(ctx);

    if (v)
        v->type = PILOTINGEST__JNULL;
    return 1;
}

static int on_boolean(void *ctx, int b)
{
    pilotingest__jvalue *v = slot(ctx);

    if (v)
        v->type = b ? PILOTINGEST__JTRUE : PILOTINGEST__JFALSE;
    return 1;
}

static int on_integer(void *ctx, long long i)
{
    pilotingest__jvalue *v = slot(ctx);

    if (v) {
        v->type = PILOTINGEST__JINTEGER;
        v->number = (double)i;
    }
    return 1;
}

static int on_double(void *ctx, double d)
{
    pilotingest__jvalue *v = slot(ctx);

    if (v) {
        v->type = PILOTINGEST__JREAL;
        v->number = d;
    }
    return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t n)
{
    parse_ctx *c = ctx;
    pilotingest__jvalue *v = slot(c);
    long off;

    if (!v)
        return 1;
    off = arena_add(c->j, s, n);
    if (off < 0) {
        c->nomem = 1;
        return 0;
    }
    v->type = PILOTINGEST__JSTRING;
    v->offset = (size_t)off;
    v->len = n;
    return 1;
}

static int on_key(void *ctx, const unsigned char *s, size_t n)
{
    parse_ctx *c = ctx;

    if (c->depth != 1)
        return 1;
    c->current = -1;
    for (size_t k = 0; k < c->j->nkeys; k++) {
        const char *key = c->j->keys[k];
        if ((unsigned char)key[0] == s[0] && strlen(key) == n && memcmp(key, s, n) == 0) {
            /* a duplicate would make "which value counts" a guess */
            if (c->j->values[k].type != PILOTINGEST__JABSENT) {
                snprintf(c->why, sizeof c->why, "duplicate field \"%s\"", key);
                return 0;
            }
            c->current = (long)k;
            break;
        }
    }
    return 1;
}

static int on_start(void *ctx, pilotingest__jtype type)
{
    parse_ctx *c = ctx;
    pilotingest__jvalue *v = slot(c);

    if (v)
        v->type = type;
    c->depth++;
    return 1;
}

static int on_start_map(void *ctx)
{
    return on_start(ctx, PILOTINGEST__JOBJECT);
}

static int on_start_array(void *ctx)
{
    return on_start(ctx, PILOTINGEST__JARRAY);
}

static int on_end(void *ctx)
{
    ((parse_ctx *)ctx)->depth--;
    return 1;
}

static const yajl_callbacks callbacks = {
    on_null, on_boolean, on_integer, on_double, NULL, on_string,
    on_start_map, on_key, on_end, on_start_array, on_end,
};

/* What the first byte of a JSON value says it is. */
static const char *first_byte_type(char c)
{
    switch (c) {
    case '[': return "an array";
    case '"': return "a string";
    case 't': return "true";
    case 'f': return "false";
    case 'n': return "null";
    default: return (c >= '0' && c <= '9') || c == '-' ? "a number" : NULL;
    }
}

int pilotingest__json_parse_raw(pilotingest__json *j, const char *data, size_t n, char *why,
                                size_t why_size, size_t *where)
{
    parse_ctx c = {.j = j, .depth = 0, .current = -1};
    yajl_handle h;
    yajl_status st;
    size_t lead = 0;
    int rc = -1;

    j->arena_len = 0;
    for (size_t k = 0; k < j->nkeys; k++)
        j->values[k] = (pilotingest__jvalue){0};
    *where = 0;
    while (lead < n && (data[lead] == ' ' || data[lead] == '\t' || data[lead] == '\r' ||
                        data[lead] == '\n'))
        lead++;
    if (lead < n && data[lead] != '{') {
        const char *type = first_byte_type(data[lead]);
        *where = lead;
        if (type)
            snprintf(why, why_size, "expected a JSON object, found %s", type);
        else
            snprintf(why, why_size, "malformed JSON: invalid character");
        return -1;
    }
    h = yajl_alloc(&callbacks, NULL, &c);
    if (!h) {
        snprintf(why, why_size, "out of memory");
        return -2;
    }
    st = yajl_parse(h, (const unsigned char *)data, n);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
        *where = n; /* what is wrong now is where the text ends */
    }
    if (st == yajl_status_ok) {
        rc = 0;
    } else if (c.nomem) {
        snprintf(why, why_size, "out of memory");
        rc = -2;
    } else {
        if (*where == 0) /* yajl counts the byte it stopped at */
            *where = yajl_get_bytes_consumed(h) > 0 ? yajl_get_bytes_consumed(h) - 1 : 0;
        if (*where > n)
            *where = n;
        if (c.why[0]) {
            snprintf(why, why_size, "%s", c.why);
        } else {
            unsigned char *text = yajl_get_error(h, 0, NULL, 0);
            const char *msg = (const char *)text;
            size_t len;
            /* "lexical error: invalid char in json text.\n" and the like */
            if (msg && strncmp(msg, "parse error: ", 13) == 0)
                msg += 13;
            else if (msg && strncmp(msg, "lexical error: ", 15) == 0)
                msg += 15;
            len = msg ? strcspn(msg, "\n") : 0;
            while (len > 0 && (msg[len - 1] == '.' || msg[len - 1] == ' '))
                len--;
            snprintf(why, why_size, "malformed JSON: %.*s", (int)len,
                     msg ? msg : "unknown error");
            yajl_free_error(h, text);
        }
    }
    yajl_free(h);
    if (rc == 0) {
        for (size_t k = 0; k < j->nkeys; k++) {
            if (j->values[k].type == PILOTINGEST__JSTRING)
                j->values[k].str = j->arena + j->values[k].offset;
        }
    }
    return rc;
}

pilotingest_rc pilotingest__json_parse(pilotingest_reader *r, const char *data, size_t n,
                                       long line, long col)
{
    char why[128];
    size_t where;
    long eline = line, ecol = col;
    int rc = pilotingest__json_parse_raw(&r->json, data, n, why, sizeof why, &where);

    if (rc == 0)
        return PILOTINGEST_OK;
    if (rc == -2)
        return PILOTINGEST_ENOMEM;
    /* yajl says how far it read: the position of the error, near enough */
    for (size_t i = 0; i < where; i++) {
        if (data[i] == '\n')
            eline++, ecol = 1;
        else
            ecol++; /* columns count bytes, as in CSV records */
    }
    return pilotingest__fail(r, PILOTINGEST_EBAD, eline, ecol, "%s", why);
}

void pilotingest__json_free(pilotingest__json *j)
{
    free(j->arena);
    free(j->values);
    memset(j, 0, sizeof *j);
}

int pilotingest__json_init(pilotingest__json *j, const char *const *keys, size_t nkeys)
{
    memset(j, 0, sizeof *j);
    j->values = calloc(nkeys, sizeof *j->values);
    if (!j->values)
        return -1;
    j->keys = keys;
    j->nkeys = nkeys;
    return 0;
}

const char *pilotingest__json_type(const pilotingest__jvalue *v)
{
    switch (v->type) {
    case PILOTINGEST__JOBJECT: return "an object";
    case PILOTINGEST__JARRAY: return "an array";
    case PILOTINGEST__JSTRING: return "a string";
    case PILOTINGEST__JINTEGER: return "an integer";
    case PILOTINGEST__JREAL: return "a real number";
    case PILOTINGEST__JTRUE: return "true";
    case PILOTINGEST__JFALSE: return "false";
    case PILOTINGEST__JNULL: return "null";
    case PILOTINGEST__JABSENT: break;
    }
    return "absent";
}

const pilotingest__jvalue *pilotingest__json_get(const pilotingest_reader *r, size_t k,
                                                 unsigned how)
{
    const pilotingest__jvalue *v = &r->json.values[k];

    if (v->type == PILOTINGEST__JABSENT || v->type == PILOTINGEST__JNULL)
        return NULL;
    if ((how & PILOTINGEST__EXPR) && v->type == PILOTINGEST__JSTRING && v->len >= 8 &&
        strncmp(v->str, "/Expr(", 6) == 0 && strcmp(v->str + v->len - 2, ")/") == 0)
        return NULL;
    return v;
}

static pilotingest_rc missing(pilotingest_reader *r, size_t k, unsigned how, long line)
{
    if (how & PILOTINGEST__REQUIRED)
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "missing field \"%s\"",
                                 r->json.keys[k]);
    return PILOTINGEST_OK;
}

pilotingest_rc pilotingest__json_string(pilotingest_reader *r, size_t k, unsigned how,
                                        long line, const char **out)
{
    const pilotingest__jvalue *v = pilotingest__json_get(r, k, how);
    char why[96];

    *out = NULL;
    if (!v)
        return missing(r, k, how, line);
    if (v->type != PILOTINGEST__JSTRING)
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0,
                                 "field \"%s\" is %s, expected a string", r->json.keys[k],
                                 pilotingest__json_type(v));
    if (pilotingest__check_text(v->str, v->len, (how & PILOTINGEST__NAME) != 0, why, sizeof why))
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "field \"%s\" %s",
                                 r->json.keys[k], why);
    /* free text may be empty, which is the same as absent */
    *out = v->len ? v->str : NULL;
    return PILOTINGEST_OK;
}

pilotingest_rc pilotingest__json_number(pilotingest_reader *r, size_t k, unsigned how,
                                        long line, int integer, double *out, int *present)
{
    const pilotingest__jvalue *v = pilotingest__json_get(r, k, how);

    *out = 0;
    *present = 0;
    if (!v)
        return missing(r, k, how, line);
    if (v->type != PILOTINGEST__JINTEGER && (integer || v->type != PILOTINGEST__JREAL))
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "field \"%s\" is %s, expected %s",
                                 r->json.keys[k], pilotingest__json_type(v),
                                 integer ? "an integer" : "a number");
    *out = v->number;
    *present = 1;
    return PILOTINGEST_OK;
}

pilotingest_rc pilotingest__json_epoch(pilotingest_reader *r, size_t k, unsigned how, long line,
                                       int64_t *ms, int *present)
{
    double seconds;
    const char *why;
    pilotingest_rc rc;

    *ms = PILOTDB_NO_TIME;
    rc = pilotingest__json_number(r, k, how, line, 0, &seconds, present);
    if (rc != PILOTINGEST_OK || !*present)
        return rc;
    if (pilotingest__epoch_ms(seconds, ms) != 0)
        why = "is not a time";
    else
        why = pilotingest__check_range(r, *ms);
    if (why) {
        *present = 0;
        *ms = PILOTDB_NO_TIME;
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "field \"%s\" %s",
                                 r->json.keys[k], why);
    }
    return PILOTINGEST_OK;
}

pilotingest_rc pilotingest__json_boolean(pilotingest_reader *r, size_t k, unsigned how,
                                         long line, int *out)
{
    const pilotingest__jvalue *v = pilotingest__json_get(r, k, how);

    *out = 0;
    if (!v)
        return missing(r, k, how, line);
    if (v->type != PILOTINGEST__JTRUE && v->type != PILOTINGEST__JFALSE)
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0,
                                 "field \"%s\" is %s, expected true or false", r->json.keys[k],
                                 pilotingest__json_type(v));
    *out = v->type == PILOTINGEST__JTRUE;
    return PILOTINGEST_OK;
}
