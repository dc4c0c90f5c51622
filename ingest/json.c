/*
 * json.c - JSON records (jsonl lines, condor ads): parsing one object with
 * jansson and reading its fields with the checks and messages every
 * reader of JSON shares.
 */
#include <string.h>

#include "internal.h"

const char *pilotingest__json_type(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    }
    return "a value";
}

pilotingest_rc pilotingest__json_parse(pilotingest_reader *r, const char *data, size_t n,
                                       long line, long col)
{
    json_error_t err;

    json_decref(r->json);
    /* duplicate keys would make "which value counts" a guess */
    r->json = json_loadb(data, n, JSON_REJECT_DUPLICATES, &err);
    if (!r->json) {
        long eline = err.line > 0 ? line + err.line - 1 : line;
        long ecol = err.column > 0 ? (err.line <= 1 ? col + err.column - 1 : err.column) : 0;
        if (json_error_code(&err) == json_error_out_of_memory)
            return pilotingest__fail(r, PILOTINGEST_ENOMEM, eline, 0, "out of memory");
        return pilotingest__fail(r, PILOTINGEST_EBAD, eline, ecol, "malformed JSON: %s",
                                 err.text);
    }
    if (!json_is_object(r->json))
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, col,
                                 "expected a JSON object, found %s",
                                 pilotingest__json_type(r->json));
    return PILOTINGEST_OK;
}

json_t *pilotingest__json_get(json_t *obj, const char *key, unsigned how)
{
    json_t *v = json_object_get(obj, key);

    if (!v || json_is_null(v))
        return NULL;
    if ((how & PILOTINGEST__EXPR) && json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (n >= 8 && strncmp(s, "/Expr(", 6) == 0 && strcmp(s + n - 2, ")/") == 0)
            return NULL;
    }
    return v;
}

static pilotingest_rc missing(pilotingest_reader *r, const char *key, unsigned how, long line)
{
    if (how & PILOTINGEST__REQUIRED)
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "missing field \"%s\"", key);
    return PILOTINGEST_OK;
}

pilotingest_rc pilotingest__json_string(pilotingest_reader *r, json_t *obj, const char *key,
                                        unsigned how, long line, const char **out)
{
    json_t *v = pilotingest__json_get(obj, key, how);
    char why[96];
    const char *s;
    size_t n;

    *out = NULL;
    if (!v)
        return missing(r, key, how, line);
    if (!json_is_string(v))
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0,
                                 "field \"%s\" is %s, expected a string", key,
                                 pilotingest__json_type(v));
    s = json_string_value(v);
    n = json_string_length(v);
    if (pilotingest__check_text(s, n, (how & PILOTINGEST__NAME) != 0, why, sizeof why))
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "field \"%s\" %s", key, why);
    /* free text may be empty, which is the same as absent */
    *out = n ? s : NULL;
    return PILOTINGEST_OK;
}

pilotingest_rc pilotingest__json_number(pilotingest_reader *r, json_t *obj, const char *key,
                                        unsigned how, long line, int integer, double *out,
                                        int *present)
{
    json_t *v = pilotingest__json_get(obj, key, how);

    *out = 0;
    *present = 0;
    if (!v)
        return missing(r, key, how, line);
    if (!json_is_integer(v) && (integer || !json_is_real(v)))
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "field \"%s\" is %s, expected %s",
                                 key, pilotingest__json_type(v),
                                 integer ? "an integer" : "a number");
    *out = json_number_value(v);
    *present = 1;
    return PILOTINGEST_OK;
}

pilotingest_rc pilotingest__json_epoch(pilotingest_reader *r, json_t *obj, const char *key,
                                       unsigned how, long line, int64_t *ms, int *present)
{
    double seconds;
    const char *why;
    pilotingest_rc rc;

    *ms = PILOTDB_NO_TIME;
    rc = pilotingest__json_number(r, obj, key, how, line, 0, &seconds, present);
    if (rc != PILOTINGEST_OK || !*present)
        return rc;
    if (pilotingest__epoch_ms(seconds, ms) != 0)
        why = "is not a time";
    else
        why = pilotingest__check_range(r, *ms);
    if (why) {
        *present = 0;
        *ms = PILOTDB_NO_TIME;
        return pilotingest__fail(r, PILOTINGEST_EBAD, line, 0, "field \"%s\" %s", key, why);
    }
    return PILOTINGEST_OK;
}
