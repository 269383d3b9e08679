// mm/proc.cpp - buddyinfo, zoneinfo, meminfo and vmstat as the kernel prints them.
#include "mm/proc.h"

#include <algorithm>
#include <fmt/format.h>

#include <string_view>
#include <vector>

namespace kmsim::mm {

namespace {

constexpr std::uint64_t K(std::uint64_t pages) { return pages << (PAGE_SHIFT - 10); }

// Where a counter's value comes from: a vm_counters item, or nothing kmsim
// models (NR_VM_ITEMS: always 0).
constexpr vm_item none = NR_VM_ITEMS;

// enum zone_stat_item. The LRU items are the node's, shown against the zone
// that holds them all (the highest populated one): kmsim does not split its
// LRUs per zone.
struct named_item {
    const char* name;
    vm_item item;
};
constexpr named_item zone_stat_items[] = {
    {"nr_free_pages", none},  // each zone's own count
    {"nr_zone_inactive_anon", NR_INACTIVE_ANON}, {"nr_zone_active_anon", NR_ACTIVE_ANON},
    {"nr_zone_inactive_file", NR_INACTIVE_FILE}, {"nr_zone_active_file", NR_ACTIVE_FILE},
    {"nr_zone_unevictable", NR_UNEVICTABLE},     {"nr_zone_write_pending", none},
    {"nr_mlock", none},                          {"nr_bounce", none},
    {"nr_zspages", none},                        {"nr_free_cma", none},
    {"nr_unaccepted", none},  // 6.5+
};

// enum numa_stat_item: one node, so every allocation is a local hit.
constexpr const char* numa_stat_items[] = {"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local",
                                           "numa_other"};

// enum node_stat_item, as 6.1 orders it, with 6.15's nr_hugetlb and
// nr_balloon_pages at its end (6.15 also moved pgdemote_* here; kmsim
// keeps them where 6.1 prints them, among the events).
constexpr named_item node_stat_items[] = {
    {"nr_inactive_anon", NR_INACTIVE_ANON},
    {"nr_active_anon", NR_ACTIVE_ANON},
    {"nr_inactive_file", NR_INACTIVE_FILE},
    {"nr_active_file", NR_ACTIVE_FILE},
    {"nr_unevictable", NR_UNEVICTABLE},
    {"nr_slab_reclaimable", NR_SLAB_RECLAIMABLE},
    {"nr_slab_unreclaimable", NR_SLAB_UNRECLAIMABLE},
    {"nr_isolated_anon", NR_ISOLATED_ANON},
    {"nr_isolated_file", NR_ISOLATED_FILE},
    {"workingset_nodes", none},
    {"workingset_refault_anon", none},
    {"workingset_refault_file", none},
    {"workingset_activate_anon", none},
    {"workingset_activate_file", none},
    {"workingset_restore_anon", none},
    {"workingset_restore_file", none},
    {"workingset_nodereclaim", none},
    {"nr_anon_pages", NR_ANON_MAPPED},
    {"nr_mapped", NR_FILE_MAPPED},
    {"nr_file_pages", NR_FILE_PAGES},
    {"nr_dirty", NR_FILE_DIRTY},
    {"nr_writeback", NR_WRITEBACK},
    {"nr_writeback_temp", none},
    {"nr_shmem", NR_SHMEM},
    {"nr_shmem_hugepages", none},
    {"nr_shmem_pmdmapped", none},
    {"nr_file_hugepages", none},
    {"nr_file_pmdmapped", none},
    {"nr_anon_transparent_hugepages", none},
    {"nr_vmscan_write", none},
    {"nr_vmscan_immediate_reclaim", none},
    {"nr_dirtied", none},
    {"nr_written", none},
    {"nr_throttled_written", none},
    {"nr_kernel_misc_reclaimable", none},
    {"nr_foll_pin_acquired", none},
    {"nr_foll_pin_released", none},
    {"nr_kernel_stack", none},
    {"nr_page_table_pages", none},
    {"nr_sec_page_table_pages", none},
    {"nr_swapcached", none},
    {"pgpromote_success", none},
    {"pgpromote_candidate", none},
    {"nr_hugetlb", none},
    {"nr_balloon_pages", none},
};

// enum vm_event_item, for an x86-64 Debian kernel: TEXTS_FOR_ZONES with
// DMA, DMA32, Normal, Movable and Device; NUMA balancing, migration,
// compaction, hugetlb, THP, balloon, swap, KSM and zswap counters; no CMA.
constexpr named_item vm_event_items[] = {
    {"pgpgin", PGPGIN},
    {"pgpgout", PGPGOUT},
    {"pswpin", PSWPIN},
    {"pswpout", PSWPOUT},
    {"pgalloc_dma", PGALLOC_DMA},
    {"pgalloc_dma32", PGALLOC_DMA32},
    {"pgalloc_normal", PGALLOC_NORMAL},
    {"pgalloc_movable", PGALLOC_MOVABLE},
    {"pgalloc_device", none},
    {"allocstall_dma", ALLOCSTALL_DMA},
    {"allocstall_dma32", ALLOCSTALL_DMA32},
    {"allocstall_normal", ALLOCSTALL_NORMAL},
    {"allocstall_movable", ALLOCSTALL_MOVABLE},
    {"allocstall_device", none},
    {"pgskip_dma", none},
    {"pgskip_dma32", none},
    {"pgskip_normal", none},
    {"pgskip_movable", none},
    {"pgskip_device", none},
    {"pgfree", PGFREE},
    {"pgactivate", none},
    {"pgdeactivate", none},
    {"pglazyfree", none},
    {"pgfault", none},
    {"pgmajfault", none},
    {"pglazyfreed", none},
    {"pgrefill", none},
    {"pgreuse", none},
    {"pgsteal_kswapd", PGSTEAL_KSWAPD},
    {"pgsteal_direct", PGSTEAL_DIRECT},
    {"pgsteal_khugepaged", none},
    {"pgdemote_kswapd", none},
    {"pgdemote_direct", none},
    {"pgdemote_khugepaged", none},
    {"pgscan_kswapd", PGSCAN_KSWAPD},
    {"pgscan_direct", PGSCAN_DIRECT},
    {"pgscan_khugepaged", none},
    {"pgscan_direct_throttle", PGSCAN_DIRECT_THROTTLE},
    {"pgscan_anon", none},
    {"pgscan_file", none},
    {"pgsteal_anon", none},
    {"pgsteal_file", none},
    {"zone_reclaim_failed", none},
    {"pginodesteal", none},
    {"slabs_scanned", SLABS_SCANNED},
    {"kswapd_inodesteal", KSWAPD_INODESTEAL},
    {"kswapd_low_wmark_hit_quickly", KSWAPD_LOW_WMARK_HIT_QUICKLY},
    {"kswapd_high_wmark_hit_quickly", KSWAPD_HIGH_WMARK_HIT_QUICKLY},
    {"pageoutrun", PAGEOUTRUN},
    {"pgrotated", none},
    {"drop_pagecache", DROP_PAGECACHE},
    {"drop_slab", DROP_SLAB},
    {"oom_kill", OOM_KILL},
    {"numa_pte_updates", none},
    {"numa_huge_pte_updates", none},
    {"numa_hint_faults", none},
    {"numa_hint_faults_local", none},
    {"numa_pages_migrated", none},
    {"pgmigrate_success", none},
    {"pgmigrate_fail", none},
    {"thp_migration_success", none},
    {"thp_migration_fail", none},
    {"thp_migration_split", none},
    {"compact_migrate_scanned", none},
    {"compact_free_scanned", none},
    {"compact_isolated", none},
    {"compact_stall", none},
    {"compact_fail", none},
    {"compact_success", none},
    {"compact_daemon_wake", none},
    {"compact_daemon_migrate_scanned", none},
    {"compact_daemon_free_scanned", none},
    {"htlb_buddy_alloc_success", none},
    {"htlb_buddy_alloc_fail", none},
    {"unevictable_pgs_culled", none},
    {"unevictable_pgs_scanned", none},
    {"unevictable_pgs_rescued", none},
    {"unevictable_pgs_mlocked", none},
    {"unevictable_pgs_munlocked", none},
    {"unevictable_pgs_cleared", none},
    {"unevictable_pgs_stranded", none},
    {"thp_fault_alloc", none},
    {"thp_fault_fallback", none},
    {"thp_fault_fallback_charge", none},
    {"thp_collapse_alloc", none},
    {"thp_collapse_alloc_failed", none},
    {"thp_file_alloc", none},
    {"thp_file_fallback", none},
    {"thp_file_fallback_charge", none},
    {"thp_file_mapped", none},
    {"thp_split_page", none},
    {"thp_split_page_failed", none},
    {"thp_deferred_split_page", none},
    {"thp_underused_split_page", none},
    {"thp_split_pmd", none},
    {"thp_scan_exceed_none_pte", none},
    {"thp_scan_exceed_swap_pte", none},
    {"thp_scan_exceed_share_pte", none},
    {"thp_split_pud", none},
    {"thp_zero_page_alloc", none},
    {"thp_zero_page_alloc_failed", none},
    {"thp_swpout", none},
    {"thp_swpout_fallback", none},
    {"balloon_inflate", none},
    {"balloon_deflate", none},
    {"balloon_migrate", none},
    {"swap_ra", none},
    {"swap_ra_hit", none},
    {"swpin_zero", none},
    {"swpout_zero", none},
    {"ksm_swpin_copy", none},
    {"cow_ksm", none},
    {"zswpin", none},
    {"zswpout", none},
    {"zswpwb", none},
    {"direct_map_level2_splits", none},
    {"direct_map_level3_splits", none},
};

std::uint64_t value_of(const vm_counters& v, vm_item i) { return i == none ? 0 : v[i]; }

// A zone stat item's value for the whole node (ZONE: nullptr) or one zone
// (LRU: whether it is the zone shown holding the node's LRU pages).
std::uint64_t zone_stat_value(const named_item& i, const node& n, const vm_counters& v, const zone* z, bool lru)
{
    const std::string_view name(i.name);
    if (name == "nr_free_pages")
        return z ? z->nr_free_pages : n.nr_free_pages();
    if (z && !lru)
        return 0;
    if (name == "nr_zone_write_pending")
        return v[NR_FILE_DIRTY] + v[NR_WRITEBACK];
    return value_of(v, i.item);
}

int lru_zone(const node& n)
{
    for (int t = MAX_NR_ZONES - 1; t >= 0; --t)
        if (n.zone_at(t).populated())
            return t;
    return 0;
}

// zone_batchsize(): about 0.1% of the zone, at most 1 MiB, as 2^n - 1.
std::uint64_t zone_batchsize(const zone& z)
{
    std::uint64_t batch = std::min<std::uint64_t>(z.managed_pages >> 10, (1u << 20) / PAGE_SIZE) / 4;
    batch = std::max<std::uint64_t>(batch, 1);
    batch += batch / 2;
    std::uint64_t pow2 = 1;
    while (pow2 * 2 <= batch)
        pow2 *= 2;
    return pow2 - 1;
}

// fls(): the 1-based index of the highest set bit, 0 for 0.
unsigned fls(std::uint64_t x) { return x ? 64 - static_cast<unsigned>(__builtin_clzll(x)) : 0; }

}  // namespace

std::string proc_buddyinfo(const node& n)
{
    std::string o;
    for (int t = 0; t < MAX_NR_ZONES; ++t) {
        const zone& z = n.zone_at(t);
        if (!z.populated())
            continue;
        o += fmt::format("Node 0, zone {:>8} ", z.name);
        for (unsigned ord = 0; ord < NR_PAGE_ORDERS; ++ord)
            o += fmt::format("{:6} ", z.free_area[ord].nr_free);
        o += "\n";
    }
    return o;
}

std::string proc_zoneinfo(const node& n, const vm_counters& v, zoneinfo_extra extra)
{
    std::string o;
    bool node_stats_done = false;
    const int lru = lru_zone(n);
    for (int t = 0; t < MAX_NR_ZONES; ++t) {
        const zone& z = n.zone_at(t);
        o += fmt::format("Node 0, zone {:>8}", z.name);
        if (z.populated() && !node_stats_done) {
            node_stats_done = true;
            o += "\n  per-node stats";
            for (const named_item& i : node_stat_items)
                o += fmt::format("\n      {:<12} {}", i.name, value_of(v, i.item));
        }
        o += fmt::format("\n  pages free     {}"
                         "\n        boost    0"
                         "\n        min      {}"
                         "\n        low      {}"
                         "\n        high     {}"
                         "\n        promo    {}"
                         "\n        spanned  {}"
                         "\n        present  {}"
                         "\n        managed  {}"
                         "\n        cma      0",
                         z.nr_free_pages, z.watermark[WMARK_MIN], z.watermark[WMARK_LOW], z.watermark[WMARK_HIGH],
                         z.watermark[WMARK_PROMO], z.spanned_pages, z.present_pages, z.managed_pages);
        o += fmt::format("\n        protection: ({}", z.lowmem_reserve[0]);
        for (std::size_t i = 1; i < z.lowmem_reserve.size(); ++i)
            o += fmt::format(", {}", z.lowmem_reserve[i]);
        o += ')';
        if (!z.populated()) {
            o += '\n';
            continue;
        }
        for (const named_item& i : zone_stat_items)
            o += fmt::format("\n      {:<12} {}", i.name, zone_stat_value(i, n, v, &z, t == lru));
        for (const char* name : numa_stat_items) {
            const std::string_view nm(name);
            o += fmt::format("\n      {:<12} {}", name, nm == "numa_hit" || nm == "numa_local" ? z.numa_hit : 0);
        }
        // Per-CPU page lists: kmsim keeps none (count 0); batch and high
        // as zone_pcp_update() sets them, high a share of the low watermark.
        const std::uint64_t batch = std::max<std::uint64_t>(1, zone_batchsize(z));
        const std::uint64_t high =
            std::max<std::uint64_t>(z.low_wmark() / static_cast<std::uint64_t>(std::max(extra.nr_cpus, 1)), batch << 2);
        // calculate_normal_threshold(): memory in 128 MiB units.
        const std::uint64_t threshold = std::min<std::uint64_t>(
            125, 2 * fls(static_cast<std::uint64_t>(extra.nr_cpus)) * (1 + fls(z.managed_pages >> (27 - PAGE_SHIFT))));
        o += "\n  pagesets";
        for (int cpu = 0; cpu < extra.nr_cpus; ++cpu)
            o += fmt::format("\n    cpu: {}\n              count: 0\n              high:  {}\n              batch: {}"
                             "\n  vm stats threshold: {}",
                             cpu, high, batch, threshold);
        o += fmt::format("\n  node_unreclaimable:  {}\n  start_pfn:           {}\n", extra.node_unreclaimable ? 1 : 0,
                         z.zone_start_pfn);
    }
    return o;
}

std::uint64_t si_mem_available(const node& n, const vm_counters& v)
{
    std::uint64_t wmark_low = 0;
    for (int t = 0; t < MAX_NR_ZONES; ++t)
        wmark_low += n.zone_at(t).low_wmark();
    std::int64_t available = static_cast<std::int64_t>(n.nr_free_pages()) -
                             static_cast<std::int64_t>(n.totalreserve_pages());
    std::uint64_t pagecache = v[NR_ACTIVE_FILE] + v[NR_INACTIVE_FILE];
    pagecache -= std::min(pagecache / 2, wmark_low);
    available += static_cast<std::int64_t>(pagecache);
    std::uint64_t reclaimable = v[NR_SLAB_RECLAIMABLE];
    reclaimable -= std::min(reclaimable / 2, wmark_low);
    available += static_cast<std::int64_t>(reclaimable);
    return available < 0 ? 0 : static_cast<std::uint64_t>(available);
}

std::vector<meminfo_line> meminfo(const node& n, const vm_counters& v, std::uint64_t vmalloc_pages)
{
    using l = meminfo_line;
    const std::uint64_t cached = v[NR_FILE_PAGES];
    std::uint64_t present = 0;
    for (int t = 0; t < MAX_NR_ZONES; ++t)
        present += n.zone_at(t).present_pages;
    // The direct map: 4 KiB pages for the first 2 MiB (BIOS areas and
    // holes), 2 MiB pages for the rest (no 1 GiB pages, as on a CPU or VM
    // without pdpe1gb).
    const std::uint64_t below_2m = n.present_pages_in(0, (2u << 20) >> PAGE_SHIFT);
    return {
        {"MemTotal", K(n.totalram_pages())},
        {"MemFree", K(n.nr_free_pages())},
        {"MemAvailable", K(si_mem_available(n, v))},
        {"Buffers", 0},
        {"Cached", K(cached)},
        {"SwapCached", 0},
        {"Active", K(v[NR_ACTIVE_ANON] + v[NR_ACTIVE_FILE])},
        {"Inactive", K(v[NR_INACTIVE_ANON] + v[NR_INACTIVE_FILE])},
        {"Active(anon)", K(v[NR_ACTIVE_ANON])},
        {"Inactive(anon)", K(v[NR_INACTIVE_ANON])},
        {"Active(file)", K(v[NR_ACTIVE_FILE])},
        {"Inactive(file)", K(v[NR_INACTIVE_FILE])},
        {"Unevictable", K(v[NR_UNEVICTABLE])},
        {"Mlocked", 0},
        {"SwapTotal", 0},
        {"SwapFree", 0},
        {"Zswap", 0},
        {"Zswapped", 0},
        {"Dirty", K(v[NR_FILE_DIRTY])},
        {"Writeback", K(v[NR_WRITEBACK])},
        {"AnonPages", K(v[NR_ANON_MAPPED])},
        {"Mapped", K(v[NR_FILE_MAPPED])},
        {"Shmem", K(v[NR_SHMEM])},
        {"KReclaimable", K(v[NR_SLAB_RECLAIMABLE])},
        {"Slab", K(v[NR_SLAB_RECLAIMABLE] + v[NR_SLAB_UNRECLAIMABLE])},
        {"SReclaimable", K(v[NR_SLAB_RECLAIMABLE])},
        {"SUnreclaim", K(v[NR_SLAB_UNRECLAIMABLE])},
        {"KernelStack", 0},
        {"PageTables", 0},
        {"SecPageTables", 0},
        {"NFS_Unstable", 0},
        {"Bounce", 0},
        {"WritebackTmp", 0},
        // vm_commit_limit(): overcommit_ratio (50%) of RAM, plus swap (none).
        {"CommitLimit", K(n.totalram_pages() * 50 / 100)},
        {"Committed_AS", 0},
        {"VmallocTotal", (32ULL << 30) - 1},  // x86-64, 4-level paging: 32 TiB, in kB
        {"VmallocUsed", K(vmalloc_pages)},
        {"VmallocChunk", 0},
        {"Percpu", 0},
        {"HardwareCorrupted", 0, l::kb5},
        {"AnonHugePages", 0},
        {"ShmemHugePages", 0},
        {"ShmemPmdMapped", 0},
        {"FileHugePages", 0},
        {"FilePmdMapped", 0},
        {"Unaccepted", 0},
        {"Balloon", 0},
        {"HugePages_Total", 0, l::count5},
        {"HugePages_Free", 0, l::count5},
        {"HugePages_Rsvd", 0, l::count5},
        {"HugePages_Surp", 0, l::count5},
        {"Hugepagesize", 2048},
        {"Hugetlb", 0},
        {"DirectMap4k", K(below_2m)},
        {"DirectMap2M", K(present - below_2m)},
    };
}

std::string proc_meminfo(const node& n, const vm_counters& v, std::uint64_t vmalloc_pages)
{
    std::string o;
    for (const meminfo_line& l : meminfo(n, v, vmalloc_pages)) {
        const std::string label = std::string(l.name) + ":";
        switch (l.how) {
        case meminfo_line::kb: o += fmt::format("{:<16}{:>8} kB\n", label, l.value); break;
        case meminfo_line::kb5: o += fmt::format("{} {:>5} kB\n", label, l.value); break;
        case meminfo_line::count5: o += fmt::format("{:<19}{:>5}\n", label, l.value); break;
        }
    }
    return o;
}

std::pair<std::uint64_t, std::uint64_t> global_dirty_limits(const node& n, const vm_counters& v)
{
    // global_dirtyable_memory(): free pages above the reserves, plus the
    // file LRU; dirty_ratio 20 and dirty_background_ratio 10, in the
    // kernel's PAGE_SIZE-scaled arithmetic.
    std::uint64_t available = n.nr_free_pages();
    available -= std::min(available, n.totalreserve_pages());
    available += v[NR_INACTIVE_FILE] + v[NR_ACTIVE_FILE] + 1;
    const std::uint64_t ratio = 20 * PAGE_SIZE / 100, bg_ratio = 10 * PAGE_SIZE / 100;
    const std::uint64_t thresh = ratio * available / PAGE_SIZE;
    std::uint64_t bg_thresh = bg_ratio * available / PAGE_SIZE;
    if (bg_thresh >= thresh)
        bg_thresh = thresh / 2;
    return {bg_thresh, thresh};
}

std::vector<vmstat_line> vmstat(const node& n, const vm_counters& v)
{
    std::vector<vmstat_line> out;
    std::uint64_t numa_hit = 0;
    for (int t = 0; t < MAX_NR_ZONES; ++t)
        numa_hit += n.zone_at(t).numa_hit;
    for (const named_item& i : zone_stat_items)
        out.push_back({i.name, zone_stat_value(i, n, v, nullptr, true)});
    for (const char* name : numa_stat_items) {
        const std::string_view nm(name);
        out.push_back({name, nm == "numa_hit" || nm == "numa_local" ? numa_hit : 0});
    }
    for (const named_item& i : node_stat_items)
        out.push_back({i.name, value_of(v, i.item)});
    const auto [bg_thresh, thresh] = global_dirty_limits(n, v);
    out.push_back({"nr_dirty_threshold", thresh});
    out.push_back({"nr_dirty_background_threshold", bg_thresh});
    for (const named_item& i : vm_event_items)
        out.push_back({i.name, value_of(v, i.item)});
    out.push_back({"nr_unstable", 0});  // deprecated, printed last so that nothing breaks
    return out;
}

std::string proc_vmstat(const node& n, const vm_counters& v)
{
    std::string o;
    for (const vmstat_line& l : vmstat(n, v))
        o += fmt::format("{} {}\n", l.name, l.value);
    return o;
}

}  // namespace kmsim::mm
