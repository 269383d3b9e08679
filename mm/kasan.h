// mm/kasan.h - KASAN: every access to kernel memory checked, bad ones reported as the kernel's KASAN does.
//
// Owns: the checks of mm/kasan/ and their reports - an access (address,
// length, read or write, and the pointer it was computed from) against slab
// objects, large kmallocs and page blocks; the free checks (double-free,
// invalid-free); the instrumented memset() and memcpy() of
// mm/kasan/shadow.c; kasan_check_byte() for krealloc(); and the quarantine of
// free stacks that "Freed by task" prints (kept with each object, in its
// slab, until the object is allocated again). Every front end calls
// check_access() for the loads and stores of its code; the allocators call
// the free checks.
//
// kmsim keeps no shadow memory: it knows each object's requested size from
// kmemleak's record (or SLUB's orig_size) and which pointer an access came
// from, so p[-1] is out of bounds of p's object even where it lands on a
// neighbour. A report does not stop the run (kasan_multi_shot): a checked
// one-byte load or store still happens, as on a kernel that goes on; an
// instrumented memset or memcpy is skipped, as when kasan_check_range() fails.
// Invariant: no arithmetic on addresses wraps.
#pragma once

#include "arch/traps.h"
#include "mm/kmemleak.h"
#include "mm/memmap.h"
#include "mm/stack_depot.h"

#include <cstdint>
#include <optional>
#include <string>

namespace kmsim::arch {
class machine;
}

namespace kmsim::mm {

class node;
class slab_allocator;
class vmalloc_allocator;
struct slab;

class kasan {
public:
    kasan(arch::machine& m, node& n, slab_allocator& slabs, kmemleak& leaks, stack_depot& depot)
        : machine_(m), node_(n), slabs_(slabs), kmemleak_(leaks), depot_(depot)
    {
    }

    // Off, as a kernel without CONFIG_KASAN: nothing is reported, and only
    // a NULL or unmapped address faults.
    void set_enabled(bool on) { enabled_ = on; }
    // The vmalloc areas, whose memory is checked against their requested
    // size (CONFIG_KASAN_VMALLOC): "vmalloc-out-of-bounds".
    void set_vmalloc(const vmalloc_allocator* v) { vmalloc_ = v; }
    bool enabled() const { return enabled_; }

    // What a check found: the bytes to touch (nullptr when there are none),
    // whether KASAN reported the access, and whether it faults - a NULL or
    // unmapped address, which the caller turns into the page-fault Oops
    // (arch::page_fault_oops) once its own state is settled.
    struct access_result {
        std::uint8_t* bytes = nullptr;
        bool reported = false;
        std::optional<arch::fault_kind> fault;
    };

    // A load or store of LEN bytes at ADDR made by the code of the running
    // context's innermost frame. BASE, when not 0, is the pointer the address
    // was computed from (p in p[i]).
    access_result check_access(std::uint64_t addr, std::uint64_t len, bool write, std::uint64_t base = 0);

    // Called inside a kernel call (whose frame is innermost; reports name
    // its caller). They fault with the Oops themselves.
    // memset(): false when the range was reported and left untouched.
    bool memset(std::uint64_t addr, int c, std::uint64_t len);
    bool memcpy(std::uint64_t dst, std::uint64_t src, std::uint64_t len);
    // kasan_check_byte(): false (reported) for a freed or out-of-bounds byte.
    bool check_byte(std::uint64_t addr);
    // kasan_slab_pre_free(): a pointer that is not an object's start, or an
    // object already free, is reported; true means "do not free it". P is in
    // slab SL, whose object IDX starts at OBJ.
    bool slab_pre_free(const slab& sl, std::uint64_t p, std::uint64_t obj, unsigned idx)
    {
        if (!enabled_ || (obj == p && sl.allocated[idx])) [[likely]]
            return false;
        return report_bad_free(sl, p, obj, idx);
    }
    // kasan_kfree_large(): a pointer inside a large kmalloc but not its start.
    bool kfree_large_bad(std::uint64_t p);
    // Object IDX of SL is being freed: keep who freed it for "Freed by task"
    // (kasan_save_free_info()).
    void slab_free(slab& sl, unsigned idx)
    {
        if (!enabled_ || sl.debug.empty())
            return;
        object_track& t = sl.debug[idx];
        const arch::context* c = machine_.current_context();
        t.free_pid = machine_.current_pid();
        t.free_stack = depot_.save_current(c);
        t.flags |= object_track::freed;
    }

private:
    enum class site { innermost, caller };
    access_result check(std::uint64_t addr, std::uint64_t len, bool write, std::uint64_t base, site where);
    access_result check_vmalloc(std::uint64_t addr, std::uint64_t len, bool write, std::uint64_t base, site where);
    bool check_range(std::uint64_t addr, std::uint64_t len, bool write);
    std::string history(const object_track* t) const;
    std::string frame_text(site where) const;
    void report(const char* type, const std::string& access, const std::string& tail, site where);
    void report_access(const char* type, std::uint64_t addr, std::uint64_t len, bool write, const std::string& tail,
                       site where);
    // slab_pre_free()'s report: an invalid or double free. Returns true.
    bool report_bad_free(const slab& sl, std::uint64_t p, std::uint64_t obj, unsigned idx);
    void report_free(const char* type, std::uint64_t p, std::uint64_t start, std::uint64_t len,
                     const object_track* t, const std::string& owner);

    arch::machine& machine_;
    node& node_;
    slab_allocator& slabs_;
    kmemleak& kmemleak_;
    stack_depot& depot_;
    const vmalloc_allocator* vmalloc_ = nullptr;
    bool enabled_ = true;
};

}  // namespace kmsim::mm
