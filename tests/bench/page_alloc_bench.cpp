// tests/bench/page_alloc_bench.cpp - the page allocator's full path against a plain buddy.
//
// Each iteration allocates a block of random order 0..3 and frees a random
// live block, keeping about 1,000 blocks live: the steady state of a busy
// allocator. Figures are in docs/performance.md.
#include "arch/machine.h"
#include "mm/buddy.h"
#include "mm/node.h"
#include "mm/page_alloc.h"
#include "sim/engine.h"
#include "sim/random.h"

#include <benchmark/benchmark.h>

using namespace kmsim;

namespace {
constexpr std::uint64_t MiB = 1ULL << 20;
constexpr std::uint64_t GiB = 1ULL << 30;

mm::node_config memory(std::uint64_t bytes)
{
    mm::node_config c;
    c.memory = bytes;
    return c;
}
}  // namespace

// alloc_pages(GFP_KERNEL) + __free_pages() through the full path: might_alloc,
// watermark check with lowmem_reserve, zone walk, accounting.
static void BM_alloc_pages_free(benchmark::State& state)
{
    const std::uint64_t bytes = static_cast<std::uint64_t>(state.range(0)) * MiB;
    sim::engine e;
    arch::machine m(e, arch::machine_config{1});
    mm::node n(memory(bytes));
    mm::vm_counters vm;
    mm::page_allocator pa(m, n, vm);
    bool stop = false;
    std::int64_t ops = 0;
    m.create_thread("bench", [&] {
        sim::random_stream r(42);
        std::vector<std::pair<mm::page*, unsigned>> live;
        live.reserve(2048);
        for (int i = 0; i < 1000; ++i) {
            unsigned o = static_cast<unsigned>(r.next() & 3);
            live.push_back({pa.alloc_pages(mm::GFP_KERNEL, o), o});
        }
        for (auto _ : state) {
            unsigned o = static_cast<unsigned>(r.next() & 3);
            mm::page* p = pa.alloc_pages(mm::GFP_KERNEL, o);
            std::size_t i = r.next() % live.size();
            pa.free_pages_at(live[i].first, live[i].second);
            live[i] = {p, o};
            ++ops;
        }
        stop = true;
    });
    e.run();
    state.SetItemsProcessed(ops * 2);
    (void)stop;
}
BENCHMARK(BM_alloc_pages_free)->Arg(64)->Arg(16 * 1024)->Name("BM_alloc_pages_free/MiB");

// The same operations on a bare buddy allocator (no watermarks, no
// accounting, no zone walk): the floor.
static void BM_plain_buddy(benchmark::State& state)
{
    const std::uint64_t bytes = static_cast<std::uint64_t>(state.range(0)) * MiB;
    mm::node n(memory(bytes));
    const int zone = bytes > 3 * GiB ? mm::ZONE_NORMAL : mm::ZONE_DMA32;
    mm::buddy& b = n.buddy_of(zone);
    sim::random_stream r(42);
    std::vector<std::pair<mm::pfn_t, unsigned>> live;
    for (int i = 0; i < 1000; ++i) {
        unsigned o = static_cast<unsigned>(r.next() & 3);
        live.push_back({*b.allocate(o), o});
    }
    for (auto _ : state) {
        unsigned o = static_cast<unsigned>(r.next() & 3);
        mm::pfn_t p = *b.allocate(o);
        std::size_t i = r.next() % live.size();
        b.free(live[i].first, live[i].second);
        live[i] = {p, o};
    }
    state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_plain_buddy)->Arg(64)->Arg(16 * 1024)->Name("BM_plain_buddy/MiB");

// Booting a 64 GiB, 64-CPU machine: CPUs, layout, mem_map, free lists, watermarks.
static void BM_boot_64G_64cpus(benchmark::State& state)
{
    for (auto _ : state) {
        sim::engine e;
        arch::machine m(e, arch::machine_config{64});
        mm::node n(memory(64 * GiB));
        benchmark::DoNotOptimize(n.nr_free_pages());
    }
}
BENCHMARK(BM_boot_64G_64cpus)->Unit(benchmark::kMillisecond);
