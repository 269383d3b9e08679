// mm/memmap.h - the mem_map (struct page per pfn) and the bytes behind every page.
//
// Owns: two lazily backed arrays over the node's pfn range [0, end_pfn): the
// 16-byte struct pages and the 4 KiB of content of each page. Both are
// anonymous MAP_NORESERVE mappings: the host only commits what the simulation
// touches, so a 64 GiB simulated machine costs the pages actually used.
// Content reads as zero until written (that is what the host gives us).
// It also keeps the vmalloc area's page table (which page frame each mapped
// vmalloc page is), so that an address in either range finds its bytes;
// vmalloc pages are contiguous only within a page.
// For C modules, which dereference kernel memory natively, the same page
// frames are also mapped at a host view of the vmalloc area (the RAM is a
// memfd, mapped twice): enable_vmalloc_view(), host_of_virt().
#pragma once

#include "mm/page.h"

#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace kmsim::mm {

class memmap {
public:
    // HOST_VIEWS: the RAM as a memfd, for enable_vmalloc_view(); else
    // anonymous memory, whose page faults cost the host less.
    memmap(pfn_t end_pfn, bool host_views = false);
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
    // The byte at direct-map or vmalloc address ADDR, or nullptr where
    // nothing is mapped.
    std::uint8_t* bytes_at(std::uint64_t addr)
    {
        pfn_t pfn;
        if (virt_to_pfn(addr, pfn) || vmalloc_to_pfn(addr, pfn)) [[likely]]
            return data(pfn) + (addr & (PAGE_SIZE - 1));
        return nullptr;
    }
    // The bytes from ADDR that are contiguous in the host: to the end of
    // RAM in the direct map, to the end of the page in the vmalloc area.
    std::uint64_t contiguous_from(std::uint64_t addr) const
    {
        return is_vmalloc_addr(addr) ? PAGE_SIZE - (addr & (PAGE_SIZE - 1))
                                     : (end_pfn_ << PAGE_SHIFT) - (addr - PAGE_OFFSET);
    }

    // The direct map as C modules see it: they run natively, so their
    // pointers are host addresses, and in the direct map a kernel address and
    // its host address differ by a constant. Outside it, 0 / nullptr.
    std::uint64_t virt_of_host(std::uintptr_t host) const
    {
        const std::uintptr_t base = reinterpret_cast<std::uintptr_t>(bytes_);
        if (host >= base && host - base < bytes_len_)
            return PAGE_OFFSET + (host - base);
        const std::uintptr_t vbase = reinterpret_cast<std::uintptr_t>(vmalloc_view_);
        return vmalloc_view_ && host >= vbase && host - vbase < vmalloc_view_len_ ? VMALLOC_START + (host - vbase) : 0;
    }
    std::uint8_t* host_of_virt(std::uint64_t addr) const
    {
        if (addr >= PAGE_OFFSET && addr - PAGE_OFFSET < bytes_len_)
            return bytes_ + (addr - PAGE_OFFSET);
        if (vmalloc_view_ && addr >= VMALLOC_START && addr - VMALLOC_START < vmalloc_view_len_)
            return vmalloc_view_ + (addr - VMALLOC_START);
        return nullptr;
    }
    // Maps the host view of the vmalloc area (the first vmalloc_view_len_
    // bytes of it) from now on, with what is mapped already. False when the
    // host cannot (no memfd): module code then cannot touch vmalloc memory.
    bool enable_vmalloc_view();

    // The vmalloc area's page table: map the page at VADDR to PFN, unmap it.
    void map_vmalloc(std::uint64_t vaddr, pfn_t pfn)
    {
        vmalloc_ptes_[vaddr >> PAGE_SHIFT] = pfn;
        if (vmalloc_view_)
            map_view(vaddr, pfn);
    }
    void unmap_vmalloc(std::uint64_t vaddr)
    {
        vmalloc_ptes_.erase(vaddr >> PAGE_SHIFT);
        if (vmalloc_view_)
            unmap_view(vaddr);
    }
    bool vmalloc_to_pfn(std::uint64_t addr, pfn_t& pfn) const
    {
        if (!is_vmalloc_addr(addr) || vmalloc_ptes_.empty())
            return false;
        auto it = vmalloc_ptes_.find(addr >> PAGE_SHIFT);
        if (it == vmalloc_ptes_.end())
            return false;
        pfn = it->second;
        return true;
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
    std::unordered_map<std::uint64_t, pfn_t> vmalloc_ptes_;  // by vmalloc page number
    int ram_fd_ = -1;                                         // the memfd behind bytes_, or -1
    std::uint8_t* vmalloc_view_ = nullptr;
    std::size_t vmalloc_view_len_ = 0;
    void map_view(std::uint64_t vaddr, pfn_t pfn);
    void unmap_view(std::uint64_t vaddr);
};

}  // namespace kmsim::mm
