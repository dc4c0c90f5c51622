/*
 * fuzz_ingest.c - libFuzzer entry point for the readers of libpilotingest.
 *
 * The input is read through a FILE* four times: with auto detection and as
 * each of jsonl, condor and dirac, every record to the end.  Besides what
 * the sanitizers catch, the readers' contract is checked, and a broken one
 * aborts:
 *  - an observation has a status, a ref and a CE of 1..255 bytes, no
 *    control byte in any string, times whose kinds match their values and
 *    never go back, and offsets inside the input;
 *  - every call that returns a record (good or bad) moves the offset on, so
 *    reading ends;
 *  - a message is "<fuzz>:LINE[:COL]: text" with LINE a line of the input,
 *    and holds no control byte;
 *  - jsonl and condor read from a record's end offset give the same records
 *    as reading through.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_message.h"
#include "pilotingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FILENAME "<fuzz>"
#define MAX_ENDS 256

static void contract_broken(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_ingest: %s: %s\n", what, detail ? detail : "");
    abort();
}

static void check_string(const char *s, int is_name, const char *what)
{
    size_t n;

    if (!s) {
        if (is_name == 2)
            contract_broken("observation without", what);
        return;
    }
    n = strlen(s);
    if (is_name && (n == 0 || n > PILOTINGEST_NAME_MAX))
        contract_broken("name of a bad length", what);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            contract_broken("control byte in", what);
    }
}

static void check_time(pilotingest_time t)
{
    int has_at = t.kind == PILOTINGEST_TIME_EXACT || t.kind == PILOTINGEST_TIME_OBSERVED;

    if (t.kind < PILOTINGEST_TIME_NONE || t.kind > PILOTINGEST_TIME_OBSERVED)
        contract_broken("time of no kind", "");
    if (has_at != (t.at != PILOTDB_NO_TIME))
        contract_broken("time kind and value disagree", "");
}

static void check_obs(const pilotingest_obs *o, size_t size)
{
    const pilotingest_time *t[3] = {&o->submitted, &o->started, &o->ended};

    if (o->status < PILOT_SUBMITTED || o->status > PILOT_FAILED)
        contract_broken("status out of range", "");
    check_string(o->ref, 2, "ref");
    check_string(o->ce, 2, "ce");
    check_string(o->site, 1, "site");
    check_string(o->reason, 0, "reason");
    check_string(o->source_status, 1, "source_status");
    for (int i = 0; i < 3; i++) {
        check_time(*t[i]);
        for (int j = 0; j < i; j++) {
            if (t[i]->at != PILOTDB_NO_TIME && t[j]->at != PILOTDB_NO_TIME && t[i]->at < t[j]->at)
                contract_broken("times go back", o->ref);
        }
    }
    if (o->offset < 0 || o->end_offset <= o->offset || (size_t)o->end_offset > size)
        contract_broken("record offsets outside the input", o->ref);
}

/* "<fuzz>:LINE[:COL]: text" with 1 <= LINE <= lines, printable. */
static void check_message(const char *err, long lines)
{
    const char *problem = fuzz_message_problem(err, FUZZ_FILENAME, lines,
                                                 FUZZ_MESSAGE_COLUMN | FUZZ_MESSAGE_PRINTABLE);

    if (problem)
        contract_broken(problem, err);
}

static FILE *open_input(const uint8_t *data, size_t size)
{
    /* fmemopen() may refuse a size of 0 */
    return size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
}

/* Read the whole input as format from offset start; the end offset after
 * each record (good or bad) goes to ends[] (up to MAX_ENDS), their count is
 * returned. */
static size_t read_all(const uint8_t *data, size_t size, long lines, pilotingest_format format,
                       int64_t start, long start_line, int64_t *ends, pilotingest_rc *rcs)
{
    pilotingest_options o = {.format = format, .filename = FUZZ_FILENAME,
                             .now = INT64_C(1796515200000), /* 2026-12-06 */
                             .start_offset = start, .start_line = start_line};
    pilotingest_reader *r;
    pilotingest_obs obs;
    pilotingest_rc rc;
    int64_t offset = start;
    size_t n = 0;
    char err[256];
    FILE *in = open_input(data, size);

    if (!in)
        return 0;
    if (start > 0 && fseeko(in, start, SEEK_SET) != 0)
        contract_broken("cannot seek", "");
    if (pilotingest_open(in, &o, &r, err, sizeof err) != PILOTINGEST_OK)
        contract_broken("open failed", err);
    for (;;) {
        rc = pilotingest_next(r, &obs);
        if (rc == PILOTINGEST_END)
            break;
        if (rc == PILOTINGEST_OK) {
            check_obs(&obs, size);
            if (obs.end_offset != pilotingest_offset(r))
                contract_broken("end offset is not the reader's offset", obs.ref);
        } else if (rc == PILOTINGEST_EBAD || rc == PILOTINGEST_EFORMAT) {
            check_message(pilotingest_errmsg(r), lines);
        } else {
            contract_broken("unexpected result", pilotingest_errmsg(r));
        }
        if (rc == PILOTINGEST_EFORMAT) {
            if (pilotingest_next(r, &obs) != PILOTINGEST_EFORMAT)
                contract_broken("a fatal error did not stay", "");
            break;
        }
        if (pilotingest_offset(r) <= offset)
            contract_broken("a record did not move the offset", pilotingest_errmsg(r));
        offset = pilotingest_offset(r);
        if (ends && n < MAX_ENDS) {
            ends[n] = offset;
            rcs[n] = rc;
        }
        n++;
    }
    if ((size_t)pilotingest_offset(r) > size)
        contract_broken("offset past the input", "");
    pilotingest_close(r);
    fclose(in);
    return n;
}

/* Resuming at a record's end reads the records that followed it. */
static void check_resume(const uint8_t *data, size_t size, long lines, pilotingest_format f)
{
    int64_t ends[MAX_ENDS], again[MAX_ENDS];
    pilotingest_rc rcs[MAX_ENDS], again_rcs[MAX_ENDS];
    size_t n = read_all(data, size, lines, f, 0, 1, ends, rcs), k, m;
    long line = 1;

    if (n < 2 || n > MAX_ENDS)
        return;
    k = n / 2 - 1;
    for (size_t i = 0; i < (size_t)ends[k]; i++)
        line += data[i] == '\n';
    m = read_all(data, size, lines, f, ends[k], line, again, again_rcs);
    if (m != n - k - 1)
        contract_broken("a resumed reading has another number of records", "");
    for (size_t i = 0; i < m; i++) {
        if (again[i] != ends[k + 1 + i] || again_rcs[i] != rcs[k + 1 + i])
            contract_broken("a resumed reading has other records", "");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long lines = 1;

    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    read_all(data, size, lines, PILOTINGEST_AUTO, 0, 1, NULL, NULL);
    read_all(data, size, lines, PILOTINGEST_DIRAC, 0, 1, NULL, NULL);
    check_resume(data, size, lines, PILOTINGEST_JSONL);
    check_resume(data, size, lines, PILOTINGEST_CONDOR);
    return 0;
}
