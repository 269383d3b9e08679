// tests/arch/lockdep_test.cpp - lockdep's predictions and reports.
#include "harness.h"

using namespace kmsim;
using namespace kmsim::test;

TEST_CASE("ABBA is predicted even when the two threads never overlap", "[arch][lockdep]")
{
    // thread_a: a then b, finishes. thread_b, 10 ms later: b then a. No
    // deadlock happens in this run, but lockdep sees the cycle a -> b -> a.
    machine_fixture f(2);
    arch::mutex a(f.m, "lock_a"), b(f.m, "lock_b");
    f.m.create_thread("thread_a", [&] {
        arch::frame_guard g(f.m.current(), at("thread_a", 3));
        a.lock();
        b.lock();
        b.unlock();
        a.unlock();
    });
    f.m.create_thread("thread_b", [&] {
        arch::frame_guard g(f.m.current(), at("thread_b", 9));
        b.lock();
        a.lock();
        a.unlock();
        b.unlock();
    }, {-1, sim::time_point(sim::msecs(10))});
    CHECK(f.run().result == sim::outcome::completed);
    const arch::report* r = f.find_report("WARNING: possible circular locking dependency detected");
    REQUIRE(r);
    CHECK(r->kind == arch::report_kind::lockdep);
    CHECK(r->context == "thread_b");
    CHECK(r->text.find("thread_b/101 is trying to acquire lock:\nffffffff82c01000 (lock_a){+.+.}-{3:3}, at: thread_b at test.kms:9\n\n"
                       "but task is already holding lock:\nffffffff82c01040 (lock_b){+.+.}-{3:3}, at: thread_b at test.kms:9\n\n"
                       "which lock already depends on the new lock.\n") != std::string::npos);
    CHECK(r->text.find("-> #1 (lock_b){+.+.}-{3:3}:\n       thread_a at test.kms:3\n") != std::string::npos);
    CHECK(r->text.find("       CPU0                    CPU1\n"
                       "       ----                    ----\n"
                       "  lock(lock_b);\n"
                       "                               lock(lock_a);\n"
                       "                               lock(lock_b);\n"
                       "  lock(lock_a);\n\n *** DEADLOCK ***\n") != std::string::npos);
    CHECK(r->text.find("1 lock held by thread_b/101:\n #0: ffffffff82c01040 (lock_b)") != std::string::npos);
}

TEST_CASE("lockdep reports the first problem only, then turns itself off", "[arch][lockdep]")
{
    machine_fixture f(1);
    arch::mutex a(f.m, "a"), b(f.m, "b"), c(f.m, "c");
    f.m.create_thread("t", [&] {
        a.lock(); b.lock(); b.unlock(); a.unlock();
        b.lock(); a.lock(); a.unlock(); b.unlock();  // first cycle: reported
        c.lock(); b.lock(); b.unlock(); c.unlock();
        b.lock(); c.lock(); c.unlock(); b.unlock();  // second: silent
    });
    f.run();
    int n = 0;
    for (const auto& r : f.m.log().reports())
        n += r.kind == arch::report_kind::lockdep;
    CHECK(n == 1);
    CHECK_FALSE(f.m.lockdep_checks().enabled());
}

TEST_CASE("taking a lock twice: possible recursive locking detected", "[arch][lockdep]")
{
    machine_fixture f(1);
    arch::spinlock l(f.m, "l");
    f.m.create_thread("t", [&] {
        l.lock();
        l.lock();
    });
    auto res = f.run();
    CHECK(res.result == sim::outcome::deadlock);  // and then it really deadlocks
    const arch::report* r = f.find_report("WARNING: possible recursive locking detected");
    REQUIRE(r);
    CHECK(r->text.find("  lock(l);\n  lock(l);\n\n *** DEADLOCK ***\n\n May be due to missing lock nesting notation\n") !=
          std::string::npos);
}

TEST_CASE("a lock used in hard-IRQ context and taken with IRQs on: inconsistent lock state", "[arch][lockdep]")
{
    machine_fixture f(1);
    arch::spinlock l(f.m, "dev_lock");
    f.m.request_irq(11, "eth0", 0, [&] {
        l.lock();
        l.unlock();
    });
    f.m.irq(11).raise_at(sim::time_point(sim::usecs(10)));
    f.m.create_thread("worker", [&] {
        f.m.udelay(50);  // the IRQ comes first, while the lock is free
        arch::frame_guard g(f.m.current(), at("worker", 20));
        l.lock();        // IRQs on: the handler could interrupt us here
        l.unlock();
    });
    CHECK(f.run().result == sim::outcome::completed);
    const arch::report* r = f.find_report("WARNING: inconsistent lock state");
    REQUIRE(r);
    CHECK(r->text.find("inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage.\n"
                       "worker/100 [HC0[0]:SC0[0]:HE1:SE1] takes:\n"
                       "ffffffff82c01000 (dev_lock){?...}-{2:2}, at: worker at test.kms:20\n") != std::string::npos);
    CHECK(r->text.find("  lock(dev_lock);\n  <Interrupt>\n    lock(dev_lock);\n") != std::string::npos);
}

TEST_CASE("spin_lock_irqsave in the thread keeps lockdep quiet", "[arch][lockdep]")
{
    machine_fixture f(1);
    arch::spinlock l(f.m, "dev_lock");
    f.m.request_irq(11, "eth0", 0, [&] { l.lock(); l.unlock(); });
    f.m.irq(11).raise_at(sim::time_point(sim::usecs(10)));
    f.m.create_thread("worker", [&] {
        f.m.udelay(50);
        unsigned long flags = l.lock_irqsave();
        l.unlock_irqrestore(flags);
    });
    f.run();
    CHECK_FALSE(f.find_report("WARNING"));
}

TEST_CASE("acquire_release checks like an acquire and keeps nothing held", "[arch][lockdep]")
{
    // fs_reclaim's annotation in might_alloc(): taken in process context with
    // IRQs on many times (the fast path: nothing new), then in a hard-IRQ
    // handler, which is the inconsistency lockdep must still see.
    machine_fixture f(1);
    arch::lockdep_map fs_reclaim{"fs_reclaim", 0};
    arch::spinlock outer(f.m, "outer");
    f.m.create_thread("worker", [&] {
        arch::frame_guard g(f.m.current(), at("worker", 5));
        for (int i = 0; i < 3; ++i)
            f.m.lockdep_checks().acquire_release(fs_reclaim, f.m.current());
        CHECK(f.m.current().lockdep_held().empty());
        outer.lock();
        f.m.lockdep_checks().acquire_release(fs_reclaim, f.m.current());  // a new dependency: outer -> fs_reclaim
        CHECK(f.m.current().lockdep_held().size() == 1);
        outer.unlock();
        f.m.udelay(200);  // the interrupt comes meanwhile
    });
    f.m.request_irq(11, "eth0", 0, [&] {
        arch::frame_guard g(f.m.current(), at("eth0", 12));
        f.m.lockdep_checks().acquire_release(fs_reclaim, f.m.current());
    });
    f.m.irq(11).raise_at(sim::time_point(sim::usecs(100)));
    CHECK(f.run().result == sim::outcome::completed);
    const arch::report* r = f.find_report("WARNING: inconsistent lock state");
    REQUIRE(r);
    CHECK(r->text.find("inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage.\n") != std::string::npos);
    CHECK(r->text.find("(fs_reclaim){?.+.}-{0:0}, at: eth0 at test.kms:12\n") != std::string::npos);
    CHECK(r->text.find("{HARDIRQ-ON-W} state was registered at:\n  worker at test.kms:5\n") != std::string::npos);
}

TEST_CASE("acquire_release closes a cycle as an acquire would", "[arch][lockdep]")
{
    // a -> fs_reclaim recorded by the annotation, then fs_reclaim -> a by a
    // real acquire of a while fs_reclaim is held (reclaim taking a lock).
    machine_fixture f(1);
    arch::lockdep_map fs_reclaim{"fs_reclaim", 0};
    arch::mutex a(f.m, "lock_a");
    f.m.create_thread("worker", [&] {
        arch::frame_guard g(f.m.current(), at("worker", 3));
        a.lock();
        f.m.lockdep_checks().acquire_release(fs_reclaim, f.m.current());
        a.unlock();
        f.m.lockdep_checks().acquire(fs_reclaim, false);
        a.lock();
        a.unlock();
        f.m.lockdep_checks().release(fs_reclaim);
    });
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(f.find_report("WARNING: possible circular locking dependency detected"));
}

TEST_CASE("two locks of one class: recursive locking, unless the second is a nested subclass", "[arch][lockdep]")
{
    // xfs_ilock(): two inodes' locks share a class; taking the second
    // without the nesting annotation looks like taking one lock twice.
    const bool nested = GENERATE(false, true);
    machine_fixture f;
    arch::lock_class_key key("xfs_ilock", 3);
    arch::mutex a(f.m, "ilock_a", &key), b(f.m, "ilock_b", &key);
    f.m.create_thread("rename", [&] {
        arch::frame_guard g(f.m.current(), at("rename", 4));
        a.lock();
        if (nested)
            b.lock_nested(1);
        else
            b.lock();
        b.unlock();
        a.unlock();
    });
    CHECK(f.run().result == sim::outcome::completed);
    const arch::report* r = f.find_report("WARNING: possible recursive locking detected");
    if (nested) {
        CHECK_FALSE(r);
        CHECK(f.m.lockdep_checks().enabled());
        return;
    }
    REQUIRE(r);
    // Two instances of one class: their own addresses, the class's name.
    CHECK(r->text.find("rename/100 is trying to acquire lock:\nffffffff82c01000 (xfs_ilock){+.+.}-{3:3}, at: rename at "
                       "test.kms:4\n\nbut task is already holding lock:\nffffffff82c01040 (xfs_ilock){+.+.}-{3:3}") !=
          std::string::npos);
    CHECK(r->text.find(" May be due to missing lock nesting notation") != std::string::npos);
}

TEST_CASE("a nested subclass is a class of its own, named CLASS/N, in dependency reports", "[arch][lockdep]")
{
    // ilock/1 held, then ilock/0 taken: the reverse of the usual order, a cycle.
    machine_fixture f;
    arch::lock_class_key key("xfs_ilock", 3);
    arch::mutex a(f.m, "ilock_a", &key), b(f.m, "ilock_b", &key);
    f.m.create_thread("t", [&] {
        arch::frame_guard g(f.m.current(), at("t", 2));
        a.lock();
        b.lock_nested(1);
        b.unlock();
        a.unlock();
        b.lock_nested(1);
        a.lock();
        a.unlock();
        b.unlock();
    });
    f.run();
    const arch::report* r = f.find_report("WARNING: possible circular locking dependency detected");
    REQUIRE(r);
    CHECK(r->text.find("(xfs_ilock/1){+.+.}-{3:3}") != std::string::npos);
}

TEST_CASE("a subclass of 8 or more turns lockdep off with the kernel's BUG line", "[arch][lockdep]")
{
    machine_fixture f;
    arch::spinlock l(f.m, "l");
    f.m.create_thread("t", [&] {
        arch::frame_guard g(f.m.current(), at("t", 2));
        l.lock_nested(8);
        l.unlock();
    });
    CHECK(f.run().result == sim::outcome::completed);
    const arch::report* r = f.find_report("BUG: looking up invalid subclass: 8");
    REQUIRE(r);
    CHECK(r->text.find("turning off the locking correctness validator.") != std::string::npos);
    CHECK_FALSE(f.m.lockdep_checks().enabled());
    CHECK_FALSE(l.is_locked());
}
