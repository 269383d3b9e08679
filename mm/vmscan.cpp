// mm/vmscan.cpp - page cache reclaim, shrinkers, kswapd, direct reclaim, the OOM decision.
#include "mm/vmscan.h"

#include "arch/machine.h"
#include "mm/memmap.h"
#include "sim/error.h"

#include <fmt/format.h>

namespace kmsim::mm {

vmscan::vmscan(arch::machine& m, node& n, page_allocator& pa, vm_counters& vm)
    : machine_(m), node_(n), pa_(pa), vm_(vm)
{
    pa_.set_reclaim(this);
}

vmscan::~vmscan() { pa_.set_reclaim(nullptr); }

void vmscan::add_clean_page_cache(std::uint64_t pages)
{
    for (std::uint64_t i = 0; i < pages; ++i) {
        std::optional<pfn_t> pfn;
        int t = ZONE_NORMAL;
        for (; t >= ZONE_DMA32 && !pfn; --t)
            if (node_.zone_at(t).nr_free_pages > node_.zone_at(t).high_wmark())
                pfn = node_.buddy_of(t).allocate(0);
        if (!pfn)
            throw sim::config_error(fmt::format("the page cache does not fit: {} of {} pages placed before memory "
                                                "ran low", i, pages));
        page& p = node_.map()[*pfn];
        p.flags = PG_allocated;
        p.order = 0;
        file_lru_.push_back(*pfn);
        ++file_in_zone_[static_cast<std::size_t>(t + 1)];
    }
    vm_.add(NR_FILE_PAGES, static_cast<std::int64_t>(pages));
    vm_.add(NR_INACTIVE_FILE, static_cast<std::int64_t>(pages));
}

std::uint64_t vmscan::reclaimable_pages(const zone& z, gfp_t gfp)
{
    // Clean file pages: anyone who may block can drop them.
    return (gfp & gfp::DIRECT_RECLAIM) ? file_in_zone_[static_cast<std::size_t>(z.type)] : 0;
}

void vmscan::shrink_node(scan_control& sc)
{
    // The file LRU, oldest first: scan lru >> priority (at least a batch).
    const std::uint64_t lru = file_lru_.size();
    std::uint64_t nr = std::max<std::uint64_t>(lru >> sc.priority, std::min<std::uint64_t>(lru, 32));
    std::uint64_t scanned = 0, stolen = 0;
    std::deque<pfn_t> skipped;
    while (nr-- > 0 && !file_lru_.empty() && sc.nr_reclaimed + stolen < sc.nr_to_reclaim) {
        const pfn_t pfn = file_lru_.front();
        file_lru_.pop_front();
        ++scanned;
        const int t = node_.map()[pfn].zone;
        if (t > sc.reclaim_idx) {  // a zone this request cannot use: leave it
            skipped.push_back(pfn);
            continue;
        }
        --file_in_zone_[static_cast<std::size_t>(t)];
        vm_.add(NR_FILE_PAGES, -1);
        vm_.add(NR_INACTIVE_FILE, -1);
        pa_.free_pages_at(pa_.pfn_to_page(pfn), 0);
        ++stolen;
    }
    file_lru_.insert(file_lru_.begin(), skipped.begin(), skipped.end());
    sc.nr_scanned += scanned;
    sc.nr_reclaimed += stolen;
    vm_.add(sc.kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT, static_cast<std::int64_t>(scanned));
    vm_.add(sc.kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT, static_cast<std::int64_t>(stolen));
    if (scanned)
        machine_.consume(scan_cost * static_cast<std::int64_t>(scanned));
    shrink_slab(sc);
}

void vmscan::shrink_slab(scan_control& sc)
{
    // do_shrink_slab() for each shrinker: pressure proportional to what it
    // holds and to the reclaim priority, in batches.
    const std::uint64_t free_before = node_.nr_free_pages();
    for (shrinker* s : shrinkers_) {
        shrink_control ctl{sc.gfp_mask, 0, sc.priority};
        std::uint64_t freeable = s->count_objects(ctl);
        if (freeable == 0 || freeable == SHRINK_EMPTY)
            continue;
        std::uint64_t delta = s->seeks ? (freeable >> sc.priority) * 4 / static_cast<std::uint64_t>(s->seeks)
                                       : freeable / 2;
        std::uint64_t total_scan = std::min(delta, 2 * freeable);
        while (total_scan >= s->batch || total_scan >= freeable) {
            ctl.nr_to_scan = std::min(s->batch, total_scan);
            if (ctl.nr_to_scan == 0)
                break;
            const std::uint64_t ret = s->scan_objects(ctl);
            vm_.add(SLABS_SCANNED, static_cast<std::int64_t>(ctl.nr_to_scan));
            if (ret == SHRINK_STOP || machine_.eng().stopping())
                break;
            total_scan -= ctl.nr_to_scan;
            freeable = s->count_objects(ctl);
            if (freeable == 0)
                break;
        }
    }
    const std::uint64_t free_after = node_.nr_free_pages();
    if (free_after > free_before)
        sc.nr_reclaimed += free_after - free_before;  // reclaim_state: pages the slabs gave back
}

std::uint64_t vmscan::try_to_free_pages(gfp_t gfp, unsigned order, int highest_zoneidx)
{
    arch::frame_guard fg(machine_.current(), arch::frame{"direct reclaim", "", 0});
    scan_control sc;
    sc.gfp_mask = gfp;
    sc.order = order;
    sc.reclaim_idx = highest_zoneidx;
    for (sc.priority = 12; sc.priority >= 0 && sc.nr_reclaimed < sc.nr_to_reclaim; --sc.priority) {
        shrink_node(sc);
        if (machine_.eng().stopping())
            return sc.nr_reclaimed;
    }
    if (sc.nr_reclaimed == 0 && (!file_lru_.empty() || !shrinkers_.empty())) {
        // reclaim_throttle(VMSCAN_THROTTLE_NOPROGRESS): one jiffy.
        machine_.schedule_timeout(1);
    }
    return sc.nr_reclaimed;
}

bool vmscan::pgdat_balanced(unsigned order, int highest_zoneidx) const
{
    for (int t = 0; t <= highest_zoneidx; ++t) {
        const zone& z = node_.zone_at(t);
        if (z.managed() && zone_watermark_ok(z, order, z.high_wmark(), highest_zoneidx, 0))
            return true;
    }
    return false;
}

void vmscan::wakeup_kswapd(gfp_t gfp, unsigned order, int highest_zoneidx)
{
    (void)gfp;
    if (!kswapd_)
        return;
    kswapd_order_ = std::max(kswapd_order_, order);
    kswapd_highest_zoneidx_ = std::max(kswapd_highest_zoneidx_, highest_zoneidx);
    if (!kswapd_sleeping_ || pgdat_balanced(order, highest_zoneidx))
        return;
    kswapd_woken_ = true;
    kswapd_->wake();
}

void vmscan::kswapd_sleep(sim::duration nap, bool* woken_early)
{
    arch::context& self = machine_.current();
    kswapd_sleeping_ = true;
    kswapd_woken_ = false;
    if (nap > sim::duration::zero()) {
        // The nap ends by itself; a wakeup during it ends it early.
        auto timer = machine_.eng().schedule_after(nap, [&self] { self.wake(); });
        self.wait(kswapd_idle_);
        machine_.eng().cancel(timer);
    } else {
        self.wait(kswapd_idle_);
    }
    kswapd_sleeping_ = false;
    if (woken_early)
        *woken_early = kswapd_woken_;
}

void vmscan::kswapd_main()
{
    arch::context& self = machine_.current();
    self.task_flags() |= PF_MEMALLOC | PF_KSWAPD;
    kswapd_sleep(sim::duration::zero(), nullptr);
    for (;;) {
        const unsigned order = kswapd_order_;
        const int highest = kswapd_highest_zoneidx_;
        kswapd_order_ = 0;
        kswapd_highest_zoneidx_ = ZONE_DMA;
        if (trace)
            trace(fmt::format("kswapd0: woken, order {}, highest zone {}", order, zone_name(highest)));
        // balance_pgdat(): reclaim until a usable zone meets its high watermark.
        vm_.add(PAGEOUTRUN, 1);
        std::uint64_t total = 0;
        for (int priority = 12; !pgdat_balanced(order, highest) && priority >= 1;) {
            scan_control sc;
            sc.gfp_mask = GFP_KERNEL;
            sc.order = order;
            sc.reclaim_idx = highest;
            sc.kswapd = true;
            sc.priority = priority;
            sc.nr_to_reclaim = 32;
            shrink_node(sc);
            total += sc.nr_reclaimed;
            if (sc.nr_reclaimed == 0)
                --priority;  // nothing at this priority: scan harder
        }
        if (trace)
            trace(fmt::format("kswapd0: reclaimed {} pages, {}", total,
                              pgdat_balanced(order, highest) ? "balanced" : "nothing more to reclaim"));
        // kswapd_try_to_sleep(): a short nap, then sleep until woken.
        bool early = false;
        kswapd_sleep(sim::nsecs(sim::to_ns(machine_.tick()) * machine_.config().hz / 10), &early);
        if (early) {
            vm_.add(KSWAPD_LOW_WMARK_HIT_QUICKLY, 1);
            continue;
        }
        if (!pgdat_balanced(0, kswapd_highest_zoneidx_)) {
            vm_.add(KSWAPD_HIGH_WMARK_HIT_QUICKLY, 1);
            continue;
        }
        kswapd_sleep(sim::duration::zero(), nullptr);
    }
}

void vmscan::start_kswapd()
{
    kswapd_ = &machine_.create_thread("kswapd0", [this] { kswapd_main(); },
                                      arch::thread_options{-1, machine_.now(), sim::actor_role::background, 60});
}

bool vmscan::out_of_memory(gfp_t gfp, unsigned order, bool* did_some_progress)
{
    *did_some_progress = false;
    // The OOM killer does not compensate for IO-less reclaim: the caller is
    // told to retry (it will wait for memory).
    if (!(gfp & gfp::FS)) {
        *did_some_progress = true;
        return true;
    }
    const std::string comm = machine_.current_comm();
    std::string header = fmt::format("{} invoked oom-killer: gfp_mask={}, order={}, oom_score_adj=0", comm,
                                     format_gfp_mode(gfp), order);
    std::string text = header + "\n" + machine_.dump_stack(machine_.current()) + pa_.show_mem(ZONE_NORMAL);
    text += "Tasks state (memory values in pages):\n";
    text += "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents "
            "oom_score_adj name\n";
    if (panic_on_oom) {
        machine_.add_report(arch::report_kind::oom, header, text, arch::log_level::warning);
        machine_.panic("Out of memory: system-wide panic_on_oom is enabled");
        return false;
    }
    text += "Out of memory and no killable processes...\n";
    machine_.add_report(arch::report_kind::oom, header, text, arch::log_level::warning);
    machine_.panic("System is deadlocked on memory");
    return false;
}

void vmscan::wait_for_memory(const std::string& what)
{
    auto w = std::make_unique<memory_wait>();
    w->what = what;
    memory_wait& ref = *w;
    memory_waits_.push_back(std::move(w));
    memory_waiters_.wait(machine_.current(), ref);
    memory_waits_.erase(std::find_if(memory_waits_.begin(), memory_waits_.end(),
                                     [&](const auto& p) { return p.get() == &ref; }));
}

void vmscan::pages_freed()
{
    if (!memory_waiters_.empty())
        memory_waiters_.wake_all();
}

}  // namespace kmsim::mm
