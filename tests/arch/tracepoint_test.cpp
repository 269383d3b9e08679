// tests/arch/tracepoint_test.cpp - the machine's tracepoints fire where the events happen, in order.
#include "harness.h"

#include <fmt/format.h>

#include <vector>

using namespace kmsim;
using namespace kmsim::test;

namespace {
std::string name_of(const arch::context* c) { return c ? c->name() : "idle"; }
}  // namespace

TEST_CASE("sched_switch, sched_wakeup and irq_handler_entry/exit follow the CPU", "[arch][trace]")
{
    machine_fixture f(1);
    std::vector<std::string> events;
    auto& tp = f.m.trace();
    tp.sched_switch.attach([&](int cpu, const arch::context* prev, const arch::context* next) {
        events.push_back(fmt::format("{}us switch cpu{} {} -> {}", f.now_us(), cpu, name_of(prev), name_of(next)));
    });
    tp.sched_wakeup.attach([&](const arch::context& c, int cpu) {
        events.push_back(fmt::format("{}us wakeup {} cpu{}", f.now_us(), c.name(), cpu));
    });
    tp.irq_handler_entry.attach([&](int irq, const arch::context& h) {
        events.push_back(fmt::format("{}us irq {} entry {}", f.now_us(), irq, h.name()));
    });
    tp.irq_handler_exit.attach([&](int irq, const arch::context& h) {
        events.push_back(fmt::format("{}us irq {} exit {}", f.now_us(), irq, h.name()));
    });
    f.m.request_irq(11, "eth0", 0, [&] { f.m.udelay(20); });
    f.m.irq(11).raise_at(sim::time_point(sim::usecs(50)));
    f.m.create_thread("worker", [&] {
        f.m.udelay(100);
        f.m.msleep(1);
    });
    CHECK(f.run().result == sim::outcome::completed);
    const std::vector<std::string> want = {
        "0us wakeup worker cpu0",        "0us switch cpu0 idle -> worker", "50us irq 11 entry eth0",
        "70us irq 11 exit eth0",         "120us switch cpu0 worker -> idle",
        "2000us wakeup worker cpu0",     "2000us switch cpu0 idle -> worker",
        "2000us switch cpu0 worker -> idle",
    };
    CHECK(events == want);
}

TEST_CASE("lock contention is traced where a context starts and stops waiting", "[arch][trace]")
{
    machine_fixture f(2);
    arch::mutex m(f.m, "big_lock");
    std::vector<std::string> events;
    f.m.trace().contention_begin.attach(
        [&](const arch::lock_base& l) { events.push_back(fmt::format("{}us {} waits for {}", f.now_us(), f.m.current().name(), l.name())); });
    f.m.trace().contention_end.attach(
        [&](const arch::lock_base& l) { events.push_back(fmt::format("{}us {} took {}", f.now_us(), f.m.current().name(), l.name())); });
    f.m.create_thread("a", [&] {
        m.lock();
        f.m.udelay(10);
        m.unlock();
    }, {0});
    f.m.create_thread("b", [&] {
        f.m.udelay(1);
        m.lock();
        m.unlock();
    }, {1});
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(events == std::vector<std::string>{"1us b waits for big_lock", "10us b took big_lock"});
}

TEST_CASE("every report is announced on report_raised, printed or not", "[arch][trace]")
{
    machine_fixture f(1);
    int seen = 0;
    f.m.trace().report_raised.attach([&](const arch::report& r) {
        ++seen;
        CHECK(r.kind == arch::report_kind::warning);
    });
    f.m.create_thread("t", [&] {
        for (std::size_t i = 0; i < arch::kernel_log::reports_kept_per_kind + 5; ++i)
            f.m.warn("", nullptr, 0, "t");
    });
    f.run();
    CHECK(seen == static_cast<int>(arch::kernel_log::reports_kept_per_kind + 5));
}
