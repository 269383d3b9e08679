// mm/zone.h - struct zone: a pfn range, its free lists, its watermarks and reserves.
//
// Owns: the numbers of one zone (spanned >= present >= managed; nr_free_pages;
// min/low/high; lowmem_reserve) and the watermark test. Does not own how the
// free lists change (mm/buddy) nor how zones are chosen (mm/page_alloc).
// Invariant (checked by buddy::check_invariants):
//   sum over orders of nr_free[o] << o == nr_free_pages
//   nr_free_pages + allocated_pages == managed_pages
#pragma once

#include "mm/gfp.h"
#include "mm/page.h"

#include <array>
#include <cstdint>
#include <string>

namespace kmsim::mm {

enum zone_watermarks { WMARK_MIN = 0, WMARK_LOW = 1, WMARK_HIGH = 2, WMARK_PROMO = 3, NR_WMARK = 4 };

// alloc_flags of mm/internal.h (6.3+).
namespace alloc {
inline constexpr unsigned WMARK_MASK = 0x3;        // ALLOC_WMARK_MIN/LOW/HIGH
inline constexpr unsigned NO_WATERMARKS = 0x4;     // ALLOC_NO_WATERMARKS
inline constexpr unsigned OOM = 0x8;               // ALLOC_OOM
inline constexpr unsigned NON_BLOCK = 0x10;        // ALLOC_NON_BLOCK
inline constexpr unsigned MIN_RESERVE = 0x20;      // ALLOC_MIN_RESERVE (== __GFP_HIGH)
inline constexpr unsigned CPUSET = 0x40;           // ALLOC_CPUSET
inline constexpr unsigned HIGHATOMIC = 0x200;      // ALLOC_HIGHATOMIC
inline constexpr unsigned KSWAPD = 0x800;          // ALLOC_KSWAPD (== __GFP_KSWAPD_RECLAIM)
inline constexpr unsigned RESERVES = NON_BLOCK | MIN_RESERVE | HIGHATOMIC | OOM;
}  // namespace alloc

struct free_area {
    std::uint32_t head = NO_PAGE;  // first free block (pfn), NO_PAGE when empty
    std::uint32_t tail = NO_PAGE;
    std::uint64_t nr_free = 0;     // blocks, not pages
};

struct zone {
    int type = 0;
    std::string name;
    pfn_t zone_start_pfn = 0;
    std::uint64_t spanned_pages = 0;
    std::uint64_t present_pages = 0;
    std::uint64_t managed_pages = 0;

    std::array<mm::free_area, NR_PAGE_ORDERS> free_area{};
    std::uint64_t nr_free_pages = 0;    // NR_FREE_PAGES
    std::uint64_t allocated_pages = 0;  // managed pages handed out
    // NUMA_HIT (and NUMA_LOCAL: one node, so every hit is local): the
    // allocations this zone served, counted once per call.
    std::uint64_t numa_hit = 0;

    std::array<std::uint64_t, NR_WMARK> watermark{};
    std::array<std::uint64_t, MAX_NR_ZONES> lowmem_reserve{};

    bool populated() const { return present_pages != 0; }
    bool managed() const { return managed_pages != 0; }
    pfn_t end_pfn() const { return zone_start_pfn + spanned_pages; }
    bool spans(pfn_t pfn) const { return pfn >= zone_start_pfn && pfn < end_pfn(); }
    std::uint64_t min_wmark() const { return watermark[WMARK_MIN]; }
    std::uint64_t low_wmark() const { return watermark[WMARK_LOW]; }
    std::uint64_t high_wmark() const { return watermark[WMARK_HIGH]; }
};

// __zone_watermark_ok(): may this zone give 2^order pages to a request whose
// highest usable zone is highest_zoneidx, checking MARK with ALLOC_FLAGS, when
// FREE pages are free? (kmsim has no highatomic or CMA pages, so those terms
// are zero.) zone_watermark_check() says it with the numbers compared:
// ok == (free > min + reserve && a block of the order is free).
struct watermark_check {
    std::int64_t free = 0;      // free pages, less the 2^order - 1 the request itself leaves unusable
    std::int64_t min = 0;       // MARK after the reserves ALLOC_FLAGS may dip into
    std::uint64_t reserve = 0;  // lowmem_reserve[highest_zoneidx]
    bool block = true;          // for order > 0: some free block is large enough
    bool ok = false;
};
inline watermark_check zone_watermark_check(const zone& z, unsigned order, std::uint64_t mark, int highest_zoneidx,
                                            unsigned alloc_flags, std::int64_t free_pages)
{
    std::int64_t min = static_cast<std::int64_t>(mark);
    // free_pages may go negative: that is fine, the test below fails then.
    free_pages -= (1LL << order) - 1;
    if (alloc_flags & alloc::RESERVES) {
        // __GFP_HIGH halves the reserve it must leave; a non-blocking
        // (atomic) request takes another quarter of what is left. OOM
        // victims halve it too.
        if (alloc_flags & alloc::MIN_RESERVE) {
            min -= min / 2;
            if (alloc_flags & alloc::NON_BLOCK)
                min -= min / 4;
        }
        if (alloc_flags & alloc::OOM)
            min -= min / 2;
    }
    watermark_check w;
    w.free = free_pages;
    w.min = min;
    w.reserve = z.lowmem_reserve[static_cast<std::size_t>(highest_zoneidx)];
    if (free_pages <= min + static_cast<std::int64_t>(w.reserve))
        return w;
    if (order > 0) {
        // For a high-order request some free block must be large enough.
        w.block = false;
        for (unsigned o = order; o < NR_PAGE_ORDERS && !w.block; ++o)
            w.block = z.free_area[o].nr_free != 0;
    }
    w.ok = w.block;
    return w;
}
inline bool zone_watermark_ok(const zone& z, unsigned order, std::uint64_t mark, int highest_zoneidx,
                              unsigned alloc_flags, std::int64_t free_pages)
{
    return zone_watermark_check(z, order, mark, highest_zoneidx, alloc_flags, free_pages).ok;
}
inline bool zone_watermark_ok(const zone& z, unsigned order, std::uint64_t mark, int highest_zoneidx,
                              unsigned alloc_flags)
{
    return zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, static_cast<std::int64_t>(z.nr_free_pages));
}

}  // namespace kmsim::mm
