// mm/memmap.cpp - lazily committed mappings for struct pages and page contents.
#include "mm/memmap.h"

#include "sim/error.h"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <sys/mman.h>

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

memmap::memmap(pfn_t end_pfn) : end_pfn_(end_pfn)
{
    pages_len_ = end_pfn * sizeof(page);
    bytes_len_ = end_pfn << PAGE_SHIFT;
    pages_ = static_cast<page*>(reserve(pages_len_, "the mem_map"));
    bytes_ = static_cast<std::uint8_t*>(reserve(bytes_len_, "simulated RAM"));
}

memmap::~memmap()
{
    ::munmap(pages_, pages_len_);
    ::munmap(bytes_, bytes_len_);
}

bool memmap::page_addr_to_pfn(std::uint64_t addr, pfn_t& pfn) const
{
    if (addr < VMEMMAP_START || (addr - VMEMMAP_START) % STRUCT_PAGE_SIZE != 0)
        return false;
    pfn = (addr - VMEMMAP_START) / STRUCT_PAGE_SIZE;
    return pfn < end_pfn_;
}

}  // namespace kmsim::mm
