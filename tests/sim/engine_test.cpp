// tests/sim/engine_test.cpp - the event loop, actors, stop conditions, determinism.
#include "sim/engine.h"
#include "sim/wait_queue.h"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using namespace kmsim::sim;

namespace {

// A plain actor that sleeps by scheduling its own wake-up.
struct sleeper : actor {
    using actor::actor;
    named_wait timer{"timer"};
    void sleep_for(duration d)
    {
        eng().schedule_after(d, [this] { wake(); });
        wait(timer);
    }
};

}  // namespace

TEST_CASE("an actor's sleeps advance simulated time", "[sim][engine]")
{
    engine e;
    std::vector<std::int64_t> seen;
    sleeper* self = nullptr;
    sleeper s(e, "s", actor_role::foreground, [&] {
        for (int i = 0; i < 3; ++i) {
            self->sleep_for(usecs(10));
            seen.push_back(to_ns(e.now()));
        }
    });
    self = &s;
    e.schedule_at(at_ns(0), [&] { e.switch_to(s); });
    run_result r = e.run();
    CHECK(r.result == outcome::completed);
    CHECK(seen == std::vector<std::int64_t>{10000, 20000, 30000});
    CHECK(to_ns(r.end) == 30000);
}

TEST_CASE("an exception in an actor's body is rethrown by run()", "[sim][engine]")
{
    engine e;
    actor a(e, "thrower", actor_role::foreground, [] { throw std::runtime_error("bad actor"); });
    e.schedule_at(at_ns(5), [&] { e.switch_to(a); });
    CHECK_THROWS_WITH(e.run(), "bad actor");
}

TEST_CASE("the run stops at the time limit and can be continued", "[sim][engine]")
{
    engine e;
    int ticks = 0;
    std::function<void()> tick = [&] {
        ++ticks;
        e.schedule_after(msecs(1), tick);
    };
    e.schedule_at(at_ns(0), tick);
    run_result r = e.run(run_limits{time_point(msecs(10))});
    CHECK(r.result == outcome::stopped);
    CHECK(ticks == 11);  // t = 0, 1, ..., 10 ms
    CHECK(to_ns(r.end) == to_ns(time_point(msecs(10))));
    r = e.run(run_limits{time_point(msecs(20))});
    CHECK(ticks == 21);
}

TEST_CASE("two engines run side by side in one process", "[sim][engine]")
{
    engine a(engine_config{1}), b(engine_config{2});
    int na = 0, nb = 0;
    a.schedule_at(at_ns(100), [&] { ++na; });
    b.schedule_at(at_ns(200), [&] { ++nb; });
    a.run();
    b.run();
    CHECK(na == 1);
    CHECK(nb == 1);
    CHECK(to_ns(a.now()) == 100);
    CHECK(to_ns(b.now()) == 200);
}

TEST_CASE("a wait nobody can end is found when the events run out", "[sim][engine]")
{
    engine e;
    wait_queue wq;
    named_wait never("wait_event(nobody)");
    actor a(e, "waiter", actor_role::foreground, [&] { wq.wait(*e.current(), never); });
    e.schedule_at(at_ns(0), [&] { e.switch_to(a); });
    run_result r = e.run();
    REQUIRE(r.result == outcome::deadlock);
    REQUIRE(r.deadlock);
    CHECK(r.deadlock->kind == deadlock_kind::no_progress);
    REQUIRE(r.deadlock->stuck.size() == 1);
    CHECK(r.deadlock->stuck[0].context == "waiter");
    CHECK(r.deadlock->stuck[0].waits_for == "wait_event(nobody)");
}

namespace {
// Waiting for new work: what a daemon does between jobs.
struct idle_wait : blocker {
    std::string describe_wait() const override { return "no work"; }
    std::vector<const actor*> holders() const override { return {}; }
    bool idle() const override { return true; }
};
}  // namespace

TEST_CASE("the run completes only once the background actors settle", "[sim][engine]")
{
    // A daemon still busy (sleeping 5 ms in its job) when the foreground
    // actor returns: the run goes on until it is idle again.
    engine e;
    idle_wait idle;
    sleeper* self = nullptr;
    bool job_done = false;
    sleeper daemon(e, "daemon", actor_role::background, [&] {
        self->sleep_for(msecs(5));
        job_done = true;
        self->wait(idle);
    });
    self = &daemon;
    actor fg(e, "fg", actor_role::foreground, [] {});
    e.schedule_at(at_ns(0), [&] { e.switch_to(daemon); });
    e.schedule_at(at_ns(0), [&] { e.switch_to(fg); });
    run_result r = e.run();
    CHECK(r.result == outcome::completed);
    CHECK(job_done);
    CHECK(r.end == at_ns(5'000'000));
}

TEST_CASE("a background actor still waiting when settling ends is a deadlock", "[sim][engine]")
{
    // Its wait could end (a periodic tick keeps events coming), but it does
    // not within settle_limit of the foreground's end.
    engine_config cfg;
    cfg.settle_limit = msecs(50);
    engine e(cfg);
    wait_queue wq;
    named_wait never("writeback that never completes");
    actor daemon(e, "daemon", actor_role::background, [&] { wq.wait(*e.current(), never); });
    actor fg(e, "fg", actor_role::foreground, [] {});
    std::function<void()> tick = [&] { e.schedule_after(msecs(10), tick); };
    e.schedule_at(at_ns(0), tick);
    e.schedule_at(at_ns(0), [&] { e.switch_to(daemon); });
    e.schedule_at(at_ns(1'000'000), [&] { e.switch_to(fg); });
    run_result r = e.run();
    REQUIRE(r.result == outcome::deadlock);
    CHECK(r.end == at_ns(51'000'000));
    REQUIRE(r.deadlock);
    CHECK(r.deadlock->kind == deadlock_kind::no_progress);
    REQUIRE(r.deadlock->stuck.size() == 1);
    CHECK(r.deadlock->stuck[0].context == "daemon");
}

TEST_CASE("wait queues wake in FIFO order", "[sim][engine][wait_queue]")
{
    engine e;
    wait_queue wq;
    named_wait why("wq");
    std::vector<std::string> order;
    std::vector<std::unique_ptr<actor>> actors;
    for (int i = 0; i < 3; ++i) {
        std::string name = "w" + std::to_string(i);
        actors.push_back(std::make_unique<actor>(e, name, actor_role::foreground, [&, name] {
            wq.wait(*e.current(), why);
            order.push_back(name);
        }));
        e.schedule_at(at_ns(i), [&e, a = actors.back().get()] { e.switch_to(*a); });
    }
    e.schedule_at(at_ns(10), [&] { wq.wake_all(); });
    CHECK(e.run().result == outcome::completed);
    CHECK(order == std::vector<std::string>{"w0", "w1", "w2"});
}

TEST_CASE("a timed wait ends at its timeout or at an earlier wake", "[sim][engine][wait_queue]")
{
    engine e;
    wait_queue wq;
    named_wait why("wq");
    bool first = true, second = true;
    std::int64_t first_end = 0, second_end = 0;
    actor a(e, "a", actor_role::foreground, [&] {
        first = wq.wait_timeout(*e.current(), why, usecs(100));  // nobody wakes it
        first_end = to_ns(e.now());
        second = wq.wait_timeout(*e.current(), why, usecs(100));  // woken at 150 us
        second_end = to_ns(e.now());
    });
    e.schedule_at(at_ns(0), [&] { e.switch_to(a); });
    e.schedule_at(at_ns(150000), [&] { wq.wake_one(); });
    CHECK(e.run().result == outcome::completed);
    CHECK_FALSE(first);
    CHECK(first_end == 100000);
    CHECK(second);
    CHECK(second_end == 150000);
    CHECK(wq.empty());
}
