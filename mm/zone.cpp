// mm/zone.cpp - the watermark test of mm/page_alloc.c (__zone_watermark_ok).
#include "mm/zone.h"

namespace kmsim::mm {

bool zone_watermark_ok(const zone& z, unsigned order, std::uint64_t mark, int highest_zoneidx, unsigned alloc_flags,
                       std::int64_t free_pages)
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
    if (free_pages <= min + static_cast<std::int64_t>(z.lowmem_reserve[static_cast<std::size_t>(highest_zoneidx)]))
        return false;
    if (order == 0)
        return true;
    // For a high-order request some free block must be large enough.
    for (unsigned o = order; o < NR_PAGE_ORDERS; ++o)
        if (z.free_area[o].nr_free)
            return true;
    return false;
}

}  // namespace kmsim::mm
