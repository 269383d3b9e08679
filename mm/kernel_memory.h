// mm/kernel_memory.h - the memory subsystem of one machine, assembled in boot order.
//
// Owns: one node (zones, buddy, mem_map), its counters, the page allocator,
// the slab allocator and the kmalloc caches - built in the order the kernel
// brings them up. Layers above (drivers, scenarios) use this one object.
#pragma once

#include "mm/kmalloc.h"
#include "mm/node.h"
#include "mm/page_alloc.h"
#include "mm/proc.h"
#include "mm/slab.h"
#include "mm/vmscan.h"
#include "mm/vmstat.h"

namespace kmsim::mm {

struct memory_config {
    node_config node;
    slab_boot_params slab;
};

class kernel_memory {
public:
    kernel_memory(arch::machine& m, memory_config cfg)
        : node_(std::move(cfg.node)), pages_(m, node_, vm_), reclaim_(m, node_, pages_, vm_),
          slabs_(m, pages_, vm_, std::move(cfg.slab)), kmalloc_(m, pages_, slabs_, vm_)
    {
    }

    node& nd() { return node_; }
    vm_counters& vm() { return vm_; }
    page_allocator& pages() { return pages_; }
    slab_allocator& slabs() { return slabs_; }
    kmalloc_allocator& kmalloc() { return kmalloc_; }
    vmscan& reclaim() { return reclaim_; }

    std::string check_invariants() const
    {
        if (std::string e = node_.check_invariants(); !e.empty())
            return e;
        return slabs_.check_invariants();
    }

private:
    node node_;
    vm_counters vm_;
    page_allocator pages_;
    vmscan reclaim_;
    slab_allocator slabs_;
    kmalloc_allocator kmalloc_;
};

}  // namespace kmsim::mm
