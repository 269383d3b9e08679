// mm/vmalloc.h - vmalloc(): virtually contiguous memory from single pages, and the kvmalloc() family.
//
// Owns: the vmalloc area's allocations (vm_struct: address, size with its
// guard page, requested size, page frames), as mm/vmalloc.c makes them -
// - the address range first: the lowest free range of VMALLOC_START..END
//   big enough for the size rounded up to pages plus one guard page; freed
//   ranges are purged lazily (once lazy_max_pages() of them have gathered)
//   and only then reused, so an address stays unused for a while after
//   vfree() and a stale pointer into it is caught;
// - the vm_struct (kzalloc) and the array of its pages (kmalloc, or a
//   nested vmalloc above PAGE_SIZE), with the caller's mask minus
//   everything but its reclaim bits;
// - then the pages, order 0, one by one, with the caller's mask plus
//   __GFP_NOWARN (they may reclaim; GFP_KERNEL ones do not fail while the
//   OOM killer can help), mapped in memmap's vmalloc page table;
// - a failure is warn_alloc()'s "vmalloc error: size N, failed to
//   allocate pages" unless __GFP_NOWARN, and NULL.
// And the kvmalloc() family of mm/slub.c: kmalloc first - above PAGE_SIZE
// with __GFP_NOWARN and __GFP_NORETRY, so a fragmented machine does not
// reclaim for it - then vmalloc, for masks that may sleep only.
// /proc/meminfo's VmallocUsed is nr_vmalloc_pages() pages; KASAN checks
// vmalloc memory against each area's requested size (mm/kasan.h asks
// area_of()); kmemleak tracks each area as an object.
// Simplifications: no huge vmalloc mappings (VM_ALLOW_HUGE_VMAP), no
// vmap()/vm_map_ram(), no page tables counted, a vfree() in interrupt
// frees at once (the kernel defers it to a workqueue).
// Invariant: every page of a live area's pages is mapped at its address;
// live_ and lazy_ never overlap, and busy_ holds both.
#pragma once

#include "mm/gfp.h"
#include "mm/page.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kmsim::arch {
class machine;
}

namespace kmsim::mm {

class kmalloc_allocator;
class kmemleak;
class memmap;
class page_allocator;

struct vm_struct {
    std::uint64_t addr = 0;
    std::uint64_t size = 0;            // with the guard page (get_vm_area_size() is size - PAGE_SIZE)
    std::uint64_t requested_size = 0;
    std::vector<pfn_t> pages;
    std::uint64_t struct_addr = 0;     // the vm_struct's kmalloc object
    std::uint64_t pages_array = 0;     // the page array's object (kmalloc or vmalloc)
    bool pages_array_vmalloc = false;
    std::string caller;                // "vmalloc(8192) at t.kms:4": who made it, for KASAN
};

class vmalloc_allocator {
public:
    vmalloc_allocator(arch::machine& m, page_allocator& pa, kmalloc_allocator& km, kmemleak& leaks, memmap& map)
        : machine_(m), pa_(pa), kmalloc_(km), kmemleak_(leaks), map_(map)
    {
    }

    // __vmalloc(SIZE, GFP) (vmalloc(): GFP_KERNEL; vzalloc(): with __GFP_ZERO).
    std::uint64_t vmalloc(std::uint64_t size, gfp_t gfp);
    // vfree(): NULL is a no-op; an address that is no area's start WARNs
    // "Trying to vfree() nonexistent vm area".
    void vfree(std::uint64_t addr);
    // vrealloc(): in place while the new size fits the area's pages, else a
    // new area with the contents, and P freed; size 0 frees P.
    std::uint64_t vrealloc(std::uint64_t p, std::uint64_t size, gfp_t gfp);

    // The kvmalloc() family.
    std::uint64_t kvmalloc(std::uint64_t size, gfp_t gfp);
    std::uint64_t kvmalloc_array(std::uint64_t n, std::uint64_t size, gfp_t gfp);
    std::uint64_t kvrealloc(std::uint64_t p, std::uint64_t size, gfp_t gfp);
    void kvfree(std::uint64_t p);

    // The live area that ADDR is in (guard page included), or nullptr.
    const vm_struct* area_of(std::uint64_t addr) const;
    // Whether ADDR is in an area vfree()d and not yet purged.
    bool freed_area(std::uint64_t addr) const;
    // vmalloc_nr_pages(): the pages the live areas hold.
    std::uint64_t nr_vmalloc_pages() const { return nr_pages_; }

private:
    std::uint64_t alloc_vmap_area(std::uint64_t size);
    void purge_lazy();
    void free_area(vm_struct& vm, bool keep_lazy);

    arch::machine& machine_;
    page_allocator& pa_;
    kmalloc_allocator& kmalloc_;
    kmemleak& kmemleak_;
    memmap& map_;
    std::map<std::uint64_t, vm_struct> live_;      // by address
    std::map<std::uint64_t, std::uint64_t> lazy_;  // freed, not purged: address -> size
    std::uint64_t lazy_pages_ = 0;
    std::map<std::uint64_t, std::uint64_t> busy_;  // live and lazy ranges: address -> end
    std::uint64_t nr_pages_ = 0;
};

}  // namespace kmsim::mm
