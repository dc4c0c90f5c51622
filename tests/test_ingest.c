/*
 * test_ingest.c - the readers of libpilotingest: the hand-written corpus of
 * tests/data/ingest/ against its .expected renderings, every bad-input class
 * with its exact message, times, resuming at an offset, follow mode and
 * bounded memory on a large condor array.
 *
 * PILOTDECK_REGEN_INGEST=1 rewrites the .expected files from what the
 * readers produce (then read the diff before committing it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ingest/internal.h" /* by its folder: db/ and sim/ have one too */
#include "pilotingest.h"

/* 2026-12-06T00:00:00Z: the "now" of every test; never the wall clock. */
#define NOW_MS INT64_C(1796515200000)

/* ---- rendering observations as text --------------------------------------- */

static void put_time(FILE *out, const char *name, pilotingest_time t)
{
    char buf[40];
    time_t s;
    struct tm tm;

    fprintf(out, " %s=", name);
    switch (t.kind) {
    case PILOTINGEST_TIME_NONE: fputs("-", out); return;
    case PILOTINGEST_TIME_UNKNOWN: fputs("?", out); return;
    case PILOTINGEST_TIME_OBSERVED: fputs("~", out); break;
    case PILOTINGEST_TIME_EXACT: break;
    }
    s = (time_t)(t.at >= 0 ? t.at / 1000 : (t.at - 999) / 1000);
    gmtime_r(&s, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(out, "%s.%03dZ", buf, (int)(t.at - (int64_t)s * 1000));
}

static const char *status_word(pilot_status s)
{
    static const char *const words[] = {"submitted", "running", "done", "failed"};
    return (unsigned)s < 4 ? words[s] : "?";
}

static const char *rc_word(pilotingest_rc rc)
{
    static const char *const words[] = {"ok",     "end",    "again",  "bad",
                                        "format", "einval", "eio",    "enomem"};
    return (unsigned)rc < sizeof words / sizeof words[0] ? words[rc] : "?";
}

/* Check the promises on every observation's strings. */
static void check_clean(const char *s, int is_name)
{
    char why[96];

    if (!s)
        return;
    if (pilotingest__check_text(s, strlen(s), is_name, why, sizeof why))
        fail_msg("observation string \"%s\" %s", s, why);
}

static void put_obs(FILE *out, const pilotingest_obs *o)
{
    assert_non_null(o->ref);
    assert_non_null(o->ce);
    check_clean(o->ref, 1);
    check_clean(o->ce, 1);
    check_clean(o->site, 1);
    check_clean(o->reason, 0);
    check_clean(o->source_status, 1);
    assert_true(o->end_offset > o->offset);
    fprintf(out, "%ld %s ref=%s ce=%s", o->line, status_word(o->status), o->ref, o->ce);
    if (o->site)
        fprintf(out, " site=%s", o->site);
    put_time(out, "sub", o->submitted);
    put_time(out, "start", o->started);
    put_time(out, "end", o->ended);
    if (o->flags & PILOTINGEST_HELD)
        fputs(" held", out);
    if (o->flags & PILOTINGEST_UNKNOWN)
        fputs(" unknown", out);
    if (o->source_status)
        fprintf(out, " source_status=%s", o->source_status);
    if (o->reason)
        fprintf(out, " reason=\"%s\"", o->reason);
    fputc('\n', out);
}

/* Every message is printable: no byte below 0x20 and no DEL. */
static void check_message(const char *msg)
{
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fail_msg("message has a control byte 0x%02x: %s", *p, msg);
    }
}

/* Read all of in with the reader and render it; the result is malloc()ed. */
static char *render(FILE *in, pilotingest_format format, const char *name)
{
    pilotingest_options o = {.format = format, .filename = name, .now = NOW_MS};
    pilotingest_reader *r;
    pilotingest_obs obs;
    pilotingest_rc rc;
    char err[256], *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    assert_non_null(out);
    assert_int_equal(pilotingest_open(in, &o, &r, err, sizeof err), PILOTINGEST_OK);
    for (int guard = 0; guard < 100000; guard++) {
        rc = pilotingest_next(r, &obs);
        if (guard == 0)
            fprintf(out, "format %s\n", pilotingest_format_name(pilotingest_reader_format(r)));
        if (rc == PILOTINGEST_OK) {
            put_obs(out, &obs);
            continue;
        }
        assert_null(obs.ref);
        if (rc == PILOTINGEST_END)
            break;
        check_message(pilotingest_errmsg(r));
        fprintf(out, "%s: %s\n", rc_word(rc), pilotingest_errmsg(r));
        if (rc != PILOTINGEST_EBAD)
            break;
    }
    fprintf(out, "end at offset %lld line %ld\n", (long long)pilotingest_offset(r),
            pilotingest_line(r));
    pilotingest_close(r);
    fclose(out);
    return text;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    text = malloc((size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void data_path(char *buf, size_t size, const char *name)
{
    const char *src = getenv("PILOTDECK_SOURCE_DIR");

    snprintf(buf, size, "%s/tests/data/ingest/%s", src ? src : ".", name);
}

/* ---- the corpus ------------------------------------------------------------- */

static void check_corpus_file(const char *name, pilotingest_format format)
{
    char path[1024], expected_path[1100];
    char *got, *want;
    FILE *in;

    data_path(path, sizeof path, name);
    snprintf(expected_path, sizeof expected_path, "%s.expected", path);
    in = fopen(path, "rb");
    if (!in)
        fail_msg("cannot open %s", path);
    got = render(in, format, name);
    fclose(in);
    if (getenv("PILOTDECK_REGEN_INGEST")) {
        FILE *out = fopen(expected_path, "w");
        assert_non_null(out);
        fputs(got, out);
        fclose(out);
    }
    want = slurp(expected_path);
    if (!want)
        fail_msg("cannot read %s", expected_path);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "%s: got:\n%s\nexpected:\n%s\n", name, got, want);
        fail_msg("%s differs from %s", name, expected_path);
    }
    free(got);
    free(want);
}

static void test_corpus_condor(void **state)
{
    (void)state;
    check_corpus_file("condor_q.json", PILOTINGEST_AUTO);
    check_corpus_file("condor_history.json", PILOTINGEST_AUTO);
    check_corpus_file("condor_history.jsonl", PILOTINGEST_AUTO);
    check_corpus_file("condor_empty.json", PILOTINGEST_AUTO);
    check_corpus_file("condor_empty_array.json", PILOTINGEST_CONDOR);
}

static void test_corpus_dirac(void **state)
{
    (void)state;
    check_corpus_file("dirac_pilots.csv", PILOTINGEST_AUTO);
}

static void test_corpus_jsonl(void **state)
{
    (void)state;
    check_corpus_file("pilots.jsonl", PILOTINGEST_AUTO);
}

/* ---- bad input: every class and its exact message --------------------------- */

struct bad_case {
    pilotingest_format format;
    const char *input;
    pilotingest_rc rc;
    const char *message;
};

#define JL(fields) "{\"ref\": \"p1\", \"ce\": \"ce1\", \"status\": \"running\", " fields "}\n"
#define AT "\"at\": 1796119200"
#define AD(fields)                                                                         \
    "[\n{\n  \"GlobalJobId\": \"s#1.0#1\",\n  \"QDate\": 1796112000,\n" fields "\n}\n]\n"
#define CSV_HEAD "PilotJobReference,DestinationSite,Status,SubmissionTime,LastUpdateTime\n"
#define CSV_TIMES "2026-12-01 08:00:00,2026-12-01 09:00:00"
#define OPEN10 "[[[[[[[[[["
#define OPEN100 OPEN10 OPEN10 OPEN10 OPEN10 OPEN10 OPEN10 OPEN10 OPEN10 OPEN10 OPEN10
#define DEEP OPEN100 OPEN100 OPEN100 OPEN100 OPEN100 OPEN100
#define JSON_BAD(input, message) {PILOTINGEST_JSONL, input, PILOTINGEST_EBAD, message}

static const struct bad_case bad_cases[] = {
    /* jsonl */
    {PILOTINGEST_JSONL, "{\"ref\": \"p1\",\n", PILOTINGEST_EBAD,
     "bad:1:14: malformed JSON: premature EOF"},
    {PILOTINGEST_JSONL, "{\"ref\": \"p\"} x\n", PILOTINGEST_EBAD,
     "bad:1:14: malformed JSON: trailing garbage"},
    {PILOTINGEST_JSONL, "42\n", PILOTINGEST_EBAD,
     "bad:1:1: expected a JSON object, found a number"},
    {PILOTINGEST_JSONL, "{'ref': 1}\n", PILOTINGEST_EBAD,
     "bad:1:2: malformed JSON: invalid char in json text"},
    {PILOTINGEST_JSONL, JL("\"at\": 99999999999999999999999"), PILOTINGEST_EBAD,
     "bad:1:54: malformed JSON: integer overflow"},
    {PILOTINGEST_JSONL, JL("\"at\": 1e400"), PILOTINGEST_EBAD,
     "bad:1:54: malformed JSON: numeric (floating point) overflow"},
    {PILOTINGEST_JSONL, "[1]\n", PILOTINGEST_EBAD,
     "bad:1:1: expected a JSON object, found an array"},
    {PILOTINGEST_JSONL, "{\"ce\": \"c\", \"status\": \"running\", " AT "}\n", PILOTINGEST_EBAD,
     "bad:1: missing field \"ref\""},
    {PILOTINGEST_JSONL, "{\"ref\": \"p\", \"ce\": \"c\", \"status\": \"running\"}\n",
     PILOTINGEST_EBAD, "bad:1: missing field \"at\""},
    {PILOTINGEST_JSONL, "{\"ref\": 7, \"ce\": \"c\", \"status\": \"running\", " AT "}\n",
     PILOTINGEST_EBAD, "bad:1: field \"ref\" is an integer, expected a string"},
    {PILOTINGEST_JSONL, "{\"ref\": \"p\", \"ce\": \"c\", \"status\": \"Running\", " AT "}\n",
     PILOTINGEST_EBAD,
     "bad:1: unknown status \"Running\" (expected submitted, running, done or failed)"},
    {PILOTINGEST_JSONL, JL("\"at\": \"yesterday\""), PILOTINGEST_EBAD,
     "bad:1: field \"at\": \"yesterday\" is not an ISO 8601 time (YYYY-MM-DDTHH:MM:SS and a "
     "zone)"},
    {PILOTINGEST_JSONL, JL("\"at\": \"2026-12-01T10:00:00\""), PILOTINGEST_EBAD,
     "bad:1: field \"at\": \"2026-12-01T10:00:00\" has no zone (add Z or an offset such as "
     "+01:00)"},
    {PILOTINGEST_JSONL, JL("\"at\": \"2026-02-30T10:00:00Z\""), PILOTINGEST_EBAD,
     "bad:1: field \"at\": \"2026-02-30T10:00:00Z\" has a field out of range"},
    {PILOTINGEST_JSONL, JL("\"at\": 600000000"), PILOTINGEST_EBAD,
     "bad:1: field \"at\" is before 1990"},
    {PILOTINGEST_JSONL, JL("\"at\": \"2026-12-07T00:00:01Z\""), PILOTINGEST_EBAD,
     "bad:1: field \"at\" is more than a day in the future"},
    {PILOTINGEST_JSONL, JL("\"at\": true"), PILOTINGEST_EBAD,
     "bad:1: field \"at\" is true, expected a number"},
    {PILOTINGEST_JSONL, JL(AT ", \"observed\": 1"), PILOTINGEST_EBAD,
     "bad:1: field \"observed\" is an integer, expected true or false"},
    {PILOTINGEST_JSONL, JL(AT ", \"started\": 0"), PILOTINGEST_EBAD,
     "bad:1: field \"started\" is an integer, expected true or false"},
    {PILOTINGEST_JSONL, JL(AT ", \"started\": false"), PILOTINGEST_EBAD,
     "bad:1: field \"started\" is false on a running line (only a failed pilot may never "
     "have started)"},
    {PILOTINGEST_JSONL, "{\"ref\": \"p\", \"ce\": \"\", \"status\": \"running\", " AT "}\n",
     PILOTINGEST_EBAD, "bad:1: field \"ce\" is empty"},
    {PILOTINGEST_JSONL,
     "{\"ref\": \"p\", \"ce\": \"ce\\u001b[31mred\", \"status\": \"running\", " AT "}\n",
     PILOTINGEST_EBAD, "bad:1: field \"ce\" has a control character at byte 3"},
    {PILOTINGEST_JSONL,
     "{\"ref\": \"p\\u009b2J\", \"ce\": \"c\", \"status\": \"running\", " AT "}\n",
     PILOTINGEST_EBAD, "bad:1: field \"ref\" has a control character at byte 2"},
    {PILOTINGEST_JSONL, JL(AT ", \"reason\": \"line one\\nline two\""), PILOTINGEST_EBAD,
     "bad:1: field \"reason\" has a control character at byte 9"},
    {PILOTINGEST_JSONL, "{\"ref\": \"p\xff\", \"ce\": \"c\", \"status\": \"running\", " AT "}\n",
     PILOTINGEST_EBAD, "bad:1:11: malformed JSON: invalid bytes in UTF8 string"},
    {PILOTINGEST_JSONL, JL(AT ", \"site\": \"a\\u0000b\""), PILOTINGEST_EBAD,
     "bad:1: field \"site\" has a control character at byte 2"},
    {PILOTINGEST_JSONL, JL(AT ", \"ref\": \"again\""), PILOTINGEST_EBAD,
     "bad:1:71: duplicate field \"ref\""},
    {PILOTINGEST_JSONL, "{\"ref\": \"p\", \"ce\": \"c\", \"status\": \"running\", \"at\": "
                        "\"2026-12-01T10:00:00+1\"}\n",
     PILOTINGEST_EBAD,
     "bad:1: field \"at\": \"2026-12-01T10:00:00+1\" has a bad zone (Z or +HH:MM)"},
    /* JSON itself, in members read and members skipped alike */
    JSON_BAD(JL(AT ", \"x\": 01"),
     "bad:1:73: malformed JSON: malformed number, a digit follows a leading zero"),
    JSON_BAD(JL(AT ", \"x\": -"),
     "bad:1:73: malformed JSON: malformed number, a digit is required after the minus sign"),
    JSON_BAD(JL(AT ", \"x\": 1."),
     "bad:1:74: malformed JSON: malformed number, a digit is required after the decimal point"),
    JSON_BAD(JL(AT ", \"x\": 1e+"),
     "bad:1:75: malformed JSON: malformed number, a digit is required after the exponent"),
    JSON_BAD(JL(AT ", \"x\": 1e400"),
     "bad:1:71: malformed JSON: numeric (floating point) overflow"),
    JSON_BAD(JL(AT ", \"x\": -9223372036854775808"),
     "bad:1:71: malformed JSON: integer overflow"),
    JSON_BAD(JL("\"x\": 9223372036854775807, \"y\": -0, \"z\": 1e-400, \"at\": -0"),
     "bad:1: field \"at\" is before 1990"),
    JSON_BAD(JL("\"x\": 0.5E+3, \"at\": -0.0e0"),
     "bad:1: field \"at\" is before 1990"),
    JSON_BAD(JL(AT ", \"x\": tru"),
     "bad:1:72: malformed JSON: invalid literal (expected true, false or null)"),
    JSON_BAD(JL(AT ", \"x\": [1,]"),
     "bad:1:75: malformed JSON: unallowed token at this point in JSON text"),
    JSON_BAD(JL(AT ", \"x\": {\"a\" 1}"),
     "bad:1:77: malformed JSON: object key and value must be separated by a colon (':')"),
    JSON_BAD(JL(AT ", \"x\": {\"a\": 1 \"b\": 2}"),
     "bad:1:80: malformed JSON: after key and value, inside map, I expect ',' or '}'"),
    JSON_BAD(JL(AT ", \"x\": [1 2]"),
     "bad:1:75: malformed JSON: after array element, I expect ',' or ']'"),
    JSON_BAD(JL(AT ", \"x\": {1: 2}"),
     "bad:1:73: malformed JSON: invalid object key (must be a string)"),
    JSON_BAD(JL(AT ", \"x\": /*c*/ 1"),
     "bad:1:72: malformed JSON: probable comment found in input text, comments are not enabled"),
    JSON_BAD(JL(AT ", \"x\": 'a'"),
     "bad:1:72: malformed JSON: invalid char in json text"),
    JSON_BAD("{\"ref\": \"p1\", }\n",
     "bad:1:15: malformed JSON: invalid object key (must be a string)"),
    JSON_BAD(JL(AT ", \"x\": \"\\q\""),
     "bad:1:74: malformed JSON: inside a string, '\\' occurs before a character which it may not"),
    JSON_BAD(JL(AT ", \"x\": \"\\u12G4\""),
     "bad:1:77: malformed JSON: invalid (non-hex) character occurs after '\\u' inside string"),
    JSON_BAD(JL(AT ", \"x\": \"\\ud800\""),
     "bad:1:73: malformed JSON: \\uD800 inside a string is half of a UTF-16 surrogate pair"),
    JSON_BAD(JL(AT ", \"x\": \"\\udc00\\ud800\""),
     "bad:1:73: malformed JSON: \\uDC00 inside a string is half of a UTF-16 surrogate pair"),
    JSON_BAD(JL(AT ", \"x\": \"\\ud800\\u0041\""),
     "bad:1:73: malformed JSON: \\uD800 inside a string is half of a UTF-16 surrogate pair"),
    JSON_BAD("{\"ref\": \"p\", \"ce\": \"\\u00e9\\ud83d\\ude00\\u001b\", "
             "\"status\": \"running\", " AT "}\n",
     "bad:1: field \"ce\" has a control character at byte 7"),
    JSON_BAD(JL(AT ", \"reason\": \"a\\u0000b\""),
     "bad:1: field \"reason\" has a control character at byte 2"),
    JSON_BAD(JL(AT ", \"x\": \"a\tb\""),
     "bad:1:74: malformed JSON: invalid character inside string"),
    JSON_BAD(JL(AT ", \"x\": \"0123456789abcdefghij\x7f\x01\""),
     "bad:1:94: malformed JSON: invalid character inside string"),
    JSON_BAD(JL(AT ", \"x\": \"\xc0\x80\""),
     "bad:1:73: malformed JSON: invalid bytes in UTF8 string"),
    JSON_BAD(JL(AT ", \"x\": \"\xed\xa0\x80\""),
     "bad:1:73: malformed JSON: invalid bytes in UTF8 string"),
    JSON_BAD(JL(AT ", \"x\": \"\xf4\x90\x80\x80\""),
     "bad:1:73: malformed JSON: invalid bytes in UTF8 string"),
    JSON_BAD(JL(AT ", \"x\": \"\xe2\x82\""),
     "bad:1:73: malformed JSON: invalid bytes in UTF8 string"),
    JSON_BAD(JL(AT ", \"x\": [\"\xf0\x9f\x98\x80\", {\"k\": [true, false, null]}], \"y\": x"),
     "bad:1:115: malformed JSON: invalid char in json text"),
    JSON_BAD(JL(AT ", \"\\u0061t\": 1"),
     "bad:1:75: duplicate field \"at\""),
    JSON_BAD("{\"ref\": \"p1\", \"ce\": \"ce1\", \"status\": \"running\", " AT "}\"\n",
     "bad:1:66: malformed JSON: trailing garbage"),
    JSON_BAD(JL(AT ", \"x\": nul"),
     "bad:1:72: malformed JSON: invalid literal (expected true, false or null)"),
    JSON_BAD(JL(AT ", \"x\": " DEEP),
     "bad:1:583: malformed JSON: nested more than 512 deep"),
    /* condor */
    {PILOTINGEST_CONDOR, AD("  \"JobStatus\": 2,\n  \"JobStartDate\": 1796113000"),
     PILOTINGEST_EBAD,
     "bad:2: no CE: the ad has neither GlideinEntryName nor GridResource"},
    {PILOTINGEST_CONDOR,
     AD("  \"JobStatus\": 1,\n  \"GridResource\": \"batch slurm\""), PILOTINGEST_EBAD,
     "bad:2: no CE: GridResource \"batch slurm\" names no host"},
    {PILOTINGEST_CONDOR,
     AD("  \"JobStatus\": 1,\n  \"GridResource\": \"condor \\u001b]0;pwned\\u0007 x\""),
     PILOTINGEST_EBAD,
     "bad:2: field \"GridResource\" has a control character at byte 8"},
    {PILOTINGEST_CONDOR, AD("  \"JobStatus\": 6,\n  \"GlideinEntryName\": \"e\""),
     PILOTINGEST_EBAD, "bad:2: unknown JobStatus 6 (expected 1 to 5 or 7)"},
    {PILOTINGEST_CONDOR, AD("  \"JobStatus\": \"Idle\",\n  \"GlideinEntryName\": \"e\""),
     PILOTINGEST_EBAD, "bad:2: field \"JobStatus\" is a string, expected an integer"},
    {PILOTINGEST_CONDOR, "[\n{\n  \"JobStatus\": 1,\n  \"QDate\": 1796112000\n}\n]\n",
     PILOTINGEST_EBAD, "bad:2: missing field \"GlobalJobId\""},
    {PILOTINGEST_CONDOR,
     "[\n{\n  \"GlobalJobId\": \"s#1.0#1\",\n  \"JobStatus\": 1,\n  \"GlideinEntryName\": "
     "\"e\"\n}\n]\n",
     PILOTINGEST_EBAD, "bad:2: missing field \"QDate\""},
    {PILOTINGEST_CONDOR,
     AD("  \"JobStatus\": 2,\n  \"GlideinEntryName\": \"e\",\n  \"JobStartDate\": 1796100000"),
     PILOTINGEST_EBAD, "bad:2: the start is before the submission"},
    {PILOTINGEST_CONDOR, AD("  \"JobStatus\": 2,\n  \"GlideinEntryName\": \"e\""),
     PILOTINGEST_EBAD, "bad:2: a running ad has no JobStartDate"},
    {PILOTINGEST_CONDOR, AD("  \"JobStatus\": 3,\n  \"GlideinEntryName\": \"e\""),
     PILOTINGEST_EBAD, "bad:2: a removed ad has no EnteredCurrentStatus"},
    {PILOTINGEST_CONDOR, AD("  \"JobStatus\": 4,\n  \"GlideinEntryName\": \"e\""),
     PILOTINGEST_EBAD, "bad:2: a completed ad has no CompletionDate or EnteredCurrentStatus"},
    {PILOTINGEST_CONDOR,
     AD("  \"JobStatus\": 4,\n  \"GlideinEntryName\": \"e\",\n  \"CompletionDate\": "
        "1796113000,\n  \"ExitBySignal\": 1"),
     PILOTINGEST_EBAD, "bad:2: field \"ExitBySignal\" is an integer, expected true or false"},
    {PILOTINGEST_CONDOR, "[\n{\"a\": 1}\n,\nxyz\n{\"b\": 2}\n]\n", PILOTINGEST_EBAD,
     "bad:2: missing field \"GlobalJobId\""},
    {PILOTINGEST_CONDOR, "[\n{\n  \"GlobalJobId\": \"s#1.0#1\",\n  \"QDate\": 17\n",
     PILOTINGEST_EBAD,
     "bad:2:1: malformed JSON: the job ad is not closed at the end of the input"},
    {PILOTINGEST_CONDOR, "[\n{\n  \"GlobalJobId\": \"s#1.0#1\",\n  \"QDate\": 17,,\n}\n]\n",
     PILOTINGEST_EBAD, "bad:4:15: malformed JSON: invalid object key (must be a string)"},
    {PILOTINGEST_CONDOR, "hello\n", PILOTINGEST_EBAD,
     "bad:1:1: malformed JSON: expected a job ad ('{'), found \"h\""},
    /* dirac */
    {PILOTINGEST_DIRAC, "", PILOTINGEST_EFORMAT,
     "bad:1: no CSV header (PilotJobReference, DestinationSite, Status, SubmissionTime, "
     "LastUpdateTime, ...)"},
    {PILOTINGEST_DIRAC, "PilotJobReference,DestinationSite,Status,SubmissionTime\n",
     PILOTINGEST_EFORMAT, "bad:1: the header has no column LastUpdateTime"},
    {PILOTINGEST_DIRAC, "PilotJobReference,Status,Status\n", PILOTINGEST_EFORMAT,
     "bad:1:26: column Status appears twice in the header"},
    {PILOTINGEST_DIRAC, CSV_HEAD "r1,ce1,Running\n", PILOTINGEST_EBAD,
     "bad:2: the record has 3 fields; the header has 5"},
    {PILOTINGEST_DIRAC, CSV_HEAD "r1,ce1,\"Running," CSV_TIMES "\n", PILOTINGEST_EBAD,
     "bad:2:8: malformed CSV: a quoted field is not closed"},
    {PILOTINGEST_DIRAC, CSV_HEAD "r1,ce1,Run\"ning," CSV_TIMES "\n", PILOTINGEST_EBAD,
     "bad:2:11: malformed CSV: a quote inside an unquoted field"},
    {PILOTINGEST_DIRAC, CSV_HEAD "r1,ce1,\"Running\"x," CSV_TIMES "\n", PILOTINGEST_EBAD,
     "bad:2:17: malformed CSV: \"x\" after a closing quote"},
    {PILOTINGEST_DIRAC, CSV_HEAD "r1,ce1,Stalled," CSV_TIMES "\n", PILOTINGEST_EBAD,
     "bad:2:8: unknown Status \"Stalled\""},
    {PILOTINGEST_DIRAC, CSV_HEAD "r1,ce1,Running,2026-12-01T08:00:00Z,2026-12-01 09:00:00\n",
     PILOTINGEST_EBAD,
     "bad:2:16: SubmissionTime \"2026-12-01T08:00:00Z\" is not a time YYYY-MM-DD HH:MM:SS"},
    {PILOTINGEST_DIRAC, CSV_HEAD "r1,ce1,Running,1989-12-31 23:59:59,2026-12-01 09:00:00\n",
     PILOTINGEST_EBAD, "bad:2:16: SubmissionTime is before 1990"},
    {PILOTINGEST_DIRAC, CSV_HEAD "r1,ce1,Running,2026-12-01 10:00:00,2026-12-01 09:00:00\n",
     PILOTINGEST_EBAD, "bad:2: the start is before the submission"},
    {PILOTINGEST_DIRAC, CSV_HEAD "\"r\x1b[1m\",ce1,Running," CSV_TIMES "\n", PILOTINGEST_EBAD,
     "bad:2:1: PilotJobReference has a control character at byte 2"},
    {PILOTINGEST_DIRAC, CSV_HEAD ",ce1,Running," CSV_TIMES "\n", PILOTINGEST_EBAD,
     "bad:2:1: PilotJobReference is empty"},
    {PILOTINGEST_DIRAC, CSV_HEAD "r1,\"c\xc3\x28\",Running," CSV_TIMES "\n", PILOTINGEST_EBAD,
     "bad:2:4: DestinationSite is not valid UTF-8 at byte 2"},
    /* auto */
    {PILOTINGEST_AUTO, "\n\nhello, world\n", PILOTINGEST_EFORMAT,
     "bad:3: cannot tell the format from \"hello, world\" (expected '{', '[' or a CSV header "
     "naming PilotJobReference)"},
};

static void test_bad_inputs(void **state)
{
    int wrong = 0;

    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        pilotingest_options o = {.format = c->format, .filename = "bad", .now = NOW_MS};
        pilotingest_reader *r;
        pilotingest_obs obs;
        pilotingest_rc rc;
        char err[256];
        FILE *in = fmemopen((void *)c->input, strlen(c->input), "r");

        if (!*c->input)
            in = fopen("/dev/null", "r");
        assert_non_null(in);
        assert_int_equal(pilotingest_open(in, &o, &r, err, sizeof err), PILOTINGEST_OK);
        do
            rc = pilotingest_next(r, &obs);
        while (rc == PILOTINGEST_OK);
        if (rc != c->rc || strcmp(pilotingest_errmsg(r), c->message) != 0) {
            print_error("case %zu: got %s \"%s\", expected %s \"%s\"\n", i, rc_word(rc),
                        pilotingest_errmsg(r), rc_word(c->rc), c->message);
            wrong++;
        }
        check_message(pilotingest_errmsg(r));
        /* a bad record does not stop the reading; a fatal error does */
        do
            rc = pilotingest_next(r, &obs);
        while (rc == PILOTINGEST_OK || rc == PILOTINGEST_EBAD);
        assert_int_equal(rc, c->rc == PILOTINGEST_EFORMAT ? PILOTINGEST_EFORMAT : PILOTINGEST_END);
        pilotingest_close(r);
        fclose(in);
    }
    assert_int_equal(wrong, 0);
}

/* A record over 1 MiB is refused without being held, and the next is read. */
static void test_long_records(void **state)
{
    static const struct {
        pilotingest_format format;
        const char *head, *fill_open, *fill_close, *next, *message;
    } cases[] = {
        {PILOTINGEST_JSONL, "", "{\"ref\": \"", "\"}\n",
         "{\"ref\": \"p\", \"ce\": \"c\", \"status\": \"running\", \"at\": 1796119200}\n",
         "bad:1: line is longer than 1 MiB"},
        {PILOTINGEST_CONDOR, "[\n", "{\"GlobalJobId\": \"", "\"}\n,\n",
         "{\"GlobalJobId\": \"s#1\", \"QDate\": 1796112000, \"JobStatus\": 1, "
         "\"GlideinEntryName\": \"e\"}\n]\n",
         "bad:2: job ad is longer than 1 MiB"},
        {PILOTINGEST_DIRAC, CSV_HEAD, "\"", "\",c,Running," CSV_TIMES "\n",
         "r,c,Running," CSV_TIMES "\n", "bad:2: CSV record is longer than 1 MiB"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pilotingest_options o = {.format = cases[i].format, .filename = "bad", .now = NOW_MS};
        pilotingest_reader *r;
        pilotingest_obs obs;
        char err[256];
        FILE *in = tmpfile();
        size_t big = 3 * PILOTINGEST_RECORD_MAX;

        assert_non_null(in);
        fputs(cases[i].head, in);
        fputs(cases[i].fill_open, in);
        for (size_t k = 0; k < big; k++)
            fputc('x', in);
        fputs(cases[i].fill_close, in);
        fputs(cases[i].next, in);
        rewind(in);
        assert_int_equal(pilotingest_open(in, &o, &r, err, sizeof err), PILOTINGEST_OK);
        assert_int_equal(pilotingest_next(r, &obs), PILOTINGEST_EBAD);
        assert_string_equal(pilotingest_errmsg(r), cases[i].message);
        assert_int_equal(pilotingest_next(r, &obs), PILOTINGEST_OK);
        assert_string_equal(obs.ce, cases[i].format == PILOTINGEST_CONDOR ? "e" : "c");
        assert_int_equal(pilotingest_next(r, &obs), PILOTINGEST_END);
        /* memory stayed near the limit, not the skipped record's size */
        assert_true(r->in.cap <= 2 * PILOTINGEST_RECORD_MAX + 4 * 64 * 1024);
        pilotingest_close(r);
        fclose(in);
    }
}

/* Names and text: UTF-8 without control characters (C0, DEL, C1). */
static void test_check_text(void **state)
{
    static const struct {
        const char *text;
        size_t len;
        int is_name;
        const char *why; /* NULL: accepted */
    } cases[] = {
        {"ce503.cern.ch", 13, 1, NULL},
        {"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80", 14, 1, NULL},
        {"", 0, 0, NULL},
        {"", 0, 1, "is empty"},
        {"a\tb", 3, 0, "has a control character at byte 2"},
        {"a\x7f", 2, 1, "has a control character at byte 2"},
        {"a\xc2\x9b" "2J", 5, 1, "has a control character at byte 2"},
        {"\xc0\xaf", 2, 1, "is not valid UTF-8 at byte 1"},         /* overlong '/' */
        {"\xe0\x80\xaf", 3, 1, "is not valid UTF-8 at byte 1"},     /* overlong */
        {"\xed\xa0\x80", 3, 1, "is not valid UTF-8 at byte 1"},     /* surrogate */
        {"\xf4\x90\x80\x80", 4, 1, "is not valid UTF-8 at byte 1"}, /* past U+10FFFF */
        {"ab\xe2\x82", 4, 1, "is not valid UTF-8 at byte 3"},        /* cut short */
        {"a\x00b", 3, 0, "has a control character at byte 2"},
    };
    char why[96], name[300];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = pilotingest__check_text(cases[i].text, cases[i].len, cases[i].is_name,
                                                  why, sizeof why);
        if (!got != !cases[i].why || (got && strcmp(got, cases[i].why) != 0))
            fail_msg("case %zu: got \"%s\", expected \"%s\"", i, got ? got : "(ok)",
                     cases[i].why ? cases[i].why : "(ok)");
    }
    memset(name, 'n', sizeof name);
    assert_null(pilotingest__check_text(name, 255, 1, why, sizeof why));
    assert_string_equal(pilotingest__check_text(name, 256, 1, why, sizeof why),
                        "is 256 bytes long; the limit is 255");
    assert_null(pilotingest__check_text(name, 300, 0, why, sizeof why));
}

/* ---- times ------------------------------------------------------------------ */

static void test_iso8601(void **state)
{
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {
        {"2026-12-01T10:00:00Z", INT64_C(1796119200000)},
        {"2026-12-01T11:00:00+01:00", INT64_C(1796119200000)},
        {"2026-12-01T05:30:00-04:30", INT64_C(1796119200000)},
        {"2026-12-01T10:00:00.5Z", INT64_C(1796119200500)},
        {"2026-12-01T10:00:00.123456789Z", INT64_C(1796119200123)},
        {"2024-02-29T00:00:00Z", INT64_C(1709164800000)},
        {"1970-01-01T00:00:00Z", 0},
        {"1969-12-31T23:59:59Z", -1000},
        {"2000-01-01T00:00:00,25Z", INT64_C(946684800250)},
    };
    static const char *const bad[] = {
        "2026-12-01T10:00:00",     "2026-12-01 10:00:00Z",   "2026-12-01T10:00Z",
        "2026-13-01T10:00:00Z",    "2025-02-29T10:00:00Z",   "2026-12-01T24:00:00Z",
        "2026-12-01T10:60:00Z",    "2026-12-01T10:00:60Z",   "2026-12-01T10:00:00.Z",
        "2026-12-01T10:00:00+0100", "2026-12-01T10:00:00+01", "2026-12-01T10:00:00z",
        "2026-12-01T10:00:00Z ",   "",                       "20261201T100000Z",
    };
    char why[96];
    int64_t ms;

    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (pilotingest_parse_iso8601(good[i].text, &ms, why, sizeof why) != PILOTINGEST_OK)
            fail_msg("%s: %s", good[i].text, why);
        assert_int_equal(ms, good[i].ms);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (pilotingest_parse_iso8601(bad[i], &ms, why, sizeof why) != PILOTINGEST_EBAD)
            fail_msg("\"%s\" parsed as %lld", bad[i], (long long)ms);
        assert_int_equal(ms, 0);
    }
    assert_int_equal(pilotingest__parse_utc("2026-12-01 10:00:00", 19, &ms, why, sizeof why), 0);
    assert_int_equal(ms, INT64_C(1796119200000));
    assert_int_equal(pilotingest__parse_utc("2026-12-01 10:00:00Z", 20, &ms, why, sizeof why), -1);
    assert_int_equal(pilotingest__epoch_ms(1796119200.001, &ms), 0);
    assert_int_equal(ms, INT64_C(1796119200001));
}

/* ---- resuming and following -------------------------------------------------- */

/* Reading from any record's end gives the same records as reading through. */
static void check_resume(const char *name, pilotingest_format format)
{
    char path[1024], err[256];
    pilotingest_options o = {.format = format, .filename = name, .now = NOW_MS};
    pilotingest_reader *r;
    pilotingest_obs obs;
    pilotingest_rc rc;
    int64_t ends[64];
    long lines[64], firsts[64];
    size_t n = 0;
    FILE *in;

    data_path(path, sizeof path, name);
    in = fopen(path, "rb");
    assert_non_null(in);
    assert_int_equal(pilotingest_open(in, &o, &r, err, sizeof err), PILOTINGEST_OK);
    while ((rc = pilotingest_next(r, &obs)) == PILOTINGEST_OK || rc == PILOTINGEST_EBAD) {
        assert_true(n < 64);
        ends[n] = pilotingest_offset(r);
        lines[n] = pilotingest_line(r);
        firsts[n] = rc == PILOTINGEST_OK ? obs.line : 0;
        if (rc == PILOTINGEST_OK)
            assert_int_equal(obs.end_offset, ends[n]);
        n++;
    }
    assert_int_equal(rc, PILOTINGEST_END);
    pilotingest_close(r);
    for (size_t k = 0; k + 1 < n; k++) {
        o.start_offset = ends[k];
        o.start_line = lines[k];
        assert_int_equal(fseeko(in, ends[k], SEEK_SET), 0);
        assert_int_equal(pilotingest_open(in, &o, &r, err, sizeof err), PILOTINGEST_OK);
        for (size_t j = k + 1; j < n; j++) {
            rc = pilotingest_next(r, &obs);
            assert_true(rc == PILOTINGEST_OK || rc == PILOTINGEST_EBAD);
            if (rc == PILOTINGEST_OK)
                assert_int_equal(obs.line, firsts[j]);
            assert_int_equal(pilotingest_offset(r), ends[j]);
        }
        assert_int_equal(pilotingest_next(r, &obs), PILOTINGEST_END);
        pilotingest_close(r);
    }
    fclose(in);
}

static void test_resume(void **state)
{
    char err[256];
    pilotingest_options o = {.format = PILOTINGEST_AUTO, .start_offset = 10};
    pilotingest_reader *r;

    (void)state;
    check_resume("pilots.jsonl", PILOTINGEST_JSONL);
    check_resume("condor_q.json", PILOTINGEST_CONDOR);
    check_resume("condor_history.jsonl", PILOTINGEST_CONDOR);
    assert_int_equal(pilotingest_open(stdin, &o, &r, err, sizeof err), PILOTINGEST_EINVAL);
    assert_null(r);
    assert_string_equal(err, "-: resuming mid-input needs the format jsonl or condor");
}

static void append(FILE *f, const char *text)
{
    long at = ftell(f);

    fseek(f, 0, SEEK_END);
    fputs(text, f);
    fflush(f);
    fseek(f, at, SEEK_SET);
}

/* A file that grows: an incomplete record waits, a whole one is read. */
static void test_follow(void **state)
{
    static const struct {
        pilotingest_format format;
        const char *parts[4];
        const char *refs[2];
    } cases[] = {
        {PILOTINGEST_AUTO,
         {"{\"ref\": \"p1\", \"ce\": \"c\", \"sta", "tus\": \"running\", \"at\": 1796119200}\n",
          "{\"ref\": \"p2\", \"ce\": \"c\", \"status\": \"done\", \"at\": 1796119200}",
          "\n"},
         {"p1", "p2"}},
        {PILOTINGEST_AUTO,
         {"[\n{\"GlobalJobId\": \"a\", \"QDate\": 1796112000, ",
          "\"JobStatus\": 1, \"GlideinEntryName\": \"e\"}\n",
          ",\n{\"GlobalJobId\": \"b\", \"QDate\": 1796112000, \"JobStatus\": 1, ",
          "\"GlideinEntryName\": \"e\"}\n]\n"},
         {"a", "b"}},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pilotingest_options o = {.format = cases[i].format, .now = NOW_MS,
                                 .flags = PILOTINGEST_FOLLOW};
        pilotingest_reader *r;
        pilotingest_obs obs;
        char err[256];
        FILE *f = tmpfile();

        assert_non_null(f);
        assert_int_equal(pilotingest_open(f, &o, &r, err, sizeof err), PILOTINGEST_OK);
        assert_int_equal(pilotingest_next(r, &obs), PILOTINGEST_AGAIN);
        /* each record comes in two parts: the first is not enough */
        for (int k = 0; k < 4; k++) {
            append(f, cases[i].parts[k]);
            if (k % 2 == 0) {
                assert_int_equal(pilotingest_next(r, &obs), PILOTINGEST_AGAIN);
                continue;
            }
            assert_int_equal(pilotingest_next(r, &obs), PILOTINGEST_OK);
            assert_string_equal(obs.ref, cases[i].refs[k / 2]);
            /* in follow mode the end of the input is never the end */
            assert_int_equal(pilotingest_next(r, &obs), PILOTINGEST_AGAIN);
        }
        pilotingest_close(r);
        fclose(f);
    }
}

/* ---- the mapping tables and bounded memory ----------------------------------- */

static void test_status_maps(void **state)
{
    pilotingest_format f;
    size_t n;
    const pilotingest_status_row *rows;

    (void)state;
    assert_int_equal(pilotingest_format_parse("auto", &f), PILOTINGEST_OK);
    assert_int_equal(f, PILOTINGEST_AUTO);
    for (int i = 0; i < PILOTINGEST_NFORMATS; i++) {
        assert_int_equal(pilotingest_format_parse(pilotingest_format_name(i), &f),
                         PILOTINGEST_OK);
        assert_int_equal(f, i);
        rows = pilotingest_status_map(f, &n);
        assert_non_null(rows);
        assert_true(n >= 4);
        for (size_t k = 0; k < n; k++)
            assert_true(rows[k].status >= -1 && rows[k].status < PILOT_NSTATUS);
    }
    assert_int_equal(pilotingest_format_parse("csv", &f), PILOTINGEST_EINVAL);
    rows = pilotingest_status_map(PILOTINGEST_DIRAC, &n);
    assert_int_equal(n, 9);
    assert_string_equal(rows[8].word, "Unknown");
    assert_int_equal(rows[8].flags, PILOTINGEST_UNKNOWN);
    rows = pilotingest_status_map(PILOTINGEST_CONDOR, &n);
    assert_int_equal(rows[4].code, 5);
    assert_int_equal(rows[4].flags, PILOTINGEST_HELD);
    assert_null(pilotingest_status_map(PILOTINGEST_AUTO, &n));
    assert_int_equal(n, 0);
}

/* A large condor array is read ad by ad: the buffer stays a few chunks. */
static void test_large_array(void **state)
{
    pilotingest_options o = {.format = PILOTINGEST_AUTO, .now = NOW_MS};
    pilotingest_reader *r;
    pilotingest_obs obs;
    pilotingest_rc rc;
    char err[256], pad[1500];
    int ads = getenv("PILOTDECK_UNDER_VALGRIND") ? 2000 : 20000, seen = 0;
    FILE *f = tmpfile();

    (void)state;
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    fputs("[\n", f);
    for (int i = 0; i < ads; i++)
        fprintf(f,
                "%s{\n  \"Arguments\": \"%s\",\n  \"GlobalJobId\": \"s#%d.0#1\",\n"
                "  \"GlideinEntryName\": \"e%d\",\n  \"JobStatus\": 1,\n"
                "  \"QDate\": 1796112000\n}\n",
                i ? ",\n" : "", pad, i, i % 50);
    fputs("]\n", f);
    rewind(f);
    assert_int_equal(pilotingest_open(f, &o, &r, err, sizeof err), PILOTINGEST_OK);
    while ((rc = pilotingest_next(r, &obs)) == PILOTINGEST_OK)
        seen++;
    assert_int_equal(rc, PILOTINGEST_END);
    assert_int_equal(seen, ads);
    assert_true(r->in.cap <= 4 * 64 * 1024);
    pilotingest_close(r);
    fclose(f);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest corpus[] = {
        cmocka_unit_test(test_corpus_condor),
        cmocka_unit_test(test_corpus_dirac),
        cmocka_unit_test(test_corpus_jsonl),
    };
    const struct CMUnitTest bad[] = {
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_long_records),
        cmocka_unit_test(test_check_text),
        cmocka_unit_test(test_iso8601),
    };
    const struct CMUnitTest stream[] = {
        cmocka_unit_test(test_resume),
        cmocka_unit_test(test_follow),
        cmocka_unit_test(test_status_maps),
        cmocka_unit_test(test_large_array),
    };
    const struct fx_group groups[] = {
        FX_GROUP("corpus", corpus, NULL, NULL),
        FX_GROUP("bad", bad, NULL, NULL),
        FX_GROUP("stream", stream, NULL, NULL),
    };

    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
