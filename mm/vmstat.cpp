// mm/vmstat.cpp - counter names as mm/vmstat.c's vmstat_text spells them.
#include "mm/vmstat.h"

namespace kmsim::mm {

const char* vm_item_name(vm_item i)
{
    static const char* names[NR_VM_ITEMS] = {
        "nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable",
        "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_isolated_anon", "nr_isolated_file",
        "nr_anon_pages", "nr_mapped", "nr_file_pages", "nr_dirty", "nr_writeback", "nr_shmem",
        "pgpgin", "pgpgout", "pswpin", "pswpout",
        "pgalloc_dma", "pgalloc_dma32", "pgalloc_normal", "pgalloc_movable",
        "allocstall_dma", "allocstall_dma32", "allocstall_normal", "allocstall_movable",
        "pgfree",
        "pgsteal_kswapd", "pgsteal_direct", "pgscan_kswapd", "pgscan_direct", "pgscan_direct_throttle",
        "slabs_scanned", "kswapd_inodesteal", "kswapd_low_wmark_hit_quickly", "kswapd_high_wmark_hit_quickly",
        "pageoutrun", "drop_pagecache", "drop_slab", "oom_kill",
    };
    return names[i];
}

}  // namespace kmsim::mm
