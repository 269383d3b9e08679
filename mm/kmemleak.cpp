// mm/kmemleak.cpp - the records of live objects, and the leak report.
#include "mm/kmemleak.h"

#include "arch/hexdump.h"
#include "arch/machine.h"
#include "sim/error.h"

#include <boost/crc.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace kmsim::mm {

object_track* kmemleak::track_of(std::uint64_t addr)
{
    if (slab* sl = slabs_.slab_of(addr)) {
        unsigned idx = 0;
        if (sl->debug.empty() || slabs_.object_of(*sl, addr, &idx) != addr)
            return nullptr;
        return &sl->debug[idx];
    }
    auto it = pages_.find(addr);
    return it == pages_.end() ? nullptr : &it->second;
}

void kmemleak::alloc(std::uint64_t addr, std::uint64_t size, bool is_page)
{
    if (slab* sl = slabs_.slab_of(addr)) {
        unsigned idx = 0;
        if (!sl->debug.empty() && slabs_.object_of(*sl, addr, &idx) == addr)
            record(sl->debug[idx], size, 0);
        return;
    }
    record(pages_[addr], size, is_page ? object_track::is_page : 0);
}

void kmemleak::free(std::uint64_t addr)
{
    auto it = pages_.find(addr);
    if (it == pages_.end())
        return;
    if (!it->second.is(object_track::not_leak))
        --leaks_;
    pages_.erase(it);
}

void kmemleak::not_leak(std::uint64_t addr)
{
    object_track* t = track_of(addr);
    if (!t || !t->is(object_track::live) || t->is(object_track::not_leak))
        return;
    t->flags |= object_track::not_leak;
    --leaks_;
}

void kmemleak::grow(std::uint64_t addr, std::uint64_t size)
{
    object_track* t = track_of(addr);
    if (t && t->is(object_track::live) && size > t->size && size <= UINT32_MAX)
        t->size = static_cast<std::uint32_t>(size);
}

const object_track* kmemleak::find(std::uint64_t addr)
{
    const object_track* t = track_of(addr);
    return t && t->is(object_track::live) ? t : nullptr;
}

const object_track* kmemleak::find_containing(std::uint64_t addr, std::uint64_t* start) const
{
    auto it = pages_.upper_bound(addr);
    if (it == pages_.begin())
        return nullptr;
    --it;
    if (addr - it->first >= it->second.size)
        return nullptr;
    *start = it->first;
    return &it->second;
}

void kmemleak::for_each_leak(const std::function<void(std::uint64_t, const object_track&)>& f) const
{
    // Slabs in address order, merged with the page table (also in order).
    std::vector<const slab*> slabs;
    slabs_.for_each_slab([&](const slab& sl) {
        if (!sl.debug.empty() && sl.inuse)
            slabs.push_back(&sl);
    });
    std::sort(slabs.begin(), slabs.end(), [](const slab* a, const slab* b) { return a->pfn < b->pfn; });
    auto leak = [](const object_track& t) { return t.is(object_track::live) && !t.is(object_track::not_leak); };
    auto page = pages_.begin();
    auto pages_before = [&](std::uint64_t addr) {
        for (; page != pages_.end() && page->first < addr; ++page)
            if (leak(page->second))
                f(page->first, page->second);
    };
    for (const slab* sl : slabs) {
        for (unsigned i = 0; i < sl->objects; ++i) {
            if (!sl->allocated[i] || !leak(sl->debug[i]))
                continue;
            const std::uint64_t addr = slabs_.object_addr(*sl, i);
            pages_before(addr);
            f(addr, sl->debug[i]);
        }
    }
    for (; page != pages_.end(); ++page)
        if (leak(page->second))
            f(page->first, page->second);
}

void kmemleak::scan() const
{
    if (leaks_ == 0)
        return;
    std::size_t shown = 0;
    for_each_leak([&](std::uint64_t addr, const object_track& o) {
        if (shown++ >= max_reported)
            return;
        // print_unreferenced(): the object, its first bytes, its stack.
        std::string text = fmt::format("unreferenced object 0x{:016x} (size {}):\n", addr, o.size);
        text += fmt::format("  comm \"{}\", pid {}, jiffies {}\n", depot_.call_site(o.stack).context, o.pid,
                            machine_.jiffies_at(o.allocated_at));
        const bool is_page = o.is(object_track::is_page);
        const std::uint8_t* b = is_page ? nullptr : map_.bytes_at(addr);
        if (!is_page) {
            const std::uint64_t n = std::min<std::uint64_t>(o.size, 32);  // HEX_MAX_LINES * HEX_ROW_SIZE
            text += fmt::format("  hex dump (first {} bytes):\n", n);
            text += arch::hex_dump("    ", arch::dump_prefix::none, addr, b, b ? n : 0);
        }
        // kmemleak prints a CRC of the stack, so that equal leaks group.
        const std::string stack = depot_.text(o.stack);
        boost::crc_32_type crc;
        crc.process_bytes(stack.data(), stack.size());
        text += fmt::format("  backtrace (crc {:x}):\n", crc.checksum());
        for (std::size_t pos = 0; pos < stack.size();) {
            const std::size_t nl = stack.find('\n', pos);
            text += "    [<0000000000000000>]" + stack.substr(pos, nl - pos) + "\n";
            pos = nl + 1;
        }
        machine_.log().printk(machine_.now(), arch::log_level::err, text, "kmemleak");
    });
    machine_.log().printk(machine_.now(), arch::log_level::info,
                          fmt::format("kmemleak: {} new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
                                      leaks_),
                          "kmemleak");
}

}  // namespace kmsim::mm
