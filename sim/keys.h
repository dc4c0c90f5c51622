/*
 * keys.h - the scenario keys (private to libpilotsim): one table row per key,
 * read by the scenario parser, by sim_scenario_set() and by the reports.
 */
#ifndef PILOTSIM_KEYS_H
#define PILOTSIM_KEYS_H

#include <stddef.h>

#include "scenario.h"

/* The sections a key may appear in (bits of sim_key.sections). */
#define SIM_IN_SCENARIO 1u
#define SIM_IN_CE 2u
#define SIM_IN_GROUP 4u
#define SIM_IN_EVENT 8u

/* The structure a section fills: a key's field is at offset[] in it. */
enum sim_key_struct { SIM_STRUCT_SCENARIO, SIM_STRUCT_CE, SIM_STRUCT_EVENT, SIM_NSTRUCTS };

enum sim_key_type {
    SIM_KEY_STRING, SIM_KEY_INT, SIM_KEY_REAL, SIM_KEY_DURATION, SIM_KEY_BOOL,
    SIM_KEY_DIST, SIM_KEY_POLICY, SIM_KEY_FAILURE, SIM_KEY_ROUTING, SIM_KEY_RUNNING,
    SIM_KEY_CE_NAME
};

/* A [ce NAME] (count 0) or [group NAME] (count >= 1) section as read. */
struct sim_ce_entry {
    struct sim_ce_spec spec;   /* first: a CE key's offset is also into the spec */
    int64_t count;
    int is_group;
    int capacity_line;         /* 0 until capacity is given */
    int rate_line;             /* 0 until arrival_rate is given */
};

struct sim_key {
    const char *name;
    enum sim_key_type type;
    unsigned sections;         /* SIM_IN_* bits */
    size_t offset[SIM_NSTRUCTS]; /* of its field, in each structure it is in */
    double min, max;           /* SIM_KEY_INT, _REAL, _DURATION (ms) */
    const char *unit;          /* of the value, for help; NULL if none */
    const char *dflt;          /* the default in [scenario], [ce] and [group],
                                * written as in a file; NULL: none or special */
    const char *help;          /* one line */
    int settable;              /* sim_scenario_set() takes it */
    unsigned set_bit;          /* in [event]: the PILOTDB_SET_ bit it sets */
};

/* The number of keys, which sizes per-key arrays: a row added to the table
 * raises it (too many rows do not compile; test_scenario checks the count). */
#define SIM_NKEYS 26

/* The table, ended by a row whose name is NULL. */
extern const struct sim_key sim__keys[SIM_NKEYS + 1];

/* The structure a section bit's keys fill. */
enum sim_key_struct sim__key_struct(unsigned section);

/* The key named name in section (a SIM_IN_ bit), or NULL. */
const struct sim_key *sim__key_find(unsigned section, const char *name);

/* The key that fills the field at offset of the structure that section's
 * keys fill (offsetof(struct sim_scenario, seed): the seed); NULL if none. */
const struct sim_key *sim__key_of(unsigned section, size_t offset);

/* The name of the key that fills a field of struct sim_scenario, of a CE
 * (struct sim_ce_entry) or of struct sim_event_spec, for messages and
 * reports: code names a key by its field, never by a string of its own. */
#define SIM_SCN_KEY(field) sim__key_name(SIM_IN_SCENARIO, \
                                         offsetof(struct sim_scenario, field))
#define SIM_CE_KEY(field) sim__key_name(SIM_IN_GROUP, offsetof(struct sim_ce_entry, field))
#define SIM_EV_KEY(field) sim__key_name(SIM_IN_EVENT, \
                                        offsetof(struct sim_event_spec, field))

/* sim__key_of(section, offset)->name; the key must exist. */
const char *sim__key_name(unsigned section, size_t offset);

/* What sim__key_parse() found. */
enum { SIM_KEY_OK = 0, SIM_KEY_BAD = -1, SIM_KEY_RANGE = -2, SIM_KEY_NOMEM = -3 };

/*
 * Parse value, written as in a scenario file, as key's type into field
 * (key's field in its section's structure; a string field's old value is
 * freed), and check its range.  SIM_KEY_OK, or SIM_KEY_BAD (not such a
 * value), SIM_KEY_RANGE (out of range) or SIM_KEY_NOMEM with field untouched
 * and what is wrong with the value in why ("'x' is not a number", "2 is out
 * of range (0 to 1)", "out of memory").  Messages name the key with
 * sim__key_sep() between the name and why.
 */
int sim__key_parse(const struct sim_key *key, const char *value, void *field, char *why,
                   size_t why_size);

/* Write field, a value of key's type, as a scenario file would give it
 * (sim__key_parse() reads it back to the same value; a distribution's
 * parameters are written in whole ms). */
void sim__key_format(const struct sim_key *key, const void *field, char *buf, size_t size);

/* The text between a key's name and a why of sim__key_parse(): " = ", ": " or " ". */
const char *sim__key_sep(const struct sim_key *key);

/* Check the number v, shown as shown, against key's range: SIM_KEY_OK, or
 * SIM_KEY_RANGE with "SHOWN is out of range (MIN to MAX)" in why. */
int sim__key_check_range(const struct sim_key *key, double v, const char *shown, char *why,
                         size_t why_size);

/* Set every key of section (SIM_IN_SCENARIO or SIM_IN_CE) that has a default
 * to it, in the structure base. */
void sim__key_defaults(unsigned section, void *base);

/* Non-zero if name is 1 to max bytes of well-formed UTF-8 without control
 * characters (what the database takes as a CE name). */
int sim__valid_name(const char *name, size_t max);

/* Write the names of section's settable keys, ", " between them, into buf
 * (always terminated). */
void sim__key_list(unsigned section, char *buf, size_t size);

#endif
