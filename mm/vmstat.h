// mm/vmstat.h - the node's counters: page states and events.
//
// Owns: one array of the counters kmsim keeps, named after the kernel's
// node_stat_item and vm_event_item. Zone free pages and NUMA hits are not
// here (each zone counts its own). Layers above add to them (slab pages,
// page cache, reclaim). mm/proc.cpp prints them under their /proc/vmstat
// names, among the keys kmsim does not model.
#pragma once

#include <array>
#include <cstdint>

namespace kmsim::mm {

enum vm_item : int {
    // node page states (pages)
    NR_INACTIVE_ANON, NR_ACTIVE_ANON, NR_INACTIVE_FILE, NR_ACTIVE_FILE, NR_UNEVICTABLE,
    NR_SLAB_RECLAIMABLE, NR_SLAB_UNRECLAIMABLE, NR_ISOLATED_ANON, NR_ISOLATED_FILE,
    NR_ANON_MAPPED, NR_FILE_MAPPED, NR_FILE_PAGES, NR_FILE_DIRTY, NR_WRITEBACK, NR_SHMEM,
    // events
    PGPGIN, PGPGOUT, PSWPIN, PSWPOUT,
    PGALLOC_DMA, PGALLOC_DMA32, PGALLOC_NORMAL, PGALLOC_MOVABLE,
    ALLOCSTALL_DMA, ALLOCSTALL_DMA32, ALLOCSTALL_NORMAL, ALLOCSTALL_MOVABLE,
    PGFREE,
    PGSTEAL_KSWAPD, PGSTEAL_DIRECT, PGSCAN_KSWAPD, PGSCAN_DIRECT, PGSCAN_DIRECT_THROTTLE,
    SLABS_SCANNED, KSWAPD_INODESTEAL, KSWAPD_LOW_WMARK_HIT_QUICKLY, KSWAPD_HIGH_WMARK_HIT_QUICKLY,
    PAGEOUTRUN, DROP_PAGECACHE, DROP_SLAB, OOM_KILL,
    NR_VM_ITEMS
};

class vm_counters {
public:
    std::uint64_t& operator[](vm_item i) { return v_[static_cast<std::size_t>(i)]; }
    std::uint64_t operator[](vm_item i) const { return v_[static_cast<std::size_t>(i)]; }
    void add(vm_item i, std::int64_t delta) { v_[static_cast<std::size_t>(i)] += static_cast<std::uint64_t>(delta); }

private:
    std::array<std::uint64_t, NR_VM_ITEMS> v_{};
};

}  // namespace kmsim::mm
