// tests/arch/softirq_test.cpp - softirq runs, ksoftirqd, timers, tasklets and lockdep's softirq usage.
#include "harness.h"

#include "arch/preempt.h"
#include "arch/softirq.h"
#include "arch/tasklet.h"
#include "arch/timer.h"

#include <fmt/format.h>

using namespace kmsim;
using namespace kmsim::test;

namespace {
struct softirq_fixture : machine_fixture {
    explicit softirq_fixture(int cpus = 1) : machine_fixture(cpus) { m.softirqs().init(); }
    // Where the running code is: "softirq", "ksoftirqd/0", a task's name.
    std::string where()
    {
        const arch::context& c = m.current();
        return c.is_softirq() ? "softirq" : c.name();
    }
};
}  // namespace

TEST_CASE("a timer runs at its tick in softirq context on the CPU that armed it, with SOFTIRQ_OFFSET",
          "[arch][softirq][timer]")
{
    softirq_fixture f(2);
    std::string ran_in;
    int cpu = -1;
    std::uint32_t count = 0;
    std::int64_t at_us = 0;
    arch::timer_list t("t", [&] {
        ran_in = f.where();
        cpu = f.m.smp_processor_id();
        count = f.m.preempt_count();
        at_us = f.now_us();
    });
    f.m.create_thread("armer", [&] {
        CHECK(f.m.timers().mod_timer(t, f.m.jiffies() + 3) == 0);
        CHECK(f.m.timers().mod_timer(t, f.m.jiffies() + 3) == 1);  // the same expiry: pending, unchanged
        f.m.udelay(5000);  // busy on CPU1 when the tick comes
    }, arch::thread_options{1});
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(ran_in == "softirq");
    CHECK(cpu == 1);
    CHECK(count == arch::SOFTIRQ_OFFSET);
    CHECK(at_us == 3000);
}

TEST_CASE("with BH disabled the tick's softirq waits for local_bh_enable(), which runs it", "[arch][softirq][timer]")
{
    softirq_fixture f;
    std::vector<std::string> log;
    arch::timer_list t("t", [&] { log.push_back("timer in " + f.where()); });
    f.m.create_thread("task", [&] {
        f.m.timers().mod_timer(t, f.m.jiffies() + 1);
        f.m.softirqs().local_bh_disable();
        CHECK(f.m.softirqs().in_softirq());
        CHECK_FALSE(f.m.softirqs().in_serving_softirq());
        f.m.udelay(3000);  // the tick at 1 ms finds BH disabled
        log.push_back("enable");
        f.m.softirqs().local_bh_enable();
        log.push_back("after");
    });
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(log == std::vector<std::string>{"enable", "timer in softirq", "after"});
}

TEST_CASE("a tasklet scheduled by a task runs in ksoftirqd; by a hard IRQ, at its exit", "[arch][softirq][tasklet]")
{
    softirq_fixture f;
    std::vector<std::string> ran_in;
    arch::tasklet_struct t("t", [&] { ran_in.push_back(f.where()); });
    f.m.create_thread("task", [&] {
        f.m.tasklets().tasklet_schedule(t);
        f.m.tasklets().tasklet_schedule(t);  // once while scheduled
        f.m.msleep(5);
    });
    arch::irq_line& eth = f.m.request_irq(11, "eth0", 0, [&] { f.m.tasklets().tasklet_schedule(t); });
    eth.raise_at(sim::at_ns(2000000));
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(ran_in == std::vector<std::string>{"ksoftirqd/0", "softirq"});
    CHECK(f.m.softirqs().ksoftirqd().front()->pid() == 4);
}

TEST_CASE("softirqs that keep coming go to ksoftirqd after MAX_SOFTIRQ_RESTART rounds", "[arch][softirq][tasklet]")
{
    softirq_fixture f;
    int in_softirq = 0, in_ksoftirqd = 0;
    arch::tasklet_struct* self = nullptr;
    arch::tasklet_struct t("again", [&] {
        (f.m.current().is_softirq() ? in_softirq : in_ksoftirqd)++;
        if (in_softirq + in_ksoftirqd < 15)
            f.m.tasklets().tasklet_schedule(*self);
    });
    self = &t;
    arch::irq_line& eth = f.m.request_irq(11, "eth0", 0, [&] { f.m.tasklets().tasklet_schedule(t); });
    eth.raise_at(sim::at_ns(1000));
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(in_softirq == arch::MAX_SOFTIRQ_RESTART);
    CHECK(in_ksoftirqd == 5);
}

TEST_CASE("a lock taken in softirq and by a task with softirqs on: inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W}",
          "[arch][softirq][lockdep]")
{
    softirq_fixture f;
    arch::spinlock lock(f.m, "stats_lock");
    arch::timer_list t("sampler", [&] {
        lock.lock();
        lock.unlock();
    });
    f.m.create_thread("counter", [&] {
        f.m.timers().mod_timer(t, f.m.jiffies() + 1);
        lock.lock();
        f.m.udelay(2000);
        lock.unlock();
    });
    CHECK(f.run().result == sim::outcome::deadlock);
    const arch::report* r = f.find_report("inconsistent lock state");
    REQUIRE(r);
    CHECK(r->text.find("inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage.\n"
                       "counter/100 [HC0[0]:SC1[1]:HE1:SE0] takes:\n") != std::string::npos);
    CHECK(r->text.find("(stats_lock){+.?.}-{2:2}") != std::string::npos);
    const arch::report* d = f.find_report("deadlock detected");
    REQUIRE(d);
    CHECK(d->title == "INFO: deadlock detected: softirq waits for itself on CPU0 (self)");
}

TEST_CASE("del_timer_sync spins until the callback running on another CPU returns", "[arch][softirq][timer]")
{
    softirq_fixture f(2);
    std::vector<std::string> log;
    arch::timer_list t("slow", [&] {
        log.push_back("callback starts");
        f.m.udelay(500);
        log.push_back("callback ends");
    });
    f.m.create_thread("armer", [&] {
        f.m.timers().mod_timer(t, f.m.jiffies() + 1);
        f.m.udelay(3000);
    }, arch::thread_options{1});
    f.m.create_thread("stopper", [&] {
        f.m.udelay(1100);  // the callback runs on CPU1 now
        CHECK(f.m.timers().del_timer_sync(t) == 0);
        log.push_back("del_timer_sync returns");
    }, arch::thread_options{0});
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(log == std::vector<std::string>{"callback starts", "callback ends", "del_timer_sync returns"});
}

TEST_CASE("a tasklet never runs on two CPUs at once: scheduled where it runs elsewhere, it waits its turn",
          "[arch][softirq][tasklet]")
{
    softirq_fixture f(2);
    std::vector<std::string> log;
    arch::tasklet_struct t("t", [&] {
        log.push_back(fmt::format("starts on CPU{}", f.m.smp_processor_id()));
        f.m.udelay(100);
        log.push_back("ends");
    });
    arch::irq_line& a = f.m.request_irq(11, "a", 0, [&] { f.m.tasklets().tasklet_schedule(t); });
    arch::irq_line& b = f.m.request_irq(12, "b", 1, [&] { f.m.tasklets().tasklet_schedule(t); });
    a.raise_at(sim::at_ns(1000));
    b.raise_at(sim::at_ns(20000));  // while it runs on CPU0
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(log == std::vector<std::string>{"starts on CPU0", "ends", "starts on CPU1", "ends"});
}
