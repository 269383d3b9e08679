// mm/memmap.cpp - lazily committed mappings for struct pages and page contents.
#include "mm/memmap.h"

#include "sim/error.h"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

namespace kmsim::mm {

namespace {
void* reserve(std::size_t len, const char* what)
{
    void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        throw sim::config_error(fmt::format("cannot reserve {} MiB of host address space for {}: {}", len >> 20, what,
                                            std::strerror(errno)));
    return p;
}
}  // namespace

memmap::memmap(pfn_t end_pfn, bool host_views) : end_pfn_(end_pfn)
{
    pages_len_ = end_pfn * sizeof(page);
    bytes_len_ = end_pfn << PAGE_SHIFT;
    pages_ = static_cast<page*>(reserve(pages_len_, "the mem_map"));
    // The RAM is a memfd, so that its frames can be mapped a second time,
    // at the host view of the vmalloc area; anonymous memory if there is
    // no memfd to be had.
    ram_fd_ = host_views ? ::memfd_create("kmsim-ram", MFD_CLOEXEC) : -1;
    if (ram_fd_ >= 0 && ::ftruncate(ram_fd_, static_cast<off_t>(bytes_len_)) == 0) {
        void* p = ::mmap(nullptr, bytes_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, ram_fd_, 0);
        if (p != MAP_FAILED) {
            bytes_ = static_cast<std::uint8_t*>(p);
            return;
        }
    }
    if (ram_fd_ >= 0)
        ::close(ram_fd_);
    ram_fd_ = -1;
    bytes_ = static_cast<std::uint8_t*>(reserve(bytes_len_, "simulated RAM"));
}

memmap::~memmap()
{
    ::munmap(pages_, pages_len_);
    ::munmap(bytes_, bytes_len_);
    if (vmalloc_view_)
        ::munmap(vmalloc_view_, vmalloc_view_len_);
    if (ram_fd_ >= 0)
        ::close(ram_fd_);
}

bool memmap::enable_vmalloc_view()
{
    if (vmalloc_view_)
        return true;
    if (ram_fd_ < 0)
        return false;
    // As much of the area as vmalloc can use of this RAM, guard pages and
    // lazily freed ranges included: it allocates from the bottom up.
    vmalloc_view_len_ = 4 * bytes_len_ + (256ULL << 20);
    void* p = ::mmap(nullptr, vmalloc_view_len_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return false;
    vmalloc_view_ = static_cast<std::uint8_t*>(p);
    for (const auto& [vpn, pfn] : vmalloc_ptes_)
        map_view(vpn << PAGE_SHIFT, pfn);
    return true;
}

void memmap::map_view(std::uint64_t vaddr, pfn_t pfn)
{
    const std::uint64_t off = vaddr - VMALLOC_START;
    if (off >= vmalloc_view_len_)
        return;
    void* p = ::mmap(vmalloc_view_ + off, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, ram_fd_,
                     static_cast<off_t>(pfn << PAGE_SHIFT));
    KMSIM_ASSERT(p != MAP_FAILED, fmt::format("cannot map a vmalloc page at its host view: {}", std::strerror(errno)));
}

void memmap::unmap_view(std::uint64_t vaddr)
{
    const std::uint64_t off = vaddr - VMALLOC_START;
    if (off >= vmalloc_view_len_)
        return;
    void* p = ::mmap(vmalloc_view_ + off, PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
                     -1, 0);
    KMSIM_ASSERT(p != MAP_FAILED, fmt::format("cannot unmap a vmalloc page's host view: {}", std::strerror(errno)));
}

bool memmap::page_addr_to_pfn(std::uint64_t addr, pfn_t& pfn) const
{
    if (addr < VMEMMAP_START || (addr - VMEMMAP_START) % STRUCT_PAGE_SIZE != 0)
        return false;
    pfn = (addr - VMEMMAP_START) / STRUCT_PAGE_SIZE;
    return pfn < end_pfn_;
}

}  // namespace kmsim::mm
