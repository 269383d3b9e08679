// mm/kmemleak.h - kmemleak: every live allocation, and the ones nobody freed.
//
// Owns: the record of each live object a kernel call allocated (mm/kmemleak.c's
// kmemleak_object): its size, the allocating task's pid, jiffies and stack (a
// stack_depot handle). The allocators record and drop objects through the
// kmemleak_alloc() and kmemleak_free() hooks as the kernel's do;
// kmemleak_not_leak() marks an object the kernel itself keeps a reference
// to. scan() reports every object still recorded as the kernel's scan reports
// an unreferenced one, "unreferenced object 0x... (size N)".
//
// Where records live: a slab object's in its slab (slab::debug, next to
// SLUB's own per-object data, so a kmalloc costs no lookup); page-allocator
// memory's (large kmalloc, alloc_pages, __get_free_pages) in a table here.
//
// kmsim's kmemleak differs from the kernel's (docs/kernel-model.md): it does
// not scan memory for references - every object still allocated when the
// run ends is a leak - and it also records page allocations, which the
// kernel's leaves out.
// Invariant: leak_count() is the number of live records not marked not_leak.
#pragma once

#include "arch/machine.h"
#include "mm/memmap.h"
#include "mm/slab.h"
#include "mm/stack_depot.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace kmsim::arch {
class machine;
}

namespace kmsim::mm {

class kmemleak {
public:
    kmemleak(arch::machine& m, stack_depot& depot, memmap& map, slab_allocator& slabs)
        : machine_(m), depot_(depot), map_(map), slabs_(slabs)
    {
    }

    // The hooks of the slab allocator: object IDX of SL was allocated with
    // SIZE bytes requested, by the running context at its current stack; or
    // freed.
    void slab_alloc(slab& sl, unsigned idx, std::uint32_t size) { record(sl.debug[idx], size, 0); }
    void slab_free(slab& sl, unsigned idx)
    {
        object_track& t = sl.debug[idx];
        if (t.is(object_track::live) && !t.is(object_track::not_leak))
            --leaks_;
        t.flags &= static_cast<std::uint8_t>(~(object_track::live | object_track::not_leak));
    }

    // kmemleak_alloc() for any memory: SIZE bytes at ADDR. Recording a live
    // address again replaces its record (krealloc in place).
    void alloc(std::uint64_t addr, std::uint64_t size, bool is_page);
    // kmemleak_free(): the object at ADDR is gone (no-op if not recorded).
    void free(std::uint64_t addr);
    // kmemleak_not_leak(): keep the object, but never report it.
    void not_leak(std::uint64_t addr);
    // ksize() handed the caller the object's whole chunk of SIZE bytes.
    void grow(std::uint64_t addr, std::uint64_t size);

    // The live record of the object starting at ADDR, or nullptr.
    const object_track* find(std::uint64_t addr);
    // The live page-allocator record whose [start, start + size) holds ADDR.
    const object_track* find_containing(std::uint64_t addr, std::uint64_t* start) const;

    std::uint64_t leak_count() const { return leaks_; }
    // Every leak (live, not not_leak), in address order.
    void for_each_leak(const std::function<void(std::uint64_t addr, const object_track&)>& f) const;

    // The scan: "unreferenced object" for the first max_reported leaks, with
    // a hex dump of each object's first bytes, then the "N new suspected
    // memory leaks" line, into the kernel log. Nothing when there is none.
    static constexpr std::size_t max_reported = 20;
    void scan() const;

private:
    object_track* track_of(std::uint64_t addr);
    // Inline: every slab allocation makes one.
    void record(object_track& t, std::uint64_t size, std::uint8_t extra_flags)
    {
        KMSIM_ASSERT(size <= UINT32_MAX, "an allocation larger than any allocator makes");
        if (!t.is(object_track::live) || t.is(object_track::not_leak))
            ++leaks_;
        const arch::context* c = machine_.current_context();
        t.allocated_at = machine_.now();
        t.size = static_cast<std::uint32_t>(size);
        t.stack = depot_.save_current(c);
        t.pid = machine_.current_pid();
        t.flags = static_cast<std::uint8_t>(object_track::live | extra_flags);
    }

    arch::machine& machine_;
    stack_depot& depot_;
    memmap& map_;
    slab_allocator& slabs_;
    std::map<std::uint64_t, object_track> pages_;  // page-allocator memory, by address
    std::uint64_t leaks_ = 0;
};

}  // namespace kmsim::mm
