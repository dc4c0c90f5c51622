/*
 * pcg_oracle.cpp - compare pilotsim's C PCG32 with pcg-cpp's pcg32 (Debian's
 * libpcg-cpp-dev, the upstream C++ implementation) over a million outputs for
 * several seeds and streams, and its bounded integers with pcg32(bound).
 * Exits 0 when every output agrees, 1 (after naming the first difference)
 * otherwise.
 */
#include <cstdint>
#include <cstdio>

#include <pcg_random.hpp>

extern "C" {
#include "pcg32.h"
}

int main()
{
    static const uint64_t cases[][2] = {
        {42u, 54u}, {0u, 0u}, {1u, 1u}, {0xdeadbeefcafef00dULL, 0x0123456789abcdefULL},
        {UINT64_MAX, UINT64_MAX >> 1}, {20260101u, 7u},
    };
    const long n = 1000000;

    for (const auto &c : cases) {
        pcg32 cpp(c[0], c[1]);
        pcg32_random_t mine;
        pcg32_srandom(&mine, c[0], c[1]);
        for (long i = 0; i < n; i++) {
            uint32_t want = cpp(), got = pcg32_random(&mine);
            if (want != got) {
                std::fprintf(stderr, "seed %llu stream %llu output %ld: pcg-cpp %08x, pilotsim %08x\n",
                             (unsigned long long)c[0], (unsigned long long)c[1], i,
                             (unsigned)want, (unsigned)got);
                return 1;
            }
        }
        for (long i = 0; i < n / 10; i++) {
            uint32_t bound = (uint32_t)(i % 1000 + 1) * 2654435761u % 0xfffffffbu + 1u;
            uint32_t want = cpp(bound), got = pcg32_boundedrand(&mine, bound);
            if (want != got) {
                std::fprintf(stderr, "seed %llu stream %llu bounded(%u) draw %ld: pcg-cpp %u, pilotsim %u\n",
                             (unsigned long long)c[0], (unsigned long long)c[1], (unsigned)bound, i,
                             (unsigned)want, (unsigned)got);
                return 1;
            }
        }
    }
    std::printf("pcg_oracle: %zu seed/stream pairs, %ld outputs each: identical\n",
                sizeof cases / sizeof cases[0], n);
    return 0;
}
