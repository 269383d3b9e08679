// mm/node.h - pglist_data: the one memory node, its zones and the numbers derived at boot.
//
// Owns: the physical layout (which pfns each zone spans, which are present,
// which are managed), the mem_map and page contents, each zone's buddy
// allocator, and the boot-time arithmetic of mm/page_alloc.c: min_free_kbytes
// (calculate_min_free_kbytes), per-zone watermarks (__setup_per_zone_wmarks)
// and lowmem_reserve (setup_per_zone_lowmem_reserve).
//
// and, once khugepaged starts, THP's raise of min_free_kbytes
// (set_recommended_min_free_kbytes, mm/khugepaged.c).
//
// Layout derived from `machine memory=SIZE`, as a PC's firmware reports it:
//   DMA     pfn 1..4095 (pfn 0 is the BIOS's), minus the legacy hole at
//           0x9f..0xff (640 KiB - 1 MiB): 4095 spanned, 3998 present
//   DMA32   16 MiB up to min(SIZE, 3 GiB); above 3 GiB of RAM it spans up
//           to 4 GiB, the PCI hole (3 GiB - 4 GiB) spanned but not present
//   Normal  from 4 GiB, for what SIZE has above 3 GiB
// Explicit zones (`zone NAME SIZE reserved=SIZE`) start at 0, 16 MiB and 4 GiB,
// with their first `reserved` pages present but not managed.
#pragma once

#include "mm/buddy.h"
#include "mm/memmap.h"
#include "mm/zone.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kmsim::mm {

struct zone_spec {
    int type = ZONE_NORMAL;
    std::uint64_t size = 0;      // bytes spanned
    std::uint64_t reserved = 0;  // bytes present but not managed
};

// The memory a machine may have (machine memory=): the one check the
// scenario parser and the node both make. The message, or nothing.
inline constexpr std::uint64_t min_memory = 32ULL << 20;
inline constexpr std::uint64_t max_memory = 1ULL << 40;
std::optional<std::string> check_memory(std::uint64_t bytes);

struct node_config {
    // Either memory (a derived layout) or zones (explicit), not both.
    std::uint64_t memory = 0;
    std::vector<zone_spec> zones;
    // sysctls; empty optionals mean the kernel's computed defaults.
    std::optional<std::uint64_t> min_free_kbytes;
    std::uint32_t watermark_scale_factor = 10;
    std::array<std::uint32_t, MAX_NR_ZONES> lowmem_reserve_ratio{256, 256, 32};
    // Transparent hugepages enabled (`always` or `madvise`; Debian's default
    // is `always`): khugepaged raises min_free_kbytes at boot. The boot
    // parameter transparent_hugepage=never turns it off.
    bool transparent_hugepage = true;
    // Native code (C modules) will touch this memory: the RAM is a memfd,
    // so that vmalloc pages can be mapped at a host view too (mm/memmap.h).
    bool host_views = false;
};

// Reads transparent_hugepage= from a kernel command line into OUT (always,
// madvise: on; never: off); other parameters are ignored. Returns an error
// message for a value the kernel would not accept.
std::optional<std::string> parse_thp_boot_param(const std::string& cmdline, bool& out);

class node {
public:
    explicit node(node_config cfg);
    node(const node&) = delete;
    node& operator=(const node&) = delete;

    zone& zone_at(int type) { return zones_[static_cast<std::size_t>(type)]; }
    const zone& zone_at(int type) const { return zones_[static_cast<std::size_t>(type)]; }
    buddy& buddy_of(int type) { return *buddies_[static_cast<std::size_t>(type)]; }
    memmap& map() { return *map_; }
    const memmap& map() const { return *map_; }
    // The zone a pfn belongs to, or nullptr for a hole or a pfn outside RAM.
    zone* zone_of(pfn_t pfn);

    std::uint64_t min_free_kbytes() const { return min_free_kbytes_; }
    std::uint64_t totalram_pages() const;        // sum of managed pages (MemTotal)
    std::uint64_t nr_free_pages() const;         // sum of NR_FREE_PAGES
    std::uint64_t totalreserve_pages() const;    // calculate_totalreserve_pages()
    // Present (RAM) pages with a pfn in [start, end).
    std::uint64_t present_pages_in(pfn_t start, pfn_t end) const;

    // Recompute watermarks and reserves after a sysctl change.
    void setup_per_zone_wmarks();
    void setup_per_zone_lowmem_reserve();

    std::string check_invariants() const;

    // The kernel's formula, exposed for tests: int_sqrt(lowmem_kbytes * 16)
    // clamped to [128, 262144].
    static std::uint64_t calculate_min_free_kbytes(std::uint64_t lowmem_kbytes);
    // khugepaged's: 2 + MIGRATE_PCPTYPES^2 pageblocks for each populated
    // zone up to Normal, at most 5% of nr_free_buffer_pages(), in kB.
    std::uint64_t recommended_min_free_kbytes() const;

private:
    void build_zones(const node_config& cfg);
    std::uint64_t nr_free_buffer_pages() const;

    node_config config_;
    std::array<zone, MAX_NR_ZONES> zones_{};
    std::unique_ptr<memmap> map_;
    std::array<std::unique_ptr<buddy>, MAX_NR_ZONES> buddies_{};
    std::uint64_t min_free_kbytes_ = 0;
    struct range {
        pfn_t start, end;
    };
    std::vector<range> present_;  // present (RAM) pfn ranges, all zones
};

std::uint64_t int_sqrt(std::uint64_t x);

}  // namespace kmsim::mm
