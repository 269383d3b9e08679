// mm/slab.h - kmem_cache: SLUB's object caches, their geometry, and the slab allocator.
//
// Owns: every kmem_cache of a machine, the slabs (page-allocator blocks cut
// into objects) behind them, SLUB's object layout and slab order as
// mm/slub.c computes them (calculate_sizes, calculate_order), slub_debug's
// red zones, poisoning and alloc/free tracking with their checks and "BUG
// CACHE (Not tainted): REASON" reports, and /proc/slabinfo.
// Does not own: the kmalloc API and its size classes (mm/kmalloc).
//
// Slab states, as SLUB keeps them per cache:
//   cpu slab   the slab a CPU allocates from (at most one per CPU)
//   partial    on the node's partial list: some objects free, not a cpu slab
//   full       every object in use: on no list
//   empty      freed back to the page allocator when the node already keeps
//              min_partial partial slabs, else kept on the partial list
// Simpler than SLUB (see docs/kernel-model.md): no per-CPU partial lists, and
// free objects are kept in a host-side stack per slab, not in the objects.
// Invariants (check_invariants): a slab's inuse + free == objects; a slab is
// a cpu slab, on the partial list (0 < free), or full; the cache's counts are
// the sums over its slabs; every page of a slab has PG_slab and its slab's id.
#pragma once

#include "mm/gfp.h"
#include "mm/memmap.h"
#include "mm/page.h"
#include "mm/reciprocal_div.h"
#include "sim/time.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kmsim::arch {
class machine;
}

namespace kmsim::mm {

class page_allocator;
class vm_counters;

// Cache flags (SLAB_*). kmsim's bit values; only the names are the kernel's.
enum slab_flags : std::uint32_t {
    SLAB_CONSISTENCY_CHECKS = 1u << 0,  // slub_debug F
    SLAB_RED_ZONE = 1u << 1,            // Z
    SLAB_POISON = 1u << 2,              // P
    SLAB_STORE_USER = 1u << 3,          // U
    SLAB_HWCACHE_ALIGN = 1u << 4,
    SLAB_CACHE_DMA = 1u << 5,
    SLAB_CACHE_DMA32 = 1u << 6,
    SLAB_RECLAIM_ACCOUNT = 1u << 7,
    SLAB_ACCOUNT = 1u << 8,
    SLAB_KMALLOC = 1u << 9,
    SLAB_PANIC = 1u << 10,
    SLAB_DEBUG_FLAGS = SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER,
};

// Byte patterns of include/linux/poison.h.
inline constexpr std::uint8_t POISON_INUSE = 0x5a;
inline constexpr std::uint8_t POISON_FREE = 0x6b;
inline constexpr std::uint8_t POISON_END = 0xa5;
inline constexpr std::uint8_t SLUB_RED_INACTIVE = 0xbb;
inline constexpr std::uint8_t SLUB_RED_ACTIVE = 0xcc;

inline constexpr std::uint64_t ZERO_SIZE_PTR = 16;
inline constexpr bool ZERO_OR_NULL_PTR(std::uint64_t p) { return p <= ZERO_SIZE_PTR; }

// The SLAB_* flag NAME stands for ("SLAB_HWCACHE_ALIGN"), or nothing.
std::optional<std::uint32_t> slab_flag_by_name(std::string_view name);
// Every flag name slab_flag_by_name() knows, for suggestions.
std::vector<std::string> slab_flag_names();
// FLAGS by name, joined with '|' ("SLAB_HWCACHE_ALIGN|SLAB_PANIC"); bits
// without a name in hex; "0" for none.
std::string format_slab_flags(std::uint32_t flags);

// Boot parameters that shape slab caches: slub_debug=, slub_min_objects=,
// slub_max_order=, slub_min_order= (and their slab_ spellings).
struct slab_boot_params {
    std::uint32_t debug_flags = 0;                     // for every cache, or for debug_caches
    std::vector<std::string> debug_caches;             // empty: all caches
    bool disable_debug_if_order_grows = false;         // O
    unsigned min_objects = 0;                          // 0: 4 * (fls(nr_cpus) + 1)
    unsigned max_order = 3;                            // PAGE_ALLOC_COSTLY_ORDER
    unsigned min_order = 0;
};
// Parses a kernel command line; unknown parameters are ignored as the kernel
// ignores them. Returns an error message for a malformed slab parameter.
std::optional<std::string> parse_slab_boot_params(const std::string& cmdline, slab_boot_params& out);

// An allocation/free record (SLAB_STORE_USER).
struct slab_track {
    bool valid = false;
    std::string where;  // "worker at file.kms:12"
    int cpu = 0;
    int pid = 0;
    std::uint64_t when = 0;  // jiffies
};

// What kmemleak and KASAN keep of one object (the kernel's kmemleak_object,
// kasan_alloc_meta and kasan_free_meta): in the object's slab for slab
// objects, in kmemleak's own table for page-allocator memory. The
// allocation half stays after a free, for KASAN's "Allocated by task".
struct object_track {
    enum : std::uint8_t { live = 1, not_leak = 2, freed = 4, is_page = 8, referenced = 16 /* by kmemleak's last scan */ };
    sim::time_point allocated_at{};     // (reports print it as jiffies)
    std::uint32_t size = 0;             // requested (ksize() grows it)
    std::uint32_t stack = 0;            // allocating stack (a stack_depot handle)
    std::uint32_t free_stack = 0;       // freeing stack, when `freed`
    std::int32_t pid = 0;
    std::int32_t free_pid = 0;
    std::uint8_t flags = 0;
    bool is(std::uint8_t f) const { return flags & f; }
};

// GFP_SLAB_BUG_MASK: bits slab cannot honour - zones it has no caches for,
// and bits that name no flag.
inline constexpr gfp_t GFP_SLAB_BUG_MASK = gfp::DMA32 | gfp::HIGHMEM | ~gfp::BITS_MASK;

struct slab;

// A node's partial list (the kernel's kmem_cache_node->partial, a list_head):
// slabs with free objects that are no CPU's slab, linked through their own
// fields, most recent first. Adding at the head and removing are O(1).
// Invariant: size() counts the slabs linked; each has on_partial set.
class partial_list {
public:
    class iterator {
    public:
        explicit iterator(slab* s) : s_(s) {}
        slab* operator*() const { return s_; }
        iterator& operator++();
        bool operator!=(const iterator& o) const { return s_ != o.s_; }

    private:
        slab* s_;
    };
    iterator begin() const { return iterator(head_); }
    iterator end() const { return iterator(nullptr); }
    bool empty() const { return head_ == nullptr; }
    std::size_t size() const { return n_; }
    slab* front() const { return head_; }  // the most recent
    slab* back() const { return tail_; }   // the oldest
    void push_front(slab* sl);
    void erase(slab* sl);

private:
    slab* head_ = nullptr;
    slab* tail_ = nullptr;
    std::size_t n_ = 0;
};

struct kmem_cache {
    int id = 0;
    std::string name;
    std::uint32_t object_size = 0;  // what the user asked for
    std::uint32_t size = 0;         // stride: object plus metadata, aligned
    reciprocal_value reciprocal_size;  // of size, for obj_to_index()
    std::uint32_t align = 0;
    std::uint32_t inuse = 0;        // offset of the metadata after the object
    std::uint32_t offset = 0;       // free pointer offset
    std::uint32_t red_left_pad = 0;
    std::uint32_t flags = 0;
    unsigned order = 0;             // oo: preferred slab order
    unsigned objects = 0;           // objects in a slab of that order
    unsigned min_order = 0;         // s->min
    unsigned min_objects_order = 0; // objects at min order
    gfp_t allocflags = 0;
    unsigned min_partial = 5;
    bool poison_objects = false;    // __OBJECT_POISON

    // State.
    std::vector<slab*> cpu_slab;    // per CPU
    partial_list partial;           // node partial list, most recent first
    std::uint64_t nr_slabs = 0;
    std::uint64_t total_objects = 0;
    std::uint64_t inuse_objects = 0;  // allocated objects
    // kmem_cache_destroy() was called: the cache left slab_caches (and
    // /proc/slabinfo). Released too when it was empty; with objects
    // remaining the kernel leaks the struct, so it still works.
    bool destroyed = false;
    bool released = false;

    bool debug() const { return flags & SLAB_DEBUG_FLAGS; }
    bool tracks_orig_size() const { return (flags & SLAB_STORE_USER) && (flags & SLAB_KMALLOC); }
    std::uint64_t active_objs() const;  // num_objs minus free objects on the partial list
};

struct slab {
    int id = 0;
    kmem_cache* cache = nullptr;
    pfn_t pfn = 0;
    unsigned order = 0;
    unsigned objects = 0;
    unsigned inuse = 0;
    std::vector<std::uint16_t> free;          // free object indexes, next to allocate last
    std::vector<std::uint8_t> allocated;      // per object
    std::vector<std::uint32_t> orig_size;     // requested kmalloc size per object (tracked)
    std::vector<slab_track> alloc_track, free_track;
    std::vector<object_track> debug;          // per object, when KASAN or kmemleak is on
    int cpu = -1;                             // CPU whose cpu slab this is
    bool on_partial = false;
    slab* partial_prev = nullptr;             // links on the partial list
    slab* partial_next = nullptr;
};

inline partial_list::iterator& partial_list::iterator::operator++()
{
    s_ = s_->partial_next;
    return *this;
}

inline void partial_list::push_front(slab* sl)
{
    sl->partial_prev = nullptr;
    sl->partial_next = head_;
    (head_ ? head_->partial_prev : tail_) = sl;
    head_ = sl;
    ++n_;
}

inline void partial_list::erase(slab* sl)
{
    (sl->partial_prev ? sl->partial_prev->partial_next : head_) = sl->partial_next;
    (sl->partial_next ? sl->partial_next->partial_prev : tail_) = sl->partial_prev;
    sl->partial_prev = sl->partial_next = nullptr;
    --n_;
}

struct kmem_cache_options {
    std::uint32_t align = 0;
    std::uint32_t flags = 0;
};

class kasan;
class kmemleak;

// The debugging tools the allocators feed, as CONFIG_KASAN and
// CONFIG_DEBUG_KMEMLEAK do; nullptr where a tool is off.
struct alloc_debug {
    mm::kasan* kasan = nullptr;
    kmemleak* leaks = nullptr;
};

class slab_allocator {
public:
    slab_allocator(arch::machine& m, page_allocator& pa, vm_counters& vm, slab_boot_params params = {});
    ~slab_allocator();

    // A cache made at boot (a scenario's declaration, kmalloc's caches);
    // throws config_error for a size or name kmsim cannot make.
    kmem_cache* create(const std::string& name, std::uint32_t size, kmem_cache_options opts = {});
    // kmem_cache_create() at run time (fiber side, may sleep), as 6.15's
    // __kmem_cache_create_args() without CONFIG_DEBUG_VM: a size that gives
    // no slab fails with "...(NAME) failed with error -22" and a stack, and
    // NULL (a panic with SLAB_PANIC); names may repeat.
    kmem_cache* kmem_cache_create(const std::string& name, std::uint32_t size, kmem_cache_options opts = {});
    // The most recent listed cache of that name, or nullptr.
    kmem_cache* find(const std::string& name) const;
    // Creation order, most recent first (as /proc/slabinfo lists them).
    const std::vector<kmem_cache*>& caches() const { return order_; }

    // Fault injection (should_failslab(), in slab_pre_alloc_hook()): return
    // true to fail this allocation as if memory were short.
    std::function<bool(const kmem_cache&, gfp_t)> should_failslab;
    // Whether the page allocator is now working for new_slab() (whose
    // pages are the slab's, not a caller's own allocation).
    bool growing() const { return growing_; }

    // Fiber side. Addresses are simulated kernel addresses; 0 on failure.
    std::uint64_t alloc(kmem_cache* s, gfp_t gfp, std::uint32_t orig_size = 0);
    // Frees OBJ into S (nullptr: the cache its slab belongs to, as kfree).
    // OBJ must be inside a slab.
    void free(kmem_cache* s, std::uint64_t obj);
    // The same, for OBJ inside SL (what slab_of(OBJ) gave).
    void free(kmem_cache* s, slab& sl, std::uint64_t obj);
    // kmem_cache_alloc(): as alloc(), traced.
    std::uint64_t kmem_cache_alloc(kmem_cache* s, gfp_t gfp);
    // kmem_cache_free(): as free(), for any OBJ - NULL is a no-op, and an
    // address outside every slab is warned about and left alone.
    void kmem_cache_free(kmem_cache* s, std::uint64_t obj);
    void set_debug(alloc_debug d) { debug_ = d; }
    // kmalloc_fix_flags(): GFP with the GFP_SLAB_BUG_MASK bits it carries
    // cleared, after the kernel's "Unexpected gfp: ... Fix your code!" and a
    // stack. For a new slab and for a large kmalloc.
    gfp_t kmalloc_fix_flags(gfp_t gfp);
    // kmem_cache_destroy() (6.15): frees the empty slabs and takes the cache
    // off the list. Objects remaining are reported per slab ("Objects
    // remaining in NAME on __kmem_cache_shutdown()") with a WARNING, and the
    // cache is left allocated (released stays false); otherwise released.
    void destroy(kmem_cache* s);

    // The slab holding ADDR, if ADDR is inside a slab page.
    slab* slab_of(std::uint64_t addr) const
    {
        pfn_t pfn;
        if (!map_.virt_to_pfn(addr, pfn))
            return nullptr;
        const page& p = map_[pfn];
        if (!(p.flags & PG_slab))
            return nullptr;
        return slabs_[p.owner].get();
    }
    // The object start for ADDR inside slab SL (no check that it is
    // allocated): __obj_to_index(), the offset divided by the stride without
    // a division. An address outside the slab (a caller's bad pointer) maps
    // to its last object.
    std::uint64_t object_of(const slab& sl, std::uint64_t addr, unsigned* index) const
    {
        const std::uint64_t offset = addr - memmap::pfn_to_virt(sl.pfn);
        unsigned i = offset >> 32 ? sl.objects
                                  : reciprocal_divide(static_cast<std::uint32_t>(offset), sl.cache->reciprocal_size);
        if (i >= sl.objects)
            i = sl.objects - 1;
        if (index)
            *index = i;
        return object_addr(sl, i);
    }
    std::uint64_t object_addr(const slab& sl, unsigned index) const
    {
        return memmap::pfn_to_virt(sl.pfn) + static_cast<std::uint64_t>(index) * sl.cache->size +
               sl.cache->red_left_pad;
    }
    std::uint32_t orig_size_of(const slab& sl, unsigned index) const;
    void set_orig_size(slab& sl, unsigned index, std::uint32_t size);
    std::uint8_t* bytes(std::uint64_t addr);

    // Every slab in use, in no particular order.
    template <typename F>
    void for_each_slab(F&& f) const
    {
        for (const auto& sl : slabs_)
            if (sl && sl->cache)
                f(*sl);
    }

    std::string slabinfo() const;
    // dump_unreclaimable_slab(): for the OOM report, each cache without
    // SLAB_RECLAIM_ACCOUNT that holds objects, its used and total kB.
    std::string dump_unreclaimable_slab() const;
    std::string check_invariants() const;
    const slab_boot_params& params() const { return params_; }

    // SLUB's report for a cache, for callers outside (kmalloc's checks).
    void report_object(kmem_cache* s, slab& sl, unsigned index, const std::string& reason, const std::string& fix);

private:
    bool growing_ = false;
    // The geometry and the cache (calculate_sizes()); throws config_error
    // when its objects do not fit a slab.
    kmem_cache* make_cache(const std::string& name, std::uint32_t size, kmem_cache_options opts);
    void calculate_sizes(kmem_cache& s) const;
    unsigned calculate_order(std::uint32_t size) const;
    slab* new_slab(kmem_cache& s, gfp_t gfp);
    void discard_slab(kmem_cache& s, slab* sl);
    void init_object(kmem_cache& s, slab& sl, unsigned index, std::uint8_t red);
    bool check_object(kmem_cache& s, slab& sl, unsigned index, std::uint8_t red);
    bool check_bytes(kmem_cache& s, slab& sl, unsigned index, const char* what, std::uint64_t from,
                     std::uint64_t len, std::uint8_t value);
    std::string trailer(kmem_cache& s, slab& sl, unsigned index);
    std::string slab_bug_header(const kmem_cache& s, const std::string& reason) const;
    void slab_out_of_memory(kmem_cache& s, gfp_t gfp);
    // The slow paths of alloc() and free(), out of line: a CPU slab with no
    // free object (take a partial slab or a new one; nullptr when memory
    // ran out, reported), a slab whose object failed its consistency check
    // (every object marked used), and free()'s checks of a suspect free
    // (false: the object must not be freed; reported).
    slab* refill_cpu_slab(kmem_cache& s, gfp_t gfp, int cpu);
    void isolate_slab(kmem_cache& s, slab& sl);
    bool free_checks(kmem_cache* s, slab& sl, std::uint64_t obj, std::uint64_t start, unsigned idx);
    slab_track track_here() const;
    void deactivate_cpu_slab(kmem_cache& s, int cpu);
    void add_partial(kmem_cache& s, slab* sl);
    void remove_partial(kmem_cache& s, slab* sl);

    arch::machine& machine_;
    page_allocator& pa_;
    const memmap& map_;  // pa_'s node's mem_map
    vm_counters& vm_;
    alloc_debug debug_;
    slab_boot_params params_;
    std::vector<std::unique_ptr<kmem_cache>> caches_;
    std::vector<kmem_cache*> order_;
    std::vector<std::unique_ptr<slab>> slabs_;  // by id
    std::vector<int> free_ids_;
    unsigned oom_printed_ = 0;
    std::uint64_t oom_begin_ = 0;
};

}  // namespace kmsim::mm
