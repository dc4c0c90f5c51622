/*
 * fuzz_scenario.c - libFuzzer entry point for the scenario parser.
 *
 * The input is copied into a NUL-terminated string and handed to
 * sim_scenario_parse().  Besides what the sanitizers catch, the parser's
 * contract is checked: either SIM_OK with a scenario that has a name, a
 * duration and at least one CE whose name the database accepts (so that
 * whatever parses can be simulated), or an error with *out NULL and a
 * message "<fuzz>:LINE: ..." with LINE a line of the input.  A broken
 * contract aborts, which libFuzzer (and the replay driver) report as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_message.h"
#include "pilotsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FILENAME "<fuzz>"

static void contract_broken(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_scenario: %s: %s\n", what, detail);
    abort();
}

/* Check the error message: "<fuzz>:LINE: text" with 1 <= LINE <= lines. */
static void check_message(const char *err, long lines)
{
    const char *problem = fuzz_message_problem(err, FUZZ_FILENAME, lines, 0);

    if (problem)
        contract_broken(problem, err);
}

/* The database's own check of CE names, on an in-memory database opened
 * once and never written (each add is rolled back). */
static void check_ce_names(const sim_scenario *scn)
{
    static pilotdb *db;
    char err[256];
    size_t i, n = sim_scenario_ce_count(scn);

    if (!db && pilotdb_open(":memory:", PILOTDB_OPEN_CREATE, &db, err, sizeof err) != PILOTDB_OK)
        contract_broken("cannot open an in-memory database", err);
    if (pilotdb_begin(db) != PILOTDB_OK)
        contract_broken("begin", pilotdb_errmsg(db));
    /* groups repeat one name with a number: the first 16 CEs say enough */
    for (i = 0; i < n && i < 16; i++) {
        const char *name = sim_scenario_ce_name(scn, i);
        if (!name || pilotdb_ce_add(db, name, 1, 1.0, 1, NULL) != PILOTDB_OK)
            contract_broken("the database refuses a CE name the parser accepted",
                            pilotdb_errmsg(db));
    }
    if (pilotdb_rollback(db) != PILOTDB_OK)
        contract_broken("rollback", pilotdb_errmsg(db));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char err[512];
    sim_scenario *scn = (sim_scenario *)1;
    sim_rc rc;
    long lines = 1;
    size_t i;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    err[0] = '\0';
    rc = sim_scenario_parse(text, FUZZ_FILENAME, &scn, err, sizeof err);
    if (rc == SIM_OK) {
        size_t n;
        if (!scn)
            contract_broken("SIM_OK without a scenario", "");
        if (!sim_scenario_name(scn) || sim_scenario_duration(scn) <= 0)
            contract_broken("scenario without a name or a duration", "");
        n = sim_scenario_ce_count(scn);
        if (n == 0)
            contract_broken("scenario without CEs", "");
        check_ce_names(scn);
        sim_scenario_free(scn);
    } else {
        if (scn)
            contract_broken("error with a scenario returned", err);
        if (rc != SIM_EPARSE && rc != SIM_ENOMEM)
            contract_broken("unexpected result code", err);
        for (i = 0; i < size; i++)
            lines += text[i] == '\n';
        check_message(err, lines);
    }
    free(text);
    return 0;
}
