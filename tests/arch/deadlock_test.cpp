// tests/arch/deadlock_test.cpp - deadlocks are found and explained as cycles.
#include "harness.h"

using namespace kmsim;
using namespace kmsim::test;

TEST_CASE("a spinlock taken by an IRQ that interrupted its holder: a self deadlock", "[arch][deadlock]")
{
    // CPU0: worker: spin_lock(dev_lock) ... udelay(100)   <- IRQs still on
    //                      eth0 at 50 us: spin_lock(dev_lock) spins forever:
    //       the holder cannot run until the handler returns.
    machine_fixture f(1);
    arch::spinlock l(f.m, "dev_lock");
    f.m.request_irq(11, "eth0", 0, [&] {
        arch::frame_guard g(f.m.current(), at("eth0", 20));
        l.lock();
        l.unlock();
    });
    f.m.irq(11).raise_at(sim::time_point(sim::usecs(50)));
    f.m.create_thread("worker", [&] {
        arch::frame_guard g(f.m.current(), at("worker", 10));
        l.lock();
        f.m.udelay(100);
        l.unlock();
    });
    auto r = f.run();
    REQUIRE(r.result == sim::outcome::deadlock);
    REQUIRE(r.deadlock);
    CHECK(r.deadlock->kind == sim::deadlock_kind::self);
    CHECK(f.now_us() == 50);  // found when the handler began to spin
    REQUIRE(r.deadlock->cycle.size() == 2);
    CHECK(r.deadlock->cycle[0].context == "eth0");
    CHECK(r.deadlock->cycle[0].waits_for == "spin_lock(dev_lock)");
    CHECK(r.deadlock->cycle[0].held_by == "worker");
    CHECK(r.deadlock->cycle[1].context == "worker");
    CHECK(r.deadlock->cycle[1].waits_for == "CPU0 (interrupted by eth0)");
    CHECK(r.deadlock->cycle[1].held_by == "eth0");

    const arch::report* rep = f.find_report("INFO: deadlock detected");
    REQUIRE(rep);
    CHECK(rep->kind == arch::report_kind::deadlock);
    CHECK(rep->title == "INFO: deadlock detected: eth0 waits for itself on CPU0 (self)");
    CHECK(rep->text.find("  eth0 on CPU0 (hard IRQ) holds no lock\n"
                         "    and waits for spin_lock(dev_lock) at test.kms:20, held by worker\n"
                         "  worker/100 on CPU0 holds dev_lock\n"
                         "    and waits for CPU0 (interrupted by eth0) at test.kms:10, held by eth0\n"
                         "  eth0 -> spin_lock(dev_lock) held by worker holds dev_lock -> CPU0 (interrupted by eth0) held by eth0\n") !=
          std::string::npos);
}

TEST_CASE("spin_lock_irqsave in the thread keeps the IRQ out: no deadlock", "[arch][deadlock]")
{
    machine_fixture f(1);
    arch::spinlock l(f.m, "dev_lock");
    std::int64_t irq_at = -1;
    f.m.request_irq(11, "eth0", 0, [&] {
        l.lock();
        irq_at = f.now_us();
        l.unlock();
    });
    f.m.irq(11).raise_at(sim::time_point(sim::usecs(50)));
    f.m.create_thread("worker", [&] {
        unsigned long flags = l.lock_irqsave();
        f.m.udelay(100);
        l.unlock_irqrestore(flags);
    });
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(irq_at == 100);
}

TEST_CASE("ABBA between two threads is reported with both edges", "[arch][deadlock]")
{
    machine_fixture f(2);
    arch::mutex a(f.m, "lock_a"), b(f.m, "lock_b");
    f.m.create_thread("thread_a", [&] {
        a.lock();
        f.m.msleep(1);
        b.lock();
        b.unlock();
        a.unlock();
    });
    f.m.create_thread("thread_b", [&] {
        b.lock();
        f.m.msleep(1);
        a.lock();
        a.unlock();
        b.unlock();
    });
    auto r = f.run();
    REQUIRE(r.result == sim::outcome::deadlock);
    REQUIRE(r.deadlock);
    CHECK(r.deadlock->kind == sim::deadlock_kind::lock_cycle);
    REQUIRE(r.deadlock->cycle.size() == 2);
    // The context whose wait closed the cycle comes first.
    CHECK(r.deadlock->cycle[0].context == "thread_b");
    CHECK(r.deadlock->cycle[0].waits_for == "mutex_lock(lock_a)");
    CHECK(r.deadlock->cycle[0].held_by == "thread_a");
    CHECK(r.deadlock->cycle[1].context == "thread_a");
    CHECK(r.deadlock->cycle[1].waits_for == "mutex_lock(lock_b)");
    CHECK(r.deadlock->cycle[1].held_by == "thread_b");
    const arch::report* rep = f.find_report("INFO: deadlock detected: 2 contexts wait for each other (lock_cycle)");
    REQUIRE(rep);
    CHECK(rep->text.find("thread_b holds lock_b -> mutex_lock(lock_a) held by thread_a holds lock_a -> "
                         "mutex_lock(lock_b) held by thread_b") != std::string::npos);
}

TEST_CASE("taking a mutex twice: a context waits for itself", "[arch][deadlock]")
{
    machine_fixture f(1);
    arch::mutex m(f.m, "m");
    f.m.create_thread("t", [&] {
        m.lock();
        m.lock();
    });
    auto r = f.run();
    REQUIRE(r.result == sim::outcome::deadlock);
    CHECK(r.deadlock->kind == sim::deadlock_kind::self);
    REQUIRE(r.deadlock->cycle.size() == 1);
    CHECK(r.deadlock->cycle[0].waits_for == "mutex_lock(m)");
    CHECK(r.deadlock->cycle[0].held_by == "t");
}

TEST_CASE("a cycle through a completion is found when nothing else can run", "[arch][deadlock]")
{
    machine_fixture f(2);
    arch::mutex m(f.m, "m");
    arch::completion ready(f.m, "ready");
    auto& waiter = f.m.create_thread("waiter", [&] {
        m.lock();
        ready.wait_for_completion();
        m.unlock();
    });
    auto& completer = f.m.create_thread("completer", [&] {
        f.m.msleep(1);
        m.lock();  // needs the mutex before it completes: never
        ready.complete();
        m.unlock();
    });
    ready.expect_completer(completer);
    (void)waiter;
    auto r = f.run();
    REQUIRE(r.result == sim::outcome::deadlock);
    CHECK(r.deadlock->kind == sim::deadlock_kind::lock_cycle);
    REQUIRE(r.deadlock->cycle.size() == 2);
    CHECK(r.deadlock->cycle[0].waits_for == "wait_for_completion(ready)");
    CHECK(r.deadlock->cycle[1].waits_for == "mutex_lock(m)");
}

TEST_CASE("a wait nobody can end is a no_progress deadlock", "[arch][deadlock]")
{
    machine_fixture f(1);
    arch::completion never(f.m, "never");
    f.m.create_thread("t", [&] { never.wait_for_completion(); });
    auto r = f.run();
    REQUIRE(r.result == sim::outcome::deadlock);
    CHECK(r.deadlock->kind == sim::deadlock_kind::no_progress);
    CHECK(f.find_report("INFO: deadlock detected: nothing can make progress (no_progress)"));
}

TEST_CASE("a thread spinning on a lock whose holder sleeps on the same CPU", "[arch][deadlock]")
{
    // holder takes the spinlock and sleeps (a bug: scheduling while atomic);
    // spinner then spins on the only CPU with preemption off, so the holder
    // can never run again to release it.
    machine_fixture f(1);
    arch::spinlock l(f.m, "l");
    f.m.create_thread("holder", [&] {
        l.lock();
        f.m.msleep(1);
        l.unlock();
    });
    f.m.create_thread("spinner", [&] { l.lock(); l.unlock(); });
    auto r = f.run();
    REQUIRE(r.result == sim::outcome::deadlock);
    CHECK(r.deadlock->kind == sim::deadlock_kind::self);
    REQUIRE(r.deadlock->cycle.size() == 2);
    CHECK(r.deadlock->cycle[0].waits_for.rfind("CPU0 (runqueue", 0) == 0);
}

TEST_CASE("a task stuck for good is reported by the hung-task detector first", "[arch][hung_task]")
{
    machine_fixture f(1);
    arch::mutex m(f.m, "m");
    f.m.create_thread("owner", [&] {
        m.lock();
        arch::completion never(f.m, "never");
        never.wait_for_completion();
    });
    f.m.create_thread("waiter", [&] {
        f.m.msleep(3);
        m.lock();
    });
    auto r = f.run();
    CHECK(r.result == sim::outcome::deadlock);
    // Each task is reported once it has waited the timeout; the deadlock report
    // follows when nothing is left to happen.
    CHECK(sim::to_ns(r.end) == sim::to_ns(sim::time_point(sim::secs(120) + sim::msecs(4))));
    const arch::report* h = f.find_report("INFO: task owner:100 blocked for more than 120 seconds.");
    REQUIRE(h);
    CHECK(h->kind == arch::report_kind::hung_task);
    CHECK(h->text.find("\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.\n"
                       "task:owner           state:D stack:0     pid:100   tgid:100   ppid:2      flags:0x00004000\n") !=
          std::string::npos);
    CHECK(sim::to_ns(h->when) == sim::to_ns(sim::time_point(sim::secs(120))));
    // The waiter started waiting 4 ms later (msleep(3) is 4 jiffies).
    const arch::report* w = f.find_report("INFO: task waiter:101 blocked for more than 120 seconds.");
    REQUIRE(w);
    CHECK(sim::to_ns(w->when) == sim::to_ns(sim::time_point(sim::secs(120) + sim::msecs(4))));
    CHECK(w->text.find("INFO: task waiter:101 is blocked on a mutex likely owned by task owner:100.\n") !=
          std::string::npos);
}

TEST_CASE("the hung-task report names a mutex's owner", "[arch][hung_task]")
{
    machine_fixture f(1);
    arch::mutex m(f.m, "m");
    arch::completion never(f.m, "never");
    f.m.create_thread("owner", [&] { m.lock(); never.wait_for_completion(); });
    f.m.create_thread("waiter", [&] { m.lock(); });
    f.run();
    const arch::report* h = f.find_report("INFO: task waiter:101 blocked for more than 120 seconds.");
    REQUIRE(h);
    CHECK(h->text.find("INFO: task waiter:101 is blocked on a mutex likely owned by task owner:100.\n") !=
          std::string::npos);
}

TEST_CASE("a task blocked past the timeout is reported even when the run later recovers", "[arch][hung_task]")
{
    machine_fixture f(2);
    arch::mutex m(f.m, "m");
    f.m.create_thread("holder", [&] {
        m.lock();
        f.m.msleep(200000);  // 200 s with the lock held
        m.unlock();
    }, {0});
    f.m.create_thread("waiter", [&] {
        f.m.msleep(10);
        m.lock();
        m.unlock();
    }, {1});
    auto r = f.run();
    CHECK(r.result == sim::outcome::completed);
    const arch::report* w = f.find_report("INFO: task waiter:101 blocked for more than 120 seconds.");
    REQUIRE(w);
    CHECK(w->text.find("is blocked on a mutex likely owned by task holder:100.") != std::string::npos);
    // msleep() sleeps uninterruptibly too, as in the kernel.
    CHECK(f.find_report("INFO: task holder:100 blocked for more than 120 seconds."));
}

TEST_CASE("short waits never wake the hung-task detector into a report", "[arch][hung_task]")
{
    machine_fixture f(1);
    f.m.create_thread("sleeper", [&] {
        for (int i = 0; i < 100; ++i)
            f.m.msleep(1000);  // 100 s in 1 s naps: never 120 s in one wait
    });
    auto r = f.run();
    CHECK(r.result == sim::outcome::completed);
    CHECK_FALSE(f.find_report("INFO: task sleeper"));
}
