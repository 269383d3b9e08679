// mm/kernel_memory.h - the memory subsystem of one machine, assembled in boot order.
//
// Owns: one node (zones, buddy, mem_map), its counters, the page allocator,
// the slab allocator and the kmalloc caches - built in the order the kernel
// brings them up - and the debugging tools they feed: the stack depot,
// kmemleak and KASAN. Layers above (drivers, scenarios) use this one object.
//
// The page-allocator calls a kernel call makes (alloc_pages,
// __get_free_pages, free_pages, __free_pages) enter here, where kmemleak
// records them; the allocators' own page allocations (slabs, large kmalloc)
// go to pages() directly and are not recorded as pages.
#pragma once

#include "mm/fork.h"
#include "mm/kasan.h"
#include "mm/kmalloc.h"
#include "mm/kmemleak.h"
#include "mm/node.h"
#include "mm/page_alloc.h"
#include "mm/proc.h"
#include "mm/slab.h"
#include "mm/vmalloc.h"
#include "mm/vmscan.h"
#include "mm/vmstat.h"

namespace kmsim::mm {

// The views of memory a run can print (`kmsim run --show`), by their file
// names: /proc's, and /sys/kernel/debug/kmemleak's.
inline constexpr const char* proc_views[] = {"buddyinfo", "zoneinfo", "slabinfo", "meminfo", "vmstat", "kmemleak"};

struct memory_config {
    node_config node;
    slab_boot_params slab;
    // CONFIG_KASAN. Off, loads and stores are not checked (a NULL or
    // unmapped address still faults) and SLUB's own debug checks
    // (slub_debug) are the only ones at free time.
    bool kasan = true;
};

class kernel_memory {
public:
    kernel_memory(arch::machine& m, memory_config cfg)
        : machine_(m), node_(std::move(cfg.node)), kmemleak_(m, depot_, node_.map(), slabs_),
          kasan_(m, node_, slabs_, kmemleak_, depot_), pages_(m, node_, vm_), reclaim_(m, node_, pages_, vm_),
          slabs_(m, pages_, vm_, std::move(cfg.slab)), kmalloc_(m, pages_, slabs_, vm_),
          vmalloc_(m, pages_, kmalloc_, kmemleak_, node_.map()), fork_(pages_, slabs_, kasan_, kmemleak_)
    {
        m.kthreads().set_task_memory(fork_.ops());
        reclaim_.set_slabs(&slabs_);
        kasan_.set_enabled(cfg.kasan);
        slabs_.set_debug({&kasan_, &kmemleak_});
        kmalloc_.set_debug({&kasan_, &kmemleak_});
        kasan_.set_vmalloc(&vmalloc_);
    }

    // Kernel calls into the page allocator (fiber side). alloc_pages()
    // returns the struct page's address, __get_free_pages() the memory's;
    // 0 on failure.
    std::uint64_t alloc_pages(gfp_t gfp, unsigned order);
    std::uint64_t get_free_pages(gfp_t gfp, unsigned order);
    // free_pages(addr, order).
    void free_pages(std::uint64_t addr, unsigned order);
    // __free_pages(page, order): PAGE is a struct page's address; NULL is a
    // no-op, anything else that is not one is warned about and left alone.
    void free_struct_pages(std::uint64_t page, unsigned order);

    // memalloc_nofs_save()/memalloc_noio_save() with FLAG (PF_MEMALLOC_NOFS
    // or PF_MEMALLOC_NOIO) on the current task, and their restore. kmsim's
    // cookie is the bit the save set (0 when the scope was already open),
    // which the restore clears; the kernel's is the bit's old state.
    std::uint32_t memalloc_save(std::uint32_t flag);
    void memalloc_restore(std::uint32_t flag, std::uint64_t cookie);

    // The text of /proc/NAME (or of kmemleak's debugfs file), NAME one of
    // proc_views ("" for another name).
    std::string proc_show(std::string_view name) const;

    node& nd() { return node_; }
    const node& nd() const { return node_; }
    vm_counters& vm() { return vm_; }
    const vm_counters& vm() const { return vm_; }
    page_allocator& pages() { return pages_; }
    // --explain: E hears every step of the allocations contexts make.
    void set_explain(alloc_explain* e) { pages_.set_explain(e); }
    slab_allocator& slabs() { return slabs_; }
    const slab_allocator& slabs() const { return slabs_; }
    kmalloc_allocator& kmalloc() { return kmalloc_; }
    vmalloc_allocator& vmalloc() { return vmalloc_; }
    const vmalloc_allocator& vmalloc() const { return vmalloc_; }
    vmscan& reclaim() { return reclaim_; }
    mm::kasan& kasan() { return kasan_; }
    mm::kmemleak& kmemleak() { return kmemleak_; }
    const mm::kmemleak& kmemleak() const { return kmemleak_; }
    stack_depot& stacks() { return depot_; }
    const stack_depot& stacks() const { return depot_; }

    std::string check_invariants() const
    {
        if (std::string e = node_.check_invariants(); !e.empty())
            return e;
        return slabs_.check_invariants();
    }

private:
    arch::machine& machine_;
    node node_;
    stack_depot depot_;
    mm::kmemleak kmemleak_;
    mm::kasan kasan_;
    vm_counters vm_;
    page_allocator pages_;
    vmscan reclaim_;
    slab_allocator slabs_;
    kmalloc_allocator kmalloc_;
    vmalloc_allocator vmalloc_;
    fork_memory fork_;
};

}  // namespace kmsim::mm
