// tests/arch/irq_test.cpp - interrupts: preempting a busy thread, pending while IRQs are off, jitter.
#include "harness.h"

using namespace kmsim;
using namespace kmsim::test;

TEST_CASE("an IRQ interrupts a busy thread, which then resumes where it was", "[arch][irq]")
{
    // CPU0: worker udelay(100) from 0 us
    //        |--- worker 50 us ---|== eth0 handler 20 us ==|--- worker 50 us ---|
    //        0                    50                        70                   120
    // Expect: the handler starts at 50 us, the worker finishes at 120 us.
    machine_fixture f(1);
    std::int64_t irq_start = -1, irq_end = -1, worker_end = -1;
    std::string comm_in_irq;
    f.m.request_irq(11, "eth0", 0, [&] {
        irq_start = f.now_us();
        comm_in_irq = f.m.current_comm();
        f.m.udelay(20);
        irq_end = f.now_us();
    });
    f.m.irq(11).raise_at(sim::time_point(sim::usecs(50)));
    f.m.create_thread("worker", [&] {
        f.m.udelay(100);
        worker_end = f.now_us();
    });
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(irq_start == 50);
    CHECK(irq_end == 70);
    CHECK(worker_end == 120);
    CHECK(comm_in_irq == "worker");  // `current` in hard IRQ is the interrupted task
    CHECK(f.m.irq(11).handled() == 1);
}

TEST_CASE("an IRQ stays pending while IRQs are off and runs at local_irq_enable", "[arch][irq]")
{
    machine_fixture f(1);
    std::vector<std::string> trace;
    f.m.request_irq(3, "timer", 0, [&] { trace.push_back("irq@" + std::to_string(f.now_us())); });
    f.m.irq(3).raise_at(sim::time_point(sim::usecs(10)));
    f.m.create_thread("t", [&] {
        f.m.local_irq_disable();
        f.m.udelay(100);
        trace.push_back("enable@" + std::to_string(f.now_us()));
        f.m.local_irq_enable();
        trace.push_back("after@" + std::to_string(f.now_us()));
    });
    f.run();
    CHECK(trace == std::vector<std::string>{"enable@100", "irq@100", "after@100"});
}

TEST_CASE("local_irq_save/restore hold an IRQ back until the restore", "[arch][irq]")
{
    machine_fixture f(1);
    std::int64_t irq_at = -1;
    unsigned long saved = 0;
    f.m.request_irq(4, "dev", 0, [&] { irq_at = f.now_us(); });
    f.m.irq(4).raise_at(sim::time_point(sim::usecs(5)));
    f.m.create_thread("t", [&] {
        saved = f.m.local_irq_save();
        f.m.udelay(30);
        f.m.local_irq_restore(saved);
        f.m.udelay(30);
    });
    f.run();
    CHECK(saved == 0x246);  // IF set: IRQs were on
    CHECK(irq_at == 30);
}

TEST_CASE("an IRQ on an idle CPU runs at once with swapper as current", "[arch][irq]")
{
    machine_fixture f(2);
    std::string comm;
    int cpu = -1;
    f.m.request_irq(9, "nic", 1, [&] {
        comm = f.m.current_comm();
        cpu = f.m.smp_processor_id();
    });
    f.m.irq(9).raise_at(sim::time_point(sim::usecs(7)));
    f.run();
    CHECK(comm == "swapper/1");
    CHECK(cpu == 1);
}

TEST_CASE("raises of a line already pending are coalesced", "[arch][irq]")
{
    machine_fixture f(1);
    int runs = 0;
    f.m.request_irq(6, "dev", 0, [&] { ++runs; });
    for (int i = 1; i <= 3; ++i)
        f.m.irq(6).raise_at(sim::time_point(sim::usecs(i)));
    f.m.create_thread("t", [&] {
        f.m.local_irq_disable();
        f.m.udelay(10);
        f.m.local_irq_enable();
    });
    f.run();
    CHECK(runs == 1);
    CHECK(f.m.irq(6).coalesced() == 2);
}

namespace {
std::vector<std::int64_t> irq_times(std::uint64_t seed)
{
    machine_fixture f(1, seed);
    std::vector<std::int64_t> times;
    f.m.request_irq(11, "eth0", 0, [&] { times.push_back(sim::to_ns(f.eng.now())); });
    f.m.irq(11).raise_every(sim::time_point(sim::usecs(100)), sim::usecs(500), 20, sim::usecs(50));
    f.run();
    return times;
}
}  // namespace

TEST_CASE("periodic IRQs with jitter: same seed same trace, another seed another", "[arch][irq][determinism]")
{
    auto a = irq_times(1), b = irq_times(1), c = irq_times(2);
    REQUIRE(a.size() == 20);
    CHECK(a == b);
    CHECK(a != c);
    for (std::size_t i = 0; i < a.size(); ++i) {
        std::int64_t base = 100000 + static_cast<std::int64_t>(i) * 500000;
        CHECK(a[i] >= base);
        CHECK(a[i] <= base + 50000);
    }
}
