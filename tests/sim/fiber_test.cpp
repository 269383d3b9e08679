// tests/sim/fiber_test.cpp - fibers switch, carry exceptions to the engine's side, unwind.
#include "sim/fiber.h"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using namespace kmsim::sim;

TEST_CASE("a fiber runs until it suspends and continues where it was", "[sim][fiber]")
{
    stack_pool pool;
    std::vector<std::string> trace;
    fiber* self = nullptr;
    fiber f(pool, [&] {
        trace.push_back("a");
        self->suspend();
        trace.push_back("b");
        self->suspend();
        trace.push_back("c");
    });
    self = &f;
    CHECK_FALSE(f.started());
    f.resume();
    CHECK(trace == std::vector<std::string>{"a"});
    f.resume();
    CHECK(trace == std::vector<std::string>{"a", "b"});
    f.resume();
    CHECK(trace == std::vector<std::string>{"a", "b", "c"});
    CHECK(f.finished());
}

TEST_CASE("an exception thrown in a fiber is rethrown by resume()", "[sim][fiber]")
{
    stack_pool pool;
    fiber f(pool, [] { throw std::runtime_error("boom in the fiber"); });
    CHECK_THROWS_WITH(f.resume(), "boom in the fiber");
    CHECK(f.finished());
}

TEST_CASE("destroying a suspended fiber runs its destructors", "[sim][fiber]")
{
    stack_pool pool;
    bool destroyed = false;
    struct on_exit {
        bool& flag;
        ~on_exit() { flag = true; }
    };
    {
        fiber* self = nullptr;
        fiber f(pool, [&] {
            on_exit guard{destroyed};
            self->suspend();
        });
        self = &f;
        f.resume();
        CHECK_FALSE(destroyed);
    }
    CHECK(destroyed);
}

TEST_CASE("stacks are recycled through the pool", "[sim][fiber]")
{
    stack_pool pool;
    for (int i = 0; i < 100; ++i) {
        fiber f(pool, [] {});
        f.resume();
    }
    CHECK(pool.created() == 1);
    CHECK(pool.idle() == 1);
}
