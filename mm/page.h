// mm/page.h - struct page: 16 bytes of metadata per simulated 4 KiB page.
//
// Owns: what kmsim knows about one page frame. The mem_map holding these is
// zero-filled lazily (see mm/memmap.h), so a page never touched costs nothing
// and reads as flags 0: not free, not allocated, not a slab.
// States, by flags on the head page of a block:
//   PG_buddy       free, heading a free block of `order` on its zone's free list
//   PG_allocated   allocated by the page allocator, heading a block of `order`
//   neither        inside a block (a tail), a hole, or a reserved page
// PG_head marks a compound (__GFP_COMP) allocation; PG_slab a slab page
// (`owner` is then the slab cache's id); PG_large_kmalloc a kmalloc > 8 KiB.
#pragma once

#include <cstdint>

namespace kmsim::mm {

using pfn_t = std::uint64_t;

inline constexpr unsigned PAGE_SHIFT = 12;
inline constexpr std::uint64_t PAGE_SIZE = 1ULL << PAGE_SHIFT;
inline constexpr unsigned MAX_PAGE_ORDER = 10;
inline constexpr unsigned NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1;
inline constexpr unsigned PAGE_ALLOC_COSTLY_ORDER = 3;
inline constexpr std::uint32_t NO_PAGE = UINT32_MAX;  // list terminator (a pfn index)

// x86-64 addresses, so pointers in reports look like a kernel's.
inline constexpr std::uint64_t PAGE_OFFSET = 0xffff888000000000ULL;    // direct map
inline constexpr std::uint64_t VMEMMAP_START = 0xffffea0000000000ULL;  // struct page array
// The vmalloc area (x86-64, 4-level paging, no KASLR): 32 TiB.
inline constexpr std::uint64_t VMALLOC_START = 0xffffc90000000000ULL;
inline constexpr std::uint64_t VMALLOC_END = 0xffffe8ffffffffffULL;  // the last byte
inline constexpr bool is_vmalloc_addr(std::uint64_t addr) { return addr >= VMALLOC_START && addr <= VMALLOC_END; }
inline constexpr std::uint64_t STRUCT_PAGE_SIZE = 64;                  // as the kernel's

// get_order() (include/asm-generic/getorder.h): the smallest order whose
// block holds SIZE bytes; 0 for SIZE <= PAGE_SIZE. Orders above
// MAX_PAGE_ORDER come back as they are, for the caller to refuse.
constexpr unsigned get_order(std::uint64_t size)
{
    if (size <= PAGE_SIZE)
        return 0;
    return static_cast<unsigned>(64 - __builtin_clzll(size - 1)) - PAGE_SHIFT;
}
static_assert(get_order(1) == 0 && get_order(4096) == 0 && get_order(4097) == 1 && get_order(8192) == 1 &&
              get_order(4u << 20) == 10 && get_order(UINT64_MAX) == 52);

enum page_flag : std::uint8_t {
    PG_buddy = 1 << 0,
    PG_allocated = 1 << 1,
    PG_head = 1 << 2,
    PG_slab = 1 << 3,
    PG_large_kmalloc = 1 << 4,
    PG_zeroed = 1 << 5,  // content known to be zero (never written since boot)
};

struct page {
    std::uint32_t next = 0;   // free list links (pfn indexes) while PG_buddy
    std::uint32_t prev = 0;
    std::uint32_t owner = 0;  // slab cache id while PG_slab
    std::uint8_t order = 0;   // block order on a PG_buddy or PG_allocated head
    std::uint8_t flags = 0;
    std::uint8_t zone = 0;    // zone index, set on block heads
    std::uint8_t spare = 0;
};
static_assert(sizeof(page) == 16, "struct page must stay small: 16 bytes per simulated page");

}  // namespace kmsim::mm
