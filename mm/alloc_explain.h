// mm/alloc_explain.h - why an allocation went the way it did (--explain), told by the allocator itself.
//
// Owns: the explanation of the page allocator's and the slab allocator's
// path, in words and numbers, written as it is taken: the zones tried with
// their free pages, the watermark checked and lowmem_reserve; the
// alloc_flags and the reserves they open ("GFP_ATOMIC may go down to 3/8 of
// min"); kswapd woken or not; direct reclaim with what it scanned and
// reclaimed, the __GFP_IO/__GFP_FS gates and how long it took; throttling,
// retries, the OOM killer's decision; the result. The allocators call it at
// each step when one is attached (page_allocator::set_explain); without
// one, a step costs a pointer test.
// An explanation belongs to the context that allocates: calls in several
// contexts may be under way at once (one sleeps in reclaim while another
// allocates), and an allocation made inside another (a shrinker's kmalloc
// in direct reclaim) is told inside it, indented.
// Invariant: steps arrive between begin() and end() of the same context,
// properly nested.
#pragma once

#include "mm/gfp.h"
#include "mm/zone.h"
#include "sim/time.h"

#include <map>
#include <string>
#include <vector>

namespace kmsim::arch {
class context;
}

namespace kmsim::mm {

enum class kswapd_wake;

// What one allocation call said, for its front end to print.
struct explanation {
    std::vector<std::string> lines;
    // Anything but the fast path in the first zone tried (or, for a slab
    // object, than the CPU's slab and such a page): what --explain prints.
    bool slow = false;
};

class alloc_explain {
public:
    // ---- the allocators' side (fiber side, in context C)

    // An alloc_pages() of ORDER with GFP starts, to be served from ZONES
    // (the zonelist's managed zones, highest first); it ends with end_pages().
    void begin_pages(const arch::context* c, gfp_t gfp, unsigned order, const std::vector<const zone*>& zones);
    // The watermark test of zone Z in get_page_from_freelist(); SERVED: it
    // gave the pages.
    void zone_check(const arch::context* c, const zone& z, unsigned order, unsigned alloc_flags,
                    const watermark_check& w, bool served);
    // The fast path missed: the slow path starts with GFP (the task's
    // NOIO/NOFS scope applied) and ALLOC_FLAGS.
    void slowpath(const arch::context* c, gfp_t gfp, gfp_t effective, unsigned alloc_flags);
    void kswapd(const arch::context* c, kswapd_wake what);
    // The reserves of last resort (ALLOC_NO_WATERMARKS) are tried.
    void no_watermarks(const arch::context* c, const char* why);
    // Failed without direct reclaim: the caller may not sleep.
    void cannot_reclaim(const arch::context* c, gfp_t gfp);
    // Already inside reclaim (PF_MEMALLOC): no reclaim from reclaim.
    void in_reclaim(const arch::context* c);
    // One pass of direct reclaim: scanned and reclaimed pages, throttled
    // (waited for kswapd) or not, and how long it took.
    void direct_reclaim(const arch::context* c, gfp_t gfp, std::uint64_t scanned, std::uint64_t reclaimed,
                        bool throttled, sim::duration took);
    // should_reclaim_retry() and its reason, or giving up (__GFP_NORETRY, a
    // costly order).
    void retry(const arch::context* c, bool again, int no_progress_loops, const std::string& why);
    void oom(const arch::context* c, const std::string& what);
    // No progress is possible now: the task waits until memory is freed.
    void wait_for_memory(const arch::context* c);
    // The last attempts of __GFP_NOFAIL.
    void nofail(const arch::context* c, const std::string& what);
    void end_pages(const arch::context* c, bool ok, std::uint64_t pfn, sim::duration stall);

    // A slab object from CACHE: from the CPU's slab, a partial one, or a new
    // slab of ORDER (whose page allocation is told inside).
    void slab(const arch::context* c, const std::string& cache, const std::string& where, bool slow);
    // A note of a step outside these (a failslab fault, a large kmalloc).
    void note(const arch::context* c, const std::string& text, bool slow);

    // ---- the front end's side

    // What C's allocations said since the last take(), and forget it.
    explanation take(const arch::context* c);
    // At the end of a run: what the allocations still under way said (a
    // panic or a deadlock stopped them), with the name of their context,
    // in the order the contexts first allocated.
    std::vector<std::pair<std::string, explanation>> take_unfinished();

private:
    struct open_alloc {
        std::size_t first_line;  // where its lines start in the context's
        bool fast_candidate = true;
        int checks = 0;
    };
    struct per_context {
        std::string who;  // "hog/100", "eth0"
        std::uint64_t first = 0;  // order of the first allocation
        explanation ex;
        std::vector<open_alloc> open;  // nested page allocations
    };
    void add(const arch::context* c, std::string line);
    per_context& of(const arch::context* c) { return contexts_[c]; }

    std::map<const arch::context*, per_context> contexts_;
    std::uint64_t seq_ = 0;
};

// "ALLOC_WMARK_MIN|ALLOC_CPUSET|ALLOC_KSWAPD"
std::string format_alloc_flags(unsigned alloc_flags);
// What reserves ALLOC_FLAGS open below the watermark, in words: "none",
// "down to 3/8 of min (__GFP_HIGH halves it; not blocking takes a quarter
// more)", "ignores the watermarks".
std::string format_reserves(unsigned alloc_flags);

}  // namespace kmsim::mm
