// mm/mempool.cpp - mempool_alloc() and mempool_free() as mm/mempool.c.
#include "mm/mempool.h"

#include "arch/machine.h"
#include "mm/kmalloc.h"
#include "mm/kmemleak.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

#include <algorithm>

namespace kmsim::mm {

mempool::mempool(arch::machine& m, page_allocator& pa, kmalloc_allocator& km, slab_allocator& slabs, kmemleak& leaks,
                 std::string name, std::uint64_t min_nr, std::uint64_t size, kmem_cache* cache)
    : machine_(m), pa_(pa), kmalloc_(km), slabs_(slabs), kmemleak_(leaks), name_(std::move(name)), min_nr_(min_nr),
      size_(size), cache_(cache)
{
}

std::uint64_t mempool::alloc_element(gfp_t gfp)
{
    // mempool_kmalloc() / mempool_alloc_slab()
    return cache_ ? slabs_.kmem_cache_alloc(cache_, gfp) : kmalloc_.kmalloc(size_, gfp);
}

void mempool::free_element(std::uint64_t element)
{
    if (cache_)
        slabs_.kmem_cache_free(cache_, element);
    else
        kmalloc_.kfree(element);
}

bool mempool::fill()
{
    while (elements_.size() < min_nr_) {
        const std::uint64_t e = alloc_element(GFP_KERNEL);
        if (!e)
            return false;
        kmemleak_.not_leak(e);  // the pool's element array holds it
        elements_.push_back(e);
    }
    return true;
}

void mempool::destroy()
{
    // while (pool->curr_nr) pool->free(remove_element(pool), pool->pool_data);
    while (!elements_.empty()) {
        const std::uint64_t e = elements_.back();
        elements_.pop_back();
        free_element(e);
    }
    destroyed_ = true;
}

std::uint64_t mempool::alloc(gfp_t gfp_mask)
{
    pa_.might_alloc(gfp_mask);
    gfp_mask |= gfp::NOMEMALLOC | gfp::NORETRY | gfp::NOWARN;
    gfp_t gfp_temp = gfp_mask & ~(gfp::DIRECT_RECLAIM | gfp::IO);
    for (;;) {
        if (const std::uint64_t e = alloc_element(gfp_temp))
            return e;
        if (!elements_.empty()) {
            const std::uint64_t e = elements_.back();  // remove_element(): the last one added
            elements_.pop_back();
            kmemleak_.update_trace(e);
            return e;
        }
        // The first round went without direct reclaim or I/O: retry at once
        // with the caller's whole mask.
        if (gfp_temp != gfp_mask) {
            gfp_temp = gfp_mask;
            continue;
        }
        if (!(gfp_mask & gfp::DIRECT_RECLAIM))
            return 0;
        // Wait for someone to return an element: io_schedule_timeout(5*HZ).
        waiters_.wait_timeout(machine_.current(), *this, sim::secs(5));
    }
}

void mempool::free(std::uint64_t element)
{
    if (!element)
        return;
    if (elements_.size() < min_nr_) {
        kmemleak_.not_leak(element);
        elements_.push_back(element);
        waiters_.wake_all();  // wake_up(&pool->wait): every waiter tries again
        return;
    }
    free_element(element);
}

}  // namespace kmsim::mm
