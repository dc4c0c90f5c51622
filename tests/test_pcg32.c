/*
 * test_pcg32.c - PCG32 is bit-exact with the reference, and its bounded
 * integers, doubles and derived streams behave.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pcg32.h"

static void test_reference_sequence(void **state)
{
    static const uint32_t expect[] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
                                      0x83d2f293, 0xbfa4784b, 0xcbed606e};
    pcg32_random_t rng;
    size_t i;

    (void)state;
    pcg32_srandom(&rng, 42u, 54u);
    for (i = 0; i < sizeof expect / sizeof expect[0]; i++)
        assert_int_equal(pcg32_random(&rng), expect[i]);
}

static void test_bounded_in_range_and_unbiased(void **state)
{
    /* bound 3 * 2^30 makes plain modulo visibly biased: values below 2^30
     * would come up twice as often as the rest. */
    const uint32_t bound = 3u << 30;
    long low = 0, n = 300000, i;
    pcg32_random_t rng;

    (void)state;
    pcg32_srandom(&rng, 7u, 11u);
    for (i = 0; i < n; i++) {
        uint32_t r = pcg32_boundedrand(&rng, bound);
        assert_true(r < bound);
        if (r < (1u << 30))
            low++;
    }
    /* unbiased: P(low) = 1/3; modulo bias would give 1/2. sd ~ 258. */
    assert_in_range(low, n / 3 - 1500, n / 3 + 1500);

    for (i = 0; i < 1000; i++)
        assert_int_equal(pcg32_boundedrand(&rng, 1), 0);
    assert_int_equal(pcg32_boundedrand(&rng, 0), 0);
}

static void test_double_range_and_bits(void **state)
{
    pcg32_random_t rng, copy;
    double sum = 0;
    int i, saw_low_bit = 0;

    (void)state;
    pcg32_srandom(&rng, 1u, 2u);
    for (i = 0; i < 100000; i++) {
        double d = pcg32_double(&rng);
        uint64_t scaled = (uint64_t)(d * 9007199254740992.0);
        assert_true(d >= 0.0 && d < 1.0);
        /* d is an exact multiple of 2^-53 */
        assert_true((double)scaled == d * 9007199254740992.0);
        if (scaled & 1u)
            saw_low_bit = 1;
        sum += d;
    }
    assert_true(saw_low_bit);
    assert_true(sum / 100000 > 0.49 && sum / 100000 < 0.51);

    /* exactly two outputs per double */
    pcg32_srandom(&rng, 5u, 6u);
    copy = rng;
    (void)pcg32_double(&rng);
    (void)pcg32_random(&copy);
    (void)pcg32_random(&copy);
    assert_true(rng.state == copy.state);
}

static void test_derive_is_stable_and_independent(void **state)
{
    pcg32_random_t a, b, c;
    int i, same = 0;

    (void)state;
    pcg32_derive(&a, 42u, "ce-alpha.example.org");
    pcg32_derive(&b, 42u, "ce-alpha.example.org");
    pcg32_derive(&c, 42u, "ce-beta.example.org");
    assert_true(a.inc != c.inc);
    for (i = 0; i < 1000; i++) {
        uint32_t x = pcg32_random(&a);
        assert_int_equal(x, pcg32_random(&b));
        if (x == pcg32_random(&c))
            same++;
    }
    assert_true(same < 3);
    pcg32_derive(&c, 43u, "ce-alpha.example.org");
    pcg32_derive(&a, 42u, "ce-alpha.example.org");
    assert_true(pcg32_random(&a) != pcg32_random(&c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_sequence),
        cmocka_unit_test(test_bounded_in_range_and_unbiased),
        cmocka_unit_test(test_double_range_and_bits),
        cmocka_unit_test(test_derive_is_stable_and_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
