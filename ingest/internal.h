/*
 * internal.h - what the files of libpilotingest share, and nothing else
 * does: the buffered input, the reader, the format vtable, the checks of
 * untrusted text and the time parsers.
 */
#ifndef PILOTINGEST_INTERNAL_H
#define PILOTINGEST_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pilotingest.h"

#define PILOTINGEST__ERR_MAX 512

/* ---- input (input.c) ------------------------------------------------------ */

/*
 * A scanner finds where a record ends: scan() is given the record's bytes a
 * piece at a time (never the same byte twice) and returns how many bytes of
 * this piece belong to the record when the record ends in it, else -1.
 * The state fields are zeroed at the start of each record.
 */
typedef struct pilotingest__scanner {
    long (*scan)(struct pilotingest__scanner *sc, const char *p, size_t n);
    long depth;    /* JSON: nesting of {} and [] */
    int in_string; /* JSON: inside a string; CSV: inside a quoted field */
    int escape;    /* JSON: after a backslash in a string */
    const char *lead; /* bytes before a record that are not part of it (the
                         separators of a JSON array), for the position a
                         too long record is reported at; NULL: none */
} pilotingest__scanner;

/* One record as the input found it; data is valid until the next call. */
typedef struct pilotingest__record {
    char *data;          /* NULL when too_long */
    size_t len;
    long line;           /* line of its first byte */
    long col;            /* byte column of its first byte (1 = first) */
    int64_t offset;      /* offset of its first byte */
    int64_t end_offset;  /* offset just after it */
    int too_long;        /* longer than PILOTINGEST_RECORD_MAX: skipped */
    int unterminated;    /* the input ended before the scanner saw its end */
} pilotingest__record;

typedef struct pilotingest__input {
    FILE *f;
    char *buf;
    size_t cap, len, pos; /* buf[pos, len) is unread */
    size_t scanned;       /* bytes from pos the scanner has seen */
    int64_t base;         /* input offset of buf[0] */
    long line;            /* line at pos */
    int64_t line_start;   /* offset of the first byte of that line */
    int skipping;         /* discarding a record over the limit */
    long skip_line, skip_col;
    int64_t skip_offset;
} pilotingest__input;

void pilotingest__input_init(pilotingest__input *in, FILE *f, int64_t offset, long line);
void pilotingest__input_free(pilotingest__input *in);

/* The next record (PILOTINGEST_OK), PILOTINGEST_END (no bytes left),
 * PILOTINGEST_AGAIN (follow: the input ends inside a record), EIO, ENOMEM. */
pilotingest_rc pilotingest__input_next(pilotingest__input *in, pilotingest__scanner *sc,
                                       int follow, pilotingest__record *rec);

/* The first non-blank line from the read position, without consuming it:
 * *line points at its first non-blank byte, *n bytes up to its end.
 * PILOTINGEST_END when the input is blank, AGAIN (follow) when the line is
 * not whole yet, EIO, ENOMEM. */
pilotingest_rc pilotingest__input_peek(pilotingest__input *in, int follow,
                                       const char **line, size_t *n);

/* For a reader that parses a record where the input holds it, instead of
 * having it cut first: the bytes read and not yet taken (*n of them, maybe
 * none; NULL while a record is being cut, after AGAIN), and the line and
 * column of the first.  They stay until the next call that takes
 * or reads. */
const char *pilotingest__input_unread(const pilotingest__input *in, size_t *n, long *line,
                                     long *col);

/* Read one more chunk after the unread bytes, for a reader parsing in
 * place that found its record cut short: 1 when bytes came, else 0 (at the
 * end, or on an error that the next pilotingest__input_next() meets and
 * reports).  Pointers from pilotingest__input_unread() are then stale. */
int pilotingest__input_more(pilotingest__input *in);

/* Take the first n unread bytes (at most PILOTINGEST_RECORD_MAX) as a
 * record, as pilotingest__input_next() would have cut it; they hold lines
 * newlines, the last one just before their byte line_start. */
void pilotingest__input_take(pilotingest__input *in, size_t n, long lines, size_t line_start,
                             pilotingest__record *rec);

/* Offset of the read position. */
int64_t pilotingest__input_offset(const pilotingest__input *in);

long pilotingest__scan_line(pilotingest__scanner *sc, const char *p, size_t n);
long pilotingest__scan_csv(pilotingest__scanner *sc, const char *p, size_t n);
long pilotingest__scan_json(pilotingest__scanner *sc, const char *p, size_t n);

/* ---- JSON records (json.c) ------------------------------------------------- */

typedef enum pilotingest__jtype {
    PILOTINGEST__JABSENT = 0,
    PILOTINGEST__JNULL,
    PILOTINGEST__JFALSE,
    PILOTINGEST__JTRUE,
    PILOTINGEST__JINTEGER,
    PILOTINGEST__JREAL,
    PILOTINGEST__JSTRING,
    PILOTINGEST__JOBJECT,
    PILOTINGEST__JARRAY
} pilotingest__jtype;

/* One top-level member of a JSON object. */
typedef struct pilotingest__jvalue {
    pilotingest__jtype type;
    double number;   /* JINTEGER, JREAL */
    const char *str; /* JSTRING: NUL-terminated, len bytes (may hold a NUL) */
    size_t len;
    size_t offset;   /* of str in the arena, while parsing */
    int printable;   /* JSTRING: printable ASCII only (no check can refuse it) */
} pilotingest__jvalue;

/* The members a reader wants (keys[k] into values[k]) and the arena their
 * strings live in until the next parse. */
typedef struct pilotingest__json {
    const char *const *keys;
    size_t nkeys;
    pilotingest__jvalue *values;
    char *arena;
    size_t arena_len, arena_cap;
    struct pilotingest__jindex *index; /* json.c's own: the keys looked up fast */
} pilotingest__json;

int pilotingest__json_init(pilotingest__json *j, const char *const *keys, size_t nkeys);
void pilotingest__json_free(pilotingest__json *j);

/* Parse the object at data[0, n) into j: 0; -1 when it is not a well-formed
 * JSON object (why, and the offset of the problem in *where); -2 out of
 * memory. */
int pilotingest__json_parse_raw(pilotingest__json *j, const char *data, size_t n, char *why,
                                size_t why_size, size_t *where);

/* Parse the object whose '{' is data[0] and that ends inside data[0, n)
 * into j, where an input holds it (what follows it is not looked at): 0,
 * with the offset just past its '}' in *end, the newlines in it in *lines
 * and the offset just past the last of them in *line_start.  1 when it
 * may be cut short by the end of data[0, n) (call again with more), -1
 * when it is not well formed or memory ran out: the caller then cuts the
 * record and parses it with pilotingest__json_parse(), which says what is
 * wrong. */
int pilotingest__json_parse_prefix(pilotingest__json *j, const char *data, size_t n,
                                   size_t *end, long *lines, size_t *line_start);

/* ---- the reader (reader.c) ------------------------------------------------- */

typedef struct pilotingest__format {
    const char *name;
    /* How sure the format is that the input whose first non-blank line is
     * line[0, n) is its own: 0 no, 1 maybe, 2 yes. */
    int (*detect)(const char *line, size_t n);
    pilotingest_rc (*open)(pilotingest_reader *r);
    /* Fill obs (zeroed by the caller) from the next record. */
    pilotingest_rc (*next)(pilotingest_reader *r, pilotingest_obs *obs);
    void (*close)(pilotingest_reader *r);
    const pilotingest_status_row *map;
    size_t nmap;
} pilotingest__format;

extern const pilotingest__format pilotingest__jsonl;
extern const pilotingest__format pilotingest__condor;
extern const pilotingest__format pilotingest__dirac;

struct pilotingest_reader {
    pilotingest__input in;
    const pilotingest__format *format; /* NULL until decided */
    pilotingest_format requested;
    char *filename;
    int64_t now;
    unsigned flags;
    pilotingest_rc dead;  /* the error that ended the reading, or OK */
    pilotingest__scanner scanner; /* the format's, kept across AGAIN */
    void *state;          /* the format's own */
    pilotingest__json json; /* the record the observation's strings point into */
    char *text;           /* scratch the observation's strings may point into */
    size_t text_len, text_cap;
    char errmsg[PILOTINGEST__ERR_MAX];
};

/* Set the reader's message "FILE:LINE[:COL]: ..." (col 0: none), with
 * control characters and invalid UTF-8 escaped; returns rc. */
pilotingest_rc pilotingest__fail(pilotingest_reader *r, pilotingest_rc rc, long line,
                                 long col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Copy s[0, n) into the reader's scratch text, NUL-terminated; the copy
 * lives until the next record.  NULL when out of memory or when the
 * record's copies would pass PILOTINGEST__KEEP_MAX bytes. */
#define PILOTINGEST__KEEP_MAX 1024
const char *pilotingest__keep(pilotingest_reader *r, const char *s, size_t n);

/* The next record from the reader's input with its scanner; a record over
 * PILOTINGEST_RECORD_MAX is EBAD, "WHAT is longer than 1 MiB". */
pilotingest_rc pilotingest__next_record(pilotingest_reader *r, pilotingest__record *rec,
                                       const char *what);

/* Set the time of the transition into status to at (of kind kind): the
 * times before it are UNKNOWN, those after it NONE. */
void pilotingest__set_transition(pilotingest_obs *obs, pilot_status status, int64_t at,
                                 pilotingest_time_kind kind);

/* The row of map whose word is word[0, n), or NULL. */
const pilotingest_status_row *pilotingest__map_word(const pilotingest__format *f,
                                                    const char *word, size_t n);

/* ---- untrusted text (text.c) ----------------------------------------------- */

/* What is wrong with s[0, n) as a name (1..PILOTINGEST_NAME_MAX bytes) when
 * is_name, else as free text: no control character, valid UTF-8.  NULL when
 * nothing; else a phrase ("is empty", "has a control character at byte 3")
 * in why. */
const char *pilotingest__check_text(const char *s, size_t n, int is_name, char *why,
                                    size_t why_size);

/* Write s[0, n) quoted, at most 40 bytes of it, with control characters,
 * backslashes, quotes and invalid UTF-8 escaped, into dst. */
void pilotingest__quote(char *dst, size_t dst_size, const char *s, size_t n);

/* ---- times (time.c) -------------------------------------------------------- */

/* "YYYY-MM-DD HH:MM:SS[.fff]" in UTC into ms; 0 or -1 (why in errbuf). */
int pilotingest__parse_utc(const char *s, size_t n, int64_t *ms, char *why, size_t why_size);

/* Epoch seconds into ms, checked to be finite; 0 or -1. */
int pilotingest__epoch_ms(double seconds, int64_t *ms);

/* NULL when ms is in [1990, now + one day]; else why. */
const char *pilotingest__check_range(const pilotingest_reader *r, int64_t ms);

/* ---- reading JSON fields (json.c) ------------------------------------------ */

/* Parse the JSON object at data[0, n), whose first byte is at line/col, into
 * r->json; EBAD with the parser's message and position otherwise. */
pilotingest_rc pilotingest__json_parse(pilotingest_reader *r, const char *data, size_t n,
                                       long line, long col);

#define PILOTINGEST__REQUIRED 0x1u /* missing is an error */
#define PILOTINGEST__NAME     0x2u /* 1..255 bytes (else free text) */
#define PILOTINGEST__EXPR     0x4u /* condor: "/Expr(...)/" is absent */

/* Member k of the last record, NULL when absent, null or (with
 * PILOTINGEST__EXPR) an unevaluated expression. */
const pilotingest__jvalue *pilotingest__json_get(const pilotingest_reader *r, size_t k,
                                                 unsigned how);

/* A string member into *out (NULL when absent and not required, or empty
 * free text), checked as a name or text. */
pilotingest_rc pilotingest__json_string(pilotingest_reader *r, size_t k, unsigned how,
                                        long line, const char **out);

/* A number member into *out (absent: *present 0, an error if required). */
pilotingest_rc pilotingest__json_number(pilotingest_reader *r, size_t k, unsigned how,
                                        long line, int integer, double *out, int *present);

/* A time member of epoch seconds, range-checked, into *ms (absent: 0 in
 * *present). */
pilotingest_rc pilotingest__json_epoch(pilotingest_reader *r, size_t k, unsigned how, long line,
                                       int64_t *ms, int *present);

/* A boolean member into *out (absent: 0). */
pilotingest_rc pilotingest__json_boolean(pilotingest_reader *r, size_t k, unsigned how,
                                         long line, int *out);

/* "a string", "an integer", ... for messages. */
const char *pilotingest__json_type(const pilotingest__jvalue *v);

#endif
