// tests/arch/machine_test.cpp - CPUs, threads, time calls, scheduling, API errors.
#include "harness.h"

#include "arch/preempt.h"
#include "sim/error.h"

using namespace kmsim;
using namespace kmsim::test;

TEST_CASE("a machine needs 1 to 1024 CPUs", "[arch][machine]")
{
    sim::engine e;
    CHECK_THROWS_AS(arch::machine(e, arch::machine_config{0}), sim::config_error);
    CHECK_THROWS_WITH(arch::machine(e, arch::machine_config{-3}), "a machine has 1 to 1024 CPUs, not -3");
    CHECK_THROWS_AS(arch::machine(e, arch::machine_config{1025}), sim::config_error);
    arch::machine big(e, arch::machine_config{1024});
    // The same table and message as the scenario parser's.
    CHECK_THROWS_WITH(arch::machine(e, arch::machine_config{1, 123}), "hz=123 is not a kernel HZ: use 100, 250, 300 or 1000");
    CHECK(big.nr_cpus() == 1024);
}

TEST_CASE("bad CPU numbers and IRQ lines are errors, not crashes", "[arch][machine]")
{
    machine_fixture f(2);
    CHECK_THROWS_WITH(f.m.create_thread("t", [] {}, {5}), "CPU 5 does not exist (the machine has CPUs 0..1)");
    CHECK_THROWS_WITH(f.m.request_irq(11, "eth0", 2, [] {}), "CPU 2 does not exist (the machine has CPUs 0..1)");
    CHECK_THROWS_AS(f.m.request_irq(-1, "bad", 0, [] {}), sim::config_error);
    f.m.request_irq(11, "eth0", 1, [] {});
    CHECK_THROWS_WITH(f.m.request_irq(11, "eth1", 0, [] {}), "irq 11 is already requested by eth0");
    CHECK_THROWS_AS(f.m.irq(12), sim::config_error);
}

TEST_CASE("udelay burns CPU time, msleep sleeps whole jiffies plus one", "[arch][machine][time]")
{
    machine_fixture f(1);
    std::vector<std::int64_t> t;
    f.m.create_thread("worker", [&] {
        f.m.udelay(10);
        t.push_back(f.now_us());
        f.m.msleep(1);  // msecs_to_jiffies(1) + 1 = 2 jiffies, to a jiffy boundary
        t.push_back(f.now_us());
        f.m.mdelay(1);
        t.push_back(f.now_us());
        f.m.usleep_range(100, 200);
        t.push_back(f.now_us());
    });
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(t == std::vector<std::int64_t>{10, 2000, 3000, 3200});
}

TEST_CASE("jiffies start at INITIAL_JIFFIES and follow hz", "[arch][machine][time]")
{
    machine_fixture f(1, 1, 250);
    std::uint64_t j0 = 0, j1 = 0;
    f.m.create_thread("t", [&] {
        j0 = f.m.jiffies();
        f.m.mdelay(40);
        j1 = f.m.jiffies();
    });
    f.run();
    CHECK(j0 == 4294892296ULL);  // (u32)(-300 * 250)
    CHECK(j1 - j0 == 10);
}

TEST_CASE("threads on different CPUs run in parallel", "[arch][machine][sched]")
{
    machine_fixture f(2);
    std::int64_t end_a = 0, end_b = 0;
    f.m.create_thread("a", [&] { f.m.mdelay(5); end_a = f.now_us(); });
    f.m.create_thread("b", [&] { f.m.mdelay(5); end_b = f.now_us(); });
    f.run();
    CHECK(end_a == 5000);
    CHECK(end_b == 5000);
}

TEST_CASE("select_task_rq: the last CPU if idle, else the first idle one, else the last", "[arch][machine][sched]")
{
    // CPU1 is busy throughout (a). s is not pinned; y takes CPU0 from 4 ms,
    // x takes CPU2 from 10 ms.
    machine_fixture f(3);
    std::vector<int> ran_on;
    auto busy = [&f](std::uint64_t ms) { return [&f, ms] { f.m.mdelay(ms); }; };
    f.m.create_thread("a", busy(30), {1});
    f.m.create_thread("s", [&] {
        ran_on.push_back(f.m.smp_processor_id());  // 0 ms: every CPU but CPU1 idle: the first, CPU0
        f.m.mdelay(1);
        f.m.msleep(1);
        ran_on.push_back(f.m.smp_processor_id());  // 3 ms: its last CPU, CPU0, is idle
        f.m.msleep(5);
        ran_on.push_back(f.m.smp_processor_id());  // 9 ms: CPU0 busy (y): the idle CPU2
        f.m.msleep(5);
        ran_on.push_back(f.m.smp_processor_id());  // 15 ms: none idle: its last CPU, CPU2
    });
    f.m.create_thread("y", busy(20), {0, sim::time_point(sim::msecs(4))});
    f.m.create_thread("x", busy(20), {2, sim::time_point(sim::msecs(10))});
    f.run();
    CHECK(ran_on == std::vector<int>{0, 0, 2, 2});
}

TEST_CASE("two busy threads on one CPU share it in round-robin time slices", "[arch][machine][sched]")
{
    // CPU0: |a 0-3ms|b 3-6ms|a 6-9ms|b 9-12ms|a 12-14|b 14-16   (slice 3 ms, 8 ms of work each)
    machine_fixture f(1);
    std::int64_t end_a = 0, end_b = 0;
    f.m.create_thread("a", [&] { f.m.mdelay(8); end_a = f.now_us(); }, {0});
    f.m.create_thread("b", [&] { f.m.mdelay(8); end_b = f.now_us(); }, {0});
    f.run();
    CHECK(end_a == 14000);
    CHECK(end_b == 16000);
    CHECK(f.m.cpu_at(0).context_switches() >= 6);
}

TEST_CASE("preemption waits until preempt_count drops to zero", "[arch][machine][sched]")
{
    machine_fixture f(1);
    std::int64_t end_a = 0, start_b = -1;
    f.m.create_thread("a", [&] {
        f.m.preempt_disable();
        f.m.mdelay(10);  // not preemptible: runs through the slice
        f.m.preempt_enable();
        f.m.mdelay(1);
        end_a = f.now_us();
    }, {0});
    f.m.create_thread("b", [&] { start_b = f.now_us(); }, {0});
    f.run();
    CHECK(start_b == 10000);  // the first tick after preempt_enable()
    CHECK(end_a == 11000);
}

TEST_CASE("preempt_count has the kernel's layout in each context", "[arch][machine][preempt]")
{
    machine_fixture f(1);
    std::uint32_t in_thread = 99, under_lock = 99, in_irq = 99;
    bool irq_in_interrupt = false, irq_irqs_off = false;
    arch::spinlock l(f.m, "l");
    f.m.request_irq(5, "dev", 0, [&] {
        in_irq = f.m.preempt_count();
        irq_in_interrupt = f.m.in_interrupt();
        irq_irqs_off = f.m.irqs_disabled();
    });
    f.m.irq(5).raise_at(sim::time_point(sim::usecs(50)));
    f.m.create_thread("t", [&] {
        in_thread = f.m.preempt_count();
        l.lock();
        under_lock = f.m.preempt_count();
        l.unlock();
        f.m.udelay(100);
    });
    f.run();
    CHECK(in_thread == 0);
    CHECK(under_lock == 1);
    CHECK(in_irq == arch::HARDIRQ_OFFSET);
    CHECK(irq_in_interrupt);
    CHECK(irq_irqs_off);
}

TEST_CASE("a kernel call outside any context is an internal error", "[arch][machine]")
{
    machine_fixture f(1);
    CHECK_THROWS_AS(f.m.udelay(1), sim::internal_error);
}

TEST_CASE("panic stops the machine with outcome panic", "[arch][machine]")
{
    machine_fixture f(1);
    bool after = false;
    f.m.create_thread("t", [&] {
        f.m.panic("System is deadlocked on memory");
        after = true;
    });
    auto r = f.run();
    CHECK(r.result == sim::outcome::panic);
    CHECK_FALSE(after);
    const arch::report* p = f.find_report("Kernel panic - not syncing: System is deadlocked on memory");
    REQUIRE(p);
    CHECK(p->kind == arch::report_kind::panic);
}

namespace {
// A busy little machine: two CPUs, jittered interrupts, a contended mutex and
// spinlock, sleeps. Returns its kernel log and event count.
std::pair<std::string, std::uint64_t> busy_run(std::uint64_t seed)
{
    machine_fixture f(2, seed);
    arch::mutex mu(f.m, "mu");
    arch::spinlock sl(f.m, "sl");
    f.m.request_irq(11, "eth0", 1, [&] {
        sl.lock();
        f.m.udelay(5);
        sl.unlock();
    });
    f.m.irq(11).raise_every(sim::time_point(sim::usecs(10)), sim::usecs(300), 50, sim::usecs(100));
    for (int i = 0; i < 3; ++i) {
        f.m.create_thread("w" + std::to_string(i), [&, i] {
            for (int k = 0; k < 20; ++k) {
                mu.lock();
                f.m.udelay(50 + static_cast<std::uint64_t>(i) * 7);
                mu.unlock();
                unsigned long flags = sl.lock_irqsave();
                f.m.udelay(3);
                sl.unlock_irqrestore(flags);
                f.m.usleep_range(100, 200);
            }
            f.m.preempt_disable();
            f.m.might_sleep();  // a report, so the log has content
            f.m.preempt_enable();
        });
    }
    f.run();
    return {f.m.log().dmesg(), f.eng.events()};
}
}  // namespace

TEST_CASE("the same seed gives an identical run; another seed changes the IRQ jitter", "[arch][determinism]")
{
    auto a = busy_run(5), b = busy_run(5), c = busy_run(6);
    CHECK_FALSE(a.first.empty());
    CHECK(a.first == b.first);
    CHECK(a.second == b.second);
    CHECK((a.first != c.first || a.second != c.second));
}
