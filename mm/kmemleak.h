// mm/kmemleak.h - kmemleak: every live allocation, and the ones nothing points to.
//
// Owns: the record of each live object a kernel call allocated (mm/kmemleak.c's
// kmemleak_object): its size, the allocating task's pid, jiffies and stack (a
// stack_depot handle). The allocators record and drop objects through the
// kmemleak_alloc() and kmemleak_free() hooks as the kernel's do;
// kmemleak_not_leak() marks an object the kernel itself keeps a reference
// to. And the scan, as `echo scan > /sys/kernel/debug/kmemleak` runs it:
// from the roots (the variables of every live context, which stand for the
// kernel's task stacks, and the objects marked not_leak), every tracked
// object whose memory holds a pointer into another marks that one
// referenced too; what stays unreferenced is reported, "unreferenced object
// 0x... (size N):", and listed in the debugfs file.
//
// What the scan tracks, as the kernel's: slab objects and large kmalloc.
// Page-allocator memory (alloc_pages, __get_free_pages) is recorded too, for
// KASAN's history and for the run's count of memory never freed, but the
// kernel's kmemleak leaves it out (commit b94de9bb7519), and so does the
// scan: it is never reported, and never scanned for pointers.
//
// Where records live: a slab object's in its slab (slab::debug, next to
// SLUB's own per-object data, so a kmalloc costs no lookup); page-allocator
// memory's (large kmalloc, alloc_pages, __get_free_pages) in a table here.
//
// kmsim's scan runs once, when the run ends, and reports every unreferenced
// object however young (the kernel waits until an object is 5 s old and has
// been unreferenced for two scans).
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
#include <string_view>
#include <vector>

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
    // kmemleak_update_trace(): the object (a mempool's reserved element)
    // is handed to the running context; its allocation stack becomes this
    // one. In kmsim it also ends not_leak: from now on the caller must free
    // it, and it counts as never freed if nobody does.
    void update_trace(std::uint64_t addr);
    // ksize() handed the caller the object's whole chunk of SIZE bytes.
    void grow(std::uint64_t addr, std::uint64_t size);

    // The live record of the object starting at ADDR, or nullptr.
    const object_track* find(std::uint64_t addr);
    // The live page-allocator record whose [start, start + size) holds ADDR.
    const object_track* find_containing(std::uint64_t addr, std::uint64_t* start) const;

    // Memory allocated and never freed (not marked not_leak), pages included.
    std::uint64_t leak_count() const { return leaks_; }
    // Every such allocation, in address order.
    void for_each_leak(const std::function<void(std::uint64_t addr, const object_track&)>& f) const;

    // The scan's roots: memory kmemleak does not track but scans, like the
    // kernel's data sections and task stacks. A front end calls VISIT for
    // every value its live contexts (and its globals) hold.
    using root_walker = std::function<void(const std::function<void(std::uint64_t value)>& visit)>;
    void set_roots(root_walker roots) { roots_ = std::move(roots); }

    // One object the scan found unreferenced. TRACK is its record, valid
    // until the next allocation or free (the scan runs when the run is over).
    struct unreferenced_object {
        std::uint64_t addr = 0;
        const object_track* track = nullptr;
        std::uint32_t crc = 0;  // of the backtrace: equal leaks group by it
    };
    // The scan: finds the unreferenced objects, raises a report (kind
    // kmemleak) for each, and logs the first object of each distinct
    // backtrace with a count of the others, then "kmemleak: N new suspected
    // memory leaks". Returns how many it found.
    static constexpr std::size_t max_backtraces_logged = 20;
    std::size_t scan();
    // What the last scan found, in address order (objects freed since are
    // left out).
    std::size_t unreferenced_count() const { return unreferenced_.size(); }
    void for_each_unreferenced(const std::function<void(const unreferenced_object&)>& f) const;
    // The text of /sys/kernel/debug/kmemleak after the scan.
    std::string debugfs_text() const;
    // print_unreferenced(): one object's block, each line after PREFIX.
    std::string object_text(const unreferenced_object& o, std::string_view prefix) const;
    // The backtrace's lines, innermost first.
    std::vector<std::string> backtrace(const unreferenced_object& o) const;

private:
    object_track* track_of(std::uint64_t addr);
    const object_track* track_of(std::uint64_t addr) const
    {
        return const_cast<kmemleak*>(this)->track_of(addr);  // the same lookup; the caller only reads
    }
    // The live object the scan tracks whose [start, start + size) holds
    // VALUE (a pointer into an object's middle references it), or nullptr.
    object_track* scanned_object_at(std::uint64_t value, std::uint64_t* start);
    // Every live object the scan tracks (not pages), in address order.
    void for_each_scanned(const std::function<void(std::uint64_t addr, object_track&)>& f);
    std::uint32_t backtrace_crc(std::uint32_t stack) const;
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
    root_walker roots_;
    std::vector<std::uint64_t> unreferenced_;  // addresses: 8 bytes each, for millions of objects
    mutable std::map<std::uint32_t, std::uint32_t> crc_of_stack_;  // stack_depot handle -> backtrace crc
};

}  // namespace kmsim::mm
