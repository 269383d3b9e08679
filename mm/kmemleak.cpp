// mm/kmemleak.cpp - the records of live objects, and the leak report.
#include "mm/kmemleak.h"

#include "arch/hexdump.h"
#include "arch/machine.h"
#include "sim/error.h"

#include <boost/crc.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
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

void kmemleak::update_trace(std::uint64_t addr)
{
    object_track* t = track_of(addr);
    if (!t || !t->is(object_track::live))
        return;
    t->allocated_at = machine_.now();
    t->stack = depot_.save_current(machine_.current_context());
    t->pid = machine_.current_pid();
    if (t->is(object_track::not_leak)) {
        t->flags &= static_cast<std::uint8_t>(~object_track::not_leak);
        ++leaks_;
    }
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

object_track* kmemleak::scanned_object_at(std::uint64_t value, std::uint64_t* start)
{
    if (slab* sl = slabs_.slab_of(value)) {
        if (sl->debug.empty())
            return nullptr;
        unsigned idx = 0;
        const std::uint64_t obj = slabs_.object_of(*sl, value, &idx);
        object_track& t = sl->debug[idx];
        if (!sl->allocated[idx] || !t.is(object_track::live) || value < obj ||
            value - obj >= std::max<std::uint64_t>(t.size, 1))
            return nullptr;
        *start = obj;
        return &t;
    }
    auto it = pages_.upper_bound(value);
    if (it == pages_.begin())
        return nullptr;
    --it;
    if (it->second.is(object_track::is_page) || value - it->first >= std::max<std::uint64_t>(it->second.size, 1))
        return nullptr;
    *start = it->first;
    return &it->second;
}

void kmemleak::for_each_scanned(const std::function<void(std::uint64_t, object_track&)>& f)
{
    std::vector<slab*> slabs;
    slabs_.for_each_slab([&](const slab& sl) {
        if (!sl.debug.empty() && sl.inuse)
            slabs.push_back(const_cast<slab*>(&sl));
    });
    std::sort(slabs.begin(), slabs.end(), [](const slab* a, const slab* b) { return a->pfn < b->pfn; });
    auto page = pages_.begin();
    auto pages_before = [&](std::uint64_t addr) {
        for (; page != pages_.end() && page->first < addr; ++page)
            if (!page->second.is(object_track::is_page))
                f(page->first, page->second);
    };
    for (slab* sl : slabs)
        for (unsigned i = 0; i < sl->objects; ++i)
            if (sl->allocated[i] && sl->debug[i].is(object_track::live)) {
                const std::uint64_t addr = slabs_.object_addr(*sl, i);
                pages_before(addr);
                f(addr, sl->debug[i]);
            }
    pages_before(~0ULL);
}

std::uint32_t kmemleak::backtrace_crc(std::uint32_t stack) const
{
    auto [it, fresh] = crc_of_stack_.try_emplace(stack, 0);
    if (fresh) {
        const std::string text = depot_.text(stack);
        boost::crc_32_type crc;
        crc.process_bytes(text.data(), text.size());
        it->second = crc.checksum();
    }
    return it->second;
}

std::size_t kmemleak::scan()
{
    // kmemleak_scan(): every object white, except those marked not_leak
    // (min_count 0), which are gray from the start ...
    struct gray_object {
        std::uint64_t addr;
        const object_track* track;
    };
    std::vector<gray_object> gray;
    for_each_scanned([&](std::uint64_t addr, object_track& t) {
        t.flags &= static_cast<std::uint8_t>(~object_track::referenced);
        if (t.is(object_track::not_leak)) {
            t.flags |= object_track::referenced;
            gray.push_back({addr, &t});
        }
    });
    auto reference = [&](std::uint64_t value) {
        // A C module's pointer is the host address of the direct map
        // (mm/memmap.h), and stands for the kernel address there.
        if (value < PAGE_OFFSET)
            if (const std::uint64_t v = map_.virt_of_host(value))
                value = v;
        std::uint64_t start = 0;
        object_track* t = value >= PAGE_OFFSET ? scanned_object_at(value, &start) : nullptr;
        if (t && !t->is(object_track::referenced)) {
            t->flags |= object_track::referenced;
            gray.push_back({start, t});
        }
    };
    // ... then the roots (the task stacks: the live bodies' variables) ...
    if (roots_)
        roots_(reference);
    // ... then scan_gray_list(): each referenced object's memory, a
    // pointer-sized word at a time, references what it points into.
    while (!gray.empty()) {
        const gray_object o = gray.back();
        gray.pop_back();
        const std::uint8_t* bytes = map_.bytes_at(o.addr);
        if (!bytes)
            continue;
        // A vmalloc object is contiguous only page by page (its words never
        // straddle a page: it starts on one).
        const bool paged = is_vmalloc_addr(o.addr);
        for (std::uint64_t off = 0; off + sizeof(std::uint64_t) <= o.track->size; off += sizeof(std::uint64_t)) {
            if (paged && off % PAGE_SIZE == 0 && !(bytes = map_.bytes_at(o.addr + off) - off))
                break;
            std::uint64_t value;
            std::memcpy(&value, bytes + off, sizeof value);
            reference(value);
        }
    }

    unreferenced_.clear();
    for_each_scanned([&](std::uint64_t addr, object_track& t) {
        if (!t.is(object_track::referenced))
            unreferenced_.push_back(addr);
    });
    if (unreferenced_.empty())
        return 0;

    // Each one is a report (printed below, grouped); the log shows the first
    // object of each backtrace, as kmemleak.verbose=1 would, and counts the rest.
    std::vector<std::pair<std::uint32_t, std::size_t>> groups;  // crc, objects; in order of first address
    for_each_unreferenced([&](const unreferenced_object& u) {
        auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& p) { return p.first == u.crc; });
        arch::report r;
        r.kind = arch::report_kind::kmemleak;
        r.title = fmt::format("unreferenced object 0x{:016x} (size {}):", u.addr, u.track->size);
        r.context = depot_.call_site(u.track->stack).context;
        r.when = machine_.now();
        // The text, for the reports kept and for whoever listens (millions
        // of objects past the limit, with nobody to read them, go without).
        if (machine_.log().keeps(r.kind) || machine_.trace().report_raised.enabled())
            r.text = object_text(u, "");
        machine_.log().record_report(std::move(r));
        if (g != groups.end()) {
            ++g->second;
            return;
        }
        groups.push_back({u.crc, 1});
        if (groups.size() <= max_backtraces_logged)
            machine_.log().printk(machine_.now(), arch::log_level::err, object_text(u, "kmemleak: "), "kmemleak");
    });
    for (std::size_t i = 0; i < groups.size() && i < max_backtraces_logged; ++i)
        if (groups[i].second > 1)
            machine_.log().printk(machine_.now(), arch::log_level::info,
                                  fmt::format("kmsim: kmemleak: {} more unreferenced objects with backtrace crc {:x} "
                                              "(kmsim run --show kmemleak lists every one)",
                                              groups[i].second - 1, groups[i].first),
                                  "kmemleak");
    if (groups.size() > max_backtraces_logged)
        machine_.log().printk(machine_.now(), arch::log_level::info,
                              fmt::format("kmsim: kmemleak: {} more distinct backtraces not shown "
                                          "(kmsim run --show kmemleak lists every one)",
                                          groups.size() - max_backtraces_logged),
                              "kmemleak");
    machine_.log().printk(machine_.now(), arch::log_level::info,
                          fmt::format("kmemleak: {} new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
                                      unreferenced_.size()),
                          "kmemleak");
    return unreferenced_.size();
}

std::vector<std::string> kmemleak::backtrace(const unreferenced_object& o) const
{
    std::vector<std::string> lines;
    const std::string stack = depot_.text(o.track->stack);
    for (std::size_t pos = 0; pos < stack.size();) {
        std::size_t nl = stack.find('\n', pos);
        if (nl == std::string::npos)
            nl = stack.size();
        std::string line = stack.substr(pos, nl - pos);
        if (!line.empty() && line[0] == ' ')
            line.erase(0, 1);
        lines.push_back(std::move(line));
        pos = nl + 1;
    }
    return lines;
}

std::string kmemleak::object_text(const unreferenced_object& o, std::string_view prefix) const
{
    // print_unreferenced(): the object, its first bytes, its stack.
    std::string text = fmt::format("{}unreferenced object 0x{:016x} (size {}):\n", prefix, o.addr, o.track->size);
    text += fmt::format("{}  comm \"{}\", pid {}, jiffies {}\n", prefix, depot_.call_site(o.track->stack).context,
                        o.track->pid, machine_.jiffies_at(o.track->allocated_at));
    const std::uint64_t n = std::min<std::uint64_t>(o.track->size, 32);  // HEX_MAX_LINES * HEX_ROW_SIZE
    const std::uint8_t* b = map_.bytes_at(o.addr);
    text += fmt::format("{}  hex dump (first {} bytes):\n", prefix, n);
    const std::string dump = arch::hex_dump("    ", arch::dump_prefix::none, o.addr, b, b ? n : 0);
    for (std::size_t pos = 0; pos < dump.size();) {
        const std::size_t nl = dump.find('\n', pos);
        text += std::string(prefix) + dump.substr(pos, nl - pos) + "\n";
        pos = nl + 1;
    }
    text += fmt::format("{}  backtrace (crc {:x}):\n", prefix, o.crc);
    for (const std::string& line : backtrace(o))
        text += fmt::format("{}    [<0000000000000000>] {}\n", prefix, line);
    return text;
}

void kmemleak::for_each_unreferenced(const std::function<void(const unreferenced_object&)>& f) const
{
    for (std::uint64_t addr : unreferenced_) {
        const object_track* t = track_of(addr);
        if (t && t->is(object_track::live))
            f(unreferenced_object{addr, t, backtrace_crc(t->stack)});
    }
}

std::string kmemleak::debugfs_text() const
{
    std::string text;
    for_each_unreferenced([&](const unreferenced_object& u) { text += object_text(u, ""); });
    return text;
}

}  // namespace kmsim::mm
