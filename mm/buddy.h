// mm/buddy.h - the buddy allocator of one zone: split and merge of free blocks.
//
// Owns: the free lists of a zone and the blocks on them. Knows nothing of
// watermarks, GFP flags or zones other than the one it is given.
// Invariants (check_invariants() verifies every one):
//   - a free block of order o starts at a pfn aligned to 2^o, lies inside the
//     zone's span, and its head page has PG_buddy and order o;
//   - no free block has a free buddy of the same order (they would have merged);
//   - free_area[o] lists exactly nr_free[o] blocks, linked both ways;
//   - sum(nr_free[o] << o) == nr_free_pages, and nr_free_pages +
//     allocated_pages == managed_pages.
//
// Basic algorithm:
//   allocate(order): take the first block of the smallest order o >= order
//   that has one; while o > order, halve it and put the upper half back on
//   free_area[o-1] (expand). The lowest pfns are returned.
//   free(pfn, order): while the buddy at pfn ^ (1 << order) is a free block of
//   the same order in this zone, take it off its list and combine
//   (pfn &= buddy, order++). Put the result at the head of its list - or at
//   the tail when the next-larger buddy is free too, since merging it later is
//   likely (buddy_merge_likely).
#pragma once

#include "mm/memmap.h"
#include "mm/zone.h"

#include <optional>
#include <string>

namespace kmsim::mm {

class buddy {
public:
    buddy(zone& z, memmap& map) : zone_(z), map_(map) {}

    // Boot: give [start, end) to the allocator as the largest aligned blocks.
    void add_range(pfn_t start, pfn_t end);
    // __rmqueue_smallest + expand; nullopt when no block is large enough.
    std::optional<pfn_t> allocate(unsigned order);
    // __free_one_page. The caller has checked that [pfn, pfn + 2^order) was
    // allocated from this zone.
    void free(pfn_t pfn, unsigned order);

    // Empty string when every invariant holds, else what is broken.
    std::string check_invariants() const;

private:
    void list_add(pfn_t pfn, unsigned order, bool at_tail);
    void list_del(pfn_t pfn, unsigned order);
    bool is_free_block(pfn_t pfn, unsigned order) const;

    zone& zone_;
    memmap& map_;
};

}  // namespace kmsim::mm
