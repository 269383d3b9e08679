// tests/sim/event_queue_test.cpp - ordering, ties and cancellation of the event queue.
#include "sim/event_queue.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace kmsim::sim;

namespace {
std::vector<int> drain(event_queue& q, std::vector<std::int64_t>* times = nullptr)
{
    std::vector<int> order;
    time_point t;
    event_queue::callback fn;
    while (q.pop(t, fn)) {
        if (times)
            times->push_back(to_ns(t));
        fn();
    }
    return order;
}
}  // namespace

TEST_CASE("events come out in time order", "[sim][event_queue]")
{
    event_queue q;
    std::vector<int> seen;
    q.push(at_ns(300), [&] { seen.push_back(3); });
    q.push(at_ns(100), [&] { seen.push_back(1); });
    q.push(at_ns(200), [&] { seen.push_back(2); });
    std::vector<std::int64_t> times;
    drain(q, &times);
    CHECK(seen == std::vector<int>{1, 2, 3});
    CHECK(times == std::vector<std::int64_t>{100, 200, 300});
    CHECK(q.empty());
}

TEST_CASE("ties at the same time come out in push order", "[sim][event_queue]")
{
    // Expect: 1000 events all at t=5 run exactly in the order they were pushed,
    // even interleaved with earlier and later ones.
    event_queue q;
    std::vector<int> seen;
    for (int i = 0; i < 1000; ++i) {
        q.push(at_ns(5), [&seen, i] { seen.push_back(i); });
        if (i % 7 == 0)
            q.push(at_ns(i % 2 ? 1 : 9), [] {});
    }
    drain(q);
    REQUIRE(seen.size() == 1000);
    for (int i = 0; i < 1000; ++i)
        REQUIRE(seen[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("a cancelled event never runs and cancel is idempotent", "[sim][event_queue]")
{
    event_queue q;
    int ran = 0;
    auto a = q.push(at_ns(10), [&] { ran += 1; });
    auto b = q.push(at_ns(20), [&] { ran += 10; });
    CHECK(q.size() == 2);
    CHECK(q.is_pending(a));
    CHECK(q.cancel(a));
    CHECK_FALSE(q.cancel(a));
    CHECK_FALSE(q.is_pending(a));
    CHECK(q.size() == 1);
    CHECK(to_ns(q.next_time()) == 20);
    drain(q);
    CHECK(ran == 10);
    CHECK_FALSE(q.cancel(b));  // already ran
}

TEST_CASE("a recycled slot does not resurrect an old handle", "[sim][event_queue]")
{
    event_queue q;
    auto a = q.push(at_ns(10), [] {});
    REQUIRE(q.cancel(a));
    int ran = 0;
    auto b = q.push(at_ns(10), [&] { ++ran; });  // reuses a's slot
    CHECK(b.slot == a.slot);
    CHECK_FALSE(q.cancel(a));  // stale generation
    drain(q);
    CHECK(ran == 1);
}
