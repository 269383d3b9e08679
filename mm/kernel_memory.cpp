// mm/kernel_memory.cpp - the page-allocator kernel calls, with kmemleak's records.
#include "mm/kernel_memory.h"

#include "arch/machine.h"

#include <algorithm>
#include <fmt/format.h>

namespace kmsim::mm {

namespace {
std::uint64_t block_bytes(unsigned order)
{
    return PAGE_SIZE << std::min(order, 63u - PAGE_SHIFT);
}
}  // namespace

std::uint64_t kernel_memory::alloc_pages(gfp_t gfp, unsigned order)
{
    page* pg = pages_.alloc_pages(gfp, order);
    const std::uint64_t addr = pg ? memmap::pfn_to_page_addr(pages_.pfn_of(pg)) : 0;
    if (addr)
        kmemleak_.alloc(addr, block_bytes(order), true);
    return addr;
}

std::uint64_t kernel_memory::get_free_pages(gfp_t gfp, unsigned order)
{
    const std::uint64_t addr = pages_.get_free_pages(gfp, order);
    if (addr)
        kmemleak_.alloc(addr, block_bytes(order), true);
    return addr;
}

void kernel_memory::free_pages(std::uint64_t addr, unsigned order)
{
    pages_.free_pages(addr, order);
    kmemleak_.free(addr);
}

void kernel_memory::free_struct_pages(std::uint64_t page, unsigned order)
{
    if (page == 0)
        return;
    pfn_t pfn;
    if (!node_.map().page_addr_to_pfn(page, pfn)) {
        machine_.warn(fmt::format("__free_pages: {:#x} is not a struct page", page), "mm/page_alloc.c", 4990,
                      "__free_pages");
        return;
    }
    pages_.free_pages_at(pages_.pfn_to_page(pfn), order);
    kmemleak_.free(page);
}

std::uint32_t kernel_memory::memalloc_save(std::uint32_t flag)
{
    arch::context* t = machine_.current_task();
    if (!t)
        return 0;
    const std::uint32_t newly_set = ~t->task_flags() & flag;
    t->task_flags() |= flag;
    return newly_set;
}

void kernel_memory::memalloc_restore(std::uint32_t flag, std::uint64_t cookie)
{
    if (arch::context* t = machine_.current_task())
        t->task_flags() &= ~(static_cast<std::uint32_t>(cookie) & flag);
}

std::string kernel_memory::proc_show(std::string_view name) const
{
    if (name == "buddyinfo")
        return proc_buddyinfo(node_);
    if (name == "zoneinfo")
        return proc_zoneinfo(node_, vm_, zoneinfo_extra{machine_.nr_cpus(), reclaim_.all_unreclaimable()});
    if (name == "slabinfo")
        return slabs_.slabinfo();
    if (name == "meminfo")
        return proc_meminfo(node_, vm_, vmalloc_.nr_vmalloc_pages());
    if (name == "vmstat")
        return proc_vmstat(node_, vm_);
    if (name == "kmemleak")
        return kmemleak_.debugfs_text();
    return {};
}

}  // namespace kmsim::mm
