// mm/memmap.h - the mem_map (struct page per pfn) and the bytes behind every page.
//
// Owns: two lazily backed arrays over the node's pfn range [0, end_pfn): the
// 16-byte struct pages and the 4 KiB of content of each page. Both are
// anonymous MAP_NORESERVE mappings: the host only commits what the simulation
// touches, so a 64 GiB simulated machine costs the pages actually used.
// Content reads as zero until written (that is what the host gives us).
#pragma once

#include "mm/page.h"

#include <cstddef>
#include <cstdint>

namespace kmsim::mm {

class memmap {
public:
    explicit memmap(pfn_t end_pfn);
    ~memmap();
    memmap(const memmap&) = delete;
    memmap& operator=(const memmap&) = delete;

    pfn_t end_pfn() const { return end_pfn_; }
    page& operator[](pfn_t pfn) { return pages_[pfn]; }
    const page& operator[](pfn_t pfn) const { return pages_[pfn]; }
    pfn_t pfn_of(const page* p) const { return static_cast<pfn_t>(p - pages_); }
    page* page_of(pfn_t pfn) { return pages_ + pfn; }

    // The bytes of a page frame.
    std::uint8_t* data(pfn_t pfn) { return bytes_ + (pfn << PAGE_SHIFT); }
    // The byte at direct-map address ADDR, or nullptr where nothing is mapped.
    std::uint8_t* bytes_at(std::uint64_t addr)
    {
        pfn_t pfn;
        return virt_to_pfn(addr, pfn) ? data(pfn) + (addr & (PAGE_SIZE - 1)) : nullptr;
    }

    // Simulated kernel addresses (direct map and vmemmap), and back.
    static std::uint64_t pfn_to_virt(pfn_t pfn) { return PAGE_OFFSET + (pfn << PAGE_SHIFT); }
    static std::uint64_t pfn_to_page_addr(pfn_t pfn) { return VMEMMAP_START + pfn * STRUCT_PAGE_SIZE; }
    // PFN is set either way (0 below the direct map).
    bool virt_to_pfn(std::uint64_t addr, pfn_t& pfn) const
    {
        pfn = addr >= PAGE_OFFSET ? (addr - PAGE_OFFSET) >> PAGE_SHIFT : 0;
        return addr >= PAGE_OFFSET && pfn < end_pfn_;
    }
    bool page_addr_to_pfn(std::uint64_t addr, pfn_t& pfn) const;

private:
    pfn_t end_pfn_;
    page* pages_ = nullptr;
    std::uint8_t* bytes_ = nullptr;
    std::size_t pages_len_ = 0;
    std::size_t bytes_len_ = 0;
};

}  // namespace kmsim::mm
