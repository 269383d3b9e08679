// mm/mempool.h - mempool_t: a reserve of preallocated elements for allocations that must make progress.
//
// Owns: one pool's reserved elements, its waiters, and how it allocates and
// frees an element (kmalloc of a size, or a slab cache). As mm/mempool.c:
// mempool_alloc() first tries the allocator with the caller's mask minus
// __GFP_DIRECT_RECLAIM and __GFP_IO, plus __GFP_NORETRY, __GFP_NOMEMALLOC
// and __GFP_NOWARN; then takes a reserved element; then retries once with
// the full mask; then, if the caller may sleep, waits (io_schedule_timeout,
// 5 s at most) for an element to come back and starts over - it never
// returns NULL to a caller that may sleep. mempool_free() refills the
// reserve before it frees anything, and wakes the waiters.
// Reserved elements are kmemleak not_leak while they sit in the pool (its
// element array references them); a handed-out one is its caller's again.
// Invariant: elements_.size() <= min_nr.
#pragma once

#include "mm/gfp.h"
#include "sim/actor.h"
#include "sim/wait_queue.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kmsim::arch {
class context;
class machine;
}  // namespace kmsim::arch

namespace kmsim::mm {

class kmalloc_allocator;
class kmemleak;
class page_allocator;
class slab_allocator;
struct kmem_cache;

class mempool : public sim::blocker {
public:
    // A kmalloc pool of SIZE-byte elements (mempool_create_kmalloc_pool()),
    // or, with CACHE, a slab pool (mempool_create_slab_pool()).
    mempool(arch::machine& m, page_allocator& pa, kmalloc_allocator& km, slab_allocator& slabs, kmemleak& leaks,
            std::string name, std::uint64_t min_nr, std::uint64_t size, kmem_cache* cache);

    const std::string& name() const { return name_; }
    std::uint64_t min_nr() const { return min_nr_; }
    std::uint64_t curr_nr() const { return elements_.size(); }

    // mempool_init(): fills the reserve with GFP_KERNEL allocations; false
    // (-ENOMEM) when they do not all succeed.
    bool fill();
    // mempool_exit() of mempool_destroy(): frees every reserved element.
    // The pool is not used again (its users must not: in the kernel it is
    // freed memory).
    void destroy();
    bool destroyed() const { return destroyed_; }

    // Fiber side.
    std::uint64_t alloc(gfp_t gfp_mask);
    void free(std::uint64_t element);

    std::string describe_wait() const override { return "mempool_alloc(" + name_ + ")"; }
    std::vector<const sim::actor*> holders() const override { return {}; }
    // Elements still reserved (for kmemleak's roots and tests).
    const std::vector<std::uint64_t>& elements() const { return elements_; }

private:
    std::uint64_t alloc_element(gfp_t gfp);
    void free_element(std::uint64_t element);

    arch::machine& machine_;
    page_allocator& pa_;
    kmalloc_allocator& kmalloc_;
    slab_allocator& slabs_;
    kmemleak& kmemleak_;
    std::string name_;
    std::uint64_t min_nr_;
    std::uint64_t size_;
    kmem_cache* cache_;
    std::vector<std::uint64_t> elements_;
    bool destroyed_ = false;
    sim::wait_queue waiters_;
};

}  // namespace kmsim::mm
