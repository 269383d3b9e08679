// tests/bench/engine_bench.cpp - the cost of the engine's basic steps.
//
// Figures and the command that produced them are in docs/performance.md.
#include "arch/machine.h"
#include "arch/mutex.h"
#include "sim/engine.h"
#include "sim/event_queue.h"
#include "sim/fiber.h"
#include "sim/stack_pool.h"

#include <benchmark/benchmark.h>

using namespace kmsim;

// One round trip engine -> fiber -> engine.
static void BM_fiber_switch(benchmark::State& state)
{
    sim::stack_pool pool;
    sim::fiber* self = nullptr;
    bool stop = false;
    sim::fiber f(pool, [&] {
        while (!stop)
            self->suspend();
    });
    self = &f;
    for (auto _ : state)
        f.resume();
    stop = true;
    f.resume();
}
BENCHMARK(BM_fiber_switch);

// A new guard-paged stack (mmap + mprotect) against one from the pool.
static void BM_stack_create_protected(benchmark::State& state)
{
    for (auto _ : state) {
        sim::stack_pool pool;
        sim::fiber_stack s = pool.allocate();
        benchmark::DoNotOptimize(s.base);
        pool.release(s);  // unmapped with the pool
    }
}
BENCHMARK(BM_stack_create_protected);

static void BM_stack_from_pool(benchmark::State& state)
{
    sim::stack_pool pool;
    pool.release(pool.allocate());
    for (auto _ : state) {
        sim::fiber_stack s = pool.allocate();
        benchmark::DoNotOptimize(s.base);
        pool.release(s);
    }
}
BENCHMARK(BM_stack_from_pool);

// push + pop with N events pending (the steady state of a busy simulation).
static void BM_event_queue_push_pop(benchmark::State& state)
{
    sim::event_queue q;
    std::uint64_t x = 88172645463325252ULL;
    auto next_time = [&] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return sim::at_ns(static_cast<std::int64_t>(x % 1000000));
    };
    for (int i = 0; i < state.range(0); ++i)
        q.push(next_time(), [] {});
    sim::time_point t;
    sim::event_queue::callback fn;
    for (auto _ : state) {
        q.push(next_time(), [] {});
        q.pop(t, fn);
    }
}
BENCHMARK(BM_event_queue_push_pop)->Arg(1000);

// A kernel thread doing msleep(1) in a loop: everything one simulated sleep
// costs (might_sleep check, timer event, wakeup, dispatch, two switches).
static void BM_thread_msleep(benchmark::State& state)
{
    const std::int64_t n = 1000000;
    std::int64_t total = 0;
    for (auto _ : state) {
        sim::engine e;
        arch::machine m(e, arch::machine_config{1});
        m.create_thread("sleeper", [&] {
            for (std::int64_t i = 0; i < n; ++i)
                m.msleep(1);
        });
        e.run(sim::run_limits{sim::time_point(sim::secs(1000000))});
        total += n;
    }
    state.SetItemsProcessed(total);
    state.counters["ns_per_sleep"] =
        benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_thread_msleep)->Unit(benchmark::kMillisecond);

// Two threads on two CPUs handing a mutex back and forth: each handoff is an
// unlock that wakes the waiter, a dispatch, and the waiter's lock.
static void BM_mutex_handoff(benchmark::State& state)
{
    const std::int64_t rounds = 500000;
    std::int64_t total = 0;
    for (auto _ : state) {
        sim::engine e;
        arch::machine m(e, arch::machine_config{2});
        arch::mutex mu(m, "m");
        auto body = [&] {
            for (std::int64_t i = 0; i < rounds; ++i) {
                mu.lock();
                m.ndelay(100);  // the critical section: the other thread queues up
                mu.unlock();
            }
        };
        m.create_thread("a", body, {0});
        m.create_thread("b", body, {1});
        e.run(sim::run_limits{sim::time_point(sim::secs(1000000))});
        total += 2 * rounds;
    }
    state.SetItemsProcessed(total);
    state.counters["ns_per_handoff"] =
        benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_mutex_handoff)->Unit(benchmark::kMillisecond);
