/*
 * test_boundaries.c - the edges of libpilotdb's input ranges: capacities 0,
 * 1, INT_MAX and beyond, success rates at and just past [0, 1], CE names of
 * 0, 255 and 256 bytes (ASCII and multi-byte UTF-8) in every call that takes
 * one, and a million pilots on one CE in one transaction.
 *
 * Groups: capacity, names, million.  Under valgrind
 * (PILOTDECK_UNDER_VALGRIND set) the million becomes 5,000 pilots and under
 * AddressSanitizer 100,000, so that the same code still runs in the memcheck
 * twin and the ASan build within their time (they look for memory errors,
 * not for scale).
 */
#include <float.h>
#include <limits.h>
#include <math.h>
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
#include "pilotdb.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* ---- helpers ------------------------------------------------------------- */

/* Call rc must be want, with a message mentioning needle. */
static void expect_refusal(pilotdb *db, pilotdb_rc got, pilotdb_rc want,
                           const char *needle, const char *what)
{
    if (got != want)
        fail_msg("%s: got %s (%s), wanted %s", what, pilotdb_rc_str(got),
                 pilotdb_errmsg(db), pilotdb_rc_str(want));
    if (needle && !strstr(pilotdb_errmsg(db), needle))
        fail_msg("%s: message '%s' does not mention '%s'", what,
                 pilotdb_errmsg(db), needle);
}

/* The CE's counters: capacity, active and free slots as read back. */
static void expect_ce(pilotdb *db, const char *name, int64_t capacity,
                      int64_t active, int64_t available)
{
    pilotdb_ce ce;

    fx_ok(db, pilotdb_ce_get(db, name, &ce));
    assert_int_equal(ce.capacity, capacity);
    assert_int_equal(ce.active, active);
    assert_int_equal(ce.available_slots, available);
}

static int64_t total_ces(pilotdb *db, int available_only)
{
    pilotdb_ce *ces = NULL;
    size_t n = 0;

    fx_ok(db, pilotdb_ce_list(db, available_only, &ces, &n));
    pilotdb_free(ces);
    return (int64_t)n;
}

/* ---- capacity ------------------------------------------------------------ */

static void test_capacity_zero(void **state)
{
    pilotdb *db = fx_template_db();

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "zero", 0, 1.0, 1, NULL));
    expect_ce(db, "zero", 0, 0, 0);
    assert_int_equal(total_ces(db, 1), 0);
    expect_refusal(db, pilotdb_pilot_submit(db, "zero", NULL), PILOTDB_EFULL,
                   "full", "submit to capacity 0");
    expect_ce(db, "zero", 0, 0, 0);
    fx_assert_consistent(db);
    fx_close(db);
}

static void test_capacity_one(void **state)
{
    pilotdb *db = fx_template_db();
    int64_t id = 0;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "one", 1, 1.0, 1, NULL));
    fx_ok(db, pilotdb_pilot_submit(db, "one", &id));
    expect_ce(db, "one", 1, 1, 0);
    assert_int_equal(total_ces(db, 1), 0);
    expect_refusal(db, pilotdb_pilot_submit(db, "one", NULL), PILOTDB_EFULL,
                   "full (1 of 1", "second submit to capacity 1");
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
    expect_refusal(db, pilotdb_pilot_submit(db, "one", NULL), PILOTDB_EFULL,
                   "full", "submit while the one pilot runs");
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_DONE));
    expect_ce(db, "one", 1, 0, 1);
    fx_ok(db, pilotdb_pilot_submit(db, "one", NULL)); /* the slot is free again */
    expect_ce(db, "one", 1, 1, 0);
    fx_assert_consistent(db);
    fx_close(db);
}

/* Capacities are int64_t: INT_MAX and INT_MAX + 1 are ordinary values, the
 * arithmetic of free slots must not wrap at 32 bits or at INT64_MAX. */
static void test_capacity_large(void **state)
{
    pilotdb *db = fx_template_db();
    const int64_t big = INT_MAX, bigger = (int64_t)INT_MAX + 1;
    pilotdb_ce_change chg = {0};
    int i;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "int-max", big, 0.5, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "int-max-plus-1", bigger, 0.5, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "int64-max", INT64_MAX, 0.5, 1, NULL));
    for (i = 0; i < 3; i++) {
        fx_ok(db, pilotdb_pilot_submit(db, "int-max", NULL));
        fx_ok(db, pilotdb_pilot_submit(db, "int-max-plus-1", NULL));
        fx_ok(db, pilotdb_pilot_submit(db, "int64-max", NULL));
    }
    expect_ce(db, "int-max", big, 3, big - 3);
    expect_ce(db, "int-max-plus-1", bigger, 3, bigger - 3);
    expect_ce(db, "int64-max", INT64_MAX, 3, INT64_MAX - 3);
    assert_int_equal(total_ces(db, 1), 3);

    /* Down to exactly the active count (full), then back up. */
    chg.set = PILOTDB_SET_CAPACITY;
    chg.capacity = 3;
    fx_ok(db, pilotdb_ce_update(db, "int-max", &chg));
    expect_ce(db, "int-max", 3, 3, 0);
    expect_refusal(db, pilotdb_pilot_submit(db, "int-max", NULL), PILOTDB_EFULL,
                   "full", "submit at capacity lowered to the active count");
    /* Below the active count: no free slot, not a negative one. */
    chg.capacity = 0;
    fx_ok(db, pilotdb_ce_update(db, "int-max", &chg));
    expect_ce(db, "int-max", 0, 3, 0);
    chg.capacity = INT64_MAX;
    fx_ok(db, pilotdb_ce_update(db, "int-max", &chg));
    expect_ce(db, "int-max", INT64_MAX, 3, INT64_MAX - 3);
    fx_assert_consistent(db);
    fx_close(db);
}

static void test_capacity_refused(void **state)
{
    pilotdb *db = fx_template_db();
    pilotdb_ce_change chg = {0};
    int64_t id = 42;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "ce", 5, 0.5, 1, NULL));
    expect_refusal(db, pilotdb_ce_add(db, "neg", -1, 0.5, 1, &id),
                   PILOTDB_EINVAL, "negative", "ce_add capacity -1");
    assert_int_equal(id, 0);
    expect_refusal(db, pilotdb_ce_add(db, "neg", INT64_MIN, 0.5, 1, NULL),
                   PILOTDB_EINVAL, "negative", "ce_add capacity INT64_MIN");
    expect_refusal(db, pilotdb_ce_add(db, "neg", (int64_t)INT_MIN - 1, 0.5, 1, NULL),
                   PILOTDB_EINVAL, "negative", "ce_add capacity INT_MIN - 1");
    chg.set = PILOTDB_SET_CAPACITY;
    chg.capacity = -1;
    expect_refusal(db, pilotdb_ce_update(db, "ce", &chg), PILOTDB_EINVAL,
                   "negative", "ce_update capacity -1");
    chg.capacity = INT64_MIN;
    expect_refusal(db, pilotdb_ce_update(db, "ce", &chg), PILOTDB_EINVAL,
                   "negative", "ce_update capacity INT64_MIN");
    /* Nothing was written by the refusals. */
    expect_ce(db, "ce", 5, 0, 5);
    assert_int_equal(total_ces(db, 0), 1);
    fx_assert_consistent(db);
    fx_close(db);
}

static void test_success_rate_edges(void **state)
{
    pilotdb *db = fx_template_db();
    const double refused[] = {
        NAN, -NAN, INFINITY, -INFINITY, -0.1, 1.1, nextafter(1.0, 2.0),
        -4.9406564584124654e-324, 1.0000000000000002, DBL_MAX, -DBL_MAX,
    };
    pilotdb_ce_change chg = {0};
    double rate = -1;
    size_t i;

    (void)state;
    fx_ok(db, pilotdb_ce_add(db, "zero", 1, 0.0, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "one", 1, 1.0, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "tiny", 1, nextafter(0.0, 1.0), 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "almost", 1, nextafter(1.0, 0.0), 1, NULL));
    fx_ok(db, pilotdb_ce_success_rate(db, "tiny", &rate));
    assert_true(rate == nextafter(0.0, 1.0)); /* stored exactly */
    fx_ok(db, pilotdb_ce_success_rate(db, "almost", &rate));
    assert_true(rate == nextafter(1.0, 0.0));
    chg.set = PILOTDB_SET_SUCCESS_RATE;
    for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "success rate %g (#%zu)", refused[i], i);
        expect_refusal(db, pilotdb_ce_add(db, "bad", 1, refused[i], 1, NULL),
                       PILOTDB_EINVAL, "success rate", what);
        chg.success_rate = refused[i];
        expect_refusal(db, pilotdb_ce_update(db, "one", &chg), PILOTDB_EINVAL,
                       "success rate", what);
    }
    fx_ok(db, pilotdb_ce_success_rate(db, "one", &rate));
    assert_true(rate == 1.0);
    assert_int_equal(total_ces(db, 0), 4);
    fx_close(db);
}

/* ---- names ----------------------------------------------------------------- */

/* A name of len bytes: ASCII 'x', or 'm' and repeated "€" (3 bytes) padded
 * with 'x'. */
static void make_name(char *buf, size_t len, int multibyte)
{
    size_t i = 0;

    if (multibyte)
        for (buf[i++] = 'm'; i + 3 <= len; i += 3)
            memcpy(buf + i, "\xe2\x82\xac", 3);
    for (; i < len; i++)
        buf[i] = 'x';
    buf[len] = '\0';
}

/* Every call that takes a CE name refuses name with EINVAL and a message
 * mentioning needle, and nothing is written. */
static void expect_name_refused(pilotdb *db, const char *name, const char *needle)
{
    pilotdb_ce_change chg = {PILOTDB_SET_ENABLED, 0, 0, 0};
    pilotdb_pilot_filter filter = {-1, name};
    pilotdb_pilot *pilots = NULL;
    pilotdb_ce ce;
    size_t n = 7;
    double rate = 0;
    int64_t before = total_ces(db, 0);

    expect_refusal(db, pilotdb_ce_add(db, name, 1, 0.5, 1, NULL), PILOTDB_EINVAL,
                   needle, "ce_add");
    expect_refusal(db, pilotdb_ce_update(db, name, &chg), PILOTDB_EINVAL, needle,
                   "ce_update");
    expect_refusal(db, pilotdb_ce_get(db, name, &ce), PILOTDB_EINVAL, needle,
                   "ce_get");
    expect_refusal(db, pilotdb_ce_success_rate(db, name, &rate), PILOTDB_EINVAL,
                   needle, "ce_success_rate");
    expect_refusal(db, pilotdb_pilot_submit(db, name, NULL), PILOTDB_EINVAL,
                   needle, "pilot_submit");
    expect_refusal(db, pilotdb_pilots_list(db, &filter, &pilots, &n),
                   PILOTDB_EINVAL, needle, "pilots_list");
    assert_null(pilots);
    assert_int_equal(n, 0);
    assert_int_equal(total_ces(db, 0), before);
}

static void test_name_lengths(void **state)
{
    pilotdb *db = fx_template_db();
    char name[PILOTDB_NAME_MAX + 8];
    pilotdb_ce ce;
    pilotdb_pilot pilot;
    int64_t id = 0;
    int multibyte;

    (void)state;
    for (multibyte = 0; multibyte <= 1; multibyte++) {
        make_name(name, PILOTDB_NAME_MAX, multibyte);
        fx_ok(db, pilotdb_ce_add(db, name, 2, 0.5, 1, NULL));
        fx_ok(db, pilotdb_ce_get(db, name, &ce));
        assert_string_equal(ce.name, name);
        assert_int_equal(strlen(ce.name), PILOTDB_NAME_MAX);
        fx_ok(db, pilotdb_pilot_submit(db, name, &id));
        fx_ok(db, pilotdb_pilot_get(db, id, &pilot));
        assert_string_equal(pilot.ce_name, name);

        make_name(name, PILOTDB_NAME_MAX + 1, multibyte);
        expect_name_refused(db, name, "limit");
        make_name(name, PILOTDB_NAME_MAX + 7, multibyte);
        expect_name_refused(db, name, "limit");
    }
    /* 255 bytes ending in a multi-byte character cut short. */
    make_name(name, PILOTDB_NAME_MAX - 1, 0);
    name[PILOTDB_NAME_MAX - 1] = '\xe2';
    name[PILOTDB_NAME_MAX] = '\0';
    expect_name_refused(db, name, "UTF-8");
    expect_name_refused(db, "", "empty");
    expect_name_refused(db, "tab\there", "control");
    expect_name_refused(db, "del\x7f", "control");
    fx_assert_consistent(db);
    fx_close(db);
}

/* ---- a million pilots ---------------------------------------------------------- */

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* n pilots on one CE of capacity n, in one transaction: the CE is then
 * exactly full, every counter says n, and the check agrees. */
static void test_million_pilots(void **state)
{
    const int64_t n = getenv("PILOTDECK_UNDER_VALGRIND") ? 5000 : UNDER_ASAN ? 100000 : 1000000;
    pilotdb *db = fx_memory_db();
    pilotdb_summary summary;
    pilotdb_pilot pilot;
    struct timespec t0;
    int64_t i, id = 0, first = 0;

    (void)state;
    pilotdb_set_clock(db, fx_clock, NULL);
    fx_ok(db, pilotdb_ce_add(db, "big.example.org", n, 0.5, 1, NULL));
    fx_ok(db, pilotdb_ce_add(db, "other.example.org", 1, 0.5, 1, NULL));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fx_ok(db, pilotdb_begin(db));
    for (i = 0; i < n; i++) {
        pilotdb_rc rc = pilotdb_pilot_submit(db, "big.example.org", &id);
        if (rc != PILOTDB_OK)
            fail_msg("submit %lld of %lld: %s (%s)", (long long)i + 1, (long long)n,
                     pilotdb_rc_str(rc), pilotdb_errmsg(db));
        if (i == 0)
            first = id;
    }
    /* The (n+1)th is refused inside the same transaction, which goes on. */
    expect_refusal(db, pilotdb_pilot_submit(db, "big.example.org", NULL),
                   PILOTDB_EFULL, "full", "submit past a million");
    fx_ok(db, pilotdb_commit(db));
    printf("# %lld pilots submitted in one transaction in %.2f s\n", (long long)n,
           seconds_since(&t0));

    assert_int_equal(id - first, n - 1); /* ids are consecutive */
    expect_ce(db, "big.example.org", n, n, 0);
    expect_ce(db, "other.example.org", 1, 0, 1);
    fx_ok(db, pilotdb_summary_get(db, &summary));
    assert_int_equal(summary.count[PILOT_SUBMITTED], n);
    assert_int_equal(summary.count[PILOT_RUNNING], 0);

    /* The last one moves on and frees a slot. */
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_RUNNING));
    fx_ok(db, pilotdb_pilot_set_status(db, id, PILOT_DONE));
    fx_ok(db, pilotdb_pilot_get(db, id, &pilot));
    assert_int_equal(pilot.status, PILOT_DONE);
    expect_ce(db, "big.example.org", n, n - 1, 1);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fx_assert_consistent(db);
    printf("# pilotdb_check over %lld pilots in %.2f s\n", (long long)n,
           seconds_since(&t0));
    fx_close(db);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest capacity[] = {
        cmocka_unit_test(test_capacity_zero),
        cmocka_unit_test(test_capacity_one),
        cmocka_unit_test(test_capacity_large),
        cmocka_unit_test(test_capacity_refused),
        cmocka_unit_test(test_success_rate_edges),
    };
    const struct CMUnitTest names[] = {
        cmocka_unit_test(test_name_lengths),
    };
    const struct CMUnitTest million[] = {
        cmocka_unit_test(test_million_pilots),
    };
    const struct fx_group groups[] = {
        FX_GROUP("capacity", capacity, NULL, NULL),
        FX_GROUP("names", names, NULL, NULL),
        FX_GROUP("million", million, NULL, NULL),
    };

    return fx_run_groups(argc, argv, groups, sizeof groups / sizeof groups[0]);
}
