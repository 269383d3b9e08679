// mm/proc.cpp - buddyinfo, zoneinfo, meminfo and vmstat as the kernel prints them.
#include "mm/proc.h"

#include <algorithm>
#include <fmt/format.h>

#include <vector>

namespace kmsim::mm {

namespace {

constexpr std::uint64_t K(std::uint64_t pages) { return pages << (PAGE_SHIFT - 10); }

// Zone-level LRU counters: one node, so the zone split of the node's LRU
// pages is shown against the zone that holds them all (the highest
// populated one); kmsim does not track LRU pages per zone.
struct zone_item {
    const char* name;
    vm_item node_item;  // NR_VM_ITEMS: no counterpart (always 0)
};
constexpr zone_item zone_items[] = {
    {"nr_zone_inactive_anon", NR_INACTIVE_ANON}, {"nr_zone_active_anon", NR_ACTIVE_ANON},
    {"nr_zone_inactive_file", NR_INACTIVE_FILE}, {"nr_zone_active_file", NR_ACTIVE_FILE},
    {"nr_zone_unevictable", NR_UNEVICTABLE},     {"nr_zone_write_pending", NR_VM_ITEMS},
    {"nr_mlock", NR_VM_ITEMS},                   {"nr_bounce", NR_VM_ITEMS},
    {"nr_zspages", NR_VM_ITEMS},                 {"nr_free_cma", NR_VM_ITEMS},
};

int lru_zone(const node& n)
{
    for (int t = MAX_NR_ZONES - 1; t >= 0; --t)
        if (n.zone_at(t).populated())
            return t;
    return 0;
}

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

std::string proc_zoneinfo(const node& n, const vm_counters& v)
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
            for (int i = NR_INACTIVE_ANON; i <= NR_SHMEM; ++i)
                o += fmt::format("\n      {:<12} {}", vm_item_name(static_cast<vm_item>(i)), v[static_cast<vm_item>(i)]);
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
        o += fmt::format("\n      {:<12} {}", "nr_free_pages", z.nr_free_pages);
        for (const zone_item& zi : zone_items)
            o += fmt::format("\n      {:<12} {}", zi.name, zi.node_item != NR_VM_ITEMS && t == lru ? v[zi.node_item] : 0);
        o += fmt::format("\n  node_unreclaimable:  0\n  start_pfn:           {}\n", z.zone_start_pfn);
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

std::vector<meminfo_line> meminfo(const node& n, const vm_counters& v)
{
    const std::uint64_t cached = v[NR_FILE_PAGES];
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
        {"Dirty", K(v[NR_FILE_DIRTY])},
        {"Writeback", K(v[NR_WRITEBACK])},
        {"AnonPages", K(v[NR_ANON_MAPPED])},
        {"Mapped", K(v[NR_FILE_MAPPED])},
        {"Shmem", K(v[NR_SHMEM])},
        {"KReclaimable", K(v[NR_SLAB_RECLAIMABLE])},
        {"Slab", K(v[NR_SLAB_RECLAIMABLE] + v[NR_SLAB_UNRECLAIMABLE])},
        {"SReclaimable", K(v[NR_SLAB_RECLAIMABLE])},
        {"SUnreclaim", K(v[NR_SLAB_UNRECLAIMABLE])},
    };
}

std::string proc_meminfo(const node& n, const vm_counters& v)
{
    std::string o;
    for (const meminfo_line& l : meminfo(n, v))
        o += fmt::format("{:<16}{:>8} kB\n", std::string(l.name) + ":", l.kb);
    return o;
}

std::string proc_vmstat(const node& n, const vm_counters& v)
{
    std::string o = fmt::format("nr_free_pages {}\n", n.nr_free_pages());
    for (const zone_item& zi : zone_items)
        o += fmt::format("{} {}\n", zi.name, zi.node_item != NR_VM_ITEMS ? v[zi.node_item] : 0);
    for (int i = 0; i < NR_VM_ITEMS; ++i)
        o += fmt::format("{} {}\n", vm_item_name(static_cast<vm_item>(i)), v[static_cast<vm_item>(i)]);
    o += "nr_unstable 0\n";
    return o;
}

}  // namespace kmsim::mm
