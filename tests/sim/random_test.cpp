// tests/sim/random_test.cpp - seeded streams are reproducible and independent.
#include "sim/random.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace kmsim::sim;

TEST_CASE("the same seed and stream name give the same sequence", "[sim][random]")
{
    random_source a(42), b(42);
    for (int i = 0; i < 100; ++i)
        REQUIRE(a.stream("irq:eth0").next() == b.stream("irq:eth0").next());
}

TEST_CASE("a stream does not depend on the use of other streams", "[sim][random]")
{
    random_source a(7), b(7);
    for (int i = 0; i < 50; ++i)
        b.stream("other").next();
    for (int i = 0; i < 100; ++i)
        REQUIRE(a.stream("irq:eth0").next() == b.stream("irq:eth0").next());
}

TEST_CASE("different seeds and names give different sequences", "[sim][random]")
{
    random_source a(1), b(2);
    CHECK(a.stream("x").next() != b.stream("x").next());
    CHECK(a.stream("x").next() != a.stream("y").next());
}

TEST_CASE("uniform stays in range and reaches both ends", "[sim][random]")
{
    random_source r(3);
    auto& s = r.stream("u");
    bool lo = false, hi = false;
    for (int i = 0; i < 10000; ++i) {
        auto v = s.uniform(10, 13);
        REQUIRE(v >= 10);
        REQUIRE(v <= 13);
        lo |= v == 10;
        hi |= v == 13;
    }
    CHECK(lo);
    CHECK(hi);
    CHECK(s.uniform(5, 5) == 5);
}
