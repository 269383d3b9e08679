// tests/arch/wait_test.cpp - wait queues: wait_event(), wait_event_timeout(), wake_up().
#include "arch/wait.h"
#include "harness.h"

using namespace kmsim;
using namespace kmsim::test;

TEST_CASE("wait_event sleeps until its condition holds, testing it at every wake-up", "[arch][wait]")
{
    machine_fixture f(2);
    arch::wait_queue_head wq(f.m, "wq");
    int items = 0, tests = 0;
    std::int64_t woke_us = -1;
    f.m.create_thread("consumer", [&] {
        wq.wait_event([&] {
            ++tests;
            return items >= 2;
        });
        woke_us = f.now_us();
    });
    f.m.create_thread("producer", [&] {
        for (int i = 0; i < 2; ++i) {
            f.m.msleep(1);
            ++items;
            wq.wake_up();
        }
    });
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(woke_us == 4000);  // msleep(1) is 2 jiffies; woken at the second wake_up()
    // wait_event() tests it, ___wait_event() again once on the queue, then
    // after each wake-up.
    CHECK(tests == 4);
    CHECK(wq.waiters() == 0);
}

TEST_CASE("wait_event_timeout: the jiffies left when the condition held, 0 on timeout", "[arch][wait]")
{
    machine_fixture f(2);
    arch::wait_queue_head wq(f.m, "wq");
    bool done = false;
    std::uint64_t left = 99, timed_out = 99, at_once = 0;
    f.m.create_thread("waiter", [&] {
        at_once = wq.wait_event_timeout([] { return true; }, 7);
        left = wq.wait_event_timeout([&] { return done; }, 10);
        timed_out = wq.wait_event_timeout([] { return false; }, 5);
    });
    f.m.create_thread("waker", [&] {
        f.m.mdelay(3);
        done = true;
        wq.wake_up_all();
    });
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(at_once == 7);
    CHECK(left == 7);
    CHECK(timed_out == 0);
    CHECK(f.now_us() == 8000);  // 3 ms, then 5 jiffies
}

TEST_CASE("a wait_event nobody can end is a deadlock naming the queue", "[arch][wait]")
{
    machine_fixture f;
    arch::wait_queue_head wq(f.m, "ring_wq");
    f.m.create_thread("consumer", [&] { wq.wait_event([] { return false; }); });
    const sim::run_result r = f.run();
    REQUIRE(r.result == sim::outcome::deadlock);
    REQUIRE(r.deadlock);
    CHECK(r.deadlock->kind == sim::deadlock_kind::no_progress);
    REQUIRE(r.deadlock->stuck.size() == 1);
    CHECK(r.deadlock->stuck[0].context == "consumer");
    CHECK(r.deadlock->stuck[0].waits_for == "wait_event(ring_wq)");
}
