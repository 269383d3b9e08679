// tests/mm/reciprocal_div_test.cpp - reciprocal_divide() is exact division.
#include "mm/reciprocal_div.h"
#include "sim/random.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace kmsim;

TEST_CASE("reciprocal_divide equals division for every slab stride and offset", "[mm][slab]")
{
    // Every stride a cache can have (8 bytes to 4 MiB) against every offset
    // in an order-3 slab, and random 32-bit values against random divisors.
    std::uint64_t wrong = 0;
    for (std::uint32_t d = 1; d <= 4096; ++d) {
        const mm::reciprocal_value r = mm::make_reciprocal_value(d);
        for (std::uint32_t a = 0; a < 32768; ++a)
            wrong += mm::reciprocal_divide(a, r) != a / d;
    }
    CHECK(wrong == 0);
    sim::random_stream rnd(11);
    for (int i = 0; i < 1000000; ++i) {
        const auto d = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(rnd.next()) >> (rnd.next() % 32));
        const auto a = static_cast<std::uint32_t>(rnd.next());
        wrong += mm::reciprocal_divide(a, mm::make_reciprocal_value(d)) != a / d;
    }
    CHECK(wrong == 0);
    CHECK(mm::reciprocal_divide(UINT32_MAX, mm::make_reciprocal_value(UINT32_MAX)) == 1);
    CHECK(mm::reciprocal_divide(UINT32_MAX, mm::make_reciprocal_value(1)) == UINT32_MAX);
}
