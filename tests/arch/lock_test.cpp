// tests/arch/lock_test.cpp - spinlocks, mutexes and completions between contexts.
#include "harness.h"

using namespace kmsim;
using namespace kmsim::test;

TEST_CASE("a contended spinlock spins on the CPU until it is released", "[arch][spinlock]")
{
    machine_fixture f(2);
    arch::spinlock l(f.m, "l");
    std::int64_t b_got = -1;
    f.m.create_thread("a", [&] {
        l.lock();
        f.m.udelay(100);
        l.unlock();
    }, {0});
    f.m.create_thread("b", [&] {
        f.m.udelay(10);
        l.lock();
        b_got = f.now_us();
        l.unlock();
    }, {1});
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(b_got == 100);
    CHECK_FALSE(l.is_locked());
}

TEST_CASE("spinlock waiters are served in arrival order", "[arch][spinlock]")
{
    machine_fixture f(4);
    arch::spinlock l(f.m, "l");
    std::vector<std::string> order;
    f.m.create_thread("holder", [&] { l.lock(); f.m.udelay(100); l.unlock(); }, {0});
    for (int i = 1; i <= 3; ++i) {
        std::string name = "w" + std::to_string(i);
        f.m.create_thread(name, [&, name, i] {
            f.m.udelay(static_cast<std::uint64_t>(40 - 10 * i));  // w3 arrives first
            l.lock();
            order.push_back(name);
            f.m.udelay(1);
            l.unlock();
        }, {i});
    }
    f.run();
    CHECK(order == std::vector<std::string>{"w3", "w2", "w1"});
}

TEST_CASE("spin_unlock of a lock not held is reported as the kernel does", "[arch][spinlock]")
{
    machine_fixture f(1);
    arch::spinlock l(f.m, "l");
    f.m.create_thread("t", [&] {
        f.m.preempt_disable();
        l.unlock();
    });
    f.run();
    const arch::report* r = f.find_report("BUG: spinlock already unlocked on CPU#0, t/100");
    REQUIRE(r);
    CHECK(r->kind == arch::report_kind::bug);
}

TEST_CASE("a mutex sleeps, hands over in FIFO order, and tracks its owner", "[arch][mutex]")
{
    machine_fixture f(1);
    arch::mutex m(f.m, "m");
    std::vector<std::string> order;
    f.m.create_thread("owner", [&] {
        m.lock();
        f.m.msleep(10);
        m.unlock();
    });
    for (const char* name : {"x", "y"}) {
        f.m.create_thread(name, [&, name] {
            m.lock();
            order.push_back(name);
            CHECK(m.owner() == &f.m.current());
            m.unlock();
        }, {0, sim::time_point(sim::msecs(1))});
    }
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(order == std::vector<std::string>{"x", "y"});
    CHECK_FALSE(m.is_locked());
}

TEST_CASE("mutex_trylock does not sleep", "[arch][mutex]")
{
    machine_fixture f(1);
    arch::mutex m(f.m, "m");
    bool first = false, second = true;
    f.m.create_thread("t", [&] {
        first = m.trylock();
        second = m.trylock();
        m.unlock();
    });
    f.run();
    CHECK(first);
    CHECK_FALSE(second);
}

TEST_CASE("unlocking a mutex owned by another task warns", "[arch][mutex]")
{
    machine_fixture f(2);
    arch::mutex m(f.m, "m");
    f.m.create_thread("a", [&] { m.lock(); f.m.msleep(5); m.unlock(); }, {0});
    f.m.create_thread("b", [&] { f.m.udelay(10); m.unlock(); }, {1});
    f.run();
    const arch::report* r = f.find_report("DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current)");
    REQUIRE(r);
    CHECK(r->kind == arch::report_kind::warning);
    CHECK(r->context == "b");
    CHECK(r->text.find("WARNING: CPU: 1 PID: 101 at kernel/locking/mutex.c:935 __mutex_unlock_slowpath") != std::string::npos);
}

TEST_CASE("a completion wakes its waiter; complete_all lets everyone through", "[arch][completion]")
{
    machine_fixture f(2);
    arch::completion done(f.m, "done");
    std::int64_t woke = -1;
    int passed = 0;
    f.m.create_thread("waiter", [&] {
        done.wait_for_completion();
        woke = f.now_us();
    }, {0});
    f.m.create_thread("completer", [&] {
        f.m.udelay(30);
        done.complete();
    }, {1});
    f.run();
    CHECK(woke == 30);

    machine_fixture g(1);
    arch::completion all(g.m, "all");
    for (int i = 0; i < 3; ++i)
        g.m.create_thread("w" + std::to_string(i), [&] { all.wait_for_completion(); ++passed; });
    g.m.create_thread("c", [&] { g.m.msleep(1); all.complete_all(); });
    CHECK(g.run().result == sim::outcome::completed);
    CHECK(passed == 3);
}

TEST_CASE("rw_semaphore: readers share it, a waiting writer blocks new readers", "[arch][rwsem]")
{
    machine_fixture f(4);
    arch::rw_semaphore sem(f.m, "sem");
    std::vector<std::string> order;
    f.m.create_thread("r1", [&] {
        sem.down_read();
        order.push_back("r1 in");
        f.m.msleep(10);
        order.push_back("r1 out");
        sem.up_read();
    }, {0});
    f.m.create_thread("r2", [&] {
        sem.down_read();  // shares it with r1
        order.push_back("r2 in");
        f.m.msleep(5);
        sem.up_read();
    }, {1});
    f.m.create_thread("w", [&] {
        sem.down_write();  // waits for both readers
        order.push_back("w in");
        CHECK(sem.readers() == 0);
        sem.downgrade_write();
        order.push_back("w reads");
        f.m.msleep(1);
        sem.up_read();
    }, {2, sim::time_point(sim::msecs(1))});
    f.m.create_thread("r3", [&] {
        CHECK_FALSE(sem.down_read_trylock());  // the writer waits: no new reader
        sem.down_read();
        order.push_back("r3 in");
        sem.up_read();
    }, {3, sim::time_point(sim::msecs(2))});
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(order == std::vector<std::string>{"r1 in", "r2 in", "r1 out", "w in", "w reads", "r3 in"});
}

TEST_CASE("rw_semaphore: a reader and a writer in a cycle are a deadlock naming down_read and down_write",
          "[arch][rwsem]")
{
    machine_fixture f(2);
    arch::rw_semaphore sem(f.m, "sem");
    arch::mutex m(f.m, "m");
    f.m.create_thread("reader", [&] {
        arch::frame_guard g(f.m.current(), at("reader", 2));
        sem.down_read();
        f.m.msleep(1);
        m.lock();
    });
    f.m.create_thread("writer", [&] {
        arch::frame_guard g(f.m.current(), at("writer", 8));
        m.lock();
        f.m.msleep(1);
        sem.down_write();
    });
    const sim::run_result r = f.run();
    REQUIRE(r.result == sim::outcome::deadlock);
    REQUIRE(r.deadlock);
    REQUIRE(r.deadlock->cycle.size() == 2);
    std::vector<std::string> waits{r.deadlock->cycle[0].waits_for, r.deadlock->cycle[1].waits_for};
    std::sort(waits.begin(), waits.end());
    CHECK(waits == std::vector<std::string>{"down_write(sem)", "mutex_lock(m)"});
    CHECK(f.find_report("WARNING: possible circular locking dependency detected"));
}

TEST_CASE("lockdep: a cycle closed by a reader prints rlock(), and the class's read usage", "[arch][rwsem]")
{
    machine_fixture f;
    arch::rw_semaphore sem(f.m, "sem");
    arch::mutex m(f.m, "m");
    f.m.create_thread("writer", [&] {
        arch::frame_guard g(f.m.current(), at("writer", 2));
        m.lock();
        sem.down_write();  // m -> sem
        sem.up_write();
        m.unlock();
        sem.down_read();  // sem (read) -> m closes the cycle
        m.lock();
        m.unlock();
        sem.up_read();
    });
    f.run();
    const arch::report* l = f.find_report("WARNING: possible circular locking dependency detected");
    REQUIRE(l);
    CHECK(l->text.find("but task is already holding lock:\nffffffff82c01040 (sem){++++}-{3:3}") != std::string::npos);
    CHECK(l->text.find("  rlock(sem);\n                               lock(m);\n") != std::string::npos);
}
