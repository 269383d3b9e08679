// mm/kmalloc.h - the kmalloc family: size classes, cache types, large kmalloc, krealloc.
//
// Owns: kmalloc's choices as include/linux/slab.h and mm/slab_common.c make
// them - the size-to-cache mapping (8..8k with 96 and 192), the cache type by
// GFP (kmalloc-, dma-kmalloc-, kmalloc-rcl-, kmalloc-cg-), requests above 8 KiB
// going to the page allocator, and the edge cases: kmalloc(0) is
// ZERO_SIZE_PTR, kcalloc/kmalloc_array return NULL on overflow, krealloc's
// in-place and copying paths, kfree(NULL) and kfree(ZERO_SIZE_PTR) are no-ops.
// Pointers are simulated kernel addresses (0 is NULL).
#pragma once

#include "mm/gfp.h"
#include "mm/slab.h"

#include <array>
#include <cstdint>

namespace kmsim::mm {

inline constexpr std::uint64_t KMALLOC_MAX_CACHE_SIZE = 8192;
inline constexpr std::uint64_t KMALLOC_MAX_SIZE = 4ULL << 20;

enum kmalloc_cache_type { KMALLOC_NORMAL, KMALLOC_RECLAIM, KMALLOC_DMA, KMALLOC_CGROUP, NR_KMALLOC_TYPES };

// __kmalloc_index(): 0 for size 0, 1 for 65..96, 2 for 129..192, else log2.
inline unsigned kmalloc_index(std::uint64_t size)
{
    if (size == 0)
        return 0;
    if (size <= 192) {
        // size_index[] of mm/slab_common.c, by (size - 1) / 8.
        static constexpr unsigned char size_index[24] = {3, 4, 5, 5, 6, 6, 6, 6, 1, 1, 1, 1,
                                                         7, 7, 7, 7, 2, 2, 2, 2, 2, 2, 2, 2};
        return size_index[(size - 1) / 8];
    }
    return static_cast<unsigned>(64 - __builtin_clzll(size - 1));  // fls(size - 1)
}
inline kmalloc_cache_type kmalloc_type(gfp_t gfp)
{
    if (!(gfp & (gfp::DMA | gfp::RECLAIMABLE | gfp::ACCOUNT)))
        return KMALLOC_NORMAL;
    if (gfp & gfp::DMA)
        return KMALLOC_DMA;
    if (gfp & gfp::RECLAIMABLE)
        return KMALLOC_RECLAIM;
    return KMALLOC_CGROUP;
}
// "kmalloc-96", "dma-kmalloc-1k", ...
std::string kmalloc_cache_name(kmalloc_cache_type type, unsigned index);

class kmalloc_allocator {
public:
    // Creates the kmalloc caches, as create_kmalloc_caches() does at boot.
    kmalloc_allocator(arch::machine& m, page_allocator& pa, slab_allocator& slabs, vm_counters& vm);

    // Fiber side.
    std::uint64_t kmalloc(std::uint64_t size, gfp_t gfp);
    std::uint64_t kzalloc(std::uint64_t size, gfp_t gfp) { return kmalloc(size, gfp | gfp::ZERO); }
    std::uint64_t kmalloc_array(std::uint64_t n, std::uint64_t size, gfp_t gfp);
    std::uint64_t kcalloc(std::uint64_t n, std::uint64_t size, gfp_t gfp) { return kmalloc_array(n, size, gfp | gfp::ZERO); }
    // krealloc(): KASAN checks P's first byte; then in place or moved.
    // REFUSED, when given, says whether KASAN refused P, so that no
    // allocation was attempted.
    std::uint64_t krealloc(std::uint64_t p, std::uint64_t new_size, gfp_t gfp, bool* refused = nullptr);
    bool kfree(std::uint64_t p);  // false: not kmalloc memory, warned and left alone
    std::uint64_t ksize(std::uint64_t p);
    void set_debug(alloc_debug d) { debug_ = d; }

    kmem_cache* cache(kmalloc_cache_type type, unsigned index) const { return caches_[type][index]; }
    // The cache kmalloc(SIZE, GFP) uses, or nullptr for 0 or > 8 KiB.
    kmem_cache* kmalloc_slab(std::uint64_t size, gfp_t gfp) const
    {
        if (size == 0 || size > KMALLOC_MAX_CACHE_SIZE)
            return nullptr;
        return caches_[kmalloc_type(gfp)][kmalloc_index(size)];
    }

private:
    std::uint64_t kmalloc_large(std::uint64_t size, gfp_t gfp);
    // The bytes ksize() gives the caller, without KASAN's unpoisoning.
    std::uint64_t object_size(std::uint64_t p);
    // __do_krealloc()'s size of a pointer that is not a slab object: the
    // folio's, with the kernel's warnings when it cannot be a large kmalloc.
    std::uint64_t large_krealloc_size(std::uint64_t p);

    arch::machine& machine_;
    page_allocator& pa_;
    slab_allocator& slabs_;
    vm_counters& vm_;
    alloc_debug debug_;
    std::array<std::array<kmem_cache*, 14>, NR_KMALLOC_TYPES> caches_{};
};

}  // namespace kmsim::mm
