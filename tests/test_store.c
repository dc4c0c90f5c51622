/*
 * test_store.c - the contract of the engine's store (sim/store.h), run on
 * both implementations: the adapter over a pilot database and the store in
 * memory.  CEs added and listed in name order, submissions and the capacity
 * rule, refusals (full, disabled, unknown) in pilotdb's order and changing
 * nothing, moves along the state machine and the moves it refuses, counts
 * and free slots, and transactions (commit keeps, rollback puts back).
 * Each implementation is a group (a CTest test of its own).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "store.h"

struct fixture {
    pilotdb *db;          /* the sqlite group's database, else NULL */
    struct sim_store *st;
};

static int setup_sqlite(void **state)
{
    static struct fixture fx;

    fx.db = fx_template_db();
    fx.st = sim_store_sqlite_new(fx.db);
    assert_non_null(fx.st);
    *state = &fx;
    return 0;
}

static int setup_memory(void **state)
{
    static struct fixture fx;

    fx.db = NULL;
    fx.st = sim_store_memory_new();
    assert_non_null(fx.st);
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    sim_store_free(fx->st);
    if (fx->db)
        fx_close(fx->db);
    return 0;
}

static struct sim_store *store(void **state)
{
    return ((struct fixture *)*state)->st;
}

/* The listed CE of name; fails the test if there is none. */
static struct sim_store_ce ce_named(struct sim_store *st, const char *name)
{
    const struct sim_store_ce *list;
    size_t n, i;

    assert_int_equal(st->ops->ce_list(st, &list, &n), PILOTDB_OK);
    for (i = 0; i < n; i++)
        if (strcmp(list[i].name, name) == 0)
            return list[i];
    fail_msg("no CE named '%s' in the listing", name);
    return list[0];
}

static int64_t add(struct sim_store *st, const char *name, int64_t capacity, int enabled)
{
    int64_t id = 0;

    assert_int_equal(st->ops->ce_add(st, name, capacity, 0.9, enabled, &id), PILOTDB_OK);
    assert_true(id > 0);
    return id;
}

static int64_t submit(struct sim_store *st, int64_t ce, const char *name)
{
    int64_t pilot = 0;

    assert_int_equal(st->ops->submit(st, ce, name, &pilot), PILOTDB_OK);
    assert_true(pilot > 0);
    return pilot;
}

static void assert_counts(struct sim_store *st, const char *name, int64_t submitted,
                          int64_t running, int64_t done, int64_t failed, int64_t available)
{
    struct sim_store_ce ce = ce_named(st, name);

    assert_int_equal(ce.count[PILOT_SUBMITTED], submitted);
    assert_int_equal(ce.count[PILOT_RUNNING], running);
    assert_int_equal(ce.count[PILOT_DONE], done);
    assert_int_equal(ce.count[PILOT_FAILED], failed);
    assert_int_equal(ce.available, available);
}

/* Added in any order, listed in byte order with their configuration;
 * duplicates and bad arguments refused. */
static void test_add_list(void **state)
{
    struct sim_store *st = store(state);
    const struct sim_store_ce *list;
    int64_t b = add(st, "ce-b", 3, 1), a = add(st, "ce-a", 2, 0), c = add(st, "CE-c", 0, 1);
    int64_t id = 7;
    size_t n;

    assert_true(a != b && b != c && a != c);
    assert_int_equal(st->ops->ce_list(st, &list, &n), PILOTDB_OK);
    assert_int_equal(n, 3);
    assert_string_equal(list[0].name, "CE-c");
    assert_string_equal(list[1].name, "ce-a");
    assert_string_equal(list[2].name, "ce-b");
    assert_int_equal(list[1].id, a);
    assert_int_equal(list[1].capacity, 2);
    assert_int_equal(list[1].enabled, 0);
    assert_int_equal(list[1].available, 0); /* disabled */
    assert_int_equal(list[2].available, 3);
    assert_true(list[2].success_rate == 0.9);
    assert_int_equal(st->ops->ce_add(st, "ce-a", 1, 0.5, 1, &id), PILOTDB_EEXISTS);
    assert_int_equal(id, 0);
    assert_int_equal(st->ops->ce_add(st, "", 1, 0.5, 1, NULL), PILOTDB_EINVAL);
    assert_int_equal(st->ops->ce_add(st, "x\ty", 1, 0.5, 1, NULL), PILOTDB_EINVAL);
    assert_int_equal(st->ops->ce_add(st, "neg", -1, 0.5, 1, NULL), PILOTDB_EINVAL);
    assert_int_equal(st->ops->ce_add(st, "rate", 1, 1.5, 1, NULL), PILOTDB_EINVAL);
    assert_int_equal(st->ops->ce_list(st, &list, &n), PILOTDB_OK);
    assert_int_equal(n, 3);
}

/* Submissions fill a CE to its capacity, then are refused as full; every
 * refusal changes nothing; disabled comes before full, unknown first. */
static void test_submit_refusals(void **state)
{
    struct sim_store *st = store(state);
    int64_t full = add(st, "full", 2, 1), off = add(st, "off", 2, 0), zero = add(st, "zero", 0, 1);
    int64_t p1 = submit(st, full, "full"), p2 = submit(st, full, "full"), pilot = 5;
    pilotdb_ce_change disable = {PILOTDB_SET_ENABLED, 0, 0, 0};

    assert_true(p1 != p2);
    assert_counts(st, "full", 2, 0, 0, 0, 0);
    assert_int_equal(st->ops->submit(st, full, "full", &pilot), PILOTDB_EFULL);
    assert_int_equal(pilot, 0);
    assert_int_equal(st->ops->submit(st, zero, "zero", NULL), PILOTDB_EFULL);
    assert_int_equal(st->ops->submit(st, off, "off", NULL), PILOTDB_EDISABLED);
    assert_int_equal(st->ops->submit(st, 999, "nowhere", NULL), PILOTDB_ENOTFOUND);
    assert_true(st->ops->errmsg(st)[0] != '\0');
    /* disabled and full: disabled */
    assert_int_equal(st->ops->ce_update(st, full, "full", &disable), PILOTDB_OK);
    assert_int_equal(st->ops->submit(st, full, "full", NULL), PILOTDB_EDISABLED);
    assert_counts(st, "full", 2, 0, 0, 0, 0);
    assert_counts(st, "off", 0, 0, 0, 0, 0);
    assert_counts(st, "zero", 0, 0, 0, 0, 0);
}

/* The state machine: the four moves it allows, with the counts and free
 * slots they leave; the moves it refuses change nothing. */
static void test_moves(void **state)
{
    struct sim_store *st = store(state);
    int64_t ce = add(st, "ce", 4, 1), other = add(st, "other", 1, 1);
    int64_t a = submit(st, ce, "ce"), b = submit(st, ce, "ce"), c = submit(st, ce, "ce");
    int64_t d = submit(st, ce, "ce");

    assert_int_equal(st->ops->submit(st, ce, "ce", NULL), PILOTDB_EFULL);
    assert_int_equal(st->ops->move(st, a, ce, PILOT_SUBMITTED, PILOT_RUNNING), PILOTDB_OK);
    assert_int_equal(st->ops->move(st, b, ce, PILOT_SUBMITTED, PILOT_RUNNING), PILOTDB_OK);
    assert_int_equal(st->ops->move(st, c, ce, PILOT_SUBMITTED, PILOT_FAILED), PILOTDB_OK);
    assert_counts(st, "ce", 1, 2, 0, 1, 1);
    assert_int_equal(st->ops->move(st, a, ce, PILOT_RUNNING, PILOT_DONE), PILOTDB_OK);
    assert_int_equal(st->ops->move(st, b, ce, PILOT_RUNNING, PILOT_FAILED), PILOTDB_OK);
    assert_counts(st, "ce", 1, 0, 1, 2, 3);

    /* refused, in pilotdb's order */
    assert_int_equal(st->ops->move(st, 1000000, ce, PILOT_SUBMITTED, PILOT_RUNNING),
                     PILOTDB_ENOTFOUND);
    assert_int_equal(st->ops->move(st, d, ce, PILOT_SUBMITTED, 7), PILOTDB_EINVAL);
    assert_int_equal(st->ops->move(st, d, 999, PILOT_SUBMITTED, PILOT_RUNNING), PILOTDB_EINVAL);
    assert_int_equal(st->ops->move(st, d, ce, PILOT_SUBMITTED, PILOT_DONE), PILOTDB_ETRANSITION);
    assert_int_equal(st->ops->move(st, d, ce, PILOT_SUBMITTED, PILOT_SUBMITTED),
                     PILOTDB_ETRANSITION);
    assert_int_equal(st->ops->move(st, d, ce, PILOT_RUNNING, PILOT_DONE), PILOTDB_ETRANSITION);
    assert_int_equal(st->ops->move(st, a, ce, PILOT_DONE, PILOT_RUNNING), PILOTDB_ETRANSITION);
    assert_counts(st, "ce", 1, 0, 1, 2, 3);
    assert_counts(st, "other", 0, 0, 0, 0, 1);
    (void)other;
}

/* Changes of capacity, rate and enabled: the free slots follow, a capacity
 * below the active pilots leaves none; bad changes refused. */
static void test_update(void **state)
{
    struct sim_store *st = store(state);
    int64_t ce = add(st, "ce", 3, 1);
    pilotdb_ce_change shrink = {PILOTDB_SET_CAPACITY, 1, 0, 0};
    pilotdb_ce_change rate = {PILOTDB_SET_SUCCESS_RATE, 0, 0.25, 0};
    pilotdb_ce_change grow_off = {PILOTDB_SET_CAPACITY | PILOTDB_SET_ENABLED, 10, 0, 0};
    pilotdb_ce_change on = {PILOTDB_SET_ENABLED, 0, 0, 1};
    pilotdb_ce_change nothing = {0, 0, 0, 0};
    pilotdb_ce_change negative = {PILOTDB_SET_CAPACITY, -2, 0, 0};
    pilotdb_ce_change bad_rate = {PILOTDB_SET_SUCCESS_RATE, 0, 2.0, 0};

    submit(st, ce, "ce");
    submit(st, ce, "ce");
    assert_int_equal(st->ops->ce_update(st, ce, "ce", &shrink), PILOTDB_OK);
    assert_counts(st, "ce", 2, 0, 0, 0, 0);
    assert_int_equal(st->ops->submit(st, ce, "ce", NULL), PILOTDB_EFULL);
    assert_int_equal(st->ops->ce_update(st, ce, "ce", &rate), PILOTDB_OK);
    assert_true(ce_named(st, "ce").success_rate == 0.25);
    assert_int_equal(st->ops->ce_update(st, ce, "ce", &grow_off), PILOTDB_OK);
    assert_int_equal(ce_named(st, "ce").capacity, 10);
    assert_counts(st, "ce", 2, 0, 0, 0, 0);
    assert_int_equal(st->ops->ce_update(st, ce, "ce", &on), PILOTDB_OK);
    assert_counts(st, "ce", 2, 0, 0, 0, 8);
    assert_int_equal(st->ops->ce_update(st, ce, "ce", &nothing), PILOTDB_EINVAL);
    assert_int_equal(st->ops->ce_update(st, ce, "ce", &negative), PILOTDB_EINVAL);
    assert_int_equal(st->ops->ce_update(st, ce, "ce", &bad_rate), PILOTDB_EINVAL);
    assert_int_equal(st->ops->ce_update(st, 999, "nowhere", &on), PILOTDB_ENOTFOUND);
    assert_int_equal(ce_named(st, "ce").capacity, 10);
    assert_true(ce_named(st, "ce").success_rate == 0.25);
}

/* A rollback puts back the CEs added, the changes and the counts; a
 * commit keeps them; transactions do not nest. */
static void test_transactions(void **state)
{
    struct sim_store *st = store(state);
    int64_t ce = add(st, "ce", 5, 1), pilot;
    pilotdb_ce_change shrink = {PILOTDB_SET_CAPACITY | PILOTDB_SET_ENABLED, 1, 0, 0};
    const struct sim_store_ce *list;
    size_t n;

    pilot = submit(st, ce, "ce");
    assert_int_equal(st->ops->in_transaction(st), 0);
    assert_int_equal(st->ops->commit(st), PILOTDB_EMISUSE);
    assert_int_equal(st->ops->rollback(st), PILOTDB_EMISUSE);

    assert_int_equal(st->ops->begin(st), PILOTDB_OK);
    assert_int_equal(st->ops->in_transaction(st), 1);
    assert_int_equal(st->ops->begin(st), PILOTDB_EMISUSE);
    submit(st, ce, "ce");
    assert_int_equal(st->ops->move(st, pilot, ce, PILOT_SUBMITTED, PILOT_RUNNING), PILOTDB_OK);
    assert_int_equal(st->ops->ce_update(st, ce, "ce", &shrink), PILOTDB_OK);
    add(st, "a-new", 1, 1);
    add(st, "z-new", 1, 1);
    assert_int_equal(st->ops->ce_list(st, &list, &n), PILOTDB_OK);
    assert_int_equal(n, 3);
    assert_int_equal(st->ops->rollback(st), PILOTDB_OK);
    assert_int_equal(st->ops->in_transaction(st), 0);
    assert_int_equal(st->ops->ce_list(st, &list, &n), PILOTDB_OK);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].capacity, 5);
    assert_int_equal(list[0].enabled, 1);
    assert_counts(st, "ce", 1, 0, 0, 0, 4);

    assert_int_equal(st->ops->begin(st), PILOTDB_OK);
    assert_int_equal(st->ops->move(st, pilot, ce, PILOT_SUBMITTED, PILOT_RUNNING), PILOTDB_OK);
    submit(st, ce, "ce");
    add(st, "b-new", 2, 1);
    assert_int_equal(st->ops->commit(st), PILOTDB_OK);
    assert_counts(st, "ce", 1, 1, 0, 0, 3);
    assert_counts(st, "b-new", 0, 0, 0, 0, 2);

    /* a failed call inside a transaction leaves it open and the rest kept */
    assert_int_equal(st->ops->begin(st), PILOTDB_OK);
    submit(st, ce, "ce");
    assert_int_equal(st->ops->submit(st, 999, "nowhere", NULL), PILOTDB_ENOTFOUND);
    assert_int_equal(st->ops->in_transaction(st), 1);
    assert_int_equal(st->ops->commit(st), PILOTDB_OK);
    assert_counts(st, "ce", 2, 1, 0, 0, 2);
}

/* start(): opens the transaction that adds the CEs, on the given clock. */
static int64_t clock_at(void *arg)
{
    return *(const int64_t *)arg;
}

static void test_start(void **state)
{
    struct sim_store *st = store(state);
    static int64_t now = 1234;

    assert_int_equal(st->ops->start(st, clock_at, &now), PILOTDB_OK);
    assert_int_equal(st->ops->in_transaction(st), 1);
    add(st, "ce", 1, 1);
    assert_int_equal(st->ops->commit(st), PILOTDB_OK);
    assert_counts(st, "ce", 0, 0, 0, 0, 1);
}

#define CONTRACT(setup)                                                        \
    {                                                                          \
        cmocka_unit_test_setup_teardown(test_add_list, setup, teardown),       \
        cmocka_unit_test_setup_teardown(test_submit_refusals, setup, teardown), \
        cmocka_unit_test_setup_teardown(test_moves, setup, teardown),          \
        cmocka_unit_test_setup_teardown(test_update, setup, teardown),         \
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),   \
        cmocka_unit_test_setup_teardown(test_start, setup, teardown),          \
    }

int main(int argc, char **argv)
{
    static const struct CMUnitTest sqlite_tests[] = CONTRACT(setup_sqlite);
    static const struct CMUnitTest memory_tests[] = CONTRACT(setup_memory);
    static const struct fx_group groups[] = {
        FX_GROUP("sqlite", sqlite_tests, NULL, NULL),
        FX_GROUP("memory", memory_tests, NULL, NULL),
    };

    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
