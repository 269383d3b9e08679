// tests/arch/workqueue_test.cpp - worker pools, kworker names, concurrency management, flushes and rescuers.
#include "harness.h"

#include "arch/workqueue.h"

#include <cerrno>

#include <fmt/format.h>

using namespace kmsim;
using namespace kmsim::test;

namespace {

struct wq_fixture : machine_fixture {
    fake_task_memory mem;
    explicit wq_fixture(int cpus = 1) : machine_fixture(cpus)
    {
        m.kthreads().set_task_memory(mem.ops());
        m.workqueues().init();
    }
    arch::workqueues& wq() { return m.workqueues(); }
    std::string comm() { return m.current().name(); }
};

}  // namespace

TEST_CASE("kworkers are named as the kernel names them, per pool", "[arch][workqueue]")
{
    wq_fixture f(2);
    auto& hi = f.wq().alloc_workqueue("hi", arch::WQ_HIGHPRI, 0);
    auto& unbound = f.wq().alloc_workqueue("ub", arch::WQ_UNBOUND, 0);
    auto& reclaim = f.wq().alloc_workqueue("journal_writes", arch::WQ_MEM_RECLAIM, 0);
    std::vector<std::string> ran_in;
    arch::work_struct a("a", [&] { ran_in.push_back(f.comm()); });
    arch::work_struct b("b", [&] { ran_in.push_back(f.comm()); });
    arch::work_struct c("c", [&] { ran_in.push_back(f.comm()); });
    f.m.create_thread("t", [&] {
        CHECK(f.wq().queue_work(f.wq().system_wq(), a));
        CHECK(f.wq().queue_work(hi, b));
        CHECK(f.wq().queue_work(unbound, c));
        f.m.msleep(1);
    }, arch::thread_options{1});
    CHECK(f.run().result == sim::outcome::completed);
    // 6.15's pool ids: per CPU two BH pools, then normal and highpri; the
    // unbound pool after every CPU's (2 CPUs: 8).
    CHECK(ran_in == std::vector<std::string>{"kworker/1:0", "kworker/1:0H", "kworker/u8:0"});
    // A rescuer's comm is "kworker/R-" and the queue's name, cut at 15 characters.
    REQUIRE(reclaim.rescuer());
    CHECK(reclaim.rescuer()->name() == "kworker/R-journ");
    CHECK(f.wq().system_wq().rescuer() == nullptr);
}

TEST_CASE("queue_work: once while pending; queued again while running, it runs again on the same worker",
          "[arch][workqueue]")
{
    wq_fixture f;
    int runs = 0;
    std::vector<std::string> workers;
    arch::work_struct w("w", [&] {
        ++runs;
        workers.push_back(f.comm());
        f.m.msleep(2);
    });
    f.m.create_thread("t", [&] {
        CHECK(f.wq().queue_work(f.wq().system_wq(), w));
        CHECK_FALSE(f.wq().queue_work(f.wq().system_wq(), w));  // still pending
        f.m.msleep(1);
        CHECK(w.running());
        CHECK_FALSE(w.pending());
        CHECK(f.wq().queue_work(f.wq().system_wq(), w));  // pending again while it runs
        CHECK(f.wq().flush_work(w));
        CHECK(runs == 2);
        CHECK_FALSE(f.wq().flush_work(w));  // nothing queued or running
    });
    CHECK(f.run().result == sim::outcome::completed);
    // Never on two workers at once: the second run waited for the first.
    CHECK(workers == std::vector<std::string>{"kworker/0:0", "kworker/0:0"});
}

TEST_CASE("concurrency management: when a per-CPU pool's worker sleeps, another runs the next item",
          "[arch][workqueue]")
{
    wq_fixture f;
    std::vector<std::string> log;
    arch::work_struct slow("slow", [&] {
        log.push_back("slow starts in " + f.comm());
        f.m.msleep(10);
        log.push_back("slow ends");
    });
    arch::work_struct quick("quick", [&] { log.push_back("quick in " + f.comm()); });
    f.m.create_thread("t", [&] {
        f.wq().queue_work(f.wq().system_wq(), slow);
        f.wq().queue_work(f.wq().system_wq(), quick);
        f.wq().flush_workqueue(f.wq().system_wq());
        log.push_back("flushed");
    });
    CHECK(f.run().result == sim::outcome::completed);
    // kworker/0:0 made kworker/0:1 (its pool's idle reserve) before taking
    // work; when slow sleeps, kworker/0:1 runs quick.
    CHECK(log == std::vector<std::string>{"slow starts in kworker/0:0", "quick in kworker/0:1", "slow ends", "flushed"});
    CHECK(f.mem.made >= 1);
}

TEST_CASE("max_active=1: the second item waits for the first, even while it sleeps", "[arch][workqueue]")
{
    wq_fixture f;
    auto& ordered = f.wq().alloc_workqueue("ordered", 0, 1);
    std::vector<std::string> log;
    arch::work_struct first("first", [&] {
        log.push_back("first starts");
        f.m.msleep(10);
        log.push_back("first ends");
    });
    arch::work_struct second("second", [&] { log.push_back("second"); });
    f.m.create_thread("t", [&] {
        f.wq().queue_work(ordered, first);
        f.wq().queue_work(ordered, second);
        f.wq().flush_workqueue(ordered);
    });
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(log == std::vector<std::string>{"first starts", "first ends", "second"});
}

TEST_CASE("cancel_work_sync takes pending work off its queue, and delayed work off its timer", "[arch][workqueue]")
{
    wq_fixture f;
    int runs = 0;
    arch::work_struct w("w", [&] { ++runs; });
    arch::work_struct d("d", [&] { ++runs; });
    std::uint64_t start = 0, ran_at_jiffy = 0;
    arch::work_struct later("later", [&] { ran_at_jiffy = f.m.jiffies(); });
    f.m.create_thread("t", [&] {
        // The kworker is woken, but this thread keeps the CPU until it sleeps.
        f.wq().queue_work(f.wq().system_wq(), w);
        CHECK(f.wq().cancel_work_sync(w));
        CHECK(f.wq().queue_delayed_work(f.wq().system_wq(), d, 5));
        CHECK_FALSE(f.wq().flush_work(d));  // its timer has not fired: nothing queued
        CHECK(f.wq().cancel_work_sync(d));
        CHECK_FALSE(f.wq().cancel_work_sync(d));
        start = f.m.jiffies();
        CHECK(f.wq().queue_delayed_work(f.wq().system_wq(), later, 7));
        f.m.msleep(20);
    });
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(runs == 0);
    CHECK(ran_at_jiffy - start == 7);
}

TEST_CASE("a manager that cannot make a worker: the pool's work waits, a rescuer takes its queue's after 10 jiffies",
          "[arch][workqueue]")
{
    wq_fixture f;
    auto& reclaim = f.wq().alloc_workqueue("io", arch::WQ_MEM_RECLAIM, 0);
    f.mem.fail = true;  // every worker creation fails (-ENOMEM)
    std::string rescued_by;
    std::int64_t rescued_at = 0;
    bool plain_ran = false;
    arch::work_struct io("io_work", [&] {
        rescued_by = f.comm();
        rescued_at = f.now_us();
    });
    arch::work_struct plain("plain", [&] { plain_ran = true; });
    f.m.create_thread("t", [&] {
        f.wq().queue_work(reclaim, io);
        f.wq().queue_work(f.wq().system_wq(), plain);
        f.wq().flush_work(io);
    });
    f.run(sim::secs(3));
    CHECK(rescued_by == "kworker/R-io");
    CHECK(rescued_at == 10000);  // MAYDAY_INITIAL_TIMEOUT: HZ / 100 jiffies
    CHECK_FALSE(plain_ran);      // system_wq has no rescuer
    CHECK(f.m.log().dmesg().find("workqueue: Failed to create a worker thread: -ENOMEM") != std::string::npos);
}

TEST_CASE("flush_work of work running on one worker is a deadlock found at once when that worker waits back",
          "[arch][workqueue]")
{
    wq_fixture f;
    arch::mutex lock(f.m, "conf_lock");
    arch::work_struct apply("apply_work", [&] {
        lock.lock();
        lock.unlock();
    });
    f.m.create_thread("configurer", [&] {
        lock.lock();
        f.wq().queue_work(f.wq().system_wq(), apply);
        f.wq().flush_work(apply);
        lock.unlock();
    });
    const auto r = f.run();
    CHECK(r.result == sim::outcome::deadlock);
    CHECK(sim::to_ns(f.eng.now()) == 0);  // not after the hung-task timeout
    const arch::report* d = f.find_report("deadlock detected");
    REQUIRE(d);
    CHECK(d->text.find("waits for flush_work(apply_work), run by kworker/0:0") != std::string::npos);
    CHECK(f.find_report("possible circular locking dependency detected"));
}

TEST_CASE("destroy_workqueue drains the queue; queueing afterwards WARNs and is refused", "[arch][workqueue]")
{
    wq_fixture f;
    auto& q = f.wq().alloc_workqueue("q", arch::WQ_MEM_RECLAIM, 0);
    int runs = 0;
    arch::work_struct w("w", [&] {
        f.m.msleep(3);
        ++runs;
    });
    f.m.create_thread("t", [&] {
        f.wq().queue_work(q, w);
        f.wq().destroy_workqueue(q);
        CHECK(runs == 1);
        CHECK_FALSE(f.wq().queue_work(q, w));
    });
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(f.find_report("cut here") == nullptr);
    CHECK(f.m.log().dmesg().find("workqueue: cannot queue w on wq q") != std::string::npos);
    CHECK(runs == 1);
}

TEST_CASE("a flush waiting for a queueing that is cancelled returns once the earlier runs are done",
          "[arch][workqueue]")
{
    wq_fixture f(2);
    std::vector<std::string> log;
    arch::work_struct w("w", [&] {
        log.push_back("runs");
        f.m.msleep(5);
    });
    f.m.create_thread("flusher", [&] {
        f.wq().queue_work(f.wq().system_wq(), w);
        f.m.msleep(1);  // w runs (and sleeps)
        f.wq().queue_work(f.wq().system_wq(), w);  // pending again
        CHECK(f.wq().flush_work(w));
        log.push_back("flushed");
    }, arch::thread_options{0});
    f.m.create_thread("canceller", [&] {
        f.m.msleep(2);
        CHECK(f.wq().cancel_work_sync(w));  // takes the second queueing off, waits for the first run
        log.push_back("cancelled");
    }, arch::thread_options{1});
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(log == std::vector<std::string>{"runs", "flushed", "cancelled"});
}

TEST_CASE("a delayed work item's timer queues it from TIMER_SOFTIRQ at its tick", "[arch][workqueue]")
{
    wq_fixture f;
    std::vector<std::string> log;
    f.m.trace().softirq_entry.attach([&](unsigned vec) {
        log.push_back(fmt::format("{} softirq at {} us", arch::softirq_to_name[vec], f.now_us()));
    });
    arch::work_struct w("w", [&] { log.push_back(fmt::format("w in {} at {} us", f.comm(), f.now_us())); });
    f.m.create_thread("t", [&] {
        CHECK(f.wq().queue_delayed_work(f.wq().system_wq(), w, 3));
        CHECK_FALSE(f.wq().queue_delayed_work(f.wq().system_wq(), w, 1));  // pending
        f.m.msleep(10);
    });
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(log == std::vector<std::string>{"TIMER softirq at 3000 us", "w in kworker/0:0 at 3000 us"});
}
