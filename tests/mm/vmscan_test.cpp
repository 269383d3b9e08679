// tests/mm/vmscan_test.cpp - reclaim: page cache, kswapd, shrinkers, swap gates, OOM, waits for memory.
#include "harness.h"

#include "arch/mutex.h"
#include "drivers/blockdev.h"
#include "mm/vmscan.h"

#include <fmt/format.h>

using namespace kmsim;
using namespace kmsim::test;

namespace {

struct reclaim_fixture : memory_fixture {
    explicit reclaim_fixture(std::uint64_t memory = 64 * MiB) : memory_fixture(2, "", memory) {}
    std::uint64_t vm(mm::vm_item i) { return mem.vm()[i]; }
    // Allocates order-0 pages with GFP until N are taken or one fails.
    std::size_t take(mm::gfp_t gfp, std::size_t n)
    {
        std::size_t got = 0;
        while (got < n && mem.pages().alloc_pages(gfp, 0))
            ++got;
        return got;
    }
};

// A shrinker over plain objects, recording the masks it was called with.
struct counting_shrinker : mm::shrinker {
    std::uint64_t objects;
    bool needs_fs;
    std::vector<mm::gfp_t> masks;
    counting_shrinker(std::uint64_t n, bool fs) : mm::shrinker("test_cache"), objects(n), needs_fs(fs) {}
    std::uint64_t count_objects(const mm::shrink_control&) override { return objects; }
    std::uint64_t scan_objects(const mm::shrink_control& sc) override
    {
        masks.push_back(sc.gfp_mask);
        if (needs_fs && !(sc.gfp_mask & mm::gfp::FS))
            return mm::SHRINK_STOP;
        const std::uint64_t n = std::min(objects, sc.nr_to_scan);
        objects -= n;
        return n;
    }
};

}  // namespace

TEST_CASE("direct reclaim drops clean page cache for a blocking allocation", "[mm][vmscan]")
{
    reclaim_fixture f;
    f.mem.reclaim().add_clean_page_cache(10000);
    const std::uint64_t free0 = f.mem.nd().nr_free_pages();
    std::size_t got = 0;
    f.in_thread([&] { got = f.take(mm::GFP_KERNEL, free0 + 2000); });
    CHECK(got == free0 + 2000);
    CHECK(f.vm(mm::ALLOCSTALL_NORMAL) > 0);
    CHECK(f.vm(mm::PGSTEAL_DIRECT) + f.vm(mm::PGSTEAL_KSWAPD) >= 2000);
    CHECK(f.vm(mm::NR_FILE_PAGES) == f.mem.reclaim().page_cache_pages());
    CHECK(f.mem.check_invariants().empty());
}

TEST_CASE("GFP_NOWAIT never reclaims itself but wakes kswapd, which reclaims to high", "[mm][vmscan]")
{
    reclaim_fixture f;
    f.mem.reclaim().add_clean_page_cache(10000);
    f.mem.reclaim().start_kswapd();
    std::size_t got = 0;
    f.m.create_thread("nowait", [&] {
        got = f.take(mm::GFP_NOWAIT | mm::gfp::NOWARN, 1000000);
        f.m.msleep(50);  // kswapd runs meanwhile, on the other CPU
    }, {0});
    f.eng.run();
    CHECK(f.vm(mm::ALLOCSTALL_NORMAL) + f.vm(mm::ALLOCSTALL_DMA32) == 0);
    CHECK(f.vm(mm::PGSTEAL_DIRECT) == 0);
    CHECK(f.vm(mm::PAGEOUTRUN) >= 1);
    CHECK(f.vm(mm::PGSTEAL_KSWAPD) > 0);
    const mm::zone& z = f.mem.nd().zone_at(mm::ZONE_DMA32);
    CHECK(z.nr_free_pages >= z.high_wmark());  // kswapd stopped at high
}

TEST_CASE("shrinkers run with sc.gfp_mask; a NOFS scope makes a fs shrinker stop", "[mm][vmscan]")
{
    reclaim_fixture f;
    counting_shrinker s(100000, true);
    f.mem.reclaim().register_shrinker(s);
    f.mem.reclaim().add_clean_page_cache(3000);
    f.in_thread([&] {
        auto& me = f.m.current();
        me.task_flags() |= mm::PF_MEMALLOC_NOFS;
        f.take(mm::GFP_KERNEL, 20000);
    });
    REQUIRE_FALSE(s.masks.empty());
    for (mm::gfp_t g : s.masks)
        CHECK(g == mm::GFP_NOFS);  // current_gfp_context applied
    CHECK(s.objects == 100000);    // SHRINK_STOP every time
    CHECK(f.vm(mm::SLABS_SCANNED) > 0);
}

TEST_CASE("GFP_KERNEL with nothing to reclaim: the OOM killer finds only kernel threads and panics", "[mm][vmscan]")
{
    reclaim_fixture f;
    f.in_thread([&] { f.take(mm::GFP_KERNEL, 1000000); });
    const arch::report* oom = f.find_report("worker invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0");
    REQUIRE(oom);
    CHECK(oom->kind == arch::report_kind::oom);
    CHECK(oom->text.find("Mem-Info:\n") != std::string::npos);
    CHECK(oom->text.find("Tasks state (memory values in pages):\n") != std::string::npos);
    CHECK(oom->text.find("Out of memory and no killable processes...") != std::string::npos);
    CHECK(f.find_report("Kernel panic - not syncing: System is deadlocked on memory"));
}

TEST_CASE("the OOM report is a NUMA kernel's, with the unreclaimable slab table when slab outweighs the LRU",
          "[mm][vmscan]")
{
    reclaim_fixture f;
    std::uint64_t objects = 0;
    f.in_thread([&] {
        while (f.mem.kmalloc().kmalloc(1024, mm::GFP_KERNEL | mm::gfp::NORETRY | mm::gfp::NOWARN))
            ++objects;
        f.take(mm::GFP_KERNEL, 1000000);
    });
    const arch::report* oom = f.find_report("worker invoked oom-killer");
    REQUIRE(oom);
    const std::string& t = oom->text;
    CHECK(t.find("\nNode 0 DMA32 free:") != std::string::npos);
    CHECK(t.find("\nNode 0 DMA32: ") != std::string::npos);
    CHECK(t.find(" shmem:0kB shmem_thp:0kB shmem_pmdmapped:0kB anon_thp:0kB writeback_tmp:0kB ") != std::string::npos);
    CHECK(t.find(" all_unreclaimable? ") != std::string::npos);
    CHECK(t.find("\nNode 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB\n") !=
          std::string::npos);
    // kmalloc-1k holds OBJECTS objects of 1024 bytes: used is their size.
    const std::size_t table = t.find("Unreclaimable slab info:\nName                      Used          Total\n");
    REQUIRE(table != std::string::npos);
    CHECK(t.find(fmt::format("\nkmalloc-1k        {:>10}KB ", objects)) > table);
    CHECK(table < t.find("Tasks state (memory values in pages):"));
    CHECK(t.find("kmalloc-rcl-") == std::string::npos);  // SLAB_RECLAIM_ACCOUNT caches are left out
}

TEST_CASE("GFP_DMA and GFP_NOFS never invoke the OOM killer", "[mm][vmscan]")
{
    reclaim_fixture f;
    f.in_thread([&] { f.take(mm::GFP_KERNEL | mm::GFP_DMA, 1000000); });
    CHECK_FALSE(f.find_report("invoked oom-killer"));
    CHECK(f.find_report("page allocation failure: order:0, mode:0xcc1(GFP_KERNEL|GFP_DMA)"));

    reclaim_fixture g;
    g.m.create_thread("nofs", [&] { g.take(mm::GFP_NOFS, 1000000); }, {0});
    auto r = g.eng.run();
    CHECK_FALSE(g.find_report("invoked oom-killer"));
    // Nothing will ever free memory: a no_progress deadlock naming the wait.
    REQUIRE(r.result == sim::outcome::deadlock);
    CHECK(r.deadlock->kind == sim::deadlock_kind::no_progress);
    REQUIRE(r.deadlock->stuck.size() == 1);
    CHECK(r.deadlock->stuck[0].waits_for.rfind("free memory for an order-0 GFP_NOFS allocation", 0) == 0);
}

namespace {
// A thread on CPU0 that takes an order-10 block and then memory down to the
// min watermark, sleeps 20 ms, and frees the block.
void start_hog_that_frees_at_20ms(reclaim_fixture& f)
{
    f.m.create_thread("hog", [&f] {
        mm::page* held = f.mem.pages().alloc_pages(mm::GFP_KERNEL | mm::gfp::NORETRY | mm::gfp::NOWARN, 10);
        f.take(mm::GFP_KERNEL | mm::gfp::NORETRY | mm::gfp::NOWARN, 1000000);
        f.m.msleep(20);
        f.mem.pages().free_pages_at(held, 10);
    }, {0});
}
}  // namespace

TEST_CASE("__GFP_NOFAIL waits until memory is freed, then succeeds", "[mm][vmscan]")
{
    reclaim_fixture f;
    bool nofail_ok = false;
    sim::time_point got_at{};
    start_hog_that_frees_at_20ms(f);
    f.m.create_thread("nofail", [&] {
        f.m.msleep(5);
        nofail_ok = f.mem.pages().alloc_pages(mm::GFP_NOFS | mm::gfp::NOFAIL, 0) != nullptr;
        got_at = f.m.now();
    }, {1});
    CHECK(f.eng.run().result == sim::outcome::completed);
    CHECK(nofail_ok);
    CHECK(sim::to_ns(got_at) >= 21000000);  // after the hog's free
}

TEST_CASE("__GFP_NOFAIL with __GFP_NORETRY, or at a costly order, still never returns NULL", "[mm][vmscan]")
{
    // Each would give up after one pass without __GFP_NOFAIL; with it, the
    // nopage path retries (with ALLOC_MIN_RESERVE) until memory is freed.
    for (const auto& [gfp, order] : {std::pair{mm::GFP_KERNEL | mm::gfp::NOFAIL | mm::gfp::NORETRY, 0u},
                                     std::pair{mm::GFP_KERNEL | mm::gfp::NOFAIL, 4u}}) {
        INFO(mm::format_gfp(gfp) << " order " << order);
        reclaim_fixture f;
        mm::page* got = nullptr;
        start_hog_that_frees_at_20ms(f);
        f.m.create_thread("nofail", [&, gfp = gfp, order = order] {
            f.m.msleep(5);
            got = f.mem.pages().alloc_pages(gfp, order);
        }, {1});
        CHECK(f.eng.run().result == sim::outcome::completed);
        CHECK(got != nullptr);
    }
}

TEST_CASE("__GFP_NOFAIL|__GFP_NORETRY with nothing ever freed is a deadlock, not NULL", "[mm][vmscan]")
{
    // The hog takes the reserves too (__GFP_MEMALLOC), so not even
    // ALLOC_MIN_RESERVE finds a page.
    reclaim_fixture f;
    bool returned = false;
    f.m.create_thread("hog", [&] {
        f.take(mm::GFP_KERNEL | mm::gfp::MEMALLOC | mm::gfp::NORETRY | mm::gfp::NOWARN, 1000000);
    }, {0});
    f.m.create_thread("nofail", [&] {
        f.m.msleep(5);
        f.mem.pages().alloc_pages(mm::GFP_KERNEL | mm::gfp::NOFAIL | mm::gfp::NORETRY, 0);
        returned = true;
    }, {1});
    const sim::run_result r = f.eng.run();
    CHECK_FALSE(returned);
    REQUIRE(r.result == sim::outcome::deadlock);
    CHECK(r.deadlock->kind == sim::deadlock_kind::no_progress);
}

TEST_CASE("__GFP_NOFAIL misuse warns once per site: no direct reclaim (and fails), PF_MEMALLOC", "[mm][vmscan]")
{
    reclaim_fixture f;
    mm::page* atomic[2] = {reinterpret_cast<mm::page*>(1), reinterpret_cast<mm::page*>(1)};
    mm::page* memalloc = nullptr;
    f.in_thread([&] {
        // Down through GFP_ATOMIC's reserves, so every later call takes the slow path.
        f.take(mm::GFP_ATOMIC | mm::gfp::NOWARN, 1000000);
        for (mm::page*& p : atomic)
            p = f.mem.pages().alloc_pages(mm::GFP_ATOMIC | mm::gfp::NOFAIL | mm::gfp::NOWARN, 0);
        f.m.current().task_flags() |= mm::PF_MEMALLOC;
        memalloc = f.mem.pages().alloc_pages(mm::GFP_KERNEL | mm::gfp::NOFAIL, 0);
        f.m.current().task_flags() &= ~mm::PF_MEMALLOC;
    });
    // 6.12+: the request cannot be kept without direct reclaim, so it warns
    // (__GFP_NOWARN does not silence a WARN_ON_ONCE) and returns NULL.
    CHECK(atomic[0] == nullptr);
    CHECK(atomic[1] == nullptr);
    // PF_MEMALLOC ignores the watermarks, so this one succeeds, after its warning.
    CHECK(memalloc != nullptr);
    std::vector<std::string> warnings;
    for (const auto& r : f.m.log().reports())
        if (r.kind == arch::report_kind::warning)
            warnings.push_back(r.title);
    CHECK(warnings == std::vector<std::string>{
                          "WARNING: CPU: 0 PID: 100 at mm/page_alloc.c:4389 __alloc_pages_slowpath",
                          "WARNING: CPU: 0 PID: 100 at mm/page_alloc.c:4395 __alloc_pages_slowpath"});
}

TEST_CASE("anonymous memory is swapped out only with __GFP_IO and a swap device", "[mm][vmscan]")
{
    reclaim_fixture f;
    drivers::blockdev sda(f.m, drivers::blockdev_config{"sda", sim::msecs(1), -1, 1, 32, 0});
    sda.start();
    f.mem.reclaim().add_anon(8000, &sda);
    f.in_thread([&] {
        f.take(mm::GFP_NOIO | mm::gfp::NORETRY | mm::gfp::NOWARN, 1000000);
        CHECK(f.vm(mm::PSWPOUT) == 0);  // NOIO may not start I/O
        f.take(mm::GFP_KERNEL | mm::gfp::NORETRY | mm::gfp::NOWARN, 2000);
        f.m.msleep(20);  // the writes complete
    });
    CHECK(f.vm(mm::PSWPOUT) > 0);
    CHECK(sda.completed() > 0);
    CHECK(f.mem.check_invariants().empty());
}

TEST_CASE("direct reclaim below half of min waits for kswapd (pgscan_direct_throttle)", "[mm][vmscan]")
{
    // 256M: DMA32 min 479, DMA min 31. GFP_ATOMIC leaves 181 and 13 free:
    // 194 pages, below half of 510.
    reclaim_fixture f(256 * MiB);
    f.mem.reclaim().add_clean_page_cache(8000);
    f.mem.reclaim().start_kswapd();
    bool ok = false;
    f.m.create_thread("worker", [&] {
        // Every zone down to ~3/8 of its min, at one instant (DMA too, or
        // its protected pages would keep the sum above half of min).
        f.take(mm::GFP_ATOMIC | mm::gfp::NOWARN, 1000000);
        f.take(mm::GFP_ATOMIC | mm::GFP_DMA | mm::gfp::NOWARN, 1000000);
        ok = f.mem.pages().alloc_pages(mm::GFP_KERNEL, 0) != nullptr;
    }, {0});
    CHECK(f.eng.run().result == sim::outcome::completed);
    CHECK(ok);
    CHECK(f.vm(mm::PGSCAN_DIRECT_THROTTLE) == 1);
    CHECK(f.vm(mm::PGSTEAL_KSWAPD) > 0);
}

TEST_CASE("kswapd gives up after MAX_RECLAIM_RETRIES runs that reclaim nothing, without napping between them",
          "[mm][vmscan]")
{
    reclaim_fixture f;
    f.mem.reclaim().start_kswapd();
    std::uint64_t runs_at_50ms = 0, throttles = 0;
    sim::duration stall{};
    f.m.create_thread("hog", [&] {
        f.take(mm::GFP_KERNEL | mm::gfp::NORETRY | mm::gfp::NOWARN, 1000000);
        f.m.msleep(50);
        // An unbalanced node is reclaimed again at once, not after a 100 ms
        // nap: the 16 fruitless runs are over well within 50 ms.
        runs_at_50ms = f.vm(mm::PAGEOUTRUN);
        // Allocations below the low watermark no longer wake it ...
        f.take(mm::GFP_ATOMIC | mm::gfp::NOWARN, 1000000);
        f.take(mm::GFP_ATOMIC | mm::GFP_DMA | mm::gfp::NOWARN, 1000000);
        // ... and direct reclaim below half of min is not throttled waiting for it.
        throttles = f.vm(mm::PGSCAN_DIRECT_THROTTLE);
        const sim::time_point t0 = f.m.now();
        f.mem.pages().alloc_pages(mm::GFP_KERNEL | mm::gfp::NORETRY | mm::gfp::NOWARN, 0);
        stall = f.m.now() - t0;
        f.m.msleep(1000);
    }, {0});
    CHECK(f.eng.run().result == sim::outcome::completed);
    CHECK(runs_at_50ms == mm::MAX_RECLAIM_RETRIES);
    CHECK(f.vm(mm::PAGEOUTRUN) == mm::MAX_RECLAIM_RETRIES);
    CHECK(f.vm(mm::PGSCAN_DIRECT_THROTTLE) == throttles);
    CHECK(stall < sim::msecs(10));
    CHECK(f.mem.reclaim().all_unreclaimable());
    CHECK(f.mem.pages().show_mem(mm::ZONE_NORMAL).find("all_unreclaimable? yes Balloon:0kB\n") != std::string::npos);
}

namespace {
// A cache of pages that reclaim can free: whatever the test hands it.
struct page_shrinker : mm::shrinker {
    mm::page_allocator& pa;
    std::vector<mm::page*> pages;
    explicit page_shrinker(mm::page_allocator& p) : mm::shrinker("page_cache_like"), pa(p) {}
    std::uint64_t count_objects(const mm::shrink_control&) override { return pages.size(); }
    std::uint64_t scan_objects(const mm::shrink_control& sc) override
    {
        std::uint64_t n = 0;
        for (; n < sc.nr_to_scan && !pages.empty(); ++n) {
            pa.free_pages_at(pages.back(), 0);
            pages.pop_back();
        }
        return n;
    }
};
}  // namespace

TEST_CASE("progress by direct reclaim revives a kswapd that gave up", "[mm][vmscan]")
{
    reclaim_fixture f;
    page_shrinker cache(f.mem.pages());
    f.mem.reclaim().register_shrinker(cache);
    f.mem.reclaim().start_kswapd();
    bool hopeless_before = false, hopeless_after = true;
    f.m.create_thread("hog", [&] {
        std::vector<mm::page*> held;
        while (mm::page* p = f.mem.pages().alloc_pages(mm::GFP_KERNEL | mm::gfp::NORETRY | mm::gfp::NOWARN, 0))
            held.push_back(p);
        f.m.msleep(50);
        hopeless_before = f.mem.reclaim().all_unreclaimable();
        cache.pages.assign(held.end() - 4000, held.end());  // the pages become reclaimable
        f.mem.pages().alloc_pages(mm::GFP_KERNEL, 0);        // direct reclaim frees some
        hopeless_after = f.mem.reclaim().all_unreclaimable();
        f.take(mm::GFP_KERNEL | mm::gfp::NORETRY | mm::gfp::NOWARN, 400);  // below low again: wakes kswapd now
        f.m.msleep(50);
    }, {0});
    CHECK(f.eng.run().result == sim::outcome::completed);
    CHECK(hopeless_before);
    CHECK_FALSE(hopeless_after);
    CHECK(f.vm(mm::PAGEOUTRUN) > mm::MAX_RECLAIM_RETRIES);  // woken again, and it ran
    CHECK(f.vm(mm::PGSTEAL_KSWAPD) + f.vm(mm::PGSTEAL_DIRECT) == 0);  // shrinker pages count as slab
}

TEST_CASE("GFP_NOFS that can never succeed is a no_progress deadlock at once, and never a hung task", "[mm][vmscan]")
{
    // The kernel loops in the allocator (no __GFP_FS: no OOM kill), running;
    // kswapd gives up, and then nothing can change.
    reclaim_fixture f;
    f.mem.reclaim().start_kswapd();
    f.m.create_thread("nofs", [&] { f.take(mm::GFP_NOFS, 1000000); }, {0});
    const sim::run_result r = f.eng.run();
    REQUIRE(r.result == sim::outcome::deadlock);
    CHECK(r.deadlock->kind == sim::deadlock_kind::no_progress);
    CHECK(r.end < sim::time_point{} + sim::secs(1));
    CHECK(f.mem.reclaim().all_unreclaimable());
    for (const auto& rep : f.m.log().reports())
        CHECK(rep.kind != arch::report_kind::hung_task);
}

namespace {
// A filesystem-like shrinker that takes the fs lock to free objects.
struct locking_shrinker : mm::shrinker {
    arch::mutex& lock;
    std::uint64_t objects = 50000;
    explicit locking_shrinker(arch::mutex& l) : mm::shrinker("fs_cache"), lock(l) {}
    std::uint64_t count_objects(const mm::shrink_control&) override { return objects; }
    std::uint64_t scan_objects(const mm::shrink_control& sc) override
    {
        lock.lock();
        lock.unlock();
        const std::uint64_t n = std::min(objects, sc.nr_to_scan);
        objects -= n;
        return n;
    }
};

// fs_writer allocates under fs_lock (with or without a NOFS scope); later a
// reclaimer's direct reclaim runs the shrinker, which takes fs_lock.
const arch::report* fs_reclaim_case(reclaim_fixture& f, arch::mutex& fs_lock, bool nofs_scope)
{
    f.m.create_thread("fs_writer", [&, nofs_scope] {
        fs_lock.lock();
        if (nofs_scope)
            f.m.current().task_flags() |= mm::PF_MEMALLOC_NOFS;
        f.mem.pages().alloc_pages(mm::GFP_KERNEL, 0);
        f.m.current().task_flags() &= ~mm::PF_MEMALLOC_NOFS;
        fs_lock.unlock();
    }, {0});
    f.m.create_thread("reclaimer", [&] {
        f.m.msleep(1);
        f.take(mm::GFP_KERNEL | mm::gfp::NORETRY | mm::gfp::NOWARN, 1000000);
    }, {1});
    f.eng.run();
    return f.find_report("WARNING: possible circular locking dependency detected");
}
}  // namespace

TEST_CASE("fs_reclaim: allocating under a lock a shrinker takes is a predicted deadlock", "[mm][vmscan][lockdep]")
{
    reclaim_fixture f;
    arch::mutex fs_lock(f.m, "fs_lock");
    locking_shrinker s(fs_lock);
    f.mem.reclaim().register_shrinker(s);
    const arch::report* r = fs_reclaim_case(f, fs_lock, false);
    REQUIRE(r);
    // Reclaim (holding fs_reclaim) takes fs_lock; fs_writer allocated under fs_lock.
    CHECK(r->text.find("but task is already holding lock:\nffffffff82c01040 (fs_reclaim)") != std::string::npos);
    CHECK(r->text.find("  lock(fs_reclaim);\n                               lock(fs_lock);\n"
                       "                               lock(fs_reclaim);\n  lock(fs_lock);\n") != std::string::npos);
}

TEST_CASE("fs_reclaim: a NOFS scope around the allocation keeps lockdep quiet", "[mm][vmscan][lockdep]")
{
    reclaim_fixture f;
    arch::mutex fs_lock(f.m, "fs_lock");
    locking_shrinker s(fs_lock);
    f.mem.reclaim().register_shrinker(s);
    CHECK_FALSE(fs_reclaim_case(f, fs_lock, true));
    CHECK(s.objects < 50000);  // the shrinker did run
}
