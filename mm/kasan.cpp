// mm/kasan.cpp - the access and free checks, and the KASAN report.
#include "mm/kasan.h"

#include "arch/machine.h"
#include "mm/node.h"
#include "mm/slab.h"
#include "mm/vmalloc.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace kmsim::mm {

// ---- reports

std::string kasan::frame_text(site where) const
{
    // The code that made the access: the innermost frame for a load or
    // store; for a check inside a kernel call (memset, kfree), its caller -
    // the instrumented call is inlined into it, as _RET_IP_ names it.
    const arch::context* c = machine_.current_context();
    if (!c || c->frames().empty())
        return "?";
    return (where == site::caller ? *c->caller_frame() : c->frames().back()).format();
}

void kasan::report(const char* type, const std::string& access, const std::string& tail, site where)
{
    const std::string title = fmt::format("BUG: KASAN: {} in {}", type, frame_text(where));
    std::string text = "==================================================================\n" + title + "\n";
    text += fmt::format("{} by task {}/{}\n\n", access, machine_.current_comm(), machine_.current_pid());
    text += machine_.dump_stack(machine_.current()) + "\n" + tail;
    text += "==================================================================\n";
    machine_.add_report(arch::report_kind::kasan, title, text);
    machine_.add_taint(arch::taint::bad_page);
}

void kasan::report_access(const char* type, std::uint64_t addr, std::uint64_t len, bool write, const std::string& tail,
                          site where)
{
    report(type, fmt::format("{} of size {} at addr {:016x}", write ? "Write" : "Read", len, addr), tail, where);
}

void kasan::report_free(const char* type, std::uint64_t p, std::uint64_t start, std::uint64_t len,
                        const object_track* t, const std::string& owner)
{
    report(type, fmt::format("Free of addr {:016x}", p),
           history(t) + owner +
               fmt::format("The buggy address is located {} bytes inside of\n {}-byte region [{:016x}, {:016x})\n",
                           p - start, len, start, start + len),
           site::caller);
}

std::string kasan::history(const object_track* t) const
{
    if (t && t->is(object_track::live))
        return fmt::format("Allocated by task {}:\n{}\n", t->pid, depot_.text(t->stack));
    if (t && t->is(object_track::freed))
        return fmt::format("Allocated by task {}:\n{}\nFreed by task {}:\n{}\n", t->pid, depot_.text(t->stack),
                           t->free_pid, depot_.text(t->free_stack));
    return {};
}

// ---- accesses

kasan::access_result kasan::check_access(std::uint64_t addr, std::uint64_t len, bool write, std::uint64_t base)
{
    return check(addr, len, write, base, site::innermost);
}

kasan::access_result kasan::check(std::uint64_t addr, std::uint64_t len, bool write, std::uint64_t base, site where)
{
    if (len == 0)
        return {};
    if (addr < PAGE_SIZE)
        return {nullptr, false, arch::fault_kind::null_pointer};
    // LAST is the last byte. A range that would run past the top of the
    // address space is what check_region_inline() reports as "out-of-bounds"
    // with no object.
    if (len - 1 > UINT64_MAX - addr) {
        if (!enabled_)
            return {nullptr, false, arch::fault_kind::unmapped};
        report_access("out-of-bounds", addr, len, write, "", where);
        return {nullptr, true, std::nullopt};
    }
    const std::uint64_t last = addr + (len - 1);
    if (is_vmalloc_addr(addr) || is_vmalloc_addr(base)) [[unlikely]]
        return check_vmalloc(addr, len, write, base, where);
    memmap& map = node_.map();
    std::uint8_t* p = map.bytes_at(addr);
    std::uint8_t* end = len > 1 ? map.bytes_at(last) : p;
    if (!enabled_) {
        if (!p || !end)
            return {nullptr, false, arch::fault_kind::unmapped};
        return {p, false, std::nullopt};
    }

    // A slab object: the one the pointer came from, else the one the
    // address lands in.
    std::uint64_t probe = base;
    slab* sl = base >= PAGE_SIZE ? slabs_.slab_of(base) : nullptr;
    if (!sl) {
        probe = addr;
        sl = slabs_.slab_of(addr);
    }
    if (sl) {
        unsigned idx = 0;
        const std::uint64_t obj = slabs_.object_of(*sl, probe, &idx);
        const object_track* t = sl->debug.empty() ? nullptr : &sl->debug[idx];
        std::uint64_t req = sl->cache->object_size;
        if (t && t->is(object_track::live))
            req = t->size;
        else if (sl->cache->flags & SLAB_KMALLOC)
            req = slabs_.orig_size_of(*sl, idx);
        const std::string owner =
            history(t) + fmt::format("The buggy address belongs to the object at {:016x}\n which belongs to the "
                                       "cache {} of size {}\n",
                                       obj, sl->cache->name, sl->cache->object_size);
        bool reported = true;
        if (!sl->allocated[idx]) {
            report_access("slab-use-after-free", addr, len, write,
                          owner + fmt::format("The buggy address is located {} bytes inside of\n freed {}-byte region "
                                              "[{:016x}, {:016x})\n",
                                              addr - obj, sl->cache->object_size, obj, obj + sl->cache->object_size),
                          where);
        } else if (addr < obj || last >= obj + req) {
            const bool right = addr >= obj + req;
            report_access("slab-out-of-bounds", addr, len, write,
                          owner + fmt::format("The buggy address is located {} bytes {} of\n allocated {}-byte region "
                                              "[{:016x}, {:016x})\n",
                                              right ? addr - (obj + req) : (addr < obj ? obj - addr : addr - obj),
                                              right ? "to the right" : addr < obj ? "to the left" : "inside", req, obj,
                                              obj + req),
                          where);
        } else {
            reported = false;
        }
        if (!p || !end) {
            if (reported)
                return {nullptr, true, std::nullopt};
            return {nullptr, false, arch::fault_kind::unmapped};
        }
        return {p, reported, std::nullopt};
    }
    if (!p || !end)
        return {nullptr, false, arch::fault_kind::unmapped};

    // A page-allocator block: find the block that holds the first byte.
    pfn_t pfn;
    map.virt_to_pfn(addr, pfn);
    for (unsigned o = 0; o <= MAX_PAGE_ORDER; ++o) {
        const pfn_t head = pfn & ~((pfn_t{1} << o) - 1);
        const page& pg = map[head];
        if (pg.order < o)
            continue;
        if (pg.flags & PG_allocated) {
            // A large kmalloc's tail past the requested size is a page
            // redzone (kasan_kmalloc_large), reported as slab-out-of-bounds.
            const std::uint64_t start = memmap::pfn_to_virt(head);
            std::uint64_t end_addr = memmap::pfn_to_virt(head + (pfn_t{1} << pg.order));
            const object_track* t = kmemleak_.find(start);
            if (t)
                end_addr = std::min(end_addr, start + t->size);
            if (last >= end_addr) {
                report_access("slab-out-of-bounds", addr, len, write,
                              history(t) +
                                  fmt::format("The buggy address belongs to the physical page pfn {:#x} (order {})\n"
                                              "The buggy address is located {} bytes to the right of\n"
                                              " {}-byte region [{:016x}, {:016x})\n",
                                              head, pg.order, addr >= end_addr ? addr - end_addr : 0,
                                              end_addr - start, start, end_addr),
                              where);
                return {p, true, std::nullopt};
            }
            return {p, false, std::nullopt};
        }
        if (pg.flags & PG_buddy) {
            report_access("use-after-free", addr, len, write,
                          fmt::format("The buggy address belongs to the physical page pfn {:#x}, which is free\n", pfn),
                          where);
            return {p, true, std::nullopt};
        }
    }
    return {p, false, std::nullopt};
}

kasan::access_result kasan::check_vmalloc(std::uint64_t addr, std::uint64_t len, bool write, std::uint64_t base,
                                          site where)
{
    // The area the pointer came from, else the one the address is in.
    memmap& map = node_.map();
    const std::uint64_t last = addr + (len - 1);
    const vm_struct* vm = vmalloc_ ? vmalloc_->area_of(is_vmalloc_addr(base) ? base : addr) : nullptr;
    std::uint8_t* p = map.bytes_at(addr);
    const bool mapped = p && map.bytes_at(last);
    if (!enabled_)
        return mapped ? access_result{p, false, std::nullopt} : access_result{nullptr, false, arch::fault_kind::unmapped};
    if (vm) {
        if (addr >= vm->addr && last < vm->addr + vm->requested_size)
            return {p, false, std::nullopt};
        // Past the requested size (poisoned to the page's end), in the guard
        // page, or out of the area altogether.
        report_access("vmalloc-out-of-bounds", addr, len, write,
                      fmt::format("The buggy address belongs to the virtual mapping at\n [{:016x}, {:016x}) created "
                                  "by:\n {}\n",
                                  vm->addr, vm->addr + vm->size, vm->caller),
                      where);
        return {mapped ? p : nullptr, true, std::nullopt};
    }
    if (vmalloc_ && vmalloc_->freed_area(addr)) {
        // vfree() poisoned it (KASAN_VMALLOC_INVALID) and unmapped it.
        report_access("vmalloc-out-of-bounds", addr, len, write, "", where);
        return {nullptr, true, std::nullopt};
    }
    if (!mapped)
        return {nullptr, false, arch::fault_kind::unmapped};
    return {p, false, std::nullopt};
}

bool kasan::check_range(std::uint64_t addr, std::uint64_t len, bool write)
{
    const access_result r = check(addr, len, write, 0, site::caller);
    if (r.fault)
        arch::page_fault_oops(machine_, addr, write, *r.fault);
    return r.bytes && !r.reported;
}

bool kasan::memset(std::uint64_t addr, int c, std::uint64_t len)
{
    if (!check_range(addr, len, true))
        return false;
    memmap& map = node_.map();
    for (std::uint64_t off = 0; off < len;) {
        // vmalloc memory is contiguous page by page only.
        const std::uint64_t n = std::min(map.contiguous_from(addr + off), len - off);
        std::memset(map.bytes_at(addr + off), c, n);
        off += n;
    }
    return true;
}

bool kasan::memcpy(std::uint64_t dst, std::uint64_t src, std::uint64_t len)
{
    if (!check_range(src, len, false) || !check_range(dst, len, true))
        return false;
    memmap& map = node_.map();
    for (std::uint64_t off = 0; off < len;) {
        const std::uint64_t n = std::min({map.contiguous_from(dst + off), map.contiguous_from(src + off), len - off});
        std::memmove(map.bytes_at(dst + off), map.bytes_at(src + off), n);
        off += n;
    }
    return true;
}

bool kasan::check_byte(std::uint64_t addr)
{
    const access_result r = check(addr, 1, false, 0, site::caller);
    if (r.fault)
        arch::page_fault_oops(machine_, addr, false, *r.fault);
    return !r.reported;
}

// ---- frees

bool kasan::report_bad_free(const slab& sl, std::uint64_t p, std::uint64_t obj, unsigned idx)
{
    const char* type = obj != p ? "invalid-free" : "double-free";
    report_free(type, p, obj, sl.cache->object_size, sl.debug.empty() ? nullptr : &sl.debug[idx],
                fmt::format("The buggy address belongs to the object at {:016x}\n which belongs to the cache {} of "
                            "size {}\n",
                            obj, sl.cache->name, sl.cache->object_size));
    return true;
}

bool kasan::kfree_large_bad(std::uint64_t p)
{
    if (!enabled_)
        return false;
    std::uint64_t start = 0;
    const object_track* o = kmemleak_.find_containing(p, &start);
    if (!o || start == p || o->is(object_track::is_page))
        return false;
    report_free("invalid-free", p, start, o->size, o, "");
    return true;
}


}  // namespace kmsim::mm
