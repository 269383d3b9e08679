// mm/vmscan.cpp - page cache reclaim, shrinkers, kswapd, direct reclaim, the OOM decision.
#include "mm/vmscan.h"

#include "arch/machine.h"
#include "mm/memmap.h"
#include "mm/slab.h"
#include "sim/error.h"

#include <fmt/format.h>

namespace kmsim::mm {

vmscan::vmscan(arch::machine& m, node& n, page_allocator& pa, vm_counters& vm)
    : machine_(m), node_(n), pa_(pa), vm_(vm)
{
    pa_.set_reclaim(this);
    writeback_wait_.v = this;
}

const backing_dev* vmscan::writeback_wait::stuck_device() const
{
    for (const backing_dev* d : v->writeback_devs_)
        if (d->has_queued() && d->worker())
            return d;
    return nullptr;
}

std::string vmscan::writeback_wait::describe_wait() const
{
    if (const backing_dev* d = stuck_device())
        return fmt::format("writeback of {} pages queued on {}", v->writeback_pages_, d->name());
    return fmt::format("writeback of {} pages (reclaim_throttle, 100 ms)", v->writeback_pages_);
}

std::vector<const sim::actor*> vmscan::writeback_wait::holders() const
{
    if (const backing_dev* d = stuck_device())
        return {d->worker()};
    return {};
}

const sim::actor* vmscan::writeback_wait::sole_holder() const
{
    const backing_dev* d = stuck_device();
    return d ? d->worker() : nullptr;
}

std::optional<pfn_t> vmscan::boot_page()
{
    for (int t = ZONE_NORMAL; t >= ZONE_DMA32; --t)
        if (node_.zone_at(t).nr_free_pages > node_.zone_at(t).high_wmark())
            if (auto pfn = node_.buddy_of(t).allocate(0)) {
                page& p = node_.map()[*pfn];
                p.flags = PG_allocated;
                p.order = 0;
                return pfn;
            }
    return std::nullopt;
}

void vmscan::add_dirty_page_cache(std::uint64_t pages, backing_dev& dev)
{
    for (std::uint64_t i = 0; i < pages; ++i) {
        auto pfn = boot_page();
        if (!pfn)
            throw sim::config_error(fmt::format("the dirty page cache does not fit: {} of {} pages placed", i, pages));
        dirty_lru_.push_back({*pfn, &dev});
        ++file_in_zone_[node_.map()[*pfn].zone];
    }
    vm_.add(NR_FILE_PAGES, static_cast<std::int64_t>(pages));
    vm_.add(NR_INACTIVE_FILE, static_cast<std::int64_t>(pages));
    vm_.add(NR_FILE_DIRTY, static_cast<std::int64_t>(pages));
}

void vmscan::add_anon(std::uint64_t pages, backing_dev* swap)
{
    for (std::uint64_t i = 0; i < pages; ++i) {
        auto pfn = boot_page();
        if (!pfn)
            throw sim::config_error(fmt::format("the anonymous memory does not fit: {} of {} pages placed", i, pages));
        anon_lru_.push_back(*pfn);
        ++anon_in_zone_[node_.map()[*pfn].zone];
    }
    if (swap)
        swap_ = swap;
    vm_.add(NR_ANON_MAPPED, static_cast<std::int64_t>(pages));
    vm_.add(NR_INACTIVE_ANON, static_cast<std::int64_t>(pages));
}

void vmscan::add_process(std::string comm, std::uint64_t pages, std::uint64_t swapents, int oom_score_adj)
{
    std::vector<pfn_t> held;
    for (std::uint64_t i = 0; i < pages; ++i) {
        auto pfn = boot_page();
        if (!pfn)
            throw sim::config_error(fmt::format("process {}: its memory does not fit: {} of {} pages placed", comm, i,
                                                pages));
        held.push_back(*pfn);
    }
    oom_.add_process(std::move(comm), std::move(held), swapents, oom_score_adj);
}

void vmscan::writeback_done(std::uint64_t pages)
{
    writeback_pages_ -= pages;
    vm_.add(NR_WRITEBACK, -static_cast<std::int64_t>(pages));
    if (!writeback_waiters_.empty())
        writeback_waiters_.wake_all();
}

void vmscan::shrink_anon(scan_control& sc, std::uint64_t nr)
{
    // Swap-out: only with __GFP_IO and a swap device. The pages are written
    // and freed when the write completes; they do not count as reclaimed now.
    if (!(sc.gfp_mask & gfp::IO) || !swap_ || anon_lru_.empty())
        return;
    std::vector<pfn_t> batch;
    while (nr-- > 0 && !anon_lru_.empty()) {
        batch.push_back(anon_lru_.front());
        anon_lru_.pop_front();
    }
    sc.nr_scanned += batch.size();
    vm_.add(sc.kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT, static_cast<std::int64_t>(batch.size()));
    const std::uint64_t n = batch.size();
    writeback_pages_ += n;
    vm_.add(NR_WRITEBACK, static_cast<std::int64_t>(n));
    if (std::find(writeback_devs_.begin(), writeback_devs_.end(), swap_) == writeback_devs_.end())
        writeback_devs_.push_back(swap_);
    const bool kswapd = sc.kswapd;
    bio_request bio;
    bio.nr_pages = n;
    bio.end_io = [this, batch, kswapd] {
        for (pfn_t pfn : batch) {
            --anon_in_zone_[node_.map()[pfn].zone];
            pa_.free_pages_at(pa_.pfn_to_page(pfn), 0);
        }
        const auto k = static_cast<std::int64_t>(batch.size());
        vm_.add(NR_ANON_MAPPED, -k);
        vm_.add(NR_INACTIVE_ANON, -k);
        vm_.add(PSWPOUT, k);
        vm_.add(kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT, k);
        writeback_done(batch.size());
    };
    swap_->submit_bio(std::move(bio));
    machine_.consume(scan_cost * static_cast<std::int64_t>(n));
}

void vmscan::throttle_writeback()
{
    // reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK): up to HZ/10, woken early
    // when writeback completes.
    writeback_waiters_.wait_timeout(machine_.current(), writeback_wait_, sim::msecs(100));
}

void vmscan::flusher_main()
{
    arch::context& self = machine_.current();
    for (;;) {
        // Write every dirty page back, 32 pages a bio, through its device.
        while (!dirty_lru_.empty()) {
            std::vector<pfn_t> batch;
            backing_dev* dev = dirty_lru_.front().dev;
            while (!dirty_lru_.empty() && batch.size() < 32 && dirty_lru_.front().dev == dev) {
                batch.push_back(dirty_lru_.front().pfn);
                dirty_lru_.pop_front();
            }
            const auto k = static_cast<std::int64_t>(batch.size());
            vm_.add(NR_FILE_DIRTY, -k);
            writeback_pages_ += batch.size();
            vm_.add(NR_WRITEBACK, k);
            if (std::find(writeback_devs_.begin(), writeback_devs_.end(), dev) == writeback_devs_.end())
                writeback_devs_.push_back(dev);
            bio_request bio;
            bio.nr_pages = batch.size();
            bio.end_io = [this, batch] {
                // Written: the pages are clean page cache now.
                for (pfn_t pfn : batch)
                    file_lru_.push_back(pfn);
                vm_.add(PGPGOUT, static_cast<std::int64_t>(batch.size()) * 4);
                writeback_done(batch.size());
            };
            dev->submit_bio(std::move(bio));
            machine_.consume(sim::usecs(1) * k);
        }
        // Sleep for dirty_writeback_centisecs (5 s), or until reclaim asks.
        flusher_sleeping_ = true;
        auto timer = machine_.eng().schedule_after(sim::secs(5), [&self] { self.wake(); });
        self.wait(flusher_idle_);
        machine_.eng().cancel(timer);
        flusher_sleeping_ = false;
    }
}

void vmscan::start_flusher()
{
    if (dirty_lru_.empty() || flusher_)
        return;
    flusher_ = &machine_.create_thread(flusher_comm, [this] { flusher_main(); },
                                       arch::thread_options{-1, machine_.now(), sim::actor_role::background, 61});
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

std::uint64_t vmscan::add_page_cache(std::uint64_t pages, backing_dev* dev)
{
    std::uint64_t added = 0;
    for (; added < pages; ++added) {
        page* p = pa_.alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
        if (!p)
            break;
        const pfn_t pfn = pa_.pfn_of(p);
        if (dev) {
            dirty_lru_.push_back({pfn, dev});
            vm_.add(NR_FILE_DIRTY, 1);
        } else {
            file_lru_.push_back(pfn);
        }
        ++file_in_zone_[p->zone];
        vm_.add(NR_FILE_PAGES, 1);
        vm_.add(NR_INACTIVE_FILE, 1);
    }
    if (dev && added)
        start_flusher();  // dirty_background_ratio: the flusher starts writing
    return added;
}

std::uint64_t vmscan::reclaimable_pages(const zone& z, gfp_t gfp)
{
    // zone_reclaimable_pages(): the file LRU, and the anon LRU when swap exists.
    if (!(gfp & gfp::DIRECT_RECLAIM))
        return 0;
    const auto t = static_cast<std::size_t>(z.type);
    return file_in_zone_[t] + (swap_ ? anon_in_zone_[t] : 0);
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
    // Dirty file pages: reclaim never writes them itself; it asks the flusher.
    if (!dirty_lru_.empty() && sc.nr_reclaimed + stolen < sc.nr_to_reclaim) {
        scanned += std::min<std::uint64_t>(dirty_lru_.size(), 32);
        if (flusher_ && flusher_sleeping_)
            flusher_->wake();
    }
    sc.nr_scanned += scanned;
    sc.nr_reclaimed += stolen;
    vm_.add(sc.kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT, static_cast<std::int64_t>(scanned));
    vm_.add(sc.kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT, static_cast<std::int64_t>(stolen));
    if (scanned)
        machine_.consume(scan_cost * static_cast<std::int64_t>(scanned));
    if (sc.nr_reclaimed < sc.nr_to_reclaim)
        shrink_anon(sc, std::max<std::uint64_t>(anon_lru_.size() >> sc.priority, std::min<std::uint64_t>(anon_lru_.size(), 32)));
    const std::uint64_t before_slab = sc.nr_reclaimed;
    shrink_slab(sc);
    // Progress by anyone, direct reclaim included, revives a kswapd that
    // gave up on the node.
    if (stolen || sc.nr_reclaimed > before_slab)
        kswapd_failures_ = 0;
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

bool vmscan::allow_direct_reclaim() const
{
    // A node kswapd gave up on is left to direct reclaim: no throttling.
    if (pgdat_hopeless())
        return true;
    // Free pages above half the min watermarks of the lowmem zones: the
    // reserves kswapd and PF_MEMALLOC tasks need are safe.
    std::uint64_t free = 0, reserve = 0;
    for (int t = 0; t <= ZONE_NORMAL; ++t) {
        const zone& z = node_.zone_at(t);
        if (!z.managed())
            continue;
        free += z.nr_free_pages;
        reserve += z.min_wmark();
    }
    return reserve == 0 || free > reserve / 2;
}

void vmscan::throttle_direct_reclaim(gfp_t gfp)
{
    // throttle_direct_reclaim(): when free memory is below half the min
    // watermarks, wait for kswapd to restore it - at most HZ without
    // __GFP_FS; with it, until kswapd succeeds (here too at most HZ, so a
    // kswapd with nothing to reclaim cannot hold the task forever).
    if (!kswapd_ || allow_direct_reclaim())
        return;
    vm_.add(PGSCAN_DIRECT_THROTTLE, 1);
    wakeup_kswapd(gfp, 0, ZONE_NORMAL);
    pfmemalloc_wait_.what = "pfmemalloc_wait (kswapd to restore the min watermarks)";
    pfmemalloc_waiters_.wait_timeout(machine_.current(), pfmemalloc_wait_, sim::secs(1));
}

std::uint64_t vmscan::try_to_free_pages(gfp_t gfp, unsigned order, int highest_zoneidx)
{
    arch::frame_guard fg(machine_.current(), arch::frame{"direct reclaim", "", 0});
    throttle_direct_reclaim(gfp);
    scan_control sc;
    sc.gfp_mask = gfp;
    sc.order = order;
    sc.reclaim_idx = highest_zoneidx;
    for (sc.priority = 12; sc.priority >= 0 && sc.nr_reclaimed < sc.nr_to_reclaim; --sc.priority) {
        shrink_node(sc);
        if (machine_.eng().stopping())
            return sc.nr_reclaimed;
    }
    if (sc.nr_reclaimed == 0 && writeback_pages_ > 0) {
        // Pages are being written back: wait for them (or 100 ms).
        throttle_writeback();
    } else if (sc.nr_reclaimed == 0 && (!file_lru_.empty() || !shrinkers_.empty() || !dirty_lru_.empty())) {
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

kswapd_wake vmscan::wakeup_kswapd(gfp_t gfp, unsigned order, int highest_zoneidx)
{
    if (!kswapd_)
        return kswapd_wake::none;
    kswapd_order_ = std::max(kswapd_order_, order);
    if (kswapd_highest_zoneidx_ == MAX_NR_ZONES || kswapd_highest_zoneidx_ < highest_zoneidx)
        kswapd_highest_zoneidx_ = highest_zoneidx;
    if (!kswapd_sleeping_)
        return kswapd_wake::awake;
    // A hopeless node is left to direct reclaim; a balanced one needs nothing.
    if (pgdat_hopeless())
        return kswapd_wake::hopeless;
    if (pgdat_balanced(order, highest_zoneidx))
        return kswapd_wake::balanced;
    kswapd_woken_ = true;
    machine_.trace().mm_vmscan_wakeup_kswapd(highest_zoneidx, order, gfp);
    kswapd_->wake();
    return kswapd_wake::woken;
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
    int highest = ZONE_NORMAL;
    for (;;) {
        // The request of the wakeups since the last run; with none (kswapd
        // runs again because the node is still unbalanced), the last zone.
        const unsigned order = kswapd_order_;
        if (kswapd_highest_zoneidx_ != MAX_NR_ZONES)
            highest = kswapd_highest_zoneidx_;
        kswapd_order_ = 0;
        kswapd_highest_zoneidx_ = MAX_NR_ZONES;
        machine_.trace().mm_vmscan_kswapd_wake(highest, order);
        // balance_pgdat(): reclaim until a usable zone meets its high watermark,
        // holding fs_reclaim for lockdep (__fs_reclaim_acquire, unconditional).
        vm_.add(PAGEOUTRUN, 1);
        machine_.lockdep_checks().acquire(pa_.fs_reclaim_map(), false);
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
            if (!pfmemalloc_waiters_.empty() && allow_direct_reclaim())
                pfmemalloc_waiters_.wake_all();
            if (sc.nr_reclaimed == 0)
                --priority;  // nothing at this priority: scan harder
        }
        // Pages under writeback and nothing else freed: wait for the writes
        // (reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK), up to 100 ms).
        if (total == 0 && writeback_pages_ > 0)
            throttle_writeback();
        machine_.lockdep_checks().release(pa_.fs_reclaim_map());
        if (total == 0)
            ++kswapd_failures_;
        machine_.trace().kswapd_pass_done(total, pgdat_balanced(order, highest),
                                          kswapd_failures_ == MAX_RECLAIM_RETRIES);
        // kswapd_try_to_sleep(): a short nap if the node is balanced (or
        // hopeless), then, if it still is, sleep until woken. An unbalanced
        // node is reclaimed again at once.
        bool early = false;
        if (prepare_kswapd_sleep(order, highest)) {
            kswapd_sleep(sim::nsecs(sim::to_ns(machine_.tick()) * machine_.config().hz / 10), &early);
            if (early) {
                vm_.add(KSWAPD_LOW_WMARK_HIT_QUICKLY, 1);
                continue;
            }
        }
        if (!prepare_kswapd_sleep(order, highest)) {
            vm_.add(KSWAPD_HIGH_WMARK_HIT_QUICKLY, 1);
            continue;
        }
        machine_.trace().mm_vmscan_kswapd_sleep();
        kswapd_sleep(sim::duration::zero(), nullptr);
    }
}

bool vmscan::prepare_kswapd_sleep(unsigned order, int highest_zoneidx)
{
    // Whoever throttled in direct reclaim is let go before kswapd sleeps.
    if (!pfmemalloc_waiters_.empty())
        pfmemalloc_waiters_.wake_all();
    return pgdat_hopeless() || pgdat_balanced(order, highest_zoneidx);
}

void vmscan::start_kswapd()
{
    kswapd_ = &machine_.create_thread(kswapd_comm, [this] { kswapd_main(); },
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
    // oom_evaluate_task(): a victim not reaped yet aborts the selection;
    // the caller retries once its memory is back.
    if (oom_.victim_pending()) {
        *did_some_progress = true;
        return true;
    }
    const std::string comm = machine_.current_comm();
    std::string header = fmt::format("{} invoked oom-killer: gfp_mask={}, order={}, oom_score_adj=0", comm,
                                     format_gfp_mode(gfp), order);
    std::string text = header + "\n" + machine_.dump_stack(machine_.current()) + pa_.show_mem(ZONE_NORMAL);
    // should_dump_unreclaim_slab(): more unreclaimable slab than LRU pages.
    const std::uint64_t nr_lru = vm_[NR_ACTIVE_ANON] + vm_[NR_INACTIVE_ANON] + vm_[NR_ACTIVE_FILE] +
                                 vm_[NR_INACTIVE_FILE] + vm_[NR_ISOLATED_ANON] + vm_[NR_ISOLATED_FILE] +
                                 vm_[NR_UNEVICTABLE];
    if (slabs_ && vm_[NR_SLAB_UNRECLAIMABLE] > nr_lru)
        text += slabs_->dump_unreclaimable_slab();
    text += "Tasks state (memory values in pages):\n";
    text += "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents "
            "oom_score_adj name\n";
    text += oom_.task_table();
    if (panic_on_oom) {
        machine_.add_report(arch::report_kind::oom, header, text, arch::log_level::warning);
        machine_.panic("Out of memory: system-wide panic_on_oom is enabled");
        return false;
    }
    if (oom_process* victim = oom_.select_bad_process(node_.totalram_pages())) {
        text += oom_.kill(*victim);
        machine_.add_report(arch::report_kind::oom, header, text, arch::log_level::warning);
        *did_some_progress = true;
        return true;
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
    w->loop = true;
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
