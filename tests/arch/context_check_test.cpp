// tests/arch/context_check_test.cpp - might_sleep() and "scheduling while atomic", word for word.
#include "harness.h"

using namespace kmsim;
using namespace kmsim::test;

namespace {
// The report's lines without the dump_stack() part, which has its own test.
std::vector<std::string> head_lines(const std::string& text, std::size_t n)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (out.size() < n && start <= text.size()) {
        std::size_t nl = text.find('\n', start);
        out.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
        if (nl == std::string::npos)
            break;
        start = nl + 1;
    }
    return out;
}
}  // namespace

TEST_CASE("might_sleep in a hard-IRQ handler prints the kernel's report", "[arch][might_sleep]")
{
    // An IRQ on CPU0 while `worker` (pid 100) is busy: current is worker,
    // preempt_count is HARDIRQ_OFFSET and IRQs are off.
    machine_fixture f(1);
    f.m.request_irq(12, "buggy", 0, [&] {
        arch::frame_guard g1(f.m.current(), at("buggy", 16));
        arch::frame_guard g2(f.m.current(), at("kmalloc", 17));
        f.m.might_sleep();
    });
    f.m.irq(12).raise_at(sim::time_point(sim::msecs(2)));
    f.m.create_thread("worker", [&] {
        arch::frame_guard g(f.m.current(), at("worker", 30));
        f.m.mdelay(5);
    });
    CHECK(f.run().result == sim::outcome::completed);

    const arch::report* r = f.find_report("sleeping function called from invalid context");
    REQUIRE(r);
    CHECK(r->kind == arch::report_kind::might_sleep);
    CHECK(r->context == "buggy");
    CHECK(r->cpu == 0);
    CHECK(sim::to_ns(r->when) == 2000000);
    CHECK(r->title == "BUG: sleeping function called from invalid context at test.kms:17");
    CHECK(head_lines(r->text, 7) == std::vector<std::string>{
              "BUG: sleeping function called from invalid context at test.kms:17",
              "in_atomic(): 1, irqs_disabled(): 1, non_block: 0, pid: 100, name: worker",
              "preempt_count: 10000, expected: 0",
              "no locks held by worker/100.",
              "Preemption disabled at:",
              "[<0000000000000000>] irq_enter_rcu",
              "CPU: 0 UID: 0 PID: 100 Comm: worker Not tainted 6.15.0-kmsim #1",
          });
    // The call trace shows the handler inside <IRQ> above the interrupted task.
    CHECK(r->text.find("Call Trace:\n <IRQ>\n kmalloc at test.kms:17\n buggy at test.kms:16\n"
                       " __handle_irq_event_percpu\n handle_irq_event\n common_interrupt\n </IRQ>\n"
                       " <TASK>\n asm_common_interrupt\n worker at test.kms:30\n kthread\n ret_from_fork\n </TASK>") !=
          std::string::npos);
    // In the log, every line carries the dmesg timestamp.
    CHECK(f.m.log().dmesg().find("[    0.002000] BUG: sleeping function called from invalid context at test.kms:17\n") !=
          std::string::npos);
}

TEST_CASE("might_sleep under a spinlock in process context", "[arch][might_sleep]")
{
    machine_fixture f(1);
    arch::spinlock l(f.m, "dev_lock");
    arch::mutex m(f.m, "cfg_mutex");
    f.m.create_thread("worker", [&] {
        arch::frame_guard g(f.m.current(), at("worker", 5));
        l.lock();
        f.m.current().frames().back().line = 6;
        m.lock();  // mutex_lock() may sleep: reported although the mutex is free
        m.unlock();
        l.unlock();
    });
    f.run();
    const arch::report* r = f.find_report("sleeping function called from invalid context");
    REQUIRE(r);
    CHECK(head_lines(r->text, 8) == std::vector<std::string>{
              "BUG: sleeping function called from invalid context at test.kms:6",
              "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 100, name: worker",
              "preempt_count: 1, expected: 0",
              "1 lock held by worker/100:",
              " #0: (dev_lock){spinlock}",
              "Preemption disabled at:",
              "[<0000000000000000>] worker at test.kms:5",
              "CPU: 0 UID: 0 PID: 100 Comm: worker Not tainted 6.15.0-kmsim #1",
          });
    // No actual sleep happened: the mutex was free.
    CHECK_FALSE(f.find_report("scheduling while atomic"));
}

TEST_CASE("might_sleep reports at most once per second", "[arch][might_sleep]")
{
    machine_fixture f(1);
    f.m.create_thread("t", [&] {
        f.m.preempt_disable();
        for (int i = 0; i < 5; ++i) {
            f.m.might_sleep();
            f.m.mdelay(300);
        }
        f.m.preempt_enable();
    });
    f.run();
    int n = 0;
    for (const auto& r : f.m.log().reports())
        n += r.kind == arch::report_kind::might_sleep;
    CHECK(n == 2);  // at 0 s and at 1.2 s
}

TEST_CASE("the second report shows the W taint", "[arch][might_sleep]")
{
    machine_fixture f(1);
    f.m.create_thread("t", [&] {
        f.m.preempt_disable();
        f.m.might_sleep();
        f.m.mdelay(1500);
        f.m.might_sleep();
        f.m.preempt_enable();
    });
    f.run();
    REQUIRE(f.m.log().reports().size() == 2);
    CHECK(f.m.log().reports()[1].text.find("Comm: t Tainted: G        W           6.15.0-kmsim #1") !=
          std::string::npos);
}

TEST_CASE("sleeping with a spinlock held: scheduling while atomic", "[arch][atomic_sleep]")
{
    machine_fixture f(1);
    arch::spinlock l(f.m, "l");
    std::int64_t end = -1;
    f.m.create_thread("sleepy", [&] {
        arch::frame_guard g(f.m.current(), at("sleepy", 3));
        l.lock();
        f.m.msleep(1);  // might_sleep report, then the real sleep
        l.unlock();
        end = f.now_us();
    });
    CHECK(f.run().result == sim::outcome::completed);
    CHECK(end == 2000);  // the kernel prints and goes on sleeping
    const arch::report* r = f.find_report("BUG: scheduling while atomic");
    REQUIRE(r);
    CHECK(r->kind == arch::report_kind::atomic_sleep);
    CHECK(r->title == "BUG: scheduling while atomic: sleepy/100/0x00000002");
    CHECK(f.find_report("BUG: sleeping function called from invalid context at test.kms:3"));
}

TEST_CASE("sleeping in a hard-IRQ handler: scheduling while atomic, and the CPU is held", "[arch][atomic_sleep]")
{
    machine_fixture f(1);
    std::int64_t worker_end = -1;
    f.m.request_irq(7, "sleepy_irq", 0, [&] { f.m.msleep(1); });
    f.m.irq(7).raise_at(sim::time_point(sim::usecs(100)));
    f.m.create_thread("worker", [&] {
        f.m.udelay(500);
        worker_end = f.now_us();
    });
    f.run();
    const arch::report* r = f.find_report("BUG: scheduling while atomic");
    REQUIRE(r);
    CHECK(r->title == "BUG: scheduling while atomic: worker/100/0x00010001");
    CHECK(r->context == "sleepy_irq");
    // The handler slept 2 jiffies (to t = 2 ms) holding the CPU; the worker's
    // remaining 400 us ran after it.
    CHECK(worker_end == 2400);
}

TEST_CASE("a task that exits in atomic context is noted", "[arch][machine]")
{
    machine_fixture f(1);
    f.m.create_thread("leaky", [&] { f.m.preempt_disable(); });
    f.run();
    CHECK(f.m.log().dmesg().find("note: leaky[100] exited with preempt_count 1") != std::string::npos);
}
