// tests/mm/trace_events_test.cpp - the kmem and vmscan tracepoints, with the kernel's arguments.
#include "harness.h"

#include <fmt/format.h>

#include <vector>

using namespace kmsim;
using namespace kmsim::test;

TEST_CASE("kmalloc, kfree and kmem_cache_* trace what __do_kmalloc_node and friends trace", "[mm][trace]")
{
    memory_fixture f(1);
    std::vector<std::string> ev;
    auto& tp = f.m.trace();
    tp.kmalloc.attach([&](std::uint64_t ptr, std::uint64_t req, std::uint64_t alloc, std::uint32_t gfp) {
        ev.push_back(fmt::format("kmalloc {} {} {} {}", ptr != 0, req, alloc, mm::format_gfp(gfp)));
    });
    tp.kfree.attach([&](std::uint64_t ptr) { ev.push_back(fmt::format("kfree {}", ptr == 0 ? "NULL" : "ptr")); });
    tp.kmem_cache_alloc.attach([&](const char* cache, std::uint64_t ptr, std::uint64_t req, std::uint64_t alloc,
                                   std::uint32_t) { ev.push_back(fmt::format("kmem_cache_alloc {} {} {} {}", cache, ptr != 0, req, alloc)); });
    tp.kmem_cache_free.attach([&](const char* cache, std::uint64_t) { ev.push_back(fmt::format("kmem_cache_free {}", cache)); });
    mm::kmem_cache* c = f.mem.slabs().create("tp_cache", 100, {});
    f.in_thread([&] {
        f.k().kfree(f.k().kmalloc(100, mm::GFP_KERNEL));
        f.k().kmalloc(0, mm::GFP_KERNEL);  // ZERO_SIZE_PTR: untraced
        f.k().kfree(f.k().kmalloc(10000, mm::GFP_KERNEL | mm::gfp::ZERO));
        f.k().kfree(0);
        f.mem.slabs().kmem_cache_free(c, f.mem.slabs().kmem_cache_alloc(c, mm::GFP_KERNEL));
    });
    const std::vector<std::string> want = {
        "kmalloc true 100 128 GFP_KERNEL",  // bytes_alloc is the slab's object size
        "kfree ptr",
        "kmalloc true 10000 16384 GFP_KERNEL|__GFP_ZERO",  // PAGE_SIZE << get_order(size)
        "kfree ptr",
        "kfree NULL",
        "kmem_cache_alloc tp_cache true 100 104",
        "kmem_cache_free tp_cache",
    };
    CHECK(ev == want);
}

TEST_CASE("mm_page_alloc and mm_page_free trace every block, a failure as pfn ~0", "[mm][trace]")
{
    memory_fixture f(1);
    std::vector<std::string> ev;
    f.m.trace().mm_page_alloc.attach([&](std::uint64_t pfn, unsigned order, std::uint32_t) {
        ev.push_back(fmt::format("alloc {} order {}", pfn == ~std::uint64_t{0} ? "failed" : "ok", order));
    });
    f.m.trace().mm_page_free.attach([&](std::uint64_t, unsigned order) { ev.push_back(fmt::format("free order {}", order)); });
    f.in_thread([&] {
        f.mem.free_pages(f.mem.get_free_pages(mm::GFP_KERNEL, 2), 2);
        f.mem.alloc_pages(mm::GFP_KERNEL | mm::gfp::NOWARN, 11);
    });
    CHECK(ev == std::vector<std::string>{"alloc ok order 2", "free order 2", "alloc failed order 11"});
}

TEST_CASE("direct reclaim and kswapd trace their begin, end, wake and sleep", "[mm][trace]")
{
    memory_fixture f(2, "", 64 * MiB);
    f.mem.reclaim().add_clean_page_cache(10000);
    f.mem.reclaim().start_kswapd();
    std::vector<std::string> ev;
    auto& tp = f.m.trace();
    tp.mm_vmscan_direct_reclaim_begin.attach([&](unsigned order, std::uint32_t gfp) {
        if (ev.empty() || ev.back().rfind("direct begin", 0) != 0)
            ev.push_back(fmt::format("direct begin order {} {}", order, mm::format_gfp(gfp)));
    });
    std::uint64_t reclaimed = 0;
    tp.mm_vmscan_direct_reclaim_end.attach([&](std::uint64_t n) { reclaimed += n; });
    int wakes = 0, sleeps = 0;
    tp.mm_vmscan_kswapd_wake.attach([&](int, unsigned) { ++wakes; });
    tp.mm_vmscan_kswapd_sleep.attach([&] { ++sleeps; });
    f.m.create_thread("hog", [&] {
        while (f.mem.pages().alloc_pages(mm::GFP_KERNEL, 0) && f.mem.reclaim().page_cache_pages() > 5000) {
        }
        f.m.msleep(1000);  // kswapd balances the node and goes to sleep
    }, {0});
    f.eng.run();
    REQUIRE_FALSE(ev.empty());
    CHECK(ev.front() == "direct begin order 0 GFP_KERNEL");
    CHECK(reclaimed > 0);
    CHECK(wakes >= 1);
    CHECK(sleeps >= 1);
}
