// mm/kmalloc.cpp - kmalloc, kcalloc, krealloc, kfree and ksize.
#include "mm/kmalloc.h"

#include "mm/kasan.h"
#include "mm/kmemleak.h"

#include "arch/machine.h"
#include "mm/alloc_explain.h"
#include "mm/memmap.h"
#include "mm/page_alloc.h"
#include "mm/vmstat.h"

#include <cstring>
#include <fmt/format.h>

namespace kmsim::mm {

namespace {
std::uint32_t index_size(unsigned index) { return index == 1 ? 96 : index == 2 ? 192 : 1u << index; }
}  // namespace

std::string kmalloc_cache_name(kmalloc_cache_type type, unsigned index)
{
    const std::uint32_t size = index_size(index);
    std::string s = size >= 1024 ? fmt::format("{}k", size / 1024) : fmt::format("{}", size);
    switch (type) {
    case KMALLOC_NORMAL: return "kmalloc-" + s;
    case KMALLOC_RECLAIM: return "kmalloc-rcl-" + s;
    case KMALLOC_DMA: return "dma-kmalloc-" + s;
    default: return "kmalloc-cg-" + s;
    }
}

kmalloc_allocator::kmalloc_allocator(arch::machine& m, page_allocator& pa, slab_allocator& slabs, vm_counters& vm)
    : machine_(m), pa_(pa), slabs_(slabs), vm_(vm)
{
    static const std::uint32_t type_flags[NR_KMALLOC_TYPES] = {0, SLAB_RECLAIM_ACCOUNT, SLAB_CACHE_DMA, SLAB_ACCOUNT};
    for (int t = 0; t < NR_KMALLOC_TYPES; ++t) {
        auto make = [&](unsigned index) {
            const std::uint32_t size = index_size(index);
            kmem_cache_options o;
            o.flags = SLAB_KMALLOC | type_flags[t];
            // Power-of-two caches are aligned to their size; 96 and 192 to
            // ARCH_KMALLOC_MINALIGN.
            o.align = (size & (size - 1)) == 0 ? size : 8;
            caches_[static_cast<std::size_t>(t)][index] =
                slabs_.create(kmalloc_cache_name(static_cast<kmalloc_cache_type>(t), index), size, o);
        };
        for (unsigned i = 3; i <= 13; ++i) {
            make(i);
            if (i == 6)
                make(1);
            if (i == 7)
                make(2);
        }
    }
}

std::uint64_t kmalloc_allocator::kmalloc_large(std::uint64_t size, gfp_t gfp)
{
    // __kmalloc_large_node(): zone bits slab cannot honour are fixed first,
    // as for a slab; then a compound page, where order > 10 makes the page
    // allocator warn and fail.
    if (gfp & GFP_SLAB_BUG_MASK)
        gfp = slabs_.kmalloc_fix_flags(gfp);
    const unsigned order = get_order(size);
    if (alloc_explain* ex = pa_.explaining()) [[unlikely]]
        ex->note(machine_.current_context(),
                 fmt::format("kmalloc: {} bytes is above KMALLOC_MAX_CACHE_SIZE ({}): pages from the page allocator, "
                             "order {}",
                             size, KMALLOC_MAX_CACHE_SIZE, order),
                 false);
    page* p = pa_.alloc_pages(gfp | gfp::COMP, order > MAX_PAGE_ORDER ? MAX_PAGE_ORDER + 1 : order);
    if (!p)
        return 0;
    p->flags |= PG_large_kmalloc;
    vm_.add(NR_SLAB_UNRECLAIMABLE, 1LL << order);
    const std::uint64_t addr = memmap::pfn_to_virt(pa_.pfn_of(p));
    if (debug_.leaks)
        debug_.leaks->alloc(addr, size, false);
    return addr;
}

std::uint64_t kmalloc_allocator::kmalloc(std::uint64_t size, gfp_t gfp)
{
    // __do_kmalloc_node(): kmalloc(0) is ZERO_SIZE_PTR, untraced.
    if (size > KMALLOC_MAX_CACHE_SIZE) {
        const std::uint64_t p = kmalloc_large(size, gfp);
        machine_.trace().kmalloc(p, size, PAGE_SIZE << get_order(size), gfp);
        return p;
    }
    if (size == 0)
        return ZERO_SIZE_PTR;
    kmem_cache* s = kmalloc_slab(size, gfp);
    const std::uint64_t p = slabs_.alloc(s, gfp, static_cast<std::uint32_t>(size));
    machine_.trace().kmalloc(p, size, s->size, gfp);
    return p;
}

std::uint64_t kmalloc_allocator::kmalloc_array(std::uint64_t n, std::uint64_t size, gfp_t gfp)
{
    std::uint64_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes))
        return 0;  // check_mul_overflow(): NULL, no warning, no allocation
    return kmalloc(bytes, gfp);
}

bool kmalloc_allocator::kfree(std::uint64_t p)
{
    machine_.trace().kfree(p);
    if (ZERO_OR_NULL_PTR(p))
        return true;
    if (slab* sl = slabs_.slab_of(p)) {
        slabs_.free(nullptr, *sl, p);
        return true;
    }
    // free_large_kmalloc(), after kasan_kfree_large().
    if (debug_.kasan && debug_.kasan->kfree_large_bad(p))
        return false;
    pfn_t pfn;
    page* pg = nullptr;
    if (pa_.nd().map().virt_to_pfn(p, pfn))
        pg = pa_.pfn_to_page(pfn);
    if (!pg || !(pg->flags & PG_large_kmalloc) || (p & (PAGE_SIZE - 1))) {
        // free_large_kmalloc() on something kmalloc never returned.
        machine_.warn(fmt::format("object pointer: 0x{:016x}", p), "mm/slub.c", 4702, "free_large_kmalloc");
        return false;
    }
    const unsigned order = pg->order;
    if (debug_.leaks)
        debug_.leaks->free(p);
    pg->flags &= static_cast<std::uint8_t>(~PG_large_kmalloc);
    vm_.add(NR_SLAB_UNRECLAIMABLE, -(1LL << order));
    pa_.free_pages_at(pg, order);
    return true;
}

std::uint64_t kmalloc_allocator::ksize(std::uint64_t p)
{
    const std::uint64_t size = object_size(p);
    // The caller may now use the whole chunk: KASAN unpoisons it.
    if (size && debug_.leaks)
        debug_.leaks->grow(p, size);
    return size;
}

std::uint64_t kmalloc_allocator::object_size(std::uint64_t p)
{
    if (ZERO_OR_NULL_PTR(p))
        return 0;
    if (slab* sl = slabs_.slab_of(p)) {
        const kmem_cache* s = sl->cache;
        // slab_ksize(): the bytes a caller could use without touching metadata.
        if (s->flags & (SLAB_RED_ZONE | SLAB_POISON))
            return s->object_size;
        if (s->flags & SLAB_STORE_USER)
            return s->inuse;
        return s->size;
    }
    pfn_t pfn;
    if (pa_.nd().map().virt_to_pfn(p, pfn) && (pa_.pfn_to_page(pfn)->flags & PG_large_kmalloc))
        return PAGE_SIZE << pa_.pfn_to_page(pfn)->order;
    return 0;
}

std::uint64_t kmalloc_allocator::large_krealloc_size(std::uint64_t p)
{
    // 6.15 __do_krealloc(), inlined into krealloc_noprof(): a pointer whose
    // folio is not a slab is taken for a large kmalloc, with a warning when
    // it cannot be one (an alloc_pages() page, an address inside a block).
    // kmsim's folio: the compound block holding P (PG_head), else P's page.
    pfn_t pfn;
    if (!pa_.nd().map().virt_to_pfn(p, pfn)) {
        // Not in the direct map at all: virt_to_folio() would read garbage.
        machine_.warn(fmt::format("krealloc: 0x{:016x} is not kernel memory", p), "mm/slub.c", 4869, "krealloc_noprof");
        return 0;
    }
    pfn_t head = pfn;
    for (unsigned o = 1; o <= MAX_PAGE_ORDER; ++o) {
        const pfn_t h = pfn & ~((pfn_t{1} << o) - 1);
        const page& pg = pa_.nd().map()[h];
        if ((pg.flags & PG_allocated) && (pg.flags & PG_head) && pg.order >= o) {
            head = h;
            break;
        }
    }
    const page& pg = pa_.nd().map()[head];
    const std::uint64_t folio_size = (pg.flags & PG_head) ? PAGE_SIZE << pg.order : PAGE_SIZE;
    if (folio_size <= KMALLOC_MAX_CACHE_SIZE)
        machine_.warn("", "mm/slub.c", 4869, "krealloc_noprof");
    if (p != memmap::pfn_to_virt(head))
        machine_.warn("", "mm/slub.c", 4870, "krealloc_noprof");
    return folio_size;
}

std::uint64_t kmalloc_allocator::krealloc(std::uint64_t p, std::uint64_t new_size, gfp_t gfp, bool* refused)
{
    // kasan_check_byte(): a freed object is reported, and krealloc fails.
    const bool bad = !ZERO_OR_NULL_PTR(p) && debug_.kasan && !debug_.kasan->check_byte(p);
    if (refused)
        *refused = bad;
    if (bad)
        return 0;
    if (new_size == 0) {
        kfree(p);
        return ZERO_SIZE_PTR;
    }
    std::uint64_t ks = 0, orig_size = 0;
    slab* sl = nullptr;
    unsigned idx = 0;
    if (!ZERO_OR_NULL_PTR(p)) {
        if ((sl = slabs_.slab_of(p))) {
            slabs_.object_of(*sl, p, &idx);
            ks = sl->cache->object_size;
            orig_size = slabs_.orig_size_of(*sl, idx);
        } else {
            ks = large_krealloc_size(p);
        }
        if (ks && new_size <= ks) {
            // Fits: the same pointer. Spare memory is zeroed on request:
            // growing, from the old requested size; shrinking, the tail.
            if (gfp & gfp::ZERO) {
                std::uint8_t* b = slabs_.bytes(p);
                if (orig_size && orig_size < new_size)
                    std::memset(b + orig_size, 0, new_size - orig_size);
                else
                    std::memset(b + new_size, 0, ks - new_size);
            }
            if (sl && sl->cache->tracks_orig_size()) {
                slabs_.set_orig_size(*sl, idx, static_cast<std::uint32_t>(new_size));
                if ((sl->cache->flags & SLAB_RED_ZONE) && new_size < ks)
                    std::memset(slabs_.bytes(p) + new_size, SLUB_RED_ACTIVE, ks - new_size);
            }
            // The object is the caller's anew, at its new size (kasan_krealloc).
            if (debug_.leaks)
                debug_.leaks->alloc(p, new_size, false);
            return p;
        }
    }
    const std::uint64_t ret = kmalloc(new_size, gfp);
    if (ret && !ZERO_OR_NULL_PTR(p)) {
        // The old object's bytes, as far as they exist: a pointer inside a
        // block may reach past the end of memory.
        const std::uint64_t n = orig_size ? orig_size : ks;
        const std::uint8_t* from = n ? slabs_.bytes(p) : nullptr;
        if (from && slabs_.bytes(p + n - 1))
            std::memcpy(slabs_.bytes(ret), from, n);
        kfree(p);
    }
    return ret;  // NULL: p is untouched and still the caller's
}

}  // namespace kmsim::mm
