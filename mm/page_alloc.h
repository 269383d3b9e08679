// mm/page_alloc.h - alloc_pages() and __free_pages(): zones, fallback and the slow path strung together.
//
// Owns: the decisions of mm/page_alloc.c for one node - the fast path at the
// low watermark, the zonelist walked downward from gfp_zone(), the slow path's
// alloc_flags and reserves, waking kswapd, direct reclaim, retry and OOM
// decisions, __GFP_ZERO and __GFP_COMP, the order > MAX_PAGE_ORDER warning,
// warn_alloc() with show_mem(), and the bad-page checks at free time.
// Does not own: the free lists (mm/buddy), the watermark numbers (mm/node),
// or reclaim itself - kswapd, direct reclaim and the OOM killer come in
// through reclaim_hooks, which mm/vmscan implements.
//
// The slow path is a sequence of named rungs (see page_alloc.cpp):
//   wake kswapd -> freelist at min (with the caller's reserves) -> reserves of
//   last resort (__GFP_MEMALLOC, PF_MEMALLOC) -> can the caller block? ->
//   direct reclaim -> __GFP_NORETRY? -> costly order? -> should_reclaim_retry
//   -> OOM -> __GFP_NOFAIL loops, everything else fails with warn_alloc.
#pragma once

#include "arch/lockdep.h"
#include "arch/machine.h"
#include "arch/ratelimit.h"
#include "mm/gfp.h"
#include "mm/node.h"
#include "mm/vmstat.h"
#include "sim/time.h"

#include <functional>
#include <string>

namespace kmsim::arch {
class machine;
class context;
}  // namespace kmsim::arch

namespace kmsim::mm {

class alloc_explain;

// Passes without progress before the allocator stops retrying reclaim, and
// balance_pgdat() runs without progress before kswapd gives up on a node
// (mm/internal.h).
inline constexpr int MAX_RECLAIM_RETRIES = 16;

// The upcalls into reclaim. The default (no_reclaim) has nothing to reclaim,
// no kswapd and no OOM killer.
// What wakeup_kswapd() did.
enum class kswapd_wake {
    none,      // no kswapd (a machine without reclaim)
    woken,     // it was asleep: woken now
    awake,     // already running (or about to): the request is noted
    hopeless,  // the node is all_unreclaimable: left to direct reclaim
    balanced,  // the node meets its watermarks already
};

class reclaim_hooks {
public:
    virtual ~reclaim_hooks() = default;
    // wakeup_kswapd() for the node: an allocation missed the low watermark.
    virtual kswapd_wake wakeup_kswapd(gfp_t gfp, unsigned order, int highest_zoneidx) = 0;
    // try_to_free_pages() in the allocating context (which has PF_MEMALLOC
    // set meanwhile); returns the pages reclaimed. May sleep.
    virtual std::uint64_t try_to_free_pages(gfp_t gfp, unsigned order, int highest_zoneidx) = 0;
    // zone_reclaimable_pages(): what reclaim could still free in Z for GFP.
    virtual std::uint64_t reclaimable_pages(const zone& z, gfp_t gfp) = 0;
    // __alloc_pages_may_oom() after its checks: true if it made progress
    // (killed, or told the caller to retry). May sleep or panic.
    virtual bool out_of_memory(gfp_t gfp, unsigned order, bool* did_some_progress) = 0;
    // An allocation that can make no progress waits here until memory is
    // freed (WHAT describes it for deadlock reports). The default returns at
    // once: without reclaim there is nothing to wait for.
    virtual void wait_for_memory(const std::string& what) { (void)what; }
    // Pages went back to the buddy lists.
    virtual void pages_freed() {}
    // show_mem's "all_unreclaimable?": kswapd gave up on the node.
    virtual bool all_unreclaimable() const { return false; }
};

class no_reclaim final : public reclaim_hooks {
public:
    kswapd_wake wakeup_kswapd(gfp_t, unsigned, int) override { return kswapd_wake::none; }
    std::uint64_t try_to_free_pages(gfp_t, unsigned, int) override { return 0; }
    std::uint64_t reclaimable_pages(const zone&, gfp_t) override { return 0; }
    bool out_of_memory(gfp_t, unsigned, bool* progress) override
    {
        *progress = false;
        return false;
    }
};

class page_allocator {
public:
    // Direct reclaim for GFP now, as the slow path would enter it below
    // the min watermark (fault injection's `reclaim`): with the task's
    // scoped constraints applied, only for a mask that may block and not
    // from inside reclaim. Returns whether it ran. Fiber side; may sleep.
    bool force_direct_reclaim(gfp_t gfp);
    page_allocator(arch::machine& m, node& n, vm_counters& vm);

    void set_reclaim(reclaim_hooks* r) { reclaim_ = r ? r : &no_reclaim_; }
    // --explain: tell E every step of the allocations contexts make (not
    // boot's). nullptr: nothing is told.
    void set_explain(alloc_explain* e) { explain_ = e; }
    // E when allocations are being explained and a context runs, else nullptr.
    alloc_explain* explaining() const { return explain_ && machine_.current_context() ? explain_ : nullptr; }
    // Fault injection (should_fail_alloc_page): return true to fail this one.
    std::function<bool(gfp_t, unsigned)> should_fail_alloc_page;

    // Fiber side, as the kernel's. nullptr / 0 on failure.
    page* alloc_pages(gfp_t gfp, unsigned order);
    std::uint64_t get_free_pages(gfp_t gfp, unsigned order);  // __get_free_pages
    void free_pages_at(page* p, unsigned order);               // __free_pages
    void free_pages(std::uint64_t addr, unsigned order);       // free_pages

    // might_alloc(): the fs_reclaim lockdep annotation, then might_sleep()
    // if the mask may block. Every allocation (page or slab) starts here.
    void might_alloc(gfp_t gfp)
    {
        arch::context* c = machine_.current_context();
        if (!c)
            return;
        // fs_reclaim_acquire() then fs_reclaim_release(): the checks of
        // taking fs_reclaim, which is not kept held.
        if (need_fs_reclaim(gfp))
            machine_.lockdep_checks().acquire_release(fs_reclaim_, *c);
        if (gfpflags_allow_blocking(gfp))
            machine_.might_sleep("include/linux/sched/mm.h", 337);
    }
    // The fs_reclaim pseudo-lock, held across reclaim that may enter the
    // filesystem: lockdep then sees "lock L held while allocating" against
    // "L taken from reclaim" as the deadlock it is.
    void fs_reclaim_acquire(gfp_t gfp);
    void fs_reclaim_release(gfp_t gfp);
    const arch::lockdep_map& fs_reclaim_map() const { return fs_reclaim_; }

    // How long the last allocation spent in the slow path (its stall).
    sim::duration last_stall() const { return last_stall_; }

    node& nd() { return node_; }
    pfn_t pfn_of(const page* p) const { return node_.map().pfn_of(p); }
    page* pfn_to_page(pfn_t pfn) { return node_.map().page_of(pfn); }

    // show_mem() as warn_alloc and the OOM killer print it, zones up to MAX_ZONE_IDX.
    std::string show_mem(int max_zone_idx) const;
    // warn_alloc() for FAILED_GFP (prints nothing if rate limited or NOWARN).
    void warn_alloc(gfp_t gfp, unsigned order);
    // The same with WHAT for "page allocation failure: order:N" (vmalloc's
    // "vmalloc error: size N, failed to allocate pages").
    void warn_alloc(gfp_t gfp, std::string_view what, int max_zone_idx);

    // The CPU time one pass of direct reclaim costs even when it finds nothing
    // (see docs/kernel-model.md).
    static constexpr sim::duration reclaim_pass_cost = sim::usecs(10);

private:
    // alloc_pages() without its tracepoint, as the kernel's alloc_hooks()
    // wrapper separates them.
    page* alloc_pages_noprof(gfp_t gfp, unsigned order);
    page* get_page_from_freelist(gfp_t gfp, unsigned order, unsigned alloc_flags, int highest_zoneidx);
    page* slowpath(gfp_t gfp, unsigned order, int highest_zoneidx);
    // Before the slow path loops again where the kernel would: when this
    // pass's reclaim freed nothing, wait until some memory is freed (a wait
    // that nothing ends is a no_progress deadlock). False when the run is
    // stopping.
    bool wait_to_retry(gfp_t gfp, unsigned order, std::uint64_t progress);
    void prep_new_page(pfn_t pfn, unsigned order, gfp_t gfp);
    // WHY (when explaining): the reason, for --explain.
    bool should_reclaim_retry(gfp_t gfp, unsigned order, unsigned alloc_flags, int highest_zoneidx,
                              bool progress, int& no_progress_loops, std::string* why = nullptr);
    std::uint64_t direct_reclaim(gfp_t gfp, unsigned order, int highest_zoneidx);
    void bad_page(pfn_t pfn, const char* reason, const std::string& detail);
    std::uint32_t current_task_flags() const
    {
        const arch::context* t = machine_.current_task();
        return t ? t->task_flags() : 0;
    }

    arch::machine& machine_;
    node& node_;
    vm_counters& vm_;
    no_reclaim no_reclaim_;
    reclaim_hooks* reclaim_ = &no_reclaim_;
    alloc_explain* explain_ = nullptr;
    arch::ratelimit nopage_rs_;
    // One flag per WARN_ON_ONCE site, as each site has its own.
    bool warned_max_order_ = false;
    bool warned_nofail_order_ = false;
    bool warned_nofail_no_reclaim_ = false;
    bool warned_nofail_memalloc_ = false;
    unsigned bad_page_shown_ = 0;
    std::uint64_t bad_page_unshown_ = 0;
    std::uint64_t bad_page_resume_ = 0;
    sim::duration last_stall_{};
    arch::lockdep_map fs_reclaim_{"fs_reclaim", 0};
    // __need_reclaim() after current_gfp_context(): a mask that may block
    // and enter the filesystem, from a task not already in reclaim.
    bool need_fs_reclaim(gfp_t gfp) const
    {
        const std::uint32_t flags = current_task_flags();
        gfp = current_gfp_context(gfp, flags);
        return (gfp & gfp::DIRECT_RECLAIM) && (gfp & gfp::FS) && !(gfp & gfp::NOLOCKDEP) && !(flags & PF_MEMALLOC);
    }
};

// gfp_to_alloc_flags() of the slow path.
unsigned gfp_to_alloc_flags(gfp_t gfp, unsigned order);

}  // namespace kmsim::mm
