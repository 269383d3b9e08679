// tests/arch/kthread_test.cpp - kernel threads made at run time, and interrupt sources that end.
#include "harness.h"

using namespace kmsim;
using namespace kmsim::test;


TEST_CASE("kthread_create runs nothing until woken; kthread_stop returns the thread's result", "[arch][kthread]")
{
    machine_fixture f;
    fake_task_memory mem;
    f.m.kthreads().set_task_memory(mem.ops());
    std::vector<std::string> order;
    std::uint64_t result = 0, task = 0;
    f.m.create_thread("parent", [&] {
        task = f.m.kthreads().create([&]() -> std::uint64_t {
            order.push_back("child runs");
            while (!f.m.kthreads().should_stop())
                f.m.msleep(1);
            return 42;
        }, "child");
        f.m.msleep(5);
        order.push_back("parent wakes it");
        CHECK(f.m.kthreads().wake_up_process(task) == 1);
        CHECK(f.m.kthreads().wake_up_process(task) == 0);
        f.m.msleep(5);
        result = f.m.kthreads().stop(task);
        order.push_back("stopped");
    });
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(order == std::vector<std::string>{"parent wakes it", "child runs", "stopped"});
    CHECK(result == 42);
    CHECK(mem.freed == std::vector<std::uint64_t>{task});
    REQUIRE(f.m.kthreads().task_of(task));
    CHECK(f.m.kthreads().task_of(task)->name() == "child");
    CHECK(f.m.kthreads().task_of(task)->pid() == 101);
}

TEST_CASE("kthread_stop of a thread never woken: -EINTR, its function never runs", "[arch][kthread]")
{
    machine_fixture f;
    fake_task_memory mem;
    f.m.kthreads().set_task_memory(mem.ops());
    bool ran = false;
    std::uint64_t result = 0;
    f.m.create_thread("parent", [&] {
        const std::uint64_t t = f.m.kthreads().create([&]() -> std::uint64_t { ran = true; return 0; }, "idle");
        result = f.m.kthreads().stop(t);
    });
    CHECK(f.run().result == sim::outcome::completed);
    CHECK_FALSE(ran);
    CHECK(result == arch::ERR_PTR(-EINTR));
    CHECK(mem.freed.size() == 1);
}

TEST_CASE("kthread_create without memory gives ERR_PTR(-ENOMEM) and makes no thread", "[arch][kthread]")
{
    machine_fixture f;
    fake_task_memory mem;
    mem.fail = true;
    f.m.kthreads().set_task_memory(mem.ops());
    std::uint64_t t = 0;
    f.m.create_thread("parent", [&] { t = f.m.kthreads().create([] { return std::uint64_t{0}; }, "x"); });
    f.run();
    CHECK(t == arch::ERR_PTR(-ENOMEM));
    CHECK(arch::IS_ERR_VALUE(t));
    CHECK(f.m.threads().size() == 1);
}

TEST_CASE("an interrupt source with an end keeps the run going until its last interrupt is handled", "[arch][irq]")
{
    machine_fixture f;
    int handled = 0, endless = 0;
    arch::irq_line& timer = f.m.request_irq(3, "timer", 0, [&] { ++handled; });
    timer.raise_every(sim::time_point(sim::msecs(1)), sim::msecs(1), 10, sim::duration::zero());
    arch::irq_line& late = f.m.request_irq(4, "late", 0, [&] { ++handled; });
    late.raise_at(sim::time_point(sim::msecs(50)));
    arch::irq_line& tick = f.m.request_irq(5, "tick", 0, [&] { ++endless; });
    tick.raise_every(sim::time_point(sim::msecs(2)), sim::msecs(7), 0, sim::duration::zero());
    f.m.create_thread("t", [] {});
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(handled == 11);
    CHECK(f.now_us() == 50000);  // the endless source does not keep it going longer
    CHECK(endless == 7);  // at 2, 9, ... 44 ms
}
