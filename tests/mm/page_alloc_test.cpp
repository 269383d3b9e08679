// tests/mm/page_alloc_test.cpp - alloc_pages decisions, reserves, failures and their reports.
#include "harness.h"

#include "mm/memmap.h"

#include <cstring>
#include <fmt/format.h>

using namespace kmsim;
using namespace kmsim::test;
using mm::gfp_t;

namespace {
// Allocates order-0 pages with GFP until it fails; returns how many it got.
std::size_t drain(mm_fixture& f, gfp_t gfp, std::vector<mm::page*>* out = nullptr)
{
    std::size_t n = 0;
    while (mm::page* p = f.pa.alloc_pages(gfp, 0)) {
        ++n;
        if (out)
            out->push_back(p);
    }
    return n;
}
mm::node_config dma_and_normal()
{
    // The worked example: DMA 4096 pages (min 32, low 40, high 48),
    // Normal 61440 (min 480, low 600, high 720), DMA protects 240 from Normal.
    mm::node_config c;
    c.zones = {{mm::ZONE_DMA, 16 * MiB, 0}, {mm::ZONE_NORMAL, 240 * MiB, 0}};
    c.transparent_hugepage = false;  // the worked example's min_free_kbytes, 2048
    return c;
}
}  // namespace

TEST_CASE("GFP_KERNEL stops at the watermarks and the lowmem reserve", "[mm][page_alloc]")
{
    // Normal: the fast path takes pages while free > low (600); the slow path
    // while free > min (480). Then it falls back to DMA, which must keep
    // min 32 + lowmem_reserve[Normal] 240: it gives pages while free > 272.
    mm_fixture f(dma_and_normal());
    std::size_t got = 0;
    f.in_thread([&] { got = drain(f, mm::GFP_KERNEL | mm::gfp::NOWARN); });
    CHECK(f.node.zone_at(mm::ZONE_NORMAL).nr_free_pages == 480);
    CHECK(f.node.zone_at(mm::ZONE_DMA).nr_free_pages == 272);
    CHECK(got == (61440 - 480) + (4096 - 272));
    CHECK(f.vm[mm::PGALLOC_NORMAL] == 61440 - 480);
    CHECK(f.vm[mm::PGALLOC_DMA] == 4096 - 272);
    CHECK(f.vm[mm::ALLOCSTALL_NORMAL] == 1);  // the failing call tried direct reclaim
    CHECK(f.node.check_invariants().empty());
}

TEST_CASE("GFP_ATOMIC dips to about 3/8 of min; GFP_NOWAIT to min; __GFP_HIGH to half", "[mm][page_alloc]")
{
    // Normal min m = 480: NOWAIT stops at free 480, ATOMIC at (480 - 240) - 60 = 180,
    // GFP_KERNEL|__GFP_HIGH at 240. lowmem_reserve keeps DMA out for NOWAIT and ATOMIC
    // until DMA's own thresholds (32 -> 12 for atomic, plus 240 reserve).
    mm_fixture f(dma_and_normal());
    f.in_thread([&] {
        drain(f, mm::GFP_NOWAIT | mm::gfp::NOWARN);
        CHECK(f.node.zone_at(mm::ZONE_NORMAL).nr_free_pages == 480);
        drain(f, (mm::GFP_KERNEL | mm::gfp::HIGH | mm::gfp::NOWARN));
        CHECK(f.node.zone_at(mm::ZONE_NORMAL).nr_free_pages == 240);
        drain(f, mm::GFP_ATOMIC | mm::gfp::NOWARN);
        CHECK(f.node.zone_at(mm::ZONE_NORMAL).nr_free_pages == 180);
        // DMA for ATOMIC: min 32 -> 16 -> 12, plus reserve 240: stops at 252.
        CHECK(f.node.zone_at(mm::ZONE_DMA).nr_free_pages == 252);
    });
    CHECK(f.node.check_invariants().empty());
}

TEST_CASE("__GFP_MEMALLOC ignores the watermarks; __GFP_NOMEMALLOC forbids it", "[mm][page_alloc]")
{
    mm_fixture f(dma_and_normal());
    f.in_thread([&] {
        drain(f, mm::GFP_ATOMIC | mm::gfp::NOWARN);
        CHECK(f.pa.alloc_pages(mm::GFP_ATOMIC | mm::gfp::NOWARN | mm::gfp::MEMALLOC | mm::gfp::NOMEMALLOC, 0) == nullptr);
        CHECK(drain(f, mm::GFP_ATOMIC | mm::gfp::MEMALLOC) == 180 + 252);
    });
    CHECK(f.node.nr_free_pages() == 0);
    CHECK(f.node.check_invariants().empty());
}

TEST_CASE("PF_MEMALLOC gives a task the reserves, but not an IRQ it was interrupted by", "[mm][page_alloc]")
{
    mm_fixture f(dma_and_normal());
    std::size_t in_task = 0, in_irq = 0;
    f.m.request_irq(9, "dev", 0, [&] { in_irq = drain(f, mm::GFP_ATOMIC | mm::gfp::NOWARN); });
    f.in_thread([&] {
        drain(f, mm::GFP_ATOMIC | mm::gfp::NOWARN);
        f.m.current().task_flags() |= mm::PF_MEMALLOC;
        f.m.irq(9).raise();
        f.m.udelay(1);  // the IRQ runs here
        in_task = drain(f, mm::GFP_ATOMIC | mm::gfp::NOWARN);
    }, 0);
    CHECK(in_irq == 0);
    CHECK(in_task == 180 + 252);
}

TEST_CASE("GFP_DMA is served only by ZONE_DMA and fails with a DMA-only report", "[mm][page_alloc]")
{
    // Plenty of DMA32 memory left: GFP_DMA still fails once DMA is at min.
    mm_fixture f(mm_fixture::with_memory(64 * MiB));
    std::size_t got = 0;
    f.in_thread([&] {
        got = drain(f, mm::GFP_KERNEL | mm::GFP_DMA);
    });
    // THP's min_free_kbytes, 3180: pages_min 795, DMA's share 795*3998/16286 = 195.
    CHECK(got == 3998 - 195);
    CHECK(f.node.zone_at(mm::ZONE_DMA).nr_free_pages == 195);
    CHECK(f.node.zone_at(mm::ZONE_DMA32).nr_free_pages == 12288);
    const arch::report* r = f.find_report("page allocation failure");
    REQUIRE(r);
    CHECK(r->kind == arch::report_kind::alloc_failure);
    CHECK(r->title == "worker: page allocation failure: order:0, mode:0xcc1(GFP_KERNEL|GFP_DMA), nodemask=(null)");
    CHECK(r->text.find("Mem-Info:\n") != std::string::npos);
    CHECK(r->text.find("\nNode 0 DMA free:780kB boost:0kB min:780kB low:972kB high:1164kB reserved_highatomic:0KB") !=
          std::string::npos);
    CHECK(r->text.find("\nlowmem_reserve[]: 0 48 48\n") != std::string::npos);
    CHECK(r->text.find("DMA32 free:") == std::string::npos);  // zones above the request's are omitted
    CHECK(r->text.find("\n16286 pages RAM\n0 pages HighMem/MovableOnly\n0 pages reserved\n") != std::string::npos);
    CHECK(f.vm[mm::ALLOCSTALL_DMA] == 1);
}

TEST_CASE("warn_alloc is rate limited to one report per 10 s and silenced by __GFP_NOWARN", "[mm][page_alloc]")
{
    mm_fixture f(mm_fixture::with_memory(64 * MiB));
    f.in_thread([&] {
        drain(f, mm::GFP_KERNEL | mm::GFP_DMA);     // one report
        for (int i = 0; i < 3; ++i)
            f.pa.alloc_pages(mm::GFP_KERNEL | mm::GFP_DMA, 0);  // suppressed
        f.pa.alloc_pages(mm::GFP_KERNEL | mm::GFP_DMA | mm::gfp::NOWARN, 0);  // silent, not counted
        f.m.msleep(10001);
        f.pa.alloc_pages(mm::GFP_KERNEL | mm::GFP_DMA, 0);
    });
    CHECK(f.count_reports(arch::report_kind::alloc_failure) == 2);
    CHECK(f.m.log().dmesg().find("warn_alloc: 3 callbacks suppressed\n") != std::string::npos);
}

TEST_CASE("a failure in an interrupt names the interrupted task, as the kernel does", "[mm][page_alloc]")
{
    mm_fixture f(dma_and_normal());
    f.m.request_irq(11, "eth0", 0, [&] { drain(f, mm::GFP_ATOMIC); });
    f.m.irq(11).raise_at(sim::time_point(sim::usecs(10)));
    f.eng.run();
    const arch::report* r = f.find_report("page allocation failure");
    REQUIRE(r);
    CHECK(r->title == "swapper/0: page allocation failure: order:0, mode:0x820(GFP_ATOMIC), nodemask=(null)");
    CHECK(r->context == "eth0");
    CHECK(r->text.find(" <IRQ>\n") != std::string::npos);
}

TEST_CASE("GFP_KERNEL in an IRQ handler: might_sleep report even when memory is plentiful", "[mm][page_alloc]")
{
    mm_fixture f(mm_fixture::with_memory(64 * MiB));
    mm::page* p = nullptr;
    f.m.request_irq(12, "buggy", 0, [&] { p = f.pa.alloc_pages(mm::GFP_KERNEL, 0); });
    f.m.irq(12).raise_at(sim::time_point(sim::usecs(10)));
    f.eng.run();
    CHECK(p != nullptr);
    const arch::report* r = f.find_report("sleeping function called from invalid context");
    REQUIRE(r);
    CHECK(r->title == "BUG: sleeping function called from invalid context at include/linux/sched/mm.h:337");
}

TEST_CASE("order > MAX_PAGE_ORDER warns once and fails", "[mm][page_alloc]")
{
    mm_fixture f(mm_fixture::with_memory(64 * MiB));
    mm::page* a = reinterpret_cast<mm::page*>(1);
    mm::page* b = a;
    f.in_thread([&] {
        a = f.pa.alloc_pages(mm::GFP_KERNEL, 11);
        b = f.pa.alloc_pages(mm::GFP_KERNEL, 11);
    });
    CHECK(a == nullptr);
    CHECK(b == nullptr);
    CHECK(f.count_reports(arch::report_kind::warning) == 1);
    const arch::report* r = f.find_report("WARNING: CPU: 0 PID: 100 at mm/page_alloc.c:4773 __alloc_pages_noprof");
    CHECK(r);
}

TEST_CASE("__GFP_ZERO zeroes real memory; content survives in the page", "[mm][page_alloc]")
{
    mm_fixture f(mm_fixture::with_memory(64 * MiB));
    f.in_thread([&] {
        mm::page* p = f.pa.alloc_pages(mm::GFP_KERNEL, 1);
        REQUIRE(p);
        std::uint8_t* d = f.node.map().data(f.pa.pfn_of(p));
        std::memset(d, 0xab, 2 * mm::PAGE_SIZE);
        f.pa.free_pages_at(p, 1);
        mm::page* q = f.pa.alloc_pages(mm::GFP_KERNEL | mm::gfp::ZERO, 1);
        REQUIRE(q == p);  // the same block comes back first
        bool all_zero = true;
        for (std::size_t i = 0; i < 2 * mm::PAGE_SIZE; ++i)
            all_zero &= d[i] == 0;
        CHECK(all_zero);
        CHECK((q->flags & mm::PG_head) == 0);
        mm::page* c = f.pa.alloc_pages(mm::GFP_KERNEL | mm::gfp::COMP, 2);
        CHECK((c->flags & mm::PG_head) != 0);
    });
}

TEST_CASE("__get_free_pages returns a direct-map address; free_pages takes it back", "[mm][page_alloc]")
{
    mm_fixture f(mm_fixture::with_memory(64 * MiB));
    std::uint64_t addr = 0;
    f.in_thread([&] {
        addr = f.pa.get_free_pages(mm::GFP_KERNEL, 0);
        f.pa.free_pages(addr, 0);
    });
    CHECK((addr & 0xfff) == 0);
    CHECK(addr >= mm::PAGE_OFFSET);
    CHECK(f.node.nr_free_pages() == 16286);
    CHECK(f.vm[mm::PGFREE] == 1);
}

TEST_CASE("freeing a free page, a tail page or with the wrong order: Bad page state", "[mm][page_alloc]")
{
    mm_fixture f(mm_fixture::with_memory(64 * MiB));
    mm::pfn_t pfn = 0;
    f.in_thread([&] {
        mm::page* p = f.pa.alloc_pages(mm::GFP_KERNEL, 2);
        pfn = f.pa.pfn_of(p);
        f.pa.free_pages_at(p + 1, 0);  // a tail page
        f.pa.free_pages_at(p, 0);      // wrong order
        f.pa.free_pages_at(p, 2);      // right
        f.pa.free_pages_at(p, 2);      // double free
    });
    const auto& reps = f.m.log().reports();
    REQUIRE(reps.size() == 3);
    CHECK(reps[0].title == fmt::format("BUG: Bad page state in process worker  pfn:{:05x}", pfn + 1));
    CHECK(reps[0].text.find("page dumped because: nonzero _refcount") != std::string::npos);
    CHECK(reps[1].text.find("was allocated with order 2 and freed with order 0") != std::string::npos);
    CHECK(reps[2].text.find("page dumped because: nonzero mapcount") != std::string::npos);
    CHECK(reps[2].text.find("already free (double free)") != std::string::npos);
    CHECK(f.node.check_invariants().empty());  // the simulation goes on, state intact
    CHECK(f.node.nr_free_pages() == 16286);
}

TEST_CASE("an invalid zone combination is served from DMA, silently as without CONFIG_DEBUG_VM", "[mm][page_alloc]")
{
    mm_fixture f(mm_fixture::with_memory(64 * MiB));
    mm::page* p = nullptr;
    f.in_thread([&] { p = f.pa.alloc_pages(mm::GFP_KERNEL | mm::gfp::DMA | mm::gfp::DMA32, 0); });
    REQUIRE(p);
    CHECK(f.node.zone_of(f.pa.pfn_of(p))->type == mm::ZONE_DMA);
    CHECK(f.m.log().reports().empty());
}

TEST_CASE("fault injection fails chosen allocations", "[mm][page_alloc]")
{
    mm_fixture f(mm_fixture::with_memory(64 * MiB));
    int calls = 0;
    f.pa.should_fail_alloc_page = [&](gfp_t, unsigned) { return ++calls == 2; };
    std::vector<bool> ok;
    f.in_thread([&] {
        for (int i = 0; i < 3; ++i)
            ok.push_back(f.pa.alloc_pages(mm::GFP_KERNEL, 0) != nullptr);
    });
    CHECK(ok == std::vector<bool>{true, false, true});
}

TEST_CASE("random allocations through alloc_pages keep the invariants", "[mm][page_alloc]")
{
    mm_fixture f(mm_fixture::with_memory(64 * MiB));
    f.in_thread([&] {
        auto& r = f.eng.random().stream("test");
        std::vector<std::pair<mm::page*, unsigned>> live;
        const gfp_t masks[] = {mm::GFP_KERNEL, mm::GFP_ATOMIC, mm::GFP_KERNEL | mm::GFP_DMA, mm::GFP_NOWAIT,
                               mm::GFP_KERNEL | mm::GFP_DMA32};
        for (int step = 0; step < 4000; ++step) {
            if (live.empty() || r.uniform(0, 99) < 60) {
                unsigned order = static_cast<unsigned>(r.uniform(0, 3));
                if (mm::page* p = f.pa.alloc_pages(masks[r.uniform(0, 4)] | mm::gfp::NOWARN, order))
                    live.push_back({p, order});
            } else {
                std::size_t i = r.uniform(0, live.size() - 1);
                f.pa.free_pages_at(live[i].first, live[i].second);
                live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
            }
            REQUIRE(f.node.check_invariants().empty());
        }
    });
}
