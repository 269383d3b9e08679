// tests/bench/kmalloc_bench.cpp - kmalloc+kfree pairs of mixed sizes, against glibc.
//
// Sizes 8..4096 bytes drawn from a fixed table; about 1,000 objects stay live,
// and each iteration allocates one and frees a random live one.
#include "arch/machine.h"
#include "mm/kernel_memory.h"
#include "sim/engine.h"
#include "sim/random.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <vector>

using namespace kmsim;

namespace {
constexpr std::uint64_t sizes[] = {8, 16, 24, 32, 48, 64, 96, 128, 160, 192, 256, 384, 512, 1024, 2048, 4096};
}

static void BM_kmalloc_kfree(benchmark::State& state)
{
    sim::engine e;
    arch::machine m(e, arch::machine_config{2});
    mm::memory_config cfg;
    cfg.node.memory = 1ULL << 30;
    cfg.kasan = state.range(0) != 0;
    mm::kernel_memory mem(m, cfg);
    std::int64_t pairs = 0;
    m.create_thread("bench", [&] {
        sim::random_stream r(7);
        std::vector<std::uint64_t> live;
        for (int i = 0; i < 1000; ++i)
            live.push_back(mem.kmalloc().kmalloc(sizes[r.next() & 15], mm::GFP_KERNEL));
        for (auto _ : state) {
            std::uint64_t p = mem.kmalloc().kmalloc(sizes[r.next() & 15], mm::GFP_KERNEL);
            std::size_t i = r.next() % live.size();
            mem.kmalloc().kfree(live[i]);
            live[i] = p;
            ++pairs;
        }
    }, {0});
    e.run();
    state.SetItemsProcessed(pairs);
}
// kasan:1 is what every run of kmsim pays; kasan:0 shows KASAN's share
// (kmemleak and lockdep stay on).
BENCHMARK(BM_kmalloc_kfree)->ArgName("kasan")->Arg(1)->Arg(0);

static void BM_glibc_malloc_free(benchmark::State& state)
{
    sim::random_stream r(7);
    std::vector<void*> live;
    for (int i = 0; i < 1000; ++i)
        live.push_back(std::malloc(sizes[r.next() & 15]));
    for (auto _ : state) {
        void* p = std::malloc(sizes[r.next() & 15]);
        benchmark::DoNotOptimize(p);
        std::size_t i = r.next() % live.size();
        std::free(live[i]);
        live[i] = p;
    }
    for (void* p : live)
        std::free(p);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_glibc_malloc_free);
