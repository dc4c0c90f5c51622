/*
 * fuzz_scenario.c - libFuzzer entry point for the scenario parser.
 *
 * The input is copied into a NUL-terminated string and handed to
 * sim_scenario_parse().  Besides what the sanitizers catch, the parser's
 * contract is checked: either SIM_OK with a scenario that has a name, a
 * duration and at least one CE, or an error with *out NULL and a message
 * of the form "<fuzz>:LINE: ..." with LINE at least 1.  A broken contract
 * aborts, which libFuzzer (and the replay driver) report as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pilotsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FILENAME "<fuzz>"

static void contract_broken(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_scenario: %s: %s\n", what, detail);
    abort();
}

/* Check the error message: "<fuzz>:LINE: text" with LINE >= 1. */
static void check_message(const char *err)
{
    size_t prefix = strlen(FUZZ_FILENAME ":");
    char *end;
    long line;

    if (strncmp(err, FUZZ_FILENAME ":", prefix) != 0)
        contract_broken("message does not start with the file name", err);
    line = strtol(err + prefix, &end, 10);
    if (end == err + prefix || *end != ':')
        contract_broken("message has no line number", err);
    if (line < 1)
        contract_broken("message names line 0 or less", err);
    if (end[1] != ' ' || end[2] == '\0')
        contract_broken("message has no text after the line", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char err[512];
    sim_scenario *scn = (sim_scenario *)1;
    sim_rc rc;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    err[0] = '\0';
    rc = sim_scenario_parse(text, FUZZ_FILENAME, &scn, err, sizeof err);
    if (rc == SIM_OK) {
        size_t i, n;
        if (!scn)
            contract_broken("SIM_OK without a scenario", "");
        if (!sim_scenario_name(scn) || sim_scenario_duration(scn) <= 0)
            contract_broken("scenario without a name or a duration", "");
        n = sim_scenario_ce_count(scn);
        if (n == 0)
            contract_broken("scenario without CEs", "");
        for (i = 0; i < n; i++) {
            const char *name = sim_scenario_ce_name(scn, i);
            if (!name || !name[0] || strlen(name) > PILOTDB_NAME_MAX)
                contract_broken("CE name empty or too long", name ? name : "(null)");
        }
        sim_scenario_free(scn);
    } else {
        if (scn)
            contract_broken("error with a scenario returned", err);
        if (rc != SIM_EPARSE && rc != SIM_ENOMEM)
            contract_broken("unexpected result code", err);
        check_message(err);
    }
    free(text);
    return 0;
}
