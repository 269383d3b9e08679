// tests/arch/chooser_test.cpp - every scheduling decision goes through the engine's chooser.
#include "harness.h"

#include "sim/chooser.h"

#include <fmt/format.h>

#include <functional>
#include <vector>

using namespace kmsim;
using namespace kmsim::test;

namespace {

// Answers every decision with PICK(decision, n) and records what was asked.
struct scripted : sim::chooser {
    std::function<std::size_t(sim::decision, std::size_t)> pick;
    std::function<std::int64_t(std::int64_t max, std::int64_t seeded)> delay;
    std::vector<std::string> asked;
    std::size_t choose(sim::decision d, std::size_t n) override
    {
        asked.push_back(fmt::format("{}/{}", sim::to_string(d), n));
        return pick ? pick(d, n) : 0;
    }
    std::int64_t choose_delay(sim::decision d, std::int64_t, std::int64_t max, int, std::string_view,
                              std::int64_t seeded) override
    {
        asked.push_back(fmt::format("{}/{}", sim::to_string(d), max));
        return delay ? delay(max, seeded) : seeded;
    }
};

bool asked(const scripted& s, const std::string& what)
{
    return std::find(s.asked.begin(), s.asked.end(), what) != s.asked.end();
}

}  // namespace

TEST_CASE("the default chooser is never asked, and exploring() says so", "[arch][chooser]")
{
    machine_fixture f(1);
    CHECK_FALSE(f.eng.exploring());
    CHECK(f.eng.choose(sim::decision::next_task, 5) == 0);
    scripted s;
    f.eng.set_chooser(&s);
    CHECK(f.eng.exploring());
    f.eng.set_chooser(nullptr);
    CHECK_FALSE(f.eng.exploring());
}

TEST_CASE("events due at the same instant run in the order the chooser picks", "[arch][chooser]")
{
    machine_fixture f(1);
    scripted s;
    s.pick = [](sim::decision, std::size_t n) { return n - 1; };  // always the newest
    f.eng.set_chooser(&s);
    std::string order;
    for (char c : std::string("abc"))
        f.eng.schedule_at(sim::time_point(sim::usecs(5)), [&order, c] { order += c; });
    f.run();
    CHECK(order == "cba");
    CHECK(asked(s, "event_order/3"));
    CHECK(asked(s, "event_order/2"));
}

TEST_CASE("which runnable task a CPU runs next is the chooser's", "[arch][chooser]")
{
    for (std::size_t pick : {0u, 1u}) {
        machine_fixture f(1);
        scripted s;
        s.pick = [pick](sim::decision d, std::size_t n) { return d == sim::decision::next_task ? std::min(pick, n - 1) : 0; };
        f.eng.set_chooser(&s);
        std::string order;
        for (const char* name : {"a", "b", "c"})
            f.m.create_thread(name, [&order, &f, name] {
                order += name;
                f.m.udelay(1);
            }, {0});
        f.run();
        INFO(pick);
        // a runs at once on the idle CPU; b and c then wait, and the
        // chooser picks which of them runs next.
        CHECK(order == (pick == 0 ? "abc" : "acb"));
    }
}

TEST_CASE("which waiter gets a released mutex is the chooser's", "[arch][chooser]")
{
    machine_fixture f(3);
    arch::mutex m(f.m, "m");
    scripted s;
    s.pick = [](sim::decision d, std::size_t n) { return d == sim::decision::lock_waiter ? n - 1 : 0; };
    f.eng.set_chooser(&s);
    std::string got;
    f.m.create_thread("owner", [&] {
        m.lock();
        f.m.udelay(10);
        m.unlock();
    }, {0});
    for (int i = 1; i <= 2; ++i)
        f.m.create_thread(fmt::format("w{}", i), [&, i] {
            f.m.udelay(static_cast<std::uint64_t>(i));  // w1 waits first
            m.lock();
            got += fmt::format("w{} ", i);
            m.unlock();
        }, {i});
    f.run();
    CHECK(got == "w2 w1 ");
    CHECK(asked(s, "lock_waiter/2"));
}

TEST_CASE("the CPU a woken task goes to is the chooser's; alternative 0 is the heuristic's", "[arch][chooser]")
{
    machine_fixture f(2);
    scripted s;
    s.pick = [](sim::decision d, std::size_t) { return d == sim::decision::wake_cpu ? 1 : 0; };
    f.eng.set_chooser(&s);
    int ran_on = -1;
    f.m.create_thread("t", [&] { ran_on = f.m.smp_processor_id(); });
    f.run();
    CHECK(ran_on == 1);  // the heuristic picks idle CPU0
}

TEST_CASE("the chooser may preempt a preemptible task at a preemption point", "[arch][chooser]")
{
    machine_fixture f(1);
    scripted s;
    s.pick = [](sim::decision d, std::size_t) { return d == sim::decision::preempt ? 1 : 0; };
    f.eng.set_chooser(&s);
    std::string order;
    f.m.create_thread("a", [&] {
        order += "a1 ";
        f.m.udelay(1);           // b is queued meanwhile
        f.m.preemption_point();  // b is runnable: a loses the CPU
        order += "a2 ";
    }, {0});
    f.m.create_thread("b", [&] { order += "b "; }, {0});
    f.run();
    CHECK(order == "a1 b a2 ");
    // Not where the kernel could not preempt.
    machine_fixture g(1);
    scripted t;
    t.pick = s.pick;
    g.eng.set_chooser(&t);
    std::string order2;
    g.m.create_thread("a", [&] {
        order2 += "a1 ";
        g.m.udelay(1);
        g.m.preempt_disable();
        g.m.preemption_point();
        g.m.preempt_enable();
        order2 += "a2 ";
    }, {0});
    g.m.create_thread("b", [&] { order2 += "b "; }, {0});
    g.run();
    CHECK(order2 == "a1 a2 b ");
}

TEST_CASE("a jittered interrupt arrives where the chooser puts it inside its window", "[arch][chooser]")
{
    machine_fixture f(1);
    scripted s;
    s.delay = [](std::int64_t max, std::int64_t) { return max; };  // the end of the window
    f.eng.set_chooser(&s);
    std::vector<std::int64_t> at;
    f.m.request_irq(5, "nic", 0, [&] { at.push_back(f.now_us()); });
    f.m.irq(5).raise_every(sim::time_point(sim::usecs(100)), sim::usecs(100), 3, sim::usecs(40));
    f.m.create_thread("t", [&] { f.m.msleep(1); });
    f.run();
    CHECK(at == std::vector<std::int64_t>{140, 240, 340});
    CHECK(asked(s, "irq_arrival/40000"));
}
