// mm/vmalloc.cpp - vmalloc areas, their pages and guard pages; the kvmalloc() family.
#include "mm/vmalloc.h"

#include "arch/machine.h"
#include "mm/kmalloc.h"
#include "mm/kmemleak.h"
#include "mm/memmap.h"
#include "mm/node.h"
#include "mm/page_alloc.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace kmsim::mm {

namespace {

// GFP_RECLAIM_MASK (mm/internal.h): what a nested allocation keeps of the caller's mask.
constexpr gfp_t GFP_RECLAIM_MASK = gfp::RECLAIM | gfp::HIGH | gfp::IO | gfp::FS | gfp::NOWARN | gfp::RETRY_MAYFAIL |
                                   gfp::NOFAIL | gfp::NORETRY | gfp::MEMALLOC | gfp::NOMEMALLOC | gfp::NOLOCKDEP;
constexpr std::uint64_t VM_STRUCT_SIZE = 72;  // sizeof(struct vm_struct), x86-64

std::uint64_t page_align(std::uint64_t size) { return (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); }

// kmalloc_gfp_adjust(): a physically contiguous attempt first, but one that
// does not try hard above a page - the vmalloc fallback is there.
gfp_t kmalloc_gfp_adjust(gfp_t flags, std::uint64_t size)
{
    if (size > PAGE_SIZE) {
        flags |= gfp::NOWARN;
        if (!(flags & gfp::RETRY_MAYFAIL))
            flags |= gfp::NORETRY;
        flags &= ~gfp::NOFAIL;  // vmalloc implements the nofail semantics
    }
    return flags;
}

}  // namespace

// ---- the address space

std::uint64_t vmalloc_allocator::alloc_vmap_area(std::uint64_t size)
{
    // The lowest free range that fits, as the kernel's free-area tree finds it.
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::uint64_t start = VMALLOC_START;
        for (const auto& [addr, end] : busy_) {
            if (addr - start >= size)
                break;
            start = std::max(start, end);
        }
        if (start <= VMALLOC_END && VMALLOC_END - start + 1 >= size) {
            busy_[start] = start + size;
            return start;
        }
        purge_lazy();  // "purge_vmap_node()" and try again
    }
    return 0;
}

void vmalloc_allocator::purge_lazy()
{
    for (const auto& [addr, size] : lazy_)
        busy_.erase(addr);
    lazy_.clear();
    lazy_pages_ = 0;
}

const vm_struct* vmalloc_allocator::area_of(std::uint64_t addr) const
{
    auto it = live_.upper_bound(addr);
    if (it == live_.begin())
        return nullptr;
    --it;
    return addr < it->second.addr + it->second.size ? &it->second : nullptr;
}

bool vmalloc_allocator::freed_area(std::uint64_t addr) const
{
    auto it = lazy_.upper_bound(addr);
    if (it == lazy_.begin())
        return false;
    --it;
    return addr < it->first + it->second;
}

// ---- vmalloc and vfree

std::uint64_t vmalloc_allocator::vmalloc(std::uint64_t real_size, gfp_t gfp)
{
    // alloc_vmap_area()'s might_sleep(): vmalloc is for callers that may.
    machine_.might_sleep("mm/vmalloc.c", 1983);
    const node& n = pa_.nd();
    if (real_size == 0 || (real_size >> PAGE_SHIFT) > n.totalram_pages()) {
        pa_.warn_alloc(gfp, fmt::format("vmalloc error: size {}, exceeds total pages", real_size), ZONE_NORMAL);
        return 0;
    }
    const std::uint64_t size = page_align(real_size);
    const std::uint64_t nr = size >> PAGE_SHIFT;
    const gfp_t nested = (gfp & GFP_RECLAIM_MASK) | gfp::ZERO;

    vm_struct vm;
    vm.requested_size = real_size;
    vm.size = size + PAGE_SIZE;  // the guard page
    vm.caller = machine_.current().frames().back().format();
    // __get_vm_area_node(): the vm_struct, then the address range.
    vm.struct_addr = kmalloc_.kzalloc(VM_STRUCT_SIZE, gfp & GFP_RECLAIM_MASK);
    if (vm.struct_addr)
        kmemleak_.not_leak(vm.struct_addr);  // on the vmap_area tree
    vm.addr = vm.struct_addr ? alloc_vmap_area(vm.size) : 0;
    if (!vm.addr) {
        if (vm.struct_addr)
            kmalloc_.kfree(vm.struct_addr);
        pa_.warn_alloc(gfp, fmt::format("vmalloc error: size {}, vm_struct allocation failed", real_size),
                       ZONE_NORMAL);
        return 0;
    }
    // __vmalloc_area_node(): the page array, then the pages.
    const std::uint64_t array_size = nr * sizeof(std::uint64_t);
    if (array_size > PAGE_SIZE) {
        vm.pages_array = vmalloc(array_size, nested);
        vm.pages_array_vmalloc = true;
    } else {
        vm.pages_array = kmalloc_.kmalloc(array_size, nested);
    }
    auto give_back = [&] {
        for (pfn_t pfn : vm.pages)
            pa_.free_pages_at(pa_.pfn_to_page(pfn), 0);
        if (vm.pages_array)
            vm.pages_array_vmalloc ? vfree(vm.pages_array) : (void)kmalloc_.kfree(vm.pages_array);
        kmalloc_.kfree(vm.struct_addr);
        busy_.erase(vm.addr);
    };
    if (!vm.pages_array) {
        give_back();
        pa_.warn_alloc(gfp,
                       fmt::format("vmalloc error: size {}, failed to allocated page array size {}", size, array_size),
                       ZONE_NORMAL);
        return 0;
    }
    kmemleak_.not_leak(vm.pages_array);
    // vm_area_alloc_pages(): order 0, __GFP_NOWARN (the warning is vmalloc's).
    const gfp_t page_gfp = gfp | gfp::NOWARN | ((gfp & (gfp::DMA | gfp::DMA32)) ? 0 : gfp::HIGHMEM);
    vm.pages.reserve(nr);
    for (std::uint64_t i = 0; i < nr && !machine_.eng().stopping(); ++i) {
        page* pg = pa_.alloc_pages(page_gfp, 0);
        if (!pg)
            break;
        vm.pages.push_back(pa_.pfn_of(pg));
    }
    if (vm.pages.size() != nr) {
        const std::uint64_t got = vm.pages.size();
        give_back();
        pa_.warn_alloc(gfp, fmt::format("vmalloc error: size {}, failed to allocate pages", got * PAGE_SIZE),
                       ZONE_NORMAL);
        return 0;
    }
    for (std::uint64_t i = 0; i < nr; ++i)
        map_.map_vmalloc(vm.addr + i * PAGE_SIZE, vm.pages[i]);
    nr_pages_ += nr;
    const std::uint64_t addr = vm.addr;
    live_.emplace(addr, std::move(vm));
    kmemleak_.alloc(addr, size, false);  // kmemleak_vmalloc(area, PAGE_ALIGN(size))
    return addr;
}

void vmalloc_allocator::free_area(vm_struct& vm, bool keep_lazy)
{
    const std::uint64_t nr = vm.pages.size();
    for (std::uint64_t i = 0; i < nr; ++i) {
        map_.unmap_vmalloc(vm.addr + i * PAGE_SIZE);
        pa_.free_pages_at(pa_.pfn_to_page(vm.pages[i]), 0);
    }
    nr_pages_ -= nr;
    if (vm.pages_array_vmalloc)
        vfree(vm.pages_array);
    else
        kmalloc_.kfree(vm.pages_array);
    kmalloc_.kfree(vm.struct_addr);
    if (keep_lazy) {
        // free_vmap_area_noflush(): purged once lazy_max_pages() gathered,
        // 32 MiB worth per log2 of the CPUs.
        lazy_[vm.addr] = vm.size;
        lazy_pages_ += vm.size >> PAGE_SHIFT;
        const std::uint64_t lazy_max =
            (32ULL << 20 >> PAGE_SHIFT) * static_cast<std::uint64_t>(std::bit_width(
                                              static_cast<unsigned>(machine_.nr_cpus())));
        if (lazy_pages_ > lazy_max)
            purge_lazy();
    }
}

void vmalloc_allocator::vfree(std::uint64_t addr)
{
    if (!addr)
        return;
    auto it = live_.find(addr);
    // In interrupt the kernel defers the work (vfree_atomic()); kmsim frees
    // at once. Elsewhere vfree() may sleep.
    if (!machine_.in_interrupt())
        machine_.might_sleep("mm/vmalloc.c", 3369);
    if (it == live_.end()) {
        machine_.warn(fmt::format("Trying to vfree() nonexistent vm area ({:016x})", addr), "mm/vmalloc.c", 3375,
                      "vfree");
        return;
    }
    kmemleak_.free(addr);
    vm_struct vm = std::move(it->second);
    live_.erase(it);
    free_area(vm, true);
}

std::uint64_t vmalloc_allocator::vrealloc(std::uint64_t p, std::uint64_t size, gfp_t gfp)
{
    if (!size) {
        vfree(p);
        return 0;
    }
    std::uint64_t old_size = 0;
    vm_struct* vm = nullptr;
    if (p) {
        auto it = live_.find(p);
        if (it == live_.end()) {
            machine_.warn(fmt::format("Trying to vrealloc() nonexistent vm area ({:016x})", p), "mm/vmalloc.c", 4093,
                          "vrealloc_noprof");
            return 0;
        }
        vm = &it->second;
        old_size = vm->requested_size;
        const std::uint64_t alloced = vm->size - PAGE_SIZE;
        if (size <= old_size || size <= alloced) {
            // In place: shrinking zeroes the tail for a later growth (with
            // __GFP_ZERO), growing within the pages uses what is there.
            if (size < old_size && (gfp & gfp::ZERO))
                for (std::uint64_t a = p + size; a < p + old_size;) {
                    const std::uint64_t n = std::min(map_.contiguous_from(a), p + old_size - a);
                    std::memset(map_.bytes_at(a), 0, n);
                    a += n;
                }
            vm->requested_size = size;
            return p;
        }
    }
    const std::uint64_t n = vmalloc(size, gfp);
    if (!n)
        return 0;
    if (p) {
        for (std::uint64_t off = 0; off < old_size; off += PAGE_SIZE)
            std::memcpy(map_.bytes_at(n + off), map_.bytes_at(p + off), std::min(PAGE_SIZE, old_size - off));
        vfree(p);
    }
    return n;
}

// ---- the kvmalloc() family

std::uint64_t vmalloc_allocator::kvmalloc(std::uint64_t size, gfp_t gfp)
{
    const std::uint64_t p = kmalloc_.kmalloc(size, kmalloc_gfp_adjust(gfp, size));
    if (p || size <= PAGE_SIZE)
        return p;
    // "non-sleeping allocations are not supported by vmalloc"
    if (!gfpflags_allow_blocking(gfp))
        return 0;
    // "Don't even allow crazy sizes"
    if (size > INT32_MAX) {
        if (!(gfp & gfp::NOWARN))
            machine_.warn("", "mm/slub.c", 4997, "__kvmalloc_node_noprof");
        return 0;
    }
    return vmalloc(size, gfp);
}

std::uint64_t vmalloc_allocator::kvmalloc_array(std::uint64_t n, std::uint64_t size, gfp_t gfp)
{
    if (size != 0 && n > UINT64_MAX / size)
        return 0;  // check_mul_overflow()
    return kvmalloc(n * size, gfp);
}

std::uint64_t vmalloc_allocator::kvrealloc(std::uint64_t p, std::uint64_t size, gfp_t gfp)
{
    if (is_vmalloc_addr(p))
        return vrealloc(p, size, gfp);
    const std::uint64_t n = kmalloc_.krealloc(p, size, kmalloc_gfp_adjust(gfp, size));
    if (n || size == 0)
        return n;
    // "We failed to krealloc(), fall back to kvmalloc()."
    const std::uint64_t v = kvmalloc(size, gfp);
    if (!v)
        return 0;
    if (p && !ZERO_OR_NULL_PTR(p)) {
        const std::uint64_t old = std::min(kmalloc_.ksize(p), size);
        for (std::uint64_t off = 0; off < old;) {
            const std::uint64_t chunk = std::min({map_.contiguous_from(v + off), old - off});
            std::memcpy(map_.bytes_at(v + off), map_.bytes_at(p + off), chunk);
            off += chunk;
        }
        kmalloc_.kfree(p);
    }
    return v;
}

void vmalloc_allocator::kvfree(std::uint64_t p)
{
    if (is_vmalloc_addr(p))
        vfree(p);
    else
        kmalloc_.kfree(p);
}

}  // namespace kmsim::mm
