// mm/buddy.cpp - split (expand) and merge (__free_one_page) on intrusive free lists.
#include "mm/buddy.h"

#include "sim/error.h"

#include <fmt/format.h>

namespace kmsim::mm {

bool buddy::is_free_block(pfn_t pfn, unsigned order) const
{
    if (!zone_.spans(pfn))
        return false;
    const page& p = map_[pfn];
    return (p.flags & PG_buddy) && p.order == order;
}

void buddy::list_add(pfn_t pfn, unsigned order, bool at_tail)
{
    free_area& a = zone_.free_area[order];
    page& p = map_[pfn];
    p.flags = PG_buddy;
    p.order = static_cast<std::uint8_t>(order);
    p.zone = static_cast<std::uint8_t>(zone_.type);
    const auto idx = static_cast<std::uint32_t>(pfn);
    if (a.head == NO_PAGE) {
        p.next = p.prev = NO_PAGE;
        a.head = a.tail = idx;
    } else if (at_tail) {
        p.prev = a.tail;
        p.next = NO_PAGE;
        map_[a.tail].next = idx;
        a.tail = idx;
    } else {
        p.next = a.head;
        p.prev = NO_PAGE;
        map_[a.head].prev = idx;
        a.head = idx;
    }
    ++a.nr_free;
}

void buddy::list_del(pfn_t pfn, unsigned order)
{
    free_area& a = zone_.free_area[order];
    page& p = map_[pfn];
    if (p.prev != NO_PAGE)
        map_[p.prev].next = p.next;
    else
        a.head = p.next;
    if (p.next != NO_PAGE)
        map_[p.next].prev = p.prev;
    else
        a.tail = p.prev;
    p.flags &= static_cast<std::uint8_t>(~PG_buddy);
    --a.nr_free;
}

void buddy::add_range(pfn_t start, pfn_t end)
{
    KMSIM_ASSERT(start <= end && zone_.spans(start) && (start == end || zone_.spans(end - 1)),
                 "boot range outside its zone");
    pfn_t pfn = start;
    while (pfn < end) {
        unsigned order = MAX_PAGE_ORDER;
        while (order > 0 && ((pfn & ((1ULL << order) - 1)) || pfn + (1ULL << order) > end))
            --order;
        list_add(pfn, order, true);
        zone_.nr_free_pages += 1ULL << order;
        pfn += 1ULL << order;
    }
}

std::optional<pfn_t> buddy::allocate(unsigned order)
{
    for (unsigned o = order; o < NR_PAGE_ORDERS; ++o) {
        free_area& a = zone_.free_area[o];
        if (a.head == NO_PAGE)
            continue;
        const pfn_t pfn = a.head;
        list_del(pfn, o);
        // expand(): give back the upper halves.
        while (o > order) {
            --o;
            list_add(pfn + (1ULL << o), o, false);
        }
        page& p = map_[pfn];
        p.order = static_cast<std::uint8_t>(order);
        p.zone = static_cast<std::uint8_t>(zone_.type);
        zone_.nr_free_pages -= 1ULL << order;
        zone_.allocated_pages += 1ULL << order;
        return pfn;
    }
    return std::nullopt;
}

void buddy::free(pfn_t pfn, unsigned order)
{
    zone_.nr_free_pages += 1ULL << order;
    zone_.allocated_pages -= 1ULL << order;
    map_[pfn].flags = 0;
    while (order < MAX_PAGE_ORDER) {
        const pfn_t buddy_pfn = pfn ^ (1ULL << order);
        if (!is_free_block(buddy_pfn, order))
            break;
        list_del(buddy_pfn, order);
        map_[buddy_pfn].flags = 0;
        pfn &= buddy_pfn;
        ++order;
    }
    // buddy_merge_likely(): if the next-higher buddy is free, this block
    // will probably merge soon; keep it at the tail, out of the way.
    bool at_tail = false;
    if (order < MAX_PAGE_ORDER - 1) {
        const pfn_t higher = (pfn & ~((2ULL << order) - 1)) ^ (2ULL << order);
        at_tail = is_free_block(higher, order + 1);
    }
    list_add(pfn, order, at_tail);
}

std::string buddy::check_invariants() const
{
    std::uint64_t free_pages = 0;
    for (unsigned o = 0; o < NR_PAGE_ORDERS; ++o) {
        const free_area& a = zone_.free_area[o];
        std::uint64_t n = 0;
        std::uint32_t prev = NO_PAGE;
        for (std::uint32_t i = a.head; i != NO_PAGE; i = map_[i].next) {
            const page& p = map_[i];
            if (++n > a.nr_free)
                return fmt::format("{} free_area[{}]: more blocks listed than nr_free {}", zone_.name, o, a.nr_free);
            if (p.prev != prev)
                return fmt::format("{} free_area[{}]: broken back link at pfn {:#x}", zone_.name, o, i);
            if (!(p.flags & PG_buddy) || p.order != o)
                return fmt::format("{} free_area[{}]: pfn {:#x} listed but not a free block of order {}", zone_.name,
                                   o, i, o);
            if (i & ((1U << o) - 1))
                return fmt::format("{}: free block at pfn {:#x} not aligned to order {}", zone_.name, i, o);
            if (!zone_.spans(i) || !zone_.spans(i + (1ULL << o) - 1))
                return fmt::format("{}: free block at pfn {:#x} order {} outside the zone", zone_.name, i, o);
            if (o < MAX_PAGE_ORDER && is_free_block(i ^ (1ULL << o), o))
                return fmt::format("{}: free blocks at pfn {:#x} and its buddy {:#x} (order {}) did not merge",
                                   zone_.name, i, i ^ (1ULL << o), o);
            prev = i;
        }
        if (n != a.nr_free)
            return fmt::format("{} free_area[{}]: {} blocks listed, nr_free says {}", zone_.name, o, n, a.nr_free);
        if (a.tail != prev)
            return fmt::format("{} free_area[{}]: tail is not the last block", zone_.name, o);
        free_pages += a.nr_free << o;
    }
    if (free_pages != zone_.nr_free_pages)
        return fmt::format("{}: free lists hold {} pages, nr_free_pages is {}", zone_.name, free_pages,
                           zone_.nr_free_pages);
    if (zone_.nr_free_pages + zone_.allocated_pages != zone_.managed_pages)
        return fmt::format("{}: free {} + allocated {} != managed {}", zone_.name, zone_.nr_free_pages,
                           zone_.allocated_pages, zone_.managed_pages);
    return {};
}

}  // namespace kmsim::mm
