// mm/vmscan.h - reclaim: the page cache, shrinkers, kswapd, direct reclaim and the OOM killer.
//
// Owns: what memory can be taken back and by whom (mm/vmscan.c, mm/shrinker.c,
// mm/oom_kill.c): the clean page cache any blocking allocation may drop;
// shrinkers, run with the allocation's sc.gfp_mask; kswapd, a kernel thread
// woken below the low watermark that reclaims until a zone meets high; direct
// reclaim in the allocating task with PF_MEMALLOC; the OOM killer's decision
// (which, with only kernel threads to choose from, panics).
// And one thing the kernel does not have: an allocation that can make no
// progress (nothing reclaimable, no OOM kill allowed, or __GFP_NOFAIL) waits
// for memory to be freed instead of spinning, so that if nothing ever frees
// memory the run ends in a reported deadlock rather than a livelock.
// Implements reclaim_hooks for the page allocator.
#pragma once

#include "mm/backing_dev.h"
#include "mm/oom_kill.h"
#include "mm/page_alloc.h"
#include "sim/actor.h"
#include "sim/wait_queue.h"

#include <array>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace kmsim::mm {

class slab_allocator;

// The names of the kernel threads reclaim runs (their comm).
inline constexpr const char* kswapd_comm = "kswapd0";
inline constexpr const char* flusher_comm = "flusher";

inline constexpr std::uint64_t SHRINK_STOP = ~0ULL;
inline constexpr std::uint64_t SHRINK_EMPTY = ~0ULL - 1;

struct shrink_control {
    gfp_t gfp_mask = 0;
    std::uint64_t nr_to_scan = 0;
    int priority = 12;
};

// A cache that reclaim can shrink. Upper layers implement it (the scenario
// language's `shrinker` blocks) and register it with vmscan.
class shrinker {
public:
    explicit shrinker(std::string name) : name_(std::move(name)) {}
    virtual ~shrinker() = default;
    const std::string& name() const { return name_; }
    // Objects that could be freed now (0: nothing to do).
    virtual std::uint64_t count_objects(const shrink_control& sc) = 0;
    // Free up to sc.nr_to_scan; return how many were freed, or SHRINK_STOP.
    virtual std::uint64_t scan_objects(const shrink_control& sc) = 0;
    int seeks = 2;            // DEFAULT_SEEKS
    std::uint64_t batch = 128;  // SHRINK_BATCH

private:
    std::string name_;
};

class vmscan final : public reclaim_hooks {
public:
    vmscan(arch::machine& m, node& n, page_allocator& pa, vm_counters& vm);
    ~vmscan() override;

    // Boot: PAGES pages of clean page cache, taken from Normal, then DMA32.
    // Throws config_error when memory is too small for them.
    void add_clean_page_cache(std::uint64_t pages);
    // Boot: dirty page cache that the flusher writes back through DEV.
    void add_dirty_page_cache(std::uint64_t pages, backing_dev& dev);
    // At run time (fiber side): PAGES pages of page cache, each allocated as
    // filemap_alloc_folio() allocates one (GFP_HIGHUSER_MOVABLE, order 0,
    // reclaiming if need be), clean or, with DEV, dirty and written back
    // through DEV by the flusher. Returns the pages added: fewer when an
    // allocation failed (a read's -ENOMEM).
    std::uint64_t add_page_cache(std::uint64_t pages, backing_dev* dev);
    // Boot: anonymous memory; reclaim can only swap it out to SWAP (with
    // __GFP_IO). Without a swap device it cannot be reclaimed at all.
    void add_anon(std::uint64_t pages, backing_dev* swap);
    // Boot: a user process holding PAGES of anonymous memory (not on the
    // LRU: only the OOM killer takes it back) and SWAPENTS swapped out.
    void add_process(std::string comm, std::uint64_t pages, std::uint64_t swapents, int oom_score_adj);
    oom_killer& oom() { return oom_; }
    void register_shrinker(shrinker& s) { shrinkers_.push_back(&s); }
    // Boot: the flusher thread, which writes dirty pages back every 5 s and
    // when reclaim asks.
    void start_flusher();
    // Boot: creates kswapd0 (a kernel thread, placed by the scheduler).
    void start_kswapd();

    // reclaim_hooks
    kswapd_wake wakeup_kswapd(gfp_t gfp, unsigned order, int highest_zoneidx) override;
    std::uint64_t try_to_free_pages(gfp_t gfp, unsigned order, int highest_zoneidx) override;
    std::uint64_t reclaimable_pages(const zone& z, gfp_t gfp) override;
    bool out_of_memory(gfp_t gfp, unsigned order, bool* did_some_progress) override;
    void wait_for_memory(const std::string& what) override;
    void pages_freed() override;

    // CPU time reclaim spends per page it scans.
    static constexpr sim::duration scan_cost = sim::usecs(1);  // ~4 GB/s of clean page cache
    bool panic_on_oom = false;
    // The slab allocator, for the OOM report's "Unreclaimable slab info:"
    // (it is built after reclaim, so it is given here).
    void set_slabs(const slab_allocator* s) { slabs_ = s; }
    std::uint64_t page_cache_pages() const { return file_lru_.size(); }
    // show_mem's "all_unreclaimable?": kswapd has given up on the node.
    bool all_unreclaimable() const override { return pgdat_hopeless(); }

private:
    struct scan_control {
        gfp_t gfp_mask = 0;
        unsigned order = 0;
        int reclaim_idx = ZONE_NORMAL;
        std::uint64_t nr_to_reclaim = 32;  // SWAP_CLUSTER_MAX
        std::uint64_t nr_scanned = 0;
        std::uint64_t nr_reclaimed = 0;
        int priority = 12;
        bool kswapd = false;
    };
    void shrink_node(scan_control& sc);
    void shrink_slab(scan_control& sc);
    bool pgdat_balanced(unsigned order, int highest_zoneidx) const;
    std::optional<pfn_t> boot_page();
    void shrink_anon(scan_control& sc, std::uint64_t nr);
    void throttle_writeback();
    bool allow_direct_reclaim() const;
    void throttle_direct_reclaim(gfp_t gfp);
    void writeback_done(std::uint64_t pages);
    void flusher_main();
    void kswapd_main();
    void kswapd_sleep(sim::duration nap, bool* woken_early);

    // Waits of tasks and kswapd, as blockers for the wait-for graph.
    struct memory_wait : sim::blocker {
        std::string what;
        bool loop = false;  // parked in place of the allocator's retry loop
        std::string describe_wait() const override { return what; }
        std::vector<const sim::actor*> holders() const override { return {}; }
        bool looping() const override { return loop; }
    };
    // reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK): certain to last forever when
    // the writes wait in the queue of a device whose worker is stuck.
    struct writeback_wait : sim::blocker {
        const vmscan* v = nullptr;
        const backing_dev* stuck_device() const;
        std::string describe_wait() const override;
        std::vector<const sim::actor*> holders() const override;
        bool exclusive() const override { return stuck_device() != nullptr; }
        const sim::actor* sole_holder() const override;
    };
    struct idle_wait : sim::blocker {
        std::string describe_wait() const override { return "kswapd_wait (no work)"; }
        std::vector<const sim::actor*> holders() const override { return {}; }
        bool idle() const override { return true; }
    };

    arch::machine& machine_;
    node& node_;
    page_allocator& pa_;
    vm_counters& vm_;
    const slab_allocator* slabs_ = nullptr;
    std::deque<pfn_t> file_lru_;                  // clean page cache, oldest first
    std::array<std::uint64_t, MAX_NR_ZONES> file_in_zone_{};
    std::vector<shrinker*> shrinkers_;
    sim::wait_queue memory_waiters_;
    std::vector<std::unique_ptr<memory_wait>> memory_waits_;
    struct dirty_page {
        pfn_t pfn;
        backing_dev* dev;
    };
    std::deque<dirty_page> dirty_lru_;
    std::deque<pfn_t> anon_lru_;
    backing_dev* swap_ = nullptr;
    std::array<std::uint64_t, MAX_NR_ZONES> anon_in_zone_{};
    std::uint64_t writeback_pages_ = 0;
    std::vector<backing_dev*> writeback_devs_;  // devices with writes in flight
    sim::wait_queue writeback_waiters_;
    sim::wait_queue pfmemalloc_waiters_;
    oom_killer oom_{machine_, pa_, vm_};
    memory_wait pfmemalloc_wait_;
    writeback_wait writeback_wait_;
    arch::context* flusher_ = nullptr;
    bool flusher_sleeping_ = false;
    idle_wait flusher_idle_;
    arch::context* kswapd_ = nullptr;
    idle_wait kswapd_idle_;
    bool kswapd_sleeping_ = false;
    bool kswapd_woken_ = false;
    unsigned kswapd_order_ = 0;
    int kswapd_highest_zoneidx_ = MAX_NR_ZONES;  // MAX_NR_ZONES: no request since the last run
    // pgdat->kswapd_failures: balance_pgdat() runs in a row that reclaimed
    // nothing. At MAX_RECLAIM_RETRIES the node is hopeless: kswapd sleeps,
    // wakeups leave it asleep and direct reclaim is not throttled, until
    // any reclaim makes progress again.
    int kswapd_failures_ = 0;
    bool pgdat_hopeless() const { return kswapd_failures_ >= MAX_RECLAIM_RETRIES; }
    bool prepare_kswapd_sleep(unsigned order, int highest_zoneidx);
};

}  // namespace kmsim::mm
